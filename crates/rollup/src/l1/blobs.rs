//! Blobs on the L1 (EIP-4844): reading them back from the L1's beacon-API endpoint
//! (`GET /eth/v1/beacon/blobs/{block}`, served by `nr l1` on its JSON-RPC port; see
//! `docs/l1.md`, "Blobs") with every blob checked against its versioned hash, and sending
//! a type-3 transaction with its sidecar through `eth_sendRawTransaction`.

use super::{L1Client, rpc_err};
use crate::RollupError;
use alloy_eips::{
    eip4844::{BYTES_PER_BLOB, Blob, env_settings::EnvKzgSettings, kzg_to_versioned_hash},
    eip7594::BlobTransactionSidecarVariant,
};
use alloy_network::TransactionBuilder;
use alloy_primitives::{Address, B256, Bytes, U256};
use alloy_provider::Provider;
use alloy_rpc_types_eth::{BlockNumberOrTag, TransactionReceipt, TransactionRequest};

/// Why the blobs of an L1 block could not be read, or a blob transaction not be sent.
#[derive(Debug, thiserror::Error)]
pub enum BlobError {
    /// The L1 no longer keeps the blobs of this block (older than its retention window):
    /// the data must come from an archive, or a node with a longer `--blob-retention`.
    #[error(
        "blob {versioned_hash} of L1 block {block} is pruned by the L1 (retention: {}; the L1 said: {message}); derive from an L1 that keeps blobs longer (nr l1 --blob-retention)",
        retention.map_or("unknown".to_string(), |r| format!("{r} blocks"))
    )]
    BlobsPruned {
        /// The L1 block the blob was posted in.
        block: u64,
        /// The first wanted versioned hash.
        versioned_hash: B256,
        /// The L1's retention window in blocks, when its answer names it.
        retention: Option<u64>,
        /// The L1's answer.
        message: String,
    },
    /// The L1 block holds no blob with this versioned hash (or the L1 does not know it).
    #[error("L1 block {block} has no blob with versioned hash {versioned_hash}")]
    BlobsMissing {
        /// The L1 block.
        block: u64,
        /// The versioned hash not found.
        versioned_hash: B256,
    },
    /// The beacon endpoint failed or answered something else than the beacon API's JSON.
    #[error("beacon API {url}: {reason}")]
    Beacon {
        /// The URL asked.
        url: String,
        /// Why.
        reason: String,
    },
    /// A KZG computation failed (a blob that is not canonical field elements).
    #[error("KZG: {0}")]
    Kzg(String),
    /// The blob transaction has no blobs or more than a transaction may carry.
    #[error("a blob transaction needs 1..={max} blobs, got {got}")]
    BlobCount {
        /// Blobs given.
        got: usize,
        /// Most per transaction.
        max: usize,
    },
}

/// Most blobs per transaction (EIP-7594's cap from Osaka; EIP-4844 allows the block's
/// maximum, at least as many).
pub const MAX_BLOBS_PER_TX: usize = 6;

/// The versioned hash of `blob` (KZG commitment, version byte 0x01).
pub fn versioned_hash(blob: &Blob) -> Result<B256, BlobError> {
    use alloy_eips::eip4844::AsCkzg;
    let c = EnvKzgSettings::Default
        .get()
        .blob_to_kzg_commitment(blob.as_ckzg())
        .map_err(|e| BlobError::Kzg(e.to_string()))?;
    Ok(kzg_to_versioned_hash(c.to_bytes().as_slice()))
}

/// The retention (in blocks) a "pruned" answer names: the first number after `pruned`
/// (`nr l1` says "blobs of block N pruned: this node keeps the blobs of the last R
/// blocks (…)").
pub fn retention_in(message: &str) -> Option<u64> {
    let at = message.find("pruned")?;
    let digits: String = message[at..]
        .chars()
        .skip_while(|c| !c.is_ascii_digit())
        .take_while(|c| c.is_ascii_digit() || *c == ',' || *c == '_')
        .filter(char::is_ascii_digit)
        .collect();
    digits.parse().ok()
}

