//! The native rollup contracts: Solidity sources in `sol/`, compiled by the pinned npm
//! `solc` (`npm run build`) into the committed `artifacts/`, bound here with alloy `sol!`.
//!
//! Also what the Rust side needs to talk to them: the L2 genesis with its predeploys
//! ([`l2_genesis`]) and the L1->L2 message tree ([`MessageTree`]) that relayers prove
//! messages against.
#![warn(missing_docs)]

use alloy_genesis::GenesisAccount;
use alloy_primitives::{Address, B256, Bytes, U256, address, keccak256};
use nr_chain::spec::ChainSpec;
use nr_stateless::ForkSchedule;

#[allow(missing_docs, clippy::too_many_arguments)]
mod bindings {
    alloy_sol_types::sol!(
        #[sol(all_derives)]
        NativeRollup,
        "artifacts/NativeRollup.json"
    );
    alloy_sol_types::sol!(
        #[sol(all_derives)]
        L2Messenger,
        "artifacts/L2Messenger.json"
    );
    alloy_sol_types::sol!(
        #[sol(all_derives)]
        L1TokenBridge,
        "artifacts/L1TokenBridge.json"
    );
    alloy_sol_types::sol!(
        #[sol(all_derives)]
        L2TokenBridge,
        "artifacts/L2TokenBridge.json"
    );
    alloy_sol_types::sol!(
        #[sol(all_derives)]
        BridgedToken,
        "artifacts/BridgedToken.json"
    );
    alloy_sol_types::sol!(
        #[sol(all_derives)]
        TestToken,
        "artifacts/TestToken.json"
    );
}
pub use bindings::*;

/// The `OptimisticRollup` bindings, and those of its forced-transaction inbox
/// `OptimisticInbox` (deployed after the rollup, found through `OptimisticRollup.inbox()`).
/// The rollup's ABI names the shared base's `RollupCore.L2Message` too, so they live in a
/// module of their own (with their own `RollupCore`): convert a [`RollupCore::L2Message`]
/// with `.into()` to claim through it. The inbox's submission ABI is `NativeRollup`'s
/// (`forceInclude`, `forcedFee`, `forcedHead`, `forcedCount`, `forcedEntry`, the
/// `ForcedTransaction` event): `NativeRollup`'s call types work against its address too.
#[allow(missing_docs, clippy::too_many_arguments)]
pub mod optimistic {
    alloy_sol_types::sol!(
        #[sol(all_derives)]
        OptimisticRollup,
        "artifacts/OptimisticRollup.json"
    );
    alloy_sol_types::sol!(
        #[sol(all_derives)]
        OptimisticInbox,
        "artifacts/OptimisticInbox.json"
    );

    impl From<super::RollupCore::L2Message> for RollupCore::L2Message {
        fn from(m: super::RollupCore::L2Message) -> Self {
            let super::RollupCore::L2Message { sender, to, value, gasLimit, nonce, data } = m;
            Self { sender, to, value, gasLimit, nonce, data }
        }
    }
}
pub use optimistic::{OptimisticInbox, OptimisticRollup};

pub mod claims;

/// The L2 messenger predeploy.
pub const L2_MESSENGER: Address = address!("0x0000000000000000000000000000000000008079");
/// The L2 ERC-20 bridge predeploy.
pub const L2_TOKEN_BRIDGE: Address = address!("0x000000000000000000000000000000000000807b");
/// ETH pre-minted into the L2 messenger at genesis (released by deposits): 2^128 wei.
pub const L2_PREMINT: U256 = U256::from_limbs([0, 0, 1, 0]);
/// Storage slot of `NativeRollup.messageRoot` (proven on L2).
pub const ROLLUP_MESSAGE_ROOT_SLOT: B256 = B256::ZERO;
/// Storage slot of the `L2Messenger.sentMessages` mapping (proven on L1).
pub const MESSENGER_SENT_SLOT: U256 = U256::ZERO;
/// Storage slot of `L2Messenger.l1Rollup` (set at genesis).
pub const MESSENGER_L1_ROLLUP_SLOT: U256 = U256::from_limbs([3, 0, 0, 0]);
/// Storage slot of `L2TokenBridge.l1Bridge` (set at genesis).
pub const TOKEN_BRIDGE_L1_BRIDGE_SLOT: U256 = U256::ZERO;
/// Depth of the L1->L2 message tree.
pub const MESSAGE_TREE_DEPTH: usize = 32;
/// Gas an L2 claim of an L1->L2 message needs besides the message's gas limit and its
/// 1/63 (as `NativeRollup.L2_CLAIM_OVERHEAD`, which bounds message gas limits with it).
pub const L2_CLAIM_OVERHEAD: u64 = 300_000;

