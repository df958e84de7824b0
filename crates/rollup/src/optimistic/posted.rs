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
use alloy_sol_types::SolValue;
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
        // Placeholder until the proposer counts the block's leading inbox entries.
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
/// anchorBlock, txsHash))`.
pub fn data_hash(b: &OptimisticRollup::Block) -> B256 {
    keccak256(
        (
            b.timestamp,
            b.feeRecipient,
            b.prevRandao,
            keccak256(&b.extraData),
            b.anchorBlock,
            txs_hash(&b.transactions),
        )
            .abi_encode(),
    )
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
    let (block, _) = nr_stateless::block::seal_block(
        draft,
        parent.state_root,
        &spec.schedule,
        spec.chain_id,
        &view,
        &hooks.factory,
    )?;
    Ok(block)
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
    let block = match derive(chain, parent, posted, anchor_hash) {
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
    Ok((Verdict::Valid, Some(block)))
}

#[cfg(test)]
mod tests;
