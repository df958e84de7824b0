//! Stateless execution core for native rollups.
//!
//! Executes Ethereum blocks on revm + alloy-evm, records execution witnesses, and verifies
//! a block from nothing but an SSZ [`ssz::StatelessInput`] (EIP-8079 `EXECUTE`).
#![warn(missing_docs)]

pub mod block;
pub mod fork;
pub mod mpt;
pub mod state;
