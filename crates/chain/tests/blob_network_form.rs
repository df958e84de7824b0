//! A blob transaction inside a block is in its canonical form `0x03 || rlp(tx_payload_body)`.
//! The network form (`0x03 || rlp([tx_payload_body, blobs, commitments, proofs])`, what
//! `eth_sendRawTransaction` and devp2p carry) is not a block transaction: a block RLP or an
//! SSZ payload carrying one is invalid (ethereum/tests `TYPE_3_TX_WITH_FULL_BLOBS`,
//! `RLP_STRUCTURES_ENCODING`).

use alloy_consensus::{
    Block, BlockBody, EMPTY_OMMER_ROOT_HASH, Header, SignableTransaction, Signed, TxEip4844,
    TxEip4844Variant, TxEip4844WithSidecar, TxEnvelope,
};
use alloy_eips::{
    eip1559::BaseFeeParams,
    eip4844::{BYTES_PER_BLOB, Blob, BlobTransactionSidecar, Bytes48},
    eip7594::BlobTransactionSidecarVariant,
};
use alloy_primitives::{Address, B256, U256, b256};
use alloy_signer::SignerSync;
use alloy_signer_local::PrivateKeySigner;
use nr_stateless::{
    BlockError, Fork, ForkSchedule, PayloadError, StatelessError,
    block::decode_block,
    memory::{GenesisAccount, MemoryChain},
    verify_stateless_new_payload,
};
use std::collections::BTreeMap;

const CHAIN_ID: u64 = 4844;

fn signer() -> PrivateKeySigner {
    "0x4c0883a69102937d6231471b5dbb6204fe512961708279f3f5f5e7b1f6d8d8d1".parse().unwrap()
}

/// A signed one-blob transaction carrying its sidecar (the network form).
fn network_form_blob_tx() -> TxEnvelope {
    let mut versioned_hash = B256::repeat_byte(0x44);
    versioned_hash[0] = 0x01;
    let tx = TxEip4844 {
        chain_id: CHAIN_ID,
        nonce: 0,
        gas_limit: 50_000,
        max_fee_per_gas: 20_000_000_000,
        max_priority_fee_per_gas: 1_000_000_000,
        to: Address::repeat_byte(0x42),
        max_fee_per_blob_gas: 1_000,
        blob_versioned_hashes: vec![versioned_hash],
        ..Default::default()
    };
    let sig = signer().sign_hash_sync(&tx.signature_hash()).unwrap();
    let sidecar = BlobTransactionSidecarVariant::Eip4844(BlobTransactionSidecar {
        blobs: vec![Blob::default()],
        commitments: vec![Bytes48::default()],
        proofs: vec![Bytes48::default()],
    });
    let with_sidecar = TxEip4844WithSidecar::from_tx_and_sidecar(tx, sidecar);
    TxEnvelope::Eip4844(Signed::new_unhashed(
        TxEip4844Variant::TxEip4844WithSidecar(with_sidecar),
        sig,
    ))
}

fn cancun() -> ForkSchedule {
    ForkSchedule::from_genesis(Fork::Cancun)
}

fn genesis_chain() -> (MemoryChain, Header) {
    let mut alloc = BTreeMap::new();
    alloc.insert(
        signer().address(),
        GenesisAccount { balance: U256::from(10u128.pow(21)), ..Default::default() },
    );
    for (address, code) in nr_chain::spec::system_contracts() {
        alloc.insert(address, GenesisAccount { nonce: 1, code, ..Default::default() });
    }
    let mut chain = MemoryChain::default();
    let state_root = chain.insert_alloc(&alloc).unwrap();
    let genesis = Header {
        ommers_hash: EMPTY_OMMER_ROOT_HASH,
        state_root,
        gas_limit: 30_000_000,
        base_fee_per_gas: Some(1_000_000_000),
        withdrawals_root: Some(alloy_consensus::EMPTY_ROOT_HASH),
        blob_gas_used: Some(0),
        excess_blob_gas: Some(0),
        parent_beacon_block_root: Some(B256::ZERO),
        ..Default::default()
    };
    chain.insert_header(genesis.clone());
    (chain, genesis)
}

