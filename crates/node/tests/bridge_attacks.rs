//! Attacks on the bridge of a running Devnet, through JSON-RPC as any user would make
//! them: messages that stall the relayer, and unbacked genesis ETH draining the escrow.

mod common;

use alloy_primitives::{Address, Bytes, U256};
use alloy_provider::Provider;
use common::wait_until;
use nr_node::devnet::{Devnet, DevnetConfig};
use nr_rollup::bridge::BridgeClient;
use std::time::Duration;

fn eth(milli: u64) -> U256 {
    U256::from(milli) * U256::from(1_000_000_000_000_000u64)
}

async fn devnet() -> (Devnet, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let cfg = DevnetConfig {
        datadir: dir.path().to_path_buf(),
        l1_http: "127.0.0.1:0".parse().unwrap(),
        l2_http: "127.0.0.1:0".parse().unwrap(),
        l1_block_time: 1,
        l2_block_time: 1,
        ..Default::default()
    };
    (Devnet::start(&cfg).await.expect("devnet starts"), dir)
}

async fn client(d: &Devnet, account: usize) -> BridgeClient {
    BridgeClient::connect(d.l1_url(), &d.l2_url(), d.accounts[account].clone())
        .await
        .expect("bridge client connects")
}

/// Sends the `hostile` L1->L2 messages (gas limits), then an ordinary deposit, which must
/// arrive on L2; returns what L1 answered to each hostile message.
async fn hostile_messages_then_deposit(hostile: &[U256]) -> Vec<String> {
    let (d, _dir) = devnet().await;
    let attacker = client(&d, 3).await;
    let mut answers = vec![];
    for gas_limit in hostile {
        let r = attacker
            .send_message(attacker.from, eth(10), U256::ZERO, *gas_limit, Bytes::new())
            .await;
        println!(
            "sendMessage with gas limit {gas_limit}: {:?}",
            r.as_ref().map(|r| (r.block_number, r.status()))
        );
        answers.push(match r {
            Ok(r) => format!("accepted in L1 block {:?}", r.block_number),
            Err(e) => format!("refused: {e}"),
        });
    }
    let user = client(&d, 4).await;
    let to = Address::repeat_byte(0x77);
    user.deposit_eth(to, eth(1000), eth(1)).await.expect("an ordinary deposit is sent");
    wait_until(
        "an ordinary deposit sent after the hostile messages arrives on L2",
        Duration::from_secs(60),
        || async {
            let b = user.l2().get_balance(to).await.map_err(|e| e.to_string())?;
            if b == eth(1000) { Ok(()) } else { Err(format!("recipient holds {b} wei on L2")) }
        },
    )
    .await;
    d.shutdown().await;
    answers
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn relayer_stall_by_oversized_gas_limit() {
    // 50M gas: more than the L2 block holds, so no L2 transaction can deliver it.
    let answers = hostile_messages_then_deposit(&[U256::from(50_000_000u64)]).await;
    assert!(answers[0].contains("GasLimitTooHigh"), "L1 must refuse it by name: {answers:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn relayer_stall_by_overflowing_gas_limit() {
    // gas_limit + gas_limit / 63 overflows u64 (and U256 does not fit u64 at all).
    let answers = hostile_messages_then_deposit(&[U256::from(u64::MAX), U256::MAX]).await;
    for a in &answers {
        assert!(a.contains("GasLimitTooHigh"), "L1 must refuse it by name: {answers:?}");
    }
}

/// Genesis L2 ETH that nothing locked on L1 can be withdrawn: it takes real users'
/// deposits out of the escrow. Every L2 ETH must be backed: after any sequence of
/// deposits and withdrawals, the escrow holds at least the L2 ETH the accounts hold.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn unbacked_genesis_eth_drains_real_deposits() {
    let (d, _dir) = devnet().await;
    let user = client(&d, 3).await;
    let escrow = |c: &BridgeClient| {
        let (l1, rollup) = (c.l1().clone(), c.rollup);
        async move { l1.get_balance(rollup).await.expect("escrow balance") }
    };
    let before = escrow(&user).await;
    // A real user deposits 1.5 ETH (+ 0.002 ETH relayer fee).
    user.deposit_eth(user.from, eth(1500), eth(2)).await.expect("deposit");
    let deposited = escrow(&user).await - before;
    assert_eq!(deposited, eth(1502));
    let l2_start = user.l2().get_balance(user.from).await.unwrap();
    wait_until("the real deposit arrives on L2", Duration::from_secs(60), || async {
        let b = user.l2().get_balance(user.from).await.map_err(|e| e.to_string())?;
        if b > l2_start { Ok(()) } else { Err(format!("{b} wei on L2")) }
    })
    .await;
    // A development key that never deposited withdraws as much and claims it on L1.
    let dev = client(&d, 5).await;
    let w = dev.withdraw_eth(dev.from, deposited).await.expect("withdrawal on L2");
    let c = dev.claim(w.transaction_hash, Duration::from_secs(120)).await;
    println!("claim of the dev key's withdrawal: {:?}", c.as_ref().map(|r| r.transaction_hash));
    let left = escrow(&user).await;
    let mut held = U256::ZERO;
    for k in &d.accounts {
        held += user.l2().get_balance(k.address()).await.unwrap();
    }
    d.shutdown().await;
    assert!(
        left >= held,
        "L2 ETH unbacked: the escrow holds {left} wei while the accounts hold {held} wei on L2 \
         (escrow before the attack {before}, real deposits {deposited})"
    );
}

/// `nr bridge claim` of a message already claimed names the contract's error
/// (`AlreadyClaimed`) instead of printing a raw selector.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn second_claim_names_already_claimed() {
    let (d, _dir) = devnet().await;
    let user = client(&d, 6).await;
    let l2_start = user.l2().get_balance(user.from).await.unwrap();
    user.deposit_eth(user.from, eth(200), eth(1)).await.expect("deposit");
    wait_until("the deposit arrives on L2", Duration::from_secs(60), || async {
        let b = user.l2().get_balance(user.from).await.map_err(|e| e.to_string())?;
        if b > l2_start { Ok(()) } else { Err(format!("{b} wei on L2")) }
    })
    .await;
    let w = user.withdraw_eth(user.from, eth(100)).await.expect("withdrawal on L2");
    user.claim(w.transaction_hash, Duration::from_secs(120)).await.expect("first claim");
    let again = user.claim(w.transaction_hash, Duration::from_secs(120)).await;
    d.shutdown().await;
    let e = again.expect_err("a second claim fails");
    println!("second claim: {e}");
    assert!(
        matches!(&e, nr_rollup::RollupError::ContractError { error, .. } if error.name == "AlreadyClaimed"),
        "{e:?}"
    );
    assert!(e.to_string().contains("AlreadyClaimed"), "{e}");
}

