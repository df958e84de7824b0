//! Our StatelessInput codec, roots and guest against vectors made by execution-specs' own
//! code (tests-zkevm v0.8, `tests/fixtures/spec-v08`, see its SOURCE.md).

use alloy_primitives::{B256, Bytes, FixedBytes};
use nr_conformance::spec_vectors::SpecVector;
use nr_stateless::{
    BlockError, Fork, ForkSchedule, PayloadError, StatelessError,
    guest::is_decode_failure,
    run_stateless_guest,
    ssz::{
        HashTreeRoot, RootFlavor, StatelessInput, merkleize, merkleize_progressive, mix_in_length,
        public_keys_root, versioned_hashes_root_progressive,
    },
    stateless_guest, verify_stateless_new_payload,
};
use std::path::{Path, PathBuf};

fn fixture_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/spec-v08")
}

/// Every fixture, by name order.
fn vectors() -> Vec<SpecVector> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(fixture_dir())
        .expect("fixture dir")
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    paths.sort();
    let all: Vec<SpecVector> = paths
        .iter()
        .map(|p| {
            let text = std::fs::read_to_string(p).expect("read fixture");
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
        })
        .collect();
    assert_eq!(all.len(), 12, "fixture count changed: update this test and SOURCE.md");
    all
}

fn schedule_of(v: &SpecVector) -> ForkSchedule {
    let name = v.fork.as_deref().expect("a block case names its fork");
    ForkSchedule::from_genesis(Fork::from_name(name).expect("known fork"))
}

/// The input our types build from the fixture's fields (not from its bytes).
fn input_of(v: &SpecVector) -> StatelessInput {
    v.fields.clone().expect("block case has fields")
}

/// Panics naming the first byte where `ours` and the spec's bytes differ.
fn assert_same_bytes(ours: &[u8], spec: &[u8], what: &str) {
    if ours != spec {
        let at =
            ours.iter().zip(spec).position(|(a, b)| a != b).unwrap_or(ours.len().min(spec.len()));
        panic!(
            "{what}: differs from the spec at byte {at} (ours {} bytes, spec {})",
            ours.len(),
            spec.len()
        );
    }
}

fn chunks(bytes: &[u8]) -> Vec<B256> {
    bytes
        .chunks(32)
        .map(|c| {
            let mut b = B256::ZERO;
            b[..c.len()].copy_from_slice(c);
            b
        })
        .collect()
}

/// `ByteList[limit]` root (limit a multiple of 32).
fn byte_list_root(bytes: &[u8], limit: usize) -> B256 {
    let depth = (limit / 32).trailing_zeros() as usize;
    mix_in_length(merkleize(&chunks(bytes), depth), bytes.len())
}

fn progressive_list_of(roots: Vec<B256>) -> B256 {
    let n = roots.len();
    mix_in_length(merkleize_progressive(&roots), n)
}

