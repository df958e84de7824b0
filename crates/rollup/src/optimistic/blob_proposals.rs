//! Blob batches on the node side (`--da blobs`; docs/l2.md, "Blob data"): what the
//! proposer sends (`proposeBlobs` claims over a payload of records in blobs), how a
//! watchtower or follower reads a blob batch back (blobs fetched from the L1's beacon API
//! by L1 block number, each checked against the transaction's versioned hashes, every
//! record decoded and checked against its claimed data hash), and the `proveBlobData`
//! call a defender sends before `defend`.

use super::{
    OptimisticError, OptimisticRollup,
    OptimisticRollup::{BlobBlock, proposeBlobsCall, proveBlobDataCall},
    posted,
    proposals::Proposal,
};
use crate::{
    blob_da::{self, BlobBatch, BlobDaError},
    l1::L1Client,
};
use alloy_primitives::{B256, Bytes, U256};
use alloy_sol_types::SolCall;
use nr_contracts::optimistic::BlobVerifier::BlobOpening;

/// Most blobs of one proposal (EIP-7594's per-transaction cap).
pub const MAX_BLOBS: usize = crate::l1::blobs::MAX_BLOBS_PER_TX;

/// Largest record (bytes) a proposer puts in a blob batch: a record spanning at most
/// two blobs is what one `proveBlobData` carries within the 2^24 per-transaction gas cap
/// (docs/contracts.md, "Blob data and blob equivalence"). A block whose record is
/// larger is proposed in calldata.
pub const MAX_DISPUTE_RECORD: usize = blob_da::PAYLOAD_BYTES_PER_BLOB;

/// Where a proposed block's data is in blobs: what a defender needs for `proveBlobData`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlobSource {
    /// L1 block of the proposing transaction (the beacon API's block id).
    pub l1_block: u64,
    /// The transaction's blob versioned hashes, in order.
    pub versioned_hashes: Vec<B256>,
    /// Record ends of the whole batch.
    pub ends: Vec<u32>,
    /// L2 number of the batch's first block.
    pub first: u64,
    /// Position of this block in the batch.
    pub index: usize,
}

/// The `proposeBlobs` claims for `blocks` (posted forms) whose records end at `ends`.
pub fn blob_blocks(blocks: &[OptimisticRollup::Block], ends: &[u32]) -> Vec<BlobBlock> {
    blocks
        .iter()
        .zip(ends)
        .map(|(b, end)| BlobBlock {
            timestamp: b.timestamp,
            anchorBlock: b.anchorBlock,
            dataHash: posted::data_hash(b),
            blockHash: b.blockHash,
            stateRoot: b.stateRoot,
            end: *end,
            forcedCount: b.forcedCount,
        })
        .collect()
}

/// A blob proposal of `blocks`: the payload in blobs and the claims. With `mismatch`
/// (development adversary), block `mismatch`'s record holds other data than the block
/// its claims describe (the block without its last transaction). `on`: the pending tip's
/// hash and the inbox head the proposal is built on (`parent`, `forcedFrom`).
pub fn encode_proposal(
    blocks: &[OptimisticRollup::Block],
    mismatch: Option<usize>,
    on: (B256, u64),
) -> Result<(BlobBatch, proposeBlobsCall), OptimisticError> {
    let mut data = blocks.to_vec();
    if let Some(b) = mismatch.and_then(|i| data.get_mut(i)) {
        b.transactions.pop();
    }
    let batch = blob_da::encode_batch(&data).map_err(OptimisticError::BlobData)?;
    let call = proposeBlobsCall {
        blocks: blob_blocks(blocks, &batch.ends),
        parent: on.0,
        forcedFrom: on.1,
    };
    Ok((batch, call))
}

/// How many of `blocks` (a prefix) make a blob batch the proposer may send: at most
/// [`MAX_BLOBS`] blobs, and no record over [`MAX_DISPUTE_RECORD`]. `0`: the first block's
/// record alone is too large for a blob dispute (post it in calldata).
pub fn blob_prefix(blocks: &[OptimisticRollup::Block]) -> Result<usize, OptimisticError> {
    let mut payload = 0usize;
    for (i, b) in blocks.iter().enumerate() {
        let record = blob_da::RecordBlock::from_posted(b)
            .and_then(|r| r.encode())
            .map_err(OptimisticError::BlobData)?
            .len();
        payload += record;
        let blobs = payload.div_ceil(blob_da::PAYLOAD_BYTES_PER_BLOB);
        if record > MAX_DISPUTE_RECORD || blobs > MAX_BLOBS {
            return Ok(i);
        }
    }
    Ok(blocks.len())
}

/// One block read back from a blob batch: its posted form, or why its record is not
/// the claimed block's data (the claims alone are then kept in `posted`).
#[derive(Debug, Clone)]
pub struct BlobRead {
    /// The posted block (decoded record with the claims), or the claims with no data.
    pub posted: OptimisticRollup::Block,
    /// Why the record cannot be this block's data (undecodable, or another data hash).
    pub undecodable: Option<String>,
    /// Where it is.
    pub source: BlobSource,
}

