//! Adversarial EXECUTE inputs: blocks built to make the verifier do as much CPU work as
//! possible per L1 gas charged (many tiny transactions, a maximal witness, many tiny
//! witness items, deep storage paths, maximal code, a block that fails its last check),
//! timed through the precompile's full path (decode, gas rule, verification) and set next
//! to ordinary L1 execution's time per gas on the same machine.

use super::{
    BenchError,
    block::fill_and_produce,
    workload::{L2_ID, SENDERS, TxGenerator, Workload, bench_spec, signer},
};
use alloy_consensus::{
    Block, Header, Transaction as _, TxEnvelope, proofs::calculate_transaction_root,
};
use alloy_eips::{Decodable2718, eip7685::Requests};
use alloy_genesis::GenesisAccount;
use alloy_primitives::{Address, B256, Bytes, TxKind, U256, keccak256};
use nr_chain::{BlockOptions, Chain, Eip1559Builder};
use nr_execute::precompile::{
    EXECUTE_BASE_GAS, EXECUTE_GAS_PER_INPUT_BYTE, ExecuteGasParams, ExecuteMarket, ExecuteOutcome,
    execute_call, required_gas,
};
use nr_stateless::{
    Fork, ForkSchedule,
    block::execute_block_with,
    evm::{NrEvmFactory, PlainEthereum},
    memory::MemoryChain,
    ssz::StatelessInput,
};
use serde::Serialize;
use std::{sync::Arc, time::Instant};

/// Zero-gas transactions in the signature-flood block.
const FLOOD_TXS: usize = 5_000;
/// Unreferenced 1,024-byte nodes added to the maximal-witness block.
const BIG_NODES: usize = 2_000;
/// Empty witness items added to the tiny-items block.
const TINY_ITEMS: usize = 100_000;
/// Storage slots of the deep-paths contract (a storage trie ~4-5 branch levels deep).
const DEEP_SLOTS: u64 = 1 << 17;
/// Cold slots read by the deep-paths transaction.
const DEEP_READS: u64 = 4_000;
/// 24 KB contracts called by the maximal-code transaction.
const BIG_CODES: u64 = 200;
/// First address of the 24 KB contracts.
const BIG_CODE_BASE: u64 = 0xc000;
/// Key index of the deep-paths caller.
const DEEP_CALLER: usize = 20_000;
/// Key index of the maximal-code caller.
const CODE_CALLER: usize = 20_001;
/// Address of the deep-paths reader.
const READER: u64 = 0xe5;
/// Address of the 24 KB contract prober.
const PROBER: u64 = 0xe6;

/// `for i in 0..calldata[0] { sload(i) }`.
const READER_CODE: [u8; 21] = [
    0x5f, 0x5b, 0x5f, 0x35, 0x81, 0x10, 0x15, 0x60, 0x13, 0x57, 0x80, 0x54, 0x50, 0x60, 0x01, 0x01,
    0x60, 0x01, 0x56, 0x5b, 0x00,
];
/// `for i in 0..calldata[0] { call(gas, 0xc000 + i, 0, 0, 0, 0, 0) }`.
const PROBER_CODE: [u8; 31] = [
    0x5f, 0x5b, 0x5f, 0x35, 0x81, 0x10, 0x15, 0x60, 0x1d, 0x57, 0x5f, 0x5f, 0x5f, 0x5f, 0x5f, 0x85,
    0x61, 0xc0, 0x00, 0x01, 0x5a, 0xf1, 0x50, 0x60, 0x01, 0x01, 0x60, 0x01, 0x56, 0x5b, 0x00,
];

