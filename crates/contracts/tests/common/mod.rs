//! An L1 (with EXECUTE) and an L2, both real chains on our EVM, with the rollup contracts
//! deployed, and helpers to send transactions, settle L2 blocks and relay messages.
#![allow(dead_code)] // each test binary uses a part

use alloy_consensus::{Header, TxEnvelope};
use alloy_eips::eip7685::Requests;
use alloy_primitives::{Address, B256, Bytes, TxKind, U256};
use alloy_signer_local::PrivateKeySigner;
use alloy_sol_types::{SolCall, SolError};
use nr_chain::{BlockOptions, CallOutcome, CallRequest, Chain, Eip1559Builder, ReceiptInfo};
use nr_contracts::*;
use nr_execute::precompile::ExecuteGasParams;
use nr_node::l1::{DevGenesis, open_chain};
use nr_stateless::{
    Fork, ForkSchedule, evm::PlainEthereum, memory::MemoryChain, ssz::StatelessInput,
};
use std::{cell::RefCell, collections::HashMap, sync::Arc};

pub mod batches;
pub mod forced_opt;
pub mod optimistic;

/// L1 chain id.
pub const L1_ID: u64 = 31337;
/// L2 chain id.
pub const L2_ID: u64 = 8079;
/// L2 block gas limit.
pub const L2_GAS_LIMIT: u64 = 30_000_000;
/// Seconds between L1 blocks.
pub const L1_BLOCK_TIME: u64 = 12;
/// Max L2 timestamp lag the rollup accepts.
pub const MAX_LAG: u64 = 600;
/// Sequencer timeout in sequenced mode.
pub const SEQUENCER_TIMEOUT: u64 = 120;
/// L1 blocks after which an L1->L2 message is due, in the tests that do not test forced
/// deposits (far beyond any test's L1 length, so none becomes due).
pub const FORCED_DELAY: u64 = 1 << 32;
/// L1 blocks after which a forced transaction is due, in the forced-inbox tests
/// (`Env::with_forced_delay`).
pub const FORCED_TX_DELAY: u64 = 8;

/// Decodes EXECUTE wire bytes (must be well formed).
pub fn from_wire(wire: &[u8]) -> StatelessInput {
    StatelessInput::from_wire(wire).expect("well-formed wire bytes")
}

/// A funded key by index (distinct, deterministic).
pub fn key(i: u8) -> PrivateKeySigner {
    let mut k = [0x11u8; 32];
    k[31] = i;
    PrivateKeySigner::from_bytes(&k.into()).unwrap()
}

/// The whole setup. The L1 is made the way the L1 node makes its chain
/// ([`nr_node::l1::DevGenesis`] and [`nr_node::l1::open_chain`]: same spec and EXECUTE
/// hooks), but driven directly, without RPC or block producer, so tests can craft and
/// mine blocks by hand.
pub struct Env {
    /// L1 chain (EXECUTE at 0x0101).
    pub l1: Chain,
    /// L2 chain.
    pub l2: Chain,
    /// Fork schedule of both.
    pub schedule: ForkSchedule,
    /// Deploys the L1 contracts.
    pub deployer: PrivateKeySigner,
    /// A user with funds on both chains.
    pub alice: PrivateKeySigner,
    /// Another user.
    pub bob: PrivateKeySigner,
    /// The sequencer key (sequenced mode).
    pub sequencer: PrivateKeySigner,
    /// NativeRollup on L1.
    pub rollup: Address,
    /// L1TokenBridge on L1.
    pub l1_bridge: Address,
    /// Mirror of the L1->L2 message tree.
    pub tree: RefCell<MessageTree>,
    nonces: RefCell<HashMap<(bool, Address), u64>>,
    _dirs: (tempfile::TempDir, tempfile::TempDir),
}

/// A transaction outcome.
pub struct Sent {
    /// The receipt.
    pub receipt: ReceiptInfo,
}

impl Sent {
    /// Whether it succeeded.
    pub fn ok(&self) -> bool {
        self.receipt.receipt.status()
    }
    /// Gas used.
    pub fn gas(&self) -> u64 {
        self.receipt.gas_used
    }
}

fn sign(
    key: &PrivateKeySigner,
    chain_id: u64,
    nonce: u64,
    to: TxKind,
    value: U256,
    input: Bytes,
    gas: u64,
) -> TxEnvelope {
    Eip1559Builder::new(chain_id, nonce, to)
        .value(value)
        .input(input)
        .gas_limit(gas)
        .fees(100_000_000_000, 1_000_000_000)
        .sign(key)
        .unwrap()
}

