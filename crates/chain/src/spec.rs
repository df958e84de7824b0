//! What defines a chain: chain id, fork schedule and genesis (geth genesis format).

use alloy_consensus::{EMPTY_OMMER_ROOT_HASH, Header, constants::EMPTY_WITHDRAWALS};
use alloy_eips::{eip2935, eip4788, eip7002, eip7251, eip7685::EMPTY_REQUESTS_HASH};
use alloy_genesis::{Genesis, GenesisAccount};
use alloy_primitives::{Address, B256, Bytes, U256};
use nr_stateless::{Fork, ForkSchedule, memory::GenesisAccount as Alloc};
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
}

impl ChainSpec {
    /// Reads a geth-format genesis (`config.chainId`, `config.cancunTime`, `pragueTime`,
    /// `osakaTime`, `alloc`, `gasLimit`, `baseFeePerGas`, `timestamp`, `extraData`, ...).
    /// Every chain is post-merge with Shanghai from genesis. System contracts missing from
    /// `alloc` (EIP-4788, EIP-2935, EIP-7002, EIP-7251) are added with their standard code.
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
            blob_gas_used: cancun.then_some(0),
            excess_blob_gas: cancun.then_some(0),
            parent_beacon_block_root: cancun.then_some(B256::ZERO),
            requests_hash: (fork >= Fork::Prague).then_some(EMPTY_REQUESTS_HASH),
            ..Default::default()
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
