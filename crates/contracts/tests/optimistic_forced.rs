//! Rule 5 (forced inclusion) in optimistic mode (issue 15): the `OptimisticInbox`'s
//! `consume` at proposal, the forced range and due deposits a defence must prove, the
//! rollback of a dropped block's entries, `pruneForced` on the pending tip, and the fees.

mod common;

use alloy_consensus::TxEnvelope;
use alloy_eips::eip2718::Encodable2718;
use alloy_primitives::{Address, B256, Bytes, U256};
use alloy_sol_types::{SolEvent, SolValue};
use common::{batches::Proposed, forced_opt::*, optimistic::*, *};
use nr_chain::CallOutcome;
use nr_contracts::{L2_MESSENGER, OptimisticInbox as Inbox, OptimisticRollup as Opt};

/// `L2Messenger.deliveredPrefix`'s slot.
const DELIVERED_PREFIX_SLOT: u64 = 5;

/// Mines L1 blocks until a transaction in the next L1 block sees entry `i` as due.
fn mine_until_due(env: &Env, i: u64) {
    let deadline = entry(env, i).deadline;
    for _ in 0..MAX_WAIT_BLOCKS {
        if env.l1.head().number + 1 >= deadline {
            return;
        }
        env.l1_mine();
    }
    panic!("entry {i} not due within {MAX_WAIT_BLOCKS} L1 blocks");
}

/// The error `E` a proposal of `blocks` from the sequencer reverts with.
fn propose_refused<E: alloy_sol_types::SolError>(env: &Env, blocks: Vec<Opt::Block>) -> E {
    let call = env.propose_call(blocks);
    match env.l1_simulate(env.sequencer.address(), env.rollup, &call, proposer_bond()) {
        CallOutcome::Revert { output, .. } => E::abi_decode(&output).unwrap_or_else(|_| {
            panic!("expected {}, got {:?}", E::SIGNATURE, nr_contracts::decode_error(&output))
        }),
        other => panic!("expected {}, got {other:?}", E::SIGNATURE),
    }
}

/// `delivery` for `defend`: abi.encode(accountProof, storageProof) of the messenger's
/// `deliveredPrefix` in L2 block `hash`'s state; and that value.
fn delivery(env: &Env, hash: B256) -> (Bytes, U256) {
    let header = env.l2.header(&hash).unwrap().unwrap();
    let slot = B256::from(U256::from(DELIVERED_PREFIX_SLOT));
    let p = env.l2.proof(&header, L2_MESSENGER, &[slot]).unwrap();
    let (_, value, storage) = p.storage[0].clone();
    ((p.account_proof, storage).abi_encode_params().into(), value)
}

/// Lets block `n`'s response window pass and resolves it (must succeed).
fn resolve_after(env: &Env, b: &Proposed, n: u64, respond_by: u64) -> Sent {
    wait_past(env, respond_by);
    let r = env.l1_call(&env.alice.clone(), env.rollup, b.resolve(n), U256::ZERO);
    assert!(r.ok(), "resolve of block {n}");
    r
}

fn fee_credit(env: &Env, a: Address) -> U256 {
    env.l1_view(env.inbox(), Inbox::feeCreditCall(a))
}

