//! Block production: the head's child from pending transactions, kept within the chain's
//! [`BlockBudget`] when it has one, and the pool upkeep that follows.

use crate::{
    BlockBudget, Chain, ChainError, DropReason, OverBudget, StoreView, blobs, pool::nonce_in, store,
};
use alloy_consensus::{Block, BlockBody, EMPTY_OMMER_ROOT_HASH, Header, Transaction, TxEnvelope};
use alloy_eips::eip1559::BaseFeeParams;
use alloy_primitives::{Address, B256, Bytes, keccak256};
use nr_stateless::{
    Fork,
    block::{BuiltBlock, build_block},
};
use std::sync::Arc;

/// Most rounds per block of "leave out the transaction that does not fit the budget even
/// alone, and build again": bounds the work hostile transactions cause the producer (a
/// round builds and measures the block about log2(transactions) times); what remains is
/// left for the next block.
pub const MAX_BUDGET_ROUNDS: usize = 4;

/// What a block producer chooses for a new block.
#[derive(Debug, Clone, Default)]
pub struct BlockOptions {
    /// Timestamp (raised to parent + 1 if not above the parent's).
    pub timestamp: u64,
    /// `parent_beacon_block_root` (an L2's L1 anchor); default derived from the parent.
    pub parent_beacon_block_root: Option<B256>,
    /// Fee recipient; default the genesis coinbase.
    pub fee_recipient: Option<Address>,
}

/// Which transactions a block producer puts in a block besides the pool's order (an L2
/// sequencer: forced transactions first, censored senders left out).
#[derive(Debug, Clone, Default)]
pub struct BlockSelection {
    /// Transactions put first, in this order, before the pool's candidates (each one the
    /// executor cannot include is skipped and reported like a pool transaction).
    pub first: Vec<TxEnvelope>,
    /// Senders whose pool transactions are left out of the block.
    pub exclude: Vec<Address>,
}

/// A produced block and what was left out.
#[derive(Debug, Clone)]
pub struct Produced {
    /// The block.
    pub block: Block<TxEnvelope>,
    /// Its hash.
    pub hash: B256,
    /// Candidates the executor could not include, with its reasons.
    pub skipped: Vec<(B256, String)>,
    /// Candidates left for a later block: the block would exceed the chain's
    /// [`BlockBudget`] with them.
    pub deferred: Vec<B256>,
    /// Transactions removed from the pool without being included, with why.
    pub dropped: Vec<(B256, DropReason)>,
}

/// Candidates the executor skipped, by hash, with its reasons.
type SkipList = Vec<(B256, String)>;

/// A block built from candidates, not stored yet, and what was left out of it.
struct Assembled<'v> {
    built: BuiltBlock<'v, StoreView>,
    /// Candidates the executor skipped, with reasons.
    skipped: SkipList,
    /// Gas used by the block the skipped candidates were tried in (the budget may have
    /// shortened the block since).
    skipped_in_gas_used: u64,
    deferred: Vec<B256>,
    dropped: Vec<(B256, DropReason)>,
}

impl Chain {
    /// The most gas one transaction may use in the block with `header`: the block gas
    /// limit, and from Osaka EIP-7825's per-transaction cap.
    pub fn tx_gas_cap(&self, header: &Header) -> u64 {
        match self.spec.schedule.fork_at(header.timestamp) {
            f if f >= Fork::Osaka => {
                header.gas_limit.min(alloy_eips::eip7825::MAX_TX_GAS_LIMIT_OSAKA)
            }
            _ => header.gas_limit,
        }
    }

