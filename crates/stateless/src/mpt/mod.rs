//! A Merkle-Patricia trie whose nodes are loaded lazily, by hash, from a [`NodeSource`].
//!
//! The same code serves the full state (every node in a store) and the stateless case (only
//! the nodes of a witness): an unresolved child is a [`Node::Hash`] until an operation needs
//! it, and a node the source does not have is an error, never a default value. Recording
//! which hashes were resolved gives exactly the witness another run of the same operations
//! needs, including the siblings loaded when a deletion collapses a branch.

use alloy_primitives::{B256, Bytes, keccak256};
use alloy_trie::EMPTY_ROOT_HASH;
use std::collections::HashMap;

mod node;

pub use node::Node;

/// Errors raised by trie operations.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TrieError {
    /// A node needed by the operation is not available from the node source.
    #[error("missing trie node {0}")]
    MissingNode(B256),
    /// A node's path does not fit the fixed key length (a malformed or hostile trie).
    #[error("trie path of inconsistent length at depth {0}")]
    InconsistentPath(usize),
    /// A node could not be decoded.
    #[error("malformed trie node {hash}: {reason}")]
    MalformedNode {
        /// Hash of the node (or of its enclosing node for inline nodes).
        hash: B256,
        /// What is wrong with it.
        reason: &'static str,
    },
}

/// Where a trie finds the nodes it references by hash.
pub trait NodeSource {
    /// Returns the RLP encoding of the node whose keccak hash is `hash`, if known.
    fn node(&self, hash: &B256) -> Option<Bytes>;
}

impl NodeSource for HashMap<B256, Bytes> {
    fn node(&self, hash: &B256) -> Option<Bytes> {
        self.get(hash).cloned()
    }
}

impl<S: NodeSource + ?Sized> NodeSource for &S {
    fn node(&self, hash: &B256) -> Option<Bytes> {
        (**self).node(hash)
    }
}

/// The nibbles of a byte string.
pub fn nibbles(key: &[u8]) -> Vec<u8> {
    key.iter().flat_map(|b| [b >> 4, b & 0x0f]).collect()
}

fn common_prefix(a: &[u8], b: &[u8]) -> usize {
    a.iter().zip(b).take_while(|(x, y)| x == y).count()
}

/// A Merkle proof of `key` (already hashed) in the trie with root `root`, as
/// `eth_getProof` returns it: the RLP of every node on the key's path that is referenced
/// by hash, root first. Also returns the value, if present.
pub fn proof(
    root: B256,
    key: &[u8],
    src: &impl NodeSource,
) -> Result<(Option<Vec<u8>>, Vec<Bytes>), TrieError> {
    struct Path<'a, S: ?Sized> {
        src: &'a S,
        seen: std::cell::RefCell<Vec<Bytes>>,
    }
    impl<S: NodeSource + ?Sized> NodeSource for Path<'_, S> {
        fn node(&self, hash: &B256) -> Option<Bytes> {
            let n = self.src.node(hash)?;
            self.seen.borrow_mut().push(n.clone());
            Some(n)
        }
    }
    let recorder = Path { src, seen: Default::default() };
    let value = Trie::from_root(root).get(key, &recorder)?;
    Ok((value, recorder.seen.into_inner()))
}

/// A trie rooted at one node, resolving hash references through a [`NodeSource`].
#[derive(Debug, Clone)]
pub struct Trie {
    root: Node,
    /// The root hash while the trie is unchanged since it was opened (reads resolve nodes
    /// but change nothing), so hashing a trie that was only read is free.
    hash: Option<B256>,
    /// Inserts and removals since the trie was opened: how many paths need hashing again.
    updates: usize,
}

/// Fewest updates since opening for which [`Trie::root_hash`] shares the hashing with a
/// second thread. Each update changes a path of 2-6 nodes (branches of 4 keccak blocks
/// each), so 64 updates are a few hundred microseconds of hashing, against a few
/// microseconds to hand work to a helper thread (tens when one was started per call).
pub const TWO_THREAD_MIN_UPDATES: usize = 64;

pub(crate) use crate::workers::{has_second_core, join_on_two_threads};

impl Trie {
    /// A trie whose root is known only by hash; nodes load on demand.
    pub fn from_root(root: B256) -> Self {
        let hash = Some(root);
        let root = if root == EMPTY_ROOT_HASH { Node::Empty } else { Node::Hash(root) };
        Self { root, hash, updates: 0 }
    }

