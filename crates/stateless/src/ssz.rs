//! SSZ containers of stateless validation (execution-specs `stateless_ssz.py`, EIP-8025).
//!
//! The wire format is the one schema `STATELESS_INPUT_SCHEMA_ID` = `(0x15 << 8) | 0x01`
//! (Amsterdam fork index, revision 1), used for every fork we execute: fields a fork does
//! not have (block access list, slot number, builder requests) are empty/zero. Hash tree
//! roots follow EIP-7495 progressive containers and EIP-7916 progressive lists, with the
//! exact shapes L2BEAT's native-rollup contracts rebuild on chain (versioned hashes as
//! `List[Bytes32, 4096]`, `NewPayloadRequest` and `PublicInput` as progressive containers),
//! so roots computed here match theirs byte for byte.

use alloy_primitives::{Address, B256, Bloom, Bytes, FixedBytes, U256};
use sha2::{Digest, Sha256};
use ssz_derive::{Decode, Encode};

/// Fork index of the schema (Amsterdam = 0x15).
pub const STATELESS_INPUT_SCHEMA_FORK_INDEX: u16 = 0x15;
/// Revision of the schema.
pub const STATELESS_INPUT_SCHEMA_REVISION: u16 = 0x01;
/// `schema_id = (fork << 8) | revision`, committed to by the public input.
pub const STATELESS_INPUT_SCHEMA_ID: u16 =
    (STATELESS_INPUT_SCHEMA_FORK_INDEX << 8) | STATELESS_INPUT_SCHEMA_REVISION;
/// Maximum `extra_data` length.
pub const MAX_EXTRA_DATA_BYTES: usize = 32;
/// Maximum number of trie nodes in a witness.
pub const MAX_WITNESS_NODES: usize = 1 << 22;
/// Maximum number of codes in a witness.
pub const MAX_WITNESS_CODES: usize = 1 << 18;
/// Maximum number of ancestor headers in a witness (the BLOCKHASH window).
pub const MAX_WITNESS_HEADERS: usize = 256;
/// Maximum size of one code.
pub const MAX_BYTES_PER_CODE: usize = 1 << 16;
/// Maximum size of one encoded header.
pub const MAX_BYTES_PER_HEADER: usize = 1 << 10;
/// Maximum size of one trie node.
pub const MAX_BYTES_PER_WITNESS_NODE: usize = 1 << 10;
/// Maximum number of transaction public keys.
pub const MAX_PUBLIC_KEYS: usize = 1 << 15;
/// Depth of the versioned-hashes list tree (`List[Bytes32, 4096]`).
pub const VERSIONED_HASHES_DEPTH: usize = 12;

/// A beacon-chain withdrawal.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
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
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
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
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
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
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct WithdrawalRequest {
    /// Requesting address.
    pub source_address: Address,
    /// Validator public key.
    pub validator_pubkey: FixedBytes<48>,
    /// Amount in Gwei.
    pub amount: u64,
}

/// EIP-7251 consolidation request.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct ConsolidationRequest {
    /// Requesting address.
    pub source_address: Address,
    /// Source validator key.
    pub source_pubkey: FixedBytes<48>,
    /// Target validator key.
    pub target_pubkey: FixedBytes<48>,
}

/// Builder deposit request (Gloas).
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
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
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct BuilderExitRequest {
    /// Requesting address.
    pub source_address: Address,
    /// Builder public key.
    pub pubkey: FixedBytes<48>,
}

/// Execution-layer requests (EIP-7685) of a block.
#[derive(Debug, Clone, Default, PartialEq, Eq, Encode, Decode)]
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
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
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
#[derive(Debug, Clone, Default, PartialEq, Eq, Encode, Decode)]
pub struct ExecutionWitness {
    /// RLP trie nodes (account and storage tries) touched by the block.
    pub state: Vec<Bytes>,
    /// Bytecodes read by the block.
    pub codes: Vec<Bytes>,
    /// RLP headers: the parent and the ancestors BLOCKHASH reads, contiguous.
    pub headers: Vec<Bytes>,
}

/// Activation of a fork (by block number or by timestamp, each optional).
#[derive(Debug, Clone, Default, PartialEq, Eq, Encode, Decode)]
pub struct ForkActivation {
    /// Activation block number, if activated by number.
    pub block_number: Vec<u64>,
    /// Activation timestamp, if activated by time.
    pub timestamp: Vec<u64>,
}

/// The active fork's configuration.
#[derive(Debug, Clone, Default, PartialEq, Eq, Encode, Decode)]
pub struct ForkConfig {
    /// When the fork activated.
    pub activation: ForkActivation,
}

