//! Why chain operations and pool admissions fail.

use crate::store::StoreError;
use alloy_consensus::crypto::RecoveryError;
use alloy_eips::eip2718::Eip2718Error;
use alloy_primitives::{Address, B256, U256};
use nr_stateless::{BlockError, mpt::TrieError, state::StateError, stateless::StatelessError};

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
    /// A state trie could not be read or written (missing or malformed node).
    #[error("state: {0}")]
    Trie(#[from] TrieError),
    /// An account or storage leaf does not decode.
    #[error("state: {0}")]
    Leaf(#[source] alloy_rlp::Error),
    /// The sender of a stored transaction does not recover.
    #[error("state: {0}")]
    Sender(#[source] RecoveryError),
    /// The state read during a simulated call failed.
    #[error("state: {0}")]
    Read(#[source] StateError),
    /// The execution witness of a block could not be assembled.
    #[error("state: {0}")]
    Witness(#[source] StatelessError),
    /// No block with this hash is stored.
    #[error("unknown block {0}")]
    UnknownBlock(B256),
    /// The parent of the block with this hash is not stored.
    #[error("unknown block parent of {0}")]
    UnknownParent(B256),
    /// A rewind would remove a finalized block.
    #[error("cannot rewind to block {to}: block {finalized} is finalized")]
    RewindBelowFinalized {
        /// The block asked for.
        to: u64,
        /// The finalized block.
        finalized: u64,
    },
    /// No canonical block has this number.
    #[error("no canonical block {0}")]
    UnknownNumber(u64),
}

macro_rules! store_err {
    ($($t:ty),*) => {$(
        impl From<$t> for ChainError {
            fn from(e: $t) -> Self {
                ChainError::Store(e.into())
            }
        }
    )*};
}
store_err!(
    redb::DatabaseError,
    redb::TransactionError,
    redb::TableError,
    redb::StorageError,
    redb::CommitError
);

/// Why a transaction was not accepted into the pool. Messages follow geth's wording so
/// that client libraries recognise them.
#[derive(Debug, thiserror::Error)]
pub enum TxError {
    /// Not valid EIP-2718 bytes.
    #[error("rlp: {0}")]
    Decode(#[source] Eip2718Error),
    /// Signature does not recover.
    #[error("invalid sender")]
    InvalidSender,
    /// Wrong chain id.
    #[error("invalid chain id: have {have}, want {want}")]
    ChainId {
        /// The transaction's chain id.
        have: u64,
        /// The chain's id.
        want: u64,
    },
    /// A legacy transaction signed without a chain id (pre-EIP-155): replayable on every
    /// chain, so refused (as geth does over RPC by default).
    #[error("only replay-protected (EIP-155) transactions allowed over RPC")]
    NotReplayProtected,
    /// The encoded transaction is larger than the pool accepts.
    #[error("oversized data: transaction size {size}, limit {limit}")]
    OversizedData {
        /// Encoded size in bytes.
        size: usize,
        /// The pool's limit.
        limit: usize,
    },
    /// A contract creation whose init code exceeds EIP-3860's limit (never executable).
    #[error("max initcode size exceeded: code size {size}, limit {limit}")]
    InitcodeTooLarge {
        /// Init code size in bytes.
        size: usize,
        /// EIP-3860's limit.
        limit: usize,
    },
    /// A set-code transaction without authorizations (never executable, EIP-7702).
    #[error("EIP-7702 transaction with empty auth list")]
    EmptyAuthorizationList,
    /// Nonce 2^64 - 1, which no account can reach (EIP-2681).
    #[error("nonce has max value")]
    NonceMax,
    /// The most a sender's queued transactions may cost, with this one, does not fit in
    /// 256 bits (gas limit * fee cap + value); no balance covers it.
    #[error("insufficient funds for gas * price + value: address {address} want more than 2^256-1")]
    CostOverflow {
        /// Sender.
        address: Address,
    },
    /// Blob transactions (type 3) are not accepted by this pool (an L2 sequencer's: its
    /// blocks cannot carry them).
    #[error("transaction type not supported: blob transactions (type 3)")]
    BlobTransaction,
    /// Blob transactions (type 3) are not accepted before Cancun.
    #[error("transaction type not supported: blob transactions (type 3) before Cancun")]
    BlobBeforeCancun,
    /// A blob transaction in its canonical form (no blobs, commitments, proofs): the pool
    /// takes only the network form, which carries the sidecar the block's blobs need.
    #[error(
        "missing sidecar in blob transaction: send the network form (blobs, commitments, proofs)"
    )]
    BlobMissingSidecar,
    /// A blob transaction without blob versioned hashes (EIP-4844: at least one).
    #[error("blobless blob transaction")]
    BlobNone,
    /// More blobs than one transaction may carry at the next block's fork (EIP-7594 from
    /// Osaka: 6; otherwise the per-block maximum).
    #[error("too many blobs in transaction: have {have}, permitted {max}")]
    BlobTooMany {
        /// The transaction's blob count.
        have: usize,
        /// The most one transaction may carry.
        max: u64,
    },
    /// The sidecar's lists do not match the transaction's versioned hashes.
    #[error(
        "invalid blob sidecar: {hashes} versioned hashes, {blobs} blobs, {commitments} commitments, \
         {proofs} proofs (want {expected_proofs} proofs)"
    )]
    BlobSidecarShape {
        /// Versioned hashes in the transaction.
        hashes: usize,
        /// Blobs in the sidecar.
        blobs: usize,
        /// Commitments in the sidecar.
        commitments: usize,
        /// Proofs in the sidecar.
        proofs: usize,
        /// Proofs the sidecar's kind needs (one per blob, or 128 cell proofs per blob).
        expected_proofs: usize,
    },
    /// A versioned hash is not `0x01 || sha256(commitment)[1..]` of its commitment.
    #[error("blob {index}: versioned hash {have} does not match its commitment (want {want})")]
    BlobVersionedHash {
        /// Position of the blob.
        index: usize,
        /// The transaction's versioned hash.
        have: B256,
        /// The versioned hash of the sidecar's commitment.
        want: B256,
    },
    /// The sidecar's KZG proofs do not verify against its blobs and commitments.
    #[error("invalid blob proof: {wrapper} sidecar does not verify: {reason}")]
    BlobProof {
        /// The sidecar's kind (`EIP-4844` blob proofs or `EIP-7594` cell proofs).
        wrapper: &'static str,
        /// What failed (a proof that does not verify, or bytes that are not a point or field
        /// element).
        reason: String,
    },
    /// An EIP-7594 (cell proof) sidecar before Osaka, when the network form is EIP-4844's.
    #[error("blob sidecar with cell proofs (EIP-7594) before Osaka: send the EIP-4844 form")]
    BlobCellProofsBeforeOsaka,
    /// The blob fee cap is below the next block's blob base fee.
    #[error(
        "max fee per blob gas less than block blob gas fee: max fee per blob gas {cap}, blob base fee {base}"
    )]
    BlobFeeCapTooLow {
        /// The transaction's `max_fee_per_blob_gas`.
        cap: u128,
        /// The next block's blob base fee.
        base: u128,
    },
    /// Set-code transactions (type 4) are not accepted before Prague.
    #[error("transaction type not supported: set-code transactions (type 4) before Prague")]
    SetCodeBeforePrague,
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
    /// Balance does not cover the maximum cost of this transaction and the sender's queued
    /// transactions before it.
    #[error(
        "insufficient funds for gas * price + value: address {address} have {have} want {want}"
    )]
    InsufficientFunds {
        /// Sender.
        address: Address,
        /// Balance.
        have: U256,
        /// Maximum cost of this transaction and the sender's queued ones before it.
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
    /// The sender's account could not be read.
    #[error("state: {0}")]
    State(#[source] Box<ChainError>),
    /// The pool's store could not be written.
    #[error("state: {0}")]
    Persist(#[source] StoreError),
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Clients and tests see these texts: they must stay as they were when the variants
    /// carried strings.
    #[test]
    fn typed_variants_keep_their_texts() {
        let h = B256::repeat_byte(0xab);
        let old = format!("unknown block {h}");
        assert_eq!(ChainError::UnknownBlock(h).to_string(), old);
        // The former text: `UnknownBlock(format!("parent of {hash}"))`.
        let parent_of = format!("parent of {h}");
        let old = format!("unknown block {parent_of}");
        assert_eq!(ChainError::UnknownParent(h).to_string(), old);
        let trie = TrieError::MissingNode(h);
        let old = format!("state: {trie}");
        assert_eq!(ChainError::from(trie).to_string(), old);
        assert_eq!(
            TxError::SetCodeBeforePrague.to_string(),
            "transaction type not supported: set-code transactions (type 4) before Prague"
        );
        let missing = StoreError::Missing { what: "head" };
        assert_eq!(missing.to_string(), "store: corrupt head: missing");
        assert_eq!(
            TxError::State(Box::new(ChainError::Store(missing))).to_string(),
            "state: store: corrupt head: missing"
        );
    }
}
