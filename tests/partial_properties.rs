//! Partial evaluation (§10) against brute force: on random small rulesets (exclusive groups,
//! `implies`, `excludes`, all five actions, `overrides` and `prevails`) and random partial
//! knowledge, every completion is enumerated and evaluated with the reference evaluator, and
//! the partial evaluator's possible values, witnesses, depends-on sets and ask-next order must
//! be exactly what that enumeration gives.

use std::collections::{BTreeMap, BTreeSet};

use carel::analysis::Analysis;
use carel::bundle::{self, Bundle};
use carel::eval::{Evaluator, Patient};
use carel::model::Action;
use carel::partial::{PartialEvaluator, PartialOutcome, Status};
use carel::source::Sources;
use proptest::prelude::*;

/// The one measure of every generated ruleset: `age`, range 0..10, integer thresholds. Every
/// region of its range holds a multiple of 0.5, so this grid meets every region.
fn grid() -> Vec<f64> {
    (0..=20).map(|k| k as f64 / 2.0).collect()
}

#[derive(Clone, Debug)]
enum Cond {
    Fact(usize),
    Ge(i64),
    Lt(i64),
    Eq(i64),
    In(i64, i64),
    Not(Box<Cond>),
    And(Vec<Cond>),
    Or(Vec<Cond>),
}

impl Cond {
    fn text(&self) -> String {
        let group = |c: &Cond| match c {
            Cond::And(_) | Cond::Or(_) | Cond::Not(_) => format!("({})", c.text()),
            _ => c.text(),
        };
        match self {
            Cond::Fact(f) => format!("f{f}"),
            Cond::Ge(v) => format!("age >= {v}"),
            Cond::Lt(v) => format!("age < {v}"),
            Cond::Eq(v) => format!("age = {v}"),
            Cond::In(a, b) => format!("age in {a}..{b}"),
            Cond::Not(c) => format!("not {}", group(c)),
            Cond::And(cs) => cs.iter().map(group).collect::<Vec<_>>().join(" and "),
            Cond::Or(cs) => cs.iter().map(group).collect::<Vec<_>>().join(" or "),
        }
    }
}

fn cond(facts: usize) -> impl Strategy<Value = Cond> {
    let leaf = prop_oneof![
        4 => (0..facts).prop_map(Cond::Fact),
        1 => (0i64..=10).prop_map(Cond::Ge),
        1 => (0i64..=10).prop_map(Cond::Lt),
        1 => (0i64..=10).prop_map(Cond::Eq),
        1 => (0i64..=10, 0i64..=4).prop_map(|(a, w)| Cond::In(a, (a + w).min(10))),
    ];
    leaf.prop_recursive(2, 8, 3, |inner| {
        prop_oneof![
            inner.clone().prop_map(|c| Cond::Not(Box::new(c))),
            prop::collection::vec(inner.clone(), 2..=3).prop_map(Cond::And),
            prop::collection::vec(inner, 2..=3).prop_map(Cond::Or),
        ]
    })
}

#[derive(Clone, Debug)]
struct Rule {
    cond: Option<Cond>,
    action: Action,
    /// Indices into x0, x1, x2, k0 (k0 holds x0 and x1).
    targets: BTreeSet<usize>,
    /// Earlier rules it overrides.
    overrides: BTreeSet<usize>,
    prevails: bool,
}

#[derive(Clone, Debug)]
struct Case {
    facts: usize,
    /// Fact i is a factor (declared after the conditions) when true.
    factor: Vec<bool>,
    exclusive: Vec<usize>,
    /// `a implies b` (a < b, so no cycles) and `a excludes b`.
    implies: Vec<(usize, usize)>,
    excludes: Vec<(usize, usize)>,
    rules: Vec<Rule>,
    /// Per fact: 0 absent (false), 1 given, 2 not, 3 unknown.
    knowledge: Vec<u8>,
    /// `age`: Some(Some(v)) known, Some(None) unknown, None unmeasured.
    age: Option<Option<i64>>,
}

const TARGETS: [&str; 4] = ["x0", "x1", "x2", "k0"];

