//! OptimisticRollup on our L1 (EXECUTE at 0x0101) with real L2 blocks from our L2 chain:
//! propose, challenge, defend with a real EXECUTE input, resolve, finalize; bonds, the
//! timing edges, withdrawals only against finalized roots, and gas figures.

mod common;

use alloy_consensus::Transaction as _;
use alloy_primitives::{Address, B256, Bytes, TxKind, U256};
use alloy_signer_local::PrivateKeySigner;
use alloy_sol_types::SolCall;
use common::*;
use nr_contracts::{L2_MESSENGER, L2Messenger, OptimisticRollup as Opt, RollupCore};

/// Seconds a block may be challenged after its proposal.
const WINDOW: u64 = 120;
/// Seconds a challenged block may be defended.
const RESPONSE: u64 = 48;
/// Most L1 blocks any wait in these tests mines (a deadline, not a timing assertion).
const MAX_WAIT_BLOCKS: u64 = 64;

/// `OptimisticRollup.Status.Challenged` (the bindings carry the enum as its uint8).
const CHALLENGED: u8 = 1;
/// `OptimisticRollup.Status.Defended`.
const DEFENDED: u8 = 2;

fn proposer_bond() -> U256 {
    eth(1)
}

fn challenger_bond() -> U256 {
    eth(1) / U256::from(4)
}

/// The setup of `common`, with an OptimisticRollup (anyone may propose) as the rollup.
fn optimistic_env() -> Env {
    optimistic_env_with(Address::ZERO)
}

/// [`optimistic_env`] with `proposer` as the only proposer (zero: anyone).
fn optimistic_env_with(proposer: Address) -> Env {
    Env::with_rollup(|_, genesis| {
        let ctor = Opt::constructorCall {
            chainId_: L2_ID,
            gasLimit_: L2_GAS_LIMIT,
            genesisHash: genesis.hash_slow(),
            genesisStateRoot: genesis.state_root,
            proposer_: proposer,
            challengeWindow_: U256::from(WINDOW),
            responseWindow_: U256::from(RESPONSE),
            proposerBond_: proposer_bond(),
            challengerBond_: challenger_bond(),
            maxTimestampLag_: U256::from(MAX_LAG),
            forcedDelay_: U256::from(FORCED_DELAY),
        };
        let mut code = Opt::BYTECODE.to_vec();
        code.extend(alloy_sol_types::SolConstructor::abi_encode(&ctor));
        code
    })
}

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

fn propose(env: &Env, from: &PrivateKeySigner, blocks: Vec<Opt::Block>) -> Sent {
    let s = env.l1_call(from, env.rollup, Opt::proposeCall { blocks }, proposer_bond());
    assert!(s.ok(), "propose must succeed");
    s
}

fn challenge(env: &Env, from: &PrivateKeySigner, n: u64) -> Sent {
    let s = env.l1_call(from, env.rollup, Opt::challengeCall { n }, challenger_bond());
    assert!(s.ok(), "challenge of block {n} must succeed");
    s
}

fn defend_call(env: &Env, n: u64, posted: &Opt::Block, input: Vec<u8>) -> Opt::defendCall {
    let _ = env;
    Opt::defendCall { n, posted: posted.clone(), input: input.into() }
}

/// Mines empty L1 blocks until the next L1 block's timestamp is past `t`.
fn wait_past(env: &Env, t: u64) {
    for _ in 0..MAX_WAIT_BLOCKS {
        if env.l1_next_time() > t {
            return;
        }
        env.l1_mine();
    }
    panic!("L1 did not pass time {t} within {MAX_WAIT_BLOCKS} blocks");
}

fn pending(env: &Env, n: u64) -> Opt::Pending {
    env.l1_view(env.rollup, Opt::pendingBlockCall { n })
}

