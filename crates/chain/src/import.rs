//! Import of blocks produced elsewhere, and re-execution of stored blocks for witnesses.

use crate::{Chain, ChainError};
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
        self.store_block(block, hash, &executed)?;
        Ok(hash)
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
