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
//! One module per namespace (`eth`, `net`, `web3`, `debug`, `txpool`, `nr`); every method
//! runs on tokio's blocking pool, off the async executor, because chain reads touch the
//! store. `eth_subscribe` (WebSocket only) is in `subscribe`: `newHeads`, `logs`,
//! `newPendingTransactions` and the extension's named subscriptions
//! ([`RpcExtension::subscriptions`]). `docs/rpc.md` lists every method.
//!
//! # Limits
//! Set in [`serve_with`] by [`RpcLimits`] (its [`Default`] is what [`serve`] uses):
//! - requests up to [`MAX_REQUEST_BODY_SIZE`] (32 MiB) per HTTP body or WebSocket
//!   message: an `eth_sendRawTransaction`, `eth_call` or `eth_estimateGas` carrying an
//!   EXECUTE input is several MB of hex. A larger HTTP body is answered with status 413
//!   and error -32007 "Request is too big".
//! - responses up to [`MAX_RESPONSE_BODY_SIZE`] (256 MiB): `debug_executionWitness` of a
//!   large block is big; a larger response becomes error -32008 "Response is too big".
//! - batches of at most [`RpcLimits::batch_requests`] (1000, geth's
//!   `--rpc.batch-request-limit`); over HTTP a longer batch is refused as a whole with
//!   geth's answer, a batch of one error -32600 "batch too large" carrying the id of the
//!   first call (over WebSocket, jsonrpsee's -32010 "The batch request was too large").
//! - at most [`RpcLimits::connections`] open connections, and at most
//!   [`RpcLimits::calls_per_connection`] calls running at once for one connection (the
//!   others wait; a WebSocket client can send many calls without waiting); the calls of
//!   one connection hold at most [`MAX_QUEUED_CALL_BYTES`] of parameters, running or
//!   waiting, and a call over that is refused at once (-32005).
//! - at most [`RpcLimits::filters`] installed filters; a filter not polled for
//!   [`RpcLimits::filter_timeout`] (5 minutes, as geth) is gone ("filter not found").
//! - log queries span at most [`RpcLimits::log_block_range`] blocks and return at most
//!   [`RpcLimits::log_results`] logs; a log filter has at most [`MAX_FILTER_TOPICS`]
//!   topic positions and [`MAX_FILTER_ADDRESSES`] addresses or topics per position (geth's
//!   errors).
//! - at most [`RpcLimits::subscriptions_per_connection`] subscriptions per WebSocket
//!   connection (-32006), and at most [`RpcLimits::connection_buffer`] messages waiting to
//!   be written on one: a subscription whose notification does not fit is dropped.
//!
//! # Malformed requests
//! Over HTTP, requests that are not well-formed JSON-RPC 2.0 get the answers of the
//! server this crate had before jsonrpsee: "parse error: ..." (-32700), "empty batch" and
//! "invalid request: no method" (-32600); a missing `"jsonrpc"` field is accepted and a
//! missing `id` is answered with id `null`; any `Content-Type` is accepted. Unknown
//! methods get geth's "the method X does not exist/is not available" (-32601) on both
//! transports. WebSocket messages otherwise follow jsonrpsee (strict JSON-RPC 2.0).
#![warn(missing_docs)]

mod beacon;
mod compat;
mod convert;
mod debug;
mod error;
mod eth;
mod fees;
mod filters;
mod getters;
mod http;
mod limits;
mod net;
mod nr;
mod params;
mod server;
mod subscribe;
pub mod telemetry;
mod txpool;
mod web3;

pub use compat::MAX_QUEUED_CALL_BYTES;
pub use error::RpcError;
pub use fees::{
    ORACLE_BLOCKS, ORACLE_IGNORE_PRICE, ORACLE_MAX_PRICE, ORACLE_PERCENTILE, SUGGESTED_TIP,
};
pub use http::CorsOrigins;
pub use limits::{MAX_FILTER_ADDRESSES, MAX_FILTER_TOPICS, RpcLimits};
pub use params::param;
pub use server::{
    MAX_REQUEST_BODY_SIZE, MAX_RESPONSE_BODY_SIZE, RpcServer, ServeOptions, serve, serve_with,
    serve_with_options,
};
pub use subscribe::{REORG_WINDOW, SUBSCRIPTION_POLL};
pub use telemetry::Metrics;
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

    /// Names of the subscriptions this extension feeds (`eth_subscribe` kinds, such as an
    /// L2's `nr_settlement`); none by default.
    fn subscriptions(&self) -> &'static [&'static str] {
        &[]
    }

    /// The current value of subscription `name` (one of
    /// [`subscriptions`](Self::subscriptions)), or `None` when there is none yet. Each
    /// subscriber is sent the value whenever it differs from the last one it was sent; it
    /// is read every [`SUBSCRIPTION_POLL`] for every subscriber, so it must be cheap.
    fn subscription_value(&self, chain: &Chain, name: &str) -> Option<Value> {
        let _ = (chain, name);
        None
    }

    /// The tip `eth_maxPriorityFeePerGas` suggests while the recent blocks say nothing
    /// (empty, or only tips under [`ORACLE_IGNORE_PRICE`]); [`SUGGESTED_TIP`] if `None`.
    fn default_tip(&self) -> Option<u128> {
        None
    }
}

/// What every method handler sees: the chain and the installed filters.
pub(crate) struct Ctx {
    chain: Arc<Chain>,
    filters: parking_lot::Mutex<filters::Filters>,
    /// The server's limits.
    limits: RpcLimits,
    /// The tip oracle's last answer and the head it was computed on.
    oracle: parking_lot::Mutex<fees::Oracle>,
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
