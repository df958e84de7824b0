//! The limits of one server, each with geth's default and error where geth has one.

use std::time::Duration;

/// What one server accepts; [`Default`] gives geth's values where geth has the limit
/// (`docs/l2.md`, "RPC limits", lists them with the flags that set them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RpcLimits {
    /// Most requests in one batch (geth `--rpc.batch-request-limit`, 1000). A longer
    /// batch is answered with one error, -32600 "batch too large".
    pub batch_requests: u32,
    /// Most open connections, HTTP and WebSocket together.
    pub connections: u32,
    /// Most calls one connection runs at once; its further calls wait (a WebSocket
    /// client may send many without waiting for answers).
    pub calls_per_connection: usize,
    /// Most installed filters (`eth_newFilter`, `eth_newBlockFilter`,
    /// `eth_newPendingTransactionFilter`); one more is refused with -32000 "too many
    /// filters installed (limit N)".
    pub filters: usize,
    /// A filter not polled for this long is removed (geth: 5 minutes); polling it then
    /// answers "filter not found".
    pub filter_timeout: Duration,
    /// Most blocks one log query may span; a wider one is refused with "query exceeds
    /// max block range N".
    pub log_block_range: u64,
    /// Most logs one log query may return; a query that would return more is refused
    /// with "query returned more than N results".
    pub log_results: usize,
    /// Most subscriptions one WebSocket connection holds (`eth_subscribe`); one more is
    /// refused with -32006 "Too many subscriptions on the connection". geth has no such
    /// limit; 1,000 is jsonrpsee's default rounded to the batch limit.
    pub subscriptions_per_connection: u32,
    /// Messages one WebSocket connection may have waiting to be written (answers and
    /// notifications); a subscription whose next notification does not fit is dropped
    /// (its subscriber does not read fast enough) rather than buffered without bound.
    pub connection_buffer: u32,
    /// Most bytes of JSON one `debug_trace*` answer may take; a trace that would be
    /// larger stops while it runs, with -32000 "trace larger than the response limit of
    /// N bytes", before it fills memory.
    pub trace_bytes: usize,
}

impl Default for RpcLimits {
    fn default() -> Self {
        Self {
            batch_requests: 1000,
            connections: 500,
            calls_per_connection: 16,
            filters: 10_000,
            filter_timeout: Duration::from_secs(300),
            log_block_range: 10_000,
            log_results: 10_000,
            subscriptions_per_connection: 1000,
            connection_buffer: 1024,
            trace_bytes: crate::MAX_RESPONSE_BODY_SIZE as usize - 64 * 1024,
        }
    }
}

/// Most addresses in one log filter (as geth): more is "exceed max addresses".
pub const MAX_FILTER_ADDRESSES: usize = 1000;
/// Most topic positions in one log filter (as geth, LOG4's four): more is "exceed max
/// topics".
pub const MAX_FILTER_TOPICS: usize = 4;
