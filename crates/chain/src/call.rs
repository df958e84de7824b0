//! Simulated calls on a chosen state (`eth_call`, `eth_estimateGas`).

use crate::{Chain, ChainError};
use alloy_consensus::Header;
use alloy_evm::{Evm, EvmEnv, EvmFactory};
use alloy_primitives::{Address, Bytes, TxKind, U256};
use nr_stateless::state::TrieDb;
use revm::{
    context::TxEnv,
    context_interface::result::{ExecutionResult, ResultAndState},
    database::State,
};

/// A call to simulate (`eth_call`, `eth_estimateGas`).
#[derive(Debug, Clone, Default)]
pub struct CallRequest {
    /// Sender (zero address if absent).
    pub from: Option<Address>,
    /// Target; `None` = contract creation.
    pub to: Option<Address>,
    /// Gas limit (default: block gas limit, capped by the fork's transaction cap).
    pub gas: Option<u64>,
    /// Legacy gas price.
    pub gas_price: Option<u128>,
    /// EIP-1559 fee cap.
    pub max_fee_per_gas: Option<u128>,
    /// EIP-1559 tip.
    pub max_priority_fee_per_gas: Option<u128>,
    /// Value.
    pub value: Option<U256>,
    /// Calldata.
    pub input: Bytes,
    /// Nonce (default: the sender's).
    pub nonce: Option<u64>,
    /// Access list.
    pub access_list: Option<alloy_eips::eip2930::AccessList>,
    /// Blob versioned hashes (a blob transaction: `BLOBHASH` sees them).
    pub blob_versioned_hashes: Option<Vec<alloy_primitives::B256>>,
    /// Blob fee cap (default: the block's blob base fee).
    pub max_fee_per_blob_gas: Option<u128>,
}

/// What a simulated call did.
#[derive(Debug, Clone)]
pub enum CallOutcome {
    /// Succeeded with output and gas used.
    Success {
        /// Return data.
        output: Bytes,
        /// Gas used.
        gas_used: u64,
    },
    /// Reverted with data.
    Revert {
        /// Revert data.
        output: Bytes,
        /// Gas used.
        gas_used: u64,
    },
    /// Halted (out of gas, invalid opcode, failed precompile ...).
    Halt {
        /// Reason.
        reason: String,
        /// Gas used.
        gas_used: u64,
    },
    /// The transaction itself is invalid (funds, nonce, gas cap ...).
    Invalid(String),
}

impl Chain {
    /// Simulates `req` on the state after `header`, in the environment of `header`.
    pub fn call(&self, header: &Header, req: &CallRequest) -> Result<CallOutcome, ChainError> {
        let parent = self.header(&header.parent_hash)?.unwrap_or_else(|| header.clone());
        self.call_in(header, &parent, header, req)
    }

    /// Simulates `req` as if it were the first transaction of the head's next block (at
    /// `timestamp`): head state, next block's number, time, base fee and block hashes.
    pub fn call_pending(
        &self,
        timestamp: u64,
        req: &CallRequest,
    ) -> Result<CallOutcome, ChainError> {
        let head = self.head();
        let next = self.child_template(&head, timestamp.max(head.timestamp + 1));
        self.call_in(&head, &head, &next, req)
    }

    /// The EVM environment and transaction of call `req` on the state after `state`, in
    /// the environment of block `header` (no base fee, nonce or EIP-3607 checks, as geth's
    /// `eth_call`). `debug_traceCall` runs the same call with a tracer.
    pub(crate) fn call_env(
        &self,
        state: &Header,
        header: &Header,
        req: &CallRequest,
    ) -> Result<(EvmEnv, TxEnv), ChainError> {
        let mut env = EvmEnv::for_eth_block(
            header,
            &self.spec.schedule,
            self.spec.chain_id,
            self.spec.schedule.blob_params_at(header.timestamp),
        );
        env.cfg_env.disable_base_fee = true;
        env.cfg_env.disable_nonce_check = true;
        env.cfg_env.disable_eip3607 = true;
        let cap = self.tx_gas_cap(header);
        let caller = req.from.unwrap_or_default();
        let nonce = match req.nonce {
            Some(n) => n,
            None => self.account(state, caller)?.map_or(0, |a| a.nonce),
        };
        let blob = req.blob_versioned_hashes.as_ref().filter(|h| !h.is_empty());
        let eip1559 = blob.is_some()
            || req.max_fee_per_gas.is_some()
            || req.max_priority_fee_per_gas.is_some();
        let blob_fee = req.max_fee_per_blob_gas.or_else(|| self.blob_base_fee_at(header));
        let tx = TxEnv {
            tx_type: if blob.is_some() {
                3
            } else if eip1559 {
                2
            } else if req.access_list.is_some() {
                1
            } else {
                0
            },
            caller,
            gas_limit: req.gas.unwrap_or(cap),
            gas_price: req.gas_price.or(req.max_fee_per_gas).unwrap_or(0),
            kind: req.to.map_or(TxKind::Create, TxKind::Call),
            value: req.value.unwrap_or_default(),
            data: req.input.clone(),
            nonce,
            chain_id: Some(self.spec.chain_id),
            access_list: req.access_list.clone().unwrap_or_default(),
            gas_priority_fee: if eip1559 {
                Some(req.max_priority_fee_per_gas.unwrap_or(0))
            } else {
                None
            },
            blob_hashes: blob.cloned().unwrap_or_default(),
            max_fee_per_blob_gas: if blob.is_some() { blob_fee.unwrap_or_default() } else { 0 },
            ..Default::default()
        };
        Ok((env, tx))
    }

