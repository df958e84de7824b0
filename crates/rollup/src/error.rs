//! Errors of the L2 services: one variant per distinct failure, carrying its values.

use alloy_primitives::{Address, B256, U256};
use alloy_provider::{PendingTransactionError, transport::TransportError};
use alloy_rpc_types_eth::BlockNumberOrTag;
use std::{net::SocketAddr, path::PathBuf};

/// Errors of the L2 services.
#[derive(Debug, thiserror::Error)]
pub enum RollupError {
    /// Blobs could not be read from the L1 or a blob transaction not be built.
    #[error(transparent)]
    Blobs(#[from] crate::l1::blobs::BlobError),
    /// A sequencer was started without a fee recipient and without a settler or relayer
    /// key to take one from (its blocks would pay their fees to 0x0).
    #[error("config: a sequencer needs a fee recipient (--fee-recipient, or a settler key)")]
    NoFeeRecipient,
    /// A deployment file could not be read.
    #[error("config: {}: {source}", path.display())]
    ReadDeployment {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// A deployment file is not valid JSON of a [`crate::Deployment`].
    #[error("config: {}: {source}", path.display())]
    ParseDeployment {
        /// The file.
        path: PathBuf,
        /// Why.
        source: serde_json::Error,
    },
    /// A deployment could not be serialized.
    #[error("config: {0}")]
    SerializeDeployment(serde_json::Error),
    /// A deployment file could not be written.
    #[error("config: {}: {source}", path.display())]
    WriteDeployment {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The L2 data directory could not be created.
    #[error("config: {}: {source}", path.display())]
    CreateDatadir {
        /// The directory.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The L2 store's genesis is not the one the rollup contract holds.
    #[error(
        "config: L2 genesis {local:?} is not the rollup's genesis {on_l1} (wrong deployment file or datadir)"
    )]
    GenesisMismatch {
        /// Genesis hash of the local store.
        local: Option<B256>,
        /// Genesis hash held by the rollup contract.
        on_l1: B256,
    },
    /// The L2 JSON-RPC server could not listen.
    #[error("config: RPC on {addr}: {source}")]
    RpcListen {
        /// The listen address.
        addr: SocketAddr,
        /// Why.
        source: std::io::Error,
    },
    /// An RPC URL does not parse.
    #[error("config: {what} {url:?}: {source}")]
    BadUrl {
        /// Which URL (`L1 RPC URL`, `RPC URL`).
        what: &'static str,
        /// The URL as given.
        url: String,
        /// Why.
        source: url::ParseError,
    },
    /// The L1 RPC URL given to the deployer does not parse.
    #[error("config: L1 RPC URL: {0}")]
    BadDeployUrl(url::ParseError),
    /// An L1 transaction needs a signing key and none was configured.
    #[error("config: no L1 signing key")]
    NoSigningKey,
    /// Signing a transaction failed.
    #[error("config: {0}")]
    Sign(#[from] alloy_signer::Error),
    /// A background service stopped (it panicked or returned): the node no longer does
    /// its job and must be stopped.
    #[error("node: the {service} stopped: {reason}; the node is stopping")]
    ServiceDied {
        /// Which service.
        service: crate::Service,
        /// Its panic message, or why it ended.
        reason: String,
    },
    /// A blocking task of the node panicked or was cancelled.
    #[error("config: {0}")]
    TaskJoin(#[from] tokio::task::JoinError),
    /// The L2 genesis state could not be built.
    #[error("config: {0}")]
    L2Genesis(nr_stateless::mpt::TrieError),
    /// A deployed contract is not at the address its genesis was bound to.
    #[error("config: rollup deployed at {got}, expected {expected}: deployer nonce moved")]
    RollupAddressMoved {
        /// Where it was deployed.
        got: Address,
        /// Where the L2 genesis expects it.
        expected: Address,
    },
    /// An `OptimisticRollup`'s inbox is not at the address its rollup was built to name.
    #[error("config: forced inbox deployed at {got}, expected {expected}: deployer nonce moved")]
    InboxAddressMoved {
        /// Where it was deployed.
        got: Address,
        /// Where the rollup's constructor expects it.
        expected: Address,
    },
    /// The L1 bridge is not at the address the L2 genesis was bound to.
    #[error("config: bridge deployed at {got}, expected {expected}")]
    BridgeAddressMoved {
        /// Where it was deployed.
        got: Address,
        /// Where the L2 genesis expects it.
        expected: Address,
    },
    /// An L2 transaction to claim has no receipt.
    #[error("config: L2 transaction {0} is not mined")]
    L2TxNotMined(B256),
    /// An L2 transaction to claim sent no L2->L1 message.
    #[error("config: L2 transaction {0} sent no L2->L1 message")]
    NoL2Message(B256),
    /// The L2 block of a withdrawal was not settled in time.
    #[error("config: L2 block {block} not settled after {waited:?} (settled: {settled})")]
    NotSettled {
        /// The L2 block.
        block: u64,
        /// How long we waited.
        waited: std::time::Duration,
        /// The settled head when we gave up.
        settled: u64,
    },
    /// A JSON-RPC request failed.
    #[error("L1: {method}: {source}")]
    Rpc {
        /// The method (or contract call signature).
        method: &'static str,
        /// Why.
        source: TransportError,
    },
    /// A JSON-RPC request failed (no method context).
    #[error("L1: {0}")]
    Transport(TransportError),
    /// The L1 is not an nr L1 (no `nr_forkSchedule`).
    #[error("L1: nr_forkSchedule (is this an nr L1?): {0}")]
    NotNrL1(TransportError),
    /// Waiting for a receipt failed.
    #[error("L1: waiting for receipt: {0}")]
    ReceiptWait(PendingTransactionError),
    /// Waiting for a bridge transaction's receipt failed.
    #[error("L1: receipt: {0}")]
    BridgeReceipt(PendingTransactionError),
    /// Waiting for a deployment's receipt failed.
    #[error("L1: deploy receipt: {0}")]
    DeployReceipt(PendingTransactionError),
    /// An L1 block does not exist.
    #[error("L1: no L1 block {0}")]
    NoL1Block(BlockNumberOrTag),
    /// The L1 has no latest block.
    #[error("L1: no L1 head")]
    NoL1Head,
    /// An L2 block's anchor hash is not an L1 block.
    #[error("L1: anchor {0} is not an L1 block")]
    UnknownAnchor(B256),
    /// An L1 transaction does not exist.
    #[error("L1: no L1 transaction {0}")]
    NoL1Transaction(B256),
    /// An L1 transaction was not mined in time.
    #[error("L1: transaction {hash} not mined after {secs}s")]
    NotMined {
        /// The transaction.
        hash: B256,
        /// Seconds waited.
        secs: u64,
    },
    /// An ABI return value or event could not be decoded.
    #[error("L1: {what}: {source}")]
    Decode {
        /// The call or event signature.
        what: &'static str,
        /// Why.
        source: alloy_sol_types::Error,
    },
    /// An ABI value from the L1 could not be decoded (no context).
    #[error("L1: {0}")]
    DecodeL1(alloy_sol_types::Error),
    /// `nr_rollupInfo` lacks a field.
    #[error("L1: nr_rollupInfo has no {0}")]
    RollupInfoField(&'static str),
    /// A deployment receipt has no contract address.
    #[error("L1: no contract address")]
    NoContractAddress,
    /// An `eth_getProof` answer has no storage proof.
    #[error("L1: no storage proof")]
    NoStorageProof,
    /// A log has no transaction hash.
    #[error("L1: log without transaction")]
    LogWithoutTransaction,
    /// Gas estimation failed: the transaction would revert (the node's reason) or could
    /// not be sent.
    #[error("L1 rejected: {0}")]
    WouldRevert(TransportError),
    /// One of our contracts refused the transaction (gas estimation or simulation hit its
    /// custom error), named from the contracts' ABI.
    #[error("rejected by the contract: {error}")]
    ContractError {
        /// The decoded error (`AlreadyClaimed`, `GasLimitTooHigh { .. }`).
        error: nr_contracts::ContractError,
        /// The node's answer (raw revert data; kept for debugging, not printed as a cause).
        answer: TransportError,
    },
    /// A transaction was mined and reverted.
    #[error("L1 rejected: transaction {0} reverted")]
    Reverted(B256),
    /// A contract deployment reverted.
    #[error("L1 rejected: deployment {0} reverted")]
    DeploymentReverted(B256),
    /// The `advance` of an L2 block reverted.
    #[error("L1 rejected: advance of L2 block {number} reverted in {hash}")]
    AdvanceReverted {
        /// The L2 block.
        number: u64,
        /// The L1 transaction.
        hash: B256,
    },
    /// The L2 chain failed.
    #[error("L2: {0}")]
    Chain(#[from] nr_chain::ChainError),
    /// An L2 block is missing by number.
    #[error("derivation: no L2 block {0}")]
    NoL2Block(u64),
    /// A transaction given to the forced inbox does not decode or could not be signed.
    #[error("forced transaction: {0}")]
    BadForcedTx(String),
    /// A `forceInclude` receipt without its `ForcedTransaction` event.
    #[error("forceInclude {0}: no ForcedTransaction event in the receipt")]
    NoForcedEvent(B256),
    /// The L2 RPC returned no latest block.
    #[error("the L2 has no latest block")]
    NoL2Head,
    /// The `ForcedTransaction` log of a pending forced-inbox entry was not found (or its
    /// bytes do not hash to the stored transaction hash).
    #[error("forced inbox: no ForcedTransaction log for entry {index}")]
    ForcedTxMissing {
        /// The entry's index.
        index: u64,
    },
    /// An L2 block is missing by hash.
    #[error("derivation: no L2 block {0}")]
    NoL2BlockHash(B256),
    /// A block could not be turned into (or from) a stateless input.
    #[error("derivation: {0}")]
    Stateless(#[from] nr_stateless::stateless::StatelessError),
    /// `advance` calldata does not hold a valid SSZ stateless input.
    #[error("derivation: {0}")]
    Ssz(#[from] nr_stateless::ssz::SszError),
    /// No `advance` call of an L1 transaction carrying a `BlockAdvanced` event rebuilds
    /// the block the event names.
    #[error(
        "derivation: no advance call of L1 tx {tx} ({calls} nested found) settles block {number}"
    )]
    NoAdvanceFound {
        /// The L1 transaction.
        tx: B256,
        /// The L2 block the event names.
        number: u64,
        /// Nested `advance` calls found in its trace.
        calls: usize,
    },
    /// A derived block differs from what the L1 settled.
    #[error("derivation: {0}")]
    DerivedMismatch(Box<DerivedMismatch>),
    /// An L2 view call's answer could not be decoded.
    #[error("derivation: {0}")]
    DecodeL2(alloy_sol_types::Error),
    /// An L2 view call did not succeed.
    #[error("derivation: {what}: {outcome:?}")]
    L2ViewFailed {
        /// The call signature.
        what: &'static str,
        /// What the call did instead.
        outcome: nr_chain::CallOutcome,
    },
    /// The L2 pool refused a relayer transaction.
    #[error("derivation: relayer transaction refused: {0}")]
    RelayerTxRefused(nr_chain::TxError),
    /// L1->L2 messages arrived out of order or with a wrong hash.
    #[error("derivation: message {0} out of order or mismatched")]
    MessageOutOfOrder(U256),
    /// An L1 transaction to deliver sent no L1->L2 message.
    #[error("config: L1 transaction {0} sent no L1->L2 message")]
    NoL1Message(B256),
    /// An L1->L2 message's gas limit is more than any L2 transaction can give its call.
    #[error("bridge: message gas limit {0} cannot be given by any L2 transaction")]
    UndeliverableGasLimit(U256),
    /// The L2 was not anchored at or after an L1 block in time.
    #[error("bridge: no L2 block anchored at or after L1 block {l1_block} after {waited:?}")]
    NotAnchored {
        /// The L1 block (of the message).
        l1_block: u64,
        /// How long we waited.
        waited: std::time::Duration,
    },
    /// The L2 genesis gives accounts more ETH than the rollup locked on L1 to back it.
    #[error(
        "config: the L2 genesis gives {held} wei outside the messenger but the rollup locked \
         only {backing} wei on L1 (every L2 ETH must be backed)"
    )]
    UnbackedGenesis {
        /// Genesis L2 ETH outside the messenger.
        held: U256,
        /// `NativeRollup.genesisBacking`.
        backing: U256,
    },
    /// In sequenced mode, a due forced transaction expires `forcedDelay` L1 blocks after
    /// its deadline; anyone may include it only once `sequencerTimeout` passes without a
    /// settlement, so that must be at most half of `forcedDelay` L1 blocks of time.
    #[error(
        "sequencer timeout {sequencer_timeout} s is over half of forcedDelay {forced_delay} L1 \
         blocks of {l1_block_time} s: a censored forced transaction could expire before \
         anyone else may advance"
    )]
    ForcedExpiryBeforeTimeout {
        /// `DeployParams::sequencer_timeout`, in seconds.
        sequencer_timeout: u64,
        /// `DeployParams::forced_delay`, in L1 blocks.
        forced_delay: u64,
        /// The L1's block time, in seconds.
        l1_block_time: u64,
    },
}

impl RollupError {
    /// A refused transaction (estimation or simulation failed): named when the revert
    /// data is a custom error of our contracts, else [`RollupError::WouldRevert`].
    pub fn would_revert(source: TransportError) -> Self {
        let named = source
            .as_error_resp()
            .and_then(|r| r.as_revert_data())
            .and_then(|data| nr_contracts::decode_error(&data));
        match named {
            Some(error) => Self::ContractError { error, answer: source },
            None => Self::WouldRevert(source),
        }
    }
}

/// A derived L2 block that differs from what the L1 settled.
#[derive(Debug, thiserror::Error)]
#[error("block {number}: derived {hash} / {state_root}, L1 settled {l1_hash} / {l1_state_root}")]
pub struct DerivedMismatch {
    /// The L2 block number.
    pub number: u64,
    /// Hash of the derived block.
    pub hash: B256,
    /// State root of the derived block.
    pub state_root: B256,
    /// Hash the L1 settled.
    pub l1_hash: B256,
    /// State root the L1 settled.
    pub l1_state_root: B256,
}
