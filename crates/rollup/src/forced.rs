//! Forced transactions on the node side (issue 14, `docs/l2.md` "Forced transactions"):
//! reading the rollup's inbox, choosing which pending entries the sequencer (or a based
//! builder) puts first in its next block, and pruning invalid head entries before the
//! settler advances.

use crate::{RollupError, l1::L1Client};
use alloy_consensus::{Transaction, TxEnvelope};
use alloy_eips::{eip1559::BaseFeeParams, eip2718::Decodable2718};
use alloy_primitives::{Address, B256, Bytes, U256, keccak256};
use alloy_sol_types::SolCall;
use nr_chain::Chain;
use nr_contracts::NativeRollup;
use std::collections::{BTreeMap, HashMap};

/// Most invalid head entries the settler prunes before one `advance`.
pub const MAX_PRUNES_PER_ROUND: usize = 16;
/// L1 blocks before its deadline from which a censoring sequencer includes a forced entry
/// anyway: a block built then is settled before the entry is due, so it is not refused for
/// leaving it out (a block refused nonetheless is rebuilt, see `Settler`).
pub const CENSOR_MARGIN: u64 = 2;

/// A pending entry of the rollup's forced-transaction inbox.
#[derive(Debug, Clone)]
pub struct PendingForced {
    /// Its index in the inbox.
    pub index: u64,
    /// The L2 transaction.
    pub tx: TxEnvelope,
    /// What the contract stored for it.
    pub entry: NativeRollup::ForcedEntry,
}

/// Reads the pending entries of the forced inbox: the contract's head and count, the raw
/// transactions from `ForcedTransaction` logs (cached by index, checked against the
/// stored hash, rescanned when an L1 reorg changed them).
#[derive(Debug)]
pub struct ForcedInbox {
    l1: L1Client,
    deploy_block: u64,
    next_log_block: u64,
    raw: BTreeMap<u64, Bytes>,
}

impl ForcedInbox {
    /// An inbox reader of the rollup `l1` talks to, deployed at L1 block `deploy_block`.
    pub fn new(l1: L1Client, deploy_block: u64) -> Self {
        Self { l1, deploy_block, next_log_block: deploy_block, raw: BTreeMap::new() }
    }

    /// The L1 client of the inbox it reads.
    pub fn l1(&self) -> &L1Client {
        &self.l1
    }

    /// The pending entries (index >= `forcedHead`), in inbox order. An entry whose raw
    /// bytes do not decode (impossible for what `forceInclude` accepts) ends the list.
    pub async fn pending(&mut self) -> Result<Vec<PendingForced>, RollupError> {
        Ok(self.pending_from().await?.1)
    }

    /// The inbox's head (`forcedHead`) and the pending entries from it, as [`Self::pending`]:
    /// what a proposal counts its blocks' forced entries from.
    pub async fn pending_from(&mut self) -> Result<(u64, Vec<PendingForced>), RollupError> {
        let head = self.l1.view(NativeRollup::forcedHeadCall {}).await?.to::<u64>();
        let count = self.l1.view(NativeRollup::forcedCountCall {}).await?.to::<u64>();
        let mut out = Vec::new();
        for index in head..count {
            let entry =
                self.l1.view(NativeRollup::forcedEntryCall { i: U256::from(index) }).await?;
            let raw = match self.raw.get(&index) {
                Some(r) if keccak256(r) == entry.txHash => r.clone(),
                _ => {
                    self.scan(index).await?;
                    match self.raw.get(&index) {
                        Some(r) if keccak256(r) == entry.txHash => r.clone(),
                        _ => return Err(RollupError::ForcedTxMissing { index }),
                    }
                }
            };
            let Ok(tx) = TxEnvelope::decode_2718(&mut raw.as_ref()) else {
                tracing::warn!(index, "forced transaction does not decode");
                break;
            };
            out.push(PendingForced { index, tx, entry });
        }
        self.raw.retain(|i, _| *i >= head);
        Ok((head, out))
    }

