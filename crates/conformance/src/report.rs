//! Counting outcomes: per mode, for cases passing both ways, and per network.

use crate::{CaseResult, Outcome};
use std::collections::BTreeMap;

/// Counts of one mode.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    /// Passed cases.
    pub passed: usize,
    /// Failed cases.
    pub failed: usize,
    /// Skipped cases.
    pub skipped: usize,
    /// Cases with a valid block that a `StatelessInput` cannot carry (stateless only).
    pub unrepresentable: usize,
}

impl Tally {
    fn add(&mut self, o: &Outcome) {
        match o {
            Outcome::Pass => self.passed += 1,
            Outcome::Fail(_) => self.failed += 1,
            Outcome::Skip(_) => self.skipped += 1,
            Outcome::Unrepresentable(_) => self.unrepresentable += 1,
        }
    }

    /// All cases counted.
    pub fn total(&self) -> usize {
        self.passed + self.failed + self.skipped + self.unrepresentable
    }
}

/// `P passed, F failed, S skipped`, then `, U unrepresentable` when there are any.
impl std::fmt::Display for Tally {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} passed, {} failed, {} skipped", self.passed, self.failed, self.skipped)?;
        if self.unrepresentable > 0 {
            write!(f, ", {} unrepresentable", self.unrepresentable)?;
        }
        Ok(())
    }
}

/// The outcome of a case over both modes: skipped if either skipped, failed if either
/// failed, unrepresentable if the stateless side could not be given a block, else passed.
fn both(r: &CaseResult) -> Outcome {
    match (&r.stateful, &r.stateless) {
        (Outcome::Skip(s), _) | (_, Outcome::Skip(s)) => Outcome::Skip(s.clone()),
        (Outcome::Fail(e), _) | (_, Outcome::Fail(e)) => Outcome::Fail(e.clone()),
        (Outcome::Unrepresentable(e), _) | (_, Outcome::Unrepresentable(e)) => {
            Outcome::Unrepresentable(e.clone())
        }
        (Outcome::Pass, Outcome::Pass) => Outcome::Pass,
    }
}

/// Tallies of a whole run: per mode, and cases passing both ways.
pub fn tally(results: &[CaseResult]) -> (Tally, Tally, Tally) {
    let (mut a, mut b, mut c) = (Tally::default(), Tally::default(), Tally::default());
    for r in results {
        a.add(&r.stateful);
        b.add(&r.stateless);
        c.add(&both(r));
    }
    (a, b, c)
}

/// [`tally`] per fixture network, in name order.
pub fn tally_by_network(results: &[CaseResult]) -> BTreeMap<String, (Tally, Tally, Tally)> {
    let mut out: BTreeMap<String, (Tally, Tally, Tally)> = BTreeMap::new();
    for r in results {
        let (a, b, c) = out.entry(r.network.clone()).or_default();
        a.add(&r.stateful);
        b.add(&r.stateless);
        c.add(&both(r));
    }
    out
}
