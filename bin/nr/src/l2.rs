//! `nr l2`, `nr devnet` and `nr bridge`.

use alloy_primitives::{Address, B256, U256, utils::parse_ether};
use alloy_signer_local::PrivateKeySigner;
use eyre::{Result, bail, eyre};
use nr_node::{
    devnet::{Devnet, DevnetConfig},
    l1::{DEV_MNEMONIC, ForkTime},
};
use nr_rollup::{Deployment, NodeConfig, bridge::BridgeClient};
use std::{net::SocketAddr, path::PathBuf, time::Duration};

/// Options of `nr l2`.
#[derive(clap::Args, Debug, Clone)]
pub struct L2Args {
    /// L1 JSON-RPC URL (an L1 with EXECUTE at 0x0101).
    #[arg(long, default_value = "http://127.0.0.1:8545")]
    pub l1_rpc: String,
    /// The NativeRollup contract on L1 (checked against the deployment file).
    #[arg(long)]
    pub rollup: Option<Address>,
    /// Deployment file written by `nr devnet` (rollup addresses and the L2 genesis).
    #[arg(long)]
    pub deployment: PathBuf,
    /// Directory of the L2 store.
    #[arg(long, default_value = "nr-data/l2")]
    pub datadir: PathBuf,
    /// L2 JSON-RPC listen address.
    #[arg(long, default_value = "127.0.0.1:8546")]
    pub http: SocketAddr,
    /// Seconds between L2 blocks (0: as soon as transactions arrive).
    #[arg(long, default_value_t = 2)]
    pub block_time: u64,
    /// L1 key paying for settlement (`advance`); without it, blocks are not settled.
    #[arg(long)]
    pub settler_key: Option<PrivateKeySigner>,
    /// L2 key relaying deposits; without it, deposits are not delivered.
    #[arg(long)]
    pub relayer_key: Option<PrivateKeySigner>,
    /// Fee recipient of the L2 blocks (default: the settler key's address).
    #[arg(long)]
    pub fee_recipient: Option<Address>,
    /// Follower: rebuild the chain from L1 data only (no sequencing or settlement).
    #[arg(long)]
    pub follow: bool,
    /// Most L2 blocks the settler settles in one L1 transaction (0: as many as fit the
    /// L1's per-transaction gas cap; a block costs at least ~190k L1 gas, so fewer than
    /// 100 ever fit 2^24).
    #[arg(long, default_value_t = 0)]
    pub settle_batch: u8,
    /// Development-only censorship (boxed: keeps the command enum small).
    #[command(flatten)]
    pub censorship: Box<CensorArgs>,
    /// Optimistic mode: watchtower and development adversaries (boxed as above).
    #[command(flatten)]
    pub optimistic: Box<crate::optimistic_args::OptimisticArgs>,
    /// JSON-RPC limits (boxed: keeps the command enum small).
    #[command(flatten)]
    pub rpc: Box<crate::rpc_limits::RpcLimitArgs>,
}

