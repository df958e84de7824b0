//! Pending transactions: per-sender nonce queues, replacement by fee bump, the order in
//! which the block producer takes them, and admission into a [`Chain`]'s pool.

use crate::{Chain, ChainError, StoreView, TxError, blobs, store};
use alloy_consensus::{Transaction, TxEnvelope, transaction::SignerRecoverable};
use alloy_eips::{
    Decodable2718, Encodable2718, eip1559::BaseFeeParams, eip4844::BYTES_PER_BLOB,
    eip7594::CELLS_PER_EXT_BLOB,
};
use alloy_evm::FromRecoveredTx;
use alloy_primitives::{Address, B256, U256, keccak256};
use alloy_rlp::Decodable;
use alloy_trie::TrieAccount;
use nr_stateless::{Fork, mpt};
use revm::context::TxEnv;
use std::collections::{BTreeMap, HashMap};

/// Fee bump (percent) a replacement needs over the transaction it replaces (as geth).
pub const REPLACEMENT_BUMP_PERCENT: u128 = 10;
/// How far ahead of the account nonce a transaction may be queued.
pub const MAX_NONCE_GAP: u64 = 1024;
/// Largest encoded transaction a public mempool takes (geth's `txMaxSize`, 128 KiB); an
/// L2 sequencer's pool uses it.
pub const PUBLIC_MAX_TX_SIZE: usize = 128 * 1024;
/// Largest encoded transaction the default pool takes (1 MiB): a development L1 must take
/// an L2's `advance` transactions, whose size the L2 bounds by the 2 MiB RPC body limit.
pub const DEFAULT_MAX_TX_SIZE: usize = 1 << 20;
/// Most bytes a blob transaction's sidecar adds to its network form: the most blobs of any
/// fork's transaction (EIP-7691's 9 before Osaka), each with a commitment and 128 cell
/// proofs, and RLP headers.
pub const MAX_SIDECAR_SIZE: usize = 9 * (BYTES_PER_BLOB + 49 * (CELLS_PER_EXT_BLOB + 1) + 16) + 64;
/// Largest init code of a contract creation (EIP-3860: twice EIP-170's code size limit).
pub const MAX_INITCODE_SIZE: usize = 2 * 24_576;

/// One pending transaction.
#[derive(Debug, Clone)]
pub struct Pending {
    /// The signed transaction.
    pub tx: TxEnvelope,
    /// Its recovered sender.
    pub sender: Address,
}

/// One sender's transactions in the pool ([`Chain::pool_content`]), in nonce order.
#[derive(Debug, Clone)]
pub struct SenderQueue {
    /// The sender.
    pub sender: Address,
    /// Executable in turn from the sender's account nonce.
    pub pending: Vec<Pending>,
    /// After a nonce gap: not executable until the gap is filled.
    pub queued: Vec<Pending>,
}

/// Pending transactions by hash and by sender nonce.
#[derive(Debug, Default)]
pub struct TxPool {
    by_hash: HashMap<B256, Pending>,
    by_sender: HashMap<Address, BTreeMap<u64, B256>>,
    /// Arrival order of each pending transaction (equal tips are mined first come, first
    /// served, as geth does, not in hash-map order).
    arrival: HashMap<B256, u64>,
    /// The next arrival number.
    next_arrival: u64,
}

/// What adding a transaction did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Added {
    /// New transaction.
    New,
    /// Replaced the transaction with this hash (same sender and nonce).
    Replaced(B256),
}

impl TxPool {
    /// Number of pending transactions.
    pub fn len(&self) -> usize {
        self.by_hash.len()
    }

    /// Whether the pool is empty.
    pub fn is_empty(&self) -> bool {
        self.by_hash.is_empty()
    }

    /// The pending transaction with this hash.
    pub fn get(&self, hash: &B256) -> Option<&Pending> {
        self.by_hash.get(hash)
    }

    /// The highest queued nonce of `sender` plus one, if it has queued transactions.
    pub fn next_nonce(&self, sender: &Address, mut from: u64) -> u64 {
        if let Some(q) = self.by_sender.get(sender) {
            while q.contains_key(&from) {
                from += 1;
            }
        }
        from
    }

