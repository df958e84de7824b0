//! The explorer page in a real browser: a Devnet in-process, a deposit and a claimed
//! withdrawal, then headless Chromium (Debian's `chromium`, installed by
//! `scripts/setup-chromium.sh` when missing) loads the page from the L2 node and the test
//! reads the DOM it rendered; a screenshot is saved under the target directory.

mod common;

use alloy_primitives::{Address, B256, U256};
use alloy_provider::Provider;
use alloy_sol_types::SolEvent;
use common::{http, settled, wait_until};
use nr_contracts::{L2Messenger, NativeRollup};
use nr_node::devnet::{Devnet, DevnetConfig};
use nr_rollup::bridge::BridgeClient;
use std::{
    path::{Path, PathBuf},
    process::Stdio,
    time::Duration,
};

/// Debian's Chromium.
const CHROMIUM: &str = "/usr/bin/chromium";
/// Virtual time each page load gets: several polls of the page (every 1.5 s).
const VIRTUAL_TIME_MS: u32 = 6_000;
/// Real time one Chromium run may take.
const CHROMIUM_DEADLINE: Duration = Duration::from_secs(120);

/// The Chromium binary, installed by the project's setup script when missing. Fails the
/// test (never skips it) when it still is not there.
fn chromium() -> &'static Path {
    let path = Path::new(CHROMIUM);
    if !path.exists() {
        let script =
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../scripts/setup-chromium.sh");
        eprintln!("{CHROMIUM} missing: running {}", script.display());
        let status = std::process::Command::new("bash").arg(&script).status();
        eprintln!("{} ended: {status:?}", script.display());
    }
    assert!(
        path.exists(),
        "{CHROMIUM} is missing and scripts/setup-chromium.sh did not install it \
         (it needs root and Debian's package registry: apt-get install -y chromium)"
    );
    path
}

