//! `nr bench`: stateless EXECUTE verification against stateful execution, witness sizes,
//! and the L1 gas of settling each block, over generated L2 workloads.

use alloy_consensus::{Header, SignableTransaction, TxEip1559, TxEnvelope};
use alloy_eips::eip7685::Requests;
use alloy_primitives::{Address, B256, Bytes, TxKind, U256, keccak256};
use alloy_signer::SignerSync;
use alloy_signer_local::PrivateKeySigner;
use alloy_sol_types::{SolCall, SolConstructor};
use eyre::{Result, bail, eyre};
use nr_chain::{BlockOptions, CallOutcome, CallRequest, Chain, spec::ChainSpec};
use nr_contracts::{NativeRollup, TestToken, l2_genesis};
use nr_execute::precompile::{ExecuteGasParams, L1Hooks};
use nr_stateless::{
    Fork, ForkSchedule, block::execute_block_with, evm::NrEvmFactory, evm::PlainEthereum,
    memory::MemoryChain,
};
use serde::Serialize;
use std::{sync::Arc, time::Instant};

/// Options of `nr bench`.
#[derive(clap::Args, Debug, Clone)]
pub struct BenchArgs {
    /// Workloads: transfers, erc20, storage, deploy, mixed (comma separated).
    #[arg(long, default_value = "transfers,erc20,storage,deploy,mixed")]
    pub workloads: String,
    /// Block sizes in Mgas (comma separated).
    #[arg(long, default_value = "1,10,30,60")]
    pub sizes: String,
    /// Timed repetitions per block (the minimum is reported).
    #[arg(long, default_value_t = 5)]
    pub reps: usize,
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
    /// Skip settling on an in-process L1 (no L1 gas figures).
    #[arg(long)]
    pub no_settle: bool,
    /// Also run the services benchmark with this many L2 transfers (0: skip): sequencer
    /// throughput through JSON-RPC with settlement on, then follower sync speed.
    #[arg(long, default_value_t = 10_000)]
    pub services: usize,
}

/// One measured block.
#[derive(Debug, Clone, Serialize)]
pub struct BenchRow {
    workload: String,
    target_mgas: u64,
    txs: usize,
    gas_used: u64,
    stateful_ms: f64,
    stateless_ms: f64,
    stateful_mgas_s: f64,
    stateless_mgas_s: f64,
    ratio: f64,
    input_bytes: usize,
    input_zstd_bytes: usize,
    calldata_gas: u64,
    zstd_calldata_gas: u64,
    witness_nodes: usize,
    witness_bytes_per_tx: f64,
    witness_bytes_per_mgas: f64,
    advance_l1_gas: Option<u64>,
    l1_gas_per_tx: Option<f64>,
    /// EXECUTE gas under our rule (charged on success).
    execute_gas: u64,
    /// EXECUTE gas under ethrex-levm 31's rule for the same block: block gas limit + 16
    /// per input byte (its input is 2 bytes longer: the schema-id prefix).
    ethrex_rule_gas: u64,
}

/// `for i in 0..calldata[0] { sstore(calldata[32] + i, i + 1) }`: fresh slots per call.
const WRITER: &str = "6020355f355f5b81811015601c5780600101818401556001016006565b00";
const L2_ID: u64 = 8079;
const L2_GAS_LIMIT: u64 = 120_000_000;
const SENDERS: usize = 400;

fn signer(i: usize) -> PrivateKeySigner {
    let mut k = [0x5au8; 32];
    k[28..].copy_from_slice(&(i as u32 + 1).to_be_bytes());
    PrivateKeySigner::from_bytes(&k.into()).expect("key")
}

struct Workload {
    kind: String,
    senders: Vec<PrivateKeySigner>,
    nonces: Vec<u64>,
    token: Address,
    writer: Address,
    next: usize,
}

