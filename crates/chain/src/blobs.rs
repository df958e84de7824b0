//! Blob transactions (EIP-4844, EIP-7594): the checks a network-form transaction passes
//! before the pool takes it (counts, versioned hashes, KZG proofs, blob fee), the canonical
//! form that goes into blocks, and sidecar construction for senders.
//!
//! The pool keeps each blob transaction in its network form (the sidecar inside the
//! [`TxEnvelope`]); blocks carry the canonical form ([`canonical`]), and the sidecars of a
//! block's transactions are stored next to it.

use crate::TxError;
use alloy_consensus::{Signed, Transaction, TxEip4844, TxEip4844Variant, TxEnvelope};
use alloy_eips::{
    eip4844::{Blob, BlobTransactionSidecar, Bytes48, DATA_GAS_PER_BLOB, kzg_to_versioned_hash},
    eip7594::{BlobTransactionSidecarEip7594, BlobTransactionSidecarVariant, CELLS_PER_EXT_BLOB},
    eip7840::BlobParams,
};
use alloy_primitives::B256;
use nr_stateless::Fork;

/// Which proofs a sidecar carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SidecarKind {
    /// EIP-4844 wrapper: one blob KZG proof per blob (Cancun, Prague).
    Eip4844,
    /// EIP-7594 wrapper (version 1): 128 cell KZG proofs per blob (Osaka).
    Eip7594,
}

impl SidecarKind {
    /// The kind of `sidecar`.
    pub fn of(sidecar: &BlobTransactionSidecarVariant) -> Self {
        match sidecar {
            BlobTransactionSidecarVariant::Eip4844(_) => Self::Eip4844,
            BlobTransactionSidecarVariant::Eip7594(_) => Self::Eip7594,
        }
    }

    /// The kind a sender should use at `fork` (EIP-7594 from Osaka).
    pub fn for_fork(fork: Fork) -> Self {
        if fork >= Fork::Osaka { Self::Eip7594 } else { Self::Eip4844 }
    }

    /// Its name in errors (`EIP-4844`, `EIP-7594`).
    pub fn name(self) -> &'static str {
        match self {
            Self::Eip4844 => "EIP-4844",
            Self::Eip7594 => "EIP-7594",
        }
    }
}

/// The ceremony's KZG settings (the Ethereum trusted setup embedded in c-kzg).
pub fn kzg_settings() -> &'static c_kzg::KzgSettings {
    c_kzg::ethereum_kzg_settings(0)
}

/// The sidecar a blob transaction carries in its network form, if it does.
pub fn sidecar(tx: &TxEnvelope) -> Option<&BlobTransactionSidecarVariant> {
    match tx {
        TxEnvelope::Eip4844(signed) => match signed.tx() {
            TxEip4844Variant::TxEip4844WithSidecar(w) => Some(&w.sidecar),
            TxEip4844Variant::TxEip4844(_) => None,
        },
        _ => None,
    }
}

/// The transaction as a block carries it: a blob transaction without its sidecar (same
/// hash); any other transaction unchanged.
pub fn canonical(tx: &TxEnvelope) -> TxEnvelope {
    match tx {
        TxEnvelope::Eip4844(signed) => match signed.tx() {
            TxEip4844Variant::TxEip4844WithSidecar(w) => {
                TxEnvelope::Eip4844(Signed::new_unchecked(
                    TxEip4844Variant::TxEip4844(w.tx.clone()),
                    *signed.signature(),
                    *signed.hash(),
                ))
            }
            TxEip4844Variant::TxEip4844(_) => tx.clone(),
        },
        _ => tx.clone(),
    }
}

/// [`canonical`] taking the transaction by value (no copy of a non-blob transaction).
pub fn into_canonical(tx: TxEnvelope) -> TxEnvelope {
    match tx {
        TxEnvelope::Eip4844(signed)
            if matches!(signed.tx(), TxEip4844Variant::TxEip4844WithSidecar(_)) =>
        {
            let (tx, sig, hash) = signed.into_parts();
            TxEnvelope::Eip4844(Signed::new_unchecked(
                TxEip4844Variant::TxEip4844(tx.into()),
                sig,
                hash,
            ))
        }
        other => other,
    }
}

