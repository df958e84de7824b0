//! Forced transactions on a running Devnet (issue 14): a censoring sequencer must include a
//! user's forced withdrawal once it is due, or it can no longer settle; based mode includes
//! forced entries like any other builder.

mod common;

use alloy_eips::eip2718::Encodable2718;
use alloy_network::TransactionBuilder;
use alloy_primitives::{Address, B256, U256};
use alloy_provider::Provider;
use alloy_rpc_types_eth::TransactionRequest;
use alloy_sol_types::SolCall;
use common::{settled, wait_until};
use nr_node::devnet::{Devnet, DevnetConfig};
use nr_rollup::bridge::BridgeClient;
use std::time::Duration;

/// The censored user's development account.
const USER: usize = 4;
/// The rollup's `forcedDelay`, in L1 blocks.
const FORCED_DELAY: u64 = 12;

fn eth(milli: u64) -> U256 {
    U256::from(milli) * U256::from(1_000_000_000_000_000u64)
}

/// A Devnet with 1-second blocks; `sequenced` picks the mode; the sequencer censors the
/// development account [`USER`] when `censor` (and its due forced entries too when
/// `censor_forced`).
async fn devnet(sequenced: bool, censor: bool, censor_forced: bool) -> (Devnet, tempfile::TempDir) {
    devnet_with_delay(sequenced, censor, censor_forced, FORCED_DELAY).await
}

/// [`devnet`] with the rollup's `forcedDelay`.
async fn devnet_with_delay(
    sequenced: bool,
    censor: bool,
    censor_forced: bool,
    forced_delay: u64,
) -> (Devnet, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let user = nr_node::l1::dev_signers(nr_node::l1::DEV_MNEMONIC, USER as u32 + 1).unwrap()[USER]
        .address();
    let cfg = DevnetConfig {
        datadir: dir.path().to_path_buf(),
        l1_http: "127.0.0.1:0".parse().unwrap(),
        l2_http: "127.0.0.1:0".parse().unwrap(),
        l1_block_time: 1,
        l2_block_time: 1,
        sequenced,
        censor: if censor { vec![user] } else { vec![] },
        censor_forced,
        forced_delay,
        ..Default::default()
    };
    let d = Devnet::start(&cfg).await.expect("devnet starts");
    assert_eq!(d.accounts[USER].address(), user);
    (d, dir)
}

async fn client(d: &Devnet, account: usize) -> BridgeClient {
    BridgeClient::connect(d.l1_url(), &d.l2_url(), d.accounts[account].clone())
        .await
        .expect("bridge client connects")
}

async fn l2_receipt(b: &BridgeClient, tx: B256) -> Option<alloy_rpc_types_eth::TransactionReceipt> {
    b.l2().get_transaction_receipt(tx).await.ok().flatten()
}

/// Sends U's ordinary ETH withdrawal to the L2 RPC without waiting for it; its hash.
async fn ordinary_withdrawal(u: &BridgeClient, amount: U256) -> B256 {
    let call = nr_contracts::L2Messenger::sendMessageCall {
        to: u.from,
        gasLimit: U256::from(nr_rollup::bridge::WITHDRAW_GAS_LIMIT),
        data: Default::default(),
    };
    let tx = TransactionRequest::default()
        .with_to(nr_contracts::L2_MESSENGER)
        .with_input(call.abi_encode())
        .with_value(amount)
        .with_gas_limit(150_000);
    *u.l2().send_transaction(tx).await.expect("the L2 RPC accepts the withdrawal").tx_hash()
}

