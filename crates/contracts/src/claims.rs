//! The per-block claims of an `OptimisticRollup` batch and the Merkle tree the contract
//! commits them to (docs/contracts.md, "Optimistic native mode"): the one copy the node,
//! the tests and the benches use.
//!
//! - leaf = keccak256(abi.encode(claim)) ([`leaf`]): ten words, the last three the
//!   block's forced range `forcedFrom..forcedTo` and its due L1->L2 messages `due`;
//! - a calldata block's `dataHash` is [`data_hash`] of its posted fields;
//! - the tree is binary over the batch's leaves in block order, padded with zero leaves to
//!   the next power of two; node = keccak256(left ‖ right); a single leaf is its own root
//!   ([`root`]);
//! - a proof is the sibling list bottom-up, exactly [`depth`]`(size)` long for the batch's
//!   original size ([`proof`], [`verify`]); the leaf index is n - first;
//! - a blob batch's stored root is keccak256(claimsRoot ‖ blobBinding) ([`blob_root`],
//!   [`blob_binding`]): its proofs carry the binding as one more, last, sibling
//!   ([`blob_proof`]).

use crate::optimistic::OptimisticRollup::{Block, Claim};
use alloy_primitives::{B256, keccak256};
use alloy_sol_types::SolValue;

/// Why a proof cannot be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClaimsError {
    /// The leaf index is not in the batch.
    #[error("leaf index {index} is outside a batch of {size} blocks")]
    IndexOutOfRange {
        /// The index asked for.
        index: usize,
        /// The batch's leaf count.
        size: usize,
    },
}

/// A claim's Merkle leaf: keccak256(abi.encode(claim)), as `OptimisticRollup.claimLeaf`.
pub fn leaf(claim: &Claim) -> B256 {
    keccak256(claim.abi_encode())
}

/// The data hash a calldata block's claim carries (`OptimisticRollup`'s `_dataHash`):
/// keccak256(abi.encode(timestamp, feeRecipient, prevRandao, keccak256(extraData),
/// anchorBlock, txsHash)), `txsHash` = keccak256 of the concatenated keccak256 of each
/// transaction. `forcedCount` is not part of it (the claim carries the forced range).
pub fn data_hash(b: &Block) -> B256 {
    let hashes: Vec<u8> = b.transactions.iter().flat_map(|t| keccak256(t).0).collect();
    keccak256(
        (
            b.timestamp,
            b.feeRecipient,
            b.prevRandao,
            keccak256(&b.extraData),
            b.anchorBlock,
            keccak256(hashes),
        )
            .abi_encode_params(),
    )
}

/// keccak256(a ‖ b).
fn hash_pair(a: &B256, b: &B256) -> B256 {
    let mut buf = [0u8; 64];
    buf[..32].copy_from_slice(a.as_slice());
    buf[32..].copy_from_slice(b.as_slice());
    keccak256(buf)
}

/// Proof length (tree depth) of a batch of `size` blocks: ceil(log2(size)), 0 for one block.
pub fn depth(size: usize) -> usize {
    size.max(1).next_power_of_two().trailing_zeros() as usize
}

/// The levels of the tree over `leaves`, bottom-up, each without its zero padding, and the
/// zero-subtree hash of each level.
fn levels(leaves: &[B256]) -> Vec<(Vec<B256>, B256)> {
    let mut out = vec![];
    let mut level = leaves.to_vec();
    let mut zero = B256::ZERO;
    while level.len() > 1 {
        let next = level.chunks(2).map(|p| hash_pair(&p[0], p.get(1).unwrap_or(&zero))).collect();
        let next_zero = hash_pair(&zero, &zero);
        out.push((std::mem::replace(&mut level, next), zero));
        zero = next_zero;
    }
    out.push((level, zero));
    out
}

/// Root of the claims tree over `leaves` (as `OptimisticRollup.claimsRoot`); zero for none.
pub fn root(leaves: &[B256]) -> B256 {
    levels(leaves).last().and_then(|(l, _)| l.first().copied()).unwrap_or_default()
}

/// Proof of leaf `index` of `leaves`: its siblings bottom-up, [`depth`]`(leaves.len())` long.
pub fn proof(leaves: &[B256], index: usize) -> Result<Vec<B256>, ClaimsError> {
    if index >= leaves.len() {
        return Err(ClaimsError::IndexOutOfRange { index, size: leaves.len() });
    }
    let levels = levels(leaves);
    let mut out = Vec::with_capacity(levels.len().saturating_sub(1));
    let mut i = index;
    for (level, zero) in &levels[..levels.len() - 1] {
        out.push(level.get(i ^ 1).copied().unwrap_or(*zero));
        i >>= 1;
    }
    Ok(out)
}

/// Whether `proof` proves `leaf` at `index` of a batch of `size` leaves with root `root`
/// (the contract's check for a calldata batch; its length must be exactly `depth(size)`).
pub fn verify(leaf: B256, index: usize, size: usize, proof: &[B256], root: B256) -> bool {
    if index >= size || proof.len() != depth(size) {
        return false;
    }
    fold(leaf, index, proof) == root
}

