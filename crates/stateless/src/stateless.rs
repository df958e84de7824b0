//! `verify_stateless_new_payload`: validate a block from nothing but a [`StatelessInput`],
//! and the other direction: turn a block plus a recorded witness into one.
//!
//! [`verify_stateless_new_payload`] runs these steps in order; the first failing step ends
//! validation with an error naming it:
//!
//! 1. **Schema limits**: every item of the input is within its SSZ bound
//!    ([`StatelessInput::check_limits`]); no more transactions than the gas limit admits at
//!    21,000 each ([`PayloadError::TooManyTransactions`]).
//! 2. **Payload to block**: the block is rebuilt from the `NewPayloadRequest` under the fork
//!    the verifier's own schedule gives for its timestamp ([`new_payload_to_block`]):
//!    transactions decode, fields the fork does not have are empty, requests split by type,
//!    the rebuilt header hashes to `block_hash`, and `versioned_hashes` are those of the
//!    blob transactions. The input carries no fork information (v0.8 has only `chain_id`).
//! 3. **Ancestors, header and body** (no state, no signature): the witness headers decode
//!    and form one chain ending at the block's parent ([`open_witness_headers`]); the header
//!    is checked against the parent (gas limit and used, timestamp, base fee, fork fields)
//!    and the body against the header's roots. These cheap checks come before any signature
//!    is recovered, so an input that fails them costs no signature work.
//! 4. **Public keys** (mandatory): exactly one per transaction, each the key its signature
//!    recovers to with its y-parity ([`check_public_keys`](crate::signer::check_public_keys)).
//!    With more than one core this runs alongside step 5 (which uses the senders the keys
//!    claim); a key failure is still the error reported.
//! 5. **Execution**: witness nodes and codes are indexed by hash ([`index_witness`]), then
//!    system calls and transactions run on the partial tries the witness provides (a missing
//!    node fails, never reads as empty), and gas used, blob gas used, receipts root, logs
//!    bloom, requests hash and post-state root must equal the header's.
//!    Transactions are executed under the input's `chain_id` (EIP-155 signatures of another
//!    chain fail); EXECUTE has no chain id of its own to compare, the rollup contract checks
//!    the one the result reports.
//! 6. **Result**: the execution-layer `hash_tree_root` of the `NewPayloadRequest`
//!    ([`RootFlavor::Execution`]), the chain id and the schema id.

use crate::block::{TxRoot, check_header_and_body, execute_validated};
pub use crate::error::{PayloadError, StatelessError, WitnessError};
use crate::evm::NrEvmFactory;
use crate::fork::{Fork, ForkSchedule};
use crate::mpt::NodeSource;
use crate::signer::check_public_keys_alongside;
use crate::ssz::{
    ExecutionPayload, ExecutionRequests, ExecutionWitness, NewPayloadRequest, RootFlavor,
    StatelessInput, StatelessValidationResult, Withdrawal,
};
use crate::state::{Recorded, StateSource};
use alloy_consensus::{
    Block, BlockBody, EMPTY_OMMER_ROOT_HASH, Header, Transaction, TxEnvelope,
    proofs::{calculate_transaction_root, calculate_withdrawals_root},
};
use alloy_eips::{
    eip2718::{Decodable2718, Encodable2718},
    eip4895::{Withdrawal as AlloyWithdrawal, Withdrawals},
    eip7685::Requests,
};
use alloy_primitives::{B256, Bytes, U256, keccak256, map::B256Map};
use std::collections::HashMap;

/// The state a [`StatelessInput`]'s witness provides, addressed by hash.
#[derive(Debug, Default)]
pub struct WitnessSource {
    // Keys are keccak hashes: their bytes already hash well, no SipHash needed.
    nodes: B256Map<Bytes>,
    codes: B256Map<Bytes>,
    block_hashes: HashMap<u64, B256>,
}

impl NodeSource for WitnessSource {
    fn node(&self, hash: &B256) -> Option<Bytes> {
        self.nodes.get(hash).cloned()
    }
}

