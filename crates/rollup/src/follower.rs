//! The follower: rebuilds the L2 chain from L1 data alone (settlement calldata and
//! `BlockAdvanced` events), re-executing every block and checking hashes and state roots.

use crate::{
    Deployment, DerivedMismatch, POLL, ProgressSink, RollupError, l1::L1Client,
    reconcile::Reconciler,
};
use alloy_consensus::{Block, TxEnvelope};
use alloy_rpc_types_eth::BlockNumberOrTag;
use nr_chain::Chain;
use nr_contracts::NativeRollup;
use nr_stateless::{ssz::StatelessInput, stateless::new_payload_to_block};
use std::sync::Arc;
use tokio_util::task::TaskTracker;

/// How far a follower is: reported after each L1 poll and each derived block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FollowerProgress {
    /// L2 blocks derived so far (the local head).
    pub derived: u64,
    /// L2 blocks settled on L1 (the target).
    pub settled: u64,
}

/// Derivation of the L2 chain from the L1.
#[derive(Debug)]
pub struct Follower {
    chain: Arc<Chain>,
    l1: L1Client,
    next_log_block: u64,
    blocking: TaskTracker,
    reconciler: Reconciler,
}

impl Follower {
    /// A follower starting at the rollup's deployment block, importing blocks on
    /// `blocking` (off the async runtime; the node's shutdown waits for it).
    pub fn new(
        chain: Arc<Chain>,
        l1: L1Client,
        deployment: Deployment,
        blocking: TaskTracker,
    ) -> Self {
        let reconciler = Reconciler {
            chain: chain.clone(),
            l1: l1.clone(),
            blocking: blocking.clone(),
            deploy_block: deployment.deploy_block,
        };
        Self { chain, l1, next_log_block: deployment.deploy_block, blocking, reconciler }
    }

