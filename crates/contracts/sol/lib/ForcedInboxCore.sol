// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.28;

import {ForcedTx} from "./ForcedTx.sol";

/// A forced L2 transaction waiting in an inbox: what the inclusion and pruning checks need
/// (the raw bytes are in the `ForcedTransaction` event). Declared at file level so that
/// each inbox's ABI (`NativeRollup`, `OptimisticInbox`) names it as its own.
struct ForcedEntry {
    /// keccak256 of the raw transaction: its L2 transaction hash.
    bytes32 txHash;
    /// Its signer.
    address sender;
    /// Its nonce.
    uint64 nonce;
    /// L1 block from which it is due.
    uint64 deadline;
    /// Its fee cap per gas.
    uint128 maxFeePerGas;
    /// Wei paid to whoever includes or drops it.
    uint256 fee;
    /// gasLimit * maxFeePerGas + value: the balance it needs.
    uint256 maxCost;
}

/// Why a forced entry was dropped.
enum ForcedDropReason {
    /// Due, but its fee cap is below the base fee of the block that should carry it.
    Underpriced,
    /// Its nonce is not its sender's next one in the state it was judged on.
    Nonce,
    /// Its sender cannot pay its maximum cost in the state it was judged on.
    Balance,
    /// Still not included `forcedDelay` L1 blocks after it became due (from L1 block
    /// `deadline + forcedDelay` on): no block could carry it (e.g. its witness makes a
    /// settlement or a defence exceed the L1 per-transaction gas cap), so it must not halt
    /// the rollup.
    Expired
}

/// @title ForcedInboxCore
/// @notice What every forced-transaction inbox shares (`NativeRollup`'s, settled by
///         re-execution, and `OptimisticInbox`, the optimistic rollup's): the submission
///         checks, the fee formula, the entry record and the events and errors. It declares
///         no storage, so deriving from it moves no storage slot of its users.
///         Protocol: docs/contracts.md, "Forced transactions".
abstract contract ForcedInboxCore {
    /// Largest raw forced transaction, in bytes.
    uint256 public constant MAX_FORCED_TX_BYTES = 4096;
    /// L1 gas one forced entry adds to `advance` (measured, docs/contracts.md), charged in
    /// `forcedFee` besides the transaction's own L2 gas and its calldata.
    uint256 public constant FORCED_ENTRY_GAS = 60_000;
    /// Least gas price `forcedFee` charges (a spam floor where the L1 base fee is tiny).
    uint256 public constant MIN_FORCED_GAS_PRICE = 1 gwei;

    /// A transaction entered the forced inbox; it is due from L1 block `deadline`.
    event ForcedTransaction(
        uint256 indexed index, bytes32 indexed txHash, address indexed sender, uint256 deadline, uint256 fee, bytes rawTx
    );
    /// Forced entry `index` was included in L2 block `l2Block`.
    event ForcedIncluded(uint256 indexed index, uint64 indexed l2Block);
    /// Forced entry `index` was dropped without inclusion.
    event ForcedDropped(uint256 indexed index, ForcedDropReason reason);

    /// The raw forced transaction is empty or longer than `max` bytes.
    error ForcedTxSize(uint256 len, uint256 max);
    /// `msg.value` is below `forcedFee` for the transaction.
    error ForcedFeeTooLow(uint256 paid, uint256 required);
    /// The block leaves out forced entry `index`, which is due and payable.
    error ForcedTransactionDue(uint256 index);
    /// The head forced entry `index` is valid on the state it was judged on: it cannot be
    /// pruned.
    error ForcedTxStillValid(uint256 index);
    /// The forced inbox has no pending entry.
    error NoForcedEntry();

    /// Fee for forcing a transaction of `len` raw bytes and gas limit `txGasLimit`: the L1
    /// gas the entry adds to `advance` (its own bookkeeping, its bytes in the input, its L2
    /// gas re-executed by EXECUTE) at the current base fee, at least MIN_FORCED_GAS_PRICE.
    function forcedFee(uint256 len, uint256 txGasLimit) public view returns (uint256) {
        uint256 price = block.basefee > MIN_FORCED_GAS_PRICE ? block.basefee : MIN_FORCED_GAS_PRICE;
        return (FORCED_ENTRY_GAS + txGasLimit + 16 * len) * price;
    }

    /// Checks `rawTx` (a signed EIP-1559 transaction of L2 `chainId_` within `maxGas`)
    /// and `msg.value` (at least `forcedFee`), emits `ForcedTransaction` for it as entry
    /// `index`, due `delay` L1 blocks from now; returns the entry to store.
    function _submitForced(bytes calldata rawTx, uint256 index, uint256 chainId_, uint256 maxGas, uint256 delay)
        internal
        returns (ForcedEntry memory e)
    {
        ForcedTx.Decoded memory d = _checkForced(rawTx, chainId_, maxGas);
        (e.txHash, e.sender, e.nonce, e.maxFeePerGas, e.fee, e.maxCost) =
            (keccak256(rawTx), d.sender, d.nonce, d.maxFeePerGas, msg.value, d.maxCost);
        uint256 deadline = block.number + delay;
        if (deadline > type(uint64).max) deadline = type(uint64).max; // never due
        e.deadline = uint64(deadline);
        emit ForcedTransaction(index, e.txHash, e.sender, deadline, msg.value, rawTx);
    }

    /// `_submitForced`'s checks of `rawTx` and `msg.value`; the decoded transaction.
    function _checkForced(bytes calldata rawTx, uint256 chainId_, uint256 maxGas)
        private
        view
        returns (ForcedTx.Decoded memory d)
    {
        if (rawTx.length == 0 || rawTx.length > MAX_FORCED_TX_BYTES) {
            revert ForcedTxSize(rawTx.length, MAX_FORCED_TX_BYTES);
        }
        d = ForcedTx.decode(rawTx, chainId_, maxGas);
        uint256 required = forcedFee(rawTx.length, d.gasLimit);
        if (msg.value < required) revert ForcedFeeTooLow(msg.value, required);
    }
}
