//! NativeRollup on our L1 (EXECUTE at 0x0101) with real L2 blocks from our L2 chain:
//! consecutive settlement, every bound field enforced, anchors and timestamps, modes.

mod common;

use alloy_primitives::U256;
use common::*;
use nr_chain::BlockOptions;
use nr_contracts::NativeRollup::{self, advanceCall};

/// Wire offset of the chain id: 2-byte schema prefix, then SSZ offset 8 of StatelessInput.
const CHAIN_ID_AT: usize = 2 + 8;

/// Wire offset of the execution payload (SSZ offsets count from the end of the prefix).
fn payload_offset(input: &[u8]) -> usize {
    let le = |o: usize| u32::from_le_bytes(input[2 + o..2 + o + 4].try_into().unwrap()) as usize;
    let npr = le(0);
    2 + npr + le(npr)
}

fn patch_u64(input: &mut [u8], at: usize, v: u64) {
    input[at..at + 8].copy_from_slice(&v.to_le_bytes());
}

fn advance(input: Vec<u8>, anchor: u64) -> advanceCall {
    advanceCall { input: input.into(), anchorBlock: U256::from(anchor) }
}

#[test]
fn consecutive_blocks_settle_and_every_bound_field_is_enforced() {
    let env = Env::new(false);
    let alice = env.alice.clone();
    let mut figures = vec![];
    for i in 0..3u64 {
        for _ in 0..=i {
            env.l2_transfer(&env.alice, env.bob.address(), U256::from(1000));
        }
        let p = env.l2_block();
        let input = env.input(p.hash);
        let s = env.settle(p.hash);
        assert_eq!(env.rollup_head(), (p.block.header.number, p.hash));
        let root = env
            .l1_view(env.rollup, NativeRollup::stateRootAtCall { number: p.block.header.number });
        assert_eq!(root, p.block.header.state_root);
        let logs = s.receipt.receipt.logs();
        assert_eq!(logs.len(), 1, "BlockAdvanced");
        assert_eq!(logs[0].topics()[2], p.hash);
        // The real EXECUTE returns the 43-byte v0.8 result for this input; BlockAdvanced
        // carries its new_payload_request_root.
        let out = env.execute_output(&input);
        assert_eq!(out.len(), 43, "StatelessValidationResult is 43 bytes");
        assert_eq!(out[32], 1, "successful_validation");
        assert_eq!(&out[33..41], &L2_ID.to_le_bytes(), "chain_id, little endian");
        assert_eq!(&out[41..], &[0x01, 0x15], "schema_id 0x1501, little endian");
        let ev = <NativeRollup::BlockAdvanced as alloy_sol_types::SolEvent>::decode_log_data(
            &logs[0].data,
        )
        .unwrap();
        assert_eq!(ev.payloadRoot.as_slice(), &out[..32]);
        figures.push((
            p.block.body.transactions.len(),
            p.block.header.gas_used,
            input.len(),
            s.gas(),
        ));
        env.l1_mine();
    }
    for (txs, l2_gas, bytes, gas) in &figures {
        println!("advance: {txs} L2 txs, {l2_gas} L2 gas, {bytes} input bytes -> {gas} L1 gas");
    }

    // Build the next block, then present it in every wrong way.
    env.l2_transfer(&env.alice, env.bob.address(), U256::from(1));
    let p = env.l2_block();
    let good = env.input(p.hash);
    let anchor = env.anchor_of(&p.block.header);
    let payload = payload_offset(&good);
    let patched = |at: usize, v: u64| {
        let mut b = good.clone();
        patch_u64(&mut b, at, v);
        b
    };
    let r = env.rollup;
    let n = p.block.header.number;
    env.l1_expect_revert::<_, NativeRollup::WrongNumber>(
        &alice,
        r,
        advance(patched(payload + 404, n + 1), anchor),
        U256::ZERO,
    );
    env.l1_expect_revert::<_, NativeRollup::WrongGasLimit>(
        &alice,
        r,
        advance(patched(payload + 412, L2_GAS_LIMIT - 1), anchor),
        U256::ZERO,
    );
    env.l1_expect_revert::<_, NativeRollup::WrongChainId>(
        &alice,
        r,
        advance(patched(CHAIN_ID_AT, L2_ID + 1), anchor),
        U256::ZERO,
    );
    env.l1_expect_revert::<_, NativeRollup::L2IllegalField>(
        &alice,
        r,
        advance(patched(payload + 512, 131_072), anchor),
        U256::ZERO,
    );
    env.l1_expect_revert::<_, NativeRollup::L2IllegalField>(
        &alice,
        r,
        advance(patched(payload + 520, 131_072), anchor),
        U256::ZERO,
    );
    let mut wrong_root = good.clone();
    wrong_root[payload + 52] ^= 1;
    env.l1_expect_revert::<_, NativeRollup::ExecuteFailed>(
        &alice,
        r,
        advance(wrong_root, anchor),
        U256::ZERO,
    );
    let mut tampered = from_wire(&good);
    tampered.witness.state.pop();
    env.l1_expect_revert::<_, NativeRollup::ExecuteFailed>(
        &alice,
        r,
        advance(tampered.to_wire(), anchor),
        U256::ZERO,
    );
    let mut flipped = from_wire(&good);
    let mut node = flipped.witness.state[0].to_vec();
    let last = node.len() - 1;
    node[last] ^= 1;
    flipped.witness.state[0] = node.into();
    env.l1_expect_revert::<_, NativeRollup::ExecuteFailed>(
        &alice,
        r,
        advance(flipped.to_wire(), anchor),
        U256::ZERO,
    );
    // A wrong schema prefix is refused before anything else, naming the id found: the
    // pre-v0.8 layout (no prefix; the SSZ starts `14 00`) and a next revision's id.
    let e = env.l1_expect_revert::<_, NativeRollup::UnsupportedSchema>(
        &alice,
        r,
        advance(good[2..].to_vec(), anchor),
        U256::ZERO,
    );
    assert_eq!(e.found, 0x1400);
    let mut next_revision = good.clone();
    next_revision[1] = 0x02;
    let e = env.l1_expect_revert::<_, NativeRollup::UnsupportedSchema>(
        &alice,
        r,
        advance(next_revision, anchor),
        U256::ZERO,
    );
    assert_eq!(e.found, 0x1502);
    env.l1_expect_revert::<_, NativeRollup::InputTooShort>(
        &alice,
        r,
        advance(good[..payload + 539].to_vec(), anchor),
        U256::ZERO,
    );
    env.l1_expect_revert::<_, NativeRollup::WrongAnchor>(
        &alice,
        r,
        advance(good.clone(), anchor - 1),
        U256::ZERO,
    );
    env.l1_expect_revert::<_, NativeRollup::AnchorOutOfWindow>(
        &alice,
        r,
        advance(good.clone(), env.l1.head().number + 1),
        U256::ZERO,
    );
    // The honest input still settles after all of that.
    let s = env.l1_call(&alice, r, advance(good, anchor), U256::ZERO);
    assert!(s.ok());
    assert_eq!(env.rollup_head(), (n, p.hash));

    // Wrong parent / skipped number: block n+2 presented before block n+1.
    env.l1_mine();
    env.l2_transfer(&env.alice, env.bob.address(), U256::from(1));
    let next = env.l2_block();
    env.l1_mine();
    let after = env.l2_block();
    let anchor_after = env.anchor_of(&after.block.header);
    env.l1_expect_revert::<_, NativeRollup::WrongParent>(
        &alice,
        r,
        advance(env.input(after.hash), anchor_after),
        U256::ZERO,
    );
    env.settle(next.hash);
    env.settle(after.hash);
    // Replaying a settled block fails: its parent is no longer the head.
    let anchor_next = env.anchor_of(&next.block.header);
    env.l1_expect_revert::<_, NativeRollup::WrongParent>(
        &alice,
        r,
        advance(env.input(next.hash), anchor_next),
        U256::ZERO,
    );
}

