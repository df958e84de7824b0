//! Deploys a rollup on an L1 through JSON-RPC: the L2 genesis is built in code, then
//! `NativeRollup` ([`deploy`]) or `OptimisticRollup` and its `OptimisticInbox`
//! ([`deploy_optimistic`]), bound to that
//! genesis and locking the wei that backs the genesis's funded accounts, `L1TokenBridge`
//! and a test ERC-20.

use crate::{Deployment, RollupError};
use alloy_network::{EthereumWallet, TransactionBuilder};
use alloy_primitives::{Address, Bytes, U256};
use alloy_provider::{Provider, ProviderBuilder};
use alloy_rpc_types_eth::{BlockNumberOrTag, TransactionRequest};
use alloy_signer_local::PrivateKeySigner;
use alloy_sol_types::SolConstructor;
use nr_chain::spec::ChainSpec;
use nr_contracts::{
    L1TokenBridge, L2_TOKEN_BRIDGE, NativeRollup, OptimisticInbox, OptimisticRollup, TestToken,
    genesis_backing, l2_genesis,
};

/// What to deploy.
#[derive(Debug, Clone)]
pub struct DeployParams {
    /// L2 chain id.
    pub l2_chain_id: u64,
    /// L2 block gas limit.
    pub l2_gas_limit: u64,
    /// Sequencer address (`None`: based mode).
    pub sequencer: Option<Address>,
    /// Seconds without settlement after which anyone may advance (sequenced mode).
    pub sequencer_timeout: u64,
    /// Oldest L2 timestamp accepted, in seconds behind the L1 block.
    pub max_timestamp_lag: u64,
    /// L1 blocks after which a forced transaction or an L1->L2 message is due.
    pub forced_delay: u64,
    /// L2 accounts funded at genesis (development convenience). The deployer locks their
    /// sum in the rollup contract, so it must hold that much on L1.
    pub funded: Vec<(Address, U256)>,
}

impl DeployParams {
    /// Checks that a censored forced transaction can be included before it expires, on an
    /// L1 with blocks every `l1_block_time` seconds (docs/contracts.md "Forced
    /// transactions", expiry): in sequenced mode, `sequencer_timeout` (after which anyone
    /// may advance) is at most half of `forced_delay` L1 blocks of time (the window between
    /// an entry's deadline and its expiry). Based mode, or an unknown block time (0), passes.
    pub fn check_forced_expiry(&self, l1_block_time: u64) -> Result<(), RollupError> {
        if self.sequencer.is_none() || l1_block_time == 0 {
            return Ok(());
        }
        let window = u128::from(self.forced_delay) * u128::from(l1_block_time);
        if 2 * u128::from(self.sequencer_timeout) > window {
            return Err(RollupError::ForcedExpiryBeforeTimeout {
                sequencer_timeout: self.sequencer_timeout,
                forced_delay: self.forced_delay,
                l1_block_time,
            });
        }
        Ok(())
    }
}

/// The longest sequencer timeout [`DeployParams::check_forced_expiry`] accepts for
/// `forced_delay` L1 blocks of `l1_block_time` seconds: half of that time, at most `max`
/// (`max` itself when the block time is unknown, 0).
pub fn sequencer_timeout_for(forced_delay: u64, l1_block_time: u64, max: u64) -> u64 {
    if l1_block_time == 0 {
        return max;
    }
    (forced_delay.saturating_mul(l1_block_time) / 2).min(max)
}

/// The dispute parameters of an `OptimisticRollup` (see [`deploy_optimistic`]); the rest
/// comes from [`DeployParams`] (whose `sequencer` becomes the proposer, `None`: anyone with
/// a bond; `sequencer_timeout` is unused).
#[derive(Debug, Clone)]
pub struct OptimisticParams {
    /// Seconds after a proposal during which a block may be challenged.
    pub challenge_window: u64,
    /// Seconds after a challenge during which the block may be defended.
    pub response_window: u64,
    /// Wei bonded with each proposal.
    pub proposer_bond: U256,
    /// Wei bonded with each challenge.
    pub challenger_bond: U256,
}