/// Options of `nr devnet`.
#[derive(clap::Args, Debug, Clone)]
pub struct DevnetArgs {
    /// Directory for both chains and the deployment file.
    #[arg(long, default_value = "nr-data/devnet")]
    pub datadir: PathBuf,
    /// L1 JSON-RPC listen address.
    #[arg(long, default_value = "127.0.0.1:8545")]
    pub l1_http: SocketAddr,
    /// L2 JSON-RPC listen address.
    #[arg(long, default_value = "127.0.0.1:8546")]
    pub l2_http: SocketAddr,
    /// Seconds between L1 blocks (0: on demand).
    #[arg(long, default_value_t = 2)]
    pub l1_block_time: u64,
    /// Seconds between L2 blocks (0: on demand).
    #[arg(long, default_value_t = 2)]
    pub l2_block_time: u64,
    /// Sequenced mode (only the sequencer advances until a timeout); default: based.
    #[arg(long)]
    pub sequenced: bool,
    /// L2 chain id.
    #[arg(long, default_value_t = 8079)]
    pub l2_chain_id: u64,
    /// L1 Osaka activation: unix time, `+SECS[s]` after genesis, or `never` (Prague from 0).
    #[arg(long, default_value = "0")]
    pub l1_osaka_at: String,
    /// Mnemonic of the development accounts (funded on both chains).
    #[arg(long, default_value = DEV_MNEMONIC)]
    pub mnemonic: String,
    /// Fee recipient of the L2 blocks (default: the settler's address).
    #[arg(long)]
    pub fee_recipient: Option<Address>,
    /// L1 blocks after which a forced transaction is due (the rollup's `forcedDelay`).
    #[arg(long, default_value_t = nr_node::devnet::DEFAULT_FORCED_DELAY)]
    pub forced_delay: u64,
    /// Most L2 blocks the settler settles in one L1 transaction (0: as many as fit the
    /// L1's per-transaction gas cap; a block costs at least ~190k L1 gas, so fewer than
    /// 100 ever fit 2^24).
    #[arg(long, default_value_t = 0)]
    pub settle_batch: u8,
    /// Development-only censorship (boxed: keeps the command enum small).
    #[command(flatten)]
    pub censorship: Box<CensorArgs>,
    /// Settlement mode: `native` (every block proven with `advance`) or `optimistic`
    /// (bonded proposals, a challenge window, disputes decided by EXECUTE).
    #[arg(long, default_value = "native", value_parser = ["native", "optimistic"])]
    pub mode: String,
    /// Optimistic mode: seconds a proposed block may be challenged.
    #[arg(long, default_value_t = 10)]
    pub challenge_window: u64,
    /// Optimistic mode: seconds a challenged block may be defended.
    #[arg(long, default_value_t = 10)]
    pub response_window: u64,
    /// Optimistic mode: watchtower and development adversaries (boxed as above).
    #[command(flatten)]
    pub optimistic: Box<crate::optimistic_args::OptimisticArgs>,
}

/// Development-only censorship options of `nr l2` and `nr devnet`.
#[derive(clap::Args, Debug, Clone)]
pub struct CensorArgs {
    /// Development only: the sequencer leaves out this L2 address's transactions until the
    /// rollup forces them (repeatable).
    #[arg(long = "censor", value_name = "ADDR")]
    pub censor: Vec<Address>,
    /// Development only: censor even forced transactions that are due (settlement stalls
    /// with `ForcedTransactionDue`), and never deliver censored L1->L2 messages (stalls
    /// with `MessagesDue`).
    #[arg(long)]
    pub censor_forced: bool,
}

