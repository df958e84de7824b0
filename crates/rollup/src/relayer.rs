//! The bridge relayer: watches L1->L2 messages on L1 and delivers them on L2 (proving the
//! L1 message root from the anchored L1 header, then claiming each message).
//!
//! One message never holds up another: a message whose claim no L2 transaction can carry
//! (gas limit beyond the L2 block, or beyond u64) is left for manual claiming at once, and
//! a claim the pool refuses counts as a failed attempt; the relayer moves on to the next.
//! A message not due soon is left for manual claiming after [`MAX_ATTEMPTS`]; one due soon
//! (settlement waits on it, `MessagesDue`) is retried for as long as it is not claimed,
//! with a backoff of up to [`MAX_BACKOFF_BLOCKS`] L1 blocks between attempts.
//!
//! What it claims when is its [`DeliveryPolicy`]: messages due soon always (forced
//! deposits, see [`crate::delivery`]), the others at once unless censored or due-only.

use crate::{POLL, RollupError, delivery::DeliveryPolicy, l1::L1Client};
use alloy_primitives::{B256, Bytes, U256};
use alloy_rpc_types_eth::BlockNumberOrTag;
use alloy_signer_local::PrivateKeySigner;
use alloy_sol_types::SolCall;
use nr_chain::{CallOutcome, CallRequest, Chain, Eip1559Builder};
use nr_contracts::{
    L2_MESSENGER, L2Messenger, MessageTree, NativeRollup, l1_message_claim_gas, l1_message_hash,
};
use std::{
    collections::{HashMap, HashSet},
    sync::Arc,
};

/// Delivery of deposits and other L1->L2 messages.
#[derive(Debug)]
pub struct Relayer {
    chain: Arc<Chain>,
    l1: L1Client,
    key: PrivateKeySigner,
    next_log_block: u64,
    messages: Vec<(L2Messenger::L1Message, u64)>,
    /// Submitted transactions not yet seen in a block, by message leaf (or root).
    in_flight: HashMap<B256, B256>,
    failures: HashMap<B256, u32>,
    /// First L1 block at which a message past [`MAX_ATTEMPTS`] (due soon) is tried again.
    retry_at: HashMap<B256, u64>,
    /// Messages no L2 transaction can claim: never tried again.
    unclaimable: HashSet<B256>,
    policy: DeliveryPolicy,
}

/// Attempts before a message whose delivery keeps failing is left for manual claiming
/// (unless it is due soon: those are always retried).
pub const MAX_ATTEMPTS: u32 = 3;

/// Longest wait, in L1 blocks, between two attempts at a due message whose claims keep
/// failing (the wait doubles from one block after [`MAX_ATTEMPTS`]).
pub const MAX_BACKOFF_BLOCKS: u64 = 8;

impl Relayer {
    /// A relayer paying L2 gas with `key`, reading messages from L1 block `from` on,
    /// claiming what `policy` says when.
    pub fn new(
        chain: Arc<Chain>,
        l1: L1Client,
        key: PrivateKeySigner,
        from: u64,
        policy: DeliveryPolicy,
    ) -> Self {
        Self {
            chain,
            l1,
            key,
            next_log_block: from,
            messages: vec![],
            in_flight: HashMap::new(),
            failures: HashMap::new(),
            retry_at: HashMap::new(),
            unclaimable: HashSet::new(),
            policy,
        }
    }

    /// Runs until the process ends.
    pub async fn run(mut self) {
        loop {
            if let Err(e) = self.step().await {
                tracing::warn!("relayer: {e}");
            }
            tokio::time::sleep(POLL).await;
        }
    }

    fn l2_view<C: SolCall>(&self, call: C) -> Result<C::Return, RollupError> {
        let req = CallRequest {
            to: Some(L2_MESSENGER),
            input: call.abi_encode().into(),
            ..Default::default()
        };
        match self.chain.call(&self.chain.head(), &req)? {
            CallOutcome::Success { output, .. } => {
                C::abi_decode_returns(&output).map_err(RollupError::DecodeL2)
            }
            outcome => Err(RollupError::L2ViewFailed { what: C::SIGNATURE, outcome }),
        }
    }

    fn submit(&self, input: Vec<u8>, gas: u64) -> Result<B256, RollupError> {
        let head = self.chain.head();
        let base = head
            .next_block_base_fee(alloy_eips::eip1559::BaseFeeParams::ethereum())
            .unwrap_or(0) as u128;
        let nonce = self.chain.pending_nonce(self.key.address())?;
        let tx = Eip1559Builder::new(self.chain.chain_id(), nonce, L2_MESSENGER)
            .input(input)
            .gas_limit(gas)
            .fees(2 * base + 1_000_000_000, 1_000_000_000)
            .sign(&self.key)?;
        self.chain.add_transaction(tx).map_err(RollupError::RelayerTxRefused)
    }

