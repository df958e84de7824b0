//! Batched settlement (issue 15, part 1): `advanceBatch` settles K consecutive L2 blocks in
//! one L1 transaction, each through exactly what `advance` does; `advanceBatchWithDelivery`
//! proves the forced-deposit prefix at the batch's last block.

mod common;

use alloy_primitives::{B256, Bytes, U256};
use alloy_sol_types::SolEvent;
use common::*;
use nr_contracts::{L2_MESSENGER, L2Messenger, NativeRollup};

/// L1 blocks after which a message is due, in these tests.
const DELAY: u64 = 4;
/// Storage slot of `L2Messenger.deliveredPrefix`.
const PREFIX_SLOT: B256 = B256::with_last_byte(5);

/// `k` L2 blocks, each with one transfer, each anchored to a fresh L1 block.
fn blocks(env: &Env, k: usize) -> Vec<B256> {
    let alice = env.alice.clone();
    (0..k)
        .map(|i| {
            env.l1_mine();
            env.l2_transfer(&alice, key(40 + i as u8).address(), U256::from(1 + i));
            env.l2_block().block.hash_slow()
        })
        .collect()
}

fn batch_call(env: &Env, hashes: &[B256]) -> NativeRollup::advanceBatchCall {
    let (inputs, anchors) = hashes
        .iter()
        .map(|h| {
            let header = env.l2.header(h).unwrap().unwrap();
            (Bytes::from(env.input(*h)), U256::from(env.anchor_of(&header)))
        })
        .unzip();
    NativeRollup::advanceBatchCall { inputs, anchorBlocks: anchors }
}

fn batch_delivery_call(
    env: &Env,
    hashes: &[B256],
    proof_block: B256,
) -> NativeRollup::advanceBatchWithDeliveryCall {
    let b = batch_call(env, hashes);
    let at = env.l2.header(&proof_block).unwrap().unwrap();
    let proof = env.l2.proof(&at, L2_MESSENGER, &[PREFIX_SLOT]).unwrap();
    NativeRollup::advanceBatchWithDeliveryCall {
        inputs: b.inputs,
        anchorBlocks: b.anchorBlocks,
        accountProof: proof.account_proof,
        storageProof: proof.storage[0].2.clone(),
    }
}

fn delivered(env: &Env) -> U256 {
    env.l1_view(env.rollup, NativeRollup::deliveredMessagesCall {})
}

#[test]
fn advance_batch_settles_k_blocks_each_readable() {
    let env = Env::new(true);
    let seq = env.sequencer.clone();
    let hashes = blocks(&env, 4);
    let s = env.l1_call(&seq, env.rollup, batch_call(&env, &hashes), U256::ZERO);
    assert!(s.ok(), "advanceBatch of 4 blocks");
    assert_eq!(env.rollup_head(), (4, hashes[3]));
    for (i, h) in hashes.iter().enumerate() {
        let n = i as u64 + 1;
        let header = env.l2.header(h).unwrap().unwrap();
        let hash: B256 = env.l1_view(env.rollup, NativeRollup::blockHashAtCall { number: n });
        let root: B256 = env.l1_view(env.rollup, NativeRollup::stateRootAtCall { number: n });
        assert_eq!((hash, root), (*h, header.state_root), "block {n} in the ring buffer");
    }
    let events = s
        .receipt
        .receipt
        .logs()
        .iter()
        .filter(|l| {
            l.address == env.rollup
                && l.topics().first() == Some(&NativeRollup::BlockAdvanced::SIGNATURE_HASH)
        })
        .count();
    assert_eq!(events, 4, "one BlockAdvanced per block");
    // One block at a time costs more per block than the batch (one intrinsic cost).
    let more = blocks(&env, 1);
    let single = env.settle_from(&seq, more[0]);
    assert!(single.ok());
    println!("batch of 4: {} L1 gas; one advance: {} L1 gas", s.gas(), single.gas());
    assert!(s.gas() / 4 < single.gas(), "a batched block is cheaper than a lone one");
}

