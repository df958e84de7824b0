//! OptimisticRollup with block data in blobs (`proposeBlobs`): type-3 proposals mined in
//! real L1 blocks, `proveBlobData` (the point-evaluation precompile at a challenge point
//! derived from the blob, `y` evaluated on chain, the record decoded) before `defend`,
//! and a proposer whose blob does not hold its claimed block dropped and slashed.

mod common;

use alloy_consensus::{SignableTransaction, TxEip4844, TxEip4844Variant, TxEnvelope};
use alloy_primitives::{Address, B256, Bytes, FixedBytes, TxKind, U256};
use alloy_signer::SignerSync;
use alloy_signer_local::PrivateKeySigner;
use alloy_sol_types::{SolCall, SolError};
use common::{batches::Proposed, optimistic::*, *};
use nr_chain::{BlockOptions, BlockSelection, CallOutcome, Eip1559Builder};
use nr_contracts::{OptimisticRollup as Opt, claims, optimistic::BlobVerifier};
use nr_rollup::blob_da::{self, BlobBatch, BlobOpening, blobs};

/// The per-transaction gas cap of Osaka (EIP-7825).
const TX_GAS_CAP: u64 = 1 << 24;
/// Blob gas of one blob.
const GAS_PER_BLOB: u64 = 131_072;

fn nonce_of(env: &Env, k: &PrivateKeySigner) -> u64 {
    env.l1.account(&env.l1.head(), k.address()).unwrap().map_or(0, |a| a.nonce)
}

/// Mines `tx` alone in the next L1 block, past the pool (a blob transaction in canonical
/// form, or a transaction over the pool's size limit).
fn mine_selected(env: &Env, tx: TxEnvelope) -> Sent {
    let hash = *tx.tx_hash();
    let opts = BlockOptions {
        timestamp: env.l1_next_time(),
        parent_beacon_block_root: None,
        fee_recipient: None,
    };
    let selection = BlockSelection { first: vec![tx], exclude: vec![] };
    let p = env.l1.produce_block_selected(&opts, &selection).unwrap();
    assert_eq!(p.block.body.transactions.len(), 1, "skipped: {:?}", p.skipped);
    Sent { receipt: env.l1.receipt(&hash).unwrap().unwrap() }
}

/// `proposeBlobs(blocks)` as a type-3 transaction carrying blobs of `hashes`.
fn propose_blobs_tx(
    env: &Env,
    from: &PrivateKeySigner,
    blocks: Vec<Opt::BlobBlock>,
    hashes: Vec<B256>,
) -> TxEnvelope {
    let tx = TxEip4844Variant::TxEip4844(TxEip4844 {
        chain_id: L1_ID,
        nonce: nonce_of(env, from),
        gas_limit: 10_000_000,
        max_fee_per_gas: 100_000_000_000,
        max_priority_fee_per_gas: 1_000_000_000,
        to: env.rollup,
        value: proposer_bond(),
        access_list: Default::default(),
        blob_versioned_hashes: hashes,
        max_fee_per_blob_gas: 1_000_000_000,
        input: env.propose_blobs_call(blocks).abi_encode().into(),
    });
    let sig = from.sign_hash_sync(&tx.signature_hash()).unwrap();
    TxEnvelope::Eip4844(tx.into_signed(sig))
}

/// A call to the rollup mined past the pool, with `gas`.
fn call_selected<C: SolCall>(env: &Env, from: &PrivateKeySigner, call: &C, gas: u64) -> Sent {
    let tx = Eip1559Builder::new(L1_ID, nonce_of(env, from), TxKind::Call(env.rollup))
        .input(call.abi_encode())
        .gas_limit(gas)
        .fees(100_000_000_000, 1_000_000_000)
        .sign(from)
        .unwrap();
    mine_selected(env, tx)
}

