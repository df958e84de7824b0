//! Forced inclusion (rule 5) in optimistic mode end to end (docs/l2.md, "Forced inclusion
//! in optimistic mode"): a user the operator censors withdraws through the rollup's
//! `OptimisticInbox`; a proposer that claims a forced entry it does not carry is
//! challenged, dropped and slashed. Every wait has a deadline.

mod common;

use alloy_primitives::{Address, B256, U256};
use alloy_provider::Provider;
use common::{
    optimistic::{self, client, event, first_challenge, l1_balance, rollup},
    wait_until,
};
use nr_rollup::{
    bridge::BridgeClient,
    optimistic::{
        OptimisticOptions, OptimisticRollup,
        adversary::{Adversary, DishonestProposer},
    },
};
use std::time::Duration;

/// Challenge and response windows, in seconds.
const WINDOW: u64 = 10;
/// The user's development account.
const USER: usize = 4;
/// Another funded development account.
const OTHER: usize = 3;

fn user_address() -> Address {
    nr_node::l1::dev_signers(nr_node::l1::DEV_MNEMONIC, USER as u32 + 1).unwrap()[USER].address()
}

async fn l2_receipt(b: &BridgeClient, tx: B256) -> Option<alloy_rpc_types_eth::TransactionReceipt> {
    b.l2().get_transaction_receipt(tx).await.ok().flatten()
}

/// The operator (sequencer and proposer) censors the user; the user's withdrawal forced
/// through the inbox is included once due, proposed with its `forcedCount`, finalized
/// after the window and claimed on L1.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn optimistic_forced_withdrawal_without_the_operator() {
    let (d, _dir) = optimistic::devnet_with(OptimisticOptions::default(), WINDOW, 0, |c| {
        c.censor = vec![user_address()];
        c.forced_delay = 12;
    })
    .await;
    let l1 = rollup(&d);
    let u = client(&d, USER).await;
    let amount = optimistic::milli(700);
    let forced = u.force_withdraw(&d.accounts[USER], u.from, amount).await.expect("force-withdraw");
    println!(
        "forced entry {}: L2 tx {}, due from L1 block {}",
        forced.index, forced.tx_hash, forced.deadline
    );
    let r = wait_until("the forced withdrawal is included", Duration::from_secs(90), || async {
        l2_receipt(&u, forced.tx_hash).await.ok_or_else(|| "not included".to_string())
    })
    .await;
    assert!(r.status(), "the forced withdrawal succeeds on L2");
    assert_eq!(r.transaction_index, Some(0), "first transaction of its block");
    let block = r.block_number.unwrap();
    let (proposed, _) = event::<OptimisticRollup::BatchProposed>(
        &l1,
        "its block is proposed",
        Duration::from_secs(60),
        |e| e.first <= block && block <= e.last,
    )
    .await;
    println!("included in L2 block {block}, proposed in batch {}", proposed.batch);
    let (fin, _) = event::<OptimisticRollup::BatchFinalized>(
        &l1,
        "its batch is finalized after the window",
        Duration::from_secs(90),
        |e| e.last >= block,
    )
    .await;
    println!("finalized up to {}", fin.last);
    let before = u.l1().get_balance(u.from).await.unwrap();
    let c = u.claim(forced.tx_hash, Duration::from_secs(60)).await.expect("claimed on L1");
    let after = u.l1().get_balance(u.from).await.unwrap();
    let gas_cost = U256::from(c.gas_used) * U256::from(c.effective_gas_price);
    assert_eq!(after, before + amount - gas_cost, "the user received the withdrawal on L1");
    d.shutdown().await;
}

/// The rollup's inbox `forcedHead` (the pending head).
async fn forced_head(d: &nr_node::devnet::Devnet) -> u64 {
    let inbox = nr_rollup::optimistic::forced::inbox_client(&rollup(d)).await.expect("inbox");
    let head: U256 =
        inbox.view(nr_contracts::NativeRollup::forcedHeadCall {}).await.expect("forcedHead");
    head.saturating_to()
}