    /// Reads `ForcedTransaction` logs up to the L1 head; from the deployment again when
    /// entry `want` is not among what was read (an L1 reorg replaced it).
    async fn scan(&mut self, want: u64) -> Result<(), RollupError> {
        let latest = self.l1.block(alloy_rpc_types_eth::BlockNumberOrTag::Latest).await?.number;
        if self.raw.contains_key(&want) || self.next_log_block > latest {
            self.next_log_block = self.deploy_block;
        }
        let logs =
            self.l1.events::<NativeRollup::ForcedTransaction>(self.next_log_block, latest).await?;
        for (_, e) in logs {
            self.raw.insert(e.index.to::<u64>(), e.rawTx);
        }
        // An entry the inbox's state shows before its log is served (a node may answer
        // `eth_call` on a block whose logs are not indexed yet) would otherwise be passed by
        // for good: while it is missing, the next scan starts from the deployment again.
        self.next_log_block =
            if self.raw.contains_key(&want) { latest + 1 } else { self.deploy_block };
        Ok(())
    }
}

/// The sequencer's development-only censorship (`--censor`, `--censor-forced`).
#[derive(Debug, Clone, Default)]
pub struct Censorship {
    /// Senders whose pool transactions are left out, and whose forced ones wait until due.
    pub censor: Vec<Address>,
    /// Leave out censored senders' forced transactions even once due.
    pub censor_forced: bool,
}

/// The forced transactions to put first in the head's child, in inbox order: pending
/// entries not already in the chain, stopping at a censored one (kept out until it is due
/// at `next_l1_block` plus [`CENSOR_MARGIN`], or always with `censor_forced`), and leaving
/// out those that could
/// not run on the head state (wrong nonce, not enough balance, fee cap below the next
/// base fee): the L1 drops them (`advance`) or the settler prunes them (`pruneForced`).
pub fn select(
    chain: &Chain,
    pending: &[PendingForced],
    next_l1_block: u64,
    censorship: &Censorship,
) -> Result<Vec<TxEnvelope>, RollupError> {
    let head = chain.head();
    let base_fee = chain.child_template(&head, head.timestamp + 1).base_fee_per_gas.unwrap_or(0);
    let mut nonces: HashMap<Address, (u64, U256)> = HashMap::new();
    let mut out = Vec::new();
    for p in pending {
        if chain.tx_location(p.tx.tx_hash())?.is_some() {
            continue;
        }
        let sender = p.entry.sender;
        if censorship.censor.contains(&sender)
            && (censorship.censor_forced || next_l1_block + CENSOR_MARGIN < p.entry.deadline)
        {
            break;
        }
        let state = match nonces.get(&sender) {
            Some(s) => *s,
            None => chain.account(&head, sender)?.map_or((0, U256::ZERO), |a| (a.nonce, a.balance)),
        };
        let cost = nr_chain::pool::max_cost(&p.tx).unwrap_or(U256::MAX);
        if p.tx.nonce() != state.0
            || state.1 < cost
            || p.tx.max_fee_per_gas() < u128::from(base_fee)
        {
            tracing::info!(index = p.index, tx = %p.tx.tx_hash(), "forced transaction invalid on the head state: left out");
            continue;
        }
        nonces.insert(sender, (state.0 + 1, state.1 - cost));
        out.push(p.tx.clone());
    }
    Ok(out)
}

/// Whether `e` is the rollup refusing a block for leaving out a due forced entry.
pub fn is_forced_due(e: &RollupError) -> bool {
    matches!(e, RollupError::ContractError { error, .. } if error.name == "ForcedTransactionDue")
}

