//! Standard Ethereum JSON-RPC (HTTP, single and batch requests) over one [`Chain`].
//!
//! Method names, parameter shapes, result types (alloy's RPC types) and error codes follow
//! geth, so alloy, ethers, viem and web3.py work unchanged. Chain-specific methods (an
//! L1's EXECUTE market, an L2's settlement status) plug in through [`RpcExtension`].
#![warn(missing_docs)]

mod convert;

use alloy_consensus::{Header, Transaction as _};
use alloy_primitives::{Address, B256, Bytes, U256, hex};
use alloy_rpc_types_eth::{Filter, FilterBlockOption, TransactionRequest};
use axum::{Json, Router, extract::State, routing::post};
use nr_chain::{CallOutcome, CallRequest, Chain, ChainError};
use serde_json::{Value, json};
use std::{
    collections::HashMap,
    net::SocketAddr,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

/// Version string returned by `web3_clientVersion`.
pub const CLIENT_VERSION: &str = concat!("nr/v", env!("CARGO_PKG_VERSION"), "/rust");
/// Tip suggested by `eth_maxPriorityFeePerGas` (1 gwei).
pub const SUGGESTED_TIP: u128 = 1_000_000_000;
/// Most blocks one `eth_getLogs` call may scan.
pub const MAX_LOG_RANGE: u64 = 10_000;

/// A JSON-RPC error object.
#[derive(Debug, Clone, PartialEq)]
pub struct RpcError {
    /// Error code (-32602 invalid params, -32000 server error, 3 execution reverted, ...).
    pub code: i64,
    /// Message.
    pub message: String,
    /// Optional data (revert bytes).
    pub data: Option<Value>,
}

impl RpcError {
    /// Invalid parameters, naming what is wrong.
    pub fn params(msg: impl Into<String>) -> Self {
        Self { code: -32602, message: msg.into(), data: None }
    }
    /// Server-side failure (-32000), the code geth uses for rejected transactions.
    pub fn server(msg: impl Into<String>) -> Self {
        Self { code: -32000, message: msg.into(), data: None }
    }
    fn internal(e: ChainError) -> Self {
        Self { code: -32603, message: e.to_string(), data: None }
    }
}

/// Extra methods of a particular chain. Returns `None` for methods it does not serve.
pub trait RpcExtension: Send + Sync {
    /// Handles `method` with `params`, or returns `None`.
    fn call(
        &self,
        chain: &Chain,
        method: &str,
        params: &[Value],
    ) -> Option<Result<Value, RpcError>>;
}

#[derive(Clone)]
struct Ctx {
    chain: Arc<Chain>,
    ext: Option<Arc<dyn RpcExtension>>,
    filters: Arc<Mutex<Filters>>,
}

/// Installed filters (`eth_newFilter`, `eth_newBlockFilter`, ...), polled with
/// `eth_getFilterChanges`; a filter not polled for [`FILTER_TIMEOUT`] is dropped.
#[derive(Default)]
struct Filters {
    next_id: u64,
    by_id: HashMap<u64, Installed>,
}

struct Installed {
    kind: FilterKind,
    /// Last block whose changes were returned.
    last_block: u64,
    last_poll: Instant,
}

enum FilterKind {
    Blocks,
    PendingTransactions,
    Logs(Box<Filter>),
}

/// How long an unpolled filter lives (as geth).
pub const FILTER_TIMEOUT: Duration = Duration::from_secs(300);

/// Starts the HTTP server on `addr`; returns the bound address (port 0 picks one).
pub async fn serve(
    addr: SocketAddr,
    chain: Arc<Chain>,
    ext: Option<Arc<dyn RpcExtension>>,
) -> std::io::Result<(SocketAddr, tokio::task::JoinHandle<()>)> {
    let app = Router::new().route("/", post(handle)).with_state(Ctx {
        chain,
        ext,
        filters: Default::default(),
    });
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let local = listener.local_addr()?;
    let task = tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, app).await {
            tracing::error!("rpc server stopped: {e}");
        }
    });
    Ok((local, task))
}

