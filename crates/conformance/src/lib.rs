//! Runner for ethereum/tests `BlockchainTests`, stateful and stateless.
//!
//! Every case is run twice over the same blocks:
//! - **stateful**: each block executes against a full in-memory state store;
//! - **stateless**: the stateful run records each block's witness from the pre-state, the
//!   block and witness are packed into an SSZ `StatelessInput`, encoded, decoded, and
//!   verified with nothing else.
//!
//! Valid blocks must pass both ways and reach the expected post-state and last block hash;
//! blocks with `expectException` must be rejected both ways.
#![warn(missing_docs)]

pub mod network;
pub mod public_input;
mod report;
pub mod spec_vectors;

pub use network::{FixtureConfig, NetworkError, schedule_for};
pub use report::{Tally, tally, tally_by_network};

use alloy_consensus::{Block, TxEnvelope};
use alloy_eips::eip7685::Requests;
use alloy_primitives::{Address, B256, Bytes, U256};
use nr_stateless::{
    ForkSchedule, PayloadError, StatelessError,
    block::decode_block,
    memory::{GenesisAccount, MemoryChain},
    ssz::{ExecutionWitness, HashTreeRoot, StatelessInput},
    verify_stateless_new_payload,
};
use rayon::prelude::*;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Chain id used by ethereum/tests.
pub const TEST_CHAIN_ID: u64 = 1;

/// One account of a fixture's `pre` or `postState`.
#[derive(Debug, Clone, Deserialize)]
pub struct FixtureAccount {
    /// Balance.
    pub balance: U256,
    /// Nonce.
    pub nonce: U256,
    /// Code.
    pub code: Bytes,
    /// Storage slots.
    #[serde(default)]
    pub storage: BTreeMap<U256, U256>,
}

/// One block of a fixture.
#[derive(Debug, Clone, Deserialize)]
pub struct FixtureBlock {
    /// RLP of the block.
    pub rlp: Bytes,
    /// Set when the block must be rejected.
    #[serde(rename = "expectException")]
    pub expect_exception: Option<String>,
}

/// One `BlockchainTest` case.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Fixture {
    /// Fork name (`Cancun`, `Prague`, `CancunToPragueAtTime15k`, ...).
    pub network: String,
    /// RLP of the genesis block.
    #[serde(rename = "genesisRLP")]
    pub genesis_rlp: Bytes,
    /// Blocks to import in order.
    pub blocks: Vec<FixtureBlock>,
    /// Genesis allocation.
    pub pre: BTreeMap<Address, FixtureAccount>,
    /// Expected state after the last valid block.
    pub post_state: Option<BTreeMap<Address, FixtureAccount>>,
    /// Expected state root after the last valid block (when `postState` is absent).
    pub post_state_hash: Option<B256>,
    /// Expected head hash.
    #[serde(rename = "lastblockhash")]
    pub last_block_hash: B256,
    /// Chain configuration (the blob schedule of BPO networks).
    #[serde(default)]
    pub config: FixtureConfig,
}

/// The outcome of one case in one mode.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// All expectations met.
    Pass,
    /// An expectation failed; the text says which block and why.
    Fail(String),
    /// The case was not run (unsupported network).
    Skip(String),
    /// Stateless only: a block the stateful run accepts (as the fixture expects) cannot be
    /// written as a `StatelessInput` (docs/stateless.md, "Request contracts and requests on
    /// Prague and later"); every other block and the final state were checked. Neither a
    /// pass nor a failure; the text says which block and why.
    Unrepresentable(String),
}

/// Results of one case.
#[derive(Debug, Clone)]
pub struct CaseResult {
    /// `file::case`.
    pub name: String,
    /// The fixture's network (`Prague`, `CancunToPragueAtTime15k`, ...).
    pub network: String,
    /// Stateful run.
    pub stateful: Outcome,
    /// Stateless run.
    pub stateless: Outcome,
    /// Expected rejections: (block index, stateful reason, stateless reason).
    pub rejections: Vec<(usize, String, String)>,
}

/// Errors reading fixtures.
#[derive(Debug, thiserror::Error)]
pub enum FixtureError {
    /// File system error.
    #[error("{path}: {source}")]
    Io {
        /// The path.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
    /// JSON error.
    #[error("{path}: {source}")]
    Json {
        /// The path.
        path: PathBuf,
        /// The error.
        source: serde_json::Error,
    },
}

/// All `.json` files under `dir`, sorted.
pub fn fixture_files(dir: &Path) -> Result<Vec<PathBuf>, FixtureError> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        if d.is_file() {
            out.push(d);
            continue;
        }
        let rd =
            std::fs::read_dir(&d).map_err(|source| FixtureError::Io { path: d.clone(), source })?;
        for e in rd {
            let p = e.map_err(|source| FixtureError::Io { path: d.clone(), source })?.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "json") {
                out.push(p);
            }
        }
    }
    out.sort();
    Ok(out)
}