impl Env {
    /// Claims L2->L1 message `m`, sent in L2 block `l2_block` (settled), on L1.
    pub fn claim_l2_call(
        &self,
        m: &nr_contracts::RollupCore::L2Message,
        l2_block: u64,
    ) -> NativeRollup::claimL2MessageCall {
        let header = self.l2.header_by_number(l2_block).unwrap().unwrap();
        let slot = sent_message_slot(l2_message_hash(m));
        let proof = self.l2.proof(&header, L2_MESSENGER, &[slot]).unwrap();
        assert_eq!(proof.storage[0].1, U256::from(1), "sent on L2");
        NativeRollup::claimL2MessageCall {
            m: m.clone(),
            l2Block: l2_block,
            accountProof: proof.account_proof,
            storageProof: proof.storage[0].2.clone(),
        }
    }

    /// Deploys everything; `sequenced` picks the mode. L1->L2 messages never become due.
    pub fn new(sequenced: bool) -> Self {
        Self::with_forced_delay(sequenced, FORCED_DELAY)
    }

    /// [`Env::new`] with L1->L2 messages due `forced_delay` L1 blocks after they are sent.
    pub fn with_forced_delay(sequenced: bool, forced_delay: u64) -> Self {
        Self::with_rollup(|env, genesis| {
            let seq = if sequenced { env.sequencer.address() } else { Address::ZERO };
            let ctor = NativeRollup::constructorCall {
                chainId_: L2_ID,
                gasLimit_: L2_GAS_LIMIT,
                genesisHash: genesis.hash_slow(),
                genesisStateRoot: genesis.state_root,
                sequencer_: seq,
                sequencerTimeout_: U256::from(SEQUENCER_TIMEOUT),
                maxTimestampLag_: U256::from(MAX_LAG),
                forcedDelay_: U256::from(forced_delay),
            };
            let mut code = NativeRollup::BYTECODE.to_vec();
            code.extend(alloy_sol_types::SolConstructor::abi_encode(&ctor));
            code
        })
    }

    /// Deploys everything with the rollup contract's creation code (with its constructor
    /// arguments) given by `rollup_code(env, l2_genesis_header)`.
    pub fn with_rollup(rollup_code: impl FnOnce(&Self, &Header) -> Vec<u8>) -> Self {
        let schedule = ForkSchedule::from_genesis(Fork::Osaka);
        let (deployer, alice, bob, sequencer) = (key(1), key(2), key(3), key(4));
        let eth = U256::from(10).pow(U256::from(18));
        let l1_dir = tempfile::tempdir().unwrap();
        let l2_dir = tempfile::tempdir().unwrap();
        let genesis_time = 1_700_000_000;
        let funded: Vec<Address> =
            [&deployer, &alice, &bob, &sequencer].iter().map(|k| k.address()).collect();
        let l1_spec = DevGenesis {
            chain_id: L1_ID,
            schedule: schedule.clone(),
            timestamp: genesis_time,
            funded,
            balance: eth * U256::from(1000),
            gas_limit: None,
        }
        .spec();
        let l1 = open_chain(&l1_dir.path().join("l1.redb"), l1_spec, ExecuteGasParams::default())
            .unwrap();
        let rollup = deployer.address().create(0);
        let l1_bridge = deployer.address().create(1);
        let mut l2_spec = l2_genesis(
            L2_ID,
            schedule.clone(),
            genesis_time,
            rollup,
            l1_bridge,
            &[(alice.address(), eth * U256::from(100)), (bob.address(), eth * U256::from(100))],
        );
        l2_spec.genesis.gas_limit = L2_GAS_LIMIT;
        let l2 =
            Chain::open(&l2_dir.path().join("l2.redb"), l2_spec, Arc::new(PlainEthereum)).unwrap();
        let env = Self {
            l1,
            l2,
            schedule,
            deployer,
            alice,
            bob,
            sequencer,
            rollup,
            l1_bridge,
            tree: Default::default(),
            nonces: Default::default(),
            _dirs: (l1_dir, l2_dir),
        };
        let genesis = env.l2.head();
        let code = rollup_code(&env, &genesis);
        let d = env.deployer.clone();
        // The deployer locks what backs the genesis L2 ETH outside the messenger.
        let backing = genesis_backing(env.l2.spec());
        let r = env.l1_tx(&d, TxKind::Create, backing, code.into());
        assert!(r.ok(), "rollup deploys");
        assert_eq!(r.receipt.contract_address, Some(rollup));
        let mut code = L1TokenBridge::BYTECODE.to_vec();
        code.extend(alloy_sol_types::SolConstructor::abi_encode(&L1TokenBridge::constructorCall {
            rollup_: rollup,
            l2Bridge_: L2_TOKEN_BRIDGE,
        }));
        let r = env.l1_tx(&d, TxKind::Create, U256::ZERO, code.into());
        assert_eq!(r.receipt.contract_address, Some(l1_bridge));
        env
    }

