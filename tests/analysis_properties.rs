//! The conflict analysis against brute force: on small random rulesets, every finding it reports
//! is true (its witness fires both rules) and every finding that exists is reported.

mod common;

use std::collections::BTreeSet;

use carel::analysis::{self, ConflictKind, dose};
use carel::diagnostic::Code;
use carel::model::*;
use carel::source::Span;
use common::{Vocab, expr, vocab};
use proptest::prelude::*;

const EXERCISES: usize = 3;
/// Where the facts' spans start (rules' spans are below, 100 bytes each).
const FACT_SPANS: usize = 1_000_000;

#[derive(Clone, Debug)]
struct RuleSpec {
    when: Expr,
    action: Action,
    exercises: Vec<ExerciseId>,
    dose: Option<usize>,
    overrides: Vec<RuleId>,
    retired: bool,
    prevails: bool,
}

fn doses() -> Vec<Dose> {
    let d = |lo: f64, hi: f64, unit, frequency| Dose {
        amount: Some(Amount {
            lo,
            hi,
            unit,
            bound: Bound::Exactly,
        }),
        frequency,
        bouts: None,
        progression: None,
        span: Span::default(),
    };
    vec![
        d(
            10.0,
            20.0,
            AmountUnit::Min,
            Some(Frequency::Every { lo: 3.0, hi: 3.0 }),
        ),
        d(
            150.0,
            150.0,
            AmountUnit::Min,
            Some(Frequency::Per(Period::Week)),
        ),
        d(
            0.25,
            0.25,
            AmountUnit::H,
            Some(Frequency::Times {
                lo: 8.0,
                hi: 8.0,
                per: Period::Day,
            }),
        ),
        d(10.0, 10.0, AmountUnit::Reps, None),
    ]
}

fn action() -> impl Strategy<Value = Action> {
    prop_oneof![
        Just(Action::Recommend),
        Just(Action::Consider),
        Just(Action::Caution),
        Just(Action::Refer),
        Just(Action::Avoid)
    ]
}

fn ruleset() -> impl Strategy<Value = (Vocab, Vec<RuleSpec>)> {
    vocab().prop_flat_map(|v| {
        let rule = (
            expr(&v),
            action(),
            prop::collection::btree_set(0..EXERCISES, 1..=2),
            prop::option::of(0..4usize),
            prop::collection::vec(0..5usize, 0..=1),
            prop::bool::weighted(0.1),
            prop::bool::weighted(0.15),
        )
            .prop_map(
                |(when, action, exercises, dose, overrides, retired, prevails)| RuleSpec {
                    when,
                    action,
                    exercises: exercises.into_iter().collect(),
                    dose,
                    overrides,
                    retired,
                    prevails,
                },
            );
        (Just(v), prop::collection::vec(rule, 2..=5))
    })
}

fn model(v: &Vocab, specs: &[RuleSpec]) -> Model {
    let n = specs.len();
    let mut m = Model::default();
    for f in 0..v.facts {
        m.facts.push(Fact {
            name: format!("f{f}"),
            label: None,
            kind: FactKind::Factor,
            implies: v.implies[f].clone(),
            excludes: v
                .excludes
                .iter()
                .filter(|&&(a, _)| a == f)
                .map(|&(_, b)| b)
                .collect(),
            codes: vec![],
            span: Span::new(0, FACT_SPANS + f, FACT_SPANS + f + 1),
        });
    }
    for (i, g) in v.groups.iter().enumerate() {
        m.exclusives.push(Exclusive {
            name: format!("g{i}"),
            label: None,
            members: g.clone(),
            span: Span::default(),
        });
    }
    for (i, &(min, max)) in v.ranges.iter().enumerate() {
        m.measures.push(Measure {
            name: format!("m{i}"),
            label: None,
            unit: None,
            min,
            max,
            codes: vec![],
            span: Span::default(),
        });
    }
    for e in 0..EXERCISES {
        m.exercises.push(Exercise {
            name: format!("e{e}"),
            label: None,
            categories: vec![],
            span: Span::default(),
        });
    }
    let doses = doses();
    for (r, s) in specs.iter().enumerate() {
        let span = Span::new(0, r * 100, r * 100 + 10);
        m.rules.push(Rule {
            id: format!("r{r}"),
            named: true,
            span,
            head_span: span,
            when: s.when.clone(),
            when_span: None,
            action: s.action,
            action_span: span,
            targets: vec![],
            exercises: s.exercises.clone(),
            dose: s.dose.and_then(|d| doses.get(d).copied()).map(Box::new),
            cite: vec![],
            evidence: None,
            strength: None,
            details: Some(Box::new(RuleDetails {
                overrides: s
                    .overrides
                    .iter()
                    .filter(|&&o| o < n)
                    .map(|&o| (o, Span::new(0, r * 100 + 50, r * 100 + 55)))
                    .collect(),
                prevails: s.prevails.then(|| Span::new(0, r * 100 + 60, r * 100 + 65)),
                ..RuleDetails::default()
            })),
            status: if s.retired {
                Status::Retired
            } else {
                Status::Active
            },
        });
    }
    m
}

