//! `eth_createAccessList`: the storage a simulated call touches, as an EIP-2930 list.

use crate::{CallOutcome, CallRequest, Chain, ChainError, call::outcome};
use alloy_consensus::Header;
use alloy_eips::eip2930::AccessList;
use alloy_evm::{Evm, EvmFactory};
use nr_stateless::{collision::CreateCollisionGuard, state::TrieDb};
use revm::database::State;
use revm_inspectors::access_list::AccessListInspector;

/// Most runs [`Chain::create_access_list`] makes before it gives the last list: each run
/// with a list can only touch what the list made cheaper, so two or three suffice.
pub const MAX_ACCESS_LIST_RUNS: usize = 8;

impl Chain {
    /// The access list of `req` on the state after `header`, as geth builds it: the call
    /// runs with the list found so far until a run touches nothing new (the sender, the
    /// target and the precompiles are left out). Returns the list and the outcome of the
    /// last run, made with that list (its gas counts the list).
    pub fn create_access_list(
        &self,
        header: &Header,
        req: &CallRequest,
    ) -> Result<(AccessList, CallOutcome), ChainError> {
        let parent = self.header(&header.parent_hash)?.unwrap_or_else(|| header.clone());
        let view = self.view(header)?;
        let mut list = req.access_list.clone().unwrap_or_default();
        let mut runs = 0;
        loop {
            let mut r = req.clone();
            r.access_list = Some(list.clone());
            let (env, tx) = self.call_env(header, header, &r)?;
            let hooks = self.hooks.block_evm(&parent, header);
            let mut db =
                State::builder().with_database(TrieDb::new(header.state_root, &view)).build();
            let inspector = CreateCollisionGuard::new(AccessListInspector::new(list.clone()));
            let mut evm = hooks.factory.create_evm_with_inspector(&mut db, env, inspector);
            let result = evm.transact(tx);
            let found = std::mem::take(evm.inspector_mut().inner_mut()).into_access_list();
            drop(evm);
            if let Some(f) = db.database.failure() {
                return Err(ChainError::Read(f.clone()));
            }
            runs += 1;
            if found == list || runs == MAX_ACCESS_LIST_RUNS {
                return Ok((found, outcome(result)));
            }
            list = found;
        }
    }
}
