//! Standard Ethereum JSON-RPC over one [`Chain`], served by [jsonrpsee] on one port for
//! HTTP (single and batch requests) and WebSocket.
//!
//! Method names, parameter shapes, result types (alloy's RPC types) and error codes follow
//! geth, so alloy, ethers, viem and web3.py work unchanged. Chain-specific methods (an
//! L1's EXECUTE market, an L2's settlement status) plug in through [`RpcExtension`]: the
//! extension lists its method names ([`RpcExtension::methods`]), each is registered with
//! jsonrpsee by name and answered by [`RpcExtension::call`]. An extension method replaces
//! a standard method of the same name.
//!
//! One module per namespace (`eth`, `net`, `web3`, `debug`, `nr`); every method runs on
//! tokio's blocking pool, off the async executor, because chain reads touch the store.
//!
//! # Limits
//! Set in [`serve`], per HTTP body or WebSocket message:
//! - requests up to [`MAX_REQUEST_BODY_SIZE`] (32 MiB): an `eth_sendRawTransaction`,
//!   `eth_call` or `eth_estimateGas` carrying an EXECUTE input is several MB of hex; the
//!   previous server took 2 MiB (axum's default), so nothing that worked is refused. A
//!   larger HTTP body is answered with status 413 and error -32007 "Request is too big".
//! - responses up to [`MAX_RESPONSE_BODY_SIZE`] (256 MiB): `debug_executionWitness` of a
//!   large block is big; a larger response becomes error -32008 "Response is too big".
//! - batches of at most [`MAX_BATCH_LEN`] (1000, geth's limit) requests; a longer batch is
//!   refused as a whole with error -32010 "The batch request was too large".
//! - at most [`MAX_CONNECTIONS`] (500) open connections.
//!
//! # Malformed requests
//! Over HTTP, requests that are not well-formed JSON-RPC 2.0 get the answers of the
//! server this crate had before jsonrpsee: "parse error: ..." (-32700), "empty batch" and
//! "invalid request: no method" (-32600); a missing `"jsonrpc"` field is accepted and a
//! missing `id` is answered with id `null`; any `Content-Type` is accepted. Unknown
//! methods get geth's "the method X does not exist/is not available" (-32601) on both
//! transports. WebSocket messages otherwise follow jsonrpsee (strict JSON-RPC 2.0).
#![warn(missing_docs)]

mod compat;
mod convert;
mod debug;
mod error;
mod eth;
mod fees;
mod filters;
mod net;
mod nr;
mod params;
mod server;
mod web3;

pub use error::RpcError;
pub use fees::SUGGESTED_TIP;
pub use filters::{FILTER_TIMEOUT, MAX_LOG_RANGE};
pub use params::param;
pub use server::{
    MAX_BATCH_LEN, MAX_CONNECTIONS, MAX_REQUEST_BODY_SIZE, MAX_RESPONSE_BODY_SIZE, RpcServer, serve,
};
pub use web3::CLIENT_VERSION;

use nr_chain::Chain;
use serde_json::Value;
use std::sync::Arc;

/// Extra methods of a particular chain, registered next to the standard ones.
pub trait RpcExtension: Send + Sync {
    /// Names of the methods [`call`](Self::call) serves; each is registered by name.
    fn methods(&self) -> &'static [&'static str];

    /// Handles `method` (one of [`methods`](Self::methods)) with `params`, or returns
    /// `None` (answered as an unknown method).
    fn call(
        &self,
        chain: &Chain,
        method: &str,
        params: &[Value],
    ) -> Option<Result<Value, RpcError>>;
}

/// What every method handler sees: the chain and the installed filters.
pub(crate) struct Ctx {
    chain: Arc<Chain>,
    filters: parking_lot::Mutex<filters::Filters>,
    /// Closed when the last reference to the context (and so to the chain) is dropped:
    /// [`RpcServer::stop`] waits for it.
    _alive: tokio::sync::mpsc::Sender<()>,
}

/// A method handler: positional parameters in, JSON result or error out.
pub(crate) type Handler = fn(&Ctx, &[Value]) -> Result<Value, RpcError>;

/// A JSON-RPC quantity: `0x`-prefixed lower-case hex without leading zeros.
pub(crate) fn quantity(n: impl std::fmt::LowerHex) -> Value {
    Value::String(format!("{n:#x}"))
}
