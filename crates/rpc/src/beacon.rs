//! The beacon-API blob paths a rollup node reads, served by the execution node from its
//! stored sidecars (docs/l1.md, "Blobs"):
//!
//! - `GET /eth/v1/beacon/blob_sidecars/{block_id}[?indices=0,2]`
//! - `GET /eth/v1/beacon/blobs/{block_id}[?versioned_hashes=0x…,0x…]` (Fulu)
//!
//! `block_id` is `head`, `genesis`, `finalized`, a decimal block number (our "slot") or
//! `0x` and a 32-byte execution block hash. Blobs are indexed in block order across the
//! block's blob transactions. Unknown block: 404; blobs pruned: 404 whose message says
//! `pruned` and the retention; a block without blobs: 200 with `data: []`.

use alloy_eips::{
    eip4844::{Blob, Bytes48, kzg_to_versioned_hash},
    eip7594::BlobTransactionSidecarVariant,
};
use alloy_primitives::{B256, hex};
use http::StatusCode;
use nr_chain::{Chain, blob_store::BlockBlobs, blobs};
use serde_json::{Value, json};

/// Path prefix of the beacon API.
pub(crate) const PREFIX: &str = "/eth/v1/beacon/";

/// Depth of the `kzg_commitment_inclusion_proof` (Deneb: 17 hashes).
const INCLUSION_PROOF_DEPTH: usize = 17;

/// The answer to a beacon-API `GET` of `path` (with `query`): status and JSON body.
pub(crate) fn answer(chain: &Chain, path: &str, query: Option<&str>) -> (StatusCode, Value) {
    match route(chain, path, query) {
        Ok(v) => (StatusCode::OK, v),
        Err((status, message)) => (status, json!({"code": status.as_u16(), "message": message})),
    }
}

type Failure = (StatusCode, String);

fn not_found(message: String) -> Failure {
    (StatusCode::NOT_FOUND, message)
}

fn bad_request(message: String) -> Failure {
    (StatusCode::BAD_REQUEST, message)
}

/// One blob of a block, with its block-order index.
struct Item<'a> {
    index: usize,
    blob: &'a Blob,
    commitment: &'a Bytes48,
    /// The blob proof, when the sidecar has one (EIP-4844 wrapper).
    proof: Option<&'a Bytes48>,
}

fn items(sidecars: &[BlobTransactionSidecarVariant]) -> Vec<Item<'_>> {
    let mut out = Vec::new();
    for s in sidecars {
        let proofs = match s {
            BlobTransactionSidecarVariant::Eip4844(s) => Some(&s.proofs),
            BlobTransactionSidecarVariant::Eip7594(_) => None,
        };
        for (i, (blob, commitment)) in s.blobs().iter().zip(s.commitments()).enumerate() {
            let proof = proofs.and_then(|p| p.get(i));
            out.push(Item { index: out.len(), blob, commitment, proof });
        }
    }
    out
}

