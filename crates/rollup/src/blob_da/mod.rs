//! L2 block data in EIP-4844 blobs (optimistic mode, `proposeBlobs`).
//!
//! A batch of posted blocks becomes one **payload**: one [`record`] per block, in order,
//! concatenated; `ends[i]` is the payload offset where block `i`'s record ends (the first
//! starts at 0). The payload is packed 31 bytes per 32-byte field element (byte 0 of each
//! is zero), 4,096 field elements per blob, over consecutive blobs of one transaction, the
//! last zero-padded ([`blobs`]). Each record is decodable alone, so a dispute over one
//! block needs only the blobs its record spans. Records are LZ-compressed ([`lz`]) because
//! the contract must decode them (`proveBlobData`) to bind the blob to the block's
//! `dataHash`. See docs/contracts.md, "Blob data and blob equivalence".

pub mod blobs;
pub mod lz;
pub mod record;

pub use alloy_eips::eip4844::Blob;
pub use blobs::{
    BlobOpening, PAYLOAD_BYTES_PER_BLOB, challenge_point, opening, pack, sidecar, unpack,
    versioned_hash,
};
pub use record::{RecordBlock, decode_record};

use alloy_primitives::{B256, U256};
use nr_contracts::OptimisticRollup;

/// Why blob data could not be encoded or decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BlobDaError {
    /// The input ends before a field or sequence does.
    #[error("record truncated at byte {at}")]
    Truncated {
        /// Length of what was read.
        at: usize,
    },
    /// An LZ match points before the start of the output (or has offset 0).
    #[error("LZ match offset {offset} at output byte {at}")]
    BadOffset {
        /// The offset.
        offset: usize,
        /// Output length when it was read.
        at: usize,
    },
    /// The body decodes to more bytes than its header declares.
    #[error("record body longer than its declared {declared} bytes")]
    TooLong {
        /// Declared body length.
        declared: usize,
    },
    /// The body decodes to a length other than its header's.
    #[error("record body of {got} bytes, {declared} declared")]
    LengthMismatch {
        /// Decoded length.
        got: usize,
        /// Declared length.
        declared: usize,
    },
    /// The record's encoding byte is neither 0 (stored) nor 1 (LZ).
    #[error("unknown record encoding {encoding}")]
    UnknownEncoding {
        /// The byte.
        encoding: u8,
    },
    /// A body or transaction longer than a 3-byte length.
    #[error("record or transaction of {len} bytes is over 2^24 - 1")]
    RecordTooLarge {
        /// Its length.
        len: usize,
    },
    /// Extra data longer than 255 bytes.
    #[error("extra data of {len} bytes (at most 255)")]
    ExtraDataTooLong {
        /// Its length.
        len: usize,
    },
    /// An anchor block number above `u64`.
    #[error("anchor block {anchor} does not fit 64 bits")]
    AnchorTooLarge {
        /// The anchor.
        anchor: U256,
    },
    /// A batch without blocks.
    #[error("no blocks to encode")]
    NoBlocks,
    /// `ends` not strictly increasing, or past the blobs.
    #[error("record range {start}..{end} is not a valid range of the payload")]
    BadRange {
        /// Start offset.
        start: usize,
        /// End offset.
        end: usize,
    },
    /// A record needs blob `index` and it was not given.
    #[error("blob {index} of the transaction is needed and missing")]
    MissingBlob {
        /// Blob index in the transaction.
        index: usize,
    },
    /// Block index past the batch.
    #[error("block {index} is not in a batch of {len} blocks")]
    NoSuchBlock {
        /// Requested index.
        index: usize,
        /// Blocks in the batch.
        len: usize,
    },
    /// A record decodes, but not to the block its `BlobBlock` claims: its `dataHash`,
    /// timestamp or anchor block differs (the contract cannot defend such a block, so a
    /// follower must not derive it and a watchtower must challenge it).
    #[error("record of block {index} of the batch does not hold its claimed {field}")]
    ClaimMismatch {
        /// Block index in the batch.
        index: usize,
        /// Which claimed field differs: `dataHash`, `timestamp` or `anchorBlock`.
        field: &'static str,
    },
    /// Block `index`'s record is over one blob's payload, the longest record
    /// `proveBlobData` can carry under the per-transaction gas cap (`proposeBlobs`
    /// refuses it: `RecordTooLong`).
    #[error("record of block {index} is {len} bytes, over one blob's payload (126,976)")]
    RecordTooLong {
        /// Block index in the batch.
        index: usize,
        /// Record length.
        len: usize,
    },
    /// A KZG computation failed (c-kzg's message).
    #[error("KZG: {0}")]
    Kzg(String),
}

/// A batch of blocks encoded for blobs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlobBatch {
    /// The payload: the records, concatenated.
    pub payload: Vec<u8>,
    /// Where each block's record ends in the payload (`BlobBlock.end`).
    pub ends: Vec<u32>,
    /// The payload packed into blobs.
    pub blobs: Vec<Blob>,
}

