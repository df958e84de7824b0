//! The `safe` and `finalized` blocks of a chain. Who knows them sets them: an L2 node from
//! the head its rollup contract settled on L1, the development L1 from its finality
//! depth. A chain that never sets them answers with its head for both (the behaviour of a
//! node without a consensus layer). Both are kept at or below the head, and a rewind
//! never goes below `finalized` (see `Chain::rewind_to`).

use crate::Chain;

/// The `safe` and `finalized` block numbers, as set ([`Chain::set_safe_finalized`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BlockLabels {
    /// The `safe` block (`None`: the head).
    pub safe: Option<u64>,
    /// The `finalized` block (`None`: the head).
    pub finalized: Option<u64>,
}

impl Chain {
    /// Sets the `safe` and `finalized` blocks. `finalized` never moves back (a lower
    /// value is ignored) and `safe` is kept at or above it.
    pub fn set_safe_finalized(&self, safe: u64, finalized: u64) {
        let mut l = self.labels.write();
        let finalized = l.finalized.map_or(finalized, |f| f.max(finalized));
        *l = BlockLabels { safe: Some(safe.max(finalized)), finalized: Some(finalized) };
    }

    /// The `safe` block number (the head if never set; never above the head).
    pub fn safe_number(&self) -> u64 {
        let head = self.head().number;
        self.labels.read().safe.map_or(head, |n| n.min(head))
    }

    /// The `finalized` block number (the head if never set; never above the head).
    pub fn finalized_number(&self) -> u64 {
        let head = self.head().number;
        self.labels.read().finalized.map_or(head, |n| n.min(head))
    }

    /// The labels as set.
    pub fn labels(&self) -> BlockLabels {
        *self.labels.read()
    }
}
