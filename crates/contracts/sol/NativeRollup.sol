// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.28;

import {StatelessInputReader} from "./lib/StatelessInputReader.sol";
import {MerkleTrie} from "./lib/MerkleTrie.sol";
import {ExecuteResult} from "./lib/ExecuteResult.sol";
import {ForcedEntry, ForcedDropReason, ForcedInboxCore} from "./lib/ForcedInboxCore.sol";
import {RollupCore} from "./RollupCore.sol";

/// @title NativeRollup
/// @notice A native rollup settled by L1 re-execution: `advance` binds an L2 block to this
///         contract's own state (parent, number, gas limit, chain id), to an L1 anchor and to
///         time bounds, then verifies it with the EXECUTE precompile (EIP-8079, 0x0101).
///         It also carries L1->L2 messages (append-only keccak Merkle tree, root in slot 0)
///         and delivers L2->L1 messages proven against settled L2 state roots.
/// @dev Storage layout is part of the protocol: the L2 proves `messageRoot` (slot 0).
contract NativeRollup is RollupCore, ForcedInboxCore {
    // ---- after RollupCore's storage (message tree in slot 0, settled heads) ----
    /// L1 block number of the latest anchor.
    uint256 public lastAnchor;
    /// L1 timestamp of the latest settlement.
    uint256 public lastAdvanceTime;
    bool private transient xProvingDelivery;
    // ---- forced-transaction inbox (after every earlier slot) ----
    mapping(uint256 => ForcedEntry) private forced;
    /// Index of the first forced entry not yet included or dropped.
    uint256 public forcedHead;
    /// Number of forced entries ever submitted.
    uint256 public forcedCount;
    /// Fees owed to includers whose address refused a plain transfer (see `claimForcedFees`).
    mapping(address => uint256) public forcedFeeCredit;

    /// Storage slot of `L2Messenger.deliveredPrefix` (proven in `advanceWithDelivery`).
    uint256 public constant DELIVERED_PREFIX_SLOT = 5;

    /// Sequencer (zero: based mode, anyone may advance).
    address public immutable sequencer;
    /// Seconds without a settlement after which anyone may advance in sequenced mode.
    uint256 public immutable sequencerTimeout;

    /// An L2 block was settled.
    event BlockAdvanced(
        uint64 indexed number, bytes32 indexed blockHash, bytes32 stateRoot, uint256 anchorBlock, bytes32 payloadRoot
    );
    /// `deliveredMessages` was raised to `delivered`, proven at settled L2 block `l2Block`.
    event MessagesDelivered(uint256 delivered, uint64 indexed l2Block);
    error NotSequencer();
    /// `due` L1->L2 messages are due but only the first `delivered` are proven processed
    /// on L2: the block must deliver them (`advanceWithDelivery`).
    error MessagesDue(uint256 due, uint256 delivered);
    /// `advanceBatch` was given no block.
    error EmptyBatch();
    /// `advanceBatch` was given `inputs` and `anchors` anchor blocks.
    error BatchLengthMismatch(uint256 inputs, uint256 anchors);

    /// Binds the rollup to its L2 genesis; `msg.value` backs the genesis L2 ETH held outside
    /// the messenger (zero when the genesis gives none).
    constructor(
        uint64 chainId_,
        uint64 gasLimit_,
        bytes32 genesisHash,
        bytes32 genesisStateRoot,
        address sequencer_,
        uint256 sequencerTimeout_,
        uint256 maxTimestampLag_,
        uint256 forcedDelay_
    ) payable RollupCore(chainId_, gasLimit_, genesisHash, genesisStateRoot, maxTimestampLag_, forcedDelay_) {
        sequencer = sequencer_;
        sequencerTimeout = sequencerTimeout_;
        lastAdvanceTime = block.timestamp;
    }

    /// Settles the next L2 block. `input` is what EXECUTE takes: the 2-byte big-endian
    /// schema id `SCHEMA_ID`, then the SSZ StatelessInput;
    /// `anchorBlock` is the L1 block whose hash the L2 block carries as its
    /// parent_beacon_block_root.
    function advance(bytes calldata input, uint256 anchorBlock) external {
        _advance(input, anchorBlock);
    }

    function _advance(bytes calldata input, uint256 anchorBlock) private {
        if (
            sequencer != address(0) && msg.sender != sequencer
                && block.timestamp <= lastAdvanceTime + sequencerTimeout
        ) revert NotSequencer();
        StatelessInputReader.Block memory b = StatelessInputReader.read(input);
        if (b.parentHash != headHash) revert WrongParent();
        if (b.number != headNumber + 1) revert WrongNumber();
        if (b.gasLimit != gasLimit) revert WrongGasLimit();
        if (b.chainId != chainId) revert WrongChainId();
        if (b.withdrawalsBytes != 0 || b.blobGasUsed != 0 || b.excessBlobGas != 0 || b.versionedHashesBytes != 0) {
            revert L2IllegalField();
        }
        if (anchorBlock < lastAnchor) revert AnchorBackwards();
        if (anchorBlock >= block.number || block.number - anchorBlock > 256) revert AnchorOutOfWindow();
        bytes32 anchor = blockhash(anchorBlock);
        if (anchor == bytes32(0) || anchor != b.parentBeaconBlockRoot) revert WrongAnchor();
        if (b.timestamp > block.timestamp) revert FutureTimestamp();
        if (uint256(b.timestamp) + maxTimestampLag < block.timestamp) revert StaleTimestamp();
        _processForced(b, input);

        _checkDelivered();
        (bool ok, bytes memory out) = EXECUTE.staticcall(input);
        bytes32 payloadRoot = ExecuteResult.check(ok, out, chainId);

        _settle(b.number, b.blockHash, b.stateRoot);
        lastAnchor = anchorBlock;
        lastAdvanceTime = block.timestamp;
        emit BlockAdvanced(b.number, b.blockHash, b.stateRoot, anchorBlock, payloadRoot);
    }

    /// Settles the next L2 block exactly as `advance`, then proves `deliveredPrefix` of the
    /// L2 messenger in the new block's state (`accountProof` of the messenger,
    /// `storageProof` of slot `DELIVERED_PREFIX_SLOT`), raises `deliveredMessages` to it,
    /// and refuses the block if L1->L2 messages are still due (`MessagesDue`).
    function advanceWithDelivery(
        bytes calldata input,
        uint256 anchorBlock,
        bytes[] calldata accountProof,
        bytes[] calldata storageProof
    ) external {
        xProvingDelivery = true;
        _advance(input, anchorBlock);
        xProvingDelivery = false;
        _proveDelivered(accountProof, storageProof);
    }

    /// Settles K consecutive L2 blocks in one transaction: `inputs[i]` with anchor
    /// `anchorBlocks[i]` goes through exactly what `advance` does, in order (parent
    /// chaining, number, anchors non-decreasing, timestamps, the delivery check, EXECUTE,
    /// the ring buffer and `BlockAdvanced` for each). Any refused block reverts the batch.
    function advanceBatch(bytes[] calldata inputs, uint256[] calldata anchorBlocks) external {
        _checkBatch(inputs.length, anchorBlocks.length);
        _advanceAll(inputs, anchorBlocks);
    }

    /// Settles a batch as `advanceBatch`, then proves `deliveredPrefix` of the L2 messenger
    /// in the state of the batch's LAST block (as `advanceWithDelivery`) and refuses the
    /// whole batch if L1->L2 messages are still due (`MessagesDue`). The blocks before the
    /// last are not checked one by one: see docs/contracts.md, "Batched settlement".
    function advanceBatchWithDelivery(
        bytes[] calldata inputs,
        uint256[] calldata anchorBlocks,
        bytes[] calldata accountProof,
        bytes[] calldata storageProof
    ) external {
        _checkBatch(inputs.length, anchorBlocks.length);
        xProvingDelivery = true;
        _advanceAll(inputs, anchorBlocks);
        xProvingDelivery = false;
        _proveDelivered(accountProof, storageProof);
    }

    /// `_advance` of each block in order. Each block's memory (its input copied for the
    /// EXECUTE call, the decoded header, EXECUTE's output) is released after it: nothing
    /// allocated there outlives `_advance`, so a batch pays memory expansion for its
    /// largest block, not (quadratically) for the sum of its blocks.
    function _advanceAll(bytes[] calldata inputs, uint256[] calldata anchorBlocks) private {
        uint256 freeMemory;
        assembly ("memory-safe") {
            freeMemory := mload(0x40)
        }
        for (uint256 i; i < inputs.length; i++) {
            _advance(inputs[i], anchorBlocks[i]);
            assembly ("memory-safe") {
                mstore(0x40, freeMemory)
            }
        }
    }

    function _checkBatch(uint256 inputs, uint256 anchors) private pure {
        if (inputs == 0) revert EmptyBatch();
        if (inputs != anchors) revert BatchLengthMismatch(inputs, anchors);
    }

    /// Proves `deliveredPrefix` at the settled head, raises `deliveredMessages` to it, then
    /// refuses the settlement while a due message is still undelivered.
    function _proveDelivered(bytes[] calldata accountProof, bytes[] calldata storageProof) private {
        uint64 number = headNumber;
        bytes32 storageRoot = MerkleTrie.storageRoot(stateRootAt(number), L2_MESSENGER, accountProof);
        uint256 prefix = MerkleTrie.storageValue(storageRoot, bytes32(DELIVERED_PREFIX_SLOT), storageProof);
        if (prefix > deliveredMessages) {
            deliveredMessages = prefix;
            emit MessagesDelivered(prefix, number);
        }
        _checkDelivered();
    }

    /// Reverts with `MessagesDue` while a due L1->L2 message is not proven processed on L2
    /// (messages are in block order: it is enough to look at the first unproven one).
    function _checkDelivered() private view {
        if (xProvingDelivery) return;
        uint256 delivered = deliveredMessages;
        if (delivered >= messageCount) return;
        if (block.number < forcedDelay || messageBlock(delivered) > block.number - forcedDelay) return;
        revert MessagesDue(dueMessages(), delivered);
    }

    // ---------------------------------------------------------------- forced inbox

    /// Submits a signed EIP-1559 L2 transaction that every block settled from L1 block
    /// `block.number + forcedDelay` on must start with (see `_processForced`), unless it is
    /// dropped as invalid. `msg.value` (at least `forcedFee`) goes to whoever includes or
    /// drops it.
    function forceInclude(bytes calldata rawTx) external payable returns (uint256 index) {
        uint256 cap = gasLimit < TX_GAS_CAP ? gasLimit : TX_GAS_CAP;
        index = forcedCount;
        forced[index] = _submitForced(rawTx, index, chainId, cap, forcedDelay);
        forcedCount = index + 1;
    }

    /// Number of L1->L2 messages due: sent at least `forcedDelay` L1 blocks ago (sent at
    /// L1 block <= block.number - forcedDelay).
    function dueMessages() public view returns (uint256) {
        return dueAt(block.number);
    }

    /// Forced entry `i` (included, dropped or pending; all zero if never submitted).
    function forcedEntry(uint256 i) external view returns (ForcedEntry memory) {
        return forced[i];
    }

    /// The inclusion rule, applied to every block before EXECUTE: from `forcedHead`, each
    /// entry is included (it is the block's next transaction, by hash), or the walk stops
    /// at a not-yet-due entry, or a due entry whose fee cap is below the block's base fee
    /// is dropped, or a due entry expired (`forcedDelay` L1 blocks past its deadline) is
    /// dropped, or a due payable entry refuses the block if none was included in it
    /// (otherwise it waits, first in line, for the next block). Fees go to the caller.
    function _processForced(StatelessInputReader.Block memory b, bytes calldata input) private {
        uint256 i = forcedHead;
        uint256 count = forcedCount;
        if (i == count) return;
        StatelessInputReader.Transactions memory txs = StatelessInputReader.transactions(input);
        uint256 k;
        uint256 paid;
        for (; i < count; i++) {
            ForcedEntry storage e = forced[i];
            if (k < txs.count && StatelessInputReader.txHash(input, txs, k) == e.txHash) {
                k++;
                emit ForcedIncluded(i, b.number);
            } else if (block.number < e.deadline) {
                break;
            } else if (e.maxFeePerGas < txs.baseFee) {
                emit ForcedDropped(i, ForcedDropReason.Underpriced);
            } else if (block.number >= uint256(e.deadline) + forcedDelay) {
                emit ForcedDropped(i, ForcedDropReason.Expired);
            } else if (k == 0) {
                revert ForcedTransactionDue(i);
            } else {
                break;
            }
            paid += e.fee;
        }
        forcedHead = i;
        _payForcedFee(paid);
    }

    /// Drops the head forced entry when the account proof of its sender against the latest
    /// settled state root shows it cannot run as the next block's first transaction: its
    /// nonce is not the sender's next one, or the sender cannot pay its maximum cost.
    /// An absent account (exclusion proof) has nonce 0 and balance 0. Pays the entry's fee
    /// to the caller.
    function pruneForced(bytes[] calldata accountProof) external {
        uint256 i = forcedHead;
        if (i == forcedCount) revert NoForcedEntry();
        ForcedEntry storage e = forced[i];
        (uint256 nonce, uint256 balance) = MerkleTrie.accountState(stateRootAt(headNumber), e.sender, accountProof);
        ForcedDropReason reason;
        if (nonce != e.nonce) reason = ForcedDropReason.Nonce;
        else if (balance < e.maxCost) reason = ForcedDropReason.Balance;
        else revert ForcedTxStillValid(i);
        forcedHead = i + 1;
        emit ForcedDropped(i, reason);
        _payForcedFee(e.fee);
    }

    /// Pays `amount` of forced fees to the caller with a bare transfer (the 2,300 gas
    /// stipend only: no re-entry), crediting it to `forcedFeeCredit` if the caller refuses it.
    function _payForcedFee(uint256 amount) private {
        if (amount == 0) return;
        (bool ok,) = payable(msg.sender).call{value: amount, gas: 0}("");
        if (!ok) forcedFeeCredit[msg.sender] += amount;
    }

    /// Sends the caller's `forcedFeeCredit` to `to`.
    function claimForcedFees(address payable to) external {
        uint256 amount = forcedFeeCredit[msg.sender];
        forcedFeeCredit[msg.sender] = 0;
        (bool ok,) = to.call{value: amount}("");
        if (!ok) revert DeliveryFailed();
    }
}