/// `tx` (canonical) with `sidecar` attached: its network form.
pub fn with_sidecar(tx: &TxEnvelope, sidecar: BlobTransactionSidecarVariant) -> Option<TxEnvelope> {
    let TxEnvelope::Eip4844(signed) = tx else { return None };
    let inner = signed.tx().tx().clone();
    let with = alloy_consensus::TxEip4844WithSidecar::from_tx_and_sidecar(inner, sidecar);
    Some(TxEnvelope::Eip4844(Signed::new_unchecked(
        TxEip4844Variant::TxEip4844WithSidecar(with),
        *signed.signature(),
        *signed.hash(),
    )))
}

/// Signs blob transaction `tx` with `signer` and attaches `sidecar`: the network form
/// `eth_sendRawTransaction` takes (its EIP-2718 bytes).
pub fn sign_with_sidecar(
    tx: TxEip4844,
    sidecar: BlobTransactionSidecarVariant,
    signer: &impl alloy_signer::SignerSync,
) -> Result<TxEnvelope, alloy_signer::Error> {
    use alloy_consensus::SignableTransaction;
    let sig = signer.sign_hash_sync(&tx.signature_hash())?;
    let with = alloy_consensus::TxEip4844WithSidecar::from_tx_and_sidecar(tx, sidecar);
    Ok(TxEnvelope::Eip4844(Signed::new_unhashed(TxEip4844Variant::TxEip4844WithSidecar(with), sig)))
}

/// Blob gas a transaction uses (0 for non-blob transactions).
pub fn blob_gas(tx: &TxEnvelope) -> u64 {
    tx.blob_versioned_hashes().map_or(0, |h| h.len() as u64 * DATA_GAS_PER_BLOB)
}

/// The most blobs one transaction may carry under `params`.
pub fn max_blobs_per_tx(params: &BlobParams) -> u64 {
    params.max_blobs_per_tx.min(params.max_blob_count)
}

impl crate::Chain {
    /// The blob base fee of the block with `header` (`None` before Cancun): its excess blob
    /// gas priced under the blob parameters in force at its time.
    pub fn blob_base_fee_at(&self, header: &alloy_consensus::Header) -> Option<u128> {
        let params = self.spec.schedule.blob_params_at(header.timestamp)?;
        Some(params.calc_blob_fee(header.excess_blob_gas.unwrap_or_default()))
    }

    /// The blob base fee of the child of `header` (made at the next second), `None` before
    /// Cancun.
    pub fn next_blob_base_fee(&self, header: &alloy_consensus::Header) -> Option<u128> {
        self.blob_base_fee_at(&self.child_template(header, header.timestamp + 1))
    }

    /// Most blob gas the block with `header` may use (0 before Cancun).
    pub fn max_blob_gas_at(&self, header: &alloy_consensus::Header) -> u64 {
        self.spec.schedule.max_blob_gas_at(header.timestamp)
    }
}

/// Checks a blob transaction for the pool: network form, blob count, sidecar kind for
/// `fork`, sidecar shape, versioned hashes, KZG proofs and the blob fee cap against
/// `blob_base_fee` (the next block's). `params` are the next block's blob parameters
/// (`None` before Cancun).
pub(crate) fn check_for_pool(
    tx: &TxEnvelope,
    fork: Fork,
    params: Option<BlobParams>,
    blob_base_fee: u128,
) -> Result<(), TxError> {
    let TxEnvelope::Eip4844(signed) = tx else { return Ok(()) };
    let Some(params) = params.filter(|_| fork >= Fork::Cancun) else {
        return Err(TxError::BlobBeforeCancun);
    };
    let TxEip4844Variant::TxEip4844WithSidecar(w) = signed.tx() else {
        return Err(TxError::BlobMissingSidecar);
    };
    let hashes = &w.tx.blob_versioned_hashes;
    if hashes.is_empty() {
        return Err(TxError::BlobNone);
    }
    let max = max_blobs_per_tx(&params);
    if hashes.len() as u64 > max {
        return Err(TxError::BlobTooMany { have: hashes.len(), max });
    }
    if SidecarKind::of(&w.sidecar) == SidecarKind::Eip7594 && fork < Fork::Osaka {
        return Err(TxError::BlobCellProofsBeforeOsaka);
    }
    if w.tx.max_fee_per_blob_gas < blob_base_fee {
        return Err(TxError::BlobFeeCapTooLow {
            cap: w.tx.max_fee_per_blob_gas,
            base: blob_base_fee,
        });
    }
    verify_sidecar(hashes, &w.sidecar)
}

