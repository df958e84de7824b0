//! Import of blocks produced elsewhere, and re-execution of stored blocks for witnesses.

use crate::{Chain, ChainError, TxError, blob_store::BlockBlobs, blobs, store};
use alloy_consensus::Transaction;
use alloy_consensus::{Block, Header, TxEnvelope};
use alloy_primitives::B256;
use nr_stateless::{
    BlockError, block::execute_block_with, ssz::ExecutionWitness, state::RecordingSource,
    stateless::build_witness,
};

impl Chain {
    /// Validates a block produced elsewhere (a follower re-deriving a chain) on the head's
    /// state and stores it as the new head. Every header commitment is checked; on error
    /// nothing is stored.
    pub fn import_block(&self, block: &Block<TxEnvelope>) -> Result<B256, ChainError> {
        let _guard = self.produce.lock();
        self.import_locked(block)
    }

    /// [`Chain::import_block`] with the production lock held by the caller.
    fn import_locked(&self, block: &Block<TxEnvelope>) -> Result<B256, ChainError> {
        let parent = self.head();
        if block.header.parent_hash != parent.hash_slow() {
            return Err(ChainError::Block(BlockError::UnknownParent(block.header.parent_hash)));
        }
        let view = self.view(&parent)?;
        let hooks = self.hooks.block_evm(&parent, &block.header);
        let executed = execute_block_with(
            block,
            &parent,
            &self.spec.schedule,
            self.spec.chain_id,
            &view,
            &hooks.factory,
        )?;
        let hash = block.header.hash_slow();
        self.store_block(block, hash, &executed, &[])?;
        Ok(hash)
    }

    /// Makes canonical block `number` the head: the blocks above it leave the canonical
    /// chain (their transactions are no longer found by hash) and their transactions go
    /// back to the pool, where those still valid on the new head stay. Refused below the
    /// `finalized` block. Nothing happens if `number` is not below the head.
    pub fn rewind_to(&self, number: u64) -> Result<Rewound, ChainError> {
        self.reorg(number, &[])
    }

    /// Rewinds to canonical block `number` ([`Chain::rewind_to`]), then imports `blocks`
    /// on it ([`Chain::import_block`]), all under the production lock, so no block is
    /// produced in between; the removed transactions go back to the pool after the
    /// imports (those the imported blocks include are not pending any more). If an import
    /// fails, the chain stays on the blocks imported so far and the error is returned,
    /// after the removed transactions went back to the pool.
    pub fn reorg(&self, number: u64, blocks: &[Block<TxEnvelope>]) -> Result<Rewound, ChainError> {
        let guard = self.produce.lock();
        let head = self.head();
        let mut removed = vec![];
        let mut removed_hashes = vec![];
        let mut removed_blocks = 0;
        if number < head.number {
            if let Some(finalized) = self.labels().finalized
                && number < finalized
            {
                return Err(ChainError::RewindBelowFinalized { to: number, finalized });
            }
            let keep_hash =
                self.hash_by_number(number)?.ok_or(ChainError::UnknownNumber(number))?;
            let keep = self.header(&keep_hash)?.ok_or(ChainError::UnknownBlock(keep_hash))?;
            for n in number + 1..=head.number {
                let hash = self.hash_by_number(n)?.ok_or(ChainError::UnknownNumber(n))?;
                let block = self.block(&hash)?.ok_or(ChainError::UnknownBlock(hash))?;
                // Blob transactions go back to the pool in their network form.
                let mut sidecars = match self.blob_sidecars(&hash)? {
                    BlockBlobs::Available(s) => s.into_iter(),
                    _ => Vec::new().into_iter(),
                };
                for t in block.body.transactions {
                    let full = match t.blob_versioned_hashes() {
                        Some(_) => sidecars.next().and_then(|s| blobs::with_sidecar(&t, s)),
                        None => None,
                    };
                    removed.push(full.unwrap_or(t));
                }
                removed_hashes.push(hash);
            }
            store::rewind(&self.db, (number, keep_hash), head.number, &removed, &removed_hashes)?;
            // The head and the pool change together, under the pool lock.
            let _pool = self.pool.lock();
            *self.head.write() = keep;
            removed_blocks = head.number - number;
        }
        let mut imported = 0;
        let mut failed = None;
        for b in blocks {
            match self.import_locked(b) {
                Ok(_) => imported += 1,
                Err(e) => {
                    failed = Some(e);
                    break;
                }
            }
        }
        drop(guard);
        let mut rewound = Rewound { removed_blocks, imported, ..Default::default() };
        let mut gone = vec![];
        for t in removed {
            let hash = *t.tx_hash();
            if self.pending_tx(&hash).is_some() {
                continue;
            }
            match self.add_transaction(t) {
                Ok(_) => rewound.requeued.push(hash),
                Err(e) => {
                    gone.push(hash);
                    rewound.dropped.push((hash, e));
                }
            }
        }
        if !gone.is_empty() {
            store::remove_pool_txs(&self.db, &gone)?;
        }
        match failed {
            Some(e) => Err(e),
            None => Ok(rewound),
        }
    }

    /// Re-executes block `hash` on its parent state, validating every header commitment,
    /// and returns the execution witness (trie nodes, codes, ancestor headers).
    pub fn witness(&self, hash: &B256) -> Result<ExecutionWitness, ChainError> {
        let block = self.block(hash)?.ok_or_else(|| ChainError::UnknownBlock(*hash))?;
        let parent = self
            .header(&block.header.parent_hash)?
            .ok_or_else(|| ChainError::UnknownParent(*hash))?;
        self.block_witness(&block, &parent)
    }

    /// [`Chain::witness`] of a complete block on the stored `parent`, stored or not (the
    /// block producer measures a block before storing it).
    pub(crate) fn block_witness(
        &self,
        block: &Block<TxEnvelope>,
        parent: &Header,
    ) -> Result<ExecutionWitness, ChainError> {
        let view = self.view(parent)?;
        let recorder = RecordingSource::new(&view);
        let hooks = self.hooks.block_evm(parent, &block.header);
        execute_block_with(
            block,
            parent,
            &self.spec.schedule,
            self.spec.chain_id,
            &recorder,
            &hooks.factory,
        )?;
        if let Some(extra) = (hooks.extra_data)()
            && extra != block.header.extra_data
        {
            return Err(ChainError::Block(BlockError::ExtraData {
                header: block.header.extra_data.clone(),
                executed: extra,
            }));
        }
        let recorded = recorder.into_recorded();
        let witness = build_witness(recorded, parent, |n| self.header_by_number(n).ok().flatten())
            .map_err(ChainError::Witness)?;
        Ok(witness)
    }
}

/// What [`Chain::reorg`] (or [`Chain::rewind_to`]) did.
#[derive(Debug, Default)]
pub struct Rewound {
    /// Blocks removed from the canonical chain.
    pub removed_blocks: u64,
    /// Blocks imported after the rewind.
    pub imported: usize,
    /// Transactions of the removed blocks back in the pool.
    pub requeued: Vec<B256>,
    /// Transactions of the removed blocks not valid on the new head (already included by
    /// the imported blocks, or replaced), with why.
    pub dropped: Vec<(B256, TxError)>,
}