/// Before (today's code, run on commit 0cc10e1): the optimistic rollup had no forced inbox
/// and accepted any proposal ("forceInclude on the optimistic rollup ok: false; proposal
/// leaving it out accepted: true").
#[test]
fn optimistic_proposal_leaving_out_a_due_forced_tx_is_refused() {
    let env = optimistic_env_forced(FORCED_TX_DELAY);
    let proposer = env.sequencer.clone();
    let t = transfer_tx(&env.alice, l2_nonce(&env, env.alice.address()), 100_000_000_000);
    let (i, fee) = force(&env, &env.bob, &t);
    // Not due yet: a block may leave it out.
    let p0 = l2_block_with(&env, vec![]);
    env.l1_mine();
    propose(&env, &proposer, vec![env.posted(p0.hash)]);
    assert_eq!(env.forced_head(), i, "still pending");
    mine_until_due(&env, i);
    // The proposer's word is the count: a block claiming none while the entry is due is
    // refused (whatever its transactions), as is one claiming more than there are.
    let carried = l2_block_with(&env, vec![t.clone()]);
    env.l1_mine();
    let e: Inbox::ForcedTransactionDue = propose_refused(&env, vec![env.posted(carried.hash)]);
    assert_eq!(e.index, U256::from(i));
    let e: Inbox::ForcedCountTooHigh =
        propose_refused(&env, vec![posted_with(&env, carried.hash, 2)]);
    assert_eq!((e.blockIndex, e.count, e.available), (U256::ZERO, U256::from(2), U256::from(1)));
    // The block carrying it first and claiming it is accepted; the fee is the proposer's.
    let b = propose(&env, &proposer, vec![posted_with(&env, carried.hash, 1)]);
    let c = b.claim(b.first);
    assert_eq!((c.forcedFrom, c.forcedTo), (i, i + 1));
    assert_eq!(env.forced_head(), i + 1, "taken");
    assert_eq!(fee_credit(&env, proposer.address()), fee, "the fee is credited to the proposer");
    let to = key(11).address();
    let s = env.l1_call(&proposer, env.inbox(), Inbox::claimFeesCall { to }, U256::ZERO);
    assert!(s.ok());
    assert_eq!(env.l1_balance(to), fee, "claimFees pays it out");
    assert_eq!(fee_credit(&env, proposer.address()), U256::ZERO);
}

/// A block whose claim says it starts with an inbox entry it does not carry cannot be
/// defended (`ForcedPrefixMismatch`): challenged, it is dropped and the entry comes back.
/// Before: no claim carried a forced range (nothing to test on today's code).
#[test]
fn optimistic_block_claiming_a_forced_tx_it_does_not_carry_cannot_be_defended() {
    let env = optimistic_env_forced(FORCED_TX_DELAY);
    let (proposer, bob) = (env.sequencer.clone(), env.bob.clone());
    let nonce = l2_nonce(&env, env.alice.address());
    let t = transfer_tx(&env.alice, nonce, 100_000_000_000);
    let (i, _) = force(&env, &bob, &t);
    // An ordinary block (another transfer) claiming the entry as its first transaction.
    env.l2_transfer(&env.alice, bob.address(), U256::from(5));
    let p = l2_block_with(&env, vec![]);
    env.l1_mine();
    let posted = posted_with(&env, p.hash, 1);
    let b = propose(&env, &proposer, vec![posted.clone()]);
    assert_eq!(env.forced_head(), i + 1, "taken at proposal");
    let c = challenge(&env, &bob, 1, b.id);
    let e: Inbox::ForcedPrefixMismatch = refused(&env, b.defend(1, &posted, env.input(p.hash)));
    assert_eq!(e.index, U256::ZERO, "its first transaction is not the entry");
    let s =
        env.l1_call(&env.alice, env.rollup, b.defend(1, &posted, env.input(p.hash)), U256::ZERO);
    assert!(!s.ok(), "the defence fails on chain too");
    resolve_after(&env, &b, 1, c.receipt.header.timestamp + RESPONSE);
    assert_eq!(pending_number(&env), 0, "dropped");
    assert_eq!(env.forced_head(), i, "the entry is pending again");
}

