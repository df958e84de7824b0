//! Fee suggestions: `eth_gasPrice`, `eth_maxPriorityFeePerGas`, `eth_blobBaseFee` and
//! `eth_feeHistory`.

use crate::{
    Ctx, Handler, RpcError,
    params::{self, param, required},
    quantity,
};
use alloy_consensus::{Header, Transaction as _};
use alloy_eips::eip1559::BaseFeeParams;
use alloy_primitives::U256;
use nr_chain::Chain;
use serde_json::{Value, json};

/// Tip suggested by `eth_maxPriorityFeePerGas` (1 gwei).
pub const SUGGESTED_TIP: u128 = 1_000_000_000;

/// Most blocks one `eth_feeHistory` call covers (larger counts are clamped).
const MAX_FEE_HISTORY: u64 = 1024;

/// The fee methods.
pub(crate) const METHODS: &[(&str, Handler)] = &[
    ("eth_gasPrice", gas_price),
    ("eth_maxPriorityFeePerGas", max_priority_fee),
    ("eth_blobBaseFee", blob_base_fee),
    ("eth_feeHistory", fee_history),
];

/// Next block's base fee plus [`SUGGESTED_TIP`].
fn gas_price(c: &Ctx, _: &[Value]) -> Result<Value, RpcError> {
    let base = c.chain.head().next_block_base_fee(BaseFeeParams::ethereum()).unwrap_or_default();
    Ok(quantity(U256::from(base) + U256::from(SUGGESTED_TIP)))
}

fn max_priority_fee(_: &Ctx, _: &[Value]) -> Result<Value, RpcError> {
    Ok(quantity(U256::from(SUGGESTED_TIP)))
}

/// The head's blob base fee, as geth answers: its excess blob gas priced under the blob
/// parameters in force at its time (BPO forks included); 0 before Cancun.
fn blob_base_fee(c: &Ctx, _: &[Value]) -> Result<Value, RpcError> {
    let head = c.chain.head();
    let fee = match (c.chain.spec().schedule.blob_params_at(head.timestamp), head.excess_blob_gas) {
        (Some(params), Some(excess)) => params.calc_blob_fee(excess),
        _ => 0,
    };
    Ok(quantity(U256::from(fee)))
}

/// Base fees, gas used ratios and tip percentiles of up to [`MAX_FEE_HISTORY`] blocks
/// ending at the given one, plus the next block's base fee.
fn fee_history(c: &Ctx, p: &[Value]) -> Result<Value, RpcError> {
    let count: U256 = required(p, 0, "blockCount")?;
    let count = count.saturating_to::<u64>().clamp(1, MAX_FEE_HISTORY);
    let newest = params::block(&c.chain, p, 1)?;
    let percentiles: Vec<f64> = param(p, 2, "rewardPercentiles")?.unwrap_or_default();
    if percentiles.windows(2).any(|w| w[0] > w[1])
        || percentiles.iter().any(|x| !(0.0..=100.0).contains(x))
    {
        return Err(RpcError::params("rewardPercentiles must be ascending values in [0, 100]"));
    }
    let oldest = newest.number.saturating_sub(count - 1);
    let mut base = vec![];
    let mut ratio = vec![];
    let mut reward = vec![];
    for n in oldest..=newest.number {
        let h = c
            .chain
            .header_by_number(n)
            .map_err(RpcError::internal)?
            .ok_or_else(|| RpcError::server("header not found"))?;
        base.push(quantity(h.base_fee_per_gas.unwrap_or_default()));
        ratio.push(json!(h.gas_used as f64 / h.gas_limit.max(1) as f64));
        if !percentiles.is_empty() {
            reward.push(Value::Array(
                block_rewards(&c.chain, &h, &percentiles)?.into_iter().map(quantity).collect(),
            ));
        }
        if n == newest.number {
            base.push(quantity(
                h.next_block_base_fee(BaseFeeParams::ethereum()).unwrap_or_default(),
            ));
        }
    }
    let mut out =
        json!({"oldestBlock": quantity(oldest), "baseFeePerGas": base, "gasUsedRatio": ratio});
    if !percentiles.is_empty() {
        out["reward"] = Value::Array(reward);
    }
    Ok(out)
}

/// The effective tips at `percentiles` of the block's gas, as geth weighs them.
fn block_rewards(chain: &Chain, h: &Header, percentiles: &[f64]) -> Result<Vec<u128>, RpcError> {
    let hash = h.hash_slow();
    let block = chain.block(&hash).map_err(RpcError::internal)?.unwrap_or_default();
    let receipts = chain.receipts(&hash).map_err(RpcError::internal)?.unwrap_or_default();
    let base = h.base_fee_per_gas.unwrap_or_default();
    let mut prev = 0;
    let mut tips: Vec<(u128, u64)> = block
        .body
        .transactions
        .iter()
        .zip(&receipts)
        .map(|(t, r)| {
            let used = r.cumulative_gas_used() - prev;
            prev = r.cumulative_gas_used();
            (t.effective_tip_per_gas(base).unwrap_or(0), used)
        })
        .collect();
    tips.sort_unstable();
    let total: u64 = tips.iter().map(|t| t.1).sum();
    Ok(percentiles
        .iter()
        .map(|pct| {
            if tips.is_empty() {
                return 0;
            }
            let threshold = (total as f64 * pct / 100.0) as u64;
            let mut sum = 0;
            for (tip, used) in &tips {
                sum += used;
                if sum >= threshold {
                    return *tip;
                }
            }
            tips.last().map_or(0, |t| t.0)
        })
        .collect())
}
