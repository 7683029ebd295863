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

use crate::model::{CmpOp, Expr, FactId, MeasureId, Model, Patient};

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
    remaining: std::cell::Cell<u64>,
}

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
        // declared groups keep their indices).
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
            remaining: std::cell::Cell::new(DEFAULT_TOTAL_BUDGET),
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
    fn run(&self, problem: &mut Problem, minimise: bool) -> Result<Option<Solution>, TooComplex> {
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

    fn range(&self, m: MeasureId) -> (Option<f64>, Option<f64>) {
        self.ranges.get(m).copied().unwrap_or((None, None))
    }

    fn admits(&self, m: MeasureId, v: f64) -> bool {
        let (lo, hi) = self.range(m);
        v.is_finite() && lo.is_none_or(|lo| v >= lo) && hi.is_none_or(|hi| v <= hi)
    }

    fn groups_of(&self, f: FactId) -> &[u32] {
        self.groups_of.get(f).map_or(&[], |g| g.as_slice())
    }

    /// Flatten conditions (each required true or false) into literals plus the sub-conditions
    /// that are not literals. Done once per rule; the result answers many questions cheaply.
    pub fn prepare<'a>(&self, constraints: &[(&'a Expr, bool)]) -> Prepared<'a> {
        let mut p = Prepared {
            src: Src::new(constraints),
            ..Prepared::default()
        };
        let mut stack = Stack::default();
        stack.extend(constraints.iter().rev().copied());
        while let Some((e, want)) = stack.pop() {
            match e {
                Expr::Always => p.unsat |= !want,
                Expr::Fact(f) => {
                    if want {
                        p.pos.push(*f)
                    } else {
                        p.neg.push(*f)
                    }
                }
                Expr::Cmp { measure, op, value } => p.mlits.push(MLit {
                    measure: *measure,
                    test: Test::Cmp(*op, *value),
                    positive: want,
                }),
                Expr::In { measure, lo, hi } => p.mlits.push(MLit {
                    measure: *measure,
                    test: Test::In(*lo, *hi),
                    positive: want,
                }),
                Expr::Not(inner) => stack.push((inner, !want)),
                Expr::All(es) if want => stack.extend(es.iter().rev().map(|e| (e, true))),
                Expr::Any(es) if !want => stack.extend(es.iter().rev().map(|e| (e, false))),
                Expr::Any(es) if es.iter().all(|x| matches!(x, Expr::Fact(_))) => {
                    let mut facts: Vec<FactId> = es
                        .iter()
                        .filter_map(|x| {
                            if let Expr::Fact(f) = x {
                                Some(*f)
                            } else {
                                None
                            }
                        })
                        .collect();
                    facts.sort_unstable();
                    facts.dedup();
                    let extra = p.extra_mut();
                    extra.clauses.push(facts);
                    extra.rest.push((e, want));
                }
                Expr::All(_) | Expr::Any(_) => p.extra_mut().rest.push((e, want)),
            }
        }
        self.propagate(&mut p.pos, &mut p.neg);
        p.pos.sort_unstable();
        p.pos.dedup();
        p.neg.sort_unstable();
        p.neg.dedup();
        if p.pos.iter().any(|&f| self.never(f)) {
            p.unsat = true;
        }
        p.mlits.sort_by_key(|l| l.measure);
        p.mlits.dedup();
        p.pos_groups = p
            .pos
            .iter()
            .flat_map(|&f| self.groups_of(f).iter().map(move |&g| (g, f)))
            .collect();
        p.pos_groups.sort_unstable();
        if intersects(&p.pos, &p.neg) || p.pos_groups.windows(2).any(|w| w[0].0 == w[1].0) {
            p.unsat = true;
        }
        // Each measure's own tests must admit a value (or unknown); later questions then only
        // look at measures that two parts both test.
        if !p.unsat
            && p.mlits
                .chunk_by(|a, b| a.measure == b.measure)
                .any(|lits| !self.measure_agrees(lits[0].measure, &[lits]))
        {
            p.unsat = true;
        }
        p
    }

    /// Required facts bring the facts they imply; forbidden facts forbid the facts that imply
    /// them. With this, a plain conjunction's literals decide it exactly (its smallest patient
    /// has exactly the required facts).
    fn propagate(&self, pos: &mut Vec<FactId>, neg: &mut Vec<FactId>) {
        if !self.has_implications() {
            return;
        }
        let extra: Vec<FactId> = pos.iter().flat_map(|&f| self.implied(f)).copied().collect();
        pos.extend(extra);
        let extra: Vec<FactId> = neg
            .iter()
            .flat_map(|&f| self.implied_by.get(f).into_iter().flatten())
            .copied()
            .collect();
        neg.extend(extra);
    }

    /// The signature of a prepared condition: see [`Signature`].
    pub fn signature(&self, p: &Prepared) -> Signature {
        let mut sig = Signature {
            pos_bits: p.pos.iter().fold(0, |bits, &f| bits | bit(f)),
            neg_bits: p.neg.iter().fold(0, |bits, &f| bits | bit(f)),
            ..Signature::default()
        };
        for &(g, f) in p.pos_groups.iter().take(2) {
            sig.exclusive[sig.exclusive_len as usize] = (g, f as u32);
            sig.exclusive_len += 1;
        }
        if let Some(first) = p.mlits.iter().find(|l| l.positive) {
            let m = first.measure;
            let (lo, hi) = self.range(m);
            let start = Hull {
                measure: m as u32,
                lo: lo.unwrap_or(f64::NEG_INFINITY),
                lo_closed: true,
                hi: hi.unwrap_or(f64::INFINITY),
                hi_closed: true,
            };
            sig.hull = p
                .mlits
                .iter()
                .filter(|l| l.measure == m && l.positive)
                .try_fold(start, |h, l| h.narrow(l.test))
                .filter(|h| !(h.lo.is_nan() || h.hi.is_nan()));
        }
        sig
    }

    /// Whether one patient satisfies every prepared part at once.
    pub fn sat_all(&self, parts: &[&Prepared]) -> Result<bool, TooComplex> {
        if !self.literals_agree(parts) {
            return Ok(false);
        }
        if parts.iter().all(|p| p.rest().is_empty()) {
            return Ok(true);
        }
        let mut problem = Problem::build(self, sources(parts))?;
        Ok(self.run(&mut problem, false)?.is_some())
    }

    /// The smallest patient satisfying every prepared part, if there is one.
    pub fn witness_all(&self, parts: &[&Prepared]) -> Result<Option<Patient>, TooComplex> {
        self.patient_for(parts, true)
    }

    /// A patient satisfying every prepared part: the smallest when `minimal`, else the first the
    /// search finds. Plain conjunctions that agree need no search.
    fn patient_for(
        &self,
        parts: &[&Prepared],
        minimal: bool,
    ) -> Result<Option<Patient>, TooComplex> {
        if !self.literals_agree(parts) {
            return Ok(None);
        }
        if parts
            .iter()
            .all(|p| p.rest().is_empty() && p.own().is_empty())
        {
            return Ok(Some(self.plain_witness(parts)));
        }
        let mut problem = Problem::build(self, sources(parts))?;
        Ok(self.run(&mut problem, minimal)?.map(|s| {
            if minimal {
                problem.patient(s)
            } else {
                problem.raw_patient(s)
            }
        }))
    }

    /// The witness of plain conjunctions that agree, without search: the required facts, and for
    /// each measure tested the value the search would choose (measures are independent here, so
    /// this is the same patient [`Problem::patient`] builds).
    fn plain_witness(&self, parts: &[&Prepared]) -> Patient {
        let mut facts: Vec<FactId> = parts.iter().flat_map(|p| p.pos.iter().copied()).collect();
        facts.sort_unstable();
        facts.dedup();
        let mut lits: Vec<MLit> = parts.iter().flat_map(|p| p.mlits.iter().copied()).collect();
        lits.sort_by_key(|l| l.measure);
        let mut measures = Vec::new();
        for chunk in lits.chunk_by(|a, b| a.measure == b.measure) {
            let m = chunk[0].measure;
            let mut points: Vec<f64> = chunk.iter().flat_map(|l| l.test.thresholds()).collect();
            let regions = self.regions(m, &mut points);
            let valid: Vec<bool> = regions
                .iter()
                .map(|r| chunk.iter().all(|l| l.holds(Some(r.rep))))
                .collect();
            if let Some((_, v)) = choose_value(&regions, &valid) {
                measures.push((m, v));
            }
        }
        Patient { facts, measures }
    }

    /// Some patient satisfying every prepared part (not necessarily the smallest; cheaper than
    /// [`Space::witness_all`]), or `None` when no patient does.
    pub fn example(&self, parts: &[&Prepared]) -> Result<Option<Patient>, TooComplex> {
        self.patient_for(parts, false)
    }

    /// Whether every patient satisfying `a` also satisfies `b`.
    pub fn implies(&self, a: &Prepared, b: &Prepared) -> Result<bool, TooComplex> {
        if a.rest().is_empty() && b.rest().is_empty() {
            return Ok(self.implies_plain(a, b));
        }
        if b.rest().is_empty() {
            // `a and not b` is satisfiable exactly when `a` is satisfiable together with the
            // negation of one of b's literals.
            if b.unsat {
                return Ok(!self.sat_all(&[a])?);
            }
            let negated = b
                .pos
                .iter()
                .map(|&f| Prepared::fact(self, f, false))
                .chain(b.neg.iter().map(|&f| Prepared::fact(self, f, true)))
                .chain(b.mlits.iter().map(|l| Prepared::mlit(l.negated())));
            for n in negated {
                if self.sat_all(&[a, &n])? {
                    return Ok(false);
                }
            }
            return Ok(true);
        }
        // b's parts are required together; `not b` is the negation of their conjunction.
        let all_b: Vec<Expr>;
        let negated: Expr;
        let not_b: (&Expr, bool) = if let [(e, want)] = b.constraints() {
            (e, !want)
        } else {
            all_b = b
                .constraints()
                .iter()
                .map(|&(e, want)| {
                    if want {
                        e.clone()
                    } else {
                        Expr::Not(Box::new(e.clone()))
                    }
                })
                .collect();
            negated = Expr::All(all_b);
            (&negated, false)
        };
        let mut constraints = a.constraints().to_vec();
        constraints.push(not_b);
        let p = self.prepare(&constraints);
        Ok(!self.sat_all(&[&p])?)
    }

    /// Implication between two plain conjunctions of literals, without search or allocation.
    /// `a and not l` is unsatisfiable, for a satisfiable `a` and a literal `l` of `b`, exactly when:
    /// `l` is a fact `f` that `a` requires; `l` is `not f` and `a` forbids `f` or requires
    /// another member of an exclusive group of `f`; `l` is a measure test whose negation no value
    /// (or unknown) admits together with a's tests on that measure.
    fn implies_plain(&self, a: &Prepared, b: &Prepared) -> bool {
        if !self.literals_agree(&[a]) {
            return true; // nothing satisfies `a`
        }
        if b.unsat {
            return false;
        }
        if b.pos.iter().any(|f| a.pos.binary_search(f).is_err()) {
            return false;
        }
        let clashes = |f: FactId| {
            self.groups_of(f).iter().any(|g| {
                let start = a.pos_groups.partition_point(|&(h, _)| h < *g);
                a.pos_groups[start..]
                    .iter()
                    .take_while(|&&(h, _)| h == *g)
                    .any(|&(_, other)| other != f)
            })
        };
        let excluded = |f: FactId| {
            a.neg.binary_search(&f).is_ok()
                || clashes(f)
                || (self.has_implications()
                    && (self.never(f) || self.implied(f).iter().any(|&g| clashes(g))))
        };
        if !b.neg.iter().all(|&f| excluded(f)) {
            return false;
        }
        b.mlits.iter().all(|l| {
            let start = a.mlits.partition_point(|x| x.measure < l.measure);
            let end = a.mlits.partition_point(|x| x.measure <= l.measure);
            let negated = [l.negated()];
            !self.measure_agrees(l.measure, &[&a.mlits[start..end], &negated])
        })
    }

    /// The literal parts of all `parts` can hold together.
    fn literals_agree(&self, parts: &[&Prepared]) -> bool {
        match parts {
            [] => return true,
            [one] => return !one.unsat && (one.clauses().is_empty() || !self.clause_fails(&[one])),
            [a, b] => return self.two_agree(a, b),
            _ => {}
        }
        if parts.iter().any(|p| p.unsat) {
            return false;
        }
        for (i, a) in parts.iter().enumerate() {
            for b in &parts[i + 1..] {
                if intersects(&a.pos, &b.neg)
                    || intersects(&b.pos, &a.neg)
                    || group_clash(&a.pos_groups, &b.pos_groups)
                {
                    return false;
                }
            }
        }
        if self.clause_fails(parts) {
            return false;
        }
        if parts.iter().all(|p| p.mlits.is_empty()) {
            return true;
        }
        // Measures: walk every part's literals, sorted by measure, one measure at a time.
        // (Fixed arrays for the usual two or three parts: this runs for every pair of rules.)
        const FEW: usize = 4;
        let mut at_small = [0usize; FEW];
        let mut at_large = Vec::new();
        let at: &mut [usize] = if parts.len() <= FEW {
            &mut at_small[..parts.len()]
        } else {
            at_large.resize(parts.len(), 0);
            &mut at_large
        };
        loop {
            let next = parts
                .iter()
                .zip(at.iter())
                .filter_map(|(p, &i)| p.mlits.get(i).map(|l| l.measure))
                .min();
            let Some(m) = next else { return true };
            let mut small: [&[MLit]; FEW] = [&[]; FEW];
            let mut large: Vec<&[MLit]> = Vec::new();
            for (k, (p, i)) in parts.iter().zip(at.iter_mut()).enumerate() {
                let start = *i;
                while p.mlits.get(*i).is_some_and(|l| l.measure == m) {
                    *i += 1;
                }
                let slice = &p.mlits[start..*i];
                if parts.len() <= FEW {
                    small[k] = slice;
                } else {
                    large.push(slice);
                }
            }
            let slices = if parts.len() <= FEW {
                &small[..parts.len()]
            } else {
                &large[..]
            };
            // A measure only one part tests agrees already: each part was checked on its own.
            if slices.iter().filter(|s| !s.is_empty()).count() >= 2
                && !self.measure_agrees(m, slices)
            {
                return false;
            }
        }
    }

    /// Whether fact `f` must be false for any patient meeting the literals of `parts`: one of
    /// them forbids it, or requires another member of one of its exclusive groups.
    fn blocked(&self, f: FactId, parts: &[&Prepared]) -> bool {
        if self.never(f) {
            return true;
        }
        parts.iter().any(|p| {
            p.neg.binary_search(&f).is_ok()
                || self.groups_of(f).iter().any(|g| {
                    let start = p.pos_groups.partition_point(|&(h, _)| h < *g);
                    p.pos_groups[start..]
                        .iter()
                        .take_while(|&&(h, _)| h == *g)
                        .any(|&(_, other)| other != f)
                })
        })
    }

    /// Some "at least one of these facts" clause of `parts` has every fact blocked.
    fn clause_fails(&self, parts: &[&Prepared]) -> bool {
        parts
            .iter()
            .flat_map(|p| p.clauses().iter())
            .any(|c| c.iter().all(|&f| self.blocked(f, parts)))
    }

    /// Whether the literals of two prepared conditions can hold together (and their "one of
    /// these facts" clauses are not ruled out by them). `false` proves the conditions
    /// incompatible; `true` proves it only for plain conjunctions.
    pub fn compatible(&self, a: &Prepared, b: &Prepared) -> bool {
        self.two_agree(a, b)
    }

    /// [`Space::literals_agree`] for two parts: the question asked for every pair of rules.
    fn two_agree(&self, a: &Prepared, b: &Prepared) -> bool {
        if a.unsat
            || b.unsat
            || intersects(&a.pos, &b.neg)
            || intersects(&b.pos, &a.neg)
            || group_clash(&a.pos_groups, &b.pos_groups)
        {
            return false;
        }
        if !(a.clauses().is_empty() && b.clauses().is_empty()) && self.clause_fails(&[a, b]) {
            return false;
        }
        let (x, y) = (&a.mlits, &b.mlits);
        let (mut i, mut j) = (0, 0);
        while i < x.len() && j < y.len() {
            let (m, n) = (x[i].measure, y[j].measure);
            if m < n {
                i += 1;
            } else if n < m {
                j += 1;
            } else {
                let ei = i + x[i..].iter().take_while(|l| l.measure == m).count();
                let ej = j + y[j..].iter().take_while(|l| l.measure == m).count();
                if !self.measure_agrees(m, &[&x[i..ei], &y[j..ej]]) {
                    return false;
                }
                (i, j) = (ei, ej);
            }
        }
        true
    }

    /// Some value (or unknown) of measure `m` passes every literal in `slices`. The same regions
    /// as [`Space::regions`], walked without allocating for up to 24 thresholds.
    fn measure_agrees(&self, m: MeasureId, slices: &[&[MLit]]) -> bool {
        let lits = || slices.iter().flat_map(|s| s.iter());
        if lits().all(|l| !l.positive) {
            return true; // unknown satisfies every negated test
        }
        let (lo, hi) = self.range(m);
        let mut small = [0f64; 24];
        let mut count = 0;
        let mut large = Vec::new();
        for p in lits().flat_map(|l| l.test.thresholds()).chain(lo).chain(hi) {
            if !p.is_finite() {
                continue;
            }
            if count < small.len() {
                small[count] = p;
                count += 1;
            } else {
                large.push(p);
            }
        }
        let points: &mut [f64] = if large.is_empty() {
            &mut small[..count]
        } else {
            large.extend_from_slice(&small[..count]);
            &mut large
        };
        points.sort_unstable_by(f64::total_cmp);
        let ok = |v: f64| self.admits(m, v) && lits().all(|l| l.holds(Some(v)));
        let Some(&first) = points.first() else {
            return ok(0.0);
        };
        if below(first).is_some_and(ok) {
            return true;
        }
        for (i, &p) in points.iter().enumerate() {
            if ok(p) {
                return true;
            }
            let next = points[i + 1..].iter().copied().find(|&q| q != p);
            let rep = match next {
                Some(q) => between(p, q),
                None if points[i + 1..].is_empty() => above(p),
                None => None, // duplicates of p follow; the last one checks above
            };
            if rep.is_some_and(ok) {
                return true;
            }
        }
        false
    }

    /// Cut measure `m`'s range at `points` (any order, duplicates allowed) into regions.
    fn regions(&self, m: MeasureId, points: &mut Vec<f64>) -> Vec<Region> {
        let (lo, hi) = self.range(m);
        points.extend(lo);
        points.extend(hi);
        points.retain(|p| p.is_finite());
        points.sort_by(f64::total_cmp);
        points.dedup();
        let mut out = Vec::with_capacity(points.len() * 2 + 1);
        let mut push = |r: Region| {
            if self.admits(m, r.rep) {
                out.push(r);
            }
        };
        match points.first() {
            None => push(Region {
                lo: f64::NEG_INFINITY,
                hi: f64::INFINITY,
                rep: 0.0,
            }),
            Some(&first) => {
                if let Some(rep) = below(first) {
                    push(Region {
                        lo: f64::NEG_INFINITY,
                        hi: first,
                        rep,
                    });
                }
                for (i, &p) in points.iter().enumerate() {
                    push(Region {
                        lo: p,
                        hi: p,
                        rep: p,
                    });
                    let next = points.get(i + 1).copied();
                    let rep = match next {
                        Some(n) => between(p, n),
                        None => above(p),
                    };
                    if let Some(rep) = rep {
                        push(Region {
                            lo: p,
                            hi: next.unwrap_or(f64::INFINITY),
                            rep,
                        });
                    }
                }
            }
        }
        out
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

/// Conditions flattened for fast questions: see [`Space::prepare`].
#[derive(Clone, Debug, Default)]
pub struct Prepared<'a> {
    /// The conditions as given.
    src: Src<'a>,
    /// A literal `false` or an internal clash among the literals: nothing satisfies this.
    unsat: bool,
    /// Facts required true / false, sorted.
    pos: Vec<FactId>,
    neg: Vec<FactId>,
    /// (exclusive group, fact) for every required-true fact, sorted.
    pos_groups: Vec<(u32, FactId)>,
    /// Measure tests, sorted by measure.
    mlits: Vec<MLit>,
    /// What few conditions have: kept apart so that the record of every rule stays small.
    extra: Option<Box<Extra<'a>>>,
}

