//! EXECUTE as a revm precompile at [`EXECUTE_ADDRESS`], with its gas rule and the
//! per-L1-block EXECUTE gas market.
//!
//! Gas rule: every CPU-heavy step is priced before it runs; on failure all gas given is
//! kept. ([`required_gas`] and [`charged_gas`] compute it for callers.)
//!
//! ```text
//! input(len)   = EXECUTE_BASE_GAS + EXECUTE_GAS_PER_INPUT_BYTE * len      (decoding; len = wire length)
//! fixed        = input(len)
//!              + EXECUTE_GAS_PER_SIGNATURE * transactions                 (one key recovery each)
//!              + Σ over witness nodes, codes, headers: item(len(item))    (each decoded, hashed, indexed)
//! item(n)      = EXECUTE_GAS_PER_WITNESS_ITEM + EXECUTE_GAS_PER_HASH_WORD * ceil(n / 32)
//! bound        = StatelessInput::work_bound: Σ max(tx gas limit, 21,000), capped by the block
//!                gas limit, but never below 21,000 * transactions (that floor is not capped)
//! required     = fixed + price(bound)                 (checked before any signature or execution)
//! charged      = fixed + price(min(gas_used, bound))  (on success; a failure keeps all gas given)
//! price(g)     = ceil(g * execute_base_fee / max(l1_base_fee, 1)), at least g
//! ```
//!
//! `input(len)` is checked before the input is decoded, `required` before any signature is
//! recovered or the block executed. Why each term:
//!
//! - **Per transaction, 21,000 at least** (the intrinsic gas of the cheapest transaction, in
//!   `bound`): a transaction may declare a gas limit of 0, yet the verifier decodes it,
//!   recovers its signature and starts executing it. No valid block has a transaction using
//!   less, so the floor costs honest blocks nothing (they pay `gas_used`, which includes it).
//! - **Per signature, ECRECOVER's 3,000**: the public key of every transaction is checked by
//!   a signature recovery that runs before and beside execution, not inside it, so it is
//!   priced apart from the L2 gas, at the price L1 contracts pay for the same operation.
//! - **Per witness item, 500 plus keccak's word price**: every node, code and header is
//!   decoded, hashed and indexed once, whether execution reads it or not. That costs
//!   ~0.4 us of CPU per item whatever its size; at keccak's own 30 per item a witness of
//!   empty items cost ~8 ns of CPU per gas charged against 1.2-2.5 for ordinary execution
//!   (`nr bench --adversarial`), so the item price was raised to 500.
//! - **Per input byte, 2**: SSZ and RLP decoding and the SHA-256 hash tree root of the
//!   payload.
//! - **L2 gas at par** (scaled by the EXECUTE market): re-execution costs what execution cost
//!   on L2, with the same EVM code L1 runs.
//!
//! Inputs that are inconsistent before any signature is needed (more transactions than the
//! gas limit admits at 21,000 each, a header that does not fit its parent, a body that does
//! not match its roots) are refused before any key is recovered (see
//! `nr_stateless::stateless`). `docs/l1.md` ("Gas rule") gives the measurements behind the
//! constants.
//!
//! The EXECUTE base fee follows EIP-1559 over the cumulative L2 gas verified per L1 block
//! (see [`ExecuteMarket`]) and never falls below the L1 base fee, so when EXECUTE is not
//! congested one L2 gas costs exactly one L1 gas.

use crate::{ExecuteError, execute_decoded};
use alloy_consensus::Header;
use alloy_evm::precompiles::{DynPrecompile, PrecompileInput, PrecompilesMap};
use alloy_primitives::{Address, Bytes, address};
use nr_stateless::{
    ForkSchedule,
    evm::{BlockEvm, BlockHooks, NrEvmFactory},
    ssz::StatelessInput,
};
use parking_lot::Mutex;
use revm::precompile::{PrecompileHalt, PrecompileId, PrecompileOutput, PrecompileResult};
use std::sync::Arc;

