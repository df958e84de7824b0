//! Ethereum state served to revm from tries, plus the recording of what was read.
//!
//! [`TrieDb`] answers revm's [`Database`] queries from the account trie, the storage tries,
//! a code source and ancestor block hashes, all reached through a [`StateSource`]. The
//! same type runs stateful execution (source = the full store) and stateless validation
//! (source = the witness); [`RecordingSource`] wraps a source and remembers every node,
//! code and ancestor it served, which is the witness.

use crate::mpt::{NodeSource, Trie, TrieError};
use alloy_primitives::{Address, B256, Bytes, KECCAK256_EMPTY, U256, keccak256, map::HashMap};
use alloy_trie::{EMPTY_ROOT_HASH, TrieAccount};
use revm::{
    Database, bytecode::Bytecode, database::BundleState, database_interface::DBErrorMarker,
    state::AccountInfo,
};
use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};

/// Everything block execution may read from outside the block: trie nodes (through the
/// [`NodeSource`] supertrait), codes and ancestor block hashes.
pub trait StateSource: NodeSource {
    /// Bytecode with this code hash.
    fn code(&self, hash: &B256) -> Option<Bytes>;
    /// Hash of the ancestor block with this number (within the BLOCKHASH window).
    fn block_hash(&self, number: u64) -> Option<B256>;
}

/// Errors while reading or updating state.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StateError {
    /// A trie operation failed (missing or malformed node).
    #[error("{trie} trie: {source}")]
    Trie {
        /// Which trie (`account` or `storage of 0x..`).
        trie: String,
        /// The trie error.
        #[source]
        source: TrieError,
    },
    /// An account leaf did not decode as an account.
    #[error("account {0}: leaf is not a valid RLP account")]
    BadAccount(Address),
    /// A storage leaf did not decode as a value.
    #[error("storage of {0}: leaf is not a valid RLP value")]
    BadStorage(Address),
    /// Bytecode for a code hash was not provided.
    #[error("missing code for hash {0}")]
    MissingCode(B256),
    /// Block hash of an ancestor was requested but not provided.
    #[error("missing ancestor header for block {0}")]
    MissingAncestor(u64),
}

impl DBErrorMarker for StateError {}

/// revm database over tries reached through a [`StateSource`].
pub struct TrieDb<'s, S: StateSource + ?Sized> {
    source: &'s S,
    accounts: Trie,
    /// Pre-state accounts read so far (`None` = absent), with the keccak of the address
    /// (the account's key in the trie), so applying changes does not hash it again.
    loaded: HashMap<Address, (B256, Option<TrieAccount>)>,
    /// The keccak of every storage slot index read so far (its key in a storage trie):
    /// revm reads a slot before it writes it, so applying a block's changes finds the key
    /// of every written slot here instead of hashing it a second time.
    slot_keys: HashMap<U256, B256>,
    storage: HashMap<Address, Trie>,
    /// First error seen, kept so callers can tell state failures from EVM failures.
    failure: Option<StateError>,
    /// How many pre-state accounts read so far could make a creation collide under
    /// EIP-7610 and nothing else: nonce 0, no code, non-empty storage root.
    collision_candidates: usize,
}

impl<S: StateSource + ?Sized> std::fmt::Debug for TrieDb<'_, S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TrieDb").field("root", &self.accounts.root_hash()).finish()
    }
}

impl<'s, S: StateSource + ?Sized> TrieDb<'s, S> {
    /// A database over the state with root `state_root`.
    pub fn new(state_root: B256, source: &'s S) -> Self {
        Self {
            source,
            accounts: Trie::from_root(state_root),
            loaded: HashMap::default(),
            slot_keys: HashMap::default(),
            storage: HashMap::default(),
            failure: None,
            collision_candidates: 0,
        }
    }

    /// How many accounts read from the pre-state so far have nonce 0, no code and a
    /// non-empty storage root: the accounts a creation collides with only by EIP-7610's
    /// storage rule (EIP-684 already covers a nonce or code). Block execution runs the
    /// collision guard only once this is non-zero ([`crate::collision::execute_transaction`]).
    pub fn collision_candidates(&self) -> usize {
        self.collision_candidates
    }

    /// Forgets the recorded state failure: for a transaction run that is discarded and run
    /// again ([`crate::collision::execute_transaction`]), whose reads may have gone where
    /// the kept run does not.
    pub(crate) fn clear_failure(&mut self) {
        self.failure = None;
    }

    /// The first state error met during execution, if any.
    pub fn failure(&self) -> Option<&StateError> {
        self.failure.as_ref()
    }

