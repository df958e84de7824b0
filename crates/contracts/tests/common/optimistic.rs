//! The OptimisticRollup setup and calls the optimistic contract tests share
//! (`optimistic.rs`, `optimistic_blobs.rs`, `optimistic_attacks.rs`).

use super::{Env, FORCED_DELAY, L2_GAS_LIMIT, L2_ID, MAX_LAG, Sent, batches::Proposed, eth};
use alloy_primitives::{Address, U256};
use alloy_signer_local::PrivateKeySigner;
use alloy_sol_types::SolCall;
use nr_contracts::{OptimisticInbox as Inbox, OptimisticRollup as Opt};

/// Seconds a block may be challenged after its proposal.
pub const WINDOW: u64 = 120;
/// Seconds a challenged block may be defended.
pub const RESPONSE: u64 = 48;
/// Most L1 blocks any wait in these tests mines (a deadline, not a timing assertion).
pub const MAX_WAIT_BLOCKS: u64 = 64;

/// Wei bonded with each proposal.
pub fn proposer_bond() -> U256 {
    eth(1)
}

/// Wei bonded with each challenge.
pub fn challenger_bond() -> U256 {
    eth(1) / U256::from(4)
}

/// The setup of `common`, with an OptimisticRollup (anyone may propose) as the rollup.
pub fn optimistic_env() -> Env {
    optimistic_env_with(Address::ZERO)
}

/// [`optimistic_env`] with `proposer` as the only proposer (zero: anyone).
pub fn optimistic_env_with(proposer: Address) -> Env {
    optimistic_env_full(proposer, FORCED_DELAY)
}

/// [`optimistic_env`] where forced transactions and L1->L2 messages are due
/// `forced_delay` L1 blocks after they are sent (rule 5 tests).
pub fn optimistic_env_forced(forced_delay: u64) -> Env {
    optimistic_env_full(Address::ZERO, forced_delay)
}

/// The OptimisticRollup setup: `proposer` (zero: anyone), `forced_delay`; the rollup is
/// the deployer's first contract, the L1 bridge its second, the inbox its third.
pub fn optimistic_env_full(proposer: Address, forced_delay: u64) -> Env {
    let env = Env::with_rollup(|env, genesis| {
        let ctor = Opt::constructorCall {
            chainId_: L2_ID,
            gasLimit_: L2_GAS_LIMIT,
            genesisHash: genesis.hash_slow(),
            genesisStateRoot: genesis.state_root,
            proposer_: proposer,
            challengeWindow_: U256::from(WINDOW),
            responseWindow_: U256::from(RESPONSE),
            proposerBond_: proposer_bond(),
            challengerBond_: challenger_bond(),
            maxTimestampLag_: U256::from(MAX_LAG),
            forcedDelay_: U256::from(forced_delay),
            inbox_: env.deployer.address().create(2),
        };
        let mut code = Opt::BYTECODE.to_vec();
        code.extend(alloy_sol_types::SolConstructor::abi_encode(&ctor));
        code
    });
    let mut code = Inbox::BYTECODE.to_vec();
    code.extend(alloy_sol_types::SolConstructor::abi_encode(&Inbox::constructorCall {
        rollup_: env.rollup,
    }));
    let d = env.deployer.clone();
    let s = env.l1_tx(&d, alloy_primitives::TxKind::Create, U256::ZERO, code.into());
    assert_eq!(s.receipt.contract_address, Some(env.inbox()), "the inbox the rollup names");
    env
}

impl Env {
    /// The optimistic rollup's forced-transaction inbox (`rollup.inbox()`).
    pub fn inbox(&self) -> Address {
        self.l1_view(self.rollup, Opt::inboxCall {})
    }

    /// The inbox's pending forced head.
    pub fn forced_head(&self) -> u64 {
        self.l1_view(self.inbox(), Inbox::forcedHeadCall {})
    }

