//! Blob equivalence, differentially: the contract's record decoding (`BlobVerifier`'s
//! `_body`/`_decompress`/`_dataHash`, through the test-only `BlobDecoderHarness`) and the
//! Rust decoder followers and watchtowers use (`nr_rollup::blob_da::decode_record`) must
//! both refuse a record, or both accept it with the same body and the same `dataHash`.
//! If the contract accepted a record Rust refuses (or decodes differently), a proposer
//! could get a block "proven from its blob" that no follower can derive.
//!
//! Records: valid ones from real L2 blocks and synthetic blocks, and adversarial ones
//! (random bytes, truncations, byte flips, hand-made LZ sequences with bad offsets,
//! overlapping matches, length extensions at the end, wrong declared lengths, trailing
//! bytes, unknown encodings, extraData and transaction lengths past the end, no
//! transactions).

mod common;

use alloy_eips::eip2718::Encodable2718;
use alloy_primitives::{Address, B256, Bytes, TxKind, U256};
use alloy_sol_types::SolCall;
use common::*;
use nr_chain::{CallOutcome, CallRequest};
use nr_contracts::OptimisticRollup as Opt;
use nr_rollup::blob_da::{BlobDaError, RecordBlock, decode_record, lz};

mod harness {
    alloy_sol_types::sol!(BlobDecoderHarness, "artifacts/BlobDecoderHarness.json");
}
use harness::BlobDecoderHarness as H;

/// Gas of one decoding call (the per-transaction cap of Osaka).
const CALL_GAS: u64 = 1 << 24;

/// A small deterministic generator (xorshift64*), so failures are reproducible.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next() as u8).collect()
    }
    /// Bytes with repeats (so the LZ compressor finds matches).
    fn compressible(&mut self, n: usize) -> Vec<u8> {
        let k = 1 + self.below(6);
        let alphabet = self.bytes(k);
        let mut out = Vec::with_capacity(n);
        while out.len() < n {
            if !out.is_empty() && self.below(3) == 0 {
                let back = 1 + self.below(out.len().min(300));
                let len = (4 + self.below(40)).min(n - out.len());
                let from = out.len() - back;
                for k in 0..len {
                    out.push(out[from + k]);
                }
            } else {
                out.push(alphabet[self.below(alphabet.len())]);
            }
        }
        out
    }
}

/// What a decoder made of a record.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Verdict {
    /// Accepted, with this `dataHash` (or body, for the body-level comparison).
    Accept(Vec<u8>),
    /// Refused (the reason, for the failure message only).
    Refuse(String),
}

struct Decoders {
    env: Env,
    harness: Address,
    divergences: Vec<String>,
    checked: usize,
    accepted: usize,
}

impl Decoders {
    fn new() -> Self {
        let env = Env::new(false);
        let sent = env.l1_tx(&env.deployer, TxKind::Create, U256::ZERO, H::BYTECODE.clone());
        assert!(sent.ok(), "harness deployed");
        let harness = sent.receipt.contract_address.expect("harness address");
        Self { env, harness, divergences: Vec::new(), checked: 0, accepted: 0 }
    }

    fn call<C: SolCall>(&self, call: &C) -> Result<Vec<u8>, String> {
        let req = CallRequest {
            to: Some(self.harness),
            input: call.abi_encode().into(),
            gas: Some(CALL_GAS),
            ..Default::default()
        };
        match self.env.l1.call(&self.env.l1.head(), &req).expect("call runs") {
            CallOutcome::Success { output, .. } => Ok(output.to_vec()),
            CallOutcome::Revert { output, .. } => {
                Err(format!("revert 0x{}", alloy_primitives::hex::encode(&output)))
            }
            other => Err(format!("{other:?}")),
        }
    }

    /// The contract's `dataHash` of `record`.
    fn contract_hash(&self, record: &[u8]) -> Verdict {
        match self.call(&H::decodeRecordCall { record: Bytes::copy_from_slice(record) }) {
            Ok(out) => Verdict::Accept(out),
            Err(e) => Verdict::Refuse(e),
        }
    }