/// A proposer that claims a forced entry its block does not carry (its hashes and roots
/// true: only the forced-prefix rule exposes it) is challenged by an honest watchtower,
/// cannot be defended, is dropped and slashed; the inbox rolls back and the entry is
/// included and finalized by the honest chain.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn dishonest_proposer_claims_a_forced_entry_it_does_not_carry() {
    let lie = Adversary { proposer: Some(DishonestProposer::FalseForced), ..Default::default() };
    let options = OptimisticOptions { watchtower: false, adversary: lie, ..Default::default() };
    // The operator censors the user until the entry is nearly due (60 L1 blocks): the
    // blocks proposed meanwhile do not carry it, and the liar claims one does.
    let (d, dir) = optimistic::devnet_with(options, WINDOW, 0, |c| {
        c.censor = vec![user_address()];
        c.forced_delay = 60;
    })
    .await;
    let watch = OptimisticOptions { watchtower: true, ..Default::default() };
    let honest = optimistic::watcher(&d, &dir, Some(5), watch).await;
    let l1 = rollup(&d);
    let burned_before = l1_balance(&d, Address::ZERO).await;
    let u = client(&d, USER).await;
    let forced = u
        .force_withdraw(&d.accounts[USER], u.from, optimistic::milli(300))
        .await
        .expect("force-withdraw");
    println!("forced entry {} due from L1 block {}", forced.index, forced.deadline);
    let challenged = first_challenge(
        &l1,
        "the honest watchtower challenges the block claiming the entry",
        d.accounts[5].address(),
    )
    .await;
    let (dropped, receipt) = event::<OptimisticRollup::BlockDropped>(
        &l1,
        "nobody defends it and resolve drops it",
        Duration::from_secs(60),
        |e| e.number == challenged.number,
    )
    .await;
    println!(
        "block {} dropped (through {}), resolve gas {}; forcedHead now {}",
        dropped.number,
        dropped.lastDropped,
        receipt.gas_used,
        forced_head(&d).await
    );
    let burned = l1_balance(&d, Address::ZERO).await - burned_before;
    assert!(
        burned >= optimistic::milli(50) && burned < optimistic::milli(51),
        "half the 0.1 ether proposer bond is burned: address(0) gained {burned}"
    );
    // Generous: the proposer first re-proposes, is refused (`ForcedTransactionDue`), rewinds
    // and rebuilds; under CI load this took over 120 s (it takes ~40 s alone).
    let r = wait_until("the entry is included", Duration::from_secs(300), || async {
        l2_receipt(&u, forced.tx_hash).await.ok_or_else(|| "not included".to_string())
    })
    .await;
    assert_eq!(r.transaction_index, Some(0), "first transaction of its block");
    let block = r.block_number.unwrap();
    let (fin, _) = event::<OptimisticRollup::BatchFinalized>(
        &l1,
        "the block carrying the entry is finalized",
        Duration::from_secs(90),
        |e| e.last >= block,
    )
    .await;
    assert_eq!(fin.blockHash, d.l2.chain.hash_by_number(fin.last).unwrap().unwrap());
    assert!(forced_head(&d).await > forced.index, "the entry is consumed on L1");
    println!("entry included in L2 block {block}, finalized up to {}", fin.last);
    honest.shutdown().await;
    d.shutdown().await;
}

