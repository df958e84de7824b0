//! The L1 block producer: a thread that produces blocks on a timer or on demand, until
//! stopped.

use nr_chain::Chain;
use std::{
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    thread::JoinHandle,
    time::{Duration, Instant},
};

/// Longest the producer sleeps before checking its stop flag.
const STOP_CHECK: Duration = Duration::from_millis(200);

/// A running producer thread and its stop flag.
#[derive(Debug)]
pub(crate) struct Producer {
    stop: Arc<AtomicBool>,
    /// Test hook: the thread panics at its next round when set.
    panic: Arc<AtomicBool>,
    /// The thread's panic message, once it died of one.
    died: tokio::sync::watch::Receiver<Option<String>>,
    thread: Option<JoinHandle<()>>,
}

impl Producer {
    /// Starts producing blocks of `chain` every `block_time` seconds (0: on demand),
    /// keeping its `safe` and `finalized` blocks `finality_depth` blocks below the head.
    pub(crate) fn spawn(chain: Arc<Chain>, block_time: u64, finality_depth: u64) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let panic = Arc::new(AtomicBool::new(false));
        let (flag, panic_flag) = (stop.clone(), panic.clone());
        let (died_tx, died) = tokio::sync::watch::channel(None);
        let thread = std::thread::spawn(move || {
            let run = std::panic::AssertUnwindSafe(|| {
                produce_loop(&chain, block_time, finality_depth, &flag, &panic_flag)
            });
            if let Err(p) = std::panic::catch_unwind(run) {
                let reason = p
                    .downcast_ref::<&str>()
                    .map(|s| (*s).to_string())
                    .or_else(|| p.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "a panic without message".into());
                tracing::error!(reason, "the L1 block producer panicked; the node is stopping");
                died_tx.send_replace(Some(reason));
            }
        });
        Self { stop, panic, died, thread: Some(thread) }
    }

    /// Resolves with the panic message when the thread dies of a panic; never otherwise.
    pub(crate) async fn died(&self) -> String {
        let mut died = self.died.clone();
        match died.wait_for(Option::is_some).await {
            Ok(r) => r.clone().unwrap_or_default(),
            Err(_) => std::future::pending().await,
        }
    }

    /// Makes the thread panic at its next round (test hook).
    pub(crate) fn inject_panic(&self) {
        self.panic.store(true, Ordering::Relaxed);
    }

    /// Asks the thread to stop and waits for it, off the async runtime's threads.
    pub(crate) async fn stop(mut self) {
        let thread = self.thread.take();
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = thread {
            tokio::task::spawn_blocking(move || t.join().ok()).await.ok();
        }
    }
}

impl Drop for Producer {
    /// Asks the thread to stop and waits for it.
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            t.join().ok();
        }
    }
}

/// Sleeps `d`, waking early when `stop` is set; returns whether to keep going.
fn sleep_unless_stopped(d: Duration, stop: &AtomicBool) -> bool {
    let end = Instant::now() + d;
    loop {
        if stop.load(Ordering::Relaxed) {
            return false;
        }
        let left = end.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return true;
        }
        std::thread::sleep(left.min(STOP_CHECK));
    }
}

/// Sets the `safe` and `finalized` blocks `depth` below the head (see docs/l1.md).
pub(crate) fn label_finality(chain: &Chain, depth: u64) {
    let finalized = chain.head().number.saturating_sub(depth);
    chain.set_safe_finalized(finalized, finalized);
}

fn produce_loop(
    chain: &Chain,
    block_time: u64,
    finality_depth: u64,
    stop: &AtomicBool,
    panic: &AtomicBool,
) {
    label_finality(chain, finality_depth);
    let mut seen = chain.tx_added.count();
    // On demand: a block when executable transactions wait; if a block included none of
    // them (all failed at execution), wait for new transactions before trying again.
    let mut stalled = false;
    while !stop.load(Ordering::Relaxed) {
        if panic.load(Ordering::Relaxed) {
            panic!("injected panic in the L1 block producer (test hook)");
        }
        if block_time == 0 {
            if stalled || !chain.has_ready_transactions() {
                let now_seen = chain.tx_added.wait_past(seen, Duration::from_millis(500));
                stalled &= now_seen == seen;
                seen = now_seen;
                continue;
            }
        } else {
            let next = chain.head().timestamp + block_time;
            let wait = next.saturating_sub(nr_chain::unix_now()).min(block_time);
            if wait > 0 && !sleep_unless_stopped(Duration::from_secs(wait), stop) {
                return;
            }
        }
        match chain.produce_block(nr_chain::unix_now()) {
            Ok(p) => {
                label_finality(chain, finality_depth);
                stalled = block_time == 0 && p.block.body.transactions.is_empty();
                tracing::info!(
                    number = p.block.header.number,
                    hash = %p.hash,
                    txs = p.block.body.transactions.len(),
                    gas = p.block.header.gas_used,
                    "block"
                );
                for (h, reason) in &p.skipped {
                    tracing::debug!(tx = %h, reason, "not included");
                }
            }
            Err(e) => {
                tracing::error!("block production failed: {e}");
                sleep_unless_stopped(Duration::from_secs(1), stop);
            }
        }
    }
}
