//! Forced deposits on a running sequenced Devnet (issue 14): a sequencer told to censor a
//! user still delivers the user's deposit before it is due on L1 (or it could no longer
//! settle), and settles the delivering block with `advanceWithDelivery`; an uncensored
//! deposit is delivered at once, as before.

mod common;

use alloy_primitives::{Address, U256};
use alloy_provider::{DynProvider, Provider};
use alloy_rpc_types_eth::TransactionRequest;
use alloy_sol_types::SolCall;
use common::{settled, wait_until};
use nr_contracts::NativeRollup;
use nr_node::devnet::{DEFAULT_FORCED_DELAY, Devnet, DevnetConfig};
use nr_rollup::bridge::BridgeClient;
use std::time::Duration;

/// Deadline of every wait below (the forced delay is 8 L1 blocks of 1 s).
const WAIT: Duration = Duration::from_secs(90);

fn eth(milli: u64) -> U256 {
    U256::from(milli) * U256::from(1_000_000_000_000_000u64)
}

async fn devnet(censor: Vec<Address>, forced_delay: u64) -> (Devnet, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let cfg = DevnetConfig {
        datadir: dir.path().to_path_buf(),
        l1_http: "127.0.0.1:0".parse().unwrap(),
        l2_http: "127.0.0.1:0".parse().unwrap(),
        l1_block_time: 1,
        l2_block_time: 1,
        sequenced: true,
        censor,
        forced_delay,
        ..Default::default()
    };
    (Devnet::start(&cfg).await.expect("devnet starts"), dir)
}

async fn view<C: SolCall>(l1: &DynProvider, rollup: Address, call: C) -> Result<C::Return, String> {
    let tx = TransactionRequest::default().to(rollup).input(call.abi_encode().into());
    let out = l1.call(tx).await.map_err(|e| format!("{}: {e}", C::SIGNATURE))?;
    C::abi_decode_returns(&out).map_err(|e| format!("{}: {e}", C::SIGNATURE))
}

/// What the test saw of one deposit.
struct Seen {
    /// L1 block of the deposit.
    sent: u64,
    /// L1 head when the deposit showed on L2.
    delivered_at_l1: u64,
    /// L2 block in which it showed.
    l2_block: u64,
    /// An L2 block settled after the deadline (past the `advanceWithDelivery` one).
    settled_past: u64,
}

/// Deposits 1 ETH from account 3 (U) to itself and follows it until it shows on L2 and
/// the block that shows it is settled, with `deliveredMessages` raised on L1.
async fn deposit_and_follow(d: &Devnet) -> Seen {
    let u = BridgeClient::connect(d.l1_url(), &d.l2_url(), d.accounts[3].clone())
        .await
        .expect("bridge client connects");
    let (l1, l2) = (u.l1().clone(), u.l2().clone());
    let before = l2.get_balance(u.from).await.unwrap();
    let r = u.deposit_eth(u.from, eth(1000), eth(1)).await.expect("deposit on L1");
    let sent = r.block_number.expect("mined");
    let delay: U256 = view(&l1, u.rollup, NativeRollup::forcedDelayCall {}).await.unwrap();
    println!("deposit in L1 block {sent}, due from L1 block {}", sent + delay.to::<u64>());
    let (delivered_at_l1, l2_block) = wait_until("the deposit shows on L2", WAIT, || {
        let (l1, l2) = (l1.clone(), l2.clone());
        async move {
            let head = l1.get_block_number().await.map_err(|e| e.to_string())?;
            let l2_head = l2.get_block_number().await.map_err(|e| e.to_string())?;
            let now = l2.get_balance(u.from).await.map_err(|e| e.to_string())?;
            match now > before {
                true => Ok((head, l2_head)),
                false => Err(format!("L1 head {head}, L2 head {l2_head}, balance {now}")),
            }
        }
    })
    .await;
    let after = l2.get_balance(u.from).await.unwrap();
    assert_eq!(after - before, eth(1000), "U's L2 balance shows the deposit");
    println!("shown on L2 block {l2_block} at L1 head {delivered_at_l1}");
    wait_until("the delivering block settles and L1 sees the delivery", WAIT, || {
        let (l1, l2) = (l1.clone(), l2.clone());
        async move {
            let s = settled(&l2).await?;
            let delivered: U256 =
                view(&l1, u.rollup, NativeRollup::deliveredMessagesCall {}).await?;
            match s >= l2_block && delivered >= U256::from(1) {
                true => Ok(()),
                false => Err(format!("settled {s}, deliveredMessages {delivered}")),
            }
        }
    })
    .await;
    // Settlement goes on past the deadline.
    let due_at = sent + delay.to::<u64>();
    let past = wait_until("an L2 block anchored after the deadline settles", WAIT, || {
        let (l1, l2) = (l1.clone(), l2.clone());
        async move {
            let head = l1.get_block_number().await.map_err(|e| e.to_string())?;
            let s = settled(&l2).await?;
            match head > due_at + 2 && s > l2_block {
                true => Ok(s),
                false => Err(format!("L1 head {head}, settled {s}")),
            }
        }
    })
    .await;
    let status: serde_json::Value = l2.raw_request("nr_settlementStatus".into(), ()).await.unwrap();
    println!("settled up to L2 block {past}; status {status}");
    Seen { sent, delivered_at_l1, l2_block, settled_past: past }
}

