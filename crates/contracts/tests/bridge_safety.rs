//! Bridge safety on our L1 and L2 chains: L2->L1 deliveries get the gas their sender asked
//! for, every L2 ETH stays backed by the L1 escrow over random sequences of bridge
//! operations, and L1->L2 messages the L2 could never execute are refused at L1.

mod common;

use alloy_primitives::{Address, B256, Bytes, TxKind, U256};
use alloy_signer_local::PrivateKeySigner;
use alloy_sol_types::{SolCall, SolError, SolEvent};
use common::*;
use nr_chain::{CallOutcome, CallRequest};
use nr_contracts::{L2_MESSENGER, L2Messenger, NativeRollup, l1_message_hash, l2_message_hash};

alloy_sol_types::sol!(
    #[sol(all_derives)]
    TryCatchReceiver,
    "artifacts/TryCatchReceiver.json"
);

fn milli(n: u64) -> U256 {
    U256::from(n) * U256::from(1_000_000_000_000_000u64)
}

fn l1_balance(env: &Env, a: Address) -> U256 {
    env.l1.account(&env.l1.head(), a).unwrap().map_or(U256::ZERO, |x| x.balance)
}

fn l2_balance(env: &Env, a: Address) -> U256 {
    env.l2.account(&env.l2.head(), a).unwrap().map_or(U256::ZERO, |x| x.balance)
}

/// Sends an L2->L1 message from `from` in its own settled L2 block; returns the message
/// and its L2 block.
fn send_l2_message(
    env: &Env,
    from: &PrivateKeySigner,
    to: Address,
    value: U256,
    gas_limit: u64,
    data: Bytes,
) -> (nr_contracts::RollupCore::L2Message, u64) {
    env.l1_mine();
    let gas_limit = U256::from(gas_limit);
    let call = L2Messenger::sendMessageCall { to, gasLimit: gas_limit, data: data.clone() };
    let h = env.l2_tx(from, L2_MESSENGER, call, value, 300_000);
    let (p, _) = env.l2_block_settled();
    assert!(env.l2.receipt(&h).unwrap().unwrap().receipt.status(), "L2 sendMessage");
    let nonce: U256 = env.l2_view(L2_MESSENGER, L2Messenger::nonceCall {});
    let m = nr_contracts::RollupCore::L2Message {
        sender: from.address(),
        to,
        value,
        gasLimit: gas_limit,
        nonce: nonce - U256::from(1),
        data,
    };
    (m, p.block.header.number)
}

/// Counterpart of L2BEAT's `DeliveryGas::testFuzz_noClaimStarvesTheHook`: a receiver does
/// its work inside try/catch; for every gas amount a claimer may give, the claim either
/// fails (the message stays claimable) or the receiver's work completes. A claim must
/// never count as delivered while the receiver ran out of gas.
#[test]
fn claim_starves_try_catch_receiver() {
    let env = Env::new(false);
    let d = env.deployer.clone();
    let r = env.l1_tx(&d, TxKind::Create, U256::ZERO, TryCatchReceiver::BYTECODE.clone());
    let receiver = r.receipt.contract_address.expect("receiver deployed");
    let data: Bytes = TryCatchReceiver::onMessageCall {}.abi_encode().into();
    // The receiver's work needs about 40 x 22,100 gas; its sender asks for 1M.
    let (m, block) =
        send_l2_message(&env, &env.alice.clone(), receiver, U256::ZERO, 1_000_000, data);
    let claim = env.claim_l2_call(&m, block);
    let claimer = env.bob.clone();
    let simulate = |gas: u64| {
        let req = CallRequest {
            from: Some(claimer.address()),
            to: Some(env.rollup),
            input: claim.abi_encode().into(),
            gas: Some(gas),
            ..Default::default()
        };
        env.l1.call_pending(env.l1_next_time(), &req).unwrap()
    };
    // Sweep the gas a claimer gives, from too little for the proof to plenty.
    let mut tried = vec![];
    let first_success = (100_000..2_000_000u64).step_by(10_000).find(|gas| {
        let outcome = simulate(*gas);
        let ok = matches!(outcome, CallOutcome::Success { .. });
        if !ok {
            tried.push(*gas);
        }
        ok
    });
    let gas = first_success.unwrap_or_else(|| panic!("no claim succeeded; tried {tried:?}"));
    let s = env.l1_tx_gas(
        &claimer,
        TxKind::Call(env.rollup),
        U256::ZERO,
        claim.abi_encode().into(),
        gas,
    );
    assert!(s.ok(), "the simulated claim with {gas} gas succeeds on chain");
    let claimed: bool = env.l1_view(env.rollup, NativeRollup::claimedL2Call(l2_message_hash(&m)));
    let logged = |topic: B256| {
        s.receipt
            .receipt
            .logs()
            .iter()
            .any(|l| l.address == receiver && l.topics().first() == Some(&topic))
    };
    let (worked, starved) = (
        logged(TryCatchReceiver::Worked::SIGNATURE_HASH),
        logged(TryCatchReceiver::Starved::SIGNATURE_HASH),
    );
    println!(
        "first successful claim: {gas} gas (L1 gas used {}); worked {worked}, starved {starved}",
        s.gas()
    );
    assert!(claimed, "a successful claim marks the message claimed");
    assert!(
        worked && !starved,
        "message marked claimed with {gas} gas while the receiver's work ran out of gas \
         (worked {worked}, starved {starved})"
    );
}

