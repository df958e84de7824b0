//! Batched settlement: the settler settles its backlog K consecutive blocks per L1
//! transaction with `advanceBatch` (docs/l2.md, "Batched settlement").
//!
//! A batch is bounded by `--settle-batch` (K) and by what one L1 transaction may carry:
//! the per-transaction gas cap (EIP-7825, and the L1 block gas limit) with the settler's
//! estimate headroom, and the RPC body limit, the same [`AdvanceBudget`] every block is
//! built within. Each block is priced as its own `advance` ([`advance_gas`]: intrinsic
//! cost taken out once per batch), so a batch never needs more than its blocks would alone.
//! A block always starts a batch, so a block that fits one `advance` is never left
//! unsettled because of batching (rule 2): at worst it goes alone, as plain `advance`.

use crate::{
    RollupError,
    budget::{AdvanceBudget, TX_ENVELOPE_BYTES, advance_gas},
    settler::Settler,
};
use alloy_primitives::{B256, Bytes, U256};
use alloy_sol_types::SolCall;
use nr_contracts::NativeRollup;
use nr_stateless::ssz::StatelessInput;

/// Intrinsic gas of an L1 transaction (paid once per batch).
pub const TX_BASE_GAS: u64 = 21_000;
/// L1 gas a block adds to a batch besides its own `advance` cost: its offset, length and
/// anchor words in the ABI encoding, and the loop.
pub const BATCH_ELEMENT_GAS: u64 = 3 * 32 * 16 + 1_000;
/// Calldata bytes a block adds to a batch besides its input (offset, length, anchor).
pub const BATCH_ELEMENT_BYTES: u64 = 3 * 32;
/// Blocks per batch when `--settle-batch` is 0 ("as many as fit"), before the gas cap.
pub const MAX_BLOCKS: usize = 64;

/// Longest the settler holds back a backlog smaller than `--settle-batch K` to fill a
/// batch, counted from the oldest unsettled block's timestamp (one Ethereum slot; far
/// below any `sequencerTimeout` worth configuring).
pub const MAX_BATCH_WAIT_SECS: u64 = 12;

/// Whether the settler should wait for more blocks before settling a backlog of `backlog`
/// blocks whose oldest is `oldest_age` seconds old: only with an explicit K above 1, while
/// the backlog is smaller than K and the oldest block is younger than `max_wait`. Never
/// while a message is due (the caller settles at once then).
pub fn wait_for_more(backlog: u64, k: usize, oldest_age: u64, max_wait: u64) -> bool {
    k > 1 && backlog < k as u64 && oldest_age < max_wait
}

/// What one block adds to a batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BlockCost {
    /// L1 gas, without the intrinsic cost.
    pub gas: u64,
    /// Calldata bytes.
    pub bytes: u64,
}

/// The limits of one batch transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BatchLimits {
    /// Most blocks (K).
    pub max_blocks: usize,
    /// Most L1 gas of the transaction (intrinsic cost included).
    pub max_gas: u64,
    /// Most bytes of the signed transaction.
    pub max_bytes: u64,
}

impl BatchLimits {
    /// The limits for `--settle-batch k` (0: as many as fit) under `budget`.
    pub fn new(k: usize, budget: &AdvanceBudget) -> Self {
        let max_blocks = if k == 0 { MAX_BLOCKS } else { k };
        Self { max_blocks, max_gas: budget.max_gas, max_bytes: budget.max_tx_bytes }
    }
}

/// Splits consecutive blocks of costs `costs` into batches (their sizes, in order): each
/// batch takes blocks while it stays within `limits`. Every batch has at least one block,
/// even one over the limits alone (it is then sent alone, as it would be without batching).
pub fn plan(costs: &[BlockCost], limits: &BatchLimits) -> Vec<usize> {
    let mut sizes = vec![];
    let mut i = 0;
    while i < costs.len() {
        let (mut gas, mut bytes, mut n) = (TX_BASE_GAS, TX_ENVELOPE_BYTES as u64, 0);
        while let Some(c) = costs.get(i + n) {
            let (g, b) = (gas.saturating_add(c.gas), bytes.saturating_add(c.bytes));
            if n > 0 && (n >= limits.max_blocks || g > limits.max_gas || b > limits.max_bytes) {
                break;
            }
            (gas, bytes, n) = (g, b, n + 1);
        }
        sizes.push(n);
        i += n;
    }
    sizes
}

/// The cost of settling block `call` inside a batch.
pub fn block_cost(call: &NativeRollup::advanceCall) -> Result<BlockCost, RollupError> {
    let si = StatelessInput::from_wire(&call.input)?;
    let calldata = call.abi_encode();
    let alone = advance_gas(&calldata, &si, call.input.len());
    Ok(BlockCost {
        gas: alone.saturating_sub(TX_BASE_GAS) + BATCH_ELEMENT_GAS,
        bytes: call.input.len() as u64 + BATCH_ELEMENT_BYTES,
    })
}

