//! Block validation and execution with Ethereum's rules on revm + alloy-evm.
//!
//! [`validate_header`] checks a header against its parent; [`execute_block`] checks the
//! body, runs system calls and transactions, applies the changes to the state tries and
//! compares every header commitment with what execution produced.

use crate::collision::{self, CreateCollisionGuard, GuardedExecutor};
use crate::evm::NrEvmFactory;
use crate::executor::BlockSetup;
use crate::fork::{Fork, ForkSchedule};
use crate::state::{StateError, StateSource, TrieDb};
use alloy_consensus::ReceiptEnvelope;
use alloy_consensus::{
    Block, EMPTY_OMMER_ROOT_HASH, Header, TxEip4844Variant, TxEnvelope, TxReceipt,
    proofs::{calculate_receipt_root, calculate_transaction_root, calculate_withdrawals_root},
    transaction::{Recovered, SignerRecoverable},
};
use alloy_eips::Typed2718;
use alloy_eips::eip7685::Requests;
use alloy_eips::{eip1559::BaseFeeParams, eip4844::DATA_GAS_PER_BLOB};
use alloy_evm::{
    Evm,
    block::{BlockExecutionError, BlockExecutor},
};
use alloy_primitives::{Address, B256, Bloom, Bytes, KECCAK256_EMPTY};
use revm::database::{State, states::bundle_state::BundleRetention};

pub use crate::ssz::MAX_EXTRA_DATA_BYTES;
/// The minimum block gas limit.
pub const MIN_GAS_LIMIT: u64 = 5000;
/// Gas limit may change by less than `parent_gas_limit / GAS_LIMIT_BOUND_DIVISOR` per block.
pub const GAS_LIMIT_BOUND_DIVISOR: u64 = 1024;
/// System contracts that must have code from Prague on (EIP-7002, EIP-7251).
pub const REQUEST_CONTRACTS: [Address; 2] = [
    alloy_eips::eip7002::WITHDRAWAL_REQUEST_PREDEPLOY_ADDRESS,
    alloy_eips::eip7251::CONSOLIDATION_REQUEST_PREDEPLOY_ADDRESS,
];
/// The largest gas limit a header may carry (2^63 - 1, as geth and ethereum/tests require).
pub const MAX_GAS_LIMIT: u64 = 0x7fff_ffff_ffff_ffff;

/// A header field that differs from its expected value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: header has {got}, expected {expected}")]
pub struct FieldMismatch {
    /// Name of the header field.
    pub field: &'static str,
    /// What the header says.
    pub got: String,
    /// What it should be.
    pub expected: String,
}

fn mismatch(
    field: &'static str,
    got: impl std::fmt::Debug,
    expected: impl std::fmt::Debug,
) -> BlockError {
    BlockError::Header(FieldMismatch {
        field,
        got: format!("{got:?}"),
        expected: format!("{expected:?}"),
    })
}

