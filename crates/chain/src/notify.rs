//! A counter that block producers wait on (std only, no async runtime needed), and the
//! hashes of the latest transactions that entered the pool (for pending-transaction
//! filters).

use alloy_primitives::B256;
use parking_lot::{Condvar, Mutex};
use std::collections::VecDeque;

/// How many of the latest pool entries [`Notify::added_since`] can return: a filter
/// polled after more entries than this misses the oldest ones.
pub const RECENT_ADDED: usize = 4096;

/// Counts pool insertions; waiters block until the count moves.
#[derive(Debug, Default)]
pub struct Notify {
    count: Mutex<Counted>,
    cv: Condvar,
}

/// The count and the hashes of the latest insertions (the last one has number `count`).
#[derive(Debug, Default)]
struct Counted {
    count: u64,
    recent: VecDeque<B256>,
}

impl Notify {
    /// Signals one more insertion.
    pub fn notify(&self) {
        let mut c = self.count.lock();
        c.count += 1;
        // An insertion without a hash: the kept hashes no longer end at `count`.
        c.recent.clear();
        drop(c);
        self.cv.notify_all();
    }

    /// Signals the insertion of the transaction `hash`.
    pub fn notify_added(&self, hash: B256) {
        let mut c = self.count.lock();
        c.count += 1;
        if c.recent.len() == RECENT_ADDED {
            c.recent.pop_front();
        }
        c.recent.push_back(hash);
        drop(c);
        self.cv.notify_all();
    }

    /// The current count.
    pub fn count(&self) -> u64 {
        self.count.lock().count
    }

    /// The hashes inserted after count `seen` (at most the last [`RECENT_ADDED`]), oldest
    /// first, and the current count.
    pub fn added_since(&self, seen: u64) -> (Vec<B256>, u64) {
        let c = self.count.lock();
        let new = usize::try_from(c.count.saturating_sub(seen)).unwrap_or(usize::MAX);
        let skip = c.recent.len().saturating_sub(new);
        (c.recent.iter().skip(skip).copied().collect(), c.count)
    }

    /// Waits until the count differs from `seen` or `timeout` passes.
    pub fn wait_past(&self, seen: u64, timeout: std::time::Duration) -> u64 {
        let mut guard = self.count.lock();
        self.cv.wait_while_for(&mut guard, |c| c.count == seen, timeout);
        guard.count
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn added_since_returns_the_hashes_after_a_count() {
        let n = Notify::default();
        let h = |i: u8| B256::repeat_byte(i);
        n.notify_added(h(1));
        let seen = n.count();
        n.notify_added(h(2));
        n.notify_added(h(3));
        assert_eq!(n.added_since(seen), (vec![h(2), h(3)], 3));
        assert_eq!(n.added_since(3), (vec![], 3));
        for i in 0..RECENT_ADDED + 10 {
            n.notify_added(h(i as u8));
        }
        let (hashes, count) = n.added_since(0);
        assert_eq!((hashes.len(), count), (RECENT_ADDED, RECENT_ADDED as u64 + 13));
    }
}
