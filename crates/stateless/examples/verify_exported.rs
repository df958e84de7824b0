//! Runs `verify_stateless_new_payload` on one block written by `nr bench --export-dir`
//! (the same file `scripts/reth-compare` reads), for profiling one block under callgrind
//! or timing it alone.
//!
//! Run: `cargo run --release -p nr-stateless --example verify_exported -- FILE [REPS]
//! [valid|tampered]` (default 1 repetition, honest block). Prints each run's time.

use alloy_consensus::{Block, TxEnvelope};
use alloy_eips::eip7685::Requests;
use alloy_primitives::{B256, Bytes, FixedBytes, hex};
use nr_stateless::{
    BlockError, Fork, ForkSchedule,
    ssz::{ExecutionWitness, StatelessInput},
    stateless::{StatelessError, block_to_new_payload, verify_stateless_new_payload},
};
use serde_json::Value;
use std::time::Instant;

fn bytes(v: &Value) -> Bytes {
    Bytes::from(hex::decode(v.as_str().expect("hex string")).expect("valid hex"))
}

fn list(v: &Value) -> Vec<Bytes> {
    v.as_array().expect("array").iter().map(bytes).collect()
}

fn main() {
    let mut args = std::env::args().skip(1);
    let path = args.next().expect("usage: verify_exported FILE [REPS] [valid|tampered]");
    let reps: usize = args.next().map_or(1, |r| r.parse().expect("REPS is a number"));
    let tampered = args.next().as_deref() == Some("tampered");
    let doc: Value =
        serde_json::from_slice(&std::fs::read(&path).expect("readable file")).expect("JSON");
    let mut block: Block<TxEnvelope> =
        alloy_rlp::Decodable::decode(&mut bytes(&doc["block_rlp"]).as_ref()).expect("block RLP");
    if tampered {
        let root: B256 = doc["tampered_state_root"].as_str().expect("root").parse().expect("hex");
        block.header.state_root = root;
    }
    let w = &doc["witness"];
    let witness = ExecutionWitness {
        state: list(&w["state"]),
        codes: list(&w["codes"]),
        headers: list(&w["headers"]),
    };
    let public_keys =
        list(&doc["public_keys"]).iter().map(|k| FixedBytes::<65>::from_slice(k)).collect();
    let input = StatelessInput {
        new_payload_request: block_to_new_payload(&block, &Requests::default()).expect("payload"),
        witness,
        chain_id: doc["chain_id"].as_u64().expect("chain id"),
        public_keys,
    };
    let schedule = ForkSchedule::from_genesis(Fork::Osaka);
    for _ in 0..reps {
        let t = Instant::now();
        let r = verify_stateless_new_payload(&input, &schedule);
        let ms = t.elapsed().as_secs_f64() * 1e3;
        match (tampered, &r) {
            (false, Ok(_)) => {}
            (true, Err(StatelessError::Block(BlockError::Header(m))))
                if m.field == "state_root" => {}
            _ => panic!("unexpected verdict: {r:?}"),
        }
        println!("{ms:.3} ms");
    }
}
