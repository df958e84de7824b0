//! Our counterparts of L2BEAT's native-rollups attack tests (written from what each of
//! theirs checks, against our contracts on our L1 and L2): the timestamp lag boundary,
//! a shared anchor, tampered execution requests, a claim against an evicted state root,
//! the incremental message tree against a full tree (seeded fuzz), a fake bridged token,
//! who may mint and burn, and the Solidity MPT verifier against `eth_getProof` output.

mod common;

use alloy_eips::eip7685::Requests;
use alloy_primitives::{Address, B256, Bytes, TxKind, U256, address, keccak256};
use alloy_sol_types::{SolCall, SolConstructor, SolError};
use common::*;
use nr_chain::{BlockOptions, CallOutcome, CallRequest};
use nr_contracts::{
    BridgedToken, L2_MESSENGER, L2_TOKEN_BRIDGE, L2Messenger, L2TokenBridge, MESSAGE_TREE_DEPTH,
    NativeRollup, l1_message_hash, l2_message_hash, sent_message_slot,
};
use nr_stateless::memory::MemoryChain;

mod harness {
    #![allow(missing_docs, clippy::too_many_arguments)]
    alloy_sol_types::sol!(MerkleTrieHarness, "artifacts/MerkleTrieHarness.json");
    alloy_sol_types::sol!(NativeRollupHistoryHarness, "artifacts/NativeRollupHistoryHarness.json");
    alloy_sol_types::sol!(FakeBridgedToken, "artifacts/FakeBridgedToken.json");
}
use harness::{FakeBridgedToken, MerkleTrieHarness, NativeRollupHistoryHarness};

fn advance(input: Vec<u8>, anchor: u64) -> NativeRollup::advanceCall {
    NativeRollup::advanceCall { input: input.into(), anchorBlock: U256::from(anchor) }
}

/// A seeded generator (splitmix64): the fuzz tests are reproducible.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next() as u8).collect()
    }
    fn address(&mut self) -> Address {
        Address::from_slice(&self.bytes(20))
    }
}

#[test]
fn timestamp_exactly_at_max_lag_settles_and_one_second_more_is_stale() {
    let env = Env::new(false);
    env.l1_mine();
    // Block 1 carries the L1 head's time T; it is settled in the L1 block at T + MAX_LAG.
    let b1 = env.l2_block();
    for _ in 0..(MAX_LAG / L1_BLOCK_TIME - 1) {
        env.l1_mine();
    }
    assert_eq!(env.l1_next_time(), b1.block.header.timestamp + MAX_LAG);
    env.settle(b1.hash);
    assert_eq!(env.rollup_head(), (1, b1.hash));

    // Block 2 is one second older than its anchor; settled MAX_LAG after the anchor, it is
    // MAX_LAG + 1 old: refused.
    let anchor = env.l1.head();
    let b2 = env
        .l2
        .produce_block_with(&BlockOptions {
            timestamp: anchor.timestamp - 1,
            parent_beacon_block_root: Some(anchor.hash_slow()),
            fee_recipient: None,
        })
        .unwrap();
    for _ in 0..(MAX_LAG / L1_BLOCK_TIME - 1) {
        env.l1_mine();
    }
    assert_eq!(env.l1_next_time(), b2.block.header.timestamp + MAX_LAG + 1);
    env.l1_expect_revert::<_, NativeRollup::StaleTimestamp>(
        &env.alice,
        env.rollup,
        advance(env.input(b2.hash), anchor.number),
        U256::ZERO,
    );
}

#[test]
fn consecutive_blocks_may_share_an_anchor() {
    let env = Env::new(false);
    env.l1_mine();
    let anchor = env.l1.head();
    let b1 = env.l2_block();
    let b2 = env
        .l2
        .produce_block_with(&BlockOptions {
            timestamp: b1.block.header.timestamp + 1,
            parent_beacon_block_root: Some(anchor.hash_slow()),
            fee_recipient: None,
        })
        .unwrap();
    assert_eq!(env.anchor_of(&b2.block.header), anchor.number);
    env.settle(b1.hash);
    env.settle(b2.hash);
    assert_eq!(env.rollup_head(), (2, b2.hash));
    let last: U256 = env.l1_view(env.rollup, NativeRollup::lastAnchorCall {});
    assert_eq!(last, U256::from(anchor.number));
}

