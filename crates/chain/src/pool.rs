//! Pending transactions: per-sender nonce queues, replacement by fee bump, and the order
//! in which the block producer takes them.

use alloy_consensus::{Transaction, TxEnvelope};
use alloy_primitives::{Address, B256};
use std::collections::{BTreeMap, HashMap};

/// Fee bump (percent) a replacement needs over the transaction it replaces (as geth).
pub const REPLACEMENT_BUMP_PERCENT: u128 = 10;
/// How far ahead of the account nonce a transaction may be queued.
pub const MAX_NONCE_GAP: u64 = 1024;

/// One pending transaction.
#[derive(Debug, Clone)]
pub struct Pending {
    /// The signed transaction.
    pub tx: TxEnvelope,
    /// Its recovered sender.
    pub sender: Address,
}

/// Pending transactions by hash and by sender nonce.
#[derive(Debug, Default)]
pub struct TxPool {
    by_hash: HashMap<B256, Pending>,
    by_sender: HashMap<Address, BTreeMap<u64, B256>>,
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
            added = Added::Replaced(old_hash);
        }
        q.insert(nonce, hash);
        self.by_hash.insert(hash, p);
        Ok(added)
    }

    /// Removes a transaction.
    pub fn remove(&mut self, hash: &B256) -> Option<Pending> {
        let p = self.by_hash.remove(hash)?;
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

    /// Executable transactions for a block with `base_fee`: for each sender the run of
    /// consecutive nonces starting at its account nonce (`nonce_of`), merged by effective
    /// tip (highest first), keeping each sender's nonce order.
    pub fn candidates(&self, base_fee: u64, nonce_of: impl Fn(&Address) -> u64) -> Vec<TxEnvelope> {
        let mut queues: Vec<Vec<&TxEnvelope>> = Vec::new();
        for (sender, q) in &self.by_sender {
            let mut next = nonce_of(sender);
            let mut run = Vec::new();
            while let Some(h) = q.get(&next) {
                run.push(&self.by_hash[h].tx);
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
            let best = queues
                .iter()
                .enumerate()
                .filter_map(|(i, q)| q.last().map(|t| (tip(t), i)))
                .max_by_key(|(t, i)| (*t, std::cmp::Reverse(*i)));
            let Some((_, i)) = best else { break };
            out.push(queues[i].pop().expect("non-empty").clone());
        }
        out
    }
}
