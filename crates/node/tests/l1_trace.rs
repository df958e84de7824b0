//! `nr l1`'s node serves geth's tracers (the same RPC crate as the L2): a transaction
//! that calls the EXECUTE precompile, traced through JSON-RPC with an outside client.

use alloy_primitives::{Address, Bytes, TxKind};
use alloy_provider::{Provider, ProviderBuilder};
use nr_chain::Eip1559Builder;
use nr_node::l1::{L1Config, L1Node};
use serde_json::{Value, json};
use std::time::Duration;

#[tokio::test(flavor = "multi_thread")]
async fn l1_traces_a_call_of_execute_with_each_tracer() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = L1Config {
        datadir: dir.path().join("l1"),
        http: "127.0.0.1:0".parse().unwrap(),
        block_time: 0,
        accounts: 1,
        ..Default::default()
    };
    let l1 = L1Node::start(&cfg).await.expect("L1 starts");
    let provider = ProviderBuilder::new().connect_http(l1.url().parse().unwrap());
    // Init code: STATICCALL(gas, 0x0101, 0, 0, 0, 0) (EXECUTE refuses an empty input),
    // MSTORE(0, success), STOP.
    let init =
        vec![0x60, 0, 0x60, 0, 0x60, 0, 0x60, 0, 0x61, 0x01, 0x01, 0x5a, 0xfa, 0x60, 0, 0x52, 0];
    let key = &l1.signers[0];
    let tx = Eip1559Builder::new(l1.spec().chain_id, 0, TxKind::Create)
        .input(init)
        .gas_limit(1_000_000)
        .fees(100_000_000_000, 1_000_000_000)
        .sign(key)
        .unwrap();
    let raw = Bytes::from(alloy_eips::eip2718::Encodable2718::encoded_2718(&tx));
    let pending = provider.send_raw_transaction(&raw).await.expect("tx accepted");
    let receipt = pending
        .with_timeout(Some(Duration::from_secs(30)))
        .get_receipt()
        .await
        .expect("mined within 30 s");
    let hash = receipt.transaction_hash;
    let trace = |opts: Value| {
        let p = &provider;
        async move {
            p.raw_request::<_, Value>("debug_traceTransaction".into(), (hash, opts))
                .await
                .expect("debug_traceTransaction")
        }
    };
    let logs = trace(json!({})).await;
    assert_eq!(logs["gas"].as_u64(), Some(receipt.gas_used), "{logs}");
    let ops: Vec<&str> =
        logs["structLogs"].as_array().unwrap().iter().map(|l| l["op"].as_str().unwrap()).collect();
    let want = ["PUSH1", "PUSH1", "PUSH1", "PUSH1", "PUSH2", "GAS", "STATICCALL", "PUSH1"];
    assert_eq!(ops, [&want[..], &["MSTORE", "STOP"]].concat(), "a precompile runs no steps");
    let top = trace(json!({"tracer": "callTracer"})).await;
    assert_eq!(top["type"], "CREATE", "{top}");
    let pre = trace(json!({"tracer": "prestateTracer"})).await;
    let sender =
        pre.as_object().unwrap().keys().any(|k| k.parse::<Address>().unwrap() == key.address());
    assert!(sender, "the sender is in the prestate: {pre}");
    let block: Value = provider
        .raw_request(
            "debug_traceBlockByNumber".into(),
            (
                json!(format!("{:#x}", receipt.block_number.unwrap())),
                json!({"tracer": "callTracer"}),
            ),
        )
        .await
        .expect("debug_traceBlockByNumber");
    assert_eq!(block[0]["txHash"], json!(hash), "{block}");
    l1.shutdown().await;
}