impl Case {
    fn text(&self) -> String {
        let mut t = String::new();
        for f in 0..self.facts {
            t.push_str(if self.factor[f] {
                "factor"
            } else {
                "condition"
            });
            t.push_str(&format!(" f{f}"));
            let implied: Vec<String> = self
                .implies
                .iter()
                .filter(|&&(a, _)| a == f)
                .map(|&(_, b)| format!("f{b}"))
                .collect();
            if !implied.is_empty() {
                t.push_str(&format!(" implies {}", implied.join(", ")));
            }
            let excluded: Vec<String> = self
                .excludes
                .iter()
                .filter(|&&(a, _)| a == f)
                .map(|&(_, b)| format!("f{b}"))
                .collect();
            if !excluded.is_empty() {
                t.push_str(&format!(" excludes {}", excluded.join(", ")));
            }
            t.push('\n');
        }
        if self.exclusive.len() >= 2 {
            let m: Vec<String> = self.exclusive.iter().map(|f| format!("f{f}")).collect();
            t.push_str(&format!("exclusive g: {}\n", m.join(", ")));
        }
        t.push_str("measure age range 0..10\ncategory k0\n");
        t.push_str("exercise x0 in k0\nexercise x1 in k0\nexercise x2\n");
        for (i, r) in self.rules.iter().enumerate() {
            let targets: Vec<&str> = r.targets.iter().map(|&t| TARGETS[t]).collect();
            let when = r
                .cond
                .as_ref()
                .map(|c| format!("if {} then ", c.text()))
                .unwrap_or_default();
            t.push_str(&format!(
                "rule r{i}: {when}{} {}",
                r.action.as_str(),
                targets.join(", ")
            ));
            if !r.overrides.is_empty() {
                let o: Vec<String> = r.overrides.iter().map(|o| format!("r{o}")).collect();
                t.push_str(&format!(" overrides {}", o.join(", ")));
            }
            if r.prevails {
                t.push_str(" prevails");
            }
            t.push('\n');
        }
        t
    }

    fn list(&self, kind: u8) -> String {
        let names: Vec<String> = (0..self.facts)
            .filter(|&f| self.knowledge[f] == kind)
            .map(|f| format!("f{f}"))
            .collect();
        names.join(",")
    }

    fn given(&self) -> String {
        let mut g = self.list(1);
        if let Some(Some(v)) = self.age {
            if !g.is_empty() {
                g.push(',');
            }
            g.push_str(&format!("age={v}"));
        }
        g
    }

    fn unknown(&self) -> String {
        let mut u = self.list(3);
        if let Some(None) = self.age {
            if !u.is_empty() {
                u.push(',');
            }
            u.push_str("age");
        }
        u
    }
}

fn case() -> impl Strategy<Value = Case> {
    (2usize..=5).prop_flat_map(|facts| {
        let rule = (
            prop::option::weighted(0.85, cond(facts)),
            prop::sample::select(Action::ALL.to_vec()),
            prop::collection::btree_set(0usize..4, 1..=2),
            prop::collection::btree_set(0usize..6, 0..=2),
            prop::bool::weighted(0.15),
        );
        let pair = (0..facts, 0..facts);
        (
            Just(facts),
            prop::collection::vec(any::<bool>(), facts),
            prop::collection::btree_set(0..facts, 0..=3),
            prop::collection::vec(pair.clone(), 0..=2),
            prop::collection::vec(pair, 0..=2),
            prop::collection::vec(rule, 1..=6),
            prop::collection::vec(0u8..4, facts),
            prop::option::of(prop::option::of(0i64..=10)),
        )
            .prop_map(
                |(facts, factor, exclusive, implies, excludes, rules, knowledge, age)| Case {
                    facts,
                    factor,
                    exclusive: exclusive.into_iter().collect(),
                    implies: implies.into_iter().filter(|(a, b)| a < b).collect(),
                    excludes: excludes.into_iter().filter(|(a, b)| a != b).collect(),
                    rules: rules
                        .into_iter()
                        .enumerate()
                        .map(|(i, (cond, action, targets, overrides, prevails))| Rule {
                            cond,
                            action,
                            targets,
                            overrides: overrides.into_iter().filter(|&o| o < i).collect(),
                            prevails,
                        })
                        .collect(),
                    knowledge,
                    age,
                },
            )
    })
}

/// The bundle of a generated ruleset. Contradictions are allowed (evaluation never reads the
/// conflicts, and the most protective advice wins), so the bundle is built without analysis.
fn bundle_of(text: &str) -> Option<Bundle> {
    let sources = Sources::single("p.carel", text);
    let c = carel::compile(&sources);
    let model = c.model.expect("generated rulesets resolve");
    // A `prevails` can close a cycle with `overrides` (E006): such rules make no bundle.
    if c.diagnostics
        .iter()
        .any(|d| d.code == carel::diagnostic::Code::E006)
    {
        return None;
    }
    Some(bundle::build(&model, &Analysis::default(), &sources))
}

