//! Shared helpers for tests that run `nr l1` as a separate process and build L2 blocks.
#![allow(dead_code)] // each test binary uses a part

use alloy_consensus::{Block, TxEnvelope};
use alloy_eips::eip7685::Requests;
use alloy_primitives::{Address, B256, U256};
use alloy_provider::{Provider, ProviderBuilder};
use alloy_signer_local::PrivateKeySigner;
use nr_chain::{Chain, spec::ChainSpec};
use nr_stateless::{ForkSchedule, evm::PlainEthereum, memory::MemoryChain, ssz::StatelessInput};
use std::{
    fmt::Display,
    future::Future,
    io::{BufRead, BufReader, Read},
    path::{Path, PathBuf},
    process::{Child, Command, Output, Stdio},
    sync::{Arc, mpsc},
    time::{Duration, Instant},
};

/// First dev account of the default mnemonic (funded on `nr l1`).
pub const DEV_KEY: &str = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
/// Second dev account.
pub const DEV_KEY_1: &str = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";

/// A running `nr l1` process; killed (SIGKILL) on drop.
pub struct L1Node {
    /// The process.
    pub child: Child,
    /// RPC URL.
    pub url: String,
    /// Lines printed at start.
    pub banner: Vec<String>,
}

impl L1Node {
    /// Starts `nr l1` on a free port with the given datadir and extra flags, and waits
    /// until it prints its RPC URL.
    pub fn start(datadir: &Path, extra: &[&str]) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_nr"))
            .arg("l1")
            .arg("--datadir")
            .arg(datadir)
            .args(["--http", "127.0.0.1:0"])
            .args(extra)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start nr l1");
        let banner = read_banner(&mut child, "the `nr l1` banner", BANNER_TIMEOUT, |l| {
            l.trim_start().starts_with("block time")
        });
        let url = banner
            .iter()
            .find_map(|l| l.trim().strip_prefix("rpc").map(|u| u.trim().to_string()))
            .unwrap_or_else(|| panic!("no rpc line in banner: {banner:?}"));
        Self { child, url, banner }
    }

    /// Kills the process with SIGKILL and waits for it.
    pub fn kill9(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// An alloy provider for this node, signing with `key`.
    pub fn provider(&self, key: &str) -> impl Provider + Clone + use<> {
        let signer: PrivateKeySigner = key.parse().expect("key");
        ProviderBuilder::new().wallet(signer).connect_http(self.url.parse().expect("url"))
    }
}

impl Drop for L1Node {
    fn drop(&mut self) {
        self.kill9();
    }
}

/// A fresh temporary directory.
pub fn tempdir() -> tempfile::TempDir {
    tempfile::tempdir().expect("tempdir")
}

/// An L2 chain for tests: a [`Chain`] without EXECUTE, in its own temporary store.
pub struct L2 {
    /// The chain.
    pub chain: Chain,
    /// Where it lives.
    pub dir: tempfile::TempDir,
}

/// L2 chain id used by the tests.
pub const L2_CHAIN_ID: u64 = 8079;

impl L2 {
    /// A new L2 with `schedule`, genesis at `timestamp`, `funded` accounts with 100 ETH.
    pub fn new(schedule: ForkSchedule, timestamp: u64, funded: &[Address]) -> Self {
        let dir = tempdir();
        let spec = ChainSpec::dev(
            L2_CHAIN_ID,
            schedule,
            timestamp,
            funded,
            U256::from(10).pow(U256::from(20)),
        );
        let chain = Chain::open(&dir.path().join("l2.redb"), spec, Arc::new(PlainEthereum))
            .expect("open L2");
        Self { chain, dir }
    }

    /// Adds `txs` and produces one block at `timestamp`; every transaction must be included.
    pub fn block(&self, txs: Vec<TxEnvelope>, timestamp: u64) -> (Block<TxEnvelope>, B256) {
        let n = txs.len();
        for tx in txs {
            self.chain.add_transaction(tx).expect("L2 tx accepted");
        }
        let p = self.chain.produce_block(timestamp).expect("L2 block");
        assert_eq!(p.block.body.transactions.len(), n, "skipped: {:?}", p.skipped);
        (p.block, p.hash)
    }