/// The parts of a [`Prepared`] that a plain conjunction of literals does not have.
#[derive(Clone, Debug, Default)]
struct Extra<'a> {
    /// Sub-conditions that are not literals.
    rest: Vec<(&'a Expr, bool)>,
    /// Those of `rest` that say "at least one of these facts" (`a or b or c`), sorted facts:
    /// a cheap test proves many conjunctions with them unsatisfiable without search.
    clauses: Vec<Vec<FactId>>,
    /// Conditions made up by the solver itself (a negated literal), in addition to `src`.
    own: Vec<(Expr, bool)>,
}

/// The conditions a [`Prepared`] was made from. Each rule's condition is prepared on its own,
/// so the usual single condition is kept in place instead of in a list of its own.
#[derive(Clone, Debug)]
enum Src<'a> {
    One((&'a Expr, bool)),
    Many(Vec<(&'a Expr, bool)>),
}

impl<'a> Src<'a> {
    fn new(constraints: &[(&'a Expr, bool)]) -> Src<'a> {
        match constraints {
            [one] => Src::One(*one),
            _ => Src::Many(constraints.to_vec()),
        }
    }
}

impl Default for Src<'_> {
    fn default() -> Self {
        Src::Many(Vec::new())
    }
}

/// The work list of [`Space::prepare`]: its first entries are kept in place, so flattening a
/// typical condition (a conjunction of a few literals) allocates nothing for it.
struct Stack<'a> {
    few: [(&'a Expr, bool); STACK_FEW],
    len: usize,
    more: Vec<(&'a Expr, bool)>,
}

/// Entries a [`Stack`] keeps in place.
const STACK_FEW: usize = 16;

impl Default for Stack<'_> {
    fn default() -> Self {
        static FILLER: Expr = Expr::Always;
        Stack {
            few: [(&FILLER, true); STACK_FEW],
            len: 0,
            more: Vec::new(),
        }
    }
}

impl<'a> Stack<'a> {
    fn push(&mut self, item: (&'a Expr, bool)) {
        if self.len < STACK_FEW {
            self.few[self.len] = item;
            self.len += 1;
        } else {
            self.more.push(item);
        }
    }

    fn pop(&mut self) -> Option<(&'a Expr, bool)> {
        if let Some(item) = self.more.pop() {
            return Some(item);
        }
        self.len = self.len.checked_sub(1)?;
        Some(self.few[self.len])
    }

    fn extend(&mut self, items: impl IntoIterator<Item = (&'a Expr, bool)>) {
        for item in items {
            self.push(item);
        }
    }
}

/// A fixed-size summary of a prepared condition's literals, kept next to other per-rule data so
/// that most pairs of rules are settled without following a pointer:
/// * a 64-bit Bloom filter of the required and of the forbidden facts;
/// * the first two (exclusive group, fact) requirements;
/// * for the first measure it tests positively, the smallest interval holding every value those
///   tests (and the measure's range) admit.
///
/// Every part is implied by the literals, so it may prove two conditions incompatible
/// ([`Signature::disjoint`]) or a fact set not included in another ([`Signature::may_cover`]),
/// never the opposite.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Signature {
    pos_bits: u64,
    neg_bits: u64,
    exclusive: [(u32, u32); 2],
    exclusive_len: u8,
    hull: Option<Hull>,
}

/// An interval of a measure's values: ends with an inclusion flag, possibly infinite.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Hull {
    measure: u32,
    lo: f64,
    lo_closed: bool,
    hi: f64,
    hi_closed: bool,
}

impl Hull {
    /// No value lies in both.
    fn disjoint(&self, other: &Hull) -> bool {
        let before =
            |a: &Hull, b: &Hull| a.hi < b.lo || (a.hi == b.lo && !(a.hi_closed && b.lo_closed));
        self.measure == other.measure && (before(self, other) || before(other, self))
    }

    /// Narrow to the values a test admits; `None` when the test cannot be summed up this way.
    fn narrow(mut self, test: Test) -> Option<Hull> {
        let (lo, lo_closed, hi, hi_closed) = match test {
            Test::Cmp(_, v) | Test::In(v, _) if v.is_nan() => return None,
            Test::In(_, v) if v.is_nan() => return None,
            Test::Cmp(CmpOp::Lt, v) => (f64::NEG_INFINITY, false, v, false),
            Test::Cmp(CmpOp::Le, v) => (f64::NEG_INFINITY, false, v, true),
            Test::Cmp(CmpOp::Gt, v) => (v, false, f64::INFINITY, false),
            Test::Cmp(CmpOp::Ge, v) => (v, true, f64::INFINITY, false),
            Test::Cmp(CmpOp::Eq, v) => (v, true, v, true),
            Test::Cmp(CmpOp::Ne, _) => return Some(self),
            Test::In(lo, hi) => (lo, true, hi, true),
        };
        if lo > self.lo || (lo == self.lo && !lo_closed) {
            (self.lo, self.lo_closed) = (lo, lo_closed);
        }
        if hi < self.hi || (hi == self.hi && !hi_closed) {
            (self.hi, self.hi_closed) = (hi, hi_closed);
        }
        Some(self)
    }
}

fn bit(f: FactId) -> u64 {
    1u64 << ((f.wrapping_mul(0x9E37_79B9) >> 7) & 63)
}

impl Signature {
    /// The two conditions cannot hold for one patient (a `false` proves nothing).
    pub fn disjoint(&self, other: &Signature) -> bool {
        let a = &self.exclusive[..self.exclusive_len as usize];
        let b = &other.exclusive[..other.exclusive_len as usize];
        if a.iter()
            .any(|&(g, f)| b.iter().any(|&(h, e)| g == h && f != e))
        {
            return true;
        }
        matches!((&self.hull, &other.hull), (Some(x), Some(y)) if x.disjoint(y))
    }

    /// Whether `self`'s required facts may all be among `other`'s (`false` proves they are not).
    pub fn may_cover(&self, other: &Signature) -> bool {
        self.pos_bits & !other.pos_bits == 0
    }
}

impl<'a> Prepared<'a> {
    /// Whether the conditions are a plain conjunction of literals (decided without search).
    pub fn is_simple(&self) -> bool {
        self.rest().is_empty()
    }

    /// Sub-conditions that are not literals.
    fn rest(&self) -> &[(&'a Expr, bool)] {
        self.extra.as_ref().map_or(&[], |x| &x.rest)
    }

    /// The "at least one of these facts" clauses among [`Prepared::rest`].
    fn clauses(&self) -> &[Vec<FactId>] {
        self.extra.as_ref().map_or(&[], |x| &x.clauses)
    }

    /// Conditions made up by the solver itself.
    fn own(&self) -> &[(Expr, bool)] {
        self.extra.as_ref().map_or(&[], |x| &x.own)
    }

    fn extra_mut(&mut self) -> &mut Extra<'a> {
        self.extra.get_or_insert_with(Box::default)
    }

    /// Whether the literals alone already rule out every patient.
    pub fn is_trivially_unsat(&self) -> bool {
        self.unsat
    }

    /// The conditions as given.
    pub fn constraints(&self) -> &[(&'a Expr, bool)] {
        match &self.src {
            Src::One(one) => std::slice::from_ref(one),
            Src::Many(many) => many,
        }
    }

    /// Facts the conditions require outright (top-level literals), sorted.
    pub fn required_facts(&self) -> &[FactId] {
        &self.pos
    }

    fn fact(space: &Space, f: FactId, want: bool) -> Prepared<'static> {
        let mut p = Prepared {
            extra: Some(Box::new(Extra {
                own: vec![(Expr::Fact(f), want)],
                ..Extra::default()
            })),
            ..Prepared::default()
        };
        if want {
            p.pos.push(f);
        } else {
            p.neg.push(f);
        }
        space.propagate(&mut p.pos, &mut p.neg);
        p.pos.sort_unstable();
        p.pos.dedup();
        p.neg.sort_unstable();
        p.neg.dedup();
        p.pos_groups = p
            .pos
            .iter()
            .flat_map(|&f| space.groups_of(f).iter().map(move |&g| (g, f)))
            .collect();
        p.pos_groups.sort_unstable();
        p.unsat = intersects(&p.pos, &p.neg)
            || p.pos_groups.windows(2).any(|w| w[0].0 == w[1].0)
            || p.pos.iter().any(|&f| space.never(f));
        p
    }

    fn mlit(l: MLit) -> Prepared<'static> {
        let measure = l.measure;
        let expr = match l.test {
            Test::Cmp(op, value) => Expr::Cmp { measure, op, value },
            Test::In(lo, hi) => Expr::In { measure, lo, hi },
        };
        Prepared {
            extra: Some(Box::new(Extra {
                own: vec![(expr, l.positive)],
                ..Extra::default()
            })),
            mlits: vec![l],
            ..Prepared::default()
        }
    }
}

fn sources<'b>(parts: &[&'b Prepared<'_>]) -> Vec<(&'b Expr, bool)> {
    parts
        .iter()
        .flat_map(|p| {
            p.constraints()
                .iter()
                .copied()
                .chain(p.own().iter().map(|(e, w)| (e, *w)))
        })
        .collect()
}

/// Two sorted lists share an element.
fn intersects(a: &[FactId], b: &[FactId]) -> bool {
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => return true,
        }
    }
    false
}

/// Two sorted (group, fact) lists require two different facts of one exclusive group.
fn group_clash(a: &[(u32, FactId)], b: &[(u32, FactId)]) -> bool {
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        match a[i].0.cmp(&b[j].0) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                if a[i].1 != b[j].1 {
                    return true;
                }
                i += 1;
            }
        }
    }
    false
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Test {
    Cmp(CmpOp, f64),
    In(f64, f64),
}