async fn deploy_code(
    p: &impl Provider,
    from: Address,
    code: Vec<u8>,
    value: U256,
) -> Result<(Address, u64), RollupError> {
    let tx = TransactionRequest::default()
        .with_from(from)
        .with_deploy_code(Bytes::from(code))
        .with_value(value);
    // A margin over the estimate: a large constructor (OptimisticRollup) ran out of gas at
    // exactly the estimated limit on the dev L1.
    let gas = p.estimate_gas(tx.clone()).await.map_err(RollupError::would_revert)?;
    let tx = tx.with_gas_limit(gas + gas / 5);
    let r = p
        .send_transaction(tx)
        .await
        .map_err(|source| RollupError::Rpc { method: "deploy", source })?
        .get_receipt()
        .await
        .map_err(RollupError::DeployReceipt)?;
    if !r.status() {
        return Err(RollupError::DeploymentReverted(r.transaction_hash));
    }
    let a = r.contract_address.ok_or(RollupError::NoContractAddress)?;
    Ok((a, r.block_number.unwrap_or_default()))
}

/// Deploys the rollup (`NativeRollup`, settled by re-execution) with `deployer` on the L1
/// at `l1_rpc`.
pub async fn deploy(
    l1_rpc: &str,
    deployer: PrivateKeySigner,
    params: &DeployParams,
) -> Result<Deployment, RollupError> {
    deploy_with(l1_rpc, deployer, params, None).await
}

/// Deploys an `OptimisticRollup` (settled after a challenge window, disputes decided by
/// EXECUTE) with `deployer` on the L1 at `l1_rpc`, with the bridge and test token as
/// [`deploy`]. `params.sequencer` is the proposer (`None`: anyone with a bond).
pub async fn deploy_optimistic(
    l1_rpc: &str,
    deployer: PrivateKeySigner,
    params: &DeployParams,
    optimistic: &OptimisticParams,
) -> Result<Deployment, RollupError> {
    deploy_with(l1_rpc, deployer, params, Some(optimistic)).await
}

async fn deploy_with(
    l1_rpc: &str,
    deployer: PrivateKeySigner,
    params: &DeployParams,
    optimistic: Option<&OptimisticParams>,
) -> Result<Deployment, RollupError> {
    let url = l1_rpc.parse().map_err(RollupError::BadDeployUrl)?;
    let from = deployer.address();
    let p = ProviderBuilder::new().wallet(EthereumWallet::from(deployer)).connect_http(url);
    let l1_chain_id = p.get_chain_id().await.map_err(RollupError::Transport)?;
    let schedule: nr_stateless::ForkSchedule =
        p.raw_request("nr_forkSchedule".into(), ()).await.map_err(RollupError::NotNrL1)?;
    let nonce = p.get_transaction_count(from).await.map_err(RollupError::Transport)?;
    // An `OptimisticRollup` names its forced inbox, deployed right after it (the inbox's
    // constructor checks that the rollup names it); then the bridge.
    let rollup = from.create(nonce);
    let (inbox, l1_bridge) = match optimistic {
        Some(_) => (from.create(nonce + 1), from.create(nonce + 2)),
        None => (Address::ZERO, from.create(nonce + 1)),
    };
    let head = p
        .get_block_by_number(BlockNumberOrTag::Latest)
        .await
        .map_err(RollupError::Transport)?
        .ok_or(RollupError::NoL1Head)?;
    // The L2 follows the L1's fork schedule and starts at the L1's current time.
    let mut l2 = l2_genesis(
        params.l2_chain_id,
        schedule,
        head.header.timestamp,
        rollup,
        l1_bridge,
        &params.funded,
    );
    l2.genesis.gas_limit = params.l2_gas_limit;
    let mut mem = nr_stateless::memory::MemoryChain::default();
    let root = mem.insert_alloc(l2.alloc().iter()).map_err(RollupError::L2Genesis)?;
    let genesis = l2.genesis_header(root);

    let (genesis_hash, genesis_root) = (genesis.hash_slow(), genesis.state_root);
    let code = match optimistic {
        None => {
            let ctor = NativeRollup::constructorCall {
                chainId_: params.l2_chain_id,
                gasLimit_: params.l2_gas_limit,
                genesisHash: genesis_hash,
                genesisStateRoot: genesis_root,
                sequencer_: params.sequencer.unwrap_or_default(),
                sequencerTimeout_: U256::from(params.sequencer_timeout),
                maxTimestampLag_: U256::from(params.max_timestamp_lag),
                forcedDelay_: U256::from(params.forced_delay),
            };
            [NativeRollup::BYTECODE.to_vec(), ctor.abi_encode()].concat()
        }
        Some(o) => {
            let ctor = OptimisticRollup::constructorCall {
                chainId_: params.l2_chain_id,
                gasLimit_: params.l2_gas_limit,
                genesisHash: genesis_hash,
                genesisStateRoot: genesis_root,
                proposer_: params.sequencer.unwrap_or_default(),
                challengeWindow_: U256::from(o.challenge_window),
                responseWindow_: U256::from(o.response_window),
                proposerBond_: o.proposer_bond,
                challengerBond_: o.challenger_bond,
                maxTimestampLag_: U256::from(params.max_timestamp_lag),
                forcedDelay_: U256::from(params.forced_delay),
                inbox_: inbox,
            };
            [OptimisticRollup::BYTECODE.to_vec(), ctor.abi_encode()].concat()
        }
    };
    let (a, deploy_block) = deploy_code(&p, from, code, genesis_backing(&l2)).await?;
    if a != rollup {
        return Err(RollupError::RollupAddressMoved { got: a, expected: rollup });
    }
    if optimistic.is_some() {
        let ctor = OptimisticInbox::constructorCall { rollup_: rollup };
        let code = [OptimisticInbox::BYTECODE.to_vec(), ctor.abi_encode()].concat();
        let (i, _) = deploy_code(&p, from, code, U256::ZERO).await?;
        if i != inbox {
            return Err(RollupError::InboxAddressMoved { got: i, expected: inbox });
        }
    }
    let mut code = L1TokenBridge::BYTECODE.to_vec();
    code.extend(
        L1TokenBridge::constructorCall { rollup_: rollup, l2Bridge_: L2_TOKEN_BRIDGE }.abi_encode(),
    );
    let (b, _) = deploy_code(&p, from, code, U256::ZERO).await?;
    if b != l1_bridge {
        return Err(RollupError::BridgeAddressMoved { got: b, expected: l1_bridge });
    }
    let (token, _) = deploy_code(&p, from, TestToken::BYTECODE.to_vec(), U256::ZERO).await?;
    Ok(Deployment { l1_chain_id, rollup, l1_bridge, test_token: Some(token), deploy_block, l2 })
}