    /// The `StatelessInput` of block `hash` (its wire bytes are `to_wire()`).
    pub fn input(&self, hash: B256) -> StatelessInput {
        let block = self.chain.block(&hash).unwrap().unwrap();
        let witness = self.chain.witness(&hash).expect("witness");
        MemoryChain::stateless_input(&block, witness, &Requests::default(), L2_CHAIN_ID)
            .expect("stateless input")
    }
}

/// Path of a file beside the test binary's manifest.
pub fn manifest_path(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(rel)
}

/// Verifies an `eth_getProof` account proof against `state_root` (panics if it fails).
pub fn verify_account_proof(
    state_root: B256,
    address: Address,
    proof: &alloy_rpc_types_eth::EIP1186AccountProofResponse,
) {
    let account = alloy_trie::TrieAccount {
        nonce: proof.nonce,
        balance: proof.balance,
        storage_root: proof.storage_hash,
        code_hash: proof.code_hash,
    };
    alloy_trie::proof::verify_proof(
        state_root,
        alloy_trie::Nibbles::unpack(alloy_primitives::keccak256(address)),
        Some(alloy_rlp::encode(account)),
        &proof.account_proof,
    )
    .expect("account proof verifies against the state root");
}

/// How long a started node may take to print its banner.
pub const BANNER_TIMEOUT: Duration = Duration::from_secs(60);
/// How long a sent transaction may take to be mined.
pub const RECEIPT_TIMEOUT: Duration = Duration::from_secs(60);
/// How often [`wait_until`] and [`wait_until_async`] check their condition.
const POLL: Duration = Duration::from_millis(50);

/// The time by which something a test waits for must have happened.
pub struct Deadline {
    what: String,
    timeout: Duration,
    start: Instant,
}

impl Deadline {
    /// A deadline `timeout` from now for `what` (phrased as what is awaited).
    pub fn new(what: impl Into<String>, timeout: Duration) -> Self {
        Self { what: what.into(), timeout, start: Instant::now() }
    }

    /// Whether the deadline has passed.
    pub fn passed(&self) -> bool {
        self.start.elapsed() >= self.timeout
    }

    /// Time left until the deadline (zero once passed).
    pub fn remaining(&self) -> Duration {
        self.timeout.saturating_sub(self.start.elapsed())
    }

    /// Fails the test: `what` did not happen in time; `last_seen` is the latest observation.
    #[track_caller]
    pub fn fail(&self, last_seen: impl Display) -> ! {
        panic!(
            "timed out after {:?} waiting for {}; last seen: {last_seen}",
            self.timeout, self.what
        )
    }

    /// Fails the test (see [`Deadline::fail`]) if the deadline has passed.
    #[track_caller]
    pub fn check(&self, last_seen: impl Display) {
        if self.passed() {
            self.fail(last_seen)
        }
    }
}

/// Calls `check` every 50 ms until it returns `Ok`; after `timeout` fails the test naming
/// `what` and the last `Err` (what was seen instead).
#[track_caller]
pub fn wait_until<T, E: Display>(
    what: &str,
    timeout: Duration,
    mut check: impl FnMut() -> Result<T, E>,
) -> T {
    let deadline = Deadline::new(what, timeout);
    loop {
        match check() {
            Ok(v) => return v,
            Err(last) => deadline.check(last),
        }
        std::thread::sleep(POLL);
    }
}

/// Async twin of [`wait_until`]; a check that itself does not return by the deadline fails
/// the test too.
pub async fn wait_until_async<T, E: Display, F: Future<Output = Result<T, E>>>(
    what: &str,
    timeout: Duration,
    mut check: impl FnMut() -> F,
) -> T {
    let deadline = Deadline::new(what, timeout);
    let mut last = String::from("nothing (no check finished)");
    loop {
        match tokio::time::timeout(deadline.remaining(), check()).await {
            Ok(Ok(v)) => return v,
            Ok(Err(e)) => {
                last = e.to_string();
                deadline.check(&last);
            }
            Err(_) => deadline.fail(format!("{last} (then a check did not return)")),
        }
        tokio::time::sleep(POLL).await;
    }
}

/// Awaits `fut` for at most `timeout`, failing the test naming `what` if it does not finish.
pub async fn within<T>(what: &str, timeout: Duration, fut: impl Future<Output = T>) -> T {
    match tokio::time::timeout(timeout, fut).await {
        Ok(v) => v,
        Err(_) => Deadline::new(what, timeout).fail("it had not finished"),
    }
}

