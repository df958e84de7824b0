//! Building and signing EIP-1559 transactions: one place for the fields every sender
//! sets (the node's relayer, the benchmarks, the tests).

use alloy_consensus::{SignableTransaction, TxEip1559, TxEnvelope};
use alloy_primitives::{Bytes, TxKind, U256};
use alloy_signer::SignerSync;
use std::time::{SystemTime, UNIX_EPOCH};

/// Seconds since the Unix epoch on this machine's clock (0 if the clock is before 1970).
pub fn unix_now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or_default()
}

/// An EIP-1559 transaction under construction, with defaults for the fields most senders
/// leave alone: value 0, empty input, 21,000 gas, a 50 gwei fee cap and a 1 gwei tip.
#[derive(Debug, Clone)]
pub struct Eip1559Builder {
    tx: TxEip1559,
}

impl Eip1559Builder {
    /// A transaction of `chain_id` with `nonce` to `to` (or a contract creation).
    pub fn new(chain_id: u64, nonce: u64, to: impl Into<TxKind>) -> Self {
        Self {
            tx: TxEip1559 {
                chain_id,
                nonce,
                gas_limit: 21_000,
                max_fee_per_gas: 50_000_000_000,
                max_priority_fee_per_gas: 1_000_000_000,
                to: to.into(),
                value: U256::ZERO,
                access_list: Default::default(),
                input: Bytes::new(),
            },
        }
    }

    /// Sets the value sent.
    pub fn value(mut self, value: U256) -> Self {
        self.tx.value = value;
        self
    }

    /// Sets the call data (or init code for a creation).
    pub fn input(mut self, input: impl Into<Bytes>) -> Self {
        self.tx.input = input.into();
        self
    }

    /// Sets the gas limit.
    pub fn gas_limit(mut self, gas_limit: u64) -> Self {
        self.tx.gas_limit = gas_limit;
        self
    }

    /// Sets the fee cap and the priority fee (tip), both in wei per gas.
    pub fn fees(mut self, max_fee_per_gas: u128, max_priority_fee_per_gas: u128) -> Self {
        self.tx.max_fee_per_gas = max_fee_per_gas;
        self.tx.max_priority_fee_per_gas = max_priority_fee_per_gas;
        self
    }

    /// The unsigned transaction.
    pub fn unsigned(&self) -> &TxEip1559 {
        &self.tx
    }

    /// Signs with `signer`.
    pub fn sign(self, signer: &impl SignerSync) -> Result<TxEnvelope, alloy_signer::Error> {
        let sig = signer.sign_hash_sync(&self.tx.signature_hash())?;
        Ok(TxEnvelope::Eip1559(self.tx.into_signed(sig)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy_consensus::transaction::SignerRecoverable;
    use alloy_primitives::Address;
    use alloy_signer_local::PrivateKeySigner;

    #[test]
    fn signed_transaction_recovers_to_the_signer_and_keeps_fields() {
        let key = PrivateKeySigner::random();
        let to = Address::repeat_byte(7);
        let tx = Eip1559Builder::new(5, 3, to)
            .value(U256::from(9))
            .gas_limit(50_000)
            .fees(10, 2)
            .input(vec![1u8, 2])
            .sign(&key)
            .unwrap();
        assert_eq!(tx.recover_signer().unwrap(), key.address());
        let TxEnvelope::Eip1559(signed) = &tx else { panic!("not EIP-1559: {tx:?}") };
        let t = signed.tx();
        assert_eq!(
            (t.chain_id, t.nonce, t.to, t.value, t.gas_limit, t.max_fee_per_gas),
            (5, 3, TxKind::Call(to), U256::from(9), 50_000, 10)
        );
        assert_eq!((t.max_priority_fee_per_gas, t.input.as_ref()), (2, &[1u8, 2][..]));
    }
}