    fn next_nonce(&self, l1: bool, key: &PrivateKeySigner) -> u64 {
        let mut n = self.nonces.borrow_mut();
        let e = n.entry((l1, key.address())).or_insert_with(|| {
            let c = if l1 { &self.l1 } else { &self.l2 };
            c.account(&c.head(), key.address()).unwrap().map_or(0, |a| a.nonce)
        });
        *e += 1;
        *e - 1
    }

    /// Time of the next L1 block.
    pub fn l1_next_time(&self) -> u64 {
        self.l1.head().timestamp + L1_BLOCK_TIME
    }

    /// Mines one L1 block with whatever is pending.
    pub fn l1_mine(&self) -> nr_chain::Produced {
        self.l1.produce_block(self.l1_next_time()).unwrap()
    }

    /// Sends one L1 transaction and mines it in its own block.
    pub fn l1_tx(&self, from: &PrivateKeySigner, to: TxKind, value: U256, input: Bytes) -> Sent {
        self.l1_tx_gas(from, to, value, input, 15_000_000)
    }

    /// [`Env::l1_tx`] with a gas limit.
    pub fn l1_tx_gas(
        &self,
        from: &PrivateKeySigner,
        to: TxKind,
        value: U256,
        input: Bytes,
        gas: u64,
    ) -> Sent {
        let nonce = self.next_nonce(true, from);
        let tx = sign(from, L1_ID, nonce, to, value, input, gas);
        let hash = self.l1.add_transaction(tx).expect("L1 tx accepted");
        let p = self.l1_mine();
        assert_eq!(p.block.body.transactions.len(), 1, "skipped: {:?}", p.skipped);
        Sent { receipt: self.l1.receipt(&hash).unwrap().unwrap() }
    }

    /// Calls a contract on L1 (a transaction, mined).
    pub fn l1_call<C: SolCall>(
        &self,
        from: &PrivateKeySigner,
        to: Address,
        call: C,
        value: U256,
    ) -> Sent {
        self.l1_tx(from, TxKind::Call(to), value, call.abi_encode().into())
    }

    /// Simulates a call as the first transaction of the next L1 block; returns the outcome.
    pub fn l1_simulate<C: SolCall>(
        &self,
        from: Address,
        to: Address,
        call: &C,
        value: U256,
    ) -> CallOutcome {
        let req = CallRequest {
            from: Some(from),
            to: Some(to),
            input: call.abi_encode().into(),
            value: Some(value),
            gas: Some(15_000_000),
            ..Default::default()
        };
        self.l1.call_pending(self.l1_next_time(), &req).unwrap()
    }

    /// Asserts that `call` reverts with error `E` (simulated), then sends it anyway and
    /// checks it fails on chain and leaves the rollup head unchanged. Returns the error.
    pub fn l1_expect_revert<C: SolCall, E: SolError>(
        &self,
        from: &PrivateKeySigner,
        to: Address,
        call: C,
        value: U256,
    ) -> E {
        let error = match self.l1_simulate(from.address(), to, &call, value) {
            CallOutcome::Revert { output, .. } => E::abi_decode(&output).unwrap_or_else(|_| {
                panic!(
                    "expected {} (0x{}), got 0x{}",
                    E::SIGNATURE,
                    alloy_primitives::hex::encode(E::SELECTOR),
                    alloy_primitives::hex::encode(&output)
                )
            }),
            other => panic!("expected revert {}, got {other:?}", E::SIGNATURE),
        };
        let head = self.rollup_head();
        let sent = self.l1_call(from, to, call, value);
        assert!(!sent.ok(), "{} must fail on chain", E::SIGNATURE);
        assert_eq!(self.rollup_head(), head, "a failed call leaves the rollup unchanged");
        error
    }

