//! The JSON-RPC error object and the errors of calls that did not succeed.

use alloy_primitives::hex;
use alloy_sol_types::{Revert, SolError};
use jsonrpsee::types::ErrorObjectOwned;
use nr_chain::{CallOutcome, ChainError};
use serde_json::{Value, json};

/// A JSON-RPC error object.
#[derive(Debug, Clone, PartialEq)]
pub struct RpcError {
    /// Error code (-32602 invalid params, -32000 server error, 3 execution reverted, ...).
    pub code: i64,
    /// Message.
    pub message: String,
    /// Optional data (revert bytes).
    pub data: Option<Value>,
}

/// JSON-RPC "internal error".
const INTERNAL_ERROR: i32 = -32603;

impl RpcError {
    /// Invalid parameters, naming what is wrong.
    pub fn params(msg: impl Into<String>) -> Self {
        Self { code: -32602, message: msg.into(), data: None }
    }
    /// Server-side failure (-32000), the code geth uses for rejected transactions.
    pub fn server(msg: impl Into<String>) -> Self {
        Self { code: -32000, message: msg.into(), data: None }
    }
    /// A store failure of the chain (-32603).
    pub(crate) fn internal(e: ChainError) -> Self {
        Self { code: INTERNAL_ERROR.into(), message: e.to_string(), data: None }
    }
    /// A subscription asked over a transport without notifications (HTTP): geth's
    /// -32601 "notifications not supported".
    pub(crate) fn notifications_unsupported() -> Self {
        Self { code: -32601, message: "notifications not supported".into(), data: None }
    }
    /// An unknown method (-32601), worded as geth does.
    pub(crate) fn method_not_found(method: &str) -> Self {
        Self {
            code: -32601,
            message: format!("the method {method} does not exist/is not available"),
            data: None,
        }
    }
}

impl From<RpcError> for ErrorObjectOwned {
    fn from(e: RpcError) -> Self {
        let code = i32::try_from(e.code).unwrap_or(INTERNAL_ERROR);
        ErrorObjectOwned::owned(code, e.message, e.data)
    }
}

/// The error of an `eth_call` or `eth_estimateGas` that did not succeed: reverts are
/// code 3 with the revert bytes as data and the `Error(string)` reason in the message.
pub(crate) fn call_error(o: CallOutcome) -> RpcError {
    match o {
        CallOutcome::Revert { output, .. } => RpcError {
            code: 3,
            message: match Revert::abi_decode_validate(&output) {
                Ok(r) => format!("execution reverted: {}", r.reason),
                Err(_) => "execution reverted".into(),
            },
            data: Some(json!(format!("0x{}", hex::encode(&output)))),
        },
        CallOutcome::Halt { reason, .. } => RpcError::server(format!("execution halted: {reason}")),
        CallOutcome::Invalid(e) => RpcError::server(e),
        CallOutcome::Success { .. } => RpcError::server("unexpected success"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy_primitives::Bytes;

    fn revert(output: Vec<u8>) -> RpcError {
        call_error(CallOutcome::Revert { output: Bytes::from(output), gas_used: 0 })
    }

    #[test]
    fn revert_reason_is_decoded() {
        let e = revert(Revert::from("not enough").abi_encode());
        assert_eq!((e.code, e.message.as_str()), (3, "execution reverted: not enough"));
        let e = revert(vec![0xde, 0xad]);
        assert_eq!(e.message, "execution reverted");
        assert_eq!(e.data, Some(json!("0xdead")));
    }
}
