// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.28;

/// @title StatelessInputReader
/// @notice Reads the fields a rollup contract binds out of an SSZ `StatelessInput`
///         (schema 5377, see docs/stateless.md) in calldata, without decoding the rest.
///         The same bytes go to EXECUTE, which decodes them strictly: if EXECUTE succeeds,
///         the fields read here are the ones it verified.
library StatelessInputReader {
    error InputTooShort();

    /// Fields of the L2 block a rollup contract checks against its own storage.
    struct Block {
        bytes32 parentHash;
        address feeRecipient;
        bytes32 stateRoot;
        uint64 number;
        uint64 gasLimit;
        uint64 gasUsed;
        uint64 timestamp;
        bytes32 blockHash;
        uint64 blobGasUsed;
        uint64 excessBlobGas;
        uint256 withdrawalsBytes;
        uint256 versionedHashesBytes;
        bytes32 parentBeaconBlockRoot;
        uint64 chainId;
    }

    // ExecutionPayload fixed-part offsets (19 fields, Amsterdam shape).
    uint256 private constant P_PARENT_HASH = 0;
    uint256 private constant P_FEE_RECIPIENT = 32;
    uint256 private constant P_STATE_ROOT = 52;
    uint256 private constant P_NUMBER = 404;
    uint256 private constant P_GAS_LIMIT = 412;
    uint256 private constant P_GAS_USED = 420;
    uint256 private constant P_TIMESTAMP = 428;
    uint256 private constant P_BLOCK_HASH = 472;
    uint256 private constant P_WITHDRAWALS = 508;
    uint256 private constant P_BLOB_GAS_USED = 512;
    uint256 private constant P_EXCESS_BLOB_GAS = 520;
    uint256 private constant P_BLOCK_ACCESS_LIST = 528;
    uint256 private constant P_FIXED = 540;

    /// Little-endian unsigned integer of `n` bytes at `off`.
    function le(bytes calldata b, uint256 off, uint256 n) internal pure returns (uint256 v) {
        if (off + n > b.length) revert InputTooShort();
        for (uint256 i; i < n; i++) {
            v |= uint256(uint8(b[off + i])) << (8 * i);
        }
    }

    function word(bytes calldata b, uint256 off) private pure returns (bytes32 v) {
        if (off + 32 > b.length) revert InputTooShort();
        assembly {
            v := calldataload(add(b.offset, off))
        }
    }

    /// Reads the bound fields.
    function read(bytes calldata input) internal pure returns (Block memory r) {
        uint256 npr = le(input, 0, 4);
        uint256 cc = le(input, 8, 4);
        uint256 payload = npr + le(input, npr, 4);
        uint256 vh = npr + le(input, npr + 4, 4);
        uint256 requests = npr + le(input, npr + 40, 4);
        if (payload + P_FIXED > input.length) revert InputTooShort();
        r.parentHash = word(input, payload + P_PARENT_HASH);
        r.feeRecipient = address(bytes20(word(input, payload + P_FEE_RECIPIENT)));
        r.stateRoot = word(input, payload + P_STATE_ROOT);
        r.number = uint64(le(input, payload + P_NUMBER, 8));
        r.gasLimit = uint64(le(input, payload + P_GAS_LIMIT, 8));
        r.gasUsed = uint64(le(input, payload + P_GAS_USED, 8));
        r.timestamp = uint64(le(input, payload + P_TIMESTAMP, 8));
        r.blockHash = word(input, payload + P_BLOCK_HASH);
        r.blobGasUsed = uint64(le(input, payload + P_BLOB_GAS_USED, 8));
        r.excessBlobGas = uint64(le(input, payload + P_EXCESS_BLOB_GAS, 8));
        uint256 w = le(input, payload + P_WITHDRAWALS, 4);
        uint256 bal = le(input, payload + P_BLOCK_ACCESS_LIST, 4);
        r.withdrawalsBytes = bal > w ? bal - w : 0;
        r.versionedHashesBytes = requests > vh ? requests - vh : 0;
        r.parentBeaconBlockRoot = word(input, npr + 8);
        r.chainId = uint64(le(input, cc, 8));
    }
}
