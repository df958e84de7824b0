//! The chain's own methods (`nr_*`): those of its [`RpcExtension`].

use crate::{Ctx, RpcError, RpcExtension, params};
use jsonrpsee::{RpcModule, core::RegisterMethodError, types::ErrorObjectOwned};
use std::sync::Arc;

/// Registers each of `ext`'s methods by name, replacing a standard method of that name.
pub(crate) fn register(
    module: &mut RpcModule<Ctx>,
    ext: Arc<dyn RpcExtension>,
) -> Result<(), RegisterMethodError> {
    for &name in ext.methods() {
        module.remove_method(name);
        let ext = ext.clone();
        module.register_blocking_method(name, move |p, ctx, _| {
            let p = params::positional(&p)?;
            ext.call(&ctx.chain, name, &p)
                .unwrap_or_else(|| Err(RpcError::method_not_found(name)))
                .map_err(ErrorObjectOwned::from)
        })?;
    }
    Ok(())
}