/// Address of the EXECUTE precompile (the one ethrex uses).
pub const EXECUTE_ADDRESS: Address = address!("0x0000000000000000000000000000000000000101");
/// Fixed cost of one EXECUTE call: header rebuild and hashing, SSZ hash tree root of the
/// payload, witness indexing setup, and the state root walk that every block needs.
pub const EXECUTE_BASE_GAS: u64 = 50_000;
/// Cost per input byte: SSZ and RLP decoding and SHA-256 over the payload for its hash tree
/// root (~0.4 gas per byte at the SHA-256 precompile's price). Hashing witness items is
/// priced per item ([`EXECUTE_GAS_PER_WITNESS_ITEM`], [`EXECUTE_GAS_PER_HASH_WORD`]).
pub const EXECUTE_GAS_PER_INPUT_BYTE: u64 = 2;
/// Cost per transaction signature (public key) checked: ECRECOVER's price on L1.
pub const EXECUTE_GAS_PER_SIGNATURE: u64 = 3_000;
/// Cost per witness item (node, code, header): decoding it, hashing it and indexing it by
/// its hash take ~0.4 us of CPU whatever its size (measured by `nr bench --adversarial`),
/// far more than the KECCAK256 opcode's base price of 30 pays for.
pub const EXECUTE_GAS_PER_WITNESS_ITEM: u64 = 500;
/// Cost per 32-byte word of a witness item hashed: the KECCAK256 opcode's word price.
pub const EXECUTE_GAS_PER_HASH_WORD: u64 = 6;
/// Default cumulative L2 gas that EXECUTE may verify in one L1 block.
pub const DEFAULT_EXECUTE_GAS_LIMIT: u64 = 60_000_000;
/// Default EXECUTE gas target per L1 block (half the limit, as EIP-1559).
pub const DEFAULT_EXECUTE_GAS_TARGET: u64 = 30_000_000;
/// EIP-1559 change denominator of the EXECUTE base fee (at most 12.5% per block).
pub const EXECUTE_BASE_FEE_CHANGE_DENOMINATOR: u128 = 8;
/// Marker that starts an L1 header's `extra_data` carrying EXECUTE market data.
pub const EXTRA_DATA_MARKER: [u8; 4] = *b"NRX1";

/// Limit and target of the EXECUTE gas market of one L1 chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExecuteGasParams {
    /// Most L2 gas all EXECUTE calls of one L1 block may verify together.
    pub limit: u64,
    /// L2 gas per L1 block at which the EXECUTE base fee stays constant.
    pub target: u64,
}

impl Default for ExecuteGasParams {
    fn default() -> Self {
        Self { limit: DEFAULT_EXECUTE_GAS_LIMIT, target: DEFAULT_EXECUTE_GAS_TARGET }
    }
}

/// The EXECUTE market values recorded in an L1 block's `extra_data`:
/// `"NRX1" || execute_base_fee (u128 BE) || execute_gas_used (u64 BE)` (28 bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ExecuteBlockData {
    /// EXECUTE base fee in force during the block, in wei per L2 gas.
    pub base_fee: u128,
    /// Cumulative L2 gas verified by EXECUTE in the block.
    pub gas_used: u64,
}

impl ExecuteBlockData {
    /// Encodes the values for a header's `extra_data`.
    pub fn to_extra_data(self) -> Bytes {
        let mut out = Vec::with_capacity(28);
        out.extend_from_slice(&EXTRA_DATA_MARKER);
        out.extend_from_slice(&self.base_fee.to_be_bytes());
        out.extend_from_slice(&self.gas_used.to_be_bytes());
        out.into()
    }

    /// Reads the values from a header's `extra_data` (`None` if it carries none, e.g. at
    /// genesis).
    pub fn from_extra_data(extra: &[u8]) -> Option<Self> {
        if extra.len() != 28 || extra[..4] != EXTRA_DATA_MARKER {
            return None;
        }
        Some(Self {
            base_fee: u128::from_be_bytes(extra[4..20].try_into().ok()?),
            gas_used: u64::from_be_bytes(extra[20..28].try_into().ok()?),
        })
    }

