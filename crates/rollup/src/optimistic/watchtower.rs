//! The watchtower: derives every proposed block from its posted data on the node's own
//! chain ([`posted::check`]), challenges the first invalid one, defends challenged valid
//! ones with EXECUTE (the witness from its chain, as the settler builds it for `advance`)
//! and resolves undefended challenges once their deadline passed. In follower mode it
//! also imports the valid proposals (rule 6: the chain is derived from proposals), drops
//! what `resolve` dropped, and moves the labels (`safe` = valid proposals, `finalized` =
//! finalized on L1).

use super::forced as opt_forced;
use super::{
    OptimisticError, OptimisticRollup,
    adversary::Adversary,
    blob_proposals,
    posted::{self, Verdict},
    proposals::{Proposal, Reader},
    proposer::tip,
};
use crate::{POLL, l1::L1Client};
use alloy_eips::eip7685::Requests;
use alloy_primitives::B256;
use alloy_primitives::U256;
use alloy_rpc_types_eth::BlockNumberOrTag;
use alloy_sol_types::SolCall;
use nr_chain::Chain;
use nr_stateless::memory::MemoryChain;
use std::{
    collections::{BTreeMap, HashMap},
    sync::Arc,
};
use tokio_util::task::TaskTracker;

/// A proposal and what the watchtower made of it.
#[derive(Debug, Clone)]
struct Judged {
    proposal: Proposal,
    verdict: Option<Verdict>,
}

/// The watchtower (and, with `follow`, the optimistic follower) of an L2 node.
#[derive(Debug)]
pub struct Watchtower {
    chain: Arc<Chain>,
    l1: L1Client,
    blocking: TaskTracker,
    adversary: Adversary,
    follow: bool,
    disputes: bool,
    next_log_block: u64,
    reader: Reader,
    pending: BTreeMap<u64, Judged>,
    grieved: bool,
    /// The rollup's forced-transaction inbox (resolved at the first round).
    inbox: Option<L1Client>,
    /// Transaction hashes of inbox entries by index (entries never change).
    entries: HashMap<u64, B256>,
}

impl Watchtower {
    /// A watchtower scanning proposals from L1 block `deploy_block`. `follow`: import the
    /// valid proposals into the chain (a node without a sequencer); `disputes`: challenge,
    /// defend and resolve (needs the L1 client's key).
    pub fn new(
        chain: Arc<Chain>,
        l1: L1Client,
        blocking: TaskTracker,
        deploy_block: u64,
        follow: bool,
        disputes: bool,
        adversary: Adversary,
    ) -> Self {
        Self {
            chain,
            l1,
            blocking,
            adversary,
            follow,
            disputes,
            next_log_block: deploy_block,
            reader: Reader::default(),
            pending: BTreeMap::new(),
            grieved: false,
            inbox: None,
            entries: HashMap::new(),
        }
    }

