//! Bridge operations for users, over the JSON-RPC of both chains: deposits, withdrawals
//! and claims of withdrawals on L1 (`nr bridge ...`).

use crate::RollupError;
use alloy_network::{EthereumWallet, TransactionBuilder};
use alloy_primitives::{Address, B256, Bytes, U256};
use alloy_provider::{DynProvider, Provider, ProviderBuilder};
use alloy_rpc_types_eth::{TransactionReceipt, TransactionRequest};
use alloy_signer_local::PrivateKeySigner;
use alloy_sol_types::{SolCall, SolEvent};
use nr_contracts::{
    L1TokenBridge, L2_MESSENGER, L2_TOKEN_BRIDGE, L2Messenger, L2TokenBridge, NativeRollup,
    TestToken, l2_message_hash, sent_message_slot,
};
use std::time::Duration;

/// Gas limit given to the L2 call of a deposit (what the relayer must forward).
pub const DEPOSIT_GAS_LIMIT: u64 = 200_000;
/// Gas limit of an ERC-20 deposit's L2 call (the first one deploys the L2 token).
pub const ERC20_DEPOSIT_GAS_LIMIT: u64 = 1_500_000;

/// A user's view of both chains.
#[derive(Debug, Clone)]
pub struct BridgeClient {
    l1: DynProvider,
    l2: DynProvider,
    /// The signing account.
    pub from: Address,
    /// The rollup contract on L1.
    pub rollup: Address,
    /// The L1 token bridge.
    pub l1_bridge: Address,
}

fn err(what: &'static str) -> impl Fn(alloy_provider::transport::TransportError) -> RollupError {
    move |source| RollupError::Rpc { method: what, source }
}

async fn send(p: &DynProvider, tx: TransactionRequest) -> Result<TransactionReceipt, RollupError> {
    let r = p
        .send_transaction(tx)
        .await
        .map_err(RollupError::WouldRevert)?
        .with_timeout(Some(Duration::from_secs(120)))
        .get_receipt()
        .await
        .map_err(RollupError::BridgeReceipt)?;
    if !r.status() {
        return Err(RollupError::Reverted(r.transaction_hash));
    }
    Ok(r)
}

