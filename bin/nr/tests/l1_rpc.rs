//! `nr l1` as a separate process, driven by alloy's provider as an external client:
//! transfers, contract deployment, eth_call, logs, receipts, filters, errors, and
//! eth_getProof verified against the block's state root.

mod common;

use alloy_network::TransactionBuilder;
use alloy_primitives::{Address, B256, Bytes, U256, keccak256};
use alloy_provider::Provider;
use alloy_rpc_types_eth::{BlockNumberOrTag, Filter, TransactionRequest};
use alloy_trie::{Nibbles, proof::verify_proof};
use common::{DEV_KEY, DEV_KEY_1, L1Node, tempdir};

/// Runtime: with calldata, `sstore(0, arg)` and `log1(arg, topic = caller)`; without,
/// returns `sload(0)`.
const RUNTIME: &str = "36156013575f355f555f355f523360205fa1005b5f545f5260205ff3";

fn initcode(runtime: &str) -> Bytes {
    nr_contracts::initcode_for(&alloy_primitives::hex::decode(runtime).unwrap())
}

#[tokio::test(flavor = "multi_thread")]
async fn external_client_drives_l1() {
    let dir = tempdir();
    let node = L1Node::start(dir.path(), &["--block-time", "0"]);
    let p = node.provider(DEV_KEY);
    let me: Address = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266".parse().unwrap();

    assert_eq!(p.get_chain_id().await.unwrap(), 31337);
    let version: String = p.raw_request("web3_clientVersion".into(), ()).await.unwrap();
    assert!(version.starts_with("nr/v"), "{version}");
    let net: String = p.raw_request("net_version".into(), ()).await.unwrap();
    assert_eq!(net, "31337");
    assert!(p.get_balance(me).await.unwrap() > U256::from(10).pow(U256::from(21)));

    // A transfer, with fees filled by alloy (eth_feeHistory, eth_estimateGas, nonce).
    let to = Address::repeat_byte(0x42);
    let value = U256::from(1_000_000_000_000_000u64);
    let tx = TransactionRequest::default().with_to(to).with_value(value);
    let receipt = common::receipt(p.send_transaction(tx).await.unwrap()).await;
    assert!(receipt.status());
    assert_eq!(receipt.gas_used, 21_000);
    assert_eq!(p.get_balance(to).await.unwrap(), value);
    let mined = p.get_transaction_by_hash(receipt.transaction_hash).await.unwrap().unwrap();
    assert_eq!(mined.block_hash, receipt.block_hash);

    // Contract deployment.
    let deploy = TransactionRequest::default().with_deploy_code(initcode(RUNTIME));
    let receipt = common::receipt(p.send_transaction(deploy).await.unwrap()).await;
    assert!(receipt.status());
    let contract = receipt.contract_address.expect("contract address");
    assert_eq!(
        p.get_code_at(contract).await.unwrap().to_vec(),
        alloy_primitives::hex::decode(RUNTIME).unwrap()
    );

    // A block filter installed now sees the next block.
    let block_filter = p.new_block_filter().await.unwrap();

    // State change + log, then eth_call reads it back.
    let arg = B256::repeat_byte(0x77);
    let call =
        TransactionRequest::default().with_to(contract).with_input(Bytes::from(arg.to_vec()));
    let receipt = common::receipt(p.send_transaction(call).await.unwrap()).await;
    assert!(receipt.status());
    let logs = receipt.inner.logs();
    assert_eq!(logs.len(), 1);
    assert_eq!(logs[0].address(), contract);
    assert_eq!(logs[0].topics(), &[B256::left_padding_from(me.as_slice())]);
    assert_eq!(logs[0].data().data.as_ref(), arg.as_slice());
    assert_eq!(logs[0].block_number, receipt.block_number);
    let read = p.call(TransactionRequest::default().with_to(contract)).await.unwrap();
    assert_eq!(read.as_ref(), arg.as_slice());
    assert_eq!(p.get_storage_at(contract, U256::ZERO).await.unwrap(), U256::from_be_bytes(arg.0));

    // eth_getLogs by address and topic, and through the block filter.
    let filter = Filter::new()
        .address(contract)
        .event_signature(B256::left_padding_from(me.as_slice()))
        .from_block(0);
    let found = p.get_logs(&filter).await.unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].transaction_hash, Some(receipt.transaction_hash));
    let other = Filter::new().address(Address::repeat_byte(1)).from_block(0);
    assert!(p.get_logs(&other).await.unwrap().is_empty());
    let new_blocks: Vec<B256> = p.get_filter_changes(block_filter).await.unwrap();
    assert!(new_blocks.contains(&receipt.block_hash.unwrap()), "{new_blocks:?}");

    // Blocks by number and hash agree; the receipt's block holds the transaction.
    let block = p
        .get_block_by_number(BlockNumberOrTag::Number(receipt.block_number.unwrap()))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(block.header.hash, receipt.block_hash.unwrap());
    assert_eq!(block.transactions.hashes().collect::<Vec<_>>(), vec![receipt.transaction_hash]);
    let by_hash = p.get_block_by_hash(block.header.hash).await.unwrap().unwrap();
    assert_eq!(by_hash.header.state_root, block.header.state_root);

    // eth_getProof against the state root of that block.
    let proof =
        p.get_proof(contract, vec![B256::ZERO]).block_id(block.header.number.into()).await.unwrap();
    common::verify_account_proof(block.header.state_root, contract, &proof);
    assert_eq!(proof.code_hash, keccak256(alloy_primitives::hex::decode(RUNTIME).unwrap()));
    let sp = &proof.storage_proof[0];
    assert_eq!(sp.value, U256::from_be_bytes(arg.0));
    verify_proof(
        proof.storage_hash,
        Nibbles::unpack(keccak256(B256::ZERO)),
        Some(alloy_rlp::encode(sp.value)),
        &sp.proof,
    )
    .expect("storage proof verifies");
    // A proof of absence verifies too.
    let absent = Address::repeat_byte(0x99);
    let proof = p.get_proof(absent, vec![]).block_id(block.header.number.into()).await.unwrap();
    verify_proof(
        block.header.state_root,
        Nibbles::unpack(keccak256(absent)),
        None,
        &proof.account_proof,
    )
    .expect("absence proof verifies");

    // Errors as geth words them.
    let stale = TransactionRequest::default().with_to(to).with_value(U256::from(1)).with_nonce(0);
    let err = p.send_transaction(stale).await.unwrap_err().to_string();
    assert!(err.contains("nonce too low"), "{err}");
    let poor = node.provider("0x0000000000000000000000000000000000000000000000000000000000000abc");
    let tx = TransactionRequest::default()
        .with_to(to)
        .with_value(U256::from(1))
        .with_gas_limit(21_000)
        .with_max_fee_per_gas(10_000_000_000)
        .with_max_priority_fee_per_gas(1);
    let err = poor.send_transaction(tx).await.unwrap_err().to_string();
    assert!(err.contains("insufficient funds"), "{err}");
    let tx = TransactionRequest::default()
        .with_to(to)
        .with_gas_limit(20_000)
        .with_max_fee_per_gas(10_000_000_000)
        .with_max_priority_fee_per_gas(1);
    let err = p.send_transaction(tx).await.unwrap_err().to_string();
    assert!(err.contains("intrinsic gas too low"), "{err}");
    let err = p
        .raw_request::<_, serde_json::Value>("eth_getBalance".into(), ("0x12", "latest"))
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("invalid address"), "{err}");

    // A second account's transfer makes eth_feeHistory rewards non-trivial.
    let p1 = node.provider(DEV_KEY_1);
    let r = common::receipt(
        p1.send_transaction(TransactionRequest::default().with_to(to).with_value(U256::from(5)))
            .await
            .unwrap(),
    )
    .await;
    let history = p.get_fee_history(4, BlockNumberOrTag::Latest, &[50.0]).await.unwrap();
    assert_eq!(history.base_fee_per_gas.len(), 5);
    assert_eq!(history.oldest_block, r.block_number.unwrap() - 3);
    assert!(history.reward.unwrap().last().unwrap()[0] > 0);
    assert!(p.get_gas_price().await.unwrap() > 0);

    // The EXECUTE market is exposed; debug_executionWitness replays a block.
    let market: serde_json::Value = p.raw_request("nr_executeMarket".into(), ()).await.unwrap();
    assert_eq!(market["precompile"], "0x0000000000000000000000000000000000000101");
    assert_eq!(market["executeGasUsed"], "0x0");
    let witness: serde_json::Value = p
        .raw_request(
            "debug_executionWitness".into(),
            (format!("{:#x}", receipt.block_number.unwrap()),),
        )
        .await
        .unwrap();
    assert!(!witness["state"].as_array().unwrap().is_empty());
    assert!(!witness["headers"].as_array().unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn geth_genesis_file_sets_chain_id_forks_and_alloc() {
    let dir = tempdir();
    let rich: Address = "0x00000000000000000000000000000000000a11ce".parse().unwrap();
    let contract: Address = "0x000000000000000000000000000000000000c0de".parse().unwrap();
    let genesis = serde_json::json!({
        "config": {
            "chainId": 1234,
            "shanghaiTime": 0,
            "cancunTime": 0,
            "pragueTime": 0,
            "osakaTime": 4_000_000_000u64,
            "terminalTotalDifficulty": 0,
            "terminalTotalDifficultyPassed": true
        },
        "timestamp": "0x0",
        "gasLimit": "0x1c9c380",
        "baseFeePerGas": "0x7",
        "difficulty": "0x0",
        "extraData": "0x",
        "alloc": {
            format!("{rich:x}"): { "balance": "0xde0b6b3a7640000" },
            format!("{contract:x}"): {
                "balance": "0x0",
                "code": "0x5f545f5260205ff3",
                "storage": { "0x0000000000000000000000000000000000000000000000000000000000000000": "0x2a" }
            }
        }
    });
    let file = dir.path().join("genesis.json");
    std::fs::write(&file, genesis.to_string()).unwrap();
    let node = L1Node::start(
        &dir.path().join("data"),
        &["--genesis", file.to_str().unwrap(), "--block-time", "1"],
    );
    assert!(node.banner.iter().any(|l| l.contains("osaka=4000000000")), "{:?}", node.banner);
    let p = node.provider(DEV_KEY);
    assert_eq!(p.get_chain_id().await.unwrap(), 1234);
    assert_eq!(p.get_balance(rich).await.unwrap(), U256::from(10).pow(U256::from(18)));
    assert_eq!(p.get_storage_at(contract, U256::ZERO).await.unwrap(), U256::from(42));
    let out = p.call(TransactionRequest::default().with_to(contract)).await.unwrap();
    assert_eq!(U256::from_be_slice(&out), U256::from(42));
    // Blocks are produced on this genesis (the system contracts were added).
    let head = common::wait_until_async(
        "blocks on the custom genesis",
        std::time::Duration::from_secs(10),
        || async {
            let n = p.get_block_number().await.unwrap();
            if n >= 2 { Ok(n) } else { Err(format!("head block {n}")) }
        },
    )
    .await;
    let genesis_block = p.get_block_by_number(BlockNumberOrTag::Number(0)).await.unwrap().unwrap();
    assert_eq!(genesis_block.header.base_fee_per_gas, Some(7));
    assert!(head >= 2);
}
