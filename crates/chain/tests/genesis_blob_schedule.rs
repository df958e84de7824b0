//! A geth genesis with a `blobSchedule` and BPO fork times (EIP-7840, EIP-7892): the chain
//! uses each fork's blob numbers from its activation time on.

use alloy_consensus::{Header, constants::EMPTY_WITHDRAWALS};
use alloy_eips::{eip4844::DATA_GAS_PER_BLOB, eip7685::EMPTY_REQUESTS_HASH};
use nr_chain::{Chain, spec::ChainSpec};
use nr_stateless::{
    BlockError,
    block::{FieldMismatch, validate_header},
    evm::PlainEthereum,
};
use std::sync::Arc;

/// BPO1 activates at this time.
const BPO1_TIME: u64 = 100;
/// Excess blob gas of the genesis: 100 blobs.
const GENESIS_EXCESS: u64 = 100 * DATA_GAS_PER_BLOB;

fn genesis_json() -> String {
    serde_json::json!({
        "config": {
            "chainId": 7,
            "shanghaiTime": 0,
            "cancunTime": 0,
            "pragueTime": 0,
            "osakaTime": 0,
            "bpo1Time": BPO1_TIME,
            "terminalTotalDifficulty": 0,
            "terminalTotalDifficultyPassed": true,
            "blobSchedule": {
                "cancun": { "target": 3, "max": 6, "baseFeeUpdateFraction": 3338477 },
                "prague": { "target": 6, "max": 9, "baseFeeUpdateFraction": 5007716 },
                "osaka": { "target": 6, "max": 9, "baseFeeUpdateFraction": 5007716 },
                "bpo1": { "target": 10, "max": 15, "baseFeeUpdateFraction": 8346193 }
            }
        },
        "timestamp": "0x0",
        "gasLimit": "0x1c9c380",
        "baseFeePerGas": "0x7",
        "excessBlobGas": format!("{GENESIS_EXCESS:#x}"),
        "blobGasUsed": "0x0",
        "difficulty": "0x0",
        "extraData": "0x",
        "alloc": {}
    })
    .to_string()
}

/// A header at `timestamp` on `parent` declaring `blobs` blobs (the blob gas checks only).
fn with_blobs(chain: &Chain, parent: &Header, timestamp: u64, blobs: u64) -> Header {
    let mut h = chain.child_template(parent, timestamp);
    h.withdrawals_root = Some(EMPTY_WITHDRAWALS);
    h.requests_hash = Some(EMPTY_REQUESTS_HASH);
    h.blob_gas_used = Some(blobs * DATA_GAS_PER_BLOB);
    h
}

fn blob_gas_rejected(r: Result<(), BlockError>) -> bool {
    matches!(r, Err(BlockError::Header(FieldMismatch { field: "blob_gas_used", .. })))
}

#[test]
fn geth_genesis_bpo_raises_blob_max_and_target_after_its_time() {
    let dir = tempfile::tempdir().unwrap();
    let spec = ChainSpec::from_geth_json(&genesis_json()).expect("genesis with blobSchedule");
    let chain =
        Chain::open(&dir.path().join("chain.redb"), spec.clone(), Arc::new(PlainEthereum)).unwrap();
    let schedule = &spec.schedule;
    let genesis = chain.head();

    // Before BPO1: Osaka's 9 blobs at most. From BPO1's time: 15.
    let before = BPO1_TIME - 1;
    let ok = validate_header(&with_blobs(&chain, &genesis, before, 9), &genesis, schedule);
    assert!(ok.is_ok(), "9 blobs before BPO1: {ok:?}");
    assert!(blob_gas_rejected(validate_header(
        &with_blobs(&chain, &genesis, before, 10),
        &genesis,
        schedule
    )));
    let ok = validate_header(&with_blobs(&chain, &genesis, BPO1_TIME, 15), &genesis, schedule);
    assert!(ok.is_ok(), "15 blobs from BPO1's time: {ok:?}");
    assert!(blob_gas_rejected(validate_header(
        &with_blobs(&chain, &genesis, BPO1_TIME, 16),
        &genesis,
        schedule
    )));

    // The genesis's excess blob gas shrinks by the target of the fork of each block: 6
    // blobs before BPO1, 10 from it (EIP-7918's reserve price does not bind at base fee 7).
    assert_eq!(genesis.excess_blob_gas, Some(GENESIS_EXCESS));
    let b1 = chain.produce_block(50).unwrap().block.header;
    assert_eq!(b1.excess_blob_gas, Some(GENESIS_EXCESS - 6 * DATA_GAS_PER_BLOB));
    let b2 = chain.produce_block(BPO1_TIME).unwrap().block.header;
    assert_eq!(b2.excess_blob_gas, Some(GENESIS_EXCESS - 16 * DATA_GAS_PER_BLOB));
}
