//! The checks NativeRollup applies around EXECUTE, in isolation through the test-only
//! `ExecuteResultHarness` (same libraries, same build, deployed on our L1): the 43-byte
//! result check refuses outputs the real precompile never returns (wrong chain id, wrong
//! schema id, wrong length, failed validation), and the input reader refuses a wrong
//! schema prefix and reads nothing past the end of short or hostile input.

mod common;

use alloy_primitives::{Address, B256, Bytes, TxKind, U256};
use alloy_sol_types::{SolCall, SolError};
use common::*;
use nr_chain::CallOutcome;

alloy_sol_types::sol!(
    #[sol(all_derives)]
    ExecuteResultHarness,
    "artifacts/ExecuteResultHarness.json"
);
use ExecuteResultHarness::{
    ExecuteFailed, ExecuteResultChainId, ExecuteResultSchema, InputTooShort, UnsupportedSchema,
    checkCall, readCall,
};

/// Deploys the harness on the env's L1.
fn deploy(env: &Env) -> Address {
    let d = env.deployer.clone();
    let r = env.l1_tx(&d, TxKind::Create, U256::ZERO, ExecuteResultHarness::BYTECODE.clone());
    assert!(r.ok(), "harness deploys");
    r.receipt.contract_address.expect("created")
}

/// Calls the harness: the decoded return, or the revert data.
fn call<C: SolCall>(env: &Env, harness: Address, c: &C) -> Result<C::Return, Bytes> {
    match env.l1_simulate(env.alice.address(), harness, c, U256::ZERO) {
        CallOutcome::Success { output, .. } => Ok(C::abi_decode_returns(&output).unwrap()),
        CallOutcome::Revert { output, .. } => Err(output),
        other => panic!("harness call halted: {other:?}"),
    }
}

/// Decodes revert data as error `E`, failing with what it was otherwise.
fn expect_err<E: SolError, T: std::fmt::Debug>(r: Result<T, Bytes>) -> E {
    let data = r.expect_err(&format!("expected revert {}", E::SIGNATURE));
    E::abi_decode(&data).unwrap_or_else(|_| {
        panic!("expected {}, got 0x{}", E::SIGNATURE, alloy_primitives::hex::encode(&data))
    })
}

/// A StatelessValidationResult: root | successful_validation | chain_id LE | schema_id LE.
fn result(root: B256, success: u8, chain_id: u64, schema_id: u16) -> Vec<u8> {
    let mut out = root.to_vec();
    out.push(success);
    out.extend_from_slice(&chain_id.to_le_bytes());
    out.extend_from_slice(&schema_id.to_le_bytes());
    out
}

fn check(ok: bool, out: Vec<u8>) -> checkCall {
    checkCall { ok, out: out.into(), chainId: L2_ID }
}

#[test]
fn result_check_accepts_only_a_successful_43_byte_result_for_this_chain_and_schema() {
    let env = Env::new(false);
    // The contract's one schema id is the Rust encoder's (the wire prefix it writes).
    let schema = env.l1_view(env.rollup, nr_contracts::NativeRollup::SCHEMA_IDCall {});
    assert_eq!(schema, nr_stateless::ssz::STATELESS_INPUT_SCHEMA_ID);
    assert_eq!(schema, 0x1501);
    let h = deploy(&env);
    let root = B256::repeat_byte(0xab);
    let good = result(root, 1, L2_ID, 0x1501);
    assert_eq!(good.len(), 43);
    assert_eq!(&good[41..], &[0x01, 0x15], "schema id is little endian in the result");
    assert_eq!(call(&env, h, &check(true, good.clone())), Ok(root));

    // Chain id and schema id each have their own error, naming what was found.
    let e: ExecuteResultChainId =
        expect_err(call(&env, h, &check(true, result(root, 1, L2_ID + 1, 0x1501))));
    assert_eq!(e.found, L2_ID + 1);
    let e: ExecuteResultChainId =
        expect_err(call(&env, h, &check(true, result(root, 1, 0, 0x1501))));
    assert_eq!(e.found, 0);
    let e: ExecuteResultSchema =
        expect_err(call(&env, h, &check(true, result(root, 1, L2_ID, 0x1502))));
    assert_eq!(e.found, 0x1502);
    // The id written big endian by mistake (15 01) reads as 0x0115.
    let mut be = good.clone();
    be[41..].copy_from_slice(&[0x15, 0x01]);
    let e: ExecuteResultSchema = expect_err(call(&env, h, &check(true, be)));
    assert_eq!(e.found, 0x0115);

    // Everything else is ExecuteFailed: the call failed, validation failed (also the
    // 43-zero-byte decode-failure sentinel), a non-canonical bool, any other length
    // (including the pre-v0.8 result: root | bool | offset | chain_config ...).
    let _: ExecuteFailed = expect_err(call(&env, h, &check(false, good.clone())));
    let _: ExecuteFailed = expect_err(call(&env, h, &check(true, result(root, 0, L2_ID, 0x1501))));
    let _: ExecuteFailed = expect_err(call(&env, h, &check(true, result(root, 2, L2_ID, 0x1501))));
    let _: ExecuteFailed = expect_err(call(&env, h, &check(true, vec![0; 43])));
    let mut legacy = root.to_vec();
    legacy.push(1);
    legacy.extend_from_slice(&5u32.to_le_bytes());
    legacy.extend_from_slice(&L2_ID.to_le_bytes());
    legacy.extend_from_slice(&[0; 20]);
    for len in [0, 1, 32, 33, 42] {
        let _: ExecuteFailed = expect_err(call(&env, h, &check(true, good[..len].to_vec())));
    }
    let mut long = good.clone();
    long.push(0);
    for out in [long, legacy] {
        let _: ExecuteFailed = expect_err(call(&env, h, &check(true, out)));
    }
}

