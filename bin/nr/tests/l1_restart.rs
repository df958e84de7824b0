//! Crash safety of `nr l1`: SIGKILL while transactions stream in and blocks are produced,
//! restart on the same datadir; no block lost or changed, every accepted transaction is
//! mined, state intact; and an idle node restarts at exactly the same head.

mod common;

use alloy_consensus::TxEnvelope;
use alloy_eips::Encodable2718;
use alloy_primitives::{Address, B256, U256};
use alloy_provider::Provider;
use alloy_rpc_types_eth::BlockNumberOrTag;
use alloy_signer_local::PrivateKeySigner;
use common::{DEV_KEY, L1Node, mined, output_within, receipt, tempdir, wait_until_async, within};
use nr_chain::Eip1559Builder;
use std::{
    collections::BTreeMap,
    sync::{Arc, Mutex},
    time::Duration,
};

const VALUE: u64 = 1_000;

fn transfer(key: &PrivateKeySigner, nonce: u64, to: Address) -> TxEnvelope {
    Eip1559Builder::new(31337, nonce, to)
        .value(U256::from(VALUE))
        .gas_limit(21_000)
        .fees(50_000_000_000, 1_000_000_000)
        .sign(key)
        .unwrap()
}

async fn chain_hashes(p: &impl Provider) -> BTreeMap<u64, (B256, B256, usize)> {
    let head = p.get_block_number().await.unwrap();
    let mut out = BTreeMap::new();
    for n in 0..=head {
        let b = p.get_block_by_number(BlockNumberOrTag::Number(n)).await.unwrap().unwrap();
        out.insert(n, (b.header.hash, b.header.parent_hash, b.transactions.len()));
    }
    out
}

