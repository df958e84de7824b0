//! An L2 node under attack and under its own settings, end to end on a Devnet: a block the
//! sequencer makes can always be settled (a transaction whose witness alone is too large
//! for one L1 `advance` is dropped, not sequenced), and `--l2-block-time` is honoured.

mod common;

use alloy_eips::Encodable2718;
use alloy_primitives::{Address, B256, TxKind, U256, keccak256};
use alloy_provider::{Provider, ProviderBuilder};
use common::{settled, wait_until};
use nr_chain::{DropReason, Eip1559Builder, OverBudget};
use nr_node::devnet::{Devnet, DevnetConfig};
use std::time::{Duration, Instant};

fn devnet_config(dir: &std::path::Path, l2_block_time: u64) -> DevnetConfig {
    DevnetConfig {
        datadir: dir.to_path_buf(),
        l1_http: "127.0.0.1:0".parse().unwrap(),
        l2_http: "127.0.0.1:0".parse().unwrap(),
        l1_block_time: 1,
        l2_block_time,
        relayer: false,
        ..Default::default()
    }
}

/// Bytes of code of each probed contract.
const CODE_LEN: u16 = 22_016;
/// Number of probed contracts (~1 MB of code in one block's witness).
const CONTRACTS: usize = 46;

/// Init code that fills `CODE_LEN` bytes of memory with a keccak chain seeded by `salt`
/// and returns them as the contract's code: distinct, incompressible code of that size for
/// little calldata.
fn big_code_initcode(salt: B256) -> Vec<u8> {
    let mut seed = salt;
    seed.0[0] = 0x01; // never 0xEF (EIP-3541)
    let mut c = vec![0x7f]; // PUSH32 seed
    c.extend_from_slice(seed.as_slice());
    c.extend_from_slice(&[0x60, 0x00, 0x52]); // PUSH1 0 MSTORE
    c.extend_from_slice(&[0x60, 0x20]); // PUSH1 32 (i)
    let loop_pc = c.len() as u8;
    c.extend_from_slice(&[
        0x5b, // JUMPDEST                [i]
        0x80, // DUP1                    [i, i]
        0x60, 0x20, // PUSH1 32          [i, i, 32]
        0x90, // SWAP1                   [i, 32, i]
        0x03, // SUB                     [i, i-32]
        0x60, 0x20, // PUSH1 32          [i, i-32, 32]
        0x90, // SWAP1                   [i, 32, i-32]
        0x20, // KECCAK256               [i, h]
        0x81, // DUP2                    [i, h, i]
        0x52, // MSTORE                  [i]
        0x60, 0x20, 0x01, // PUSH1 32 ADD [i+32]
        0x80, // DUP1
        0x61, // PUSH2 CODE_LEN
    ]);
    c.extend_from_slice(&CODE_LEN.to_be_bytes());
    c.extend_from_slice(&[
        0x11, // GT: CODE_LEN > i+32
        0x60, loop_pc, 0x57, // PUSH1 loop JUMPI
        0x50, // POP
        0x61, // PUSH2 CODE_LEN
    ]);
    c.extend_from_slice(&CODE_LEN.to_be_bytes());
    c.extend_from_slice(&[0x60, 0x00, 0xf3]); // PUSH1 0 RETURN
    c
}

/// Init code that runs EXTCODESIZE on every address and deploys nothing.
fn probe_initcode(targets: &[Address]) -> Vec<u8> {
    let mut c = vec![];
    for a in targets {
        c.push(0x73); // PUSH20
        c.extend_from_slice(a.as_slice());
        c.extend_from_slice(&[0x3b, 0x50]); // EXTCODESIZE POP
    }
    c.push(0x00);
    c
}

/// A mined transaction's status, created contract and block number.
struct Mined {
    status: bool,
    contract: Option<Address>,
    block: Option<u64>,
}

async fn mined(l2: &impl Provider, hash: B256) -> Result<Mined, String> {
    match l2.get_transaction_receipt(hash).await {
        Ok(Some(r)) => {
            Ok(Mined { status: r.status(), contract: r.contract_address, block: r.block_number })
        }
        Ok(None) => Err(format!("no receipt for {hash} yet")),
        Err(e) => Err(e.to_string()),
    }
}

