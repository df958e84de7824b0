//! The L2 node of a native rollup: sequencer, settler, follower and bridge relayer.
//!
//! The L2 is an ordinary [`Chain`] without EXECUTE. The sequencer builds blocks anchored
//! to recent L1 blocks; the settler proves each one to the L1 rollup contract with
//! `advance` (EXECUTE re-executes it); the relayer delivers L1->L2 messages; a follower
//! rebuilds the chain from L1 data alone. The L1 is reached only through JSON-RPC
//! ([`l1::L1Client`]), so any L1 with EXECUTE and the rollup contract works.
#![warn(missing_docs)]

pub mod batching;
pub mod blob_da;
pub mod bridge;
pub mod budget;
pub mod calls;
pub mod delivery;
pub mod deploy;
mod error;
pub mod explorer;
pub mod follower;
pub mod forced;
pub mod l1;
pub mod optimistic;
pub mod reconcile;
pub mod relayer;
pub mod sequencer;
pub mod settler;
mod telemetry;

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
use tokio::{sync::watch, task::JoinSet};
use tokio_util::task::{AbortOnDropHandle, TaskTracker};

/// A background service of an L2 node.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Service {
    /// Builds L2 blocks.
    Sequencer,
    /// Settles L2 blocks on L1.
    Settler,
    /// Delivers L1->L2 messages.
    Relayer,
    /// Derives the L2 chain from L1.
    Follower,
    /// Follows the settled head (a sequencer without a settler key).
    Reconciler,
    /// Optimistic mode: posts blocks and finalizes them.
    Proposer,
    /// Optimistic mode: checks proposals, disputes them, derives the chain (follower).
    Watchtower,
}

impl std::fmt::Display for Service {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Sequencer => "sequencer",
            Self::Settler => "settler",
            Self::Relayer => "relayer",
            Self::Follower => "follower",
            Self::Reconciler => "reconciler",
            Self::Proposer => "proposer",
            Self::Watchtower => "watchtower",
        })
    }
}

/// Services told to panic (a test hook, see [`L2Node::inject_panic`]).
#[derive(Debug, Default)]
struct Faults {
    panic: Mutex<std::collections::HashSet<Service>>,
    changed: tokio::sync::Notify,
}

impl Faults {
    /// Resolves when `service` is told to panic.
    async fn wait(&self, service: Service) {
        loop {
            let notified = self.changed.notified();
            if self.panic.lock().remove(&service) {
                return;
            }
            notified.await;
        }
    }
}

/// Runs `service`'s future; panics (inside the service's task, as a bug in it would)
/// when the test hook asks for it.
async fn run_service(
    service: Service,
    faults: Arc<Faults>,
    fut: impl std::future::Future<Output = ()>,
) {
    tokio::select! {
        () = fut => {}
        () = faults.wait(service) => panic!("injected panic in the {service} (test hook)"),
    }
}

/// The services of a node, watched: the first one to stop (a panic, or a return, which a
/// service never does on purpose) is logged, reported through `died`, and every other
/// service is stopped, so the node never keeps answering RPC while not doing its job.
/// Aborting the supervisor (node shutdown) aborts every service without a report.
async fn supervise(
    mut set: JoinSet<()>,
    names: std::collections::HashMap<tokio::task::Id, Service>,
    died: watch::Sender<Option<(Service, String)>>,
) {
    let Some(ended) = set.join_next_with_id().await else { return };
    let (id, reason) = match ended {
        Ok((id, ())) => (id, "it returned".to_string()),
        Err(e) => {
            let id = e.id();
            let reason = match e.try_into_panic() {
                Ok(p) => p
                    .downcast_ref::<&str>()
                    .map(|s| (*s).to_string())
                    .or_else(|| p.downcast_ref::<String>().cloned())
                    .map_or_else(|| "panicked".to_string(), |m| format!("panicked: {m}")),
                Err(_) => "it was cancelled".to_string(),
            };
            (id, reason)
        }
    };
    let service = names.get(&id).copied().unwrap_or(Service::Sequencer);
    tracing::error!(%service, reason, "service stopped; stopping the node's other services");
    set.abort_all();
    while set.join_next().await.is_some() {}
    died.send_replace(Some((service, reason)));
}

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
    /// Fee recipient of the sequencer's blocks; none: the settler key's address (the
    /// sequencer's), else the relayer key's. Never 0x0 (see `docs/rpc.md`).
    pub fee_recipient: Option<alloy_primitives::Address>,
    /// Development only: the sequencer leaves out transactions from these addresses (and L1->L2 messages from or to them) until the rollup contract forces them.
    pub censor: Vec<Address>,
    /// Development only: the sequencer leaves out forced transactions of censored
    /// addresses even once due (settlement then stalls with `ForcedTransactionDue`), and
    /// the relayer never delivers their L1->L2 messages (`MessagesDue`).
    pub censor_forced: bool,
    /// Most L2 blocks the settler settles in one L1 transaction (`advanceBatch`); 0: as
    /// many as fit the L1's per-transaction gas cap (see [`batching`]).
    pub settle_batch: usize,
    /// Optimistic mode only (used when the rollup is an `OptimisticRollup`).
    pub optimistic: optimistic::OptimisticOptions,
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
            .field("fee_recipient", &self.fee_recipient)
            .field("censor", &self.censor)
            .field("censor_forced", &self.censor_forced)
            .field("settle_batch", &self.settle_batch)
            .field("optimistic", &self.optimistic)
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
    /// The supervisor, owning the services' tasks (all aborted when dropped).
    supervisor: AbortOnDropHandle<()>,
    /// Set by the supervisor when a service stops.
    died: watch::Receiver<Option<(Service, String)>>,
    /// Tracks the services' tasks and their blocking work on the chain.
    tracker: TaskTracker,
    /// The test hook of [`L2Node::inject_panic`].
    faults: Arc<Faults>,
    /// Samples the relayer queue for `/metrics` (aborted when dropped).
    sampler: AbortOnDropHandle<()>,
}

