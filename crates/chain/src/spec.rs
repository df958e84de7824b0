//! What defines a chain: chain id, fork schedule and genesis (geth genesis format).

use alloy_consensus::{EMPTY_OMMER_ROOT_HASH, Header, constants::EMPTY_WITHDRAWALS};
use alloy_eips::{eip2935, eip4788, eip7002, eip7251, eip7685::EMPTY_REQUESTS_HASH};
use alloy_genesis::{Genesis, GenesisAccount};
use alloy_primitives::{Address, B256, Bytes, U256};
use nr_stateless::{
    Fork, ForkSchedule,
    fork::{BlobConfig, BlobConfigError, BlobSchedule, Bpo},
    memory::GenesisAccount as Alloc,
};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Initial base fee of a genesis that does not set one (1 gwei, as geth).
pub const DEFAULT_BASE_FEE: u64 = 1_000_000_000;
/// Gas limit of a genesis that does not set one.
pub const DEFAULT_GAS_LIMIT: u64 = 60_000_000;

/// A chain's identity and rules; stored with the chain so a restart keeps them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChainSpec {
    /// EIP-155 chain id.
    pub chain_id: u64,
    /// Timestamp fork schedule.
    pub schedule: ForkSchedule,
    /// Genesis block parameters and allocation.
    pub genesis: Genesis,
}

/// A genesis file that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum SpecError {
    /// The JSON does not parse as a geth genesis.
    #[error("genesis: {0}")]
    Parse(#[from] serde_json::Error),
    /// A field has a value this implementation does not support.
    #[error("genesis: {field}: {reason}")]
    Unsupported {
        /// The field.
        field: &'static str,
        /// Why.
        reason: String,
    },
    /// `config.blobSchedule` has an entry for a fork this implementation does not know.
    #[error("genesis: config.blobSchedule.{0}: unknown fork")]
    UnknownBlobFork(String),
    /// A `config.blobSchedule` entry whose numbers the blob formulas are not defined for.
    #[error("genesis: config.blobSchedule.{fork}: {source}")]
    BlobConfig {
        /// The entry (`cancun`, ..., `bpo5`).
        fork: String,
        /// What is wrong.
        source: BlobConfigError,
    },
    /// A BPO fork has an activation time but no `config.blobSchedule` entry.
    #[error(
        "genesis: config.bpo{number}Time is set but config.blobSchedule.bpo{number} is missing"
    )]
    MissingBpoBlobs {
        /// The BPO fork (1..=5).
        number: u8,
    },
    /// A BPO fork activates before Osaka or before the BPO fork numbered below it (EIP-7892
    /// forks follow Osaka, in order), or without Osaka.
    #[error("genesis: config.bpo{number}Time {time} is before {after} ({after_time:?})")]
    BpoOrder {
        /// The BPO fork (1..=5).
        number: u8,
        /// Its activation time.
        time: u64,
        /// The fork it must not precede (`osakaTime`, `bpo1Time`, ...).
        after: String,
        /// That fork's time (`None`: never active).
        after_time: Option<u64>,
    },
}

impl ChainSpec {
    /// Reads a geth-format genesis (`config.chainId`, `config.cancunTime`, `pragueTime`,
    /// `osakaTime`, `bpo1Time`..`bpo5Time`, `blobSchedule`, `alloc`, `gasLimit`,
    /// `baseFeePerGas`, `excessBlobGas`, `timestamp`, `extraData`, ...).
    /// Every chain is post-merge with Shanghai from genesis. System contracts missing from
    /// `alloc` (EIP-4788, EIP-2935, EIP-7002, EIP-7251) are added with their standard code.
    /// `blobSchedule` entries for Cancun, Prague and Osaka are optional (the EIPs' numbers
    /// otherwise); every BPO fork with a time needs one (see docs/l1.md "Forks and blob
    /// schedule").
    pub fn from_geth_json(json: &str) -> Result<Self, SpecError> {
        let genesis: Genesis = serde_json::from_str(json)?;
        let c = &genesis.config;
        if c.shanghai_time.is_some_and(|t| t > genesis.timestamp) {
            return Err(SpecError::Unsupported {
                field: "config.shanghaiTime",
                reason: "Shanghai must be active at genesis".into(),
            });
        }
        let schedule = ForkSchedule {
            cancun_time: c.cancun_time,
            prague_time: c.prague_time,
            osaka_time: c.osaka_time,
            blobs: blob_schedule(c)?,
        };
        let mut genesis = genesis;
        // Blocks cannot be built without the system contracts (Prague rejects blocks whose
        // EIP-7002/7251 contracts have no code), so a genesis that omits them gets them.
        for (address, code) in system_contracts() {
            genesis.alloc.entry(address).or_insert_with(|| {
                GenesisAccount::default().with_nonce(Some(1)).with_code(Some(code))
            });
        }
        Ok(Self { chain_id: genesis.config.chain_id, schedule, genesis })
    }

