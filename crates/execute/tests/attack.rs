//! Attacks on EXECUTE's pricing (issue 12, items 1 and 2): inputs that make the verifier do
//! expensive work (signature recovery) that the gas rule does not charge for, or before the
//! cheap checks that would refuse the input anyway.

mod common;

use alloy_consensus::TxEnvelope;
use alloy_primitives::{Address, FixedBytes, TxKind};
use alloy_signer_local::PrivateKeySigner;
use common::{CHAIN_ID, build};
use nr_chain::Eip1559Builder;
use nr_execute::{
    ExecuteError,
    precompile::{ExecuteCallError, ExecuteGasParams, ExecuteMarket, ExecuteOutcome, execute_call},
};
use nr_stateless::{BlockError, PayloadError, StatelessError, ssz::StatelessInput};

/// ECRECOVER's price on L1: what one signature recovery costs any L1 contract.
const ECRECOVER_GAS: u64 = 3_000;

fn build_cached() -> &'static common::TestChain {
    static CHAIN: std::sync::OnceLock<common::TestChain> = std::sync::OnceLock::new();
    CHAIN.get_or_init(build)
}

/// `n` signed transactions declaring a gas limit of 0, each from its own key: the smallest
/// transactions whose signatures the verifier still has to recover.
fn zero_gas_transactions(n: usize) -> Vec<TxEnvelope> {
    (0..n)
        .map(|i| {
            let mut k = [0x77u8; 32];
            k[28..].copy_from_slice(&(i as u32 + 1).to_be_bytes());
            let key = PrivateKeySigner::from_bytes(&k.into()).expect("valid key");
            Eip1559Builder::new(CHAIN_ID, 0, TxKind::Call(Address::ZERO))
                .gas_limit(0)
                .fees(0, 0)
                .sign(&key)
                .expect("signs")
        })
        .collect()
}

/// The flood block: the test chain's last block with its transactions replaced by `n`
/// zero-gas transactions (block hash recomputed, real public keys), on its real witness.
fn flood_input(n: usize) -> StatelessInput {
    let txs = zero_gas_transactions(n);
    build_cached().input_with(move |b| b.body.transactions = txs)
}

/// Attack: a block of many transactions declaring 0 gas. Before the fix, EXECUTE required
/// only `50,000 + 2 per input byte` for it (~156 gas per ~78-byte transaction), yet
/// recovered every signature (~45 us each) before failing: ~20x cheaper per recovery than
/// ECRECOVER. EXECUTE must require at least ECRECOVER's price per signature (and the
/// 21,000 intrinsic gas per transaction) before doing that work.
#[test]
fn execute_underprices_zero_gas_signature_flood() {
    let n = 200;
    let input = flood_input(n);
    let wire = input.to_wire();
    let market = ExecuteMarket::new(ExecuteGasParams::default(), 7, 7);
    let given = n as u64 * ECRECOVER_GAS;
    let outcome = execute_call(&wire, given, &build_cached().schedule, &market);
    let ExecuteOutcome::OutOfGas { required } = outcome else {
        panic!(
            "{n} zero-gas transactions ({} input bytes) ran with {given} gas, less than \
             ECRECOVER's {ECRECOVER_GAS} per signature: {outcome:?}",
            wire.len()
        );
    };
    println!(
        "{n} zero-gas transactions, {} input bytes: EXECUTE requires {required} gas, {} per \
         transaction",
        wire.len(),
        required / n as u64
    );
    assert!(required >= n as u64 * (21_000 + ECRECOVER_GAS), "required {required}");
    assert_eq!(
        required,
        nr_execute::precompile::required_gas(&input, wire.len(), 7, 7),
        "the public formula is the one EXECUTE applies"
    );
    assert_eq!(market.snapshot().gas_used, 0, "an out-of-gas call reserves nothing");
}

/// Replaces every public key with one that is not the signer's, so that a verifier that
/// checks keys before anything else reports a key error.
fn with_wrong_keys(mut input: StatelessInput) -> StatelessInput {
    for k in &mut input.public_keys {
        *k = FixedBytes([4; 65]);
    }
    input
}

fn run(input: &StatelessInput) -> Result<(), ExecuteError> {
    nr_execute::execute(&input.to_wire(), &build_cached().schedule).map(|_| ())
}

/// Attack: a block whose header is inconsistent in a way visible without any state
/// (`gas_used` above `gas_limit`) still had every signature recovered before the header was
/// looked at, because keys were checked first (and their error reported first). The cheap
/// header checks must come before any signature recovery: the error is the header's.
#[test]
fn execute_recovers_keys_before_cheap_header_checks() {
    let input = with_wrong_keys(build_cached().input_with(|b| {
        b.header.gas_used = b.header.gas_limit + 1;
    }));
    let r = run(&input);
    assert!(
        matches!(
            &r,
            Err(ExecuteError::Invalid(StatelessError::Block(BlockError::Header(m))))
                if m.field == "gas_used"
        ),
        "expected the header's gas_used error before any key was checked, got {r:?}"
    );
}

/// Attack: more transactions than the block's gas limit can hold at 21,000 each (here 200
/// transactions in a block of 1,000,000 gas). Nothing needs recovering to see that the block
/// is invalid, so it must be refused before any signature is recovered.
#[test]
fn execute_recovers_keys_of_a_block_too_small_for_its_transactions() {
    let txs = zero_gas_transactions(200);
    let input = with_wrong_keys(build_cached().input_with(move |b| {
        b.body.transactions = txs;
        b.header.gas_limit = 1_000_000;
        b.header.gas_used = 0;
    }));
    let r = run(&input);
    assert!(
        matches!(
            &r,
            Err(ExecuteError::Invalid(StatelessError::Payload(
                PayloadError::TooManyTransactions { transactions: 200, gas_limit: 1_000_000 }
            )))
        ),
        "expected a refusal on the transaction count before any key was checked, got {r:?}"
    );
    // The same through the precompile: a failure, not a verification.
    let market = ExecuteMarket::new(ExecuteGasParams::default(), 7, 7);
    let wire = input.to_wire();
    let outcome = execute_call(&wire, 30_000_000, &build_cached().schedule, &market);
    assert!(matches!(outcome, ExecuteOutcome::Failed(ExecuteCallError::Execute(_))), "{outcome:?}");
}