/// Chain parameters of the block being validated.
#[derive(Debug, Clone, Default, PartialEq, Eq, Encode, Decode)]
pub struct ChainConfig {
    /// EIP-155 chain id.
    pub chain_id: u64,
    /// The fork active at the block.
    pub active_fork: ForkConfig,
}

/// Input of `verify_stateless_new_payload` and of the EXECUTE precompile.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct StatelessInput {
    /// The block, as the CL would hand it to the EL.
    pub new_payload_request: NewPayloadRequest,
    /// State, codes and ancestors the block needs.
    pub witness: ExecutionWitness,
    /// Chain parameters.
    pub chain_config: ChainConfig,
    /// Optional uncompressed secp256k1 public keys, one per transaction (or none).
    pub public_keys: Vec<FixedBytes<65>>,
}

/// Output of stateless validation.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct StatelessValidationResult {
    /// `hash_tree_root` of the validated `NewPayloadRequest`.
    pub new_payload_request_root: B256,
    /// Whether the block is valid.
    pub successful_validation: bool,
    /// Chain parameters used.
    pub chain_config: ChainConfig,
}

/// A decoded input violates a schema bound.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SszError {
    /// The bytes are not a valid SSZ encoding of the container.
    #[error("invalid SSZ: {0}")]
    Decode(String),
    /// A list or byte list exceeds its limit.
    #[error("{field}: length {len} exceeds limit {limit}")]
    TooLong {
        /// Field path.
        field: &'static str,
        /// Actual length.
        len: usize,
        /// Limit.
        limit: usize,
    },
}

fn limit(field: &'static str, len: usize, limit: usize) -> Result<(), SszError> {
    if len > limit { Err(SszError::TooLong { field, len, limit }) } else { Ok(()) }
}

impl StatelessInput {
    /// Decodes and checks every schema bound. Errors name the offending field.
    pub fn from_ssz(bytes: &[u8]) -> Result<Self, SszError> {
        let input = <Self as ssz::Decode>::from_ssz_bytes(bytes)
            .map_err(|e| SszError::Decode(format!("{e:?}")))?;
        input.check_limits()?;
        Ok(input)
    }

    /// SSZ encoding.
    pub fn to_ssz(&self) -> Vec<u8> {
        ssz::Encode::as_ssz_bytes(self)
    }

    /// The most L2 gas executing this block can take: the sum of its transactions' gas
    /// limits (a transaction never uses more), capped by the block gas limit. EXECUTE
    /// requires gas for this bound before executing (the declared `gas_used` is only
    /// checked after execution, so it cannot bound the work).
    pub fn work_bound(&self) -> Result<u64, String> {
        use alloy_consensus::Transaction as _;
        use alloy_eips::Decodable2718;
        let p = &self.new_payload_request.execution_payload;
        let mut sum: u64 = 0;
        for (i, raw) in p.transactions.iter().enumerate() {
            let tx = alloy_consensus::TxEnvelope::decode_2718(&mut raw.as_ref())
                .map_err(|e| format!("transactions[{i}]: {e}"))?;
            sum = sum.saturating_add(tx.gas_limit());
        }
        Ok(sum.min(p.gas_limit))
    }

    /// Checks the list limits of the schema.
    pub fn check_limits(&self) -> Result<(), SszError> {
        let p = &self.new_payload_request.execution_payload;
        limit("execution_payload.extra_data", p.extra_data.len(), MAX_EXTRA_DATA_BYTES)?;
        limit(
            "versioned_hashes",
            self.new_payload_request.versioned_hashes.len(),
            1 << VERSIONED_HASHES_DEPTH,
        )?;
        let w = &self.witness;
        limit("witness.state", w.state.len(), MAX_WITNESS_NODES)?;
        limit("witness.codes", w.codes.len(), MAX_WITNESS_CODES)?;
        limit("witness.headers", w.headers.len(), MAX_WITNESS_HEADERS)?;
        for n in &w.state {
            limit("witness.state[i]", n.len(), MAX_BYTES_PER_WITNESS_NODE)?;
        }
        for c in &w.codes {
            limit("witness.codes[i]", c.len(), MAX_BYTES_PER_CODE)?;
        }
        for h in &w.headers {
            limit("witness.headers[i]", h.len(), MAX_BYTES_PER_HEADER)?;
        }
        self.chain_config.check_limits()?;
        limit("public_keys", self.public_keys.len(), MAX_PUBLIC_KEYS)
    }
}

