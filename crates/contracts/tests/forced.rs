//! The forced-transaction inbox of `NativeRollup` (issue 14): `forceInclude`'s bounds,
//! the inclusion rule `advance` applies (due entries first, in inbox order, by hash),
//! the drop of underpriced due entries and `pruneForced` with real account proofs.

mod common;

use alloy_consensus::{SignableTransaction, TxEip1559, TxEnvelope};
use alloy_eips::eip2718::Encodable2718;
use alloy_primitives::{Address, B256, Bytes, Signature, TxKind, U256};
use alloy_signer::SignerSync;
use alloy_signer_local::PrivateKeySigner;
use alloy_sol_types::{SolError, SolEvent};
use common::*;
use nr_chain::{BlockOptions, BlockSelection, CallOutcome, Eip1559Builder};
use nr_contracts::NativeRollup;

/// An L2 EIP-1559 transaction as `forceInclude` takes it.
fn tx(
    key: &PrivateKeySigner,
    nonce: u64,
    to: Address,
    value: u64,
    gas: u64,
    max_fee: u128,
) -> TxEnvelope {
    Eip1559Builder::new(L2_ID, nonce, TxKind::Call(to))
        .value(U256::from(value))
        .gas_limit(gas)
        .fees(max_fee, max_fee.min(1_000_000_000))
        .sign(key)
        .unwrap()
}

/// A plain L2 transfer of 1 wei from `key` with `nonce`, fee cap 100 gwei.
fn transfer(key: &PrivateKeySigner, nonce: u64) -> TxEnvelope {
    tx(key, nonce, Address::with_last_byte(0xee), 1, 21_000, 100_000_000_000)
}

fn raw(t: &TxEnvelope) -> Bytes {
    t.encoded_2718().into()
}

fn l2_nonce(env: &Env, a: Address) -> u64 {
    env.l2.account(&env.l2.head(), a).unwrap().map_or(0, |a| a.nonce)
}

fn l1_balance(env: &Env, a: Address) -> U256 {
    env.l1.account(&env.l1.head(), a).unwrap().map_or(U256::ZERO, |a| a.balance)
}

/// `forcedFee` for `t` at the L1 head.
fn fee_for(env: &Env, t: &TxEnvelope) -> U256 {
    use alloy_consensus::Transaction;
    env.l1_view(
        env.rollup,
        NativeRollup::forcedFeeCall {
            len: U256::from(raw(t).len()),
            txGasLimit: U256::from(t.gas_limit()),
        },
    )
}

/// Forces `t` from `from` paying exactly `forcedFee`; returns its index.
fn force(env: &Env, from: &PrivateKeySigner, t: &TxEnvelope) -> u64 {
    let fee = fee_for(env, t);
    let s = env.l1_call(from, env.rollup, NativeRollup::forceIncludeCall { rawTx: raw(t) }, fee);
    assert!(s.ok(), "forceInclude succeeds");
    let count: U256 = env.l1_view(env.rollup, NativeRollup::forcedCountCall {});
    count.to::<u64>() - 1
}

fn head_index(env: &Env) -> u64 {
    env.l1_view(env.rollup, NativeRollup::forcedHeadCall {}).to::<u64>()
}

fn entry(env: &Env, i: u64) -> NativeRollup::ForcedEntry {
    env.l1_view(env.rollup, NativeRollup::forcedEntryCall { i: U256::from(i) })
}

/// Mines L1 blocks until a transaction in the next L1 block sees entry `i` as due.
fn mine_until_due(env: &Env, i: u64) {
    let deadline = entry(env, i).deadline;
    while env.l1.head().number + 1 < deadline {
        env.l1_mine();
    }
}

/// Produces an L2 block anchored to the L1 head starting with `first`.
fn l2_block_with(env: &Env, first: Vec<TxEnvelope>) -> nr_chain::Produced {
    let anchor = env.l1.head();
    let opts = BlockOptions {
        timestamp: anchor.timestamp,
        parent_beacon_block_root: Some(anchor.hash_slow()),
        fee_recipient: None,
    };
    let p =
        env.l2.produce_block_selected(&opts, &BlockSelection { first, exclude: vec![] }).unwrap();
    assert!(p.skipped.is_empty(), "nothing skipped: {:?}", p.skipped);
    p
}