/// Why a block is invalid.
#[derive(Debug, thiserror::Error)]
pub enum BlockError {
    /// A blob transaction in its network form (with blobs, commitments and proofs): a block
    /// carries the canonical form only.
    #[error("transaction {index}: blob transaction with its sidecar (network form) in a block")]
    BlobSidecar {
        /// Position in the block.
        index: usize,
    },
    /// A header field is wrong (against the parent, the fork rules, or execution results).
    #[error("invalid header: {0}")]
    Header(FieldMismatch),
    /// A post-merge field that must be empty or zero is not.
    #[error("invalid header: {0} must be empty/zero after the merge")]
    PreMergeField(&'static str),
    /// A field required by the active fork is missing, or a field it forbids is present.
    #[error("invalid header: field {field} {problem} under {fork:?}")]
    ForkField {
        /// The header field.
        field: &'static str,
        /// `is missing` or `is not allowed`.
        problem: &'static str,
        /// The fork in force.
        fork: Fork,
    },
    /// The block body does not match the header.
    #[error("invalid body: {0}")]
    Body(FieldMismatch),
    /// The body has no withdrawals list (required since Shanghai).
    #[error("invalid body: withdrawals list missing")]
    MissingWithdrawals,
    /// The block carries ommers.
    #[error("invalid body: {0} ommers after the merge")]
    Ommers(usize),
    /// A transaction signature does not recover.
    #[error("transaction {index}: invalid signature")]
    InvalidSignature {
        /// Position in the block.
        index: usize,
    },
    /// A transaction type the fork does not allow.
    #[error("transaction {index}: type {ty} not allowed under {fork:?}")]
    TxType {
        /// Position in the block.
        index: usize,
        /// EIP-2718 type.
        ty: u8,
        /// The fork in force.
        fork: Fork,
    },
    /// Transaction or system-call execution failed (invalid transaction, gas, ...).
    #[error("execution failed: {0}")]
    Execution(#[source] BlockExecutionError),
    /// The header's `extra_data` differs from what the chain's block hooks produced while
    /// executing the block (e.g. the EXECUTE market data of an L1 block).
    #[error("execution failed: extra_data: header has {header}, execution gives {executed}")]
    ExtraData {
        /// What the header says.
        header: Bytes,
        /// What execution produced.
        executed: Bytes,
    },
    /// A request system contract (EIP-7002/EIP-7251) has no code when it is called, after
    /// the block's transactions.
    #[error("system contract {0} has no code")]
    MissingSystemContract(Address),
    /// The parent block is not known.
    #[error("unknown parent {0}")]
    UnknownParent(alloy_primitives::B256),
    /// State could not be read or updated (missing witness data, malformed node, ...).
    #[error("state: {0}")]
    State(#[from] StateError),
}

/// Checks `header` against `parent` under the rules of the fork active at its timestamp.
pub fn validate_header(
    header: &Header,
    parent: &Header,
    schedule: &ForkSchedule,
) -> Result<(), BlockError> {
    let fork = schedule.fork_at(header.timestamp);
    let parent_hash = parent.hash_slow();
    if header.parent_hash != parent_hash {
        return Err(mismatch("parent_hash", header.parent_hash, parent_hash));
    }
    if Some(header.number) != parent.number.checked_add(1) {
        return Err(mismatch("number", header.number, parent.number.saturating_add(1)));
    }
    if header.timestamp <= parent.timestamp {
        return Err(mismatch("timestamp", header.timestamp, format!("> {}", parent.timestamp)));
    }
    if header.gas_used > header.gas_limit {
        return Err(mismatch(
            "gas_used",
            header.gas_used,
            format!("<= gas_limit {}", header.gas_limit),
        ));
    }
    if header.gas_limit > MAX_GAS_LIMIT {
        return Err(mismatch("gas_limit", header.gas_limit, format!("<= {MAX_GAS_LIMIT}")));
    }
    let max_delta = parent.gas_limit / GAS_LIMIT_BOUND_DIVISOR;
    if header.gas_limit.abs_diff(parent.gas_limit) >= max_delta || header.gas_limit < MIN_GAS_LIMIT
    {
        return Err(mismatch(
            "gas_limit",
            header.gas_limit,
            format!("within {} of parent {} and >= {MIN_GAS_LIMIT}", max_delta, parent.gas_limit),
        ));
    }
    let expected_base_fee = parent.next_block_base_fee(BaseFeeParams::ethereum());
    if header.base_fee_per_gas != expected_base_fee {
        return Err(mismatch("base_fee_per_gas", header.base_fee_per_gas, expected_base_fee));
    }
    if header.extra_data.len() > MAX_EXTRA_DATA_BYTES {
        return Err(mismatch(
            "extra_data length",
            header.extra_data.len(),
            format!("<= {MAX_EXTRA_DATA_BYTES}"),
        ));
    }
    if !header.difficulty.is_zero() {
        return Err(BlockError::PreMergeField("difficulty"));
    }
    if !header.nonce.is_zero() {
        return Err(BlockError::PreMergeField("nonce"));
    }
    if header.ommers_hash != EMPTY_OMMER_ROOT_HASH {
        return Err(BlockError::PreMergeField("ommers_hash"));
    }
    let missing = |field| BlockError::ForkField { field, problem: "is missing", fork };
    let forbidden = |field| BlockError::ForkField { field, problem: "is not allowed", fork };
    if header.withdrawals_root.is_none() {
        return Err(missing("withdrawals_root"));
    }
    match schedule.blob_params_at(header.timestamp) {
        Some(params) => {
            let used = header.blob_gas_used.ok_or_else(|| missing("blob_gas_used"))?;
            let excess = header.excess_blob_gas.ok_or_else(|| missing("excess_blob_gas"))?;
            header.parent_beacon_block_root.ok_or_else(|| missing("parent_beacon_block_root"))?;
            if used > params.max_blob_gas_per_block() || used % DATA_GAS_PER_BLOB != 0 {
                return Err(mismatch(
                    "blob_gas_used",
                    used,
                    format!(
                        "multiple of {DATA_GAS_PER_BLOB} <= {}",
                        params.max_blob_gas_per_block()
                    ),
                ));
            }
            let expected = params.next_block_excess_blob_gas_osaka(
                parent.excess_blob_gas.unwrap_or(0),
                parent.blob_gas_used.unwrap_or(0),
                parent.base_fee_per_gas.unwrap_or(0),
            );
            if excess != expected {
                return Err(mismatch("excess_blob_gas", excess, expected));
            }
        }
        None => {
            if header.blob_gas_used.is_some() {
                return Err(forbidden("blob_gas_used"));
            }
            if header.excess_blob_gas.is_some() {
                return Err(forbidden("excess_blob_gas"));
            }
            if header.parent_beacon_block_root.is_some() {
                return Err(forbidden("parent_beacon_block_root"));
            }
        }
    }
    match (fork >= Fork::Prague, header.requests_hash.is_some()) {
        (true, false) => return Err(missing("requests_hash")),
        (false, true) => return Err(forbidden("requests_hash")),
        _ => {}
    }
    if header.block_access_list_hash.is_some() {
        return Err(forbidden("block_access_list_hash"));
    }
    if header.slot_number.is_some() {
        return Err(forbidden("slot_number"));
    }
    Ok(())
}

/// Checks that the body matches the roots in the header.
pub fn validate_body(block: &Block<TxEnvelope>, fork: Fork) -> Result<(), BlockError> {
    validate_body_with(block, fork, TxRoot::Compute)
}

/// Whether [`validate_body_with`] recomputes the transactions root.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TxRoot {
    /// Recompute it from the body and compare with the header.
    Compute,
    /// The header's root was computed from this very body by the caller (a block rebuilt
    /// from a payload), so comparing again could not fail.
    FromBody,
}

fn validate_body_with(
    block: &Block<TxEnvelope>,
    fork: Fork,
    tx_root: TxRoot,
) -> Result<(), BlockError> {
    let h = &block.header;
    if !block.body.ommers.is_empty() {
        return Err(BlockError::Ommers(block.body.ommers.len()));
    }
    if tx_root == TxRoot::Compute {
        let tx_root = calculate_transaction_root(&block.body.transactions);
        if tx_root != h.transactions_root {
            return Err(BlockError::Body(FieldMismatch {
                field: "transactions_root",
                got: format!("{:?}", h.transactions_root),
                expected: format!("{tx_root:?}"),
            }));
        }
    }
    let Some(withdrawals) = &block.body.withdrawals else {
        return Err(BlockError::MissingWithdrawals);
    };
    let w_root = calculate_withdrawals_root(withdrawals);
    if Some(w_root) != h.withdrawals_root {
        return Err(BlockError::Body(FieldMismatch {
            field: "withdrawals_root",
            got: format!("{:?}", h.withdrawals_root),
            expected: format!("{w_root:?}"),
        }));
    }
    if let Some(index) = network_form_blob_tx(&block.body.transactions) {
        return Err(BlockError::BlobSidecar { index });
    }
    for (index, tx) in block.body.transactions.iter().enumerate() {
        let ty = tx.ty();
        let allowed = match ty {
            0..=2 => true,
            3 => fork >= Fork::Cancun,
            4 => fork >= Fork::Prague,
            _ => false,
        };
        if !allowed {
            return Err(BlockError::TxType { index, ty, fork });
        }
    }
    Ok(())
}

/// What executing a block produced: the values its header must commit to, and the state.
#[derive(Debug)]
pub struct ExecutedBlock<'s, S: StateSource + ?Sized> {
    /// The state after the block, holding every node touched, ready to commit.
    pub state: TrieDb<'s, S>,
    /// Receipts of the block's transactions.
    pub receipts: Vec<ReceiptEnvelope>,
    /// Total gas used.
    pub gas_used: u64,
    /// Blob gas used.
    pub blob_gas_used: u64,
    /// Root of the receipts trie.
    pub receipts_root: B256,
    /// Union of the receipts' blooms.
    pub logs_bloom: Bloom,
    /// Post-state root.
    pub state_root: B256,
    /// EIP-7685 requests the block produced (empty before Prague).
    pub requests: Requests,
    /// Bytecodes created by the block, by code hash.
    pub new_codes: Vec<(B256, Bytes)>,
}

/// Validates and executes `block` on the state below `parent` (its pre-state is
/// `parent.state_root`), reading state from `source`. Every header commitment is checked.
pub fn execute_block<'s, S: StateSource + ?Sized>(
    block: &Block<TxEnvelope>,
    parent: &Header,
    schedule: &ForkSchedule,
    chain_id: u64,
    source: &'s S,
) -> Result<ExecutedBlock<'s, S>, BlockError> {
    execute_block_with(block, parent, schedule, chain_id, source, &NrEvmFactory::default())
}

