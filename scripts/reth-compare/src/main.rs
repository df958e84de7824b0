//! Times reth's stateless validator (`reth_stateless::stateless_validation`) on the blocks
//! that `nr bench --export-dir DIR` wrote: each honest block must validate and the same
//! block with a tampered state root must be rejected with a post-state root mismatch.
//!
//! Usage: `reth-compare DIR [REPS]`. Prints one JSON object per block on stdout.

use alloy_genesis::{ChainConfig, Genesis};
use alloy_primitives::{B256, Bytes};
use alloy_rlp::Decodable;
use reth_chainspec::ChainSpec;
use reth_ethereum_primitives::Block;
use reth_evm_ethereum::EthEvmConfig;
use reth_stateless::{
    ExecutionWitness, UncompressedPublicKey, stateless_validation,
    validation::StatelessValidationError,
};
use serde::Deserialize;
use std::{path::Path, sync::Arc, time::Instant};

/// Fork activation times of the exported chain (all forks before Shanghai at block 0).
#[derive(Deserialize)]
struct Forks {
    shanghai_time: u64,
    cancun_time: Option<u64>,
    prague_time: Option<u64>,
    osaka_time: Option<u64>,
}

/// One exported block (the neutral form `nr bench --export-dir` writes).
#[derive(Deserialize)]
struct Exported {
    name: String,
    chain_id: u64,
    forks: Forks,
    block_rlp: Bytes,
    tampered_state_root: B256,
    witness: ExecutionWitness,
    public_keys: Vec<Bytes>,
}

/// A chain spec with every block-numbered fork and the merge at genesis and the exported
/// timestamp forks.
fn chain_spec(chain_id: u64, f: &Forks) -> Arc<ChainSpec> {
    let config = ChainConfig {
        chain_id,
        homestead_block: Some(0),
        eip150_block: Some(0),
        eip155_block: Some(0),
        eip158_block: Some(0),
        byzantium_block: Some(0),
        constantinople_block: Some(0),
        petersburg_block: Some(0),
        istanbul_block: Some(0),
        berlin_block: Some(0),
        london_block: Some(0),
        merge_netsplit_block: Some(0),
        terminal_total_difficulty: Some(Default::default()),
        terminal_total_difficulty_passed: true,
        shanghai_time: Some(f.shanghai_time),
        cancun_time: f.cancun_time,
        prague_time: f.prague_time,
        osaka_time: f.osaka_time,
        ..Default::default()
    };
    Arc::new(ChainSpec::from(Genesis { config, ..Default::default() }))
}

/// Median and minimum of `xs` (seconds), in ms.
fn median_min(mut xs: Vec<f64>) -> (f64, f64) {
    xs.sort_by(|a, b| a.total_cmp(b));
    let n = xs.len();
    let med = if n % 2 == 1 { xs[n / 2] } else { (xs[n / 2 - 1] + xs[n / 2]) / 2.0 };
    (med * 1e3, xs[0] * 1e3)
}

/// Runs the validator `reps` times on clones of the inputs (cloning is not timed).
fn time(
    reps: usize,
    block: &Block,
    keys: &[UncompressedPublicKey],
    witness: &ExecutionWitness,
    spec: &Arc<ChainSpec>,
    check: impl Fn(&Result<B256, StatelessValidationError>) -> bool,
) -> Result<Vec<f64>, String> {
    let mut times = Vec::with_capacity(reps);
    for _ in 0..reps {
        let (b, k, w) = (block.clone(), keys.to_vec(), witness.clone());
        let t = Instant::now();
        let r = stateless_validation(b, k, w, spec.clone(), EthEvmConfig::new(spec.clone()))
            .map(|(hash, _)| hash);
        let dt = t.elapsed().as_secs_f64();
        if !check(&r) {
            return Err(format!("unexpected result: {:?}", r.map_err(|e| e.to_string())));
        }
        times.push(dt);
    }
    Ok(times)
}

fn run_one(path: &Path, reps: usize) -> Result<serde_json::Value, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let x: Exported = serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    let spec = chain_spec(x.chain_id, &x.forks);
    let block = Block::decode(&mut x.block_rlp.as_ref()).map_err(|e| format!("block rlp: {e}"))?;
    let keys = x
        .public_keys
        .iter()
        .map(|k| <[u8; 65]>::try_from(k.as_ref()).map(UncompressedPublicKey))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|_| "public key is not 65 bytes".to_string())?;
    let mut tampered = block.clone();
    tampered.header.state_root = x.tampered_state_root;

    let valid = time(reps, &block, &keys, &x.witness, &spec, |r| r.is_ok())
        .map_err(|e| format!("{} honest: {e}", x.name))?;
    let bad = time(reps, &tampered, &keys, &x.witness, &spec, |r| {
        matches!(r, Err(StatelessValidationError::PostStateRootMismatch { .. }))
    })
    .map_err(|e| format!("{} tampered: {e}", x.name))?;
    let (valid_med, valid_min) = median_min(valid);
    let (bad_med, bad_min) = median_min(bad);
    Ok(serde_json::json!({
        "name": x.name,
        "txs": block.body.transactions.len(),
        "gas_used": block.header.gas_used,
        "valid_ms": valid_med,
        "valid_min_ms": valid_min,
        "tampered_ms": bad_med,
        "tampered_min_ms": bad_min,
        "reps": reps,
    }))
}

fn main() {
    let mut args = std::env::args().skip(1);
    let Some(dir) = args.next() else {
        eprintln!("usage: reth-compare DIR [REPS]");
        std::process::exit(2);
    };
    let reps = args.next().and_then(|r| r.parse().ok()).unwrap_or(5usize).max(1);
    let mut files: Vec<_> = match std::fs::read_dir(&dir) {
        Ok(rd) => rd
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| {
                p.extension().is_some_and(|e| e == "json")
                    && p.file_name().is_some_and(|n| n.to_string_lossy().starts_with("block-"))
            })
            .collect(),
        Err(e) => {
            eprintln!("{dir}: {e}");
            std::process::exit(1);
        }
    };
    files.sort();
    if files.is_empty() {
        eprintln!("{dir}: no block-*.json files");
        std::process::exit(1);
    }
    for f in files {
        match run_one(&f, reps) {
            Ok(v) => println!("{v}"),
            Err(e) => {
                eprintln!("{e}");
                std::process::exit(1);
            }
        }
    }
}
