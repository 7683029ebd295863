//! Findings between rules: contradictions (E010), tensions (W004), dose mismatches (W005),
//! rules that can never fire (W002), redundant rules (W003), needless `overrides` (W006) and
//! questions too complex to answer exactly (E011).
//!
//! Cost stays near-linear in the number of rules: every live rule's condition is flattened once
//! ([`Space::prepare`]); rules are indexed by exercise and by action, so only pairs that share an
//! exercise *and* whose actions can produce a finding are looked at, each pair once; most pairs
//! are then settled by the solver's fast path on the flattened literals.

mod ahead;
mod firing;
mod index;
mod needless;
mod pairs;
mod partners;
mod redundancy;
mod report;
mod sift;
#[cfg(test)]
mod tests;

use foldhash::{HashMap, HashSet};

use super::dose::{self, Mismatch};
use super::overrides::Overrides;
use super::sat::{self, Clash, Prepared, Scratch, Signature, Space};
use super::words;
use super::{Analysis, Conflict, ConflictKind};
use crate::diagnostic::{Code, Diagnostic};
use crate::model::{Action, Dose, ExerciseId, Expr, FactId, Model, Patient, Rule, RuleId};

use ahead::*;
use index::*;
use partners::*;
use sift::*;

/// The kind of conflict two actions produce on a shared exercise, if any (doses aside).
fn clash(a: Action, b: Action) -> Option<ConflictKind> {
    use Action::*;
    match (a, b) {
        (Recommend, Avoid) | (Avoid, Recommend) => Some(ConflictKind::Contradiction),
        (Recommend, Caution)
        | (Caution, Recommend)
        | (Consider, Avoid)
        | (Avoid, Consider)
        | (Recommend, Refer)
        | (Refer, Recommend)
        | (Consider, Refer)
        | (Refer, Consider) => Some(ConflictKind::Tension),
        _ => None,
    }
}

fn positive(a: Action) -> bool {
    matches!(a, Action::Recommend | Action::Consider)
}

fn slot(a: Action) -> usize {
    match a {
        Action::Recommend => 0,
        Action::Consider => 1,
        Action::Caution => 2,
        Action::Avoid => 3,
        Action::Refer => 4,
    }
}

/// Index slots, one per action.
const SLOTS: usize = 5;

/// Every element of sorted `small` is in sorted `big`.
fn subset(small: &[usize], big: &[usize]) -> bool {
    let mut rest = big;
    small.iter().all(|x| match rest.binary_search(x) {
        Ok(i) => {
            rest = &rest[i + 1..];
            true
        }
        Err(_) => false,
    })
}

struct Context<'m, 'o> {
    model: &'m Model,
    space: Space,
    /// Each live rule's condition, flattened; `None` for retired rules.
    prepared: Vec<Option<Prepared<'m>>>,
    /// Live rules that can fire and whose condition could be analysed.
    active: Vec<bool>,
    /// Live rules that can never fire (W002).
    never: Vec<bool>,
    overrides: Overrides,
    out: &'o mut Vec<Diagnostic>,
    conflicts: Vec<Conflict>,
    /// Pairs already reported as too complex.
    too_complex: HashSet<(RuleId, RuleId)>,
    /// Questions left unanswered once the work budget of the whole analysis ran out, and the
    /// rules of the first one.
    unanswered: usize,
    first_unanswered: Option<(RuleId, RuleId)>,
    /// For each redundant rule, the first rule that covers it.
    covered_by: Vec<Option<RuleId>>,
    /// Each rule's exercises, in one flat table (see [`RuleExercises`]).
    exercises: &'m RuleExercises,
    /// What every pair check looks at first, in one compact array (see [`Hot`]).
    hot: Vec<Hot>,
    /// Each exercise's position in the order by name (rules list their exercises in that order).
    rank: Vec<u32>,
    /// The distinct doses of the ruleset; [`Hot::dose`] indexes this table.
    doses: Vec<Dose>,
    /// One patient for whom each rule fires, computed when first needed:
    /// a cheap way to prove that two rules fire together, or that one does not imply another.
    /// Only pairs with a rule that is not a plain conjunction ask for one: most rules have none.
    samples: HashMap<RuleId, Option<Patient>>,
    /// Conflicts recorded at most; pairs beyond are counted, not checked.
    max_conflicts: usize,
    /// Candidates [`Checks::sift`] keeps for one chunk of rules at most.
    sift_limit: usize,
    /// Rules from which a pass runs in parallel (see [`PARALLEL`]).
    parallel: usize,
    unchecked: usize,
    first_unchecked: Option<(RuleId, RuleId)>,
}

