//! The EVM factory used for block execution: Ethereum's, plus optional extra precompiles.
//!
//! An L1 that offers `EXECUTE` installs it through a [`PrecompileHook`]; an L2 (and
//! stateless verification of L2 blocks) uses the plain Ethereum precompile set.

use alloy_evm::{
    Database, EvmEnv, EvmFactory,
    eth::{EthEvm, EthEvmContext, EthEvmFactory},
    precompiles::PrecompilesMap,
};
use revm::{
    Inspector,
    context::{BlockEnv, TxEnv, result::EVMError},
    context_interface::result::HaltReason,
    database_interface::DBErrorMarker,
    inspector::NoOpInspector,
    primitives::hardfork::SpecId,
};
use std::sync::Arc;

/// Adds or replaces precompiles for an EVM about to run under the given spec.
pub type PrecompileHook = Arc<dyn Fn(&mut PrecompilesMap, SpecId) + Send + Sync>;

/// Ethereum's EVM factory with an optional [`PrecompileHook`].
#[derive(Clone, Default)]
pub struct NrEvmFactory {
    hook: Option<PrecompileHook>,
}

impl std::fmt::Debug for NrEvmFactory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NrEvmFactory").field("extra_precompiles", &self.hook.is_some()).finish()
    }
}

impl NrEvmFactory {
    /// A factory whose EVMs get `hook` applied to their precompile set.
    pub fn with_precompiles(hook: PrecompileHook) -> Self {
        Self { hook: Some(hook) }
    }

    fn install(&self, precompiles: &mut PrecompilesMap, spec: SpecId) {
        if let Some(hook) = &self.hook {
            hook(precompiles, spec);
        }
    }
}

impl EvmFactory for NrEvmFactory {
    type Evm<DB: Database, I: Inspector<EthEvmContext<DB>>> = EthEvm<DB, I, PrecompilesMap>;
    type Context<DB: Database> = EthEvmContext<DB>;
    type Tx = TxEnv;
    type Error<DBError: DBErrorMarker> = EVMError<DBError>;
    type HaltReason = HaltReason;
    type Spec = SpecId;
    type BlockEnv = BlockEnv;
    type Precompiles = PrecompilesMap;

    fn create_evm<DB: Database>(&self, db: DB, input: EvmEnv) -> Self::Evm<DB, NoOpInspector> {
        let spec = input.cfg_env.spec;
        let mut evm = EthEvmFactory::default().create_evm(db, input);
        self.install(alloy_evm::Evm::precompiles_mut(&mut evm), spec);
        evm
    }

    fn create_evm_with_inspector<DB: Database, I: Inspector<Self::Context<DB>>>(
        &self,
        db: DB,
        input: EvmEnv,
        inspector: I,
    ) -> Self::Evm<DB, I> {
        let spec = input.cfg_env.spec;
        let mut evm = EthEvmFactory::default().create_evm_with_inspector(db, input, inspector);
        self.install(alloy_evm::Evm::precompiles_mut(&mut evm), spec);
        evm
    }
}

/// The EVM a chain runs one block with, and what the block's header records about it.
pub struct BlockEvm {
    /// Factory for the block's EVM.
    pub factory: NrEvmFactory,
    /// Called after the block ran: the header's `extra_data` (`None` keeps the chain's own).
    pub extra_data: Box<dyn Fn() -> Option<alloy_primitives::Bytes> + Send + Sync>,
}

impl std::fmt::Debug for BlockEvm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BlockEvm").field("factory", &self.factory).finish()
    }
}

/// Per-block EVM choice of a chain (an L1 with EXECUTE and its gas market, or a plain one).
pub trait BlockHooks: Send + Sync + std::fmt::Debug {
    /// The EVM for the block with `header`, child of `parent` (genesis: its own parent).
    fn block_evm(
        &self,
        parent: &alloy_consensus::Header,
        header: &alloy_consensus::Header,
    ) -> BlockEvm;
}

/// Plain Ethereum: no extra precompiles, `extra_data` left as the chain chose it.
#[derive(Debug, Clone, Copy, Default)]
pub struct PlainEthereum;

impl BlockHooks for PlainEthereum {
    fn block_evm(&self, _: &alloy_consensus::Header, _: &alloy_consensus::Header) -> BlockEvm {
        BlockEvm { factory: NrEvmFactory::default(), extra_data: Box::new(|| None) }
    }
}