/// [`execute_block`] with a given EVM factory (for chains with extra precompiles).
pub fn execute_block_with<'s, S: StateSource + ?Sized>(
    block: &Block<TxEnvelope>,
    parent: &Header,
    schedule: &ForkSchedule,
    chain_id: u64,
    source: &'s S,
    evm: &NrEvmFactory,
) -> Result<ExecutedBlock<'s, S>, BlockError> {
    execute_block_with_senders(block, parent, schedule, chain_id, source, evm, None)
}

/// [`execute_block_with`] with the transactions' senders already known (one per
/// transaction, in order; checked by the caller, e.g. against the input's public keys), so
/// signatures are not recovered a second time.
pub fn execute_block_with_senders<'s, S: StateSource + ?Sized>(
    block: &Block<TxEnvelope>,
    parent: &Header,
    schedule: &ForkSchedule,
    chain_id: u64,
    source: &'s S,
    evm: &NrEvmFactory,
    senders: Option<&[Address]>,
) -> Result<ExecutedBlock<'s, S>, BlockError> {
    execute_checked(block, parent, schedule, chain_id, source, evm, senders, TxRoot::Compute)
}

/// [`execute_block_with_senders`], told whether the transactions root must be recomputed.
#[allow(clippy::too_many_arguments)]
pub(crate) fn execute_checked<'s, S: StateSource + ?Sized>(
    block: &Block<TxEnvelope>,
    parent: &Header,
    schedule: &ForkSchedule,
    chain_id: u64,
    source: &'s S,
    evm: &NrEvmFactory,
    senders: Option<&[Address]>,
    tx_root: TxRoot,
) -> Result<ExecutedBlock<'s, S>, BlockError> {
    check_header_and_body(block, parent, schedule, tx_root)?;
    execute_validated(block, parent, schedule, chain_id, source, evm, senders)
}

