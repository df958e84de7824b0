//! Attacks on OptimisticRollup's per-batch commitment (one Merkle root of per-block claims
//! per batch, packed batch ids, tip-only settlement), each test named after the attack.
//! Each asserts the safe behaviour. Two found bugs, fixed since: a batch slashed once per
//! resolved block (`resolve` now slashes a batch once) and a batch hidden from followers
//! behind a forwarding contract (`propose` now requires a direct call from a codeless
//! sender).

mod common;

use alloy_primitives::{Address, B256, TxKind, U256};
use alloy_signer_local::PrivateKeySigner;
use alloy_sol_types::{SolCall, SolError};
use common::{optimistic::*, *};
use nr_contracts::{OptimisticRollup as Opt, claims};

/// Whether `call` (from `from`, no value) succeeds on chain; prints its revert otherwise.
fn try_call<C: SolCall + Clone>(env: &Env, from: &PrivateKeySigner, call: C) -> bool {
    if let nr_chain::CallOutcome::Revert { output, .. } =
        env.l1_simulate(from.address(), env.rollup, &call, U256::ZERO)
    {
        println!("refused: {:?}", nr_contracts::decode_error(&output));
        return false;
    }
    let s = env.l1_call(from, env.rollup, call, U256::ZERO);
    assert!(s.ok(), "simulated fine, must succeed");
    true
}

/// Attack: one batch, several of its blocks challenged and left undefended; resolving them
/// from the highest down, every `resolve` finds its block still live (the earlier ones are
/// below the truncation) and each pays the challenger half of the batch's bond again and
/// burns the other half — k resolves pay out k bonds for the one bond held, out of the
/// wei the rollup holds for others (L2 ETH backing, other bonds). With k >= 3 a proposer
/// who challenges its own batch profits.
///
/// Found on s5-contract 461d6a2: OptimisticRollup.sol `resolve` (lines 616-638) pays
/// `challengerBond + proposerBond/2` and burns the rest whether or not `bt.slashed` is
/// already set (the per-block design on main has the same flaw).
#[test]
fn optimistic_double_slash_by_resolving_blocks_of_one_batch_high_to_low() {
    let env = optimistic_env();
    let (proposer, attacker) = (env.sequencer.clone(), env.bob.clone());
    let held_before = env.l1_balance(env.rollup);
    let bs = blocks(&env, 4);
    // Valid blocks: nobody needs to forge anything, the proposer simply does not defend
    // (it is the challenger too).
    let a = propose(&env, &proposer, bs.iter().map(|b| b.0.clone()).collect());
    let mut latest = 0;
    for n in [2, 3, 4] {
        latest = challenge(&env, &attacker, n, a.id).receipt.header.timestamp;
    }
    wait_past(&env, latest + RESPONSE);
    let mut paid = vec![];
    for n in [4, 3, 2] {
        let ok = try_call(&env, &attacker, a.resolve(n));
        println!(
            "resolve({n}): {}, rollup holds {} wei (held before the batch: {held_before})",
            if ok { "accepted" } else { "refused" },
            env.l1_balance(env.rollup)
        );
        paid.push(ok);
    }
    assert_eq!(pending_number(&env), 1, "blocks 2..4 dropped");
    // Everything the batch brought in (one proposer bond, three challenger bonds) went out
    // at most once: the rollup must still hold what it held before.
    let held = env.l1_balance(env.rollup);
    assert!(
        held >= held_before,
        "the rollup paid out more than the batch brought in: holds {held} wei, held \
         {held_before} before (resolves accepted: {paid:?}, {} wei short)",
        held_before - held
    );
}