    /// A trie with this root node.
    #[cfg(test)]
    fn with_root(root: Node) -> Self {
        Self { root, hash: None, updates: 0 }
    }

    /// The current root hash. After at least [`TWO_THREAD_MIN_UPDATES`] updates, on a
    /// machine with more than one core, the top branch's children are hashed in two halves
    /// on two threads (the same root, in less time when the other core is free).
    pub fn root_hash(&self) -> B256 {
        match self.hash {
            Some(h) => h,
            None if self.updates >= TWO_THREAD_MIN_UPDATES && has_second_core() => {
                self.root.hash_on_two_threads()
            }
            None => self.root.hash(),
        }
    }

    /// Looks up `key` (already hashed for secure tries).
    pub fn get(&mut self, key: &[u8], src: &impl NodeSource) -> Result<Option<Vec<u8>>, TrieError> {
        let path = nibbles(key);
        get_at(&mut self.root, &path, src)
    }

    /// Inserts or replaces `key` with `value` (non-empty).
    pub fn insert(
        &mut self,
        key: &[u8],
        value: Vec<u8>,
        src: &impl NodeSource,
    ) -> Result<(), TrieError> {
        let path = nibbles(key);
        self.hash = None;
        self.updates += 1;
        let root = std::mem::replace(&mut self.root, Node::Empty);
        self.root = insert_at(root, &path, value, src)?;
        Ok(())
    }

    /// Removes `key` if present.
    pub fn remove(&mut self, key: &[u8], src: &impl NodeSource) -> Result<(), TrieError> {
        let path = nibbles(key);
        self.hash = None;
        self.updates += 1;
        let root = std::mem::replace(&mut self.root, Node::Empty);
        self.root = remove_at(root, &path, src)?;
        Ok(())
    }

    /// Encodes every resolved node of at least 32 bytes (plus the root) into `out`, keyed by
    /// hash, so a store can serve them later. Returns the root hash.
    pub fn commit_into(&self, out: &mut HashMap<B256, Bytes>) -> B256 {
        fn walk(node: &Node, out: &mut HashMap<B256, Bytes>, is_root: bool) {
            match node {
                Node::Empty | Node::Hash(_) => return,
                Node::Leaf { .. } => {}
                Node::Extension { child, .. } => {
                    walk(child, out, false);
                }
                Node::Branch { children } => {
                    for c in children.iter() {
                        walk(c, out, false);
                    }
                }
            }
            let enc = node.encode();
            if enc.len() >= 32 || is_root {
                out.insert(keccak256(&enc), Bytes::from(enc));
            }
        }
        walk(&self.root, out, true);
        self.root_hash()
    }
}

fn resolve(node: &mut Node, src: &impl NodeSource) -> Result<(), TrieError> {
    if let Node::Hash(h) = *node {
        let bytes = src.node(&h).ok_or(TrieError::MissingNode(h))?;
        *node = Node::decode(&bytes, h)?;
    }
    Ok(())
}

fn get_at(
    node: &mut Node,
    path: &[u8],
    src: &impl NodeSource,
) -> Result<Option<Vec<u8>>, TrieError> {
    resolve(node, src)?;
    match node {
        Node::Empty => Ok(None),
        Node::Leaf { path: p, value } => Ok((p[..] == *path).then(|| value.clone())),
        Node::Extension { path: p, child } => {
            if path.starts_with(p) {
                get_at(child, &path[p.len()..], src)
            } else {
                Ok(None)
            }
        }
        Node::Branch { children } => match path.split_first() {
            Some((n, rest)) => get_at(&mut children[*n as usize], rest, src),
            None => Ok(None),
        },
        Node::Hash(_) => unreachable!("resolved above"),
    }
}

