//! A receipt is visible only once its block is the head. A client that reads a receipt and
//! then the `latest` state must see that block's effects: `nr l1`'s external-client test
//! once read the code of a contract it had just deployed as empty (the block was stored,
//! its receipt served, and the head not yet moved).

use alloy_primitives::{Address, B256, U256};
use alloy_signer_local::PrivateKeySigner;
use nr_chain::{Chain, Eip1559Builder, spec::ChainSpec};
use nr_stateless::{ForkSchedule, evm::PlainEthereum};
use std::sync::{
    Arc, Mutex,
    atomic::{AtomicBool, Ordering},
};

/// Blocks produced while another thread polls receipts (a bound, not a timing assertion).
const BLOCKS: u64 = 300;

#[test]
fn receipt_is_never_visible_before_its_block_is_the_head() {
    let dir = tempfile::tempdir().unwrap();
    let key = PrivateKeySigner::random();
    let schedule = ForkSchedule::from_genesis(nr_stateless::Fork::Osaka);
    let spec =
        ChainSpec::dev(7, schedule, 1_000, &[key.address()], U256::from(10u64).pow(U256::from(20)));
    let chain =
        Arc::new(Chain::open(&dir.path().join("c.redb"), spec, Arc::new(PlainEthereum)).unwrap());
    let latest: Arc<Mutex<Option<B256>>> = Arc::default();
    let done = Arc::new(AtomicBool::new(false));
    let poller = {
        let (chain, latest, done) = (chain.clone(), latest.clone(), done.clone());
        std::thread::spawn(move || {
            let (mut seen, mut early) = (0u64, vec![]);
            while !done.load(Ordering::Acquire) {
                let Some(hash) = *latest.lock().unwrap() else { continue };
                if let Some(r) = chain.receipt(&hash).unwrap() {
                    seen += 1;
                    let head = chain.head().number;
                    if head < r.header.number {
                        early.push((r.header.number, head));
                    }
                }
            }
            (seen, early)
        })
    };
    // Others take the pool lock all the time (as transaction admission and `pending` reads
    // do in a node): the head moves under that lock, after the block is stored.
    let lockers: Vec<_> = (0..2)
        .map(|_| {
            let (chain, done) = (chain.clone(), done.clone());
            std::thread::spawn(move || {
                while !done.load(Ordering::Acquire) {
                    std::hint::black_box(chain.pending_count());
                }
            })
        })
        .collect();
    let to = Address::repeat_byte(9);
    for nonce in 0..BLOCKS {
        let tx = Eip1559Builder::new(7, nonce, to).value(U256::from(1)).sign(&key).unwrap();
        let hash = chain.add_transaction(tx).unwrap();
        *latest.lock().unwrap() = Some(hash);
        chain.produce_block(2_000 + nonce).unwrap();
    }
    done.store(true, Ordering::Release);
    for l in lockers {
        l.join().unwrap();
    }
    let (seen, early) = poller.join().unwrap();
    assert!(seen > 0, "the poller never saw a receipt in {BLOCKS} blocks");
    assert!(
        early.is_empty(),
        "{} of {seen} receipts were served before their block was the head \
         (block, head): {:?}",
        early.len(),
        &early[..early.len().min(5)]
    );
}
