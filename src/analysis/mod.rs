//! Analysis of a resolved ruleset: which rules can fire, which pairs of rules give clashing
//! advice to some possible patient (with a witness), and the conflict graph.

mod conflicts;
pub mod dose;
pub mod graph;
pub mod overrides;
pub mod sat;
pub mod words;

#[cfg(test)]
mod testkit;

use crate::diagnostic::Diagnostic;
use crate::model::{ExerciseId, Model, Patient, RuleId};

/// What kind of clash two rules have (§5 of the language contract).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ConflictKind {
    /// `recommend` vs `avoid`: an error unless resolved by `overrides`.
    Contradiction,
    /// `recommend` vs `caution`, `consider` vs `avoid`: a warning.
    Tension,
    /// Two `recommend`/`consider` doses of one exercise that cannot both be followed.
    DoseMismatch,
}

impl ConflictKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ConflictKind::Contradiction => "contradiction",
            ConflictKind::Tension => "tension",
            ConflictKind::DoseMismatch => "dose_mismatch",
        }
    }
}

/// Two rules that advise clashing things for at least one possible patient.
#[derive(Clone, Debug, PartialEq)]
pub struct Conflict {
    pub kind: ConflictKind,
    /// The two rules, in source order.
    pub rules: [RuleId; 2],
    /// Every exercise on which they clash, sorted by exercise name.
    pub exercises: Vec<ExerciseId>,
    /// The smallest patient for whom both rules fire.
    pub witness: Patient,
    /// The rule whose advice prevails through `overrides` (directly or by a chain), if any.
    pub resolved_by: Option<RuleId>,
}

/// The result of analysing a model.
#[derive(Clone, Debug, Default)]
pub struct Analysis {
    /// Every conflict, resolved or not, sorted by (first rule, second rule, kind).
    pub conflicts: Vec<Conflict>,
}

/// Analyse a model whose names and kinds check out. Diagnostics go to `out`: E006 override
/// cycles, E010 contradictions, E011 questions too complex to answer, W002 rules that never fire,
/// W003 redundant rules, W004 tensions, W005 dose mismatches and W006 needless `overrides`.
/// Only live rules take part (retired rules never fire); rules that can never fire take no
/// further part after W002.
pub fn analyse(model: &Model, out: &mut Vec<Diagnostic>) -> Analysis {
    conflicts::analyse(model, out)
}
