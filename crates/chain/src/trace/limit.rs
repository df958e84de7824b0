//! The tracer of one transaction with its limits: a deadline (geth's `timeout`) and a
//! budget of output bytes, checked while the transaction runs, so a trace that would be
//! too large stops early with an error instead of filling memory.

use alloy_primitives::Address;
use alloy_rpc_types_trace::geth::GethDefaultTracingOptions;
use revm::{
    Inspector,
    bytecode::opcode,
    context::ContextTr,
    handler::FrameResult,
    inspector::JournalExt,
    interpreter::{
        CallInputs, CallOutcome, CreateInputs, CreateOutcome, FrameInput, InstructionResult,
        Interpreter,
        interpreter_types::{Jumps, MemoryTr, ReturnData},
    },
    primitives::{Log, U256},
};
use revm_inspectors::tracing::DebugInspector;
use std::collections::HashMap;
use std::time::Instant;

/// Which limit a trace ran into.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Exceeded {
    /// The deadline passed.
    Timeout,
    /// The output would exceed the byte budget.
    Size,
}

/// Estimated JSON bytes of one struct log without stack, memory or storage (`pc`, `op`,
/// `gas`, `gasCost`, `depth` and their keys).
const STEP_BYTES: usize = 100;
/// Estimated JSON bytes of one stack item, memory word or storage entry.
const WORD_BYTES: usize = 70;
/// Estimated JSON bytes of a call frame or log without its data.
const FRAME_BYTES: usize = 300;
/// The clock is read once every this many steps.
const CLOCK_EVERY: u64 = 256;

/// What the struct logger records per step (from geth's options), for the estimate.
#[derive(Debug, Clone, Copy)]
struct StepCost {
    stack: bool,
    memory: bool,
    return_data: bool,
    storage: bool,
    /// Most steps recorded (geth's `limit`); later steps are not given to the tracer.
    limit: Option<u64>,
}

/// [`DebugInspector`] behind a deadline and a byte budget. While no transaction is traced
/// (`tracer` is `None`) every hook does nothing. When a limit is exceeded, every frame
/// halts at its next instruction and the transaction's trace is dropped by the caller.
#[derive(Debug, Default)]
pub(crate) struct LimitedTracer {
    tracer: Option<DebugInspector>,
    step_cost: Option<StepCost>,
    deadline: Option<Instant>,
    /// Bytes the output may still take.
    budget: usize,
    steps: u64,
    /// Whether the step under way was given to the tracer (its `step_end` follows it).
    recording: bool,
    /// SLOAD/SSTORE seen per contract: geth prints the contract's storage map so far at
    /// each, so this bounds the entries each of them prints.
    storage_ops: HashMap<Address, usize>,
    exceeded: Option<Exceeded>,
}

impl LimitedTracer {
    /// Starts tracing one transaction with `tracer` (geth options `opts`), until
    /// `deadline`, with at most `budget` bytes of output.
    pub(crate) fn start(
        &mut self,
        tracer: DebugInspector,
        opts: &GethDefaultTracingOptions,
        deadline: Instant,
        budget: usize,
    ) {
        let step_cost = matches!(tracer, DebugInspector::Default(..)).then(|| StepCost {
            stack: opts.is_stack_enabled(),
            memory: opts.is_memory_enabled(),
            return_data: opts.is_return_data_enabled(),
            storage: opts.is_storage_enabled(),
            limit: opts.limit.filter(|l| *l != 0),
        });
        *self = Self {
            tracer: Some(tracer),
            step_cost,
            deadline: Some(deadline),
            budget,
            ..Self::default()
        };
    }

    /// Stops tracing: the tracer and which limit (if any) it ran into.
    pub(crate) fn finish(&mut self) -> (Option<DebugInspector>, Option<Exceeded>) {
        let tracer = self.tracer.take();
        let exceeded = self.exceeded.take();
        *self = Self::default();
        (tracer, exceeded)
    }

    /// Takes `bytes` from the budget; false (and the limit marked) when it is spent.
    fn spend(&mut self, bytes: usize) -> bool {
        match self.budget.checked_sub(bytes) {
            Some(left) => {
                self.budget = left;
                true
            }
            None => {
                self.exceeded = Some(Exceeded::Size);
                false
            }
        }
    }

