//! L1<->L2 messaging and the bridges, end to end on our L1 and L2 chains: deposits proven
//! from the anchored L1 header, withdrawals proven against settled L2 state roots, the
//! ERC-20 round trip, and every forgery, replay and gas attack the issue lists.

mod common;

use alloy_primitives::{Address, B256, Bytes, U256};
use alloy_sol_types::{SolCall, SolError};
use common::*;
use nr_chain::{CallOutcome, CallRequest};
use nr_contracts::{
    BridgedToken, L1TokenBridge, L2_MESSENGER, L2_TOKEN_BRIDGE, L2Messenger, L2TokenBridge,
    NativeRollup, TestToken, l1_message_hash, l2_message_hash, sent_message_slot,
};

#[test]
fn eth_deposit_and_withdrawal_with_every_forgery_rejected() {
    let env = Env::new(false);
    let (alice, bob) = (env.alice.clone(), env.bob.clone());
    let carol = key(9).address();

    // ---- deposit: 1 ETH to carol on L2, 0.01 ETH fee to the relayer (bob) ----
    let fee = eth(1) / U256::from(100);
    let escrow = env.l1_balance(env.rollup);
    let d = env.send_l1_message(&alice, carol, eth(1), fee, 100_000, Bytes::new());
    assert_eq!(env.l1_balance(env.rollup) - escrow, eth(1) + fee, "escrowed on L1");
    let bob_before = env.l2_balance(bob.address());
    let r = env.relay(&bob, &d, 500_000);
    assert!(r.receipt.status(), "claimL1Message");
    println!("claimL1Message (ETH deposit): {} L2 gas", r.gas_used);
    assert_eq!(env.l2_balance(carol), eth(1));
    let relayer_gain =
        env.l2_balance(bob.address()) + U256::from(10_000_000_000_000_000u64) - bob_before;
    assert!(relayer_gain > U256::ZERO);

    // ---- replay and forgeries on L2 ----
    env.l2_expect_revert::<_, L2Messenger::AlreadyClaimed>(
        &bob,
        L2_MESSENGER,
        env.claim_call(&d.message),
        500_000,
    );
    let forge = |edit: &dyn Fn(&mut L2Messenger::L1Message)| {
        let mut m = d.message.clone();
        edit(&mut m);
        let mut c = env.claim_call(&d.message);
        c.m = m;
        c
    };
    for (name, call) in [
        ("sender", forge(&|m| m.sender = bob.address())),
        ("value", forge(&|m| m.value += U256::from(1))),
        ("fee", forge(&|m| m.fee += U256::from(1))),
        ("data", forge(&|m| m.data = Bytes::from_static(b"x"))),
        ("index", forge(&|m| m.index = U256::from(1))),
        ("gas limit", forge(&|m| m.gasLimit = U256::from(99_999))),
    ] {
        println!("forged {name}");
        env.l2_expect_revert::<_, L2Messenger::BadMerkleProof>(&bob, L2_MESSENGER, call, 500_000);
    }
    let mut unknown = env.claim_call(&d.message);
    unknown.root = B256::repeat_byte(7);
    env.l2_expect_revert::<_, L2Messenger::UnknownRoot>(&bob, L2_MESSENGER, unknown, 500_000);
    // A root proven from a header that is not the anchor is refused.
    let mut wrong = env.prove_root_call(d.l1_block, env.l2.head().timestamp);
    wrong.l1Header =
        alloy_rlp::encode(env.l1.header_by_number(d.l1_block - 1).unwrap().unwrap()).into();
    env.l2_expect_revert::<_, L2Messenger::WrongHeader>(&bob, L2_MESSENGER, wrong, 2_000_000);
    // l1Sender() only during a delivery.
    let req = CallRequest {
        to: Some(L2_MESSENGER),
        input: L2Messenger::l1SenderCall {}.abi_encode().into(),
        ..Default::default()
    };
    assert!(matches!(env.l2.call(&env.l2.head(), &req).unwrap(), CallOutcome::Revert { .. }));

    // ---- messages to the other side's messenger are refused on both sides ----
    env.l1_expect_revert::<_, NativeRollup::ToMessenger>(
        &alice,
        env.rollup,
        NativeRollup::sendMessageCall {
            to: L2_MESSENGER,
            fee: U256::ZERO,
            gasLimit_: U256::from(1),
            data: Bytes::new(),
        },
        U256::ZERO,
    );
    env.l2_expect_revert::<_, L2Messenger::ToMessenger>(
        &alice,
        L2_MESSENGER,
        L2Messenger::sendMessageCall { to: env.rollup, gasLimit: U256::ZERO, data: Bytes::new() },
        200_000,
    );

    // ---- too little gas for the message's gas limit: rejected, stays claimable ----
    env.l1_mine();
    let d2 = env.send_l1_message(&alice, carol, eth(2), U256::ZERO, 5_000_000, Bytes::new());
    let r = env.relay(&bob, &d2, 3_000_000);
    assert!(!r.receipt.status(), "5M gas limit with a 3M transaction must fail");
    let claimed: bool =
        env.l2_view(L2_MESSENGER, L2Messenger::claimedL1Call(l1_message_hash(&d2.message)));
    assert!(!claimed, "still claimable");
    let out = env.l2.call(
        &env.l2.head(),
        &CallRequest {
            from: Some(bob.address()),
            to: Some(L2_MESSENGER),
            input: env.claim_call(&d2.message).abi_encode().into(),
            gas: Some(3_000_000),
            ..Default::default()
        },
    );
    match out.unwrap() {
        CallOutcome::Revert { output, .. } => {
            assert_eq!(&output[..4], L2Messenger::InsufficientGas::SELECTOR)
        }
        other => panic!("{other:?}"),
    }
    // With enough gas it goes through.
    let h = env.l2_tx(&bob, L2_MESSENGER, env.claim_call(&d2.message), U256::ZERO, 6_000_000);
    env.l2_block();
    assert!(env.l2.receipt(&h).unwrap().unwrap().receipt.status());
    assert_eq!(env.l2_balance(carol), eth(3));

    // ---- a failing delivery is processed anyway (forced deposits: a reverting receiver
    // must not hold up the messages after it): recorded as failed, retryable ----
    env.l1_mine();
    let bad_call = L2TokenBridge::finalizeDepositCall {
        l1Token: Address::ZERO,
        _1: Address::ZERO,
        to: carol,
        amount: U256::from(1),
    };
    let d3 = env.send_l1_message(
        &alice,
        L2_TOKEN_BRIDGE,
        U256::ZERO,
        U256::ZERO,
        200_000,
        bad_call.abi_encode().into(),
    );
    let r = env.relay(&bob, &d3, 1_000_000);
    assert!(r.receipt.status(), "processed although its call failed (only the L1 bridge may mint)");
    let leaf = l1_message_hash(&d3.message);
    assert!(env.l2_view(L2_MESSENGER, L2Messenger::claimedL1Call(leaf)));
    assert!(env.l2_view(L2_MESSENGER, L2Messenger::failedL1Call(leaf)), "recorded as failed");

    // ---- withdrawal: carol sends 0.5 ETH back to dave on L1 ----
    let carol_key = key(9);
    let dave = key(10).address();
    env.l2_transfer(&bob, carol_key.address(), eth(1)); // gas money
    env.l1_mine();
    env.l2_block_settled();
    let w = env.l2_tx(
        &carol_key,
        L2_MESSENGER,
        L2Messenger::sendMessageCall { to: dave, gasLimit: U256::from(50_000), data: Bytes::new() },
        eth(1) / U256::from(2),
        200_000,
    );
    env.l1_mine();
    // Settle everything up to the withdrawal block (a few L2 blocks at most: the chain is
    // in this process, so the bound is a number of blocks, not a time).
    const MAX_BLOCKS: usize = 5;
    let mut seen = Vec::new();
    let wb = (0..MAX_BLOCKS)
        .find_map(|_| {
            let (p, _) = env.l2_block_settled();
            if p.block.body.transactions.iter().any(|t| *t.tx_hash() == w) {
                return Some(p);
            }
            seen.push(format!(
                "block {} with {} transactions, skipped {:?}",
                p.block.header.number,
                p.block.body.transactions.len(),
                p.skipped
            ));
            env.l1_mine();
            None
        })
        .unwrap_or_else(|| {
            panic!("withdrawal {w} not included in {MAX_BLOCKS} settled L2 blocks; saw {seen:?}")
        });
    assert!(env.l2.receipt(&w).unwrap().unwrap().receipt.status(), "L2 sendMessage");
    let nonce: U256 = env.l2_view(L2_MESSENGER, L2Messenger::nonceCall {});
    let m = nr_contracts::RollupCore::L2Message {
        sender: carol_key.address(),
        to: dave,
        value: eth(1) / U256::from(2),
        gasLimit: U256::from(50_000),
        nonce: nonce - U256::from(1),
        data: Bytes::new(),
    };
    let n = wb.block.header.number;
    let claim = env.claim_l2_call(&m, n);
    // A proof against a state root the rollup never settled is refused.
    let mut unknown = claim.clone();
    unknown.l2Block = n + 100;
    env.l1_expect_revert::<_, NativeRollup::UnknownStateRoot>(
        &alice,
        env.rollup,
        unknown,
        U256::ZERO,
    );
    let s = env.l1_call(&alice, env.rollup, claim.clone(), U256::ZERO);
    assert!(s.ok(), "claimL2Message");
    println!("claimL2Message (ETH withdrawal): {} L1 gas", s.gas());
    assert_eq!(env.l1_balance(dave), eth(1) / U256::from(2));
    // Replay, forged value, proof against an unknown (unsettled) root, to = rollup.
    env.l1_expect_revert::<_, NativeRollup::AlreadyClaimed>(
        &alice,
        env.rollup,
        claim.clone(),
        U256::ZERO,
    );
    // Forged fields with the genuine message's proof: the proof does not reach the forged
    // slot. With an honest (absence) proof of the forged slot: not sent.
    type Edit<'a> = &'a dyn Fn(&mut nr_contracts::RollupCore::L2Message);
    let forgeries: [(&str, Edit); 6] = [
        ("value", &|m| m.value = eth(1)),
        ("sender", &|m| m.sender = alice.address()),
        ("to", &|m| m.to = alice.address()),
        ("data", &|m| m.data = Bytes::from_static(b"x")),
        ("nonce", &|m| m.nonce += U256::from(1)),
        ("gas limit", &|m| m.gasLimit = U256::from(1)),
    ];
    for (name, edit) in forgeries {
        println!("forged L2 message {name}");
        let mut forged = claim.clone();
        edit(&mut forged.m);
        env.l1_expect_revert_any(
            &alice,
            env.rollup,
            forged.clone(),
            &[NativeRollup::InvalidProof::SELECTOR, NativeRollup::NotSent::SELECTOR],
        );
        let absent = env
            .l2
            .proof(
                &env.l2.header_by_number(n).unwrap().unwrap(),
                L2_MESSENGER,
                &[sent_message_slot(l2_message_hash(&forged.m))],
            )
            .unwrap();
        assert_eq!(absent.storage[0].1, U256::ZERO);
        forged.storageProof = absent.storage[0].2.clone();
        env.l1_expect_revert::<_, NativeRollup::NotSent>(&alice, env.rollup, forged, U256::ZERO);
    }
    let mut to_rollup = claim;
    to_rollup.m.to = env.rollup;
    env.l1_expect_revert::<_, NativeRollup::ToMessenger>(&alice, env.rollup, to_rollup, U256::ZERO);
    let req = CallRequest {
        to: Some(env.rollup),
        input: NativeRollup::l2SenderCall {}.abi_encode().into(),
        ..Default::default()
    };
    assert!(
        matches!(env.l1.call(&env.l1.head(), &req).unwrap(), CallOutcome::Revert { .. }),
        "l2Sender only during delivery"
    );
}

