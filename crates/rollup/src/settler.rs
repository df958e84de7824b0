//! The settler: proves every L2 block to the L1 rollup contract, its backlog in batches
//! (`advanceBatch`, see [`crate::batching`]), or one block at a time with
//! `advanceWithDelivery` when an L1->L2 message is due (see [`crate::delivery`]).

use crate::{POLL, RollupError, SettlementStatus, l1::L1Client, reconcile::Reconciler};
use alloy_eips::eip7685::Requests;
use alloy_primitives::U256;
use alloy_sol_types::SolCall;
use nr_chain::Chain;
use nr_contracts::NativeRollup;
use nr_stateless::memory::MemoryChain;
use parking_lot::Mutex;
use std::sync::Arc;
use tokio_util::task::TaskTracker;

/// Settlement of an L2 node.
#[derive(Debug)]
pub struct Settler {
    /// The L2 chain.
    pub chain: Arc<Chain>,
    /// The L1, with the key that pays for `advance`.
    pub l1: L1Client,
    /// Progress, for logs and RPC.
    pub status: Arc<Mutex<SettlementStatus>>,
    /// Runs the witness building off the async runtime; the node's shutdown waits for it.
    pub blocking: TaskTracker,
    /// Brings the chain in line with the settled head before each round.
    pub reconciler: Reconciler,
    /// Rewind the chain to the settled head when the rollup refuses the next block for
    /// leaving out a due forced transaction, so the sequencer builds it again with it
    /// first (off only for the `--censor-forced` demonstration of the stall).
    pub rebuild_on_forced_due: bool,
    /// Most blocks per L1 transaction (0: as many as fit; see [`crate::batching`]).
    pub settle_batch: usize,
}

impl Settler {
    /// Runs until the process ends. Always starts from the head the contract holds, so a
    /// restart resumes exactly where settlement stopped and no block is settled twice.
    pub async fn run(self) {
        loop {
            let error = self.step().await.err().map(|e| e.to_string());
            if let Some(e) = &error {
                tracing::warn!("settler: {e}");
            }
            self.status.lock().last_error = error;
            tokio::time::sleep(POLL).await;
        }
    }

    fn update(&self, settled: u64) {
        let head = self.chain.head().number;
        let oldest = self.chain.header_by_number(settled + 1).ok().flatten();
        let mut s = self.status.lock();
        s.l2_head = head;
        s.settled = settled;
        s.lag_blocks = head.saturating_sub(settled);
        s.lag_seconds = oldest.map_or(0, |h| nr_chain::unix_now().saturating_sub(h.timestamp));
    }

    /// The `advance` call for L2 block `number`.
    pub async fn advance_call(
        &self,
        number: u64,
    ) -> Result<NativeRollup::advanceCall, RollupError> {
        let hash = self.chain.hash_by_number(number)?.ok_or(RollupError::NoL2Block(number))?;
        let block = self.chain.block(&hash)?.ok_or(RollupError::NoL2BlockHash(hash))?;
        let anchor_hash = block.header.parent_beacon_block_root.unwrap_or_default();
        // Re-execution for the witness and signer-key recovery for the input: CPU work, off
        // the async runtime.
        let chain = self.chain.clone();
        let input = self
            .blocking
            .spawn_blocking(move || -> Result<Vec<u8>, RollupError> {
                let witness = chain.witness(&hash)?;
                let spec = chain.spec();
                let input = MemoryChain::stateless_input(
                    &block,
                    witness,
                    &Requests::default(),
                    spec.chain_id,
                )?;
                Ok(input.to_wire())
            })
            .await??;
        let anchor = self.l1.number_of(anchor_hash).await?;
        Ok(NativeRollup::advanceCall { input: input.into(), anchorBlock: U256::from(anchor) })
    }

