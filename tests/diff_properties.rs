//! `carel diff` against brute force: on random pairs of small bundles (version 2 meaning
//! included: `implies`, `excludes`, `refer`, `prevails`, chains of `overrides`), the diff
//! reports a change for exercise X exactly when some given patient (given facts and measure
//! values), closed under each version's own `implies` and valid in both, gets different final
//! advice for X; the changes it lists for X are exactly the (old, new) pairs that occur; and
//! each witness has the fewest given facts with its change, and names what each version's
//! `implies` adds.

use std::collections::{BTreeMap, BTreeSet};

use carel::bundle::{Bundle, ExclusiveEntry, When};
use carel::eval::{Evaluator, Patient};
use carel::model::{Action, CmpOp};
use carel::source::Sources;
use proptest::prelude::*;

const FACTS: usize = 4;
const EXERCISES: usize = 3;

#[derive(Clone, Debug)]
enum W {
    Always,
    Fact(usize),
    Ge(u8),
    Lt(u8),
    Not(Box<W>),
    All(Vec<W>),
    Any(Vec<W>),
}

fn when() -> impl Strategy<Value = W> {
    let leaf = prop_oneof![
        1 => Just(W::Always),
        6 => (0..FACTS).prop_map(W::Fact),
        1 => (0u8..=20).prop_map(W::Ge),
        1 => (0u8..=20).prop_map(W::Lt),
    ];
    leaf.prop_recursive(2, 6, 3, |inner| {
        prop_oneof![
            inner.clone().prop_map(|w| W::Not(Box::new(w))),
            prop::collection::vec(inner.clone(), 2..=3).prop_map(W::All),
            prop::collection::vec(inner, 2..=3).prop_map(W::Any),
        ]
    })
}

#[derive(Clone, Debug)]
struct R {
    id: usize,
    when: W,
    action: usize,
    exercises: Vec<usize>,
    prevails: bool,
    /// Rules with a larger id that this one overrides (no cycles from `overrides` alone).
    overrides: Vec<usize>,
}

fn rule(id: usize) -> impl Strategy<Value = R> {
    (
        when(),
        0usize..5,
        prop::collection::btree_set(0..EXERCISES, 1..=2),
        prop::bool::weighted(0.2),
        prop::collection::btree_set(0usize..8, 0..=2),
    )
        .prop_map(move |(when, action, ex, prevails, ov)| R {
            id,
            when,
            action,
            exercises: ex.into_iter().collect(),
            prevails,
            overrides: ov.into_iter().filter(|&o| o > id).collect(),
        })
}

#[derive(Clone, Debug)]
struct V {
    rules: Vec<R>,
    implies: Vec<(usize, usize)>,
    excludes: Vec<(usize, usize)>,
    group: Vec<usize>,
    range: (u8, u8),
}

#[derive(Clone, Debug)]
enum Edit {
    Action(usize, usize),
    When(usize, W),
    Exercises(usize, Vec<usize>),
    Prevails(usize),
    Overrides(usize, Vec<usize>),
    Remove(usize),
    Add(R),
    Implies(usize, usize),
    Excludes(usize, usize),
    Range(u8, u8),
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        3 => (0usize..8, 0usize..5).prop_map(|(k, a)| Edit::Action(k, a)),
        3 => (0usize..8, when()).prop_map(|(k, w)| Edit::When(k, w)),
        1 => (0usize..8, prop::collection::btree_set(0..EXERCISES, 1..=2))
            .prop_map(|(k, e)| Edit::Exercises(k, e.into_iter().collect())),
        1 => (0usize..8).prop_map(Edit::Prevails),
        2 => (0usize..8, prop::collection::btree_set(0usize..8, 0..=2))
            .prop_map(|(k, o)| Edit::Overrides(k, o.into_iter().collect())),
        2 => (0usize..8).prop_map(Edit::Remove),
        2 => (5usize..8).prop_flat_map(rule).prop_map(Edit::Add),
        1 => (0..FACTS, 0..FACTS).prop_map(|(a, b)| Edit::Implies(a, b)),
        1 => (0..FACTS, 0..FACTS).prop_map(|(a, b)| Edit::Excludes(a, b)),
        1 => (0u8..=10, 10u8..=20).prop_map(|(a, b)| Edit::Range(a, b)),
    ]
}

fn version() -> impl Strategy<Value = V> {
    (
        (1usize..=5).prop_flat_map(|n| (0..n).map(rule).collect::<Vec<_>>()),
        prop::collection::vec((0..FACTS, 0..FACTS), 0..=2),
        prop::collection::vec((0..FACTS, 0..FACTS), 0..=1),
        prop::collection::btree_set(0..FACTS, 0..=2),
        (0u8..=4, 16u8..=20),
    )
        .prop_map(|(rules, implies, excludes, group, range)| V {
            rules,
            implies: implies.into_iter().filter(|(a, b)| a != b).collect(),
            excludes: excludes.into_iter().filter(|(a, b)| a != b).collect(),
            group: group.into_iter().collect(),
            range,
        })
}