fn insert_at(
    mut node: Node,
    path: &[u8],
    value: Vec<u8>,
    src: &impl NodeSource,
) -> Result<Node, TrieError> {
    resolve(&mut node, src)?;
    Ok(match node {
        Node::Empty => Node::Leaf { path: path.to_vec(), value },
        Node::Leaf { path: p, value: old } => {
            if p == path {
                return Ok(Node::Leaf { path: p, value });
            }
            let cp = common_prefix(&p, path);
            if cp >= p.len() || cp >= path.len() {
                return Err(TrieError::InconsistentPath(cp));
            }
            let mut children = Node::empty_children();
            // Keys have equal length, so neither path ends at the branch.
            children[p[cp] as usize] = Node::Leaf { path: p[cp + 1..].to_vec(), value: old };
            children[path[cp] as usize] = Node::Leaf { path: path[cp + 1..].to_vec(), value };
            wrap_extension(&path[..cp], Node::Branch { children })
        }
        Node::Extension { path: p, child } => {
            let cp = common_prefix(&p, path);
            if cp == p.len() {
                let child = insert_at(*child, &path[cp..], value, src)?;
                Node::Extension { path: p, child: Box::new(child) }
            } else {
                if cp >= path.len() {
                    return Err(TrieError::InconsistentPath(cp));
                }
                let mut children = Node::empty_children();
                let rest = &p[cp + 1..];
                children[p[cp] as usize] = if rest.is_empty() {
                    *child
                } else {
                    Node::Extension { path: rest.to_vec(), child }
                };
                children[path[cp] as usize] = Node::Leaf { path: path[cp + 1..].to_vec(), value };
                wrap_extension(&path[..cp], Node::Branch { children })
            }
        }
        Node::Branch { mut children } => {
            let (n, rest) = path.split_first().ok_or(TrieError::InconsistentPath(0))?;
            let child = std::mem::replace(&mut children[*n as usize], Node::Empty);
            children[*n as usize] = insert_at(child, rest, value, src)?;
            Node::Branch { children }
        }
        Node::Hash(_) => unreachable!("resolved above"),
    })
}

fn wrap_extension(prefix: &[u8], branch: Node) -> Node {
    if prefix.is_empty() {
        branch
    } else {
        Node::Extension { path: prefix.to_vec(), child: Box::new(branch) }
    }
}

fn remove_at(mut node: Node, path: &[u8], src: &impl NodeSource) -> Result<Node, TrieError> {
    resolve(&mut node, src)?;
    Ok(match node {
        Node::Empty => Node::Empty,
        Node::Leaf { path: p, value } => {
            if p == path {
                Node::Empty
            } else {
                Node::Leaf { path: p, value }
            }
        }
        Node::Extension { path: p, child } => {
            if !path.starts_with(&p) {
                return Ok(Node::Extension { path: p, child });
            }
            let child = remove_at(*child, &path[p.len()..], src)?;
            join_prefix(p, child)
        }
        Node::Branch { mut children } => {
            let Some((n, rest)) = path.split_first() else {
                return Ok(Node::Branch { children });
            };
            let child = std::mem::replace(&mut children[*n as usize], Node::Empty);
            children[*n as usize] = remove_at(child, rest, src)?;
            let mut live = children.iter().enumerate().filter(|(_, c)| !matches!(c, Node::Empty));
            let first = live.next().map(|(i, _)| i);
            if live.next().is_some() {
                return Ok(Node::Branch { children });
            }
            match first {
                None => Node::Empty,
                Some(i) => {
                    // One child left: the branch collapses into it, which needs its type.
                    let mut only = std::mem::replace(&mut children[i], Node::Empty);
                    resolve(&mut only, src)?;
                    join_prefix(vec![i as u8], only)
                }
            }
        }
        Node::Hash(_) => unreachable!("resolved above"),
    })
}

