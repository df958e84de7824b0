//! The `debug` namespace: `debug_executionWitness` and geth's tracing methods
//! (`debug_traceTransaction`, `debug_traceCall`, `debug_traceBlockByNumber`,
//! `debug_traceBlockByHash`, `debug_traceBlock`) with geth's tracers: the default struct
//! logger, `callTracer`, `prestateTracer`, `4byteTracer`, `flatCallTracer`, `muxTracer`
//! and `noopTracer` (revm-inspectors). `docs/l2.md`, "Tracing", lists the options.

use crate::{Ctx, Handler, RpcError, params};
use alloy_eips::{BlockId, BlockNumberOrTag};
use alloy_primitives::{B256, Bytes};
use nr_chain::{
    ChainError,
    trace::{
        GethDebugTracingCallOptions, GethDebugTracingOptions, TraceCallAt, TraceError, TraceLimits,
    },
};
use serde_json::{Value, json};

/// The `debug_*` methods.
pub(crate) const METHODS: &[(&str, Handler)] = &[
    ("debug_executionWitness", execution_witness),
    ("debug_traceTransaction", trace_transaction),
    ("debug_traceBlockByNumber", trace_block_by_number),
    ("debug_traceBlockByHash", trace_block_by_hash),
    ("debug_traceBlock", trace_block_rlp),
    ("debug_traceCall", trace_call),
];

/// The error a failed trace is answered with.
fn trace_error(e: TraceError) -> RpcError {
    match e {
        TraceError::Timeout { .. } | TraceError::TooLarge { .. } | TraceError::InvalidCall(_) => {
            RpcError::server(e.to_string())
        }
        TraceError::InvalidTimeout(_)
        | TraceError::Tracer(_)
        | TraceError::Unsupported(_)
        | TraceError::StateOverride(_) => RpcError::params(e.to_string()),
        TraceError::Chain(ChainError::UnknownParent(h)) => {
            RpcError::server(format!("parent of block {h} not found"))
        }
        TraceError::Chain(e) => RpcError::internal(e),
    }
}

/// Parameter `i` as geth's tracing options (absent: the struct logger's defaults).
fn options(p: &[Value], i: usize) -> Result<GethDebugTracingOptions, RpcError> {
    Ok(params::param(p, i, "tracer options")?.unwrap_or_default())
}

/// The server's trace limits.
fn limits(c: &Ctx) -> TraceLimits {
    TraceLimits { max_bytes: c.limits.trace_bytes }
}

/// Serializes a trace result.
fn to_json(v: impl serde::Serialize) -> Result<Value, RpcError> {
    serde_json::to_value(v).map_err(|e| RpcError::server(e.to_string()))
}

/// `debug_traceTransaction(hash, options)`: the transaction re-executed on the state
/// before it in its block, with the tracer the options name.
fn trace_transaction(c: &Ctx, p: &[Value]) -> Result<Value, RpcError> {
    let hash: B256 = params::required(p, 0, "transaction hash")?;
    let opts = options(p, 1)?;
    let trace = c
        .chain
        .trace_transaction(&hash, &opts, limits(c))
        .map_err(trace_error)?
        .ok_or_else(|| RpcError::server(format!("transaction {hash} not found")))?;
    to_json(trace)
}

/// The traces of every transaction of stored block `hash`, as `[{txHash, result}]`.
fn trace_stored_block(c: &Ctx, hash: B256, p: &[Value]) -> Result<Value, RpcError> {
    let opts = options(p, 1)?;
    let traces = c
        .chain
        .trace_block(&hash, &opts, limits(c))
        .map_err(trace_error)?
        .ok_or_else(|| RpcError::server(format!("block {hash} not found")))?;
    to_json(traces)
}

/// `debug_traceBlockByNumber(number or tag, options)`.
fn trace_block_by_number(c: &Ctx, p: &[Value]) -> Result<Value, RpcError> {
    let tag: BlockNumberOrTag = params::required(p, 0, "block number")?;
    let h = params::header(&c.chain, Some(BlockId::Number(tag)))?
        .ok_or_else(|| RpcError::server(format!("block {tag} not found")))?;
    if h.number == 0 {
        return Err(RpcError::server("genesis is not traceable"));
    }
    trace_stored_block(c, h.hash_slow(), p)
}

/// `debug_traceBlockByHash(hash, options)`.
fn trace_block_by_hash(c: &Ctx, p: &[Value]) -> Result<Value, RpcError> {
    let hash: B256 = params::required(p, 0, "block hash")?;
    trace_stored_block(c, hash, p)
}

/// `debug_traceBlock(rlp, options)`: a block given as RLP, run on its stored parent.
fn trace_block_rlp(c: &Ctx, p: &[Value]) -> Result<Value, RpcError> {
    let rlp: Bytes = params::required(p, 0, "block rlp")?;
    let block = nr_stateless::block::decode_block(&rlp)
        .map_err(|e| RpcError::params(format!("could not decode block: {e}")))?;
    let opts = options(p, 1)?;
    to_json(c.chain.trace_given_block(&block, &opts, limits(c)).map_err(trace_error)?)
}

/// `debug_traceCall(call, block, options)`: the call as `eth_call` runs it (at `pending`:
/// as the first transaction of the next block), with `stateOverrides` and
/// `blockOverrides` applied first.
fn trace_call(c: &Ctx, p: &[Value]) -> Result<Value, RpcError> {
    let req = params::call_request(p)?;
    let id = params::block_id(p, 1)?;
    let at = match id {
        Some(BlockId::Number(BlockNumberOrTag::Pending)) => {
            TraceCallAt::Pending { timestamp: nr_chain::unix_now() }
        }
        id => TraceCallAt::Block(Box::new(
            params::header(&c.chain, id)?.ok_or_else(|| RpcError::server("header not found"))?,
        )),
    };
    let opts: GethDebugTracingCallOptions =
        params::param(p, 2, "tracer options")?.unwrap_or_default();
    to_json(c.chain.trace_call(&at, &req, opts, limits(c)).map_err(trace_error)?)
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