#[test]
fn tampered_execution_requests_are_refused() {
    let env = Env::new(false);
    env.l1_mine();
    env.l2_transfer(&env.alice, env.bob.address(), U256::from(7));
    let p = env.l2_block();
    let anchor = env.anchor_of(&p.block.header);
    let block = env.l2.block(&p.hash).unwrap().unwrap();
    let tampered = |requests: Requests| {
        let witness = env.l2.witness(&p.hash).unwrap();
        MemoryChain::stateless_input(&block, witness, &requests, L2_ID).unwrap().to_wire()
    };
    // The block has no requests: a deposit, a withdrawal or a consolidation request added
    // to the input does not match the header's requests hash.
    // (EIP-6110, EIP-7002 and EIP-7251 request sizes.)
    for (ty, len) in [(0u8, 192), (1, 76), (2, 116)] {
        let mut request = vec![ty];
        request.extend_from_slice(&vec![0xab; len]);
        let input = tampered(Requests::new(vec![Bytes::from(request)]));
        env.l1_expect_revert::<_, NativeRollup::ExecuteFailed>(
            &env.alice,
            env.rollup,
            advance(input, anchor),
            U256::ZERO,
        );
    }
    env.settle(p.hash);
    assert_eq!(env.rollup_head(), (1, p.hash));
}

#[test]
fn claim_against_a_state_root_evicted_from_the_history_is_refused() {
    let env = Env::new(false);
    // A second rollup contract (the harness) over the same L2 genesis.
    let genesis = env.l2.header_by_number(0).unwrap().unwrap();
    let ctor = NativeRollupHistoryHarness::constructorCall {
        chainId_: L2_ID,
        gasLimit_: L2_GAS_LIMIT,
        genesisHash: genesis.hash_slow(),
        genesisStateRoot: genesis.state_root,
        sequencer_: Address::ZERO,
        sequencerTimeout_: U256::from(SEQUENCER_TIMEOUT),
        maxTimestampLag_: U256::from(MAX_LAG),
        forcedDelay_: U256::from(FORCED_DELAY),
    };
    let mut code = NativeRollupHistoryHarness::BYTECODE.to_vec();
    code.extend(ctor.abi_encode());
    let d = env.deployer.clone();
    let deployed = env.l1_tx(&d, TxKind::Create, U256::ZERO, code.into());
    let rollup = deployed.receipt.contract_address.expect("harness deployed");

    // L2 block 1 sends a message to bob on L1; it is settled on the harness.
    env.l1_mine();
    let data = Bytes::from_static(b"evicted?");
    let h = env.l2_tx(
        &env.alice,
        L2_MESSENGER,
        L2Messenger::sendMessageCall {
            to: env.bob.address(),
            gasLimit: U256::from(50_000),
            data: data.clone(),
        },
        U256::ZERO,
        300_000,
    );
    let b1 = env.l2_block();
    assert!(env.l2.receipt(&h).unwrap().unwrap().receipt.status());
    let call = advance(env.input(b1.hash), env.anchor_of(&b1.block.header));
    assert!(env.l1_call(&env.alice, rollup, call, U256::ZERO).ok(), "advance on the harness");

    let m = nr_contracts::RollupCore::L2Message {
        sender: env.alice.address(),
        to: env.bob.address(),
        value: U256::ZERO,
        gasLimit: U256::from(50_000),
        nonce: U256::ZERO,
        data,
    };
    let proof = env
        .l2
        .proof(&b1.block.header, L2_MESSENGER, &[sent_message_slot(l2_message_hash(&m))])
        .unwrap();
    let claim = NativeRollup::claimL2MessageCall {
        m,
        l2Block: 1,
        accountProof: proof.account_proof,
        storageProof: proof.storage[0].2.clone(),
    };
    let set_head = |n: u64| {
        let s = env.l1_call(
            &env.alice,
            rollup,
            NativeRollupHistoryHarness::setHeadNumberCall { number: n },
            U256::ZERO,
        );
        assert!(s.ok());
    };
    // 8,191 blocks after block 1 have been settled: block 1's root left the history.
    set_head(1 + 8191);
    match env.l1_simulate(env.alice.address(), rollup, &claim, U256::ZERO) {
        CallOutcome::Revert { output, .. } => {
            assert_eq!(output.get(..4), Some(&NativeRollup::UnknownStateRoot::SELECTOR[..]))
        }
        other => panic!("expected UnknownStateRoot, got {other:?}"),
    }
    assert!(!env.l1_call(&env.alice, rollup, claim.clone(), U256::ZERO).ok());
    // One block fewer: block 1 is the oldest kept root, and the same claim is delivered.
    set_head(8191);
    let s = env.l1_call(&env.alice, rollup, claim, U256::ZERO);
    assert!(s.ok(), "claim against the oldest kept root");
}

