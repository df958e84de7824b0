//! OptimisticRollup on our L1 (EXECUTE at 0x0101) with real L2 blocks from our L2 chain:
//! propose, challenge, defend with a real EXECUTE input, resolve, finalize; bonds, the
//! timing edges, withdrawals only against finalized roots, and gas figures.

mod common;

use alloy_consensus::Transaction as _;
use alloy_primitives::{Address, B256, Bytes, TxKind, U256};
use alloy_signer_local::PrivateKeySigner;
use alloy_sol_types::SolCall;
use common::{batches::Proposed, optimistic::*, *};
use nr_contracts::{L2_MESSENGER, L2Messenger, OptimisticRollup as Opt, RollupCore};

/// `OptimisticRollup.Status.Challenged` (the bindings carry the enum as its uint8).
const CHALLENGED: u8 = 1;
/// `OptimisticRollup.Status.Defended`.
const DEFENDED: u8 = 2;

/// Wei a transaction paid for gas.
fn fee(s: &Sent) -> U256 {
    let price = s.receipt.tx.effective_gas_price(s.receipt.header.base_fee_per_gas);
    U256::from(s.gas()) * U256::from(price)
}

/// Wei a transaction paid its block's fee recipient (the priority fee).
fn tip(s: &Sent) -> U256 {
    let base = s.receipt.header.base_fee_per_gas.unwrap_or_default();
    let price = s.receipt.tx.effective_gas_price(Some(base));
    U256::from(s.gas()) * U256::from(price - u128::from(base))
}

/// `defend` of block `n` of batch `b` with its claim and proof, `posted` and `input`.
fn defend_call(b: &Proposed, n: u64, posted: &Opt::Block, input: Vec<u8>) -> Opt::defendCall {
    b.defend(n, posted, input)
}

/// `resolve` of block `n` of batch `b` (block n-1's claim and proof when n is not first).
fn resolve_call(b: &Proposed, n: u64) -> Opt::resolveCall {
    b.resolve(n)
}

fn batch_of(env: &Env, n: u64) -> u64 {
    env.l1_view(env.rollup, Opt::batchOfCall { n })
}

fn pending(env: &Env, n: u64) -> Opt::Pending {
    env.l1_view(env.rollup, Opt::pendingBlockCall { n })
}

/// Sends an L2->L1 message of `value` wei from `from` to `to` on L2 (in the pool);
/// returns the message as the L1 claims it (nonce from the messenger, read after the
/// block including it is produced: call `message_of` then).
fn withdraw(env: &Env, from: &PrivateKeySigner, to: Address, value: U256) -> B256 {
    env.l2_tx(
        from,
        L2_MESSENGER,
        L2Messenger::sendMessageCall { to, gasLimit: U256::from(50_000), data: Bytes::new() },
        value,
        200_000,
    )
}

/// The last L2->L1 message sent (after the block including `withdraw`'s transaction).
fn last_message(env: &Env, from: Address, to: Address, value: U256) -> RollupCore::L2Message {
    let nonce: U256 = env.l2_view(L2_MESSENGER, L2Messenger::nonceCall {});
    RollupCore::L2Message {
        sender: from,
        to,
        value,
        gasLimit: U256::from(50_000),
        nonce: nonce - U256::from(1),
        data: Bytes::new(),
    }
}

/// The claim of `m` against L2 block `n`, through OptimisticRollup.
fn claim(env: &Env, m: &RollupCore::L2Message, n: u64) -> Opt::claimL2MessageCall {
    let c = env.claim_l2_call(m, n);
    Opt::claimL2MessageCall {
        m: c.m.into(),
        l2Block: c.l2Block,
        accountProof: c.accountProof,
        storageProof: c.storageProof,
    }
}

#[test]
fn optimistic_withdrawal_claimable_only_after_finality() {
    let env = optimistic_env();
    let (alice, proposer) = (env.alice.clone(), env.sequencer.clone());
    let dave = key(10).address();
    let value = eth(1) / U256::from(2);
    withdraw(&env, &alice, dave, value);
    let p = env.l2_block();
    let m = last_message(&env, alice.address(), dave, value);
    env.l1_mine();
    let rollup_before = env.l1_balance(env.rollup);
    let before = env.l1_balance(proposer.address());
    let b = propose(&env, &proposer, vec![env.posted(p.hash)]);
    let proposed_at = b.sent.receipt.header.timestamp;
    assert_eq!(pending_number(&env), 1);
    assert_eq!(env.rollup_head().0, 0, "proposed, not settled");
    assert_eq!(env.l1_balance(env.rollup), rollup_before + proposer_bond());

    // Not claimable while pending, and not finalizable inside the window.
    env.l1_expect_revert::<_, Opt::UnknownStateRoot>(
        &alice,
        env.rollup,
        claim(&env, &m, 1),
        U256::ZERO,
    );
    let e = env.l1_expect_revert::<_, Opt::WindowOpen>(
        &alice,
        env.rollup,
        Opt::finalizeCall { upTo: 1 },
        U256::ZERO,
    );
    assert_eq!((e.number, e.until), (1, U256::from(proposed_at + WINDOW)));

    wait_past(&env, proposed_at + WINDOW - 1);
    let f = env.l1_call(&alice, env.rollup, Opt::finalizeCall { upTo: 1 }, U256::ZERO);
    assert!(f.ok(), "finalize after the window");
    assert_eq!(env.rollup_head(), (1, p.hash));
    assert_eq!(
        env.l1_balance(proposer.address()),
        before - fee(&b.sent),
        "the bond is back once the batch is final"
    );
    let c = env.l1_call(&alice, env.rollup, claim(&env, &m, 1), U256::ZERO);
    assert!(c.ok(), "claim against the finalized root");
    assert_eq!(env.l1_balance(dave), value);
    assert_eq!(env.l1_balance(env.rollup), rollup_before - value);
}