/// The facts `f` brings with it through `implies`, itself included.
fn closure(c: &Case, facts: &BTreeSet<usize>) -> BTreeSet<usize> {
    let mut out = facts.clone();
    loop {
        let more: Vec<usize> = c
            .implies
            .iter()
            .filter(|(a, b)| out.contains(a) && !out.contains(b))
            .map(|&(_, b)| b)
            .collect();
        if more.is_empty() {
            return out;
        }
        out.extend(more);
    }
}

/// Whether a set of true facts is a patient (§5, §9.1).
fn is_patient(c: &Case, facts: &BTreeSet<usize>) -> bool {
    closure(c, facts) == *facts
        && !c
            .excludes
            .iter()
            .any(|(a, b)| facts.contains(a) && facts.contains(b))
        && (c.exclusive.len() < 2 || c.exclusive.iter().filter(|f| facts.contains(f)).count() <= 1)
}

type Val = Option<Action>;

/// One value of an unknown, as a test on completions.
type Fixing = Box<dyn Fn(&Patient) -> bool>;

/// Every completion of what is known (facts outside `unknown` as known; `age` over the grid
/// when unknown), with the advice each exercise gets.
struct Brute {
    completions: Vec<(Patient, BTreeMap<String, Val>)>,
}

impl Brute {
    fn new(bundle: &Bundle, c: &Case) -> Brute {
        let eval = Evaluator::new(bundle).unwrap();
        let unknown: Vec<usize> = (0..c.facts).filter(|&f| c.knowledge[f] == 3).collect();
        let ages: Vec<Option<f64>> = match c.age {
            None => vec![None],
            Some(Some(v)) => vec![Some(v as f64)],
            Some(None) => grid().into_iter().map(Some).collect(),
        };
        let given = closure(c, &(0..c.facts).filter(|&f| c.knowledge[f] == 1).collect());
        let mut completions = Vec::new();
        for mask in 0u32..(1 << unknown.len()) {
            let mut ids = given.clone();
            for (i, &f) in unknown.iter().enumerate() {
                if mask & (1 << i) != 0 {
                    ids.insert(f);
                }
            }
            if !is_patient(c, &ids) {
                continue;
            }
            let facts: BTreeSet<String> = ids.iter().map(|f| format!("f{f}")).collect();
            for &age in &ages {
                let patient = Patient {
                    facts: facts.clone(),
                    measures: age.map(|v| ("age".to_string(), v)).into_iter().collect(),
                    ..Patient::default()
                };
                let outcome = eval.evaluate(&patient);
                let advice = ["x0", "x1", "x2"]
                    .iter()
                    .map(|e| (e.to_string(), outcome.action(e)))
                    .collect();
                completions.push((patient, advice));
            }
        }
        Brute { completions }
    }

    fn values<'a>(&'a self, exercise: &str, keep: impl Fn(&Patient) -> bool + 'a) -> BTreeSet<Val> {
        self.completions
            .iter()
            .filter(|(p, _)| keep(p))
            .map(|(_, a)| a[exercise])
            .collect()
    }
}

fn val_key(v: Val) -> i16 {
    v.map_or(-1, |a| a.protectiveness() as i16)
}

