//! The L2 node's metrics: gauges read from the chain and the settlement status at each
//! scrape of `GET /metrics`, the follower's progress, and the relayer's queue (L1->L2
//! messages sent on L1 and not yet delivered on L2), sampled from the L1 by a small task.

use crate::{FollowerProgress, POLL, ProgressSink, SettlementStatus, l1::L1Client};
use alloy_sol_types::SolEvent;
use nr_chain::Chain;
use nr_contracts::{L2_MESSENGER, L2Messenger, NativeRollup};
use nr_rpc::Metrics;
use parking_lot::Mutex;
use std::sync::{Arc, Weak};

/// Registers the L2 gauges read at each scrape: heads, settlement lag, pool size.
pub(crate) fn register(
    metrics: &Metrics,
    chain: &Arc<Chain>,
    status: &Arc<Mutex<SettlementStatus>>,
) {
    let chain: Weak<Chain> = Arc::downgrade(chain);
    let status = Arc::downgrade(status);
    metrics.on_render(Arc::new(move |m: &Metrics| {
        let (Some(chain), Some(status)) = (chain.upgrade(), status.upgrade()) else { return };
        let head = chain.head();
        let s = status.lock().clone();
        m.gauge("nr_l2_head", &[], "L2 head block number").set(head.number as f64);
        m.gauge("nr_l2_head_timestamp_seconds", &[], "Timestamp of the L2 head block")
            .set(head.timestamp as f64);
        m.gauge("nr_l2_settled_head", &[], "Latest L2 block settled on L1 (this node's view)")
            .set(s.settled as f64);
        m.gauge("nr_l2_settlement_lag_blocks", &[], "L2 blocks produced but not settled yet")
            .set(s.lag_blocks as f64);
        m.gauge(
            "nr_l2_settlement_lag_seconds",
            &[],
            "Age of the oldest unsettled L2 block, in seconds (0 when all are settled)",
        )
        .set(s.lag_seconds as f64);
        m.gauge("nr_l2_settlement_failing", &[], "1 while the latest settlement attempt failed")
            .set(if s.last_error.is_some() { 1.0 } else { 0.0 });
        m.gauge("nr_txpool_pending", &[], "Transactions in the pool")
            .set(chain.pending_count() as f64);
    }));
}

/// A progress sink setting the follower gauges, then telling `inner` (if any).
pub(crate) fn follower_sink(metrics: &Metrics, inner: Option<ProgressSink>) -> ProgressSink {
    let derived =
        metrics.gauge("nr_follower_derived", &[], "L2 blocks the follower derived from L1 data");
    let settled =
        metrics.gauge("nr_follower_settled", &[], "L2 blocks settled on L1, as the follower saw");
    Arc::new(move |p: FollowerProgress| {
        derived.set(p.derived as f64);
        settled.set(p.settled as f64);
        if let Some(inner) = &inner {
            inner(p);
        }
    })
}

/// Samples the relayer's queue every [`POLL`] until aborted: messages the L1 rollup has
/// sent (`messageCount`) and messages delivered on L2 (`L1MessageClaimed` logs of the
/// L2 messenger, counted incrementally; recounted after a rewind).
pub(crate) async fn sample_relayer_queue(metrics: Metrics, chain: Weak<Chain>, l1: L1Client) {
    let sent = metrics.gauge("nr_relayer_messages_sent", &[], "L1->L2 messages sent on L1");
    let delivered = metrics.gauge(
        "nr_relayer_messages_delivered",
        &[],
        "L1->L2 messages delivered on L2 (by the relayer or by hand)",
    );
    let queue = metrics.gauge(
        "nr_relayer_queue",
        &[],
        "L1->L2 messages sent on L1 and not delivered on L2 yet",
    );
    // (next L2 block to scan, the hash of the block before it, messages delivered below it)
    let mut scan: (u64, Option<alloy_primitives::B256>, u64) = (1, None, 0);
    loop {
        tokio::time::sleep(POLL).await;
        let Some(chain) = chain.upgrade() else { return };
        let Ok(count) = l1.view(NativeRollup::messageCountCall {}).await else { continue };
        let count = u64::try_from(count).unwrap_or(u64::MAX);
        let head = chain.head().number;
        let prev = scan.0.checked_sub(1).and_then(|n| chain.hash_by_number(n).ok().flatten());
        if head + 1 < scan.0 || (scan.1.is_some() && prev != scan.1) {
            scan = (1, None, 0); // rewound below the scan position: count again
        }
        let topic = L2Messenger::L1MessageClaimed::SIGNATURE_HASH;
        let (c, from) = (chain.clone(), scan.0);
        let found = tokio::task::spawn_blocking(move || {
            c.logs(
                from,
                head,
                |log| log.address == L2_MESSENGER && log.topics().first() == Some(&topic),
                |_| true,
            )
        })
        .await;
        let Ok(Ok(found)) = found else { continue };
        scan = (head + 1, chain.hash_by_number(head).ok().flatten(), scan.2 + found.len() as u64);
        sent.set(count as f64);
        delivered.set(scan.2 as f64);
        queue.set(count.saturating_sub(scan.2) as f64);
    }
}
