// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.28;

import {StatelessInputReader} from "./StatelessInputReader.sol";

/// @title ExecuteResult
/// @notice Checks the output of the EXECUTE precompile: the SSZ `StatelessValidationResult`
///         of EIP-8025 v0.8, a 43-byte fixed container
///         `new_payload_request_root (32) | successful_validation (1) | chain_id (8, LE) |
///         schema_id (2, LE)`.
library ExecuteResult {
    /// EXECUTE failed, or returned something other than a successful 43-byte result.
    error ExecuteFailed();
    /// EXECUTE's result names a chain id other than the rollup's.
    error ExecuteResultChainId(uint64 found);
    /// EXECUTE's result names a schema id other than the expected one.
    error ExecuteResultSchema(uint16 found);

    /// Length of the SSZ `StatelessValidationResult`.
    uint256 internal constant LENGTH = 43;
    uint256 private constant SUCCESS = 32;
    uint256 private constant CHAIN_ID = 33;
    uint256 private constant SCHEMA_ID = 41;

    /// Returns the new_payload_request_root of EXECUTE's output `out` (`ok`: the call
    /// succeeded) if it reports a successful validation for `chainId` under the one schema
    /// id the input reader accepts (`StatelessInputReader.SCHEMA_ID`); reverts otherwise.
    function check(bool ok, bytes memory out, uint64 chainId) internal pure returns (bytes32 root) {
        if (!ok || out.length != LENGTH || out[SUCCESS] != 0x01) revert ExecuteFailed();
        uint64 resultChainId = uint64(le(out, CHAIN_ID, 8));
        if (resultChainId != chainId) revert ExecuteResultChainId(resultChainId);
        uint16 resultSchema = uint16(le(out, SCHEMA_ID, 2));
        if (resultSchema != StatelessInputReader.SCHEMA_ID) revert ExecuteResultSchema(resultSchema);
        assembly {
            root := mload(add(out, 32))
        }
    }

    /// Little-endian unsigned integer of `n` bytes at `off` (caller checks the bounds).
    function le(bytes memory b, uint256 off, uint256 n) private pure returns (uint256 v) {
        for (uint256 i; i < n; i++) {
            v |= uint256(uint8(b[off + i])) << (8 * i);
        }
    }
}
