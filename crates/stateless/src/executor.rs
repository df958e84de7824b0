//! The one place a block's executor is set up: its EVM environment (from the header and
//! the fork schedule), alloy-evm's Ethereum block executor factory over [`NrEvmFactory`],
//! and the execution context (parent hash, beacon root, withdrawals) that drives the
//! EIP-2935/EIP-4788 system calls at block start.
//!
//! Block execution ([`crate::block`]) and transaction tracing (the chain's `debug_trace*`)
//! both build their executor here, so a traced transaction runs in exactly the
//! environment its block ran in.

use crate::evm::NrEvmFactory;
use crate::fork::ForkSchedule;
use alloy_consensus::{Block, TxEnvelope};
use alloy_evm::{
    EvmEnv, EvmFactory,
    block::{BlockExecutorFactory, StateDB},
    eth::{
        EthBlockExecutionCtx, EthBlockExecutor, EthBlockExecutorFactory, EthEvm, EthEvmContext,
        receipt_builder::AlloyReceiptBuilder,
    },
    precompiles::PrecompilesMap,
};
use revm::Inspector;
use std::borrow::Cow;

/// alloy-evm's Ethereum block executor factory with our fork schedule and EVM factory.
pub type NrBlockExecutorFactory =
    EthBlockExecutorFactory<AlloyReceiptBuilder, ForkSchedule, NrEvmFactory>;

/// The executor of one block on database `DB` with inspector `I`.
pub type NrBlockExecutor<'a, DB, I> =
    EthBlockExecutor<'a, EthEvm<DB, I, PrecompilesMap>, &'a ForkSchedule, &'a AlloyReceiptBuilder>;

/// How one block executes: its EVM environment and the executor factory; make the
/// executor with [`BlockSetup::executor`].
#[derive(Debug)]
pub struct BlockSetup {
    factory: NrBlockExecutorFactory,
    env: EvmEnv,
}

impl BlockSetup {
    /// The setup of `block` on chain `chain_id` under `schedule`, its EVMs made by `evm`.
    pub fn new(
        block: &Block<TxEnvelope>,
        schedule: &ForkSchedule,
        chain_id: u64,
        evm: &NrEvmFactory,
    ) -> Self {
        let header = &block.header;
        let env = EvmEnv::for_eth_block(
            header,
            schedule,
            chain_id,
            schedule.blob_params_at(header.timestamp),
        );
        let factory = EthBlockExecutorFactory::new(
            AlloyReceiptBuilder::default(),
            schedule.clone(),
            evm.clone(),
        );
        Self { factory, env }
    }

    /// The block's EVM environment (configuration and block fields).
    pub fn env(&self) -> &EvmEnv {
        &self.env
    }

    /// The executor of `block` (the block this setup was made for) on `db` with
    /// `inspector`; `tx_count_hint` sizes the receipt list. The inspector sees every hook:
    /// block execution passes a [`crate::collision::CreateCollisionGuard`] (EIP-7610).
    pub fn executor<'a, DB, I>(
        &'a self,
        db: DB,
        inspector: I,
        block: &'a Block<TxEnvelope>,
        tx_count_hint: usize,
    ) -> NrBlockExecutor<'a, DB, I>
    where
        DB: StateDB,
        I: Inspector<EthEvmContext<DB>>,
    {
        let header = &block.header;
        let evm =
            self.factory.evm_factory().create_evm_with_inspector(db, self.env.clone(), inspector);
        let ctx = EthBlockExecutionCtx {
            parent_hash: header.parent_hash,
            parent_beacon_block_root: header.parent_beacon_block_root,
            ommers: &[],
            withdrawals: block.body.withdrawals.as_ref().map(|w| Cow::Borrowed(w.as_slice())),
            extra_data: header.extra_data.clone(),
            tx_count_hint: Some(tx_count_hint),
            slot_number: None,
        };
        self.factory.create_executor(evm, ctx)
    }
}