/// The `advance` call settling L2 block `hash`.
fn advance_call(env: &Env, hash: B256) -> NativeRollup::advanceCall {
    let header = env.l2.header(&hash).unwrap().unwrap();
    NativeRollup::advanceCall {
        input: env.input(hash).into(),
        anchorBlock: U256::from(env.anchor_of(&header)),
    }
}

/// Asserts that settling `hash` is refused with `E`; returns the error.
fn advance_refused<E: SolError>(env: &Env, hash: B256) -> E {
    let d = env.sequencer.clone();
    env.l1_expect_revert::<_, E>(&d, env.rollup, advance_call(env, hash), U256::ZERO)
}

#[test]
fn advance_refuses_a_block_skipping_a_due_forced_entry() {
    let env = Env::with_forced_delay(true, FORCED_TX_DELAY);
    let t = transfer(&env.alice, l2_nonce(&env, env.alice.address()));
    let i = force(&env, &env.bob, &t);
    mine_until_due(&env, i);
    // The sequencer builds a block without it (an ordinary transfer of bob's instead).
    env.l2_transfer(&env.bob, Address::with_last_byte(7), U256::from(1));
    let p = env.l2_block();
    assert_eq!(p.block.body.transactions.len(), 1);
    let seq = env.sequencer.clone();
    let call = advance_call(&env, p.hash);
    let e: NativeRollup::ForcedTransactionDue =
        env.l1_expect_revert(&seq, env.rollup, call, U256::ZERO);
    assert_eq!(e.index, U256::from(i));
    assert_eq!(head_index(&env), 0, "nothing consumed");
}

#[test]
fn forced_entry_included_first_is_consumed_and_pays_the_advancer() {
    let env = Env::with_forced_delay(true, FORCED_TX_DELAY);
    let t = transfer(&env.alice, l2_nonce(&env, env.alice.address()));
    let fee = fee_for(&env, &t);
    let i = force(&env, &env.bob, &t);
    let e = entry(&env, i);
    assert_eq!(e.txHash, *t.tx_hash());
    assert_eq!(e.sender, env.alice.address());
    assert_eq!(e.fee, fee);
    assert_eq!(e.deadline, env.l1.head().number + FORCED_TX_DELAY);
    mine_until_due(&env, i);
    env.l2_transfer(&env.bob, Address::with_last_byte(7), U256::from(1));
    let p = l2_block_with(&env, vec![t.clone()]);
    assert_eq!(p.block.body.transactions[0].tx_hash(), t.tx_hash(), "forced tx first");
    let seq = env.sequencer.clone();
    let (rollup_before, seq_before) =
        (l1_balance(&env, env.rollup), l1_balance(&env, seq.address()));
    let s = env.settle_from(&seq, p.hash);
    assert!(s.ok(), "a block starting with the due entry settles");
    assert_eq!(head_index(&env), i + 1, "entry consumed");
    assert_eq!(rollup_before - l1_balance(&env, env.rollup), fee, "fee leaves the rollup");
    let price = s.receipt.header.base_fee_per_gas.unwrap() + 1_000_000_000;
    let gas_cost = U256::from(s.gas()) * U256::from(price);
    assert_eq!(l1_balance(&env, seq.address()), seq_before - gas_cost + fee, "fee to the advancer");
    println!(
        "forced entry {i} included in L2 block {}; fee {fee} wei to the advancer",
        p.block.header.number
    );
}

#[test]
fn forced_entries_included_in_the_wrong_order_are_not_consumed() {
    let env = Env::with_forced_delay(true, FORCED_TX_DELAY);
    let a = transfer(&env.alice, l2_nonce(&env, env.alice.address()));
    let b = transfer(&env.bob, l2_nonce(&env, env.bob.address()));
    let ia = force(&env, &env.deployer, &a);
    let ib = force(&env, &env.deployer, &b);
    // Both, in the wrong order, before they are due: the block settles, nothing consumed.
    let p = l2_block_with(&env, vec![b.clone(), a.clone()]);
    env.settle_from(&env.sequencer.clone(), p.hash);
    assert_eq!(env.rollup_head().0, p.block.header.number, "settled");
    assert_eq!(head_index(&env), ia, "entry {ia} is not the block's first transaction");
    // Once due, a block without entry 0 (it can no longer be included: its nonce is used)
    // is refused until the entry is pruned.
    mine_until_due(&env, ib);
    let p = l2_block_with(&env, vec![]);
    let e: NativeRollup::ForcedTransactionDue = advance_refused(&env, p.hash);
    assert_eq!(e.index, U256::from(ia));
}