/// `resolve` gives a dropped block's entries back: dropping a batch's first block rolls the
/// inbox back to that block's own `forcedFrom` (its claim proven at index 0), dropping a
/// later block to block n-1's `forcedTo`; the entries are then included again, and each
/// fee is paid once (to the first proposer that took it).
/// Before: no inbox in this mode (nothing to test on today's code).
#[test]
fn optimistic_dropped_block_gives_its_forced_entries_back() {
    let env = optimistic_env_forced(FORCED_TX_DELAY);
    let (proposer, bob, other) = (env.sequencer.clone(), env.bob.clone(), env.deployer.clone());
    let n0 = l2_nonce(&env, env.alice.address());
    let (t1, t2) = (
        transfer_tx(&env.alice, n0, 100_000_000_000),
        transfer_tx(&env.alice, n0 + 1, 100_000_000_000),
    );
    let (i1, fee1) = force(&env, &bob, &t1);
    let (i2, fee2) = force(&env, &bob, &t2);
    // Batch a: block 1 carries entry 1, block 2 (a forged state root) entry 2.
    let p1 = l2_block_with(&env, vec![t1.clone()]);
    let p2 = l2_block_with(&env, vec![t2.clone()]);
    env.l1_mine();
    let mut forged = posted_with(&env, p2.hash, 1);
    forged.stateRoot = B256::repeat_byte(0xba);
    let a = propose(&env, &proposer, vec![posted_with(&env, p1.hash, 1), forged]);
    assert_eq!(env.forced_head(), i2 + 1);
    assert_eq!(fee_credit(&env, proposer.address()), fee1 + fee2);
    // Block 2 dropped: the head goes back to block 1's forcedTo (entry 2 is pending again).
    let c2 = challenge(&env, &bob, 2, a.id);
    resolve_after(&env, &a, 2, c2.receipt.header.timestamp + RESPONSE);
    assert_eq!((pending_number(&env), env.forced_head()), (1, i2));
    // Block 1 dropped too (undefended): its own claim rolls the head back to entry 1.
    let c1 = challenge(&env, &bob, 1, a.id);
    let r = resolve_after(&env, &a, 1, c1.receipt.header.timestamp + RESPONSE);
    assert_eq!((pending_number(&env), env.forced_head()), (0, i1));
    println!("resolve of a batch's first block with its own claim: {} gas", r.gas());
    // Another proposer includes both again, in one block of its own: no fee the second time.
    let b =
        propose(&env, &other, vec![posted_with(&env, p1.hash, 1), posted_with(&env, p2.hash, 1)]);
    assert_eq!((b.claim(1).forcedFrom, b.claim(2).forcedTo), (i1, i2 + 1));
    assert_eq!(env.forced_head(), i2 + 1, "re-included");
    assert_eq!(fee_credit(&env, other.address()), U256::ZERO, "each fee is paid once");
    // The resolve of a first block with anything but its own claim is refused.
    let c = challenge(&env, &bob, 1, b.id);
    wait_past(&env, c.receipt.header.timestamp + RESPONSE);
    let wrong = Opt::resolveCall { n: 1, batch: b.id, prev: b.claim(2), prevProof: b.proof(2) };
    let e: Opt::WrongProof = refused(&env, wrong);
    assert_eq!(e.number, 1);
}

/// Sends a deposit of 1 ether to `to` and mines until it is due at the L1 head (as an
/// anchor): returns it.
fn due_deposit(env: &Env, to: Address) -> Deposit {
    let d = env.send_l1_message(&env.alice, to, eth(1), U256::ZERO, 100_000, Bytes::new());
    for _ in 0..FORCED_TX_DELAY {
        env.l1_mine();
    }
    let due: U256 =
        env.l1_view(env.rollup, Opt::dueAtCall { l1Block: U256::from(env.l1.head().number) });
    assert_eq!(due, U256::from(1), "due at the head as an anchor");
    d
}

