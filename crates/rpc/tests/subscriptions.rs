//! `eth_subscribe` over WebSocket with alloy's provider as the outside client: `newHeads`,
//! `logs` (filtered, and `removed` on a reorg), `newPendingTransactions`, an extension's
//! named subscription, the per-connection limit, unsubscribing, the HTTP refusal, and a
//! subscriber that does not read being dropped.

mod common;

use common::{CHAIN_ID, funded_chain, key};

use alloy_consensus::TxEnvelope;
use alloy_primitives::{Address, B256, TxKind, U256};
use alloy_provider::{Provider, ProviderBuilder, RootProvider, WsConnect};
use alloy_rpc_types_eth::Filter;
use jsonrpsee::{
    core::client::{ClientT, SubscriptionClientT},
    rpc_params,
    ws_client::WsClientBuilder,
};
use nr_chain::{Chain, Eip1559Builder};
use nr_rpc::{RpcError, RpcExtension, RpcLimits};
use serde_json::{Value, json};
use std::{
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::Duration,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Every wait of these tests gives up (and fails) after this.
const DEADLINE: Duration = Duration::from_secs(30);

/// A creation with `nonce` whose init code emits one LOG1 with `topic`.
fn emit(nonce: u64, topic: B256) -> TxEnvelope {
    // PUSH32 topic, PUSH1 0, PUSH1 0, LOG1, STOP
    let mut init = vec![0x7f];
    init.extend_from_slice(topic.as_slice());
    init.extend_from_slice(&[0x60, 0, 0x60, 0, 0xa1, 0x00]);
    Eip1559Builder::new(CHAIN_ID, nonce, TxKind::Create)
        .input(init)
        .gas_limit(100_000)
        .sign(&key())
        .unwrap()
}

fn transfer(nonce: u64) -> TxEnvelope {
    Eip1559Builder::new(CHAIN_ID, nonce, TxKind::Call(Address::repeat_byte(9)))
        .value(U256::from(1))
        .sign(&key())
        .unwrap()
}

/// Mines the pool into one block, `dt` seconds after the head.
fn mine(chain: &Chain, dt: u64) -> nr_chain::Produced {
    let head = chain.head();
    chain.produce_block(head.timestamp + dt).unwrap()
}

/// `nr_test`: a named subscription whose value is set by the test; `nr_big`: a value of
/// 256 KiB that changes at every read (counted in `reads`).
#[derive(Default)]
struct Ext {
    value: parking_lot::Mutex<Option<Value>>,
    reads: AtomicU64,
}

impl RpcExtension for Ext {
    fn methods(&self) -> &'static [&'static str] {
        &[]
    }
    fn call(&self, _: &Chain, _: &str, _: &[Value]) -> Option<Result<Value, RpcError>> {
        None
    }
    fn subscriptions(&self) -> &'static [&'static str] {
        &["nr_test", "nr_big"]
    }
    fn subscription_value(&self, _: &Chain, name: &str) -> Option<Value> {
        if name == "nr_big" {
            let n = self.reads.fetch_add(1, Ordering::SeqCst);
            return Some(json!({"n": n, "pad": "x".repeat(256 * 1024)}));
        }
        self.value.lock().clone()
    }
}

async fn serve_with(
    chain: Arc<Chain>,
    ext: Arc<Ext>,
    limits: RpcLimits,
) -> (nr_rpc::RpcServer, RootProvider) {
    let ext: Arc<dyn RpcExtension> = ext;
    let server =
        nr_rpc::serve_with("127.0.0.1:0".parse().unwrap(), chain, Some(ext), limits).await.unwrap();
    let ws = WsConnect::new(format!("ws://{}", server.local_addr()));
    let provider = ProviderBuilder::new().disable_recommended_fillers().connect_ws(ws).await;
    (server, provider.expect("ws connects").root().clone())
}

async fn serve(chain: Arc<Chain>) -> (nr_rpc::RpcServer, RootProvider) {
    serve_with(chain, Arc::default(), RpcLimits::default()).await
}

/// The next item of `sub`, failing after [`DEADLINE`].
async fn next<T: serde::de::DeserializeOwned + Clone + std::fmt::Debug>(
    sub: &mut alloy_pubsub::Subscription<T>,
    what: &str,
) -> T {
    tokio::time::timeout(DEADLINE, sub.recv())
        .await
        .unwrap_or_else(|_| panic!("no {what} within {DEADLINE:?}"))
        .unwrap_or_else(|e| panic!("{what}: {e}"))
}

