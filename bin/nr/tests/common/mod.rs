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
    io::{BufRead, BufReader},
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    sync::Arc,
    time::Duration,
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
        let stdout = child.stdout.take().expect("stdout");
        let mut lines = BufReader::new(stdout).lines();
        let mut banner = Vec::new();
        let mut url = None;
        for line in lines.by_ref() {
            let line = line.expect("read banner");
            if let Some(u) = line.trim().strip_prefix("rpc") {
                url = Some(u.trim().to_string());
            }
            let done = line.trim_start().starts_with("block time");
            banner.push(line);
            if done {
                break;
            }
        }
        // Keep draining stdout so the node never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines {});
        let url = url.unwrap_or_else(|| panic!("no rpc line in banner: {banner:?}"));
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

    /// The SSZ `StatelessInput` of block `hash`, with the chain config of `schedule` (the
    /// L1's, under which EXECUTE verifies it).
    pub fn input(&self, hash: B256, schedule: &ForkSchedule) -> StatelessInput {
        let block = self.chain.block(&hash).unwrap().unwrap();
        let witness = self.chain.witness(&hash).expect("witness");
        MemoryChain::stateless_input(&block, witness, &Requests::default(), schedule, L2_CHAIN_ID)
            .expect("stateless input")
    }
}

/// Path of a file beside the test binary's manifest.
pub fn manifest_path(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(rel)
}

/// Polls `f` every 100 ms until it returns `Some`, for at most `secs` seconds.
pub fn wait_for<T>(secs: u64, mut f: impl FnMut() -> Option<T>) -> T {
    let deadline = std::time::Instant::now() + Duration::from_secs(secs);
    loop {
        if let Some(v) = f() {
            return v;
        }
        assert!(std::time::Instant::now() < deadline, "timed out after {secs}s");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Async version of [`wait_for`].
pub async fn wait_for_async<T, F: std::future::Future<Output = Option<T>>>(
    secs: u64,
    mut f: impl FnMut() -> F,
) -> T {
    let deadline = std::time::Instant::now() + Duration::from_secs(secs);
    loop {
        if let Some(v) = f().await {
            return v;
        }
        assert!(std::time::Instant::now() < deadline, "timed out after {secs}s");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
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