impl Test {
    fn holds(self, v: f64) -> bool {
        match self {
            Test::Cmp(op, t) => op.holds(v, t),
            Test::In(lo, hi) => lo <= v && v <= hi,
        }
    }

    fn thresholds(self) -> impl Iterator<Item = f64> {
        let (a, b) = match self {
            Test::Cmp(_, t) => (t, None),
            Test::In(lo, hi) => (lo, Some(hi)),
        };
        std::iter::once(a).chain(b)
    }
}

/// A test on one measure, required to hold (`positive`) or to fail.
#[derive(Clone, Copy, Debug, PartialEq)]
struct MLit {
    measure: MeasureId,
    test: Test,
    positive: bool,
}

impl MLit {
    /// Whether the literal holds for a value (`None`: unknown, every test false).
    fn holds(&self, v: Option<f64>) -> bool {
        v.is_some_and(|v| self.test.holds(v)) == self.positive
    }

    fn negated(self) -> MLit {
        MLit {
            positive: !self.positive,
            ..self
        }
    }
}

/// A stretch of a measure's values on which every comparison of the question agrees:
/// a point (`lo == hi`) or the open interval between `lo` and `hi`. `rep` is a value inside.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Region {
    lo: f64,
    hi: f64,
    rep: f64,
}

impl Region {
    fn is_point(&self) -> bool {
        self.lo == self.hi
    }