/// Deploys the [`CONTRACTS`] large contracts from `attacker` (nonces 0..), two per
/// 10M-gas block; their addresses.
async fn deploy_big_contracts(
    l2: &impl Provider,
    chain_id: u64,
    attacker: &alloy_signer_local::PrivateKeySigner,
) -> Vec<Address> {
    let mut deploys = vec![];
    for i in 0..CONTRACTS {
        let init = big_code_initcode(keccak256((i as u64).to_be_bytes()));
        let tx = Eip1559Builder::new(chain_id, i as u64, TxKind::Create)
            .input(init)
            .gas_limit(4_600_000)
            .sign(attacker)
            .unwrap();
        let sent = l2.send_raw_transaction(&tx.encoded_2718()).await.expect("deploy accepted");
        deploys.push(*sent.tx_hash());
    }
    let mut targets = vec![];
    for h in &deploys {
        let r = wait_until("a large contract deployed", Duration::from_secs(240), || mined(l2, *h))
            .await;
        assert!(r.status, "deployment {h} failed");
        targets.push(r.contract.expect("a creation receipt has an address"));
    }
    let code = l2.get_code_at(targets[0]).await.unwrap();
    assert_eq!(code.len(), CODE_LEN as usize, "deployed code size");
    targets
}

/// The same hostile transaction sent to the forced inbox (issue 14): no settleable block
/// can carry it, so the block producer leaves it out; once due it refuses every block
/// without it, and before the expiry rule settlement halted for good. Now it stalls
/// settlement until `deadline + forcedDelay`, the settler keeps its unsettled blocks
/// (rebuilding them would leave the entry out again), then `advance` drops the entry
/// (`Expired`) and settlement continues with the same blocks.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn unsettleable_forced_tx_halts_the_rollup() {
    let dir = tempfile::tempdir().unwrap();
    // A refusal window (deadline to expiry) of 24 L1 blocks of 1 s: long enough to see.
    let delay = 24;
    let cfg = DevnetConfig { forced_delay: delay, ..devnet_config(dir.path(), 1) };
    let devnet = Devnet::start(&cfg).await.expect("devnet starts");
    let l2 = ProviderBuilder::new().connect_http(devnet.l2_url().parse().unwrap());
    let chain_id = l2.get_chain_id().await.expect("eth_chainId");
    let attacker = &devnet.accounts[3];
    let targets = deploy_big_contracts(&l2, chain_id, attacker).await;
    let probe = Eip1559Builder::new(chain_id, CONTRACTS as u64, TxKind::Create)
        .input(probe_initcode(&targets))
        .gas_limit(400_000)
        .fees(100_000_000_000, 1_000_000_000)
        .sign(attacker)
        .unwrap();
    let probe_hash = *probe.tx_hash();
    // The forced entry must be valid on the settled state (its nonce follows the
    // deployments), or the settler prunes it (`pruneForced`, Nonce).
    let deployed = l2.get_block_number().await.unwrap();
    wait_until("the deployments settled", Duration::from_secs(120), || async {
        let s = settled(&l2).await?;
        if s >= deployed { Ok(()) } else { Err(format!("settled {s}, want {deployed}")) }
    })
    .await;
    let client = nr_rollup::bridge::BridgeClient::connect(
        devnet.l1_url(),
        &devnet.l2_url(),
        attacker.clone(),
    )
    .await
    .expect("bridge client connects");
    let forced = client.force_send(probe.encoded_2718().into()).await.expect("forceInclude");
    let expiry = forced.deadline + delay;
    // Settlement stalls on the due entry.
    let stalled =
        wait_until("settlement refused: ForcedTransactionDue", Duration::from_secs(90), || async {
            let s: serde_json::Value = l2
                .raw_request("nr_settlementStatus".into(), ())
                .await
                .map_err(|e| e.to_string())?;
            let e = s["lastError"].as_str().unwrap_or_default();
            if e.contains("ForcedTransactionDue") {
                return settled(&l2).await;
            }
            let included =
                l2.get_transaction_receipt(probe_hash).await.map_err(|e| e.to_string())?;
            let head = client.l1().get_block_number().await.map_err(|e| e.to_string())?;
            Err(format!(
                "{s}; forced entry {} deadline {}, L1 {head}, included {:?}, drop reason {:?}",
                forced.index,
                forced.deadline,
                included.map(|r| r.block_number),
                devnet.l2.chain.drop_reason(&probe_hash)
            ))
        })
        .await;
    let next = devnet.l2.chain.hash_by_number(stalled + 1).unwrap().expect("unsettled block");
    let l1_now = client.l1().get_block_number().await.unwrap();
    let resumed = wait_until(
        "settlement resumes once the entry expired",
        Duration::from_secs(90),
        || async {
            let s = settled(&l2).await?;
            if s > stalled { Ok(s) } else { Err(format!("settled {s}, L1 expiry block {expiry}")) }
        },
    )
    .await;
    let l1_then = client.l1().get_block_number().await.unwrap();
    eprintln!(
        "forced entry {} due at L1 block {}, expiry {expiry}; stalled at L2 block {stalled} \
         (seen at L1 block {l1_now}), settled {resumed} by L1 block {l1_then}",
        forced.index, forced.deadline
    );
    assert!(l1_then >= expiry, "settled past the entry before it expired");
    assert_eq!(
        devnet.l2.chain.hash_by_number(stalled + 1).unwrap(),
        Some(next),
        "the settler kept the block it could not settle (no rebuild while waiting)"
    );
    assert!(l2.get_transaction_receipt(probe_hash).await.unwrap().is_none(), "never included");
    let reason = devnet.l2.chain.drop_reason(&probe_hash);
    assert!(matches!(reason, Some(DropReason::OverBudget(_))), "{reason:?}");
    devnet.shutdown().await;
}

