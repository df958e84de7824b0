//! Development adversaries of the optimistic mode (`nr l2`/`nr devnet` flags), so the
//! dispute game can be exercised end to end: a proposer that lies, a challenger that
//! griefs, a defender whose witness is incomplete. Never for production.

use super::OptimisticRollup;
use alloy_consensus::Header;
use alloy_primitives::{Bytes, keccak256};

/// How a dishonest proposer lies (`--dishonest-proposer <kind>`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DishonestProposer {
    /// Claims a wrong state root (and the hash of the header carrying it, so the claim is
    /// self-consistent and only re-execution exposes it).
    WrongRoot,
    /// Posts data inconsistent with the claimed hash (the claims are the true block's, the
    /// data leaves out its last transaction, or changes its extra data when it has none).
    BadData,
    /// Claims (once) a forced inbox entry its block does not carry: the first proposed
    /// block that takes no entry while one is pending gets `forcedCount` 1 (its hash and
    /// state root are true; only the forced-prefix rule exposes it).
    FalseForced,
    /// Proposes blocks whose state has not delivered the L1->L2 messages due at their
    /// anchor (an honest proposer stops before such a block).
    IgnoreDue,
}

/// `--dishonest-proposer` took a value it does not know.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown dishonest proposer {0:?} (expected wrong-root, bad-data, false-forced or ignore-due)"
)]
pub struct UnknownDishonesty(pub String);

impl std::str::FromStr for DishonestProposer {
    type Err = UnknownDishonesty;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "wrong-root" => Ok(Self::WrongRoot),
            "bad-data" => Ok(Self::BadData),
            "false-forced" => Ok(Self::FalseForced),
            "ignore-due" => Ok(Self::IgnoreDue),
            other => Err(UnknownDishonesty(other.to_string())),
        }
    }
}

impl DishonestProposer {
    /// Whether it lies by falsifying a posted block ([`Self::tamper`]).
    pub fn tampers(self) -> bool {
        matches!(self, Self::WrongRoot | Self::BadData)
    }

    /// Whether it proposes blocks that owe due messages.
    pub fn ignores_due(self) -> bool {
        self == Self::IgnoreDue
    }

    /// Falsifies `posted`, the honest posting of the block with `header` (only the kinds
    /// that [`Self::tampers`]).
    pub fn tamper(self, header: &Header, posted: &mut OptimisticRollup::Block) {
        match self {
            Self::FalseForced | Self::IgnoreDue => {}
            Self::WrongRoot => {
                let mut lie = header.clone();
                lie.state_root = keccak256(header.state_root);
                posted.stateRoot = lie.state_root;
                posted.blockHash = lie.hash_slow();
            }
            Self::BadData => {
                if posted.transactions.pop().is_none() {
                    posted.extraData = Bytes::from_static(b"not the posted block");
                }
            }
        }
    }
}

/// The adversarial roles a development node plays (all off by default).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Adversary {
    /// The proposer lies about the blocks it proposes (`--dishonest-proposer`).
    pub proposer: Option<DishonestProposer>,
    /// The watchtower challenges the first valid block with transactions it sees
    /// (`--grief-challenger`) and does not defend it.
    pub grief_challenger: bool,
    /// The defender leaves a node out of its witness (`--defender-incomplete-witness`), so
    /// EXECUTE fails and the defence reverts.
    pub defender_incomplete_witness: bool,
    /// The proposer (in blob mode) posts, for the first block with transactions it
    /// proposes, a blob record of other data (the block without its last transaction)
    /// under the true block's claims (`--dev-blob-mismatch`): nobody can prove the blob
    /// holds the claimed block, so it cannot be defended.
    pub blob_mismatch: bool,
}