    /// A development chain: the system contracts of every fork, `funded` accounts with
    /// `balance` wei each, gas limit [`DEFAULT_GAS_LIMIT`], base fee [`DEFAULT_BASE_FEE`].
    pub fn dev(
        chain_id: u64,
        schedule: ForkSchedule,
        timestamp: u64,
        funded: &[Address],
        balance: U256,
    ) -> Self {
        let mut genesis = Genesis {
            timestamp,
            gas_limit: DEFAULT_GAS_LIMIT,
            base_fee_per_gas: Some(u128::from(DEFAULT_BASE_FEE)),
            extra_data: Bytes::from_static(b"nr devnet"),
            ..Default::default()
        };
        genesis.config.chain_id = chain_id;
        genesis.config.shanghai_time = Some(0);
        genesis.config.cancun_time = schedule.cancun_time;
        genesis.config.prague_time = schedule.prague_time;
        genesis.config.osaka_time = schedule.osaka_time;
        write_blob_schedule(&mut genesis.config, &schedule.blobs);
        genesis.config.terminal_total_difficulty = Some(U256::ZERO);
        genesis.config.terminal_total_difficulty_passed = true;
        for (address, code) in system_contracts() {
            genesis.alloc.insert(
                address,
                GenesisAccount::default().with_nonce(Some(1)).with_code(Some(code)),
            );
        }
        for a in funded {
            genesis.alloc.insert(*a, GenesisAccount::default().with_balance(balance));
        }
        Self { chain_id, schedule, genesis }
    }

    /// The genesis allocation in the form the state writer takes.
    pub fn alloc(&self) -> BTreeMap<Address, Alloc> {
        self.genesis
            .alloc
            .iter()
            .map(|(a, acc)| {
                let storage = acc
                    .storage
                    .iter()
                    .flatten()
                    .map(|(k, v)| (U256::from_be_bytes(k.0), U256::from_be_bytes(v.0)))
                    .collect();
                let alloc = Alloc {
                    nonce: acc.nonce.unwrap_or_default(),
                    balance: acc.balance,
                    code: acc.code.clone().unwrap_or_default(),
                    storage,
                };
                (*a, alloc)
            })
            .collect()
    }

    /// The genesis header for a state root.
    pub fn genesis_header(&self, state_root: B256) -> Header {
        let g = &self.genesis;
        let fork = self.schedule.fork_at(g.timestamp);
        let cancun = fork >= Fork::Cancun;
        Header {
            parent_hash: B256::ZERO,
            ommers_hash: EMPTY_OMMER_ROOT_HASH,
            beneficiary: g.coinbase,
            state_root,
            transactions_root: alloy_trie::EMPTY_ROOT_HASH,
            receipts_root: alloy_trie::EMPTY_ROOT_HASH,
            difficulty: U256::ZERO,
            number: 0,
            gas_limit: g.gas_limit,
            gas_used: 0,
            timestamp: g.timestamp,
            extra_data: g.extra_data.clone(),
            mix_hash: g.mix_hash,
            nonce: Default::default(),
            base_fee_per_gas: Some(
                g.base_fee_per_gas.map_or(DEFAULT_BASE_FEE, |f| f.try_into().unwrap_or(u64::MAX)),
            ),
            withdrawals_root: Some(EMPTY_WITHDRAWALS),
            blob_gas_used: cancun.then(|| g.blob_gas_used.unwrap_or(0)),
            excess_blob_gas: cancun.then(|| g.excess_blob_gas.unwrap_or(0)),
            parent_beacon_block_root: cancun.then_some(B256::ZERO),
            requests_hash: (fork >= Fork::Prague).then_some(EMPTY_REQUESTS_HASH),
            ..Default::default()
        }
    }
}

