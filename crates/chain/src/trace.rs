//! Transaction tracing with geth's tracers (revm-inspectors' [`DebugInspector`]), for
//! `debug_traceTransaction`, `debug_traceBlockByNumber/ByHash` and `debug_traceCall`.
//!
//! A stored transaction is traced on the state before it: its block's executor is set up
//! exactly as block execution sets it up ([`BlockSetup`]: environment, EIP-2935/EIP-4788
//! system calls, EIP-7610 guard), the transactions before it run untraced, then it runs
//! with the tracer. Each traced transaction has a deadline (geth's `timeout` option,
//! [`DEFAULT_TRACE_TIMEOUT`] by default) and the whole answer a byte budget
//! ([`TraceLimits::max_bytes`]); both are checked while the transaction runs, so a trace
//! that would be too large stops early with [`TraceError::TooLarge`] instead of
//! exhausting memory.

mod limit;

use crate::{CallRequest, Chain, ChainError};
use alloy_consensus::{
    Block, Header, TxEnvelope,
    transaction::{Recovered, SignerRecoverable},
};
use alloy_evm::{
    Evm, EvmFactory, FromRecoveredTx,
    block::{BlockExecutionError, BlockExecutor},
    overrides::{apply_block_overrides, apply_state_overrides},
};
use alloy_primitives::B256;
pub use alloy_rpc_types_trace::geth::{
    CallConfig, CallFrame, GethDebugTracingCallOptions, GethDebugTracingOptions, GethTrace,
    TraceResult,
};
use limit::{Exceeded, LimitedTracer};
use nr_stateless::{
    BlockError, collision::CreateCollisionGuard, executor::BlockSetup, state::TrieDb,
};
use revm::{Database, DatabaseRef, context::TxEnv, database::State, state::AccountInfo};
use revm_inspectors::tracing::{DebugInspector, TransactionContext};
use std::{cell::RefCell, time::Duration, time::Instant};

/// How long one transaction may be traced when the options name no `timeout` (geth's
/// default).
pub const DEFAULT_TRACE_TIMEOUT: Duration = Duration::from_secs(5);

/// The limits of one tracing request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TraceLimits {
    /// Most bytes of JSON the answer may take (all transactions of a block together).
    pub max_bytes: usize,
}

