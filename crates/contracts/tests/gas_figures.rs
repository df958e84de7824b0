//! Prints the L1 gas of `advance` per L2 block as a function of witness size and L2 gas
//! (the figures in docs/contracts.md), with its parts: calldata, the EXECUTE charge, and
//! the contract's own work (reads, checks, stores, event).

mod common;

use alloy_primitives::{Bytes, TxKind, U256};
use alloy_sol_types::SolCall;
use common::*;
use nr_execute::precompile::charged_gas;

/// Runtime: `for i in 0..calldata[0] { sstore(i, i + 1) }`.
const WRITER: &str = "5f355f5b818110156017578060010181556001016003565b00";

fn initcode(runtime: &str) -> Bytes {
    nr_contracts::initcode_for(&alloy_primitives::hex::decode(runtime).unwrap())
}

/// Calldata gas of a transaction with `data` (EIP-2028 standard cost; the EIP-7623 floor
/// is reported separately since it only applies when execution is cheap).
fn calldata_gas(data: &[u8]) -> (u64, u64) {
    let zeros = data.iter().filter(|b| **b == 0).count() as u64;
    let tokens = zeros + 4 * (data.len() as u64 - zeros);
    (4 * tokens, 21_000 + 10 * tokens)
}

#[test]
fn advance_gas_by_witness_size_and_l2_gas() {
    let env = Env::new(false);
    // A storage writer on L2 (deployed in its own, settled block).
    let nonce = env.l2.account(&env.l2.head(), env.alice.address()).unwrap().unwrap().nonce;
    let writer = env.alice.address().create(nonce);
    env.l2_tx_raw(&env.alice, TxKind::Create, initcode(WRITER), U256::ZERO, 200_000);
    env.l2_block_settled();
    env.l1_mine();
    assert!(!env.l2.code(&env.l2.head(), writer).unwrap().is_empty());

    println!(
        "| block | L2 txs | L2 gas | input bytes | witness nodes | calldata gas (floor) | EXECUTE gas | advance L1 gas | contract work |"
    );
    println!("|---|---|---|---|---|---|---|---|---|");
    type Fill = Box<dyn Fn(&Env)>;
    let mut workloads: Vec<(String, Fill)> = vec![];
    for n in [1usize, 10, 50, 100] {
        workloads.push((
            format!("{n} transfers"),
            Box::new(move |env: &Env| {
                for i in 0..n {
                    let to = alloy_primitives::Address::with_last_byte(i as u8 + 1);
                    env.l2_transfer(&env.bob, to, U256::from(1));
                }
            }),
        ));
    }
    for slots in [10u64, 100, 400] {
        workloads.push((
            format!("{slots} new storage slots"),
            Box::new(move |env: &Env| {
                let data = U256::from(slots).to_be_bytes::<32>().to_vec();
                // A realistic gas limit (EXECUTE requires gas for the sum of the limits).
                let gas = slots * 22_300 + 60_000;
                env.l2_tx_raw(&env.bob, TxKind::Call(writer), data.into(), U256::ZERO, gas);
            }),
        ));
    }
    for (name, fill) in workloads {
        fill(&env);
        let p = env.l2_block();
        let input = env.input(p.hash);
        let decoded = from_wire(&input);
        let s = env.settle(p.hash);
        let call = nr_contracts::NativeRollup::advanceCall {
            input: input.clone().into(),
            anchorBlock: U256::ZERO,
        }
        .abi_encode();
        let (standard, floor) = calldata_gas(&call);
        // The EXECUTE market is not congested in this test: one L2 gas costs one L1 gas.
        let execute = charged_gas(&decoded, input.len(), 1, 1);
        let work = s.gas().saturating_sub(21_000 + standard + execute);
        println!(
            "| {name} | {} | {} | {} | {} | {} ({}) | {} | {} | {} |",
            p.block.body.transactions.len(),
            p.block.header.gas_used,
            input.len(),
            decoded.witness.state.len(),
            standard,
            floor,
            execute,
            s.gas(),
            work
        );
        assert!(s.gas() >= execute, "advance pays at least the EXECUTE charge");
        env.l1_mine();
    }
}

/// An L2 transfer of 1 wei from `key` with `nonce` (signed, not sent).
fn signed_transfer(
    key: &alloy_signer_local::PrivateKeySigner,
    nonce: u64,
) -> alloy_consensus::TxEnvelope {
    nr_chain::Eip1559Builder::new(L2_ID, nonce, TxKind::Call(alloy_primitives::Address::ZERO))
        .value(U256::from(1))
        .gas_limit(21_000)
        .fees(100_000_000_000, 1_000_000_000)
        .sign(key)
        .unwrap()
}

