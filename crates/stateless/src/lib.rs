//! Stateless execution core for native rollups.
//!
//! Executes Ethereum blocks on revm + alloy-evm, records execution witnesses, and verifies
//! a block from nothing but a [`ssz::StatelessInput`] in the execution-specs tests-zkevm v0.8
//! wire format (EIP-8079 `EXECUTE`, EIP-8025 guest).
#![warn(missing_docs)]

pub mod block;
pub mod collision;
mod error;
pub mod evm;
pub mod executor;
pub mod fork;
pub mod guest;
pub mod memory;
pub mod mpt;
pub mod signer;
pub mod ssz;
pub mod state;
pub mod stateless;
mod workers;

pub use block::{BlockError, execute_block, validate_header};
pub use fork::{Fork, ForkSchedule};
pub use guest::{GuestRun, run_stateless_guest, stateless_guest};
pub use stateless::{PayloadError, StatelessError, WitnessError, verify_stateless_new_payload};
