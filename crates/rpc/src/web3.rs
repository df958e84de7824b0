//! The `web3` namespace.

use crate::{Ctx, Handler, RpcError};
use serde_json::{Value, json};

/// Version string returned by `web3_clientVersion`.
pub const CLIENT_VERSION: &str = concat!("nr/v", env!("CARGO_PKG_VERSION"), "/rust");

/// The `web3_*` methods.
pub(crate) const METHODS: &[(&str, Handler)] = &[("web3_clientVersion", client_version)];

fn client_version(_: &Ctx, _: &[Value]) -> Result<Value, RpcError> {
    Ok(json!(CLIENT_VERSION))
}
