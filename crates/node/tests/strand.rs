//! Nodes never strand (issue 12, items 4, 5 and 7): a dead service stops the node; `safe`
//! and `finalized` mean settled; a node whose blocks lose a settlement race or whose
//! anchors vanish in an L1 reorg rewinds to the settled head and carries on.

use alloy_primitives::{Address, B256};
use alloy_provider::{Provider, ProviderBuilder};
use alloy_rpc_types_eth::{BlockNumberOrTag, TransactionRequest};
use alloy_sol_types::SolCall;
use nr_contracts::NativeRollup;
use nr_node::devnet::{Devnet, DevnetConfig};
use std::{future::Future, time::Duration};

/// Polls `check` until it gives `Some`, failing after `timeout` with `what` and the last
/// value seen.
async fn wait_until<T, F, Fut>(what: &str, timeout: Duration, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, String>>,
{
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        let last = match tokio::time::timeout(Duration::from_secs(10), check()).await {
            Ok(Ok(v)) => return v,
            Ok(Err(seen)) => seen,
            Err(_) => "one check took over 10 s".to_string(),
        };
        if tokio::time::Instant::now() >= deadline {
            panic!("{what}: not within {timeout:?}; last seen: {last}");
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

fn devnet_config(dir: &std::path::Path) -> DevnetConfig {
    DevnetConfig {
        datadir: dir.to_path_buf(),
        l1_http: "127.0.0.1:0".parse().unwrap(),
        l2_http: "127.0.0.1:0".parse().unwrap(),
        l1_block_time: 1,
        l2_block_time: 1,
        relayer: false,
        ..Default::default()
    }
}

/// A view call on the rollup at L1 block `at`.
async fn rollup_view<C: SolCall>(
    l1: &impl Provider,
    rollup: Address,
    call: C,
    at: BlockNumberOrTag,
) -> Result<C::Return, String> {
    let tx = TransactionRequest::default().to(rollup).input(call.abi_encode().into());
    let out = l1.call(tx).block(at.into()).await.map_err(|e| format!("{}: {e}", C::SIGNATURE))?;
    C::abi_decode_returns(&out).map_err(|e| format!("{}: {e}", C::SIGNATURE))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn panicking_settler_leaves_a_zombie_node() {
    let dir = tempfile::tempdir().unwrap();
    let devnet = Devnet::start(&devnet_config(dir.path())).await.expect("devnet starts");
    devnet.l2.inject_panic(nr_rollup::Service::Settler);
    let err = tokio::time::timeout(Duration::from_secs(20), devnet.l2.failure())
        .await
        .unwrap_or_else(|_| {
            panic!(
                "the settler panicked but the node reported nothing within 20 s (settled {}, head {})",
                devnet.l2.status.lock().settled,
                devnet.l2.chain.head().number
            )
        });
    assert!(
        matches!(err, nr_rollup::RollupError::ServiceDied { service: nr_rollup::Service::Settler, .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("injected panic"), "the error says why: {err}");
    devnet.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn panicking_l1_producer_leaves_a_zombie_node() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = devnet_config(dir.path()).l1_config();
    let l1 = nr_node::l1::L1Node::start(&cfg).await.expect("L1 starts");
    l1.inject_panic();
    let err = tokio::time::timeout(Duration::from_secs(20), l1.failure()).await.unwrap_or_else(
        |_| panic!("the L1 producer panicked but the node reported nothing within 20 s (head {})", l1.chain.head().number),
    );
    assert!(matches!(err, nr_node::NodeError::ProducerDied(_)), "{err:?}");
    assert!(err.to_string().contains("injected panic"), "the error says why: {err}");
    l1.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn safe_and_finalized_report_unsettled_blocks() {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = devnet_config(dir.path());
    cfg.l1_finality_depth = 4;
    let devnet = Devnet::start(&cfg).await.expect("devnet starts");
    let l1 = ProviderBuilder::new().connect_http(devnet.l1_url().parse().unwrap());
    let l2 = ProviderBuilder::new().connect_http(devnet.l2_url().parse().unwrap());
    let rollup = devnet.deployment.rollup;
    let mut final_seen = 0;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    let mut samples = 0;
    while tokio::time::Instant::now() < deadline && (samples < 20 || final_seen == 0) {
        let safe = l2.get_block_by_number(BlockNumberOrTag::Safe).await.unwrap().expect("safe");
        let fin =
            l2.get_block_by_number(BlockNumberOrTag::Finalized).await.unwrap().expect("finalized");
        // The contract's head only grows: read after the tags, it bounds them.
        let settled =
            rollup_view(&l1, rollup, NativeRollup::headNumberCall {}, BlockNumberOrTag::Latest)
                .await
                .unwrap();
        // Before the L1's finalized block reaches the deployment there is no contract there
        // (an empty answer): nothing is settled in a finalized L1 block yet.
        let settled_in_final = rollup_view(
            &l1,
            rollup,
            NativeRollup::headNumberCall {},
            BlockNumberOrTag::Finalized,
        )
        .await
        .unwrap_or(0);
        assert!(
            safe.header.number <= settled,
            "L2 safe is block {} but only {settled} are settled on L1 (head {})",
            safe.header.number,
            devnet.l2.chain.head().number
        );
        let on_l1: B256 = rollup_view(
            &l1,
            rollup,
            NativeRollup::blockHashAtCall { number: safe.header.number },
            BlockNumberOrTag::Latest,
        )
        .await
        .unwrap();
        assert_eq!(safe.header.hash, on_l1, "L2 safe block is the one settled on L1");
        assert!(
            fin.header.number <= settled_in_final,
            "L2 finalized is block {} but the L1's finalized block holds settled head {settled_in_final}",
            fin.header.number
        );
        final_seen = fin.header.number;
        samples += 1;
        let l1_final = l1.get_block_by_number(BlockNumberOrTag::Finalized).await.unwrap();
        let l1_latest = l1.get_block_number().await.unwrap();
        let l1_final = l1_final.expect("the L1 has a finalized block").header.number;
        assert!(l1_final + 4 <= l1_latest.max(4), "L1 finalized {l1_final} is not 4 below {l1_latest}");
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    assert!(final_seen > 0, "no L2 block became finalized within 60 s ({samples} samples)");
    println!(
        "{samples} samples: L2 safe and finalized never above the settled head; last finalized \
         {final_seen}, L2 head {}",
        devnet.l2.chain.head().number
    );
    devnet.shutdown().await;
}
