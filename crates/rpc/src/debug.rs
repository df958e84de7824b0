//! The `debug` namespace: `debug_executionWitness`.

use crate::{Ctx, Handler, RpcError, params};
use serde_json::{Value, json};

/// The `debug_*` methods.
pub(crate) const METHODS: &[(&str, Handler)] = &[("debug_executionWitness", execution_witness)];

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
