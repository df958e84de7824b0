//! The pre-v0.8 wire format (no schema id, `chain_config` instead of `chain_id`) is refused
//! by the precompile with an error naming the schema id it read, after charging for the
//! input: the call fails and keeps all its gas.

use nr_execute::{
    ExecuteError,
    precompile::{ExecuteCallError, ExecuteGasParams, ExecuteMarket, ExecuteOutcome, execute_call},
};
use nr_stateless::{Fork, ForkSchedule, ssz::SszError};

/// An honest input of the test chain's last block, written by the code before the v0.8
/// switch (commit 2d79915, `StatelessInput::to_ssz` of `common::build().input()`).
const LEGACY: &str = include_str!("fixtures/legacy-input.hex");

#[test]
fn legacy_input_is_refused_naming_its_schema_id() {
    let bytes = alloy_primitives::hex::decode(LEGACY.trim()).unwrap();
    let market = ExecuteMarket::new(ExecuteGasParams::default(), 7, 7);
    let schedule = ForkSchedule::from_genesis(Fork::Cancun);
    let outcome = execute_call(&bytes, 30_000_000, &schedule, &market);
    println!("{outcome:?}");
    match outcome {
        ExecuteOutcome::Failed(reason) => {
            assert_eq!(
                reason.to_string(),
                "input: unsupported stateless input schema id 0x1000 (expected 0x1501)"
            );
            assert!(matches!(
                reason,
                ExecuteCallError::Execute(ExecuteError::Decode(SszError::UnsupportedSchemaId {
                    found: 0x1000,
                    expected: 0x1501
                }))
            ));
        }
        other => panic!("legacy input not refused: {other:?}"),
    }
    assert_eq!(market.snapshot().gas_used, 0, "nothing reserved");
}
