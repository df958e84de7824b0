//! An in-memory chain: full state (every trie node by hash), codes, and a block tree.
//!
//! Used by the conformance runner, tests and benchmarks to execute blocks statefully,
//! record their witnesses and produce new blocks. Persistent storage is the node's job.

use crate::block::{BlockError, execute_block_with, seal_block};
use crate::evm::NrEvmFactory;
use crate::fork::ForkSchedule;
use crate::mpt::{NodeSource, Trie, TrieError};
use crate::signer::signer_public_keys;
use crate::ssz::{ExecutionWitness, StatelessInput};
use crate::state::{RecordingSource, StateSource};
use crate::stateless::{StatelessError, block_to_new_payload, build_witness};
use alloy_consensus::{Block, Header, TxEnvelope};
use alloy_eips::eip7685::Requests;
use alloy_primitives::{Address, B256, Bytes, U256, keccak256};
use alloy_trie::{EMPTY_ROOT_HASH, TrieAccount};
use std::collections::{BTreeMap, HashMap};

/// One account of a genesis allocation.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GenesisAccount {
    /// Nonce.
    pub nonce: u64,
    /// Balance in wei.
    pub balance: U256,
    /// Code.
    pub code: Bytes,
    /// Storage (zero values are skipped).
    pub storage: BTreeMap<U256, U256>,
}

/// Full state and block tree held in memory.
#[derive(Debug, Default, Clone)]
pub struct MemoryChain {
    /// Every trie node ever committed, by hash.
    pub nodes: HashMap<B256, Bytes>,
    /// Every code, by hash.
    pub codes: HashMap<B256, Bytes>,
    /// Every imported header, by hash.
    pub headers: HashMap<B256, Header>,
    /// EVM used for execution (extra precompiles, e.g. EXECUTE on an L1).
    pub evm: NrEvmFactory,
}

/// The chain as seen from one parent block: a [`StateSource`] for its child.
#[derive(Debug)]
pub struct ChainView<'a> {
    chain: &'a MemoryChain,
    parent: &'a Header,
}

impl ChainView<'_> {
    /// The header with `number` on the parent's chain (the parent itself included).
    pub fn ancestor(&self, number: u64) -> Option<Header> {
        let mut h = self.parent;
        while h.number > number {
            h = self.chain.headers.get(&h.parent_hash)?;
        }
        (h.number == number).then(|| h.clone())
    }
}

impl NodeSource for ChainView<'_> {
    fn node(&self, hash: &B256) -> Option<Bytes> {
        self.chain.nodes.get(hash).cloned()
    }
}

impl StateSource for ChainView<'_> {
    fn code(&self, hash: &B256) -> Option<Bytes> {
        self.chain.codes.get(hash).cloned()
    }
    fn block_hash(&self, number: u64) -> Option<B256> {
        if number > self.parent.number || self.parent.number - number >= 256 {
            return None;
        }
        self.ancestor(number).map(|h| h.hash_slow())
    }
}

/// The result of importing one block.
#[derive(Debug)]
pub struct Imported {
    /// The block's hash if it was valid and is now part of the tree.
    pub result: Result<B256, BlockError>,
    /// The witness recorded from the pre-state (also for invalid blocks, up to the failure).
    pub witness: ExecutionWitness,
    /// The block's EIP-7685 requests (empty when invalid or before Prague).
    pub requests: Requests,
}

