//! Reading proposals back from L1: the `BatchProposed` events and, for each batch, its
//! posted blocks from the calldata of the `propose` transaction that emitted it, or from
//! the blobs of the `proposeBlobs` transaction ([`super::blob_proposals`]); and each
//! block's claim, the leaf the contract committed to in the batch root (docs/l2.md,
//! "Claims of a batch").
//!
//! The contract keeps only one Merkle root of claims per batch, so a node rebuilds every
//! claim itself: the data hash from the posted data (or the `BlobBlock`'s `dataHash`), the
//! claimed hash and state root, the anchor's L1 block hash, and the parent hash chained
//! from the previous block's claim (for a batch's first block: the claim of the pending
//! tip it was proposed on). The rebuilt root must equal the event's.

use super::{
    OptimisticError, OptimisticRollup,
    OptimisticRollup::Claim,
    blob_proposals::{self, BlobSource},
};
use crate::l1::L1Client;
use alloy_primitives::B256;
use alloy_rpc_types_eth::BlockNumberOrTag;
use alloy_sol_types::SolCall;
use nr_contracts::claims;
use std::{
    collections::{BTreeMap, HashMap},
    sync::Arc,
};

/// One proposed block as posted on L1, with its claim.
#[derive(Debug, Clone)]
pub struct Proposal {
    /// L2 block number.
    pub number: u64,
    /// Batch it came in.
    pub batch: u64,
    /// L2 number of the batch's first block (the leaf index is `number - first`).
    pub first: u64,
    /// The posted data and claims.
    pub posted: OptimisticRollup::Block,
    /// Its claim (leaf preimage) as the contract computed it at proposal.
    pub claim: Claim,
    /// The leaves of its whole batch, in block order (for Merkle proofs).
    pub leaves: Arc<Vec<B256>>,
    /// A blob batch's binding of its record ends and versioned hashes, the root's last
    /// sibling (`None` for a calldata batch).
    pub binding: Option<B256>,
    /// The L1 transaction that posted it.
    pub tx: B256,
    /// Where its data is, when it came in blobs.
    pub blob: Option<BlobSource>,
    /// Why its posted data cannot be the claimed block's (a blob record that does not
    /// decode, or whose data hash is not the claimed one): it must be challenged.
    pub undecodable: Option<String>,
}

impl Proposal {
    /// The Merkle proof of this block's claim in its batch root (for a blob batch, the
    /// binding of its blobs is the last sibling).
    pub fn proof(&self) -> Result<Vec<B256>, OptimisticError> {
        let index = self.number.saturating_sub(self.first) as usize;
        Ok(match self.binding {
            Some(binding) => claims::blob_proof(&self.leaves, index, binding)?,
            None => claims::proof(&self.leaves, index)?,
        })
    }
}

/// What one proposing transaction posted: per block, its posted form, its claimed data
/// hash, and (for blob batches) its blob source and a reason it is no block.
type Posted = Vec<(OptimisticRollup::Block, B256, Option<BlobSource>, Option<String>)>;

/// Reads proposals in L1 order, remembering the claimed hash of every block number (the
/// latest proposal's) so that a batch's first claim chains from the pending tip it was
/// proposed on without asking the L1.
#[derive(Debug, Default)]
pub struct Reader {
    /// Claimed hash per L2 block number, from the latest batch holding it.
    hashes: BTreeMap<u64, B256>,
    /// L1 block hashes by number (anchors).
    anchors: HashMap<u64, B256>,
    /// `dueAt` by anchor (messages only append, so it never changes).
    dues: HashMap<u64, u64>,
}

impl Reader {
    /// Forgets what it remembers of blocks below `n` (finalized: a batch proposed later
    /// chains from a settled block, which the L1 answers for).
    pub fn forget_below(&mut self, n: u64) {
        self.hashes = self.hashes.split_off(&n);
        self.anchors.clear();
    }

    /// The blocks proposed in L1 blocks `from..=to`, in order, each with its claim. The
    /// posted data is read from the calldata of each `propose` transaction, or the blobs
    /// of each `proposeBlobs` one (a transaction calling the rollup directly; a batch
    /// proposed through another contract is skipped with a warning). A blob the L1 no
    /// longer serves is an error, and so is a batch whose rebuilt claims do not hash to
    /// the event's root.
    pub async fn read(
        &mut self,
        l1: &L1Client,
        from: u64,
        to: u64,
    ) -> Result<Vec<Proposal>, OptimisticError> {
        let events = l1.events::<OptimisticRollup::BatchProposed>(from, to).await?;
        let mut out = vec![];
        for (log, e) in events {
            let Some(tx) = log.transaction_hash else { continue };
            let (_, input) = l1.tx_call(tx).await?;
            let posted: Posted = match blob_proposals::decode_propose_blobs(&input) {
                Some(call) => {
                    let l1_block = log.block_number.unwrap_or_default();
                    let read = blob_proposals::read_batch(l1, tx, l1_block, e.first, &call).await?;
                    read.into_iter()
                        .zip(&call.blocks)
                        .map(|(mut r, b)| {
                            // The count is a claim (in the calldata), not in the record.
                            r.posted.forcedCount = b.forcedCount;
                            (r.posted, b.dataHash, Some(r.source), r.undecodable)
                        })
                        .collect()
                }
                None => match OptimisticRollup::proposeCall::abi_decode(&input) {
                    Ok(c) => c
                        .blocks
                        .into_iter()
                        .map(|b| {
                            let data = super::posted::data_hash(&b);
                            (b, data, None, None)
                        })
                        .collect(),
                    Err(_) => vec![],
                },
            };
            if e.last < e.first || posted.len() as u64 != e.last - e.first + 1 {
                tracing::warn!(batch = e.batch, %tx, "batch not found in its transaction's calldata");
                continue;
            }
            out.extend(self.claims(l1, &e, tx, posted).await?);
        }
        Ok(out)
    }

