//! The methods of issue 17, called through alloy's provider over HTTP as an outside client
//! would: getters by position, raw transactions and uncles, the `txpool` namespace, the
//! `pending` tag, the fee oracle and `eth_createAccessList`.

mod common;

use common::{CHAIN_ID, funded_chain, key};

use alloy_consensus::TxEnvelope;
use alloy_eips::{BlockId, BlockNumberOrTag, Encodable2718};
use alloy_primitives::{Address, B256, Bytes, TxKind, U256};
use alloy_provider::{Provider, ProviderBuilder, RootProvider};
use alloy_signer_local::PrivateKeySigner;
use nr_chain::{Chain, Eip1559Builder};
use serde_json::{Value, json};
use std::sync::Arc;

/// A second funded key.
fn key2() -> PrivateKeySigner {
    PrivateKeySigner::from_bytes(&B256::repeat_byte(0x43)).unwrap()
}

/// A transfer of `value` wei from `key` with `nonce`, tip `tip` wei.
fn transfer(key: &PrivateKeySigner, nonce: u64, value: u64, tip: u128) -> TxEnvelope {
    Eip1559Builder::new(CHAIN_ID, nonce, TxKind::Call(Address::repeat_byte(9)))
        .value(U256::from(value))
        .fees(50_000_000_000, tip)
        .sign(key)
        .unwrap()
}

/// Mines the pool into one block.
fn mine(chain: &Chain) -> nr_chain::Produced {
    let head = chain.head();
    chain.produce_block(head.timestamp + 12).unwrap()
}

/// A server on `chain` and alloy's HTTP provider on it.
async fn serve(chain: Arc<Chain>) -> (nr_rpc::RpcServer, RootProvider) {
    let server = nr_rpc::serve("127.0.0.1:0".parse().unwrap(), chain, None).await.unwrap();
    let url = format!("http://{}", server.local_addr()).parse().unwrap();
    let provider = ProviderBuilder::new().disable_recommended_fillers().connect_http(url);
    (server, provider.root().clone())
}

/// `method(params)` as raw JSON.
async fn raw(p: &RootProvider, method: &'static str, params: Value) -> Value {
    p.raw_request::<_, Value>(method.into(), params)
        .await
        .unwrap_or_else(|e| panic!("{method}: {e}"))
}

#[tokio::test(flavor = "multi_thread")]
async fn transaction_getters_by_position_raw_and_uncles() {
    let dir = tempfile::tempdir().unwrap();
    let chain = funded_chain(dir.path(), &[key().address(), key2().address()]);
    let a = transfer(&key(), 0, 1, 1);
    let b = transfer(&key(), 1, 2, 1);
    chain.add_transaction(a.clone()).unwrap();
    chain.add_transaction(b.clone()).unwrap();
    let block = mine(&chain);
    assert_eq!(block.block.body.transactions.len(), 2);
    let pending = transfer(&key(), 2, 3, 1);
    chain.add_transaction(pending.clone()).unwrap();
    let (_server, p) = serve(chain.clone()).await;

    // Raw by hash: mined, pending, unknown.
    let got = p.get_raw_transaction_by_hash(*a.tx_hash()).await.unwrap();
    assert_eq!(got, Some(Bytes::from(a.encoded_2718())));
    let got = p.get_raw_transaction_by_hash(*pending.tx_hash()).await.unwrap();
    assert_eq!(got, Some(Bytes::from(pending.encoded_2718())));
    assert_eq!(p.get_raw_transaction_by_hash(B256::repeat_byte(5)).await.unwrap(), None);

    // By block number / hash and index.
    let num = BlockNumberOrTag::Number(1);
    let t = p.get_transaction_by_block_number_and_index(num, 1).await.unwrap().expect("tx 1");
    assert_eq!(*t.inner.tx_hash(), *b.tx_hash());
    assert_eq!((t.block_number, t.transaction_index), (Some(1), Some(1)));
    let t = p.get_transaction_by_block_hash_and_index(block.hash, 0).await.unwrap().expect("tx 0");
    assert_eq!((*t.inner.tx_hash(), t.inner.signer()), (*a.tx_hash(), key().address()));
    assert!(p.get_transaction_by_block_hash_and_index(block.hash, 2).await.unwrap().is_none());
    let latest = BlockNumberOrTag::Latest;
    let r = p.get_raw_transaction_by_block_number_and_index(latest, 1).await.unwrap();
    assert_eq!(r, Some(Bytes::from(b.encoded_2718())));
    let r = p.get_raw_transaction_by_block_hash_and_index(block.hash, 0).await.unwrap();
    assert_eq!(r, Some(Bytes::from(a.encoded_2718())));
    let r = p.get_raw_transaction_by_block_hash_and_index(B256::repeat_byte(5), 0).await.unwrap();
    assert_eq!(r, None);
    let far = BlockNumberOrTag::Number(99);
    assert!(p.get_transaction_by_block_number_and_index(far, 0).await.unwrap().is_none());
    let n = p.get_block_transaction_count_by_hash(block.hash).await.unwrap();
    assert_eq!(n, Some(2));

    // Uncles: 0 for a known block, null for an unknown one, never an uncle.
    assert_eq!(p.get_uncle_count(BlockId::hash(block.hash)).await.unwrap(), 0);
    assert_eq!(p.get_uncle_count(BlockId::number(1)).await.unwrap(), 0);
    let unknown = raw(&p, "eth_getUncleCountByBlockHash", json!([B256::repeat_byte(5)])).await;
    assert_eq!(unknown, Value::Null);
    let unknown = raw(&p, "eth_getUncleCountByBlockNumber", json!(["0x63"])).await;
    assert_eq!(unknown, Value::Null);
    assert!(p.get_uncle(BlockId::hash(block.hash), 0).await.unwrap().is_none());
    assert!(p.get_uncle(BlockId::number(1), 0).await.unwrap().is_none());
}

