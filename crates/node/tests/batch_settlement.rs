//! Batched settlement (issue 15, part 1), end to end: the settler settles its backlog K
//! blocks per L1 transaction, a follower derives batched blocks, and a burst of transfers
//! on the devnet is settled with no wasted (reverted) rollup transaction.

mod common;

use alloy_consensus::Transaction as _;
use alloy_network::TransactionResponse;
use alloy_primitives::{Address, B256, U256};
use alloy_provider::{Provider, ProviderBuilder};
use alloy_rpc_types_eth::BlockNumberOrTag;
use common::{settled, wait_until};
use nr_chain::Eip1559Builder;
use nr_node::{
    devnet::{Devnet, DevnetConfig},
    l1::{L1Config, L1Node},
};
use nr_rollup::{NodeConfig, deploy::DeployParams};
use std::{net::SocketAddr, time::Duration};

/// One L1 transaction to the rollup contract.
#[derive(Debug)]
struct RollupTx {
    hash: B256,
    from: Address,
    selector: String,
    ok: bool,
    gas: u64,
    /// L2 blocks its calldata carries (0: not a settlement call).
    blocks: usize,
    /// Of `gas`, for a settlement: (L2 gas charged at par, EXECUTE's other charges,
    /// calldata gas of the inputs).
    parts: (u64, u64, u64),
    /// Why it failed (the rollup's error, from its `callTracer` trace).
    error: Option<String>,
}

/// Every L1 transaction to `rollup` in L1 blocks `from..=latest`, in order.
async fn rollup_txs(l1: &impl Provider, rollup: Address, from: u64) -> Vec<RollupTx> {
    let latest = l1.get_block_number().await.expect("L1 head");
    let mut out = vec![];
    for n in from..=latest {
        let block = l1
            .get_block_by_number(BlockNumberOrTag::Number(n))
            .full()
            .await
            .expect("L1 block")
            .expect("L1 block exists");
        for tx in block.transactions.txns() {
            if tx.to() != Some(rollup) {
                continue;
            }
            let r = l1.get_transaction_receipt(tx.tx_hash()).await.unwrap().expect("receipt");
            let input = alloy_consensus::Transaction::input(tx).clone();
            let error = if r.status() {
                None
            } else {
                let trace: serde_json::Value = l1
                    .raw_request(
                        "debug_traceTransaction".into(),
                        (tx.tx_hash(), serde_json::json!({"tracer": "callTracer"})),
                    )
                    .await
                    .expect("debug_traceTransaction");
                let output = trace["output"]
                    .as_str()
                    .and_then(|o| alloy_primitives::hex::decode(o).ok())
                    .unwrap_or_default();
                Some(match nr_contracts::decode_error(&output) {
                    Some(e) => e.to_string(),
                    None => format!(
                        "{} output 0x{}",
                        trace["error"],
                        alloy_primitives::hex::encode(&output)
                    ),
                })
            };
            out.push(RollupTx {
                hash: tx.tx_hash(),
                from: tx.from(),
                selector: alloy_primitives::hex::encode(input.get(..4).unwrap_or_default()),
                ok: r.status(),
                gas: r.gas_used,
                blocks: nr_rollup::calls::settlement_inputs(&input).map_or(0, |i| i.len()),
                parts: parts(&input),
                error,
            });
        }
    }
    out
}

