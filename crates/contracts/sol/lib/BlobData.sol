// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.28;

import {OptimisticRollup} from "../OptimisticRollup.sol";
import {ClaimTree} from "./ClaimTree.sol";

/// @notice Errors of blob data verification (shared by `BlobVerifier` and the rollup,
///         whose ABI thus names them).
abstract contract BlobErrors {
    /// Payload bytes per blob: 4,096 field elements of 31 bytes (byte 0 of each is skipped).
    uint256 public constant BLOB_PAYLOAD_BYTES = 126976;

    /// Opening `index` is not a 131,072-byte blob with a 48-byte commitment and proof.
    error BadBlobOpening(uint256 index);
    /// A field element of blob `index` is not below the BLS modulus.
    error NonCanonicalFieldElement(uint256 index);
    /// The point-evaluation precompile refused blob `index` (commitment not of its
    /// versioned hash, or proof not of the blob's value at the challenge point).
    error BlobProofFailed(uint256 index);
    /// The record's encoding byte is unknown.
    error RecordUnknownEncoding(uint8 encoding);
    /// The record ends inside a field, sequence or transaction.
    error RecordTruncated();
    /// An LZ match points before the start of the output, or overruns the declared length.
    error RecordBadMatch();
    /// The record's body is not of its declared length.
    error RecordLengthMismatch();
    /// The claim and proof given for block `number` do not hash to its batch's root.
    error WrongProof(uint64 number);
    /// The ends and versioned hashes given are not block `number`'s batch's.
    error WrongBlobBatch(uint64 number);
    /// `count` blobs given, the record of the block spans `needed`.
    error WrongBlobCount(uint256 count, uint256 needed);
    /// The blobs' record does not decode to the data block `number` was proposed with.
    error BlobDataMismatch(uint64 number);
    /// Record end `index` is not above the previous one or past the blobs' payload.
    error BadRecordEnd(uint256 index);
}

