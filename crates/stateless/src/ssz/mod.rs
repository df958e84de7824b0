//! SSZ containers of stateless validation (execution-specs `stateless_ssz.py`, EIP-8025).
//!
//! The format is execution-specs `projects/zkevm` tests-zkevm v0.8 (EIP-8025's inline SSZ
//! section): wire bytes are the 2-byte big-endian [`STATELESS_INPUT_SCHEMA_ID`] (`15 01`:
//! Amsterdam fork index, revision 1) followed by `SSZ(StatelessInput)`
//! ([`StatelessInput::to_wire`], [`StatelessInput::from_wire`]). One schema serves every
//! fork we execute: fields a fork does not have (block access list, slot number, builder
//! requests) are empty/zero. The output is the fixed 43-byte [`StatelessValidationResult`].
//!
//! Hash tree roots follow EIP-7495 progressive containers and EIP-7916 progressive lists.
//! [`HashTreeRoot`] gives the execution-layer shapes (EIP-8025); the consensus-layer root of
//! a `NewPayloadRequest` that L2BEAT's contracts rebuild is
//! `NewPayloadRequest::root(RootFlavor::Consensus)`.

use alloy_primitives::{Address, B256, Bloom, Bytes, FixedBytes, U256};
use serde::{Deserialize, Serialize};
use ssz_derive::{Decode, Encode};

mod decode;
mod merkle;

pub use decode::SszError;
pub use merkle::{
    HashTreeRoot, PayloadLeaves, RootFlavor, merkleize, merkleize_progressive, mix_in_length,
    new_payload_request_root_execution, new_payload_request_root_from, progressive_byte_list_root,
    progressive_container, public_input_root, public_keys_root, sha_pair, versioned_hashes_root,
    versioned_hashes_root_progressive,
};

/// Fork index of the schema (Amsterdam = 0x15).
pub const STATELESS_INPUT_SCHEMA_FORK_INDEX: u16 = 0x15;
/// Revision of the schema.
pub const STATELESS_INPUT_SCHEMA_REVISION: u16 = 0x01;
/// `schema_id = (fork << 8) | revision`, committed to by the public input.
pub const STATELESS_INPUT_SCHEMA_ID: u16 =
    (STATELESS_INPUT_SCHEMA_FORK_INDEX << 8) | STATELESS_INPUT_SCHEMA_REVISION;
/// Maximum `extra_data` length.
pub const MAX_EXTRA_DATA_BYTES: usize = 32;
/// Maximum number of ancestor headers in a witness (the BLOCKHASH window).
pub const MAX_WITNESS_HEADERS: usize = 256;
/// Maximum size of one code.
pub const MAX_BYTES_PER_CODE: usize = 1 << 16;
/// Maximum size of one encoded header.
pub const MAX_BYTES_PER_HEADER: usize = 1 << 10;
/// Maximum size of one trie node.
pub const MAX_BYTES_PER_WITNESS_NODE: usize = 1 << 10;
/// Intrinsic gas of the cheapest transaction (`G_transaction`, every fork): no valid block
/// holds more than `gas_limit / MIN_TRANSACTION_GAS` transactions, and no transaction costs
/// less to execute, whatever gas limit it declares.
pub const MIN_TRANSACTION_GAS: u64 = 21_000;
/// Size of one transaction public key (uncompressed SEC1, `0x04 || x || y`).
pub const PUBLIC_KEY_BYTES: usize = 65;
/// Size of the schema id that prefixes the wire bytes of a [`StatelessInput`].
pub const STATELESS_INPUT_SCHEMA_ID_SIZE: usize = 2;
/// Size of an SSZ [`StatelessValidationResult`]: root, boolean, `u64`, `u16`.
pub const STATELESS_VALIDATION_RESULT_SIZE: usize = 43;
/// Depth of the versioned-hashes list tree of the consensus-layer root flavour
/// (`List[Bytes32, 4096]`; the execution layer's list is progressive and unbounded).
pub const VERSIONED_HASHES_DEPTH: usize = 12;

/// A beacon-chain withdrawal.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode, Serialize, Deserialize)]
pub struct Withdrawal {
    /// Withdrawal index.
    pub index: u64,
    /// Validator index.
    pub validator_index: u64,
    /// Recipient.
    pub address: Address,
    /// Amount in Gwei.
    pub amount: u64,
}

/// The execution payload (Gloas/Amsterdam shape, 19 fields).
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode, Serialize, Deserialize)]
pub struct ExecutionPayload {
    /// Parent block hash.
    pub parent_hash: B256,
    /// Coinbase.
    pub fee_recipient: Address,
    /// Post-state root.
    pub state_root: B256,
    /// Receipts root.
    pub receipts_root: B256,
    /// Logs bloom.
    pub logs_bloom: Bloom,
    /// `mix_hash` / prevrandao.
    pub prev_randao: B256,
    /// Block number.
    pub block_number: u64,
    /// Gas limit.
    pub gas_limit: u64,
    /// Gas used.
    pub gas_used: u64,
    /// Timestamp.
    pub timestamp: u64,
    /// Extra data (at most 32 bytes).
    pub extra_data: Bytes,
    /// Base fee.
    pub base_fee_per_gas: U256,
    /// Block hash.
    pub block_hash: B256,
    /// EIP-2718 encoded transactions.
    pub transactions: Vec<Bytes>,
    /// Withdrawals.
    pub withdrawals: Vec<Withdrawal>,
    /// Blob gas used.
    pub blob_gas_used: u64,
    /// Excess blob gas.
    pub excess_blob_gas: u64,
    /// RLP block access list (EIP-7928); empty before Amsterdam.
    pub block_access_list: Bytes,
    /// Slot number (EIP-7843); zero before Amsterdam.
    pub slot_number: u64,
}

