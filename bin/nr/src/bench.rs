//! `nr bench`: stateless EXECUTE verification against stateful execution, witness sizes,
//! and the L1 gas of settling each block, over generated L2 workloads; then the services.
//! The measuring lives in [`nr_node::bench`]; this file parses flags and prints.

use clap::builder::{EnumValueParser, PossibleValue, RangedU64ValueParser, TypedValueParser};
use eyre::Result;
use nr_node::bench::{BenchRow, ExportOptions, MeasureOptions, ServicesRow, Workload};
use std::ffi::OsStr;

/// Options of `nr bench`.
#[derive(clap::Args, Debug, Clone)]
pub struct BenchArgs {
    /// Workloads (comma separated).
    #[arg(
        long,
        value_delimiter = ',',
        value_parser = Trimmed(EnumValueParser::<Workload>::new()),
        default_value = "transfers,erc20,storage,deploy,mixed"
    )]
    pub workloads: Vec<Workload>,
    /// Block sizes in Mgas (comma separated).
    #[arg(
        long,
        value_delimiter = ',',
        value_parser = Trimmed(RangedU64ValueParser::<u64>::new()),
        default_value = "1,10,30,60"
    )]
    pub sizes: Vec<u64>,
    /// Timed repetitions per block (the minimum is reported).
    #[arg(long, default_value_t = 5)]
    pub reps: usize,
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
    /// Skip settling on an in-process L1 (no L1 gas figures).
    #[arg(long)]
    pub no_settle: bool,
    /// Also run the services benchmark with this many L2 transfers (0: skip): sequencer
    /// throughput through JSON-RPC with settlement on, then follower sync speed.
    #[arg(long, default_value_t = 10_000)]
    pub services: usize,
    /// Side by side with another client (scripts/reth-compare/run.sh): instead of the
    /// measurements above, build Osaka blocks of each workload and size, write each to this
    /// directory (RLP block, debug_executionWitness JSON, public keys, chain id, forks) and
    /// print the median time of our verifier, honest and with a tampered state root, as one
    /// JSON object per block.
    #[arg(long, value_name = "DIR")]
    pub export_dir: Option<std::path::PathBuf>,
    /// Instead of the measurements above, time adversarial EXECUTE inputs (many tiny
    /// transactions, maximal witness, deep storage paths, maximal code, blocks failing their
    /// last check) per L1 gas charged, next to ordinary stateful execution per gas.
    #[arg(long, conflicts_with = "export_dir")]
    pub adversarial: bool,
    /// Instead of the measurements above, batched settlement (issue 15): 16 L2 blocks of
    /// each workload and size settled with `advance` per block (K = 1) and `advanceBatch`
    /// of K = 4 and 16 blocks, L1 gas per L2 transaction and where it goes.
    #[arg(long, conflicts_with_all = ["export_dir", "adversarial"])]
    pub batched: bool,
    /// Instead of the measurements above, the L1 gas of the optimistic mode per block of
    /// each workload and size: propose and finalize (per L2 transaction), challenge, and
    /// defend (one dispute, EXECUTE included).
    #[arg(long, conflicts_with_all = ["export_dir", "adversarial"])]
    pub optimistic: bool,
    /// With --optimistic: block data in blobs instead (`proposeBlobs`): blocks of each
    /// workload and size until their records fill up to 6 blobs, one proposal, then L1 gas
    /// per L2 transaction, blob bytes per transaction (ours next to none, zstd, brotli),
    /// the blob fee, and one blob dispute (`proveBlobData` + `defend`).
    #[arg(long, requires = "optimistic")]
    pub blobs: bool,
    /// With --export-dir: this many extra prefunded accounts in the genesis (a large state).
    #[arg(long, default_value_t = 0, requires = "export_dir")]
    pub prefill: usize,
}

/// A value parser that ignores spaces around the value (`--sizes "1, 10"`).
#[derive(Clone)]
struct Trimmed<P>(P);

impl<P: TypedValueParser> TypedValueParser for Trimmed<P> {
    type Value = P::Value;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        arg: Option<&clap::Arg>,
        value: &OsStr,
    ) -> Result<Self::Value, clap::Error> {
        let trimmed = value.to_str().map_or(value, |s| OsStr::new(s.trim()));
        self.0.parse_ref(cmd, arg, trimmed)
    }

    fn possible_values(&self) -> Option<Box<dyn Iterator<Item = PossibleValue> + '_>> {
        self.0.possible_values()
    }
}