/// Without any relayer, a user delivers their own deposit on L2 (`nr bridge claim-deposit`);
/// a second delivery is refused by name.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn user_delivers_own_deposit_without_relayer() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = DevnetConfig {
        datadir: dir.path().to_path_buf(),
        l1_http: "127.0.0.1:0".parse().unwrap(),
        l2_http: "127.0.0.1:0".parse().unwrap(),
        l1_block_time: 1,
        l2_block_time: 1,
        relayer: false,
        ..Default::default()
    };
    let d = Devnet::start(&cfg).await.expect("devnet starts");
    let user = client(&d, 3).await;
    let to = Address::repeat_byte(0x55);
    let r = user.deposit_eth(to, eth(700), eth(5)).await.expect("deposit on L1");
    let before = user.l2().get_balance(user.from).await.unwrap();
    let c = user.claim_deposit(r.transaction_hash, Duration::from_secs(60)).await;
    let again = user.claim_deposit(r.transaction_hash, Duration::from_secs(60)).await;
    let (got, after) =
        (user.l2().get_balance(to).await.unwrap(), user.l2().get_balance(user.from).await.unwrap());
    d.shutdown().await;
    let c = c.expect("the user delivers the deposit");
    println!("claim-deposit: L2 tx {} gas {}", c.transaction_hash, c.gas_used);
    assert_eq!(got, eth(700), "delivered to the recipient");
    // The deliverer collects the message's fee and pays the L2 gas of proof and claim.
    assert!(after > before && after < before + eth(5), "{before} -> {after}");
    let e = again.expect_err("a second delivery is refused");
    assert!(
        matches!(&e, nr_rollup::RollupError::ContractError { error, .. } if error.name == "AlreadyClaimed"),
        "{e:?}"
    );
}

/// A rollup deployed without locking its genesis L2 ETH: no L2 node runs it.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn node_refuses_a_genesis_with_unbacked_eth() {
    use alloy_provider::network::{EthereumWallet, TransactionBuilder};
    use alloy_sol_types::SolConstructor;
    use nr_contracts::NativeRollup;
    let (d, dir) = devnet().await;
    let key = d.accounts[7].clone();
    let p = alloy_provider::ProviderBuilder::new()
        .wallet(EthereumWallet::from(key))
        .connect_http(d.l1_url().parse().unwrap());
    // The Devnet's genesis with one more funded account, bound to a rollup that locks
    // nothing.
    let mut l2 = d.deployment.l2.clone();
    l2.genesis.alloc.insert(
        Address::repeat_byte(0x99),
        alloy_genesis::GenesisAccount::default().with_balance(eth(1000)),
    );
    let mut mem = nr_stateless::memory::MemoryChain::default();
    let root = mem.insert_alloc(l2.alloc().iter()).unwrap();
    let genesis = l2.genesis_header(root);
    let ctor = NativeRollup::constructorCall {
        chainId_: l2.chain_id,
        gasLimit_: genesis.gas_limit,
        genesisHash: genesis.hash_slow(),
        genesisStateRoot: genesis.state_root,
        sequencer_: Address::ZERO,
        sequencerTimeout_: U256::from(60),
        maxTimestampLag_: U256::from(3600),
        forcedDelay_: U256::from(8),
    };
    let mut code = NativeRollup::BYTECODE.to_vec();
    code.extend(ctor.abi_encode());
    let tx = <alloy_provider::network::Ethereum as alloy_provider::Network>::TransactionRequest::default()
        .with_deploy_code(Bytes::from(code));
    let r = p.send_transaction(tx).await.unwrap().get_receipt().await.unwrap();
    assert!(r.status(), "unbacked rollup deployed");
    let mut deployment = d.deployment.clone();
    deployment.rollup = r.contract_address.unwrap();
    deployment.deploy_block = r.block_number.unwrap();
    deployment.l2 = l2;
    let mut cfg = d.follower_config(dir.path().join("unbacked"));
    cfg.deployment = deployment;
    let started = nr_rollup::start(cfg).await;
    d.shutdown().await;
    let Err(e) = started else { panic!("the node started on an unbacked genesis") };
    println!("{e}");
    match e {
        nr_rollup::RollupError::UnbackedGenesis { held, backing } => {
            assert_eq!(backing, U256::ZERO);
            assert!(held >= eth(1000), "{held}");
        }
        other => panic!("expected UnbackedGenesis, got {other:?}"),
    }
}