    /// The contract's decoded body of `record`.
    fn contract_body(&self, record: &[u8]) -> Verdict {
        match self.call(&H::decodeBodyCall { record: Bytes::copy_from_slice(record) }) {
            Ok(out) => match H::decodeBodyCall::abi_decode_returns(&out) {
                Ok(body) => Verdict::Accept(body.to_vec()),
                Err(e) => Verdict::Refuse(format!("undecodable return: {e}")),
            },
            Err(e) => Verdict::Refuse(e),
        }
    }

    /// Compares both decoders on `record` (body and `dataHash`); records a divergence.
    fn check(&mut self, what: &str, record: &[u8]) {
        self.checked += 1;
        let rust_hash = match decode_record(record) {
            Ok(block) => Verdict::Accept(block.data_hash().to_vec()),
            Err(e) => Verdict::Refuse(format!("{e:?}")),
        };
        let rust_body = match rust_body(record) {
            Ok(body) => Verdict::Accept(body),
            Err(e) => Verdict::Refuse(format!("{e:?}")),
        };
        let sol_hash = self.contract_hash(record);
        let sol_body = self.contract_body(record);
        let same = |a: &Verdict, b: &Verdict| match (a, b) {
            (Verdict::Accept(x), Verdict::Accept(y)) => x == y,
            (Verdict::Refuse(_), Verdict::Refuse(_)) => true,
            _ => false,
        };
        if matches!(rust_hash, Verdict::Accept(_)) {
            self.accepted += 1;
        }
        for (level, r, s) in [("body", &rust_body, &sol_body), ("dataHash", &rust_hash, &sol_hash)]
        {
            if !same(r, s) {
                let hex = alloy_primitives::hex::encode(&record[..record.len().min(96)]);
                self.divergences.push(format!(
                    "{what}: {level}: rust {} / contract {} (record of {} bytes: 0x{hex}…)",
                    short(r),
                    short(s),
                    record.len()
                ));
            }
        }
    }

    fn assert_none(&self) {
        assert!(
            self.divergences.is_empty(),
            "{} of {} records decode differently in Rust and in the contract; first ones:\n{}",
            self.divergences.len(),
            self.checked,
            self.divergences.iter().take(12).cloned().collect::<Vec<_>>().join("\n")
        );
    }
}

fn short(v: &Verdict) -> String {
    match v {
        Verdict::Accept(x) => {
            format!("accepts 0x{}", alloy_primitives::hex::encode(&x[..x.len().min(12)]))
        }
        Verdict::Refuse(e) => format!("refuses ({})", &e[..e.len().min(60)]),
    }
}

/// The record's body as the Rust decoder reads it (header, then stored or LZ), before
/// field parsing: the layout of `nr_rollup::blob_da::record`.
fn rust_body(record: &[u8]) -> Result<Vec<u8>, BlobDaError> {
    if record.len() < 4 {
        return Err(BlobDaError::Truncated { at: record.len() });
    }
    let len = u32::from_be_bytes([0, record[1], record[2], record[3]]) as usize;
    let content = &record[4..];
    match record[0] {
        0 if content.len() == len => Ok(content.to_vec()),
        0 => Err(BlobDaError::LengthMismatch { got: content.len(), declared: len }),
        1 => lz::decompress(content, len),
        other => Err(BlobDaError::UnknownEncoding { encoding: other }),
    }
}

fn header(encoding: u8, len: usize) -> Vec<u8> {
    let l = (len as u32).to_be_bytes();
    vec![encoding, l[1], l[2], l[3]]
}

fn stored(body: &[u8]) -> Vec<u8> {
    let mut r = header(0, body.len());
    r.extend_from_slice(body);
    r
}

fn lz_record(declared: usize, content: &[u8]) -> Vec<u8> {
    let mut r = header(1, declared);
    r.extend_from_slice(content);
    r
}

