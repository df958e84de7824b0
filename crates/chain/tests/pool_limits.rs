//! Attacks on the transaction pool: oversized transactions, overdrafts by queued
//! transactions, wrapping cost arithmetic, transactions that can never be included, and the
//! error texts clients see.

use alloy_consensus::{SignableTransaction, TxEnvelope, TxLegacy};
use alloy_eips::Encodable2718;
use alloy_primitives::{Address, Bytes, TxKind, U256};
use alloy_signer::SignerSync;
use alloy_signer_local::PrivateKeySigner;
use nr_chain::{Chain, DropReason, Eip1559Builder, PoolPolicy, TxError, spec::ChainSpec};
use nr_stateless::{ForkSchedule, evm::PlainEthereum};
use std::sync::Arc;

const CHAIN_ID: u64 = 8079;
const GENESIS_TIME: u64 = 1_000;
const ETHER: u128 = 1_000_000_000_000_000_000;

struct Env {
    _dir: tempfile::TempDir,
    chain: Chain,
    key: PrivateKeySigner,
}

fn env_with(schedule: ForkSchedule, balance: U256) -> Env {
    let dir = tempfile::tempdir().unwrap();
    let key = PrivateKeySigner::random();
    let spec = ChainSpec::dev(CHAIN_ID, schedule, GENESIS_TIME, &[key.address()], balance);
    let chain = Chain::open(&dir.path().join("c.redb"), spec, Arc::new(PlainEthereum)).unwrap();
    Env { _dir: dir, chain, key }
}

fn env() -> Env {
    env_with(ForkSchedule::from_genesis(nr_stateless::Fork::Osaka), U256::from(ETHER))
}

#[test]
fn chain_id_error_names_both_chain_ids() {
    let e = env();
    let tx = Eip1559Builder::new(31337, 0, Address::ZERO).sign(&e.key).unwrap();
    let err = e.chain.add_transaction(tx).expect_err("a transaction for another chain");
    assert_eq!(err.to_string(), "invalid chain id: have 31337, want 8079");
}

#[test]
fn pre_eip155_transaction_refused_over_rpc() {
    let e = env();
    let tx = TxLegacy {
        chain_id: None,
        nonce: 0,
        gas_price: 50_000_000_000,
        gas_limit: 21_000,
        to: TxKind::Call(Address::ZERO),
        value: U256::ZERO,
        input: Bytes::new(),
    };
    let sig = e.key.sign_hash_sync(&tx.signature_hash()).unwrap();
    let tx = TxEnvelope::Legacy(tx.into_signed(sig));
    let err = e.chain.add_raw_transaction(&tx.encoded_2718()).expect_err("a pre-EIP-155 tx");
    assert_eq!(err.to_string(), "only replay-protected (EIP-155) transactions allowed over RPC");
}

#[test]
fn pool_flood_of_oversized_transactions() {
    let e = env();
    e.chain.set_pool_policy(PoolPolicy::sequencer());
    // 128 KiB + 1 of calldata (geth's limit is on the whole encoded transaction).
    let big = vec![1u8; 128 * 1024 + 1];
    for nonce in 0..50 {
        let tx = Eip1559Builder::new(CHAIN_ID, nonce, Address::ZERO)
            .input(big.clone())
            .gas_limit(8_000_000)
            .sign(&e.key)
            .unwrap();
        let r = e.chain.add_raw_transaction(&tx.encoded_2718());
        assert!(
            matches!(r, Err(TxError::OversizedData { size, limit: 131_072 }) if size > 131_072),
            "oversized transaction {nonce}: {r:?}"
        );
        let r = e.chain.add_transaction(tx);
        assert!(matches!(r, Err(TxError::OversizedData { .. })), "decoded: {r:?}");
    }
    assert_eq!(e.chain.pending_count(), 0);
    let ok = Eip1559Builder::new(CHAIN_ID, 0, Address::ZERO).sign(&e.key).unwrap();
    e.chain.add_transaction(ok).expect("an ordinary transaction after the flood");
    assert_eq!(
        TxError::OversizedData { size: 131_073, limit: 131_072 }.to_string(),
        "oversized data: transaction size 131073, limit 131072"
    );
}

#[test]
fn pool_overdraft_by_queued_transactions() {
    let e = env();
    let tenth = U256::from(ETHER / 10);
    let send = |nonce, value| {
        Eip1559Builder::new(CHAIN_ID, nonce, Address::repeat_byte(9))
            .value(value)
            .sign(&e.key)
            .unwrap()
    };
    e.chain.add_transaction(send(0, tenth * U256::from(9))).expect("0.9 ETH of 1 ETH");
    let err = e.chain.add_transaction(send(1, tenth * U256::from(9)));
    let cost = U256::from(21_000u64 * 50_000_000_000);
    let want = (tenth * U256::from(9) + cost) * U256::from(2);
    assert!(
        matches!(&err, Err(TxError::InsufficientFunds { want: w, .. }) if *w == want),
        "a second 0.9 ETH while the first is queued: {err:?}"
    );
    // What the sender can still afford is admitted, and a cheaper replacement of the first
    // frees room for more.
    e.chain.add_transaction(send(1, tenth / U256::from(2))).expect("0.05 ETH more fits");
    let replacement = Eip1559Builder::new(CHAIN_ID, 0, Address::repeat_byte(9))
        .value(tenth)
        .fees(60_000_000_000, 2_000_000_000)
        .sign(&e.key)
        .unwrap();
    e.chain.add_transaction(replacement).expect("a cheaper replacement");
    e.chain.add_transaction(send(2, tenth * U256::from(7))).expect("0.7 ETH after it");
}

