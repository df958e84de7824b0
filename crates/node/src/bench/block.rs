//! One benchmark block measured both ways: stateful execution on an in-memory state
//! against stateless EXECUTE verification of its SSZ input, witness sizes, and the L1 gas
//! of settling it.

use super::{
    BenchError, BenchRow,
    settle::SettlementL1,
    workload::{L2_ID, SENDERS, TxGenerator, Workload, bench_spec, signer},
};
use alloy_eips::eip7685::Requests;
use nr_chain::{BlockOptions, Chain, Produced};
use nr_stateless::{
    Fork, ForkSchedule, block::execute_block_with, evm::NrEvmFactory, evm::PlainEthereum,
    memory::MemoryChain,
};
use std::{sync::Arc, time::Instant};

/// How a block is measured.
#[derive(Debug, Clone, Copy)]
pub struct MeasureOptions {
    /// Timed repetitions (the minimum is reported).
    pub reps: usize,
    /// Settle the block on an in-process L1 (for the L1 gas figures).
    pub settle: bool,
}

/// Seconds of the fastest of `reps` runs of `f`.
fn min_time(reps: usize, mut f: impl FnMut() -> Result<(), BenchError>) -> Result<f64, BenchError> {
    let mut best = f64::MAX;
    for _ in 0..reps.max(1) {
        let t = Instant::now();
        f()?;
        best = best.min(t.elapsed().as_secs_f64());
    }
    Ok(best)
}

/// L1 calldata gas of `bytes` (4 per zero byte, 16 per other byte).
fn calldata_gas(bytes: &[u8]) -> u64 {
    bytes.iter().map(|x| if *x == 0 { 4u64 } else { 16 }).sum()
}

/// Adds transactions of `txs` worth about `mgas` million gas to `l2`'s pool and produces a
/// block with `options`; every transaction must be included.
pub(super) fn fill_and_produce(
    l2: &Chain,
    txs: &mut TxGenerator,
    mgas: u64,
    options: &BlockOptions,
) -> Result<Produced, BenchError> {
    let target = mgas * 1_000_000;
    let (mut planned, mut i) = (0, 0);
    while planned < target * 97 / 100 {
        let (tx, estimate) = txs.tx(i)?;
        l2.add_transaction(tx).map_err(BenchError::L2Tx)?;
        planned += estimate;
        i += 1;
    }
    let produced = l2.produce_block_with(options)?;
    if !produced.skipped.is_empty() {
        return Err(BenchError::LeftOut {
            count: produced.skipped.len(),
            first: produced.skipped.first().cloned(),
        });
    }
    Ok(produced)
}

/// Builds a block of about `mgas` million gas of `workload` and measures it.
pub fn measure(
    workload: Workload,
    mgas: u64,
    opts: MeasureOptions,
) -> Result<BenchRow, BenchError> {
    // Prague: no EIP-7825 per-transaction cap, so a 60 Mgas block can be settled in one
    // transaction on the in-process L1 (whose block gas limit is raised for the bench).
    let schedule = ForkSchedule::from_genesis(Fork::Prague);
    let deployer = signer(100_000);
    let senders: Vec<_> = (0..SENDERS).map(signer).collect();
    let rollup = deployer.address().create(0);
    let (spec, token, writer) = bench_spec(&schedule, &senders, rollup);
    let l2_dir = tempfile::tempdir()?;
    let l2 = Chain::open(&l2_dir.path().join("l2.redb"), spec.clone(), Arc::new(PlainEthereum))?;
    let genesis = l2.head();
    let mut l1 =
        if opts.settle { Some(SettlementL1::new(&schedule, &genesis, deployer)?) } else { None };

    let mut txs = TxGenerator::new(workload, senders, token, writer);
    let anchor = l1.as_ref().map(|l1| l1.chain.head());
    let produced = fill_and_produce(
        &l2,
        &mut txs,
        mgas,
        &BlockOptions {
            timestamp: anchor.as_ref().map_or(genesis.timestamp + 12, |a| a.timestamp),
            parent_beacon_block_root: anchor.as_ref().map(|a| a.hash_slow()),
            fee_recipient: None,
        },
    )?;
    let block = produced.block;
    let tx_count = block.body.transactions.len();

    // Stateful: the same block on an in-memory state (every node in a hash map), with the
    // state root computed.
    let mut mem = MemoryChain::default();
    let root = mem.insert_alloc(spec.alloc().iter())?;
    let mem_genesis = spec.genesis_header(root);
    if mem_genesis.hash_slow() != genesis.hash_slow() {
        return Err(BenchError::GenesisDiffers);
    }
    mem.insert_header(mem_genesis.clone());
    let evm = NrEvmFactory::default();
    let stateful = min_time(opts.reps, || {
        execute_block_with(&block, &mem_genesis, &schedule, L2_ID, &mem.view(&mem_genesis), &evm)?;
        Ok(())
    })?;

    // Stateless: EXECUTE on the SSZ input (decode, L2 checks, witness, execution, roots).
    let witness = l2.witness(&produced.hash)?;
    let nodes = witness.state.len();
    let witness_bytes: usize =
        witness.state.iter().chain(&witness.codes).chain(&witness.headers).map(|b| b.len()).sum();
    let input =
        MemoryChain::stateless_input(&block, witness, &Requests::default(), L2_ID)?.to_wire();
    let stateless = min_time(opts.reps, || {
        nr_execute::execute(&input, &schedule).map_err(BenchError::Execute)?;
        Ok(())
    })?;
    let compressed = zstd::encode_all(&input[..], 3)?;

    // Settlement on the in-process L1 (the same contract code the devnet runs).
    let advance_gas = match &mut l1 {
        None => None,
        Some(l1) => Some(l1.advance_gas(&input)?),
    };
    let gas = block.header.gas_used as f64;
    Ok(BenchRow {
        workload,
        target_mgas: mgas,
        txs: tx_count,
        gas_used: block.header.gas_used,
        stateful_ms: stateful * 1e3,
        stateless_ms: stateless * 1e3,
        stateful_mgas_s: gas / 1e6 / stateful,
        stateless_mgas_s: gas / 1e6 / stateless,
        ratio: stateless / stateful,
        input_bytes: input.len(),
        input_zstd_bytes: compressed.len(),
        calldata_gas: calldata_gas(&input),
        zstd_calldata_gas: calldata_gas(&compressed),
        witness_nodes: nodes,
        witness_bytes_per_tx: witness_bytes as f64 / tx_count.max(1) as f64,
        witness_bytes_per_mgas: witness_bytes as f64 / (gas / 1e6),
        advance_l1_gas: advance_gas,
        l1_gas_per_tx: advance_gas.map(|g| g as f64 / tx_count.max(1) as f64),
        execute_gas: nr_execute::precompile::input_gas(input.len()) + block.header.gas_used,
        ethrex_rule_gas: block.header.gas_limit + 16 * (input.len() as u64 + 2),
    })
}
