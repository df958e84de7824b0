//! Positional parameters: decoding with the error texts clients see, and block ids.

use crate::RpcError;
use alloy_consensus::Header;
use alloy_eips::{BlockId, BlockNumberOrTag};
use alloy_primitives::B256;
use alloy_rpc_types_eth::TransactionRequest;
use jsonrpsee::types::Params;
use nr_chain::{CallRequest, Chain};
use serde::Deserialize;
use serde_json::Value;

/// The positional parameters of a request; absent or `null` params are none.
pub(crate) fn positional(params: &Params<'_>) -> Result<Vec<Value>, RpcError> {
    match params.as_str().map(serde_json::from_str::<Value>) {
        None | Some(Ok(Value::Null)) => Ok(vec![]),
        Some(Ok(Value::Array(a))) => Ok(a),
        Some(_) => Err(RpcError::params("params must be an array")),
    }
}

/// Parameter `i` decoded as `T` (missing and `null` give `None`).
pub fn param<T: serde::de::DeserializeOwned>(
    params: &[Value],
    i: usize,
    name: &str,
) -> Result<Option<T>, RpcError> {
    match params.get(i) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => serde_json::from_value(v.clone())
            .map(Some)
            .map_err(|e| RpcError::params(format!("invalid {name} (param {i}): {e}"))),
    }
}

/// Parameter `i` decoded as `T`, which must be present.
pub(crate) fn required<T: serde::de::DeserializeOwned>(
    params: &[Value],
    i: usize,
    name: &str,
) -> Result<T, RpcError> {
    param(params, i, name)?.ok_or_else(|| RpcError::params(format!("missing {name} (param {i})")))
}

/// Parameter `i` as an EIP-1898 block id (tag, number, hash or `{blockHash|blockNumber}`
/// object); missing or `null` is `None`, the latest block.
pub(crate) fn block_id(params: &[Value], i: usize) -> Result<Option<BlockId>, RpcError> {
    params.get(i).map_or(Ok(None), block_id_value)
}

fn block_id_value(v: &Value) -> Result<Option<BlockId>, RpcError> {
    if v.is_null() {
        return Ok(None);
    }
    if let Ok(id) = BlockId::deserialize(v) {
        return Ok(Some(id));
    }
    // What alloy refuses: objects are read leniently (a hash wins over a number, neither
    // means latest, other keys are ignored), everything else is named in the error.
    match v {
        Value::String(s) if s.len() == 66 => {
            Err(RpcError::params(format!("invalid block hash {s}")))
        }
        Value::String(s) => Err(RpcError::params(format!("invalid block number or tag {s:?}"))),
        Value::Object(o) => match o.get("blockHash") {
            Some(h) => serde_json::from_value::<B256>(h.clone())
                .map(|h| Some(h.into()))
                .map_err(|e| RpcError::params(format!("blockHash: {e}"))),
            None => block_id_value(o.get("blockNumber").unwrap_or(&Value::Null)),
        },
        v => Err(RpcError::params(format!("invalid block parameter {v}"))),
    }
}

/// The header `id` names (`None`, latest and pending are the head; safe and finalized
/// are the chain's labels, see [`Chain::safe_number`]); `None` if the chain has no such
/// block.
pub(crate) fn header(chain: &Chain, id: Option<BlockId>) -> Result<Option<Header>, RpcError> {
    let by_number = |n: u64| chain.header_by_number(n).map_err(RpcError::internal);
    match id {
        None => Ok(Some(chain.head())),
        Some(BlockId::Hash(h)) => chain.header(&h.block_hash).map_err(RpcError::internal),
        Some(BlockId::Number(BlockNumberOrTag::Number(n))) => by_number(n),
        Some(BlockId::Number(BlockNumberOrTag::Earliest)) => by_number(0),
        Some(BlockId::Number(BlockNumberOrTag::Safe)) => by_number(chain.safe_number()),
        Some(BlockId::Number(BlockNumberOrTag::Finalized)) => by_number(chain.finalized_number()),
        Some(BlockId::Number(_)) => Ok(Some(chain.head())),
    }
}

/// The header named by parameter `i`, or `None` if the chain has no such block.
pub(crate) fn block_opt(chain: &Chain, p: &[Value], i: usize) -> Result<Option<Header>, RpcError> {
    header(chain, block_id(p, i)?)
}

/// The header named by parameter `i`; an unknown block is "header not found" (geth).
pub(crate) fn block(chain: &Chain, p: &[Value], i: usize) -> Result<Header, RpcError> {
    block_opt(chain, p, i)?.ok_or_else(|| RpcError::server("header not found"))
}

/// Parameter 0 as the call of `eth_call` / `eth_estimateGas`.
pub(crate) fn call_request(p: &[Value]) -> Result<CallRequest, RpcError> {
    let r: TransactionRequest = required(p, 0, "transaction")?;
    Ok(CallRequest {
        from: r.from,
        to: r.to.and_then(|k| k.to().copied()),
        gas: r.gas,
        gas_price: r.gas_price,
        max_fee_per_gas: r.max_fee_per_gas,
        max_priority_fee_per_gas: r.max_priority_fee_per_gas,
        value: r.value,
        input: r.input.into_input().unwrap_or_default(),
        nonce: r.nonce,
        access_list: r.access_list,
        blob_versioned_hashes: r.blob_versioned_hashes,
        max_fee_per_blob_gas: r.max_fee_per_blob_gas,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn id(v: Value) -> Result<Option<BlockId>, String> {
        block_id(&[v], 0).map_err(|e| e.message)
    }

    #[test]
    fn block_ids_decode_as_before() {
        let hash = B256::repeat_byte(7);
        assert_eq!(id(Value::Null), Ok(None));
        assert_eq!(id(json!("latest")), Ok(Some(BlockNumberOrTag::Latest.into())));
        assert_eq!(id(json!("earliest")), Ok(Some(BlockNumberOrTag::Earliest.into())));
        assert_eq!(id(json!("0x10")), Ok(Some(16u64.into())));
        assert_eq!(id(json!(hash)), Ok(Some(hash.into())));
        assert_eq!(id(json!({"blockHash": hash})), Ok(Some(hash.into())));
        assert_eq!(id(json!({"blockNumber": "0x2"})), Ok(Some(2u64.into())));
        assert_eq!(id(json!({"blockNumber": "0x2", "blockHash": hash})), Ok(Some(hash.into())));
        assert_eq!(id(json!({})), Ok(None));
        assert_eq!(id(json!("12")), Err("invalid block number or tag \"12\"".into()));
        let bad = format!("0x{}", "z".repeat(64));
        assert_eq!(id(json!(bad)), Err(format!("invalid block hash {bad}")));
        assert_eq!(id(json!(12)), Err("invalid block parameter 12".into()));
        assert!(id(json!({"blockHash": 1})).unwrap_err().starts_with("blockHash: "));
    }

    #[test]
    fn params_name_what_is_wrong() {
        let p = [json!("0x12")];
        let e = required::<alloy_primitives::Address>(&p, 0, "address").unwrap_err();
        assert!(e.message.starts_with("invalid address (param 0): "), "{}", e.message);
        let e = required::<u64>(&p, 1, "block").unwrap_err();
        assert_eq!((e.code, e.message.as_str()), (-32602, "missing block (param 1)"));
    }
}
