//! Test vectors made by the executable spec (execution-specs `projects/zkevm`, tests-zkevm
//! v0.8): the JSON both sides of `scripts/spec-vectors/stateless_input_vectors.py` speak.
//!
//! `examples/spec_v08_inputs.rs` writes the structured fields of our inputs
//! (a [`StatelessInput`], serialized with serde); the script builds the spec's `SSZStatelessInput` from them with the
//! spec's own classes and writes one [`SpecVector`] per case (the spec's wire bytes, roots
//! and expected guest output) under `tests/fixtures/spec-v08/`.

use alloy_primitives::{B256, Bytes};
use nr_stateless::ssz::StatelessInput;
use serde::{Deserialize, Serialize};

/// One case the generator writes: fields to encode, or raw wire bytes the guest must refuse.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct InputCase {
    /// Short unique name (the fixture's file name).
    pub name: String,
    /// What the case is and why it exists.
    pub description: String,
    /// Fork whose rules the block follows (absent for raw byte cases).
    pub fork: Option<String>,
    /// `valid`, `invalid` (decodable, fails validation) or `decode_failure`.
    pub kind: String,
    /// The input's fields, for `valid`/`invalid` cases and for cases the script derives
    /// raw bytes from.
    pub fields: Option<StatelessInput>,
}

/// What the script produced for one case with the spec's code.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SpecVector {
    /// Case name.
    pub name: String,
    /// What the case is.
    pub description: String,
    /// Fork of the block, if any.
    pub fork: Option<String>,
    /// `valid`, `invalid` or `decode_failure`.
    pub kind: String,
    /// The fields the spec's classes were built from (absent for raw byte cases).
    pub fields: Option<StatelessInput>,
    /// The guest input: the spec's schema prefix ++ SSZ, or the raw bytes of a decode case.
    pub wire: Bytes,
    /// Hash tree roots the spec's classes give, by name (empty for decode failures).
    pub roots: std::collections::BTreeMap<String, B256>,
    /// The 43 bytes the guest must output.
    pub expected_result: Bytes,
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy_primitives::{Address, Bloom, FixedBytes, U256};
    use nr_stateless::ssz::{
        ExecutionPayload, ExecutionRequests, ExecutionWitness, NewPayloadRequest, Withdrawal,
        WithdrawalRequest,
    };

    #[test]
    fn fields_round_trip_through_json() {
        let npr = NewPayloadRequest {
            execution_payload: ExecutionPayload {
                parent_hash: B256::repeat_byte(1),
                fee_recipient: Address::repeat_byte(2),
                state_root: B256::repeat_byte(3),
                receipts_root: B256::repeat_byte(4),
                logs_bloom: Bloom::repeat_byte(5),
                prev_randao: B256::repeat_byte(6),
                block_number: 7,
                gas_limit: 8,
                gas_used: 9,
                timestamp: 10,
                extra_data: Bytes::from_static(b"x"),
                base_fee_per_gas: U256::from(11),
                block_hash: B256::repeat_byte(12),
                transactions: vec![Bytes::from_static(&[2, 1])],
                withdrawals: vec![Withdrawal {
                    index: 1,
                    validator_index: 2,
                    address: Address::repeat_byte(3),
                    amount: 4,
                }],
                blob_gas_used: 13,
                excess_blob_gas: 14,
                block_access_list: Bytes::new(),
                slot_number: 15,
            },
            versioned_hashes: vec![B256::repeat_byte(16)],
            parent_beacon_block_root: B256::repeat_byte(17),
            execution_requests: ExecutionRequests {
                withdrawals: vec![WithdrawalRequest {
                    source_address: Address::repeat_byte(18),
                    validator_pubkey: FixedBytes::repeat_byte(19),
                    amount: 20,
                }],
                ..Default::default()
            },
        };
        let witness = ExecutionWitness {
            state: vec![Bytes::from_static(&[0xc0])],
            codes: vec![],
            headers: vec![Bytes::from_static(&[0xc1, 0x80])],
        };
        let input = StatelessInput {
            new_payload_request: npr,
            witness,
            chain_id: 8079,
            public_keys: vec![FixedBytes::repeat_byte(4)],
        };
        let json = serde_json::to_string(&input).unwrap();
        let back: StatelessInput = serde_json::from_str(&json).unwrap();
        assert_eq!(back, input);
    }
}
