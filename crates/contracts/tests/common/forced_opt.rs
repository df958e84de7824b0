//! Helpers the rule 5 (forced inclusion) tests of optimistic mode share
//! (`optimistic_forced.rs`, `optimistic_forced_attacks.rs`).

use super::{Env, L2_ID, Sent};
use alloy_consensus::TxEnvelope;
use alloy_eips::eip2718::Encodable2718;
use alloy_primitives::{Address, B256, Bytes, TxKind, U256};
use alloy_signer_local::PrivateKeySigner;
use alloy_sol_types::SolCall;
use nr_chain::{BlockOptions, BlockSelection, CallOutcome, Eip1559Builder};
use nr_contracts::{OptimisticInbox as Inbox, OptimisticRollup as Opt};

/// An L2 EIP-1559 transfer of 1 wei from `key` with `nonce` and fee cap `max_fee`.
pub fn transfer_tx(key: &PrivateKeySigner, nonce: u64, max_fee: u128) -> TxEnvelope {
    Eip1559Builder::new(L2_ID, nonce, TxKind::Call(Address::with_last_byte(0xee)))
        .value(U256::from(1))
        .gas_limit(21_000)
        .fees(max_fee, max_fee.min(1_000_000_000))
        .sign(key)
        .unwrap()
}

/// The nonce of L2 account `a` at the L2 head.
pub fn l2_nonce(env: &Env, a: Address) -> u64 {
    env.l2.account(&env.l2.head(), a).unwrap().map_or(0, |a| a.nonce)
}

/// Forces `t` through the inbox from `from`, paying exactly `forcedFee`; returns (index,
/// fee).
pub fn force(env: &Env, from: &PrivateKeySigner, t: &TxEnvelope) -> (u64, U256) {
    use alloy_consensus::Transaction;
    let raw: Bytes = t.encoded_2718().into();
    let fee: U256 = env.l1_view(
        env.inbox(),
        Inbox::forcedFeeCall { len: U256::from(raw.len()), txGasLimit: U256::from(t.gas_limit()) },
    );
    let s = env.l1_call(from, env.inbox(), Inbox::forceIncludeCall { rawTx: raw }, fee);
    assert!(s.ok(), "forceInclude succeeds");
    let count: u64 = env.l1_view(env.inbox(), Inbox::forcedCountCall {});
    (count - 1, fee)
}

/// Forced entry `i` as the inbox stores it.
pub fn entry(env: &Env, i: u64) -> nr_contracts::optimistic::OptimisticInbox::ForcedEntry {
    env.l1_view(env.inbox(), Inbox::forcedEntryCall { i: U256::from(i) })
}

/// An L2 block anchored to the L1 head starting with `first` (then the pool).
pub fn l2_block_with(env: &Env, first: Vec<TxEnvelope>) -> nr_chain::Produced {
    let anchor = env.l1.head();
    let opts = BlockOptions {
        timestamp: anchor.timestamp.max(env.l2.head().timestamp + 1),
        parent_beacon_block_root: Some(anchor.hash_slow()),
        fee_recipient: None,
    };
    let p =
        env.l2.produce_block_selected(&opts, &BlockSelection { first, exclude: vec![] }).unwrap();
    assert!(p.skipped.is_empty(), "nothing skipped: {:?}", p.skipped);
    p
}

/// The posted form of `hash` claiming its first `forced` transactions as inbox entries.
pub fn posted_with(env: &Env, hash: B256, forced: u64) -> Opt::Block {
    Opt::Block { forcedCount: forced, ..env.posted(hash) }
}

/// `pruneForced` of the head entry with `accountProof` and `tipHeader` from `from`.
pub fn prune(env: &Env, from: &PrivateKeySigner, proof: Vec<Bytes>, header: Bytes) -> Sent {
    let call = Inbox::pruneForcedCall { accountProof: proof, tipHeader: header };
    env.l1_call(from, env.inbox(), call, U256::ZERO)
}

/// What `from` received from a mined transaction besides paying its gas.
pub fn received(env: &Env, from: Address, before: U256, s: &Sent) -> U256 {
    let price = s.receipt.header.base_fee_per_gas.unwrap() + 1_000_000_000;
    env.l1_balance(from) + U256::from(s.gas()) * U256::from(price) - before
}

/// The error `E` a call to `to` reverts with, simulated on the next L1 block.
pub fn refused_at<C: SolCall, E: alloy_sol_types::SolError>(env: &Env, to: Address, call: C) -> E {
    match env.l1_simulate(env.alice.address(), to, &call, U256::ZERO) {
        CallOutcome::Revert { output, .. } => E::abi_decode(&output).unwrap_or_else(|_| {
            panic!("expected {}, got {:?}", E::SIGNATURE, nr_contracts::decode_error(&output))
        }),
        other => panic!("expected {}, got {other:?}", E::SIGNATURE),
    }
}
