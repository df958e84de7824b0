// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.28;

import {DefenceInputChecker} from "./lib/DefenceInputChecker.sol";
import {ExecuteResult} from "./lib/ExecuteResult.sol";
import {RollupCore} from "./RollupCore.sol";
import {ClaimTree} from "./lib/ClaimTree.sol";
import {BlobErrors, BlobVerifier} from "./lib/BlobData.sol";
import {OptimisticEvents} from "./lib/OptimisticEvents.sol";
import {OptimisticInbox} from "./OptimisticInbox.sol";

/// @title OptimisticRollup
/// @notice A native rollup settled optimistically: a bonded proposer posts batches of L2
///         blocks (their data in calldata or blobs); the contract commits each batch to one
///         Merkle root of per-block claims (`Claim`). Each block may be challenged within
///         `challengeWindow` of its batch's proposal, and a challenged block is kept only if
///         someone defends it within `responseWindow` by running it through the EXECUTE
///         precompile (EIP-8079) — the whole block is the one-step proof, its claim proven
///         against the batch root. Undefended, the block and every pending block after it
///         are dropped and its batch's bond is slashed. Batches whose window passed without
///         an open challenge are finalized in order, their last block (the batch tip) settled;
///         only settled state roots serve L2->L1 withdrawals. See docs/contracts.md,
///         "Optimistic native mode".
/// @dev Storage layout: RollupCore's first (the L2 proves `messageRoot`, slot 0).
contract OptimisticRollup is RollupCore, BlobErrors, OptimisticEvents {
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
        /// How many inbox entries the block's transactions start with (from the pending
        /// forced head, in order).
        uint64 forcedCount;
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
        /// As `Block.forcedCount`.
        uint64 forcedCount;
    }

    /// What a proposal claims for one block, computed by the contract at proposal; its
    /// leaf is keccak256(abi.encode(claim)).
    struct Claim {
        /// Claimed hash of block n-1 (the previous block of the batch, or the pending tip's
        /// hash when the batch was proposed).
        bytes32 parentHash;
        /// `dataHashOf(block)` for a calldata block, `BlobBlock.dataHash` for a blob block.
        bytes32 dataHash;
        /// Claimed block hash.
        bytes32 blockHash;
        /// Claimed state root.
        bytes32 stateRoot;
        /// blockhash(anchorBlock), taken at proposal.
        bytes32 anchorHash;
        /// L1 anchor block number.
        uint64 anchorBlock;
        /// L2 timestamp.
        uint64 timestamp;
        /// First inbox entry the block carries: its first `forcedTo - forcedFrom`
        /// transactions are entries forcedFrom.. in order.
        uint64 forcedFrom;
        /// One past the last inbox entry the block carries.
        uint64 forcedTo;
        /// L1->L2 messages the block's state must have delivered: `dueAt(anchorBlock)`.
        uint64 due;
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

    /// A pending block's dispute record, as `pendingBlock` returns it (its claims are in
    /// the proposing transaction's calldata, committed by its batch's root).
    struct Pending {
        /// Batch holding the block.
        uint64 batch;
        /// L1 timestamp of the batch's proposal.
        uint64 proposedAt;
        /// Challenger of an open or defended challenge.
        address challenger;
        /// Deadline of the defence (L1 timestamp, inclusive).
        uint64 respondBy;
        /// Dispute status.
        Status status;
    }

    /// A challenge of one block in one batch (keyed by block and batch, so that a challenge
    /// of a dropped proposal outlives its re-proposal).
    struct Challenge {
        address challenger;
        uint64 respondBy;
        Status status;
        /// Leaf of the claim whose blob record `proveBlobData` proved (zero: not proven).
        bytes32 provenLeaf;
    }

    /// A proposal of one or more blocks under one bond (five storage slots).
    struct Batch {
        /// Who posted it and gets the bond back (zero once the bond was returned).
        address proposer;
        /// Its first block.
        uint64 first;
        /// Blocks proposed (the Merkle tree's size; `resolve` does not change it).
        uint16 size;
        /// Blocks of the batch (up to `last`) with an open challenge.
        uint16 openChallenges;
        /// Its last block still pending (first - 1 once all were dropped by `resolve`).
        uint64 last;
        /// Anchor block of block `last` (claimed).
        uint64 tipAnchor;
        /// L2 timestamp of block `last` (claimed).
        uint64 tipTimestamp;
        /// L1 timestamp of the proposal.
        uint48 proposedAt;
        /// Its bond was slashed: nothing is returned when it finalizes.
        bool slashed;
        /// Its data is in blobs: `root` = keccak256(claimsRoot ‖ blobBinding).
        bool blob;
        /// Root of the claims' Merkle tree (for a blob batch, hashed with its blob binding).
        bytes32 root;
        /// Claimed hash of block `last`.
        bytes32 tipHash;
        /// Claimed state root of block `last`.
        bytes32 tipStateRoot;
    }

    /// The pending chain's tip as a proposal builds on it.
    struct Tip {
        uint64 number;
        bytes32 hash;
        uint256 anchor;
        uint64 timestamp;
        bytes32 stateRoot;
        /// The forced head before the batch.
        uint64 forcedFrom;
        /// The forced head after the blocks claimed so far.
        uint64 forced;
        /// `dueAt(dueAnchor)`.
        uint64 due;
        uint256 dueAnchor;
    }

    /// Most blocks one batch may hold.
    uint256 public constant MAX_BATCH_BLOCKS = 1024;

    /// Proposer (zero: anyone with a bond).
    address public immutable proposer;
    /// Seconds after a proposal during which its blocks may be challenged.
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
    /// Batch id of each block, eight 32-bit lanes per word (word n / 8, lane n % 8).
    mapping(uint256 => uint256) private batchWords;
    /// Challenges by block number, then batch id of the challenged proposal.
    mapping(uint64 => mapping(uint64 => Challenge)) private challenges;
    /// Per batch, one bit per block index (n - first) with an open challenge.
    mapping(uint64 => uint256[4]) private challengeBits;
    mapping(uint64 => Batch) private batches;
    /// Wei owed to addresses that refused a plain transfer (see `claimCredit`).
    mapping(address => uint256) public credit;

    /// Checks blobs and decodes records for `proveBlobData` (deployed by the constructor).
    BlobVerifier public immutable blobVerifier;
    /// Checks a defence's EXECUTE input against the claimed block (deployed by the
    /// constructor).
    DefenceInputChecker public immutable inputChecker;
    /// The forced-transaction inbox (deployed after the rollup, at the address given to the
    /// constructor: the rollup cannot propose until it exists).
    OptimisticInbox public immutable inbox;

    /// Binds the rollup to its L2 genesis, its dispute parameters and its inbox (`inbox_`:
    /// the address an `OptimisticInbox(address(this))` will be deployed at, in practice the
    /// deployer's next-but-one CREATE address after the rollup and its token bridge; the
    /// inbox's constructor checks that this rollup names it). `msg.value` backs the genesis
    /// L2 ETH held outside the messenger.
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
        uint256 forcedDelay_,
        address inbox_
    ) payable RollupCore(chainId_, gasLimit_, genesisHash, genesisStateRoot, maxTimestampLag_, forcedDelay_) {
        proposer = proposer_;
        challengeWindow = challengeWindow_;
        responseWindow = responseWindow_;
        proposerBond = proposerBond_;
        challengerBond = challengerBond_;
        blobVerifier = new BlobVerifier();
        inbox = OptimisticInbox(inbox_);
        inputChecker = new DefenceInputChecker(chainId_, gasLimit_, OptimisticInbox(inbox_));
    }

    /// Digest of a block's posted fields other than its claims: keccak256(abi.encode(
    /// timestamp, feeRecipient, prevRandao, keccak256(extraData), anchorBlock, txsHash)),
    /// `txsHash` = keccak256 of the concatenated keccak256 of each transaction
    /// (`nr_contracts::claims::data_hash`).
    function _dataHash(Block calldata b) private pure returns (bytes32) {
        return keccak256(
            abi.encode(
                b.timestamp, b.feeRecipient, b.prevRandao, keccak256(b.extraData), b.anchorBlock, _txsHash(_txHashes(b))
            )
        );
    }

    /// The keccak256 of each of `b`'s transactions, in order.
    function _txHashes(Block calldata b) private pure returns (bytes32[] memory hashes) {
        hashes = new bytes32[](b.transactions.length);
        for (uint256 k; k < hashes.length; k++) {
            hashes[k] = keccak256(b.transactions[k]);
        }
    }

    /// keccak256 of the concatenation of `hashes`.
    function _txsHash(bytes32[] memory hashes) private pure returns (bytes32) {
        return keccak256(abi.encodePacked(hashes));
    }

    /// A claim's Merkle leaf: keccak256(abi.encode(c)).
    function _leaf(Claim calldata c) private pure returns (bytes32) {
        return keccak256(abi.encode(c));
    }

    /// Posts `blocks` on top of the pending tip (the latest pending block, or the
    /// finalized head), bonded by `msg.value == proposerBond`, as one batch. Cheap checks
    /// only: anchors non-decreasing and within the last 256 L1 blocks, timestamps
    /// non-decreasing, not in the future, not staler than `maxTimestampLag`; and rule 5's
    /// forced-entry counts (`inbox.consume`: a block taking no entry while one is due
    /// refuses the batch). Each claim gets its forced range and `due = dueAt(anchorBlock)`.
    /// Execution is checked only if a block is challenged. `parent` and `forcedFrom` are
    /// what the proposer built on: the pending tip's hash and the inbox's head; the
    /// proposal reverts if either moved (`StaleTip`, `StaleForcedHead`), so a transaction
    /// landing first (a copied proposal, a prune of an entry the batch carries) can make
    /// an honest proposal fail, never make it claim what its blocks do not carry.
    function propose(Block[] calldata blocks, bytes32 parent, uint64 forcedFrom) external payable {
        uint64[] memory counts = new uint64[](blocks.length);
        for (uint256 i; i < blocks.length; i++) {
            counts[i] = blocks[i].forcedCount;
        }
        Tip memory t = _open(counts, parent, forcedFrom);
        bytes32[] memory leaves = new bytes32[](blocks.length);
        for (uint256 i; i < blocks.length; i++) {
            Block calldata b = blocks[i];
            leaves[i] = _claim(t, b.anchorBlock, b.timestamp, _dataHash(b), b.blockHash, b.stateRoot, b.forcedCount);
        }
        _store(leaves, t, ClaimTree.root(leaves), false);
    }

    /// `propose` with the blocks' data in the blobs of this (type-3) transaction: one
    /// record per block, block i's ending at payload byte `blocks[i].end`, the payload
    /// packed 31 bytes per field element over the transaction's blobs in order. Same bond
    /// and checks as `propose`; each block's claim carries its claimed `dataHash`, and the
    /// batch root is keccak256(claimsRoot ‖ keccak256(abi.encode(ends, versionedHashes))),
    /// against which `proveBlobData` checks the blobs in a dispute.
    function proposeBlobs(BlobBlock[] calldata blocks, bytes32 parent, uint64 forcedFrom) external payable {
        uint64[] memory counts = new uint64[](blocks.length);
        for (uint256 i; i < blocks.length; i++) {
            counts[i] = blocks[i].forcedCount;
        }
        Tip memory t = _open(counts, parent, forcedFrom);
        uint256 blobs;
        while (blobhash(blobs) != bytes32(0)) blobs++;
        if (blobs == 0) revert NoBlobs();
        bytes32[] memory hashes = new bytes32[](blobs);
        for (uint256 i; i < blobs; i++) {
            hashes[i] = blobhash(i);
        }
        uint32[] memory ends = new uint32[](blocks.length);
        bytes32[] memory leaves = new bytes32[](blocks.length);
        uint64 first = t.number + 1;
        uint256 prevEnd;
        for (uint256 i; i < blocks.length; i++) {
            BlobBlock calldata b = blocks[i];
            if (b.end <= prevEnd) revert BadRecordEnd(i);
            if (b.end - prevEnd > BLOB_PAYLOAD_BYTES) revert RecordTooLong(i, b.end - prevEnd);
            prevEnd = b.end;
            ends[i] = b.end;
            leaves[i] = _claim(t, b.anchorBlock, b.timestamp, b.dataHash, b.blockHash, b.stateRoot, b.forcedCount);
        }
        if (prevEnd > blobs * BLOB_PAYLOAD_BYTES) revert BadRecordEnd(blocks.length - 1);
        bytes32 binding = keccak256(abi.encode(ends, hashes));
        uint64 batch = _store(leaves, t, ClaimTree.hashPair(ClaimTree.root(leaves), binding), true);
        emit BlobBatchProposed(batch, first, ends, hashes);
    }

    /// The bond and size checks of a proposal of blocks taking `counts` forced entries
    /// each (the inbox takes them: `consume`, from head `forcedFrom`); the pending tip it
    /// builds on, which must be `parent`.
    function _open(uint64[] memory counts, bytes32 parent, uint64 forcedFrom) private returns (Tip memory t) {
        uint256 count = counts.length;
        if (proposer != address(0) && msg.sender != proposer) revert NotProposer();
        // Followers read a batch from its transaction's calldata with standard JSON-RPC:
        // only a codeless account calling the rollup directly may propose (tx.origin alone
        // is not enough once an EIP-7702 account can carry code).
        if (msg.sender != tx.origin || msg.sender.code.length != 0) revert NotTopLevelCall();
        if (msg.value != proposerBond) revert WrongBond(msg.value, proposerBond);
        if (count == 0) revert NoBlocks();
        if (count > MAX_BATCH_BLOCKS) revert TooManyBlocks(count, MAX_BATCH_BLOCKS);
        t.number = pendingNumber;
        if (t.number == headNumber) {
            (t.hash, t.anchor, t.timestamp) = (headHash, lastAnchor, lastTimestamp);
        } else {
            Batch storage b = batches[batchOf(t.number)];
            (t.hash, t.anchor, t.timestamp) = (b.tipHash, b.tipAnchor, b.tipTimestamp);
        }
        if (t.hash != parent) revert StaleTip(parent, t.hash);
        t.forcedFrom = inbox.consume(msg.sender, counts, forcedFrom);
        t.forced = t.forcedFrom;
        t.dueAnchor = type(uint256).max;
    }

    /// The cheap checks of the next proposed block on top of `t`, and its claim's leaf;
    /// advances `t` to it.
    function _claim(
        Tip memory t,
        uint256 anchorBlock,
        uint64 time,
        bytes32 dataHash,
        bytes32 blockHash,
        bytes32 stateRoot,
        uint64 forcedCount
    ) private view returns (bytes32 leaf) {
        if (anchorBlock < t.anchor) revert AnchorBackwards();
        if (anchorBlock >= block.number || block.number - anchorBlock > 256) revert AnchorOutOfWindow();
        bytes32 anchorHash = blockhash(anchorBlock);
        if (anchorHash == bytes32(0)) revert WrongAnchor();
        if (time > block.timestamp) revert FutureTimestamp();
        if (uint256(time) + maxTimestampLag < block.timestamp || time < t.timestamp) {
            revert StaleTimestamp();
        }
        if (anchorBlock != t.dueAnchor) {
            t.due = uint64(dueAt(anchorBlock));
            t.dueAnchor = anchorBlock;
        }
        uint64 from = t.forced;
        t.forced = from + forcedCount;
        // keccak256(abi.encode(claim)) in scratch memory past the free pointer (no
        // allocation per block). Tip's words: hash at 0x20, forced at 0xc0, due at 0xe0.
        assembly ("memory-safe") {
            let p := mload(0x40)
            mstore(p, mload(add(t, 0x20)))
            mstore(add(p, 0x20), dataHash)
            mstore(add(p, 0x40), blockHash)
            mstore(add(p, 0x60), stateRoot)
            mstore(add(p, 0x80), anchorHash)
            mstore(add(p, 0xa0), anchorBlock)
            mstore(add(p, 0xc0), time)
            mstore(add(p, 0xe0), from)
            mstore(add(p, 0x100), mload(add(t, 0xc0)))
            mstore(add(p, 0x120), mload(add(t, 0xe0)))
            leaf := keccak256(p, 0x140)
        }
        t.number++;
        t.hash = blockHash;
        t.stateRoot = stateRoot;
        t.anchor = anchorBlock;
        t.timestamp = time;
    }

    /// Stores a batch of `leaves.length` blocks ending at tip `t` under `root`: its record
    /// and its id in the blocks' lanes (each word built in memory, stored once).
    function _store(bytes32[] memory leaves, Tip memory t, bytes32 root, bool blob) private returns (uint64 batch) {
        batch = batchCount + 1;
        uint64 last = t.number;
        uint64 first = last - uint64(leaves.length) + 1;
        batches[batch] = Batch({
            proposer: msg.sender,
            first: first,
            size: uint16(leaves.length),
            openChallenges: 0,
            last: last,
            tipAnchor: uint64(t.anchor),
            tipTimestamp: t.timestamp,
            proposedAt: uint48(block.timestamp),
            slashed: false,
            blob: blob,
            root: root,
            tipHash: t.hash,
            tipStateRoot: t.stateRoot
        });
        // Lanes below `first` in its word are live blocks of earlier batches: kept. Lanes
        // above `last` in its word are dropped blocks: cleared.
        uint256 word = batchWords[first / 8] & ((uint256(1) << (32 * (first % 8))) - 1);
        for (uint64 k = first; k <= last; k++) {
            word |= uint256(batch) << (32 * (k % 8));
            if (k % 8 == 7 || k == last) {
                batchWords[k / 8] = word;
                word = 0;
            }
        }
        pendingNumber = last;
        batchCount = batch;
        emit BatchProposed(batch, first, last, root, t.forcedFrom);
    }

    /// Id of the batch that last proposed block `n` (0 if none; pending only if
    /// headNumber < n <= pendingNumber).
    function batchOf(uint64 n) public view returns (uint64) {
        return uint64((batchWords[n / 8] >> (32 * (n % 8))) & type(uint32).max);
    }

    /// Proves, for challenged block `n` of blob batch `batch`, that its record in the
    /// batch's blobs decodes to its claimed data hash. `claim` is n's claim and `proof` its
    /// Merkle proof with the batch's blob binding as its last element; `ends` and
    /// `versionedHashes` are the batch's (as `BlobBatchProposed` logged them; they must hash
    /// to that binding); `openings` are the blobs the record spans, in order, each with its
    /// KZG commitment and the KZG proof of its value at z = keccak256(blob ‖ versionedHash)
    /// mod BLS_MODULUS (the value is computed here from the blob and checked with the
    /// point-evaluation precompile). Anyone may call it; `defend` of a blob block requires it.
    function proveBlobData(
        uint64 n,
        uint64 batch,
        Claim calldata claim,
        bytes32[] calldata proof,
        uint32[] calldata ends,
        bytes32[] calldata versionedHashes,
        BlobVerifier.BlobOpening[] calldata openings
    ) external {
        // Read by `blobVerifier` from this call's calldata.
        (claim, proof, ends, versionedHashes, openings);
        _proveBlobData(n, batch);
    }

    /// `proveBlobData` (its arguments checked by `blobVerifier`, from this call's calldata).
    function _proveBlobData(uint64 n, uint64 batch) private {
        Batch storage bt = _live(n, batch);
        Challenge storage c = challenges[n][batch];
        if (c.status != Status.Challenged) revert NoOpenChallenge(n);
        if (!bt.blob) revert NotBlobBatch(n);
        // The verifier takes this call's arguments as they are: forward the calldata under
        // its selector (one copy of the blobs in memory).
        bytes memory data = msg.data;
        bytes4 selector = BlobVerifier.proveClaim.selector;
        assembly ("memory-safe") {
            let p := add(data, 0x20)
            mstore(p, or(and(mload(p), shr(32, not(0))), selector))
        }
        (bool ok, bytes memory ret) = address(blobVerifier).staticcall(data);
        if (!ok || ret.length != 32) {
            assembly ("memory-safe") {
                revert(add(ret, 0x20), mload(ret))
            }
        }
        c.provenLeaf = abi.decode(ret, (bytes32));
        emit BlobDataProven(n, msg.sender);
    }

    /// Challenges block `n` of batch `batch` with `msg.value == challengerBond` while the
    /// batch's challenge window is open; someone must then defend it within `responseWindow`.
    function challenge(uint64 n, uint64 batch) external payable {
        Batch storage bt = _live(n, batch);
        if (msg.value != challengerBond) revert WrongBond(msg.value, challengerBond);
        uint256 closes = uint256(bt.proposedAt) + challengeWindow;
        if (block.timestamp >= closes) revert ChallengeWindowClosed(n, closes);
        Challenge storage c = challenges[n][batch];
        if (c.status != Status.None) revert AlreadyChallenged(n);
        uint256 respondBy = block.timestamp + responseWindow;
        c.status = Status.Challenged;
        c.challenger = msg.sender;
        c.respondBy = uint64(respondBy);
        uint256 i = n - bt.first;
        challengeBits[batch][i / 256] |= uint256(1) << (i % 256);
        bt.openChallenges++;
        emit BlockChallenged(n, msg.sender, respondBy);
    }

    /// Batch `batch`, which must hold pending block `n`.
    function _live(uint64 n, uint64 batch) private view returns (Batch storage) {
        if (n <= headNumber || n > pendingNumber) revert NotPending(n);
        if (batchOf(n) != batch) revert WrongBatch(n, batch);
        return batches[batch];
    }

    /// Checks that `leaf` is block `n`'s in batch `bt` with `proof` (siblings bottom-up,
    /// plus the blob binding on top for a blob batch).
    function _verify(uint64 n, Batch storage bt, bytes32 leaf, bytes32[] calldata proof) private view {
        if (ClaimTree.rootOf(leaf, n - bt.first, bt.size, bt.blob, proof) != bt.root) revert WrongProof(n);
    }

    /// Defends challenged block `n` of batch `batch` until its `respondBy`: `claim` must be
    /// n's claim (proven by `proof` against the batch root; for a blob block, the claim
    /// `proveBlobData` proved, `proof` unused), `posted` the block it claims (its data
    /// hash, block hash, state root, timestamp and anchor), and `input`, EXECUTE's wire
    /// input, must describe exactly that block on top of the claim's parent hash with the
    /// claim's anchor hash; then EXECUTE must accept it. Rule 5 (`inbox.checkDefence`):
    /// the block's transactions start with the inbox entries [claim.forcedFrom,
    /// claim.forcedTo) in order, and if `claim.due > 0`, `delivery` (abi.encode(bytes[]
    /// accountProof, bytes[] storageProof) of `L2Messenger.deliveredPrefix` at the claimed
    /// state root; empty otherwise) shows at least `claim.due` L1->L2 messages delivered.
    /// The challenger's bond goes to the caller. Anyone may defend.
    function defend(
        uint64 n,
        uint64 batch,
        Claim calldata claim,
        bytes32[] calldata proof,
        Block calldata posted,
        bytes calldata input,
        bytes calldata delivery
    ) external {
        Batch storage bt = _live(n, batch);
        Challenge storage c = challenges[n][batch];
        if (c.status != Status.Challenged) revert NoOpenChallenge(n);
        if (block.timestamp > c.respondBy) revert ResponseWindowClosed(n, c.respondBy);
        bytes32 leaf = _leaf(claim);
        if (bt.blob) {
            if (c.provenLeaf == bytes32(0)) revert BlobDataNotProven(n);
            if (c.provenLeaf != leaf) revert WrongProof(n);
        } else {
            _verify(n, bt, leaf, proof);
        }
        // Read by `inputChecker` from this call's calldata.
        (posted, delivery);
        _checkAndExecute(input);
        c.status = Status.Defended;
        uint256 i = n - bt.first;
        challengeBits[batch][i / 256] &= ~(uint256(1) << (i % 256));
        bt.openChallenges--;
        emit BlockDefended(n, msg.sender);
        _pay(msg.sender, challengerBond);
    }

    /// Has `inputChecker` check this `defend` call (its calldata forwarded under
    /// `checkDefence`'s selector: the posted block, rule 5, `input` against both), then
    /// runs EXECUTE on `input` and checks the result. Both calls read the one memory copy
    /// of the calldata (the memory cost of a large input is paid once).
    function _checkAndExecute(bytes calldata input) private view {
        bytes memory data = msg.data;
        bytes4 selector = DefenceInputChecker.checkDefence.selector;
        assembly ("memory-safe") {
            let p := add(data, 0x20)
            mstore(p, or(and(mload(p), shr(32, not(0))), selector))
        }
        (bool ok, bytes memory ret) = address(inputChecker).staticcall(data);
        if (!ok) {
            assembly ("memory-safe") {
                revert(add(ret, 0x20), mload(ret))
            }
        }
        address execute = EXECUTE;
        bytes memory out;
        assembly ("memory-safe") {
            // `input` sits in the copy at its calldata offset.
            ok := staticcall(gas(), execute, add(add(data, 0x20), input.offset), input.length, 0, 0)
            out := mload(0x40)
            mstore(out, returndatasize())
            returndatacopy(add(out, 0x20), 0, returndatasize())
            mstore(0x40, add(add(out, 0x20), and(add(returndatasize(), 0x1f), not(0x1f))))
        }
        ExecuteResult.check(ok, out, chainId);
    }

    /// Drops challenged block `n` of batch `batch`, left undefended past its `respondBy`,
    /// and every pending block after it (proposals continue from block n-1). When n is not
    /// the batch's first block, `prev` is block n-1's claim, proven by `prevProof`: it
    /// becomes the batch's tip and the inbox's pending head goes back to its `forcedTo`;
    /// otherwise the batch is left empty and `prev` is block n's own claim (proven at index
    /// 0): the head goes back to its `forcedFrom` (`inbox.rollback`). Half of the batch's bond goes to the challenger with its own bond back,
    /// half is burned (sent to address(0)); a batch is slashed once, so a later resolve
    /// in an already slashed batch returns the challenger's own bond only. Bonds of later dropped batches and of
    /// challenges of later dropped blocks are returned on request (`reclaimBond`,
    /// `reclaimChallengeBond`), so that `resolve` costs the same whatever follows block n.
    function resolve(uint64 n, uint64 batch, Claim calldata prev, bytes32[] calldata prevProof) external {
        Batch storage bt = _live(n, batch);
        Challenge storage c = challenges[n][batch];
        if (c.status != Status.Challenged) revert NoOpenChallenge(n);
        if (block.timestamp <= c.respondBy) revert ResponseWindowOpen(n, c.respondBy);
        if (n > bt.first) {
            _verify(n - 1, bt, _leaf(prev), prevProof);
            (bt.tipHash, bt.tipStateRoot, bt.tipAnchor, bt.tipTimestamp) =
                (prev.blockHash, prev.stateRoot, prev.anchorBlock, prev.timestamp);
            inbox.rollback(prev.forcedTo);
        } else {
            _verify(n, bt, _leaf(prev), prevProof);
            inbox.rollback(prev.forcedFrom);
        }
        address challenger = c.challenger;
        delete challenges[n][batch];
        bt.openChallenges = _truncateChallenges(batch, n - bt.first);
        // A batch's bond is slashed once: a later resolve in the same batch (a lower block
        // also left undefended) returns the challenger's own bond only.
        bool slashedBefore = bt.slashed;
        bt.slashed = true;
        bt.last = n - 1;
        uint64 last = pendingNumber;
        pendingNumber = n - 1;
        emit BlockDropped(n, last, challenger);
        if (slashedBefore) {
            _pay(challenger, challengerBond);
            return;
        }
        uint256 half = proposerBond / 2;
        _pay(challenger, challengerBond + half);
        (bool burned,) = address(0).call{value: proposerBond - half}("");
        if (!burned) revert DeliveryFailed();
    }

    /// Clears batch `batch`'s open-challenge bits from index `from` on (dropped blocks:
    /// their challenges are reclaimed apart) and counts those left.
    function _truncateChallenges(uint64 batch, uint256 from) private returns (uint16 count) {
        uint256[4] storage bits = challengeBits[batch];
        for (uint256 w; w < 4; w++) {
            uint256 word = bits[w];
            if (word == 0) continue;
            if (from <= w * 256) {
                word = 0;
            } else if (from < (w + 1) * 256) {
                word &= (uint256(1) << (from - w * 256)) - 1;
            }
            bits[w] = word;
            while (word != 0) {
                word &= word - 1;
                count++;
            }
        }
    }

    /// Whether the proposal of block `n` in batch `batch` is not pending: dropped (past
    /// the pending tip, or replaced by a later proposal), or finalized.
    function _dropped(uint64 n, uint64 batch) private view returns (bool) {
        return n <= headNumber || n > pendingNumber || batchOf(n) != batch;
    }

    /// Returns the bond of batch `batch` to its proposer once all of it was dropped after
    /// an earlier block's successful challenge (a slashed batch gets nothing back).
    function reclaimBond(uint64 batch) external {
        Batch storage b = batches[batch];
        address to = b.proposer;
        if (to == address(0) || b.slashed || !_dropped(b.last, batch)) revert NotDropped(b.last, batch);
        delete batches[batch];
        delete challengeBits[batch];
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

    /// Finalizes whole batches in order up to block `upTo`, which must be a batch's last
    /// block: each batch must have no open challenge and be past its challenge window
    /// (defended blocks do not hold it back). Each batch's tip is settled (its hash and
    /// state root, as claimed) and its bond returned unless slashed.
    function finalize(uint64 upTo) external {
        uint64 k = headNumber + 1;
        if (upTo < k || upTo > pendingNumber) revert NotPending(upTo);
        while (true) {
            uint64 id = batchOf(k);
            Batch storage bt = batches[id];
            uint64 last = bt.last;
            if (last > upTo) revert NotBatchEnd(upTo);
            if (bt.openChallenges != 0) revert ChallengeOpen(k);
            uint256 until = uint256(bt.proposedAt) + challengeWindow;
            if (block.timestamp < until) revert WindowOpen(k, until);
            (bytes32 tipHash, bytes32 tipStateRoot) = (bt.tipHash, bt.tipStateRoot);
            _settle(last, tipHash, tipStateRoot);
            emit BatchFinalized(id, last, tipHash, tipStateRoot);
            address to = bt.proposer;
            bt.proposer = address(0);
            if (!bt.slashed) _pay(to, proposerBond);
            if (last == upTo) {
                lastAnchor = bt.tipAnchor;
                lastTimestamp = bt.tipTimestamp;
                return;
            }
            k = last + 1;
        }
    }

    /// State root of settled L2 block `number`: only batch tips (and genesis) are settled,
    /// within the last ROOT_HISTORY blocks.
    function stateRootAt(uint64 number) public view override returns (bytes32) {
        _checkSettled(number);
        return super.stateRootAt(number);
    }

    /// Hash of settled L2 block `number`: only batch tips (and genesis) are settled, within
    /// the last ROOT_HISTORY blocks.
    function blockHashAt(uint64 number) public view override returns (bytes32) {
        _checkSettled(number);
        return super.blockHashAt(number);
    }

    /// Reverts with `UnknownStateRoot` unless `number` is finalized and the last block of
    /// its batch (block 0: batch 0, last 0).
    function _checkSettled(uint64 number) private view {
        if (number > headNumber || batches[batchOf(number)].last != number) revert UnknownStateRoot();
    }

    /// The pending tip: latest pending block (or the finalized head), its claimed hash,
    /// anchor block and L2 timestamp (what the next proposal builds on).
    function pendingTip() external view returns (uint64 number, bytes32 blockHash, uint64 anchorBlock, uint64 timestamp) {
        number = pendingNumber;
        if (number == headNumber) return (number, headHash, uint64(lastAnchor), lastTimestamp);
        Batch storage b = batches[batchOf(number)];
        return (number, b.tipHash, b.tipAnchor, b.tipTimestamp);
    }

    /// The pending tip's claimed state root (the finalized head's when nothing is pending).
    function pendingStateRoot() external view returns (bytes32) {
        uint64 number = pendingNumber;
        if (number == headNumber) return super.stateRootAt(number);
        return batches[batchOf(number)].tipStateRoot;
    }

    /// Pending block `n`'s dispute record (all zero when `n` is not pending).
    function pendingBlock(uint64 n) external view returns (Pending memory r) {
        if (n <= headNumber || n > pendingNumber) return r;
        uint64 batch = batchOf(n);
        Challenge storage c = challenges[n][batch];
        return Pending(batch, batches[batch].proposedAt, c.challenger, c.respondBy, c.status);
    }

    /// Batch `id` (proposer zero once its bond was returned; all zero once reclaimed).
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