/// A block anchored where a deposit is due whose state has not delivered it cannot be
/// defended (`MessagesDue`): dropped.
/// Before (commit 0cc10e1): "deposit due at the block's anchor, not delivered; defend ok:
/// true" (assertion `a block not delivering a due deposit must not be defensible` failed).
#[test]
fn optimistic_block_not_delivering_a_due_deposit_cannot_be_defended() {
    let env = optimistic_env_forced(FORCED_TX_DELAY);
    let (proposer, bob) = (env.sequencer.clone(), env.bob.clone());
    due_deposit(&env, key(10).address());
    env.l2_transfer(&env.alice, bob.address(), U256::from(1));
    let p = l2_block_with(&env, vec![]);
    env.l1_mine();
    let posted = env.posted(p.hash);
    let b = propose(&env, &proposer, vec![posted.clone()]);
    assert_eq!(b.claim(1).due, 1, "the claim says one message is due");
    let c = challenge(&env, &bob, 1, b.id);
    let (proof, delivered) = delivery(&env, p.hash);
    assert_eq!(delivered, U256::ZERO);
    let e: Inbox::MessagesDue =
        refused(&env, b.defend_with(1, &posted, env.input(p.hash), proof.clone()));
    assert_eq!((e.due, e.delivered), (U256::from(1), U256::ZERO));
    // Without a proof it is refused as well (no delivery shown).
    let sim = env.l1_simulate(
        env.alice.address(),
        env.rollup,
        &b.defend(1, &posted, env.input(p.hash)),
        U256::ZERO,
    );
    assert!(matches!(sim, CallOutcome::Revert { .. }), "no delivery proof: {sim:?}");
    let s = env.l1_call(
        &env.alice,
        env.rollup,
        b.defend_with(1, &posted, env.input(p.hash), proof),
        U256::ZERO,
    );
    assert!(!s.ok());
    resolve_after(&env, &b, 1, c.receipt.header.timestamp + RESPONSE);
    assert_eq!(pending_number(&env), 0, "dropped");
}

/// A valid block that starts with its due forced entry and delivers its due deposit IS
/// defended (with the messenger's storage proof), and finalizes.
#[test]
fn optimistic_valid_block_with_forced_entries_and_deliveries_is_defended() {
    let env = optimistic_env_forced(FORCED_TX_DELAY);
    let (proposer, bob, relayer) = (env.sequencer.clone(), env.bob.clone(), env.bob.clone());
    let dave = key(10).address();
    let t = transfer_tx(&env.alice, l2_nonce(&env, env.alice.address()), 100_000_000_000);
    let (i, _) = force(&env, &bob, &t);
    let d = due_deposit(&env, dave);
    // Relay the deposit in a block anchored at the L1 head (its root there holds it),
    // after the forced transaction.
    let head = env.l1.head();
    let ts = head.timestamp.max(env.l2.head().timestamp + 1);
    let prove = env.prove_root_call(head.number, ts);
    env.l2_tx(&relayer, L2_MESSENGER, prove, U256::ZERO, 2_000_000);
    env.l2_tx(&relayer, L2_MESSENGER, env.claim_call(&d.message), U256::ZERO, 1_000_000);
    let p = l2_block_with(&env, vec![t.clone()]);
    assert_eq!(p.block.body.transactions.len(), 3, "forced, prove, claim");
    assert_eq!(env.l2_balance(dave), eth(1), "delivered");
    env.l1_mine();
    let posted = posted_with(&env, p.hash, 1);
    let b = propose(&env, &proposer, vec![posted.clone()]);
    let claim = b.claim(1);
    assert_eq!((claim.forcedFrom, claim.forcedTo, claim.due), (i, i + 1, 1));
    let c = challenge(&env, &bob, 1, b.id);
    let (proof, delivered) = delivery(&env, p.hash);
    assert_eq!(delivered, U256::from(1));
    let s = env.l1_call(
        &env.alice,
        env.rollup,
        b.defend_with(1, &posted, env.input(p.hash), proof),
        U256::ZERO,
    );
    assert!(s.ok(), "defended");
    assert!(
        s.receipt
            .receipt
            .logs()
            .iter()
            .any(|l| Opt::BlockDefended::decode_log_data(&l.data).is_ok())
    );
    let l2_gas = p.block.header.gas_used;
    let (proof, _) = delivery(&env, p.hash);
    let call = Inbox::deliveredAtCall { stateRoot: p.block.header.state_root, delivery: proof };
    let proof_gas = match env.l1_simulate(env.alice.address(), env.inbox(), &call, U256::ZERO) {
        CallOutcome::Success { gas_used, .. } => gas_used,
        other => panic!("deliveredAt: {other:?}"),
    };
    println!(
        "defend with a forced entry and a delivery proof: {} gas (block of {l2_gas} L2 gas; \
         deliveredAt alone as a transaction: {proof_gas} gas)",
        s.gas()
    );
    wait_past(&env, b.sent.receipt.header.timestamp + WINDOW - 1);
    assert!(env.l1_call(&env.alice, env.rollup, Opt::finalizeCall { upTo: 1 }, U256::ZERO).ok());
    assert_eq!(env.rollup_head(), (1, p.hash));
    let _ = c;
}