/// The root of the depth-32 tree over `leaves` (zero leaves after them), computed from
/// the whole tree, level by level.
fn full_tree_root(leaves: &[B256]) -> B256 {
    let pair = |a: B256, b: B256| keccak256([a.as_slice(), b.as_slice()].concat());
    let mut level = leaves.to_vec();
    let mut zero = B256::ZERO;
    for _ in 0..MESSAGE_TREE_DEPTH {
        if level.len() % 2 == 1 {
            level.push(zero);
        }
        level = level.chunks(2).map(|p| pair(p[0], p[1])).collect();
        zero = pair(zero, zero);
    }
    level.first().copied().unwrap_or(zero)
}

/// The 32 siblings of leaf `index` in the full tree over `leaves`.
fn full_tree_path(leaves: &[B256], index: usize) -> [B256; MESSAGE_TREE_DEPTH] {
    let pair = |a: B256, b: B256| keccak256([a.as_slice(), b.as_slice()].concat());
    let mut level = leaves.to_vec();
    let mut zero = B256::ZERO;
    let mut out = [B256::ZERO; MESSAGE_TREE_DEPTH];
    let mut i = index;
    for sibling in out.iter_mut() {
        if level.len() % 2 == 1 {
            level.push(zero);
        }
        *sibling = level[i ^ 1];
        level = level.chunks(2).map(|p| pair(p[0], p[1])).collect();
        zero = pair(zero, zero);
        i >>= 1;
    }
    out
}