/// Options of a conformance run.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    /// Write the SSZ `StatelessInput` of every valid block here, as `<file>__<case>__<n>.ssz`.
    pub write_inputs: Option<PathBuf>,
}

/// Runs every case of every fixture file under `dir`, in parallel.
pub fn run_dir(dir: &Path, opts: &RunOptions) -> Result<Vec<CaseResult>, FixtureError> {
    let files = fixture_files(dir)?;
    if let Some(out) = &opts.write_inputs {
        std::fs::create_dir_all(out)
            .map_err(|source| FixtureError::Io { path: out.clone(), source })?;
    }
    let per_file: Vec<Result<Vec<CaseResult>, FixtureError>> =
        files.par_iter().map(|f| run_file(f, dir, opts)).collect();
    let mut out = Vec::new();
    for r in per_file {
        out.extend(r?);
    }
    Ok(out)
}

/// Runs every case of one fixture file.
pub fn run_file(
    path: &Path,
    base: &Path,
    opts: &RunOptions,
) -> Result<Vec<CaseResult>, FixtureError> {
    let text = std::fs::read_to_string(path)
        .map_err(|source| FixtureError::Io { path: path.to_path_buf(), source })?;
    let cases: BTreeMap<String, Fixture> = serde_json::from_str(&text)
        .map_err(|source| FixtureError::Json { path: path.to_path_buf(), source })?;
    let rel = path.strip_prefix(base).unwrap_or(path).display().to_string();
    cases
        .into_par_iter()
        .map(|(name, case)| {
            let (stateful, stateless, rejections, inputs) =
                run_case(&case, opts.write_inputs.is_some());
            if let Some(out) = &opts.write_inputs {
                let stem = format!("{rel}__{name}").replace(['/', '\\'], "_").replace(".json", "");
                for (i, bytes) in inputs {
                    let path = out.join(format!("{stem}__{i}.ssz"));
                    std::fs::write(&path, bytes)
                        .map_err(|source| FixtureError::Io { path, source })?;
                }
            }
            Ok(CaseResult {
                name: format!("{rel}::{name}"),
                network: case.network.clone(),
                stateful,
                stateless,
                rejections,
            })
        })
        .collect()
}

fn alloc_of(
    accounts: &BTreeMap<Address, FixtureAccount>,
) -> Result<BTreeMap<Address, GenesisAccount>, String> {
    accounts
        .iter()
        .map(|(a, acc)| {
            let nonce = acc.nonce.try_into().map_err(|_| format!("nonce of {a} too large"))?;
            Ok((
                *a,
                GenesisAccount {
                    nonce,
                    balance: acc.balance,
                    code: acc.code.clone(),
                    storage: acc.storage.clone(),
                },
            ))
        })
        .collect()
}

/// Outcomes of one case: stateful, stateless, the reasons of expected rejections, and
/// (when asked for) the SSZ inputs of the valid blocks by block index.
pub type CaseOutcome = (Outcome, Outcome, Vec<(usize, String, String)>, Vec<(usize, Vec<u8>)>);

/// Runs one case both ways; `keep_inputs` keeps the SSZ input of every valid block.
pub fn run_case(case: &Fixture, keep_inputs: bool) -> CaseOutcome {
    let schedule = match schedule_for(&case.network, &case.config) {
        Ok(s) => s,
        Err(e) => {
            let o = if e.is_skip() {
                Outcome::Skip(e.to_string())
            } else {
                Outcome::Fail(e.to_string())
            };
            return (o.clone(), o, vec![], vec![]);
        }
    };
    match run_case_inner(case, &schedule, keep_inputs) {
        Ok(r) => r,
        Err(e) => (Outcome::Fail(e.clone()), Outcome::Fail(e), vec![], vec![]),
    }
}

