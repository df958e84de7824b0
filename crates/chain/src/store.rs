//! The embedded store (redb): tables, encodings, and a [`StateSource`] over one snapshot.
//!
//! Every block is written in one redb write transaction (state nodes, codes, header, block,
//! receipts, canonical index, transaction index, head pointer, pool removals), committed
//! with immediate durability: after a crash the store holds either the whole block or
//! none of it, and the head always points at a block whose state is complete.

use alloy_consensus::{Block, Header, ReceiptEnvelope, TxEnvelope};
use alloy_eips::{Encodable2718, eip2718::Eip2718Error, eip7594::BlobTransactionSidecarVariant};
use alloy_primitives::{B256, Bytes};
use alloy_rlp::Decodable;
use nr_stateless::{memory::MemoryChain, state::StateSource};
use redb::{ReadOnlyTable, ReadableDatabase, ReadableTable, TableDefinition};
use std::collections::HashMap;

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
    /// A redb failure not covered by a more specific variant.
    #[error("store: {0}")]
    Db(#[from] redb::Error),
    /// The database file could not be opened or created.
    #[error("store: {0}")]
    Open(#[from] redb::DatabaseError),
    /// A read or write transaction could not be started.
    #[error("store: {0}")]
    Transaction(#[from] redb::TransactionError),
    /// A table could not be opened.
    #[error("store: {0}")]
    Table(#[from] redb::TableError),
    /// Reading or writing stored data failed.
    #[error("store: {0}")]
    Storage(#[from] redb::StorageError),
    /// A write transaction could not be committed.
    #[error("store: {0}")]
    Commit(#[from] redb::CommitError),
    /// A value that must be stored is absent.
    #[error("store: corrupt {what}: missing")]
    Missing {
        /// What was being read.
        what: &'static str,
    },
    /// A stored value does not decode as RLP.
    #[error("store: corrupt {what}: {source}")]
    Decode {
        /// What was being read.
        what: &'static str,
        /// The decoding error.
        source: alloy_rlp::Error,
    },
    /// A stored receipt is not valid EIP-2718 bytes.
    #[error("store: corrupt receipt: {0}")]
    Receipt(#[source] Eip2718Error),
    /// The stored chain spec does not read (or the new one does not write) as JSON.
    #[error("store: corrupt spec: {0}")]
    Spec(#[source] serde_json::Error),
}

/// Creates every table (a fresh store) and returns the stored spec (JSON), if any.
pub(crate) fn create_tables(db: &redb::Database) -> Result<Option<Vec<u8>>, StoreError> {
    let tx = db.begin_write()?;
    for t in [NODES, CODES, HEADERS, BLOCKS, RECEIPTS, TX_INDEX, POOL] {
        tx.open_table(t)?;
    }
    tx.open_table(CANONICAL)?;
    tx.open_table(crate::blob_store::BLOB_SIDECARS)?;
    let meta = tx.open_table(META)?;
    let spec = meta.get("spec")?.map(|v| v.value().to_vec());
    drop(meta);
    tx.commit()?;
    Ok(spec)
}

/// The header the head pointer names.
pub(crate) fn read_head(db: &redb::Database) -> Result<Header, StoreError> {
    let tx = db.begin_read()?;
    let meta = tx.open_table(META)?;
    let hash = meta.get("head")?.ok_or(StoreError::Missing { what: "head" })?.value().to_vec();
    let headers = tx.open_table(HEADERS)?;
    let rlp = headers
        .get(hash.as_slice())?
        .ok_or(StoreError::Missing { what: "head header" })?
        .value()
        .to_vec();
    decode_stored(&rlp, "head header")
}

/// Decodes a stored RLP value; `what` names it in the error.
pub(crate) fn decode_stored<T: Decodable>(
    mut rlp: &[u8],
    what: &'static str,
) -> Result<T, StoreError> {
    T::decode(&mut rlp).map_err(|source| StoreError::Decode { what, source })
}

/// Writes the genesis: its state, its block as the head, and the spec (JSON), in one
/// transaction.
pub(crate) fn write_genesis(
    db: &redb::Database,
    state: &MemoryChain,
    block: &Block<TxEnvelope>,
    spec: &[u8],
) -> Result<(), StoreError> {
    let hash = block.header.hash_slow();
    let tx = db.begin_write()?;
    write_state(&tx, &state.nodes, &state.codes)?;
    write_block(&tx, block, hash, &[])?;
    tx.open_table(META)?.insert("spec", spec)?;
    tx.commit()?;
    Ok(())
}

/// Writes an executed block (its new state nodes and codes, block data, its blob
/// sidecars, pruning those past `blobs.1` blocks of retention) in one transaction and
/// makes it the head.
pub(crate) fn write_executed(
    db: &redb::Database,
    block: &Block<TxEnvelope>,
    hash: B256,
    nodes: &HashMap<B256, Bytes>,
    codes: &[(B256, Bytes)],
    receipts: &[ReceiptEnvelope],
    blobs: (&[BlobTransactionSidecarVariant], u64),
) -> Result<(), StoreError> {
    let tx = db.begin_write()?;
    write_state(&tx, nodes, codes.iter().map(|(h, c)| (h, c)))?;
    write_block(&tx, block, hash, receipts)?;
    crate::blob_store::write_in(&tx, hash, block.header.number, blobs.0, blobs.1)?;
    tx.commit()?;
    Ok(())
}

fn write_state<'a>(
    tx: &redb::WriteTransaction,
    nodes: impl IntoIterator<Item = (&'a B256, &'a Bytes)>,
    codes: impl IntoIterator<Item = (&'a B256, &'a Bytes)>,
) -> Result<(), StoreError> {
    let mut t = tx.open_table(NODES)?;
    for (h, n) in nodes {
        t.insert(h.as_slice(), n.as_ref())?;
    }
    let mut c = tx.open_table(CODES)?;
    for (h, code) in codes {
        c.insert(h.as_slice(), code.as_ref())?;
    }
    Ok(())
}

fn write_block(
    tx: &redb::WriteTransaction,
    block: &Block<TxEnvelope>,
    hash: B256,
    receipts: &[ReceiptEnvelope],
) -> Result<(), StoreError> {
    let mut headers = tx.open_table(HEADERS)?;
    headers.insert(hash.as_slice(), alloy_rlp::encode(&block.header).as_slice())?;
    let mut blocks = tx.open_table(BLOCKS)?;
    blocks.insert(hash.as_slice(), alloy_rlp::encode(block).as_slice())?;
    let encoded: Vec<Bytes> = receipts.iter().map(|r| r.encoded_2718().into()).collect();
    let mut rec = tx.open_table(RECEIPTS)?;
    rec.insert(hash.as_slice(), alloy_rlp::encode(&encoded).as_slice())?;
    let mut canonical = tx.open_table(CANONICAL)?;
    canonical.insert(block.header.number, hash.as_slice())?;
    let mut index = tx.open_table(TX_INDEX)?;
    let mut pool = tx.open_table(POOL)?;
    for (i, t) in block.body.transactions.iter().enumerate() {
        let mut loc = hash.to_vec();
        loc.extend_from_slice(&(i as u64).to_be_bytes());
        index.insert(t.tx_hash().as_slice(), loc.as_slice())?;
        pool.remove(t.tx_hash().as_slice())?;
    }
    let mut meta = tx.open_table(META)?;
    meta.insert("head", hash.as_slice())?;
    Ok(())
}

/// Makes block `keep` (number, hash) the head, in one transaction: the canonical entries
/// above it, the blob sidecars of `removed_blocks` (their hashes) and the transaction
/// index entries of `removed` (the transactions of the blocks above it, blob ones with
/// their sidecars) go, and those transactions are stored as pending, so that a crash
/// right after the rewind loses none of them. Block data, receipts and state stay (they
/// are keyed by hash, like an archive's side chains).
pub(crate) fn rewind(
    db: &redb::Database,
    keep: (u64, B256),
    old_head: u64,
    removed: &[TxEnvelope],
    removed_blocks: &[B256],
) -> Result<(), StoreError> {
    let tx = db.begin_write()?;
    crate::blob_store::remove_in(&tx, removed_blocks)?;
    {
        let mut canonical = tx.open_table(CANONICAL)?;
        for n in keep.0 + 1..=old_head {
            canonical.remove(n)?;
        }
        let mut index = tx.open_table(TX_INDEX)?;
        let mut pool = tx.open_table(POOL)?;
        for t in removed {
            index.remove(t.tx_hash().as_slice())?;
            pool.insert(t.tx_hash().as_slice(), t.encoded_2718().as_slice())?;
        }
        tx.open_table(META)?.insert("head", keep.1.as_slice())?;
    }
    tx.commit()?;
    Ok(())
}

/// The stored pending transactions (EIP-2718 bytes); unreadable entries are skipped.
pub(crate) fn read_pool(db: &redb::Database) -> Result<Vec<Vec<u8>>, StoreError> {
    let tx = db.begin_read()?;
    let pool = tx.open_table(POOL)?;
    let iter = pool.iter()?;
    Ok(iter.filter_map(|e| e.ok().map(|(_, v)| v.value().to_vec())).collect())
}

/// Stores pending transaction `hash` (EIP-2718 bytes `raw`), removing `replaced`.
pub(crate) fn write_pool_tx(
    db: &redb::Database,
    hash: B256,
    raw: &[u8],
    replaced: Option<B256>,
) -> Result<(), StoreError> {
    let wt = db.begin_write()?;
    {
        let mut t = wt.open_table(POOL)?;
        if let Some(old) = replaced {
            t.remove(old.as_slice())?;
        }
        t.insert(hash.as_slice(), raw)?;
    }
    wt.commit()?;
    Ok(())
}

/// Removes pending transactions from the store.
pub(crate) fn remove_pool_txs(db: &redb::Database, hashes: &[B256]) -> Result<(), StoreError> {
    let wt = db.begin_write()?;
    {
        let mut t = wt.open_table(POOL)?;
        for h in hashes {
            t.remove(h.as_slice())?;
        }
    }
    wt.commit()?;
    Ok(())
}

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