/// Runs `nr bench`.
pub fn run(args: BenchArgs) -> Result<()> {
    if let Some(dir) = &args.export_dir {
        return export(&args, dir);
    }
    if args.adversarial {
        return adversarial(&args);
    }
    if args.batched {
        return batched(&args);
    }
    if args.optimistic {
        return optimistic(&args);
    }
    let opts = MeasureOptions { reps: args.reps, settle: !args.no_settle };
    let mut rows = vec![];
    if !args.json {
        println!(
            "| workload | Mgas | txs | stateful ms | stateless ms | stateful Mgas/s | stateless Mgas/s | stateless/stateful | input B | zstd B | witness B/tx | witness B/Mgas | advance L1 gas | L1 gas/L2 tx | EXECUTE gas | ethrex-rule gas |"
        );
        println!("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
    }
    for &workload in &args.workloads {
        for &mgas in &args.sizes {
            let r = nr_node::bench::measure(workload, mgas, opts)?;
            if !args.json {
                print_row(&r);
            }
            rows.push(r);
        }
    }
    let services = if args.services > 0 {
        let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
        Some(rt.block_on(nr_node::bench::services(args.services))?)
    } else {
        None
    };
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(
                &serde_json::json!({"blocks": rows, "services": services})
            )?
        );
    } else if let Some(s) = services {
        print_services(&s);
    }
    Ok(())
}

/// `--export-dir`: the side-by-side blocks and our times, one JSON line per block.
fn export(args: &BenchArgs, dir: &std::path::Path) -> Result<()> {
    let opts = ExportOptions { dir: dir.to_path_buf(), reps: args.reps, prefill: args.prefill };
    for &workload in &args.workloads {
        for &mgas in &args.sizes {
            let row = nr_node::bench::export_block(workload, mgas, &opts)?;
            println!("{}", serde_json::to_string(&row)?);
        }
    }
    Ok(())
}

/// `--adversarial`: the adversarial EXECUTE table.
fn adversarial(args: &BenchArgs) -> Result<()> {
    let report = nr_node::bench::adversarial(args.reps)?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
        return Ok(());
    }
    println!(
        "| ordinary L1 execution (stateful) | Mgas | wall ms | CPU ms | wall ns/gas | CPU ns/gas |"
    );
    println!("|---|---|---|---|---|---|");
    for r in &report.reference {
        println!(
            "| {} | {:.1} | {:.2} | {:.2} | {:.2} | {:.2} |",
            r.workload.name(),
            r.gas_used as f64 / 1e6,
            r.wall_ms,
            r.cpu_ms,
            r.wall_ns_per_gas,
            r.cpu_ns_per_gas
        );
    }
    println!();
    println!(
        "| EXECUTE input | txs | input B | verdict | charged gas | wall ms | CPU ms | wall ns/gas | CPU ns/gas | old-rule gas | old-rule CPU ns/gas |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|---|");
    for r in &report.rows {
        println!(
            "| {} | {} | {} | {} | {} | {:.2} | {:.2} | {:.2} | {:.2} | {} | {:.2} |",
            r.case,
            r.txs,
            r.input_bytes,
            if r.valid { "valid" } else { "fails" },
            r.charged_gas,
            r.wall_ms,
            r.cpu_ms,
            r.wall_ns_per_gas,
            r.cpu_ns_per_gas,
            r.old_rule_gas,
            r.old_cpu_ns_per_gas
        );
    }
    for r in report.rows.iter().filter_map(|r| r.failure.as_ref().map(|f| (r.case, f))) {
        println!("- {}: {}", r.0, r.1.chars().take(160).collect::<String>());
    }
    Ok(())
}

fn print_row(r: &BenchRow) {
    println!(
        "| {} | {:.1} | {} | {:.2} | {:.2} | {:.0} | {:.0} | {:.2} | {} | {} | {:.0} | {:.0} | {} | {} | {} | {} |",
        r.workload.name(),
        r.gas_used as f64 / 1e6,
        r.txs,
        r.stateful_ms,
        r.stateless_ms,
        r.stateful_mgas_s,
        r.stateless_mgas_s,
        r.ratio,
        r.input_bytes,
        r.input_zstd_bytes,
        r.witness_bytes_per_tx,
        r.witness_bytes_per_mgas,
        r.advance_l1_gas.map_or("-".into(), |g| g.to_string()),
        r.l1_gas_per_tx.map_or("-".into(), |g| format!("{g:.0}")),
        r.execute_gas,
        r.ethrex_rule_gas,
    );
}

fn print_services(s: &ServicesRow) {
    println!();
    println!(
        "| L2 transfers via JSON-RPC | accepted tx/s | included tx/s | all settled after | L2 blocks | L2 Mgas | follower time | follower blocks/s | follower Mgas/s |"
    );
    println!("|---|---|---|---|---|---|---|---|---|");
    println!(
        "| {} | {:.0} | {:.0} | {:.1} s | {} | {:.1} | {:.2} s | {:.0} | {:.1} |",
        s.transactions,
        s.accept_tx_per_s,
        s.include_tx_per_s,
        s.settled_after_s,
        s.l2_blocks,
        s.l2_mgas,
        s.follower_s,
        s.follower_blocks_per_s,
        s.follower_mgas_per_s
    );
}

