// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.28;

/// @notice The events and errors of `OptimisticRollup` (its ABI names them; kept apart to
///         keep its source short). Protocol: docs/contracts.md, "Optimistic native mode".
abstract contract OptimisticEvents {
    /// Batch `batch` of blocks `first..last` was proposed; `root` commits to their claims;
    /// `forcedFrom` is the forced head before it (block `first`'s `forcedFrom`).
    event BatchProposed(uint64 indexed batch, uint64 first, uint64 last, bytes32 root, uint64 forcedFrom);
    /// Block `number` was challenged; it must be defended by `respondBy`.
    event BlockChallenged(uint64 indexed number, address indexed challenger, uint256 respondBy);
    /// Block `number` was defended by `defender` with a successful EXECUTE.
    event BlockDefended(uint64 indexed number, address indexed defender);
    /// A bond of a dropped proposal or challenge was returned to `to`.
    event BondReturned(address indexed to, uint256 amount);
    /// Block `number` was left undefended: blocks `number..lastDropped` were dropped.
    event BlockDropped(uint64 indexed number, uint64 lastDropped, address indexed challenger);
    /// Batch `batch` of blocks `first..` was proposed with its data in blobs: block
    /// `first + i`'s record ends at payload byte `ends[i]`; the proposing transaction's
    /// blobs have `versionedHashes`.
    event BlobBatchProposed(uint64 indexed batch, uint64 first, uint32[] ends, bytes32[] versionedHashes);
    /// Block `number`'s record in its blob batch was proven to hold its claimed data.
    event BlobDataProven(uint64 indexed number, address indexed prover);
    /// Batch `batch` was finalized: its last block `last` settled with these claims.
    event BatchFinalized(uint64 indexed batch, uint64 last, bytes32 blockHash, bytes32 stateRoot);

    /// Only `proposer` may propose.
    error NotProposer();
    /// `propose`/`proposeBlobs` not called directly by a codeless account (the
    /// transaction's sender): a follower could not read the batch from calldata.
    error NotTopLevelCall();
    /// `msg.value` is not the bond required.
    error WrongBond(uint256 paid, uint256 required);
    /// `propose` without blocks.
    error NoBlocks();
    /// The proposal was built on block hash `expected`, but the pending tip is `pendingTip`
    /// (another proposal, or a `resolve`, landed first).
    error StaleTip(bytes32 expected, bytes32 pendingTip);
    /// A batch of `count` blocks, over `max`.
    error TooManyBlocks(uint256 count, uint256 max);
    /// Block `number` is not pending.
    error NotPending(uint64 number);
    /// Pending block `number` is not held by batch `batch` (a stale or wrong batch id).
    error WrongBatch(uint64 number, uint64 batch);
    /// Block `number`'s challenge window closed at `closedAt`.
    error ChallengeWindowClosed(uint64 number, uint256 closedAt);
    /// Block `number` is already challenged or defended.
    error AlreadyChallenged(uint64 number);
    /// Block `number` has no open challenge.
    error NoOpenChallenge(uint64 number);
    /// Block `number`'s defence closed at `respondBy`.
    error ResponseWindowClosed(uint64 number, uint256 respondBy);
    /// Block `number` may be defended until `respondBy`.
    error ResponseWindowOpen(uint64 number, uint256 respondBy);
    /// The posted block does not match block `number`'s claim (data hash, block hash or
    /// state root).
    error WrongCommitment(uint64 number);
    /// The EXECUTE input disagrees with the posted block on a field.
    error InputMismatch(uint64 number);
    /// `posted`'s timestamp or anchorBlock is not the one block `number` was proposed with
    /// (a blob batch claims them apart from the record that holds them).
    error PostedFieldsMismatch(uint64 number);
    /// The batch starting at block `number` cannot be finalized while it has an open
    /// challenge.
    error ChallengeOpen(uint64 number);
    /// The proposal (block `number` of batch `batch`) was not dropped: no refund.
    error NotDropped(uint64 number, uint64 batch);
    /// The batch starting at block `number` cannot be finalized before `until`.
    error WindowOpen(uint64 number, uint256 until);
    /// `finalize(upTo)` where `upTo` is not the last block of a batch.
    error NotBatchEnd(uint64 upTo);
    /// `proposeBlobs` in a transaction without blobs.
    error NoBlobs();
    /// Block `number` is not from a blob batch.
    error NotBlobBatch(uint64 number);
    /// Record `index` of a blob batch is `length` bytes, over one blob's payload (the
    /// longest record `proveBlobData` can carry under the per-transaction gas cap).
    error RecordTooLong(uint256 index, uint256 length);
    /// Block `number` is from a blob batch and its record was not proven (`proveBlobData`).
    error BlobDataNotProven(uint64 number);
}
