//! The limits of `debug_trace*`: a struct-log trace that would exceed the response limit
//! is refused while it runs (not built, then refused), and a trace past its `timeout` is
//! geth's "execution timeout".

mod trace_fixture;

use alloy_primitives::{Address, TxKind};
use serde_json::json;
use trace_fixture::{chain, client, key, mine, rpc, tx};

/// Memory grown to 4 KiB, then a loop of `n` rounds of 6 opcodes: with `enableMemory`,
/// each of its ~6n struct logs carries 4 KiB of memory (~9 KB of JSON).
fn memory_loop(n: u16) -> Vec<u8> {
    let n = n.to_be_bytes();
    // PUSH1 0, PUSH2 0x0fe0, MSTORE; PUSH2 n; JUMPDEST (pc 9); PUSH1 1, SWAP1, SUB, DUP1,
    // PUSH1 9, JUMPI; STOP
    vec![
        0x60, 0, 0x61, 0x0f, 0xe0, 0x52, 0x61, n[0], n[1], 0x5b, 0x60, 1, 0x90, 0x03, 0x80, 0x60,
        9, 0x57, 0,
    ]
}

/// An endless loop: JUMPDEST, PUSH1 0, JUMP.
const ENDLESS: &str = "0x5b600056";

#[tokio::test(flavor = "multi_thread")]
async fn trace_over_the_response_limit_is_an_error_not_an_oom() {
    let dir = tempfile::tempdir().unwrap();
    let chain = chain(dir.path());
    // A creation whose init code is the loop: ~6000 struct logs of 4 KiB memory each.
    let creation = tx(0, TxKind::Create, memory_loop(1000));
    let hash = *creation.tx_hash();
    let block = mine(&chain, vec![creation]);
    let limit = 4 << 20;
    let limits = nr_rpc::RpcLimits { trace_bytes: limit, ..Default::default() };
    let server =
        nr_rpc::serve_with("127.0.0.1:0".parse().unwrap(), chain, None, limits).await.unwrap();
    let c = client(server.local_addr());
    let too_large = (-32000, format!("trace larger than the response limit of {limit} bytes"));
    let memory = json!({"enableMemory": true});
    let e = rpc(&c, "debug_traceTransaction", vec![json!(hash), memory.clone()]).await;
    let answer = e.map(|v| v.to_string().len());
    assert_eq!(answer, Err(too_large.clone()), "a trace of more than {limit} bytes");
    let e = rpc(&c, "debug_traceBlockByHash", vec![json!(block), memory.clone()]).await;
    assert_eq!(e.map(|v| v.to_string().len()), Err(too_large.clone()));
    let call = json!({"from": key().address(), "input": format!("0x{}", alloy_primitives::hex::encode(memory_loop(1000)))});
    let e = rpc(&c, "debug_traceCall", vec![call, json!("latest"), memory]).await;
    assert_eq!(e.map(|v| v.to_string().len()), Err(too_large));
    // The same transaction fits with geth's `limit`, without memory, or as a call tree.
    let v = rpc(
        &c,
        "debug_traceTransaction",
        vec![json!(hash), json!({"enableMemory": true, "limit": 10})],
    );
    assert_eq!(v.await.unwrap()["structLogs"].as_array().map(Vec::len), Some(10));
    let v = rpc(&c, "debug_traceTransaction", vec![json!(hash)]).await.unwrap();
    assert!(v["structLogs"].as_array().unwrap().len() > 6000);
    let v = rpc(&c, "debug_traceTransaction", vec![json!(hash), json!({"tracer": "callTracer"})]);
    assert_eq!(v.await.unwrap()["type"], "CREATE");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn trace_past_its_timeout_is_an_execution_timeout() {
    let dir = tempfile::tempdir().unwrap();
    let chain = chain(dir.path());
    // An endless loop, mined (it runs out of gas) and called.
    let looper = Address::repeat_byte(0x77);
    let creation = tx(0, TxKind::Create, alloy_primitives::hex::decode(ENDLESS).unwrap());
    let hash = *creation.tx_hash();
    let block = mine(&chain, vec![creation]);
    let server = nr_rpc::serve("127.0.0.1:0".parse().unwrap(), chain, None).await.unwrap();
    let c = client(server.local_addr());
    let timeout = (-32000, "execution timeout".to_string());
    // The deadline has passed when the first instruction runs.
    let opts = json!({"tracer": "callTracer", "timeout": "1ns"});
    let e = rpc(&c, "debug_traceTransaction", vec![json!(hash), opts.clone()]).await;
    assert_eq!(e, Err(timeout.clone()));
    let call = json!({"to": looper, "gas": "0x1000000"});
    let with_code = json!({"tracer": "callTracer", "timeout": "1ns", "stateOverrides": {looper.to_string(): {"code": ENDLESS}}});
    let e = rpc(&c, "debug_traceCall", vec![call, json!("latest"), with_code]).await;
    assert_eq!(e, Err(timeout));
    // In a block trace, the transaction's entry is the error (as geth).
    let v = rpc(&c, "debug_traceBlockByHash", vec![json!(block), opts]).await.unwrap();
    assert_eq!(v, json!([{"error": "execution timeout", "txHash": hash}]));
    // With the default timeout the same trace completes: the loop ran out of gas.
    let opts = json!({"tracer": "callTracer"});
    let v = rpc(&c, "debug_traceTransaction", vec![json!(hash), opts]).await.unwrap();
    assert_eq!(v["error"], "out of gas", "{v}");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn block_trace_after_a_timed_out_transaction_uses_its_real_state() {
    let dir = tempfile::tempdir().unwrap();
    let chain = chain(dir.path());
    // A loop that ends (~40k gas), then a transfer whose prestate shows the sender's
    // balance after the loop paid for its gas.
    let looped = tx(0, TxKind::Create, memory_loop(1000));
    let transfer = tx(1, TxKind::Call(Address::repeat_byte(0x55)), vec![]);
    let (first, second) = (*looped.tx_hash(), *transfer.tx_hash());
    let block = mine(&chain, vec![looped, transfer]);
    let server = nr_rpc::serve("127.0.0.1:0".parse().unwrap(), chain, None).await.unwrap();
    let c = client(server.local_addr());
    let opts = json!({"tracer": "prestateTracer", "timeout": "1ns"});
    let v = rpc(&c, "debug_traceBlockByHash", vec![json!(block), opts]).await.unwrap();
    assert_eq!(v[0], json!({"error": "execution timeout", "txHash": first}));
    let alone = json!({"tracer": "prestateTracer"});
    let want = rpc(&c, "debug_traceTransaction", vec![json!(second), alone]).await.unwrap();
    assert_eq!(v[1], json!({"result": want, "txHash": second}), "the state before the transfer");
    server.stop().await;
}
