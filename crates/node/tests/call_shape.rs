//! Followers do not depend on call shape (issue 12, item 6): an L2 block settled through a
//! wrapper contract (`advance` as a nested call) is derived like one settled directly.

use alloy_network::{EthereumWallet, TransactionBuilder};
use alloy_primitives::U256;
use alloy_provider::{Provider, ProviderBuilder};
use alloy_rpc_types_eth::TransactionRequest;
use alloy_sol_types::SolCall;
use nr_node::l1::{L1Config, L1Node};
use nr_rollup::{NodeConfig, deploy::DeployParams};
use std::{net::SocketAddr, time::Duration};

alloy_sol_types::sol!(AdvanceWrapper, "../contracts/artifacts/AdvanceWrapper.json");

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn settling_through_a_wrapper_halts_the_follower() {
    let dir = tempfile::tempdir().unwrap();
    let any: SocketAddr = "127.0.0.1:0".parse().unwrap();
    let l1_cfg =
        L1Config { datadir: dir.path().join("l1"), http: any, block_time: 1, ..Default::default() };
    let l1 = L1Node::start(&l1_cfg).await.expect("L1 starts");
    let keys = l1.signers.clone();
    let params = DeployParams {
        l2_chain_id: 8079,
        l2_gas_limit: 10_000_000,
        sequencer: None,
        sequencer_timeout: 60,
        max_timestamp_lag: 3_600,
        forced_delay: 8,
        funded: vec![(keys[3].address(), U256::from(10u64).pow(U256::from(18)))],
    };
    let deployment =
        nr_rollup::deploy::deploy(&l1.url(), keys[0].clone(), &params).await.expect("deploy");
    // A sequencer without a settler key: the blocks are settled by hand, through a wrapper.
    let node_cfg = |datadir, follow| NodeConfig {
        l1_rpc: l1.url(),
        deployment: deployment.clone(),
        datadir,
        http: any,
        block_time: 1,
        settler_key: None,
        relayer_key: None,
        follow,
        progress: None,
        rpc_limits: Default::default(),
        fee_recipient: Some(alloy_primitives::Address::repeat_byte(0xfe)),
        censor: vec![],
        censor_forced: false,
        settle_batch: 0,
        optimistic: Default::default(),
    };
    let sequencer = nr_rollup::start(node_cfg(dir.path().join("l2"), false)).await.expect("L2");
    let follower =
        nr_rollup::start(node_cfg(dir.path().join("follower"), true)).await.expect("follower");
    let provider = ProviderBuilder::new()
        .wallet(EthereumWallet::from(keys[1].clone()))
        .connect_http(l1.url().parse().unwrap());
    let deploy = TransactionRequest::default().with_deploy_code(AdvanceWrapper::BYTECODE.clone());
    let wrapper = provider
        .send_transaction(deploy)
        .await
        .expect("deploy the wrapper")
        .with_timeout(Some(Duration::from_secs(30)))
        .get_receipt()
        .await
        .expect("wrapper receipt")
        .contract_address
        .expect("wrapper address");
    let settler = nr_rollup::settler::Settler {
        chain: sequencer.chain.clone(),
        l1: nr_rollup::l1::L1Client::new(&l1.url(), deployment.rollup, None).unwrap(),
        status: Default::default(),
        blocking: Default::default(),
        reconciler: nr_rollup::reconcile::Reconciler {
            chain: sequencer.chain.clone(),
            l1: nr_rollup::l1::L1Client::new(&l1.url(), deployment.rollup, None).unwrap(),
            blocking: Default::default(),
            deploy_block: deployment.deploy_block,
        },
        rebuild_on_forced_due: true,
        settle_batch: 1,
    };
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while sequencer.chain.head().number < 2 {
        assert!(tokio::time::Instant::now() < deadline, "the sequencer made no block in 30 s");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let mut last_tx = None;
    for n in 1..=2u64 {
        // As the settler does: retry while the L1 is not ready for the block yet (its
        // timestamp ahead of the L1's, say); every attempt goes through the wrapper.
        let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
        loop {
            let call = settler.advance_call(n).await.expect("advance input");
            let settle = AdvanceWrapper::settleCall {
                rollup: deployment.rollup,
                input: call.input,
                anchorBlock: call.anchorBlock,
            };
            let tx = TransactionRequest::default().with_to(wrapper).with_input(settle.abi_encode());
            let outcome = match provider.send_transaction(tx).await {
                Ok(p) => p
                    .with_timeout(Some(Duration::from_secs(30)))
                    .get_receipt()
                    .await
                    .map(|r| {
                        last_tx = Some(r.transaction_hash);
                        r.status()
                    })
                    .map_err(|e| e.to_string()),
                Err(e) => Err(e.to_string()),
            };
            if outcome == Ok(true) {
                break;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "block {n} not settled through the wrapper within 30 s: {outcome:?}"
            );
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    }
    // The L1 serves geth's callTracer: the advance is a CALL nested in the wrapper's.
    let trace: serde_json::Value = provider
        .raw_request(
            "debug_traceTransaction".into(),
            (last_tx.expect("a settle transaction"), serde_json::json!({"tracer": "callTracer"})),
        )
        .await
        .expect("debug_traceTransaction");
    let to = |v: &serde_json::Value| v["to"].as_str().unwrap_or("").to_lowercase();
    assert_eq!(to(&trace), wrapper.to_string().to_lowercase(), "top call: {trace}");
    let inner = &trace["calls"][0];
    assert_eq!(inner["type"], "CALL", "{trace}");
    assert_eq!(to(inner), deployment.rollup.to_string().to_lowercase(), "{trace}");
    let selector =
        alloy_primitives::hex::encode_prefixed(nr_contracts::NativeRollup::advanceCall::SELECTOR);
    assert!(inner["input"].as_str().unwrap_or("").starts_with(&selector), "{trace}");
    let want = sequencer.chain.hash_by_number(2).unwrap();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let have = follower.chain.hash_by_number(2).unwrap();
        if have.is_some() {
            assert_eq!(have, want, "the follower derived the wrapper-settled block");
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the follower derived nothing settled through the wrapper within 30 s (head {})",
            follower.chain.head().number
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    println!("follower derived blocks 1 and 2 settled through AdvanceWrapper at {wrapper}");
    follower.shutdown().await;
    sequencer.shutdown().await;
    l1.shutdown().await;
}
