// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.28;

import {StatelessInputReader} from "./StatelessInputReader.sol";

/// @title DefenceInputChecker
/// @notice Checks that an EXECUTE input describes exactly the block a defence of
///         `OptimisticRollup` claims: deployed by `OptimisticRollup`'s constructor (the SSZ
///         reading kept out of its runtime code, which must stay under EIP-170's 24,576
///         bytes). Its errors have the signatures (so the selectors) of the rollup's.
contract DefenceInputChecker {
    /// What the input must say, taken from the proven claim and the posted block.
    struct Expected {
        uint64 number;
        bytes32 parentHash;
        bytes32 anchorHash;
        bytes32 blockHash;
        bytes32 stateRoot;
        uint64 timestamp;
        address feeRecipient;
        bytes32 prevRandao;
        bytes32 extraDataHash;
        bytes32 txsHash;
    }

    /// The rollup's L2 chain id.
    uint64 public immutable chainId;
    /// The rollup's L2 block gas limit.
    uint64 public immutable gasLimit;

    /// As `RollupCore.WrongAnchor`.
    error WrongAnchor();
    /// As `RollupCore.WrongParent`.
    error WrongParent();
    /// As `RollupCore.WrongNumber`.
    error WrongNumber();
    /// As `RollupCore.WrongGasLimit`.
    error WrongGasLimit();
    /// As `RollupCore.WrongChainId`.
    error WrongChainId();
    /// As `RollupCore.L2IllegalField`.
    error L2IllegalField();
    /// As `OptimisticRollup.InputMismatch`.
    error InputMismatch(uint64 number);

    /// Binds the checker to the rollup's chain id and gas limit.
    constructor(uint64 chainId_, uint64 gasLimit_) {
        chainId = chainId_;
        gasLimit = gasLimit_;
    }

    /// Reverts unless `input` (EXECUTE's wire input) is block `e.number` of this rollup on
    /// top of `e.parentHash`, anchored at `e.anchorHash`, with no L2-illegal field, and
    /// carries every other field of `e`.
    function check(Expected calldata e, bytes calldata input) external view {
        StatelessInputReader.Block memory b = StatelessInputReader.read(input);
        if (b.parentBeaconBlockRoot != e.anchorHash) revert WrongAnchor();
        if (b.parentHash != e.parentHash) revert WrongParent();
        if (b.number != e.number) revert WrongNumber();
        if (b.gasLimit != gasLimit) revert WrongGasLimit();
        if (b.chainId != chainId) revert WrongChainId();
        if (b.withdrawalsBytes != 0 || b.blobGasUsed != 0 || b.excessBlobGas != 0 || b.versionedHashesBytes != 0) {
            revert L2IllegalField();
        }
        StatelessInputReader.Extra memory x = StatelessInputReader.extra(input);
        if (
            b.blockHash != e.blockHash || b.stateRoot != e.stateRoot || b.timestamp != e.timestamp
                || b.feeRecipient != e.feeRecipient || x.prevRandao != e.prevRandao
                || x.extraDataHash != e.extraDataHash || x.txsHash != e.txsHash
        ) revert InputMismatch(e.number);
    }
}
