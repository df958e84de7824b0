//! The optimistic mode with block data in EIP-4844 blobs (`--da blobs`), end to end on an
//! in-process Devnet: blocks proposed in blob transactions and finalized, a follower
//! deriving the same chain from the blobs (read through the L1's beacon API), a
//! challenged valid block defended through `proveBlobData` + `defend`, and a proposer
//! whose blob does not hold its claimed block challenged, dropped and slashed. Every wait
//! has a deadline.

mod common;

use alloy_primitives::Address;
use common::{
    optimistic::{self, client, event, first_challenge, l1_balance, milli, rollup},
    wait_until,
};
use nr_node::devnet::Devnet;
use nr_rollup::{
    L2Node, RollupError,
    l1::blobs::BlobError,
    optimistic::{
        DataAvailability, OptimisticError, OptimisticOptions, OptimisticRollup,
        adversary::Adversary, proposals::proposals,
    },
};
use std::time::Duration;

/// Challenge and response windows of these tests, in seconds: a blob defence is two L1
/// transactions, `proveBlobData` (~3.3 Mgas of a debug-built EVM, 128 KiB of calldata)
/// then `defend` (EXECUTE); on a loaded 2-core machine that took 16 s, past a 12 s window.
const WINDOW: u64 = 30;

fn blobs(adversary: Adversary, watchtower: bool) -> OptimisticOptions {
    OptimisticOptions { watchtower, adversary, da: DataAvailability::Blobs, ..Default::default() }
}

async fn devnet(node: OptimisticOptions) -> (Devnet, tempfile::TempDir) {
    optimistic::devnet(node, WINDOW, 0).await
}

/// A second node of the Devnet's rollup deriving from blob proposals; with `account`, its
/// watchtower disputes with that development account.
async fn watcher(
    d: &Devnet,
    dir: &tempfile::TempDir,
    account: Option<usize>,
    adversary: Adversary,
) -> L2Node {
    let options = OptimisticOptions { watchtower: true, adversary, ..Default::default() };
    optimistic::watcher(d, dir, account, options).await
}

/// Waits until `node` has the sequencer's block `n`.
async fn derived(d: &Devnet, node: &L2Node, n: u64, what: &str) {
    wait_until(what, Duration::from_secs(60), || async {
        let h = node.chain.hash_by_number(n).map_err(|e| e.to_string())?;
        let want = d.l2.chain.hash_by_number(n).map_err(|e| e.to_string())?;
        if h.is_some() && h == want { Ok(()) } else { Err(format!("{h:?} vs {want:?}")) }
    })
    .await;
}

/// `--da blobs`: the L2 transfers land, their blocks are proposed in a type-3
/// transaction (blobs, no block data in calldata) and finalized after the window; a
/// follower without a key derives the same chain from the blobs alone.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn blob_proposals_finalize_and_a_follower_derives_from_blobs() {
    let (d, dir) = devnet(blobs(Adversary::default(), true)).await;
    let follower = watcher(&d, &dir, None, Adversary::default()).await;
    let l1 = rollup(&d);
    let user = client(&d, 3).await;
    let r = user.withdraw_eth(Address::repeat_byte(0x58), milli(3)).await.expect("L2 transaction");
    let block = r.block_number.unwrap();
    let (proposed, receipt) = event::<OptimisticRollup::BatchProposed>(
        &l1,
        "the transaction's block is proposed",
        Duration::from_secs(60),
        |e| e.first <= block && block <= e.last,
    )
    .await;
    let hashes = l1.tx_blob_hashes(receipt.transaction_hash).await.expect("proposal tx");
    let (_, input) = l1.tx_call(receipt.transaction_hash).await.expect("proposal tx");
    println!(
        "block {block} proposed in batch {} (blocks {}..={}): {} blob(s), {} calldata bytes, gas {}, blob gas {:?}",
        proposed.batch,
        proposed.first,
        proposed.last,
        hashes.len(),
        input.len(),
        receipt.gas_used,
        receipt.blob_gas_used
    );
    assert!(!hashes.is_empty(), "the proposal is a blob transaction");
    let l1_block = receipt.block_number.unwrap();
    let header = l1.block(l1_block.into()).await.expect("L1 block").header;
    assert!(
        header.blob_gas_used.unwrap_or_default() >= 131_072 * hashes.len() as u64,
        "the L1 block carries the blobs: {:?}",
        header.blob_gas_used
    );
    // The posted data is read back from the blobs, not the calldata.
    let read = proposals(&l1, l1_block, l1_block).await.expect("proposals read from blobs");
    let p = read.iter().find(|p| p.number == block).expect("the block is read back");
    assert!(p.blob.is_some() && p.undecodable.is_none(), "{p:?}");
    let local = d.l2.chain.block(&d.l2.chain.hash_by_number(block).unwrap().unwrap()).unwrap();
    assert_eq!(p.posted.transactions.len(), local.unwrap().body.transactions.len());
    let (fin, _) = event::<OptimisticRollup::BatchFinalized>(
        &l1,
        "the blob-proposed block is finalized after the window",
        Duration::from_secs(150),
        |e| e.last >= block,
    )
    .await;
    println!("finalized up to {}", fin.last);
    derived(&d, &follower, block, "the follower derived the block from blobs").await;
    follower.shutdown().await;
    d.shutdown().await;
}

