//! Block production within a [`BlockBudget`]: a transaction that breaks the budget even
//! alone is dropped from the pool with its reason; one that only breaks it together with
//! others waits for a later block; the rest are included.

use alloy_consensus::{Block, TxEnvelope};
use alloy_genesis::GenesisAccount;
use alloy_primitives::{Address, B256, Bytes, U256, keccak256};
use alloy_signer_local::PrivateKeySigner;
use nr_chain::{BlockBudget, Chain, DropReason, Eip1559Builder, OverBudget, spec::ChainSpec};
use nr_stateless::{Fork, ForkSchedule, evm::PlainEthereum, ssz::ExecutionWitness};
use std::sync::Arc;

const CHAIN_ID: u64 = 8079;
const ETHER: u128 = 1_000_000_000_000_000_000;
const CODE: usize = 10_000;

/// At most `0` bytes of code in a block's witness.
#[derive(Debug)]
struct CodeBytes(u64);

impl BlockBudget for CodeBytes {
    fn check(&self, _: &Block<TxEnvelope>, w: ExecutionWitness) -> Result<(), OverBudget> {
        let needed: u64 = w.codes.iter().map(|c| c.len() as u64).sum();
        if needed > self.0 {
            return Err(OverBudget { what: "witness code bytes", needed, limit: self.0 });
        }
        Ok(())
    }
}

/// A budget no block keeps.
#[derive(Debug)]
struct Unattainable;

impl BlockBudget for Unattainable {
    fn check(&self, _: &Block<TxEnvelope>, _: ExecutionWitness) -> Result<(), OverBudget> {
        Err(OverBudget { what: "anything", needed: 1, limit: 0 })
    }
}

fn big_code(seed: u64) -> Bytes {
    let mut out = Vec::with_capacity(CODE);
    let mut h = keccak256(seed.to_be_bytes());
    while out.len() < CODE {
        out.extend_from_slice(h.as_slice());
        h = keccak256(h);
    }
    out.truncate(CODE);
    out[0] = 0x00; // STOP
    out.into()
}

fn probe_code(targets: &[Address]) -> Bytes {
    let mut c = vec![];
    for a in targets {
        c.push(0x73);
        c.extend_from_slice(a.as_slice());
        c.extend_from_slice(&[0x3b, 0x50]);
    }
    c.push(0x00);
    c.into()
}

#[test]
fn block_budget_drops_what_never_fits_and_defers_what_fits_alone() {
    let dir = tempfile::tempdir().unwrap();
    let keys: Vec<PrivateKeySigner> = (0..4).map(|_| PrivateKeySigner::random()).collect();
    let funded: Vec<Address> = keys.iter().map(|k| k.address()).collect();
    let mut spec = ChainSpec::dev(
        CHAIN_ID,
        ForkSchedule::from_genesis(Fork::Osaka),
        1_000,
        &funded,
        U256::from(ETHER),
    );
    let big: Vec<Address> = (0..8).map(|i| Address::repeat_byte(0x10 + i)).collect();
    for (i, a) in big.iter().enumerate() {
        spec.genesis
            .alloc
            .insert(*a, GenesisAccount::default().with_code(Some(big_code(i as u64))));
    }
    let probe_all = Address::repeat_byte(0xa0);
    let probe_low = Address::repeat_byte(0xa1);
    let probe_high = Address::repeat_byte(0xa2);
    for (a, targets) in [(probe_all, &big[..]), (probe_low, &big[..4]), (probe_high, &big[4..])] {
        spec.genesis
            .alloc
            .insert(a, GenesisAccount::default().with_code(Some(probe_code(targets))));
    }
    let chain = Chain::open(&dir.path().join("c.redb"), spec, Arc::new(PlainEthereum)).unwrap();
    chain.set_block_budget(Arc::new(CodeBytes(5 * CODE as u64)));

    // Highest tip first: the hostile probe (80 KB of code), then two 40 KB probes, then a
    // transfer.
    let send = |key: &PrivateKeySigner, to: Address, tip: u128| {
        let tx = Eip1559Builder::new(CHAIN_ID, 0, to)
            .gas_limit(200_000)
            .fees(50_000_000_000, tip)
            .sign(key)
            .unwrap();
        chain.add_transaction(tx).expect("admitted")
    };
    let hostile = send(&keys[0], probe_all, 4_000_000_000);
    let low = send(&keys[1], probe_low, 3_000_000_000);
    let high = send(&keys[2], probe_high, 2_000_000_000);
    let transfer = send(&keys[3], Address::repeat_byte(0x42), 1_000_000_000);

    let p = chain.produce_block(2_000).expect("block 1");
    let hashes = |b: &Block<TxEnvelope>| -> Vec<B256> {
        b.body.transactions.iter().map(|t| *t.tx_hash()).collect()
    };
    assert_eq!(hashes(&p.block), vec![low], "only the first 40 KB probe fits with the budget");
    assert_eq!(p.deferred, vec![high, transfer]);
    assert_eq!(p.dropped.len(), 1, "{:?}", p.dropped);
    let (dropped, reason) = &p.dropped[0];
    assert_eq!(*dropped, hostile);
    assert!(
        matches!(reason, DropReason::OverBudget(OverBudget { needed, limit: 50_000, .. }) if *needed >= 80_000),
        "{reason:?}"
    );
    assert_eq!(chain.drop_reason(&hostile).as_ref(), Some(reason));
    assert!(chain.pending_tx(&hostile).is_none(), "the hostile transaction left the pool");
    assert!(chain.pending_tx(&high).is_some() && chain.pending_tx(&transfer).is_some());

    let p = chain.produce_block(2_001).expect("block 2");
    assert_eq!(hashes(&p.block), vec![high, transfer], "the deferred ones follow");
    assert!(p.deferred.is_empty() && p.dropped.is_empty(), "{p:?}");
    assert_eq!(chain.pending_count(), 0);
}

#[test]
fn block_budget_that_not_even_an_empty_block_keeps_drops_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let key = PrivateKeySigner::random();
    let spec = ChainSpec::dev(
        CHAIN_ID,
        ForkSchedule::from_genesis(Fork::Osaka),
        1_000,
        &[key.address()],
        U256::from(ETHER),
    );
    let chain = Chain::open(&dir.path().join("c.redb"), spec, Arc::new(PlainEthereum)).unwrap();
    chain.set_block_budget(Arc::new(Unattainable));
    let tx = Eip1559Builder::new(CHAIN_ID, 0, Address::repeat_byte(0x42)).sign(&key).unwrap();
    let hash = chain.add_transaction(tx).unwrap();
    let p = chain.produce_block(2_000).expect("a block");
    assert!(p.dropped.is_empty() && p.deferred.is_empty(), "{p:?}");
    assert_eq!(p.block.body.transactions.len(), 1, "produced as built");
    assert!(chain.drop_reason(&hash).is_none());
}