#[test]
fn erc20_round_trip_and_only_peers_mint_or_release() {
    let env = Env::new(false);
    let (alice, bob) = (env.alice.clone(), env.bob.clone());
    let deployer = env.deployer.clone();
    // An L1 token, minted to alice, approved to the bridge.
    let token = deployer.address().create(2);
    let s = env.l1_tx(
        &deployer,
        alloy_primitives::TxKind::Create,
        U256::ZERO,
        TestToken::BYTECODE.clone(),
    );
    assert_eq!(s.receipt.contract_address, Some(token));
    assert!(
        env.l1_call(
            &alice,
            token,
            TestToken::mintCall { to: alice.address(), amount: U256::from(1000) },
            U256::ZERO
        )
        .ok()
    );
    assert!(
        env.l1_call(
            &alice,
            token,
            TestToken::approveCall { spender: env.l1_bridge, amount: U256::MAX },
            U256::ZERO
        )
        .ok()
    );

    // Deposit 100 to alice on L2.
    let call = L1TokenBridge::depositCall {
        token,
        to: alice.address(),
        amount: U256::from(100),
        gasLimit: U256::from(1_500_000),
    };
    let s = env.l1_call(&alice, env.l1_bridge, call, U256::ZERO);
    assert!(s.ok(), "deposit");
    println!("L1TokenBridge.deposit: {} L1 gas", s.gas());
    let data = L2TokenBridge::finalizeDepositCall {
        l1Token: token,
        _1: alice.address(),
        to: alice.address(),
        amount: U256::from(100),
    };
    let index = env.tree.borrow().len();
    let message = L2Messenger::L1Message {
        sender: env.l1_bridge,
        to: L2_TOKEN_BRIDGE,
        value: U256::ZERO,
        fee: U256::ZERO,
        gasLimit: U256::from(1_500_000),
        index: U256::from(index),
        data: data.abi_encode().into(),
    };
    env.tree.borrow_mut().push(l1_message_hash(&message));
    let d = Deposit { message, l1_block: s.receipt.header.number };
    let r = env.relay(&bob, &d, 3_000_000);
    assert!(r.receipt.status(), "ERC-20 deposit claimed");
    println!("claimL1Message (ERC-20 deposit, first: deploys the L2 token): {} L2 gas", r.gas_used);
    let l2_token: Address = env.l2_view(L2_TOKEN_BRIDGE, L2TokenBridge::l2TokenOfCall(token));
    assert_ne!(l2_token, Address::ZERO);
    let bal: U256 = env.l2_view(l2_token, BridgedToken::balanceOfCall(alice.address()));
    assert_eq!(bal, U256::from(100));

    // Nobody but the messenger-from-the-L1-bridge may mint on L2.
    env.l2_expect_revert::<_, L2TokenBridge::OnlyPeer>(
        &bob,
        L2_TOKEN_BRIDGE,
        L2TokenBridge::finalizeDepositCall {
            l1Token: token,
            _1: bob.address(),
            to: bob.address(),
            amount: U256::from(5),
        },
        300_000,
    );
    env.l2_expect_revert::<_, BridgedToken::OnlyBridge>(
        &bob,
        l2_token,
        BridgedToken::mintCall { to: bob.address(), amount: U256::from(5) },
        300_000,
    );

    // Withdraw 40 back to bob on L1.
    env.l1_mine();
    let w = env.l2_tx(
        &alice,
        L2_TOKEN_BRIDGE,
        L2TokenBridge::withdrawCall {
            l2Token: l2_token,
            to: bob.address(),
            amount: U256::from(40),
        },
        U256::ZERO,
        500_000,
    );
    let (wb, _) = env.l2_block_settled();
    assert!(env.l2.receipt(&w).unwrap().unwrap().receipt.status(), "withdraw on L2");
    let nonce: U256 = env.l2_view(L2_MESSENGER, L2Messenger::nonceCall {});
    let finalize = L1TokenBridge::finalizeWithdrawalCall {
        token,
        _1: alice.address(),
        to: bob.address(),
        amount: U256::from(40),
    };
    let m = nr_contracts::RollupCore::L2Message {
        sender: L2_TOKEN_BRIDGE,
        to: env.l1_bridge,
        value: U256::ZERO,
        gasLimit: U256::from(200_000),
        nonce: nonce - U256::from(1),
        data: finalize.abi_encode().into(),
    };
    let s =
        env.l1_call(&alice, env.rollup, env.claim_l2_call(&m, wb.block.header.number), U256::ZERO);
    assert!(s.ok(), "claimL2Message (ERC-20)");
    println!("claimL2Message (ERC-20 withdrawal): {} L1 gas", s.gas());
    let bal: U256 = env.l1_view(token, TestToken::balanceOfCall(bob.address()));
    assert_eq!(bal, U256::from(40));
    let bal: U256 = env.l2_view(l2_token, BridgedToken::balanceOfCall(alice.address()));
    assert_eq!(bal, U256::from(60));

    // An L2 message to the L1 bridge from anyone but the L2 bridge cannot release tokens:
    // the delivery reverts (OnlyPeer), so the claim fails and nothing moves.
    env.l1_mine();
    let fake = L1TokenBridge::finalizeWithdrawalCall {
        token,
        _1: bob.address(),
        to: bob.address(),
        amount: U256::from(500),
    };
    let fw = env.l2_tx(
        &bob,
        L2_MESSENGER,
        L2Messenger::sendMessageCall {
            to: env.l1_bridge,
            gasLimit: U256::from(200_000),
            data: fake.abi_encode().into(),
        },
        U256::ZERO,
        300_000,
    );
    let (fb, _) = env.l2_block_settled();
    assert!(env.l2.receipt(&fw).unwrap().unwrap().receipt.status());
    let nonce: U256 = env.l2_view(L2_MESSENGER, L2Messenger::nonceCall {});
    let m = nr_contracts::RollupCore::L2Message {
        sender: bob.address(),
        to: env.l1_bridge,
        value: U256::ZERO,
        gasLimit: U256::from(200_000),
        nonce: nonce - U256::from(1),
        data: fake.abi_encode().into(),
    };
    env.l1_expect_revert::<_, NativeRollup::DeliveryFailed>(
        &alice,
        env.rollup,
        env.claim_l2_call(&m, fb.block.header.number),
        U256::ZERO,
    );
    let bal: U256 = env.l1_view(token, TestToken::balanceOfCall(bob.address()));
    assert_eq!(bal, U256::from(40));
    // Directly calling the L1 bridge is refused too.
    env.l1_expect_revert::<_, L1TokenBridge::OnlyPeer>(&bob, env.l1_bridge, fake, U256::ZERO);
}
