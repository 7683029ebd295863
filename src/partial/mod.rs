//! Evaluation with unknown facts (§10 of the language contract): advice for a patient who is
//! only partly known, what it depends on, and what to ask next.
//!
//! What is known: facts that hold (`--given`), facts that do not (`--not`), measure values;
//! what is not: the unknown facts and measures. Every other fact is false and every other
//! measure unmeasured, as in §5. A **completion** is a patient (§5, §9.1) that agrees with what
//! is known and gives each unknown fact true or false and each unknown measure a value in its
//! range. For every exercise the evaluator returns:
//!
//! - the set of final advice values (including "no advice") over all completions, each with a
//!   witness: the completion with fewest true facts that gets it (chosen as the analysis
//!   chooses witnesses, [`crate::analysis::sat`]);
//! - the unknowns it depends on: an unknown matters when fixing it (a fact true or false, a
//!   measure to one value or another) changes that set;
//!
//! and, over all exercises, the **ask-next** list: the unknowns that matter, by how many
//! exercises' advice they could change (ties: bundle order — conditions, factors, measures).
//!
//! # How
//!
//! It works on a [`Bundle`], like [`crate::eval`], so a ruleset and its bundle give the same
//! answers. Known values are substituted into the rules' conditions first (partial evaluation
//! proper), leaving conditions over the unknowns only. For an exercise advised by rules `R`,
//! "the final advice is `v`" is itself a condition over those residual conditions (§5 steps
//! 2–3: a rule's advice remains when no firing rule of `R` overrides it through the override
//! chains of the bundle; `v` is the most protective remaining), and each question — can it be
//! `v`? with this unknown fixed? — goes to the analysis' solver over the same patient space
//! ([`Space`]), with its work budget. A question beyond the budget makes the exercise
//! [`Status::TooComplex`]: reported, never guessed. Exercises advised by the same rules share
//! one answer, and questions already answered by a completion in hand are not asked again.
//!
//! Known facts constrain unknown ones through the patient space (an unknown fact exclusive
//! with a given one is false in every completion): such unknowns are settled before anything
//! else is asked ([`PartialOutcome::follows`]), and every question carries the known facts
//! linked to the facts it mentions.

mod render;

pub use render::{FORMAT, VERSION};

use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::analysis::sat::{Space, TooComplex};
use crate::bundle::{Bundle, When};
use crate::eval::{Advice, Evaluator, Patient};
use crate::model::{self, Action, CmpOp, Expr, FactId, MeasureId};

/// What is known about the patient, by name, and what is not.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Knowledge {
    /// The facts that hold, and the known measure values.
    pub given: Patient,
    /// Facts known not to hold.
    pub not: BTreeSet<String>,
    /// Facts not known yet.
    pub unknown_facts: BTreeSet<String>,
    /// Measures not known yet.
    pub unknown_measures: BTreeSet<String>,
}

/// The advice for one exercise: `None` is "no advice" (no firing rule advises it).
pub type Value = Option<Action>;

/// Whether an exercise's advice is known.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// One possible value.
    Settled,
    /// Several possible values, depending on the unknowns in `depends_on`.
    Depends,
    /// A question about this exercise was beyond the solver's work budget.
    TooComplex,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Settled => "settled",
            Status::Depends => "depends",
            Status::TooComplex => "too_complex",
        }
    }
}

/// One possible final advice for an exercise, with the completion that shows it.
#[derive(Clone, Debug, PartialEq)]
pub struct Possible {
    pub advice: Value,
    /// The whole completion: every true fact, every known measure value. A measure the
    /// exercise's rules do not test is left out (any value gives the same advice).
    pub witness: Patient,
    /// What the witness assumes about the unknowns: the unknown facts it makes true (every
    /// other unknown fact is false) and the values it gives unknown measures.
    pub assumes: Patient,
    /// The evaluation of the witness for this exercise (`None` for no advice).
    pub trace: Option<Advice>,
}

/// The result for one exercise.
#[derive(Clone, Debug, PartialEq)]
pub struct ExerciseOutcome {
    pub exercise: String,
    pub status: Status,
    /// Every possible value, most protective first, "no advice" last. Empty when
    /// [`Status::TooComplex`].
    pub possible: Vec<Possible>,
    /// The unknowns that matter, in bundle order (facts, then measures).
    pub depends_on: Vec<String>,
}

