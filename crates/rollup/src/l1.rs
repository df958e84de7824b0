//! The L2's view of the L1, through standard JSON-RPC only (any L1 with EXECUTE works).

use crate::RollupError;
use alloy_consensus::Header;
use alloy_network::{EthereumWallet, TransactionBuilder};
use alloy_primitives::{Address, B256, Bytes, U256};
use alloy_provider::{DynProvider, Provider, ProviderBuilder};
use alloy_rpc_types_eth::{BlockNumberOrTag, Filter, Log, TransactionReceipt, TransactionRequest};
use alloy_signer_local::PrivateKeySigner;
use alloy_sol_types::{SolCall, SolEvent};
use nr_contracts::NativeRollup;

/// An L1 block as the L2 uses it (anchor, time).
#[derive(Debug, Clone)]
pub struct L1Block {
    /// Number.
    pub number: u64,
    /// Hash.
    pub hash: B256,
    /// Timestamp.
    pub timestamp: u64,
    /// The full header (RLP-encodable, for L1 state proofs on L2).
    pub header: Header,
}

/// JSON-RPC client of the L1 and its rollup contract.
#[derive(Clone, Debug)]
pub struct L1Client {
    provider: DynProvider,
    /// The rollup contract.
    pub rollup: Address,
    /// The signing account, if any.
    pub from: Option<Address>,
}

fn rpc_err(
    method: &'static str,
) -> impl Fn(alloy_provider::transport::TransportError) -> RollupError {
    move |source| RollupError::Rpc { method, source }
}

impl L1Client {
    /// A client for `url`, signing with `key` when given.
    pub fn new(
        url: &str,
        rollup: Address,
        key: Option<PrivateKeySigner>,
    ) -> Result<Self, RollupError> {
        let url = url.parse().map_err(|source| RollupError::BadUrl {
            what: "L1 RPC URL",
            url: url.into(),
            source,
        })?;
        let from = key.as_ref().map(|k| k.address());
        let provider = match key {
            Some(k) => {
                ProviderBuilder::new().wallet(EthereumWallet::from(k)).connect_http(url).erased()
            }
            None => ProviderBuilder::new().connect_http(url).erased(),
        };
        Ok(Self { provider, rollup, from })
    }

    /// The underlying provider.
    pub fn provider(&self) -> &DynProvider {
        &self.provider
    }

    /// A block by number or tag.
    pub async fn block(&self, at: BlockNumberOrTag) -> Result<L1Block, RollupError> {
        let b = self
            .provider
            .get_block_by_number(at)
            .await
            .map_err(rpc_err("eth_getBlockByNumber"))?
            .ok_or(RollupError::NoL1Block(at))?;
        Ok(L1Block {
            number: b.header.number,
            hash: b.header.hash,
            timestamp: b.header.timestamp,
            header: b.header.inner,
        })
    }

    /// The number of the L1 block with this hash.
    pub async fn number_of(&self, hash: B256) -> Result<u64, RollupError> {
        let b = self
            .provider
            .get_block_by_hash(hash)
            .await
            .map_err(rpc_err("eth_getBlockByHash"))?
            .ok_or(RollupError::UnknownAnchor(hash))?;
        Ok(b.header.number)
    }

    /// A view call on the rollup contract.
    pub async fn view<C: SolCall>(&self, call: C) -> Result<C::Return, RollupError> {
        let tx = TransactionRequest::default().with_to(self.rollup).with_input(call.abi_encode());
        let out = self.provider.call(tx).await.map_err(rpc_err(C::SIGNATURE))?;
        C::abi_decode_returns(&out)
            .map_err(|source| RollupError::Decode { what: C::SIGNATURE, source })
    }

    /// A view call on the rollup contract in the state of L1 block `at` (a tag such as
    /// `finalized`, or a number).
    pub async fn view_at<C: SolCall>(
        &self,
        call: C,
        at: BlockNumberOrTag,
    ) -> Result<C::Return, RollupError> {
        let tx = TransactionRequest::default().with_to(self.rollup).with_input(call.abi_encode());
        let out = self.provider.call(tx).block(at.into()).await.map_err(rpc_err(C::SIGNATURE))?;
        C::abi_decode_returns(&out)
            .map_err(|source| RollupError::Decode { what: C::SIGNATURE, source })
    }

    /// Whether the L1 block with hash `hash` is on the L1's canonical chain now (an L1
    /// reorg may have removed it; a node may still serve it by hash).
    pub async fn is_canonical(&self, hash: B256) -> Result<bool, RollupError> {
        let Some(b) =
            self.provider.get_block_by_hash(hash).await.map_err(rpc_err("eth_getBlockByHash"))?
        else {
            return Ok(false);
        };
        let at = self
            .provider
            .get_block_by_number(b.header.number.into())
            .await
            .map_err(rpc_err("eth_getBlockByNumber"))?;
        Ok(at.is_some_and(|a| a.header.hash == hash))
    }

    /// The rollup's settled head: (number, hash).
    pub async fn settled_head(&self) -> Result<(u64, B256), RollupError> {
        Ok((
            self.view(NativeRollup::headNumberCall {}).await?,
            self.view(NativeRollup::headHashCall {}).await?,
        ))
    }