/// Simulates `call` on the next L1 block and returns the error `E` it reverts with.
fn expect_revert<C: SolCall, E: SolError>(env: &Env, call: &C) -> E {
    match env.l1_simulate(env.alice.address(), env.rollup, call, U256::ZERO) {
        CallOutcome::Revert { output, .. } => E::abi_decode(&output).unwrap_or_else(|_| {
            panic!("expected {}, got 0x{}", E::SIGNATURE, alloy_primitives::hex::encode(&output))
        }),
        other => panic!("expected revert {}, got {other:?}", E::SIGNATURE),
    }
}

fn versioned_hashes(batch: &BlobBatch) -> Vec<B256> {
    batch.blobs.iter().map(|b| blobs::versioned_hash(&blobs::commitment(b).unwrap())).collect()
}

/// The claims the rollup computes for `claimed` (blob blocks) on the pending tip, and the
/// blob binding of `ends` and `hashes`.
fn blob_claims(
    env: &Env,
    claimed: &[Opt::BlobBlock],
    ends: &[u32],
    hashes: &[B256],
) -> (Vec<Opt::Claim>, B256) {
    let fields: Vec<_> = claimed
        .iter()
        .map(|b| {
            let a = b.anchorBlock.to::<u64>();
            (b.timestamp, a, b.dataHash, b.blockHash, b.stateRoot, b.forcedCount)
        })
        .collect();
    (env.claims_on_tip(&fields), claims::blob_binding(ends, hashes))
}

/// Mines the blob proposal `tx` of `claimed` blocks (blobs of `hashes`, record `ends`) and
/// returns the batch (its root checked against the claims rebuilt here).
fn mine_blob_proposal(
    env: &Env,
    tx: TxEnvelope,
    claimed: &[Opt::BlobBlock],
    hashes: &[B256],
) -> Proposed {
    let ends: Vec<u32> = claimed.iter().map(|b| b.end).collect();
    let (claims, binding) = blob_claims(env, claimed, &ends, hashes);
    let s = mine_selected(env, tx);
    assert!(s.ok(), "proposeBlobs must succeed");
    env.proposed(s, claims, Some(binding))
}

/// Proposes `blocks` with the blobs of `batch` (the proposer's choice: honest or not),
/// each block claiming `blocks[i]`'s dataHash and claims; returns the batch and the
/// versioned hashes.
fn propose_blobs(env: &Env, blocks: &[Opt::Block], batch: &BlobBatch) -> (Proposed, Vec<B256>) {
    let hashes = versioned_hashes(batch);
    let claimed = batch.blob_blocks(blocks);
    let tx = propose_blobs_tx(env, &env.sequencer, claimed.clone(), hashes.clone());
    let p = mine_blob_proposal(env, tx, &claimed, &hashes);
    let header = env.l1.head();
    assert_eq!(
        header.blob_gas_used,
        Some(GAS_PER_BLOB * batch.blobs.len() as u64),
        "the L1 block carries the proposal's blob gas"
    );
    (p, hashes)
}

fn opening_abi(o: &BlobOpening) -> BlobVerifier::BlobOpening {
    BlobVerifier::BlobOpening {
        blob: Bytes::copy_from_slice(o.blob.as_slice()),
        commitment: Bytes::copy_from_slice(o.commitment.as_slice()),
        proof: Bytes::copy_from_slice(o.proof.as_slice()),
    }
}

/// The honest `proveBlobData` of block `n` of blob batch `p` (blobs `batch`).
fn prove_call(p: &Proposed, n: u64, batch: &BlobBatch, hashes: &[B256]) -> Opt::proveBlobDataCall {
    let (_, openings) = batch.openings((n - p.first) as usize).unwrap();
    Opt::proveBlobDataCall {
        n,
        batch: p.id,
        claim: p.claim(n),
        proof: p.proof(n),
        ends: batch.ends.clone(),
        versionedHashes: hashes.to_vec(),
        openings: openings.iter().map(opening_abi).collect(),
    }
}