/// The blobs of `block` with `hashes`, in that order, from a beacon answer (`status`,
/// `body`) to `GET /eth/v1/beacon/blobs/{block}`. Each returned blob is checked against
/// its versioned hash (the L1 is not trusted for the bytes).
pub fn blobs_from_answer(
    url: &str,
    block: u64,
    hashes: &[B256],
    status: u16,
    body: &str,
) -> Result<Vec<Blob>, BlobError> {
    let beacon = |reason: String| BlobError::Beacon { url: url.to_string(), reason };
    let json: serde_json::Value = serde_json::from_str(body)
        .map_err(|e| beacon(format!("HTTP {status}, body is not JSON ({e}): {body:.200}")))?;
    let first = hashes.first().copied().unwrap_or_default();
    if status == 404 {
        let message = json["message"].as_str().unwrap_or(body).to_string();
        if message.contains("pruned") {
            let retention = retention_in(&message);
            return Err(BlobError::BlobsPruned {
                block,
                versioned_hash: first,
                retention,
                message,
            });
        }
        return Err(BlobError::BlobsMissing { block, versioned_hash: first });
    }
    if status != 200 {
        return Err(beacon(format!("HTTP {status}: {body:.200}")));
    }
    let data = json["data"].as_array().ok_or_else(|| beacon("no `data` array".into()))?;
    // Blobs are 128 KiB: filled in place on the heap, never moved through the stack.
    let mut blobs = vec![Blob::ZERO; data.len()];
    let mut found = std::collections::HashMap::new();
    for (at, item) in data.iter().enumerate() {
        let hex = item.as_str().ok_or_else(|| beacon("a blob is not a string".into()))?;
        let bytes = alloy_primitives::hex::decode(hex)
            .map_err(|e| beacon(format!("a blob is not hex: {e}")))?;
        if bytes.len() != BYTES_PER_BLOB {
            return Err(beacon(format!("a blob has {} bytes", bytes.len())));
        }
        blobs[at].copy_from_slice(&bytes);
        found.insert(versioned_hash(&blobs[at])?, at);
    }
    let mut out = vec![Blob::ZERO; hashes.len()];
    for (k, h) in hashes.iter().enumerate() {
        let at = found.get(h).ok_or(BlobError::BlobsMissing { block, versioned_hash: *h })?;
        out[k].copy_from_slice(blobs[*at].as_slice());
    }
    Ok(out)
}

/// A sidecar for `blobs`: the EIP-7594 form (cell proofs) when `osaka`, else EIP-4844's
/// (one blob proof per blob).
pub fn sidecar(blobs: Vec<Blob>, osaka: bool) -> Result<BlobTransactionSidecarVariant, BlobError> {
    if blobs.is_empty() || blobs.len() > MAX_BLOBS_PER_TX {
        return Err(BlobError::BlobCount { got: blobs.len(), max: MAX_BLOBS_PER_TX });
    }
    crate::blob_da::sidecar(blobs, osaka).map_err(|e| BlobError::Kzg(e.to_string()))
}

impl L1Client {
    /// The blobs with versioned hashes `hashes` posted in L1 block `block`, in that order,
    /// each checked against its hash.
    pub async fn blobs(&self, block: u64, hashes: &[B256]) -> Result<Vec<Blob>, RollupError> {
        let list: Vec<String> = hashes.iter().map(|h| h.to_string()).collect();
        let url = format!(
            "{}/eth/v1/beacon/blobs/{block}?versioned_hashes={}",
            self.url.trim_end_matches('/'),
            list.join(",")
        );
        let beacon = |reason: String| BlobError::Beacon { url: url.clone(), reason };
        let answer =
            self.http.get(&url).send().await.map_err(|e| beacon(format!("request: {e}")))?;
        let status = answer.status().as_u16();
        let body = answer.text().await.map_err(|e| beacon(format!("body: {e}")))?;
        Ok(blobs_from_answer(&url, block, hashes, status, &body)?)
    }

    /// The L1's blob base fee for the next block (`eth_blobBaseFee`).
    pub async fn blob_base_fee(&self) -> Result<u128, RollupError> {
        self.provider.get_blob_base_fee().await.map_err(rpc_err("eth_blobBaseFee"))
    }

    /// Whether the L1's latest block is at or after Osaka (blob sidecars in EIP-7594 form).
    pub async fn osaka(&self) -> Result<bool, RollupError> {
        let schedule = self.fork_schedule().await?;
        let latest = self.block(BlockNumberOrTag::Latest).await?;
        Ok(schedule.osaka_time.is_some_and(|t| latest.timestamp >= t))
    }

    /// The blob versioned hashes of L1 transaction `hash` (empty for other types).
    pub async fn tx_blob_hashes(&self, hash: B256) -> Result<Vec<B256>, RollupError> {
        use alloy_consensus::Transaction as _;
        let tx = self
            .provider
            .get_transaction_by_hash(hash)
            .await
            .map_err(rpc_err("eth_getTransactionByHash"))?
            .ok_or(RollupError::NoL1Transaction(hash))?;
        Ok(tx.inner.blob_versioned_hashes().map(<[B256]>::to_vec).unwrap_or_default())
    }