    fn contains(&self, v: f64) -> bool {
        if self.is_point() {
            v == self.lo
        } else {
            self.lo < v && v < self.hi
        }
    }
}

/// A finite value strictly between two finite values, if one exists.
fn between(a: f64, b: f64) -> Option<f64> {
    let mid = a / 2.0 + b / 2.0;
    (a < mid && mid < b).then_some(mid)
}

/// A finite value below a finite value, if one exists.
fn below(p: f64) -> Option<f64> {
    [p - 1.0, p.next_down()]
        .into_iter()
        .find(|v| v.is_finite() && *v < p)
}

/// A finite value above a finite value, if one exists.
fn above(p: f64) -> Option<f64> {
    [p + 1.0, p.next_up()]
        .into_iter()
        .find(|v| v.is_finite() && *v > p)
}

/// The value shown for a measure in a witness, chosen inside the stretch of admissible values
/// from `lo` to `hi` (each end included when its flag says so; ends may be infinite):
///
/// * a single point is that point;
/// * otherwise the stretch's middle is taken (an infinite end is first replaced by the finite
///   end ± max(|finite end|, 10); both infinite: -10..10), and the step is the largest of
///   …, 100, 50, 10, 5, 1, 0.5, 0.1, 0.05, … that is at most half the stretch's width (or at
///   most 1, so a stretch holding a whole number always gets a whole number) and has a multiple
///   inside the stretch; the value is that step's multiple inside the stretch nearest the middle,
///   the smaller one on a tie.
///
/// So `age >= 65` on 0..120 gives 90, `age in 65..80` gives 70, `age > 65 and age < 70` gives 67,
/// `pain in 4..7` gives 5, and an interval without whole numbers such as 2.2..2.8 gives 2.5.
/// `None` when no decimal with up to twelve fraction digits fits (the caller keeps its own value).
pub fn round_value(lo: f64, lo_closed: bool, hi: f64, hi_closed: bool) -> Option<f64> {
    let inside = |x: f64| (x > lo || (lo_closed && x == lo)) && (x < hi || (hi_closed && x == hi));
    if lo == hi {
        return (lo_closed && hi_closed && lo.is_finite()).then_some(lo);
    }
    let (elo, ehi) = match (lo.is_finite(), hi.is_finite()) {
        (true, true) => (lo, hi),
        (true, false) => (lo, lo + lo.abs().max(10.0)),
        (false, true) => (hi - hi.abs().max(10.0), hi),
        (false, false) => (-10.0, 10.0),
    };
    let width = ehi - elo;
    if !(width.is_finite() && width > 0.0) {
        return None;
    }
    let mid = elo / 2.0 + ehi / 2.0;
    let cap = (width / 2.0).max(1.0);
    let top = (cap.log10().floor() as i32).clamp(0, 300);
    for e in (-12..=top).rev() {
        for m in [5.0, 1.0] {
            let value = |k: f64| {
                if e >= 0 {
                    k * m * 10f64.powi(e)
                } else {
                    k * m / 10f64.powi(-e)
                }
            };
            let step = value(1.0);
            if step > cap {
                continue;
            }
            let klo = (elo / step).ceil();
            let khi = (ehi / step).floor();
            if klo > khi {
                continue;
            }
            let k0 = (mid / step).round().clamp(klo, khi);
            let best = [k0 - 1.0, k0, k0 + 1.0]
                .into_iter()
                .map(value)
                .filter(|&x| x.is_finite() && inside(x) && elo <= x && x <= ehi)
                .min_by(|a, b| {
                    (a - mid)
                        .abs()
                        .total_cmp(&(b - mid).abs())
                        .then(a.total_cmp(b))
                });
            if let Some(best) = best {
                return Some(best + 0.0); // never -0
            }
        }
    }
    None
}