    /// Rebuilds the claims of batch `e` from its posted blocks and checks its root.
    async fn claims(
        &mut self,
        l1: &L1Client,
        e: &OptimisticRollup::BatchProposed,
        tx: B256,
        posted: Posted,
    ) -> Result<Vec<Proposal>, OptimisticError> {
        let mut parent = self.parent_of(l1, e.first).await?;
        // The inbox's pending head when the batch was proposed: its blocks take entries
        // from there, each its `forcedCount`.
        let mut forced = e.forcedFrom;
        let mut built = Vec::with_capacity(posted.len());
        for (posted, data_hash, blob, undecodable) in posted {
            let anchor_block = u64::try_from(posted.anchorBlock).unwrap_or(u64::MAX);
            let forced_to = forced.saturating_add(posted.forcedCount);
            let claim = Claim {
                parentHash: parent,
                dataHash: data_hash,
                blockHash: posted.blockHash,
                stateRoot: posted.stateRoot,
                anchorHash: self.anchor(l1, anchor_block).await?,
                anchorBlock: anchor_block,
                timestamp: posted.timestamp,
                forcedFrom: forced,
                forcedTo: forced_to,
                due: self.due(l1, anchor_block).await?,
            };
            forced = forced_to;
            parent = posted.blockHash;
            built.push((posted, claim, blob, undecodable));
        }
        let leaves: Vec<B256> = built.iter().map(|(_, c, _, _)| claims::leaf(c)).collect();
        // A blob batch's root also binds its record ends and versioned hashes.
        let binding = built
            .first()
            .and_then(|(_, _, blob, _)| blob.as_ref())
            .map(|s| claims::blob_binding(&s.ends, &s.versioned_hashes));
        let root = match binding {
            Some(b) => claims::blob_root(claims::root(&leaves), b),
            None => claims::root(&leaves),
        };
        if root != e.root {
            return Err(OptimisticError::RootMismatch {
                batch: e.batch,
                event: e.root,
                rebuilt: root,
            });
        }
        let leaves = Arc::new(leaves);
        let mut out = Vec::with_capacity(built.len());
        for (k, (posted, claim, blob, undecodable)) in built.into_iter().enumerate() {
            let number = e.first + k as u64;
            self.hashes.insert(number, claim.blockHash);
            out.push(Proposal {
                number,
                batch: e.batch,
                first: e.first,
                posted,
                claim,
                leaves: leaves.clone(),
                binding,
                tx,
                blob,
                undecodable,
            });
        }
        Ok(out)
    }

    /// The claimed hash of block `first - 1` when a batch starting at `first` was
    /// proposed: the latest proposal of that number read so far, else what the L1 holds
    /// for it (settled, or the tip of the pending batch ending there).
    async fn parent_of(&self, l1: &L1Client, first: u64) -> Result<B256, OptimisticError> {
        let n = first.saturating_sub(1);
        if let Some(h) = self.hashes.get(&n) {
            return Ok(*h);
        }
        if let Ok(h) = l1.view(OptimisticRollup::blockHashAtCall { number: n }).await {
            return Ok(h);
        }
        let batch = l1.view(OptimisticRollup::batchOfCall { n }).await?;
        let info = l1.view(OptimisticRollup::batchInfoCall { id: batch }).await?;
        if info.last == n {
            return Ok(info.tipHash);
        }
        Err(OptimisticError::UnknownParent(first))
    }

    /// Messages a block anchored at L1 block `anchor` must have delivered (`dueAt`).
    async fn due(&mut self, l1: &L1Client, anchor: u64) -> Result<u64, OptimisticError> {
        if let Some(d) = self.dues.get(&anchor) {
            return Ok(*d);
        }
        let d = super::forced::due_at(l1, anchor).await?;
        self.dues.insert(anchor, d);
        Ok(d)
    }

    /// The hash of L1 block `n` (an anchor).
    async fn anchor(&mut self, l1: &L1Client, n: u64) -> Result<B256, OptimisticError> {
        if let Some(h) = self.anchors.get(&n) {
            return Ok(*h);
        }
        let h = l1.block(BlockNumberOrTag::Number(n)).await?.hash;
        self.anchors.insert(n, h);
        Ok(h)
    }
}

/// The blocks proposed in L1 blocks `from..=to` (see [`Reader::read`]), read without
/// memory of earlier batches (a batch's parent comes from the L1).
pub async fn proposals(
    l1: &L1Client,
    from: u64,
    to: u64,
) -> Result<Vec<Proposal>, OptimisticError> {
    Reader::default().read(l1, from, to).await
}
