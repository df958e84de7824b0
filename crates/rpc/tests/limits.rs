//! Flood tests, one per JSON-RPC limit: each sends what an attacker would, checks the
//! answer is geth's error for that limit, and checks the node still answers an ordinary
//! request afterwards (or during the flood).

mod common;

use alloy_primitives::{Address, B256, TxKind, U256};
use common::{CHAIN_ID, funded_chain, key, post_raw};
use jsonrpsee::{core::client::ClientT, rpc_params, ws_client::WsClientBuilder};
use nr_chain::{Chain, Eip1559Builder, spec::ChainSpec};
use nr_rpc::{RpcError, RpcExtension};
use serde_json::{Value, json};
use std::{
    net::SocketAddr,
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    time::Duration,
};

/// Every wait of these tests gives up (and fails) after this.
const DEADLINE: Duration = Duration::from_secs(60);

/// `nr_slow` sleeps 100 ms and counts how many calls run at once (peak in `peak`).
#[derive(Default)]
struct Slow {
    running: AtomicUsize,
    peak: AtomicUsize,
}

impl RpcExtension for Slow {
    fn methods(&self) -> &'static [&'static str] {
        &["nr_slow"]
    }
    fn call(&self, _: &Chain, _: &str, _: &[Value]) -> Option<Result<Value, RpcError>> {
        let now = self.running.fetch_add(1, Ordering::SeqCst) + 1;
        self.peak.fetch_max(now, Ordering::SeqCst);
        std::thread::sleep(Duration::from_millis(100));
        self.running.fetch_sub(1, Ordering::SeqCst);
        Some(Ok(json!("slow")))
    }
}

async fn start(chain: Arc<Chain>, ext: Option<Arc<dyn RpcExtension>>) -> nr_rpc::RpcServer {
    nr_rpc::serve("127.0.0.1:0".parse().unwrap(), chain, ext).await.expect("server starts")
}

/// POSTs `body`, returns the JSON answer.
async fn post(addr: SocketAddr, body: &str) -> Value {
    let (status, body) = post_raw(addr, body, None, DEADLINE).await;
    assert_eq!(status, 200, "{body}");
    serde_json::from_str(&body).unwrap_or_else(|e| panic!("{e}: {body}"))
}

fn call(id: u64, method: &str, params: Value) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params})
}

/// The node answers an ordinary request.
async fn still_answers(addr: SocketAddr) {
    let v = post(addr, &call(7, "eth_chainId", json!([])).to_string()).await;
    assert_eq!(v["result"], format!("{CHAIN_ID:#x}"), "the node still answers: {v}");
}

/// Sends `calls` as batches of at most 1000 and returns every answer, in order.
async fn batched(addr: SocketAddr, calls: Vec<Value>) -> Vec<Value> {
    let mut out = vec![];
    for chunk in calls.chunks(1000) {
        let v = post(addr, &Value::Array(chunk.to_vec()).to_string()).await;
        out.extend(v.as_array().unwrap_or_else(|| panic!("a batch answer: {v}")).iter().cloned());
    }
    out
}