async fn handle(State(ctx): State<Ctx>, body: axum::body::Bytes) -> Json<Value> {
    let parsed: Result<Value, _> = serde_json::from_slice(&body);
    let out = tokio::task::spawn_blocking(move || match parsed {
        Err(e) => error_response(
            Value::Null,
            RpcError { code: -32700, message: format!("parse error: {e}"), data: None },
        ),
        Ok(Value::Array(reqs)) if reqs.is_empty() => error_response(
            Value::Null,
            RpcError { code: -32600, message: "empty batch".into(), data: None },
        ),
        Ok(Value::Array(reqs)) => Value::Array(reqs.iter().map(|r| dispatch(&ctx, r)).collect()),
        Ok(req) => dispatch(&ctx, &req),
    })
    .await
    .unwrap_or_else(|e| error_response(Value::Null, RpcError::server(format!("internal: {e}"))));
    Json(out)
}

fn error_response(id: Value, e: RpcError) -> Value {
    let mut err = json!({"code": e.code, "message": e.message});
    if let Some(d) = e.data {
        err["data"] = d;
    }
    json!({"jsonrpc": "2.0", "id": id, "error": err})
}

fn dispatch(ctx: &Ctx, req: &Value) -> Value {
    let id = req.get("id").cloned().unwrap_or(Value::Null);
    let Some(method) = req.get("method").and_then(Value::as_str) else {
        return error_response(
            id,
            RpcError { code: -32600, message: "invalid request: no method".into(), data: None },
        );
    };
    let params = match req.get("params") {
        None | Some(Value::Null) => vec![],
        Some(Value::Array(a)) => a.clone(),
        Some(_) => return error_response(id, RpcError::params("params must be an array")),
    };
    let result =
        ctx.ext.as_ref().and_then(|ext| ext.call(&ctx.chain, method, &params)).unwrap_or_else(
            || Methods { chain: &ctx.chain, filters: &ctx.filters }.call(method, &params),
        );
    match result {
        Ok(v) => json!({"jsonrpc": "2.0", "id": id, "result": v}),
        Err(e) => error_response(id, e),
    }
}

/// Parameter `i` decoded as `T` (missing and `null` give `None`).
pub fn param<T: serde::de::DeserializeOwned>(
    params: &[Value],
    i: usize,
    name: &str,
) -> Result<Option<T>, RpcError> {
    match params.get(i) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => serde_json::from_value(v.clone())
            .map(Some)
            .map_err(|e| RpcError::params(format!("invalid {name} (param {i}): {e}"))),
    }
}

fn required<T: serde::de::DeserializeOwned>(
    params: &[Value],
    i: usize,
    name: &str,
) -> Result<T, RpcError> {
    param(params, i, name)?.ok_or_else(|| RpcError::params(format!("missing {name} (param {i})")))
}

fn quantity(n: impl std::fmt::LowerHex) -> Value {
    Value::String(format!("{n:#x}"))
}

struct Methods<'a> {
    chain: &'a Chain,
    filters: &'a Mutex<Filters>,
}

