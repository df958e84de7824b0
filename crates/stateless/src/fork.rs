//! Fork schedule: which Ethereum rules apply to a block, chosen by its timestamp.
//!
//! Every chain we run is post-merge from genesis: all block-numbered forks up to Paris are
//! active at block 0, and Shanghai onwards activate by timestamp. Blob-parameter-only forks
//! (EIP-7892 "BPO" forks) change only the blob target, maximum and base-fee update fraction;
//! they keep Osaka's EVM rules and are kept in [`BlobSchedule`], see docs/l1.md "Forks and
//! blob schedule".

use alloy_eips::{eip4844::DATA_GAS_PER_BLOB, eip7840::BlobParams};
use alloy_evm::eth::spec::EthExecutorSpec;
use alloy_hardforks::{EthereumHardfork, EthereumHardforks, ForkCondition};
use alloy_primitives::Address;
use revm::primitives::hardfork::SpecId;
use serde::{Deserialize, Serialize};

/// The forks this implementation executes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Fork {
    /// Shanghai (withdrawals, PUSH0).
    Shanghai,
    /// Cancun (blobs, EIP-4788 beacon roots, transient storage).
    Cancun,
    /// Prague (EIP-7702, EIP-2935 history, requests).
    Prague,
    /// Osaka (CLZ, tx gas cap, blob base cost).
    Osaka,
}

impl Fork {
    /// The revm spec of this fork.
    pub fn spec_id(self) -> SpecId {
        match self {
            Fork::Shanghai => SpecId::SHANGHAI,
            Fork::Cancun => SpecId::CANCUN,
            Fork::Prague => SpecId::PRAGUE,
            Fork::Osaka => SpecId::OSAKA,
        }
    }

    /// Standard blob gas parameters of this fork (`None` before Cancun). A chain's own
    /// parameters, BPO forks included, come from [`ForkSchedule::blob_params_at`].
    pub fn blob_params(self) -> Option<BlobParams> {
        match self {
            Fork::Shanghai => None,
            Fork::Cancun => Some(BlobParams::cancun()),
            Fork::Prague => Some(BlobParams::prague()),
            Fork::Osaka => Some(BlobParams::osaka()),
        }
    }

    /// Fork index as used in EIP-8025 schema ids (Paris = 0x0f ... Amsterdam = 0x15).
    pub fn index(self) -> u8 {
        match self {
            Fork::Shanghai => 0x10,
            Fork::Cancun => 0x11,
            Fork::Prague => 0x12,
            Fork::Osaka => 0x13,
        }
    }

    /// Parses a fork name as used by ethereum/tests (`Cancun`, `Prague`, `Osaka`, `Shanghai`).
    pub fn from_name(name: &str) -> Option<Fork> {
        match name {
            "Shanghai" => Some(Fork::Shanghai),
            "Cancun" => Some(Fork::Cancun),
            "Prague" => Some(Fork::Prague),
            "Osaka" => Some(Fork::Osaka),
            _ => None,
        }
    }
}

/// Activation timestamps of the timestamp-based forks of one chain, and its blob schedule.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ForkSchedule {
    /// Cancun activation time (`None` = never).
    pub cancun_time: Option<u64>,
    /// Prague activation time (`None` = never).
    pub prague_time: Option<u64>,
    /// Osaka activation time (`None` = never).
    pub osaka_time: Option<u64>,
    /// Blob parameters that differ from the standard ones, and the BPO forks.
    #[serde(default, skip_serializing_if = "BlobSchedule::is_standard")]
    pub blobs: BlobSchedule,
}

/// The three numbers an EIP-7840 `blobSchedule` entry (and an EIP-7892 BPO fork) sets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BlobConfig {
    /// Target blobs per block.
    pub target: u64,
    /// Most blobs per block.
    pub max: u64,
    /// Denominator of the blob base fee's exponential update.
    pub base_fee_update_fraction: u64,
}

/// Most blobs per block a [`BlobConfig`] may set: far above any schedule proposed, and low
/// enough that every blob gas sum and product of EIP-4844/EIP-7918 stays within `u64`.
pub const MAX_BLOBS_PER_BLOCK_LIMIT: u64 = 1024;

