//! Reading proposals back from L1: the `BlockProposed` events and, for each, the posted
//! block from the calldata of the `propose` transaction that emitted it, or from the
//! blobs of the `proposeBlobs` transaction ([`super::blob_proposals`]).

use super::{
    OptimisticError, OptimisticRollup,
    blob_proposals::{self, BlobSource},
};
use crate::l1::L1Client;
use alloy_primitives::B256;
use alloy_sol_types::SolCall;
use std::collections::HashMap;

/// One proposed block as posted on L1.
#[derive(Debug, Clone)]
pub struct Proposal {
    /// L2 block number.
    pub number: u64,
    /// Batch it came in.
    pub batch: u64,
    /// The posted data and claims.
    pub posted: OptimisticRollup::Block,
    /// The L1 transaction that posted it.
    pub tx: B256,
    /// Where its data is, when it came in blobs.
    pub blob: Option<BlobSource>,
    /// Why its posted data cannot be the claimed block's (a blob record that does not
    /// decode, or whose data hash is not the claimed one): it must be challenged.
    pub undecodable: Option<String>,
}

/// What one proposing transaction posted: per block, its posted form (with its blob
/// source and a reason it is no block, for blob batches).
type Posted = Vec<(OptimisticRollup::Block, Option<BlobSource>, Option<String>)>;

/// The blocks proposed in L1 blocks `from..=to`, in order. The posted data is read from
/// the calldata of each `propose` transaction, or the blobs of each `proposeBlobs` one (a
/// transaction calling the rollup directly: the k-th `BlockProposed` event of a
/// transaction is its k-th posted block). A blob the L1 no longer serves is an error.
pub async fn proposals(
    l1: &L1Client,
    from: u64,
    to: u64,
) -> Result<Vec<Proposal>, OptimisticError> {
    let events = l1.events::<OptimisticRollup::BlockProposed>(from, to).await?;
    let mut calls: HashMap<B256, Posted> = HashMap::new();
    let mut seen: HashMap<B256, usize> = HashMap::new();
    let mut out = Vec::with_capacity(events.len());
    for (log, e) in events {
        let Some(tx) = log.transaction_hash else { continue };
        if let std::collections::hash_map::Entry::Vacant(slot) = calls.entry(tx) {
            let (_, input) = l1.tx_call(tx).await?;
            let blocks = match blob_proposals::decode_propose_blobs(&input) {
                Some(call) => {
                    let l1_block = log.block_number.unwrap_or_default();
                    // This event is the batch's first block of this transaction.
                    let read =
                        blob_proposals::read_batch(l1, tx, l1_block, e.number, &call).await?;
                    read.into_iter().map(|r| (r.posted, Some(r.source), r.undecodable)).collect()
                }
                None => OptimisticRollup::proposeCall::abi_decode(&input)
                    .map(|c| c.blocks.into_iter().map(|b| (b, None, None)).collect())
                    .unwrap_or_default(),
            };
            slot.insert(blocks);
        }
        let k = seen.entry(tx).or_default();
        let posted = calls.get(&tx).and_then(|b| b.get(*k)).cloned();
        *k += 1;
        match posted {
            Some((posted, blob, undecodable))
                if posted.blockHash == e.blockHash && posted.stateRoot == e.stateRoot =>
            {
                out.push(Proposal {
                    number: e.number,
                    batch: e.batch,
                    posted,
                    tx,
                    blob,
                    undecodable,
                });
            }
            _ => {
                tracing::warn!(number = e.number, %tx, "proposal not found in its transaction's calldata")
            }
        }
    }
    Ok(out)
}
