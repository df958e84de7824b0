//! The `nr` binary's observability flags: `--log-format json` writes one JSON object per
//! log line on stderr; `nr l1` serves `GET /metrics` and CORS headers for the origins of
//! `--http-corsdomain`.

mod common;

use std::{
    io::{BufRead, BufReader, Read, Write},
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

/// `GET /metrics` on `url` (`http://host:port`) with an `Origin`; the whole answer as text.
fn get_metrics(url: &str, origin: &str) -> String {
    let addr = url.trim_start_matches("http://");
    let mut s = std::net::TcpStream::connect(addr).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    write!(
        s,
        "GET /metrics HTTP/1.1\r\nHost: {addr}\r\nOrigin: {origin}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).expect("an answer within 10 s");
    out
}

#[test]
fn l1_serves_metrics_and_the_cors_origins_of_its_flag() {
    let dir = tempfile::tempdir().unwrap();
    let node = common::L1Node::start(dir.path(), &["--http-corsdomain", "http://page.example"]);
    let allowed = get_metrics(&node.url, "http://page.example").to_ascii_lowercase();
    assert!(allowed.starts_with("http/1.1 200"), "{allowed}");
    assert!(allowed.contains("access-control-allow-origin: http://page.example"), "{allowed}");
    assert!(allowed.contains("\nnr_l1_head "), "{allowed}");
    assert!(allowed.contains("\nnr_l1_execute_gas_limit 60000000"), "{allowed}");
    let other = get_metrics(&node.url, "http://elsewhere.example").to_ascii_lowercase();
    assert!(!other.contains("access-control-allow-origin"), "{other}");
}
