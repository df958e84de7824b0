//! What the server tests share: a development chain and a raw HTTP POST.
#![allow(dead_code)] // each test binary uses a part

use alloy_primitives::{Address, B256, U256};
use alloy_signer_local::PrivateKeySigner;
use nr_chain::{Chain, spec::ChainSpec};
use nr_stateless::fork::ForkSchedule;
use std::{net::SocketAddr, sync::Arc, time::Duration};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Chain id of [`dev_chain`].
pub const CHAIN_ID: u64 = 31337;

/// A Prague chain in `dir` with one funded account.
pub fn dev_chain(dir: &std::path::Path) -> Arc<Chain> {
    chain_funding(dir, &[Address::repeat_byte(1)], U256::from(1))
}

/// The key of the account [`funded_chain`] funds.
pub fn key() -> PrivateKeySigner {
    PrivateKeySigner::from_bytes(&B256::repeat_byte(0x42)).unwrap()
}

/// A Prague chain in `dir` where each of `funded` holds 1,000 ether.
pub fn funded_chain(dir: &std::path::Path, funded: &[Address]) -> Arc<Chain> {
    let eth = U256::from(10).pow(U256::from(18));
    chain_funding(dir, funded, eth * U256::from(1000))
}

/// A Prague chain in `dir` where each of `funded` holds `balance` wei.
fn chain_funding(dir: &std::path::Path, funded: &[Address], balance: U256) -> Arc<Chain> {
    let schedule = ForkSchedule {
        cancun_time: Some(0),
        prague_time: Some(0),
        osaka_time: None,
        ..Default::default()
    };
    let spec = ChainSpec::dev(CHAIN_ID, schedule, 0, funded, balance);
    let chain =
        Chain::open(&dir.join("chain.redb"), spec, Arc::new(nr_stateless::evm::PlainEthereum))
            .expect("chain opens");
    Arc::new(chain)
}

/// POSTs `body` (declaring `declared` bytes if given, sending only the headers then) and
/// returns the HTTP status and the raw response body, failing after `timeout`.
pub async fn post_raw(
    addr: SocketAddr,
    body: &str,
    declared: Option<usize>,
    timeout: Duration,
) -> (u16, String) {
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    let len = declared.unwrap_or(body.len());
    let body = if declared.is_some() { "" } else { body };
    let req = format!(
        "POST / HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\n\
         Content-Length: {len}\r\nConnection: close\r\n\r\n{body}"
    );
    s.write_all(req.as_bytes()).await.unwrap();
    let mut out = vec![];
    tokio::time::timeout(timeout, s.read_to_end(&mut out))
        .await
        .unwrap_or_else(|_| panic!("no answer within {timeout:?}"))
        .unwrap();
    let text = String::from_utf8(out).unwrap();
    let (head, body) = text.split_once("\r\n\r\n").expect("an HTTP response");
    (head.split(' ').nth(1).unwrap().parse().unwrap(), body.to_string())
}

/// GETs `path` and returns the HTTP status and the body, failing after `timeout`.
pub async fn get_raw(addr: SocketAddr, path: &str, timeout: Duration) -> (u16, String) {
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    let req = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    s.write_all(req.as_bytes()).await.unwrap();
    let mut out = vec![];
    tokio::time::timeout(timeout, s.read_to_end(&mut out))
        .await
        .unwrap_or_else(|_| panic!("GET {path}: no answer within {timeout:?}"))
        .unwrap();
    let text = String::from_utf8(out).unwrap();
    let (head, body) = text.split_once("\r\n\r\n").expect("an HTTP response");
    (head.split(' ').nth(1).unwrap().parse().unwrap(), body.to_string())
}
