//! A tests-zkevm v0.8 input made by another client's pipeline (EEST filled, carried by
//! paradigmxyz/stateless as its guest smoke fixture): our decoder must read it, our
//! encoder must write the same bytes back, and our execution-layer root, chain id and
//! schema id must be the ones the spec's guest output carries. See
//! `tests/fixtures/tests-zkevm/SOURCE.md`.

use alloy_primitives::hex;
use nr_stateless::{
    Fork, ForkSchedule,
    ssz::{RootFlavor, STATELESS_INPUT_SCHEMA_ID, StatelessInput, StatelessValidationResult},
    stateless_guest,
};
use std::path::Path;

/// The fixture's input bytes and expected output bytes.
fn fixture() -> (Vec<u8>, Vec<u8>) {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/tests-zkevm/guest-smoke.json");
    let text = std::fs::read_to_string(&path).expect("read guest-smoke.json");
    let v: serde_json::Value = serde_json::from_str(&text).expect("fixture is JSON");
    let field = |k: &str| hex::decode(v[k].as_str().expect(k)).expect("hex");
    (field("statelessInputBytes"), field("statelessOutputBytes"))
}

#[test]
fn an_eest_amsterdam_input_decodes_round_trips_and_has_the_spec_root() {
    let (input, output) = fixture();
    let expected = StatelessValidationResult::from_bytes(&output).expect("43-byte output");
    assert!(expected.successful_validation, "the fixture is a valid block");

    let decoded = StatelessInput::from_wire(&input).expect("our decoder reads it");
    assert_eq!(decoded.to_wire(), input, "our encoder writes the same bytes back");
    assert_eq!(decoded.chain_id, expected.chain_id);
    assert_eq!(expected.schema_id, STATELESS_INPUT_SCHEMA_ID);
    assert_eq!(
        decoded.new_payload_request.root(RootFlavor::Execution),
        expected.new_payload_request_root,
        "execution-layer new_payload_request_root equals the spec guest's"
    );
    assert_ne!(
        decoded.new_payload_request.root(RootFlavor::Consensus),
        expected.new_payload_request_root,
        "the consensus-layer flavour is a different root"
    );
    // Witness shape: parent header last, nodes and codes present.
    assert_eq!(decoded.witness.headers.len(), 1);
    assert_eq!(decoded.witness.state.len(), 9);
    assert_eq!(decoded.witness.codes.len(), 5);
    assert!(decoded.public_keys.is_empty(), "a block without transactions has no keys");
}

#[test]
fn our_guest_keeps_root_chain_and_schema_but_refuses_amsterdam_content() {
    // We execute up to Osaka: the block carries an Amsterdam block access list, which an
    // Osaka verifier must refuse. The result keeps the decoded root, chain id and schema id
    // (a validation failure, not a decode failure), so only the success byte differs.
    let (input, output) = fixture();
    let run = stateless_guest(&input, &ForkSchedule::from_genesis(Fork::Osaka));
    let failure = run.failure.expect("Osaka rules refuse an Amsterdam payload");
    eprintln!("our verifier: {failure}");
    let mut expected = output.clone();
    expected[32] = 0;
    assert_eq!(run.result.to_bytes().to_vec(), expected, "failure reason: {failure}");
}
