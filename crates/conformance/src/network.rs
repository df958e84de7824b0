//! Fixture networks: the `network` name (`Osaka`, `PragueToOsakaAtTime15k`,
//! `BPO1ToBPO2AtTime15k`, ...) and the fixture's `config.blobSchedule`, turned into the
//! [`ForkSchedule`] the case runs under.

use alloy_primitives::U64;
use nr_stateless::{
    Fork, ForkSchedule,
    fork::{BlobConfig, BlobConfigError, Bpo},
};
use serde::Deserialize;
use std::collections::BTreeMap;

/// A fixture's `config` object (the parts the runner uses).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FixtureConfig {
    /// Blob parameters by fork name (`Cancun`, `Prague`, `Osaka`, `BPO1`, ...).
    #[serde(default)]
    pub blob_schedule: BTreeMap<String, FixtureBlobConfig>,
}

/// One `blobSchedule` entry of a fixture (hex quantities).
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FixtureBlobConfig {
    /// Target blobs per block.
    pub target: U64,
    /// Most blobs per block.
    pub max: U64,
    /// Blob base fee update fraction.
    pub base_fee_update_fraction: U64,
}

impl From<FixtureBlobConfig> for BlobConfig {
    fn from(c: FixtureBlobConfig) -> Self {
        Self {
            target: c.target.to(),
            max: c.max.to(),
            base_fee_update_fraction: c.base_fee_update_fraction.to(),
        }
    }
}

/// Networks before Shanghai: every chain this implementation runs has withdrawals from
/// genesis, so their cases are skipped.
pub const PRE_SHANGHAI_NETWORKS: &[&str] = &[
    "Frontier",
    "Homestead",
    "EIP150",
    "EIP158",
    "Byzantium",
    "Constantinople",
    "ConstantinopleFix",
    "Petersburg",
    "Istanbul",
    "MuirGlacier",
    "Berlin",
    "London",
    "ArrowGlacier",
    "GrayGlacier",
    "Paris",
    "Merge",
];

/// Why a fixture's network cannot be run.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NetworkError {
    /// A network before Shanghai (the case is skipped).
    #[error("pre-Shanghai network {0}: every chain here has withdrawals from genesis")]
    PreShanghai(String),
    /// A network name this runner does not know (the case is skipped).
    #[error("unsupported network {0}")]
    Unknown(String),
    /// The network has a BPO fork the fixture's `blobSchedule` does not define.
    #[error("network {network}: config.blobSchedule has no entry for {fork}")]
    MissingBlobSchedule {
        /// The network.
        network: String,
        /// The BPO fork (`BPO1` ...).
        fork: String,
    },
    /// A `blobSchedule` entry whose numbers the blob formulas are not defined for.
    #[error("config.blobSchedule.{fork}: {source}")]
    BlobConfig {
        /// The entry.
        fork: String,
        /// What is wrong.
        source: BlobConfigError,
    },
}

impl NetworkError {
    /// Whether the case is skipped (rather than failed) for this reason.
    pub fn is_skip(&self) -> bool {
        matches!(self, Self::PreShanghai(_) | Self::Unknown(_))
    }
}

/// One step of the fork sequence: an EVM fork or a BPO fork (1..=5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Step {
    Evm(Fork),
    Bpo(u8),
}

impl Step {
    fn parse(name: &str) -> Option<Step> {
        if let Some(f) = Fork::from_name(name) {
            return Some(Step::Evm(f));
        }
        let n: u8 = name.strip_prefix("BPO")?.parse().ok()?;
        (1..=5).contains(&n).then_some(Step::Bpo(n))
    }

    /// The steps in activation order.
    const ALL: [Step; 9] = [
        Step::Evm(Fork::Shanghai),
        Step::Evm(Fork::Cancun),
        Step::Evm(Fork::Prague),
        Step::Evm(Fork::Osaka),
        Step::Bpo(1),
        Step::Bpo(2),
        Step::Bpo(3),
        Step::Bpo(4),
        Step::Bpo(5),
    ];
}