/// Attack: a batch emptied by `resolve` of its first block, while other blocks of it have
/// open challenges, then a shorter re-proposal: the emptied batch's stale lanes must not
/// make its challenges live again, its other challengers get their bonds back once, its
/// bond is not refundable (slashed), block numbers that were only ever intermediate or
/// dropped are not answered by `stateRootAt`, and every wei is accounted for.
#[test]
fn optimistic_emptied_batch_stale_lanes_do_not_revive_or_lock_bonds() {
    let env = optimistic_env();
    let (alice, bob, proposer) = (env.alice.clone(), env.bob.clone(), env.sequencer.clone());
    let held_before = env.l1_balance(env.rollup);
    let bs = blocks(&env, 10);
    let posted = |n: u64| bs[n as usize - 1].0.clone();
    let range = |from: u64, to: u64| (from..=to).map(posted).collect::<Vec<_>>();
    propose(&env, &proposer, range(1, 2));
    let b = propose(&env, &proposer, range(3, 10));
    let c3 = challenge(&env, &bob, 3, b.id);
    challenge(&env, &alice, 9, b.id);
    wait_past(&env, c3.receipt.header.timestamp + RESPONSE);
    assert!(try_call(&env, &alice, b.resolve(3)), "resolve of the batch's first block");
    let info = batch_info(&env, b.id);
    assert_eq!((info.last, info.openChallenges, info.slashed), (2, 0, true), "emptied");
    assert_eq!(pending_number(&env), 2);
    // Re-proposal of blocks 3..5 only: lanes 6..7 cleared, lanes 8..10 keep batch b's id.
    let c = propose(&env, &proposer, range(3, 5));
    let stale: u64 = env.l1_view(env.rollup, Opt::batchOfCall { n: 9 });
    assert_eq!(stale, b.id, "stale lane");
    let e = env.l1_expect_revert::<_, Opt::NotPending>(
        &bob,
        env.rollup,
        Opt::challengeCall { n: 9, batch: b.id },
        challenger_bond(),
    );
    assert_eq!(e.number, 9);
    // The emptied batch's other challenge is refunded once; its bond is not.
    assert!(try_call(&env, &alice, Opt::reclaimChallengeBondCall { n: 9, batch: b.id }));
    refused::<_, Opt::NotDropped>(&env, Opt::reclaimChallengeBondCall { n: 9, batch: b.id });
    refused::<_, Opt::NotDropped>(&env, Opt::reclaimBondCall { batch: b.id });
    // Finalize both live batches; only their tips are answered.
    wait_past(&env, c.sent.receipt.header.timestamp + WINDOW - 1);
    assert!(try_call(&env, &alice, Opt::finalizeCall { upTo: 5 }));
    assert_eq!(env.rollup_head(), (5, bs[4].1.hash));
    for n in [1, 3, 4, 6, 9] {
        refused::<_, Opt::UnknownStateRoot>(&env, Opt::stateRootAtCall { number: n });
        refused::<_, Opt::UnknownStateRoot>(&env, Opt::blockHashAtCall { number: n });
    }
    let root: B256 = env.l1_view(env.rollup, Opt::stateRootAtCall { number: 2 });
    assert_eq!(root, bs[1].1.block.header.state_root, "batch a's tip");
    // The stale challenge of block 9 in batch b stays refunded, block 9 is not live.
    refused::<_, Opt::NotPending>(&env, Opt::challengeCall { n: 9, batch: b.id });
    // In: 3 proposer bonds, 2 challenger bonds. Out: a and c's bonds back, b's slashed
    // (half to the challenger with its bond, half burned), the refunded challenge.
    assert_eq!(env.l1_balance(env.rollup), held_before, "every wei accounted for");
}