#[test]
fn incremental_message_tree_equals_a_full_tree_and_refuses_a_wrong_leaf_or_index() {
    let env = Env::new(false);
    let mut rng = Rng(0x005e_ed0f_7ee5);
    let mut messages = vec![];
    let mut leaves = vec![];
    for index in 0..300u64 {
        let from = if rng.below(2) == 0 { env.alice.clone() } else { env.bob.clone() };
        let m = L2Messenger::L1Message {
            sender: from.address(),
            to: rng.address(),
            value: U256::from(rng.below(1000)),
            fee: U256::from(rng.below(100)),
            gasLimit: U256::from(rng.below(100_000)),
            index: U256::from(index),
            data: {
                let len = rng.below(100) as usize;
                rng.bytes(len).into()
            },
        };
        let call = NativeRollup::sendMessageCall {
            to: m.to,
            fee: m.fee,
            gasLimit_: m.gasLimit,
            data: m.data.clone(),
        };
        assert!(env.l1_call(&from, env.rollup, call, m.value + m.fee).ok(), "sendMessage {index}");
        leaves.push(l1_message_hash(&m));
        messages.push(m);
        let root: B256 = env.l1_view(env.rollup, NativeRollup::messageRootCall {});
        assert_eq!(root, full_tree_root(&leaves), "root after {} leaves", leaves.len());
        let count: U256 = env.l1_view(env.rollup, NativeRollup::messageCountCall {});
        assert_eq!(count, U256::from(leaves.len()));
    }
    let root = full_tree_root(&leaves);

    // Prove the root on L2, in a block anchored to the L1 head.
    let l1_head = env.l1.head();
    let ts = l1_head.timestamp;
    let proof = env.l1.proof(&l1_head, env.rollup, &[B256::ZERO]).unwrap();
    let prove = L2Messenger::proveL1MessageRootCall {
        l2Timestamp: U256::from(ts),
        l1Header: alloy_rlp::encode(&l1_head).into(),
        accountProof: proof.account_proof,
        storageProof: proof.storage[0].2.clone(),
    };
    let h = env.l2_tx(&env.bob, L2_MESSENGER, prove, U256::ZERO, 2_000_000);
    env.l2_block();
    assert!(env.l2.receipt(&h).unwrap().unwrap().receipt.status(), "root proven on L2");

    let claim = |m: &L2Messenger::L1Message, path: [B256; MESSAGE_TREE_DEPTH]| {
        L2Messenger::claimL1MessageCall { m: m.clone(), root, proof: path }
    };
    let refused = |call: &L2Messenger::claimL1MessageCall, what: &str| {
        let req = CallRequest {
            from: Some(env.bob.address()),
            to: Some(L2_MESSENGER),
            input: call.abi_encode().into(),
            gas: Some(1_000_000),
            ..Default::default()
        };
        match env.l2.call(&env.l2.head(), &req).unwrap() {
            CallOutcome::Revert { output, .. } => assert_eq!(
                output.get(..4),
                Some(&L2Messenger::BadMerkleProof::SELECTOR[..]),
                "{what}: 0x{}",
                alloy_primitives::hex::encode(&output)
            ),
            other => panic!("{what}: expected BadMerkleProof, got {other:?}"),
        }
    };
    let mut claims = vec![];
    for _ in 0..25 {
        let k = rng.below(leaves.len() as u64) as usize;
        let m = &messages[k];
        let path = full_tree_path(&leaves, k);
        // Another leaf at the same place: different data, value or recipient.
        let mut other = m.clone();
        match rng.below(3) {
            0 => other.data = [m.data.as_ref(), &[1]].concat().into(),
            1 => other.value += U256::from(1),
            _ => other.to = rng.address(),
        }
        refused(&claim(&other, path), "another leaf");
        // The same leaf at another index (the path of `k`).
        let mut moved = m.clone();
        moved.index =
            U256::from((k + 1 + rng.below(leaves.len() as u64 - 1) as usize) % leaves.len());
        refused(&claim(&moved, path), "another index");
        // An index with high bits set, whose low 32 bits are `k`.
        let mut high = m.clone();
        high.index = U256::from(k) + (U256::from(1) << (32 + rng.below(200) as usize));
        refused(&claim(&high, path), "an index of 2^32 or more");
        // A path with one sibling changed.
        let mut bent = path;
        bent[rng.below(32) as usize] ^= B256::with_last_byte(1);
        refused(&claim(m, bent), "a changed sibling");
        claims.push(k);
    }
    // The honest claims are delivered.
    claims.sort_unstable();
    claims.dedup();
    let hashes: Vec<_> = claims
        .iter()
        .map(|&k| {
            let call = claim(&messages[k], full_tree_path(&leaves, k));
            env.l2_tx(&env.bob, L2_MESSENGER, call, U256::ZERO, 1_000_000)
        })
        .collect();
    env.l1_mine();
    env.l2_block();
    for (h, k) in hashes.iter().zip(&claims) {
        assert!(env.l2.receipt(h).unwrap().unwrap().receipt.status(), "claim of leaf {k}");
    }
}

/// Deploys `code` (init code) on L2 from `from`; returns the new address.
fn l2_deploy(env: &Env, from: &alloy_signer_local::PrivateKeySigner, code: Vec<u8>) -> Address {
    let h = env.l2_tx_raw(from, TxKind::Create, code.into(), U256::ZERO, 3_000_000);
    env.l1_mine();
    env.l2_block();
    let r = env.l2.receipt(&h).unwrap().unwrap();
    assert!(r.receipt.status(), "deployed on L2");
    r.contract_address.unwrap()
}

/// Expects `call` from `from` to `to` on the L2 head to revert with `E`.
fn l2_refused<C: SolCall, E: SolError>(env: &Env, from: Address, to: Address, call: &C) {
    let req = CallRequest {
        from: Some(from),
        to: Some(to),
        input: call.abi_encode().into(),
        gas: Some(1_000_000),
        ..Default::default()
    };
    match env.l2.call(&env.l2.head(), &req).unwrap() {
        CallOutcome::Revert { output, .. } => assert_eq!(
            output.get(..4),
            Some(&E::SELECTOR[..]),
            "expected {}, got 0x{}",
            E::SIGNATURE,
            alloy_primitives::hex::encode(&output)
        ),
        other => panic!("expected {}, got {other:?}", E::SIGNATURE),
    }
}