/// Two L2 blocks of plain transfers to fresh addresses.
fn two_blocks(env: &Env) -> Vec<Opt::Block> {
    let mut out = Vec::new();
    for (k, count) in [5u8, 3].into_iter().enumerate() {
        for i in 0..count {
            let to = Address::repeat_byte(0x40 + i + 16 * k as u8);
            env.l2_transfer(&env.alice, to, U256::from(1000 + i as u64));
        }
        let p = env.l2_block();
        out.push(env.posted(p.hash));
    }
    env.l1_mine();
    out
}

#[test]
fn blob_batch_honest_challenged_proven_and_defended() {
    let env = optimistic_env();
    let blocks = two_blocks(&env);
    let batch = blob_da::encode_batch(&blocks).unwrap();
    let (proposed, hashes) = propose_blobs(&env, &blocks, &batch);
    println!(
        "proposeBlobs: {} blocks, {} payload bytes, {} blob(s) -> {} L1 gas",
        blocks.len(),
        batch.payload.len(),
        batch.blobs.len(),
        proposed.sent.gas()
    );
    assert_eq!(pending_number(&env), 2);
    let info: Opt::Batch = env.l1_view(env.rollup, Opt::batchInfoCall { id: proposed.id });
    assert!(info.blob, "a blob batch");
    assert_eq!(info.root, proposed.root(), "its root binds the claims and the blobs");

    challenge(&env, &env.bob, 2, proposed.id);
    let hash2 = blocks[1].blockHash;
    let defend = proposed.defend(2, &blocks[1], env.input(hash2));
    let e = expect_revert::<_, Opt::BlobDataNotProven>(&env, &defend);
    assert_eq!(e.number, 2, "no defence before the blob data is proven");

    let prove = prove_call(&proposed, 2, &batch, &hashes);
    let p = call_selected(&env, &env.deployer, &prove, TX_GAS_CAP);
    assert!(p.ok(), "proveBlobData of an honest record");
    println!("proveBlobData (1 blob): {} L1 gas", p.gas());
    // The defence must use the claim the blob proof proved.
    let mut other = defend.clone();
    other.claim = proposed.claim(1);
    assert_eq!(expect_revert::<_, Opt::WrongProof>(&env, &other).number, 2);
    let d = env.l1_call(&env.alice, env.rollup, defend, U256::ZERO);
    assert!(d.ok(), "defended after the blob proof");
    wait_past(&env, proposed.sent.receipt.header.timestamp + WINDOW - 1);
    assert!(env.l1_call(&env.bob, env.rollup, Opt::finalizeCall { upTo: 2 }, U256::ZERO).ok());
    assert_eq!(env.rollup_head(), (2, hash2));
}

#[test]
fn blob_proposer_whose_blob_does_not_hold_its_block_is_dropped() {
    let env = optimistic_env();
    let blocks = two_blocks(&env);
    // The blob holds a record for other transactions (block 1 without its last one) and,
    // for block 2, another block's record; the proposal claims the real blocks.
    let mut other = blocks.clone();
    other[0].transactions.pop();
    other[1] = blocks[0].clone();
    let lying = blob_da::encode_batch(&other).unwrap();
    let hashes = versioned_hashes(&lying);
    let claimed = lying.blob_blocks(&blocks);
    let tx = propose_blobs_tx(&env, &env.sequencer, claimed.clone(), hashes.clone());
    // The lying proposal is accepted (cheap checks only).
    let proposed = mine_blob_proposal(&env, tx, &claimed, &hashes);

    let s = challenge(&env, &env.bob, 1, proposed.id);
    let respond_by = s.receipt.header.timestamp + RESPONSE;
    for n in [1u64, 2] {
        let prove = prove_call(&proposed, n, &lying, &hashes);
        if n == 2 {
            challenge(&env, &env.bob, 2, proposed.id);
        }
        let e = expect_revert::<_, Opt::BlobDataMismatch>(&env, &prove);
        assert_eq!(e.number, n, "the blob's record is not block {n}'s data");
        assert!(!call_selected(&env, &env.deployer, &prove, TX_GAS_CAP).ok());
    }
    // The honest data and EXECUTE input do not defend it without the blob proof.
    let defend = proposed.defend(1, &blocks[0], env.input(blocks[0].blockHash));
    let e = expect_revert::<_, Opt::BlobDataNotProven>(&env, &defend);
    assert_eq!(e.number, 1);
    assert!(!env.l1_call(&env.alice, env.rollup, defend, U256::ZERO).ok());

    wait_past(&env, respond_by);
    let bob_before = env.l1_balance(env.bob.address());
    let r = env.l1_call(&env.alice, env.rollup, proposed.resolve(1), U256::ZERO);
    assert!(r.ok(), "resolve drops the undefendable block");
    assert_eq!(pending_number(&env), 0, "block 1 and its descendant dropped");
    assert_eq!(
        env.l1_balance(env.bob.address()),
        bob_before + challenger_bond() + proposer_bond() / U256::from(2),
        "the challenger takes its bond and half the proposer's"
    );
    let batch: Opt::Batch = env.l1_view(env.rollup, Opt::batchInfoCall { id: 1 });
    assert!(batch.slashed, "the proposer's bond is slashed");
}

