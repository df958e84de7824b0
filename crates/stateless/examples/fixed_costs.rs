//! The fixed costs a verification may pay besides its block's own work, next to the whole
//! verification of one exported block: asking the OS for the core count, starting and
//! joining a scoped thread per call, and handing a job to a thread started once and kept
//! (a rayon pool, what `verify_stateless_new_payload` uses). Each figure is the fastest and
//! the median of N calls, in microseconds.
//!
//! Run: `cargo run --release -p nr-stateless --example fixed_costs -- FILE [N]` (FILE
//! written by `nr bench --export-dir`; default N = 300).

use alloy_consensus::{Block, TxEnvelope};
use alloy_eips::eip7685::Requests;
use alloy_primitives::{Bytes, FixedBytes, hex};
use nr_stateless::{
    Fork, ForkSchedule,
    ssz::{ExecutionWitness, StatelessInput},
    stateless::{block_to_new_payload, verify_stateless_new_payload},
};
use serde_json::Value;
use std::{hint::black_box, time::Instant};

fn bytes(v: &Value) -> Bytes {
    Bytes::from(hex::decode(v.as_str().expect("hex string")).expect("valid hex"))
}

fn list(v: &Value) -> Vec<Bytes> {
    v.as_array().expect("array").iter().map(bytes).collect()
}

/// Prints the fastest and the median of `n` timed calls of `f`.
fn report(name: &str, n: usize, mut f: impl FnMut()) {
    let mut us: Vec<f64> = (0..n)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed().as_secs_f64() * 1e6
        })
        .collect();
    us.sort_by(f64::total_cmp);
    println!("{name:<40} min {:8.1} us  median {:8.1} us", us[0], us[n / 2]);
}

/// Busy for `us` microseconds (a stand-in for a share of a block's work).
fn spin(us: u128) {
    let t = Instant::now();
    while t.elapsed().as_micros() < us {}
}

fn main() {
    let mut args = std::env::args().skip(1);
    let path = args.next().expect("usage: fixed_costs FILE [N]");
    let n: usize = args.next().map_or(300, |r| r.parse().expect("N is a number")).max(1);
    let doc: Value =
        serde_json::from_slice(&std::fs::read(&path).expect("readable file")).expect("JSON");
    let block: Block<TxEnvelope> =
        alloy_rlp::Decodable::decode(&mut bytes(&doc["block_rlp"]).as_ref()).expect("block RLP");
    let w = &doc["witness"];
    let input = StatelessInput {
        new_payload_request: block_to_new_payload(&block, &Requests::default()).expect("payload"),
        witness: ExecutionWitness {
            state: list(&w["state"]),
            codes: list(&w["codes"]),
            headers: list(&w["headers"]),
        },
        chain_id: doc["chain_id"].as_u64().expect("chain id"),
        public_keys: list(&doc["public_keys"]).iter().map(|k| FixedBytes::from_slice(k)).collect(),
    };
    let schedule = ForkSchedule::from_genesis(Fork::Osaka);
    // Warm up: the first verification starts the helper threads and fills lazy tables.
    verify_stateless_new_payload(&input, &schedule).expect("an honest block");
    let pool = rayon::ThreadPoolBuilder::new().num_threads(1).build().expect("one thread");
    report("available_parallelism()", n, || {
        black_box(std::thread::available_parallelism().ok());
    });
    report("scoped thread: spawn + join, empty", n, || {
        std::thread::scope(|s| s.spawn(|| black_box(1)).join().expect("no panic"));
    });
    report("kept thread (rayon): hand-off, empty", n, || {
        pool.in_place_scope(|s| s.spawn(|_| black_box(())));
    });
    report("30 us + 30 us on a scoped thread", n, || {
        std::thread::scope(|s| {
            let h = s.spawn(|| spin(30));
            spin(30);
            h.join().expect("no panic");
        });
    });
    report("30 us + 30 us on a kept thread (rayon)", n, || {
        pool.in_place_scope(|s| {
            s.spawn(|_| spin(30));
            spin(30);
        });
    });
    report("verify_stateless_new_payload", n, || {
        black_box(verify_stateless_new_payload(&input, &schedule).is_ok());
    });
}
