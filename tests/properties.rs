//! Property tests on generated rulesets.
//!
//! A strategy writes small valid Carel rulesets — a few facts, maybe an exclusive group, two
//! measures with ranges, a category hierarchy, exercises, and rules with random conditions,
//! actions, targets, doses, overrides and statuses, spread over one to three files in random
//! order — and keeps the structure it wrote, so that what Carel reads can be checked against
//! it by brute force over every patient of a small vocabulary.

use std::collections::{BTreeMap, BTreeSet};

use carel::analysis::{Analysis, ConflictKind};
use carel::bundle::Bundle;
use carel::diagnostic::{Code, render, sarif};
use carel::eval::Evaluator;
use carel::model::{Action, CmpOp, Model, Patient, RuleId, Status};
use carel::source::Sources;
use proptest::prelude::*;

// ---- the generated structure --------------------------------------------------------------------

/// The two measures every generated ruleset declares: name and inclusive range.
const MEASURES: [(&str, i64, i64); 2] = [("age", 0, 120), ("pain", 0, 10)];

/// A patient's measure values (`None`: unknown), in the order of [`MEASURES`].
type Values = [Option<f64>; 2];

#[derive(Clone, Debug)]
enum Cond {
    Fact(usize),
    Cmp(usize, CmpOp, i64),
    In(usize, i64, i64),
    Not(Box<Cond>),
    And(Vec<Cond>),
    Or(Vec<Cond>),
}

impl Cond {
    /// The meaning written down in the language contract (§5), independently of Carel.
    fn eval(&self, facts: &BTreeSet<usize>, values: &Values) -> bool {
        match self {
            Cond::Fact(f) => facts.contains(f),
            Cond::Cmp(m, op, v) => values[*m].is_some_and(|x| op.holds(x, *v as f64)),
            Cond::In(m, lo, hi) => values[*m].is_some_and(|x| *lo as f64 <= x && x <= *hi as f64),
            Cond::Not(c) => !c.eval(facts, values),
            Cond::And(cs) => cs.iter().all(|c| c.eval(facts, values)),
            Cond::Or(cs) => cs.iter().any(|c| c.eval(facts, values)),
        }
    }

    fn text(&self) -> String {
        let group = |c: &Cond| match c {
            Cond::And(_) | Cond::Or(_) | Cond::Not(_) => format!("({})", c.text()),
            _ => c.text(),
        };
        match self {
            Cond::Fact(f) => format!("f{f}"),
            Cond::Cmp(m, op, v) => format!("{} {} {v}", MEASURES[*m].0, op.as_str()),
            Cond::In(m, lo, hi) => format!("{} in {lo}..{hi}", MEASURES[*m].0),
            Cond::Not(c) => format!("not {}", group(c)),
            Cond::And(cs) => cs.iter().map(group).collect::<Vec<_>>().join(" and "),
            Cond::Or(cs) => cs.iter().map(group).collect::<Vec<_>>().join(" or "),
        }
    }
}

#[derive(Clone, Debug)]
struct GenRule {
    named: bool,
    cond: Option<Cond>,
    unless: Option<Cond>,
    action: Action,
    /// Indices into the ruleset's targets: exercises first, then categories.
    targets: Vec<usize>,
    dose: Option<&'static str>,
    /// Earlier named rules this one overrides.
    overrides: Vec<usize>,
    status: Status,
    /// Indices into the targets, written after `except`.
    except: Vec<usize>,
    prevails: bool,
}

impl GenRule {
    fn eval(&self, facts: &BTreeSet<usize>, values: &Values) -> bool {
        self.cond.as_ref().is_none_or(|c| c.eval(facts, values))
            && self.unless.as_ref().is_none_or(|u| !u.eval(facts, values))
    }
}

#[derive(Clone, Debug)]
struct GenRuleset {
    facts: usize,
    /// Which facts are conditions (the others are factors).
    conditions: Vec<bool>,
    exclusive: Vec<usize>,
    /// For each fact, the facts it implies directly.
    implies: Vec<Vec<usize>>,
    /// Pairs of different facts that exclude each other (written on the first).
    excludes: Vec<(usize, usize)>,
    /// For each category, its parents (always earlier categories: a DAG).
    categories: Vec<Vec<usize>>,
    /// For each exercise, its categories.
    exercises: Vec<Vec<usize>>,
    rules: Vec<GenRule>,
    /// File (0..3) of each item, in the order items are written, and the item order.
    files: usize,
    order: Vec<(usize, usize)>,
}

impl GenRuleset {
    fn target_name(&self, t: usize) -> String {
        if t < self.exercises.len() {
            format!("x{t}")
        } else {
            format!("k{}", t - self.exercises.len())
        }
    }