/// The checks of a block that need neither state nor signatures: its header against the
/// parent, its body against the header's roots. Cheap; verification runs them before any
/// signature is recovered.
pub(crate) fn check_header_and_body(
    block: &Block<TxEnvelope>,
    parent: &Header,
    schedule: &ForkSchedule,
    tx_root: TxRoot,
) -> Result<(), BlockError> {
    validate_header(&block.header, parent, schedule)?;
    validate_body_with(block, schedule.fork_at(block.header.timestamp), tx_root)
}

/// Executes a block that passed [`check_header_and_body`] and compares every commitment of
/// its header with what execution produced.
pub(crate) fn execute_validated<'s, S: StateSource + ?Sized>(
    block: &Block<TxEnvelope>,
    parent: &Header,
    schedule: &ForkSchedule,
    chain_id: u64,
    source: &'s S,
    evm: &NrEvmFactory,
    senders: Option<&[Address]>,
) -> Result<ExecutedBlock<'s, S>, BlockError> {
    let header = &block.header;
    let fork = schedule.fork_at(header.timestamp);
    let out = run_block(block, parent.state_root, schedule, chain_id, source, evm, senders)?;
    if out.gas_used != header.gas_used {
        return Err(mismatch("gas_used", header.gas_used, out.gas_used));
    }
    if fork >= Fork::Cancun && header.blob_gas_used != Some(out.blob_gas_used) {
        return Err(mismatch("blob_gas_used", header.blob_gas_used, out.blob_gas_used));
    }
    if out.receipts_root != header.receipts_root {
        return Err(mismatch("receipts_root", header.receipts_root, out.receipts_root));
    }
    if out.logs_bloom != header.logs_bloom {
        return Err(mismatch("logs_bloom", header.logs_bloom, out.logs_bloom));
    }
    if fork >= Fork::Prague {
        let requests_hash = out.requests.requests_hash();
        if header.requests_hash != Some(requests_hash) {
            return Err(mismatch("requests_hash", header.requests_hash, requests_hash));
        }
    }
    if out.state_root != header.state_root {
        return Err(mismatch("state_root", header.state_root, out.state_root));
    }
    Ok(out)
}

