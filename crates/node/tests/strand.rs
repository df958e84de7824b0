//! Nodes never strand (issue 12, items 4, 5 and 7): a dead service stops the node; `safe`
//! and `finalized` mean settled; a node whose blocks lose a settlement race or whose
//! anchors vanish in an L1 reorg rewinds to the settled head and carries on.

mod common;

use alloy_primitives::{Address, B256};
use alloy_provider::{Provider, ProviderBuilder};
use alloy_rpc_types_eth::{BlockNumberOrTag, TransactionRequest};
use alloy_sol_types::SolCall;
use common::wait_until;
use nr_contracts::NativeRollup;
use nr_node::devnet::{Devnet, DevnetConfig};
use std::time::Duration;

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
        matches!(
            err,
            nr_rollup::RollupError::ServiceDied { service: nr_rollup::Service::Settler, .. }
        ),
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
    let err =
        tokio::time::timeout(Duration::from_secs(20), l1.failure()).await.unwrap_or_else(|_| {
            panic!(
                "the L1 producer panicked but the node reported nothing within 20 s (head {})",
                l1.chain.head().number
            )
        });
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
        let settled_in_final =
            rollup_view(&l1, rollup, NativeRollup::headNumberCall {}, BlockNumberOrTag::Finalized)
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
        assert!(
            l1_final + 4 <= l1_latest.max(4),
            "L1 finalized {l1_final} is not 4 below {l1_latest}"
        );
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

/// Sends an L2 transfer of `value` wei from `from` (nonce `nonce`) to node `url`.
async fn send_transfer(
    l2: &impl Provider,
    from: &alloy_signer_local::PrivateKeySigner,
    nonce: u64,
    to: Address,
    value: u64,
) -> B256 {
    let chain_id = l2.get_chain_id().await.expect("eth_chainId");
    let tx = nr_chain::Eip1559Builder::new(chain_id, nonce, to)
        .value(alloy_primitives::U256::from(value))
        .sign(from)
        .expect("sign");
    let raw = alloy_eips::Encodable2718::encoded_2718(&tx);
    *l2.send_raw_transaction(&raw).await.expect("the L2 node accepts the transfer").tx_hash()
}

/// Whether L2 transaction `hash` is in a block of `l2` that the rollup settled on L1:
/// `Ok(block)` if so, `Err(what was seen)` otherwise.
async fn settled_on_l1(
    l1: &impl Provider,
    l2: &impl Provider,
    rollup: Address,
    hash: B256,
) -> Result<u64, String> {
    let r = l2
        .get_transaction_receipt(hash)
        .await
        .map_err(|e| e.to_string())?
        .ok_or_else(|| format!("{hash}: no receipt"))?;
    let (number, block_hash) =
        (r.block_number.unwrap_or_default(), r.block_hash.unwrap_or_default());
    let head =
        rollup_view(l1, rollup, NativeRollup::headNumberCall {}, BlockNumberOrTag::Latest).await?;
    if number > head {
        return Err(format!("{hash}: in L2 block {number}, settled head {head}"));
    }
    let on_l1 =
        rollup_view(l1, rollup, NativeRollup::blockHashAtCall { number }, BlockNumberOrTag::Latest)
            .await?;
    if on_l1 != block_hash {
        return Err(format!(
            "{hash}: in L2 block {number} {block_hash}, but L1 settled {on_l1} (orphan)"
        ));
    }
    Ok(number)
}

/// Every L2 block number is settled at most once on the canonical L1 chain, in order.
async fn settled_once_each(l1: &impl Provider, rollup: Address) -> u64 {
    let filter = alloy_rpc_types_eth::Filter::new()
        .address(rollup)
        .event_signature(<NativeRollup::BlockAdvanced as alloy_sol_types::SolEvent>::SIGNATURE_HASH)
        .from_block(0)
        .to_block(BlockNumberOrTag::Latest);
    let logs = l1.get_logs(&filter).await.expect("eth_getLogs");
    let numbers: Vec<u64> = logs
        .iter()
        .map(|l| {
            <NativeRollup::BlockAdvanced as alloy_sol_types::SolEvent>::decode_log_data(l.data())
                .expect("BlockAdvanced")
                .number
        })
        .collect();
    let expected: Vec<u64> = (1..=numbers.len() as u64).collect();
    assert_eq!(numbers, expected, "each L2 block settled once, in order");
    numbers.len() as u64
}

