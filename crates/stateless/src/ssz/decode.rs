//! Wire framing (schema id + SSZ) and SSZ encoding/decoding of the top-level containers,
//! with the schema's per-item limits checked on every decoded input (an error names the
//! field).

use super::{
    ExecutionWitness, MAX_BYTES_PER_CODE, MAX_BYTES_PER_HEADER, MAX_BYTES_PER_WITNESS_NODE,
    MAX_EXTRA_DATA_BYTES, MAX_WITNESS_HEADERS, MIN_TRANSACTION_GAS, NewPayloadRequest,
    STATELESS_INPUT_SCHEMA_ID, STATELESS_VALIDATION_RESULT_SIZE, StatelessInput,
    StatelessValidationResult,
};
use alloy_primitives::{B256, FixedBytes};

/// Why bytes are not a [`StatelessInput`] (or a [`StatelessValidationResult`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SszError {
    /// The wire bytes are shorter than the 2-byte schema id.
    #[error("missing stateless input schema id: {len} bytes")]
    MissingSchemaId {
        /// Length of the input.
        len: usize,
    },
    /// The wire bytes start with a schema id other than [`STATELESS_INPUT_SCHEMA_ID`]
    /// (inputs from before execution-specs tests-zkevm v0.8 have no id and land here).
    #[error("unsupported stateless input schema id {found:#06x} (expected {expected:#06x})")]
    UnsupportedSchemaId {
        /// The id read (big-endian first two bytes).
        found: u16,
        /// The id this verifier speaks.
        expected: u16,
    },
    /// The bytes are not a valid SSZ encoding of the container.
    #[error("invalid SSZ in {field}: {decode_error}")]
    Decode {
        /// The first top-level field (or the container) that does not decode.
        field: &'static str,
        /// `ethereum_ssz`'s `DecodeError` in its `Debug` form (that type implements neither
        /// `Display` nor `std::error::Error`).
        decode_error: String,
    },
    /// A list or byte list exceeds its limit.
    #[error("{field}: length {len} exceeds limit {limit}")]
    TooLong {
        /// Field path.
        field: &'static str,
        /// Actual length.
        len: usize,
        /// Limit.
        limit: usize,
    },
}

fn decode_error(field: &'static str, e: ssz::DecodeError) -> SszError {
    SszError::Decode { field, decode_error: format!("{e:?}") }
}

fn limit(field: &'static str, len: usize, limit: usize) -> Result<(), SszError> {
    if len > limit { Err(SszError::TooLong { field, len, limit }) } else { Ok(()) }
}

/// Size of the fixed part of an SSZ `StatelessInput`: three offsets and `chain_id`.
const INPUT_FIXED_SIZE: usize = 20;

/// Names the top-level field of an SSZ `StatelessInput` that fails to decode.
fn field_of_decode_failure(bytes: &[u8], whole: ssz::DecodeError) -> SszError {
    use ssz::Decode;
    if bytes.len() < INPUT_FIXED_SIZE {
        return decode_error("StatelessInput", whole);
    }
    let offset =
        |at: usize| u32::from_le_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]]);
    let (npr, witness, keys) = (offset(0) as usize, offset(4) as usize, offset(16) as usize);
    if npr != INPUT_FIXED_SIZE || npr > witness || witness > keys || keys > bytes.len() {
        return decode_error("StatelessInput offsets", whole);
    }
    if let Err(e) = NewPayloadRequest::from_ssz_bytes(&bytes[npr..witness]) {
        return decode_error("new_payload_request", e);
    }
    if let Err(e) = ExecutionWitness::from_ssz_bytes(&bytes[witness..keys]) {
        return decode_error("witness", e);
    }
    if let Err(e) = <Vec<FixedBytes<65>>>::from_ssz_bytes(&bytes[keys..]) {
        return decode_error("public_keys", e);
    }
    decode_error("StatelessInput", whole)
}

impl StatelessInput {
    /// Wire bytes: the big-endian schema id `15 01`, then `SSZ(self)`.
    pub fn to_wire(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(2 + ssz::Encode::ssz_bytes_len(self));
        out.extend_from_slice(&STATELESS_INPUT_SCHEMA_ID.to_be_bytes());
        ssz::Encode::ssz_append(self, &mut out);
        out
    }