/// One adversarial input, timed through EXECUTE.
#[derive(Debug, Clone, Serialize)]
pub struct AdversarialRow {
    /// Short name of the attack.
    pub case: &'static str,
    /// Transactions in the block.
    pub txs: usize,
    /// Wire bytes of the input.
    pub input_bytes: usize,
    /// Whether the block verifies (a failing input pays all the gas it was given).
    pub valid: bool,
    /// Why it failed, if it did.
    pub failure: Option<String>,
    /// L1 gas EXECUTE charges: on success the charged gas, on failure the gas it requires
    /// (the least a caller can give it), all of which is kept.
    pub charged_gas: u64,
    /// The same under the rule before issue 12 (`50,000 + 2 per byte + min(Σ tx gas limits,
    /// gas limit)`, or `gas_used` on success).
    pub old_rule_gas: u64,
    /// Fastest wall time of the EXECUTE call, in ms.
    pub wall_ms: f64,
    /// Least process CPU time (all threads) of a run, in ms.
    pub cpu_ms: f64,
    /// Wall nanoseconds per charged gas.
    pub wall_ns_per_gas: f64,
    /// CPU nanoseconds per charged gas.
    pub cpu_ns_per_gas: f64,
    /// CPU nanoseconds per gas under the old rule.
    pub old_cpu_ns_per_gas: f64,
}

/// Ordinary L1 execution of one block: stateful execution (signatures recovered on one
/// core, state in memory, every commitment checked) per gas used.
#[derive(Debug, Clone, Serialize)]
pub struct ReferenceRow {
    /// The workload.
    pub workload: Workload,
    /// Gas the block used.
    pub gas_used: u64,
    /// Fastest wall time, in ms.
    pub wall_ms: f64,
    /// Least process CPU time of a run, in ms.
    pub cpu_ms: f64,
    /// Wall nanoseconds per gas.
    pub wall_ns_per_gas: f64,
    /// CPU nanoseconds per gas.
    pub cpu_ns_per_gas: f64,
}

/// The adversarial rows and the ordinary rows they are compared with.
#[derive(Debug, Clone, Serialize)]
pub struct AdversarialReport {
    /// Ordinary L1 execution (stateful) per gas.
    pub reference: Vec<ReferenceRow>,
    /// The adversarial inputs.
    pub rows: Vec<AdversarialRow>,
}

/// CPU time of the whole process, every thread included (also threads that have ended),
/// in seconds; 0 off Linux.
fn process_cpu() -> f64 {
    #[cfg(target_os = "linux")]
    {
        let t = rustix::time::clock_gettime(rustix::time::ClockId::ProcessCPUTime);
        t.tv_sec as f64 + t.tv_nsec as f64 * 1e-9
    }
    #[cfg(not(target_os = "linux"))]
    0.0
}

/// Runs `f` `reps` times; the fastest wall time and the least process CPU time of a run,
/// in seconds (minimums filter out the runs other processes slowed down).
fn time_min<T>(
    reps: usize,
    mut f: impl FnMut() -> Result<T, BenchError>,
) -> Result<(f64, f64, T), BenchError> {
    let (mut wall, mut cpu) = (f64::MAX, f64::MAX);
    let mut last = None;
    for _ in 0..reps.max(1) {
        let (t, c) = (Instant::now(), process_cpu());
        let out = f()?;
        wall = wall.min(t.elapsed().as_secs_f64());
        cpu = cpu.min(process_cpu() - c);
        last = Some(out);
    }
    let last = last.ok_or(BenchError::NoTransactions)?;
    Ok((wall, cpu, last))
}

/// The L2 chain of the adversarial blocks: the benchmark genesis plus the deep-paths reader
/// (with [`DEEP_SLOTS`] slots) and [`BIG_CODES`] 24 KB contracts with their prober.
struct Fixture {
    schedule: ForkSchedule,
    l2: Chain,
    /// The same chain in memory, for stateful execution.
    mem: MemoryChain,
    /// The head's header.
    head: Header,
    token: Address,
    writer: Address,
    /// Workload blocks made so far (each uses its own senders).
    workloads: usize,
    _dir: tempfile::TempDir,
}

/// A block produced by the fixture, with its parent and stateless input.
struct Made {
    block: Block<TxEnvelope>,
    parent: Header,
    input: StatelessInput,
}

