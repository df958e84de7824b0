//! The optimistic-mode Devnet and the L1 helpers its tests share (`optimistic.rs`,
//! `optimistic_blobs.rs`).

use super::wait_until;
use alloy_primitives::{Address, U256};
use alloy_provider::Provider;
use alloy_rpc_types_eth::TransactionReceipt;
use nr_node::devnet::{Devnet, DevnetConfig, optimistic_params};
use nr_rollup::{L2Node, bridge::BridgeClient, l1::L1Client, optimistic::OptimisticOptions};
use std::time::Duration;

/// `m` thousandths of an ether, in wei.
pub fn milli(m: u64) -> U256 {
    U256::from(m) * U256::from(1_000_000_000_000_000u64)
}

/// An optimistic Devnet (1 s L1 and L2 blocks) with challenge and response windows of
/// `window` seconds, whose L1 keeps blobs for `retention` blocks (`0`: all).
pub async fn devnet(
    node: OptimisticOptions,
    window: u64,
    retention: u64,
) -> (Devnet, tempfile::TempDir) {
    devnet_with(node, window, retention, |_| {}).await
}

/// [`devnet`] with the rest of its configuration edited by `edit` (censorship, the
/// rollup's `forcedDelay`).
pub async fn devnet_with(
    node: OptimisticOptions,
    window: u64,
    retention: u64,
    edit: impl FnOnce(&mut DevnetConfig),
) -> (Devnet, tempfile::TempDir) {
    // `RUST_LOG=nr_rollup=info` shows the proposer's and the watchtowers' steps.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_test_writer()
        .try_init();
    let dir = tempfile::tempdir().unwrap();
    let cfg = DevnetConfig {
        datadir: dir.path().to_path_buf(),
        l1_http: "127.0.0.1:0".parse().unwrap(),
        l2_http: "127.0.0.1:0".parse().unwrap(),
        l1_block_time: 1,
        l2_block_time: 1,
        optimistic: Some(optimistic_params(window, window)),
        optimistic_node: node,
        l1_blob_retention: retention,
        ..Default::default()
    };
    let mut cfg = cfg;
    edit(&mut cfg);
    (Devnet::start(&cfg).await.expect("optimistic devnet starts"), dir)
}

/// A second node of the Devnet's rollup deriving from proposals with `options`; with
/// `account`, its watchtower disputes with that development account.
pub async fn watcher(
    d: &Devnet,
    dir: &tempfile::TempDir,
    account: Option<usize>,
    options: OptimisticOptions,
) -> L2Node {
    let name = account.map_or("follower".to_string(), |a| format!("watcher-{a}"));
    let mut cfg = d.follower_config(dir.path().join(name));
    cfg.settler_key = account.map(|a| d.accounts[a].clone());
    cfg.optimistic = options;
    nr_rollup::start(cfg).await.expect("watcher node starts")
}

/// A bridge client of development account `account`.
pub async fn client(d: &Devnet, account: usize) -> BridgeClient {
    BridgeClient::connect(d.l1_url(), &d.l2_url(), d.accounts[account].clone())
        .await
        .expect("bridge client connects")
}

/// A read-only L1 client of the Devnet's rollup.
pub fn rollup(d: &Devnet) -> L1Client {
    L1Client::new(d.l1_url(), d.deployment.rollup, None).expect("L1 client")
}

/// The L1 balance of `a`.
pub async fn l1_balance(d: &Devnet, a: Address) -> U256 {
    let p = alloy_provider::ProviderBuilder::new().connect_http(d.l1_url().parse().unwrap());
    p.get_balance(a).await.unwrap()
}

/// Waits (60 s at most) for the first `BlockChallenged` of the rollup, `what` naming it in
/// the failure message, and checks that `challenger` made it.
pub async fn first_challenge(
    l1: &L1Client,
    what: &str,
    challenger: Address,
) -> nr_contracts::OptimisticRollup::BlockChallenged {
    let (c, _) = event::<nr_contracts::OptimisticRollup::BlockChallenged>(
        l1,
        what,
        Duration::from_secs(60),
        |_| true,
    )
    .await;
    assert_eq!(c.challenger, challenger, "{what}: challenged by another account");
    c
}

/// Waits for the first L1 event `E` of the rollup matching `pick`; returns it with the
/// receipt of its transaction.
pub async fn event<E: alloy_sol_types::SolEvent>(
    l1: &L1Client,
    what: &str,
    timeout: Duration,
    pick: impl Fn(&E) -> bool,
) -> (E, TransactionReceipt) {
    wait_until(what, timeout, || async {
        let latest = l1.provider().get_block_number().await.map_err(|e| e.to_string())?;
        let events = l1.events::<E>(0, latest).await.map_err(|e| e.to_string())?;
        let Some((log, e)) = events.into_iter().find(|(_, e)| pick(e)) else {
            return Err(format!("no such event up to L1 block {latest}"));
        };
        let tx = log.transaction_hash.ok_or("log without transaction")?;
        let r = l1
            .provider()
            .get_transaction_receipt(tx)
            .await
            .map_err(|e| e.to_string())?
            .ok_or("no receipt")?;
        Ok((e, r))
    })
    .await
}