#[tokio::test(flavor = "multi_thread")]
async fn txpool_namespace_splits_pending_and_queued_as_geth() {
    use alloy_provider::ext::TxPoolApi;
    let dir = tempfile::tempdir().unwrap();
    let chain = funded_chain(dir.path(), &[key().address(), key2().address()]);
    // key: nonces 0 and 1 executable, 3 after a gap; key2: nonce 0.
    let txs = [transfer(&key(), 0, 1, 2), transfer(&key(), 1, 1, 2), transfer(&key(), 3, 1, 2)];
    for t in &txs {
        chain.add_transaction(t.clone()).unwrap();
    }
    let other = transfer(&key2(), 0, 7, 3);
    chain.add_transaction(other.clone()).unwrap();
    let (_server, p) = serve(chain.clone()).await;

    let s = p.txpool_status().await.unwrap();
    assert_eq!((s.pending, s.queued), (3, 1));

    let c = p.txpool_content().await.unwrap();
    let first = &c.pending[&key().address()];
    assert_eq!(first.keys().collect::<Vec<_>>(), ["0", "1"]);
    assert_eq!(*first["1"].inner.tx_hash(), *txs[1].tx_hash());
    assert_eq!(*c.queued[&key().address()]["3"].inner.tx_hash(), *txs[2].tx_hash());
    assert_eq!(*c.pending[&key2().address()]["0"].inner.tx_hash(), *other.tx_hash());
    assert!(!c.queued.contains_key(&key2().address()));

    let from = p.txpool_content_from(key2().address()).await.unwrap();
    assert_eq!(from.pending.len(), 1);
    assert!(from.queued.is_empty());
    let none = p.txpool_content_from(Address::repeat_byte(3)).await.unwrap();
    assert!(none.pending.is_empty() && none.queued.is_empty());

    let i = raw(&p, "txpool_inspect", json!([])).await;
    let to = Address::repeat_byte(9).to_checksum(None);
    let sender = key2().address().to_checksum(None);
    assert_eq!(i["pending"][&sender]["0"], format!("{to}: 7 wei + 21000 gas × 50000000000 wei"));
    assert_eq!(
        i["queued"][key().address().to_checksum(None)]["3"],
        format!("{to}: 1 wei + 21000 gas × 50000000000 wei")
    );

    // Mining the executable ones leaves the queued one queued.
    mine(&chain);
    let s = p.txpool_status().await.unwrap();
    assert_eq!((s.pending, s.queued), (0, 1));
}

