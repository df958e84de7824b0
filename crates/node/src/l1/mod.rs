//! The development L1 node: one chain with the EXECUTE precompile at 0x0101, its JSON-RPC
//! server (standard methods plus the EXECUTE gas market) and a block producer thread.
//!
//! [`DevGenesis`] and [`open_chain`] are the one way to make a dev L1 chain: [`L1Node`]
//! uses them, and so do the benchmarks and the contract tests, which drive the chain
//! directly (no RPC, no producer) to craft blocks by hand.

mod producer;
mod rpc;
mod telemetry;

use crate::NodeError;
use alloy_consensus::Header;
use alloy_primitives::{Address, U256};
use alloy_signer_local::{MnemonicBuilder, PrivateKeySigner, coins_bip39::English};
use nr_chain::{Chain, spec::ChainSpec};
use nr_execute::precompile::{
    DEFAULT_EXECUTE_GAS_LIMIT, DEFAULT_EXECUTE_GAS_TARGET, ExecuteGasParams, L1Hooks,
};
use nr_stateless::ForkSchedule;
use std::{
    net::SocketAddr,
    path::{Path, PathBuf},
    sync::Arc,
};

pub use rpc::L1Rpc;

/// Mnemonic of the prefunded development accounts (the one anvil and hardhat use).
pub const DEV_MNEMONIC: &str = "test test test test test test test test test test test junk";
/// Default chain id of the development L1.
pub const DEFAULT_L1_CHAIN_ID: u64 = 31337;

/// When a fork activates, as given by the user.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ForkTime {
    /// At this unix time.
    At(u64),
    /// This many seconds after genesis.
    AfterGenesis(u64),
    /// Never.
    Never,
}

impl ForkTime {
    /// Parses `never`, `+SECS[s]` (after genesis) or a unix time.
    pub fn parse(s: &str) -> Result<Self, NodeError> {
        let s = s.trim();
        if s == "never" {
            return Ok(Self::Never);
        }
        if let Some(rel) = s.strip_prefix('+') {
            let secs = rel
                .trim_end_matches('s')
                .parse()
                .map_err(|source| NodeError::RelativeForkTime { text: s.into(), source })?;
            return Ok(Self::AfterGenesis(secs));
        }
        s.parse()
            .map(Self::At)
            .map_err(|source| NodeError::AbsoluteForkTime { text: s.into(), source })
    }

    /// The activation time for a chain whose genesis is at `genesis` (`None`: never).
    pub fn resolve(self, genesis: u64) -> Option<u64> {
        match self {
            Self::At(t) => Some(t),
            Self::AfterGenesis(secs) => Some(genesis + secs),
            Self::Never => None,
        }
    }
}

/// The genesis of a development L1: funded accounts on the dev chain spec.
#[derive(Debug, Clone)]
pub struct DevGenesis {
    /// Chain id.
    pub chain_id: u64,
    /// Fork activation times.
    pub schedule: ForkSchedule,
    /// Genesis timestamp.
    pub timestamp: u64,
    /// Accounts funded at genesis.
    pub funded: Vec<Address>,
    /// Balance of each funded account, in wei.
    pub balance: U256,
    /// Block gas limit (`None`: the dev spec's).
    pub gas_limit: Option<u64>,
}

impl DevGenesis {
    /// The chain spec.
    pub fn spec(&self) -> ChainSpec {
        let mut spec = ChainSpec::dev(
            self.chain_id,
            self.schedule.clone(),
            self.timestamp,
            &self.funded,
            self.balance,
        );
        if let Some(g) = self.gas_limit {
            spec.genesis.gas_limit = g;
        }
        spec
    }
}

/// Opens (or creates) an L1 chain store at `path` with the EXECUTE precompile. The stored
/// spec wins on restart, and EXECUTE's hooks follow the stored fork schedule.
pub fn open_chain(
    path: &Path,
    spec: ChainSpec,
    params: ExecuteGasParams,
) -> Result<Chain, NodeError> {
    Ok(Chain::open_with(path, spec, |stored| {
        Arc::new(L1Hooks { schedule: stored.schedule.clone(), params })
    })?)
}

/// The dev accounts of a mnemonic (BIP-44 `m/44'/60'/0'/0/i`).
pub fn dev_signers(mnemonic: &str, n: u32) -> Result<Vec<PrivateKeySigner>, NodeError> {
    (0..n)
        .map(|index| {
            MnemonicBuilder::<English>::default()
                .phrase(mnemonic)
                .index(index)
                .map_err(|source| NodeError::MnemonicIndex { index, source })?
                .build()
                .map_err(NodeError::Mnemonic)
        })
        .collect()
}

