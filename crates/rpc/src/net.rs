//! The `net` namespace: a node without peers.

use crate::{Ctx, Handler, RpcError, quantity};
use serde_json::{Value, json};

/// The `net_*` methods.
pub(crate) const METHODS: &[(&str, Handler)] =
    &[("net_version", version), ("net_listening", listening), ("net_peerCount", peer_count)];

fn version(c: &Ctx, _: &[Value]) -> Result<Value, RpcError> {
    Ok(json!(c.chain.chain_id().to_string()))
}

fn listening(_: &Ctx, _: &[Value]) -> Result<Value, RpcError> {
    Ok(json!(true))
}

fn peer_count(_: &Ctx, _: &[Value]) -> Result<Value, RpcError> {
    Ok(quantity(0u64))
}
