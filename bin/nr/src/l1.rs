//! `nr l1`: a single-node development L1 with the EXECUTE precompile at 0x0101.

use alloy_primitives::{Address, U256, utils::parse_ether};
use alloy_signer_local::{MnemonicBuilder, PrivateKeySigner, coins_bip39::English};
use eyre::{Context, Result, bail, eyre};
use nr_chain::{Chain, spec::ChainSpec};
use nr_execute::precompile::{
    DEFAULT_EXECUTE_GAS_LIMIT, DEFAULT_EXECUTE_GAS_TARGET, EXECUTE_ADDRESS, ExecuteBlockData,
    ExecuteGasParams, L1Hooks,
};
use nr_rpc::{RpcError, RpcExtension};
use nr_stateless::ForkSchedule;
use serde_json::{Value, json};
use std::{net::SocketAddr, path::PathBuf, sync::Arc, time::Duration};

/// Mnemonic of the prefunded development accounts (the one anvil and hardhat use).
pub const DEV_MNEMONIC: &str = "test test test test test test test test test test test junk";
/// Default chain id of the development L1.
pub const DEFAULT_L1_CHAIN_ID: u64 = 31337;

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
    /// Print no banner (when embedded in another command).
    #[arg(skip)]
    pub quiet: bool,
    /// EXECUTE gas target per L1 block (EIP-1559 style).
    #[arg(long, default_value_t = DEFAULT_EXECUTE_GAS_TARGET)]
    pub execute_gas_target: u64,
}

/// Parses a fork time: absolute, relative to `genesis` (`+60s`), or `never`.
pub fn parse_fork_time(s: &str, genesis: u64) -> Result<Option<u64>> {
    let s = s.trim();
    if s == "never" {
        return Ok(None);
    }
    if let Some(rel) = s.strip_prefix('+') {
        let secs: u64 =
            rel.trim_end_matches('s').parse().wrap_err_with(|| format!("bad fork time {s:?}"))?;
        return Ok(Some(genesis + secs));
    }
    Ok(Some(
        s.parse()
            .wrap_err_with(|| format!("bad fork time {s:?}: want a unix time, +SECS or never"))?,
    ))
}

/// The dev accounts of a mnemonic (BIP-44 `m/44'/60'/0'/0/i`).
pub fn dev_signers(mnemonic: &str, n: u32) -> Result<Vec<PrivateKeySigner>> {
    (0..n)
        .map(|i| {
            MnemonicBuilder::<English>::default()
                .phrase(mnemonic)
                .index(i)
                .map_err(|e| eyre!("mnemonic index {i}: {e}"))?
                .build()
                .map_err(|e| eyre!("mnemonic: {e}"))
        })
        .collect()
}

/// Builds the spec `nr l1` would create from its arguments.
pub fn l1_spec(args: &L1Args, signers: &[PrivateKeySigner]) -> Result<ChainSpec> {
    if let Some(path) = &args.genesis {
        let json = std::fs::read_to_string(path)
            .wrap_err_with(|| format!("reading {}", path.display()))?;
        return Ok(ChainSpec::from_geth_json(&json)?);
    }
    let genesis_time = nr_chain::unix_now();
    let schedule = ForkSchedule {
        cancun_time: Some(0),
        prague_time: parse_fork_time(&args.prague_at, genesis_time)?,
        osaka_time: parse_fork_time(&args.osaka_at, genesis_time)?,
    };
    if let (Some(p), Some(o)) = (schedule.prague_time, schedule.osaka_time)
        && o < p
    {
        bail!("--osaka-at ({o}) is before --prague-at ({p})");
    }
    if schedule.osaka_time.is_some() && schedule.prague_time.is_none() {
        bail!("--osaka-at needs Prague (--prague-at)");
    }
    let balance: U256 =
        parse_ether(&args.balance).map_err(|e| eyre!("--balance {}: {e}", args.balance))?;
    let funded: Vec<Address> = signers.iter().map(|s| s.address()).collect();
    Ok(ChainSpec::dev(args.chain_id, schedule, genesis_time, &funded, balance))
}

/// The L1's extra RPC methods: the EXECUTE gas market.
struct L1Rpc {
    hooks: L1Hooks,
}

impl RpcExtension for L1Rpc {
    fn methods(&self) -> &'static [&'static str] {
        &["nr_executeBaseFee", "nr_executeMarket", "nr_forkSchedule"]
    }

    fn call(
        &self,
        chain: &Chain,
        method: &str,
        params: &[Value],
    ) -> Option<Result<Value, RpcError>> {
        match method {
            "nr_executeBaseFee" => {
                let head = chain.head();
                let next = chain.child_template(&head, head.timestamp + 1);
                Some(Ok(json!(format!("{:#x}", self.hooks.execute_base_fee(&head, &next)))))
            }
            "nr_executeMarket" => Some(self.market(chain, params)),
            "nr_forkSchedule" => {
                Some(Ok(serde_json::to_value(&chain.spec().schedule).unwrap_or_default()))
            }
            _ => None,
        }
    }
}

