// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.28;

import {StatelessInputReader} from "./StatelessInputReader.sol";
import {OptimisticRollup} from "../OptimisticRollup.sol";
import {OptimisticInbox} from "../OptimisticInbox.sol";

/// @title DefenceInputChecker
/// @notice `OptimisticRollup.defend`'s checks of what the defender posts, deployed by the
///         rollup's constructor (kept out of its runtime code, which must stay under
///         EIP-170's 24,576 bytes): the posted block is the claimed one, it keeps rule 5
///         (forced prefix and due deposits, checked by the inbox), and the EXECUTE input
///         describes exactly that block. The rollup forwards `defend`'s calldata as it is
///         (`checkDefence` has `defend`'s parameters). Its errors have the signatures (so
///         the selectors) of the rollup's.
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
    /// The rollup's forced-transaction inbox.
    OptimisticInbox public immutable inbox;

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
    /// As `OptimisticRollup.WrongCommitment`.
    error WrongCommitment(uint64 number);
    /// As `OptimisticRollup.PostedFieldsMismatch`.
    error PostedFieldsMismatch(uint64 number);

    /// Binds the checker to the rollup's chain id, gas limit and inbox.
    constructor(uint64 chainId_, uint64 gasLimit_, OptimisticInbox inbox_) {
        chainId = chainId_;
        gasLimit = gasLimit_;
        inbox = inbox_;
    }

    /// `defend(n, batch, claim, proof, posted, input, delivery)`'s checks after the claim
    /// is proven (`batch` and `proof` unused): `posted` is the block `claim` claims, the
    /// inbox accepts its forced prefix and `delivery` (`OptimisticInbox.checkDefence`), and
    /// `input` is exactly that block.
    function checkDefence(
        uint64 n,
        uint64,
        OptimisticRollup.Claim calldata claim,
        bytes32[] calldata,
        OptimisticRollup.Block calldata posted,
        bytes calldata input,
        bytes calldata delivery
    ) external view {
        (Expected memory e, bytes32[] memory hashes) = _expected(n, claim, posted);
        _rule5(claim, hashes, delivery);
        _check(e, input);
    }

    /// Checks that `posted` is the block `claim` (of block `n`) claims; what its input must
    /// say, and its transactions' hashes.
    function _expected(uint64 n, OptimisticRollup.Claim calldata claim, OptimisticRollup.Block calldata posted)
        private
        pure
        returns (Expected memory e, bytes32[] memory hashes)
    {
        hashes = new bytes32[](posted.transactions.length);
        for (uint256 k; k < hashes.length; k++) {
            hashes[k] = keccak256(posted.transactions[k]);
        }
        bytes32 txsHash = keccak256(abi.encodePacked(hashes));
        bytes32 extraDataHash = keccak256(posted.extraData);
        bytes32 dataHash = keccak256(
            abi.encode(
                posted.timestamp, posted.feeRecipient, posted.prevRandao, extraDataHash, posted.anchorBlock, txsHash
            )
        );
        if (dataHash != claim.dataHash || posted.blockHash != claim.blockHash || posted.stateRoot != claim.stateRoot)
        {
            revert WrongCommitment(n);
        }
        // A blob batch claims timestamp and anchor apart from the record (whose dataHash
        // binds its own): they must be the record's, or the block a follower derives from
        // the blob is not the one defended.
        if (posted.timestamp != claim.timestamp || posted.anchorBlock != claim.anchorBlock) {
            revert PostedFieldsMismatch(n);
        }
        e = Expected(
            n,
            claim.parentHash,
            claim.anchorHash,
            posted.blockHash,
            posted.stateRoot,
            posted.timestamp,
            posted.feeRecipient,
            posted.prevRandao,
            extraDataHash,
            txsHash
        );
    }

    /// Rule 5 (`OptimisticInbox.checkDefence`): the block starts with its claimed forced
    /// entries and its state delivered its due L1->L2 messages.
    function _rule5(OptimisticRollup.Claim calldata claim, bytes32[] memory hashes, bytes calldata delivery)
        private
        view
    {
        inbox.checkDefence(claim.forcedFrom, claim.forcedTo, hashes, claim.due, claim.stateRoot, delivery);
    }

    /// Reverts unless `input` (EXECUTE's wire input) is block `e.number` of this rollup on
    /// top of `e.parentHash`, anchored at `e.anchorHash`, with no L2-illegal field, and
    /// carries every other field of `e`.
    function _check(Expected memory e, bytes calldata input) private view {
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
