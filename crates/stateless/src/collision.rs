//! EIP-7610: a contract creation into an account with non-empty storage is a collision.
//!
//! revm applies EIP-684 (a creation into an account with a nonce or code fails) but its
//! accounts carry no storage root, so it cannot see the third condition EIP-7610 adds:
//! non-empty storage. Our state is trie-backed and knows every account's storage root, so
//! [`CreateCollisionGuard`] completes the rule: when revm has started a creation frame (all
//! its own checks passed: depth, balance, caller nonce, EIP-684), the guard asks the state
//! whether the target had storage and, if so, halts the frame before its first instruction
//! with [`InstructionResult::CreateCollision`]. The frame's checkpoint is reverted, so what
//! remains is exactly revm's own collision: caller nonce bumped, target warm and unchanged,
//! the gas given to the creation spent, 0 pushed (or the transaction failed).
//!
//! Storage of an account with nonce 0 and no code can only come from the pre-state: writing
//! storage needs code running at the address (which gives it code or a nonce first). It can
//! only be removed by deleting the account (an empty account touched, EIP-161), which the
//! block's [`State`] cache records as destroyed. Hence "had storage" = the pre-state storage
//! root is non-empty and the account was not destroyed earlier in the block.
//!
//! # Cost: the guard runs only where it can matter
//!
//! An inspector puts revm on its inspecting interpreter loop (hooks around every
//! instruction), about 11% more instructions on EVM-heavy blocks (BENCHMARKS.md). Block
//! execution therefore runs each transaction through [`execute_transaction`]: on the plain
//! loop, without the guard, until the block has read a *candidate* from the pre-state, an
//! account with nonce 0, no code and a non-empty storage root ([`TrieDb`] counts them as it
//! reads them). Only such an account makes the guard differ from revm's own EIP-684 check,
//! and revm reads a creation's target before it starts the creation frame, so:
//! - while no candidate has been read, a transaction's plain run is exact, and is kept
//!   unless the run itself read one;
//! - a run that read the block's first candidate is discarded (nothing was committed) and
//!   the transaction runs again with the guard;
//! - from then on every transaction of the block runs with the guard.
//!
//! Work bound: a block costs at most one extra run of one transaction (the one that read
//! the first candidate), metered by the same gas limit as its kept run, plus the guard's
//! per-instruction overhead (about 1.1x, BENCHMARKS.md) for the transactions after it. So
//! an attacker gains at most a constant factor of CPU per gas: about 2.1x for that one
//! transaction (whose gas limit is within the block's), 1.1x for the rest. The discarded
//! run's reads stay in the caches; a witness recorded from such a block may hold the few
//! extra trie nodes that run read (still a valid witness).

use crate::executor::NrBlockExecutor;
use crate::state::{StateSource, TrieDb};
use alloy_consensus::{TxEnvelope, transaction::Recovered};
use alloy_evm::{
    Evm,
    block::{BlockExecutionError, BlockExecutor, GasOutput},
    eth::EthEvmContext,
};
use revm::{
    Inspector,
    context::ContextTr,
    database::State,
    handler::FrameResult,
    inspector::NoOpInspector,
    interpreter::{
        CallInputs, CallOutcome, CreateInputs, CreateOutcome, FrameInput, InstructionResult,
        Interpreter, interpreter::EthInterpreter, interpreter_types::LoopControl,
    },
    primitives::{Address, Log, U256},
};

/// The EVM context block execution runs on: revm's [`State`] over a [`TrieDb`].
pub type TrieContext<'a, 's, S> = EthEvmContext<&'a mut State<TrieDb<'s, S>>>;

/// Inspector that makes a creation into an account with storage a collision (EIP-7610),
/// forwarding every hook to `inner` (a tracer, or [`NoOpInspector`]).
#[derive(Debug, Clone, Default)]
pub struct CreateCollisionGuard<I = NoOpInspector> {
    inner: I,
}

impl CreateCollisionGuard {
    /// A guard with nothing behind it (block execution without tracing).
    pub fn untraced() -> Self {
        Self { inner: NoOpInspector }
    }
}

impl<I> CreateCollisionGuard<I> {
    /// A guard around `inner`.
    pub fn new(inner: I) -> Self {
        Self { inner }
    }

    /// The wrapped inspector.
    pub fn inner(&self) -> &I {
        &self.inner
    }

    /// The wrapped inspector, mutably.
    pub fn inner_mut(&mut self) -> &mut I {
        &mut self.inner
    }

    /// Unwraps the inner inspector.
    pub fn into_inner(self) -> I {
        self.inner
    }
}

/// The block executor [`execute_transaction`] drives: over revm's [`State`] on a
/// [`TrieDb`], with the guard as its inspector (enabled only when needed).
pub type GuardedExecutor<'a, 'b, 's, S> =
    NrBlockExecutor<'a, &'b mut State<TrieDb<'s, S>>, CreateCollisionGuard>;

