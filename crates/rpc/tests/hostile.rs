//! Requests the HTTP front of the server must survive or answer as the server before
//! jsonrpsee did: bodies built to multiply memory, and request ids jsonrpsee cannot hold.
#![allow(unsafe_code)] // the counting allocator

mod common;

use common::{dev_chain, post_raw};
use serde_json::{Value, json};
use std::{
    alloc::{GlobalAlloc, Layout, System},
    net::SocketAddr,
    sync::atomic::{AtomicUsize, Ordering},
    time::Duration,
};

/// The system allocator, counting the bytes in use and their peak.
struct Counting;
static IN_USE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

// SAFETY: forwards to the system allocator unchanged; only counts.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(l) };
        if !p.is_null() {
            let now = IN_USE.fetch_add(l.size(), Ordering::Relaxed) + l.size();
            PEAK.fetch_max(now, Ordering::Relaxed);
        }
        p
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        unsafe { System.dealloc(p, l) };
        IN_USE.fetch_sub(l.size(), Ordering::Relaxed);
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

async fn start(dir: &std::path::Path) -> (SocketAddr, impl Sized) {
    let server = nr_rpc::serve("127.0.0.1:0".parse().unwrap(), dev_chain(dir), None)
        .await
        .expect("server starts");
    (server.local_addr(), server)
}

/// POSTs `body`; returns the HTTP status and the raw response body.
async fn post(addr: SocketAddr, body: &str) -> (u16, String) {
    post_raw(addr, body, None, Duration::from_secs(60)).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batch_of_empty_objects_does_not_multiply_memory() {
    let dir = tempfile::tempdir().unwrap();
    let (addr, _server) = start(dir.path()).await;
    // 8 MiB of `{},`: 2.8 million batch entries, each a request without a method.
    let n = 8 * 1024 * 1024 / 3;
    let mut body = String::with_capacity(3 * n + 2);
    body.push('[');
    for i in 0..n {
        body.push_str(if i + 1 < n { "{}," } else { "{}" });
    }
    body.push(']');
    let before = IN_USE.load(Ordering::Relaxed);
    PEAK.store(before, Ordering::Relaxed);
    let (status, answer) = post(addr, &body).await;
    let extra = PEAK.load(Ordering::Relaxed) - before;
    println!(
        "body {} bytes, peak extra memory {} bytes ({:.1}x)",
        body.len(),
        extra,
        extra as f64 / body.len() as f64
    );
    let v: Value = serde_json::from_str(&answer).unwrap_or_else(|e| panic!("{e}: {answer}"));
    assert_eq!((status, v[0]["error"]["code"].clone()), (200, json!(-32600)), "{answer}");
    assert_eq!(v[0]["error"]["message"], "batch too large");
    assert!(
        extra < 8 * body.len(),
        "answering a {} byte batch took {} bytes at peak ({:.0}x the body)",
        body.len(),
        extra,
        extra as f64 / body.len() as f64
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_with_ids_jsonrpsee_cannot_hold_are_answered_with_their_id() {
    let dir = tempfile::tempdir().unwrap();
    let (addr, _server) = start(dir.path()).await;
    // JSON-RPC 2.0 allows any number as an id; jsonrpsee holds only null, u64 and strings.
    for id in ["-1", "1.5", "18446744073709551616", "-9223372036854775808", "1e3"] {
        let (status, answer) =
            post(addr, &format!(r#"{{"jsonrpc":"2.0","id":{id},"method":"eth_chainId"}}"#)).await;
        assert_eq!(status, 200);
        let expected = format!(r#"{{"jsonrpc":"2.0","id":{id},"result":"0x7a69"}}"#);
        assert_eq!(answer, expected, "id {id}");
    }
    // In a batch, next to ordinary ids, and with an error answer.
    let (_, answer) = post(
        addr,
        r#"[{"jsonrpc":"2.0","id":-7,"method":"eth_chainId"},{"jsonrpc":"2.0","id":3,"method":"eth_chainId"},{"jsonrpc":"2.0","id":-8,"method":"eth_nope"}]"#,
    )
    .await;
    let v: Value = serde_json::from_str(&answer).unwrap_or_else(|e| panic!("{e}: {answer}"));
    assert_eq!(v[0], json!({"jsonrpc": "2.0", "id": -7, "result": "0x7a69"}), "{answer}");
    assert_eq!(v[1], json!({"jsonrpc": "2.0", "id": 3, "result": "0x7a69"}), "{answer}");
    assert_eq!(v[2]["id"], json!(-8), "{answer}");
    assert_eq!(v[2]["error"]["code"], json!(-32601), "{answer}");
    // A string id that looks like our internal placeholder is echoed unchanged.
    let (_, answer) =
        post(addr, r#"{"jsonrpc":"2.0","id":"\u0000nr:0:0","method":"eth_chainId"}"#).await;
    let v: Value = serde_json::from_str(&answer).unwrap();
    assert_eq!(v["id"], json!("\u{0}nr:0:0"), "{answer}");
}