fn route(chain: &Chain, path: &str, query: Option<&str>) -> Result<Value, Failure> {
    let rest = path.strip_prefix(PREFIX).unwrap_or_default();
    let (kind, id) = rest.split_once('/').unwrap_or((rest, ""));
    if !matches!(kind, "blob_sidecars" | "blobs") || id.is_empty() || id.contains('/') {
        return Err(not_found(format!("unknown beacon API path {path}")));
    }
    let (number, hash) = resolve(chain, id)?;
    let finalized = chain.labels().finalized.is_some_and(|f| number <= f);
    let sidecars = match chain.blob_sidecars(&hash) {
        Ok(BlockBlobs::Available(s)) => s,
        Ok(BlockBlobs::Pruned { number, below, retention }) => {
            return Err(not_found(format!(
                "blobs of block {number} pruned: this node keeps the blobs of the last \
                 {retention} blocks (blocks below {below} pruned)"
            )));
        }
        Ok(BlockBlobs::Missing { number }) => {
            return Err(not_found(format!(
                "blobs of block {number} not stored (block not produced by this node, or \
                 no longer canonical)"
            )));
        }
        Err(nr_chain::ChainError::UnknownBlock(h)) => {
            return Err(not_found(format!("block not found: {h}")));
        }
        Err(e) => return Err((StatusCode::INTERNAL_SERVER_ERROR, e.to_string())),
    };
    let all = items(&sidecars);
    let data = if kind == "blobs" {
        let wanted = list(query, "versioned_hashes", |s| s.parse::<B256>().ok())?;
        let data = all
            .iter()
            .filter(|it| {
                wanted
                    .as_ref()
                    .is_none_or(|w| w.contains(&kzg_to_versioned_hash(it.commitment.as_slice())))
            })
            .map(|it| Value::String(hex::encode_prefixed(it.blob)))
            .collect();
        Value::Array(data)
    } else {
        let wanted = list(query, "indices", |s| s.parse::<usize>().ok())?;
        let mut data = Vec::new();
        for it in all.iter().filter(|it| wanted.as_ref().is_none_or(|w| w.contains(&it.index))) {
            let proof = match it.proof {
                Some(p) => *p,
                None => blobs::blob_proof(it.blob, it.commitment)
                    .map_err(|e| (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?,
            };
            data.push(sidecar_json(it, proof, number));
        }
        Value::Array(data)
    };
    Ok(json!({"execution_optimistic": false, "finalized": finalized, "data": data}))
}

/// A `BlobSidecar` as the beacon API shapes it; the consensus-layer fields an execution
/// node does not have are zero-filled (the header's `slot` is the block number).
fn sidecar_json(it: &Item<'_>, proof: Bytes48, number: u64) -> Value {
    let zero32 = hex::encode_prefixed([0u8; 32]);
    json!({
        "index": it.index.to_string(),
        "blob": hex::encode_prefixed(it.blob),
        "kzg_commitment": hex::encode_prefixed(it.commitment),
        "kzg_proof": hex::encode_prefixed(proof),
        "signed_block_header": {
            "message": {
                "slot": number.to_string(),
                "proposer_index": "0",
                "parent_root": zero32,
                "state_root": zero32,
                "body_root": zero32,
            },
            "signature": hex::encode_prefixed([0u8; 96]),
        },
        "kzg_commitment_inclusion_proof": vec![zero32.clone(); INCLUSION_PROOF_DEPTH],
    })
}

/// The block a `block_id` names: (number, hash).
fn resolve(chain: &Chain, id: &str) -> Result<(u64, B256), Failure> {
    let internal = |e: nr_chain::ChainError| (StatusCode::INTERNAL_SERVER_ERROR, e.to_string());
    let by_number = |n: u64| -> Result<(u64, B256), Failure> {
        match chain.hash_by_number(n).map_err(internal)? {
            Some(h) => Ok((n, h)),
            None => Err(not_found(format!("block not found: {n}"))),
        }
    };
    match id {
        "head" => {
            let h = chain.head();
            Ok((h.number, h.hash_slow()))
        }
        "genesis" => by_number(0),
        "finalized" => by_number(chain.labels().finalized.unwrap_or(0)),
        _ if id.starts_with("0x") => {
            let hash: B256 =
                id.parse().map_err(|_| bad_request(format!("invalid block id {id}")))?;
            match chain.header(&hash).map_err(internal)? {
                Some(h) => Ok((h.number, hash)),
                None => Err(not_found(format!("block not found: {hash}"))),
            }
        }
        _ => match id.parse::<u64>() {
            Ok(n) => by_number(n),
            Err(_) => Err(bad_request(format!(
                "invalid block id {id}: want head, genesis, finalized, a block number or a \
                 0x-prefixed block hash"
            ))),
        },
    }
}

/// The values of query parameter `name` (comma-separated and/or repeated), `None` if
/// absent; a value `parse` refuses is a 400.
fn list<T>(
    query: Option<&str>,
    name: &str,
    parse: impl Fn(&str) -> Option<T>,
) -> Result<Option<Vec<T>>, Failure> {
    let mut out: Option<Vec<T>> = None;
    for pair in query.unwrap_or_default().split('&') {
        let Some((k, v)) = pair.split_once('=') else { continue };
        if k != name {
            continue;
        }
        let vals = out.get_or_insert_with(Vec::new);
        let v = v.replace("%2C", ",").replace("%2c", ",");
        for s in v.split(',').filter(|s| !s.is_empty()) {
            let value = parse(s).ok_or_else(|| bad_request(format!("invalid {name}: {s}")))?;
            vals.push(value);
        }
    }
    Ok(out)
}