/// Executes and commits `tx` on `executor` with EIP-7610 enforced, running the guard only
/// when the block has read an account it concerns (see the module documentation for why
/// this is exact and what it costs at most).
pub fn execute_transaction<S: StateSource + ?Sized>(
    executor: &mut GuardedExecutor<'_, '_, '_, S>,
    tx: Recovered<&TxEnvelope>,
) -> Result<GasOutput, BlockExecutionError> {
    let db = &executor.evm().db().database;
    if db.collision_candidates() > 0 {
        executor.evm_mut().set_inspector_enabled(true);
        return executor.execute_transaction(tx);
    }
    let clean = db.failure().is_none();
    executor.evm_mut().set_inspector_enabled(false);
    let plain = executor.execute_transaction_without_commit(tx);
    let db = &mut executor.evm_mut().db_mut().database;
    if db.collision_candidates() == 0 {
        return plain.map(|out| executor.commit_transaction(out));
    }
    // The run read a candidate: it may have created into it. Run again with the guard.
    drop(plain);
    if clean {
        db.clear_failure();
    }
    executor.evm_mut().set_inspector_enabled(true);
    executor.execute_transaction(tx)
}

/// Whether a creation into `target` collides with the storage it already holds.
fn storage_collision<S: StateSource + ?Sized>(
    state: &mut State<TrieDb<'_, S>>,
    target: Address,
) -> Result<bool, crate::state::StateError> {
    if state.cache.accounts.get(&target).is_some_and(|a| a.status.was_destroyed()) {
        return Ok(false);
    }
    state.database.had_storage(target)
}

impl<'a, 's, S, I> Inspector<TrieContext<'a, 's, S>> for CreateCollisionGuard<I>
where
    S: StateSource + ?Sized,
    I: Inspector<TrieContext<'a, 's, S>>,
{
    fn initialize_interp(
        &mut self,
        interp: &mut Interpreter<EthInterpreter>,
        context: &mut TrieContext<'a, 's, S>,
    ) {
        // A creation frame runs init code, which has no bytecode address.
        if interp.input.bytecode_address.is_none() {
            let target = interp.input.target_address;
            match storage_collision(context.db_mut(), target) {
                Ok(false) => {}
                Ok(true) => interp.halt(InstructionResult::CreateCollision),
                // The state error is kept by the TrieDb and reported by the caller.
                Err(_) => interp.halt_fatal(),
            }
        }
        self.inner.initialize_interp(interp, context);
    }

    fn step(
        &mut self,
        interp: &mut Interpreter<EthInterpreter>,
        context: &mut TrieContext<'a, 's, S>,
    ) {
        // A frame halted before its first instruction runs none.
        if interp.bytecode.is_not_end() {
            self.inner.step(interp, context);
        }
    }

    fn step_end(
        &mut self,
        interp: &mut Interpreter<EthInterpreter>,
        context: &mut TrieContext<'a, 's, S>,
    ) {
        self.inner.step_end(interp, context);
    }

    fn log(&mut self, context: &mut TrieContext<'a, 's, S>, log: Log) {
        self.inner.log(context, log);
    }

    fn log_full(
        &mut self,
        interp: &mut Interpreter<EthInterpreter>,
        context: &mut TrieContext<'a, 's, S>,
        log: Log,
    ) {
        self.inner.log_full(interp, context, log);
    }

    fn call(
        &mut self,
        context: &mut TrieContext<'a, 's, S>,
        inputs: &mut CallInputs,
    ) -> Option<CallOutcome> {
        self.inner.call(context, inputs)
    }

    fn call_end(
        &mut self,
        context: &mut TrieContext<'a, 's, S>,
        inputs: &CallInputs,
        outcome: &mut CallOutcome,
    ) {
        self.inner.call_end(context, inputs, outcome);
    }

    fn create(
        &mut self,
        context: &mut TrieContext<'a, 's, S>,
        inputs: &mut CreateInputs,
    ) -> Option<CreateOutcome> {
        self.inner.create(context, inputs)
    }

    fn create_end(
        &mut self,
        context: &mut TrieContext<'a, 's, S>,
        inputs: &CreateInputs,
        outcome: &mut CreateOutcome,
    ) {
        self.inner.create_end(context, inputs, outcome);
    }

    fn frame_start(
        &mut self,
        context: &mut TrieContext<'a, 's, S>,
        frame_input: &mut FrameInput,
    ) -> Option<FrameResult> {
        self.inner.frame_start(context, frame_input)
    }

    fn frame_end(
        &mut self,
        context: &mut TrieContext<'a, 's, S>,
        frame_input: &FrameInput,
        frame_result: &mut FrameResult,
    ) {
        self.inner.frame_end(context, frame_input, frame_result);
    }

    fn selfdestruct(&mut self, contract: Address, target: Address, value: U256) {
        self.inner.selfdestruct(contract, target, value);
    }
}