#[test]
fn blob_proof_refuses_wrong_batch_commitment_proof_and_records() {
    let env = optimistic_env();
    let blocks = two_blocks(&env);
    let batch = blob_da::encode_batch(&blocks).unwrap();
    let (proposed, hashes) = propose_blobs(&env, &blocks, &batch);
    let honest = prove_call(&proposed, 1, &batch, &hashes);
    let e = expect_revert::<_, Opt::NoOpenChallenge>(&env, &honest);
    assert_eq!(e.number, 1, "only a challenged block needs its blob proven");
    challenge(&env, &env.bob, 1, proposed.id);

    // Wrong versioned hash, wrong ends: not the batch's binding; wrong batch id.
    let mut c = honest.clone();
    c.versionedHashes[0] = B256::repeat_byte(1);
    assert_eq!(expect_revert::<_, Opt::WrongBlobBatch>(&env, &c).number, 1);
    let mut c = honest.clone();
    c.ends[0] += 1;
    assert_eq!(expect_revert::<_, Opt::WrongBlobBatch>(&env, &c).number, 1);
    let mut c = honest.clone();
    c.ends.push(c.ends[1] + 1);
    assert_eq!(expect_revert::<_, Opt::WrongBlobBatch>(&env, &c).number, 1);
    let mut c = honest.clone();
    c.batch = 2;
    let e = expect_revert::<_, Opt::WrongBatch>(&env, &c);
    assert_eq!((e.number, e.batch), (1, 2));
    // Another block's claim, a claim with another anchor hash, a short proof.
    let mut c = honest.clone();
    c.claim = proposed.claim(2);
    assert_eq!(expect_revert::<_, Opt::WrongProof>(&env, &c).number, 1);
    let mut c = honest.clone();
    c.claim.anchorHash = B256::repeat_byte(9);
    assert_eq!(expect_revert::<_, Opt::WrongProof>(&env, &c).number, 1);
    let mut c = honest.clone();
    c.proof.remove(0);
    let e = expect_revert::<_, Opt::BadProofLength>(&env, &c);
    assert_eq!((e.length, e.expected), (U256::from(1), U256::from(2)));

    // Another blob's commitment (and its proof at this blob's point).
    let other = blob_da::pack(&[7u8; 1000]).remove(0);
    let other_commitment = blobs::commitment(&other).unwrap();
    let mut c = honest.clone();
    c.openings[0].commitment = Bytes::copy_from_slice(other_commitment.as_slice());
    assert_eq!(expect_revert::<_, Opt::BlobProofFailed>(&env, &c).index, U256::ZERO);

    // A proof of the blob's value at another point: a wrong y for the contract's z.
    let o = blob_da::opening(&batch.blobs[0]).unwrap();
    let settings = alloy_eips::eip4844::env_settings::EnvKzgSettings::Default;
    use alloy_eips::eip4844::{AsCkzg, c_kzg};
    let mut z = o.z;
    z.0[31] ^= 1;
    let (proof, _) = settings
        .get()
        .compute_kzg_proof(batch.blobs[0].as_ckzg(), &c_kzg::Bytes32::new(z.0))
        .unwrap();
    let mut c = honest.clone();
    c.openings[0].proof = Bytes::copy_from_slice(&proof.to_bytes().into_inner());
    assert_eq!(expect_revert::<_, Opt::BlobProofFailed>(&env, &c).index, U256::ZERO);
    let mut c = honest.clone();
    c.openings[0].proof = Bytes::copy_from_slice(FixedBytes::<48>::ZERO.as_slice());
    assert_eq!(expect_revert::<_, Opt::BlobProofFailed>(&env, &c).index, U256::ZERO);

    // Malformed openings and a wrong number of blobs.
    let mut c = honest.clone();
    c.openings[0].blob = Bytes::from(vec![0u8; 1000]);
    assert_eq!(expect_revert::<_, Opt::BadBlobOpening>(&env, &c).index, U256::ZERO);
    let mut c = honest.clone();
    c.openings.push(c.openings[0].clone());
    let e = expect_revert::<_, Opt::WrongBlobCount>(&env, &c);
    assert_eq!((e.count, e.needed), (U256::from(2), U256::from(1)));
    // The honest one passes.
    assert!(call_selected(&env, &env.deployer, &honest, TX_GAS_CAP).ok());
}