/// Gas limit of an L2 transaction claiming an L1->L2 message whose call gets `gas_limit`:
/// the limit, the 1/63 EIP-150 keeps back, and [`L2_CLAIM_OVERHEAD`]. `None` when that
/// does not fit a u64 (no L2 transaction could carry it).
pub fn l1_message_claim_gas(gas_limit: U256) -> Option<u64> {
    let g: u64 = gas_limit.try_into().ok()?;
    g.checked_add(g / 63)?.checked_add(L2_CLAIM_OVERHEAD)
}

/// Wei the rollup contract must hold from deployment on to back the L2 ETH a genesis
/// gives accounts outside the messenger (whose premint only deposits release).
pub fn genesis_backing(spec: &ChainSpec) -> U256 {
    spec.genesis
        .alloc
        .iter()
        .filter(|(a, _)| **a != L2_MESSENGER)
        .fold(U256::ZERO, |sum, (_, acc)| sum.saturating_add(acc.balance))
}

/// A custom error of the project's contracts, decoded from revert data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContractError {
    /// The contract declaring it; `None` when several do (`AlreadyClaimed` is both
    /// NativeRollup's and L2Messenger's, with the same selector).
    pub contract: Option<&'static str>,
    /// The error's name (`AlreadyClaimed`).
    pub name: &'static str,
    /// Its arguments, if any (`{ gasLimit: 50000000, max: 9548437 }`), else empty.
    pub args: String,
}

impl std::fmt::Display for ContractError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if let Some(c) = self.contract {
            write!(f, "{c}.")?;
        }
        if self.args.is_empty() {
            write!(f, "{}", self.name)
        } else {
            write!(f, "{} {}", self.name, self.args)
        }
    }
}

/// Names the custom error of our contracts that `data` (revert data) holds: NativeRollup,
/// OptimisticRollup, OptimisticInbox (the errors of their shared base RollupCore are named without a
/// contract), L2Messenger, the token bridges and tokens. `None` for anything else.
pub fn decode_error(data: &[u8]) -> Option<ContractError> {
    use alloy_sol_types::SolInterface;
    let selector: [u8; 4] = data.get(..4)?.try_into().ok()?;
    let mut found: Option<ContractError> = None;
    macro_rules! try_contract {
        ($contract:ident, $errors:ident) => {
            if let Some(name) = $contract::$errors::name_by_selector(selector) {
                match &mut found {
                    // Declared by more than one contract: the name alone.
                    Some(e) => e.contract = None,
                    None => {
                        // The arguments as the bindings print them: `Name(Name { a: 1 })`.
                        let args = $contract::$errors::abi_decode(data)
                            .ok()
                            .map(|e| format!("{e:?}"))
                            .and_then(|d| Some(d.get(d.find('{')?..=d.rfind('}')?)?.to_string()))
                            .unwrap_or_default();
                        found = Some(ContractError {
                            contract: Some(stringify!($contract)),
                            name,
                            args,
                        });
                    }
                }
            }
        };
    }
    try_contract!(NativeRollup, NativeRollupErrors);
    try_contract!(OptimisticRollup, OptimisticRollupErrors);
    try_contract!(OptimisticInbox, OptimisticInboxErrors);
    try_contract!(L2Messenger, L2MessengerErrors);
    try_contract!(L1TokenBridge, L1TokenBridgeErrors);
    try_contract!(L2TokenBridge, L2TokenBridgeErrors);
    try_contract!(BridgedToken, BridgedTokenErrors);
    try_contract!(TestToken, TestTokenErrors);
    found
}