    /// Runs until the process ends.
    pub async fn run(mut self) {
        loop {
            if let Err(e) = self.step().await {
                tracing::warn!("watchtower: {e}");
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// One round: scan new proposals, judge them, act on disputes, follow.
    pub async fn step(&mut self) -> Result<(), OptimisticError> {
        let latest = self.l1.block(BlockNumberOrTag::Latest).await?;
        if latest.number >= self.next_log_block {
            let to = latest.number.min(self.next_log_block + 2_000);
            for p in self.reader.read(&self.l1, self.next_log_block, to).await? {
                self.pending.insert(p.number, Judged { proposal: p, verdict: None });
            }
            self.next_log_block = to + 1;
        }
        let tip = tip(&self.l1).await?;
        self.reader.forget_below(tip.finalized);
        if self.follow {
            self.unwind(tip.finalized, tip.pending, tip.pending_hash)?;
        }
        // A follower also derives the finalized blocks it does not have yet (it may start
        // late); their proposals are the latest ones at their numbers.
        let from = match self.follow {
            true => self.chain.head().number.min(tip.finalized),
            false => tip.finalized,
        };
        self.pending.retain(|n, _| *n > from && *n <= tip.pending);
        let mut safe = tip.finalized;
        for n in from + 1..=tip.pending {
            let Some(verdict) = self.judge(n).await? else { break };
            if n <= tip.finalized {
                continue;
            }
            if self.disputes {
                self.dispute(n, &verdict, latest.timestamp).await?;
            }
            if verdict.is_invalid() {
                break; // later blocks descend from it: resolving it drops them too
            }
            safe = n;
        }
        if self.follow {
            let head = self.chain.head().number;
            self.chain.set_safe_finalized(safe.min(head), tip.finalized.min(head));
        }
        Ok(())
    }

    /// Follower: rewinds local blocks the rollup no longer has pending (dropped by
    /// `resolve`) or that differ from the pending tip.
    fn unwind(
        &self,
        finalized: u64,
        pending: u64,
        pending_hash: alloy_primitives::B256,
    ) -> Result<(), OptimisticError> {
        let head = self.chain.head().number;
        let local = self.chain.hash_by_number(pending)?;
        if head > pending || local.is_some_and(|h| h != pending_hash) {
            let to = if local == Some(pending_hash) { pending } else { finalized.min(head) };
            let r = self.chain.rewind_to(to)?;
            tracing::warn!(to, removed = r.removed_blocks, "follower: dropped blocks rewound");
        }
        Ok(())
    }

    /// The verdict on pending block `n` (judged once), or `None` when it cannot be judged
    /// yet (not scanned, or its parent is not in the local chain).
    async fn judge(&mut self, n: u64) -> Result<Option<Verdict>, OptimisticError> {
        let Some(j) = self.pending.get(&n).cloned() else { return Ok(None) };
        if let Some(v) = &j.verdict {
            return Ok(Some(v.clone()));
        }
        let posted = j.proposal.posted.clone();
        // The claim's parent hash is the claimed hash of block n-1 when n was proposed
        // (bound by the batch root): the local block n-1 must be that block.
        let expected_parent = j.proposal.claim.parentHash;
        let Some(parent) = self.chain.header_by_number(n - 1)? else { return Ok(None) };
        if parent.hash_slow() != expected_parent {
            return Ok(None);
        }
        let (verdict, block) = match j.proposal.undecodable.clone() {
            // A blob record that is not the claimed block's data: nobody can prove it is.
            Some(reason) => (Verdict::Underivable(reason), None),
            None => {
                let anchor = j.proposal.claim.anchorHash;
                let chain = self.chain.clone();
                let p = posted.clone();
                let rules = self.rules(&j.proposal).await?;
                self.blocking
                    .spawn_blocking(move || {
                        posted::check_rules(&chain, &parent, &p, anchor, &rules)
                    })
                    .await
                    .map_err(|e| OptimisticError::Join(e.to_string()))??
            }
        };
        if let Some(block) = block
            && self.follow
            && self.chain.hash_by_number(n)?.is_none()
        {
            let chain = self.chain.clone();
            self.blocking
                .spawn_blocking(move || chain.import_block(&block))
                .await
                .map_err(|e| OptimisticError::Join(e.to_string()))??;
        }
        if verdict.is_invalid() {
            tracing::warn!(n, ?verdict, "watchtower: invalid proposal");
        } else {
            tracing::debug!(n, "watchtower: valid proposal");
        }
        if let Some(j) = self.pending.get_mut(&n) {
            j.verdict = Some(verdict.clone());
        }
        Ok(Some(verdict))
    }

    /// Rule 5 for `proposal`'s block: the transaction hashes of the inbox entries its
    /// claim says it starts with, and the messages its state owes.
    async fn rules(&mut self, proposal: &Proposal) -> Result<posted::ForcedRules, OptimisticError> {
        let claim = &proposal.claim;
        let mut forced = Vec::new();
        if claim.forcedTo > claim.forcedFrom {
            let inbox = match &self.inbox {
                Some(i) => i.clone(),
                None => {
                    let i = opt_forced::inbox_client(&self.l1).await?;
                    self.inbox = Some(i.clone());
                    i
                }
            };
            for i in claim.forcedFrom..claim.forcedTo {
                let hash = match self.entries.get(&i) {
                    Some(h) => *h,
                    None => {
                        let e = inbox
                            .view(nr_contracts::NativeRollup::forcedEntryCall { i: U256::from(i) })
                            .await?;
                        self.entries.insert(i, e.txHash);
                        e.txHash
                    }
                };
                forced.push(hash);
            }
        }
        Ok(posted::ForcedRules { forced, due: claim.due })
    }

    /// Challenges, defends or resolves block `n` as its verdict and status require.
    async fn dispute(
        &mut self,
        n: u64,
        verdict: &Verdict,
        now: u64,
    ) -> Result<(), OptimisticError> {
        let Some(proposal) = self.pending.get(&n).map(|j| j.proposal.clone()) else {
            return Ok(());
        };
        let p = self.l1.view(OptimisticRollup::pendingBlockCall { n }).await?;
        if p.batch != proposal.batch {
            return Ok(()); // not (or no longer) the live proposal of n
        }
        let window: U256 = self.l1.view(OptimisticRollup::challengeWindowCall {}).await?;
        let open = U256::from(now) < U256::from(p.proposedAt) + window;
        // A griefer picks a block with transactions (the costliest to defend).
        let has_txs = !proposal.posted.transactions.is_empty();
        match (verdict.is_invalid(), p.status) {
            (true, super::status::NONE) if open => self.challenge(n, p.batch).await?,
            (true, super::status::CHALLENGED) if now > p.respondBy => {
                let call = self.resolve_call(&proposal)?;
                let r = self.l1.send(self.l1.rollup, call.abi_encode().into(), U256::ZERO).await?;
                tracing::warn!(n, gas = r.gas_used, "watchtower: resolved an undefended challenge");
            }
            // A griefing challenger does not defend what it challenged.
            // Within the response window only (a late defence reverts; a blob defence
            // would pay for `proveBlobData` first).
            (false, super::status::CHALLENGED)
                if !self.adversary.grief_challenger && now <= p.respondBy =>
            {
                self.defend(&proposal).await?
            }
            (false, super::status::NONE)
                if open && self.adversary.grief_challenger && !self.grieved && has_txs =>
            {
                self.grieved = true;
                tracing::warn!(n, "griefing challenger: challenging a valid block");
                self.challenge(n, p.batch).await?;
            }
            _ => {}
        }
        Ok(())
    }

    /// The `resolve` call of `proposal`'s block: with the claim of the block before it
    /// when that block is of the same batch (it becomes the batch's tip; the inbox rolls
    /// back to its `forcedTo`), else with the block's own claim (the inbox rolls back to
    /// its `forcedFrom`).
    fn resolve_call(
        &self,
        proposal: &Proposal,
    ) -> Result<OptimisticRollup::resolveCall, OptimisticError> {
        let n = proposal.number;
        let prev = (n > proposal.first)
            .then(|| self.pending.get(&(n - 1)))
            .flatten()
            .filter(|j| j.proposal.batch == proposal.batch);
        Ok(match prev {
            Some(j) => OptimisticRollup::resolveCall {
                n,
                batch: proposal.batch,
                prev: j.proposal.claim.clone(),
                prevProof: j.proposal.proof()?,
            },
            None => OptimisticRollup::resolveCall {
                n,
                batch: proposal.batch,
                prev: proposal.claim.clone(),
                prevProof: proposal.proof()?,
            },
        })
    }

    async fn challenge(&self, n: u64, batch: u64) -> Result<(), OptimisticError> {
        let bond = self.l1.view(OptimisticRollup::challengerBondCall {}).await?;
        let call = OptimisticRollup::challengeCall { n, batch };
        let r = self.l1.send(self.l1.rollup, call.abi_encode().into(), bond).await?;
        tracing::warn!(n, batch, gas = r.gas_used, "watchtower: challenged");
        Ok(())
    }

    /// Defends `proposal`'s block with EXECUTE's input built from the local chain's block;
    /// a block from a blob batch first gets its blob data proven (`proveBlobData`).
    async fn defend(&self, proposal: &Proposal) -> Result<(), OptimisticError> {
        let n = proposal.number;
        if let Some(source) = &proposal.blob {
            let prove = blob_proposals::prove_call(&self.l1, proposal, source).await?;
            let blobs = prove.openings.len();
            let r = self.l1.send(self.l1.rollup, prove.abi_encode().into(), U256::ZERO).await?;
            tracing::info!(n, blobs, gas = r.gas_used, "watchtower: proved blob data");
        }
        let call = self.defend_call(n).await?;
        let r = self.l1.send(self.l1.rollup, call.abi_encode().into(), U256::ZERO).await?;
        tracing::info!(n, gas = r.gas_used, "watchtower: defended");
        Ok(())
    }

    /// The `defend` call for pending block `n` (local block `n` must be the proposed one):
    /// its claim with the Merkle proof, the posted block and EXECUTE's input.
    pub async fn defend_call(
        &self,
        n: u64,
    ) -> Result<OptimisticRollup::defendCall, OptimisticError> {
        let proposal =
            self.pending.get(&n).map(|j| j.proposal.clone()).ok_or(OptimisticError::NoBlock(n))?;
        let hash = self.chain.hash_by_number(n)?.ok_or(OptimisticError::NoBlock(n))?;
        let block = self.chain.block(&hash)?.ok_or(OptimisticError::NoBlock(n))?;
        let chain = self.chain.clone();
        let incomplete = self.adversary.defender_incomplete_witness;
        let input = self
            .blocking
            .spawn_blocking(move || -> Result<Vec<u8>, OptimisticError> {
                let mut witness = chain.witness(&hash)?;
                if incomplete {
                    // Development adversary: a trie node short, EXECUTE cannot run it.
                    witness.state.pop();
                }
                let input = MemoryChain::stateless_input(
                    &block,
                    witness,
                    &Requests::default(),
                    chain.chain_id(),
                )
                .map_err(crate::RollupError::from)?;
                Ok(input.to_wire())
            })
            .await
            .map_err(|e| OptimisticError::Join(e.to_string()))??;
        let header = self.chain.header_by_number(n)?.ok_or(OptimisticError::NoBlock(n))?;
        let delivery = opt_forced::delivery_proof(&self.chain, &header, proposal.claim.due)?;
        // A blob block's claim was proven with `proveBlobData`: `defend` checks it against
        // that proof and takes no second one.
        let proof = match proposal.blob {
            Some(_) => vec![],
            None => proposal.proof()?,
        };
        Ok(OptimisticRollup::defendCall {
            n,
            batch: proposal.batch,
            proof,
            claim: proposal.claim,
            posted: proposal.posted,
            input: input.into(),
            delivery,
        })
    }
}