    /// The header template of the head's child at `timestamp` (no body commitments yet).
    pub fn child_template(&self, parent: &Header, timestamp: u64) -> Header {
        let params = self.spec.schedule.blob_params_at(timestamp);
        Header {
            parent_hash: parent.hash_slow(),
            ommers_hash: EMPTY_OMMER_ROOT_HASH,
            beneficiary: self.spec.genesis.coinbase,
            number: parent.number + 1,
            gas_limit: parent.gas_limit,
            timestamp,
            extra_data: parent.extra_data.clone(),
            mix_hash: keccak256([parent.mix_hash.as_slice(), b"randao"].concat()),
            base_fee_per_gas: parent.next_block_base_fee(BaseFeeParams::ethereum()),
            excess_blob_gas: params.map(|p| {
                p.next_block_excess_blob_gas_osaka(
                    parent.excess_blob_gas.unwrap_or(0),
                    parent.blob_gas_used.unwrap_or(0),
                    parent.base_fee_per_gas.unwrap_or(0),
                )
            }),
            parent_beacon_block_root: params
                .map(|_| keccak256([parent.hash_slow().as_slice(), b"beacon"].concat())),
            ..Default::default()
        }
    }

    /// Sets the limits every block this chain produces must keep beyond gas (an L2: what one
    /// L1 `advance` can carry). Transactions that would break them are left for a later
    /// block; one that breaks them even alone is dropped from the pool.
    pub fn set_block_budget(&self, budget: Arc<dyn BlockBudget>) {
        *self.budget.write() = Some(budget);
    }

    /// Builds, executes and stores the head's child from pending transactions, at
    /// `timestamp` (raised to parent + 1 if needed). Atomic: on error nothing is stored.
    pub fn produce_block(&self, timestamp: u64) -> Result<Produced, ChainError> {
        self.produce_block_with(&BlockOptions { timestamp, ..Default::default() })
    }

    /// [`Chain::produce_block`] with the producer's choices (an L2 sequencer sets the L1
    /// anchor as `parent_beacon_block_root`).
    pub fn produce_block_with(&self, opts: &BlockOptions) -> Result<Produced, ChainError> {
        self.produce_block_selected(opts, &BlockSelection::default())
    }

    /// [`Chain::produce_block_with`], with `selection`'s transactions first and its
    /// excluded senders' pool transactions left out.
    pub fn produce_block_selected(
        &self,
        opts: &BlockOptions,
        selection: &BlockSelection,
    ) -> Result<Produced, ChainError> {
        let _guard = self.produce.lock();
        let parent = self.head();
        let timestamp = opts.timestamp.max(parent.timestamp + 1);
        let mut header = self.child_template(&parent, timestamp);
        if let Some(root) = opts.parent_beacon_block_root
            && header.parent_beacon_block_root.is_some()
        {
            header.parent_beacon_block_root = Some(root);
        }
        if let Some(b) = opts.fee_recipient {
            header.beneficiary = b;
        }
        let base_fee = header.base_fee_per_gas.unwrap_or_default();
        let view = self.view(&parent)?;
        let candidates = {
            let pool = self.pool.lock();
            let nonce_of = |a: &Address| nonce_in(parent.state_root, &view, a);
            let pooled = pool.candidates(base_fee, nonce_of, &selection.exclude);
            let first = selection.first.iter().map(|t| *t.tx_hash()).collect::<Vec<_>>();
            let mut all = selection.first.clone();
            all.extend(pooled.into_iter().filter(|t| !first.contains(t.tx_hash())));
            all
        };
        let (candidates, waiting) = self.fit_blobs(&header, candidates);
        let budget = self.budget.read().clone();
        let assembled = match budget {
            Some(budget) => self.build_within(&*budget, &parent, &header, candidates, &view)?,
            None => {
                let (built, skipped) = self.build(&parent, &header, candidates, &view)?;
                let skipped_in_gas_used = built.block.header.gas_used;
                Assembled { built, skipped, skipped_in_gas_used, deferred: vec![], dropped: vec![] }
            }
        };
        let Assembled { built, skipped, skipped_in_gas_used, mut deferred, mut dropped } =
            assembled;
        deferred.extend(waiting);
        let BuiltBlock { block, executed, .. } = built;
        let hash = block.header.hash_slow();
        let sidecars = {
            let pool = self.pool.lock();
            let in_block = block.body.transactions.iter().filter(|t| blobs::blob_gas(t) > 0);
            in_block
                .filter_map(|t| pool.get(t.tx_hash()).and_then(|p| blobs::sidecar(&p.tx).cloned()))
                .collect::<Vec<_>>()
        };
        self.store_block(&block, hash, &executed, &sidecars)?;

        // Pool upkeep: drop now-stale transactions, those that cannot be settled even alone,
        // and skipped ones that would be skipped again in every block.
        let mut pool = self.pool.lock();
        let new_view = self.view(&block.header)?;
        let mut removed = Vec::new();
        for sender in pool.senders() {
            let nonce = nonce_in(block.header.state_root, &new_view, &sender);
            removed.extend(pool.stale(&sender, nonce));
        }
        for (h, reason) in &skipped {
            let Some(p) = pool.get(h) else { continue };
            let next = nonce_in(block.header.state_root, &new_view, &p.sender);
            // Its sender's next transaction (so it would be tried first again), not skipped
            // for its fee cap or for want of room: nothing about the next block helps it.
            let hopeless = p.tx.nonce() == next
                && p.tx.max_fee_per_gas() >= u128::from(base_fee)
                && skipped_in_gas_used.saturating_add(p.tx.gas_limit()) <= block.header.gas_limit;
            if hopeless {
                dropped.push((*h, DropReason::NotExecutable { reason: reason.clone() }));
            }
        }
        removed.extend(dropped.iter().map(|(h, _)| *h));
        for h in &removed {
            pool.remove(h);
        }
        {
            let mut log = self.dropped.lock();
            for (h, reason) in &dropped {
                log.record(*h, reason.clone());
            }
        }
        drop(pool);
        if !removed.is_empty() {
            store::remove_pool_txs(&self.db, &removed)?;
        }
        Ok(Produced { block, hash, skipped, deferred, dropped })
    }

