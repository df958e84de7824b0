//! Benchmarks: stateless EXECUTE verification against stateful execution, witness sizes
//! and the L1 gas of settling each block, over generated L2 workloads ([`measure`]); and
//! the L2 services over a [`crate::devnet::Devnet`] ([`services()`]); and adversarial
//! EXECUTE inputs timed per L1 gas charged ([`adversarial()`]).

mod adversarial;
mod batched;
mod blobs;
mod block;
mod export;
mod optimistic;
mod services;
mod settle;
mod workload;

pub use adversarial::{AdversarialReport, AdversarialRow, ReferenceRow, adversarial};
pub use batched::{BatchRow, measure_batched};
pub use blobs::{BlobRow, MAX_BLOBS, measure_blobs};
pub use block::{MeasureOptions, measure};
pub use export::{ExportOptions, ExportRow, export_block};
pub use optimistic::{OptimisticRow, measure_optimistic};
pub use services::{ServicesRow, services};
pub use settle::SettlementL1;
pub use workload::{L2_GAS_LIMIT, L2_ID, SENDERS, TxGenerator, Workload, bench_spec, signer};

use alloy_primitives::{B256, Bytes};
use serde::Serialize;

/// One measured block.
#[derive(Debug, Clone, Serialize)]
pub struct BenchRow {
    /// The workload.
    pub workload: Workload,
    /// Block size asked for, in Mgas.
    pub target_mgas: u64,
    /// Transactions in the block.
    pub txs: usize,
    /// Gas the block used.
    pub gas_used: u64,
    /// Stateful execution time (fastest run), in ms.
    pub stateful_ms: f64,
    /// Stateless EXECUTE time (fastest run), in ms.
    pub stateless_ms: f64,
    /// Stateful speed.
    pub stateful_mgas_s: f64,
    /// Stateless speed.
    pub stateless_mgas_s: f64,
    /// Stateless time over stateful time.
    pub ratio: f64,
    /// SSZ input size.
    pub input_bytes: usize,
    /// SSZ input size after zstd.
    pub input_zstd_bytes: usize,
    /// L1 calldata gas of the input.
    pub calldata_gas: u64,
    /// L1 calldata gas of the zstd-compressed input.
    pub zstd_calldata_gas: u64,
    /// Trie nodes in the witness.
    pub witness_nodes: usize,
    /// Witness bytes per transaction.
    pub witness_bytes_per_tx: f64,
    /// Witness bytes per Mgas.
    pub witness_bytes_per_mgas: f64,
    /// L1 gas of `advance` (none without settlement).
    pub advance_l1_gas: Option<u64>,
    /// L1 gas of `advance` per L2 transaction.
    pub l1_gas_per_tx: Option<f64>,
    /// EXECUTE gas under our rule (charged on success).
    pub execute_gas: u64,
    /// EXECUTE gas under ethrex-levm 31's rule for the same block: block gas limit + 16
    /// per input byte (its input is 2 bytes longer: the schema-id prefix).
    pub ethrex_rule_gas: u64,
}

