//! The services benchmark: sequencer throughput through JSON-RPC with settlement on, then
//! a follower rebuilding the chain from L1, over a [`Devnet`]. Every wait has a deadline.

use super::{
    BenchError,
    workload::{L2_ID, signer},
};
use crate::devnet::{Devnet, DevnetConfig};
use alloy_eips::Encodable2718;
use alloy_primitives::{Address, B256, U256};
use alloy_provider::{Provider, ProviderBuilder};
use alloy_signer_local::PrivateKeySigner;
use nr_chain::Eip1559Builder;
use serde::Serialize;
use std::{
    net::SocketAddr,
    time::{Duration, Instant},
};

/// Result of the services benchmark (sequencer through JSON-RPC, settlement, follower).
#[derive(Debug, Clone, Serialize)]
pub struct ServicesRow {
    /// L2 transfers sent.
    pub transactions: usize,
    /// Transactions accepted by the L2's JSON-RPC per second.
    pub accept_tx_per_s: f64,
    /// Transactions included in L2 blocks per second (from the first send).
    pub include_tx_per_s: f64,
    /// Seconds from the first send until every block holding them was settled on L1.
    pub settled_after_s: f64,
    /// L2 blocks measured.
    pub l2_blocks: u64,
    /// L2 gas of those blocks, in millions.
    pub l2_mgas: f64,
    /// Seconds a fresh follower took to rebuild them from L1.
    pub follower_s: f64,
    /// Follower speed in blocks per second.
    pub follower_blocks_per_s: f64,
    /// Follower speed in Mgas per second.
    pub follower_mgas_per_s: f64,
}

/// Runs a Devnet (based rollup, sequencer and settler), pushes `n` transfers through the
/// L2's JSON-RPC from concurrent clients (8, or one per 500 transactions), waits until all
/// are included and settled, then times a follower rebuilding the chain from L1.
pub async fn services(n: usize) -> Result<ServicesRow, BenchError> {
    let dir = tempfile::tempdir()?;
    // At most 500 transactions queued per sender (the pool admits 1024 ahead of the state).
    let clients: Vec<PrivateKeySigner> =
        (0..(n / 500).max(8)).map(|i| signer(50_000 + i)).collect();
    let any_port = SocketAddr::from(([127, 0, 0, 1], 0));
    let cfg = DevnetConfig {
        datadir: dir.path().into(),
        l1_http: any_port,
        l2_http: any_port,
        l1_block_time: 1,
        l2_block_time: 1,
        l2_chain_id: L2_ID,
        accounts: 3,
        l2_funded: clients
            .iter()
            // 10 ETH: gas for 500 transfers; the deployer locks it all on L1 as backing.
            .map(|k| (k.address(), U256::from(10).pow(U256::from(19))))
            .collect(),
        relayer: false,
        ..DevnetConfig::default()
    };
    let devnet = Devnet::start(&cfg).await?;
    let result = run(&devnet, &clients, n, dir.path().join("follower")).await;
    devnet.shutdown().await;
    result
}

/// How long each phase may take for `n` transactions before the benchmark fails.
fn phase_deadline(n: usize) -> Duration {
    Duration::from_secs(60 + n as u64 / 25)
}

async fn run(
    devnet: &Devnet,
    clients: &[PrivateKeySigner],
    n: usize,
    follower_dir: std::path::PathBuf,
) -> Result<ServicesRow, BenchError> {
    let url: url::Url = devnet.l2_url().parse().map_err(BenchError::Url)?;
    let per = n / clients.len();
    let mut raw: Vec<Vec<Vec<u8>>> = vec![];
    for k in clients {
        let mut txs = vec![];
        for nonce in 0..per as u64 {
            let tx = Eip1559Builder::new(L2_ID, nonce, Address::with_last_byte(0x77))
                .value(U256::from(1))
                .sign(k)?;
            txs.push(tx.encoded_2718());
        }
        raw.push(txs);
    }
    let total = per * clients.len();
    let wait = phase_deadline(n);
    let start = Instant::now();
    let mut tasks = vec![];
    for txs in raw {
        let p = ProviderBuilder::new().connect_http(url.clone());
        tasks.push(tokio::spawn(async move {
            let mut out = vec![];
            for t in txs {
                out.push(*p.send_raw_transaction(&t).await?.tx_hash());
            }
            Ok::<_, BenchError>(out)
        }));
    }
    let mut hashes: Vec<B256> = vec![];
    for t in tasks {
        hashes.extend(t.await??);
    }
    let accepted = start.elapsed().as_secs_f64();
    if hashes.is_empty() {
        return Err(BenchError::NoTransactions);
    }

    // Every sender's last transaction: all earlier ones are in by nonce order.
    let p = ProviderBuilder::new().connect_http(url);
    let deadline = Instant::now() + wait;
    let mut included_block = 0;
    for h in hashes.iter().skip(per - 1).step_by(per) {
        loop {
            if let Some(r) = p.get_transaction_receipt(*h).await? {
                included_block = included_block.max(r.block_number.unwrap_or_default());
                break;
            }
            if Instant::now() > deadline {
                return Err(BenchError::TxNotIncluded { hash: *h, secs: wait.as_secs() });
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
    let included = start.elapsed().as_secs_f64();

    let deadline = Instant::now() + wait;
    loop {
        let settled = devnet.l2.status.lock().settled;
        if settled >= included_block {
            break;
        }
        if Instant::now() > deadline {
            return Err(BenchError::NotSettled {
                block: included_block,
                settled,
                secs: wait.as_secs(),
            });
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let settled = start.elapsed().as_secs_f64();
    let chain = &devnet.l2.chain;
    let head = chain.head().number.min(included_block);
    let gas: u64 = (1..=head)
        .filter_map(|n| chain.header_by_number(n).ok().flatten())
        .map(|h| h.gas_used)
        .sum();

    // Follower from scratch, L1 only.
    let t = Instant::now();
    let follower = nr_rollup::start(devnet.follower_config(follower_dir)).await?;
    let deadline = Instant::now() + wait;
    let outcome = loop {
        let at = follower.chain.head().number;
        if at >= head {
            break Ok(());
        }
        if Instant::now() > deadline {
            break Err(BenchError::FollowerBehind { at, target: head, secs: wait.as_secs() });
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    let follow = t.elapsed().as_secs_f64();
    follower.shutdown().await;
    outcome?;
    Ok(ServicesRow {
        transactions: total,
        accept_tx_per_s: total as f64 / accepted,
        include_tx_per_s: total as f64 / included,
        settled_after_s: settled,
        l2_blocks: head,
        l2_mgas: gas as f64 / 1e6,
        follower_s: follow,
        follower_blocks_per_s: head as f64 / follow,
        follower_mgas_per_s: gas as f64 / 1e6 / follow,
    })
}
