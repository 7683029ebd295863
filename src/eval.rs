//! The reference evaluator (§5 of the language contract): final advice for one patient.
//!
//! It evaluates a [`Bundle`], whether loaded from JSON or built from source in memory, so
//! `carel eval` on a ruleset and on the bundle built from it agree by construction.
//!
//! 1. A rule fires when its `when` holds for the patient (a fact not given is false; a
//!    comparison on a measure whose value is unknown is false).
//! 2. A fired rule advises its action for every exercise in its `exercises`.
//! 3. For each exercise, the advice of a fired rule R is dropped when another fired rule S that
//!    also advises the exercise overrides R, directly or through a chain of `overrides`. The
//!    chain follows the declared `overrides` of the bundle, whether or not the rules in between
//!    fire or advise the exercise: if S overrides T and T overrides R, S overrides R.
//! 4. The final advice is the most protective remaining: avoid > caution > recommend > consider.
//!
//! Because `overrides` has no cycles, at least one advice always remains for an exercise some
//! fired rule advises. The [`Outcome`] keeps every fired rule that advised each exercise, and
//! which rules dropped its advice.

use std::collections::{BTreeMap, BTreeSet};

use foldhash::{HashMap, HashMapExt, HashSet, HashSetExt};

use serde::Serialize;

use crate::bundle::{Bundle, Dose, Facts, ValidBundle, When, canonical};
use crate::diagnostic::did_you_mean;
use crate::model::{Action, CmpOp};

/// One patient by name: the true facts, and the measures whose value is known.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Patient {
    pub facts: BTreeSet<String>,
    #[serde(serialize_with = "measures_json")]
    pub measures: BTreeMap<String, f64>,
    /// The facts that hold because a given fact implies them (§9.1), each with the given fact
    /// that implies it (the first by name). Every one of them is also in `facts`.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub implied: BTreeMap<String, String>,
}

fn measures_json<S: serde::Serializer>(m: &BTreeMap<String, f64>, s: S) -> Result<S::Ok, S::Error> {
    use serde::ser::SerializeMap;
    let mut map = s.serialize_map(Some(m.len()))?;
    for (k, v) in m {
        map.serialize_entry(k, &crate::bundle::Num(*v))?;
    }
    map.end()
}

impl Facts for Patient {
    fn has(&self, fact: &str) -> bool {
        self.facts.contains(fact)
    }

    fn value(&self, measure: &str) -> Option<f64> {
        self.measures.get(measure).copied()
    }
}

/// What one fired rule said about one exercise.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Contribution {
    pub rule: String,
    #[serde(serialize_with = "action_json")]
    pub action: Action,
    pub dose: Option<Dose>,
    /// What should make the patient stop (the rule's `stop if`), when it says.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stop_if: Option<String>,
    /// `decides` (remains, and its action is the final one), `outweighed` (remains, but a more
    /// protective advice won) or `overridden` (dropped by `overridden_by`).
    pub outcome: &'static str,
    /// For overridden advice: the remaining (not dropped) fired rules advising the same exercise
    /// that override this one, directly or through a chain, in bundle order.
    pub overridden_by: Vec<String>,
}

/// The final advice for one exercise and how it came about.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Advice {
    pub exercise: String,
    #[serde(serialize_with = "action_json")]
    pub action: Action,
    /// The rules whose advice decided it, in bundle order.
    pub rules: Vec<String>,
    /// Every fired rule that advised the exercise, in bundle order.
    pub advised: Vec<Contribution>,
}

fn action_json<S: serde::Serializer>(a: &Action, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(a.as_str())
}

/// The result of evaluating a bundle for one patient.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Outcome {
    pub patient: Patient,
    /// Advice per exercise, sorted by exercise id; exercises no fired rule advises are absent.
    pub advice: Vec<Advice>,
    /// The rules that fired, in bundle order.
    pub fired: Vec<String>,
}

/// A bundle ready to evaluate.
pub struct Evaluator<'b> {
    bundle: &'b Bundle,
    /// Direct precedence by rule index: `overrides`, and the edges `prevails` stands for.
    overrides: Vec<Vec<usize>>,
    /// Each fact's direct `implies`.
    implies: HashMap<&'b str, &'b [String]>,
    /// Which rules can fire: see [`Triggers`].
    triggers: Triggers<'b>,
}

