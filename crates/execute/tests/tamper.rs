//! EXECUTE on a real L2 block: the honest input passes, every tampered variant is rejected
//! with the precise reason, and malformed bytes never panic.

mod common;

use alloy_consensus::{SignableTransaction, TxEip4844, TxEnvelope};
use alloy_eips::{eip2718::Encodable2718, eip4895::Withdrawal};
use alloy_evm::block::{BlockExecutionError, BlockValidationError};
use alloy_primitives::{Address, B256, Bytes, U256};
use alloy_signer::SignerSync;
use common::{CHAIN_ID, build};
use nr_execute::{ExecuteError, L2Violation, execute, execute_decoded};
use nr_stateless::{
    BlockError, PayloadError, StatelessError, WitnessError,
    mpt::TrieError,
    ssz::{HashTreeRoot, StatelessInput},
    state::StateError,
};
use revm::context::result::InvalidTransaction;

fn run(
    input: &StatelessInput,
) -> Result<nr_stateless::ssz::StatelessValidationResult, ExecuteError> {
    let t = build_cached();
    execute(&input.to_wire(), &t.schedule)
}

fn build_cached() -> &'static common::TestChain {
    static CHAIN: std::sync::OnceLock<common::TestChain> = std::sync::OnceLock::new();
    CHAIN.get_or_init(build)
}

fn header_mismatch(r: Result<impl std::fmt::Debug, ExecuteError>) -> &'static str {
    match r {
        Err(ExecuteError::Invalid(StatelessError::Block(BlockError::Header(m)))) => m.field,
        other => panic!("expected a header mismatch, got {other:?}"),
    }
}

/// The revm transaction error of a run rejected for an invalid transaction, if it was.
fn invalid_tx<T>(r: &Result<T, ExecuteError>) -> Option<&InvalidTransaction> {
    match r {
        Err(ExecuteError::Invalid(StatelessError::Block(BlockError::Execution(
            BlockExecutionError::Validation(BlockValidationError::InvalidTx { error, .. }),
        )))) => error.as_invalid_tx_err(),
        _ => None,
    }
}

#[test]
fn honest_input_passes() {
    let t = build_cached();
    let input = t.input();
    let result = run(&input).expect("valid block");
    assert_eq!(result.new_payload_request_root, input.new_payload_request.hash_tree_root());
    assert!(result.successful_validation);
    assert_eq!(result.chain_id, CHAIN_ID);
    assert_eq!(result.schema_id, 0x1501);
    // The witness holds the parent and the grandparent (BLOCKHASH(number - 2)), the
    // codes of the storage contract and of the EIP-4788 system contract, and nodes from
    // the account and storage tries.
    assert_eq!(input.witness.headers.len(), 2);
    assert_eq!(input.witness.codes.len(), 2);
    assert!(input.witness.state.len() > 3);
}

#[test]
fn every_flipped_witness_node_is_rejected() {
    let t = build_cached();
    let base = t.input();
    for i in 0..base.witness.state.len() {
        let mut input = base.clone();
        let mut node = input.witness.state[i].to_vec();
        let at = node.len() / 2;
        node[at] ^= 0x01;
        input.witness.state[i] = node.into();
        // The original node is now absent: verification stops exactly there.
        let want = alloy_primitives::keccak256(&base.witness.state[i]);
        assert_eq!(missing_node(run(&input)), want, "node {i}");
    }
}

/// The hash of the missing trie node a failed run reports (panics on any other outcome).
fn missing_node(r: Result<impl std::fmt::Debug, ExecuteError>) -> B256 {
    match r {
        Err(ExecuteError::Invalid(StatelessError::Block(BlockError::State(
            StateError::Trie { source: TrieError::MissingNode(h), .. },
        )))) => h,
        other => panic!("expected a missing trie node, got {other:?}"),
    }
}

#[test]
fn every_dropped_witness_node_is_rejected() {
    let t = build_cached();
    let base = t.input();
    for i in 0..base.witness.state.len() {
        let mut input = base.clone();
        let dropped = input.witness.state.remove(i);
        let want = alloy_primitives::keccak256(&dropped);
        assert_eq!(missing_node(run(&input)), want, "node {i}");
    }
}