/// The `ForcedDropped` reason `s` logged (Underpriced 0, Nonce 1, Balance 2, Expired 3).
fn dropped_reason(s: &Sent) -> u8 {
    let e = s
        .receipt
        .receipt
        .logs()
        .iter()
        .find_map(|l| Inbox::ForcedDropped::decode_log_data(&l.data).ok());
    e.expect("ForcedDropped logged").reason
}

/// A pruner drops an entry whose nonce the pending tip's claimed state has used (account
/// proof against that claimed root: fee to the pruner); the block is later dropped, and
/// `resolve`'s rollback restores the entry — whose fee is not paid twice. A still-valid
/// entry cannot be pruned.
#[test]
fn optimistic_prune_against_a_claimed_root_later_dropped_restores_the_entry() {
    let env = optimistic_env_forced(FORCED_TX_DELAY);
    let (proposer, bob, pruner) = (env.sequencer.clone(), env.bob.clone(), env.deployer.clone());
    let alice = env.alice.address();
    let nonce = l2_nonce(&env, alice);
    let t = transfer_tx(&env.alice, nonce, 100_000_000_000);
    let (i, fee) = force(&env, &bob, &t);
    // Valid on the pending tip (genesis): refused.
    let genesis = env.l2.head();
    let proof = env.l2.proof(&genesis, alice, &[]).unwrap().account_proof;
    let e: Inbox::ForcedTxStillValid = refused_at(
        &env,
        env.inbox(),
        Inbox::pruneForcedCall {
            accountProof: proof,
            tipHeader: alloy_rlp::encode(&genesis).into(),
        },
    );
    assert_eq!(e.index, U256::from(i));
    // Block 1 uses alice's nonce in an ordinary transaction (before the entry is due).
    env.l2_transfer(&env.alice, bob.address(), U256::from(3));
    let p = l2_block_with(&env, vec![]);
    env.l1_mine();
    let b = propose(&env, &proposer, vec![env.posted(p.hash)]);
    let root: B256 = env.l1_view(env.rollup, Opt::pendingStateRootCall {});
    assert_eq!(root, p.block.header.state_root, "the pending tip's claimed root");
    let proof = env.l2.proof(&p.block.header, alice, &[]).unwrap();
    assert_eq!(proof.account.nonce, nonce + 1);
    let before = env.l1_balance(pruner.address());
    let s = prune(&env, &pruner, proof.account_proof.clone(), Bytes::new());
    assert!(s.ok(), "pruned");
    assert_eq!(dropped_reason(&s), 1, "Nonce");
    assert_eq!(received(&env, pruner.address(), before, &s), fee, "the fee to the pruner");
    assert_eq!(env.forced_head(), i + 1);
    println!("pruneForced (Nonce, proof against the pending tip): {} gas", s.gas());
    // Block 1 is dropped (left undefended): the entry comes back.
    let c = challenge(&env, &bob, 1, b.id);
    resolve_after(&env, &b, 1, c.receipt.header.timestamp + RESPONSE);
    assert_eq!(env.forced_head(), i, "restored with its block");
    // On the tip now (genesis) it is valid and due again: a proposal must carry it, and
    // the proposer taking it this time gets no fee (paid once, to the pruner).
    let e: Inbox::ForcedTransactionDue = propose_refused(&env, vec![env.posted(p.hash)]);
    assert_eq!(e.index, U256::from(i));
    let credit = fee_credit(&env, proposer.address());
    propose(&env, &proposer, vec![posted_with(&env, p.hash, 1)]);
    assert_eq!(env.forced_head(), i + 1);
    assert_eq!(fee_credit(&env, proposer.address()), credit, "the fee is paid once");
}