impl Workload {
    fn tx(&mut self, i: usize) -> (TxEnvelope, u64) {
        let kind = match self.kind.as_str() {
            "mixed" => ["transfers", "erc20", "storage", "deploy"][i % 4],
            k => k,
        };
        let s = i % self.senders.len();
        self.next += 1;
        let fresh = Address::from_word(keccak256((self.next as u64).to_be_bytes()));
        let (to, input, gas, estimate) = match kind {
            "transfers" => (TxKind::Call(fresh), Bytes::new(), 21_000, 21_000),
            "erc20" => {
                let call = TestToken::transferCall { to: fresh, amount: U256::from(1) };
                (TxKind::Call(self.token), call.abi_encode().into(), 80_000, 52_000)
            }
            "storage" => {
                let mut data = U256::from(40).to_be_bytes::<32>().to_vec();
                data.extend(U256::from(self.next as u64 * 1_000).to_be_bytes::<32>());
                (TxKind::Call(self.writer), data.into(), 1_000_000, 905_000)
            }
            _ => {
                // A 2 KB contract with a unique byte, so every deployment is new code.
                let mut runtime = vec![0x5b; 2048];
                runtime[..8].copy_from_slice(&(self.next as u64).to_be_bytes());
                runtime[0] = 0x00; // STOP first: never starts with 0xEF
                let len = runtime.len() as u16;
                let mut code = vec![0x61, (len >> 8) as u8, len as u8, 0x60, 0x0c, 0x5f, 0x39];
                code.extend([0x61, (len >> 8) as u8, len as u8, 0x5f, 0xf3]);
                code.extend(runtime);
                (TxKind::Create, code.into(), 700_000, 500_000)
            }
        };
        let tx = TxEip1559 {
            chain_id: L2_ID,
            nonce: self.nonces[s],
            gas_limit: gas,
            max_fee_per_gas: 50_000_000_000,
            max_priority_fee_per_gas: 1_000_000_000,
            to,
            value: if kind == "transfers" { U256::from(1) } else { U256::ZERO },
            access_list: Default::default(),
            input,
        };
        self.nonces[s] += 1;
        let sig = self.senders[s].sign_hash_sync(&tx.signature_hash()).expect("sign");
        (TxEnvelope::Eip1559(tx.into_signed(sig)), estimate)
    }
}

/// The L2 genesis of a benchmark: funded senders holding tokens, the writer, the token.
fn bench_spec(
    schedule: &ForkSchedule,
    senders: &[PrivateKeySigner],
    rollup: Address,
) -> (ChainSpec, Address, Address) {
    let funded: Vec<(Address, U256)> =
        senders.iter().map(|s| (s.address(), U256::from(10).pow(U256::from(24)))).collect();
    let mut spec = l2_genesis(
        L2_ID,
        schedule.clone(),
        nr_chain::unix_now().saturating_sub(3_600),
        rollup,
        Address::ZERO,
        &funded,
    );
    spec.genesis.gas_limit = L2_GAS_LIMIT;
    let token = Address::with_last_byte(0xe2);
    let writer = Address::with_last_byte(0xe3);
    let mut storage = std::collections::BTreeMap::new();
    for s in senders {
        let mut key = [0u8; 64];
        key[12..32].copy_from_slice(s.address().as_slice());
        key[63] = 3; // ERC20.balanceOf is slot 3
        storage.insert(keccak256(key), B256::from(U256::from(10).pow(U256::from(30))));
    }
    spec.genesis.alloc.insert(
        token,
        alloy_genesis::GenesisAccount::default()
            .with_code(Some(TestToken::DEPLOYED_BYTECODE.clone()))
            .with_storage(Some(storage)),
    );
    let writer_code = alloy_primitives::hex::decode(WRITER).expect("hex");
    spec.genesis.alloc.insert(
        writer,
        alloy_genesis::GenesisAccount::default().with_code(Some(writer_code.into())),
    );
    (spec, token, writer)
}

fn min_time(reps: usize, mut f: impl FnMut() -> Result<()>) -> Result<f64> {
    let mut best = f64::MAX;
    for _ in 0..reps.max(1) {
        let t = Instant::now();
        f()?;
        best = best.min(t.elapsed().as_secs_f64());
    }
    Ok(best)
}