// ---------------------------------------------------------------------------------------------
// The search.

const FALSE: u8 = 0;
const TRUE: u8 = 1;
const UNKNOWN: u8 = 2;
const UNSET: u32 = u32::MAX;

/// A node of a formula in negation normal form, children before parents.
#[derive(Clone, Copy, Debug)]
enum Node {
    Const(bool),
    /// Fact variable, and whether the fact must be true.
    Fact(u32, bool),
    /// Measure variable, and the start of its truth table in `tables` (one entry per region,
    /// then one for unknown).
    Atom(u32, u32),
    And(u32, u32),
    Or(u32, u32),
}

struct MeasureVar {
    id: MeasureId,
    regions: Vec<Region>,
}

/// A question compiled for the search.
struct Problem {
    nodes: Vec<Node>,
    kids: Vec<u32>,
    tables: Vec<bool>,
    /// Fact variables: their fact ids, and the other fact variables sharing a group with each.
    facts: Vec<FactId>,
    rivals: Vec<Vec<u32>>,
    measures: Vec<MeasureVar>,
    /// Current assignment: facts (FALSE/TRUE/UNKNOWN = unset), measures (region index,
    /// `regions.len()` = unknown, UNSET).
    fact_val: Vec<u8>,
    meas_val: Vec<u32>,
    values: Vec<u8>,
    root: u32,
}

/// A complete assignment found by the search.
struct Solution {
    facts: Vec<u8>,
    measures: Vec<u32>,
}

impl Problem {
    fn build(space: &Space, constraints: Vec<(&Expr, bool)>) -> Result<Problem, TooComplex> {
        if !space.has_implications() {
            return Problem::build_with(space, constraints);
        }
        // Every fact the constraints mention brings its implications, as clauses
        // `not f or g`: the search then sees only patients closed under `implies`, and counts
        // the implied facts of a witness.
        let mut mentioned: Vec<FactId> = Vec::new();
        let mut stack: Vec<&Expr> = constraints.iter().map(|&(e, _)| e).collect();
        while let Some(e) = stack.pop() {
            match e {
                Expr::Fact(f) => mentioned.push(*f),
                Expr::Not(inner) => stack.push(inner),
                Expr::All(es) | Expr::Any(es) => stack.extend(es.iter()),
                _ => {}
            }
        }
        mentioned.sort_unstable();
        mentioned.dedup();
        let clauses: Vec<Expr> = mentioned
            .iter()
            .flat_map(|&f| {
                space.implied(f).iter().map(move |&g| {
                    Expr::Any(vec![Expr::Not(Box::new(Expr::Fact(f))), Expr::Fact(g)])
                })
            })
            .collect();
        // A fact no patient can have is false.
        let never: Vec<Expr> = mentioned
            .iter()
            .filter(|&&f| space.never(f))
            .map(|&f| Expr::Fact(f))
            .collect();
        let mut all = constraints;
        all.extend(clauses.iter().map(|c| (c, true)));
        all.extend(never.iter().map(|c| (c, false)));
        Problem::build_with(space, all)
    }