#[test]
fn fake_bridged_token_cannot_withdraw_and_only_the_bridge_mints_and_burns() {
    let env = Env::new(false);
    let (alice, bob) = (env.alice.clone(), env.bob.clone());
    let l1_token = Address::repeat_byte(0x77);

    // The attacker's token claims to stand for `l1_token` and burns nothing: the L2 bridge
    // does not know it as that token's L2 token, so no withdrawal message is sent.
    let mut code = FakeBridgedToken::BYTECODE.to_vec();
    code.extend(FakeBridgedToken::constructorCall { l1Token_: l1_token }.abi_encode());
    let fake = l2_deploy(&env, &bob, code);
    let withdraw =
        L2TokenBridge::withdrawCall { l2Token: fake, to: bob.address(), amount: U256::from(1000) };
    l2_refused::<_, L2TokenBridge::UnknownToken>(&env, bob.address(), L2_TOKEN_BRIDGE, &withdraw);
    let nonce: U256 = env.l2_view(L2_MESSENGER, L2Messenger::nonceCall {});
    let h = env.l2_tx(&bob, L2_TOKEN_BRIDGE, withdraw, U256::ZERO, 500_000);
    env.l1_mine();
    env.l2_block();
    assert!(!env.l2.receipt(&h).unwrap().unwrap().receipt.status(), "fake withdrawal fails");
    let after: U256 = env.l2_view(L2_MESSENGER, L2Messenger::nonceCall {});
    assert_eq!(after, nonce, "no message to L1 was sent");

    // A genuine BridgedToken deployed by the attacker: its bridge is its deployer, who may
    // mint it; nobody else may mint or burn it (the L2 bridge and messenger included), and
    // the L2 bridge refuses to withdraw it.
    let mut code = BridgedToken::BYTECODE.to_vec();
    code.extend(BridgedToken::constructorCall { l1Token_: l1_token }.abi_encode());
    let own = l2_deploy(&env, &bob, code);
    let bridge: Address = env.l2_view(own, BridgedToken::bridgeCall {});
    assert_eq!(bridge, bob.address());
    let mint = BridgedToken::mintCall { to: bob.address(), amount: U256::from(1000) };
    let burn = BridgedToken::burnCall { from: bob.address(), amount: U256::from(1) };
    for who in [alice.address(), L2_TOKEN_BRIDGE, L2_MESSENGER] {
        l2_refused::<_, BridgedToken::OnlyBridge>(&env, who, own, &mint);
        l2_refused::<_, BridgedToken::OnlyBridge>(&env, who, own, &burn);
    }
    let h = env.l2_tx(&bob, own, mint, U256::ZERO, 200_000);
    env.l1_mine();
    env.l2_block();
    assert!(env.l2.receipt(&h).unwrap().unwrap().receipt.status(), "its bridge mints");
    let withdraw =
        L2TokenBridge::withdrawCall { l2Token: own, to: bob.address(), amount: U256::from(1000) };
    l2_refused::<_, L2TokenBridge::UnknownToken>(&env, bob.address(), L2_TOKEN_BRIDGE, &withdraw);
}

/// Init code that stores 1 in slots 0..n (n < 65536) and deploys nothing.
fn store_ones(n: u16) -> Vec<u8> {
    // PUSH2 n; loop: JUMPDEST; n - 1; DUP1; PUSH1 1; SWAP1; SSTORE (slot n-1 = 1);
    // DUP1; PUSH1 3; JUMPI (while not zero); STOP.
    let mut code = vec![0x61];
    code.extend_from_slice(&n.to_be_bytes());
    code.extend_from_slice(&[0x5b, 0x60, 1, 0x90, 0x03, 0x80, 0x60, 1, 0x90, 0x55]);
    code.extend_from_slice(&[0x80, 0x60, 3, 0x57, 0x00]);
    code
}