    /// The most `sender`'s queued transactions from nonce `from` on can cost (gas limit *
    /// fee cap + value each), with `tx` in place of the one with its nonce; `None` if the
    /// sum does not fit in 256 bits.
    pub fn queued_cost(&self, sender: &Address, from: u64, tx: &TxEnvelope) -> Option<U256> {
        let mut total = max_cost(tx)?;
        if let Some(q) = self.by_sender.get(sender) {
            for (nonce, h) in q.range(from..) {
                if *nonce != tx.nonce() {
                    total = total.checked_add(max_cost(&self.by_hash[h].tx)?)?;
                }
            }
        }
        Some(total)
    }

    /// Checks a replacement and inserts; the caller has validated the transaction.
    pub fn insert(&mut self, hash: B256, p: Pending) -> Result<Added, &'static str> {
        if self.by_hash.contains_key(&hash) {
            return Err("already known");
        }
        let q = self.by_sender.entry(p.sender).or_default();
        let nonce = p.tx.nonce();
        let mut added = Added::New;
        if let Some(old_hash) = q.get(&nonce).copied() {
            let old = &self.by_hash[&old_hash].tx;
            let bumped = |new: u128, old: u128| new * 100 >= old * (100 + REPLACEMENT_BUMP_PERCENT);
            let tip = |t: &TxEnvelope| t.max_priority_fee_per_gas().unwrap_or(t.max_fee_per_gas());
            if !(bumped(p.tx.max_fee_per_gas(), old.max_fee_per_gas())
                && bumped(tip(&p.tx), tip(old)))
            {
                return Err("replacement transaction underpriced");
            }
            self.by_hash.remove(&old_hash);
            self.arrival.remove(&old_hash);
            added = Added::Replaced(old_hash);
        }
        q.insert(nonce, hash);
        self.by_hash.insert(hash, p);
        self.arrival.insert(hash, self.next_arrival);
        self.next_arrival += 1;
        Ok(added)
    }

    /// Removes a transaction.
    pub fn remove(&mut self, hash: &B256) -> Option<Pending> {
        let p = self.by_hash.remove(hash)?;
        self.arrival.remove(hash);
        if let Some(q) = self.by_sender.get_mut(&p.sender) {
            q.remove(&p.tx.nonce());
            if q.is_empty() {
                self.by_sender.remove(&p.sender);
            }
        }
        Some(p)
    }

    /// Senders with pending transactions.
    pub fn senders(&self) -> Vec<Address> {
        self.by_sender.keys().copied().collect()
    }

    /// `sender`'s transactions in nonce order.
    pub fn queue(&self, sender: &Address) -> Vec<&Pending> {
        self.by_sender
            .get(sender)
            .map(|q| q.values().filter_map(|h| self.by_hash.get(h)).collect())
            .unwrap_or_default()
    }

    /// Hashes of `sender`'s transactions with nonce below `nonce` (already used).
    pub fn stale(&self, sender: &Address, nonce: u64) -> Vec<B256> {
        self.by_sender
            .get(sender)
            .map(|q| q.range(..nonce).map(|(_, h)| *h).collect())
            .unwrap_or_default()
    }

    /// Whether some sender's transaction with its account nonce (`nonce_of`) is pending.
    pub fn any_ready(&self, nonce_of: impl Fn(&Address) -> u64) -> bool {
        self.by_sender.iter().any(|(sender, q)| q.contains_key(&nonce_of(sender)))
    }

    /// Executable transactions (canonical form) for a block with `base_fee`: for each sender (but those in
    /// `exclude`) the run of consecutive nonces starting at its account nonce (`nonce_of`),
    /// merged by effective tip (highest first), keeping each sender's nonce order.
    pub fn candidates(
        &self,
        base_fee: u64,
        nonce_of: impl Fn(&Address) -> u64,
        exclude: &[Address],
    ) -> Vec<TxEnvelope> {
        let mut queues: Vec<Vec<(u64, &TxEnvelope)>> = Vec::new();
        for (sender, q) in self.by_sender.iter().filter(|(s, _)| !exclude.contains(s)) {
            let mut next = nonce_of(sender);
            let mut run = Vec::new();
            while let Some(h) = q.get(&next) {
                run.push((self.arrival.get(h).copied().unwrap_or(u64::MAX), &self.by_hash[h].tx));

                next += 1;
            }
            if !run.is_empty() {
                run.reverse();
                queues.push(run);
            }
        }
        let tip = |t: &TxEnvelope| t.effective_tip_per_gas(base_fee).unwrap_or(0);
        let mut out = Vec::new();
        loop {
            // Highest tip first; among equal tips, the earliest arrival.
            let best = queues
                .iter()
                .enumerate()
                .filter_map(|(i, q)| q.last().map(|(seq, t)| (tip(t), std::cmp::Reverse(*seq), i)))
                .max_by_key(|(t, seq, _)| (*t, *seq));
            let Some((_, _, i)) = best else { break };
            // Blocks carry the canonical form (a blob transaction without its sidecar).
            out.push(blobs::canonical(queues[i].pop().expect("non-empty").1));
        }
        out
    }
}