#[test]
fn optimistic_wrong_state_root_undefended_is_dropped_with_descendants() {
    let env = optimistic_env();
    let (alice, bob, proposer, other) =
        (env.alice.clone(), env.bob.clone(), env.sequencer.clone(), env.deployer.clone());
    let dave = key(10).address();
    let value = eth(1);
    withdraw(&env, &alice, dave, value);
    let p1 = env.l2_block();
    let m = last_message(&env, alice.address(), dave, value);
    env.l1_mine();
    env.l2_transfer(&alice, bob.address(), U256::from(7));
    let p2 = env.l2_block();
    env.l1_mine();

    // Block 1 claims a forged state root (one that would let anything be withdrawn);
    // block 2 (another batch, another proposer) builds on it.
    let mut forged = env.posted(p1.hash);
    forged.stateRoot = B256::repeat_byte(0xba);
    let other_before = env.l1_balance(other.address());
    let b1 = propose(&env, &proposer, vec![forged.clone()]);
    let b2 = propose(&env, &other, vec![env.posted(p2.hash)]);
    assert_eq!((b1.id, b2.id), (1, 2));
    assert_eq!(pending_number(&env), 2);

    let bob_before = env.l1_balance(bob.address());
    let c1 = challenge(&env, &bob, 1, b1.id);
    let respond_by = c1.receipt.header.timestamp + RESPONSE;
    challenge(&env, &alice, 2, b2.id);

    // The honest input of block 1 does not match the forged claim: it cannot defend it.
    let e = env.l1_expect_revert::<_, Opt::InputMismatch>(
        &alice,
        env.rollup,
        defend_call(&b1, 1, &forged, env.input(p1.hash)),
        U256::ZERO,
    );
    assert_eq!(e.number, 1);
    // Nor can the forged claim be withdrawn against while pending.
    env.l1_expect_revert::<_, Opt::UnknownStateRoot>(
        &alice,
        env.rollup,
        claim(&env, &m, 1),
        U256::ZERO,
    );
    // Resolving before respondBy is refused.
    let e = env.l1_expect_revert::<_, Opt::ResponseWindowOpen>(
        &alice,
        env.rollup,
        resolve_call(&b1, 1),
        U256::ZERO,
    );
    assert_eq!(e.respondBy, U256::from(respond_by));

    wait_past(&env, respond_by);
    let alice_mid = env.l1_balance(alice.address());
    // address(0) is also the L1 blocks' fee recipient: count the resolve block's tips out.
    let burn_before = env.l1_balance(Address::ZERO);
    let r = env.l1_call(&alice, env.rollup, resolve_call(&b1, 1), U256::ZERO);
    assert!(r.ok(), "resolve after respondBy");
    assert_eq!(pending_number(&env), 0, "block 1 and its descendant are dropped");
    assert_eq!(env.rollup_head().0, 0);
    let half = proposer_bond() / U256::from(2);
    assert_eq!(
        env.l1_balance(bob.address()),
        bob_before - fee(&c1) + half,
        "the challenger gets its bond back and half the proposer's"
    );
    assert_eq!(
        env.l1_balance(Address::ZERO),
        burn_before + proposer_bond() - half + tip(&r),
        "half burned"
    );
    assert_eq!(env.l1_balance(alice.address()), alice_mid - fee(&r));
    // The later batch's bond and the later block's challenge bond come back on request
    // (anyone may ask; the wei goes to the proposer and the challenger).
    let e = env.l1_expect_revert::<_, Opt::NotDropped>(
        &bob,
        env.rollup,
        Opt::reclaimBondCall { batch: 1 },
        U256::ZERO,
    );
    assert_eq!(e.batch, 1, "the slashed batch gets nothing back");
    let bob_mid = env.l1_balance(bob.address());
    let r1 = env.l1_call(&bob, env.rollup, Opt::reclaimBondCall { batch: 2 }, U256::ZERO);
    let r2 =
        env.l1_call(&bob, env.rollup, Opt::reclaimChallengeBondCall { n: 2, batch: 2 }, U256::ZERO);
    assert!(r1.ok() && r2.ok(), "refunds of the dropped batch and challenge");
    assert_eq!(
        env.l1_balance(other.address()),
        other_before - fee(&b2.sent),
        "the later batch's bond is returned"
    );
    assert_eq!(
        env.l1_balance(alice.address()),
        alice_mid - fee(&r) + challenger_bond(),
        "the later block's challenger gets its bond back"
    );
    assert_eq!(env.l1_balance(bob.address()), bob_mid - fee(&r1) - fee(&r2));
    env.l1_expect_revert::<_, Opt::NotDropped>(
        &bob,
        env.rollup,
        Opt::reclaimBondCall { batch: 2 },
        U256::ZERO,
    );
    env.l1_expect_revert::<_, Opt::NotDropped>(
        &bob,
        env.rollup,
        Opt::reclaimChallengeBondCall { n: 2, batch: 2 },
        U256::ZERO,
    );
    // Nothing of the dropped blocks can be finalized, challenged or claimed.
    env.l1_expect_revert::<_, Opt::NotPending>(
        &alice,
        env.rollup,
        Opt::finalizeCall { upTo: 1 },
        U256::ZERO,
    );
    env.l1_expect_revert::<_, Opt::NotPending>(
        &bob,
        env.rollup,
        Opt::challengeCall { n: 2, batch: 2 },
        challenger_bond(),
    );
    env.l1_expect_revert::<_, Opt::UnknownStateRoot>(
        &alice,
        env.rollup,
        claim(&env, &m, 1),
        U256::ZERO,
    );

    // Honest proposals continue from block 0; once final, the real withdrawal is paid
    // (against the batch tip, block 2, whose state holds the message too).
    let h = propose(&env, &other, vec![env.posted(p1.hash), env.posted(p2.hash)]);
    assert_eq!(pending_number(&env), 2);
    wait_past(&env, h.sent.receipt.header.timestamp + WINDOW - 1);
    assert!(env.l1_call(&alice, env.rollup, Opt::finalizeCall { upTo: 2 }, U256::ZERO).ok());
    assert_eq!(env.rollup_head(), (2, p2.hash));
    let root: B256 = env.l1_view(env.rollup, Opt::stateRootAtCall { number: 2 });
    assert_eq!(root, p2.block.header.state_root, "the batch tip settled");
    env.l1_expect_revert::<_, Opt::UnknownStateRoot>(
        &alice,
        env.rollup,
        Opt::stateRootAtCall { number: 1 },
        U256::ZERO,
    );
    assert!(env.l1_call(&alice, env.rollup, claim(&env, &m, 2), U256::ZERO).ok());
    assert_eq!(env.l1_balance(dave), value);
}

