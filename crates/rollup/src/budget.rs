//! What one L1 `advance` transaction can carry, and the [`BlockBudget`] that keeps every L2
//! block the sequencer makes within it (rule 2 of every settlement mode: a block the
//! sequencer makes can always be settled).
//!
//! Witness bytes cost no L2 gas, so L2 gas alone does not bound a block's settlement: one
//! transaction touching many large contracts makes ~1 MB of witness for ~165k L2 gas. The
//! sequencer therefore measures each block it builds as the settler will send it (the
//! `advance` calldata carrying the block and its witness) against the L1's limits: the
//! per-transaction gas cap (EIP-7825) and the RPC request body limit. `docs/l2.md`
//! ("Block building limits") explains the margins.

use crate::{RollupError, l1::L1Client};
use alloy_consensus::{Block, TxEnvelope};
use alloy_eips::eip7685::Requests;
use alloy_primitives::U256;
use alloy_rpc_types_eth::BlockNumberOrTag;
use alloy_sol_types::SolCall;
use nr_chain::{BlockBudget, OverBudget};
use nr_contracts::NativeRollup;
use nr_stateless::{
    memory::MemoryChain,
    ssz::{ExecutionWitness, StatelessInput},
};

/// The L1 JSON-RPC request body limit (2 MiB, as geth and our L1 node).
pub const L1_RPC_BODY_LIMIT: usize = 2 * 1024 * 1024;
/// Room in an `eth_sendRawTransaction` request besides the transaction's hex digits.
pub const RPC_ENVELOPE_BYTES: usize = 4 * 1024;
/// Bytes of a signed EIP-1559 transaction besides its calldata (fields, signature, RLP
/// headers), rounded up.
pub const TX_ENVELOPE_BYTES: usize = 256;
/// L1 gas `advance` spends besides the calldata, EXECUTE and the input's memory: the
/// header reads and checks, `blockhash`, six storage writes and the event (measured ~150k
/// cold; twice that as margin).
pub const ADVANCE_OWN_GAS: u64 = 300_000;
/// The settler sends `advance` with its gas estimate plus a fifth: the block's gas must
/// leave that room below the L1 cap, so the budget is 5/6 of the cap.
pub const ESTIMATE_HEADROOM: (u64, u64) = (5, 6);

/// L1 gas EXECUTE requires before it runs on `input` (`input_len` wire bytes):
/// [`nr_execute::precompile::required_gas`] when EXECUTE is not congested (one L1 gas per
/// L2 gas). The one place the sequencer prices EXECUTE.
pub fn execute_required_gas(input: &StatelessInput, input_len: usize) -> u64 {
    nr_execute::precompile::required_gas(input, input_len, 1, 1)
}

/// L1 gas of an `advance` transaction with `calldata` carrying `input` (`input_len` wire
/// bytes): the larger of the standard cost (intrinsic, calldata, the contract's own work,
/// the input copied to memory once for the EXECUTE call, EXECUTE's requirement under the
/// 63/64 rule) and EIP-7623's calldata floor.
pub fn advance_gas(calldata: &[u8], input: &StatelessInput, input_len: usize) -> u64 {
    let zeros = calldata.iter().filter(|b| **b == 0).count() as u64;
    let nonzero = calldata.len() as u64 - zeros;
    let floor = 21_000 + 10 * (zeros + 4 * nonzero);
    let words = (input_len as u64).div_ceil(32) + 8;
    let memory = 3 * words + words * words / 512 + 3 * words;
    let execute = execute_required_gas(input, input_len);
    let standard = (21_000 + 4 * zeros + 16 * nonzero + ADVANCE_OWN_GAS + memory)
        .saturating_add(execute)
        .saturating_add(execute / 63 + 1);
    standard.max(floor)
}

/// The limits of one L1 `advance`, as a [`BlockBudget`] for the L2 sequencer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AdvanceBudget {
    /// The L2 chain id (part of the stateless input).
    pub l2_chain_id: u64,
    /// Most L1 gas an `advance` may need (below the L1's per-transaction cap).
    pub max_gas: u64,
    /// Most bytes of the signed `advance` transaction (within the RPC body limit).
    pub max_tx_bytes: u64,
}

impl AdvanceBudget {
    /// The budget under an L1 whose per-transaction gas cap is `l1_tx_gas_cap`.
    pub fn new(l2_chain_id: u64, l1_tx_gas_cap: u64) -> Self {
        let (num, den) = ESTIMATE_HEADROOM;
        let by_body = (L1_RPC_BODY_LIMIT - RPC_ENVELOPE_BYTES) / 2;
        let max_tx_bytes = by_body.min(nr_chain::pool::DEFAULT_MAX_TX_SIZE) as u64;
        Self { l2_chain_id, max_gas: l1_tx_gas_cap / den * num, max_tx_bytes }
    }

    /// The budget under the L1 behind `l1`: its per-transaction cap is its latest block's
    /// gas limit, and at most EIP-7825's 2^24 (an L1 may turn Osaka on at any time).
    pub async fn from_l1(l1: &L1Client, l2_chain_id: u64) -> Result<Self, RollupError> {
        let latest = l1.block(BlockNumberOrTag::Latest).await?;
        let cap = latest.header.gas_limit.min(alloy_eips::eip7825::MAX_TX_GAS_LIMIT_OSAKA);
        Ok(Self::new(l2_chain_id, cap))
    }
}

impl BlockBudget for AdvanceBudget {
    fn check(
        &self,
        block: &Block<TxEnvelope>,
        witness: ExecutionWitness,
    ) -> Result<(), OverBudget> {
        let unencodable = OverBudget { what: "unencodable stateless input", needed: 1, limit: 0 };
        let input =
            MemoryChain::stateless_input(block, witness, &Requests::default(), self.l2_chain_id)
                .map_err(|_| unencodable)?;
        let wire = input.to_wire();
        let input_len = wire.len();
        // The anchor block number as the largest value it can take on the wire.
        let call = NativeRollup::advanceCall { input: wire.into(), anchorBlock: U256::MAX };
        let calldata = call.abi_encode();
        // Room for the prefix proofs, should the block be settled with
        // `advanceWithDelivery` (a message due: see `crate::delivery`).
        let tx_bytes = (calldata.len() + TX_ENVELOPE_BYTES + crate::delivery::PROOF_BYTES) as u64;
        if tx_bytes > self.max_tx_bytes {
            return Err(OverBudget {
                what: "bytes of the advance transaction",
                needed: tx_bytes,
                limit: self.max_tx_bytes,
            });
        }
        let gas = advance_gas(&calldata, &input, input_len) + crate::delivery::PROOF_GAS;
        if gas > self.max_gas {
            return Err(OverBudget { what: "L1 gas of advance", needed: gas, limit: self.max_gas });
        }
        Ok(())
    }
}