/// `--censor U`: U's deposit is left out until it is due within the relayer's margin
/// (half the forced delay), then delivered, and the block settles on L1 through
/// `advanceWithDelivery` (`deliveredMessages` raised).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn censored_deposit_is_delivered_before_it_is_due() {
    let accounts = nr_node::l1::dev_signers(nr_node::l1::DEV_MNEMONIC, 4).unwrap();
    let u = accounts[3].address();
    let (d, dir) = devnet(vec![u], DEFAULT_FORCED_DELAY).await;
    assert_eq!(d.accounts[3].address(), u, "U is the Devnet's account 3");
    let seen = deposit_and_follow(&d).await;
    // A follower derives the blocks settled with advanceWithDelivery from L1 alone.
    let follower =
        nr_rollup::start(d.follower_config(dir.path().join("follower"))).await.expect("follower");
    let l2 = alloy_provider::ProviderBuilder::new().connect_http(d.l2_url().parse().unwrap());
    let past = seen.settled_past;
    let want = l2.get_block_by_number(past.into()).await.unwrap().expect("block").header.hash;
    let chain = follower.chain.clone();
    wait_until("the follower derives the blocks settled after the deadline", WAIT, || {
        let chain = chain.clone();
        async move {
            match chain.hash_by_number(past).map_err(|e| e.to_string())? {
                Some(h) if h == want => Ok(()),
                other => Err(format!("follower has {other:?}, want {want}")),
            }
        }
    })
    .await;
    follower.shutdown().await;
    d.shutdown().await;
    // Censored: not delivered until due within the margin (8 / 2 = 4 L1 blocks).
    assert!(
        seen.delivered_at_l1 >= seen.sent + 4,
        "delivered at L1 head {} for a deposit in {}: not censored",
        seen.delivered_at_l1,
        seen.sent
    );
    assert!(seen.l2_block > 0);
}

/// Without censorship the relayer delivers the deposit at once, well before it is due,
/// and settlement goes on as before.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn uncensored_deposit_is_delivered_at_once() {
    let (d, _dir) = devnet(vec![], 2 * DEFAULT_FORCED_DELAY).await;
    let seen = deposit_and_follow(&d).await;
    d.shutdown().await;
    // A censored deposit waits until it is due soon (half the delay before its deadline);
    // this one must come well before that point.
    let due_soon = seen.sent + DEFAULT_FORCED_DELAY;
    assert!(
        seen.delivered_at_l1 < due_soon,
        "delivered at L1 head {} for a deposit in {}: the relayer waited",
        seen.delivered_at_l1,
        seen.sent
    );
}
