//! The proposer: posts the node's blocks to `OptimisticRollup` in bonded batches and
//! finalizes them once their challenge windows pass. It moves the chain's labels: `safe`
//! = proposed (and matching the local chain), `finalized` = finalized on L1.

use super::forced::{self as opt_forced, forced_counts};
use super::{
    DataAvailability, OptimisticError, OptimisticRollup, adversary::DishonestProposer,
    blob_proposals, posted,
};
use crate::{POLL, SettlementStatus, forced::ForcedInbox, l1::L1Client};
use alloy_primitives::{B256, U256};
use alloy_rpc_types_eth::BlockNumberOrTag;
use alloy_sol_types::SolCall;
use nr_chain::Chain;
use parking_lot::Mutex;
use std::sync::Arc;

/// Most blocks per `propose` batch.
pub const MAX_PROPOSE: u64 = 16;

/// Most L1 blocks an anchor may be behind the proposing block (`blockhash`'s window).
pub const ANCHOR_WINDOW: u64 = 256;

/// Proposing of an L2 node in optimistic mode.
#[derive(Debug)]
pub struct Proposer {
    /// The L2 chain.
    pub chain: Arc<Chain>,
    /// The L1, with the key that pays the bonds.
    pub l1: L1Client,
    /// Progress, for logs and RPC.
    pub status: Arc<Mutex<SettlementStatus>>,
    /// Development only: lie about the first block with transactions it proposes.
    pub dishonest: Option<DishonestProposer>,
    /// Whether the lie is on L1 already.
    pub lied: bool,
    /// Where the block data goes: calldata (`propose`) or blobs (`proposeBlobs`).
    pub da: DataAvailability,
    /// Development only (blob mode): the first block with transactions gets a blob record
    /// that is not its data (`--dev-blob-mismatch`).
    pub blob_mismatch: bool,
    /// Fewest new blocks to propose at once (clamped to `1..=`[`MAX_PROPOSE`]).
    pub min_batch: u64,
    /// The rollup's forced-transaction inbox (`OptimisticRollup.inbox()`): each block's
    /// `forcedCount`, and the head entries to prune before proposing.
    pub forced: ForcedInbox,
    /// The sequencer's anchor pinning (see `Sequencer::pin_anchor`): turned on once an
    /// `ignore-due` lie is on L1, so that the blocks rebuilt after it are proposable.
    pub pin_anchor: Arc<std::sync::atomic::AtomicBool>,
}

/// Where the rollup stands: the finalized head and the latest pending block.
#[derive(Debug, Clone, Copy)]
pub struct Tip {
    /// Finalized head number.
    pub finalized: u64,
    /// Latest pending block (equal to `finalized` when none is pending).
    pub pending: u64,
    /// Hash claimed for `pending`.
    pub pending_hash: B256,
}

/// Reads the rollup's [`Tip`].
pub async fn tip(l1: &L1Client) -> Result<Tip, OptimisticError> {
    let finalized = l1.view(OptimisticRollup::headNumberCall {}).await?;
    let t = l1.view(OptimisticRollup::pendingTipCall {}).await?;
    Ok(Tip { finalized, pending: t.number, pending_hash: t.blockHash })
}

/// Most batches one `finalize` call takes (about 67k L1 gas each after the first, so a
/// flood of tiny batches cannot push the call past the 2^24 per-transaction cap: the rest
/// is finalized by the next rounds).
pub const MAX_FINALIZE_BATCHES: usize = 64;

/// The last block of the longest run of pending batches, at most
/// [`MAX_FINALIZE_BATCHES`], that `finalize` would accept now (L1 time `now`): each past
/// its challenge window with no open challenge (a defended block no longer holds its batch
/// back). `None`: none.
pub async fn finalizable(
    l1: &L1Client,
    tip: Tip,
    now: u64,
) -> Result<Option<u64>, OptimisticError> {
    let window: U256 = l1.view(OptimisticRollup::challengeWindowCall {}).await?;
    let window = u64::try_from(window).unwrap_or(u64::MAX);
    let mut upto = None;
    let mut k = tip.finalized + 1;
    let mut batches = 0;
    while k <= tip.pending && batches < MAX_FINALIZE_BATCHES {
        batches += 1;
        let id = l1.view(OptimisticRollup::batchOfCall { n: k }).await?;
        let b = l1.view(OptimisticRollup::batchInfoCall { id }).await?;
        let proposed_at: u64 = b.proposedAt.to();
        if b.openChallenges != 0 || now < proposed_at.saturating_add(window) || b.last < k {
            break;
        }
        upto = Some(b.last);
        k = b.last + 1;
    }
    Ok(upto)
}

impl Proposer {
    /// Runs until the process ends.
    pub async fn run(mut self) {
        loop {
            let error = self.step().await.err().map(|e| e.to_string());
            if let Some(e) = &error {
                tracing::warn!("proposer: {e}");
            }
            self.status.lock().last_error = error;
            tokio::time::sleep(POLL).await;
        }
    }

