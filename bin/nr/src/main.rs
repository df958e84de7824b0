//! `nr`: the native rollups command line.

use clap::{Parser, Subcommand};
use eyre::{Context, Result, bail, eyre};
use std::path::PathBuf;

mod bench;
mod l1;
mod l2;
mod optimistic_args;
mod rpc_limits;
mod ssz_cmd;

#[derive(Parser)]
#[command(name = "nr", version, about = "Native rollups: EXECUTE, stateless validation, tools")]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// Log line format on stderr: `text` (default) or `json` (one JSON object per line,
    /// for log collectors).
    #[arg(long, global = true, value_enum, default_value = "text")]
    log_format: LogFormat,
}

/// How log lines are written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum LogFormat {
    /// Human-readable text (colored on a terminal).
    Text,
    /// One JSON object per line: timestamp, level, target, fields.
    Json,
}

#[derive(Subcommand)]
enum Command {
    /// Run every ethereum/tests BlockchainTest under DIR, statefully and statelessly.
    Conformance {
        /// Directory (or single file) of BlockchainTests JSON fixtures.
        dir: PathBuf,
        /// Also print why each expected-invalid block was rejected, both ways.
        #[arg(long, short)]
        verbose: bool,
        /// Write the SSZ StatelessInput of every valid block into this directory.
        #[arg(long)]
        write_inputs: Option<PathBuf>,
    },
    /// Verify one StatelessInput (wire bytes: schema id 0x1501, then SSZ) offline and print the
    /// 43-byte result.
    Execute {
        /// File holding the wire bytes (raw binary, or 0x-prefixed hex text).
        file: PathBuf,
        /// Fork rules: a fork active from genesis.
        #[arg(long, value_enum, ignore_case = true, default_value = "Osaka", conflicts_with_all = ["prague_at", "osaka_at"])]
        fork: ForkArg,
        /// Prague activation timestamp (with --osaka-at: a custom schedule, Cancun at 0).
        #[arg(long)]
        prague_at: Option<u64>,
        /// Osaka activation timestamp.
        #[arg(long)]
        osaka_at: Option<u64>,
        /// Verify as an L1 block: skip EXECUTE's L2 constraints (no blobs, no withdrawals).
        #[arg(long)]
        l1: bool,
    },
    /// Run a development L1 node with the EXECUTE precompile at 0x0101.
    L1(l1::L1Args),
    /// Run an L2 node (sequencer, settler, relayer) or a follower of a deployed rollup.
    L2(Box<l2::L2Args>),
    /// Start an L1, deploy a native rollup, and run its L2 node: everything on one machine.
    Devnet(l2::DevnetArgs),
    /// Move ETH and ERC-20 tokens between L1 and L2.
    Bridge {
        #[command(subcommand)]
        command: l2::BridgeCommand,
    },
    /// Benchmark stateless EXECUTE verification, witness sizes and settlement gas.
    Bench(bench::BenchArgs),
    /// SSZ tools.
    Ssz {
        #[command(subcommand)]
        command: ssz_cmd::SszCommand,
    },
}

/// A fork active from genesis, as named on the command line.
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
enum ForkArg {
    #[value(name = "Shanghai")]
    Shanghai,
    #[value(name = "Cancun")]
    Cancun,
    #[value(name = "Prague")]
    Prague,
    #[value(name = "Osaka")]
    Osaka,
}

impl From<ForkArg> for nr_stateless::Fork {
    fn from(f: ForkArg) -> Self {
        match f {
            ForkArg::Shanghai => Self::Shanghai,
            ForkArg::Cancun => Self::Cancun,
            ForkArg::Prague => Self::Prague,
            ForkArg::Osaka => Self::Osaka,
        }
    }
}

fn main() -> Result<()> {
    let cli = Cli::parse();
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let logs = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    match cli.log_format {
        LogFormat::Json => logs.json().init(),
        LogFormat::Text => {
            logs.with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr())).init()
        }
    }
    match cli.command {
        Command::L1(args) => l1::run(args),
        Command::L2(args) => l2::run_l2(*args),
        Command::Devnet(args) => l2::run_devnet(args),
        Command::Bench(args) => bench::run(args),
        Command::Bridge { command } => l2::run_bridge(command),
        Command::Conformance { dir, verbose, write_inputs } => {
            conformance(dir, verbose, nr_conformance::RunOptions { write_inputs })
        }
        Command::Execute { file, fork, prague_at, osaka_at, l1 } => {
            let schedule = if prague_at.is_some() || osaka_at.is_some() {
                nr_stateless::ForkSchedule {
                    cancun_time: Some(0),
                    prague_time: prague_at,
                    osaka_time: osaka_at,
                    ..Default::default()
                }
            } else {
                nr_stateless::ForkSchedule::from_genesis(fork.into())
            };
            execute(file, &schedule, l1)
        }
        Command::Ssz { command } => ssz_cmd::run(command),
    }
}