impl Methods<'_> {
    fn call(&self, method: &str, p: &[Value]) -> Result<Value, RpcError> {
        let c = self.chain;
        match method {
            "web3_clientVersion" => Ok(json!(CLIENT_VERSION)),
            "net_version" => Ok(json!(c.chain_id().to_string())),
            "net_listening" => Ok(json!(true)),
            "net_peerCount" => Ok(quantity(0u64)),
            "eth_chainId" => Ok(quantity(c.chain_id())),
            "eth_syncing" => Ok(json!(false)),
            "eth_mining" => Ok(json!(true)),
            "eth_accounts" => Ok(json!([])),
            "eth_blockNumber" => Ok(quantity(c.head().number)),
            "eth_gasPrice" => {
                let base = self.next_base_fee();
                Ok(quantity(U256::from(base) + U256::from(SUGGESTED_TIP)))
            }
            "eth_maxPriorityFeePerGas" => Ok(quantity(U256::from(SUGGESTED_TIP))),
            "eth_blobBaseFee" => Ok(quantity(1u64)),
            "eth_getBalance" => {
                let addr: Address = required(p, 0, "address")?;
                let h = self.block_param(p, 1)?;
                Ok(quantity(self.account(&h, addr)?.map(|a| a.balance).unwrap_or_default()))
            }
            "eth_getTransactionCount" => {
                let addr: Address = required(p, 0, "address")?;
                if param::<String>(p, 1, "block").ok().flatten().as_deref() == Some("pending") {
                    return Ok(quantity(c.pending_nonce(addr).map_err(RpcError::internal)?));
                }
                let h = self.block_param(p, 1)?;
                Ok(quantity(self.account(&h, addr)?.map_or(0, |a| a.nonce)))
            }
            "eth_getCode" => {
                let addr: Address = required(p, 0, "address")?;
                let h = self.block_param(p, 1)?;
                Ok(json!(c.code(&h, addr).map_err(RpcError::internal)?))
            }
            "eth_getStorageAt" => {
                let addr: Address = required(p, 0, "address")?;
                let slot: U256 = required(p, 1, "slot")?;
                let h = self.block_param(p, 2)?;
                let v = c.storage(&h, addr, B256::from(slot)).map_err(RpcError::internal)?;
                Ok(json!(B256::from(v)))
            }
            "eth_getProof" => {
                let addr: Address = required(p, 0, "address")?;
                let slots: Vec<U256> = required(p, 1, "storageKeys")?;
                let h = self.block_param(p, 2)?;
                let slots: Vec<B256> = slots.into_iter().map(B256::from).collect();
                let pr = c.proof(&h, addr, &slots).map_err(RpcError::internal)?;
                Ok(convert::proof_json(addr, pr))
            }
            "eth_sendRawTransaction" => {
                let raw: Bytes = required(p, 0, "transaction")?;
                c.add_raw_transaction(&raw)
                    .map(|h| json!(h))
                    .map_err(|e| RpcError::server(e.to_string()))
            }
            "eth_sendTransaction" => Err(RpcError::server(
                "unknown account: this node holds no keys, sign locally and use eth_sendRawTransaction",
            )),
            "eth_call" => {
                let req = self.call_request(p)?;
                let h = self.block_param(p, 1)?;
                match c.call(&h, &req).map_err(RpcError::internal)? {
                    CallOutcome::Success { output, .. } => Ok(json!(output)),
                    other => Err(call_error(other)),
                }
            }
            "eth_estimateGas" => {
                let req = self.call_request(p)?;
                let h = self.block_param(p, 1)?;
                match c.estimate_gas(&h, &req).map_err(RpcError::internal)? {
                    Ok(gas) => Ok(quantity(gas)),
                    Err(other) => Err(call_error(other)),
                }
            }
            "eth_feeHistory" => self.fee_history(p),
            "eth_getBlockByNumber" => {
                let full: bool = param(p, 1, "fullTransactions")?.unwrap_or(false);
                match self.block_param_opt(p, 0)? {
                    Some(h) => self.block_json(&h.hash_slow(), full),
                    None => Ok(Value::Null),
                }
            }
            "eth_getBlockByHash" => {
                let hash: B256 = required(p, 0, "blockHash")?;
                let full: bool = param(p, 1, "fullTransactions")?.unwrap_or(false);
                self.block_json(&hash, full)
            }
            "eth_getBlockTransactionCountByNumber" => match self.block_param_opt(p, 0)? {
                Some(h) => {
                    let b = c.block(&h.hash_slow()).map_err(RpcError::internal)?;
                    Ok(b.map_or(Value::Null, |b| quantity(b.body.transactions.len() as u64)))
                }
                None => Ok(Value::Null),
            },
            "eth_getBlockReceipts" => {
                let Some(h) = self.block_param_opt(p, 0)? else { return Ok(Value::Null) };
                let Some(b) = c.block(&h.hash_slow()).map_err(RpcError::internal)? else {
                    return Ok(Value::Null);
                };
                let mut out = vec![];
                for t in &b.body.transactions {
                    if let Some(r) = c.receipt(t.tx_hash()).map_err(RpcError::internal)? {
                        out.push(convert::receipt_json(&r));
                    }
                }
                Ok(Value::Array(out))
            }
            "eth_getTransactionByHash" => {
                let hash: B256 = required(p, 0, "transactionHash")?;
                if let Some(r) = c.receipt(&hash).map_err(RpcError::internal)? {
                    return Ok(convert::tx_json(
                        r.tx,
                        r.from,
                        Some((&r.header, r.block_hash, r.index)),
                    ));
                }
                Ok(c.pending_tx(&hash)
                    .map_or(Value::Null, |p| convert::tx_json(p.tx, p.sender, None)))
            }
            "eth_getTransactionReceipt" => {
                let hash: B256 = required(p, 0, "transactionHash")?;
                let r = c.receipt(&hash).map_err(RpcError::internal)?;
                Ok(r.map_or(Value::Null, |r| convert::receipt_json(&r)))
            }
            "eth_getLogs" => {
                let filter: Filter = required(p, 0, "filter")?;
                self.logs(&filter, None)
            }
            "eth_newFilter" => {
                let filter: Filter = required(p, 0, "filter")?;
                Ok(self.install(FilterKind::Logs(Box::new(filter))))
            }
            "eth_newBlockFilter" => Ok(self.install(FilterKind::Blocks)),
            "eth_newPendingTransactionFilter" => Ok(self.install(FilterKind::PendingTransactions)),
            "eth_uninstallFilter" => {
                let id: U256 = required(p, 0, "filterId")?;
                let mut f = self.filters.lock().unwrap_or_else(|p| p.into_inner());
                Ok(json!(f.by_id.remove(&id.saturating_to::<u64>()).is_some()))
            }
            "eth_getFilterChanges" => self.filter_changes(p),
            "eth_getFilterLogs" => {
                let id: U256 = required(p, 0, "filterId")?;
                let filter = {
                    let f = self.filters.lock().unwrap_or_else(|p| p.into_inner());
                    match f.by_id.get(&id.saturating_to::<u64>()).map(|i| &i.kind) {
                        Some(FilterKind::Logs(filter)) => (**filter).clone(),
                        Some(_) => return Err(RpcError::server("filter is not a log filter")),
                        None => return Err(RpcError::server("filter not found")),
                    }
                };
                self.logs(&filter, None)
            }
            "debug_executionWitness" => {
                let h =
                    self.block_param_opt(p, 0)?.ok_or_else(|| RpcError::params("unknown block"))?;
                if h.number == 0 {
                    return Err(RpcError::params("genesis has no execution witness"));
                }
                let w = c.witness(&h.hash_slow()).map_err(RpcError::internal)?;
                Ok(json!({
                    "state": w.state,
                    "codes": w.codes,
                    "keys": [],
                    "headers": w.headers,
                }))
            }
            _ => Err(RpcError {
                code: -32601,
                message: format!("the method {method} does not exist/is not available"),
                data: None,
            }),
        }
    }

    fn next_base_fee(&self) -> u64 {
        self.chain
            .head()
            .next_block_base_fee(alloy_eips::eip1559::BaseFeeParams::ethereum())
            .unwrap_or_default()
    }

    fn account(
        &self,
        h: &Header,
        addr: Address,
    ) -> Result<Option<alloy_trie::TrieAccount>, RpcError> {
        self.chain.account(h, addr).map_err(RpcError::internal)
    }

    fn block_param(&self, p: &[Value], i: usize) -> Result<Header, RpcError> {
        self.block_param_opt(p, i)?.ok_or_else(|| RpcError::server("header not found"))
    }

    /// Block tag, number, hash or `{blockHash|blockNumber}` object; missing = latest.
    fn block_param_opt(&self, p: &[Value], i: usize) -> Result<Option<Header>, RpcError> {
        let c = self.chain;
        let by_number = |n: u64| c.header_by_number(n).map_err(RpcError::internal);
        match p.get(i) {
            None | Some(Value::Null) => Ok(Some(c.head())),
            Some(Value::String(s)) => match s.as_str() {
                "latest" | "pending" | "safe" | "finalized" => Ok(Some(c.head())),
                "earliest" => by_number(0),
                s if s.len() == 66 => {
                    let hash: B256 = s
                        .parse()
                        .map_err(|_| RpcError::params(format!("invalid block hash {s}")))?;
                    c.header(&hash).map_err(RpcError::internal)
                }
                s => {
                    let n = s
                        .strip_prefix("0x")
                        .and_then(|h| u64::from_str_radix(h, 16).ok())
                        .ok_or_else(|| {
                            RpcError::params(format!("invalid block number or tag {s:?}"))
                        })?;
                    by_number(n)
                }
            },
            Some(Value::Object(o)) => {
                if let Some(h) = o.get("blockHash") {
                    let hash: B256 = serde_json::from_value(h.clone())
                        .map_err(|e| RpcError::params(format!("blockHash: {e}")))?;
                    return c.header(&hash).map_err(RpcError::internal);
                }
                let n = o.get("blockNumber").cloned().unwrap_or(Value::Null);
                self.block_param_opt(&[n], 0)
            }
            Some(v) => Err(RpcError::params(format!("invalid block parameter {v}"))),
        }
    }

    fn call_request(&self, p: &[Value]) -> Result<CallRequest, RpcError> {
        let r: TransactionRequest = required(p, 0, "transaction")?;
        Ok(CallRequest {
            from: r.from,
            to: r.to.and_then(|k| k.to().copied()),
            gas: r.gas,
            gas_price: r.gas_price,
            max_fee_per_gas: r.max_fee_per_gas,
            max_priority_fee_per_gas: r.max_priority_fee_per_gas,
            value: r.value,
            input: r.input.into_input().unwrap_or_default(),
            nonce: r.nonce,
            access_list: r.access_list,
        })
    }

    fn block_json(&self, hash: &B256, full: bool) -> Result<Value, RpcError> {
        let Some(block) = self.chain.block(hash).map_err(RpcError::internal)? else {
            return Ok(Value::Null);
        };
        Ok(convert::block_json(block, *hash, full))
    }

    fn fee_history(&self, p: &[Value]) -> Result<Value, RpcError> {
        let count: U256 = required(p, 0, "blockCount")?;
        let count = count.saturating_to::<u64>().clamp(1, 1024);
        let newest = self.block_param(p, 1)?;
        let percentiles: Vec<f64> = param(p, 2, "rewardPercentiles")?.unwrap_or_default();
        if percentiles.windows(2).any(|w| w[0] > w[1])
            || percentiles.iter().any(|x| !(0.0..=100.0).contains(x))
        {
            return Err(RpcError::params("rewardPercentiles must be ascending values in [0, 100]"));
        }
        let oldest = newest.number.saturating_sub(count - 1);
        let mut base = vec![];
        let mut ratio = vec![];
        let mut reward = vec![];
        for n in oldest..=newest.number {
            let h = self
                .chain
                .header_by_number(n)
                .map_err(RpcError::internal)?
                .ok_or_else(|| RpcError::server("header not found"))?;
            base.push(quantity(h.base_fee_per_gas.unwrap_or_default()));
            ratio.push(json!(h.gas_used as f64 / h.gas_limit.max(1) as f64));
            if !percentiles.is_empty() {
                reward.push(Value::Array(
                    self.block_rewards(&h, &percentiles)?.into_iter().map(quantity).collect(),
                ));
            }
            if n == newest.number {
                let next = h
                    .next_block_base_fee(alloy_eips::eip1559::BaseFeeParams::ethereum())
                    .unwrap_or_default();
                base.push(quantity(next));
            }
        }
        let mut out =
            json!({"oldestBlock": quantity(oldest), "baseFeePerGas": base, "gasUsedRatio": ratio});
        if !percentiles.is_empty() {
            out["reward"] = Value::Array(reward);
        }
        Ok(out)
    }

    fn block_rewards(&self, h: &Header, percentiles: &[f64]) -> Result<Vec<u128>, RpcError> {
        let hash = h.hash_slow();
        let block = self.chain.block(&hash).map_err(RpcError::internal)?.unwrap_or_default();
        let receipts = self.chain.receipts(&hash).map_err(RpcError::internal)?.unwrap_or_default();
        let base = h.base_fee_per_gas.unwrap_or_default();
        let mut prev = 0;
        let mut tips: Vec<(u128, u64)> = block
            .body
            .transactions
            .iter()
            .zip(&receipts)
            .map(|(t, r)| {
                let used = r.cumulative_gas_used() - prev;
                prev = r.cumulative_gas_used();
                (t.effective_tip_per_gas(base).unwrap_or(0), used)
            })
            .collect();
        tips.sort_unstable();
        let total: u64 = tips.iter().map(|t| t.1).sum();
        Ok(percentiles
            .iter()
            .map(|pct| {
                if tips.is_empty() {
                    return 0;
                }
                let threshold = (total as f64 * pct / 100.0) as u64;
                let mut sum = 0;
                for (tip, used) in &tips {
                    sum += used;
                    if sum >= threshold {
                        return *tip;
                    }
                }
                tips.last().map_or(0, |t| t.0)
            })
            .collect())
    }

    fn install(&self, kind: FilterKind) -> Value {
        let head = self.chain.head().number;
        let mut f = self.filters.lock().unwrap_or_else(|p| p.into_inner());
        f.by_id.retain(|_, i| i.last_poll.elapsed() < FILTER_TIMEOUT);
        f.next_id += 1;
        let id = f.next_id;
        f.by_id.insert(id, Installed { kind, last_block: head, last_poll: Instant::now() });
        quantity(id)
    }

    fn filter_changes(&self, p: &[Value]) -> Result<Value, RpcError> {
        let id: U256 = required(p, 0, "filterId")?;
        let id = id.saturating_to::<u64>();
        let head = self.chain.head().number;
        let (since, kind) = {
            let mut f = self.filters.lock().unwrap_or_else(|p| p.into_inner());
            let i = f.by_id.get_mut(&id).ok_or_else(|| RpcError::server("filter not found"))?;
            let since = i.last_block;
            i.last_block = head.max(since);
            i.last_poll = Instant::now();
            let kind = match &i.kind {
                FilterKind::Blocks => FilterKind::Blocks,
                FilterKind::PendingTransactions => FilterKind::PendingTransactions,
                FilterKind::Logs(f) => FilterKind::Logs(f.clone()),
            };
            (since, kind)
        };
        if head <= since {
            return Ok(json!([]));
        }
        match kind {
            FilterKind::PendingTransactions => Ok(json!([])),
            FilterKind::Blocks => {
                let mut out = vec![];
                for n in since + 1..=head {
                    if let Some(h) = self.chain.hash_by_number(n).map_err(RpcError::internal)? {
                        out.push(json!(h));
                    }
                }
                Ok(Value::Array(out))
            }
            FilterKind::Logs(filter) => self.logs(&filter, Some((since + 1, head))),
        }
    }

    /// Logs matching `filter`; `window` narrows its block range (filter polling).
    fn logs(&self, filter: &Filter, window: Option<(u64, u64)>) -> Result<Value, RpcError> {
        let c = self.chain;
        let head = c.head().number;
        let (from, to) = match filter.block_option {
            FilterBlockOption::AtBlockHash(hash) => {
                let h = c
                    .header(&hash)
                    .map_err(RpcError::internal)?
                    .ok_or_else(|| RpcError::server("unknown block"))?;
                (h.number, h.number)
            }
            FilterBlockOption::Range { from_block, to_block } => {
                let resolve = |b: Option<alloy_eips::BlockNumberOrTag>| match b {
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
        let logs = c
            .logs(
                from,
                to,
                |l| filter.matches_address(l.address) && filter.matches_topics(l.topics()),
                |b| filter.matches_bloom(*b),
            )
            .map_err(RpcError::internal)?;
        Ok(Value::Array(logs.iter().map(convert::log_json).collect()))
    }
}

fn call_error(o: CallOutcome) -> RpcError {
    match o {
        CallOutcome::Revert { output, .. } => {
            let reason = revert_reason(&output);
            RpcError {
                code: 3,
                message: match reason {
                    Some(r) => format!("execution reverted: {r}"),
                    None => "execution reverted".into(),
                },
                data: Some(json!(format!("0x{}", hex::encode(&output)))),
            }
        }
        CallOutcome::Halt { reason, .. } => RpcError::server(format!("execution halted: {reason}")),
        CallOutcome::Invalid(e) => RpcError::server(e),
        CallOutcome::Success { .. } => RpcError::server("unexpected success"),
    }
}

/// Decodes `Error(string)` revert data.
fn revert_reason(out: &[u8]) -> Option<String> {
    if out.len() < 4 + 64 || out[..4] != [0x08, 0xc3, 0x79, 0xa0] {
        return None;
    }
    let len = U256::from_be_slice(&out[36..68]).try_into().ok()?;
    let bytes = out.get(68..68usize.checked_add(len)?)?;
    String::from_utf8(bytes.to_vec()).ok()
}
