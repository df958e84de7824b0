//! EIP-7610: a contract creation (creation transaction, `CREATE`, `CREATE2`) whose target
//! address has no code and nonce 0 but NON-EMPTY storage is a collision, exactly as if the
//! target had a nonce: the creation fails, consumes the gas given to it, the creating
//! frame gets 0, the caller's nonce is still bumped, and the target stays as it was.
//!
//! The reference for "as if it had a nonce" is revm's own EIP-684 rule: the same block run
//! on a pre-state where the targets have nonce 1 must give the same receipts, gas and state
//! (up to the targets' nonces). Checked statefully (import) and statelessly (the recorded
//! witness, `verify_stateless_new_payload`), and on a redb chain under Prague and Osaka.

use alloy_consensus::{Block, BlockBody, EMPTY_OMMER_ROOT_HASH, Header, TxEnvelope};
use alloy_eips::eip1559::BaseFeeParams;
use alloy_genesis::GenesisAccount as GethAccount;
use alloy_primitives::{Address, B256, Bytes, KECCAK256_EMPTY, TxKind, U256, b256, keccak256};
use alloy_signer_local::PrivateKeySigner;
use alloy_trie::TrieAccount;
use nr_chain::{CallOutcome, CallRequest, Chain, Eip1559Builder, spec::ChainSpec};
use nr_stateless::{
    Fork, ForkSchedule,
    evm::PlainEthereum,
    memory::{GenesisAccount, MemoryChain},
    mpt::Trie,
    verify_stateless_new_payload,
};
use std::collections::BTreeMap;
use std::sync::Arc;

const CHAIN_ID: u64 = 7610;
/// Factory runtime: copies its calldata to memory, `CREATE2(0, 0, calldatasize, salt 0)`,
/// stores the result in slot 0.
const FACTORY: &str = "365f5f375f365f5ff55f5500";
/// Init code deploying the one-byte runtime `0x00` (`RETURN(0, 1)`).
const INIT: &str = "60015ff3";
/// Gas limit of the creation transaction (all of it is spent on a collision).
const CREATE_TX_GAS: u64 = 100_000;

fn hex(s: &str) -> Bytes {
    alloy_primitives::hex::decode(s).unwrap().into()
}

fn signer() -> PrivateKeySigner {
    "0x4c0883a69102937d6231471b5dbb6204fe512961708279f3f5f5e7b1f6d8d8d1".parse().unwrap()
}

fn factory() -> Address {
    Address::repeat_byte(0xfa)
}

/// Where the factory's `CREATE2` lands.
fn create2_target() -> Address {
    factory().create2(B256::ZERO, keccak256(hex(INIT)))
}

/// Where the creation transaction (sender nonce 1) lands.
fn create_tx_target() -> Address {
    signer().address().create(1)
}

/// The pre-state of the two targets.
#[derive(Clone, Copy)]
struct Target {
    nonce: u64,
    storage: bool,
    balance: u64,
}

fn target_account(t: Target) -> GenesisAccount {
    let storage = if t.storage {
        BTreeMap::from([(U256::from(1), U256::from(0x7610))])
    } else {
        BTreeMap::new()
    };
    GenesisAccount { nonce: t.nonce, balance: U256::from(t.balance), storage, ..Default::default() }
}

/// Block 1: the sender calls the factory (a `CREATE2` into the first target), then sends a
/// creation transaction into the second target.
fn transactions() -> Vec<TxEnvelope> {
    let s = signer();
    let fees = |b: Eip1559Builder| b.fees(20_000_000_000, 1_000_000_000);
    vec![
        fees(Eip1559Builder::new(CHAIN_ID, 0, factory()).input(hex(INIT)).gas_limit(300_000))
            .sign(&s)
            .unwrap(),
        fees(Eip1559Builder::new(CHAIN_ID, 1, TxKind::Create).input(hex(INIT)))
            .gas_limit(CREATE_TX_GAS)
            .sign(&s)
            .unwrap(),
    ]
}

/// A Shanghai chain in memory whose genesis holds the sender, the factory and both targets.
fn memory_chain(create2: Target, create_tx: Target) -> (MemoryChain, Header) {
    memory_chain_with(create2, create_tx, BTreeMap::new())
}