#[test]
fn blob_proposer_with_garbage_record_cannot_prove() {
    let env = optimistic_env();
    let blocks = two_blocks(&env);
    let honest = blob_da::encode_batch(&blocks).unwrap();
    // Same ends, but the bytes of record 1 are not a record at all.
    let mut payload = honest.payload.clone();
    let (start, end) = honest.record_range(0).unwrap();
    for (i, b) in payload[start..end].iter_mut().enumerate() {
        *b = (i as u8).wrapping_mul(37) | 0x80;
    }
    let garbage = BlobBatch { blobs: blob_da::pack(&payload), payload, ends: honest.ends.clone() };
    let (proposed, hashes) = propose_blobs(&env, &blocks, &garbage);
    challenge(&env, &env.bob, 1, proposed.id);
    let prove = prove_call(&proposed, 1, &garbage, &hashes);
    let e = expect_revert::<_, Opt::RecordUnknownEncoding>(&env, &prove);
    assert_eq!(e.encoding, 0x80);
    // Record 2 is intact and proves.
    challenge(&env, &env.bob, 2, proposed.id);
    assert!(
        call_selected(
            &env,
            &env.deployer,
            &prove_call(&proposed, 2, &garbage, &hashes),
            TX_GAS_CAP
        )
        .ok()
    );
}

#[test]
fn blob_record_spanning_two_blobs_is_proven() {
    let env = optimistic_env();
    // Two blocks each with one ~100 KB incompressible transaction: record 2 straddles
    // the boundary of blob 0 and blob 1.
    let mut seed = 0x1234_5678u32;
    let mut blocks = Vec::new();
    for _ in 0..2 {
        let data: Vec<u8> = (0..100_000)
            .map(|_| {
                seed ^= seed << 13;
                seed ^= seed >> 17;
                seed ^= seed << 5;
                seed as u8
            })
            .collect();
        env.l2_tx_raw(
            &env.alice,
            TxKind::Call(env.bob.address()),
            data.into(),
            U256::ZERO,
            5_000_000,
        );
        let p = env.l2_block();
        blocks.push(env.posted(p.hash));
    }
    env.l1_mine();
    let batch = blob_da::encode_batch(&blocks).unwrap();
    assert_eq!(batch.blobs.len(), 2);
    let (s, e) = batch.record_range(1).unwrap();
    assert!(s < blob_da::PAYLOAD_BYTES_PER_BLOB && e > blob_da::PAYLOAD_BYTES_PER_BLOB, "{s}..{e}");
    let (proposed, hashes) = propose_blobs(&env, &blocks, &batch);
    challenge(&env, &env.bob, 2, proposed.id);
    let prove = prove_call(&proposed, 2, &batch, &hashes);
    assert_eq!(prove.openings.len(), 2);
    // One blob only: the count is checked.
    let mut short = prove.clone();
    short.openings.pop();
    let err = expect_revert::<_, Opt::WrongBlobCount>(&env, &short);
    assert_eq!((err.count, err.needed), (U256::from(1), U256::from(2)));
    let p = call_selected(&env, &env.deployer, &prove, TX_GAS_CAP);
    assert!(p.ok(), "a record spanning two blobs is proven with both");
    println!("proveBlobData (2 blobs, record of {} bytes): {} L1 gas", e - s, p.gas());
    let d = proposed.defend(2, &blocks[1], env.input(blocks[1].blockHash));
    assert!(env.l1_call(&env.alice, env.rollup, d, U256::ZERO).ok(), "then defended");
}