#[tokio::test(flavor = "multi_thread")]
async fn kill9_during_block_production_loses_nothing() {
    let dir = tempdir();
    let key: PrivateKeySigner = DEV_KEY.parse().unwrap();
    let to = Address::repeat_byte(0x5a);
    let accepted = Arc::new(Mutex::new(Vec::<B256>::new()));

    // Three rounds: start, stream transfers as fast as the node takes them, kill -9 in the
    // middle of the stream once the chain has grown by ten blocks.
    let mut before = BTreeMap::new();
    let mut next_nonce = 0;
    for round in 1..=3u64 {
        let mut node = L1Node::start(dir.path(), &["--block-time", "0"]);
        let p = node.provider(DEV_KEY);
        for (n, h) in &before {
            let b = p.get_block_by_number(BlockNumberOrTag::Number(*n)).await.unwrap().unwrap();
            assert_eq!(
                (b.header.hash, b.header.parent_hash, b.transactions.len()),
                *h,
                "round {round}: block {n}"
            );
        }
        // Pending transactions persisted in the pool may still be mined; continue after them.
        let start = p.get_transaction_count(key.address()).pending().await.unwrap().max(next_nonce);
        let sender = {
            let p = p.clone();
            let accepted = accepted.clone();
            let key = key.clone();
            tokio::spawn(async move {
                let mut nonce = start;
                loop {
                    let raw = transfer(&key, nonce, to).encoded_2718();
                    match p.send_raw_transaction(&raw).await {
                        Ok(pending) => accepted.lock().unwrap().push(*pending.tx_hash()),
                        Err(_) => break nonce, // the node is gone
                    }
                    nonce += 1;
                }
            })
        };
        let target = 10 * round;
        wait_until_async(
            &format!("round {round}: the chain to reach block {target}"),
            Duration::from_secs(120),
            || async {
                let head = p.get_block_number().await.unwrap();
                let sent = accepted.lock().unwrap().len();
                if head >= target { Ok(()) } else { Err(format!("block {head}, {sent} accepted")) }
            },
        )
        .await;
        before = chain_hashes(&p).await;
        node.kill9();
        next_nonce = within(
            &format!("round {round}: the sender to stop once the node is killed"),
            Duration::from_secs(30),
            sender,
        )
        .await
        .unwrap();
    }
    let accepted = accepted.lock().unwrap().clone();
    assert!(accepted.len() >= 30, "{} transactions accepted", accepted.len());

    let node = L1Node::start(dir.path(), &["--block-time", "0"]);
    let p = node.provider(DEV_KEY);
    // Every block seen before the kill is still there, unchanged.
    let after = chain_hashes(&p).await;
    for (n, h) in &before {
        assert_eq!(after.get(n), Some(h), "block {n} changed across the restart");
    }
    // Every accepted transaction is mined (the pool survived the kill).
    for h in &accepted {
        let r = mined(&p, *h, "after the restart", Duration::from_secs(20)).await;
        assert!(r.status());
    }
    // The chain links up and the state matches the blocks.
    let all = chain_hashes(&p).await;
    for (n, (_, parent, _)) in all.iter().skip(1) {
        assert_eq!(*parent, all[&(n - 1)].0, "parent link of block {n}");
    }
    let mined: usize = all.values().map(|b| b.2).sum();
    // A transaction the node stored but whose reply the kill cut off may be mined too:
    // at most one per kill.
    assert!(
        (accepted.len()..=accepted.len() + 3).contains(&mined),
        "{mined} mined, {} accepted",
        accepted.len()
    );
    assert_eq!(p.get_balance(to).await.unwrap(), U256::from(VALUE * mined as u64));
    assert_eq!(p.get_transaction_count(key.address()).await.unwrap(), mined as u64);
    // The head's state is complete: a proof verifies and the head block replays.
    let head = p.get_block_by_number(BlockNumberOrTag::Latest).await.unwrap().unwrap();
    let proof = p.get_proof(to, vec![]).block_id(head.header.number.into()).await.unwrap();
    common::verify_account_proof(head.header.state_root, to, &proof);
    let _: serde_json::Value = p
        .raw_request("debug_executionWitness".into(), (format!("{:#x}", head.header.number),))
        .await
        .expect("head block re-executes on the stored state");
    println!(
        "killed at block {}, {} transactions accepted, all mined by block {} after restart",
        before.keys().last().unwrap(),
        accepted.len(),
        head.header.number
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn idle_node_restarts_at_the_same_head() {
    let dir = tempdir();
    let mut node = L1Node::start(dir.path(), &["--block-time", "0"]);
    let p = node.provider(DEV_KEY);
    let key: PrivateKeySigner = DEV_KEY.parse().unwrap();
    for nonce in 0..3 {
        let raw = transfer(&key, nonce, Address::repeat_byte(1)).encoded_2718();
        receipt(p.send_raw_transaction(&raw).await.unwrap()).await;
    }
    let head = p.get_block_by_number(BlockNumberOrTag::Latest).await.unwrap().unwrap();
    node.kill9();
    let node = L1Node::start(dir.path(), &["--block-time", "0"]);
    assert!(
        node.banner
            .iter()
            .any(|l| l.contains(&format!("#{} {}", head.header.number, head.header.hash))),
        "{:?}",
        node.banner
    );
    let p = node.provider(DEV_KEY);
    let again = p.get_block_by_number(BlockNumberOrTag::Latest).await.unwrap().unwrap();
    assert_eq!(again.header.hash, head.header.hash);
    assert_eq!(p.get_balance(Address::repeat_byte(1)).await.unwrap(), U256::from(3 * VALUE));
    // Asking for another chain id on the same datadir is refused, and the data survives.
    drop(node);
    let bad = output_within(
        std::process::Command::new(env!("CARGO_BIN_EXE_nr"))
            .args(["l1", "--http", "127.0.0.1:0", "--chain-id", "5", "--datadir"])
            .arg(dir.path()),
        Duration::from_secs(30),
    );
    assert!(!bad.status.success());
    assert!(
        String::from_utf8_lossy(&bad.stderr).contains("datadir holds chain 31337"),
        "{}",
        String::from_utf8_lossy(&bad.stderr)
    );
    let node = L1Node::start(dir.path(), &["--block-time", "0"]);
    let p = node.provider(DEV_KEY);
    assert_eq!(
        p.get_block_by_number(BlockNumberOrTag::Latest).await.unwrap().unwrap().header.hash,
        head.header.hash
    );
}