#[test]
fn dropped_code_and_ancestor_are_rejected() {
    let t = build_cached();
    let mut input = t.input();
    input.witness.codes.clear();
    assert!(matches!(
        run(&input),
        Err(ExecuteError::Invalid(StatelessError::Block(BlockError::State(
            StateError::MissingCode(_)
        ))))
    ));
    let mut input = t.input();
    input.witness.headers.remove(0); // the oldest ancestor (the parent is last)
    let want = t.block.header.number - 2;
    let r = run(&input);
    assert!(
        matches!(
            r,
            Err(ExecuteError::Invalid(StatelessError::Block(BlockError::State(
                StateError::MissingAncestor(n)
            )))) if n == want
        ),
        "{r:?}"
    );
}

#[test]
fn wrong_commitments_are_rejected_by_field() {
    let t = build_cached();
    let r = run(&t.input_with(|b| b.header.state_root = B256::repeat_byte(1)));
    assert_eq!(header_mismatch(r), "state_root");
    let r = run(&t.input_with(|b| b.header.receipts_root = B256::repeat_byte(2)));
    assert_eq!(header_mismatch(r), "receipts_root");
    let r = run(&t.input_with(|b| b.header.gas_used += 1));
    assert_eq!(header_mismatch(r), "gas_used");
    let r = run(&t.input_with(|b| b.header.logs_bloom.0[0] ^= 1));
    assert_eq!(header_mismatch(r), "logs_bloom");
    let r = run(&t.input_with(|b| b.header.base_fee_per_gas = Some(1)));
    assert_eq!(header_mismatch(r), "base_fee_per_gas");
    let r = run(&t.input_with(|b| b.header.number += 1));
    assert_eq!(header_mismatch(r), "number");
    let r = run(&t.input_with(|b| b.header.timestamp = 1));
    assert_eq!(header_mismatch(r), "timestamp");
}

#[test]
fn invalid_transactions_are_rejected() {
    let t = build_cached();
    let s = common::signer();
    let to = alloy_primitives::TxKind::Call(Address::repeat_byte(0x43));
    let gapped = common::sign(&s, 30, to, U256::from(5u64), Bytes::new());
    let r = run(&t.input_with(|b| b.body.transactions[2] = gapped));
    assert!(
        matches!(invalid_tx(&r), Some(InvalidTransaction::NonceTooHigh { tx: 30, .. })),
        "{r:?}"
    );
    let rich = common::sign(&s, 24, to, U256::from(10u128.pow(24)), Bytes::new());
    let r = run(&t.input_with(|b| b.body.transactions[2] = rich));
    assert!(
        matches!(invalid_tx(&r), Some(InvalidTransaction::LackOfFundForMaxFee { .. })),
        "{r:?}"
    );
}

#[test]
fn wrong_parent_hash_is_rejected() {
    let t = build_cached();
    let r = run(&t.input_with(|b| b.header.parent_hash = B256::repeat_byte(3)));
    assert!(
        matches!(
            &r,
            Err(ExecuteError::Invalid(StatelessError::Witness(WitnessError::MissingParent(_))))
        ),
        "{r:?}"
    );
}

#[test]
fn inconsistent_block_hash_is_rejected() {
    let t = build_cached();
    let mut input = t.input();
    input.new_payload_request.execution_payload.gas_used += 1;
    let declared = input.new_payload_request.execution_payload.block_hash;
    let r = run(&input);
    assert!(
        matches!(
            r,
            Err(ExecuteError::Invalid(StatelessError::Payload(PayloadError::BlockHash {
                declared: d,
                computed,
            }))) if d == declared && computed != declared
        ),
        "{r:?}"
    );
}

#[test]
fn blob_transaction_is_an_l2_violation() {
    let t = build_cached();
    let signer: alloy_signer_local::PrivateKeySigner =
        "0x4c0883a69102937d6231471b5dbb6204fe512961708279f3f5f5e7b1f6d8d8d1".parse().unwrap();
    let tx = TxEip4844 {
        chain_id: CHAIN_ID,
        nonce: 25,
        gas_limit: 50_000,
        max_fee_per_gas: 20_000_000_000,
        max_priority_fee_per_gas: 1,
        to: Address::repeat_byte(0x44),
        value: U256::ZERO,
        access_list: Default::default(),
        blob_versioned_hashes: vec![B256::with_last_byte(1)],
        max_fee_per_blob_gas: 1,
        input: Bytes::new(),
    };
    let sig = signer.sign_hash_sync(&tx.signature_hash()).unwrap();
    let blob_tx: TxEnvelope = tx.into_signed(sig).into();
    assert_eq!(blob_tx.encoded_2718()[0], 3);
    let input = t.input_with(|b| b.body.transactions.push(blob_tx));
    let r = run(&input);
    assert!(matches!(r, Err(ExecuteError::L2(L2Violation::BlobTransaction { index: 3 }))), "{r:?}");
    let mut input = t.input();
    input.new_payload_request.execution_payload.blob_gas_used = 131072;
    let r = run(&input);
    assert!(matches!(r, Err(ExecuteError::L2(L2Violation::BlobGasUsed(131072)))), "{r:?}");
}

