//! Helpers shared by the node's integration tests (each test binary uses some of them).
#![allow(dead_code)]

pub mod http;
pub mod optimistic;

use alloy_provider::Provider;
use std::{future::Future, time::Duration};

/// Polls `check` until it gives `Some`, failing after `timeout` with `what` and the last
/// value seen.
pub async fn wait_until<T, F, Fut>(what: &str, timeout: Duration, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, String>>,
{
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        let last = match tokio::time::timeout(Duration::from_secs(10), check()).await {
            Ok(Ok(v)) => return v,
            Ok(Err(seen)) => seen,
            Err(_) => "one check took over 10 s".to_string(),
        };
        if tokio::time::Instant::now() >= deadline {
            panic!("{what}: not within {timeout:?}; last seen: {last}");
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// The L2's settled head (`nr_settlementStatus`), or why it could not be read.
pub async fn settled(l2: &impl Provider) -> Result<u64, String> {
    let s: serde_json::Value = l2
        .raw_request("nr_settlementStatus".into(), ())
        .await
        .map_err(|e| format!("nr_settlementStatus: {e}"))?;
    s["settled"].as_u64().ok_or_else(|| format!("no settled field in {s}"))
}