fn pending_number(env: &Env) -> u64 {
    env.l1_view(env.rollup, Opt::pendingNumberCall {})
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
    let s = propose(&env, &proposer, vec![env.posted(p.hash)]);
    let proposed_at = s.receipt.header.timestamp;
    assert_eq!(pending_number(&env), 1);
    assert_eq!(env.rollup_head().0, 0, "proposed, not settled");
    assert_eq!(env.l1_balance(env.rollup), rollup_before + proposer_bond());

    // Not claimable while pending, and not finalizable inside the window.
    let e = env.l1_expect_revert::<_, Opt::UnknownStateRoot>(
        &alice,
        env.rollup,
        claim(&env, &m, 1),
        U256::ZERO,
    );
    let _ = e;
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
        before - fee(&s),
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
    let s1 = propose(&env, &proposer, vec![forged.clone()]);
    let s2 = propose(&env, &other, vec![env.posted(p2.hash)]);
    assert_eq!(pending_number(&env), 2);

    let bob_before = env.l1_balance(bob.address());
    let c1 = challenge(&env, &bob, 1);
    let respond_by = c1.receipt.header.timestamp + RESPONSE;
    challenge(&env, &alice, 2);

    // The honest input of block 1 does not match the forged claim: it cannot defend it.
    let e = env.l1_expect_revert::<_, Opt::InputMismatch>(
        &alice,
        env.rollup,
        defend_call(&env, 1, &forged, env.input(p1.hash)),
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
        Opt::resolveCall { n: 1 },
        U256::ZERO,
    );
    assert_eq!(e.respondBy, U256::from(respond_by));

    wait_past(&env, respond_by);
    let alice_mid = env.l1_balance(alice.address());
    // address(0) is also the L1 blocks' fee recipient: count the resolve block's tips out.
    let burn_before = env.l1_balance(Address::ZERO);
    let r = env.l1_call(&alice, env.rollup, Opt::resolveCall { n: 1 }, U256::ZERO);
    assert!(r.ok(), "resolve after respondBy");
    assert_eq!(pending_number(&env), 0, "block 1 and its descendant are dropped");
    assert_eq!(env.rollup_head().0, 0);
    let half = proposer_bond() / U256::from(2);
    assert_eq!(
        env.l1_balance(bob.address()),
        bob_before - fee(&c1) + half,
        "the challenger gets its bond back and half the proposer's bond"
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
        other_before - fee(&s2),
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
    let _ = s1;
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
        Opt::challengeCall { n: 2 },
        challenger_bond(),
    );
    env.l1_expect_revert::<_, Opt::UnknownStateRoot>(
        &alice,
        env.rollup,
        claim(&env, &m, 1),
        U256::ZERO,
    );

    // Honest proposals continue from block 0; once final, the real withdrawal is paid.
    let h = propose(&env, &other, vec![env.posted(p1.hash), env.posted(p2.hash)]);
    assert_eq!(pending_number(&env), 2);
    wait_past(&env, h.receipt.header.timestamp + WINDOW - 1);
    assert!(env.l1_call(&alice, env.rollup, Opt::finalizeCall { upTo: 2 }, U256::ZERO).ok());
    assert_eq!(env.rollup_head(), (2, p2.hash));
    let root: B256 = env.l1_view(env.rollup, Opt::stateRootAtCall { number: 1 });
    assert_eq!(root, p1.block.header.state_root, "the forged root never settled");
    assert!(env.l1_call(&alice, env.rollup, claim(&env, &m, 1), U256::ZERO).ok());
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
    propose(&env, &proposer, vec![block.clone()]);
    challenge(&env, &bob, 1);
    let rollup_before = env.l1_balance(env.rollup);
    let defender = key(4); // the proposer itself, or anyone with the data
    let before = env.l1_balance(defender.address());
    let d = env.l1_call(
        &defender,
        env.rollup,
        defend_call(&env, 1, &block, env.input(p.hash)),
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
        Opt::challengeCall { n: 1 },
        challenger_bond(),
    );
    assert_eq!(e.number, 1);
    // A defended block is proven: it finalizes without waiting for its window.
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
    propose(&env, &proposer, vec![short.clone()]);
    let c = challenge(&env, &bob, 1);
    // The real input has two transactions: it does not match the posted data.
    env.l1_expect_revert::<_, Opt::InputMismatch>(
        &alice,
        env.rollup,
        defend_call(&env, 1, &short, env.input(p.hash)),
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
        defend_call(&env, 1, &short, one.to_wire()),
        U256::ZERO,
    );
    // The full block posted as is does not match the commitment either.
    env.l1_expect_revert::<_, Opt::WrongCommitment>(
        &alice,
        env.rollup,
        defend_call(&env, 1, &env.posted(p.hash), env.input(p.hash)),
        U256::ZERO,
    );
    wait_past(&env, c.receipt.header.timestamp + RESPONSE);
    assert!(env.l1_call(&bob, env.rollup, Opt::resolveCall { n: 1 }, U256::ZERO).ok());
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
    propose(&env, &proposer, vec![block.clone()]);
    challenge(&env, &bob, 1);
    let mut tampered = from_wire(&env.input(p.hash));
    tampered.witness.state.pop();
    env.l1_expect_revert::<_, Opt::ExecuteFailed>(
        &bob,
        env.rollup,
        defend_call(&env, 1, &block, tampered.to_wire()),
        U256::ZERO,
    );
    assert_eq!(pending(&env, 1).status, CHALLENGED, "still Challenged");
    let d = env.l1_call(
        &alice,
        env.rollup,
        defend_call(&env, 1, &block, env.input(p.hash)),
        U256::ZERO,
    );
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
        Opt::proposeCall { blocks: vec![env.posted(p1.hash)] },
        U256::ZERO,
    );
    assert_eq!((e.paid, e.required), (U256::ZERO, proposer_bond()));
    let s = propose(&env, &proposer, vec![env.posted(p1.hash), env.posted(p2.hash)]);
    let proposed_at = s.receipt.header.timestamp;
    env.l1_expect_revert::<_, Opt::NotPending>(
        &bob,
        env.rollup,
        Opt::challengeCall { n: 3 },
        challenger_bond(),
    );
    let c = challenge(&env, &bob, 2);
    // Block 1 finalizes after its window; block 2 not while its challenge is open.
    wait_past(&env, proposed_at + WINDOW - 1);
    let e = env.l1_expect_revert::<_, Opt::ChallengeOpen>(
        &alice,
        env.rollup,
        Opt::finalizeCall { upTo: 2 },
        U256::ZERO,
    );
    assert_eq!(e.number, 2);
    // The window is over: no new challenge of block 1.
    let e = env.l1_expect_revert::<_, Opt::ChallengeWindowClosed>(
        &bob,
        env.rollup,
        Opt::challengeCall { n: 1 },
        challenger_bond(),
    );
    assert_eq!(e.closedAt, U256::from(proposed_at + WINDOW));
    assert!(env.l1_call(&alice, env.rollup, Opt::finalizeCall { upTo: 1 }, U256::ZERO).ok());
    assert_eq!(env.rollup_head(), (1, p1.hash));
    // Past respondBy a defence is too late, even a valid one; the block is dropped.
    let respond_by = c.receipt.header.timestamp + RESPONSE;
    wait_past(&env, respond_by);
    env.l1_expect_revert::<_, Opt::ResponseWindowClosed>(
        &alice,
        env.rollup,
        defend_call(&env, 2, &env.posted(p2.hash), env.input(p2.hash)),
        U256::ZERO,
    );
    assert!(env.l1_call(&alice, env.rollup, Opt::resolveCall { n: 2 }, U256::ZERO).ok());
    assert_eq!(pending_number(&env), 1);
    env.l1_expect_revert::<_, Opt::NotPending>(
        &alice,
        env.rollup,
        Opt::resolveCall { n: 2 },
        U256::ZERO,
    );
}