/// An in-process L1 with the rollup for `spec` deployed; returns the chain and rollup.
fn l1_with_rollup(
    schedule: &ForkSchedule,
    genesis: &Header,
    deployer: &PrivateKeySigner,
) -> Result<(Chain, Address, tempfile::TempDir)> {
    let dir = tempfile::tempdir()?;
    let mut spec = ChainSpec::dev(
        31337,
        schedule.clone(),
        genesis.timestamp,
        &[deployer.address()],
        U256::from(10).pow(U256::from(24)),
    );
    spec.genesis.gas_limit = 1_000_000_000;
    let params = ExecuteGasParams { limit: 1_000_000_000, target: 500_000_000 };
    let l1 = Chain::open(
        &dir.path().join("l1.redb"),
        spec,
        Arc::new(L1Hooks { schedule: schedule.clone(), params }),
    )?;
    let ctor = NativeRollup::constructorCall {
        chainId_: L2_ID,
        gasLimit_: L2_GAS_LIMIT,
        genesisHash: genesis.hash_slow(),
        genesisStateRoot: genesis.state_root,
        sequencer_: Address::ZERO,
        sequencerTimeout_: U256::ZERO,
        maxTimestampLag_: U256::from(1u64 << 40),
    };
    let mut code = NativeRollup::BYTECODE.to_vec();
    code.extend(ctor.abi_encode());
    let rollup = deployer.address().create(0);
    l1_send(&l1, deployer, 0, TxKind::Create, code.into())?;
    Ok((l1, rollup, dir))
}

fn l1_send(
    l1: &Chain,
    key: &PrivateKeySigner,
    nonce: u64,
    to: TxKind,
    input: Bytes,
) -> Result<nr_chain::ReceiptInfo> {
    let tx = TxEip1559 {
        chain_id: 31337,
        nonce,
        gas_limit: 900_000_000,
        max_fee_per_gas: 100_000_000_000,
        max_priority_fee_per_gas: 1,
        to,
        value: U256::ZERO,
        access_list: Default::default(),
        input,
    };
    let sig = key.sign_hash_sync(&tx.signature_hash())?;
    let hash = l1
        .add_transaction(TxEnvelope::Eip1559(tx.into_signed(sig)))
        .map_err(|e| eyre!("L1 tx: {e}"))?;
    let head = l1.head();
    let p = l1.produce_block(head.timestamp + 12)?;
    if p.block.body.transactions.is_empty() {
        bail!("L1 transaction not included: {:?}", p.skipped);
    }
    l1.receipt(&hash)?.ok_or_else(|| eyre!("no receipt"))
}