/// Completes a draft block: executes its transactions on the state `parent_state_root` and
/// fills every header field that commits to the body or to execution results
/// (transactions, withdrawals, receipts roots, bloom, gas used, blob gas used, requests
/// hash, state root). The caller chooses the other fields. Used to produce blocks.
pub fn seal_block<'s, S: StateSource + ?Sized>(
    mut block: Block<TxEnvelope>,
    parent_state_root: B256,
    schedule: &ForkSchedule,
    chain_id: u64,
    source: &'s S,
    evm: &NrEvmFactory,
) -> Result<(Block<TxEnvelope>, ExecutedBlock<'s, S>), BlockError> {
    let fork = schedule.fork_at(block.header.timestamp);
    let h = &mut block.header;
    h.transactions_root = calculate_transaction_root(&block.body.transactions);
    let withdrawals = block.body.withdrawals.get_or_insert_with(Default::default);
    h.withdrawals_root = Some(calculate_withdrawals_root(withdrawals));
    let out = run_block(&block, parent_state_root, schedule, chain_id, source, evm, None)?;
    commit_results(&mut block.header, &out, fork);
    Ok((block, out))
}

/// Runs a block's system calls and transactions on the state `parent_state_root` and
/// computes what its header must commit to, without comparing anything with the header.
/// `senders`, when given (one per transaction), are used instead of recovering signatures.
pub fn run_block<'s, S: StateSource + ?Sized>(
    block: &Block<TxEnvelope>,
    parent_state_root: B256,
    schedule: &ForkSchedule,
    chain_id: u64,
    source: &'s S,
    evm: &NrEvmFactory,
    senders: Option<&[Address]>,
) -> Result<ExecutedBlock<'s, S>, BlockError> {
    let senders = match senders {
        Some(known) if known.len() == block.body.transactions.len() => Senders::Known(known),
        _ => Senders::Recover,
    };
    run_transactions(block, parent_state_root, schedule, chain_id, source, evm, senders)
        .map(|(out, _)| out)
}

/// Writes what execution produced into the header fields that commit to it.
fn commit_results<S: StateSource + ?Sized>(h: &mut Header, out: &ExecutedBlock<'_, S>, fork: Fork) {
    h.gas_used = out.gas_used;
    h.blob_gas_used = (fork >= Fork::Cancun).then_some(out.blob_gas_used);
    h.receipts_root = out.receipts_root;
    h.logs_bloom = out.logs_bloom;
    h.requests_hash = (fork >= Fork::Prague).then(|| out.requests.requests_hash());
    h.state_root = out.state_root;
}