#[test]
fn forced_entry_not_yet_due_may_be_left_out() {
    let env = Env::with_forced_delay(true, FORCED_TX_DELAY);
    let t = transfer(&env.alice, l2_nonce(&env, env.alice.address()));
    let i = force(&env, &env.bob, &t);
    let p = l2_block_with(&env, vec![]);
    let s = env.settle_from(&env.sequencer.clone(), p.hash);
    assert!(s.ok(), "not due yet: the block may leave it out");
    assert_eq!(head_index(&env), i, "still pending");
}

#[test]
fn forced_tx_with_a_used_nonce_is_pruned_with_an_account_proof() {
    let env = Env::with_forced_delay(true, FORCED_TX_DELAY);
    let nonce = l2_nonce(&env, env.alice.address());
    let t = transfer(&env.alice, nonce);
    let fee = fee_for(&env, &t);
    let i = force(&env, &env.bob, &t);
    // Alice uses the nonce in an ordinary transaction; the block settles.
    env.l2_transfer(&env.alice, Address::with_last_byte(9), U256::from(2));
    let p = l2_block_with(&env, vec![]);
    assert!(env.settle_from(&env.sequencer.clone(), p.hash).ok());
    // A proof of alice's account at the settled head shows the nonce used.
    let proof = env.l2.proof(&p.block.header, env.alice.address(), &[]).unwrap();
    assert_eq!(proof.account.nonce, nonce + 1);
    let pruner = env.deployer.clone();
    let before = l1_balance(&env, pruner.address());
    let call = NativeRollup::pruneForcedCall { accountProof: proof.account_proof };
    let s = env.l1_call(&pruner, env.rollup, call, U256::ZERO);
    assert!(s.ok(), "pruned");
    assert_eq!(head_index(&env), i + 1);
    let price = s.receipt.header.base_fee_per_gas.unwrap() + 1_000_000_000;
    let cost = U256::from(s.gas()) * U256::from(price);
    assert_eq!(l1_balance(&env, pruner.address()), before - cost + fee, "fee to the pruner");
    println!("pruneForced gas: {}", s.gas());
}

#[test]
fn forced_tx_still_valid_cannot_be_pruned() {
    let env = Env::with_forced_delay(true, FORCED_TX_DELAY);
    let t = transfer(&env.alice, l2_nonce(&env, env.alice.address()));
    let i = force(&env, &env.bob, &t);
    let head = env.l2.head();
    let proof = env.l2.proof(&head, env.alice.address(), &[]).unwrap();
    let call = NativeRollup::pruneForcedCall { accountProof: proof.account_proof };
    let d = env.deployer.clone();
    let e: NativeRollup::ForcedTxStillValid =
        env.l1_expect_revert(&d, env.rollup, call, U256::ZERO);
    assert_eq!(e.index, U256::from(i));
    // A proof of another account does not prove anything about alice's.
    let other = env.l2.proof(&head, env.bob.address(), &[]).unwrap();
    let call = NativeRollup::pruneForcedCall { accountProof: other.account_proof };
    let sel = NativeRollup::ForcedTxStillValid::SELECTOR;
    let invalid: [u8; 4] = alloy_primitives::keccak256("InvalidProof()")[..4].try_into().unwrap();
    env.l1_expect_revert_any(&d, env.rollup, call, &[sel, invalid]);
    assert_eq!(head_index(&env), i);
}

#[test]
fn due_forced_tx_below_the_block_base_fee_is_dropped_in_advance() {
    let env = Env::with_forced_delay(true, FORCED_TX_DELAY);
    // Fee cap 1 wei: below any L2 base fee of this chain.
    let t = tx(
        &env.alice,
        l2_nonce(&env, env.alice.address()),
        Address::with_last_byte(1),
        1,
        21_000,
        1,
    );
    let fee = fee_for(&env, &t);
    let i = force(&env, &env.bob, &t);
    mine_until_due(&env, i);
    let p = l2_block_with(&env, vec![]);
    assert!(p.block.header.base_fee_per_gas.unwrap() > 1);
    let seq = env.sequencer.clone();
    let rollup_before = l1_balance(&env, env.rollup);
    assert!(env.settle_from(&seq, p.hash).ok(), "an underpriced due entry does not block");
    assert_eq!(head_index(&env), i + 1, "dropped");
    assert_eq!(rollup_before - l1_balance(&env, env.rollup), fee, "its fee paid out");
}