/// Reads the blob batch `call` of L1 transaction `tx` (mined in L1 block `l1_block`,
/// first L2 block `first`): fetches its blobs from the L1 and decodes every record. A
/// pruned or missing blob is an error (`BlobError::BlobsPruned` names the L1 block, the
/// versioned hash and the retention).
pub async fn read_batch(
    l1: &L1Client,
    tx: B256,
    l1_block: u64,
    first: u64,
    call: &proposeBlobsCall,
) -> Result<Vec<BlobRead>, OptimisticError> {
    let hashes = l1.tx_blob_hashes(tx).await?;
    let blobs = l1.blobs(l1_block, &hashes).await?;
    Ok(read_blobs(&blobs, call, l1_block, &hashes, first))
}

/// Decodes every record of blob batch `call` from its transaction's `blobs` (versioned
/// hashes `hashes`, mined in L1 block `l1_block`, first L2 block `first`). A record that
/// does not decode, or whose data hash, timestamp or anchor block is not the claimed one
/// (`defend` would refuse it), is kept as claims only, with the reason.
pub fn read_blobs(
    blobs: &[blob_da::Blob],
    call: &proposeBlobsCall,
    l1_block: u64,
    hashes: &[B256],
    first: u64,
) -> Vec<BlobRead> {
    let ends: Vec<u32> = call.blocks.iter().map(|b| b.end).collect();
    let mut out = Vec::with_capacity(call.blocks.len());
    for (index, claim) in call.blocks.iter().enumerate() {
        let source = BlobSource {
            l1_block,
            versioned_hashes: hashes.to_vec(),
            ends: ends.clone(),
            first,
            index,
        };
        let (posted, undecodable) = match blob_da::decode_claimed_block(blobs, &ends, index, claim)
        {
            Ok(record) => (record.into_posted(claim.blockHash, claim.stateRoot), None),
            Err(e @ BlobDaError::ClaimMismatch { .. }) => {
                (claims_only(claim), Some(format!("blob record is not the claimed block: {e}")))
            }
            Err(e) => (claims_only(claim), Some(format!("blob record does not decode: {e}"))),
        };
        out.push(BlobRead { posted, undecodable, source });
    }
    out
}

/// A posted block with `claim`'s fields and no data.
fn claims_only(claim: &BlobBlock) -> OptimisticRollup::Block {
    OptimisticRollup::Block {
        timestamp: claim.timestamp,
        anchorBlock: claim.anchorBlock,
        blockHash: claim.blockHash,
        stateRoot: claim.stateRoot,
        ..Default::default()
    }
}

/// Decodes `input` as a `proposeBlobs` call.
pub fn decode_propose_blobs(input: &[u8]) -> Option<proposeBlobsCall> {
    proposeBlobsCall::abi_decode(input).ok()
}

/// The `proveBlobData` call for `proposal`'s block, read from blobs at `source`: its
/// claim with the Merkle proof; fetches the blobs again and opens those its record spans
/// at the contract's challenge point.
pub async fn prove_call(
    l1: &L1Client,
    proposal: &Proposal,
    source: &BlobSource,
) -> Result<proveBlobDataCall, OptimisticError> {
    let blobs = l1.blobs(source.l1_block, &source.versioned_hashes).await?;
    let (_, openings) = blob_da::openings_for(&blobs, &source.ends, source.index)
        .map_err(OptimisticError::BlobData)?;
    Ok(proveBlobDataCall {
        n: proposal.number,
        batch: proposal.batch,
        claim: proposal.claim.clone(),
        proof: proposal.proof()?,
        ends: source.ends.clone(),
        versionedHashes: source.versioned_hashes.clone(),
        openings: openings
            .into_iter()
            .map(|o| BlobOpening {
                blob: Bytes::copy_from_slice(o.blob.as_slice()),
                commitment: Bytes::copy_from_slice(o.commitment.as_slice()),
                proof: Bytes::copy_from_slice(o.proof.as_slice()),
            })
            .collect(),
    })
}

