//! Block production: the head's child from pending transactions.

use crate::{Chain, ChainError, pool::nonce_in, store};
use alloy_consensus::{Block, BlockBody, EMPTY_OMMER_ROOT_HASH, Header, TxEnvelope};
use alloy_eips::eip1559::BaseFeeParams;
use alloy_primitives::{Address, B256, Bytes, keccak256};
use nr_stateless::{
    Fork,
    block::{BuiltBlock, Skipped, build_block},
};

/// What a block producer chooses for a new block.
#[derive(Debug, Clone, Default)]
pub struct BlockOptions {
    /// Timestamp (raised to parent + 1 if not above the parent's).
    pub timestamp: u64,
    /// `parent_beacon_block_root` (an L2's L1 anchor); default derived from the parent.
    pub parent_beacon_block_root: Option<B256>,
    /// Fee recipient; default the genesis coinbase.
    pub fee_recipient: Option<Address>,
}

/// A produced block and what was left out.
#[derive(Debug, Clone)]
pub struct Produced {
    /// The block.
    pub block: Block<TxEnvelope>,
    /// Its hash.
    pub hash: B256,
    /// Candidates not included, with reasons.
    pub skipped: Vec<(B256, String)>,
}

impl Chain {
    /// The most gas one transaction may use in the block with `header`: the block gas
    /// limit, and from Osaka EIP-7825's per-transaction cap.
    pub fn tx_gas_cap(&self, header: &Header) -> u64 {
        match self.spec.schedule.fork_at(header.timestamp) {
            f if f >= Fork::Osaka => {
                header.gas_limit.min(alloy_eips::eip7825::MAX_TX_GAS_LIMIT_OSAKA)
            }
            _ => header.gas_limit,
        }
    }

    /// The header template of the head's child at `timestamp` (no body commitments yet).
    pub fn child_template(&self, parent: &Header, timestamp: u64) -> Header {
        let fork = self.spec.schedule.fork_at(timestamp);
        let params = fork.blob_params();
        Header {
            parent_hash: parent.hash_slow(),
            ommers_hash: EMPTY_OMMER_ROOT_HASH,
            beneficiary: self.spec.genesis.coinbase,
            number: parent.number + 1,
            gas_limit: parent.gas_limit,
            timestamp,
            extra_data: parent.extra_data.clone(),
            mix_hash: keccak256([parent.mix_hash.as_slice(), b"randao"].concat()),
            base_fee_per_gas: parent.next_block_base_fee(BaseFeeParams::ethereum()),
            excess_blob_gas: params.map(|p| {
                p.next_block_excess_blob_gas_osaka(
                    parent.excess_blob_gas.unwrap_or(0),
                    parent.blob_gas_used.unwrap_or(0),
                    parent.base_fee_per_gas.unwrap_or(0),
                )
            }),
            parent_beacon_block_root: params
                .map(|_| keccak256([parent.hash_slow().as_slice(), b"beacon"].concat())),
            ..Default::default()
        }
    }

    /// Builds, executes and stores the head's child from pending transactions, at
    /// `timestamp` (raised to parent + 1 if needed). Atomic: on error nothing is stored.
    pub fn produce_block(&self, timestamp: u64) -> Result<Produced, ChainError> {
        self.produce_block_with(&BlockOptions { timestamp, ..Default::default() })
    }

    /// [`Chain::produce_block`] with the producer's choices (an L2 sequencer sets the L1
    /// anchor as `parent_beacon_block_root`).
    pub fn produce_block_with(&self, opts: &BlockOptions) -> Result<Produced, ChainError> {
        let _guard = self.produce.lock();
        let parent = self.head();
        let timestamp = opts.timestamp.max(parent.timestamp + 1);
        let mut header = self.child_template(&parent, timestamp);
        if let Some(root) = opts.parent_beacon_block_root
            && header.parent_beacon_block_root.is_some()
        {
            header.parent_beacon_block_root = Some(root);
        }
        if let Some(b) = opts.fee_recipient {
            header.beneficiary = b;
        }
        let base_fee = header.base_fee_per_gas.unwrap_or_default();
        let view = self.view(&parent)?;
        let candidates = {
            let pool = self.pool.lock();
            pool.candidates(base_fee, |a| nonce_in(parent.state_root, &view, a))
        };
        let hooks = self.hooks.block_evm(&parent, &header);
        header.extra_data = Bytes::new();
        let draft = Block {
            header,
            body: BlockBody {
                transactions: candidates.clone(),
                ommers: vec![],
                withdrawals: Some(Default::default()),
            },
        };
        let BuiltBlock { mut block, executed, skipped } = build_block(
            draft,
            parent.state_root,
            &self.spec.schedule,
            self.spec.chain_id,
            &view,
            &hooks.factory,
        )?;
        block.header.extra_data = (hooks.extra_data)().unwrap_or_else(|| parent.extra_data.clone());
        let hash = block.header.hash_slow();
        self.store_block(&block, hash, &executed)?;

        // Pool upkeep: drop included and now-stale transactions.
        let skipped: Vec<(B256, String)> = skipped
            .into_iter()
            .map(|Skipped { index, reason }| (*candidates[index].tx_hash(), reason))
            .collect();
        let mut pool = self.pool.lock();
        let new_view = self.view(&block.header)?;
        let mut stale = Vec::new();
        for sender in pool.senders() {
            let nonce = nonce_in(block.header.state_root, &new_view, &sender);
            stale.extend(pool.stale(&sender, nonce));
        }
        for h in &stale {
            pool.remove(h);
        }
        drop(pool);
        if !stale.is_empty() {
            store::remove_pool_txs(&self.db, &stale)?;
        }
        Ok(Produced { block, hash, skipped })
    }
}