    fn build_with(space: &Space, constraints: Vec<(&Expr, bool)>) -> Result<Problem, TooComplex> {
        // Pass 1: which facts and measures are mentioned, and the measures' thresholds.
        // (Small sorted vectors rather than maps: a question mentions few names.)
        let mut facts: Vec<FactId> = Vec::new();
        let mut thresholds: Vec<(MeasureId, Vec<f64>)> = Vec::new();
        let mut threshold =
            |m: MeasureId, values: &[f64]| match thresholds.iter_mut().find(|(x, _)| *x == m) {
                Some((_, v)) => v.extend_from_slice(values),
                None => thresholds.push((m, values.to_vec())),
            };
        let mut stack: Vec<&Expr> = constraints.iter().map(|&(e, _)| e).collect();
        while let Some(e) = stack.pop() {
            match e {
                Expr::Always => {}
                Expr::Fact(f) => facts.push(*f),
                Expr::Cmp { measure, value, .. } => threshold(*measure, &[*value]),
                Expr::In { measure, lo, hi } => threshold(*measure, &[*lo, *hi]),
                Expr::Not(inner) => stack.push(inner),
                Expr::All(es) | Expr::Any(es) => stack.extend(es.iter()),
            }
        }
        // Facts are searched in descending id order, false first: among witnesses with equally
        // few facts, the one using the earliest declared facts is found first.
        facts.sort_unstable_by(|a, b| b.cmp(a));
        facts.dedup();
        let fact_index: Vec<(FactId, u32)> = {
            let mut v: Vec<(FactId, u32)> = facts
                .iter()
                .enumerate()
                .map(|(i, &f)| (f, i as u32))
                .collect();
            v.sort_unstable();
            v
        };
        let var_of = |f: FactId| {
            fact_index
                .binary_search_by_key(&f, |&(x, _)| x)
                .ok()
                .map(|i| fact_index[i].1)
        };
        let rivals = facts
            .iter()
            .enumerate()
            .map(|(i, &f)| {
                let mut r: Vec<u32> = space
                    .groups_of(f)
                    .iter()
                    .flat_map(|&g| space.groups[g as usize].iter())
                    .filter_map(|&other| var_of(other))
                    .filter(|&v| v as usize != i)
                    .collect();
                r.sort_unstable();
                r.dedup();
                r
            })
            .collect();
        thresholds.sort_by_key(|(m, _)| *m);
        let measures: Vec<MeasureVar> = thresholds
            .into_iter()
            .map(|(id, mut points)| MeasureVar {
                id,
                regions: space.regions(id, &mut points),
            })
            .collect();
        let mut p = Problem {
            nodes: Vec::new(),
            kids: Vec::new(),
            tables: Vec::new(),
            fact_val: vec![UNKNOWN; facts.len()],
            meas_val: vec![UNSET; measures.len()],
            facts,
            rivals,
            measures,
            values: Vec::new(),
            root: 0,
        };
        // Pass 2: the formula in negation normal form, the conjunction of all constraints.
        let mut roots = Vec::with_capacity(constraints.len());
        for (e, want) in constraints {
            roots.push(p.compile(e, want, &fact_index, 0)?);
        }
        p.root = p.combine(true, roots);
        p.values = vec![UNKNOWN; p.nodes.len()];
        Ok(p)
    }

    fn push(&mut self, node: Node) -> u32 {
        self.nodes.push(node);
        (self.nodes.len() - 1) as u32
    }

    /// Add `and`/`or` of already compiled children, folding constants.
    fn combine(&mut self, and: bool, children: Vec<u32>) -> u32 {
        let mut kept = Vec::with_capacity(children.len());
        for c in children {
            match self.nodes[c as usize] {
                Node::Const(v) if v == and => {}
                Node::Const(_) => return self.push(Node::Const(!and)),
                _ => kept.push(c),
            }
        }
        match kept.len() {
            0 => self.push(Node::Const(and)),
            1 => kept[0],
            n => {
                let start = self.kids.len() as u32;
                self.kids.extend(kept);
                self.push(if and {
                    Node::And(start, n as u32)
                } else {
                    Node::Or(start, n as u32)
                })
            }
        }
    }

    fn compile(
        &mut self,
        e: &Expr,
        want: bool,
        facts: &[(FactId, u32)],
        depth: usize,
    ) -> Result<u32, TooComplex> {
        if depth > MAX_DEPTH {
            return Err(TooComplex);
        }
        Ok(match e {
            Expr::Always => self.push(Node::Const(want)),
            Expr::Fact(f) => {
                // Every fact of the question was collected in pass 1.
                let var = facts
                    .binary_search_by_key(f, |&(x, _)| x)
                    .map_or(0, |i| facts[i].1);
                self.push(Node::Fact(var, want))
            }
            Expr::Cmp { measure, .. } | Expr::In { measure, .. } => {
                let test = match *e {
                    Expr::Cmp { op, value, .. } => Test::Cmp(op, value),
                    Expr::In { lo, hi, .. } => Test::In(lo, hi),
                    _ => unreachable!("matched a measure test above"),
                };
                // Every measure of the question was collected in pass 1.
                let var = self
                    .measures
                    .iter()
                    .position(|m| m.id == *measure)
                    .unwrap_or(0) as u32;
                let start = self.tables.len();
                let regions = &self.measures[var as usize].regions;
                self.tables
                    .extend(regions.iter().map(|r| test.holds(r.rep) == want));
                self.tables.push(!want); // unknown: the test is false
                let table = &self.tables[start..];
                if table.iter().all(|&v| v == table[0]) {
                    let v = table[0];
                    self.tables.truncate(start);
                    self.push(Node::Const(v))
                } else {
                    self.push(Node::Atom(var, start as u32))
                }
            }
            Expr::Not(inner) => self.compile(inner, !want, facts, depth + 1)?,
            Expr::All(es) | Expr::Any(es) => {
                let and = matches!(e, Expr::All(_)) == want;
                let mut children = Vec::with_capacity(es.len());
                for c in es {
                    let id = self.compile(c, want, facts, depth + 1)?;
                    if matches!(self.nodes[id as usize], Node::Const(v) if v != and) {
                        return Ok(self.push(Node::Const(!and)));
                    }
                    children.push(id);
                }
                self.combine(and, children)
            }
        })
    }

    /// Kleene value of the whole formula under the current partial assignment.
    fn eval(&mut self) -> u8 {
        for i in 0..self.nodes.len() {
            let v = match self.nodes[i] {
                Node::Const(b) => b as u8,
                Node::Fact(var, want) => match self.fact_val[var as usize] {
                    UNKNOWN => UNKNOWN,
                    v => ((v == TRUE) == want) as u8,
                },
                Node::Atom(var, start) => match self.meas_val[var as usize] {
                    UNSET => UNKNOWN,
                    r => self.tables[start as usize + r as usize] as u8,
                },
                Node::And(start, len) | Node::Or(start, len) => {
                    let and = matches!(self.nodes[i], Node::And(..));
                    let (stop, all) = if and { (FALSE, TRUE) } else { (TRUE, FALSE) };
                    let mut result = all;
                    for k in &self.kids[start as usize..(start + len) as usize] {
                        match self.values[*k as usize] {
                            v if v == stop => {
                                result = stop;
                                break;
                            }
                            UNKNOWN => result = UNKNOWN,
                            _ => {}
                        }
                    }
                    result
                }
            };
            self.values[i] = v;
        }
        self.values[self.root as usize]
    }

    fn vars(&self) -> usize {
        self.facts.len() + self.measures.len()
    }

    /// Number of values variable `v` can take: facts false then true; measures their known
    /// regions in ascending order, then unknown.
    fn domain(&self, v: usize) -> usize {
        if v < self.facts.len() {
            2
        } else {
            self.measures[v - self.facts.len()].regions.len() + 1
        }
    }

    /// Assign variable `v` its `k`-th value; false when that breaks an exclusive group.
    fn assign(&mut self, v: usize, k: usize) -> bool {
        if v < self.facts.len() {
            if k == 1
                && self.rivals[v]
                    .iter()
                    .any(|&r| self.fact_val[r as usize] == TRUE)
            {
                return false;
            }
            self.fact_val[v] = k as u8;
        } else {
            self.meas_val[v - self.facts.len()] = k as u32;
        }
        true
    }