    fn rule_name(i: usize) -> String {
        format!("r{i}")
    }

    /// Every item as text; rule `i` carries `because "g<i>"` so it can be found again.
    fn items(&self) -> Vec<String> {
        let mut items = Vec::new();
        for f in 0..self.facts {
            let kind = if self.conditions[f] {
                "condition"
            } else {
                "factor"
            };
            let mut item = format!("{kind} f{f} \"Fact {f}\"");
            if !self.implies[f].is_empty() {
                let list: Vec<String> = self.implies[f].iter().map(|g| format!("f{g}")).collect();
                item.push_str(&format!(" implies {}", list.join(", ")));
            }
            let excluded: Vec<String> = self
                .excludes
                .iter()
                .filter(|&&(a, _)| a == f)
                .map(|&(_, b)| format!("f{b}"))
                .collect();
            if !excluded.is_empty() {
                item.push_str(&format!(" excludes {}", excluded.join(", ")));
            }
            items.push(item);
        }
        if !self.exclusive.is_empty() {
            let members: Vec<String> = self.exclusive.iter().map(|f| format!("f{f}")).collect();
            items.push(format!("exclusive stage: {}", members.join(", ")));
        }
        for (name, lo, hi) in MEASURES {
            items.push(format!("measure {name} range {lo}..{hi}"));
        }
        for (k, parents) in self.categories.iter().enumerate() {
            let mut item = format!("category k{k}");
            if !parents.is_empty() {
                let ps: Vec<String> = parents.iter().map(|p| format!("k{p}")).collect();
                item.push_str(&format!(" in {}", ps.join(", ")));
            }
            items.push(item);
        }
        for (x, cats) in self.exercises.iter().enumerate() {
            let mut item = format!("exercise x{x} \"Exercise {x}\"");
            if !cats.is_empty() {
                let cs: Vec<String> = cats.iter().map(|c| format!("k{c}")).collect();
                item.push_str(&format!(" in {}", cs.join(", ")));
            }
            items.push(item);
        }
        items.push("source s0 \"A guideline\"".to_string());
        for (i, r) in self.rules.iter().enumerate() {
            let targets: Vec<String> = r.targets.iter().map(|&t| self.target_name(t)).collect();
            let mut advice = format!("{} {}", r.action.as_str(), targets.join(", "));
            if !r.except.is_empty() {
                let except: Vec<String> = r.except.iter().map(|&t| self.target_name(t)).collect();
                advice.push_str(&format!(" except {}", except.join(", ")));
            }
            if let Some(dose) = r.dose {
                advice.push_str(&format!(" {dose}"));
            }
            let mut tail = format!(" because \"g{i}\" cite s0");
            if !r.overrides.is_empty() {
                let os: Vec<String> = r.overrides.iter().map(|&o| Self::rule_name(o)).collect();
                tail.push_str(&format!(" overrides {}", os.join(", ")));
            }
            if r.status != Status::Active {
                tail.push_str(&format!(" status {}", r.status.as_str()));
            }
            if r.prevails {
                tail.push_str(" prevails");
            }
            let when = match (&r.cond, &r.unless) {
                (Some(c), Some(u)) => format!("if {} unless {} then ", c.text(), u.text()),
                (Some(c), None) => format!("if {} then ", c.text()),
                (None, Some(u)) => format!("unless {} then ", u.text()),
                (None, None) => String::new(),
            };
            items.push(if r.named {
                format!("rule {}:\n  {when}{advice}\n {tail}", Self::rule_name(i))
            } else {
                format!("{when}{advice}{tail}")
            });
        }
        items
    }

    fn sources(&self) -> Sources {
        let items = self.items();
        let mut texts = vec![String::new(); self.files];
        for &(item, file) in &self.order {
            texts[file].push_str(&items[item]);
            texts[file].push('\n');
        }
        let mut sources = Sources::new();
        for (i, t) in texts.into_iter().enumerate() {
            sources.add(format!("part{i}.carel"), t);
        }
        sources
    }

    /// Exercises a target stands for: itself, or every exercise in a category or below it.
    fn expand(&self, t: usize) -> BTreeSet<usize> {
        if t < self.exercises.len() {
            return BTreeSet::from([t]);
        }
        let k = t - self.exercises.len();
        (0..self.exercises.len())
            .filter(|&x| {
                let mut stack = self.exercises[x].clone();
                let mut seen = BTreeSet::new();
                while let Some(c) = stack.pop() {
                    if c == k {
                        return true;
                    }
                    if seen.insert(c) {
                        stack.extend(&self.categories[c]);
                    }
                }
                false
            })
            .collect()
    }