    /// Sends blocks `settled + 1..=head` (at most `limit`) one per transaction; while
    /// `due_soon`, each with `advanceWithDelivery` where its state proves more messages
    /// delivered than `delivered`.
    async fn send_one_by_one(
        &self,
        settled: u64,
        head: u64,
        limit: usize,
        due_soon: bool,
        mut delivered: U256,
    ) -> Result<Vec<crate::batching::SentBatch>, RollupError> {
        // The first block is estimated (a block the rollup would refuse is not sent, and the
        // reason is reported); the rest of the backlog follows in the same L1 block with
        // consecutive nonces and a gas limit from the EXECUTE rule, so settlement catches up
        // in one L1 block instead of one L1 block per L2 block.
        let mut sent = vec![];
        for (i, n) in (settled + 1..=head).take(limit).enumerate() {
            let call = self.advance_call(n).await?;
            // A message is due (or about to be): prove the prefix where it moved.
            let proving = match due_soon {
                true => crate::delivery::with_delivery(&self.chain, n, &call, delivered)?,
                false => None,
            };
            let input: alloy_primitives::Bytes = match &proving {
                Some((c, prefix)) => {
                    tracing::info!(l2_block = n, %prefix, "settler: proving delivered messages");
                    delivered = *prefix;
                    c.abi_encode().into()
                }
                None => call.abi_encode().into(),
            };
            if i == 0 {
                let r = match self.l1.send(self.l1.rollup, input, U256::ZERO).await {
                    Err(e) if self.rebuild_on_forced_due && crate::forced::is_forced_due(&e) => {
                        // No block can carry it: rebuilding would not help; it expires.
                        let l1 = &self.l1;
                        if let Some(expiry) =
                            crate::forced::head_entry_over_budget(l1, &self.chain).await?
                        {
                            tracing::warn!(expiry, "due forced transaction unsettleable");
                            return Err(e);
                        }
                        // Built before the entry was due (or before it was submitted): it
                        // can never settle. Rebuild from the settled head.
                        let r = self.chain.rewind_to(settled)?;
                        tracing::warn!(
                            settled,
                            removed = r.removed_blocks,
                            "a due forced transaction is missing: rebuilding the unsettled blocks"
                        );
                        return Err(e);
                    }
                    r => r?,
                };
                sent.push(crate::batching::SentBatch {
                    first: n,
                    last: n,
                    hash: r.transaction_hash,
                });
                continue;
            }
            // EXECUTE must be given the gas its rule requires before it does any work
            // (`required_gas`, at par: uncongested EXECUTE market), passed down under the
            // 63/64 rule; what it does not use is refunded.
            let si = nr_stateless::ssz::StatelessInput::from_wire(&call.input)?;
            let execute = nr_execute::precompile::required_gas(&si, call.input.len(), 1, 1);
            let proofs = if proving.is_some() { crate::delivery::PROOF_GAS } else { 0 };
            let gas =
                (21_000 + 16 * input.len() as u64 + execute + execute / 32 + 300_000 + proofs)
                    .min(alloy_eips::eip7825::MAX_TX_GAS_LIMIT_OSAKA);
            match self.l1.send_unchecked(self.l1.rollup, input, gas).await {
                Ok(hash) => sent.push(crate::batching::SentBatch { first: n, last: n, hash }),
                Err(e) => {
                    tracing::warn!("settler: sending block {n}: {e}");
                    break;
                }
            }
        }
        Ok(sent)
    }

    async fn step(&self) -> Result<(), RollupError> {
        let settled = self.reconciler.step().await?.settled;
        self.update(settled);
        let head = self.chain.head().number;
        if head <= settled {
            return Ok(());
        }
        // A forced-inbox head entry that cannot run on the settled state is pruned first;
        // while entries are pending, one block per round (each is checked against the
        // state it settles on).
        let forced_pending =
            match crate::forced::prune_invalid_head(&self.l1, &self.chain, settled + 1).await {
                Ok(p) => p,
                // `advance` decides; a refusal is reported as usual.
                Err(e) => {
                    tracing::warn!("settler: forced inbox: {e}");
                    true
                }
            };
        let (due_soon, delivered) = crate::delivery::delivery_due_soon(&self.l1).await?;
        // While a message is due (or about to be), one block per transaction: each proves
        // the prefix where it moved. Otherwise the backlog goes in batches.
        let sent = if forced_pending {
            self.send_one_by_one(settled, head, 1, due_soon, delivered).await?
        } else if due_soon {
            self.send_one_by_one(settled, head, MAX_BATCH, due_soon, delivered).await?
        } else {
            // With an explicit K, a short backlog waits a little for the batch to fill.
            let oldest = self.chain.header_by_number(settled + 1)?;
            let age = oldest.map_or(0, |h| nr_chain::unix_now().saturating_sub(h.timestamp));
            let wait = crate::batching::MAX_BATCH_WAIT_SECS;
            if crate::batching::wait_for_more(head - settled, self.settle_batch, age, wait) {
                return Ok(());
            }
            let window = MAX_BATCH.max(self.settle_batch);
            crate::batching::send_batches(self, settled + 1, head, window).await?
        };
        for crate::batching::SentBatch { first, last: n, hash } in sent {
            let r = self.l1.receipt(hash, 60).await?;
            if !r.status() {
                return Err(RollupError::AdvanceReverted { number: first, hash });
            }
            self.status.lock().last_l1_tx = Some(hash);
            self.update(n);
            tracing::info!(
                l2_block = n,
                blocks = n - first + 1,
                l1_block = r.block_number,
                gas = r.gas_used,
                lag_blocks = self.chain.head().number - n,
                lag_seconds = self
                    .chain
                    .header_by_number(n + 1)
                    .ok()
                    .flatten()
                    .map_or(0, |h| nr_chain::unix_now().saturating_sub(h.timestamp)),
                "settled"
            );
        }
        Ok(())
    }
}

/// Most `advance` transactions the settler sends per round.
pub const MAX_BATCH: usize = 32;