fn run_case_inner(
    case: &Fixture,
    schedule: &ForkSchedule,
    keep_inputs: bool,
) -> Result<CaseOutcome, String> {
    let genesis = decode_block(&case.genesis_rlp).map_err(|e| format!("genesis RLP: {e}"))?;
    let mut chain = MemoryChain::default();
    let root = chain.insert_alloc(&alloc_of(&case.pre)?).map_err(|e| e.to_string())?;
    if root != genesis.header.state_root {
        return Err(format!("genesis state root {root} != header {}", genesis.header.state_root));
    }
    let genesis_hash = chain.insert_header(genesis.header.clone());

    let mut stateful_fail: Option<String> = None;
    let mut stateless_fail: Option<String> = None;
    let mut head = genesis_hash;
    let mut stateless_head = genesis_hash;
    let mut rejections = Vec::new();
    let mut inputs = Vec::new();
    let mut unrepresentable: Option<String> = None;
    let expected = |fb: &FixtureBlock| fb.expect_exception.clone().unwrap_or_default();

    for (i, fb) in case.blocks.iter().enumerate() {
        let valid = fb.expect_exception.is_none();
        let (stateful, stateless) = match decode_block(&fb.rlp) {
            Err(e) => {
                let e = format!("block RLP: {e}");
                (Err(e.clone()), Err(e))
            }
            Ok(block) => {
                let imported = chain.import(&block, schedule, TEST_CHAIN_ID);
                let stateful = imported.result.map_err(|e| e.to_string());
                let stateless =
                    match stateless_check(&block, imported.witness, schedule, &imported.requests) {
                        Ok(bytes) => {
                            if keep_inputs {
                                inputs.push((i, bytes));
                            }
                            Ok(block.header.hash_slow())
                        }
                        // A block the stateful run accepts but no input can carry: the
                        // stateless side cannot judge it, the chain goes on from it.
                        Err(Check::Unrepresentable(e)) if valid && stateful.is_ok() => {
                            unrepresentable.get_or_insert(format!("block {i}: {e}"));
                            Ok(block.header.hash_slow())
                        }
                        Err(Check::Unrepresentable(e) | Check::Rejected(e)) => Err(e),
                    };
                (stateful, stateless)
            }
        };
        if let (Err(a), Err(b)) = (&stateful, &stateless) {
            rejections.push((i, a.clone(), b.clone()));
        }
        for (result, fail, head) in [
            (&stateful, &mut stateful_fail, &mut head),
            (&stateless, &mut stateless_fail, &mut stateless_head),
        ] {
            match (result, valid) {
                (Ok(_), false) => {
                    fail.get_or_insert(format!("block {i}: accepted, expected {}", expected(fb)));
                }
                (Err(e), true) => {
                    fail.get_or_insert(format!("block {i}: rejected: {e}"));
                }
                (Ok(h), true) => *head = *h,
                (Err(_), false) => {}
            }
        }
    }

    let expected_root = match (&case.post_state, case.post_state_hash) {
        (Some(post), _) => {
            MemoryChain::default().insert_alloc(&alloc_of(post)?).map_err(|e| e.to_string())?
        }
        (None, Some(h)) => h,
        (None, None) => return Err("fixture has neither postState nor postStateHash".into()),
    };
    let check_head = |head: B256| -> Option<String> {
        if head != case.last_block_hash {
            return Some(format!("head {head} != lastblockhash {}", case.last_block_hash));
        }
        let root = chain.headers.get(&head).map(|h| h.state_root).unwrap_or_default();
        (root != expected_root)
            .then(|| format!("post state root {root} != expected {expected_root}"))
    };
    let outcome = |fail: Option<String>, head| match fail.or_else(|| check_head(head)) {
        None => Outcome::Pass,
        Some(e) => Outcome::Fail(e),
    };
    let stateless = match (outcome(stateless_fail, stateless_head), unrepresentable) {
        (Outcome::Pass, Some(e)) => Outcome::Unrepresentable(e),
        (o, _) => o,
    };
    Ok((outcome(stateful_fail, head), stateless, rejections, inputs))
}

/// Why a block did not pass the stateless check.
enum Check {
    /// No `StatelessInput` can carry the block (its requests are not whole typed requests).
    Unrepresentable(String),
    /// The input was built and the verifier rejected it (or the round trip failed).
    Rejected(String),
}

/// Packs block + witness into a `StatelessInput`, round-trips it through SSZ, verifies it,
/// and returns the SSZ bytes.
fn stateless_check(
    block: &Block<TxEnvelope>,
    witness: ExecutionWitness,
    schedule: &ForkSchedule,
    requests: &Requests,
) -> Result<Vec<u8>, Check> {
    let rejected = |e: &dyn std::fmt::Display| Check::Rejected(e.to_string());
    let input = MemoryChain::stateless_input(block, witness, requests, TEST_CHAIN_ID).map_err(
        |e| match e {
            StatelessError::Payload(PayloadError::RequestLength { .. }) => {
                Check::Unrepresentable(e.to_string())
            }
            e => rejected(&e),
        },
    )?;
    let bytes = input.to_wire();
    let decoded = StatelessInput::from_wire(&bytes).map_err(|e| rejected(&e))?;
    if decoded != input {
        return Err(rejected(&"SSZ round trip changed the input"));
    }
    let result = verify_stateless_new_payload(&decoded, schedule).map_err(|e| rejected(&e))?;
    if !result.successful_validation
        || result.new_payload_request_root != input.new_payload_request.hash_tree_root()
    {
        return Err(rejected(&"validation result does not commit to the input"));
    }
    Ok(bytes)
}
