//! The questions of one partial evaluation, put to the analysis' solver.
//!
//! Known values are substituted into the rules' conditions ([`Run::residual`]); fixing an
//! unknown to test whether it matters is the same substitution with one more known value, so
//! most questions fold to a constant before the solver sees them. What is left goes to
//! [`Space`] together with the known facts linked to the facts it mentions.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::{AskNext, ExerciseOutcome, Knowledge, PartialEvaluator, Reading, Truth, Value};
use crate::analysis::sat::{Space, TooComplex};
use crate::eval::Patient;
use crate::model::{self, Action, Expr, FactId, MeasureId};

/// An unknown: a fact or a measure.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(super) enum Unknown {
    Fact(FactId),
    Measure(MeasureId),
}

/// The answer for one set of advising rules.
#[derive(Clone, Debug)]
pub(super) struct Answer {
    /// Possible values, most protective first, "no advice" last, each with its witness.
    pub(super) possible: Vec<(Value, model::Patient)>,
    /// The unknowns that matter, in bundle order.
    pub(super) depends_on: Vec<Unknown>,
}

/// One partial evaluation: what is known, by id, and the space its questions go to.
pub(super) struct Run<'p, 'b> {
    p: &'p PartialEvaluator<'b>,
    space: &'p Space,
    /// What is known, with the unknowns whose value follows from it settled.
    base: State,
    /// Unknown facts whose value follows from what is known.
    pub(super) follows: Vec<(FactId, bool)>,
    /// Known facts as conditions (`Expr::Fact`), indexed by fact id.
    fact_exprs: Vec<Expr>,
    /// The solver's answers to the questions of the group being answered.
    asked: RefCell<HashMap<Question, Result<Option<model::Patient>, TooComplex>>>,
}

/// A question to the solver as a map key: a residual condition, the known facts linked to
/// the facts it mentions, and whether the smallest completion is wanted.
#[derive(PartialEq, Eq, Hash)]
struct Question {
    formula: Vec<u64>,
    linked: Vec<(FactId, bool)>,
    minimal: bool,
}

/// A condition as a sequence of numbers, one sequence per condition (numbers bit for bit).
fn encode(e: &Expr) -> Vec<u64> {
    fn walk(e: &Expr, out: &mut Vec<u64>) {
        match e {
            Expr::Always => out.push(0),
            Expr::Fact(f) => out.extend([1, *f as u64]),
            Expr::Cmp { measure, op, value } => {
                out.extend([2, *measure as u64, *op as u64, value.to_bits()]);
            }
            Expr::In { measure, lo, hi } => {
                out.extend([3, *measure as u64, lo.to_bits(), hi.to_bits()]);
            }
            Expr::Not(inner) => {
                out.push(4);
                walk(inner, out);
            }
            Expr::All(es) | Expr::Any(es) => {
                out.extend([
                    if matches!(e, Expr::All(_)) { 5 } else { 6 },
                    es.len() as u64,
                ]);
                es.iter().for_each(|e| walk(e, out));
            }
        }
    }
    let mut out = Vec::new();
    walk(e, &mut out);
    out
}

impl<'p, 'b> Run<'p, 'b> {
    pub(super) fn new(
        p: &'p PartialEvaluator<'b>,
        space: &'p Space,
        k: &Knowledge,
    ) -> Result<Run<'p, 'b>, String> {
        let fact = |name: &str| {
            p.fact_ids
                .get(name)
                .copied()
                .ok_or_else(|| p.evaluator.unknown_name(name))
        };
        let measure = |name: &str| {
            p.measure_ids
                .get(name)
                .copied()
                .ok_or_else(|| p.evaluator.unknown_name(name))
        };
        let mut facts = vec![Truth::Known(false); p.facts.len()];
        for f in &k.unknown_facts {
            facts[fact(f)?] = Truth::Unknown;
        }
        for (f, value) in k
            .given
            .facts
            .iter()
            .map(|f| (f, true))
            .chain(k.not.iter().map(|f| (f, false)))
        {
            let id = fact(f)?;
            if facts[id] == Truth::Unknown {
                return Err(format!("`{f}` is both known and unknown"));
            }
            if !value && k.given.facts.contains(f) {
                return Err(format!("`{f}` is both given and said not to hold"));
            }
            facts[id] = Truth::Known(value);
        }
        let mut measures = vec![Reading::Unmeasured; p.measures.len()];
        for m in &k.unknown_measures {
            measures[measure(m)?] = Reading::Unknown;
        }
        for (m, &v) in &k.given.measures {
            let id = measure(m)?;
            if measures[id] == Reading::Unknown {
                return Err(format!("`{m}` is both known and unknown"));
            }
            measures[id] = Reading::Value(v);
        }
        let fact_exprs = (0..p.facts.len()).map(Expr::Fact).collect();
        let mut run = Run {
            p,
            space,
            base: State { facts, measures },
            follows: Vec::new(),
            fact_exprs,
            asked: RefCell::new(HashMap::new()),
        };
        run.settle_followers()?;
        Ok(run)
    }