    /// Every patient worth telling apart: each set of facts the exclusive group allows, and
    /// for each measure no value, or a value at, half a unit and a unit either side of each
    /// threshold (conditions compare with whole numbers, so these settle every condition).
    fn patients(&self) -> Vec<(BTreeSet<usize>, Values)> {
        // Thresholds in half units.
        let mut thresholds: [BTreeSet<i64>; 2] = Default::default();
        fn collect(c: &Cond, out: &mut [BTreeSet<i64>; 2]) {
            match c {
                Cond::Fact(_) => {}
                Cond::Cmp(m, _, v) => {
                    out[*m].extend((-2..=2).map(|d| 2 * v + d));
                }
                Cond::In(m, lo, hi) => {
                    out[*m].extend((-2..=2).flat_map(|d| [2 * lo + d, 2 * hi + d]));
                }
                Cond::Not(c) => collect(c, out),
                Cond::And(cs) | Cond::Or(cs) => cs.iter().for_each(|c| collect(c, out)),
            }
        }
        for r in &self.rules {
            r.cond
                .iter()
                .chain(&r.unless)
                .for_each(|c| collect(c, &mut thresholds));
        }
        let values: Vec<Vec<Option<f64>>> = (0..2)
            .map(|m| {
                let (_, lo, hi) = MEASURES[m];
                std::iter::once(None)
                    .chain(
                        thresholds[m]
                            .iter()
                            .copied()
                            .chain([2 * lo, 2 * hi])
                            .filter(|v| (2 * lo..=2 * hi).contains(v))
                            .collect::<BTreeSet<_>>()
                            .into_iter()
                            .map(|half| Some(half as f64 / 2.0)),
                    )
                    .collect()
            })
            .collect();
        let mut out = Vec::new();
        for bits in 0..(1u32 << self.facts) {
            let facts: BTreeSet<usize> = (0..self.facts).filter(|f| bits & (1 << f) != 0).collect();
            if !self.possible(&facts) {
                continue;
            }
            for &a in &values[0] {
                for &p in &values[1] {
                    out.push((facts.clone(), [a, p]));
                }
            }
        }
        out
    }
}

// ---- the meaning, written down independently (§5) ------------------------------------------------

impl GenRuleset {
    /// Whether a set of true facts is a patient's (§9.1): closed under `implies`, and
    /// respecting `excludes` and the exclusive group.
    fn possible(&self, facts: &BTreeSet<usize>) -> bool {
        facts
            .iter()
            .all(|&f| self.implies[f].iter().all(|g| facts.contains(g)))
            && !self
                .excludes
                .iter()
                .any(|(a, b)| facts.contains(a) && facts.contains(b))
            && self.exclusive.iter().filter(|f| facts.contains(f)).count() <= 1
    }

    /// Every fact `f` implies, itself included.
    fn closure(&self, f: usize) -> BTreeSet<usize> {
        let mut seen = BTreeSet::new();
        let mut todo = vec![f];
        while let Some(g) = todo.pop() {
            if seen.insert(g) {
                todo.extend(&self.implies[g]);
            }
        }
        seen
    }

    /// The facts given for a patient: those no other true fact implies strictly (the rest
    /// follow by `implies`, and the evaluator must add them).
    fn given(&self, facts: &BTreeSet<usize>) -> BTreeSet<usize> {
        facts
            .iter()
            .copied()
            .filter(|&f| {
                !facts.iter().any(|&g| {
                    g != f && self.closure(g).contains(&f) && !self.closure(f).contains(&g)
                })
            })
            .collect()
    }

    fn live(&self, r: usize) -> bool {
        self.rules[r].status != Status::Retired
    }

    /// The rules `r` overrides directly: its `overrides`, and when it prevails, every other
    /// live rule advising one of its exercises with a less protective action.
    fn precedence(&self, r: usize) -> Vec<usize> {
        if !self.live(r) {
            return Vec::new();
        }
        let mut out: Vec<usize> = self.rules[r]
            .overrides
            .iter()
            .copied()
            .filter(|&o| self.live(o))
            .collect();
        if self.rules[r].prevails {
            for s in 0..self.rules.len() {
                if s != r
                    && self.live(s)
                    && self.rules[s].action.protectiveness() < self.rules[r].action.protectiveness()
                    && (0..self.exercises.len()).any(|x| self.advises(r, x) && self.advises(s, x))
                {
                    out.push(s);
                }
            }
        }
        out
    }

