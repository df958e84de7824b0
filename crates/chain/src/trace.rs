//! Transaction tracing: a stored transaction re-executed in its block with one of geth's
//! tracers (revm-inspectors), for `debug_traceTransaction`.

use crate::{Chain, ChainError};
use alloy_consensus::transaction::SignerRecoverable;
use alloy_evm::{
    Evm, EvmEnv, EvmFactory,
    block::{BlockExecutor, BlockExecutorFactory},
    eth::{EthBlockExecutionCtx, EthBlockExecutorFactory, receipt_builder::AlloyReceiptBuilder},
};
use alloy_primitives::B256;
pub use alloy_rpc_types_trace::geth::{CallConfig, CallFrame};
use nr_stateless::collision::CreateCollisionGuard;
use nr_stateless::state::TrieDb;
use revm::database::State;
use revm_inspectors::tracing::{TracingInspector, TracingInspectorConfig};
use std::borrow::Cow;

impl Chain {
    /// geth's `callTracer` frame of canonical transaction `hash`: its block's state
    /// before it is rebuilt (system calls, the transactions before it), then it runs with
    /// the tracer. `None` if no canonical transaction has this hash.
    pub fn call_trace(
        &self,
        hash: &B256,
        config: CallConfig,
    ) -> Result<Option<CallFrame>, ChainError> {
        let Some((block_hash, index)) = self.tx_location(hash)? else { return Ok(None) };
        let block = self.block(&block_hash)?.ok_or(ChainError::UnknownBlock(block_hash))?;
        let header = &block.header;
        let parent =
            self.header(&header.parent_hash)?.ok_or(ChainError::UnknownParent(block_hash))?;
        let view = self.view(&parent)?;
        let hooks = self.hooks.block_evm(&parent, header);
        let env = EvmEnv::for_eth_block(
            header,
            &self.spec.schedule,
            self.spec.chain_id,
            self.spec.schedule.blob_params_at(header.timestamp),
        );
        let mut db = State::builder().with_database(TrieDb::new(parent.state_root, &view)).build();
        let factory = EthBlockExecutorFactory::new(
            AlloyReceiptBuilder::default(),
            self.spec.schedule.clone(),
            hooks.factory.clone(),
        );
        let tracer = || {
            CreateCollisionGuard::new(TracingInspector::new(
                TracingInspectorConfig::from_geth_call_config(&config),
            ))
        };
        // The inspector stays enabled for every transaction: its guard applies EIP-7610;
        // the tracer is replaced by a fresh one before the traced transaction.
        let evm = factory.evm_factory().create_evm_with_inspector(&mut db, env, tracer());
        let ctx = EthBlockExecutionCtx {
            parent_hash: header.parent_hash,
            parent_beacon_block_root: header.parent_beacon_block_root,
            ommers: &[],
            withdrawals: block.body.withdrawals.as_ref().map(|w| Cow::Borrowed(w.as_slice())),
            extra_data: header.extra_data.clone(),
            tx_count_hint: Some(block.body.transactions.len()),
            slot_number: None,
        };
        let mut executor = factory.create_executor(evm, ctx);
        let frame = (|| {
            executor.apply_pre_execution_changes()?;
            for (i, tx) in block.body.transactions.iter().enumerate() {
                let sender = tx
                    .recover_signer()
                    .map_err(|_| alloy_evm::block::BlockExecutionError::msg("invalid sender"))?;
                let tx = alloy_consensus::transaction::Recovered::new_unchecked(tx, sender);
                if i as u64 == index {
                    *executor.evm_mut().inspector_mut() = tracer();
                    let result = executor.execute_transaction_without_commit(tx)?;
                    let gas = result.result.result.tx_gas_used();
                    let builder =
                        executor.evm_mut().inspector_mut().inner().clone().into_geth_builder();
                    return Ok(builder.geth_call_traces(config, gas));
                }
                executor.execute_transaction(tx)?;
            }
            Err(alloy_evm::block::BlockExecutionError::msg("transaction not in its block"))
        })();
        match frame {
            Ok(f) => Ok(Some(f)),
            Err(e) => match db.database.failure() {
                Some(f) => Err(ChainError::Read(f.clone())),
                None => Err(ChainError::Block(nr_stateless::BlockError::Execution(e))),
            },
        }
    }
}