fn measure(kind: &str, mgas: u64, args: &BenchArgs) -> Result<BenchRow> {
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
    let l1 =
        if args.no_settle { None } else { Some(l1_with_rollup(&schedule, &genesis, &deployer)?) };

    let mut w =
        Workload { kind: kind.into(), senders, nonces: vec![0; SENDERS], token, writer, next: 0 };
    let target = mgas * 1_000_000;
    let (mut planned, mut i) = (0, 0);
    while planned < target * 97 / 100 {
        let (tx, estimate) = w.tx(i);
        l2.add_transaction(tx).map_err(|e| eyre!("L2 tx: {e}"))?;
        planned += estimate;
        i += 1;
    }
    let anchor = l1.as_ref().map(|(c, _, _)| c.head());
    let produced = l2.produce_block_with(&BlockOptions {
        timestamp: anchor.as_ref().map_or(genesis.timestamp + 12, |a| a.timestamp),
        parent_beacon_block_root: anchor.as_ref().map(|a| a.hash_slow()),
        fee_recipient: None,
    })?;
    if !produced.skipped.is_empty() {
        bail!("{} transactions left out: {:?}", produced.skipped.len(), produced.skipped.first());
    }
    let block = produced.block;
    let txs = block.body.transactions.len();

    // Stateful: the same block on an in-memory state (every node in a hash map), with the
    // state root computed.
    let mut mem = MemoryChain::default();
    let root = mem.insert_alloc(spec.alloc().iter()).map_err(|e| eyre!("{e}"))?;
    let mem_genesis = spec.genesis_header(root);
    if mem_genesis.hash_slow() != genesis.hash_slow() {
        bail!("in-memory genesis differs");
    }
    mem.insert_header(mem_genesis.clone());
    let evm = NrEvmFactory::default();
    let stateful = min_time(args.reps, || {
        execute_block_with(&block, &mem_genesis, &schedule, L2_ID, &mem.view(&mem_genesis), &evm)?;
        Ok(())
    })?;

    // Stateless: EXECUTE on the SSZ input (decode, L2 checks, witness, execution, roots).
    let witness = l2.witness(&produced.hash)?;
    let nodes = witness.state.len();
    let witness_bytes: usize =
        witness.state.iter().chain(&witness.codes).chain(&witness.headers).map(|b| b.len()).sum();
    let input =
        MemoryChain::stateless_input(&block, witness, &Requests::default(), &schedule, L2_ID)?
            .to_ssz();
    let stateless = min_time(args.reps, || {
        nr_execute::execute(&input, &schedule).map_err(|e| eyre!("EXECUTE: {e}"))?;
        Ok(())
    })?;
    let compressed = zstd::encode_all(&input[..], 3)?;
    let zstd_len = compressed.len();
    let calldata = |b: &[u8]| b.iter().map(|x| if *x == 0 { 4u64 } else { 16 }).sum::<u64>();

    // Settlement on the in-process L1 (the same code the devnet runs).
    let advance_gas = match &l1 {
        None => None,
        Some((l1, rollup, _)) => {
            let call = NativeRollup::advanceCall {
                input: input.clone().into(),
                anchorBlock: U256::from(l1.head().number),
            };
            let req = CallRequest {
                from: Some(deployer.address()),
                to: Some(*rollup),
                input: call.abi_encode().into(),
                gas: Some(900_000_000),
                ..Default::default()
            };
            if let CallOutcome::Revert { output, .. } =
                l1.call_pending(l1.head().timestamp + 12, &req)?
            {
                bail!("advance would revert: 0x{}", alloy_primitives::hex::encode(output));
            }
            let r = l1_send(l1, &deployer, 1, TxKind::Call(*rollup), call.abi_encode().into())?;
            if !r.receipt.status() {
                bail!("advance reverted");
            }
            Some(r.gas_used)
        }
    };
    let gas = block.header.gas_used as f64;
    Ok(BenchRow {
        workload: kind.into(),
        target_mgas: mgas,
        txs,
        gas_used: block.header.gas_used,
        stateful_ms: stateful * 1e3,
        stateless_ms: stateless * 1e3,
        stateful_mgas_s: gas / 1e6 / stateful,
        stateless_mgas_s: gas / 1e6 / stateless,
        ratio: stateless / stateful,
        input_bytes: input.len(),
        input_zstd_bytes: zstd_len,
        calldata_gas: calldata(&input),
        zstd_calldata_gas: calldata(&compressed),
        witness_nodes: nodes,
        witness_bytes_per_tx: witness_bytes as f64 / txs.max(1) as f64,
        witness_bytes_per_mgas: witness_bytes as f64 / (gas / 1e6),
        advance_l1_gas: advance_gas,
        l1_gas_per_tx: advance_gas.map(|g| g as f64 / txs.max(1) as f64),
        execute_gas: nr_execute::precompile::input_gas(input.len()) + block.header.gas_used,
        ethrex_rule_gas: block.header.gas_limit + 16 * (input.len() as u64 + 2),
    })
}