    /// Rules that `r` overrides directly or through a chain of live rules (a retired rule takes
    /// no part, in evaluation or analysis).
    fn overridden_by(&self, r: usize) -> BTreeSet<usize> {
        let mut seen = BTreeSet::new();
        let mut todo: Vec<usize> = self.precedence(r);
        while let Some(o) = todo.pop() {
            if seen.insert(o) {
                todo.extend(self.precedence(o));
            }
        }
        seen
    }

    /// Whether precedence has a cycle (E006).
    /// Whether the precedence graph the compiler checks for E006 has a cycle: every declared
    /// `overrides`, retired rules included, plus the edges `prevails` stands for.
    fn has_cycle(&self) -> bool {
        let edges = |r: usize| -> Vec<usize> {
            let mut out = self.rules[r].overrides.clone();
            if self.live(r) && self.rules[r].prevails {
                out.extend(self.precedence(r));
            }
            out
        };
        (0..self.rules.len()).any(|start| {
            let mut seen = BTreeSet::new();
            let mut todo = edges(start);
            while let Some(o) = todo.pop() {
                if o == start {
                    return true;
                }
                if seen.insert(o) {
                    todo.extend(edges(o));
                }
            }
            false
        })
    }

    /// The exercises rule `r` advises: its targets expanded, minus its `except` expanded.
    fn exercises_of(&self, r: usize) -> BTreeSet<usize> {
        let rule = &self.rules[r];
        let excepted: BTreeSet<usize> = rule.except.iter().flat_map(|&t| self.expand(t)).collect();
        rule.targets
            .iter()
            .flat_map(|&t| self.expand(t))
            .filter(|x| !excepted.contains(x))
            .collect()
    }

    fn fires(&self, r: usize, facts: &BTreeSet<usize>, values: &Values) -> bool {
        self.rules[r].status != Status::Retired && self.rules[r].eval(facts, values)
    }

    fn advises(&self, r: usize, exercise: usize) -> bool {
        self.exercises_of(r).contains(&exercise)
    }

    /// Final advice per exercise for one patient.
    fn advice(&self, facts: &BTreeSet<usize>, values: &Values) -> BTreeMap<usize, Action> {
        let fired: Vec<usize> = (0..self.rules.len())
            .filter(|&r| self.fires(r, facts, values))
            .collect();
        let mut out = BTreeMap::new();
        for x in 0..self.exercises.len() {
            let advising: Vec<usize> = fired
                .iter()
                .copied()
                .filter(|&r| self.advises(r, x))
                .collect();
            let remaining: Vec<usize> = advising
                .iter()
                .copied()
                .filter(|&r| {
                    !advising
                        .iter()
                        .any(|&s| s != r && self.overridden_by(s).contains(&r))
                })
                .collect();
            if let Some(a) = remaining
                .iter()
                .map(|&r| self.rules[r].action)
                .max_by_key(|a| a.protectiveness())
            {
                out.insert(x, a);
            }
        }
        out
    }
}

// ---- strategies ---------------------------------------------------------------------------------

fn op() -> impl Strategy<Value = CmpOp> {
    prop_oneof![
        Just(CmpOp::Lt),
        Just(CmpOp::Le),
        Just(CmpOp::Gt),
        Just(CmpOp::Ge),
        Just(CmpOp::Eq),
        Just(CmpOp::Ne),
    ]
}

fn cond(facts: usize) -> impl Strategy<Value = Cond> {
    let value = |m: usize| MEASURES[m].1..=MEASURES[m].2;
    let leaf = prop_oneof![
        4 => (0..facts).prop_map(Cond::Fact),
        1 => (0..2usize).prop_flat_map(move |m| (Just(m), op(), value(m)))
            .prop_map(|(m, op, v)| Cond::Cmp(m, op, v)),
        1 => (0..2usize).prop_flat_map(move |m| (Just(m), value(m), value(m)))
            .prop_map(|(m, a, b)| Cond::In(m, a.min(b), a.max(b))),
    ];
    leaf.prop_recursive(3, 12, 3, |inner| {
        prop_oneof![
            inner.clone().prop_map(|c| Cond::Not(Box::new(c))),
            prop::collection::vec(inner.clone(), 2..4).prop_map(Cond::And),
            prop::collection::vec(inner, 2..4).prop_map(Cond::Or),
        ]
    })
}

fn action() -> impl Strategy<Value = Action> {
    prop_oneof![
        Just(Action::Recommend),
        Just(Action::Consider),
        Just(Action::Caution),
        Just(Action::Refer),
        Just(Action::Avoid),
    ]
}

const DOSES: [&str; 11] = [
    "10..20 min every 3 h",
    "30 min per day",
    "150 min per week",
    "3 sets",
    "10 reps 2 times per day",
    "1..2 h",
    "at least 30 min daily",
    "daily",
    "5 min 2..3 times per day building up to 20..30 min",
    "at least 150 min per week in bouts of at least 10 min",
    "up to 20 reps weekly",
];

