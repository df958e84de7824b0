// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.28;

import {RLPReader} from "./lib/RLPReader.sol";
import {MerkleTrie} from "./lib/MerkleTrie.sol";

/// @title L2Messenger
/// @notice L2 predeploy at 0x…8079. Sends L2->L1 messages (recorded in `sentMessages`,
///         slot 0, which L1 proves with eth_getProof) and delivers L1->L2 messages proven
///         against the L1 message root, itself proven from the L1 block the L2 is anchored
///         to (EIP-4788 beacon-roots contract on L2 holds the anchors). Holds the L2's ETH
///         supply at genesis and releases it for deposits.
/// @dev Predeployed without a constructor: `l1Rollup` (slot 3) is set in the L2 genesis.
contract L2Messenger {
    using RLPReader for RLPReader.Item;

    /// L2->L1 message hashes sent from this L2 (slot 0).
    mapping(bytes32 => bool) public sentMessages;
    /// L1->L2 messages already delivered, by leaf hash (slot 1).
    mapping(bytes32 => bool) public claimedL1;
    /// L1 message roots proven from anchored L1 headers (slot 2).
    mapping(bytes32 => bool) public knownL1Roots;
    /// The rollup contract on L1 (slot 3, set at genesis).
    address public l1Rollup;
    /// Number of L2->L1 messages sent (slot 4).
    uint256 public nonce;
    /// Number n such that every L1->L2 message with index < n has been processed here:
    /// delivered, or its call failed and it is recorded in `failedL1` (slot 5; protocol:
    /// the rollup contract on L1 proves it in `advanceWithDelivery`).
    uint256 public deliveredPrefix;
    /// L1->L2 messages processed, by index (slot 6).
    mapping(uint256 => bool) public processedL1;
    /// L1->L2 messages whose call failed, by leaf hash: retryable by anyone, refundable by
    /// their L1 sender; their value stays in this contract meanwhile (slot 7).
    mapping(bytes32 => bool) public failedL1;
    address private transient xL1Sender;

    /// EIP-4788 beacon roots contract (holds the L1 anchor of each L2 block).
    address public constant BEACON_ROOTS = 0x000F3df6D732807Ef1319fB7B8bB8522d0Beac02;
    /// Gas kept back besides the callee's `gasLimit` (call, value transfer, account creation).
    uint256 public constant DELIVERY_OVERHEAD = 40_000;
    /// Most gas one L1 transaction may use (EIP-7825, Osaka).
    uint256 public constant L1_TX_GAS_CAP = 1 << 24;
    /// Gas an L1 claim of an L2->L1 message needs besides the message's own gas: intrinsic
    /// and calldata cost (the account and storage proofs), proof verification, bookkeeping.
    uint256 public constant L1_CLAIM_OVERHEAD = 1_000_000;
    /// Largest gas limit of an L2->L1 message: its claim (with the 1/63 EIP-150 keeps back
    /// and `L1_CLAIM_OVERHEAD`) fits one L1 transaction, so every message can be claimed.
    uint256 public constant MAX_GAS_LIMIT = (L1_TX_GAS_CAP - L1_CLAIM_OVERHEAD) * 63 / 64;
    /// Most steps a claim moves `deliveredPrefix` over already processed messages (bounds
    /// the claim's gas whatever others claimed out of order; `catchUp` does the rest).
    uint256 public constant PREFIX_STEPS_PER_CLAIM = 8;

    /// An L2->L1 message was sent.
    event MessageSent(
        bytes32 indexed hash, address sender, address to, uint256 value, uint256 gasLimit, uint256 nonce, bytes data
    );
    /// An L1 message root was proven.
    event L1RootProven(bytes32 indexed root, bytes32 indexed l1BlockHash);
    /// An L1->L2 message was delivered.
    event L1MessageClaimed(bytes32 indexed hash, address indexed to);
    /// An L1->L2 message was processed but its call failed: retryable, or refundable to
    /// its L1 sender; its value stays here meanwhile.
    event L1MessageFailed(bytes32 indexed hash, uint256 indexed index, address indexed to);
    /// A failed L1->L2 message's value was refunded to `refundTo` (it is no longer retryable).
    event L1MessageRefunded(bytes32 indexed hash, address indexed refundTo, uint256 value);
    /// `deliveredPrefix` moved to `prefix`.
    event DeliveredPrefix(uint256 prefix);

    error ToMessenger();
    error NoAnchor();
    error WrongHeader();
    error UnknownRoot();
    error BadMerkleProof();
    error AlreadyClaimed();
    error InsufficientGas();
    error DeliveryFailed();
    error NotInDelivery();
    error FeeTransferFailed();
    error GasLimitTooHigh(uint256 gasLimit, uint256 max);
    /// The message is not recorded as failed (never claimed, delivered, or refunded).
    error NotFailed(bytes32 hash);
    /// Only the message's L1 sender (the same address on L2) may refund it.
    error NotMessageSender(address caller, address sender);
    /// The refund transfer failed.
    error RefundFailed(address refundTo, uint256 value);

    /// An L1->L2 message as the rollup contract hashed it.
    struct L1Message {
        address sender;
        address to;
        uint256 value;
        uint256 fee;
        uint256 gasLimit;
        uint256 index;
        bytes data;
    }

    /// Sends `msg.value` and `data` to `to` on L1; the L1 call gets exactly `gasLimit` gas
    /// (at most `MAX_GAS_LIMIT`).
    function sendMessage(address to, uint256 gasLimit, bytes calldata data) external payable returns (bytes32 hash) {
        if (to == l1Rollup) revert ToMessenger();
        if (gasLimit > MAX_GAS_LIMIT) revert GasLimitTooHigh(gasLimit, MAX_GAS_LIMIT);
        uint256 n = nonce++;
        hash = keccak256(abi.encode(msg.sender, to, msg.value, gasLimit, keccak256(data), n));
        sentMessages[hash] = true;
        emit MessageSent(hash, msg.sender, to, msg.value, gasLimit, n, data);
    }

    /// Proves the L1 message root stored by the rollup contract in the L1 block that
    /// anchors the L2 block with timestamp `l2Timestamp`.
    function proveL1MessageRoot(
        uint256 l2Timestamp,
        bytes calldata l1Header,
        bytes[] calldata accountProof,
        bytes[] calldata storageProof
    ) external returns (bytes32 root) {
        (bool ok, bytes memory anchor) = BEACON_ROOTS.staticcall(abi.encode(l2Timestamp));
        if (!ok || anchor.length != 32) revert NoAnchor();
        if (keccak256(l1Header) != bytes32(anchor)) revert WrongHeader();
        RLPReader.Item[] memory fields = RLPReader.toItem(l1Header).toList();
        if (fields.length < 4) revert WrongHeader();
        bytes32 stateRoot = fields[3].toBytes32();
        bytes32 storageRoot = MerkleTrie.storageRoot(stateRoot, l1Rollup, accountProof);
        root = bytes32(MerkleTrie.storageValue(storageRoot, bytes32(0), storageProof));
        knownL1Roots[root] = true;
        emit L1RootProven(root, bytes32(anchor));
    }

    /// Processes L1->L2 message `m`, proven in the tree with (proven) root `root`. The call
    /// gets exactly `m.gasLimit` gas (the claim reverts with `InsufficientGas`, and nothing
    /// is recorded, when the transaction cannot give it that). If the call fails, the
    /// message still counts as processed: it is recorded in `failedL1` (retryable with
    /// `retryL1Message`, refundable with `refundL1Message`) and its value stays here; a
    /// receiver that always reverts cannot stop the messages after it. The caller
    /// (relayer) receives `m.fee` either way. Moves `deliveredPrefix` at most
    /// `PREFIX_STEPS_PER_CLAIM` steps.
    function claimL1Message(L1Message calldata m, bytes32 root, bytes32[32] calldata proof) external {
        if (m.to == address(this)) revert ToMessenger();
        if (!knownL1Roots[root]) revert UnknownRoot();
        bytes32 leaf = keccak256(abi.encode(m.sender, m.to, m.value, m.fee, m.gasLimit, keccak256(m.data), m.index));
        if (m.index >> 32 != 0) revert BadMerkleProof();
        bytes32 node = leaf;
        for (uint256 i; i < 32; i++) {
            node = (m.index >> i) & 1 == 1
                ? keccak256(abi.encodePacked(proof[i], node))
                : keccak256(abi.encodePacked(node, proof[i]));
        }
        if (node != root) revert BadMerkleProof();
        if (claimedL1[leaf]) revert AlreadyClaimed();
        claimedL1[leaf] = true;
        processedL1[m.index] = true;
        if (_deliver(m)) {
            emit L1MessageClaimed(leaf, m.to);
        } else {
            failedL1[leaf] = true;
            emit L1MessageFailed(leaf, m.index, m.to);
        }
        if (m.fee > 0) {
            (bool paid,) = msg.sender.call{value: m.fee}("");
            if (!paid) revert FeeTransferFailed();
        }
        _catchUp(PREFIX_STEPS_PER_CLAIM);
    }

    /// Retries failed L1->L2 message `m` (anyone may): the call gets exactly `m.gasLimit`
    /// and `m.value`; if it fails again the retry reverts and the message stays failed.
    function retryL1Message(L1Message calldata m) external {
        bytes32 leaf = keccak256(abi.encode(m.sender, m.to, m.value, m.fee, m.gasLimit, keccak256(m.data), m.index));
        if (!failedL1[leaf]) revert NotFailed(leaf);
        failedL1[leaf] = false;
        if (!_deliver(m)) revert DeliveryFailed();
        emit L1MessageClaimed(leaf, m.to);
    }

    /// Gives up failed L1->L2 message `m` and sends its value to `refundTo` instead. Only
    /// its L1 sender may, from the same address on L2 (an EOA's key controls both).
    function refundL1Message(L1Message calldata m, address refundTo) external {
        bytes32 leaf = keccak256(abi.encode(m.sender, m.to, m.value, m.fee, m.gasLimit, keccak256(m.data), m.index));
        if (!failedL1[leaf]) revert NotFailed(leaf);
        if (msg.sender != m.sender) revert NotMessageSender(msg.sender, m.sender);
        failedL1[leaf] = false;
        (bool ok,) = refundTo.call{value: m.value}("");
        if (!ok) revert RefundFailed(refundTo, m.value);
        emit L1MessageRefunded(leaf, refundTo, m.value);
    }

    /// Moves `deliveredPrefix` over at most `maxSteps` processed messages (anyone may;
    /// claims out of order leave work here that each claim only does in part).
    function catchUp(uint256 maxSteps) external returns (uint256) {
        return _catchUp(maxSteps);
    }

    function _catchUp(uint256 maxSteps) private returns (uint256 prefix) {
        prefix = deliveredPrefix;
        uint256 start = prefix;
        for (uint256 i; i < maxSteps && processedL1[prefix]; i++) {
            prefix++;
        }
        if (prefix != start) {
            deliveredPrefix = prefix;
            emit DeliveredPrefix(prefix);
        }
    }

    /// Calls `m.to` with exactly `m.gasLimit` gas and `m.value` as `m.sender`; whether it
    /// succeeded. Reverts with `InsufficientGas` when the transaction cannot give that gas.
    function _deliver(L1Message calldata m) private returns (bool ok) {
        // EIP-150: a call forwards at most 63/64 of what is left; make sure that is enough.
        if (gasleft() < m.gasLimit + m.gasLimit / 63 + DELIVERY_OVERHEAD) revert InsufficientGas();
        xL1Sender = m.sender;
        (ok,) = m.to.call{gas: m.gasLimit, value: m.value}(m.data);
        xL1Sender = address(0);
    }

    /// The L1 sender of the L1->L2 message being delivered (reverts outside a delivery).
    function l1Sender() external view returns (address) {
        if (xL1Sender == address(0)) revert NotInDelivery();
        return xL1Sender;
    }
}