/// The receipt of a sent transaction, within [`RECEIPT_TIMEOUT`].
pub async fn receipt(
    pending: alloy_provider::PendingTransactionBuilder<alloy_network::Ethereum>,
) -> alloy_rpc_types_eth::TransactionReceipt {
    let hash = *pending.tx_hash();
    within(&format!("the receipt of transaction {hash}"), RECEIPT_TIMEOUT, pending.get_receipt())
        .await
        .unwrap_or_else(|e| panic!("receipt of transaction {hash}: {e}"))
}

/// Waits until transaction `hash` (already accepted) is mined on `p` and returns its
/// receipt; fails after `timeout` naming the head last seen. `when` says when it is
/// expected (e.g. "after the restart").
pub async fn mined(
    p: &impl Provider,
    hash: B256,
    when: &str,
    timeout: Duration,
) -> alloy_rpc_types_eth::TransactionReceipt {
    wait_until_async(
        &format!("accepted transaction {hash} to be mined {when}"),
        timeout,
        || async {
            let head = p.get_block_number().await.unwrap();
            p.get_transaction_receipt(hash)
                .await
                .unwrap()
                .ok_or(format!("no receipt, block {head}"))
        },
    )
    .await
}

/// Reads `child`'s stdout until a line satisfies `last` and returns the lines read; the
/// rest of its output is drained on a thread so the child never blocks on a full pipe.
/// If that line does not come within `timeout`, or the output ends first, kills the child
/// and fails the test with the lines seen.
#[track_caller]
pub fn read_banner(
    child: &mut Child,
    what: &str,
    timeout: Duration,
    last: impl Fn(&str) -> bool,
) -> Vec<String> {
    let stdout = child.stdout.take().expect("the child's stdout is piped");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).split(b'\n') {
            let Ok(line) = line else { break };
            // Once the banner is read nobody listens: keep draining.
            let _ = tx.send(String::from_utf8_lossy(&line).into_owned());
        }
    });
    let deadline = Deadline::new(what, timeout);
    let mut lines = Vec::new();
    loop {
        match rx.recv_timeout(deadline.remaining()) {
            Ok(line) => {
                let done = last(&line);
                lines.push(line);
                if done {
                    return lines;
                }
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {
                let _ = child.kill();
                let _ = child.wait();
                deadline.fail(format_args!("output {lines:?}"));
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                let status = child.try_wait();
                let _ = child.kill();
                let _ = child.wait();
                panic!(
                    "{what} did not come: the output ended first (exit status {status:?}); \
                     output {lines:?}"
                )
            }
        }
    }
}

/// Runs `cmd` to completion (stdin closed) and returns its output; if it runs longer than
/// `timeout`, kills it and fails the test with what it printed.
#[track_caller]
pub fn output_within(cmd: &mut Command, timeout: Duration) -> Output {
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("start {cmd:?}: {e}"));
    // Each pipe is read to its end on a thread, which sends what it read.
    let collect = |mut r: Box<dyn Read + Send>| {
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            let _ = r.read_to_end(&mut buf);
            let _ = tx.send(buf);
        });
        rx
    };
    let stdout = collect(Box::new(child.stdout.take().expect("piped")));
    let stderr = collect(Box::new(child.stderr.take().expect("piped")));
    let deadline = Deadline::new(format!("{cmd:?} to exit"), timeout);
    let status = loop {
        if let Some(status) = child.try_wait().expect("poll the child") {
            break status;
        }
        if deadline.passed() {
            let _ = child.kill();
            let _ = child.wait();
            // A grandchild may still hold the pipes open: do not wait for their end long.
            let grace = Duration::from_secs(1);
            let out = stdout.recv_timeout(grace).unwrap_or_default();
            let err = stderr.recv_timeout(grace).unwrap_or_default();
            deadline.fail(format_args!(
                "still running (killed); stdout:\n{}\nstderr:\n{}",
                String::from_utf8_lossy(&out),
                String::from_utf8_lossy(&err)
            ));
        }
        std::thread::sleep(POLL);
    };
    // The pipes close when the command exits, unless a process it started still holds them.
    let rest = |rx: mpsc::Receiver<Vec<u8>>, name: &str| {
        rx.recv_timeout(Duration::from_secs(10)).unwrap_or_else(|_| {
            panic!("{cmd:?} exited ({status}) but its {name} stayed open for 10 s")
        })
    };
    Output { status, stdout: rest(stdout, "stdout"), stderr: rest(stderr, "stderr") }
}
