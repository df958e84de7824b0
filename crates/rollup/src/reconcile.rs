//! Reconciling with L1: the L2 node's chain follows the head its rollup contract settled.
//!
//! Every round of the settler and the follower (and, on a sequencer without a settler key,
//! a round of its own) starts here: the settled head is read from L1, the local chain is
//! compared with it, and the chain's `safe` block becomes the settled head and its
//! `finalized` block the head settled in the L1's finalized block (docs/l2.md, "safe and
//! finalized").

use crate::{RollupError, l1::L1Client};
use alloy_primitives::B256;
use alloy_rpc_types_eth::BlockNumberOrTag;
use nr_chain::Chain;
use nr_contracts::NativeRollup;
use std::sync::Arc;
use tokio_util::task::TaskTracker;

/// What a reconciliation round found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reconciled {
    /// The settled head's number on L1.
    pub settled: u64,
    /// The settled head's hash on L1.
    pub settled_hash: B256,
}

/// Keeps an L2 chain in line with its rollup's settled head on L1.
#[derive(Debug, Clone)]
pub struct Reconciler {
    /// The L2 chain.
    pub chain: Arc<Chain>,
    /// The L1 (read only).
    pub l1: L1Client,
    /// Runs blocking chain work off the async runtime; the node's shutdown waits for it.
    pub blocking: TaskTracker,
}

impl Reconciler {
    /// One round: reads the settled head and labels the chain's `safe` and `finalized`
    /// blocks from it.
    pub async fn step(&self) -> Result<Reconciled, RollupError> {
        let (settled, settled_hash) = self.l1.settled_head().await?;
        self.label(settled).await;
        Ok(Reconciled { settled, settled_hash })
    }

    /// `safe` = the settled head (as far as the local chain has it); `finalized` = the
    /// head the contract holds in the L1's `finalized` block (kept if the L1 cannot say).
    async fn label(&self, settled: u64) {
        let head = self.chain.head().number;
        let safe = settled.min(head);
        let finalized = match self
            .l1
            .view_at(NativeRollup::headNumberCall {}, BlockNumberOrTag::Finalized)
            .await
        {
            Ok(n) => n.min(safe),
            Err(e) => {
                tracing::debug!("reconcile: settled head at the L1's finalized block: {e}");
                self.chain.labels().finalized.unwrap_or(0).min(safe)
            }
        };
        self.chain.set_safe_finalized(safe, finalized);
    }

    /// Runs rounds until the process ends (a sequencer without a settler key: someone
    /// else settles, this node follows).
    pub async fn run(self) {
        loop {
            if let Err(e) = self.step().await {
                tracing::warn!("reconcile: {e}");
            }
            tokio::time::sleep(crate::POLL).await;
        }
    }
}
