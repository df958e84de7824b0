//! Blob transactions (type 3) in the pool: the network form with its sidecar is taken when
//! every EIP-4844 / EIP-7594 rule holds, each broken rule is refused with its own error,
//! and an accepted blob transaction is mined with the block's blob gas.

mod common;

use alloy_consensus::{SignableTransaction, Signed, Transaction, TxEip4844Variant, TxEnvelope};
use alloy_eips::{
    Encodable2718,
    eip4844::{Blob, Bytes48, DATA_GAS_PER_BLOB},
    eip7594::{BlobTransactionSidecarEip7594, BlobTransactionSidecarVariant},
};
use alloy_primitives::B256;
use alloy_signer::SignerSync;
use alloy_signer_local::PrivateKeySigner;
use common::*;
use nr_chain::{Chain, TxError};
use nr_stateless::{Fork, evm::PlainEthereum};
use std::sync::Arc;

#[test]
fn blob_tx_before_cancun_refused() {
    let e = env(Fork::Shanghai);
    let r = e.chain.add_raw_transaction(&valid(&e.key, 0, 1, 4844));
    assert!(matches!(r, Err(TxError::BlobBeforeCancun)), "{r:?}");
}

#[test]
fn blob_tx_without_sidecar_refused() {
    let e = env(Fork::Osaka);
    let sidecar = sidecar_4844(vec![blob(1)]);
    let tx = blob_tx(0, hashes_of(&sidecar), 1_000_000_000);
    let sig = e.key.sign_hash_sync(&tx.signature_hash()).unwrap();
    let canonical = TxEnvelope::Eip4844(Signed::new_unhashed(TxEip4844Variant::TxEip4844(tx), sig));
    let r = e.chain.add_raw_transaction(&canonical.encoded_2718());
    assert!(matches!(r, Err(TxError::BlobMissingSidecar)), "{r:?}");
}

#[test]
fn blob_tx_without_blobs_refused() {
    let e = env(Fork::Osaka);
    let empty = BlobTransactionSidecarVariant::Eip7594(BlobTransactionSidecarEip7594 {
        blobs: vec![],
        commitments: vec![],
        cell_proofs: vec![],
    });
    let r = e.chain.add_raw_transaction(&network(&e.key, blob_tx(0, vec![], 1), empty));
    assert!(matches!(r, Err(TxError::BlobNone)), "{r:?}");
}

#[test]
fn blob_tx_with_too_many_blobs_refused() {
    let e = env(Fork::Osaka);
    // Shape only: the count is checked before any proof.
    let n = 7;
    let blobs = vec![Blob::default(); n];
    let commitments = vec![Bytes48::default(); n];
    let sidecar = BlobTransactionSidecarVariant::Eip7594(BlobTransactionSidecarEip7594 {
        blobs,
        commitments,
        cell_proofs: vec![Bytes48::default(); n * 128],
    });
    let hashes = hashes_of(&sidecar);
    let r = e.chain.add_raw_transaction(&network(&e.key, blob_tx(0, hashes, 1), sidecar));
    assert!(matches!(r, Err(TxError::BlobTooMany { have: 7, max: 6 })), "{r:?}");
}

#[test]
fn blob_tx_with_wrong_versioned_hash_refused() {
    let e = env(Fork::Osaka);
    let sidecar = sidecar_7594(vec![blob(1), blob(2)]);
    let mut hashes = hashes_of(&sidecar);
    let want = hashes[1];
    hashes[1][0] = 0x02; // the right digest under another version byte
    let have = hashes[1];
    let r = e.chain.add_raw_transaction(&network(&e.key, blob_tx(0, hashes, 1), sidecar));
    assert!(
        matches!(r, Err(TxError::BlobVersionedHash { index: 1, have: h, want: w }) if h == have && w == want),
        "{r:?}"
    );
}

#[test]
fn blob_tx_with_mismatched_sidecar_lists_refused() {
    let e = env(Fork::Osaka);
    let BlobTransactionSidecarVariant::Eip7594(mut s) = sidecar_7594(vec![blob(1)]) else {
        unreachable!()
    };
    s.cell_proofs.pop();
    let sidecar = BlobTransactionSidecarVariant::Eip7594(s);
    let hashes = hashes_of(&sidecar);
    let r = e.chain.add_raw_transaction(&network(&e.key, blob_tx(0, hashes, 1), sidecar));
    assert!(
        matches!(r, Err(TxError::BlobSidecarShape { proofs: 127, expected_proofs: 128, .. })),
        "{r:?}"
    );
}

