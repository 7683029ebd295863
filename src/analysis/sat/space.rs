//! The patient space: construction from a model or a bundle's vocabulary, `implies` closed
//! transitively, `excludes` as exclusive groups of two, and the work budgets.

use super::*;

impl Space {
    /// The patient space of a model.
    pub fn new(model: &Model) -> Space {
        Space::of_vocabulary(
            model.exclusives.iter().map(|x| x.members.clone()).collect(),
            &model
                .facts
                .iter()
                .map(|f| f.excludes.clone())
                .collect::<Vec<_>>(),
            &model
                .facts
                .iter()
                .map(|f| f.implies.clone())
                .collect::<Vec<_>>(),
            model.measures.iter().map(|m| (m.min, m.max)).collect(),
        )
    }

    /// The patient space of a vocabulary given by ids: the members of each exclusive group,
    /// and for each fact (one entry per fact) the facts it `excludes` and `implies` as
    /// declared. A bundle's space ([`crate::partial`]) and a model's are built by this one
    /// routine.
    pub fn of_vocabulary(
        exclusive: Vec<Vec<FactId>>,
        excludes: &[Vec<FactId>],
        implies: &[Vec<FactId>],
        ranges: Vec<(Option<f64>, Option<f64>)>,
    ) -> Space {
        // `a excludes b` is an exclusive group of two, after the declared groups (so the
        // declared groups keep their indices); a fact that excludes itself is never possible.
        let mut groups = exclusive;
        let mut excludes_itself = Vec::new();
        for (a, list) in excludes.iter().enumerate() {
            for &b in list {
                if a == b {
                    excludes_itself.push(a);
                } else {
                    groups.push(vec![a, b]);
                }
            }
        }
        let space = Space::from_parts(excludes.len(), groups, ranges);
        if implies.iter().all(Vec::is_empty) && excludes.iter().all(Vec::is_empty) {
            return space;
        }
        space.with_implications(implies, &excludes_itself)
    }

    /// The same space where each fact `f` implies the facts `implies[f]` (transitively), and
    /// where the facts no patient can have are known: those whose implications (with
    /// themselves) break a group or include a fact of `excludes_itself`. Groups of two may
    /// stand for `excludes`.
    pub fn with_implications(
        mut self,
        implies: &[Vec<FactId>],
        excludes_itself: &[FactId],
    ) -> Space {
        let n = self.facts;
        let mut implied = vec![Vec::new(); n];
        for (f, out) in implied.iter_mut().enumerate() {
            let mut seen = vec![false; n];
            let mut todo: Vec<FactId> = implies.get(f).cloned().unwrap_or_default();
            while let Some(g) = todo.pop() {
                if g < n && g != f && !seen[g] {
                    seen[g] = true;
                    out.push(g);
                    todo.extend(implies.get(g).into_iter().flatten().copied());
                }
            }
            out.sort_unstable();
        }
        let mut implied_by = vec![Vec::new(); n];
        for (f, list) in implied.iter().enumerate() {
            for &g in list {
                implied_by[g].push(f);
            }
        }
        self.implied = implied;
        self.implied_by = implied_by;
        self.never = vec![false; n];
        for &f in excludes_itself {
            if f < n {
                self.never[f] = true;
            }
        }
        let never: Vec<bool> = (0..n)
            .map(|f| {
                self.impossible(f)
                    || self.implied(f).iter().any(|&g| self.never[g])
                    || self.never[f]
            })
            .collect();
        self.never = never;
        self
    }

    /// Whether no patient can have fact `f` (see [`Space::impossible`]), as computed once.
    pub fn never(&self, f: FactId) -> bool {
        self.never.get(f).copied().unwrap_or(false)
    }

    /// Whether any fact implies another (or excludes one: then the tables exist, empty).
    pub fn has_implications(&self) -> bool {
        !self.implied.is_empty()
    }

    /// The facts `f` implies, transitively (itself excluded).
    pub fn implied(&self, f: FactId) -> &[FactId] {
        self.implied.get(f).map_or(&[], |v| v.as_slice())
    }

    /// Whether no patient can have fact `f`: the facts it implies (with itself) break an
    /// exclusive group or an `excludes`.
    pub fn impossible(&self, f: FactId) -> bool {
        let mut all: Vec<FactId> = self.implied(f).to_vec();
        all.push(f);
        let mut seen: Vec<u32> = Vec::new();
        for &g in &all {
            for &grp in self.groups_of(g) {
                if seen.contains(&grp) {
                    return true;
                }
                seen.push(grp);
            }
        }
        false
    }