/// Attack: forge a Merkle proof — a block at the padding index of a 3-block batch (tree
/// of 4), the internal node over blocks 1..2 passed as if it were a proof for a
/// shorter tree, the blob binding appended to a calldata batch's proof, and a block of
/// another batch proven under this batch's root. All refused.
#[test]
fn optimistic_forged_merkle_proofs_refused() {
    let env = optimistic_env();
    let (alice, bob, proposer) = (env.alice.clone(), env.bob.clone(), env.sequencer.clone());
    let bs = blocks(&env, 4);
    let posted = |n: u64| bs[n as usize - 1].0.clone();
    let a = propose(&env, &proposer, vec![posted(1), posted(2), posted(3)]);
    let b = propose(&env, &proposer, vec![posted(4)]);
    let ch = challenge(&env, &bob, 3, a.id);
    let leaves = a.leaves();
    let defend = |claim: Opt::Claim, proof: Vec<B256>| Opt::defendCall {
        n: 3,
        batch: a.id,
        claim,
        proof,
        posted: posted(3),
        input: env.input(bs[2].1.hash).into(),
        delivery: Default::default(),
    };
    // Index out of range: block 4 sits at index 3 of batch a's tree (a padding leaf's
    // place), but the contract takes the index from n and refuses n outside the batch.
    let e = refused::<_, Opt::WrongBatch>(
        &env,
        Opt::defendCall {
            n: 4,
            batch: a.id,
            claim: b.claim(4),
            proof: vec![leaves[2], claims::root(&leaves[..2])],
            posted: posted(4),
            input: env.input(bs[3].1.hash).into(),
            delivery: Default::default(),
        },
    );
    assert_eq!((e.number, e.batch), (4, a.id));
    // The node over blocks 1..2 as a one-sibling proof (a tree of two: node ‖ leaf 3 with
    // no padding level).
    let node = claims::root(&leaves[..2]);
    let e = refused::<_, ClaimTreeError>(&env, defend(a.claim(3), vec![node]));
    assert_eq!((e.length, e.expected), (U256::from(1), U256::from(2)));
    // A blob-shaped proof (binding appended) for a calldata batch.
    let mut blobby = a.proof(3);
    blobby.push(B256::repeat_byte(0xb1));
    refused::<_, ClaimTreeError>(&env, defend(a.claim(3), blobby));
    // Batch b's block 4 (a one-leaf batch: its leaf is its root) proven as block 3.
    refused::<_, Opt::WrongProof>(
        &env,
        defend(b.claim(4), vec![B256::ZERO, claims::root(&leaves[..2])]),
    );
    // Resolve's `prev` forged: block 1's claim offered as block 2's.
    wait_past(&env, ch.receipt.header.timestamp + RESPONSE);
    let forged_prev =
        Opt::resolveCall { n: 3, batch: a.id, prev: a.claim(1), prevProof: a.proof(1) };
    refused::<_, Opt::WrongProof>(&env, forged_prev);
    assert!(try_call(&env, &alice, a.resolve(3)), "the real prev resolves");
    assert_eq!(batch_info(&env, a.id).tipHash, bs[1].1.hash, "tip restored to block 2");
}

/// `ClaimTree.BadProofLength`, which OptimisticRollup bubbles up from its library.
type ClaimTreeError = Opt::BadProofLength;

/// Attack: flood the pending chain with one-block batches (anyone may propose; each bond
/// comes back at finalize, so the flood costs only gas) so that finalizing them all in
/// one transaction needs more gas than a block has. The contract walks batches from the
/// head up to the caller's `upTo`, so finalizing a prefix stays cheap whatever follows
/// (checked: the first batch alone costs the same with 15 batches after it); the cost per
/// batch walked is printed, for the node's choice of `upTo`.
#[test]
fn optimistic_finalize_stall_by_many_tiny_batches() {
    const BATCHES: u64 = 16;
    let env = optimistic_env();
    let (alice, proposer) = (env.alice.clone(), env.sequencer.clone());
    let bs = blocks(&env, BATCHES as usize);
    let mut last = 0;
    for (b, _) in &bs {
        last = propose(&env, &proposer, vec![b.clone()]).sent.receipt.header.timestamp;
    }
    assert_eq!(pending_number(&env), BATCHES);
    wait_past(&env, last + WINDOW - 1);
    let first = env.l1_call(&alice, env.rollup, Opt::finalizeCall { upTo: 1 }, U256::ZERO);
    assert!(first.ok(), "finalize of the first batch alone");
    let second = env.l1_call(&alice, env.rollup, Opt::finalizeCall { upTo: 2 }, U256::ZERO);
    assert!(second.ok(), "finalize of the second batch alone");
    let rest = env.l1_call(&alice, env.rollup, Opt::finalizeCall { upTo: BATCHES }, U256::ZERO);
    assert!(rest.ok(), "finalize of the other {} batches", BATCHES - 2);
    let per_batch = (rest.gas() - second.gas()) / (BATCHES - 3);
    println!(
        "finalize: 1 batch {} gas (first) / {} gas, {} batches {} gas: ~{per_batch} gas per \
         extra batch walked, ~{} batches under the 2^24 transaction gas cap",
        first.gas(),
        second.gas(),
        BATCHES - 2,
        rest.gas(),
        (1u64 << 24) / per_batch
    );
    assert_eq!(env.rollup_head().0, BATCHES);
    assert!(
        second.gas() <= first.gas() + 5_000,
        "finalizing one batch must not depend on the batches after it"
    );
}