fn rule(facts: usize, targets: usize, index: usize) -> impl Strategy<Value = GenRule> {
    (
        any::<bool>(),
        prop::option::weighted(0.85, cond(facts)),
        prop::option::weighted(0.25, cond(facts)),
        action(),
        prop::sample::subsequence((0..targets).collect::<Vec<_>>(), 1..=targets.min(3)),
        prop::option::weighted(0.3, prop::sample::select(DOSES.to_vec())),
        prop::sample::subsequence((0..index).collect::<Vec<_>>(), 0..=index.min(2)),
        prop_oneof![
            8 => Just(Status::Active),
            1 => Just(Status::Draft),
            1 => Just(Status::Retired),
        ],
        prop::option::weighted(
            0.2,
            prop::sample::subsequence((0..targets).collect::<Vec<_>>(), 1..=targets.min(2)),
        ),
        prop::bool::weighted(0.2),
    )
        .prop_map(
            |(named, cond, unless, action, targets, dose, overrides, status, except, prevails)| {
                GenRule {
                    except: except.unwrap_or_default(),
                    prevails,
                    // The short form starts with `if`; anything else takes the full form.
                    named: named || cond.is_none(),
                    cond,
                    unless,
                    action,
                    targets,
                    dose,
                    overrides,
                    status,
                }
            },
        )
}

fn ruleset() -> impl Strategy<Value = GenRuleset> {
    (1..=5usize, 0..=3usize, 1..=4usize, 1..=6usize, 1..=3usize)
        .prop_flat_map(|(facts, ncat, nex, nrules, files)| {
            let categories: Vec<_> = (0..ncat)
                .map(|k| prop::sample::subsequence((0..k).collect::<Vec<_>>(), 0..=k.min(2)))
                .collect();
            let exercises = prop::collection::vec(
                prop::sample::subsequence((0..ncat).collect::<Vec<_>>(), 0..=ncat.min(2)),
                nex,
            );
            let rules: Vec<_> = (0..nrules).map(|i| rule(facts, nex + ncat, i)).collect();
            let exclusive = if facts >= 2 {
                prop_oneof![
                    Just(Vec::new()),
                    prop::sample::subsequence((0..facts).collect::<Vec<_>>(), 2..=facts),
                ]
                .boxed()
            } else {
                Just(Vec::new()).boxed()
            };
            (
                (
                    Just(facts),
                    prop::collection::vec(any::<bool>(), facts),
                    exclusive,
                    // Half the rulesets have `implies` and `excludes`.
                    prop::bool::weighted(0.5),
                    prop::collection::vec(prop::collection::vec(0..facts, 0..=1), facts),
                    prop::collection::vec((0..facts, 0..facts), 0..=1),
                ),
                categories,
                exercises,
                rules,
                Just(files),
            )
        })
        .prop_flat_map(
            |(
                (facts, conditions, exclusive, v2, mut implies, excludes),
                categories,
                exercises,
                rules,
                files,
            )| {
                for (f, list) in implies.iter_mut().enumerate() {
                    list.retain(|&g| g != f);
                    if !v2 {
                        list.clear();
                    }
                }
                let excludes: Vec<(usize, usize)> = excludes
                    .into_iter()
                    .filter(|&(a, b)| v2 && a != b)
                    .collect();
                let mut g = GenRuleset {
                    facts,
                    conditions,
                    exclusive,
                    implies,
                    excludes,
                    categories,
                    exercises,
                    rules,
                    files,
                    order: Vec::new(),
                };
                // Overrides may only name named rules.
                let named: Vec<bool> = g.rules.iter().map(|r| r.named).collect();
                for r in &mut g.rules {
                    r.overrides.retain(|&o| named[o]);
                }
                // `except` may not leave a rule advising nothing (that is E007).
                for i in 0..g.rules.len() {
                    let all: BTreeSet<usize> = g.rules[i]
                        .targets
                        .iter()
                        .flat_map(|&t| g.expand(t))
                        .collect();
                    if !all.is_empty() && g.exercises_of(i).is_empty() {
                        g.rules[i].except.clear();
                    }
                    let targets = g.rules[i].targets.clone();
                    g.rules[i].except.retain(|t| !targets.contains(t));
                }
                // `prevails` may not close a cycle (that is E006).
                if g.has_cycle() {
                    for r in &mut g.rules {
                        r.prevails = false;
                    }
                }
                let n = g.items().len();
                (
                    Just(g),
                    Just((0..n).collect::<Vec<_>>()).prop_shuffle(),
                    prop::collection::vec(0..files, n),
                )
            },
        )
        .prop_map(|(mut g, order, file_of)| {
            g.order = order.into_iter().map(|i| (i, file_of[i])).collect();
            g
        })
}

