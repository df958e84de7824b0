//! One Ethereum execution chain on an embedded, crash-safe store.
//!
//! [`Chain`] owns the state (every trie node of every block: an archive), the canonical
//! block list, receipts and a transaction index, the pending transaction pool, and block
//! production. It does not know whether it is an L1 or an L2: the per-block EVM (extra
//! precompiles, header `extra_data`) comes from a [`BlockHooks`].
#![warn(missing_docs)]

pub mod pool;
pub mod spec;
pub mod store;
pub mod tx;

use alloy_consensus::{
    Block, BlockBody, EMPTY_OMMER_ROOT_HASH, Header, ReceiptEnvelope, Transaction, TxEnvelope,
    transaction::SignerRecoverable,
};
use alloy_eips::{Decodable2718, Encodable2718, eip1559::BaseFeeParams};
use alloy_evm::{Evm, EvmEnv, EvmFactory, FromRecoveredTx};
use alloy_primitives::{Address, B256, Bytes, Log, TxKind, U256, keccak256};
use alloy_rlp::Decodable;
use alloy_trie::{EMPTY_ROOT_HASH, TrieAccount};
use nr_stateless::{
    BlockError, Fork,
    block::{BuiltBlock, Skipped, build_block, execute_block_with},
    evm::BlockHooks,
    memory::MemoryChain,
    mpt,
    ssz::ExecutionWitness,
    state::{RecordingSource, StateSource, TrieDb},
    stateless::build_witness,
};
use pool::{Added, Pending, TxPool};
use redb::{ReadableDatabase, ReadableTable};
use revm::{
    context::TxEnv,
    context_interface::result::{ExecutionResult, ResultAndState},
    database::State,
};
use spec::ChainSpec;
use std::{
    path::Path,
    sync::{Arc, Mutex, RwLock},
};
use store::*;
pub use store::{StoreError, StoreView};
pub use tx::{Eip1559Builder, unix_now};

/// Why a chain operation failed.
#[derive(Debug, thiserror::Error)]
pub enum ChainError {
    /// Store failure.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The stored chain was created with a different spec.
    #[error("datadir holds chain {stored} but chain {given} was requested")]
    SpecMismatch {
        /// Chain id in the store.
        stored: u64,
        /// Chain id requested.
        given: u64,
    },
    /// A block could not be built or executed.
    #[error(transparent)]
    Block(#[from] BlockError),
    /// A trie could not be read.
    #[error("state: {0}")]
    State(String),
    /// Unknown block.
    #[error("unknown block {0}")]
    UnknownBlock(String),
}

/// Why a transaction was not accepted into the pool. Messages follow geth's wording so
/// that client libraries recognise them.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TxError {
    /// Not valid EIP-2718 bytes.
    #[error("rlp: {0}")]
    Decode(String),
    /// Signature does not recover.
    #[error("invalid sender")]
    InvalidSender,
    /// Wrong or missing chain id.
    #[error("invalid chain id: have {have:?}, want {want}")]
    ChainId {
        /// The transaction's chain id.
        have: Option<u64>,
        /// The chain's id.
        want: u64,
    },
    /// Transaction type not accepted here.
    #[error("transaction type not supported: {0}")]
    Type(String),
    /// Nonce already used.
    #[error("nonce too low: next nonce {next}, tx nonce {tx}")]
    NonceTooLow {
        /// The account's nonce.
        next: u64,
        /// The transaction's nonce.
        tx: u64,
    },
    /// Nonce too far ahead.
    #[error("nonce too high: next nonce {next}, tx nonce {tx}")]
    NonceTooHigh {
        /// The account's nonce.
        next: u64,
        /// The transaction's nonce.
        tx: u64,
    },
    /// Balance does not cover the maximum cost.
    #[error(
        "insufficient funds for gas * price + value: address {address} have {have} want {want}"
    )]
    InsufficientFunds {
        /// Sender.
        address: Address,
        /// Balance.
        have: U256,
        /// Maximum cost.
        want: U256,
    },
    /// Gas limit below the intrinsic gas.
    #[error("intrinsic gas too low: gas {gas}, minimum needed {needed}")]
    IntrinsicGas {
        /// Transaction gas limit.
        gas: u64,
        /// Intrinsic gas.
        needed: u64,
    },
    /// Gas limit above the block gas limit or the fork's per-transaction cap.
    #[error("exceeds block gas limit")]
    GasLimit,
    /// Tip above fee cap.
    #[error("max priority fee per gas higher than max fee per gas")]
    TipAboveFeeCap,
    /// Fee cap below the next block's base fee (refused where the pool policy says so).
    #[error("transaction underpriced: max fee per gas {cap} less than block base fee {base}")]
    FeeCapBelowBaseFee {
        /// The transaction's fee cap.
        cap: u128,
        /// The next block's base fee.
        base: u64,
    },
    /// Pool rule (already known, replacement underpriced).
    #[error("{0}")]
    Pool(&'static str),
    /// State could not be read.
    #[error("state: {0}")]
    State(String),
}