/// A [`BlobConfig`] that cannot be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum BlobConfigError {
    /// `max` is 0 or above [`MAX_BLOBS_PER_BLOCK_LIMIT`].
    #[error("max {0} must be in 1..={MAX_BLOBS_PER_BLOCK_LIMIT}")]
    Max(u64),
    /// `target` is above `max`.
    #[error("target {target} is above max {max}")]
    TargetAboveMax {
        /// The target.
        target: u64,
        /// The maximum.
        max: u64,
    },
    /// `baseFeeUpdateFraction` is 0 (the fee formula divides by it).
    #[error("baseFeeUpdateFraction must not be 0")]
    ZeroFraction,
}

impl BlobConfig {
    /// The numbers of standard parameters.
    pub fn of(params: &BlobParams) -> Self {
        Self {
            target: params.target_blob_count,
            max: params.max_blob_count,
            base_fee_update_fraction: params.update_fraction.try_into().unwrap_or(u64::MAX),
        }
    }

    /// Checks that the fee and excess formulas are defined for these numbers.
    pub fn check(&self) -> Result<(), BlobConfigError> {
        if self.max == 0 || self.max > MAX_BLOBS_PER_BLOCK_LIMIT {
            return Err(BlobConfigError::Max(self.max));
        }
        if self.target > self.max {
            return Err(BlobConfigError::TargetAboveMax { target: self.target, max: self.max });
        }
        if self.base_fee_update_fraction == 0 {
            return Err(BlobConfigError::ZeroFraction);
        }
        Ok(())
    }

    /// These numbers applied to `base`, the standard parameters of the EVM fork in force
    /// (which set the per-transaction blob limit and EIP-7918's blob base cost).
    fn apply(&self, base: BlobParams) -> BlobParams {
        BlobParams {
            target_blob_count: self.target,
            max_blob_count: self.max,
            update_fraction: u128::from(self.base_fee_update_fraction),
            // Before Osaka a transaction may carry as many blobs as a block (EIP-4844);
            // from Osaka EIP-7594's per-transaction cap holds, whatever the block maximum.
            max_blobs_per_tx: if base.blob_base_cost == 0 {
                self.max
            } else {
                base.max_blobs_per_tx
            },
            ..base
        }
    }
}

/// One EIP-7892 blob-parameter-only fork: from `time` on, blocks use `blobs`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bpo {
    /// Which BPO fork (1 for BPO1 ... 5 for BPO5).
    pub number: u8,
    /// Activation timestamp.
    pub time: u64,
    /// The blob parameters it sets.
    pub blobs: BlobConfig,
}

/// A chain's blob parameters: its `blobSchedule` entries for Cancun, Prague and Osaka
/// (`None` = the EIP's own numbers), and its BPO forks.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlobSchedule {
    /// Cancun's numbers, if not EIP-4844's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cancun: Option<BlobConfig>,
    /// Prague's numbers, if not EIP-7691's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prague: Option<BlobConfig>,
    /// Osaka's numbers, if not Prague's standard ones.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub osaka: Option<BlobConfig>,
    /// BPO forks; the one with the latest `time` not after a block's timestamp applies.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub bpos: Vec<Bpo>,
}

impl BlobSchedule {
    /// Whether this is the standard schedule (no overrides, no BPO forks).
    pub fn is_standard(&self) -> bool {
        self == &Self::default()
    }
}

impl ForkSchedule {
    /// A schedule where `fork` (and every fork before it) is active from genesis.
    pub fn from_genesis(fork: Fork) -> Self {
        Self {
            cancun_time: (fork >= Fork::Cancun).then_some(0),
            prague_time: (fork >= Fork::Prague).then_some(0),
            osaka_time: (fork >= Fork::Osaka).then_some(0),
            blobs: BlobSchedule::default(),
        }
    }

