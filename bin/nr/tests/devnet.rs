//! `nr devnet` end to end, driven through JSON-RPC (alloy) and the `nr bridge` CLI only:
//! deposit, L2 transfer and contract, every L2 block settled on L1 by EXECUTE, withdrawal
//! claimed on L1, ERC-20 round trip, a follower rebuilding the chain from L1, and crash
//! safety of the whole node under kill -9.

mod common;

use alloy_network::TransactionBuilder;
use alloy_primitives::{Address, B256, Bytes, U256, utils::parse_ether};
use alloy_provider::{Provider, ProviderBuilder};
use alloy_rpc_types_eth::{BlockNumberOrTag, Filter, TransactionRequest};
use alloy_signer_local::PrivateKeySigner;
use alloy_sol_types::{SolCall, SolEvent};
use common::{
    BANNER_TIMEOUT, Deadline, mined, output_within, read_banner, receipt, tempdir, wait_until_async,
};
use nr_chain::Eip1559Builder;
use nr_contracts::{NativeRollup, TestToken};
use std::{
    path::Path,
    process::{Child, Command, Stdio},
    time::Duration,
};

/// Dev account 3 (funded on both chains by the devnet).
const USER: &str = "0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6";

struct Devnet {
    child: Child,
    l1: String,
    l2: String,
    token: Address,
    rollup: Address,
}

