// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.28;

/// @title RLPReader
/// @notice Minimal RLP decoding over memory: items are (pointer, length) views into a
///         bytes array; every read is bounds-checked and malformed input reverts.
library RLPReader {
    /// A view of one RLP item: `ptr` points at its first (prefix) byte in memory.
    struct Item {
        uint256 ptr;
        uint256 len;
    }

    error MalformedRLP();

    /// Wraps a whole byte string as one item (its length must match the encoding).
    function toItem(bytes memory b) internal pure returns (Item memory item) {
        uint256 ptr;
        assembly {
            ptr := add(b, 32)
        }
        item = Item(ptr, b.length);
        (,, uint256 total) = header(item);
        if (total != b.length) revert MalformedRLP();
    }

    /// Decodes the header of `item`: (payload pointer, payload length, total item length).
    function header(Item memory item) internal pure returns (uint256 payloadPtr, uint256 payloadLen, uint256 total) {
        if (item.len == 0) revert MalformedRLP();
        uint256 b0;
        uint256 ptr = item.ptr;
        assembly {
            b0 := byte(0, mload(ptr))
        }
        if (b0 < 0x80) return (ptr, 1, 1);
        if (b0 < 0xb8) {
            payloadLen = b0 - 0x80;
            total = 1 + payloadLen;
            payloadPtr = ptr + 1;
        } else if (b0 < 0xc0) {
            (payloadPtr, payloadLen, total) = longHeader(item, b0 - 0xb7);
        } else if (b0 < 0xf8) {
            payloadLen = b0 - 0xc0;
            total = 1 + payloadLen;
            payloadPtr = ptr + 1;
        } else {
            (payloadPtr, payloadLen, total) = longHeader(item, b0 - 0xf7);
        }
        if (total > item.len) revert MalformedRLP();
    }

    function longHeader(Item memory item, uint256 lenOfLen)
        private
        pure
        returns (uint256 payloadPtr, uint256 payloadLen, uint256 total)
    {
        if (lenOfLen > 8 || 1 + lenOfLen > item.len) revert MalformedRLP();
        uint256 ptr = item.ptr;
        assembly {
            payloadLen := shr(sub(256, mul(8, lenOfLen)), mload(add(ptr, 1)))
        }
        payloadPtr = ptr + 1 + lenOfLen;
        total = 1 + lenOfLen + payloadLen;
    }

    /// Whether the item is a list.
    function isList(Item memory item) internal pure returns (bool) {
        if (item.len == 0) revert MalformedRLP();
        uint256 b0;
        uint256 ptr = item.ptr;
        assembly {
            b0 := byte(0, mload(ptr))
        }
        return b0 >= 0xc0;
    }

    /// The items of a list item.
    function toList(Item memory item) internal pure returns (Item[] memory items) {
        if (!isList(item)) revert MalformedRLP();
        (uint256 ptr, uint256 len,) = header(item);
        uint256 end = ptr + len;
        uint256 count;
        for (uint256 p = ptr; p < end; count++) {
            (,, uint256 t) = header(Item(p, end - p));
            p += t;
        }
        items = new Item[](count);
        uint256 i;
        for (uint256 p = ptr; p < end; i++) {
            (,, uint256 t) = header(Item(p, end - p));
            items[i] = Item(p, t);
            p += t;
        }
    }

    /// The payload of a string item as a new bytes array.
    function toBytes(Item memory item) internal pure returns (bytes memory out) {
        if (isList(item)) revert MalformedRLP();
        (uint256 ptr, uint256 len,) = header(item);
        out = new bytes(len);
        assembly {
            mcopy(add(out, 32), ptr, len)
        }
    }

    /// The whole encoding of an item (prefix included).
    function toRaw(Item memory item) internal pure returns (bytes memory out) {
        (,, uint256 total) = header(item);
        out = new bytes(total);
        uint256 ptr = item.ptr;
        assembly {
            mcopy(add(out, 32), ptr, total)
        }
    }

    /// A string item of at most 32 bytes as a big-endian unsigned integer.
    function toUint(Item memory item) internal pure returns (uint256 v) {
        if (isList(item)) revert MalformedRLP();
        (uint256 ptr, uint256 len,) = header(item);
        if (len > 32) revert MalformedRLP();
        if (len == 0) return 0;
        assembly {
            v := shr(sub(256, mul(8, len)), mload(ptr))
        }
    }

    /// A 32-byte string item as bytes32.
    function toBytes32(Item memory item) internal pure returns (bytes32 v) {
        if (isList(item)) revert MalformedRLP();
        (uint256 ptr, uint256 len,) = header(item);
        if (len != 32) revert MalformedRLP();
        assembly {
            v := mload(ptr)
        }
    }
}