/// A proposer that proposes a block whose state has not delivered an L1->L2 message due
/// at its anchor (the operator's relayer withholds the user's deposit,
/// `--censor-forced`) is challenged by an honest watchtower (`MessagesDue`: nobody can
/// defend it), dropped and slashed. Once a third party delivers the deposit on L2, the
/// proposer rebuilds its unproposed blocks with the delivery and the chain is finalized
/// with the deposit credited.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn dishonest_proposer_skips_a_due_deposit() {
    let lie = Adversary { proposer: Some(DishonestProposer::IgnoreDue), ..Default::default() };
    let options = OptimisticOptions { watchtower: false, adversary: lie, ..Default::default() };
    let (d, dir) = optimistic::devnet_with(options, WINDOW, 0, |c| {
        c.censor = vec![user_address()];
        c.censor_forced = true;
        c.forced_delay = 8;
    })
    .await;
    let watch = OptimisticOptions { watchtower: true, ..Default::default() };
    let honest = optimistic::watcher(&d, &dir, Some(5), watch).await;
    let l1 = rollup(&d);
    let burned_before = l1_balance(&d, Address::ZERO).await;
    let u = client(&d, USER).await;
    let before = u.l2().get_balance(u.from).await.unwrap();
    let amount = optimistic::milli(400);
    let deposit =
        u.deposit_eth(u.from, amount, optimistic::milli(1)).await.expect("deposit sent on L1");
    println!("deposit in L1 block {:?}", deposit.block_number);
    let challenged = first_challenge(
        &l1,
        "the honest watchtower challenges the block owing the deposit",
        d.accounts[5].address(),
    )
    .await;
    let (dropped, _) = event::<OptimisticRollup::BlockDropped>(
        &l1,
        "nobody defends it and resolve drops it",
        Duration::from_secs(60),
        |e| e.number == challenged.number,
    )
    .await;
    let burned = l1_balance(&d, Address::ZERO).await - burned_before;
    assert!(
        burned >= optimistic::milli(50) && burned < optimistic::milli(51),
        "half the 0.1 ether proposer bond is burned: address(0) gained {burned}"
    );
    println!("block {} dropped (through {})", dropped.number, dropped.lastDropped);
    // The proposer rebuilds from the pending tip, keeping an anchor its state has paid
    // for, and proposes again.
    let lying_batch = l1
        .events::<OptimisticRollup::BatchProposed>(0, u64::MAX >> 1)
        .await
        .expect("BatchProposed events")
        .into_iter()
        .filter(|(_, e)| e.first <= dropped.number && dropped.number <= e.last)
        .map(|(_, e)| e.batch)
        .max()
        .expect("the lie's batch");
    let (again, _) = event::<OptimisticRollup::BatchProposed>(
        &l1,
        "the dropped block's number is proposed again",
        Duration::from_secs(60),
        |e| e.first == dropped.number && e.batch > lying_batch,
    )
    .await;
    println!("block {} proposed again in batch {}", again.first, again.batch);
    // The operator still withholds it: a third party delivers it on L2.
    let third = client(&d, 7).await;
    let r = third
        .claim_deposit(deposit.transaction_hash, Duration::from_secs(60))
        .await
        .expect("a third party delivers the deposit");
    println!("delivered by a third party in L2 block {:?}", r.block_number);
    let finalized = wait_until(
        "the deposit is credited in a finalized block",
        Duration::from_secs(120),
        || async {
            let b = u
                .l2()
                .get_balance(u.from)
                .block_id(alloy_rpc_types_eth::BlockId::finalized())
                .await
                .map_err(|e| e.to_string())?;
            if b >= before + amount { Ok(b) } else { Err(format!("finalized balance {b}")) }
        },
    )
    .await;
    println!("finalized L2 balance {finalized} (was {before})");
    honest.shutdown().await;
    d.shutdown().await;
}

