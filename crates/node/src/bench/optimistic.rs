//! The L1 gas of the optimistic mode (`nr bench --optimistic`): an in-process dev L1 with
//! `OptimisticRollup` deployed, one generated L2 block proposed (calldata and bond), then
//! challenged, defended with EXECUTE and finalized, each step's gas measured.

use super::{
    BenchError,
    block::fill_and_produce,
    settle::SettlementL1,
    workload::{L2_GAS_LIMIT, L2_ID, SENDERS, TxGenerator, Workload, bench_spec, signer},
};
use alloy_eips::eip7685::Requests;
use alloy_primitives::{Address, U256};
use alloy_signer_local::PrivateKeySigner;
use alloy_sol_types::{SolCall, SolConstructor};
use nr_chain::{BlockOptions, Chain};
use nr_contracts::OptimisticRollup;
use nr_rollup::optimistic::{
    budget::DefendBudget,
    posted::{data_hash, posted_block},
};
use nr_stateless::{Fork, ForkSchedule, evm::PlainEthereum, memory::MemoryChain};
use serde::Serialize;
use std::sync::Arc;

/// Bonds of the benchmark's rollup (non-zero, so their transfers are in the figures).
const BOND: u64 = 1_000_000_000;

/// One block's optimistic L1 gas.
#[derive(Debug, Clone, Serialize)]
pub struct OptimisticRow {
    /// The workload.
    pub workload: Workload,
    /// Block size asked for, in Mgas.
    pub target_mgas: u64,
    /// Transactions in the block.
    pub txs: usize,
    /// Gas the block used.
    pub gas_used: u64,
    /// Bytes of the posted transactions.
    pub txs_bytes: usize,
    /// Bytes of the posted transactions after zstd (not posted so: a figure only).
    pub txs_zstd_bytes: usize,
    /// L1 gas of `propose` (one block per batch).
    pub propose_gas: u64,
    /// L1 gas of `finalize` of that block (bond returned).
    pub finalize_gas: u64,
    /// (propose + finalize) per L2 transaction: the cost without dispute.
    pub l1_gas_per_tx: f64,
    /// L1 gas of `challenge`.
    pub challenge_gas: u64,
    /// L1 gas of `defend` (EXECUTE's at-par charge included).
    pub defend_gas: u64,
    /// The sequencer's estimate of that gas (`DefendBudget`), which must not be below it.
    pub defend_estimate: u64,
}

/// Builds a block of about `mgas` million gas of `workload` and measures its optimistic
/// L1 gas: propose, challenge, defend (EXECUTE), finalize.
pub fn measure_optimistic(workload: Workload, mgas: u64) -> Result<OptimisticRow, BenchError> {
    let OptimisticSetup { l2, _l2_dir, mut l1, mut txs, .. } = setup(workload)?;
    let anchor = l1.chain.head();
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
    let block = produced.block;
    let posted = posted_block(&block, anchor.number);
    let raw: Vec<u8> = posted.transactions.iter().flat_map(|t| t.iter().copied()).collect();
    let zstd = zstd::encode_all(&raw[..], 3)?;
    let propose = l1.call(
        OptimisticRollup::proposeCall {
            blocks: vec![posted.clone()],
            parent: block.header.parent_hash,
            forcedFrom: 0,
        }
        .abi_encode(),
        U256::from(BOND),
    )?;
    let challenge =
        l1.call(OptimisticRollup::challengeCall { n: 1, batch: 1 }.abi_encode(), U256::from(BOND))?;
    // A one-block batch: its claim is its own root (empty proof).
    let claim = OptimisticRollup::Claim {
        parentHash: block.header.parent_hash,
        dataHash: data_hash(&posted),
        blockHash: posted.blockHash,
        stateRoot: posted.stateRoot,
        anchorHash: anchor.hash_slow(),
        anchorBlock: anchor.number,
        timestamp: posted.timestamp,
        forcedFrom: 0,
        forcedTo: 0,
        due: 0,
    };
    let witness = l2.witness(&produced.hash)?;
    let estimate = DefendBudget::defend_cost(L2_ID, &block, witness.clone())
        .map(|(gas, _)| gas)
        .unwrap_or_default();
    let input =
        MemoryChain::stateless_input(&block, witness, &Requests::default(), L2_ID)?.to_wire();
    let defend = l1.call(
        OptimisticRollup::defendCall {
            n: 1,
            batch: 1,
            claim,
            proof: vec![],
            posted,
            input: input.into(),
            delivery: Default::default(),
        }
        .abi_encode(),
        U256::ZERO,
    )?;
    // A defended block does not shorten its batch's challenge window.
    for _ in 0..WINDOW / 12 + 1 {
        l1.mine_empty()?;
    }
    let finalize = l1.call(OptimisticRollup::finalizeCall { upTo: 1 }.abi_encode(), U256::ZERO)?;
    let n = block.body.transactions.len();
    Ok(OptimisticRow {
        workload,
        target_mgas: mgas,
        txs: n,
        gas_used: block.header.gas_used,
        txs_bytes: raw.len(),
        txs_zstd_bytes: zstd.len(),
        propose_gas: propose,
        finalize_gas: finalize,
        l1_gas_per_tx: (propose + finalize) as f64 / n.max(1) as f64,
        challenge_gas: challenge,
        defend_gas: defend,
        defend_estimate: estimate,
    })
}