/// The fork schedule of a fixture: its network name (`Osaka`, `BPO2`, `XToYAtTime15k` with
/// Y the fork right after X) and its `config.blobSchedule` (BPO forks take their numbers
/// from it; Cancun/Prague/Osaka entries that differ from the EIPs' override them).
pub fn schedule_for(network: &str, config: &FixtureConfig) -> Result<ForkSchedule, NetworkError> {
    let unknown = || NetworkError::Unknown(network.to_string());
    let first = network.split_once("To").map_or(network, |(from, _)| from);
    if PRE_SHANGHAI_NETWORKS.contains(&first) {
        return Err(NetworkError::PreShanghai(network.to_string()));
    }
    // Each step with its activation time: all up to `from` at genesis, `to` at `at`.
    let (last, transition) = match network.split_once("To") {
        None => (Step::parse(network).ok_or_else(unknown)?, None),
        Some((from, rest)) => {
            let (to, at) = rest.split_once("AtTime").ok_or_else(unknown)?;
            let at: u64 =
                at.strip_suffix('k').and_then(|k| k.parse::<u64>().ok()).ok_or_else(unknown)?;
            let at = at.checked_mul(1000).ok_or_else(unknown)?;
            let (from, to) =
                (Step::parse(from).ok_or_else(unknown)?, Step::parse(to).ok_or_else(unknown)?);
            let next = Step::ALL.iter().skip_while(|s| **s != from).nth(1);
            if next != Some(&to) {
                return Err(unknown());
            }
            (to, Some(at))
        }
    };
    let mut s = ForkSchedule::default();
    let blob_entry = |name: &str| {
        config.blob_schedule.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| *v)
    };
    for step in Step::ALL.iter().take_while(|s| **s <= last) {
        let time = if *step == last { transition.unwrap_or(0) } else { 0 };
        match *step {
            Step::Evm(Fork::Shanghai) => {}
            Step::Evm(fork) => {
                let name = format!("{fork:?}");
                let standard = fork.blob_params().map(|p| BlobConfig::of(&p));
                let own = blob_entry(&name).map(BlobConfig::from).filter(|c| Some(*c) != standard);
                if let Some(c) = own {
                    c.check().map_err(|source| NetworkError::BlobConfig { fork: name, source })?;
                }
                match fork {
                    Fork::Cancun => (s.cancun_time, s.blobs.cancun) = (Some(time), own),
                    Fork::Prague => (s.prague_time, s.blobs.prague) = (Some(time), own),
                    Fork::Osaka => (s.osaka_time, s.blobs.osaka) = (Some(time), own),
                    Fork::Shanghai => {}
                }
            }
            Step::Bpo(number) => {
                let fork = format!("BPO{number}");
                let blobs: BlobConfig = blob_entry(&fork)
                    .ok_or_else(|| NetworkError::MissingBlobSchedule {
                        network: network.to_string(),
                        fork: fork.clone(),
                    })?
                    .into();
                blobs.check().map_err(|source| NetworkError::BlobConfig { fork, source })?;
                s.blobs.bpos.push(Bpo { number, time, blobs });
            }
        }
    }
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy_eips::eip7840::BlobParams;

    fn config(entries: &[(&str, u64, u64, u64)]) -> FixtureConfig {
        let blob_schedule = entries
            .iter()
            .map(|(k, t, m, f)| {
                let c = FixtureBlobConfig {
                    target: U64::from(*t),
                    max: U64::from(*m),
                    base_fee_update_fraction: U64::from(*f),
                };
                (k.to_string(), c)
            })
            .collect();
        FixtureConfig { blob_schedule }
    }

    #[test]
    fn bpo_network_names_map_to_blob_schedules() {
        let cfg = config(&[
            ("Osaka", 6, 9, 5_007_716),
            ("BPO1", 10, 15, 8_346_193),
            ("BPO2", 14, 21, 11_684_671),
        ]);
        let s = schedule_for("OsakaToBPO1AtTime15k", &cfg).unwrap();
        assert_eq!(s.osaka_time, Some(0));
        assert_eq!(s.blob_params_at(14_999), Some(BlobParams::osaka()));
        assert_eq!(s.blob_params_at(15_000), Some(BlobParams::bpo1()));
        let s = schedule_for("BPO1ToBPO2AtTime15k", &cfg).unwrap();
        assert_eq!(s.blob_params_at(0), Some(BlobParams::bpo1()));
        assert_eq!(s.blob_params_at(15_000), Some(BlobParams::bpo2()));
        let s = schedule_for("BPO2", &cfg).unwrap();
        assert_eq!(s.blob_params_at(1), Some(BlobParams::bpo2()));
        assert!(s.blobs.osaka.is_none(), "standard Osaka numbers are no override");
        assert_eq!(
            schedule_for("BPO2ToBPO3AtTime15k", &cfg),
            Err(NetworkError::MissingBlobSchedule {
                network: "BPO2ToBPO3AtTime15k".into(),
                fork: "BPO3".into()
            })
        );
    }

    #[test]
    fn pre_shanghai_and_unknown_networks_are_skipped_with_a_reason() {
        let cfg = FixtureConfig::default();
        for n in ["Berlin", "London", "Paris", "ParisToShanghaiAtTime15k", "BerlinToLondonAt5"] {
            let e = schedule_for(n, &cfg).unwrap_err();
            assert_eq!(e, NetworkError::PreShanghai(n.into()));
            assert!(e.is_skip());
        }
        for n in ["Amsterdam", "CancunToOsakaAtTime15k", "OsakaToPragueAtTime15k", "BPO6"] {
            assert_eq!(schedule_for(n, &cfg), Err(NetworkError::Unknown(n.into())));
        }
        let s = schedule_for("PragueToOsakaAtTime15k", &cfg).unwrap();
        assert_eq!((s.prague_time, s.osaka_time), (Some(0), Some(15_000)));
        let bad = config(&[("BPO1", 16, 15, 1)]);
        assert!(matches!(
            schedule_for("BPO1", &bad),
            Err(NetworkError::BlobConfig { source: BlobConfigError::TargetAboveMax { .. }, .. })
        ));
    }
}
