// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.28;

import {BlobVerifier} from "../lib/BlobData.sol";

/// @title BlobDecoderHarness
/// @notice TEST ONLY, never deployed by the project: exposes `BlobVerifier`'s record
///         decoding (`_body`, hence `_decompress`, then `_dataHash`) on a record given
///         directly, so a differential test can compare it with the Rust decoder
///         (`nr_rollup::blob_da::decode_record`) on many records without blobs.
contract BlobDecoderHarness is BlobVerifier {
    /// The `dataHash` the verifier computes from `record` (reverts as it would).
    function decodeRecord(bytes memory record) external pure returns (bytes32) {
        return _dataHash(_body(record));
    }

    /// The decoded body of `record` (stored, or LZ-decompressed), before field parsing.
    function decodeBody(bytes memory record) external pure returns (bytes memory) {
        return _body(record);
    }
}
