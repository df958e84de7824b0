//! `nr devnet --sequenced --censor ADDR` and `nr bridge force-withdraw` end to end, through
//! the command line only: the censored account withdraws through the forced inbox and
//! claims on L1 (issue 14).

mod common;

use common::{BANNER_TIMEOUT, output_within, read_banner, tempdir};
use std::{
    process::{Child, Command, Stdio},
    time::Duration,
};

/// Dev account 3 (funded on both chains by the devnet) and its address.
const USER: &str = "0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6";
const USER_ADDR: &str = "0x90F79bf6EB2c4f870365E785982E1f101E93b906";

/// Kills the devnet when the test ends, however it ends.
struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Runs `nr args` for at most 2 minutes; its stdout (fails the test on a non-zero exit).
fn nr(args: &[&str]) -> String {
    let out =
        output_within(Command::new(env!("CARGO_BIN_EXE_nr")).args(args), Duration::from_secs(120));
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "nr {args:?} failed: {text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    text
}

#[test]
fn censored_user_force_withdraws_and_claims_through_the_cli() {
    let dir = tempdir();
    let mut child = Command::new(env!("CARGO_BIN_EXE_nr"))
        .args(["devnet", "--l1-http", "127.0.0.1:0", "--l2-http", "127.0.0.1:0"])
        .args(["--l1-block-time", "1", "--l2-block-time", "1", "--sequenced"])
        .args(["--censor", USER_ADDR, "--forced-delay", "4", "--datadir"])
        .arg(dir.path())
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .spawn()
        .expect("start nr devnet");
    let banner = read_banner(&mut child, "`nr devnet` to print ready", BANNER_TIMEOUT, |l| {
        l.trim() == "ready"
    });
    let _devnet = Killed(child);
    let field = |key: &str| {
        banner
            .iter()
            .find_map(|l| {
                l.trim()
                    .strip_prefix(key)
                    .map(|r| r.split_whitespace().next().unwrap_or("").to_string())
            })
            .unwrap_or_else(|| panic!("no {key} line in the banner: {banner:?}"))
    };
    let (l1, l2) = (field("L1 rpc"), field("L2 rpc"));
    let conn = ["--l1-rpc", l1.as_str(), "--l2-rpc", l2.as_str(), "--key", USER];

    let out =
        nr(&[&["bridge", "force-withdraw"][..], &conn, &["--amount", "250000000000000000"]]
            .concat());
    println!("{out}");
    // "forced inbox entry 0: L2 tx 0x.. (L1 tx 0x..)"
    let tx = out
        .split_whitespace()
        .skip_while(|w| *w != "tx")
        .nth(1)
        .unwrap_or_else(|| panic!("no L2 tx in {out:?}"))
        .to_string();
    assert!(out.contains("forced inbox entry 0"), "{out}");
    assert!(out.contains("due from L1 block"), "{out}");
    // Included once due (`claim` fails until the L2 transaction is mined), then settled
    // (`claim` waits for that).
    let deadline = std::time::Instant::now() + Duration::from_secs(120);
    let args = [&["bridge", "claim"][..], &conn, &["--tx", tx.as_str(), "--wait", "60"]].concat();
    loop {
        let out = output_within(
            Command::new(env!("CARGO_BIN_EXE_nr")).args(&args),
            Duration::from_secs(90),
        );
        let (stdout, stderr) =
            (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        if out.status.success() {
            println!("{stdout}");
            assert!(stdout.contains("claimed on L1"), "{stdout}");
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the forced withdrawal was not claimable within 120 s: {stdout}{stderr}"
        );
        std::thread::sleep(Duration::from_secs(2));
    }
}
