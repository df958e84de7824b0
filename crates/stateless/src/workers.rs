//! The helper threads that share a verification's work with the calling thread (key checks,
//! the payload root, witness hashing, trie roots).
//!
//! They are started once, on first use, and parked between verifications: starting a
//! thread per verification cost 20-40 us on a 2-vCPU VM (clone, signal stack, exit, join),
//! and asking the OS for the core count another ~15 us (`available_parallelism` reads the
//! cgroup files each time), against 0.2-0.4 ms for a whole small block.

use rayon::{ThreadPool, ThreadPoolBuilder};
use std::sync::{Mutex, OnceLock, PoisonError};

#[cfg(test)]
thread_local! {
    /// Makes [`helpers`] report that no helper thread can be started on this test thread,
    /// as when the OS is out of threads or memory.
    pub(crate) static REFUSE_THREADS: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// How many cores this process may use (asked once: the standard library reads the
/// scheduler affinity and the cgroup limits each time).
pub(crate) fn cores() -> usize {
    static CORES: OnceLock<usize> = OnceLock::new();
    *CORES.get_or_init(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
}

/// Whether this machine has more than one core.
pub(crate) fn has_second_core() -> bool {
    cores() > 1
}

/// The helper threads, one per core beside the calling thread's, started on first use and
/// kept. `None` on one core (e.g. a zkVM guest) or when the OS refuses to start them (no
/// error: the caller runs the work itself; the next call tries again).
pub(crate) fn helpers() -> Option<&'static ThreadPool> {
    static POOL: OnceLock<ThreadPool> = OnceLock::new();
    #[cfg(test)]
    if REFUSE_THREADS.with(std::cell::Cell::get) {
        return None;
    }
    if let Some(pool) = POOL.get() {
        return Some(pool);
    }
    if !has_second_core() {
        return None;
    }
    let pool = ThreadPoolBuilder::new()
        .num_threads(cores() - 1)
        .thread_name(|i| format!("nr-stateless-{i}"))
        .build()
        .ok()?;
    // Two first calls at once may both build one; the loser's threads end when it drops.
    Some(POOL.get_or_init(|| pool))
}

/// Takes the value out of `slot` (a poisoned lock still holds a consistent `Option`: it is
/// only held to move the value).
pub(crate) fn take<T>(slot: &Mutex<Option<T>>) -> Option<T> {
    slot.lock().unwrap_or_else(PoisonError::into_inner).take()
}

/// Runs `a` on the calling thread and `b` on a helper thread, and returns both results. If
/// no helper has begun `b` by the time `a` is done (a busy machine) or there is none, the
/// calling thread runs `b` itself, so this never takes much longer than running both in
/// turn.
pub(crate) fn join_on_two_threads<A, B: Send>(
    a: impl FnOnce() -> A,
    b: impl FnOnce() -> B + Send,
) -> (A, B) {
    let Some(pool) = helpers() else {
        return (a(), b());
    };
    let todo = Mutex::new(Some(b));
    let done = Mutex::new(None);
    let (a, here) = pool.in_place_scope(|s| {
        s.spawn(|_| {
            if let Some(b) = take(&todo) {
                let b = b();
                *done.lock().unwrap_or_else(PoisonError::into_inner) = Some(b);
            }
        });
        let a = a();
        (a, take(&todo).map(|b| b()))
    });
    // The scope waited for the helper's job: `b` ran exactly once, here or there.
    match here.or_else(|| take(&done)) {
        Some(b) => (a, b),
        None => unreachable!("b was taken by the helper, which stored its result"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Both closures run once and their results come back in place, whichever thread ran
    /// the second: the helper (while the first sleeps) or the caller (a first closure that
    /// returns at once usually finds the second not taken yet), and also without helpers.
    #[test]
    fn join_on_two_threads_returns_both_results() {
        let ran = std::sync::atomic::AtomicUsize::new(0);
        let count = || ran.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        for (pause_ms, refuse) in [(0, false), (20, false), (0, true)] {
            REFUSE_THREADS.with(|r| r.set(refuse));
            let (a, b) = join_on_two_threads(
                || {
                    std::thread::sleep(std::time::Duration::from_millis(pause_ms));
                    count();
                    vec![1u8; 3]
                },
                || {
                    count();
                    "second"
                },
            );
            REFUSE_THREADS.with(|r| r.set(false));
            assert_eq!((a, b), (vec![1u8; 3], "second"));
        }
        assert_eq!(ran.load(std::sync::atomic::Ordering::SeqCst), 6);
    }

    /// A panic in the helper's closure reaches the caller, as a panic of the closure run
    /// in place would, and the helpers stay usable.
    #[test]
    fn helper_panic_reaches_the_caller() {
        let r = std::panic::catch_unwind(|| {
            join_on_two_threads(
                || std::thread::sleep(std::time::Duration::from_millis(20)),
                || panic!("helper closure"),
            )
        });
        assert!(r.is_err(), "the panic was swallowed");
        assert_eq!(join_on_two_threads(|| 1, || 2), (1, 2));
    }
}