#[test]
fn blob_tx_with_invalid_proof_refused() {
    let e = env(Fork::Osaka);
    // EIP-4844 wrapper: the proofs of two blobs swapped.
    let BlobTransactionSidecarVariant::Eip4844(mut s) = sidecar_4844(vec![blob(1), blob(2)]) else {
        unreachable!()
    };
    s.proofs.swap(0, 1);
    let sidecar = BlobTransactionSidecarVariant::Eip4844(s);
    let hashes = hashes_of(&sidecar);
    let r = e.chain.add_raw_transaction(&network(&e.key, blob_tx(0, hashes, 1), sidecar));
    assert!(matches!(r, Err(TxError::BlobProof { wrapper: "EIP-4844", .. })), "4844: {r:?}");
    // EIP-7594 wrapper: one cell proof of another cell.
    let BlobTransactionSidecarVariant::Eip7594(mut s) = sidecar_7594(vec![blob(1)]) else {
        unreachable!()
    };
    s.cell_proofs[5] = s.cell_proofs[6];
    let sidecar = BlobTransactionSidecarVariant::Eip7594(s);
    let hashes = hashes_of(&sidecar);
    let r = e.chain.add_raw_transaction(&network(&e.key, blob_tx(0, hashes, 1), sidecar));
    assert!(matches!(r, Err(TxError::BlobProof { wrapper: "EIP-7594", .. })), "7594: {r:?}");
    assert_eq!(e.chain.pending_count(), 0);
}

#[test]
fn blob_tx_with_cell_proofs_before_osaka_refused() {
    let e = env(Fork::Prague);
    let r = e.chain.add_raw_transaction(&valid(&e.key, 0, 1, 7594));
    assert!(matches!(r, Err(TxError::BlobCellProofsBeforeOsaka)), "{r:?}");
}

#[test]
fn blob_tx_blob_fee_cap_below_blob_base_fee_refused() {
    let e = env(Fork::Osaka);
    let sidecar = sidecar_7594(vec![blob(1)]);
    let hashes = hashes_of(&sidecar);
    let r = e.chain.add_raw_transaction(&network(&e.key, blob_tx(0, hashes, 0), sidecar));
    assert!(matches!(r, Err(TxError::BlobFeeCapTooLow { cap: 0, base: 1 })), "{r:?}");
}

#[test]
fn blob_tx_accepted_and_mined_with_its_blob_gas() {
    for (fork, form) in [(Fork::Osaka, 7594), (Fork::Osaka, 4844), (Fork::Cancun, 4844)] {
        let e = env(fork);
        let raw = valid(&e.key, 0, 2, form);
        let hash = e.chain.add_raw_transaction(&raw).unwrap_or_else(|err| {
            panic!("{fork:?} {form}: a valid blob transaction refused: {err:?}")
        });
        let again = e.chain.add_raw_transaction(&raw);
        assert!(matches!(again, Err(TxError::Pool("already known"))), "{again:?}");
        let p = e.chain.produce_block(GENESIS_TIME + 12).unwrap();
        let txs = &p.block.body.transactions;
        assert_eq!(txs.len(), 1, "{fork:?} {form}: skipped {:?}", p.skipped);
        assert_eq!(*txs[0].tx_hash(), hash);
        // The block carries the canonical form (no sidecar).
        let TxEnvelope::Eip4844(signed) = &txs[0] else { panic!("not a blob tx") };
        assert!(matches!(signed.tx(), TxEip4844Variant::TxEip4844(_)), "network form in a block");
        assert_eq!(txs[0].blob_versioned_hashes().map(<[B256]>::len), Some(2));
        assert_eq!(p.block.header.blob_gas_used, Some(2 * DATA_GAS_PER_BLOB));
        assert_eq!(e.chain.pending_count(), 0);
    }
}