fn draft(parent: &Header, tx: TxEnvelope) -> Block<TxEnvelope> {
    Block {
        header: Header {
            parent_hash: parent.hash_slow(),
            ommers_hash: EMPTY_OMMER_ROOT_HASH,
            beneficiary: Address::repeat_byte(0xc0),
            number: 1,
            gas_limit: parent.gas_limit,
            timestamp: parent.timestamp + 12,
            mix_hash: b256!("0x1111111111111111111111111111111111111111111111111111111111111111"),
            base_fee_per_gas: parent.next_block_base_fee(BaseFeeParams::ethereum()),
            excess_blob_gas: Some(0),
            parent_beacon_block_root: Some(B256::repeat_byte(0xab)),
            ..Default::default()
        },
        body: BlockBody {
            transactions: vec![tx],
            ommers: vec![],
            withdrawals: Some(Default::default()),
        },
    }
}

/// The block's RLP written out by hand: `[header, [tx, ...], [], []]`, each typed transaction
/// an RLP string of its EIP-2718 bytes (here `0x03 || rlp([body, blobs, commitments, proofs])`).
fn block_rlp(block: &Block<TxEnvelope>) -> Vec<u8> {
    use alloy_eips::Encodable2718;
    use alloy_rlp::Encodable;
    let mut txs = Vec::new();
    for tx in &block.body.transactions {
        let raw = tx.encoded_2718();
        assert_eq!(raw[0], 3, "typed");
        alloy_primitives::Bytes::from(raw).encode(&mut txs);
    }
    let mut payload = alloy_rlp::encode(&block.header);
    alloy_rlp::Header { list: true, payload_length: txs.len() }.encode(&mut payload);
    payload.extend_from_slice(&txs);
    payload.extend_from_slice(&[0xc0, 0xc0]); // no ommers, no withdrawals
    let mut out = Vec::new();
    alloy_rlp::Header { list: true, payload_length: payload.len() }.encode(&mut out);
    out.extend_from_slice(&payload);
    out
}

#[test]
fn block_with_network_form_blob_tx_is_rejected() {
    let tx = network_form_blob_tx();
    let (mut chain, genesis) = genesis_chain();
    let block = draft(&genesis, tx);
    // Import (the validating path Chain::import_block runs): a block sealed around it.
    let (sealed, _) = nr_stateless::block::seal_block(
        block.clone(),
        genesis.state_root,
        &cancun(),
        CHAIN_ID,
        &chain.view(&genesis),
        &Default::default(),
    )
    .expect("the body executes (the sidecar is not execution's business)");
    // Block RLP decoding (the conformance runner's, any RLP import).
    let rlp = block_rlp(&sealed);
    assert!(rlp.len() > BYTES_PER_BLOB, "the block RLP carries the blob");
    let decoded = decode_block(&rlp);
    let imported = chain.import(&sealed, &cancun(), CHAIN_ID);
    // The SSZ payload of that block, with the recorded witness.
    let input = MemoryChain::stateless_input(
        &sealed,
        imported.witness.clone(),
        &imported.requests,
        CHAIN_ID,
    )
    .unwrap();
    let stateless = verify_stateless_new_payload(&input, &cancun());

    let decode_ok = matches!(
        &decoded,
        Err(alloy_rlp::Error::Custom(m)) if m.contains("sidecar")
    );
    let import_ok = matches!(&imported.result, Err(BlockError::BlobSidecar { index: 0 }));
    let stateless_ok =
        matches!(&stateless, Err(StatelessError::Payload(PayloadError::BlobSidecar { index: 0 })));
    assert!(
        decode_ok && import_ok && stateless_ok,
        "a network-form blob transaction must be refused; decode_block: {:?}; import: {:?}; \
         stateless: {:?}",
        decoded.map(|b| b.body.transactions.len()),
        imported.result,
        stateless
    );
}
