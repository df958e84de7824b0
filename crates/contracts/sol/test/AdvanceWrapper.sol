// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.28;

interface IAdvance {
    function advance(bytes calldata input, uint256 anchorBlock) external;
}

/// Settles an L2 block through a contract: `advance` is a nested call, not the L1
/// transaction's top-level call (followers must derive the block all the same).
contract AdvanceWrapper {
    /// Calls `rollup.advance(input, anchorBlock)`.
    function settle(address rollup, bytes calldata input, uint256 anchorBlock) external {
        IAdvance(rollup).advance(input, anchorBlock);
    }
}