impl BlobBatch {
    /// The `proposeBlobs` argument: each block's header fields, claimed `dataHash` and
    /// claims, and its record end.
    pub fn blob_blocks(
        &self,
        blocks: &[OptimisticRollup::Block],
    ) -> Vec<OptimisticRollup::BlobBlock> {
        blocks
            .iter()
            .zip(&self.ends)
            .map(|(b, end)| OptimisticRollup::BlobBlock {
                timestamp: b.timestamp,
                anchorBlock: b.anchorBlock,
                dataHash: crate::optimistic::posted::data_hash(b),
                blockHash: b.blockHash,
                stateRoot: b.stateRoot,
                end: *end,
                forcedCount: b.forcedCount,
            })
            .collect()
    }

    /// Payload byte range of block `index`'s record.
    pub fn record_range(&self, index: usize) -> Result<(usize, usize), BlobDaError> {
        record_range(&self.ends, index)
    }

    /// The openings `proveBlobData` needs for block `index`: one per blob its record
    /// spans, and the index of the first of them in the transaction.
    pub fn openings(&self, index: usize) -> Result<(usize, Vec<BlobOpening>), BlobDaError> {
        openings_for(&self.blobs, &self.ends, index)
    }
}

/// Encodes posted `blocks` as one payload of records packed into blobs; refuses a record
/// over one blob's payload (the contract would refuse the proposal).
pub fn encode_batch(blocks: &[OptimisticRollup::Block]) -> Result<BlobBatch, BlobDaError> {
    if blocks.is_empty() {
        return Err(BlobDaError::NoBlocks);
    }
    let mut payload = Vec::new();
    let mut ends = Vec::with_capacity(blocks.len());
    for (index, b) in blocks.iter().enumerate() {
        let record = RecordBlock::from_posted(b)?.encode()?;
        if record.len() > PAYLOAD_BYTES_PER_BLOB {
            return Err(BlobDaError::RecordTooLong { index, len: record.len() });
        }
        payload.extend_from_slice(&record);
        let end = u32::try_from(payload.len())
            .map_err(|_| BlobDaError::RecordTooLarge { len: payload.len() })?;
        ends.push(end);
    }
    let blobs = pack(&payload);
    Ok(BlobBatch { payload, ends, blobs })
}

/// Payload range `(start, end)` of block `index`'s record given a batch's `ends`.
pub fn record_range(ends: &[u32], index: usize) -> Result<(usize, usize), BlobDaError> {
    let end = *ends.get(index).ok_or(BlobDaError::NoSuchBlock { index, len: ends.len() })? as usize;
    let start = if index == 0 { 0 } else { ends[index - 1] as usize };
    if end <= start {
        return Err(BlobDaError::BadRange { start, end });
    }
    Ok((start, end))
}

/// Blob indices `first..=last` that the record `start..end` spans.
pub fn record_blobs(start: usize, end: usize) -> (usize, usize) {
    (blobs::locate(start).0, blobs::locate(end.saturating_sub(1).max(start)).0)
}

/// Decodes block `index`'s record from the transaction's `blobs` (all of them, in order).
pub fn decode_block(
    blobs: &[Blob],
    ends: &[u32],
    index: usize,
) -> Result<RecordBlock, BlobDaError> {
    let (start, end) = record_range(ends, index)?;
    decode_record(&blobs::extract(blobs, 0, start, end)?)
}

/// Decodes block `index`'s record as [`decode_block`] and checks it holds the block its
/// `BlobBlock` `claim` describes: the claimed `dataHash`, and the claimed timestamp and
/// anchor block (which the contract's cheap checks and commitment use, and which `defend`
/// requires of the posted block: docs/contracts.md, "A blob block's timestamp and anchor
/// are its record's").
pub fn decode_claimed_block(
    blobs: &[Blob],
    ends: &[u32],
    index: usize,
    claim: &OptimisticRollup::BlobBlock,
) -> Result<RecordBlock, BlobDaError> {
    let record = decode_block(blobs, ends, index)?;
    let field = if record.data_hash() != claim.dataHash {
        "dataHash"
    } else if record.timestamp != claim.timestamp {
        "timestamp"
    } else if U256::from(record.anchor_block) != claim.anchorBlock {
        "anchorBlock"
    } else {
        return Ok(record);
    };
    Err(BlobDaError::ClaimMismatch { index, field })
}

/// Decodes every record of a batch from its transaction's `blobs` and its `ends`, as
/// posted blocks with the claims the proposal carried (`claims[i]` = (blockHash,
/// stateRoot) of block i).
pub fn decode_batch(
    blobs: &[Blob],
    ends: &[u32],
    claims: &[(B256, B256)],
) -> Result<Vec<OptimisticRollup::Block>, BlobDaError> {
    (0..ends.len())
        .map(|i| {
            let (hash, root) = claims.get(i).copied().unwrap_or_default();
            Ok(decode_block(blobs, ends, i)?.into_posted(hash, root))
        })
        .collect()
}

/// The openings `proveBlobData` needs for block `index` of a batch whose transaction
/// carried `blobs`: (index of the first blob used, one opening per blob of the record).
pub fn openings_for(
    blobs: &[Blob],
    ends: &[u32],
    index: usize,
) -> Result<(usize, Vec<BlobOpening>), BlobDaError> {
    let (start, end) = record_range(ends, index)?;
    let (first, last) = record_blobs(start, end);
    let used = blobs.get(first..=last).ok_or(BlobDaError::MissingBlob { index: last })?;
    Ok((first, used.iter().map(opening).collect::<Result<_, _>>()?))
}

#[cfg(test)]
mod tests;