/// One settlement transaction sent: the blocks it settles and its hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SentBatch {
    /// First L2 block.
    pub first: u64,
    /// Last L2 block.
    pub last: u64,
    /// The L1 transaction.
    pub hash: B256,
}

/// Sends the backlog `from..=to` (at most `window` blocks of it) in batches: the first one
/// estimated (a batch the rollup would refuse is not sent, and the reason is reported),
/// the rest with consecutive nonces and the gas of their blocks. A group of one block is
/// sent as plain `advance`.
pub(crate) async fn send_batches(
    settler: &Settler,
    from: u64,
    to: u64,
    window: usize,
) -> Result<Vec<SentBatch>, RollupError> {
    let budget = AdvanceBudget::from_l1(&settler.l1, settler.chain.chain_id()).await?;
    let limits = BatchLimits::new(settler.settle_batch, &budget);
    let mut calls = vec![];
    for n in (from..=to).take(window) {
        calls.push(settler.advance_call(n).await?);
    }
    let costs = calls.iter().map(block_cost).collect::<Result<Vec<_>, _>>()?;
    let mut sent = vec![];
    let mut start = 0;
    for size in plan(&costs, &limits) {
        let group = &calls[start..start + size];
        let gas: u64 = TX_BASE_GAS + costs[start..start + size].iter().map(|c| c.gas).sum::<u64>();
        let (first, last) = (from + start as u64, from + (start + size) as u64 - 1);
        start += size;
        let input: Bytes = match group {
            [one] => one.abi_encode().into(),
            _ => NativeRollup::advanceBatchCall {
                inputs: group.iter().map(|c| c.input.clone()).collect(),
                anchorBlocks: group.iter().map(|c| c.anchorBlock).collect(),
            }
            .abi_encode()
            .into(),
        };
        if sent.is_empty() {
            let r = settler.l1.send(settler.l1.rollup, input, U256::ZERO).await?;
            sent.push(SentBatch { first, last, hash: r.transaction_hash });
            continue;
        }
        let gas = gas.min(alloy_eips::eip7825::MAX_TX_GAS_LIMIT_OSAKA);
        match settler.l1.send_unchecked(settler.l1.rollup, input, gas).await {
            Ok(hash) => sent.push(SentBatch { first, last, hash }),
            Err(e) => {
                tracing::warn!("settler: sending blocks {first}..={last}: {e}");
                break;
            }
        }
    }
    Ok(sent)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn costs(gas: &[u64]) -> Vec<BlockCost> {
        gas.iter().map(|g| BlockCost { gas: *g, bytes: 1_000 }).collect()
    }

    #[test]
    fn waits_only_to_fill_an_explicit_batch_and_not_for_long() {
        assert!(wait_for_more(1, 4, 0, 12));
        assert!(wait_for_more(3, 4, 11, 12));
        assert!(!wait_for_more(4, 4, 0, 12), "a full batch goes");
        assert!(!wait_for_more(1, 4, 12, 12), "the oldest block waited long enough");
        assert!(!wait_for_more(1, 0, 0, 12), "as many as fit: no waiting");
        assert!(!wait_for_more(1, 1, 0, 12), "per block: no waiting");
    }

    #[test]
    fn batches_bounded_by_k_and_gas() {
        let limits = BatchLimits { max_blocks: 4, max_gas: 1_000_000, max_bytes: 1 << 20 };
        assert_eq!(plan(&costs(&[100_000; 10]), &limits), vec![4, 4, 2], "K bounds");
        let heavy = costs(&[400_000, 400_000, 400_000, 100_000]);
        assert_eq!(plan(&heavy, &limits), vec![2, 2], "gas bounds (21k intrinsic once)");
        let one = BatchLimits { max_blocks: 1, ..limits };
        assert_eq!(plan(&costs(&[1; 3]), &one), vec![1, 1, 1], "K = 1: per block");
        assert_eq!(plan(&[], &limits), Vec::<usize>::new());
        let bytes = BatchLimits { max_bytes: 3_000, ..limits };
        assert_eq!(plan(&costs(&[1; 5]), &bytes), vec![2, 2, 1], "bytes bound");
    }

    /// Rule 2: a block over the batch limits alone is still sent (alone), and the blocks
    /// around it are batched as usual.
    #[test]
    fn a_block_too_large_for_any_batch_goes_alone() {
        let limits = BatchLimits { max_blocks: 16, max_gas: 1_000_000, max_bytes: 1 << 20 };
        let c = costs(&[100_000, 2_000_000, 100_000, 100_000]);
        assert_eq!(plan(&c, &limits), vec![1, 1, 2]);
    }
}