/// Configuration of an [`L1Node`].
#[derive(Debug, Clone)]
pub struct L1Config {
    /// Directory of the embedded store (created if absent; an existing chain resumes).
    pub datadir: PathBuf,
    /// JSON-RPC listen address.
    pub http: SocketAddr,
    /// Seconds between blocks; 0 = one block as soon as transactions arrive.
    pub block_time: u64,
    /// Chain id (ignored with a genesis file).
    pub chain_id: u64,
    /// Genesis in geth's JSON format (chain id, fork times, alloc, gas limit, base fee).
    pub genesis: Option<PathBuf>,
    /// Mnemonic of the prefunded accounts.
    pub mnemonic: String,
    /// Number of prefunded accounts.
    pub accounts: u32,
    /// Balance of each prefunded account, in wei.
    pub balance: U256,
    /// Prague activation.
    pub prague_at: ForkTime,
    /// Osaka activation.
    pub osaka_at: ForkTime,
    /// EXECUTE gas limit and target per L1 block.
    pub execute_gas: ExecuteGasParams,
    /// How many blocks below the head the `safe` and `finalized` blocks are
    /// ([`DEFAULT_FINALITY_DEPTH`]; see docs/l1.md).
    pub finality_depth: u64,
    /// Limits of the JSON-RPC server.
    pub rpc_limits: nr_rpc::RpcLimits,
    /// Browser origins allowed to call the JSON-RPC server (CORS; none by default).
    pub cors: nr_rpc::CorsOrigins,
    /// Blocks behind the head whose blob sidecars are kept; 0 (the default, and `nr
    /// devnet`'s) keeps all. `nr l1` defaults to
    /// [`nr_chain::blob_store::DEFAULT_BLOB_RETENTION`] (docs/l1.md, "Blobs").
    pub blob_retention: u64,
}

pub use nr_chain::blob_store::DEFAULT_BLOB_RETENTION;

/// Blocks between the head and the `finalized` block of the dev L1 (geth's dev mode
/// finalizes one 32-block epoch behind the head).
pub const DEFAULT_FINALITY_DEPTH: u64 = 32;

impl Default for L1Config {
    fn default() -> Self {
        Self {
            datadir: PathBuf::from("nr-data/l1"),
            http: SocketAddr::from(([127, 0, 0, 1], 8545)),
            block_time: 2,
            chain_id: DEFAULT_L1_CHAIN_ID,
            genesis: None,
            mnemonic: DEV_MNEMONIC.into(),
            accounts: 10,
            balance: U256::from(10_000u64) * U256::from(10u64).pow(U256::from(18)),
            prague_at: ForkTime::At(0),
            osaka_at: ForkTime::At(0),
            execute_gas: ExecuteGasParams {
                limit: DEFAULT_EXECUTE_GAS_LIMIT,
                target: DEFAULT_EXECUTE_GAS_TARGET,
            },
            finality_depth: DEFAULT_FINALITY_DEPTH,
            rpc_limits: nr_rpc::RpcLimits::default(),
            cors: nr_rpc::CorsOrigins::None,
            blob_retention: 0,
        }
    }
}

impl L1Config {
    /// The spec a new chain starts from: the genesis file, or the dev genesis funding
    /// `signers`, with fork times relative to now.
    pub fn spec(&self, signers: &[PrivateKeySigner]) -> Result<ChainSpec, NodeError> {
        if let Some(path) = &self.genesis {
            let json = std::fs::read_to_string(path)
                .map_err(|source| NodeError::ReadGenesis { path: path.clone(), source })?;
            return Ok(ChainSpec::from_geth_json(&json)?);
        }
        let timestamp = nr_chain::unix_now();
        let schedule = ForkSchedule {
            cancun_time: Some(0),
            prague_time: self.prague_at.resolve(timestamp),
            osaka_time: self.osaka_at.resolve(timestamp),
            ..Default::default()
        };
        if let (Some(prague), Some(osaka)) = (schedule.prague_time, schedule.osaka_time)
            && osaka < prague
        {
            return Err(NodeError::OsakaBeforePrague { osaka, prague });
        }
        if schedule.osaka_time.is_some() && schedule.prague_time.is_none() {
            return Err(NodeError::OsakaWithoutPrague);
        }
        let genesis = DevGenesis {
            chain_id: self.chain_id,
            schedule,
            timestamp,
            funded: signers.iter().map(|s| s.address()).collect(),
            balance: self.balance,
            gas_limit: None,
        };
        Ok(genesis.spec())
    }
}

/// A running development L1: RPC server and block producer.
#[derive(Debug)]
pub struct L1Node {
    /// The chain.
    pub chain: Arc<Chain>,
    /// Bound RPC address.
    pub addr: SocketAddr,
    /// Dev account signers.
    pub signers: Vec<PrivateKeySigner>,
    /// EXECUTE gas limit and target.
    pub execute_gas: ExecuteGasParams,
    /// The head when the node started.
    pub start_head: Header,
    server: nr_rpc::RpcServer,
    producer: producer::Producer,
}

