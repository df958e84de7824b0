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

/// Tip the oracle starts from when recent blocks say nothing, unless the chain's
/// extension gives another ([`crate::RpcExtension::default_tip`]): 1 gwei.
pub const SUGGESTED_TIP: u128 = 1_000_000_000;
/// Blocks the tip oracle samples, the head and those before it (geth's `--gpo.blocks`).
pub const ORACLE_BLOCKS: u64 = 20;
/// Percentile of the sampled tips the oracle suggests (geth's `--gpo.percentile`).
pub const ORACLE_PERCENTILE: usize = 60;
/// Tips under this are not sampled (geth's `--gpo.ignoreprice`, 2 wei).
pub const ORACLE_IGNORE_PRICE: u128 = 2;
/// Highest tip the oracle suggests (geth's `--gpo.maxprice`, 500 gwei).
pub const ORACLE_MAX_PRICE: u128 = 500_000_000_000;
/// Tips sampled per block: its lowest ones (as geth).
const ORACLE_SAMPLES: usize = 3;

/// Most blocks one `eth_feeHistory` call covers (larger counts are clamped).
const MAX_FEE_HISTORY: u64 = 1024;

/// The fee methods.
pub(crate) const METHODS: &[(&str, Handler)] = &[
    ("eth_gasPrice", gas_price),
    ("eth_maxPriorityFeePerGas", max_priority_fee),
    ("eth_blobBaseFee", blob_base_fee),
    ("eth_feeHistory", fee_history),
];

/// Next block's base fee plus the oracle's tip ([`suggested_tip`]).
fn gas_price(c: &Ctx, _: &[Value]) -> Result<Value, RpcError> {
    let base = c.chain.head().next_block_base_fee(BaseFeeParams::ethereum()).unwrap_or_default();
    Ok(quantity(U256::from(base) + U256::from(suggested_tip(c)?)))
}

fn max_priority_fee(c: &Ctx, _: &[Value]) -> Result<Value, RpcError> {
    Ok(quantity(U256::from(suggested_tip(c)?)))
}

/// The tip oracle's memory: its last answer and the head it was computed on.
#[derive(Debug)]
pub(crate) struct Oracle {
    head: Option<alloy_primitives::B256>,
    last: u128,
}

impl Oracle {
    /// An oracle that has not answered yet: `default_tip` is its last answer.
    pub(crate) fn new(default_tip: u128) -> Self {
        Self { head: None, last: default_tip }
    }
}

/// The tip to suggest, as geth's oracle: the lowest [`ORACLE_SAMPLES`] effective tips of
/// each of the last [`ORACLE_BLOCKS`] blocks (tips under [`ORACLE_IGNORE_PRICE`] and
/// transactions sent by the block's fee recipient are skipped; a block with none counts
/// as the last answer), then their [`ORACLE_PERCENTILE`]th percentile, at most
/// [`ORACLE_MAX_PRICE`]. Computed once per head.
fn suggested_tip(c: &Ctx) -> Result<u128, RpcError> {
    let head = c.chain.head();
    let hash = head.hash_slow();
    let last = {
        let o = c.oracle.lock();
        if o.head == Some(hash) {
            return Ok(o.last);
        }
        o.last
    };
    let mut samples = Vec::new();
    for n in (head.number.saturating_sub(ORACLE_BLOCKS - 1)..=head.number).rev() {
        let Some(h) = c.chain.header_by_number(n).map_err(RpcError::internal)? else { break };
        let block = c.chain.block(&h.hash_slow()).map_err(RpcError::internal)?;
        let base = h.base_fee_per_gas.unwrap_or_default();
        let mut txs: Vec<_> = block
            .map(|b| b.body.transactions)
            .unwrap_or_default()
            .into_iter()
            .filter_map(|t| t.effective_tip_per_gas(base).map(|tip| (tip, t)))
            .filter(|(tip, _)| *tip >= ORACLE_IGNORE_PRICE)
            .collect();
        txs.sort_by_key(|(tip, _)| *tip);
        let before = samples.len();
        for (tip, t) in txs {
            use alloy_consensus::transaction::SignerRecoverable;
            if t.recover_signer().ok() == Some(h.beneficiary) {
                continue;
            }
            samples.push(tip);
            if samples.len() - before == ORACLE_SAMPLES {
                break;
            }
        }
        if samples.len() == before {
            samples.push(last);
        }
    }
    samples.sort_unstable();
    let tip = samples
        .get(samples.len().saturating_sub(1) * ORACLE_PERCENTILE / 100)
        .copied()
        .unwrap_or(last)
        .min(ORACLE_MAX_PRICE);
    *c.oracle.lock() = Oracle { head: Some(hash), last: tip };
    Ok(tip)
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
    let (mut blob_base, mut blob_ratio) = (vec![], vec![]);
    for n in oldest..=newest.number {
        let h = c
            .chain
            .header_by_number(n)
            .map_err(RpcError::internal)?
            .ok_or_else(|| RpcError::server("header not found"))?;
        base.push(quantity(h.base_fee_per_gas.unwrap_or_default()));
        ratio.push(json!(h.gas_used as f64 / h.gas_limit.max(1) as f64));
        // Blob fields as geth: 0 before Cancun; the ratio against the block's blob maximum.
        blob_base.push(quantity(c.chain.blob_base_fee_at(&h).unwrap_or_default()));
        let max_blob_gas = c.chain.max_blob_gas_at(&h);
        blob_ratio.push(json!(match max_blob_gas {
            0 => 0.0,
            max => h.blob_gas_used.unwrap_or_default() as f64 / max as f64,
        }));
        if !percentiles.is_empty() {
            reward.push(Value::Array(
                block_rewards(&c.chain, &h, &percentiles)?.into_iter().map(quantity).collect(),
            ));
        }
        if n == newest.number {
            base.push(quantity(
                h.next_block_base_fee(BaseFeeParams::ethereum()).unwrap_or_default(),
            ));
            blob_base.push(quantity(c.chain.next_blob_base_fee(&h).unwrap_or_default()));
        }
    }
    let mut out = json!({
        "oldestBlock": quantity(oldest),
        "baseFeePerGas": base,
        "gasUsedRatio": ratio,
        "baseFeePerBlobGas": blob_base,
        "blobGasUsedRatio": blob_ratio,
    });
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