    fn fail(&mut self, e: StateError) -> StateError {
        if self.failure.is_none() {
            self.failure = Some(e.clone());
        }
        e
    }

    fn account(&mut self, address: Address) -> Result<Option<TrieAccount>, StateError> {
        if let Some((_, a)) = self.loaded.get(&address) {
            return Ok(*a);
        }
        let key = keccak256(address);
        let leaf = self
            .accounts
            .get(key.as_slice(), &self.source)
            .map_err(|source| StateError::Trie { trie: "account".into(), source })?;
        let account = match leaf {
            None => None,
            Some(rlp) => Some(
                alloy_rlp::Decodable::decode(&mut rlp.as_slice())
                    .map_err(|_| StateError::BadAccount(address))?,
            ),
        };
        if account.is_some_and(|a: TrieAccount| {
            a.nonce == 0 && a.code_hash == KECCAK256_EMPTY && a.storage_root != EMPTY_ROOT_HASH
        }) {
            self.collision_candidates += 1;
        }
        self.loaded.insert(address, (key, account));
        Ok(account)
    }

    /// Whether `address` had non-empty storage in the pre-state (its account leaf's storage
    /// root is not the empty root). Reads only the account leaf, which a witness carries.
    pub fn had_storage(&mut self, address: Address) -> Result<bool, StateError> {
        let account = self.account(address).map_err(|e| self.fail(e))?;
        Ok(account.is_some_and(|a| a.storage_root != EMPTY_ROOT_HASH))
    }

    fn storage_trie(&mut self, address: Address) -> Result<&mut Trie, StateError> {
        if !self.storage.contains_key(&address) {
            let root = self.account(address)?.map_or(EMPTY_ROOT_HASH, |a| a.storage_root);
            self.storage.insert(address, Trie::from_root(root));
        }
        Ok(self.storage.get_mut(&address).expect("inserted above"))
    }

    fn read_storage(&mut self, address: Address, slot: U256) -> Result<U256, StateError> {
        let source = self.source;
        let key =
            *self.slot_keys.entry(slot).or_insert_with(|| keccak256(slot.to_be_bytes::<32>()));
        let trie = self.storage_trie(address)?;
        let leaf = trie
            .get(key.as_slice(), &source)
            .map_err(|source| StateError::Trie { trie: format!("storage of {address}"), source })?;
        match leaf {
            None => Ok(U256::ZERO),
            Some(rlp) => alloy_rlp::Decodable::decode(&mut rlp.as_slice())
                .map_err(|_| StateError::BadStorage(address)),
        }
    }

    /// Applies the changes of executed block(s) to the tries and returns the new state root.
    ///
    /// Updates run in hashed-key order so that two runs over the same changes resolve the
    /// same nodes, which keeps a recorded witness sufficient for a stateless replay.
    pub fn apply_bundle(&mut self, bundle: &BundleState) -> Result<B256, StateError> {
        let mut changed: Vec<(B256, Address)> = bundle
            .state
            .keys()
            .map(|a| (self.loaded.get(a).map_or_else(|| keccak256(a), |(key, _)| *key), *a))
            .collect();
        changed.sort_unstable();
        for (hashed, address) in changed {
            let acc = &bundle.state[&address];
            let r = self.apply_account(hashed, address, acc);
            r.map_err(|e| self.fail(e))?;
        }
        Ok(self.accounts.root_hash())
    }

    fn apply_account(
        &mut self,
        hashed: B256,
        address: Address,
        acc: &revm::database::BundleAccount,
    ) -> Result<(), StateError> {
        let source = self.source;
        let account_err = |source| StateError::Trie { trie: "account".into(), source };
        let Some(info) = &acc.info else {
            self.accounts.remove(hashed.as_slice(), &source).map_err(account_err)?;
            self.storage.insert(address, Trie::from_root(EMPTY_ROOT_HASH));
            return Ok(());
        };
        if acc.was_destroyed() {
            self.storage.insert(address, Trie::from_root(EMPTY_ROOT_HASH));
        }
        let mut slots: Vec<(B256, U256)> = acc
            .storage
            .iter()
            .filter(|(_, s)| acc.was_destroyed() || s.is_changed())
            .map(|(k, s)| {
                let key = self.slot_keys.get(k).copied();
                (key.unwrap_or_else(|| keccak256(k.to_be_bytes::<32>())), s.present_value)
            })
            .collect();
        slots.sort_unstable_by_key(|s| s.0);
        let storage_root = if slots.is_empty() && !acc.was_destroyed() {
            match self.storage.get(&address) {
                Some(t) => t.root_hash(),
                None => self.account(address)?.map_or(EMPTY_ROOT_HASH, |a| a.storage_root),
            }
        } else {
            let trie = self.storage_trie(address)?;
            for (key, value) in slots {
                let r = if value.is_zero() {
                    trie.remove(key.as_slice(), &source)
                } else {
                    trie.insert(key.as_slice(), alloy_rlp::encode(value), &source)
                };
                // The trie's name is only formatted on failure.
                r.map_err(|source| StateError::Trie {
                    trie: format!("storage of {address}"),
                    source,
                })?;
            }
            trie.root_hash()
        };
        let account = TrieAccount {
            nonce: info.nonce,
            balance: info.balance,
            storage_root,
            code_hash: info.code_hash,
        };
        self.accounts
            .insert(hashed.as_slice(), alloy_rlp::encode(account), &source)
            .map_err(account_err)
    }