/// A call to simulate (`eth_call`, `eth_estimateGas`).
#[derive(Debug, Clone, Default)]
pub struct CallRequest {
    /// Sender (zero address if absent).
    pub from: Option<Address>,
    /// Target; `None` = contract creation.
    pub to: Option<Address>,
    /// Gas limit (default: block gas limit, capped by the fork's transaction cap).
    pub gas: Option<u64>,
    /// Legacy gas price.
    pub gas_price: Option<u128>,
    /// EIP-1559 fee cap.
    pub max_fee_per_gas: Option<u128>,
    /// EIP-1559 tip.
    pub max_priority_fee_per_gas: Option<u128>,
    /// Value.
    pub value: Option<U256>,
    /// Calldata.
    pub input: Bytes,
    /// Nonce (default: the sender's).
    pub nonce: Option<u64>,
    /// Access list.
    pub access_list: Option<alloy_eips::eip2930::AccessList>,
}

/// What a simulated call did.
#[derive(Debug, Clone)]
pub enum CallOutcome {
    /// Succeeded with output and gas used.
    Success {
        /// Return data.
        output: Bytes,
        /// Gas used.
        gas_used: u64,
    },
    /// Reverted with data.
    Revert {
        /// Revert data.
        output: Bytes,
        /// Gas used.
        gas_used: u64,
    },
    /// Halted (out of gas, invalid opcode, failed precompile ...).
    Halt {
        /// Reason.
        reason: String,
        /// Gas used.
        gas_used: u64,
    },
    /// The transaction itself is invalid (funds, nonce, gas cap ...).
    Invalid(String),
}

/// A receipt with everything needed to serve it.
#[derive(Debug, Clone)]
pub struct ReceiptInfo {
    /// The transaction.
    pub tx: TxEnvelope,
    /// Its sender.
    pub from: Address,
    /// The block's header.
    pub header: Header,
    /// Block hash.
    pub block_hash: B256,
    /// Position in the block.
    pub index: u64,
    /// The consensus receipt.
    pub receipt: ReceiptEnvelope,
    /// Gas used by this transaction alone.
    pub gas_used: u64,
    /// Index of its first log in the block.
    pub first_log_index: u64,
    /// Created contract, if any.
    pub contract_address: Option<Address>,
}

/// A log with its position.
#[derive(Debug, Clone)]
pub struct LogInfo {
    /// The log.
    pub log: Log,
    /// Block hash.
    pub block_hash: B256,
    /// Block number.
    pub block_number: u64,
    /// Block timestamp.
    pub block_timestamp: u64,
    /// Transaction hash.
    pub tx_hash: B256,
    /// Transaction index.
    pub tx_index: u64,
    /// Log index in the block.
    pub log_index: u64,
}

/// An account with proofs (`eth_getProof`).
#[derive(Debug, Clone)]
pub struct AccountProof {
    /// The account (default if absent).
    pub account: TrieAccount,
    /// Account proof, root first.
    pub account_proof: Vec<Bytes>,
    /// `(slot, value, proof)` per requested slot.
    pub storage: Vec<(B256, U256, Vec<Bytes>)>,
}

/// What the pool accepts beyond validity (a sequencer is stricter than a dev L1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolPolicy {
    /// Largest gap allowed between a transaction's nonce and the next expected one
    /// (0: no gaps, `nonce too high` otherwise).
    pub max_nonce_gap: u64,
    /// Refuse fee caps below the next block's base fee (`transaction underpriced`).
    pub reject_below_base_fee: bool,
}

impl Default for PoolPolicy {
    fn default() -> Self {
        Self { max_nonce_gap: pool::MAX_NONCE_GAP, reject_below_base_fee: false }
    }
}

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

/// A produced block and what was left out.
#[derive(Debug, Clone)]
pub struct Produced {
    /// The block.
    pub block: Block<TxEnvelope>,
    /// Its hash.
    pub hash: B256,
    /// Candidates not included, with reasons.
    pub skipped: Vec<(B256, String)>,
}

/// One chain on an embedded store. All methods take `&self`; share it in an `Arc`.
#[derive(Debug)]
pub struct Chain {
    db: redb::Database,
    spec: ChainSpec,
    hooks: Arc<dyn BlockHooks>,
    head: RwLock<Header>,
    pool: Mutex<TxPool>,
    produce: Mutex<()>,
    policy: RwLock<PoolPolicy>,
    /// Notified when a transaction enters the pool.
    pub tx_added: notify::Notify,
}

/// A counter that block producers wait on (std only, no async runtime needed).
pub mod notify {
    use std::sync::{Condvar, Mutex};

    /// Counts pool insertions; waiters block until the count moves.
    #[derive(Debug, Default)]
    pub struct Notify {
        count: Mutex<u64>,
        cv: Condvar,
    }

    impl Notify {
        /// Signals one more insertion.
        pub fn notify(&self) {
            *self.count.lock().unwrap_or_else(|p| p.into_inner()) += 1;
            self.cv.notify_all();
        }

        /// The current count.
        pub fn count(&self) -> u64 {
            *self.count.lock().unwrap_or_else(|p| p.into_inner())
        }

        /// Waits until the count differs from `seen` or `timeout` passes.
        pub fn wait_past(&self, seen: u64, timeout: std::time::Duration) -> u64 {
            let guard = self.count.lock().unwrap_or_else(|p| p.into_inner());
            let (g, _) = self
                .cv
                .wait_timeout_while(guard, timeout, |c| *c == seen)
                .unwrap_or_else(|p| p.into_inner());
            *g
        }
    }
}