    /// Like [`Env::l1_expect_revert`], accepting any of `selectors` (when which check
    /// catches a forgery depends on the data, e.g. where a proof path diverges).
    pub fn l1_expect_revert_any<C: SolCall>(
        &self,
        from: &PrivateKeySigner,
        to: Address,
        call: C,
        selectors: &[[u8; 4]],
    ) {
        match self.l1_simulate(from.address(), to, &call, U256::ZERO) {
            CallOutcome::Revert { output, .. } => assert!(
                selectors.iter().any(|s| output.get(..4) == Some(&s[..])),
                "unexpected revert 0x{}",
                alloy_primitives::hex::encode(&output)
            ),
            other => panic!("expected a revert, got {other:?}"),
        }
        let head = self.rollup_head();
        assert!(!self.l1_call(from, to, call, U256::ZERO).ok());
        assert_eq!(self.rollup_head(), head);
    }

    /// A view call on L1 at the head.
    pub fn l1_view<C: SolCall>(&self, to: Address, call: C) -> C::Return {
        let req =
            CallRequest { to: Some(to), input: call.abi_encode().into(), ..Default::default() };
        match self.l1.call(&self.l1.head(), &req).unwrap() {
            CallOutcome::Success { output, .. } => C::abi_decode_returns(&output).unwrap(),
            other => panic!("view failed: {other:?}"),
        }
    }

    /// A view call on L2 at the head.
    pub fn l2_view<C: SolCall>(&self, to: Address, call: C) -> C::Return {
        let req =
            CallRequest { to: Some(to), input: call.abi_encode().into(), ..Default::default() };
        match self.l2.call(&self.l2.head(), &req).unwrap() {
            CallOutcome::Success { output, .. } => C::abi_decode_returns(&output).unwrap(),
            other => panic!("L2 view failed: {other:?}"),
        }
    }

    /// The rollup's (head number, head hash).
    pub fn rollup_head(&self) -> (u64, B256) {
        (
            self.l1_view(self.rollup, NativeRollup::headNumberCall {}),
            self.l1_view(self.rollup, NativeRollup::headHashCall {}),
        )
    }

    /// Adds an L2 transaction to the L2 pool (included by the next [`Env::l2_block`]).
    pub fn l2_tx<C: SolCall>(
        &self,
        from: &PrivateKeySigner,
        to: Address,
        call: C,
        value: U256,
        gas: u64,
    ) -> B256 {
        let nonce = self.next_nonce(false, from);
        let tx = sign(from, L2_ID, nonce, TxKind::Call(to), value, call.abi_encode().into(), gas);
        self.l2.add_transaction(tx).expect("L2 tx accepted")
    }

    /// Adds an L2 transaction with raw calldata to the L2 pool.
    pub fn l2_tx_raw(
        &self,
        from: &PrivateKeySigner,
        to: TxKind,
        input: Bytes,
        value: U256,
        gas: u64,
    ) -> B256 {
        let nonce = self.next_nonce(false, from);
        let tx = sign(from, L2_ID, nonce, to, value, input, gas);
        self.l2.add_transaction(tx).expect("L2 tx accepted")
    }

    /// A plain L2 transfer.
    pub fn l2_transfer(&self, from: &PrivateKeySigner, to: Address, value: U256) -> B256 {
        let nonce = self.next_nonce(false, from);
        let tx = sign(from, L2_ID, nonce, TxKind::Call(to), value, Bytes::new(), 21_000);
        self.l2.add_transaction(tx).expect("L2 tx accepted")
    }

    /// Produces an L2 block anchored to the current L1 head, with the L1 head's timestamp
    /// (the settling L1 block comes after it).
    pub fn l2_block(&self) -> nr_chain::Produced {
        let anchor = self.l1.head();
        self.l2
            .produce_block_with(&BlockOptions {
                timestamp: anchor.timestamp,
                parent_beacon_block_root: Some(anchor.hash_slow()),
                fee_recipient: None,
            })
            .unwrap()
    }

    /// The EXECUTE input (wire bytes: schema id prefix, then SSZ) of L2 block `hash`.
    pub fn input(&self, hash: B256) -> Vec<u8> {
        let block = self.l2.block(&hash).unwrap().unwrap();
        let witness = self.l2.witness(&hash).unwrap();
        MemoryChain::stateless_input(&block, witness, &Requests::default(), L2_ID)
            .unwrap()
            .to_wire()
    }