impl L2Node {
    /// Test hook: makes `service` panic at once, inside its own task, as a bug in it
    /// would. Nothing else calls it.
    pub fn inject_panic(&self, service: Service) {
        self.faults.panic.lock().insert(service);
        self.faults.changed.notify_waiters();
    }

    /// Resolves when a service of the node has stopped (panicked or returned): the node
    /// no longer does its job, and the caller should stop it ([`L2Node::shutdown`]) and
    /// report the error. Never resolves while every service runs.
    pub async fn failure(&self) -> RollupError {
        let mut died = self.died.clone();
        match died.wait_for(Option::is_some).await {
            Ok(d) => {
                let (service, reason) = d.clone().unwrap_or((Service::Sequencer, String::new()));
                RollupError::ServiceDied { service, reason }
            }
            // The supervisor is gone: the node is shutting down, not failing.
            Err(_) => std::future::pending().await,
        }
    }

    /// Stops the RPC server (its port is closed on return) and every service, waiting for
    /// their tasks and blocking work to end, so that nothing of the node holds the chain
    /// any more: the store closes with the last reference to [`L2Node::chain`]. Dropping
    /// the node also stops both, without waiting.
    pub async fn shutdown(self) {
        self.server.stop().await;
        self.supervisor.abort();
        self.supervisor.await.ok();
        self.sampler.abort();
        self.sampler.await.ok();
        self.tracker.close();
        self.tracker.wait().await;
    }
}

