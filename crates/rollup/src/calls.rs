//! The rollup contract's settlement calls as derivation reads them: `advance`,
//! `advanceWithDelivery` (one block each), `advanceBatch` and `advanceBatchWithDelivery`
//! (K consecutive blocks, in order). Each carries one EXECUTE input per block.

use crate::RollupError;
use alloy_primitives::Bytes;
use alloy_sol_types::SolCall;
use nr_contracts::NativeRollup;

/// The 4-byte selectors of every call that settles L2 blocks.
pub const SETTLEMENT_SELECTORS: [[u8; 4]; 4] = [
    NativeRollup::advanceCall::SELECTOR,
    NativeRollup::advanceWithDeliveryCall::SELECTOR,
    NativeRollup::advanceBatchCall::SELECTOR,
    NativeRollup::advanceBatchWithDeliveryCall::SELECTOR,
];

/// Whether `calldata` starts with the selector of a settlement call.
pub fn is_settlement_call(calldata: &[u8]) -> bool {
    SETTLEMENT_SELECTORS.iter().any(|s| calldata.starts_with(s))
}

/// The EXECUTE inputs a settlement call's `calldata` carries, in block order (one for
/// `advance` and `advanceWithDelivery`, K for a batch). Decoded by selector; anything else
/// is [`RollupError::DecodeL1`].
pub fn settlement_inputs(calldata: &[u8]) -> Result<Vec<Bytes>, RollupError> {
    let selector = calldata.get(..4).unwrap_or_default();
    let inputs = if selector == NativeRollup::advanceCall::SELECTOR {
        NativeRollup::advanceCall::abi_decode(calldata).map(|c| vec![c.input])
    } else if selector == NativeRollup::advanceWithDeliveryCall::SELECTOR {
        NativeRollup::advanceWithDeliveryCall::abi_decode(calldata).map(|c| vec![c.input])
    } else if selector == NativeRollup::advanceBatchWithDeliveryCall::SELECTOR {
        NativeRollup::advanceBatchWithDeliveryCall::abi_decode(calldata).map(|c| c.inputs)
    } else {
        NativeRollup::advanceBatchCall::abi_decode(calldata).map(|c| c.inputs)
    };
    inputs.map_err(RollupError::DecodeL1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy_primitives::U256;

    #[test]
    fn every_settlement_call_gives_its_inputs_in_order() {
        let (a, b, c) = (Bytes::from(vec![1]), Bytes::from(vec![2]), Bytes::from(vec![3]));
        let one = NativeRollup::advanceCall { input: a.clone(), anchorBlock: U256::from(7) };
        assert_eq!(settlement_inputs(&one.abi_encode()).unwrap(), vec![a.clone()]);
        let delivery = NativeRollup::advanceWithDeliveryCall {
            input: b.clone(),
            anchorBlock: U256::from(7),
            accountProof: vec![],
            storageProof: vec![],
        };
        assert_eq!(settlement_inputs(&delivery.abi_encode()).unwrap(), vec![b.clone()]);
        let batch = NativeRollup::advanceBatchCall {
            inputs: vec![a.clone(), b.clone(), c.clone()],
            anchorBlocks: vec![U256::from(1), U256::from(2), U256::from(2)],
        };
        let data = batch.abi_encode();
        assert!(is_settlement_call(&data));
        assert_eq!(settlement_inputs(&data).unwrap(), vec![a.clone(), b.clone(), c.clone()]);
        let batch = NativeRollup::advanceBatchWithDeliveryCall {
            inputs: vec![c.clone(), a.clone()],
            anchorBlocks: vec![U256::from(1), U256::from(2)],
            accountProof: vec![Bytes::from(vec![9])],
            storageProof: vec![],
        };
        assert_eq!(settlement_inputs(&batch.abi_encode()).unwrap(), vec![c, a]);
        assert!(matches!(settlement_inputs(&[0x12, 0x34]), Err(RollupError::DecodeL1(_))));
        assert!(!is_settlement_call(&[0x12, 0x34, 0x56, 0x78]));
    }
}