/// One transaction that EXTCODESIZEs 46 contracts of 22 KB (~1 MB of witness for ~165k L2
/// gas) must not halt settlement: blocks after it keep settling.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn hostile_witness_block_halts_settlement() {
    let dir = tempfile::tempdir().unwrap();
    let devnet = Devnet::start(&devnet_config(dir.path(), 1)).await.expect("devnet starts");
    let l2 = ProviderBuilder::new().connect_http(devnet.l2_url().parse().unwrap());
    let chain_id = l2.get_chain_id().await.expect("eth_chainId");
    let attacker = &devnet.accounts[3];

    let targets = deploy_big_contracts(&l2, chain_id, attacker).await;

    // The hostile transaction, then an ordinary transfer from someone else.
    let probe = Eip1559Builder::new(chain_id, CONTRACTS as u64, TxKind::Create)
        .input(probe_initcode(&targets))
        .gas_limit(400_000)
        .sign(attacker)
        .unwrap();
    let probe_hash =
        *l2.send_raw_transaction(&probe.encoded_2718()).await.expect("probe accepted").tx_hash();
    let user = &devnet.accounts[4];
    let transfer = Eip1559Builder::new(chain_id, 0, Address::repeat_byte(0x42))
        .value(U256::from(1_000u64))
        .sign(user)
        .unwrap();
    let transfer_hash =
        *l2.send_raw_transaction(&transfer.encoded_2718()).await.expect("transfer").tx_hash();
    let block = wait_until("the transfer mined", Duration::from_secs(60), || async {
        let r = mined(&l2, transfer_hash).await?;
        r.block.ok_or_else(|| "receipt without block".to_string())
    })
    .await;
    let start = Instant::now();
    wait_until(
        "the L2 keeps settling after the hostile transaction",
        Duration::from_secs(120),
        || async {
            let s = settled(&l2).await?;
            let head = l2.get_block_number().await.map_err(|e| e.to_string())?;
            if s >= block {
                Ok(())
            } else {
                Err(format!("settled {s}, want {block} (L2 head {head})"))
            }
        },
    )
    .await;
    eprintln!("settled past the hostile transaction in {:?}", start.elapsed());
    // The hostile transaction was never sequenced, and is no longer pending.
    assert!(
        l2.get_transaction_receipt(probe_hash).await.unwrap().is_none(),
        "the hostile transaction was included"
    );
    assert!(
        l2.get_transaction_by_hash(probe_hash).await.unwrap().is_none(),
        "the hostile transaction is still pending"
    );
    check_budget_model_against_l1(devnet.l1_url(), devnet.deployment.rollup).await;
    // Dropped because a block of it alone needs more L1 gas than one `advance` may use.
    let reason = devnet.l2.chain.drop_reason(&probe_hash);
    eprintln!("hostile transaction dropped: {reason:?}");
    assert!(
        matches!(
            reason,
            Some(DropReason::OverBudget(OverBudget { what: "L1 gas of advance", needed, limit }))
                if needed > limit
        ),
        "{reason:?}"
    );
    devnet.shutdown().await;
}

