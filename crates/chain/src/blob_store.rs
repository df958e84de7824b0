//! Blob sidecars next to their blocks: written in the block's own write transaction,
//! removed with it on a rewind, pruned past the retention window (a low-water mark in
//! `META` remembers how far), and read back in block order for the beacon API.

use crate::{Chain, ChainError, StoreError, store};
use alloy_consensus::Transaction;
use alloy_eips::eip7594::BlobTransactionSidecarVariant;
use alloy_primitives::{B256, Bytes};
use redb::{ReadableDatabase, ReadableTable, TableDefinition};

/// Blob sidecars of a block by block hash: an RLP list of the RLP-encoded sidecars of its
/// blob transactions, in block order. Blocks without blobs have no entry.
pub(crate) const BLOB_SIDECARS: TableDefinition<&[u8], &[u8]> =
    TableDefinition::new("blob_sidecars");
/// `META` key of the pruning low-water mark (u64 BE): sidecars of canonical blocks below
/// this number have been deleted.
const PRUNED_BELOW: &str = "blobs_pruned_below";

/// Default blob retention of an L1 node, in blocks: 4,096 epochs of 32 slots (mainnet's
/// `MIN_EPOCHS_FOR_BLOB_SIDECARS_REQUESTS`, about 18 days at 12 s per block).
pub const DEFAULT_BLOB_RETENTION: u64 = 4_096 * 32;

/// The blobs of one block as the store has them.
#[derive(Debug, Clone)]
pub enum BlockBlobs {
    /// The sidecars of the block's blob transactions, in block order (empty: a block
    /// without blobs).
    Available(Vec<BlobTransactionSidecarVariant>),
    /// The block had blobs, but they were pruned.
    Pruned {
        /// The block's number.
        number: u64,
        /// Sidecars of blocks below this number are pruned.
        below: u64,
        /// The retention in force (blocks kept behind the head; 0 = all).
        retention: u64,
    },
    /// The block has blob transactions whose sidecars were never stored (imported from
    /// elsewhere without them).
    Missing {
        /// The block's number.
        number: u64,
    },
}

/// Writes block `hash` (number `number`)'s `sidecars` and prunes sidecars of canonical
/// blocks below `number - retention` (`retention` 0: none), inside the block's write
/// transaction `tx` (the canonical entry of `number` is already written).
pub(crate) fn write_in(
    tx: &redb::WriteTransaction,
    hash: B256,
    number: u64,
    sidecars: &[BlobTransactionSidecarVariant],
    retention: u64,
) -> Result<(), StoreError> {
    let mut table = tx.open_table(BLOB_SIDECARS)?;
    if !sidecars.is_empty() {
        let encoded: Vec<Bytes> = sidecars.iter().map(|s| alloy_rlp::encode(s).into()).collect();
        table.insert(hash.as_slice(), alloy_rlp::encode(&encoded).as_slice())?;
    }
    if retention == 0 || number <= retention {
        return Ok(());
    }
    let below = number - retention;
    let mut meta = tx.open_table(store::META)?;
    let old = meta.get(PRUNED_BELOW)?.map_or(0, |v| be_u64(v.value()));
    if below <= old {
        return Ok(());
    }
    let canonical = tx.open_table(store::CANONICAL)?;
    for n in old..below {
        let h = canonical.get(n)?.map(|v| v.value().to_vec());
        if let Some(h) = h {
            table.remove(h.as_slice())?;
        }
    }
    meta.insert(PRUNED_BELOW, below.to_be_bytes().as_slice())?;
    Ok(())
}

/// Removes the sidecars of `hashes` (blocks leaving the canonical chain) inside `tx`.
pub(crate) fn remove_in(tx: &redb::WriteTransaction, hashes: &[B256]) -> Result<(), StoreError> {
    let mut table = tx.open_table(BLOB_SIDECARS)?;
    for h in hashes {
        table.remove(h.as_slice())?;
    }
    Ok(())
}

fn be_u64(v: &[u8]) -> u64 {
    v.try_into().map(u64::from_be_bytes).unwrap_or_default()
}

/// The stored sidecars of block `hash` (`None`: no entry).
fn read(
    db: &redb::Database,
    hash: &B256,
) -> Result<(Option<Vec<BlobTransactionSidecarVariant>>, u64), StoreError> {
    let tx = db.begin_read()?;
    let below = tx.open_table(store::META)?.get(PRUNED_BELOW)?.map_or(0, |v| be_u64(v.value()));
    let table = tx.open_table(BLOB_SIDECARS)?;
    let Some(v) = table.get(hash.as_slice())? else { return Ok((None, below)) };
    let list: Vec<Bytes> = store::decode_stored(v.value(), "blob sidecars")?;
    let sidecars = list
        .iter()
        .map(|b| store::decode_stored(b, "blob sidecar"))
        .collect::<Result<Vec<_>, _>>()?;
    Ok((Some(sidecars), below))
}

impl Chain {
    /// Keeps blob sidecars of the last `blocks` blocks behind the head (0: all, the
    /// default); older ones are pruned as blocks are stored.
    pub fn set_blob_retention(&self, blocks: u64) {
        *self.blob_retention.write() = blocks;
    }

    /// The blob retention in force (0: all kept).
    pub fn blob_retention(&self) -> u64 {
        *self.blob_retention.read()
    }

    /// The blob sidecars of block `hash`, in block order ([`BlockBlobs`]); unknown block:
    /// [`ChainError::UnknownBlock`].
    pub fn blob_sidecars(&self, hash: &B256) -> Result<BlockBlobs, ChainError> {
        let block = self.block(hash)?.ok_or(ChainError::UnknownBlock(*hash))?;
        let number = block.header.number;
        let has_blobs = block.body.transactions.iter().any(|t| t.blob_versioned_hashes().is_some());
        let (stored, below) = read(&self.db, hash)?;
        Ok(match stored {
            Some(s) => BlockBlobs::Available(s),
            None if !has_blobs => BlockBlobs::Available(vec![]),
            None if number < below => {
                BlockBlobs::Pruned { number, below, retention: self.blob_retention() }
            }
            None => BlockBlobs::Missing { number },
        })
    }
}
