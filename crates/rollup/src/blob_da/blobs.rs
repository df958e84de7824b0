//! Packing a payload into blobs (31 bytes in each 32-byte field element, byte 0 zero),
//! reading it back, and the KZG pieces: commitments, versioned hashes, the sidecar a
//! proposer sends, and the opening at the contract's challenge point that
//! `proveBlobData` checks with the point-evaluation precompile.

use super::BlobDaError;
use alloy_eips::{
    eip4844::{
        AsCkzg, BYTES_PER_BLOB, Blob, BlobTransactionSidecar, c_kzg, env_settings::EnvKzgSettings,
        kzg_to_versioned_hash,
    },
    eip7594::{BlobTransactionSidecarEip7594, BlobTransactionSidecarVariant},
};
use alloy_primitives::{B256, FixedBytes, U256, keccak256};

/// Payload bytes in one field element.
pub const BYTES_PER_FIELD_ELEMENT_PAYLOAD: usize = 31;
/// Payload bytes in one blob (4,096 field elements of 31 bytes).
pub const PAYLOAD_BYTES_PER_BLOB: usize = 4096 * BYTES_PER_FIELD_ELEMENT_PAYLOAD;
/// The BLS12-381 scalar field modulus (the precompile's `BLS_MODULUS`).
pub const BLS_MODULUS: U256 = U256::from_be_slice(&[
    0x73, 0xed, 0xa7, 0x53, 0x29, 0x9d, 0x7d, 0x48, 0x33, 0x39, 0xd8, 0x08, 0x09, 0xa1, 0xd8, 0x05,
    0x53, 0xbd, 0xa4, 0x02, 0xff, 0xfe, 0x5b, 0xfe, 0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x01,
]);

/// Where payload byte `p` lies: (blob index, byte offset in that blob).
pub fn locate(p: usize) -> (usize, usize) {
    let q = p % PAYLOAD_BYTES_PER_BLOB;
    (p / PAYLOAD_BYTES_PER_BLOB, q / 31 * 32 + 1 + q % 31)
}

/// Number of blobs `len` payload bytes take.
pub fn blobs_for(len: usize) -> usize {
    len.div_ceil(PAYLOAD_BYTES_PER_BLOB)
}

/// Packs `payload` into blobs, the last one zero-padded.
pub fn pack(payload: &[u8]) -> Vec<Blob> {
    payload
        .chunks(PAYLOAD_BYTES_PER_BLOB)
        .map(|chunk| {
            let mut blob = vec![0u8; BYTES_PER_BLOB];
            for (fe, part) in chunk.chunks(31).enumerate() {
                blob[fe * 32 + 1..fe * 32 + 1 + part.len()].copy_from_slice(part);
            }
            Blob::from_slice(&blob)
        })
        .collect()
}

/// Payload bytes `start..end` read from consecutive `blobs`, the first of which is blob
/// `first` of its transaction (byte 0 of every field element is skipped, whatever it
/// holds, as the contract does).
pub fn extract(
    blobs: &[Blob],
    first: usize,
    start: usize,
    end: usize,
) -> Result<Vec<u8>, BlobDaError> {
    if end < start {
        return Err(BlobDaError::BadRange { start, end });
    }
    let mut out = Vec::with_capacity(end - start);
    for p in start..end {
        let (b, off) = locate(p);
        let blob = b
            .checked_sub(first)
            .and_then(|i| blobs.get(i))
            .ok_or(BlobDaError::MissingBlob { index: b })?;
        out.push(blob[off]);
    }
    Ok(out)
}

/// The whole payload the blobs hold (every field element's 31 bytes, padding included).
pub fn unpack(blobs: &[Blob]) -> Vec<u8> {
    let mut out = Vec::with_capacity(blobs.len() * PAYLOAD_BYTES_PER_BLOB);
    for blob in blobs {
        for fe in blob.chunks(32) {
            out.extend_from_slice(&fe[1..]);
        }
    }
    out
}

fn settings() -> &'static c_kzg::KzgSettings {
    EnvKzgSettings::Default.get()
}

