// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.28;

import {StatelessInputReader} from "./lib/StatelessInputReader.sol";
import {ExecuteResult} from "./lib/ExecuteResult.sol";
import {RollupCore} from "./RollupCore.sol";
import {BlobErrors, BlobVerifier} from "./lib/BlobData.sol";

/// @title OptimisticRollup
/// @notice A native rollup settled optimistically: a bonded proposer posts L2 blocks (their
///         data in calldata, a commitment in storage); each may be challenged within
///         `challengeWindow`, and a challenged block is kept only if someone defends it within
///         `responseWindow` by running it through the EXECUTE precompile (EIP-8079) — the
///         whole block is the one-step proof. Undefended, the block and every pending block
///         after it are dropped and its batch's bond is slashed. Blocks whose window passed
///         without an open challenge are finalized in order; only finalized state roots
///         serve L2->L1 withdrawals. See docs/contracts.md, "Optimistic native mode".
/// @dev Storage layout: RollupCore's first (the L2 proves `messageRoot`, slot 0).
contract OptimisticRollup is RollupCore, BlobErrors {
    /// Everything needed to rebuild an L2 block from its parent (number = parent + 1, gas
    /// limit = the rollup's, base fee from the parent, parent_beacon_block_root = the hash
    /// of L1 block `anchorBlock`), and the hash and state root the proposer claims for it.
    struct Block {
        uint64 timestamp;
        address feeRecipient;
        bytes32 prevRandao;
        bytes extraData;
        uint256 anchorBlock;
        bytes[] transactions;
        bytes32 blockHash;
        bytes32 stateRoot;
    }

    /// A block of a blob batch (`proposeBlobs`): its data is a record of the blobs of the
    /// proposing transaction, ending at payload byte `end`; `dataHash` is what that record
    /// must decode to (see docs/contracts.md, "Blob data and blob equivalence").
    struct BlobBlock {
        uint64 timestamp;
        uint256 anchorBlock;
        bytes32 dataHash;
        bytes32 blockHash;
        bytes32 stateRoot;
        uint32 end;
    }

    /// Where a pending block stands in the dispute game.
    enum Status {
        /// Never challenged.
        None,
        /// Challenged, not yet defended or resolved.
        Challenged,
        /// Challenged and defended with EXECUTE: valid, no longer challengeable.
        Defended
    }

    /// A proposed, not yet finalized L2 block, as `pendingBlock` returns it.
    struct Pending {
        /// keccak256(abi.encode(dataHash, blockHash, stateRoot, anchorHash)), see `commitmentOf`.
        bytes32 commitment;
        /// Claimed block hash (the next block's parent; settled by `finalize`).
        bytes32 blockHash;
        /// Claimed state root (settled by `finalize`).
        bytes32 stateRoot;
        /// L1 timestamp of the proposal.
        uint64 proposedAt;
        /// Batch (proposal) the block came in.
        uint64 batch;
        /// Its L1 anchor block number.
        uint64 anchorBlock;
        /// Its L2 timestamp.
        uint64 timestamp;
        /// Challenger of an open or defended challenge.
        address challenger;
        /// Deadline of the defence (L1 timestamp, inclusive).
        uint64 respondBy;
        /// Dispute status.
        Status status;
    }

    /// A proposed block as stored (its challenge is in `challenges`, keyed by block and
    /// batch, so that a challenge of a dropped proposal outlives its re-proposal).
    struct Proposal {
        bytes32 commitment;
        bytes32 blockHash;
        bytes32 stateRoot;
        uint64 proposedAt;
        uint64 batch;
        uint64 anchorBlock;
        uint64 timestamp;
    }

    /// A challenge of one proposal of a block.
    struct Challenge {
        address challenger;
        uint64 respondBy;
        Status status;
        /// The block's record in its blob batch was proven (`proveBlobData`).
        bool blobProven;
    }

    /// A proposal of one or more blocks under one bond.
    struct Batch {
        /// Who posted it (and gets the bond back).
        address proposer;
        /// Its last block still pending.
        uint64 lastBlock;
        /// Its bond was slashed: nothing is returned when its remaining blocks finalize.
        bool slashed;
    }

    /// Proposer (zero: anyone with a bond).
    address public immutable proposer;
    /// Seconds after a proposal during which a block may be challenged.
    uint256 public immutable challengeWindow;
    /// Seconds after a challenge during which the block may be defended.
    uint256 public immutable responseWindow;
    /// Wei bonded with each `propose`.
    uint256 public immutable proposerBond;
    /// Wei bonded with each `challenge`.
    uint256 public immutable challengerBond;

    // ---- after RollupCore's storage ----
    /// Number of the latest pending block (equal to `headNumber` when none is pending).
    uint64 public pendingNumber;
    /// Number of batches ever proposed (batch ids run from 1; never reused).
    uint64 public batchCount;
    /// L1 anchor block of the finalized head (0 at genesis, as `NativeRollup`'s).
    uint256 public lastAnchor;
    /// L2 timestamp of the finalized head (0 at genesis: the first block's timestamp is
    /// bounded by `maxTimestampLag` only).
    uint64 public lastTimestamp;
    mapping(uint64 => Proposal) private pending;
    /// Challenges by block number, then batch id of the challenged proposal.
    mapping(uint64 => mapping(uint64 => Challenge)) private challenges;
    mapping(uint64 => Batch) private batches;
    /// Wei owed to addresses that refused a plain transfer (see `claimCredit`).
    mapping(address => uint256) public credit;
    /// Per blob batch: keccak256(abi.encode(firstBlock, ends, versionedHashes)) (zero for
    /// a calldata batch).
    mapping(uint64 => bytes32) public blobBatch;

    /// Checks blobs and decodes records for `proveBlobData` (deployed by the constructor).
    BlobVerifier public immutable blobVerifier;

    /// L2 block `number` was proposed in batch `batch`.
    event BlockProposed(uint64 indexed number, bytes32 indexed blockHash, bytes32 stateRoot, uint64 indexed batch);
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
    /// Block `number`'s record in its blob batch was proven to hold its posted data.
    event BlobDataProven(uint64 indexed number, address indexed prover);
    /// Block `number` was finalized (settled).
    event BlockFinalized(uint64 indexed number, bytes32 indexed blockHash, bytes32 stateRoot);

    /// Only `proposer` may propose.
    error NotProposer();
    /// `msg.value` is not the bond required.
    error WrongBond(uint256 paid, uint256 required);
    /// `propose` without blocks.
    error NoBlocks();
    /// Block `number` is not pending.
    error NotPending(uint64 number);
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
    /// The posted block does not hash to block `number`'s commitment.
    error WrongCommitment(uint64 number);
    /// The EXECUTE input disagrees with the posted block on a field.
    error InputMismatch(uint64 number);
    /// `posted`'s timestamp or anchorBlock is not the one block `number` was proposed with
    /// (a blob batch claims them apart from the record that holds them).
    error PostedFieldsMismatch(uint64 number);
    /// Block `number` cannot be finalized while its challenge is open.
    error ChallengeOpen(uint64 number);
    /// The proposal (block `number` of batch `batch`) was not dropped: no refund.
    error NotDropped(uint64 number, uint64 batch);
    /// Block `number` cannot be finalized before `until`.
    error WindowOpen(uint64 number, uint256 until);
    /// `proposeBlobs` in a transaction without blobs.
    error NoBlobs();
    /// Record end `index` is not above the previous one or past the blobs' payload.
    error BadRecordEnd(uint256 index);
    /// Block `number` is not from a blob batch.
    error NotBlobBatch(uint64 number);
    /// Record `index` of a blob batch is `length` bytes, over one blob's payload (the
    /// longest record `proveBlobData` can carry under the per-transaction gas cap).
    error RecordTooLong(uint256 index, uint256 length);
    /// The first block, ends and versioned hashes given are not block `number`'s batch's.
    error WrongBlobBatch(uint64 number);
    /// `count` blobs given, the record of the block spans `needed`.
    error WrongBlobCount(uint256 count, uint256 needed);
    /// The blobs' record does not decode to the data block `number` was proposed with.
    error BlobDataMismatch(uint64 number);
    /// Block `number` is from a blob batch and its record was not proven (`proveBlobData`).
    error BlobDataNotProven(uint64 number);

    /// Binds the rollup to its L2 genesis and its dispute parameters; `msg.value` backs
    /// the genesis L2 ETH held outside the messenger.
    constructor(
        uint64 chainId_,
        uint64 gasLimit_,
        bytes32 genesisHash,
        bytes32 genesisStateRoot,
        address proposer_,
        uint256 challengeWindow_,
        uint256 responseWindow_,
        uint256 proposerBond_,
        uint256 challengerBond_,
        uint256 maxTimestampLag_,
        uint256 forcedDelay_
    ) payable RollupCore(chainId_, gasLimit_, genesisHash, genesisStateRoot, maxTimestampLag_, forcedDelay_) {
        proposer = proposer_;
        challengeWindow = challengeWindow_;
        responseWindow = responseWindow_;
        proposerBond = proposerBond_;
        challengerBond = challengerBond_;
        blobVerifier = new BlobVerifier();
    }

    /// Digest of a block's posted fields other than its claims: keccak256(abi.encode(
    /// timestamp, feeRecipient, prevRandao, keccak256(extraData), anchorBlock, txsHash)),
    /// `txsHash` = keccak256 of the concatenated keccak256 of each transaction.
    function dataHashOf(Block calldata b) public pure returns (bytes32) {
        return keccak256(
            abi.encode(b.timestamp, b.feeRecipient, b.prevRandao, keccak256(b.extraData), b.anchorBlock, txsHashOf(b))
        );
    }

    /// keccak256 of the concatenated keccak256 of each of `b`'s transactions, in order.
    function txsHashOf(Block calldata b) public pure returns (bytes32) {
        bytes32[] memory hashes = new bytes32[](b.transactions.length);
        for (uint256 k; k < hashes.length; k++) {
            hashes[k] = keccak256(b.transactions[k]);
        }
        return keccak256(abi.encodePacked(hashes));
    }

    /// The commitment stored for a block: keccak256(abi.encode(dataHash, blockHash,
    /// stateRoot, anchorHash)).
    function commitmentOf(bytes32 dataHash, bytes32 blockHash, bytes32 stateRoot, bytes32 anchorHash)
        public
        pure
        returns (bytes32)
    {
        return keccak256(abi.encode(dataHash, blockHash, stateRoot, anchorHash));
    }

    /// Posts `blocks` on top of the latest pending block (or the finalized head), bonded by
    /// `msg.value == proposerBond`. Cheap checks only: anchors non-decreasing and within the
    /// last 256 L1 blocks, timestamps non-decreasing, not in the future, not staler than
    /// `maxTimestampLag`. Execution is checked only if a block is challenged.
    function propose(Block[] calldata blocks) external payable {
        if (proposer != address(0) && msg.sender != proposer) revert NotProposer();
        if (msg.value != proposerBond) revert WrongBond(msg.value, proposerBond);
        if (blocks.length == 0) revert NoBlocks();
        uint64 number = pendingNumber;
        (uint256 anchor, uint64 time) = _tip(number);
        uint64 batch = batchCount + 1;
        for (uint256 i; i < blocks.length; i++) {
            Block calldata b = blocks[i];
            number++;
            (anchor, time) =
                _admit(number, batch, anchor, time, b.anchorBlock, b.timestamp, dataHashOf(b), b.blockHash, b.stateRoot);
        }
        pendingNumber = number;
        batches[batch] = Batch({proposer: msg.sender, lastBlock: number, slashed: false});
        batchCount = batch;
    }

    /// The cheap checks of a proposed block (`propose`'s) and its storage as pending block
    /// `number` of `batch`; returns its anchor and timestamp (the next block's bounds).
    function _admit(
        uint64 number,
        uint64 batch,
        uint256 anchor,
        uint64 time,
        uint256 anchorBlock,
        uint64 timestamp,
        bytes32 dataHash,
        bytes32 blockHash,
        bytes32 stateRoot
    ) private returns (uint256, uint64) {
        if (anchorBlock < anchor) revert AnchorBackwards();
        if (anchorBlock >= block.number || block.number - anchorBlock > 256) revert AnchorOutOfWindow();
        bytes32 anchorHash = blockhash(anchorBlock);
        if (anchorHash == bytes32(0)) revert WrongAnchor();
        if (timestamp > block.timestamp) revert FutureTimestamp();
        if (uint256(timestamp) + maxTimestampLag < block.timestamp || timestamp < time) {
            revert StaleTimestamp();
        }
        Proposal storage p = pending[number];
        p.commitment = commitmentOf(dataHash, blockHash, stateRoot, anchorHash);
        p.blockHash = blockHash;
        p.stateRoot = stateRoot;
        p.proposedAt = uint64(block.timestamp);
        p.batch = batch;
        p.anchorBlock = uint64(anchorBlock);
        p.timestamp = timestamp;
        emit BlockProposed(number, blockHash, stateRoot, batch);
        return (anchorBlock, timestamp);
    }

    /// `propose` with the blocks' data in the blobs of this (type-3) transaction: one
    /// record per block, block i's ending at payload byte `blocks[i].end`, the payload
    /// packed 31 bytes per field element over the transaction's blobs in order. Same bond
    /// and checks as `propose`; each block is committed with its claimed `dataHash`, and
    /// the batch with one word binding the blobs' versioned hashes and the ends, against
    /// which `proveBlobData` checks the blobs in a dispute.
    function proposeBlobs(BlobBlock[] calldata blocks) external payable {
        if (proposer != address(0) && msg.sender != proposer) revert NotProposer();
        if (msg.value != proposerBond) revert WrongBond(msg.value, proposerBond);
        if (blocks.length == 0) revert NoBlocks();
        uint256 blobs;
        while (blobhash(blobs) != bytes32(0)) blobs++;
        if (blobs == 0) revert NoBlobs();
        bytes32[] memory hashes = new bytes32[](blobs);
        for (uint256 i; i < blobs; i++) {
            hashes[i] = blobhash(i);
        }
        uint32[] memory ends = new uint32[](blocks.length);
        uint64 number = pendingNumber;
        uint64 first = number + 1;
        (uint256 anchor, uint64 time) = _tip(number);
        uint64 batch = batchCount + 1;
        uint256 prevEnd;
        for (uint256 i; i < blocks.length; i++) {
            BlobBlock calldata b = blocks[i];
            if (b.end <= prevEnd) revert BadRecordEnd(i);
            if (b.end - prevEnd > BLOB_PAYLOAD_BYTES) revert RecordTooLong(i, b.end - prevEnd);
            prevEnd = b.end;
            ends[i] = b.end;
            number++;
            (anchor, time) =
                _admit(number, batch, anchor, time, b.anchorBlock, b.timestamp, b.dataHash, b.blockHash, b.stateRoot);
        }
        if (prevEnd > blobs * BLOB_PAYLOAD_BYTES) revert BadRecordEnd(blocks.length - 1);
        pendingNumber = number;
        batches[batch] = Batch({proposer: msg.sender, lastBlock: number, slashed: false});
        batchCount = batch;
        blobBatch[batch] = keccak256(abi.encode(first, ends, hashes));
        emit BlobBatchProposed(batch, first, ends, hashes);
    }

    /// Proves, for challenged block `n` of a blob batch, that its record in the batch's
    /// blobs decodes to the data it was proposed with. `first`, `ends` and
    /// `versionedHashes` are the batch's (as `BlobBatchProposed` logged them); `openings`
    /// are the blobs the record spans, in order, each with its KZG commitment and the KZG
    /// proof of its value at z = keccak256(blob ‖ versionedHash) mod BLS_MODULUS (the
    /// value is computed here from the blob and checked with the point-evaluation
    /// precompile). `anchorHash` is the hash of n's anchor block (bound by n's commitment).
    /// Anyone may call it; `defend` of a blob block requires it first.
    function proveBlobData(
        uint64 n,
        uint64 first,
        uint32[] calldata ends,
        bytes32[] calldata versionedHashes,
        bytes32 anchorHash,
        BlobVerifier.BlobOpening[] calldata openings
    ) external {
        Proposal storage p = _pending(n);
        Challenge storage c = challenges[n][p.batch];
        if (c.status != Status.Challenged) revert NoOpenChallenge(n);
        bytes32 bound = blobBatch[p.batch];
        if (bound == bytes32(0)) revert NotBlobBatch(n);
        if (keccak256(abi.encode(first, ends, versionedHashes)) != bound || n < first || n - first >= ends.length) {
            revert WrongBlobBatch(n);
        }
        bytes32 dataHash = _recordHash(n - first, ends, versionedHashes, openings);
        if (commitmentOf(dataHash, p.blockHash, p.stateRoot, anchorHash) != p.commitment) revert BlobDataMismatch(n);
        c.blobProven = true;
        emit BlobDataProven(n, msg.sender);
    }

    /// The `dataHash` that record `k` of a blob batch decodes to, its blobs checked.
    function _recordHash(
        uint256 k,
        uint32[] calldata ends,
        bytes32[] calldata hashes,
        BlobVerifier.BlobOpening[] calldata openings
    ) private view returns (bytes32) {
        uint256 start = k == 0 ? 0 : ends[k - 1];
        uint256 end = ends[k];
        uint256 firstBlob = start / BLOB_PAYLOAD_BYTES;
        uint256 needed = (end - 1) / BLOB_PAYLOAD_BYTES - firstBlob + 1;
        if (openings.length != needed) revert WrongBlobCount(openings.length, needed);
        uint256 base = firstBlob * BLOB_PAYLOAD_BYTES;
        return blobVerifier.recordDataHash(start - base, end - base, hashes[firstBlob:firstBlob + needed], openings);
    }

    /// Anchor block and L2 timestamp of block `number` (pending or the finalized head).
    function _tip(uint64 number) private view returns (uint256, uint64) {
        if (number == headNumber) return (lastAnchor, lastTimestamp);
        Proposal storage p = pending[number];
        return (p.anchorBlock, p.timestamp);
    }

    /// Challenges pending block `n` with `msg.value == challengerBond` while its challenge
    /// window is open; someone must then defend it within `responseWindow`.
    function challenge(uint64 n) external payable {
        Proposal storage p = _pending(n);
        if (msg.value != challengerBond) revert WrongBond(msg.value, challengerBond);
        uint256 closes = uint256(p.proposedAt) + challengeWindow;
        if (block.timestamp >= closes) revert ChallengeWindowClosed(n, closes);
        Challenge storage c = challenges[n][p.batch];
        if (c.status != Status.None) revert AlreadyChallenged(n);
        uint256 respondBy = block.timestamp + responseWindow;
        c.status = Status.Challenged;
        c.challenger = msg.sender;
        c.respondBy = uint64(respondBy);
        emit BlockChallenged(n, msg.sender, respondBy);
    }

    function _pending(uint64 n) private view returns (Proposal storage p) {
        if (n <= headNumber || n > pendingNumber) revert NotPending(n);
        return pending[n];
    }

    /// Defends challenged block `n` until its `respondBy`: `posted` must be the block as
    /// proposed (it hashes to the stored commitment) and `input`, EXECUTE's wire input,
    /// must describe exactly that block on top of block n-1's claimed hash; then EXECUTE
    /// must accept it. The challenger's bond goes to the caller. Anyone may defend.
    function defend(uint64 n, Block calldata posted, bytes calldata input) external {
        Proposal storage p = _pending(n);
        Challenge storage c = challenges[n][p.batch];
        if (c.status != Status.Challenged) revert NoOpenChallenge(n);
        if (block.timestamp > c.respondBy) revert ResponseWindowClosed(n, c.respondBy);
        if (blobBatch[p.batch] != bytes32(0) && !c.blobProven) revert BlobDataNotProven(n);
        StatelessInputReader.Block memory b = StatelessInputReader.read(input);
        // The anchor hash is bound by the commitment: take it from the input and check.
        if (
            commitmentOf(dataHashOf(posted), posted.blockHash, posted.stateRoot, b.parentBeaconBlockRoot)
                != p.commitment
        ) revert WrongCommitment(n);
        // A blob batch claims timestamp and anchor apart from the record (whose dataHash
        // binds its own): they must be the record's, or the block a follower derives from
        // the blob is not the one defended.
        if (posted.timestamp != p.timestamp || posted.anchorBlock != p.anchorBlock) revert PostedFieldsMismatch(n);
        bytes32 parent = n - 1 == headNumber ? headHash : pending[n - 1].blockHash;
        if (b.parentHash != parent) revert WrongParent();
        if (b.number != n) revert WrongNumber();
        if (b.gasLimit != gasLimit) revert WrongGasLimit();
        if (b.chainId != chainId) revert WrongChainId();
        if (b.withdrawalsBytes != 0 || b.blobGasUsed != 0 || b.excessBlobGas != 0 || b.versionedHashesBytes != 0) {
            revert L2IllegalField();
        }
        StatelessInputReader.Extra memory x = StatelessInputReader.extra(input);
        if (
            b.blockHash != posted.blockHash || b.stateRoot != posted.stateRoot || b.timestamp != posted.timestamp
                || b.feeRecipient != posted.feeRecipient || x.prevRandao != posted.prevRandao
                || x.extraDataHash != keccak256(posted.extraData) || x.txsHash != txsHashOf(posted)
        ) revert InputMismatch(n);
        (bool ok, bytes memory out) = EXECUTE.staticcall(input);
        ExecuteResult.check(ok, out, chainId);
        c.status = Status.Defended;
        emit BlockDefended(n, msg.sender);
        _pay(msg.sender, challengerBond);
    }

    /// Drops challenged block `n`, left undefended past its `respondBy`, and every pending
    /// block after it (proposals continue from block n-1). Half of the bond of n's batch
    /// goes to the challenger with its own bond back, half is burned (sent to address(0)).
    /// Bonds of later dropped batches and of challenges of later dropped blocks are
    /// returned on request (`reclaimBond`, `reclaimChallengeBond`), so that `resolve`
    /// costs the same whatever follows block n.
    function resolve(uint64 n) external {
        Proposal storage p = _pending(n);
        Challenge storage c = challenges[n][p.batch];
        if (c.status != Status.Challenged) revert NoOpenChallenge(n);
        if (block.timestamp <= c.respondBy) revert ResponseWindowOpen(n, c.respondBy);
        address challenger = c.challenger;
        delete challenges[n][p.batch];
        Batch storage slashed = batches[p.batch];
        slashed.slashed = true;
        slashed.lastBlock = n - 1;
        uint64 last = pendingNumber;
        pendingNumber = n - 1;
        emit BlockDropped(n, last, challenger);
        uint256 half = proposerBond / 2;
        _pay(challenger, challengerBond + half);
        (bool burned,) = address(0).call{value: proposerBond - half}("");
        if (!burned) revert DeliveryFailed();
    }

    /// Whether the proposal of block `n` in batch `batch` is no longer pending or final:
    /// dropped (past the pending head, or replaced by a later proposal), or never final
    /// (a block at or below the head that was challenged and not defended was dropped).
    function _dropped(uint64 n, uint64 batch) private view returns (bool) {
        return n <= headNumber || n > pendingNumber || pending[n].batch != batch;
    }

    /// Returns the bond of batch `batch` to its proposer once all of it was dropped after
    /// an earlier block's successful challenge (a slashed batch gets nothing back).
    function reclaimBond(uint64 batch) external {
        Batch storage b = batches[batch];
        address to = b.proposer;
        if (to == address(0) || b.slashed || !_dropped(b.lastBlock, batch)) revert NotDropped(b.lastBlock, batch);
        delete batches[batch];
        emit BondReturned(to, proposerBond);
        _pay(to, proposerBond);
    }

    /// Returns the bond of the open challenge of block `n` in batch `batch` to its
    /// challenger once that proposal was dropped (by the resolution of an earlier block).
    function reclaimChallengeBond(uint64 n, uint64 batch) external {
        Challenge storage c = challenges[n][batch];
        address to = c.challenger;
        if (c.status != Status.Challenged || !_dropped(n, batch)) revert NotDropped(n, batch);
        delete challenges[n][batch];
        emit BondReturned(to, challengerBond);
        _pay(to, challengerBond);
    }

    /// Finalizes pending blocks in order up to `upTo`: each must have no open challenge
    /// and either be defended or be past its challenge window. A batch's bond is returned
    /// when its last block is finalized.
    function finalize(uint64 upTo) external {
        if (upTo <= headNumber || upTo > pendingNumber) revert NotPending(upTo);
        for (uint64 k = headNumber + 1; k <= upTo; k++) {
            Proposal storage p = pending[k];
            Status status = challenges[k][p.batch].status;
            if (status == Status.Challenged) revert ChallengeOpen(k);
            uint256 until = uint256(p.proposedAt) + challengeWindow;
            if (status == Status.None && block.timestamp < until) revert WindowOpen(k, until);
            _settle(k, p.blockHash, p.stateRoot);
            lastAnchor = p.anchorBlock;
            lastTimestamp = p.timestamp;
            emit BlockFinalized(k, p.blockHash, p.stateRoot);
            Batch storage bt = batches[p.batch];
            if (bt.lastBlock == k) {
                if (!bt.slashed) _pay(bt.proposer, proposerBond);
                delete batches[p.batch];
            }
            delete challenges[k][p.batch];
            delete pending[k];
        }
    }

    /// Pending block `n`'s record (all zero when `n` is not pending).
    function pendingBlock(uint64 n) external view returns (Pending memory) {
        Pending memory r;
        if (n <= headNumber || n > pendingNumber) return r;
        Proposal storage p = pending[n];
        Challenge storage c = challenges[n][p.batch];
        return Pending(
            p.commitment,
            p.blockHash,
            p.stateRoot,
            p.proposedAt,
            p.batch,
            p.anchorBlock,
            p.timestamp,
            c.challenger,
            c.respondBy,
            c.status
        );
    }

    /// Batch `id` (all zero once its bond was settled).
    function batchInfo(uint64 id) external view returns (Batch memory) {
        return batches[id];
    }

    /// Pays `amount` to `to` with a bare transfer (the 2,300 gas stipend only: no re-entry),
    /// crediting it to `credit` if `to` refuses it.
    function _pay(address to, uint256 amount) private {
        if (amount == 0) return;
        (bool ok,) = payable(to).call{value: amount, gas: 0}("");
        if (!ok) credit[to] += amount;
    }

    /// Sends the caller's `credit` to `to`.
    function claimCredit(address payable to) external {
        uint256 amount = credit[msg.sender];
        credit[msg.sender] = 0;
        (bool ok,) = to.call{value: amount}("");
        if (!ok) revert DeliveryFailed();
    }
}
