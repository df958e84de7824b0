//! Test vectors made by the executable spec (execution-specs `projects/zkevm`, tests-zkevm
//! v0.8): the JSON both sides of `scripts/spec-vectors/stateless_input_vectors.py` speak.
//!
//! `examples/spec_v08_inputs.rs` writes the structured fields of our inputs
//! ([`InputFields`]); the script builds the spec's `SSZStatelessInput` from them with the
//! spec's own classes and writes one [`SpecVector`] per case (the spec's wire bytes, roots
//! and expected guest output) under `tests/fixtures/spec-v08/`.

use alloy_primitives::{Address, B256, Bloom, Bytes, FixedBytes, U256};
use nr_stateless::ssz::{
    BuilderDepositRequest, BuilderExitRequest, ConsolidationRequest, DepositRequest,
    ExecutionPayload, ExecutionRequests, ExecutionWitness, NewPayloadRequest, Withdrawal,
    WithdrawalRequest,
};
use serde::{Deserialize, Serialize};

/// The structured fields of one `StatelessInput`, as the script reads them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InputFields {
    /// The block, as the consensus layer hands it over.
    pub new_payload_request: NewPayloadRequestFields,
    /// Trie nodes, codes and headers.
    pub witness: WitnessFields,
    /// EIP-155 chain id.
    pub chain_id: u64,
    /// One 65-byte uncompressed signer key per transaction.
    pub public_keys: Vec<FixedBytes<65>>,
}

/// `NewPayloadRequest` fields.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewPayloadRequestFields {
    /// The payload.
    pub execution_payload: PayloadFields,
    /// Blob versioned hashes.
    pub versioned_hashes: Vec<B256>,
    /// EIP-4788 root.
    pub parent_beacon_block_root: B256,
    /// EIP-7685 requests.
    pub execution_requests: RequestsFields,
}

/// `ExecutionPayload` fields (19, in SSZ order).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[allow(missing_docs)] // the names are the SSZ field names of EIP-8025
pub struct PayloadFields {
    pub parent_hash: B256,
    pub fee_recipient: Address,
    pub state_root: B256,
    pub receipts_root: B256,
    pub logs_bloom: Bloom,
    pub prev_randao: B256,
    pub block_number: u64,
    pub gas_limit: u64,
    pub gas_used: u64,
    pub timestamp: u64,
    pub extra_data: Bytes,
    pub base_fee_per_gas: U256,
    pub block_hash: B256,
    pub transactions: Vec<Bytes>,
    pub withdrawals: Vec<WithdrawalFields>,
    pub blob_gas_used: u64,
    pub excess_blob_gas: u64,
    pub block_access_list: Bytes,
    pub slot_number: u64,
}

/// `Withdrawal` fields.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[allow(missing_docs)]
pub struct WithdrawalFields {
    pub index: u64,
    pub validator_index: u64,
    pub address: Address,
    pub amount: u64,
}

/// `ExecutionRequests` fields.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[allow(missing_docs)]
pub struct RequestsFields {
    pub deposits: Vec<DepositFields>,
    pub withdrawals: Vec<WithdrawalRequestFields>,
    pub consolidations: Vec<ConsolidationFields>,
    pub builder_deposits: Vec<BuilderDepositFields>,
    pub builder_exits: Vec<BuilderExitFields>,
}

/// `DepositRequest` fields.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[allow(missing_docs)]
pub struct DepositFields {
    pub pubkey: FixedBytes<48>,
    pub withdrawal_credentials: B256,
    pub amount: u64,
    pub signature: FixedBytes<96>,
    pub index: u64,
}

/// `WithdrawalRequest` fields.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[allow(missing_docs)]
pub struct WithdrawalRequestFields {
    pub source_address: Address,
    pub validator_pubkey: FixedBytes<48>,
    pub amount: u64,
}

/// `ConsolidationRequest` fields.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[allow(missing_docs)]
pub struct ConsolidationFields {
    pub source_address: Address,
    pub source_pubkey: FixedBytes<48>,
    pub target_pubkey: FixedBytes<48>,
}