impl ExerciseOutcome {
    /// The possible value of the completion with fewest true facts: what the exercise gets if
    /// nothing more turns out to be true (ties: the more protective).
    pub fn first(&self) -> Option<&Possible> {
        self.possible
            .iter()
            .min_by_key(|p| (p.assumes.facts.len(), p.assumes.measures.len()))
    }
}

/// An unknown worth asking about.
#[derive(Clone, Debug, PartialEq)]
pub struct AskNext {
    pub name: String,
    /// `fact` or `measure`.
    pub kind: &'static str,
    /// The exercises whose set of possible advice changes when it is fixed, sorted.
    pub exercises: Vec<String>,
}

/// Everything the partial evaluation found.
#[derive(Clone, Debug, PartialEq)]
pub struct PartialOutcome {
    pub knowledge: Knowledge,
    /// Unknown facts whose value follows from what is known, with that value.
    pub follows: Vec<(String, bool)>,
    /// Every exercise of the bundle, sorted by id.
    pub exercises: Vec<ExerciseOutcome>,
    pub ask_next: Vec<AskNext>,
}

impl PartialOutcome {
    pub fn get(&self, exercise: &str) -> Option<&ExerciseOutcome> {
        self.exercises
            .binary_search_by(|e| e.exercise.as_str().cmp(exercise))
            .ok()
            .map(|i| &self.exercises[i])
    }

    /// The exercises a question was too complex for.
    pub fn too_complex(&self) -> impl Iterator<Item = &ExerciseOutcome> {
        self.exercises
            .iter()
            .filter(|e| e.status == Status::TooComplex)
    }
}

/// A fact's value in a question: known, or not.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Truth {
    Known(bool),
    Unknown,
}

/// A measure's value in a question.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Reading {
    Value(f64),
    Unmeasured,
    Unknown,
}

/// A bundle ready for partial evaluation.
pub struct PartialEvaluator<'b> {
    evaluator: Evaluator<'b>,
    bundle: &'b Bundle,
    /// Fact ids: conditions, then factors, in bundle order.
    facts: Vec<&'b str>,
    fact_ids: HashMap<&'b str, FactId>,
    measures: Vec<&'b str>,
    measure_ids: HashMap<&'b str, MeasureId>,
    /// Each rule's condition over ids.
    conditions: Vec<Expr>,
    /// Direct `overrides` by rule index.
    overrides: Vec<Vec<usize>>,
    /// Exercises sorted by id, with the rules advising each (bundle order).
    exercises: Vec<(&'b str, Vec<usize>)>,
}

impl<'b> PartialEvaluator<'b> {
    /// Check the bundle and index it.
    pub fn new(bundle: &'b Bundle) -> Result<PartialEvaluator<'b>, String> {
        let evaluator = Evaluator::new(bundle)?;
        let v = &bundle.vocabulary;
        let facts: Vec<&str> = v
            .conditions
            .iter()
            .chain(&v.factors)
            .map(|f| f.id.as_str())
            .collect();
        let fact_ids = facts.iter().enumerate().map(|(i, &f)| (f, i)).collect();
        let measures: Vec<&str> = v.measures.iter().map(|m| m.id.as_str()).collect();
        let measure_ids = measures.iter().enumerate().map(|(i, &m)| (m, i)).collect();
        let mut p = PartialEvaluator {
            evaluator,
            bundle,
            facts,
            fact_ids,
            measures,
            measure_ids,
            conditions: Vec::new(),
            overrides: Vec::new(),
            exercises: Vec::new(),
        };
        p.conditions = bundle.rules.iter().map(|r| p.expr(&r.when)).collect();
        // `overrides` and the edges `prevails` stands for, as the evaluator uses them.
        p.overrides = crate::bundle::precedence(bundle);
        let mut advising: BTreeMap<&str, Vec<usize>> = v
            .exercises
            .iter()
            .map(|e| (e.id.as_str(), Vec::new()))
            .collect();
        for (i, r) in bundle.rules.iter().enumerate() {
            for e in &r.exercises {
                if let Some(list) = advising.get_mut(e.as_str()) {
                    list.push(i);
                }
            }
        }
        p.exercises = advising.into_iter().collect();
        Ok(p)
    }

    pub fn evaluator(&self) -> &Evaluator<'b> {
        &self.evaluator
    }

