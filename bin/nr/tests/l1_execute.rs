//! EXECUTE at 0x0101 on a running `nr l1`, called by a contract with `staticcall`:
//! a valid L2 block verifies, every tampered variant fails with all forwarded gas spent,
//! the gas charged is exactly the documented rule, the per-block EXECUTE gas limit and
//! base fee work, and an L2 block follows the L1's fork schedule by its timestamp.

mod common;

use alloy_consensus::{Block, TxEnvelope, transaction::SignerRecoverable};
use alloy_eips::eip7685::Requests;
use alloy_network::TransactionBuilder;
use alloy_primitives::{Address, B256, Bytes, TxKind, U256};
use alloy_provider::{PendingTransactionBuilder, Provider};
use alloy_rpc_types_eth::TransactionRequest;
use alloy_signer_local::PrivateKeySigner;
use common::{DEV_KEY, L1Node, L2, L2_CHAIN_ID, receipt, tempdir, wait_until_async};
use nr_chain::Eip1559Builder;
use nr_execute::precompile::{charged_gas, fixed_gas};
use nr_stateless::{
    Fork, ForkSchedule,
    memory::MemoryChain,
    ssz::{HashTreeRoot, StatelessInput, StatelessValidationResult, Withdrawal},
};

/// Caller runtime: copies calldata to memory, `g0 = gas()`, `ok = staticcall(gas(),
/// 0x0101, input)`, `g1 = gas()`, then `log3(returndata, g1, ok, g0)`. Nothing is stored, so
/// several calls in one block do not disturb each other's readings.
const CALLER: &str = "365f5f375a5f5f365f6101015afa5a3d5f5f3e3d5fa300";
/// Gas between the two GAS readings besides what the precompile consumes: 2x PUSH0,
/// CALLDATASIZE, PUSH0, PUSH2, GAS, STATICCALL to a warm address, GAS.
const CALL_OVERHEAD: u64 = 2 + 2 + 2 + 2 + 3 + 2 + 100 + 2;

fn initcode(runtime: &str) -> Bytes {
    nr_contracts::initcode_for(&alloy_primitives::hex::decode(runtime).unwrap())
}

/// Deploys the EXECUTE caller contract on L1.
async fn deploy_caller(p: &impl Provider) -> Address {
    let tx = TransactionRequest::default().with_deploy_code(initcode(CALLER));
    let r = receipt(p.send_transaction(tx).await.unwrap()).await;
    r.contract_address.expect("caller deployed")
}

fn l2_user() -> PrivateKeySigner {
    "0x4c0883a69102937d6231471b5dbb6204fe512961708279f3f5f5e7b1f6d8d8d1".parse().unwrap()
}

fn l2_tx(nonce: u64, to: TxKind, input: Bytes) -> TxEnvelope {
    Eip1559Builder::new(L2_CHAIN_ID, nonce, to)
        .value(U256::from(7))
        .input(input)
        .gas_limit(300_000)
        .fees(100_000_000_000, 1_000_000_000)
        .sign(&l2_user())
        .unwrap()
}

/// What one EXECUTE call through the caller contract did.
#[derive(Debug)]
struct Called {
    success: bool,
    output: Bytes,
    /// Gas the precompile consumed.
    consumed: u64,
    /// Gas it was given (all but 1/64 of what was left at the call).
    forwarded: u64,
    /// Gas left just before the call sequence.
    g0: u64,
    /// The transaction's gas limit.
    gas_limit: u64,
    block: u64,
}

/// An input written before the v0.8 switch (no schema id, `chain_config`): the fixture of
/// crates/execute/tests/legacy.rs.
fn legacy_input() -> Vec<u8> {
    let hex = std::fs::read_to_string(common::manifest_path(
        "../../crates/execute/tests/fixtures/legacy-input.hex",
    ))
    .unwrap();
    alloy_primitives::hex::decode(hex.trim()).unwrap()
}

async fn call_execute(p: &impl Provider, caller: Address, input: &[u8], gas: u64) -> Called {
    called(send_execute(p, caller, input, gas).await, gas).await
}