/// KZG commitment of `blob`.
pub fn commitment(blob: &Blob) -> Result<FixedBytes<48>, BlobDaError> {
    let c = settings()
        .blob_to_kzg_commitment(blob.as_ckzg())
        .map_err(|e| BlobDaError::Kzg(e.to_string()))?;
    Ok(FixedBytes::from(c.to_bytes().into_inner()))
}

/// Versioned hash of a KZG commitment (EIP-4844: 0x01 ‖ sha256(commitment)[1..]).
pub fn versioned_hash(commitment: &FixedBytes<48>) -> B256 {
    kzg_to_versioned_hash(commitment.as_slice())
}

/// The sidecar of `blobs` in the EIP-4844 form (one blob proof per blob).
pub fn sidecar_eip4844(blobs: Vec<Blob>) -> Result<BlobTransactionSidecar, BlobDaError> {
    BlobTransactionSidecar::try_from_blobs_with_settings(blobs, settings())
        .map_err(|e| BlobDaError::Kzg(e.to_string()))
}

/// The sidecar of `blobs` in the EIP-7594 form (version 1, 128 cell proofs per blob).
pub fn sidecar_eip7594(blobs: Vec<Blob>) -> Result<BlobTransactionSidecarEip7594, BlobDaError> {
    BlobTransactionSidecarEip7594::try_from_blobs_with_settings(blobs, settings())
        .map_err(|e| BlobDaError::Kzg(e.to_string()))
}

/// The sidecar of `blobs` for an L1 head at Osaka or later (`osaka`: EIP-7594 form) or
/// before (EIP-4844 form).
pub fn sidecar(
    blobs: Vec<Blob>,
    osaka: bool,
) -> Result<BlobTransactionSidecarVariant, BlobDaError> {
    Ok(if osaka {
        BlobTransactionSidecarVariant::Eip7594(sidecar_eip7594(blobs)?)
    } else {
        BlobTransactionSidecarVariant::Eip4844(sidecar_eip4844(blobs)?)
    })
}

/// The contract's challenge point for `blob`:
/// `z = uint256(keccak256(blob ‖ versionedHash)) mod BLS_MODULUS`.
pub fn challenge_point(blob: &Blob, versioned_hash: B256) -> B256 {
    let mut data = Vec::with_capacity(BYTES_PER_BLOB + 32);
    data.extend_from_slice(blob.as_slice());
    data.extend_from_slice(versioned_hash.as_slice());
    let z = U256::from_be_bytes(keccak256(&data).0) % BLS_MODULUS;
    B256::from(z.to_be_bytes::<32>())
}

/// What `proveBlobData` needs for one blob: the blob, its commitment and the KZG proof
/// of its value `y` at the challenge point `z` (`y` is returned for checks: the
/// contract computes it itself).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlobOpening {
    /// The blob.
    pub blob: Box<Blob>,
    /// Its KZG commitment.
    pub commitment: FixedBytes<48>,
    /// Its versioned hash.
    pub versioned_hash: B256,
    /// The challenge point.
    pub z: B256,
    /// The blob polynomial's value at `z`.
    pub y: B256,
    /// KZG proof of `y` at `z`.
    pub proof: FixedBytes<48>,
}

/// The opening of `blob` at the contract's challenge point.
pub fn opening(blob: &Blob) -> Result<BlobOpening, BlobDaError> {
    let commitment = commitment(blob)?;
    let versioned_hash = versioned_hash(&commitment);
    let z = challenge_point(blob, versioned_hash);
    let (proof, y) = settings()
        .compute_kzg_proof(blob.as_ckzg(), &c_kzg::Bytes32::new(z.0))
        .map_err(|e| BlobDaError::Kzg(e.to_string()))?;
    Ok(BlobOpening {
        blob: Box::new(*blob),
        commitment,
        versioned_hash,
        z,
        y: B256::from_slice(y.as_slice()),
        proof: FixedBytes::from(proof.to_bytes().into_inner()),
    })
}
