//! `nr l1` as a separate process takes blob transactions from an outside client (alloy's
//! provider and wallet, sidecars built with c-kzg) and serves their blobs on the
//! beacon-API paths; a blob transaction breaking a rule gets a JSON-RPC error naming it.

mod common;

use alloy_consensus::TxEip4844;
use alloy_eips::{
    Encodable2718,
    eip4844::{Blob, Bytes48, kzg_to_versioned_hash},
    eip7594::{BlobTransactionSidecarEip7594, BlobTransactionSidecarVariant},
};
use alloy_network::{TransactionBuilder, TransactionBuilder4844};
use alloy_primitives::{Address, B256, hex};
use alloy_provider::Provider;
use alloy_rpc_types_eth::{BlockNumberOrTag, TransactionRequest};
use alloy_signer_local::PrivateKeySigner;
use common::{DEV_KEY, L1Node, tempdir};
use nr_chain::blobs::{SidecarKind, build_sidecar, sign_with_sidecar};
use serde_json::Value;
use std::{
    io::{Read, Write},
    time::Duration,
};

/// A blob holding `text` repeated, 31 bytes per field element (byte 0 of each is 0).
fn blob_of(text: &[u8]) -> Blob {
    let mut b = Blob::default();
    for (i, byte) in text.iter().cycle().take(4096 * 31).enumerate() {
        b[(i / 31) * 32 + 1 + i % 31] = *byte;
    }
    b
}

/// GETs `path` from the node's JSON-RPC port: HTTP status and JSON body.
fn get(url: &str, path: &str) -> (u16, Value) {
    let host = url.trim_start_matches("http://").trim_end_matches('/');
    let mut s = std::net::TcpStream::connect(host).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    write!(s, "GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n").unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap_or_else(|e| panic!("GET {path}: {e}"));
    let (head, body) = out.split_once("\r\n\r\n").expect("an HTTP response");
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    (status, serde_json::from_str(body).unwrap_or_else(|e| panic!("GET {path}: {e}: {body}")))
}

fn hashes(sidecar: &BlobTransactionSidecarVariant) -> Vec<B256> {
    sidecar.commitments().iter().map(|c| kzg_to_versioned_hash(c.as_slice())).collect()
}

/// A signed blob transaction of nonce `nonce` in its network form.
fn raw_blob_tx(
    key: &PrivateKeySigner,
    nonce: u64,
    hashes: Vec<B256>,
    max_fee_per_blob_gas: u128,
    sidecar: BlobTransactionSidecarVariant,
) -> Vec<u8> {
    let tx = TxEip4844 {
        chain_id: 31337,
        nonce,
        gas_limit: 100_000,
        max_fee_per_gas: 100_000_000_000,
        max_priority_fee_per_gas: 1_000_000_000,
        to: Address::repeat_byte(0x42),
        max_fee_per_blob_gas,
        blob_versioned_hashes: hashes,
        ..Default::default()
    };
    sign_with_sidecar(tx, sidecar, key).unwrap().encoded_2718()
}

