//! Bridge operations for users, over the JSON-RPC of both chains: deposits, withdrawals,
//! claims of withdrawals on L1 and self-delivery of deposits on L2 (`nr bridge ...`).
//! Reverts of our contracts come back as [`RollupError::ContractError`], by name.

use crate::RollupError;
use alloy_network::{EthereumWallet, TransactionBuilder};
use alloy_primitives::{Address, B256, Bytes, U256};
use alloy_provider::{DynProvider, Provider, ProviderBuilder};
use alloy_rpc_types_eth::{BlockNumberOrTag, Filter, TransactionReceipt, TransactionRequest};
use alloy_signer_local::PrivateKeySigner;
use alloy_sol_types::{SolCall, SolEvent};
use nr_contracts::{
    L1TokenBridge, L2_MESSENGER, L2_TOKEN_BRIDGE, L2Messenger, L2TokenBridge, MessageTree,
    NativeRollup, TestToken, l1_message_hash, l2_message_hash, sent_message_slot,
};
use std::time::Duration;

/// Gas limit given to the L2 call of a deposit (what the relayer must forward).
pub const DEPOSIT_GAS_LIMIT: u64 = 200_000;
/// Gas limit of an ERC-20 deposit's L2 call (the first one deploys the L2 token).
pub const ERC20_DEPOSIT_GAS_LIMIT: u64 = 1_500_000;
/// Gas limit given to the L1 call of an ETH withdrawal (enough for a smart-contract
/// wallet's `receive`; the claimer must forward it).
pub const WITHDRAW_GAS_LIMIT: u64 = 100_000;
/// L1 blocks asked for per `eth_getLogs` when collecting the message tree.
const LOG_CHUNK: u64 = 1_000;

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
    /// L1 block of the rollup's deployment (its first possible message).
    pub deploy_block: u64,
}

fn err(what: &'static str) -> impl Fn(alloy_provider::transport::TransportError) -> RollupError {
    move |source| RollupError::Rpc { method: what, source }
}

