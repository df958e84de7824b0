//! The Devnet: a development L1 node, a native rollup deployed on it through JSON-RPC,
//! and the rollup's L2 node (sequencer, settler, optionally relayer), all in one process.
//! The L2 node reaches the L1 only through its JSON-RPC URL.

use crate::{
    NodeError,
    l1::{DEFAULT_L1_CHAIN_ID, DEV_MNEMONIC, ForkTime, L1Config, L1Node},
};
use alloy_primitives::{Address, U256};
use alloy_signer_local::PrivateKeySigner;
use nr_execute::precompile::ExecuteGasParams;
use nr_rollup::{Deployment, L2Node, NodeConfig, deploy::DeployParams};
use std::{net::SocketAddr, path::PathBuf};

/// One ether in wei.
const ETHER: u64 = 1_000_000_000_000_000_000;
/// Default `forcedDelay` of a Devnet rollup, in L1 blocks.
pub const DEFAULT_FORCED_DELAY: u64 = 8;

/// Configuration of a [`Devnet`].
#[derive(Debug, Clone)]
pub struct DevnetConfig {
    /// Directory for both chains and the deployment file (an existing one is reused).
    pub datadir: PathBuf,
    /// L1 JSON-RPC listen address.
    pub l1_http: SocketAddr,
    /// L2 JSON-RPC listen address.
    pub l2_http: SocketAddr,
    /// Seconds between L1 blocks (0: on demand).
    pub l1_block_time: u64,
    /// Seconds between L2 blocks (0: on demand).
    pub l2_block_time: u64,
    /// Sequenced mode (the settler key is the sequencer); otherwise based.
    pub sequenced: bool,
    /// L2 chain id.
    pub l2_chain_id: u64,
    /// L1 Osaka activation (Prague is active from genesis).
    pub l1_osaka_at: ForkTime,
    /// Mnemonic of the development accounts.
    pub mnemonic: String,
    /// Number of development accounts (at least 3: deployer, settler, relayer).
    pub accounts: u32,
    /// L2 genesis balance of each development account, in wei. The deployer (account 0)
    /// locks the sum of all genesis balances in the rollup contract, out of its L1 balance.
    pub l2_dev_balance: U256,
    /// More accounts funded on L2 at genesis (backed the same way).
    pub l2_funded: Vec<(Address, U256)>,
    /// Run the bridge relayer (delivers deposits).
    pub relayer: bool,
    /// Blocks between the L1 head and its `finalized` block.
    pub l1_finality_depth: u64,
    /// Fee recipient of the L2 blocks; none: the settler's address.
    pub fee_recipient: Option<Address>,
    /// L1 blocks after which a forced transaction is due (the rollup's `forcedDelay`).
    pub forced_delay: u64,
    /// Development only: the sequencer censors these L2 addresses (see [`NodeConfig`]).
    pub censor: Vec<Address>,
    /// Development only: censor even due forced transactions (settlement stalls).
    pub censor_forced: bool,
    /// Most L2 blocks settled per L1 transaction (0: as many as fit).
    pub settle_batch: usize,
    /// Optimistic mode of the L2 node (watchtower, development adversaries); used when the
    /// rollup is an `OptimisticRollup`.
    pub optimistic_node: nr_rollup::optimistic::OptimisticOptions,
    /// L1 blocks the L1 keeps blob sidecars for (`0`, the default: all; `nr devnet` keeps
    /// all, tests of pruned blobs set a few).
    pub l1_blob_retention: u64,
    /// Deploy an `OptimisticRollup` with these dispute parameters (`None`: a
    /// `NativeRollup`, every block proven with `advance`).
    pub optimistic: Option<nr_rollup::deploy::OptimisticParams>,
}

/// The Devnet's optimistic dispute parameters: the given windows (seconds), a 0.1 ether
/// proposer bond and a 0.05 ether challenger bond.
pub fn optimistic_params(
    challenge_window: u64,
    response_window: u64,
) -> nr_rollup::deploy::OptimisticParams {
    nr_rollup::deploy::OptimisticParams {
        challenge_window,
        response_window,
        proposer_bond: U256::from(ETHER / 10),
        challenger_bond: U256::from(ETHER / 20),
    }
}