/// A valid block anchored after a deposit became due (its claim's `due` > 0), challenged by
/// a griefer, is defended with the messenger's `deliveredPrefix` proof from the L2 node:
/// the griefer loses its bond and the block is finalized.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn griefed_block_owing_a_deposit_is_defended_with_the_delivery_proof() {
    let delay = 4;
    let (d, dir) = optimistic::devnet_with(OptimisticOptions::default(), WINDOW, 0, |c| {
        c.forced_delay = delay;
    })
    .await;
    let l1 = rollup(&d);
    let u = client(&d, USER).await;
    let deposit =
        u.deposit_eth(u.from, optimistic::milli(10), optimistic::milli(1)).await.expect("deposit");
    let sent = deposit.block_number.unwrap();
    // Past the deposit's due block and the windows of every block before it.
    wait_until("the L1 passes the deposit's due block", Duration::from_secs(60), || async {
        let n = u.l1().get_block_number().await.map_err(|e| e.to_string())?;
        if n > sent + delay + WINDOW + 2 { Ok(()) } else { Err(format!("L1 block {n}")) }
    })
    .await;
    let griefer = Adversary { grief_challenger: true, ..Default::default() };
    let watch = OptimisticOptions { watchtower: true, adversary: griefer, ..Default::default() };
    let griefer_node = optimistic::watcher(&d, &dir, Some(6), watch).await;
    let griefer_before = l1_balance(&d, d.accounts[6].address()).await;
    client(&d, 3)
        .await
        .withdraw_eth(Address::repeat_byte(0x59), optimistic::milli(1))
        .await
        .expect("L2 tx");
    let (challenged, _) = event::<OptimisticRollup::BlockChallenged>(
        &l1,
        "the griefer challenges a valid block",
        Duration::from_secs(60),
        |_| true,
    )
    .await;
    let header = d.l2.chain.header_by_number(challenged.number).unwrap().unwrap();
    let anchor = l1.number_of(header.parent_beacon_block_root.unwrap()).await.unwrap();
    let due: U256 =
        l1.view(OptimisticRollup::dueAtCall { l1Block: U256::from(anchor) }).await.expect("dueAt");
    println!("block {} (anchor {anchor}) owes {due} messages", challenged.number);
    assert!(due >= U256::from(1), "the challenged block's claim owes the deposit");
    let (defended, receipt) = event::<OptimisticRollup::BlockDefended>(
        &l1,
        "the devnet node defends it with the delivery proof",
        Duration::from_secs(60),
        |e| e.number == challenged.number,
    )
    .await;
    assert_eq!(defended.defender, d.settler.address());
    println!("defended: gas {}", receipt.gas_used);
    let lost = griefer_before - l1_balance(&d, d.accounts[6].address()).await;
    assert!(lost >= optimistic::milli(50), "the griefer's bond went to the defender: {lost}");
    let (fin, _) = event::<OptimisticRollup::BatchFinalized>(
        &l1,
        "the defended block is finalized",
        Duration::from_secs(60),
        |e| e.last >= challenged.number,
    )
    .await;
    assert_eq!(fin.blockHash, d.l2.chain.hash_by_number(fin.last).unwrap().unwrap());
    griefer_node.shutdown().await;
    d.shutdown().await;
}

/// A signed transfer of 12345 wei from development account `account` with `nonce`.
async fn transfer(
    d: &nr_node::devnet::Devnet,
    u: &BridgeClient,
    account: usize,
    nonce: u64,
) -> alloy_consensus::TxEnvelope {
    transfer_priced(d, u, account, nonce, (10_000_000_000, 1_000_000_000)).await
}

/// An L2 transfer of 12,345 wei from `account` with `nonce` and (fee cap, priority fee).
async fn transfer_priced(
    d: &nr_node::devnet::Devnet,
    u: &BridgeClient,
    account: usize,
    nonce: u64,
    (max_fee, tip): (u128, u128),
) -> alloy_consensus::TxEnvelope {
    let chain_id = u.l2().get_chain_id().await.unwrap();
    nr_chain::Eip1559Builder::new(chain_id, nonce, Address::repeat_byte(0x42))
        .value(U256::from(12345))
        .gas_limit(21_000)
        .fees(max_fee, tip)
        .sign(&d.accounts[account])
        .unwrap()
}

