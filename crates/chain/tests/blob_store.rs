//! Blob sidecars stored with their block: they survive a restart, leave with their block on
//! a rewind (the transaction going back to the pool with its sidecar), and are pruned past
//! the retention window, which the store remembers so that queries can say "pruned".

mod common;

use alloy_consensus::{TxEip4844Variant, TxEnvelope};
use alloy_eips::eip7594::BlobTransactionSidecarVariant;
use alloy_primitives::B256;
use common::*;
use nr_chain::{Chain, ChainError, blob_store::BlockBlobs};
use nr_stateless::{Fork, evm::PlainEthereum};
use std::sync::Arc;

fn available(chain: &Chain, hash: &B256) -> Vec<BlobTransactionSidecarVariant> {
    match chain.blob_sidecars(hash) {
        Ok(BlockBlobs::Available(s)) => s,
        other => panic!("block {hash}: sidecars not available: {other:?}"),
    }
}

#[test]
fn blob_sidecars_survive_a_restart_in_block_order() {
    let e = env(Fork::Osaka);
    let a = valid(&e.key, 0, 2, 7594);
    let b = valid(&e.key, 1, 1, 4844);
    e.chain.add_raw_transaction(&a).unwrap();
    e.chain.add_raw_transaction(&b).unwrap();
    let p = e.chain.produce_block(GENESIS_TIME + 12).unwrap();
    assert_eq!(p.block.body.transactions.len(), 2, "skipped {:?}", p.skipped);
    let empty = e.chain.produce_block(GENESIS_TIME + 24).unwrap();
    let Env { dir, chain, .. } = e;
    let spec = chain.spec().clone();
    drop(chain);
    let chain = Chain::open(&dir.path().join("c.redb"), spec, Arc::new(PlainEthereum)).unwrap();
    let stored = available(&chain, &p.hash);
    let kinds: Vec<usize> = stored.iter().map(|s| s.blobs().len()).collect();
    assert_eq!(kinds, vec![2, 1], "two sidecars in block order");
    let hashes: Vec<B256> = stored.iter().flat_map(hashes_of).collect();
    let in_block: Vec<B256> = p
        .block
        .body
        .transactions
        .iter()
        .flat_map(|t| alloy_consensus::Transaction::blob_versioned_hashes(t).unwrap().to_vec())
        .collect();
    assert_eq!(hashes, in_block);
    assert_eq!(stored[0].blobs()[1], blob(1), "blob bytes kept");
    assert!(available(&chain, &empty.hash).is_empty(), "a block without blobs: none");
    let unknown = chain.blob_sidecars(&B256::repeat_byte(9));
    assert!(matches!(unknown, Err(ChainError::UnknownBlock(_))), "{unknown:?}");
}

#[test]
fn blob_sidecars_pruned_at_the_retention_edge() {
    let e = env(Fork::Osaka);
    e.chain.set_blob_retention(2);
    let mut blob_blocks = vec![];
    for n in 0..2u64 {
        e.chain.add_raw_transaction(&valid(&e.key, n, 1, 7594)).unwrap();
        let p = e.chain.produce_block(GENESIS_TIME + 12 * (n + 1)).unwrap();
        assert_eq!(p.block.body.transactions.len(), 1);
        blob_blocks.push(p.hash);
    }
    // Head 3: blocks 1 and 2 within 2 blocks of it.
    e.chain.produce_block(GENESIS_TIME + 36).unwrap();
    available(&e.chain, &blob_blocks[0]);
    // Head 4: block 2 (= head - retention) kept, block 1 pruned.
    e.chain.produce_block(GENESIS_TIME + 48).unwrap();
    assert_eq!(available(&e.chain, &blob_blocks[1]).len(), 1);
    let r = e.chain.blob_sidecars(&blob_blocks[0]);
    assert!(matches!(r, Ok(BlockBlobs::Pruned { number: 1, below: 2, retention: 2 })), "{r:?}");
    // The mark is stored: after a restart (retention not set again) block 1 stays pruned.
    let Env { dir, chain, .. } = e;
    let spec = chain.spec().clone();
    drop(chain);
    let chain = Chain::open(&dir.path().join("c.redb"), spec, Arc::new(PlainEthereum)).unwrap();
    let r = chain.blob_sidecars(&blob_blocks[0]);
    assert!(matches!(r, Ok(BlockBlobs::Pruned { number: 1, below: 2, .. })), "{r:?}");
    assert_eq!(available(&chain, &blob_blocks[1]).len(), 1);
}

#[test]
fn rewind_removes_sidecars_and_requeues_the_network_form() {
    let e = env(Fork::Osaka);
    let tx = e.chain.add_raw_transaction(&valid(&e.key, 0, 1, 7594)).unwrap();
    let p = e.chain.produce_block(GENESIS_TIME + 12).unwrap();
    assert_eq!(available(&e.chain, &p.hash).len(), 1);
    let rewound = e.chain.rewind_to(0).unwrap();
    assert_eq!(rewound.requeued, vec![tx], "dropped: {:?}", rewound.dropped);
    let r = e.chain.blob_sidecars(&p.hash);
    assert!(matches!(r, Ok(BlockBlobs::Missing { number: 1 })), "{r:?}");
    let pending = e.chain.pending_tx(&tx).expect("back in the pool");
    let TxEnvelope::Eip4844(signed) = &pending.tx else { panic!("not a blob tx") };
    assert!(matches!(signed.tx(), TxEip4844Variant::TxEip4844WithSidecar(_)), "with its sidecar");
    let again = e.chain.produce_block(GENESIS_TIME + 13).unwrap();
    assert_eq!(again.block.body.transactions.len(), 1);
    assert_eq!(available(&e.chain, &again.hash).len(), 1);
}
