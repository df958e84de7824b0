//! `nr_rollup::deploy::deploy_optimistic` deploys an `OptimisticRollup` bound to the L2
//! genesis, with the dispute parameters given, the genesis backing, and the bridge.

use alloy_primitives::{Address, U256};
use alloy_provider::{Provider, ProviderBuilder};
use alloy_rpc_types_eth::TransactionRequest;
use alloy_sol_types::SolCall;
use nr_contracts::{L1TokenBridge, OptimisticRollup};
use nr_node::l1::{L1Config, L1Node};
use nr_rollup::deploy::{DeployParams, OptimisticParams};
use std::net::SocketAddr;

async fn view<C: SolCall>(p: &impl Provider, to: Address, call: C) -> C::Return {
    let tx = TransactionRequest::default().to(to).input(call.abi_encode().into());
    let out = p.call(tx).await.expect("view call");
    C::abi_decode_returns(&out).expect("view decodes")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deploy_optimistic_binds_genesis_and_dispute_parameters() {
    let dir = tempfile::tempdir().unwrap();
    let any: SocketAddr = "127.0.0.1:0".parse().unwrap();
    let l1_cfg =
        L1Config { datadir: dir.path().join("l1"), http: any, block_time: 1, ..Default::default() };
    let l1 = L1Node::start(&l1_cfg).await.expect("L1 starts");
    let keys = l1.signers.clone();
    let eth = U256::from(10u64).pow(U256::from(18));
    let params = DeployParams {
        l2_chain_id: 8079,
        l2_gas_limit: 10_000_000,
        sequencer: Some(keys[1].address()),
        sequencer_timeout: 60,
        max_timestamp_lag: 3_600,
        forced_delay: 8,
        funded: vec![(keys[3].address(), eth)],
    };
    let opt = OptimisticParams {
        challenge_window: 600,
        response_window: 300,
        proposer_bond: eth,
        challenger_bond: eth / U256::from(4),
    };
    let d = nr_rollup::deploy::deploy_optimistic(&l1.url(), keys[0].clone(), &params, &opt)
        .await
        .expect("deploy_optimistic");
    let p = ProviderBuilder::new().connect_http(l1.url().parse().unwrap());
    let r = d.rollup;
    assert_eq!(view(&p, r, OptimisticRollup::proposerCall {}).await, keys[1].address());
    assert_eq!(view(&p, r, OptimisticRollup::challengeWindowCall {}).await, U256::from(600));
    assert_eq!(view(&p, r, OptimisticRollup::responseWindowCall {}).await, U256::from(300));
    assert_eq!(view(&p, r, OptimisticRollup::proposerBondCall {}).await, eth);
    assert_eq!(view(&p, r, OptimisticRollup::challengerBondCall {}).await, eth / U256::from(4));
    assert_eq!(view(&p, r, OptimisticRollup::chainIdCall {}).await, 8079);
    assert_eq!(view(&p, r, OptimisticRollup::gasLimitCall {}).await, 10_000_000);
    assert_eq!(view(&p, r, OptimisticRollup::genesisBackingCall {}).await, eth);
    assert_eq!(view(&p, r, OptimisticRollup::pendingNumberCall {}).await, 0);
    let genesis = {
        let mut mem = nr_stateless::memory::MemoryChain::default();
        let root = mem.insert_alloc(d.l2.alloc().iter()).unwrap();
        d.l2.genesis_header(root)
    };
    assert_eq!(view(&p, r, OptimisticRollup::headHashCall {}).await, genesis.hash_slow());
    assert_eq!(p.get_balance(r).await.unwrap(), eth, "the genesis backing is locked");
    assert_eq!(view(&p, d.l1_bridge, L1TokenBridge::rollupCall {}).await, r);
}
