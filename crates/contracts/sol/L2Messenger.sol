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

    /// An L2->L1 message was sent.
    event MessageSent(
        bytes32 indexed hash, address sender, address to, uint256 value, uint256 gasLimit, uint256 nonce, bytes data
    );
    /// An L1 message root was proven.
    event L1RootProven(bytes32 indexed root, bytes32 indexed l1BlockHash);
    /// An L1->L2 message was delivered.
    event L1MessageClaimed(bytes32 indexed hash, address indexed to);

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

    /// Delivers L1->L2 message `m`, proven in the tree with (proven) root `root`. The call
    /// gets exactly `m.gasLimit` gas; if it fails the whole claim reverts and the message
    /// stays claimable. The caller (relayer) receives `m.fee`.
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
        // EIP-150: a call forwards at most 63/64 of what is left; make sure that is enough.
        if (gasleft() < m.gasLimit + m.gasLimit / 63 + DELIVERY_OVERHEAD) revert InsufficientGas();
        xL1Sender = m.sender;
        (bool ok,) = m.to.call{gas: m.gasLimit, value: m.value}(m.data);
        xL1Sender = address(0);
        if (!ok) revert DeliveryFailed();
        if (m.fee > 0) {
            (bool paid,) = msg.sender.call{value: m.fee}("");
            if (!paid) revert FeeTransferFailed();
        }
        emit L1MessageClaimed(leaf, m.to);
    }

    /// The L1 sender of the L1->L2 message being delivered (reverts outside a delivery).
    function l1Sender() external view returns (address) {
        if (xL1Sender == address(0)) revert NotInDelivery();
        return xL1Sender;
    }
}