impl Drop for Devnet {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(dir: &Path) -> Devnet {
    let mut child = Command::new(env!("CARGO_BIN_EXE_nr"))
        .args(["devnet", "--l1-http", "127.0.0.1:0", "--l2-http", "127.0.0.1:0"])
        .args(["--l1-block-time", "1", "--l2-block-time", "1", "--datadir"])
        .arg(dir)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .spawn()
        .expect("start nr devnet");
    let banner = read_banner(&mut child, "`nr devnet` to print ready", BANNER_TIMEOUT, |l| {
        l.trim() == "ready"
    });
    let field = |key: &str| {
        banner
            .iter()
            .find_map(|l| {
                l.trim()
                    .strip_prefix(key)
                    .map(|r| r.split_whitespace().next().unwrap_or("").to_string())
            })
            .unwrap_or_else(|| panic!("no {key} line in the banner: {banner:?}"))
    };
    Devnet {
        l1: field("L1 rpc"),
        l2: field("L2 rpc"),
        token: field("TestToken").parse().unwrap(),
        rollup: field("NativeRollup").parse().unwrap(),
        child,
    }
}

/// Runs `nr args` (bridge commands, which may wait for settlement) for at most 2 minutes.
fn nr(args: &[&str]) -> String {
    let out =
        output_within(Command::new(env!("CARGO_BIN_EXE_nr")).args(args), Duration::from_secs(120));
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "nr {args:?} failed:\n{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    text
}

fn tx_of(out: &str) -> String {
    out.split_whitespace().skip_while(|w| *w != "tx").nth(1).expect("tx hash in output").to_string()
}

async fn token_balance(p: &impl Provider, token: Address, who: Address) -> U256 {
    let call = TestToken::balanceOfCall(who).abi_encode();
    let out = p
        .call(TransactionRequest::default().with_to(token).with_input(call))
        .await
        .unwrap_or_default();
    TestToken::balanceOfCall::abi_decode_returns(&out).unwrap_or_default()
}

/// Every `BlockAdvanced` of the rollup; asserts each L2 block was settled once, in order.
async fn settled_events(l1: &impl Provider, rollup: Address) -> Vec<NativeRollup::BlockAdvanced> {
    let filter = Filter::new()
        .address(rollup)
        .event_signature(NativeRollup::BlockAdvanced::SIGNATURE_HASH)
        .from_block(0);
    let logs = l1.get_logs(&filter).await.unwrap();
    let events: Vec<_> = logs
        .iter()
        .map(|l| NativeRollup::BlockAdvanced::decode_log_data(l.data()).unwrap())
        .collect();
    let numbers: Vec<u64> = events.iter().map(|e| e.number).collect();
    assert_eq!(
        numbers,
        (1..=numbers.len() as u64).collect::<Vec<_>>(),
        "each block settled exactly once, in order"
    );
    events
}

async fn settled(l2: &impl Provider) -> u64 {
    let s: serde_json::Value = l2.raw_request("nr_settlementStatus".into(), ()).await.unwrap();
    s["settled"].as_u64().unwrap()
}

/// Waits (60 s at most) until L2 block `n` is settled on L1; `what` names the wait.
async fn settled_up_to(l2: &impl Provider, n: u64, what: &str) {
    wait_until_async(what, Duration::from_secs(60), || async {
        let s = settled(l2).await;
        if s >= n { Ok(()) } else { Err(format!("settled up to {s}")) }
    })
    .await;
}

/// Runtime: with calldata, `sstore(0, arg)` and `log1(arg, caller)`; without, `sload(0)`.
const RUNTIME: &str = "36156013575f355f555f355f523360205fa1005b5f545f5260205ff3";

#[tokio::test(flavor = "multi_thread")]
async fn devnet_end_to_end_through_json_rpc() {
    let dir = tempdir();
    let net = start(dir.path());
    let user: PrivateKeySigner = USER.parse().unwrap();
    let l1 = ProviderBuilder::new().wallet(user.clone()).connect_http(net.l1.parse().unwrap());
    let l2 = ProviderBuilder::new().wallet(user.clone()).connect_http(net.l2.parse().unwrap());
    assert_eq!(l2.get_chain_id().await.unwrap(), 8079);
    let conn = ["--l1-rpc", &net.l1, "--l2-rpc", &net.l2, "--key", USER];

    // Deposit 1 ETH to a fresh L2 address; the relayer delivers it.
    let fresh = Address::repeat_byte(0xd1);
    let mut args = vec!["bridge", "deposit", "--amount", "1", "--to"];
    let fresh_s = fresh.to_string();
    args.push(&fresh_s);
    args.extend(conn);
    nr(&args);
    let one = parse_ether("1").unwrap();
    wait_until_async("the 1 ETH deposit on L2", Duration::from_secs(60), || async {
        let b = l2.get_balance(fresh).await.unwrap();
        if b == one { Ok(()) } else { Err(format!("balance {b}")) }
    })
    .await;

    // The L2 mempool refuses what the sequencer could not include, with standard errors.
    {
        use alloy_consensus::{SignableTransaction, TxEip4844, TxEnvelope};
        use alloy_eips::Encodable2718;
        use alloy_signer::SignerSync;
        let next = l2.get_transaction_count(user.address()).pending().await.unwrap();
        let tx = |chain_id: u64, nonce: u64, max_fee: u128| {
            Eip1559Builder::new(chain_id, nonce, fresh)
                .value(U256::from(1))
                .gas_limit(21_000)
                .fees(max_fee, max_fee.min(1_000_000_000))
                .sign(&user)
                .unwrap()
                .encoded_2718()
        };
        let blob = {
            let tx = TxEip4844 {
                chain_id: 8079,
                nonce: next,
                gas_limit: 21_000,
                max_fee_per_gas: 10_000_000_000,
                max_priority_fee_per_gas: 1,
                to: fresh,
                value: U256::ZERO,
                access_list: Default::default(),
                blob_versioned_hashes: vec![B256::with_last_byte(1)],
                max_fee_per_blob_gas: 1,
                input: Bytes::new(),
            };
            let sig = user.sign_hash_sync(&tx.signature_hash()).unwrap();
            TxEnvelope::Eip4844(tx.into_signed(sig).into()).encoded_2718()
        };
        for (raw, expect) in [
            (tx(1, next, 10_000_000_000), "invalid chain id"),
            (tx(8079, next + 5, 10_000_000_000), "nonce too high"),
            (tx(8079, next, 1), "transaction underpriced"),
            (blob, "transaction type not supported"),
        ] {
            let err = l2.send_raw_transaction(&raw).await.unwrap_err().to_string();
            assert!(err.contains(expect), "{err}");
        }
    }

    // An L2 transfer, a contract deployment and a call.
    let bob = Address::repeat_byte(0xb0);
    let r = receipt(
        l2.send_transaction(
            TransactionRequest::default().with_to(bob).with_value(U256::from(12345)),
        )
        .await
        .unwrap(),
    )
    .await;
    assert!(r.status());
    assert_eq!(l2.get_balance(bob).await.unwrap(), U256::from(12345));
    let code = nr_contracts::initcode_for(&alloy_primitives::hex::decode(RUNTIME).unwrap());
    let r = receipt(
        l2.send_transaction(TransactionRequest::default().with_deploy_code(code)).await.unwrap(),
    )
    .await;
    let contract = r.contract_address.unwrap();
    let arg = B256::repeat_byte(0x42);
    let call =
        TransactionRequest::default().with_to(contract).with_input(Bytes::from(arg.to_vec()));
    let r = receipt(l2.send_transaction(call).await.unwrap()).await;
    assert_eq!(r.inner.logs().len(), 1);
    let out = l2.call(TransactionRequest::default().with_to(contract)).await.unwrap();
    assert_eq!(out.as_ref(), arg.as_slice());
    let call_block = r.block_number.unwrap();

    // Every L2 block is settled on L1 by EXECUTE, once, in order, with matching hashes.
    settled_up_to(&l2, call_block, &format!("L2 block {call_block} to be settled on L1")).await;
    let events = settled_events(&l1, net.rollup).await;
    let numbers: Vec<u64> = events.iter().map(|e| e.number).collect();
    for e in &events {
        let b = l2.get_block_by_number(BlockNumberOrTag::Number(e.number)).await.unwrap().unwrap();
        assert_eq!((b.header.hash, b.header.state_root), (e.blockHash, e.stateRoot));
    }
    println!("{} L2 blocks settled on L1", numbers.len());

    // Withdraw 0.5 ETH to a fresh L1 address and claim it on L1.
    let dest = Address::repeat_byte(0xe1);
    let dest_s = dest.to_string();
    let mut args = vec!["bridge", "withdraw", "--amount", "0.5", "--to", &dest_s];
    args.extend(conn);
    let out = nr(&args);
    let tx = tx_of(&out);
    let mut args = vec!["bridge", "claim", "--tx", &tx];
    args.extend(conn);
    nr(&args);
    assert_eq!(l1.get_balance(dest).await.unwrap(), parse_ether("0.5").unwrap());

    // ERC-20 round trip: mint on L1, deposit 10, withdraw 4, claim.
    let token = net.token;
    let mint = TestToken::mintCall { to: user.address(), amount: parse_ether("100").unwrap() };
    receipt(
        l1.send_transaction(
            TransactionRequest::default().with_to(token).with_input(mint.abi_encode()),
        )
        .await
        .unwrap(),
    )
    .await;
    let token_s = token.to_string();
    let mut args = vec!["bridge", "deposit-erc20", "--token", &token_s, "--amount", "10"];
    args.extend(conn);
    nr(&args);
    let l2_token =
        wait_until_async("the L2 token of the deposit", Duration::from_secs(60), || async {
            let call = nr_contracts::L2TokenBridge::l2TokenOfCall(token).abi_encode();
            let out = l2
                .call(
                    TransactionRequest::default()
                        .with_to(nr_contracts::L2_TOKEN_BRIDGE)
                        .with_input(call),
                )
                .await
                .unwrap();
            let t = nr_contracts::L2TokenBridge::l2TokenOfCall::abi_decode_returns(&out).unwrap();
            if t != Address::ZERO { Ok(t) } else { Err("no L2 token yet") }
        })
        .await;
    wait_until_async("10 tokens deposited on L2", Duration::from_secs(30), || async {
        let b = token_balance(&l2, l2_token, user.address()).await;
        if b == parse_ether("10").unwrap() { Ok(()) } else { Err(format!("balance {b}")) }
    })
    .await;
    let mut args = vec!["bridge", "withdraw-erc20", "--token", &token_s, "--amount", "4"];
    args.extend(conn);
    let tx = tx_of(&nr(&args));
    let mut args = vec!["bridge", "claim", "--tx", &tx];
    args.extend(conn);
    nr(&args);
    assert_eq!(token_balance(&l1, token, user.address()).await, parse_ether("94").unwrap());
    assert_eq!(token_balance(&l2, l2_token, user.address()).await, parse_ether("6").unwrap());

    // A follower started from scratch rebuilds the chain from L1 and reaches the same
    // head hash and state root as the sequencer (at the settled head).
    let fdir = tempdir();
    let deployment = dir.path().join("deployment.json");
    let mut follower = Command::new(env!("CARGO_BIN_EXE_nr"))
        .args(["l2", "--follow", "--http", "127.0.0.1:0", "--l1-rpc", &net.l1, "--deployment"])
        .arg(&deployment)
        .arg("--datadir")
        .arg(fdir.path())
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let banner = read_banner(&mut follower, "the follower's rpc line", BANNER_TIMEOUT, |l| {
        l.trim().starts_with("rpc")
    });
    let furl = banner.last().and_then(|l| l.trim().strip_prefix("rpc")).unwrap().trim().to_string();
    let f = ProviderBuilder::new().connect_http(furl.parse().unwrap());
    let target = settled(&l2).await;
    wait_until_async(
        &format!("the follower to reach L2 block {target}"),
        Duration::from_secs(90),
        || async {
            let n = f.get_block_number().await.unwrap_or(0);
            if n >= target { Ok(()) } else { Err(format!("follower at block {n}")) }
        },
    )
    .await;
    let a = f.get_block_by_number(BlockNumberOrTag::Number(target)).await.unwrap().unwrap();
    let b = l2.get_block_by_number(BlockNumberOrTag::Number(target)).await.unwrap().unwrap();
    assert_eq!((a.header.hash, a.header.state_root), (b.header.hash, b.header.state_root));
    println!(
        "follower rebuilt {target} blocks from L1: head {} state root {}",
        a.header.hash, a.header.state_root
    );
    let _ = follower.kill();
    let _ = follower.wait();
}

#[tokio::test(flavor = "multi_thread")]
async fn kill9_of_the_rollup_node_loses_no_transaction_and_settles_nothing_twice() {
    use alloy_eips::Encodable2718;
    let dir = tempdir();
    let user: PrivateKeySigner = USER.parse().unwrap();
    let to = Address::repeat_byte(0xc4);
    let mut accepted: Vec<B256> = vec![];
    let mut nonce = 0;
    let mut before = vec![];
    for round in 1..=2u64 {
        let net = start(dir.path());
        let l2 = ProviderBuilder::new().connect_http(net.l2.parse().unwrap());
        for (n, h) in &before {
            let b = l2.get_block_by_number(BlockNumberOrTag::Number(*n)).await.unwrap().unwrap();
            assert_eq!(b.header.hash, *h, "round {round}: L2 block {n} changed across the kill");
        }
        nonce = nonce.max(l2.get_transaction_count(user.address()).pending().await.unwrap());
        // Stream transfers until a few more blocks are settled, then kill -9 mid-stream.
        let target = settled(&l2).await + 4;
        let deadline = Deadline::new(
            format!("round {round}: L2 block {target} to be settled while transfers stream in"),
            Duration::from_secs(120),
        );
        loop {
            let raw = Eip1559Builder::new(8079, nonce, to)
                .value(U256::from(1))
                .gas_limit(21_000)
                .fees(10_000_000_000, 1_000_000_000)
                .sign(&user)
                .unwrap()
                .encoded_2718();
            let h = *l2.send_raw_transaction(&raw).await.unwrap().tx_hash();
            accepted.push(h);
            nonce += 1;
            // Pacing of the stream (about 20 transfers a second), not a wait for an event.
            tokio::time::sleep(Duration::from_millis(50)).await;
            let s = settled(&l2).await;
            if s >= target {
                break;
            }
            deadline.check(format_args!("settled up to {s}, {} transfers sent", accepted.len()));
        }
        let head = l2.get_block_number().await.unwrap();
        before = vec![];
        for n in 0..=head {
            before.push((
                n,
                l2.get_block_by_number(BlockNumberOrTag::Number(n))
                    .await
                    .unwrap()
                    .unwrap()
                    .header
                    .hash,
            ));
        }
        drop(net); // SIGKILL
    }
    let net = start(dir.path());
    let l1 = ProviderBuilder::new().connect_http(net.l1.parse().unwrap());
    let l2 = ProviderBuilder::new().connect_http(net.l2.parse().unwrap());
    for (n, h) in &before {
        let b = l2.get_block_by_number(BlockNumberOrTag::Number(*n)).await.unwrap().unwrap();
        assert_eq!(b.header.hash, *h, "L2 block {n} changed across the kill");
    }
    // Every accepted transaction is mined.
    let mut last = 0;
    for h in &accepted {
        let r = mined(&l2, *h, "after the restart", Duration::from_secs(60)).await;
        assert!(r.status());
        last = last.max(r.block_number.unwrap());
    }
    assert_eq!(l2.get_balance(to).await.unwrap(), U256::from(accepted.len()));
    // Settlement resumes past the last transaction, and no block was settled twice.
    settled_up_to(&l2, last, &format!("settlement to resume up to L2 block {last}")).await;
    let numbers: Vec<u64> =
        settled_events(&l1, net.rollup).await.iter().map(|e| e.number).collect();
    println!(
        "{} transactions across 2 kills, all mined; {} L2 blocks settled once each",
        accepted.len(),
        numbers.len()
    );
}
