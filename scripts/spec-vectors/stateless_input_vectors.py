"""Make StatelessInput test vectors with execution-specs' own code (tests-zkevm v0.8).

Reads the cases `cargo run -p nr-conformance --example spec_v08_inputs` writes (the
structured fields of our blocks), builds each input with the spec's classes and
conversion (`stateless_input_to_ssz` of `stateless_ssz.py`), and writes one fixture per
case: the spec's wire bytes (schema id ++ SSZ), the spec's hash tree roots and the 43-byte
output the guest must give. Decode-failure cases (empty, legacy, wrong schema id, ...) are
run through the spec's own guest entry `run_stateless_guest`.

The spec's code is not part of this repository. Give the directory that holds
`ethereum/forks/amsterdam/stateless_ssz.py` (execution-specs `projects/zkevm`, the
v0.8.2 form) and `stateless_guest.py` (v0.8.4 form); see
crates/conformance/tests/fixtures/spec-v08/SOURCE.md for provenance and the commands.

Only the SSZ side of the spec is imported. The modules those two files import for the
dataclass side (blocks, execution_engine, fork_types, stateless, ethereum.state, ...) are
replaced by stand-ins that provide the names; the guest's `StatelessInput` /
`StatelessValidationResult` (in v0.8.4 the dataclasses carry the SSZ annotations) are the
spec's `SSZStatelessInput` and a result whose `encode_bytes` is the spec's
`validation_result_to_ssz(...).encode_bytes()`: the same fields, the same bytes.
Full block execution (`verify_stateless_new_payload`) is not available here: the expected
output of a valid or invalid case is built with the spec's result class from the spec's
root, the chain id and the spec's schema id.

    python3 -m venv /tmp/specvenv
    /tmp/specvenv/bin/pip install 'eth-remerkleable>=0.1.29,<0.2' 'ethereum-types>=0.4.1,<0.5'
    /tmp/specvenv/bin/python scripts/spec-vectors/stateless_input_vectors.py \
        --spec /work/spec-zkevm/src --inputs /tmp/spec-v08-inputs.json \
        --out crates/conformance/tests/fixtures/spec-v08
"""
import argparse
import enum
import importlib.util
import json
import sys
import types
from pathlib import Path
from types import SimpleNamespace

from remerkleable.basic import uint64
from remerkleable.complex import Container
from remerkleable.complex import List as SSZList

AMSTERDAM = 0x15  # ProtocolFork.Amsterdam in execution-specs stateless.py


def _module(name, package_path=None, **attrs):
    m = types.ModuleType(name)
    if package_path is not None:
        m.__path__ = [str(package_path)]
    m.__dict__.update(attrs)
    sys.modules[name] = m
    return m


def _load(name, path):
    spec = importlib.util.spec_from_file_location(name, path)
    m = importlib.util.module_from_spec(spec)
    sys.modules[name] = m
    spec.loader.exec_module(m)
    return m


class _Fields:
    """Stand-in for the spec's dataclasses: keyword fields only."""

    def __init__(self, **kw):
        self.__dict__.update(kw)


