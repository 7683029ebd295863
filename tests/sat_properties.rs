//! The solver against brute force: on small random vocabularies and random conditions, its
//! answers (satisfiable, witness, implication) equal what enumerating every patient gives.

use carel::analysis::sat::{self, Space};
use carel::model::{CmpOp, Expr, Patient};
use proptest::prelude::*;

#[derive(Clone, Debug)]
struct Vocab {
    facts: usize,
    groups: Vec<Vec<usize>>,
    ranges: Vec<(Option<f64>, Option<f64>)>,
}

impl Vocab {
    fn space(&self) -> Space {
        Space::from_parts(self.facts, self.groups.clone(), self.ranges.clone())
    }

    /// Every patient worth trying: fact sets respecting the groups, times, per measure, unknown
    /// or any multiple of 0.25 from -2 to 12 inside its range. Thresholds are multiples of 0.5
    /// in -1..11, so this grid hits every point threshold and every stretch between two.
    fn patients(&self) -> Vec<Patient> {
        let grid: Vec<f64> = (-8..=48).map(|k| k as f64 / 4.0).collect();
        let mut per_measure: Vec<Vec<Option<f64>>> = Vec::new();
        for &(lo, hi) in &self.ranges {
            let mut values = vec![None];
            values.extend(
                grid.iter()
                    .copied()
                    .filter(|&v| lo.is_none_or(|lo| v >= lo) && hi.is_none_or(|hi| v <= hi))
                    .map(Some),
            );
            per_measure.push(values);
        }
        let mut out = Vec::new();
        for mask in 0u32..(1 << self.facts) {
            let facts: Vec<usize> = (0..self.facts).filter(|f| mask & (1 << f) != 0).collect();
            if self
                .groups
                .iter()
                .any(|g| g.iter().filter(|m| facts.contains(m)).count() > 1)
            {
                continue;
            }
            let mut combos: Vec<Vec<(usize, f64)>> = vec![Vec::new()];
            for (m, values) in per_measure.iter().enumerate() {
                let mut next = Vec::new();
                for c in &combos {
                    for v in values {
                        let mut c = c.clone();
                        if let Some(v) = v {
                            c.push((m, *v));
                        }
                        next.push(c);
                    }
                }
                combos = next;
            }
            for measures in combos {
                out.push(Patient {
                    facts: facts.clone(),
                    measures,
                });
            }
        }
        out
    }
}

fn vocab() -> impl Strategy<Value = Vocab> {
    (1usize..=5, 0usize..=2)
        .prop_flat_map(|(facts, measures)| {
            let group = prop::collection::vec(0..facts, 2..=3);
            let range = (prop::option::of(0i32..=4), prop::option::of(5i32..=10))
                .prop_map(|(lo, hi)| (lo.map(f64::from), hi.map(f64::from)));
            (
                Just(facts),
                prop::collection::vec(group, 0..=2),
                prop::collection::vec(range, measures..=measures),
            )
        })
        .prop_map(|(facts, mut groups, ranges)| {
            // A group is a set of facts: listing a member twice changes nothing.
            for g in &mut groups {
                g.sort_unstable();
                g.dedup();
            }
            (facts, groups, ranges)
        })
        .prop_map(|(facts, groups, ranges)| Vocab {
            facts,
            groups,
            ranges,
        })
}

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

/// Thresholds: multiples of 0.5 from -1 to 11 (some outside every range).
fn threshold() -> impl Strategy<Value = f64> {
    (-2i32..=22).prop_map(|k| k as f64 / 2.0)
}

fn expr(v: &Vocab) -> impl Strategy<Value = Expr> + use<> {
    let facts = v.facts;
    let measures = v.ranges.len();
    let fact = (0..facts).prop_map(Expr::Fact).boxed();
    let leaf = if measures == 0 {
        prop_oneof![3 => fact, 1 => Just(Expr::Always)].boxed()
    } else {
        let cmp = (0..measures, op(), threshold()).prop_map(|(measure, op, value)| Expr::Cmp { measure, op, value });
        let range = (0..measures, threshold(), threshold()).prop_map(|(measure, a, b)| Expr::In {
            measure,
            lo: a.min(b),
            hi: a.max(b),
        });
        prop_oneof![4 => fact, 3 => cmp, 2 => range, 1 => Just(Expr::Always)].boxed()
    };
    leaf.prop_recursive(4, 24, 4, |inner| {
        prop_oneof![
            inner.clone().prop_map(|e| Expr::Not(Box::new(e))),
            prop::collection::vec(inner.clone(), 0..=4).prop_map(Expr::All),
            prop::collection::vec(inner, 0..=4).prop_map(Expr::Any),
        ]
    })
}

