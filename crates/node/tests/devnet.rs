//! The Devnet as a library: started in-process, used through JSON-RPC like any client
//! would, shut down cleanly (ports and stores released), and resumed from its datadir.

mod common;

use alloy_primitives::{Address, B256, U256};
use alloy_provider::{Provider, ProviderBuilder};
use common::{settled, wait_until};
use nr_chain::Eip1559Builder;
use nr_node::{
    NodeError,
    devnet::{Devnet, DevnetConfig},
    l1::L1Node,
};
use std::{
    net::{SocketAddr, TcpStream},
    time::Duration,
};

fn closed(addr: SocketAddr) -> Result<(), String> {
    match TcpStream::connect_timeout(&addr, Duration::from_secs(1)) {
        Ok(_) => Err(format!("{addr} still accepts connections")),
        Err(_) => Ok(()),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn devnet_settles_shuts_down_and_resumes_from_its_datadir() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = DevnetConfig {
        datadir: dir.path().to_path_buf(),
        l1_http: "127.0.0.1:0".parse().unwrap(),
        l2_http: "127.0.0.1:0".parse().unwrap(),
        l1_block_time: 1,
        l2_block_time: 1,
        ..Default::default()
    };
    let devnet = Devnet::start(&cfg).await.expect("devnet starts");
    let l2 = ProviderBuilder::new().connect_http(devnet.l2_url().parse().unwrap());
    let to = Address::repeat_byte(0x42);
    let value = U256::from(123_456u64);
    let sender = &devnet.accounts[3];
    let chain_id = l2.get_chain_id().await.expect("eth_chainId");
    assert_eq!(chain_id, cfg.l2_chain_id);
    let raw = alloy_eips::Encodable2718::encoded_2718(
        &Eip1559Builder::new(chain_id, 0, to).value(value).sign(sender).expect("sign"),
    );
    let hash: B256 =
        *l2.send_raw_transaction(&raw).await.expect("L2 accepts the transfer").tx_hash();
    let block = wait_until("the L2 transfer mined", Duration::from_secs(60), || async {
        match l2.get_transaction_receipt(hash).await {
            Ok(Some(r)) => r.block_number.ok_or_else(|| "receipt without block".to_string()),
            Ok(None) => Err("no receipt yet".into()),
            Err(e) => Err(e.to_string()),
        }
    })
    .await;
    wait_until("the transfer's L2 block settled on L1", Duration::from_secs(120), || async {
        let s = settled(&l2).await?;
        if s >= block { Ok(()) } else { Err(format!("settled {s}, want {block}")) }
    })
    .await;

    let (l1_addr, l2_addr, rollup) = (devnet.l1.addr, devnet.l2.rpc, devnet.deployment.rollup);
    devnet.shutdown().await;
    closed(l1_addr).expect("L1 port closed when shutdown returns");
    closed(l2_addr).expect("L2 port closed when shutdown returns");

    // Same datadir: the stores must have been released, the deployment is reused and the
    // L2 chain resumes where it stopped.
    let again = Devnet::start(&cfg).await.expect("devnet restarts on its datadir");
    assert_eq!(again.deployment.rollup, rollup, "deployment reused, not redeployed");
    let l2 = ProviderBuilder::new().connect_http(again.l2_url().parse().unwrap());
    assert!(l2.get_block_number().await.unwrap() >= block, "L2 head kept across restart");
    assert_eq!(l2.get_balance(to).await.unwrap(), value, "transfer kept across restart");
    wait_until(
        "the restarted node sees its settled head on L1",
        Duration::from_secs(60),
        || async {
            let s = settled(&l2).await?;
            if s >= block { Ok(()) } else { Err(format!("settled {s}, want {block}")) }
        },
    )
    .await;
    again.shutdown().await;
}

/// A port nothing listens on (bound to :0, then released).
fn free_port() -> SocketAddr {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn failed_devnet_start_releases_the_started_l1_node() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = DevnetConfig {
        datadir: dir.path().to_path_buf(),
        l1_http: free_port(),
        l2_http: "127.0.0.1:0".parse().unwrap(),
        l1_block_time: 1,
        ..Default::default()
    };
    std::fs::write(dir.path().join("deployment.json"), "not json").unwrap();
    let err = Devnet::start(&cfg).await.expect_err("an unreadable deployment.json fails");
    assert!(
        matches!(&err, NodeError::Rollup(e) if matches!(**e, nr_rollup::RollupError::ParseDeployment { .. })),
        "{err:?}"
    );
    closed(cfg.l1_http).expect("L1 port of the failed attempt closed");
    // The L1 store and port are free again: the same L1 starts on them.
    let l1 = L1Node::start(&cfg.l1_config()).await.expect("L1 restarts on the same datadir");
    assert_eq!(l1.addr, cfg.l1_http);
    l1.shutdown().await;
}