def load_spec(src):
    """Imports the spec's stateless_ssz.py and stateless_guest.py from `src`."""
    from ethereum_types.bytes import Bytes20, Bytes32, Bytes256

    fork_dir = Path(src) / "ethereum" / "forks" / "amsterdam"
    _module("ethereum", Path(src) / "ethereum")
    _module("ethereum.crypto", None)
    _module("ethereum.crypto.hash", Hash32=Bytes32)
    _module("ethereum.state", Address=Bytes20, Root=Bytes32)
    _module("ethereum.forks", Path(src) / "ethereum" / "forks")
    _module("ethereum.forks.amsterdam", fork_dir)
    stand_in = lambda n: type(n, (_Fields,), {})  # noqa: E731
    _module("ethereum.forks.amsterdam.blocks", Withdrawal=stand_in("Withdrawal"))
    _module("ethereum.forks.amsterdam.execution_engine", fork_dir / "execution_engine")
    _module(
        "ethereum.forks.amsterdam.execution_engine.requests",
        **{n: stand_in(n) for n in (
            "BuilderDepositRequest", "BuilderExitRequest", "ConsolidationRequest",
            "DepositRequest", "ExecutionRequests", "WithdrawalRequest")},
    )
    _module(
        "ethereum.forks.amsterdam.execution_engine.types",
        ExecutionPayload=stand_in("ExecutionPayload"),
        NewPayloadRequest=stand_in("NewPayloadRequest"),
    )
    _module("ethereum.forks.amsterdam.fork_types", Bloom=Bytes256, VersionedHash=Bytes32)
    protocol_fork = enum.IntEnum("ProtocolFork", {"Amsterdam": AMSTERDAM})
    stateless = _module(
        "ethereum.forks.amsterdam.stateless",
        ProtocolFork=protocol_fork,
        ExecutionWitness=stand_in("ExecutionWitness"),
        StatelessInput=stand_in("StatelessInput"),
        StatelessValidationResult=stand_in("StatelessValidationResult"),
    )
    ssz = _load("ethereum.forks.amsterdam.stateless_ssz", fork_dir / "stateless_ssz.py")

    def no_execution(_):
        raise NotImplementedError("block execution is not available to this script")

    # What stateless_guest.py (v0.8.4) imports from stateless.py.
    stateless.STATELESS_INPUT_SCHEMA_ID = ssz.STATELESS_INPUT_SCHEMA_ID
    stateless.STATELESS_INPUT_SCHEMA_ID_SIZE = ssz.STATELESS_INPUT_SCHEMA_ID_SIZE
    stateless.StatelessInput = ssz.SSZStatelessInput
    stateless.StatelessValidationResult = type(
        "StatelessValidationResult",
        (_Fields,),
        {"encode_bytes": lambda self: ssz.validation_result_to_ssz(self).encode_bytes()},
    )
    stateless.verify_stateless_new_payload = no_execution
    guest = _load("ethereum.forks.amsterdam.stateless_guest", fork_dir / "stateless_guest.py")
    return ssz, guest


def _b(h):
    return bytes.fromhex(h[2:] if h.startswith("0x") else h)


def _ns(d, byte_fields, int_fields=()):
    out = {}
    for k, v in d.items():
        if k in byte_fields:
            out[k] = _b(v)
        elif k in int_fields:
            out[k] = int(v, 16) if isinstance(v, str) else int(v)
        else:
            out[k] = v
    return SimpleNamespace(**out)


def input_of(fields):
    """The spec-side StatelessInput (duck-typed) of our generator's JSON fields."""
    npr = fields["new_payload_request"]
    p = dict(npr["execution_payload"])
    p["transactions"] = [_b(t) for t in p["transactions"]]
    p["withdrawals"] = [_ns(w, ("address",)) for w in p["withdrawals"]]
    payload = _ns(p, (
        "parent_hash", "fee_recipient", "state_root", "receipts_root", "logs_bloom",
        "prev_randao", "extra_data", "block_hash", "block_access_list"),
        ("base_fee_per_gas",))
    r = npr["execution_requests"]
    keys = ("pubkey", "withdrawal_credentials", "signature", "source_address",
            "validator_pubkey", "source_pubkey", "target_pubkey")
    requests = SimpleNamespace(**{
        k: [_ns(x, keys) for x in r[k]]
        for k in ("deposits", "withdrawals", "consolidations", "builder_deposits", "builder_exits")
    })
    w = fields["witness"]
    return SimpleNamespace(
        new_payload_request=SimpleNamespace(
            execution_payload=payload,
            versioned_hashes=[_b(h) for h in npr["versioned_hashes"]],
            parent_beacon_block_root=_b(npr["parent_beacon_block_root"]),
            execution_requests=requests,
        ),
        witness=SimpleNamespace(
            state=[_b(x) for x in w["state"]],
            codes=[_b(x) for x in w["codes"]],
            headers=[_b(x) for x in w["headers"]],
        ),
        chain_id=fields["chain_id"],
        public_keys=[_b(k) for k in fields["public_keys"]],
    )


def legacy_bytes(ssz, si):
    """The pre-v0.8 encoding (no schema prefix, ChainConfig instead of chain_id), with
    containers re-typed from execution-specs stateless_ssz.py@19f7bdea; its witness lists
    and public keys were bounded lists, which serialize like the progressive ones."""

    class ForkActivation(Container):
        block_number: SSZList[uint64, 1]
        timestamp: SSZList[uint64, 1]

    class ForkConfig(Container):
        activation: ForkActivation

    class ChainConfig(Container):
        chain_id: uint64
        active_fork: ForkConfig

    class LegacyStatelessInput(Container):
        new_payload_request: ssz.SSZNewPayloadRequest
        witness: ssz.SSZExecutionWitness
        chain_config: ChainConfig
        public_keys: SSZList[ssz.ByteVector[65], 2**15]

    config = ChainConfig(
        chain_id=si.chain_id,
        active_fork=ForkConfig(activation=ForkActivation(timestamp=SSZList[uint64, 1](0))),
    )
    return LegacyStatelessInput(
        new_payload_request=si.new_payload_request,
        witness=si.witness,
        chain_config=config,
        public_keys=SSZList[ssz.ByteVector[65], 2**15](*si.public_keys),
    ).encode_bytes()