impl StateSource for WitnessSource {
    fn code(&self, hash: &B256) -> Option<Bytes> {
        self.codes.get(hash).cloned()
    }
    fn block_hash(&self, number: u64) -> Option<B256> {
        self.block_hashes.get(&number).copied()
    }
}

/// Bytes of one EIP-6110 deposit request.
pub const DEPOSIT_REQUEST_BYTES: usize = 48 + 32 + 8 + 96 + 8;
/// Bytes of one EIP-7002 withdrawal request.
pub const WITHDRAWAL_REQUEST_BYTES: usize = 20 + 48 + 8;
/// Bytes of one EIP-7251 consolidation request.
pub const CONSOLIDATION_REQUEST_BYTES: usize = 20 + 48 + 48;

/// Splits EIP-7685 requests into their typed SSZ lists (the flat data of each request type
/// is the SSZ serialization of its list).
pub fn requests_to_ssz(requests: &Requests) -> Result<ExecutionRequests, StatelessError> {
    let mut out = ExecutionRequests::default();
    for r in requests.iter() {
        let (&ty, data) = r.split_first().ok_or(PayloadError::EmptyRequest)?;
        let bad = |e| PayloadError::Request { ty, decode_error: format!("{e:?}") };
        // The typed lists hold whole requests only: EIP-7685 lets a request contract return
        // any length, the SSZ container (like the consensus layer) cannot carry the rest.
        let item_size = match ty {
            0 => DEPOSIT_REQUEST_BYTES,
            1 => WITHDRAWAL_REQUEST_BYTES,
            2 => CONSOLIDATION_REQUEST_BYTES,
            _ => return Err(PayloadError::UnknownRequestType(ty).into()),
        };
        if data.len() % item_size != 0 {
            return Err(PayloadError::RequestLength { ty, len: data.len(), item_size }.into());
        }
        match ty {
            0 => out.deposits = ssz::Decode::from_ssz_bytes(data).map_err(bad)?,
            1 => out.withdrawals = ssz::Decode::from_ssz_bytes(data).map_err(bad)?,
            2 => out.consolidations = ssz::Decode::from_ssz_bytes(data).map_err(bad)?,
            _ => return Err(PayloadError::UnknownRequestType(ty).into()),
        }
    }
    Ok(out)
}

/// Joins typed requests back into EIP-7685 form (empty types omitted).
pub fn requests_from_ssz(r: &ExecutionRequests) -> Result<Requests, StatelessError> {
    if !r.builder_deposits.is_empty() || !r.builder_exits.is_empty() {
        return Err(PayloadError::BuilderRequests.into());
    }
    let mut out = Requests::default();
    let mut push = |ty: u8, data: Vec<u8>| {
        if !data.is_empty() {
            out.push_request_with_type(ty, data);
        }
    };
    push(0, ssz::Encode::as_ssz_bytes(&r.deposits));
    push(1, ssz::Encode::as_ssz_bytes(&r.withdrawals));
    push(2, ssz::Encode::as_ssz_bytes(&r.consolidations));
    Ok(out)
}