fn synthetic_block(rng: &mut Rng) -> RecordBlock {
    let extra = match rng.below(4) {
        0 => 0,
        1 => 255,
        _ => rng.below(256),
    };
    let txs = (0..rng.below(7))
        .map(|_| {
            let n = rng.below(400);
            Bytes::from(if rng.below(2) == 0 { rng.compressible(n) } else { rng.bytes(n) })
        })
        .collect();
    RecordBlock {
        timestamp: rng.next(),
        anchor_block: rng.next(),
        fee_recipient: Address::from_slice(&rng.bytes(20)),
        prev_randao: B256::from_slice(&rng.bytes(32)),
        extra_data: rng.compressible(extra).into(),
        transactions: txs,
    }
}

/// A body with the fixed fields, extraData length byte `e` (and `extra` bytes of it),
/// then `rest` as the transaction area.
fn body_with(e: u8, extra: usize, rest: &[u8]) -> Vec<u8> {
    let mut b = vec![0x11; 68];
    b.push(e);
    b.extend(std::iter::repeat_n(0x22, extra));
    b.extend_from_slice(rest);
    b
}

/// Real L2 blocks (transfers) as posted, encoded as records.
fn real_records(d: &Decoders) -> Vec<(String, Vec<u8>)> {
    let env = &d.env;
    let mut out = Vec::new();
    for count in [0u8, 1, 4, 9] {
        for i in 0..count {
            env.l2_transfer(&env.alice, Address::repeat_byte(0x50 + i), U256::from(7 + i as u64));
        }
        let p = env.l2_block();
        let b = env.l2.block(&p.hash).unwrap().unwrap();
        let posted = Opt::Block {
            timestamp: b.header.timestamp,
            feeRecipient: b.header.beneficiary,
            prevRandao: b.header.mix_hash,
            extraData: b.header.extra_data.clone(),
            anchorBlock: U256::from(env.anchor_of(&b.header)),
            transactions: b.body.transactions.iter().map(|t| t.encoded_2718().into()).collect(),
            blockHash: p.hash,
            stateRoot: b.header.state_root,
            forcedCount: 0,
        };
        let block = RecordBlock::from_posted(&posted).unwrap();
        out.push((format!("real block of {count} transfers"), block.encode().unwrap()));
        out.push((
            format!("real block of {count} transfers, stored"),
            stored(&block.body().unwrap()),
        ));
    }
    out
}

/// Valid records decode alike in both, with the block's own `dataHash`; their
/// truncations, flips, trailing bytes and header changes are refused (or accepted) alike.
#[test]
fn blob_records_valid_and_mutated_decode_alike_in_rust_and_contract() {
    let mut d = Decoders::new();
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut valid = real_records(&d);
    for i in 0..150 {
        let block = synthetic_block(&mut rng);
        let rec = block.encode().unwrap();
        assert_eq!(decode_record(&rec).unwrap(), block, "Rust round trip of synthetic {i}");
        valid.push((format!("synthetic {i}"), rec));
        valid.push((format!("synthetic {i}, stored"), stored(&block.body().unwrap())));
    }
    for (what, rec) in &valid {
        d.check(what, rec);
        // Mutations.
        let n = rec.len();
        for _ in 0..4 {
            let cut = rng.below(n);
            d.check(&format!("{what} truncated to {cut}"), &rec[..cut]);
        }
        for _ in 0..4 {
            let mut m = rec.clone();
            let at = rng.below(n);
            m[at] ^= 1 << rng.below(8);
            d.check(&format!("{what} bit flip at {at}"), &m);
        }
        let mut m = rec.clone();
        let at = 4 + rng.below(n - 4);
        m[at] = [0x00, 0xff, 0xf0, 0x0f][rng.below(4)];
        d.check(&format!("{what} byte {at} set"), &m);
        for tail in [&[0u8][..], &[0x10], &[0xff, 0xff], &[0x00, 0x01, 0x00]] {
            let mut m = rec.clone();
            m.extend_from_slice(tail);
            d.check(&format!("{what} + trailing {tail:?}"), &m);
        }
        for enc in [0u8, 1, 2, 0x80, 0xff] {
            let mut m = rec.clone();
            m[0] = enc;
            d.check(&format!("{what} encoding {enc}"), &m);
        }
        let declared = u32::from_be_bytes([0, rec[1], rec[2], rec[3]]) as usize;
        for len in [0, declared.saturating_sub(1), declared + 1, declared + 255, 0xff_ffff] {
            let mut m = rec.clone();
            m[1..4].copy_from_slice(&(len as u32).to_be_bytes()[1..]);
            d.check(&format!("{what} declared {len}"), &m);
        }
    }
    // Every prefix of a few records.
    for (what, rec) in valid.iter().take(6) {
        for cut in 0..rec.len() {
            d.check(&format!("{what} prefix {cut}"), &rec[..cut]);
        }
    }
    assert!(d.accepted >= valid.len(), "every valid record accepted ({} accepted)", d.accepted);
    println!("{} records compared, {} accepted by both", d.checked, d.accepted);
    d.assert_none();
}

