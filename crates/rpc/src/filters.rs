//! Logs and polled filters: `eth_getLogs`, `eth_newFilter`, `eth_newBlockFilter`,
//! `eth_newPendingTransactionFilter`, `eth_getFilterChanges`, `eth_getFilterLogs`,
//! `eth_uninstallFilter`; with the limits of [`RpcLimits`](crate::RpcLimits) on the number
//! of filters, their lifetime, the blocks a query spans and the logs it returns.

use crate::{
    Ctx, Handler, RpcError, convert,
    limits::{MAX_FILTER_ADDRESSES, MAX_FILTER_TOPICS},
    params::required,
    quantity,
};
use alloy_eips::BlockNumberOrTag;
use alloy_primitives::U256;
use alloy_rpc_types_eth::{Filter, FilterBlockOption};
use serde_json::{Value, json};
use std::{collections::HashMap, time::Instant};

/// Installed filters (`eth_newFilter`, `eth_newBlockFilter`, ...), polled with
/// `eth_getFilterChanges`; a filter not polled for the server's filter timeout is gone.
#[derive(Default)]
pub(crate) struct Filters {
    next_id: u64,
    by_id: HashMap<u64, Installed>,
}

struct Installed {
    kind: FilterKind,
    /// Last block whose changes were returned.
    last_block: u64,
    /// Pool insertions counted at the last poll (pending-transaction filters).
    last_added: u64,
    last_poll: Instant,
}

#[derive(Clone)]
enum FilterKind {
    Blocks,
    PendingTransactions,
    Logs(Box<Filter>),
}

/// The log and filter methods.
pub(crate) const METHODS: &[(&str, Handler)] = &[
    ("eth_getLogs", get_logs),
    ("eth_newFilter", new_filter),
    ("eth_newBlockFilter", new_block_filter),
    ("eth_newPendingTransactionFilter", new_pending_transaction_filter),
    ("eth_uninstallFilter", uninstall_filter),
    ("eth_getFilterChanges", filter_changes),
    ("eth_getFilterLogs", filter_logs),
];

/// The log filter of parameter 0, refused (as geth) when it has more than
/// [`MAX_FILTER_TOPICS`] topic positions or more than [`MAX_FILTER_ADDRESSES`] addresses
/// or topics in one position. Checked on the JSON, before the filter is built.
pub(crate) fn log_filter(p: &[Value]) -> Result<Filter, RpcError> {
    if let Some(Value::Object(f)) = p.first() {
        let count = |v: Option<&Value>| match v {
            Some(Value::Array(a)) => a.len(),
            _ => 0,
        };
        if let Some(Value::Array(topics)) = f.get("topics") {
            if topics.len() > MAX_FILTER_TOPICS {
                return Err(RpcError::server("exceed max topics"));
            }
            if topics.iter().any(|t| count(Some(t)) > MAX_FILTER_ADDRESSES) {
                return Err(RpcError::server(TOO_MANY_PER_POSITION));
            }
        }
        if count(f.get("address")) > MAX_FILTER_ADDRESSES {
            return Err(RpcError::server(TOO_MANY_PER_POSITION));
        }
    }
    required(p, 0, "filter")
}

/// geth's error for a filter over [`MAX_FILTER_ADDRESSES`] in one position.
const TOO_MANY_PER_POSITION: &str = "exceed max addresses or topics per search position";

fn get_logs(c: &Ctx, p: &[Value]) -> Result<Value, RpcError> {
    let filter = log_filter(p)?;
    logs(c, &filter, None)
}

fn new_filter(c: &Ctx, p: &[Value]) -> Result<Value, RpcError> {
    let filter = log_filter(p)?;
    install(c, FilterKind::Logs(Box::new(filter)))
}

fn new_block_filter(c: &Ctx, _: &[Value]) -> Result<Value, RpcError> {
    install(c, FilterKind::Blocks)
}

fn new_pending_transaction_filter(c: &Ctx, _: &[Value]) -> Result<Value, RpcError> {
    install(c, FilterKind::PendingTransactions)
}

fn uninstall_filter(c: &Ctx, p: &[Value]) -> Result<Value, RpcError> {
    let id: U256 = required(p, 0, "filterId")?;
    let timeout = c.limits.filter_timeout;
    let removed = c.filters.lock().by_id.remove(&id.saturating_to::<u64>());
    // An expired filter was already gone.
    Ok(json!(removed.is_some_and(|i| i.last_poll.elapsed() < timeout)))
}

/// The error for an unknown (never installed, uninstalled or expired) filter, as geth.
fn not_found() -> RpcError {
    RpcError::server("filter not found")
}

impl Filters {
    /// Drops the filters not polled within `timeout`.
    fn expire(&mut self, timeout: std::time::Duration) {
        self.by_id.retain(|_, i| i.last_poll.elapsed() < timeout);
    }

    /// The live filter `id`, now counted as polled; an expired one is dropped.
    fn poll(&mut self, id: u64, timeout: std::time::Duration) -> Result<&mut Installed, RpcError> {
        if self.by_id.get(&id).is_some_and(|i| i.last_poll.elapsed() >= timeout) {
            self.by_id.remove(&id);
        }
        let i = self.by_id.get_mut(&id).ok_or_else(not_found)?;
        i.last_poll = Instant::now();
        Ok(i)
    }
}