/// The nonce of `address` in the state with root `root` (0 if absent or unreadable).
fn nonce_in(root: B256, view: &StoreView, address: &Address) -> u64 {
    mpt::Trie::from_root(root)
        .get(keccak256(address).as_slice(), view)
        .ok()
        .flatten()
        .and_then(|rlp| TrieAccount::decode(&mut rlp.as_slice()).ok())
        .map_or(0, |acc| acc.nonce)
}

fn corrupt(what: &'static str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt { what, reason: e.to_string() }
}

fn state_err(e: impl std::fmt::Display) -> ChainError {
    ChainError::State(e.to_string())
}

impl Chain {
    /// Opens the chain stored at `path`, or creates it from `spec`. An existing store keeps
    /// its own spec; asking for another chain id is an error.
    pub fn open(
        path: &Path,
        spec: ChainSpec,
        hooks: Arc<dyn BlockHooks>,
    ) -> Result<Self, ChainError> {
        Self::open_with(path, spec, |_| hooks)
    }

    /// [`Chain::open`] with hooks built from the spec in force (the stored one on restart),
    /// for hooks that depend on it (an L1's EXECUTE verifies under the stored schedule).
    pub fn open_with(
        path: &Path,
        spec: ChainSpec,
        hooks: impl FnOnce(&ChainSpec) -> Arc<dyn BlockHooks>,
    ) -> Result<Self, ChainError> {
        let db = redb::Database::create(path).map_err(StoreError::from)?;
        let stored = {
            let tx = db.begin_write().map_err(StoreError::from)?;
            for t in [NODES, CODES, HEADERS, BLOCKS, RECEIPTS, TX_INDEX, POOL] {
                tx.open_table(t).map_err(StoreError::from)?;
            }
            tx.open_table(CANONICAL).map_err(StoreError::from)?;
            let meta = tx.open_table(META).map_err(StoreError::from)?;
            let s = meta.get("spec").map_err(StoreError::from)?.map(|v| v.value().to_vec());
            drop(meta);
            tx.commit().map_err(StoreError::from)?;
            s
        };
        let spec = match stored {
            Some(bytes) => {
                let stored: ChainSpec =
                    serde_json::from_slice(&bytes).map_err(|e| corrupt("spec", e))?;
                if stored.chain_id != spec.chain_id {
                    return Err(ChainError::SpecMismatch {
                        stored: stored.chain_id,
                        given: spec.chain_id,
                    });
                }
                stored
            }
            None => {
                Self::init(&db, &spec)?;
                spec
            }
        };
        let head = {
            let tx = db.begin_read().map_err(StoreError::from)?;
            let meta = tx.open_table(META).map_err(StoreError::from)?;
            let hash = meta
                .get("head")
                .map_err(StoreError::from)?
                .ok_or_else(|| corrupt("head", "missing"))?
                .value()
                .to_vec();
            let headers = tx.open_table(HEADERS).map_err(StoreError::from)?;
            let rlp = headers
                .get(hash.as_slice())
                .map_err(StoreError::from)?
                .ok_or_else(|| corrupt("head header", "missing"))?
                .value()
                .to_vec();
            Header::decode(&mut rlp.as_slice()).map_err(|e| corrupt("head header", e))?
        };
        let hooks = hooks(&spec);
        let chain = Self {
            db,
            spec,
            hooks,
            head: RwLock::new(head),
            pool: Mutex::new(TxPool::default()),
            produce: Mutex::new(()),
            policy: RwLock::new(PoolPolicy::default()),
            tx_added: Default::default(),
        };
        chain.reload_pool()?;
        Ok(chain)
    }

    fn init(db: &redb::Database, spec: &ChainSpec) -> Result<(), ChainError> {
        let mut mem = MemoryChain::default();
        let alloc = spec.alloc();
        let root = mem.insert_alloc(alloc.iter()).map_err(state_err)?;
        let header = spec.genesis_header(root);
        let hash = header.hash_slow();
        let block = Block {
            header: header.clone(),
            body: BlockBody {
                transactions: vec![],
                ommers: vec![],
                withdrawals: Some(Default::default()),
            },
        };
        let tx = db.begin_write().map_err(StoreError::from)?;
        {
            let mut nodes = tx.open_table(NODES).map_err(StoreError::from)?;
            for (h, n) in &mem.nodes {
                nodes.insert(h.as_slice(), n.as_ref()).map_err(StoreError::from)?;
            }
            let mut codes = tx.open_table(CODES).map_err(StoreError::from)?;
            for (h, c) in &mem.codes {
                codes.insert(h.as_slice(), c.as_ref()).map_err(StoreError::from)?;
            }
            Self::write_block(&tx, &block, hash, &[])?;
            let mut meta = tx.open_table(META).map_err(StoreError::from)?;
            let json = serde_json::to_vec(spec).map_err(|e| corrupt("spec", e))?;
            meta.insert("spec", json.as_slice()).map_err(StoreError::from)?;
        }
        tx.commit().map_err(StoreError::from)?;
        Ok(())
    }

