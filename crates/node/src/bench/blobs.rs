//! The L1 cost of the optimistic mode with block data in blobs (`nr bench --optimistic
//! --blobs`): an in-process dev L1 with `OptimisticRollup`, L2 blocks of a workload
//! generated until their records fill up to [`MAX_BLOBS`] blobs, proposed with one
//! `proposeBlobs` type-3 transaction, then one block challenged, proven from its blob
//! (`proveBlobData`), defended and every block finalized; the blob bytes per transaction
//! of our record encoding next to none, zstd and brotli.

use super::{
    BenchError,
    block::fill_and_produce,
    optimistic::{OptimisticSetup, WINDOW, setup},
    settle::SettlementL1,
    workload::{L2_ID, Workload},
};
use crate::l1::DEFAULT_L1_CHAIN_ID;
use alloy_consensus::{SignableTransaction, TxEip4844, TxEip4844Variant, TxEnvelope};
use alloy_eips::{eip7685::Requests, eip7840::BlobParams};
use alloy_primitives::{B256, Bytes, TxKind, U256};
use alloy_signer::SignerSync;
use alloy_signer_local::PrivateKeySigner;
use alloy_sol_types::SolCall;
use nr_chain::{BlockOptions, BlockSelection, Chain, Eip1559Builder};
use nr_contracts::{OptimisticRollup, claims, optimistic::BlobVerifier};
use nr_rollup::{
    blob_da::{self, PAYLOAD_BYTES_PER_BLOB, RecordBlock, blobs},
    optimistic::posted::posted_block,
};
use nr_stateless::memory::MemoryChain;
use serde::Serialize;

/// Bonds of the benchmark's rollup.
const BOND: u64 = 1_000_000_000;
/// Most blobs one proposal carries (EIP-7594's per-transaction limit).
pub const MAX_BLOBS: usize = 6;
/// Most L2 blocks generated for one proposal (`OptimisticRollup.MAX_BATCH_BLOCKS`).
const MAX_BLOCKS: usize = 1024;
/// Gas limit of the bench's L1 transactions (EIP-7825's cap).
const TX_GAS: u64 = 1 << 24;
/// Gas limit of `defend` and `finalize` (Prague L1: no per-transaction cap; a defence of
/// a large block needs its L2 gas in L1 gas).
const DEFEND_GAS: u64 = 900_000_000;

/// One proposal of blob data and one dispute over one of its blocks.
#[derive(Debug, Clone, Serialize)]
pub struct BlobRow {
    /// The workload.
    pub workload: Workload,
    /// L2 block size asked for, in Mgas.
    pub target_mgas: u64,
    /// L2 blocks in the proposal.
    pub blocks: usize,
    /// L2 transactions in the proposal.
    pub txs: usize,
    /// Blobs the proposal carried.
    pub blobs: usize,
    /// Payload bytes (our records) over the blobs' payload capacity.
    pub fill: f64,
    /// Blob bytes per L2 transaction, 32/31 packing included: records stored (no
    /// compression).
    pub bytes_per_tx_none: f64,
    /// Same, each record body compressed with zstd (level 19; not decodable on L1).
    pub bytes_per_tx_zstd: f64,
    /// Same, each record body compressed with brotli (quality 11; not decodable on L1).
    pub bytes_per_tx_brotli: f64,
    /// Same, our records (LZ, decoded by the contract): what is posted.
    pub bytes_per_tx: f64,
    /// L1 gas of `proposeBlobs`.
    pub propose_gas: u64,
    /// `proposeBlobs` gas per L2 transaction.
    pub propose_gas_per_tx: f64,
    /// L1 gas of `finalize` of every block of the proposal.
    pub finalize_gas: u64,
    /// (proposeBlobs + finalize) per L2 transaction.
    pub l1_gas_per_tx: f64,
    /// Blob base fee of the proposal's L1 block (wei per blob gas).
    pub blob_base_fee: u128,
    /// Blob fee per L2 transaction (wei): blob gas of the proposal × blob base fee / txs.
    pub blob_fee_per_tx: f64,
    /// L1 gas of `proveBlobData` for the first block (one blob).
    pub prove_gas: u64,
    /// L1 gas of `defend` of that block (EXECUTE included).
    pub defend_gas: u64,
}

/// The deployer's next nonce on `chain`.
fn nonce(chain: &Chain, key: &PrivateKeySigner) -> Result<u64, BenchError> {
    Ok(chain.account(&chain.head(), key.address())?.map_or(0, |a| a.nonce))
}

