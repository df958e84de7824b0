//! Reading proposals back from L1: the `BlockProposed` events and, for each, the posted
//! block from the calldata of the `propose` transaction that emitted it.

use super::{OptimisticError, OptimisticRollup};
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
}

/// The blocks proposed in L1 blocks `from..=to`, in order. The posted data is read from
/// the calldata of each `propose` transaction (a transaction calling the rollup directly:
/// the k-th `BlockProposed` event of a transaction is its k-th posted block).
pub async fn proposals(
    l1: &L1Client,
    from: u64,
    to: u64,
) -> Result<Vec<Proposal>, OptimisticError> {
    let events = l1.events::<OptimisticRollup::BlockProposed>(from, to).await?;
    let mut calls: HashMap<B256, Vec<OptimisticRollup::Block>> = HashMap::new();
    let mut seen: HashMap<B256, usize> = HashMap::new();
    let mut out = Vec::with_capacity(events.len());
    for (log, e) in events {
        let Some(tx) = log.transaction_hash else { continue };
        if let std::collections::hash_map::Entry::Vacant(slot) = calls.entry(tx) {
            let (_, input) = l1.tx_call(tx).await?;
            let blocks = OptimisticRollup::proposeCall::abi_decode(&input)
                .map(|c| c.blocks)
                .unwrap_or_default();
            slot.insert(blocks);
        }
        let k = seen.entry(tx).or_default();
        let posted = calls.get(&tx).and_then(|b| b.get(*k)).cloned();
        *k += 1;
        match posted {
            Some(posted) if posted.blockHash == e.blockHash && posted.stateRoot == e.stateRoot => {
                out.push(Proposal { number: e.number, batch: e.batch, posted, tx });
            }
            _ => {
                tracing::warn!(number = e.number, %tx, "proposal not found in its transaction's calldata")
            }
        }
    }
    Ok(out)
}
