//! Errors of starting and running the nodes.

use nr_rollup::RollupError;
use std::path::PathBuf;

/// Errors of the L1 node and the Devnet.
#[derive(Debug, thiserror::Error)]
pub enum NodeError {
    /// A genesis file could not be read.
    #[error("reading {}", path.display())]
    ReadGenesis {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// A genesis file is not a valid geth genesis.
    #[error(transparent)]
    Genesis(#[from] nr_chain::spec::SpecError),
    /// A fork time is neither a unix time, `+SECS[s]` nor `never`.
    #[error("bad fork time {text:?}")]
    RelativeForkTime {
        /// The text given.
        text: String,
        /// Why.
        #[source]
        source: std::num::ParseIntError,
    },
    /// An absolute fork time does not parse.
    #[error("bad fork time {text:?}: want a unix time, +SECS or never")]
    AbsoluteForkTime {
        /// The text given.
        text: String,
        /// Why.
        #[source]
        source: std::num::ParseIntError,
    },
    /// Osaka activates before Prague.
    #[error("--osaka-at ({osaka}) is before --prague-at ({prague})")]
    OsakaBeforePrague {
        /// Osaka activation time.
        osaka: u64,
        /// Prague activation time.
        prague: u64,
    },
    /// Osaka is scheduled without Prague.
    #[error("--osaka-at needs Prague (--prague-at)")]
    OsakaWithoutPrague,
    /// The EXECUTE gas target is zero or above the limit.
    #[error("--execute-gas-target must be in 1..=--execute-gas-limit")]
    ExecuteGasTarget,
    /// A mnemonic account index is invalid.
    #[error("mnemonic index {index}: {source}")]
    MnemonicIndex {
        /// The account index.
        index: u32,
        /// Why.
        source: alloy_signer_local::LocalSignerError,
    },
    /// A mnemonic is invalid.
    #[error("mnemonic: {0}")]
    Mnemonic(alloy_signer_local::LocalSignerError),
    /// The Devnet needs more dev accounts (deployer, settler, relayer).
    #[error("the devnet needs at least 3 accounts, got {0}")]
    TooFewAccounts(u32),
    /// A data directory could not be created.
    #[error("creating {}", path.display())]
    CreateDir {
        /// The directory.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The chain store failed.
    #[error(transparent)]
    Chain(#[from] nr_chain::ChainError),
    /// The JSON-RPC server could not listen.
    #[error(transparent)]
    RpcListen(std::io::Error),
    /// Deploying the rollup failed.
    #[error("deploying the rollup")]
    Deploy(#[source] Box<RollupError>),
    /// The L1 block producer stopped (it panicked): the node no longer makes blocks.
    #[error("the L1 block producer stopped: {0}; the node is stopping")]
    ProducerDied(String),
    /// The L2 node (or reading the deployment file) failed.
    #[error(transparent)]
    Rollup(Box<RollupError>),
}

impl From<RollupError> for NodeError {
    fn from(e: RollupError) -> Self {
        Self::Rollup(Box::new(e))
    }
}