/// Verifies `sidecar` against the transaction's `hashes`: list lengths, each versioned hash
/// `0x01 || sha256(commitment)[1..]`, and the KZG proofs (a batch of blob proofs for the
/// EIP-4844 wrapper, of all cell proofs for the EIP-7594 wrapper).
pub fn verify_sidecar(
    hashes: &[B256],
    sidecar: &BlobTransactionSidecarVariant,
) -> Result<(), TxError> {
    // c-kzg's blobs are 128 KiB values: built on a thread with room for them (an RPC
    // worker's or a test's 2 MiB stack is not, in a debug build).
    on_big_stack(|| verify_sidecar_here(hashes, sidecar)).unwrap_or_else(|reason| {
        Err(TxError::BlobProof { wrapper: SidecarKind::of(sidecar).name(), reason })
    })
}

/// Runs `f` on a scoped thread with a 64 MiB stack (reserved, not committed).
fn on_big_stack<T: Send>(f: impl FnOnce() -> T + Send) -> Result<T, String> {
    std::thread::scope(|s| {
        std::thread::Builder::new()
            .name("kzg".into())
            .stack_size(64 << 20)
            .spawn_scoped(s, f)
            .map_err(|e| format!("cannot start the KZG thread: {e}"))?
            .join()
            .map_err(|_| "the KZG thread panicked".to_string())
    })
}

fn verify_sidecar_here(
    hashes: &[B256],
    sidecar: &BlobTransactionSidecarVariant,
) -> Result<(), TxError> {
    let kind = SidecarKind::of(sidecar);
    let (blobs, commitments, proofs, per_blob) = match sidecar {
        BlobTransactionSidecarVariant::Eip4844(s) => (&s.blobs, &s.commitments, &s.proofs, 1),
        BlobTransactionSidecarVariant::Eip7594(s) => {
            (&s.blobs, &s.commitments, &s.cell_proofs, CELLS_PER_EXT_BLOB)
        }
    };
    let expected_proofs = hashes.len() * per_blob;
    if blobs.len() != hashes.len()
        || commitments.len() != hashes.len()
        || proofs.len() != expected_proofs
    {
        return Err(TxError::BlobSidecarShape {
            hashes: hashes.len(),
            blobs: blobs.len(),
            commitments: commitments.len(),
            proofs: proofs.len(),
            expected_proofs,
        });
    }
    for (index, (have, c)) in hashes.iter().zip(commitments).enumerate() {
        let want = kzg_to_versioned_hash(c.as_slice());
        if *have != want {
            return Err(TxError::BlobVersionedHash { index, have: *have, want });
        }
    }
    let fail = |reason: String| TxError::BlobProof { wrapper: kind.name(), reason };
    let kzg = kzg_settings();
    let mut ck_blobs = Vec::with_capacity(blobs.len());
    for b in blobs {
        ck_blobs.push(c_kzg::Blob::from_bytes(b.as_slice()).map_err(|e| fail(e.to_string()))?);
    }
    let ck48 = |v: &[Bytes48]| v.iter().map(|b| c_kzg::Bytes48::new(b.0)).collect::<Vec<_>>();
    let ok = match kind {
        SidecarKind::Eip4844 => {
            kzg.verify_blob_kzg_proof_batch(&ck_blobs, &ck48(commitments), &ck48(proofs))
        }
        SidecarKind::Eip7594 => {
            let mut cells = Vec::with_capacity(expected_proofs);
            for b in &ck_blobs {
                let c = kzg.compute_cells(b).map_err(|e| fail(e.to_string()))?;
                cells.extend_from_slice(c.as_ref());
            }
            let mut cell_commitments = Vec::with_capacity(expected_proofs);
            for c in commitments {
                cell_commitments.extend(std::iter::repeat_n(c_kzg::Bytes48::new(c.0), per_blob));
            }
            let indices: Vec<u64> =
                (0..blobs.len()).flat_map(|_| 0..CELLS_PER_EXT_BLOB as u64).collect();
            kzg.verify_cell_kzg_proof_batch(&cell_commitments, &indices, &cells, &ck48(proofs))
        }
    };
    match ok {
        Ok(true) => Ok(()),
        Ok(false) => Err(fail("the KZG proofs do not verify".into())),
        Err(e) => Err(fail(e.to_string())),
    }
}