    /// Submits a claim of each `pending` (index, leaf) message of `tree` (root `root`),
    /// skipping for good those whose claim no L2 transaction under `block_gas_limit` can
    /// carry; each submission counts as an attempt (it is only retried if the message is
    /// still unclaimed once the transaction left the pool), and from [`MAX_ATTEMPTS`] on
    /// the next one waits a backoff from `l1_head`. Never stops early.
    fn claim_pending(
        &mut self,
        l1_head: u64,
        block_gas_limit: u64,
        root: B256,
        tree: &MessageTree,
        pending: Vec<(usize, B256)>,
    ) {
        for (i, leaf) in pending {
            let m = self.messages[i].0.clone();
            let gas = l1_message_claim_gas(m.gasLimit).filter(|g| *g <= block_gas_limit);
            let (Some(gas), Some(proof)) = (gas, tree.proof(i)) else {
                tracing::warn!(
                    index = i,
                    %leaf,
                    gas_limit = %m.gasLimit,
                    "relayer: no L2 transaction can claim this message; left for manual claiming"
                );
                self.failures.insert(leaf, MAX_ATTEMPTS);
                self.unclaimable.insert(leaf);
                continue;
            };
            let call = L2Messenger::claimL1MessageCall { m, root, proof };
            let attempts = self.failures.entry(leaf).or_default();
            *attempts += 1;
            if *attempts >= MAX_ATTEMPTS {
                let backoff = 1u64 << (*attempts - MAX_ATTEMPTS).min(3);
                self.retry_at.insert(leaf, l1_head + backoff.min(MAX_BACKOFF_BLOCKS));
            }
            match self.submit(call.abi_encode(), gas) {
                Ok(tx) => {
                    tracing::info!(index = i, %leaf, "relayer: claiming L1 message");
                    self.in_flight.insert(leaf, tx);
                }
                Err(e) => tracing::warn!(index = i, %leaf, "relayer: claim not submitted: {e}"),
            }
        }
    }

    /// Whether to try claiming message `m` (leaf `leaf`, sent at L1 block `sent`) now, the
    /// L1 head being `latest`.
    fn wants_to_claim(
        &self,
        m: &L2Messenger::L1Message,
        leaf: B256,
        sent: u64,
        latest: u64,
    ) -> bool {
        if !self.policy.claim_now(m, sent, latest)
            || self.in_flight.contains_key(&leaf)
            || self.unclaimable.contains(&leaf)
        {
            return false;
        }
        if self.failures.get(&leaf).is_none_or(|n| *n < MAX_ATTEMPTS) {
            return true;
        }
        // Settlement waits on a due message: never give up on it, only back off.
        self.policy.due_soon(sent, latest)
            && self.retry_at.get(&leaf).is_none_or(|at| latest >= *at)
    }