struct L2Rpc {
    status: Arc<Mutex<SettlementStatus>>,
    deployment: Deployment,
    /// The L1 JSON-RPC URL this node uses (`nr_rollupInfo`'s `l1Rpc`).
    l1_rpc: String,
    /// The rollup's parameters read from L1 at start (`nr_rollupInfo`'s `params`).
    params: Value,
    /// `based`, `sequenced` or `follower` (this node).
    mode: &'static str,
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
                "deployBlock": self.deployment.deploy_block,
                "l1ChainId": self.deployment.l1_chain_id,
                "l2ChainId": chain.chain_id(),
                "l2Messenger": nr_contracts::L2_MESSENGER,
                "l2TokenBridge": nr_contracts::L2_TOKEN_BRIDGE,
                "genesisHash": chain.header_by_number(0).ok().flatten().map(|h| h.hash_slow()),
                "l1Rpc": self.l1_rpc,
                "mode": self.mode,
                "settlement": "re-execution, per block",
                "params": self.params,
            }))),
            _ => None,
        }
    }

    /// Tips are suggested from the L2's own blocks; with none to go by, 1 wei (the base
    /// fee of an idle L2 is a few wei: 1 gwei would be most of what a user pays).
    fn default_tip(&self) -> Option<u128> {
        Some(1)
    }

    /// `eth_subscribe("nr_settlement")`: the object of `nr_settlementStatus`, pushed on change.
    fn subscriptions(&self) -> &'static [&'static str] {
        &["nr_settlement"]
    }

    fn subscription_value(&self, _: &Chain, name: &str) -> Option<Value> {
        (name == "nr_settlement").then(|| json!(self.status.lock().clone()))
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
    // base fee, transactions larger than a public mempool takes (blob transactions and
    // wrong chain ids are refused by every chain).
    chain.set_pool_policy(nr_chain::PoolPolicy::sequencer());
    let genesis = chain.header_by_number(0)?.map(|h| h.hash_slow());
    let on_l1: alloy_primitives::B256 =
        l1.view(nr_contracts::NativeRollup::blockHashAtCall { number: 0 }).await?;
    if genesis != Some(on_l1) {
        return Err(RollupError::GenesisMismatch { local: genesis, on_l1 });
    }
    deploy::check_backing(&l1, &cfg.deployment.l2).await?;
    let optimistic = optimistic::is_optimistic(&l1).await;
    if !cfg.follow {
        // Every block the sequencer makes must fit one L1 `advance` (see `budget`).
        let budget = budget::AdvanceBudget::from_l1(&l1, chain.chain_id()).await?;
        match optimistic {
            // Optimistic mode: every block must fit one L1 `defend` instead.
            true => chain.set_block_budget(Arc::new(optimistic::budget::DefendBudget(budget))),
            false => chain.set_block_budget(Arc::new(budget)),
        }
    }
    // Genesis is settled (the contract holds it) and final; the services move both labels.
    chain.set_safe_finalized(0, 0);
    let status = Arc::new(Mutex::new(SettlementStatus::default()));
    let (params, sequenced) = rollup_params(&l1, optimistic).await?;
    let mode = if cfg.follow {
        "follower"
    } else if optimistic {
        "optimistic"
    } else if sequenced {
        "sequenced"
    } else {
        "based"
    };
    let ext: Arc<dyn nr_rpc::RpcExtension> = Arc::new(L2Rpc {
        status: status.clone(),
        deployment: cfg.deployment.clone(),
        l1_rpc: cfg.l1_rpc.clone(),
        params,
        mode,
    });
    let metrics = nr_rpc::Metrics::new();
    telemetry::register(&metrics, &chain, &status);
    let options = nr_rpc::ServeOptions {
        metrics: metrics.clone(),
        page: Some(explorer::PAGE),
        cors: nr_rpc::CorsOrigins::None,
    };
    let server = nr_rpc::serve_with_options(
        cfg.http,
        chain.clone(),
        Some(ext),
        cfg.rpc_limits.clone(),
        options,
    )
    .await
    .map_err(|source| RollupError::RpcListen { addr: cfg.http, source })?;
    let rpc = server.local_addr();
    let tracker = TaskTracker::new();
    let faults = Arc::new(Faults::default());
    let mut set = JoinSet::new();
    let mut names = std::collections::HashMap::new();
    let mut spawn =
        |service: Service, fut: std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>>| {
            let task = tracker.track_future(run_service(service, faults.clone(), fut));
            names.insert(set.spawn(task).id(), service);
        };
    // Optimistic mode: the watchtower checks every proposal (and, in a follower, derives
    // the chain from them); it disputes when the node has a key.
    let disputes = cfg.settler_key.is_some() && cfg.optimistic.watchtower;
    if optimistic && (cfg.follow || disputes) {
        let w = optimistic::watchtower::Watchtower::new(
            chain.clone(),
            l1.clone(),
            tracker.clone(),
            cfg.deployment.deploy_block,
            cfg.follow,
            disputes,
            cfg.optimistic.adversary,
        );
        spawn(Service::Watchtower, Box::pin(w.run()));
    }
    if cfg.follow && optimistic {
        // derived by the watchtower
    } else if cfg.follow {
        let f = follower::Follower::new(
            chain.clone(),
            l1.clone(),
            cfg.deployment.clone(),
            tracker.clone(),
        );
        let progress = telemetry::follower_sink(&metrics, cfg.progress.clone());
        spawn(Service::Follower, Box::pin(f.run(Some(progress))));
    } else {
        let fee_recipient = cfg
            .fee_recipient
            .or(cfg.settler_key.as_ref().map(|k| k.address()))
            .or(cfg.relayer_key.as_ref().map(|k| k.address()))
            .ok_or(RollupError::NoFeeRecipient)?;
        // An `OptimisticRollup` keeps its forced transactions in an inbox contract of its
        // own, with the same entries, views and events as `NativeRollup`'s.
        let forced_l1 = match optimistic {
            true => optimistic::forced::inbox_client(&l1).await?,
            false => l1.clone(),
        };
        // Optimistic mode: the sequencer keeps its anchor while a newer one would owe
        // undelivered messages (off for the `ignore-due` adversary until its lie is told).
        let ignore_due = cfg.optimistic.adversary.proposer.is_some_and(|d| d.ignores_due());
        let pin_anchor = Arc::new(std::sync::atomic::AtomicBool::new(optimistic && !ignore_due));
        let seq = sequencer::Sequencer {
            fee_recipient,
            chain: chain.clone(),
            l1: l1.clone(),
            block_time: cfg.block_time,
            blocking: tracker.clone(),
            forced: tokio::sync::Mutex::new(forced::ForcedInbox::new(
                forced_l1.clone(),
                cfg.deployment.deploy_block,
            )),
            censorship: forced::Censorship {
                censor: cfg.censor.clone(),
                censor_forced: cfg.censor_forced,
            },
            pin_anchor: pin_anchor.clone(),
        };
        spawn(Service::Sequencer, Box::pin(seq.run()));
        let reconciler = reconcile::Reconciler {
            chain: chain.clone(),
            l1: l1.clone(),
            blocking: tracker.clone(),
            deploy_block: cfg.deployment.deploy_block,
        };
        if optimistic {
            if cfg.settler_key.is_some() {
                let p = optimistic::proposer::Proposer {
                    chain: chain.clone(),
                    l1: l1.clone(),
                    status: status.clone(),
                    dishonest: cfg.optimistic.adversary.proposer,
                    lied: false,
                    da: cfg.optimistic.da,
                    blob_mismatch: cfg.optimistic.adversary.blob_mismatch,
                    min_batch: cfg.optimistic.min_batch,
                    forced: forced::ForcedInbox::new(forced_l1, cfg.deployment.deploy_block),
                    pin_anchor,
                };
                spawn(Service::Proposer, Box::pin(p.run()));
            }
        } else if cfg.settler_key.is_some() {
            let s = settler::Settler {
                chain: chain.clone(),
                l1: l1.clone(),
                status: status.clone(),
                blocking: tracker.clone(),
                reconciler,
                rebuild_on_forced_due: !cfg.censor_forced,
                settle_batch: cfg.settle_batch,
            };
            spawn(Service::Settler, Box::pin(s.run()));
        } else {
            spawn(Service::Reconciler, Box::pin(reconciler.run()));
        }
        // Due L1->L2 messages must be processed or no block settles: without a relayer
        // key, the settler key delivers those (and only those) itself.
        let relayer = match (cfg.relayer_key.clone(), cfg.settler_key.clone()) {
            (Some(key), _) => Some((key, false)),
            (None, Some(key)) => Some((key, true)),
            (None, None) => None,
        };
        if let Some((key, due_only)) = relayer {
            let delay = delivery::forced_delay(&l1).await?;
            let mut policy = delivery::DeliveryPolicy::new(delay, cfg.censor.clone(), due_only);
            policy.withhold_censored = cfg.censor_forced;
            let r = relayer::Relayer::new(
                chain.clone(),
                l1.clone(),
                key,
                cfg.deployment.deploy_block,
                policy,
            );
            spawn(Service::Relayer, Box::pin(r.run()));
        }
    }
    let sampler = AbortOnDropHandle::new(tokio::spawn(tracker.track_future(
        telemetry::sample_relayer_queue(metrics, Arc::downgrade(&chain), l1.clone()),
    )));
    let (died_tx, died) = watch::channel(None);
    let supervisor = AbortOnDropHandle::new(tokio::spawn(supervise(set, names, died_tx)));
    Ok(L2Node { chain, rpc, status, server, supervisor, died, tracker, faults, sampler })
}