    pub fn bundle(&self) -> &'b Bundle {
        self.bundle
    }

    /// A bundle condition over ids. Names were checked by [`Bundle::validate`]; a name that is
    /// not there anyway can never hold.
    fn expr(&self, w: &When) -> Expr {
        match w {
            When::Always => Expr::Always,
            When::Fact(f) => match self.fact_ids.get(f.as_str()) {
                Some(&id) => Expr::Fact(id),
                None => never(),
            },
            When::Compare { measure, op, value } => match self.measure_ids.get(measure.as_str()) {
                Some(&id) => Expr::Cmp {
                    measure: id,
                    op: *op,
                    value: *value,
                },
                None => never(),
            },
            When::In { measure, min, max } => match self.measure_ids.get(measure.as_str()) {
                Some(&id) => Expr::In {
                    measure: id,
                    lo: *min,
                    hi: *max,
                },
                None => never(),
            },
            When::Not(w) => Expr::Not(Box::new(self.expr(w))),
            When::All(ws) => Expr::All(ws.iter().map(|w| self.expr(w)).collect()),
            When::Any(ws) => Expr::Any(ws.iter().map(|w| self.expr(w)).collect()),
        }
    }

    /// The patient space of the bundle (§5, §9.1), with the analysis' default work budget.
    pub fn space(&self) -> Space {
        let v = &self.bundle.vocabulary;
        Space::from_parts(
            self.facts.len(),
            v.exclusive
                .iter()
                .map(|x| {
                    x.members
                        .iter()
                        .filter_map(|m| self.fact_ids.get(m.as_str()).copied())
                        .collect()
                })
                .collect(),
            v.measures.iter().map(|m| (m.min, m.max)).collect(),
        )
    }

    /// Read what is known from the command line's lists: `given` as `carel eval --given`
    /// takes it (`a, b, age=45`), `not` a list of facts, `unknown` a list of facts and
    /// measures or `all` (every fact and measure not given and not in `not`). `None` for
    /// `unknown` means nothing is unknown.
    pub fn parse_knowledge(
        &self,
        given: &str,
        not: &str,
        unknown: Option<&str>,
    ) -> Result<Knowledge, String> {
        let given = self
            .evaluator
            .parse_given(given)
            .map_err(|e| format!("--given: {e}"))?;
        let mut k = Knowledge {
            given,
            ..Knowledge::default()
        };
        for name in list(not) {
            if self.measure_ids.contains_key(name) {
                return Err(format!(
                    "--not: `{name}` is a measure; `--not` takes yes/no facts (leave a measure out to leave it unmeasured)"
                ));
            }
            if !self.fact_ids.contains_key(name) {
                return Err(format!("--not: {}", self.evaluator.unknown_name(name)));
            }
            if k.given.facts.contains(name) {
                return Err(format!(
                    "`{name}` is both given (--given) and said not to hold (--not)"
                ));
            }
            k.not.insert(name.to_string());
        }
        match unknown.map(str::trim) {
            None => {}
            Some("all") => {
                for &f in &self.facts {
                    if !k.given.facts.contains(f) && !k.not.contains(f) {
                        k.unknown_facts.insert(f.to_string());
                    }
                }
                for &m in &self.measures {
                    if !k.given.measures.contains_key(m) {
                        k.unknown_measures.insert(m.to_string());
                    }
                }
            }
            Some(text) => {
                for name in list(text) {
                    if name == "all" {
                        return Err(
                            "--unknown: `all` stands alone (`--unknown all`), not in a list"
                                .to_string(),
                        );
                    }
                    if k.given.facts.contains(name) || k.given.measures.contains_key(name) {
                        return Err(format!(
                            "--unknown: `{name}` is given (--given); a fact or measure is either known or unknown"
                        ));
                    }
                    if k.not.contains(name) {
                        return Err(format!(
                            "--unknown: `{name}` is said not to hold (--not); a fact is either known or unknown"
                        ));
                    }
                    if self.fact_ids.contains_key(name) {
                        k.unknown_facts.insert(name.to_string());
                    } else if self.measure_ids.contains_key(name) {
                        k.unknown_measures.insert(name.to_string());
                    } else {
                        return Err(format!("--unknown: {}", self.evaluator.unknown_name(name)));
                    }
                }
            }
        }
        Ok(k)
    }

    /// Evaluate for a partly known patient (§10). `Err` when what is known is not a patient
    /// (§9.1), or names something the bundle does not declare.
    pub fn evaluate(&self, knowledge: &Knowledge) -> Result<PartialOutcome, String> {
        self.evaluate_in(&self.space(), knowledge)
    }

    /// [`PartialEvaluator::evaluate`] in a given patient space (e.g. one with a smaller work
    /// budget).
    pub fn evaluate_in(
        &self,
        space: &Space,
        knowledge: &Knowledge,
    ) -> Result<PartialOutcome, String> {
        let run = Run::new(self, space, knowledge)?;
        let mut cache: HashMap<Vec<usize>, Result<Answer, TooComplex>> = HashMap::new();
        let mut exercises = Vec::with_capacity(self.exercises.len());
        for (exercise, advising) in &self.exercises {
            let answer = cache
                .entry(advising.clone())
                .or_insert_with(|| run.answer(advising))
                .clone();
            exercises.push(self.exercise_outcome(&run, exercise, answer));
        }
        let ask_next = ask_next(&run, &exercises);
        let follows = run
            .follows
            .iter()
            .map(|&(f, v)| (self.facts[f].to_string(), v))
            .collect();
        Ok(PartialOutcome {
            knowledge: knowledge.clone(),
            follows,
            exercises,
            ask_next,
        })
    }

    fn exercise_outcome(
        &self,
        run: &Run,
        exercise: &str,
        answer: Result<Answer, TooComplex>,
    ) -> ExerciseOutcome {
        let Ok(answer) = answer else {
            return ExerciseOutcome {
                exercise: exercise.to_string(),
                status: Status::TooComplex,
                possible: Vec::new(),
                depends_on: Vec::new(),
            };
        };
        let only: BTreeSet<&str> = [exercise].into();
        let possible = answer
            .possible
            .iter()
            .map(|(advice, w)| {
                let witness = run.named(w, true);
                let assumes = run.named(w, false);
                let trace = self
                    .evaluator
                    .evaluate_only(&witness, Some(&only))
                    .get(exercise)
                    .cloned();
                Possible {
                    advice: *advice,
                    witness,
                    assumes,
                    trace,
                }
            })
            .collect::<Vec<_>>();
        ExerciseOutcome {
            exercise: exercise.to_string(),
            status: if possible.len() == 1 {
                Status::Settled
            } else {
                Status::Depends
            },
            possible,
            depends_on: answer
                .depends_on
                .iter()
                .map(|u| run.unknown_name(*u))
                .collect(),
        }
    }
}