    /// The EXECUTE base fee of the child block: EIP-1559 over this block's EXECUTE gas,
    /// never below the child's L1 base fee.
    pub fn next_base_fee(self, params: ExecuteGasParams, child_l1_base_fee: u64) -> u128 {
        let fee = self.base_fee.max(1);
        let target = u128::from(params.target.max(1));
        let used = u128::from(self.gas_used);
        let next = if used > target {
            let delta =
                (fee.saturating_mul(used - target) / target / EXECUTE_BASE_FEE_CHANGE_DENOMINATOR)
                    .max(1);
            fee.saturating_add(delta)
        } else {
            fee - fee.saturating_mul(target - used) / target / EXECUTE_BASE_FEE_CHANGE_DENOMINATOR
        };
        next.max(u128::from(child_l1_base_fee))
    }
}

/// Per-block state of the EXECUTE market, shared between the chain that runs a block and
/// the precompile instances of that block's EVMs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MarketState {
    /// Limit and target.
    pub params: ExecuteGasParams,
    /// L1 base fee of the block being executed.
    pub l1_base_fee: u64,
    /// EXECUTE base fee of the block being executed.
    pub execute_base_fee: u128,
    /// L2 gas verified so far in this block (including calls whose verification failed).
    pub gas_used: u64,
}

/// Handle on the EXECUTE market of the block being executed; clones share the state.
#[derive(Debug, Clone)]
pub struct ExecuteMarket {
    state: Arc<Mutex<MarketState>>,
}

impl ExecuteMarket {
    /// A market for one block with the given fees and nothing used yet.
    pub fn new(params: ExecuteGasParams, l1_base_fee: u64, execute_base_fee: u128) -> Self {
        let state = MarketState { params, l1_base_fee, execute_base_fee, gas_used: 0 };
        Self { state: Arc::new(Mutex::new(state)) }
    }

    /// A snapshot of the market state.
    pub fn snapshot(&self) -> MarketState {
        *self.state.lock()
    }

    /// What the block's header records once the block is complete.
    pub fn block_data(&self) -> ExecuteBlockData {
        let s = self.snapshot();
        ExecuteBlockData { base_fee: s.execute_base_fee, gas_used: s.gas_used }
    }

    /// Reserves `l2_gas` of the block's EXECUTE gas; fails if the limit would be exceeded.
    fn reserve(&self, l2_gas: u64) -> Result<(), ExecuteCallError> {
        let mut s = self.state.lock();
        let total = s.gas_used.saturating_add(l2_gas);
        if total > s.params.limit {
            return Err(ExecuteCallError::BlockGasLimit {
                used: s.gas_used,
                requested: l2_gas,
                limit: s.params.limit,
            });
        }
        s.gas_used = total;
        Ok(())
    }

    /// Returns reserved EXECUTE gas that a call turned out not to use.
    fn release(&self, l2_gas: u64) {
        let mut s = self.state.lock();
        s.gas_used = s.gas_used.saturating_sub(l2_gas);
    }

    fn prices(&self) -> (u64, u128) {
        let s = self.snapshot();
        (s.l1_base_fee, s.execute_base_fee)
    }
}

/// L1 gas charged for verifying `l2_gas_used` of L2 gas at the given prices.
pub fn l2_gas_charge(l2_gas_used: u64, l1_base_fee: u64, execute_base_fee: u128) -> u64 {
    let l1 = u128::from(l1_base_fee.max(1));
    let scaled = u128::from(l2_gas_used).saturating_mul(execute_base_fee).div_ceil(l1);
    u64::try_from(scaled).unwrap_or(u64::MAX).max(l2_gas_used)
}

/// The gas an EXECUTE call with `input_len` bytes costs before decoding.
pub fn input_gas(input_len: usize) -> u64 {
    EXECUTE_BASE_GAS.saturating_add(EXECUTE_GAS_PER_INPUT_BYTE.saturating_mul(input_len as u64))
}

