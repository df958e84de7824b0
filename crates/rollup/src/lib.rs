//! The L2 node of a native rollup: sequencer, settler, follower and bridge relayer.
//!
//! The L2 is an ordinary [`Chain`] without EXECUTE. The sequencer builds blocks anchored
//! to recent L1 blocks; the settler proves each one to the L1 rollup contract with
//! `advance` (EXECUTE re-executes it); the relayer delivers L1->L2 messages; a follower
//! rebuilds the chain from L1 data alone. The L1 is reached only through JSON-RPC
//! ([`l1::L1Client`]), so any L1 with EXECUTE and the rollup contract works.
#![warn(missing_docs)]

pub mod bridge;
pub mod deploy;
mod error;
pub mod follower;
pub mod l1;
pub mod relayer;
pub mod sequencer;
pub mod settler;

pub use error::{DerivedMismatch, RollupError};
pub use follower::FollowerProgress;

use alloy_primitives::Address;
use alloy_signer_local::PrivateKeySigner;
use nr_chain::{Chain, spec::ChainSpec};
use parking_lot::Mutex;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::{
    net::SocketAddr,
    path::{Path, PathBuf},
    sync::Arc,
    time::Duration,
};
use tokio_util::task::{AbortOnDropHandle, TaskTracker};

/// Where a rollup lives: written by the deployer, read by every L2 node.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Deployment {
    /// L1 chain id.
    pub l1_chain_id: u64,
    /// `NativeRollup` on L1.
    pub rollup: Address,
    /// `L1TokenBridge` on L1.
    pub l1_bridge: Address,
    /// A test ERC-20 on L1 (devnet).
    pub test_token: Option<Address>,
    /// L1 block in which the rollup was deployed (derivation starts there).
    pub deploy_block: u64,
    /// The L2 genesis (hash checked against the rollup's block 0).
    pub l2: ChainSpec,
}

impl Deployment {
    /// Reads a deployment file.
    pub fn read(path: &Path) -> Result<Self, RollupError> {
        let text = std::fs::read_to_string(path)
            .map_err(|source| RollupError::ReadDeployment { path: path.into(), source })?;
        serde_json::from_str(&text)
            .map_err(|source| RollupError::ParseDeployment { path: path.into(), source })
    }

    /// Writes it as JSON.
    pub fn write(&self, path: &Path) -> Result<(), RollupError> {
        let text = serde_json::to_string_pretty(self).map_err(RollupError::SerializeDeployment)?;
        std::fs::write(path, text)
            .map_err(|source| RollupError::WriteDeployment { path: path.into(), source })
    }
}

/// Settlement progress, shared by the settler and the RPC (`nr_settlementStatus`).
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SettlementStatus {
    /// L2 head number.
    pub l2_head: u64,
    /// Latest L2 block settled on L1.
    pub settled: u64,
    /// Blocks produced but not settled yet.
    pub lag_blocks: u64,
    /// Age in seconds of the oldest unsettled block (0 when all are settled).
    pub lag_seconds: u64,
    /// Last L1 transaction of the settler.
    pub last_l1_tx: Option<alloy_primitives::B256>,
    /// Last settlement error, if the latest attempt failed.
    pub last_error: Option<String>,
}

/// Receives a follower's progress while it catches up (e.g. to draw a progress bar).
pub type ProgressSink = Arc<dyn Fn(FollowerProgress) + Send + Sync>;

/// Configuration of an L2 node.
#[derive(Clone)]
pub struct NodeConfig {
    /// L1 JSON-RPC URL.
    pub l1_rpc: String,
    /// The rollup.
    pub deployment: Deployment,
    /// Directory of the L2 store.
    pub datadir: PathBuf,
    /// JSON-RPC listen address.
    pub http: SocketAddr,
    /// Seconds between blocks (0: on demand, at least one per second while L1 moves).
    pub block_time: u64,
    /// Key that pays for `advance` on L1 (none: no settler).
    pub settler_key: Option<PrivateKeySigner>,
    /// L2 key that relays deposits (none: no relayer).
    pub relayer_key: Option<PrivateKeySigner>,
    /// Follower mode: derive from L1 only (no sequencer, settler or relayer).
    pub follow: bool,
    /// Told of a follower's progress while it catches up (none: not reported).
    pub progress: Option<ProgressSink>,
    /// Limits of the JSON-RPC server.
    pub rpc_limits: nr_rpc::RpcLimits,
}

impl std::fmt::Debug for NodeConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NodeConfig")
            .field("l1_rpc", &self.l1_rpc)
            .field("deployment", &self.deployment)
            .field("datadir", &self.datadir)
            .field("http", &self.http)
            .field("block_time", &self.block_time)
            .field("settler_key", &self.settler_key)
            .field("relayer_key", &self.relayer_key)
            .field("follow", &self.follow)
            .field("progress", &self.progress.is_some())
            .field("rpc_limits", &self.rpc_limits)
            .finish()
    }
}

/// A running L2 node.
#[derive(Debug)]
pub struct L2Node {
    /// The L2 chain.
    pub chain: Arc<Chain>,
    /// Bound RPC address.
    pub rpc: SocketAddr,
    /// Settlement progress.
    pub status: Arc<Mutex<SettlementStatus>>,
    /// The RPC server.
    server: nr_rpc::RpcServer,
    /// The services' tasks (aborted when dropped).
    tasks: Vec<AbortOnDropHandle<()>>,
    /// Tracks the services' tasks and their blocking work on the chain.
    tracker: TaskTracker,
}

