//! A counter that block producers wait on (std only, no async runtime needed).

use parking_lot::{Condvar, Mutex};

/// Counts pool insertions; waiters block until the count moves.
#[derive(Debug, Default)]
pub struct Notify {
    count: Mutex<u64>,
    cv: Condvar,
}

impl Notify {
    /// Signals one more insertion.
    pub fn notify(&self) {
        *self.count.lock() += 1;
        self.cv.notify_all();
    }

    /// The current count.
    pub fn count(&self) -> u64 {
        *self.count.lock()
    }

    /// Waits until the count differs from `seen` or `timeout` passes.
    pub fn wait_past(&self, seen: u64, timeout: std::time::Duration) -> u64 {
        let mut guard = self.count.lock();
        self.cv.wait_while_for(&mut guard, |c| *c == seen, timeout);
        *guard
    }
}