/// A deterministic pseudo-random sequence (splitmix64).
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
}

/// Proves the current L1 message root on L2 and claims every unclaimed deposit in one L2
/// block (relayer: `relayer`).
fn relay_all(env: &Env, relayer: &PrivateKeySigner, deposits: &[L2Messenger::L1Message]) {
    env.l1_mine();
    let anchor = env.l1.head();
    let ts = anchor.timestamp.max(env.l2.head().timestamp + 1);
    let proof = env.l1.proof(&anchor, env.rollup, &[B256::ZERO]).unwrap();
    let prove = L2Messenger::proveL1MessageRootCall {
        l2Timestamp: U256::from(ts),
        l1Header: alloy_rlp::encode(&anchor).into(),
        accountProof: proof.account_proof,
        storageProof: proof.storage[0].2.clone(),
    };
    env.l2_tx(relayer, L2_MESSENGER, prove, U256::ZERO, 2_000_000);
    let mut claims = vec![];
    for m in deposits {
        let leaf = l1_message_hash(m);
        if env.l2_view(L2_MESSENGER, L2Messenger::claimedL1Call(leaf)) {
            continue;
        }
        let i = m.index.to::<usize>();
        let call = L2Messenger::claimL1MessageCall {
            m: m.clone(),
            root: env.tree.borrow().root(),
            proof: env.tree.borrow().proof(i).unwrap(),
        };
        claims.push(env.l2_tx(relayer, L2_MESSENGER, call, U256::ZERO, 1_000_000));
    }
    env.l2_block();
    for c in claims {
        assert!(env.l2.receipt(&c).unwrap().unwrap().receipt.status(), "deposit claimed");
    }
}

