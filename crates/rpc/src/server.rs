//! Server startup: one port for HTTP and WebSocket, its limits, the method table.

use crate::{Ctx, Handler, RpcExtension, compat, debug, eth, fees, filters, net, nr, params, web3};
use jsonrpsee::{
    RpcModule,
    core::{RegisterMethodError, middleware::RpcServiceBuilder},
    server::{BatchRequestConfig, Server, ServerConfig},
    types::ErrorObjectOwned,
};
use nr_chain::Chain;
use std::{net::SocketAddr, sync::Arc};

/// Largest request body (HTTP) or message (WebSocket): 32 MiB, room for EXECUTE inputs of
/// several MB sent hex-encoded through `eth_sendRawTransaction` or `eth_call`.
pub const MAX_REQUEST_BODY_SIZE: u32 = 32 * 1024 * 1024;
/// Largest response: 256 MiB, room for `debug_executionWitness` of large blocks.
pub const MAX_RESPONSE_BODY_SIZE: u32 = 256 * 1024 * 1024;
/// Most requests in one batch (geth's limit).
pub const MAX_BATCH_LEN: u32 = 1000;
/// Most open connections (HTTP and WebSocket together).
pub const MAX_CONNECTIONS: u32 = 500;

/// Starts the HTTP and WebSocket server on `addr`; returns the bound address (port 0
/// picks one) and a task that runs as long as the server (aborting it stops the server).
pub async fn serve(
    addr: SocketAddr,
    chain: Arc<Chain>,
    ext: Option<Arc<dyn RpcExtension>>,
) -> std::io::Result<(SocketAddr, tokio::task::JoinHandle<()>)> {
    let module = methods(chain, ext).map_err(std::io::Error::other)?;
    let config = ServerConfig::builder()
        .max_request_body_size(MAX_REQUEST_BODY_SIZE)
        .max_response_body_size(MAX_RESPONSE_BODY_SIZE)
        .max_connections(MAX_CONNECTIONS)
        .set_batch_request_config(BatchRequestConfig::Limit(MAX_BATCH_LEN))
        .build();
    let server = Server::builder()
        .set_config(config)
        .set_http_middleware(tower::ServiceBuilder::new().layer(compat::HttpLayer))
        .set_rpc_middleware(
            RpcServiceBuilder::new()
                .layer_fn(|s| compat::Legacy::new(s, MAX_RESPONSE_BODY_SIZE as usize)),
        )
        .build(addr)
        .await?;
    let local = server.local_addr()?;
    let handle = server.start(module);
    let task = tokio::spawn(async move {
        handle.stopped().await;
        tracing::info!("rpc server on {local} stopped");
    });
    Ok((local, task))
}

/// Every method: the standard namespaces, then the extension's.
fn methods(
    chain: Arc<Chain>,
    ext: Option<Arc<dyn RpcExtension>>,
) -> Result<RpcModule<Ctx>, RegisterMethodError> {
    let mut module = RpcModule::new(Ctx { chain, filters: Default::default() });
    let tables = [
        eth::METHODS,
        fees::METHODS,
        filters::METHODS,
        net::METHODS,
        web3::METHODS,
        debug::METHODS,
    ];
    for &(name, handler) in tables.into_iter().flatten() {
        register(&mut module, name, handler)?;
    }
    if let Some(ext) = ext {
        nr::register(&mut module, ext)?;
    }
    Ok(module)
}

/// Registers `handler` under `name`, run on tokio's blocking pool.
fn register(
    module: &mut RpcModule<Ctx>,
    name: &'static str,
    handler: Handler,
) -> Result<(), RegisterMethodError> {
    module.register_blocking_method(name, move |p, ctx, _| {
        let p = params::positional(&p)?;
        handler(&ctx, &p).map_err(ErrorObjectOwned::from)
    })?;
    Ok(())
}