    /// Writes every resolved node of the account and storage tries into `out`.
    pub fn commit_into(&self, out: &mut std::collections::HashMap<B256, Bytes>) -> B256 {
        for t in self.storage.values() {
            t.commit_into(out);
        }
        self.accounts.commit_into(out)
    }
}

impl<S: StateSource + ?Sized> Database for TrieDb<'_, S> {
    type Error = StateError;

    fn basic(&mut self, address: Address) -> Result<Option<AccountInfo>, Self::Error> {
        let r = self.account(address).map_err(|e| self.fail(e))?;
        Ok(r.map(|a| AccountInfo {
            balance: a.balance,
            nonce: a.nonce,
            code_hash: a.code_hash,
            account_id: None,
            code: None,
        }))
    }

    fn code_by_hash(&mut self, code_hash: B256) -> Result<Bytecode, Self::Error> {
        if code_hash == KECCAK256_EMPTY || code_hash.is_zero() {
            return Ok(Bytecode::default());
        }
        match self.source.code(&code_hash) {
            Some(code) => Ok(Bytecode::new_raw_checked(code.clone())
                .unwrap_or_else(|_| Bytecode::new_legacy(code))),
            None => Err(self.fail(StateError::MissingCode(code_hash))),
        }
    }

    fn storage(&mut self, address: Address, index: U256) -> Result<U256, Self::Error> {
        self.read_storage(address, index).map_err(|e| self.fail(e))
    }

    fn block_hash(&mut self, number: u64) -> Result<B256, Self::Error> {
        match self.source.block_hash(number) {
            Some(h) => Ok(h),
            None => Err(self.fail(StateError::MissingAncestor(number))),
        }
    }
}

/// What a [`RecordingSource`] saw: the raw material of an execution witness.
#[derive(Debug, Default, Clone)]
pub struct Recorded {
    /// Trie nodes served, by hash.
    pub nodes: BTreeMap<B256, Bytes>,
    /// Codes served, by hash.
    pub codes: BTreeMap<B256, Bytes>,
    /// Ancestor block numbers whose hashes were served.
    pub ancestors: BTreeSet<u64>,
}

/// Wraps a [`StateSource`] and records everything it serves.
#[derive(Debug)]
pub struct RecordingSource<'a, S: ?Sized> {
    inner: &'a S,
    seen: RefCell<Recorded>,
}

impl<'a, S: StateSource + ?Sized> RecordingSource<'a, S> {
    /// Starts recording reads from `inner`.
    pub fn new(inner: &'a S) -> Self {
        Self { inner, seen: RefCell::new(Recorded::default()) }
    }

    /// Everything served so far.
    pub fn into_recorded(self) -> Recorded {
        self.seen.into_inner()
    }
}

impl<S: StateSource + ?Sized> NodeSource for RecordingSource<'_, S> {
    fn node(&self, hash: &B256) -> Option<Bytes> {
        let n = self.inner.node(hash)?;
        self.seen.borrow_mut().nodes.insert(*hash, n.clone());
        Some(n)
    }
}

impl<S: StateSource + ?Sized> StateSource for RecordingSource<'_, S> {
    fn code(&self, hash: &B256) -> Option<Bytes> {
        let c = self.inner.code(hash)?;
        self.seen.borrow_mut().codes.insert(*hash, c.clone());
        Some(c)
    }

    fn block_hash(&self, number: u64) -> Option<B256> {
        let h = self.inner.block_hash(number)?;
        self.seen.borrow_mut().ancestors.insert(number);
        Some(h)
    }
}
