//! The `proposeBlobs`/`proveBlobData` ABI of `OptimisticRollup` (docs/contracts.md, "Blob
//! data and blob equivalence"), as the node encodes and decodes it.

alloy_sol_types::sol! {
    /// A block of a blob batch: its data is the payload's record ending at `end`.
    #[derive(Debug, PartialEq, Eq)]
    struct BlobBlock {
        uint64 timestamp;
        uint256 anchorBlock;
        bytes32 dataHash;
        bytes32 blockHash;
        bytes32 stateRoot;
        uint32 end;
    }
    /// One blob with its KZG commitment and the proof at the contract's challenge point.
    #[derive(Debug, PartialEq, Eq)]
    struct BlobOpening {
        bytes blob;
        bytes commitment;
        bytes proof;
    }
    /// Proposes a batch whose data is in the transaction's blobs.
    function proposeBlobs(BlobBlock[] calldata blocks) external payable;
    /// Proves that the blobs hold block `n`'s record; stores its data hash.
    function proveBlobData(
        uint64 n,
        uint64 first,
        uint32[] calldata ends,
        bytes32[] calldata versionedHashes,
        BlobOpening[] calldata openings
    ) external;
}
