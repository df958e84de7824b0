use super::*;
use alloy_primitives::{Address, Bytes, U256};

fn block(txs: usize, tx_len: usize, seed: u8) -> OptimisticRollup::Block {
    OptimisticRollup::Block {
        timestamp: 1_700_000_000 + seed as u64,
        feeRecipient: Address::repeat_byte(0x11),
        prevRandao: B256::repeat_byte(seed),
        extraData: Bytes::from_static(b"nr"),
        anchorBlock: U256::from(42 + seed as u64),
        transactions: (0..txs)
            .map(|i| {
                let mut t = vec![0x02, 0xf8, 0x6f, 0x82, 0x1f, 0x8f];
                t.extend((0..tx_len - 6).map(|k| (k as u8).wrapping_mul(31) ^ (i as u8) ^ seed));
                Bytes::from(t)
            })
            .collect(),
        blockHash: B256::repeat_byte(0xaa),
        stateRoot: B256::repeat_byte(0xbb),
        forcedCount: 0,
    }
}

#[test]
fn lz_round_trip() {
    for input in [
        vec![],
        vec![7u8],
        b"abcabcabcabcabcabcabcabc".to_vec(),
        vec![0u8; 100_000],
        (0..5000u32).map(|i| (i * i % 251) as u8).collect(),
    ] {
        let c = lz::compress(&input);
        assert_eq!(lz::decompress(&c, input.len()).unwrap(), input);
    }
}

#[test]
fn batch_round_trip_across_blobs() {
    // ~3 blobs of payload: records that straddle blob boundaries.
    let blocks: Vec<_> = (0..12).map(|i| block(300, 110, i)).collect();
    let batch = encode_batch(&blocks).unwrap();
    assert!(batch.blobs.len() >= 2, "{} blobs", batch.blobs.len());
    assert_eq!(*batch.ends.last().unwrap() as usize, batch.payload.len());
    let claims: Vec<_> = blocks.iter().map(|b| (b.blockHash, b.stateRoot)).collect();
    assert_eq!(decode_batch(&batch.blobs, &batch.ends, &claims).unwrap(), blocks);
    assert_eq!(unpack(&batch.blobs)[..batch.payload.len()], batch.payload[..]);
    for (i, b) in blocks.iter().enumerate() {
        assert_eq!(
            decode_block(&batch.blobs, &batch.ends, i).unwrap().data_hash(),
            crate::optimistic::posted::data_hash(b)
        );
    }
}

#[test]
fn stored_encoding_when_incompressible() {
    let mut b = block(0, 6, 1);
    b.prevRandao = B256::repeat_byte(0x5a);
    let r = RecordBlock::from_posted(&b).unwrap();
    let enc = r.encode().unwrap();
    assert_eq!(decode_record(&enc).unwrap(), r);
}

#[test]
fn decoder_refuses_truncated_and_garbage() {
    let r = RecordBlock::from_posted(&block(20, 110, 3)).unwrap();
    let enc = r.encode().unwrap();
    assert_eq!(enc[0], record::ENCODING_LZ);
    for cut in [0, 1, 3, 4, 10, enc.len() / 2, enc.len() - 1] {
        let err = decode_record(&enc[..cut]).unwrap_err();
        assert!(
            matches!(err, BlobDaError::Truncated { .. } | BlobDaError::LengthMismatch { .. }),
            "cut at {cut}: {err:?}"
        );
    }
    let mut bad = enc.clone();
    bad[0] = 9;
    assert_eq!(decode_record(&bad), Err(BlobDaError::UnknownEncoding { encoding: 9 }));
    // Declared length one short: the body overflows it.
    let mut short = enc.clone();
    short[3] = short[3].wrapping_sub(1);
    assert!(matches!(
        decode_record(&short),
        Err(BlobDaError::TooLong { .. } | BlobDaError::LengthMismatch { .. })
    ));
    // A match pointing before the output.
    let garbage = [1u8, 0, 0, 8, 0x04, 0x00, 0xff, 0xff];
    assert!(matches!(decode_record(&garbage), Err(BlobDaError::BadOffset { .. })));
    // Stored body whose last transaction runs past its end.
    let mut body = r.body().unwrap();
    body.truncate(body.len() - 1);
    let mut stored = vec![0u8];
    stored.extend_from_slice(&(body.len() as u32).to_be_bytes()[1..]);
    stored.extend_from_slice(&body);
    assert!(matches!(decode_record(&stored), Err(BlobDaError::Truncated { .. })));
    // Random bytes never panic.
    let mut x = 0x9e37_79b9u32;
    for _ in 0..2000 {
        let len = (x % 64) as usize;
        let bytes: Vec<u8> = (0..len)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                x as u8
            })
            .collect();
        let _ = decode_record(&bytes);
    }
}