/// Builds the `NewPayloadRequest` of a block (the CL's view of it).
pub fn block_to_new_payload(
    block: &Block<TxEnvelope>,
    requests: &Requests,
) -> Result<NewPayloadRequest, StatelessError> {
    let h = &block.header;
    let base_fee = h.base_fee_per_gas.ok_or(PayloadError::MissingBaseFee)?;
    let execution_payload = ExecutionPayload {
        parent_hash: h.parent_hash,
        fee_recipient: h.beneficiary,
        state_root: h.state_root,
        receipts_root: h.receipts_root,
        logs_bloom: h.logs_bloom,
        prev_randao: h.mix_hash,
        block_number: h.number,
        gas_limit: h.gas_limit,
        gas_used: h.gas_used,
        timestamp: h.timestamp,
        extra_data: h.extra_data.clone(),
        base_fee_per_gas: U256::from(base_fee),
        block_hash: h.hash_slow(),
        transactions: block.body.transactions.iter().map(|t| t.encoded_2718().into()).collect(),
        withdrawals: block
            .body
            .withdrawals
            .iter()
            .flat_map(|w| w.iter())
            .map(|w| Withdrawal {
                index: w.index,
                validator_index: w.validator_index,
                address: w.address,
                amount: w.amount,
            })
            .collect(),
        blob_gas_used: h.blob_gas_used.unwrap_or(0),
        excess_blob_gas: h.excess_blob_gas.unwrap_or(0),
        block_access_list: Bytes::new(),
        slot_number: h.slot_number.unwrap_or(0),
    };
    Ok(NewPayloadRequest {
        execution_payload,
        versioned_hashes: block
            .body
            .transactions
            .iter()
            .flat_map(|t| t.blob_versioned_hashes().unwrap_or_default().to_vec())
            .collect(),
        parent_beacon_block_root: h.parent_beacon_block_root.unwrap_or_default(),
        execution_requests: requests_to_ssz(requests)?,
    })
}

/// Rebuilds the block a `NewPayloadRequest` describes under `fork`, checking its hash and
/// versioned hashes as `engine_newPayload` does.
pub fn new_payload_to_block(
    npr: &NewPayloadRequest,
    fork: Fork,
) -> Result<Block<TxEnvelope>, StatelessError> {
    let p = &npr.execution_payload;
    let mut transactions = Vec::with_capacity(p.transactions.len());
    for (i, raw) in p.transactions.iter().enumerate() {
        let mut buf = raw.as_ref();
        let tx = TxEnvelope::decode_2718(&mut buf)
            .map_err(|source| PayloadError::Transaction { index: i, source })?;
        if !buf.is_empty() {
            return Err(PayloadError::TransactionTrailingBytes { index: i }.into());
        }
        if crate::block::network_form_blob_tx(std::slice::from_ref(&tx)).is_some() {
            return Err(PayloadError::BlobSidecar { index: i }.into());
        }
        transactions.push(tx);
    }
    let withdrawals: Vec<AlloyWithdrawal> = p
        .withdrawals
        .iter()
        .map(|w| AlloyWithdrawal {
            index: w.index,
            validator_index: w.validator_index,
            address: w.address,
            amount: w.amount,
        })
        .collect();
    if !p.block_access_list.is_empty() {
        return Err(PayloadError::BlockAccessList.into());
    }
    if p.slot_number != 0 {
        return Err(PayloadError::SlotNumber(p.slot_number).into());
    }
    let base_fee: u64 = p
        .base_fee_per_gas
        .try_into()
        .map_err(|_| PayloadError::BaseFeeTooLarge(p.base_fee_per_gas))?;
    let cancun = fork >= Fork::Cancun;
    if !cancun && (p.blob_gas_used != 0 || p.excess_blob_gas != 0) {
        return Err(PayloadError::BlobGasBeforeCancun.into());
    }
    if !cancun && !npr.parent_beacon_block_root.is_zero() {
        return Err(
            PayloadError::ParentBeaconBlockRootBeforeCancun(npr.parent_beacon_block_root).into()
        );
    }
    let requests = requests_from_ssz(&npr.execution_requests)?;
    let requests_hash = if fork >= Fork::Prague {
        Some(requests.requests_hash())
    } else {
        if !requests.is_empty() {
            return Err(PayloadError::RequestsBeforePrague.into());
        }
        None
    };
    let header = Header {
        parent_hash: p.parent_hash,
        ommers_hash: EMPTY_OMMER_ROOT_HASH,
        beneficiary: p.fee_recipient,
        state_root: p.state_root,
        transactions_root: calculate_transaction_root(&transactions),
        receipts_root: p.receipts_root,
        logs_bloom: p.logs_bloom,
        difficulty: U256::ZERO,
        number: p.block_number,
        gas_limit: p.gas_limit,
        gas_used: p.gas_used,
        timestamp: p.timestamp,
        extra_data: p.extra_data.clone(),
        mix_hash: p.prev_randao,
        nonce: Default::default(),
        base_fee_per_gas: Some(base_fee),
        withdrawals_root: Some(calculate_withdrawals_root(&withdrawals)),
        blob_gas_used: cancun.then_some(p.blob_gas_used),
        excess_blob_gas: cancun.then_some(p.excess_blob_gas),
        parent_beacon_block_root: cancun.then_some(npr.parent_beacon_block_root),
        requests_hash,
        block_access_list_hash: None,
        slot_number: None,
    };
    let hash = header.hash_slow();
    if hash != p.block_hash {
        return Err(PayloadError::BlockHash { declared: p.block_hash, computed: hash }.into());
    }
    let blob_hashes: Vec<B256> = transactions
        .iter()
        .flat_map(|t| t.blob_versioned_hashes().unwrap_or_default().to_vec())
        .collect();
    if blob_hashes != npr.versioned_hashes {
        return Err(PayloadError::VersionedHashes.into());
    }
    Ok(Block {
        header,
        body: BlockBody {
            transactions,
            ommers: vec![],
            withdrawals: Some(Withdrawals::new(withdrawals)),
        },
    })
}