    /// Splits `candidates` into those the block with `header` may take and the blob
    /// transactions that wait (by hash): those whose blob fee cap is under the block's blob
    /// base fee, and those past the block's blob gas limit (in candidate order). They stay
    /// in the pool.
    fn fit_blobs(
        &self,
        header: &Header,
        candidates: Vec<TxEnvelope>,
    ) -> (Vec<TxEnvelope>, Vec<B256>) {
        let params = self.spec.schedule.blob_params_at(header.timestamp);
        let fee = params.map(|p| p.calc_blob_fee(header.excess_blob_gas.unwrap_or_default()));
        let max = params.map_or(0, |p| p.max_blob_gas_per_block());
        let (mut used, mut waiting) = (0u64, Vec::new());
        let mut take = Vec::with_capacity(candidates.len());
        for tx in candidates {
            let gas = blobs::blob_gas(&tx);
            if gas > 0 {
                let cap = tx.max_fee_per_blob_gas().unwrap_or_default();
                if fee.is_none_or(|f| cap < f) || used + gas > max {
                    waiting.push(*tx.tx_hash());
                    continue;
                }
                used += gas;
            }
            take.push(tx);
        }
        (take, waiting)
    }

    /// Builds the block of `txs` on `parent` with the header `template` (candidates that
    /// cannot be executed are left out and reported by hash).
    fn build<'v>(
        &self,
        parent: &Header,
        template: &Header,
        txs: Vec<TxEnvelope>,
        view: &'v StoreView,
    ) -> Result<(BuiltBlock<'v, StoreView>, SkipList), ChainError> {
        let hooks = self.hooks.block_evm(parent, template);
        let hashes: Vec<B256> = txs.iter().map(|t| *t.tx_hash()).collect();
        let mut header = template.clone();
        header.extra_data = Bytes::new();
        let draft = Block {
            header,
            body: BlockBody {
                transactions: txs,
                ommers: vec![],
                withdrawals: Some(Default::default()),
            },
        };
        let mut built = build_block(
            draft,
            parent.state_root,
            &self.spec.schedule,
            self.spec.chain_id,
            view,
            &hooks.factory,
        )?;
        built.block.header.extra_data =
            (hooks.extra_data)().unwrap_or_else(|| parent.extra_data.clone());
        let skipped = built.skipped.iter().map(|s| (hashes[s.index], s.reason.clone())).collect();
        Ok((built, skipped))
    }

    /// Measures a complete block against `budget` (its witness is recorded by executing it
    /// once more, exactly as the settler will).
    fn measure(
        &self,
        budget: &dyn BlockBudget,
        parent: &Header,
        block: &Block<TxEnvelope>,
    ) -> Result<Result<(), OverBudget>, ChainError> {
        let witness = self.block_witness(block, parent)?;
        Ok(budget.check(block, witness))
    }

    /// Builds the largest block of `candidates` (in their order) that keeps `budget`. When
    /// the whole block does not, the longest prefix of its transactions that does is found
    /// by bisection; the first transaction past it is dropped from the pool if a block of
    /// it alone exceeds the budget (and the block is built again without it, up to
    /// [`MAX_BUDGET_ROUNDS`] times), otherwise it and the rest wait for a later block.
    fn build_within<'v>(
        &self,
        budget: &dyn BlockBudget,
        parent: &Header,
        template: &Header,
        mut txs: Vec<TxEnvelope>,
        view: &'v StoreView,
    ) -> Result<Assembled<'v>, ChainError> {
        let mut first_skipped = None;
        let mut dropped = Vec::new();
        let mut round = 0;
        loop {
            round += 1;
            let (built, skipped) = self.build(parent, template, txs, view)?;
            let (skipped, skipped_in_gas_used) =
                first_skipped.get_or_insert((skipped, built.block.header.gas_used)).clone();
            let done = |built, deferred, dropped| Assembled {
                built,
                skipped,
                skipped_in_gas_used,
                deferred,
                dropped,
            };
            let over = match self.measure(budget, parent, &built.block)? {
                Ok(()) => return Ok(done(built, vec![], dropped)),
                Err(over) => over,
            };
            let included = built.block.body.transactions.clone();
            if included.is_empty() {
                // Nothing to leave out: the empty block is the best there is.
                return Ok(done(built, vec![], dropped));
            }
            // included[..hi] exceeds the budget (measure `hi_over`); included[..lo] keeps it
            // (assumed for lo = 0 until built). Bisect to hi = lo + 1.
            let (mut lo, mut hi, mut hi_over, mut best) = (0, included.len(), over, None);
            while hi - lo > 1 {
                let mid = lo + (hi - lo) / 2;
                let (b, _) = self.build(parent, template, included[..mid].to_vec(), view)?;
                match self.measure(budget, parent, &b.block)? {
                    Ok(()) => (lo, best) = (mid, Some(b)),
                    Err(o) => (hi, hi_over) = (mid, o),
                }
            }
            if lo == 0 {
                // Not even the empty block may keep the budget: then no transaction is to
                // blame, and none is dropped (the block is produced as built).
                let (empty, _) = self.build(parent, template, vec![], view)?;
                if self.measure(budget, parent, &empty.block)?.is_err() {
                    return Ok(done(built, vec![], dropped));
                }
                best = Some(empty);
            }
            let culprit = &included[lo];
            let alone_over = if lo == 0 {
                Some(hi_over)
            } else if self.is_senders_next(culprit, parent, view) {
                let (b, _) = self.build(parent, template, vec![culprit.clone()], view)?;
                self.measure(budget, parent, &b.block)?.err()
            } else {
                None
            };
            let culprit_hash = *culprit.tx_hash();
            if let Some(o) = alone_over {
                dropped.push((culprit_hash, DropReason::OverBudget(o)));
                if round < MAX_BUDGET_ROUNDS {
                    txs = included.into_iter().filter(|t| *t.tx_hash() != culprit_hash).collect();
                    continue;
                }
            }
            let deferred = included[lo..]
                .iter()
                .map(|t| *t.tx_hash())
                .filter(|h| !dropped.iter().any(|(d, _)| d == h))
                .collect();
            let Some(built) = best else {
                // Unreachable: `best` holds the block of included[..lo] (lo = 0: the empty one).
                return Ok(done(built, vec![], dropped));
            };
            return Ok(done(built, deferred, dropped));
        }
    }

    /// Whether `tx` is its sender's next transaction on the state after `parent`.
    fn is_senders_next(&self, tx: &TxEnvelope, parent: &Header, view: &StoreView) -> bool {
        let sender = self.pool.lock().get(tx.tx_hash()).map(|p| p.sender);
        sender.is_some_and(|s| nonce_in(parent.state_root, view, &s) == tx.nonce())
    }
}