#[test]
fn batch_errors() {
    assert_eq!(encode_batch(&[]), Err(BlobDaError::NoBlocks));
    let mut b = block(1, 20, 1);
    b.extraData = Bytes::from(vec![0u8; 256]);
    assert_eq!(encode_batch(&[b]), Err(BlobDaError::ExtraDataTooLong { len: 256 }));
    assert!(matches!(record_range(&[10, 10], 1), Err(BlobDaError::BadRange { .. })));
    assert!(matches!(record_range(&[10], 1), Err(BlobDaError::NoSuchBlock { .. })));
    let batch = encode_batch(&[block(2, 50, 1)]).unwrap();
    assert!(matches!(
        decode_block(&[], &batch.ends, 0),
        Err(BlobDaError::MissingBlob { index: 0 })
    ));
}

#[test]
fn opening_matches_ckzg_verification() {
    let batch = encode_batch(&[block(10, 110, 2)]).unwrap();
    let (first, openings) = batch.openings(0).unwrap();
    assert_eq!((first, openings.len()), (0, 1));
    let o = &openings[0];
    let s = alloy_eips::eip4844::env_settings::EnvKzgSettings::Default;
    use alloy_eips::eip4844::c_kzg;
    let ok = s
        .get()
        .verify_kzg_proof(
            &c_kzg::Bytes48::new(o.commitment.0),
            &c_kzg::Bytes32::new(o.z.0),
            &c_kzg::Bytes32::new(o.y.0),
            &c_kzg::Bytes48::new(o.proof.0),
        )
        .unwrap();
    assert!(ok);
    let sc = sidecar(batch.blobs.clone(), false).unwrap();
    assert_eq!(sc.versioned_hashes().next(), Some(o.versioned_hash));
    let sc7594 = sidecar(batch.blobs.clone(), true).unwrap();
    assert_eq!(sc7594.versioned_hashes().next(), Some(o.versioned_hash));
}

/// A record whose timestamp or anchor is not its `BlobBlock`'s (the claimed `dataHash`
/// being the record's own) does not hold the claimed block: the contract's `defend`
/// refuses such a block (`PostedFieldsMismatch`), so followers must not derive it.
#[test]
fn claimed_block_with_another_anchor_or_timestamp_is_refused() {
    let blocks: Vec<_> = (0..2).map(|i| block(3, 120, i)).collect();
    let batch = encode_batch(&blocks).unwrap();
    let claims = batch.blob_blocks(&blocks);
    for (i, claim) in claims.iter().enumerate() {
        let got = decode_claimed_block(&batch.blobs, &batch.ends, i, claim).unwrap();
        assert_eq!(got.into_posted(blocks[i].blockHash, blocks[i].stateRoot), blocks[i]);
    }
    type Change = fn(&mut OptimisticRollup::BlobBlock);
    let cases: [(&str, Change); 3] = [
        ("anchorBlock", |c| c.anchorBlock += U256::from(1)),
        ("timestamp", |c| c.timestamp -= 1),
        ("dataHash", |c| c.dataHash = B256::repeat_byte(7)),
    ];
    for (field, change) in cases {
        let mut claim = claims[1].clone();
        change(&mut claim);
        assert_eq!(
            decode_claimed_block(&batch.blobs, &batch.ends, 1, &claim),
            Err(BlobDaError::ClaimMismatch { index: 1, field }),
        );
    }
}

/// A record over one blob's payload cannot be proven within the per-transaction gas cap
/// and `proposeBlobs` refuses it (`RecordTooLong`): the encoder refuses it first.
#[test]
fn batch_refuses_a_record_over_one_blob() {
    let mut seed = 0x2545_f491u32;
    let mut big = block(1, 6, 1);
    big.transactions[0] = (0..PAYLOAD_BYTES_PER_BLOB)
        .map(|_| {
            seed ^= seed << 13;
            seed ^= seed >> 17;
            seed ^= seed << 5;
            seed as u8
        })
        .collect::<Vec<u8>>()
        .into();
    let err = match encode_batch(&[block(2, 100, 0), big]) {
        Err(e) => e,
        Ok(b) => panic!("encoded: payload of {} bytes, ends {:?}", b.payload.len(), b.ends),
    };
    assert!(
        matches!(err, BlobDaError::RecordTooLong { index: 1, len } if len > PAYLOAD_BYTES_PER_BLOB),
        "{err:?}"
    );
}