/// Wire offset of the execution payload (schema prefix, then SSZ offsets from byte 2).
fn payload_at(wire: &[u8]) -> usize {
    let le = |o: usize| u32::from_le_bytes(wire[2 + o..2 + o + 4].try_into().unwrap()) as usize;
    let npr = le(0);
    2 + npr + le(npr)
}

#[test]
fn reader_reads_the_bound_fields_checks_the_schema_and_never_reads_past_the_end() {
    let env = Env::new(false);
    let h = deploy(&env);
    env.l2_transfer(&env.alice, env.bob.address(), U256::from(7));
    let p = env.l2_block();
    let wire = env.input(p.hash);
    let read = |b: &[u8]| call(&env, h, &readCall { input: b.to_vec().into() });

    let hdr = &p.block.header;
    let b = read(&wire).expect("the encoder's input reads");
    assert_eq!(b.parentHash, hdr.parent_hash);
    assert_eq!(b.feeRecipient, hdr.beneficiary);
    assert_eq!(b.stateRoot, hdr.state_root);
    assert_eq!(b.number, hdr.number);
    assert_eq!(b.gasLimit, hdr.gas_limit);
    assert_eq!(b.gasUsed, hdr.gas_used);
    assert_eq!(b.timestamp, hdr.timestamp);
    assert_eq!(b.blockHash, p.hash);
    assert_eq!((b.blobGasUsed, b.excessBlobGas), (0, 0));
    assert_eq!((b.withdrawalsBytes, b.versionedHashesBytes), (U256::ZERO, U256::ZERO));
    assert_eq!(Some(b.parentBeaconBlockRoot), hdr.parent_beacon_block_root);
    assert_eq!(b.chainId, L2_ID);

    // Wrong schema prefix: the id found is named. Without the prefix (the pre-v0.8
    // layout) the first two SSZ bytes, `14 00`, read as 0x1400.
    for (bytes, id) in
        [(&wire[2..], 0x1400u16), (&[&[0x15, 0x02][..], &wire[2..]].concat()[..], 0x1502)]
    {
        let e: UnsupportedSchema = expect_err(read(bytes));
        assert_eq!(e.found, id);
    }
    let _: UnsupportedSchema = expect_err(read(&[0x01, 0x15]));

    // Every truncation before the end of the payload's fixed part reverts InputTooShort;
    // from there on the reader has what it needs (the rest is EXECUTE's to decode).
    let needed = payload_at(&wire) + 540;
    for len in 0..needed {
        let _: InputTooShort = expect_err(read(&wire[..len]));
    }
    assert_eq!(read(&wire[..needed]), Ok(b.clone()));

    // Hostile offsets the reader follows point past the end: InputTooShort, never an
    // out-of-range read. (Wire 2: offset(new_payload_request); 22: offset(payload) in it.
    // The other offsets are only subtracted to size lists, and EXECUTE decodes strictly.)
    for at in [2usize, 22] {
        for v in [u32::MAX, wire.len() as u32] {
            let mut bad = wire.clone();
            bad[at..at + 4].copy_from_slice(&v.to_le_bytes());
            let _: InputTooShort = expect_err(read(&bad));
        }
    }
}