/// The items of a comma-separated list, trimmed, empty ones skipped.
fn list(text: &str) -> impl Iterator<Item = &str> {
    text.split(',').map(str::trim).filter(|s| !s.is_empty())
}

/// An unknown: a fact or a measure.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum Unknown {
    Fact(FactId),
    Measure(MeasureId),
}

/// The answer for one set of advising rules.
#[derive(Clone, Debug)]
struct Answer {
    /// Possible values, most protective first, "no advice" last, each with its witness.
    possible: Vec<(Value, model::Patient)>,
    /// The unknowns that matter, in bundle order.
    depends_on: Vec<Unknown>,
}

/// One partial evaluation: what is known, by id, and the space its questions go to.
struct Run<'p, 'b> {
    p: &'p PartialEvaluator<'b>,
    space: &'p Space,
    facts: Vec<Truth>,
    measures: Vec<Reading>,
    /// Unknown facts whose value follows from what is known.
    follows: Vec<(FactId, bool)>,
    /// Known facts as conditions (`Expr::Fact`), indexed by fact id.
    fact_exprs: Vec<Expr>,
}

impl<'p, 'b> Run<'p, 'b> {
    fn new(
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
            facts,
            measures,
            follows: Vec::new(),
            fact_exprs,
        };
        run.settle_followers()?;
        Ok(run)
    }

    /// Check that what is known is a patient (§9.1), and settle the unknown facts whose value
    /// follows from it: those for which only one value leaves a patient.
    fn settle_followers(&mut self) -> Result<(), String> {
        let known: Vec<(&Expr, bool)> = self
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
        for f in 0..self.facts.len() {
            if self.facts[f] != Truth::Unknown {
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
            self.facts[f] = Truth::Known(v);
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

    fn unknown_name(&self, u: Unknown) -> String {
        match u {
            Unknown::Fact(f) => self.p.facts[f].to_string(),
            Unknown::Measure(m) => self.p.measures[m].to_string(),
        }
    }

    /// A witness by name: with `whole`, the completion (known facts and values included);
    /// otherwise only what it assumes about the unknowns.
    fn named(&self, w: &model::Patient, whole: bool) -> Patient {
        let mut out = Patient::default();
        for &f in &w.facts {
            if self.facts.get(f) == Some(&Truth::Unknown) || whole {
                out.facts.insert(self.p.facts[f].to_string());
            }
        }
        for &(m, v) in &w.measures {
            if self.measures.get(m) == Some(&Reading::Unknown) || whole {
                out.measures.insert(self.p.measures[m].to_string(), v);
            }
        }
        if whole {
            for (f, t) in self.facts.iter().enumerate() {
                if *t == Truth::Known(true) {
                    out.facts.insert(self.p.facts[f].to_string());
                }
            }
            for (m, r) in self.measures.iter().enumerate() {
                if let Reading::Value(v) = r {
                    out.measures.insert(self.p.measures[m].to_string(), *v);
                }
            }
        }
        out
    }

    /// A condition with what is known put in: only unknown facts and measures are left.
    fn residual(&self, e: &Expr) -> Expr {
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

    /// Every rule reachable from `s` by following `overrides` once or more.
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
    fn answer(&self, advising: &[usize]) -> Result<Answer, TooComplex> {
        let rules = &self.p.bundle.rules;
        // Rules that cannot fire for any completion take no part; chains still pass through
        // them, as `below` follows the whole bundle.
        let live: Vec<(usize, Expr)> = advising
            .iter()
            .map(|&r| (r, self.residual(&self.p.conditions[r])))
            .filter(|(_, c)| !is_false(c))
            .collect();
        let below: Vec<BTreeSet<usize>> = live.iter().map(|&(r, _)| self.below(r)).collect();
        // remains[i]: rule i fires and no firing rule of `live` overrides it.
        let remains: Vec<Expr> = live
            .iter()
            .map(|(r, c)| {
                let mut parts = vec![c.clone()];
                for (j, (_, d)) in live.iter().enumerate() {
                    if below[j].contains(r) {
                        parts.push(not(d.clone()));
                    }
                }
                all(parts)
            })
            .collect();
        let mut values: Vec<Value> = Vec::new();
        let mut actions: Vec<Action> = live.iter().map(|&(r, _)| rules[r].action).collect();
        actions.sort_by_key(|a| std::cmp::Reverse(a.protectiveness()));
        actions.dedup();
        values.extend(actions.iter().map(|&a| Some(a)));
        values.push(None);
        let formula = |v: Value| -> Expr {
            match v {
                None => all(live.iter().map(|(_, c)| not(c.clone())).collect()),
                Some(a) => {
                    let some = any(live
                        .iter()
                        .zip(&remains)
                        .filter(|((r, _), _)| rules[*r].action == a)
                        .map(|(_, e)| e.clone())
                        .collect());
                    let mut parts = vec![some];
                    for ((r, _), e) in live.iter().zip(&remains) {
                        if rules[*r].action.protectiveness() > a.protectiveness() {
                            parts.push(not(e.clone()));
                        }
                    }
                    all(parts)
                }
            }
        };
        let mut possible: Vec<(Value, Expr, model::Patient)> = Vec::new();
        for v in values {
            let f = formula(v);
            if is_false(&f) {
                continue;
            }
            if let Some(w) = self.solve(&f, None, true)? {
                possible.push((v, f, w));
            }
        }
        // Which unknowns could matter: those the residual conditions mention, and those
        // linked to them through the patient space.
        let mut facts = BTreeSet::new();
        let mut measures = BTreeSet::new();
        for (_, c) in &live {
            mentions(c, &mut facts, &mut measures);
        }
        let mut candidates: BTreeSet<Unknown> = BTreeSet::new();
        for &f in &facts {
            candidates.insert(Unknown::Fact(f));
            for g in self.space.linked(f) {
                if self.facts[g] == Truth::Unknown {
                    candidates.insert(Unknown::Fact(g));
                }
            }
        }
        candidates.extend(measures.iter().map(|&m| Unknown::Measure(m)));
        let mut depends_on = Vec::new();
        if possible.len() > 1 {
            // Completions in hand per possible value: fixing questions they answer are not asked.
            let mut examples: Vec<Vec<model::Patient>> =
                possible.iter().map(|(_, _, w)| vec![w.clone()]).collect();
            for &u in &candidates {
                if self.matters(u, &live, &possible, &mut examples)? {
                    depends_on.push(u);
                }
            }
        }
        Ok(Answer {
            possible: possible.into_iter().map(|(v, _, w)| (v, w)).collect(),
            depends_on,
        })
    }

    /// Whether fixing `u` changes the set of possible values for some value it can take.
    fn matters(
        &self,
        u: Unknown,
        live: &[(usize, Expr)],
        possible: &[(Value, Expr, model::Patient)],
        examples: &mut [Vec<model::Patient>],
    ) -> Result<bool, TooComplex> {
        let fixings: Vec<Expr> = match u {
            Unknown::Fact(f) => vec![Expr::Fact(f), not(Expr::Fact(f))],
            Unknown::Measure(m) => {
                let mut thresholds = Vec::new();
                for (_, c) in live {
                    thresholds_of(c, m, &mut thresholds);
                }
                self.space
                    .region_values(m, &thresholds)
                    .into_iter()
                    .map(|value| Expr::Cmp {
                        measure: m,
                        op: CmpOp::Eq,
                        value,
                    })
                    .collect()
            }
        };
        for fix in &fixings {
            // The possible values with `u` fixed: a subset of `possible`.
            let mut kept = 0;
            for (i, (_, f, _)) in possible.iter().enumerate() {
                let shown = examples[i].iter().any(|w| satisfies(fix, w, f));
                if shown {
                    kept += 1;
                    continue;
                }
                if let Some(w) = self.solve(f, Some(fix), false)? {
                    examples[i].push(w);
                    kept += 1;
                }
            }
            // A fixing no completion allows is not a value the unknown can take.
            if kept != 0 && kept != possible.len() {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// A completion satisfying `formula` (and `fix`): the one with fewest true facts when
    /// `minimal`, else the first found.
    fn solve(
        &self,
        formula: &Expr,
        fix: Option<&Expr>,
        minimal: bool,
    ) -> Result<Option<model::Patient>, TooComplex> {
        let mut facts = BTreeSet::new();
        let mut measures = BTreeSet::new();
        mentions(formula, &mut facts, &mut measures);
        if let Some(fix) = fix {
            mentions(fix, &mut facts, &mut measures);
        }
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
        constraints.extend(fix.map(|f| (f, true)));
        constraints.extend(valued.iter().map(|e| (e, true)));
        // Known facts linked to the facts asked about constrain them through the space.
        let mut linked = BTreeSet::new();
        for &f in &facts {
            for g in self.space.linked(f) {
                if let Truth::Known(v) = self.facts[g] {
                    linked.insert((g, v));
                }
            }
        }
        constraints.extend(linked.iter().map(|&(g, v)| (&self.fact_exprs[g], v)));
        let prepared = self.space.prepare(&constraints);
        let found = if minimal {
            self.space.witness_all(&[&prepared])?
        } else {
            self.space.example(&[&prepared])?
        };
        Ok(found.map(|mut w| {
            // Known facts are reported by `named`; keep only what the question decided.
            w.facts.retain(|&f| self.facts[f] == Truth::Unknown);
            w
        }))
    }
}

/// Whether the completion `w` (facts not listed are false; measures not listed are unknown)
/// satisfies `fix` and `formula`.
fn satisfies(fix: &Expr, w: &model::Patient, formula: &Expr) -> bool {
    let mut ms = BTreeSet::new();
    mentions(fix, &mut BTreeSet::new(), &mut ms);
    // A fixed measure must have a value in the completion.
    ms.iter().all(|&m| w.value(m).is_some()) && fix.holds(w) && formula.holds(w)
}

/// The ask-next list: unknowns by the number of exercises whose advice they could change
/// (most first; ties in bundle order, facts before measures).
fn ask_next(run: &Run, exercises: &[ExerciseOutcome]) -> Vec<AskNext> {
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
fn never() -> Expr {
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

#[cfg(test)]
mod tests;
