//! Transaction signer public keys: producing the `public_keys` of a [`StatelessInput`]
//! and checking them during verification.
//!
//! execution-specs (#2825, tests-zkevm v0.8) requires exactly one uncompressed key
//! (`0x04 || x || y`) per transaction, and EIP-8025 lets a guest check a key by verifying
//! the signature against it only if it also checks that the key matches the signature's
//! y-parity: a signature `(r, s)` verifies against two keys, one per parity, and only the
//! one recovered with the transaction's parity is its Ethereum sender. libsecp256k1's
//! verification does not expose the parity (and k256, which could, is 2.3x slower than
//! libsecp256k1's recovery here), so each key is checked by one libsecp256k1 recovery with
//! the transaction's parity and a byte comparison; the sender is `keccak(key[1..])[12..]`,
//! no second hash of a recovered key. Blocks with many transactions are checked on all
//! cores.
//!
//! [`StatelessInput`]: crate::ssz::StatelessInput

use crate::{block::BlockError, error::PayloadError, stateless::StatelessError, workers};
use alloy_consensus::TxEnvelope;
use alloy_primitives::{Address, FixedBytes, U256, keccak256};
use secp256k1::{
    Message, SECP256K1,
    ecdsa::{RecoverableSignature, RecoveryId},
};
use std::sync::{
    Mutex, PoisonError,
    atomic::{AtomicUsize, Ordering},
};

/// `secp256k1n / 2`: EIP-2's bound on `s`.
const SECP256K1N_HALF: U256 = U256::from_be_slice(&[
    0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0x5d, 0x57, 0x6e, 0x73, 0x57, 0xa4, 0x50, 0x1d, 0xdf, 0xe9, 0x2f, 0x46, 0x68, 0x1b, 0x20, 0xa0,
]);

/// Most transactions a thread claims at a time in [`check_public_keys_alongside`] (fewer
/// in small blocks, so that the threads finish together).
const MAX_BATCH: usize = 8;

/// The uncompressed key (`0x04 || x || y`) that signed `tx`, recovered with its parity;
/// `None` if the signature is invalid (EIP-2 high `s`, `r` or `s` out of range).
pub fn recover_signer_key(tx: &TxEnvelope) -> Option<[u8; 65]> {
    let sig = tx.signature();
    if sig.s() > SECP256K1N_HALF {
        return None;
    }
    let mut compact = [0u8; 64];
    compact[..32].copy_from_slice(&sig.r().to_be_bytes::<32>());
    compact[32..].copy_from_slice(&sig.s().to_be_bytes::<32>());
    let id = RecoveryId::try_from(i32::from(sig.v())).ok()?;
    let recoverable = RecoverableSignature::from_compact(&compact, id).ok()?;
    let message = Message::from_digest(tx.signature_hash().0);
    let key = SECP256K1.recover_ecdsa(&message, &recoverable).ok()?;
    Some(key.serialize_uncompressed())
}

/// The uncompressed public key of each transaction's signer, in order: the
/// `public_keys` of a stateless input. A signature that does not recover gets 65 zero
/// bytes, which verification refuses naming that transaction.
pub fn signer_public_keys(txs: &[TxEnvelope]) -> Vec<FixedBytes<65>> {
    txs.iter().map(|tx| FixedBytes(recover_signer_key(tx).unwrap_or([0; 65]))).collect()
}

/// The Ethereum address of an uncompressed public key.
pub fn key_address(key: &[u8; 65]) -> Address {
    Address::from_slice(&keccak256(&key[1..])[12..])
}

/// Checks that `keys` holds exactly one key per transaction, each the one its signature
/// recovers to with the transaction's y-parity; returns the senders.
pub fn check_public_keys(
    txs: &[TxEnvelope],
    keys: &[FixedBytes<65>],
) -> Result<Vec<Address>, StatelessError> {
    check_public_keys_alongside(txs, keys, || (), <[Address]>::to_vec).map(|(senders, ())| senders)
}