/// The blob schedule of a geth `config`: its `blobSchedule` entries (names in any case) and
/// BPO times, checked.
fn blob_schedule(c: &alloy_genesis::ChainConfig) -> Result<BlobSchedule, SpecError> {
    let bpo_times = [c.bpo1_time, c.bpo2_time, c.bpo3_time, c.bpo4_time, c.bpo5_time];
    let mut s = BlobSchedule::default();
    let mut bpo_blobs: [Option<BlobConfig>; 5] = [None; 5];
    for (name, params) in &c.blob_schedule {
        let blobs = BlobConfig::of(params);
        blobs.check().map_err(|source| SpecError::BlobConfig { fork: name.clone(), source })?;
        let standard = |f: Fork| f.blob_params().map(|p| BlobConfig::of(&p)) != Some(blobs);
        match name.to_ascii_lowercase().as_str() {
            "cancun" => s.cancun = standard(Fork::Cancun).then_some(blobs),
            "prague" => s.prague = standard(Fork::Prague).then_some(blobs),
            "osaka" => s.osaka = standard(Fork::Osaka).then_some(blobs),
            other => {
                let number = other
                    .strip_prefix("bpo")
                    .and_then(|n| n.parse::<usize>().ok())
                    .filter(|n| (1..=5).contains(n))
                    .ok_or_else(|| SpecError::UnknownBlobFork(name.clone()))?;
                bpo_blobs[number - 1] = Some(blobs);
            }
        }
    }
    let (mut after, mut after_time) = ("osakaTime".to_string(), c.osaka_time);
    for (i, time) in bpo_times.into_iter().enumerate() {
        let number = i as u8 + 1;
        let Some(time) = time else { continue };
        if after_time.is_none_or(|t| time < t) {
            return Err(SpecError::BpoOrder { number, time, after, after_time });
        }
        let blobs = bpo_blobs[i].ok_or(SpecError::MissingBpoBlobs { number })?;
        s.bpos.push(Bpo { number, time, blobs });
        (after, after_time) = (format!("bpo{number}Time"), Some(time));
    }
    Ok(s)
}

/// Writes a blob schedule into a geth `config` (`blobSchedule`, `bpoNTime`), as
/// [`ChainSpec::from_geth_json`] reads it.
fn write_blob_schedule(config: &mut alloy_genesis::ChainConfig, s: &BlobSchedule) {
    let params = |c: &BlobConfig| alloy_eips::eip7840::BlobParams {
        target_blob_count: c.target,
        max_blob_count: c.max,
        update_fraction: u128::from(c.base_fee_update_fraction),
        ..alloy_eips::eip7840::BlobParams::cancun()
    };
    for (name, c) in [("cancun", &s.cancun), ("prague", &s.prague), ("osaka", &s.osaka)] {
        if let Some(c) = c {
            config.blob_schedule.insert(name.into(), params(c));
        }
    }
    for bpo in &s.bpos {
        config.blob_schedule.insert(format!("bpo{}", bpo.number), params(&bpo.blobs));
        let time = Some(bpo.time);
        match bpo.number {
            1 => config.bpo1_time = time,
            2 => config.bpo2_time = time,
            3 => config.bpo3_time = time,
            4 => config.bpo4_time = time,
            _ => config.bpo5_time = time,
        }
    }
}

