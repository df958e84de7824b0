// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.28;

import {ForcedEntry, ForcedDropReason, ForcedInboxCore} from "./lib/ForcedInboxCore.sol";
import {MerkleTrie} from "./lib/MerkleTrie.sol";
import {RLPReader} from "./lib/RLPReader.sol";

/// What the inbox reads of its rollup: its parameters and the pending tip the next
/// proposal builds on.
interface IInboxRollup {
    /// The inbox the rollup was deployed with.
    function inbox() external view returns (address);
    /// L2 chain id.
    function chainId() external view returns (uint64);
    /// L2 block gas limit.
    function gasLimit() external view returns (uint64);
    /// L1 blocks after which a forced transaction or an L1->L2 message is due.
    function forcedDelay() external view returns (uint256);
    /// The pending tip's number, claimed hash, anchor block and L2 timestamp.
    function pendingTip() external view returns (uint64 number, bytes32 blockHash, uint64 anchorBlock, uint64 timestamp);
    /// The pending tip's claimed state root.
    function pendingStateRoot() external view returns (bytes32);
}

/// @title OptimisticInbox
/// @notice The forced-transaction inbox of an `OptimisticRollup` (created by its
///         constructor argument, deployed after it; found through `rollup.inbox()`): the same submission as
///         `NativeRollup`'s (`ForcedInboxCore`), and the rule 5 bookkeeping of the optimistic
///         mode, where nothing is executed at proposal: each proposed block says how many
///         entries its transactions start with (`consume`, refusing a block that takes none
///         while the head entry is due), a defence proves that prefix and the delivery of
///         due L1->L2 messages (`checkDefence`), a dropped block gives its entries back
///         (`rollback`), and an entry no block can carry is dropped on the pending tip's
///         state (`pruneForced`). Protocol: docs/contracts.md, "Forced inclusion in
///         optimistic mode".
contract OptimisticInbox is ForcedInboxCore {
    using RLPReader for RLPReader.Item;

    /// Storage slot of `L2Messenger.deliveredPrefix` (proven by `deliveredAt`).
    uint256 public constant DELIVERED_PREFIX_SLOT = 5;
    /// The L2 messenger predeploy.
    address public constant L2_MESSENGER = 0x0000000000000000000000000000000000008079;

    /// The rollup: the only caller of `consume` and `rollback`.
    address public immutable rollup;
    /// L2 chain id.
    uint64 public immutable chainId;
    /// Gas cap of one forced transaction: min(L2 block gas limit, EIP-7825's 2^24).
    uint256 public immutable maxTxGas;
    /// L1 blocks after which a forced transaction is due (and, as long again, expired).
    uint256 public immutable forcedDelay;

    mapping(uint256 => ForcedEntry) private forced;
    /// The pending head: the first entry not taken by a pending or settled block nor
    /// dropped (lowered again by `rollback` when blocks are dropped).
    uint64 public forcedHead;
    /// Number of forced entries ever submitted.
    uint64 public forcedCount;
    /// Entries below this index have had their fee paid (each fee is paid once: to the
    /// first proposer that takes the entry or to its pruner, even if given back later).
    uint64 public feesPaidTo;
    /// L1 block of the last `rollback` (a dropped block's resolution; in the slot of the
    /// head): no entry expires before `forcedDelay` L1 blocks after it (`pruneForced`).
    uint64 private rolledBackAt;
    /// Fees owed (credited by `consume`, or when a plain transfer was refused), withdrawn
    /// with `claimFees`.
    mapping(address => uint256) public feeCredit;

    /// The caller is not the rollup (or, at deployment, the rollup does not name this inbox).
    error NotRollup();
    /// The proposal counted its forced entries from head `expected`, but the head is `head`
    /// (a prune, a rollback or another proposal landed first).
    error StaleForcedHead(uint64 expected, uint64 head);
    /// Block `blockIndex` of the batch takes `count` entries but only `available` are left.
    error ForcedCountTooHigh(uint256 blockIndex, uint256 count, uint256 available);
    /// The defended block's transaction `index` is not its claimed forced entry (or the
    /// block has fewer transactions than it claims entries: `index` = its length).
    error ForcedPrefixMismatch(uint256 index);
    /// The block's state has delivered `delivered` L1->L2 messages where `due` are due.
    error MessagesDue(uint256 due, uint256 delivered);
    /// `tipHeader` is not the pending tip's header.
    error WrongTipHeader();
    /// A fee transfer failed.
    error TransferFailed();

    /// Binds the inbox to `rollup_`, which must name this address as its inbox, and takes
    /// its parameters from it.
    constructor(address rollup_) {
        if (IInboxRollup(rollup_).inbox() != address(this)) revert NotRollup();
        rollup = rollup_;
        chainId = IInboxRollup(rollup_).chainId();
        uint64 gasLimit_ = IInboxRollup(rollup_).gasLimit();
        maxTxGas = gasLimit_ < (1 << 24) ? gasLimit_ : (1 << 24);
        forcedDelay = IInboxRollup(rollup_).forcedDelay();
    }

    /// Submits a signed EIP-1559 L2 transaction: from L1 block `block.number + forcedDelay`
    /// on, every proposed block must start with it (see `consume`) until it is taken or
    /// dropped. Same checks, fee and event as `NativeRollup.forceInclude`.
    function forceInclude(bytes calldata rawTx) external payable returns (uint256 index) {
        index = forcedCount;
        forced[index] = _submitForced(rawTx, index, chainId, maxTxGas, forcedDelay);
        forcedCount = uint64(index + 1);
    }

    /// Forced entry `i` (taken, dropped or pending; all zero if never submitted).
    function forcedEntry(uint256 i) external view returns (ForcedEntry memory) {
        return forced[i];
    }

    /// Rollup only, at every proposal: block k of the batch takes entries [head, head +
    /// counts[k]) from the pending head, in order; a block taking none while the head entry
    /// is due (`block.number >= deadline`) refuses the batch (`ForcedTransactionDue`).
    /// Credits the fees of entries taken for the first time to `proposer_`. The head must
    /// be `expected`, the one the proposer counted from (`StaleForcedHead` otherwise: a
    /// prune landing first must not shift the batch's ranges). Returns it (the first
    /// block's `forcedFrom`).
    function consume(address proposer_, uint64[] calldata counts, uint64 expected) external returns (uint64 from) {
        if (msg.sender != rollup) revert NotRollup();
        (uint64 head, uint64 count) = (forcedHead, forcedCount);
        if (head != expected) revert StaleForcedHead(expected, head);
        from = head;
        for (uint256 k; k < counts.length; k++) {
            uint64 c = counts[k];
            if (c == 0) {
                if (head < count && block.number >= forced[head].deadline) revert ForcedTransactionDue(head);
            } else {
                if (c > count - head) revert ForcedCountTooHigh(k, c, count - head);
                head += c;
            }
        }
        if (head == from) return from;
        forcedHead = head;
        uint64 paid = feesPaidTo;
        if (head <= paid) return from;
        uint256 fees;
        for (uint256 i = paid > from ? paid : from; i < head; i++) {
            fees += forced[i].fee;
        }
        feesPaidTo = head;
        feeCredit[proposer_] += fees;
    }

    /// Rollup only, at `resolve`: lowers the pending head to `head` (entries taken by the
    /// dropped blocks, and entries pruned since, come back) and restarts the expiry clock:
    /// no entry expires before `forcedDelay` L1 blocks from now (while a dropped block was
    /// pending, no honest proposal could carry the entries; without this, a proposer
    /// front-running honest proposals with undefendable blocks could run an entry past
    /// its expiry and prune it).
    function rollback(uint64 head) external {
        if (msg.sender != rollup) revert NotRollup();
        rolledBackAt = uint64(block.number);
        if (head < forcedHead) forcedHead = head;
    }

    /// `defend`'s rule 5 checks of a block claiming entries [from, to) and `due` delivered
    /// L1->L2 messages: its transactions (their hashes `txHashes`) start with those entries
    /// in order, and, if `due > 0`, `deliveredAt(stateRoot, delivery) >= due`.
    function checkDefence(
        uint64 from,
        uint64 to,
        bytes32[] calldata txHashes,
        uint256 due,
        bytes32 stateRoot,
        bytes calldata delivery
    ) external view {
        uint256 n = to - from;
        if (txHashes.length < n) revert ForcedPrefixMismatch(txHashes.length);
        for (uint256 j; j < n; j++) {
            if (txHashes[j] != forced[from + j].txHash) revert ForcedPrefixMismatch(j);
        }
        if (due == 0) return;
        uint256 delivered = deliveredAt(stateRoot, delivery);
        if (delivered < due) revert MessagesDue(due, delivered);
    }

    /// `L2Messenger.deliveredPrefix` (slot `DELIVERED_PREFIX_SLOT` of `L2_MESSENGER`) in the
    /// state with root `stateRoot`: `delivery` = abi.encode(bytes[] accountProof, bytes[]
    /// storageProof), as `eth_getProof` returns them. Reverts on an invalid proof.
    function deliveredAt(bytes32 stateRoot, bytes calldata delivery) public pure returns (uint256) {
        (bytes[] memory accountProof, bytes[] memory storageProof) = abi.decode(delivery, (bytes[], bytes[]));
        bytes32 storageRoot = MerkleTrie.storageRoot(stateRoot, L2_MESSENGER, accountProof);
        return MerkleTrie.storageValue(storageRoot, bytes32(DELIVERED_PREFIX_SLOT), storageProof);
    }

    /// Drops the head entry when no block on the pending tip can carry it, paying its fee
    /// (if not paid yet) to the caller: `Expired` from L1 block `deadline + forcedDelay` on,
    /// and not before `forcedDelay` L1 blocks after the last `rollback` (no proof); `Nonce` / `Balance` when `accountProof` (non-empty) of its sender against
    /// the pending tip's claimed state root shows another nonce or a balance below its
    /// maximum cost (an absent account has 0/0); `Underpriced` when `tipHeader` (non-empty,
    /// RLP, hashing to the pending tip's hash) gives a next base fee above its fee cap.
    /// Judging on a claimed root is safe: if it is wrong, its block is dropped and `resolve`
    /// gives the entry back (`rollback`).
    function pruneForced(bytes[] calldata accountProof, bytes calldata tipHeader) external {
        uint256 i = forcedHead;
        if (i == forcedCount) revert NoForcedEntry();
        ForcedEntry storage e = forced[i];
        ForcedDropReason reason = ForcedDropReason.Expired;
        uint256 clock = e.deadline > rolledBackAt ? e.deadline : rolledBackAt;
        if (block.number < clock + forcedDelay) {
            reason = _invalidOnTip(e, accountProof, tipHeader);
            if (reason == ForcedDropReason.Expired) revert ForcedTxStillValid(i);
        }
        forcedHead = uint64(i + 1);
        emit ForcedDropped(i, reason);
        if (i < feesPaidTo) return;
        feesPaidTo = uint64(i + 1);
        uint256 fee = e.fee;
        (bool ok,) = payable(msg.sender).call{value: fee, gas: 0}("");
        if (!ok) feeCredit[msg.sender] += fee;
    }

    /// Why `e` cannot run first in the block after the pending tip, as far as the proofs
    /// given show (`Expired` standing for "valid").
    function _invalidOnTip(ForcedEntry storage e, bytes[] calldata accountProof, bytes calldata tipHeader)
        private
        view
        returns (ForcedDropReason)
    {
        if (accountProof.length != 0) {
            bytes32 root = IInboxRollup(rollup).pendingStateRoot();
            (uint256 nonce, uint256 balance) = MerkleTrie.accountState(root, e.sender, accountProof);
            if (nonce != e.nonce) return ForcedDropReason.Nonce;
            if (balance < e.maxCost) return ForcedDropReason.Balance;
        }
        if (tipHeader.length != 0 && e.maxFeePerGas < _nextBaseFee(tipHeader)) return ForcedDropReason.Underpriced;
        return ForcedDropReason.Expired;
    }

    /// The base fee of the block after the pending tip, whose RLP header is `tipHeader`
    /// (EIP-1559: elasticity 2, change denominator 8).
    function _nextBaseFee(bytes calldata tipHeader) private view returns (uint256) {
        (, bytes32 tipHash,,) = IInboxRollup(rollup).pendingTip();
        if (keccak256(tipHeader) != tipHash) revert WrongTipHeader();
        RLPReader.Item[] memory f = RLPReader.toItem(tipHeader).toList();
        if (f.length < 16) revert WrongTipHeader();
        (uint256 limit, uint256 used, uint256 base) = (f[9].toUint(), f[10].toUint(), f[15].toUint());
        uint256 target = limit / 2;
        if (target == 0 || used == target) return base;
        if (used > target) {
            uint256 up = base * (used - target) / target / 8;
            return base + (up == 0 ? 1 : up);
        }
        return base - base * (target - used) / target / 8;
    }

    /// Sends the caller's `feeCredit` to `to`.
    function claimFees(address payable to) external {
        uint256 amount = feeCredit[msg.sender];
        feeCredit[msg.sender] = 0;
        (bool ok,) = to.call{value: amount}("");
        if (!ok) revert TransferFailed();
    }
}
