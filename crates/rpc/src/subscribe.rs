//! `eth_subscribe` / `eth_unsubscribe` over WebSocket: `newHeads`, `logs`,
//! `newPendingTransactions` and the named subscriptions of the chain's [`RpcExtension`]
//! (an L2's `nr_settlement`).
//!
//! Each subscription is a task that looks at the chain every [`SUBSCRIPTION_POLL`] (the
//! chain has no block notifications; a poll is a head read, cheap) and reads the store
//! only when something moved. A reorg is seen by comparing the canonical hashes of the
//! last [`REORG_WINDOW`] blocks sent: a `logs` subscription then sends the logs of the
//! replaced blocks again with `removed: true`, then the logs of the new blocks; `newHeads`
//! sends the new chain's headers. A subscriber that does not read is dropped once the
//! connection's buffer of
//! [`RpcLimits::connection_buffer`](crate::RpcLimits::connection_buffer) messages is full (the subscription
//! ends with an error notification) instead of buffering without bound. Over HTTP,
//! subscribing is refused with geth's "notifications not supported" (see
//! [`crate::compat`]).

use crate::{Ctx, RpcError, RpcExtension, convert, params};
use alloy_primitives::B256;
use alloy_rpc_types_eth::Filter;
use jsonrpsee::{
    PendingSubscriptionSink, RpcModule, SubscriptionCloseResponse, SubscriptionMessage,
    SubscriptionSink,
    core::{RegisterMethodError, server::TrySendError, traits::IdProvider},
    types::{ErrorObjectOwned, SubscriptionId},
};
use nr_chain::{Chain, LogInfo};
use serde_json::Value;
use std::{
    collections::VecDeque,
    hash::{BuildHasher, Hasher},
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::Duration,
};

/// How often a subscription looks for news.
pub const SUBSCRIPTION_POLL: Duration = Duration::from_millis(100);
/// How many of the last blocks sent a subscription remembers to detect a reorg; a deeper
/// reorg sends the new blocks without `removed` logs for the old ones.
pub const REORG_WINDOW: usize = 64;
/// Most blocks one poll sends (after a long stall only the last ones are sent).
const MAX_CATCH_UP: u64 = 256;

/// geth's notification method.
const NOTIFICATION: &str = "eth_subscription";

/// What a subscription follows.
enum Kind {
    NewHeads,
    Logs(Box<Filter>),
    PendingTransactions { full: bool },
    Extension(&'static str),
}

/// Parses `eth_subscribe`'s parameters: the kind, then its options.
fn kind(p: &[Value], ext: Option<&dyn RpcExtension>) -> Result<Kind, RpcError> {
    let name: String = params::required(p, 0, "subscription")?;
    Ok(match name.as_str() {
        "newHeads" => Kind::NewHeads,
        "logs" => Kind::Logs(Box::new(crate::filters::log_filter(&p[1..]).or_else(|e| {
            if p.get(1).is_none_or(Value::is_null) { Ok(Filter::default()) } else { Err(e) }
        })?)),
        "newPendingTransactions" => Kind::PendingTransactions {
            full: params::param(p, 1, "fullTransactions")?.unwrap_or(false),
        },
        other => match ext.and_then(|e| e.subscriptions().iter().find(|n| **n == other)) {
            Some(n) => Kind::Extension(n),
            None => {
                return Err(RpcError {
                    code: -32601,
                    message: format!("no {other:?} subscription in eth namespace"),
                    data: None,
                });
            }
        },
    })
}

/// Registers `eth_subscribe` / `eth_unsubscribe` (notifications `eth_subscription`).
pub(crate) fn register(
    module: &mut RpcModule<Ctx>,
    ext: Option<Arc<dyn RpcExtension>>,
) -> Result<(), RegisterMethodError> {
    module.register_subscription(
        "eth_subscribe",
        NOTIFICATION,
        "eth_unsubscribe",
        move |params, pending: PendingSubscriptionSink, ctx: Arc<Ctx>, _| {
            let ext = ext.clone();
            async move {
                let kind = params::positional(&params).and_then(|p| kind(&p, ext.as_deref()));
                let kind = match kind {
                    Ok(k) => k,
                    Err(e) => {
                        pending.reject(ErrorObjectOwned::from(e)).await;
                        return SubscriptionCloseResponse::None;
                    }
                };
                // Taken before accepting: nothing that happens after the answer is missed.
                let feed = Feed::new(&ctx.chain, kind);
                let Ok(sink) = pending.accept().await else {
                    return SubscriptionCloseResponse::None;
                };
                run(ctx, ext, feed, sink).await
            }
        },
    )?;
    Ok(())
}

/// Sends what `feed` finds until the subscriber leaves or is too slow.
async fn run(
    ctx: Arc<Ctx>,
    ext: Option<Arc<dyn RpcExtension>>,
    mut feed: Feed,
    mut sink: SubscriptionSink,
) -> SubscriptionCloseResponse {
    let mut tick = tokio::time::interval(SUBSCRIPTION_POLL);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    loop {
        tokio::select! {
            _ = sink.closed() => return SubscriptionCloseResponse::None,
            _ = tick.tick() => {}
        }
        if !feed.moved(&ctx.chain) && !matches!(feed.kind, Kind::Extension(_)) {
            continue;
        }
        let (c, e) = (ctx.clone(), ext.clone());
        let polled = tokio::task::spawn_blocking(move || {
            let out = feed.poll(&c.chain, e.as_deref());
            (feed, out)
        })
        .await;
        let Ok((f, messages)) = polled else { return SubscriptionCloseResponse::None };
        feed = f;
        for m in messages {
            let Ok(raw) = serde_json::value::to_raw_value(&m) else { continue };
            match sink.try_send(SubscriptionMessage::from(raw)) {
                Ok(()) => {}
                Err(TrySendError::Closed(_)) => return SubscriptionCloseResponse::None,
                Err(TrySendError::Full(_)) => {
                    tracing::debug!("subscriber too slow: subscription dropped");
                    return SubscriptionCloseResponse::None;
                }
            }
        }
    }
}

/// One block sent: its number, hash and (for `logs`) the logs sent for it.
struct Sent {
    number: u64,
    hash: B256,
    logs: Vec<LogInfo>,
}

/// The state of one subscription between polls.
struct Feed {
    kind: Kind,
    /// The head at the last poll.
    head: alloy_consensus::Header,
    /// The last blocks sent, oldest first (the head at subscription time first).
    recent: VecDeque<Sent>,
    /// Pool insertions counted at the last poll.
    added: u64,
    /// The last value sent (extension subscriptions).
    last: Option<Value>,
}

impl Feed {
    fn new(chain: &Chain, kind: Kind) -> Self {
        let head = chain.head();
        let start = Sent { number: head.number, hash: head.hash_slow(), logs: vec![] };
        Self {
            kind,
            head,
            recent: VecDeque::from([start]),
            added: chain.tx_added.count(),
            last: None,
        }
    }