#[test]
fn solidity_mpt_verifier_agrees_with_eth_get_proof_and_refuses_a_mismatched_account() {
    let env = Env::new(false);
    let d = env.deployer.clone();
    let harness = env.l1_tx(&d, TxKind::Create, U256::ZERO, MerkleTrieHarness::BYTECODE.clone());
    let harness = harness.receipt.contract_address.unwrap();
    // A contract with 300 one-valued slots: a storage trie with branch nodes, extension
    // paths and leaves short enough to be embedded in their parents.
    let s = env.l1_tx_gas(&d, TxKind::Create, U256::ZERO, store_ones(300).into(), 15_000_000);
    assert!(s.ok());
    let holder = s.receipt.contract_address.unwrap();
    env.l1_mine();
    let head = env.l1.head();
    let slot = |i: u64| B256::from(U256::from(i));
    let slots: Vec<B256> = (0..300).chain([300, 5000]).map(slot).collect();
    // What eth_getProof answers (nodes root first, embedded nodes inside their parents).
    let proof = env.l1.proof(&head, holder, &slots).unwrap();
    let storage_root: B256 = env.l1_view(
        harness,
        MerkleTrieHarness::storageRootCall {
            stateRoot: head.state_root,
            account: holder,
            accountProof: proof.account_proof.clone(),
        },
    );
    assert_ne!(storage_root, B256::ZERO);
    for (i, (key, value, nodes)) in proof.storage.iter().enumerate() {
        let got: U256 = env.l1_view(
            harness,
            MerkleTrieHarness::storageValueCall {
                root: storage_root,
                slot: *key,
                storageProof: nodes.clone(),
            },
        );
        assert_eq!(got, *value, "slot {i}");
        assert_eq!(got, U256::from(u8::from(i < 300)), "slot {i}");
    }
    // Every funded account too (a state trie of several accounts).
    for who in [env.alice.address(), env.bob.address(), env.rollup, env.l1_bridge] {
        let p = env.l1.proof(&head, who, &[]).unwrap();
        let root: B256 = env.l1_view(
            harness,
            MerkleTrieHarness::storageRootCall {
                stateRoot: head.state_root,
                account: who,
                accountProof: p.account_proof,
            },
        );
        assert_eq!(root, p.account.storage_root, "{who}");
    }

    // Mismatched: the holder's proof presented for another account, a proof of an absent
    // account, another slot's proof for a slot, and a proof under another state root.
    let refuses = |call: MerkleTrieHarness::storageRootCall, what: &str| {
        let req = CallRequest {
            to: Some(harness),
            input: call.abi_encode().into(),
            ..Default::default()
        };
        match env.l1.call(&head, &req).unwrap() {
            CallOutcome::Revert { output, .. } => assert_eq!(
                output.get(..4),
                Some(&MerkleTrieHarness::InvalidProof::SELECTOR[..]),
                "{what}: 0x{}",
                alloy_primitives::hex::encode(&output)
            ),
            other => panic!("{what}: expected InvalidProof, got {other:?}"),
        }
    };
    for other in [env.alice.address(), env.rollup, Address::repeat_byte(0x55)] {
        refuses(
            MerkleTrieHarness::storageRootCall {
                stateRoot: head.state_root,
                account: other,
                accountProof: proof.account_proof.clone(),
            },
            "another account's proof",
        );
    }
    let absent = Address::repeat_byte(0x55);
    let p = env.l1.proof(&head, absent, &[]).unwrap();
    refuses(
        MerkleTrieHarness::storageRootCall {
            stateRoot: head.state_root,
            account: absent,
            accountProof: p.account_proof,
        },
        "an absent account",
    );
    let older = env.l1.header_by_number(head.number - 1).unwrap().unwrap();
    refuses(
        MerkleTrieHarness::storageRootCall {
            stateRoot: older.state_root,
            account: holder,
            accountProof: proof.account_proof.clone(),
        },
        "another state root",
    );
    // Slot 7's proof read as slot 8's (both hold 1): not 1 (0 or a revert).
    let req = CallRequest {
        to: Some(harness),
        input: MerkleTrieHarness::storageValueCall {
            root: storage_root,
            slot: slot(8),
            storageProof: proof.storage[7].2.clone(),
        }
        .abi_encode()
        .into(),
        ..Default::default()
    };
    match env.l1.call(&head, &req).unwrap() {
        CallOutcome::Success { output, .. } => {
            assert_eq!(U256::from_be_slice(&output), U256::ZERO, "another slot's proof")
        }
        CallOutcome::Revert { .. } => {}
        other => panic!("{other:?}"),
    }
}

