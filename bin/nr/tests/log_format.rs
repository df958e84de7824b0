//! `--log-format json`: `nr l1` writes one JSON object per log line on stderr.

use std::{
    io::{BufRead, BufReader},
    process::{Command, Stdio},
    sync::mpsc,
    time::{Duration, Instant},
};

#[test]
fn json_log_lines_parse_as_json() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_nr"))
        .args(["--log-format", "json", "l1", "--http", "127.0.0.1:0", "--block-time", "1"])
        .arg("--datadir")
        .arg(dir.path())
        .env("RUST_LOG", "info")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start nr l1");
    let stderr = child.stderr.take().expect("piped stderr");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut seen = Vec::new();
    let block = loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok(line) => {
                let parsed = serde_json::from_str::<serde_json::Value>(&line);
                if let Ok(v) = &parsed
                    && v["fields"]["message"] == "block"
                {
                    break v.clone();
                }
                seen.push(line);
            }
            Err(e) => {
                let _ = child.kill();
                panic!("no JSON `block` log line within 60 s ({e}); stderr so far: {seen:#?}");
            }
        }
    };
    let _ = child.kill();
    let _ = child.wait();
    assert!(seen.iter().all(|l| serde_json::from_str::<serde_json::Value>(l).is_ok()), "{seen:#?}");
    assert_eq!(block["level"], "INFO", "{block}");
    assert!(block["timestamp"].is_string(), "{block}");
    assert!(block["fields"]["number"].is_u64(), "{block}");
}