#[test]
fn optimistic_griefing_challenge_on_valid_block_is_defended() {
    let env = optimistic_env();
    let (alice, bob, proposer) = (env.alice.clone(), env.bob.clone(), env.sequencer.clone());
    for _ in 0..3 {
        env.l2_transfer(&alice, bob.address(), U256::from(1000));
    }
    let p = env.l2_block();
    env.l1_mine();
    let block = env.posted(p.hash);
    let b = propose(&env, &proposer, vec![block.clone()]);
    challenge(&env, &bob, 1, b.id);
    let rollup_before = env.l1_balance(env.rollup);
    let defender = key(4); // the proposer itself, or anyone with the data
    let before = env.l1_balance(defender.address());
    let d = env.l1_call(
        &defender,
        env.rollup,
        defend_call(&b, 1, &block, env.input(p.hash)),
        U256::ZERO,
    );
    assert!(d.ok(), "a valid block is defended with its real EXECUTE input");
    println!(
        "defend: {} L2 txs, {} L2 gas, {} input bytes -> {} L1 gas",
        p.block.body.transactions.len(),
        p.block.header.gas_used,
        env.input(p.hash).len(),
        d.gas()
    );
    assert_eq!(
        env.l1_balance(defender.address()),
        before - fee(&d) + challenger_bond(),
        "the defender takes the challenger's bond"
    );
    assert_eq!(env.l1_balance(env.rollup), rollup_before - challenger_bond());
    assert_eq!(pending(&env, 1).status, DEFENDED, "Defended");
    let e = env.l1_expect_revert::<_, Opt::AlreadyChallenged>(
        &bob,
        env.rollup,
        Opt::challengeCall { n: 1, batch: b.id },
        challenger_bond(),
    );
    assert_eq!(e.number, 1);
    // A defended block no longer holds its batch back, but the batch still waits for its
    // window (its other blocks could be challenged until then).
    let e = env.l1_expect_revert::<_, Opt::WindowOpen>(
        &bob,
        env.rollup,
        Opt::finalizeCall { upTo: 1 },
        U256::ZERO,
    );
    wait_past(&env, e.until.to::<u64>() - 1);
    assert!(env.l1_call(&bob, env.rollup, Opt::finalizeCall { upTo: 1 }, U256::ZERO).ok());
    assert_eq!(env.rollup_head(), (1, p.hash));
}

#[test]
fn optimistic_data_inconsistent_with_claimed_hash_cannot_be_defended() {
    let env = optimistic_env();
    let (alice, bob, proposer) = (env.alice.clone(), env.bob.clone(), env.sequencer.clone());
    env.l2_transfer(&alice, bob.address(), U256::from(1));
    env.l2_transfer(&alice, bob.address(), U256::from(2));
    let p = env.l2_block();
    env.l1_mine();
    // The proposer claims the real hash and root but posts only the first transaction:
    // followers cannot rebuild the block from L1 data.
    let mut short = env.posted(p.hash);
    short.transactions.pop();
    let b = propose(&env, &proposer, vec![short.clone()]);
    let c = challenge(&env, &bob, 1, b.id);
    // The real input has two transactions: it does not match the posted data.
    env.l1_expect_revert::<_, Opt::InputMismatch>(
        &alice,
        env.rollup,
        defend_call(&b, 1, &short, env.input(p.hash)),
        U256::ZERO,
    );
    // An input with the posted transactions only: EXECUTE refuses it (the claimed block
    // hash commits to both).
    let mut one = from_wire(&env.input(p.hash));
    one.new_payload_request.execution_payload.transactions.pop();
    one.public_keys.pop();
    env.l1_expect_revert::<_, Opt::ExecuteFailed>(
        &alice,
        env.rollup,
        defend_call(&b, 1, &short, one.to_wire()),
        U256::ZERO,
    );
    // The full block posted as is does not match the claim's data hash either.
    env.l1_expect_revert::<_, Opt::WrongCommitment>(
        &alice,
        env.rollup,
        defend_call(&b, 1, &env.posted(p.hash), env.input(p.hash)),
        U256::ZERO,
    );
    wait_past(&env, c.receipt.header.timestamp + RESPONSE);
    assert!(env.l1_call(&bob, env.rollup, resolve_call(&b, 1), U256::ZERO).ok());
    assert_eq!(pending_number(&env), 0, "dropped");
}

#[test]
fn optimistic_incomplete_witness_fails_then_complete_one_defends() {
    let env = optimistic_env();
    let (alice, bob, proposer) = (env.alice.clone(), env.bob.clone(), env.sequencer.clone());
    env.l2_transfer(&alice, bob.address(), U256::from(1));
    let p = env.l2_block();
    env.l1_mine();
    let block = env.posted(p.hash);
    let b = propose(&env, &proposer, vec![block.clone()]);
    challenge(&env, &bob, 1, b.id);
    let mut tampered = from_wire(&env.input(p.hash));
    tampered.witness.state.pop();
    env.l1_expect_revert::<_, Opt::ExecuteFailed>(
        &bob,
        env.rollup,
        defend_call(&b, 1, &block, tampered.to_wire()),
        U256::ZERO,
    );
    assert_eq!(pending(&env, 1).status, CHALLENGED, "still Challenged");
    let d =
        env.l1_call(&alice, env.rollup, defend_call(&b, 1, &block, env.input(p.hash)), U256::ZERO);
    assert!(d.ok(), "a complete witness defends");
    assert_eq!(pending(&env, 1).status, DEFENDED, "Defended");
}