impl L1Rpc {
    fn market(&self, chain: &Chain, params: &[Value]) -> Result<Value, RpcError> {
        let number: Option<String> = nr_rpc::param(params, 0, "block")?;
        let header = match number.as_deref() {
            None | Some("latest") => chain.head(),
            Some(s) => {
                let n = s
                    .strip_prefix("0x")
                    .and_then(|h| u64::from_str_radix(h, 16).ok())
                    .ok_or_else(|| RpcError::params(format!("invalid block number {s:?}")))?;
                chain
                    .header_by_number(n)
                    .map_err(|e| RpcError::server(e.to_string()))?
                    .ok_or_else(|| RpcError::server("header not found"))?
            }
        };
        let data = ExecuteBlockData::from_extra_data(&header.extra_data);
        let next = chain.child_template(&header, header.timestamp + 1);
        Ok(json!({
            "blockNumber": format!("{:#x}", header.number),
            "executeBaseFee": data.map(|d| format!("{:#x}", d.base_fee)),
            "executeGasUsed": data.map(|d| format!("{:#x}", d.gas_used)),
            "executeGasLimit": format!("{:#x}", self.hooks.params.limit),
            "executeGasTarget": format!("{:#x}", self.hooks.params.target),
            "nextExecuteBaseFee": format!("{:#x}", self.hooks.execute_base_fee(&header, &next)),
            "precompile": EXECUTE_ADDRESS,
        }))
    }
}

/// A running L1 node (RPC server and block producer on the given runtime).
pub struct L1Running {
    /// The chain.
    pub chain: Arc<Chain>,
    /// Bound RPC address.
    pub addr: SocketAddr,
    /// Dev account signers.
    pub signers: Vec<PrivateKeySigner>,
}

/// Starts `nr l1`'s node on `rt` and prints its banner.
pub fn start(args: &L1Args, rt: &tokio::runtime::Runtime) -> Result<L1Running> {
    if args.execute_gas_target == 0 || args.execute_gas_target > args.execute_gas_limit {
        bail!("--execute-gas-target must be in 1..=--execute-gas-limit");
    }
    let signers = dev_signers(&args.mnemonic, args.accounts)?;
    let spec = l1_spec(args, &signers)?;
    std::fs::create_dir_all(&args.datadir)
        .wrap_err_with(|| format!("creating {}", args.datadir.display()))?;
    let params =
        ExecuteGasParams { limit: args.execute_gas_limit, target: args.execute_gas_target };
    // The stored spec wins on restart; the hooks must use the stored schedule.
    let db = args.datadir.join("chain.redb");
    let chain = Arc::new(Chain::open_with(&db, spec, |stored| {
        Arc::new(L1Hooks { schedule: stored.schedule.clone(), params })
    })?);
    let spec = chain.spec().clone();
    let hooks = L1Hooks { schedule: spec.schedule.clone(), params };
    let head = chain.head();

    let ext: Arc<dyn RpcExtension> = Arc::new(L1Rpc { hooks });
    let (addr, _server) = rt.block_on(nr_rpc::serve(args.http, chain.clone(), Some(ext)))?;

    if !args.quiet {
        println!("nr l1: development L1 with EXECUTE at {EXECUTE_ADDRESS}");
        println!("  rpc          http://{addr}");
        println!("  chain id     {}", spec.chain_id);
        println!("  datadir      {}", args.datadir.display());
        println!("  head         #{} {}", head.number, head.hash_slow());
        let fmt = |t: Option<u64>| t.map_or("never".to_string(), |t| t.to_string());
        println!(
            "  forks        cancun={} prague={} osaka={} (unix seconds)",
            fmt(spec.schedule.cancun_time),
            fmt(spec.schedule.prague_time),
            fmt(spec.schedule.osaka_time)
        );
        println!("  EXECUTE gas  limit {} / target {} per L1 block", params.limit, params.target);
        if args.genesis.is_none() {
            println!("  accounts     ({} ETH each, mnemonic {:?})", args.balance, args.mnemonic);
            for (i, s) in signers.iter().enumerate() {
                println!(
                    "    ({i}) {} 0x{}",
                    s.address(),
                    alloy_primitives::hex::encode(s.credential().to_bytes())
                );
            }
        }
        println!(
            "  block time   {}",
            if args.block_time == 0 { "on demand".into() } else { format!("{}s", args.block_time) }
        );
    }
    use std::io::Write;
    std::io::stdout().flush().ok();

    let producer = chain.clone();
    let block_time = args.block_time;
    std::thread::spawn(move || produce_loop(&producer, block_time));
    Ok(L1Running { chain, addr, signers })
}

/// Runs `nr l1` until Ctrl-C.
pub fn run(args: L1Args) -> Result<()> {
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    let l1 = start(&args, &rt)?;
    rt.block_on(async {
        tokio::signal::ctrl_c().await.ok();
    });
    println!("nr l1: stopped at #{}", l1.chain.head().number);
    Ok(())
}

fn produce_loop(chain: &Chain, block_time: u64) {
    let mut seen = chain.tx_added.count();
    // On demand: a block when executable transactions wait; if a block included none of
    // them (all failed at execution), wait for new transactions before trying again.
    let mut stalled = false;
    loop {
        if block_time == 0 {
            if stalled || !chain.has_ready_transactions() {
                let now_seen = chain.tx_added.wait_past(seen, Duration::from_millis(500));
                stalled &= now_seen == seen;
                seen = now_seen;
                continue;
            }
        } else {
            let next = chain.head().timestamp + block_time;
            let wait = next.saturating_sub(nr_chain::unix_now()).min(block_time);
            if wait > 0 {
                std::thread::sleep(Duration::from_secs(wait));
            }
        }
        match chain.produce_block(nr_chain::unix_now()) {
            Ok(p) => {
                stalled = block_time == 0 && p.block.body.transactions.is_empty();
                tracing::info!(
                    number = p.block.header.number,
                    hash = %p.hash,
                    txs = p.block.body.transactions.len(),
                    gas = p.block.header.gas_used,
                    "block"
                );
                for (h, reason) in &p.skipped {
                    tracing::debug!(tx = %h, reason, "not included");
                }
            }
            Err(e) => {
                tracing::error!("block production failed: {e}");
                std::thread::sleep(Duration::from_secs(1));
            }
        }
    }
}