/// A due entry no block can carry (e.g. its witness makes `advance` exceed the L1
/// per-transaction gas cap) refuses every block without it until `deadline + forcedDelay`;
/// from then on it is expired, and `advance` drops it (fee to the advancer) instead of
/// halting the rollup.
#[test]
fn unsettleable_forced_tx_halts_the_chain() {
    let env = Env::with_forced_delay(true, FORCED_TX_DELAY);
    let t = transfer(&env.alice, l2_nonce(&env, env.alice.address()));
    let fee = fee_for(&env, &t);
    let i = force(&env, &env.bob, &t);
    let expiry = entry(&env, i).deadline + FORCED_TX_DELAY;
    mine_until_due(&env, i);
    // The block leaves it out (standing in for a block that cannot carry it).
    let p = l2_block_with(&env, vec![]);
    let mut refused = 0;
    // Due but not expired: each attempt (one L1 block each) is refused.
    while env.l1.head().number + 1 < expiry {
        let e: NativeRollup::ForcedTransactionDue = advance_refused(&env, p.hash);
        assert_eq!(e.index, U256::from(i));
        refused += 1;
    }
    assert_eq!(refused, FORCED_TX_DELAY, "refused for forcedDelay L1 blocks");
    assert_eq!(head_index(&env), i, "nothing consumed while not expired");
    let seq = env.sequencer.clone();
    let (rollup_before, seq_before) =
        (l1_balance(&env, env.rollup), l1_balance(&env, seq.address()));
    let sim = env.l1_simulate(seq.address(), env.rollup, &advance_call(&env, p.hash), U256::ZERO);
    if let CallOutcome::Revert { output, .. } = &sim {
        let due = NativeRollup::ForcedTransactionDue::abi_decode(output).ok().map(|e| e.index);
        panic!("advance after expiry refused: ForcedTransactionDue {due:?} ({output})");
    }
    let s = env.settle_from(&seq, p.hash);
    assert!(s.ok(), "an expired entry does not halt the rollup: {sim:?}");
    assert_eq!(s.receipt.header.number, expiry, "settled in the expiry block");
    assert_eq!(head_index(&env), i + 1, "expired entry dropped");
    assert_eq!(rollup_before - l1_balance(&env, env.rollup), fee, "its fee paid out");
    let price = s.receipt.header.base_fee_per_gas.unwrap() + 1_000_000_000;
    let gas_cost = U256::from(s.gas()) * U256::from(price);
    assert_eq!(l1_balance(&env, seq.address()), seq_before - gas_cost + fee, "fee to the advancer");
    let dropped = s.receipt.receipt.logs().iter().find_map(|l| {
        (l.address == env.rollup)
            .then(|| NativeRollup::ForcedDropped::decode_log_data(&l.data).ok())
            .flatten()
    });
    let dropped = dropped.expect("ForcedDropped emitted");
    assert_eq!(dropped.index, U256::from(i));
    assert_eq!(dropped.reason, 3, "reason Expired (ForcedDropReason 3)");
    println!(
        "entry {i} refused for {refused} L1 blocks, dropped at L1 block {expiry}; advance gas {}",
        s.gas()
    );
}

/// `forceInclude(raw)` with `value` must revert with `E`.
fn force_refused<E: SolError>(env: &Env, raw: Bytes, value: U256) -> E {
    let b = env.bob.clone();
    env.l1_expect_revert(&b, env.rollup, NativeRollup::forceIncludeCall { rawTx: raw }, value)
}

/// `t` re-signed with the given signature values.
fn with_signature(t: &TxEip1559, r: U256, s: U256, parity: bool) -> Bytes {
    t.clone().into_signed(Signature::new(r, s, parity)).encoded_2718().into()
}

