//! `nr l1`: a single-node development L1 with the EXECUTE precompile at 0x0101.

use alloy_primitives::utils::parse_ether;
use eyre::{Result, eyre};
use nr_execute::precompile::{
    DEFAULT_EXECUTE_GAS_LIMIT, DEFAULT_EXECUTE_GAS_TARGET, EXECUTE_ADDRESS, ExecuteGasParams,
};
use nr_node::{
    NodeError,
    l1::{DEFAULT_BLOB_RETENTION, DEFAULT_L1_CHAIN_ID, DEV_MNEMONIC, ForkTime, L1Config, L1Node},
};
use std::{net::SocketAddr, path::PathBuf};

/// Options of `nr l1`.
#[derive(clap::Args, Debug, Clone)]
pub struct L1Args {
    /// Directory of the embedded store (created if absent; an existing chain resumes).
    #[arg(long, default_value = "nr-data/l1")]
    pub datadir: PathBuf,
    /// HTTP JSON-RPC listen address.
    #[arg(long, default_value = "127.0.0.1:8545")]
    pub http: SocketAddr,
    /// Seconds between blocks; 0 = one block as soon as transactions arrive.
    #[arg(long, default_value_t = 2)]
    pub block_time: u64,
    /// Chain id (ignored with --genesis).
    #[arg(long, default_value_t = DEFAULT_L1_CHAIN_ID)]
    pub chain_id: u64,
    /// Genesis in geth's JSON format (chain id, fork times, alloc, gas limit, base fee).
    #[arg(long)]
    pub genesis: Option<PathBuf>,
    /// Mnemonic of the prefunded accounts.
    #[arg(long, default_value = DEV_MNEMONIC)]
    pub mnemonic: String,
    /// Number of prefunded accounts.
    #[arg(long, default_value_t = 10)]
    pub accounts: u32,
    /// Balance of each prefunded account, in ether.
    #[arg(long, default_value = "10000")]
    pub balance: String,
    /// Prague activation: unix time, `+SECS[s]` after genesis, or `never`.
    #[arg(long, default_value = "0")]
    pub prague_at: String,
    /// Osaka activation: unix time, `+SECS[s]` after genesis (e.g. `+60s`), or `never`.
    #[arg(long, default_value = "0")]
    pub osaka_at: String,
    /// Most L2 gas all EXECUTE calls of one L1 block may verify together.
    #[arg(long, default_value_t = DEFAULT_EXECUTE_GAS_LIMIT)]
    pub execute_gas_limit: u64,
    /// EXECUTE gas target per L1 block (EIP-1559 style).
    #[arg(long, default_value_t = DEFAULT_EXECUTE_GAS_TARGET)]
    pub execute_gas_target: u64,
    /// Browser origins allowed to call the JSON-RPC server (CORS), comma-separated; `*`
    /// for any (as geth's `--http.corsdomain`). The L2 explorer page needs its own origin
    /// (or `*`) here to read this L1.
    #[arg(long, default_value = "")]
    pub http_corsdomain: String,
    /// Blocks behind the head whose blob sidecars are kept and served (the beacon API's
    /// `blob_sidecars`/`blobs`); older ones are pruned. Default 131,072 = 4,096 epochs of 32
    /// slots (mainnet's `MIN_EPOCHS_FOR_BLOB_SIDECARS_REQUESTS`, ~18 days at 12 s); 0 keeps
    /// all.
    #[arg(long, default_value_t = DEFAULT_BLOB_RETENTION)]
    pub blob_retention: u64,
    /// JSON-RPC limits.
    #[command(flatten)]
    pub rpc: crate::rpc_limits::RpcLimitArgs,
}