#[test]
fn forced_inbox_gas() {
    use alloy_eips::eip2718::Encodable2718;
    use nr_contracts::NativeRollup;
    let env = Env::new(false);
    let nonce = |k: &alloy_signer_local::PrivateKeySigner| {
        env.l2.account(&env.l2.head(), k.address()).unwrap().unwrap().nonce
    };
    // forceInclude of a typical withdrawal: L2Messenger.sendMessage(to, 0, "") with value.
    let w = nr_contracts::L2Messenger::sendMessageCall {
        to: env.alice.address(),
        gasLimit: U256::ZERO,
        data: Bytes::new(),
    };
    let withdrawal = nr_chain::Eip1559Builder::new(
        L2_ID,
        nonce(&env.alice),
        TxKind::Call(nr_contracts::L2_MESSENGER),
    )
    .value(U256::from(10).pow(U256::from(17)))
    .input(w.abi_encode())
    .gas_limit(150_000)
    .fees(100_000_000_000, 1_000_000_000)
    .sign(&env.alice)
    .unwrap();
    let raw: Bytes = withdrawal.encoded_2718().into();
    let fee: U256 = env.l1_view(
        env.rollup,
        NativeRollup::forcedFeeCall { len: U256::from(raw.len()), txGasLimit: U256::from(150_000) },
    );
    let s = env.l1_call(
        &env.bob,
        env.rollup,
        NativeRollup::forceIncludeCall { rawTx: raw.clone() },
        fee,
    );
    assert!(s.ok());
    println!(
        "forceInclude of a withdrawal ({} raw bytes, 150,000 L2 gas): {} L1 gas, forcedFee {} wei",
        raw.len(),
        s.gas(),
        fee
    );
    // Its L2 gas, included first in a block (the entry is consumed).
    let anchor = env.l1.head();
    let opts = nr_chain::BlockOptions {
        timestamp: anchor.timestamp,
        parent_beacon_block_root: Some(anchor.hash_slow()),
        fee_recipient: None,
    };
    let sel = nr_chain::BlockSelection { first: vec![withdrawal.clone()], exclude: vec![] };
    let p = env.l2.produce_block_selected(&opts, &sel).unwrap();
    let l2_gas = env.l2.receipt(withdrawal.tx_hash()).unwrap().expect("included").gas_used;
    println!("the withdrawal uses {l2_gas} L2 gas (block {})", p.block.header.number);
    // A fresh env per figure keeps the queue clean.
    let figures = |k: usize, forced: bool| -> u64 {
        let env = Env::new(false);
        let keys: Vec<_> = (0..k).map(|i| common::key(20 + i as u8)).collect();
        // Fund the senders on L2 first (settled), so the block measured holds only transfers.
        for key in &keys {
            env.l2_transfer(&env.bob, key.address(), U256::from(10).pow(U256::from(17)));
        }
        env.l2_block_settled();
        let txs: Vec<_> = keys.iter().map(|key| signed_transfer(key, 0)).collect();
        if forced {
            for t in &txs {
                let raw: Bytes = t.encoded_2718().into();
                let fee: U256 = env.l1_view(
                    env.rollup,
                    NativeRollup::forcedFeeCall {
                        len: U256::from(raw.len()),
                        txGasLimit: U256::from(21_000),
                    },
                );
                assert!(
                    env.l1_call(
                        &env.bob,
                        env.rollup,
                        NativeRollup::forceIncludeCall { rawTx: raw },
                        fee
                    )
                    .ok()
                );
            }
        } else {
            for t in &txs {
                env.l2.add_transaction(t.clone()).unwrap();
            }
        }
        let anchor = env.l1.head();
        let opts = nr_chain::BlockOptions {
            timestamp: anchor.timestamp,
            parent_beacon_block_root: Some(anchor.hash_slow()),
            fee_recipient: None,
        };
        let sel =
            nr_chain::BlockSelection { first: if forced { txs } else { vec![] }, exclude: vec![] };
        let p = env.l2.produce_block_selected(&opts, &sel).unwrap();
        assert_eq!(p.block.body.transactions.len(), k);
        let s = env.settle(p.hash);
        if forced {
            let head: U256 = env.l1_view(env.rollup, NativeRollup::forcedHeadCall {});
            assert_eq!(head, U256::from(k), "all consumed");
        }
        s.gas()
    };
    // An empty block while one entry waits, not due: the walk reads it and stops.
    let waiting = {
        let env = Env::new(false);
        env.l2_block_settled(); // as in `figures`: the measured block is not the first
        let t = signed_transfer(&env.alice, 0);
        let raw: Bytes = t.encoded_2718().into();
        let call = NativeRollup::forcedFeeCall {
            len: U256::from(raw.len()),
            txGasLimit: U256::from(21_000),
        };
        let fee: U256 = env.l1_view(env.rollup, call);
        let force = NativeRollup::forceIncludeCall { rawTx: raw };
        assert!(env.l1_call(&env.bob, env.rollup, force, fee).ok());
        let p = env.l2_block();
        env.settle(p.hash).gas()
    };
    println!("advance of an empty block with one entry waiting (not due): {waiting} L1 gas");
    println!(
        "| transfers in the block | advance, pool txs | advance, forced entries | extra | extra per entry |"
    );
    println!("|---|---|---|---|---|");
    for k in [0usize, 1, 4] {
        let (plain, forced) = (figures(k, false), figures(k, true));
        let extra = forced as i64 - plain as i64;
        let per = if k == 0 { extra } else { extra / k as i64 };
        println!("| {k} | {plain} | {forced} | {extra} | {per} |");
        if k > 0 {
            let per_entry: U256 = env.l1_view(env.rollup, NativeRollup::FORCED_ENTRY_GASCall {});
            assert!(
                U256::from(per.max(0)) <= per_entry,
                "FORCED_ENTRY_GAS {per_entry} covers the measured {per}"
            );
        }
    }
}