#[test]
fn forced_tx_bounds_are_enforced() {
    let env = Env::with_forced_delay(true, FORCED_TX_DELAY);
    let big = U256::from(10).pow(U256::from(18));
    let alice = env.alice.clone();
    let nonce = l2_nonce(&env, alice.address());
    // Size: 4,097 bytes, and empty.
    let e: NativeRollup::ForcedTxSize = force_refused(&env, vec![2u8; 4097].into(), big);
    assert_eq!((e.len, e.max), (U256::from(4097), U256::from(4096)));
    let e: NativeRollup::ForcedTxSize = force_refused(&env, Bytes::new(), big);
    assert_eq!(e.len, U256::ZERO);
    // Fee: one wei short.
    let t = transfer(&alice, nonce);
    let required = fee_for(&env, &t);
    let e: NativeRollup::ForcedFeeTooLow = force_refused(&env, raw(&t), required - U256::from(1));
    assert_eq!((e.paid, e.required), (required - U256::from(1), required));
    println!("forcedFee of a 21,000-gas transfer: {required} wei");
    // Wrong chain id.
    let other = Eip1559Builder::new(L2_ID + 1, nonce, TxKind::Call(Address::ZERO))
        .gas_limit(21_000)
        .fees(100_000_000_000, 1)
        .sign(&alice)
        .unwrap();
    let e: NativeRollup::ForcedTxChainId = force_refused(&env, raw(&other), big);
    assert_eq!((e.got, e.want), (U256::from(L2_ID + 1), U256::from(L2_ID)));
    // Bad signatures: high s (the same signature's malleable twin), r = 0.
    let unsigned: TxEip1559 = Eip1559Builder::new(L2_ID, nonce, TxKind::Call(Address::ZERO))
        .gas_limit(21_000)
        .fees(100_000_000_000, 1)
        .unsigned()
        .clone();
    let sig = alice.sign_hash_sync(&unsigned.signature_hash()).unwrap();
    let n = U256::from_str_radix(
        "fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141",
        16,
    )
    .unwrap();
    let good = with_signature(&unsigned, sig.r(), sig.s(), sig.v());
    let high_s = with_signature(&unsigned, sig.r(), n - sig.s(), !sig.v());
    let _: NativeRollup::ForcedTxSignature = force_refused(&env, high_s, big);
    let zero_r = with_signature(&unsigned, U256::ZERO, sig.s(), sig.v());
    let _: NativeRollup::ForcedTxSignature = force_refused(&env, zero_r, big);
    // Type 1 (EIP-2930) is not accepted; neither is a legacy transaction.
    let mut typed = good.to_vec();
    typed[0] = 1;
    let e: NativeRollup::ForcedTxType = force_refused(&env, typed.into(), big);
    assert_eq!(e.txType, U256::from(1));
    // Gas limit below intrinsic, above the cap.
    let low = tx(&alice, nonce, Address::ZERO, 0, 20_999, 100_000_000_000);
    let e: NativeRollup::ForcedTxGasLimit = force_refused(&env, raw(&low), big);
    assert_eq!((e.gasLimit, e.min), (U256::from(20_999), U256::from(21_000)));
    let cap = 1u64 << 24;
    let high = tx(&alice, nonce, Address::ZERO, 0, cap + 1, 100_000_000_000);
    let e: NativeRollup::ForcedTxGasLimit = force_refused(&env, raw(&high), big);
    assert_eq!((e.gasLimit, e.max), (U256::from(cap + 1), U256::from(cap)));
    // Calldata counts in the intrinsic gas (and the EIP-7623 floor): 100 nonzero bytes.
    let data = Eip1559Builder::new(L2_ID, nonce, TxKind::Call(Address::ZERO))
        .input(vec![1u8; 100])
        .gas_limit(21_000 + 1_600)
        .fees(100_000_000_000, 1)
        .sign(&alice)
        .unwrap();
    let e: NativeRollup::ForcedTxGasLimit = force_refused(&env, raw(&data), big);
    assert_eq!(e.min, U256::from(21_000 + 10 * 400), "the EIP-7623 floor");
    // The well-formed original is accepted, and nothing above changed the inbox.
    assert_eq!(env.l1_view(env.rollup, NativeRollup::forcedCountCall {}), U256::ZERO);
    let fee = fee_for(&env, &t);
    assert!(matches!(
        env.l1_simulate(
            env.bob.address(),
            env.rollup,
            &NativeRollup::forceIncludeCall { rawTx: good },
            fee
        ),
        CallOutcome::Success { .. }
    ));
}

/// A type-2 transaction from already RLP-encoded `fields` (hand-made, possibly malformed).
fn hand_made(fields: &[Vec<u8>]) -> Bytes {
    let payload: Vec<u8> = fields.concat();
    let mut out = vec![2u8];
    alloy_rlp::Header { list: true, payload_length: payload.len() }.encode(&mut out);
    out.extend(payload);
    out.into()
}

fn rlp<T: alloy_rlp::Encodable>(v: T) -> Vec<u8> {
    alloy_rlp::encode(v)
}

