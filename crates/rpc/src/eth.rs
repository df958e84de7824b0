//! The `eth` namespace: chain info, state, blocks, transactions and calls (fees are in
//! [`crate::fees`], logs and filters in [`crate::filters`]).

use crate::{
    Ctx, Handler, RpcError, convert,
    error::call_error,
    params::{self, block_id, param, required},
    quantity,
};
use alloy_consensus::Header;
use alloy_eips::{BlockId, BlockNumberOrTag};
use alloy_primitives::{Address, B256, Bytes, U256};
use nr_chain::CallOutcome;
use serde_json::{Value, json};

/// The `eth_*` methods of this module.
pub(crate) const METHODS: &[(&str, Handler)] = &[
    ("eth_chainId", chain_id),
    ("eth_syncing", syncing),
    ("eth_mining", mining),
    ("eth_accounts", accounts),
    ("eth_blockNumber", block_number),
    ("eth_getBalance", get_balance),
    ("eth_getTransactionCount", get_transaction_count),
    ("eth_getCode", get_code),
    ("eth_getStorageAt", get_storage_at),
    ("eth_getProof", get_proof),
    ("eth_sendRawTransaction", send_raw_transaction),
    ("eth_sendTransaction", send_transaction),
    ("eth_call", call),
    ("eth_estimateGas", estimate_gas),
    ("eth_createAccessList", create_access_list),
    ("eth_getBlockByNumber", get_block_by_number),
    ("eth_getBlockByHash", get_block_by_hash),
    ("eth_getBlockTransactionCountByNumber", get_block_transaction_count_by_number),
    ("eth_getBlockReceipts", get_block_receipts),
    ("eth_getTransactionByHash", get_transaction_by_hash),
    ("eth_getTransactionReceipt", get_transaction_receipt),
];

fn chain_id(c: &Ctx, _: &[Value]) -> Result<Value, RpcError> {
    Ok(quantity(c.chain.chain_id()))
}

fn syncing(_: &Ctx, _: &[Value]) -> Result<Value, RpcError> {
    Ok(json!(false))
}

fn mining(_: &Ctx, _: &[Value]) -> Result<Value, RpcError> {
    Ok(json!(true))
}

fn accounts(_: &Ctx, _: &[Value]) -> Result<Value, RpcError> {
    Ok(json!([]))
}

fn block_number(c: &Ctx, _: &[Value]) -> Result<Value, RpcError> {
    Ok(quantity(c.chain.head().number))
}

fn account(
    c: &Ctx,
    h: &Header,
    addr: Address,
) -> Result<Option<alloy_trie::TrieAccount>, RpcError> {
    c.chain.account(h, addr).map_err(RpcError::internal)
}

fn get_balance(c: &Ctx, p: &[Value]) -> Result<Value, RpcError> {
    let addr: Address = required(p, 0, "address")?;
    let h = params::block(&c.chain, p, 1)?;
    Ok(quantity(account(c, &h, addr)?.map(|a| a.balance).unwrap_or_default()))
}

/// The nonce at a block; at `pending`, the next nonce counting the pool.
fn get_transaction_count(c: &Ctx, p: &[Value]) -> Result<Value, RpcError> {
    let addr: Address = required(p, 0, "address")?;
    let id = block_id(p, 1)?;
    if id == Some(BlockId::Number(BlockNumberOrTag::Pending)) {
        return Ok(quantity(c.chain.pending_nonce(addr).map_err(RpcError::internal)?));
    }
    let h = params::header(&c.chain, id)?.ok_or_else(|| RpcError::server("header not found"))?;
    Ok(quantity(account(c, &h, addr)?.map_or(0, |a| a.nonce)))
}

fn get_code(c: &Ctx, p: &[Value]) -> Result<Value, RpcError> {
    let addr: Address = required(p, 0, "address")?;
    let h = params::block(&c.chain, p, 1)?;
    Ok(json!(c.chain.code(&h, addr).map_err(RpcError::internal)?))
}

fn get_storage_at(c: &Ctx, p: &[Value]) -> Result<Value, RpcError> {
    let addr: Address = required(p, 0, "address")?;
    let slot: U256 = required(p, 1, "slot")?;
    let h = params::block(&c.chain, p, 2)?;
    let v = c.chain.storage(&h, addr, B256::from(slot)).map_err(RpcError::internal)?;
    Ok(json!(B256::from(v)))
}

fn get_proof(c: &Ctx, p: &[Value]) -> Result<Value, RpcError> {
    let addr: Address = required(p, 0, "address")?;
    let slots: Vec<U256> = required(p, 1, "storageKeys")?;
    let h = params::block(&c.chain, p, 2)?;
    let slots: Vec<B256> = slots.into_iter().map(B256::from).collect();
    let pr = c.chain.proof(&h, addr, &slots).map_err(RpcError::internal)?;
    Ok(convert::proof_json(addr, pr))
}

/// Adds a signed transaction to the pool; refusals carry geth's wording (-32000).
fn send_raw_transaction(c: &Ctx, p: &[Value]) -> Result<Value, RpcError> {
    let raw: Bytes = required(p, 0, "transaction")?;
    c.chain.add_raw_transaction(&raw).map(|h| json!(h)).map_err(|e| RpcError::server(e.to_string()))
}

fn send_transaction(_: &Ctx, _: &[Value]) -> Result<Value, RpcError> {
    Err(RpcError::server(
        "unknown account: this node holds no keys, sign locally and use eth_sendRawTransaction",
    ))
}

