//! L2BEAT's public-input vectors (`../shared/fixtures/l2beat`): one case's header fields,
//! versioned hashes and roots in, the four SSZ roots their contracts compute out.

use alloy_primitives::{Address, B256, Bloom, Bytes, U256};
use nr_stateless::ssz::{
    ExecutionPayload, MAX_EXTRA_DATA_BYTES, PayloadLeaves, RootFlavor, VERSIONED_HASHES_DEPTH,
    new_payload_request_root_execution, new_payload_request_root_from, public_input_root,
    versioned_hashes_root, versioned_hashes_root_progressive,
};
use serde_json::Value;

/// Why a vector case could not be read; names the field.
#[derive(Debug, thiserror::Error)]
pub enum VectorError {
    /// A required field is absent.
    #[error("missing field {0}")]
    Missing(String),
    /// A field has the wrong shape.
    #[error("{field}: {expected}")]
    Invalid {
        /// The field.
        field: String,
        /// What was expected.
        expected: &'static str,
    },
    /// `extraData` is longer than a header allows.
    #[error("extraData: {0} bytes, at most 32")]
    ExtraDataTooLong(usize),
    /// More versioned hashes than the list holds.
    #[error("versionedHashes: more than 4096")]
    TooManyVersionedHashes,
}

fn invalid(field: &str, expected: &'static str) -> VectorError {
    VectorError::Invalid { field: field.to_string(), expected }
}

fn field<'a>(v: &'a Value, name: &str) -> Result<&'a Value, VectorError> {
    v.get(name).ok_or_else(|| VectorError::Missing(name.to_string()))
}

fn parsed<T: std::str::FromStr>(
    v: &Value,
    name: &str,
    expected: &'static str,
) -> Result<T, VectorError> {
    field(v, name)?.as_str().and_then(|s| s.parse().ok()).ok_or_else(|| invalid(name, expected))
}

fn b256(v: &Value, name: &str) -> Result<B256, VectorError> {
    parsed(v, name, "expected 0x + 32 bytes")
}

fn u64_of(v: &Value, name: &str) -> Result<u64, VectorError> {
    let f = field(v, name)?;
    f.as_u64()
        .or_else(|| {
            f.as_str()
                .and_then(|s| s.strip_prefix("0x"))
                .and_then(|h| u64::from_str_radix(h, 16).ok())
        })
        .ok_or_else(|| invalid(name, "expected an unsigned 64-bit integer"))
}

fn base_fee(h: &Value) -> Result<U256, VectorError> {
    const NAME: &str = "baseFeePerGas";
    match field(h, NAME)? {
        Value::String(s) => s.parse().map_err(|_| invalid(NAME, "bad number")),
        Value::Number(n) => Ok(U256::from(n.as_u64().ok_or_else(|| invalid(NAME, "bad number"))?)),
        _ => Err(invalid(NAME, "expected a number")),
    }
}

