//! Forced deposits (issue 14): an L1->L2 message is due `forcedDelay` L1 blocks after it
//! was sent, and the rollup contract then refuses every L2 block until the L2 messenger's
//! `deliveredPrefix`, proven in a settled block's state (`advanceWithDelivery`), covers
//! it. On L2, a message whose call fails is processed anyway (recorded, retryable,
//! refundable), and a claim given too little gas never counts.

mod common;

use alloy_primitives::{Address, B256, Bytes, U256};
use alloy_sol_types::{SolCall, SolError, SolEvent};
use common::*;
use nr_chain::{CallOutcome, CallRequest, ReceiptInfo};
use nr_contracts::{L2_MESSENGER, L2_TOKEN_BRIDGE, L2Messenger, L2TokenBridge, NativeRollup};

/// L1 blocks after which a message is due, in these tests.
const DELAY: u64 = 4;
/// Storage slot of `L2Messenger.deliveredPrefix`.
const PREFIX_SLOT: B256 = B256::with_last_byte(5);

/// An L1 deposit of `value` wei from alice to `to` (no fee, 100k gas, no data).
fn deposit(env: &Env, to: Address, value: U256) -> Deposit {
    env.send_l1_message(&env.alice.clone(), to, value, U256::ZERO, 100_000, Bytes::new())
}

/// One L2 block anchored to the L1 head that proves the L1 message root there and claims
/// `messages` (from bob, 1M gas each). Returns the claims' receipts.
fn deliver(env: &Env, messages: &[&L2Messenger::L1Message]) -> Vec<ReceiptInfo> {
    let bob = env.bob.clone();
    let anchor = env.l1.head();
    assert!(anchor.timestamp > env.l2.head().timestamp, "mine an L1 block first");
    let prove = env.prove_root_call(anchor.number, anchor.timestamp);
    let p = env.l2_tx(&bob, L2_MESSENGER, prove, U256::ZERO, 2_000_000);
    let claims: Vec<B256> = messages
        .iter()
        .map(|m| env.l2_tx(&bob, L2_MESSENGER, env.claim_call(m), U256::ZERO, 1_000_000))
        .collect();
    env.l2_block();
    assert!(env.l2.receipt(&p).unwrap().unwrap().receipt.status(), "proveL1MessageRoot");
    claims.iter().map(|h| env.l2.receipt(h).unwrap().unwrap()).collect()
}

/// The `advanceWithDelivery` call of L2 block `hash`, proving `deliveredPrefix` in the
/// state of `proof_block` (the block itself, unless a test forges it).
fn delivery_call(
    env: &Env,
    hash: B256,
    proof_block: B256,
) -> NativeRollup::advanceWithDeliveryCall {
    let header = env.l2.header(&hash).unwrap().unwrap();
    let at = env.l2.header(&proof_block).unwrap().unwrap();
    let proof = env.l2.proof(&at, L2_MESSENGER, &[PREFIX_SLOT]).unwrap();
    NativeRollup::advanceWithDeliveryCall {
        input: env.input(hash).into(),
        anchorBlock: U256::from(env.anchor_of(&header)),
        accountProof: proof.account_proof,
        storageProof: proof.storage[0].2.clone(),
    }
}

fn advance_call(env: &Env, hash: B256) -> NativeRollup::advanceCall {
    let header = env.l2.header(&hash).unwrap().unwrap();
    NativeRollup::advanceCall {
        input: env.input(hash).into(),
        anchorBlock: U256::from(env.anchor_of(&header)),
    }
}

fn prefix(env: &Env) -> U256 {
    env.l2_view(L2_MESSENGER, L2Messenger::deliveredPrefixCall {})
}

fn delivered(env: &Env) -> U256 {
    env.l1_view(env.rollup, NativeRollup::deliveredMessagesCall {})
}

/// Gas a simulated call uses as the first transaction of the next L1 block (must succeed).
fn simulated_gas<C: SolCall>(env: &Env, call: &C) -> u64 {
    match env.l1_simulate(env.sequencer.address(), env.rollup, call, U256::ZERO) {
        CallOutcome::Success { gas_used, .. } => gas_used,
        other => panic!("{} failed: {other:?}", C::SIGNATURE),
    }
}

