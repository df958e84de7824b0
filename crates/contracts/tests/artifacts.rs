//! The committed artifacts are exactly what the pinned solc makes of the sources.
//! Installs the npm packages (`npm ci`, lock file committed) when they are missing. Needs
//! Node.js: without it the test fails, unless `NR_SKIP_SOLC_CHECK=1` opts out explicitly.

use std::{path::PathBuf, process::Command};

/// Set to `1` to skip the check where Node.js is not installed.
const SKIP_VAR: &str = "NR_SKIP_SOLC_CHECK";

#[test]
fn artifacts_match_a_fresh_compile_and_a_changed_source_is_detected() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    if std::env::var(SKIP_VAR).is_ok_and(|v| v == "1") {
        eprintln!(
            "\n********************************************************************\n\
             SKIPPED ({SKIP_VAR}=1): the committed contract artifacts were NOT\n\
             checked against a fresh solc compile of crates/contracts/sol.\n\
             ********************************************************************\n"
        );
        return;
    }
    if let Err(e) = Command::new("node").arg("--version").output() {
        panic!(
            "Node.js is needed to check the contract artifacts against a fresh solc compile, \
             but `node --version` failed: {e}. Install Node.js, or set {SKIP_VAR}=1 to skip \
             this check explicitly."
        );
    }
    if !dir.join("node_modules/solc/package.json").exists() {
        let out = Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund"])
            .current_dir(&dir)
            .output()
            .expect("run npm ci");
        assert!(out.status.success(), "npm ci failed: {}", String::from_utf8_lossy(&out.stderr));
    }
    let out =
        Command::new("node").args(["build.js", "--check"]).current_dir(&dir).output().unwrap();
    let text =
        format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(
        out.status.success(),
        "artifacts are stale (run `npm run build` in crates/contracts):\n{text}"
    );
    assert!(text.contains("artifacts match 0.8.37"), "{text}");

    // The check must be able to fail: compile a copy with one source changed.
    let tmp = tempfile::tempdir().unwrap();
    let copy = |from: &str| {
        let status = Command::new("cp")
            .args(["-r", from])
            .arg(tmp.path())
            .current_dir(&dir)
            .status()
            .unwrap();
        assert!(status.success());
    };
    copy("sol");
    copy("artifacts");
    copy("build.js");
    std::os::unix::fs::symlink(dir.join("node_modules"), tmp.path().join("node_modules")).unwrap();
    let file = tmp.path().join("sol/NativeRollup.sol");
    let src = std::fs::read_to_string(&file).unwrap();
    std::fs::write(&file, src.replace("DELIVERED_PREFIX_SLOT = 5", "DELIVERED_PREFIX_SLOT = 6"))
        .unwrap();
    let out = Command::new("node")
        .args(["build.js", "--check"])
        .current_dir(tmp.path())
        .output()
        .unwrap();
    assert!(!out.status.success(), "a changed source must make the check fail");
}