/// Errors of the benchmarks.
#[derive(Debug, thiserror::Error)]
pub enum BenchError {
    /// A temporary store, compression or I/O failed.
    #[error(transparent)]
    Io(#[from] std::io::Error),
    /// A chain failed.
    #[error(transparent)]
    Chain(#[from] nr_chain::ChainError),
    /// Signing failed.
    #[error(transparent)]
    Sign(#[from] alloy_signer::Error),
    /// The L2 pool refused a generated transaction.
    #[error("L2 tx: {0}")]
    L2Tx(nr_chain::TxError),
    /// The L1 pool refused a transaction.
    #[error("L1 tx: {0}")]
    L1Tx(nr_chain::TxError),
    /// An L1 transaction was left out of its block.
    #[error("L1 transaction not included: {0:?}")]
    L1TxNotIncluded(Vec<(B256, String)>),
    /// A mined transaction has no receipt.
    #[error("no receipt")]
    NoReceipt(B256),
    /// Generated transactions were left out of the benchmark block.
    #[error("{count} transactions left out: {first:?}")]
    LeftOut {
        /// How many.
        count: usize,
        /// The first one and why.
        first: Option<(B256, String)>,
    },
    /// The in-memory genesis state could not be built.
    #[error(transparent)]
    MemoryGenesis(#[from] nr_stateless::mpt::TrieError),
    /// The in-memory genesis differs from the stored chain's.
    #[error("in-memory genesis differs")]
    GenesisDiffers,
    /// Stateful execution failed.
    #[error(transparent)]
    Block(#[from] nr_stateless::BlockError),
    /// The stateless input could not be built.
    #[error(transparent)]
    Stateless(#[from] nr_stateless::stateless::StatelessError),
    /// A side-by-side block could not be written as JSON.
    #[error(transparent)]
    Json(#[from] serde_json::Error),
    /// Our verifier's verdict on a side-by-side block was not the expected one.
    #[error("{case}: {got}")]
    UnexpectedVerdict {
        /// Which case (honest or tampered block).
        case: &'static str,
        /// What the verifier returned.
        got: String,
    },
    /// A stateless input did not decode.
    #[error("SSZ: {0}")]
    Ssz(nr_stateless::ssz::SszError),
    /// EXECUTE rejected the block.
    #[error("EXECUTE: {0}")]
    Execute(nr_execute::ExecuteError),
    /// `advance` would revert (simulated).
    #[error("advance would revert: {0}")]
    AdvanceWouldRevert(Bytes),
    /// `advance` reverted on chain.
    #[error("advance reverted")]
    AdvanceReverted,
    /// Blob data could not be encoded.
    #[error(transparent)]
    BlobDa(#[from] nr_rollup::blob_da::BlobDaError),
    /// An L1 block the bench needs is not in the chain.
    #[error("L1 block {0} not found")]
    MissingL1Block(u64),
    /// A claims proof could not be built.
    #[error(transparent)]
    Claims(#[from] nr_contracts::claims::ClaimsError),
    /// The Devnet failed.
    #[error(transparent)]
    Node(Box<crate::NodeError>),
    /// An L2 node failed.
    #[error(transparent)]
    Rollup(Box<nr_rollup::RollupError>),
    /// A JSON-RPC request failed.
    #[error(transparent)]
    Rpc(#[from] alloy_provider::transport::TransportError),
    /// A client task failed.
    #[error(transparent)]
    TaskJoin(#[from] tokio::task::JoinError),
    /// The L2 RPC URL does not parse.
    #[error(transparent)]
    Url(url::ParseError),
    /// No transaction was sent (fewer transactions than clients).
    #[error("no transactions")]
    NoTransactions,
    /// A sent transaction was not included in time.
    #[error("L2 transaction {hash} not included after {secs}s")]
    TxNotIncluded {
        /// The transaction (a sender's last).
        hash: B256,
        /// Seconds waited.
        secs: u64,
    },
    /// The blocks holding the transactions were not settled in time.
    #[error("L2 block {block} not settled on L1 after {secs}s (settled: {settled})")]
    NotSettled {
        /// The last L2 block with benchmark transactions.
        block: u64,
        /// The settled head when we gave up.
        settled: u64,
        /// Seconds waited.
        secs: u64,
    },
    /// The follower did not catch up in time.
    #[error("follower at L2 block {at} of {target} after {secs}s")]
    FollowerBehind {
        /// The follower's head.
        at: u64,
        /// The block it had to reach.
        target: u64,
        /// Seconds waited.
        secs: u64,
    },
}

impl From<crate::NodeError> for BenchError {
    fn from(e: crate::NodeError) -> Self {
        Self::Node(Box::new(e))
    }
}

impl From<nr_rollup::RollupError> for BenchError {
    fn from(e: nr_rollup::RollupError) -> Self {
        Self::Rollup(Box::new(e))
    }
}