/// When the rollup refuses a block for leaving out a due forced entry: whether the inbox's
/// head entry is one the block producer found no settleable block can carry (dropped as
/// over the `advance` budget, `nr_chain::DropReason::OverBudget`). Rebuilding the
/// unsettled blocks would leave it out again, so the settler waits instead: `advance` drops
/// it once expired. Returns the L1 block from which it is expired (`deadline +
/// forcedDelay`).
pub async fn head_entry_over_budget(
    l1: &L1Client,
    chain: &Chain,
) -> Result<Option<u64>, RollupError> {
    let Some((_, e)) = head_record(l1).await? else {
        return Ok(None);
    };
    if !matches!(chain.drop_reason(&e.txHash), Some(nr_chain::DropReason::OverBudget(_))) {
        return Ok(None);
    }
    let delay = crate::delivery::forced_delay(l1).await?;
    Ok(Some(e.deadline.saturating_add(delay)))
}

/// The inbox `l1`'s head entry (its index and record), `None` when nothing is pending.
async fn head_record(
    l1: &L1Client,
) -> Result<Option<(U256, NativeRollup::ForcedEntry)>, RollupError> {
    let head = l1.view(NativeRollup::forcedHeadCall {}).await?;
    let count = l1.view(NativeRollup::forcedCountCall {}).await?;
    if head >= count {
        return Ok(None);
    }
    Ok(Some((head, l1.view(NativeRollup::forcedEntryCall { i: head }).await?)))
}

/// Why the next block cannot carry the inbox's head entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unfit {
    /// Past its expiry (`pruneForced` needs no proof).
    Expired,
    /// Its sender's nonce or balance on the state it would run on do not fit.
    Invalid,
    /// Due, and its fee cap is below the base fee of the block after that state.
    Underpriced,
}

/// The inbox's head entry as the next block sees it.
#[derive(Debug, Clone)]
pub enum HeadEntry {
    /// Nothing is pending.
    Empty,
    /// The head entry is the next block's first transaction, or could run first in it.
    Fits,
    /// The head entry (its index and record) cannot be carried, and why.
    Unfit(U256, NativeRollup::ForcedEntry, Unfit),
}

/// The inbox `l1`'s head entry judged for the next block: built on local block `state`,
/// whose first transaction is `first` (if known). With `l1_clock` = (the L1 block the
/// judgement is for, the inbox's `forcedDelay`), an entry past its expiry is
/// [`Unfit::Expired`] and a due entry whose fee cap is below the next block's base fee is
/// [`Unfit::Underpriced`]: the optimistic inbox drops those on the pending tip; the native
/// rollup drops them itself in `advance`, so its settler passes `None`.
pub async fn head_entry(
    l1: &L1Client,
    chain: &Chain,
    state: &alloy_consensus::Header,
    first: Option<B256>,
    l1_clock: Option<(u64, u64)>,
) -> Result<HeadEntry, RollupError> {
    let Some((head, e)) = head_record(l1).await? else {
        return Ok(HeadEntry::Empty);
    };
    if Some(e.txHash) == first {
        return Ok(HeadEntry::Fits);
    }
    if l1_clock.is_some_and(|(l1_block, delay)| l1_block >= e.deadline.saturating_add(delay)) {
        return Ok(HeadEntry::Unfit(head, e, Unfit::Expired));
    }
    let (nonce, balance) =
        chain.account(state, e.sender)?.map_or((0, U256::ZERO), |a| (a.nonce, a.balance));
    if nonce != e.nonce || balance < e.maxCost {
        return Ok(HeadEntry::Unfit(head, e, Unfit::Invalid));
    }
    if l1_clock.is_some_and(|(l1_block, _)| l1_block >= e.deadline) {
        // The inbox's rule (EIP-1559 with elasticity 2 and denominator 8), which is also
        // the rule the sequencer builds the next block with.
        let base_fee = state.next_block_base_fee(BaseFeeParams::ethereum()).unwrap_or(0);
        if e.maxFeePerGas < u128::from(base_fee) {
            return Ok(HeadEntry::Unfit(head, e, Unfit::Underpriced));
        }
    }
    Ok(HeadEntry::Fits)
}