    /// Check that what is known is a patient (§9.1), and settle the unknown facts whose value
    /// follows from it: those for which only one value leaves a patient.
    fn settle_followers(&mut self) -> Result<(), String> {
        let known: Vec<(&Expr, bool)> = self
            .base
            .facts
            .iter()
            .enumerate()
            .filter_map(|(f, t)| match t {
                Truth::Known(v) if *v || !self.space.linked(f).is_empty() => {
                    Some((&self.fact_exprs[f], *v))
                }
                _ => None,
            })
            .collect();
        let k = self.space.prepare(&known);
        if let Some(clash) = self.space.literal_clash(&k) {
            return Err(self.clash_text(clash));
        }
        match self.space.sat_all(&[&k]) {
            Ok(true) => {}
            Ok(false) => {
                return Err("the known facts cannot hold together for any patient".to_string());
            }
            Err(TooComplex) => {
                return Err(
                    "whether the known facts can hold together is too complex to decide"
                        .to_string(),
                );
            }
        }
        let mut follows = Vec::new();
        for f in 0..self.base.facts.len() {
            if self.base.facts[f] != Truth::Unknown {
                continue;
            }
            let can = |value: bool| {
                let lit = self.space.prepare(&[(&self.fact_exprs[f], value)]);
                self.space.sat_all(&[&k, &lit])
            };
            let (t, fl) = match (can(true), can(false)) {
                (Ok(t), Ok(fl)) => (t, fl),
                _ => continue, // left unknown: the questions that need it will say so
            };
            if t != fl {
                follows.push((f, t));
            }
        }
        for &(f, v) in &follows {
            self.base.facts[f] = Truth::Known(v);
        }
        self.follows = follows;
        Ok(())
    }

    fn clash_text(&self, clash: crate::analysis::sat::Clash) -> String {
        use crate::analysis::sat::Clash;
        let name = |f: FactId| self.p.facts[f];
        match clash {
            Clash::Fact(f) => format!("`{}` is both known to hold and known not to hold", name(f)),
            Clash::Exclusive { group, a, b } => {
                let x = &self.p.bundle.vocabulary.exclusive[group];
                format!(
                    "`{}` and `{}` cannot hold together: they are exclusive (`{}`{})",
                    name(a),
                    name(b),
                    x.id,
                    x.label
                        .as_deref()
                        .map(|l| format!(", \"{l}\""))
                        .unwrap_or_default()
                )
            }
            Clash::Measure(m) => format!("no value of `{}` fits what is known", self.p.measures[m]),
        }
    }

    pub(super) fn unknown_name(&self, u: Unknown) -> String {
        match u {
            Unknown::Fact(f) => self.p.facts[f].to_string(),
            Unknown::Measure(m) => self.p.measures[m].to_string(),
        }
    }

    /// A witness by name: with `whole`, the completion (known facts and values included);
    /// otherwise only what it assumes about the unknowns.
    pub(super) fn named(&self, w: &model::Patient, whole: bool) -> Patient {
        let mut out = Patient::default();
        for &f in &w.facts {
            if self.base.facts.get(f) == Some(&Truth::Unknown) || whole {
                out.facts.insert(self.p.facts[f].to_string());
            }
        }
        for &(m, v) in &w.measures {
            if self.base.measures.get(m) == Some(&Reading::Unknown) || whole {
                out.measures.insert(self.p.measures[m].to_string(), v);
            }
        }
        if whole {
            for (f, t) in self.base.facts.iter().enumerate() {
                if *t == Truth::Known(true) {
                    out.facts.insert(self.p.facts[f].to_string());
                }
            }
            for (m, r) in self.base.measures.iter().enumerate() {
                if let Reading::Value(v) = r {
                    out.measures.insert(self.p.measures[m].to_string(), *v);
                }
            }
        }
        out
    }

