//! Metrics of one node, rendered in Prometheus' text format at `GET /metrics` on the
//! node's JSON-RPC port, and the RPC middleware counting calls and their latency.
//!
//! Each node owns its own registry ([`Metrics`]) instead of the process-wide recorder of
//! the `metrics` macros: an L1 node and an L2 node in one process (the Devnet, tests)
//! each render only their own numbers.

use jsonrpsee::{
    core::middleware::{Batch, Notification, RpcServiceT},
    server::MethodResponse,
    types::Request,
};
use metrics::{Counter, Gauge, Histogram, Key, Label, Metadata, Recorder, Unit};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle, PrometheusRecorder};
use parking_lot::Mutex;
use std::{collections::HashSet, future::Future, sync::Arc, time::Instant};

/// Calls answered, by method (`nr_rpc_requests_total`).
pub const RPC_REQUESTS: &str = "nr_rpc_requests_total";
/// Calls answered with an error, by method (`nr_rpc_errors_total`).
pub const RPC_ERRORS: &str = "nr_rpc_errors_total";
/// Time to answer a call, by method (`nr_rpc_request_duration_seconds`, a summary).
pub const RPC_DURATION: &str = "nr_rpc_request_duration_seconds";
/// The method label of calls to methods the server does not have (bounds the label set).
pub const UNKNOWN_METHOD: &str = "unknown";

/// Sets gauges from the node's state just before a render.
pub type Collector = Arc<dyn Fn(&Metrics) + Send + Sync>;

/// The metrics registry of one node; cheap to clone (clones share the registry).
#[derive(Clone)]
pub struct Metrics {
    recorder: Arc<PrometheusRecorder>,
    handle: PrometheusHandle,
    collectors: Arc<Mutex<Vec<Collector>>>,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metrics").finish_non_exhaustive()
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

/// Where metrics registered through [`Metrics`] say they come from.
static METADATA: Metadata<'static> =
    Metadata::new(module_path!(), metrics::Level::INFO, Some(module_path!()));

impl Metrics {
    /// An empty registry.
    pub fn new() -> Self {
        let recorder = PrometheusBuilder::new().build_recorder();
        let handle = recorder.handle();
        Self { recorder: Arc::new(recorder), handle, collectors: Default::default() }
    }

    /// Runs `collector` before every [`render`](Self::render): gauges read from the node's
    /// state (heads, pool) are then current when scraped. A collector should hold only
    /// weak references to the node's parts, so the registry does not keep them alive.
    pub fn on_render(&self, collector: Collector) {
        self.collectors.lock().push(collector);
    }

    /// The gauge `name` with `labels`, described by `help` (the first description wins).
    pub fn gauge(
        &self,
        name: &'static str,
        labels: &[(&'static str, String)],
        help: &'static str,
    ) -> Gauge {
        self.recorder.describe_gauge(name.into(), None, help.into());
        self.recorder.register_gauge(&key(name, labels), &METADATA)
    }

    /// The counter `name` with `labels`, described by `help`.
    pub fn counter(
        &self,
        name: &'static str,
        labels: &[(&'static str, String)],
        help: &'static str,
    ) -> Counter {
        self.recorder.describe_counter(name.into(), None, help.into());
        self.recorder.register_counter(&key(name, labels), &METADATA)
    }

    /// The histogram (rendered as a summary) `name` with `labels`, in seconds.
    pub fn histogram(
        &self,
        name: &'static str,
        labels: &[(&'static str, String)],
        help: &'static str,
    ) -> Histogram {
        self.recorder.describe_histogram(name.into(), Some(Unit::Seconds), help.into());
        self.recorder.register_histogram(&key(name, labels), &METADATA)
    }

    /// Every metric in Prometheus' text exposition format.
    pub fn render(&self) -> String {
        let collectors = self.collectors.lock().clone();
        for c in collectors {
            c(self);
        }
        self.handle.run_upkeep();
        self.handle.render()
    }
}

fn key(name: &'static str, labels: &[(&'static str, String)]) -> Key {
    let labels: Vec<Label> = labels.iter().map(|(k, v)| Label::new(*k, v.clone())).collect();
    Key::from_parts(name, labels)
}

/// RPC middleware: counts every call (batch entries included) and times it, by method.
#[derive(Clone)]
pub(crate) struct RpcMetrics<S> {
    inner: S,
    metrics: Metrics,
    /// The methods the server has: other names are counted as [`UNKNOWN_METHOD`].
    known: Arc<HashSet<String>>,
}

impl<S> RpcMetrics<S> {
    /// Wraps `inner`.
    pub(crate) fn new(inner: S, metrics: Metrics, known: Arc<HashSet<String>>) -> Self {
        Self { inner, metrics, known }
    }
}

impl<S> RpcServiceT for RpcMetrics<S>
where
    S: RpcServiceT<
            MethodResponse = MethodResponse,
            BatchResponse = MethodResponse,
            NotificationResponse = MethodResponse,
        > + Clone
        + Send
        + Sync
        + 'static,
{
    type MethodResponse = MethodResponse;
    type BatchResponse = MethodResponse;
    type NotificationResponse = MethodResponse;

    fn call<'a>(&self, req: Request<'a>) -> impl Future<Output = MethodResponse> + Send + 'a {
        let inner = self.inner.clone();
        let metrics = self.metrics.clone();
        let method = if self.known.contains(req.method_name()) {
            req.method_name().to_owned()
        } else {
            UNKNOWN_METHOD.to_owned()
        };
        async move {
            let start = Instant::now();
            let rp = inner.call(req).await;
            let labels = [("method", method)];
            metrics
                .counter(RPC_REQUESTS, &labels, "JSON-RPC calls answered, by method")
                .increment(1);
            if rp.is_error() {
                metrics
                    .counter(
                        RPC_ERRORS,
                        &labels,
                        "JSON-RPC calls answered with an error, by method",
                    )
                    .increment(1);
            }
            metrics
                .histogram(RPC_DURATION, &labels, "Time to answer a JSON-RPC call, by method")
                .record(start.elapsed().as_secs_f64());
            rp
        }
    }

    fn batch<'a>(&self, batch: Batch<'a>) -> impl Future<Output = MethodResponse> + Send + 'a {
        self.inner.batch(batch)
    }

    fn notification<'a>(
        &self,
        n: Notification<'a>,
    ) -> impl Future<Output = MethodResponse> + Send + 'a {
        self.inner.notification(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_registries_render_only_their_own_metrics() {
        let (a, b) = (Metrics::new(), Metrics::new());
        a.gauge("nr_test_a", &[], "a").set(7.0);
        b.gauge("nr_test_b", &[("chain", "l2".into())], "b").set(3.0);
        let (ra, rb) = (a.render(), b.render());
        assert!(ra.contains("nr_test_a 7"), "{ra}");
        assert!(!ra.contains("nr_test_b"), "{ra}");
        assert!(rb.contains("nr_test_b{chain=\"l2\"} 3"), "{rb}");
        assert!(rb.contains("# HELP nr_test_b b"), "{rb}");
    }
}