fn case() -> impl Strategy<Value = (Vocab, Vec<(Expr, bool)>)> {
    vocab().prop_flat_map(|v| {
        let constraints = prop::collection::vec((expr(&v), any::<bool>()), 1..=3);
        (Just(v), constraints)
    })
}

fn holds_all(p: &Patient, cs: &[(&Expr, bool)]) -> bool {
    cs.iter().all(|(e, want)| e.holds(p) == *want)
}

fn mentioned_measures(cs: &[(&Expr, bool)]) -> Vec<usize> {
    let mut out = Vec::new();
    let mut stack: Vec<&Expr> = cs.iter().map(|(e, _)| *e).collect();
    while let Some(e) = stack.pop() {
        match e {
            Expr::Cmp { measure, .. } | Expr::In { measure, .. } => out.push(*measure),
            Expr::Not(x) => stack.push(x),
            Expr::All(es) | Expr::Any(es) => stack.extend(es.iter()),
            Expr::Always | Expr::Fact(_) => {}
        }
    }
    out.sort_unstable();
    out.dedup();
    out
}

fn cost(p: &Patient, mentioned: &[usize]) -> (usize, usize) {
    (
        p.facts.len(),
        mentioned.iter().filter(|&&m| p.value(m).is_none()).count(),
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn satisfiable_and_witness_agree_with_brute_force((v, cs) in case()) {
        let space = v.space();
        let cs: Vec<(&Expr, bool)> = cs.iter().map(|(e, b)| (e, *b)).collect();
        let mentioned = mentioned_measures(&cs);
        let patients = v.patients();
        let best = patients
            .iter()
            .filter(|p| holds_all(p, &cs))
            .map(|p| cost(p, &mentioned))
            .min();
        let sat = sat::satisfiable(&space, &cs).expect("small conditions fit the budget");
        prop_assert_eq!(sat, best.is_some());
        let w = sat::witness(&space, &cs).expect("small conditions fit the budget");
        prop_assert_eq!(w.is_some(), best.is_some());
        if let Some(w) = w {
            prop_assert!(holds_all(&w, &cs), "witness {:?} does not satisfy the conditions", w);
            // A real patient: groups respected, values inside ranges, only mentioned measures.
            for g in &v.groups {
                prop_assert!(g.iter().filter(|&&m| w.has(m)).count() <= 1);
            }
            for &(m, value) in &w.measures {
                let (lo, hi) = v.ranges[m];
                prop_assert!(lo.is_none_or(|lo| value >= lo) && hi.is_none_or(|hi| value <= hi));
                prop_assert!(mentioned.contains(&m));
            }
            prop_assert!(w.facts.windows(2).all(|p| p[0] < p[1]));
            prop_assert!(w.measures.windows(2).all(|p| p[0].0 < p[1].0));
            prop_assert_eq!(Some(cost(&w, &mentioned)), best);
        }
    }

    #[test]
    fn implication_agrees_with_brute_force((v, cs) in case()) {
        let space = v.space();
        let a = &cs[0].0;
        let b = cs.get(1).map_or(&cs[0].0, |c| &c.0);
        let expected = v.patients().iter().all(|p| !a.holds(p) || b.holds(p));
        prop_assert_eq!(sat::implies(&space, a, b).expect("fits the budget"), expected);
        // The same through a prepared conjunction on both sides.
        let pa = space.prepare(&cs.iter().map(|(e, w)| (e, *w)).collect::<Vec<_>>());
        let pb = space.prepare(&[(b, true)]);
        let expected = v
            .patients()
            .iter()
            .all(|p| !cs.iter().all(|(e, w)| e.holds(p) == *w) || b.holds(p));
        prop_assert_eq!(space.implies(&pa, &pb).expect("fits the budget"), expected);
    }

    #[test]
    fn pairs_of_prepared_conditions_agree_with_brute_force((v, cs) in case()) {
        let space = v.space();
        let parts: Vec<_> = cs.iter().map(|(e, w)| space.prepare(&[(e, *w)])).collect();
        let refs: Vec<&_> = parts.iter().collect();
        let expected = v.patients().iter().any(|p| cs.iter().all(|(e, w)| e.holds(p) == *w));
        prop_assert_eq!(space.sat_all(&refs).expect("fits the budget"), expected);
    }
}
