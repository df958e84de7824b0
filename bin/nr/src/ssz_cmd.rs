//! `nr ssz ...`: SSZ root computations on JSON inputs.

use clap::Subcommand;
use eyre::{Context, Result, eyre};
use nr_conformance::public_input::roots;
use nr_stateless::ssz::RootFlavor;
use serde_json::Value;
use std::path::PathBuf;

/// SSZ subcommands.
#[derive(Subcommand)]
pub enum SszCommand {
    /// Print payloadRoot, versionedHashesRoot, newPayloadRequestRoot and publicInputRoot of
    /// one case in the format of L2BEAT's public input vectors (consensus flavour), or the
    /// first three as the execution layer defines them (`--flavor execution`).
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
        /// Which NewPayloadRequest root: `consensus` (consensus-specs #5619, L2BEAT's
        /// contracts and vectors) or `execution` (EIP-8025, execution-specs zkevm v0.8).
        #[arg(long, value_enum, default_value = "consensus")]
        flavor: Flavor,
    },
}

/// A NewPayloadRequest root definition, as named on the command line.
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum Flavor {
    /// Progressive container, `List[Bytes32, 4096]` versioned hashes.
    Consensus,
    /// Plain container, progressive versioned hashes.
    Execution,
}

/// Runs an SSZ subcommand.
pub fn run(cmd: SszCommand) -> Result<()> {
    match cmd {
        SszCommand::PublicInputRoot { file, chain_id, schema_id, case, flavor } => {
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
            let flavor = match flavor {
                Flavor::Consensus => RootFlavor::Consensus,
                Flavor::Execution => RootFlavor::Execution,
            };
            for (name, root) in roots(case_obj, chain_id, schema_id, flavor)? {
                println!("{name} {root}");
            }
            Ok(())
        }
    }
}