/// A geth `eth_getProof` answer (account 0xaa00…00, slot 1, block 3 of the execution-apis
/// test chain; ethereum/execution-apis `tests/eth_getProof/get-account-proof-with-storage.io`):
/// account proof, storage hash, and the proof that slot 1 is empty.
const GETH_ACCOUNT_PROOF: [&str; 2] = [
    "0xf8718080808080a0a2bd2175aed7ed88ed854c914fab94115c092ffb3c3c2ef647b70b7e73e3345880a0457ae8d978cd387f5332f978f5653226588b6cc76a355fc5977cd4325ffcff78a0cc668815cb2db48159c60b4e95bee83377c98719ab8c573f164fedf7f7c30d838080808080808080",
    "0xf869a0335649db80be637d281db0cc5896b0ff9869d08379a80fdc38dd073bba633949b846f8440101a08afc95b7d18a226944b9c2070b6bda1c3a36afcc3730429d47579c94b9fe5850a0ce92c756baff35fa740c3557c1a971fd24d2d35b7c8e067880d50cd86bb0bc99",
];
const GETH_STORAGE_HASH: &str =
    "0x8afc95b7d18a226944b9c2070b6bda1c3a36afcc3730429d47579c94b9fe5850";
const GETH_STORAGE_PROOF: &str = "0xf871808080a0ce028e108cf5c832b0a9afd3ed101183857b3b9ddaea5670c4f09b62e4d38d05a0de3ecad66628a5743ed089e3a35ebeedc25a922fb0ac346304613403911c18e0a0128c5f7abac505794cda09bde44d143e4736b50b1c42d6807a989c10af51e8d18080808080808080808080";

#[test]
fn solidity_mpt_verifier_reads_a_geth_proof_and_refuses_it_for_another_account() {
    let env = Env::new(false);
    let d = env.deployer.clone();
    let harness = env.l1_tx(&d, TxKind::Create, U256::ZERO, MerkleTrieHarness::BYTECODE.clone());
    let harness = harness.receipt.contract_address.unwrap();
    let hex = |s: &str| Bytes::from(alloy_primitives::hex::decode(s).unwrap());
    let account_proof: Vec<Bytes> = GETH_ACCOUNT_PROOF.iter().map(|n| hex(n)).collect();
    // The proof's first node is the state trie's root node.
    let state_root = keccak256(&account_proof[0]);
    let account = address!("0xaa00000000000000000000000000000000000000");
    let view = |call: MerkleTrieHarness::storageRootCall| {
        let req = CallRequest {
            to: Some(harness),
            input: call.abi_encode().into(),
            ..Default::default()
        };
        env.l1.call(&env.l1.head(), &req).unwrap()
    };
    let call = |account| MerkleTrieHarness::storageRootCall {
        stateRoot: state_root,
        account,
        accountProof: account_proof.clone(),
    };
    match view(call(account)) {
        CallOutcome::Success { output, .. } => {
            assert_eq!(B256::from_slice(&output), B256::from_slice(&hex(GETH_STORAGE_HASH)))
        }
        other => panic!("geth's account proof: {other:?}"),
    }
    let value: U256 = env.l1_view(
        harness,
        MerkleTrieHarness::storageValueCall {
            root: B256::from_slice(&hex(GETH_STORAGE_HASH)),
            slot: B256::with_last_byte(1),
            storageProof: vec![hex(GETH_STORAGE_PROOF)],
        },
    );
    assert_eq!(value, U256::ZERO, "slot 1 is empty in geth's answer");
    for other in
        [address!("0xbb00000000000000000000000000000000000000"), Address::repeat_byte(0xaa)]
    {
        match view(call(other)) {
            CallOutcome::Revert { output, .. } => assert_eq!(
                output.get(..4),
                Some(&MerkleTrieHarness::InvalidProof::SELECTOR[..]),
                "{other}"
            ),
            o => panic!("{other}: expected InvalidProof, got {o:?}"),
        }
    }
}
