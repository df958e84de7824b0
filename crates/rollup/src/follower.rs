//! The follower: rebuilds the L2 chain from L1 data alone (`advance` calldata and
//! `BlockAdvanced` events), re-executing every block and checking hashes and state roots.

use crate::{Deployment, POLL, RollupError, l1::L1Client};
use alloy_rpc_types_eth::BlockNumberOrTag;
use alloy_sol_types::SolCall;
use nr_chain::Chain;
use nr_contracts::NativeRollup;
use nr_stateless::{ssz::StatelessInput, stateless::new_payload_to_block};
use std::sync::Arc;

/// Derivation of the L2 chain from the L1.
#[derive(Debug)]
pub struct Follower {
    chain: Arc<Chain>,
    l1: L1Client,
    next_log_block: u64,
}

impl Follower {
    /// A follower starting at the rollup's deployment block.
    pub fn new(chain: Arc<Chain>, l1: L1Client, deployment: Deployment) -> Self {
        Self { chain, l1, next_log_block: deployment.deploy_block }
    }

    /// Runs until the process ends; with `progress`, shows a bar while behind.
    pub async fn run(mut self, progress: bool) {
        let bar = progress.then(|| {
            let b = indicatif::ProgressBar::new(0);
            b.set_style(
                indicatif::ProgressStyle::with_template(
                    "follower {bar:40} {pos}/{len} blocks {per_sec} {msg}",
                )
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
            );
            b
        });
        loop {
            match self.step(bar.as_ref()).await {
                Ok(()) => {}
                Err(e) => tracing::warn!("follower: {e}"),
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// Derives every block settled on L1 that the local chain does not have yet.
    pub async fn step(&mut self, bar: Option<&indicatif::ProgressBar>) -> Result<(), RollupError> {
        let latest = self.l1.block(BlockNumberOrTag::Latest).await?.number;
        if latest < self.next_log_block {
            return Ok(());
        }
        let (settled, _) = self.l1.settled_head().await?;
        if let Some(b) = bar {
            b.set_length(settled);
            b.set_position(self.chain.head().number);
        }
        // Scan in windows so a long history is not one huge eth_getLogs.
        let to = latest.min(self.next_log_block + 2_000);
        let events = self.l1.events::<NativeRollup::BlockAdvanced>(self.next_log_block, to).await?;
        for (log, e) in events {
            let head = self.chain.head();
            if e.number <= head.number {
                continue; // already derived (restart)
            }
            let tx = log
                .transaction_hash
                .ok_or_else(|| RollupError::L1("log without transaction".into()))?;
            let input = self.l1.tx_input(tx).await?;
            let call = NativeRollup::advanceCall::abi_decode(&input).map_err(|e| {
                RollupError::Derivation(format!("L1 tx {tx} is not a direct advance call: {e}"))
            })?;
            let si = StatelessInput::from_ssz(&call.input)
                .map_err(|e| RollupError::Derivation(e.to_string()))?;
            let npr = &si.new_payload_request;
            let fork = self.chain.spec().schedule.fork_at(npr.execution_payload.timestamp);
            let block = new_payload_to_block(npr, fork)
                .map_err(|e| RollupError::Derivation(e.to_string()))?;
            let chain = self.chain.clone();
            let hash = tokio::task::spawn_blocking(move || chain.import_block(&block))
                .await
                .map_err(|e| RollupError::Config(e.to_string()))??;
            let imported = self.chain.head();
            if hash != e.blockHash || imported.state_root != e.stateRoot {
                return Err(RollupError::Derivation(format!(
                    "block {}: derived {hash} / {}, L1 settled {} / {}",
                    e.number, imported.state_root, e.blockHash, e.stateRoot
                )));
            }
            if let Some(b) = bar {
                b.set_position(e.number);
            }
            tracing::debug!(number = e.number, %hash, "derived");
        }
        self.next_log_block = to + 1;
        Ok(())
    }
}
