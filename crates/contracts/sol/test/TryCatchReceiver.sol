// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.28;

/// @title TryCatchReceiver
/// @notice TEST ONLY, never deployed by the project: an L2->L1 message receiver that does
///         its work in an inner call wrapped in try/catch, as a hook that must not revert
///         the delivery would. A claimer who gives it too little gas makes the inner call
///         run out while the outer call still succeeds (and logs `Starved`).
contract TryCatchReceiver {
    /// Storage slots the work writes (fresh slots: about 22,100 gas each).
    uint256 public constant SLOTS = 40;
    uint256 private next;

    /// The work of a delivery completed.
    event Worked();
    /// The work of a delivery ran out of gas (caught).
    event Starved();

    error OnlySelf();

    /// Receives a message: does the work, catching its failure.
    function onMessage() external payable {
        try this.work() {
            emit Worked();
        } catch {
            emit Starved();
        }
    }

    /// The work: writes SLOTS fresh storage slots (only callable by this contract).
    function work() external {
        if (msg.sender != address(this)) revert OnlySelf();
        uint256 base = next;
        for (uint256 i; i < SLOTS; i++) {
            assembly {
                sstore(add(0x1000, add(base, i)), 1)
            }
        }
        next = base + SLOTS;
    }
}