impl BridgeClient {
    /// Connects to both chains; the rollup's addresses come from the L2 (`nr_rollupInfo`).
    pub async fn connect(
        l1_rpc: &str,
        l2_rpc: &str,
        key: PrivateKeySigner,
    ) -> Result<Self, RollupError> {
        let from = key.address();
        let wallet = EthereumWallet::from(key);
        let url = |u: &str| {
            u.parse().map_err(|source| RollupError::BadUrl {
                what: "RPC URL",
                url: u.into(),
                source,
            })
        };
        let l1 = ProviderBuilder::new().wallet(wallet.clone()).connect_http(url(l1_rpc)?).erased();
        let l2 = ProviderBuilder::new().wallet(wallet).connect_http(url(l2_rpc)?).erased();
        let info: serde_json::Value =
            l2.raw_request("nr_rollupInfo".into(), ()).await.map_err(err("nr_rollupInfo"))?;
        let addr = |k: &'static str| -> Result<Address, RollupError> {
            info[k]
                .as_str()
                .and_then(|s| s.parse().ok())
                .ok_or_else(|| RollupError::RollupInfoField(k))
        };
        Ok(Self { l1, l2, from, rollup: addr("rollup")?, l1_bridge: addr("l1Bridge")? })
    }

    /// The L1 provider.
    pub fn l1(&self) -> &DynProvider {
        &self.l1
    }

    /// The L2 provider.
    pub fn l2(&self) -> &DynProvider {
        &self.l2
    }

    /// Deposits `amount` wei to `to` on L2, paying `fee` to the relayer.
    pub async fn deposit_eth(
        &self,
        to: Address,
        amount: U256,
        fee: U256,
    ) -> Result<TransactionReceipt, RollupError> {
        self.send_message(to, amount, fee, U256::from(DEPOSIT_GAS_LIMIT), Bytes::new()).await
    }

    /// Sends any L1->L2 message (`NativeRollup.sendMessage`): `value` wei and `data` to
    /// `to` on L2, whose call gets `gas_limit` gas; `fee` pays the relayer.
    pub async fn send_message(
        &self,
        to: Address,
        value: U256,
        fee: U256,
        gas_limit: U256,
        data: Bytes,
    ) -> Result<TransactionReceipt, RollupError> {
        let call = NativeRollup::sendMessageCall { to, fee, gasLimit_: gas_limit, data };
        let tx = TransactionRequest::default()
            .with_to(self.rollup)
            .with_input(call.abi_encode())
            .with_value(value.saturating_add(fee));
        send(&self.l1, tx).await
    }

    /// Withdraws `amount` wei from L2 to `to` on L1 (claim it on L1 once settled).
    pub async fn withdraw_eth(
        &self,
        to: Address,
        amount: U256,
    ) -> Result<TransactionReceipt, RollupError> {
        let call = L2Messenger::sendMessageCall { to, data: Bytes::new() };
        let tx = TransactionRequest::default()
            .with_to(L2_MESSENGER)
            .with_input(call.abi_encode())
            .with_value(amount);
        send(&self.l2, tx).await
    }

    /// Deposits `amount` of L1 ERC-20 `token` to `to` on L2 (approves the bridge first).
    pub async fn deposit_erc20(
        &self,
        token: Address,
        to: Address,
        amount: U256,
        fee: U256,
    ) -> Result<TransactionReceipt, RollupError> {
        let approve = TestToken::approveCall { spender: self.l1_bridge, amount };
        send(
            &self.l1,
            TransactionRequest::default().with_to(token).with_input(approve.abi_encode()),
        )
        .await?;
        let call = L1TokenBridge::depositCall {
            token,
            to,
            amount,
            gasLimit: U256::from(ERC20_DEPOSIT_GAS_LIMIT),
        };
        let tx = TransactionRequest::default()
            .with_to(self.l1_bridge)
            .with_input(call.abi_encode())
            .with_value(fee);
        send(&self.l1, tx).await
    }

    /// The L2 token of L1 token `token` (zero before its first deposit is relayed).
    pub async fn l2_token(&self, token: Address) -> Result<Address, RollupError> {
        let tx = TransactionRequest::default()
            .with_to(L2_TOKEN_BRIDGE)
            .with_input(L2TokenBridge::l2TokenOfCall(token).abi_encode());
        let out = self.l2.call(tx).await.map_err(err("l2TokenOf"))?;
        L2TokenBridge::l2TokenOfCall::abi_decode_returns(&out).map_err(RollupError::DecodeL1)
    }

    /// Withdraws `amount` of bridged `l2_token` to `to` on L1.
    pub async fn withdraw_erc20(
        &self,
        l2_token: Address,
        to: Address,
        amount: U256,
    ) -> Result<TransactionReceipt, RollupError> {
        let call = L2TokenBridge::withdrawCall { l2Token: l2_token, to, amount };
        send(
            &self.l2,
            TransactionRequest::default().with_to(L2_TOKEN_BRIDGE).with_input(call.abi_encode()),
        )
        .await
    }

    /// Claims on L1 the L2->L1 message sent by L2 transaction `l2_tx`, waiting up to `wait`
    /// for the rollup to settle its block; proofs come from `eth_getProof` on L2.
    pub async fn claim(
        &self,
        l2_tx: B256,
        wait: Duration,
    ) -> Result<TransactionReceipt, RollupError> {
        let r = self
            .l2
            .get_transaction_receipt(l2_tx)
            .await
            .map_err(err("eth_getTransactionReceipt"))?
            .ok_or(RollupError::L2TxNotMined(l2_tx))?;
        let block = r.block_number.unwrap_or_default();
        let log = r
            .inner
            .logs()
            .iter()
            .find(|l| {
                l.address() == L2_MESSENGER
                    && l.topics().first() == Some(&L2Messenger::MessageSent::SIGNATURE_HASH)
            })
            .ok_or(RollupError::NoL2Message(l2_tx))?;
        let e =
            L2Messenger::MessageSent::decode_log_data(log.data()).map_err(RollupError::DecodeL1)?;
        let m = NativeRollup::L2Message {
            sender: e.sender,
            to: e.to,
            value: e.value,
            nonce: e.nonce,
            data: e.data,
        };
        debug_assert_eq!(l2_message_hash(&m), e.hash);
        let deadline = std::time::Instant::now() + wait;
        loop {
            let tx = TransactionRequest::default()
                .with_to(self.rollup)
                .with_input(NativeRollup::headNumberCall {}.abi_encode());
            let out = self.l1.call(tx).await.map_err(err("headNumber"))?;
            let settled = NativeRollup::headNumberCall::abi_decode_returns(&out)
                .map_err(RollupError::DecodeL1)?;
            if settled >= block {
                break;
            }
            if std::time::Instant::now() > deadline {
                return Err(RollupError::NotSettled { block, waited: wait, settled });
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
        let proof = self
            .l2
            .get_proof(L2_MESSENGER, vec![sent_message_slot(e.hash)])
            .block_id(block.into())
            .await
            .map_err(err("eth_getProof"))?;
        let storage = proof.storage_proof.first().ok_or(RollupError::NoStorageProof)?;
        let call = NativeRollup::claimL2MessageCall {
            m,
            l2Block: block,
            accountProof: proof.account_proof.clone(),
            storageProof: storage.proof.clone(),
        };
        send(
            &self.l1,
            TransactionRequest::default().with_to(self.rollup).with_input(call.abi_encode()),
        )
        .await
    }
}
