//! The `txpool` namespace as geth serves it: `txpool_status`, `txpool_content`,
//! `txpool_contentFrom` and `txpool_inspect`. Transactions are split into `pending`
//! (executable in turn from the sender's nonce on the head state) and `queued` (after a
//! nonce gap), keyed by sender (checksummed) then nonce (a decimal string).

use crate::{Ctx, Handler, RpcError, convert, params::required, quantity};
use alloy_consensus::Transaction as _;
use alloy_primitives::Address;
use nr_chain::pool::{Pending, SenderQueue};
use serde_json::{Map, Value, json};

/// The methods of this module.
pub(crate) const METHODS: &[(&str, Handler)] = &[
    ("txpool_status", status),
    ("txpool_content", content),
    ("txpool_contentFrom", content_from),
    ("txpool_inspect", inspect),
];

fn queues(c: &Ctx) -> Result<Vec<SenderQueue>, RpcError> {
    c.chain.pool_content().map_err(RpcError::internal)
}

/// `{"pending": n, "queued": m}`.
fn status(c: &Ctx, _: &[Value]) -> Result<Value, RpcError> {
    let q = queues(c)?;
    let pending: usize = q.iter().map(|s| s.pending.len()).sum();
    let queued: usize = q.iter().map(|s| s.queued.len()).sum();
    Ok(json!({"pending": quantity(pending as u64), "queued": quantity(queued as u64)}))
}

/// Transactions by nonce (decimal string), each shown by `show`.
fn by_nonce(txs: &[Pending], show: impl Fn(&Pending) -> Value) -> Value {
    Value::Object(txs.iter().map(|p| (p.tx.nonce().to_string(), show(p))).collect())
}

/// `{"pending": {sender: {nonce: x}}, "queued": {...}}` with `show` giving each `x`.
fn grouped(q: &[SenderQueue], show: impl Fn(&Pending) -> Value) -> Value {
    let (mut pending, mut queued) = (Map::new(), Map::new());
    for s in q {
        let key = s.sender.to_checksum(None);
        if !s.pending.is_empty() {
            pending.insert(key.clone(), by_nonce(&s.pending, &show));
        }
        if !s.queued.is_empty() {
            queued.insert(key, by_nonce(&s.queued, &show));
        }
    }
    json!({"pending": pending, "queued": queued})
}

fn full(p: &Pending) -> Value {
    convert::tx_json(p.tx.clone(), p.sender, None)
}

fn content(c: &Ctx, _: &[Value]) -> Result<Value, RpcError> {
    Ok(grouped(&queues(c)?, full))
}

/// One sender's `{"pending": {nonce: tx}, "queued": {...}}`.
fn content_from(c: &Ctx, p: &[Value]) -> Result<Value, RpcError> {
    let addr: Address = required(p, 0, "address")?;
    let q = queues(c)?;
    let empty = Vec::new();
    let s = q.iter().find(|s| s.sender == addr);
    Ok(json!({
        "pending": by_nonce(s.map_or(&empty, |s| &s.pending), full),
        "queued": by_nonce(s.map_or(&empty, |s| &s.queued), full),
    }))
}

/// geth's one-line summary: `0xto: 1 wei + 21000 gas × 2 wei` (the price is the fee cap
/// of an EIP-1559 transaction), `contract creation: ...` for a creation.
fn summary(p: &Pending) -> Value {
    let t = &p.tx;
    let to = t.to().map_or("contract creation".to_string(), |a| a.to_checksum(None));
    let price = t.gas_price().unwrap_or(t.max_fee_per_gas());
    Value::String(format!("{to}: {} wei + {} gas × {price} wei", t.value(), t.gas_limit()))
}

fn inspect(c: &Ctx, _: &[Value]) -> Result<Value, RpcError> {
    Ok(grouped(&queues(c)?, summary))
}
