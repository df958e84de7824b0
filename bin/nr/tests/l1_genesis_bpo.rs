//! `nr l1 --genesis` with a geth `blobSchedule` and a BPO fork time (EIP-7892): the node
//! reports the schedule, and its blocks use BPO1's numbers from its time on.

mod common;

use alloy_eips::eip4844::DATA_GAS_PER_BLOB;
use alloy_provider::Provider;
use alloy_rpc_types_eth::BlockNumberOrTag;
use common::{DEV_KEY, L1Node, tempdir};
use nr_stateless::ForkSchedule;
use std::time::Duration;

/// Genesis excess blob gas: 400 blobs, enough for a dozen blocks to lower it.
const GENESIS_EXCESS: u64 = 400 * DATA_GAS_PER_BLOB;
/// Seconds from genesis to BPO1: room for a few Osaka blocks after the node starts.
const BPO1_DELAY: u64 = 8;

#[tokio::test(flavor = "multi_thread")]
async fn l1_genesis_bpo_fork_applies_from_its_time() {
    let dir = tempdir();
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
    let bpo1 = now + BPO1_DELAY;
    let genesis = serde_json::json!({
        "config": {
            "chainId": 1234,
            "shanghaiTime": 0, "cancunTime": 0, "pragueTime": 0, "osakaTime": 0,
            "bpo1Time": bpo1,
            "terminalTotalDifficulty": 0,
            "terminalTotalDifficultyPassed": true,
            "blobSchedule": {
                "cancun": { "target": 3, "max": 6, "baseFeeUpdateFraction": 3338477 },
                "prague": { "target": 6, "max": 9, "baseFeeUpdateFraction": 5007716 },
                "osaka": { "target": 6, "max": 9, "baseFeeUpdateFraction": 5007716 },
                "bpo1": { "target": 10, "max": 15, "baseFeeUpdateFraction": 8346193 }
            }
        },
        "timestamp": format!("{now:#x}"),
        "gasLimit": "0x1c9c380",
        "baseFeePerGas": "0x7",
        "excessBlobGas": format!("{GENESIS_EXCESS:#x}"),
        "difficulty": "0x0",
        "extraData": "0x",
        "alloc": {}
    });
    let file = dir.path().join("genesis.json");
    std::fs::write(&file, genesis.to_string()).unwrap();
    let node = L1Node::start(
        &dir.path().join("data"),
        &["--genesis", file.to_str().unwrap(), "--block-time", "1"],
    );
    let line = format!("at {bpo1}: blobs target 10 max 15 fraction 8346193");
    assert!(
        node.banner.iter().any(|l| l.contains("bpo1") && l.contains(&line)),
        "{:?}",
        node.banner
    );
    let p = node.provider(DEV_KEY);

    // The stored schedule, as the node serves it to L2 nodes: BPO1 raises the max.
    let schedule: ForkSchedule = p.raw_request("nr_forkSchedule".into(), ()).await.unwrap();
    assert_eq!(schedule.max_blob_gas_at(bpo1 - 1), 9 * DATA_GAS_PER_BLOB);
    assert_eq!(schedule.max_blob_gas_at(bpo1), 15 * DATA_GAS_PER_BLOB);

    let head = common::wait_until_async(
        "two blocks after BPO1's time",
        Duration::from_secs(60),
        || async {
            let b =
                p.get_block_by_number(BlockNumberOrTag::Latest).await.map_err(|e| e.to_string())?;
            let h = b.ok_or("no head")?.header;
            if h.timestamp > bpo1 { Ok(h.number) } else { Err(format!("head at {}", h.timestamp)) }
        },
    )
    .await;
    // Each block lowers the excess blob gas by the target of its own fork: 6 blobs before
    // BPO1, 10 from BPO1's first block on.
    let (mut before, mut after) = (0, 0);
    let mut parent = p.get_block_by_number(0.into()).await.unwrap().unwrap().header;
    assert_eq!(parent.excess_blob_gas, Some(GENESIS_EXCESS));
    for n in 1..=head {
        let h = p.get_block_by_number(n.into()).await.unwrap().unwrap().header;
        let target = if h.timestamp >= bpo1 { 10 } else { 6 };
        *(if h.timestamp >= bpo1 { &mut after } else { &mut before }) += 1;
        let expected = parent.excess_blob_gas.unwrap().saturating_sub(target * DATA_GAS_PER_BLOB);
        assert_eq!(
            h.excess_blob_gas,
            Some(expected),
            "block {n} at {} (BPO1 at {bpo1})",
            h.timestamp
        );
        parent = h;
    }
    assert!(before >= 1, "no block before BPO1: the node started more than {BPO1_DELAY}s late");
    assert!(after >= 1, "no block from BPO1 on");
}