/// Mines `tx` alone in the next L1 block (past the pool: a blob transaction in its
/// canonical form, or one over the pool's size limit); its gas, or `AdvanceReverted`.
fn mine(chain: &Chain, tx: TxEnvelope) -> Result<u64, BenchError> {
    let hash = *tx.tx_hash();
    let opts = BlockOptions {
        timestamp: chain.head().timestamp + 12,
        parent_beacon_block_root: None,
        fee_recipient: None,
    };
    let p = chain
        .produce_block_selected(&opts, &BlockSelection { first: vec![tx], exclude: vec![] })?;
    if p.block.body.transactions.is_empty() {
        return Err(BenchError::L1TxNotIncluded(p.skipped));
    }
    let r = chain.receipt(&hash)?.ok_or(BenchError::NoReceipt(hash))?;
    if !r.receipt.status() {
        return Err(BenchError::AdvanceReverted);
    }
    Ok(r.gas_used)
}

fn call(
    l1: &SettlementL1,
    key: &PrivateKeySigner,
    input: Vec<u8>,
    value: U256,
    gas: u64,
) -> Result<u64, BenchError> {
    let tx =
        Eip1559Builder::new(DEFAULT_L1_CHAIN_ID, nonce(&l1.chain, key)?, TxKind::Call(l1.rollup))
            .input(input)
            .value(value)
            .gas_limit(gas)
            .fees(100_000_000_000, 1)
            .sign(key)?;
    mine(&l1.chain, tx)
}

/// Blob bytes (32/31 packing) of records whose bodies `compress` turns into their content.
fn packed_per_tx(bodies: &[Vec<u8>], txs: usize, compress: impl Fn(&[u8]) -> usize) -> f64 {
    let payload: usize = bodies.iter().map(|b| blob_da::record::RECORD_HEADER + compress(b)).sum();
    payload as f64 * 32.0 / 31.0 / txs.max(1) as f64
}

