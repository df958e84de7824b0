//! Forced deposits on the node side (issue 14): an L1->L2 message is due `forcedDelay` L1
//! blocks after it was sent, and the rollup contract then refuses every L2 block until a
//! settled block proves it processed (`L2Messenger.deliveredPrefix`).
//!
//! Two duties follow. The relayer ([`DeliveryPolicy`]) claims every message that is due
//! soon, whatever else it is told (censorship, or running only as the fallback deliverer
//! when no relayer key is configured), early enough that the blocks before the delivering
//! one are settled before the message is due. The settler ([`prefix_proof`],
//! [`delivery_due_soon`]) settles with `advanceWithDelivery`, proving the prefix from its
//! own chain at the block it settles, when the contract would otherwise refuse.

use crate::{RollupError, l1::L1Client};
use alloy_primitives::{Address, B256, Bytes, U256};
use alloy_rpc_types_eth::BlockNumberOrTag;
use nr_chain::Chain;
use nr_contracts::{L2_MESSENGER, L2Messenger, NativeRollup};

/// Storage slot of `L2Messenger.deliveredPrefix` (as `NativeRollup.DELIVERED_PREFIX_SLOT`).
pub const DELIVERED_PREFIX_SLOT: B256 = B256::with_last_byte(5);

/// L1 blocks of slack the settler allows between reading the L1 and its `advance` being
/// mined: it proves the prefix when a message is due within this many blocks after the next.
pub const SETTLE_SLACK: u64 = 2;

/// L1 gas `advanceWithDelivery` may need beyond `advance` (proof calldata and
/// verification; 225k measured with small proofs, see docs/contracts.md "Forced deposits").
pub const PROOF_GAS: u64 = 500_000;

/// Bytes `advanceWithDelivery`'s account and storage proofs may add to the `advance`
/// calldata (870 measured on a small state; an account proof is at most ~9 nodes of
/// 532 bytes, a storage proof of the messenger's few slots a few hundred).
pub const PROOF_BYTES: usize = 8 * 1024;

/// Which L1->L2 messages a relayer claims now.
#[derive(Debug, Clone, Default)]
pub struct DeliveryPolicy {
    /// `NativeRollup.forcedDelay`: L1 blocks after which a message is due.
    pub forced_delay: u64,
    /// A message due within this many L1 blocks of the L1 head is claimed whatever the
    /// rest of the policy says (room for the settler to settle the blocks before it).
    pub margin: u64,
    /// Development only: messages from or to these addresses are left out until due soon.
    pub censor: Vec<Address>,
    /// Claim only messages due soon (the fallback deliverer of a node without a relayer
    /// key: users and other relayers deliver the rest).
    pub due_only: bool,
    /// Development only (`--censor-forced`): never claim a censored message, even due
    /// (settlement stalls with `MessagesDue`; in optimistic mode a block owing it cannot be
    /// proposed honestly).
    pub withhold_censored: bool,
}

impl DeliveryPolicy {
    /// The policy of a relayer on a rollup whose messages are due after `forced_delay` L1
    /// blocks: a censored (or, with `due_only`, any) message is claimed once it is due
    /// within half of that delay (within a quarter for the fallback deliverer, which gives
    /// users the time to claim their own first), at least one block ahead.
    pub fn new(forced_delay: u64, censor: Vec<Address>, due_only: bool) -> Self {
        let margin = if due_only { forced_delay / 4 } else { forced_delay / 2 };
        Self { forced_delay, margin: margin.max(1), censor, due_only, withhold_censored: false }
    }

    /// Whether a message sent at L1 block `sent` is due by L1 block `l1_head + margin`.
    pub fn due_soon(&self, sent: u64, l1_head: u64) -> bool {
        sent.saturating_add(self.forced_delay) <= l1_head.saturating_add(self.margin)
    }

    /// Whether `m` is from or to a censored address.
    pub fn censored(&self, m: &L2Messenger::L1Message) -> bool {
        self.censor.contains(&m.sender) || self.censor.contains(&m.to)
    }

    /// Whether to claim `m`, sent at L1 block `sent`, when the L1 head is `l1_head`.
    pub fn claim_now(&self, m: &L2Messenger::L1Message, sent: u64, l1_head: u64) -> bool {
        if self.withhold_censored && self.censored(m) {
            return false;
        }
        self.due_soon(sent, l1_head) || !(self.due_only || self.censored(m))
    }
}

