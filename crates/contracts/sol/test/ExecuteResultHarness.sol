// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.28;

import {ExecuteResult} from "../lib/ExecuteResult.sol";
import {StatelessInputReader} from "../lib/StatelessInputReader.sol";

/// @title ExecuteResultHarness
/// @notice TEST ONLY, never deployed by the project: exposes the internal libraries
///         NativeRollup uses, so tests can feed them outputs the real EXECUTE never returns
///         (wrong chain id, wrong schema id) and hostile inputs, without a test hook in
///         NativeRollup itself.
contract ExecuteResultHarness {
    /// `ExecuteResult.check` on an injected EXECUTE outcome.
    function check(bool ok, bytes calldata out, uint64 chainId) external pure returns (bytes32) {
        return ExecuteResult.check(ok, out, chainId);
    }

    /// `StatelessInputReader.read` on `input`.
    function read(bytes calldata input) external pure returns (StatelessInputReader.Block memory) {
        return StatelessInputReader.read(input);
    }
}