    async fn step(&mut self) -> Result<(), RollupError> {
        let latest = self.l1.block(BlockNumberOrTag::Latest).await?.number;
        if latest >= self.next_log_block {
            for (log, e) in
                self.l1.events::<NativeRollup::MessageSent>(self.next_log_block, latest).await?
            {
                let (index, hash) = (e.index, e.hash);
                let m = crate::bridge::l1_message(e);
                if index != U256::from(self.messages.len()) || l1_message_hash(&m) != hash {
                    return Err(RollupError::MessageOutOfOrder(index));
                }
                self.messages.push((m, log.block_number.unwrap_or_default()));
            }
            self.next_log_block = latest + 1;
        }
        // Transactions that left the pool are done (included or dropped).
        self.in_flight.retain(|_, tx| self.chain.pending_tx(tx).is_some());
        let head = self.chain.head();
        let Some(anchor_hash) = head.parent_beacon_block_root else { return Ok(()) };
        if head.number == 0 {
            return Ok(());
        }
        let anchor = self.l1.number_of(anchor_hash).await?;
        let covered = self.messages.iter().take_while(|(_, b)| *b <= anchor).count();
        let mut tree = MessageTree::default();
        for (m, _) in &self.messages[..covered] {
            tree.push(l1_message_hash(m));
        }
        let mut pending = vec![];
        for (i, (m, sent)) in self.messages[..covered].iter().enumerate() {
            let leaf = l1_message_hash(m);
            if !self.wants_to_claim(m, leaf, *sent, latest) {
                continue;
            }
            if !self.l2_view(L2Messenger::claimedL1Call(leaf))? {
                pending.push((i, leaf));
            }
        }
        if pending.is_empty() {
            return Ok(());
        }
        let root = tree.root();
        if !self.l2_view(L2Messenger::knownL1RootsCall(root))?
            && !self.in_flight.contains_key(&root)
        {
            let header = self.l1.block(BlockNumberOrTag::Number(anchor)).await?.header;
            let proof = self.l1.rollup_proof(vec![B256::ZERO], anchor).await?;
            let call = L2Messenger::proveL1MessageRootCall {
                l2Timestamp: U256::from(head.timestamp),
                l1Header: Bytes::from(alloy_rlp::encode(&header)),
                accountProof: proof.account_proof,
                storageProof: proof
                    .storage_proof
                    .first()
                    .map(|p| p.proof.clone())
                    .unwrap_or_default(),
            };
            let tx = self.submit(call.abi_encode(), 1_500_000)?;
            tracing::info!(%root, anchor, "relayer: proving L1 message root");
            self.in_flight.insert(root, tx);
        }
        self.claim_pending(latest, head.gas_limit, root, &tree, pending);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy_primitives::Address;
    use nr_stateless::{Fork, ForkSchedule};

    fn message(index: usize, gas_limit: U256) -> L2Messenger::L1Message {
        L2Messenger::L1Message {
            sender: Address::repeat_byte(1),
            to: Address::repeat_byte(2),
            value: U256::from(1),
            fee: U256::ZERO,
            gasLimit: gas_limit,
            index: U256::from(index),
            data: Bytes::new(),
        }
    }

    /// An L2 chain whose genesis funds `funded`, with a 1M gas limit.
    fn chain_with(dir: &std::path::Path, funded: &[(Address, U256)]) -> Arc<Chain> {
        let mut spec = nr_contracts::l2_genesis(
            8079,
            ForkSchedule::from_genesis(Fork::Osaka),
            1_700_000_000,
            Address::repeat_byte(3),
            Address::repeat_byte(4),
            funded,
        );
        spec.genesis.gas_limit = 1_000_000;
        Arc::new(
            Chain::open(&dir.join("l2.redb"), spec, Arc::new(nr_stateless::evm::PlainEthereum))
                .unwrap(),
        )
    }

    /// A due message whose first claims are refused (the relayer's key has no L2 ETH yet)
    /// is still claimed once they can succeed: settlement waits on it (`MessagesDue`), so
    /// the relayer never gives up on it. A message not due is still given up after
    /// [`MAX_ATTEMPTS`].
    #[test]
    fn relayer_gives_up_on_due_messages() {
        let dir = tempfile::tempdir().unwrap();
        let key = PrivateKeySigner::from_bytes(&B256::repeat_byte(0x42)).unwrap();
        let funder = PrivateKeySigner::from_bytes(&B256::repeat_byte(0x43)).unwrap();
        let chain =
            chain_with(dir.path(), &[(funder.address(), U256::from(10).pow(U256::from(20)))]);
        let l1 = L1Client::new("http://127.0.0.1:1", Address::ZERO, None).unwrap();
        // Long enough that the other message stays far from due during the test.
        let delay = 1000;
        let policy = DeliveryPolicy::new(delay, vec![], false);
        let mut relayer = Relayer::new(chain.clone(), l1, key.clone(), 0, policy);
        let (due, later) = (message(0, U256::from(50_000)), message(1, U256::from(50_000)));
        let mut l1_head = 2000;
        let (due_sent, later_sent) = (l1_head - delay, l1_head);
        let mut tree = MessageTree::default();
        for (m, sent) in [(due.clone(), due_sent), (later.clone(), later_sent)] {
            tree.push(l1_message_hash(&m));
            relayer.messages.push((m, sent));
        }
        let leaves = [l1_message_hash(&due), l1_message_hash(&later)];
        // One relayer step per L1 block: what it wants to claim, it submits.
        let step = |relayer: &mut Relayer, l1_head: u64| {
            let pending: Vec<(usize, B256)> = relayer
                .messages
                .iter()
                .enumerate()
                .filter(|(i, (m, sent))| relayer.wants_to_claim(m, leaves[*i], *sent, l1_head))
                .map(|(i, _)| (i, leaves[i]))
                .collect();
            relayer.claim_pending(l1_head, chain.head().gas_limit, tree.root(), &tree, pending);
        };
        // The key holds no L2 ETH: every claim is refused by the pool.
        for _ in 0..2 * MAX_ATTEMPTS {
            step(&mut relayer, l1_head);
            l1_head += 1;
        }
        assert!(relayer.in_flight.is_empty(), "no claim accepted without L2 ETH");
        let refused = relayer.failures[&leaves[0]];
        assert!(
            refused > MAX_ATTEMPTS && u64::from(refused) < 2 * u64::from(MAX_ATTEMPTS),
            "the due message is retried past MAX_ATTEMPTS, with backoff ({refused} attempts in {} L1 blocks)",
            2 * MAX_ATTEMPTS
        );
        // The key gets L2 ETH; within a bounded number of L1 blocks the due message is
        // claimed again, the other one is not.
        let fund = Eip1559Builder::new(chain.chain_id(), 0, key.address())
            .value(U256::from(10).pow(U256::from(18)))
            .gas_limit(21_000)
            .fees(100_000_000_000, 1_000_000_000)
            .sign(&funder)
            .unwrap();
        chain.add_transaction(fund).unwrap();
        let p = chain.produce_block(chain.head().timestamp + 2).unwrap();
        assert_eq!(p.block.body.transactions.len(), 1, "funding transfer included");
        let give_up_at = l1_head + 64;
        while !relayer.in_flight.contains_key(&leaves[0]) {
            assert!(
                l1_head < give_up_at,
                "due message not claimed again after its first {} refused claims (failures {:?})",
                relayer.failures.get(&leaves[0]).copied().unwrap_or_default(),
                relayer.failures
            );
            step(&mut relayer, l1_head);
            l1_head += 1;
        }
        println!(
            "due message claimed at attempt {} (L1 block {}), after {refused} refused in {} blocks",
            relayer.failures[&leaves[0]],
            l1_head - 1,
            2 * MAX_ATTEMPTS
        );
        let tx = relayer.in_flight[&leaves[0]];
        assert!(chain.pending_tx(&tx).is_some(), "the due message's claim is in the pool");
        assert!(!relayer.in_flight.contains_key(&leaves[1]), "a message not due is given up");
        assert_eq!(relayer.failures.get(&leaves[1]).copied(), Some(MAX_ATTEMPTS));
    }

    /// Messages no L2 transaction can claim (above the block gas limit, beyond u64) are left
    /// for manual claiming and the ones after them are still claimed.
    #[test]
    fn undeliverable_messages_do_not_block_the_next() {
        let dir = tempfile::tempdir().unwrap();
        let key = PrivateKeySigner::from_bytes(&B256::repeat_byte(0x42)).unwrap();
        let mut spec = nr_contracts::l2_genesis(
            8079,
            ForkSchedule::from_genesis(Fork::Osaka),
            1_700_000_000,
            Address::repeat_byte(3),
            Address::repeat_byte(4),
            &[(key.address(), U256::from(10).pow(U256::from(20)))],
        );
        spec.genesis.gas_limit = 1_000_000;
        let chain = Arc::new(
            Chain::open(
                &dir.path().join("l2.redb"),
                spec,
                Arc::new(nr_stateless::evm::PlainEthereum),
            )
            .unwrap(),
        );
        let l1 = L1Client::new("http://127.0.0.1:1", Address::ZERO, None).unwrap();
        let mut relayer = Relayer::new(chain.clone(), l1, key, 0, DeliveryPolicy::default());
        let gas_limits = [
            U256::from(800_000),  // its claim needs more than the 1M block
            U256::from(100_000),  // ordinary
            U256::from(u64::MAX), // overflows the claim's gas
            U256::MAX,            // not even a u64
            U256::from(50_000),   // ordinary
        ];
        let mut tree = MessageTree::default();
        for (i, g) in gas_limits.iter().enumerate() {
            let m = message(i, *g);
            tree.push(l1_message_hash(&m));
            relayer.messages.push((m, 1));
        }
        let pending: Vec<(usize, B256)> = relayer
            .messages
            .iter()
            .enumerate()
            .map(|(i, (m, _))| (i, l1_message_hash(m)))
            .collect();
        relayer.claim_pending(1, chain.head().gas_limit, tree.root(), &tree, pending.clone());
        for (i, leaf) in &pending {
            let deliverable = [1, 4].contains(i);
            assert_eq!(relayer.in_flight.contains_key(leaf), deliverable, "message {i} submitted");
            let failures = relayer.failures.get(leaf).copied();
            let expected = if deliverable { 1 } else { MAX_ATTEMPTS };
            assert_eq!(failures, Some(expected), "message {i} attempts");
            if let Some(tx) = relayer.in_flight.get(leaf) {
                assert!(chain.pending_tx(tx).is_some(), "message {i}'s claim is in the pool");
            }
        }
    }
}