/// `BuilderDepositRequest` fields.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[allow(missing_docs)]
pub struct BuilderDepositFields {
    pub pubkey: FixedBytes<48>,
    pub withdrawal_credentials: B256,
    pub amount: u64,
    pub signature: FixedBytes<96>,
}

/// `BuilderExitRequest` fields.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[allow(missing_docs)]
pub struct BuilderExitFields {
    pub source_address: Address,
    pub pubkey: FixedBytes<48>,
}

/// `ExecutionWitness` fields.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[allow(missing_docs)]
pub struct WitnessFields {
    pub state: Vec<Bytes>,
    pub codes: Vec<Bytes>,
    pub headers: Vec<Bytes>,
}

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
    pub fields: Option<InputFields>,
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
    pub fields: Option<InputFields>,
    /// The guest input: the spec's schema prefix ++ SSZ, or the raw bytes of a decode case.
    pub wire: Bytes,
    /// Hash tree roots the spec's classes give, by name (empty for decode failures).
    pub roots: std::collections::BTreeMap<String, B256>,
    /// The 43 bytes the guest must output.
    pub expected_result: Bytes,
}

fn withdrawal_fields(w: &Withdrawal) -> WithdrawalFields {
    WithdrawalFields {
        index: w.index,
        validator_index: w.validator_index,
        address: w.address,
        amount: w.amount,
    }
}

fn requests_fields(r: &ExecutionRequests) -> RequestsFields {
    RequestsFields {
        deposits: r
            .deposits
            .iter()
            .map(|d| DepositFields {
                pubkey: d.pubkey,
                withdrawal_credentials: d.withdrawal_credentials,
                amount: d.amount,
                signature: d.signature,
                index: d.index,
            })
            .collect(),
        withdrawals: r
            .withdrawals
            .iter()
            .map(|w| WithdrawalRequestFields {
                source_address: w.source_address,
                validator_pubkey: w.validator_pubkey,
                amount: w.amount,
            })
            .collect(),
        consolidations: r
            .consolidations
            .iter()
            .map(|c| ConsolidationFields {
                source_address: c.source_address,
                source_pubkey: c.source_pubkey,
                target_pubkey: c.target_pubkey,
            })
            .collect(),
        builder_deposits: r
            .builder_deposits
            .iter()
            .map(|b| BuilderDepositFields {
                pubkey: b.pubkey,
                withdrawal_credentials: b.withdrawal_credentials,
                amount: b.amount,
                signature: b.signature,
            })
            .collect(),
        builder_exits: r
            .builder_exits
            .iter()
            .map(|b| BuilderExitFields { source_address: b.source_address, pubkey: b.pubkey })
            .collect(),
    }
}

fn requests_of(r: RequestsFields) -> ExecutionRequests {
    ExecutionRequests {
        deposits: r
            .deposits
            .into_iter()
            .map(|d| DepositRequest {
                pubkey: d.pubkey,
                withdrawal_credentials: d.withdrawal_credentials,
                amount: d.amount,
                signature: d.signature,
                index: d.index,
            })
            .collect(),
        withdrawals: r
            .withdrawals
            .into_iter()
            .map(|w| WithdrawalRequest {
                source_address: w.source_address,
                validator_pubkey: w.validator_pubkey,
                amount: w.amount,
            })
            .collect(),
        consolidations: r
            .consolidations
            .into_iter()
            .map(|c| ConsolidationRequest {
                source_address: c.source_address,
                source_pubkey: c.source_pubkey,
                target_pubkey: c.target_pubkey,
            })
            .collect(),
        builder_deposits: r
            .builder_deposits
            .into_iter()
            .map(|b| BuilderDepositRequest {
                pubkey: b.pubkey,
                withdrawal_credentials: b.withdrawal_credentials,
                amount: b.amount,
                signature: b.signature,
            })
            .collect(),
        builder_exits: r
            .builder_exits
            .into_iter()
            .map(|b| BuilderExitRequest { source_address: b.source_address, pubkey: b.pubkey })
            .collect(),
    }
}