    /// What the real EXECUTE precompile returns for `input` (simulated on the L1 head;
    /// panics if the call fails).
    pub fn execute_output(&self, input: &[u8]) -> Bytes {
        let req = CallRequest {
            from: Some(self.alice.address()),
            to: Some(nr_execute::precompile::EXECUTE_ADDRESS),
            input: input.to_vec().into(),
            gas: Some(15_000_000),
            ..Default::default()
        };
        match self.l1.call_pending(self.l1_next_time(), &req).unwrap() {
            CallOutcome::Success { output, .. } => output,
            other => panic!("EXECUTE failed: {other:?}"),
        }
    }

    /// L2 block `hash` as an optimistic proposer posts it (`OptimisticRollup.Block`).
    pub fn posted(&self, hash: B256) -> OptimisticRollup::Block {
        let b = self.l2.block(&hash).unwrap().unwrap();
        let h = &b.header;
        OptimisticRollup::Block {
            timestamp: h.timestamp,
            feeRecipient: h.beneficiary,
            prevRandao: h.mix_hash,
            extraData: h.extra_data.clone(),
            anchorBlock: U256::from(self.anchor_of(h)),
            transactions: b
                .body
                .transactions
                .iter()
                .map(|t| alloy_eips::eip2718::Encodable2718::encoded_2718(t).into())
                .collect(),
            blockHash: hash,
            stateRoot: h.state_root,
            forcedCount: 0,
        }
    }

    /// The L1 block number an L2 block is anchored to.
    pub fn anchor_of(&self, l2: &Header) -> u64 {
        let root = l2.parent_beacon_block_root.unwrap();
        (0..=self.l1.head().number)
            .rev()
            .find(|n| self.l1.hash_by_number(*n).unwrap() == Some(root))
            .expect("anchor is an L1 block")
    }

    /// Settles L2 block `hash` on L1 from `from`; returns the transaction outcome.
    pub fn settle_from(&self, from: &PrivateKeySigner, hash: B256) -> Sent {
        let header = self.l2.header(&hash).unwrap().unwrap();
        let call = NativeRollup::advanceCall {
            input: self.input(hash).into(),
            anchorBlock: U256::from(self.anchor_of(&header)),
        };
        self.l1_call(from, self.rollup, call, U256::ZERO)
    }

    /// Settles L2 block `hash` (must succeed).
    pub fn settle(&self, hash: B256) -> Sent {
        let s = self.settle_from(&self.deployer.clone(), hash);
        assert!(s.ok(), "advance must succeed");
        s
    }

    /// Settles every L2 block the rollup does not have yet, in order.
    pub fn settle_all(&self) -> Vec<Sent> {
        let (settled, _) = self.rollup_head();
        (settled + 1..=self.l2.head().number)
            .map(|n| self.settle(self.l2.hash_by_number(n).unwrap().unwrap()))
            .collect()
    }

    /// Produces an L2 block with the pending L2 transactions and settles it (and any
    /// unsettled block before it).
    pub fn l2_block_settled(&self) -> (nr_chain::Produced, Sent) {
        let p = self.l2_block();
        let s = self.settle_all().pop().expect("settled");
        (p, s)
    }
}

// ---------------------------------------------------------------- L1 -> L2 messages

/// `n` ether in wei.
pub fn eth(n: u64) -> U256 {
    U256::from(n) * U256::from(10).pow(U256::from(18))
}

/// An L1->L2 message sent in the current L1 block, ready to relay.
pub struct Deposit {
    /// The message as the L2 messenger takes it.
    pub message: L2Messenger::L1Message,
    /// L1 block it was sent in.
    pub l1_block: u64,
}

impl Env {
    /// L1 balance of `a` at the head.
    pub fn l1_balance(&self, a: Address) -> U256 {
        self.l1.account(&self.l1.head(), a).unwrap().map_or(U256::ZERO, |x| x.balance)
    }
    /// L2 balance of `a` at the head.
    pub fn l2_balance(&self, a: Address) -> U256 {
        self.l2.account(&self.l2.head(), a).unwrap().map_or(U256::ZERO, |x| x.balance)
    }