/// [`memory_chain`] with more accounts in the genesis.
fn memory_chain_with(
    create2: Target,
    create_tx: Target,
    mut alloc: BTreeMap<Address, GenesisAccount>,
) -> (MemoryChain, Header) {
    alloc.insert(
        signer().address(),
        GenesisAccount { balance: U256::from(10u128.pow(21)), ..Default::default() },
    );
    alloc.insert(factory(), GenesisAccount { nonce: 1, code: hex(FACTORY), ..Default::default() });
    alloc.insert(create2_target(), target_account(create2));
    alloc.insert(create_tx_target(), target_account(create_tx));
    let mut chain = MemoryChain::default();
    let state_root = chain.insert_alloc(&alloc).unwrap();
    let genesis = Header {
        ommers_hash: EMPTY_OMMER_ROOT_HASH,
        state_root,
        gas_limit: 30_000_000,
        base_fee_per_gas: Some(1_000_000_000),
        withdrawals_root: Some(alloy_consensus::EMPTY_ROOT_HASH),
        ..Default::default()
    };
    chain.insert_header(genesis.clone());
    (chain, genesis)
}

fn draft(parent: &Header) -> Block<TxEnvelope> {
    Block {
        header: Header {
            parent_hash: parent.hash_slow(),
            ommers_hash: EMPTY_OMMER_ROOT_HASH,
            beneficiary: Address::repeat_byte(0xc0),
            number: parent.number + 1,
            gas_limit: parent.gas_limit,
            timestamp: parent.timestamp + 12,
            mix_hash: b256!("0x1111111111111111111111111111111111111111111111111111111111111111"),
            base_fee_per_gas: parent.next_block_base_fee(BaseFeeParams::ethereum()),
            ..Default::default()
        },
        body: BlockBody {
            transactions: transactions(),
            ommers: vec![],
            withdrawals: Some(Default::default()),
        },
    }
}

fn shanghai() -> ForkSchedule {
    ForkSchedule::from_genesis(Fork::Shanghai)
}

fn read_account(nodes: &MemoryChain, root: B256, address: Address) -> Option<TrieAccount> {
    let leaf = Trie::from_root(root).get(keccak256(address).as_slice(), &nodes.nodes).unwrap()?;
    Some(alloy_rlp::Decodable::decode(&mut leaf.as_slice()).unwrap())
}

/// `root` with the accounts at `addresses` given nonce 0.
fn with_nonce_zero(chain: &MemoryChain, root: B256, addresses: &[Address]) -> B256 {
    let mut trie = Trie::from_root(root);
    for a in addresses {
        let mut acc = read_account(chain, root, *a).expect("target exists");
        acc.nonce = 0;
        trie.insert(keccak256(a).as_slice(), alloy_rlp::encode(acc), &chain.nodes).unwrap();
    }
    trie.root_hash()
}

#[test]
fn create_into_storage_only_account_collides_like_nonce() {
    let stored = Target { nonce: 0, storage: true, balance: 0 };
    let funded = Target { nonce: 0, storage: true, balance: 5 };
    // Reference: the same targets with nonce 1 (an EIP-684 collision revm knows).
    let (mut reference, ref_genesis) =
        memory_chain(Target { nonce: 1, ..stored }, Target { nonce: 1, ..funded });
    let (sealed, _, _) = reference.produce(draft(&ref_genesis), &shanghai(), CHAIN_ID).unwrap();
    let targets = [create2_target(), create_tx_target()];

    // The block on the storage-only pre-state: same body, receipts and gas, the reference's
    // post-state with the targets' nonces back at 0.
    let (mut chain, genesis) = memory_chain(stored, funded);
    let mut block = sealed.clone();
    block.header.parent_hash = genesis.hash_slow();
    block.header.state_root = with_nonce_zero(&reference, sealed.header.state_root, &targets);
    let imported = chain.import(&block, &shanghai(), CHAIN_ID);
    let input = MemoryChain::stateless_input(
        &block,
        imported.witness.clone(),
        &imported.requests,
        CHAIN_ID,
    )
    .unwrap();
    let stateless = verify_stateless_new_payload(&input, &shanghai());
    let (Ok(hash), Ok(result)) = (&imported.result, &stateless) else {
        panic!(
            "the creations must collide; stateful import: {:?}; stateless (recorded witness): {:?}",
            imported.result, stateless
        );
    };
    assert!(result.successful_validation);
    let post = chain.headers[hash].state_root;
    for t in targets {
        let acc = read_account(&chain, post, t).unwrap();
        assert_eq!((acc.nonce, acc.code_hash), (0, KECCAK256_EMPTY), "target {t} unchanged");
        assert_ne!(acc.storage_root, alloy_trie::EMPTY_ROOT_HASH, "target {t} keeps its storage");
    }
}