/// Over random (seeded) sequences of deposits, L2 transfers, withdrawals and claims, the
/// L2 ETH outside the messenger plus the withdrawals not yet claimed never exceeds what
/// the L1 escrow (the rollup contract) holds.
#[test]
fn withdrawable_l2_eth_never_exceeds_escrow() {
    for seed in [1u64, 2] {
        let env = Env::new(false);
        let mut rng = Rng(seed);
        let relayer = env.bob.clone();
        let l1_senders = [env.alice.clone(), env.bob.clone()];
        let l2_users = [env.alice.clone(), env.bob.clone(), key(9), key(10)];
        let l1_recipients: Vec<Address> = (11..14).map(|i| key(i).address()).collect();
        let mut deposits: Vec<L2Messenger::L1Message> = vec![];
        let mut pending: Vec<(nr_contracts::RollupCore::L2Message, u64)> = vec![];
        let mut log = vec![];
        for step in 0..25 {
            match rng.below(4) {
                0 => {
                    let from = &l1_senders[rng.below(2) as usize];
                    let to = l2_users[rng.below(4) as usize].address();
                    let (value, fee) = (milli(1 + rng.below(3000)), milli(rng.below(5)));
                    let call = NativeRollup::sendMessageCall {
                        to,
                        fee,
                        gasLimit_: U256::from(100_000),
                        data: Bytes::new(),
                    };
                    let s = env.l1_call(from, env.rollup, call, value + fee);
                    assert!(s.ok(), "sendMessage");
                    let index = env.tree.borrow().len();
                    let m = L2Messenger::L1Message {
                        sender: from.address(),
                        to,
                        value,
                        fee,
                        gasLimit: U256::from(100_000),
                        index: U256::from(index),
                        data: Bytes::new(),
                    };
                    env.tree.borrow_mut().push(l1_message_hash(&m));
                    deposits.push(m);
                    relay_all(&env, &relayer, &deposits);
                    log.push(format!("deposit {value} (+{fee} fee) to {to}"));
                }
                1 => {
                    let from = &l2_users[rng.below(4) as usize];
                    let to = l2_users[rng.below(4) as usize].address();
                    let have = l2_balance(&env, from.address());
                    if have < milli(20) {
                        continue;
                    }
                    let value = (have - milli(10)) * U256::from(rng.below(100)) / U256::from(100);
                    env.l1_mine();
                    let h = env.l2_transfer(from, to, value);
                    env.l2_block();
                    assert!(env.l2.receipt(&h).unwrap().unwrap().receipt.status());
                    log.push(format!("transfer {value} {} -> {to}", from.address()));
                }
                2 => {
                    let from = &l2_users[rng.below(4) as usize];
                    let have = l2_balance(&env, from.address());
                    if have < milli(20) {
                        continue;
                    }
                    let value = (have - milli(10)) * U256::from(rng.below(100)) / U256::from(100);
                    let to = l1_recipients[rng.below(3) as usize];
                    let (m, block) = send_l2_message(&env, from, to, value, 0, Bytes::new());
                    pending.push((m, block));
                    log.push(format!("withdraw {value} {} -> {to}", from.address()));
                }
                _ => {
                    if pending.is_empty() {
                        continue;
                    }
                    let (m, block) = pending.remove(rng.below(pending.len() as u64) as usize);
                    env.l1_mine();
                    env.l2_block_settled();
                    let call = env.claim_l2_call(&m, block);
                    assert!(env.l1_call(&env.alice.clone(), env.rollup, call, U256::ZERO).ok());
                    log.push(format!("claim {} to {}", m.value, m.to));
                }
            }
            let escrow = l1_balance(&env, env.rollup);
            let beneficiary = env.l2.head().beneficiary;
            let mut outside: U256 = l2_users.iter().map(|k| l2_balance(&env, k.address())).sum();
            if !l2_users.iter().any(|k| k.address() == beneficiary) {
                outside += l2_balance(&env, beneficiary);
            }
            let in_flight: U256 = pending.iter().map(|(m, _)| m.value).sum();
            assert!(
                outside + in_flight <= escrow,
                "seed {seed} step {step}: L2 ETH {outside} + unclaimed withdrawals {in_flight} \
                 > escrow {escrow}; steps: {log:#?}"
            );
        }
        println!("seed {seed}: {log:#?}");
    }
}

