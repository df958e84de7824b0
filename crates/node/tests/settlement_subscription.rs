//! `eth_subscribe("nr_settlement")` on an in-process devnet's L2, over WebSocket with
//! alloy's provider: the settlement status is pushed as it changes, in the shape of
//! `nr_settlementStatus`.

use alloy_provider::{Provider, ProviderBuilder, WsConnect};
use nr_node::devnet::{Devnet, DevnetConfig};
use serde_json::Value;
use std::time::Duration;

/// The longest wait for the first settlement to be pushed.
const DEADLINE: Duration = Duration::from_secs(120);

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn settlement_status_is_pushed_over_websocket() {
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
    let ws = WsConnect::new(devnet.l2_url().replacen("http://", "ws://", 1));
    let l2 = ProviderBuilder::new().connect_ws(ws).await.expect("ws connects");
    let mut sub = l2.subscribe::<_, Value>(("nr_settlement",)).await.expect("subscribed");
    let start = tokio::time::Instant::now();
    let mut pushed = 0;
    let settled = loop {
        let left = DEADLINE.saturating_sub(start.elapsed());
        let v = tokio::time::timeout(left, sub.recv())
            .await
            .unwrap_or_else(|_| {
                panic!("no settlement pushed within {DEADLINE:?} ({pushed} values)")
            })
            .expect("subscription open");
        pushed += 1;
        for key in ["l2Head", "settled", "lagBlocks", "lagSeconds", "lastL1Tx", "lastError"] {
            assert!(v.get(key).is_some(), "{key} missing in {v}");
        }
        if v["settled"].as_u64().unwrap_or(0) >= 1 {
            break v;
        }
    };
    // The pushed object is the one `nr_settlementStatus` answers, a moment later.
    let status: Value = l2.raw_request("nr_settlementStatus".into(), ()).await.unwrap();
    let keys = |v: &Value| v.as_object().map(|o| o.keys().cloned().collect::<Vec<_>>());
    assert_eq!(keys(&status), keys(&settled));
    assert!(status["settled"].as_u64() >= settled["settled"].as_u64());
    drop(sub);
    devnet.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn l2_fees_go_to_the_sequencer_not_to_zero() {
    use alloy_eips::BlockNumberOrTag;
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
    let l2 = ProviderBuilder::new().connect_http(devnet.l2_url().parse().unwrap());
    let start = tokio::time::Instant::now();
    let block = loop {
        let b = l2.get_block_by_number(BlockNumberOrTag::Latest).await.expect("latest block");
        if let Some(b) = b.filter(|b| b.header.number >= 1) {
            break b;
        }
        assert!(start.elapsed() < DEADLINE, "no L2 block within {DEADLINE:?}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    // The settler key is the sequencer's (account 1 of the devnet).
    let settler = devnet.accounts[1].address();
    assert_eq!(block.header.beneficiary, settler, "L2 block {} fee recipient", block.header.number);
    // The tip suggested on an L2 with empty blocks is the L2's default, not 1 gwei.
    assert_eq!(l2.get_max_priority_fee_per_gas().await.unwrap(), 1);
    devnet.shutdown().await;
}