#[test]
fn blob_txs_beyond_the_block_blob_limit_wait_for_the_next_block() {
    // Osaka: at most 9 blobs per block, 6 per transaction; two 6-blob transactions.
    let e = env(Fork::Osaka);
    let a = e.chain.add_raw_transaction(&valid(&e.key, 0, 6, 7594)).unwrap();
    let b = e.chain.add_raw_transaction(&valid(&e.key, 1, 6, 7594)).unwrap();
    let p = e.chain.produce_block(GENESIS_TIME + 12).unwrap();
    let hashes: Vec<B256> = p.block.body.transactions.iter().map(|t| *t.tx_hash()).collect();
    assert_eq!(hashes, vec![a], "skipped {:?} deferred {:?}", p.skipped, p.deferred);
    assert_eq!(p.block.header.blob_gas_used, Some(6 * DATA_GAS_PER_BLOB));
    assert!(p.dropped.is_empty(), "dropped {:?}", p.dropped);
    assert!(e.chain.pending_tx(&b).is_some(), "the second waits in the pool");
    let p = e.chain.produce_block(GENESIS_TIME + 24).unwrap();
    let hashes: Vec<B256> = p.block.body.transactions.iter().map(|t| *t.tx_hash()).collect();
    assert_eq!(hashes, vec![b]);
    assert_eq!(p.block.header.blob_gas_used, Some(6 * DATA_GAS_PER_BLOB));
}

#[test]
fn pooled_blob_tx_keeps_its_sidecar_across_a_restart() {
    let e = env(Fork::Osaka);
    let hash = e.chain.add_raw_transaction(&valid(&e.key, 0, 1, 7594)).unwrap();
    let Env { dir, chain, key } = e;
    let spec = chain.spec().clone();
    drop(chain);
    let chain = Chain::open(&dir.path().join("c.redb"), spec, Arc::new(PlainEthereum)).unwrap();
    let p = chain.pending_tx(&hash).expect("the blob transaction survives the restart");
    let TxEnvelope::Eip4844(signed) = &p.tx else { panic!("not a blob tx") };
    assert!(
        matches!(signed.tx(), TxEip4844Variant::TxEip4844WithSidecar(_)),
        "the pool keeps the sidecar"
    );
    assert_eq!(p.sender, key.address());
}

#[test]
fn blob_tx_under_the_blob_base_fee_waits_in_the_pool() {
    // Osaka with 1 blob target, 2 max and a fraction of one blob's gas: a full block takes
    // the next block's blob base fee from 1 to 2.
    let mut schedule = nr_stateless::ForkSchedule::from_genesis(Fork::Osaka);
    schedule.blobs.osaka = Some(nr_stateless::fork::BlobConfig {
        target: 1,
        max: 2,
        base_fee_update_fraction: 131_072,
    });
    let (a_key, b_key) = (PrivateKeySigner::random(), PrivateKeySigner::random());
    let dir = tempfile::tempdir().unwrap();
    let funded = [a_key.address(), b_key.address()];
    let balance = alloy_primitives::U256::from(100 * ETHER);
    let spec = nr_chain::spec::ChainSpec::dev(CHAIN_ID, schedule, GENESIS_TIME, &funded, balance);
    let chain = Chain::open(&dir.path().join("c.redb"), spec, Arc::new(PlainEthereum)).unwrap();
    // A: 2 blobs, a higher tip (first in the block). B: 1 blob, blob fee cap 1.
    let a_sidecar = sidecar_7594(vec![blob(1), blob(2)]);
    let mut a_tx = blob_tx(0, hashes_of(&a_sidecar), 1_000);
    a_tx.max_priority_fee_per_gas = 2_000_000_000;
    let a = chain.add_raw_transaction(&network(&a_key, a_tx, a_sidecar)).unwrap();
    let b_sidecar = sidecar_7594(vec![blob(3)]);
    let b = chain.add_raw_transaction(&network(
        &b_key,
        blob_tx(0, hashes_of(&b_sidecar), 1),
        b_sidecar,
    ));
    let b = b.unwrap();
    // Block 1: A fills the 2 blobs; B waits for room.
    let p = chain.produce_block(GENESIS_TIME + 12).unwrap();
    let mined: Vec<B256> = p.block.body.transactions.iter().map(|t| *t.tx_hash()).collect();
    assert_eq!(mined, vec![a]);
    assert_eq!(p.deferred, vec![b]);
    // Block 2: blob base fee 2, over B's cap: B waits again, not dropped.
    let p = chain.produce_block(GENESIS_TIME + 24).unwrap();
    assert_eq!(chain.blob_base_fee_at(&p.block.header), Some(2));
    assert!(p.block.body.transactions.is_empty(), "{:?}", p.block.body.transactions);
    assert_eq!((p.deferred.clone(), p.dropped.len()), (vec![b], 0));
    assert!(chain.pending_tx(&b).is_some(), "B stays in the pool");
}