/// The witness, public-keys and input roots worked out in this file from SSZ's rules, as a
/// second derivation next to the crate's.
fn by_hand_roots(input: &StatelessInput) -> [(&'static str, B256); 3] {
    let w = &input.witness;
    let list = |items: &[Bytes], limit| items.iter().map(|x| byte_list_root(x, limit)).collect();
    let headers: Vec<B256> = w.headers.iter().map(|h| byte_list_root(h, 1024)).collect();
    let witness = merkleize(
        &[
            progressive_list_of(list(&w.state, 1024)),
            progressive_list_of(list(&w.codes, 1 << 16)),
            mix_in_length(merkleize(&headers, 8), headers.len()),
        ],
        2,
    );
    let keys = progressive_list_of(
        input.public_keys.iter().map(|k: &FixedBytes<65>| merkleize(&chunks(&k[..]), 2)).collect(),
    );
    let mut chain_id = B256::ZERO;
    chain_id[..8].copy_from_slice(&input.chain_id.to_le_bytes());
    let all = merkleize(
        &[input.new_payload_request.root(RootFlavor::Execution), witness, chain_id, keys],
        2,
    );
    [("witness", witness), ("public_keys", keys), ("stateless_input", all)]
}

#[test]
fn our_encoder_writes_the_spec_bytes_and_our_decoder_reads_them() {
    for v in vectors().iter().filter(|v| v.kind != "decode_failure") {
        let ours = input_of(v);
        assert_same_bytes(&ours.to_wire(), &v.wire, &format!("{}: our encoding", v.name));
        let decoded = StatelessInput::from_wire(&v.wire)
            .unwrap_or_else(|e| panic!("{}: the spec's bytes do not decode: {e}", v.name));
        assert_eq!(decoded, ours, "{}: decoded fields differ", v.name);
        assert_same_bytes(&decoded.to_wire(), &v.wire, &format!("{}: re-encoding", v.name));
    }
}

#[test]
fn our_roots_are_the_spec_roots() {
    for v in vectors().iter().filter(|v| v.kind != "decode_failure") {
        let input = input_of(v);
        let npr = &input.new_payload_request;
        let ours = [
            ("new_payload_request", npr.root(RootFlavor::Execution)),
            ("execution_payload", npr.execution_payload.hash_tree_root()),
            ("versioned_hashes", versioned_hashes_root_progressive(&npr.versioned_hashes)),
            ("execution_requests", npr.execution_requests.hash_tree_root()),
        ];
        let crate_roots = [
            ("new_payload_request", npr.hash_tree_root()),
            ("witness", input.witness.hash_tree_root()),
            ("public_keys", public_keys_root(&input.public_keys)),
            ("stateless_input", input.hash_tree_root()),
        ];
        for (name, root) in ours.into_iter().chain(crate_roots).chain(by_hand_roots(&input)) {
            assert_eq!(Some(&root), v.roots.get(name), "{}: root {name}", v.name);
        }
        assert_eq!(v.roots.len(), 7, "{}: a spec root is not compared", v.name);
    }
}

#[test]
fn guest_output_is_the_spec_output() {
    for v in vectors() {
        let schedule = match v.kind.as_str() {
            "decode_failure" => ForkSchedule::from_genesis(Fork::Osaka),
            _ => schedule_of(&v),
        };
        let out = run_stateless_guest(&v.wire, &schedule);
        let run = stateless_guest(&v.wire, &schedule);
        assert_eq!(run.result.to_bytes(), out, "{}", v.name);
        assert_eq!(Bytes::from(out.to_vec()), v.expected_result, "{}: guest output", v.name);
        match v.kind.as_str() {
            "decode_failure" => {
                assert_eq!(out, [0u8; 43], "{}", v.name);
                assert!(run.failure.as_ref().is_some_and(is_decode_failure), "{}", v.name);
            }
            "valid" => {
                let tail = [&[1u8][..], &8079u64.to_le_bytes(), &[0x01, 0x15]].concat();
                assert_eq!(out[32..], tail[..], "{}", v.name);
                assert!(run.failure.is_none(), "{}: {:?}", v.name, run.failure);
            }
            "invalid" => {
                let tail = [&[0u8][..], &8079u64.to_le_bytes(), &[0x01, 0x15]].concat();
                assert_eq!(out[32..], tail[..], "{}", v.name);
                assert!(run.failure.as_ref().is_some_and(|e| !is_decode_failure(e)), "{}", v.name);
            }
            other => panic!("{}: unknown kind {other}", v.name),
        }
    }
}

#[test]
fn valid_blocks_verify_and_invalid_ones_fail_for_their_reason() {
    for v in vectors().iter().filter(|v| v.kind != "decode_failure") {
        let input = StatelessInput::from_wire(&v.wire).expect("decodes");
        let result = verify_stateless_new_payload(&input, &schedule_of(v));
        match v.name.as_str() {
            "cancun" | "prague" | "osaka" => {
                let r = result.unwrap_or_else(|e| panic!("{}: {e}", v.name));
                assert_eq!(Bytes::from(r.to_bytes().to_vec()), v.expected_result, "{}", v.name);
            }
            "osaka-bad-state-root" => assert!(
                matches!(&result, Err(StatelessError::Block(BlockError::Header(m))) if m.field == "state_root"),
                "{result:?}"
            ),
            "osaka-bad-public-key" => assert!(
                matches!(
                    &result,
                    Err(StatelessError::Payload(PayloadError::PublicKey { index: 0 }))
                ),
                "{result:?}"
            ),
            other => panic!("no expectation for case {other}"),
        }
    }
}

#[test]
fn decode_failures_are_refused_with_a_typed_error() {
    use nr_stateless::ssz::SszError;
    for v in vectors().iter().filter(|v| v.kind == "decode_failure") {
        let e = StatelessInput::from_wire(&v.wire).expect_err(&v.name);
        match v.name.as_str() {
            "empty" => assert_eq!(e, SszError::MissingSchemaId { len: 0 }),
            "one-byte" => assert_eq!(e, SszError::MissingSchemaId { len: 1 }),
            "legacy-no-prefix" => {
                assert_eq!(e, SszError::UnsupportedSchemaId { found: 0x1000, expected: 0x1501 })
            }
            "wrong-schema-id-0x1201" => {
                assert_eq!(e, SszError::UnsupportedSchemaId { found: 0x1201, expected: 0x1501 })
            }
            "legacy-with-prefix" | "trailing-byte" | "truncated" => {
                assert!(matches!(e, SszError::Decode { .. }), "{}: {e:?}", v.name)
            }
            other => panic!("no expectation for case {other}"),
        }
    }
}