    /// Decodes wire bytes: checks the schema id, decodes the SSZ body and checks every
    /// schema bound. Errors name the schema id or the offending field.
    pub fn from_wire(bytes: &[u8]) -> Result<Self, SszError> {
        let [hi, lo, body @ ..] = bytes else {
            return Err(SszError::MissingSchemaId { len: bytes.len() });
        };
        let found = u16::from_be_bytes([*hi, *lo]);
        if found != STATELESS_INPUT_SCHEMA_ID {
            return Err(SszError::UnsupportedSchemaId {
                found,
                expected: STATELESS_INPUT_SCHEMA_ID,
            });
        }
        Self::from_ssz_body(body)
    }

    /// Decodes the SSZ body alone (no schema id) and checks every schema bound.
    pub fn from_ssz_body(bytes: &[u8]) -> Result<Self, SszError> {
        let input = <Self as ssz::Decode>::from_ssz_bytes(bytes)
            .map_err(|e| field_of_decode_failure(bytes, e))?;
        input.check_limits()?;
        Ok(input)
    }

    /// The SSZ body alone (no schema id; the wire form is [`Self::to_wire`]).
    pub fn to_ssz_body(&self) -> Vec<u8> {
        ssz::Encode::as_ssz_bytes(self)
    }

    /// The most L2 gas executing this block can take, for EXECUTE to charge before any work:
    /// each transaction counts for its declared gas limit (a transaction never uses more)
    /// but at least [`MIN_TRANSACTION_GAS`] (what its signature and intrinsic work cost, even
    /// if it declares 0 or does not decode); the sum is capped by the block gas limit, yet
    /// never below `MIN_TRANSACTION_GAS` per transaction: that floor is not capped, so a block
    /// with more transactions than its gas limit admits still pays for each one (and
    /// verification refuses it before recovering any signature). The declared `gas_used`
    /// cannot bound the work: it is only compared with the real one after execution.
    pub fn work_bound(&self) -> u64 {
        use alloy_consensus::Transaction as _;
        use alloy_eips::Decodable2718;
        let p = &self.new_payload_request.execution_payload;
        let mut sum: u64 = 0;
        for raw in &p.transactions {
            let declared = alloy_consensus::TxEnvelope::decode_2718(&mut raw.as_ref())
                .map_or(0, |tx| tx.gas_limit());
            sum = sum.saturating_add(declared.max(MIN_TRANSACTION_GAS));
        }
        sum.min(p.gas_limit).max(self.transaction_floor_gas())
    }

    /// [`MIN_TRANSACTION_GAS`] times the number of transactions (saturating): the least L2
    /// gas the block's transactions can use.
    pub fn transaction_floor_gas(&self) -> u64 {
        let n = self.new_payload_request.execution_payload.transactions.len() as u64;
        n.saturating_mul(MIN_TRANSACTION_GAS)
    }

    /// Checks the limits of the schema: `extra_data`, the number of headers and the size
    /// of each witness item (lists without a count limit in v0.8 are progressive).
    pub fn check_limits(&self) -> Result<(), SszError> {
        let p = &self.new_payload_request.execution_payload;
        limit("execution_payload.extra_data", p.extra_data.len(), MAX_EXTRA_DATA_BYTES)?;
        let w = &self.witness;
        limit("witness.headers", w.headers.len(), MAX_WITNESS_HEADERS)?;
        for n in &w.state {
            limit("witness.state[i]", n.len(), MAX_BYTES_PER_WITNESS_NODE)?;
        }
        for c in &w.codes {
            limit("witness.codes[i]", c.len(), MAX_BYTES_PER_CODE)?;
        }
        for h in &w.headers {
            limit("witness.headers[i]", h.len(), MAX_BYTES_PER_HEADER)?;
        }
        Ok(())
    }
}

impl StatelessValidationResult {
    /// What a guest outputs for input that does not decode: 43 zero bytes.
    pub const DECODE_FAILURE: Self = Self {
        new_payload_request_root: B256::ZERO,
        successful_validation: false,
        chain_id: 0,
        schema_id: 0,
    };