/// The roots of one vector case under `flavor`. Consensus (what L2BEAT's vectors and
/// contracts check), in the order the vectors list them: `payloadRoot`,
/// `versionedHashesRoot`, `newPayloadRequestRoot`, `publicInputRoot`. Execution (what
/// EIP-8025 and execution-specs' guest output): `payloadRoot`, `versionedHashesRoot`
/// (progressive list), `newPayloadRequestRoot` (plain container); the public input is a
/// consensus-layer object and has no execution flavour.
pub fn roots(
    case: &Value,
    chain_id: u64,
    schema_id: u16,
    flavor: RootFlavor,
) -> Result<Vec<(&'static str, B256)>, VectorError> {
    let h = field(case, "header")?;
    let parent_hash = b256(h, "parentHash")?;
    let fee_recipient: Address = parsed(h, "feeRecipient", "expected an address")?;
    let logs_bloom: Bloom = parsed(h, "logsBloom", "expected 256 bytes")?;
    let extra_data: Bytes = parsed(h, "extraData", "expected 0x hex")?;
    if extra_data.len() > MAX_EXTRA_DATA_BYTES {
        return Err(VectorError::ExtraDataTooLong(extra_data.len()));
    }
    let payload = ExecutionPayload {
        parent_hash,
        fee_recipient,
        state_root: b256(h, "stateRoot")?,
        receipts_root: b256(h, "receiptsRoot")?,
        logs_bloom,
        prev_randao: b256(h, "prevRandao")?,
        block_number: u64_of(h, "blockNumber")?,
        gas_limit: u64_of(h, "gasLimit")?,
        gas_used: u64_of(h, "gasUsed")?,
        timestamp: u64_of(h, "timestamp")?,
        extra_data,
        base_fee_per_gas: base_fee(h)?,
        block_hash: b256(h, "blockHash")?,
        transactions: vec![],
        withdrawals: vec![],
        blob_gas_used: u64_of(h, "blobGasUsed")?,
        excess_blob_gas: u64_of(h, "excessBlobGas")?,
        block_access_list: Bytes::new(),
        slot_number: u64_of(h, "slotNumber")?,
    };
    let payload_root = PayloadLeaves {
        payload: &payload,
        transactions_root: b256(h, "transactionsRoot")?,
        withdrawals_root: b256(h, "withdrawalsRoot")?,
        block_access_list_root: b256(h, "blockAccessListRoot")?,
    }
    .root();
    let hashes = field(case, "versionedHashes")?
        .as_array()
        .ok_or_else(|| invalid("versionedHashes", "expected a list"))?
        .iter()
        .map(|v| {
            v.as_str()
                .and_then(|s| s.parse().ok())
                .ok_or_else(|| invalid("versionedHashes", "bad hash"))
        })
        .collect::<Result<Vec<B256>, _>>()?;
    let parent_beacon_block_root = b256(case, "parentBeaconBlockRoot")?;
    let execution_requests_root = b256(case, "executionRequestsRoot")?;
    if flavor == RootFlavor::Execution {
        let vh_root = versioned_hashes_root_progressive(&hashes);
        let npr_root = new_payload_request_root_execution(
            payload_root,
            vh_root,
            parent_beacon_block_root,
            execution_requests_root,
        );
        return Ok(vec![
            ("payloadRoot", payload_root),
            ("versionedHashesRoot", vh_root),
            ("newPayloadRequestRoot", npr_root),
        ]);
    }
    if hashes.len() > 1 << VERSIONED_HASHES_DEPTH {
        return Err(VectorError::TooManyVersionedHashes);
    }
    let vh_root = versioned_hashes_root(&hashes);
    let npr_root = new_payload_request_root_from(
        payload_root,
        vh_root,
        parent_beacon_block_root,
        execution_requests_root,
    );
    Ok(vec![
        ("payloadRoot", payload_root),
        ("versionedHashesRoot", vh_root),
        ("newPayloadRequestRoot", npr_root),
        ("publicInputRoot", public_input_root(npr_root, chain_id, schema_id)),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_name_the_field() {
        let e = roots(&serde_json::json!({}), 1, 1, RootFlavor::Consensus).unwrap_err();
        assert!(matches!(&e, VectorError::Missing(f) if f == "header"), "{e}");
        let zero = format!("0x{}", "00".repeat(32));
        let case = serde_json::json!({"header": {"parentHash": zero, "feeRecipient": "nope"}});
        let e = roots(&case, 1, 1, RootFlavor::Consensus).unwrap_err();
        assert!(matches!(&e, VectorError::Invalid { field, .. } if field == "feeRecipient"));
        assert_eq!(e.to_string(), "feeRecipient: expected an address");
        let long = format!("0x{}", "00".repeat(33));
        let bloom = format!("0x{}", "00".repeat(256));
        let case = serde_json::json!({"header": {
            "parentHash": zero, "feeRecipient": format!("0x{}", "00".repeat(20)),
            "logsBloom": bloom, "extraData": long}});
        assert!(matches!(
            roots(&case, 1, 1, RootFlavor::Consensus),
            Err(VectorError::ExtraDataTooLong(33))
        ));
    }
}