/// Before the settler advances L2 block `number` (its parent is the settled head): while
/// the inbox's head entry is not the block's first transaction and cannot run on the
/// settled state (nonce or balance, per the local chain), drops it with `pruneForced` and
/// a proof of its sender's account at the settled block. Returns whether entries remain
/// pending in the inbox.
pub async fn prune_invalid_head(
    l1: &L1Client,
    chain: &Chain,
    number: u64,
) -> Result<bool, RollupError> {
    let settled = number.saturating_sub(1);
    let parent = chain.header_by_number(settled)?.ok_or(RollupError::NoL2Block(settled))?;
    let first: Option<B256> = match chain.hash_by_number(number)? {
        Some(h) => chain.block(&h)?.and_then(|b| b.body.transactions.first().map(|t| *t.tx_hash())),
        None => None,
    };
    for _ in 0..MAX_PRUNES_PER_ROUND {
        let (head, e) = match head_entry(l1, chain, &parent, first, None).await? {
            HeadEntry::Empty => return Ok(false),
            HeadEntry::Fits => break,
            HeadEntry::Unfit(head, e, _) => (head, e),
        };
        let proof = chain.proof(&parent, e.sender, &[])?;
        let call = NativeRollup::pruneForcedCall { accountProof: proof.account_proof };
        let r = l1.send(l1.rollup, call.abi_encode().into(), U256::ZERO).await?;
        tracing::info!(index = %head, sender = %e.sender, l1_tx = %r.transaction_hash, "pruned an invalid forced transaction");
    }
    Ok(true)
}

/// A transaction accepted by the forced inbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ForcedSubmission {
    /// Its index in the inbox.
    pub index: u64,
    /// Its L2 transaction hash.
    pub tx_hash: B256,
    /// The L1 block from which every settled block must carry it.
    pub deadline: u64,
    /// The fee paid, in wei.
    pub fee: U256,
    /// The L1 transaction that submitted it.
    pub l1_tx: B256,
}

/// Gas limit of a forced ETH withdrawal when the L2 cannot estimate it.
pub const FORCED_WITHDRAW_GAS: u64 = 150_000;

impl crate::bridge::BridgeClient {
    /// Where forced transactions go: the rollup itself (`NativeRollup`), or the inbox an
    /// `OptimisticRollup` names (`inbox()`; docs/l2.md, "Forced inclusion in optimistic
    /// mode").
    pub async fn forced_inbox(&self) -> Result<Address, RollupError> {
        use alloy_network::TransactionBuilder;
        use alloy_provider::Provider;
        use alloy_rpc_types_eth::TransactionRequest;
        let call = nr_contracts::OptimisticRollup::inboxCall {};
        let req = TransactionRequest::default().with_to(self.rollup).with_input(call.abi_encode());
        // A `NativeRollup` has no `inbox()`: the call reverts and the rollup is the inbox.
        let Ok(out) = self.l1().call(req).await else { return Ok(self.rollup) };
        Ok(nr_contracts::OptimisticRollup::inboxCall::abi_decode_returns(&out)
            .unwrap_or(self.rollup))
    }