impl L1Node {
    /// Opens the store, starts the RPC server on the current tokio runtime and the block
    /// producer on its own thread.
    pub async fn start(cfg: &L1Config) -> Result<Self, NodeError> {
        let params = cfg.execute_gas;
        if params.target == 0 || params.target > params.limit {
            return Err(NodeError::ExecuteGasTarget);
        }
        let signers = dev_signers(&cfg.mnemonic, cfg.accounts)?;
        let spec = cfg.spec(&signers)?;
        std::fs::create_dir_all(&cfg.datadir)
            .map_err(|source| NodeError::CreateDir { path: cfg.datadir.clone(), source })?;
        let chain = Arc::new(open_chain(&cfg.datadir.join("chain.redb"), spec, params)?);
        chain.set_blob_retention(cfg.blob_retention);
        let hooks = L1Hooks { schedule: chain.spec().schedule.clone(), params };
        let start_head = chain.head();
        let ext: Arc<dyn nr_rpc::RpcExtension> = Arc::new(L1Rpc::new(hooks));
        let metrics = nr_rpc::Metrics::new();
        telemetry::register(&metrics, &chain, params);
        let options = nr_rpc::ServeOptions { metrics, page: None, cors: cfg.cors.clone() };
        let server = nr_rpc::serve_with_options(
            cfg.http,
            chain.clone(),
            Some(ext),
            cfg.rpc_limits.clone(),
            options,
        )
        .await
        .map_err(NodeError::RpcListen)?;
        let addr = server.local_addr();
        let producer = producer::Producer::spawn(chain.clone(), cfg.block_time, cfg.finality_depth);
        Ok(Self { chain, addr, signers, execute_gas: params, start_head, server, producer })
    }

    /// The chain spec in force (the stored one on restart).
    pub fn spec(&self) -> &ChainSpec {
        self.chain.spec()
    }

    /// Test hook: makes the block producer thread panic at its next round, as a bug in
    /// it would. Nothing else calls it.
    pub fn inject_panic(&self) {
        self.producer.inject_panic();
    }

    /// Resolves when the block producer has stopped on its own (it panicked): the node
    /// no longer makes blocks, and the caller should stop it and report the error.
    /// Never resolves while the producer runs.
    pub async fn failure(&self) -> NodeError {
        NodeError::ProducerDied(self.producer.died().await)
    }

    /// The JSON-RPC URL.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stops the RPC server (its port is closed on return) and the block producer
    /// (waiting for its thread); the store closes with the last reference to
    /// [`L1Node::chain`]. Dropping the node also stops both, without waiting for the
    /// server.
    pub async fn shutdown(self) {
        self.server.stop().await;
        self.producer.stop().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fork_times_parse_or_name_the_problem() {
        assert_eq!(ForkTime::parse("never").unwrap(), ForkTime::Never);
        assert_eq!(ForkTime::parse("+60s").unwrap().resolve(100), Some(160));
        assert_eq!(ForkTime::parse("5").unwrap().resolve(100), Some(5));
        assert!(matches!(ForkTime::parse("+x"), Err(NodeError::RelativeForkTime { .. })));
        assert!(matches!(ForkTime::parse("soon"), Err(NodeError::AbsoluteForkTime { .. })));
    }

    /// Starts a node with a 1 s block time and `accounts` dev accounts in `dir`, and waits
    /// (10 s at most) for its first block.
    async fn started(dir: &std::path::Path, accounts: u32) -> L1Node {
        let cfg = L1Config {
            datadir: dir.into(),
            http: SocketAddr::from(([127, 0, 0, 1], 0)),
            block_time: 1,
            accounts,
            ..L1Config::default()
        };
        let node = L1Node::start(&cfg).await.unwrap();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while node.chain.head().number == 0 {
            assert!(std::time::Instant::now() < deadline, "no L1 block within 10s");
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        node
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn node_produces_blocks_and_shuts_down() {
        let dir = tempfile::tempdir().unwrap();
        let node = started(dir.path(), 2).await;
        assert_eq!(node.signers.len(), 2);
        assert_eq!(node.spec().chain_id, DEFAULT_L1_CHAIN_ID);
        let chain = node.chain.clone();
        node.shutdown().await;
        let stopped_at = chain.head().number;
        tokio::time::sleep(std::time::Duration::from_millis(2_500)).await;
        assert_eq!(chain.head().number, stopped_at, "no block after shutdown");
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn dropping_the_node_stops_block_production() {
        let dir = tempfile::tempdir().unwrap();
        let node = started(dir.path(), 1).await;
        let chain = node.chain.clone();
        drop(node);
        let dropped_at = chain.head().number;
        tokio::time::sleep(std::time::Duration::from_millis(2_500)).await;
        assert_eq!(chain.head().number, dropped_at, "no block after the node is dropped");
    }

    #[test]
    fn bad_execute_gas_target_is_refused() {
        let cfg = L1Config {
            execute_gas: ExecuteGasParams { limit: 10, target: 11 },
            ..L1Config::default()
        };
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        assert!(matches!(rt.block_on(L1Node::start(&cfg)), Err(NodeError::ExecuteGasTarget)));
    }
}
