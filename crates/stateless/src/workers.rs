//! The helper threads that share a verification's work with the calling thread (key checks,
//! the payload root, witness hashing, trie roots).
//!
//! They are started once, on first use, and parked between verifications: starting a
//! thread per verification cost 20-40 us on a 2-vCPU VM (clone, signal stack, exit, join),
//! and asking the OS for the core count another ~15 us (`available_parallelism` reads the
//! cgroup files each time), against 0.2-0.4 ms for a whole small block.

use rayon::{Scope, ThreadPool, ThreadPoolBuilder};
use std::sync::{
    Mutex, OnceLock, PoisonError,
    atomic::{AtomicUsize, Ordering},
};

/// Jobs handed to the helpers (by [`spawn`]) and not finished yet, queued or running.
static IN_FLIGHT: AtomicUsize = AtomicUsize::new(0);

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

/// The helpers and how many of them are free, if at least one is: work handed to busy
/// helpers would wait behind theirs (e.g. the witness hashing of a block behind its own key
/// checks, or behind another verification's), and the caller would then wait for it;
/// without a free helper the caller does the work itself.
pub(crate) fn free_helpers() -> Option<(&'static ThreadPool, usize)> {
    // A worker thread of a rayon pool (e.g. `nr conformance`'s, which verifies many blocks
    // at once) must not wait on our pool: rayon lets a blocked worker run its own pool's
    // other jobs meanwhile, on the same stack, so whole verifications nested on one
    // thread until its stack overflowed (`nr conformance` aborted: "thread '<unknown>'
    // has overflowed its stack"). Such a caller already has its cores busy: it does the
    // work itself.
    if rayon::current_thread_index().is_some() {
        return None;
    }
    let pool = helpers()?;
    let free = pool.current_num_threads().saturating_sub(IN_FLIGHT.load(Ordering::Relaxed));
    (free > 0).then_some((pool, free))
}

/// Hands `job` to a helper within `scope`, counted in [`free_helpers`] until it is done.
pub(crate) fn spawn<'s>(scope: &Scope<'s>, job: impl FnOnce() + Send + 's) {
    /// Ends the count when the job ends, also by a panic.
    struct Done;
    impl Drop for Done {
        fn drop(&mut self) {
            IN_FLIGHT.fetch_sub(1, Ordering::Relaxed);
        }
    }
    IN_FLIGHT.fetch_add(1, Ordering::Relaxed);
    scope.spawn(move |_| {
        let _done = Done;
        job();
    });
}

/// Takes the value out of `slot` (a poisoned lock still holds a consistent `Option`: it is
/// only held to move the value).
pub(crate) fn take<T>(slot: &Mutex<Option<T>>) -> Option<T> {
    slot.lock().unwrap_or_else(PoisonError::into_inner).take()
}

/// Runs `a` on the calling thread and `b` on a helper thread, and returns both results. If
/// no helper is free, or none has begun `b` by the time `a` is done (a busy machine), the
/// calling thread runs `b` itself, so this never takes much longer than running both in
/// turn.
pub(crate) fn join_on_two_threads<A, B: Send>(
    a: impl FnOnce() -> A,
    b: impl FnOnce() -> B + Send,
) -> (A, B) {
    let Some((pool, _)) = free_helpers() else {
        return (a(), b());
    };
    let todo = Mutex::new(Some(b));
    let done = Mutex::new(None);
    let (a, here) = pool.in_place_scope(|s| {
        spawn(s, || {
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

    /// A worker of another rayon pool gets no helper (it would run its own pool's other
    /// jobs on its stack while waiting: `nr conformance` overflowed its stack that way),
    /// while a plain thread does on a machine with a second core.
    #[test]
    fn rayon_workers_of_other_pools_do_the_work_themselves() {
        let other = ThreadPoolBuilder::new().num_threads(2).build().unwrap();
        assert!(other.install(free_helpers).is_none(), "a rayon worker must not wait on helpers");
        let (a, b) = other.install(|| join_on_two_threads(|| 1, || 2));
        assert_eq!((a, b), (1, 2));
        if has_second_core() {
            assert!(std::thread::spawn(helpers).join().unwrap().is_some());
        }
    }

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

    /// While every helper is busy (here with jobs that wait for this test), the second
    /// closure runs on the calling thread and the call returns without waiting for the busy
    /// helpers: before `free_helpers`, it queued a job behind theirs and waited for it, so
    /// the witness hashing or trie root of a block waited for all of the block's key checks.
    #[test]
    fn busy_helpers_leave_the_work_to_the_caller() {
        let Some(pool) = helpers() else { return };
        let helpers = pool.current_num_threads();
        let released = (Mutex::new(false), std::sync::Condvar::new());
        let blockers_done = std::sync::atomic::AtomicBool::new(false);
        let (started, is_started) = std::sync::mpsc::channel::<()>();
        let caller = std::thread::current().id();
        let (ran_on, waited) = std::thread::scope(|outer| {
            let (released, blockers_done) = (&released, &blockers_done);
            let blockers = outer.spawn(move || {
                pool.in_place_scope(|s| {
                    for _ in 0..helpers {
                        let started = started.clone();
                        spawn(s, move || {
                            // Holds a helper until released; the deadline keeps a broken
                            // build from hanging the test.
                            let _ = started.send(());
                            let (lock, cv) = released;
                            let guard = lock.lock().unwrap_or_else(PoisonError::into_inner);
                            let _ = cv.wait_timeout_while(
                                guard,
                                std::time::Duration::from_secs(5),
                                |released| !*released,
                            );
                        });
                    }
                });
                blockers_done.store(true, Ordering::SeqCst);
            });
            for _ in 0..helpers {
                is_started
                    .recv_timeout(std::time::Duration::from_secs(20))
                    .expect("the blocking jobs never started");
            }
            let (_, ran_on) = join_on_two_threads(|| (), || std::thread::current().id());
            let waited = blockers_done.load(Ordering::SeqCst);
            *released.0.lock().unwrap_or_else(PoisonError::into_inner) = true;
            released.1.notify_all();
            blockers.join().expect("blockers ran");
            (ran_on, waited)
        });
        assert!(!waited, "join_on_two_threads waited for the busy helpers to finish");
        assert_eq!(ran_on, caller, "the second closure did not run on the calling thread");
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
