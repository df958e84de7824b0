//! execution-spec-tests Prague cases about request system contracts, run both ways.

use nr_conformance::{Outcome, RunOptions, run_file};
use std::path::{Path, PathBuf};

fn eest(file: &str) -> PathBuf {
    let dir = std::env::var_os("NR_FIXTURES")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures"));
    let path = dir.join("eest/prague").join(file);
    assert!(path.is_file(), "fixture not found at {}", path.display());
    path
}

/// Modified withdrawal/consolidation contracts that return request data of irregular
/// length: the block is valid (the execution layer does not parse requests), but no
/// `StatelessInput` can carry it; the runner says so instead of passing or failing it.
#[test]
fn extra_requests_with_irregular_lengths_are_unrepresentable() {
    let mut unrepresentable = 0;
    for file in [
        "eip7002_el_triggerable_withdrawals/test_extra_withdrawals.json",
        "eip7251_consolidations/test_extra_consolidations.json",
    ] {
        let path = eest(file);
        let results = run_file(&path, path.parent().unwrap(), &RunOptions::default()).unwrap();
        assert!(!results.is_empty());
        for r in results {
            assert_eq!(r.stateful, Outcome::Pass, "{}", r.name);
            match &r.stateless {
                Outcome::Pass => {}
                Outcome::Unrepresentable(e) => {
                    assert!(e.contains("is not a whole number of"), "{}: {e}", r.name);
                    unrepresentable += 1;
                }
                other => panic!("{}: {other:?}", r.name),
            }
        }
    }
    assert_eq!(unrepresentable, 20);
}

/// The request contracts are deployed by a transaction of the fork block itself: they have
/// code when they are called (after the transactions), so the block is valid; deployed one
/// block later, the fork block is invalid (`SYSTEM_CONTRACT_EMPTY`).
#[test]
fn system_contract_deployed_in_the_fork_block() {
    for file in [
        "eip7002_el_triggerable_withdrawals/test_system_contract_deployment.json",
        "eip7251_consolidations/test_system_contract_deployment.json",
    ] {
        let path = eest(file);
        let results = run_file(&path, path.parent().unwrap(), &RunOptions::default()).unwrap();
        assert_eq!(results.len(), 6, "{file}");
        for r in results {
            assert_eq!((&r.stateful, &r.stateless), (&Outcome::Pass, &Outcome::Pass), "{}", r.name);
            if r.name.contains("deploy_after_fork") {
                assert_eq!(r.rejections.len(), 1, "{}", r.name);
                assert!(r.rejections[0].1.contains("has no code"), "{:?}", r.rejections);
            }
        }
    }
}
