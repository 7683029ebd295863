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
mod run;

pub use render::{FORMAT, VERSION, trace};

use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::analysis::sat::{Space, TooComplex};
use crate::bundle::{Bundle, ValidBundle, When};
use crate::eval::{Advice, Evaluator, Patient};
use crate::model::{self, Action, Expr, FactId, MeasureId};
use run::{Answer, Run, ask_next, never};

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
        Ok(PartialEvaluator::with(Evaluator::new(bundle)?))
    }

    /// Index a bundle already checked (as [`Bundle::load`] checks it).
    pub fn of_valid(bundle: &'b ValidBundle) -> PartialEvaluator<'b> {
        PartialEvaluator::with(Evaluator::of_valid(bundle))
    }

    fn with(evaluator: Evaluator<'b>) -> PartialEvaluator<'b> {
        let bundle = evaluator.bundle();
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
        p
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

    /// The patient space of the bundle (§5, §9.1: exclusive groups, `excludes`, `implies`,
    /// measure ranges), built as the analysis builds it from a model, with the analysis'
    /// default work budget.
    pub fn space(&self) -> Space {
        let v = &self.bundle.vocabulary;
        let ids = |names: &[String]| -> Vec<FactId> {
            names
                .iter()
                .filter_map(|m| self.fact_ids.get(m.as_str()).copied())
                .collect()
        };
        let facts: Vec<&crate::bundle::FactEntry> = v.conditions.iter().chain(&v.factors).collect();
        Space::of_vocabulary(
            v.exclusive.iter().map(|x| ids(&x.members)).collect(),
            &facts.iter().map(|f| ids(&f.excludes)).collect::<Vec<_>>(),
            &facts.iter().map(|f| ids(&f.implies)).collect::<Vec<_>>(),
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
        // Given facts bring every fact they imply (§9.1).
        let given = self.evaluator.close(&given);
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
            if let Some(by) = k.given.implied.get(name) {
                return Err(format!(
                    "`{name}` is implied by `{by}` (given), so it cannot be said not to hold (--not): `{by}` implies `{name}`"
                ));
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
                    if let Some(by) = k.given.implied.get(name) {
                        return Err(format!(
                            "--unknown: `{name}` is implied by `{by}` (given), so it is known to hold"
                        ));
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
        // Each distinct witness is evaluated once, for every exercise: with nothing unknown all
        // exercises share one witness, the patient.
        let mut traces: HashMap<WitnessKey, crate::eval::Outcome> = HashMap::new();
        let mut exercises = Vec::with_capacity(self.exercises.len());
        for (exercise, advising) in &self.exercises {
            let answer = cache
                .entry(advising.clone())
                .or_insert_with(|| run.answer(advising))
                .clone();
            exercises.push(self.exercise_outcome(&run, exercise, answer, &mut traces));
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
        traces: &mut HashMap<WitnessKey, crate::eval::Outcome>,
    ) -> ExerciseOutcome {
        let Ok(answer) = answer else {
            return ExerciseOutcome {
                exercise: exercise.to_string(),
                status: Status::TooComplex,
                possible: Vec::new(),
                depends_on: Vec::new(),
            };
        };
        let possible = answer
            .possible
            .iter()
            .map(|(advice, w)| {
                let witness = run.named(w, true);
                let assumes = run.named(w, false);
                let trace = traces
                    .entry(WitnessKey::of(w))
                    .or_insert_with(|| self.evaluator.evaluate(&witness))
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

/// A witness as a map key: its true facts and its measure values, bit for bit.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct WitnessKey(Vec<FactId>, Vec<(MeasureId, u64)>);

impl WitnessKey {
    fn of(w: &model::Patient) -> WitnessKey {
        WitnessKey(
            w.facts.clone(),
            w.measures.iter().map(|&(m, v)| (m, v.to_bits())).collect(),
        )
    }
}

/// The items of a comma-separated list, trimmed, empty ones skipped.
fn list(text: &str) -> impl Iterator<Item = &str> {
    text.split(',').map(str::trim).filter(|s| !s.is_empty())
}

#[cfg(test)]
mod tests;