    /// Every rule reachable from `s` by following precedence once or more.
    fn below(&self, s: usize) -> BTreeSet<usize> {
        let mut seen = BTreeSet::new();
        let mut todo: Vec<usize> = self.p.overrides[s].clone();
        while let Some(r) = todo.pop() {
            if seen.insert(r) {
                todo.extend(&self.p.overrides[r]);
            }
        }
        seen
    }

    /// Possible values, their witnesses and the unknowns that matter, for an exercise advised
    /// by `advising`.
    pub(super) fn answer(&self, advising: &[usize]) -> Result<Answer, TooComplex> {
        // Questions repeat within a group (fixing an unknown often leaves a value's condition
        // as it was); each is put to the solver once.
        self.asked.borrow_mut().clear();
        let group = Group::new(self, advising);
        let base = group.formulas(self, &self.base);
        let mut possible: Vec<(Value, model::Patient)> = Vec::new();
        for (v, f) in &base {
            if is_false(f) {
                continue;
            }
            if let Some(w) = self.solve(&self.base, f, true)? {
                possible.push((*v, w));
            }
        }
        let mut depends_on = Vec::new();
        if possible.len() > 1 {
            // Which unknowns could matter: those the residual conditions mention, and those
            // linked to them through the patient space.
            let mut facts = BTreeSet::new();
            let mut measures = BTreeSet::new();
            for r in &group.rules {
                mentions(
                    &self.base.residual(&self.p.conditions[*r]),
                    &mut facts,
                    &mut measures,
                );
            }
            let mut candidates: BTreeSet<Unknown> = BTreeSet::new();
            for &f in &facts {
                candidates.insert(Unknown::Fact(f));
                for g in self.space.linked(f) {
                    if self.base.facts[g] == Truth::Unknown {
                        candidates.insert(Unknown::Fact(g));
                    }
                }
            }
            candidates.extend(measures.iter().map(|&m| Unknown::Measure(m)));
            // Completions in hand per possible value: fixing questions they answer are not
            // asked again.
            let mut examples: Vec<Vec<model::Patient>> =
                possible.iter().map(|(_, w)| vec![w.clone()]).collect();
            let values: Vec<Value> = possible.iter().map(|(v, _)| *v).collect();
            for &u in &candidates {
                if self.matters(&group, u, &values, &mut examples)? {
                    depends_on.push(u);
                }
            }
        }
        Ok(Answer {
            possible,
            depends_on,
        })
    }