#[tokio::test(flavor = "multi_thread")]
async fn new_heads_are_pushed_for_each_produced_block() {
    let dir = tempfile::tempdir().unwrap();
    let chain = funded_chain(dir.path(), &[key().address()]);
    let (_server, p) = serve(chain.clone()).await;
    let mut sub = p.subscribe_blocks().await.expect("subscribed");
    chain.add_transaction(transfer(0)).unwrap();
    let one = mine(&chain, 12);
    let two = mine(&chain, 12);
    let h = next(&mut sub, "head 1").await;
    assert_eq!((h.number, h.hash), (1, one.hash));
    assert_eq!(h.inner.gas_used, 21_000);
    let h = next(&mut sub, "head 2").await;
    assert_eq!((h.number, h.hash, h.parent_hash), (2, two.hash, one.hash));
}

#[tokio::test(flavor = "multi_thread")]
async fn logs_are_filtered_and_removed_on_reorg() {
    let dir = tempfile::tempdir().unwrap();
    let chain = funded_chain(dir.path(), &[key().address()]);
    let (_server, p) = serve(chain.clone()).await;
    let (t1, t2) = (B256::repeat_byte(0xa1), B256::repeat_byte(0xa2));
    let wanted = key().address().create(2);
    let filter = Filter::new().address(wanted).event_signature(t1);
    let mut sub = p.subscribe_logs(&filter).await.expect("subscribed");
    // Block 1: the other topic, then the right topic from another address; block 2: the
    // log the filter wants. Had either of the first two been sent, it would come first.
    chain.add_transaction(emit(0, t2)).unwrap();
    chain.add_transaction(emit(1, t1)).unwrap();
    assert_eq!(mine(&chain, 12).block.body.transactions.len(), 2);
    let two = mine(&chain, 12);
    chain.add_transaction(emit(2, t1)).unwrap();
    let three = mine(&chain, 12);
    let _ = two;
    let log = next(&mut sub, "the matching log").await;
    assert_eq!((log.address(), log.topics()), (wanted, &[t1][..]));
    assert_eq!((log.block_hash, log.removed), (Some(three.hash), false));

    // A reorg: block 3 leaves the chain (its transaction goes back to the pool) and a new
    // block 3 includes it again.
    chain.rewind_to(2).unwrap();
    let again = mine(&chain, 13);
    assert_ne!(again.hash, three.hash);
    let removed = next(&mut sub, "the removed log").await;
    assert_eq!((removed.block_hash, removed.removed), (Some(three.hash), true));
    let readded = next(&mut sub, "the log of the new block").await;
    assert_eq!((readded.block_hash, readded.removed), (Some(again.hash), false));
}

#[tokio::test(flavor = "multi_thread")]
async fn pending_transactions_are_pushed_as_hashes_or_full() {
    let dir = tempfile::tempdir().unwrap();
    let chain = funded_chain(dir.path(), &[key().address()]);
    let (_server, p) = serve(chain.clone()).await;
    let mut hashes = p.subscribe_pending_transactions().await.expect("subscribed");
    let mut full = p.subscribe_full_pending_transactions().await.expect("subscribed");
    let tx = transfer(0);
    chain.add_transaction(tx.clone()).unwrap();
    assert_eq!(next(&mut hashes, "the pending hash").await, *tx.tx_hash());
    let t = next(&mut full, "the pending transaction").await;
    assert_eq!((*t.inner.tx_hash(), t.inner.signer()), (*tx.tx_hash(), key().address()));
    assert_eq!(t.block_number, None);
}