/// For every `advance` the L1 has mined, the L1 gas the sequencer's budget model gives its
/// calldata is at least the gas the L1 used (the model never under-counts).
async fn check_budget_model_against_l1(l1_url: &str, rollup: Address) {
    use alloy_consensus::Transaction as _;
    use alloy_sol_types::{SolCall, SolEvent};
    use nr_contracts::NativeRollup;
    let l1 = ProviderBuilder::new().connect_http(l1_url.parse().unwrap());
    let filter = serde_json::json!({
        "address": rollup,
        "fromBlock": "0x0",
        "toBlock": "latest",
        "topics": [NativeRollup::BlockAdvanced::SIGNATURE_HASH],
    });
    let logs: Vec<serde_json::Value> =
        l1.raw_request("eth_getLogs".into(), [filter]).await.expect("eth_getLogs");
    assert!(!logs.is_empty(), "no BlockAdvanced on L1");
    let (mut worst, mut max_used) = (0.0f64, 0u64);
    let mut seen = std::collections::HashSet::new();
    for log in &logs {
        let hash: B256 = serde_json::from_value(log["transactionHash"].clone()).unwrap();
        if !seen.insert(hash) {
            continue; // a batch: one event per block, one transaction
        }
        let tx = l1.get_transaction_by_hash(hash).await.unwrap().expect("advance tx");
        let calldata = tx.input().clone();
        let used = l1.get_transaction_receipt(hash).await.unwrap().expect("receipt").gas_used;
        // A batch is modelled as the settler plans it: intrinsic gas once, then each block
        // as its own `advance` (`nr_rollup::batching`).
        let model = match NativeRollup::advanceCall::abi_decode(&calldata) {
            Ok(call) => {
                let input =
                    nr_stateless::ssz::StatelessInput::from_wire(&call.input).expect("input");
                nr_rollup::budget::advance_gas(&calldata, &input, call.input.len())
            }
            Err(_) => {
                let batch = NativeRollup::advanceBatchCall::abi_decode(&calldata)
                    .expect("an advance or advanceBatch call");
                let blocks = batch.inputs.into_iter().zip(batch.anchorBlocks).map(|(i, a)| {
                    let call = NativeRollup::advanceCall { input: i, anchorBlock: a };
                    nr_rollup::batching::block_cost(&call).expect("block cost").gas
                });
                nr_rollup::batching::TX_BASE_GAS + blocks.sum::<u64>()
            }
        };
        assert!(model >= used, "advance {hash}: model {model} < {used} used on L1");
        worst = worst.max(used as f64 / model as f64);
        max_used = max_used.max(used);
    }
    eprintln!(
        "{} advances: L1 gas used at most {:.0}% of the model (largest {max_used})",
        logs.len(),
        worst * 100.0
    );
}

/// `--l2-block-time 2`: consecutive L2 blocks are 2 s apart in their timestamps, and about
/// that apart on the clock (bounds are generous: this is no performance test).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn l2_block_time_is_honoured() {
    const BLOCK_TIME: u64 = 2;
    const BLOCKS: u64 = 4;
    let dir = tempfile::tempdir().unwrap();
    let devnet =
        Devnet::start(&devnet_config(dir.path(), BLOCK_TIME)).await.expect("devnet starts");
    let l2 = ProviderBuilder::new().connect_http(devnet.l2_url().parse().unwrap());
    let number = || async { l2.get_block_number().await.map_err(|e| e.to_string()) };
    // Past the first blocks, then watch BLOCKS more appear.
    let first = wait_until("L2 block 2", Duration::from_secs(30), || async {
        let n = number().await?;
        if n >= 2 { Ok(n) } else { Err(format!("head {n}")) }
    })
    .await;
    let from = wait_until("a new L2 block", Duration::from_secs(30), || async {
        let n = number().await?;
        if n > first { Ok(n) } else { Err(format!("head {n}")) }
    })
    .await;
    let start = Instant::now();
    let to = from + BLOCKS;
    wait_until("more L2 blocks", Duration::from_secs(BLOCKS * BLOCK_TIME * 10), || async {
        let n = number().await?;
        if n >= to { Ok(n) } else { Err(format!("head {n}")) }
    })
    .await;
    let elapsed = start.elapsed();
    let mut stamps = vec![];
    for n in from..=to {
        let b = l2.get_block_by_number(n.into()).await.unwrap().expect("block");
        stamps.push(b.header.timestamp);
    }
    let gaps: Vec<u64> = stamps.windows(2).map(|w| w[1] - w[0]).collect();
    eprintln!("blocks {from}..={to}: timestamp gaps {gaps:?}, {elapsed:?} on the clock");
    assert!(
        gaps.iter().all(|g| *g == BLOCK_TIME),
        "timestamp gaps of blocks {from}..={to}: {gaps:?}, want {BLOCK_TIME} s each"
    );
    // BLOCKS blocks on the clock: at least BLOCKS - 1 block times (the first may have been
    // seen late), and not wildly more.
    let min = Duration::from_secs((BLOCKS - 1) * BLOCK_TIME);
    assert!(elapsed >= min, "{BLOCKS} blocks in {elapsed:?}, want at least {min:?}");
    assert!(elapsed < Duration::from_secs(BLOCKS * BLOCK_TIME * 5), "{elapsed:?}");
    devnet.shutdown().await;
}