    /// Whether fixing `u` to some value it can take changes the set of possible `values`.
    fn matters(
        &self,
        group: &Group,
        u: Unknown,
        values: &[Value],
        examples: &mut [Vec<model::Patient>],
    ) -> Result<bool, TooComplex> {
        let fixings: Vec<Fixed> = match u {
            Unknown::Fact(f) => vec![Fixed::Fact(f, true), Fixed::Fact(f, false)],
            Unknown::Measure(m) => {
                let mut thresholds = Vec::new();
                for r in &group.rules {
                    thresholds_of(&self.p.conditions[*r], m, &mut thresholds);
                }
                self.space
                    .region_values(m, &thresholds)
                    .into_iter()
                    .map(|v| Fixed::Measure(m, v))
                    .collect()
            }
        };
        for fix in fixings {
            let state = self.base.with(fix);
            // Values shown possible with `u` fixed by a completion in hand need no question.
            let shown: Vec<bool> = examples
                .iter()
                .map(|list| list.iter().any(|w| fix.agrees(w)))
                .collect();
            let mut kept = shown.iter().filter(|&&s| s).count();
            let mut lost = 0;
            // Which rules remain, worked out once a value needs a question.
            let mut remains: Option<(Vec<Expr>, Vec<Expr>)> = None;
            for (i, v) in values.iter().enumerate() {
                if shown[i] {
                    continue;
                }
                if lost > 0 && kept > 0 {
                    break;
                }
                let (fires, remains) = remains.get_or_insert_with(|| {
                    let fires = group.fires(self, &state);
                    let remains = group.remains(&fires);
                    (fires, remains)
                });
                let f = group.formula(self, fires, remains, *v);
                let found = if is_false(&f) {
                    None
                } else {
                    self.solve(&state, &f, false)?
                };
                match found {
                    Some(mut w) => {
                        fix.apply(&mut w);
                        examples[i].push(w);
                        kept += 1;
                    }
                    None => lost += 1,
                }
            }
            // A fixing no completion allows is not a value the unknown can take.
            if kept > 0 && lost > 0 {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// A completion of `state` satisfying `formula` (a residual condition of `state`): the one
    /// with fewest true facts when `minimal`, else the first found. It lists the unknown facts
    /// it makes true and the values of the measures the question mentions.
    fn solve(
        &self,
        state: &State,
        formula: &Expr,
        minimal: bool,
    ) -> Result<Option<model::Patient>, TooComplex> {
        let mut facts = BTreeSet::new();
        let mut measures = BTreeSet::new();
        mentions(formula, &mut facts, &mut measures);
        // Every unknown measure a question mentions has a value in a completion.
        let valued: Vec<Expr> = measures
            .iter()
            .map(|&m| Expr::In {
                measure: m,
                lo: f64::NEG_INFINITY,
                hi: f64::INFINITY,
            })
            .collect();
        let mut constraints: Vec<(&Expr, bool)> = vec![(formula, true)];
        constraints.extend(valued.iter().map(|e| (e, true)));
        // Known facts linked to the facts asked about constrain them through the space.
        let mut linked = BTreeSet::new();
        for &f in &facts {
            for g in self.space.linked(f) {
                if let Truth::Known(v) = state.facts[g] {
                    linked.insert((g, v));
                }
            }
        }
        constraints.extend(linked.iter().map(|&(g, v)| (&self.fact_exprs[g], v)));
        // The constraints follow from the formula, the linked known facts and the mode; the
        // search is deterministic, so the same question gets the same answer. The smallest
        // completion found also answers whether there is any (a search for the smallest that
        // ran out of budget answers nothing about a cheaper search).
        let mut key = Question {
            formula: encode(formula),
            linked: linked.iter().copied().collect(),
            minimal: true,
        };
        let mut asked = self.asked.borrow().get(&key).cloned();
        if !minimal {
            asked = asked.filter(Result::is_ok);
            key.minimal = false;
            if asked.is_none() {
                asked = self.asked.borrow().get(&key).cloned();
            }
        }
        let found = match asked {
            Some(found) => found,
            None => {
                let prepared = self.space.prepare(&constraints);
                let found = if minimal {
                    self.space.witness_all(&[&prepared])
                } else {
                    self.space.example(&[&prepared])
                };
                self.asked.borrow_mut().insert(key, found.clone());
                found
            }
        }?;
        Ok(found.map(|mut w| {
            // Known facts are reported by `named`; keep only what the question decided.
            w.facts.retain(|&f| state.facts[f] == Truth::Unknown);
            w
        }))
    }
}

/// What is known in one question: each fact's and measure's value, or unknown.
#[derive(Clone, Debug)]
pub(super) struct State {
    pub(super) facts: Vec<Truth>,
    pub(super) measures: Vec<Reading>,
}

impl State {
    /// The same knowledge with one unknown fixed.
    fn with(&self, fix: Fixed) -> State {
        let mut s = self.clone();
        match fix {
            Fixed::Fact(f, v) => s.facts[f] = Truth::Known(v),
            Fixed::Measure(m, v) => s.measures[m] = Reading::Value(v),
        }
        s
    }

    /// A condition with what is known put in: only unknown facts and measures are left.
    pub(super) fn residual(&self, e: &Expr) -> Expr {
        match e {
            Expr::Always => Expr::Always,
            Expr::Fact(f) => match self.facts.get(*f) {
                Some(Truth::Known(v)) => constant(*v),
                _ => Expr::Fact(*f),
            },
            Expr::Cmp { measure, op, value } => match self.measures.get(*measure) {
                Some(Reading::Value(v)) => constant(op.holds(*v, *value)),
                Some(Reading::Unknown) => e.clone(),
                _ => never(),
            },
            Expr::In { measure, lo, hi } => match self.measures.get(*measure) {
                Some(Reading::Value(v)) => constant(*lo <= *v && *v <= *hi),
                Some(Reading::Unknown) => e.clone(),
                _ => never(),
            },
            Expr::Not(inner) => not(self.residual(inner)),
            Expr::All(es) => all(es.iter().map(|e| self.residual(e)).collect()),
            Expr::Any(es) => any(es.iter().map(|e| self.residual(e)).collect()),
        }
    }
}

/// An unknown fixed to one of its values.
#[derive(Clone, Copy, Debug)]
enum Fixed {
    Fact(FactId, bool),
    Measure(MeasureId, f64),
}

impl Fixed {
    /// Whether a completion (facts not listed false) gives the unknown this value.
    fn agrees(self, w: &model::Patient) -> bool {
        match self {
            Fixed::Fact(f, v) => w.has(f) == v,
            Fixed::Measure(m, v) => w.value(m) == Some(v),
        }
    }

    /// Record the fixed value in a completion found with it known.
    fn apply(self, w: &mut model::Patient) {
        match self {
            Fixed::Fact(f, true) => {
                if let Err(i) = w.facts.binary_search(&f) {
                    w.facts.insert(i, f);
                }
            }
            Fixed::Fact(_, false) => {}
            Fixed::Measure(m, v) => match w.measures.binary_search_by_key(&m, |&(x, _)| x) {
                Ok(i) => w.measures[i].1 = v,
                Err(i) => w.measures.insert(i, (m, v)),
            },
        }
    }
}

/// The rules advising one exercise and the precedence among them.
struct Group {
    /// The advising rules, in bundle order.
    rules: Vec<usize>,
    /// For each of them, the others (indices into `rules`) that take precedence over it,
    /// directly or through a chain of the whole bundle.
    above: Vec<Vec<usize>>,
}

impl Group {
    fn new(run: &Run, advising: &[usize]) -> Group {
        let below: Vec<BTreeSet<usize>> = advising.iter().map(|&r| run.below(r)).collect();
        let above = advising
            .iter()
            .map(|r| {
                (0..advising.len())
                    .filter(|&j| below[j].contains(r))
                    .collect()
            })
            .collect();
        Group {
            rules: advising.to_vec(),
            above,
        }
    }

    /// For each value the exercise could get, the condition (over the unknowns of `state`)
    /// under which its final advice is that value: see [`Group::formula`]. Most protective
    /// first; "no advice" last.
    fn formulas(&self, run: &Run, state: &State) -> Vec<(Value, Expr)> {
        let rules = &run.p.bundle.rules;
        let fires = self.fires(run, state);
        let remains = self.remains(&fires);
        let mut actions: Vec<Action> = self.rules.iter().map(|&r| rules[r].action).collect();
        actions.sort_by_key(|a| std::cmp::Reverse(a.protectiveness()));
        actions.dedup();
        actions
            .into_iter()
            .map(Some)
            .chain([None])
            .map(|v| (v, self.formula(run, &fires, &remains, v)))
            .collect()
    }

    /// Each advising rule's condition over the unknowns of `state`: when it fires.
    fn fires(&self, run: &Run, state: &State) -> Vec<Expr> {
        self.rules
            .iter()
            .map(|&r| state.residual(&run.p.conditions[r]))
            .collect()
    }

    /// When each advising rule remains: it fires and no firing advising rule takes precedence
    /// over it.
    fn remains(&self, fires: &[Expr]) -> Vec<Expr> {
        (0..self.rules.len())
            .map(|i| {
                if is_false(&fires[i]) {
                    return never();
                }
                let mut parts = vec![fires[i].clone()];
                parts.extend(self.above[i].iter().map(|&j| not(fires[j].clone())));
                all(parts)
            })
            .collect()
    }

    /// The condition under which the exercise's final advice is `value` (§5 steps 2–3): some
    /// rule with that action remains and no more protective advice remains; "no advice" when
    /// no advising rule fires. Never, for an action no advising rule gives.
    fn formula(&self, run: &Run, fires: &[Expr], remains: &[Expr], value: Value) -> Expr {
        let rules = &run.p.bundle.rules;
        let Some(a) = value else {
            return all(fires.iter().cloned().map(not).collect());
        };
        if !self.rules.iter().any(|&r| rules[r].action == a) {
            return never();
        }
        let some = any((0..self.rules.len())
            .filter(|&i| rules[self.rules[i]].action == a)
            .map(|i| remains[i].clone())
            .collect());
        let mut parts = vec![some];
        parts.extend(
            (0..self.rules.len())
                .filter(|&i| rules[self.rules[i]].action.protectiveness() > a.protectiveness())
                .map(|i| not(remains[i].clone())),
        );
        all(parts)
    }
}

/// The ask-next list: unknowns by the number of exercises whose advice they could change
/// (most first; ties in bundle order, facts before measures).
pub(super) fn ask_next(run: &Run, exercises: &[ExerciseOutcome]) -> Vec<AskNext> {
    let mut by: BTreeMap<Unknown, Vec<String>> = BTreeMap::new();
    let id = |name: &str| {
        run.p
            .fact_ids
            .get(name)
            .map(|&f| Unknown::Fact(f))
            .or_else(|| run.p.measure_ids.get(name).map(|&m| Unknown::Measure(m)))
    };
    for e in exercises {
        for name in &e.depends_on {
            if let Some(u) = id(name) {
                by.entry(u).or_default().push(e.exercise.clone());
            }
        }
    }
    let mut out: Vec<(Unknown, Vec<String>)> = by.into_iter().collect();
    out.sort_by(|a, b| b.1.len().cmp(&a.1.len()).then(a.0.cmp(&b.0)));
    out.into_iter()
        .map(|(u, exercises)| AskNext {
            name: run.unknown_name(u),
            kind: match u {
                Unknown::Fact(_) => "fact",
                Unknown::Measure(_) => "measure",
            },
            exercises,
        })
        .collect()
}

// ---- conditions with constants folded -------------------------------------------------------

/// The condition that never holds.
pub(super) fn never() -> Expr {
    Expr::Not(Box::new(Expr::Always))
}

fn constant(v: bool) -> Expr {
    if v { Expr::Always } else { never() }
}

fn is_true(e: &Expr) -> bool {
    matches!(e, Expr::Always)
}

fn is_false(e: &Expr) -> bool {
    matches!(e, Expr::Not(inner) if is_true(inner))
}

fn not(e: Expr) -> Expr {
    match e {
        Expr::Not(inner) => *inner,
        other => Expr::Not(Box::new(other)),
    }
}

fn all(parts: Vec<Expr>) -> Expr {
    let mut kept = Vec::with_capacity(parts.len());
    for p in parts {
        if is_false(&p) {
            return never();
        }
        if !is_true(&p) {
            kept.push(p);
        }
    }
    match kept.len() {
        0 => Expr::Always,
        1 => kept.pop().unwrap_or(Expr::Always),
        _ => Expr::All(kept),
    }
}

fn any(parts: Vec<Expr>) -> Expr {
    let mut kept = Vec::with_capacity(parts.len());
    for p in parts {
        if is_true(&p) {
            return Expr::Always;
        }
        if !is_false(&p) {
            kept.push(p);
        }
    }
    match kept.len() {
        0 => never(),
        1 => kept.pop().unwrap_or_else(never),
        _ => Expr::Any(kept),
    }
}

/// The facts and measures a condition mentions.
fn mentions(e: &Expr, facts: &mut BTreeSet<FactId>, measures: &mut BTreeSet<MeasureId>) {
    match e {
        Expr::Always => {}
        Expr::Fact(f) => {
            facts.insert(*f);
        }
        Expr::Cmp { measure, .. } | Expr::In { measure, .. } => {
            measures.insert(*measure);
        }
        Expr::Not(inner) => mentions(inner, facts, measures),
        Expr::All(es) | Expr::Any(es) => es.iter().for_each(|e| mentions(e, facts, measures)),
    }
}

/// The thresholds a condition compares measure `m` with.
fn thresholds_of(e: &Expr, m: MeasureId, out: &mut Vec<f64>) {
    match e {
        Expr::Cmp { measure, value, .. } if *measure == m => out.push(*value),
        Expr::In { measure, lo, hi } if *measure == m => out.extend([*lo, *hi]),
        Expr::Not(inner) => thresholds_of(inner, m, out),
        Expr::All(es) | Expr::Any(es) => es.iter().for_each(|e| thresholds_of(e, m, out)),
        _ => {}
    }
}