/// A transaction left out of a block being built, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    /// Position among the candidates.
    pub index: usize,
    /// Why it could not be included (nonce, funds, gas, ...).
    pub reason: String,
}

/// A block built by [`build_block`]: the block, its execution, and what was left out.
#[derive(Debug)]
pub struct BuiltBlock<'s, S: StateSource + ?Sized> {
    /// The complete block.
    pub block: Block<TxEnvelope>,
    /// Its execution (state, receipts, new codes).
    pub executed: ExecutedBlock<'s, S>,
    /// Candidates that were not included.
    pub skipped: Vec<Skipped>,
}

/// Builds a block from a draft whose body holds *candidate* transactions: candidates that
/// cannot be executed (bad nonce, insufficient funds, no room left in the block, ...) are
/// left out and reported, the rest are executed in order, and every header field that
/// commits to the body or to execution results is filled as by [`seal_block`].
pub fn build_block<'s, S: StateSource + ?Sized>(
    mut block: Block<TxEnvelope>,
    parent_state_root: B256,
    schedule: &ForkSchedule,
    chain_id: u64,
    source: &'s S,
    evm: &NrEvmFactory,
) -> Result<BuiltBlock<'s, S>, BlockError> {
    let fork = schedule.fork_at(block.header.timestamp);
    block.body.withdrawals.get_or_insert_with(Default::default);
    let (out, skipped) = run_transactions(
        &block,
        parent_state_root,
        schedule,
        chain_id,
        source,
        evm,
        Senders::Skip,
    )?;
    let mut left_out = vec![false; block.body.transactions.len()];
    for s in &skipped {
        left_out[s.index] = true;
    }
    let mut left_out = left_out.into_iter();
    block.body.transactions.retain(|_| !left_out.next().unwrap_or(false));
    let h = &mut block.header;
    h.transactions_root = calculate_transaction_root(&block.body.transactions);
    h.withdrawals_root =
        Some(calculate_withdrawals_root(block.body.withdrawals.as_ref().map_or(&[][..], |w| w)));
    commit_results(h, &out, fork);
    Ok(BuiltBlock { block, executed: out, skipped })
}

/// Where [`run_transactions`] gets each transaction's sender.
#[derive(Debug, Clone, Copy)]
enum Senders<'a> {
    /// Recovered from the signatures; one that does not recover fails the block.
    Recover,
    /// Recovered; a transaction whose signature does not recover is left out (building).
    Skip,
    /// Known already, one per transaction (checked by the caller).
    Known(&'a [Address]),
}