#[test]
fn advance_refused_while_a_deposit_is_overdue() {
    let env = Env::with_forced_delay(true, DELAY);
    let seq = env.sequencer.clone();
    let carol = key(9).address();
    let d = deposit(&env, carol, eth(1));
    // Not due yet: an L2 block that does not deliver it settles.
    let b1 = env.l2_block().block.hash_slow();
    assert!(env.settle_from(&seq, b1).ok(), "advance before the deposit is due");
    // It becomes due at L1 block d.l1_block + DELAY (the next block's number).
    while env.l1.head().number + 1 < d.l1_block + DELAY {
        env.l1_mine();
    }
    let b2 = env.l2_block().block.hash_slow();
    let e = env.l1_expect_revert::<_, NativeRollup::MessagesDue>(
        &seq,
        env.rollup,
        advance_call(&env, b2),
        U256::ZERO,
    );
    assert_eq!((e.due, e.delivered), (U256::from(1), U256::ZERO));
    let due: U256 = env.l1_view(env.rollup, NativeRollup::dueMessagesCall {});
    assert_eq!(due, U256::from(1), "due at the head too");
    // A valid proof that nothing was delivered does not help either.
    let e = env.l1_expect_revert::<_, NativeRollup::MessagesDue>(
        &seq,
        env.rollup,
        delivery_call(&env, b2, b2),
        U256::ZERO,
    );
    assert_eq!((e.due, e.delivered), (U256::from(1), U256::ZERO));
}

#[test]
fn advance_with_delivery_settles_and_raises_delivered() {
    let env = Env::with_forced_delay(true, DELAY);
    let seq = env.sequencer.clone();
    let carol = key(9).address();
    let d = deposit(&env, carol, eth(1));
    for _ in 0..DELAY {
        env.l1_mine();
    }
    let receipts = deliver(&env, &[&d.message]);
    assert!(receipts[0].receipt.status(), "claimed");
    assert_eq!(prefix(&env), U256::from(1));
    let b = env.l2.head().hash_slow();
    // advance alone is still refused: the contract has not seen the delivery.
    env.l1_expect_revert::<_, NativeRollup::MessagesDue>(
        &seq,
        env.rollup,
        advance_call(&env, b),
        U256::ZERO,
    );
    let s = env.l1_call(&seq, env.rollup, delivery_call(&env, b, b), U256::ZERO);
    assert!(s.ok(), "advanceWithDelivery");
    assert_eq!(env.rollup_head().1, b);
    assert_eq!(delivered(&env), U256::from(1));
    let log = s.receipt.receipt.logs().iter().find_map(|l| {
        (l.address == env.rollup)
            .then(|| NativeRollup::MessagesDelivered::decode_log_data(&l.data).ok())
            .flatten()
    });
    let log = log.expect("MessagesDelivered emitted");
    let number = env.l2.header(&b).unwrap().unwrap().number;
    assert_eq!((log.delivered, log.l2Block), (U256::from(1), number));
    // From now on plain advance works again.
    env.l1_mine();
    let next = env.l2_block().block.hash_slow();
    assert!(env.settle_from(&seq, next).ok(), "advance after the delivery is proven");
    assert_eq!(env.l2_balance(carol), eth(1));
}

