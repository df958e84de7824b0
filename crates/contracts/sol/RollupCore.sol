// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.28;

import {StatelessInputReader} from "./lib/StatelessInputReader.sol";
import {MerkleTrie} from "./lib/MerkleTrie.sol";

/// @title RollupCore
/// @notice What every settlement mode of a native rollup shares: the L1->L2 message tree
///         (root in slot 0, read by the L2 with a storage proof) and the L1 block of each
///         message, the ring buffer of settled L2 block hashes and state roots with its
///         writer `_settle`, and the delivery of L2->L1 messages proven against settled
///         state roots. `NativeRollup` (settled by re-execution) and `OptimisticRollup`
///         (settled after a challenge window) derive from it.
/// @dev Storage layout is part of the protocol: `messageRoot` is slot 0 and `messageCount`
///      slot 1, so this contract declares them first and derived contracts add theirs after.
abstract contract RollupCore {
    // ---- slot 0..33: L1 -> L2 message tree (read by the L2 with a storage proof) ----
    /// Root of the L1->L2 message tree (slot 0).
    bytes32 public messageRoot;
    /// Number of L1->L2 messages (slot 1).
    uint256 public messageCount;
    bytes32[32] private branch;

    // ---- chain head ----
    /// Hash of the latest settled L2 block.
    bytes32 public headHash;
    /// Number of the latest settled L2 block.
    uint64 public headNumber;
    bytes32[8191] private blockHashes;
    bytes32[8191] private stateRoots;
    /// L2->L1 messages already delivered, by hash.
    mapping(bytes32 => bool) public claimedL2;
    address private transient xL2Sender;

    // ---- forced deposits ----
    /// L1 block of each L1->L2 message, four 64-bit lanes per word (word i / 4, lane i % 4).
    mapping(uint256 => uint256) private messageBlockWords;
    /// The last proven `L2Messenger.deliveredPrefix`: every L1->L2 message with a smaller
    /// index has been processed on L2 (at a settled block).
    uint256 public deliveredMessages;

    /// The EXECUTE precompile.
    address public constant EXECUTE = address(0x0101);
    /// The L2 messenger predeploy (the other side's messenger).
    address public constant L2_MESSENGER = 0x0000000000000000000000000000000000008079;
    /// Depth of the L1->L2 message tree.
    uint256 public constant TREE_DEPTH = 32;
    /// Settled state roots kept (as EIP-2935).
    uint256 public constant ROOT_HISTORY = 8191;
    /// Most gas one transaction may use (EIP-7825, Osaka), on the L1 and on the L2 alike.
    uint256 public constant TX_GAS_CAP = 1 << 24;
    /// Gas an L2 claim of an L1->L2 message needs besides the message's own gas: intrinsic
    /// and calldata cost, the Merkle proof, the messenger's bookkeeping and fee payment
    /// (what a relayer adds to the message's gas limit and its 1/63, see `sendMessage`).
    uint256 public constant L2_CLAIM_OVERHEAD = 300_000;
    /// Gas `claimL2Message` keeps back besides the message's gas limit and its 1/63 (the
    /// value-bearing call, possibly creating the recipient, and the bookkeeping after it).
    uint256 public constant DELIVERY_OVERHEAD = 50_000;
    /// The EXECUTE input schema id this contract speaks (the wire prefix of EXECUTE's
    /// input and the schema_id of its result), defined once in StatelessInputReader.
    uint16 public constant SCHEMA_ID = StatelessInputReader.SCHEMA_ID;

    /// L2 chain id.
    uint64 public immutable chainId;
    /// L2 block gas limit.
    uint64 public immutable gasLimit;
    /// Oldest allowed L2 timestamp, in seconds before the L1 block's.
    uint256 public immutable maxTimestampLag;
    /// Wei locked at deployment to back the L2 ETH the genesis gives accounts outside the
    /// messenger (every L2 ETH is backed by this contract's balance).
    uint256 public immutable genesisBacking;
    /// L1 blocks after which a forced transaction or an L1->L2 message is due.
    uint256 public immutable forcedDelay;

    /// An L1->L2 message was sent.
    event MessageSent(
        uint256 indexed index,
        bytes32 indexed hash,
        address sender,
        address to,
        uint256 value,
        uint256 fee,
        uint256 gasLimit,
        bytes data
    );
    /// An L2->L1 message was delivered.
    event L2MessageClaimed(bytes32 indexed hash, address indexed to);

    error WrongParent();
    error WrongNumber();
    error WrongGasLimit();
    error WrongChainId();
    error L2IllegalField();
    error AnchorBackwards();
    error AnchorOutOfWindow();
    error WrongAnchor();
    error FutureTimestamp();
    error StaleTimestamp();
    error FeeAboveValue();
    error ToMessenger();
    error UnknownStateRoot();
    error AlreadyClaimed();
    error NotSent();
    error DeliveryFailed();
    error NotInDelivery();
    error GasLimitTooHigh(uint256 gasLimit, uint256 max);
    error InsufficientGas();

    /// An L2->L1 message as the L2 messenger hashed it; the L1 call gets exactly `gasLimit`.
    struct L2Message {
        address sender;
        address to;
        uint256 value;
        uint256 gasLimit;
        uint256 nonce;
        bytes data;
    }

    /// Binds the rollup to its L2 genesis; `msg.value` backs the genesis L2 ETH held outside
    /// the messenger (zero when the genesis gives none).
    constructor(
        uint64 chainId_,
        uint64 gasLimit_,
        bytes32 genesisHash,
        bytes32 genesisStateRoot,
        uint256 maxTimestampLag_,
        uint256 forcedDelay_
    ) payable {
        chainId = chainId_;
        gasLimit = gasLimit_;
        maxTimestampLag = maxTimestampLag_;
        genesisBacking = msg.value;
        forcedDelay = forcedDelay_;
        headHash = genesisHash;
        blockHashes[0] = genesisHash;
        stateRoots[0] = genesisStateRoot;
        messageRoot = _root(0);
    }

    /// Records L2 block `number` (the next one after the head) as settled: its hash and
    /// state root enter the ring buffer and it becomes the head.
    function _settle(uint64 number, bytes32 blockHash, bytes32 stateRoot) internal {
        headHash = blockHash;
        headNumber = number;
        blockHashes[number % ROOT_HISTORY] = blockHash;
        stateRoots[number % ROOT_HISTORY] = stateRoot;
    }

    /// Number of L1->L2 messages due at L1 block `l1Block`: sent at an L1 block
    /// <= l1Block - forcedDelay (0 when l1Block < forcedDelay). Messages only append, so
    /// the answer for a past block never changes.
    function dueAt(uint256 l1Block) public view returns (uint256) {
        if (l1Block < forcedDelay) return 0;
        uint256 cutoff = l1Block - forcedDelay;
        // Messages are in L1 block order: the due ones are a prefix. Gallop down from the
        // newest (few messages are younger than `forcedDelay`), then bisect: every index
        // below `lo` is due, none from `hi` on.
        (uint256 lo, uint256 hi) = (0, messageCount);
        for (uint256 step = 1; hi > 0; step <<= 1) {
            uint256 probe = hi > step ? hi - step : 0;
            if (messageBlock(probe) <= cutoff) {
                lo = probe + 1;
                break;
            }
            hi = probe;
        }
        while (lo < hi) {
            uint256 mid = (lo + hi) / 2;
            if (messageBlock(mid) <= cutoff) lo = mid + 1;
            else hi = mid;
        }
        return lo;
    }

    /// L1 block in which L1->L2 message `index` was sent (0 for an index not sent yet).
    function messageBlock(uint256 index) public view returns (uint256) {
        return (messageBlockWords[index / 4] >> (64 * (index % 4))) & type(uint64).max;
    }

    /// State root of settled L2 block `number` (within the last ROOT_HISTORY blocks).
    function stateRootAt(uint64 number) public view virtual returns (bytes32) {
        if (number > headNumber || headNumber - number >= ROOT_HISTORY) revert UnknownStateRoot();
        return stateRoots[number % ROOT_HISTORY];
    }

    /// Hash of settled L2 block `number` (within the last ROOT_HISTORY blocks).
    function blockHashAt(uint64 number) public view virtual returns (bytes32) {
        if (number > headNumber || headNumber - number >= ROOT_HISTORY) revert UnknownStateRoot();
        return blockHashes[number % ROOT_HISTORY];
    }

    // ---------------------------------------------------------------- L1 -> L2

    /// Largest gas limit of an L1->L2 message: a claim giving it (plus its 1/63 and
    /// `L2_CLAIM_OVERHEAD`) still fits one L2 transaction (the L2 block gas limit and
    /// EIP-7825's cap), so every message can be delivered.
    function maxMessageGasLimit() public view returns (uint256) {
        uint256 cap = gasLimit < TX_GAS_CAP ? gasLimit : TX_GAS_CAP;
        if (cap <= L2_CLAIM_OVERHEAD) return 0;
        return (cap - L2_CLAIM_OVERHEAD) * 63 / 64;
    }

    /// Sends a message to `to` on L2 with `msg.value - fee` wei; `fee` pays the L2 relayer;
    /// the L2 call gets exactly `gasLimit_` gas (at most `maxMessageGasLimit()`).
    function sendMessage(address to, uint256 fee, uint256 gasLimit_, bytes calldata data)
        external
        payable
        returns (uint256 index)
    {
        if (fee > msg.value) revert FeeAboveValue();
        if (to == L2_MESSENGER) revert ToMessenger();
        uint256 maxGas = maxMessageGasLimit();
        if (gasLimit_ > maxGas) revert GasLimitTooHigh(gasLimit_, maxGas);
        uint256 value = msg.value - fee;
        index = messageCount;
        bytes32 leaf = keccak256(abi.encode(msg.sender, to, value, fee, gasLimit_, keccak256(data), index));
        uint256 size = index + 1;
        bytes32 node = leaf;
        for (uint256 h; h < TREE_DEPTH; h++) {
            if (size & 1 == 1) {
                branch[h] = node;
                break;
            }
            node = keccak256(abi.encodePacked(branch[h], node));
            size >>= 1;
        }
        messageCount = index + 1;
        messageRoot = _root(index + 1);
        messageBlockWords[index / 4] |= block.number << (64 * (index % 4));
        emit MessageSent(index, leaf, msg.sender, to, value, fee, gasLimit_, data);
    }

    function _root(uint256 count) private view returns (bytes32 node) {
        bytes32 zero;
        uint256 size = count;
        for (uint256 h; h < TREE_DEPTH; h++) {
            if (size & 1 == 1) {
                node = keccak256(abi.encodePacked(branch[h], node));
            } else {
                node = keccak256(abi.encodePacked(node, zero));
            }
            zero = keccak256(abi.encodePacked(zero, zero));
            size >>= 1;
        }
    }

    // ---------------------------------------------------------------- L2 -> L1

    /// Delivers an L2->L1 message proven to be in the L2 messenger's `sentMessages`
    /// (slot 0 mapping) in the state of settled L2 block `l2Block`. The call gets exactly
    /// `m.gasLimit` gas (the claim reverts with `InsufficientGas` when it cannot); if it
    /// fails, the claim reverts and the message stays claimable.
    function claimL2Message(
        L2Message calldata m,
        uint64 l2Block,
        bytes[] calldata accountProof,
        bytes[] calldata storageProof
    ) external {
        if (m.to == address(this)) revert ToMessenger();
        bytes32 hash = keccak256(abi.encode(m.sender, m.to, m.value, m.gasLimit, keccak256(m.data), m.nonce));
        if (claimedL2[hash]) revert AlreadyClaimed();
        bytes32 root = stateRootAt(l2Block);
        bytes32 storageRoot = MerkleTrie.storageRoot(root, L2_MESSENGER, accountProof);
        bytes32 slot = keccak256(abi.encode(hash, uint256(0)));
        if (MerkleTrie.storageValue(storageRoot, slot, storageProof) != 1) revert NotSent();
        claimedL2[hash] = true;
        // EIP-150: a call forwards at most 63/64 of what is left; make sure that is enough,
        // or a claimer could starve the receiver while the message counts as delivered.
        if (gasleft() < m.gasLimit + m.gasLimit / 63 + DELIVERY_OVERHEAD) revert InsufficientGas();
        xL2Sender = m.sender;
        (bool ok,) = m.to.call{gas: m.gasLimit, value: m.value}(m.data);
        xL2Sender = address(0);
        if (!ok) revert DeliveryFailed();
        emit L2MessageClaimed(hash, m.to);
    }

    /// The L2 sender of the L2->L1 message being delivered (reverts outside a delivery).
    function l2Sender() external view returns (address) {
        if (xL2Sender == address(0)) revert NotInDelivery();
        return xL2Sender;
    }
}