/// The gas of one `len`-byte witness item: [`EXECUTE_GAS_PER_WITNESS_ITEM`] plus keccak's
/// word price.
pub fn witness_item_gas(len: usize) -> u64 {
    EXECUTE_GAS_PER_WITNESS_ITEM
        .saturating_add(EXECUTE_GAS_PER_HASH_WORD.saturating_mul(len.div_ceil(32) as u64))
}

/// The gas EXECUTE charges for an input apart from its L2 gas: the input charge
/// ([`input_gas`] of `wire_len`, the length of the wire bytes), one
/// [`EXECUTE_GAS_PER_SIGNATURE`] per transaction and [`witness_item_gas`] per witness node, code
/// and header. The same whether the block is valid or not.
pub fn fixed_gas(input: &StatelessInput, wire_len: usize) -> u64 {
    let transactions = input.new_payload_request.execution_payload.transactions.len() as u64;
    let w = &input.witness;
    let hashing = w
        .state
        .iter()
        .chain(&w.codes)
        .chain(&w.headers)
        .fold(0u64, |sum, item| sum.saturating_add(witness_item_gas(item.len())));
    input_gas(wire_len)
        .saturating_add(EXECUTE_GAS_PER_SIGNATURE.saturating_mul(transactions))
        .saturating_add(hashing)
}

/// The gas an EXECUTE call with `input` (whose wire bytes are `wire_len` long) must be given
/// at the given fees, checked before any signature is recovered or any transaction
/// executed: [`fixed_gas`] plus the price of the block's work bound
/// ([`StatelessInput::work_bound`]). A call given less fails (out of gas) without doing
/// that work; a valid block is then charged [`charged_gas`], at most this.
pub fn required_gas(
    input: &StatelessInput,
    wire_len: usize,
    l1_base_fee: u64,
    execute_base_fee: u128,
) -> u64 {
    fixed_gas(input, wire_len).saturating_add(l2_gas_charge(
        input.work_bound(),
        l1_base_fee,
        execute_base_fee,
    ))
}

/// The gas a successful EXECUTE call with `input` is charged at the given fees:
/// [`fixed_gas`] plus the price of the L2 gas the block used (`gas_used`, which
/// verification checked; never more than the work bound).
pub fn charged_gas(
    input: &StatelessInput,
    wire_len: usize,
    l1_base_fee: u64,
    execute_base_fee: u128,
) -> u64 {
    let used = input.new_payload_request.execution_payload.gas_used.min(input.work_bound());
    fixed_gas(input, wire_len).saturating_add(l2_gas_charge(used, l1_base_fee, execute_base_fee))
}