#[test]
fn optimistic_timing_edges() {
    let env = optimistic_env();
    let (alice, bob, proposer) = (env.alice.clone(), env.bob.clone(), env.sequencer.clone());
    let p1 = env.l2_block();
    env.l1_mine();
    let p2 = env.l2_block();
    env.l1_mine();
    // Wrong bonds are refused.
    let e = env.l1_expect_revert::<_, Opt::WrongBond>(
        &proposer,
        env.rollup,
        env.propose_call(vec![env.posted(p1.hash)]),
        U256::ZERO,
    );
    assert_eq!((e.paid, e.required), (U256::ZERO, proposer_bond()));
    let b = propose(&env, &proposer, vec![env.posted(p1.hash), env.posted(p2.hash)]);
    let proposed_at = b.sent.receipt.header.timestamp;
    env.l1_expect_revert::<_, Opt::NotPending>(
        &bob,
        env.rollup,
        Opt::challengeCall { n: 3, batch: b.id },
        challenger_bond(),
    );
    let c = challenge(&env, &bob, 2, b.id);
    // Past the window the batch still does not finalize while block 2's challenge is open;
    // a batch finalizes whole (upTo = its last block).
    wait_past(&env, proposed_at + WINDOW - 1);
    let e = env.l1_expect_revert::<_, Opt::ChallengeOpen>(
        &alice,
        env.rollup,
        Opt::finalizeCall { upTo: 2 },
        U256::ZERO,
    );
    assert_eq!(e.number, 1, "the batch from block 1");
    let e = env.l1_expect_revert::<_, Opt::NotBatchEnd>(
        &alice,
        env.rollup,
        Opt::finalizeCall { upTo: 1 },
        U256::ZERO,
    );
    assert_eq!(e.upTo, 1);
    // The window is over: no new challenge of block 1.
    let e = env.l1_expect_revert::<_, Opt::ChallengeWindowClosed>(
        &bob,
        env.rollup,
        Opt::challengeCall { n: 1, batch: b.id },
        challenger_bond(),
    );
    assert_eq!(e.closedAt, U256::from(proposed_at + WINDOW));
    // Past respondBy a defence is too late, even a valid one; the block is dropped and
    // the batch truncated to block 1, which then finalizes.
    let respond_by = c.receipt.header.timestamp + RESPONSE;
    wait_past(&env, respond_by);
    env.l1_expect_revert::<_, Opt::ResponseWindowClosed>(
        &alice,
        env.rollup,
        defend_call(&b, 2, &env.posted(p2.hash), env.input(p2.hash)),
        U256::ZERO,
    );
    assert!(env.l1_call(&alice, env.rollup, resolve_call(&b, 2), U256::ZERO).ok());
    assert_eq!(pending_number(&env), 1);
    env.l1_expect_revert::<_, Opt::NotPending>(&alice, env.rollup, resolve_call(&b, 2), U256::ZERO);
    assert!(env.l1_call(&alice, env.rollup, Opt::finalizeCall { upTo: 1 }, U256::ZERO).ok());
    assert_eq!(env.rollup_head(), (1, p1.hash));
}

#[test]
fn optimistic_gas_figures() {
    let env = optimistic_env();
    let (alice, bob, proposer) = (env.alice.clone(), env.bob.clone(), env.sequencer.clone());
    let mut lines = vec![];
    // propose: one block of k transfers, challenged and defended; then batches of 4 and
    // 32 empty blocks; then finalize of all.
    let mut last = None;
    for k in [0usize, 1, 10, 50] {
        for _ in 0..k {
            env.l2_transfer(&alice, bob.address(), U256::from(1));
        }
        let p = env.l2_block();
        env.l1_mine();
        let block = env.posted(p.hash);
        let bytes: usize = block.transactions.iter().map(|t| t.len()).sum();
        let b = propose(&env, &proposer, vec![block.clone()]);
        let n = p.block.header.number;
        challenge(&env, &bob, n, b.id);
        let input = env.input(p.hash);
        let d =
            env.l1_call(&alice, env.rollup, defend_call(&b, n, &block, input.clone()), U256::ZERO);
        assert!(d.ok(), "defend block {n}");
        lines.push(format!(
            "1 block, {k} txs ({bytes} tx bytes, {} L2 gas): propose {} L1 gas; defend ({} input bytes) {} L1 gas",
            p.block.header.gas_used,
            b.sent.gas(),
            input.len(),
            d.gas()
        ));
    }
    for size in [4usize, 32] {
        let mut blocks = vec![];
        for _ in 0..size {
            let p = env.l2_block();
            env.l1_mine();
            blocks.push(env.posted(p.hash));
        }
        let b = propose(&env, &proposer, blocks);
        lines.push(format!(
            "{size} empty blocks in one batch: propose {} L1 gas ({} per block)",
            b.sent.gas(),
            b.sent.gas() / size as u64
        ));
        last = Some(b);
    }
    let b = last.expect("proposed");
    wait_past(&env, b.sent.receipt.header.timestamp + WINDOW - 1);
    let f = env.l1_call(&alice, env.rollup, Opt::finalizeCall { upTo: b.last() }, U256::ZERO);
    assert!(f.ok(), "finalize 6 batches");
    lines.push(format!("finalize 6 batches ({} blocks): {} L1 gas", b.last(), f.gas()));
    for l in &lines {
        println!("optimistic gas: {l}");
    }
}

/// A proposer that posted a bad block tries to make `resolve` unaffordable by piling up
/// later batches (whose bonds it gets back when they are dropped) and challenges of its
/// own later blocks: if `resolve` refunded them in a loop, enough of them would push it
/// past the transaction gas cap, and the bad block could never be dropped (nor finalized:
/// its challenge stays open), stalling the rollup. `resolve` must cost the same whatever
/// follows the block it drops.
#[test]
fn optimistic_resolve_stall_by_many_later_batches() {
    const LATER: usize = 30;
    let resolve_gas = |later: usize| {
        let env = optimistic_env();
        let (alice, bob, proposer) = (env.alice.clone(), env.bob.clone(), env.sequencer.clone());
        let p = env.l2_block();
        env.l1_mine();
        let mut bad = env.posted(p.hash);
        bad.stateRoot = B256::repeat_byte(0xba);
        let b = propose(&env, &proposer, vec![bad]);
        let c = challenge(&env, &bob, 1, b.id);
        let mut refunds = vec![];
        for _ in 0..later {
            let q = env.l2_block();
            env.l1_mine();
            let s = propose(&env, &proposer, vec![env.posted(q.hash)]);
            let n = q.block.header.number;
            challenge(&env, &proposer, n, s.id);
            refunds.push((n, s.id));
        }
        wait_past(&env, c.receipt.header.timestamp + RESPONSE);
        let r = env.l1_call(&alice, env.rollup, resolve_call(&b, 1), U256::ZERO);
        assert!(r.ok(), "resolve with {later} later batches");
        (r.gas(), env, refunds)
    };
    let (alone, _, _) = resolve_gas(0);
    let (piled, env, refunds) = resolve_gas(LATER);
    println!("resolve: {alone} L1 gas alone, {piled} with {LATER} later batches");
    assert!(
        piled <= alone + 10_000,
        "resolve must not grow with later batches: {alone} alone, {piled} with {LATER}"
    );
    // Every dropped batch and challenge is refunded on request, once.
    let proposer = env.sequencer.clone();
    for (n, batch) in refunds {
        for call in [
            Opt::reclaimBondCall { batch }.abi_encode(),
            Opt::reclaimChallengeBondCall { n, batch }.abi_encode(),
        ] {
            let r = env.l1_tx(&proposer, TxKind::Call(env.rollup), U256::ZERO, call.into());
            assert!(r.ok(), "refund of block {n} batch {batch}");
        }
        env.l1_expect_revert::<_, Opt::NotDropped>(
            &proposer,
            env.rollup,
            Opt::reclaimBondCall { batch },
            U256::ZERO,
        );
    }
    assert_eq!(
        env.l1_balance(env.rollup),
        nr_contracts::genesis_backing(env.l2.spec()),
        "every bond is out: slashed, paid to the challenger, burned or refunded"
    );
}

