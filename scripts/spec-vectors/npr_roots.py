"""Roots of NewPayloadRequest in both flavours, computed by eth-remerkleable (the SSZ
library execution-specs uses), for the unit test of `nr_stateless::ssz` flavours.

The execution-layer flavour (execution-specs `projects/zkevm` tests-zkevm v0.8, EIP-8025,
ethrex, paradigmxyz/stateless): NewPayloadRequest is a plain Container and
versioned_hashes a ProgressiveList[Bytes32]. The consensus-layer flavour
(consensus-specs #5619, L2BEAT's contracts): a ProgressiveContainer with
List[Bytes32, 4096]. Containers re-typed from EIP-8025's SSZ section (see
docs/research/wire-format-v08-execution-specs.md).

    python3 -m venv /tmp/esvenv && /tmp/esvenv/bin/pip install 'eth-remerkleable>=0.1.29,<0.2'
    /tmp/esvenv/bin/python scripts/spec-vectors/npr_roots.py
"""
from remerkleable.basic import uint64, uint256
from remerkleable.byte_arrays import ByteList, Bytes32, ByteVector
from remerkleable.complex import Container, List as SSZList
from remerkleable.progressive import ProgressiveByteList, ProgressiveContainer, ProgressiveList


class Withdrawal(Container):
    index: uint64
    validator_index: uint64
    address: ByteVector[20]
    amount: uint64


class ExecutionPayload(ProgressiveContainer(active_fields=[1] * 19)):
    parent_hash: Bytes32
    fee_recipient: ByteVector[20]
    state_root: Bytes32
    receipts_root: Bytes32
    logs_bloom: ByteVector[256]
    prev_randao: Bytes32
    block_number: uint64
    gas_limit: uint64
    gas_used: uint64
    timestamp: uint64
    extra_data: ByteList[32]
    base_fee_per_gas: uint256
    block_hash: Bytes32
    transactions: ProgressiveList[ProgressiveByteList]
    withdrawals: ProgressiveList[Withdrawal]
    blob_gas_used: uint64
    excess_blob_gas: uint64
    block_access_list: ProgressiveByteList
    slot_number: uint64


class DepositRequest(Container):
    pubkey: ByteVector[48]
    withdrawal_credentials: Bytes32
    amount: uint64
    signature: ByteVector[96]
    index: uint64


class WithdrawalRequest(Container):
    source_address: ByteVector[20]
    validator_pubkey: ByteVector[48]
    amount: uint64


class ConsolidationRequest(Container):
    source_address: ByteVector[20]
    source_pubkey: ByteVector[48]
    target_pubkey: ByteVector[48]


class BuilderDepositRequest(Container):
    pubkey: ByteVector[48]
    withdrawal_credentials: Bytes32
    amount: uint64
    signature: ByteVector[96]


class BuilderExitRequest(Container):
    source_address: ByteVector[20]
    pubkey: ByteVector[48]


class Requests(ProgressiveContainer(active_fields=[1] * 5)):
    deposits: ProgressiveList[DepositRequest]
    withdrawals: ProgressiveList[WithdrawalRequest]
    consolidations: ProgressiveList[ConsolidationRequest]
    builder_deposits: ProgressiveList[BuilderDepositRequest]
    builder_exits: ProgressiveList[BuilderExitRequest]


class NprExecution(Container):
    execution_payload: ExecutionPayload
    versioned_hashes: ProgressiveList[Bytes32]
    parent_beacon_block_root: Bytes32
    execution_requests: Requests


class NprConsensus(ProgressiveContainer(active_fields=[1] * 4)):
    execution_payload: ExecutionPayload
    versioned_hashes: SSZList[Bytes32, 4096]
    parent_beacon_block_root: Bytes32
    execution_requests: Requests


def case(name, hashes, pbbr):
    payload = ExecutionPayload(block_number=7, gas_limit=30_000_000, timestamp=1234,
                               base_fee_per_gas=7, slot_number=42)
    requests = Requests()
    ex = NprExecution(execution_payload=payload,
                      versioned_hashes=ProgressiveList[Bytes32](*[Bytes32(h) for h in hashes]),
                      parent_beacon_block_root=Bytes32(pbbr), execution_requests=requests)
    co = NprConsensus(execution_payload=payload,
                      versioned_hashes=SSZList[Bytes32, 4096](*[Bytes32(h) for h in hashes]),
                      parent_beacon_block_root=Bytes32(pbbr), execution_requests=requests)
    print(f"{name}: payload {payload.hash_tree_root().hex()} requests {requests.hash_tree_root().hex()}")
    print(f"  vh execution {ex.versioned_hashes.hash_tree_root().hex()} consensus {co.versioned_hashes.hash_tree_root().hex()}")
    print(f"  npr execution {ex.hash_tree_root().hex()} consensus {co.hash_tree_root().hex()}")


case("no blobs", [], b"\x11" * 32)
case("three blobs", [b"\x01" + bytes([i]) * 31 for i in (1, 2, 3)], b"\x22" * 32)
