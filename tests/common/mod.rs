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
}

impl Vocab {
    pub fn space(&self) -> Space {
        Space::from_parts(self.facts, self.groups.clone(), self.ranges.clone())
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