/// An inbox entry the pending tip cannot carry (its nonce is ahead of its sender's) is
/// dropped by the proposer before it proposes (`pruneForced` with an account proof of the
/// pending tip's state, reason `Nonce`); the valid entry behind it is included, proposed
/// with `forcedCount` 1 and finalized.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn invalid_forced_entry_is_pruned_by_the_proposer() {
    use alloy_eips::eip2718::Encodable2718;
    let (d, _dir) = optimistic::devnet_with(OptimisticOptions::default(), WINDOW, 0, |c| {
        c.forced_delay = 12;
    })
    .await;
    let l1 = rollup(&d);
    let u = client(&d, USER).await;
    let nonce = u.l2().get_transaction_count(u.from).await.unwrap();
    let gapped = transfer(&d, &u, USER, nonce + 5).await;
    let bad = u.force_send(gapped.encoded_2718().into()).await.expect("force-send");
    let good = u
        .force_send(transfer(&d, &u, USER, nonce).await.encoded_2718().into())
        .await
        .expect("force-send");
    assert_eq!(good.index, bad.index + 1);
    let r = wait_until("the valid entry is included", Duration::from_secs(60), || async {
        l2_receipt(&u, good.tx_hash).await.ok_or_else(|| "not included".to_string())
    })
    .await;
    assert_eq!(r.transaction_index, Some(0), "first transaction of its block");
    let block = r.block_number.unwrap();
    let (fin, _) = event::<OptimisticRollup::BatchFinalized>(
        &l1,
        "its block is finalized",
        Duration::from_secs(60),
        |e| e.last >= block,
    )
    .await;
    assert_eq!(fin.blockHash, d.l2.chain.hash_by_number(fin.last).unwrap().unwrap());
    assert!(l2_receipt(&u, bad.tx_hash).await.is_none(), "the invalid entry is never included");
    assert_eq!(forced_head(&d).await, good.index + 1, "both consumed");
    let inbox = nr_rollup::optimistic::forced::inbox_client(&l1).await.expect("inbox");
    let latest = u.l1().get_block_number().await.unwrap();
    let dropped =
        inbox.events::<nr_contracts::NativeRollup::ForcedDropped>(0, latest).await.unwrap();
    assert_eq!(dropped.len(), 1, "one entry dropped: {dropped:?}");
    let (_, e) = &dropped[0];
    assert_eq!(e.index, U256::from(bad.index));
    assert_eq!(e.reason, 1, "reason Nonce (ForcedDropReason 1)");
    println!("entry {} pruned (Nonce); entry {} in L2 block {block}", bad.index, good.index);
    d.shutdown().await;
}

/// An inbox entry whose fee cap is below the next L2 base fee is never carried by the
/// sequencer; once it is due, the pending tip cannot carry it, and every proposal would
/// revert `ForcedTransactionDue` until it expired. The proposer drops it as soon as it is
/// due with `pruneForced` and the pending tip's header (reason `Underpriced`), and the valid
/// entry behind it is included.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn underpriced_forced_entry_is_pruned_by_the_proposer_once_due() {
    use alloy_eips::eip2718::Encodable2718;
    // Without the Underpriced prune the due entry would hold the inbox (and the proposals)
    // for another 20 L1 blocks and then go as Expired.
    let (d, _dir) = optimistic::devnet_with(OptimisticOptions::default(), WINDOW, 0, |c| {
        c.forced_delay = 20;
    })
    .await;
    let l1 = rollup(&d);
    let u = client(&d, USER).await;
    let nonce = u.l2().get_transaction_count(u.from).await.unwrap();
    let head = d.l2.chain.head();
    let base_fee = head.base_fee_per_gas.unwrap_or(0);
    assert!(base_fee > 2, "the L2 base fee ({base_fee} wei) must be above the cheap fee cap");
    let cheap = transfer_priced(&d, &u, USER, nonce, (1, 1)).await;
    let bad = u.force_send(cheap.encoded_2718().into()).await.expect("force-send");
    // The entry behind it is another account's, so that dropping the first for its nonce
    // is never an option.
    let other = d.accounts[OTHER].address();
    let other_nonce = u.l2().get_transaction_count(other).await.unwrap();
    let good = u
        .force_send(transfer(&d, &u, OTHER, other_nonce).await.encoded_2718().into())
        .await
        .expect("force-send");
    assert_eq!(good.index, bad.index + 1);
    let inbox = nr_rollup::optimistic::forced::inbox_client(&l1).await.expect("inbox");
    let (dropped, _) = event::<nr_contracts::NativeRollup::ForcedDropped>(
        &inbox,
        "the underpriced entry is dropped",
        Duration::from_secs(90),
        |e| e.index == U256::from(bad.index),
    )
    .await;
    assert_eq!(dropped.reason, 0, "reason Underpriced (ForcedDropReason 0), not Expired");
    let r = wait_until("the valid entry is included", Duration::from_secs(60), || async {
        l2_receipt(&u, good.tx_hash).await.ok_or_else(|| "not included".to_string())
    })
    .await;
    assert!(l2_receipt(&u, bad.tx_hash).await.is_none(), "the underpriced entry is never included");
    println!(
        "entry {} (fee cap 1 wei, base fee {base_fee} wei) pruned as Underpriced; entry {} in L2 block {}",
        bad.index,
        good.index,
        r.block_number.unwrap()
    );
    d.shutdown().await;
}