/// A griefer challenges a valid block of a blob batch; the proposer's watchtower proves
/// the blob data (`proveBlobData`) and defends with EXECUTE; the griefer loses its bond.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn challenged_valid_blob_block_is_defended_through_blobs() {
    let (d, dir) = devnet(blobs(Adversary::default(), true)).await;
    let griefer = Adversary { grief_challenger: true, ..Default::default() };
    let griefer_node = watcher(&d, &dir, Some(6), griefer).await;
    let l1 = rollup(&d);
    let user = client(&d, 3).await;
    user.withdraw_eth(Address::repeat_byte(0x59), milli(1)).await.expect("L2 transaction");
    let challenged =
        first_challenge(&l1, "the griefer challenges a valid blob block", d.accounts[6].address())
            .await;
    let (defended, receipt) = event::<OptimisticRollup::BlockDefended>(
        &l1,
        "the proposer's watchtower proves the blob data and defends",
        Duration::from_secs(150),
        |e| e.number == challenged.number,
    )
    .await;
    assert_eq!(defended.defender, d.settler.address());
    println!("block {} defended through blobs: defend gas {}", defended.number, receipt.gas_used);
    let (fin, _) = event::<OptimisticRollup::BatchFinalized>(
        &l1,
        "the defended blob block is finalized",
        Duration::from_secs(60),
        |e| e.last >= challenged.number,
    )
    .await;
    assert_eq!(fin.blockHash, d.l2.chain.hash_by_number(fin.last).unwrap().unwrap());
    griefer_node.shutdown().await;
    d.shutdown().await;
}

/// `--dev-blob-mismatch`: the proposer's blob holds another record than the block it
/// claims (the true block's claims). An honest watchtower challenges; nobody can prove
/// the blob holds the claimed block, so nobody defends; `resolve` drops it and burns half
/// the bond; the block is proposed again truthfully and finalized.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn dev_blob_mismatch_proposer_is_challenged_dropped_and_slashed() {
    let lie = Adversary { blob_mismatch: true, ..Default::default() };
    let (d, dir) = devnet(blobs(lie, false)).await;
    let honest = watcher(&d, &dir, Some(5), Adversary::default()).await;
    let l1 = rollup(&d);
    let burned_before = l1_balance(&d, Address::ZERO).await;
    let user = client(&d, 3).await;
    let r = user.withdraw_eth(Address::repeat_byte(0x5a), milli(2)).await.expect("withdrawal");
    let block = r.block_number.unwrap();
    let true_hash = d.l2.chain.hash_by_number(block).unwrap().unwrap();
    let challenged = first_challenge(
        &l1,
        "the honest watchtower challenges the mismatched blob block",
        d.accounts[5].address(),
    )
    .await;
    assert!(challenged.number <= block, "the first block with a transaction is the lie");
    let (dropped, receipt) = event::<OptimisticRollup::BlockDropped>(
        &l1,
        "nobody defends it and resolve drops it",
        Duration::from_secs(150),
        |e| e.number == challenged.number,
    )
    .await;
    println!("block {} dropped, resolve gas {}", dropped.number, receipt.gas_used);
    assert!(
        l1.events::<OptimisticRollup::BlockDefended>(0, u64::MAX >> 1)
            .await
            .is_ok_and(|d| d.is_empty()),
        "nobody could defend the mismatched block"
    );
    let burned = l1_balance(&d, Address::ZERO).await - burned_before;
    assert!(burned >= milli(50), "half the 0.1 ether proposer bond is burned: {burned}");
    let (fin, _) = event::<OptimisticRollup::BatchFinalized>(
        &l1,
        "the block proposed again truthfully is finalized",
        Duration::from_secs(180),
        |e| e.last >= block,
    )
    .await;
    let tip = d.l2.chain.hash_by_number(fin.last).unwrap().unwrap();
    assert_eq!(fin.blockHash, tip, "the honest chain continues");
    let holds = d.l2.chain.hash_by_number(block).unwrap();
    assert_eq!(holds, Some(true_hash), "the sequencer's block {block} is under the tip");
    derived(&d, &honest, block, "the honest watcher derived the block").await;
    honest.shutdown().await;
    d.shutdown().await;
}

/// An L1 keeping blobs for 4 blocks: once a blob proposal's L1 block is older, reading it
/// back (what a late follower or watchtower does) fails with `BlobsPruned`, naming the L1
/// block, the versioned hash and the L1's retention.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn pruned_blob_proposal_is_a_clear_error() {
    let (d, _dir) = optimistic::devnet(blobs(Adversary::default(), false), WINDOW, 4).await;
    let l1 = rollup(&d);
    let user = client(&d, 3).await;
    let r = user.withdraw_eth(Address::repeat_byte(0x5b), milli(1)).await.expect("L2 transaction");
    let block = r.block_number.unwrap();
    let (_, receipt) = event::<OptimisticRollup::BatchProposed>(
        &l1,
        "the block is proposed in blobs",
        Duration::from_secs(60),
        |e| e.first <= block && block <= e.last,
    )
    .await;
    let at = receipt.block_number.unwrap();
    let hashes = l1.tx_blob_hashes(receipt.transaction_hash).await.expect("proposal tx");
    let err = wait_until("the L1 prunes the blobs", Duration::from_secs(60), || async {
        match proposals(&l1, at, at).await {
            Ok(_) => Err("still served".to_string()),
            Err(e) => Ok(e),
        }
    })
    .await;
    println!("{err}");
    let OptimisticError::Rollup(e) = &err else { panic!("{err:?}") };
    let RollupError::Blobs(BlobError::BlobsPruned { block, versioned_hash, retention, .. }) = &**e
    else {
        panic!("{err:?}")
    };
    assert_eq!((*block, *versioned_hash, *retention), (at, hashes[0], Some(4)));
    d.shutdown().await;
}