    /// The claimed hash of the pending tip (the finalized head when nothing is pending).
    pub fn pending_tip_hash(&self) -> alloy_primitives::B256 {
        self.l1_view(self.rollup, Opt::pendingTipCall {}).blockHash
    }

    /// `propose(blocks)` built on the pending tip and forced head as they are now.
    pub fn propose_call(&self, blocks: Vec<Opt::Block>) -> Opt::proposeCall {
        Opt::proposeCall { blocks, parent: self.pending_tip_hash(), forcedFrom: self.forced_head() }
    }

    /// `proposeBlobs(blocks)` built on the pending tip and forced head as they are now.
    pub fn propose_blobs_call(&self, blocks: Vec<Opt::BlobBlock>) -> Opt::proposeBlobsCall {
        Opt::proposeBlobsCall {
            blocks,
            parent: self.pending_tip_hash(),
            forcedFrom: self.forced_head(),
        }
    }
}

/// Proposes `blocks` as one batch; returns it with its claims (checked against the root
/// the contract logged).
pub fn propose(env: &Env, from: &PrivateKeySigner, blocks: Vec<Opt::Block>) -> Proposed {
    let claims = env.claims_of(&blocks);
    let call = env.propose_call(blocks);
    if let nr_chain::CallOutcome::Revert { output, .. } =
        env.l1_simulate(from.address(), env.rollup, &call, proposer_bond())
    {
        panic!("propose reverts: {:?}", nr_contracts::decode_error(&output));
    }
    let s = env.l1_call(from, env.rollup, call, proposer_bond());
    assert!(s.ok(), "propose must succeed");
    env.proposed(s, claims, None)
}

/// Challenges block `n` of batch `batch` with the challenger bond; it must succeed.
pub fn challenge(env: &Env, from: &PrivateKeySigner, n: u64, batch: u64) -> Sent {
    let s = env.l1_call(from, env.rollup, Opt::challengeCall { n, batch }, challenger_bond());
    assert!(s.ok(), "challenge of block {n} must succeed");
    s
}

/// The error `E` `call` reverts with, simulated on the next L1 block (no block mined: for
/// checks inside a response window).
pub fn refused<C: SolCall, E: alloy_sol_types::SolError>(env: &Env, call: C) -> E {
    match env.l1_simulate(env.alice.address(), env.rollup, &call, U256::ZERO) {
        nr_chain::CallOutcome::Revert { output, .. } => {
            E::abi_decode(&output).unwrap_or_else(|_| {
                panic!("expected {}, got {:?}", E::SIGNATURE, nr_contracts::decode_error(&output))
            })
        }
        other => panic!("expected revert {}, got {other:?}", E::SIGNATURE),
    }
}

/// Batch `id` as the rollup stores it.
pub fn batch_info(env: &Env, id: u64) -> Opt::Batch {
    env.l1_view(env.rollup, Opt::batchInfoCall { id })
}

/// The rollup's latest pending block number.
pub fn pending_number(env: &Env) -> u64 {
    env.l1_view(env.rollup, Opt::pendingNumberCall {})
}

/// Mines empty L1 blocks until the next L1 block's timestamp is past `t`.
pub fn wait_past(env: &Env, t: u64) {
    for _ in 0..MAX_WAIT_BLOCKS {
        if env.l1_next_time() > t {
            return;
        }
        env.l1_mine();
    }
    panic!("L1 did not pass time {t} within {MAX_WAIT_BLOCKS} blocks");
}

/// `count` L2 blocks (a transfer in each, from alice to bob), then one L1 block: their
/// posted forms (anchored at the same L1 block) and the produced blocks.
pub fn blocks(env: &Env, count: usize) -> Vec<(Opt::Block, nr_chain::Produced)> {
    let out: Vec<_> = (0..count)
        .map(|i| {
            env.l2_transfer(&env.alice, env.bob.address(), U256::from(1 + i as u64));
            env.l2_block()
        })
        .collect();
    env.l1_mine();
    out.into_iter().map(|p| (env.posted(p.hash), p)).collect()
}