/// Where a settlement's gas goes: (L2 gas at par, EXECUTE's other charges, calldata).
fn parts(calldata: &[u8]) -> (u64, u64, u64) {
    let inputs = nr_rollup::calls::settlement_inputs(calldata).unwrap_or_default();
    inputs.iter().fold((0, 0, 0), |(l2, fixed, data), i| {
        let si = nr_stateless::ssz::StatelessInput::from_wire(i).expect("settled input decodes");
        let used = si.new_payload_request.execution_payload.gas_used;
        let bytes: u64 = i.iter().map(|b| if *b == 0 { 4 } else { 16 }).sum();
        (l2 + used, fixed + nr_execute::precompile::fixed_gas(&si, i.len()), data + bytes)
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn settler_batches_its_backlog_and_a_follower_derives_it() {
    const K: usize = 4;
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
        forced_delay: 1_000,
        funded: vec![],
    };
    let deployment =
        nr_rollup::deploy::deploy(&l1.url(), keys[0].clone(), &params).await.expect("deploy");
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
        censor: vec![],
        censor_forced: false,
        fee_recipient: Some(keys[1].address()),
        settle_batch: 0,
        optimistic: Default::default(),
    };
    // A sequencer without a settler: a backlog builds up.
    let sequencer = nr_rollup::start(node_cfg(dir.path().join("l2"), false)).await.expect("L2");
    let follower =
        nr_rollup::start(node_cfg(dir.path().join("follower"), true)).await.expect("follower");
    let backlog = 9;
    wait_until("a backlog of 9 L2 blocks", Duration::from_secs(60), || async {
        let h = sequencer.chain.head().number;
        if h >= backlog { Ok(()) } else { Err(format!("L2 head {h}")) }
    })
    .await;
    let settler_key = keys[1].clone();
    let l1_client = |key| nr_rollup::l1::L1Client::new(&l1.url(), deployment.rollup, key).unwrap();
    let settler = nr_rollup::settler::Settler {
        rebuild_on_forced_due: true,
        chain: sequencer.chain.clone(),
        l1: l1_client(Some(settler_key.clone())),
        status: Default::default(),
        blocking: Default::default(),
        reconciler: nr_rollup::reconcile::Reconciler {
            chain: sequencer.chain.clone(),
            l1: l1_client(None),
            blocking: Default::default(),
            deploy_block: deployment.deploy_block,
        },
        settle_batch: K,
    };
    let task = tokio::spawn(settler.run());
    let reader = l1_client(None);
    wait_until("the backlog settled", Duration::from_secs(120), || async {
        let (n, _) = reader.settled_head().await.map_err(|e| e.to_string())?;
        if n >= backlog { Ok(()) } else { Err(format!("settled {n}")) }
    })
    .await;
    task.abort();
    let provider = ProviderBuilder::new().connect_http(l1.url().parse().unwrap());
    let txs = rollup_txs(&provider, deployment.rollup, deployment.deploy_block).await;
    let settling: Vec<&RollupTx> = txs.iter().filter(|t| t.from == settler_key.address()).collect();
    let blocks: usize = settling.iter().map(|t| t.blocks).sum();
    println!("{} settlement transactions for {blocks} L2 blocks:", settling.len());
    for t in &settling {
        println!(
            "  {} {} ok={} gas={} blocks={} {:?}",
            t.hash, t.selector, t.ok, t.gas, t.blocks, t.error
        );
    }
    assert!(settling.iter().all(|t| t.ok), "no settlement transaction reverted");
    assert!(settling.iter().all(|t| t.blocks <= K), "at most K = {K} blocks per transaction");
    assert!(
        settling.len() * 2 <= blocks,
        "the backlog of {backlog} blocks is batched: {} transactions for {blocks} blocks",
        settling.len()
    );
    // The follower derives the batched blocks.
    let (n, hash) = reader.settled_head().await.unwrap();
    wait_until("the follower derived the batched blocks", Duration::from_secs(60), || async {
        let have = follower.chain.hash_by_number(n).map_err(|e| e.to_string())?;
        match have {
            Some(h) if h == hash => Ok(()),
            Some(h) => Err(format!("block {n}: {h}, L1 says {hash}")),
            None => Err(format!("follower head {}", follower.chain.head().number)),
        }
    })
    .await;
}

/// The puzzle: 300 transfers sent in a burst on the devnet, every L1 transaction
/// to the rollup counted with its status and selector: none may revert.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn burst_of_transfers_wastes_no_rollup_transaction() {
    burst(Duration::ZERO, 0).await;
}

/// The same burst sent at the pace of a client outside the process (one transaction every
/// 40 ms: about 12 s, six L2 blocks of the devnet's 2 s).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn paced_burst_of_transfers_wastes_no_rollup_transaction() {
    burst(Duration::from_millis(40), 0).await;
}