/// Checks that `keys` holds exactly one key per transaction, each the one its signature
/// recovers to with the transaction's y-parity, while the calling thread runs `main` with the
/// senders the keys claim and a helper thread runs `side` first (the calling thread runs it
/// if no helper has begun by the time its own work is done); when more than one core is
/// available the checking is shared by all threads (each claims a few transactions at a
/// time, the calling thread once `main` is done). A key error wins over whatever `main`
/// returned: the caller must treat `main`'s result as meaningful only when this returns
/// `Ok`. On one core (e.g. a zkVM guest), or if the OS refuses to start the helper threads
/// (no error), the keys are checked first, then `side` and `main` run in turn. The helper
/// threads are started once and kept for later calls.
pub fn check_public_keys_alongside<T, U: Send>(
    txs: &[TxEnvelope],
    keys: &[FixedBytes<65>],
    side: impl FnOnce() -> U + Send,
    main: impl FnOnce(&[Address]) -> T,
) -> Result<(T, U), StatelessError> {
    if keys.len() != txs.len() {
        return Err(
            PayloadError::PublicKeyCount { keys: keys.len(), transactions: txs.len() }.into()
        );
    }
    let senders: Vec<Address> = keys.iter().map(|k| key_address(&k.0)).collect();
    // One core, no helper thread could be started, or all are busy (another verification):
    // the same outcome, in turn.
    let Some((pool, free)) = workers::free_helpers() else {
        check_keys(0, txs, keys).map_err(|(_, e)| e)?;
        let u = side();
        return Ok((main(&senders), u));
    };
    let cores = workers::cores();
    // About 16 claims per core, at most MAX_BATCH transactions each: one recovery costs
    // ~50 us, far more than a claim, and a coarse last batch would leave a thread idle.
    let batch = (txs.len() / (cores * 16)).clamp(1, MAX_BATCH);
    let next = AtomicUsize::new(0);
    // The failure of the lowest transaction index found so far.
    let failure: Mutex<Option<(usize, StatelessError)>> = Mutex::new(None);
    let claim = || {
        loop {
            let start = next.fetch_add(1, Ordering::Relaxed).saturating_mul(batch);
            if start >= txs.len() {
                return;
            }
            // A lock is only held for these few lines, which cannot panic; a poisoned one
            // still holds a consistent value.
            let lock = || failure.lock().unwrap_or_else(PoisonError::into_inner);
            if lock().as_ref().is_some_and(|(i, _)| *i < start) {
                return;
            }
            let end = (start + batch).min(txs.len());
            if let Err((index, e)) = check_keys(start, &txs[start..end], &keys[start..end]) {
                let mut f = lock();
                if f.as_ref().is_none_or(|(i, _)| index < *i) {
                    *f = Some((index, e));
                }
                return;
            }
        }
    };
    // `side` sits in a slot: a helper takes it, or the calling thread once its own work is
    // done if no helper has begun by then (a busy machine).
    let side = Mutex::new(Some(side));
    let side_result = Mutex::new(None);
    let (t, here) = pool.in_place_scope(|s| {
        let claim = &claim;
        workers::spawn(s, || {
            if let Some(side) = workers::take(&side) {
                let u = side();
                *side_result.lock().unwrap_or_else(PoisonError::into_inner) = Some(u);
            }
            claim();
        });
        // One more claimer per free helper, as long as there are batches for them.
        for _ in 1..free.min(txs.len().div_ceil(batch)) {
            workers::spawn(s, claim);
        }
        let t = main(&senders);
        claim();
        (t, workers::take(&side).map(|side| side()))
    });
    // The scope waited for the helpers: `side` ran exactly once, here or on a helper.
    let Some(u) = here.or_else(|| workers::take(&side_result)) else {
        unreachable!("a helper took `side` and stored its result");
    };
    match failure.into_inner().unwrap_or_else(PoisonError::into_inner) {
        Some((_, e)) => Err(e),
        None => Ok((t, u)),
    }
}