    /// Sends a call to `to` carrying `blobs` as a type-3 transaction with its sidecar
    /// (EIP-7594 form when the L1 is at Osaka, else EIP-4844), and waits for the receipt.
    /// The blob fee cap is twice the current blob base fee (plus one wei), so the blob
    /// price may double before the transaction is mined. The gas limit is estimated with
    /// the versioned hashes; `fallback_gas` is used if the L1's estimate cannot see them.
    pub async fn send_blobs(
        &self,
        to: Address,
        input: Bytes,
        value: U256,
        blobs: Vec<Blob>,
        fallback_gas: u64,
    ) -> Result<TransactionReceipt, RollupError> {
        let from = self.from.ok_or(RollupError::NoSigningKey)?;
        let sidecar = sidecar(blobs, self.osaka().await?)?;
        let hashes: Vec<B256> = sidecar.versioned_hashes().collect();
        let blob_fee = self.blob_base_fee().await?.saturating_mul(2).saturating_add(1);
        let fees =
            self.provider.estimate_eip1559_fees().await.map_err(rpc_err("eth_feeHistory"))?;
        let request = TransactionRequest::default()
            .with_from(from)
            .with_to(to)
            .with_input(input)
            .with_value(value)
            .max_fee_per_blob_gas(blob_fee);
        let request = TransactionRequest { blob_versioned_hashes: Some(hashes), ..request };
        let gas = match self.provider.estimate_gas(request.clone()).await {
            Ok(gas) => gas + gas / 5,
            Err(e) => {
                tracing::debug!(
                    "blob transaction: estimate failed ({e}), gas limit {fallback_gas}"
                );
                fallback_gas
            }
        };
        // Signed by the provider's wallet, with the nonce from the provider's nonce filler
        // (shared with every other send of this client); sent in network form (sidecar).
        let request = TransactionRequest {
            sidecar: Some(sidecar),
            max_fee_per_gas: Some(fees.max_fee_per_gas),
            max_priority_fee_per_gas: Some(fees.max_priority_fee_per_gas),
            ..request
        }
        .with_gas_limit(gas);
        self.submit(request).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A valid blob on the heap (field elements below the BLS modulus: byte 0 zero).
    fn blob(byte: u8) -> Box<Blob> {
        let mut b = Box::new(Blob::ZERO);
        for fe in b.chunks_mut(32) {
            fe[1..].fill(byte);
        }
        b
    }

    /// A follower asking for a blob the L1 pruned gets an error naming the L1 block, the
    /// versioned hash and the L1's retention.
    #[test]
    fn pruned_blob_names_block_hash_and_retention() {
        let h = versioned_hash(&blob(1)).unwrap();
        let body = r#"{"code":404,"message":"blobs of block 5 pruned: this node keeps the blobs of the last 4 blocks (blocks below 9 pruned)"}"#;
        let err = blobs_from_answer("u", 5, &[h], 404, body).unwrap_err();
        let BlobError::BlobsPruned { block, versioned_hash, retention, .. } = &err else {
            panic!("{err:?}")
        };
        assert_eq!((*block, *versioned_hash, *retention), (5, h, Some(4)));
        let text = err.to_string();
        assert!(
            text.contains("L1 block 5")
                && text.contains("4 blocks")
                && text.contains(&h.to_string()),
            "{text}"
        );
        // Unknown block: missing, not pruned.
        let err = blobs_from_answer("u", 5, &[h], 404, r#"{"code":404,"message":"unknown block"}"#)
            .unwrap_err();
        assert!(matches!(err, BlobError::BlobsMissing { block: 5, .. }), "{err:?}");
    }

    /// Blobs are matched to the wanted versioned hashes (order of the answer does not
    /// matter); a blob the L1 serves in place of the wanted one is refused.
    #[test]
    fn blobs_are_checked_against_their_versioned_hashes() {
        let (a, b) = (blob(1), blob(2));
        let (ha, hb) = (versioned_hash(&a).unwrap(), versioned_hash(&b).unwrap());
        let body = serde_json::json!({ "data": [alloy_primitives::hex::encode_prefixed(b.as_slice()), alloy_primitives::hex::encode_prefixed(a.as_slice())] }).to_string();
        let got = blobs_from_answer("u", 3, &[ha, hb], 200, &body).unwrap();
        assert!(got.len() == 2 && got[0] == *a && got[1] == *b);
        let body =
            serde_json::json!({ "data": [alloy_primitives::hex::encode_prefixed(b.as_slice())] })
                .to_string();
        let err = blobs_from_answer("u", 3, &[ha], 200, &body).unwrap_err();
        assert!(
            matches!(err, BlobError::BlobsMissing { block: 3, versioned_hash } if versioned_hash == ha),
            "{err:?}"
        );
        let err = blobs_from_answer("u", 3, &[ha], 500, "oops").unwrap_err();
        assert!(matches!(err, BlobError::Beacon { .. }), "{err:?}");
        assert_eq!(retention_in("pruned: retention 131,072 blocks"), Some(131_072));
        assert_eq!(retention_in("pruned"), None);
    }

    #[test]
    fn sidecar_form_follows_the_fork() {
        let s = sidecar(vec![*blob(1)], true).unwrap();
        assert!(s.is_eip7594());
        let s = sidecar(vec![*blob(1)], false).unwrap();
        assert!(!s.is_eip7594());
        assert_eq!(s.versioned_hashes().next(), Some(versioned_hash(&blob(1)).unwrap()));
        let err = sidecar(vec![], false).unwrap_err();
        assert!(matches!(err, BlobError::BlobCount { got: 0, .. }));
    }
}
