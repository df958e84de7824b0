//! Block and transaction getters by position, raw transactions and uncles (always none:
//! a post-merge chain has no ommers): the `eth_*` methods geth serves next to those of
//! [`crate::eth`].

use crate::{
    Ctx, Handler, RpcError, convert,
    params::{self, required},
    quantity,
};
use alloy_consensus::{Block, TxEnvelope, transaction::SignerRecoverable};
use alloy_eips::{BlockId, Encodable2718};
use alloy_primitives::{B256, Bytes, U256};
use serde_json::{Value, json};

/// The methods of this module.
pub(crate) const METHODS: &[(&str, Handler)] = &[
    ("eth_getBlockTransactionCountByHash", get_block_transaction_count_by_hash),
    ("eth_getRawTransactionByHash", get_raw_transaction_by_hash),
    ("eth_getTransactionByBlockNumberAndIndex", get_transaction_by_number_and_index),
    ("eth_getTransactionByBlockHashAndIndex", get_transaction_by_hash_and_index),
    ("eth_getRawTransactionByBlockNumberAndIndex", get_raw_transaction_by_number_and_index),
    ("eth_getRawTransactionByBlockHashAndIndex", get_raw_transaction_by_hash_and_index),
    ("eth_getUncleCountByBlockHash", get_uncle_count_by_hash),
    ("eth_getUncleCountByBlockNumber", get_uncle_count_by_number),
    ("eth_getUncleByBlockHashAndIndex", get_uncle),
    ("eth_getUncleByBlockNumberAndIndex", get_uncle),
];

/// The block named by parameter 0 as a hash (`by_hash`) or a number or tag, with its
/// hash; `None` for an unknown block.
fn block_at(
    c: &Ctx,
    p: &[Value],
    by_hash: bool,
) -> Result<Option<(Block<TxEnvelope>, B256)>, RpcError> {
    let hash = if by_hash {
        let hash: B256 = required(p, 0, "blockHash")?;
        hash
    } else {
        let id = params::block_id(p, 0)?;
        // A hash given to a by-number method is refused by geth too: only numbers and tags.
        if let Some(BlockId::Hash(_)) = id {
            return Err(RpcError::params("invalid block number: a hash was given"));
        }
        match params::header(&c.chain, id)? {
            Some(h) => h.hash_slow(),
            None => return Ok(None),
        }
    };
    Ok(c.chain.block(&hash).map_err(RpcError::internal)?.map(|b| (b, hash)))
}

fn get_block_transaction_count_by_hash(c: &Ctx, p: &[Value]) -> Result<Value, RpcError> {
    let b = block_at(c, p, true)?;
    Ok(b.map_or(Value::Null, |(b, _)| quantity(b.body.transactions.len() as u64)))
}

/// A mined transaction's EIP-2718 bytes, else a pending one's, else `null` (as geth).
fn get_raw_transaction_by_hash(c: &Ctx, p: &[Value]) -> Result<Value, RpcError> {
    let hash: B256 = required(p, 0, "transactionHash")?;
    if let Some((block, index)) = c.chain.tx_location(&hash).map_err(RpcError::internal)?
        && let Some(b) = c.chain.block(&block).map_err(RpcError::internal)?
        && let Some(tx) = usize::try_from(index).ok().and_then(|i| b.body.transactions.get(i))
    {
        return Ok(raw(tx));
    }
    Ok(c.chain.pending_tx(&hash).map_or(Value::Null, |p| raw(&p.tx)))
}

fn raw(tx: &TxEnvelope) -> Value {
    json!(Bytes::from(tx.encoded_2718()))
}

/// Transaction `index` (parameter 1) of the block of parameter 0; `None` if either is
/// unknown.
fn tx_at(
    c: &Ctx,
    p: &[Value],
    by_hash: bool,
) -> Result<Option<(TxEnvelope, alloy_consensus::Header, B256, u64)>, RpcError> {
    let index: U256 = required(p, 1, "index")?;
    let Some((block, hash)) = block_at(c, p, by_hash)? else { return Ok(None) };
    let Ok(i) = usize::try_from(index) else { return Ok(None) };
    let Some(tx) = block.body.transactions.get(i).cloned() else { return Ok(None) };
    Ok(Some((tx, block.header, hash, i as u64)))
}

fn tx_json_at(c: &Ctx, p: &[Value], by_hash: bool) -> Result<Value, RpcError> {
    Ok(tx_at(c, p, by_hash)?.map_or(Value::Null, |(tx, header, hash, i)| {
        let from = tx.recover_signer().unwrap_or_default();
        convert::tx_json(tx, from, Some((&header, hash, i)))
    }))
}

fn get_transaction_by_number_and_index(c: &Ctx, p: &[Value]) -> Result<Value, RpcError> {
    tx_json_at(c, p, false)
}

fn get_transaction_by_hash_and_index(c: &Ctx, p: &[Value]) -> Result<Value, RpcError> {
    tx_json_at(c, p, true)
}

fn get_raw_transaction_by_number_and_index(c: &Ctx, p: &[Value]) -> Result<Value, RpcError> {
    Ok(tx_at(c, p, false)?.map_or(Value::Null, |(tx, ..)| raw(&tx)))
}

fn get_raw_transaction_by_hash_and_index(c: &Ctx, p: &[Value]) -> Result<Value, RpcError> {
    Ok(tx_at(c, p, true)?.map_or(Value::Null, |(tx, ..)| raw(&tx)))
}

/// `0x0` for a known block (no block of this chain has uncles), `null` for an unknown one.
fn get_uncle_count_by_hash(c: &Ctx, p: &[Value]) -> Result<Value, RpcError> {
    let hash: B256 = required(p, 0, "blockHash")?;
    let known = c.chain.header(&hash).map_err(RpcError::internal)?.is_some();
    Ok(if known { quantity(0u64) } else { Value::Null })
}

/// As [`get_uncle_count_by_hash`], by number or tag.
fn get_uncle_count_by_number(c: &Ctx, p: &[Value]) -> Result<Value, RpcError> {
    let known = params::block_opt(&c.chain, p, 0)?.is_some();
    Ok(if known { quantity(0u64) } else { Value::Null })
}

/// Always `null`: there are no uncles (the parameters are still checked).
fn get_uncle(_: &Ctx, p: &[Value]) -> Result<Value, RpcError> {
    let _: U256 = required(p, 1, "index")?;
    Ok(Value::Null)
}
