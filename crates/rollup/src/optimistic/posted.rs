//! The data a proposer posts for each L2 block, its commitment, and the derivation of a
//! proposed block from it (what a watchtower and a follower do with every proposal).
//!
//! A posted block carries the fields that are not implied by its parent (timestamp, fee
//! recipient, prev_randao, extra data, L1 anchor, the EIP-2718 transactions) and the two
//! claims (block hash, state root). Everything else follows from the parent: number =
//! parent + 1, the parent's gas limit, the base fee and excess blob gas the parent implies,
//! no withdrawals, and every commitment to the body or to execution results.

use super::{OptimisticError, OptimisticRollup};
use alloy_consensus::{Block, BlockBody, Header, TxEnvelope};
use alloy_eips::eip2718::{Decodable2718, Encodable2718};
use alloy_primitives::{B256, Bytes, U256, keccak256};
use nr_chain::Chain;

/// The posted form of local L2 block `block`, anchored to L1 block `anchor_block` (the
/// number of the L1 block whose hash is the block's `parent_beacon_block_root`).
pub fn posted_block(block: &Block<TxEnvelope>, anchor_block: u64) -> OptimisticRollup::Block {
    let h = &block.header;
    OptimisticRollup::Block {
        timestamp: h.timestamp,
        feeRecipient: h.beneficiary,
        prevRandao: h.mix_hash,
        extraData: h.extra_data.clone(),
        anchorBlock: U256::from(anchor_block),
        transactions: block
            .body
            .transactions
            .iter()
            .map(|t| Bytes::from(t.encoded_2718()))
            .collect(),
        blockHash: h.hash_slow(),
        stateRoot: h.state_root,
        forcedCount: 0,
    }
}

/// `keccak(concat(keccak(tx_i)))`: the posted transactions' commitment (what the contract
/// compares with the SSZ transaction list of a defence's EXECUTE input).
pub fn txs_hash(transactions: &[Bytes]) -> B256 {
    let mut cat = Vec::with_capacity(transactions.len() * 32);
    for t in transactions {
        cat.extend_from_slice(keccak256(t).as_slice());
    }
    keccak256(cat)
}

/// The hash of a posted block's data fields (not its claims):
/// `keccak256(abi.encode(timestamp, feeRecipient, prevRandao, keccak256(extraData),
/// anchorBlock, txsHash))`, as [`nr_contracts::claims::data_hash`] computes it.
pub fn data_hash(b: &OptimisticRollup::Block) -> B256 {
    nr_contracts::claims::data_hash(b)
}

/// Rebuilds the block that `posted` describes as the child of `parent` (a header of the
/// local chain), with `anchor_hash` (the hash of L1 block `posted.anchorBlock`) as its
/// `parent_beacon_block_root`: decodes the transactions, executes them on the parent's
/// state and fills every commitment. Nothing is stored. The result's hash and state root
/// are what the posted claims must equal.
pub fn derive(
    chain: &Chain,
    parent: &Header,
    posted: &OptimisticRollup::Block,
    anchor_hash: B256,
) -> Result<Block<TxEnvelope>, OptimisticError> {
    derive_delivered(chain, parent, posted, anchor_hash).map(|(b, _)| b)
}

/// [`derive()`], with `L2Messenger.deliveredPrefix` in the rebuilt block's state.
fn derive_delivered(
    chain: &Chain,
    parent: &Header,
    posted: &OptimisticRollup::Block,
    anchor_hash: B256,
) -> Result<(Block<TxEnvelope>, U256), OptimisticError> {
    if posted.timestamp <= parent.timestamp {
        return Err(OptimisticError::StaleTimestamp {
            timestamp: posted.timestamp,
            parent: parent.timestamp,
        });
    }
    let transactions = posted
        .transactions
        .iter()
        .enumerate()
        .map(|(index, raw)| {
            let mut buf = raw.as_ref();
            let tx = TxEnvelope::decode_2718(&mut buf)
                .map_err(|e| OptimisticError::BadTransaction { index, reason: e.to_string() })?;
            if !buf.is_empty() {
                return Err(OptimisticError::BadTransaction {
                    index,
                    reason: format!("{} trailing bytes", buf.len()),
                });
            }
            Ok(tx)
        })
        .collect::<Result<Vec<_>, _>>()?;
    let mut header = chain.child_template(parent, posted.timestamp);
    header.beneficiary = posted.feeRecipient;
    header.mix_hash = posted.prevRandao;
    header.extra_data = posted.extraData.clone();
    if header.parent_beacon_block_root.is_some() {
        header.parent_beacon_block_root = Some(anchor_hash);
    }
    let view = chain.view(parent)?;
    let hooks = chain.hooks().block_evm(parent, &header);
    let draft = Block {
        header,
        body: BlockBody { transactions, ommers: vec![], withdrawals: Some(Default::default()) },
    };
    let spec = chain.spec();
    let (block, mut out) = nr_stateless::block::seal_block(
        draft,
        parent.state_root,
        &spec.schedule,
        spec.chain_id,
        &view,
        &hooks.factory,
    )?;
    use revm::Database;
    let delivered = out
        .state
        .storage(nr_contracts::L2_MESSENGER, crate::delivery::DELIVERED_PREFIX_SLOT.into())
        .map_err(|e| OptimisticError::Execution(nr_stateless::block::BlockError::State(e)))?;
    Ok((block, delivered))
}