// ---- helpers ------------------------------------------------------------------------------------

/// The model's rule for generated rule `i` (found by its `because "g<i>"`).
fn model_rule(model: &Model, i: usize) -> &carel::model::Rule {
    &model.rules[model_rule_id(model, i)]
}

fn model_rule_id(model: &Model, i: usize) -> RuleId {
    let tag = format!("g{i}");
    model
        .rules
        .iter()
        .position(|r| r.because() == Some(tag.as_str()))
        .unwrap_or_else(|| panic!("rule g{i} is missing from the model"))
}

/// The same patient by name, as apps give it to a bundle.
fn named_patient(facts: &BTreeSet<usize>, values: &Values) -> carel::eval::Patient {
    carel::eval::Patient {
        facts: facts.iter().map(|f| format!("f{f}")).collect(),
        measures: values
            .iter()
            .enumerate()
            .filter_map(|(m, v)| v.map(|v| (MEASURES[m].0.to_string(), v)))
            .collect(),
        implied: Default::default(),
    }
}

/// Compile a generated ruleset that has no syntax, name or value errors (contradictions are
/// allowed: several properties are about them).
fn compiled(g: &GenRuleset) -> (Sources, Model, Analysis) {
    let sources = g.sources();
    let c = carel::compile(&sources);
    let model = c
        .model
        .unwrap_or_else(|| panic!("{}", render::human_string(&sources, &c.diagnostics)));
    (sources, model, c.analysis.expect("analysed"))
}

/// The bundle apps evaluate, without the analysis (an unresolved contradiction would make it
/// unloadable; evaluation does not look at conflicts).
fn evaluation_bundle(model: &Model, sources: &Sources) -> Bundle {
    carel::bundle::build(model, &Analysis::default(), sources)
}

fn model_patient(model: &Model, facts: &BTreeSet<usize>, values: &Values) -> Patient {
    let mut p = Patient::default();
    for f in facts {
        let id = model
            .facts
            .iter()
            .position(|x| x.name == format!("f{f}"))
            .expect("fact declared");
        p.facts.push(id);
    }
    p.facts.sort_unstable();
    for (m, v) in values.iter().enumerate() {
        if let Some(v) = v {
            let id = model
                .measures
                .iter()
                .position(|x| x.name == MEASURES[m].0)
                .expect("measure declared");
            p.measures.push((id, *v));
        }
    }
    p.measures.sort_by_key(|&(m, _)| m);
    p
}

/// `cases` by default (kept modest so `cargo test` stays quick); `PROPTEST_CASES` overrides it
/// for longer runs.
fn config(cases: u32) -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(cases);
    ProptestConfig {
        cases,
        max_shrink_iters: 2000,
        ..ProptestConfig::default()
    }
}

// ---- properties ---------------------------------------------------------------------------------