#[test]
fn advance_batch_bad_block_in_the_middle_reverts_the_whole_batch() {
    let env = Env::new(true);
    let seq = env.sequencer.clone();
    let hashes = blocks(&env, 3);
    let mut bad = batch_call(&env, &hashes);
    // The middle block claims another L1 anchor than the one it carries.
    bad.anchorBlocks[1] = bad.anchorBlocks[0];
    env.l1_expect_revert::<_, NativeRollup::WrongAnchor>(&seq, env.rollup, bad, U256::ZERO);
    // The middle block's input is corrupted: EXECUTE refuses it (the first block too is
    // rolled back).
    let mut bad = batch_call(&env, &hashes);
    let mut input = bad.inputs[1].to_vec();
    let last = input.len() - 1;
    input[last] ^= 1;
    bad.inputs[1] = input.into();
    let head = env.rollup_head();
    assert!(!env.l1_call(&seq, env.rollup, bad, U256::ZERO).ok(), "corrupted middle block");
    assert_eq!(env.rollup_head(), head, "nothing settled");
    // Blocks out of order: the second one's parent is not the head.
    let swapped = batch_call(&env, &[hashes[0], hashes[2], hashes[1]]);
    env.l1_expect_revert::<_, NativeRollup::WrongParent>(&seq, env.rollup, swapped, U256::ZERO);
    // Malformed batches.
    let empty = NativeRollup::advanceBatchCall { inputs: vec![], anchorBlocks: vec![] };
    env.l1_expect_revert::<_, NativeRollup::EmptyBatch>(&seq, env.rollup, empty, U256::ZERO);
    let mut short = batch_call(&env, &hashes);
    short.anchorBlocks.pop();
    let e = env.l1_expect_revert::<_, NativeRollup::BatchLengthMismatch>(
        &seq,
        env.rollup,
        short,
        U256::ZERO,
    );
    assert_eq!((e.inputs, e.anchors), (U256::from(3), U256::from(2)));
    // The genuine batch still settles.
    assert!(env.l1_call(&seq, env.rollup, batch_call(&env, &hashes), U256::ZERO).ok());
    assert_eq!(env.rollup_head(), (3, hashes[2]));
}

#[test]
fn advance_batch_straddling_a_due_deposit() {
    let env = Env::with_forced_delay(true, DELAY);
    let seq = env.sequencer.clone();
    let carol = key(9).address();
    let d =
        env.send_l1_message(&env.alice.clone(), carol, eth(1), U256::ZERO, 100_000, Bytes::new());
    // Block 1 is made before the deposit is due and does not deliver it.
    let b1 = env.l2_block().block.hash_slow();
    while env.l1.head().number + 1 < d.l1_block + DELAY {
        env.l1_mine();
    }
    // Block 2 delivers it.
    let anchor = env.l1.head();
    let bob = env.bob.clone();
    let prove = env.prove_root_call(anchor.number, anchor.timestamp);
    env.l2_tx(&bob, L2_MESSENGER, prove, U256::ZERO, 2_000_000);
    let claim = env.l2_tx(&bob, L2_MESSENGER, env.claim_call(&d.message), U256::ZERO, 1_000_000);
    let b2 = env.l2_block().block.hash_slow();
    assert!(env.l2.receipt(&claim).unwrap().unwrap().receipt.status(), "claimed");
    let p: U256 = env.l2_view(L2_MESSENGER, L2Messenger::deliveredPrefixCall {});
    assert_eq!(p, U256::from(1));
    // The plain batch is refused: the deposit is due and no delivery is proven.
    let e = env.l1_expect_revert::<_, NativeRollup::MessagesDue>(
        &seq,
        env.rollup,
        batch_call(&env, &[b1, b2]),
        U256::ZERO,
    );
    assert_eq!((e.due, e.delivered), (U256::from(1), U256::ZERO));
    // A proof at block 1's state (nothing delivered) does not verify at the last block.
    env.l1_expect_revert::<_, NativeRollup::InvalidProof>(
        &seq,
        env.rollup,
        batch_delivery_call(&env, &[b1, b2], b1),
        U256::ZERO,
    );
    // Proving at the last block settles both and raises the delivered prefix.
    let s = env.l1_call(&seq, env.rollup, batch_delivery_call(&env, &[b1, b2], b2), U256::ZERO);
    assert!(s.ok(), "advanceBatchWithDelivery");
    assert_eq!(env.rollup_head(), (2, b2));
    assert_eq!(delivered(&env), U256::from(1));
}

#[test]
fn advance_batch_with_delivery_refused_when_the_last_block_does_not_deliver() {
    let env = Env::with_forced_delay(true, DELAY);
    let seq = env.sequencer.clone();
    let d = env.send_l1_message(
        &env.alice.clone(),
        key(9).address(),
        eth(1),
        U256::ZERO,
        100_000,
        Bytes::new(),
    );
    while env.l1.head().number + 1 < d.l1_block + DELAY {
        env.l1_mine();
    }
    let hashes = blocks(&env, 2);
    let e = env.l1_expect_revert::<_, NativeRollup::MessagesDue>(
        &seq,
        env.rollup,
        batch_delivery_call(&env, &hashes, hashes[1]),
        U256::ZERO,
    );
    assert_eq!((e.due, e.delivered), (U256::from(1), U256::ZERO));
    assert_eq!(delivered(&env), U256::ZERO);
}