/// Why a sidecar could not be built from blobs.
#[derive(Debug, thiserror::Error)]
#[error("blob {index}: {reason}")]
pub struct SidecarBuildError {
    /// Position of the blob.
    pub index: usize,
    /// c-kzg's reason (a field element not below the BLS modulus, ...).
    pub reason: String,
}

/// Builds the sidecar of `blobs` in the `kind` wrapper: each blob's commitment and its
/// proofs (one blob proof, or 128 cell proofs).
pub fn build_sidecar(
    blobs: Vec<Blob>,
    kind: SidecarKind,
) -> Result<BlobTransactionSidecarVariant, SidecarBuildError> {
    on_big_stack(|| build_sidecar_here(blobs, kind))
        .unwrap_or_else(|reason| Err(SidecarBuildError { index: 0, reason }))
}

fn build_sidecar_here(
    blobs: Vec<Blob>,
    kind: SidecarKind,
) -> Result<BlobTransactionSidecarVariant, SidecarBuildError> {
    let kzg = kzg_settings();
    let mut commitments = Vec::with_capacity(blobs.len());
    let mut proofs = Vec::new();
    for (index, b) in blobs.iter().enumerate() {
        let err = |e: c_kzg::Error| SidecarBuildError { index, reason: e.to_string() };
        let ck = Box::new(c_kzg::Blob::from_bytes(b.as_slice()).map_err(err)?);
        let c = kzg.blob_to_kzg_commitment(&ck).map_err(err)?.to_bytes();
        commitments.push(Bytes48::from(*c));
        match kind {
            SidecarKind::Eip4844 => {
                let p = kzg.compute_blob_kzg_proof(&ck, &c).map_err(err)?;
                proofs.push(Bytes48::from(*p.to_bytes()));
            }
            SidecarKind::Eip7594 => {
                let (_, ps) = kzg.compute_cells_and_kzg_proofs(&ck).map_err(err)?;
                proofs.extend(ps.iter().map(|p| Bytes48::from(*p.to_bytes())));
            }
        }
    }
    Ok(match kind {
        SidecarKind::Eip4844 => BlobTransactionSidecarVariant::Eip4844(BlobTransactionSidecar {
            blobs,
            commitments,
            proofs,
        }),
        SidecarKind::Eip7594 => {
            BlobTransactionSidecarVariant::Eip7594(BlobTransactionSidecarEip7594 {
                blobs,
                commitments,
                cell_proofs: proofs,
            })
        }
    })
}

/// The blob KZG proof of `blob` under `commitment` (what a beacon `blob_sidecars` answer
/// carries; an EIP-7594 sidecar has cell proofs only, so it is computed when served).
pub fn blob_proof(blob: &Blob, commitment: &Bytes48) -> Result<Bytes48, SidecarBuildError> {
    on_big_stack(|| blob_proof_here(blob, commitment))
        .unwrap_or_else(|reason| Err(SidecarBuildError { index: 0, reason }))
}

fn blob_proof_here(blob: &Blob, commitment: &Bytes48) -> Result<Bytes48, SidecarBuildError> {
    let err = |e: c_kzg::Error| SidecarBuildError { index: 0, reason: e.to_string() };
    let ck = Box::new(c_kzg::Blob::from_bytes(blob.as_slice()).map_err(err)?);
    let p = kzg_settings().compute_blob_kzg_proof(&ck, &c_kzg::Bytes48::new(commitment.0));
    Ok(Bytes48::from(*p.map_err(err)?.to_bytes()))
}
