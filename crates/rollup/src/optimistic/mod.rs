//! The optimistic native mode on the node (docs/contracts.md, "Optimistic native mode").
//!
//! A proposer posts batches of L2 blocks to `OptimisticRollup` with a bond; each block is
//! only a claim (hash and state root) until its challenge window passes. A watchtower
//! derives every proposed block from the posted data on its own chain, challenges a block
//! whose claim is wrong, defends a challenged valid block with EXECUTE (the whole block is
//! the one-step proof) and resolves undefended challenges.
//!
//! This module holds what does not need the contract's bytecode: the ABI of the lead's
//! design ([`OptimisticRollup`]), the posted-data encoding and its commitment
//! ([`posted`]), the derivation of a proposed block and the watchtower's verdict
//! ([`posted::check`]), and the development adversaries ([`adversary`]).

pub mod adversary;
mod error;
pub mod posted;
pub mod proposals;
pub mod proposer;
pub mod watchtower;

pub use error::OptimisticError;

/// Options of a node in optimistic mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OptimisticOptions {
    /// Run the watchtower's disputes (challenge, defend, resolve) with the node's key
    /// (on by default; a follower without a key only derives).
    pub watchtower: bool,
    /// Development adversaries (all off by default).
    pub adversary: adversary::Adversary,
}

impl Default for OptimisticOptions {
    fn default() -> Self {
        Self { watchtower: true, adversary: adversary::Adversary::default() }
    }
}

/// Whether the rollup at `l1.rollup` is an `OptimisticRollup` (it answers
/// `challengeWindow()`; a `NativeRollup` does not).
pub async fn is_optimistic(l1: &crate::l1::L1Client) -> bool {
    l1.view(OptimisticRollup::challengeWindowCall {}).await.is_ok()
}

#[allow(missing_docs, clippy::too_many_arguments)]
mod bindings {
    alloy_sol_types::sol! {
        /// The optimistic rollup contract (ABI of the lead's design; the `sol/` source
        /// and its artifact are written by another helper).
        #[sol(all_derives)]
        interface OptimisticRollup {
            /// Everything needed to rebuild a block given its parent.
            struct Block {
                uint64 timestamp;
                address feeRecipient;
                bytes32 prevRandao;
                bytes extraData;
                uint256 anchorBlock;
                bytes[] transactions;
                bytes32 blockHash;
                bytes32 stateRoot;
            }

            /// Where a pending block stands in the dispute game.
            enum Status { None, Challenged, Defended }

            /// A proposed, not yet finalized L2 block.
            struct Pending {
                bytes32 commitment;
                bytes32 blockHash;
                bytes32 stateRoot;
                uint64 proposedAt;
                uint64 batch;
                uint64 anchorBlock;
                uint64 timestamp;
                address challenger;
                uint64 respondBy;
                Status status;
            }

            event BlockProposed(uint64 indexed number, bytes32 indexed blockHash, bytes32 stateRoot, uint64 indexed batch);
            event BlockChallenged(uint64 indexed number, address indexed challenger, uint256 respondBy);
            event BlockDefended(uint64 indexed number, address indexed defender);
            event BlockDropped(uint64 indexed number, uint64 lastDropped, address indexed challenger);
            event BlockFinalized(uint64 indexed number, bytes32 indexed blockHash, bytes32 stateRoot);

            function propose(Block[] calldata blocks) external payable;
            function challenge(uint64 n) external payable;
            function defend(uint64 n, Block calldata posted, bytes calldata input) external;
            function resolve(uint64 n) external;
            function finalize(uint64 upTo) external;
            function pendingBlock(uint64 n) external view returns (Pending memory);
            function pendingNumber() external view returns (uint64);
            function headNumber() external view returns (uint64);
            function headHash() external view returns (bytes32);
            function blockHashAt(uint64 number) external view returns (bytes32);
            function challengeWindow() external view returns (uint256);
            function responseWindow() external view returns (uint256);
            function proposerBond() external view returns (uint256);
            function challengerBond() external view returns (uint256);
        }
    }
}
pub use bindings::OptimisticRollup;