impl ChainConfig {
    fn check_limits(&self) -> Result<(), SszError> {
        let a = &self.active_fork.activation;
        limit("chain_config.active_fork.activation.block_number", a.block_number.len(), 1)?;
        limit("chain_config.active_fork.activation.timestamp", a.timestamp.len(), 1)
    }
}

impl StatelessValidationResult {
    /// SSZ encoding.
    pub fn to_ssz(&self) -> Vec<u8> {
        ssz::Encode::as_ssz_bytes(self)
    }

    /// Decodes a result.
    pub fn from_ssz(bytes: &[u8]) -> Result<Self, SszError> {
        let r = <Self as ssz::Decode>::from_ssz_bytes(bytes)
            .map_err(|e| SszError::Decode(format!("{e:?}")))?;
        r.chain_config.check_limits()?;
        Ok(r)
    }
}

// ---------------------------------------------------------------------------------------
// Merkleization

/// SHA-256 of two chunks.
pub fn sha_pair(a: &[u8; 32], b: &[u8; 32]) -> B256 {
    let mut h = Sha256::new();
    h.update(a);
    h.update(b);
    B256::from_slice(&h.finalize())
}

fn zero_hash(depth: usize) -> B256 {
    let mut z = B256::ZERO;
    for _ in 0..depth {
        z = sha_pair(&z.0, &z.0);
    }
    z
}

/// Root of `chunks` padded with zero chunks to `2^depth` leaves.
pub fn merkleize(chunks: &[B256], depth: usize) -> B256 {
    if chunks.is_empty() {
        return zero_hash(depth);
    }
    let mut layer = chunks.to_vec();
    let mut zero = B256::ZERO;
    for _ in 0..depth {
        if layer.len() % 2 == 1 {
            layer.push(zero);
        }
        layer = layer.chunks(2).map(|p| sha_pair(&p[0].0, &p[1].0)).collect();
        zero = sha_pair(&zero.0, &zero.0);
    }
    layer[0]
}

/// EIP-7916 progressive merkleization: subtrees of 1, 4, 16, ... chunks.
pub fn merkleize_progressive(chunks: &[B256]) -> B256 {
    let mut subtrees = Vec::new();
    let (mut start, mut depth) = (0usize, 0usize);
    while start < chunks.len() {
        let end = (start + (1 << depth)).min(chunks.len());
        subtrees.push(merkleize(&chunks[start..end], depth));
        start += 1 << depth;
        depth += 2;
    }
    subtrees.iter().rev().fold(B256::ZERO, |acc, s| sha_pair(&s.0, &acc.0))
}

/// Mixes a length into a root.
pub fn mix_in_length(root: B256, len: usize) -> B256 {
    sha_pair(&root.0, &le_chunk(&(len as u64).to_le_bytes()).0)
}

/// Mixes the EIP-7495 active-fields bitvector of `n` all-active fields into a root.
fn mix_in_active_fields(root: B256, n: usize) -> B256 {
    let mut bits = [0u8; 32];
    for i in 0..n {
        bits[i / 8] |= 1 << (i % 8);
    }
    sha_pair(&root.0, &bits)
}

/// Root of a progressive container whose fields are all active.
pub fn progressive_container(fields: &[B256]) -> B256 {
    mix_in_active_fields(merkleize_progressive(fields), fields.len())
}

fn le_chunk(bytes: &[u8]) -> B256 {
    let mut c = [0u8; 32];
    c[..bytes.len()].copy_from_slice(bytes);
    B256::from(c)
}

fn u64_chunk(v: u64) -> B256 {
    le_chunk(&v.to_le_bytes())
}

fn pack_bytes(bytes: &[u8]) -> Vec<B256> {
    bytes.chunks(32).map(le_chunk).collect()
}

/// Root of an EIP-7916 `ProgressiveByteList`.
pub fn progressive_byte_list_root(bytes: &[u8]) -> B256 {
    mix_in_length(merkleize_progressive(&pack_bytes(bytes)), bytes.len())
}

fn progressive_list_root(roots: &[B256]) -> B256 {
    mix_in_length(merkleize_progressive(roots), roots.len())
}

/// Types with an SSZ `hash_tree_root`.
pub trait HashTreeRoot {
    /// The SSZ hash tree root.
    fn hash_tree_root(&self) -> B256;
}

impl HashTreeRoot for Withdrawal {
    fn hash_tree_root(&self) -> B256 {
        merkleize(
            &[
                u64_chunk(self.index),
                u64_chunk(self.validator_index),
                le_chunk(self.address.as_slice()),
                u64_chunk(self.amount),
            ],
            2,
        )
    }
}