/// The precedence edges among live rules, read from the language contract: each `overrides`,
/// and for a rule that `prevails`, every other live rule sharing an exercise with it whose
/// action is less protective.
fn precedence(m: &Model, from: RuleId) -> Vec<RuleId> {
    let live = |r: RuleId| m.rules[r].is_live();
    if !live(from) {
        return Vec::new();
    }
    let rule = &m.rules[from];
    let mut out: Vec<RuleId> = rule
        .overrides()
        .iter()
        .map(|o| o.0)
        .filter(|&o| live(o))
        .collect();
    if rule.prevails().is_some() {
        for (b, other) in m.rules.iter().enumerate() {
            if b != from
                && live(b)
                && other.exercises.iter().any(|e| rule.exercises.contains(e))
                && other.action.protectiveness() < rule.action.protectiveness()
            {
                out.push(b);
            }
        }
    }
    out
}

/// `from` prevails over `to` through a chain of precedence among live rules (a retired rule
/// takes no part, so a chain through one is cut).
fn reaches(m: &Model, from: RuleId, to: RuleId) -> bool {
    let mut seen = BTreeSet::new();
    let mut stack: Vec<RuleId> = precedence(m, from);
    while let Some(r) = stack.pop() {
        if r == to {
            return true;
        }
        if seen.insert(r) {
            stack.extend(precedence(m, r));
        }
    }
    false
}

