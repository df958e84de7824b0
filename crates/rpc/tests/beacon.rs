//! Blobs served by the L1: the beacon-API paths (`blob_sidecars`, `blobs`) with every
//! `block_id` form and filter, their 404s (unknown, pruned) and 400s, and the blob fields
//! of transactions, receipts and `eth_feeHistory`.

mod common;

use alloy_consensus::TxEip4844;
use alloy_eips::{
    Encodable2718,
    eip4844::{Blob, kzg_to_versioned_hash},
    eip7594::BlobTransactionSidecarVariant,
};
use alloy_primitives::{Address, B256, hex};
use common::*;
use nr_chain::blobs::{SidecarKind, build_sidecar, sign_with_sidecar};
use serde_json::{Value, json};
use std::{net::SocketAddr, time::Duration};

const WAIT: Duration = Duration::from_secs(60);

fn blob(seed: u8) -> Blob {
    let mut b = Blob::default();
    for i in 0..4096 {
        b[i * 32 + 1] = seed;
        b[i * 32 + 2] = i as u8;
    }
    b
}

/// A signed two-blob transaction in the EIP-4844 wrapper (the chain is at Prague) and its
/// sidecar.
fn blob_tx(nonce: u64) -> (Vec<u8>, BlobTransactionSidecarVariant) {
    let sidecar = build_sidecar(
        vec![blob(nonce as u8 * 2 + 1), blob(nonce as u8 * 2 + 2)],
        SidecarKind::Eip4844,
    )
    .unwrap();
    let hashes =
        sidecar.commitments().iter().map(|c| kzg_to_versioned_hash(c.as_slice())).collect();
    let tx = TxEip4844 {
        chain_id: CHAIN_ID,
        nonce,
        gas_limit: 50_000,
        max_fee_per_gas: 50_000_000_000,
        max_priority_fee_per_gas: 1_000_000_000,
        to: Address::repeat_byte(0x42),
        max_fee_per_blob_gas: 1_000,
        blob_versioned_hashes: hashes,
        ..Default::default()
    };
    let signed = sign_with_sidecar(tx, sidecar.clone(), &key()).unwrap();
    (signed.encoded_2718(), sidecar)
}

async fn get(addr: SocketAddr, path: &str) -> (u16, Value) {
    let (status, body) = get_raw(addr, path, WAIT).await;
    let json = serde_json::from_str(&body).unwrap_or_else(|e| panic!("GET {path}: {e}: {body}"));
    (status, json)
}

async fn call(addr: SocketAddr, method: &str, params: Value) -> Value {
    let body = json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params}).to_string();
    let (status, body) = post_raw(addr, &body, None, WAIT).await;
    assert_eq!(status, 200, "{method}: {body}");
    let v: Value = serde_json::from_str(&body).unwrap();
    v.get("result").cloned().unwrap_or_else(|| panic!("{method}: {v}"))
}