impl Fixture {
    fn new() -> Result<Self, BenchError> {
        let schedule = ForkSchedule::from_genesis(Fork::Prague);
        // One set of SENDERS funded keys per workload block (nonces start at 0 in each).
        // Plus the callers of the deep-paths and maximal-code transactions.
        let senders: Vec<_> =
            (0..3 * SENDERS).chain([DEEP_CALLER, CODE_CALLER]).map(signer).collect();
        let (mut spec, token, writer) =
            bench_spec(&schedule, &senders, Address::with_last_byte(0x01));
        let storage = (0..DEEP_SLOTS)
            .map(|i| (B256::from(U256::from(i)), B256::from(U256::from(i + 1))))
            .collect();
        spec.genesis.alloc.insert(
            Address::from_word(B256::from(U256::from(READER))),
            GenesisAccount::default()
                .with_code(Some(Bytes::from_static(&READER_CODE)))
                .with_storage(Some(storage)),
        );
        spec.genesis.alloc.insert(
            Address::from_word(B256::from(U256::from(PROBER))),
            GenesisAccount::default().with_code(Some(Bytes::from_static(&PROBER_CODE))),
        );
        for i in 0..BIG_CODES {
            // STOP, then JUMPDESTs (analysed on load), made unique by the index.
            let mut code = vec![0x5b; 24_576];
            code[0] = 0x00;
            code[1..9].copy_from_slice(&i.to_be_bytes());
            spec.genesis.alloc.insert(
                Address::from_word(B256::from(U256::from(BIG_CODE_BASE + i))),
                GenesisAccount::default().with_code(Some(code.into())),
            );
        }
        let dir = tempfile::tempdir()?;
        let l2 = Chain::open(&dir.path().join("l2.redb"), spec.clone(), Arc::new(PlainEthereum))?;
        let mut mem = MemoryChain::default();
        let root = mem.insert_alloc(spec.alloc().iter())?;
        let head = spec.genesis_header(root);
        if head.hash_slow() != l2.head().hash_slow() {
            return Err(BenchError::GenesisDiffers);
        }
        mem.insert_header(head.clone());
        Ok(Self { schedule, l2, mem, head, token, writer, workloads: 0, _dir: dir })
    }

    /// Records a block the L2 chain produced: imports it into memory, returns its input.
    fn made(&mut self, block: Block<TxEnvelope>, hash: B256) -> Result<Made, BenchError> {
        self.mem.import(&block, &self.schedule, L2_ID).result?;
        let witness = self.l2.witness(&hash)?;
        let input = MemoryChain::stateless_input(&block, witness, &Requests::default(), L2_ID)?;
        let parent = std::mem::replace(&mut self.head, block.header.clone());
        Ok(Made { block, parent, input })
    }

    /// Stateful execution of `m` (ordinary L1 execution), timed `reps` times.
    fn stateful(
        &self,
        workload: Workload,
        m: &Made,
        reps: usize,
    ) -> Result<ReferenceRow, BenchError> {
        let evm = NrEvmFactory::default();
        let view = self.mem.view(&m.parent);
        let (wall, cpu, ()) = time_min(reps, || {
            execute_block_with(&m.block, &m.parent, &self.schedule, L2_ID, &view, &evm)?;
            Ok(())
        })?;
        let gas = m.block.header.gas_used as f64;
        Ok(ReferenceRow {
            workload,
            gas_used: m.block.header.gas_used,
            wall_ms: wall * 1e3,
            cpu_ms: cpu * 1e3,
            wall_ns_per_gas: wall * 1e9 / gas,
            cpu_ns_per_gas: cpu * 1e9 / gas,
        })
    }

    fn options(&self) -> BlockOptions {
        BlockOptions {
            timestamp: self.l2.head().timestamp + 12,
            parent_beacon_block_root: None,
            fee_recipient: None,
        }
    }