#[test]
fn stale_or_forged_delivery_proof_refused() {
    let env = Env::with_forced_delay(true, DELAY);
    let seq = env.sequencer.clone();
    let d = deposit(&env, key(9).address(), eth(1));
    for _ in 0..DELAY {
        env.l1_mine();
    }
    let parent = env.l2.head().hash_slow();
    deliver(&env, &[&d.message]);
    let b = env.l2.head().hash_slow();
    // A proof from the parent's state (stale) does not verify against the new state root.
    env.l1_expect_revert::<_, nr_contracts::NativeRollup::InvalidProof>(
        &seq,
        env.rollup,
        delivery_call(&env, b, parent),
        U256::ZERO,
    );
    // A storage proof whose leaf is edited (a larger prefix) is refused.
    let mut forged = delivery_call(&env, b, b);
    let leaf = forged.storageProof.last_mut().unwrap();
    let mut bytes = leaf.to_vec();
    *bytes.last_mut().unwrap() = 9;
    *leaf = Bytes::from(bytes);
    env.l1_expect_revert::<_, NativeRollup::InvalidProof>(&seq, env.rollup, forged, U256::ZERO);
    // An account proof of another account (the token bridge) is refused.
    let header = env.l2.header(&b).unwrap().unwrap();
    let other = env.l2.proof(&header, L2_TOKEN_BRIDGE, &[PREFIX_SLOT]).unwrap();
    let mut wrong = delivery_call(&env, b, b);
    wrong.accountProof = other.account_proof;
    env.l1_expect_revert::<_, NativeRollup::InvalidProof>(&seq, env.rollup, wrong, U256::ZERO);
    assert_eq!(delivered(&env), U256::ZERO);
    // The genuine proof works.
    assert!(env.l1_call(&seq, env.rollup, delivery_call(&env, b, b), U256::ZERO).ok());
    assert_eq!(delivered(&env), U256::from(1));
}

#[test]
fn out_of_order_claims_and_bounded_catch_up() {
    let env = Env::with_forced_delay(false, DELAY);
    let steps: U256 = env.l2_view(L2_MESSENGER, L2Messenger::PREFIX_STEPS_PER_CLAIMCall {});
    let n = steps.to::<usize>() + 4;
    let deposits: Vec<Deposit> =
        (0..n).map(|i| deposit(&env, key(20 + i as u8).address(), eth(1))).collect();
    env.l1_mine();
    // Every message but the first: the prefix cannot move.
    let later: Vec<&L2Messenger::L1Message> = deposits[1..].iter().map(|d| &d.message).collect();
    let receipts = deliver(&env, &later);
    assert!(receipts.iter().all(|r| r.receipt.status()));
    assert_eq!(prefix(&env), U256::ZERO, "message 0 is not processed");
    // The first: the prefix moves over it and at most `steps` more.
    env.l1_mine();
    let first = deliver(&env, &[&deposits[0].message]);
    println!("claim moving the prefix {steps} steps: {} L2 gas", first[0].gas_used);
    assert_eq!(prefix(&env), steps, "one claim moves it at most PREFIX_STEPS_PER_CLAIM");
    // catchUp does the rest, bounded by its argument.
    env.l1_mine();
    env.l2_tx(
        &env.bob.clone(),
        L2_MESSENGER,
        L2Messenger::catchUpCall { maxSteps: U256::from(2) },
        U256::ZERO,
        200_000,
    );
    env.l2_block();
    assert_eq!(prefix(&env), steps + U256::from(2));
    env.l1_mine();
    env.l2_tx(
        &env.bob.clone(),
        L2_MESSENGER,
        L2Messenger::catchUpCall { maxSteps: U256::from(1000) },
        U256::ZERO,
        200_000,
    );
    env.l2_block();
    assert_eq!(prefix(&env), U256::from(n), "all processed");
}