/// What rule 5 asks of a proposed block beyond its claims (docs/l2.md, "Forced inclusion
/// in optimistic mode"), from its claim and the inbox.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ForcedRules {
    /// Transaction hashes of the inbox entries `forcedFrom..forcedTo` the block claims
    /// to start with, in order.
    pub forced: Vec<B256>,
    /// Messages its state must have delivered (the claim's `due`).
    pub due: u64,
}

/// A watchtower's judgement of one proposed block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// The posted data rebuilds a block with exactly the claimed hash and state root:
    /// defend it if challenged.
    Valid,
    /// The posted data rebuilds a block whose hash is not the claimed one (the data is
    /// inconsistent with the claim, or the claim is wrong): challenge it.
    WrongHash {
        /// The claimed hash.
        claimed: B256,
        /// The hash of the block the data rebuilds.
        derived: B256,
    },
    /// The rebuilt block has the claimed hash's other fields but another state root.
    WrongStateRoot {
        /// The claimed state root.
        claimed: B256,
        /// The state root of the rebuilt block.
        derived: B256,
    },
    /// The posted data cannot be a block at all (undecodable transaction, stale timestamp,
    /// a transaction that does not execute): challenge it, nobody can defend it.
    Underivable(String),
    /// Transaction `index` of the block is not the forced inbox entry its claim says it
    /// is (or the block has fewer transactions than the entries it claims).
    ForcedPrefixMismatch {
        /// Position in the block (and in its claimed entries).
        index: usize,
    },
    /// The block's state has delivered fewer L1->L2 messages than were due at its anchor.
    MessagesDue {
        /// Due (the claim's `due`).
        due: u64,
        /// `L2Messenger.deliveredPrefix` in the block's state.
        delivered: U256,
    },
}

impl Verdict {
    /// Whether the block must be challenged.
    pub fn is_invalid(&self) -> bool {
        *self != Self::Valid
    }
}

/// Judges `posted` as the child of `parent`: rebuilds it ([`derive()`]) and compares the
/// result with the claims. Returns the verdict and, when valid, the rebuilt block (which
/// the caller may import).
pub fn check(
    chain: &Chain,
    parent: &Header,
    posted: &OptimisticRollup::Block,
    anchor_hash: B256,
) -> Result<(Verdict, Option<Block<TxEnvelope>>), OptimisticError> {
    check_rules(chain, parent, posted, anchor_hash, &ForcedRules::default())
}

/// [`check()`], and rule 5: the block starts with the forced entries `rules.forced` and
/// its state has delivered `rules.due` messages; otherwise it is invalid even when its
/// claims are its data's.
pub fn check_rules(
    chain: &Chain,
    parent: &Header,
    posted: &OptimisticRollup::Block,
    anchor_hash: B256,
    rules: &ForcedRules,
) -> Result<(Verdict, Option<Block<TxEnvelope>>), OptimisticError> {
    let (block, delivered) = match derive_delivered(chain, parent, posted, anchor_hash) {
        Ok(b) => b,
        Err(e @ OptimisticError::Chain(_)) => return Err(e),
        Err(e) => return Ok((Verdict::Underivable(e.to_string()), None)),
    };
    if block.header.state_root != posted.stateRoot {
        let v =
            Verdict::WrongStateRoot { claimed: posted.stateRoot, derived: block.header.state_root };
        return Ok((v, None));
    }
    let derived = block.header.hash_slow();
    if derived != posted.blockHash {
        return Ok((Verdict::WrongHash { claimed: posted.blockHash, derived }, None));
    }
    for (index, want) in rules.forced.iter().enumerate() {
        if posted.transactions.get(index).map(keccak256) != Some(*want) {
            return Ok((Verdict::ForcedPrefixMismatch { index }, None));
        }
    }
    if delivered < U256::from(rules.due) {
        return Ok((Verdict::MessagesDue { due: rules.due, delivered }, None));
    }
    Ok((Verdict::Valid, Some(block)))
}

#[cfg(test)]
mod tests;