    /// Produces the next block from `txs` (all must be included).
    fn produce(&mut self, txs: Vec<TxEnvelope>) -> Result<Made, BenchError> {
        for tx in txs {
            self.l2.add_transaction(tx).map_err(BenchError::L2Tx)?;
        }
        let produced = self.l2.produce_block_with(&self.options())?;
        if !produced.skipped.is_empty() {
            return Err(BenchError::LeftOut {
                count: produced.skipped.len(),
                first: produced.skipped.first().cloned(),
            });
        }
        self.made(produced.block, produced.hash)
    }

    /// A block of `mgas` million gas of `workload` (the chain advances by it); at most three.
    fn workload(&mut self, workload: Workload, mgas: u64) -> Result<Made, BenchError> {
        let first = self.workloads * SENDERS;
        self.workloads += 1;
        let senders: Vec<_> = (first..first + SENDERS).map(signer).collect();
        let mut txs = TxGenerator::new(workload, senders, self.token, self.writer);
        let produced = fill_and_produce(&self.l2, &mut txs, mgas, &self.options())?;
        self.made(produced.block, produced.hash)
    }

    /// One call from a fresh key to `to` with `data` and `gas`.
    fn call(&self, key: usize, to: u64, n: u64, gas: u64) -> Result<TxEnvelope, BenchError> {
        let data = Bytes::from(U256::from(n).to_be_bytes::<32>().to_vec());
        let to = Address::from_word(B256::from(U256::from(to)));
        Ok(Eip1559Builder::new(L2_ID, 0, TxKind::Call(to))
            .input(data)
            .gas_limit(gas)
            .fees(50_000_000_000, 1_000_000_000)
            .sign(&signer(key))?)
    }
}

/// Replaces the transactions of the block `input` describes with `txs` (roots, block hash
/// and public keys recomputed, witness kept): what a dishonest prover can send.
fn with_transactions(
    input: &StatelessInput,
    txs: Vec<TxEnvelope>,
) -> Result<StatelessInput, BenchError> {
    let mut block =
        nr_stateless::stateless::new_payload_to_block(&input.new_payload_request, Fork::Prague)?;
    block.header.transactions_root = calculate_transaction_root(&txs);
    block.body.transactions = txs;
    Ok(MemoryChain::stateless_input(&block, input.witness.clone(), &Requests::default(), L2_ID)?)
}

/// The input with its header's state root changed (block hash recomputed): everything is
/// executed, the last comparison fails.
fn with_wrong_state_root(input: &StatelessInput) -> Result<StatelessInput, BenchError> {
    let mut block =
        nr_stateless::stateless::new_payload_to_block(&input.new_payload_request, Fork::Prague)?;
    block.header.state_root = keccak256(block.header.state_root);
    Ok(MemoryChain::stateless_input(&block, input.witness.clone(), &Requests::default(), L2_ID)?)
}

/// The charge of `input` under the rule before issue 12.
fn old_rule_gas(input: &StatelessInput, wire_len: usize, valid: bool) -> u64 {
    let p = &input.new_payload_request.execution_payload;
    let l2 = if valid {
        p.gas_used
    } else {
        p.transactions
            .iter()
            .map(|raw| TxEnvelope::decode_2718(&mut raw.as_ref()).map_or(0, |t| t.gas_limit()))
            .fold(0u64, u64::saturating_add)
            .min(p.gas_limit)
    };
    EXECUTE_BASE_GAS + EXECUTE_GAS_PER_INPUT_BYTE * wire_len as u64 + l2
}