#[test]
fn propose_blobs_refuses_missing_blobs_and_bad_ends() {
    let env = optimistic_env();
    let blocks = two_blocks(&env);
    let batch = blob_da::encode_batch(&blocks).unwrap();
    let call = env.propose_blobs_call(batch.blob_blocks(&blocks));
    match env.l1_simulate(env.sequencer.address(), env.rollup, &call, proposer_bond()) {
        CallOutcome::Revert { output, .. } => assert_eq!(&output[..4], &Opt::NoBlobs::SELECTOR[..]),
        other => panic!("expected NoBlobs, got {other:?}"),
    }
    let hashes = versioned_hashes(&batch);
    for ends in [vec![10u32, 10], vec![0, 10], vec![10, blob_da::PAYLOAD_BYTES_PER_BLOB as u32 + 1]]
    {
        let mut bb = batch.blob_blocks(&blocks);
        for (b, end) in bb.iter_mut().zip(&ends) {
            b.end = *end;
        }
        let s = mine_selected(&env, propose_blobs_tx(&env, &env.sequencer, bb, hashes.clone()));
        assert!(!s.ok(), "ends {ends:?} refused");
        assert_eq!(pending_number(&env), 0);
    }
}

/// A blob proposal whose `BlobBlock` of block 2 carries the fields `claim` gives it (the
/// ones the cheap checks and the claim's anchor hash use), while its record (and
/// claimed `dataHash`) hold `record`: both honest for block 1. Challenges block 2, proves
/// its record (which decodes to `record`'s dataHash) and returns the `defend` call with
/// `record` as posted and the real block's EXECUTE input, and the challenge's `respondBy`.
fn propose_split_claims(
    env: &Env,
    blocks: &[Opt::Block],
    record: &Opt::Block,
    claim: impl FnOnce(&mut Opt::BlobBlock),
) -> (Opt::defendCall, u64, Proposed) {
    let mut carried = blocks.to_vec();
    carried[1] = record.clone();
    let batch = blob_da::encode_batch(&carried).unwrap();
    let hashes = versioned_hashes(&batch);
    let mut claims = batch.blob_blocks(&carried);
    claims[1].anchorBlock = blocks[1].anchorBlock;
    claims[1].timestamp = blocks[1].timestamp;
    claim(&mut claims[1]);
    let tx = propose_blobs_tx(env, &env.sequencer, claims.clone(), hashes.clone());
    // The proposal passes the cheap checks.
    let proposed = mine_blob_proposal(env, tx, &claims, &hashes);
    // What a follower reads from the blob: the record's fields, not the claim's.
    let read = blob_da::decode_block(&batch.blobs, &batch.ends, 1).unwrap();
    assert_eq!(read.data_hash(), claims[1].dataHash, "the claimed dataHash is the record's");

    let s = challenge(env, &env.bob, 2, proposed.id);
    let prove = prove_call(&proposed, 2, &batch, &hashes);
    assert!(call_selected(env, &env.deployer, &prove, TX_GAS_CAP).ok(), "the record is proven");
    let defend = proposed.defend(2, record, env.input(blocks[1].blockHash));
    (defend, s.receipt.header.timestamp + RESPONSE, proposed)
}

