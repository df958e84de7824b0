//! A short, deterministic mutation fuzz of the precompile entry point, run with the tests
//! (the long coverage-guided run is `scripts/fuzz.sh`): thousands of byte-level mutations
//! of an honest L2 input, under random gas, must never panic, never verify, and always
//! respect the gas rule and the block's EXECUTE gas limit.

mod common;

use nr_execute::{
    ExecuteError,
    precompile::{
        ExecuteCallError, ExecuteGasParams, ExecuteMarket, ExecuteOutcome, charged_gas,
        execute_call, fixed_gas, input_gas, required_gas,
    },
};
use nr_stateless::{BlockError, StatelessError, block::FieldMismatch};

/// xorshift64*: reproducible without extra dependencies.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

#[test]
fn mutated_inputs_never_panic_never_verify_and_keep_the_gas_rule() {
    let chain = common::build();
    let honest = chain.input().to_wire();
    let params = ExecuteGasParams { limit: 10_000_000, target: 5_000_000 };
    let market = ExecuteMarket::new(params, 7, 7);
    // The honest input verifies with enough gas.
    match execute_call(&honest, 30_000_000, &chain.schedule, &market) {
        ExecuteOutcome::Success { gas, .. } => assert!(gas >= input_gas(honest.len())),
        other => panic!("honest input: {other:?}"),
    }
    let mut rng = Rng(0x8079_0101);
    let (mut oog, mut failed) = (0, 0);
    for round in 0..3000 {
        let mut m = honest.clone();
        for _ in 0..1 + rng.below(4) {
            if m.is_empty() {
                m.push(rng.next() as u8);
            }
            match rng.below(4) {
                0 => {
                    let i = rng.below(m.len());
                    m[i] ^= 1 << rng.below(8);
                }
                1 => {
                    let i = rng.below(m.len());
                    m[i] = rng.next() as u8;
                }
                2 => m.truncate(rng.below(m.len())),
                _ => {
                    let i = rng.below(m.len());
                    m.insert(i, rng.next() as u8);
                }
            }
        }
        if m == honest {
            continue;
        }
        // Half the calls get too little gas for most inputs, half plenty.
        let gas = rng.next() % if rng.below(2) == 0 { 400_000 } else { 40_000_000 };
        // A fresh market per call keeps the limit from masking verification results.
        let market = ExecuteMarket::new(params, 7, 7);
        match execute_call(&m, gas, &chain.schedule, &market) {
            ExecuteOutcome::Success { .. } => panic!("round {round}: a mutated input verified"),
            ExecuteOutcome::OutOfGas { required } => {
                assert!(required > gas);
                oog += 1;
            }
            ExecuteOutcome::Failed(reason) => {
                assert!(!reason.to_string().is_empty());
                assert!(
                    gas >= input_gas(m.len()),
                    "failure reported before the charge was covered"
                );
                failed += 1;
            }
        }
        assert!(market.snapshot().gas_used <= params.limit);
    }
    assert!(oog > 100 && failed > 1000, "both paths exercised: {oog} out of gas, {failed} failed");
}

#[test]
fn a_block_declaring_less_gas_than_it_can_use_must_still_bring_gas_for_its_work() {
    // A dishonest prover declares gas_used = 0 (block hash recomputed): if EXECUTE charged
    // the declared gas, a full re-execution would cost only the input charge.
    let chain = common::build();
    let lying = chain.input_with(|b| b.header.gas_used = 0).to_wire();
    let decoded = nr_stateless::ssz::StatelessInput::from_wire(&lying).unwrap();
    let bound = decoded.work_bound();
    assert!(bound >= chain.block.header.gas_used, "bound covers the real work");
    let params = ExecuteGasParams::default();
    let market = ExecuteMarket::new(params, 7, 7);
    let fixed = fixed_gas(&decoded, lying.len());
    assert_eq!(required_gas(&decoded, lying.len(), 7, 7), fixed + bound);
    let cheap = fixed + 1_000;
    let r = execute_call(&lying, cheap, &chain.schedule, &market);
    assert!(
        matches!(r, ExecuteOutcome::OutOfGas { required } if required == fixed + bound),
        "refused before executing anything: {r:?}"
    );
    assert_eq!(market.snapshot().gas_used, 0);
    // With the gas for its work it is executed, fails, and keeps all of it (precompile
    // failure); the market counts the whole bound.
    let given = fixed + bound;
    let r = execute_call(&lying, given, &chain.schedule, &market);
    assert!(
        matches!(
            r,
            ExecuteOutcome::Failed(ExecuteCallError::Execute(ExecuteError::Invalid(
                StatelessError::Block(BlockError::Header(FieldMismatch { field: "gas_used", .. }))
            )))
        ),
        "{r:?}"
    );
    assert_eq!(market.snapshot().gas_used, bound);
    // The honest block pays only what it used, and the market keeps only that.
    let honest = chain.input().to_wire();
    let market = ExecuteMarket::new(params, 7, 7);
    match execute_call(&honest, 30_000_000, &chain.schedule, &market) {
        ExecuteOutcome::Success { gas, .. } => {
            let decoded = nr_stateless::ssz::StatelessInput::from_wire(&honest).unwrap();
            assert_eq!(gas, fixed_gas(&decoded, honest.len()) + chain.block.header.gas_used);
            assert_eq!(gas, charged_gas(&decoded, honest.len(), 7, 7));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(market.snapshot().gas_used, chain.block.header.gas_used);
}
