//! `nr ssz ...`: SSZ root computations on JSON inputs.

use alloy_primitives::{Address, B256, Bloom, Bytes, U256};
use clap::Subcommand;
use eyre::{Context, Result, eyre};
use nr_stateless::ssz::{
    ExecutionPayload, PayloadLeaves, new_payload_request_root_from, public_input_root,
    versioned_hashes_root,
};
use serde_json::Value;
use std::path::PathBuf;

/// SSZ subcommands.
#[derive(Subcommand)]
pub enum SszCommand {
    /// Print payloadRoot, versionedHashesRoot, newPayloadRequestRoot and publicInputRoot of
    /// one case in the format of L2BEAT's public input vectors.
    PublicInputRoot {
        /// JSON file: one case object, or a vectors file with `cases` (then use --case).
        file: PathBuf,
        /// Chain id (default: `chainId` in the file).
        #[arg(long)]
        chain_id: Option<u64>,
        /// Schema id (default: `schemaId` in the file).
        #[arg(long)]
        schema_id: Option<u16>,
        /// Index of the case when FILE holds a `cases` list.
        #[arg(long)]
        case: Option<usize>,
    },
}

/// Runs an SSZ subcommand.
pub fn run(cmd: SszCommand) -> Result<()> {
    match cmd {
        SszCommand::PublicInputRoot { file, chain_id, schema_id, case } => {
            let text = std::fs::read_to_string(&file)
                .wrap_err_with(|| format!("reading {}", file.display()))?;
            let doc: Value = serde_json::from_str(&text).wrap_err("parsing JSON")?;
            let chain_id = match chain_id {
                Some(c) => c,
                None => doc["chainId"]
                    .as_u64()
                    .ok_or_else(|| eyre!("chainId: not in file; pass --chain-id"))?,
            };
            let schema_id = match schema_id {
                Some(s) => s,
                None => doc["schemaId"].as_u64().and_then(|s| u16::try_from(s).ok()).ok_or_else(
                    || eyre!("schemaId: not in file (or not a u16); pass --schema-id"),
                )?,
            };
            let case_obj = match (doc.get("cases"), case) {
                (Some(cases), Some(i)) => {
                    cases.get(i).ok_or_else(|| eyre!("--case {i}: no such case"))?
                }
                (Some(_), None) => return Err(eyre!("file holds a `cases` list: pass --case N")),
                (None, _) => &doc,
            };
            for (name, root) in roots(case_obj, chain_id, schema_id)? {
                println!("{name} {root}");
            }
            Ok(())
        }
    }
}

fn field<'a>(v: &'a Value, name: &str) -> Result<&'a Value> {
    v.get(name).ok_or_else(|| eyre!("missing field {name}"))
}

fn b256(v: &Value, name: &str) -> Result<B256> {
    field(v, name)?
        .as_str()
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| eyre!("{name}: expected 0x + 32 bytes"))
}

fn u64_of(v: &Value, name: &str) -> Result<u64> {
    let f = field(v, name)?;
    f.as_u64()
        .or_else(|| {
            f.as_str()
                .and_then(|s| s.strip_prefix("0x"))
                .and_then(|h| u64::from_str_radix(h, 16).ok())
        })
        .ok_or_else(|| eyre!("{name}: expected an unsigned 64-bit integer"))
}

fn base_fee(h: &Value) -> Result<U256> {
    match field(h, "baseFeePerGas")? {
        Value::String(s) => s.parse().map_err(|_| eyre!("baseFeePerGas: bad number")),
        Value::Number(n) => {
            Ok(U256::from(n.as_u64().ok_or_else(|| eyre!("baseFeePerGas: bad number"))?))
        }
        _ => Err(eyre!("baseFeePerGas: expected a number")),
    }
}

fn bytes_of(v: &Value, name: &str) -> Result<Bytes> {
    field(v, name)?
        .as_str()
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| eyre!("{name}: expected 0x hex"))
}

/// The four roots of one vector case.
pub fn roots(case: &Value, chain_id: u64, schema_id: u16) -> Result<Vec<(&'static str, B256)>> {
    let h = field(case, "header")?;
    let parent_hash = b256(h, "parentHash")?;
    let fee_recipient: Address = field(h, "feeRecipient")?
        .as_str()
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| eyre!("feeRecipient: expected an address"))?;
    let logs_bloom: Bloom = field(h, "logsBloom")?
        .as_str()
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| eyre!("logsBloom: expected 256 bytes"))?;
    let extra_data = bytes_of(h, "extraData")?;
    if extra_data.len() > nr_stateless::ssz::MAX_EXTRA_DATA_BYTES {
        return Err(eyre!("extraData: {} bytes, at most 32", extra_data.len()));
    }
    let payload = ExecutionPayload {
        parent_hash,
        fee_recipient,
        state_root: b256(h, "stateRoot")?,
        receipts_root: b256(h, "receiptsRoot")?,
        logs_bloom,
        prev_randao: b256(h, "prevRandao")?,
        block_number: u64_of(h, "blockNumber")?,
        gas_limit: u64_of(h, "gasLimit")?,
        gas_used: u64_of(h, "gasUsed")?,
        timestamp: u64_of(h, "timestamp")?,
        extra_data,
        base_fee_per_gas: base_fee(h)?,
        block_hash: b256(h, "blockHash")?,
        transactions: vec![],
        withdrawals: vec![],
        blob_gas_used: u64_of(h, "blobGasUsed")?,
        excess_blob_gas: u64_of(h, "excessBlobGas")?,
        block_access_list: Bytes::new(),
        slot_number: u64_of(h, "slotNumber")?,
    };
    let payload_root = PayloadLeaves {
        payload: &payload,
        transactions_root: b256(h, "transactionsRoot")?,
        withdrawals_root: b256(h, "withdrawalsRoot")?,
        block_access_list_root: b256(h, "blockAccessListRoot")?,
    }
    .root();
    let hashes = field(case, "versionedHashes")?
        .as_array()
        .ok_or_else(|| eyre!("versionedHashes: expected a list"))?
        .iter()
        .map(|v| {
            v.as_str()
                .and_then(|s| s.parse().ok())
                .ok_or_else(|| eyre!("versionedHashes: bad hash"))
        })
        .collect::<Result<Vec<B256>>>()?;
    if hashes.len() > 1 << nr_stateless::ssz::VERSIONED_HASHES_DEPTH {
        return Err(eyre!("versionedHashes: more than 4096"));
    }
    let vh_root = versioned_hashes_root(&hashes);
    let npr_root = new_payload_request_root_from(
        payload_root,
        vh_root,
        b256(case, "parentBeaconBlockRoot")?,
        b256(case, "executionRequestsRoot")?,
    );
    Ok(vec![
        ("payloadRoot", payload_root),
        ("versionedHashesRoot", vh_root),
        ("newPayloadRequestRoot", npr_root),
        ("publicInputRoot", public_input_root(npr_root, chain_id, schema_id)),
    ])
}
