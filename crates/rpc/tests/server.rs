//! The server on one port: HTTP and WebSocket, batches, the request and batch limits,
//! extension methods, and the answers to malformed requests.

mod common;

use alloy_primitives::Address;
use common::{CHAIN_ID, dev_chain, post_raw};
use jsonrpsee::{core::client::ClientT, rpc_params, ws_client::WsClientBuilder};
use nr_chain::Chain;
use nr_rpc::{MAX_REQUEST_BODY_SIZE, RpcError, RpcExtension, RpcLimits};
use serde_json::{Value, json};
use std::{net::SocketAddr, sync::Arc, time::Duration};

/// One extra method, `nr_ping`, and `nr_slow`, which answers after half a second.
struct Ping;

impl RpcExtension for Ping {
    fn methods(&self) -> &'static [&'static str] {
        &["nr_ping", "nr_slow"]
    }
    fn call(&self, _: &Chain, method: &str, _: &[Value]) -> Option<Result<Value, RpcError>> {
        if method == "nr_slow" {
            std::thread::sleep(Duration::from_millis(500));
        }
        Some(Ok(json!("pong")))
    }
}

async fn start(dir: &std::path::Path) -> nr_rpc::RpcServer {
    nr_rpc::serve("127.0.0.1:0".parse().unwrap(), dev_chain(dir), Some(Arc::new(Ping)))
        .await
        .expect("server starts")
}

#[tokio::test(flavor = "multi_thread")]
async fn stop_closes_the_port_and_releases_the_chain() {
    let dir = tempfile::tempdir().unwrap();
    let chain = dev_chain(dir.path());
    let server = nr_rpc::serve("127.0.0.1:0".parse().unwrap(), chain.clone(), Some(Arc::new(Ping)))
        .await
        .unwrap();
    let addr = server.local_addr();
    let client = WsClientBuilder::default().build(format!("ws://{addr}")).await.unwrap();
    let id: String = client.request("eth_chainId", rpc_params![]).await.unwrap();
    assert_eq!(id, format!("{CHAIN_ID:#x}"));
    // A call still running when the server stops.
    let slow = tokio::spawn(async move {
        let _ = client.request::<String, _>("nr_slow", rpc_params![]).await;
    });
    tokio::time::sleep(Duration::from_millis(100)).await;
    server.stop().await;
    assert!(std::net::TcpStream::connect(addr).is_err(), "port closed when stop returns");
    assert_eq!(Arc::strong_count(&chain), 1, "the server holds no reference to the chain");
    slow.await.unwrap();
}

/// POSTs `body` (declaring `declared` bytes if given, sending only the headers then) and
/// returns the HTTP status and the JSON body.
async fn post(addr: SocketAddr, body: &str, declared: Option<usize>) -> (u16, Value) {
    let (status, body) = post_raw(addr, body, declared, Duration::from_secs(30)).await;
    (status, serde_json::from_str(&body).unwrap_or_else(|e| panic!("{e}: {body}")))
}

fn call(id: u64, method: &str) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "method": method, "params": []})
}

#[tokio::test(flavor = "multi_thread")]
async fn websocket_and_http_share_one_port() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path()).await;
    let addr = server.local_addr();
    let ws = WsClientBuilder::default().build(format!("ws://{addr}")).await.unwrap();
    let id: String = ws.request("eth_chainId", rpc_params![]).await.unwrap();
    assert_eq!(id, format!("{CHAIN_ID:#x}"));
    let pong: String = ws.request("nr_ping", rpc_params![]).await.unwrap();
    assert_eq!(pong, "pong");
    let (status, v) = post(addr, &call(1, "eth_chainId").to_string(), None).await;
    assert_eq!((status, &v["result"]), (200, &json!(format!("{CHAIN_ID:#x}"))));
}