async fn send(p: &DynProvider, tx: TransactionRequest) -> Result<TransactionReceipt, RollupError> {
    let r = p
        .send_transaction(tx)
        .await
        .map_err(RollupError::would_revert)?
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
        let deploy_block = info["deployBlock"].as_u64().unwrap_or(0);
        Ok(Self {
            l1,
            l2,
            from,
            rollup: addr("rollup")?,
            l1_bridge: addr("l1Bridge")?,
            deploy_block,
        })
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

    /// Withdraws `amount` wei from L2 to `to` on L1 (claim it on L1 once settled); the L1
    /// call gets [`WITHDRAW_GAS_LIMIT`].
    pub async fn withdraw_eth(
        &self,
        to: Address,
        amount: U256,
    ) -> Result<TransactionReceipt, RollupError> {
        let call = L2Messenger::sendMessageCall {
            to,
            gasLimit: U256::from(WITHDRAW_GAS_LIMIT),
            data: Bytes::new(),
        };
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
    /// for the rollup to settle its block; the claim is proven against the settled head
    /// (whose state contains the message) with `eth_getProof` on L2 at that head.
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
        let m = nr_contracts::RollupCore::L2Message {
            sender: e.sender,
            to: e.to,
            value: e.value,
            gasLimit: e.gasLimit,
            nonce: e.nonce,
            data: e.data,
        };
        debug_assert_eq!(l2_message_hash(&m), e.hash);
        // The claim is proven against the settled head, not the withdrawal's own block:
        // the head's state holds every message sent at or below it, and an optimistic
        // rollup settles only the last block of each batch (docs/l2.md, "Withdrawals
        // against the settled head").
        let deadline = std::time::Instant::now() + wait;
        let settled = loop {
            let tx = TransactionRequest::default()
                .with_to(self.rollup)
                .with_input(NativeRollup::headNumberCall {}.abi_encode());
            let out = self.l1.call(tx).await.map_err(err("headNumber"))?;
            let settled = NativeRollup::headNumberCall::abi_decode_returns(&out)
                .map_err(RollupError::DecodeL1)?;
            if settled >= block {
                break settled;
            }
            if std::time::Instant::now() > deadline {
                return Err(RollupError::NotSettled { block, waited: wait, settled });
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        };
        let proof = self
            .l2
            .get_proof(L2_MESSENGER, vec![sent_message_slot(e.hash)])
            .block_id(settled.into())
            .await
            .map_err(err("eth_getProof"))?;
        let storage = proof.storage_proof.first().ok_or(RollupError::NoStorageProof)?;
        let call = NativeRollup::claimL2MessageCall {
            m,
            l2Block: settled,
            accountProof: proof.account_proof.clone(),
            storageProof: storage.proof.clone(),
        };
        send(
            &self.l1,
            TransactionRequest::default().with_to(self.rollup).with_input(call.abi_encode()),
        )
        .await
    }

    /// Delivers on L2, from this account, the L1->L2 message sent by L1 transaction
    /// `l1_tx` (its first `MessageSent`), as a relayer would but without one: waits up to
    /// `wait` for an L2 block anchored at or after the message's L1 block, proves that
    /// anchor's message root on L2 unless known, then claims (this account gets the fee).
    pub async fn claim_deposit(
        &self,
        l1_tx: B256,
        wait: Duration,
    ) -> Result<TransactionReceipt, RollupError> {
        let r = self
            .l1
            .get_transaction_receipt(l1_tx)
            .await
            .map_err(err("eth_getTransactionReceipt"))?
            .ok_or(RollupError::NoL1Transaction(l1_tx))?;
        let sent_in = r.block_number.unwrap_or_default();
        let e = r
            .inner
            .logs()
            .iter()
            .find(|l| {
                l.address() == self.rollup
                    && l.topics().first() == Some(&NativeRollup::MessageSent::SIGNATURE_HASH)
            })
            .map(|l| NativeRollup::MessageSent::decode_log_data(l.data()))
            .ok_or(RollupError::NoL1Message(l1_tx))?
            .map_err(RollupError::DecodeL1)?;
        let m = l1_message(e);
        let (l2_timestamp, anchor) = self.anchor_after(sent_in, wait).await?;
        let tree = self.message_tree(anchor).await?;
        let index: usize =
            m.index.try_into().map_err(|_| RollupError::MessageOutOfOrder(m.index))?;
        let leaf = l1_message_hash(&m);
        let proof = tree.proof(index).ok_or(RollupError::MessageOutOfOrder(m.index))?;
        if tree.leaf(index) != Some(leaf) {
            return Err(RollupError::MessageOutOfOrder(m.index));
        }
        let root = tree.root();
        let known = self.l2_view(L2Messenger::knownL1RootsCall(root)).await?;
        if !known {
            let header = self
                .l1
                .get_block_by_number(BlockNumberOrTag::Number(anchor))
                .await
                .map_err(err("eth_getBlockByNumber"))?
                .ok_or(RollupError::NoL1Block(BlockNumberOrTag::Number(anchor)))?
                .header
                .inner;
            let p = self
                .l1
                .get_proof(self.rollup, vec![B256::ZERO])
                .block_id(anchor.into())
                .await
                .map_err(err("eth_getProof"))?;
            let call = L2Messenger::proveL1MessageRootCall {
                l2Timestamp: U256::from(l2_timestamp),
                l1Header: Bytes::from(alloy_rlp::encode(&header)),
                accountProof: p.account_proof,
                storageProof: p.storage_proof.first().map(|s| s.proof.clone()).unwrap_or_default(),
            };
            let tx =
                TransactionRequest::default().with_to(L2_MESSENGER).with_input(call.abi_encode());
            send(&self.l2, tx).await?;
        }
        let call = L2Messenger::claimL1MessageCall { m, root, proof };
        let gas = nr_contracts::l1_message_claim_gas(call.m.gasLimit)
            .ok_or(RollupError::UndeliverableGasLimit(call.m.gasLimit))?;
        // The gas the messenger checks for is given explicitly, after a simulation that
        // names any revert (estimation could pick an amount the 63/64 rule then fails).
        let tx = TransactionRequest::default().with_to(L2_MESSENGER).with_input(call.abi_encode());
        self.l2.call(tx.clone().with_gas_limit(gas)).await.map_err(RollupError::would_revert)?;
        send(&self.l2, tx.with_gas_limit(gas)).await
    }

    /// A view call on the L2 messenger at the L2 head.
    async fn l2_view<C: SolCall>(&self, call: C) -> Result<C::Return, RollupError> {
        let tx = TransactionRequest::default().with_to(L2_MESSENGER).with_input(call.abi_encode());
        let out = self.l2.call(tx).await.map_err(err(C::SIGNATURE))?;
        C::abi_decode_returns(&out).map_err(RollupError::DecodeL2)
    }

    /// Waits (up to `wait`) for the L2 head to be anchored at L1 block `at` or later;
    /// returns the head's timestamp and its anchor's number.
    async fn anchor_after(&self, at: u64, wait: Duration) -> Result<(u64, u64), RollupError> {
        let deadline = std::time::Instant::now() + wait;
        loop {
            let head = self
                .l2
                .get_block_by_number(BlockNumberOrTag::Latest)
                .await
                .map_err(err("eth_getBlockByNumber"))?
                .ok_or(RollupError::NoL2Block(0))?
                .header;
            if let Some(root) = head.parent_beacon_block_root {
                let anchor = self
                    .l1
                    .get_block_by_hash(root)
                    .await
                    .map_err(err("eth_getBlockByHash"))?
                    .ok_or(RollupError::UnknownAnchor(root))?
                    .header
                    .number;
                if anchor >= at && head.number > 0 {
                    return Ok((head.timestamp, anchor));
                }
            }
            if std::time::Instant::now() > deadline {
                return Err(RollupError::NotAnchored { l1_block: at, waited: wait });
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    }

    /// The L1->L2 message tree as the rollup held it after L1 block `at`.
    async fn message_tree(&self, at: u64) -> Result<MessageTree, RollupError> {
        let mut tree = MessageTree::default();
        let mut from = self.deploy_block;
        while from <= at {
            let to = at.min(from.saturating_add(LOG_CHUNK - 1));
            let filter = Filter::new()
                .address(self.rollup)
                .event_signature(NativeRollup::MessageSent::SIGNATURE_HASH)
                .from_block(from)
                .to_block(to);
            for log in self.l1.get_logs(&filter).await.map_err(err("eth_getLogs"))? {
                let e = NativeRollup::MessageSent::decode_log_data(log.data())
                    .map_err(RollupError::DecodeL1)?;
                if e.index != U256::from(tree.len()) {
                    return Err(RollupError::MessageOutOfOrder(e.index));
                }
                tree.push(e.hash);
            }
            from = to + 1;
        }
        Ok(tree)
    }
}

/// The L1->L2 message a `MessageSent` event describes (what `claimL1Message` takes).
pub fn l1_message(e: NativeRollup::MessageSent) -> L2Messenger::L1Message {
    L2Messenger::L1Message {
        sender: e.sender,
        to: e.to,
        value: e.value,
        fee: e.fee,
        gasLimit: e.gasLimit,
        index: e.index,
        data: e.data,
    }
}
