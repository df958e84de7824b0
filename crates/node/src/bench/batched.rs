//! L1 gas per L2 transaction under batched settlement (issue 15): the same chain of L2
//! blocks settled with `advance` one block per L1 transaction (K = 1) and with
//! `advanceBatch` K blocks per transaction, on the in-process L1, with where the gas goes.

use super::{
    BenchError,
    block::fill_and_produce,
    settle::SettlementL1,
    workload::{L2_ID, SENDERS, TxGenerator, Workload, bench_spec, signer},
};
use alloy_eips::eip7685::Requests;
use nr_chain::{BlockOptions, Chain};
use nr_stateless::{
    Fork, ForkSchedule, evm::PlainEthereum, memory::MemoryChain, ssz::StatelessInput,
};
use serde::Serialize;
use std::sync::Arc;

/// One workload settled with K blocks per L1 transaction.
#[derive(Debug, Clone, Serialize)]
pub struct BatchRow {
    /// The workload.
    pub workload: Workload,
    /// Blocks per L1 transaction.
    pub k: usize,
    /// L2 blocks settled.
    pub blocks: usize,
    /// L2 transactions in them.
    pub txs: usize,
    /// L2 gas they used.
    pub l2_gas: u64,
    /// L1 gas of every settlement transaction.
    pub l1_gas: u64,
    /// L1 gas per L2 transaction.
    pub l1_gas_per_tx: f64,
    /// Of `l1_gas`: EXECUTE's at-par charge for the L2 gas (1 L1 gas per L2 gas).
    pub execute_l2_gas: u64,
    /// Of `l1_gas`: EXECUTE's other charges (per call, per input byte, per signature, per
    /// witness item and hashed word).
    pub execute_fixed_gas: u64,
    /// Of `l1_gas`: calldata (4 per zero byte, 16 per other byte of the inputs).
    pub calldata_gas: u64,
    /// Of `l1_gas`: intrinsic cost (21,000 per L1 transaction).
    pub intrinsic_gas: u64,
    /// The rest: the contract's own work per block (checks, storage, event, memory).
    pub contract_gas_per_block: f64,
}

/// L1 calldata gas of `bytes`.
fn calldata_gas(bytes: &[u8]) -> u64 {
    bytes.iter().map(|x| if *x == 0 { 4u64 } else { 16 }).sum()
}

/// `blocks` L2 blocks of about `mgas` million gas of `workload`, each anchored to its own
/// L1 block, settled K at a time for each K of `ks` (a fresh, identical L1 for each).
pub fn measure_batched(
    workload: Workload,
    mgas: u64,
    blocks: usize,
    ks: &[usize],
) -> Result<Vec<BatchRow>, BenchError> {
    let schedule = ForkSchedule::from_genesis(Fork::Prague);
    let deployer = signer(100_000);
    let senders: Vec<_> = (0..SENDERS).map(signer).collect();
    let rollup = deployer.address().create(0);
    let (spec, token, writer) = bench_spec(&schedule, &senders, rollup);
    let l2_dir = tempfile::tempdir()?;
    let l2 = Chain::open(&l2_dir.path().join("l2.redb"), spec.clone(), Arc::new(PlainEthereum))?;
    let genesis = l2.head();
    let mut l1 = SettlementL1::new(&schedule, &genesis, deployer.clone())?;
    let mut txs = TxGenerator::new(workload, senders, token, writer);
    let (mut inputs, mut anchors, mut tx_count, mut l2_gas) = (vec![], vec![], 0, 0);
    for _ in 0..blocks {
        let anchor = l1.mine_empty()?;
        let produced = fill_and_produce(
            &l2,
            &mut txs,
            mgas,
            &BlockOptions {
                timestamp: anchor.timestamp,
                parent_beacon_block_root: Some(anchor.hash_slow()),
                fee_recipient: None,
            },
        )?;
        tx_count += produced.block.body.transactions.len();
        l2_gas += produced.block.header.gas_used;
        let witness = l2.witness(&produced.hash)?;
        let input =
            MemoryChain::stateless_input(&produced.block, witness, &Requests::default(), L2_ID)?
                .to_wire();
        inputs.push(input);
        anchors.push(anchor.number);
    }
    let execute_fixed_gas: u64 = inputs
        .iter()
        .map(|i| {
            let si = StatelessInput::from_wire(i).map_err(BenchError::Ssz)?;
            Ok(nr_execute::precompile::fixed_gas(&si, i.len()))
        })
        .sum::<Result<u64, BenchError>>()?;
    let calldata: u64 = inputs.iter().map(|i| calldata_gas(i)).sum();
    let mut rows = vec![];
    for &k in ks {
        // The same L1 history as the one the blocks were anchored to.
        let mut l1 = SettlementL1::new(&schedule, &genesis, deployer.clone())?;
        for a in &anchors {
            let h = l1.mine_empty()?;
            debug_assert_eq!(h.number, *a);
        }
        let mut l1_gas = 0;
        let mut sent = 0;
        for (ins, ans) in inputs.chunks(k.max(1)).zip(anchors.chunks(k.max(1))) {
            l1_gas += if ins.len() == 1 {
                l1.advance_gas_at(&ins[0], ans[0])?
            } else {
                l1.advance_batch_gas(ins, ans)?
            };
            sent += 1;
        }
        let intrinsic = 21_000 * sent;
        let rest = l1_gas.saturating_sub(l2_gas + execute_fixed_gas + calldata + intrinsic);
        rows.push(BatchRow {
            workload,
            k,
            blocks,
            txs: tx_count,
            l2_gas,
            l1_gas,
            l1_gas_per_tx: l1_gas as f64 / tx_count.max(1) as f64,
            execute_l2_gas: l2_gas,
            execute_fixed_gas,
            calldata_gas: calldata,
            intrinsic_gas: intrinsic,
            contract_gas_per_block: rest as f64 / blocks as f64,
        });
    }
    Ok(rows)
}