/// Assembles an [`ExecutionWitness`] from what a recording run read. `ancestor` returns
/// the header with a given number on the block's chain (the parent and below). Headers
/// are listed in ascending order with the parent last, as execution-specs (tests-zkevm
/// v0.8) and EIP-8025 require.
pub fn build_witness(
    recorded: Recorded,
    parent: &Header,
    ancestor: impl Fn(u64) -> Option<Header>,
) -> Result<ExecutionWitness, StatelessError> {
    let lowest = recorded.ancestors.first().copied().unwrap_or(parent.number).min(parent.number);
    let mut headers = Vec::with_capacity((parent.number - lowest) as usize + 1);
    for n in lowest..parent.number {
        let h = ancestor(n).ok_or(WitnessError::MissingHeader(n))?;
        headers.push(alloy_rlp::encode(&h).into());
    }
    headers.push(alloy_rlp::encode(parent).into());
    Ok(ExecutionWitness {
        state: recorded.nodes.into_values().collect(),
        codes: recorded.codes.into_values().collect(),
        headers,
    })
}

/// Decodes the witness headers, checks they form one chain ending at `parent_hash`, listed
/// in ascending order with the parent last, and returns the parent header and the witness
/// as a state source.
pub fn open_witness(
    witness: &ExecutionWitness,
    parent_hash: B256,
) -> Result<(Header, WitnessSource), StatelessError> {
    let (parent, chain) = open_witness_headers(witness, parent_hash)?;
    Ok((parent, index_witness(witness, chain)))
}

/// The checked ancestor chain of a witness ([`open_witness_headers`]): the hash of every
/// ancestor header by number, the parent's included (what BLOCKHASH reads).
#[derive(Debug)]
pub struct WitnessChain {
    block_hashes: HashMap<u64, B256>,
}

/// The header part of [`open_witness`]: decodes the witness headers, checks they form one
/// chain ending at `parent_hash` (ascending, parent last), and returns the parent header
/// and the chain. Hashes only the headers, not the nodes and codes.
pub fn open_witness_headers(
    witness: &ExecutionWitness,
    parent_hash: B256,
) -> Result<(Header, WitnessChain), StatelessError> {
    let mut by_hash = HashMap::with_capacity(witness.headers.len());
    let mut numbers = Vec::with_capacity(witness.headers.len());
    for (i, raw) in witness.headers.iter().enumerate() {
        let mut buf = raw.as_ref();
        let h: Header = alloy_rlp::Decodable::decode(&mut buf)
            .map_err(|source| WitnessError::Header { index: i, source })?;
        if !buf.is_empty() {
            return Err(WitnessError::HeaderTrailingBytes { index: i }.into());
        }
        numbers.push(h.number);
        if by_hash.insert(keccak256(raw), h).is_some() {
            return Err(WitnessError::DuplicateHeader { index: i }.into());
        }
    }
    let parent =
        by_hash.get(&parent_hash).cloned().ok_or(WitnessError::MissingParent(parent_hash))?;
    let mut block_hashes = HashMap::with_capacity(by_hash.len());
    let (mut hash, mut cursor) = (parent_hash, Some(parent.clone()));
    while let Some(h) = cursor {
        block_hashes.insert(h.number, hash);
        hash = h.parent_hash;
        cursor = match by_hash.get(&hash) {
            Some(p) if Some(p.number) == h.number.checked_sub(1) => Some(p.clone()),
            Some(_) => return Err(WitnessError::NonConsecutiveNumber(hash).into()),
            None => None,
        };
    }
    if block_hashes.len() != by_hash.len() {
        return Err(WitnessError::Unchained.into());
    }
    // One chain ending at the parent: it must also be listed oldest first, parent last.
    let oldest = parent.number + 1 - numbers.len() as u64;
    for (index, (&number, expected)) in numbers.iter().zip(oldest..).enumerate() {
        if number != expected {
            return Err(WitnessError::HeaderOrder { index, number, expected }.into());
        }
    }
    Ok((parent, WitnessChain { block_hashes }))
}