    /// The BPO fork in force at `timestamp`, if any (none before Osaka: EIP-7892 forks
    /// follow Osaka).
    pub fn bpo_at(&self, timestamp: u64) -> Option<&Bpo> {
        if self.fork_at(timestamp) < Fork::Osaka {
            return None;
        }
        self.blobs.bpos.iter().filter(|b| b.time <= timestamp).max_by_key(|b| (b.time, b.number))
    }

    /// Blob gas parameters of a block at `timestamp` (`None` before Cancun): those of the
    /// latest BPO fork in force, else the EVM fork's, each from this chain's schedule when
    /// it sets them. Everything blob-related in a block (the blob gas limit, the excess blob
    /// gas computed from the parent, the blob base fee) uses the block's own parameters,
    /// also in the first block of a fork.
    pub fn blob_params_at(&self, timestamp: u64) -> Option<BlobParams> {
        let fork = self.fork_at(timestamp);
        let base = fork.blob_params()?;
        let own = match self.bpo_at(timestamp) {
            Some(bpo) => Some(bpo.blobs),
            None => match fork {
                Fork::Shanghai => None,
                Fork::Cancun => self.blobs.cancun,
                Fork::Prague => self.blobs.prague,
                Fork::Osaka => self.blobs.osaka,
            },
        };
        Some(own.map_or(base, |c| c.apply(base)))
    }

    /// Most blob gas a block at `timestamp` may use (0 before Cancun).
    pub fn max_blob_gas_at(&self, timestamp: u64) -> u64 {
        self.blob_params_at(timestamp).map_or(0, |p| p.max_blob_count * DATA_GAS_PER_BLOB)
    }

    /// The fork active at `timestamp`.
    pub fn fork_at(&self, timestamp: u64) -> Fork {
        let active = |t: Option<u64>| t.is_some_and(|t| timestamp >= t);
        if active(self.osaka_time) {
            Fork::Osaka
        } else if active(self.prague_time) {
            Fork::Prague
        } else if active(self.cancun_time) {
            Fork::Cancun
        } else {
            Fork::Shanghai
        }
    }

    /// Activation timestamp of the fork active at `timestamp` (0 for Shanghai, at genesis).
    pub fn activation_of_fork_at(&self, timestamp: u64) -> u64 {
        match self.fork_at(timestamp) {
            Fork::Shanghai => 0,
            Fork::Cancun => self.cancun_time.unwrap_or(0),
            Fork::Prague => self.prague_time.unwrap_or(0),
            Fork::Osaka => self.osaka_time.unwrap_or(0),
        }
    }
}

impl EthereumHardforks for ForkSchedule {
    fn ethereum_fork_activation(&self, fork: EthereumHardfork) -> ForkCondition {
        let ts = |t: Option<u64>| t.map_or(ForkCondition::Never, ForkCondition::Timestamp);
        match fork {
            EthereumHardfork::Frontier
            | EthereumHardfork::Homestead
            | EthereumHardfork::Tangerine
            | EthereumHardfork::SpuriousDragon
            | EthereumHardfork::Byzantium
            | EthereumHardfork::Constantinople
            | EthereumHardfork::Petersburg
            | EthereumHardfork::Istanbul
            | EthereumHardfork::MuirGlacier
            | EthereumHardfork::Berlin
            | EthereumHardfork::London
            | EthereumHardfork::ArrowGlacier
            | EthereumHardfork::GrayGlacier => ForkCondition::Block(0),
            EthereumHardfork::Paris => ForkCondition::TTD {
                activation_block_number: 0,
                fork_block: Some(0),
                total_difficulty: alloy_primitives::U256::ZERO,
            },
            EthereumHardfork::Shanghai => ForkCondition::Timestamp(0),
            EthereumHardfork::Cancun => ts(self.cancun_time),
            EthereumHardfork::Prague => ts(self.prague_time),
            EthereumHardfork::Osaka => ts(self.osaka_time),
            _ => ForkCondition::Never,
        }
    }
}

