//! The partners of each rule in the clash pass (E010, W004), found a block of rules ahead.
//!
//! Walking the index for each rule's later partners on its exercises, and the cheap tests that
//! rule most of them out, read only the per-rule tables and never touch the work budget. So
//! they run ahead of the pair checks, in parallel for a large ruleset, and each rule's partners
//! are kept in the order the walk meets them: the pair checks then ask the same questions in
//! the same order as walking and checking one rule after the other.

use std::sync::Mutex;

use super::*;

/// Rules whose partners are found at a time.
pub(super) const PARTNER_BLOCK: usize = 8192;

/// Rules one parallel task handles at most.
const PARTNER_CHUNK: usize = 1024;

/// One partner of a rule: the later rule, the kind of clash, and whether the cheap tests
/// already showed that no patient fires both (only between plain conjunctions).
#[derive(Clone, Copy, Debug)]
pub(super) struct Partner {
    pub(super) rule: u32,
    pub(super) kind: ConflictKind,
    pub(super) apart: bool,
}

/// The partners of the rules of a block; `None` for rules left out (see [`SIFT_LIMIT`]).
pub(super) type Partners = Ahead<Partner>;

/// For each thread, a mark per rule: the last rule whose walk met it. A rule meets a partner
/// through each exercise they share; the mark keeps the first meeting only. Rule numbers are
/// unique, so a thread's marks serve every rule it walks.
pub(super) struct Marks(Vec<Mutex<Vec<u32>>>);

impl Marks {
    pub(super) fn new() -> Marks {
        let threads = rayon::current_num_threads().max(1);
        Marks((0..threads).map(|_| Mutex::new(Vec::new())).collect())
    }

    /// The marks of the thread running this, sized for `rules` rules.
    fn with<R>(&self, rules: usize, f: impl FnOnce(&mut Vec<u32>) -> R) -> R {
        let i = rayon::current_thread_index().unwrap_or(0) % self.0.len();
        // Each thread takes only its own marks, and nothing run under the lock hands work to
        // rayon, so the lock is always free; were it not, fresh marks would do, only slower.
        // Marks left by a panicking walk are harmless: they only skip repeats within one
        // rule's walk, and rule numbers never repeat.
        let mut own = Vec::new();
        let mut guard = match self.0[i].try_lock() {
            Ok(guard) => Some(guard),
            Err(std::sync::TryLockError::Poisoned(e)) => Some(e.into_inner()),
            Err(std::sync::TryLockError::WouldBlock) => None,
        };
        let marks = match guard.as_deref_mut() {
            Some(marks) => marks,
            None => &mut own,
        };
        if marks.len() < rules {
            marks.resize(rules, u32::MAX);
        }
        f(marks)
    }
}

impl Checks<'_, '_> {
    /// The partners of rule `i` in the clash pass: the later active rules on its exercises
    /// whose action clashes with its own, each once, whose signature does not already rule
    /// the pair out; appended to `out`.
    fn partners_of(
        &self,
        space: &Space,
        index: &ByExercise<u32>,
        active: &[bool],
        marks: &mut [u32],
        i: RuleId,
        out: &mut Vec<Partner>,
    ) {
        if !active.get(i).copied().unwrap_or(false) {
            return;
        }
        let Hot {
            signature,
            action,
            plain,
            ..
        } = self.hot[i];
        let exercises = self.exercises.of(i);
        // A rule on one exercise meets each partner once: no marks needed.
        let single = exercises.len() == 1;
        for &e in exercises {
            for a in Action::ALL {
                let Some(kind) = clash(action, a) else {
                    continue;
                };
                let list = index.list(e, slot(a));
                let start = list.partition_point(|&j| j as usize <= i);
                for &j in &list[start..] {
                    let ju = j as usize;
                    if !single {
                        if marks[ju] == i as u32 {
                            continue;
                        }
                        marks[ju] = i as u32;
                    }
                    let hot = &self.hot[ju];
                    if signature.disjoint(&hot.signature) {
                        continue;
                    }
                    // Between plain conjunctions the literals settle the question without a
                    // search (so without touching the work budget).
                    let apart = plain
                        && hot.plain
                        && match (self.prep(i), self.prep(ju)) {
                            (Some(p), Some(q)) => space.sat_all(&[p, q]) == Ok(false),
                            _ => false,
                        };
                    out.push(Partner {
                        rule: j,
                        kind,
                        apart,
                    });
                }
            }
        }
    }

    /// Rule `i`'s partners alone, into `out` (cleared first): for a rule left out of
    /// [`Checks::partners`]. `marks` is kept by the caller from one rule to the next.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn partners_one(
        &self,
        space: &Space,
        index: &ByExercise<u32>,
        active: &[bool],
        marks: &mut Vec<u32>,
        i: RuleId,
        out: &mut Vec<Partner>,
    ) {
        out.clear();
        if marks.len() < active.len() {
            marks.resize(active.len(), u32::MAX);
        }
        self.partners_of(space, index, active, marks, i, out);
    }

    /// The partners of each rule of `rules` (see [`Checks::partners_of`]), into `out`. The
    /// rules are taken in chunks whose size depends on `parallel` only, never on the number of
    /// threads, in parallel from `parallel / 2` rules on, and put together in rule order. A
    /// chunk stops once it holds `limit` partners (thousands of rules all clashing with each
    /// other); the rules after are left out, to be walked one at a time. `marks` are kept by
    /// the caller from one block to the next.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn partners(
        self,
        space: &Space,
        index: &ByExercise<u32>,
        active: &[bool],
        marks: &Marks,
        limit: usize,
        parallel: usize,
        rules: std::ops::Range<RuleId>,
        out: &mut Partners,
    ) {
        let n = active.len();
        let walk = |part: std::ops::Range<RuleId>, out: &mut Partners| {
            let limit = out.entries.len().saturating_add(limit);
            marks.with(n, |marks| {
                for i in part {
                    if out.entries.len() >= limit {
                        return;
                    }
                    let from = out.entries.len();
                    self.partners_of(space, index, active, marks, i, &mut out.entries);
                    if let Some(span) = out.spans.get_mut(i - out.first) {
                        *span = Some((from, out.entries.len()));
                    }
                }
            })
        };
        out.fill(rules, parallel, PARTNER_CHUNK, walk);
    }
}