impl InputFields {
    /// The fields of an input made of these parts.
    pub fn new(
        npr: &NewPayloadRequest,
        witness: &ExecutionWitness,
        chain_id: u64,
        public_keys: &[FixedBytes<65>],
    ) -> Self {
        let p = &npr.execution_payload;
        Self {
            new_payload_request: NewPayloadRequestFields {
                execution_payload: PayloadFields {
                    parent_hash: p.parent_hash,
                    fee_recipient: p.fee_recipient,
                    state_root: p.state_root,
                    receipts_root: p.receipts_root,
                    logs_bloom: p.logs_bloom,
                    prev_randao: p.prev_randao,
                    block_number: p.block_number,
                    gas_limit: p.gas_limit,
                    gas_used: p.gas_used,
                    timestamp: p.timestamp,
                    extra_data: p.extra_data.clone(),
                    base_fee_per_gas: p.base_fee_per_gas,
                    block_hash: p.block_hash,
                    transactions: p.transactions.clone(),
                    withdrawals: p.withdrawals.iter().map(withdrawal_fields).collect(),
                    blob_gas_used: p.blob_gas_used,
                    excess_blob_gas: p.excess_blob_gas,
                    block_access_list: p.block_access_list.clone(),
                    slot_number: p.slot_number,
                },
                versioned_hashes: npr.versioned_hashes.clone(),
                parent_beacon_block_root: npr.parent_beacon_block_root,
                execution_requests: requests_fields(&npr.execution_requests),
            },
            witness: WitnessFields {
                state: witness.state.clone(),
                codes: witness.codes.clone(),
                headers: witness.headers.clone(),
            },
            chain_id,
            public_keys: public_keys.to_vec(),
        }
    }

    /// Our `NewPayloadRequest` with these fields.
    pub fn new_payload_request(&self) -> NewPayloadRequest {
        let n = self.new_payload_request.clone();
        let p = n.execution_payload;
        NewPayloadRequest {
            execution_payload: ExecutionPayload {
                parent_hash: p.parent_hash,
                fee_recipient: p.fee_recipient,
                state_root: p.state_root,
                receipts_root: p.receipts_root,
                logs_bloom: p.logs_bloom,
                prev_randao: p.prev_randao,
                block_number: p.block_number,
                gas_limit: p.gas_limit,
                gas_used: p.gas_used,
                timestamp: p.timestamp,
                extra_data: p.extra_data,
                base_fee_per_gas: p.base_fee_per_gas,
                block_hash: p.block_hash,
                transactions: p.transactions,
                withdrawals: p
                    .withdrawals
                    .into_iter()
                    .map(|w| Withdrawal {
                        index: w.index,
                        validator_index: w.validator_index,
                        address: w.address,
                        amount: w.amount,
                    })
                    .collect(),
                blob_gas_used: p.blob_gas_used,
                excess_blob_gas: p.excess_blob_gas,
                block_access_list: p.block_access_list,
                slot_number: p.slot_number,
            },
            versioned_hashes: n.versioned_hashes,
            parent_beacon_block_root: n.parent_beacon_block_root,
            execution_requests: requests_of(n.execution_requests),
        }
    }

    /// Our `ExecutionWitness` with these fields.
    pub fn witness(&self) -> ExecutionWitness {
        ExecutionWitness {
            state: self.witness.state.clone(),
            codes: self.witness.codes.clone(),
            headers: self.witness.headers.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        let fields = InputFields::new(&npr, &witness, 8079, &[FixedBytes::repeat_byte(4)]);
        let json = serde_json::to_string(&fields).unwrap();
        let back: InputFields = serde_json::from_str(&json).unwrap();
        assert_eq!(back, fields);
        assert_eq!(back.new_payload_request(), npr);
        assert_eq!(back.witness(), witness);
    }
}