/// Challenge and response windows of the optimistic benches' rollup, in seconds (long:
/// nothing in a bench waits for them).
pub(super) const WINDOW: u64 = 1_000;

/// What both optimistic benches start from: the bench L2 at genesis and an L1 with an
/// `OptimisticRollup` of it deployed by `deployer`, and the transaction generator.
pub(super) struct OptimisticSetup {
    /// The L2 chain.
    pub l2: Chain,
    /// Its store's directory (removed on drop).
    pub _l2_dir: tempfile::TempDir,
    /// The L1 with the rollup.
    pub l1: SettlementL1,
    /// The rollup's deployer (and the benches' proposer).
    pub deployer: PrivateKeySigner,
    /// Transactions of the workload.
    pub txs: TxGenerator,
}

/// Opens the bench L2 for `workload` and deploys its `OptimisticRollup` on a fresh L1.
pub(super) fn setup(workload: Workload) -> Result<OptimisticSetup, BenchError> {
    let schedule = ForkSchedule::from_genesis(Fork::Prague);
    let deployer = signer(100_000);
    let senders: Vec<_> = (0..SENDERS).map(signer).collect();
    let rollup = deployer.address().create(0);
    let (spec, token, writer) = bench_spec(&schedule, &senders, rollup);
    let l2_dir = tempfile::tempdir()?;
    let l2 = Chain::open(&l2_dir.path().join("l2.redb"), spec, Arc::new(PlainEthereum))?;
    let genesis = l2.head();

    let ctor = OptimisticRollup::constructorCall {
        chainId_: L2_ID,
        gasLimit_: L2_GAS_LIMIT,
        genesisHash: genesis.hash_slow(),
        genesisStateRoot: genesis.state_root,
        proposer_: Address::ZERO,
        challengeWindow_: U256::from(WINDOW),
        responseWindow_: U256::from(WINDOW),
        proposerBond_: U256::from(BOND),
        challengerBond_: U256::from(BOND),
        maxTimestampLag_: U256::from(1u64 << 40),
        forcedDelay_: U256::from(8),
        inbox_: deployer.address().create(1),
    };
    let code = [OptimisticRollup::BYTECODE.to_vec(), ctor.abi_encode()].concat();
    let mut l1 = SettlementL1::deploy(&schedule, &genesis, deployer.clone(), code)?;
    // Its forced inbox, right after it (the rollup cannot propose before it exists).
    let inbox = nr_contracts::OptimisticInbox::constructorCall { rollup_: rollup };
    l1.create([nr_contracts::OptimisticInbox::BYTECODE.to_vec(), inbox.abi_encode()].concat())?;

    let txs = TxGenerator::new(workload, senders, token, writer);
    Ok(OptimisticSetup { l2, _l2_dir: l2_dir, l1, deployer, txs })
}
