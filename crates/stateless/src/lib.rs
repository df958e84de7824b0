//! Stateless execution core for native rollups.
//!
//! Executes Ethereum blocks on revm + alloy-evm, records execution witnesses, and verifies
//! a block from nothing but an SSZ [`ssz::StatelessInput`] (EIP-8079 `EXECUTE`).
#![warn(missing_docs)]

pub mod block;
mod error;
pub mod evm;
pub mod fork;
pub mod memory;
pub mod mpt;
pub mod ssz;
pub mod state;
pub mod stateless;

pub use block::{BlockError, execute_block, validate_header};
pub use fork::{Fork, ForkSchedule};
pub use stateless::{
    ChainConfigError, PayloadError, StatelessError, WitnessError, verify_stateless_new_payload,
};