/// The paced burst with `--settle-batch 4`: the settler waits (a slot at most) for four
/// blocks, so the burst is settled in about a quarter of the transactions.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn paced_burst_settled_four_blocks_per_transaction() {
    let txs = burst(Duration::from_millis(40), 4).await;
    let settling: Vec<&RollupTx> = txs.iter().filter(|t| t.blocks > 0).collect();
    let blocks: usize = settling.iter().map(|t| t.blocks).sum();
    assert!(settling.iter().all(|t| t.blocks <= 4), "K = 4 bounds every batch");
    assert!(
        settling.len() * 2 <= blocks,
        "{} settlement transactions for {blocks} blocks: the burst was not batched",
        settling.len()
    );
}

async fn burst(pace: Duration, settle_batch: usize) -> Vec<RollupTx> {
    let dir = tempfile::tempdir().unwrap();
    let cfg = DevnetConfig {
        datadir: dir.path().to_path_buf(),
        l1_http: "127.0.0.1:0".parse().unwrap(),
        l2_http: "127.0.0.1:0".parse().unwrap(),
        settle_batch,
        ..Default::default()
    };
    let devnet = Devnet::start(&cfg).await.expect("devnet starts");
    let l2 = ProviderBuilder::new().connect_http(devnet.l2_url().parse().unwrap());
    let l1 = ProviderBuilder::new().connect_http(devnet.l1_url().parse().unwrap());
    let chain_id = l2.get_chain_id().await.unwrap();
    let start = l2.get_block_number().await.unwrap();
    let to = Address::repeat_byte(0x42);
    let mut last = B256::ZERO;
    let senders = &devnet.accounts[3..9];
    let per_sender = 50u64;
    for nonce in 0..per_sender {
        for s in senders {
            let tx = Eip1559Builder::new(chain_id, nonce, to).value(U256::from(1)).sign(s).unwrap();
            let raw = alloy_eips::Encodable2718::encoded_2718(&tx);
            last = *l2.send_raw_transaction(&raw).await.expect("L2 accepts").tx_hash();
            if !pace.is_zero() {
                tokio::time::sleep(pace).await;
            }
        }
    }
    let sent = per_sender as usize * senders.len();
    let block = wait_until("the last transfer mined", Duration::from_secs(120), || async {
        match l2.get_transaction_receipt(last).await {
            Ok(Some(r)) => r.block_number.ok_or_else(|| "no block".to_string()),
            Ok(None) => Err("no receipt yet".into()),
            Err(e) => Err(e.to_string()),
        }
    })
    .await;
    wait_until("the burst settled", Duration::from_secs(180), || async {
        let s = settled(&l2).await?;
        if s >= block { Ok(()) } else { Err(format!("settled {s}, want {block}")) }
    })
    .await;
    let txs = rollup_txs(&l1, devnet.deployment.rollup, devnet.deployment.deploy_block).await;
    let gas: u64 = txs.iter().map(|t| t.gas).sum();
    let blocks: usize = txs.iter().map(|t| t.blocks).sum();
    println!(
        "{sent} transfers in L2 blocks {}..={block}: {} rollup transactions for {blocks} L2 blocks, \
         {gas} L1 gas, {} L1 gas per transfer",
        start + 1,
        txs.len(),
        gas / sent as u64
    );
    for t in &txs {
        println!(
            "  {} {} ok={} gas={} blocks={} {:?}",
            t.hash, t.selector, t.ok, t.gas, t.blocks, t.error
        );
    }
    let (l2, fixed, data) =
        txs.iter().fold((0, 0, 0), |a, t| (a.0 + t.parts.0, a.1 + t.parts.1, a.2 + t.parts.2));
    let rest = gas.saturating_sub(l2 + fixed + data + 21_000 * txs.len() as u64);
    println!(
        "per transfer: L2 gas at par {}, EXECUTE other charges {}, calldata {}, intrinsic {}, \
         contract {}",
        l2 / sent as u64,
        fixed / sent as u64,
        data / sent as u64,
        21_000 * txs.len() as u64 / sent as u64,
        rest / sent as u64
    );
    let wasted: Vec<&RollupTx> = txs.iter().filter(|t| !t.ok).collect();
    assert!(wasted.is_empty(), "reverted rollup transactions: {wasted:#?}");
    devnet.shutdown().await;
    txs
}
