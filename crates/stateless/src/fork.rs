//! Fork schedule: which Ethereum rules apply to a block, chosen by its timestamp.
//!
//! Every chain we run is post-merge from genesis: all block-numbered forks up to Paris are
//! active at block 0, and Shanghai onwards activate by timestamp.

use alloy_eips::eip7840::BlobParams;
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

    /// Blob gas parameters of this fork (`None` before Cancun).
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

/// Activation timestamps of the timestamp-based forks of one chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ForkSchedule {
    /// Cancun activation time (`None` = never).
    pub cancun_time: Option<u64>,
    /// Prague activation time (`None` = never).
    pub prague_time: Option<u64>,
    /// Osaka activation time (`None` = never).
    pub osaka_time: Option<u64>,
}

impl ForkSchedule {
    /// A schedule where `fork` (and every fork before it) is active from genesis.
    pub fn from_genesis(fork: Fork) -> Self {
        Self {
            cancun_time: (fork >= Fork::Cancun).then_some(0),
            prague_time: (fork >= Fork::Prague).then_some(0),
            osaka_time: (fork >= Fork::Osaka).then_some(0),
        }
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
        let s = ForkSchedule { cancun_time: Some(0), prague_time: Some(10), osaka_time: Some(20) };
        assert_eq!(s.fork_at(0), Fork::Cancun);
        assert_eq!(s.fork_at(10), Fork::Prague);
        assert_eq!(s.fork_at(19), Fork::Prague);
        assert_eq!(s.fork_at(20), Fork::Osaka);
        assert_eq!(s.activation_of_fork_at(25), 20);
        assert!(s.is_osaka_active_at_timestamp(20));
        assert!(!s.is_osaka_active_at_timestamp(19));
    }
}