/// `nr bridge` subcommands.
#[derive(clap::Subcommand, Debug)]
pub enum BridgeCommand {
    /// Deposit ETH from L1 to L2.
    Deposit {
        #[command(flatten)]
        c: BridgeConn,
        /// Amount in ether.
        #[arg(long)]
        amount: String,
        /// Recipient on L2 (default: the sender).
        #[arg(long)]
        to: Option<Address>,
        /// Relayer fee in ether.
        #[arg(long, default_value = "0.001")]
        fee: String,
    },
    /// Withdraw ETH from L2 to L1 (then `nr bridge claim`).
    Withdraw {
        #[command(flatten)]
        c: BridgeConn,
        /// Amount in ether.
        #[arg(long)]
        amount: String,
        /// Recipient on L1 (default: the sender).
        #[arg(long)]
        to: Option<Address>,
    },
    /// Deposit an L1 ERC-20 to L2.
    DepositErc20 {
        #[command(flatten)]
        c: BridgeConn,
        /// The L1 token.
        #[arg(long)]
        token: Address,
        /// Amount in token units (18 decimals: `1.5` = 1.5 tokens).
        #[arg(long)]
        amount: String,
        /// Recipient on L2 (default: the sender).
        #[arg(long)]
        to: Option<Address>,
    },
    /// Withdraw a bridged ERC-20 from L2 to L1 (then `nr bridge claim`).
    WithdrawErc20 {
        #[command(flatten)]
        c: BridgeConn,
        /// The L1 token (its L2 token is looked up).
        #[arg(long)]
        token: Address,
        /// Amount in token units.
        #[arg(long)]
        amount: String,
        /// Recipient on L1 (default: the sender).
        #[arg(long)]
        to: Option<Address>,
    },
    /// Deliver on L2 yourself the deposit (L1->L2 message) an L1 transaction sent, when no
    /// relayer does: proves the L1 message root if needed, then claims (you get the fee).
    ClaimDeposit {
        #[command(flatten)]
        c: BridgeConn,
        /// The L1 transaction that sent the message.
        #[arg(long)]
        tx: B256,
        /// Seconds to wait for an L2 block anchored after the message.
        #[arg(long, default_value_t = 120)]
        wait: u64,
    },
    /// Submit a signed L2 transaction (EIP-1559, hex) to the rollup's forced inbox: every
    /// block settled after its deadline must start with it (`forcedFee` is paid).
    ForceSend {
        #[command(flatten)]
        c: BridgeConn,
        /// The raw signed transaction (0x-prefixed hex).
        #[arg(long)]
        tx: alloy_primitives::Bytes,
    },
    /// Withdraw ETH from L2 to L1 through the forced inbox (when the sequencer censors you):
    /// signs the L2 withdrawal, force-sends it, then `nr bridge claim` once settled.
    ForceWithdraw {
        #[command(flatten)]
        c: BridgeConn,
        /// Amount in wei.
        #[arg(long)]
        amount: U256,
        /// Recipient on L1 (default: the sender).
        #[arg(long)]
        to: Option<Address>,
    },
    /// Claim on L1 the withdrawal made by an L2 transaction, once its block is settled.
    Claim {
        #[command(flatten)]
        c: BridgeConn,
        /// The L2 transaction that withdrew.
        #[arg(long)]
        tx: B256,
        /// Seconds to wait for settlement.
        #[arg(long, default_value_t = 120)]
        wait: u64,
    },
}

/// Connection options shared by `nr bridge` commands.
#[derive(clap::Args, Debug, Clone)]
pub struct BridgeConn {
    /// L1 JSON-RPC URL.
    #[arg(long, default_value = "http://127.0.0.1:8545")]
    pub l1_rpc: String,
    /// L2 JSON-RPC URL.
    #[arg(long, default_value = "http://127.0.0.1:8546")]
    pub l2_rpc: String,
    /// Private key of the sender (hex).
    #[arg(long)]
    pub key: PrivateKeySigner,
}

fn ether(s: &str) -> Result<U256> {
    parse_ether(s).map_err(|e| eyre!("amount {s:?}: {e}"))
}

/// Runs `nr l2` until Ctrl-C.
pub fn run_l2(args: L2Args) -> Result<()> {
    let deployment = Deployment::read(&args.deployment)?;
    if let Some(r) = args.rollup
        && r != deployment.rollup
    {
        bail!("--rollup {r} differs from the deployment file's {}", deployment.rollup);
    }
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    let cfg = NodeConfig {
        l1_rpc: args.l1_rpc.clone(),
        deployment: deployment.clone(),
        datadir: args.datadir.clone(),
        http: args.http,
        block_time: args.block_time,
        settler_key: args.settler_key.clone(),
        relayer_key: args.relayer_key.clone(),
        follow: args.follow,
        progress: (args.follow && std::io::IsTerminal::is_terminal(&std::io::stderr()))
            .then(follower_bar),
        rpc_limits: args.rpc.limits(),
        fee_recipient: args.fee_recipient,
        censor: args.censorship.censor.clone(),
        censor_forced: args.censorship.censor_forced,
        settle_batch: args.settle_batch.into(),
        optimistic: args.optimistic.options(),
    };
    let node = rt.block_on(nr_rollup::start(cfg))?;
    println!(
        "nr l2: {} for rollup {}",
        if args.follow { "follower" } else { "sequencer" },
        deployment.rollup
    );
    println!("  rpc          http://{}", node.rpc);
    println!("  explorer     http://{}/   (metrics: /metrics)", node.rpc);
    println!("  chain id     {}", node.chain.chain_id());
    println!("  head         #{} {}", node.chain.head().number, node.chain.head().hash_slow());
    use std::io::Write;
    std::io::stdout().flush().ok();
    // A dead service stops the node with its error instead of leaving an RPC server that
    // answers but no longer produces, settles or relays.
    let failed = rt.block_on(async {
        let failed = tokio::select! {
            _ = tokio::signal::ctrl_c() => None,
            e = node.failure() => Some(e),
        };
        node.shutdown().await;
        failed
    });
    match failed {
        Some(e) => Err(e.into()),
        None => Ok(()),
    }
}

