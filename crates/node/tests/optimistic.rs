//! The optimistic native mode end to end, on an in-process Devnet: proposals finalized
//! after the challenge window (and withdrawals claimable only then), a dishonest proposer
//! challenged by an honest watchtower and slashed, a griefing challenger defeated by an
//! EXECUTE defence. Every wait has a deadline.

mod common;

use alloy_primitives::Address;
use alloy_provider::Provider;
use alloy_sol_types::SolCall;
use common::{
    optimistic::{self, client, event, first_challenge, l1_balance, milli, rollup},
    wait_until,
};
use nr_node::devnet::Devnet;
use nr_rollup::{
    L2Node,
    l1::L1Client,
    optimistic::{
        OptimisticOptions, OptimisticRollup,
        adversary::{Adversary, DishonestProposer},
    },
};
use std::time::Duration;

/// Challenge and response windows of these tests, in seconds (the devnet default: a
/// watchtower on a loaded 2-core machine missed a 5 s window).
const WINDOW: u64 = 10;

async fn devnet(node: OptimisticOptions) -> (Devnet, tempfile::TempDir) {
    optimistic::devnet(node, WINDOW, 0).await
}

/// A second node of the Devnet's rollup: a follower deriving from proposals, whose
/// watchtower disputes with development account `account`.
async fn watcher(
    d: &Devnet,
    dir: &tempfile::TempDir,
    account: usize,
    adversary: Adversary,
) -> L2Node {
    let options = OptimisticOptions { watchtower: true, adversary, ..Default::default() };
    optimistic::watcher(d, dir, Some(account), options).await
}

async fn finalized(l1: &L1Client) -> u64 {
    l1.view(OptimisticRollup::headNumberCall {}).await.expect("headNumber")
}

