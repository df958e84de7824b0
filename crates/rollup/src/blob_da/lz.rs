//! The record compression: a byte-oriented LZ77 in sequences (the LZ4 block layout),
//! chosen because the contract decodes it in a few dozen EVM instructions per sequence.
//!
//! A compressed body is a series of sequences, each:
//!
//! | bytes | field |
//! |---|---|
//! | 1 | token: high nibble = literal count `L`, low nibble = match length − 4 (`M`) |
//! | k | if `L == 15`: bytes added to it, each 255 continuing, the first below 255 ending |
//! | L | the literals, copied to the output |
//! | 2 | (absent after the last sequence) match offset, little-endian, 1..=65,535 back |
//! | k | if `M == 15`: bytes added to it, as for `L` |
//!
//! then `M + 4` bytes are copied from `offset` bytes back in the output (they may
//! overlap the bytes being written). The input ends right after the literals of the last
//! sequence. The decoder knows the decoded length in advance (the record header).

use super::BlobDaError;

/// Shortest match encoded.
const MIN_MATCH: usize = 4;
/// Farthest match offset (2-byte field).
const MAX_OFFSET: usize = u16::MAX as usize;
/// Bits of the match finder's hash table.
const HASH_BITS: u32 = 15;
/// Candidates tried per position (hash chain depth).
const CHAIN_DEPTH: usize = 32;

fn hash4(b: &[u8]) -> usize {
    let v = u32::from_le_bytes([b[0], b[1], b[2], b[3]]);
    (v.wrapping_mul(2_654_435_761) >> (32 - HASH_BITS)) as usize
}

fn push_len(out: &mut Vec<u8>, mut rest: usize) {
    while rest >= 255 {
        out.push(255);
        rest -= 255;
    }
    out.push(rest as u8);
}

fn push_sequence(out: &mut Vec<u8>, literals: &[u8], matched: Option<(usize, usize)>) {
    let lit = literals.len();
    let m = matched.map_or(0, |(_, len)| len - MIN_MATCH);
    out.push(((lit.min(15) as u8) << 4) | m.min(15) as u8);
    if lit >= 15 {
        push_len(out, lit - 15);
    }
    out.extend_from_slice(literals);
    if let Some((offset, _)) = matched {
        out.extend_from_slice(&(offset as u16).to_le_bytes());
        if m >= 15 {
            push_len(out, m - 15);
        }
    }
}

/// Compresses `input` (greedy longest match over a hash chain; deterministic).
pub fn compress(input: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(input.len() / 2 + 16);
    let mut head = vec![u32::MAX; 1 << HASH_BITS];
    let mut prev = vec![u32::MAX; input.len()];
    let insert = |pos: usize, head: &mut [u32], prev: &mut [u32]| {
        if pos + MIN_MATCH <= input.len() {
            let h = hash4(&input[pos..]);
            prev[pos] = head[h];
            head[h] = pos as u32;
        }
    };
    let (mut pos, mut anchor) = (0, 0);
    while pos + MIN_MATCH <= input.len() {
        let mut best = (0, 0);
        let mut cand = head[hash4(&input[pos..])];
        for _ in 0..CHAIN_DEPTH {
            if cand == u32::MAX || pos - cand as usize > MAX_OFFSET {
                break;
            }
            let c = cand as usize;
            let len = input[c..].iter().zip(&input[pos..]).take_while(|(a, b)| a == b).count();
            if len > best.1 {
                best = (pos - c, len);
            }
            cand = prev[c];
        }
        if best.1 >= MIN_MATCH {
            push_sequence(&mut out, &input[anchor..pos], Some(best));
            for p in pos..pos + best.1 {
                insert(p, &mut head, &mut prev);
            }
            pos += best.1;
            anchor = pos;
        } else {
            insert(pos, &mut head, &mut prev);
            pos += 1;
        }
    }
    push_sequence(&mut out, &input[anchor..], None);
    out
}

fn read_len(input: &[u8], at: &mut usize, mut len: usize) -> Result<usize, BlobDaError> {
    loop {
        let b = *input.get(*at).ok_or(BlobDaError::Truncated { at: *at })?;
        *at += 1;
        len += b as usize;
        if b != 255 {
            return Ok(len);
        }
    }
}

/// Decompresses `input` into exactly `len` bytes; refuses a truncated input, a match
/// before the start of the output, and an output longer or shorter than `len`.
pub fn decompress(input: &[u8], len: usize) -> Result<Vec<u8>, BlobDaError> {
    let mut out = Vec::with_capacity(len);
    let mut at = 0;
    while at < input.len() {
        let token = input[at];
        at += 1;
        let mut lit = (token >> 4) as usize;
        if lit == 15 {
            lit = read_len(input, &mut at, lit)?;
        }
        let end = at.checked_add(lit).filter(|e| *e <= input.len());
        let end = end.ok_or(BlobDaError::Truncated { at: input.len() })?;
        if out.len() + lit > len {
            return Err(BlobDaError::TooLong { declared: len });
        }
        out.extend_from_slice(&input[at..end]);
        at = end;
        if at == input.len() {
            break;
        }
        let off = input.get(at..at + 2).ok_or(BlobDaError::Truncated { at: input.len() })?;
        let offset = u16::from_le_bytes([off[0], off[1]]) as usize;
        at += 2;
        let mut m = (token & 15) as usize;
        if m == 15 {
            m = read_len(input, &mut at, m)?;
        }
        let m = m + MIN_MATCH;
        if offset == 0 || offset > out.len() {
            return Err(BlobDaError::BadOffset { offset, at: out.len() });
        }
        if out.len() + m > len {
            return Err(BlobDaError::TooLong { declared: len });
        }
        let from = out.len() - offset;
        for k in 0..m {
            out.push(out[from + k]);
        }
    }
    if out.len() != len {
        return Err(BlobDaError::LengthMismatch { got: out.len(), declared: len });
    }
    Ok(out)
}