/// `defend` of block 2 (from [`propose_split_claims`]) reverts with
/// `PostedFieldsMismatch`, also on chain; once its window passed, `resolve` drops it.
fn split_claim_is_not_defended_and_dropped(
    env: &Env,
    defend: Opt::defendCall,
    respond_by: u64,
    proposed: &Proposed,
) {
    let e = expect_revert::<_, Opt::PostedFieldsMismatch>(env, &defend);
    assert_eq!(e.number, 2);
    assert!(!env.l1_call(&env.alice, env.rollup, defend, U256::ZERO).ok());
    wait_past(env, respond_by);
    assert!(env.l1_call(&env.alice, env.rollup, proposed.resolve(2), U256::ZERO).ok());
    assert_eq!(pending_number(env), 1, "block 2 dropped");
}

/// Attack: the proposer claims block 2 anchored at L1 block A (the anchor its L2 block
/// really has, so the claim's anchor hash and the EXECUTE input agree) but its blob
/// record says anchor A - 1. The record's dataHash binds A - 1, the commitment binds
/// blockhash(A): `proveBlobData` and `defend` pass, and the block finalizes although a
/// follower deriving it from the blob (anchor A - 1, hence another parent beacon root)
/// gets another block hash. `defend` must require the record's anchor to be the
/// proposed one.
#[test]
fn blob_record_anchored_elsewhere_than_its_claim_is_not_defended() {
    let env = optimistic_env();
    let blocks = two_blocks(&env);
    let mut record = blocks[1].clone();
    record.anchorBlock -= U256::from(1);
    let (defend, respond_by, proposed) = propose_split_claims(&env, &blocks, &record, |_| {});
    split_claim_is_not_defended_and_dropped(&env, defend, respond_by, &proposed);
}

/// Attack: the proposer claims block 2 at timestamp T + 1 (what the cheap checks see and
/// the next block's bound) while its record and L2 block have timestamp T: the block's
/// real timestamp escapes the future/staleness/order checks. `defend` must require the
/// record's timestamp to be the proposed one.
#[test]
fn blob_record_timestamped_otherwise_than_its_claim_is_not_defended() {
    let env = optimistic_env();
    let blocks = two_blocks(&env);
    let record = blocks[1].clone();
    let (defend, respond_by, proposed) =
        propose_split_claims(&env, &blocks, &record, |c| c.timestamp = record.timestamp + 1);
    split_claim_is_not_defended_and_dropped(&env, defend, respond_by, &proposed);
}

/// Attack/limit: a record longer than one blob's payload spans three blobs or more when
/// not aligned, and `proveBlobData` of three blobs comes to the edge of the 2^24
/// per-transaction gas cap (four are beyond it): such a block could never be proven, so
/// never defended, and anyone could challenge a valid block and take the proposer's bond
/// while followers had taken it as valid. `proposeBlobs` must refuse it.
#[test]
fn blob_record_longer_than_a_dispute_can_prove_is_refused_at_proposal() {
    let env = optimistic_env();
    let blocks = two_blocks(&env);
    let per_blob = blob_da::PAYLOAD_BYTES_PER_BLOB;
    for (long, ok) in [(per_blob + 1, false), (3 * per_blob - 20, false), (per_blob, true)] {
        let payload = vec![0u8; 10 + long];
        let blobs = blob_da::pack(&payload);
        let hashes: Vec<B256> =
            blobs.iter().map(|b| blobs::versioned_hash(&blobs::commitment(b).unwrap())).collect();
        let mut claims = blob_da::encode_batch(&blocks).unwrap().blob_blocks(&blocks);
        claims[0].end = 10;
        claims[1].end = (10 + long) as u32;
        let call = env.propose_blobs_call(claims.clone());
        let req = nr_chain::CallRequest {
            from: Some(env.sequencer.address()),
            to: Some(env.rollup),
            input: call.abi_encode().into(),
            value: Some(proposer_bond()),
            gas: Some(10_000_000),
            blob_versioned_hashes: Some(hashes.clone()),
            ..Default::default()
        };
        let out = env.l1.call_pending(env.l1_next_time(), &req).unwrap();
        if ok {
            assert!(matches!(out, CallOutcome::Success { .. }), "a one-blob record: {out:?}");
            continue;
        }
        match out {
            CallOutcome::Revert { output, .. } => {
                let e = Opt::RecordTooLong::abi_decode(&output).unwrap_or_else(|_| {
                    panic!(
                        "expected RecordTooLong, got 0x{}",
                        alloy_primitives::hex::encode(&output)
                    )
                });
                assert_eq!((e.index, e.length), (U256::from(1), U256::from(long)));
            }
            other => panic!(
                "a record of {long} bytes over {} blobs must be refused, got {other:?}",
                blobs.len()
            ),
        }
        let s = mine_selected(&env, propose_blobs_tx(&env, &env.sequencer, claims, hashes));
        assert!(!s.ok(), "refused on chain too");
        assert_eq!(pending_number(&env), 0);
    }
}

