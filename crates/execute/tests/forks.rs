//! L2 blocks under Prague and Osaka rules, and the fork chosen by the block's timestamp.

mod common;

use nr_execute::execute;
use nr_stateless::{BlockError, Fork, ForkSchedule, block::REQUEST_CONTRACTS, ssz::HashTreeRoot};

#[test]
fn osaka_and_prague_chains_verify() {
    for fork in [Fork::Prague, Fork::Osaka] {
        let t = common::build_with(ForkSchedule::from_genesis(fork));
        let input = t.input();
        // EIP-2935 writes the parent hash into the history contract: its nodes are in the witness.
        let result =
            execute(&input.to_wire(), &t.schedule).unwrap_or_else(|e| panic!("{fork:?}: {e}"));
        assert_eq!(result.new_payload_request_root, input.new_payload_request.hash_tree_root());
        assert!(result.successful_validation);
        assert!(t.block.header.requests_hash.is_some());
    }
}

#[test]
fn fork_boundary_inside_the_chain() {
    // Blocks at t = 12, 24, 36: Cancun, then Prague from t = 20, then Osaka from t = 30.
    let schedule = ForkSchedule {
        cancun_time: Some(0),
        prague_time: Some(20),
        osaka_time: Some(30),
        ..Default::default()
    };
    let t = common::build_with(schedule.clone());
    assert_eq!(schedule.fork_at(t.block.header.timestamp), Fork::Osaka);
    execute(&t.input().to_wire(), &schedule).expect("Osaka block verifies");
    // The input names no fork (v0.8 has only chain_id): the verifier's schedule decides.
    // One still on Cancun rebuilds a header without the requests hash, another block hash.
    let stale = ForkSchedule { prague_time: None, osaka_time: None, ..schedule };
    let r = execute(&t.input().to_wire(), &stale);
    assert!(
        matches!(
            r,
            Err(nr_execute::ExecuteError::Invalid(nr_stateless::StatelessError::Payload(
                nr_stateless::PayloadError::BlockHash { .. }
            )))
        ),
        "{r:?}"
    );
}

#[test]
fn prague_block_without_request_contracts_is_invalid() {
    let r = common::try_build(ForkSchedule::from_genesis(Fork::Prague), false);
    match r {
        Err(BlockError::MissingSystemContract(a)) => assert_eq!(a, REQUEST_CONTRACTS[0]),
        Err(e) => panic!("unexpected error {e}"),
        Ok(_) => panic!("a Prague block without EIP-7002 code must be invalid"),
    }
}