    /// The estimated output of the step about to run.
    fn step_bytes(&mut self, cost: StepCost, interp: &Interpreter) -> usize {
        let mut bytes = STEP_BYTES;
        if cost.stack {
            bytes += interp.stack.len() * WORD_BYTES;
        }
        if cost.memory {
            bytes += interp.memory.size().div_ceil(32) * WORD_BYTES;
        }
        if cost.return_data {
            bytes += interp.return_data.buffer().len() * 2;
        }
        if cost.storage && matches!(interp.bytecode.opcode(), opcode::SLOAD | opcode::SSTORE) {
            let seen = self.storage_ops.entry(interp.input.target_address).or_default();
            *seen += 1;
            bytes += *seen * WORD_BYTES * 2;
        }
        bytes
    }

    /// Checks the limits before a step; true if the tracer should record it.
    fn admit_step(&mut self, interp: &Interpreter) -> bool {
        if self.exceeded.is_none()
            && self.steps.is_multiple_of(CLOCK_EVERY)
            && self.deadline.is_some_and(|d| Instant::now() >= d)
        {
            self.exceeded = Some(Exceeded::Timeout);
        }
        if self.exceeded.is_some() {
            return false;
        }
        self.steps += 1;
        let Some(cost) = self.step_cost else { return true };
        if cost.limit.is_some_and(|l| self.steps > l) {
            return false;
        }
        let bytes = self.step_bytes(cost, interp);
        self.spend(bytes)
    }
}

impl<CTX> Inspector<CTX> for LimitedTracer
where
    CTX: ContextTr<Journal: JournalExt>,
{
    fn initialize_interp(&mut self, interp: &mut Interpreter, context: &mut CTX) {
        if let Some(t) = &mut self.tracer {
            t.initialize_interp(interp, context);
        }
    }

    fn step(&mut self, interp: &mut Interpreter, context: &mut CTX) {
        self.recording = false;
        if self.tracer.is_none() {
            return;
        }
        if !self.admit_step(interp) {
            if self.exceeded.is_some() {
                interp.halt(InstructionResult::OutOfGas);
            }
            return;
        }
        self.recording = true;
        if let Some(t) = &mut self.tracer {
            t.step(interp, context);
        }
    }

    fn step_end(&mut self, interp: &mut Interpreter, context: &mut CTX) {
        if let (true, Some(t)) = (self.recording, &mut self.tracer) {
            t.step_end(interp, context);
        }
    }

    fn log(&mut self, context: &mut CTX, log: Log) {
        if let Some(t) = &mut self.tracer {
            t.log(context, log);
        }
    }

    fn log_full(&mut self, interp: &mut Interpreter, context: &mut CTX, log: Log) {
        if self.tracer.is_some() && self.step_cost.is_none() {
            let bytes = FRAME_BYTES + log.data.data.len() * 2 + log.topics().len() * WORD_BYTES;
            self.spend(bytes);
        }
        if let Some(t) = &mut self.tracer {
            t.log_full(interp, context, log);
        }
    }

    fn call(&mut self, context: &mut CTX, inputs: &mut CallInputs) -> Option<CallOutcome> {
        self.tracer.as_mut().and_then(|t| t.call(context, inputs))
    }

    fn call_end(&mut self, context: &mut CTX, inputs: &CallInputs, outcome: &mut CallOutcome) {
        if let Some(t) = &mut self.tracer {
            t.call_end(context, inputs, outcome);
        }
    }

    fn create(&mut self, context: &mut CTX, inputs: &mut CreateInputs) -> Option<CreateOutcome> {
        self.tracer.as_mut().and_then(|t| t.create(context, inputs))
    }

    fn create_end(
        &mut self,
        context: &mut CTX,
        inputs: &CreateInputs,
        outcome: &mut CreateOutcome,
    ) {
        if let Some(t) = &mut self.tracer {
            t.create_end(context, inputs, outcome);
        }
    }

    fn selfdestruct(&mut self, contract: Address, target: Address, value: U256) {
        if let Some(t) = &mut self.tracer {
            Inspector::<CTX>::selfdestruct(t, contract, target, value);
        }
    }

    fn frame_start(
        &mut self,
        context: &mut CTX,
        frame_input: &mut FrameInput,
    ) -> Option<FrameResult> {
        if self.tracer.is_some() && self.step_cost.is_none() {
            // A call frame: its input and (bounded by its input) output.
            let input = match frame_input {
                FrameInput::Call(c) => c.input.len(),
                FrameInput::Create(c) => c.init_code().len(),
                FrameInput::Empty => 0,
            };
            self.spend(FRAME_BYTES + input * 4);
        }
        self.tracer.as_mut().and_then(|t| t.frame_start(context, frame_input))
    }

    fn frame_end(
        &mut self,
        context: &mut CTX,
        frame_input: &FrameInput,
        frame_result: &mut FrameResult,
    ) {
        if let Some(t) = &mut self.tracer {
            t.frame_end(context, frame_input, frame_result);
        }
    }
}
