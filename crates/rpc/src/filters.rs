//! Logs and polled filters: `eth_getLogs`, `eth_newFilter`, `eth_newBlockFilter`,
//! `eth_newPendingTransactionFilter`, `eth_getFilterChanges`, `eth_getFilterLogs`,
//! `eth_uninstallFilter`.

use crate::{Ctx, Handler, RpcError, convert, params::required, quantity};
use alloy_eips::BlockNumberOrTag;
use alloy_primitives::U256;
use alloy_rpc_types_eth::{Filter, FilterBlockOption};
use serde_json::{Value, json};
use std::{
    collections::HashMap,
    time::{Duration, Instant},
};

/// Most blocks one `eth_getLogs` call may scan.
pub const MAX_LOG_RANGE: u64 = 10_000;

/// How long an unpolled filter lives (as geth).
pub const FILTER_TIMEOUT: Duration = Duration::from_secs(300);

/// Installed filters (`eth_newFilter`, `eth_newBlockFilter`, ...), polled with
/// `eth_getFilterChanges`; a filter not polled for [`FILTER_TIMEOUT`] is dropped.
#[derive(Default)]
pub(crate) struct Filters {
    next_id: u64,
    by_id: HashMap<u64, Installed>,
}

struct Installed {
    kind: FilterKind,
    /// Last block whose changes were returned.
    last_block: u64,
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

fn get_logs(c: &Ctx, p: &[Value]) -> Result<Value, RpcError> {
    let filter: Filter = required(p, 0, "filter")?;
    logs(c, &filter, None)
}

fn new_filter(c: &Ctx, p: &[Value]) -> Result<Value, RpcError> {
    let filter: Filter = required(p, 0, "filter")?;
    Ok(install(c, FilterKind::Logs(Box::new(filter))))
}

fn new_block_filter(c: &Ctx, _: &[Value]) -> Result<Value, RpcError> {
    Ok(install(c, FilterKind::Blocks))
}

fn new_pending_transaction_filter(c: &Ctx, _: &[Value]) -> Result<Value, RpcError> {
    Ok(install(c, FilterKind::PendingTransactions))
}

fn uninstall_filter(c: &Ctx, p: &[Value]) -> Result<Value, RpcError> {
    let id: U256 = required(p, 0, "filterId")?;
    Ok(json!(c.filters.lock().by_id.remove(&id.saturating_to::<u64>()).is_some()))
}

fn filter_logs(c: &Ctx, p: &[Value]) -> Result<Value, RpcError> {
    let id: U256 = required(p, 0, "filterId")?;
    let filter = match c.filters.lock().by_id.get(&id.saturating_to::<u64>()).map(|i| &i.kind) {
        Some(FilterKind::Logs(filter)) => (**filter).clone(),
        Some(_) => return Err(RpcError::server("filter is not a log filter")),
        None => return Err(RpcError::server("filter not found")),
    };
    logs(c, &filter, None)
}

/// Installs a filter whose changes start after the current head; drops expired ones.
fn install(c: &Ctx, kind: FilterKind) -> Value {
    let head = c.chain.head().number;
    let mut f = c.filters.lock();
    f.by_id.retain(|_, i| i.last_poll.elapsed() < FILTER_TIMEOUT);
    f.next_id += 1;
    let id = f.next_id;
    f.by_id.insert(id, Installed { kind, last_block: head, last_poll: Instant::now() });
    quantity(id)
}

/// What happened since the filter's last poll: new block hashes or new matching logs.
fn filter_changes(c: &Ctx, p: &[Value]) -> Result<Value, RpcError> {
    let id: U256 = required(p, 0, "filterId")?;
    let id = id.saturating_to::<u64>();
    let head = c.chain.head().number;
    let (since, kind) = {
        let mut f = c.filters.lock();
        let i = f.by_id.get_mut(&id).ok_or_else(|| RpcError::server("filter not found"))?;
        let since = i.last_block;
        i.last_block = head.max(since);
        i.last_poll = Instant::now();
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

/// Logs matching `filter`; `window` narrows its block range (filter polling).
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
            let resolve = |b: Option<BlockNumberOrTag>| match b {
                None => head,
                Some(t) => t.as_number().unwrap_or(if t.is_earliest() { 0 } else { head }),
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
    if to >= from && to - from > MAX_LOG_RANGE {
        return Err(RpcError::server(format!("query exceeds max block range {MAX_LOG_RANGE}")));
    }
    let logs = chain
        .logs(
            from,
            to,
            |l| filter.matches_address(l.address) && filter.matches_topics(l.topics()),
            |b| filter.matches_bloom(*b),
        )
        .map_err(RpcError::internal)?;
    Ok(Value::Array(logs.iter().map(convert::log_json).collect()))
}
