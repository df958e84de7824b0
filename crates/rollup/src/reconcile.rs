//! Reconciling with L1: the L2 node's chain follows the head its rollup contract settled.
//!
//! Every round of the settler and the follower (and, on a sequencer without a settler key,
//! a round of its own) starts here. The settled head is read from L1 and the local chain
//! compared with it (docs/l2.md, "Reconciling with L1"):
//! - the highest local block whose hash the contract holds is the last agreed block (a
//!   block someone else settled first, or an L1 reorg that undid a settlement, makes the
//!   local one above it an orphan);
//! - above the settled head, the first local block whose anchor is no longer a canonical
//!   L1 block (an L1 reorg removed it) can never be settled, nor can its children;
//! - the chain is rewound to below both, the blocks the contract settled since are
//!   imported from L1 calldata, and the transactions of the removed blocks go back to the
//!   pool, so the sequencer includes them again.
//!
//! Then the chain's `safe` block becomes the settled head and its `finalized` block the
//! head settled in the L1's finalized block ("safe and finalized").

use crate::{RollupError, follower::settled_block, l1::L1Client};
use alloy_primitives::B256;
use alloy_rpc_types_eth::BlockNumberOrTag;
use nr_chain::Chain;
use nr_contracts::NativeRollup;
use std::{collections::HashMap, sync::Arc};
use tokio_util::task::TaskTracker;

/// Most settled blocks one round imports (the rest come in the next rounds).
pub const MAX_IMPORT: u64 = 64;
/// L1 blocks per `eth_getLogs` window.
pub const LOG_WINDOW: u64 = 2_000;

/// What a reconciliation round found and did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reconciled {
    /// The settled head's number on L1.
    pub settled: u64,
    /// The settled head's hash on L1.
    pub settled_hash: B256,
    /// The block the chain was rewound to, if it was.
    pub rewound_to: Option<u64>,
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
    /// L1 block of the rollup's deployment (no settlement before it).
    pub deploy_block: u64,
}

impl Reconciler {
    /// One round of a sequencer node: rewinds what L1 no longer backs, imports what
    /// others settled (at most [`MAX_IMPORT`] blocks), labels `safe` and `finalized`.
    pub async fn step(&self) -> Result<Reconciled, RollupError> {
        self.round(true).await
    }

    /// One round of a follower: rewinds what L1 no longer backs and labels the chain;
    /// the follower itself derives what is missing.
    pub async fn step_follower(&self) -> Result<Reconciled, RollupError> {
        self.round(false).await
    }

    async fn round(&self, import: bool) -> Result<Reconciled, RollupError> {
        let (settled, settled_hash) = self.l1.settled_head().await?;
        let head = self.chain.head();
        let agreed = self.agreed(settled, settled_hash, head.number).await?;
        let mut keep = agreed;
        if agreed == settled.min(head.number) && head.number > settled {
            keep = self.anchored(settled, head.number).await?;
        }
        let target = if import { settled.min(keep + MAX_IMPORT) } else { keep };
        let mut rewound_to = None;
        if keep < head.number || target > keep {
            let blocks = self.settled_blocks(keep + 1, target).await?;
            let chain = self.chain.clone();
            let r = self.blocking.spawn_blocking(move || chain.reorg(keep, &blocks)).await??;
            if r.removed_blocks > 0 {
                rewound_to = Some(keep);
                tracing::warn!(
                    from = head.number,
                    to = keep,
                    settled,
                    imported = r.imported,
                    requeued = r.requeued.len(),
                    dropped = r.dropped.len(),
                    "L2 chain rewound to the L1's settled chain"
                );
            } else if r.imported > 0 {
                tracing::info!(imported = r.imported, settled, "imported blocks settled by others");
            }
        }
        self.label(settled).await;
        Ok(Reconciled { settled, settled_hash, rewound_to })
    }

    /// The highest local block (at most the settled head) whose hash the contract holds.
    async fn agreed(
        &self,
        settled: u64,
        settled_hash: B256,
        head: u64,
    ) -> Result<u64, RollupError> {
        let mut n = settled.min(head);
        loop {
            let local = self.chain.hash_by_number(n)?;
            let on_l1 = if n == settled {
                settled_hash
            } else {
                self.l1.view(NativeRollup::blockHashAtCall { number: n }).await?
            };
            if local == Some(on_l1) || n == 0 {
                return Ok(n);
            }
            n -= 1;
        }
    }

    /// The highest block of `settled..=head` whose anchor and every ancestor's anchor
    /// above `settled` are canonical L1 blocks.
    async fn anchored(&self, settled: u64, head: u64) -> Result<u64, RollupError> {
        let mut canonical: HashMap<B256, bool> = HashMap::new();
        for n in settled + 1..=head {
            let Some(h) = self.chain.header_by_number(n)? else { return Ok(n - 1) };
            let anchor = h.parent_beacon_block_root.unwrap_or_default();
            let ok = match canonical.get(&anchor) {
                Some(ok) => *ok,
                None => {
                    let ok = self.l1.is_canonical(anchor).await?;
                    canonical.insert(anchor, ok);
                    ok
                }
            };
            if !ok {
                return Ok(n - 1);
            }
        }
        Ok(head)
    }

    /// The L1 block in which L2 block `number` was settled: the first L1 block whose
    /// state holds a settled head of at least `number` (binary search on the contract's
    /// `headNumber`, which never decreases along the L1 chain).
    pub async fn settlement_block(&self, number: u64) -> Result<u64, RollupError> {
        let (mut lo, mut hi) =
            (self.deploy_block, self.l1.block(BlockNumberOrTag::Latest).await?.number);
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            let at = self
                .l1
                .view_at(NativeRollup::headNumberCall {}, BlockNumberOrTag::Number(mid))
                .await
                .unwrap_or(0);
            if at >= number { hi = mid } else { lo = mid + 1 }
        }
        Ok(lo)
    }

    /// The settled L2 blocks `from..=to`, rebuilt from L1 calldata and checked against
    /// the hashes the contract emitted.
    async fn settled_blocks(
        &self,
        from: u64,
        to: u64,
    ) -> Result<Vec<alloy_consensus::Block<alloy_consensus::TxEnvelope>>, RollupError> {
        if from > to {
            return Ok(vec![]);
        }
        let latest = self.l1.block(BlockNumberOrTag::Latest).await?.number;
        let mut l1_from = self.settlement_block(from).await?;
        let mut blocks = Vec::new();
        while blocks.len() as u64 <= to - from && l1_from <= latest {
            let l1_to = latest.min(l1_from + LOG_WINDOW);
            for (log, e) in self.l1.events::<NativeRollup::BlockAdvanced>(l1_from, l1_to).await? {
                if e.number != from + blocks.len() as u64 || e.number > to {
                    continue;
                }
                blocks.push(settled_block(&self.l1, &self.chain, &log, &e).await?);
            }
            l1_from = l1_to + 1;
        }
        Ok(blocks)
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