#[test]
fn always_reverting_receiver_does_not_stop_the_chain() {
    let env = Env::with_forced_delay(true, DELAY);
    let (alice, bob, seq) = (env.alice.clone(), env.bob.clone(), env.sequencer.clone());
    let carol = key(9).address();
    // The L2 token bridge refuses value and any finalizeDeposit not from its L1 peer:
    // this message's call fails whoever claims it, however often.
    let bad = L2TokenBridge::finalizeDepositCall {
        l1Token: Address::ZERO,
        _1: Address::ZERO,
        to: carol,
        amount: U256::from(1),
    };
    let fee = eth(1) / U256::from(100);
    let stuck =
        env.send_l1_message(&alice, L2_TOKEN_BRIDGE, eth(2), fee, 200_000, bad.abi_encode().into());
    let next = deposit(&env, carol, eth(1));
    for _ in 0..DELAY {
        env.l1_mine();
    }
    let messenger_before = env.l2_balance(L2_MESSENGER);
    let r = deliver(&env, &[&stuck.message, &next.message]);
    assert!(r[0].receipt.status(), "the failing message is processed, not reverted");
    assert!(r[1].receipt.status(), "the message after it is delivered");
    let leaf = nr_contracts::l1_message_hash(&stuck.message);
    assert!(env.l2_view(L2_MESSENGER, L2Messenger::failedL1Call(leaf)), "recorded as failed");
    assert_eq!(prefix(&env), U256::from(2));
    assert_eq!(env.l2_balance(carol), eth(1));
    // The messenger paid the next deposit and the relayer's fee; the failed message's
    // 2 ETH stay in it.
    assert_eq!(messenger_before - env.l2_balance(L2_MESSENGER), eth(1) + fee);
    // The chain settles past it.
    let b = env.l2.head().hash_slow();
    assert!(env.l1_call(&seq, env.rollup, delivery_call(&env, b, b), U256::ZERO).ok());
    assert_eq!(delivered(&env), U256::from(2));
    // Retrying fails again (the receiver always reverts) and changes nothing.
    env.l1_mine();
    env.l2_expect_revert::<_, L2Messenger::DeliveryFailed>(
        &bob,
        L2_MESSENGER,
        L2Messenger::retryL1MessageCall { m: stuck.message.clone() },
        1_000_000,
    );
    // Only the L1 sender (alice, same address on L2) may take the value back.
    env.l1_mine();
    env.l2_expect_revert::<_, L2Messenger::NotMessageSender>(
        &bob,
        L2_MESSENGER,
        L2Messenger::refundL1MessageCall { m: stuck.message.clone(), refundTo: bob.address() },
        200_000,
    );
    env.l1_mine();
    let dave = key(10).address();
    let h = env.l2_tx(
        &alice,
        L2_MESSENGER,
        L2Messenger::refundL1MessageCall { m: stuck.message.clone(), refundTo: dave },
        U256::ZERO,
        200_000,
    );
    env.l2_block();
    assert!(env.l2.receipt(&h).unwrap().unwrap().receipt.status(), "refund");
    assert_eq!(env.l2_balance(dave), eth(2), "the failed message's value is recovered");
    assert!(!env.l2_view(L2_MESSENGER, L2Messenger::failedL1Call(leaf)));
    env.l1_mine();
    env.l2_expect_revert::<_, L2Messenger::NotFailed>(
        &alice,
        L2_MESSENGER,
        L2Messenger::refundL1MessageCall { m: stuck.message.clone(), refundTo: dave },
        200_000,
    );
    env.l1_mine();
    env.l2_block();
    let (settled, _) = env.rollup_head();
    for n in settled + 1..=env.l2.head().number {
        let h = env.l2.hash_by_number(n).unwrap().unwrap();
        assert!(env.settle_from(&seq, h).ok(), "settlement continues at block {n}");
    }
}

#[test]
fn insufficient_gas_claim_does_not_advance_the_prefix() {
    let env = Env::with_forced_delay(false, DELAY);
    let bob = env.bob.clone();
    let d = env.send_l1_message(
        &env.alice.clone(),
        key(9).address(),
        eth(1),
        U256::ZERO,
        5_000_000,
        Bytes::new(),
    );
    let r = env.relay(&bob, &d, 3_000_000);
    assert!(!r.receipt.status(), "a 5M gas message in a 3M transaction");
    let req = CallRequest {
        from: Some(bob.address()),
        to: Some(L2_MESSENGER),
        input: env.claim_call(&d.message).abi_encode().into(),
        gas: Some(3_000_000),
        ..Default::default()
    };
    match env.l2.call(&env.l2.head(), &req).unwrap() {
        CallOutcome::Revert { output, .. } => {
            assert_eq!(output.get(..4), Some(&L2Messenger::InsufficientGas::SELECTOR[..]))
        }
        other => panic!("expected InsufficientGas, got {other:?}"),
    }
    assert_eq!(prefix(&env), U256::ZERO, "not processed");
    let processed: bool = env.l2_view(L2_MESSENGER, L2Messenger::processedL1Call(U256::ZERO));
    assert!(!processed);
    let leaf = nr_contracts::l1_message_hash(&d.message);
    assert!(!env.l2_view(L2_MESSENGER, L2Messenger::failedL1Call(leaf)));
    // With enough gas it is processed and the prefix moves.
    env.l1_mine();
    let h = env.l2_tx(&bob, L2_MESSENGER, env.claim_call(&d.message), U256::ZERO, 6_000_000);
    env.l2_block();
    assert!(env.l2.receipt(&h).unwrap().unwrap().receipt.status());
    assert_eq!(prefix(&env), U256::from(1));
}