/// The hash of L2 block `number` in the rollup contract on L1.
async fn hash_on_l1(l1: &impl Provider, rollup: Address, number: u64) -> Result<B256, String> {
    rollup_view(l1, rollup, NativeRollup::blockHashAtCall { number }, BlockNumberOrTag::Latest)
        .await
}

/// Whether `node` holds the L1's settled head (same hash): `Ok(settled)` if so.
async fn holds_settled_head(
    l1: &impl Provider,
    rollup: Address,
    node: &nr_rollup::L2Node,
) -> Result<u64, String> {
    let settled =
        rollup_view(l1, rollup, NativeRollup::headNumberCall {}, BlockNumberOrTag::Latest).await?;
    let on_l1 = hash_on_l1(l1, rollup, settled).await?;
    let local = node.chain.hash_by_number(settled).map_err(|e| e.to_string())?;
    if local == Some(on_l1) {
        Ok(settled)
    } else {
        Err(format!(
            "settled {settled} {on_l1} on L1, node has {local:?} (head {})",
            node.chain.head().number
        ))
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn competing_settlement_strands_the_sequencer() {
    let dir = tempfile::tempdir().unwrap();
    let devnet = Devnet::start(&devnet_config(dir.path())).await.expect("devnet starts");
    // A second sequencer + settler on the same based rollup, with its own settler key.
    let mut cfg = devnet.follower_config(dir.path().join("rival"));
    cfg.follow = false;
    cfg.block_time = 1;
    cfg.settler_key = Some(devnet.accounts[4].clone());
    let rival = nr_rollup::start(cfg).await.expect("the rival node starts");
    let l1 = ProviderBuilder::new().connect_http(devnet.l1_url().parse().unwrap());
    let a = ProviderBuilder::new().connect_http(devnet.l2_url().parse().unwrap());
    let b = ProviderBuilder::new().connect_http(format!("http://{}", rival.rpc).parse().unwrap());
    let rollup = devnet.deployment.rollup;
    let to = Address::repeat_byte(0x42);
    let mut sent = vec![];
    for nonce in 0..3 {
        sent.push(('A', send_transfer(&a, &devnet.accounts[5], nonce, to, 1).await));
        sent.push(('B', send_transfer(&b, &devnet.accounts[6], nonce, to, 1).await));
        tokio::time::sleep(Duration::from_millis(1_500)).await;
    }
    // The race: both nodes keep settling blocks; whichever loses a round rewinds to the
    // settled head and keeps the settled chain (never strands on an orphan).
    let raced_to = devnet.l2.chain.head().number.max(rival.chain.head().number) + 5;
    for (name, node) in [('A', &devnet.l2), ('B', &rival)] {
        wait_until(
            &format!("node {name} holds the settled head past block {raced_to}"),
            Duration::from_secs(120),
            || async {
                let s = holds_settled_head(&l1, rollup, node).await?;
                if s >= raced_to { Ok(s) } else { Err(format!("settled {s}")) }
            },
        )
        .await;
    }
    // Nothing lost: each transfer is settled, or back in its node's pool, or in its
    // node's unsettled head.
    for (name, hash) in &sent {
        let (l2, node) = if *name == 'A' { (&a, &devnet.l2) } else { (&b, &rival) };
        let settled = settled_on_l1(&l1, l2, rollup, *hash).await;
        let pending = node.chain.pending_tx(hash).is_some();
        let mined = l2.get_transaction_receipt(*hash).await.unwrap().is_some();
        assert!(
            settled.is_ok() || pending || mined,
            "node {name}'s transfer {hash} is lost: {settled:?}, not pending, not mined"
        );
        println!("node {name}: {hash}: settled {settled:?}, pending {pending}");
    }
    // The rival stops (its services die); its users send its transfers again to node A,
    // which then settles everything.
    rival.inject_panic(nr_rollup::Service::Settler);
    tokio::time::timeout(Duration::from_secs(20), rival.failure())
        .await
        .expect("the rival's services stop");
    for (name, hash) in &sent {
        if *name == 'B' && settled_on_l1(&l1, &a, rollup, *hash).await.is_err() {
            let tx = rival.chain.pending_tx(hash).map(|p| p.tx).or_else(|| {
                let (block, index) = rival.chain.tx_location(hash).ok().flatten()?;
                let block = rival.chain.block(&block).ok().flatten()?;
                block.body.transactions.get(index as usize).cloned()
            });
            let raw = alloy_eips::Encodable2718::encoded_2718(&tx.expect("the rival kept it"));
            let _ = a.send_raw_transaction(&raw).await.expect("node A takes the rival's transfer");
        }
    }
    for (name, hash) in &sent {
        let block = wait_until(
            &format!("node {name}'s transfer settled on L1"),
            Duration::from_secs(120),
            || settled_on_l1(&l1, &a, rollup, *hash),
        )
        .await;
        println!("node {name}: {hash} settled in L2 block {block}");
    }
    let settled = settled_once_each(&l1, rollup).await;
    let balance = a.get_balance(to).await.unwrap();
    assert_eq!(balance, alloy_primitives::U256::from(6), "all six transfers arrived once");
    println!("settled {settled} blocks, each once; all six transfers arrived once");
    rival.shutdown().await;
    devnet.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn l1_reorg_under_anchor_strands_the_node() {
    let dir = tempfile::tempdir().unwrap();
    let devnet = Devnet::start(&devnet_config(dir.path())).await.expect("devnet starts");
    let follower = nr_rollup::start(devnet.follower_config(dir.path().join("follower")))
        .await
        .expect("the follower starts");
    let l1 = ProviderBuilder::new().connect_http(devnet.l1_url().parse().unwrap());
    let l2 = ProviderBuilder::new().connect_http(devnet.l2_url().parse().unwrap());
    let rollup = devnet.deployment.rollup;
    let to = Address::repeat_byte(0x42);
    let first = send_transfer(&l2, &devnet.accounts[5], 0, to, 1).await;
    wait_until("a first transfer settled", Duration::from_secs(60), || {
        settled_on_l1(&l1, &l2, rollup, first)
    })
    .await;
    // A transfer, mined on L2; then the L1 is rewound below the anchor of its block.
    let hash = send_transfer(&l2, &devnet.accounts[5], 1, to, 1).await;
    let mined = wait_until("the transfer mined on L2", Duration::from_secs(30), || async {
        match l2.get_transaction_receipt(hash).await {
            Ok(Some(r)) => Ok(r.block_number.unwrap_or_default()),
            other => Err(format!("{other:?}")),
        }
    })
    .await;
    let header = devnet.l2.chain.header_by_number(mined).unwrap().expect("mined block");
    let anchor = header.parent_beacon_block_root.expect("anchor");
    let anchor_number =
        l1.get_block_by_hash(anchor).await.unwrap().expect("anchor on L1").header.number;
    let l1_head = l1.get_block_number().await.unwrap();
    let settled_before =
        rollup_view(&l1, rollup, NativeRollup::headNumberCall {}, BlockNumberOrTag::Latest)
            .await
            .unwrap();
    let _: serde_json::Value = l1
        .raw_request("debug_setHead".into(), (format!("{:#x}", anchor_number - 1),))
        .await
        .expect("debug_setHead");
    let after = l1.get_block_by_number(anchor_number.into()).await.unwrap();
    assert!(
        after.is_none_or(|b| b.header.hash != anchor),
        "the anchor of L2 block {mined} left the L1 chain"
    );
    println!(
        "L1 rewound from {l1_head} to {} under the anchor (L1 {anchor_number}) of L2 block {mined}; settled head was {settled_before}",
        anchor_number - 1
    );
    let block =
        wait_until("the transfer settled after the L1 reorg", Duration::from_secs(120), || {
            settled_on_l1(&l1, &l2, rollup, hash)
        })
        .await;
    assert!(settled_on_l1(&l1, &l2, rollup, first).await.is_ok(), "the first transfer kept");
    let settled = settled_once_each(&l1, rollup).await;
    let f =
        ProviderBuilder::new().connect_http(format!("http://{}", follower.rpc).parse().unwrap());
    wait_until("the follower derives the settled chain", Duration::from_secs(60), || {
        settled_on_l1(&l1, &f, rollup, hash)
    })
    .await;
    assert_eq!(l2.get_balance(to).await.unwrap(), alloy_primitives::U256::from(2));
    println!(
        "transfer settled in L2 block {block}; {settled} blocks settled once each; follower agrees"
    );
    follower.shutdown().await;
    devnet.shutdown().await;
}