/// Attack: confuse a truncated batch's bookkeeping — two blocks of one batch challenged,
/// the lower defended, the higher left undefended and resolved (the batch is cut below it
/// and its tip restored from the proven claim of the block before). The open-challenge
/// count must reach zero (not underflow, not stay stuck), the batch must finalize with its
/// restored tip settled (not the dropped original tip), its bond must stay slashed, and
/// the re-proposed blocks must settle only at their own batch's tip.
#[test]
fn optimistic_truncated_batch_defended_below_cut_settles_restored_tip_only() {
    let env = optimistic_env();
    let (alice, bob, proposer) = (env.alice.clone(), env.bob.clone(), env.sequencer.clone());
    let held_before = env.l1_balance(env.rollup);
    let bs = blocks(&env, 5);
    let posted = |n: u64| bs[n as usize - 1].0.clone();
    let range = |from: u64, to: u64| (from..=to).map(posted).collect::<Vec<_>>();
    let a = propose(&env, &proposer, range(1, 5));
    let c4 = challenge(&env, &bob, 4, a.id);
    challenge(&env, &alice, 2, a.id);
    assert_eq!(batch_info(&env, a.id).openChallenges, 2);
    // Block 2 is defended (its respondBy closes right after block 4's), block 4 is not.
    assert!(try_call(&env, &alice, a.defend(2, &posted(2), env.input(bs[1].1.hash))));
    assert_eq!(batch_info(&env, a.id).openChallenges, 1);
    // Block 4's challenge is still open: it holds the batch.
    refused::<_, Opt::ChallengeOpen>(&env, Opt::finalizeCall { upTo: 5 });
    wait_past(&env, c4.receipt.header.timestamp + RESPONSE);
    assert!(try_call(&env, &alice, a.resolve(4)), "resolve of block 4");
    let info = batch_info(&env, a.id);
    assert_eq!((info.last, info.openChallenges, info.slashed), (3, 0, true));
    assert_eq!((info.tipHash, info.tipStateRoot), (bs[2].1.hash, bs[2].1.block.header.state_root));
    // The defended block is not challengeable again, the dropped one not under batch a.
    for (n, dropped) in [(2, false), (4, true)] {
        let call = Opt::challengeCall { n, batch: a.id };
        let out = env.l1_simulate(bob.address(), env.rollup, &call, challenger_bond());
        let nr_chain::CallOutcome::Revert { output, .. } = out else {
            panic!("challenge of block {n} accepted: {out:?}")
        };
        let ok = if dropped {
            Opt::NotPending::abi_decode(&output).is_ok()
        } else {
            Opt::AlreadyChallenged::abi_decode(&output).is_ok()
        };
        assert!(ok, "challenge of block {n}: {:?}", nr_contracts::decode_error(&output));
    }
    // Blocks 4..5 re-proposed as batch b.
    let b = propose(&env, &proposer, range(4, 5));
    wait_past(&env, b.sent.receipt.header.timestamp + WINDOW - 1);
    refused::<_, Opt::NotBatchEnd>(&env, Opt::finalizeCall { upTo: 4 });
    assert!(try_call(&env, &alice, Opt::finalizeCall { upTo: 5 }));
    assert_eq!(env.rollup_head(), (5, bs[4].1.hash));
    let root: B256 = env.l1_view(env.rollup, Opt::stateRootAtCall { number: 3 });
    assert_eq!(root, bs[2].1.block.header.state_root, "batch a's restored tip is settled");
    for n in [1, 2, 4] {
        refused::<_, Opt::UnknownStateRoot>(&env, Opt::stateRootAtCall { number: n });
    }
    // In: 2 proposer bonds, 2 challenger bonds. Out: a's bond slashed once (half and bob's
    // bond to bob, half burned), alice's bond to the defender, b's bond back.
    assert_eq!(env.l1_balance(env.rollup), held_before, "every wei accounted for");
}