/// Puts `prefix` in front of `child`, merging paths where the child is a leaf or extension.
fn join_prefix(mut prefix: Vec<u8>, child: Node) -> Node {
    match child {
        Node::Empty => Node::Empty,
        Node::Leaf { path, value } => {
            prefix.extend_from_slice(&path);
            Node::Leaf { path: prefix, value }
        }
        Node::Extension { path, child } => {
            prefix.extend_from_slice(&path);
            Node::Extension { path: prefix, child }
        }
        branch => Node::Extension { path: prefix, child: Box::new(branch) },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy_primitives::U256;

    fn reference_root(entries: &std::collections::BTreeMap<B256, Vec<u8>>) -> B256 {
        let mut hb = alloy_trie::HashBuilder::default();
        for (k, v) in entries {
            hb.add_leaf(alloy_trie::Nibbles::unpack(k), v);
        }
        hb.root()
    }

    #[test]
    fn matches_hash_builder_under_inserts_and_removals() {
        let empty: HashMap<B256, Bytes> = HashMap::new();
        let mut trie = Trie::from_root(EMPTY_ROOT_HASH);
        let mut model = std::collections::BTreeMap::new();
        for i in 0u64..300 {
            let k = keccak256(U256::from(i).to_be_bytes::<32>());
            let v = alloy_rlp::encode(U256::from(i * 7 + 1));
            trie.insert(k.as_slice(), v.clone(), &empty).unwrap();
            model.insert(k, v);
        }
        assert_eq!(trie.root_hash(), reference_root(&model));
        for i in (0u64..300).step_by(3) {
            let k = keccak256(U256::from(i).to_be_bytes::<32>());
            trie.remove(k.as_slice(), &empty).unwrap();
            model.remove(&k);
        }
        assert_eq!(trie.root_hash(), reference_root(&model));
    }

    /// Enough updates for the two-thread root, with the top branch at the root and below an
    /// extension (all keys sharing their first byte): the same root as one thread and as
    /// the reference builder.
    #[test]
    fn two_thread_root_matches_one_thread_root() {
        let empty: HashMap<B256, Bytes> = HashMap::new();
        for shared_first_byte in [false, true] {
            let mut trie = Trie::from_root(EMPTY_ROOT_HASH);
            let mut model = std::collections::BTreeMap::new();
            for i in 0..TWO_THREAD_MIN_UPDATES as u64 * 2 {
                let mut k = keccak256(U256::from(i).to_be_bytes::<32>());
                if shared_first_byte {
                    k.0[0] = 0xab;
                }
                let v = alloy_rlp::encode(U256::from(i + 1));
                trie.insert(k.as_slice(), v.clone(), &empty).unwrap();
                model.insert(k, v);
            }
            assert_eq!(
                matches!(trie.root, Node::Extension { .. }),
                shared_first_byte,
                "root node shape"
            );
            assert!(trie.updates >= TWO_THREAD_MIN_UPDATES);
            let two = trie.root_hash();
            assert_eq!(two, trie.root.hash());
            assert_eq!(two, reference_root(&model));
        }
    }

    #[test]
    fn lazy_trie_resolves_from_store_and_reports_missing_nodes() {
        let empty: HashMap<B256, Bytes> = HashMap::new();
        let mut trie = Trie::from_root(EMPTY_ROOT_HASH);
        for i in 0u64..50 {
            let k = keccak256(U256::from(i).to_be_bytes::<32>());
            trie.insert(k.as_slice(), vec![0x80 + 1, i as u8], &empty).unwrap();
        }
        let mut store = HashMap::new();
        let root = trie.commit_into(&mut store);
        let mut lazy = Trie::from_root(root);
        let k7 = keccak256(U256::from(7u64).to_be_bytes::<32>());
        assert_eq!(lazy.get(k7.as_slice(), &store).unwrap(), Some(vec![0x81, 7]));
        // A fresh trie with no nodes cannot answer.
        let mut blind = Trie::from_root(root);
        assert_eq!(blind.get(k7.as_slice(), &empty), Err(TrieError::MissingNode(root)));
        // Removing every key from the lazy trie gives the empty root.
        for i in 0u64..50 {
            let k = keccak256(U256::from(i).to_be_bytes::<32>());
            lazy.remove(k.as_slice(), &store).unwrap();
        }
        assert_eq!(lazy.root_hash(), EMPTY_ROOT_HASH);
    }

    #[test]
    fn hostile_paths_are_errors_not_panics() {
        // A leaf whose path is shorter than the key: inserting below it must fail cleanly.
        let leaf = Node::Leaf { path: vec![1, 2], value: vec![0x01; 40] };
        let enc = leaf.encode();
        let h = keccak256(&enc);
        let mut store = HashMap::new();
        store.insert(h, Bytes::from(enc));
        let mut key = [0u8; 32];
        key[0] = 0x12;
        let mut t = Trie::from_root(h);
        assert!(matches!(t.insert(&key, vec![1], &store), Err(TrieError::InconsistentPath(_))));
        // A branch reached with the key exhausted.
        let mut t = Trie::with_root(Node::Branch { children: Node::empty_children() });
        assert!(matches!(t.insert(&[], vec![1], &store), Err(TrieError::InconsistentPath(_))));
        // An extension longer than the remaining key.
        let ext = Node::Extension { path: vec![1; 4], child: Box::new(Node::Hash(B256::ZERO)) };
        let mut t = Trie::with_root(ext);
        assert!(matches!(t.insert(&[0x11], vec![1], &store), Err(TrieError::InconsistentPath(_))));
    }
}
