//! The EXECUTE precompile's verification core (EIP-8079).
//!
//! [`execute`] takes the precompile input (the wire bytes of a `StatelessInput`: schema id
//! `0x1501` then SSZ, execution-specs tests-zkevm v0.8), rejects what an L2 block may not
//! contain, and verifies the block statelessly with the L1's own fork rules for the block's
//! timestamp and the input's chain id. Unlike the guest (`nr_stateless::guest`), EXECUTE
//! fails closed: any decode or validation failure is an error, and success returns the
//! 43-byte `StatelessValidationResult` with `successful_validation = 1`. [`precompile`] wraps it as a revm precompile at `0x0101`
//! with its gas rule and the per-L1-block EXECUTE gas market.
#![warn(missing_docs)]

pub mod precompile;

use nr_stateless::{
    ForkSchedule, StatelessError,
    ssz::{SszError, StatelessInput, StatelessValidationResult},
    verify_stateless_new_payload,
};

/// EIP-2718 type byte of blob transactions.
const BLOB_TX_TYPE: u8 = 0x03;

/// Something an L2 block may not carry: rollups have no blobs, no beacon-chain
/// withdrawals and no consensus-layer requests.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum L2Violation {
    /// A blob-carrying transaction.
    #[error("transactions[{index}] is a blob transaction (type 3)")]
    BlobTransaction {
        /// Position in the block.
        index: usize,
    },
    /// Versioned hashes in the request.
    #[error("versioned_hashes must be empty, has {0}")]
    VersionedHashes(usize),
    /// Non-zero blob gas used.
    #[error("blob_gas_used must be 0, is {0}")]
    BlobGasUsed(u64),
    /// Non-zero excess blob gas.
    #[error("excess_blob_gas must be 0, is {0}")]
    ExcessBlobGas(u64),
    /// Withdrawals in the payload.
    #[error("withdrawals must be empty, has {0}")]
    Withdrawals(usize),
    /// Execution-layer requests in the request.
    #[error("execution_requests must be empty")]
    ExecutionRequests,
}

/// Why EXECUTE failed. Any failure means the call fails and its gas is spent.
#[derive(Debug, thiserror::Error)]
pub enum ExecuteError {
    /// The input is not the wire bytes of a `StatelessInput` (schema id or SSZ).
    #[error("input: {0}")]
    Decode(#[from] SszError),
    /// The block has a field an L2 block may not have.
    #[error("L2 constraint: {0}")]
    L2(#[from] L2Violation),
    /// Stateless validation rejected the block.
    #[error(transparent)]
    Invalid(#[from] StatelessError),
}

/// Checks the fields an L2 block must leave empty.
pub fn check_l2_constraints(input: &StatelessInput) -> Result<(), L2Violation> {
    let npr = &input.new_payload_request;
    let p = &npr.execution_payload;
    if let Some(index) = p.transactions.iter().position(|t| t.first() == Some(&BLOB_TX_TYPE)) {
        return Err(L2Violation::BlobTransaction { index });
    }
    if !npr.versioned_hashes.is_empty() {
        return Err(L2Violation::VersionedHashes(npr.versioned_hashes.len()));
    }
    if p.blob_gas_used != 0 {
        return Err(L2Violation::BlobGasUsed(p.blob_gas_used));
    }
    if p.excess_blob_gas != 0 {
        return Err(L2Violation::ExcessBlobGas(p.excess_blob_gas));
    }
    if !p.withdrawals.is_empty() {
        return Err(L2Violation::Withdrawals(p.withdrawals.len()));
    }
    let r = &npr.execution_requests;
    if !(r.deposits.is_empty()
        && r.withdrawals.is_empty()
        && r.consolidations.is_empty()
        && r.builder_deposits.is_empty()
        && r.builder_exits.is_empty())
    {
        return Err(L2Violation::ExecutionRequests);
    }
    Ok(())
}

/// Verifies an already-decoded input as EXECUTE does: L2 constraints, then stateless
/// validation under `schedule` (the L1's fork schedule).
pub fn execute_decoded(
    input: &StatelessInput,
    schedule: &ForkSchedule,
) -> Result<StatelessValidationResult, ExecuteError> {
    check_l2_constraints(input)?;
    Ok(verify_stateless_new_payload(input, schedule)?)
}

/// EXECUTE on wire bytes: decode, check L2 constraints, verify.
pub fn execute(
    input: &[u8],
    schedule: &ForkSchedule,
) -> Result<StatelessValidationResult, ExecuteError> {
    let input = StatelessInput::from_wire(input)?;
    execute_decoded(&input, schedule)
}
