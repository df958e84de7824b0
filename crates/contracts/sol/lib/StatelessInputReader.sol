// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.28;

/// @title StatelessInputReader
/// @notice Reads the fields a rollup contract binds out of a v0.8 EXECUTE input in calldata
///         (EIP-8025 / execution-specs tests-zkevm v0.8: a 2-byte big-endian schema id, then
///         SSZ `StatelessInput`; see docs/stateless.md), without decoding the rest.
///         The same bytes go to EXECUTE, which decodes them strictly: if EXECUTE succeeds,
///         the fields read here are the ones it verified.
/// @dev Every read is bounds-checked (InputTooShort), so short or hostile input reverts
///      with a typed error instead of reading past the end.
library StatelessInputReader {
    /// The input is shorter than a field it must contain.
    error InputTooShort();
    /// The input's schema id prefix is not `SCHEMA_ID`.
    error UnsupportedSchema(uint16 found);

    /// The one schema id this reader (and EXECUTE's result check) accepts: Amsterdam
    /// revision 1, `(0x15 << 8) | 0x01`. The field offsets below belong to this schema.
    uint16 internal constant SCHEMA_ID = 0x1501;
    /// Length of the big-endian schema id prefix; SSZ offsets count from its end.
    uint256 private constant PREFIX = 2;

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

    // StatelessInput fixed part (20 bytes): offset(new_payload_request) | offset(witness) |
    // chain_id uint64 | offset(public_keys).
    uint256 private constant S_NEW_PAYLOAD_REQUEST = 0;
    uint256 private constant S_CHAIN_ID = 8;

    // NewPayloadRequest fixed part (44 bytes): offset(execution_payload) |
    // offset(versioned_hashes) | parent_beacon_block_root | offset(execution_requests).
    uint256 private constant N_PAYLOAD = 0;
    uint256 private constant N_VERSIONED_HASHES = 4;
    uint256 private constant N_PARENT_BEACON_BLOCK_ROOT = 8;
    uint256 private constant N_REQUESTS = 40;

    // ExecutionPayload fixed-part offsets (19 fields, Amsterdam shape, slot_number last).
    uint256 private constant P_PARENT_HASH = 0;
    uint256 private constant P_FEE_RECIPIENT = 32;
    uint256 private constant P_STATE_ROOT = 52;
    uint256 private constant P_PREV_RANDAO = 372;
    uint256 private constant P_NUMBER = 404;
    uint256 private constant P_GAS_LIMIT = 412;
    uint256 private constant P_GAS_USED = 420;
    uint256 private constant P_TIMESTAMP = 428;
    uint256 private constant P_EXTRA_DATA = 436;
    uint256 private constant P_BASE_FEE = 440;
    uint256 private constant P_BLOCK_HASH = 472;
    uint256 private constant P_TRANSACTIONS = 504;
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

    /// The SSZ body of `input` after checking its schema id prefix.
    function body(bytes calldata input) internal pure returns (bytes calldata) {
        if (input.length < PREFIX) revert InputTooShort();
        uint16 id = uint16(bytes2(input[:PREFIX]));
        if (id != SCHEMA_ID) revert UnsupportedSchema(id);
        return input[PREFIX:];
    }

    /// Reads the bound fields of the wire bytes `input` (schema id prefix, then SSZ).
    function read(bytes calldata input) internal pure returns (Block memory r) {
        bytes calldata s = body(input);
        uint256 npr = le(s, S_NEW_PAYLOAD_REQUEST, 4);
        uint256 payload = npr + le(s, npr + N_PAYLOAD, 4);
        uint256 vh = npr + le(s, npr + N_VERSIONED_HASHES, 4);
        uint256 requests = npr + le(s, npr + N_REQUESTS, 4);
        if (payload + P_FIXED > s.length) revert InputTooShort();
        r.parentHash = word(s, payload + P_PARENT_HASH);
        r.feeRecipient = address(bytes20(word(s, payload + P_FEE_RECIPIENT)));
        r.stateRoot = word(s, payload + P_STATE_ROOT);
        r.number = uint64(le(s, payload + P_NUMBER, 8));
        r.gasLimit = uint64(le(s, payload + P_GAS_LIMIT, 8));
        r.gasUsed = uint64(le(s, payload + P_GAS_USED, 8));
        r.timestamp = uint64(le(s, payload + P_TIMESTAMP, 8));
        r.blockHash = word(s, payload + P_BLOCK_HASH);
        r.blobGasUsed = uint64(le(s, payload + P_BLOB_GAS_USED, 8));
        r.excessBlobGas = uint64(le(s, payload + P_EXCESS_BLOB_GAS, 8));
        uint256 w = le(s, payload + P_WITHDRAWALS, 4);
        uint256 bal = le(s, payload + P_BLOCK_ACCESS_LIST, 4);
        r.withdrawalsBytes = bal > w ? bal - w : 0;
        r.versionedHashesBytes = requests > vh ? requests - vh : 0;
        r.parentBeaconBlockRoot = word(s, npr + N_PARENT_BEACON_BLOCK_ROOT);
        r.chainId = uint64(le(s, S_CHAIN_ID, 8));
    }

    /// Where the block's transactions list lies in the SSZ body (offsets relative to the
    /// body, after the schema prefix), how many it holds, and the block's base fee.
    struct Transactions {
        uint256 start;
        uint256 end;
        uint256 count;
        uint256 baseFee;
    }

    /// Locates the transactions list (SSZ `List[ByteList]`: 4-byte offsets, then the
    /// transactions) of the execution payload in `input`, and reads base_fee_per_gas.
    function transactions(bytes calldata input) internal pure returns (Transactions memory t) {
        bytes calldata s = body(input);
        uint256 npr = le(s, S_NEW_PAYLOAD_REQUEST, 4);
        uint256 payload = npr + le(s, npr + N_PAYLOAD, 4);
        if (payload + P_FIXED > s.length) revert InputTooShort();
        t.baseFee = le(s, payload + P_BASE_FEE, 32);
        t.start = payload + le(s, payload + P_TRANSACTIONS, 4);
        t.end = payload + le(s, payload + P_WITHDRAWALS, 4);
        if (t.end < t.start || t.end > s.length) revert InputTooShort();
        if (t.end > t.start) {
            uint256 first = le(s, t.start, 4);
            if (first % 4 != 0 || first == 0 || t.start + first > t.end) revert InputTooShort();
            t.count = first / 4;
        }
    }

    /// keccak256 of the bytes of transaction `k` (< t.count) of the list `t` in `input`:
    /// its EIP-2718 encoding, so the L2 transaction hash.
    function txHash(bytes calldata input, Transactions memory t, uint256 k) internal pure returns (bytes32) {
        bytes calldata s = body(input);
        uint256 from = t.start + le(s, t.start + 4 * k, 4);
        uint256 to = k + 1 < t.count ? t.start + le(s, t.start + 4 * (k + 1), 4) : t.end;
        if (to < from || to > t.end) revert InputTooShort();
        return keccak256(s[from:to]);
    }

    /// The payload fields an optimistic rollup binds besides those of `read`: prev_randao,
    /// keccak256 of extra_data, and the transactions digest `txsHash`.
    struct Extra {
        bytes32 prevRandao;
        bytes32 extraDataHash;
        bytes32 txsHash;
    }

    /// Reads `Extra` from `input`. `txsHash` is keccak256 of the concatenated keccak256
    /// of each transaction, in order (keccak256 of nothing for an empty list), as
    /// `OptimisticRollup` commits to the posted transactions.
    function extra(bytes calldata input) internal pure returns (Extra memory x) {
        bytes calldata s = body(input);
        uint256 npr = le(s, S_NEW_PAYLOAD_REQUEST, 4);
        uint256 payload = npr + le(s, npr + N_PAYLOAD, 4);
        if (payload + P_FIXED > s.length) revert InputTooShort();
        x.prevRandao = word(s, payload + P_PREV_RANDAO);
        uint256 from = payload + le(s, payload + P_EXTRA_DATA, 4);
        uint256 to = payload + le(s, payload + P_TRANSACTIONS, 4);
        if (to < from || to > s.length) revert InputTooShort();
        x.extraDataHash = keccak256(s[from:to]);
        Transactions memory t = transactions(input);
        bytes32[] memory hashes = new bytes32[](t.count);
        for (uint256 k; k < t.count; k++) {
            hashes[k] = txHash(input, t, k);
        }
        x.txsHash = keccak256(abi.encodePacked(hashes));
    }
}