/// Reads the rollup's `forcedDelay` from L1.
pub async fn forced_delay(l1: &L1Client) -> Result<u64, RollupError> {
    let d: U256 = l1.view(NativeRollup::forcedDelayCall {}).await?;
    Ok(d.saturating_to())
}

/// Whether the first L1->L2 message the rollup has not seen delivered (index
/// `deliveredMessages`) is due by the L1 block after next plus [`SETTLE_SLACK`]: then an
/// `advance` may be refused with `MessagesDue`, and the settler proves the prefix.
/// Returns `deliveredMessages` with the answer.
pub async fn delivery_due_soon(l1: &L1Client) -> Result<(bool, U256), RollupError> {
    let delivered: U256 = l1.view(NativeRollup::deliveredMessagesCall {}).await?;
    let count: U256 = l1.view(NativeRollup::messageCountCall {}).await?;
    if delivered >= count {
        return Ok((false, delivered));
    }
    let sent: U256 = l1.view(NativeRollup::messageBlockCall { index: delivered }).await?;
    let delay = forced_delay(l1).await?;
    let head = l1.block(BlockNumberOrTag::Latest).await?.number;
    let due_at = sent.saturating_to::<u64>().saturating_add(delay);
    Ok((due_at <= head + 1 + SETTLE_SLACK, delivered))
}

/// The messenger's `deliveredPrefix` in the state of local L2 block `number`, with its
/// account and storage proofs (what `advanceWithDelivery` takes).
pub fn prefix_proof(
    chain: &Chain,
    number: u64,
) -> Result<(U256, Vec<Bytes>, Vec<Bytes>), RollupError> {
    let header = chain.header_by_number(number)?.ok_or(RollupError::NoL2Block(number))?;
    let mut proof = chain.proof(&header, L2_MESSENGER, &[DELIVERED_PREFIX_SLOT])?;
    let (_, value, storage) = proof.storage.pop().unwrap_or_default();
    Ok((value, proof.account_proof, storage))
}

/// `call` as `advanceWithDelivery`, with the prefix it proves, when block `number`'s state
/// proves more messages delivered than `delivered` (the rollup's); `None` when it does not
/// (the proof would not help: plain `advance` costs less and is refused just the same if a
/// message is due).
pub fn with_delivery(
    chain: &Chain,
    number: u64,
    call: &NativeRollup::advanceCall,
    delivered: U256,
) -> Result<Option<(NativeRollup::advanceWithDeliveryCall, U256)>, RollupError> {
    let (prefix, account_proof, storage_proof) = prefix_proof(chain, number)?;
    Ok((prefix > delivered).then(|| {
        let c = NativeRollup::advanceWithDeliveryCall {
            input: call.input.clone(),
            anchorBlock: call.anchorBlock,
            accountProof: account_proof,
            storageProof: storage_proof,
        };
        (c, prefix)
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(sender: u8, to: u8) -> L2Messenger::L1Message {
        L2Messenger::L1Message {
            sender: Address::repeat_byte(sender),
            to: Address::repeat_byte(to),
            ..Default::default()
        }
    }

    /// A censored message waits until it is due within the margin; others go at once;
    /// the fallback deliverer takes only messages due soon, and a smaller margin.
    #[test]
    fn censored_messages_wait_until_due_soon() {
        let p = DeliveryPolicy::new(8, vec![Address::repeat_byte(0xcc)], false);
        assert_eq!(p.margin, 4);
        let free = message(1, 2);
        let from = message(0xcc, 2);
        let to = message(1, 0xcc);
        // Sent at 100: due at 108, claimed from L1 head 104 on.
        for head in 100..104 {
            assert!(p.claim_now(&free, 100, head));
            assert!(!p.claim_now(&from, 100, head), "head {head}");
            assert!(!p.claim_now(&to, 100, head), "head {head}");
        }
        for head in 104..120 {
            assert!(p.claim_now(&from, 100, head) && p.claim_now(&to, 100, head));
        }
        let fallback = DeliveryPolicy::new(8, vec![], true);
        assert_eq!(fallback.margin, 2);
        assert!(!fallback.claim_now(&free, 100, 105));
        assert!(fallback.claim_now(&free, 100, 106));
        // A zero delay: everything is due at once.
        assert!(
            DeliveryPolicy::new(0, vec![Address::repeat_byte(0xcc)], true)
                .claim_now(&from, 100, 100)
        );
    }
}