/// `Expired` (no proof, from `deadline + forcedDelay` on), `Balance` (an absent sender:
/// exclusion proof, balance 0) and `Underpriced` (fee cap below the next base fee computed
/// from the pending tip's header) drops; a header that is not the tip's is refused.
#[test]
fn optimistic_forced_entries_expired_unfunded_or_underpriced_are_pruned() {
    let env = optimistic_env_forced(FORCED_TX_DELAY);
    let (bob, pruner) = (env.bob.clone(), env.deployer.clone());
    let poor = key(12);
    let genesis = env.l2.head();
    // Entry 0: from an account absent on L2 (nonce 0, balance 0).
    let (i0, _) = force(&env, &bob, &transfer_tx(&poor, 0, 100_000_000_000));
    let absent = env.l2.proof(&genesis, poor.address(), &[]).unwrap();
    assert_eq!(absent.account.balance, U256::ZERO);
    let s = prune(&env, &pruner, absent.account_proof, Bytes::new());
    assert!(s.ok());
    assert_eq!((dropped_reason(&s), env.forced_head()), (2, i0 + 1), "Balance");
    // Entry 1: fee cap 1 wei, under any base fee of this chain.
    let (i1, _) = force(&env, &bob, &transfer_tx(&env.alice, 0, 1));
    let mut other = genesis.clone();
    other.gas_used = 1;
    let e: Inbox::WrongTipHeader = refused_at(
        &env,
        env.inbox(),
        Inbox::pruneForcedCall {
            accountProof: vec![],
            tipHeader: alloy_rlp::encode(&other).into(),
        },
    );
    let _ = e;
    let s = prune(&env, &pruner, vec![], alloy_rlp::encode(&genesis).into());
    assert!(s.ok());
    assert_eq!((dropped_reason(&s), env.forced_head()), (0, i1 + 1), "Underpriced");
    println!("pruneForced (Underpriced, tip header): {} gas", s.gas());
    // Entry 2: valid, but never carried: expired `forcedDelay` blocks after it was due.
    let (i2, _) = force(&env, &bob, &transfer_tx(&env.alice, 0, 100_000_000_000));
    let e: Inbox::ForcedTxStillValid = refused_at(
        &env,
        env.inbox(),
        Inbox::pruneForcedCall { accountProof: vec![], tipHeader: Bytes::new() },
    );
    assert_eq!(e.index, U256::from(i2));
    let expiry = entry(&env, i2).deadline + FORCED_TX_DELAY;
    for _ in 0..MAX_WAIT_BLOCKS {
        if env.l1.head().number + 1 >= expiry {
            break;
        }
        env.l1_mine();
    }
    let s = prune(&env, &pruner, vec![], Bytes::new());
    assert!(s.ok(), "expired");
    assert_eq!((dropped_reason(&s), env.forced_head()), (3, i2 + 1), "Expired");
    let e: Inbox::NoForcedEntry = refused_at(
        &env,
        env.inbox(),
        Inbox::pruneForcedCall { accountProof: vec![], tipHeader: Bytes::new() },
    );
    let _ = e;
}

