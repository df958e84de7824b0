//! Native rollup nodes as libraries, started in-process by the `nr` binary, by tests and
//! by benchmarks.
//!
//! - [`l1::L1Node`]: a development L1 with the EXECUTE precompile, its JSON-RPC server and
//!   block producer; [`l1::DevGenesis`] and [`l1::open_chain`] are the one way to make a
//!   dev L1 chain (the node, the benchmarks and the contract tests all use them).
//! - [`devnet::Devnet`]: an L1 node, a rollup deployed on it through JSON-RPC, and the
//!   rollup's L2 node ([`nr_rollup::L2Node`]), which reaches the L1 only through JSON-RPC.
//! - [`bench`](mod@bench): stateless-vs-stateful measurements, L1 gas of `advance`, and the services
//!   benchmark over a [`devnet::Devnet`].

pub mod bench;
pub mod devnet;
mod error;
pub mod l1;

pub use error::NodeError;
