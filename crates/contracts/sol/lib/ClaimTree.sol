// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.28;

/// @title ClaimTree
/// @notice The Merkle tree an `OptimisticRollup` batch commits its per-block claims to
///         (docs/contracts.md, "Optimistic native mode"): leaf = keccak256(abi.encode(
///         claim)) (ten words, computed by the rollup); binary over the batch's leaves in
///         block order, padded with zero leaves to the next power of two; node = keccak256(left ‖ right); one leaf is its own root.
///         A proof is the sibling list bottom-up, exactly ceil(log2(size)) long for the
///         batch's original size — one more for a blob batch, whose stored root is
///         keccak256(claimsRoot ‖ blobBinding): its last sibling is the binding.
library ClaimTree {
    /// A Merkle proof of `length` siblings where the batch needs `expected`.
    error BadProofLength(uint256 length, uint256 expected);

    /// keccak256(a ‖ b).
    function hashPair(bytes32 a, bytes32 b) internal pure returns (bytes32 h) {
        assembly ("memory-safe") {
            mstore(0x00, a)
            mstore(0x20, b)
            h := keccak256(0x00, 0x40)
        }
    }

    /// The root of the tree over `leaves` (zero for none), computed in place.
    function root(bytes32[] memory leaves) internal pure returns (bytes32) {
        uint256 n = leaves.length;
        if (n == 0) return bytes32(0);
        bytes32 zero;
        while (n > 1) {
            uint256 half = (n + 1) / 2;
            for (uint256 i; i < half; i++) {
                bytes32 right = 2 * i + 1 < n ? leaves[2 * i + 1] : zero;
                leaves[i] = hashPair(leaves[2 * i], right);
            }
            zero = hashPair(zero, zero);
            n = half;
        }
        return leaves[0];
    }

    /// The root `proof` leads to from `leaf` at `index` of a batch of `size` blocks (blob
    /// batch: `blob`); reverts with `BadProofLength` unless the proof is exactly as long as
    /// that batch's.
    function rootOf(bytes32 leafHash, uint256 index, uint256 size, bool blob, bytes32[] calldata proof)
        internal
        pure
        returns (bytes32 node)
    {
        uint256 depth;
        while ((uint256(1) << depth) < size) depth++;
        if (blob) depth++;
        if (proof.length != depth) revert BadProofLength(proof.length, depth);
        node = leafHash;
        for (uint256 i; i < depth; i++) {
            node = index & 1 == 1 ? hashPair(proof[i], node) : hashPair(node, proof[i]);
            index >>= 1;
        }
    }
}