fn filter_logs(c: &Ctx, p: &[Value]) -> Result<Value, RpcError> {
    let id: U256 = required(p, 0, "filterId")?;
    let filter = match &c.filters.lock().poll(id.saturating_to(), c.limits.filter_timeout)?.kind {
        FilterKind::Logs(filter) => (**filter).clone(),
        _ => return Err(RpcError::server("filter is not a log filter")),
    };
    logs(c, &filter, None)
}

/// Installs a filter whose changes start after the current head; drops expired ones
/// first, and refuses when [`RpcLimits::filters`](crate::RpcLimits::filters) are live.
fn install(c: &Ctx, kind: FilterKind) -> Result<Value, RpcError> {
    let head = c.chain.head().number;
    let last_added = c.chain.tx_added.count();
    let mut f = c.filters.lock();
    f.expire(c.limits.filter_timeout);
    if f.by_id.len() >= c.limits.filters {
        let limit = c.limits.filters;
        return Err(RpcError::server(format!("too many filters installed (limit {limit})")));
    }
    f.next_id += 1;
    let id = f.next_id;
    f.by_id.insert(id, Installed { kind, last_block: head, last_added, last_poll: Instant::now() });
    Ok(quantity(id))
}

/// What happened since the filter's last poll: new block hashes, new pending transaction
/// hashes, or new matching logs.
fn filter_changes(c: &Ctx, p: &[Value]) -> Result<Value, RpcError> {
    let id: U256 = required(p, 0, "filterId")?;
    let head = c.chain.head().number;
    let (since, kind) = {
        let mut f = c.filters.lock();
        let i = f.poll(id.saturating_to(), c.limits.filter_timeout)?;
        if let FilterKind::PendingTransactions = i.kind {
            let (hashes, now) = c.chain.tx_added.added_since(i.last_added);
            i.last_added = now;
            return Ok(json!(hashes));
        }
        let since = i.last_block;
        i.last_block = head.max(since);
        (since, i.kind.clone())
    };
    if head <= since {
        return Ok(json!([]));
    }
    match kind {
        FilterKind::PendingTransactions => Ok(json!([])),
        FilterKind::Blocks => {
            let mut out = vec![];
            for n in since + 1..=head {
                if let Some(h) = c.chain.hash_by_number(n).map_err(RpcError::internal)? {
                    out.push(json!(h));
                }
            }
            Ok(Value::Array(out))
        }
        FilterKind::Logs(filter) => logs(c, &filter, Some((since + 1, head))),
    }
}

/// Logs matching `filter`; `window` narrows its block range (filter polling). Refused
/// when the range spans more than the server's block range limit or when more logs than
/// its result limit match (the scan stops at the first log over the limit).
fn logs(c: &Ctx, filter: &Filter, window: Option<(u64, u64)>) -> Result<Value, RpcError> {
    let chain = &c.chain;
    let head = chain.head().number;
    let (from, to) = match filter.block_option {
        FilterBlockOption::AtBlockHash(hash) => {
            let h = chain
                .header(&hash)
                .map_err(RpcError::internal)?
                .ok_or_else(|| RpcError::server("unknown block"))?;
            (h.number, h.number)
        }
        FilterBlockOption::Range { from_block, to_block } => {
            // The tags mean what they mean everywhere else: `safe`/`finalized` are the
            // chain's labels (settled on L1 for an L2), not the head.
            let resolve = |b: Option<BlockNumberOrTag>| match b {
                None => head,
                Some(BlockNumberOrTag::Number(n)) => n,
                Some(BlockNumberOrTag::Earliest) => 0,
                Some(BlockNumberOrTag::Safe) => chain.safe_number(),
                Some(BlockNumberOrTag::Finalized) => chain.finalized_number(),
                Some(BlockNumberOrTag::Latest | BlockNumberOrTag::Pending) => head,
            };
            let from = match (from_block, window) {
                (None, Some((lo, _))) => lo,
                (b, _) => resolve(b),
            };
            (from, resolve(to_block).min(head))
        }
    };
    let (from, to) = match window {
        Some((lo, hi)) => (from.max(lo), to.min(hi)),
        None => (from, to),
    };
    let range = c.limits.log_block_range;
    if to >= from && to - from > range {
        return Err(RpcError::server(format!("query exceeds max block range {range}")));
    }
    let limit = c.limits.log_results;
    let mut out = Vec::new();
    for n in from..=to {
        let logs = chain
            .logs(
                n,
                n,
                |l| filter.matches_address(l.address) && filter.matches_topics(l.topics()),
                |b| filter.matches_bloom(*b),
            )
            .map_err(RpcError::internal)?;
        if out.len() + logs.len() > limit {
            return Err(RpcError::server(format!("query returned more than {limit} results")));
        }
        out.extend(logs.iter().map(convert::log_json));
    }
    Ok(Value::Array(out))
}