/// Times `input` through the precompile `reps` times, given exactly the gas it requires.
fn time_case(
    case: &'static str,
    input: &StatelessInput,
    schedule: &ForkSchedule,
    reps: usize,
) -> Result<AdversarialRow, BenchError> {
    let wire = input.to_wire();
    let given = required_gas(input, wire.len(), 1, 1);
    let params = ExecuteGasParams { limit: u64::MAX / 4, target: u64::MAX / 8 };
    let (wall, cpu, last) = time_min(reps, || {
        let market = ExecuteMarket::new(params, 1, 1);
        Ok(execute_call(&wire, given, schedule, &market))
    })?;
    let (valid, failure, charged) = match last {
        ExecuteOutcome::Success { gas, .. } => (true, None, gas),
        ExecuteOutcome::Failed(e) => (false, Some(e.to_string()), given),
        other => {
            return Err(BenchError::UnexpectedVerdict { case, got: format!("{other:?}") });
        }
    };
    let old = old_rule_gas(input, wire.len(), valid);
    Ok(AdversarialRow {
        case,
        txs: input.new_payload_request.execution_payload.transactions.len(),
        input_bytes: wire.len(),
        valid,
        failure,
        charged_gas: charged,
        old_rule_gas: old,
        wall_ms: wall * 1e3,
        cpu_ms: cpu * 1e3,
        wall_ns_per_gas: wall * 1e9 / charged as f64,
        cpu_ns_per_gas: cpu * 1e9 / charged as f64,
        old_cpu_ns_per_gas: cpu * 1e9 / old as f64,
    })
}

/// Builds every adversarial input, times each through EXECUTE (least wall and CPU time of
/// `reps` runs), and times ordinary stateful execution of ~10 Mgas transfer
/// and ERC-20 blocks on the same chain.
pub fn adversarial(reps: usize) -> Result<AdversarialReport, BenchError> {
    let mut f = Fixture::new()?;
    let mut reference = vec![];
    let mut rows = vec![];
    let transfers = f.workload(Workload::Transfers, 10)?;
    reference.push(f.stateful(Workload::Transfers, &transfers, reps)?);
    let erc20_big = f.workload(Workload::Erc20, 10)?;
    reference.push(f.stateful(Workload::Erc20, &erc20_big, reps)?);
    let s = &f.schedule;
    rows.push(time_case("ordinary ERC-20 transfers (valid, 10 Mgas)", &erc20_big.input, s, reps)?);
    rows.push(time_case("minimal transfers (valid, 10 Mgas)", &transfers.input, s, reps)?);
    let flood: Vec<TxEnvelope> = (0..FLOOD_TXS)
        .map(|i| {
            Eip1559Builder::new(L2_ID, 0, TxKind::Call(Address::ZERO))
                .gas_limit(0)
                .fees(50_000_000_000, 1_000_000_000)
                .sign(&signer(10_000 + i))
        })
        .collect::<Result<_, _>>()?;
    let flood = with_transactions(&transfers.input, flood)?;
    rows.push(time_case("zero-gas signature flood", &flood, s, reps)?);
    rows.push(time_case(
        "invalid at the end (state root, 10 Mgas transfers)",
        &with_wrong_state_root(&transfers.input)?,
        s,
        reps,
    )?);

    let erc20 = f.workload(Workload::Erc20, 1)?.input;
    let mut big = erc20.clone();
    big.witness.state.extend((0..BIG_NODES).map(|i| {
        let seed = keccak256((i as u64).to_be_bytes());
        Bytes::from(seed.iter().cycle().take(1_024).copied().collect::<Vec<u8>>())
    }));
    rows.push(time_case("maximal witness (+2,000 nodes of 1,024 B)", &big, &f.schedule, reps)?);
    let mut tiny = erc20.clone();
    tiny.witness.state.extend((0..TINY_ITEMS).map(|_| Bytes::new()));
    rows.push(time_case("tiny witness items (+100,000 empty)", &tiny, &f.schedule, reps)?);

    let call = f.call(DEEP_CALLER, READER, DEEP_READS, 10_000_000)?;
    let deep = f.produce(vec![call])?.input;
    rows.push(time_case("deep storage paths (4,000 cold SLOADs)", &deep, &f.schedule, reps)?);
    let call = f.call(CODE_CALLER, PROBER, BIG_CODES, 2_000_000)?;
    let code = f.produce(vec![call])?.input;
    rows.push(time_case("maximal code (200 x 24 KB contracts)", &code, &f.schedule, reps)?);
    rows.push(time_case(
        "maximal code, invalid at the end",
        &with_wrong_state_root(&code)?,
        &f.schedule,
        reps,
    )?);
    Ok(AdversarialReport { reference, rows })
}
