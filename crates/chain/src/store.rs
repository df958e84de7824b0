//! The embedded store (redb): tables, encodings, and a [`StateSource`] over one snapshot.
//!
//! Every block is written in one redb write transaction (state nodes, codes, header, block,
//! receipts, canonical index, transaction index, head pointer, pool removals), committed
//! with immediate durability: after a crash the store holds either the whole block or
//! none of it, and the head always points at a block whose state is complete.

use alloy_primitives::{B256, Bytes};
use nr_stateless::state::StateSource;
use redb::{ReadOnlyTable, ReadableDatabase, TableDefinition};

/// Trie nodes by keccak hash.
pub(crate) const NODES: TableDefinition<&[u8], &[u8]> = TableDefinition::new("nodes");
/// Bytecodes by code hash.
pub(crate) const CODES: TableDefinition<&[u8], &[u8]> = TableDefinition::new("codes");
/// RLP headers by block hash.
pub(crate) const HEADERS: TableDefinition<&[u8], &[u8]> = TableDefinition::new("headers");
/// RLP blocks by block hash.
pub(crate) const BLOCKS: TableDefinition<&[u8], &[u8]> = TableDefinition::new("blocks");
/// RLP list of EIP-2718 receipts by block hash.
pub(crate) const RECEIPTS: TableDefinition<&[u8], &[u8]> = TableDefinition::new("receipts");
/// Canonical block hash by number.
pub(crate) const CANONICAL: TableDefinition<u64, &[u8]> = TableDefinition::new("canonical");
/// Transaction location (`block hash || index u64 BE`) by transaction hash.
pub(crate) const TX_INDEX: TableDefinition<&[u8], &[u8]> = TableDefinition::new("tx_index");
/// Pending transactions (EIP-2718 bytes) by hash.
pub(crate) const POOL: TableDefinition<&[u8], &[u8]> = TableDefinition::new("pool");
/// Chain metadata: `spec` (JSON) and `head` (block hash).
pub(crate) const META: TableDefinition<&str, &[u8]> = TableDefinition::new("meta");

/// Errors of the embedded store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database could not be opened, read or written.
    #[error("store: {0}")]
    Db(String),
    /// A stored value does not decode.
    #[error("store: corrupt {what}: {reason}")]
    Corrupt {
        /// What was being read.
        what: &'static str,
        /// Why it failed.
        reason: String,
    },
}

macro_rules! db_err {
    ($($t:ty),*) => {$(
        impl From<$t> for StoreError {
            fn from(e: $t) -> Self {
                StoreError::Db(e.to_string())
            }
        }
    )*};
}
db_err!(
    redb::Error,
    redb::DatabaseError,
    redb::TransactionError,
    redb::TableError,
    redb::StorageError,
    redb::CommitError
);

/// A read snapshot of state: nodes, codes and canonical hashes up to `tip`.
pub struct StoreView {
    nodes: ReadOnlyTable<&'static [u8], &'static [u8]>,
    codes: ReadOnlyTable<&'static [u8], &'static [u8]>,
    canonical: ReadOnlyTable<u64, &'static [u8]>,
    tip: u64,
}

impl std::fmt::Debug for StoreView {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoreView").field("tip", &self.tip).finish()
    }
}

impl StoreView {
    /// A snapshot for executing a child of block number `tip`.
    pub(crate) fn open(db: &redb::Database, tip: u64) -> Result<Self, StoreError> {
        let tx = db.begin_read()?;
        Ok(Self {
            nodes: tx.open_table(NODES)?,
            codes: tx.open_table(CODES)?,
            canonical: tx.open_table(CANONICAL)?,
            tip,
        })
    }
}

fn get(table: &ReadOnlyTable<&'static [u8], &'static [u8]>, key: &[u8]) -> Option<Bytes> {
    table.get(key).ok().flatten().map(|v| Bytes::copy_from_slice(v.value()))
}

impl StateSource for StoreView {
    fn code(&self, hash: &B256) -> Option<Bytes> {
        get(&self.codes, hash.as_slice())
    }
    fn block_hash(&self, number: u64) -> Option<B256> {
        if number > self.tip || self.tip - number >= 256 {
            return None;
        }
        let v = self.canonical.get(number).ok().flatten()?;
        (v.value().len() == 32).then(|| B256::from_slice(v.value()))
    }
}

impl nr_stateless::mpt::NodeSource for StoreView {
    fn node(&self, hash: &B256) -> Option<Bytes> {
        get(&self.nodes, hash.as_slice())
    }
}