    /// One round: label the chain, finalize what may be, propose what is new.
    pub async fn step(&mut self) -> Result<(), OptimisticError> {
        let tip = tip(&self.l1).await?;
        let head = self.chain.head().number;
        let ours = self.chain.hash_by_number(tip.pending)?;
        let agreed = ours == Some(tip.pending_hash);
        let safe = if agreed { tip.pending } else { tip.finalized };
        self.chain.set_safe_finalized(safe.min(head), tip.finalized.min(head));
        {
            let mut s = self.status.lock();
            s.l2_head = head;
            s.settled = tip.finalized;
            s.lag_blocks = head.saturating_sub(tip.finalized);
        }
        let latest = self.l1.block(BlockNumberOrTag::Latest).await?;
        if let Some(upto) = finalizable(&self.l1, tip, latest.timestamp).await? {
            let call = OptimisticRollup::finalizeCall { upTo: upto };
            let r = self.l1.send(self.l1.rollup, call.abi_encode().into(), U256::ZERO).await?;
            self.status.lock().last_l1_tx = Some(r.transaction_hash);
            tracing::info!(upto, gas = r.gas_used, "finalized");
        }
        if !agreed {
            // The pending tip is not our block (another proposer's, or our own lie): a
            // watchtower deals with it; we propose again once it is resolved.
            return Ok(());
        }
        if head < tip.pending + self.min_batch.clamp(1, MAX_PROPOSE) {
            return Ok(());
        }
        let mut blocks = vec![];
        // Position of the block the proposer lies about, if any.
        let mut lie_at = None;
        let mut dues = std::collections::HashMap::new();
        for n in tip.pending + 1..=head.min(tip.pending + MAX_PROPOSE) {
            let hash = self.chain.hash_by_number(n)?.ok_or(OptimisticError::NoBlock(n))?;
            let block = self.chain.block(&hash)?.ok_or(OptimisticError::NoBlock(n))?;
            let anchor_hash =
                block.header.parent_beacon_block_root.ok_or(OptimisticError::NoAnchor(hash))?;
            let anchor = self.l1.number_of(anchor_hash).await?;
            if anchor + ANCHOR_WINDOW <= latest.number {
                tracing::warn!(n, anchor, "anchor too old to propose (blockhash window)");
                break;
            }
            // Rule 5 (deposits): a block whose state has not delivered every message due
            // at its anchor cannot be defended; it is not proposed.
            let due = match dues.get(&anchor) {
                Some(d) => *d,
                None => {
                    let d = opt_forced::due_at(&self.l1, anchor).await?;
                    dues.insert(anchor, d);
                    d
                }
            };
            let delivered = opt_forced::delivered(&self.chain, &block.header)?;
            if delivered < due {
                if self.dishonest.is_some_and(|d| d.ignores_due()) && !self.lied {
                    if lie_at.is_none() {
                        lie_at = Some(blocks.len());
                        tracing::warn!(
                            n,
                            due,
                            delivered,
                            "dishonest proposer: proposing a block that owes due messages"
                        );
                    }
                } else {
                    tracing::warn!(
                        n,
                        anchor,
                        due,
                        delivered,
                        "block has not delivered the messages due at its anchor: not proposed"
                    );
                    if blocks.is_empty() {
                        self.rebuild_owing(tip.pending)?;
                    }
                    break;
                }
            }
            let mut p = posted::posted_block(&block, anchor);
            if let Some(lie) = self.dishonest
                && lie.tampers()
                && !self.lied
                && lie_at.is_none()
                && !block.body.transactions.is_empty()
            {
                lie.tamper(&block.header, &mut p);
                lie_at = Some(blocks.len());
                tracing::warn!(n, ?lie, "dishonest proposer: posting a false block");
            }
            blocks.push(p);
        }
        if blocks.is_empty() {
            return Ok(());
        }
        let forced_from =
            self.forced_counts(&tip, &mut blocks, latest.number + 1, &mut lie_at).await?;
        // What the proposal is built on: it reverts (`StaleTip`, `StaleForcedHead`) if
        // another transaction moves either first, instead of landing with claims its blocks
        // do not carry.
        let on = (tip.pending_hash, forced_from);
        let bond = self.l1.view(OptimisticRollup::proposerBondCall {}).await?;
        let sent = match self.da {
            DataAvailability::Blobs => self.propose_blobs(blocks, lie_at, bond, on).await,
            DataAvailability::Calldata => {
                let count = blocks.len() as u64;
                let call = OptimisticRollup::proposeCall { blocks, parent: on.0, forcedFrom: on.1 };
                let r = self.l1.send(self.l1.rollup, call.abi_encode().into(), bond).await;
                r.map(|r| (r, count, lie_at.is_some(), "calldata")).map_err(Into::into)
            }
        };
        let (r, count, lying, how) = match sent {
            Err(OptimisticError::Rollup(e)) if crate::forced::is_forced_due(&e) => {
                // Built before the head entry was due (or seen): no proposal can take
                // these blocks. Rebuild from the pending tip, the entry first.
                let r = self.chain.rewind_to(tip.pending)?;
                tracing::warn!(
                    pending = tip.pending,
                    removed = r.removed_blocks,
                    "a due forced transaction is missing: rebuilding the unproposed blocks"
                );
                return Err(OptimisticError::Rollup(e));
            }
            sent => sent?,
        };
        // The lie is told once it is on L1 (a refused proposal is tried again).
        self.lied |= lying;
        if self.lied {
            self.pin_anchor.store(true, std::sync::atomic::Ordering::Relaxed);
        }
        self.status.lock().last_l1_tx = Some(r.transaction_hash);
        tracing::info!(
            from = tip.pending + 1,
            count,
            gas = r.gas_used,
            l1_block = r.block_number,
            da = how,
            "proposed"
        );
        Ok(())
    }