/// Sends one EXECUTE call through the caller contract; returns once the node accepted it.
async fn send_execute(
    p: &impl Provider,
    caller: Address,
    input: &[u8],
    gas: u64,
) -> PendingTransactionBuilder<alloy_network::Ethereum> {
    let tx = TransactionRequest::default()
        .with_to(caller)
        .with_input(Bytes::copy_from_slice(input))
        .with_gas_limit(gas);
    p.send_transaction(tx).await.unwrap()
}

/// What the EXECUTE call sent as `pending` (with gas limit `gas`) did, once mined.
async fn called(pending: PendingTransactionBuilder<alloy_network::Ethereum>, gas: u64) -> Called {
    let r = receipt(pending).await;
    assert!(r.status(), "the caller itself never reverts");
    let log = &r.inner.logs()[0];
    let word = |i: usize| U256::from_be_bytes(log.topics()[i].0).to::<u64>();
    let (g1, success, g0) = (word(0), word(1) == 1, word(2));
    // What STATICCALL forwards: all but 1/64 of the gas left after its 100 gas access cost.
    let left = g0 - (CALL_OVERHEAD - 2);
    Called {
        success,
        output: log.data().data.clone(),
        consumed: g0 - g1 - CALL_OVERHEAD,
        forwarded: left - left / 64,
        g0,
        gas_limit: gas,
        block: r.block_number.unwrap(),
    }
}

async fn market(p: &impl Provider, block: u64) -> serde_json::Value {
    p.raw_request("nr_executeMarket".into(), (format!("{block:#x}"),)).await.unwrap()
}

fn hex_u128(v: &serde_json::Value) -> u128 {
    u128::from_str_radix(v.as_str().unwrap().trim_start_matches("0x"), 16).unwrap()
}

/// An L2 with a transfer and a contract deployment in block 1, built under `schedule`.
fn l2_with_one_block(schedule: ForkSchedule) -> (L2, Block<TxEnvelope>) {
    let user = l2_user().address();
    let l2 = L2::new(schedule, nr_chain::unix_now(), &[user]);
    // Runtime `sstore(0, calldataload(0)); stop` deployed, plus a plain transfer.
    let txs = vec![
        l2_tx(0, TxKind::Call(Address::repeat_byte(0x11)), Bytes::new()),
        l2_tx(1, TxKind::Create, initcode("5f355f5500")),
    ];
    let (block, _) = l2.block(txs, nr_chain::unix_now() + 1);
    (l2, block)
}

/// What EXECUTE charges a valid input while the EXECUTE market is not congested.
fn charge(wire: &[u8]) -> u64 {
    charged_gas(&StatelessInput::from_wire(wire).unwrap(), wire.len(), 1, 1)
}