/// EIP-6110 deposit request.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode, Serialize, Deserialize)]
pub struct DepositRequest {
    /// Validator public key.
    pub pubkey: FixedBytes<48>,
    /// Withdrawal credentials.
    pub withdrawal_credentials: B256,
    /// Amount in Gwei.
    pub amount: u64,
    /// BLS signature.
    pub signature: FixedBytes<96>,
    /// Deposit index.
    pub index: u64,
}

/// EIP-7002 withdrawal request.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode, Serialize, Deserialize)]
pub struct WithdrawalRequest {
    /// Requesting address.
    pub source_address: Address,
    /// Validator public key.
    pub validator_pubkey: FixedBytes<48>,
    /// Amount in Gwei.
    pub amount: u64,
}

/// EIP-7251 consolidation request.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode, Serialize, Deserialize)]
pub struct ConsolidationRequest {
    /// Requesting address.
    pub source_address: Address,
    /// Source validator key.
    pub source_pubkey: FixedBytes<48>,
    /// Target validator key.
    pub target_pubkey: FixedBytes<48>,
}

/// Builder deposit request (Gloas).
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode, Serialize, Deserialize)]
pub struct BuilderDepositRequest {
    /// Builder public key.
    pub pubkey: FixedBytes<48>,
    /// Withdrawal credentials.
    pub withdrawal_credentials: B256,
    /// Amount in Gwei.
    pub amount: u64,
    /// BLS signature.
    pub signature: FixedBytes<96>,
}

/// Builder exit request (Gloas).
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode, Serialize, Deserialize)]
pub struct BuilderExitRequest {
    /// Requesting address.
    pub source_address: Address,
    /// Builder public key.
    pub pubkey: FixedBytes<48>,
}

/// Execution-layer requests (EIP-7685) of a block.
#[derive(Debug, Clone, Default, PartialEq, Eq, Encode, Decode, Serialize, Deserialize)]
pub struct ExecutionRequests {
    /// Deposits.
    pub deposits: Vec<DepositRequest>,
    /// Withdrawal requests.
    pub withdrawals: Vec<WithdrawalRequest>,
    /// Consolidations.
    pub consolidations: Vec<ConsolidationRequest>,
    /// Builder deposits (always empty before Gloas).
    pub builder_deposits: Vec<BuilderDepositRequest>,
    /// Builder exits (always empty before Gloas).
    pub builder_exits: Vec<BuilderExitRequest>,
}

/// The consensus layer's `engine_newPayload` request.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode, Serialize, Deserialize)]
pub struct NewPayloadRequest {
    /// The payload.
    pub execution_payload: ExecutionPayload,
    /// Versioned hashes of the blobs of the payload's transactions.
    pub versioned_hashes: Vec<B256>,
    /// EIP-4788 parent beacon block root (the L1 anchor on a native rollup).
    pub parent_beacon_block_root: B256,
    /// Execution requests.
    pub execution_requests: ExecutionRequests,
}

/// State needed to execute a block statelessly.
#[derive(Debug, Clone, Default, PartialEq, Eq, Encode, Decode, Serialize, Deserialize)]
pub struct ExecutionWitness {
    /// RLP trie nodes (account and storage tries) touched by the block.
    pub state: Vec<Bytes>,
    /// Bytecodes read by the block.
    pub codes: Vec<Bytes>,
    /// RLP headers: the parent and the ancestors BLOCKHASH reads, contiguous.
    pub headers: Vec<Bytes>,
}

/// Input of `verify_stateless_new_payload` and of the EXECUTE precompile.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode, Serialize, Deserialize)]
pub struct StatelessInput {
    /// The block, as the CL would hand it to the EL.
    pub new_payload_request: NewPayloadRequest,
    /// State, codes and ancestors the block needs.
    pub witness: ExecutionWitness,
    /// EIP-155 chain id the block is executed under (and the result reports).
    pub chain_id: u64,
    /// Uncompressed secp256k1 public key of each transaction's signer, in payload order
    /// (mandatory: exactly one per transaction).
    pub public_keys: Vec<FixedBytes<65>>,
}

/// Output of stateless validation: 43 bytes,
/// `root (32) | successful_validation (1) | chain_id (u64 LE) | schema_id (u16 LE)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Encode, Decode)]
pub struct StatelessValidationResult {
    /// Execution-layer `hash_tree_root` of the `NewPayloadRequest`
    /// ([`RootFlavor::Execution`]); zero when the input did not decode.
    pub new_payload_request_root: B256,
    /// Whether the block is valid.
    pub successful_validation: bool,
    /// The input's chain id; zero when the input did not decode.
    pub chain_id: u64,
    /// [`STATELESS_INPUT_SCHEMA_ID`]; zero when the input did not decode.
    pub schema_id: u16,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema_id_is_amsterdam_revision_one() {
        assert_eq!(STATELESS_INPUT_SCHEMA_ID, 5377);
        assert_eq!(STATELESS_INPUT_SCHEMA_ID.to_be_bytes(), [0x15, 0x01]);
    }
}