def result_bytes(ssz, root, ok, chain_id):
    return ssz.SSZStatelessValidationResult(
        new_payload_request_root=root,
        successful_validation=ok,
        chain_id=chain_id,
        schema_id=ssz.STATELESS_INPUT_SCHEMA_ID,
    ).encode_bytes()


def roots_of(si):
    npr = si.new_payload_request
    return {
        "new_payload_request": npr.hash_tree_root(),
        "execution_payload": npr.execution_payload.hash_tree_root(),
        "versioned_hashes": npr.versioned_hashes.hash_tree_root(),
        "execution_requests": npr.execution_requests.hash_tree_root(),
        "witness": si.witness.hash_tree_root(),
        "public_keys": si.public_keys.hash_tree_root(),
        "stateless_input": si.hash_tree_root(),
    }


def hx(b):
    return "0x" + bytes(b).hex()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--spec", required=True, help="dir holding ethereum/forks/amsterdam/")
    ap.add_argument("--inputs", required=True, help="JSON the spec_v08_inputs example wrote")
    ap.add_argument("--out", required=True, help="fixture directory")
    args = ap.parse_args()
    ssz, guest = load_spec(args.spec)
    prefix = ssz.STATELESS_INPUT_SCHEMA_ID_BYTES
    assert prefix == b"\x15\x01", prefix
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    vectors = []

    for case in json.load(open(args.inputs)):
        si = ssz.stateless_input_to_ssz(input_of(case["fields"]))
        wire = prefix + si.encode_bytes()
        # The spec's own deserializer must accept it and give the same input back.
        back = guest.deserialize_stateless_input(wire)
        assert back.encode_bytes() == si.encode_bytes()
        assert back.hash_tree_root() == si.hash_tree_root()
        roots = roots_of(si)
        ok = case["kind"] == "valid"
        assert case["kind"] in ("valid", "invalid"), case["kind"]
        expected = result_bytes(ssz, roots["new_payload_request"], ok, si.chain_id)
        vectors.append({**case, "wire": hx(wire), "roots": {k: hx(v) for k, v in roots.items()},
                        "expected_result": hx(expected)})

    base = next(v for v in vectors if v["name"] == "osaka")
    si = ssz.stateless_input_to_ssz(input_of(base["fields"]))
    body = si.encode_bytes()
    legacy = legacy_bytes(ssz, si)
    raw = [
        ("empty", b"", "empty input: no schema id"),
        ("one-byte", b"\x15", "one byte: a truncated schema id"),
        ("legacy-no-prefix", legacy,
         "the Osaka input in the pre-v0.8 encoding (ChainConfig, no schema prefix), as we "
         "wrote it before issue 11; its first two bytes read as schema id "
         f"0x{int.from_bytes(legacy[:2], 'big'):04x}"),
        ("legacy-with-prefix", prefix + legacy,
         "schema id 0x1501 followed by the pre-v0.8 body: the SSZ decode fails"),
        ("wrong-schema-id-0x1201", b"\x12\x01" + body,
         "the Osaka input under schema id 0x1201 (reth's per-fork id for Osaka)"),
        ("trailing-byte", prefix + body + b"\x00",
         "the Osaka input with one extra byte (public_keys no longer a multiple of 65)"),
        ("truncated", (prefix + body)[: (len(body) + 2) // 2],
         "the first half of the Osaka input"),
    ]
    for name, data, description in raw:
        try:
            guest.deserialize_stateless_input(data)
        except Exception as e:  # the spec refuses it: that is the point of the case
            error = f"{type(e).__name__}: {e}"
        else:
            raise SystemExit(f"{name}: the spec decoded it")
        output = guest.run_stateless_guest(data)
        assert bytes(output) == bytes(43), output
        vectors.append({"name": name, "description": f"{description} (spec: {error[:200]})",
                        "fork": None, "kind": "decode_failure", "fields": None,
                        "wire": hx(data), "roots": {}, "expected_result": hx(output)})

    for v in vectors:
        (out / f"{v['name']}.json").write_text(json.dumps(v, indent=1) + "\n")
        print(f"{v['name']:24} {v['kind']:15} {len(_b(v['wire'])):6} bytes  "
              f"npr {v['roots'].get('new_payload_request', '-')}")


if __name__ == "__main__":
    main()
