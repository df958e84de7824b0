//! A chain for the tracing tests: contract A calls contract B, which writes storage and
//! reverts with `Error("nope")`; A catches the failure, writes its own storage and emits
//! a log. Hand-assembled bytecode, so the expected opcodes are known one by one.
#![allow(dead_code)] // each test binary uses a part

use alloy_primitives::{Address, B256, Bytes, TxKind, U256};
use alloy_signer_local::PrivateKeySigner;
use alloy_sol_types::{Revert, SolError};
use jsonrpsee::{
    core::{client::ClientT, params::ArrayParams},
    http_client::{HttpClient, HttpClientBuilder},
};
use nr_chain::{Chain, Eip1559Builder, spec::ChainSpec};
use nr_stateless::fork::ForkSchedule;
use serde_json::Value;
use std::sync::Arc;

/// Chain id of the tracing chain.
pub const CHAIN_ID: u64 = 31337;
/// The topic of A's log.
pub const TOPIC: u8 = 0xaa;

/// The funded key.
pub fn key() -> PrivateKeySigner {
    PrivateKeySigner::from_bytes(&B256::repeat_byte(0x42)).unwrap()
}

/// A Prague chain in `dir` whose only funded account is [`key`]'s.
pub fn chain(dir: &std::path::Path) -> Arc<Chain> {
    let schedule = ForkSchedule {
        cancun_time: Some(0),
        prague_time: Some(0),
        osaka_time: None,
        ..Default::default()
    };
    let eth = U256::from(10).pow(U256::from(18));
    let spec = ChainSpec::dev(CHAIN_ID, schedule, 0, &[key().address()], eth * U256::from(1000));
    let chain =
        Chain::open(&dir.join("chain.redb"), spec, Arc::new(nr_stateless::evm::PlainEthereum))
            .expect("chain opens");
    Arc::new(chain)
}

/// Init code that deploys `runtime`.
pub fn deploy(runtime: &[u8]) -> Vec<u8> {
    let len = u16::try_from(runtime.len()).unwrap().to_be_bytes();
    // PUSH2 len, DUP1, PUSH1 12, PUSH1 0, CODECOPY, PUSH1 0, RETURN; runtime follows.
    let mut code = vec![0x61, len[0], len[1], 0x80, 0x60, 12, 0x60, 0, 0x39, 0x60, 0, 0xf3];
    code.extend_from_slice(runtime);
    code
}

/// The revert data of B: `Error("nope")`.
pub fn revert_data() -> Vec<u8> {
    Revert::from("nope").abi_encode()
}

/// B: `SSTORE(0, 1)`, then reverts with [`revert_data`].
pub fn reverter() -> Vec<u8> {
    let data = revert_data();
    let n = u8::try_from(data.len()).unwrap();
    // PUSH1 1, PUSH1 0, SSTORE; PUSH1 n, PUSH1 17, PUSH1 0, CODECOPY; PUSH1 n, PUSH1 0, REVERT
    let mut code = vec![0x60, 1, 0x60, 0, 0x55, 0x60, n, 0x60, 17, 0x60, 0, 0x39];
    code.extend_from_slice(&[0x60, n, 0x60, 0, 0xfd]);
    code.extend_from_slice(&data);
    code
}

/// A: `SSTORE(1, 42)`, `CALL(gas, b)` (fails), `MSTORE(0, success)`,
/// `LOG1(0, 32, TOPIC)`, `STOP`.
pub fn caller(b: Address) -> Vec<u8> {
    let mut code = vec![0x60, 42, 0x60, 1, 0x55];
    code.extend_from_slice(&[0x60, 0, 0x60, 0, 0x60, 0, 0x60, 0, 0x60, 0, 0x73]);
    code.extend_from_slice(b.as_slice());
    code.extend_from_slice(&[0x5a, 0xf1, 0x60, 0, 0x52, 0x60, TOPIC, 0x60, 32, 0x60, 0, 0xa1, 0]);
    code
}