/// Why an EXECUTE call failed after its input charge was covered (all gas is consumed).
#[derive(Debug, thiserror::Error)]
pub enum ExecuteCallError {
    /// Decoding or verification failed.
    #[error(transparent)]
    Execute(#[from] ExecuteError),
    /// Verifying the block would exceed the EXECUTE gas limit of the L1 block.
    #[error("EXECUTE gas limit of the L1 block exceeded: {used} used + {requested} > {limit}")]
    BlockGasLimit {
        /// L2 gas already verified in the L1 block.
        used: u64,
        /// L2 gas this call reserves (its work bound).
        requested: u64,
        /// EXECUTE gas limit per L1 block.
        limit: u64,
    },
}

/// The result of one EXECUTE call, before it is turned into precompile output.
#[derive(Debug)]
pub enum ExecuteOutcome {
    /// Verified: the 43-byte SSZ `StatelessValidationResult` and the gas charged.
    Success {
        /// Output bytes.
        output: Bytes,
        /// Gas charged.
        gas: u64,
    },
    /// The gas given does not cover the charge (all gas is consumed).
    OutOfGas {
        /// What the call would have cost (as far as known).
        required: u64,
    },
    /// The call failed after the charge (all gas is consumed).
    Failed(ExecuteCallError),
}

/// Runs one EXECUTE call: charge, decode, market check, verify. `gas_limit` is the gas
/// the caller gave.
pub fn execute_call(
    input: &[u8],
    gas_limit: u64,
    schedule: &ForkSchedule,
    market: &ExecuteMarket,
) -> ExecuteOutcome {
    let pre = input_gas(input.len());
    if gas_limit < pre {
        return ExecuteOutcome::OutOfGas { required: pre };
    }
    let decoded = match StatelessInput::from_wire(input) {
        Ok(d) => d,
        Err(e) => return ExecuteOutcome::Failed(ExecuteError::Decode(e).into()),
    };
    let fixed = fixed_gas(&decoded, input.len());
    // The declared `gas_used` cannot bound the work: it is only compared after execution,
    // so an input declaring 0 would otherwise buy a full re-execution for nothing.
    let bound = decoded.work_bound();
    let l2_gas = decoded.new_payload_request.execution_payload.gas_used.min(bound);
    let (l1_fee, exec_fee) = market.prices();
    // The caller must provide for the most work the block can cause (signatures, hashing,
    // execution); it pays for what the block declares (and then provably used) only if
    // verification succeeds. Same as `required_gas`, without decoding transactions twice.
    let required = fixed.saturating_add(l2_gas_charge(bound, l1_fee, exec_fee));
    if gas_limit < required {
        return ExecuteOutcome::OutOfGas { required };
    }
    if let Err(e) = market.reserve(bound) {
        return ExecuteOutcome::Failed(e);
    }
    match execute_decoded(&decoded, schedule) {
        Ok(result) => {
            market.release(bound - l2_gas);
            let gas = fixed.saturating_add(l2_gas_charge(l2_gas, l1_fee, exec_fee));
            ExecuteOutcome::Success { output: result.to_bytes().to_vec().into(), gas }
        }
        Err(e) => ExecuteOutcome::Failed(e.into()),
    }
}

/// The EXECUTE precompile bound to an L1 fork schedule and the current block's market.
pub fn execute_precompile(schedule: ForkSchedule, market: ExecuteMarket) -> DynPrecompile {
    DynPrecompile::new_stateful(
        PrecompileId::Custom("EXECUTE".into()),
        move |input: PrecompileInput<'_>| -> PrecompileResult {
            let reservoir = input.reservoir;
            Ok(match execute_call(input.data, input.gas, &schedule, &market) {
                ExecuteOutcome::Success { output, gas } => {
                    PrecompileOutput::new(gas, output, reservoir)
                }
                ExecuteOutcome::OutOfGas { .. } => {
                    PrecompileOutput::halt(PrecompileHalt::OutOfGas, reservoir)
                }
                ExecuteOutcome::Failed(reason) => PrecompileOutput::halt(
                    PrecompileHalt::Other(reason.to_string().into()),
                    reservoir,
                ),
            })
        },
    )
}

/// An EVM factory for an L1 block: Ethereum's precompiles plus EXECUTE at [`EXECUTE_ADDRESS`],
/// verifying under `schedule` and accounting into `market`.
pub fn l1_evm_factory(schedule: ForkSchedule, market: ExecuteMarket) -> NrEvmFactory {
    NrEvmFactory::with_precompiles(Arc::new(move |map: &mut PrecompilesMap, _spec| {
        map.extend_precompiles([(
            EXECUTE_ADDRESS,
            execute_precompile(schedule.clone(), market.clone()),
        )]);
    }))
}

/// Block hooks of an L1 with EXECUTE: every block gets a fresh [`ExecuteMarket`] priced from
/// its parent's `extra_data`, and records its own market data in `extra_data`.
#[derive(Debug, Clone)]
pub struct L1Hooks {
    /// The L1's fork schedule (EXECUTE verifies L2 blocks under it).
    pub schedule: ForkSchedule,
    /// EXECUTE gas limit and target per L1 block.
    pub params: ExecuteGasParams,
}

impl L1Hooks {
    /// The EXECUTE base fee in force in `header`, child of `parent`.
    pub fn execute_base_fee(&self, parent: &Header, header: &Header) -> u128 {
        let l1_fee = header.base_fee_per_gas.unwrap_or_default();
        match ExecuteBlockData::from_extra_data(&parent.extra_data) {
            Some(d) if parent.number + 1 == header.number => d.next_base_fee(self.params, l1_fee),
            _ => u128::from(l1_fee),
        }
    }