#[tokio::test(flavor = "multi_thread")]
async fn execute_verifies_valid_l2_blocks_and_rejects_every_tampered_variant() {
    let dir = tempdir();
    let node = L1Node::start(dir.path(), &["--block-time", "0"]);
    let p = node.provider(DEV_KEY);
    let l1_schedule = ForkSchedule::from_genesis(Fork::Osaka);
    let caller = deploy_caller(&p).await;

    let (l2, block) = l2_with_one_block(l1_schedule.clone());
    let hash = block.header.hash_slow();
    let input = l2.input(hash);
    let bytes = input.to_wire();
    let l2_gas = block.header.gas_used;

    // Valid: verified, output is the SSZ StatelessValidationResult, charge exact.
    let ok = call_execute(&p, caller, &bytes, 3_000_000).await;
    assert!(ok.success, "{ok:?}");
    assert_eq!(ok.output.len(), 43, "root | success | chain_id | schema_id");
    let result = StatelessValidationResult::from_bytes(&ok.output).expect("SSZ result");
    assert!(result.successful_validation);
    assert_eq!(result.new_payload_request_root, input.new_payload_request.hash_tree_root());
    assert_eq!(result.chain_id, L2_CHAIN_ID);
    assert_eq!(result.schema_id, 0x1501);
    assert_eq!(ok.consumed, charge(&bytes), "gas = fixed part + L2 gas");
    let m = market(&p, ok.block).await;
    assert_eq!(hex_u128(&m["executeGasUsed"]), u128::from(l2_gas));
    println!(
        "valid L2 block: {} input bytes, {} L2 gas, EXECUTE charged {} gas",
        bytes.len(),
        l2_gas,
        ok.consumed
    );

    // Tampered variants. Block-level edits get a recomputed block hash, as a dishonest
    // prover would produce, so that execution itself must catch them.
    let witness = l2.chain.witness(&hash).unwrap();
    let from_block = |edit: &dyn Fn(&mut Block<TxEnvelope>)| -> Vec<u8> {
        let mut b = block.clone();
        edit(&mut b);
        b.header.transactions_root =
            alloy_consensus::proofs::calculate_transaction_root(&b.body.transactions);
        MemoryChain::stateless_input(&b, witness.clone(), &Requests::default(), L2_CHAIN_ID)
            .unwrap()
            .to_wire()
    };
    let from_input = |edit: &dyn Fn(&mut StatelessInput)| -> Vec<u8> {
        let mut i = input.clone();
        edit(&mut i);
        i.to_wire()
    };
    let mut variants: Vec<(&str, Vec<u8>)> = vec![
        ("wrong state root", from_block(&|b| b.header.state_root = B256::repeat_byte(1))),
        ("wrong receipts root", from_block(&|b| b.header.receipts_root = B256::repeat_byte(2))),
        ("wrong gas used", from_block(&|b| b.header.gas_used += 1)),
        (
            "transaction dropped",
            from_block(&|b| {
                b.body.transactions.pop();
            }),
        ),
        ("wrong parent hash", from_block(&|b| b.header.parent_hash = B256::repeat_byte(3))),
        (
            "witness node dropped",
            from_input(&|i| {
                i.witness.state.pop();
            }),
        ),
        (
            "witness node flipped",
            from_input(&|i| {
                let n = i.witness.state[0].to_vec();
                let mut n = n;
                let last = n.len() - 1;
                n[last] ^= 1;
                i.witness.state[0] = n.into();
            }),
        ),
        ("code dropped", from_input(&|i| i.witness.codes.clear())),
        (
            "parent header tampered",
            from_input(&|i| {
                // The parent is the last witness header.
                let parent = i.witness.headers.len() - 1;
                let mut h = i.witness.headers[parent].to_vec();
                let last = h.len() - 1;
                h[last] ^= 1;
                i.witness.headers[parent] = h.into();
            }),
        ),
        ("wrong chain id", from_input(&|i| i.chain_id += 1)),
        ("other schema id", [&[0x15, 0x02][..], &bytes[2..]].concat()),
        ("no schema id (pre-v0.8 framing)", bytes[2..].to_vec()),
        ("legacy input (pre-v0.8)", legacy_input()),
        (
            "blob gas used",
            from_input(&|i| i.new_payload_request.execution_payload.blob_gas_used = 131_072),
        ),
        (
            "excess blob gas",
            from_input(&|i| i.new_payload_request.execution_payload.excess_blob_gas = 131_072),
        ),
        (
            "withdrawal",
            from_input(&|i| {
                i.new_payload_request.execution_payload.withdrawals.push(Withdrawal {
                    index: 0,
                    validator_index: 0,
                    address: Address::repeat_byte(9),
                    amount: 1,
                })
            }),
        ),
        (
            "versioned hash",
            from_input(&|i| i.new_payload_request.versioned_hashes.push(B256::ZERO)),
        ),
        ("truncated", bytes[..bytes.len() - 1].to_vec()),
        ("garbage", vec![0xff; 200]),
        ("empty", vec![]),
    ];
    // Public keys that are not the signers' keys.
    variants.push((
        "wrong public keys",
        from_input(&|i| {
            i.public_keys = vec![alloy_primitives::FixedBytes([4; 65]); 2];
        }),
    ));
    for (name, bad) in &variants {
        assert_ne!(bad, &bytes, "{name}: variant differs from the valid input");
        let offline = nr_execute::execute(bad, &l1_schedule);
        assert!(offline.is_err(), "{name}: offline EXECUTE must reject");
        let c = call_execute(&p, caller, bad, 3_000_000).await;
        assert!(!c.success, "{name}: on-chain EXECUTE must fail");
        assert!(c.output.is_empty(), "{name}: no output on failure");
        assert_eq!(c.consumed, c.forwarded, "{name}: all forwarded gas is spent");
        println!("{name}: rejected ({}), {} gas spent", offline.unwrap_err(), c.consumed);
    }

    // One gas short of the charge: out of gas before any verification work, and no
    // EXECUTE gas reserved in the market. The transaction's gas limit is chosen so that
    // STATICCALL forwards exactly `charge - 1` (overhead before the call measured above).
    let need = charge(&bytes);
    let before_call = ok.gas_limit - ok.g0 + (CALL_OVERHEAD - 2);
    let mut left = (need - 1) * 64 / 63;
    while left - left / 64 > need - 1 {
        left -= 1;
    }
    while left - left / 64 < need - 1 {
        left += 1;
    }
    let short = call_execute(&p, caller, &bytes, before_call + left).await;
    assert_eq!(short.forwarded, need - 1, "{short:?}");
    assert!(!short.success);
    assert_eq!(short.consumed, short.forwarded);
    let m = market(&p, short.block).await;
    assert_eq!(hex_u128(&m["executeGasUsed"]), 0, "out-of-gas calls reserve nothing");

    // A valid block still verifies after all that (the precompile keeps no bad state).
    let again = call_execute(&p, caller, &bytes, 3_000_000).await;
    assert!(again.success);

    // eth_call reaches the precompile directly and returns the SSZ result.
    let out = p
        .call(
            TransactionRequest::default()
                .with_to(nr_execute::precompile::EXECUTE_ADDRESS)
                .with_input(Bytes::from(bytes.clone())),
        )
        .await
        .unwrap();
    assert_eq!(StatelessValidationResult::from_bytes(&out).unwrap(), result);
    // Signers of the L2 block recover as the L2 user (sanity of the fixture).
    assert_eq!(block.body.transactions[0].recover_signer().unwrap(), l2_user().address());
}

