//! The sequencer: builds L2 blocks from the pool, each anchored to the latest L1 block.

use crate::{
    POLL,
    forced::{self, Censorship, ForcedInbox},
    l1::L1Client,
};
use alloy_rpc_types_eth::BlockNumberOrTag;
use nr_chain::{BlockOptions, BlockSelection, Chain};
use std::{
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    time::Duration,
};
use tokio_util::task::TaskTracker;

/// Block production of an L2 node.
#[derive(Debug)]
pub struct Sequencer {
    /// The L2 chain.
    pub chain: Arc<Chain>,
    /// The L1.
    pub l1: L1Client,
    /// Seconds between blocks; 0 = as soon as transactions wait, and otherwise one block
    /// per new L1 block (so the L2 keeps anchoring to fresh L1 state for deposits).
    pub block_time: u64,
    /// Runs the block production off the async runtime; the node's shutdown waits for it.
    pub blocking: TaskTracker,
    /// Fee recipient of the blocks (the sequencer's address unless configured).
    pub fee_recipient: alloy_primitives::Address,
    /// The rollup's forced-transaction inbox (pending entries go first in each block).
    pub forced: tokio::sync::Mutex<ForcedInbox>,
    /// Development-only censorship.
    pub censorship: Censorship,
    /// Optimistic mode: keep the head's anchor while a newer one would make the block owe
    /// L1->L2 messages its state has not delivered (rule 5: such a block cannot be
    /// proposed). Shared with the proposer, which turns it on after a `--dishonest-proposer
    /// ignore-due` lie.
    pub pin_anchor: Arc<AtomicBool>,
}

impl Sequencer {
    /// Runs until the process ends.
    pub async fn run(self) {
        loop {
            if let Err(e) = self.step().await {
                tracing::warn!("sequencer: {e}");
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }
    }

    async fn step(&self) -> Result<(), crate::RollupError> {
        let head = self.chain.head();
        // With a block time, block N+1 is due when the clock reaches its timestamp, the
        // head's plus the block time: wait for that instant (not for whole seconds counted
        // from now, which drifts).
        let due = head.timestamp + self.block_time;
        if self.block_time > 0 {
            tokio::time::sleep(until_unix(due, self.block_time)).await;
        } else {
            tokio::time::sleep(POLL).await;
        }
        // Anchor to the L1 block below the latest: its hash is visible to BLOCKHASH in the
        // latest block's context, where gas estimation of `advance` runs.
        let latest = self.l1.block(BlockNumberOrTag::Latest).await?;
        let next_l1_block = latest.number + 1;
        let mut anchor = match latest.number {
            0 => latest,
            n => self.l1.block(BlockNumberOrTag::Number(n - 1)).await?,
        };
        if self.pin_anchor.load(Ordering::Relaxed) {
            // The head now (the proposer may have rewound it meanwhile).
            anchor = self.anchor_within_deliveries(&self.chain.head(), anchor).await?;
        }
        // Pending forced transactions go first, in inbox order (module `forced`).
        // A failed read (an L1 hiccup, or a rollup deployed before the inbox existed) leaves
        // them out of this block: if one is due, the settler rebuilds the block.
        let pending = self.forced.lock().await.pending().await.unwrap_or_else(|e| {
            tracing::warn!("sequencer: reading the forced inbox: {e}");
            vec![]
        });
        let first = forced::select(&self.chain, &pending, next_l1_block, &self.censorship)?;
        if self.block_time == 0 {
            let head_anchor = head.parent_beacon_block_root.unwrap_or_default();
            let ready = self.chain.has_ready_transactions() || !first.is_empty();
            if !ready && (anchor.hash == head_anchor || head.timestamp >= nr_chain::unix_now()) {
                return Ok(());
            }
        }
        // Timestamps follow the clock: the block that is due, or now if production fell
        // behind (never the anchor's time, which lags the clock by an L1 block or two);
        // on demand, at least the anchor's and past the head's.
        let timestamp = if self.block_time > 0 {
            due.max(nr_chain::unix_now()).max(anchor.timestamp)
        } else {
            anchor.timestamp.max(head.timestamp + 1)
        };
        if timestamp > nr_chain::unix_now() + 1 {
            // Ahead of the clock (several L2 blocks per L1 block): let time catch up, or
            // the rollup would refuse the block as from the future.
            return Ok(());
        }
        let chain = self.chain.clone();
        let opts = BlockOptions {
            timestamp,
            parent_beacon_block_root: Some(anchor.hash),
            fee_recipient: Some(self.fee_recipient),
        };
        let selection_len = first.len();
        let selection = BlockSelection { first, exclude: self.censorship.censor.clone() };
        let produced = self
            .blocking
            .spawn_blocking(move || chain.produce_block_selected(&opts, &selection))
            .await??;
        tracing::info!(
            number = produced.block.header.number,
            hash = %produced.hash,
            txs = produced.block.body.transactions.len(),
            deferred = produced.deferred.len(),
            forced = selection_len,
            anchor = anchor.number,
            "L2 block"
        );
        for (tx, reason) in &produced.dropped {
            tracing::warn!(%tx, %reason, "transaction dropped from the pool");
        }
        Ok(())
    }
}

impl Sequencer {
    /// `candidate`, unless the messages due at it (`dueAt`) exceed what the head's state
    /// has delivered: then the head's own anchor (the block stays proposable; the
    /// deliveries, proven against that anchor, let the anchor move on).
    async fn anchor_within_deliveries(
        &self,
        head: &alloy_consensus::Header,
        candidate: crate::l1::L1Block,
    ) -> Result<crate::l1::L1Block, crate::RollupError> {
        use nr_contracts::OptimisticRollup;
        let due: alloy_primitives::U256 = self
            .l1
            .view(OptimisticRollup::dueAtCall {
                l1Block: alloy_primitives::U256::from(candidate.number),
            })
            .await?;
        let delivered = self.chain.storage(
            head,
            nr_contracts::L2_MESSENGER,
            crate::delivery::DELIVERED_PREFIX_SLOT,
        )?;
        let Some(head_anchor) = head.parent_beacon_block_root else { return Ok(candidate) };
        if delivered >= due || head_anchor == candidate.hash || head.number == 0 {
            return Ok(candidate);
        }
        let n = self.l1.number_of(head_anchor).await?;
        tracing::info!(anchor = n, candidate = candidate.number, %due, %delivered, "anchor pinned until due messages are delivered");
        self.l1.block(BlockNumberOrTag::Number(n)).await
    }
}

/// How long to sleep until the clock reads `unix_secs` (at least a short poll, at most
/// `max_secs`: a clock that jumps back does not stall the sequencer).
fn until_unix(unix_secs: u64, max_secs: u64) -> Duration {
    let now =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    Duration::from_secs(unix_secs)
        .saturating_sub(now)
        .min(Duration::from_secs(max_secs))
        .max(MIN_WAIT)
}

/// Shortest sleep between two production attempts.
const MIN_WAIT: Duration = Duration::from_millis(50);