#[test]
fn pool_value_near_2_256_wraps_the_balance_check() {
    let e = env();
    let tx = Eip1559Builder::new(CHAIN_ID, 0, Address::repeat_byte(9));
    let gas_cost = U256::from(21_000u64) * U256::from(50_000_000_000u64);
    // gas * fee + value wraps around 2^256 to 1 wei.
    let value = U256::MAX - gas_cost + U256::from(2);
    let tx = tx.value(value).sign(&e.key).unwrap();
    let r = e.chain.add_transaction(tx);
    assert!(
        matches!(r, Err(TxError::CostOverflow { address }) if address == e.key.address()),
        "value 2^256 - gas cost + 2: {r:?}"
    );
    assert_eq!(e.chain.pending_count(), 0);
}

#[test]
fn pool_initcode_above_eip3860_limit_never_included() {
    let e = env();
    let tx = Eip1559Builder::new(CHAIN_ID, 0, TxKind::Create)
        .input(vec![0u8; 49_153])
        .gas_limit(1_000_000)
        .sign(&e.key)
        .unwrap();
    let r = e.chain.add_transaction(tx);
    assert!(
        matches!(r, Err(TxError::InitcodeTooLarge { size: 49_153, limit: 49_152 })),
        "initcode over EIP-3860's 49,152 bytes: {r:?}"
    );
}

#[test]
fn pool_keeps_a_transaction_that_can_never_be_included() {
    // Admitted before Osaka with 20M gas; from Osaka on EIP-7825 caps a transaction at 2^24.
    let osaka = GENESIS_TIME + 100;
    let schedule = ForkSchedule {
        cancun_time: Some(0),
        prague_time: Some(0),
        osaka_time: Some(osaka),
        ..Default::default()
    };
    let e = env_with(schedule, U256::from(ETHER));
    let tx = Eip1559Builder::new(CHAIN_ID, 0, Address::repeat_byte(9))
        .gas_limit(20_000_000)
        .sign(&e.key)
        .unwrap();
    let hash = e.chain.add_transaction(tx).expect("20M gas before Osaka");
    let p = e.chain.produce_block(osaka).expect("an Osaka block");
    assert!(p.block.body.transactions.is_empty(), "20M gas tx included under Osaka");
    assert!(
        !e.chain.has_ready_transactions(),
        "the skipped transaction still counts as ready: an on-demand sequencer makes an empty \
         block for it every second"
    );
    assert!(e.chain.pending_tx(&hash).is_none(), "the never-includable transaction stayed");
    assert_eq!(p.dropped.len(), 1, "{:?}", p.dropped);
    assert!(
        matches!(e.chain.drop_reason(&hash), Some(DropReason::NotExecutable { .. })),
        "{:?}",
        e.chain.drop_reason(&hash)
    );
    // A transaction skipped for want of fee (base fee above its cap) stays: it may fit later.
    let cheap =
        Eip1559Builder::new(CHAIN_ID, 0, Address::repeat_byte(9)).fees(1, 1).sign(&e.key).unwrap();
    let cheap = e.chain.add_transaction(cheap).expect("the dev pool takes low fee caps");
    let p = e.chain.produce_block(osaka + 1).unwrap();
    assert!(p.block.body.transactions.is_empty() && p.dropped.is_empty(), "{p:?}");
    assert!(e.chain.pending_tx(&cheap).is_some(), "an underpriced transaction waits");
}

/// Two settlers of one based rollup send `advance` with the same tip: the one that reached
/// the pool first must be mined first (geth orders equal prices by arrival), not the one a
/// hash map happens to list first, or one sender wins every tie forever.
#[test]
fn equal_tip_ties_favour_one_sender_forever() {
    let dir = tempfile::tempdir().unwrap();
    let keys: Vec<PrivateKeySigner> = (0..8).map(|_| PrivateKeySigner::random()).collect();
    let addrs: Vec<Address> = keys.iter().map(|k| k.address()).collect();
    let schedule = ForkSchedule::from_genesis(nr_stateless::Fork::Osaka);
    let spec = ChainSpec::dev(CHAIN_ID, schedule, GENESIS_TIME, &addrs, U256::from(ETHER));
    let chain = Chain::open(&dir.path().join("c.redb"), spec, Arc::new(PlainEthereum)).unwrap();
    // Each round, the senders arrive in a different order; the block must follow it.
    for round in 0..4u64 {
        let mut order: Vec<usize> = (0..keys.len()).collect();
        order.rotate_left(round as usize * 3 % keys.len());
        if round % 2 == 1 {
            order.reverse();
        }
        let mut sent = Vec::new();
        for &i in &order {
            let tx = Eip1559Builder::new(CHAIN_ID, round, Address::ZERO)
                .fees(10_000_000_000, 1_000_000_000)
                .sign(&keys[i])
                .unwrap();
            sent.push(chain.add_transaction(tx).unwrap());
        }
        let p = chain.produce_block(GENESIS_TIME + 12 * (round + 1)).unwrap();
        let mined: Vec<_> = p.block.body.transactions.iter().map(|t| *t.tx_hash()).collect();
        assert_eq!(mined, sent, "round {round}: equal tips must be mined in arrival order");
    }
}
