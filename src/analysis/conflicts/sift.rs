//! Cheap checks of whether one rule covers another, worked out ahead of the solver's
//! questions for a block of rules at a time.

use super::*;

/// What [`Checks::covers`] can tell without asking the solver.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) enum Answer {
    No,
    Yes,
    /// Only the solver can tell: see [`Context::covers`].
    Ask,
}

/// Rules whose candidates [`Checks::sift`] works out at a time.
pub(super) const SIFT_BLOCK: usize = 8192;

/// Rules [`Checks::sift`] hands to one task at most.
const SIFT_CHUNK: usize = 1024;

/// Candidates [`Checks::sift`] keeps for one chunk of rules at most. Past it (thousands of
/// rules that may all cover each other), the rest of the chunk is tried one rule at a time.
pub(super) const SIFT_LIMIT: usize = 1 << 17;

/// For rules of a block: the candidates `s` that may cover each, in the order they are tried,
/// with what the cheap checks say about `s` covering the rule and about the rule covering `s`.
pub(super) type Sifted = Ahead<(RuleId, Answer, Answer)>;

/// The read-only parts of the analysis used by the cheap checks between two rules. They have
/// no effect on anything, so they may run ahead of the solver's questions, on any thread.
#[derive(Clone, Copy)]
pub(super) struct Checks<'c, 'm> {
    pub(super) model: &'m Model,
    pub(super) prepared: &'c [Option<Prepared<'m>>],
    pub(super) hot: &'c [Hot],
    pub(super) exercises: &'c RuleExercises,
    pub(super) rank: &'c [u32],
}

impl Checks<'_, '_> {
    pub(super) fn prep(&self, r: RuleId) -> Option<&Prepared<'_>> {
        self.prepared.get(r).and_then(|p| p.as_ref())
    }

    /// Whether a list sorted by exercise name holds exercise `e`. Compares ranks by name
    /// rather than the names themselves.
    pub(super) fn advises(&self, list: &[ExerciseId], e: ExerciseId) -> bool {
        let rank = |x: ExerciseId| self.rank.get(x).copied().unwrap_or(u32::MAX);
        list.binary_search_by_key(&rank(e), |&x| rank(x)).is_ok()
    }

    /// Whether rule `s` covers rule `r`, as far as checks without a search tell: actions,
    /// exercises, doses, the facts `s` requires, and implication between plain conjunctions.
    pub(super) fn covers(&self, space: &Space, s: RuleId, r: RuleId) -> Answer {
        let (hs, hr) = (self.hot[s], self.hot[r]);
        if hs.action != hr.action
            || hr.exercises > hs.exercises
            || (hr.dose != NO_DOSE && hr.dose != hs.dose)
        {
            return Answer::No;
        }
        let (Some(pr), Some(ps)) = (self.prep(r), self.prep(s)) else {
            return Answer::Ask;
        };
        // Between plain conjunctions, every fact `s` requires must be required by `r`: a cheap
        // test that settles most pairs.
        if hr.plain && hs.plain {
            if !hs.signature.may_cover(&hr.signature) {
                return Answer::No;
            }
            if !subset(ps.required_facts(), pr.required_facts()) {
                return Answer::No;
            }
        }
        // A fact `s` requires that `r`'s condition never mentions can be false while `r` fires
        // (a false fact breaks no `exclusive` group), and then `s` does not fire.
        // (Not so when facts imply others: `r` may bring the fact through one it implies.)
        // Between plain conjunctions that passed the test above, r requires (so mentions) every
        // fact `s` requires: no need to walk r's condition.
        let when = &self.model.rules[r].when;
        let walk = !(space.has_implications() || (hr.plain && hs.plain));
        if walk && ps.required_facts().iter().any(|&f| !mentions_fact(when, f)) {
            return Answer::No;
        }
        // `s` must advise every exercise `r` advises: r's exercises found among s's, counted
        // as [`Context::shared`] counts them (r's list is the shorter one here).
        let (xr, xs) = (self.exercises.of(r), self.exercises.of(s));
        let mut last = None;
        let mut shared = 0;
        for &e in xr {
            if self.advises(xs, e) {
                if last != Some(e) {
                    shared += 1;
                }
                last = Some(e);
            }
        }
        if shared != hr.exercises as usize {
            return Answer::No;
        }
        if !(hr.plain && hs.plain) {
            return Answer::Ask;
        }
        // Between plain conjunctions, implication needs no search.
        match space.implies(pr, ps) {
            Ok(true) => Answer::Yes,
            Ok(false) => Answer::No,
            Err(_) => Answer::Ask,
        }
    }

    /// The candidates of each rule of `rules` (listed by `found`) that may cover it, with the
    /// cheap answers both ways. Candidates the cheap checks rule out are left out: trying them
    /// would only have answered no, with no other effect. The rules are sifted in chunks (of a
    /// size that depends on `parallel` only, never on the number of threads), in parallel from
    /// `parallel / 2` rules on; the chunks are put together in rule order.
    pub(super) fn sift<F>(
        self,
        space: &Space,
        limit: usize,
        parallel: usize,
        rules: std::ops::Range<RuleId>,
        found: &F,
        out: &mut Sifted,
    ) where
        F: Fn(&Checks, RuleId, &mut Vec<RuleId>) + Sync,
    {
        out.fill(rules, parallel, SIFT_CHUNK, |part, out| {
            self.sift_into(space, limit, part, found, out)
        });
    }

    /// [`Checks::sift`] on one thread: fills in the spans of `rules` in `out`, until `limit`
    /// more candidates are kept.
    pub(super) fn sift_into<F>(
        &self,
        space: &Space,
        limit: usize,
        rules: std::ops::Range<RuleId>,
        found: &F,
        out: &mut Sifted,
    ) where
        F: Fn(&Checks, RuleId, &mut Vec<RuleId>),
    {
        let limit = out.entries.len().saturating_add(limit);
        let mut list = Vec::new();
        for r in rules {
            if out.entries.len() >= limit {
                return;
            }
            found(self, r, &mut list);
            let from = out.entries.len();
            for &s in &list {
                if s == r {
                    continue;
                }
                let sr = self.covers(space, s, r);
                if sr == Answer::No {
                    continue;
                }
                let rs = if s > r {
                    self.covers(space, r, s)
                } else {
                    Answer::No
                };
                out.entries.push((s, sr, rs));
            }
            if let Some(span) = out.spans.get_mut(r - out.first) {
                *span = Some((from, out.entries.len()));
            }
        }
    }
}

/// Whether a condition mentions a fact anywhere. Depth is bounded by the parser's nesting limit.
pub(super) fn mentions_fact(e: &Expr, f: FactId) -> bool {
    match e {
        Expr::Fact(g) => *g == f,
        Expr::Not(inner) => mentions_fact(inner, f),
        Expr::All(parts) | Expr::Any(parts) => parts.iter().any(|p| mentions_fact(p, f)),
        Expr::Always | Expr::Cmp { .. } | Expr::In { .. } => false,
    }
}