proptest! {
    #![proptest_config(config(128))]

    /// Generated rulesets are valid: Carel reads them without syntax, name or value errors,
    /// and what it read is what was written — every rule's condition agrees with the contract's
    /// meaning on every patient, and its action, exercises, overrides and status match.
    #[test]
    fn generated_rulesets_read_back_exactly(g in ruleset()) {
        let sources = g.sources();
        let c = carel::compile(&sources);
        let unexpected: Vec<_> = c
            .diagnostics
            .iter()
            .filter(|d| d.is_error() && !matches!(d.code, Code::E010 | Code::E011))
            .collect();
        prop_assert!(unexpected.is_empty(), "{}", render::human_string(&sources, &c.diagnostics));
        let model = c.model.as_ref().expect("a model without errors");
        prop_assert_eq!(model.rules.len(), g.rules.len());
        let patients = g.patients();
        for (i, r) in g.rules.iter().enumerate() {
            let m = model_rule(model, i);
            prop_assert_eq!(m.action, r.action);
            prop_assert_eq!(m.status, r.status);
            prop_assert_eq!(m.named, r.named);
            let expected: BTreeSet<usize> = g.exercises_of(i);
            let mut names: Vec<String> = expected.iter().map(|x| format!("x{x}")).collect();
            names.sort();
            let got: Vec<String> =
                m.exercises.iter().map(|&x| model.exercises[x].name.clone()).collect();
            prop_assert_eq!(got, names, "exercises of g{}", i);
            let overrides: Vec<String> =
                m.overrides().iter().map(|&(o, _)| model.rules[o].id.clone()).collect();
            let expected: Vec<String> =
                r.overrides.iter().map(|&o| GenRuleset::rule_name(o)).collect();
            prop_assert_eq!(overrides, expected);
            for (facts, values) in &patients {
                let p = model_patient(model, facts, values);
                prop_assert_eq!(
                    m.when.holds(&p),
                    r.eval(facts, values),
                    "rule g{} for {:?} {:?}", i, facts, values
                );
            }
        }
    }

    /// Same input, same output: the rendered diagnostics (human, JSON, SARIF) are identical
    /// byte for byte across runs.
    #[test]
    fn diagnostics_are_deterministic(g in ruleset()) {
        let sources = g.sources();
        let a = carel::compile(&sources);
        let b = carel::compile(&g.sources());
        prop_assert_eq!(
            render::human_string(&sources, &a.diagnostics),
            render::human_string(&sources, &b.diagnostics)
        );
        prop_assert_eq!(
            render::json(&sources, &a.diagnostics).to_string(),
            render::json(&sources, &b.diagnostics).to_string()
        );
        let artifacts = sarif::Artifacts::relative_names(&sources);
        prop_assert_eq!(
            serde_json::to_string(&sarif::sarif(&sources, &a.diagnostics, &artifacts)).unwrap(),
            serde_json::to_string(&sarif::sarif(&sources, &b.diagnostics, &artifacts)).unwrap()
        );
    }

    /// Damaged rulesets — bytes cut out, pasted or swapped — never panic, and every diagnostic
    /// points inside its file on character boundaries.
    #[test]
    fn damaged_rulesets_never_panic(
        g in ruleset(),
        edits in prop::collection::vec((any::<prop::sample::Index>(), 0..4u8, 0..8usize), 1..4),
    ) {
        let sources = g.sources();
        let mut damaged = Sources::new();
        for (i, f) in sources.files().iter().enumerate() {
            let mut bytes = f.text.clone().into_bytes();
            for (at, kind, len) in &edits {
                if bytes.is_empty() {
                    break;
                }
                let at = at.index(bytes.len());
                let end = (at + len).min(bytes.len());
                match kind {
                    0 => { bytes.drain(at..end); }
                    1 => { let piece = bytes[at..end].to_vec(); bytes.splice(at..at, piece); }
                    2 => bytes.truncate(at),
                    _ => bytes.splice(at..at, b"( not \"".iter().copied().take(*len)).for_each(drop),
                }
            }
            let text = String::from_utf8_lossy(&bytes).into_owned();
            damaged.add(format!("part{i}.carel"), text);
        }
        let c = carel::compile(&damaged);
        for d in &c.diagnostics {
            let text = &damaged.get(d.span.file()).text;
            prop_assert!(d.span.start() <= d.span.end() && d.span.end() <= text.len());
            prop_assert!(text.is_char_boundary(d.span.start()) && text.is_char_boundary(d.span.end()));
            prop_assert!(!d.message.is_empty());
        }
        prop_assert!(c.has_errors() || c.model.is_some());
        let _ = render::human_string(&damaged, &c.diagnostics);
        let _ = render::json(&damaged, &c.diagnostics);
    }
}