/// Runtime of a forwarder: calls `target` with this call's value and its calldata minus
/// the first 4 bytes, and returns or reverts with the callee's output. Proposing through
/// it hides `propose`'s calldata behind 4 junk bytes in the transaction's own input.
fn forwarder_code(target: Address) -> Vec<u8> {
    let mut runtime = vec![
        0x60, 0x04, 0x36, 0x03, // size: calldatasize - 4
        0x60, 0x04, 0x5f, 0x37, // calldatacopy(0, 4, size)
        0x5f, 0x5f, // retSize, retOffset
        0x60, 0x04, 0x36, 0x03, 0x5f, // argsSize, argsOffset
        0x34, 0x73, // callvalue, push20 target
    ];
    runtime.extend_from_slice(target.as_slice());
    runtime.extend_from_slice(&[
        0x5a, 0xf1, // gas, call
        0x3d, 0x5f, 0x5f, 0x3e, // returndatacopy(0, 0, returndatasize)
        0x60, 0x31, 0x57, // jumpi(ok, success)
        0x3d, 0x5f, 0xfd, // revert(0, returndatasize)
        0x5b, 0x3d, 0x5f, 0xf3, // ok: return(0, returndatasize)
    ]);
    assert_eq!(runtime.len(), 0x35);
    let mut code = vec![0x60, 0x35, 0x80, 0x60, 0x09, 0x5f, 0x39, 0x5f, 0xf3];
    code.extend(runtime);
    code
}

/// Attack: propose through a contract, so that the proposing transaction's calldata is not
/// a `propose` call. The contract accepts it (anyone may propose here), but the node's
/// `proposals::Reader::read` (s5-node c20bf6e, crates/rollup/src/optimistic/proposals.rs,
/// "batch not found in its transaction's calldata": `continue`) skips such a batch, and the
/// watchtower's `judge` then has no proposal for its blocks (`Ok(None)`: the scan stops),
/// so it never challenges them: a forged state root posted this way finalizes after the
/// window and serves withdrawals. Safe behaviour checked here: a proposal is either
/// refused or its blocks are the proposing transaction's own `propose` calldata.
#[test]
fn optimistic_forged_batch_hidden_behind_a_forwarding_contract() {
    let env = optimistic_env();
    let attacker = env.bob.clone();
    let deployed =
        env.l1_tx(&attacker, TxKind::Create, U256::ZERO, forwarder_code(env.rollup).into());
    let forwarder = deployed.receipt.contract_address.expect("forwarder deployed");
    let bs = blocks(&env, 1);
    let mut forged = bs[0].0.clone();
    forged.stateRoot = B256::repeat_byte(0xba);
    let mut input = vec![0xde, 0xad, 0xbe, 0xef];
    input.extend(env.propose_call(vec![forged.clone()]).abi_encode());
    let s = env.l1_tx(&attacker, TxKind::Call(forwarder), proposer_bond(), input.into());
    assert!(
        !s.ok(),
        "a proposal through a forwarding contract (its transaction's input is not propose \
         calldata, so followers cannot read it) was accepted"
    );
    // Why: the sender has code. Simulated from the forwarder itself (origin == sender;
    // without value: the forwarder holds none, and the sender is checked before the bond).
    let call = env.propose_call(vec![forged]);
    match env.l1_simulate(forwarder, env.rollup, &call, U256::ZERO) {
        nr_chain::CallOutcome::Revert { output, .. } => {
            Opt::NotTopLevelCall::abi_decode(&output).unwrap_or_else(|_| {
                panic!("expected NotTopLevelCall, got {:?}", nr_contracts::decode_error(&output))
            });
        }
        other => panic!("expected revert NotTopLevelCall, got {other:?}"),
    }
    println!("proposal through {forwarder} refused: NotTopLevelCall");
}