#[test]
fn optimistic_propose_checks() {
    let env = optimistic_env_with(key(4).address());
    let (alice, proposer) = (env.alice.clone(), env.sequencer.clone());
    assert_eq!(proposer.address(), key(4).address());
    let p1 = env.l2_block();
    env.l1_mine();
    let p2 = env.l2_block();
    env.l1_mine();
    let (b1, b2) = (env.posted(p1.hash), env.posted(p2.hash));
    env.l1_expect_revert::<_, Opt::NotProposer>(
        &alice,
        env.rollup,
        env.propose_call(vec![b1.clone()]),
        proposer_bond(),
    );
    env.l1_expect_revert::<_, Opt::NoBlocks>(
        &proposer,
        env.rollup,
        env.propose_call(vec![]),
        proposer_bond(),
    );
    let e = env.l1_expect_revert::<_, Opt::TooManyBlocks>(
        &proposer,
        env.rollup,
        env.propose_call(vec![b1.clone(); 1025]),
        proposer_bond(),
    );
    assert_eq!((e.count, e.max), (U256::from(1025), U256::from(1024)));
    // Out of order: anchors and timestamps must not go backwards.
    env.l1_expect_revert::<_, Opt::AnchorBackwards>(
        &proposer,
        env.rollup,
        env.propose_call(vec![b2.clone(), b1.clone()]),
        proposer_bond(),
    );
    let mut back = b1.clone();
    back.anchorBlock = b2.anchorBlock;
    env.l1_expect_revert::<_, Opt::StaleTimestamp>(
        &proposer,
        env.rollup,
        env.propose_call(vec![b2.clone(), back]),
        proposer_bond(),
    );
    let mut future = b1.clone();
    future.timestamp = env.l1_next_time() + 1;
    env.l1_expect_revert::<_, Opt::FutureTimestamp>(
        &proposer,
        env.rollup,
        env.propose_call(vec![future]),
        proposer_bond(),
    );
    let mut unanchored = b1.clone();
    unanchored.anchorBlock = U256::from(env.l1.head().number + 1);
    env.l1_expect_revert::<_, Opt::AnchorOutOfWindow>(
        &proposer,
        env.rollup,
        env.propose_call(vec![unanchored]),
        proposer_bond(),
    );
    assert_eq!(pending_number(&env), 0, "refused proposals leave nothing pending");
    let b = propose(&env, &proposer, vec![b1, b2.clone()]);
    assert_eq!(pending_number(&env), 2);
    let batch = batch_info(&env, 1);
    assert_eq!(
        (batch.proposer, batch.first, batch.size, batch.last, batch.slashed, batch.blob),
        (proposer.address(), 1, 2, 2, false, false)
    );
    assert_eq!(
        (batch.root, batch.tipHash, batch.tipStateRoot),
        (b.root(), b2.blockHash, b2.stateRoot)
    );
    let tip = env.l1_view(env.rollup, Opt::pendingTipCall {});
    assert_eq!((tip.number, tip.blockHash, tip.timestamp), (2, b2.blockHash, b2.timestamp));
    assert_eq!(tip.anchorBlock, b2.anchorBlock.to::<u64>());
}

/// The Merkle tree of `nr_contracts::claims` is the contract's: the root each proposal
/// logs is the one its claims, rebuilt in Rust from its calldata (`Env::proposed`), hash
/// to, for batch sizes 1, 2, 3 and 5 (padding with zero leaves).
#[test]
fn optimistic_claims_tree_matches_the_contract() {
    let env = optimistic_env();
    let proposer = env.sequencer.clone();
    let mut first = 1;
    for size in [1usize, 2, 3, 5] {
        let posted: Vec<_> = blocks(&env, size).into_iter().map(|(b, _)| b).collect();
        let b = propose(&env, &proposer, posted);
        assert_eq!((b.first, b.last()), (first, first + size as u64 - 1));
        first += size as u64;
    }
}

fn forged(b: &Opt::Block) -> Opt::Block {
    let mut f = b.clone();
    f.stateRoot = B256::repeat_byte(0xba);
    f
}