    fn write_block(
        tx: &redb::WriteTransaction,
        block: &Block<TxEnvelope>,
        hash: B256,
        receipts: &[ReceiptEnvelope],
    ) -> Result<(), StoreError> {
        let mut headers = tx.open_table(HEADERS)?;
        headers.insert(hash.as_slice(), alloy_rlp::encode(&block.header).as_slice())?;
        let mut blocks = tx.open_table(BLOCKS)?;
        blocks.insert(hash.as_slice(), alloy_rlp::encode(block).as_slice())?;
        let encoded: Vec<Bytes> = receipts.iter().map(|r| r.encoded_2718().into()).collect();
        let mut rec = tx.open_table(RECEIPTS)?;
        rec.insert(hash.as_slice(), alloy_rlp::encode(&encoded).as_slice())?;
        let mut canonical = tx.open_table(CANONICAL)?;
        canonical.insert(block.header.number, hash.as_slice())?;
        let mut index = tx.open_table(TX_INDEX)?;
        let mut pool = tx.open_table(POOL)?;
        for (i, t) in block.body.transactions.iter().enumerate() {
            let mut loc = hash.to_vec();
            loc.extend_from_slice(&(i as u64).to_be_bytes());
            index.insert(t.tx_hash().as_slice(), loc.as_slice())?;
            pool.remove(t.tx_hash().as_slice())?;
        }
        let mut meta = tx.open_table(META)?;
        meta.insert("head", hash.as_slice())?;
        Ok(())
    }

    /// Writes an executed block (state nodes, codes, block data) in one transaction and
    /// makes it the head.
    fn store_block<S: StateSource + ?Sized>(
        &self,
        block: &Block<TxEnvelope>,
        hash: B256,
        executed: &nr_stateless::block::ExecutedBlock<'_, S>,
    ) -> Result<(), ChainError> {
        let mut nodes = std::collections::HashMap::new();
        executed.state.commit_into(&mut nodes);
        let wt = self.db.begin_write().map_err(StoreError::from)?;
        {
            let mut t = wt.open_table(NODES).map_err(StoreError::from)?;
            for (h, n) in &nodes {
                t.insert(h.as_slice(), n.as_ref()).map_err(StoreError::from)?;
            }
            let mut c = wt.open_table(CODES).map_err(StoreError::from)?;
            for (h, code) in &executed.new_codes {
                c.insert(h.as_slice(), code.as_ref()).map_err(StoreError::from)?;
            }
        }
        Self::write_block(&wt, block, hash, &executed.receipts)?;
        wt.commit().map_err(StoreError::from)?;
        let mut pool = self.pool.lock().unwrap_or_else(|p| p.into_inner());
        *self.head.write().unwrap_or_else(|p| p.into_inner()) = block.header.clone();
        for t in &block.body.transactions {
            pool.remove(t.tx_hash());
        }
        Ok(())
    }

    fn reload_pool(&self) -> Result<(), ChainError> {
        let txs: Vec<Vec<u8>> = {
            let tx = self.db.begin_read().map_err(StoreError::from)?;
            let pool = tx.open_table(POOL).map_err(StoreError::from)?;
            let iter = pool.iter().map_err(StoreError::from)?;
            iter.filter_map(|e| e.ok().map(|(_, v)| v.value().to_vec())).collect()
        };
        for raw in txs {
            // Transactions that became invalid while the node was down are dropped.
            let _ = self.add_raw_transaction(&raw);
        }
        Ok(())
    }

    /// Sets what the pool accepts from now on.
    pub fn set_pool_policy(&self, policy: PoolPolicy) {
        *self.policy.write().unwrap_or_else(|p| p.into_inner()) = policy;
    }

    /// The chain's spec (as stored).
    pub fn spec(&self) -> &ChainSpec {
        &self.spec
    }

    /// The chain id.
    pub fn chain_id(&self) -> u64 {
        self.spec.chain_id
    }