#[tokio::test(flavor = "multi_thread")]
async fn outside_client_sends_blobs_and_reads_them_back() {
    let dir = tempdir();
    let node = L1Node::start(dir.path(), &["--block-time", "0"]);
    let p = node.provider(DEV_KEY);
    let key: PrivateKeySigner = DEV_KEY.parse().unwrap();
    // `nr l1` starts at Osaka: the EIP-7594 wrapper (cell proofs) is the network form.
    let blobs = vec![blob_of(b"rollup batch one "), blob_of(b"rollup batch two ")];
    let sidecar = build_sidecar(blobs.clone(), SidecarKind::Eip7594).unwrap();
    // alloy fills the versioned hashes, gas, fees (eth_feeHistory's blob fields for the blob
    // fee cap), nonce and chain id, and its wallet signs.
    let request = TransactionRequest::default()
        .with_to(Address::repeat_byte(0x42))
        .with_blob_sidecar(sidecar.clone());
    let receipt = common::receipt(p.send_transaction(request).await.unwrap()).await;
    assert!(receipt.status());
    assert_eq!(receipt.blob_gas_used, Some(2 * 131_072));
    assert_eq!(receipt.blob_gas_price, Some(1));
    let number = receipt.block_number.unwrap();
    let tx = p.get_transaction_by_hash(receipt.transaction_hash).await.unwrap().unwrap();
    let tx_hashes = alloy_consensus::Transaction::blob_versioned_hashes(&tx).unwrap().to_vec();
    assert_eq!(tx_hashes, hashes(&sidecar));

    // The blobs, by block number, through both beacon paths.
    let (status, v) = get(&node.url, &format!("/eth/v1/beacon/blob_sidecars/{number}"));
    assert_eq!(status, 200, "{v}");
    let items = v["data"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    for (i, item) in items.iter().enumerate() {
        assert_eq!(item["index"], i.to_string());
        assert_eq!(item["blob"], hex::encode_prefixed(blobs[i]));
        let commitment: Bytes48 = item["kzg_commitment"].as_str().unwrap().parse().unwrap();
        // The versioned hash is 0x01 || sha256(commitment)[1..].
        assert_eq!(kzg_to_versioned_hash(commitment.as_slice()), tx_hashes[i]);
        assert_eq!(tx_hashes[i][0], 1);
    }
    let (status, v) = get(&node.url, &format!("/eth/v1/beacon/blobs/{number}"));
    assert_eq!(status, 200, "{v}");
    let got: Vec<&str> =
        v["data"].as_array().unwrap().iter().map(|b| b.as_str().unwrap()).collect();
    assert_eq!(got, blobs.iter().map(hex::encode_prefixed).collect::<Vec<_>>());
    let (status, v) = get(&node.url, "/eth/v1/beacon/blobs/999999");
    assert_eq!((status, v["code"].as_u64()), (404, Some(404)), "{v}");

    // The EIP-4844 wrapper is still taken at Osaka (docs/l1.md, "Blobs").
    let nonce = p.get_transaction_count(key.address()).await.unwrap();
    let legacy = build_sidecar(vec![blob_of(b"old form ")], SidecarKind::Eip4844).unwrap();
    let raw = raw_blob_tx(&key, nonce, hashes(&legacy), 1_000_000_000, legacy);
    let pending = p.send_raw_transaction(&raw).await.expect("EIP-4844 wrapper at Osaka");
    let r = common::receipt(pending).await;
    assert_eq!(r.blob_gas_used, Some(131_072));

    // Refusals, each a JSON-RPC error naming the problem.
    let nonce = p.get_transaction_count(key.address()).await.unwrap();
    // Not constant polynomials (whose cell proofs would all be equal).
    let good =
        build_sidecar(vec![blob_of(b"record a "), blob_of(b"record b ")], SidecarKind::Eip7594)
            .unwrap();
    let BlobTransactionSidecarVariant::Eip7594(s) = &good else { unreachable!() };
    let mut bad_proof = s.clone();
    bad_proof.cell_proofs.swap(0, 128); // cell 0 of blob 0 and of blob 1
    let mut wrong_hash = hashes(&good);
    wrong_hash[1] = B256::repeat_byte(0x01);
    let seven = BlobTransactionSidecarVariant::Eip7594(BlobTransactionSidecarEip7594 {
        blobs: vec![Blob::default(); 7],
        commitments: vec![Bytes48::default(); 7],
        cell_proofs: vec![Bytes48::default(); 7 * 128],
    });
    let cases = [
        (
            raw_blob_tx(
                &key,
                nonce,
                hashes(&good),
                1_000_000_000,
                BlobTransactionSidecarVariant::Eip7594(bad_proof),
            ),
            "invalid blob proof",
        ),
        (
            raw_blob_tx(&key, nonce, wrong_hash, 1_000_000_000, good.clone()),
            "does not match its commitment",
        ),
        (
            raw_blob_tx(&key, nonce, hashes(&seven), 1_000_000_000, seven),
            "too many blobs in transaction: have 7, permitted 6",
        ),
        (
            raw_blob_tx(&key, nonce, hashes(&good), 0, good.clone()),
            "max fee per blob gas less than block blob gas fee: max fee per blob gas 0, blob base fee 1",
        ),
    ];
    for (raw, want) in cases {
        let err = p.send_raw_transaction(&raw).await.expect_err(want).to_string();
        assert!(err.contains(want), "want {want:?} in: {err}");
    }

    // eth_feeHistory: n + 1 blob base fees, the blob block's ratio (Osaka: 9 blobs max).
    let count = p.get_block_number().await.unwrap() + 1; // every block, genesis included
    let history = p.get_fee_history(count, BlockNumberOrTag::Latest, &[]).await.unwrap();
    assert_eq!(history.base_fee_per_blob_gas.len() as u64, count + 1, "{history:?}");
    assert_eq!(history.blob_gas_used_ratio.len() as u64, count, "{history:?}");
    let first = history.oldest_block;
    let at = |n: u64| history.blob_gas_used_ratio[(n - first) as usize];
    assert_eq!(at(number), 2.0 / 9.0, "{history:?}");
    assert_eq!(at(r.block_number.unwrap()), 1.0 / 9.0, "{history:?}");
}