async fn l1_number(b: &BridgeClient) -> u64 {
    b.l1().get_block_number().await.expect("L1 block number")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn censored_withdrawal_is_forced_through_the_inbox_and_claimed_on_l1() {
    let (d, _dir) = devnet(true, true, false).await;
    let u = client(&d, USER).await;
    let amount = eth(1500);
    let ordinary = ordinary_withdrawal(&u, amount).await;
    // The sequencer keeps producing and settling blocks, without it.
    let start = d.l2.chain.head().number;
    wait_until("three more L2 blocks settle", Duration::from_secs(60), || async {
        let s = settled(u.l2()).await?;
        if s >= start + 3 { Ok(()) } else { Err(format!("settled {s}")) }
    })
    .await;
    assert!(l2_receipt(&u, ordinary).await.is_none(), "the censored withdrawal is not included");

    let forced = u.force_withdraw(&d.accounts[USER], u.from, amount).await.expect("force-withdraw");
    println!(
        "forced entry {}: L2 tx {}, due from L1 block {} (submitted at {})",
        forced.index,
        forced.tx_hash,
        forced.deadline,
        l1_number(&u).await
    );
    // Before the deadline (the sequencer includes it CENSOR_MARGIN L1 blocks before it is
    // due): still censored.
    let margin = nr_rollup::forced::CENSOR_MARGIN;
    wait_until("the L1 nears the deadline", Duration::from_secs(60), || async {
        let n = l1_number(&u).await;
        if n + margin + 4 >= forced.deadline { Ok(()) } else { Err(format!("L1 block {n}")) }
    })
    .await;
    assert!(l2_receipt(&u, forced.tx_hash).await.is_none(), "not included before its deadline");
    // After it: the first transaction of a block, which settles.
    let r = wait_until("the forced withdrawal is included", Duration::from_secs(60), || async {
        match l2_receipt(&u, forced.tx_hash).await {
            Some(r) => Ok(r),
            None => Err(format!("L1 block {}", l1_number(&u).await)),
        }
    })
    .await;
    assert!(r.status(), "the forced withdrawal succeeds on L2");
    assert_eq!(r.transaction_index, Some(0), "first transaction of its block");
    let block = r.block_number.unwrap();
    println!("included in L2 block {block} at L1 block {}", l1_number(&u).await);
    wait_until("its block settles", Duration::from_secs(60), || async {
        let s = settled(u.l2()).await?;
        if s >= block { Ok(()) } else { Err(format!("settled {s}")) }
    })
    .await;
    let before = u.l1().get_balance(u.from).await.unwrap();
    let c = u.claim(forced.tx_hash, Duration::from_secs(60)).await.expect("claimed on L1");
    let after = u.l1().get_balance(u.from).await.unwrap();
    let gas_cost = U256::from(c.gas_used) * U256::from(c.effective_gas_price);
    assert_eq!(after, before + amount - gas_cost, "U received the withdrawal on L1");
    assert!(l2_receipt(&u, ordinary).await.is_none(), "the censored original was replaced");
    d.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn censoring_a_due_forced_transaction_stalls_settlement() {
    let (d, _dir) = devnet(true, true, true).await;
    let u = client(&d, USER).await;
    let forced =
        u.force_withdraw(&d.accounts[USER], u.from, eth(100)).await.expect("force-withdraw");
    let error =
        wait_until("settlement reports ForcedTransactionDue", Duration::from_secs(90), || async {
            let s: serde_json::Value = u
                .l2()
                .raw_request("nr_settlementStatus".into(), ())
                .await
                .map_err(|e| e.to_string())?;
            let e = s["lastError"].as_str().unwrap_or_default().to_string();
            if e.contains("ForcedTransactionDue") { Ok(e) } else { Err(format!("{s}")) }
        })
        .await;
    println!("settlement status lastError: {error}");
    let stalled = settled(u.l2()).await.unwrap();
    let l1_then = l1_number(&u).await;
    wait_until("four more L1 blocks", Duration::from_secs(30), || async {
        let n = l1_number(&u).await;
        if n >= l1_then + 4 { Ok(()) } else { Err(format!("L1 block {n}")) }
    })
    .await;
    let now = settled(u.l2()).await.unwrap();
    let l2_head = d.l2.chain.head().number;
    println!("settled head {now} (stalled at {stalled}), L2 head {l2_head}");
    assert_eq!(now, stalled, "nothing settles past a block that leaves out a due forced entry");
    assert!(l2_head > now, "the sequencer kept producing blocks it cannot settle");
    assert!(l2_receipt(&u, forced.tx_hash).await.is_none(), "still censored");
    let on_l1 = d.l2.chain.hash_by_number(now + 1).unwrap();
    assert!(on_l1.is_some(), "the block that should carry it exists locally, unsettled");
    d.shutdown().await;
}

/// A signed transfer of 12345 wei from `account` to 0x4242..42, with its next nonce.
async fn signed_transfer(
    d: &Devnet,
    u: &BridgeClient,
    account: usize,
) -> alloy_consensus::TxEnvelope {
    let l2 = u.l2();
    let nonce = l2.get_transaction_count(u.from).await.unwrap();
    let chain_id = l2.get_chain_id().await.unwrap();
    nr_chain::Eip1559Builder::new(chain_id, nonce, Address::repeat_byte(0x42))
        .value(U256::from(12345))
        .gas_limit(21_000)
        .fees(10_000_000_000, 1_000_000_000)
        .sign(&d.accounts[account])
        .unwrap()
}

/// With `forcedDelay` = 1 an entry is due in the L1 block after its submission: blocks the
/// sequencer built before it saw the entry reach the L1 after that and are refused; the
/// settler rebuilds them and settlement goes on, with the entry first.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn blocks_built_before_a_forced_entry_was_due_are_rebuilt() {
    let (d, _dir) = devnet_with_delay(true, false, false, 1).await;
    let u = client(&d, USER).await;
    let tx = signed_transfer(&d, &u, USER).await;
    let forced = u.force_send(tx.encoded_2718().into()).await.expect("force-send");
    // Its receipt may move: a block carrying it can be rebuilt (with it, first, again).
    let block = wait_until("the forced transfer settles", Duration::from_secs(90), || async {
        let r = l2_receipt(&u, forced.tx_hash).await.ok_or_else(|| "not included".to_string())?;
        let (b, i) = (r.block_number.unwrap_or_default(), r.transaction_index);
        let s = settled(u.l2()).await?;
        if s >= b { Ok((b, i)) } else { Err(format!("in block {b} at {i:?}, settled {s}")) }
    })
    .await;
    assert_eq!(block.1, Some(0), "first transaction of its block");
    let block = block.0;
    let l2_block = d.l2.chain.hash_by_number(block).unwrap().unwrap();
    let included = d.l2.chain.block(&l2_block).unwrap().unwrap();
    assert_eq!(included.body.transactions[0].tx_hash(), &forced.tx_hash);
    d.shutdown().await;
}

/// The rollup's `forcedHead`.
async fn forced_head(u: &BridgeClient) -> U256 {
    let call = nr_contracts::NativeRollup::forcedHeadCall {};
    let req = TransactionRequest::default().with_to(u.rollup).with_input(call.abi_encode());
    let out = u.l1().call(req).await.unwrap();
    nr_contracts::NativeRollup::forcedHeadCall::abi_decode_returns(&out).unwrap()
}

/// An entry that can never run (its nonce is ahead of the sender's) is not put in a block;
/// the settler drops it with `pruneForced` and an account proof, and the entry after it
/// is included.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn invalid_forced_entry_is_pruned_by_the_settler() {
    let (d, _dir) = devnet(true, false, false).await;
    let u = client(&d, USER).await;
    let l2 = u.l2();
    let nonce = l2.get_transaction_count(u.from).await.unwrap();
    let chain_id = l2.get_chain_id().await.unwrap();
    let gapped = nr_chain::Eip1559Builder::new(chain_id, nonce + 5, Address::repeat_byte(0x43))
        .value(U256::from(1))
        .gas_limit(21_000)
        .fees(10_000_000_000, 1_000_000_000)
        .sign(&d.accounts[USER])
        .unwrap();
    let bad = u.force_send(gapped.encoded_2718().into()).await.expect("force-send");
    let good = u
        .force_send(signed_transfer(&d, &u, USER).await.encoded_2718().into())
        .await
        .expect("force-send");
    assert_eq!(good.index, bad.index + 1);
    let r = wait_until("the valid entry behind it settles", Duration::from_secs(90), || async {
        let r = l2_receipt(&u, good.tx_hash).await.ok_or_else(|| "not included".to_string())?;
        let b = r.block_number.unwrap_or_default();
        let s = settled(l2).await?;
        if s >= b { Ok(r) } else { Err(format!("in block {b}, settled {s}")) }
    })
    .await;
    assert_eq!(r.transaction_index, Some(0));
    assert!(l2_receipt(&u, bad.tx_hash).await.is_none(), "the invalid entry is never included");
    assert_eq!(forced_head(&u).await, U256::from(good.index + 1), "both consumed");
    let latest = u.l1().get_block_number().await.unwrap();
    let filter = alloy_rpc_types_eth::Filter::new()
        .address(u.rollup)
        .event_signature(<nr_contracts::NativeRollup::ForcedDropped as alloy_sol_types::SolEvent>::SIGNATURE_HASH)
        .from_block(0)
        .to_block(latest);
    let logs = u.l1().get_logs(&filter).await.unwrap();
    assert_eq!(logs.len(), 1, "one entry dropped");
    let e = logs[0].log_decode::<nr_contracts::NativeRollup::ForcedDropped>().unwrap().inner.data;
    assert_eq!(e.index, U256::from(bad.index));
    assert_eq!(e.reason, 1, "reason Nonce (ForcedDropReason 1)");
    d.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn based_mode_includes_and_settles_a_forced_entry() {
    let (d, _dir) = devnet(false, false, false).await;
    let u = client(&d, USER).await;
    let l2 = u.l2();
    let tx = signed_transfer(&d, &u, USER).await;
    let forced = u.force_send(tx.encoded_2718().into()).await.expect("force-send");
    assert_eq!(forced.tx_hash, *tx.tx_hash());
    let r = wait_until("the forced transfer is included", Duration::from_secs(60), || async {
        l2_receipt(&u, forced.tx_hash).await.ok_or_else(|| "not yet".to_string())
    })
    .await;
    assert_eq!(r.transaction_index, Some(0), "first transaction of its block");
    let block = r.block_number.unwrap();
    wait_until("its block settles", Duration::from_secs(60), || async {
        let s = settled(l2).await?;
        if s >= block { Ok(()) } else { Err(format!("settled {s}")) }
    })
    .await;
    assert_eq!(forced_head(&u).await, U256::from(forced.index + 1), "consumed on L1");
    assert_eq!(l2.get_balance(Address::repeat_byte(0x42)).await.unwrap(), U256::from(12345));
    d.shutdown().await;
}

/// A due forced entry that no settled block carries (here the sequencer censors it with
/// `censor_forced`, standing in for an entry no settleable block can carry) stalls
/// settlement only until it expires, `forcedDelay` L1 blocks after its deadline: the next
/// `advance` drops it (`ForcedDropped(i, Expired)`, fee to the advancer) and settlement
/// continues. Before the expiry rule the rollup halted for good.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn unsettleable_forced_tx_halts_settlement_forever() {
    let delay = 4;
    let (d, _dir) = devnet_with_delay(true, true, true, delay).await;
    let u = client(&d, USER).await;
    let forced =
        u.force_withdraw(&d.accounts[USER], u.from, eth(100)).await.expect("force-withdraw");
    let expiry = forced.deadline + delay;
    wait_until("settlement reports ForcedTransactionDue", Duration::from_secs(90), || async {
        let s: serde_json::Value = u
            .l2()
            .raw_request("nr_settlementStatus".into(), ())
            .await
            .map_err(|e| e.to_string())?;
        let e = s["lastError"].as_str().unwrap_or_default().to_string();
        if e.contains("ForcedTransactionDue") { Ok(e) } else { Err(format!("{s}")) }
    })
    .await;
    let stalled = settled(u.l2()).await.unwrap();
    let resumed = wait_until(
        "settlement resumes once the entry expired (deadline + forcedDelay)",
        Duration::from_secs(60),
        || async {
            let now = settled(u.l2()).await?;
            let head = forced_head(&u).await;
            let l1 = l1_number(&u).await;
            if now > stalled && head > U256::from(forced.index) {
                Ok((now, l1))
            } else {
                Err(format!(
                    "settled {now} (stalled at {stalled}), forcedHead {head}, L1 {l1}, expiry {expiry}"
                ))
            }
        },
    )
    .await;
    println!(
        "stalled at L2 block {stalled}; entry {} (deadline {}) expired at L1 block {expiry}; \
         settled {} by L1 block {}",
        forced.index, forced.deadline, resumed.0, resumed.1
    );
    assert!(resumed.1 >= expiry, "not dropped before it expired");
    assert!(l2_receipt(&u, forced.tx_hash).await.is_none(), "never included");
    d.shutdown().await;
}