/// @title BlobVerifier
/// @notice Checks blobs against their versioned hashes with the point-evaluation precompile
///         at a challenge point derived from each blob (`z = keccak256(blob ‖ versionedHash)
///         mod BLS_MODULUS`, `y` evaluated here from the blob: "blob equivalence"), then
///         extracts one record of the payload they carry and returns its `dataHash`.
///         Deployed by `OptimisticRollup`'s constructor (kept out of its runtime code).
///         Payload layout: docs/contracts.md, "Blob data and blob equivalence".
contract BlobVerifier is BlobErrors {
    /// A blob with its KZG commitment and the KZG proof of its value at the challenge point.
    struct BlobOpening {
        bytes blob;
        bytes commitment;
        bytes proof;
    }

    /// The BLS12-381 scalar field modulus.
    uint256 internal constant R = 0x73eda753299d7d483339d80809a1d80553bda402fffe5bfeffffffff00000001;
    /// A primitive 4096th root of unity: 7^((R-1)/4096).
    uint256 internal constant OMEGA = 0x564c0a11a0f704f4fc3e8acfe0f8245f0ad1347b378fbf96e206da11a5d36306;
    /// 4096^-1 mod R.
    uint256 internal constant N_INV = 0x73e66878b46ae3705eb6a46a89213de7d3686828bfce5c19400fffff00100001;
    uint256 internal constant BLOB_BYTES = 131072;
    address internal constant POINT_EVALUATION = address(0x0a);

    /// For `OptimisticRollup.proveBlobData` (called with the same arguments, by the rollup
    /// after its own checks of the challenge): checks that `ends` and `versionedHashes` are
    /// blob batch `batch`'s (of the caller), that `claim` is block `n`'s in it (`proof`,
    /// ending with the blob binding), and that the record of block `n` in the blobs
    /// (`openings`, verified) decodes to the claim's `dataHash`; returns the claim's leaf.
    function proveClaim(
        uint64 n,
        uint64 batch,
        OptimisticRollup.Claim calldata claim,
        bytes32[] calldata proof,
        uint32[] calldata ends,
        bytes32[] calldata versionedHashes,
        BlobOpening[] calldata openings
    ) external view returns (bytes32 leaf) {
        uint256 k;
        (k, leaf) = _claimIndex(n, batch, claim, proof, keccak256(abi.encode(ends, versionedHashes)), ends.length);
        if (_recordHash(k, ends, versionedHashes, openings) != claim.dataHash) revert BlobDataMismatch(n);
    }

    /// `proveClaim`'s checks of the batch binding (`binding` of `count` ends) and of the
    /// claim; its index in the batch and its leaf.
    function _claimIndex(
        uint64 n,
        uint64 batch,
        OptimisticRollup.Claim calldata claim,
        bytes32[] calldata proof,
        bytes32 binding,
        uint256 count
    ) private view returns (uint256 k, bytes32 leaf) {
        OptimisticRollup.Batch memory b = OptimisticRollup(msg.sender).batchInfo(batch);
        if (count != b.size || proof.length == 0 || proof[proof.length - 1] != binding) revert WrongBlobBatch(n);
        leaf = keccak256(abi.encode(claim));
        k = n - b.first;
        if (ClaimTree.rootOf(leaf, k, b.size, true, proof) != b.root) revert WrongProof(n);
    }

    /// The `dataHash` that record `k` of a blob batch decodes to, its blobs checked.
    function _recordHash(
        uint256 k,
        uint32[] calldata ends,
        bytes32[] calldata hashes,
        BlobOpening[] calldata openings
    ) private view returns (bytes32) {
        uint256 start = k == 0 ? 0 : ends[k - 1];
        uint256 end = ends[k];
        if (end <= start) revert BadRecordEnd(k);
        uint256 firstBlob = start / BLOB_PAYLOAD_BYTES;
        uint256 needed = (end - 1) / BLOB_PAYLOAD_BYTES - firstBlob + 1;
        if (openings.length != needed || firstBlob + needed > hashes.length) {
            revert WrongBlobCount(openings.length, needed);
        }
        uint256 base = firstBlob * BLOB_PAYLOAD_BYTES;
        return recordDataHash(start - base, end - base, hashes[firstBlob:firstBlob + needed], openings);
    }

    /// Verifies `openings` against `hashes` (same order) and returns the `dataHash` of the
    /// record at payload bytes `start..end`, counted from the first opening's blob.
    function recordDataHash(uint256 start, uint256 end, bytes32[] calldata hashes, BlobOpening[] calldata openings)
        public
        view
        returns (bytes32)
    {
        for (uint256 i; i < openings.length; i++) {
            _verify(i, hashes[i], openings[i]);
        }
        bytes memory record = _extract(start, end, openings);
        return _dataHash(_body(record));
    }

    function _verify(uint256 index, bytes32 versionedHash, BlobOpening calldata o) private view {
        if (o.blob.length != BLOB_BYTES || o.commitment.length != 48 || o.proof.length != 48) {
            revert BadBlobOpening(index);
        }
        bytes calldata blob = o.blob;
        uint256 z;
        // keccak256(blob ‖ versionedHash) in scratch memory past the free pointer.
        assembly ("memory-safe") {
            let m := mload(0x40)
            calldatacopy(m, blob.offset, BLOB_BYTES)
            mstore(add(m, BLOB_BYTES), versionedHash)
            z := mod(keccak256(m, add(BLOB_BYTES, 32)), R)
        }
        (uint256 y, bool ok) = _evaluate(blob, z);
        if (!ok) revert NonCanonicalFieldElement(index);
        (bool success,) = POINT_EVALUATION.staticcall(abi.encodePacked(versionedHash, z, y, o.commitment, o.proof));
        if (!success) revert BlobProofFailed(index);
    }

    /// The blob polynomial's value at `z`: the blob holds its evaluations at the 4096th
    /// roots of unity in bit-reversed order, so p(z) = (z^N - 1)/N * Σ f_i ω_i / (z - ω_i);
    /// the sum is kept as one fraction (one inversion). `ok` is false for a field element
    /// not below R.
    function _evaluate(bytes calldata blob, uint256 z) private view returns (uint256 y, bool ok) {
        uint256 num;
        uint256 den = 1;
        uint256 flags; // non-zero: a non-canonical element
        assembly ("memory-safe") {
            let data := blob.offset
            let w := 1
            for { let j := 0 } lt(j, 4096) { j := add(j, 1) } {
                // i = bit-reverse of j on 12 bits: f_i is the evaluation at w^j.
                let x := j
                x := or(shl(1, and(x, 0x555)), and(shr(1, x), 0x555))
                x := or(shl(2, and(x, 0x333)), and(shr(2, x), 0x333))
                x := or(shl(8, and(x, 0xf)), or(and(x, 0xf0), shr(8, x)))
                let f := calldataload(add(data, shl(5, x)))
                flags := or(flags, iszero(lt(f, R)))
                let d := addmod(z, sub(R, w), R)
                num := addmod(mulmod(num, d, R), mulmod(mulmod(f, w, R), den, R), R)
                den := mulmod(den, d, R)
                w := mulmod(w, OMEGA, R)
            }
        }
        if (flags != 0) return (0, false);
        ok = true;
        if (den == 0) return (_valueAtRoot(blob, z), true);
        uint256 zn = z;
        for (uint256 k; k < 12; k++) {
            zn = mulmod(zn, zn, R);
        }
        uint256 factor = mulmod(addmod(zn, R - 1, R), N_INV, R);
        y = mulmod(mulmod(factor, num, R), _inverse(den), R);
    }

    /// The blob's value at `z` when `z` is one of the roots of unity (its element there).
    function _valueAtRoot(bytes calldata blob, uint256 z) private pure returns (uint256 y) {
        uint256 w = 1;
        for (uint256 j; j < 4096; j++) {
            if (w == z) {
                uint256 x = j;
                x = ((x & 0x555) << 1) | ((x >> 1) & 0x555);
                x = ((x & 0x333) << 2) | ((x >> 2) & 0x333);
                x = ((x & 0xf) << 8) | (x & 0xf0) | (x >> 8);
                return uint256(bytes32(blob[x * 32:x * 32 + 32]));
            }
            w = mulmod(w, OMEGA, R);
        }
    }

    function _inverse(uint256 a) private view returns (uint256 inv) {
        (bool ok, bytes memory out) = address(0x05).staticcall(abi.encode(32, 32, 32, a, R - 2, R));
        require(ok && out.length == 32);
        inv = abi.decode(out, (uint256));
    }

    /// Payload bytes `start..end` (from the first opening's blob), skipping byte 0 of each
    /// field element.
    function _extract(uint256 start, uint256 end, BlobOpening[] calldata openings)
        private
        pure
        returns (bytes memory out)
    {
        if (end < start || end > openings.length * BLOB_PAYLOAD_BYTES) revert RecordTruncated();
        out = new bytes(end - start);
        uint256 dst;
        assembly ("memory-safe") {
            dst := add(out, 32)
        }
        uint256 p = start;
        while (p < end) {
            // One blob at a time: 31-byte chunks, each from its field element's bytes 1..31.
            uint256 b = p / BLOB_PAYLOAD_BYTES;
            uint256 base = b * BLOB_PAYLOAD_BYTES;
            uint256 limit = base + BLOB_PAYLOAD_BYTES;
            if (limit > end) limit = end;
            bytes calldata blob = openings[b].blob;
            assembly ("memory-safe") {
                let src := blob.offset
                for {} lt(p, limit) {} {
                    let q := sub(p, base)
                    let k := mod(q, 31)
                    let n := sub(31, k)
                    if gt(n, sub(limit, p)) { n := sub(limit, p) }
                    calldatacopy(dst, add(src, add(shl(5, div(q, 31)), add(k, 1))), n)
                    dst := add(dst, n)
                    p := add(p, n)
                }
            }
        }
    }

    /// The decoded body of `record` (stored, or LZ-decompressed).
    function _body(bytes memory record) internal pure returns (bytes memory body) {
        if (record.length < 4) revert RecordTruncated();
        uint8 encoding = uint8(record[0]);
        uint256 len = (uint256(uint8(record[1])) << 16) | (uint256(uint8(record[2])) << 8) | uint8(record[3]);
        if (encoding == 0) {
            if (record.length - 4 != len) revert RecordLengthMismatch();
            body = new bytes(len);
            assembly ("memory-safe") {
                mcopy(add(body, 32), add(record, 36), len)
            }
        } else if (encoding == 1) {
            body = _decompress(record, len);
        } else {
            revert RecordUnknownEncoding(encoding);
        }
    }

    /// LZ sequences (docs/contracts.md): token, literal count extension, literals, then
    /// (unless the input ends) 2-byte little-endian offset and match length extension.
    function _decompress(bytes memory rec, uint256 len) internal pure returns (bytes memory out) {
        out = new bytes(len);
        uint256 code; // 0 ok, 1 truncated, 2 bad match, 3 length mismatch
        assembly ("memory-safe") {
            let inp := add(rec, 36)
            let inEnd := add(add(rec, 32), mload(rec))
            let o := add(out, 32)
            let oEnd := add(o, len)
            let dst := o
            for {} lt(inp, inEnd) {} {
                let token := byte(0, mload(inp))
                inp := add(inp, 1)
                let lit := shr(4, token)
                if eq(lit, 15) {
                    for { let more := 1 } more {} {
                        if iszero(lt(inp, inEnd)) {
                            code := 1
                            break
                        }
                        let b := byte(0, mload(inp))
                        inp := add(inp, 1)
                        lit := add(lit, b)
                        more := eq(b, 255)
                    }
                    if code { break }
                }
                if gt(lit, sub(inEnd, inp)) {
                    code := 1
                    break
                }
                if gt(lit, sub(oEnd, dst)) {
                    code := 2
                    break
                }
                mcopy(dst, inp, lit)
                dst := add(dst, lit)
                inp := add(inp, lit)
                if eq(inp, inEnd) { break }
                if lt(sub(inEnd, inp), 2) {
                    code := 1
                    break
                }
                let offset := or(byte(0, mload(inp)), shl(8, byte(1, mload(inp))))
                inp := add(inp, 2)
                let m := and(token, 15)
                if eq(m, 15) {
                    for { let more := 1 } more {} {
                        if iszero(lt(inp, inEnd)) {
                            code := 1
                            break
                        }
                        let b := byte(0, mload(inp))
                        inp := add(inp, 1)
                        m := add(m, b)
                        more := eq(b, 255)
                    }
                    if code { break }
                }
                m := add(m, 4)
                if or(iszero(offset), gt(offset, sub(dst, o))) {
                    code := 2
                    break
                }
                if gt(m, sub(oEnd, dst)) {
                    code := 2
                    break
                }
                // Periodic copy: any multiple of `offset` is also a period.
                for { let step := offset } m {} {
                    let n := m
                    if lt(step, n) { n := step }
                    mcopy(dst, sub(dst, step), n)
                    dst := add(dst, n)
                    m := sub(m, n)
                    step := add(step, step)
                }
            }
            if and(iszero(code), iszero(eq(dst, oEnd))) { code := 3 }
        }
        if (code == 1) revert RecordTruncated();
        if (code == 2) revert RecordBadMatch();
        if (code == 3) revert RecordLengthMismatch();
    }

    /// `dataHashOf` of the block the body describes: timestamp (8), anchorBlock (8),
    /// feeRecipient (20), prevRandao (32), extraData length (1), extraData, then
    /// transactions (3-byte length and bytes each) to the end.
    function _dataHash(bytes memory body) internal pure returns (bytes32) {
        uint256 len = body.length;
        if (len < 69) revert RecordTruncated();
        uint256 time;
        uint256 anchor;
        address feeRecipient;
        bytes32 prevRandao;
        uint256 e;
        bytes32 extraHash;
        assembly ("memory-safe") {
            let p := add(body, 32)
            time := shr(192, mload(p))
            anchor := shr(192, mload(add(p, 8)))
            feeRecipient := shr(96, mload(add(p, 16)))
            prevRandao := mload(add(p, 36))
            e := byte(0, mload(add(p, 68)))
        }
        if (len < 69 + e) revert RecordTruncated();
        assembly ("memory-safe") {
            extraHash := keccak256(add(body, 101), e)
        }
        // Transaction hashes, written after the free memory pointer.
        uint256 count;
        bool bad;
        bytes32 txsHash;
        assembly ("memory-safe") {
            let hashes := mload(0x40)
            let p := add(add(body, 101), e)
            let end := add(add(body, 32), len)
            for {} lt(p, end) {} {
                if lt(sub(end, p), 3) {
                    bad := 1
                    break
                }
                let n := shr(232, mload(p))
                p := add(p, 3)
                if gt(n, sub(end, p)) {
                    bad := 1
                    break
                }
                mstore(add(hashes, shl(5, count)), keccak256(p, n))
                count := add(count, 1)
                p := add(p, n)
            }
            txsHash := keccak256(hashes, shl(5, count))
        }
        if (bad) revert RecordTruncated();
        return keccak256(abi.encode(uint64(time), feeRecipient, prevRandao, extraHash, anchor, txsHash));
    }
}