/// Only the rollup may consume or roll the inbox back.
#[test]
fn optimistic_inbox_hooks_are_rollup_only() {
    let env = optimistic_env_forced(FORCED_TX_DELAY);
    let _: Inbox::NotRollup = refused_at(
        &env,
        env.inbox(),
        Inbox::consumeCall { proposer_: env.alice.address(), counts: vec![0], expected: 0 },
    );
    let _: Inbox::NotRollup = refused_at(&env, env.inbox(), Inbox::rollbackCall { head: 0 });
}

/// `dueAt(l1Block)` counts the messages sent at an L1 block <= l1Block - forcedDelay (its
/// gallop-then-bisect search agrees with a linear count for every block of the run).
#[test]
fn optimistic_due_at_counts_messages_sent_forced_delay_before() {
    let env = optimistic_env_forced(FORCED_TX_DELAY);
    let mut sent = vec![];
    for k in 0..7u64 {
        let d = env.send_l1_message(
            &env.alice,
            key(10).address(),
            U256::from(1),
            U256::ZERO,
            50_000,
            Bytes::new(),
        );
        sent.push(d.l1_block);
        for _ in 0..k % 3 {
            env.l1_mine();
        }
    }
    let last = env.l1.head().number + FORCED_TX_DELAY + 2;
    for b in 0..=last {
        let due: U256 = env.l1_view(env.rollup, Opt::dueAtCall { l1Block: U256::from(b) });
        let want = sent.iter().filter(|&&s| s + FORCED_TX_DELAY <= b).count();
        assert_eq!(due, U256::from(want), "dueAt({b}), messages sent at {sent:?}");
    }
}

/// Gas of the rule 5 paths (printed for docs/contracts.md, "Forced inclusion in
/// optimistic mode"): `forceInclude`, `propose` of one block taking 0, 1 or 4 entries,
/// with the inbox empty or holding a pending entry.
#[test]
fn optimistic_forced_gas_figures() {
    let env = optimistic_env_forced(FORCED_TX_DELAY);
    let proposer = env.sequencer.clone();
    let block = |first: Vec<TxEnvelope>| {
        let p = l2_block_with(&env, first);
        env.l1_mine();
        p
    };
    // Warm the batch counters: the first proposal pays fresh slots.
    propose(&env, &proposer, vec![env.posted(block(vec![]).hash)]);
    let p = block(vec![]);
    let empty = propose(&env, &proposer, vec![env.posted(p.hash)]).sent.gas();
    let n0 = l2_nonce(&env, env.alice.address());
    let txs: Vec<_> = (0..5).map(|k| transfer_tx(&env.alice, n0 + k, 100_000_000_000)).collect();
    let raw_len = txs[0].encoded_2718().len();
    let before = env.l1.head().number;
    force(&env, &env.bob, &txs[0]);
    let s = env.l1_call(
        &env.bob,
        env.inbox(),
        Inbox::forceIncludeCall { rawTx: txs[1].encoded_2718().into() },
        eth(1) / U256::from(100),
    );
    let force_gas = s.gas();
    for t in &txs[2..] {
        force(&env, &env.bob, t);
    }
    assert!(env.l1.head().number < before + FORCED_TX_DELAY, "none due yet");
    let p = block(vec![]);
    let pending = propose(&env, &proposer, vec![env.posted(p.hash)]).sent.gas();
    let p = block(vec![txs[0].clone()]);
    let one = propose(&env, &proposer, vec![posted_with(&env, p.hash, 1)]).sent.gas();
    let p = block(txs[1..5].to_vec());
    let four = propose(&env, &proposer, vec![posted_with(&env, p.hash, 4)]).sent.gas();
    println!("forced gas: forceInclude of a {raw_len}-byte transfer into the inbox: {force_gas}");
    println!("forced gas: propose 1 empty block, inbox empty: {empty}");
    println!("forced gas: propose 1 empty block, a pending (not due) entry: {pending}");
    println!("forced gas: propose 1 block taking 1 entry: {one}");
    println!("forced gas: propose 1 block taking 4 entries: {four}");
}
