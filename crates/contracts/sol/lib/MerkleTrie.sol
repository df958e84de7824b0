// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.28;

import {RLPReader} from "./RLPReader.sol";

/// @title MerkleTrie
/// @notice Verifies Merkle-Patricia proofs as `eth_getProof` returns them (nodes root
///         first; nodes shorter than 32 bytes are embedded in their parent), and reads
///         account and storage values out of Ethereum state proofs.
library MerkleTrie {
    using RLPReader for RLPReader.Item;

    error InvalidProof();

    /// Looks `key` (32 bytes, already hashed for secure tries) up in the trie with root
    /// `root`. Returns whether it exists and its value. Reverts on an invalid proof.
    function get(bytes32 root, bytes32 key, bytes[] memory proof)
        internal
        pure
        returns (bool exists, bytes memory value)
    {
        if (proof.length == 0) revert InvalidProof();
        bytes memory node = proof[0];
        if (keccak256(node) != root) revert InvalidProof();
        uint256 used = 1;
        uint256 pos; // nibbles of the key consumed
        while (true) {
            RLPReader.Item[] memory items = RLPReader.toItem(node).toList();
            RLPReader.Item memory child;
            if (items.length == 17) {
                if (pos >= 64) revert InvalidProof();
                child = items[nibble(key, pos)];
                pos += 1;
            } else if (items.length == 2) {
                bytes memory path = items[0].toBytes();
                (bool leaf, uint256 matched, bool full) = matchPath(path, key, pos);
                if (!full) return (false, "");
                pos += matched;
                if (leaf) {
                    if (pos != 64) return (false, "");
                    return (true, items[1].toBytes());
                }
                child = items[1];
            } else {
                revert InvalidProof();
            }
            // Follow the child reference: empty, a hash of the next proof node, or inline.
            if (child.isList()) {
                node = child.toRaw();
            } else {
                bytes memory ref = child.toBytes();
                if (ref.length == 0) return (false, "");
                if (ref.length != 32 || used >= proof.length) revert InvalidProof();
                node = proof[used++];
                if (keccak256(node) != bytes32(ref)) revert InvalidProof();
            }
        }
    }

    /// The storage root of `account` in the state with root `stateRoot` (reverts if the
    /// account does not exist).
    function storageRoot(bytes32 stateRoot, address account, bytes[] memory accountProof)
        internal
        pure
        returns (bytes32)
    {
        (bool exists, bytes memory leaf) = get(stateRoot, keccak256(abi.encodePacked(account)), accountProof);
        if (!exists) revert InvalidProof();
        RLPReader.Item[] memory fields = RLPReader.toItem(leaf).toList();
        if (fields.length != 4) revert InvalidProof();
        return fields[2].toBytes32();
    }

    /// Nonce and balance of `account` in the state with root `stateRoot`; an account
    /// proven absent (exclusion proof) has nonce 0 and balance 0. Reverts on an invalid proof.
    function accountState(bytes32 stateRoot, address account_, bytes[] memory accountProof)
        internal
        pure
        returns (uint256 nonce, uint256 balance)
    {
        (bool exists, bytes memory leaf) = get(stateRoot, keccak256(abi.encodePacked(account_)), accountProof);
        if (!exists) return (0, 0);
        RLPReader.Item[] memory fields = RLPReader.toItem(leaf).toList();
        if (fields.length != 4) revert InvalidProof();
        return (fields[0].toUint(), fields[1].toUint());
    }

    /// The value of storage slot `slot` in the storage trie with root `root` (0 if absent).
    function storageValue(bytes32 root, bytes32 slot, bytes[] memory storageProof) internal pure returns (uint256) {
        bytes32 empty = 0x56e81f171bcc55a6ff8345e692c0f86e5b48e01b996cadc001622fb5e363b421;
        if (root == empty) return 0;
        (bool exists, bytes memory leaf) = get(root, keccak256(abi.encodePacked(slot)), storageProof);
        if (!exists) return 0;
        return RLPReader.toItem(leaf).toUint();
    }

    function nibble(bytes32 key, uint256 i) private pure returns (uint256) {
        uint8 b = uint8(key[i / 2]);
        return i % 2 == 0 ? b >> 4 : b & 0x0f;
    }

    /// Compares a hex-prefix encoded path with the key from nibble `pos`.
    /// Returns (is leaf, nibbles in path, whole path matched).
    function matchPath(bytes memory path, bytes32 key, uint256 pos)
        private
        pure
        returns (bool leaf, uint256 len, bool full)
    {
        if (path.length == 0) revert InvalidProof();
        uint8 flag = uint8(path[0]) >> 4;
        if (flag > 3) revert InvalidProof();
        leaf = flag >= 2;
        bool odd = flag & 1 == 1;
        len = path.length * 2 - (odd ? 1 : 2);
        if (pos + len > 64) return (leaf, len, false);
        uint256 start = odd ? 1 : 2;
        for (uint256 i; i < len; i++) {
            uint256 j = start + i;
            uint8 b = uint8(path[j / 2]);
            uint256 n = j % 2 == 0 ? b >> 4 : b & 0x0f;
            if (n != nibble(key, pos + i)) return (leaf, len, false);
        }
        full = true;
    }
}