/// The per-rule facts a pair check needs first, kept together so that most pairs are settled
/// from this array alone.
#[derive(Clone, Copy, Debug)]
struct Hot {
    signature: Signature,
    action: Action,
    /// Takes part in `overrides`, on either side.
    involved: bool,
    /// Its condition is a plain conjunction of literals.
    plain: bool,
    /// Index into the table of distinct doses, `NO_DOSE` without one.
    dose: u32,
    exercises: u32,
}

const NO_DOSE: u32 = u32::MAX;

/// Analyse the rules of a model: see the module documentation.
pub fn analyse(model: &Model, out: &mut Vec<Diagnostic>) -> Analysis {
    analyse_in(Space::new(model), MAX_CONFLICTS, model, out)
}

/// Conflicts recorded at most. A ruleset with more (thousands of rules all clashing with each
/// other) has a problem better fixed at its source than listed in full; the rest is summed up
/// in one diagnostic instead of taking minutes and gigabytes.
const MAX_CONFLICTS: usize = 100_000;

/// [`analyse`] with a given patient space (and so given work budgets).
fn analyse_in(
    space: Space,
    max_conflicts: usize,
    model: &Model,
    out: &mut Vec<Diagnostic>,
) -> Analysis {
    analyse_with(space, max_conflicts, SIFT_LIMIT, PARALLEL, model, out)
}

/// [`analyse_in`] with a given [`SIFT_LIMIT`] and [`PARALLEL`] threshold. Neither changes the
/// findings, only how the work is split.
fn analyse_with(
    space: Space,
    max_conflicts: usize,
    sift_limit: usize,
    parallel: usize,
    model: &Model,
    out: &mut Vec<Diagnostic>,
) -> Analysis {
    super::overrides::report_cycles(model, out);
    impossible_facts(&space, model, out);
    let exercises = RuleExercises::new(&model.rules);
    let before = out.len();
    let mut cx = Context::new(
        space,
        max_conflicts,
        sift_limit,
        parallel,
        model,
        &exercises,
        out,
    );
    cx.firing();
    cx.pairs();
    cx.redundant();
    cx.needless_overrides();
    cx.report_unanswered();
    cx.report_unchecked();
    let mut conflicts = cx.conflicts;
    let out = cx.out;
    conflicts.sort_by_key(|c| (c.rules, c.kind));
    out[before..].sort_by(|a, b| {
        (a.span.file(), a.span.start(), a.span.end(), a.code).cmp(&(
            b.span.file(),
            b.span.start(),
            b.span.end(),
            b.code,
        ))
    });
    Analysis { conflicts }
}

/// W008: facts no patient can have (their implications reach a fact they exclude, or two
/// facts that exclude each other).
fn impossible_facts(space: &Space, model: &Model, out: &mut Vec<Diagnostic>) {
    for (f, fact) in model.facts.iter().enumerate() {
        if !space.never(f) {
            continue;
        }
        let implied: Vec<String> = space
            .implied(f)
            .iter()
            .map(|&g| format!("`{}`", model.facts[g].name))
            .collect();
        let mut d = Diagnostic::new(
            Code::W008,
            fact.span,
            format!("no patient can have `{}`", fact.name),
        )
        .with_label("this fact can never hold");
        if !implied.is_empty() {
            d = d.with_note(format!("`{}` implies {}", fact.name, words::list(&implied)));
        }
        out.push(d.with_help(
            "check its `implies` and `excludes` (and the `exclusive` groups of the facts it implies): \
             one of them does not hold for every patient",
        ));
    }
}

impl<'m, 'o> Context<'m, 'o> {
    /// The analysis of `model` before its passes: every live rule's condition flattened, and
    /// the per-rule tables the passes read.
    fn new(
        space: Space,
        max_conflicts: usize,
        sift_limit: usize,
        parallel: usize,
        model: &'m Model,
        exercises: &'m RuleExercises,
        out: &'o mut Vec<Diagnostic>,
    ) -> Context<'m, 'o> {
        let (prepared, hot) = prepare_all(&space, &model.rules, parallel);
        let n = model.rules.len();
        let mut cx = Context {
            model,
            exercises,
            space,
            prepared,
            active: vec![false; n],
            never: vec![false; n],
            overrides: Overrides::new(model),
            out,
            conflicts: Vec::new(),
            too_complex: HashSet::default(),
            unanswered: 0,
            first_unanswered: None,
            covered_by: vec![None; n],
            hot,
            doses: Vec::new(),
            rank: exercise_rank(model),
            samples: HashMap::default(),
            max_conflicts,
            sift_limit,
            parallel,
            unchecked: 0,
            first_unchecked: None,
        };
        cx.hot_data();
        cx
    }
}

impl<'m> Context<'m, '_> {
    fn rule(&self, r: RuleId) -> &'m Rule {
        &self.model.rules[r]
    }

    fn prep(&self, r: RuleId) -> &Prepared<'m> {
        self.prepared[r]
            .as_ref()
            .expect("only live rules are analysed")
    }
}
