//! The sequencer: builds L2 blocks from the pool, each anchored to the latest L1 block.

use crate::{POLL, l1::L1Client};
use alloy_rpc_types_eth::BlockNumberOrTag;
use nr_chain::{BlockOptions, Chain};
use std::{sync::Arc, time::Duration};
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
        if self.block_time > 0 {
            let next = head.timestamp + self.block_time;
            let wait = next.saturating_sub(nr_chain::unix_now()).min(self.block_time);
            tokio::time::sleep(Duration::from_secs(wait).max(POLL)).await;
        } else {
            tokio::time::sleep(POLL).await;
        }
        // Anchor to the L1 block below the latest: its hash is visible to BLOCKHASH in the
        // latest block's context, where gas estimation of `advance` runs.
        let latest = self.l1.block(BlockNumberOrTag::Latest).await?;
        let anchor = match latest.number {
            0 => latest,
            n => self.l1.block(BlockNumberOrTag::Number(n - 1)).await?,
        };
        if self.block_time == 0 {
            let head_anchor = head.parent_beacon_block_root.unwrap_or_default();
            let ready = self.chain.has_ready_transactions();
            if !ready && (anchor.hash == head_anchor || head.timestamp >= nr_chain::unix_now()) {
                return Ok(());
            }
        }
        let timestamp = anchor.timestamp.max(head.timestamp + 1);
        if timestamp > nr_chain::unix_now() + 1 {
            // Ahead of the clock (several L2 blocks per L1 block): let time catch up, or
            // the rollup would refuse the block as from the future.
            return Ok(());
        }
        let chain = self.chain.clone();
        let opts = BlockOptions {
            timestamp,
            parent_beacon_block_root: Some(anchor.hash),
            fee_recipient: None,
        };
        let produced =
            self.blocking.spawn_blocking(move || chain.produce_block_with(&opts)).await??;
        tracing::info!(
            number = produced.block.header.number,
            hash = %produced.hash,
            txs = produced.block.body.transactions.len(),
            anchor = anchor.number,
            "L2 block"
        );
        Ok(())
    }
}
