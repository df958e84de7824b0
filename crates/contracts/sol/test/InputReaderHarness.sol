// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.28;

import {StatelessInputReader} from "../lib/StatelessInputReader.sol";

/// @title InputReaderHarness
/// @notice TEST ONLY, never deployed by the project: exposes `StatelessInputReader.extra`
///         (the fields `OptimisticRollup.defend` binds besides those of `read`), so tests can
///         check it on inputs with non-empty extra data and a chosen prev_randao.
contract InputReaderHarness {
    /// `StatelessInputReader.extra(input)`: prev_randao, keccak256(extra_data), txsHash.
    function extra(bytes calldata input) external pure returns (bytes32, bytes32, bytes32) {
        StatelessInputReader.Extra memory x = StatelessInputReader.extra(input);
        return (x.prevRandao, x.extraDataHash, x.txsHash);
    }
}