#[tokio::test(flavor = "multi_thread")]
async fn batches_answer_in_order_and_long_batches_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path()).await;
    let addr = server.local_addr();
    let batch =
        json!([call(1, "eth_chainId"), call(2, "eth_blockNumber"), call(3, "nope"), {"id": 4}]);
    let (status, v) = post(addr, &batch.to_string(), None).await;
    assert_eq!(status, 200);
    assert_eq!(v[0], json!({"jsonrpc": "2.0", "id": 1, "result": format!("{CHAIN_ID:#x}")}));
    assert_eq!(v[1]["result"], "0x0");
    assert_eq!(
        v[2]["error"],
        json!({"code": -32601, "message": "the method nope does not exist/is not available"})
    );
    assert_eq!(v[3]["error"], json!({"code": -32600, "message": "invalid request: no method"}));

    let max = u64::from(RpcLimits::default().batch_requests);
    let long: Vec<Value> = (0..=max).map(|i| call(i, "eth_chainId")).collect();
    let (status, v) = post(addr, &Value::Array(long).to_string(), None).await;
    assert_eq!(status, 200);
    assert_eq!(v[0]["error"]["code"], -32600, "{v}");
    assert_eq!(v[0]["error"]["message"], "batch too large");
    let full: Vec<Value> = (0..max).map(|i| call(i, "eth_chainId")).collect();
    let (_, v) = post(addr, &Value::Array(full).to_string(), None).await;
    assert_eq!(v.as_array().map(Vec::len), Some(max as usize));
}

#[tokio::test(flavor = "multi_thread")]
async fn oversized_requests_are_refused_clearly() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path()).await;
    let addr = server.local_addr();
    let (status, v) = post(addr, "", Some(MAX_REQUEST_BODY_SIZE as usize + 1)).await;
    assert_eq!(status, 413);
    assert_eq!(v["error"]["code"], -32007);
    assert_eq!(v["error"]["message"], "Request is too big");
    assert_eq!(v["error"]["data"], format!("Exceeded max limit of {MAX_REQUEST_BODY_SIZE}"));

    // A multi-MB transaction is well within the limit: it reaches the method and is decoded.
    let big = format!("0x{}", "00".repeat(8 << 20));
    let req =
        json!({"jsonrpc": "2.0", "id": 1, "method": "eth_sendRawTransaction", "params": [big]});
    let (status, v) = post(addr, &req.to_string(), None).await;
    assert_eq!(status, 200);
    assert_eq!(v["error"]["code"], -32000, "{v}");
}

#[tokio::test(flavor = "multi_thread")]
async fn malformed_requests_get_the_previous_answers() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path()).await;
    let addr = server.local_addr();
    let (_, v) = post(addr, "{", None).await;
    assert_eq!(v["error"]["code"], -32700);
    assert!(v["error"]["message"].as_str().unwrap().starts_with("parse error: "), "{v}");
    let (_, v) = post(addr, "[]", None).await;
    assert_eq!(v["error"], json!({"code": -32600, "message": "empty batch"}));
    let (_, v) = post(addr, r#"{"id":9}"#, None).await;
    assert_eq!(
        (&v["id"], &v["error"]["message"]),
        (&json!(9), &json!("invalid request: no method"))
    );
    let (_, v) = post(addr, r#"{"id":1,"method":"eth_chainId","params":{}}"#, None).await;
    assert_eq!(v["error"], json!({"code": -32602, "message": "params must be an array"}));
    // No "jsonrpc" and no id were accepted before, and still are.
    let (_, v) = post(addr, r#"{"method":"eth_chainId"}"#, None).await;
    assert_eq!((&v["id"], &v["result"]), (&Value::Null, &json!(format!("{CHAIN_ID:#x}"))));
    let (_, v) = post(
        addr,
        &json!({"jsonrpc":"2.0","id":1,"method":"eth_getBalance","params":["0x12"]}).to_string(),
        None,
    )
    .await;
    assert_eq!(v["error"]["code"], -32602);
    assert!(
        v["error"]["message"].as_str().unwrap().starts_with("invalid address (param 0): "),
        "{v}"
    );
    let (_, v) = post(addr, &json!({"jsonrpc":"2.0","id":1,"method":"eth_getBalance","params":[format!("{:#x}", Address::ZERO), "0x99"]}).to_string(), None).await;
    assert_eq!(v["error"], json!({"code": -32000, "message": "header not found"}));
}