    fn unassign(&mut self, v: usize) {
        if v < self.facts.len() {
            self.fact_val[v] = UNKNOWN;
        } else {
            self.meas_val[v - self.facts.len()] = UNSET;
        }
    }

    /// Cost of the current assignment: (true facts, unknown measures), unassigned ones excluded.
    fn cost(&self) -> (usize, usize) {
        let facts = self.fact_val.iter().filter(|&&v| v == TRUE).count();
        let unknown = self
            .measures
            .iter()
            .zip(&self.meas_val)
            .filter(|&(m, &v)| v as usize == m.regions.len())
            .count();
        (facts, unknown)
    }

    /// Depth-first search for a satisfying assignment; with `minimise`, the one of least cost.
    fn search(
        &mut self,
        budget: u64,
        minimise: bool,
    ) -> (Result<Option<Solution>, TooComplex>, u64) {
        let n = self.vars();
        let mut next = vec![0usize; n];
        let mut best: Option<((usize, usize), Solution)> = None;
        let mut work: u64 = 0;
        let mut depth = 0usize; // variables 0..depth are assigned
        'node: loop {
            work += self.nodes.len() as u64 + 1;
            if work > budget {
                return (Err(TooComplex), work);
            }
            let value = self.eval();
            let cost = self.cost();
            let worse = |best: &Option<((usize, usize), Solution)>| {
                best.as_ref().is_some_and(|(c, _)| cost >= *c)
            };
            let descend = match value {
                FALSE => false,
                TRUE => {
                    // Unassigned facts stay false; unassigned measures take a known value when
                    // their range has one (the formula no longer depends on them).
                    let facts: Vec<u8> = self
                        .fact_val
                        .iter()
                        .map(|&v| if v == UNKNOWN { FALSE } else { v })
                        .collect();
                    let mut extra = 0;
                    let measures: Vec<u32> = self
                        .measures
                        .iter()
                        .zip(&self.meas_val)
                        .map(|(m, &v)| {
                            if v != UNSET {
                                v
                            } else if m.regions.is_empty() {
                                extra += 1;
                                0
                            } else {
                                0
                            }
                        })
                        .collect();
                    let total = (cost.0, cost.1 + extra);
                    if best.as_ref().is_none_or(|(c, _)| total < *c) {
                        best = Some((total, Solution { facts, measures }));
                    }
                    if !minimise || total == (0, 0) {
                        break 'node;
                    }
                    false
                }
                _ => !(minimise && worse(&best)) && depth < n,
            };
            if descend {
                next[depth] = 0;
            } else {
                // Back up to the deepest variable that has values left to try.
                loop {
                    if depth == 0 {
                        break 'node;
                    }
                    depth -= 1;
                    self.unassign(depth);
                    if next[depth] < self.domain(depth) {
                        break;
                    }
                }
            }
            // Try the next value of variable `depth`.
            loop {
                while next[depth] < self.domain(depth) {
                    let k = next[depth];
                    next[depth] += 1;
                    if self.assign(depth, k) {
                        depth += 1;
                        continue 'node;
                    }
                }
                if depth == 0 {
                    break 'node;
                }
                depth -= 1;
                self.unassign(depth);
            }
        }
        (Ok(best.map(|(_, s)| s)), work)
    }

    /// A solution as a patient, each known measure at its region's own value.
    fn raw_patient(&self, s: Solution) -> Patient {
        let mut facts: Vec<FactId> = self
            .facts
            .iter()
            .zip(&s.facts)
            .filter(|&(_, &v)| v == TRUE)
            .map(|(&f, _)| f)
            .collect();
        facts.sort_unstable();
        let measures = self
            .measures
            .iter()
            .zip(&s.measures)
            .filter_map(|(m, &r)| m.regions.get(r as usize).map(|region| (m.id, region.rep)))
            .collect();
        Patient { facts, measures }
    }

    /// Turn a solution into the patient shown to people: true facts, and a round value for
    /// every mentioned measure that should be known.
    fn patient(&mut self, s: Solution) -> Patient {
        self.fact_val = s.facts;
        self.meas_val = s.measures;
        let mut measures = Vec::new();
        for i in 0..self.measures.len() {
            let count = self.measures[i].regions.len();
            // Which regions keep the formula true, the other measures fixed.
            let mut valid = Vec::with_capacity(count);
            for r in 0..count {
                self.meas_val[i] = r as u32;
                valid.push(self.eval() == TRUE);
            }
            let choice = choose_value(&self.measures[i].regions, &valid);
            match choice {
                Some((r, v)) => {
                    self.meas_val[i] = r as u32;
                    measures.push((self.measures[i].id, v));
                }
                None => self.meas_val[i] = count as u32,
            }
        }
        let mut facts: Vec<FactId> = self
            .facts
            .iter()
            .zip(&self.fact_val)
            .filter(|&(_, &v)| v == TRUE)
            .map(|(&f, _)| f)
            .collect();
        facts.sort_unstable();
        Patient { facts, measures }
    }
}