#[tokio::test(flavor = "multi_thread")]
async fn rpc_flood_by_oversized_batch() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(funded_chain(dir.path(), &[key().address()]), None).await;
    let addr = server.local_addr();
    let flood: Vec<Value> =
        (0..20_000).map(|i| call(i + 5, "eth_blockNumber", json!([]))).collect();
    let v = post(addr, &Value::Array(flood).to_string()).await;
    // geth: one answer, in a batch, carrying the id of the first call.
    assert_eq!(
        v,
        json!([{"jsonrpc": "2.0", "id": 5, "error": {"code": -32600, "message": "batch too large"}}])
    );
    still_answers(addr).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn rpc_flood_by_installed_filters() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(funded_chain(dir.path(), &[key().address()]), None).await;
    let addr = server.local_addr();
    let cap = nr_rpc::RpcLimits::default().filters;
    let flood: Vec<Value> =
        (0..cap as u64 + 10).map(|i| call(i, "eth_newBlockFilter", json!([]))).collect();
    let answers = batched(addr, flood).await;
    let installed = answers.iter().filter(|a| a.get("result").is_some()).count();
    assert_eq!(installed, cap, "installed filters are capped");
    let refused = answers.last().unwrap();
    assert_eq!(refused["error"]["code"], -32000, "{refused}");
    assert_eq!(refused["error"]["message"], format!("too many filters installed (limit {cap})"));
    // Uninstalling one makes room for one.
    let first = answers[0]["result"].clone();
    let v = post(addr, &call(1, "eth_uninstallFilter", json!([first])).to_string()).await;
    assert_eq!(v["result"], true);
    let v = post(addr, &call(1, "eth_newBlockFilter", json!([])).to_string()).await;
    assert!(v["result"].is_string(), "{v}");
    still_answers(addr).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn rpc_flood_by_filter_with_many_addresses_and_topics() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(funded_chain(dir.path(), &[key().address()]), None).await;
    let addr = server.local_addr();
    let many: Vec<Address> =
        (0..1001u64).map(|i| Address::left_padding_from(&i.to_be_bytes())).collect();
    for method in ["eth_getLogs", "eth_newFilter"] {
        let v = post(addr, &call(1, method, json!([{"address": many}])).to_string()).await;
        assert_eq!(
            v["error"],
            json!({"code": -32000, "message": "exceed max addresses or topics per search position"}),
            "{method}"
        );
        let v = post(
            addr,
            &call(1, method, json!([{"topics": [null, null, null, null, B256::ZERO]}])).to_string(),
        )
        .await;
        assert_eq!(v["error"], json!({"code": -32000, "message": "exceed max topics"}), "{method}");
    }
    let hashes: Vec<B256> =
        (0..1001u64).map(|i| B256::left_padding_from(&i.to_be_bytes())).collect();
    let v = post(addr, &call(1, "eth_newFilter", json!([{"topics": [hashes]}])).to_string()).await;
    assert_eq!(v["error"]["message"], "exceed max addresses or topics per search position");
    // At the limits: accepted.
    let v =
        post(addr, &call(1, "eth_getLogs", json!([{"address": &many[..1000]}])).to_string()).await;
    assert_eq!(v["result"], json!([]), "{v}");
    still_answers(addr).await;
}

/// Mines one block with a contract creation whose init code emits `n` empty logs.
fn mine_logs(chain: &Chain, nonce: u64, n: usize) {
    // PUSH2 n; loop: JUMPDEST, LOG0(0, 0), n - 1, JUMPI back while not zero; STOP.
    let n = u16::try_from(n).expect("at most 65535 logs");
    let mut init = vec![0x61];
    init.extend_from_slice(&n.to_be_bytes());
    init.extend_from_slice(&[0x5b, 0x60, 0, 0x60, 0, 0xa0, 0x60, 1, 0x90, 0x03]);
    init.extend_from_slice(&[0x80, 0x60, 3, 0x57, 0x00]);
    let tx = Eip1559Builder::new(CHAIN_ID, nonce, TxKind::Create)
        .input(init)
        .gas_limit(25_000_000)
        .fees(100_000_000_000, 1_000_000_000)
        .sign(&key())
        .unwrap();
    chain.add_transaction(tx).expect("tx accepted");
    let head = chain.head();
    let p = chain.produce_block(head.timestamp + 12).unwrap();
    assert_eq!(p.block.body.transactions.len(), 1, "mined: {:?}", p.skipped);
}