/// Checks the keys of `txs` (transaction `offset` of the block first) without computing
/// senders; a failure carries the index of the transaction.
fn check_keys(
    offset: usize,
    txs: &[TxEnvelope],
    keys: &[FixedBytes<65>],
) -> Result<(), (usize, StatelessError)> {
    for (i, (tx, key)) in txs.iter().zip(keys).enumerate() {
        let index = offset + i;
        let recovered = recover_signer_key(tx)
            .ok_or_else(|| (index, BlockError::InvalidSignature { index }.into()))?;
        if recovered != key.0 {
            return Err((index, PayloadError::PublicKey { index }.into()));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy_consensus::{SignableTransaction, TxEip1559};
    use alloy_primitives::{Signature, TxKind};
    use secp256k1::SecretKey;

    fn transfer(i: u32) -> TxEnvelope {
        let key = SecretKey::from_slice(keccak256(i.to_be_bytes()).as_slice()).expect("key");
        let tx = TxEip1559 {
            chain_id: 1,
            gas_limit: 21_000,
            to: TxKind::Call(Address::repeat_byte(0x42)),
            value: U256::from(i),
            ..Default::default()
        };
        let digest = Message::from_digest(tx.signature_hash().0);
        let (id, rs) = SECP256K1.sign_ecdsa_recoverable(&digest, &key).serialize_compact();
        let sig = Signature::new(
            U256::from_be_slice(&rs[..32]),
            U256::from_be_slice(&rs[32..]),
            i32::from(id) == 1,
        );
        tx.into_signed(sig).into()
    }

    /// Attack review F2: a block whose key check runs while the OS refuses new threads
    /// (thread limit reached, memory exhausted) must still be checked on the calling
    /// thread, with the same result, instead of panicking the verifier.
    #[test]
    fn thread_exhaustion_does_not_panic_the_key_check() {
        let txs: Vec<_> = (0..40).map(transfer).collect();
        let keys = signer_public_keys(&txs);
        let honest =
            check_public_keys_alongside(&txs, &keys, || 7, |s| s.to_vec()).expect("honest keys");
        let mut bad = keys.clone();
        bad[25] = keys[24];
        workers::REFUSE_THREADS.with(|r| r.set(true));
        let refused = std::panic::catch_unwind(|| {
            (
                check_public_keys_alongside(&txs, &keys, || 7, |s| s.to_vec()).ok(),
                check_public_keys(&txs, &bad).map_err(|e| e.to_string()),
            )
        });
        workers::REFUSE_THREADS.with(|r| r.set(false));
        let (ok, err) = refused.expect("the key check panicked when no thread could be spawned");
        assert_eq!(ok, Some(honest));
        assert!(err.expect_err("key 25 is wrong").contains("25"));
    }

    #[test]
    fn alongside_reports_the_lowest_bad_key_and_runs_both_closures() {
        let txs: Vec<_> = (0..100).map(transfer).collect();
        let keys = signer_public_keys(&txs);
        let expected: Vec<Address> = txs
            .iter()
            .map(|tx| {
                alloy_consensus::transaction::SignerRecoverable::recover_signer(tx).expect("signed")
            })
            .collect();
        assert_eq!(check_public_keys(&txs, &keys).expect("honest keys"), expected);
        let (senders, side) =
            check_public_keys_alongside(&txs, &keys, || 7, |s| s.to_vec()).expect("honest keys");
        assert_eq!((senders, side), (expected, 7));

        let mut bad = keys.clone();
        bad[90] = keys[91];
        bad[70] = keys[71];
        let r = check_public_keys_alongside(&txs, &bad, || (), |_| ());
        assert!(matches!(r, Err(StatelessError::Payload(PayloadError::PublicKey { index: 70 }))));

        let r = check_public_keys_alongside(&txs, &keys[1..], || (), |_| ());
        assert!(matches!(
            r,
            Err(StatelessError::Payload(PayloadError::PublicKeyCount {
                keys: 99,
                transactions: 100
            }))
        ));
    }
}