/// An index from facts and measures to the rules they can fire, so that evaluation tests only
/// the rules that mention something the patient has rather than every rule.
///
/// Each rule gets a *guard*: a set of facts and measures such that whenever the rule's `when`
/// holds, the patient has at least one of those facts or a known value for one of those
/// measures (a fact not given is false, a comparison on an unknown value is false). A rule is
/// listed under every fact and measure of its guard; a rule with no guard (its `when` can hold
/// for a patient with nothing given, as `not back_pain` can) is always tested. Evaluation tests
/// exactly the rules listed under the patient's facts and known measures, plus the unguarded
/// ones, in bundle order, so the rules that fire are the same as when testing every rule.
///
/// The conditions are tested in a compiled form ([`Test`]) in which facts and measures are
/// numbers, against the patient's facts and measures looked up once per evaluation.
struct Triggers<'b> {
    /// A number for every fact and every measure some rule's condition names.
    fact_ids: HashMap<&'b str, u32>,
    measure_ids: HashMap<&'b str, u32>,
    /// Each rule's condition, compiled.
    tests: Vec<Test>,
    /// By fact (measure) number: the rules listed under it, in bundle order.
    by_fact: Vec<Vec<u32>>,
    by_measure: Vec<Vec<u32>>,
    unguarded: Vec<u32>,
}

/// A rule's `when` with facts and measures numbered (see [`Triggers`]); it holds exactly when
/// the `when` holds.
enum Test {
    Always,
    Fact(u32),
    Compare { measure: u32, op: CmpOp, value: f64 },
    In { measure: u32, min: f64, max: f64 },
    Not(Box<Test>),
    All(Vec<Test>),
    Any(Vec<Test>),
}

impl Test {
    fn holds(&self, facts: &[bool], measures: &[Option<f64>]) -> bool {
        match self {
            Test::Always => true,
            Test::Fact(f) => facts[*f as usize],
            Test::Compare { measure, op, value } => {
                measures[*measure as usize].is_some_and(|v| op.holds(v, *value))
            }
            Test::In { measure, min, max } => {
                measures[*measure as usize].is_some_and(|v| *min <= v && v <= *max)
            }
            Test::Not(t) => !t.holds(facts, measures),
            Test::All(ts) => ts.iter().all(|t| t.holds(facts, measures)),
            Test::Any(ts) => ts.iter().any(|t| t.holds(facts, measures)),
        }
    }
}

/// A fact or a measure in a guard.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
enum Atom<'b> {
    Fact(&'b str),
    Measure(&'b str),
}

fn number<'b>(ids: &mut HashMap<&'b str, u32>, name: &'b str) -> u32 {
    let next = u32::try_from(ids.len()).unwrap_or(u32::MAX);
    *ids.entry(name).or_insert(next)
}

