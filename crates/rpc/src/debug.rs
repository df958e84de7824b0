//! The `debug` namespace: `debug_executionWitness` and `debug_traceTransaction` (geth's
//! `callTracer`).

use crate::{Ctx, Handler, RpcError, params};
use serde_json::{Value, json};

/// The `debug_*` methods.
pub(crate) const METHODS: &[(&str, Handler)] =
    &[("debug_executionWitness", execution_witness), ("debug_traceTransaction", trace_transaction)];

/// `debug_traceTransaction(hash, {tracer: "callTracer", tracerConfig: {onlyTopCall,
/// withLog}})`: the transaction re-executed in its block, as geth's `callTracer` frames
/// (nested calls with their input, output, gas, errors and, with `withLog`, logs). Only
/// `callTracer` is served; other tracers (and the default struct logger) are refused.
fn trace_transaction(c: &Ctx, p: &[Value]) -> Result<Value, RpcError> {
    let hash: alloy_primitives::B256 = params::required(p, 0, "transaction hash")?;
    let opts: Option<Value> = params::param(p, 1, "tracer options")?;
    let opts = opts.unwrap_or(Value::Null);
    let tracer = opts.get("tracer").and_then(Value::as_str).unwrap_or("");
    if tracer != "callTracer" {
        return Err(RpcError::params(format!(
            "tracer {tracer:?} is not supported (this node serves \"callTracer\")"
        )));
    }
    let flag =
        |name: &str| opts.get("tracerConfig").and_then(|c| c.get(name)).and_then(Value::as_bool);
    let config = nr_chain::trace::CallConfig {
        only_top_call: flag("onlyTopCall"),
        with_log: flag("withLog"),
    };
    let frame = c
        .chain
        .call_trace(&hash, config)
        .map_err(RpcError::internal)?
        .ok_or_else(|| RpcError::server(format!("transaction {hash} not found")))?;
    serde_json::to_value(frame).map_err(|e| RpcError::server(e.to_string()))
}

/// The witness of a block (state trie nodes, codes, ancestor headers), as reth and geth
/// shape it; replaying the block needs nothing else.
fn execution_witness(c: &Ctx, p: &[Value]) -> Result<Value, RpcError> {
    let h = params::block_opt(&c.chain, p, 0)?.ok_or_else(|| RpcError::params("unknown block"))?;
    if h.number == 0 {
        return Err(RpcError::params("genesis has no execution witness"));
    }
    let w = c.chain.witness(&h.hash_slow()).map_err(RpcError::internal)?;
    Ok(json!({
        "state": w.state,
        "codes": w.codes,
        "keys": [],
        "headers": w.headers,
    }))
}