/// `nr bench --batched`: L1 gas per L2 transaction with K blocks per settlement.
fn batched(args: &BenchArgs) -> Result<()> {
    let mut rows = vec![];
    if !args.json {
        println!(
            "| workload | Mgas/block | K | blocks | L2 txs | L1 gas | L1 gas/L2 tx | EXECUTE at-par (L2 gas) | EXECUTE other charges | calldata gas | intrinsic gas | contract gas/block |"
        );
        println!("|---|---|---|---|---|---|---|---|---|---|---|---|");
    }
    for &workload in &args.workloads {
        for &mgas in &args.sizes {
            for r in nr_node::bench::measure_batched(workload, mgas, 16, &[1, 4, 16])? {
                if !args.json {
                    println!(
                        "| {} | {mgas} | {} | {} | {} | {} | {:.0} | {} | {} | {} | {} | {:.0} |",
                        r.workload.name(),
                        r.k,
                        r.blocks,
                        r.txs,
                        r.l1_gas,
                        r.l1_gas_per_tx,
                        r.execute_l2_gas,
                        r.execute_fixed_gas,
                        r.calldata_gas,
                        r.intrinsic_gas,
                        r.contract_gas_per_block
                    );
                }
                rows.push(r);
            }
        }
    }
    if args.json {
        println!("{}", serde_json::to_string_pretty(&rows)?);
    }
    Ok(())
}

/// `--optimistic --blobs`: the optimistic mode's L1 gas and blob bytes with blob data.
fn optimistic_blobs(args: &BenchArgs) -> Result<()> {
    let mut rows = vec![];
    if !args.json {
        println!(
            "| workload | Mgas | blocks | txs | blobs | fill | B/tx none | B/tx zstd | B/tx brotli | B/tx ours | proposeBlobs gas | gas/tx propose | finalize gas | L1 gas/L2 tx | blob base fee | blob fee/tx (wei) | proveBlobData gas | defend gas |"
        );
        println!("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
    }
    for &workload in &args.workloads {
        for &mgas in &args.sizes {
            let r = nr_node::bench::measure_blobs(workload, mgas)?;
            if !args.json {
                println!(
                    "| {} | {} | {} | {} | {} | {:.2} | {:.1} | {:.1} | {:.1} | {:.1} | {} | {:.0} | {} | {:.0} | {} | {:.0} | {} | {} |",
                    workload.name(),
                    mgas,
                    r.blocks,
                    r.txs,
                    r.blobs,
                    r.fill,
                    r.bytes_per_tx_none,
                    r.bytes_per_tx_zstd,
                    r.bytes_per_tx_brotli,
                    r.bytes_per_tx,
                    r.propose_gas,
                    r.propose_gas_per_tx,
                    r.finalize_gas,
                    r.l1_gas_per_tx,
                    r.blob_base_fee,
                    r.blob_fee_per_tx,
                    r.prove_gas,
                    r.defend_gas
                );
            }
            rows.push(r);
        }
    }
    if args.json {
        println!("{}", serde_json::to_string_pretty(&rows)?);
    }
    Ok(())
}

/// `--optimistic`: the optimistic mode's L1 gas per block.
fn optimistic(args: &BenchArgs) -> Result<()> {
    if args.blobs {
        return optimistic_blobs(args);
    }
    let mut rows = vec![];
    if !args.json {
        println!(
            "| workload | Mgas | txs | txs B | txs zstd B | propose gas | finalize gas | L1 gas/L2 tx | challenge gas | defend gas | defend estimate |"
        );
        println!("|---|---|---|---|---|---|---|---|---|---|---|");
    }
    for &workload in &args.workloads {
        for &mgas in &args.sizes {
            let r = nr_node::bench::measure_optimistic(workload, mgas)?;
            if !args.json {
                println!(
                    "| {} | {} | {} | {} | {} | {} | {} | {:.0} | {} | {} | {} |",
                    workload.name(),
                    mgas,
                    r.txs,
                    r.txs_bytes,
                    r.txs_zstd_bytes,
                    r.propose_gas,
                    r.finalize_gas,
                    r.l1_gas_per_tx,
                    r.challenge_gas,
                    r.defend_gas,
                    r.defend_estimate
                );
            }
            rows.push(r);
        }
    }
    if args.json {
        println!("{}", serde_json::to_string_pretty(&rows)?);
    }
    Ok(())
}