impl Default for DevnetConfig {
    fn default() -> Self {
        Self {
            datadir: PathBuf::from("nr-data/devnet"),
            l1_http: SocketAddr::from(([127, 0, 0, 1], 8545)),
            l2_http: SocketAddr::from(([127, 0, 0, 1], 8546)),
            l1_block_time: 2,
            l2_block_time: 2,
            sequenced: false,
            l2_chain_id: 8079,
            l1_osaka_at: ForkTime::At(0),
            mnemonic: DEV_MNEMONIC.into(),
            accounts: 10,
            l2_dev_balance: U256::from(100u64) * U256::from(ETHER),
            l2_funded: vec![],
            relayer: true,
            l1_finality_depth: crate::l1::DEFAULT_FINALITY_DEPTH,
            fee_recipient: None,
            forced_delay: DEFAULT_FORCED_DELAY,
            censor: vec![],
            censor_forced: false,
            settle_batch: 0,
            optimistic_node: Default::default(),
            l1_blob_retention: 0,
            optimistic: None,
        }
    }
}

impl DevnetConfig {
    /// The configuration of the Devnet's L1 node.
    pub fn l1_config(&self) -> L1Config {
        L1Config {
            datadir: self.datadir.join("l1"),
            http: self.l1_http,
            block_time: self.l1_block_time,
            chain_id: DEFAULT_L1_CHAIN_ID,
            genesis: None,
            mnemonic: self.mnemonic.clone(),
            accounts: self.accounts,
            balance: U256::from(10_000u64) * U256::from(ETHER),
            prague_at: ForkTime::At(0),
            osaka_at: self.l1_osaka_at,
            execute_gas: ExecuteGasParams::default(),
            finality_depth: self.l1_finality_depth,
            rpc_limits: Default::default(),
            // The explorer page served by the L2 node reads the L1 from the browser.
            cors: nr_rpc::CorsOrigins::Any,
            // The devnet keeps every blob (its followers may start late).
            blob_retention: self.l1_blob_retention,
        }
    }
}

/// A running Devnet.
#[derive(Debug)]
pub struct Devnet {
    /// The L1 node.
    pub l1: L1Node,
    /// The L2 node.
    pub l2: L2Node,
    /// The rollup's addresses and L2 genesis.
    pub deployment: Deployment,
    /// Where the deployment is stored.
    pub deployment_file: PathBuf,
    /// The development accounts (funded on both chains).
    pub accounts: Vec<PrivateKeySigner>,
    /// Deployed the rollup (account 0).
    pub deployer: PrivateKeySigner,
    /// Pays for settlement on L1 (account 1; the sequencer in sequenced mode).
    pub settler: PrivateKeySigner,
    /// Relays deposits on L2 (account 2).
    pub relayer: PrivateKeySigner,
    l1_url: String,
}

impl Devnet {
    /// Starts the L1 node, deploys the rollup (unless the datadir holds a deployment) and
    /// starts the L2 node, on the current tokio runtime. On failure, the L1 node is shut
    /// down before returning (its port and store are free again).
    pub async fn start(cfg: &DevnetConfig) -> Result<Self, NodeError> {
        if cfg.accounts < 3 {
            return Err(NodeError::TooFewAccounts(cfg.accounts));
        }
        let l1 = L1Node::start(&cfg.l1_config()).await?;
        match Self::start_on(cfg, &l1).await {
            Ok((deployment, deployment_file, l2)) => {
                let l1_url = l1.url();
                let accounts = l1.signers.clone();
                let (deployer, settler, relayer) =
                    (accounts[0].clone(), accounts[1].clone(), accounts[2].clone());
                Ok(Self {
                    l1,
                    l2,
                    deployment,
                    deployment_file,
                    accounts,
                    deployer,
                    settler,
                    relayer,
                    l1_url,
                })
            }
            Err(e) => {
                l1.shutdown().await;
                Err(e)
            }
        }
    }

