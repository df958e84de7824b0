//! Writes the inputs for the execution-specs v0.8 vectors: the structured fields of a
//! Cancun, a Prague and an Osaka L2-style block (a contract that stores and reads
//! `BLOCKHASH(number - 2)`, so each witness has trie nodes, a code and two headers), and
//! two decodable but invalid variants of the Osaka block.
//!
//! ```sh
//! cargo run -p nr-conformance --example spec_v08_inputs -- /tmp/spec-v08-inputs.json
//! ```
//! Then run `scripts/spec-vectors/stateless_input_vectors.py` on the file (see
//! `crates/conformance/tests/fixtures/spec-v08/SOURCE.md`). Output is deterministic:
//! fixed keys, fixed timestamps, RFC 6979 signatures.

use alloy_consensus::{
    Block, BlockBody, EMPTY_OMMER_ROOT_HASH, Header, SignableTransaction, TxEip1559, TxEnvelope,
};
use alloy_eips::{eip1559::BaseFeeParams, eip4895::Withdrawal, eip7685::Requests};
use alloy_primitives::{Address, B256, Bytes, FixedBytes, TxKind, U256, hex};
use alloy_signer::SignerSync;
use alloy_signer_local::PrivateKeySigner;
use nr_conformance::spec_vectors::InputCase;
use nr_stateless::{
    Fork, ForkSchedule,
    memory::{GenesisAccount, MemoryChain},
    ssz::{ExecutionWitness, StatelessInput},
};
use std::collections::BTreeMap;

/// L2 chain id of the generated blocks.
const CHAIN_ID: u64 = 8079;
/// Runtime: `sstore(calldata[0], calldata[32]); sstore(0xff, blockhash(number - 2))`.
const RUNTIME: &str = "60203560003555600243034060ff5500";

type Error = Box<dyn std::error::Error>;

fn sign(
    s: &PrivateKeySigner,
    nonce: u64,
    to: TxKind,
    value: U256,
    input: Bytes,
) -> Result<TxEnvelope, Error> {
    let tx = TxEip1559 {
        chain_id: CHAIN_ID,
        nonce,
        gas_limit: 200_000,
        max_fee_per_gas: 20_000_000_000,
        max_priority_fee_per_gas: 1_000_000_000,
        to,
        value,
        input,
        access_list: Default::default(),
    };
    let sig = s.sign_hash_sync(&tx.signature_hash())?;
    Ok(tx.into_signed(sig).into())
}

fn call_set(
    s: &PrivateKeySigner,
    nonce: u64,
    contract: Address,
    slot: u64,
    value: u64,
) -> Result<TxEnvelope, Error> {
    let mut data = U256::from(slot).to_be_bytes::<32>().to_vec();
    data.extend_from_slice(&U256::from(value).to_be_bytes::<32>());
    sign(s, nonce, TxKind::Call(contract), U256::ZERO, data.into())
}

