//! Shared setup of the blob tests: a chain at a fork, blobs, sidecars, signed network-form
//! blob transactions.
#![allow(dead_code)]

use alloy_consensus::{
    SignableTransaction, Signed, TxEip4844, TxEip4844Variant, TxEip4844WithSidecar, TxEnvelope,
};
use alloy_eips::{
    Encodable2718,
    eip4844::{Blob, kzg_to_versioned_hash},
    eip7594::BlobTransactionSidecarVariant,
};
use alloy_primitives::{Address, B256, U256};
use alloy_signer::SignerSync;
use alloy_signer_local::PrivateKeySigner;
use nr_chain::{
    Chain,
    blobs::{SidecarKind, build_sidecar},
    spec::ChainSpec,
};
use nr_stateless::{Fork, ForkSchedule, evm::PlainEthereum};
use std::sync::Arc;

pub const CHAIN_ID: u64 = 8079;
pub const GENESIS_TIME: u64 = 1_000;
pub const ETHER: u128 = 1_000_000_000_000_000_000;

pub struct Env {
    pub dir: tempfile::TempDir,
    pub chain: Chain,
    pub key: PrivateKeySigner,
}

pub fn env(fork: Fork) -> Env {
    let dir = tempfile::tempdir().unwrap();
    let key = PrivateKeySigner::random();
    let spec = ChainSpec::dev(
        CHAIN_ID,
        ForkSchedule::from_genesis(fork),
        GENESIS_TIME,
        &[key.address()],
        U256::from(100 * ETHER),
    );
    let chain = Chain::open(&dir.path().join("c.redb"), spec, Arc::new(PlainEthereum)).unwrap();
    Env { dir, chain, key }
}

/// A blob whose field elements are all canonical (byte 0 of each is zero).
pub fn blob(seed: u8) -> Blob {
    let mut b = Blob::default();
    for i in 0..4096 {
        b[i * 32 + 1] = seed;
        b[i * 32 + 31] = i as u8;
    }
    b
}

/// EIP-4844 wrapper: one blob proof per blob.
pub fn sidecar_4844(blobs: Vec<Blob>) -> BlobTransactionSidecarVariant {
    build_sidecar(blobs, SidecarKind::Eip4844).unwrap()
}

/// EIP-7594 wrapper: 128 cell proofs per blob.
pub fn sidecar_7594(blobs: Vec<Blob>) -> BlobTransactionSidecarVariant {
    build_sidecar(blobs, SidecarKind::Eip7594).unwrap()
}

pub fn hashes_of(sidecar: &BlobTransactionSidecarVariant) -> Vec<B256> {
    sidecar.commitments().iter().map(|c| kzg_to_versioned_hash(c.as_slice())).collect()
}

pub fn blob_tx(nonce: u64, hashes: Vec<B256>, max_fee_per_blob_gas: u128) -> TxEip4844 {
    TxEip4844 {
        chain_id: CHAIN_ID,
        nonce,
        gas_limit: 50_000,
        max_fee_per_gas: 50_000_000_000,
        max_priority_fee_per_gas: 1_000_000_000,
        to: Address::repeat_byte(0x42),
        max_fee_per_blob_gas,
        blob_versioned_hashes: hashes,
        ..Default::default()
    }
}

/// The network form: the signed transaction with its sidecar.
pub fn network(
    key: &PrivateKeySigner,
    tx: TxEip4844,
    sidecar: BlobTransactionSidecarVariant,
) -> Vec<u8> {
    let sig = key.sign_hash_sync(&tx.signature_hash()).unwrap();
    let with = TxEip4844WithSidecar::from_tx_and_sidecar(tx, sidecar);
    TxEnvelope::Eip4844(Signed::new_unhashed(TxEip4844Variant::TxEip4844WithSidecar(with), sig))
        .encoded_2718()
}

/// A well-formed transaction with its sidecar of `blobs` blobs in the `form` wrapper.
pub fn valid(key: &PrivateKeySigner, nonce: u64, blobs: u8, form: u16) -> Vec<u8> {
    let blobs = (0..blobs).map(|i| blob(i + nonce as u8 * 16)).collect();
    let sidecar = if form == 7594 { sidecar_7594(blobs) } else { sidecar_4844(blobs) };
    let hashes = hashes_of(&sidecar);
    network(key, blob_tx(nonce, hashes, 1_000_000_000), sidecar)
}