fn hexs(v: &Value) -> Vec<String> {
    v["data"].as_array().unwrap().iter().map(|b| b.as_str().unwrap().to_string()).collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn beacon_blob_paths_serve_a_mined_blob_tx() {
    let dir = tempfile::tempdir().unwrap();
    let chain = funded_chain(dir.path(), &[key().address()]);
    let (raw, sidecar) = blob_tx(0);
    let server = nr_rpc::serve("127.0.0.1:0".parse().unwrap(), chain.clone(), None).await.unwrap();
    let addr = server.local_addr();
    let hash: B256 = serde_json::from_value(
        call(addr, "eth_sendRawTransaction", json!([hex::encode_prefixed(&raw)])).await,
    )
    .unwrap();
    // Pending: shown with its blob fields, without the sidecar.
    let pending = call(addr, "eth_getTransactionByHash", json!([hash])).await;
    assert_eq!(pending["type"], "0x3", "{pending}");
    assert_eq!(pending["maxFeePerBlobGas"], "0x3e8");
    assert_eq!(pending["blobVersionedHashes"].as_array().map(Vec::len), Some(2));
    assert!(pending.get("blobs").is_none() && pending.get("sidecar").is_none(), "{pending}");
    let p = chain.produce_block(12).unwrap();
    assert_eq!(p.block.body.transactions.len(), 1);

    let blobs: Vec<String> = sidecar.blobs().iter().map(hex::encode_prefixed).collect();
    let hashes: Vec<B256> =
        sidecar.commitments().iter().map(|c| kzg_to_versioned_hash(c.as_slice())).collect();
    // Every block_id form names block 1.
    for id in ["1".to_string(), "head".to_string(), p.hash.to_string()] {
        let (status, v) = get(addr, &format!("/eth/v1/beacon/blobs/{id}")).await;
        assert_eq!(status, 200, "{id}: {v}");
        assert_eq!(hexs(&v), blobs, "{id}");
    }
    let (_, v) = get(addr, &format!("/eth/v1/beacon/blobs/1?versioned_hashes={}", hashes[1])).await;
    assert_eq!(hexs(&v), vec![blobs[1].clone()]);
    let (status, v) = get(addr, "/eth/v1/beacon/blob_sidecars/1").await;
    assert_eq!(status, 200, "{v}");
    let items = v["data"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    let BlobTransactionSidecarVariant::Eip4844(s) = &sidecar else { unreachable!() };
    for (i, item) in items.iter().enumerate() {
        assert_eq!(item["index"], i.to_string());
        assert_eq!(item["blob"], blobs[i]);
        assert_eq!(item["kzg_commitment"], hex::encode_prefixed(s.commitments[i]));
        assert_eq!(item["kzg_proof"], hex::encode_prefixed(s.proofs[i]));
        assert_eq!(item["signed_block_header"]["message"]["slot"], "1");
        assert_eq!(item["kzg_commitment_inclusion_proof"].as_array().map(Vec::len), Some(17));
    }
    let (_, v) = get(addr, "/eth/v1/beacon/blob_sidecars/1?indices=1").await;
    let only: Vec<&Value> = v["data"].as_array().unwrap().iter().map(|i| &i["index"]).collect();
    assert_eq!(only, vec!["1"]);
    // Blocks without blobs: 200, empty.
    for id in ["genesis", "finalized", "0"] {
        let (status, v) = get(addr, &format!("/eth/v1/beacon/blobs/{id}")).await;
        assert_eq!((status, v["data"].clone()), (200, json!([])), "{id}");
    }
    // Unknown blocks: 404 with the beacon error shape; bad ids and filters: 400.
    for path in [
        "/eth/v1/beacon/blobs/7".to_string(),
        format!("/eth/v1/beacon/blob_sidecars/{}", B256::repeat_byte(7)),
    ] {
        let (status, v) = get(addr, &path).await;
        assert_eq!((status, v["code"].clone()), (404, json!(404)), "{path}: {v}");
        assert!(v["message"].as_str().unwrap().contains("not found"), "{v}");
    }
    for path in ["/eth/v1/beacon/blobs/latest", "/eth/v1/beacon/blob_sidecars/1?indices=x"] {
        let (status, v) = get(addr, path).await;
        assert_eq!((status, v["code"].clone()), (400, json!(400)), "{path}: {v}");
    }

    // Receipt and fee history.
    let receipt = call(addr, "eth_getTransactionReceipt", json!([hash])).await;
    assert_eq!(receipt["blobGasUsed"], "0x40000", "{receipt}");
    assert_eq!(receipt["blobGasPrice"], "0x1", "{receipt}");
    let history = call(addr, "eth_feeHistory", json!(["0x2", "latest", []])).await;
    assert_eq!(history["baseFeePerBlobGas"], json!(["0x1", "0x1", "0x1"]), "{history}");
    // Prague: at most 9 blobs per block; block 1 has 2.
    assert_eq!(history["blobGasUsedRatio"], json!([0.0, 2.0 / 9.0]), "{history}");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn beacon_blob_paths_say_pruned() {
    let dir = tempfile::tempdir().unwrap();
    let chain = funded_chain(dir.path(), &[key().address()]);
    chain.set_blob_retention(1);
    chain.add_raw_transaction(&blob_tx(0).0).unwrap();
    chain.produce_block(12).unwrap();
    chain.produce_block(24).unwrap();
    chain.produce_block(36).unwrap();
    let server = nr_rpc::serve("127.0.0.1:0".parse().unwrap(), chain.clone(), None).await.unwrap();
    let addr = server.local_addr();
    for kind in ["blobs", "blob_sidecars"] {
        let (status, v) = get(addr, &format!("/eth/v1/beacon/{kind}/1")).await;
        assert_eq!((status, v["code"].clone()), (404, json!(404)), "{kind}: {v}");
        let msg = v["message"].as_str().unwrap();
        assert!(msg.contains("pruned") && msg.contains("last 1 blocks"), "{msg}");
    }
    // A block without blobs in the pruned range is not "pruned": it had none.
    let (status, v) = get(addr, "/eth/v1/beacon/blobs/0").await;
    assert_eq!((status, v["data"].clone()), (200, json!([])));
    server.stop().await;
}

/// `eth_call` / `eth_estimateGas` of a blob transaction (a proposer estimating its
/// `proposeBlobs`) see its versioned hashes through `BLOBHASH`.
#[tokio::test(flavor = "multi_thread")]
async fn eth_call_sees_the_blob_versioned_hashes() {
    let dir = tempfile::tempdir().unwrap();
    let chain = funded_chain(dir.path(), &[key().address()]);
    // Runtime: return BLOBHASH(0). Init code: copy it out.
    let init = hex::decode("675f495f5260205ff35f5260086018f3").unwrap();
    let deploy = nr_chain::Eip1559Builder::new(CHAIN_ID, 0, alloy_primitives::TxKind::Create)
        .input(init)
        .gas_limit(100_000)
        .sign(&key())
        .unwrap();
    chain.add_transaction(deploy).unwrap();
    chain.produce_block(12).unwrap();
    let contract = key().address().create(0);
    let server = nr_rpc::serve("127.0.0.1:0".parse().unwrap(), chain.clone(), None).await.unwrap();
    let addr = server.local_addr();
    let hash = B256::with_last_byte(7);
    let mut versioned = hash;
    versioned[0] = 1;
    let req = json!({"from": key().address(), "to": contract, "blobVersionedHashes": [versioned],
        "maxFeePerBlobGas": "0x10", "maxFeePerGas": "0x2540be400"});
    let out = call(addr, "eth_call", json!([req, "latest"])).await;
    assert_eq!(out, json!(versioned), "BLOBHASH(0) in eth_call");
    let gas = call(addr, "eth_estimateGas", json!([req])).await;
    assert!(gas.as_str().is_some_and(|g| g.starts_with("0x")), "{gas}");
    server.stop().await;
}
