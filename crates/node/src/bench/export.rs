//! Side by side with another client's stateless validator: builds Osaka benchmark blocks,
//! writes each in a neutral form (RLP block, `debug_executionWitness` JSON, signer public
//! keys, chain id and fork schedule) for the other side to read
//! (`scripts/reth-compare`), and times our [`verify_stateless_new_payload`] on the same
//! blocks, honest and with a tampered state root.

use super::{
    BenchError,
    block::fill_and_produce,
    workload::{L2_ID, SENDERS, TxGenerator, Workload, bench_spec, signer},
};
use alloy_consensus::Block;
use alloy_eips::eip7685::Requests;
use alloy_genesis::GenesisAccount;
use alloy_primitives::{Address, B256, U256, keccak256};
use nr_chain::{BlockOptions, Chain};
use nr_stateless::{
    BlockError, Fork, ForkSchedule, memory::MemoryChain, ssz::StatelessInput,
    stateless::{StatelessError, verify_stateless_new_payload},
};
use serde::Serialize;
use std::{path::PathBuf, sync::Arc, time::Instant};

/// How the blocks of a side-by-side run are built and timed.
#[derive(Debug, Clone)]
pub struct ExportOptions {
    /// Directory the blocks are written to (created if missing).
    pub dir: PathBuf,
    /// Timed repetitions per block and case (the median is reported).
    pub reps: usize,
    /// Extra prefunded accounts in the genesis (0: the small-state chain).
    pub prefill: usize,
}

/// Our timings of one exported block.
#[derive(Debug, Clone, Serialize)]
pub struct ExportRow {
    /// The file stem the block was written to (`block-<name>.json`), joined on by the
    /// comparison script.
    pub name: String,
    /// The workload.
    pub workload: Workload,
    /// Block size asked for, in Mgas.
    pub target_mgas: u64,
    /// Extra prefunded accounts in the genesis.
    pub prefill: usize,
    /// Transactions in the block.
    pub txs: usize,
    /// Gas the block used.
    pub gas_used: u64,
    /// Median time to validate the honest block, in ms.
    pub valid_ms: f64,
    /// Fastest time to validate the honest block, in ms.
    pub valid_min_ms: f64,
    /// Median time to reject the block with a tampered state root, in ms.
    pub tampered_ms: f64,
    /// Fastest time to reject the block with a tampered state root, in ms.
    pub tampered_min_ms: f64,
}

/// A deterministic prefilled account (never one of the senders or the transfer targets).
fn prefilled(i: usize) -> Address {
    let mut seed = b"nr bench prefill".to_vec();
    seed.extend((i as u64).to_be_bytes());
    Address::from_word(keccak256(seed))
}

/// Median and minimum of `reps` runs of `f` (each must return `Ok`), in ms.
fn time(
    reps: usize,
    what: &'static str,
    mut f: impl FnMut() -> Result<(), String>,
) -> Result<(f64, f64), BenchError> {
    let mut xs = Vec::with_capacity(reps.max(1));
    for _ in 0..reps.max(1) {
        let t = Instant::now();
        let r = f();
        let dt = t.elapsed().as_secs_f64();
        r.map_err(|got| BenchError::UnexpectedVerdict { case: what, got })?;
        xs.push(dt * 1e3);
    }
    xs.sort_by(f64::total_cmp);
    let n = xs.len();
    let med = if n % 2 == 1 { xs[n / 2] } else { (xs[n / 2 - 1] + xs[n / 2]) / 2.0 };
    Ok((med, xs[0]))
}

/// The input of `block` (one signer key per transaction, no requests).
fn input_of(
    block: &Block<alloy_consensus::TxEnvelope>,
    witness: nr_stateless::ssz::ExecutionWitness,
) -> Result<StatelessInput, BenchError> {
    Ok(MemoryChain::stateless_input(block, witness, &Requests::default(), L2_ID)?)
}

/// Builds an Osaka block of about `mgas` million gas of `workload` on a fresh chain
/// (with `opts.prefill` extra accounts), writes it to `opts.dir`, and times our verifier
/// on it: the honest block must validate, the one with a tampered state root must fail
/// on the state root after executing.
pub fn export_block(
    workload: Workload,
    mgas: u64,
    opts: &ExportOptions,
) -> Result<ExportRow, BenchError> {
    let schedule = ForkSchedule::from_genesis(Fork::Osaka);
    let senders: Vec<_> = (0..SENDERS).map(signer).collect();
    let (mut spec, token, writer) = bench_spec(&schedule, &senders, signer(100_000).address());
    for i in 0..opts.prefill {
        spec.genesis
            .alloc
            .insert(prefilled(i), GenesisAccount::default().with_balance(U256::from(1)));
    }
    let l2_dir = tempfile::tempdir()?;
    let l2 = Chain::open(
        &l2_dir.path().join("l2.redb"),
        spec.clone(),
        Arc::new(nr_stateless::evm::PlainEthereum),
    )?;
    let genesis = l2.head();
    let mut txs = TxGenerator::new(workload, senders, token, writer);
    let produced = fill_and_produce(
        &l2,
        &mut txs,
        mgas,
        &BlockOptions {
            timestamp: genesis.timestamp + 12,
            parent_beacon_block_root: None,
            fee_recipient: None,
        },
    )?;
    let block = produced.block;
    let witness = l2.witness(&produced.hash)?;

    let mut tampered = block.clone();
    tampered.header.state_root = keccak256(block.header.state_root);
    let honest_input = input_of(&block, witness.clone())?;
    let tampered_input = input_of(&tampered, witness.clone())?;

    let state = if opts.prefill == 0 { "small".to_string() } else { opts.prefill.to_string() };
    let name = format!("{state}-{}-{mgas:03}mgas", workload.name());
    let doc = serde_json::json!({
        "name": name,
        "chain_id": L2_ID,
        "forks": {
            "shanghai_time": 0,
            "cancun_time": schedule.cancun_time,
            "prague_time": schedule.prague_time,
            "osaka_time": schedule.osaka_time,
        },
        "block_rlp": alloy_primitives::Bytes::from(alloy_rlp::encode(&block)),
        "block_hash": produced.hash,
        "state_root": block.header.state_root,
        "tampered_state_root": tampered.header.state_root,
        "witness": {
            "state": witness.state,
            "codes": witness.codes,
            "keys": Vec::<B256>::new(),
            "headers": witness.headers,
        },
        "public_keys": honest_input.public_keys,
    });
    std::fs::create_dir_all(&opts.dir)?;
    std::fs::write(opts.dir.join(format!("block-{name}.json")), serde_json::to_vec(&doc)?)?;

    let (valid_ms, valid_min_ms) = time(opts.reps, "honest block", || {
        verify_stateless_new_payload(&honest_input, &schedule)
            .map(|_| ())
            .map_err(|e| e.to_string())
    })?;
    let (tampered_ms, tampered_min_ms) = time(opts.reps, "tampered block", || {
        match verify_stateless_new_payload(&tampered_input, &schedule) {
            Err(StatelessError::Block(BlockError::Header(m))) if m.field == "state_root" => Ok(()),
            other => Err(format!("expected a state_root mismatch, got {other:?}")),
        }
    })?;
    Ok(ExportRow {
        name,
        workload,
        target_mgas: mgas,
        prefill: opts.prefill,
        txs: block.body.transactions.len(),
        gas_used: block.header.gas_used,
        valid_ms,
        valid_min_ms,
        tampered_ms,
        tampered_min_ms,
    })
}