/// Rule 5 with blob data: a `BlobBlock` carries `forcedCount` (the record does not), the
/// claims get the forced ranges, and the block starting with its forced entry is proven
/// and defended; the inbox's head moved at proposal.
#[test]
fn blob_block_with_a_forced_entry_is_proven_and_defended() {
    use alloy_eips::eip2718::Encodable2718;
    use nr_contracts::OptimisticInbox as Inbox;
    let env = optimistic_env_forced(FORCED_TX_DELAY);
    let forced = Eip1559Builder::new(L2_ID, 0, TxKind::Call(Address::with_last_byte(0xee)))
        .value(U256::from(1))
        .gas_limit(21_000)
        .fees(100_000_000_000, 1_000_000_000)
        .sign(&env.alice)
        .unwrap();
    let raw: Bytes = forced.encoded_2718().into();
    let fee: U256 = env.l1_view(
        env.inbox(),
        Inbox::forcedFeeCall { len: U256::from(raw.len()), txGasLimit: U256::from(21_000) },
    );
    assert!(env.l1_call(&env.bob, env.inbox(), Inbox::forceIncludeCall { rawTx: raw }, fee).ok());
    let anchor = env.l1.head();
    let opts = BlockOptions {
        timestamp: anchor.timestamp,
        parent_beacon_block_root: Some(anchor.hash_slow()),
        fee_recipient: None,
    };
    let sel = BlockSelection { first: vec![forced], exclude: vec![] };
    let p1 = env.l2.produce_block_selected(&opts, &sel).unwrap();
    assert!(p1.skipped.is_empty());
    env.l2_transfer(&env.bob, Address::repeat_byte(0x51), U256::from(9));
    let p2 = env.l2_block();
    env.l1_mine();
    let blocks = vec![Opt::Block { forcedCount: 1, ..env.posted(p1.hash) }, env.posted(p2.hash)];
    let batch = blob_da::encode_batch(&blocks).unwrap();
    let (proposed, hashes) = propose_blobs(&env, &blocks, &batch);
    let (c1, c2) = (proposed.claim(1), proposed.claim(2));
    assert_eq!((c1.forcedFrom, c1.forcedTo, c2.forcedFrom, c2.forcedTo), (0, 1, 1, 1));
    assert_eq!(env.forced_head(), 1, "taken at proposal");
    challenge(&env, &env.bob, 1, proposed.id);
    let prove = prove_call(&proposed, 1, &batch, &hashes);
    assert!(call_selected(&env, &env.deployer, &prove, TX_GAS_CAP).ok());
    let d = env.l1_call(
        &env.alice,
        env.rollup,
        proposed.defend(1, &blocks[0], env.input(p1.hash)),
        U256::ZERO,
    );
    assert!(d.ok(), "defended: its first transaction is the entry");
}
