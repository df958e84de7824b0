//! One L2 block's record: its posted data fields (everything but the two claims), in
//! the byte layout the contract decodes (`sol/lib/BlobData.sol`).
//!
//! Record:
//!
//! | offset | bytes | field |
//! |---|---|---|
//! | 0 | 1 | encoding: 0 = stored, 1 = LZ (see [`super::lz`]) |
//! | 1 | 3 | body length once decoded, big-endian |
//! | 4 | … | the body, stored or compressed (to the record's end) |
//!
//! Body:
//!
//! | offset | bytes | field |
//! |---|---|---|
//! | 0 | 8 | timestamp, big-endian |
//! | 8 | 8 | anchorBlock, big-endian |
//! | 16 | 20 | feeRecipient |
//! | 36 | 32 | prevRandao |
//! | 68 | 1 | extraData length `e` (at most 255) |
//! | 69 | e | extraData |
//! | 69+e | … | transactions, each: 3-byte big-endian length, then its EIP-2718 bytes |

use super::{BlobDaError, lz};
use crate::optimistic::posted::data_hash;
use alloy_primitives::{Address, B256, Bytes, U256};
use nr_contracts::OptimisticRollup;

/// Stored (uncompressed) body.
pub const ENCODING_STORED: u8 = 0;
/// LZ-compressed body.
pub const ENCODING_LZ: u8 = 1;
/// Bytes of the record header (encoding and body length).
pub const RECORD_HEADER: usize = 4;
/// Largest body (3-byte length).
pub const MAX_BODY: usize = (1 << 24) - 1;
/// Bytes of the body before the extra data.
const BODY_FIXED: usize = 69;

/// A block's data as a record carries it: a posted block without its claims.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordBlock {
    /// L2 timestamp.
    pub timestamp: u64,
    /// L1 anchor block number.
    pub anchor_block: u64,
    /// Fee recipient.
    pub fee_recipient: Address,
    /// prev_randao.
    pub prev_randao: B256,
    /// Extra data (at most 255 bytes).
    pub extra_data: Bytes,
    /// EIP-2718 transactions, in order.
    pub transactions: Vec<Bytes>,
}

impl RecordBlock {
    /// The record fields of posted block `b`; refuses an anchor above `u64` and extra data
    /// above 255 bytes.
    pub fn from_posted(b: &OptimisticRollup::Block) -> Result<Self, BlobDaError> {
        let anchor_block = u64::try_from(b.anchorBlock)
            .map_err(|_| BlobDaError::AnchorTooLarge { anchor: b.anchorBlock })?;
        if b.extraData.len() > 255 {
            return Err(BlobDaError::ExtraDataTooLong { len: b.extraData.len() });
        }
        Ok(Self {
            timestamp: b.timestamp,
            anchor_block,
            fee_recipient: b.feeRecipient,
            prev_randao: b.prevRandao,
            extra_data: b.extraData.clone(),
            transactions: b.transactions.clone(),
        })
    }

    /// The posted block with claims `block_hash` and `state_root`.
    pub fn into_posted(self, block_hash: B256, state_root: B256) -> OptimisticRollup::Block {
        OptimisticRollup::Block {
            timestamp: self.timestamp,
            feeRecipient: self.fee_recipient,
            prevRandao: self.prev_randao,
            extraData: self.extra_data,
            anchorBlock: U256::from(self.anchor_block),
            transactions: self.transactions,
            blockHash: block_hash,
            stateRoot: state_root,
            forcedCount: 0,
        }
    }

    /// Its `dataHash` (`OptimisticRollup.dataHashOf` of the posted block).
    pub fn data_hash(&self) -> B256 {
        data_hash(&self.clone().into_posted(B256::ZERO, B256::ZERO))
    }

    /// The uncompressed body.
    pub fn body(&self) -> Result<Vec<u8>, BlobDaError> {
        let txs: usize = self.transactions.iter().map(|t| t.len() + 3).sum();
        let mut out = Vec::with_capacity(BODY_FIXED + self.extra_data.len() + txs);
        out.extend_from_slice(&self.timestamp.to_be_bytes());
        out.extend_from_slice(&self.anchor_block.to_be_bytes());
        out.extend_from_slice(self.fee_recipient.as_slice());
        out.extend_from_slice(self.prev_randao.as_slice());
        out.push(self.extra_data.len() as u8);
        out.extend_from_slice(&self.extra_data);
        for t in &self.transactions {
            if t.len() > MAX_BODY {
                return Err(BlobDaError::RecordTooLarge { len: t.len() });
            }
            out.extend_from_slice(&(t.len() as u32).to_be_bytes()[1..]);
            out.extend_from_slice(t);
        }
        if out.len() > MAX_BODY {
            return Err(BlobDaError::RecordTooLarge { len: out.len() });
        }
        Ok(out)
    }

    /// The record: the body LZ-compressed, or stored when that is not smaller.
    pub fn encode(&self) -> Result<Vec<u8>, BlobDaError> {
        let body = self.body()?;
        let packed = lz::compress(&body);
        let (encoding, content) = if packed.len() < body.len() {
            (ENCODING_LZ, packed)
        } else {
            (ENCODING_STORED, body.clone())
        };
        let mut out = Vec::with_capacity(RECORD_HEADER + content.len());
        out.push(encoding);
        out.extend_from_slice(&(body.len() as u32).to_be_bytes()[1..]);
        out.extend_from_slice(&content);
        Ok(out)
    }
}

/// Decodes one record (exactly its bytes): refuses an unknown encoding, a truncated or
/// corrupt body, and a body whose fields do not end exactly at its end.
pub fn decode_record(record: &[u8]) -> Result<RecordBlock, BlobDaError> {
    if record.len() < RECORD_HEADER {
        return Err(BlobDaError::Truncated { at: record.len() });
    }
    let len = u32::from_be_bytes([0, record[1], record[2], record[3]]) as usize;
    let content = &record[RECORD_HEADER..];
    let body = match record[0] {
        ENCODING_STORED if content.len() == len => content.to_vec(),
        ENCODING_STORED => {
            return Err(BlobDaError::LengthMismatch { got: content.len(), declared: len });
        }
        ENCODING_LZ => lz::decompress(content, len)?,
        other => return Err(BlobDaError::UnknownEncoding { encoding: other }),
    };
    parse_body(&body)
}

fn parse_body(body: &[u8]) -> Result<RecordBlock, BlobDaError> {
    if body.len() < BODY_FIXED {
        return Err(BlobDaError::Truncated { at: body.len() });
    }
    let e = body[68] as usize;
    let mut at = BODY_FIXED + e;
    if body.len() < at {
        return Err(BlobDaError::Truncated { at: body.len() });
    }
    let mut transactions = Vec::new();
    while at < body.len() {
        let head = body.get(at..at + 3).ok_or(BlobDaError::Truncated { at: body.len() })?;
        let len = u32::from_be_bytes([0, head[0], head[1], head[2]]) as usize;
        at += 3;
        let tx = body.get(at..at + len).ok_or(BlobDaError::Truncated { at: body.len() })?;
        transactions.push(Bytes::copy_from_slice(tx));
        at += len;
    }
    let word =
        |r: std::ops::Range<usize>| u64::from_be_bytes(body[r].try_into().unwrap_or_default());
    Ok(RecordBlock {
        timestamp: word(0..8),
        anchor_block: word(8..16),
        fee_recipient: Address::from_slice(&body[16..36]),
        prev_randao: B256::from_slice(&body[36..68]),
        extra_data: Bytes::copy_from_slice(&body[BODY_FIXED..BODY_FIXED + e]),
        transactions,
    })
}