impl L2Node {
    /// Stops the RPC server (its port is closed on return) and every service, waiting for
    /// their tasks and blocking work to end, so that nothing of the node holds the chain
    /// any more: the store closes with the last reference to [`L2Node::chain`]. Dropping
    /// the node also stops both, without waiting.
    pub async fn shutdown(self) {
        self.server.stop().await;
        for t in &self.tasks {
            t.abort();
        }
        for t in self.tasks {
            t.await.ok();
        }
        self.tracker.close();
        self.tracker.wait().await;
    }
}

struct L2Rpc {
    status: Arc<Mutex<SettlementStatus>>,
    deployment: Deployment,
}

impl nr_rpc::RpcExtension for L2Rpc {
    fn methods(&self) -> &'static [&'static str] {
        &["nr_settlementStatus", "nr_rollupInfo"]
    }

    fn call(
        &self,
        chain: &Chain,
        method: &str,
        _: &[Value],
    ) -> Option<Result<Value, nr_rpc::RpcError>> {
        match method {
            "nr_settlementStatus" => {
                let s = self.status.lock().clone();
                Some(Ok(serde_json::to_value(s).unwrap_or_default()))
            }
            "nr_rollupInfo" => Some(Ok(json!({
                "rollup": self.deployment.rollup,
                "l1Bridge": self.deployment.l1_bridge,
                "l1ChainId": self.deployment.l1_chain_id,
                "l2ChainId": chain.chain_id(),
                "l2Messenger": nr_contracts::L2_MESSENGER,
                "l2TokenBridge": nr_contracts::L2_TOKEN_BRIDGE,
                "genesisHash": chain.header_by_number(0).ok().flatten().map(|h| h.hash_slow()),
            }))),
            _ => None,
        }
    }
}

/// Opens the L2 store, checks its genesis against the rollup contract, starts the RPC
/// server and the services of the chosen mode on the current tokio runtime.
pub async fn start(cfg: NodeConfig) -> Result<L2Node, RollupError> {
    let l1 = l1::L1Client::new(&cfg.l1_rpc, cfg.deployment.rollup, cfg.settler_key.clone())?;
    std::fs::create_dir_all(&cfg.datadir)
        .map_err(|source| RollupError::CreateDatadir { path: cfg.datadir.clone(), source })?;
    let chain = Arc::new(Chain::open(
        &cfg.datadir.join("l2.redb"),
        cfg.deployment.l2.clone(),
        Arc::new(nr_stateless::evm::PlainEthereum),
    )?);
    // A sequencer refuses what it could not include now: nonce gaps, fee caps under the
    // base fee (blob transactions and wrong chain ids are refused by every chain).
    chain.set_pool_policy(nr_chain::PoolPolicy { max_nonce_gap: 0, reject_below_base_fee: true });
    let genesis = chain.header_by_number(0)?.map(|h| h.hash_slow());
    let on_l1: alloy_primitives::B256 =
        l1.view(nr_contracts::NativeRollup::blockHashAtCall { number: 0 }).await?;
    if genesis != Some(on_l1) {
        return Err(RollupError::GenesisMismatch { local: genesis, on_l1 });
    }
    let status = Arc::new(Mutex::new(SettlementStatus::default()));
    let ext: Arc<dyn nr_rpc::RpcExtension> =
        Arc::new(L2Rpc { status: status.clone(), deployment: cfg.deployment.clone() });
    let server = nr_rpc::serve_with(cfg.http, chain.clone(), Some(ext), cfg.rpc_limits.clone())
        .await
        .map_err(|source| RollupError::RpcListen { addr: cfg.http, source })?;
    let rpc = server.local_addr();
    let tracker = TaskTracker::new();
    let mut tasks = vec![];
    if cfg.follow {
        let f = follower::Follower::new(
            chain.clone(),
            l1.clone(),
            cfg.deployment.clone(),
            tracker.clone(),
        );
        tasks.push(AbortOnDropHandle::new(tracker.spawn(f.run(cfg.progress.clone()))));
    } else {
        let seq = sequencer::Sequencer {
            chain: chain.clone(),
            l1: l1.clone(),
            block_time: cfg.block_time,
            blocking: tracker.clone(),
        };
        tasks.push(AbortOnDropHandle::new(tracker.spawn(seq.run())));
        if cfg.settler_key.is_some() {
            let s = settler::Settler {
                chain: chain.clone(),
                l1: l1.clone(),
                status: status.clone(),
                blocking: tracker.clone(),
            };
            tasks.push(AbortOnDropHandle::new(tracker.spawn(s.run())));
        }
        if let Some(key) = cfg.relayer_key.clone() {
            let r =
                relayer::Relayer::new(chain.clone(), l1.clone(), key, cfg.deployment.deploy_block);
            tasks.push(AbortOnDropHandle::new(tracker.spawn(r.run())));
        }
    }
    Ok(L2Node { chain, rpc, status, server, tasks, tracker })
}

/// How long services wait between polls of the L1.
pub const POLL: Duration = Duration::from_millis(300);