/// A withdrawal in a block inside its batch (not the batch's last block, which alone is
/// settled): it is claimed after the window against the settled head.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn optimistic_happy_path_withdrawal_claimed_after_window() {
    let (d, _dir) = devnet(OptimisticOptions { min_batch: 4, ..Default::default() }).await;
    let l1 = rollup(&d);
    let user = client(&d, 3).await;
    let to = Address::repeat_byte(0x55);
    let before = user.l1().get_balance(to).await.unwrap();
    // Withdraw until one lands in a block that is not its batch's last (most do with
    // batches of at least 4 blocks); at most 6 tries.
    let mut tries = 0;
    let (r, block) = loop {
        tries += 1;
        assert!(tries <= 6, "6 withdrawals each ended their batch");
        let r = user.withdraw_eth(to, milli(250)).await.expect("withdrawal sent on L2");
        let block = r.block_number.unwrap();
        let (proposed, receipt) = event::<OptimisticRollup::BatchProposed>(
            &l1,
            "the withdrawal's block is proposed",
            Duration::from_secs(60),
            |e| e.first <= block && block <= e.last,
        )
        .await;
        println!(
            "block {block} proposed in batch {} of blocks {}..={} (propose gas {})",
            proposed.batch, proposed.first, proposed.last, receipt.gas_used
        );
        if block < proposed.last {
            break (r, block);
        }
    };
    // Proposed is not final: the withdrawal cannot be claimed before the window passes.
    let early = user.claim(r.transaction_hash, Duration::from_millis(100)).await;
    assert!(
        matches!(early, Err(nr_rollup::RollupError::NotSettled { .. })),
        "a proposed block must not serve withdrawals: {early:?}"
    );
    let (fin, receipt) = event::<OptimisticRollup::BatchFinalized>(
        &l1,
        "the withdrawal's batch is finalized after the window",
        Duration::from_secs(60),
        |e| e.last >= block,
    )
    .await;
    println!("finalized up to {} (finalize gas {})", fin.last, receipt.gas_used);
    let local = d.l2.chain.header_by_number(fin.last).unwrap().unwrap();
    assert_eq!(fin.blockHash, local.hash_slow(), "the finalized hash is the sequencer's block");
    let at = l1.view(OptimisticRollup::blockHashAtCall { number: fin.last }).await.unwrap();
    assert_eq!(at, local.hash_slow());
    // The withdrawal's own block was never settled alone: the claim is proven against
    // the settled head, whose state holds the message.
    assert!(
        l1.view(OptimisticRollup::stateRootAtCall { number: block }).await.is_err(),
        "block {block} inside its batch is not settled by itself"
    );
    let c = user.claim(r.transaction_hash, Duration::from_secs(30)).await.expect("claimed on L1");
    println!("claimed in L1 block {:?} (gas {})", c.block_number, c.gas_used);
    let after = user.l1().get_balance(to).await.unwrap();
    assert_eq!(after - before, milli(250), "the one claimed withdrawal");
    d.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn dishonest_proposer_wrong_root_is_challenged_and_slashed() {
    // Batches of at least 4 blocks: the lie is most often inside its batch, and `resolve`
    // then proves the claim of the block before it (the batch's new tip).
    dishonest_proposer_is_challenged_and_slashed(DishonestProposer::WrongRoot, 4).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn dishonest_proposer_bad_data_is_challenged_and_slashed() {
    dishonest_proposer_is_challenged_and_slashed(DishonestProposer::BadData, 1).await;
}

/// A proposer lying about the first block with a transaction (`kind`): an honest follower's
/// watchtower challenges it, nobody can defend it, `resolve` drops it and burns half the
/// bond, the block is proposed again truthfully and finalized with its true state root.
/// The proposer waits for `min_batch` blocks per batch.
async fn dishonest_proposer_is_challenged_and_slashed(kind: DishonestProposer, min_batch: u64) {
    let lie = Adversary { proposer: Some(kind), ..Default::default() };
    let options =
        OptimisticOptions { watchtower: false, adversary: lie, min_batch, ..Default::default() };
    let (d, dir) = devnet(options).await;
    let honest = watcher(&d, &dir, 5, Adversary::default()).await;
    let l1 = rollup(&d);
    let burned_before = l1_balance(&d, Address::ZERO).await;
    let user = client(&d, 3).await;
    let r = user.withdraw_eth(Address::repeat_byte(0x56), milli(100)).await.expect("withdrawal");
    let block = r.block_number.unwrap();
    let challenged = first_challenge(
        &l1,
        "the honest watchtower challenges the false block",
        d.accounts[5].address(),
    )
    .await;
    assert!(challenged.number <= block, "the first block with a transaction is the lie");
    let (dropped, receipt) = event::<OptimisticRollup::BlockDropped>(
        &l1,
        "nobody defends it and resolve drops it",
        Duration::from_secs(60),
        |e| e.number == challenged.number,
    )
    .await;
    let batches = l1.events::<OptimisticRollup::BatchProposed>(0, u64::MAX >> 1).await.unwrap();
    let lying = batches
        .iter()
        .map(|(_, e)| e)
        .find(|e| e.first <= dropped.number && dropped.number <= e.last)
        .expect("the lie's batch");
    println!(
        "block {} of batch {} ({}..={}) dropped (through {}), resolve gas {}",
        dropped.number, lying.batch, lying.first, lying.last, dropped.lastDropped, receipt.gas_used
    );
    let burned = l1_balance(&d, Address::ZERO).await - burned_before;
    // address(0) is also the dev L1's fee recipient: it gained priority fees too.
    println!("address(0) gained {burned} wei");
    assert!(
        burned >= milli(50) && burned < milli(51),
        "half the 0.1 ether proposer bond is burned: address(0) gained {burned}"
    );
    // The honest chain continues: the block is proposed again, truthfully, and finalized.
    let (fin, _) = event::<OptimisticRollup::BatchFinalized>(
        &l1,
        "the re-proposed block is finalized",
        Duration::from_secs(90),
        |e| e.last >= block,
    )
    .await;
    let tip_root = d.l2.chain.header_by_number(fin.last).unwrap().unwrap().state_root;
    assert_eq!(fin.stateRoot, tip_root, "only true state roots are ever finalized");
    let finals = l1.events::<OptimisticRollup::BatchFinalized>(0, u64::MAX >> 1).await;
    for (_, e) in finals.expect("BatchFinalized events") {
        let root = d.l2.chain.header_by_number(e.last).unwrap().unwrap().state_root;
        assert_eq!(e.stateRoot, root, "batch ending at {} finalized a false root", e.last);
    }
    wait_until("the honest follower derived the block", Duration::from_secs(30), || async {
        let h = honest.chain.hash_by_number(block).map_err(|e| e.to_string())?;
        let want = d.l2.chain.hash_by_number(block).map_err(|e| e.to_string())?;
        if h.is_some() && h == want { Ok(()) } else { Err(format!("{h:?} vs {want:?}")) }
    })
    .await;
    assert!(finalized(&l1).await >= block);
    honest.shutdown().await;
    d.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn griefing_challenger_loses_bond_to_defender() {
    let (d, dir) = devnet(OptimisticOptions::default()).await;
    let griefer = Adversary { grief_challenger: true, ..Default::default() };
    let griefer_before = l1_balance(&d, d.accounts[6].address()).await;
    let griefer_node = watcher(&d, &dir, 6, griefer).await;
    let l1 = rollup(&d);
    let user = client(&d, 3).await;
    user.withdraw_eth(Address::repeat_byte(0x57), milli(1)).await.expect("L2 transaction");
    let challenged =
        first_challenge(&l1, "the griefer challenges a valid block", d.accounts[6].address()).await;
    let (defended, receipt) = event::<OptimisticRollup::BlockDefended>(
        &l1,
        "the proposer's watchtower defends it with EXECUTE",
        Duration::from_secs(60),
        |e| e.number == challenged.number,
    )
    .await;
    assert_eq!(defended.defender, d.settler.address(), "the devnet node's watchtower");
    let txs =
        d.l2.chain
            .block(&d.l2.chain.hash_by_number(challenged.number).unwrap().unwrap())
            .unwrap()
            .unwrap()
            .body
            .transactions
            .len();
    println!(
        "block {} ({txs} transactions) defended: defend gas {}",
        challenged.number, receipt.gas_used
    );
    let lost = griefer_before - l1_balance(&d, d.accounts[6].address()).await;
    println!("the griefer lost {lost} wei (bond and gas)");
    assert!(lost >= milli(50), "the griefer's 0.05 ether bond went to the defender: lost {lost}");
    let (fin, _) = event::<OptimisticRollup::BatchFinalized>(
        &l1,
        "the defended block is finalized",
        Duration::from_secs(60),
        |e| e.last >= challenged.number,
    )
    .await;
    let local = d.l2.chain.hash_by_number(fin.last).unwrap().unwrap();
    assert_eq!(fin.blockHash, local);
    griefer_node.shutdown().await;
    d.shutdown().await;
}

/// Windows of the late-watchtower test, in seconds: the watchtower starts after the
/// challenge and must scan, derive the chain from genesis and defend within the
/// response window.
const LATE_WINDOW: u64 = 30;

/// A watchtower that starts late, after several batches and after a challenge of a
/// block in the middle of a batch, rebuilds every batch's claims from L1 alone (events,
/// calldata, anchor hashes; the parent hashes chained across batches) and defends that
/// block end to end with the claim's Merkle proof; the challenger loses its bond and the
/// batch is finalized.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn late_watchtower_defends_a_block_in_the_middle_of_a_batch() {
    let node = OptimisticOptions { watchtower: false, min_batch: 4, ..Default::default() };
    let (d, dir) = optimistic::devnet(node, LATE_WINDOW, 0).await;
    let l1 = rollup(&d);
    let user = client(&d, 3).await;
    user.withdraw_eth(Address::repeat_byte(0x5c), milli(1)).await.expect("L2 transaction");
    let (batch, _) = event::<OptimisticRollup::BatchProposed>(
        &l1,
        "a third batch of at least 3 blocks",
        Duration::from_secs(90),
        |e| e.batch >= 3 && e.last >= e.first + 2,
    )
    .await;
    let n = batch.first + 1;
    println!(
        "batch {} holds blocks {}..={}: challenging {n}",
        batch.batch, batch.first, batch.last
    );
    let griefer = L1Client::new(d.l1_url(), d.deployment.rollup, Some(d.accounts[6].clone()))
        .expect("L1 client");
    let before = l1_balance(&d, d.accounts[6].address()).await;
    let bond = l1.view(OptimisticRollup::challengerBondCall {}).await.unwrap();
    let call = OptimisticRollup::challengeCall { n, batch: batch.batch };
    griefer
        .send(d.deployment.rollup, call.abi_encode().into(), bond)
        .await
        .expect("the middle block is challenged within its window");
    // Only now does a watchtower start: everything it knows comes from L1.
    let late = watcher(&d, &dir, 5, Adversary::default()).await;
    let (defended, receipt) = event::<OptimisticRollup::BlockDefended>(
        &l1,
        "the late watchtower defends the middle block",
        Duration::from_secs(LATE_WINDOW + 30),
        |e| e.number == n,
    )
    .await;
    assert_eq!(defended.defender, d.accounts[5].address(), "the late watchtower");
    println!(
        "block {n} (middle of batch {}) defended: defend gas {}",
        batch.batch, receipt.gas_used
    );
    let lost = before - l1_balance(&d, d.accounts[6].address()).await;
    assert!(lost >= milli(50), "the challenger's 0.05 ether bond went to the defender: {lost}");
    let (fin, _) = event::<OptimisticRollup::BatchFinalized>(
        &l1,
        "the challenged batch is finalized",
        Duration::from_secs(90),
        |e| e.last >= batch.last,
    )
    .await;
    assert_eq!(fin.blockHash, d.l2.chain.hash_by_number(fin.last).unwrap().unwrap());
    late.shutdown().await;
    d.shutdown().await;
}

/// A defender whose witness misses a trie node (`--defender-incomplete-witness`, here the
/// devnet node's watchtower) cannot defend: EXECUTE fails and its `defend` reverts. Another
/// watchtower with a complete witness defends the challenged block in time, takes the
/// griefer's bond, and the block is finalized.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn defender_with_incomplete_witness_fails_and_another_defends() {
    let broken = Adversary { defender_incomplete_witness: true, ..Default::default() };
    let (d, dir) = devnet(OptimisticOptions { adversary: broken, ..Default::default() }).await;
    let griefer = Adversary { grief_challenger: true, ..Default::default() };
    let griefer_node = watcher(&d, &dir, 6, griefer).await;
    let honest = watcher(&d, &dir, 5, Adversary::default()).await;
    let l1 = rollup(&d);
    let user = client(&d, 3).await;
    user.withdraw_eth(Address::repeat_byte(0x58), milli(1)).await.expect("L2 transaction");
    let challenged =
        first_challenge(&l1, "the griefer challenges a valid block", d.accounts[6].address()).await;
    let (defended, receipt) = event::<OptimisticRollup::BlockDefended>(
        &l1,
        "the watchtower with a complete witness defends it",
        Duration::from_secs(60),
        |e| e.number == challenged.number,
    )
    .await;
    assert_eq!(
        defended.defender,
        d.accounts[5].address(),
        "the incomplete witness cannot defend (devnet node {})",
        d.settler.address()
    );
    println!(
        "block {} defended by the second watchtower: gas {}",
        defended.number, receipt.gas_used
    );
    let (fin, _) = event::<OptimisticRollup::BatchFinalized>(
        &l1,
        "the defended block is finalized",
        Duration::from_secs(60),
        |e| e.last >= challenged.number,
    )
    .await;
    assert_eq!(fin.blockHash, d.l2.chain.hash_by_number(fin.last).unwrap().unwrap());
    honest.shutdown().await;
    griefer_node.shutdown().await;
    d.shutdown().await;
}
