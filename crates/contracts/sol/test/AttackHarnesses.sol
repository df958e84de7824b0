// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.28;

import {MerkleTrie} from "../lib/MerkleTrie.sol";
import {NativeRollup} from "../NativeRollup.sol";

/// @title MerkleTrieHarness
/// @notice TEST ONLY, never deployed by the project: exposes the Merkle-Patricia proof
///         verifier NativeRollup uses, so tests can check it against `eth_getProof` output.
contract MerkleTrieHarness {
    /// `MerkleTrie.storageRoot`: the storage root of `account` under `stateRoot`.
    function storageRoot(bytes32 stateRoot, address account, bytes[] calldata accountProof)
        external
        pure
        returns (bytes32)
    {
        return MerkleTrie.storageRoot(stateRoot, account, accountProof);
    }

    /// `MerkleTrie.storageValue`: the value of `slot` in the storage trie `root`.
    function storageValue(bytes32 root, bytes32 slot, bytes[] calldata storageProof) external pure returns (uint256) {
        return MerkleTrie.storageValue(root, slot, storageProof);
    }
}

/// @title NativeRollupHistoryHarness
/// @notice TEST ONLY, never deployed by the project: NativeRollup with a setter for the
///         settled head number, so a test can stand at 8,191 settled blocks without
///         settling them one by one.
contract NativeRollupHistoryHarness is NativeRollup {
    constructor(
        uint64 chainId_,
        uint64 gasLimit_,
        bytes32 genesisHash,
        bytes32 genesisStateRoot,
        address sequencer_,
        uint256 sequencerTimeout_,
        uint256 maxTimestampLag_,
        uint256 forcedDelay_
    )
        NativeRollup(
            chainId_,
            gasLimit_,
            genesisHash,
            genesisStateRoot,
            sequencer_,
            sequencerTimeout_,
            maxTimestampLag_,
            forcedDelay_
        )
    {}

    /// Moves the settled head number (nothing else).
    function setHeadNumber(uint64 number) external {
        headNumber = number;
    }
}

/// @title FakeBridgedToken
/// @notice TEST ONLY: an attacker's L2 token that claims to stand for an L1 token and
///         whose burn does nothing.
contract FakeBridgedToken {
    /// The L1 token it pretends to represent.
    address public l1Token;

    constructor(address l1Token_) {
        l1Token = l1Token_;
    }

    /// Burns nothing.
    function burn(address, uint256) external {}
}