/// The L2 genesis: the Ethereum system contracts, the messenger holding [`L2_PREMINT`] and
/// pointing at `l1_rollup`, the token bridge pointing at `l1_bridge`, and `funded` accounts
/// (development only; a production L2 funds accounts through deposits).
pub fn l2_genesis(
    chain_id: u64,
    schedule: ForkSchedule,
    timestamp: u64,
    l1_rollup: Address,
    l1_bridge: Address,
    funded: &[(Address, U256)],
) -> ChainSpec {
    let mut spec = ChainSpec::dev(chain_id, schedule, timestamp, &[], U256::ZERO);
    spec.genesis.extra_data = Bytes::new();
    let word = |a: Address| B256::left_padding_from(a.as_slice());
    spec.genesis.alloc.insert(
        L2_MESSENGER,
        GenesisAccount::default()
            .with_balance(L2_PREMINT)
            .with_code(Some(L2Messenger::DEPLOYED_BYTECODE.clone()))
            .with_storage(Some([(B256::from(MESSENGER_L1_ROLLUP_SLOT), word(l1_rollup))].into())),
    );
    spec.genesis.alloc.insert(
        L2_TOKEN_BRIDGE,
        GenesisAccount::default()
            .with_code(Some(L2TokenBridge::DEPLOYED_BYTECODE.clone()))
            .with_storage(Some(
                [(B256::from(TOKEN_BRIDGE_L1_BRIDGE_SLOT), word(l1_bridge))].into(),
            )),
    );
    for (a, balance) in funded {
        spec.genesis.alloc.insert(*a, GenesisAccount::default().with_balance(*balance));
    }
    spec
}

/// Minimal initcode deploying `runtime` as a contract's code (`CODECOPY` + `RETURN`), for
/// hand-written test contracts. Runtimes up to 255 bytes.
pub fn initcode_for(runtime: &[u8]) -> Bytes {
    assert!(runtime.len() <= 255, "runtime longer than 255 bytes");
    let len = runtime.len() as u8;
    // PUSH1 len PUSH1 10 PUSH0 CODECOPY PUSH1 len PUSH0 RETURN, then the runtime.
    let mut code = vec![0x60, len, 0x60, 0x0a, 0x5f, 0x39, 0x60, len, 0x5f, 0xf3];
    code.extend_from_slice(runtime);
    code.into()
}

/// Hash of an L1->L2 message, the leaf of the message tree (as `NativeRollup.sendMessage`).
pub fn l1_message_hash(m: &L2Messenger::L1Message) -> B256 {
    use alloy_sol_types::SolValue;
    keccak256(
        (m.sender, m.to, m.value, m.fee, m.gasLimit, keccak256(&m.data), m.index).abi_encode(),
    )
}

/// Hash of an L2->L1 message (as `L2Messenger.sendMessage`): its gas limit is part of it.
pub fn l2_message_hash(m: &RollupCore::L2Message) -> B256 {
    use alloy_sol_types::SolValue;
    keccak256((m.sender, m.to, m.value, m.gasLimit, keccak256(&m.data), m.nonce).abi_encode())
}

/// The storage slot of `hash` in `L2Messenger.sentMessages`.
pub fn sent_message_slot(hash: B256) -> B256 {
    let mut buf = [0u8; 64];
    buf[..32].copy_from_slice(hash.as_slice());
    buf[32..].copy_from_slice(&MESSENGER_SENT_SLOT.to_be_bytes::<32>());
    keccak256(buf)
}

/// The append-only keccak Merkle tree of L1->L2 messages (depth 32, zero-hash padding),
/// mirroring `NativeRollup`: same root, and inclusion proofs for `claimL1Message`.
#[derive(Debug, Clone, Default)]
pub struct MessageTree {
    leaves: Vec<B256>,
}

fn hash_pair(a: B256, b: B256) -> B256 {
    let mut buf = [0u8; 64];
    buf[..32].copy_from_slice(a.as_slice());
    buf[32..].copy_from_slice(b.as_slice());
    keccak256(buf)
}

impl MessageTree {
    /// Appends a leaf; returns its index.
    pub fn push(&mut self, leaf: B256) -> usize {
        self.leaves.push(leaf);
        self.leaves.len() - 1
    }

    /// Number of leaves.
    pub fn len(&self) -> usize {
        self.leaves.len()
    }

    /// Leaf `index`, if there is one.
    pub fn leaf(&self, index: usize) -> Option<B256> {
        self.leaves.get(index).copied()
    }

    /// Whether the tree is empty.
    pub fn is_empty(&self) -> bool {
        self.leaves.is_empty()
    }

    fn levels(&self) -> Vec<Vec<B256>> {
        let mut zero = B256::ZERO;
        let mut level = self.leaves.clone();
        let mut out = Vec::with_capacity(MESSAGE_TREE_DEPTH + 1);
        for _ in 0..MESSAGE_TREE_DEPTH {
            out.push(level.clone());
            let next = level
                .chunks(2)
                .map(|p| hash_pair(p[0], p.get(1).copied().unwrap_or(zero)))
                .collect();
            level = next;
            zero = hash_pair(zero, zero);
        }
        out.push(level);
        out
    }