    /// A result of an input that decoded: `root`, the verdict, `chain_id` and
    /// [`STATELESS_INPUT_SCHEMA_ID`].
    pub const fn new(
        new_payload_request_root: B256,
        successful_validation: bool,
        chain_id: u64,
    ) -> Self {
        Self {
            new_payload_request_root,
            successful_validation,
            chain_id,
            schema_id: STATELESS_INPUT_SCHEMA_ID,
        }
    }

    /// The 43 SSZ bytes.
    pub fn to_bytes(&self) -> [u8; STATELESS_VALIDATION_RESULT_SIZE] {
        let mut out = [0u8; STATELESS_VALIDATION_RESULT_SIZE];
        out[..32].copy_from_slice(self.new_payload_request_root.as_slice());
        out[32] = u8::from(self.successful_validation);
        out[33..41].copy_from_slice(&self.chain_id.to_le_bytes());
        out[41..].copy_from_slice(&self.schema_id.to_le_bytes());
        out
    }

    /// Decodes the 43 SSZ bytes (any other length, or a boolean byte other than 0 or 1,
    /// is an error).
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, SszError> {
        <Self as ssz::Decode>::from_ssz_bytes(bytes)
            .map_err(|e| decode_error("StatelessValidationResult", e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ssz::{ExecutionPayload, ExecutionRequests, ExecutionWitness, NewPayloadRequest};
    use alloy_primitives::{Address, B256, Bloom, Bytes, U256};

    fn sample() -> StatelessInput {
        StatelessInput {
            new_payload_request: NewPayloadRequest {
                execution_payload: ExecutionPayload {
                    parent_hash: B256::ZERO,
                    fee_recipient: Address::ZERO,
                    state_root: B256::ZERO,
                    receipts_root: B256::ZERO,
                    logs_bloom: Bloom::ZERO,
                    prev_randao: B256::ZERO,
                    block_number: 1,
                    gas_limit: 2,
                    gas_used: 3,
                    timestamp: 4,
                    extra_data: Bytes::from_static(b"x"),
                    base_fee_per_gas: U256::from(7),
                    block_hash: B256::ZERO,
                    transactions: vec![Bytes::from_static(b"tx")],
                    withdrawals: vec![],
                    blob_gas_used: 0,
                    excess_blob_gas: 0,
                    block_access_list: Bytes::new(),
                    slot_number: 0,
                },
                versioned_hashes: vec![],
                parent_beacon_block_root: B256::ZERO,
                execution_requests: ExecutionRequests::default(),
            },
            witness: ExecutionWitness::default(),
            chain_id: 0x0102_0304_0506_0708,
            public_keys: vec![FixedBytes([4; 65])],
        }
    }

    #[test]
    fn wire_bytes_are_the_schema_id_then_the_ssz_body_at_fixed_offsets() {
        let input = sample();
        let wire = input.to_wire();
        assert_eq!(wire[..2], [0x15, 0x01]);
        assert_eq!(wire[2..], input.to_ssz_body()[..]);
        assert_eq!(wire[2..6], 20u32.to_le_bytes(), "new_payload_request right after 20 bytes");
        assert_eq!(wire[10..18], input.chain_id.to_le_bytes(), "chain_id at wire 10..18");
        let keys = u32::from_le_bytes(wire[18..22].try_into().unwrap()) as usize;
        assert_eq!(wire.len() - 2 - keys, 65, "public_keys: a packed run of 65-byte keys");
        assert_eq!(StatelessInput::from_wire(&wire).unwrap(), input);
    }

    #[test]
    fn other_schema_ids_and_short_inputs_are_refused_naming_the_id() {
        let wire = sample().to_wire();
        for len in [0, 1] {
            assert_eq!(
                StatelessInput::from_wire(&wire[..len]),
                Err(SszError::MissingSchemaId { len })
            );
        }
        let mut other = wire.clone();
        other[1] = 0x02;
        let e = StatelessInput::from_wire(&other).unwrap_err();
        assert_eq!(e, SszError::UnsupportedSchemaId { found: 0x1502, expected: 0x1501 });
        assert_eq!(e.to_string(), "unsupported stateless input schema id 0x1502 (expected 0x1501)");
        // The body alone (the pre-v0.8 framing) starts with the first offset, 20 = 0x14.
        assert_eq!(
            StatelessInput::from_wire(&wire[2..]),
            Err(SszError::UnsupportedSchemaId { found: 0x1400, expected: 0x1501 })
        );
    }

    #[test]
    fn truncated_and_random_inputs_are_errors_naming_the_field() {
        let input = sample();
        let bytes = input.to_wire();
        for cut in [2, 3, 6, bytes.len() / 2, bytes.len() - 1] {
            assert!(StatelessInput::from_wire(&bytes[..cut]).is_err(), "cut at {cut}");
        }
        // A key cut short is reported as a public_keys error.
        assert!(matches!(
            StatelessInput::from_wire(&bytes[..bytes.len() - 1]),
            Err(SszError::Decode { field: "public_keys", .. })
        ));
        let mut seed = 0x9e3779b97f4a7c15u64;
        for len in [0usize, 3, 64, 700, 5000] {
            let mut junk: Vec<u8> = (0..len)
                .map(|_| {
                    seed ^= seed << 13;
                    seed ^= seed >> 7;
                    seed ^= seed << 17;
                    seed as u8
                })
                .collect();
            assert!(StatelessInput::from_wire(&junk).is_err());
            if junk.len() >= 2 {
                junk[..2].copy_from_slice(&[0x15, 0x01]);
                assert!(StatelessInput::from_wire(&junk).is_err());
            }
        }
        let mut long = input.clone();
        long.new_payload_request.execution_payload.extra_data = Bytes::from(vec![0u8; 33]);
        assert_eq!(
            StatelessInput::from_wire(&long.to_wire()),
            Err(SszError::TooLong { field: "execution_payload.extra_data", len: 33, limit: 32 })
        );
        let mut node = input.clone();
        node.witness.state.push(Bytes::from(vec![0u8; MAX_BYTES_PER_WITNESS_NODE + 1]));
        assert!(matches!(
            StatelessInput::from_wire(&node.to_wire()),
            Err(SszError::TooLong { field: "witness.state[i]", .. })
        ));
    }

    #[test]
    fn work_bound_counts_at_least_21000_per_transaction_even_past_the_gas_limit() {
        let mut input = sample();
        // One undecodable transaction in a block of gas limit 2: still 21,000.
        assert_eq!(input.work_bound(), MIN_TRANSACTION_GAS);
        input.new_payload_request.execution_payload.transactions = vec![Bytes::new(); 3];
        input.new_payload_request.execution_payload.gas_limit = 1_000_000;
        assert_eq!(input.work_bound(), 3 * MIN_TRANSACTION_GAS, "0 declared counts 21,000");
        input.new_payload_request.execution_payload.gas_limit = 50_000;
        assert_eq!(input.work_bound(), 3 * MIN_TRANSACTION_GAS, "the floor is not capped");
        assert_eq!(input.transaction_floor_gas(), 63_000);
    }

    #[test]
    fn result_is_43_bytes_root_bool_chain_id_schema_id_little_endian() {
        let r = StatelessValidationResult::new(B256::repeat_byte(0xaa), true, 8079);
        let b = r.to_bytes();
        assert_eq!(b[..32], [0xaa; 32]);
        assert_eq!(b[32], 1);
        assert_eq!(b[33..41], 8079u64.to_le_bytes());
        assert_eq!(b[41..], [0x01, 0x15]);
        assert_eq!(b[..], ssz::Encode::as_ssz_bytes(&r)[..], "same as the derived SSZ");
        assert_eq!(StatelessValidationResult::from_bytes(&b), Ok(r));
        assert_eq!(StatelessValidationResult::DECODE_FAILURE.to_bytes(), [0u8; 43]);
        assert!(StatelessValidationResult::from_bytes(&b[..42]).is_err());
        let mut bad_bool = b;
        bad_bool[32] = 2;
        assert!(StatelessValidationResult::from_bytes(&bad_bool).is_err());
    }
}