#[test]
fn withdrawal_is_an_l2_violation() {
    let t = build_cached();
    let w =
        Withdrawal { index: 0, validator_index: 1, address: Address::repeat_byte(9), amount: 32 };
    let input = t.input_with(|b| b.body.withdrawals.as_mut().unwrap().push(w));
    let r = run(&input);
    assert!(matches!(r, Err(ExecuteError::L2(L2Violation::Withdrawals(1)))), "{r:?}");
}

#[test]
fn wrong_chain_id_is_rejected() {
    let t = build_cached();
    let mut input = t.input();
    input.chain_id = CHAIN_ID + 1;
    let r = execute_decoded(&input, &t.schedule);
    assert!(matches!(invalid_tx(&r), Some(InvalidTransaction::InvalidChainId)), "{r:?}");
}

#[test]
fn truncated_and_random_bytes_never_panic() {
    let t = build_cached();
    let bytes = t.input().to_wire();
    let cuts: Vec<usize> = (0..bytes.len()).step_by(97).chain([bytes.len() - 1]).collect();
    for &cut in &cuts {
        assert!(
            matches!(execute(&bytes[..cut], &t.schedule), Err(ExecuteError::Decode(_))),
            "cut {cut}"
        );
    }
    let mut x = 0x2545f4914f6cdd1du64;
    let (rounds, mut failed) = (200, 0);
    for round in 0..rounds {
        let mut junk = bytes.clone();
        for _ in 0..(1 + round % 8) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let at = (x as usize) % junk.len();
            junk[at] = (x >> 32) as u8;
        }
        // Any outcome but a panic is acceptable for one corrupted input (a byte may be
        // overwritten with its own value, or land where it changes nothing checked).
        if execute(&junk, &t.schedule).is_err() {
            failed += 1;
        }
    }
    println!("{} truncations all failed; {failed} of {rounds} random mutations failed", cuts.len());
    assert!(failed * 100 >= rounds * MIN_FAILED_PERCENT, "only {failed} of {rounds} failed");
}

/// The share of random byte mutations of an honest input that must be rejected (all 200
/// are today; a mutation may rewrite a byte with its own value and so be honest).
const MIN_FAILED_PERCENT: usize = 95;

/// execution-specs (tests-zkevm v0.8) and EIP-8025 list the witness headers in ascending
/// order with the parent last; clients that check wire order refuse any other order, so we
/// produce that order and accept only it.
#[test]
fn witness_headers_in_any_other_order_are_refused() {
    let t = build_cached();
    let input = t.input();
    let numbers: Vec<u64> = input
        .witness
        .headers
        .iter()
        .map(|h| {
            <alloy_consensus::Header as alloy_rlp::Decodable>::decode(&mut h.as_ref())
                .unwrap()
                .number
        })
        .collect();
    let parent = t.block.header.number - 1;
    assert_eq!(numbers, vec![parent - 1, parent], "produced ascending, parent last");
    let mut reversed = input.clone();
    reversed.witness.headers.reverse();
    let r = run(&reversed);
    assert!(
        matches!(
            r,
            Err(ExecuteError::Invalid(StatelessError::Witness(WitnessError::HeaderOrder {
                index: 0,
                number,
                expected
            }))) if number == parent && expected == parent - 1
        ),
        "{r:?}"
    );
}