/// Runs `nr bench`.
pub fn run(args: BenchArgs) -> Result<()> {
    let sizes: Vec<u64> = args
        .sizes
        .split(',')
        .map(|s| s.trim().parse())
        .collect::<Result<_, _>>()
        .map_err(|e| eyre!("--sizes: {e}"))?;
    let mut rows = vec![];
    if !args.json {
        println!(
            "| workload | Mgas | txs | stateful ms | stateless ms | stateful Mgas/s | stateless Mgas/s | stateless/stateful | input B | zstd B | witness B/tx | witness B/Mgas | advance L1 gas | L1 gas/L2 tx |"
        );
        println!("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
    }
    for kind in args.workloads.split(',').map(str::trim) {
        if !["transfers", "erc20", "storage", "deploy", "mixed"].contains(&kind) {
            bail!("unknown workload {kind}");
        }
        for &mgas in &sizes {
            let r = measure(kind, mgas, &args)?;
            if !args.json {
                println!(
                    "| {} | {:.1} | {} | {:.2} | {:.2} | {:.0} | {:.0} | {:.2} | {} | {} | {:.0} | {:.0} | {} | {} | {} | {} |",
                    r.workload,
                    r.gas_used as f64 / 1e6,
                    r.txs,
                    r.stateful_ms,
                    r.stateless_ms,
                    r.stateful_mgas_s,
                    r.stateless_mgas_s,
                    r.ratio,
                    r.input_bytes,
                    r.input_zstd_bytes,
                    r.witness_bytes_per_tx,
                    r.witness_bytes_per_mgas,
                    r.advance_l1_gas.map_or("-".into(), |g| g.to_string()),
                    r.l1_gas_per_tx.map_or("-".into(), |g| format!("{g:.0}")),
                    r.execute_gas,
                    r.ethrex_rule_gas,
                );
            }
            rows.push(r);
        }
    }
    let services = if args.services > 0 { Some(services(args.services)?) } else { None };
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(
                &serde_json::json!({"blocks": rows, "services": services})
            )?
        );
    } else if let Some(s) = services {
        println!();
        println!(
            "| L2 transfers via JSON-RPC | accepted tx/s | included tx/s | all settled after | L2 blocks | L2 Mgas | follower time | follower blocks/s | follower Mgas/s |"
        );
        println!("|---|---|---|---|---|---|---|---|---|");
        println!(
            "| {} | {:.0} | {:.0} | {:.1} s | {} | {:.1} | {:.2} s | {:.0} | {:.1} |",
            s.transactions,
            s.accept_tx_per_s,
            s.include_tx_per_s,
            s.settled_after_s,
            s.l2_blocks,
            s.l2_mgas,
            s.follower_s,
            s.follower_blocks_per_s,
            s.follower_mgas_per_s
        );
    }
    Ok(())
}

/// Result of the services benchmark (sequencer through JSON-RPC, settlement, follower).
#[derive(Debug, Clone, Serialize)]
pub struct ServicesRow {
    transactions: usize,
    accept_tx_per_s: f64,
    include_tx_per_s: f64,
    settled_after_s: f64,
    l2_blocks: u64,
    l2_mgas: f64,
    follower_s: f64,
    follower_blocks_per_s: f64,
    follower_mgas_per_s: f64,
}