fn run_transactions<'s, S: StateSource + ?Sized>(
    block: &Block<TxEnvelope>,
    parent_state_root: B256,
    schedule: &ForkSchedule,
    chain_id: u64,
    source: &'s S,
    evm: &NrEvmFactory,
    senders: Senders<'_>,
) -> Result<(ExecutedBlock<'s, S>, Vec<Skipped>), BlockError> {
    let skip_invalid = matches!(senders, Senders::Skip);
    let header = &block.header;
    let fork = schedule.fork_at(header.timestamp);
    let mut skipped = Vec::new();
    let mut txs = Vec::with_capacity(block.body.transactions.len());
    for (index, tx) in block.body.transactions.iter().enumerate() {
        let signer = match senders {
            Senders::Known(known) => Ok(known[index]),
            Senders::Recover | Senders::Skip => tx.recover_signer(),
        };
        match signer {
            Ok(signer) => txs.push((index, Recovered::new_unchecked(tx, signer))),
            Err(_) if skip_invalid => {
                skipped.push(Skipped { index, reason: "invalid signature".into() })
            }
            Err(_) => return Err(BlockError::InvalidSignature { index }),
        }
    }

    let mut db = State::builder()
        .with_database(TrieDb::new(parent_state_root, source))
        .with_bundle_update()
        .build();
    let setup = BlockSetup::new(block, schedule, chain_id, evm);
    // EIP-7610: the guard runs only once the block has read an account it concerns.
    let mut executor = setup.executor(&mut db, CreateCollisionGuard::untraced(), block, txs.len());
    let mut run =
        |executor: &mut GuardedExecutor<'_, '_, '_, S>| -> Result<(), BlockExecutionError> {
            executor.apply_pre_execution_changes()?;
            for (index, tx) in &txs {
                match collision::execute_transaction(executor, *tx) {
                    Ok(_) => {}
                    Err(BlockExecutionError::Validation(e)) if skip_invalid => {
                        skipped.push(Skipped { index: *index, reason: e.to_string() })
                    }
                    Err(e) => return Err(e),
                }
            }
            Ok(())
        };
    let ran = run(&mut executor);
    if ran.is_ok() && fork >= Fork::Prague {
        // EIP-7002 / EIP-7251: the request contracts are called after the transactions (and
        // the withdrawals, which move no code), and the block is invalid if one has no code
        // *at that point*: a transaction of this very block may deploy it (docs/stateless.md).
        let db: &mut State<_> = executor.evm_mut().db_mut();
        for address in REQUEST_CONTRACTS {
            // The cache holds every account the transactions touched, as they left it.
            let account = match db.cache.accounts.get(&address) {
                Some(cached) => cached.account_info(),
                None => revm::Database::basic(&mut db.database, address)?,
            };
            if account.is_none_or(|a| a.code_hash == KECCAK256_EMPTY) {
                return Err(BlockError::MissingSystemContract(address));
            }
        }
    }
    let outcome = ran.and_then(|()| executor.finish().map(|(_, r)| r));
    let result = match outcome {
        Ok(r) => r,
        Err(e) => {
            // A state failure (missing witness data) is reported as such, not as an EVM error.
            if let Some(f) = db.database.failure() {
                return Err(BlockError::State(f.clone()));
            }

            return Err(BlockError::Execution(e));
        }
    };
    if let Some(f) = db.database.failure() {
        // A skipped transaction may have hit missing state: never hide a state failure.
        return Err(BlockError::State(f.clone()));
    }
    let mut logs_bloom = Bloom::ZERO;
    for r in &result.receipts {
        logs_bloom.accrue_bloom(&r.bloom());
    }
    db.merge_transitions(BundleRetention::PlainState);
    let bundle = db.take_bundle();
    let mut state = db.database;
    let state_root = state.apply_bundle(&bundle)?;
    let mut new_codes: Vec<_> =
        bundle.contracts.iter().map(|(h, c)| (*h, c.original_bytes())).collect();
    new_codes.sort_unstable_by_key(|c| c.0);
    skipped.sort_unstable_by_key(|s| s.index);
    let executed = ExecutedBlock {
        state,
        receipts_root: calculate_receipt_root(&result.receipts),
        receipts: result.receipts,
        gas_used: result.gas_used,
        blob_gas_used: result.blob_gas_used,
        logs_bloom,
        state_root,
        requests: result.requests,
        new_codes,
    };
    Ok((executed, skipped))
}

/// Parses a block from its RLP encoding, rejecting trailing bytes and blob transactions in
/// their network form (alloy's decoder accepts both forms of a type-3 transaction; a block
/// holds the canonical one only).
pub fn decode_block(rlp: &[u8]) -> Result<Block<TxEnvelope>, alloy_rlp::Error> {
    let mut buf = rlp;
    let block = <Block<TxEnvelope> as alloy_rlp::Decodable>::decode(&mut buf)?;
    if !buf.is_empty() {
        return Err(alloy_rlp::Error::Custom("trailing bytes after block"));
    }
    if network_form_blob_tx(&block.body.transactions).is_some() {
        return Err(alloy_rlp::Error::Custom("blob transaction with its sidecar in a block"));
    }
    Ok(block)
}

/// Position of the first blob transaction that carries its sidecar (the network form,
/// `0x03 || rlp([tx_payload_body, blobs, commitments, proofs])`), if any.
pub fn network_form_blob_tx(transactions: &[TxEnvelope]) -> Option<usize> {
    transactions.iter().position(|tx| {
        matches!(tx, TxEnvelope::Eip4844(signed)
            if matches!(signed.tx(), TxEip4844Variant::TxEip4844WithSidecar(_)))
    })
}