    /// Whether the chain moved since the last poll (cheap: no store read).
    fn moved(&self, chain: &Chain) -> bool {
        match self.kind {
            Kind::PendingTransactions { .. } => chain.tx_added.count() != self.added,
            Kind::Extension(_) => true,
            Kind::NewHeads | Kind::Logs(_) => chain.head() != self.head,
        }
    }

    /// The notifications since the last poll (store reads: run off the async executor).
    fn poll(&mut self, chain: &Chain, ext: Option<&dyn RpcExtension>) -> Vec<Value> {
        match &self.kind {
            Kind::PendingTransactions { full } => {
                let (hashes, now) = chain.tx_added.added_since(self.added);
                self.added = now;
                if !full {
                    return hashes.into_iter().map(|h| serde_json::json!(h)).collect();
                }
                hashes
                    .iter()
                    .filter_map(|h| chain.pending_tx(h))
                    .map(|p| convert::tx_json(p.tx, p.sender, None))
                    .collect()
            }
            Kind::Extension(name) => {
                let value = ext.and_then(|e| e.subscription_value(chain, name));
                if value.is_none() || value == self.last {
                    return vec![];
                }
                self.last.clone_from(&value);
                value.into_iter().collect()
            }
            Kind::NewHeads | Kind::Logs(_) => self.poll_blocks(chain).unwrap_or_else(|e| {
                tracing::warn!("subscription: store read failed: {}", e.message);
                vec![]
            }),
        }
    }

    /// New headers or logs, after the `removed` logs of blocks a reorg replaced.
    fn poll_blocks(&mut self, chain: &Chain) -> Result<Vec<Value>, RpcError> {
        let head = chain.head();
        let mut out = vec![];
        // Blocks sent that are no longer canonical, newest first.
        while let Some(last) = self.recent.back() {
            if chain.hash_by_number(last.number).map_err(RpcError::internal)? == Some(last.hash) {
                break;
            }
            for l in last.logs.iter().rev() {
                let mut v = convert::log_json(l);
                v["removed"] = Value::Bool(true);
                out.push(v);
            }
            self.recent.pop_back();
        }
        let next = self.recent.back().map_or(head.number, |s| s.number + 1);
        let next = next.max(head.number.saturating_sub(MAX_CATCH_UP - 1));
        for n in next..=head.number {
            let Some(hash) = chain.hash_by_number(n).map_err(RpcError::internal)? else { break };
            let Some(header) = chain.header(&hash).map_err(RpcError::internal)? else { break };
            let mut logs = vec![];
            match &self.kind {
                Kind::Logs(filter) => {
                    logs = chain
                        .logs(
                            n,
                            n,
                            |l| {
                                filter.matches_address(l.address)
                                    && filter.matches_topics(l.topics())
                            },
                            |b| filter.matches_bloom(*b),
                        )
                        .map_err(RpcError::internal)?;
                    out.extend(logs.iter().map(convert::log_json));
                }
                _ => out.push(convert::header_json(header, hash)),
            }
            self.recent.push_back(Sent { number: n, hash, logs });
            if self.recent.len() > REORG_WINDOW {
                self.recent.pop_front();
            }
        }
        self.head = head;
        Ok(out)
    }
}

/// Subscription ids as geth writes them: `0x` and 32 hex digits (128 random bits).
#[derive(Debug, Default)]
pub(crate) struct GethIds {
    counter: AtomicU64,
}

impl IdProvider for GethIds {
    fn next_id(&self) -> SubscriptionId<'static> {
        let n = self.counter.fetch_add(1, Ordering::Relaxed);
        // `RandomState` is seeded randomly per instance: two of them give 128 bits.
        let word = |salt: u64| {
            let mut h = std::collections::hash_map::RandomState::new().build_hasher();
            h.write_u64(n ^ salt);
            h.finish()
        };
        SubscriptionId::Str(format!("0x{:016x}{:016x}", word(0), word(u64::MAX)).into())
    }
}
