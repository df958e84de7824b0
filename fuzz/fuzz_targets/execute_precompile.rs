//! Fuzzes the EXECUTE precompile entry point and the guest entry with arbitrary wire bytes
//! (schema id `0x1501` then SSZ, tests-zkevm v0.8) and gas: neither may panic; EXECUTE
//! never charges more than it was given or less than the input charge, never lets the
//! block's cumulative EXECUTE gas pass its limit, and outputs 43 bytes on success; the
//! guest outputs 43 bytes, all zero when the input does not decode.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nr_execute::precompile::{
    ExecuteGasParams, ExecuteMarket, ExecuteOutcome, execute_call, input_gas,
};
use nr_stateless::{Fork, ForkSchedule, guest::stateless_guest, ssz::StatelessInput};

fuzz_target!(|data: &[u8]| {
    // The first byte picks the L1 fork (top two bits) and the gas given (low six bits, in
    // millions); the rest is the input, prefixed with the schema id when bit 5 of the
    // selector is clear so most runs reach the SSZ decoder.
    let Some((selector, body)) = data.split_first() else { return };
    let fork = [Fork::Cancun, Fork::Prague, Fork::Osaka, Fork::Osaka][usize::from(selector >> 6)];
    let gas = u64::from(selector & 0x3f) * 1_000_000;
    let input: Vec<u8> =
        if selector & 0x20 == 0 { [&[0x15, 0x01][..], body].concat() } else { body.to_vec() };
    let params = ExecuteGasParams { limit: 30_000_000, target: 15_000_000 };
    let market = ExecuteMarket::new(params, 7, 7);
    let schedule = ForkSchedule::from_genesis(fork);
    match execute_call(&input, gas, &schedule, &market) {
        ExecuteOutcome::Success { gas: charged, output } => {
            assert!(charged <= gas, "charged {charged} > given {gas}");
            assert!(charged >= input_gas(input.len()));
            assert_eq!(output.len(), 43);
            assert_eq!(output[32], 1);
        }
        ExecuteOutcome::OutOfGas { required } => assert!(required > gas),
        ExecuteOutcome::Failed(reason) => assert!(!reason.to_string().is_empty()),
    }
    assert!(market.snapshot().gas_used <= params.limit);
    let run = stateless_guest(&input, &schedule);
    if StatelessInput::from_wire(&input).is_err() {
        assert_eq!(run.result.to_bytes(), [0u8; 43]);
    } else {
        assert_eq!(run.result.schema_id, 0x1501);
    }
});