    /// The market of `header`, child of `parent`, with nothing used yet.
    pub fn market(&self, parent: &Header, header: &Header) -> ExecuteMarket {
        ExecuteMarket::new(
            self.params,
            header.base_fee_per_gas.unwrap_or_default(),
            self.execute_base_fee(parent, header),
        )
    }
}

impl BlockHooks for L1Hooks {
    fn block_evm(&self, parent: &Header, header: &Header) -> BlockEvm {
        let market = self.market(parent, header);
        let factory = l1_evm_factory(self.schedule.clone(), market.clone());
        BlockEvm {
            factory,
            extra_data: Box::new(move || Some(market.block_data().to_extra_data())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extra_data_round_trip_and_rejects_other_bytes() {
        let d = ExecuteBlockData { base_fee: 7_000_000_000, gas_used: 123 };
        let e = d.to_extra_data();
        assert_eq!(e.len(), 28);
        assert_eq!(ExecuteBlockData::from_extra_data(&e), Some(d));
        assert_eq!(ExecuteBlockData::from_extra_data(b"nr devnet"), None);
        assert_eq!(ExecuteBlockData::from_extra_data(&e[..27]), None);
    }

    #[test]
    fn base_fee_follows_eip1559_and_never_drops_below_l1() {
        let p = ExecuteGasParams { limit: 20, target: 10 };
        let at = |fee, used| ExecuteBlockData { base_fee: fee, gas_used: used };
        assert_eq!(at(800, 10).next_base_fee(p, 1), 800);
        assert_eq!(at(800, 20).next_base_fee(p, 1), 900);
        assert_eq!(at(800, 0).next_base_fee(p, 1), 700);
        assert_eq!(at(800, 0).next_base_fee(p, 750), 750);
        assert_eq!(at(1, 20).next_base_fee(p, 1), 2, "grows by at least 1 wei");
        let huge = ExecuteGasParams { limit: u64::MAX, target: 1 };
        assert!(at(u128::MAX / 2, u64::MAX).next_base_fee(huge, 1) >= u128::MAX / 2, "no overflow");
    }

    #[test]
    fn charge_is_l2_gas_at_par_and_scales_with_congestion() {
        assert_eq!(l2_gas_charge(1000, 10, 10), 1000);
        assert_eq!(l2_gas_charge(1000, 10, 15), 1500);
        assert_eq!(l2_gas_charge(1000, 10, 1), 1000, "never below the L2 gas");
        assert_eq!(l2_gas_charge(3, 2, 3), 5, "rounds up");
        assert_eq!(l2_gas_charge(u64::MAX, 1, u128::MAX), u64::MAX);
    }

    #[test]
    fn witness_item_gas_is_a_fixed_price_plus_keccak_words() {
        assert_eq!(witness_item_gas(0), 500);
        assert_eq!(witness_item_gas(1), 506);
        assert_eq!(witness_item_gas(32), 506);
        assert_eq!(witness_item_gas(33), 512);
        assert_eq!(witness_item_gas(1024), 500 + 6 * 32);
    }

    #[test]
    fn garbage_input_fails_closed_after_charge_and_short_gas_is_oog() {
        let m = ExecuteMarket::new(ExecuteGasParams::default(), 1, 1);
        let s = ForkSchedule::from_genesis(nr_stateless::Fork::Osaka);
        assert!(matches!(
            execute_call(&[1, 2, 3], 10, &s, &m),
            ExecuteOutcome::OutOfGas { required } if required == EXECUTE_BASE_GAS + 6
        ));
        assert!(matches!(
            execute_call(&[1, 2, 3], 1_000_000, &s, &m),
            ExecuteOutcome::Failed(ExecuteCallError::Execute(ExecuteError::Decode(_)))
        ));
        assert_eq!(m.snapshot().gas_used, 0, "undecodable input reserves nothing");
    }
}