#[test]
fn optimistic_gas_figures() {
    let env = optimistic_env();
    let (alice, bob, proposer) = (env.alice.clone(), env.bob.clone(), env.sequencer.clone());
    let mut lines = vec![];
    // propose: one block of k transfers; then four empty blocks in one batch.
    for k in [0usize, 1, 10, 50] {
        for _ in 0..k {
            env.l2_transfer(&alice, bob.address(), U256::from(1));
        }
        let p = env.l2_block();
        env.l1_mine();
        let block = env.posted(p.hash);
        let bytes: usize = block.transactions.iter().map(|t| t.len()).sum();
        let s = propose(&env, &proposer, vec![block.clone()]);
        let n = p.block.header.number;
        challenge(&env, &bob, n);
        let input = env.input(p.hash);
        let d = env.l1_call(
            &alice,
            env.rollup,
            defend_call(&env, n, &block, input.clone()),
            U256::ZERO,
        );
        assert!(d.ok(), "defend block {n}");
        lines.push(format!(
            "1 block, {k} txs ({bytes} tx bytes, {} L2 gas): propose {} L1 gas; defend ({} input bytes) {} L1 gas",
            p.block.header.gas_used,
            s.gas(),
            input.len(),
            d.gas()
        ));
    }
    let mut blocks = vec![];
    for _ in 0..4 {
        let p = env.l2_block();
        env.l1_mine();
        blocks.push(env.posted(p.hash));
    }
    let s = propose(&env, &proposer, blocks);
    lines.push(format!("4 empty blocks in one batch: propose {} L1 gas", s.gas()));
    wait_past(&env, s.receipt.header.timestamp + WINDOW - 1);
    let f = env.l1_call(&alice, env.rollup, Opt::finalizeCall { upTo: 8 }, U256::ZERO);
    assert!(f.ok(), "finalize 8 blocks");
    lines.push(format!("finalize 8 blocks: {} L1 gas", f.gas()));
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
        propose(&env, &proposer, vec![bad]);
        let c = challenge(&env, &bob, 1);
        let mut refunds = vec![];
        for i in 0..later {
            let q = env.l2_block();
            env.l1_mine();
            let s = propose(&env, &proposer, vec![env.posted(q.hash)]);
            let n = q.block.header.number;
            let batch = s.receipt.receipt.logs()[0].topics()[3];
            challenge(&env, &proposer, n);
            refunds.push((n, u64::from_be_bytes(batch[24..].try_into().unwrap())));
            let _ = i;
        }
        wait_past(&env, c.receipt.header.timestamp + RESPONSE);
        let r = env.l1_call(&alice, env.rollup, Opt::resolveCall { n: 1 }, U256::ZERO);
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
        Opt::proposeCall { blocks: vec![b1.clone()] },
        proposer_bond(),
    );
    env.l1_expect_revert::<_, Opt::NoBlocks>(
        &proposer,
        env.rollup,
        Opt::proposeCall { blocks: vec![] },
        proposer_bond(),
    );
    // Out of order: anchors and timestamps must not go backwards.
    env.l1_expect_revert::<_, Opt::AnchorBackwards>(
        &proposer,
        env.rollup,
        Opt::proposeCall { blocks: vec![b2.clone(), b1.clone()] },
        proposer_bond(),
    );
    let mut back = b1.clone();
    back.anchorBlock = b2.anchorBlock;
    env.l1_expect_revert::<_, Opt::StaleTimestamp>(
        &proposer,
        env.rollup,
        Opt::proposeCall { blocks: vec![b2.clone(), back] },
        proposer_bond(),
    );
    let mut future = b1.clone();
    future.timestamp = env.l1_next_time() + 1;
    env.l1_expect_revert::<_, Opt::FutureTimestamp>(
        &proposer,
        env.rollup,
        Opt::proposeCall { blocks: vec![future] },
        proposer_bond(),
    );
    let mut unanchored = b1.clone();
    unanchored.anchorBlock = U256::from(env.l1.head().number + 1);
    env.l1_expect_revert::<_, Opt::AnchorOutOfWindow>(
        &proposer,
        env.rollup,
        Opt::proposeCall { blocks: vec![unanchored] },
        proposer_bond(),
    );
    assert_eq!(pending_number(&env), 0, "refused proposals leave nothing pending");
    propose(&env, &proposer, vec![b1, b2]);
    assert_eq!(pending_number(&env), 2);
    let batch: Opt::Batch = env.l1_view(env.rollup, Opt::batchInfoCall { id: 1 });
    assert_eq!((batch.proposer, batch.lastBlock, batch.slashed), (proposer.address(), 2, false));
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
    // The same digest the contract computes from posted transactions.
    let block = env.posted(p.hash);
    let d: B256 = env.l1_view(env.rollup, Opt::txsHashOfCall { b: block });
    assert_eq!(d, r._2);
}