fn conformance(dir: PathBuf, verbose: bool, opts: nr_conformance::RunOptions) -> Result<()> {
    let start = std::time::Instant::now();
    let results = nr_conformance::run_dir(&dir, &opts)?;
    use nr_conformance::Outcome;
    for r in &results {
        for (mode, o) in [("stateful", &r.stateful), ("stateless", &r.stateless)] {
            match o {
                Outcome::Fail(e) => println!("FAIL {mode} {}: {e}", r.name),
                Outcome::Skip(e) => println!("SKIP {mode} {}: {e}", r.name),
                Outcome::Unrepresentable(e) => println!("UNREPRESENTABLE {mode} {}: {e}", r.name),
                Outcome::Pass => {}
            }
        }
        if verbose {
            for (i, stateful, stateless) in &r.rejections {
                println!(
                    "REJECTED {} block {i}\n  stateful:  {stateful}\n  stateless: {stateless}",
                    r.name
                );
            }
        }
    }
    for (network, (stateful, stateless, _)) in nr_conformance::tally_by_network(&results) {
        println!("network {network}: stateful {stateful}; stateless {stateless}");
    }
    let (stateful, stateless, both) = nr_conformance::tally(&results);
    println!("stateful: {stateful}");
    println!("stateless: {stateless}");
    println!("conformance: {both}");
    eprintln!("{} cases in {:.2?}", results.len(), start.elapsed());
    if both.failed > 0 {
        bail!("{} conformance cases failed", both.failed);
    }
    Ok(())
}

/// Reads SSZ bytes from a file that holds raw bytes or hex text.
pub(crate) fn read_bytes(file: &PathBuf) -> Result<Vec<u8>> {
    let raw = std::fs::read(file).wrap_err_with(|| format!("reading {}", file.display()))?;
    let text = std::str::from_utf8(&raw).ok().map(str::trim);
    if let Some(hex) = text.and_then(|t| t.strip_prefix("0x")) {
        return alloy_primitives::hex::decode(hex).wrap_err("file starts with 0x but is not hex");
    }
    Ok(raw)
}

fn execute(file: PathBuf, schedule: &nr_stateless::ForkSchedule, l1: bool) -> Result<()> {
    use nr_stateless::ssz::{HashTreeRoot, StatelessInput, StatelessValidationResult};
    let bytes = read_bytes(&file)?;
    let start = std::time::Instant::now();
    let input = StatelessInput::from_wire(&bytes).map_err(|e| eyre!("{}: {e}", file.display()))?;
    let result = if l1 {
        nr_stateless::verify_stateless_new_payload(&input, schedule)
            .map_err(nr_execute::ExecuteError::from)
    } else {
        nr_execute::execute_decoded(&input, schedule)
    };
    let elapsed = start.elapsed();
    let payload = &input.new_payload_request.execution_payload;
    println!("block {} ({})", payload.block_number, payload.block_hash);
    println!("gas_used {}", payload.gas_used);
    println!("input_bytes {}", bytes.len());
    println!("time {elapsed:.2?}");
    // The fields of the 43-byte StatelessValidationResult (a failed validation keeps the
    // root, chain id and schema id, as the execution-specs guest outputs).
    let out = match &result {
        Ok(r) => *r,
        Err(_) => StatelessValidationResult::new(
            input.new_payload_request.hash_tree_root(),
            false,
            input.chain_id,
        ),
    };
    println!("new_payload_request_root {}", out.new_payload_request_root);
    println!("successful_validation {}", out.successful_validation);
    println!("chain_id {}", out.chain_id);
    println!("schema_id {:#06x}", out.schema_id);
    println!("result 0x{}", alloy_primitives::hex::encode(out.to_bytes()));
    match result {
        Ok(_) => {
            println!("success true");
            Ok(())
        }
        Err(e) => {
            println!("success false");
            bail!("invalid: {e}")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use nr_node::{NodeError, bench::Workload};

    fn parse(args: &[&str]) -> Command {
        Cli::try_parse_from(std::iter::once("nr").chain(args.iter().copied()))
            .unwrap_or_else(|e| panic!("{args:?}: {e}"))
            .command
    }

    #[test]
    fn bench_lists_ignore_spaces_after_commas() {
        let Command::Bench(b) =
            parse(&["bench", "--sizes", "1, 10", "--workloads", "transfers, erc20"])
        else {
            panic!("not nr bench");
        };
        assert_eq!(b.sizes, [1, 10]);
        assert_eq!(b.workloads, [Workload::Transfers, Workload::Erc20]);
    }

    fn l1_config(args: &[&str]) -> Result<nr_node::l1::L1Config> {
        let mut all = vec!["l1"];
        all.extend_from_slice(args);
        let Command::L1(a) = parse(&all) else { panic!("not nr l1") };
        a.config()
    }

    #[test]
    fn l1_dev_genesis_flags_are_ignored_with_a_genesis_file() {
        let cfg = l1_config(&[
            "--genesis",
            "g.json",
            "--balance",
            "lots",
            "--prague-at",
            "soon",
            "--osaka-at",
            "later",
        ])
        .expect("--balance, --prague-at, --osaka-at are not parsed with --genesis");
        assert_eq!(cfg.genesis, Some(PathBuf::from("g.json")));
        assert!(l1_config(&["--balance", "lots"]).is_err(), "parsed without --genesis");
        assert!(l1_config(&["--osaka-at", "later"]).is_err(), "parsed without --genesis");
    }

    #[test]
    fn l1_execute_gas_target_is_checked_first() {
        let e = l1_config(&["--execute-gas-target", "0", "--balance", "lots", "--osaka-at", "x"])
            .expect_err("a zero target is refused");
        assert!(matches!(e.downcast_ref::<NodeError>(), Some(NodeError::ExecuteGasTarget)), "{e}");
    }
}