/// Sends `proposeBlobs` for `batch` with `bond`; returns the receipt.
pub async fn send_proposal(
    l1: &L1Client,
    batch: BlobBatch,
    call: proposeBlobsCall,
    bond: U256,
) -> Result<alloy_rpc_types_eth::TransactionReceipt, OptimisticError> {
    // Used only if the L1's estimate cannot see the blob hashes. With one claims root per
    // batch, `proposeBlobs` used 231,722 gas for a short batch in an e2e test on the devnet (the
    // batch's fixed cost; a further block adds its claim's hashing and a packed batch
    // id); the per-block allowance of the per-block commitments it had before is kept
    // as headroom. Unused gas is not paid.
    let fallback_gas = 200_000 + 150_000 * call.blocks.len() as u64;
    Ok(l1.send_blobs(l1.rollup, call.abi_encode().into(), bond, batch.blobs, fallback_gas).await?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy_primitives::Address;

    fn block(i: u8, txs: usize) -> OptimisticRollup::Block {
        OptimisticRollup::Block {
            timestamp: 1_000 + u64::from(i),
            feeRecipient: Address::repeat_byte(i),
            prevRandao: B256::repeat_byte(i),
            extraData: Bytes::new(),
            anchorBlock: U256::from(7),
            transactions: (0..txs).map(|t| Bytes::from(vec![0x02, i, t as u8, 0xee])).collect(),
            blockHash: B256::repeat_byte(0x40 + i),
            stateRoot: B256::repeat_byte(0x80 + i),
            forcedCount: 0,
        }
    }

    /// An honest blob proposal reads back as the posted blocks, claims included.
    #[test]
    fn blob_proposal_reads_back_as_the_posted_blocks() {
        let blocks = vec![block(1, 0), block(2, 3), block(3, 1)];
        let (batch, call) = encode_proposal(&blocks, None, Default::default()).unwrap();
        assert_eq!(batch.blobs.len(), 1);
        let read = read_blobs(&batch.blobs, &call, 9, &[B256::ZERO], 5);
        for (i, r) in read.iter().enumerate() {
            assert_eq!(r.undecodable, None);
            assert_eq!(r.posted, blocks[i]);
            assert_eq!((r.source.first, r.source.index, r.source.l1_block), (5, i, 9));
        }
    }

    /// `--dev-blob-mismatch`: the blob holds another record than the claimed block's data;
    /// the reader flags exactly that block (it must be challenged), the others are intact.
    #[test]
    fn blob_mismatch_is_flagged_as_not_the_claimed_block() {
        let blocks = vec![block(1, 0), block(2, 3), block(3, 1)];
        let (batch, call) = encode_proposal(&blocks, Some(1), Default::default()).unwrap();
        assert_eq!(call.blocks[1].dataHash, posted::data_hash(&blocks[1]), "true claims");
        let read = read_blobs(&batch.blobs, &call, 9, &[B256::ZERO], 5);
        assert_eq!(read[0].undecodable, None);
        assert!(
            read[1].undecodable.as_ref().is_some_and(|r| r.contains("dataHash")),
            "{:?}",
            read[1]
        );
        assert!(read[1].posted.transactions.is_empty(), "claims only");
        assert_eq!(read[2].undecodable, None);
        assert_eq!(read[2].posted, blocks[2]);
        // Garbage blobs: every record is flagged, nothing panics.
        let garbage = vec![blob_da::Blob::repeat_byte(0x01)];
        let read = read_blobs(&garbage, &call, 9, &[B256::ZERO], 5);
        assert!(read.iter().all(|r| r.undecodable.is_some()));
    }

    /// A record that holds the claimed data but another anchor or timestamp than its
    /// `BlobBlock` claims: the contract's checks used the claimed ones and `defend` refuses
    /// the record's (`PostedFieldsMismatch`), so the block must be challenged, not derived
    /// from the record's own fields.
    #[test]
    fn blob_claim_with_another_anchor_or_timestamp_is_flagged() {
        let blocks = vec![block(1, 0), block(2, 3)];
        let (batch, call) = encode_proposal(&blocks, None, Default::default()).unwrap();
        for (field, edit) in [
            (
                "anchorBlock",
                (|c: &mut BlobBlock| c.anchorBlock += U256::from(1)) as fn(&mut BlobBlock),
            ),
            ("timestamp", |c: &mut BlobBlock| c.timestamp += 1),
        ] {
            let mut lying = call.clone();
            edit(&mut lying.blocks[1]);
            let read = read_blobs(&batch.blobs, &lying, 9, &[B256::ZERO], 5);
            assert_eq!(read[0].undecodable, None);
            assert!(
                read[1].undecodable.as_ref().is_some_and(|r| r.contains(field)),
                "a claim with another {field} than its record must be flagged: {:?}",
                read[1].undecodable
            );
        }
    }

    /// A batch never needs more than [`MAX_BLOBS`] blobs, and a record too large for a
    /// blob dispute is left out (the proposer posts that block in calldata).
    #[test]
    fn blob_prefix_respects_blob_count_and_dispute_size() {
        // Incompressible: a keccak chain from `seed`.
        let noise = |seed: u8| {
            let mut x = B256::repeat_byte(seed);
            let mut bytes = Vec::new();
            while bytes.len() < MAX_DISPUTE_RECORD / 2 {
                x = alloy_primitives::keccak256(x);
                bytes.extend_from_slice(x.as_slice());
            }
            Bytes::from(bytes)
        };
        let mut big = block(1, 0);
        big.transactions = vec![noise(1)];
        let blocks = vec![big.clone(); 20];
        let fit = blob_prefix(&blocks).unwrap();
        assert!((1..20).contains(&fit), "{fit}");
        let (batch, _) = encode_proposal(&blocks[..fit], None, Default::default()).unwrap();
        assert!(batch.blobs.len() <= MAX_BLOBS, "{}", batch.blobs.len());
        let mut huge = big.clone();
        huge.transactions.push(noise(2));
        huge.transactions.push(noise(3));
        assert_eq!(blob_prefix(&[huge, big]).unwrap(), 0, "too large for a dispute");
    }
}
