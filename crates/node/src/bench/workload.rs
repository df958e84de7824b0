//! Generated L2 workloads: the benchmark's L2 genesis (funded senders holding tokens, a
//! storage writer, an ERC-20) and the transactions of each workload.

use super::BenchError;
use alloy_consensus::TxEnvelope;
use alloy_primitives::{Address, B256, Bytes, TxKind, U256, keccak256};
use alloy_signer_local::PrivateKeySigner;
use alloy_sol_types::SolCall;
use nr_chain::{Eip1559Builder, spec::ChainSpec};
use nr_contracts::{TestToken, l2_genesis};
use nr_stateless::ForkSchedule;

/// L2 chain id of the benchmarks.
pub const L2_ID: u64 = 8079;
/// L2 block gas limit of the block benchmarks.
pub const L2_GAS_LIMIT: u64 = 120_000_000;
/// Number of funded senders.
pub const SENDERS: usize = 400;

/// `for i in 0..calldata[0] { sstore(calldata[32] + i, i + 1) }`: fresh slots per call.
const WRITER: [u8; 30] = [
    0x60, 0x20, 0x35, 0x5f, 0x35, 0x5f, 0x5b, 0x81, 0x81, 0x10, 0x15, 0x60, 0x1c, 0x57, 0x80, 0x60,
    0x01, 0x01, 0x81, 0x84, 0x01, 0x55, 0x60, 0x01, 0x01, 0x60, 0x06, 0x56, 0x5b, 0x00,
];

/// What the transactions of a benchmark block do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
#[serde(rename_all = "lowercase")]
pub enum Workload {
    /// ETH transfers to fresh accounts.
    Transfers,
    /// ERC-20 transfers to fresh accounts.
    Erc20,
    /// 40 fresh storage slots written per transaction.
    Storage,
    /// 2 KB contract deployments.
    Deploy,
    /// The four above in turn.
    Mixed,
}

impl Workload {
    /// Every workload, in the order the benchmark runs them by default.
    pub const ALL: [Workload; 5] =
        [Self::Transfers, Self::Erc20, Self::Storage, Self::Deploy, Self::Mixed];

    /// The name used on the command line and in reports.
    pub fn name(self) -> &'static str {
        match self {
            Self::Transfers => "transfers",
            Self::Erc20 => "erc20",
            Self::Storage => "storage",
            Self::Deploy => "deploy",
            Self::Mixed => "mixed",
        }
    }
}

/// A deterministic benchmark key by index.
pub fn signer(i: usize) -> PrivateKeySigner {
    let mut k = [0x5au8; 32];
    k[28..].copy_from_slice(&(i as u32 + 1).to_be_bytes());
    // Nonzero and far below the curve order: always a valid key.
    PrivateKeySigner::from_bytes(&k.into()).expect("valid key")
}

/// Generates the transactions of one workload, with nonces per sender.
#[derive(Debug)]
pub struct TxGenerator {
    workload: Workload,
    senders: Vec<PrivateKeySigner>,
    nonces: Vec<u64>,
    token: Address,
    writer: Address,
    next: usize,
}

impl TxGenerator {
    /// A generator for `workload` sending from `senders`, with the genesis `token` and
    /// `writer` of [`bench_spec`].
    pub fn new(
        workload: Workload,
        senders: Vec<PrivateKeySigner>,
        token: Address,
        writer: Address,
    ) -> Self {
        let nonces = vec![0; senders.len()];
        Self { workload, senders, nonces, token, writer, next: 0 }
    }

    /// Transaction `i` and an estimate of the gas it uses.
    pub fn tx(&mut self, i: usize) -> Result<(TxEnvelope, u64), BenchError> {
        let kind = match self.workload {
            Workload::Mixed => {
                [Workload::Transfers, Workload::Erc20, Workload::Storage, Workload::Deploy][i % 4]
            }
            k => k,
        };
        let s = i % self.senders.len();
        self.next += 1;
        let fresh = Address::from_word(keccak256((self.next as u64).to_be_bytes()));
        let (to, input, gas, estimate) = match kind {
            Workload::Transfers => (TxKind::Call(fresh), Bytes::new(), 21_000, 21_000),
            Workload::Erc20 => {
                let call = TestToken::transferCall { to: fresh, amount: U256::from(1) };
                (TxKind::Call(self.token), call.abi_encode().into(), 80_000, 52_000)
            }
            Workload::Storage => {
                let mut data = U256::from(40).to_be_bytes::<32>().to_vec();
                data.extend(U256::from(self.next as u64 * 1_000).to_be_bytes::<32>());
                (TxKind::Call(self.writer), data.into(), 1_000_000, 905_000)
            }
            Workload::Deploy | Workload::Mixed => {
                // A 2 KB contract with a unique byte, so every deployment is new code.
                let mut runtime = vec![0x5b; 2048];
                runtime[..8].copy_from_slice(&(self.next as u64).to_be_bytes());
                runtime[0] = 0x00; // STOP first: never starts with 0xEF
                let len = runtime.len() as u16;
                let mut code = vec![0x61, (len >> 8) as u8, len as u8, 0x60, 0x0c, 0x5f, 0x39];
                code.extend([0x61, (len >> 8) as u8, len as u8, 0x5f, 0xf3]);
                code.extend(runtime);
                (TxKind::Create, code.into(), 700_000, 500_000)
            }
        };
        let value = if kind == Workload::Transfers { U256::from(1) } else { U256::ZERO };
        let tx = Eip1559Builder::new(L2_ID, self.nonces[s], to)
            .value(value)
            .input(input)
            .gas_limit(gas)
            .fees(50_000_000_000, 1_000_000_000)
            .sign(&self.senders[s])?;
        self.nonces[s] += 1;
        Ok((tx, estimate))
    }
}

/// The L2 genesis of a benchmark: funded senders holding tokens, the writer, the token.
/// Returns the spec, the token and the writer.
pub fn bench_spec(
    schedule: &ForkSchedule,
    senders: &[PrivateKeySigner],
    rollup: Address,
) -> (ChainSpec, Address, Address) {
    let funded: Vec<(Address, U256)> =
        senders.iter().map(|s| (s.address(), U256::from(10).pow(U256::from(24)))).collect();
    let mut spec = l2_genesis(
        L2_ID,
        schedule.clone(),
        nr_chain::unix_now().saturating_sub(3_600),
        rollup,
        Address::ZERO,
        &funded,
    );
    spec.genesis.gas_limit = L2_GAS_LIMIT;
    let token = Address::with_last_byte(0xe2);
    let writer = Address::with_last_byte(0xe3);
    let mut storage = std::collections::BTreeMap::new();
    for s in senders {
        let mut key = [0u8; 64];
        key[12..32].copy_from_slice(s.address().as_slice());
        key[63] = 3; // ERC20.balanceOf is slot 3
        storage.insert(keccak256(key), B256::from(U256::from(10).pow(U256::from(30))));
    }
    spec.genesis.alloc.insert(
        token,
        alloy_genesis::GenesisAccount::default()
            .with_code(Some(TestToken::DEPLOYED_BYTECODE.clone()))
            .with_storage(Some(storage)),
    );
    spec.genesis.alloc.insert(
        writer,
        alloy_genesis::GenesisAccount::default().with_code(Some(Bytes::from_static(&WRITER))),
    );
    (spec, token, writer)
}