/// The opcodes the call of A runs, in order, with their depth.
pub const A_OPS: &[(&str, u64)] = &[
    ("PUSH1", 1),
    ("PUSH1", 1),
    ("SSTORE", 1),
    ("PUSH1", 1),
    ("PUSH1", 1),
    ("PUSH1", 1),
    ("PUSH1", 1),
    ("PUSH1", 1),
    ("PUSH20", 1),
    ("GAS", 1),
    ("CALL", 1),
    ("PUSH1", 2),
    ("PUSH1", 2),
    ("SSTORE", 2),
    ("PUSH1", 2),
    ("PUSH1", 2),
    ("PUSH1", 2),
    ("CODECOPY", 2),
    ("PUSH1", 2),
    ("PUSH1", 2),
    ("REVERT", 2),
    ("PUSH1", 1),
    ("MSTORE", 1),
    ("PUSH1", 1),
    ("PUSH1", 1),
    ("PUSH1", 1),
    ("LOG1", 1),
    ("STOP", 1),
];

/// A signed transaction of [`key`] with `nonce` to `to` carrying `input`.
pub fn tx(nonce: u64, to: TxKind, input: Vec<u8>) -> alloy_consensus::TxEnvelope {
    Eip1559Builder::new(CHAIN_ID, nonce, to)
        .input(Bytes::from(input))
        .gas_limit(1_000_000)
        .fees(100_000_000_000, 1_000_000_000)
        .sign(&key())
        .unwrap()
}

/// Adds `txs` to the pool and mines them in one block; returns the block's hash.
pub fn mine(chain: &Chain, txs: Vec<alloy_consensus::TxEnvelope>) -> B256 {
    let n = txs.len();
    for t in txs {
        chain.add_transaction(t).expect("tx accepted");
    }
    let head = chain.head();
    let p = chain.produce_block(head.timestamp + 12).unwrap();
    assert_eq!(p.block.body.transactions.len(), n, "all mined: {:?}", p.skipped);
    p.block.header.hash_slow()
}

/// The chain with A and B deployed (block 1) and two calls of A (block 2).
pub struct Traced {
    /// The chain.
    pub chain: Arc<Chain>,
    /// Contract A (the caller).
    pub a: Address,
    /// Contract B (the reverter).
    pub b: Address,
    /// The two calls of A, in block order.
    pub calls: [B256; 2],
    /// The hash of block 2.
    pub block: B256,
}

/// Builds [`Traced`] in `dir`.
pub fn traced(dir: &std::path::Path) -> Traced {
    let chain = chain(dir);
    let me = key().address();
    let (b, a) = (me.create(0), me.create(1));
    mine(
        &chain,
        vec![tx(0, TxKind::Create, deploy(&reverter())), tx(1, TxKind::Create, deploy(&caller(b)))],
    );
    let calls = [tx(2, TxKind::Call(a), vec![]), tx(3, TxKind::Call(a), vec![])];
    let hashes = [*calls[0].tx_hash(), *calls[1].tx_hash()];
    let block = mine(&chain, calls.to_vec());
    Traced { chain, a, b, calls: hashes, block }
}

/// An HTTP client of the server at `addr`.
pub fn client(addr: std::net::SocketAddr) -> HttpClient {
    HttpClientBuilder::default()
        .max_response_size(256 * 1024 * 1024)
        .request_timeout(std::time::Duration::from_secs(60))
        .build(format!("http://{addr}"))
        .unwrap()
}

/// Calls `method` with `params`; an error is its code and message.
pub async fn rpc(
    client: &HttpClient,
    method: &str,
    params: Vec<Value>,
) -> Result<Value, (i32, String)> {
    let mut p = ArrayParams::new();
    for v in params {
        p.insert(v).unwrap();
    }
    client.request::<Value, _>(method, p).await.map_err(|e| match e {
        jsonrpsee::core::ClientError::Call(o) => (o.code(), o.message().to_string()),
        other => (0, other.to_string()),
    })
}

/// `v` as an address.
pub fn addr(v: &Value) -> Address {
    serde_json::from_value(v.clone()).unwrap_or_else(|e| panic!("{e}: {v}"))
}

/// `v` as a quantity.
pub fn num(v: &Value) -> U256 {
    serde_json::from_value(v.clone()).unwrap_or_else(|e| panic!("{e}: {v}"))
}