/// The most a transaction can cost its sender: gas limit * fee cap + value, plus blob gas *
/// blob fee cap for a blob transaction (`None` if that does not fit in 256 bits).
pub fn max_cost(tx: &TxEnvelope) -> Option<U256> {
    let blob = U256::from(blobs::blob_gas(tx))
        .checked_mul(U256::from(tx.max_fee_per_blob_gas().unwrap_or_default()))?;
    U256::from(tx.gas_limit())
        .checked_mul(U256::from(tx.max_fee_per_gas()))?
        .checked_add(tx.value())?
        .checked_add(blob)
}

/// What the pool accepts beyond validity (a sequencer is stricter than a dev L1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolPolicy {
    /// Largest gap allowed between a transaction's nonce and the next expected one
    /// (0: no gaps, `nonce too high` otherwise).
    pub max_nonce_gap: u64,
    /// Refuse fee caps below the next block's base fee (`transaction underpriced`).
    pub reject_below_base_fee: bool,
    /// Largest encoded transaction accepted, in bytes (`oversized data`); for a blob
    /// transaction, of its canonical form (the sidecar is bounded by the blob count).
    pub max_tx_size: usize,
    /// Take blob transactions (an L1); an L2's blocks cannot carry them.
    pub accept_blobs: bool,
}

impl Default for PoolPolicy {
    fn default() -> Self {
        Self {
            max_nonce_gap: MAX_NONCE_GAP,
            reject_below_base_fee: false,
            max_tx_size: DEFAULT_MAX_TX_SIZE,
            accept_blobs: true,
        }
    }
}

impl PoolPolicy {
    /// An L2 sequencer's pool: only what it could include now (no nonce gaps, no fee cap
    /// under the base fee), no transaction larger than a public mempool takes, and no blob
    /// transaction (an L2 block cannot carry one).
    pub fn sequencer() -> Self {
        Self {
            max_nonce_gap: 0,
            reject_below_base_fee: true,
            max_tx_size: PUBLIC_MAX_TX_SIZE,
            accept_blobs: false,
        }
    }
}

/// The nonce of `address` in the state with root `root` (0 if absent or unreadable).
pub(crate) fn nonce_in(root: B256, view: &StoreView, address: &Address) -> u64 {
    mpt::Trie::from_root(root)
        .get(keccak256(address).as_slice(), view)
        .ok()
        .flatten()
        .and_then(|rlp| TrieAccount::decode(&mut rlp.as_slice()).ok())
        .map_or(0, |acc| acc.nonce)
}

impl Chain {
    /// Re-admits the stored pending transactions (after a restart).
    pub(crate) fn reload_pool(&self) -> Result<(), ChainError> {
        for raw in store::read_pool(&self.db)? {
            // Transactions that became invalid while the node was down are dropped.
            let _ = self.add_raw_transaction(&raw);
        }
        Ok(())
    }

    /// Sets what the pool accepts from now on.
    pub fn set_pool_policy(&self, policy: PoolPolicy) {
        *self.policy.write() = policy;
    }

