//! Limits a block must keep beyond its gas limit, set by whoever must carry the block
//! somewhere else (an L2 sequencer: the block and its witness go to L1 in one `advance`
//! transaction), and why pending transactions leave the pool without being included.
//!
//! The chain does not know what the limits are: a [`BlockBudget`] judges each block the
//! producer builds, and the producer leaves out the transactions that would break it (see
//! `Chain::produce_block_with`).

use alloy_consensus::{Block, TxEnvelope};
use alloy_primitives::B256;
use nr_stateless::ssz::ExecutionWitness;
use std::collections::{HashMap, VecDeque};

/// A measure of a block that exceeds its [`BlockBudget`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{what} {needed} exceeds the limit {limit}")]
pub struct OverBudget {
    /// What was measured (e.g. `L1 gas of advance`).
    pub what: &'static str,
    /// The block's measure.
    pub needed: u64,
    /// The most allowed.
    pub limit: u64,
}

/// Judges whether a complete block can be carried where it must go (an L2: settled on L1).
pub trait BlockBudget: Send + Sync + std::fmt::Debug {
    /// Checks a complete block (every header field set) and the execution witness of its
    /// parent state (what a stateless verifier needs to re-execute it).
    fn check(&self, block: &Block<TxEnvelope>, witness: ExecutionWitness)
    -> Result<(), OverBudget>;
}

/// Why a pending transaction was removed from the pool without being included.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DropReason {
    /// Even alone in a block, the block would exceed the chain's [`BlockBudget`].
    #[error("a block holding only this transaction cannot be settled: {0}")]
    OverBudget(OverBudget),
    /// The block producer could not execute it on the head state (funds, gas cap, ...),
    /// though it was its sender's next transaction and neither its fee nor the block's
    /// room was the reason: it would be retried, and skipped, in every block.
    #[error("not executable: {reason}")]
    NotExecutable {
        /// The executor's reason.
        reason: String,
    },
}

/// How many drop reasons a chain remembers (the oldest are forgotten first).
pub const DROP_LOG_LEN: usize = 4096;

/// The most recent [`DropReason`]s by transaction hash, at most [`DROP_LOG_LEN`].
#[derive(Debug, Default)]
pub(crate) struct DropLog {
    order: VecDeque<B256>,
    reasons: HashMap<B256, DropReason>,
}

impl DropLog {
    /// Remembers why `hash` was dropped.
    pub(crate) fn record(&mut self, hash: B256, reason: DropReason) {
        if self.reasons.insert(hash, reason).is_none() {
            self.order.push_back(hash);
        }
        while self.order.len() > DROP_LOG_LEN {
            if let Some(old) = self.order.pop_front() {
                self.reasons.remove(&old);
            }
        }
    }

    /// Why `hash` was dropped, if it was (recently).
    pub(crate) fn get(&self, hash: &B256) -> Option<DropReason> {
        self.reasons.get(hash).cloned()
    }

    /// Forgets `hash` (it was sent again and admitted).
    pub(crate) fn forget(&mut self, hash: &B256) {
        if self.reasons.remove(hash).is_some() {
            self.order.retain(|h| h != hash);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drop_log_keeps_the_most_recent_reasons() {
        let mut log = DropLog::default();
        let reason = DropReason::NotExecutable { reason: "x".into() };
        for i in 0..DROP_LOG_LEN as u64 + 10 {
            log.record(B256::left_padding_from(&i.to_be_bytes()), reason.clone());
        }
        assert_eq!(log.reasons.len(), DROP_LOG_LEN);
        assert_eq!(log.get(&B256::ZERO), None, "the oldest is forgotten");
        let last = B256::left_padding_from(&(DROP_LOG_LEN as u64 + 9).to_be_bytes());
        assert_eq!(log.get(&last), Some(reason));
        log.forget(&last);
        assert_eq!(log.get(&last), None);
    }
}