fn apply(mut v: V, edits: &[Edit]) -> V {
    for e in edits {
        let n = v.rules.len();
        match e.clone() {
            Edit::Action(k, a) if k < n => v.rules[k].action = a,
            Edit::When(k, w) if k < n => v.rules[k].when = w,
            Edit::Exercises(k, x) if k < n => v.rules[k].exercises = x,
            Edit::Prevails(k) if k < n => v.rules[k].prevails = !v.rules[k].prevails,
            Edit::Overrides(k, o) if k < n => {
                let id = v.rules[k].id;
                v.rules[k].overrides = o.into_iter().filter(|&x| x > id).collect();
            }
            Edit::Remove(k) if k < n => {
                v.rules.remove(k);
            }
            Edit::Add(r) if v.rules.iter().all(|x| x.id != r.id) => v.rules.push(r),
            Edit::Implies(a, b) if a != b => v.implies.push((a, b)),
            Edit::Excludes(a, b) if a != b => v.excludes.push((a, b)),
            Edit::Range(a, b) => v.range = (a, b),
            _ => {}
        }
    }
    v
}

/// Measure thresholds are halves: `Ge(k)` is `m >= k/2`.
fn to_when(w: &W) -> When {
    match w {
        W::Always => When::Always,
        W::Fact(f) => When::Fact(format!("f{f}")),
        W::Ge(k) => When::Compare {
            measure: "m".into(),
            op: CmpOp::Ge,
            value: f64::from(*k) / 2.0,
        },
        W::Lt(k) => When::Compare {
            measure: "m".into(),
            op: CmpOp::Lt,
            value: f64::from(*k) / 2.0,
        },
        W::Not(w) => When::Not(Box::new(to_when(w))),
        W::All(ws) => When::All(ws.iter().map(to_when).collect()),
        W::Any(ws) => When::Any(ws.iter().map(to_when).collect()),
    }
}

/// A bundle with facts f0..f3, measure m, exercises x0..x2 and the version's rules.
fn bundle(v: &V) -> Bundle {
    let text = "condition f0\ncondition f1\nfactor f2\nfactor f3\nmeasure m range 0..10\n\
exercise x0\nexercise x1\nexercise x2\nsource s \"S\"\n\
rule r0: if f0 or f1 or f2 or f3 or m >= 0 then recommend x0, x1, x2 cite s\n";
    let sources = Sources::single("t.carel", text);
    let c = carel::compile(&sources);
    let (model, analysis) = (c.model.unwrap(), c.analysis.unwrap());
    let mut b = carel::bundle::build(&model, &analysis, &sources);
    let template = b.rules[0].clone();
    b.conflicts.clear();
    let (lo, hi) = v.range;
    b.vocabulary.measures[0].min = Some(f64::from(lo) / 2.0);
    b.vocabulary.measures[0].max = Some(f64::from(hi) / 2.0);
    for f in b
        .vocabulary
        .conditions
        .iter_mut()
        .chain(b.vocabulary.factors.iter_mut())
    {
        let i: usize = f.id[1..].parse().unwrap();
        let mut imp: Vec<String> = v
            .implies
            .iter()
            .filter(|(a, _)| *a == i)
            .map(|(_, b)| format!("f{b}"))
            .collect();
        imp.sort();
        imp.dedup();
        f.implies = imp;
        let mut exc: Vec<String> = v
            .excludes
            .iter()
            .filter_map(|&(a, b)| {
                if a == i {
                    Some(b)
                } else if b == i {
                    Some(a)
                } else {
                    None
                }
            })
            .map(|b| format!("f{b}"))
            .collect();
        exc.sort();
        exc.dedup();
        f.excludes = exc;
    }
    if v.group.len() >= 2 {
        b.vocabulary.exclusive = vec![ExclusiveEntry {
            id: "g".into(),
            label: None,
            members: v.group.iter().map(|f| format!("f{f}")).collect(),
        }];
    }
    let ids: BTreeSet<usize> = v.rules.iter().map(|r| r.id).collect();
    b.rules = v
        .rules
        .iter()
        .map(|r| {
            let mut x = template.clone();
            x.id = format!("r{}", r.id);
            x.when = to_when(&r.when);
            x.action = Action::ALL[r.action];
            x.exercises = r.exercises.iter().map(|e| format!("x{e}")).collect();
            x.targets = x.exercises.clone();
            x.prevails = r.prevails;
            x.overrides = r
                .overrides
                .iter()
                .filter(|o| ids.contains(o))
                .map(|o| format!("r{o}"))
                .collect();
            x
        })
        .collect();
    b
}

