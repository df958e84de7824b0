//! The guest program of execution-specs (`stateless_guest.py`, EIP-8025): wire bytes in,
//! the 43-byte [`StatelessValidationResult`] out, never an error.
//!
//! - Bytes that do not decode (short, another schema id, invalid SSZ, an item over its
//!   limit) give [`StatelessValidationResult::DECODE_FAILURE`]: 43 zero bytes.
//! - A decoded input that fails validation gives its `NewPayloadRequest` root,
//!   `successful_validation = false`, its `chain_id` and the schema id.
//! - A valid one gives the same with `successful_validation = true`.
//!
//! The EXECUTE precompile does not use this entry: it fails closed (any decode or
//! validation failure is a precompile error that consumes all gas).

use crate::fork::ForkSchedule;
use crate::ssz::{RootFlavor, STATELESS_VALIDATION_RESULT_SIZE, StatelessInput};
use crate::ssz::{SszError, StatelessValidationResult};
use crate::stateless::{StatelessError, verify_stateless_new_payload};

/// What a guest run produced: the result it outputs, and why it failed if it did.
#[derive(Debug)]
pub struct GuestRun {
    /// The output.
    pub result: StatelessValidationResult,
    /// The decoding error or validation error behind a failed result.
    pub failure: Option<StatelessError>,
}

/// Runs the guest on wire bytes under `schedule` and keeps the failure reason.
pub fn stateless_guest(bytes: &[u8], schedule: &ForkSchedule) -> GuestRun {
    let input = match StatelessInput::from_wire(bytes) {
        Ok(input) => input,
        Err(e) => {
            return GuestRun {
                result: StatelessValidationResult::DECODE_FAILURE,
                failure: Some(StatelessError::from(e)),
            };
        }
    };
    match verify_stateless_new_payload(&input, schedule) {
        Ok(result) => GuestRun { result, failure: None },
        Err(e) => GuestRun {
            result: StatelessValidationResult::new(
                input.new_payload_request.root(RootFlavor::Execution),
                false,
                input.chain_id,
            ),
            failure: Some(e),
        },
    }
}

/// The guest entry point: wire bytes in, the 43 result bytes out.
pub fn run_stateless_guest(
    bytes: &[u8],
    schedule: &ForkSchedule,
) -> [u8; STATELESS_VALIDATION_RESULT_SIZE] {
    stateless_guest(bytes, schedule).result.to_bytes()
}

/// Whether a guest failure happened while decoding (the all-zero result).
pub fn is_decode_failure(failure: &StatelessError) -> bool {
    matches!(
        failure,
        StatelessError::Ssz(
            SszError::MissingSchemaId { .. }
                | SszError::UnsupportedSchemaId { .. }
                | SszError::Decode { .. }
                | SszError::TooLong { .. }
        )
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fork::Fork;

    /// xorshift64: reproducible junk without extra dependencies.
    fn junk(seed: &mut u64, len: usize) -> Vec<u8> {
        (0..len)
            .map(|_| {
                *seed ^= *seed << 13;
                *seed ^= *seed >> 7;
                *seed ^= *seed << 17;
                *seed as u8
            })
            .collect()
    }

    #[test]
    fn random_truncated_and_over_long_inputs_give_43_zero_bytes() {
        let schedule = ForkSchedule::from_genesis(Fork::Osaka);
        let mut seed = 0x8025_0101_u64;
        let mut cases: Vec<Vec<u8>> = vec![vec![], vec![0x15], vec![0x15, 0x01]];
        for len in [1usize, 2, 3, 21, 22, 100, 636, 700, 5000, 70_000] {
            let mut j = junk(&mut seed, len);
            cases.push(j.clone());
            if j.len() >= 2 {
                j[..2].copy_from_slice(&[0x15, 0x01]);
                cases.push(j);
            }
        }
        // An over-long item: a 1025-byte witness node.
        let mut input = crate::ssz::StatelessInput {
            new_payload_request: crate::ssz::NewPayloadRequest {
                execution_payload: crate::ssz::ExecutionPayload {
                    parent_hash: Default::default(),
                    fee_recipient: Default::default(),
                    state_root: Default::default(),
                    receipts_root: Default::default(),
                    logs_bloom: Default::default(),
                    prev_randao: Default::default(),
                    block_number: 1,
                    gas_limit: 30_000_000,
                    gas_used: 0,
                    timestamp: 12,
                    extra_data: Default::default(),
                    base_fee_per_gas: Default::default(),
                    block_hash: Default::default(),
                    transactions: vec![],
                    withdrawals: vec![],
                    blob_gas_used: 0,
                    excess_blob_gas: 0,
                    block_access_list: Default::default(),
                    slot_number: 0,
                },
                versioned_hashes: vec![],
                parent_beacon_block_root: Default::default(),
                execution_requests: Default::default(),
            },
            witness: Default::default(),
            chain_id: 7,
            public_keys: vec![],
        };
        let wire = input.to_wire();
        for cut in 0..wire.len() {
            cases.push(wire[..cut].to_vec());
        }
        let mut trailing = wire.clone();
        trailing.push(0);
        cases.push(trailing);
        input.witness.state.push(vec![0u8; 1025].into());
        cases.push(input.to_wire());
        for (i, c) in cases.iter().enumerate() {
            let run = stateless_guest(c, &schedule);
            assert_eq!(run.result.to_bytes(), [0u8; 43], "case {i} ({} bytes)", c.len());
            assert!(run.failure.as_ref().is_some_and(is_decode_failure), "case {i}: {run:?}");
            assert_eq!(run_stateless_guest(c, &schedule), [0u8; 43]);
        }
        // Decodable but invalid (no parent header): root, false, chain id, schema id.
        input.witness.state.clear();
        let run = stateless_guest(&input.to_wire(), &schedule);
        assert!(!run.failure.as_ref().is_some_and(is_decode_failure), "{run:?}");
        let b = run.result.to_bytes();
        assert_eq!(b[..32], input.new_payload_request.root(RootFlavor::Execution)[..]);
        assert_eq!(b[32..], [0, 7, 0, 0, 0, 0, 0, 0, 0, 0x01, 0x15]);
    }
}