#[test]
fn create_into_account_without_storage_succeeds() {
    let empty = Target { nonce: 0, storage: false, balance: 0 };
    let funded = Target { nonce: 0, storage: false, balance: 5 };
    let (mut chain, genesis) = memory_chain(empty, funded);
    let (block, witness, requests) = chain.produce(draft(&genesis), &shanghai(), CHAIN_ID).unwrap();
    let post = block.header.state_root;
    for t in [create2_target(), create_tx_target()] {
        let acc = read_account(&chain, post, t).unwrap();
        assert_eq!((acc.nonce, acc.code_hash), (1, keccak256([0u8])), "contract deployed at {t}");
    }
    let factory = read_account(&chain, post, factory()).unwrap();
    assert_eq!(factory.nonce, 2, "CREATE2 bumped the factory's nonce");
    let input = MemoryChain::stateless_input(&block, witness, &requests, CHAIN_ID).unwrap();
    verify_stateless_new_payload(&input, &shanghai()).expect("stateless verification");
}

/// The same on a stored chain under Prague and Osaka: block production, the stored state,
/// receipts, the witness the chain serves, and `eth_call`.
#[test]
fn chain_create_into_storage_only_account_collides() {
    for fork in [Fork::Prague, Fork::Osaka] {
        let dir = tempfile::tempdir().unwrap();
        let schedule = ForkSchedule::from_genesis(fork);
        let s = signer();
        let mut spec = ChainSpec::dev(
            CHAIN_ID,
            schedule.clone(),
            1_000,
            &[s.address()],
            U256::from(10u128.pow(21)),
        );
        let storage = BTreeMap::from([(B256::with_last_byte(1), B256::with_last_byte(0x10))]);
        let stored = GethAccount::default().with_storage(Some(storage));
        let code = Some(hex(FACTORY));
        spec.genesis
            .alloc
            .insert(factory(), GethAccount::default().with_nonce(Some(1)).with_code(code));
        spec.genesis.alloc.insert(create2_target(), stored.clone());
        // eth_call creates at the address of the caller's state nonce.
        let caller = Address::repeat_byte(0xca);
        spec.genesis.alloc.insert(caller.create(0), stored.clone());
        spec.genesis.alloc.insert(create_tx_target(), stored.with_balance(U256::from(5)));
        let chain =
            Chain::open(&dir.path().join("chain.redb"), spec, Arc::new(PlainEthereum)).unwrap();

        // eth_call of a creation into a storage-only address.
        let head = chain.head();
        let req = CallRequest {
            from: Some(caller),
            input: hex(INIT),
            gas: Some(CREATE_TX_GAS),
            ..Default::default()
        };
        match chain.call(&head, &req).unwrap() {
            CallOutcome::Halt { reason, gas_used } => {
                assert!(reason.contains("CreateCollision"), "{fork:?}: {reason}");
                assert_eq!(gas_used, CREATE_TX_GAS, "{fork:?}: a collision spends all gas");
            }
            other => panic!("{fork:?}: eth_call of a colliding creation: {other:?}"),
        }

        for tx in transactions() {
            chain.add_transaction(tx).unwrap();
        }
        let produced = chain.produce_block(1_012).unwrap();
        assert_eq!(produced.block.body.transactions.len(), 2, "{fork:?}: {:?}", produced.skipped);
        let head = chain.head();
        assert_eq!(
            chain.storage(&head, factory(), B256::ZERO).unwrap(),
            U256::ZERO,
            "{fork:?}: CREATE2 pushed 0"
        );
        for t in [create2_target(), create_tx_target()] {
            assert!(chain.code(&head, t).unwrap().is_empty(), "{fork:?}: no code at {t}");
            let acc = chain.account(&head, t).unwrap().unwrap();
            assert_eq!(acc.nonce, 0, "{fork:?}: nonce of {t}");
            assert_eq!(chain.storage(&head, t, B256::with_last_byte(1)).unwrap(), U256::from(0x10));
        }
        assert_eq!(chain.account(&head, factory()).unwrap().unwrap().nonce, 2, "{fork:?}");
        assert_eq!(chain.account(&head, s.address()).unwrap().unwrap().nonce, 2, "{fork:?}");
        let receipts = chain.receipts(&produced.hash).unwrap().unwrap();
        let statuses: Vec<bool> = receipts.iter().map(|r| r.status()).collect();
        assert_eq!(statuses, [true, false], "{fork:?}: the call succeeds, the creation fails");
        let create_gas = receipts[1].cumulative_gas_used() - receipts[0].cumulative_gas_used();
        assert_eq!(create_gas, CREATE_TX_GAS, "{fork:?}: the creation spends all its gas");

        let witness = chain.witness(&produced.hash).unwrap();
        let input =
            MemoryChain::stateless_input(&produced.block, witness, &Default::default(), CHAIN_ID)
                .unwrap();
        verify_stateless_new_payload(&input, &schedule)
            .unwrap_or_else(|e| panic!("{fork:?}: stateless verification: {e}"));
    }
}

