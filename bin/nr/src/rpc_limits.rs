//! The JSON-RPC limit flags of `nr l1` and `nr l2` (geth's name where geth has the flag).

use nr_rpc::RpcLimits;
use std::time::Duration;

/// JSON-RPC server limits (`docs/l2.md`, "RPC limits").
#[derive(clap::Args, Debug, Clone)]
pub struct RpcLimitArgs {
    /// Most requests in one JSON-RPC batch (as geth's flag).
    #[arg(long = "rpc.batch-request-limit", default_value_t = RpcLimits::default().batch_requests)]
    pub batch_request_limit: u32,
    /// Most open JSON-RPC connections (HTTP requests in flight and WebSocket connections).
    #[arg(long = "rpc.max-connections", default_value_t = RpcLimits::default().connections)]
    pub max_connections: u32,
    /// Most calls one connection runs at once (the others wait).
    #[arg(
        long = "rpc.calls-per-connection",
        default_value_t = RpcLimits::default().calls_per_connection
    )]
    pub calls_per_connection: usize,
    /// Most installed filters (eth_newFilter and the like).
    #[arg(long = "rpc.max-filters", default_value_t = RpcLimits::default().filters)]
    pub max_filters: usize,
    /// Seconds after which a filter not polled is removed.
    #[arg(
        long = "rpc.filter-timeout",
        default_value_t = RpcLimits::default().filter_timeout.as_secs()
    )]
    pub filter_timeout: u64,
    /// Most blocks one log query (eth_getLogs, log filters) may span.
    #[arg(long = "rpc.log-block-range", default_value_t = RpcLimits::default().log_block_range)]
    pub log_block_range: u64,
    /// Most logs one log query may return.
    #[arg(long = "rpc.log-results", default_value_t = RpcLimits::default().log_results)]
    pub log_results: usize,
    /// Most subscriptions (eth_subscribe) one WebSocket connection holds.
    #[arg(
        long = "rpc.subscriptions-per-connection",
        default_value_t = RpcLimits::default().subscriptions_per_connection
    )]
    pub subscriptions_per_connection: u32,
    /// Messages one WebSocket connection may have waiting to be written; a subscriber
    /// that falls further behind is dropped.
    #[arg(long = "rpc.connection-buffer", default_value_t = RpcLimits::default().connection_buffer)]
    pub connection_buffer: u32,
    /// Most bytes of JSON one debug_trace* answer may take.
    #[arg(long = "rpc.trace-bytes", default_value_t = RpcLimits::default().trace_bytes)]
    pub trace_bytes: usize,
}

impl RpcLimitArgs {
    /// The limits these flags ask for.
    pub fn limits(&self) -> RpcLimits {
        RpcLimits {
            batch_requests: self.batch_request_limit,
            connections: self.max_connections,
            calls_per_connection: self.calls_per_connection,
            filters: self.max_filters,
            filter_timeout: Duration::from_secs(self.filter_timeout),
            log_block_range: self.log_block_range,
            log_results: self.log_results,
            subscriptions_per_connection: self.subscriptions_per_connection,
            connection_buffer: self.connection_buffer,
            trace_bytes: self.trace_bytes,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        rpc: RpcLimitArgs,
    }

    #[test]
    fn defaults_are_the_library_defaults_and_flags_set_each_limit() {
        let cli = Cli::parse_from(["nr"]);
        assert_eq!(cli.rpc.limits(), RpcLimits::default());
        let cli = Cli::parse_from([
            "nr",
            "--rpc.batch-request-limit",
            "7",
            "--rpc.max-filters=9",
            "--rpc.filter-timeout",
            "60",
            "--rpc.log-results",
            "5",
        ]);
        let l = cli.rpc.limits();
        assert_eq!((l.batch_requests, l.filters, l.log_results), (7, 9, 5));
        assert_eq!(l.filter_timeout, Duration::from_secs(60));
        assert_eq!(l.connections, RpcLimits::default().connections);
    }
}