/// Figures for docs/contracts.md: the per-message block record in `sendMessage`, and
/// `advanceWithDelivery` against `advance` on the same block.
#[test]
fn forced_deposit_gas_figures() {
    // Long enough that nothing is due yet: both calls settle the same block.
    let env = Env::with_forced_delay(true, 4 * DELAY);
    let alice = env.alice.clone();
    let mut sends = vec![];
    for i in 0..5u8 {
        let call = NativeRollup::sendMessageCall {
            to: key(30 + i).address(),
            fee: U256::ZERO,
            gasLimit_: U256::from(100_000),
            data: Bytes::new(),
        };
        let s = env.l1_call(&alice, env.rollup, call, eth(1));
        assert!(s.ok());
        sends.push(s.gas());
    }
    println!("sendMessage gas, messages 0..5: {sends:?}");
    // Deliver them all in one block, then compare the two ways to settle it.
    env.l1_mine();
    let msgs: Vec<L2Messenger::L1Message> = (0..5)
        .map(|i| L2Messenger::L1Message {
            sender: alice.address(),
            to: key(30 + i as u8).address(),
            value: eth(1),
            fee: U256::ZERO,
            gasLimit: U256::from(100_000),
            index: U256::from(i),
            data: Bytes::new(),
        })
        .collect();
    for m in &msgs {
        env.tree.borrow_mut().push(nr_contracts::l1_message_hash(m));
    }
    let refs: Vec<&L2Messenger::L1Message> = msgs.iter().collect();
    assert!(deliver(&env, &refs).iter().all(|r| r.receipt.status()));
    let b = env.l2.head().hash_slow();
    let plain = simulated_gas(&env, &advance_call(&env, b));
    let proving = simulated_gas(&env, &delivery_call(&env, b, b));
    let c = delivery_call(&env, b, b);
    let proof_bytes: usize = c.accountProof.iter().chain(&c.storageProof).map(|p| p.len()).sum();
    println!(
        "advance: {plain} gas; advanceWithDelivery: {proving} gas (+{}), proofs {proof_bytes} bytes",
        proving as i64 - plain as i64
    );
}

#[test]
fn due_messages_counts_by_sending_block() {
    let env = Env::with_forced_delay(false, DELAY);
    let due = |env: &Env| -> u64 {
        env.l1_view(env.rollup, NativeRollup::dueMessagesCall {}).to::<u64>()
    };
    let d0 = deposit(&env, key(9).address(), eth(1));
    deposit(&env, key(9).address(), eth(1));
    let d2 = deposit(&env, key(9).address(), eth(1));
    let block: U256 =
        env.l1_view(env.rollup, NativeRollup::messageBlockCall { index: U256::from(2) });
    assert_eq!(block, U256::from(d2.l1_block));
    // A view runs at the head's number: message i (sent at block d0 + i) is due once the
    // head reaches its block + DELAY.
    while env.l1.head().number < d0.l1_block + DELAY + 2 {
        let expected = (0..3).filter(|i| d0.l1_block + i + DELAY <= env.l1.head().number).count();
        assert_eq!(due(&env), expected as u64, "at L1 block {}", env.l1.head().number);
        env.l1_mine();
    }
    assert_eq!(due(&env), 3);
}