fn fixed_bytes_root(b: &[u8]) -> B256 {
    let chunks = pack_bytes(b);
    let depth = chunks.len().next_power_of_two().trailing_zeros() as usize;
    merkleize(&chunks, depth)
}

fn container_root(fields: &[B256]) -> B256 {
    let depth = fields.len().next_power_of_two().trailing_zeros() as usize;
    merkleize(fields, depth)
}

impl HashTreeRoot for DepositRequest {
    fn hash_tree_root(&self) -> B256 {
        container_root(&[
            fixed_bytes_root(self.pubkey.as_slice()),
            self.withdrawal_credentials,
            u64_chunk(self.amount),
            fixed_bytes_root(self.signature.as_slice()),
            u64_chunk(self.index),
        ])
    }
}

impl HashTreeRoot for WithdrawalRequest {
    fn hash_tree_root(&self) -> B256 {
        container_root(&[
            le_chunk(self.source_address.as_slice()),
            fixed_bytes_root(self.validator_pubkey.as_slice()),
            u64_chunk(self.amount),
        ])
    }
}

impl HashTreeRoot for ConsolidationRequest {
    fn hash_tree_root(&self) -> B256 {
        container_root(&[
            le_chunk(self.source_address.as_slice()),
            fixed_bytes_root(self.source_pubkey.as_slice()),
            fixed_bytes_root(self.target_pubkey.as_slice()),
        ])
    }
}

impl HashTreeRoot for BuilderDepositRequest {
    fn hash_tree_root(&self) -> B256 {
        container_root(&[
            fixed_bytes_root(self.pubkey.as_slice()),
            self.withdrawal_credentials,
            u64_chunk(self.amount),
            fixed_bytes_root(self.signature.as_slice()),
        ])
    }
}

impl HashTreeRoot for BuilderExitRequest {
    fn hash_tree_root(&self) -> B256 {
        container_root(&[
            le_chunk(self.source_address.as_slice()),
            fixed_bytes_root(self.pubkey.as_slice()),
        ])
    }
}

fn list_of<T: HashTreeRoot>(items: &[T]) -> B256 {
    progressive_list_root(&items.iter().map(|i| i.hash_tree_root()).collect::<Vec<_>>())
}

impl HashTreeRoot for ExecutionRequests {
    fn hash_tree_root(&self) -> B256 {
        progressive_container(&[
            list_of(&self.deposits),
            list_of(&self.withdrawals),
            list_of(&self.consolidations),
            list_of(&self.builder_deposits),
            list_of(&self.builder_exits),
        ])
    }
}

/// The 19 field roots of an execution payload, with the three list fields given as roots.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PayloadLeaves<'a> {
    /// The payload (list fields are ignored).
    pub payload: &'a ExecutionPayload,
    /// Root of `transactions`.
    pub transactions_root: B256,
    /// Root of `withdrawals`.
    pub withdrawals_root: B256,
    /// Root of `block_access_list`.
    pub block_access_list_root: B256,
}

impl PayloadLeaves<'_> {
    /// The payload's hash tree root from its leaves.
    pub fn root(&self) -> B256 {
        let p = self.payload;
        let mut base_fee = [0u8; 32];
        base_fee.copy_from_slice(&p.base_fee_per_gas.to_le_bytes::<32>());
        progressive_container(&[
            p.parent_hash,
            le_chunk(p.fee_recipient.as_slice()),
            p.state_root,
            p.receipts_root,
            merkleize(&pack_bytes(p.logs_bloom.as_slice()), 3),
            p.prev_randao,
            u64_chunk(p.block_number),
            u64_chunk(p.gas_limit),
            u64_chunk(p.gas_used),
            u64_chunk(p.timestamp),
            mix_in_length(merkleize(&pack_bytes(&p.extra_data), 0), p.extra_data.len()),
            B256::from(base_fee),
            p.block_hash,
            self.transactions_root,
            self.withdrawals_root,
            u64_chunk(p.blob_gas_used),
            u64_chunk(p.excess_blob_gas),
            self.block_access_list_root,
            u64_chunk(p.slot_number),
        ])
    }
}

impl HashTreeRoot for ExecutionPayload {
    fn hash_tree_root(&self) -> B256 {
        let txs: Vec<B256> =
            self.transactions.iter().map(|t| progressive_byte_list_root(t)).collect();
        PayloadLeaves {
            payload: self,
            transactions_root: progressive_list_root(&txs),
            withdrawals_root: list_of(&self.withdrawals),
            block_access_list_root: progressive_byte_list_root(&self.block_access_list),
        }
        .root()
    }
}

