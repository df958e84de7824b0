//! Forced inclusion (rule 5) in optimistic mode on the node side (docs/l2.md, "Forced
//! inclusion in optimistic mode"): the `OptimisticInbox` the rollup names, each posted
//! block's `forcedCount`, the pruning of a head entry the pending tip cannot carry, and
//! the deliveries a block's state owes (`dueAt` of its anchor).

use super::{OptimisticError, OptimisticRollup};
use crate::{
    RollupError,
    delivery::DELIVERED_PREFIX_SLOT,
    forced::{HeadEntry, PendingForced, Unfit},
    l1::L1Client,
};
use alloy_consensus::Header;
use alloy_primitives::{B256, Bytes, U256, keccak256};
use alloy_rlp::Encodable;
use alloy_sol_types::{SolCall, SolValue};
use nr_chain::Chain;
use nr_contracts::{L2_MESSENGER, OptimisticInbox};

/// Most head entries the proposer prunes before one proposal.
pub const MAX_PRUNES: usize = 16;

/// A client of the rollup's forced-transaction inbox (`OptimisticRollup.inbox()`): the
/// same L1 connection and key, its calls addressed to the inbox.
pub async fn inbox_client(l1: &L1Client) -> Result<L1Client, RollupError> {
    let inbox = l1.view(OptimisticRollup::inboxCall {}).await?;
    let mut c = l1.clone();
    c.rollup = inbox;
    Ok(c)
}

/// The `forcedCount` of each of `blocks` (posted forms, in order), proposed when the
/// inbox's pending head is `pending[0]` (or none is pending): block k takes the entries
/// its transactions start with, from where block k-1 stopped.
pub fn forced_counts(blocks: &[OptimisticRollup::Block], pending: &[PendingForced]) -> Vec<u64> {
    let mut next = 0;
    blocks
        .iter()
        .map(|b| {
            let taken = b
                .transactions
                .iter()
                .zip(&pending[next.min(pending.len())..])
                .take_while(|(tx, p)| keccak256(tx) == p.entry.txHash)
                .count();
            next += taken;
            taken as u64
        })
        .collect()
}

/// Messages the state of a block anchored at L1 block `anchor` must have delivered
/// (`OptimisticRollup.dueAt`).
pub async fn due_at(l1: &L1Client, anchor: u64) -> Result<u64, OptimisticError> {
    let due: U256 = l1.view(OptimisticRollup::dueAtCall { l1Block: U256::from(anchor) }).await?;
    Ok(due.saturating_to())
}

/// `L2Messenger.deliveredPrefix` in the state after local block `header`.
pub fn delivered(chain: &Chain, header: &Header) -> Result<u64, OptimisticError> {
    let v = chain.storage(header, L2_MESSENGER, DELIVERED_PREFIX_SLOT)?;
    Ok(v.saturating_to())
}

/// `defend`'s `delivery` argument for a block whose claim owes `due` messages: empty when
/// nothing is due, else `abi.encode(accountProof, storageProof)` of the messenger's
/// `deliveredPrefix` in the state after local block `header`.
pub fn delivery_proof(chain: &Chain, header: &Header, due: u64) -> Result<Bytes, OptimisticError> {
    if due == 0 {
        return Ok(Bytes::new());
    }
    let mut proof = chain.proof(header, L2_MESSENGER, &[DELIVERED_PREFIX_SLOT])?;
    let (_, _, storage) = proof.storage.pop().unwrap_or_default();
    Ok((proof.account_proof, storage).abi_encode_params().into())
}

/// Before proposing on the pending tip `tip` (a local block, the rollup's pending tip):
/// while the inbox's head entry is not the first transaction of `next` (the first block
/// to propose) and the tip cannot carry it (expired at the next L1 block, its sender's
/// nonce or balance on the tip's state do not fit, or it is due and its fee cap is below
/// the base fee after the tip), drops it with `pruneForced` (an account proof from the
/// tip's state for nonce or balance, and the tip's header). Returns how many it pruned.
pub async fn prune_head(
    inbox: &L1Client,
    chain: &Chain,
    tip: &Header,
    next: Option<B256>,
    next_l1_block: u64,
    forced_delay: u64,
) -> Result<usize, OptimisticError> {
    let mut pruned = 0;
    while pruned < MAX_PRUNES {
        let at = Some((next_l1_block, forced_delay));
        let HeadEntry::Unfit(head, e, unfit) =
            crate::forced::head_entry(inbox, chain, tip, next, at).await?
        else {
            break;
        };
        let account_proof = match unfit {
            Unfit::Expired | Unfit::Underpriced => vec![],
            Unfit::Invalid => chain.proof(tip, e.sender, &[])?.account_proof,
        };
        let mut rlp = Vec::new();
        tip.encode(&mut rlp);
        let call =
            OptimisticInbox::pruneForcedCall { accountProof: account_proof, tipHeader: rlp.into() };
        let r = inbox.send(inbox.rollup, call.abi_encode().into(), U256::ZERO).await?;
        tracing::info!(index = %head, sender = %e.sender, ?unfit, l1_tx = %r.transaction_hash, "proposer: pruned a forced entry the pending tip cannot carry");
        pruned += 1;
    }
    Ok(pruned)
}