/// The value for a measure given which of its regions are admissible: the widest run of
/// consecutive admissible regions (lowest on a tie), and [`round_value`] inside it.
/// Returns the region index and the value; `None` when no region is admissible.
fn choose_value(regions: &[Region], valid: &[bool]) -> Option<(usize, f64)> {
    let mut best: Option<(usize, usize)> = None; // run [start, end]
    let mut i = 0;
    while i < regions.len() {
        if !valid[i] {
            i += 1;
            continue;
        }
        let start = i;
        while i + 1 < regions.len() && valid[i + 1] {
            i += 1;
        }
        let width = |(s, e): (usize, usize)| regions[e].hi - regions[s].lo;
        if best.is_none_or(|b| width((start, i)) > width(b)) {
            best = Some((start, i));
        }
        i += 1;
    }
    let (s, e) = best?;
    let (first, last) = (regions[s], regions[e]);
    let value = round_value(first.lo, first.is_point(), last.hi, last.is_point())
        .filter(|&v| regions[s..=e].iter().any(|r| r.contains(v)))
        .unwrap_or(first.rep);
    let index = (s..=e).find(|&r| regions[r].contains(value)).unwrap_or(s);
    Some((index, value))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::testkit::{all, any, cmp, fact, not};

    fn space() -> Space {
        // Facts 0..4; 0 and 1 exclusive, 2, 3 and 4 exclusive; age 0..120, pain 0..10.
        Space::from_parts(
            5,
            vec![vec![0, 1], vec![2, 3, 4]],
            vec![(Some(0.0), Some(120.0)), (Some(0.0), Some(10.0))],
        )
    }

    const AGE: MeasureId = 0;
    const PAIN: MeasureId = 1;

    fn sat(cs: &[(&Expr, bool)]) -> bool {
        satisfiable(&space(), cs).expect("fits the budget")
    }

    fn wit(cs: &[(&Expr, bool)]) -> Option<Patient> {
        witness(&space(), cs).expect("fits the budget")
    }

    #[test]
    fn round_values() {
        assert_eq!(round_value(65.0, true, 120.0, true), Some(90.0));
        assert_eq!(round_value(65.0, true, 80.0, true), Some(70.0));
        assert_eq!(round_value(65.0, false, 70.0, false), Some(67.0));
        assert_eq!(round_value(4.0, true, 7.0, true), Some(5.0));
        assert_eq!(round_value(2.2, true, 2.8, true), Some(2.5));
        assert_eq!(round_value(0.0, true, 120.0, true), Some(50.0));
        assert_eq!(round_value(0.0, true, 65.0, false), Some(30.0));
        assert_eq!(round_value(65.0, true, 66.0, true), Some(65.0));
        assert_eq!(round_value(65.0, false, 66.0, true), Some(66.0));
        assert_eq!(round_value(65.0, false, 66.0, false), Some(65.5));
        assert_eq!(round_value(7.0, true, 7.0, true), Some(7.0));
        assert_eq!(round_value(7.0, false, 7.0, false), None);
        assert_eq!(
            round_value(f64::NEG_INFINITY, false, f64::INFINITY, false),
            Some(0.0)
        );
        assert_eq!(round_value(100.0, false, f64::INFINITY, false), Some(150.0));
        assert_eq!(round_value(f64::NEG_INFINITY, false, 3.0, true), Some(0.0));
        assert_eq!(
            round_value(-7.0, true, 3.0, true).map(f64::is_sign_negative),
            Some(false)
        );
    }

    #[test]
    fn unknown_measures_fail_every_comparison() {
        let old = cmp(AGE, ">=", 65.0);
        let young = cmp(AGE, "<", 65.0);
        // Neither old nor young: only an unknown age.
        assert!(sat(&[(&old, false), (&young, false)]));
        assert_eq!(
            wit(&[(&old, false), (&young, false)]),
            Some(Patient::default())
        );
        // `not (age >= 65)` is met by a known young age first.
        assert_eq!(
            wit(&[(&not(old.clone()), true)]),
            Some(Patient {
                facts: vec![],
                measures: vec![(AGE, 30.0)]
            })
        );
        assert!(!sat(&[(&old, true), (&young, true)]));
    }

    #[test]
    fn exclusive_groups() {
        assert!(!sat(&[(&all(vec![fact(0), fact(1)]), true)]));
        assert!(!sat(&[(&fact(2), true), (&fact(4), true)]));
        assert!(sat(&[(&fact(0), true), (&fact(2), true)]));
        // One of three, not the first two: the third.
        let e = all(vec![
            any(vec![fact(2), fact(3), fact(4)]),
            not(fact(2)),
            not(fact(3)),
        ]);
        assert_eq!(wit(&[(&e, true)]).map(|p| p.facts), Some(vec![4]));
    }

    #[test]
    fn witnesses_have_fewest_facts_then_earliest_declared() {
        let e = any(vec![all(vec![fact(0), fact(2)]), fact(3), fact(4)]);
        assert_eq!(wit(&[(&e, true)]).map(|p| p.facts), Some(vec![3]));
        let e = all(vec![
            any(vec![fact(0), fact(1)]),
            any(vec![fact(1), fact(2)]),
        ]);
        assert_eq!(wit(&[(&e, true)]).map(|p| p.facts), Some(vec![1]));
    }

    #[test]
    fn measures_in_ranges_and_round() {
        let e = all(vec![
            cmp(AGE, ">", 65.0),
            cmp(PAIN, "!=", 5.0),
            Expr::In {
                measure: PAIN,
                lo: 3.0,
                hi: 8.0,
            },
        ]);
        let w = wit(&[(&e, true)]).expect("satisfiable");
        // age (65, 120] → 90; pain 3..8 without 5: the widest stretch (5, 8] → 6.
        assert_eq!(w.measures, [(AGE, 90.0), (PAIN, 6.0)]);
        assert!(e.holds(&w));
        // Outside the declared range nothing fits.
        assert!(!sat(&[(&cmp(PAIN, ">", 10.0), true)]));
        assert!(!sat(&[(&cmp(AGE, "=", -1.0), true)]));
        assert_eq!(
            wit(&[(&cmp(PAIN, ">=", 10.0), true)]).map(|p| p.measures),
            Some(vec![(PAIN, 10.0)])
        );
    }

    #[test]
    fn implication() {
        let s = space();
        let old = cmp(AGE, ">=", 65.0);
        let older = cmp(AGE, ">=", 70.0);
        assert!(implies(&s, &older, &old).unwrap());
        assert!(!implies(&s, &old, &older).unwrap());
        // Unknown age: `not old` does not imply `age < 65`.
        assert!(!implies(&s, &not(old.clone()), &cmp(AGE, "<", 65.0)).unwrap());
        assert!(implies(&s, &cmp(AGE, "<", 65.0), &not(old.clone())).unwrap());
        // Through an exclusive group: fact 2 excludes 3.
        assert!(implies(&s, &fact(2), &not(fact(3))).unwrap());
        assert!(implies(&s, &fact(2), &any(vec![fact(2), fact(0)])).unwrap());
        assert!(!implies(&s, &any(vec![fact(2), fact(0)]), &fact(2)).unwrap());
        assert!(implies(&s, &Expr::Always, &Expr::Always).unwrap());
        assert!(implies(&s, &all(vec![fact(0), fact(1)]), &fact(4)).unwrap());
    }

    #[test]
    fn odd_numbers_do_not_break_it() {
        let big = cmp(AGE, ">=", 1e20);
        assert!(!sat(&[(&big, true)]));
        let space = Space::from_parts(0, vec![], vec![(None, None)]);
        let huge = cmp(0, ">", f64::MAX);
        assert!(!satisfiable(&space, &[(&huge, true)]).unwrap());
        let inf = cmp(0, "<", f64::INFINITY);
        assert!(satisfiable(&space, &[(&inf, true)]).unwrap());
        let nan = cmp(0, "=", f64::NAN);
        assert!(!satisfiable(&space, &[(&nan, true)]).unwrap());
        assert!(satisfiable(&space, &[(&cmp(0, "!=", f64::NAN), true)]).unwrap());
        let tiny = all(vec![cmp(0, ">", 1.0), cmp(0, "<", 1.0f64.next_up())]);
        assert!(!satisfiable(&space, &[(&tiny, true)]).unwrap());
        // An empty range admits only an unknown value.
        let empty = Space::from_parts(0, vec![], vec![(Some(5.0), Some(2.0))]);
        assert!(!satisfiable(&empty, &[(&cmp(0, ">", 0.0), true)]).unwrap());
        assert!(satisfiable(&empty, &[(&cmp(0, ">", 0.0), false)]).unwrap());
    }

    #[test]
    fn deep_conditions_do_not_overflow() {
        let mut e = fact(0);
        for i in 0..5000 {
            e = if i % 2 == 0 {
                Expr::All(vec![e, fact(2)])
            } else {
                Expr::Any(vec![e, fact(3)])
            };
        }
        assert_eq!(satisfiable(&space(), &[(&e, true)]), Err(TooComplex));
        let mut n = fact(0);
        for _ in 0..100_000 {
            n = not(n);
        }
        assert!(sat(&[(&n, true)]));
        // Dropping a deep tree is the caller's concern; keep this one alive past the test.
        std::mem::forget(n);
        std::mem::forget(e);
    }

    #[test]
    fn the_total_budget_stops_every_later_search() {
        let s = space().with_total_budget(300);
        let e = any(vec![
            all(vec![fact(0), fact(2)]),
            all(vec![fact(1), fact(3)]),
        ]);
        assert_eq!(satisfiable(&s, &[(&e, true)]), Ok(true));
        assert!(!s.exhausted());
        let mut answers = Vec::new();
        for _ in 0..20 {
            answers.push(satisfiable(&s, &[(&e, true), (&fact(4), true)]));
        }
        assert!(s.exhausted());
        assert_eq!(answers.last(), Some(&Err(TooComplex)));
        assert_eq!(
            satisfiable(&s, &[(&fact(4), true)]),
            Ok(true),
            "the fast path still answers"
        );
    }

    #[test]
    fn the_budget_stops_the_search() {
        let s = space().with_budget(10);
        let e = any(vec![
            all(vec![fact(0), fact(2)]),
            all(vec![fact(1), fact(3)]),
        ]);
        assert_eq!(
            satisfiable(&s, &[(&e, true), (&fact(4), true)]),
            Err(TooComplex)
        );
        // The fast path needs no search and no budget.
        assert_eq!(satisfiable(&s, &[(&fact(4), true)]), Ok(true));
    }
}
