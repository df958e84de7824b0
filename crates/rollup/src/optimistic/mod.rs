//! The optimistic native mode on the node (docs/contracts.md, "Optimistic native mode").
//!
//! A proposer posts batches of L2 blocks to `OptimisticRollup` with a bond; each block is
//! only a claim (hash and state root) until its challenge window passes. A watchtower
//! derives every proposed block from the posted data on its own chain, challenges a block
//! whose claim is wrong, defends a challenged valid block with EXECUTE (the whole block is
//! the one-step proof) and resolves undefended challenges.
//!
//! This module holds what does not need the contract's bytecode: the posted-data encoding and its commitment
//! ([`posted`]), the derivation of a proposed block and the watchtower's verdict
//! ([`posted::check`]), and the development adversaries ([`adversary`]).

pub mod adversary;
pub mod blob_proposals;
pub mod budget;
mod error;
pub mod forced;
pub mod posted;
pub mod proposals;
pub mod proposer;
pub mod watchtower;

pub use error::OptimisticError;

/// Options of a node in optimistic mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OptimisticOptions {
    /// Run the watchtower's disputes (challenge, defend, resolve) with the node's key
    /// (on by default; a follower without a key only derives).
    pub watchtower: bool,
    /// Development adversaries (all off by default).
    pub adversary: adversary::Adversary,
    /// Where the proposer posts block data (`--da`; calldata by default). Watchtowers and
    /// followers read both kinds of proposals whatever this says.
    pub da: DataAvailability,
    /// Fewest new blocks the proposer waits for before proposing a batch (`--min-batch`;
    /// 1 by default, at most [`proposer::MAX_PROPOSE`]): larger batches share one bond
    /// and one proposal's fixed cost.
    pub min_batch: u64,
}

impl Default for OptimisticOptions {
    fn default() -> Self {
        Self {
            watchtower: true,
            adversary: adversary::Adversary::default(),
            da: DataAvailability::default(),
            min_batch: 1,
        }
    }
}

/// Where a proposer posts its blocks' data (`--da calldata|blobs`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum DataAvailability {
    /// In the calldata of `propose` (every byte re-read from the L1's history).
    #[default]
    Calldata,
    /// In EIP-4844 blobs of a `proposeBlobs` type-3 transaction (`docs/l2.md`, "Blob
    /// data"): cheaper, but the L1 keeps them only for its retention window.
    Blobs,
}

/// `--da` took a value it does not know.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown data availability {0:?} (expected calldata or blobs)")]
pub struct UnknownDataAvailability(pub String);

impl std::str::FromStr for DataAvailability {
    type Err = UnknownDataAvailability;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "calldata" => Ok(Self::Calldata),
            "blobs" => Ok(Self::Blobs),
            other => Err(UnknownDataAvailability(other.to_string())),
        }
    }
}

/// Whether the rollup at `l1.rollup` is an `OptimisticRollup` (it answers
/// `challengeWindow()`; a `NativeRollup` does not).
pub async fn is_optimistic(l1: &crate::l1::L1Client) -> bool {
    l1.view(OptimisticRollup::challengeWindowCall {}).await.is_ok()
}

pub use nr_contracts::OptimisticRollup;

/// `OptimisticRollup.Status` values (the JSON ABI binds the enum as a `uint8`).
pub mod status {
    /// Never challenged.
    pub const NONE: u8 = 0;
    /// Challenged, not yet defended or resolved.
    pub const CHALLENGED: u8 = 1;
    /// Challenged and defended.
    pub const DEFENDED: u8 = 2;
}