/// An empty account (no nonce, balance or code) that holds storage is deleted with its
/// storage when a transaction touches it (EIP-161); a later creation into it in the same
/// block then finds no storage and succeeds.
#[test]
fn create_into_storage_only_account_deleted_earlier_in_the_block_succeeds() {
    let stored = Target { nonce: 0, storage: true, balance: 0 };
    let (mut chain, genesis) =
        memory_chain(stored, Target { nonce: 0, storage: false, balance: 0 });
    let s = signer();
    let fees = |b: Eip1559Builder| b.fees(20_000_000_000, 1_000_000_000);
    let touch = fees(Eip1559Builder::new(CHAIN_ID, 0, create2_target()).gas_limit(50_000));
    let create2 =
        fees(Eip1559Builder::new(CHAIN_ID, 1, factory()).input(hex(INIT)).gas_limit(300_000));
    let mut block = draft(&genesis);
    block.body.transactions = vec![touch.sign(&s).unwrap(), create2.sign(&s).unwrap()];
    let (block, witness, requests) = chain.produce(block, &shanghai(), CHAIN_ID).unwrap();
    let acc = read_account(&chain, block.header.state_root, create2_target()).unwrap();
    assert_eq!((acc.nonce, acc.code_hash), (1, keccak256([0u8])), "deployed after the deletion");
    assert_eq!(acc.storage_root, alloy_trie::EMPTY_ROOT_HASH, "the old storage went with it");
    let input = MemoryChain::stateless_input(&block, witness, &requests, CHAIN_ID).unwrap();
    verify_stateless_new_payload(&input, &shanghai()).expect("stateless verification");
}

/// Init code that reads `bystander`'s balance (`BALANCE`), then deploys `0x00`.
fn balance_init(bystander: Address) -> Bytes {
    hex(&format!("73{}315060015ff3", alloy_primitives::hex::encode(bystander)))
}

/// An account that only [`balance_init`] reads, and whose account-trie leaf nothing else
/// needs: the first nibble of its key differs from those of every other account the
/// block's state holds or writes (the root branch keeps only its hash).
fn bystander() -> Address {
    let nibble = |a: Address| keccak256(a)[0] >> 4;
    (1..=u8::MAX)
        .map(Address::repeat_byte)
        .find(|b| {
            let target = factory().create2(B256::ZERO, keccak256(balance_init(*b)));
            let others = [
                signer().address(),
                factory(),
                create2_target(),
                create_tx_target(),
                Address::repeat_byte(0xc0),
                target,
            ];
            others.iter().all(|o| nibble(*o) != nibble(*b))
        })
        .expect("some byte gives a free nibble")
}