    /// The first block to propose (above the pending tip `pending`) owes messages: no
    /// block after it can be proposed either. Rewinds to the pending tip: the sequencer
    /// builds the blocks again, keeping an anchor whose due messages the state has
    /// delivered (`Sequencer::pin_anchor`) until the deliveries land.
    fn rebuild_owing(&self, pending: u64) -> Result<(), OptimisticError> {
        let r = self.chain.rewind_to(pending)?;
        tracing::warn!(
            pending,
            removed = r.removed_blocks,
            "blocks owing due messages: rebuilding the unproposed blocks with the deliveries"
        );
        Ok(())
    }

    /// Sets each block's `forcedCount` (the inbox entries its transactions start with,
    /// from the pending head), after pruning head entries the pending tip cannot carry.
    /// A [`DishonestProposer::FalseForced`] proposer claims, once, an entry its block does
    /// not carry (position recorded in `lie_at`).
    async fn forced_counts(
        &mut self,
        tip: &Tip,
        blocks: &mut [OptimisticRollup::Block],
        next_l1_block: u64,
        lie_at: &mut Option<usize>,
    ) -> Result<u64, OptimisticError> {
        let tip_header = self
            .chain
            .header_by_number(tip.pending)?
            .ok_or(OptimisticError::NoBlock(tip.pending))?;
        let next =
            blocks.first().and_then(|b| b.transactions.first()).map(alloy_primitives::keccak256);
        let delay = crate::delivery::forced_delay(&self.l1).await?;
        let inbox = self.forced.l1().clone();
        opt_forced::prune_head(&inbox, &self.chain, &tip_header, next, next_l1_block, delay)
            .await?;
        let (head, pending) = self.forced.pending_from().await?;
        let mut counts = forced_counts(blocks, &pending);
        if self.dishonest == Some(DishonestProposer::FalseForced) && !self.lied && lie_at.is_none()
        {
            // The first block that takes no entry while one is left claims the next one.
            let mut taken = 0usize;
            for (k, c) in counts.clone().iter().enumerate() {
                if *c == 0 && taken < pending.len() {
                    counts[k] = 1;
                    let rest = forced_counts(&blocks[k + 1..], &pending[taken + 1..]);
                    counts[k + 1..].copy_from_slice(&rest);
                    *lie_at = Some(k);
                    tracing::warn!(
                        k,
                        entry = pending[taken].index,
                        "dishonest proposer: claiming a forced entry the block does not carry"
                    );
                    break;
                }
                taken += *c as usize;
            }
        }
        for (b, c) in blocks.iter_mut().zip(counts) {
            b.forcedCount = c;
        }
        Ok(head)
    }

    /// Proposes a prefix of `blocks` in blobs (as many as fit [`blob_proposals::MAX_BLOBS`]
    /// blobs with every record small enough for a blob dispute); a first block whose
    /// record alone is too large goes alone in calldata. Returns the receipt, the number
    /// of blocks proposed, whether a lie is among them, and the data's kind.
    async fn propose_blobs(
        &mut self,
        mut blocks: Vec<OptimisticRollup::Block>,
        lie_at: Option<usize>,
        bond: U256,
        on: (B256, u64),
    ) -> Result<(alloy_rpc_types_eth::TransactionReceipt, u64, bool, &'static str), OptimisticError>
    {
        let fit = blob_proposals::blob_prefix(&blocks)?;
        if fit == 0 {
            blocks.truncate(1);
            tracing::warn!("block record too large for a blob dispute: proposed in calldata");
            let call = OptimisticRollup::proposeCall { blocks, parent: on.0, forcedFrom: on.1 };
            let r = self.l1.send(self.l1.rollup, call.abi_encode().into(), bond).await?;
            return Ok((r, 1, lie_at == Some(0), "calldata"));
        }
        blocks.truncate(fit);
        let mut lying = lie_at.is_some_and(|i| i < fit);
        let mismatch = match self.blob_mismatch && !self.lied {
            true => blocks.iter().position(|b| !b.transactions.is_empty()),
            false => None,
        };
        if let Some(i) = mismatch {
            lying = true;
            tracing::warn!(i, "dishonest proposer: a blob record that is not the claimed block");
        }
        let count = blocks.len() as u64;
        let (batch, call) = blob_proposals::encode_proposal(&blocks, mismatch, on)?;
        let blobs = batch.blobs.len();
        let r = blob_proposals::send_proposal(&self.l1, batch, call, bond).await?;
        tracing::info!(blobs, blob_gas = ?r.blob_gas_used, "proposed in blobs");
        Ok((r, count, lying, "blobs"))
    }
}
