//! Trie nodes and their RLP encoding: full encoding, child references (inline below 32
//! bytes, by hash otherwise), hex-prefix paths, and strict decoding of untrusted nodes.

use super::TrieError;
use alloy_primitives::{B256, keccak256};
use alloy_rlp::{EMPTY_STRING_CODE, Header};
use alloy_trie::EMPTY_ROOT_HASH;

/// One trie node. Paths are nibble sequences (one nibble per byte).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Node {
    /// The empty trie.
    Empty,
    /// A leaf holding the rest of the key path and the value.
    Leaf {
        /// Remaining key nibbles.
        path: Vec<u8>,
        /// Stored value (RLP of the account or the storage value).
        value: Vec<u8>,
    },
    /// A shared path segment in front of a branch.
    Extension {
        /// Shared nibbles.
        path: Vec<u8>,
        /// The node below (always a branch once resolved).
        child: Box<Node>,
    },
    /// A 16-way branch. State tries have fixed-length keys, so branches carry no value.
    Branch {
        /// One child per nibble.
        children: Box<[Node; 16]>,
    },
    /// A node known only by its hash, not loaded yet.
    Hash(B256),
}

/// The result of encoding a node for use as a child reference.
enum NodeRef {
    Inline(Vec<u8>),
    Hash(B256),
}

impl Node {
    pub(super) fn empty_children() -> Box<[Node; 16]> {
        Box::new(std::array::from_fn(|_| Node::Empty))
    }

    /// Full RLP encoding of this node. Unresolved children are referenced by hash.
    pub fn encode(&self) -> Vec<u8> {
        match self {
            Node::Empty => vec![EMPTY_STRING_CODE],
            Node::Hash(h) => {
                // Only reached when encoding a child reference of an unresolved node.
                let mut out = Vec::with_capacity(33);
                alloy_rlp::Encodable::encode(h, &mut out);
                out
            }
            Node::Leaf { path, value } => frame(|out| {
                encode_hex_prefix(path, true, out);
                alloy_rlp::Encodable::encode(&value[..], out);
            }),
            Node::Extension { path, child } => frame(|out| {
                encode_hex_prefix(path, false, out);
                child.encode_ref(out);
            }),
            Node::Branch { children } => frame(|out| {
                for c in children.iter() {
                    c.encode_ref(out);
                }
                out.push(EMPTY_STRING_CODE);
            }),
        }
    }

    /// [`Node::encode`] with the work shared by two threads: the references of the top
    /// branch's children 8..16 (the top branch is this node, or the child of this
    /// extension) are encoded, hashing their subtrees, on a second thread while this one
    /// does children 0..8. Keys are keccak hashes, so both halves hold about as many
    /// changed nodes. The result is the same bytes; this thread does both halves if the
    /// other has not started by then ([`super::join_on_two_threads`]).
    fn encode_on_two_threads(&self) -> Vec<u8> {
        match self {
            Node::Extension { path, child } if matches!(**child, Node::Branch { .. }) => {
                let child = child.encode_on_two_threads();
                frame(|out| {
                    encode_hex_prefix(path, false, out);
                    push_ref(child, out);
                })
            }
            Node::Branch { children } => {
                let (low, high) = children.split_at(8);
                let refs = |half: &[Node]| {
                    let mut out = Vec::with_capacity(8 * 33);
                    for c in half {
                        c.encode_ref(&mut out);
                    }
                    out
                };
                let (low, high) = super::join_on_two_threads(|| refs(low), || refs(high));
                frame(|out| {
                    out.extend_from_slice(&low);
                    out.extend_from_slice(&high);
                    out.push(EMPTY_STRING_CODE);
                })
            }
            _ => self.encode(),
        }
    }

    /// [`Node::hash`], computed by two threads ([`Node::encode_on_two_threads`]): for
    /// tries with many changed nodes, on a machine with a core to spare.
    pub(super) fn hash_on_two_threads(&self) -> B256 {
        match self {
            Node::Extension { .. } | Node::Branch { .. } => keccak256(self.encode_on_two_threads()),
            _ => self.hash(),
        }
    }

    fn node_ref(&self) -> NodeRef {
        match self {
            Node::Hash(h) => NodeRef::Hash(*h),
            _ => {
                let enc = self.encode();
                if enc.len() < 32 { NodeRef::Inline(enc) } else { NodeRef::Hash(keccak256(&enc)) }
            }
        }
    }

    fn encode_ref(&self, out: &mut Vec<u8>) {
        match self {
            Node::Empty => out.push(EMPTY_STRING_CODE),
            _ => match self.node_ref() {
                NodeRef::Inline(enc) => out.extend_from_slice(&enc),
                NodeRef::Hash(h) => alloy_rlp::Encodable::encode(&h, out),
            },
        }
    }

    /// Keccak hash of this node as a trie root.
    pub fn hash(&self) -> B256 {
        match self {
            Node::Empty => EMPTY_ROOT_HASH,
            Node::Hash(h) => *h,
            _ => keccak256(self.encode()),
        }
    }