/// Every patient: fact sets times measure values (unknown, or each quarter in the range).
fn patients() -> Vec<Patient> {
    let mut out = Vec::new();
    for mask in 0u32..(1 << FACTS) {
        let facts: BTreeSet<String> = (0..FACTS)
            .filter(|f| mask & (1 << f) != 0)
            .map(|f| format!("f{f}"))
            .collect();
        for k in -1i32..=44 {
            let mut measures = BTreeMap::new();
            if k >= 0 {
                measures.insert("m".to_string(), f64::from(k) / 4.0);
            }
            out.push(Patient {
                facts: facts.clone(),
                measures,
                implied: Default::default(),
            });
        }
    }
    out
}

/// The given facts closed under the version's `implies`.
fn close(v: &V, given: &BTreeSet<String>) -> BTreeSet<String> {
    let mut out = given.clone();
    loop {
        let before = out.len();
        for &(a, b) in &v.implies {
            if out.contains(&format!("f{a}")) {
                out.insert(format!("f{b}"));
            }
        }
        if out.len() == before {
            return out;
        }
    }
}

/// Whether a given patient is one the version accepts: once closed under its `implies`, no
/// excludes or group broken, the measure in range.
fn possible(v: &V, p: &Patient) -> bool {
    let closed = close(v, &p.facts);
    let has = |f: usize| closed.contains(&format!("f{f}"));
    let (lo, hi) = (f64::from(v.range.0) / 2.0, f64::from(v.range.1) / 2.0);
    v.excludes.iter().all(|&(a, b)| !(has(a) && has(b)))
        && v.group.iter().filter(|&&f| has(f)).count() <= 1
        && p.measures.get("m").is_none_or(|&m| lo <= m && m <= hi)
}

type Pairs = BTreeMap<String, BTreeMap<(Option<Action>, Option<Action>), usize>>;

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn diff_matches_brute_force(old in version(), edits in prop::collection::vec(edit(), 0..=3)) {
        let new = apply(old.clone(), &edits);
        let (bo, bn) = (bundle(&old), bundle(&new));
        let (eo, en) = match (Evaluator::new(&bo), Evaluator::new(&bn)) {
            (Ok(a), Ok(b)) => (a, b),
            // A precedence cycle (prevails against an explicit override): not a valid bundle.
            _ => return Err(TestCaseError::reject("invalid bundle")),
        };
        // Brute force: per exercise, every (old, new) pair with the fewest given facts showing
        // it (each evaluator closes the given facts under its own `implies`).
        let mut expected: Pairs = BTreeMap::new();
        for p in patients() {
            if !possible(&old, &p) || !possible(&new, &p) {
                continue;
            }
            let (a, b) = (eo.evaluate(&p), en.evaluate(&p));
            for e in 0..EXERCISES {
                let x = format!("x{e}");
                let pair = (a.action(&x), b.action(&x));
                if pair.0 != pair.1 {
                    let fewest = expected.entry(x).or_default().entry(pair).or_insert(usize::MAX);
                    *fewest = (*fewest).min(p.facts.len());
                }
            }
        }
        let d = carel::diff::diff(&bo, &bn).unwrap();
        prop_assert!(d.undecided.is_empty());
        let mut found: Pairs = BTreeMap::new();
        for c in &d.changes {
            for t in &c.transitions {
                found.entry(c.exercise.clone()).or_default().insert((t.old, t.new), t.facts.len());
                // The witness shows the change it claims, and is possible in both versions.
                let p = Patient {
                    facts: t.facts.iter().cloned().collect(),
                    measures: t.measures.clone(),
                    implied: Default::default(),
                };
                prop_assert!(possible(&old, &p) && possible(&new, &p), "{:?}", t);
                for (v, implied) in [(&old, &t.old_implied), (&new, &t.new_implied)] {
                    let added: Vec<String> = close(v, &p.facts).difference(&p.facts).cloned().collect();
                    prop_assert_eq!(&added, implied);
                }
                prop_assert_eq!(eo.evaluate(&p).action(&c.exercise), t.old);
                prop_assert_eq!(en.evaluate(&p).action(&c.exercise), t.new);
            }
        }
        prop_assert_eq!(found, expected);
    }
}

#[test]
fn unchanged_versions_have_no_diff() {
    let v = V {
        rules: vec![R {
            id: 0,
            when: W::Fact(0),
            action: 4,
            exercises: vec![0],
            prevails: true,
            overrides: vec![],
        }],
        implies: vec![(0, 1)],
        excludes: vec![],
        group: vec![],
        range: (0, 20),
    };
    let d = carel::diff::diff(&bundle(&v), &bundle(&v)).unwrap();
    assert!(d.changes.is_empty() && d.rules_changed.is_empty() && d.undecided.is_empty());
}