proptest! {
    #![proptest_config(config(64))]

    /// The bundle of one input is the same bytes every time, and loads back to itself.
    #[test]
    fn bundles_are_deterministic(g in ruleset()) {
        let (sources, model, analysis) = compiled(&g);
        let (s2, m2, a2) = compiled(&g);
        let a = carel::bundle::build(&model, &analysis, &sources).to_json();
        let b = carel::bundle::build(&m2, &a2, &s2).to_json();
        prop_assert_eq!(&a, &b);
        let evaluation = evaluation_bundle(&model, &sources);
        let reloaded = Bundle::from_json(&evaluation.to_json()).expect("a built bundle loads");
        prop_assert_eq!(reloaded.to_json(), evaluation.to_json());
    }

    /// Evaluating the bundle gives, for every patient worth telling apart, the advice the
    /// language contract defines, worked out here from the generated rules directly.
    #[test]
    fn bundle_evaluation_agrees_with_the_rules(g in ruleset()) {
        let (sources, model, _) = compiled(&g);
        let bundle = evaluation_bundle(&model, &sources);
        let evaluator = Evaluator::new(&bundle).expect("a built bundle evaluates");
        for (facts, values) in g.patients() {
            // Given without the facts the others imply: the evaluator adds them.
            let outcome = evaluator.evaluate(&named_patient(&g.given(&facts), &values));
            let expected = g.advice(&facts, &values);
            for x in 0..g.exercises.len() {
                prop_assert_eq!(
                    outcome.action(&format!("x{x}")),
                    expected.get(&x).copied(),
                    "exercise x{} for {:?} {:?}", x, facts, values
                );
            }
        }
    }

    /// Every conflict the analysis reports comes with a witness for whom both rules fire and
    /// both advise every exercise named; evaluating the bundle for the witness shows it.
    #[test]
    fn every_conflict_shows_up_for_its_witness(g in ruleset()) {
        let (sources, model, analysis) = compiled(&g);
        let bundle = evaluation_bundle(&model, &sources);
        let evaluator = Evaluator::new(&bundle).expect("a built bundle evaluates");
        for c in &analysis.conflicts {
            let w = &c.witness;
            // A possible patient: exclusive groups respected, measures inside their ranges.
            for x in &model.exclusives {
                prop_assert!(x.members.iter().filter(|f| w.has(**f)).count() <= 1);
            }
            let witness_facts: BTreeSet<usize> = w
                .facts
                .iter()
                .map(|&f| model.facts[f].name[1..].parse::<usize>().unwrap())
                .collect();
            prop_assert!(g.possible(&witness_facts), "witness {:?} is no patient", witness_facts);
            for &(m, v) in &w.measures {
                prop_assert!(model.measures[m].admits(v), "witness value {} out of range", v);
            }
            let named = carel::eval::Patient {
                facts: w.facts.iter().map(|&f| model.facts[f].name.clone()).collect(),
                measures: w.measures.iter().map(|&(m, v)| (model.measures[m].name.clone(), v)).collect(), implied: Default::default(),
            };
            let outcome = evaluator.evaluate(&named);
            let [a, b] = c.rules.map(|r| model.rules[r].id.clone());
            prop_assert!(outcome.fired.contains(&a) && outcome.fired.contains(&b),
                "{:?} witness {:?}: fired {:?}", c.kind, named, outcome.fired);
            for &x in &c.exercises {
                let advice = outcome.get(&model.exercises[x].name).expect("advice for the exercise");
                for id in [&a, &b] {
                    prop_assert!(advice.advised.iter().any(|k| &k.rule == id));
                }
            }
        }
    }

    /// On small vocabularies, every patient is tried: whenever two live rules that do not
    /// override each other (directly or through a chain) both fire and one recommends what the
    /// other says to avoid, the analysis reported that pair as a contradiction — and likewise
    /// tensions (recommend vs caution, consider vs avoid).
    #[test]
    fn no_clash_escapes_the_analysis(g in ruleset()) {
        let (_, model, analysis) = compiled(&g);
        let reported: BTreeMap<([RuleId; 2], ConflictKind), Option<RuleId>> =
            analysis.conflicts.iter().map(|c| ((c.rules, c.kind), c.resolved_by)).collect();
        let ids: Vec<RuleId> = (0..g.rules.len()).map(|i| model_rule_id(&model, i)).collect();
        let reach: Vec<BTreeSet<usize>> = (0..g.rules.len()).map(|r| g.overridden_by(r)).collect();
        for (facts, values) in g.patients() {
            let fired: Vec<usize> = (0..g.rules.len()).filter(|&r| g.fires(r, &facts, &values)).collect();
            for &r in &fired {
                for &s in &fired {
                    let (ar, as_) = (g.rules[r].action, g.rules[s].action);
                    let kind = match (ar, as_) {
                        (Action::Recommend, Action::Avoid) => ConflictKind::Contradiction,
                        (Action::Recommend, Action::Caution)
                        | (Action::Consider, Action::Avoid)
                        | (Action::Recommend, Action::Refer)
                        | (Action::Consider, Action::Refer) => ConflictKind::Tension,
                        _ => continue,
                    };
                    if !(0..g.exercises.len()).any(|x| g.advises(r, x) && g.advises(s, x)) {
                        continue;
                    }
                    let pair = if ids[r] < ids[s] { [ids[r], ids[s]] } else { [ids[s], ids[r]] };
                    let winner = if reach[r].contains(&s) {
                        Some(ids[r])
                    } else if reach[s].contains(&r) {
                        Some(ids[s])
                    } else {
                        None
                    };
                    // Reported, resolved or not; resolved exactly when evaluation drops one
                    // rule's advice through `overrides`.
                    let Some(&resolved_by) = reported.get(&(pair, kind)) else {
                        return Err(TestCaseError::fail(format!(
                            "g{r} ({}) and g{s} ({}) clash for {facts:?} {values:?} but no {kind:?} \
                             was reported; reported: {reported:?}",
                            ar.as_str(),
                            as_.as_str()
                        )));
                    };
                    prop_assert_eq!(resolved_by, winner, "g{} and g{}", r, s);
                }
            }
        }
    }
}
