//! One Ethereum execution chain on an embedded, crash-safe store.
//!
//! [`Chain`] owns the state (every trie node of every block: an archive), the canonical
//! block list, receipts and a transaction index, the pending transaction pool, and block
//! production. It does not know whether it is an L1 or an L2: the per-block EVM (extra
//! precompiles, header `extra_data`) comes from a [`BlockHooks`].
//!
//! The methods of [`Chain`] live with their concern: pool admission in [`pool`], block
//! production in `produce` (within a [`BlockBudget`] when the chain has one, see
//! [`budget`]), import and witnesses in `import`, simulated calls in `call`,
//! read queries in `query`, and every store write in [`store`].
#![warn(missing_docs)]

pub mod access_list;
pub mod blob_store;
pub mod blobs;
pub mod budget;
mod call;
mod error;
mod import;
mod labels;
pub mod notify;
pub mod pool;
mod produce;
mod query;
pub mod spec;
pub mod store;
pub mod trace;
pub mod tx;

use alloy_consensus::{Block, BlockBody, Header, TxEnvelope};
use alloy_eips::eip7594::BlobTransactionSidecarVariant;
use alloy_primitives::B256;
use nr_stateless::{
    block::ExecutedBlock, evm::BlockHooks, memory::MemoryChain, state::StateSource,
};
use parking_lot::{Mutex, RwLock};
use pool::TxPool;
use spec::ChainSpec;
use std::{path::Path, sync::Arc};

pub use budget::{BlockBudget, DropReason, OverBudget};
pub use call::{CallOutcome, CallRequest};
pub use error::{ChainError, TxError};
pub use import::Rewound;
pub use labels::BlockLabels;
pub use pool::PoolPolicy;
pub use produce::{BlockOptions, BlockSelection, Produced};
pub use query::{AccountProof, LogInfo, ReceiptInfo};
pub use store::{StoreError, StoreView};
pub use tx::{Eip1559Builder, unix_now};

/// One chain on an embedded store. All methods take `&self`; share it in an `Arc`.
///
/// Lock order: `produce`, then `pool`, then `head` / `policy` / `dropped`. The head and the pool
/// change together under the pool lock (see `Chain::store_block`).
#[derive(Debug)]
pub struct Chain {
    db: redb::Database,
    spec: ChainSpec,
    hooks: Arc<dyn BlockHooks>,
    head: RwLock<Header>,
    pool: Mutex<TxPool>,
    produce: Mutex<()>,
    policy: RwLock<PoolPolicy>,
    budget: RwLock<Option<Arc<dyn BlockBudget>>>,
    dropped: Mutex<budget::DropLog>,
    labels: RwLock<BlockLabels>,
    /// Blocks behind the head whose blob sidecars are kept (0: all).
    blob_retention: RwLock<u64>,
    /// Notified when a transaction enters the pool.
    pub tx_added: notify::Notify,
}

impl Chain {
    /// Opens the chain stored at `path`, or creates it from `spec`. An existing store keeps
    /// its own spec; asking for another chain id is an error.
    pub fn open(
        path: &Path,
        spec: ChainSpec,
        hooks: Arc<dyn BlockHooks>,
    ) -> Result<Self, ChainError> {
        Self::open_with(path, spec, |_| hooks)
    }

    /// [`Chain::open`] with hooks built from the spec in force (the stored one on restart),
    /// for hooks that depend on it (an L1's EXECUTE verifies under the stored schedule).
    pub fn open_with(
        path: &Path,
        spec: ChainSpec,
        hooks: impl FnOnce(&ChainSpec) -> Arc<dyn BlockHooks>,
    ) -> Result<Self, ChainError> {
        let db = redb::Database::create(path)?;
        let spec = match store::create_tables(&db)? {
            Some(bytes) => {
                let stored: ChainSpec = serde_json::from_slice(&bytes).map_err(StoreError::Spec)?;
                if stored.chain_id != spec.chain_id {
                    return Err(ChainError::SpecMismatch {
                        stored: stored.chain_id,
                        given: spec.chain_id,
                    });
                }
                stored
            }
            None => {
                Self::init(&db, &spec)?;
                spec
            }
        };
        let head = store::read_head(&db)?;
        let hooks = hooks(&spec);
        let chain = Self {
            db,
            spec,
            hooks,
            head: RwLock::new(head),
            pool: Mutex::new(TxPool::default()),
            produce: Mutex::new(()),
            policy: RwLock::new(PoolPolicy::default()),
            budget: RwLock::new(None),
            dropped: Mutex::new(budget::DropLog::default()),
            labels: RwLock::new(BlockLabels::default()),
            blob_retention: RwLock::new(0),
            tx_added: Default::default(),
        };
        chain.reload_pool()?;
        Ok(chain)
    }

    /// Writes the genesis of `spec` into a fresh store.
    fn init(db: &redb::Database, spec: &ChainSpec) -> Result<(), ChainError> {
        let mut mem = MemoryChain::default();
        let alloc = spec.alloc();
        let root = mem.insert_alloc(alloc.iter())?;
        let header = spec.genesis_header(root);
        let block = Block {
            header,
            body: BlockBody {
                transactions: vec![],
                ommers: vec![],
                withdrawals: Some(Default::default()),
            },
        };
        let json = serde_json::to_vec(spec).map_err(StoreError::Spec)?;
        store::write_genesis(db, &mem, &block, &json)?;
        Ok(())
    }

    /// Writes an executed block (state nodes, codes, block data, the `sidecars` of its blob
    /// transactions in block order) in one transaction and makes it the head.
    fn store_block<S: StateSource + ?Sized>(
        &self,
        block: &Block<TxEnvelope>,
        hash: B256,
        executed: &ExecutedBlock<'_, S>,
        sidecars: &[BlobTransactionSidecarVariant],
    ) -> Result<(), ChainError> {
        let mut nodes = std::collections::HashMap::new();
        executed.state.commit_into(&mut nodes);
        store::write_executed(
            &self.db,
            block,
            hash,
            &nodes,
            &executed.new_codes,
            &executed.receipts,
            (sidecars, self.blob_retention()),
        )?;
        // The head and the pool change together, under the pool lock: a transaction being
        // admitted reads the head's nonces with the pool locked.
        let mut pool = self.pool.lock();
        *self.head.write() = block.header.clone();
        for t in &block.body.transactions {
            pool.remove(t.tx_hash());
        }
        Ok(())
    }

    /// The chain's spec (as stored).
    pub fn spec(&self) -> &ChainSpec {
        &self.spec
    }

    /// The chain id.
    pub fn chain_id(&self) -> u64 {
        self.spec.chain_id
    }

    /// The current head header.
    pub fn head(&self) -> Header {
        self.head.read().clone()
    }

    /// The block hooks.
    pub fn hooks(&self) -> &Arc<dyn BlockHooks> {
        &self.hooks
    }

    /// A state view for reading the state after block `header` (or executing its child).
    pub fn view(&self, header: &Header) -> Result<StoreView, ChainError> {
        Ok(StoreView::open(&self.db, header.number)?)
    }
}