impl MemoryChain {
    /// Writes an allocation as a fresh state and returns its root.
    pub fn insert_alloc<'a>(
        &mut self,
        alloc: impl IntoIterator<Item = (&'a Address, &'a GenesisAccount)>,
    ) -> Result<B256, TrieError> {
        let none: HashMap<B256, Bytes> = HashMap::new();
        let mut accounts = Trie::from_root(EMPTY_ROOT_HASH);
        for (addr, acc) in alloc {
            let mut storage = Trie::from_root(EMPTY_ROOT_HASH);
            for (k, v) in acc.storage.iter().filter(|(_, v)| !v.is_zero()) {
                storage.insert(
                    keccak256(k.to_be_bytes::<32>()).as_slice(),
                    alloy_rlp::encode(v),
                    &none,
                )?;
            }
            let storage_root = storage.commit_into(&mut self.nodes);
            let code_hash = keccak256(&acc.code);
            self.codes.insert(code_hash, acc.code.clone());
            let account =
                TrieAccount { nonce: acc.nonce, balance: acc.balance, storage_root, code_hash };
            accounts.insert(keccak256(addr).as_slice(), alloy_rlp::encode(account), &none)?;
        }
        Ok(accounts.commit_into(&mut self.nodes))
    }

    /// Adds a header to the block tree (genesis, or a block whose state is already stored).
    pub fn insert_header(&mut self, header: Header) -> B256 {
        let hash = header.hash_slow();
        self.headers.insert(hash, header);
        hash
    }

    /// A view for executing a child of `parent`.
    pub fn view<'a>(&'a self, parent: &'a Header) -> ChainView<'a> {
        ChainView { chain: self, parent }
    }

    /// Validates and executes `block` on its parent's state, recording the witness; a valid
    /// block's state and header are stored.
    pub fn import(
        &mut self,
        block: &Block<TxEnvelope>,
        schedule: &ForkSchedule,
        chain_id: u64,
    ) -> Imported {
        let Some(parent) = self.headers.get(&block.header.parent_hash).cloned() else {
            let e = BlockError::UnknownParent(block.header.parent_hash);
            return Imported {
                result: Err(e),
                witness: ExecutionWitness::default(),
                requests: Requests::default(),
            };
        };
        let view = self.view(&parent);
        let recorder = RecordingSource::new(&view);
        let outcome = execute_block_with(block, &parent, schedule, chain_id, &recorder, &self.evm)
            .map(|done| {
                let mut nodes = HashMap::new();
                done.state.commit_into(&mut nodes);
                (nodes, done.new_codes, done.requests)
            });
        let witness = build_witness(recorder.into_recorded(), &parent, |n| view.ancestor(n))
            .unwrap_or_default();
        match outcome {
            Ok((nodes, codes, requests)) => {
                self.nodes.extend(nodes);
                self.codes.extend(codes);
                let hash = self.insert_header(block.header.clone());
                Imported { result: Ok(hash), witness, requests }
            }
            Err(e) => Imported { result: Err(e), witness, requests: Requests::default() },
        }
    }

    /// Completes a draft child of its parent (see [`seal_block`]), then imports it through
    /// the validating path like any other block, and returns it with its witness.
    pub fn produce(
        &mut self,
        draft: Block<TxEnvelope>,
        schedule: &ForkSchedule,
        chain_id: u64,
    ) -> Result<(Block<TxEnvelope>, ExecutionWitness, Requests), BlockError> {
        let parent = self
            .headers
            .get(&draft.header.parent_hash)
            .cloned()
            .ok_or(BlockError::UnknownParent(draft.header.parent_hash))?;
        let block = {
            let view = self.view(&parent);
            seal_block(draft, parent.state_root, schedule, chain_id, &view, &self.evm)?.0
        };
        let imported = self.import(&block, schedule, chain_id);
        imported.result?;
        Ok((block, imported.witness, imported.requests))
    }

    /// Packs a block and its witness into a [`StatelessInput`] for `chain_id`, with one
    /// signer public key per transaction (its wire bytes are [`StatelessInput::to_wire`]).
    pub fn stateless_input(
        block: &Block<TxEnvelope>,
        witness: ExecutionWitness,
        requests: &Requests,
        chain_id: u64,
    ) -> Result<StatelessInput, StatelessError> {
        Ok(StatelessInput {
            new_payload_request: block_to_new_payload(block, requests)?,
            witness,
            chain_id,
            public_keys: signer_public_keys(&block.body.transactions),
        })
    }
}