    /// A patient space from its parts: the number of facts, the members of each exclusive group,
    /// and each measure's inclusive range.
    pub fn from_parts(
        facts: usize,
        groups: Vec<Vec<FactId>>,
        ranges: Vec<(Option<f64>, Option<f64>)>,
    ) -> Space {
        let mut groups_of = vec![Vec::new(); facts];
        let groups: Vec<Vec<FactId>> = groups
            .into_iter()
            .map(|mut g| {
                g.sort_unstable();
                g.dedup();
                g
            })
            .collect();
        for (gi, g) in groups.iter().enumerate() {
            for &f in g {
                if let Some(list) = groups_of.get_mut(f) {
                    list.push(gi as u32);
                }
            }
        }
        Space {
            facts,
            groups,
            groups_of,
            ranges,
            implied: Vec::new(),
            implied_by: Vec::new(),
            never: Vec::new(),
            budget: DEFAULT_BUDGET,
            remaining: Remaining::new(DEFAULT_TOTAL_BUDGET),
        }
    }

    /// The same space with another work budget per question.
    pub fn with_budget(mut self, budget: u64) -> Space {
        self.budget = budget;
        self
    }

    /// The same space with another work budget for all questions together.
    pub fn with_total_budget(self, total: u64) -> Space {
        self.remaining.set(total);
        self
    }

    /// Whether the work budget for all questions is used up: every further question that needs
    /// a search is answered with [`TooComplex`].
    pub fn exhausted(&self) -> bool {
        self.remaining.get() == 0
    }

    /// Run a search within both budgets, charging the work it did.
    pub(super) fn run(
        &self,
        problem: &mut Problem,
        minimise: bool,
    ) -> Result<Option<Solution>, TooComplex> {
        let budget = self.budget.min(self.remaining.get());
        let (result, work) = problem.search(budget, minimise);
        self.remaining
            .set(self.remaining.get().saturating_sub(work));
        result
    }

    pub fn fact_count(&self) -> usize {
        self.facts
    }

    pub fn groups(&self) -> &[Vec<FactId>] {
        &self.groups
    }

    pub(super) fn range(&self, m: MeasureId) -> (Option<f64>, Option<f64>) {
        self.ranges.get(m).copied().unwrap_or((None, None))
    }

    pub(super) fn admits(&self, m: MeasureId, v: f64) -> bool {
        let (lo, hi) = self.range(m);
        v.is_finite() && lo.is_none_or(|lo| v >= lo) && hi.is_none_or(|hi| v <= hi)
    }

    pub(super) fn groups_of(&self, f: FactId) -> &[u32] {
        self.groups_of.get(f).map_or(&[], |g| g.as_slice())
    }
}

impl Space {
    /// The facts whose value fixing `f` can constrain: those it implies or is implied by, and
    /// those that cannot hold with it (another member of an exclusive group or `excludes` of
    /// `f` or of a fact `f` implies, and every fact implying one of those). Fixing `f`
    /// constrains no other fact directly.
    pub fn linked(&self, f: FactId) -> Vec<FactId> {
        let mut out: Vec<FactId> = self.implied(f).to_vec();
        if let Some(by) = self.implied_by.get(f) {
            out.extend(by);
        }
        let mut holds: Vec<FactId> = self.implied(f).to_vec();
        holds.push(f);
        for &a in &holds {
            for &g in self.groups_of(a) {
                for &b in &self.groups[g as usize] {
                    if b != a {
                        out.push(b);
                        if let Some(by) = self.implied_by.get(b) {
                            out.extend(by);
                        }
                    }
                }
            }
        }
        out.retain(|&g| g != f);
        out.sort_unstable();
        out.dedup();
        out
    }

    /// One value inside each region of measure `m`'s range cut at `thresholds` (the regions of
    /// the search: points and the open intervals between them), in ascending order. Every
    /// comparison against those thresholds has one truth value throughout a region.
    pub fn region_values(&self, m: MeasureId, thresholds: &[f64]) -> Vec<f64> {
        let mut points = thresholds.to_vec();
        self.regions(m, &mut points)
            .into_iter()
            .map(|r| r.rep)
            .collect()
    }
}
