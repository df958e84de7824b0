//! What one L1 `defend` transaction can carry, as the [`BlockBudget`] of a sequencer in
//! optimistic mode: a block the proposer posts must be defendable in one L1 transaction,
//! or a griefer could challenge it and the honest proposer would be slashed.
//!
//! `defend` carries everything `advance` does (the EXECUTE input with the block and its
//! witness) plus the posted block again (its transactions a second time), so the native
//! mode's [`AdvanceBudget`] is not enough: a block at its limit may not be defendable.

use super::{OptimisticRollup, posted::posted_block};
use crate::budget::{AdvanceBudget, TX_ENVELOPE_BYTES, advance_gas};
use alloy_consensus::{Block, TxEnvelope};
use alloy_eips::eip7685::Requests;
use alloy_primitives::B256;
use alloy_sol_types::SolCall;
use nr_chain::{BlockBudget, OverBudget};
use nr_stateless::{memory::MemoryChain, ssz::ExecutionWitness};

/// L1 gas `defend` spends besides what [`advance_gas`] counts: hashing the posted block
/// (its commitment and the per-transaction hashes), the field comparisons and the bond
/// transfer, as a margin over the measured difference.
pub const DEFEND_OWN_GAS: u64 = 200_000;

/// L1 gas `defend` spends per posted transaction beyond that model: `nr bench --optimistic`
/// measured ~6,000 per transfer above [`advance_gas`] of the defend calldata (blocks of 47
/// to 1,386 transfers; BENCHMARKS.md, "Optimistic mode"); 8,000 keeps a margin.
pub const DEFEND_PER_TX_GAS: u64 = 8_000;

/// Longest Merkle proof of a claim `defend` carries: `ceil(log2(1024))` siblings, for the
/// contract's largest batch (1,024 blocks). The budget counts it whatever batch the
/// block ends up in (it is checked when the block is built, before it is proposed).
pub const MAX_PROOF_DEPTH: usize = 10;

/// Bytes of the `delivery` argument `defend` may carry (the messenger's account and
/// `deliveredPrefix` storage proofs, ABI-encoded; as the native mode's
/// [`crate::delivery::PROOF_BYTES`]). The budget counts them whatever the block's `due`.
pub const DELIVERY_PROOF_BYTES: usize = crate::delivery::PROOF_BYTES;

/// The limits of one L1 `defend`, as a [`BlockBudget`] (same caps as [`AdvanceBudget`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DefendBudget(pub AdvanceBudget);

impl DefendBudget {
    /// L1 gas and bytes of the `defend` of `block` with `witness`, its claim's proof at
    /// its longest ([`MAX_PROOF_DEPTH`]).
    pub fn defend_cost(
        chain_id: u64,
        block: &Block<TxEnvelope>,
        witness: ExecutionWitness,
    ) -> Result<(u64, u64), OverBudget> {
        let unencodable = OverBudget { what: "unencodable stateless input", needed: 1, limit: 0 };
        let input = MemoryChain::stateless_input(block, witness, &Requests::default(), chain_id)
            .map_err(|_| unencodable)?;
        let wire = input.to_wire();
        let input_len = wire.len();
        let mut posted = posted_block(block, u64::MAX);
        posted.prevRandao = B256::repeat_byte(0xff);
        let claim = OptimisticRollup::Claim {
            parentHash: B256::repeat_byte(0xff),
            dataHash: B256::repeat_byte(0xff),
            blockHash: B256::repeat_byte(0xff),
            stateRoot: B256::repeat_byte(0xff),
            anchorHash: B256::repeat_byte(0xff),
            anchorBlock: u64::MAX,
            timestamp: u64::MAX,
            forcedFrom: u64::MAX,
            forcedTo: u64::MAX,
            due: u64::MAX,
        };
        let call = OptimisticRollup::defendCall {
            n: u64::MAX,
            batch: u64::MAX,
            claim,
            proof: vec![B256::repeat_byte(0xff); MAX_PROOF_DEPTH],
            posted,
            input: wire.into(),
            delivery: vec![0xff; DELIVERY_PROOF_BYTES].into(),
        };
        let calldata = call.abi_encode();
        let per_tx = DEFEND_PER_TX_GAS * block.body.transactions.len() as u64;
        let gas = advance_gas(&calldata, &input, input_len) + DEFEND_OWN_GAS + per_tx;
        Ok((gas, (calldata.len() + TX_ENVELOPE_BYTES) as u64))
    }
}