fn expected_kind(a: &Rule, b: &Rule) -> Option<ConflictKind> {
    use Action::*;
    match (a.action, b.action) {
        (Recommend, Avoid) | (Avoid, Recommend) => return Some(ConflictKind::Contradiction),
        (Recommend, Caution)
        | (Caution, Recommend)
        | (Consider, Avoid)
        | (Avoid, Consider)
        | (Recommend, Refer)
        | (Refer, Recommend)
        | (Consider, Refer)
        | (Refer, Consider) => {
            return Some(ConflictKind::Tension);
        }
        _ => {}
    }
    let positive = |a: Action| matches!(a, Recommend | Consider);
    match (a.dose.as_deref(), b.dose.as_deref()) {
        (Some(da), Some(db)) if positive(a.action) && positive(b.action) => {
            dose::mismatch(da, db).map(|_| ConflictKind::DoseMismatch)
        }
        _ => None,
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn findings_are_exactly_the_real_ones((v, specs) in ruleset()) {
        let m = model(&v, &specs);
        let mut out = Vec::new();
        let a = analysis::analyse(&m, &mut out);
        let patients = v.patients();
        let n = m.rules.len();
        let fires = |r: RuleId, p: &Patient| m.rules[r].is_live() && m.rules[r].when.holds(p);
        let can_fire: Vec<bool> = (0..n).map(|r| patients.iter().any(|p| fires(r, p))).collect();

        // W002: exactly the live rules no patient fires.
        let w002: BTreeSet<usize> = out.iter().filter(|d| d.code == Code::W002).map(|d| d.span.start() / 100).collect();
        let never: BTreeSet<usize> = (0..n).filter(|&r| m.rules[r].is_live() && !can_fire[r]).collect();
        prop_assert_eq!(w002, never);
        prop_assert!(out.iter().all(|d| d.code != Code::E011), "{:?}", out);

        // Conflicts: exactly the pairs sharing an exercise, with a clash, that some patient fires.
        let mut expected = Vec::new();
        for i in 0..n {
            for j in i + 1..n {
                let (ri, rj) = (&m.rules[i], &m.rules[j]);
                if !ri.exercises.iter().any(|e| rj.exercises.contains(e)) {
                    continue;
                }
                let Some(kind) = expected_kind(ri, rj) else { continue };
                if patients.iter().any(|p| fires(i, p) && fires(j, p)) {
                    expected.push(([i, j], kind));
                }
            }
        }
        let found: Vec<_> = a.conflicts.iter().map(|c| (c.rules, c.kind)).collect();
        prop_assert_eq!(found, expected);

        for c in &a.conflicts {
            let [i, j] = c.rules;
            prop_assert!(fires(i, &c.witness) && fires(j, &c.witness), "witness {:?} of {:?}", c.witness, c);
            // The witness has as few facts as any patient who fires both.
            let fewest = patients.iter().filter(|p| fires(i, p) && fires(j, p)).map(|p| p.facts.len()).min();
            prop_assert_eq!(Some(c.witness.facts.len()), fewest);
            let shared: Vec<_> = m.rules[i].exercises.iter().copied().filter(|e| m.rules[j].exercises.contains(e)).collect();
            prop_assert_eq!(&c.exercises, &shared);
            let winner = if reaches(&m, i, j) { Some(i) } else if reaches(&m, j, i) { Some(j) } else { None };
            prop_assert_eq!(c.resolved_by, winner);
        }
        let unresolved = |k: ConflictKind| a.conflicts.iter().filter(|c| c.kind == k && c.resolved_by.is_none()).count();
        let count = |code: Code| out.iter().filter(|d| d.code == code).count();
        prop_assert_eq!(count(Code::E010), unresolved(ConflictKind::Contradiction));
        prop_assert_eq!(count(Code::W004), unresolved(ConflictKind::Tension));
        prop_assert_eq!(count(Code::W005), unresolved(ConflictKind::DoseMismatch));

        // W003: r is reported when some s (both firing, same action, neither in overrides)
        // covers it, unless the only such s are equivalent rules after r.
        let involved = |r: RuleId| {
            !m.rules[r].overrides().is_empty()
                || m.rules.iter().any(|x| x.overrides().iter().any(|o| o.0 == r))
                || (0..n).any(|x| m.rules[x].prevails().is_some() && precedence(&m, x).contains(&r))
                || (m.rules[r].prevails().is_some() && !precedence(&m, r).is_empty())
        };
        let covers = |s: RuleId, r: RuleId| {
            let (rs, rr) = (&m.rules[s], &m.rules[r]);
            s != r
                && can_fire[s]
                && can_fire[r]
                && rs.action == rr.action
                && !involved(s)
                && !involved(r)
                && rr.exercises.iter().all(|e| rs.exercises.contains(e))
                && rr.dose.as_deref().is_none_or(|d| rs.dose.as_deref().is_some_and(|e| d.amount == e.amount && d.frequency == e.frequency))
                && patients.iter().all(|p| !rr.when.holds(p) || rs.when.holds(p))
        };
        let redundant: BTreeSet<usize> = (0..n)
            .filter(|&r| (0..n).any(|s| covers(s, r) && (!covers(r, s) || s < r)))
            .collect();
        let w003: BTreeSet<usize> = out.iter().filter(|d| d.code == Code::W003).map(|d| d.span.start() / 100).collect();
        prop_assert_eq!(w003, redundant);

        // W006: a direct override between live rules, one of which never fires or which share
        // no exercise or never fire together, unless a chain resolving some conflict passes
        // through it; and `prevails` none of whose overrides lies on such a chain.
        let resolutions: Vec<(RuleId, RuleId)> = a
            .conflicts
            .iter()
            .filter_map(|c| c.resolved_by.map(|w| (w, if c.rules[0] == w { c.rules[1] } else { c.rules[0] })))
            .collect();
        let needed = |x: RuleId, y: RuleId| {
            resolutions
                .iter()
                .any(|&(w, l)| (w == x || reaches(&m, w, x)) && (y == l || reaches(&m, y, l)))
        };
        let live = |r: RuleId| m.rules[r].is_live();
        let mut needless = BTreeSet::new();
        for (a_, r) in m.rules.iter().enumerate() {
            for &(b, _) in r.overrides() {
                if a_ == b || !live(a_) || !live(b) {
                    continue;
                }
                let share = r.exercises.iter().any(|e| m.rules[b].exercises.contains(e));
                let apart = !can_fire[a_]
                    || !can_fire[b]
                    || !share
                    || !patients.iter().any(|p| fires(a_, p) && fires(b, p));
                if apart && !needed(a_, b) {
                    needless.insert((a_, b));
                }
            }
            if r.prevails().is_some() && live(a_) && can_fire[a_] {
                let derived: Vec<RuleId> = (0..n)
                    .filter(|&b| {
                        b != a_
                            && live(b)
                            && m.rules[b].exercises.iter().any(|e| r.exercises.contains(e))
                            && m.rules[b].action.protectiveness() < r.action.protectiveness()
                    })
                    .collect();
                if !derived.iter().any(|&b| needed(a_, b)) {
                    needless.insert((a_, usize::MAX - 1));
                }
            }
        }
        let w006: BTreeSet<(usize, usize)> = out
            .iter()
            .filter(|d| d.code == Code::W006)
            .map(|d| {
                let a_ = d.span.start() / 100;
                if m.rules[a_].prevails() == Some(d.span) {
                    return (a_, usize::MAX - 1);
                }
                let b = m.rules[a_].overrides().iter().find(|o| o.1 == d.span).map(|o| o.0).unwrap_or(usize::MAX);
                (a_, b)
            })
            .collect();
        // W008: exactly the facts no patient has.
        let w008: BTreeSet<usize> = out
            .iter()
            .filter(|d| d.code == Code::W008)
            .map(|d| d.span.start() - FACT_SPANS)
            .collect();
        let impossible: BTreeSet<usize> = (0..v.facts)
            .filter(|&f| !patients.iter().any(|p| p.has(f)))
            .collect();
        prop_assert_eq!(w008, impossible);
        prop_assert_eq!(w006, needless);
    }
}