/// Fewest witness bytes (nodes and codes) for which [`index_witness`] hashes about half of
/// them on a second thread: 64 KiB is about 500 keccak blocks, a few hundred microseconds,
/// against a few microseconds to hand work to a helper thread (tens when one was started
/// per call).
pub const TWO_THREAD_MIN_WITNESS_BYTES: usize = 64 * 1024;

/// The state part of [`open_witness`]: indexes the witness nodes and codes by their keccak
/// hash, next to the ancestor hashes of `chain`. A witness of at least
/// [`TWO_THREAD_MIN_WITNESS_BYTES`] is hashed by two threads on a machine with more than
/// one core when a helper thread is free (the same index; one thread if none is free or
/// it does not start in time).
pub fn index_witness(witness: &ExecutionWitness, chain: WitnessChain) -> WitnessSource {
    let mut src = WitnessSource { block_hashes: chain.block_hashes, ..Default::default() };
    src.nodes = B256Map::with_capacity_and_hasher(witness.state.len(), Default::default());
    src.codes = B256Map::with_capacity_and_hasher(witness.codes.len(), Default::default());
    let items: Vec<&Bytes> = witness.state.iter().chain(&witness.codes).collect();
    let total: usize = items.iter().map(|b| b.len()).sum();
    if total < TWO_THREAD_MIN_WITNESS_BYTES || !crate::mpt::has_second_core() {
        src.nodes.extend(witness.state.iter().map(|n| (keccak256(n), n.clone())));
        src.codes.extend(witness.codes.iter().map(|c| (keccak256(c), c.clone())));
        return src;
    }
    // The first part holds about half the bytes (codes can be far larger than nodes).
    let mut seen = 0;
    let split = items
        .iter()
        .position(|b| {
            seen += b.len();
            seen >= total / 2
        })
        .map_or(items.len(), |i| i + 1);
    let (first, second) = items.split_at(split);
    let hash = |part: &[&Bytes]| part.iter().map(keccak256).collect::<Vec<B256>>();
    let (mut hashes, rest) = crate::mpt::join_on_two_threads(|| hash(first), || hash(second));
    hashes.extend(rest);
    let (node_hashes, code_hashes) = hashes.split_at(witness.state.len());
    src.nodes.extend(node_hashes.iter().copied().zip(witness.state.iter().cloned()));
    src.codes.extend(code_hashes.iter().copied().zip(witness.codes.iter().cloned()));
    src
}