#[test]
fn anchors_and_timestamps_are_bounded() {
    let env = Env::new(false);
    let alice = env.alice.clone();
    let r = env.rollup;
    // Settle block 1 anchored to the current L1 head.
    for _ in 0..3 {
        env.l1_mine();
    }
    let (b1, _) = env.l2_block_settled();
    let a1 = env.anchor_of(&b1.block.header);
    // Block 2 anchored to an older L1 block than block 1: backwards.
    let older = env.l1.header_by_number(a1 - 2).unwrap().unwrap();
    let b2 = env
        .l2
        .produce_block_with(&BlockOptions {
            timestamp: env.l1.head().timestamp,
            parent_beacon_block_root: Some(older.hash_slow()),
            fee_recipient: None,
        })
        .unwrap();
    env.l1_expect_revert::<_, NativeRollup::AnchorBackwards>(
        &alice,
        r,
        advance(env.input(b2.hash), a1 - 2),
        U256::ZERO,
    );

    // Future timestamp: later than the settling L1 block.
    let env = Env::new(false);
    env.l1_mine();
    let future = env
        .l2
        .produce_block_with(&BlockOptions {
            timestamp: env.l1_next_time() + 1,
            parent_beacon_block_root: Some(env.l1.head().hash_slow()),
            fee_recipient: None,
        })
        .unwrap();
    let anchor = env.l1.head().number;
    env.l1_expect_revert::<_, NativeRollup::FutureTimestamp>(
        &env.alice,
        env.rollup,
        advance(env.input(future.hash), anchor),
        U256::ZERO,
    );

    // Stale: older than MAX_LAG when it is settled (anchor still in the window).
    let env = Env::new(false);
    env.l1_mine();
    let stale = env.l2_block();
    let anchor = env.anchor_of(&stale.block.header);
    for _ in 0..(MAX_LAG / L1_BLOCK_TIME + 1) {
        env.l1_mine();
    }
    env.l1_expect_revert::<_, NativeRollup::StaleTimestamp>(
        &env.alice,
        env.rollup,
        advance(env.input(stale.hash), anchor),
        U256::ZERO,
    );
    // Outside the BLOCKHASH window: 256 more L1 blocks.
    for _ in 0..256 {
        env.l1_mine();
    }
    env.l1_expect_revert::<_, NativeRollup::AnchorOutOfWindow>(
        &env.alice,
        env.rollup,
        advance(env.input(stale.hash), anchor),
        U256::ZERO,
    );
}