#[tokio::test(flavor = "multi_thread")]
async fn rpc_flood_by_log_query_with_too_many_results() {
    let dir = tempfile::tempdir().unwrap();
    let chain = funded_chain(dir.path(), &[key().address()]);
    let limit = nr_rpc::RpcLimits::default().log_results;
    // Two blocks: `limit` logs, then 5 more.
    mine_logs(&chain, 0, limit);
    mine_logs(&chain, 1, 5);
    let server = start(chain, None).await;
    let addr = server.local_addr();
    let v = post(
        addr,
        &call(1, "eth_getLogs", json!([{"fromBlock": "0x1", "toBlock": "0x1"}])).to_string(),
    )
    .await;
    assert_eq!(v["result"].as_array().map(Vec::len), Some(limit), "exactly the limit is served");
    let v = post(
        addr,
        &call(1, "eth_getLogs", json!([{"fromBlock": "0x0", "toBlock": "latest"}])).to_string(),
    )
    .await;
    assert_eq!(
        v["error"],
        json!({"code": -32000, "message": format!("query returned more than {limit} results")}),
        "{}",
        &v.to_string()[..200.min(v.to_string().len())]
    );
    // Same through a log filter.
    let v = post(addr, &call(1, "eth_newFilter", json!([{"fromBlock": "0x0"}])).to_string()).await;
    let id = v["result"].clone();
    let v = post(addr, &call(1, "eth_getFilterLogs", json!([id])).to_string()).await;
    assert_eq!(v["error"]["message"], format!("query returned more than {limit} results"));
    still_answers(addr).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn rpc_flood_by_concurrent_slow_calls_on_one_connection() {
    let dir = tempfile::tempdir().unwrap();
    let slow = Arc::new(Slow::default());
    let server = start(funded_chain(dir.path(), &[key().address()]), Some(slow.clone())).await;
    let addr = server.local_addr();
    let ws = Arc::new(WsClientBuilder::default().build(format!("ws://{addr}")).await.unwrap());
    let flood: Vec<_> = (0..300)
        .map(|_| {
            let ws = ws.clone();
            tokio::spawn(async move { ws.request::<String, _>("nr_slow", rpc_params![]).await })
        })
        .collect();
    // During the flood another client is answered.
    tokio::time::sleep(Duration::from_millis(50)).await;
    tokio::time::timeout(DEADLINE, still_answers(addr)).await.expect("answered during the flood");
    for f in flood {
        let r = tokio::time::timeout(DEADLINE, f).await.expect("flood call answered").unwrap();
        assert_eq!(r.expect("slow call served"), "slow");
    }
    let per_connection = nr_rpc::RpcLimits::default().calls_per_connection;
    let peak = slow.peak.load(Ordering::SeqCst);
    assert!(
        peak <= per_connection,
        "one connection ran {peak} calls at once (limit {per_connection})"
    );
    still_answers(addr).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn pending_transaction_filter_returns_the_hashes_that_entered_the_pool() {
    let dir = tempfile::tempdir().unwrap();
    let chain = funded_chain(dir.path(), &[key().address()]);
    let server = start(chain.clone(), None).await;
    let addr = server.local_addr();
    let v = post(addr, &call(1, "eth_newPendingTransactionFilter", json!([])).to_string()).await;
    let id = v["result"].clone();
    let mut sent = vec![];
    for nonce in 0..3 {
        let tx = Eip1559Builder::new(CHAIN_ID, nonce, TxKind::Call(Address::repeat_byte(9)))
            .value(U256::from(1))
            .gas_limit(21_000)
            .fees(100_000_000_000, 1_000_000_000)
            .sign(&key())
            .unwrap();
        let raw = alloy_eips::Encodable2718::encoded_2718(&tx);
        let v = post(
            addr,
            &call(
                1,
                "eth_sendRawTransaction",
                json!([alloy_primitives::hex::encode_prefixed(raw)]),
            )
            .to_string(),
        )
        .await;
        sent.push(v["result"].clone());
    }
    let v = post(addr, &call(1, "eth_getFilterChanges", json!([id])).to_string()).await;
    assert_eq!(v["result"], Value::Array(sent), "the hashes sent since the filter was made");
    let v = post(addr, &call(1, "eth_getFilterChanges", json!([id])).to_string()).await;
    assert_eq!(v["result"], json!([]), "nothing new since the last poll");
    still_answers(addr).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn filter_not_polled_within_the_timeout_is_gone() {
    let dir = tempfile::tempdir().unwrap();
    let limits =
        nr_rpc::RpcLimits { filter_timeout: Duration::from_millis(300), ..Default::default() };
    let server = nr_rpc::serve_with(
        "127.0.0.1:0".parse().unwrap(),
        funded_chain(dir.path(), &[key().address()]),
        None,
        limits,
    )
    .await
    .unwrap();
    let addr = server.local_addr();
    let new = |m: &str| call(1, m, json!([]));
    let polled = post(addr, &new("eth_newBlockFilter").to_string()).await["result"].clone();
    let idle = post(addr, &new("eth_newBlockFilter").to_string()).await["result"].clone();
    let never_polled =
        post(addr, &call(1, "eth_newFilter", json!([{}])).to_string()).await["result"].clone();
    assert!(never_polled.is_string(), "{never_polled}");
    // `polled` is polled every 100 ms for 600 ms; `idle` is not. No filter is installed
    // meanwhile (installing used to be the only moment expired filters were dropped).
    for _ in 0..6 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let v = post(addr, &call(1, "eth_getFilterChanges", json!([polled])).to_string()).await;
        assert_eq!(v["result"], json!([]), "a polled filter lives: {v}");
    }
    for method in ["eth_getFilterChanges", "eth_getFilterLogs"] {
        let v = post(addr, &call(1, method, json!([idle])).to_string()).await;
        assert_eq!(v["error"], json!({"code": -32000, "message": "filter not found"}), "{method}");
    }
    for id in [idle, never_polled] {
        let v = post(addr, &call(1, "eth_uninstallFilter", json!([id])).to_string()).await;
        assert_eq!(v["result"], false, "already gone");
    }
    still_answers(addr).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn rpc_flood_by_wide_log_range() {
    let dir = tempfile::tempdir().unwrap();
    let chain = funded_chain(dir.path(), &[key().address()]);
    for t in 1..=6 {
        chain.produce_block(t * 12).unwrap();
    }
    let limits = nr_rpc::RpcLimits { log_block_range: 4, ..Default::default() };
    let server =
        nr_rpc::serve_with("127.0.0.1:0".parse().unwrap(), chain, None, limits).await.unwrap();
    let addr = server.local_addr();
    let logs = |from: u64, to: &str| {
        call(1, "eth_getLogs", json!([{"fromBlock": format!("{from:#x}"), "toBlock": to}]))
            .to_string()
    };
    let v = post(addr, &logs(2, "0x6")).await;
    assert_eq!(v["result"], json!([]), "a range of 4 is served: {v}");
    let v = post(addr, &logs(1, "0x6")).await;
    assert_eq!(v["error"], json!({"code": -32000, "message": "query exceeds max block range 4"}));
    let v = post(addr, &logs(0, "latest")).await;
    assert_eq!(v["error"]["message"], "query exceeds max block range 4");
    // A range past the head is clamped to it.
    let v = post(addr, &logs(2, "0xffffffff")).await;
    assert_eq!(v["result"], json!([]), "{v}");
    still_answers(addr).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn rpc_flood_by_connections() {
    let dir = tempfile::tempdir().unwrap();
    let limits = nr_rpc::RpcLimits { connections: 4, ..Default::default() };
    let server = nr_rpc::serve_with(
        "127.0.0.1:0".parse().unwrap(),
        funded_chain(dir.path(), &[key().address()]),
        None,
        limits,
    )
    .await
    .unwrap();
    let addr = server.local_addr();
    // Four WebSocket connections held open take every slot.
    let mut held = vec![];
    for _ in 0..4 {
        let ws = tokio::time::timeout(
            DEADLINE,
            WsClientBuilder::default().build(format!("ws://{addr}")),
        )
        .await
        .expect("connects")
        .unwrap();
        held.push(ws);
    }
    let (status, body) =
        post_raw(addr, &call(1, "eth_chainId", json!([])).to_string(), None, DEADLINE).await;
    assert_eq!(status, 429, "{body}");
    // The held connections are still served; once they close, everyone is again.
    let id: String = held[0].request("eth_chainId", rpc_params![]).await.unwrap();
    assert_eq!(id, format!("{CHAIN_ID:#x}"));
    drop(held);
    let deadline = tokio::time::Instant::now() + DEADLINE;
    loop {
        let (status, _) =
            post_raw(addr, &call(7, "eth_chainId", json!([])).to_string(), None, DEADLINE).await;
        if status == 200 {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "slots never freed (last status {status})");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    still_answers(addr).await;
}

/// `nr_gated` waits until the gate opens (or [`DEADLINE`] passes).
#[derive(Default)]
struct Gated {
    open: std::sync::atomic::AtomicBool,
}

impl RpcExtension for Gated {
    fn methods(&self) -> &'static [&'static str] {
        &["nr_gated"]
    }
    fn call(&self, _: &Chain, _: &str, _: &[Value]) -> Option<Result<Value, RpcError>> {
        let start = std::time::Instant::now();
        while !self.open.load(Ordering::SeqCst) && start.elapsed() < DEADLINE {
            std::thread::sleep(Duration::from_millis(5));
        }
        Some(Ok(json!("done")))
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn rpc_flood_by_large_calls_queued_on_one_connection() {
    let dir = tempfile::tempdir().unwrap();
    let gate = Arc::new(Gated::default());
    let limits = nr_rpc::RpcLimits { calls_per_connection: 1, ..Default::default() };
    let server = nr_rpc::serve_with(
        "127.0.0.1:0".parse().unwrap(),
        funded_chain(dir.path(), &[key().address()]),
        Some(gate.clone()),
        limits,
    )
    .await
    .unwrap();
    let addr = server.local_addr();
    let ws = Arc::new(WsClientBuilder::default().build(format!("ws://{addr}")).await.unwrap());
    // 20 calls of 4 MiB each, sent without waiting while the first one blocks: 80 MiB
    // the node would hold at once. The bound admits 15 of them (parameters counted in
    // 4 KiB units, 1,025 per call, 16,384 in all).
    let big = "ab".repeat(2 << 20);
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    for _ in 0..20 {
        let (ws, big, tx) = (ws.clone(), big.clone(), tx.clone());
        tokio::spawn(async move {
            let _ = tx.send(ws.request::<String, _>("nr_gated", rpc_params![big]).await);
        });
    }
    let (mut served, mut refused) = (0, 0);
    while served + refused < 20 {
        let answer = tokio::time::timeout(DEADLINE, rx.recv())
            .await
            .unwrap_or_else(|_| panic!("{served} served, {refused} refused, no more answers"))
            .expect("answers");
        match answer {
            Ok(_) => served += 1,
            Err(jsonrpsee::core::client::Error::Call(e)) => {
                assert_eq!(
                    (e.code(), e.message()),
                    (-32005, "too many calls waiting on this connection")
                );
                refused += 1;
            }
            Err(e) => panic!("{e}"),
        }
        if refused == 5 {
            gate.open.store(true, Ordering::SeqCst);
        }
    }
    assert_eq!((served, refused), (15, 5), "calls held at once are bounded");
    let per_call = (4 << 20) / 4096 + 1;
    assert_eq!(nr_rpc::MAX_QUEUED_CALL_BYTES / 4096 / per_call, 15);
    still_answers(addr).await;
}

/// A wallet asking for the logs up to `safe` (or `finalized`) must not be shown logs of
/// blocks that are not yet safe: the tags name the chain's labels in `eth_getLogs` as in
/// every other method, not the head.
#[tokio::test(flavor = "multi_thread")]
async fn get_logs_to_safe_serves_unsafe_blocks() {
    let dir = tempfile::tempdir().unwrap();
    let chain = funded_chain(dir.path(), &[key().address()]);
    mine_logs(&chain, 0, 2);
    mine_logs(&chain, 1, 3);
    chain.set_safe_finalized(1, 0);
    let server = start(chain, None).await;
    let addr = server.local_addr();
    let count = |from: &str, to: &str| {
        let body = call(1, "eth_getLogs", json!([{"fromBlock": from, "toBlock": to}])).to_string();
        async move {
            let v = post(addr, &body).await;
            v["result"].as_array().map(Vec::len).unwrap_or_else(|| panic!("no logs: {v}"))
        }
    };
    assert_eq!(count("0x0", "latest").await, 5);
    assert_eq!(count("0x0", "safe").await, 2, "logs up to safe (block 1)");
    assert_eq!(count("0x0", "finalized").await, 0, "logs up to finalized (genesis)");
    assert_eq!(count("safe", "latest").await, 5, "logs from safe (block 1) on");
    still_answers(addr).await;
}

/// A wallet pricing a blob transaction from `eth_blobBaseFee` must get the head's blob
/// base fee (its excess blob gas under its blob schedule, as geth answers), not a constant
/// 1 wei that would make every such transaction underpriced once blobs are in demand.
#[tokio::test(flavor = "multi_thread")]
async fn blob_base_fee_ignores_excess_blob_gas() {
    const EXCESS: u64 = 40_000_000;
    let genesis = json!({
        "config": {
            "chainId": CHAIN_ID, "shanghaiTime": 0, "cancunTime": 0, "pragueTime": 0,
            "terminalTotalDifficulty": 0, "terminalTotalDifficultyPassed": true,
            "blobSchedule": {
                "cancun": { "target": 3, "max": 6, "baseFeeUpdateFraction": 3338477 },
                "prague": { "target": 6, "max": 9, "baseFeeUpdateFraction": 5007716 }
            }
        },
        "timestamp": "0x0", "gasLimit": "0x1c9c380", "baseFeePerGas": "0x7",
        "excessBlobGas": format!("{EXCESS:#x}"), "blobGasUsed": "0x0",
        "difficulty": "0x0", "extraData": "0x", "alloc": {}
    });
    let spec = ChainSpec::from_geth_json(&genesis.to_string()).expect("genesis");
    let dir = tempfile::tempdir().unwrap();
    let chain =
        Chain::open(&dir.path().join("c.redb"), spec, Arc::new(nr_stateless::evm::PlainEthereum))
            .expect("chain opens");
    let server = start(Arc::new(chain), None).await;
    let v = post(server.local_addr(), &call(1, "eth_blobBaseFee", json!([])).to_string()).await;
    // Prague's blob parameters at the head (genesis): EIP-4844's fake exponential.
    let want = alloy_eips::eip4844::fake_exponential(1, u128::from(EXCESS), 5_007_716);
    assert!(want > 1000, "the excess makes blobs expensive: {want}");
    assert_eq!(v["result"], json!(format!("{want:#x}")), "{v}");
}
