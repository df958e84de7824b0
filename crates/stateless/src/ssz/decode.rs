//! SSZ encoding and decoding of the top-level containers, with the schema's list limits
//! checked on every decoded input (an error names the field over its limit).

use super::{
    ChainConfig, MAX_BYTES_PER_CODE, MAX_BYTES_PER_HEADER, MAX_BYTES_PER_WITNESS_NODE,
    MAX_EXTRA_DATA_BYTES, MAX_PUBLIC_KEYS, MAX_WITNESS_CODES, MAX_WITNESS_HEADERS,
    MAX_WITNESS_NODES, StatelessInput, StatelessValidationResult, VERSIONED_HASHES_DEPTH,
};
use crate::error::PayloadError;

/// A decoded input violates a schema bound.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SszError {
    /// The bytes are not a valid SSZ encoding of the container.
    #[error("invalid SSZ: {decode_error}")]
    Decode {
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

impl From<ssz::DecodeError> for SszError {
    fn from(e: ssz::DecodeError) -> Self {
        Self::Decode { decode_error: format!("{e:?}") }
    }
}

fn limit(field: &'static str, len: usize, limit: usize) -> Result<(), SszError> {
    if len > limit { Err(SszError::TooLong { field, len, limit }) } else { Ok(()) }
}

impl StatelessInput {
    /// Decodes and checks every schema bound. Errors name the offending field.
    pub fn from_ssz(bytes: &[u8]) -> Result<Self, SszError> {
        let input = <Self as ssz::Decode>::from_ssz_bytes(bytes)?;
        input.check_limits()?;
        Ok(input)
    }

    /// SSZ encoding.
    pub fn to_ssz(&self) -> Vec<u8> {
        ssz::Encode::as_ssz_bytes(self)
    }

    /// The most L2 gas executing this block can take: the sum of its transactions' gas
    /// limits (a transaction never uses more), capped by the block gas limit. EXECUTE
    /// requires gas for this bound before executing (the declared `gas_used` is only
    /// checked after execution, so it cannot bound the work).
    pub fn work_bound(&self) -> Result<u64, PayloadError> {
        use alloy_consensus::Transaction as _;
        use alloy_eips::Decodable2718;
        let p = &self.new_payload_request.execution_payload;
        let mut sum: u64 = 0;
        for (i, raw) in p.transactions.iter().enumerate() {
            let tx = alloy_consensus::TxEnvelope::decode_2718(&mut raw.as_ref())
                .map_err(|source| PayloadError::Transaction { index: i, source })?;
            sum = sum.saturating_add(tx.gas_limit());
        }
        Ok(sum.min(p.gas_limit))
    }

    /// Checks the list limits of the schema.
    pub fn check_limits(&self) -> Result<(), SszError> {
        let p = &self.new_payload_request.execution_payload;
        limit("execution_payload.extra_data", p.extra_data.len(), MAX_EXTRA_DATA_BYTES)?;
        limit(
            "versioned_hashes",
            self.new_payload_request.versioned_hashes.len(),
            1 << VERSIONED_HASHES_DEPTH,
        )?;
        let w = &self.witness;
        limit("witness.state", w.state.len(), MAX_WITNESS_NODES)?;
        limit("witness.codes", w.codes.len(), MAX_WITNESS_CODES)?;
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
        self.chain_config.check_limits()?;
        limit("public_keys", self.public_keys.len(), MAX_PUBLIC_KEYS)
    }
}

impl ChainConfig {
    fn check_limits(&self) -> Result<(), SszError> {
        let a = &self.active_fork.activation;
        limit("chain_config.active_fork.activation.block_number", a.block_number.len(), 1)?;
        limit("chain_config.active_fork.activation.timestamp", a.timestamp.len(), 1)
    }
}

impl StatelessValidationResult {
    /// SSZ encoding.
    pub fn to_ssz(&self) -> Vec<u8> {
        ssz::Encode::as_ssz_bytes(self)
    }

    /// Decodes a result.
    pub fn from_ssz(bytes: &[u8]) -> Result<Self, SszError> {
        let r = <Self as ssz::Decode>::from_ssz_bytes(bytes)?;
        r.chain_config.check_limits()?;
        Ok(r)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ssz::{ExecutionPayload, ExecutionRequests, ExecutionWitness, NewPayloadRequest};
    use alloy_primitives::{Address, B256, Bloom, Bytes, U256};

    #[test]
    fn truncated_and_random_inputs_are_errors() {
        let input = StatelessInput {
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
            chain_config: ChainConfig::default(),
            public_keys: vec![],
        };
        let bytes = input.to_ssz();
        assert_eq!(StatelessInput::from_ssz(&bytes).unwrap(), input);
        for cut in [0, 1, 4, bytes.len() / 2, bytes.len() - 1] {
            assert!(StatelessInput::from_ssz(&bytes[..cut]).is_err(), "cut at {cut}");
        }
        let mut seed = 0x9e3779b97f4a7c15u64;
        for len in [0usize, 3, 64, 700, 5000] {
            let junk: Vec<u8> = (0..len)
                .map(|_| {
                    seed ^= seed << 13;
                    seed ^= seed >> 7;
                    seed ^= seed << 17;
                    seed as u8
                })
                .collect();
            assert!(StatelessInput::from_ssz(&junk).is_err());
        }
        let mut long = input.clone();
        long.new_payload_request.execution_payload.extra_data = Bytes::from(vec![0u8; 33]);
        assert_eq!(
            StatelessInput::from_ssz(&long.to_ssz()),
            Err(SszError::TooLong { field: "execution_payload.extra_data", len: 33, limit: 32 })
        );
    }
}