/// The twelve fields of a transfer with gas limit 21,000, `value` encoded as given.
fn fields_with_value(value: Vec<u8>) -> Vec<Vec<u8>> {
    vec![
        rlp(L2_ID),
        rlp(0u64),
        rlp(1u64),
        rlp(100_000_000_000u64),
        rlp(21_000u64),
        rlp(Address::with_last_byte(1)),
        value,
        rlp(Bytes::new()),
        vec![0xc0],
        rlp(0u8),
        rlp(U256::from(1)),
        rlp(U256::from(1)),
    ]
}

#[test]
fn forced_tx_decoding_is_strict_and_counts_access_lists_and_creates() {
    let env = Env::with_forced_delay(true, FORCED_TX_DELAY);
    let big = U256::from(10).pow(U256::from(18));
    let alice = env.alice.clone();
    // Non-canonical RLP the L2's decoder refuses: a value with a leading zero byte, a single
    // byte below 0x80 wrapped in a string header, a thirteenth field.
    let e: NativeRollup::ForcedTxField =
        force_refused(&env, hand_made(&fields_with_value(vec![0x82, 0x00, 0x01])), big);
    assert_eq!(e.field, U256::from(7));
    let e: NativeRollup::ForcedTxField =
        force_refused(&env, hand_made(&fields_with_value(vec![0x81, 0x05])), big);
    assert_eq!(e.field, U256::from(7));
    let mut thirteen = fields_with_value(rlp(1u64));
    thirteen.push(rlp(0u8));
    let e: NativeRollup::ForcedTxField = force_refused(&env, hand_made(&thirteen), big);
    assert_eq!(e.field, U256::ZERO);
    // The well-formed hand-made one is accepted: (r, s) = (1, 1) recovers to some address
    // (no one's funded account: the entry would be pruned for its balance).
    let fine = NativeRollup::forceIncludeCall { rawTx: hand_made(&fields_with_value(rlp(1u64))) };
    assert!(matches!(
        env.l1_simulate(alice.address(), env.rollup, &fine, big),
        CallOutcome::Success { .. }
    ));

    // An access list of one address and two keys: 21,000 + 2,400 + 2 × 1,900.
    let list = alloy_eips::eip2930::AccessList(vec![alloy_eips::eip2930::AccessListItem {
        address: Address::with_last_byte(9),
        storage_keys: vec![B256::ZERO, B256::with_last_byte(1)],
    }]);
    let with_list = |gas: u64| -> Bytes {
        let t = TxEip1559 {
            chain_id: L2_ID,
            nonce: 0,
            gas_limit: gas,
            max_fee_per_gas: 100_000_000_000,
            max_priority_fee_per_gas: 1,
            to: TxKind::Call(Address::ZERO),
            value: U256::ZERO,
            access_list: list.clone(),
            input: Bytes::new(),
        };
        let sig = alice.sign_hash_sync(&t.signature_hash()).unwrap();
        t.into_signed(sig).encoded_2718().into()
    };
    let e: NativeRollup::ForcedTxGasLimit = force_refused(&env, with_list(27_199), big);
    assert_eq!(e.min, U256::from(27_200));
    let ok = with_list(27_200);
    assert!(matches!(
        env.l1_simulate(
            alice.address(),
            env.rollup,
            &NativeRollup::forceIncludeCall { rawTx: ok },
            big
        ),
        CallOutcome::Success { .. }
    ));
    // A create with 10 nonzero initcode bytes: 21,000 + 160 + 32,000 + 2 × 1 word.
    let create = |gas: u64| -> Bytes {
        Eip1559Builder::new(L2_ID, 0, TxKind::Create)
            .input(vec![0x60u8; 10])
            .gas_limit(gas)
            .fees(100_000_000_000, 1)
            .sign(&alice)
            .unwrap()
            .encoded_2718()
            .into()
    };
    let e: NativeRollup::ForcedTxGasLimit = force_refused(&env, create(53_161), big);
    assert_eq!(e.min, U256::from(53_162));
    // Initcode above EIP-3860's limit.
    let huge = Eip1559Builder::new(L2_ID, 0, TxKind::Create)
        .input(vec![0u8; 49_153])
        .gas_limit(1_000_000)
        .fees(100_000_000_000, 1)
        .sign(&alice)
        .unwrap();
    let e: NativeRollup::ForcedTxSize = force_refused(&env, raw(&huge), big);
    assert_eq!(e.max, U256::from(4096), "the size bound comes first");
    assert_eq!(env.l1_view(env.rollup, NativeRollup::forcedCountCall {}), U256::ZERO);
}