/// Generates blocks of about `mgas` million gas of `workload` until their records fill
/// [`MAX_BLOBS`] blobs (or 1,024 blocks, the most one batch holds), proposes
/// them in blobs and measures.
pub fn measure_blobs(workload: Workload, mgas: u64) -> Result<BlobRow, BenchError> {
    let OptimisticSetup { l2, _l2_dir, mut l1, deployer, txs: mut generator } = setup(workload)?;
    let (mut posted, mut produced, mut payload) = (vec![], vec![], 0usize);
    while posted.len() < MAX_BLOCKS {
        let anchor = l1.mine_empty()?;
        let p = fill_and_produce(
            &l2,
            &mut generator,
            mgas,
            &BlockOptions {
                timestamp: anchor.timestamp,
                parent_beacon_block_root: Some(anchor.hash_slow()),
                fee_recipient: None,
            },
        )?;
        let b = posted_block(&p.block, anchor.number);
        let len = RecordBlock::from_posted(&b)?.encode()?.len();
        if payload + len > MAX_BLOBS * PAYLOAD_BYTES_PER_BLOB && !posted.is_empty() {
            break;
        }
        payload += len;
        posted.push(b);
        produced.push(p);
    }
    let txs: usize = posted.iter().map(|b| b.transactions.len()).sum();
    let batch = blob_da::encode_batch(&posted)?;
    let hashes: Vec<B256> = batch
        .blobs
        .iter()
        .map(|b| Ok(blobs::versioned_hash(&blobs::commitment(b)?)))
        .collect::<Result<_, BenchError>>()?;

    let blob_blocks = batch.blob_blocks(&posted);
    // The claims the contract computes: each block's parent is the previous one's hash.
    let mut parent = produced[0].block.header.parent_hash;
    let mut leaves = Vec::with_capacity(posted.len());
    let mut first_claim = None;
    for b in &blob_blocks {
        let anchor = b.anchorBlock.to::<u64>();
        let claim = OptimisticRollup::Claim {
            parentHash: parent,
            dataHash: b.dataHash,
            blockHash: b.blockHash,
            stateRoot: b.stateRoot,
            anchorHash: l1
                .chain
                .hash_by_number(anchor)?
                .ok_or(BenchError::MissingL1Block(anchor))?,
            anchorBlock: anchor,
            timestamp: b.timestamp,
            forcedFrom: 0,
            forcedTo: 0,
            due: 0,
        };
        parent = b.blockHash;
        leaves.push(claims::leaf(&claim));
        first_claim.get_or_insert(claim);
    }
    let binding = claims::blob_binding(&batch.ends, &hashes);
    let tx = TxEip4844Variant::TxEip4844(TxEip4844 {
        chain_id: DEFAULT_L1_CHAIN_ID,
        nonce: nonce(&l1.chain, &deployer)?,
        gas_limit: TX_GAS,
        max_fee_per_gas: 100_000_000_000,
        max_priority_fee_per_gas: 1,
        to: l1.rollup,
        value: U256::from(BOND),
        access_list: Default::default(),
        blob_versioned_hashes: hashes.clone(),
        max_fee_per_blob_gas: 1_000_000_000,
        input: OptimisticRollup::proposeBlobsCall {
            blocks: blob_blocks,
            parent: produced[0].block.header.parent_hash,
            forcedFrom: 0,
        }
        .abi_encode()
        .into(),
    });
    let sig = deployer.sign_hash_sync(&tx.signature_hash())?;
    let propose_gas = mine(&l1.chain, TxEnvelope::Eip4844(tx.into_signed(sig)))?;
    let head = l1.chain.head();
    let blob_base_fee =
        BlobParams::prague().calc_blob_fee(head.excess_blob_gas.unwrap_or_default());
    let blob_gas = head.blob_gas_used.unwrap_or_default();

    // One dispute: block 1 challenged, its record proven from its blob(s), defended.
    let key = &deployer;
    call(
        &l1,
        key,
        OptimisticRollup::challengeCall { n: 1, batch: 1 }.abi_encode(),
        U256::from(BOND),
        TX_GAS,
    )?;
    let (_, openings) = batch.openings(0)?;
    let claim = first_claim.unwrap_or_default();
    let proof = claims::blob_proof(&leaves, 0, binding)?;
    let prove = OptimisticRollup::proveBlobDataCall {
        n: 1,
        batch: 1,
        claim: claim.clone(),
        proof: proof.clone(),
        ends: batch.ends.clone(),
        versionedHashes: hashes,
        openings: openings
            .iter()
            .map(|o| BlobVerifier::BlobOpening {
                blob: Bytes::copy_from_slice(o.blob.as_slice()),
                commitment: Bytes::copy_from_slice(o.commitment.as_slice()),
                proof: Bytes::copy_from_slice(o.proof.as_slice()),
            })
            .collect(),
    };
    let prove_gas = call(&l1, key, prove.abi_encode(), U256::ZERO, TX_GAS)?;
    let witness = l2.witness(&produced[0].hash)?;
    let input =
        MemoryChain::stateless_input(&produced[0].block, witness, &Requests::default(), L2_ID)?
            .to_wire();
    let defend = OptimisticRollup::defendCall {
        n: 1,
        batch: 1,
        claim,
        proof,
        posted: posted[0].clone(),
        input: input.into(),
        delivery: Default::default(),
    };
    let defend_gas = call(&l1, key, defend.abi_encode(), U256::ZERO, DEFEND_GAS)?;
    for _ in 0..WINDOW / 12 + 1 {
        l1.mine_empty()?;
    }
    let up_to = posted.len() as u64;
    let finalize_gas = call(
        &l1,
        key,
        OptimisticRollup::finalizeCall { upTo: up_to }.abi_encode(),
        U256::ZERO,
        DEFEND_GAS,
    )?;

    let bodies: Vec<Vec<u8>> =
        posted.iter().map(|b| RecordBlock::from_posted(b)?.body()).collect::<Result<_, _>>()?;
    let zstd_len = |b: &[u8]| zstd::encode_all(b, 19).map_or(b.len(), |c| c.len());
    let brotli_len = |b: &[u8]| {
        let mut out = Vec::new();
        let params = brotli::enc::BrotliEncoderParams { quality: 11, ..Default::default() };
        match brotli::BrotliCompress(&mut &b[..], &mut out, &params) {
            Ok(_) => out.len(),
            Err(_) => b.len(),
        }
    };
    let n = txs.max(1) as f64;
    Ok(BlobRow {
        workload,
        target_mgas: mgas,
        blocks: posted.len(),
        txs,
        blobs: batch.blobs.len(),
        fill: batch.payload.len() as f64 / (batch.blobs.len() * PAYLOAD_BYTES_PER_BLOB) as f64,
        bytes_per_tx_none: packed_per_tx(&bodies, txs, |b| b.len()),
        bytes_per_tx_zstd: packed_per_tx(&bodies, txs, zstd_len),
        bytes_per_tx_brotli: packed_per_tx(&bodies, txs, brotli_len),
        bytes_per_tx: batch.payload.len() as f64 * 32.0 / 31.0 / n,
        propose_gas,
        propose_gas_per_tx: propose_gas as f64 / n,
        finalize_gas,
        l1_gas_per_tx: (propose_gas + finalize_gas) as f64 / n,
        blob_base_fee,
        blob_fee_per_tx: blob_gas as f64 * blob_base_fee as f64 / n,
        prove_gas,
        defend_gas,
    })
}
