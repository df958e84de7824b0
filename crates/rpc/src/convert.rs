//! Chain data to alloy RPC types (and so to the JSON shapes every client expects).

use alloy_consensus::{Block, Header, Transaction as _, TxEnvelope, transaction::Recovered};
use alloy_primitives::{Address, B256, U256};
use alloy_rpc_types_eth::{
    BlockTransactions, EIP1186AccountProofResponse, EIP1186StorageProof, Log, Transaction,
    TransactionReceipt,
};
use alloy_serde::storage::JsonStorageKey;
use nr_chain::{AccountProof, LogInfo, ReceiptInfo};
use serde_json::Value;

fn to_json<T: serde::Serialize>(v: T) -> Value {
    serde_json::to_value(v).unwrap_or(Value::Null)
}

/// A transaction, mined (`Some((header, hash, index))`) or pending.
pub(crate) fn tx_json(tx: TxEnvelope, from: Address, at: Option<(&Header, B256, u64)>) -> Value {
    to_json(rpc_tx(tx, from, at))
}

fn rpc_tx(tx: TxEnvelope, from: Address, at: Option<(&Header, B256, u64)>) -> Transaction {
    let effective_gas_price = at.map(|(h, _, _)| tx.effective_gas_price(h.base_fee_per_gas));
    Transaction {
        // A pending blob transaction shows without its sidecar, as a mined one.
        inner: Recovered::new_unchecked(nr_chain::blobs::into_canonical(tx), from),
        block_hash: at.map(|a| a.1),
        block_number: at.map(|a| a.0.number),
        transaction_index: at.map(|a| a.2),
        effective_gas_price,
        block_timestamp: at.map(|a| a.0.timestamp),
    }
}

/// A block with transaction hashes or full transactions.
pub(crate) fn block_json(block: Block<TxEnvelope>, hash: B256, full: bool) -> Value {
    let size = alloy_rlp::Encodable::length(&block) as u64;
    let header = block.header.clone();
    let transactions = if full {
        let txs = block
            .body
            .transactions
            .into_iter()
            .enumerate()
            .map(|(i, t)| {
                let from = alloy_consensus::transaction::SignerRecoverable::recover_signer(&t)
                    .unwrap_or_default();
                rpc_tx(t, from, Some((&header, hash, i as u64)))
            })
            .collect();
        BlockTransactions::Full(txs)
    } else {
        BlockTransactions::Hashes(block.body.transactions.iter().map(|t| *t.tx_hash()).collect())
    };
    let rpc = alloy_rpc_types_eth::Block {
        header: alloy_rpc_types_eth::Header {
            hash,
            inner: header,
            total_difficulty: Some(U256::ZERO),
            size: Some(U256::from(size)),
        },
        uncles: vec![],
        transactions,
        withdrawals: block.body.withdrawals,
    };
    to_json(rpc)
}

/// A header as `newHeads` sends it (geth's header JSON: the fields and the hash).
pub(crate) fn header_json(header: Header, hash: B256) -> Value {
    to_json(alloy_rpc_types_eth::Header { hash, inner: header, total_difficulty: None, size: None })
}

/// A receipt with positions filled in its logs.
pub(crate) fn receipt_json(r: &ReceiptInfo) -> Value {
    let mut log_index = r.first_log_index;
    let inner = r.receipt.clone().map_logs(|log| {
        let l = Log {
            inner: log,
            block_hash: Some(r.block_hash),
            block_number: Some(r.header.number),
            block_timestamp: Some(r.header.timestamp),
            transaction_hash: Some(*r.tx.tx_hash()),
            transaction_index: Some(r.index),
            log_index: Some(log_index),
            removed: false,
        };
        log_index += 1;
        l
    });
    let receipt = TransactionReceipt {
        inner,
        transaction_hash: *r.tx.tx_hash(),
        transaction_index: Some(r.index),
        block_hash: Some(r.block_hash),
        block_number: Some(r.header.number),
        gas_used: r.gas_used,
        effective_gas_price: r.tx.effective_gas_price(r.header.base_fee_per_gas),
        blob_gas_used: r.tx.is_eip4844().then(|| nr_chain::blobs::blob_gas(&r.tx)),
        blob_gas_price: r.blob_gas_price,
        from: r.from,
        to: r.tx.to(),
        contract_address: r.contract_address,
    };
    to_json(receipt)
}

/// One log of `eth_getLogs`.
pub(crate) fn log_json(l: &LogInfo) -> Value {
    to_json(Log {
        inner: l.log.clone(),
        block_hash: Some(l.block_hash),
        block_number: Some(l.block_number),
        block_timestamp: Some(l.block_timestamp),
        transaction_hash: Some(l.tx_hash),
        transaction_index: Some(l.tx_index),
        log_index: Some(l.log_index),
        removed: false,
    })
}

/// `eth_getProof` result.
pub(crate) fn proof_json(address: Address, p: AccountProof) -> Value {
    to_json(EIP1186AccountProofResponse {
        address,
        balance: p.account.balance,
        code_hash: p.account.code_hash,
        nonce: p.account.nonce,
        storage_hash: p.account.storage_root,
        account_proof: p.account_proof,
        storage_proof: p
            .storage
            .into_iter()
            .map(|(key, value, proof)| EIP1186StorageProof {
                key: JsonStorageKey::Hash(key),
                value,
                proof,
            })
            .collect(),
    })
}