/// Runs `nr devnet` until Ctrl-C.
pub fn run_devnet(args: DevnetArgs) -> Result<()> {
    let cfg = DevnetConfig {
        datadir: args.datadir.clone(),
        l1_http: args.l1_http,
        l2_http: args.l2_http,
        l1_block_time: args.l1_block_time,
        l2_block_time: args.l2_block_time,
        sequenced: args.sequenced,
        l2_chain_id: args.l2_chain_id,
        l1_osaka_at: ForkTime::parse(&args.l1_osaka_at)?,
        mnemonic: args.mnemonic.clone(),
        fee_recipient: args.fee_recipient,
        forced_delay: args.forced_delay,
        censor: args.censorship.censor.clone(),
        censor_forced: args.censorship.censor_forced,
        settle_batch: args.settle_batch.into(),
        optimistic: (args.mode == "optimistic").then(|| {
            nr_node::devnet::optimistic_params(args.challenge_window, args.response_window)
        }),
        optimistic_node: args.optimistic.options(),
        ..DevnetConfig::default()
    };
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    let devnet = rt.block_on(Devnet::start(&cfg))?;
    crate::l1::print_banner(&devnet.l1, &cfg.l1_config(), "10000");
    let deployment = &devnet.deployment;
    let optimistic = args.mode == "optimistic";
    println!(
        "nr devnet: native rollup ready ({} mode{})",
        if args.sequenced { "sequenced" } else { "based" },
        if optimistic {
            format!(
                ", optimistic: challenge window {} s, response window {} s, data in {}",
                args.challenge_window,
                args.response_window,
                match args.optimistic.da {
                    nr_rollup::optimistic::DataAvailability::Calldata => "calldata",
                    nr_rollup::optimistic::DataAvailability::Blobs => "blobs",
                }
            )
        } else {
            String::new()
        }
    );
    println!("  L1 rpc        {}   (chain id {})", devnet.l1_url(), deployment.l1_chain_id);
    println!("  L2 rpc        {}   (chain id {})", devnet.l2_url(), devnet.l2.chain.chain_id());
    println!("  explorer      {}/   (metrics: /metrics on both rpc ports)", devnet.l2_url());
    println!(
        "  {}  {}",
        if optimistic { "OptimisticRollup" } else { "NativeRollup" },
        deployment.rollup
    );
    println!("  L1TokenBridge {}", deployment.l1_bridge);
    if let Some(t) = deployment.test_token {
        println!("  TestToken     {t}   (L1 ERC-20, anyone may mint)");
    }
    println!(
        "  L2Messenger   {}   L2TokenBridge {}",
        nr_contracts::L2_MESSENGER,
        nr_contracts::L2_TOKEN_BRIDGE
    );
    println!("  EXECUTE       {}", nr_execute::precompile::EXECUTE_ADDRESS);
    println!("  deployment    {}", devnet.deployment_file.display());
    println!("  settler {}  relayer {}", devnet.settler.address(), devnet.relayer.address());
    println!(
        "  accounts (10000 ETH on L1, {} ETH on L2 each, backed by ETH the deployer locked):",
        cfg.l2_dev_balance / U256::from(10).pow(U256::from(18))
    );
    for (i, k) in devnet.accounts.iter().enumerate() {
        println!(
            "    ({i}) {} 0x{}",
            k.address(),
            alloy_primitives::hex::encode(k.credential().to_bytes())
        );
    }
    println!("  ready");
    use std::io::Write;
    std::io::stdout().flush().ok();
    let failed = rt.block_on(async {
        tokio::select! {
            _ = tokio::signal::ctrl_c() => None,
            e = devnet.failure() => Some(e),
        }
    });
    rt.block_on(devnet.shutdown());
    match failed {
        Some(e) => Err(e.into()),
        None => Ok(()),
    }
}

