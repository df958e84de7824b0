// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.28;

import {ERC20} from "./lib/ERC20.sol";

interface INativeRollup {
    function sendMessage(address to, uint256 fee, uint256 gasLimit, bytes calldata data)
        external
        payable
        returns (uint256);
    function l2Sender() external view returns (address);
}

interface IL2Messenger {
    function sendMessage(address to, uint256 gasLimit, bytes calldata data) external payable returns (bytes32);
    function l1Sender() external view returns (address);
}

interface IERC20 {
    function transfer(address to, uint256 amount) external returns (bool);
    function transferFrom(address from, address to, uint256 amount) external returns (bool);
}

/// @title TestToken
/// @notice An L1 ERC-20 anyone can mint, for tests and the devnet.
contract TestToken is ERC20 {
    constructor() ERC20("Test Token", "TEST") {}

    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }
}

/// @title BridgedToken
/// @notice The L2 representation of an L1 ERC-20; only its bridge mints and burns.
contract BridgedToken is ERC20 {
    /// The L1 token this represents.
    address public immutable l1Token;
    /// The L2 bridge.
    address public immutable bridge;

    error OnlyBridge();

    constructor(address l1Token_) ERC20("Bridged Token", "bTOKEN") {
        l1Token = l1Token_;
        bridge = msg.sender;
    }

    function mint(address to, uint256 amount) external {
        if (msg.sender != bridge) revert OnlyBridge();
        _mint(to, amount);
    }

    function burn(address from, uint256 amount) external {
        if (msg.sender != bridge) revert OnlyBridge();
        _burn(from, amount);
    }
}

/// @title L1TokenBridge
/// @notice Locks L1 tokens and sends a mint message to the L2 bridge; releases them on a
///         proven L2 burn message.
contract L1TokenBridge {
    /// The rollup contract (L1 side of messaging).
    INativeRollup public immutable rollup;
    /// The L2 bridge predeploy.
    address public immutable l2Bridge;

    event DepositInitiated(address indexed token, address indexed from, address to, uint256 amount);
    event WithdrawalFinalized(address indexed token, address indexed to, uint256 amount);

    error OnlyPeer();
    error TransferFailed();

    constructor(INativeRollup rollup_, address l2Bridge_) {
        rollup = rollup_;
        l2Bridge = l2Bridge_;
    }

    /// Locks `amount` of `token` and mints it to `to` on L2; `msg.value` is the relayer fee.
    function deposit(address token, address to, uint256 amount, uint256 gasLimit) external payable {
        if (!IERC20(token).transferFrom(msg.sender, address(this), amount)) revert TransferFailed();
        bytes memory call = abi.encodeCall(L2TokenBridge.finalizeDeposit, (token, msg.sender, to, amount));
        rollup.sendMessage{value: msg.value}(l2Bridge, msg.value, gasLimit, call);
        emit DepositInitiated(token, msg.sender, to, amount);
    }

    /// Releases tokens burned on L2 (only through the rollup, from the L2 bridge).
    function finalizeWithdrawal(address token, address, /* from */ address to, uint256 amount) external {
        if (msg.sender != address(rollup) || rollup.l2Sender() != l2Bridge) revert OnlyPeer();
        if (!IERC20(token).transfer(to, amount)) revert TransferFailed();
        emit WithdrawalFinalized(token, to, amount);
    }
}

/// @title L2TokenBridge
/// @notice L2 predeploy at 0x…807b: mints bridged tokens on L1 deposits, burns them and
///         messages the L1 bridge on withdrawals.
/// @dev Predeployed without a constructor: `l1Bridge` (slot 0) is set in the L2 genesis.
contract L2TokenBridge {
    /// The L1 bridge (slot 0).
    address public l1Bridge;
    /// L2 token of each L1 token (slot 1).
    mapping(address => address) public l2TokenOf;

    /// The L2 messenger predeploy.
    address public constant MESSENGER = 0x0000000000000000000000000000000000008079;
    /// Gas the L1 bridge's `finalizeWithdrawal` gets when a withdrawal is claimed.
    uint256 public constant WITHDRAWAL_GAS_LIMIT = 200_000;

    event DepositFinalized(address indexed l1Token, address indexed l2Token, address to, uint256 amount);
    event WithdrawalInitiated(address indexed l1Token, address indexed from, address to, uint256 amount);

    error OnlyPeer();
    error UnknownToken();

    /// Mints a deposit (only through the messenger, from the L1 bridge).
    function finalizeDeposit(address l1Token, address, /* from */ address to, uint256 amount) external {
        if (msg.sender != MESSENGER || IL2Messenger(MESSENGER).l1Sender() != l1Bridge) revert OnlyPeer();
        address l2Token = l2TokenOf[l1Token];
        if (l2Token == address(0)) {
            l2Token = address(new BridgedToken{salt: bytes32(uint256(uint160(l1Token)))}(l1Token));
            l2TokenOf[l1Token] = l2Token;
        }
        BridgedToken(l2Token).mint(to, amount);
        emit DepositFinalized(l1Token, l2Token, to, amount);
    }

    /// Burns `amount` of `l2Token` and releases the L1 token to `to` on L1.
    function withdraw(address l2Token, address to, uint256 amount) external {
        address l1Token = BridgedToken(l2Token).l1Token();
        if (l2TokenOf[l1Token] != l2Token) revert UnknownToken();
        BridgedToken(l2Token).burn(msg.sender, amount);
        bytes memory call = abi.encodeCall(L1TokenBridge.finalizeWithdrawal, (l1Token, msg.sender, to, amount));
        IL2Messenger(MESSENGER).sendMessage(l1Bridge, WITHDRAWAL_GAS_LIMIT, call);
        emit WithdrawalInitiated(l1Token, msg.sender, to, amount);
    }
}