    /// Runs until the process ends (or its task is aborted), telling `progress` how far it is.
    pub async fn run(mut self, progress: Option<ProgressSink>) {
        loop {
            match self.step(progress.as_deref()).await {
                Ok(()) => {}
                Err(e) => tracing::warn!("follower: {e}"),
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// Derives every block settled on L1 that the local chain does not have yet.
    pub async fn step(
        &mut self,
        progress: Option<&(dyn Fn(FollowerProgress) + Send + Sync)>,
    ) -> Result<(), RollupError> {
        let r = self.reconciler.step_follower().await?;
        let settled = r.settled;
        let latest = self.l1.block(BlockNumberOrTag::Latest).await?.number;
        if r.rewound_to.is_some()
            || latest < self.next_log_block && settled > self.chain.head().number
        {
            // After a rewind (or an L1 reorg below the scan position), derivation resumes
            // where the L1 now settles the block after the local head.
            let next = self.chain.head().number + 1;
            self.next_log_block = self.reconciler.settlement_block(next).await?;
        }
        if latest < self.next_log_block {
            return Ok(());
        }
        if let Some(report) = progress {
            report(FollowerProgress { derived: self.chain.head().number, settled });
        }
        // Scan in windows so a long history is not one huge eth_getLogs.
        let to = latest.min(self.next_log_block + 2_000);
        let events = self.l1.events::<NativeRollup::BlockAdvanced>(self.next_log_block, to).await?;
        for (log, e) in events {
            let head = self.chain.head();
            if e.number <= head.number {
                continue; // already derived (restart)
            }
            if e.number > head.number + 1 {
                // A settlement was missed (an L1 reorg moved it behind the scan position):
                // rescan from where the L1 settles the next block.
                self.next_log_block = self.reconciler.settlement_block(head.number + 1).await?;
                return Ok(());
            }
            let block = settled_block(&self.l1, &self.chain, &log, &e).await?;
            let chain = self.chain.clone();
            let hash = self.blocking.spawn_blocking(move || chain.import_block(&block)).await??;
            let imported = self.chain.head();
            if hash != e.blockHash || imported.state_root != e.stateRoot {
                return Err(RollupError::DerivedMismatch(Box::new(DerivedMismatch {
                    number: e.number,
                    hash,
                    state_root: imported.state_root,
                    l1_hash: e.blockHash,
                    l1_state_root: e.stateRoot,
                })));
            }
            if let Some(report) = progress {
                report(FollowerProgress { derived: e.number, settled });
            }
            tracing::debug!(number = e.number, %hash, "derived");
        }
        self.next_log_block = to + 1;
        Ok(())
    }
}

/// The L2 block an L1 `BlockAdvanced` event settled, rebuilt from the input of the
/// `advance` call that emitted it, whatever the call's shape (docs/l2.md, "Deriving
/// whatever the call shape"): when the L1 transaction calls the rollup directly its
/// calldata is that input; otherwise (a wrapper contract, an EIP-7702 account, a batch)
/// the transaction's `callTracer` trace gives every successful `CALL` of `advance` on the
/// rollup, nested at any depth. The block is the one whose rebuilt hash is the event's:
/// the hash commits to the whole block, so a look-alike input cannot be taken for it.
pub(crate) async fn settled_block(
    l1: &L1Client,
    chain: &Chain,
    log: &alloy_rpc_types_eth::Log,
    e: &NativeRollup::BlockAdvanced,
) -> Result<Block<TxEnvelope>, RollupError> {
    let tx = log.transaction_hash.ok_or(RollupError::LogWithoutTransaction)?;
    let (to, input) = l1.tx_call(tx).await?;
    if to == Some(l1.rollup)
        && let Some(block) = block_of_call(chain, &input, e.number)
        && block.header.hash_slow() == e.blockHash
    {
        return Ok(block);
    }
    let trace = l1.call_trace(tx).await?;
    let mut inputs = vec![];
    advance_inputs(&trace, l1.rollup, &mut inputs);
    for input in &inputs {
        if let Some(block) = block_of_call(chain, input, e.number)
            && block.header.hash_slow() == e.blockHash
        {
            return Ok(block);
        }
    }
    Err(RollupError::NoAdvanceFound { tx, number: e.number, calls: inputs.len() })
}

/// Block `number` as settlement call `calldata` carries it (any of
/// [`crate::calls::SETTLEMENT_SELECTORS`]), if it does. A batch holds consecutive blocks
/// (the contract chains them), so the block is found from the first one's number without
/// decoding the others.
fn block_of_call(chain: &Chain, calldata: &[u8], number: u64) -> Option<Block<TxEnvelope>> {
    let inputs = crate::calls::settlement_inputs(calldata).ok()?;
    let first = block_of_input(chain, inputs.first()?).ok()?;
    let index = usize::try_from(number.checked_sub(first.header.number)?).ok()?;
    match index {
        0 => Some(first),
        i => block_of_input(chain, inputs.get(i)?).ok(),
    }
}

/// The block an EXECUTE input (wire bytes) carries.
fn block_of_input(chain: &Chain, input: &[u8]) -> Result<Block<TxEnvelope>, RollupError> {
    let si = StatelessInput::from_wire(input)?;
    let npr = &si.new_payload_request;
    let fork = chain.spec().schedule.fork_at(npr.execution_payload.timestamp);
    Ok(new_payload_to_block(npr, fork)?)
}

/// The calldata of every call in a `callTracer` frame tree that is a successful `CALL` of
/// a settlement call (`advance`, `advanceWithDelivery` or a batch) on `rollup` (a reverted call emitted nothing), in
/// execution order.
fn advance_inputs(
    frame: &serde_json::Value,
    rollup: alloy_primitives::Address,
    out: &mut Vec<alloy_primitives::Bytes>,
) {
    if frame.get("error").is_some_and(|e| !e.is_null()) {
        return; // reverted: nothing below it was kept
    }
    let is_call = frame.get("type").and_then(|t| t.as_str()) == Some("CALL");
    let to = frame
        .get("to")
        .and_then(|t| serde_json::from_value::<alloy_primitives::Address>(t.clone()).ok());
    let input = frame
        .get("input")
        .and_then(|i| serde_json::from_value::<alloy_primitives::Bytes>(i.clone()).ok());
    if is_call
        && to == Some(rollup)
        && let Some(input) = input
        && crate::calls::is_settlement_call(&input)
    {
        out.push(input);
    }
    if let Some(calls) = frame.get("calls").and_then(|c| c.as_array()) {
        for c in calls {
            advance_inputs(c, rollup, out);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy_primitives::{Address, hex};
    use alloy_sol_types::SolCall;
    use serde_json::json;

    #[test]
    fn advance_inputs_are_the_successful_nested_calls_of_the_rollup() {
        let rollup = Address::repeat_byte(1);
        let other = Address::repeat_byte(2);
        let sel = hex::encode_prefixed(NativeRollup::advanceCall::SELECTOR);
        let call = |ty: &str, to: Address, tail: &str, calls: serde_json::Value| json!({"type": ty, "to": to, "input": format!("{sel}{tail}"), "calls": calls});
        let trace = json!({
            "type": "CALL", "to": other, "input": "0x12345678",
            "calls": [
                call("CALL", rollup, "01", json!([])),
                call("DELEGATECALL", rollup, "02", json!([])),
                call("STATICCALL", rollup, "03", json!([])),
                call("CALL", other, "04", json!([])),
                {"type": "CALL", "to": other, "input": "0x", "error": "execution reverted",
                 "calls": [call("CALL", rollup, "05", json!([]))]},
                {"type": "CALL", "to": other, "input": "0x",
                 "calls": [call("CALL", rollup, "06", json!([]))]},
            ]
        });
        let mut out = vec![];
        advance_inputs(&trace, rollup, &mut out);
        let tails: Vec<u8> = out.iter().map(|i| i[4]).collect();
        assert_eq!(
            tails,
            vec![1, 6],
            "direct and deeply nested CALLs, in order; no reverted, delegate or static call"
        );
    }

    /// Blocks settled with `advanceWithDelivery` (a forced deposit was due) are derived too.
    #[test]
    fn advance_with_delivery_calls_are_advance_inputs() {
        let rollup = Address::repeat_byte(1);
        let sel = hex::encode_prefixed(NativeRollup::advanceWithDeliveryCall::SELECTOR);
        let trace = json!({"type": "CALL", "to": rollup, "input": format!("{sel}07")});
        let mut out = vec![];
        advance_inputs(&trace, rollup, &mut out);
        assert_eq!(out.len(), 1);
    }

    /// Blocks settled with `advanceBatch` or `advanceBatchWithDelivery` are derived too.
    #[test]
    fn advance_batch_calls_are_advance_inputs() {
        let rollup = Address::repeat_byte(1);
        for sel in [
            NativeRollup::advanceBatchCall::SELECTOR,
            NativeRollup::advanceBatchWithDeliveryCall::SELECTOR,
        ] {
            let sel = hex::encode_prefixed(sel);
            let trace = json!({"type": "CALL", "to": rollup, "input": format!("{sel}07")});
            let mut out = vec![];
            advance_inputs(&trace, rollup, &mut out);
            assert_eq!(out.len(), 1, "selector {sel}");
        }
    }
}