fn check(c: &Case) -> Result<(), TestCaseError> {
    let text = c.text();
    let Some(bundle) = bundle_of(&text) else {
        return Ok(());
    };
    let p = PartialEvaluator::new(&bundle).unwrap();
    let unknown = c.unknown();
    let given = closure(c, &(0..c.facts).filter(|&f| c.knowledge[f] == 1).collect());
    // What is known is refused exactly when the given facts (with what they imply) are not a
    // patient, a fact said not to hold is implied, or an unknown fact is implied.
    let clash = !is_patient(c, &given)
        || given
            .iter()
            .any(|&f| c.knowledge[f] == 2 || c.knowledge[f] == 3);
    let result = p
        .parse_knowledge(&c.given(), &c.list(2), Some(&unknown))
        .and_then(|k| p.evaluate(&k).map(|o| (k, o)));
    let (knowledge, o): (_, PartialOutcome) = match result {
        Ok(r) => r,
        Err(e) => {
            prop_assert!(clash, "refused: {e}\n{text}");
            return Ok(());
        }
    };
    prop_assert!(!clash, "accepted what is not a patient\n{text}");
    let brute = Brute::new(&bundle, c);
    // A known set that is a patient always has a completion: every unknown fact false.
    prop_assert!(!brute.completions.is_empty());
    // Unknowns in bundle order: conditions, factors, then the measure.
    let vocab = &bundle.vocabulary;
    let mut order: Vec<String> = vocab
        .conditions
        .iter()
        .chain(&vocab.factors)
        .map(|f| f.id.clone())
        .filter(|f| knowledge.unknown_facts.contains(f))
        .collect();
    if c.age == Some(None) {
        order.push("age".to_string());
    }
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for exercise in ["x0", "x1", "x2"] {
        let e = o.get(exercise).unwrap();
        prop_assert_ne!(e.status, Status::TooComplex);
        let all = brute.values(exercise, |_| true);
        let got: BTreeSet<Val> = e.possible.iter().map(|p| p.advice).collect();
        prop_assert_eq!(&got, &all, "possible values of {}\n{}", exercise, text);
        prop_assert_eq!(e.status == Status::Settled, all.len() == 1);
        // Most protective first, no advice last.
        let keys: Vec<i16> = e.possible.iter().map(|p| val_key(p.advice)).collect();
        prop_assert!(keys.windows(2).all(|w| w[0] > w[1]));
        for possible in &e.possible {
            let w = &possible.witness;
            // The witness is a completion that gets this value, with fewest true facts.
            let eval = Evaluator::new(&bundle).unwrap();
            eval.check_patient(w).unwrap();
            prop_assert_eq!(eval.evaluate(w).action(exercise), possible.advice);
            for f in &knowledge.given.facts {
                prop_assert!(w.facts.contains(f));
            }
            for f in &w.facts {
                prop_assert!(
                    knowledge.given.facts.contains(f) || knowledge.unknown_facts.contains(f),
                    "witness fact {} is neither given nor unknown",
                    f
                );
            }
            if let Some(Some(v)) = c.age {
                prop_assert_eq!(w.measures.get("age"), Some(&(v as f64)));
            }
            if c.age.is_none() {
                prop_assert!(w.measures.is_empty());
            }
            let fewest = brute
                .completions
                .iter()
                .filter(|(_, a)| a[exercise] == possible.advice)
                .map(|(p, _)| p.facts.len())
                .min()
                .unwrap();
            prop_assert_eq!(
                w.facts.len(),
                fewest,
                "witness size for {:?}",
                possible.advice
            );
            let assumed: BTreeSet<String> = w
                .facts
                .difference(&knowledge.given.facts)
                .cloned()
                .collect();
            prop_assert_eq!(&possible.assumes.facts, &assumed);
        }
        // Depends on: fixing the unknown to some value it can take changes the set.
        let mut expected = Vec::new();
        for u in &order {
            let fixings: Vec<Fixing> = if u == "age" {
                grid()
                    .into_iter()
                    .map(|v| {
                        Box::new(move |p: &Patient| p.measures.get("age") == Some(&v)) as Fixing
                    })
                    .collect()
            } else {
                [true, false]
                    .into_iter()
                    .map(|t| {
                        let u = u.clone();
                        Box::new(move |p: &Patient| p.facts.contains(&u) == t) as Fixing
                    })
                    .collect()
            };
            let matters = fixings.iter().any(|fix| {
                let fixed = brute.values(exercise, fix);
                !fixed.is_empty() && fixed != all
            });
            if matters {
                expected.push(u.clone());
                *counts.entry(u.clone()).or_default() += 1;
            }
        }
        prop_assert_eq!(
            &e.depends_on,
            &expected,
            "depends on, {}\n{}",
            exercise,
            text
        );
    }
    let mut ask: Vec<(String, usize)> = counts.into_iter().collect();
    ask.sort_by_key(|(u, n)| (std::cmp::Reverse(*n), order.iter().position(|o| o == u)));
    let got: Vec<(String, usize)> = o
        .ask_next
        .iter()
        .map(|a| (a.name.clone(), a.exercises.len()))
        .collect();
    prop_assert_eq!(got, ask, "ask next\n{}", text);
    // The same answers from the bundle as an app loads it.
    let reloaded = Bundle::from_json(&bundle.to_json()).unwrap();
    let again = PartialEvaluator::new(&reloaded)
        .unwrap()
        .evaluate(&knowledge)
        .unwrap();
    prop_assert_eq!(again.to_json(&reloaded), o.to_json(&bundle));
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn partial_evaluation_agrees_with_every_completion(c in case()) {
        check(&c)?;
    }
}