/// execution-specs #2825 (tests-zkevm v0.8) makes `public_keys` mandatory: exactly one
/// uncompressed signer key (`0x04 || x || y`) per transaction, in payload order.
#[test]
fn produced_inputs_carry_one_signer_key_per_transaction() {
    use alloy_consensus::transaction::SignerRecoverable;
    let t = build_cached();
    let input = t.input();
    let txs = &t.block.body.transactions;
    assert!(!txs.is_empty());
    assert_eq!(input.public_keys.len(), txs.len(), "one key per transaction");
    for (i, (key, tx)) in input.public_keys.iter().zip(txs).enumerate() {
        assert_eq!(key[0], 4, "key {i} is uncompressed");
        let from_key = Address::from_slice(&alloy_primitives::keccak256(&key[1..])[12..]);
        assert_eq!(from_key, tx.recover_signer().unwrap(), "key {i} is the signer's");
    }
    // A key that is not the signer's is refused, naming its index.
    let mut wrong = input.clone();
    wrong.public_keys[0][5] ^= 1;
    let r = run(&wrong);
    assert!(
        matches!(
            r,
            Err(ExecuteError::Invalid(StatelessError::Payload(PayloadError::PublicKey {
                index: 0
            })))
        ),
        "{r:?}"
    );
}

fn public_key_error(r: Result<impl std::fmt::Debug, ExecuteError>) -> PayloadError {
    match r {
        Err(ExecuteError::Invalid(StatelessError::Payload(
            e @ (PayloadError::PublicKey { .. } | PayloadError::PublicKeyCount { .. }),
        ))) => e,
        other => panic!("expected a public key error, got {other:?}"),
    }
}

/// Every wrong `public_keys` is a validation failure naming the index: a missing list, one
/// key too many, the key of another transaction's signer, the signer's point negated (same
/// x, other y), and the key the signature recovers to with the other y-parity, which
/// verifies `(r, s)` like the signer's own key does (EIP-8025: the key must match the parity).
#[test]
fn wrong_public_keys_are_refused_naming_the_index() {
    use alloy_consensus::transaction::SignableTransaction as _;
    let t = build_cached();
    let n = t.block.body.transactions.len();
    let mut none = t.input();
    none.public_keys.clear();
    assert!(matches!(
        public_key_error(run(&none)),
        PayloadError::PublicKeyCount { keys: 0, transactions } if transactions == n
    ));
    let mut extra = t.input();
    extra.public_keys.push(extra.public_keys[0]);
    assert!(matches!(
        public_key_error(run(&extra)),
        PayloadError::PublicKeyCount { keys, .. } if keys == n + 1
    ));

    // Transaction 2 signed by another key: swapping keys 0 and 2 fails at index 0.
    let other: alloy_signer_local::PrivateKeySigner =
        "0x8079807980798079807980798079807980798079807980798079807980798079".parse().unwrap();
    let stranger = common::sign(
        &other,
        0,
        alloy_primitives::TxKind::Call(Address::repeat_byte(0x43)),
        U256::ZERO,
        Bytes::new(),
    );
    let mut swapped = t.input_with(|b| b.body.transactions[2] = stranger);
    assert_ne!(swapped.public_keys[0], swapped.public_keys[2]);
    swapped.public_keys.swap(0, 2);
    assert!(matches!(public_key_error(run(&swapped)), PayloadError::PublicKey { index: 0 }));

    // The signer's point negated: y -> p - y.
    let mut negated = t.input();
    let key = &mut negated.public_keys[1];
    let p = U256::from_str_radix(
        "fffffffffffffffffffffffffffffffffffffffffffffffffffffffefffffc2f",
        16,
    )
    .unwrap();
    let y = p - U256::from_be_slice(&key[33..]);
    key[33..].copy_from_slice(&y.to_be_bytes::<32>());
    assert!(matches!(public_key_error(run(&negated)), PayloadError::PublicKey { index: 1 }));

    // The other parity's key: recovered from (r, s) with the y-parity flipped.
    let mut flipped = t.input();
    let tx = &t.block.body.transactions[2];
    let TxEnvelope::Eip1559(signed) = tx else { panic!("EIP-1559 test transactions") };
    let sig = signed.signature().with_parity(!signed.signature().v());
    let wrong = sig.recover_from_prehash(&signed.tx().signature_hash()).unwrap();
    let wrong: [u8; 65] = wrong.to_encoded_point(false).as_bytes().try_into().unwrap();
    assert_ne!(wrong, flipped.public_keys[2].0);
    flipped.public_keys[2] = alloy_primitives::FixedBytes(wrong);
    assert!(matches!(public_key_error(run(&flipped)), PayloadError::PublicKey { index: 2 }));
}