#[tokio::test(flavor = "multi_thread")]
async fn execute_gas_limit_and_base_fee_per_l1_block() {
    let (l2, block) = l2_with_one_block(ForkSchedule::from_genesis(Fork::Osaka));
    let l2_gas = block.header.gas_used;
    let input = l2.input(block.header.hash_slow()).to_wire();
    // A call reserves the block's work bound (sum of its transactions' gas limits) and
    // keeps what the block used: room for one such call per L1 block, not two.
    let bound = StatelessInput::from_wire(&input).unwrap().work_bound();
    assert!(bound > l2_gas);
    let limit = bound + l2_gas / 2;
    let target = l2_gas / 2;
    let dir = tempdir();
    let node = L1Node::start(
        dir.path(),
        &[
            "--block-time",
            "3",
            "--execute-gas-limit",
            &limit.to_string(),
            "--execute-gas-target",
            &target.to_string(),
        ],
    );
    let p = node.provider(DEV_KEY);
    let caller = deploy_caller(&p).await;
    // Two calls in the same L1 block: the first fits, the second exceeds the limit.
    let (first, second) = wait_until_async(
        "two EXECUTE calls mined in the same L1 block",
        std::time::Duration::from_secs(90),
        || async {
            let (a, b) = call_execute_pair(&p, caller, &input).await;
            if a.block == b.block {
                Ok((a, b))
            } else {
                Err(format!("mined in blocks {} and {}", a.block, b.block))
            }
        },
    )
    .await;
    assert!(first.success, "{first:?}");
    assert!(!second.success, "beyond the block's EXECUTE gas limit");
    assert_eq!(second.consumed, second.forwarded);
    let m = market(&p, first.block).await;
    assert_eq!(hex_u128(&m["executeGasUsed"]), u128::from(l2_gas));
    let fee = hex_u128(&m["executeBaseFee"]);
    let next = hex_u128(&m["nextExecuteBaseFee"]);
    assert!(next > fee, "above target: the EXECUTE base fee rises ({fee} -> {next})");

    // In the next block EXECUTE costs more L1 gas than the L2 gas it verifies.
    let later = call_execute(&p, caller, &input, 3_000_000).await;
    assert!(later.success);
    let m = market(&p, later.block).await;
    let exec_fee = hex_u128(&m["executeBaseFee"]);
    let l1_fee = p
        .get_block_by_number(later.block.into())
        .await
        .unwrap()
        .unwrap()
        .header
        .base_fee_per_gas
        .unwrap() as u128;
    let scaled = (u128::from(l2_gas) * exec_fee).div_ceil(l1_fee) as u64;
    assert!(scaled > l2_gas, "congestion makes EXECUTE dearer");
    assert_eq!(
        later.consumed,
        fixed_gas(&StatelessInput::from_wire(&input).unwrap(), input.len()) + scaled
    );
    println!(
        "EXECUTE base fee {fee} -> {next}; later call charged {} for {l2_gas} L2 gas",
        later.consumed
    );
}

