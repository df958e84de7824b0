//! Fuzzes the EXECUTE precompile entry point with arbitrary input bytes and gas: it must
//! never panic, never charge more than it was given or less than the input charge, and
//! never let the block's cumulative EXECUTE gas pass its limit.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nr_execute::precompile::{
    CallOutcome, ExecuteGasParams, ExecuteMarket, execute_call, input_gas,
};
use nr_stateless::{Fork, ForkSchedule};

fuzz_target!(|data: &[u8]| {
    // The first byte picks the L1 fork (top two bits) and the gas given (low six bits, in
    // millions), so out-of-gas paths and full verifications under each fork are explored.
    let Some((selector, input)) = data.split_first() else { return };
    let fork = [Fork::Cancun, Fork::Prague, Fork::Osaka, Fork::Osaka][usize::from(selector >> 6)];
    let gas = u64::from(selector & 0x3f) * 1_000_000;
    let params = ExecuteGasParams { limit: 30_000_000, target: 15_000_000 };
    let market = ExecuteMarket::new(params, 7, 7);
    let schedule = ForkSchedule::from_genesis(fork);
    match execute_call(input, gas, &schedule, &market) {
        CallOutcome::Success { gas: charged, output } => {
            assert!(charged <= gas, "charged {charged} > given {gas}");
            assert!(charged >= input_gas(input.len()));
            assert!(!output.is_empty());
        }
        CallOutcome::OutOfGas { required } => assert!(required > gas),
        CallOutcome::Failed(reason) => assert!(!reason.is_empty()),
    }
    assert!(market.snapshot().gas_used <= params.limit);
});