#[test]
fn sequenced_mode_admits_only_the_sequencer_until_the_timeout() {
    let env = Env::new(true);
    let seq = env.sequencer.clone();
    let alice = env.alice.clone();
    env.l1_mine();
    let b1 = env.l2_block();
    let a1 = env.anchor_of(&b1.block.header);
    env.l1_expect_revert::<_, NativeRollup::NotSequencer>(
        &alice,
        env.rollup,
        advance(env.input(b1.hash), a1),
        U256::ZERO,
    );
    assert!(env.settle_from(&seq, b1.hash).ok(), "the sequencer may advance");
    // Without a post for longer than the timeout, anyone may advance.
    env.l1_mine();
    let b2 = env.l2_block();
    let a2 = env.anchor_of(&b2.block.header);
    env.l1_expect_revert::<_, NativeRollup::NotSequencer>(
        &alice,
        env.rollup,
        advance(env.input(b2.hash), a2),
        U256::ZERO,
    );
    for _ in 0..(SEQUENCER_TIMEOUT / L1_BLOCK_TIME) {
        env.l1_mine();
    }
    let s = env.settle_from(&alice, b2.hash);
    assert!(s.ok(), "after the timeout anyone may advance");
    assert_eq!(env.rollup_head(), (2, b2.hash));
}