/// Sends two EXECUTE calls back to back (consecutive nonces) and waits for both.
async fn call_execute_pair(p: &impl Provider, caller: Address, input: &[u8]) -> (Called, Called) {
    let me = DEV_KEY.parse::<PrivateKeySigner>().unwrap().address();
    let nonce = p.get_transaction_count(me).pending().await.unwrap();
    let a = send_execute(p, caller, input, 3_000_000).await;
    // The second call takes the next nonce only once the first is in the pool.
    wait_until_async(
        &format!("the first EXECUTE call (nonce {nonce}) to enter the pool"),
        std::time::Duration::from_secs(10),
        || async {
            let pending = p.get_transaction_count(me).pending().await.unwrap();
            if pending > nonce { Ok(()) } else { Err(format!("pending nonce {pending}")) }
        },
    )
    .await;
    let b = send_execute(p, caller, input, 3_000_000).await;
    let (a, b) = tokio::join!(called(a, 3_000_000), called(b, 3_000_000));
    (a, b)
}

#[tokio::test(flavor = "multi_thread")]
async fn l2_blocks_follow_the_l1_fork_schedule() {
    let osaka_at = nr_chain::unix_now() + 1_000;
    let l1_schedule = ForkSchedule {
        cancun_time: Some(0),
        prague_time: Some(0),
        osaka_time: Some(osaka_at),
        ..Default::default()
    };
    let dir = tempdir();
    let node = L1Node::start(
        dir.path(),
        &["--block-time", "0", "--prague-at", "0", "--osaka-at", &osaka_at.to_string()],
    );
    assert!(
        node.banner.iter().any(|l| l.contains(&format!("osaka={osaka_at}"))),
        "{:?}",
        node.banner
    );
    let p = node.provider(DEV_KEY);
    let caller = deploy_caller(&p).await;

    // The rollup: a contract computing CLZ (Osaka's EIP-7939), `sstore(0, clz(calldata[0]))`.
    let genesis = nr_chain::unix_now();
    let clz_runtime = "5f351e5f5500";
    let user = l2_user().address();
    let contract = user.create(0);
    let build = |schedule: ForkSchedule, t2: u64| {
        let l2 = L2::new(schedule, genesis, &[user]);
        l2.block(vec![l2_tx(0, TxKind::Create, initcode(clz_runtime))], genesis + 1);
        let arg = Bytes::from(U256::from(1).to_be_bytes::<32>().to_vec());
        let (b, h) = l2.block(vec![l2_tx(1, TxKind::Call(contract), arg)], t2);
        (l2, b, h)
    };
    // An L2 node that assumes Osaka is already active.
    let osaka_rules = ForkSchedule::from_genesis(Fork::Osaka);
    for (label, t2, expect) in [("before", osaka_at - 10, false), ("after", osaka_at + 10, true)] {
        let (l2, _, h) = build(osaka_rules.clone(), t2);
        let input = l2.input(h).to_wire();
        let c = call_execute(&p, caller, &input, 3_000_000).await;
        assert_eq!(c.success, expect, "CLZ block {label} the L1's Osaka time");
        let offline = nr_execute::execute(&input, &l1_schedule);
        assert_eq!(offline.is_ok(), expect);
        if let Err(e) = offline {
            println!("CLZ block before Osaka rejected: {e}");
        }
        let view = l2.chain.head();
        let clz = l2.chain.storage(&view, contract, B256::ZERO).unwrap();
        assert_eq!(clz, U256::from(255), "the L2 computed clz(1) = 255");
    }
    // An L2 node following the L1's schedule: before Osaka CLZ is an invalid opcode there
    // (the call fails inside the block), and that block verifies; no rollup change needed.
    let (l2, b, h) = build(l1_schedule.clone(), osaka_at - 10);
    assert_eq!(b.header.number, 2);
    let input = l2.input(h).to_wire();
    assert!(call_execute(&p, caller, &input, 3_000_000).await.success);
    let r = l2.chain.receipt(b.body.transactions[0].tx_hash()).unwrap().unwrap();
    assert!(!r.receipt.status(), "CLZ is not available before the L1's Osaka");
}
