//! `GET /metrics` on the JSON-RPC ports of a Devnet's L1 and L2 nodes: Prometheus text
//! whose values agree with what the same nodes answer over JSON-RPC.

mod common;

use alloy_primitives::{Address, U256};
use alloy_provider::{Provider, ProviderBuilder};
use common::{http, settled, wait_until};
use nr_node::devnet::{Devnet, DevnetConfig};
use nr_rollup::bridge::BridgeClient;
use serde_json::Value;
use std::time::Duration;

/// The value of `name` in `text`, failing the test when it is absent.
fn value(text: &str, name: &str) -> f64 {
    http::metric(text, name).unwrap_or_else(|| panic!("no metric {name} in:\n{text}"))
}

fn hex(v: &Value) -> u64 {
    let s = v.as_str().unwrap_or_else(|| panic!("not a quantity: {v}"));
    u64::from_str_radix(s.trim_start_matches("0x"), 16).unwrap_or_else(|e| panic!("{s}: {e}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn metrics_agree_with_the_chains_json_rpc() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = DevnetConfig {
        datadir: dir.path().to_path_buf(),
        l1_http: "127.0.0.1:0".parse().unwrap(),
        l2_http: "127.0.0.1:0".parse().unwrap(),
        l1_block_time: 1,
        l2_block_time: 1,
        ..Default::default()
    };
    let devnet = Devnet::start(&cfg).await.expect("devnet starts");
    let l1 = ProviderBuilder::new().connect_http(devnet.l1_url().parse().unwrap());
    let l2 = ProviderBuilder::new().connect_http(devnet.l2_url().parse().unwrap());
    // A deposit, so the relayer has a message to deliver and EXECUTE has blocks to verify.
    let user = devnet.accounts[4].clone();
    let bridge = BridgeClient::connect(devnet.l1_url(), &devnet.l2_url(), user.clone())
        .await
        .expect("bridge client");
    let amount = U256::from(10u64).pow(U256::from(16));
    bridge.deposit_eth(Address::repeat_byte(0x77), amount, U256::ZERO).await.expect("deposit");
    wait_until("the deposit delivered on L2", Duration::from_secs(120), || async {
        let b = l2.get_balance(Address::repeat_byte(0x77)).await.map_err(|e| e.to_string())?;
        if b == amount { Ok(()) } else { Err(format!("balance {b}")) }
    })
    .await;
    let settled_once = wait_until("an L2 block settled", Duration::from_secs(120), || async {
        let s = settled(&l2).await?;
        if s >= 1 { Ok(s) } else { Err(format!("settled {s}")) }
    })
    .await;

    // L2: heads and settlement agree with eth_blockNumber and nr_settlementStatus read
    // just before and just after the scrape (the chain moves meanwhile).
    for _ in 0..5 {
        let _: String = l2.raw_request("web3_clientVersion".into(), ()).await.unwrap();
    }
    let _ = l2.raw_request::<_, Value>("nr_noSuchMethod".into(), ()).await;
    let head_before = l2.get_block_number().await.unwrap();
    let settled_before = settled(&l2).await.unwrap();
    let page = http::get(devnet.l2.rpc, "/metrics", &[]).await;
    let head_after = l2.get_block_number().await.unwrap();
    let settled_after = settled(&l2).await.unwrap();
    assert_eq!(page.status, 200, "GET /metrics on L2: {page:?}");
    assert!(page.header("content-type").is_some_and(|c| c.starts_with("text/plain")), "{page:?}");
    let t = &page.body;
    let head = value(t, "nr_l2_head") as u64;
    assert!(
        (head_before..=head_after).contains(&head),
        "nr_l2_head {head}, eth_blockNumber {head_before}..={head_after}"
    );
    let s = value(t, "nr_l2_settled_head") as u64;
    assert!(
        (settled_before..=settled_after).contains(&s),
        "nr_l2_settled_head {s}, nr_settlementStatus {settled_before}..={settled_after}"
    );
    assert!(s >= settled_once);
    let lag = value(t, "nr_l2_settlement_lag_blocks") as u64;
    assert!(lag <= head - s, "lag {lag} over head {head} - settled {s}");
    value(t, "nr_l2_settlement_lag_seconds");
    value(t, "nr_txpool_pending");
    assert_eq!(value(t, r#"nr_rpc_requests_total{method="web3_clientVersion"}"#), 5.0, "{t}");
    assert_eq!(value(t, r#"nr_rpc_requests_total{method="unknown"}"#), 1.0, "{t}");
    assert_eq!(value(t, r#"nr_rpc_errors_total{method="unknown"}"#), 1.0, "{t}");
    assert!(!t.contains("nr_noSuchMethod"), "unknown method names are not labels: {t}");
    assert!(
        t.contains(r#"nr_rpc_request_duration_seconds_count{method="eth_blockNumber"}"#),
        "{t}"
    );
    // The relayer's queue: the deposit was sent and delivered.
    wait_until("the relayer queue sampled", Duration::from_secs(30), || async {
        let t = http::get(devnet.l2.rpc, "/metrics", &[]).await.body;
        let (sent, queue) =
            (http::metric(&t, "nr_relayer_messages_sent"), http::metric(&t, "nr_relayer_queue"));
        match (sent, queue) {
            (Some(s), Some(q)) if s >= 1.0 && q == 0.0 => Ok(()),
            _ => Err(format!("sent {sent:?} queue {queue:?}")),
        }
    })
    .await;

    // L1: the head and the EXECUTE market of the scraped head block equal nr_executeMarket's.
    let before = l1.get_block_number().await.unwrap();
    let t = http::get(devnet.l1.addr, "/metrics", &[]).await.body;
    let after = l1.get_block_number().await.unwrap();
    let l1_head = value(&t, "nr_l1_head") as u64;
    assert!(
        (before..=after).contains(&l1_head),
        "nr_l1_head {l1_head}, eth_blockNumber {before}..={after}"
    );
    let market: Value = l1
        .raw_request("nr_executeMarket".into(), (format!("{l1_head:#x}"),))
        .await
        .expect("nr_executeMarket");
    assert_eq!(
        value(&t, "nr_l1_execute_gas_used") as u64,
        hex(&market["executeGasUsed"]),
        "{market}"
    );
    assert_eq!(
        value(&t, "nr_l1_execute_base_fee_wei") as u64,
        hex(&market["executeBaseFee"]),
        "{market}"
    );
    assert_eq!(value(&t, "nr_l1_execute_gas_limit") as u64, hex(&market["executeGasLimit"]));
    assert_eq!(value(&t, "nr_l1_execute_gas_target") as u64, hex(&market["executeGasTarget"]));
    assert!(!t.contains("nr_l2_head"), "the L1 renders only its own metrics: {t}");

    // CORS: the Devnet's L1 allows any origin (the explorer page reads it); the L2 node
    // allows none and answers as before, without CORS headers.
    let origin = [("Origin", "http://page.example")];
    let l1_answer = http::get(devnet.l1.addr, "/metrics", &origin).await;
    assert_eq!(l1_answer.header("access-control-allow-origin"), Some("*"), "{l1_answer:?}");
    let l2_answer = http::get(devnet.l2.rpc, "/metrics", &origin).await;
    assert_eq!(l2_answer.header("access-control-allow-origin"), None, "{l2_answer:?}");

    // A follower reports how far it derived the chain from L1 data.
    let follower = nr_rollup::start(devnet.follower_config(dir.path().join("follower")))
        .await
        .expect("follower starts");
    wait_until("the follower's progress in its metrics", Duration::from_secs(120), || async {
        let t = http::get(follower.rpc, "/metrics", &[]).await.body;
        let derived = http::metric(&t, "nr_follower_derived");
        let settled = http::metric(&t, "nr_follower_settled");
        match (derived, settled) {
            (Some(d), Some(s)) if d >= settled_once as f64 && s >= d => Ok(()),
            _ => Err(format!("derived {derived:?} settled {settled:?}")),
        }
    })
    .await;
    follower.shutdown().await;
    devnet.shutdown().await;
}
