//! The L1 gas of settling a block: an in-process dev L1 (the same chain code and EXECUTE
//! hooks as the L1 node, driven directly) with the rollup deployed, and `advance`.

use super::{
    BenchError,
    workload::{L2_GAS_LIMIT, L2_ID},
};
use crate::l1::{DEFAULT_L1_CHAIN_ID, DevGenesis, open_chain};
use alloy_consensus::Header;
use alloy_primitives::{Address, Bytes, TxKind, U256};
use alloy_signer_local::PrivateKeySigner;
use alloy_sol_types::{SolCall, SolConstructor};
use nr_chain::{CallOutcome, CallRequest, Chain, Eip1559Builder, ReceiptInfo};
use nr_contracts::NativeRollup;
use nr_execute::precompile::ExecuteGasParams;
use nr_stateless::ForkSchedule;

/// Gas limit of the benchmark's L1 transactions (a 60 Mgas L2 block in one `advance`).
const L1_TX_GAS: u64 = 900_000_000;

/// An in-process L1 with a based rollup for the L2 `genesis` deployed by `deployer`.
#[derive(Debug)]
pub struct SettlementL1 {
    /// The L1 chain.
    pub chain: Chain,
    /// The `NativeRollup` contract.
    pub rollup: Address,
    deployer: PrivateKeySigner,
    nonce: u64,
    _dir: tempfile::TempDir,
}

impl SettlementL1 {
    /// Creates the L1 (block gas limit raised for the bench) and deploys the rollup.
    pub fn new(
        schedule: &ForkSchedule,
        genesis: &Header,
        deployer: PrivateKeySigner,
    ) -> Result<Self, BenchError> {
        let ctor = NativeRollup::constructorCall {
            chainId_: L2_ID,
            gasLimit_: L2_GAS_LIMIT,
            genesisHash: genesis.hash_slow(),
            genesisStateRoot: genesis.state_root,
            sequencer_: Address::ZERO,
            sequencerTimeout_: U256::ZERO,
            maxTimestampLag_: U256::from(1u64 << 40),
            forcedDelay_: U256::from(8),
        };
        let code = [NativeRollup::BYTECODE.to_vec(), ctor.abi_encode()].concat();
        Self::deploy(schedule, genesis, deployer, code)
    }

    /// Creates the L1 (block gas limit raised for the bench) and deploys `code` (a rollup
    /// contract's creation code with its constructor arguments) as the deployer's first
    /// transaction.
    pub fn deploy(
        schedule: &ForkSchedule,
        genesis: &Header,
        deployer: PrivateKeySigner,
        code: Vec<u8>,
    ) -> Result<Self, BenchError> {
        let dir = tempfile::tempdir()?;
        let spec = DevGenesis {
            chain_id: DEFAULT_L1_CHAIN_ID,
            schedule: schedule.clone(),
            timestamp: genesis.timestamp,
            funded: vec![deployer.address()],
            balance: U256::from(10).pow(U256::from(24)),
            gas_limit: Some(1_000_000_000),
        }
        .spec();
        let params = ExecuteGasParams { limit: 1_000_000_000, target: 500_000_000 };
        let chain = open_chain(&dir.path().join("l1.redb"), spec, params)?;
        let rollup = deployer.address().create(0);
        let mut l1 = Self { chain, rollup, deployer, nonce: 0, _dir: dir };
        l1.send(TxKind::Create, code.into(), U256::ZERO)?;
        Ok(l1)
    }

    /// Deploys `code` from the deployer (its next nonce) in a block of its own.
    pub fn create(&mut self, code: Vec<u8>) -> Result<(), BenchError> {
        self.send(TxKind::Create, code.into(), U256::ZERO).map(|_| ())
    }

    /// Sends one transaction from the deployer with `value` wei and mines it in its own
    /// block.
    fn send(&mut self, to: TxKind, input: Bytes, value: U256) -> Result<ReceiptInfo, BenchError> {
        let tx = Eip1559Builder::new(DEFAULT_L1_CHAIN_ID, self.nonce, to)
            .input(input)
            .value(value)
            .gas_limit(L1_TX_GAS)
            .fees(100_000_000_000, 1)
            .sign(&self.deployer)?;
        let hash = self.chain.add_transaction(tx).map_err(BenchError::L1Tx)?;
        self.nonce += 1;
        let p = self.chain.produce_block(self.chain.head().timestamp + 12)?;
        if p.block.body.transactions.is_empty() {
            return Err(BenchError::L1TxNotIncluded(p.skipped));
        }
        self.chain.receipt(&hash)?.ok_or(BenchError::NoReceipt(hash))
    }

    /// Calls the rollup with `input` and `value` wei in its own L1 block; returns the L1 gas
    /// it used (`AdvanceReverted` if it reverted).
    pub fn call(&mut self, input: Vec<u8>, value: U256) -> Result<u64, BenchError> {
        let r = self.send(TxKind::Call(self.rollup), input.into(), value)?;
        if !r.receipt.status() {
            return Err(BenchError::AdvanceReverted);
        }
        Ok(r.gas_used)
    }

    /// Settles a block with `advance(input)` anchored at the L1 head; returns its L1 gas.
    pub fn advance_gas(&mut self, input: &[u8]) -> Result<u64, BenchError> {
        let anchor = self.chain.head().number;
        self.advance_gas_at(input, anchor)
    }

    /// Settles a block with `advance(input)` anchored at L1 block `anchor`; returns its L1
    /// gas.
    pub fn advance_gas_at(&mut self, input: &[u8], anchor: u64) -> Result<u64, BenchError> {
        let call = NativeRollup::advanceCall {
            input: input.to_vec().into(),
            anchorBlock: U256::from(anchor),
        };
        let req = CallRequest {
            from: Some(self.deployer.address()),
            to: Some(self.rollup),
            input: call.abi_encode().into(),
            gas: Some(L1_TX_GAS),
            ..Default::default()
        };
        if let CallOutcome::Revert { output, .. } =
            self.chain.call_pending(self.chain.head().timestamp + 12, &req)?
        {
            return Err(BenchError::AdvanceWouldRevert(output));
        }
        self.call(call.abi_encode(), U256::ZERO)
    }

    /// Mines an empty L1 block (an anchor for the next L2 block); returns its header.
    pub fn mine_empty(&mut self) -> Result<Header, BenchError> {
        let p = self.chain.produce_block(self.chain.head().timestamp + 12)?;
        Ok(p.block.header)
    }

    /// Settles consecutive blocks with `advanceBatch(inputs, anchors)`; returns its L1 gas.
    pub fn advance_batch_gas(
        &mut self,
        inputs: &[Vec<u8>],
        anchors: &[u64],
    ) -> Result<u64, BenchError> {
        let call = NativeRollup::advanceBatchCall {
            inputs: inputs.iter().map(|i| Bytes::from(i.clone())).collect(),
            anchorBlocks: anchors.iter().map(|a| U256::from(*a)).collect(),
        };
        self.call(call.abi_encode(), U256::ZERO)
    }
}