/// A claim proven for another index, another batch or with a proof of the wrong length
/// cannot defend a block; after `resolve` truncates a batch, its dropped block's claim is
/// no longer accepted, under the old batch id or the new one.
#[test]
fn optimistic_proof_for_another_index_batch_or_truncated_batch_is_refused() {
    let env = optimistic_env();
    let (alice, bob, proposer) = (env.alice.clone(), env.bob.clone(), env.sequencer.clone());
    let bs = blocks(&env, 6);
    let posted = |n: u64| bs[n as usize - 1].0.clone();
    let input = |n: u64| env.input(bs[n as usize - 1].1.hash);
    let a = propose(&env, &proposer, vec![posted(1), posted(2), forged(&posted(3))]);
    let b = propose(&env, &proposer, vec![posted(4), posted(5), posted(6)]);
    challenge(&env, &bob, 2, a.id);
    let c3 = challenge(&env, &bob, 3, a.id);
    let with = |claim: Opt::Claim, proof: Vec<B256>, batch: u64| Opt::defendCall {
        n: 2,
        batch,
        claim,
        proof,
        posted: posted(2),
        input: input(2).into(),
        delivery: Default::default(),
    };
    // Another index of the same batch: block 3's proof, or block 3's claim and proof.
    let e = refused::<_, Opt::WrongProof>(&env, with(a.claim(2), a.proof(3), a.id));
    assert_eq!(e.number, 2);
    refused::<_, Opt::WrongProof>(&env, with(a.claim(3), a.proof(3), a.id));
    // Another batch's claim and proof (same size, same depth).
    refused::<_, Opt::WrongProof>(&env, with(b.claim(5), b.proof(5), a.id));
    // Block 2 under another batch id.
    let e = refused::<_, Opt::WrongBatch>(&env, with(a.claim(2), a.proof(2), b.id));
    assert_eq!((e.number, e.batch), (2, b.id));
    // A proof one sibling short or long.
    let mut short = a.proof(2);
    short.pop();
    let e = refused::<_, Opt::BadProofLength>(&env, with(a.claim(2), short, a.id));
    assert_eq!((e.length, e.expected), (U256::from(1), U256::from(2)));
    let mut long = a.proof(2);
    long.push(B256::ZERO);
    refused::<_, Opt::BadProofLength>(&env, with(a.claim(2), long, a.id));
    // The real claim and proof defend it.
    assert!(env.l1_call(&alice, env.rollup, with(a.claim(2), a.proof(2), a.id), U256::ZERO).ok());

    // Block 3 (forged) is dropped: batch 1 is truncated to blocks 1..2, batch 2 dropped.
    wait_past(&env, c3.receipt.header.timestamp + RESPONSE);
    assert!(env.l1_call(&alice, env.rollup, resolve_call(&a, 3), U256::ZERO).ok());
    assert_eq!(pending_number(&env), 2);
    assert_eq!(batch_info(&env, a.id).last, 2, "truncated");
    let e = env.l1_expect_revert::<_, Opt::NotPending>(
        &alice,
        env.rollup,
        defend_call(&a, 3, &forged(&posted(3)), input(3)),
        U256::ZERO,
    );
    assert_eq!(e.number, 3);
    // Re-proposed honestly as batch 3: the truncated batch's claim of block 3 is refused
    // under its old id and under the new one.
    let c = propose(&env, &proposer, vec![posted(3)]);
    challenge(&env, &bob, 3, c.id);
    let e = env.l1_expect_revert::<_, Opt::WrongBatch>(
        &alice,
        env.rollup,
        defend_call(&a, 3, &forged(&posted(3)), input(3)),
        U256::ZERO,
    );
    assert_eq!((e.number, e.batch), (3, a.id));
    let stale = Opt::defendCall {
        n: 3,
        batch: c.id,
        claim: a.claim(3),
        proof: vec![],
        posted: forged(&posted(3)),
        input: input(3).into(),
        delivery: Default::default(),
    };
    let e = env.l1_expect_revert::<_, Opt::WrongProof>(&alice, env.rollup, stale, U256::ZERO);
    assert_eq!(e.number, 3);
    assert!(
        env.l1_call(&alice, env.rollup, defend_call(&c, 3, &posted(3), input(3)), U256::ZERO).ok()
    );
}

/// `finalize` settles whole batches: not up to a block inside one, not before a batch's
/// window, not while one of its blocks has an open challenge; a defended block does not
/// hold its batch back; only batch tips (and genesis) are settled.
#[test]
fn optimistic_finalize_whole_batches_after_window_without_open_challenge() {
    let env = optimistic_env();
    let (alice, bob, proposer) = (env.alice.clone(), env.bob.clone(), env.sequencer.clone());
    let bs = blocks(&env, 5);
    let posted = |n: u64| bs[n as usize - 1].0.clone();
    let input = |n: u64| env.input(bs[n as usize - 1].1.hash);
    let before = env.l1_balance(proposer.address());
    let a = propose(&env, &proposer, vec![posted(1), posted(2), posted(3)]);
    let b = propose(&env, &proposer, vec![posted(4), posted(5)]);
    let e = env.l1_expect_revert::<_, Opt::NotBatchEnd>(
        &alice,
        env.rollup,
        Opt::finalizeCall { upTo: 2 },
        U256::ZERO,
    );
    assert_eq!(e.upTo, 2);
    let e = env.l1_expect_revert::<_, Opt::WindowOpen>(
        &alice,
        env.rollup,
        Opt::finalizeCall { upTo: 3 },
        U256::ZERO,
    );
    assert_eq!((e.number, e.until), (1, U256::from(a.sent.receipt.header.timestamp + WINDOW)));
    env.l1_expect_revert::<_, Opt::NotPending>(
        &alice,
        env.rollup,
        Opt::finalizeCall { upTo: 6 },
        U256::ZERO,
    );
    // Block 2 challenged: batch 1 is held until the challenge is closed (checked before
    // its window); defended, it no longer holds it.
    challenge(&env, &bob, 2, a.id);
    assert_eq!(batch_info(&env, a.id).openChallenges, 1);
    let e = refused::<_, Opt::ChallengeOpen>(&env, Opt::finalizeCall { upTo: 3 });
    assert_eq!(e.number, 1);
    assert!(
        env.l1_call(&alice, env.rollup, defend_call(&a, 2, &posted(2), input(2)), U256::ZERO).ok()
    );
    assert_eq!(batch_info(&env, a.id).openChallenges, 0);
    let e = refused::<_, Opt::WindowOpen>(&env, Opt::finalizeCall { upTo: 3 });
    assert_eq!(e.number, 1, "a defended block does not shorten its batch's window");
    challenge(&env, &bob, 4, b.id);
    assert!(
        env.l1_call(&alice, env.rollup, defend_call(&b, 4, &posted(4), input(4)), U256::ZERO).ok()
    );
    // Both batches, with a defended block each, finalize in one call.
    wait_past(&env, b.sent.receipt.header.timestamp + WINDOW - 1);
    let f = env.l1_call(&alice, env.rollup, Opt::finalizeCall { upTo: 5 }, U256::ZERO);
    assert!(f.ok(), "batches with a defended block finalize");
    let finalized: Vec<_> = f
        .receipt
        .receipt
        .logs()
        .iter()
        .filter_map(|l| {
            <Opt::BatchFinalized as alloy_sol_types::SolEvent>::decode_log_data(&l.data).ok()
        })
        .map(|e| (e.batch, e.last, e.blockHash))
        .collect();
    assert_eq!(finalized, [(a.id, 3, posted(3).blockHash), (b.id, 5, posted(5).blockHash)]);
    assert_eq!(env.rollup_head(), (5, posted(5).blockHash));
    assert_eq!(
        env.l1_balance(proposer.address()),
        before - fee(&a.sent) - fee(&b.sent),
        "both bonds returned"
    );
    assert_eq!(batch_info(&env, a.id).proposer, Address::ZERO, "bond settled");
    // Only the tips 3 and 5 (and genesis) answer.
    for (n, settled) in [(0u64, true), (1, false), (2, false), (3, true), (4, false), (5, true)] {
        let call = Opt::stateRootAtCall { number: n };
        match settled {
            true => {
                let root: B256 = env.l1_view(env.rollup, call);
                let expected = if n == 0 {
                    env.l2.header_by_number(0).unwrap().unwrap().state_root
                } else {
                    posted(n).stateRoot
                };
                assert_eq!(root, expected, "state root of tip {n}");
            }
            false => {
                env.l1_expect_revert::<_, Opt::UnknownStateRoot>(
                    &alice,
                    env.rollup,
                    call,
                    U256::ZERO,
                );
                env.l1_expect_revert::<_, Opt::UnknownStateRoot>(
                    &alice,
                    env.rollup,
                    Opt::blockHashAtCall { number: n },
                    U256::ZERO,
                );
            }
        }
    }
}