/// Floods of transactions the pool must refuse (oversized, overdrawing the sender's queued
/// transactions, wrapping the cost past 2^256), sent over JSON-RPC: each is refused with
/// geth's error, the node keeps answering while they arrive, and keeps sequencing.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn l2_pool_floods_leave_the_node_answering() {
    const EACH: u64 = 60;
    let dir = tempfile::tempdir().unwrap();
    let devnet = Devnet::start(&devnet_config(dir.path(), 1)).await.expect("devnet starts");
    let url: url::Url = devnet.l2_url().parse().unwrap();
    let l2 = ProviderBuilder::new().connect_http(url.clone());
    let chain_id = l2.get_chain_id().await.expect("eth_chainId");
    let key = devnet.accounts[5].clone();
    let balance = l2.get_balance(key.address()).await.unwrap();
    // Most of the balance in one queued transfer; every later one overdraws.
    let first = Eip1559Builder::new(chain_id, 0, Address::repeat_byte(0x42))
        .value(balance - U256::from(10u64).pow(U256::from(18u64)))
        .sign(&key)
        .unwrap();
    let _first = l2.send_raw_transaction(&first.encoded_2718()).await.expect("the first transfer");

    let flood = |kind: u8| {
        let key = key.clone();
        let l2 = ProviderBuilder::new().connect_http(url.clone());
        tokio::spawn(async move {
            for i in 0..EACH {
                let to = Address::repeat_byte(0x43);
                let tx = match kind {
                    0 => Eip1559Builder::new(chain_id, 1 + i, to)
                        .input(vec![0xab; 128 * 1024 + 1])
                        .gas_limit(8_000_000),
                    1 => Eip1559Builder::new(chain_id, 1, to).value(balance / U256::from(2)),
                    _ => {
                        let gas_cost = U256::from(21_000u64 * 50_000_000_000);
                        Eip1559Builder::new(chain_id, 1, to)
                            .value(U256::MAX - gas_cost + U256::from(2 + i))
                    }
                };
                let raw = tx.sign(&key).unwrap().encoded_2718();
                match l2.send_raw_transaction(&raw).await {
                    Ok(p) => return Err(format!("flood {kind} tx {i} accepted: {}", p.tx_hash())),
                    Err(e) => {
                        let e = e.to_string();
                        let want = ["oversized data", "insufficient funds", "insufficient funds"];
                        if !e.contains(want[kind as usize]) {
                            return Err(format!("flood {kind} tx {i}: {e}"));
                        }
                    }
                }
            }
            Ok(())
        })
    };
    let floods = [flood(0), flood(1), flood(2)];
    // The node answers while the floods arrive.
    let mut answered = 0;
    while floods.iter().any(|f| !f.is_finished()) {
        let n = tokio::time::timeout(Duration::from_secs(5), l2.get_block_number()).await;
        assert!(matches!(n, Ok(Ok(_))), "eth_blockNumber during the flood: {n:?}");
        answered += 1;
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    for f in floods {
        f.await.unwrap().unwrap();
    }
    eprintln!("eth_blockNumber answered {answered} times during the floods");
    let transfer = Eip1559Builder::new(chain_id, 0, Address::repeat_byte(0x44))
        .sign(&devnet.accounts[6])
        .unwrap();
    let hash = *l2.send_raw_transaction(&transfer.encoded_2718()).await.unwrap().tx_hash();
    wait_until("a transfer after the floods mined", Duration::from_secs(60), || mined(&l2, hash))
        .await;
    devnet.shutdown().await;
}
