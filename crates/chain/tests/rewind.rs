//! Rewinding a chain (an L2 node reconciling with L1, a dev L1's `debug_setHead`): the
//! blocks above leave the canonical chain, their transactions go back to the pool (and
//! survive a restart), and nothing below `finalized` can be rewound.

use alloy_primitives::{Address, U256};
use alloy_signer_local::PrivateKeySigner;
use nr_chain::{Chain, ChainError, Eip1559Builder, spec::ChainSpec};
use nr_stateless::{ForkSchedule, evm::PlainEthereum};
use std::sync::Arc;

fn open(path: &std::path::Path, funded: Address) -> Chain {
    let schedule = ForkSchedule {
        cancun_time: Some(0),
        prague_time: Some(0),
        osaka_time: Some(0),
        ..Default::default()
    };
    let spec = ChainSpec::dev(7, schedule, 1_000, &[funded], U256::from(10u64).pow(U256::from(20)));
    Chain::open(path, spec, Arc::new(PlainEthereum)).unwrap()
}

#[test]
fn rewind_requeues_transactions_and_stops_at_finalized() {
    let dir = std::env::temp_dir().join(format!("nr-rewind-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("chain.redb");
    let key = PrivateKeySigner::random();
    let chain = open(&path, key.address());
    let to = Address::repeat_byte(9);
    let mut hashes = vec![];
    for nonce in 0..2 {
        let tx = Eip1559Builder::new(7, nonce, to).value(U256::from(5)).sign(&key).unwrap();
        hashes.push(chain.add_transaction(tx).unwrap());
        chain.produce_block(2_000 + nonce).unwrap();
    }
    assert_eq!(chain.head().number, 2);
    let at_1 = chain.hash_by_number(1).unwrap();

    let r = chain.rewind_to(0).unwrap();
    assert_eq!((r.removed_blocks, r.requeued.clone()), (2, hashes.clone()));
    assert!(r.dropped.is_empty(), "{:?}", r.dropped);
    assert_eq!(chain.head().number, 0);
    assert_eq!(chain.hash_by_number(1).unwrap(), None, "block 1 left the canonical chain");
    assert_eq!(chain.tx_location(&hashes[0]).unwrap(), None, "no receipt for a removed block");
    assert_eq!(chain.pending_count(), 2);
    assert_eq!(chain.account(&chain.head(), to).unwrap().map(|a| a.balance), None);
    assert_eq!(chain.rewind_to(5).unwrap().removed_blocks, 0, "nothing above the head");

    // The requeued transactions survive a restart, and are mined again.
    drop(chain);
    let chain = open(&path, key.address());
    assert_eq!((chain.head().number, chain.pending_count()), (0, 2));
    let p = chain.produce_block(3_000).unwrap();
    assert_eq!(p.block.body.transactions.len(), 2);
    assert_ne!(Some(p.hash), at_1, "a new block 1");
    assert!(chain.tx_location(&hashes[1]).unwrap().is_some());

    chain.set_safe_finalized(1, 1);
    let err = chain.rewind_to(0).unwrap_err();
    assert!(matches!(err, ChainError::RewindBelowFinalized { to: 0, finalized: 1 }), "{err:?}");
    assert_eq!(chain.head().number, 1, "a refused rewind changes nothing");
    assert_eq!(chain.pending_count(), 0);
    drop(chain);
    std::fs::remove_dir_all(&dir).ok();
}