/// Blocks 1 and 2 with the tips the oracle tests sample: block 1 tips 10, 20, 30 and 40
/// wei; block 2 tips 1 wei (under the ignore price) and 50 wei.
fn tipped_blocks(chain: &Chain) {
    for (nonce, tip) in [10, 20, 30, 40].into_iter().enumerate() {
        chain.add_transaction(transfer(&key(), nonce as u64, 1, tip)).unwrap();
    }
    assert_eq!(mine(chain).block.body.transactions.len(), 4);
    chain.add_transaction(transfer(&key2(), 0, 1, 1)).unwrap();
    chain.add_transaction(transfer(&key2(), 1, 1, 50)).unwrap();
    assert_eq!(mine(chain).block.body.transactions.len(), 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn tip_suggestion_follows_recent_blocks_as_geths_oracle() {
    let dir = tempfile::tempdir().unwrap();
    let chain = funded_chain(dir.path(), &[key().address(), key2().address()]);
    tipped_blocks(&chain);
    let (_server, p) = serve(chain.clone()).await;
    // Samples: block 2 gives 50 (1 is ignored), block 1 its lowest three (10, 20, 30), the
    // empty genesis the last answer (1 gwei at first): the 60th percentile of the five.
    let tip = p.get_max_priority_fee_per_gas().await.unwrap();
    assert_eq!(tip, 30);
    let base =
        chain.head().next_block_base_fee(alloy_eips::eip1559::BaseFeeParams::ethereum()).unwrap();
    assert_eq!(p.get_gas_price().await.unwrap(), u128::from(base) + 30);
}

/// A chain whose extension sets the oracle's default tip to 1 wei (as the L2 does).
struct OneWei;

impl nr_rpc::RpcExtension for OneWei {
    fn methods(&self) -> &'static [&'static str] {
        &[]
    }
    fn call(&self, _: &Chain, _: &str, _: &[Value]) -> Option<Result<Value, nr_rpc::RpcError>> {
        None
    }
    fn default_tip(&self) -> Option<u128> {
        Some(1)
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn tip_suggestion_of_empty_blocks_is_the_chains_default() {
    let dir = tempfile::tempdir().unwrap();
    let chain = funded_chain(dir.path(), &[key().address(), key2().address()]);
    for _ in 0..3 {
        mine(&chain);
    }
    let ext: Arc<dyn nr_rpc::RpcExtension> = Arc::new(OneWei);
    let server =
        nr_rpc::serve("127.0.0.1:0".parse().unwrap(), chain.clone(), Some(ext)).await.unwrap();
    let url = format!("http://{}", server.local_addr()).parse().unwrap();
    let p = ProviderBuilder::new().disable_recommended_fillers().connect_http(url);
    assert_eq!(p.get_max_priority_fee_per_gas().await.unwrap(), 1);
    // Without an extension the default stays 1 gwei (the L1 dev node's answer).
    let (_plain, p) = serve(chain).await;
    assert_eq!(p.get_max_priority_fee_per_gas().await.unwrap(), nr_rpc::SUGGESTED_TIP);
}

#[tokio::test(flavor = "multi_thread")]
async fn pending_tag_is_the_next_block_on_the_pool() {
    use alloy_rpc_types_eth::TransactionRequest;
    let dir = tempfile::tempdir().unwrap();
    let chain = funded_chain(dir.path(), &[key().address(), key2().address()]);
    mine(&chain);
    // Nonces 0 and 1 pending, 5 queued behind a gap: the pending nonce is 2.
    for nonce in [0, 1, 5] {
        chain.add_transaction(transfer(&key(), nonce, 1, 2)).unwrap();
    }
    let (_server, p) = serve(chain.clone()).await;
    let me = key().address();
    assert_eq!(p.get_transaction_count(me).pending().await.unwrap(), 2);
    assert_eq!(p.get_transaction_count(me).latest().await.unwrap(), 0);
    let by_object =
        raw(&p, "eth_getTransactionCount", json!([me, {"blockNumber": "pending"}])).await;
    assert_eq!(by_object, "0x2");
    // A call at `pending` runs in the next block: NUMBER is the head's plus one.
    // Init code: NUMBER, PUSH1 0, MSTORE, PUSH1 32, PUSH1 0, RETURN.
    let mut number = TransactionRequest::default()
        .from(me)
        .input(Bytes::from_static(&[0x43, 0x60, 0, 0x52, 0x60, 32, 0x60, 0, 0xf3]).into());
    number.to = Some(TxKind::Create);
    let at = |out: Bytes| U256::from_be_slice(&out);
    let latest = p.call(number.clone()).block(BlockId::latest()).await.unwrap();
    let pending = p.call(number.clone()).block(BlockId::pending()).await.unwrap();
    assert_eq!((at(latest), at(pending)), (U256::from(1), U256::from(2)));
    let gas = p.estimate_gas(number).block(BlockId::pending()).await.unwrap();
    assert!(gas > 21_000, "{gas}");
}

#[tokio::test(flavor = "multi_thread")]
async fn create_access_list_finds_touched_slots_with_gas_and_revert_error() {
    use alloy_eips::eip2930::{AccessList, AccessListItem};
    use alloy_rpc_types_eth::TransactionRequest;
    let dir = tempfile::tempdir().unwrap();
    let chain = funded_chain(dir.path(), &[key().address(), key2().address()]);
    // Runtime: SLOAD slot 1; revert when there is calldata. Init code copies it out.
    let runtime =
        [0x60, 1, 0x54, 0x50, 0x36, 0x15, 0x60, 0x0d, 0x57, 0x60, 0, 0x80, 0xfd, 0x5b, 0x00];
    let mut init = vec![0x60, runtime.len() as u8, 0x60, 12, 0x60, 0, 0x39];
    init.extend_from_slice(&[0x60, runtime.len() as u8, 0x60, 0, 0xf3]);
    assert_eq!(init.len(), 12);
    init.extend_from_slice(&runtime);
    let deploy = Eip1559Builder::new(CHAIN_ID, 0, TxKind::Create)
        .input(init)
        .gas_limit(200_000)
        .sign(&key())
        .unwrap();
    chain.add_transaction(deploy).unwrap();
    mine(&chain);
    let contract = key().address().create(0);
    assert_eq!(chain.code(&chain.head(), contract).unwrap().as_ref(), &runtime[..]);
    let (_server, p) = serve(chain.clone()).await;

    let call = TransactionRequest::default().from(key().address()).to(contract);
    let r = p.create_access_list(&call).await.unwrap();
    let want = AccessList(vec![AccessListItem {
        address: contract,
        storage_keys: vec![B256::with_last_byte(1)],
    }]);
    assert_eq!((&r.access_list, &r.error), (&want, &None));
    // The gas is that of the call made with the list.
    let with_list = call.clone().access_list(want.clone());
    let gas = p.estimate_gas(with_list).await.unwrap();
    assert_eq!(r.gas_used, U256::from(gas));

    let reverting = call.input(Bytes::from_static(&[1]).into());
    let r = p.create_access_list(&reverting).await.unwrap();
    assert_eq!(r.access_list, want);
    assert_eq!(r.error.as_deref(), Some("execution reverted"));
}

#[tokio::test(flavor = "multi_thread")]
async fn estimate_gas_at_pending_runs_in_the_next_block() {
    use alloy_rpc_types_eth::TransactionRequest;
    let dir = tempfile::tempdir().unwrap();
    let chain = funded_chain(dir.path(), &[key().address(), key2().address()]);
    mine(&chain);
    let (_server, p) = serve(chain.clone()).await;
    // Init code that succeeds only in block 2 (the head is 1): NUMBER, PUSH1 2, EQ,
    // PUSH1 8, JUMPI, INVALID, JUMPDEST, STOP.
    let code = [0x43, 0x60, 2, 0x14, 0x60, 8, 0x57, 0xfe, 0x5b, 0x00];
    let mut req = TransactionRequest::default()
        .from(key().address())
        .input(Bytes::copy_from_slice(&code).into());
    req.to = Some(TxKind::Create);
    let pending = p.estimate_gas(req.clone()).block(BlockId::pending()).await;
    assert!(pending.is_ok(), "at pending: {pending:?}");
    assert!(p.estimate_gas(req).block(BlockId::latest()).await.is_err(), "at latest");
}