/// Validates the block of `input` statelessly under `schedule` (fork rules by the
/// payload's timestamp) and the input's `chain_id`: rebuilds the block from the payload,
/// runs every check that needs neither state nor signatures, then checks the public keys
/// while it indexes the witness and executes. Any failure is an error naming the reason;
/// success returns the validation result.
pub fn verify_stateless_new_payload(
    input: &StatelessInput,
    schedule: &ForkSchedule,
) -> Result<StatelessValidationResult, StatelessError> {
    input.check_limits()?;
    let npr = &input.new_payload_request;
    let payload = &npr.execution_payload;
    // Every transaction uses at least MIN_TRANSACTION_GAS, so a block with more than its
    // gas limit admits is invalid whatever its signatures: refused before decoding them.
    if input.transaction_floor_gas() > payload.gas_limit {
        return Err(PayloadError::TooManyTransactions {
            transactions: payload.transactions.len(),
            gas_limit: payload.gas_limit,
        }
        .into());
    }
    let fork = schedule.fork_at(payload.timestamp);
    let block = new_payload_to_block(npr, fork)?;
    // The checks that need no state and no signature (ancestor headers, header against
    // parent, body against header) come before any key is recovered: an input failing them
    // costs no signature work.
    let (parent, chain) = open_witness_headers(&input.witness, block.header.parent_hash)?;
    // new_payload_to_block computed the header's root from these transactions.
    check_header_and_body(&block, &parent, schedule, TxRoot::FromBody)?;
    // The keys are checked while the block executes with the senders they claim (and the
    // result root is computed); a key failure is reported first, as if checked before.
    // Senders checked against the keys are not recovered again.
    let (executed, root) = check_public_keys_alongside(
        &block.body.transactions,
        &input.public_keys,
        || npr.root(RootFlavor::Execution),
        |senders| -> Result<(), StatelessError> {
            let source = index_witness(&input.witness, chain);
            execute_validated(
                &block,
                &parent,
                schedule,
                input.chain_id,
                &source,
                &NrEvmFactory::default(),
                Some(senders),
            )?;
            Ok(())
        },
    )?;
    executed?;
    Ok(StatelessValidationResult::new(root, true, input.chain_id))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A witness large enough to be hashed on two threads indexes every node and code under
    /// its own keccak hash, split wherever the byte halves fall (here inside the codes).
    #[test]
    fn two_thread_witness_index_matches_one_thread() {
        let item = |i: usize, len: usize| Bytes::from(vec![(i % 251) as u8; len]);
        let witness = ExecutionWitness {
            state: (0..100).map(|i| item(i, 300 + i)).collect(),
            codes: (0..3).map(|i| item(i + 7, 20_000 + i)).collect(),
            headers: vec![],
        };
        let bytes: usize = witness.state.iter().chain(&witness.codes).map(|b| b.len()).sum();
        assert!(bytes >= TWO_THREAD_MIN_WITNESS_BYTES);
        let src = index_witness(&witness, WitnessChain { block_hashes: HashMap::new() });
        assert_eq!((src.nodes.len(), src.codes.len()), (100, 3));
        for n in &witness.state {
            assert_eq!(src.node(&keccak256(n)).as_ref(), Some(n));
        }
        for c in &witness.codes {
            assert_eq!(src.code(&keccak256(c)).as_ref(), Some(c));
        }
    }

    /// A request contract may return any number of bytes (EIP-7685 treats them as opaque);
    /// the typed lists of a `StatelessInput` hold whole requests only.
    #[test]
    fn irregular_request_length_is_unrepresentable() {
        let mut irregular = Requests::default();
        irregular.push_request_with_type(1, vec![0u8; 40]);
        match requests_to_ssz(&irregular) {
            Err(StatelessError::Payload(PayloadError::RequestLength {
                ty: 1,
                len: 40,
                item_size: WITHDRAWAL_REQUEST_BYTES,
            })) => {}
            other => panic!("expected RequestLength, got {other:?}"),
        }
        let mut whole = Requests::default();
        whole.push_request_with_type(1, vec![7u8; 2 * WITHDRAWAL_REQUEST_BYTES]);
        whole.push_request_with_type(2, vec![9u8; CONSOLIDATION_REQUEST_BYTES]);
        let typed = requests_to_ssz(&whole).expect("whole requests convert");
        assert_eq!((typed.withdrawals.len(), typed.consolidations.len()), (2, 1));
        assert_eq!(requests_from_ssz(&typed).expect("and back"), whole);
    }
}