    /// Deploys the rollup on the running `l1` (unless the datadir holds a deployment) and
    /// starts the L2 node.
    async fn start_on(
        cfg: &DevnetConfig,
        l1: &L1Node,
    ) -> Result<(Deployment, PathBuf, L2Node), NodeError> {
        let l1_url = l1.url();
        let accounts = &l1.signers;
        let (deployer, settler, relayer) = (&accounts[0], &accounts[1], &accounts[2]);
        let deployment_file = cfg.datadir.join("deployment.json");
        let deployment = if deployment_file.exists() {
            Deployment::read(&deployment_file)?
        } else {
            let mut funded: Vec<(Address, U256)> =
                accounts.iter().map(|k| (k.address(), cfg.l2_dev_balance)).collect();
            funded.extend(cfg.l2_funded.iter().copied());
            let params = DeployParams {
                l2_chain_id: cfg.l2_chain_id,
                // Below EIP-7825's 2^24 per-transaction cap on an Osaka L1, with room for
                // the calldata and the EXECUTE charge of a full block.
                l2_gas_limit: 10_000_000,
                sequencer: cfg.sequenced.then(|| settler.address()),
                // Anyone may advance well before a censored forced entry expires.
                sequencer_timeout: nr_rollup::deploy::sequencer_timeout_for(
                    cfg.forced_delay,
                    cfg.l1_block_time,
                    60,
                ),
                max_timestamp_lag: 3_600,
                funded,
                forced_delay: cfg.forced_delay,
            };
            params
                .check_forced_expiry(cfg.l1_block_time)
                .map_err(|e| NodeError::Deploy(Box::new(e)))?;
            let d = match &cfg.optimistic {
                None => nr_rollup::deploy::deploy(&l1_url, deployer.clone(), &params).await,
                Some(o) => {
                    nr_rollup::deploy::deploy_optimistic(&l1_url, deployer.clone(), &params, o)
                        .await
                }
            }
            .map_err(|e| NodeError::Deploy(Box::new(e)))?;
            d.write(&deployment_file)?;
            d
        };
        let l2 = nr_rollup::start(NodeConfig {
            l1_rpc: l1_url,
            deployment: deployment.clone(),
            datadir: cfg.datadir.join("l2"),
            http: cfg.l2_http,
            block_time: cfg.l2_block_time,
            settler_key: Some(settler.clone()),
            relayer_key: cfg.relayer.then(|| relayer.clone()),
            follow: false,
            progress: None,
            rpc_limits: Default::default(),
            fee_recipient: cfg.fee_recipient,
            censor: cfg.censor.clone(),
            censor_forced: cfg.censor_forced,
            settle_batch: cfg.settle_batch,
            optimistic: cfg.optimistic_node,
        })
        .await?;
        Ok((deployment, deployment_file, l2))
    }

    /// Resolves when a service of either node has stopped (the L1 block producer, or a
    /// service of the L2 node): the Devnet no longer works and should be shut down.
    pub async fn failure(&self) -> NodeError {
        tokio::select! {
            e = self.l1.failure() => e,
            e = self.l2.failure() => e.into(),
        }
    }

    /// The L1 JSON-RPC URL.
    pub fn l1_url(&self) -> &str {
        &self.l1_url
    }

    /// The L2 JSON-RPC URL.
    pub fn l2_url(&self) -> String {
        format!("http://{}", self.l2.rpc)
    }

    /// The configuration of a follower of this Devnet's rollup (L1 data only), storing its
    /// chain in `datadir` and serving JSON-RPC on a free port.
    pub fn follower_config(&self, datadir: PathBuf) -> NodeConfig {
        NodeConfig {
            l1_rpc: self.l1_url.clone(),
            deployment: self.deployment.clone(),
            datadir,
            http: SocketAddr::from(([127, 0, 0, 1], 0)),
            block_time: 1,
            settler_key: None,
            relayer_key: None,
            follow: true,
            progress: None,
            rpc_limits: Default::default(),
            fee_recipient: None,
            censor: vec![],
            censor_forced: false,
            settle_batch: 0,
            optimistic: Default::default(),
        }
    }

    /// Stops the L2 node, then the L1 node; on return both ports are closed and nothing
    /// of the Devnet holds the stores (see [`L2Node::shutdown`] and [`L1Node::shutdown`]).
    pub async fn shutdown(self) {
        self.l2.shutdown().await;
        self.l1.shutdown().await;
    }
}