/// The rollup's parameters as its contract enforces them (read from L1), and whether it
/// has a sequencer (or, for an `OptimisticRollup`, a designated proposer).
async fn rollup_params(l1: &l1::L1Client, optimistic: bool) -> Result<(Value, bool), RollupError> {
    if optimistic {
        use nr_contracts::OptimisticRollup as R;
        let proposer = l1.view(R::proposerCall {}).await?;
        let params = json!({
            "gasLimit": l1.view(R::gasLimitCall {}).await?,
            "proposer": proposer,
            "challengeWindow": l1.view(R::challengeWindowCall {}).await?,
            "responseWindow": l1.view(R::responseWindowCall {}).await?,
            "proposerBond": l1.view(R::proposerBondCall {}).await?,
            "challengerBond": l1.view(R::challengerBondCall {}).await?,
            "maxTimestampLag": l1.view(R::maxTimestampLagCall {}).await?,
            "forcedDelay": l1.view(R::forcedDelayCall {}).await?,
            "execute": nr_execute::precompile::EXECUTE_ADDRESS,
        });
        return Ok((params, proposer != Address::ZERO));
    }
    use nr_contracts::NativeRollup as R;
    let sequencer = l1.view(R::sequencerCall {}).await?;
    let params = json!({
        "gasLimit": l1.view(R::gasLimitCall {}).await?,
        "sequencer": sequencer,
        "sequencerTimeout": l1.view(R::sequencerTimeoutCall {}).await?,
        "maxTimestampLag": l1.view(R::maxTimestampLagCall {}).await?,
        "forcedDelay": l1.view(R::forcedDelayCall {}).await?,
        "execute": nr_execute::precompile::EXECUTE_ADDRESS,
    });
    Ok((params, sequencer != Address::ZERO))
}

/// How long services wait between polls of the L1.
pub const POLL: Duration = Duration::from_millis(300);