/// L1 refuses an L1->L2 message whose gas limit no L2 transaction could give (the relayer
/// could never deliver it, and the value would be stranded); the largest one it accepts is
/// delivered by a claim of `l1_message_claim_gas` gas. The L2 likewise refuses L2->L1
/// messages no L1 transaction could claim.
#[test]
fn message_gas_limits_beyond_the_other_chain_are_refused() {
    let env = Env::new(false);
    let (alice, bob) = (env.alice.clone(), env.bob.clone());
    let overhead: U256 = env.l1_view(env.rollup, NativeRollup::L2_CLAIM_OVERHEADCall {});
    assert_eq!(overhead, U256::from(nr_contracts::L2_CLAIM_OVERHEAD), "Rust and Solidity agree");
    let max: U256 = env.l1_view(env.rollup, NativeRollup::maxMessageGasLimitCall {});
    let cap = L2_GAS_LIMIT.min(1 << 24);
    let gas = nr_contracts::l1_message_claim_gas(max).expect("fits u64");
    println!("max L1->L2 message gas limit {max}; its claim needs {gas} L2 gas (cap {cap})");
    assert!(gas <= cap, "the claim of the largest message fits one L2 transaction");
    for too_much in
        [max + U256::from(1), U256::from(50_000_000u64), U256::from(u64::MAX), U256::MAX]
    {
        let call = NativeRollup::sendMessageCall {
            to: bob.address(),
            fee: U256::ZERO,
            gasLimit_: too_much,
            data: Bytes::new(),
        };
        let e = env.l1_expect_revert::<_, NativeRollup::GasLimitTooHigh>(
            &alice,
            env.rollup,
            call,
            milli(10),
        );
        assert_eq!((e.gasLimit, e.max), (too_much, max));
    }
    // The largest accepted message is delivered by a claim of exactly the computed gas.
    let to = key(9).address();
    let call =
        NativeRollup::sendMessageCall { to, fee: U256::ZERO, gasLimit_: max, data: Bytes::new() };
    let s = env.l1_call(&alice, env.rollup, call, milli(1000));
    assert!(s.ok(), "sendMessage with the largest gas limit");
    let index = env.tree.borrow().len();
    let m = L2Messenger::L1Message {
        sender: alice.address(),
        to,
        value: milli(1000),
        fee: U256::ZERO,
        gasLimit: max,
        index: U256::from(index),
        data: Bytes::new(),
    };
    env.tree.borrow_mut().push(l1_message_hash(&m));
    env.l1_mine();
    let anchor = env.l1.head();
    let ts = anchor.timestamp.max(env.l2.head().timestamp + 1);
    let proof = env.l1.proof(&anchor, env.rollup, &[B256::ZERO]).unwrap();
    let prove = L2Messenger::proveL1MessageRootCall {
        l2Timestamp: U256::from(ts),
        l1Header: alloy_rlp::encode(&anchor).into(),
        accountProof: proof.account_proof,
        storageProof: proof.storage[0].2.clone(),
    };
    env.l2_tx(&bob, L2_MESSENGER, prove, U256::ZERO, 2_000_000);
    env.l2_block();
    let claim = L2Messenger::claimL1MessageCall {
        m,
        root: env.tree.borrow().root(),
        proof: env.tree.borrow().proof(index).unwrap(),
    };
    let h = env.l2_tx(&bob, L2_MESSENGER, claim, U256::ZERO, gas);
    env.l2_block();
    let r = env.l2.receipt(&h).unwrap().unwrap();
    assert!(r.receipt.status(), "claim of the largest message with {gas} gas");
    assert_eq!(l2_balance(&env, to), milli(1000));

    // L2 -> L1: gas limits beyond what an L1 transaction can give are refused on L2.
    let max_l1: U256 = env.l2_view(L2_MESSENGER, L2Messenger::MAX_GAS_LIMITCall {});
    println!("max L2->L1 message gas limit {max_l1}");
    for too_much in [max_l1 + U256::from(1), U256::MAX] {
        let req = CallRequest {
            from: Some(alice.address()),
            to: Some(L2_MESSENGER),
            input: L2Messenger::sendMessageCall {
                to: alice.address(),
                gasLimit: too_much,
                data: Bytes::new(),
            }
            .abi_encode()
            .into(),
            gas: Some(200_000),
            ..Default::default()
        };
        match env.l2.call(&env.l2.head(), &req).unwrap() {
            CallOutcome::Revert { output, .. } => {
                let e = L2Messenger::GasLimitTooHigh::abi_decode(&output).expect("GasLimitTooHigh");
                assert_eq!((e.gasLimit, e.max), (too_much, max_l1));
            }
            other => panic!("expected GasLimitTooHigh, got {other:?}"),
        }
    }
}