    /// The current head header.
    pub fn head(&self) -> Header {
        self.head.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// The block hooks.
    pub fn hooks(&self) -> &Arc<dyn BlockHooks> {
        &self.hooks
    }

    fn read<T>(
        &self,
        f: impl FnOnce(&redb::ReadTransaction) -> Result<T, StoreError>,
    ) -> Result<T, ChainError> {
        let tx = self.db.begin_read().map_err(StoreError::from)?;
        Ok(f(&tx)?)
    }

    /// The canonical hash of block `number`.
    pub fn hash_by_number(&self, number: u64) -> Result<Option<B256>, ChainError> {
        self.read(|tx| {
            let t = tx.open_table(CANONICAL)?;
            Ok(t.get(number)?.map(|v| B256::from_slice(v.value())))
        })
    }

    /// The header with this hash.
    pub fn header(&self, hash: &B256) -> Result<Option<Header>, ChainError> {
        self.read(|tx| {
            let t = tx.open_table(HEADERS)?;
            t.get(hash.as_slice())?
                .map(|v| Header::decode(&mut v.value()).map_err(|e| corrupt("header", e)))
                .transpose()
        })
    }

    /// The canonical header of block `number`.
    pub fn header_by_number(&self, number: u64) -> Result<Option<Header>, ChainError> {
        match self.hash_by_number(number)? {
            Some(h) => self.header(&h),
            None => Ok(None),
        }
    }

    /// The block with this hash.
    pub fn block(&self, hash: &B256) -> Result<Option<Block<TxEnvelope>>, ChainError> {
        self.read(|tx| {
            let t = tx.open_table(BLOCKS)?;
            t.get(hash.as_slice())?
                .map(|v| Block::decode(&mut v.value()).map_err(|e| corrupt("block", e)))
                .transpose()
        })
    }

    /// The receipts of the block with this hash.
    pub fn receipts(&self, hash: &B256) -> Result<Option<Vec<ReceiptEnvelope>>, ChainError> {
        self.read(|tx| {
            let t = tx.open_table(RECEIPTS)?;
            let Some(v) = t.get(hash.as_slice())? else { return Ok(None) };
            let list: Vec<Bytes> =
                Decodable::decode(&mut v.value()).map_err(|e| corrupt("receipts", e))?;
            list.iter()
                .map(|r| {
                    ReceiptEnvelope::decode_2718(&mut r.as_ref()).map_err(|e| corrupt("receipt", e))
                })
                .collect::<Result<Vec<_>, _>>()
                .map(Some)
        })
    }

    /// Where a mined transaction is: block hash and index.
    pub fn tx_location(&self, hash: &B256) -> Result<Option<(B256, u64)>, ChainError> {
        self.read(|tx| {
            let t = tx.open_table(TX_INDEX)?;
            Ok(t.get(hash.as_slice())?.and_then(|v| {
                let v = v.value();
                (v.len() == 40).then(|| {
                    (
                        B256::from_slice(&v[..32]),
                        u64::from_be_bytes(v[32..].try_into().unwrap_or_default()),
                    )
                })
            }))
        })
    }

    /// A pending transaction with this hash.
    pub fn pending_tx(&self, hash: &B256) -> Option<Pending> {
        self.pool.lock().unwrap_or_else(|p| p.into_inner()).get(hash).cloned()
    }

    /// Number of pending transactions.
    pub fn pending_count(&self) -> usize {
        self.pool.lock().unwrap_or_else(|p| p.into_inner()).len()
    }

    /// A state view for reading the state after block `header` (or executing its child).
    pub fn view(&self, header: &Header) -> Result<StoreView, ChainError> {
        Ok(StoreView::open(&self.db, header.number)?)
    }

    /// The account `address` after block `header` (`None` if absent).
    pub fn account(
        &self,
        header: &Header,
        address: Address,
    ) -> Result<Option<TrieAccount>, ChainError> {
        let view = self.view(header)?;
        let mut trie = mpt::Trie::from_root(header.state_root);
        let leaf = trie.get(keccak256(address).as_slice(), &view).map_err(state_err)?;
        leaf.map(|rlp| TrieAccount::decode(&mut rlp.as_slice()).map_err(state_err)).transpose()
    }

    /// Storage slot `slot` of `address` after block `header`.
    pub fn storage(
        &self,
        header: &Header,
        address: Address,
        slot: B256,
    ) -> Result<U256, ChainError> {
        let Some(acc) = self.account(header, address)? else { return Ok(U256::ZERO) };
        let view = self.view(header)?;
        let mut trie = mpt::Trie::from_root(acc.storage_root);
        let leaf = trie.get(keccak256(slot).as_slice(), &view).map_err(state_err)?;
        leaf.map(|rlp| U256::decode(&mut rlp.as_slice()).map_err(state_err))
            .transpose()
            .map(Option::unwrap_or_default)
    }

    /// Code of `address` after block `header`.
    pub fn code(&self, header: &Header, address: Address) -> Result<Bytes, ChainError> {
        let Some(acc) = self.account(header, address)? else { return Ok(Bytes::new()) };
        if acc.code_hash == alloy_primitives::KECCAK256_EMPTY {
            return Ok(Bytes::new());
        }
        Ok(self.view(header)?.code(&acc.code_hash).unwrap_or_default())
    }

    /// Account and storage proofs after block `header` (`eth_getProof`).
    pub fn proof(
        &self,
        header: &Header,
        address: Address,
        slots: &[B256],
    ) -> Result<AccountProof, ChainError> {
        let view = self.view(header)?;
        let (leaf, account_proof) =
            mpt::proof(header.state_root, keccak256(address).as_slice(), &view)
                .map_err(state_err)?;
        let account = match leaf {
            Some(rlp) => TrieAccount::decode(&mut rlp.as_slice()).map_err(state_err)?,
            None => TrieAccount {
                nonce: 0,
                balance: U256::ZERO,
                storage_root: EMPTY_ROOT_HASH,
                code_hash: alloy_primitives::KECCAK256_EMPTY,
            },
        };
        let mut storage = Vec::new();
        for slot in slots {
            let (leaf, proof) = mpt::proof(account.storage_root, keccak256(slot).as_slice(), &view)
                .map_err(state_err)?;
            let value = leaf
                .map(|rlp| U256::decode(&mut rlp.as_slice()).map_err(state_err))
                .transpose()?
                .unwrap_or_default();
            storage.push((*slot, value, proof));
        }
        Ok(AccountProof { account, account_proof, storage })
    }

    /// Validates a raw EIP-2718 transaction against the head state and adds it to the pool.
    pub fn add_raw_transaction(&self, raw: &[u8]) -> Result<B256, TxError> {
        let tx =
            TxEnvelope::decode_2718(&mut &raw[..]).map_err(|e| TxError::Decode(e.to_string()))?;
        self.add_transaction(tx)
    }

    /// Validates a transaction against the head state and adds it to the pool.
    pub fn add_transaction(&self, tx: TxEnvelope) -> Result<B256, TxError> {
        let head = self.head();
        let fork = self.spec.schedule.fork_at(head.timestamp);
        match &tx {
            TxEnvelope::Eip4844(_) => {
                return Err(TxError::Type("blob transactions (type 3)".into()));
            }
            TxEnvelope::Eip7702(_) if fork < Fork::Prague => {
                return Err(TxError::Type("set-code transactions (type 4) before Prague".into()));
            }
            _ => {}
        }
        if tx.chain_id() != Some(self.spec.chain_id) {
            return Err(TxError::ChainId { have: tx.chain_id(), want: self.spec.chain_id });
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
        // From here on the pool is locked: the head and the pool change together (see
        // `store_block`), so the nonce read below and the queued transactions agree.
        let mut pool = self.pool.lock().unwrap_or_else(|p| p.into_inner());
        let head = self.head();
        let account = self.account(&head, sender).map_err(|e| TxError::State(e.to_string()))?;
        let (nonce, balance) = account.map_or((0, U256::ZERO), |a| (a.nonce, a.balance));
        if tx.nonce() < nonce {
            return Err(TxError::NonceTooLow { next: nonce, tx: tx.nonce() });
        }
        let policy = *self.policy.read().unwrap_or_else(|p| p.into_inner());
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
        if tx.nonce() > nonce + pool::MAX_NONCE_GAP {
            return Err(TxError::NonceTooHigh { next: nonce, tx: tx.nonce() });
        }
        let want = U256::from(tx.gas_limit()) * U256::from(tx.max_fee_per_gas()) + tx.value();
        if balance < want {
            return Err(TxError::InsufficientFunds { address: sender, have: balance, want });
        }
        let hash = *tx.tx_hash();
        let raw = tx.encoded_2718();
        {
            let added = pool.insert(hash, Pending { tx, sender }).map_err(TxError::Pool)?;
            let w = (|| -> Result<(), StoreError> {
                let wt = self.db.begin_write()?;
                {
                    let mut t = wt.open_table(POOL)?;
                    if let Added::Replaced(old) = added {
                        t.remove(old.as_slice())?;
                    }
                    t.insert(hash.as_slice(), raw.as_slice())?;
                }
                wt.commit()?;
                Ok(())
            })();
            if let Err(e) = w {
                pool.remove(&hash);
                return Err(TxError::State(e.to_string()));
            }
        }
        drop(pool);
        self.tx_added.notify();
        Ok(hash)
    }

    /// The nonce the next transaction of `sender` should use, counting pending ones.
    pub fn pending_nonce(&self, sender: Address) -> Result<u64, ChainError> {
        let nonce = self.account(&self.head(), sender)?.map_or(0, |a| a.nonce);
        Ok(self.pool.lock().unwrap_or_else(|p| p.into_inner()).next_nonce(&sender, nonce))
    }

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

    /// Whether a pending transaction is executable on the head state now (its sender's
    /// next nonce is in the pool).
    pub fn has_ready_transactions(&self) -> bool {
        let head = self.head();
        let Ok(view) = self.view(&head) else { return false };
        let pool = self.pool.lock().unwrap_or_else(|p| p.into_inner());
        pool.any_ready(|a| nonce_in(head.state_root, &view, a))
    }

    /// The header template of the head's child at `timestamp` (no body commitments yet).
    pub fn child_template(&self, parent: &Header, timestamp: u64) -> Header {
        let fork = self.spec.schedule.fork_at(timestamp);
        let params = fork.blob_params();
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

    /// Builds, executes and stores the head's child from pending transactions, at
    /// `timestamp` (raised to parent + 1 if needed). Atomic: on error nothing is stored.
    pub fn produce_block(&self, timestamp: u64) -> Result<Produced, ChainError> {
        self.produce_block_with(&BlockOptions { timestamp, ..Default::default() })
    }

    /// [`Chain::produce_block`] with the producer's choices (an L2 sequencer sets the L1
    /// anchor as `parent_beacon_block_root`).
    pub fn produce_block_with(&self, opts: &BlockOptions) -> Result<Produced, ChainError> {
        let _guard = self.produce.lock().unwrap_or_else(|p| p.into_inner());
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
            let pool = self.pool.lock().unwrap_or_else(|p| p.into_inner());
            pool.candidates(base_fee, |a| nonce_in(parent.state_root, &view, a))
        };
        let hooks = self.hooks.block_evm(&parent, &header);
        header.extra_data = Bytes::new();
        let draft = Block {
            header,
            body: BlockBody {
                transactions: candidates.clone(),
                ommers: vec![],
                withdrawals: Some(Default::default()),
            },
        };
        let BuiltBlock { mut block, executed, skipped } = build_block(
            draft,
            parent.state_root,
            &self.spec.schedule,
            self.spec.chain_id,
            &view,
            &hooks.factory,
        )?;
        block.header.extra_data = (hooks.extra_data)().unwrap_or_else(|| parent.extra_data.clone());
        let hash = block.header.hash_slow();
        self.store_block(&block, hash, &executed)?;

        // Pool upkeep: drop included and now-stale transactions.
        let skipped: Vec<(B256, String)> = skipped
            .into_iter()
            .map(|Skipped { index, reason }| (*candidates[index].tx_hash(), reason))
            .collect();
        let mut pool = self.pool.lock().unwrap_or_else(|p| p.into_inner());
        let new_view = self.view(&block.header)?;
        let mut stale = Vec::new();
        for sender in pool.senders() {
            let nonce = nonce_in(block.header.state_root, &new_view, &sender);
            stale.extend(pool.stale(&sender, nonce));
        }
        for h in &stale {
            pool.remove(h);
        }
        drop(pool);
        if !stale.is_empty() {
            let wt = self.db.begin_write().map_err(StoreError::from)?;
            {
                let mut t = wt.open_table(POOL).map_err(StoreError::from)?;
                for h in &stale {
                    t.remove(h.as_slice()).map_err(StoreError::from)?;
                }
            }
            wt.commit().map_err(StoreError::from)?;
        }
        Ok(Produced { block, hash, skipped })
    }

    /// Validates a block produced elsewhere (a follower re-deriving a chain) on the head's
    /// state and stores it as the new head. Every header commitment is checked; on error
    /// nothing is stored.
    pub fn import_block(&self, block: &Block<TxEnvelope>) -> Result<B256, ChainError> {
        let _guard = self.produce.lock().unwrap_or_else(|p| p.into_inner());
        let parent = self.head();
        if block.header.parent_hash != parent.hash_slow() {
            return Err(ChainError::Block(BlockError::UnknownParent(block.header.parent_hash)));
        }
        let view = self.view(&parent)?;
        let hooks = self.hooks.block_evm(&parent, &block.header);
        let executed = execute_block_with(
            block,
            &parent,
            &self.spec.schedule,
            self.spec.chain_id,
            &view,
            &hooks.factory,
        )?;
        let hash = block.header.hash_slow();
        self.store_block(block, hash, &executed)?;
        Ok(hash)
    }

    /// Receipt of a mined transaction.
    pub fn receipt(&self, tx_hash: &B256) -> Result<Option<ReceiptInfo>, ChainError> {
        let Some((block_hash, index)) = self.tx_location(tx_hash)? else { return Ok(None) };
        let block = self
            .block(&block_hash)?
            .ok_or_else(|| ChainError::UnknownBlock(block_hash.to_string()))?;
        let receipts = self.receipts(&block_hash)?.unwrap_or_default();
        let i = index as usize;
        let (Some(tx), Some(receipt)) = (block.body.transactions.get(i), receipts.get(i)) else {
            return Ok(None);
        };
        let prev = if i == 0 { 0 } else { receipts[i - 1].cumulative_gas_used() };
        let first_log_index = receipts[..i].iter().map(|r| r.logs().len() as u64).sum();
        let from = tx.recover_signer().map_err(state_err)?;
        let contract_address = tx.to().is_none().then(|| from.create(tx.nonce()));
        Ok(Some(ReceiptInfo {
            tx: tx.clone(),
            from,
            header: block.header.clone(),
            block_hash,
            index,
            gas_used: receipt.cumulative_gas_used() - prev,
            receipt: receipt.clone(),
            first_log_index,
            contract_address,
        }))
    }

    /// Logs of canonical blocks `from..=to` matching `filter`.
    pub fn logs(
        &self,
        from: u64,
        to: u64,
        filter: impl Fn(&Log) -> bool,
        bloom: impl Fn(&alloy_primitives::Bloom) -> bool,
    ) -> Result<Vec<LogInfo>, ChainError> {
        let mut out = Vec::new();
        for n in from..=to {
            let Some(hash) = self.hash_by_number(n)? else { break };
            let Some(header) = self.header(&hash)? else { continue };
            if !bloom(&header.logs_bloom) {
                continue;
            }
            let block =
                self.block(&hash)?.ok_or_else(|| ChainError::UnknownBlock(hash.to_string()))?;
            let receipts = self.receipts(&hash)?.unwrap_or_default();
            let mut log_index = 0;
            for (i, (tx, r)) in block.body.transactions.iter().zip(&receipts).enumerate() {
                for log in r.logs() {
                    if filter(log) {
                        out.push(LogInfo {
                            log: log.clone(),
                            block_hash: hash,
                            block_number: n,
                            block_timestamp: header.timestamp,
                            tx_hash: *tx.tx_hash(),
                            tx_index: i as u64,
                            log_index,
                        });
                    }
                    log_index += 1;
                }
            }
        }
        Ok(out)
    }

    /// Simulates `req` on the state after `header`, in the environment of `header`.
    pub fn call(&self, header: &Header, req: &CallRequest) -> Result<CallOutcome, ChainError> {
        let parent = self.header(&header.parent_hash)?.unwrap_or_else(|| header.clone());
        self.call_in(header, &parent, header, req)
    }

    /// Simulates `req` as if it were the first transaction of the head's next block (at
    /// `timestamp`): head state, next block's number, time, base fee and block hashes.
    pub fn call_pending(
        &self,
        timestamp: u64,
        req: &CallRequest,
    ) -> Result<CallOutcome, ChainError> {
        let head = self.head();
        let next = self.child_template(&head, timestamp.max(head.timestamp + 1));
        self.call_in(&head, &head, &next, req)
    }

    fn call_in(
        &self,
        state: &Header,
        parent: &Header,
        header: &Header,
        req: &CallRequest,
    ) -> Result<CallOutcome, ChainError> {
        let view = self.view(state)?;
        let fork = self.spec.schedule.fork_at(header.timestamp);
        let mut env = EvmEnv::for_eth_block(
            header,
            &self.spec.schedule,
            self.spec.chain_id,
            fork.blob_params(),
        );
        env.cfg_env.disable_base_fee = true;
        env.cfg_env.disable_nonce_check = true;
        env.cfg_env.disable_eip3607 = true;
        let cap = self.tx_gas_cap(header);
        let caller = req.from.unwrap_or_default();
        let nonce = match req.nonce {
            Some(n) => n,
            None => self.account(state, caller)?.map_or(0, |a| a.nonce),
        };
        let eip1559 = req.max_fee_per_gas.is_some() || req.max_priority_fee_per_gas.is_some();
        let tx = TxEnv {
            tx_type: if eip1559 {
                2
            } else if req.access_list.is_some() {
                1
            } else {
                0
            },
            caller,
            gas_limit: req.gas.unwrap_or(cap),
            gas_price: req.gas_price.or(req.max_fee_per_gas).unwrap_or(0),
            kind: req.to.map_or(TxKind::Create, TxKind::Call),
            value: req.value.unwrap_or_default(),
            data: req.input.clone(),
            nonce,
            chain_id: Some(self.spec.chain_id),
            access_list: req.access_list.clone().unwrap_or_default(),
            gas_priority_fee: if eip1559 {
                Some(req.max_priority_fee_per_gas.unwrap_or(0))
            } else {
                None
            },
            ..Default::default()
        };
        let hooks = self.hooks.block_evm(parent, header);
        let mut db = State::builder().with_database(TrieDb::new(state.state_root, &view)).build();
        let mut evm = hooks.factory.create_evm(&mut db, env);
        let result = evm.transact(tx);
        drop(evm);
        if let Some(f) = db.database.failure() {
            return Err(state_err(f));
        }
        Ok(match result {
            Ok(ResultAndState { result, .. }) => match result {
                ExecutionResult::Success { output, gas, .. } => {
                    CallOutcome::Success { output: output.into_data(), gas_used: gas.tx_gas_used() }
                }
                ExecutionResult::Revert { output, gas, .. } => {
                    CallOutcome::Revert { output, gas_used: gas.tx_gas_used() }
                }
                ExecutionResult::Halt { reason, gas, .. } => {
                    CallOutcome::Halt { reason: format!("{reason:?}"), gas_used: gas.tx_gas_used() }
                }
            },
            Err(e) => CallOutcome::Invalid(e.to_string()),
        })
    }

    /// The smallest gas limit with which `req` succeeds on the state after `header`.
    pub fn estimate_gas(
        &self,
        header: &Header,
        req: &CallRequest,
    ) -> Result<Result<u64, CallOutcome>, ChainError> {
        let mut hi = req.gas.unwrap_or(self.tx_gas_cap(header));
        let run = |gas: u64| {
            let mut r = req.clone();
            r.gas = Some(gas);
            self.call(header, &r)
        };
        let first = run(hi)?;
        let used = match first {
            CallOutcome::Success { gas_used, .. } => gas_used,
            other => return Ok(Err(other)),
        };
        let mut lo = used.saturating_sub(1).max(20_999);
        // Most calls succeed with their used gas (or a little more, for the 63/64 rule).
        if let CallOutcome::Success { .. } = run(used)? {
            return Ok(Ok(used));
        }
        while lo + 1 < hi {
            let mid = lo + (hi - lo) / 2;
            match run(mid)? {
                CallOutcome::Success { .. } => hi = mid,
                _ => lo = mid,
            }
        }
        Ok(Ok(hi))
    }

    /// Re-executes block `hash` on its parent state, validating every header commitment,
    /// and returns the execution witness (trie nodes, codes, ancestor headers).
    pub fn witness(&self, hash: &B256) -> Result<ExecutionWitness, ChainError> {
        let block = self.block(hash)?.ok_or_else(|| ChainError::UnknownBlock(hash.to_string()))?;
        let parent = self
            .header(&block.header.parent_hash)?
            .ok_or_else(|| ChainError::UnknownBlock(format!("parent of {hash}")))?;
        let view = self.view(&parent)?;
        let recorder = RecordingSource::new(&view);
        let hooks = self.hooks.block_evm(&parent, &block.header);
        execute_block_with(
            &block,
            &parent,
            &self.spec.schedule,
            self.spec.chain_id,
            &recorder,
            &hooks.factory,
        )?;
        if let Some(extra) = (hooks.extra_data)()
            && extra != block.header.extra_data
        {
            return Err(ChainError::Block(BlockError::ExtraData {
                header: block.header.extra_data,
                executed: extra,
            }));
        }
        let recorded = recorder.into_recorded();
        let witness = build_witness(recorded, &parent, |n| self.header_by_number(n).ok().flatten())
            .map_err(state_err)?;
        Ok(witness)
    }
}
