//! Server startup: one port for HTTP and WebSocket, its limits, the method table.

use crate::{
    CorsOrigins, Ctx, Handler, Metrics, RpcExtension, RpcLimits, compat, debug, eth, fees, filters,
    getters, http, net, nr, params, subscribe, telemetry, txpool, web3,
};
use jsonrpsee::{
    RpcModule,
    core::{RegisterMethodError, middleware::RpcServiceBuilder},
    server::{BatchRequestConfig, Server, ServerConfig, ServerHandle},
    types::ErrorObjectOwned,
};
use nr_chain::Chain;
use std::{collections::HashSet, net::SocketAddr, sync::Arc};
use tokio::sync::mpsc;

/// Largest request body (HTTP) or message (WebSocket): 32 MiB, room for EXECUTE inputs of
/// several MB sent hex-encoded through `eth_sendRawTransaction` or `eth_call`.
pub const MAX_REQUEST_BODY_SIZE: u32 = 32 * 1024 * 1024;
/// Largest response: 256 MiB, room for `debug_executionWitness` of large blocks.
pub const MAX_RESPONSE_BODY_SIZE: u32 = 256 * 1024 * 1024;

/// A running JSON-RPC server: owns jsonrpsee's [`ServerHandle`]. [`RpcServer::stop`]
/// stops it and waits until its port is closed and it holds no reference to the chain;
/// dropping it asks it to stop without waiting.
#[derive(Debug)]
pub struct RpcServer {
    addr: SocketAddr,
    handle: Option<ServerHandle>,
    /// Yields `None` once the method context (and its chain reference) is dropped.
    released: mpsc::Receiver<()>,
}

impl RpcServer {
    /// The bound address.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops accepting connections, waits for the open ones and the calls in flight to
    /// end and for the server to release the chain.
    pub async fn stop(mut self) {
        if let Some(handle) = self.handle.take() {
            handle.stop().ok();
            handle.stopped().await;
        }
        while self.released.recv().await.is_some() {}
        tracing::info!("rpc server on {} stopped", self.addr);
    }
}

impl Drop for RpcServer {
    fn drop(&mut self) {
        if let Some(handle) = &self.handle {
            handle.stop().ok();
        }
    }
}

/// Starts the HTTP and WebSocket server on `addr` (port 0 picks one) on the current tokio
/// runtime; it runs until [`RpcServer::stop`] or until the [`RpcServer`] is dropped.
pub async fn serve(
    addr: SocketAddr,
    chain: Arc<Chain>,
    ext: Option<Arc<dyn RpcExtension>>,
) -> std::io::Result<RpcServer> {
    serve_with(addr, chain, ext, RpcLimits::default()).await
}

/// [`serve`] with `limits` instead of the defaults.
pub async fn serve_with(
    addr: SocketAddr,
    chain: Arc<Chain>,
    ext: Option<Arc<dyn RpcExtension>>,
    limits: RpcLimits,
) -> std::io::Result<RpcServer> {
    serve_with_options(addr, chain, ext, limits, ServeOptions::default()).await
}

/// What the port serves besides JSON-RPC (see [`serve_with_options`]).
#[derive(Debug, Clone, Default)]
pub struct ServeOptions {
    /// Rendered at `GET /metrics`; the server adds its RPC call counts and latencies.
    pub metrics: Metrics,
    /// A static HTML page served at `GET /` (none: `GET /` is not answered with a page).
    pub page: Option<&'static str>,
    /// Browser origins allowed to call the server (CORS).
    pub cors: CorsOrigins,
}

/// [`serve_with`], also serving `GET /metrics`, the page of `options` at `GET /`, and CORS
/// headers for the allowed origins.
pub async fn serve_with_options(
    addr: SocketAddr,
    chain: Arc<Chain>,
    ext: Option<Arc<dyn RpcExtension>>,
    limits: RpcLimits,
    options: ServeOptions,
) -> std::io::Result<RpcServer> {
    let (alive, released) = mpsc::channel(1);
    let config = ServerConfig::builder()
        .max_request_body_size(MAX_REQUEST_BODY_SIZE)
        .max_response_body_size(MAX_RESPONSE_BODY_SIZE)
        .max_connections(limits.connections)
        .set_batch_request_config(BatchRequestConfig::Limit(limits.batch_requests))
        .max_subscriptions_per_connection(limits.subscriptions_per_connection)
        .set_message_buffer_capacity(limits.connection_buffer.max(1))
        .set_id_provider(subscribe::GethIds::default())
        .build();
    let batch_limit = limits.batch_requests as usize;
    let calls_per_connection = limits.calls_per_connection;
    let default_tip = ext.as_ref().and_then(|e| e.default_tip()).unwrap_or(fees::SUGGESTED_TIP);
    let oracle = parking_lot::Mutex::new(fees::Oracle::new(default_tip));
    let weak_chain = Arc::downgrade(&chain);
    let ctx = Ctx { chain, filters: Default::default(), limits, oracle, _alive: alive };
    let module = methods(ctx, ext).map_err(std::io::Error::other)?;
    let known: Arc<HashSet<String>> = Arc::new(module.method_names().map(String::from).collect());
    let metrics = options.metrics.clone();
    let http = tower::ServiceBuilder::new()
        .option_layer(options.cors.layer())
        .layer(http::PagesLayer { metrics: options.metrics, page: options.page, chain: weak_chain })
        .layer(compat::HttpLayer { batch_limit });
    let server = Server::builder()
        .set_config(config)
        .set_http_middleware(http)
        .set_rpc_middleware(
            RpcServiceBuilder::new()
                .layer_fn(move |s| {
                    compat::Legacy::new(s, MAX_RESPONSE_BODY_SIZE as usize, calls_per_connection)
                })
                .layer_fn(move |s| telemetry::RpcMetrics::new(s, metrics.clone(), known.clone())),
        )
        .build(addr)
        .await?;
    let addr = server.local_addr()?;
    let handle = server.start(module);
    Ok(RpcServer { addr, handle: Some(handle), released })
}

/// Every method: the standard namespaces, then the extension's.
fn methods(
    ctx: Ctx,
    ext: Option<Arc<dyn RpcExtension>>,
) -> Result<RpcModule<Ctx>, RegisterMethodError> {
    let mut module = RpcModule::new(ctx);
    let tables = [
        eth::METHODS,
        getters::METHODS,
        txpool::METHODS,
        fees::METHODS,
        filters::METHODS,
        net::METHODS,
        web3::METHODS,
        debug::METHODS,
    ];
    for &(name, handler) in tables.into_iter().flatten() {
        register(&mut module, name, handler)?;
    }
    subscribe::register(&mut module, ext.clone())?;
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