    /// The root (what `NativeRollup.messageRoot` holds after the same messages).
    pub fn root(&self) -> B256 {
        let levels = self.levels();
        levels[MESSAGE_TREE_DEPTH].first().copied().unwrap_or_else(|| {
            let mut zero = B256::ZERO;
            for _ in 0..MESSAGE_TREE_DEPTH {
                zero = hash_pair(zero, zero);
            }
            zero
        })
    }

    /// The 32 siblings proving leaf `index` (`None` if out of range).
    pub fn proof(&self, index: usize) -> Option<[B256; MESSAGE_TREE_DEPTH]> {
        if index >= self.leaves.len() {
            return None;
        }
        let levels = self.levels();
        let mut zero = B256::ZERO;
        let mut out = [B256::ZERO; MESSAGE_TREE_DEPTH];
        let mut i = index;
        for (h, sibling) in out.iter_mut().enumerate() {
            *sibling = levels[h].get(i ^ 1).copied().unwrap_or(zero);
            zero = hash_pair(zero, zero);
            i >>= 1;
        }
        Some(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proofs_verify_against_the_root() {
        let mut t = MessageTree::default();
        let empty = t.root();
        for i in 0..5u8 {
            t.push(B256::repeat_byte(i + 1));
        }
        assert_ne!(t.root(), empty);
        for i in 0..5 {
            let proof = t.proof(i).unwrap();
            let mut node = t.leaves[i];
            for (h, s) in proof.iter().enumerate() {
                node = if (i >> h) & 1 == 1 { hash_pair(*s, node) } else { hash_pair(node, *s) };
            }
            assert_eq!(node, t.root(), "leaf {i}");
        }
        assert!(t.proof(5).is_none());
    }

    #[test]
    fn claim_gas_never_overflows() {
        assert_eq!(l1_message_claim_gas(U256::from(63_000)), Some(64_000 + L2_CLAIM_OVERHEAD));
        assert_eq!(l1_message_claim_gas(U256::from(u64::MAX)), None);
        assert_eq!(l1_message_claim_gas(U256::MAX), None);
        assert_eq!(l1_message_claim_gas(U256::from(u64::MAX - L2_CLAIM_OVERHEAD)), None);
    }

    #[test]
    fn errors_are_named_with_their_arguments() {
        use alloy_sol_types::SolError;
        // Declared by both messengers: named without a contract.
        let e = decode_error(&NativeRollup::AlreadyClaimed {}.abi_encode()).unwrap();
        assert_eq!((e.name, e.contract), ("AlreadyClaimed", None));
        assert_eq!(e.to_string(), "AlreadyClaimed");
        // Declared by RollupCore, so by both rollups: named without a contract.
        let e = decode_error(&NativeRollup::UnknownStateRoot {}.abi_encode()).unwrap();
        assert_eq!(e.to_string(), "UnknownStateRoot");
        let e = decode_error(&NativeRollup::NotSequencer {}.abi_encode()).unwrap();
        assert_eq!(e.to_string(), "NativeRollup.NotSequencer");
        let e = decode_error(&OptimisticRollup::NotPending { number: 3 }.abi_encode()).unwrap();
        assert_eq!(e.to_string(), "OptimisticRollup.NotPending { number: 3 }");
        let data = OptimisticInbox::ForcedPrefixMismatch { index: U256::from(2) }.abi_encode();
        assert_eq!(
            decode_error(&data).unwrap().to_string(),
            "OptimisticInbox.ForcedPrefixMismatch { index: 2 }"
        );
        // Declared by both inboxes (the shared ForcedInboxCore): named without a contract.
        let data = OptimisticInbox::ForcedTransactionDue { index: U256::from(4) }.abi_encode();
        assert_eq!(decode_error(&data).unwrap().to_string(), "ForcedTransactionDue { index: 4 }");
        let data = NativeRollup::GasLimitTooHigh { gasLimit: U256::from(7), max: U256::from(5) }
            .abi_encode();
        let e = decode_error(&data).unwrap();
        assert_eq!(e.name, "GasLimitTooHigh");
        assert_eq!(e.contract, None, "NativeRollup and L2Messenger both declare it");
        assert!(e.args.contains("gasLimit: 7") && e.args.contains("max: 5"), "{e}");
        assert_eq!(
            decode_error(&L2TokenBridge::OnlyPeer {}.abi_encode()).unwrap().name,
            "OnlyPeer"
        );
        assert_eq!(decode_error(&[1, 2, 3, 4]), None);
        assert_eq!(decode_error(&[1]), None);
    }
}
