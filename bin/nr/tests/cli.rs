//! The `nr` binary driven as a user would: SSZ public-input roots against L2BEAT's vectors,
//! the full conformance suite, and `nr execute` on inputs the suite wrote.

mod common;

use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

/// `../shared/fixtures` beside the repository (override with `NR_FIXTURES`).
fn fixtures() -> PathBuf {
    let dir = std::env::var_os("NR_FIXTURES").map(PathBuf::from).unwrap_or_else(|| {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures")
    });
    assert!(dir.is_dir(), "fixtures not found at {}: clone the repo beside shared/", dir.display());
    dir
}

/// Runs `nr args` for at most 10 minutes (the conformance suite takes about 2 in debug).
fn nr(args: &[&str]) -> (bool, String, String) {
    let out = common::output_within(
        Command::new(env!("CARGO_BIN_EXE_nr")).args(args),
        Duration::from_secs(600),
    );
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn public_input_roots_match_l2beat_vectors() {
    let file = fixtures().join("l2beat/public_input_vectors.json");
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    let cases = doc["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 2);
    for (i, case) in cases.iter().enumerate() {
        // One case object on its own, with chainId and schemaId as flags.
        let single =
            std::env::temp_dir().join(format!("nr-vector-{}-{i}.json", std::process::id()));
        std::fs::write(&single, case.to_string()).unwrap();
        let (ok, stdout, stderr) = nr(&[
            "ssz",
            "public-input-root",
            single.to_str().unwrap(),
            "--chain-id",
            &doc["chainId"].to_string(),
            "--schema-id",
            &doc["schemaId"].to_string(),
        ]);
        assert!(ok, "{stderr}");
        let lines: Vec<&str> = stdout.lines().collect();
        let names =
            ["payloadRoot", "versionedHashesRoot", "newPayloadRequestRoot", "publicInputRoot"];
        assert_eq!(lines.len(), names.len(), "{stdout}");
        for (line, name) in lines.iter().zip(names) {
            assert_eq!(*line, format!("{name} {}", case[name].as_str().unwrap()), "case {i}");
        }
        // The whole vectors file, picking the case, reads chainId/schemaId from the file.
        let (ok, stdout2, _) =
            nr(&["ssz", "public-input-root", file.to_str().unwrap(), "--case", &i.to_string()]);
        assert!(ok);
        assert_eq!(stdout, stdout2);
        std::fs::remove_file(single).ok();
    }
}

#[test]
fn execution_flavour_differs_from_consensus_only_in_the_request_root() {
    let file = fixtures().join("l2beat/public_input_vectors.json");
    let case = |flavor: &str| {
        let (ok, stdout, stderr) = nr(&[
            "ssz",
            "public-input-root",
            file.to_str().unwrap(),
            "--case",
            "0",
            "--flavor",
            flavor,
        ]);
        assert!(ok, "{stderr}");
        stdout.lines().map(|l| l.split_once(' ').unwrap().1.to_string()).collect::<Vec<_>>()
    };
    let (consensus, execution) = (case("consensus"), case("execution"));
    assert_eq!(consensus.len(), 4, "{consensus:?}");
    assert_eq!(execution.len(), 3, "payload, versioned hashes, request: {execution:?}");
    assert_eq!(execution[0], consensus[0], "the payload root is the same in both flavours");
    assert_ne!(execution[1], consensus[1], "progressive list vs List[Bytes32, 4096]");
    assert_ne!(execution[2], consensus[2], "plain vs progressive container");
}

#[test]
fn public_input_root_reports_bad_fields() {
    let bad = std::env::temp_dir().join(format!("nr-bad-{}.json", std::process::id()));
    std::fs::write(&bad, r#"{"header": {"parentHash": "0x12"}}"#).unwrap();
    let (ok, _, stderr) = nr(&[
        "ssz",
        "public-input-root",
        bad.to_str().unwrap(),
        "--chain-id",
        "1",
        "--schema-id",
        "5377",
    ]);
    assert!(!ok);
    assert!(stderr.contains("parentHash"), "{stderr}");
    std::fs::remove_file(bad).ok();
}

fn count_cases(dir: &std::path::Path) -> usize {
    let mut n = 0;
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            n += count_cases(&p);
        } else if p.extension().is_some_and(|x| x == "json") {
            let v: serde_json::Value =
                serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap();
            n += v.as_object().unwrap().len();
        }
    }
    n
}

#[test]
fn conformance_suite_passes_stateful_and_stateless() {
    let dir = fixtures().join("ethereum-tests");
    let total = count_cases(&dir);
    assert_eq!(total, 573, "the shared fixtures hold 573 Cancun cases");
    let inputs = std::env::temp_dir().join(format!("nr-inputs-{}", std::process::id()));
    let (ok, stdout, stderr) =
        nr(&["conformance", dir.to_str().unwrap(), "--write-inputs", inputs.to_str().unwrap()]);
    assert!(ok, "{stdout}\n{stderr}");
    assert!(stdout.contains(&format!("stateful: {total} passed, 0 failed, 0 skipped")), "{stdout}");
    assert!(
        stdout.contains(&format!("stateless: {total} passed, 0 failed, 0 skipped")),
        "{stdout}"
    );
    assert!(
        stdout.trim_end().ends_with(&format!("conformance: {total} passed, 0 failed, 0 skipped"))
    );

    // `nr execute` verifies a written input offline, and rejects it once corrupted.
    let mut files: Vec<_> =
        std::fs::read_dir(&inputs).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    assert!(files.len() > 1000, "one input per valid block, got {}", files.len());
    let pick = files.iter().max_by_key(|f| std::fs::metadata(f).unwrap().len()).unwrap();
    let (ok, stdout, stderr) = nr(&["execute", "--fork", "Cancun", "--l1", pick.to_str().unwrap()]);
    assert!(ok, "{stdout}{stderr}");
    assert!(stdout.contains("success true") && stdout.contains("chain_id 1"), "{stdout}");
    let bytes = std::fs::read(pick).unwrap();
    let truncated = inputs.join("truncated.ssz");
    std::fs::write(&truncated, &bytes[..bytes.len() / 2]).unwrap();
    let (ok, _, stderr) = nr(&["execute", "--fork", "Cancun", "--l1", truncated.to_str().unwrap()]);
    assert!(!ok);
    assert!(stderr.contains("invalid SSZ"), "{stderr}");
    // Under Osaka rules the same payload describes a different header (Prague adds the
    // requests hash), so its block hash no longer matches.
    let (ok, stdout, stderr) = nr(&["execute", "--fork", "Osaka", "--l1", pick.to_str().unwrap()]);
    assert!(!ok && stdout.contains("success false"), "{stdout}");
    assert!(stderr.contains("block_hash"), "{stderr}");
    std::fs::remove_dir_all(inputs).ok();
}

/// Networks of the eest fixtures that are not run, each printed as a SKIP line with its
/// reason: the pre-Shanghai forks (execution before withdrawals, out of scope). The BPO
/// transition networks run (blob schedules from each fixture's `config`).
const EEST_SKIPPED_NETWORKS: [(&str, usize); 3] = [("Berlin", 19), ("London", 19), ("Paris", 19)];

/// execution-spec-tests (develop v5.4.0) Prague and Osaka BlockchainTests, both ways:
/// nothing fails; the 20 valid blocks whose irregular request lengths no `StatelessInput`
/// can carry are counted as unrepresentable (docs/stateless.md), the skips are exactly the
/// networks above.
#[test]
fn eest_prague_and_osaka_pass_stateful_and_stateless() {
    let dir = fixtures().join("eest");
    let (prague, osaka) = (count_cases(&dir.join("prague")), count_cases(&dir.join("osaka")));
    assert_eq!((prague, osaka), (1312, 623), "the eest fixtures in shared/ (SOURCE.md)");
    let skipped: usize = EEST_SKIPPED_NETWORKS.iter().map(|(_, n)| n).sum();
    let (ok, stdout, stderr) = nr(&["conformance", dir.to_str().unwrap()]);
    assert!(ok, "{stdout}\n{stderr}");
    let mut skips = std::collections::BTreeMap::<&str, usize>::new();
    for line in stdout.lines() {
        assert!(!line.starts_with("FAIL"), "{line}");
        if let Some(rest) = line.strip_prefix("SKIP stateful ") {
            let network = EEST_SKIPPED_NETWORKS
                .iter()
                .map(|(n, _)| *n)
                .find(|n| {
                    rest.ends_with(&format!(
                        ": pre-Shanghai network {n}: every chain here has withdrawals from genesis"
                    ))
                })
                .unwrap_or_else(|| panic!("unexpected skip: {line}"));
            *skips.entry(network).or_default() += 1;
        }
    }
    assert_eq!(skips, EEST_SKIPPED_NETWORKS.into_iter().collect(), "{stdout}");
    let unrepresentable = stdout.lines().filter(|l| l.starts_with("UNREPRESENTABLE")).count();
    assert_eq!(unrepresentable, 20, "{stdout}");
    let run = prague + osaka - skipped;
    for line in [
        format!("stateful: {run} passed, 0 failed, {skipped} skipped"),
        format!("stateless: {} passed, 0 failed, {skipped} skipped, 20 unrepresentable", run - 20),
        format!(
            "conformance: {} passed, 0 failed, {skipped} skipped, 20 unrepresentable",
            run - 20
        ),
    ] {
        assert!(stdout.lines().any(|l| l == line), "missing `{line}` in\n{stdout}");
    }
    // Per network (the network a case runs on, whichever folder holds it).
    let p = |n: usize| format!("{n} passed, 0 failed, 0 skipped");
    for (network, stateful, stateless) in [
        ("Shanghai", p(19), p(19)),
        ("Cancun", p(19), p(19)),
        ("CancunToPragueAtTime15k", p(29), p(29)),
        ("Prague", p(655), format!("{}, 10 unrepresentable", p(645))),
        ("PragueToOsakaAtTime15k", p(16), p(16)),
        ("Osaka", p(1117), format!("{}, 10 unrepresentable", p(1107))),
        ("OsakaToBPO1AtTime15k", p(6), p(6)),
        ("BPO1ToBPO2AtTime15k", p(5), p(5)),
        ("BPO2ToBPO3AtTime15k", p(7), p(7)),
        ("BPO3ToBPO4AtTime15k", p(5), p(5)),
    ] {
        let line = format!("network {network}: stateful {stateful}; stateless {stateless}");
        assert!(stdout.lines().any(|l| l == line), "missing `{line}` in\n{stdout}");
    }
}

#[test]
fn bench_measures_both_ways_and_settles() {
    let (ok, stdout, stderr) = nr(&[
        "bench",
        "--sizes",
        "1",
        "--workloads",
        "mixed,erc20",
        "--reps",
        "1",
        "--services",
        "300",
        "--json",
    ]);
    assert!(ok, "{stderr}");
    let doc: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let rows = doc["blocks"].as_array().unwrap();
    assert_eq!(rows.len(), 2);
    for r in rows {
        assert!(r["gas_used"].as_u64().unwrap() > 900_000, "{r}");
        assert!(r["stateless_ms"].as_f64().unwrap() > 0.0);
        assert!(r["ratio"].as_f64().unwrap() > 0.0);
        assert!(r["input_zstd_bytes"].as_u64().unwrap() < r["input_bytes"].as_u64().unwrap());
        assert!(r["advance_l1_gas"].as_u64().unwrap() > r["gas_used"].as_u64().unwrap());
    }
    let s = &doc["services"];
    assert!(s["transactions"].as_u64().unwrap() >= 296, "{s}");
    assert!(s["follower_blocks_per_s"].as_f64().unwrap() > 0.0);
}

/// An input in the format before execution-specs tests-zkevm v0.8 (no schema id prefix,
/// `chain_config`) is refused with an error naming the id it read, and nothing panics.
#[test]
fn execute_refuses_the_legacy_format_naming_its_schema_id() {
    let legacy = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../crates/execute/tests/fixtures/legacy-input.hex");
    let (ok, stdout, stderr) = nr(&["execute", "--fork", "Cancun", legacy.to_str().unwrap()]);
    println!("{stdout}\n{stderr}");
    assert!(!ok, "{stdout}");
    assert!(
        stderr.contains("unsupported stateless input schema id 0x1000 (expected 0x1501)"),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
}