/// Only batch tips are settled: a withdrawal made in block 1 of a batch of three is
/// claimed against the batch tip (block 3, whose state holds it too); against block 1,
/// never settled itself, `stateRootAt` refuses to answer.
#[test]
fn optimistic_withdrawal_claimed_against_batch_tip_not_intermediate_block() {
    let env = optimistic_env();
    let (alice, proposer) = (env.alice.clone(), env.sequencer.clone());
    let dave = key(10).address();
    let value = eth(1) / U256::from(3);
    withdraw(&env, &alice, dave, value);
    let p1 = env.l2_block();
    let m = last_message(&env, alice.address(), dave, value);
    let p2 = env.l2_block();
    let p3 = env.l2_block();
    env.l1_mine();
    let a = propose(&env, &proposer, [p1.hash, p2.hash, p3.hash].map(|h| env.posted(h)).to_vec());
    wait_past(&env, a.sent.receipt.header.timestamp + WINDOW - 1);
    assert!(env.l1_call(&alice, env.rollup, Opt::finalizeCall { upTo: 3 }, U256::ZERO).ok());
    assert_eq!(env.rollup_head(), (3, p3.hash));
    let e = env.l1_simulate(
        alice.address(),
        env.rollup,
        &Opt::stateRootAtCall { number: 1 },
        U256::ZERO,
    );
    match e {
        nr_chain::CallOutcome::Revert { output, .. } => assert_eq!(
            &output[..],
            &<Opt::UnknownStateRoot as alloy_sol_types::SolError>::SELECTOR[..],
            "stateRootAt of an intermediate block"
        ),
        other => panic!("stateRootAt(1) of a never-settled block must revert, got {other:?}"),
    }
    env.l1_expect_revert::<_, Opt::UnknownStateRoot>(
        &alice,
        env.rollup,
        claim(&env, &m, 1),
        U256::ZERO,
    );
    let c = env.l1_call(&alice, env.rollup, claim(&env, &m, 3), U256::ZERO);
    assert!(c.ok(), "claimed against the batch tip");
    assert_eq!(env.l1_balance(dave), value);
}

/// `resolve` of a block inside its batch truncates the batch to the blocks before it:
/// block n-1's claim (proven) becomes the batch tip, and the next proposal builds on its
/// claimed hash; `resolve` of a batch's first block empties it and the pending tip goes
/// back to the previous batch's tip.
#[test]
fn optimistic_resolve_mid_batch_truncates_and_next_proposal_builds_on_prev() {
    let env = optimistic_env();
    let (alice, bob, proposer) = (env.alice.clone(), env.bob.clone(), env.sequencer.clone());
    let bs = blocks(&env, 4);
    let posted = |n: u64| bs[n as usize - 1].0.clone();
    let before = env.l1_balance(proposer.address());
    let a = propose(&env, &proposer, vec![posted(1), forged(&posted(2)), posted(3)]);
    let c = challenge(&env, &bob, 2, a.id);
    wait_past(&env, c.receipt.header.timestamp + RESPONSE);
    // `prev` must be block 1's claim, proven.
    let wrong = Opt::resolveCall { n: 2, batch: a.id, prev: a.claim(3), prevProof: a.proof(3) };
    let e = env.l1_expect_revert::<_, Opt::WrongProof>(&alice, env.rollup, wrong, U256::ZERO);
    assert_eq!(e.number, 1);
    assert!(env.l1_call(&alice, env.rollup, resolve_call(&a, 2), U256::ZERO).ok());
    assert_eq!(pending_number(&env), 1);
    let info = batch_info(&env, a.id);
    assert_eq!(
        (info.last, info.slashed, info.openChallenges, info.tipHash, info.tipStateRoot, info.size),
        (1, true, 0, posted(1).blockHash, posted(1).stateRoot, 3)
    );
    assert_eq!(env.pending_tip(), (1, posted(1).blockHash));
    // The next proposal's first claim has block 1's hash as parent (checked against the
    // root the contract computed by `propose`).
    let n = propose(&env, &proposer, vec![posted(2), posted(3)]);
    assert_eq!(n.claims[0].parentHash, posted(1).blockHash);
    assert_eq!(env.pending_tip(), (3, posted(3).blockHash));

    // Resolving a batch's first block empties it: the tip is the previous batch's.
    let d = propose(&env, &proposer, vec![forged(&posted(4))]);
    let c = challenge(&env, &bob, 4, d.id);
    wait_past(&env, c.receipt.header.timestamp + RESPONSE);
    assert!(env.l1_call(&alice, env.rollup, resolve_call(&d, 4), U256::ZERO).ok());
    assert_eq!(env.pending_tip(), (3, posted(3).blockHash), "back to batch {}'s tip", n.id);
    assert_eq!(batch_info(&env, d.id).last, 3, "empty");

    // Batch 1 (truncated, slashed) finalizes up to block 1 without its bond; batch 2 with.
    wait_past(&env, n.sent.receipt.header.timestamp + WINDOW - 1);
    let e = env.l1_expect_revert::<_, Opt::NotBatchEnd>(
        &alice,
        env.rollup,
        Opt::finalizeCall { upTo: 2 },
        U256::ZERO,
    );
    assert_eq!(e.upTo, 2);
    assert!(env.l1_call(&alice, env.rollup, Opt::finalizeCall { upTo: 3 }, U256::ZERO).ok());
    assert_eq!(env.rollup_head(), (3, posted(3).blockHash));
    let root: B256 = env.l1_view(env.rollup, Opt::stateRootAtCall { number: 1 });
    assert_eq!(root, posted(1).stateRoot, "the truncated batch's tip settled");
    assert_eq!(
        env.l1_balance(proposer.address()),
        before - fee(&a.sent) - proposer_bond() - fee(&n.sent) - fee(&d.sent) - proposer_bond(),
        "batch 1's and batch 3's bonds were slashed, batch 2's returned"
    );
}