impl<'b> Triggers<'b> {
    fn new(rules: &'b [crate::bundle::Rule]) -> Triggers<'b> {
        // How many rules mention each atom: a conjunction is guarded by its rarest part, so
        // that `chronic and sciatica` is listed under `sciatica`, not under every chronic rule.
        let mut mentions: HashMap<Atom<'b>, usize> = HashMap::new();
        for rule in rules {
            count(&rule.when, &mut mentions);
        }
        let mut triggers = Triggers {
            fact_ids: HashMap::new(),
            measure_ids: HashMap::new(),
            tests: Vec::with_capacity(rules.len()),
            by_fact: Vec::new(),
            by_measure: Vec::new(),
            unguarded: Vec::new(),
        };
        for (i, rule) in rules.iter().enumerate() {
            let test = triggers.compile(&rule.when);
            triggers.tests.push(test);
            let i = u32::try_from(i).unwrap_or(u32::MAX);
            let Some(mut atoms) = guard(&rule.when, &mentions) else {
                triggers.unguarded.push(i);
                continue;
            };
            atoms.sort_unstable_by_key(|a| match a {
                Atom::Fact(f) => (0, *f),
                Atom::Measure(m) => (1, *m),
            });
            atoms.dedup();
            for atom in atoms {
                let (ids, lists, name) = match atom {
                    Atom::Fact(f) => (&triggers.fact_ids, &mut triggers.by_fact, f),
                    Atom::Measure(m) => (&triggers.measure_ids, &mut triggers.by_measure, m),
                };
                // Every atom of a guard is in the rule's condition, so it has a number.
                if let Some(&id) = ids.get(name) {
                    if lists.len() <= id as usize {
                        lists.resize_with(id as usize + 1, Vec::new);
                    }
                    lists[id as usize].push(i);
                }
            }
        }
        triggers
    }

    fn compile(&mut self, when: &'b When) -> Test {
        match when {
            When::Always => Test::Always,
            When::Fact(f) => Test::Fact(number(&mut self.fact_ids, f)),
            When::Compare { measure, op, value } => Test::Compare {
                measure: number(&mut self.measure_ids, measure),
                op: *op,
                value: *value,
            },
            When::In { measure, min, max } => Test::In {
                measure: number(&mut self.measure_ids, measure),
                min: *min,
                max: *max,
            },
            When::Not(w) => Test::Not(Box::new(self.compile(w))),
            When::All(ws) => Test::All(ws.iter().map(|w| self.compile(w)).collect()),
            When::Any(ws) => Test::Any(ws.iter().map(|w| self.compile(w)).collect()),
        }
    }

    /// The rules whose condition holds for `patient`, in bundle order.
    fn fired(&self, patient: &Patient) -> Vec<usize> {
        let mut facts = vec![false; self.fact_ids.len()];
        let mut measures = vec![None; self.measure_ids.len()];
        let mut candidates: Vec<u32> = self.unguarded.clone();
        for f in &patient.facts {
            if let Some(&id) = self.fact_ids.get(f.as_str()) {
                facts[id as usize] = true;
                candidates.extend(self.by_fact.get(id as usize).into_iter().flatten());
            }
        }
        for (m, v) in &patient.measures {
            if let Some(&id) = self.measure_ids.get(m.as_str()) {
                measures[id as usize] = Some(*v);
                candidates.extend(self.by_measure.get(id as usize).into_iter().flatten());
            }
        }
        candidates.sort_unstable();
        candidates.dedup();
        candidates
            .into_iter()
            .map(|i| i as usize)
            .filter(|&i| self.tests[i].holds(&facts, &measures))
            .collect()
    }
}

fn count<'b>(when: &'b When, mentions: &mut HashMap<Atom<'b>, usize>) {
    match when {
        When::Always => {}
        When::Fact(f) => *mentions.entry(Atom::Fact(f)).or_default() += 1,
        When::Compare { measure, .. } | When::In { measure, .. } => {
            *mentions.entry(Atom::Measure(measure)).or_default() += 1
        }
        When::Not(w) => count(w, mentions),
        When::All(ws) | When::Any(ws) => ws.iter().for_each(|w| count(w, mentions)),
    }
}

/// A guard of `when` (see [`Triggers`]): `None` when `when` may hold with nothing given;
/// `Some` of an empty list when it never holds.
fn guard<'b>(when: &'b When, mentions: &HashMap<Atom<'b>, usize>) -> Option<Vec<Atom<'b>>> {
    match when {
        When::Always | When::Not(_) => None,
        When::Fact(f) => Some(vec![Atom::Fact(f)]),
        When::Compare { measure, .. } | When::In { measure, .. } => {
            Some(vec![Atom::Measure(measure)])
        }
        // Holds only when every part holds: any part's guard will do; take the one listing
        // the fewest rules.
        When::All(ws) => ws
            .iter()
            .filter_map(|w| guard(w, mentions))
            .min_by_key(|atoms| {
                atoms
                    .iter()
                    .map(|a| mentions.get(a).copied().unwrap_or(0))
                    .sum::<usize>()
            }),
        // Holds when some part holds: every part needs a guard, and any of them may be met.
        When::Any(ws) => {
            let mut atoms = Vec::new();
            for w in ws {
                atoms.extend(guard(w, mentions)?);
            }
            Some(atoms)
        }
    }
}