impl BlockBudget for DefendBudget {
    fn check(
        &self,
        block: &Block<TxEnvelope>,
        witness: ExecutionWitness,
    ) -> Result<(), OverBudget> {
        let (gas, bytes) = Self::defend_cost(self.0.l2_chain_id, block, witness)?;
        if bytes > self.0.max_tx_bytes {
            return Err(OverBudget {
                what: "bytes of the defend transaction",
                needed: bytes,
                limit: self.0.max_tx_bytes,
            });
        }
        if gas > self.0.max_gas {
            return Err(OverBudget {
                what: "L1 gas of defend",
                needed: gas,
                limit: self.0.max_gas,
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy_primitives::{Address, U256};
    use alloy_signer_local::PrivateKeySigner;
    use nr_chain::{Chain, Eip1559Builder, spec::ChainSpec};
    use nr_stateless::{ForkSchedule, evm::PlainEthereum};
    use std::sync::Arc;

    /// A block of 470 transfers, with its witness.
    fn transfers_block() -> (Block<TxEnvelope>, ExecutionWitness) {
        let dir = tempfile::tempdir().unwrap();
        let keys = [PrivateKeySigner::random(), PrivateKeySigner::random()];
        let funded = [keys[0].address(), keys[1].address()];
        let schedule = ForkSchedule {
            cancun_time: Some(0),
            prague_time: Some(0),
            osaka_time: Some(0),
            ..Default::default()
        };
        let spec =
            ChainSpec::dev(7, schedule, 1_000, &funded, U256::from(10u64).pow(U256::from(24)));
        let chain = Chain::open(&dir.path().join("c.redb"), spec, Arc::new(PlainEthereum)).unwrap();
        for i in 0..470u64 {
            let to = Address::left_padding_from(&(i + 1).to_be_bytes());
            let tx = Eip1559Builder::new(7, i / 2, to)
                .value(U256::from(1))
                .sign(&keys[(i % 2) as usize])
                .unwrap();
            chain.add_transaction(tx).unwrap();
        }
        let p = chain.produce_block(2_000).unwrap();
        assert_eq!(p.block.body.transactions.len(), 470, "{:?}", p.skipped.first());
        let witness = chain.witness(&p.hash).unwrap();
        (p.block, witness)
    }

    /// A block within the native mode's `advance` budget that cannot be defended within
    /// the same L1 cap (2^24): an honest proposer of such a block would lose its bond to
    /// a griefer. The optimistic sequencer's budget refuses it.
    #[test]
    fn undefendable_block_under_advance_budget() {
        let cap = alloy_eips::eip7825::MAX_TX_GAS_LIMIT_OSAKA;
        let (block, witness) = transfers_block();
        let advance = AdvanceBudget::new(7, cap);
        assert_eq!(advance.check(&block, witness.clone()), Ok(()), "fits one advance");
        let (gas, _) = DefendBudget::defend_cost(7, &block, witness.clone()).unwrap();
        println!("470 transfers: defend needs {gas} L1 gas, limit {}", advance.max_gas);
        let err = DefendBudget(advance).check(&block, witness).unwrap_err();
        assert_eq!(err.what, "L1 gas of defend", "{err:?}");
        assert_eq!((err.needed, err.limit), (gas, advance.max_gas));
    }

    /// The budget counts the calldata of the longest claim proof: its bytes are those of
    /// a real `defend` of the block with a [`MAX_PROOF_DEPTH`]-sibling proof, and its gas
    /// covers that calldata (a block at the budget's limit stays defendable in a batch
    /// of 1,024 blocks).
    #[test]
    fn defend_budget_counts_the_claim_proof() {
        let (block, witness) = transfers_block();
        let (gas, bytes) = DefendBudget::defend_cost(7, &block, witness.clone()).unwrap();
        let input = MemoryChain::stateless_input(&block, witness, &Requests::default(), 7).unwrap();
        let wire = input.to_wire();
        let mut posted = posted_block(&block, 5);
        posted.prevRandao = B256::repeat_byte(0x11);
        let call = |depth: usize| OptimisticRollup::defendCall {
            n: 9,
            batch: 3,
            claim: OptimisticRollup::Claim { anchorBlock: 5, timestamp: 1, ..Default::default() },
            proof: vec![B256::repeat_byte(0x22); depth],
            posted: posted.clone(),
            input: wire.clone().into(),
            delivery: vec![0x33; DELIVERY_PROOF_BYTES].into(),
        };
        assert_eq!(MAX_PROOF_DEPTH, nr_contracts::claims::depth(1024), "the largest batch's");
        let full = call(MAX_PROOF_DEPTH).abi_encode();
        let none = call(0).abi_encode();
        assert_eq!(full.len() - none.len(), 32 * MAX_PROOF_DEPTH, "one word per sibling");
        assert_eq!(bytes, (full.len() + TX_ENVELOPE_BYTES) as u64, "counted bytes");
        let model = advance_gas(&full, &input, wire.len());
        assert!(gas >= model + DEFEND_OWN_GAS, "gas {gas} covers the proof's calldata {model}");
        // With the proof counted, a block just within the budget still fits one defend.
        let cap = alloy_eips::eip7825::MAX_TX_GAS_LIMIT_OSAKA;
        let budget = DefendBudget(AdvanceBudget::new(7, cap));
        println!(
            "470 transfers: defend {gas} gas, {bytes} bytes; limits {} / {}",
            budget.0.max_gas, budget.0.max_tx_bytes
        );
    }
}