impl EthExecutorSpec for ForkSchedule {
    fn deposit_contract_address(&self) -> Option<Address> {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fork_by_timestamp() {
        let s = ForkSchedule {
            cancun_time: Some(0),
            prague_time: Some(10),
            osaka_time: Some(20),
            ..Default::default()
        };
        assert_eq!(s.fork_at(0), Fork::Cancun);
        assert_eq!(s.fork_at(10), Fork::Prague);
        assert_eq!(s.fork_at(19), Fork::Prague);
        assert_eq!(s.fork_at(20), Fork::Osaka);
        assert_eq!(s.activation_of_fork_at(25), 20);
        assert!(s.is_osaka_active_at_timestamp(20));
        assert!(!s.is_osaka_active_at_timestamp(19));
    }

    fn bpo(number: u8, time: u64, target: u64, max: u64, fraction: u64) -> Bpo {
        Bpo { number, time, blobs: BlobConfig { target, max, base_fee_update_fraction: fraction } }
    }

    #[test]
    fn bpo_forks_set_blob_params_by_timestamp() {
        let mut s = ForkSchedule::from_genesis(Fork::Osaka);
        s.blobs.bpos = vec![bpo(2, 200, 14, 21, 11_684_671), bpo(1, 100, 10, 15, 8_346_193)];
        assert_eq!(s.blob_params_at(99), Some(BlobParams::osaka()));
        assert_eq!(s.blob_params_at(100), Some(BlobParams::bpo1()));
        assert_eq!(s.blob_params_at(199), Some(BlobParams::bpo1()));
        assert_eq!(s.blob_params_at(200), Some(BlobParams::bpo2()));
        assert_eq!(s.bpo_at(250).map(|b| b.number), Some(2));
        assert_eq!(s.max_blob_gas_at(150), 15 * DATA_GAS_PER_BLOB);
        // The EVM rules stay Osaka's.
        assert_eq!(s.fork_at(250), Fork::Osaka);
        // A BPO never applies before Osaka.
        let mut early = ForkSchedule::from_genesis(Fork::Prague);
        early.blobs.bpos = vec![bpo(1, 0, 10, 15, 8_346_193)];
        assert_eq!(early.blob_params_at(5), Some(BlobParams::prague()));
    }

    #[test]
    fn blob_schedule_overrides_keep_the_fork_rules() {
        let mut s = ForkSchedule::from_genesis(Fork::Cancun);
        let c = BlobConfig { target: 2, max: 4, base_fee_update_fraction: 1000 };
        s.blobs.cancun = Some(c);
        let p = s.blob_params_at(1).unwrap();
        assert_eq!((p.target_blob_count, p.max_blob_count, p.update_fraction), (2, 4, 1000));
        assert_eq!((p.max_blobs_per_tx, p.blob_base_cost), (4, 0));
        s.osaka_time = Some(0);
        s.prague_time = Some(0);
        s.blobs.osaka = Some(c);
        let p = s.blob_params_at(1).unwrap();
        assert_eq!(p.blob_base_cost, BlobParams::osaka().blob_base_cost);
        assert_eq!(p.max_blobs_per_tx, BlobParams::osaka().max_blobs_per_tx);
    }

    #[test]
    fn blob_config_rejects_undefined_formulas() {
        let c =
            |target, max, fraction| BlobConfig { target, max, base_fee_update_fraction: fraction };
        assert_eq!(c(1, 0, 1).check(), Err(BlobConfigError::Max(0)));
        assert_eq!(c(1, 1025, 1).check(), Err(BlobConfigError::Max(1025)));
        assert_eq!(c(7, 6, 1).check(), Err(BlobConfigError::TargetAboveMax { target: 7, max: 6 }));
        assert_eq!(c(3, 6, 0).check(), Err(BlobConfigError::ZeroFraction));
        assert_eq!(BlobConfig::of(&BlobParams::bpo2()).check(), Ok(()));
    }

    #[test]
    fn standard_schedule_serializes_as_before() {
        let s = ForkSchedule::from_genesis(Fork::Osaka);
        let json = serde_json::to_string(&s).unwrap();
        assert_eq!(json, r#"{"cancun_time":0,"prague_time":0,"osaka_time":0}"#);
        assert_eq!(serde_json::from_str::<ForkSchedule>(&json).unwrap(), s);
    }
}