/// Root of the versioned hashes as L2BEAT's contract computes it (`List[Bytes32, 4096]`).
pub fn versioned_hashes_root(hashes: &[B256]) -> B256 {
    mix_in_length(merkleize(hashes, VERSIONED_HASHES_DEPTH), hashes.len())
}

/// Root of a `NewPayloadRequest` from the roots of its four fields.
pub fn new_payload_request_root_from(
    payload_root: B256,
    versioned_hashes_root: B256,
    parent_beacon_block_root: B256,
    execution_requests_root: B256,
) -> B256 {
    progressive_container(&[
        payload_root,
        versioned_hashes_root,
        parent_beacon_block_root,
        execution_requests_root,
    ])
}

impl HashTreeRoot for NewPayloadRequest {
    fn hash_tree_root(&self) -> B256 {
        new_payload_request_root_from(
            self.execution_payload.hash_tree_root(),
            versioned_hashes_root(&self.versioned_hashes),
            self.parent_beacon_block_root,
            self.execution_requests.hash_tree_root(),
        )
    }
}

/// Root of the EIP-8025 `PublicInput` of a successful validation.
pub fn public_input_root(new_payload_request_root: B256, chain_id: u64, schema_id: u16) -> B256 {
    progressive_container(&[
        new_payload_request_root,
        le_chunk(&[1]),
        u64_chunk(chain_id),
        le_chunk(&schema_id.to_le_bytes()),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_lists_have_the_known_roots() {
        // sha256(0^32 || 0^32): an empty progressive list with length 0 mixed in.
        let z1 = "0xf5a5fd42d16a20302798ef6ed309979b43003d2320d9f0e8ea9831a92759fb4b";
        assert_eq!(progressive_list_root(&[]).to_string(), z1);
        assert_eq!(progressive_byte_list_root(&[]).to_string(), z1);
        assert_eq!(
            ExecutionRequests::default().hash_tree_root().to_string(),
            "0x87b69a306c8e430d0857f7c4ac5e27cecffa1108d43c2e5df7388056fea7a423"
        );
    }

    #[test]
    fn schema_id_is_amsterdam_revision_one() {
        assert_eq!(STATELESS_INPUT_SCHEMA_ID, 5377);
    }

    #[test]
    fn truncated_and_random_inputs_are_errors() {
        let input = StatelessInput {
            new_payload_request: NewPayloadRequest {
                execution_payload: ExecutionPayload {
                    parent_hash: B256::ZERO,
                    fee_recipient: Address::ZERO,
                    state_root: B256::ZERO,
                    receipts_root: B256::ZERO,
                    logs_bloom: Bloom::ZERO,
                    prev_randao: B256::ZERO,
                    block_number: 1,
                    gas_limit: 2,
                    gas_used: 3,
                    timestamp: 4,
                    extra_data: Bytes::from_static(b"x"),
                    base_fee_per_gas: U256::from(7),
                    block_hash: B256::ZERO,
                    transactions: vec![Bytes::from_static(b"tx")],
                    withdrawals: vec![],
                    blob_gas_used: 0,
                    excess_blob_gas: 0,
                    block_access_list: Bytes::new(),
                    slot_number: 0,
                },
                versioned_hashes: vec![],
                parent_beacon_block_root: B256::ZERO,
                execution_requests: ExecutionRequests::default(),
            },
            witness: ExecutionWitness::default(),
            chain_config: ChainConfig::default(),
            public_keys: vec![],
        };
        let bytes = input.to_ssz();
        assert_eq!(StatelessInput::from_ssz(&bytes).unwrap(), input);
        for cut in [0, 1, 4, bytes.len() / 2, bytes.len() - 1] {
            assert!(StatelessInput::from_ssz(&bytes[..cut]).is_err(), "cut at {cut}");
        }
        let mut seed = 0x9e3779b97f4a7c15u64;
        for len in [0usize, 3, 64, 700, 5000] {
            let junk: Vec<u8> = (0..len)
                .map(|_| {
                    seed ^= seed << 13;
                    seed ^= seed >> 7;
                    seed ^= seed << 17;
                    seed as u8
                })
                .collect();
            assert!(StatelessInput::from_ssz(&junk).is_err());
        }
        let mut long = input.clone();
        long.new_payload_request.execution_payload.extra_data = Bytes::from(vec![0u8; 33]);
        assert_eq!(
            StatelessInput::from_ssz(&long.to_ssz()),
            Err(SszError::TooLong { field: "execution_payload.extra_data", len: 33, limit: 32 })
        );
    }
}