/// The system contracts of Cancun, Prague and Osaka (EIP-4788, EIP-2935, EIP-7002,
/// EIP-7251), with their published runtime code.
pub fn system_contracts() -> [(Address, Bytes); 4] {
    [
        (eip4788::BEACON_ROOTS_ADDRESS, eip4788::BEACON_ROOTS_CODE.clone()),
        (eip2935::HISTORY_STORAGE_ADDRESS, eip2935::HISTORY_STORAGE_CODE.clone()),
        (
            eip7002::WITHDRAWAL_REQUEST_PREDEPLOY_ADDRESS,
            eip7002::WITHDRAWAL_REQUEST_PREDEPLOY_CODE.clone(),
        ),
        (
            eip7251::CONSOLIDATION_REQUEST_PREDEPLOY_ADDRESS,
            eip7251::CONSOLIDATION_REQUEST_PREDEPLOY_CODE.clone(),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn genesis(config: serde_json::Value) -> Result<ChainSpec, SpecError> {
        let mut base = serde_json::json!({
            "chainId": 7, "shanghaiTime": 0, "cancunTime": 0, "pragueTime": 0, "osakaTime": 10,
        });
        base.as_object_mut().unwrap().extend(config.as_object().unwrap().clone());
        let json = serde_json::json!({ "config": base, "gasLimit": "0x1c9c380", "alloc": {} });
        ChainSpec::from_geth_json(&json.to_string())
    }

    fn entry(target: u64, max: u64) -> serde_json::Value {
        serde_json::json!({ "target": target, "max": max, "baseFeeUpdateFraction": 8346193 })
    }

    #[test]
    fn genesis_blob_schedule_and_bpo_times_are_read_and_round_trip() {
        let spec = genesis(serde_json::json!({
            "bpo1Time": 20, "bpo2Time": 30,
            "blobSchedule": { "cancun": { "target": 3, "max": 6, "baseFeeUpdateFraction": 3338477 },
                              "bpo1": entry(10, 15), "BPO2": entry(14, 21) },
        }))
        .unwrap();
        let b = &spec.schedule.blobs;
        assert_eq!(b.cancun, None, "standard numbers are no override");
        let numbers: Vec<_> = b.bpos.iter().map(|x| (x.number, x.time, x.blobs.max)).collect();
        assert_eq!(numbers, [(1, 20, 15), (2, 30, 21)]);
        assert_eq!(spec.schedule.blob_params_at(25).unwrap().max_blob_count, 15);
        // The dev genesis writes the same schedule back into its config.
        let dev = ChainSpec::dev(7, spec.schedule.clone(), 0, &[], U256::ZERO);
        let again = ChainSpec::from_geth_json(&serde_json::to_string(&dev.genesis).unwrap());
        assert_eq!(again.unwrap().schedule, spec.schedule);
    }

    #[test]
    fn genesis_bpo_errors_name_the_field() {
        let e = genesis(serde_json::json!({ "bpo1Time": 20 })).unwrap_err();
        assert!(matches!(e, SpecError::MissingBpoBlobs { number: 1 }), "{e}");
        let e = genesis(
            serde_json::json!({ "bpo1Time": 5, "blobSchedule": { "bpo1": entry(10, 15) } }),
        )
        .unwrap_err();
        assert!(matches!(e, SpecError::BpoOrder { number: 1, time: 5, after_time: Some(10), .. }));
        let e = genesis(serde_json::json!({
            "bpo1Time": 30, "bpo2Time": 20,
            "blobSchedule": { "bpo1": entry(10, 15), "bpo2": entry(10, 15) },
        }))
        .unwrap_err();
        assert!(matches!(e, SpecError::BpoOrder { number: 2, time: 20, after_time: Some(30), .. }));
        let e = genesis(serde_json::json!({ "osakaTime": null, "bpo1Time": 30,
            "blobSchedule": { "bpo1": entry(10, 15) } }))
        .unwrap_err();
        assert!(matches!(e, SpecError::BpoOrder { number: 1, after_time: None, .. }));
        let e =
            genesis(serde_json::json!({ "blobSchedule": { "bpo6": entry(10, 15) } })).unwrap_err();
        assert!(matches!(e, SpecError::UnknownBlobFork(ref f) if f == "bpo6"));
        let e =
            genesis(serde_json::json!({ "blobSchedule": { "bpo1": entry(16, 15) } })).unwrap_err();
        assert!(matches!(
            e,
            SpecError::BlobConfig {
                source: BlobConfigError::TargetAboveMax { target: 16, max: 15 },
                ..
            }
        ));
    }
}