/// A call on a block's state; at `pending`, in the head's next block (its number, time
/// and base fee) on the head's state (the pool's transactions are not applied).
fn call(c: &Ctx, p: &[Value]) -> Result<Value, RpcError> {
    let req = params::call_request(p)?;
    let outcome = if block_id(p, 1)? == Some(BlockId::Number(BlockNumberOrTag::Pending)) {
        c.chain.call_pending(nr_chain::unix_now(), &req)
    } else {
        let h = params::block(&c.chain, p, 1)?;
        c.chain.call(&h, &req)
    };
    match outcome.map_err(RpcError::internal)? {
        CallOutcome::Success { output, .. } => Ok(json!(output)),
        other => Err(call_error(other)),
    }
}

/// The gas a call needs; at `pending`, in the head's next block (as `eth_call`).
fn estimate_gas(c: &Ctx, p: &[Value]) -> Result<Value, RpcError> {
    let req = params::call_request(p)?;
    let estimate = if block_id(p, 1)? == Some(BlockId::Number(BlockNumberOrTag::Pending)) {
        c.chain.estimate_gas_pending(nr_chain::unix_now(), &req)
    } else {
        let h = params::block(&c.chain, p, 1)?;
        c.chain.estimate_gas(&h, &req)
    };
    match estimate.map_err(RpcError::internal)? {
        Ok(gas) => Ok(quantity(gas)),
        Err(other) => Err(call_error(other)),
    }
}

/// The access list of a call (geth's fixed point, see [`nr_chain::Chain::create_access_list`]),
/// the gas it uses with that list, and `error` when it reverts or halts; a call that
/// cannot run at all (funds, nonce, gas cap) is an error, as in `eth_call`.
fn create_access_list(c: &Ctx, p: &[Value]) -> Result<Value, RpcError> {
    let req = params::call_request(p)?;
    let h = params::block(&c.chain, p, 1)?;
    let (list, outcome) = c.chain.create_access_list(&h, &req).map_err(RpcError::internal)?;
    let (gas, error) = match outcome {
        CallOutcome::Success { gas_used, .. } => (gas_used, None),
        CallOutcome::Revert { gas_used, .. } => (gas_used, Some("execution reverted".to_string())),
        CallOutcome::Halt { reason, gas_used } => (gas_used, Some(reason)),
        invalid @ CallOutcome::Invalid(_) => return Err(call_error(invalid)),
    };
    let mut out = json!({"accessList": list, "gasUsed": quantity(gas)});
    if let Some(e) = error {
        out["error"] = json!(e);
    }
    Ok(out)
}

fn block_json(c: &Ctx, hash: &B256, full: bool) -> Result<Value, RpcError> {
    let Some(block) = c.chain.block(hash).map_err(RpcError::internal)? else {
        return Ok(Value::Null);
    };
    Ok(convert::block_json(block, *hash, full))
}

fn get_block_by_number(c: &Ctx, p: &[Value]) -> Result<Value, RpcError> {
    let full: bool = param(p, 1, "fullTransactions")?.unwrap_or(false);
    match params::block_opt(&c.chain, p, 0)? {
        Some(h) => block_json(c, &h.hash_slow(), full),
        None => Ok(Value::Null),
    }
}

fn get_block_by_hash(c: &Ctx, p: &[Value]) -> Result<Value, RpcError> {
    let hash: B256 = required(p, 0, "blockHash")?;
    let full: bool = param(p, 1, "fullTransactions")?.unwrap_or(false);
    block_json(c, &hash, full)
}

fn get_block_transaction_count_by_number(c: &Ctx, p: &[Value]) -> Result<Value, RpcError> {
    let Some(h) = params::block_opt(&c.chain, p, 0)? else { return Ok(Value::Null) };
    let b = c.chain.block(&h.hash_slow()).map_err(RpcError::internal)?;
    Ok(b.map_or(Value::Null, |b| quantity(b.body.transactions.len() as u64)))
}

fn get_block_receipts(c: &Ctx, p: &[Value]) -> Result<Value, RpcError> {
    let Some(h) = params::block_opt(&c.chain, p, 0)? else { return Ok(Value::Null) };
    let Some(b) = c.chain.block(&h.hash_slow()).map_err(RpcError::internal)? else {
        return Ok(Value::Null);
    };
    let mut out = vec![];
    for t in &b.body.transactions {
        if let Some(r) = c.chain.receipt(t.tx_hash()).map_err(RpcError::internal)? {
            out.push(convert::receipt_json(&r));
        }
    }
    Ok(Value::Array(out))
}

/// A mined transaction with its position, else a pending one, else `null`.
fn get_transaction_by_hash(c: &Ctx, p: &[Value]) -> Result<Value, RpcError> {
    let hash: B256 = required(p, 0, "transactionHash")?;
    if let Some(r) = c.chain.receipt(&hash).map_err(RpcError::internal)? {
        return Ok(convert::tx_json(r.tx, r.from, Some((&r.header, r.block_hash, r.index))));
    }
    Ok(c.chain.pending_tx(&hash).map_or(Value::Null, |p| convert::tx_json(p.tx, p.sender, None)))
}

fn get_transaction_receipt(c: &Ctx, p: &[Value]) -> Result<Value, RpcError> {
    let hash: B256 = required(p, 0, "transactionHash")?;
    let r = c.chain.receipt(&hash).map_err(RpcError::internal)?;
    Ok(r.map_or(Value::Null, |r| convert::receipt_json(&r)))
}
