//! Exact satisfiability of rule conditions over the patients of a ruleset.
//!
//! A patient (§5 of the language contract) is a set of true facts that respects every
//! `exclusive` group (at most one member true), plus, for each measure, either a value inside
//! its declared range or no value at all. A comparison on a measure of unknown value is false.
//!
//! # How it decides
//!
//! The questions the analysis asks are about one, two or three rule conditions at a time, each
//! condition true or false ("can both rules fire?", "does A imply B?"). They are answered exactly:
//!
//! * **Fast path.** Most conditions are conjunctions of fact literals and measure comparisons.
//!   [`Space::prepare`] flattens a condition once into its literals (true facts, false facts,
//!   measure tests) and the few sub-conditions that are not literals (`or`, `not (a and b)`).
//!   When no such sub-condition is left, a conjunction is satisfiable exactly when no fact is
//!   both required and forbidden, no two required facts share an exclusive group, and each
//!   measure's tests admit a common value (or unknown, when every test on it is negated).
//! * **Search.** Otherwise every mentioned measure's range is cut by the thresholds of the
//!   conditions into finitely many regions — single points and the open intervals between them —
//!   plus "unknown". Within one region every comparison has the same truth value, so choosing
//!   a region per measure and a truth value per fact decides the whole formula. A depth-first
//!   search assigns facts (false first) and measure regions, evaluating the formula in Kleene
//!   three-valued logic after each step and backtracking as soon as it is false. Exclusive groups
//!   are enforced when a fact is set true. The search is bounded by a work budget (formula nodes
//!   evaluated), per question and for all questions of one [`Space`] together; past it the
//!   question is answered with [`TooComplex`] rather than a guess.
//! * **Cheap proofs before the search.** Each prepared condition has a fixed-size
//!   [`Signature`] (required exclusive-group members, a measure interval, Bloom filters of its
//!   facts) that proves most pairs of rules incompatible without touching their lists, and
//!   top-level "one of these facts" alternatives (`acute or subacute`) are checked against the
//!   other side's literals before any search. These only ever prove "no"; every "yes" comes
//!   from the fast path on plain conjunctions, a patient that demonstrably satisfies both, or
//!   the search.
//!
//! Regions are represented by an actual `f64` value inside them and comparisons are evaluated with
//! [`CmpOp::holds`], the same function as [`Expr::holds`], so the solver and the reference meaning
//! cannot drift apart on edge cases (open intervals with no `f64` inside are dropped).
//!
//! # Witnesses
//!
//! [`witness`] returns the smallest patient: fewest true facts, then fewest mentioned measures
//! left unknown (a measure gets no value only when the conditions need it unknown); among those,
//! the first found when facts are tried false-first, latest declared first — so later-declared
//! facts are left false when possible, and `a or b` gives `a` when `a` is declared first. Only
//! measures the conditions mention get a value. Each value is then chosen, one measure at a time with the
//! others fixed, by [`round_value`]: among the values that keep every condition as required, the
//! widest stretch (maximal interval of admissible values; the lowest on a tie) is taken, and in
//! it the roundest number near its middle.

mod decide;
mod prepare;
mod regions;
mod search;
mod space;
#[cfg(test)]
mod tests;

use crate::model::{CmpOp, Expr, FactId, MeasureId, Model, Patient};

use prepare::*;
pub use prepare::{Prepared, Scratch, Signature};
pub use regions::round_value;
use regions::*;
use search::*;

/// Default work budget of one question: formula nodes evaluated by the search.
pub const DEFAULT_BUDGET: u64 = 4_000_000;

/// Default work budget of all questions asked of one [`Space`] together (about a second of
/// search), so that many hard questions cannot add up to a hang either.
pub const DEFAULT_TOTAL_BUDGET: u64 = 500_000_000;

/// Deepest formula the solver accepts (the parser's nesting limit is far below this).
const MAX_DEPTH: usize = 2_000;

/// The question could not be answered within the solver's work budget.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TooComplex;