    /// `NativeRollup.sendMessage` from `from`; mirrors the leaf in the local tree.
    pub fn send_l1_message(
        &self,
        from: &alloy_signer_local::PrivateKeySigner,
        to: Address,
        value: U256,
        fee: U256,
        gas_limit: u64,
        data: Bytes,
    ) -> Deposit {
        let call = NativeRollup::sendMessageCall {
            to,
            fee,
            gasLimit_: U256::from(gas_limit),
            data: data.clone(),
        };
        let s = self.l1_call(from, self.rollup, call, value + fee);
        assert!(s.ok(), "sendMessage");
        let index = self.tree.borrow().len();
        let message = L2Messenger::L1Message {
            sender: from.address(),
            to,
            value,
            fee,
            gasLimit: U256::from(gas_limit),
            index: U256::from(index),
            data,
        };
        self.tree.borrow_mut().push(l1_message_hash(&message));
        let root: B256 = self.l1_view(self.rollup, NativeRollup::messageRootCall {});
        assert_eq!(root, self.tree.borrow().root(), "on-chain tree root matches the mirror");
        Deposit { message, l1_block: s.receipt.header.number }
    }

    /// The proveL1MessageRoot call for the L2 block anchored to `l1_block` at `l2_timestamp`.
    pub fn prove_root_call(
        &self,
        l1_block: u64,
        l2_timestamp: u64,
    ) -> L2Messenger::proveL1MessageRootCall {
        let header = self.l1.header_by_number(l1_block).unwrap().unwrap();
        let proof = self.l1.proof(&header, self.rollup, &[B256::ZERO]).unwrap();
        L2Messenger::proveL1MessageRootCall {
            l2Timestamp: U256::from(l2_timestamp),
            l1Header: alloy_rlp::encode(&header).into(),
            accountProof: proof.account_proof,
            storageProof: proof.storage[0].2.clone(),
        }
    }

    /// The claimL1Message call of `m` against the current tree root.
    pub fn claim_call(&self, m: &L2Messenger::L1Message) -> L2Messenger::claimL1MessageCall {
        let index = m.index.to::<usize>();
        L2Messenger::claimL1MessageCall {
            m: m.clone(),
            root: self.tree.borrow().root(),
            proof: self.tree.borrow().proof(index).unwrap(),
        }
    }

    /// Relays a deposit: an L2 block anchored to the deposit's L1 block proves the root and
    /// claims. Returns the claim's L2 receipt.
    pub fn relay(
        &self,
        relayer: &alloy_signer_local::PrivateKeySigner,
        d: &Deposit,
        gas: u64,
    ) -> nr_chain::ReceiptInfo {
        assert_eq!(self.l1.head().number, d.l1_block, "relay right after the deposit block");
        let ts = self.l1.head().timestamp.max(self.l2.head().timestamp + 1);
        let prove = self.prove_root_call(d.l1_block, ts);
        let p = self.l2_tx(relayer, L2_MESSENGER, prove, U256::ZERO, 2_000_000);
        let c = self.l2_tx(relayer, L2_MESSENGER, self.claim_call(&d.message), U256::ZERO, gas);
        let block = self.l2_block();
        assert_eq!(block.block.header.timestamp, ts);
        let pr = self.l2.receipt(&p).unwrap().unwrap();
        assert!(pr.receipt.status(), "proveL1MessageRoot");
        println!("proveL1MessageRoot: {} L2 gas", pr.gas_used);
        self.l2.receipt(&c).unwrap().unwrap()
    }

    /// Simulates an L2 call on the head (state and environment), expecting error `E`, then
    /// sends it in a new L2 block and checks it fails there.
    pub fn l2_expect_revert<C: SolCall, E: SolError>(
        &self,
        from: &alloy_signer_local::PrivateKeySigner,
        to: Address,
        call: C,
        gas: u64,
    ) {
        let req = CallRequest {
            from: Some(from.address()),
            to: Some(to),
            input: call.abi_encode().into(),
            gas: Some(gas),
            ..Default::default()
        };
        match self.l2.call(&self.l2.head(), &req).unwrap() {
            CallOutcome::Revert { output, .. } => {
                assert_eq!(
                    output.get(..4),
                    Some(&E::SELECTOR[..]),
                    "expected {}, got 0x{}",
                    E::SIGNATURE,
                    alloy_primitives::hex::encode(&output)
                )
            }
            other => panic!("expected {}, got {other:?}", E::SIGNATURE),
        }
        let h = self.l2_tx(from, to, call, U256::ZERO, gas);
        self.l1_mine();
        self.l2_block();
        assert!(
            !self.l2.receipt(&h).unwrap().unwrap().receipt.status(),
            "{} fails on L2",
            E::SIGNATURE
        );
    }
}