/// Batch ids are packed eight per word: dropping blocks and re-proposing them rewrites
/// their lanes, clears the dropped lanes of the word it ends in, and a stale id (of a
/// dropped batch, left in a lane above the pending tip) is never taken for live.
#[test]
fn optimistic_packed_batch_ids_survive_drop_and_reproposal() {
    let env = optimistic_env();
    let (alice, bob, proposer) = (env.alice.clone(), env.bob.clone(), env.sequencer.clone());
    let bs = blocks(&env, 12);
    let posted = |n: u64| bs[n as usize - 1].0.clone();
    let range = |from: u64, to: u64| (from..=to).map(posted).collect::<Vec<_>>();
    let a = propose(&env, &proposer, range(1, 2));
    let b = propose(&env, &proposer, vec![forged(&posted(3)), posted(4)]);
    let c = propose(&env, &proposer, range(5, 12));
    let ids: Vec<u64> = (0..=12).map(|n| batch_of(&env, n)).collect();
    assert_eq!(ids, [0, 1, 1, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3]);
    let ch = challenge(&env, &bob, 3, b.id);
    challenge(&env, &alice, 9, c.id);
    wait_past(&env, ch.receipt.header.timestamp + RESPONSE);
    assert!(env.l1_call(&alice, env.rollup, resolve_call(&b, 3), U256::ZERO).ok());
    assert_eq!(pending_number(&env), 2);
    // Dropped: the lanes keep stale ids, which liveness ignores.
    assert_eq!(batch_of(&env, 3), b.id);
    let e = env.l1_expect_revert::<_, Opt::NotPending>(
        &bob,
        env.rollup,
        Opt::challengeCall { n: 3, batch: b.id },
        challenger_bond(),
    );
    assert_eq!(e.number, 3);
    assert_eq!(pending(&env, 3).batch, 0, "not pending");
    // Block 3 re-proposed alone: its lane is rewritten, lanes 4..7 of word 0 cleared, word
    // 1 (blocks 8..15) keeps batch 3's stale ids.
    let d = propose(&env, &proposer, vec![posted(3)]);
    let ids: Vec<u64> = (0..=12).map(|n| batch_of(&env, n)).collect();
    assert_eq!(ids, [0, 1, 1, d.id, 0, 0, 0, 0, c.id, c.id, c.id, c.id, c.id]);
    let e = env.l1_expect_revert::<_, Opt::WrongBatch>(
        &bob,
        env.rollup,
        Opt::challengeCall { n: 3, batch: b.id },
        challenger_bond(),
    );
    assert_eq!((e.number, e.batch), (3, b.id));
    env.l1_expect_revert::<_, Opt::NotPending>(
        &bob,
        env.rollup,
        Opt::challengeCall { n: 9, batch: c.id },
        challenger_bond(),
    );
    assert!(env.l1_call(&bob, env.rollup, Opt::reclaimBondCall { batch: c.id }, U256::ZERO).ok());
    // Blocks 4..12 re-proposed: block 9's stale id gives way to the new batch's.
    let e2 = propose(&env, &proposer, range(4, 12));
    assert_eq!(batch_of(&env, 9), e2.id);
    let e = env.l1_expect_revert::<_, Opt::WrongBatch>(
        &bob,
        env.rollup,
        Opt::challengeCall { n: 9, batch: c.id },
        challenger_bond(),
    );
    assert_eq!((e.number, e.batch), (9, c.id));
    // The old challenge of block 9 in batch 3 is refunded; the new batch's block is live.
    assert!(
        env.l1_call(
            &bob,
            env.rollup,
            Opt::reclaimChallengeBondCall { n: 9, batch: c.id },
            U256::ZERO
        )
        .ok()
    );
    challenge(&env, &bob, 9, e2.id);
    assert_eq!((pending(&env, 9).batch, pending(&env, 9).status), (e2.id, CHALLENGED));
    env.l1_expect_revert::<_, Opt::NotDropped>(
        &bob,
        env.rollup,
        Opt::reclaimChallengeBondCall { n: 9, batch: e2.id },
        U256::ZERO,
    );
    let _ = a;
}

mod harness {
    alloy_sol_types::sol!(InputReaderHarness, "artifacts/InputReaderHarness.json");
}

/// `StatelessInputReader.extra`, which `defend` uses to bind `prevRandao`, `extraData` and
/// the transactions, reads them where EXECUTE does: checked on an input with non-empty
/// extra data and a chosen prev_randao (the L2's own blocks have empty extra data).
#[test]
fn optimistic_input_reader_binds_randao_extra_data_and_transactions() {
    let env = optimistic_env();
    let (alice, bob) = (env.alice.clone(), env.bob.clone());
    env.l2_transfer(&alice, bob.address(), U256::from(1));
    env.l2_transfer(&alice, bob.address(), U256::from(2));
    let p = env.l2_block();
    let deployed = env.l1_tx(
        &env.deployer.clone(),
        TxKind::Create,
        U256::ZERO,
        harness::InputReaderHarness::BYTECODE.clone(),
    );
    let h = deployed.receipt.contract_address.expect("harness deployed");
    let mut input = from_wire(&env.input(p.hash));
    let payload = &mut input.new_payload_request.execution_payload;
    payload.extra_data = Bytes::from_static(b"optimistic native rollup");
    payload.prev_randao = B256::repeat_byte(0x5a);
    let txs: Vec<u8> =
        payload.transactions.iter().flat_map(|t| alloy_primitives::keccak256(t).0).collect();
    let r =
        env.l1_view(h, harness::InputReaderHarness::extraCall { input: input.to_wire().into() });
    assert_eq!(r._0, B256::repeat_byte(0x5a), "prev_randao");
    assert_eq!(r._1, alloy_primitives::keccak256(b"optimistic native rollup"), "extra data");
    assert_eq!(r._2, alloy_primitives::keccak256(&txs), "transactions digest");
    assert_eq!(txs.len(), 64, "two transactions");
    // The same digest the contract's data hash takes of the posted transactions.
    let block = env.posted(p.hash);
    let posted: Vec<u8> =
        block.transactions.iter().flat_map(|t| alloy_primitives::keccak256(t).0).collect();
    assert_eq!(alloy_primitives::keccak256(posted), r._2);
}