    fn call_in(
        &self,
        state: &Header,
        parent: &Header,
        header: &Header,
        req: &CallRequest,
    ) -> Result<CallOutcome, ChainError> {
        let view = self.view(state)?;
        let (env, tx) = self.call_env(state, header, req)?;
        let hooks = self.hooks.block_evm(parent, header);
        let mut db = State::builder().with_database(TrieDb::new(state.state_root, &view)).build();
        // The guard makes a creation into an account with storage collide (EIP-7610).
        let mut evm = hooks.factory.create_evm_with_inspector(
            &mut db,
            env,
            nr_stateless::collision::CreateCollisionGuard::untraced(),
        );
        let result = evm.transact(tx);
        drop(evm);
        if let Some(f) = db.database.failure() {
            return Err(ChainError::Read(f.clone()));
        }
        Ok(outcome(result))
    }

    /// The smallest gas limit with which `req` succeeds on the state after `header`.
    pub fn estimate_gas(
        &self,
        header: &Header,
        req: &CallRequest,
    ) -> Result<Result<u64, CallOutcome>, ChainError> {
        estimate_with(self.tx_gas_cap(header), req, |r| self.call(header, r))
    }

    /// [`Chain::estimate_gas`] in the head's next block ([`Chain::call_pending`]).
    pub fn estimate_gas_pending(
        &self,
        timestamp: u64,
        req: &CallRequest,
    ) -> Result<Result<u64, CallOutcome>, ChainError> {
        let head = self.head();
        let next = self.child_template(&head, timestamp.max(head.timestamp + 1));
        estimate_with(self.tx_gas_cap(&next), req, |r| self.call_pending(timestamp, r))
    }
}

/// The smallest gas limit up to `req.gas` (else `cap`) with which `call` succeeds.
fn estimate_with(
    cap: u64,
    req: &CallRequest,
    call: impl Fn(&CallRequest) -> Result<CallOutcome, ChainError>,
) -> Result<Result<u64, CallOutcome>, ChainError> {
    let mut hi = req.gas.unwrap_or(cap);
    let run = |gas: u64| {
        let mut r = req.clone();
        r.gas = Some(gas);
        call(&r)
    };
    let first = run(hi)?;
    let used = match first {
        CallOutcome::Success { gas_used, .. } => gas_used,
        other => return Ok(Err(other)),
    };
    let mut lo = used.saturating_sub(1).max(20_999);
    // Most calls succeed with their used gas (or a little more, for the 63/64 rule).
    if let CallOutcome::Success { .. } = run(used)? {
        return Ok(Ok(used));
    }
    while lo + 1 < hi {
        let mid = lo + (hi - lo) / 2;
        match run(mid)? {
            CallOutcome::Success { .. } => hi = mid,
            _ => lo = mid,
        }
    }
    Ok(Ok(hi))
}

/// What a simulated call's result means to a caller.
pub(crate) fn outcome<E: std::fmt::Display>(
    result: Result<ResultAndState<revm::context_interface::result::HaltReason>, E>,
) -> CallOutcome {
    match result {
        Ok(ResultAndState { result, .. }) => match result {
            ExecutionResult::Success { output, gas, .. } => {
                CallOutcome::Success { output: output.into_data(), gas_used: gas.tx_gas_used() }
            }
            ExecutionResult::Revert { output, gas, .. } => {
                CallOutcome::Revert { output, gas_used: gas.tx_gas_used() }
            }
            ExecutionResult::Halt { reason, gas, .. } => {
                CallOutcome::Halt { reason: format!("{reason:?}"), gas_used: gas.tx_gas_used() }
            }
        },
        Err(e) => CallOutcome::Invalid(e.to_string()),
    }
}
