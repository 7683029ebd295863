//! Test coverage (§11 of the contract): the live rules that no test fires, and the resolved
//! conflicts that no test exercises — no test patient for whom both rules fire.

use std::collections::{BTreeMap, BTreeSet};

use super::{Place, TestResult};
use crate::bundle::Bundle;
use crate::model::Model;
use crate::source::Sources;

/// A rule or resolved conflict that no test reaches.
#[derive(Clone, Debug, PartialEq)]
pub struct Uncovered {
    /// The rule id; for a conflict, its two rules `a and b`.
    pub what: String,
    /// For a conflict, the rule whose advice prevails.
    pub resolved_by: Option<String>,
    /// The rule; for a conflict, the rule whose advice prevails.
    pub place: Place,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Coverage {
    /// Live rules (every rule of the bundle: retired rules are not in it).
    pub rules: usize,
    pub rules_covered: usize,
    /// Resolved conflicts, counted once per pair of rules.
    pub conflicts: usize,
    pub conflicts_covered: usize,
    /// In rule order, then conflict order.
    pub uncovered_rules: Vec<Uncovered>,
    pub uncovered_conflicts: Vec<Uncovered>,
}

impl Coverage {
    /// Covered (rules + resolved conflicts) over all, in percent; 100 when there is nothing to
    /// cover.
    pub fn percent(&self) -> f64 {
        let all = self.rules + self.conflicts;
        if all == 0 {
            return 100.0;
        }
        (self.rules_covered + self.conflicts_covered) as f64 * 100.0 / all as f64
    }
}

/// The coverage of `results`, the tests of `model` run on `bundle` (built from it).
pub fn coverage(
    model: &Model,
    sources: &Sources,
    bundle: &Bundle,
    results: &[TestResult],
) -> Coverage {
    let spans: BTreeMap<&str, Place> = model
        .rules
        .iter()
        .map(|r| (r.id.as_str(), Place::of(sources, r.head_span)))
        .collect();
    let place = |id: &str| {
        spans.get(id).cloned().unwrap_or(Place {
            file: String::new(),
            line: 0,
            column: 0,
        })
    };
    let fired: Vec<BTreeSet<&str>> = results
        .iter()
        .map(|r| r.fired.iter().map(String::as_str).collect())
        .collect();
    let mut uncovered_rules = Vec::new();
    for rule in &bundle.rules {
        if !fired.iter().any(|f| f.contains(rule.id.as_str())) {
            uncovered_rules.push(Uncovered {
                what: rule.id.clone(),
                resolved_by: None,
                place: place(&rule.id),
            });
        }
    }
    // One entry per pair of rules: a contradiction and a dose mismatch between the same two
    // rules are exercised by the same patient.
    let mut pairs = BTreeSet::new();
    let resolved: Vec<_> = bundle
        .conflicts
        .iter()
        .filter_map(|c| c.resolved_by.as_ref().map(|by| (c, by)))
        .filter(|(c, _)| pairs.insert(c.rules.clone()))
        .collect();
    let mut uncovered_conflicts = Vec::new();
    for (c, by) in &resolved {
        let [a, b] = &c.rules;
        if !fired
            .iter()
            .any(|f| f.contains(a.as_str()) && f.contains(b.as_str()))
        {
            uncovered_conflicts.push(Uncovered {
                what: format!("{a} and {b}"),
                resolved_by: Some(by.to_string()),
                place: place(by),
            });
        }
    }
    Coverage {
        rules: bundle.rules.len(),
        rules_covered: bundle.rules.len() - uncovered_rules.len(),
        conflicts: resolved.len(),
        conflicts_covered: resolved.len() - uncovered_conflicts.len(),
        uncovered_rules,
        uncovered_conflicts,
    }
}