/// Runs an L1, deploys a rollup, runs its sequencer and settler, pushes `n` transfers
/// through the L2's JSON-RPC from concurrent clients (8, or one per 500 transactions), waits until all are included and
/// settled, then times a follower rebuilding the chain from L1.
pub fn services(n: usize) -> Result<ServicesRow> {
    use alloy_provider::{Provider, ProviderBuilder};
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    let dir = tempfile::tempdir()?;
    let l1_args = crate::l1::L1Args {
        datadir: dir.path().join("l1"),
        http: "127.0.0.1:0".parse()?,
        block_time: 1,
        chain_id: 31337,
        genesis: None,
        mnemonic: crate::l1::DEV_MNEMONIC.into(),
        accounts: 3,
        balance: "10000".into(),
        prague_at: "0".into(),
        osaka_at: "0".into(),
        execute_gas_limit: nr_execute::precompile::DEFAULT_EXECUTE_GAS_LIMIT,
        execute_gas_target: nr_execute::precompile::DEFAULT_EXECUTE_GAS_TARGET,
        quiet: true,
    };
    let l1 = crate::l1::start(&l1_args, &rt)?;
    let l1_url = format!("http://{}", l1.addr);
    // At most 500 transactions queued per sender (the pool admits 1024 ahead of the state).
    let clients: Vec<PrivateKeySigner> =
        (0..(n / 500).max(8)).map(|i| signer(50_000 + i)).collect();
    let params = nr_rollup::deploy::DeployParams {
        l2_chain_id: L2_ID,
        l2_gas_limit: 10_000_000,
        sequencer: None,
        sequencer_timeout: 60,
        max_timestamp_lag: 3_600,
        funded: clients.iter().map(|k| (k.address(), U256::from(10).pow(U256::from(22)))).collect(),
    };
    let deployment =
        rt.block_on(nr_rollup::deploy::deploy(&l1_url, l1.signers[0].clone(), &params))?;
    let node_cfg = |datadir: std::path::PathBuf, follow: bool| nr_rollup::NodeConfig {
        l1_rpc: l1_url.clone(),
        deployment: deployment.clone(),
        datadir,
        http: "127.0.0.1:0".parse().expect("addr"),
        block_time: 1,
        settler_key: (!follow).then(|| l1.signers[1].clone()),
        relayer_key: None,
        follow,
        progress: false,
    };
    let node = rt.block_on(nr_rollup::start(node_cfg(dir.path().join("l2"), false)))?;
    let url = format!("http://{}", node.rpc);
    let per = n / clients.len();
    let raw: Vec<Vec<Vec<u8>>> = clients
        .iter()
        .map(|k| {
            (0..per)
                .map(|nonce| {
                    let tx = TxEip1559 {
                        chain_id: L2_ID,
                        nonce: nonce as u64,
                        gas_limit: 21_000,
                        max_fee_per_gas: 50_000_000_000,
                        max_priority_fee_per_gas: 1_000_000_000,
                        to: TxKind::Call(Address::with_last_byte(0x77)),
                        value: U256::from(1),
                        access_list: Default::default(),
                        input: Bytes::new(),
                    };
                    let sig = k.sign_hash_sync(&tx.signature_hash()).expect("sign");
                    alloy_eips::Encodable2718::encoded_2718(&TxEnvelope::Eip1559(
                        tx.into_signed(sig),
                    ))
                })
                .collect()
        })
        .collect();
    let total = per * clients.len();
    let start = Instant::now();
    let hashes: Vec<B256> = rt.block_on(async {
        let mut tasks = vec![];
        for txs in raw {
            let p = ProviderBuilder::new().connect_http(url.parse()?);
            tasks.push(tokio::spawn(async move {
                let mut out = vec![];
                for t in txs {
                    out.push(*p.send_raw_transaction(&t).await?.tx_hash());
                }
                Ok::<_, eyre::Report>(out)
            }));
        }
        let mut all = vec![];
        for t in tasks {
            all.extend(t.await??);
        }
        Ok::<_, eyre::Report>(all)
    })?;
    let accepted = start.elapsed().as_secs_f64();
    let p = ProviderBuilder::new().connect_http(url.parse()?);
    let last = hashes.last().copied().ok_or_else(|| eyre!("no transactions"))?;
    let included_block = rt.block_on(async {
        loop {
            if let Some(r) = p.get_transaction_receipt(last).await? {
                // Every sender's last transaction: all earlier ones are in by nonce order.
                let mut max = r.block_number.unwrap_or_default();
                for h in hashes.iter().skip(per - 1).step_by(per) {
                    loop {
                        if let Some(r) = p.get_transaction_receipt(*h).await? {
                            max = max.max(r.block_number.unwrap_or_default());
                            break;
                        }
                        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                    }
                }
                return Ok::<_, eyre::Report>(max);
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    })?;
    let included = start.elapsed().as_secs_f64();
    rt.block_on(async {
        while node.status.lock().map(|s| s.settled).unwrap_or(0) < included_block {
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
    });
    let settled = start.elapsed().as_secs_f64();
    let head = node.chain.head().number.min(included_block);
    let gas: u64 = (1..=head)
        .filter_map(|n| node.chain.header_by_number(n).ok().flatten())
        .map(|h| h.gas_used)
        .sum();

    // Follower from scratch, L1 only.
    let t = Instant::now();
    let follower = rt.block_on(nr_rollup::start(node_cfg(dir.path().join("follower"), true)))?;
    rt.block_on(async {
        while follower.chain.head().number < head {
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    });
    let follow = t.elapsed().as_secs_f64();
    Ok(ServicesRow {
        transactions: total,
        accept_tx_per_s: total as f64 / accepted,
        include_tx_per_s: total as f64 / included,
        settled_after_s: settled,
        l2_blocks: head,
        l2_mgas: gas as f64 / 1e6,
        follower_s: follow,
        follower_blocks_per_s: head as f64 / follow,
        follower_mgas_per_s: gas as f64 / 1e6 / follow,
    })
}