/// The root `proof` leads to from `leaf` at `index`.
fn fold(leaf: B256, index: usize, proof: &[B256]) -> B256 {
    let mut node = leaf;
    let mut i = index;
    for sibling in proof {
        node = if i & 1 == 1 { hash_pair(sibling, &node) } else { hash_pair(&node, sibling) };
        i >>= 1;
    }
    node
}

/// A blob batch's binding of its record ends and its blobs' versioned hashes:
/// keccak256(abi.encode(ends, versionedHashes)).
pub fn blob_binding(ends: &[u32], versioned_hashes: &[B256]) -> B256 {
    keccak256((ends.to_vec(), versioned_hashes.to_vec()).abi_encode_params())
}

/// The root a blob batch stores: keccak256(claimsRoot ‖ binding).
pub fn blob_root(claims_root: B256, binding: B256) -> B256 {
    hash_pair(&claims_root, &binding)
}

/// Proof of leaf `index` of a blob batch: [`proof`] with `binding` appended.
pub fn blob_proof(leaves: &[B256], index: usize, binding: B256) -> Result<Vec<B256>, ClaimsError> {
    let mut p = proof(leaves, index)?;
    p.push(binding);
    Ok(p)
}

/// Whether `proof` (ending with the blob binding) proves `leaf` at `index` of a blob batch
/// of `size` leaves whose stored root is `root`.
pub fn verify_blob(leaf: B256, index: usize, size: usize, proof: &[B256], root: B256) -> bool {
    if index >= size || proof.len() != depth(size) + 1 {
        return false;
    }
    fold(leaf, index, proof) == root
}

#[cfg(test)]
mod tests {
    use super::*;

    fn leaves(n: usize) -> Vec<B256> {
        (0..n).map(|i| keccak256((i as u64).to_be_bytes())).collect()
    }

    #[test]
    fn depth_is_ceil_log2() {
        assert_eq!(
            [1, 2, 3, 4, 5, 8, 9, 1024].map(depth),
            [0, 1, 2, 2, 3, 3, 4, 10],
            "depth(size) = ceil(log2(size))"
        );
    }

    #[test]
    fn one_leaf_is_its_own_root() {
        let l = leaves(1);
        assert_eq!(root(&l), l[0]);
        assert_eq!(proof(&l, 0), Ok(vec![]));
        assert!(verify(l[0], 0, 1, &[], l[0]));
    }

    #[test]
    fn root_pads_with_zero_leaves() {
        let l = leaves(3);
        let z = B256::ZERO;
        let expected = hash_pair(&hash_pair(&l[0], &l[1]), &hash_pair(&l[2], &z));
        assert_eq!(root(&l), expected);
        let l5 = leaves(5);
        let zz = hash_pair(&z, &z);
        let left = hash_pair(&hash_pair(&l5[0], &l5[1]), &hash_pair(&l5[2], &l5[3]));
        let right = hash_pair(&hash_pair(&l5[4], &z), &zz);
        assert_eq!(root(&l5), hash_pair(&left, &right), "pad nodes are zero subtrees");
    }

    #[test]
    fn every_proof_verifies_and_only_at_its_index() {
        for n in [1usize, 2, 3, 5, 7, 8, 13, 33] {
            let l = leaves(n);
            let r = root(&l);
            for i in 0..n {
                let p = proof(&l, i).expect("index in range");
                assert_eq!(p.len(), depth(n));
                assert!(verify(l[i], i, n, &p, r), "size {n} index {i}");
                if n > 1 {
                    assert!(!verify(l[i], (i + 1) % n, n, &p, r), "other index, size {n}");
                    assert!(!verify(l[i], i, n, &p[..p.len() - 1], r), "truncated proof");
                }
            }
        }
    }

    #[test]
    fn proof_out_of_range_is_an_error() {
        assert_eq!(proof(&leaves(3), 3), Err(ClaimsError::IndexOutOfRange { index: 3, size: 3 }));
    }

    #[test]
    fn blob_proofs_end_with_the_binding() {
        let l = leaves(6);
        let binding = blob_binding(&[10, 20, 30, 40, 50, 60], &[B256::repeat_byte(1)]);
        let r = blob_root(root(&l), binding);
        let p = blob_proof(&l, 4, binding).expect("in range");
        assert_eq!(p.last(), Some(&binding));
        assert!(verify_blob(l[4], 4, 6, &p, r));
        assert!(!verify(l[4], 4, 6, &p, r), "a blob proof is one longer");
    }

    #[test]
    fn leaf_is_abi_encoding_hash() {
        let c = Claim {
            parentHash: B256::repeat_byte(1),
            dataHash: B256::repeat_byte(2),
            blockHash: B256::repeat_byte(3),
            stateRoot: B256::repeat_byte(4),
            anchorHash: B256::repeat_byte(5),
            anchorBlock: 6,
            timestamp: 7,
            forcedFrom: 8,
            forcedTo: 9,
            due: 10,
        };
        let mut enc = Vec::new();
        for b in 1..=5u8 {
            enc.extend_from_slice(B256::repeat_byte(b).as_slice());
        }
        for v in [6u64, 7, 8, 9, 10] {
            enc.extend_from_slice(&[0u8; 24]);
            enc.extend_from_slice(&v.to_be_bytes());
        }
        assert_eq!(leaf(&c), keccak256(enc));
    }
}