/// Why a trace could not be produced.
#[derive(Debug, thiserror::Error)]
pub enum TraceError {
    /// The traced transaction ran longer than its timeout (geth's message).
    #[error("execution timeout")]
    Timeout {
        /// The timeout that passed.
        timeout: Duration,
    },
    /// The trace would be larger than the limit.
    #[error("trace larger than the response limit of {limit} bytes")]
    TooLarge {
        /// The limit, in bytes of JSON.
        limit: usize,
    },
    /// The `timeout` option is not a duration ("5s", "300ms", "1m30s").
    #[error("invalid timeout {0:?}")]
    InvalidTimeout(String),
    /// The tracer or its configuration is not supported.
    #[error("tracer: {0}")]
    Tracer(String),
    /// An option this node does not serve.
    #[error("unsupported option {0}")]
    Unsupported(&'static str),
    /// A state override could not be applied.
    #[error("state override: {0}")]
    StateOverride(String),
    /// The traced call is not a valid transaction (funds, gas cap, ...).
    #[error("{0}")]
    InvalidCall(String),
    /// The chain could not be read or the block not re-executed.
    #[error(transparent)]
    Chain(#[from] ChainError),
}

/// The state and environment `debug_traceCall` runs a call in.
#[derive(Debug, Clone)]
pub enum TraceCallAt {
    /// On the state after this block, in its environment (as `eth_call`).
    Block(Box<Header>),
    /// As the first transaction of the head's next block, at this timestamp.
    Pending {
        /// Unix time of the pending block.
        timestamp: u64,
    },
}

/// The per-transaction results of a block trace, in block order.
pub type BlockTraces = Vec<TraceResult>;

impl Chain {
    /// The trace of canonical transaction `hash` with the tracer `opts` names, on the
    /// state before it in its block. `None` if no canonical transaction has this hash.
    pub fn trace_transaction(
        &self,
        hash: &B256,
        opts: &GethDebugTracingOptions,
        limits: TraceLimits,
    ) -> Result<Option<GethTrace>, TraceError> {
        let Some((block_hash, index)) = self.tx_location(hash)? else { return Ok(None) };
        let block = self.block(&block_hash)?.ok_or(ChainError::UnknownBlock(block_hash))?;
        let index = usize::try_from(index).unwrap_or(usize::MAX);
        let mut traces = self.replay(&block, block_hash, Some(index), opts, limits)?;
        match traces.pop() {
            Some(TraceResult::Success { result, .. }) => Ok(Some(result)),
            Some(TraceResult::Error { .. }) => {
                Err(TraceError::Timeout { timeout: timeout_of(opts)? })
            }
            None => Err(ChainError::UnknownBlock(block_hash).into()),
        }
    }

    /// The traces of every transaction of stored block `block_hash`, in order, each with
    /// its hash; a transaction whose trace timed out has an error entry (as geth). `None`
    /// if no block has this hash.
    pub fn trace_block(
        &self,
        block_hash: &B256,
        opts: &GethDebugTracingOptions,
        limits: TraceLimits,
    ) -> Result<Option<BlockTraces>, TraceError> {
        let Some(block) = self.block(block_hash)? else { return Ok(None) };
        self.replay(&block, *block_hash, None, opts, limits).map(Some)
    }

    /// [`Chain::trace_block`] of a block given whole (`debug_traceBlock`, RLP): it runs
    /// on its parent's state, which must be stored; it need not be a stored block.
    pub fn trace_given_block(
        &self,
        block: &Block<TxEnvelope>,
        opts: &GethDebugTracingOptions,
        limits: TraceLimits,
    ) -> Result<BlockTraces, TraceError> {
        self.replay(block, block.header.hash_slow(), None, opts, limits)
    }

    /// The trace of call `req` at `at` (state overrides and block overrides applied first).
    pub fn trace_call(
        &self,
        at: &TraceCallAt,
        req: &CallRequest,
        opts: GethDebugTracingCallOptions,
        limits: TraceLimits,
    ) -> Result<GethTrace, TraceError> {
        if opts.tx_index.is_some() {
            return Err(TraceError::Unsupported("txIndex"));
        }
        let template = debug_inspector(&opts.tracing_options)?;
        let timeout = timeout_of(&opts.tracing_options)?;
        let (state, parent, header) = match at {
            TraceCallAt::Block(h) => {
                let parent = self.header(&h.parent_hash)?.unwrap_or_else(|| (**h).clone());
                ((**h).clone(), parent, (**h).clone())
            }
            TraceCallAt::Pending { timestamp } => {
                let head = self.head();
                let next = self.child_template(&head, (*timestamp).max(head.timestamp + 1));
                (head.clone(), head, next)
            }
        };
        let view = self.view(&state)?;
        let (mut env, tx) = self.call_env(&state, &header, req)?;
        let mut db = State::builder().with_database(TrieDb::new(state.state_root, &view)).build();
        if let Some(o) = opts.block_overrides {
            apply_block_overrides(o, &mut db, &mut env.block_env);
        }
        if let Some(o) = opts.state_overrides {
            apply_state_overrides(o, &mut db)
                .map_err(|e| TraceError::StateOverride(e.to_string()))?;
        }
        let hooks = self.hooks.block_evm(&parent, &header);
        let mut evm = hooks.factory.create_evm_with_inspector(
            &mut db,
            env,
            CreateCollisionGuard::new(LimitedTracer::default()),
        );
        let block_env = evm.block().clone();
        evm.inspector_mut().inner_mut().start(
            template,
            &opts.tracing_options.config,
            deadline(timeout),
            limits.max_bytes,
        );
        let result = evm.transact(tx.clone());
        let (tracer, exceeded) = evm.inspector_mut().inner_mut().finish();
        let traced = match result {
            Ok(result) => match (tracer, exceeded) {
                (_, Some(Exceeded::Timeout)) => Err(TraceError::Timeout { timeout }),
                (_, Some(Exceeded::Size)) => Err(TraceError::TooLarge { limit: limits.max_bytes }),
                (Some(mut tracer), None) => {
                    let mut db = ReadThrough(RefCell::new(evm.db_mut()));
                    tracer
                        .get_result(None, &tx, &block_env, &result, &mut db)
                        .map_err(|e| TraceError::Tracer(e.to_string()))
                }
                (None, None) => Err(TraceError::Tracer("no tracer".into())),
            },
            Err(e) => Err(TraceError::InvalidCall(e.to_string())),
        };
        drop(evm);
        if let Some(f) = db.database.failure() {
            return Err(ChainError::Read(f.clone()).into());
        }
        let trace = traced?;
        json_size(&trace, limits.max_bytes)?;
        Ok(trace)
    }

    /// Re-executes `block` on its parent's state (system calls first) and traces its
    /// transactions: only transaction `only` (running the ones before it untraced and
    /// stopping after it), or all of them.
    fn replay(
        &self,
        block: &Block<TxEnvelope>,
        block_hash: B256,
        only: Option<usize>,
        opts: &GethDebugTracingOptions,
        limits: TraceLimits,
    ) -> Result<BlockTraces, TraceError> {
        let template = debug_inspector(opts)?;
        let timeout = timeout_of(opts)?;
        let header = &block.header;
        let parent =
            self.header(&header.parent_hash)?.ok_or(ChainError::UnknownParent(block_hash))?;
        let view = self.view(&parent)?;
        let hooks = self.hooks.block_evm(&parent, header);
        let setup = BlockSetup::new(block, &self.spec.schedule, self.spec.chain_id, &hooks.factory);
        let mut db = State::builder().with_database(TrieDb::new(parent.state_root, &view)).build();
        let inspector = CreateCollisionGuard::new(LimitedTracer::default());
        let count = block.body.transactions.len();
        let mut executor = setup.executor(&mut db, inspector, block, count);
        let mut budget = limits.max_bytes;
        let mut traces = BlockTraces::new();
        let mut run = || -> Result<(), TraceError> {
            executor.apply_pre_execution_changes().map_err(execution)?;
            for (index, tx) in block.body.transactions.iter().enumerate() {
                if only.is_some_and(|o| index > o) {
                    break;
                }
                let sender = tx.recover_signer().map_err(ChainError::Sender)?;
                let recovered = Recovered::new_unchecked(tx, sender);
                if only.is_some_and(|o| index != o) {
                    executor.execute_transaction(recovered).map_err(execution)?;
                    continue;
                }
                let tracer = template.try_clone().map_err(|e| TraceError::Tracer(e.to_string()))?;
                let limited = executor.evm_mut().inspector_mut().inner_mut();
                limited.start(tracer, &opts.config, deadline(timeout), budget);
                let out = executor.execute_transaction_without_commit(recovered);
                let (tracer, exceeded) = executor.evm_mut().inspector_mut().inner_mut().finish();
                let out = out.map_err(execution)?;
                let tx_hash = Some(*tx.tx_hash());
                let trace = match (tracer, exceeded) {
                    (_, Some(Exceeded::Size)) => {
                        return Err(TraceError::TooLarge { limit: limits.max_bytes });
                    }
                    (None, None) => return Err(TraceError::Tracer("no tracer".into())),
                    (_, Some(Exceeded::Timeout)) => {
                        TraceResult::Error { error: "execution timeout".into(), tx_hash }
                    }
                    (Some(mut tracer), None) => {
                        let context = TransactionContext {
                            block_hash: Some(block_hash),
                            tx_index: Some(index),
                            tx_hash,
                        };
                        let tx_env = TxEnv::from_recovered_tx(tx, sender);
                        let block_env = executor.evm().block().clone();
                        let mut db = ReadThrough(RefCell::new(executor.evm_mut().db_mut()));
                        let result = tracer
                            .get_result(Some(context), &tx_env, &block_env, &out.result, &mut db)
                            .map_err(|e| TraceError::Tracer(e.to_string()))?;
                        budget -= json_size(&result, budget)
                            .map_err(|_| TraceError::TooLarge { limit: limits.max_bytes })?;
                        TraceResult::Success { result, tx_hash }
                    }
                };
                if matches!(trace, TraceResult::Error { .. }) {
                    // Halted at its deadline, the transaction left a state it never had:
                    // it runs again, untraced, for the transactions after it.
                    drop(out);
                    executor.execute_transaction(recovered).map_err(execution)?;
                } else {
                    executor.commit_transaction(out);
                }
                traces.push(trace);
            }
            Ok(())
        };
        let ran = run();
        drop(executor);
        if let Some(f) = db.database.failure() {
            return Err(ChainError::Read(f.clone()).into());
        }
        ran.map(|()| traces)
    }
}

/// A block execution failure as a trace error.
fn execution(e: BlockExecutionError) -> TraceError {
    ChainError::Block(BlockError::Execution(e)).into()
}

/// The tracer `opts` names, checked before anything runs.
fn debug_inspector(opts: &GethDebugTracingOptions) -> Result<DebugInspector, TraceError> {
    DebugInspector::new(opts.clone()).map_err(|e| TraceError::Tracer(e.to_string()))
}

/// The deadline of a transaction traced from now for `timeout`.
fn deadline(timeout: Duration) -> Instant {
    let now = Instant::now();
    now.checked_add(timeout).unwrap_or(now + DEFAULT_TRACE_TIMEOUT)
}

/// The `timeout` option, or [`DEFAULT_TRACE_TIMEOUT`].
fn timeout_of(opts: &GethDebugTracingOptions) -> Result<Duration, TraceError> {
    match &opts.timeout {
        None => Ok(DEFAULT_TRACE_TIMEOUT),
        Some(s) => parse_duration(s).ok_or_else(|| TraceError::InvalidTimeout(s.clone())),
    }
}

/// A Go duration ("300ms", "5s", "1m30s", "1.5h"; units ns, us, µs, ms, s, m, h).
pub fn parse_duration(s: &str) -> Option<Duration> {
    if s == "0" {
        return Some(Duration::ZERO);
    }
    let mut rest = s;
    let mut total = 0f64;
    if rest.is_empty() {
        return None;
    }
    while !rest.is_empty() {
        let n = rest.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(rest.len());
        let value: f64 = rest[..n].parse().ok()?;
        rest = &rest[n..];
        let u = rest.find(|c: char| c.is_ascii_digit() || c == '.').unwrap_or(rest.len());
        let seconds = match &rest[..u] {
            "ns" => 1e-9,
            "us" | "µs" => 1e-6,
            "ms" => 1e-3,
            "s" => 1.0,
            "m" => 60.0,
            "h" => 3600.0,
            _ => return None,
        };
        rest = &rest[u..];
        total += value * seconds;
    }
    Duration::try_from_secs_f64(total).ok()
}

/// The JSON size of `trace` if at most `limit` bytes; serialization stops at the limit.
fn json_size(trace: &GethTrace, limit: usize) -> Result<usize, TraceError> {
    struct Counter {
        used: usize,
        limit: usize,
    }
    impl std::io::Write for Counter {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.used += buf.len();
            if self.used > self.limit {
                return Err(std::io::Error::other("over the limit"));
            }
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut c = Counter { used: 0, limit };
    match serde_json::to_writer(&mut c, trace) {
        Ok(()) => Ok(c.used),
        Err(_) => Err(TraceError::TooLarge { limit }),
    }
}

/// A mutable database read through `&self` (the prestate tracer reads accounts through
/// [`DatabaseRef`]; revm's [`State`] is a [`Database`] whose cache holds the state before
/// the traced transaction, which is not committed yet).
struct ReadThrough<'a, D>(RefCell<&'a mut D>);

impl<D: Database> DatabaseRef for ReadThrough<'_, D> {
    type Error = D::Error;

    fn basic_ref(
        &self,
        address: alloy_primitives::Address,
    ) -> Result<Option<AccountInfo>, Self::Error> {
        self.0.borrow_mut().basic(address)
    }

    fn code_by_hash_ref(&self, code_hash: B256) -> Result<revm::bytecode::Bytecode, Self::Error> {
        self.0.borrow_mut().code_by_hash(code_hash)
    }

    fn storage_ref(
        &self,
        address: alloy_primitives::Address,
        index: alloy_primitives::U256,
    ) -> Result<alloy_primitives::U256, Self::Error> {
        self.0.borrow_mut().storage(address, index)
    }

    fn block_hash_ref(&self, number: u64) -> Result<B256, Self::Error> {
        self.0.borrow_mut().block_hash(number)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_durations_parse() {
        assert_eq!(parse_duration("5s"), Some(Duration::from_secs(5)));
        assert_eq!(parse_duration("300ms"), Some(Duration::from_millis(300)));
        assert_eq!(parse_duration("1m30s"), Some(Duration::from_secs(90)));
        assert_eq!(parse_duration("1ns"), Some(Duration::from_nanos(1)));
        assert_eq!(parse_duration("0"), Some(Duration::ZERO));
        for bad in ["", "5", "s", "5x", "-1s", "1e3s"] {
            assert_eq!(parse_duration(bad), None, "{bad}");
        }
    }
}