/// The guard runs only once the block has read an account with nonce 0, no code and
/// storage. Here an earlier transaction reads it (a 1 wei transfer, which leaves it such an
/// account); the `CREATE2` into it in the next transaction finds it in the block's cache,
/// not in the pre-state, and must still collide.
#[test]
fn create_into_storage_only_account_read_by_an_earlier_transaction_collides() {
    let stored = Target { nonce: 0, storage: true, balance: 0 };
    let (mut chain, genesis) =
        memory_chain(stored, Target { nonce: 0, storage: false, balance: 0 });
    let s = signer();
    let fees = |b: Eip1559Builder| b.fees(20_000_000_000, 1_000_000_000);
    let pay = fees(Eip1559Builder::new(CHAIN_ID, 0, create2_target()).value(U256::from(1)))
        .gas_limit(50_000);
    let create2 =
        fees(Eip1559Builder::new(CHAIN_ID, 1, factory()).input(hex(INIT)).gas_limit(300_000));
    let mut block = draft(&genesis);
    block.body.transactions = vec![pay.sign(&s).unwrap(), create2.sign(&s).unwrap()];
    let (block, witness, requests) = chain.produce(block, &shanghai(), CHAIN_ID).unwrap();
    let post = block.header.state_root;
    let acc = read_account(&chain, post, create2_target()).unwrap();
    assert_eq!((acc.nonce, acc.code_hash), (0, KECCAK256_EMPTY), "no contract at the target");
    assert_eq!(acc.balance, U256::from(1), "the transfer landed");
    assert_ne!(acc.storage_root, alloy_trie::EMPTY_ROOT_HASH, "the target keeps its storage");
    let factory = read_account(&chain, post, factory()).unwrap();
    assert_eq!(factory.storage_root, alloy_trie::EMPTY_ROOT_HASH, "CREATE2 pushed 0");
    let input = MemoryChain::stateless_input(&block, witness, &requests, CHAIN_ID).unwrap();
    verify_stateless_new_payload(&input, &shanghai()).expect("stateless verification");
}

/// A transaction that reads the block's first storage-only account runs once without the
/// guard (discarded) and again with it. The discarded run executes the init code of a
/// creation that collides, which may read state a minimal witness lacks (here another
/// account's leaf); that read must not fail the block.
#[test]
fn colliding_creation_whose_init_code_reads_state_the_witness_lacks() {
    let bystander = bystander();
    let init = balance_init(bystander);
    let target = factory().create2(B256::ZERO, keccak256(&init));
    let stored = Target { nonce: 0, storage: true, balance: 0 };
    let empty = Target { nonce: 0, storage: false, balance: 0 };
    let bystander_account =
        GenesisAccount { balance: U256::from(0x7610_7610_7610u64), ..Default::default() };
    let extra = BTreeMap::from([(target, target_account(stored)), (bystander, bystander_account)]);
    let (mut chain, genesis) = memory_chain_with(empty, empty, extra);
    let leaf = read_account(&chain, genesis.state_root, bystander).unwrap();
    let leaf = alloy_rlp::encode(leaf);

    let s = signer();
    let fees = |b: Eip1559Builder| b.fees(20_000_000_000, 1_000_000_000);
    let create2 = fees(Eip1559Builder::new(CHAIN_ID, 0, factory()).input(init).gas_limit(300_000));
    let mut block = draft(&genesis);
    block.body.transactions = vec![create2.sign(&s).unwrap()];
    let (block, mut witness, requests) = chain.produce(block, &shanghai(), CHAIN_ID).unwrap();
    let acc = read_account(&chain, block.header.state_root, target).unwrap();
    assert_eq!((acc.nonce, acc.code_hash), (0, KECCAK256_EMPTY), "the creation collided");
    let factory = read_account(&chain, block.header.state_root, factory()).unwrap();
    assert_eq!(factory.storage_root, alloy_trie::EMPTY_ROOT_HASH, "CREATE2 pushed 0");
    // A minimal witness: without the bystander's leaf, which only the discarded run read.
    let before = witness.state.len();
    witness.state.retain(|node| !node.windows(leaf.len()).any(|w| w == leaf.as_slice()));
    assert_eq!(witness.state.len(), before - 1, "the discarded run read the bystander");
    let input = MemoryChain::stateless_input(&block, witness, &requests, CHAIN_ID).unwrap();
    verify_stateless_new_payload(&input, &shanghai()).expect("stateless verification");
}