/// Checks that the rollup locked on L1 at least the L2 ETH its genesis `l2` gives accounts
/// outside the messenger: a node refuses to run an L2 whose genesis ETH is unbacked.
pub async fn check_backing(l1: &crate::l1::L1Client, l2: &ChainSpec) -> Result<(), RollupError> {
    let held = genesis_backing(l2);
    let backing = l1.view(NativeRollup::genesisBackingCall {}).await?;
    if held > backing {
        return Err(RollupError::UnbackedGenesis { held, backing });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(sequenced: bool, sequencer_timeout: u64, forced_delay: u64) -> DeployParams {
        DeployParams {
            l2_chain_id: 8079,
            l2_gas_limit: 10_000_000,
            sequencer: sequenced.then_some(Address::repeat_byte(1)),
            sequencer_timeout,
            max_timestamp_lag: 3_600,
            forced_delay,
            funded: vec![],
        }
    }

    /// The old devnet defaults (60 s timeout, forcedDelay 8 blocks of 2 s) let a censored
    /// forced transaction expire 16 s after its deadline, before anyone else could advance.
    #[test]
    fn forced_expiry_before_sequencer_timeout_is_refused() {
        let e = params(true, 60, 8).check_forced_expiry(2).unwrap_err();
        assert!(matches!(
            e,
            RollupError::ForcedExpiryBeforeTimeout {
                sequencer_timeout: 60,
                forced_delay: 8,
                l1_block_time: 2
            }
        ));
        params(true, 8, 8).check_forced_expiry(2).unwrap();
        params(true, 60, 60).check_forced_expiry(2).unwrap();
        params(false, 60, 8).check_forced_expiry(2).unwrap();
        params(true, 60, 8).check_forced_expiry(0).unwrap();
        for (delay, block_time) in [(8, 2), (4, 1), (12, 1), (0, 2), (1000, 12)] {
            let timeout = sequencer_timeout_for(delay, block_time, 60);
            params(true, timeout, delay).check_forced_expiry(block_time).unwrap();
        }
        assert_eq!(sequencer_timeout_for(8, 2, 60), 8);
        assert_eq!(sequencer_timeout_for(1000, 12, 60), 60);
    }
}