impl L1Args {
    /// The node configuration these flags ask for. Checks the EXECUTE gas target first;
    /// `--balance`, `--prague-at` and `--osaka-at` are parsed only without `--genesis`
    /// (the genesis file says it all).
    pub fn config(&self) -> Result<L1Config> {
        let execute_gas =
            ExecuteGasParams { limit: self.execute_gas_limit, target: self.execute_gas_target };
        if execute_gas.target == 0 || execute_gas.target > execute_gas.limit {
            return Err(NodeError::ExecuteGasTarget.into());
        }
        let mut cfg = L1Config {
            datadir: self.datadir.clone(),
            http: self.http,
            block_time: self.block_time,
            chain_id: self.chain_id,
            genesis: self.genesis.clone(),
            mnemonic: self.mnemonic.clone(),
            accounts: self.accounts,
            execute_gas,
            rpc_limits: self.rpc.limits(),
            blob_retention: self.blob_retention,
            cors: nr_rpc::CorsOrigins::parse(&self.http_corsdomain)
                .map_err(|e| eyre!("--http-corsdomain: {e}"))?,
            ..L1Config::default()
        };
        if self.genesis.is_none() {
            cfg.prague_at = ForkTime::parse(&self.prague_at)?;
            cfg.osaka_at = ForkTime::parse(&self.osaka_at)?;
            cfg.balance =
                parse_ether(&self.balance).map_err(|e| eyre!("--balance {}: {e}", self.balance))?;
        }
        Ok(cfg)
    }
}

/// Prints the banner of a started L1 node; `balance` is the prefunded balance as given.
pub fn print_banner(node: &L1Node, cfg: &L1Config, balance: &str) {
    let spec = node.spec();
    let head = &node.start_head;
    println!("nr l1: development L1 with EXECUTE at {EXECUTE_ADDRESS}");
    println!("  rpc          {}", node.url());
    println!("  chain id     {}", spec.chain_id);
    println!("  datadir      {}", cfg.datadir.display());
    println!("  head         #{} {}", head.number, head.hash_slow());
    let fmt = |t: Option<u64>| t.map_or("never".to_string(), |t| t.to_string());
    println!(
        "  forks        cancun={} prague={} osaka={} (unix seconds)",
        fmt(spec.schedule.cancun_time),
        fmt(spec.schedule.prague_time),
        fmt(spec.schedule.osaka_time)
    );
    for bpo in &spec.schedule.blobs.bpos {
        let b = bpo.blobs;
        println!(
            "  bpo{}         at {}: blobs target {} max {} fraction {}",
            bpo.number, bpo.time, b.target, b.max, b.base_fee_update_fraction
        );
    }
    let params = node.execute_gas;
    println!("  EXECUTE gas  limit {} / target {} per L1 block", params.limit, params.target);
    if cfg.genesis.is_none() {
        println!("  accounts     ({} ETH each, mnemonic {:?})", balance, cfg.mnemonic);
        for (i, s) in node.signers.iter().enumerate() {
            println!(
                "    ({i}) {} 0x{}",
                s.address(),
                alloy_primitives::hex::encode(s.credential().to_bytes())
            );
        }
    }
    println!(
        "  block time   {}",
        if cfg.block_time == 0 { "on demand".into() } else { format!("{}s", cfg.block_time) }
    );
    use std::io::Write;
    std::io::stdout().flush().ok();
}

/// Runs `nr l1` until Ctrl-C.
pub fn run(args: L1Args) -> Result<()> {
    let cfg = args.config()?;
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    let node = rt.block_on(L1Node::start(&cfg))?;
    print_banner(&node, &cfg, &args.balance);
    // A dead block producer stops the node with its error instead of leaving an RPC
    // server that answers but makes no blocks.
    let failed = rt.block_on(async {
        tokio::select! {
            _ = tokio::signal::ctrl_c() => None,
            e = node.failure() => Some(e),
        }
    });
    println!("nr l1: stopped at #{}", node.chain.head().number);
    rt.block_on(node.shutdown());
    match failed {
        Some(e) => Err(e.into()),
        None => Ok(()),
    }
}
