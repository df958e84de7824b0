//! Why stateless validation rejects a [`StatelessInput`](crate::ssz::StatelessInput): one
//! enum per part of the input (payload, witness), each variant one reason.

use crate::block::BlockError;
use crate::ssz::SszError;
use alloy_eips::eip2718::Eip2718Error;
use alloy_primitives::{B256, U256};

/// Why a [`StatelessInput`](crate::ssz::StatelessInput) was rejected.
#[derive(Debug, thiserror::Error)]
pub enum StatelessError {
    /// The input bytes are not a valid encoding.
    #[error(transparent)]
    Ssz(#[from] SszError),
    /// The payload cannot be turned into a block.
    #[error("payload: {0}")]
    Payload(#[from] PayloadError),
    /// The witness is malformed or does not chain to the block.
    #[error("witness: {0}")]
    Witness(#[from] WitnessError),
    /// The block is invalid.
    #[error(transparent)]
    Block(#[from] BlockError),
}

/// Why a `NewPayloadRequest` and a block do not convert into each other.
#[derive(Debug, Clone, thiserror::Error)]
pub enum PayloadError {
    /// An EIP-7685 request has no type byte.
    #[error("empty request")]
    EmptyRequest,
    /// The data of an EIP-7685 request is not the SSZ list of its type.
    #[error("request type {ty}: {decode_error}")]
    Request {
        /// The request type.
        ty: u8,
        /// `ethereum_ssz`'s `DecodeError` in its `Debug` form (that type implements neither
        /// `Display` nor `std::error::Error`).
        decode_error: String,
    },
    /// The data of an EIP-7685 request is not a whole number of requests of its type (a
    /// request contract returned an irregular length): the block may be valid, but the
    /// typed `ExecutionRequests` of a `StatelessInput` cannot represent it.
    #[error("request type {ty}: {len} bytes is not a whole number of {item_size}-byte requests")]
    RequestLength {
        /// The request type.
        ty: u8,
        /// Bytes of request data (without the type byte).
        len: usize,
        /// Bytes of one request of this type.
        item_size: usize,
    },
    /// An EIP-7685 request type this verifier does not know.
    #[error("unknown request type {0}")]
    UnknownRequestType(u8),
    /// Builder deposits or exits (Gloas) in a block of an earlier fork.
    #[error("builder requests are not allowed before Gloas")]
    BuilderRequests,
    /// The block header has no base fee.
    #[error("base_fee_per_gas missing")]
    MissingBaseFee,
    /// A transaction is not a valid EIP-2718 encoding.
    #[error("transactions[{index}]: {source}")]
    Transaction {
        /// Position in the payload.
        index: usize,
        /// The decoding error.
        source: Eip2718Error,
    },
    /// A transaction's encoding is followed by extra bytes.
    #[error("transactions[{index}]: trailing bytes")]
    TransactionTrailingBytes {
        /// Position in the payload.
        index: usize,
    },
    /// A blob transaction in its network form (with blobs, commitments and proofs): a
    /// payload carries canonical EIP-2718 transactions only.
    #[error("transactions[{index}]: blob transaction with its sidecar (network form)")]
    BlobSidecar {
        /// Position in the payload.
        index: usize,
    },
    /// A block access list (EIP-7928) before Amsterdam.
    #[error("block_access_list must be empty before Amsterdam")]
    BlockAccessList,
    /// A slot number (EIP-7843) before Amsterdam.
    #[error("slot_number must be zero before Amsterdam")]
    SlotNumber(u64),
    /// The base fee does not fit a header's `u64`.
    #[error("base_fee_per_gas does not fit in 64 bits")]
    BaseFeeTooLarge(U256),
    /// Non-zero blob gas fields before Cancun.
    #[error("blob gas fields must be zero before Cancun")]
    BlobGasBeforeCancun,
    /// A non-zero parent beacon block root before Cancun.
    #[error("parent_beacon_block_root must be zero before Cancun")]
    ParentBeaconBlockRootBeforeCancun(B256),
    /// Execution requests before Prague.
    #[error("execution requests are not allowed before Prague")]
    RequestsBeforePrague,
    /// The payload's `block_hash` is not the hash of the header it describes.
    #[error("block_hash is {declared}, the payload hashes to {computed}")]
    BlockHash {
        /// The payload's `block_hash`.
        declared: B256,
        /// The hash of the rebuilt header.
        computed: B256,
    },
    /// The versioned hashes differ from those of the blob transactions.
    #[error("versioned_hashes do not match the blob transactions")]
    VersionedHashes,
    /// More transactions than the block gas limit can hold at
    /// [`MIN_TRANSACTION_GAS`](crate::ssz::MIN_TRANSACTION_GAS) each: refused before any
    /// signature is recovered.
    #[error(
        "{transactions} transactions need at least 21000 gas each, block gas limit is {gas_limit}"
    )]
    TooManyTransactions {
        /// Transactions in the payload.
        transactions: usize,
        /// The payload's gas limit.
        gas_limit: u64,
    },
    /// The number of public keys differs from the number of transactions.
    #[error("public_keys: {keys} keys for {transactions} transactions")]
    PublicKeyCount {
        /// Public keys given.
        keys: usize,
        /// Transactions in the block.
        transactions: usize,
    },
    /// A public key is not the uncompressed key its transaction's signature recovers to
    /// (with its y-parity).
    #[error("public_keys[{index}] is not the signer's key")]
    PublicKey {
        /// Position of the key (and of its transaction).
        index: usize,
    },
}

/// Why an execution witness is malformed or does not chain to the block.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WitnessError {
    /// An ancestor header needed for the witness is not known.
    #[error("no header {0}")]
    MissingHeader(u64),
    /// A witness header is not valid RLP.
    #[error("headers[{index}]: {source}")]
    Header {
        /// Position in the witness.
        index: usize,
        /// The decoding error.
        source: alloy_rlp::Error,
    },
    /// A witness header's encoding is followed by extra bytes.
    #[error("headers[{index}]: trailing bytes")]
    HeaderTrailingBytes {
        /// Position in the witness.
        index: usize,
    },
    /// The same header appears twice.
    #[error("headers[{index}]: duplicate")]
    DuplicateHeader {
        /// Position of the second copy.
        index: usize,
    },
    /// The block's parent header is not in the witness.
    #[error("parent header {0} not in witness")]
    MissingParent(B256),
    /// A header's parent in the witness does not have the number just below it.
    #[error("header {0} has a non-consecutive number")]
    NonConsecutiveNumber(B256),
    /// A header is not an ancestor of the parent.
    #[error("a header does not chain to the parent")]
    Unchained,
    /// The headers are not in ascending order ending with the parent (execution-specs
    /// tests-zkevm v0.8, EIP-8025).
    #[error("headers[{index}]: number {number}, expected {expected} (ascending, parent last)")]
    HeaderOrder {
        /// Position in the witness.
        index: usize,
        /// The header's number.
        number: u64,
        /// The number expected at that position.
        expected: u64,
    },
}