    /// Sends a call to `to` (gas estimated first, so a call that would revert is not sent
    /// and its revert reason is returned) and waits for the receipt.
    pub async fn send(
        &self,
        to: Address,
        input: Bytes,
        value: U256,
    ) -> Result<TransactionReceipt, RollupError> {
        let from = self.from.ok_or(RollupError::NoSigningKey)?;
        let tx = TransactionRequest::default()
            .with_from(from)
            .with_to(to)
            .with_input(input)
            .with_value(value);
        let gas =
            self.provider.estimate_gas(tx.clone()).await.map_err(RollupError::would_revert)?;
        let tx = tx.with_gas_limit(gas + gas / 5);
        let pending =
            self.provider.send_transaction(tx).await.map_err(rpc_err("eth_sendRawTransaction"))?;
        let receipt = pending
            .with_timeout(Some(std::time::Duration::from_secs(60)))
            .get_receipt()
            .await
            .map_err(RollupError::ReceiptWait)?;
        if !receipt.status() {
            return Err(RollupError::Reverted(receipt.transaction_hash));
        }
        Ok(receipt)
    }

    /// Sends a call with a fixed gas limit without waiting; returns the transaction hash.
    /// Consecutive sends get consecutive nonces (the pending count includes the pool).
    pub async fn send_unchecked(
        &self,
        to: Address,
        input: Bytes,
        gas: u64,
    ) -> Result<B256, RollupError> {
        let from = self.from.ok_or(RollupError::NoSigningKey)?;
        let tx = TransactionRequest::default()
            .with_from(from)
            .with_to(to)
            .with_input(input)
            .with_gas_limit(gas);
        let pending =
            self.provider.send_transaction(tx).await.map_err(rpc_err("eth_sendRawTransaction"))?;
        Ok(*pending.tx_hash())
    }

    /// Waits for the receipt of `hash` (up to `secs` seconds).
    pub async fn receipt(&self, hash: B256, secs: u64) -> Result<TransactionReceipt, RollupError> {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(secs);
        loop {
            if let Some(r) = self
                .provider
                .get_transaction_receipt(hash)
                .await
                .map_err(rpc_err("eth_getTransactionReceipt"))?
            {
                return Ok(r);
            }
            if std::time::Instant::now() > deadline {
                return Err(RollupError::NotMined { hash, secs });
            }
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        }
    }

    /// Logs of the rollup contract with event `E` in L1 blocks `from..=to`.
    pub async fn events<E: SolEvent>(
        &self,
        from: u64,
        to: u64,
    ) -> Result<Vec<(Log, E)>, RollupError> {
        let filter = Filter::new()
            .address(self.rollup)
            .event_signature(E::SIGNATURE_HASH)
            .from_block(from)
            .to_block(to);
        let logs = self.provider.get_logs(&filter).await.map_err(rpc_err("eth_getLogs"))?;
        logs.into_iter()
            .map(|l| {
                let e = E::decode_log_data(l.data())
                    .map_err(|source| RollupError::Decode { what: E::SIGNATURE, source })?;
                Ok((l, e))
            })
            .collect()
    }

    /// Calldata of an L1 transaction.
    pub async fn tx_input(&self, hash: B256) -> Result<Bytes, RollupError> {
        use alloy_consensus::Transaction as _;
        let tx = self
            .provider
            .get_transaction_by_hash(hash)
            .await
            .map_err(rpc_err("eth_getTransactionByHash"))?
            .ok_or(RollupError::NoL1Transaction(hash))?;
        Ok(tx.inner.input().clone())
    }

    /// The L1 transaction with this hash: its target and calldata.
    pub async fn tx_call(&self, hash: B256) -> Result<(Option<Address>, Bytes), RollupError> {
        use alloy_consensus::Transaction as _;
        let tx = self
            .provider
            .get_transaction_by_hash(hash)
            .await
            .map_err(rpc_err("eth_getTransactionByHash"))?
            .ok_or(RollupError::NoL1Transaction(hash))?;
        Ok((tx.inner.to(), tx.inner.input().clone()))
    }

    /// geth's `callTracer` trace of L1 transaction `hash` (`debug_traceTransaction`): the
    /// tree of its calls, each with `type`, `to`, `input`, `error` and nested `calls`.
    pub async fn call_trace(&self, hash: B256) -> Result<serde_json::Value, RollupError> {
        let opts = serde_json::json!({ "tracer": "callTracer" });
        self.provider
            .raw_request("debug_traceTransaction".into(), (hash, opts))
            .await
            .map_err(rpc_err("debug_traceTransaction"))
    }

    /// `eth_getProof` of the rollup contract's `slots` at L1 block `number`.
    pub async fn rollup_proof(
        &self,
        slots: Vec<B256>,
        number: u64,
    ) -> Result<alloy_rpc_types_eth::EIP1186AccountProofResponse, RollupError> {
        self.provider
            .get_proof(self.rollup, slots)
            .block_id(number.into())
            .await
            .map_err(rpc_err("eth_getProof"))
    }

    /// The L1's fork schedule (`nr_forkSchedule`), which the L2 follows.
    pub async fn fork_schedule(&self) -> Result<nr_stateless::ForkSchedule, RollupError> {
        self.provider
            .raw_request("nr_forkSchedule".into(), ())
            .await
            .map_err(rpc_err("nr_forkSchedule"))
    }
}
