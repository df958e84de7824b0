//! EIP-7892 blob-parameter-only forks: execution-spec-tests cases on BPO networks run (not
//! skipped) and pass statefully and statelessly.

use nr_conformance::{Outcome, RunOptions, run_dir};
use std::path::Path;

#[test]
fn bpo_transition_fixtures_run_both_ways() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/eest-bpo");
    let results = run_dir(&dir, &RunOptions::default()).expect("fixtures read");
    assert_eq!(results.len(), 3, "cases in {}", dir.display());
    for r in &results {
        assert_eq!(r.stateful, Outcome::Pass, "stateful {}", r.name);
        assert_eq!(r.stateless, Outcome::Pass, "stateless {}", r.name);
    }
}