/// Runs headless Chromium on `url` with `extra` flags (a fresh profile, no background
/// networking), returning its stdout; fails the test after [`CHROMIUM_DEADLINE`].
async fn run_chromium(url: &str, extra: &[String]) -> String {
    let profile = tempfile::tempdir().unwrap();
    let mut cmd = tokio::process::Command::new(chromium());
    cmd.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        "--hide-scrollbars",
    ])
    .arg(format!("--user-data-dir={}", profile.path().display()))
    .arg(format!("--virtual-time-budget={VIRTUAL_TIME_MS}"))
    .args(extra)
    .arg(url)
    .stdin(Stdio::null())
    .stdout(Stdio::piped())
    .stderr(Stdio::piped())
    .kill_on_drop(true);
    let child = cmd.spawn().unwrap_or_else(|e| panic!("start {CHROMIUM}: {e}"));
    let out = tokio::time::timeout(CHROMIUM_DEADLINE, child.wait_with_output())
        .await
        .unwrap_or_else(|_| panic!("chromium on {url} did not finish within {CHROMIUM_DEADLINE:?}"))
        .expect("chromium's output");
    assert!(
        out.status.success(),
        "chromium failed ({}): {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The text of the element with id `id` in `dom` (a leaf element).
fn text_of(dom: &str, id: &str) -> String {
    let at = dom.find(&format!("id=\"{id}\"")).unwrap_or_else(|| panic!("no #{id} in the DOM"));
    let rest = &dom[at..];
    let start = rest.find('>').expect("tag end") + 1;
    let end = rest[start..].find('<').expect("element end");
    rest[start..start + end].trim().to_string()
}

/// The `data-state` of the message row of `kind` with `hash`, if the page shows it.
fn message_state(dom: &str, kind: &str, hash: B256) -> Option<String> {
    let row = format!("data-kind=\"{kind}\" data-hash=\"{hash}\" data-state=\"");
    let at = dom.find(&row)? + row.len();
    Some(dom[at..].split('"').next()?.to_string())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn explorer_page_shows_messages_and_settlement_in_chromium() {
    chromium();
    let dir = tempfile::tempdir().unwrap();
    let cfg = DevnetConfig {
        datadir: dir.path().to_path_buf(),
        l1_http: "127.0.0.1:0".parse().unwrap(),
        l2_http: "127.0.0.1:0".parse().unwrap(),
        l1_block_time: 1,
        l2_block_time: 1,
        ..Default::default()
    };
    let devnet = Devnet::start(&cfg).await.expect("devnet starts");
    let user = devnet.accounts[5].clone();
    let bridge = BridgeClient::connect(devnet.l1_url(), &devnet.l2_url(), user.clone())
        .await
        .expect("bridge client");
    let (l1, l2) = (bridge.l1().clone(), bridge.l2().clone());

    // A deposit (L1 -> L2), delivered by the relayer.
    let amount = U256::from(25u64) * U256::from(10u64).pow(U256::from(15)); // 0.025 ETH
    let r = bridge.deposit_eth(user.address(), amount, U256::ZERO).await.expect("deposit");
    let deposit = r
        .inner
        .logs()
        .iter()
        .find_map(|l| NativeRollup::MessageSent::decode_log(&l.inner).ok())
        .expect("MessageSent in the deposit's receipt")
        .hash;
    wait_until("the deposit delivered on L2", Duration::from_secs(120), || async {
        let filter = alloy_rpc_types_eth::Filter::new()
            .address(nr_contracts::L2_MESSENGER)
            .event_signature(L2Messenger::L1MessageClaimed::SIGNATURE_HASH)
            .topic1(deposit)
            .from_block(0);
        let found = l2.get_logs(&filter).await.map_err(|e| e.to_string())?;
        if found.is_empty() { Err("no L1MessageClaimed yet".into()) } else { Ok(()) }
    })
    .await;

    // A withdrawal (L2 -> L1), claimed on L1 once its block is settled.
    let r = bridge
        .withdraw_eth(Address::repeat_byte(0x55), amount / U256::from(5))
        .await
        .expect("withdraw");
    let withdrawal = r
        .inner
        .logs()
        .iter()
        .find_map(|l| L2Messenger::MessageSent::decode_log(&l.inner).ok())
        .expect("MessageSent in the withdrawal's receipt")
        .hash;
    bridge.claim(r.transaction_hash, Duration::from_secs(120)).await.expect("claim on L1");
    assert_eq!(l1.get_balance(Address::repeat_byte(0x55)).await.unwrap(), amount / U256::from(5));

    // The page is served on the L2 RPC port, and the L1 lets it read (CORS).
    let url = format!("{}/", devnet.l2_url());
    let page = http::get(devnet.l2.rpc, "/", &[]).await;
    assert_eq!(page.status, 200, "GET / on the L2 node: {page:?}");
    assert!(page.body.contains("nr explorer"), "not the explorer page");
    let preflight = http::get(devnet.l1.addr, "/metrics", &[("Origin", &url)]).await;
    assert_eq!(preflight.header("access-control-allow-origin"), Some("*"), "{preflight:?}");

    let settled_before = settled(&l2).await.expect("nr_settlementStatus");
    let dom = run_chromium(&url, &["--dump-dom".into()]).await;
    let settled_after = settled(&l2).await.expect("nr_settlementStatus");
    let polls: u32 = {
        let at = dom.find("data-polls=\"").map(|i| i + 12).expect("data-polls on <body>");
        dom[at..].split('"').next().unwrap().parse().unwrap()
    };
    assert!(polls >= 1, "the page completed no poll; status: {}", text_of(&dom, "status"));
    assert_eq!(
        message_state(&dom, "deposit", deposit).as_deref(),
        Some("delivered"),
        "deposit row"
    );
    assert_eq!(
        message_state(&dom, "withdrawal", withdrawal).as_deref(),
        Some("claimed"),
        "withdrawal row"
    );
    let shown: u64 = text_of(&dom, "settled-head").parse().expect("a settled head number");
    assert!(
        (settled_before..=settled_after).contains(&shown),
        "page shows settled {shown}, nr_settlementStatus said {settled_before} before and {settled_after} after"
    );
    assert!(
        dom.contains(&format!("data-l2-block=\"{shown}\"")),
        "the settled block's row (L1 tx) shown"
    );
    assert!(!text_of(&dom, "l1-head").starts_with('–'), "L1 head shown");
    let plot = dom.split("id=\"lag-plot\"").nth(1).and_then(|s| s.split("</svg>").next());
    assert!(plot.is_some_and(|p| p.contains("<path")), "no lag plot: {plot:?}");

    // The detail view of the withdrawal: transaction, receipt, logs, and its call trace
    // (or a note that the node has no `debug_traceTransaction`).
    let detail =
        run_chromium(&format!("{url}#l2/tx/{}", r.transaction_hash), &["--dump-dom".into()]).await;
    let section = detail.split("id=\"detail\"").nth(1).expect("the detail view");
    assert!(section.contains("receipt") && section.contains("logs"), "detail view: {section}");
    assert!(section.contains(&format!("{withdrawal}")), "the withdrawal's log in the detail view");
    assert!(
        section.contains("call trace (callTracer)") || section.contains("id=\"trace-unavailable\""),
        "neither a trace nor 'trace unavailable': {section}"
    );

    let shot = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("explorer.png");
    let _ = std::fs::remove_file(&shot);
    run_chromium(
        &url,
        &[format!("--screenshot={}", shot.display()), "--window-size=1400,1500".into()],
    )
    .await;
    let size = std::fs::metadata(&shot).map(|m| m.len()).unwrap_or(0);
    assert!(size > 10_000, "screenshot {} missing or empty ({size} bytes)", shot.display());
    println!("explorer screenshot: {}", shot.display());
    devnet.shutdown().await;
}
