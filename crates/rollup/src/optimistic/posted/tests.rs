use super::*;
use crate::optimistic::adversary::DishonestProposer;
use alloy_primitives::{Address, U256};
use alloy_signer_local::PrivateKeySigner;
use nr_chain::{BlockOptions, Eip1559Builder, spec::ChainSpec};
use nr_stateless::{ForkSchedule, evm::PlainEthereum};
use std::sync::Arc;

const ANCHOR: B256 = B256::repeat_byte(0xa7);

/// A chain with `key` funded, and a second store of the same genesis (a watchtower).
fn chains(dir: &std::path::Path, key: &PrivateKeySigner) -> (Chain, Chain) {
    let schedule = ForkSchedule {
        cancun_time: Some(0),
        prague_time: Some(0),
        osaka_time: Some(0),
        ..Default::default()
    };
    let spec =
        ChainSpec::dev(7, schedule, 1_000, &[key.address()], U256::from(10u64).pow(U256::from(20)));
    let open =
        |name: &str| Chain::open(&dir.join(name), spec.clone(), Arc::new(PlainEthereum)).unwrap();
    (open("proposer.redb"), open("watchtower.redb"))
}

/// The proposer's block 1: two transfers, anchored to [`ANCHOR`], with a fee recipient.
fn produce(chain: &Chain, key: &PrivateKeySigner) -> Block<TxEnvelope> {
    for nonce in 0..2 {
        let tx = Eip1559Builder::new(7, nonce, Address::repeat_byte(9))
            .value(U256::from(5))
            .sign(key)
            .unwrap();
        chain.add_transaction(tx).unwrap();
    }
    let opts = BlockOptions {
        timestamp: 2_000,
        parent_beacon_block_root: Some(ANCHOR),
        fee_recipient: Some(Address::repeat_byte(3)),
    };
    let p = chain.produce_block_with(&opts).unwrap();
    assert_eq!(p.block.body.transactions.len(), 2, "{:?}", p.skipped);
    p.block
}

#[test]
fn posted_block_derives_to_the_proposed_block() {
    let dir = tempfile::tempdir().unwrap();
    let key = PrivateKeySigner::random();
    let (proposer, watchtower) = chains(dir.path(), &key);
    let block = produce(&proposer, &key);
    let posted = posted_block(&block, 42);
    let parent = watchtower.head();
    let (verdict, derived) = check(&watchtower, &parent, &posted, ANCHOR).unwrap();
    assert_eq!(verdict, Verdict::Valid);
    let derived = derived.unwrap();
    assert_eq!(derived.header.hash_slow(), block.header.hash_slow());
    // The watchtower can import it: its chain now follows the proposer's.
    assert_eq!(watchtower.import_block(&derived).unwrap(), block.header.hash_slow());
    // The data hash binds the transactions in order (the claim binds it with the anchor
    // hash and both claims: nr_contracts::claims).
    let c = data_hash(&posted);
    let mut other = posted.clone();
    other.transactions.swap(0, 1);
    assert_ne!(data_hash(&other), c, "transaction order is committed");
    assert_eq!(txs_hash(&[]), keccak256([]));
}

/// `--dishonest-proposer wrong-root`: a self-consistent header with a wrong state root.
#[test]
fn dishonest_proposer_wrong_root_is_challenged() {
    let dir = tempfile::tempdir().unwrap();
    let key = PrivateKeySigner::random();
    let (proposer, watchtower) = chains(dir.path(), &key);
    let block = produce(&proposer, &key);
    let mut posted = posted_block(&block, 42);
    DishonestProposer::WrongRoot.tamper(&block.header, &mut posted);
    let (verdict, derived) = check(&watchtower, &watchtower.head(), &posted, ANCHOR).unwrap();
    assert_eq!(
        verdict,
        Verdict::WrongStateRoot { claimed: posted.stateRoot, derived: block.header.state_root }
    );
    assert!(verdict.is_invalid() && derived.is_none());
    assert_eq!(watchtower.head().number, 0, "nothing stored");
}

/// `--dishonest-proposer bad-data`: the true block's claims over data that leaves out a
/// transaction.
#[test]
fn dishonest_proposer_bad_data_is_challenged() {
    let dir = tempfile::tempdir().unwrap();
    let key = PrivateKeySigner::random();
    let (proposer, watchtower) = chains(dir.path(), &key);
    let block = produce(&proposer, &key);
    let mut posted = posted_block(&block, 42);
    DishonestProposer::BadData.tamper(&block.header, &mut posted);
    assert_eq!(posted.transactions.len(), 1);
    let (verdict, _) = check(&watchtower, &watchtower.head(), &posted, ANCHOR).unwrap();
    assert!(
        matches!(verdict, Verdict::WrongStateRoot { .. } | Verdict::WrongHash { .. }),
        "{verdict:?}"
    );
    // The same claims over the right data but another anchor are refused too (the anchor
    // is stored by the beacon-roots system call, so the state root differs).
    let posted = posted_block(&block, 42);
    let (verdict, _) = check(&watchtower, &watchtower.head(), &posted, B256::ZERO).unwrap();
    assert!(verdict.is_invalid(), "{verdict:?}");
}

/// Garbage instead of a transaction, or a timestamp not above the parent's: the data is no
/// block at all.
#[test]
fn underivable_posted_data_is_challenged() {
    let dir = tempfile::tempdir().unwrap();
    let key = PrivateKeySigner::random();
    let (proposer, watchtower) = chains(dir.path(), &key);
    let block = produce(&proposer, &key);
    let mut posted = posted_block(&block, 42);
    posted.transactions[1] = Bytes::from_static(&[0x02, 0xff]);
    let (verdict, _) = check(&watchtower, &watchtower.head(), &posted, ANCHOR).unwrap();
    assert!(matches!(verdict, Verdict::Underivable(_)), "{verdict:?}");
    let mut posted = posted_block(&block, 42);
    posted.timestamp = watchtower.head().timestamp;
    let err = derive(&watchtower, &watchtower.head(), &posted, ANCHOR).unwrap_err();
    assert!(matches!(err, OptimisticError::StaleTimestamp { .. }), "{err:?}");
    // A valid transaction followed by trailing bytes is refused, not truncated.
    let mut posted = posted_block(&block, 42);
    let mut raw = posted.transactions[0].to_vec();
    raw.push(0);
    posted.transactions[0] = raw.into();
    let err = derive(&watchtower, &watchtower.head(), &posted, ANCHOR).unwrap_err();
    assert!(matches!(err, OptimisticError::BadTransaction { index: 0, .. }), "{err:?}");
}