/// Hand-made LZ sequences and bodies at every edge of the format, and random bytes.
#[test]
fn blob_records_adversarial_decode_alike_in_rust_and_contract() {
    let mut d = Decoders::new();
    let mut rng = Rng(0x1234_5678_9abc_def1);
    let base = body_with(3, 3, &[0, 0, 2, 0xaa, 0xbb]);
    let lit = |b: &[u8]| -> Vec<u8> {
        // One literal-only (final) sequence holding `b`.
        let mut out = Vec::new();
        let n = b.len();
        out.push((n.min(15) as u8) << 4);
        if n >= 15 {
            let mut rest = n - 15;
            while rest >= 255 {
                out.push(255);
                rest -= 255;
            }
            out.push(rest as u8);
        }
        out.extend_from_slice(b);
        out
    };
    // A valid literal-only record, and its variants.
    let plain = lit(&base);
    d.check("literals only", &lz_record(base.len(), &plain));
    d.check("literals only, declared too small", &lz_record(base.len() - 1, &plain));
    d.check("literals only, declared too large", &lz_record(base.len() + 1, &plain));
    d.check("literals only, declared 0", &lz_record(0, &plain));
    d.check("empty LZ content, declared 0", &lz_record(0, &[]));
    d.check("empty LZ content, declared 69", &lz_record(69, &[]));
    // Literals of the first 20 bytes, then a match over the rest.
    let body = {
        let mut b = base[..20].to_vec();
        b.extend(std::iter::repeat_n(0x11, 48));
        b.push(0); // e = 0
        b
    };
    for offset in [0u16, 1, 2, 3, 19, 20, 21, 100, 0xffff] {
        for m in [4usize, 5, 18, 19, 20, 48, 49, 300] {
            let mut c = Vec::new();
            let mm = m - 4;
            c.push((15 << 4) | mm.min(15) as u8);
            c.push(5); // 15 + 5 = 20 literals
            c.extend_from_slice(&body[..20]);
            c.extend_from_slice(&offset.to_le_bytes());
            if mm >= 15 {
                let mut rest = mm - 15;
                while rest >= 255 {
                    c.push(255);
                    rest -= 255;
                }
                c.push(rest as u8);
            }
            let tail = lit(&[0]);
            for declared in [20 + m, 20 + m + 1, 20 + m - 1, body.len()] {
                let mut with_tail = c.clone();
                with_tail.extend_from_slice(&tail);
                d.check(
                    &format!("match offset {offset} len {m} declared {declared}"),
                    &lz_record(declared, &c),
                );
                d.check(
                    &format!("match offset {offset} len {m} + final literal, declared {declared}"),
                    &lz_record(declared, &with_tail),
                );
                d.check(
                    &format!(
                        "match offset {offset} len {m} + final literal, declared {}",
                        declared + 1
                    ),
                    &lz_record(declared + 1, &with_tail),
                );
            }
        }
    }
    // Length extensions cut at the end: literal count 15 + 255… then nothing.
    for tail in [
        &[0xf0u8][..],
        &[0xf0, 255],
        &[0xf0, 255, 255],
        &[0x0f],
        &[0x1f, 0x41, 1, 0],
        &[0x1f, 0x41, 1, 0, 255],
    ] {
        d.check(&format!("extension cut {tail:?}"), &lz_record(300, tail));
        let mut c = plain.clone();
        c[0] &= 0xf0;
        let mut c2 = lit(&base);
        c2.extend_from_slice(tail);
        d.check(&format!("valid body then {tail:?}"), &lz_record(base.len(), &c2));
        d.check(&format!("valid body then {tail:?}, declared +1"), &lz_record(base.len() + 1, &c2));
    }
    // Offset field cut to one byte; a match nibble on the last sequence.
    let mut c = lit(&base);
    c[0] |= 0x03;
    d.check("match nibble on the final sequence", &lz_record(base.len(), &c));
    let mut c = lit(&base);
    c.push(0x00);
    d.check("one byte after the final literals", &lz_record(base.len(), &c));
    c.push(0x01);
    d.check("two bytes after the final literals", &lz_record(base.len(), &c));
    // Overlapping matches producing long runs, every small period.
    for period in 1..=8u16 {
        for m in [4usize, 15, 19, 270, 600] {
            let mut c = vec![(period as u8) << 4 | (m - 4).min(15) as u8];
            c.extend_from_slice(&rng.bytes(period as usize));
            c.extend_from_slice(&period.to_le_bytes());
            if m - 4 >= 15 {
                let mut rest = m - 4 - 15;
                while rest >= 255 {
                    c.push(255);
                    rest -= 255;
                }
                c.push(rest as u8);
            }
            d.check(&format!("run period {period} len {m}"), &lz_record(period as usize + m, &c));
        }
    }
    // Body-level edges (stored and LZ-compressed alike).
    let bodies: Vec<(&str, Vec<u8>)> = vec![
        ("68-byte body", vec![0; 68]),
        ("69-byte body, no extra, no txs", body_with(0, 0, &[])),
        ("extraData length past the end", body_with(10, 9, &[])),
        ("extraData length exactly the rest", body_with(10, 10, &[])),
        ("extraData 255", body_with(255, 255, &[])),
        ("extraData 255, one short", body_with(255, 254, &[])),
        ("tx length prefix of 1 byte", body_with(0, 0, &[0])),
        ("tx length prefix of 2 bytes", body_with(0, 0, &[0, 0])),
        ("empty tx", body_with(0, 0, &[0, 0, 0])),
        ("two empty txs", body_with(0, 0, &[0, 0, 0, 0, 0, 0])),
        ("tx length past the end", body_with(0, 0, &[0, 0, 3, 1, 2])),
        ("tx length huge", body_with(0, 0, &[0xff, 0xff, 0xff, 1, 2])),
        ("tx exact", body_with(0, 0, &[0, 0, 2, 1, 2])),
        ("tx then partial prefix", body_with(0, 0, &[0, 0, 1, 9, 0, 0])),
    ];
    for (what, body) in &bodies {
        d.check(&format!("{what}, stored"), &stored(body));
        d.check(&format!("{what}, LZ"), &lz_record(body.len(), &lz::compress(body)));
        d.check(&format!("{what}, LZ literal"), &lz_record(body.len(), &lit(body)));
    }
    // Random records.
    for i in 0..1500 {
        let enc = [0u8, 1, 1, 1, 2, rng.next() as u8][rng.below(6)];
        let n = rng.below(200);
        let content = if rng.below(2) == 0 { rng.bytes(n) } else { rng.compressible(n) };
        let declared = match rng.below(3) {
            0 => n,
            1 => rng.below(400),
            _ => rng.below(1 << 24),
        };
        let mut r = header(enc, declared);
        r.extend_from_slice(&content);
        d.check(&format!("random {i}"), &r);
        // Random LZ content with a plausible declared length (so it can succeed).
        let mut r = header(1, 69 + rng.below(64));
        let k = rng.below(120);
        r.extend_from_slice(&rng.bytes(k));
        d.check(&format!("random LZ {i}"), &r);
    }
    println!("{} records compared, {} accepted by both", d.checked, d.accepted);
    d.assert_none();
}
