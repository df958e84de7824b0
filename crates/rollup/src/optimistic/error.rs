//! Errors of the optimistic mode's node side.

use alloy_primitives::B256;

/// Why a proposed block could not be derived, or a posting could not be made.
#[derive(Debug, thiserror::Error)]
pub enum OptimisticError {
    /// A posted transaction is not a valid EIP-2718 encoding (the block cannot be rebuilt).
    #[error("posted transaction {index} does not decode: {reason}")]
    BadTransaction {
        /// Its position in the posted block.
        index: usize,
        /// The decoder's reason.
        reason: String,
    },
    /// A posted timestamp is not above the parent's.
    #[error("posted timestamp {timestamp} is not above the parent's {parent}")]
    StaleTimestamp {
        /// The posted timestamp.
        timestamp: u64,
        /// The parent's.
        parent: u64,
    },
    /// The posted transactions cannot be executed as a block on the parent's state.
    #[error("posted block does not execute: {0}")]
    Execution(#[from] nr_stateless::block::BlockError),
    /// The local chain failed.
    #[error(transparent)]
    Chain(#[from] nr_chain::ChainError),
    /// The block to post is not in the local chain.
    #[error("no local L2 block {0}")]
    NoBlock(u64),
    /// The L1 or the node failed.
    #[error(transparent)]
    Rollup(#[from] Box<crate::RollupError>),
    /// A blocking task of the node failed.
    #[error("blocking task: {0}")]
    Join(String),
    /// Blob data could not be encoded or decoded.
    #[error("blob data: {0}")]
    BlobData(crate::blob_da::BlobDaError),
    /// The claims rebuilt from a batch's posted data do not hash to the root its
    /// `BatchProposed` event holds (the contract computed it from the same data: the
    /// node read the wrong parent or anchor).
    #[error("batch {batch}: rebuilt claims root {rebuilt} is not the proposed root {event}")]
    RootMismatch {
        /// The batch id.
        batch: u64,
        /// The root of the event.
        event: B256,
        /// The root of the rebuilt claims.
        rebuilt: B256,
    },
    /// The claimed hash of the block before a batch's first block (number given) is
    /// neither remembered nor held by the L1.
    #[error("parent of batch starting at L2 block {0} unknown")]
    UnknownParent(u64),
    /// A claim's Merkle proof could not be built.
    #[error(transparent)]
    Claims(#[from] nr_contracts::claims::ClaimsError),
    /// The block to post has no anchor (`parent_beacon_block_root`).
    #[error("L2 block {0} has no L1 anchor")]
    NoAnchor(B256),
}

impl From<crate::RollupError> for OptimisticError {
    fn from(e: crate::RollupError) -> Self {
        Self::Rollup(Box::new(e))
    }
}