    /// A pending transaction with this hash.
    pub fn pending_tx(&self, hash: &B256) -> Option<Pending> {
        self.pool.lock().get(hash).cloned()
    }

    /// Number of pending transactions.
    pub fn pending_count(&self) -> usize {
        self.pool.lock().len()
    }

    /// Why the transaction with this hash was removed from the pool without being
    /// included, if it was (the last [`crate::budget::DROP_LOG_LEN`] drops are kept).
    pub fn drop_reason(&self, hash: &B256) -> Option<crate::DropReason> {
        self.dropped.lock().get(hash)
    }

    /// Validates a raw EIP-2718 transaction against the head state and adds it to the pool.
    pub fn add_raw_transaction(&self, raw: &[u8]) -> Result<B256, TxError> {
        let limit = self.policy.read().max_tx_size;
        // A blob transaction's limit is on its canonical form (checked once decoded); its
        // sidecar may add up to the most blobs of any fork.
        let sidecar_room = if raw.first() == Some(&3) { MAX_SIDECAR_SIZE } else { 0 };
        if raw.len() > limit.saturating_add(sidecar_room) {
            return Err(TxError::OversizedData { size: raw.len(), limit });
        }
        let tx = TxEnvelope::decode_2718(&mut &raw[..]).map_err(TxError::Decode)?;
        self.add_transaction(tx)
    }

    /// Validates a transaction against the head state and adds it to the pool.
    pub fn add_transaction(&self, tx: TxEnvelope) -> Result<B256, TxError> {
        let head = self.head();
        let fork = self.spec.schedule.fork_at(head.timestamp);
        let policy = *self.policy.read();
        let limit = policy.max_tx_size;
        let size = match blobs::sidecar(&tx) {
            Some(_) => blobs::canonical(&tx).eip2718_encoded_length(),
            None => tx.eip2718_encoded_length(),
        };
        if size > limit {
            return Err(TxError::OversizedData { size, limit });
        }
        match &tx {
            TxEnvelope::Eip4844(_) if !policy.accept_blobs => {
                return Err(TxError::BlobTransaction);
            }
            TxEnvelope::Eip7702(_) if fork < Fork::Prague => {
                return Err(TxError::SetCodeBeforePrague);
            }
            TxEnvelope::Eip7702(t) if t.tx().authorization_list.is_empty() => {
                return Err(TxError::EmptyAuthorizationList);
            }
            _ => {}
        }
        match tx.chain_id() {
            None => return Err(TxError::NotReplayProtected),
            Some(have) if have != self.spec.chain_id => {
                return Err(TxError::ChainId { have, want: self.spec.chain_id });
            }
            Some(_) => {}
        }
        if tx.nonce() == u64::MAX {
            return Err(TxError::NonceMax);
        }
        if tx.kind().is_create() && tx.input().len() > MAX_INITCODE_SIZE {
            return Err(TxError::InitcodeTooLarge {
                size: tx.input().len(),
                limit: MAX_INITCODE_SIZE,
            });
        }
        let sender = tx.recover_signer().map_err(|_| TxError::InvalidSender)?;
        if let Some(tip) = tx.max_priority_fee_per_gas()
            && tip > tx.max_fee_per_gas()
        {
            return Err(TxError::TipAboveFeeCap);
        }
        if tx.gas_limit() > self.tx_gas_cap(&head) {
            return Err(TxError::GasLimit);
        }
        let tx_env = TxEnv::from_recovered_tx(&tx, sender);
        let intrinsic = revm::context_interface::cfg::gas::calculate_initial_tx_gas_for_tx(
            &tx_env,
            fork.spec_id(),
            None,
        );
        let needed = intrinsic.initial_regular_gas.max(intrinsic.floor_gas);
        if tx.gas_limit() < needed {
            return Err(TxError::IntrinsicGas { gas: tx.gas_limit(), needed });
        }
        if tx.is_eip4844() {
            // A resent blob transaction costs no KZG verification.
            if self.pool.lock().get(tx.tx_hash()).is_some() {
                return Err(TxError::Pool("already known"));
            }
            // Before the pool lock: KZG verification takes milliseconds per blob.
            let next = self.child_template(&head, head.timestamp + 1);
            let params = self.spec.schedule.blob_params_at(next.timestamp);
            let base = params
                .map(|p| p.calc_blob_fee(next.excess_blob_gas.unwrap_or_default()))
                .unwrap_or_default();
            blobs::check_for_pool(&tx, fork, params, base)?;
        }
        // From here on the pool is locked: the head and the pool change together (see
        // `store_block`), so the nonce read below and the queued transactions agree.
        let mut pool = self.pool.lock();
        let head = self.head();
        let account = self.account(&head, sender).map_err(|e| TxError::State(Box::new(e)))?;
        let (nonce, balance) = account.map_or((0, U256::ZERO), |a| (a.nonce, a.balance));
        if tx.nonce() < nonce {
            return Err(TxError::NonceTooLow { next: nonce, tx: tx.nonce() });
        }
        let queued = pool.next_nonce(&sender, nonce);
        if tx.nonce() > queued + policy.max_nonce_gap {
            return Err(TxError::NonceTooHigh { next: queued, tx: tx.nonce() });
        }
        if policy.reject_below_base_fee {
            let base = head.next_block_base_fee(BaseFeeParams::ethereum()).unwrap_or_default();
            if tx.max_fee_per_gas() < u128::from(base) {
                return Err(TxError::FeeCapBelowBaseFee { cap: tx.max_fee_per_gas(), base });
            }
        }
        if tx.nonce() > nonce + MAX_NONCE_GAP {
            return Err(TxError::NonceTooHigh { next: nonce, tx: tx.nonce() });
        }
        // The balance must cover this transaction and every queued one of the sender: the
        // pool would otherwise hold transactions that fail for funds when their turn comes.
        let want = pool
            .queued_cost(&sender, nonce, &tx)
            .ok_or(TxError::CostOverflow { address: sender })?;
        if balance < want {
            return Err(TxError::InsufficientFunds { address: sender, have: balance, want });
        }
        let hash = *tx.tx_hash();
        let raw = tx.encoded_2718();
        {
            let added = pool.insert(hash, Pending { tx, sender }).map_err(TxError::Pool)?;
            let replaced = match added {
                Added::Replaced(old) => Some(old),
                Added::New => None,
            };
            if let Err(e) = store::write_pool_tx(&self.db, hash, &raw, replaced) {
                pool.remove(&hash);
                return Err(TxError::Persist(e));
            }
        }
        drop(pool);
        self.dropped.lock().forget(&hash);
        self.tx_added.notify_added(hash);
        Ok(hash)
    }