    /// Decodes a node from its RLP encoding. `hash` names the node in errors.
    pub fn decode(bytes: &[u8], hash: B256) -> Result<Node, TrieError> {
        let bad = |reason| TrieError::MalformedNode { hash, reason };
        let mut buf = bytes;
        let header = Header::decode(&mut buf).map_err(|_| bad("invalid RLP header"))?;
        if !header.list {
            return Err(bad("node is not an RLP list"));
        }
        if buf.len() != header.payload_length {
            return Err(bad("trailing or missing bytes"));
        }
        let mut items: Vec<&[u8]> = Vec::with_capacity(17);
        while !buf.is_empty() {
            let start = buf;
            let h = Header::decode(&mut buf).map_err(|_| bad("invalid RLP item"))?;
            if buf.len() < h.payload_length {
                return Err(bad("RLP item overruns node"));
            }
            buf = &buf[h.payload_length..];
            items.push(&start[..start.len() - buf.len()]);
        }
        match items.len() {
            2 => {
                let path_enc = rlp_string(items[0]).ok_or_else(|| bad("path is not a string"))?;
                let (path, leaf) = decode_hex_prefix(path_enc).ok_or_else(|| bad("bad path"))?;
                if leaf {
                    let value = rlp_string(items[1]).ok_or_else(|| bad("leaf value"))?;
                    Ok(Node::Leaf { path, value: value.to_vec() })
                } else {
                    if path.is_empty() {
                        return Err(bad("empty extension path"));
                    }
                    let child = decode_child(items[1], hash)?;
                    if matches!(child, Node::Empty) {
                        return Err(bad("extension to empty node"));
                    }
                    Ok(Node::Extension { path, child: Box::new(child) })
                }
            }
            17 => {
                if items[16] != [EMPTY_STRING_CODE] {
                    return Err(bad("branch value in a state trie"));
                }
                let mut children = Node::empty_children();
                for (i, item) in items[..16].iter().enumerate() {
                    children[i] = decode_child(item, hash)?;
                }
                Ok(Node::Branch { children })
            }
            _ => Err(bad("node has neither 2 nor 17 items")),
        }
    }
}

/// Appends the reference to a child whose full encoding is `enc`: inline below 32 bytes,
/// by hash otherwise.
fn push_ref(enc: Vec<u8>, out: &mut Vec<u8>) {
    if enc.len() < 32 {
        out.extend_from_slice(&enc);
    } else {
        alloy_rlp::Encodable::encode(&keccak256(&enc), out);
    }
}

/// An RLP list whose payload `payload` writes. The payload goes after room for the longest
/// list header it can need (payloads of trie nodes are far below 64 KiB), then the header
/// is written in front of it.
fn frame(payload: impl FnOnce(&mut Vec<u8>)) -> Vec<u8> {
    const ROOM: usize = 3;
    let mut out = Vec::with_capacity(ROOM + 544);
    out.resize(ROOM, 0);
    payload(&mut out);
    let header = Header { list: true, payload_length: out.len() - ROOM };
    let header_len = header.length();
    if header_len <= ROOM {
        let start = ROOM - header_len;
        let mut head = &mut out[start..ROOM];
        header.encode(&mut head);
        out.drain(..start);
    } else {
        let mut framed = Vec::with_capacity(header_len + out.len() - ROOM);
        header.encode(&mut framed);
        framed.extend_from_slice(&out[ROOM..]);
        out = framed;
    }
    out
}

fn rlp_string(item: &[u8]) -> Option<&[u8]> {
    let mut buf = item;
    let h = Header::decode(&mut buf).ok()?;
    (!h.list).then_some(buf)
}

fn decode_child(item: &[u8], parent: B256) -> Result<Node, TrieError> {
    if item == [EMPTY_STRING_CODE] {
        return Ok(Node::Empty);
    }
    let mut buf = item;
    let h = Header::decode(&mut buf)
        .map_err(|_| TrieError::MalformedNode { hash: parent, reason: "child reference" })?;
    if h.list {
        if item.len() >= 32 {
            return Err(TrieError::MalformedNode {
                hash: parent,
                reason: "inline node >= 32 bytes",
            });
        }
        Node::decode(item, parent)
    } else if buf.len() == 32 {
        Ok(Node::Hash(B256::from_slice(buf)))
    } else {
        Err(TrieError::MalformedNode { hash: parent, reason: "child reference is not a hash" })
    }
}

/// Appends the RLP string of the compact (hex-prefix) encoding of a nibble path.
fn encode_hex_prefix(path: &[u8], leaf: bool, out: &mut Vec<u8>) {
    let flag = if leaf { 2 } else { 0 };
    // Paths of 32-byte keys need at most 33 bytes; longer ones (only from malformed
    // input) take the allocating route.
    let mut stack = [0u8; 33];
    let len = path.len() / 2 + 1;
    let mut heap = Vec::new();
    let buf: &mut [u8] = if len <= stack.len() {
        &mut stack[..len]
    } else {
        heap.resize(len, 0);
        &mut heap
    };
    let rest = if path.len() % 2 == 1 {
        buf[0] = ((flag + 1) << 4) | path[0];
        &path[1..]
    } else {
        buf[0] = flag << 4;
        path
    };
    for (b, pair) in buf[1..].iter_mut().zip(rest.chunks(2)) {
        *b = (pair[0] << 4) | pair[1];
    }
    alloy_rlp::Encodable::encode(&buf[..], out);
}

fn decode_hex_prefix(enc: &[u8]) -> Option<(Vec<u8>, bool)> {
    let first = *enc.first()?;
    let flag = first >> 4;
    if flag > 3 {
        return None;
    }
    let leaf = flag >= 2;
    let odd = flag & 1 == 1;
    let mut path = Vec::with_capacity(enc.len() * 2);
    if odd {
        path.push(first & 0x0f);
    } else if first & 0x0f != 0 {
        return None;
    }
    for b in &enc[1..] {
        path.push(b >> 4);
        path.push(b & 0x0f);
    }
    Some((path, leaf))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decode_rejects_garbage() {
        for bytes in [&[][..], &[0xc0][..], &[0x80][..], &[0xc2, 0x80][..], &[0xf9, 0xff][..]] {
            assert!(Node::decode(bytes, B256::ZERO).is_err(), "{bytes:?}");
        }
    }
}