/// A progress bar on stderr fed by a follower's progress reports.
fn follower_bar() -> nr_rollup::ProgressSink {
    let bar = indicatif::ProgressBar::new(0);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "follower {bar:40} {pos}/{len} blocks {per_sec} {msg}",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    std::sync::Arc::new(move |p: nr_rollup::FollowerProgress| {
        bar.set_length(p.settled);
        bar.set_position(p.derived);
    })
}

/// Runs one `nr bridge` command.
pub fn run_bridge(cmd: BridgeCommand) -> Result<()> {
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    rt.block_on(async move {
        async fn connect(c: &BridgeConn) -> Result<BridgeClient> {
            Ok(BridgeClient::connect(&c.l1_rpc, &c.l2_rpc, c.key.clone()).await?)
        }
        match cmd {
            BridgeCommand::Deposit { c, amount, to, fee } => {
                let b = connect(&c).await?;
                let r = b.deposit_eth(to.unwrap_or(b.from), ether(&amount)?, ether(&fee)?).await?;
                println!(
                    "deposit sent on L1: tx {} block {}",
                    r.transaction_hash,
                    r.block_number.unwrap_or_default()
                );
            }
            BridgeCommand::Withdraw { c, amount, to } => {
                let b = connect(&c).await?;
                let r = b.withdraw_eth(to.unwrap_or(b.from), ether(&amount)?).await?;
                println!("withdrawal sent on L2: tx {}", r.transaction_hash);
                println!(
                    "claim it on L1 once settled: nr bridge claim --tx {}",
                    r.transaction_hash
                );
            }
            BridgeCommand::DepositErc20 { c, token, amount, to } => {
                let b = connect(&c).await?;
                let r = b
                    .deposit_erc20(token, to.unwrap_or(b.from), ether(&amount)?, U256::ZERO)
                    .await?;
                println!("ERC-20 deposit sent on L1: tx {}", r.transaction_hash);
            }
            BridgeCommand::WithdrawErc20 { c, token, amount, to } => {
                let b = connect(&c).await?;
                let l2_token = b.l2_token(token).await?;
                if l2_token == Address::ZERO {
                    bail!("no L2 token for {token} yet (deposit first)");
                }
                let r = b.withdraw_erc20(l2_token, to.unwrap_or(b.from), ether(&amount)?).await?;
                println!("ERC-20 withdrawal sent on L2: tx {}", r.transaction_hash);
                println!(
                    "claim it on L1 once settled: nr bridge claim --tx {}",
                    r.transaction_hash
                );
            }
            BridgeCommand::ClaimDeposit { c, tx, wait } => {
                let b = connect(&c).await?;
                let r = b.claim_deposit(tx, Duration::from_secs(wait)).await?;
                println!(
                    "delivered on L2: tx {} block {} gas {}",
                    r.transaction_hash,
                    r.block_number.unwrap_or_default(),
                    r.gas_used
                );
            }
            BridgeCommand::ForceSend { c, tx } => {
                let b = connect(&c).await?;
                print_forced(&b.force_send(tx).await?);
            }
            BridgeCommand::ForceWithdraw { c, amount, to } => {
                let b = connect(&c).await?;
                let s = b.force_withdraw(&c.key, to.unwrap_or(b.from), amount).await?;
                print_forced(&s);
                println!(
                    "claim it on L1 once included and settled: nr bridge claim --tx {}",
                    s.tx_hash
                );
            }
            BridgeCommand::Claim { c, tx, wait } => {
                let b = connect(&c).await?;
                let r = b.claim(tx, Duration::from_secs(wait)).await?;
                println!("claimed on L1: tx {} gas {}", r.transaction_hash, r.gas_used);
            }
        }
        Ok::<_, eyre::Report>(())
    })
}

/// Prints a forced-inbox submission.
fn print_forced(s: &nr_rollup::forced::ForcedSubmission) {
    println!("forced inbox entry {}: L2 tx {} (L1 tx {})", s.index, s.tx_hash, s.l1_tx);
    println!("  fee {} wei; due from L1 block {}", s.fee, s.deadline);
}
