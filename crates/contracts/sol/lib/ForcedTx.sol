// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.28;

import {RLPReader} from "./RLPReader.sol";

/// @title ForcedTx
/// @notice Decodes and checks a raw EIP-1559 (type 2) L2 transaction submitted to the
///         forced-transaction inbox: strict canonical RLP (what the L2 node's decoder
///         accepts, so an accepted entry can always be put in a block), field ranges of the
///         L2's transaction types, signature, fees and gas bounds. Every failure is a typed
///         error carrying the offending values.
library ForcedTx {
    using RLPReader for RLPReader.Item;

    /// The transaction type is not 2 (EIP-1559).
    error ForcedTxType(uint256 txType);
    /// Field `field` (0 = the list itself, 1.. = the transaction's fields in order) is not
    /// canonical RLP or out of its type's range.
    error ForcedTxField(uint256 field);
    /// The transaction's chain id is not the L2's.
    error ForcedTxChainId(uint256 got, uint256 want);
    /// Bad signature: yParity not 0/1, r or s zero, s above secp256k1n/2, or no signer.
    error ForcedTxSignature();
    /// `maxPriorityFeePerGas` above `maxFeePerGas`.
    error ForcedTxFees(uint256 maxPriorityFeePerGas, uint256 maxFeePerGas);
    /// The nonce is 2^64-1 (EIP-2681: no transaction may use it).
    error ForcedTxNonce(uint256 nonce);
    /// Gas limit below the intrinsic gas or the EIP-7623 floor (`min`), or above `max`.
    error ForcedTxGasLimit(uint256 gasLimit, uint256 min, uint256 max);
    /// A create's initcode is larger than EIP-3860 allows.
    error ForcedTxInitcodeSize(uint256 len, uint256 max);
    /// gasLimit * maxFeePerGas + value does not fit in 256 bits.
    error ForcedTxCost();

    /// EIP-3860 initcode limit.
    uint256 internal constant MAX_INITCODE = 49_152;
    uint256 private constant HALF_N = 0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0;

    /// What the inbox keeps of a checked transaction.
    struct Decoded {
        address sender;
        uint64 nonce;
        uint64 gasLimit;
        uint128 maxFeePerGas;
        uint256 maxCost;
    }

    /// Decodes `raw` (0x02 || rlp(fields)) and checks it against the L2 `chainId` and the
    /// per-transaction gas cap `maxGas`.
    function decode(bytes memory raw, uint256 chainId, uint256 maxGas) internal pure returns (Decoded memory d) {
        if (uint8(raw[0]) != 2) revert ForcedTxType(uint8(raw[0]));
        RLPReader.Item memory list = RLPReader.Item(ptrOf(raw) + 1, raw.length - 1);
        (,, uint256 total) = strictHeader(list, 0);
        if (total != raw.length - 1 || !list.isList()) revert ForcedTxField(0);
        RLPReader.Item[] memory f = list.toList();
        if (f.length != 12) revert ForcedTxField(0);

        uint256 id = uintField(f[0], 8, 1);
        if (id != chainId) revert ForcedTxChainId(id, chainId);
        d.nonce = uint64(uintField(f[1], 8, 2));
        if (d.nonce == type(uint64).max) revert ForcedTxNonce(d.nonce);
        uint256 tip = uintField(f[2], 16, 3);
        uint256 maxFee = uintField(f[3], 16, 4);
        if (tip > maxFee) revert ForcedTxFees(tip, maxFee);
        d.maxFeePerGas = uint128(maxFee);
        d.gasLimit = uint64(uintField(f[4], 8, 5));
        checkGas(f, d.gasLimit, maxGas);
        uint256 gasCost = uint256(d.gasLimit) * maxFee;
        uint256 value = uintField(f[6], 32, 7);
        if (value > type(uint256).max - gasCost) revert ForcedTxCost();
        d.maxCost = gasCost + value;
        d.sender = signer(f);
    }

    /// Checks `gasLimit` against the intrinsic gas and floor of the transaction and `maxGas`.
    function checkGas(RLPReader.Item[] memory f, uint256 gasLimit, uint256 maxGas) private pure {
        uint256 toLen = stringLen(f[5], 6);
        if (toLen != 0 && toLen != 20) revert ForcedTxField(6);
        (uint256 dataPtr, uint256 dataLen) = stringPayload(f[7], 8);
        uint256 min = intrinsic(dataPtr, dataLen, toLen == 0, accessListGas(f[8]));
        if (gasLimit < min || gasLimit > maxGas) revert ForcedTxGasLimit(gasLimit, min, maxGas);
    }

    /// The signer: ecrecover of keccak256(0x02 || rlp(the first nine fields)).
    function signer(RLPReader.Item[] memory f) private pure returns (address sender) {
        uint256 v = uintField(f[9], 1, 10);
        uint256 r = uintField(f[10], 32, 11);
        uint256 s = uintField(f[11], 32, 12);
        if (v > 1 || r == 0 || s == 0 || s > HALF_N) revert ForcedTxSignature();
        uint256 start = f[0].ptr;
        uint256 len = f[9].ptr - start;
        bytes32 h = keccak256(abi.encodePacked(bytes1(0x02), listHeader(len), slice(start, len)));
        sender = ecrecover(h, uint8(27 + v), bytes32(r), bytes32(s));
        if (sender == address(0)) revert ForcedTxSignature();
    }

    /// Intrinsic gas (EIP-2028 calldata, EIP-3860 initcode words, EIP-2930 access list)
    /// and the EIP-7623 floor: the larger of the two is the least gas limit allowed.
    function intrinsic(uint256 dataPtr, uint256 dataLen, bool create, uint256 accessGas)
        private
        pure
        returns (uint256)
    {
        uint256 zeros;
        for (uint256 i; i < dataLen; i++) {
            uint256 b;
            assembly {
                b := byte(0, mload(add(dataPtr, i)))
            }
            if (b == 0) zeros++;
        }
        uint256 tokens = zeros + 4 * (dataLen - zeros);
        uint256 gas = 21_000 + 4 * tokens + accessGas;
        if (create) {
            if (dataLen > MAX_INITCODE) revert ForcedTxInitcodeSize(dataLen, MAX_INITCODE);
            gas += 32_000 + 2 * ((dataLen + 31) / 32);
        }
        uint256 floor = 21_000 + 10 * tokens;
        return gas > floor ? gas : floor;
    }

    /// Gas of an EIP-2930 access list (field 9): 2,400 per address, 1,900 per key.
    function accessListGas(RLPReader.Item memory item) private pure returns (uint256 gas) {
        strictHeader(item, 9);
        if (!item.isList()) revert ForcedTxField(9);
        RLPReader.Item[] memory entries = item.toList();
        for (uint256 i; i < entries.length; i++) {
            strictHeader(entries[i], 9);
            if (!entries[i].isList()) revert ForcedTxField(9);
            RLPReader.Item[] memory pair = entries[i].toList();
            if (pair.length != 2 || stringLen(pair[0], 9) != 20) revert ForcedTxField(9);
            strictHeader(pair[1], 9);
            if (!pair[1].isList()) revert ForcedTxField(9);
            RLPReader.Item[] memory keys = pair[1].toList();
            for (uint256 j; j < keys.length; j++) {
                if (stringLen(keys[j], 9) != 32) revert ForcedTxField(9);
            }
            gas += 2_400 + 1_900 * keys.length;
        }
    }

    /// A canonical unsigned integer of at most `maxBytes` bytes (no leading zero).
    function uintField(RLPReader.Item memory item, uint256 maxBytes, uint256 field) private pure returns (uint256) {
        (uint256 ptr, uint256 len) = stringPayload(item, field);
        if (len > maxBytes) revert ForcedTxField(field);
        if (len == 0) return 0;
        uint256 first;
        assembly {
            first := byte(0, mload(ptr))
        }
        if (first == 0) revert ForcedTxField(field);
        return item.toUint();
    }

    function stringLen(RLPReader.Item memory item, uint256 field) private pure returns (uint256 len) {
        (, len) = stringPayload(item, field);
    }

    /// The payload of a canonical string item.
    function stringPayload(RLPReader.Item memory item, uint256 field) private pure returns (uint256 ptr, uint256 len) {
        if (item.isList()) revert ForcedTxField(field);
        (ptr, len,) = strictHeader(item, field);
    }

    /// RLPReader's header, refusing non-canonical forms: a single byte below 0x80 in a
    /// string header, a long form for 55 bytes or less, a length with leading zeros.
    function strictHeader(RLPReader.Item memory item, uint256 field)
        private
        pure
        returns (uint256 ptr, uint256 len, uint256 total)
    {
        (ptr, len, total) = item.header();
        uint256 b0;
        uint256 b1;
        uint256 p = item.ptr;
        assembly {
            b0 := byte(0, mload(p))
            b1 := byte(0, mload(add(p, 1)))
        }
        if (b0 == 0x81 && b1 < 0x80) revert ForcedTxField(field);
        bool long = (b0 >= 0xb8 && b0 < 0xc0) || b0 >= 0xf8;
        if (long && (len <= 55 || b1 == 0)) revert ForcedTxField(field);
    }

    function listHeader(uint256 len) private pure returns (bytes memory) {
        if (len <= 55) return abi.encodePacked(uint8(0xc0 + len));
        uint256 n;
        for (uint256 l = len; l != 0; l >>= 8) n++;
        bytes memory out = new bytes(1 + n);
        out[0] = bytes1(uint8(0xf7 + n));
        for (uint256 i; i < n; i++) {
            out[n - i] = bytes1(uint8(len >> (8 * i)));
        }
        return out;
    }

    function slice(uint256 ptr, uint256 len) private pure returns (bytes memory out) {
        out = new bytes(len);
        assembly {
            mcopy(add(out, 32), ptr, len)
        }
    }

    function ptrOf(bytes memory b) private pure returns (uint256 p) {
        assembly {
            p := add(b, 32)
        }
    }
}