    /// Submits the signed L2 transaction `raw` to the rollup's forced inbox (see
    /// [`Self::forced_inbox`]), paying
    /// `forcedFee` at the current L1 base fee plus 12.5% (one block's largest rise).
    pub async fn force_send(&self, raw: Bytes) -> Result<ForcedSubmission, RollupError> {
        use alloy_network::TransactionBuilder;
        use alloy_provider::Provider;
        use alloy_rpc_types_eth::TransactionRequest;
        let tx = TxEnvelope::decode_2718(&mut raw.as_ref())
            .map_err(|e| RollupError::BadForcedTx(e.to_string()))?;
        let inbox = self.forced_inbox().await?;
        let fee_call = NativeRollup::forcedFeeCall {
            len: U256::from(raw.len()),
            txGasLimit: U256::from(tx.gas_limit()),
        };
        let req = TransactionRequest::default().with_to(inbox).with_input(fee_call.abi_encode());
        let out = self.l1().call(req).await.map_err(|source| RollupError::Rpc {
            method: NativeRollup::forcedFeeCall::SIGNATURE,
            source,
        })?;
        let fee = NativeRollup::forcedFeeCall::abi_decode_returns(&out).map_err(|source| {
            RollupError::Decode { what: NativeRollup::forcedFeeCall::SIGNATURE, source }
        })?;
        let fee = fee + fee / U256::from(8);
        let call = NativeRollup::forceIncludeCall { rawTx: raw };
        let req = TransactionRequest::default()
            .with_to(inbox)
            .with_input(call.abi_encode())
            .with_value(fee);
        let r = self
            .l1()
            .send_transaction(req)
            .await
            .map_err(RollupError::would_revert)?
            .with_timeout(Some(std::time::Duration::from_secs(120)))
            .get_receipt()
            .await
            .map_err(RollupError::BridgeReceipt)?;
        if !r.status() {
            return Err(RollupError::Reverted(r.transaction_hash));
        }
        let e = r
            .decoded_log::<NativeRollup::ForcedTransaction>()
            .ok_or(RollupError::NoForcedEvent(r.transaction_hash))?;
        Ok(ForcedSubmission {
            index: e.index.to::<u64>(),
            tx_hash: e.txHash,
            deadline: e.deadline.to::<u64>(),
            fee: e.fee,
            l1_tx: r.transaction_hash,
        })
    }

    /// Withdraws `amount` wei to `to` on L1 through the forced inbox: signs the L2
    /// withdrawal (`L2Messenger.sendMessage`, as [`Self::withdraw_eth`]) with `key`, its
    /// next nonce on the L2's latest state and fees from the L2's base fee, then
    /// [`Self::force_send`]s it. Claim it on L1 once included and settled.
    pub async fn force_withdraw(
        &self,
        key: &alloy_signer_local::PrivateKeySigner,
        to: Address,
        amount: U256,
    ) -> Result<ForcedSubmission, RollupError> {
        use alloy_eips::eip2718::Encodable2718;
        use alloy_network::TransactionBuilder;
        use alloy_provider::Provider;
        use alloy_rpc_types_eth::{BlockNumberOrTag, TransactionRequest};
        let rpc = |method| move |source| RollupError::Rpc { method, source };
        let l2 = self.l2();
        let chain_id = l2.get_chain_id().await.map_err(rpc("eth_chainId"))?;
        let nonce = l2
            .get_transaction_count(key.address())
            .block_id(BlockNumberOrTag::Latest.into())
            .await
            .map_err(rpc("eth_getTransactionCount"))?;
        let head = l2
            .get_block_by_number(BlockNumberOrTag::Latest)
            .await
            .map_err(rpc("eth_getBlockByNumber"))?
            .ok_or(RollupError::NoL2Head)?;
        let base_fee = u128::from(head.header.base_fee_per_gas.unwrap_or(0));
        let tip = 1_000_000_000u128;
        let call = nr_contracts::L2Messenger::sendMessageCall {
            to,
            gasLimit: U256::from(crate::bridge::WITHDRAW_GAS_LIMIT),
            data: Bytes::new(),
        };
        let req = TransactionRequest::default()
            .with_from(key.address())
            .with_to(nr_contracts::L2_MESSENGER)
            .with_input(call.abi_encode())
            .with_value(amount);
        let gas = match l2.estimate_gas(req).await {
            Ok(g) => g + g / 4,
            Err(_) => FORCED_WITHDRAW_GAS,
        };
        let tx = nr_chain::Eip1559Builder::new(chain_id, nonce, nr_contracts::L2_MESSENGER)
            .value(amount)
            .input(call.abi_encode())
            .gas_limit(gas)
            // The base fee may rise while the entry waits: room for doubling several times.
            .fees(base_fee * 8 + tip, tip)
            .sign(key)
            .map_err(|e| RollupError::BadForcedTx(e.to_string()))?;
        self.force_send(tx.encoded_2718().into()).await
    }
}
