//! A small L2 chain built in memory: a funded key, a storage contract, three blocks.
#![allow(dead_code)] // shared by several test binaries, each using a part

use alloy_consensus::{
    Block, BlockBody, EMPTY_OMMER_ROOT_HASH, Header, TxEnvelope, proofs::calculate_transaction_root,
};
use alloy_eips::{eip1559::BaseFeeParams, eip7685::Requests};
use alloy_primitives::{Address, B256, Bytes, TxKind, U256, b256};
use alloy_signer_local::PrivateKeySigner;
use nr_chain::Eip1559Builder;
use nr_stateless::{
    BlockError, Fork, ForkSchedule,
    memory::{GenesisAccount, MemoryChain},
    ssz::{ExecutionWitness, StatelessInput},
};
use std::collections::BTreeMap;

/// L2 chain id of the test chain.
pub const CHAIN_ID: u64 = 8079;
/// Runtime: `sstore(calldata[0], calldata[32]); sstore(0xff, blockhash(number - 2))`.
const RUNTIME: &str = "60203560003555600243034060ff5500";

/// A built chain and the block under test.
pub struct TestChain {
    /// Fork rules.
    pub schedule: ForkSchedule,
    /// The last block (the one the inputs verify).
    pub block: Block<TxEnvelope>,
    /// Its witness.
    pub witness: ExecutionWitness,
    /// Its requests.
    pub requests: Requests,
}

impl TestChain {
    /// The stateless input of the last block.
    pub fn input(&self) -> StatelessInput {
        self.input_with(|_| {})
    }

    /// The stateless input of the last block after `edit` changed it (the body roots and
    /// the block hash are recomputed, as a dishonest prover would).
    pub fn input_with(&self, edit: impl FnOnce(&mut Block<TxEnvelope>)) -> StatelessInput {
        let mut block = self.block.clone();
        edit(&mut block);
        block.header.transactions_root = calculate_transaction_root(&block.body.transactions);
        MemoryChain::stateless_input(&block, self.witness.clone(), &self.requests, CHAIN_ID)
            .expect("input builds")
    }
}

/// The funded test key.
pub fn signer() -> PrivateKeySigner {
    "0x4c0883a69102937d6231471b5dbb6204fe512961708279f3f5f5e7b1f6d8d8d1".parse().unwrap()
}

/// Signs an EIP-1559 transaction of the test chain.
pub fn sign(s: &PrivateKeySigner, nonce: u64, to: TxKind, value: U256, input: Bytes) -> TxEnvelope {
    Eip1559Builder::new(CHAIN_ID, nonce, to)
        .value(value)
        .input(input)
        .gas_limit(200_000)
        .fees(20_000_000_000, 1_000_000_000)
        .sign(s)
        .unwrap()
}

fn call_set(
    s: &PrivateKeySigner,
    nonce: u64,
    contract: Address,
    slot: u64,
    value: u64,
) -> TxEnvelope {
    let mut data = U256::from(slot).to_be_bytes::<32>().to_vec();
    data.extend_from_slice(&U256::from(value).to_be_bytes::<32>());
    sign(s, nonce, TxKind::Call(contract), U256::ZERO, data.into())
}

fn child(parent: &Header, txs: Vec<TxEnvelope>, fork: Fork) -> Block<TxEnvelope> {
    let cancun = fork >= Fork::Cancun;
    let params = fork.blob_params();
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
            excess_blob_gas: params.map(|p| p.next_block_excess_blob_gas_osaka(0, 0, 0)),
            parent_beacon_block_root: cancun.then_some(B256::repeat_byte(0xab)),
            ..Default::default()
        },
        body: BlockBody {
            transactions: txs,
            ommers: vec![],
            withdrawals: Some(Default::default()),
        },
    }
}

/// Builds genesis and three blocks under a Cancun-from-genesis schedule.
pub fn build() -> TestChain {
    build_with(ForkSchedule::from_genesis(Fork::Cancun))
}

/// Builds genesis (with the system contracts) and three blocks under `schedule`.
pub fn build_with(schedule: ForkSchedule) -> TestChain {
    try_build(schedule, true).expect("chain builds")
}

/// Builds genesis and three blocks; `system_contracts` puts the EIP-2935, EIP-7002 and
/// EIP-7251 contracts into genesis.
pub fn try_build(schedule: ForkSchedule, system_contracts: bool) -> Result<TestChain, BlockError> {
    let s = signer();
    let mut alloc = BTreeMap::new();
    let funded = GenesisAccount { balance: U256::from(10u128.pow(21)), ..Default::default() };
    alloc.insert(s.address(), funded);
    // Beacon roots always; EIP-2935, EIP-7002 and EIP-7251 when asked.
    for (address, code) in nr_chain::spec::system_contracts() {
        if system_contracts || address == alloy_eips::eip4788::BEACON_ROOTS_ADDRESS {
            alloc.insert(address, GenesisAccount { nonce: 1, code, ..Default::default() });
        }
    }
    let mut chain = MemoryChain::default();
    let state_root = chain.insert_alloc(&alloc).unwrap();
    let fork = schedule.fork_at(0);
    let cancun = fork >= Fork::Cancun;
    let genesis = Header {
        ommers_hash: EMPTY_OMMER_ROOT_HASH,
        state_root,
        gas_limit: 30_000_000,
        base_fee_per_gas: Some(1_000_000_000),
        withdrawals_root: Some(alloy_consensus::EMPTY_ROOT_HASH),
        blob_gas_used: cancun.then_some(0),
        excess_blob_gas: cancun.then_some(0),
        parent_beacon_block_root: cancun.then_some(B256::ZERO),
        requests_hash: (fork >= Fork::Prague).then_some(alloy_eips::eip7685::EMPTY_REQUESTS_HASH),
        ..Default::default()
    };
    chain.insert_header(genesis.clone());

    let runtime = alloy_primitives::hex::decode(RUNTIME).unwrap();
    let mut initcode = alloy_primitives::hex::decode("601080600b6000396000f3").unwrap();
    initcode[1] = runtime.len() as u8;
    initcode.extend_from_slice(&runtime);
    let contract = s.address().create(0);

    let produce = |chain: &mut MemoryChain, parent: &Header, txs| {
        let f = schedule.fork_at(parent.timestamp + 12);
        chain.produce(child(parent, txs, f), &schedule, CHAIN_ID)
    };
    let b1 = vec![
        sign(&s, 0, TxKind::Create, U256::ZERO, initcode.into()),
        sign(
            &s,
            1,
            TxKind::Call(Address::repeat_byte(0x42)),
            U256::from(10u64.pow(18)),
            Bytes::new(),
        ),
    ];
    let (block1, _, _) = produce(&mut chain, &genesis, b1)?;
    let b2 = (0..20).map(|i| call_set(&s, 2 + i, contract, i, 1000 + i)).collect();
    let (block2, _, _) = produce(&mut chain, &block1.header, b2)?;
    let b3 = vec![
        call_set(&s, 22, contract, 3, 0),
        call_set(&s, 23, contract, 4, 9),
        sign(&s, 24, TxKind::Call(Address::repeat_byte(0x43)), U256::from(5u64), Bytes::new()),
    ];
    let (block, witness, requests) = produce(&mut chain, &block2.header, b3)?;
    Ok(TestChain { schedule, block, witness, requests })
}