    /// The nonce the next transaction of `sender` should use, counting pending ones.
    pub fn pending_nonce(&self, sender: Address) -> Result<u64, ChainError> {
        let nonce = self.account(&self.head(), sender)?.map_or(0, |a| a.nonce);
        Ok(self.pool.lock().next_nonce(&sender, nonce))
    }

    /// The pool by sender, each sender's transactions in nonce order and split as geth's
    /// `txpool_content` splits them: `pending` (executable in turn from the account nonce
    /// on the head state) and `queued` (after a nonce gap).
    pub fn pool_content(&self) -> Result<Vec<SenderQueue>, ChainError> {
        let head = self.head();
        let view = self.view(&head)?;
        let pool = self.pool.lock();
        let mut out = Vec::new();
        for sender in pool.senders() {
            let mut next = nonce_in(head.state_root, &view, &sender);
            let (mut pending, mut queued) = (Vec::new(), Vec::new());
            for p in pool.queue(&sender) {
                if p.tx.nonce() == next && queued.is_empty() {
                    next += 1;
                    pending.push(p.clone());
                } else {
                    queued.push(p.clone());
                }
            }
            out.push(SenderQueue { sender, pending, queued });
        }
        out.sort_by_key(|q| q.sender);
        Ok(out)
    }

    /// Whether a pending transaction is executable on the head state now (its sender's
    /// next nonce is in the pool).
    pub fn has_ready_transactions(&self) -> bool {
        let head = self.head();
        let Ok(view) = self.view(&head) else { return false };
        let pool = self.pool.lock();
        pool.any_ready(|a| nonce_in(head.state_root, &view, a))
    }
}