impl<'b> Evaluator<'b> {
    /// Check the bundle ([`Bundle::validate`]) and index it.
    pub fn new(bundle: &'b Bundle) -> Result<Evaluator<'b>, String> {
        bundle.validate()?;
        Ok(Evaluator::index(bundle))
    }

    /// Index a bundle already checked (as [`Bundle::load`] checks it).
    pub fn of_valid(bundle: &'b ValidBundle) -> Evaluator<'b> {
        Evaluator::index(bundle)
    }

    /// Index a valid bundle.
    fn index(bundle: &'b Bundle) -> Evaluator<'b> {
        let overrides = crate::bundle::precedence(bundle);
        let v = &bundle.vocabulary;
        let implies = v
            .conditions
            .iter()
            .chain(&v.factors)
            .filter(|f| !f.implies.is_empty())
            .map(|f| (f.id.as_str(), f.implies.as_slice()))
            .collect();
        Evaluator {
            bundle,
            overrides,
            implies,
            triggers: Triggers::new(&bundle.rules),
        }
    }

    /// The patient with every implied fact added (`implies` is transitive), and `implied`
    /// naming, for each fact added, the given fact that implies it (the first by name).
    pub fn close(&self, patient: &Patient) -> Patient {
        let mut out = patient.clone();
        if self.implies.is_empty() {
            return out;
        }
        let given: Vec<&String> = patient
            .facts
            .iter()
            .filter(|f| !patient.implied.contains_key(*f))
            .collect();
        for g in given {
            let mut todo: Vec<&str> = vec![g.as_str()];
            while let Some(f) = todo.pop() {
                for next in self.implies.get(f).copied().unwrap_or(&[]) {
                    if out.facts.insert(next.clone()) {
                        out.implied.insert(next.clone(), g.clone());
                        todo.push(next);
                    }
                }
            }
        }
        out
    }

    pub fn bundle(&self) -> &'b Bundle {
        self.bundle
    }

    /// Every rule reachable from `starts` by following `overrides` once or more. Iterative and
    /// linear in the rules and overrides it visits.
    fn below(&self, starts: impl IntoIterator<Item = usize>) -> HashSet<usize> {
        let mut seen = HashSet::new();
        let mut todo: Vec<usize> = starts
            .into_iter()
            .flat_map(|s| self.overrides[s].iter().copied())
            .collect();
        while let Some(r) = todo.pop() {
            if seen.insert(r) {
                todo.extend(&self.overrides[r]);
            }
        }
        seen
    }

    /// Final advice for one patient (§5).
    pub fn evaluate(&self, patient: &Patient) -> Outcome {
        self.evaluate_only(patient, None)
    }

    /// [`Evaluator::evaluate`], with the advice worked out only for the exercises in `only`
    /// (when given); the list of fired rules is always complete. `carel test` needs only the
    /// exercises a test checks: advice on every exercise for every test would make thousands of
    /// tests against thousands of rules take minutes.
    pub fn evaluate_only(&self, patient: &Patient, only: Option<&BTreeSet<&str>>) -> Outcome {
        let closed = self.close(patient);
        let patient = &closed;
        let rules = &self.bundle.rules;
        let fired = self.triggers.fired(patient);
        let mut by_exercise: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
        for &i in &fired {
            for e in &rules[i].exercises {
                if only.is_none_or(|o| o.contains(e.as_str())) {
                    by_exercise.entry(e).or_default().push(i);
                }
            }
        }
        // What each remaining rule overrides, computed once per evaluation when needed.
        let mut reach: HashMap<usize, HashSet<usize>> = HashMap::new();
        let advice = by_exercise
            .into_iter()
            .map(|(exercise, advising)| {
                // A rule's advice is dropped when another advising rule reaches it through
                // `overrides`; a rule cannot reach itself, as `overrides` has no cycles.
                let dropped = if advising.iter().any(|&r| !self.overrides[r].is_empty()) {
                    self.below(advising.iter().copied())
                } else {
                    HashSet::new()
                };
                let remaining: Vec<usize> = advising
                    .iter()
                    .copied()
                    .filter(|r| !dropped.contains(r))
                    .collect();
                let dropped_by: Vec<Vec<usize>> = advising
                    .iter()
                    .map(|&r| {
                        if !dropped.contains(&r) {
                            return Vec::new();
                        }
                        remaining
                            .iter()
                            .copied()
                            .filter(|&s| {
                                reach
                                    .entry(s)
                                    .or_insert_with(|| self.below([s]))
                                    .contains(&r)
                            })
                            .collect()
                    })
                    .collect();
                let remaining = || remaining.iter().copied();
                let action = remaining()
                    .map(|r| rules[r].action)
                    .max_by_key(|a| a.protectiveness())
                    // Unreachable for a valid bundle (overrides have no cycles); stay protective anyway.
                    .or_else(|| {
                        advising
                            .iter()
                            .map(|&r| rules[r].action)
                            .max_by_key(|a| a.protectiveness())
                    })
                    .unwrap_or(Action::Avoid);
                let advised = advising
                    .iter()
                    .zip(&dropped_by)
                    .map(|(&r, by)| Contribution {
                        rule: rules[r].id.clone(),
                        action: rules[r].action,
                        dose: rules[r].dose.clone(),
                        stop_if: rules[r].stop_if.clone(),
                        outcome: if !by.is_empty() {
                            "overridden"
                        } else if rules[r].action == action {
                            "decides"
                        } else {
                            "outweighed"
                        },
                        overridden_by: by.iter().map(|&s| rules[s].id.clone()).collect(),
                    })
                    .collect::<Vec<_>>();
                Advice {
                    exercise: exercise.to_string(),
                    action,
                    rules: advised
                        .iter()
                        .filter(|c| c.outcome == "decides")
                        .map(|c| c.rule.clone())
                        .collect(),
                    advised,
                }
            })
            .collect();
        Outcome {
            patient: closed,
            advice,
            fired: fired.iter().map(|&i| rules[i].id.clone()).collect(),
        }
    }

    /// Parse a patient as `carel eval --given` takes it: `sciatica, chronic, age = 45`.
    /// Facts are listed by name, measures as `name=value`; spaces around `,` and `=` are fine.
    pub fn parse_given(&self, text: &str) -> Result<Patient, String> {
        let v = &self.bundle.vocabulary;
        let mut patient = Patient::default();
        for item in text.split(',').map(str::trim).filter(|i| !i.is_empty()) {
            let (name, value) = match item.split_once('=') {
                Some((n, v)) => (n.trim(), Some(v.trim())),
                None => (item, None),
            };
            let is_fact = v.conditions.iter().chain(&v.factors).any(|f| f.id == name);
            let measure = v.measures.iter().find(|m| m.id == name);
            match (value, is_fact, measure) {
                (None, true, _) => {
                    patient.facts.insert(name.to_string());
                }
                (Some(_), true, _) => {
                    return Err(format!(
                        "`{name}` is a yes/no fact, not a measure: list it without a value (`{name}`)"
                    ));
                }
                (None, false, Some(_)) => {
                    return Err(format!(
                        "`{name}` is a measure: give its value, as in `{name}=45`"
                    ));
                }
                (Some(text), false, Some(m)) => {
                    let value = parse_number(text).ok_or_else(|| {
                        format!("`{name}={text}`: the value must be a number, like `45` or `2.5`")
                    })?;
                    if !m.admits(value) {
                        return Err(format!(
                            "`{name}={text}` is outside the range of {}: {}",
                            m.label
                                .as_deref()
                                .map_or_else(|| format!("`{name}`"), |l| format!("`{name}` ({l})")),
                            range_text(m.min, m.max)
                        ));
                    }
                    if let Some(old) = patient.measures.insert(name.to_string(), value)
                        && old != value
                    {
                        return Err(format!(
                            "`{name}` is given twice with different values ({} and {text})",
                            canonical::number(old)
                        ));
                    }
                }
                (_, false, None) => return Err(self.unknown(name)),
            }
        }
        self.check_exclusive(&patient)?;
        Ok(patient)
    }

    /// The message for a name that is no fact or measure of the bundle, with a did-you-mean.
    pub fn unknown_name(&self, name: &str) -> String {
        self.unknown(name)
    }

    /// Refuse a patient whose facts, closed under `implies`, break an `excludes` or an
    /// `exclusive` group, saying which facts clash and why.
    fn check_exclusive(&self, patient: &Patient) -> Result<(), String> {
        let closed = self.close(patient);
        let why = |f: &str| match closed.implied.get(f) {
            Some(by) => format!("`{f}` (implied by `{by}`)"),
            None => format!("`{f}`"),
        };
        let v = &self.bundle.vocabulary;
        for f in v.conditions.iter().chain(&v.factors) {
            if !closed.facts.contains(&f.id) {
                continue;
            }
            if let Some(g) = f.excludes.iter().find(|g| closed.facts.contains(*g)) {
                return Err(format!(
                    "{} and {} cannot hold together: `{}` excludes `{g}`",
                    why(&f.id),
                    why(g),
                    f.id
                ));
            }
        }
        for x in &v.exclusive {
            let given: Vec<&str> = x
                .members
                .iter()
                .filter(|m| closed.facts.contains(*m))
                .map(String::as_str)
                .collect();
            if given.len() > 1 && given.iter().any(|g| closed.implied.contains_key(*g)) {
                let names: Vec<String> = given.iter().map(|g| why(g)).collect();
                return Err(format!(
                    "{} cannot hold together: they are exclusive (`{}`); give at most one",
                    names.join(" and "),
                    x.id
                ));
            }
        }
        self.check_given_exclusive(patient)
    }

    fn unknown(&self, name: &str) -> String {
        let v = &self.bundle.vocabulary;
        if v.exercises.iter().any(|e| e.id == name) {
            return format!("`{name}` is an exercise, not a fact or measure of the patient");
        }
        if v.categories.iter().any(|c| c.id == name) {
            return format!(
                "`{name}` is a category of exercises, not a fact or measure of the patient"
            );
        }
        let candidates = v
            .conditions
            .iter()
            .chain(&v.factors)
            .map(|f| f.id.as_str())
            .chain(v.measures.iter().map(|m| m.id.as_str()));
        let mut message = format!("unknown fact or measure `{name}`");
        match did_you_mean(name, candidates) {
            Some(s) => message.push_str(&format!("; did you mean `{s}`?")),
            None => message
                .push_str(": the ruleset declares no condition, factor or measure of that name"),
        }
        message
    }

    /// Refuse a patient whose given facts break an `exclusive` group.
    fn check_given_exclusive(&self, patient: &Patient) -> Result<(), String> {
        for x in &self.bundle.vocabulary.exclusive {
            let given: Vec<&str> = x
                .members
                .iter()
                .filter(|m| patient.facts.contains(*m))
                .map(String::as_str)
                .collect();
            if given.len() > 1 {
                let names: Vec<String> = given.iter().map(|g| format!("`{g}`")).collect();
                return Err(format!(
                    "{} cannot hold together: they are exclusive (`{}`{}); give at most one",
                    names.join(" and "),
                    x.id,
                    x.label
                        .as_deref()
                        .map(|l| format!(", \"{l}\""))
                        .unwrap_or_default()
                ));
            }
        }
        Ok(())
    }

    /// Check a patient given by names (e.g. from a conformance file): every name known, every
    /// value inside its measure's range, the `exclusive` groups respected.
    pub fn check_patient(&self, patient: &Patient) -> Result<(), String> {
        let v = &self.bundle.vocabulary;
        for f in &patient.facts {
            if !v.conditions.iter().chain(&v.factors).any(|x| &x.id == f) {
                return Err(self.unknown(f));
            }
        }
        for (m, &value) in &patient.measures {
            match v.measures.iter().find(|x| &x.id == m) {
                None => return Err(self.unknown(m)),
                Some(x) if !x.admits(value) => {
                    return Err(format!(
                        "`{m}` = {} is outside its range {}",
                        canonical::number(value),
                        range_text(x.min, x.max)
                    ));
                }
                Some(_) => {}
            }
        }
        self.check_exclusive(patient)
    }
}

fn range_text(min: Option<f64>, max: Option<f64>) -> String {
    match (min, max) {
        (Some(lo), Some(hi)) => format!("{}..{}", canonical::number(lo), canonical::number(hi)),
        (Some(lo), None) => format!("at least {}", canonical::number(lo)),
        (None, Some(hi)) => format!("at most {}", canonical::number(hi)),
        (None, None) => "any number".to_string(),
    }
}

/// A decimal number as Carel writes it: `45`, `2.5`, `-3` (no exponents, no `inf`/`nan`).
fn parse_number(text: &str) -> Option<f64> {
    let digits = text.strip_prefix('-').unwrap_or(text);
    let (int, frac) = match digits.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (digits, None),
    };
    let ok = !int.is_empty()
        && int.bytes().all(|b| b.is_ascii_digit())
        && frac.is_none_or(|f| !f.is_empty() && f.bytes().all(|b| b.is_ascii_digit()));
    if ok { text.parse().ok() } else { None }
}

impl Outcome {
    /// The final advice for an exercise, if any fired rule advises it.
    pub fn action(&self, exercise: &str) -> Option<Action> {
        self.advice
            .binary_search_by(|a| a.exercise.as_str().cmp(exercise))
            .ok()
            .map(|i| self.advice[i].action)
    }

    pub fn get(&self, exercise: &str) -> Option<&Advice> {
        self.advice
            .binary_search_by(|a| a.exercise.as_str().cmp(exercise))
            .ok()
            .map(|i| &self.advice[i])
    }

    /// The `carel eval --format json` object, pretty-printed, with a final newline.
    pub fn to_json(&self) -> String {
        let mut text = serde_json::to_string_pretty(self).unwrap_or_default();
        text.push('\n');
        text
    }
}

#[cfg(test)]
mod tests;
