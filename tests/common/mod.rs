//! Shared by the property tests: small random vocabularies and conditions, and every patient
//! of a vocabulary for brute-force enumeration.
#![allow(dead_code)]

use carel::analysis::sat::Space;
use carel::model::{CmpOp, Expr, Patient};
use proptest::prelude::*;

#[derive(Clone, Debug)]
pub struct Vocab {
    pub facts: usize,
    pub groups: Vec<Vec<usize>>,
    pub ranges: Vec<(Option<f64>, Option<f64>)>,
    /// Facts each fact implies directly (`implies`).
    pub implies: Vec<Vec<usize>>,
    /// Pairs of facts that exclude each other (`excludes`; a pair may repeat a fact).
    pub excludes: Vec<(usize, usize)>,
}

impl Vocab {
    pub fn space(&self) -> Space {
        let mut groups = self.groups.clone();
        let mut itself = Vec::new();
        for &(a, b) in &self.excludes {
            if a == b {
                itself.push(a);
            } else {
                groups.push(vec![a, b]);
            }
        }
        let space = Space::from_parts(self.facts, groups, self.ranges.clone());
        if self.implies.iter().all(Vec::is_empty) && self.excludes.is_empty() {
            space
        } else {
            space.with_implications(&self.implies, &itself)
        }
    }

    /// Whether a set of true facts is a patient's: closed under `implies`, and respecting the
    /// groups and `excludes` (§9.1), worked out directly from the declarations.
    pub fn possible(&self, facts: &[usize]) -> bool {
        let closed = facts.iter().all(|&f| {
            self.implies
                .get(f)
                .into_iter()
                .flatten()
                .all(|g| facts.contains(g))
        });
        closed
            && !self
                .groups
                .iter()
                .any(|g| g.iter().filter(|m| facts.contains(m)).count() > 1)
            && !self
                .excludes
                .iter()
                .any(|&(a, b)| facts.contains(&a) && facts.contains(&b))
    }

    /// Every patient worth trying: fact sets respecting the groups, times, per measure, unknown
    /// or any multiple of 0.25 from -2 to 12 inside its range. Thresholds are multiples of 0.5
    /// in -1..11, so this grid hits every point threshold and every stretch between two.
    pub fn patients(&self) -> Vec<Patient> {
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
            if !self.possible(&facts) {
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

pub fn vocab() -> impl Strategy<Value = Vocab> {
    (1usize..=5, 0usize..=2)
        .prop_flat_map(|(facts, measures)| {
            let group = prop::collection::vec(0..facts, 2..=3);
            let range = (prop::option::of(0i32..=4), prop::option::of(5i32..=10))
                .prop_map(|(lo, hi)| (lo.map(f64::from), hi.map(f64::from)));
            (
                Just(facts),
                prop::collection::vec(group, 0..=2),
                prop::collection::vec(range, measures..=measures),
                // Most vocabularies have no `implies` or `excludes` at all.
                prop::collection::vec(prop::collection::vec(0..facts, 0..=2), facts..=facts),
                prop::collection::vec((0..facts, 0..facts), 0..=2),
                prop::bool::weighted(0.5),
            )
        })
        .prop_map(
            |(facts, mut groups, ranges, mut implies, mut excludes, v2)| {
                // A group is a set of facts: listing a member twice changes nothing.
                for g in &mut groups {
                    g.sort_unstable();
                    g.dedup();
                }
                for (f, list) in implies.iter_mut().enumerate() {
                    list.retain(|&g| g != f);
                    list.sort_unstable();
                    list.dedup();
                }
                if !v2 {
                    implies.iter_mut().for_each(Vec::clear);
                    excludes.clear();
                }
                Vocab {
                    facts,
                    groups,
                    ranges,
                    implies,
                    excludes,
                }
            },
        )
}

pub fn op() -> impl Strategy<Value = CmpOp> {
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
pub fn threshold() -> impl Strategy<Value = f64> {
    (-2i32..=22).prop_map(|k| k as f64 / 2.0)
}

pub fn expr(v: &Vocab) -> impl Strategy<Value = Expr> + use<> {
    let facts = v.facts;
    let measures = v.ranges.len();
    let fact = (0..facts).prop_map(Expr::Fact).boxed();
    let leaf = if measures == 0 {
        prop_oneof![3 => fact, 1 => Just(Expr::Always)].boxed()
    } else {
        let cmp = (0..measures, op(), threshold()).prop_map(|(measure, op, value)| Expr::Cmp {
            measure,
            op,
            value,
        });
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