#[tokio::test(flavor = "multi_thread")]
async fn extension_subscription_pushes_each_change() {
    let dir = tempfile::tempdir().unwrap();
    let chain = funded_chain(dir.path(), &[key().address()]);
    let ext = Arc::new(Ext::default());
    let (_server, p) = serve_with(chain, ext.clone(), RpcLimits::default()).await;
    let mut sub = p.subscribe::<_, Value>(("nr_test",)).await.expect("subscribed");
    *ext.value.lock() = Some(json!({"settled": 1}));
    assert_eq!(next(&mut sub, "the first value").await, json!({"settled": 1}));
    // The same value is not sent again; the next change is.
    tokio::time::sleep(nr_rpc::SUBSCRIPTION_POLL * 3).await;
    *ext.value.lock() = Some(json!({"settled": 2}));
    assert_eq!(next(&mut sub, "the second value").await, json!({"settled": 2}));
    let e = p.subscribe::<_, Value>(("nr_nope",)).await.expect_err("unknown kind refused");
    let e = e.as_error_resp().expect("an error response");
    assert_eq!(
        (e.code, e.message.as_ref()),
        (-32601, "no \"nr_nope\" subscription in eth namespace")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn subscriptions_per_connection_are_limited_and_unsubscribe_frees_one() {
    let dir = tempfile::tempdir().unwrap();
    let chain = funded_chain(dir.path(), &[key().address()]);
    let limits = RpcLimits { subscriptions_per_connection: 3, ..Default::default() };
    let (server, _p) = serve_with(chain, Arc::default(), limits).await;
    let ws =
        WsClientBuilder::default().build(format!("ws://{}", server.local_addr())).await.unwrap();
    let mut ids = vec![];
    for _ in 0..3 {
        let id: String = ws.request("eth_subscribe", rpc_params!["newHeads"]).await.unwrap();
        assert!(id.starts_with("0x") && id.len() == 34, "geth's id shape: {id}");
        ids.push(id);
    }
    let e = ws.request::<String, _>("eth_subscribe", rpc_params!["newHeads"]).await.unwrap_err();
    let jsonrpsee::core::ClientError::Call(e) = e else { panic!("{e:?}") };
    assert_eq!((e.code(), e.message()), (-32006, "Too many subscriptions on the connection"));
    let done: bool = ws.request("eth_unsubscribe", rpc_params![ids[0].clone()]).await.unwrap();
    assert!(done);
    let again: bool = ws.request("eth_unsubscribe", rpc_params![ids[0].clone()]).await.unwrap();
    assert!(!again, "already gone");
    let _: String = ws.request("eth_subscribe", rpc_params!["newHeads"]).await.unwrap();
    // Another connection has its own count.
    let other =
        WsClientBuilder::default().build(format!("ws://{}", server.local_addr())).await.unwrap();
    let sub = other
        .subscribe::<Value, _>("eth_subscribe", rpc_params!["newHeads"], "eth_unsubscribe")
        .await;
    assert!(sub.is_ok());
}

#[tokio::test(flavor = "multi_thread")]
async fn subscribing_over_http_is_refused_as_geth_does() {
    let dir = tempfile::tempdir().unwrap();
    let server = nr_rpc::serve(
        "127.0.0.1:0".parse().unwrap(),
        funded_chain(dir.path(), &[key().address()]),
        None,
    )
    .await
    .unwrap();
    let url = format!("http://{}", server.local_addr()).parse().unwrap();
    let p = ProviderBuilder::new().disable_recommended_fillers().connect_http(url);
    for (method, params) in
        [("eth_subscribe", json!(["newHeads"])), ("eth_unsubscribe", json!(["0x1"]))]
    {
        let e = p.raw_request::<_, Value>(method.into(), params).await.unwrap_err();
        let e = e.as_error_resp().unwrap_or_else(|| panic!("{method}: {e}"));
        assert_eq!(
            (e.code, e.message.as_ref()),
            (-32601, "notifications not supported"),
            "{method}"
        );
    }
}

/// Opens a WebSocket on `addr` by hand, subscribes to `kind` and never reads.
async fn subscribe_without_reading(
    addr: std::net::SocketAddr,
    kind: &str,
) -> tokio::net::TcpStream {
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    let req = format!(
        "GET / HTTP/1.1\r\nHost: {addr}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
    );
    s.write_all(req.as_bytes()).await.unwrap();
    // Reads the handshake answer only (up to its blank line).
    let mut head = vec![];
    while !head.ends_with(b"\r\n\r\n") {
        let mut b = [0u8; 1];
        tokio::time::timeout(DEADLINE, s.read_exact(&mut b)).await.expect("handshake").unwrap();
        head.push(b[0]);
    }
    assert!(head.starts_with(b"HTTP/1.1 101"), "{}", String::from_utf8_lossy(&head));
    let payload =
        json!({"jsonrpc": "2.0", "id": 1, "method": "eth_subscribe", "params": [kind]}).to_string();
    // One masked text frame (mask 0: the payload goes as it is).
    let mut frame = vec![0x81, 0x80 | 126];
    frame.extend_from_slice(&(payload.len() as u16).to_be_bytes());
    frame.extend_from_slice(&[0, 0, 0, 0]);
    frame.extend_from_slice(payload.as_bytes());
    s.write_all(&frame).await.unwrap();
    s
}

#[tokio::test(flavor = "multi_thread")]
async fn slow_subscriber_is_dropped_not_buffered() {
    let dir = tempfile::tempdir().unwrap();
    let ext = Arc::new(Ext::default());
    let limits = RpcLimits { connection_buffer: 8, ..Default::default() };
    let (server, _p) =
        serve_with(funded_chain(dir.path(), &[key().address()]), ext.clone(), limits).await;
    let _socket = subscribe_without_reading(server.local_addr(), "nr_big").await;
    // Each read makes one 256 KiB message. Once the socket and the connection's buffer are
    // full the subscription is dropped: the reads stop.
    let start = tokio::time::Instant::now();
    let mut last = ext.reads.load(Ordering::SeqCst);
    loop {
        tokio::time::sleep(nr_rpc::SUBSCRIPTION_POLL * 10).await;
        let now = ext.reads.load(Ordering::SeqCst);
        if now == last && now > 0 {
            break;
        }
        last = now;
        assert!(
            start.elapsed() < DEADLINE * 4,
            "{now} reads: the subscription never started, or was never dropped"
        );
    }
    eprintln!("subscription dropped after {last} messages of 256 KiB");
    // The socket's buffers hold some tens of 256 KiB messages, the connection 8 more.
    assert!(last < 200, "dropped only after {last} messages");
}