fn child(parent: &Header, txs: Vec<TxEnvelope>, fork: Fork) -> Block<TxEnvelope> {
    let cancun = fork >= Fork::Cancun;
    Block {
        header: Header {
            parent_hash: parent.hash_slow(),
            ommers_hash: EMPTY_OMMER_ROOT_HASH,
            beneficiary: Address::repeat_byte(0xc0),
            number: parent.number + 1,
            gas_limit: parent.gas_limit,
            timestamp: parent.timestamp + 12,
            mix_hash: B256::repeat_byte(0x11),
            base_fee_per_gas: parent.next_block_base_fee(BaseFeeParams::ethereum()),
            excess_blob_gas: fork
                .blob_params()
                .map(|p| p.next_block_excess_blob_gas_osaka(0, 0, 0)),
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

/// The last of three blocks built from genesis under `fork`, with its witness and requests.
/// `extra` adds transactions (after the contract calls) and CL withdrawals to that block.
fn build(
    fork: Fork,
    extra: impl FnOnce(&PrivateKeySigner, u64) -> Result<(Vec<TxEnvelope>, Vec<Withdrawal>), Error>,
) -> Result<(Block<TxEnvelope>, ExecutionWitness, Requests), Error> {
    let schedule = ForkSchedule::from_genesis(fork);
    let s: PrivateKeySigner =
        "0x4c0883a69102937d6231471b5dbb6204fe512961708279f3f5f5e7b1f6d8d8d1".parse()?;
    let mut alloc = BTreeMap::new();
    alloc.insert(
        s.address(),
        GenesisAccount { balance: U256::from(10u128.pow(21)), ..Default::default() },
    );
    for (address, code) in nr_chain::spec::system_contracts() {
        alloc.insert(address, GenesisAccount { nonce: 1, code, ..Default::default() });
    }
    let mut chain = MemoryChain::default();
    let state_root = chain.insert_alloc(&alloc)?;
    let genesis = Header {
        ommers_hash: EMPTY_OMMER_ROOT_HASH,
        state_root,
        gas_limit: 30_000_000,
        base_fee_per_gas: Some(1_000_000_000),
        withdrawals_root: Some(alloy_consensus::EMPTY_ROOT_HASH),
        blob_gas_used: Some(0),
        excess_blob_gas: Some(0),
        parent_beacon_block_root: Some(B256::ZERO),
        requests_hash: (fork >= Fork::Prague).then_some(alloy_eips::eip7685::EMPTY_REQUESTS_HASH),
        ..Default::default()
    };
    chain.insert_header(genesis.clone());

    let runtime = hex::decode(RUNTIME)?;
    let mut initcode = hex::decode("601080600b6000396000f3")?;
    initcode[1] = runtime.len() as u8;
    initcode.extend_from_slice(&runtime);
    let contract = s.address().create(0);

    let b1 = vec![
        sign(&s, 0, TxKind::Create, U256::ZERO, initcode.into())?,
        sign(
            &s,
            1,
            TxKind::Call(Address::repeat_byte(0x42)),
            U256::from(10u64.pow(18)),
            Bytes::new(),
        )?,
    ];
    let (block1, _, _) = chain.produce(child(&genesis, b1, fork), &schedule, CHAIN_ID)?;
    let b2 =
        (0..4).map(|i| call_set(&s, 2 + i, contract, i, 1000 + i)).collect::<Result<_, _>>()?;
    let (block2, _, _) = chain.produce(child(&block1.header, b2, fork), &schedule, CHAIN_ID)?;
    let mut b3 = vec![
        call_set(&s, 6, contract, 3, 0)?,
        call_set(&s, 7, contract, 4, 9)?,
        sign(&s, 8, TxKind::Call(Address::repeat_byte(0x43)), U256::from(5u64), Bytes::new())?,
    ];
    let (more, withdrawals) = extra(&s, 9)?;
    b3.extend(more);
    let mut draft = child(&block2.header, b3, fork);
    draft.body.withdrawals = Some(withdrawals.into());
    Ok(chain.produce(draft, &schedule, CHAIN_ID)?)
}

fn fields(
    block: &Block<TxEnvelope>,
    witness: &ExecutionWitness,
    requests: &Requests,
) -> Result<StatelessInput, Error> {
    Ok(MemoryChain::stateless_input(block, witness.clone(), requests, CHAIN_ID)?)
}

fn case(name: &str, fork: Fork, kind: &str, description: &str, f: StatelessInput) -> InputCase {
    InputCase {
        name: name.into(),
        description: description.into(),
        fork: Some(format!("{fork:?}")),
        kind: kind.into(),
        fields: Some(f),
    }
}

fn main() -> Result<(), Error> {
    let none = |_: &PrivateKeySigner, _: u64| Ok((vec![], vec![]));
    let mut cases = Vec::new();

    let withdrawal = Withdrawal {
        index: 7,
        validator_index: 42,
        address: Address::repeat_byte(0x77),
        amount: 1_000_000_000,
    };
    let (b, w, r) = build(Fork::Cancun, |_, _| Ok((vec![], vec![withdrawal])))?;
    cases.push(case(
        "cancun",
        Fork::Cancun,
        "valid",
        "Cancun block 3: two calls to a contract that stores and reads BLOCKHASH(n-2) (two \
         witness headers, parent last), a transfer, one CL withdrawal",
        fields(&b, &w, &r)?,
    ));

    // An EIP-7002 withdrawal request: 48-byte validator key ++ 8-byte amount, fee 1 wei.
    let request = |s: &PrivateKeySigner, nonce| -> Result<_, Error> {
        let mut data = vec![0x99u8; 48];
        data.extend_from_slice(&5u64.to_be_bytes());
        let to = TxKind::Call(alloy_eips::eip7002::WITHDRAWAL_REQUEST_PREDEPLOY_ADDRESS);
        Ok((vec![sign(s, nonce, to, U256::from(1u64), data.into())?], vec![]))
    };
    let (b, w, r) = build(Fork::Prague, request)?;
    if r.is_empty() {
        return Err("the Prague block produced no EIP-7002 request".into());
    }
    cases.push(case(
        "prague",
        Fork::Prague,
        "valid",
        "Prague block 3: the Cancun block's calls plus an EIP-7002 withdrawal request (non-empty \
         execution_requests.withdrawals)",
        fields(&b, &w, &r)?,
    ));

    let (b, w, r) = build(Fork::Osaka, none)?;
    let osaka = fields(&b, &w, &r)?;
    cases.push(case(
        "osaka",
        Fork::Osaka,
        "valid",
        "Osaka block 3: the Cancun block's calls and transfer, no withdrawals or requests",
        osaka.clone(),
    ));

    let mut tampered = b.clone();
    tampered.header.state_root = B256::repeat_byte(0xee);
    cases.push(case(
        "osaka-bad-state-root",
        Fork::Osaka,
        "invalid",
        "the Osaka block with a wrong post-state root and its block hash recomputed: decodes, \
         fails validation",
        fields(&tampered, &w, &r)?,
    ));

    let mut bad_key = osaka;
    let mut key = [0u8; 65];
    key[0] = 4;
    bad_key.public_keys[0] = FixedBytes(key);
    cases.push(case(
        "osaka-bad-public-key",
        Fork::Osaka,
        "invalid",
        "the Osaka block with its first signer key replaced by 0x04 || 0^64 (as the spec's \
         test_stateless_input_invalid_public_key_is_rejected): decodes, fails validation",
        bad_key,
    ));

    let json = serde_json::to_string_pretty(&cases)?;
    match std::env::args().nth(1) {
        Some(path) => std::fs::write(path, json + "\n")?,
        None => println!("{json}"),
    }
    Ok(())
}