/// The patients of one ruleset: its facts, exclusive groups and measure ranges.
#[derive(Clone, Debug)]
pub struct Space {
    facts: usize,
    /// Members of each exclusive group, sorted, without duplicates.
    groups: Vec<Vec<FactId>>,
    /// The exclusive groups each fact belongs to, sorted.
    groups_of: Vec<Vec<u32>>,
    /// Declared range of each measure, inclusive; `None` is unbounded.
    ranges: Vec<(Option<f64>, Option<f64>)>,
    /// For each fact, the facts it implies (transitively, itself excluded), sorted; empty
    /// when the ruleset declares no `implies`.
    implied: Vec<Vec<FactId>>,
    /// For each fact, the facts that imply it (transitively, itself excluded), sorted.
    implied_by: Vec<Vec<FactId>>,
    /// Facts no patient can have (W008); empty when the ruleset declares no `implies` or
    /// `excludes`.
    never: Vec<bool>,
    budget: u64,
    /// Work left for all further searches.
    remaining: Remaining,
}

/// The work left for all further searches of a [`Space`]. Atomic only so that one space can be
/// shared by the threads that flatten conditions and run the cheap checks, which never search:
/// every question that searches is asked from one thread, in a fixed order.
#[derive(Debug)]
struct Remaining(std::sync::atomic::AtomicU64);

impl Remaining {
    fn new(work: u64) -> Remaining {
        Remaining(std::sync::atomic::AtomicU64::new(work))
    }

    fn get(&self) -> u64 {
        self.0.load(std::sync::atomic::Ordering::Relaxed)
    }

    fn set(&self, work: u64) {
        self.0.store(work, std::sync::atomic::Ordering::Relaxed);
    }
}

impl Clone for Remaining {
    fn clone(&self) -> Remaining {
        Remaining::new(self.get())
    }
}

/// A simple reason why the literals of a prepared condition rule out every patient.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Clash {
    /// A fact is required both to hold and not to hold.
    Fact(FactId),
    /// Two facts of one exclusive group are both required.
    Exclusive { group: usize, a: FactId, b: FactId },
    /// No value of a measure inside its range meets the comparisons required on it.
    Measure(MeasureId),
}

impl Space {
    /// Why `p` is unsatisfiable, when its fact literals alone show it.
    pub fn literal_clash(&self, p: &Prepared) -> Option<Clash> {
        if let Some(&f) = p.pos.iter().find(|f| p.neg.binary_search(f).is_ok()) {
            return Some(Clash::Fact(f));
        }
        if let Some(w) = p.pos_groups.windows(2).find(|w| w[0].0 == w[1].0) {
            return Some(Clash::Exclusive {
                group: w[0].0 as usize,
                a: w[0].1,
                b: w[1].1,
            });
        }
        p.mlits
            .chunk_by(|a, b| a.measure == b.measure)
            .find(|lits| !self.measure_agrees(lits[0].measure, &[lits]))
            .map(|lits| Clash::Measure(lits[0].measure))
    }
}

/// Every measure the conditions mention, sorted.
pub fn mentioned_measures(exprs: &[&Expr]) -> Vec<MeasureId> {
    let mut out = Vec::new();
    let mut stack: Vec<&Expr> = exprs.to_vec();
    while let Some(e) = stack.pop() {
        match e {
            Expr::Cmp { measure, .. } | Expr::In { measure, .. } => out.push(*measure),
            Expr::Not(inner) => stack.push(inner),
            Expr::All(es) | Expr::Any(es) => stack.extend(es.iter()),
            Expr::Always | Expr::Fact(_) => {}
        }
    }
    out.sort_unstable();
    out.dedup();
    out
}

/// Whether one patient can satisfy all the conditions, each required true or false.
/// `A => B` holds exactly when `satisfiable([(A, true), (B, false)])` is false.
pub fn satisfiable(space: &Space, constraints: &[(&Expr, bool)]) -> Result<bool, TooComplex> {
    space.sat_all(&[&space.prepare(constraints)])
}

/// The smallest patient satisfying all the conditions (see the module docs for the choice),
/// or `None` when no patient does.
pub fn witness(
    space: &Space,
    constraints: &[(&Expr, bool)],
) -> Result<Option<Patient>, TooComplex> {
    space.witness_all(&[&space.prepare(constraints)])
}

/// Whether every patient for whom `a` holds also satisfies `b`.
pub fn implies(space: &Space, a: &Expr, b: &Expr) -> Result<bool, TooComplex> {
    space.implies(&space.prepare(&[(a, true)]), &space.prepare(&[(b, true)]))
}
