//! Times the public-key check of a transfer block's signatures (1,427 EIP-1559 transfers
//! from distinct keys, the size of the reth comparison): the check before the
//! v0.8 switch (alloy `recover_signer`, then the key's address compared) against
//! `nr_stateless::signer` (one libsecp256k1 recovery with the parity, byte comparison, on
//! all cores). Run: `cargo run --release -p nr-stateless --example signature_check`.

use alloy_consensus::{SignableTransaction, TxEip1559, TxEnvelope, transaction::SignerRecoverable};
use alloy_primitives::{Address, Signature, TxKind, U256, keccak256};
use nr_stateless::signer::{check_public_keys, recover_signer_key, signer_public_keys};
use secp256k1::{Message, SECP256K1, SecretKey};
use std::time::Instant;

const TRANSACTIONS: u32 = 1427;

fn transfer(i: u32) -> TxEnvelope {
    let key = SecretKey::from_slice(keccak256(i.to_be_bytes()).as_slice()).expect("valid key");
    let tx = TxEip1559 {
        chain_id: 8079,
        nonce: 0,
        gas_limit: 21_000,
        max_fee_per_gas: 2_000_000_000,
        max_priority_fee_per_gas: 1,
        to: TxKind::Call(Address::repeat_byte(0x42)),
        value: U256::from(i),
        ..Default::default()
    };
    let sig = SECP256K1.sign_ecdsa_recoverable(&Message::from_digest(tx.signature_hash().0), &key);
    let (id, rs) = sig.serialize_compact();
    let sig = Signature::new(
        U256::from_be_slice(&rs[..32]),
        U256::from_be_slice(&rs[32..]),
        i32::from(id) == 1,
    );
    tx.into_signed(sig).into()
}

/// The check as it was: recover the signer's address, compare the key's address.
fn check_before(txs: &[TxEnvelope], keys: &[alloy_primitives::FixedBytes<65>]) -> Vec<Address> {
    txs.iter()
        .zip(keys)
        .map(|(tx, key)| {
            let signer = tx.recover_signer().expect("valid signature");
            let from_key = Address::from_slice(&keccak256(&key[1..])[12..]);
            assert!(key[0] == 4 && from_key == signer);
            signer
        })
        .collect()
}

fn best_of(reps: usize, mut f: impl FnMut()) -> f64 {
    (0..reps)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed().as_secs_f64() * 1e3
        })
        .fold(f64::MAX, f64::min)
}

fn main() {
    let txs: Vec<TxEnvelope> = (0..TRANSACTIONS).map(transfer).collect();
    let keys = signer_public_keys(&txs);
    let senders = check_before(&txs, &keys);
    assert_eq!(check_public_keys(&txs, &keys).expect("valid keys"), senders);
    let reps = 9;
    let before = best_of(reps, || {
        check_before(&txs, &keys);
    });
    let one_core = best_of(reps, || {
        for (tx, key) in txs.iter().zip(&keys) {
            assert_eq!(recover_signer_key(tx), Some(key.0));
        }
    });
    let after = best_of(reps, || {
        check_public_keys(&txs, &keys).expect("valid keys");
    });
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!("{TRANSACTIONS} transfer signatures, best of {reps}:");
    println!("  before (recover_signer + address compare): {before:.2} ms");
    println!("  after, one core (recover key + byte compare): {one_core:.2} ms");
    println!("  after, check_public_keys ({cores} cores): {after:.2} ms");
}
