//! geth's tracers over JSON-RPC (HTTP, jsonrpsee's client as the outside client) on a
//! transaction with a nested call that reverts, is caught, and a log after it: the call
//! tree, the struct logs, the prestate, block traces and `debug_traceCall`.

mod trace_fixture;

use alloy_primitives::{Address, B256, Bytes, U256};
use serde_json::{Value, json};
use std::collections::HashMap;
use trace_fixture::{
    A_OPS, TOPIC, Traced, addr, caller, client, key, num, revert_data, reverter, rpc, traced,
};

async fn serve(t: &Traced) -> nr_rpc::RpcServer {
    nr_rpc::serve("127.0.0.1:0".parse().unwrap(), t.chain.clone(), None).await.unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn call_tracer_shows_the_nested_revert_and_the_log() {
    let dir = tempfile::tempdir().unwrap();
    let t = traced(dir.path());
    let server = serve(&t).await;
    let c = client(server.local_addr());
    let opts = json!({"tracer": "callTracer", "tracerConfig": {"withLog": true}});
    let top = rpc(&c, "debug_traceTransaction", vec![json!(t.calls[0]), opts]).await.unwrap();
    assert_eq!(top["type"], "CALL", "{top}");
    assert_eq!((addr(&top["from"]), addr(&top["to"])), (key().address(), t.a));
    assert!(top.get("error").is_none(), "the outer call succeeds: {top}");
    let calls = top["calls"].as_array().expect("one inner call");
    assert_eq!(calls.len(), 1, "{top}");
    let inner = &calls[0];
    assert_eq!(inner["type"], "CALL");
    assert_eq!((addr(&inner["from"]), addr(&inner["to"])), (t.a, t.b));
    assert_eq!(inner["error"], "execution reverted");
    assert_eq!(inner["revertReason"], "nope");
    assert_eq!(inner["output"], json!(Bytes::from(revert_data())));
    let logs = top["logs"].as_array().expect("withLog gives the logs");
    assert_eq!(logs.len(), 1, "{top}");
    assert_eq!(addr(&logs[0]["address"]), t.a);
    assert_eq!(logs[0]["topics"], json!([B256::with_last_byte(TOPIC)]));
    // A stored CALL's success flag: 0, the inner call failed.
    assert_eq!(logs[0]["data"], json!(Bytes::from(vec![0u8; 32])));

    let opts = json!({"tracer": "callTracer", "tracerConfig": {"onlyTopCall": true}});
    let top = rpc(&c, "debug_traceTransaction", vec![json!(t.calls[0]), opts]).await.unwrap();
    assert!(top.get("calls").is_none() && top.get("logs").is_none(), "{top}");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn struct_logger_lists_every_opcode_with_depth_gas_and_stack() {
    let dir = tempfile::tempdir().unwrap();
    let t = traced(dir.path());
    let server = serve(&t).await;
    let c = client(server.local_addr());
    let trace = rpc(&c, "debug_traceTransaction", vec![json!(t.calls[0])]).await.unwrap();
    let receipt = rpc(&c, "eth_getTransactionReceipt", vec![json!(t.calls[0])]).await.unwrap();
    assert_eq!(num(&trace["gas"]), num(&receipt["gasUsed"]), "gas is the gas used");
    assert_eq!(trace["failed"], false);
    assert_eq!(trace["returnValue"], "0x", "{}", trace["returnValue"]);
    let logs = trace["structLogs"].as_array().unwrap();
    let ops: Vec<(&str, u64)> =
        logs.iter().map(|l| (l["op"].as_str().unwrap(), l["depth"].as_u64().unwrap())).collect();
    assert_eq!(ops, A_OPS, "opcodes in order with their depth");
    for w in logs.windows(2).filter(|w| w[0]["depth"] == w[1]["depth"]) {
        let (g0, g1) = (w[0]["gas"].as_u64().unwrap(), w[1]["gas"].as_u64().unwrap());
        assert_eq!(g0 - g1, w[0]["gasCost"].as_u64().unwrap(), "gas falls by gasCost: {w:?}");
    }
    let call = &logs[10];
    let stack: Vec<U256> = serde_json::from_value(call["stack"].clone()).unwrap();
    assert_eq!(stack.len(), 7, "CALL's seven arguments: {stack:?}");
    assert_eq!(stack[5], U256::from_be_slice(t.b.as_slice()), "the callee under the gas");
    let sstore: HashMap<B256, B256> = serde_json::from_value(logs[2]["storage"].clone())
        .unwrap_or_else(|e| panic!("{e}: {}", logs[2]));
    assert_eq!(sstore, HashMap::from([(B256::with_last_byte(1), B256::with_last_byte(42))]));
    assert!(logs[0].get("memory").is_none(), "memory is off by default");

    let opts = json!({"disableStack": true, "disableStorage": true, "enableMemory": true});
    let trace = rpc(&c, "debug_traceTransaction", vec![json!(t.calls[0]), opts]).await.unwrap();
    let logs = trace["structLogs"].as_array().unwrap();
    assert_eq!(logs.len(), A_OPS.len());
    assert!(logs.iter().all(|l| l.get("stack").is_none() && l.get("storage").is_none()));
    let log1 = &logs[26];
    assert_eq!(log1["op"], "LOG1");
    // One word (A's stored success flag, 0); revm-inspectors writes words 0x-prefixed.
    assert_eq!(log1["memory"], json!([B256::ZERO]), "{log1}");

    let opts = json!({"limit": 5});
    let trace = rpc(&c, "debug_traceTransaction", vec![json!(t.calls[0]), opts]).await.unwrap();
    assert_eq!(trace["structLogs"].as_array().unwrap().len(), 5);
    server.stop().await;
}

/// The prestate entry of `a` in `v`.
fn storage(v: &Value, a: Address) -> HashMap<B256, B256> {
    let entry = v.as_object().unwrap().iter().find(|(k, _)| k.parse::<Address>().unwrap() == a);
    entry.map_or_else(HashMap::new, |(_, e)| {
        serde_json::from_value(e.get("storage").cloned().unwrap_or(json!({}))).unwrap()
    })
}

/// The field `f` of `a`'s entry in `v`.
fn field(v: &Value, a: Address, f: &str) -> Option<Value> {
    let (_, e) = v.as_object()?.iter().find(|(k, _)| k.parse::<Address>().unwrap() == a)?;
    e.get(f).cloned()
}

#[tokio::test(flavor = "multi_thread")]
async fn prestate_tracer_shows_the_state_before_and_the_diff() {
    let dir = tempfile::tempdir().unwrap();
    let t = traced(dir.path());
    let server = serve(&t).await;
    let c = client(server.local_addr());
    let me = key().address();
    let slot = |n: u8| B256::with_last_byte(n);
    // The second call of A runs after the first: A's slot 1 already holds 42.
    let opts = json!({"tracer": "prestateTracer"});
    let pre = rpc(&c, "debug_traceTransaction", vec![json!(t.calls[1]), opts]).await.unwrap();
    assert_eq!(storage(&pre, t.a).get(&slot(1)), Some(&slot(42)), "{pre}");
    assert_eq!(field(&pre, t.a, "code"), Some(json!(Bytes::from(caller(t.b)))));
    assert_eq!(field(&pre, t.b, "code"), Some(json!(Bytes::from(reverter()))));
    assert_eq!(field(&pre, me, "nonce"), Some(json!(3)), "{pre}");
    assert!(field(&pre, me, "balance").is_some());

    let opts = json!({"tracer": "prestateTracer", "tracerConfig": {"diffMode": true}});
    let d = rpc(&c, "debug_traceTransaction", vec![json!(t.calls[0]), opts]).await.unwrap();
    let (pre, post) = (&d["pre"], &d["post"]);
    assert_eq!(field(pre, me, "nonce"), Some(json!(2)), "{d}");
    assert_eq!(field(post, me, "nonce"), Some(json!(3)), "{d}");
    assert_eq!(storage(post, t.a), HashMap::from([(slot(1), slot(42))]), "{d}");
    assert_eq!(storage(pre, t.a).get(&slot(1)), None, "slot 1 was empty: {d}");
    assert!(storage(post, t.b).is_empty(), "B's write was reverted: {d}");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn block_traces_give_each_transaction_in_order_with_its_hash() {
    let dir = tempfile::tempdir().unwrap();
    let t = traced(dir.path());
    let server = serve(&t).await;
    let c = client(server.local_addr());
    let opts = json!({"tracer": "callTracer"});
    let check = |v: Value| {
        let v = v.as_array().unwrap_or_else(|| panic!("an array: {v}")).clone();
        assert_eq!(v.len(), 2, "{v:?}");
        for (r, hash) in v.iter().zip(t.calls) {
            assert_eq!(r["txHash"], json!(hash));
            assert_eq!(addr(&r["result"]["to"]), t.a);
            assert_eq!(r["result"]["calls"][0]["error"], "execution reverted");
        }
    };
    for tag in [json!("0x2"), json!("latest")] {
        check(rpc(&c, "debug_traceBlockByNumber", vec![tag, opts.clone()]).await.unwrap());
    }
    check(rpc(&c, "debug_traceBlockByHash", vec![json!(t.block), opts.clone()]).await.unwrap());
    let block = t.chain.block(&t.block).unwrap().unwrap();
    let rlp = Bytes::from(alloy_rlp::encode(&block));
    check(rpc(&c, "debug_traceBlock", vec![json!(rlp), opts.clone()]).await.unwrap());
    // Struct logs per transaction too.
    let v = rpc(&c, "debug_traceBlockByHash", vec![json!(t.block)]).await.unwrap();
    assert_eq!(v[1]["result"]["structLogs"].as_array().unwrap().len(), A_OPS.len());
    let e = rpc(&c, "debug_traceBlockByHash", vec![json!(B256::repeat_byte(9))]).await;
    assert_eq!(e.unwrap_err().0, -32000);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn trace_call_runs_on_latest_and_pending_with_overrides() {
    let dir = tempfile::tempdir().unwrap();
    let t = traced(dir.path());
    let server = serve(&t).await;
    let c = client(server.local_addr());
    let call = json!({"from": key().address(), "to": t.a, "gas": "0x100000"});
    for tag in ["latest", "pending"] {
        let opts = json!({"tracer": "callTracer"});
        let top = rpc(&c, "debug_traceCall", vec![call.clone(), json!(tag), opts]).await.unwrap();
        assert_eq!(top["calls"][0]["error"], "execution reverted", "{tag}: {top}");
    }
    // B replaced by STOP: the inner call succeeds.
    let opts =
        json!({"tracer": "callTracer", "stateOverrides": {t.b.to_string(): {"code": "0x00"}}});
    let top = rpc(&c, "debug_traceCall", vec![call.clone(), json!("latest"), opts]).await.unwrap();
    assert!(top["calls"][0].get("error").is_none(), "{top}");
    // The block's number overridden: NUMBER is what the override says.
    let number_code = "0x4360005260206000f3"; // NUMBER, MSTORE(0), RETURN(0, 32)
    let opts = json!({
        "tracer": "callTracer",
        "stateOverrides": {t.b.to_string(): {"code": number_code}},
        "blockOverrides": {"number": "0x99"},
    });
    let b_call = json!({"to": t.b});
    let top = rpc(&c, "debug_traceCall", vec![b_call, json!("latest"), opts]).await.unwrap();
    assert_eq!(top["output"], json!(B256::with_last_byte(0x99)), "{top}");
    // The prestate of a call on the head's state.
    let opts = json!({"tracer": "prestateTracer"});
    let pre = rpc(&c, "debug_traceCall", vec![call.clone(), json!("latest"), opts]).await.unwrap();
    assert_eq!(storage(&pre, t.a).get(&B256::with_last_byte(1)), Some(&B256::with_last_byte(42)));
    // Struct logs of the call: the same opcodes as the mined transaction.
    let v = rpc(&c, "debug_traceCall", vec![call, json!("latest")]).await.unwrap();
    assert_eq!(v["structLogs"].as_array().unwrap().len(), A_OPS.len());
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn other_tracers_and_bad_options() {
    let dir = tempfile::tempdir().unwrap();
    let t = traced(dir.path());
    let server = serve(&t).await;
    let c = client(server.local_addr());
    let hash = json!(t.calls[0]);
    let v = rpc(&c, "debug_traceTransaction", vec![hash.clone(), json!({"tracer": "noopTracer"})]);
    assert_eq!(v.await.unwrap(), json!({}));
    let v = rpc(&c, "debug_traceTransaction", vec![hash.clone(), json!({"tracer": "4byteTracer"})]);
    assert!(v.await.unwrap().is_object());
    let v =
        rpc(&c, "debug_traceTransaction", vec![hash.clone(), json!({"tracer": "flatCallTracer"})]);
    assert_eq!(v.await.unwrap().as_array().map(Vec::len), Some(2), "two calls, flat");
    let e = rpc(&c, "debug_traceTransaction", vec![hash.clone(), json!({"tracer": "nope"})]);
    assert_eq!(e.await.unwrap_err().0, -32602);
    let opts = json!({"tracer": "callTracer", "timeout": "5 s"});
    let e = rpc(&c, "debug_traceTransaction", vec![hash, opts]).await.unwrap_err();
    assert_eq!(e, (-32602, "invalid timeout \"5 s\"".into()));
    let e = rpc(&c, "debug_traceTransaction", vec![json!(B256::repeat_byte(7))]).await;
    assert_eq!(e.unwrap_err().0, -32000);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn traced_transaction_sees_its_blocks_beacon_root_system_call() {
    let dir = tempfile::tempdir().unwrap();
    let chain = trace_fixture::chain(dir.path());
    // Init code: MSTORE(0, TIMESTAMP); STATICCALL(gas, beacon roots, 0, 32, 0, 32); STOP.
    let mut init = vec![0x42, 0x60, 0, 0x52, 0x60, 32, 0x60, 0, 0x60, 32, 0x60, 0, 0x73];
    init.extend_from_slice(alloy_eips::eip4788::BEACON_ROOTS_ADDRESS.as_slice());
    init.extend_from_slice(&[0x5a, 0xfa, 0x00]);
    let t = trace_fixture::tx(0, alloy_primitives::TxKind::Create, init);
    let hash = *t.tx_hash();
    let block = trace_fixture::mine(&chain, vec![t]);
    let root = chain.block(&block).unwrap().unwrap().header.parent_beacon_block_root.unwrap();
    assert_ne!(root, B256::ZERO, "a root to look up");
    let server = nr_rpc::serve("127.0.0.1:0".parse().unwrap(), chain, None).await.unwrap();
    let c = client(server.local_addr());
    let opts = json!({"tracer": "callTracer"});
    let top = rpc(&c, "debug_traceTransaction", vec![json!(hash), opts]).await.unwrap();
    // The EIP-4788 system call at the block's start stored the root the call reads back.
    let inner = &top["calls"][0];
    assert_eq!(inner["type"], "STATICCALL", "{top}");
    assert!(inner.get("error").is_none(), "{top}");
    assert_eq!(inner["output"], json!(root), "{top}");
    server.stop().await;
}
