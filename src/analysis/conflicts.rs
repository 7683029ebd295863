//! Findings between rules: contradictions (E010), tensions (W004), dose mismatches (W005),
//! rules that can never fire (W002), redundant rules (W003), needless `overrides` (W006) and
//! questions too complex to answer exactly (E011).
//!
//! Cost stays near-linear in the number of rules: every live rule's condition is flattened once
//! ([`Space::prepare`]); rules are indexed by exercise and by action, so only pairs that share an
//! exercise *and* whose actions can produce a finding are looked at, each pair once; most pairs
//! are then settled by the solver's fast path on the flattened literals.

use foldhash::{HashMap, HashSet};

use super::dose::{self, Mismatch};
use super::overrides::Overrides;
use super::sat::{self, Clash, Prepared, Signature, Space};
use super::words;
use super::{Analysis, Conflict, ConflictKind};
use crate::diagnostic::{Code, Diagnostic};
use crate::model::{Action, Dose, ExerciseId, Expr, FactId, Model, Patient, Rule, RuleId};

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
    samples: Vec<Option<Option<Patient>>>,
    /// Conflicts recorded at most; pairs beyond are counted, not checked.
    max_conflicts: usize,
    /// Candidates [`Checks::sift`] keeps for half a block at most.
    sift_limit: usize,
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
    analyse_with(space, max_conflicts, SIFT_LIMIT, model, out)
}

/// [`analyse_in`] with a given [`SIFT_LIMIT`].
fn analyse_with(
    space: Space,
    max_conflicts: usize,
    sift_limit: usize,
    model: &Model,
    out: &mut Vec<Diagnostic>,
) -> Analysis {
    super::overrides::report_cycles(model, out);
    impossible_facts(&space, model, out);
    let (prepared, signatures) = prepare_all(&space, &model.rules);
    let n = model.rules.len();
    let before = out.len();
    let exercises = RuleExercises::new(&model.rules);
    let mut cx = Context {
        model,
        exercises: &exercises,
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
        hot: Vec::with_capacity(n),
        doses: Vec::new(),
        rank: exercise_rank(model),
        samples: vec![None; n],
        max_conflicts,
        sift_limit,
        unchecked: 0,
        first_unchecked: None,
    };
    cx.hot_data(&signatures);
    drop(signatures);
    cx.firing();
    cx.pairs();
    cx.redundant();
    cx.needless_overrides();
    cx.report_unanswered();
    cx.report_unchecked();
    let mut conflicts = cx.conflicts;
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

/// Every rule's exercises ([`Rule::exercises`]) in one flat table. The passes over all rules
/// read them more than anything else of a rule; reading them through the (large) rule records
/// meant a scattered memory access per rule and pass.
struct RuleExercises {
    /// Rule `r`'s exercises are `flat[start[r]..start[r + 1]]`.
    start: Vec<usize>,
    flat: Vec<ExerciseId>,
}

impl RuleExercises {
    fn new(rules: &[Rule]) -> RuleExercises {
        let mut start = Vec::with_capacity(rules.len() + 1);
        let mut flat = Vec::with_capacity(rules.len());
        start.push(0);
        for rule in rules {
            flat.extend_from_slice(&rule.exercises);
            start.push(flat.len());
        }
        RuleExercises { start, flat }
    }

    /// How many rules there are.
    fn len(&self) -> usize {
        self.start.len().saturating_sub(1)
    }

    /// Rule `r`'s exercises, sorted by name.
    fn of(&self, r: RuleId) -> &[ExerciseId] {
        match (self.start.get(r), self.start.get(r + 1)) {
            (Some(&from), Some(&to)) => &self.flat[from..to],
            _ => &[],
        }
    }
}

/// Each exercise's position when exercises are ordered by name (then by id).
fn exercise_rank(model: &Model) -> Vec<u32> {
    let mut order: Vec<ExerciseId> = (0..model.exercises.len()).collect();
    order.sort_unstable_by(|&a, &b| {
        (&model.exercises[a].name, a).cmp(&(&model.exercises[b].name, b))
    });
    let mut rank = vec![0; order.len()];
    for (position, &e) in order.iter().enumerate() {
        rank[e] = position as u32;
    }
    rank
}

/// Entries grouped by exercise and action slot in one table: those of exercise `e` and slot
/// `a` are `table[start[SLOTS e + a]..start[SLOTS e + a + 1]]`, in the order they were given. (A vector
/// per exercise and slot meant tens of thousands of allocations, each grown step by step.)
struct ByExercise<T> {
    start: Vec<usize>,
    table: Vec<T>,
}

impl<T: Copy + Default> ByExercise<T> {
    /// Group the rules that `slot_of` gives a slot, by each of their exercises and that slot;
    /// `entry` gives what is kept for a rule (asked once per rule). Exercises out of range are
    /// left out.
    fn new(
        exercises: usize,
        rule_exercises: &RuleExercises,
        slot_of: impl Fn(RuleId) -> Option<usize>,
        mut entry: impl FnMut(RuleId) -> T,
    ) -> Self {
        let rules = rule_exercises.len();
        let key = |e: ExerciseId, a: usize| (e < exercises && a < SLOTS).then_some(e * SLOTS + a);
        let mut start = vec![0usize; exercises * SLOTS + 1];
        for r in 0..rules {
            let Some(a) = slot_of(r) else { continue };
            for &e in rule_exercises.of(r) {
                if let Some(k) = key(e, a) {
                    start[k + 1] += 1;
                }
            }
        }
        for k in 1..start.len() {
            start[k] += start[k - 1];
        }
        let mut next = start.clone();
        let mut table = vec![T::default(); start[start.len() - 1]];
        for r in 0..rules {
            let Some(a) = slot_of(r) else { continue };
            let item = entry(r);
            for &e in rule_exercises.of(r) {
                if let Some(k) = key(e, a) {
                    table[next[k]] = item;
                    next[k] += 1;
                }
            }
        }
        ByExercise { start, table }
    }

    /// The entries of exercise `e` and action slot `a`.
    fn list(&self, e: ExerciseId, a: usize) -> &[T] {
        let k = e.saturating_mul(SLOTS).saturating_add(a);
        match (self.start.get(k), self.start.get(k + 1)) {
            (Some(&from), Some(&to)) if a < SLOTS => &self.table[from..to],
            _ => &[],
        }
    }
}

impl<T: Ord> ByExercise<T> {
    /// Sort each list.
    fn sort_lists(&mut self) {
        for w in self.start.windows(2) {
            self.table[w[0]..w[1]].sort_unstable();
        }
    }
}

/// Rulesets with at least this many rules are analysed partly on two threads; for smaller ones a
/// thread costs more than it saves.
const PARALLEL: usize = 4096;

/// Each live rule's condition, flattened ([`Space::prepare`]), `None` for retired rules; and
/// each rule's [`Signature`] (the default one for retired rules).
///
/// Rules are flattened independently of each other and without touching the work budget, so
/// a large ruleset is split in two halves, the second flattened on a helper thread; the result
/// is the same as flattening them in order.
fn prepare_all<'m>(
    space: &Space,
    rules: &'m [Rule],
) -> (Vec<Option<Prepared<'m>>>, Vec<Signature>) {
    let fill = |space: &Space,
                prepared: &mut [Option<Prepared<'m>>],
                signatures: &mut [Signature],
                rules: &'m [Rule]| {
        for ((slot, signature), r) in prepared.iter_mut().zip(signatures).zip(rules) {
            if r.is_live() {
                let p = space.prepare(&[(&r.when, true)]);
                *signature = space.signature(&p);
                *slot = Some(p);
            }
        }
    };
    let mut prepared: Vec<Option<Prepared<'m>>> =
        std::iter::repeat_with(|| None).take(rules.len()).collect();
    let mut signatures = vec![Signature::default(); rules.len()];
    if rules.len() < PARALLEL {
        fill(space, &mut prepared, &mut signatures, rules);
        return (prepared, signatures);
    }
    let half = rules.len() / 2;
    let (first, second) = prepared.split_at_mut(half);
    let (first_signatures, second_signatures) = signatures.split_at_mut(half);
    let helper_space = space.clone();
    let helped = std::thread::scope(|scope| {
        let helper = std::thread::Builder::new().spawn_scoped(scope, move || {
            fill(&helper_space, second, second_signatures, &rules[half..])
        });
        fill(space, first, first_signatures, &rules[..half]);
        match helper.map(|h| h.join()) {
            Ok(Ok(())) => true,
            Ok(Err(panic)) => std::panic::resume_unwind(panic),
            Err(_) => false,
        }
    });
    if !helped {
        // No thread to spare: the second half is flattened here too.
        fill(
            space,
            &mut prepared[half..],
            &mut signatures[half..],
            &rules[half..],
        );
    }
    (prepared, signatures)
}

/// What [`Checks::covers`] can tell without asking the solver.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Answer {
    No,
    Yes,
    /// Only the solver can tell: see [`Context::covers`].
    Ask,
}

/// Rules whose candidates [`Checks::sift`] works out at a time.
const SIFT_BLOCK: usize = 8192;

/// Candidates [`Checks::sift`] keeps for one half of a block at most. Past it (thousands of
/// rules that may all cover each other), the rest of the half is tried one rule at a time.
const SIFT_LIMIT: usize = 1 << 20;

/// For rules of a block: the candidates `s` that may cover each, in the order they are tried,
/// with what the cheap checks say about `s` covering the rule and about the rule covering `s`.
#[derive(Default)]
struct Sifted {
    /// The block's first rule.
    first: RuleId,
    /// Where each rule's candidates are in `entries`; `None` for rules left out.
    spans: Vec<Option<(usize, usize)>>,
    entries: Vec<(RuleId, Answer, Answer)>,
}

impl Sifted {
    /// Rule `r`'s candidates, or `None` when it was left out (see [`SIFT_LIMIT`]).
    fn of(&self, r: RuleId) -> Option<&[(RuleId, Answer, Answer)]> {
        let span = self
            .spans
            .get(r.wrapping_sub(self.first))
            .copied()
            .flatten();
        span.map(|(from, to)| &self.entries[from..to])
    }
}

/// The read-only parts of the analysis used by the cheap checks between two rules. They have
/// no effect on anything, so they may run ahead of the solver's questions, on any thread.
#[derive(Clone, Copy)]
struct Checks<'c, 'm> {
    model: &'m Model,
    prepared: &'c [Option<Prepared<'m>>],
    hot: &'c [Hot],
    exercises: &'c RuleExercises,
    rank: &'c [u32],
}

impl Checks<'_, '_> {
    fn prep(&self, r: RuleId) -> Option<&Prepared<'_>> {
        self.prepared.get(r).and_then(|p| p.as_ref())
    }

    /// Whether a list sorted by exercise name holds exercise `e`. Compares ranks by name
    /// rather than the names themselves.
    fn advises(&self, list: &[ExerciseId], e: ExerciseId) -> bool {
        let rank = |x: ExerciseId| self.rank.get(x).copied().unwrap_or(u32::MAX);
        list.binary_search_by_key(&rank(e), |&x| rank(x)).is_ok()
    }

    /// Whether rule `s` covers rule `r`, as far as checks without a search tell: actions,
    /// exercises, doses, the facts `s` requires, and implication between plain conjunctions.
    fn covers(&self, space: &Space, s: RuleId, r: RuleId) -> Answer {
        let (hs, hr) = (self.hot[s], self.hot[r]);
        if hs.action != hr.action
            || hr.exercises > hs.exercises
            || (hr.dose != NO_DOSE && hr.dose != hs.dose)
        {
            return Answer::No;
        }
        let (Some(pr), Some(ps)) = (self.prep(r), self.prep(s)) else {
            return Answer::Ask;
        };
        // Between plain conjunctions, every fact `s` requires must be required by `r`: a cheap
        // test that settles most pairs.
        if hr.plain && hs.plain {
            if !hs.signature.may_cover(&hr.signature) {
                return Answer::No;
            }
            if !subset(ps.required_facts(), pr.required_facts()) {
                return Answer::No;
            }
        }
        // A fact `s` requires that `r`'s condition never mentions can be false while `r` fires
        // (a false fact breaks no `exclusive` group), and then `s` does not fire.
        // (Not so when facts imply others: `r` may bring the fact through one it implies.)
        let when = &self.model.rules[r].when;
        if !space.has_implications() && ps.required_facts().iter().any(|&f| !mentions_fact(when, f))
        {
            return Answer::No;
        }
        // `s` must advise every exercise `r` advises: r's exercises found among s's, counted
        // as [`Context::shared`] counts them (r's list is the shorter one here).
        let (xr, xs) = (self.exercises.of(r), self.exercises.of(s));
        let mut last = None;
        let mut shared = 0;
        for &e in xr {
            if self.advises(xs, e) {
                if last != Some(e) {
                    shared += 1;
                }
                last = Some(e);
            }
        }
        if shared != hr.exercises as usize {
            return Answer::No;
        }
        if !(hr.plain && hs.plain) {
            return Answer::Ask;
        }
        // Between plain conjunctions, implication needs no search.
        match space.implies(pr, ps) {
            Ok(true) => Answer::Yes,
            Ok(false) => Answer::No,
            Err(_) => Answer::Ask,
        }
    }

    /// The candidates of each rule of `rules` (listed by `found`) that may cover it, with the
    /// cheap answers both ways. Candidates the cheap checks rule out are left out: trying them
    /// would only have answered no, with no other effect. A large block is split between two
    /// threads.
    fn sift<F>(
        self,
        space: &Space,
        limit: usize,
        rules: std::ops::Range<RuleId>,
        found: &F,
        out: &mut Sifted,
    ) where
        F: Fn(&Checks, RuleId, &mut Vec<RuleId>) + Sync,
    {
        out.first = rules.start;
        out.spans.clear();
        out.spans.resize(rules.len(), None);
        out.entries.clear();
        let half = rules.start + rules.len() / 2;
        if rules.len() < PARALLEL / 2 {
            self.sift_into(space, limit, rules, found, out);
            return;
        }
        let helper_space = space.clone();
        let mut theirs = Sifted::default();
        let helped = std::thread::scope(|scope| {
            let theirs = &mut theirs;
            let helper = std::thread::Builder::new().spawn_scoped(scope, move || {
                theirs.first = half;
                theirs.spans.resize(rules.end - half, None);
                self.sift_into(&helper_space, limit, half..rules.end, found, theirs)
            });
            self.sift_into(space, limit, rules.start..half, found, out);
            match helper.map(|h| h.join()) {
                Ok(Ok(())) => true,
                Ok(Err(panic)) => std::panic::resume_unwind(panic),
                Err(_) => false,
            }
        });
        if helped {
            let base = out.entries.len();
            for (slot, span) in out.spans[half - out.first..].iter_mut().zip(theirs.spans) {
                *slot = span.map(|(from, to)| (base + from, base + to));
            }
            out.entries.append(&mut theirs.entries);
        } else {
            self.sift_into(space, limit, half..rules.end, found, out);
        }
    }

    /// [`Checks::sift`] on one thread: fills in the spans of `rules` in `out`, until `limit`
    /// more candidates are kept.
    fn sift_into<F>(
        &self,
        space: &Space,
        limit: usize,
        rules: std::ops::Range<RuleId>,
        found: &F,
        out: &mut Sifted,
    ) where
        F: Fn(&Checks, RuleId, &mut Vec<RuleId>),
    {
        let limit = out.entries.len().saturating_add(limit);
        let mut list = Vec::new();
        for r in rules {
            if out.entries.len() >= limit {
                return;
            }
            found(self, r, &mut list);
            let from = out.entries.len();
            for &s in &list {
                if s == r {
                    continue;
                }
                let sr = self.covers(space, s, r);
                if sr == Answer::No {
                    continue;
                }
                let rs = if s > r {
                    self.covers(space, r, s)
                } else {
                    Answer::No
                };
                out.entries.push((s, sr, rs));
            }
            if let Some(span) = out.spans.get_mut(r - out.first) {
                *span = Some((from, out.entries.len()));
            }
        }
    }
}

impl<'m> Context<'m, '_> {
    fn hot_data(&mut self, signatures: &[Signature]) {
        let mut by_value: HashMap<[u64; 15], u32> = HashMap::default();
        for (r, rule) in self.model.rules.iter().enumerate() {
            let dose = match rule.dose.as_deref().copied() {
                None => NO_DOSE,
                Some(d) => {
                    // Doses are equal when all their parts are; spans differ.
                    let key = dose::key(&d);
                    let next = self.doses.len() as u32;
                    *by_value.entry(key).or_insert_with(|| {
                        self.doses.push(d);
                        next
                    })
                }
            };
            let signature = signatures[r];
            let plain = self.prepared[r].as_ref().is_some_and(|p| p.is_simple());
            self.hot.push(Hot {
                signature,
                action: rule.action,
                involved: self.overrides.involved(r),
                plain,
                dose,
                exercises: self.exercises.of(r).len() as u32,
            });
        }
    }

    fn rule(&self, r: RuleId) -> &'m Rule {
        &self.model.rules[r]
    }

    fn prep(&self, r: RuleId) -> &Prepared<'m> {
        self.prepared[r]
            .as_ref()
            .expect("only live rules are analysed")
    }

    /// W002 for rules that can never fire; E011 for conditions too complex to decide.
    fn firing(&mut self) {
        for r in 0..self.model.rules.len() {
            let Some(p) = &self.prepared[r] else { continue };
            match self.space.sat_all(&[p]) {
                Ok(true) => self.active[r] = true,
                Ok(false) => {
                    self.never[r] = true;
                    let d = self.never_fires(r, p);
                    self.out.push(d);
                }
                Err(_) if self.space.exhausted() => self.unanswered(r, r),
                Err(_) => {
                    let rule = self.rule(r);
                    self.out.push(
                        Diagnostic::new(
                            Code::E011,
                            rule.when_span.unwrap_or(rule.head_span),
                            format!(
                                "the condition of `{}` is too complex to analyse exactly; its conflicts with other rules were not checked",
                                rule.id
                            ),
                        )
                        .with_label("too complex to analyse")
                        .with_help("split the rule into simpler rules, each with fewer nested `or` and `not`"),
                    );
                }
            }
        }
    }

    fn never_fires(&self, r: RuleId, p: &Prepared) -> Diagnostic {
        let model = self.model;
        let rule = self.rule(r);
        let mut d = Diagnostic::new(
            Code::W002,
            rule.when_span.unwrap_or(rule.head_span),
            format!(
                "rule `{}` can never fire: no patient meets its condition",
                rule.id
            ),
        )
        .with_label("no patient meets this condition");
        let fact = |f: usize| model.facts.get(f).map_or("?", |f| f.name.as_str());
        match self.space.literal_clash(p) {
            Some(Clash::Fact(f)) => {
                d = d.with_note(format!(
                    "it requires `{}` both to hold and not to hold",
                    fact(f)
                ));
            }
            Some(Clash::Exclusive { group, a, b }) => {
                let implied = if self.space.has_implications() {
                    " (counting the facts they imply)"
                } else {
                    ""
                };
                d = d.with_note(match model.exclusives.get(group) {
                    Some(g) => format!(
                        "it requires both `{}` and `{}`{implied}, which are declared exclusive (`{}`)",
                        fact(a),
                        fact(b),
                        g.name
                    ),
                    // Groups after the declared ones stand for `excludes`.
                    None => format!(
                        "it requires both `{}` and `{}`{implied}, and one excludes the other",
                        fact(a),
                        fact(b)
                    ),
                });
            }
            Some(Clash::Measure(m)) => {
                if let Some(measure) = model.measures.get(m) {
                    let range = match (measure.min, measure.max) {
                        (Some(lo), Some(hi)) => {
                            format!(" in its range {}..{}", words::number(lo), words::number(hi))
                        }
                        _ => String::new(),
                    };
                    d = d.with_note(format!(
                        "no value of `{}`{range} meets all the comparisons it requires",
                        measure.name
                    ));
                }
            }
            None => {}
        }
        d.with_help(
            "look for facts of one `exclusive` group required together, comparisons that exclude each other, \
             or values outside a measure's range; fix the condition or remove the rule",
        )
    }

    /// Exercises both rules advise, in the first rule's order (by exercise name).
    ///
    /// Both lists are sorted by exercise name, so the shorter one is looked up in the longer:
    /// a rule advising thousands of exercises costs little against a rule advising one.
    fn shared(&mut self, a: RuleId, b: RuleId) -> Vec<ExerciseId> {
        let (xa, xb) = (self.exercises.of(a), self.exercises.of(b));
        let (short, long) = if xa.len() <= xb.len() {
            (xa, xb)
        } else {
            (xb, xa)
        };
        let mut out: Vec<ExerciseId> = short
            .iter()
            .copied()
            .filter(|&e| self.checks().advises(long, e))
            .collect();
        out.dedup();
        out
    }

    /// Every pair of active rules that share an exercise and whose actions can produce a finding,
    /// in three passes that each look only at pairs that can matter to them: clashing actions
    /// (E010, W004), positive doses that do not overlap (W005), and rules that may cover one
    /// another (W003).
    fn pairs(&mut self) {
        let index = self.clashes();
        self.dose_mismatches();
        self.redundancies(&index);
    }

    /// E010 and W004: each rule against the later rules on its exercises whose action clashes.
    /// Returns the index of active rules by exercise and action slot.
    fn clashes(&mut self) -> ByExercise<(u32, Signature)> {
        let model = self.model;
        let table = self.exercises;
        let n = model.rules.len();
        // The index holds each rule's signature inline, so walking a list reads memory in order
        // instead of jumping to every partner's own records.
        let index = ByExercise::new(
            model.exercises.len(),
            table,
            |r| self.active[r].then(|| slot(self.hot[r].action)),
            |r| (r as u32, self.hot[r].signature),
        );
        // Each later partner is visited once per rule (the stamp skips repeats through other
        // shared exercises); pairs are handled in discovery order, which is deterministic.
        let mut stamp = vec![u32::MAX; n];
        // Lists are in rule order and rules are taken in order, so where the later rules of a
        // list start only moves forward: one cursor per list instead of a search per visit.
        let mut cursor: Vec<[u32; SLOTS]> = vec![[0; SLOTS]; model.exercises.len()];
        for i in 0..n {
            if !self.active[i] {
                continue;
            }
            let Hot {
                signature, action, ..
            } = self.hot[i];
            let exercises = table.of(i);
            for &e in exercises {
                let Some(cursors) = cursor.get_mut(e) else {
                    continue;
                };
                for a in Action::ALL {
                    let Some(kind) = clash(action, a) else {
                        continue;
                    };
                    let list = index.list(e, slot(a));
                    let mut start = cursors[slot(a)] as usize;
                    while list.get(start).is_some_and(|&(j, _)| j as usize <= i) {
                        start += 1;
                    }
                    cursors[slot(a)] = start as u32;
                    // A rule on one exercise meets each partner once: no stamp needed.
                    let single = exercises.len() == 1;
                    for (j, sj) in &list[start..] {
                        let j = *j as usize;
                        if single || stamp[j] != i as u32 {
                            stamp[j] = i as u32;
                            if !signature.disjoint(sj) {
                                self.check_pair(i, j, kind, None);
                            }
                        }
                    }
                }
            }
        }
        index
    }

    /// W005: each positive rule with a dose against the later positive rules on its exercises
    /// whose dose does not overlap; rules are grouped by dose, so equal doses are never paired.
    fn dose_mismatches(&mut self) {
        let model = self.model;
        let n = model.rules.len();
        // Per exercise: (dose, rules with that dose in rule order), doses in first-seen order.
        let mut groups: Vec<Vec<(u32, Vec<u32>)>> = vec![Vec::new(); model.exercises.len()];
        let dosed_rules: Vec<bool> = (0..n)
            .map(|r| self.active[r] && positive(self.hot[r].action) && self.hot[r].dose != NO_DOSE)
            .collect();
        let dosed = |r: usize| dosed_rules[r];
        let table = self.exercises;
        for r in 0..n {
            if !dosed(r) {
                continue;
            }
            let d = self.hot[r].dose;
            for &e in table.of(r) {
                let Some(g) = groups.get_mut(e) else { continue };
                match g.iter_mut().find(|(x, _)| *x == d) {
                    Some((_, rules)) => rules.push(r as u32),
                    None => g.push((d, vec![r as u32])),
                }
            }
        }
        let mut stamp = vec![u32::MAX; n];
        let mut memo: HashMap<(u32, u32), Option<Mismatch>> = HashMap::default();
        for i in 0..n {
            if !dosed(i) {
                continue;
            }
            let di = self.hot[i].dose;
            for &e in table.of(i) {
                let Some(g) = groups.get(e) else { continue };
                for (d, rules) in g {
                    let mismatch = *memo.entry((di, *d)).or_insert_with(|| {
                        dose::mismatch(&self.doses[di as usize], &self.doses[*d as usize])
                    });
                    let Some(mismatch) = mismatch else { continue };
                    let start = rules.partition_point(|&j| j as usize <= i);
                    for &j in &rules[start..] {
                        let j = j as usize;
                        if stamp[j] != i as u32 {
                            stamp[j] = i as u32;
                            if !self.hot[i].signature.disjoint(&self.hot[j].signature) {
                                self.check_pair(i, j, ConflictKind::DoseMismatch, Some(mismatch));
                            }
                        }
                    }
                }
            }
        }
    }

    /// A patient for whom rule `r` fires, if one could be found within the budget.
    fn sample(&mut self, r: RuleId) -> Option<&Patient> {
        if self.samples[r].is_none() {
            let found = self.space.example(&[self.prep(r)]).ok().flatten();
            self.samples[r] = Some(found);
        }
        self.samples[r].as_ref().and_then(|s| s.as_ref())
    }

    /// Whether rules `i < j` both fire for some patient; if so, record their conflict.
    fn check_pair(&mut self, i: RuleId, j: RuleId, kind: ConflictKind, mismatch: Option<Mismatch>) {
        if self.conflicts.len() >= self.max_conflicts {
            self.unchecked += 1;
            self.first_unchecked.get_or_insert((i, j));
            return;
        }
        if !(self.hot[i].plain && self.hot[j].plain) {
            if !self.space.compatible(self.prep(i), self.prep(j)) {
                return;
            }
            // A patient for whom one rule fires may already fire the other.
            let (wi, wj) = (&self.rule(i).when, &self.rule(j).when);
            if self.sample(i).is_some_and(|p| wj.holds(p))
                || self.sample(j).is_some_and(|p| wi.holds(p))
            {
                return self.conflict(i, j, kind, mismatch);
            }
        }
        match self.space.sat_all(&[self.prep(i), self.prep(j)]) {
            Ok(true) => self.conflict(i, j, kind, mismatch),
            Ok(false) => {}
            Err(_) => self.too_complex(i, j),
        }
    }

    /// W003: for each rule, the rules that may cover it. A covering rule advises all of its
    /// exercises, so only rules on its first exercise with the same action are candidates; when
    /// the rule is a plain conjunction, a candidate's required facts must all be among the
    /// rule's, so candidates are found by their rarest required fact.
    fn redundancies(&mut self, index: &ByExercise<(u32, Signature)>) {
        let model = self.model;
        let table = self.exercises;
        let n = model.rules.len();
        let candidates: Vec<bool> = (0..n)
            .map(|r| self.active[r] && !self.hot[r].involved)
            .collect();
        let candidate = |r: usize| candidates[r];
        // How many candidate rules require each fact.
        let mut frequency = vec![0u32; model.facts.len()];
        for r in (0..n).filter(|&r| candidate(r)) {
            for &f in self.prep(r).required_facts() {
                if let Some(c) = frequency.get_mut(f) {
                    *c += 1;
                }
            }
        }
        const NONE: usize = usize::MAX;
        let key = |r: usize| {
            self.prep(r)
                .required_facts()
                .iter()
                .min_by_key(|&&f| (frequency.get(f).copied().unwrap_or(0), f))
                .copied()
                .unwrap_or(NONE)
        };
        // Per exercise and action slot: (rarest required fact or NONE, rule), sorted, so a lookup
        // is a short search inside one list.
        let mut buckets = ByExercise::new(
            model.exercises.len(),
            table,
            |r| candidate(r).then(|| slot(self.hot[r].action)),
            |r| (key(r), r),
        );
        buckets.sort_lists();
        let bucket = |e: ExerciseId, a: usize, k: usize| {
            let list = buckets.list(e, a);
            let start = list.partition_point(|&(y, _)| y < k);
            let len = list[start..].iter().take_while(|&&(y, _)| y == k).count();
            &list[start..start + len]
        };
        // Which rules may cover rule `r`, in the order they are tried.
        let found = |checks: &Checks, r: RuleId, out: &mut Vec<RuleId>| {
            out.clear();
            let (Some(&first), Some(p)) = (table.of(r).first(), checks.prep(r)) else {
                return;
            };
            if !candidate(r) {
                return;
            }
            let s_slot = slot(checks.hot[r].action);
            if checks.hot[r].plain {
                for k in p.required_facts().iter().copied().chain([NONE]) {
                    out.extend(bucket(first, s_slot, k).iter().map(|&(_, s)| s));
                }
            } else {
                out.extend(
                    index
                        .list(first, s_slot)
                        .iter()
                        .map(|&(s, _)| s as usize)
                        .filter(|&s| candidate(s)),
                );
            }
        };
        // The candidates, and the answers that need no search, are worked out a block of rules
        // ahead (on two threads for a large ruleset, see [`Checks::sift`]); then each rule tries
        // its candidates in order, asking the solver where needed: the same questions in the
        // same order as trying every candidate in turn.
        let mut sifted = Sifted::default();
        let (mut list, mut unsifted) = (Vec::new(), Vec::new());
        for block in (0..n).step_by(SIFT_BLOCK) {
            let rules = block..(block + SIFT_BLOCK).min(n);
            let limit = self.sift_limit;
            self.checks()
                .sift(&self.space, limit, rules.clone(), &found, &mut sifted);
            for r in rules {
                let tried = match sifted.of(r) {
                    Some(candidates) => candidates,
                    None => {
                        // Left out of the sifting: every candidate, asked in full.
                        found(&self.checks(), r, &mut list);
                        unsifted.clear();
                        let asked = list.iter().filter(|&&s| s != r);
                        unsifted.extend(asked.map(|&s| (s, Answer::Ask, Answer::Ask)));
                        &unsifted[..]
                    }
                };
                for &(s, sr, rs) in tried {
                    if self.covered_by[r].is_some_and(|old| old < s) {
                        continue;
                    }
                    if self.decide(sr, s, r) != Some(true) {
                        continue;
                    }
                    // Two equivalent rules: only the later one is reported.
                    if s > r && self.decide(rs, r, s) == Some(true) {
                        continue;
                    }
                    self.covered_by[r] = Some(s);
                }
            }
        }
    }

    /// One E011 for the pairs left unchecked once the conflict limit was reached.
    fn report_unchecked(&mut self) {
        let Some((i, j)) = self.first_unchecked else {
            return;
        };
        let (a, b) = (self.rule(i), self.rule(j));
        self.out.push(
            Diagnostic::new(
                Code::E011,
                b.head_span,
                format!(
                    "the analysis stopped after {} conflicts: {} more pairs of rules that might clash, \
                     starting with `{}` and `{}`, were not checked",
                    self.max_conflicts, self.unchecked, a.id, b.id
                ),
            )
            .with_label("the first pair left unchecked")
            .with_secondary(a.head_span, "together with this rule")
            .with_help(
                "so many conflicts usually have one cause, such as rules without conditions or a category \
                 that is too broad; resolve the reported conflicts and check again",
            ),
        );
    }

    /// One E011 for everything the exhausted budget left unchecked, at the first rule affected.
    fn report_unanswered(&mut self) {
        let Some((i, j)) = self.first_unanswered else {
            return;
        };
        let (a, b) = (self.rule(i), self.rule(j));
        let mut d = Diagnostic::new(
            Code::E011,
            b.when_span.unwrap_or(b.head_span),
            format!(
                "the analysis ran out of its work budget: {} questions about rule conditions, starting with `{}`, \
                 were not answered, so some conflicts may not be reported",
                self.unanswered, b.id
            ),
        )
        .with_label("the first condition left unchecked");
        if i != j {
            d = d.with_secondary(a.head_span, "together with this rule");
        }
        self.out.push(d.with_help(
            "many rules have conditions too complex to analyse exactly; split them into simpler rules, \
             each with fewer nested `or` and `not`",
        ));
    }

    /// Count a question left unanswered because the whole analysis ran out of work budget.
    fn unanswered(&mut self, i: RuleId, j: RuleId) {
        self.unanswered += 1;
        self.first_unanswered.get_or_insert((i, j));
    }

    fn too_complex(&mut self, i: RuleId, j: RuleId) {
        if self.space.exhausted() {
            return self.unanswered(i, j);
        }
        if !self.too_complex.insert((i, j)) {
            return;
        }
        let (a, b) = (self.rule(i), self.rule(j));
        self.out.push(
            Diagnostic::new(
                Code::E011,
                b.head_span,
                format!(
                    "the conditions of `{}` and `{}` are too complex to analyse exactly; conflicts between them were not checked",
                    a.id, b.id
                ),
            )
            .with_label("too complex to analyse together with the other rule")
            .with_secondary(a.head_span, "the other rule")
            .with_help("split the rules into simpler rules, each with fewer nested `or` and `not`"),
        );
    }

    fn conflict(&mut self, i: RuleId, j: RuleId, kind: ConflictKind, mismatch: Option<Mismatch>) {
        let witness = match self.space.witness_all(&[self.prep(i), self.prep(j)]) {
            Ok(Some(w)) => w,
            // Satisfiable pairs always have a witness; nothing to report otherwise.
            Ok(None) => return,
            Err(_) => return self.too_complex(i, j),
        };
        let exercises = self.shared(i, j);
        let resolved_by = self.overrides.winner(i, j);
        let conflict = Conflict {
            kind,
            rules: [i, j],
            exercises,
            witness,
            resolved_by,
        };
        if resolved_by.is_none() {
            let d = self.conflict_diagnostic(&conflict, mismatch);
            self.out.push(d);
        }
        self.conflicts.push(conflict);
    }

    fn conflict_diagnostic(&self, c: &Conflict, mismatch: Option<Mismatch>) -> Diagnostic {
        let model = self.model;
        let [i, j] = c.rules;
        let (first, later) = (self.rule(i), self.rule(j));
        let ex = words::exercises_short(model, &c.exercises);
        let it = words::pronoun(c.exercises.len());
        let mentioned = sat::mentioned_measures(&[&first.when, &later.when]);
        let unknown: Vec<_> = mentioned
            .into_iter()
            .filter(|&m| c.witness.value(m).is_none())
            .collect();
        let patient = words::patient(model, &c.witness, &unknown);
        let mut d = match c.kind {
            ConflictKind::Contradiction | ConflictKind::Tension => {
                let (mild, strict) =
                    if first.action.protectiveness() < later.action.protectiveness() {
                        (first, later)
                    } else {
                        (later, first)
                    };
                let what = if c.kind == ConflictKind::Contradiction {
                    "contradiction"
                } else {
                    "tension"
                };
                let code = if c.kind == ConflictKind::Contradiction {
                    Code::E010
                } else {
                    Code::W004
                };
                Diagnostic::new(
                    code,
                    later.action_span,
                    format!(
                        "{what}: `{}` {} but `{}` {}",
                        mild.id,
                        words::advises(mild.action, &ex),
                        strict.id,
                        words::advises(strict.action, it)
                    ),
                )
                .with_label(format!("{} here", words::advises(later.action, it)))
                .with_secondary(
                    first.action_span,
                    format!("{} here", words::advises(first.action, it)),
                )
            }
            ConflictKind::DoseMismatch => {
                let (da, db) = (
                    first.dose.as_deref().copied(),
                    later.dose.as_deref().copied(),
                );
                let span = |r: &Rule, d: Option<Dose>| d.map_or(r.action_span, |d| d.span);
                let mut d = Diagnostic::new(
                    Code::W005,
                    span(later, db),
                    format!(
                        "dose mismatch: `{}` and `{}` give doses of {ex} that cannot both be followed",
                        first.id, later.id
                    ),
                )
                .with_label("this dose")
                .with_secondary(span(first, da), "does not overlap this dose");
                if let (Some(da), Some(db)) = (da, db) {
                    d = d.with_note(format!(
                        "`{}`: {}; `{}`: {}",
                        first.id,
                        describe_dose(&da),
                        later.id,
                        describe_dose(&db)
                    ));
                }
                let parts = match mismatch {
                    Some(Mismatch {
                        amount: true,
                        frequency: true,
                        ..
                    }) => "neither the amounts nor the frequencies overlap",
                    Some(Mismatch { amount: true, .. }) => "the amounts do not overlap",
                    Some(Mismatch {
                        frequency: true, ..
                    }) => "the frequencies do not overlap",
                    _ => "the targets they build up to do not overlap",
                };
                d.with_note(parts.to_string())
            }
        };
        if c.exercises.len() > 5 {
            d = d.with_note(format!(
                "exercises involved: {}",
                words::list(&words::exercise_names(model, &c.exercises))
            ));
        }
        d = d.with_note(format!("both rules fire for {patient}"));
        let naming = if first.named && later.named {
            ""
        } else {
            " (give a rule a name with `rule NAME:` to refer to it)"
        };
        match c.kind {
            ConflictKind::Contradiction => d.with_help(self.contradiction_help(c, naming)),
            ConflictKind::Tension => d.with_help(format!(
                "if both pieces of advice are meant, make the precedence explicit with `overrides` and a `because` \
                 (e.g. `overrides {}` on `{}`), or sharpen a condition with `unless` so they no longer fire together{naming}",
                first.id, later.id
            )),
            ConflictKind::DoseMismatch => d.with_help(format!(
                "make the doses overlap, or let one rule override the other with `overrides` and a `because` saying \
                 which dose applies (e.g. `overrides {}` on `{}`){naming}",
                first.id, later.id
            )),
        }
    }

    /// The three ways to resolve a contradiction, with the rules' own names.
    fn contradiction_help(&self, c: &Conflict, naming: &str) -> String {
        let model = self.model;
        let [i, j] = c.rules;
        let (a, b) = (self.rule(i), self.rule(j));
        let fact = |f: usize| model.facts.get(f).map_or("?", |f| f.name.as_str());
        // An `unless` for one rule: a fact the other rule requires that this one does not.
        let unless = |x: RuleId, y: RuleId| {
            let mine = self.prep(x).required_facts();
            self.prep(y)
                .required_facts()
                .iter()
                .find(|f| mine.binary_search(f).is_err())
                .map(|&f| (x, f))
        };
        let unless = match unless(i, j).or_else(|| unless(j, i)) {
            Some((x, f)) => format!("add `unless {}` to `{}`", fact(f), self.rule(x).id),
            None => "add an `unless` to one of them".to_string(),
        };
        let facts: Vec<&str> = c.witness.facts.iter().map(|&f| fact(f)).collect();
        let exclusive = match facts.len() {
            0 | 1 => {
                "declare the facts involved `exclusive` if they can never hold together".to_string()
            }
            2 => format!(
                "if {} cannot both hold, declare them `exclusive`",
                words::list(&facts)
            ),
            _ => format!(
                "if {} cannot hold together, declare them `exclusive`",
                words::list(&facts)
            ),
        };
        format!(
            "resolve it in one of three ways: give `{}` an `overrides {}` clause (or `{}` an `overrides {}` clause) \
             with a `because` giving the clinical reason; {unless} so that both no longer fire together; or {exclusive}{naming}",
            b.id, a.id, a.id, b.id
        )
    }

    /// The read-only parts of the analysis that the cheap checks between two rules use.
    fn checks(&self) -> Checks<'_, 'm> {
        Checks {
            model: self.model,
            prepared: &self.prepared,
            hot: &self.hot,
            exercises: self.exercises,
            rank: &self.rank,
        }
    }

    /// [`Context::covers`], unless a cheap check already answered.
    fn decide(&mut self, answer: Answer, s: RuleId, r: RuleId) -> Option<bool> {
        match answer {
            Answer::No => Some(false),
            Answer::Yes => Some(true),
            Answer::Ask => self.covers(s, r),
        }
    }

    /// Whether rule `s` covers rule `r`: its exercises include r's, its dose is r's (or r has
    /// none), and r's condition implies s's. `None` when the question was too complex.
    fn covers(&mut self, s: RuleId, r: RuleId) -> Option<bool> {
        match self.checks().covers(&self.space, s, r) {
            Answer::No => return Some(false),
            Answer::Yes => return Some(true),
            Answer::Ask => {}
        }
        let (hs, hr) = (self.hot[s], self.hot[r]);
        if !(hr.plain && hs.plain) {
            // `r` can fire (it is active), so if it implies `s` the two fire together; and every
            // fact `s` requires outright, a plain `r` requires too.
            let (pr, ps) = (self.prep(r), self.prep(s));
            if !self.space.compatible(pr, ps)
                || (hr.plain && !subset(ps.required_facts(), pr.required_facts()))
            {
                return Some(false);
            }
            // A patient for whom `r` fires but `s` does not settles it.
            let ws = &self.rule(s).when;
            if self.sample(r).is_some_and(|p| !ws.holds(p)) {
                return Some(false);
            }
        }
        match self.space.implies(self.prep(r), self.prep(s)) {
            Ok(v) => Some(v),
            Err(_) => {
                self.too_complex(r.min(s), r.max(s));
                None
            }
        }
    }

    fn redundant(&mut self) {
        for r in 0..self.covered_by.len() {
            let Some(s) = self.covered_by[r] else {
                continue;
            };
            let (rr, rs) = (self.rule(r), self.rule(s));
            let d = Diagnostic::new(
                Code::W003,
                rr.head_span,
                format!("rule `{}` is redundant: `{}` gives the same advice whenever `{}` fires", rr.id, rs.id, rr.id),
            )
            .with_label("redundant rule")
            .with_secondary(rs.head_span, "this rule already covers it")
            .with_note(format!(
                "`{}` also {}{}, and every patient who meets the condition of `{}` meets that of `{}` too",
                rs.id,
                words::advises(rs.action, &words::exercises_short(self.model, &rr.exercises)),
                match (rr.dose.as_deref(), rs.dose.as_deref()) {
                    (Some(d), Some(_)) => format!(" with the same dose ({})", words::dose(d)),
                    (None, Some(d)) => format!(" (with a dose: {})", words::dose(d)),
                    _ => String::new(),
                },
                rr.id,
                rs.id
            ))
            .with_help(format!(
                "remove `{}`, or change its condition, targets or dose if it should say something `{}` does not",
                rr.id, rs.id
            ));
            self.out.push(d);
        }
    }

    /// Whether the precedence edge `a` → `b` lies on a chain that resolves a recorded
    /// conflict: some conflict's winner reaches `a` (or is `a`) and `b` reaches its loser (or
    /// is it). Removing such an edge would leave that conflict unresolved.
    fn needed(&mut self, a: RuleId, b: RuleId) -> bool {
        let resolutions: Vec<(RuleId, RuleId)> = self
            .conflicts
            .iter()
            .filter_map(|c| {
                let w = c.resolved_by?;
                Some((
                    w,
                    if c.rules[0] == w {
                        c.rules[1]
                    } else {
                        c.rules[0]
                    },
                ))
            })
            .collect();
        resolutions.into_iter().any(|(w, l)| {
            (w == a || self.overrides.reaches(w, a)) && (b == l || self.overrides.reaches(b, l))
        })
    }

    /// W006: `overrides` between rules that never advise one exercise to one patient (or one
    /// of which can never fire), unless a chain that resolves a conflict passes through it;
    /// and `prevails` that takes part in no resolution.
    fn needless_overrides(&mut self) {
        let model = self.model;
        for a in 0..model.rules.len() {
            if !model.rules[a].is_live() {
                continue;
            }
            let mut seen = HashSet::default();
            for &(b, span) in &model.rules[a].overrides {
                if b == a || b >= model.rules.len() || !model.rules[b].is_live() || !seen.insert(b)
                {
                    continue;
                }
                let (ida, idb) = (&model.rules[a].id, &model.rules[b].id);
                let reason = if self.never[a] || self.never[b] {
                    let id = if self.never[a] { ida } else { idb };
                    format!("`{id}` can never fire (see its W002), so it never meets the other")
                } else if !(self.active[a] && self.active[b]) {
                    continue;
                } else if self.shared(a, b).is_empty() {
                    "they advise no exercise in common".to_string()
                } else {
                    match self.space.sat_all(&[self.prep(a), self.prep(b)]) {
                        Ok(true) => continue,
                        Ok(false) => {
                            "no patient meets both conditions, so they never fire together"
                                .to_string()
                        }
                        Err(_) => {
                            self.too_complex(a.min(b), a.max(b));
                            continue;
                        }
                    }
                };
                if self.needed(a, b) {
                    continue;
                }
                let (ra, rb) = (self.rule(a), self.rule(b));
                self.out.push(
                    Diagnostic::new(
                        Code::W006,
                        span,
                        format!(
                            "needless `overrides`: `{}` and `{}` never advise the same exercise for the same patient",
                            ra.id, rb.id
                        ),
                    )
                    .with_label(format!("`{}` overrides `{}` here", ra.id, rb.id))
                    .with_secondary(rb.head_span, "the overridden rule")
                    .with_note(reason)
                    .with_help(format!("remove `{}` from the `overrides` clause of `{}`", rb.id, ra.id)),
                );
            }
        }
        let derived = super::overrides::prevails_edges(model);
        for (a, rule) in model.rules.iter().enumerate() {
            let Some(span) = rule.prevails.filter(|_| rule.is_live() && self.active[a]) else {
                continue;
            };
            let edges: Vec<RuleId> = derived
                .iter()
                .filter(|&&(x, _, _)| x == a)
                .map(|&(_, y, _)| y)
                .collect();
            if edges.iter().any(|&b| self.needed(a, b)) {
                continue;
            }
            let note = if edges.is_empty() {
                "no other rule gives less protective advice on its exercises".to_string()
            } else {
                format!(
                    "it outranks {}, but none of them ever advises one of its exercises to a patient it advises, \
                     and no chain through them resolves a conflict",
                    words::list(
                        &edges
                            .iter()
                            .map(|&b| format!("`{}`", model.rules[b].id))
                            .collect::<Vec<_>>()
                    )
                )
            };
            self.out.push(
                Diagnostic::new(
                    Code::W006,
                    span,
                    format!(
                        "needless `prevails`: `{}` takes part in no resolution",
                        rule.id
                    ),
                )
                .with_label("prevails over nothing it meets")
                .with_note(note)
                .with_help(format!("remove `prevails` from `{}`", rule.id)),
            );
        }
    }
}

/// A dose with its conversions: `1 h per day (60 min, 7 times a week)`.
fn describe_dose(d: &Dose) -> String {
    let mut extra = Vec::new();
    if let Some(a) = &d.amount
        && a.unit == crate::model::AmountUnit::H
        && a.bound == crate::model::Bound::Exactly
        && let Some(m) = words::minutes(a)
    {
        extra.push(m);
    }
    if let Some((lo, hi)) = dose::per_week(d.frequency) {
        extra.push(words::weekly(lo, hi));
    }
    if extra.is_empty() {
        words::dose(d)
    } else {
        format!("{} ({})", words::dose(d), extra.join(", "))
    }
}

/// Whether a condition mentions a fact anywhere. Depth is bounded by the parser's nesting limit.
fn mentions_fact(e: &Expr, f: FactId) -> bool {
    match e {
        Expr::Fact(g) => *g == f,
        Expr::Not(inner) => mentions_fact(inner, f),
        Expr::All(parts) | Expr::Any(parts) => parts.iter().any(|p| mentions_fact(p, f)),
        Expr::Always | Expr::Cmp { .. } | Expr::In { .. } => false,
    }
}

#[cfg(test)]
mod tests {
    use super::super::testkit::*;
    use super::*;
    use crate::model::{AmountUnit, Expr, Frequency, Patient, Period};
    use crate::source::Span;

    fn run(kit: &Kit) -> (Analysis, Vec<Diagnostic>) {
        let mut out = Vec::new();
        let analysis = analyse(&kit.model, &mut out);
        (analysis, out)
    }

    fn codes(out: &[Diagnostic]) -> Vec<&'static str> {
        out.iter().map(|d| d.code.as_str()).collect()
    }

    /// The mission's example: extension exercises help a herniated disc and harm facet syndrome.
    fn disc_and_facet() -> (Kit, RuleId, RuleId, FactIds) {
        let mut k = Kit::new();
        let disc = k.fact("herniated_disc");
        let facet = k.fact("facet_syndrome");
        let press_up = k.exercise("prone_press_up");
        let a = k.rule("disc_extension", fact(disc), Action::Recommend, &[press_up]);
        let b = k.rule("facet_extension", fact(facet), Action::Avoid, &[press_up]);
        (k, a, b, FactIds { disc, facet })
    }

    struct FactIds {
        disc: usize,
        facet: usize,
    }

    #[test]
    fn disc_versus_facet_is_a_contradiction_with_its_witness() {
        let (k, a, b, f) = disc_and_facet();
        let (analysis, out) = run(&k);
        assert_eq!(codes(&out), ["E010"]);
        let d = &out[0];
        assert_eq!(
            d.message,
            "contradiction: `disc_extension` recommends prone_press_up but `facet_extension` says to avoid it"
        );
        assert_eq!(
            d.span,
            Span::new(0, 1200, 1210),
            "primary label on the later rule's action"
        );
        assert_eq!(d.label, "says to avoid it here");
        assert_eq!(d.secondary.len(), 1);
        assert_eq!(d.secondary[0].span, Span::new(0, 200, 210));
        assert_eq!(d.secondary[0].message, "recommends it here");
        assert_eq!(
            d.notes,
            ["both rules fire for a patient with herniated_disc and facet_syndrome"]
        );
        assert_eq!(
            d.help.as_deref(),
            Some(
                "resolve it in one of three ways: give `facet_extension` an `overrides disc_extension` clause \
                 (or `disc_extension` an `overrides facet_extension` clause) with a `because` giving the clinical \
                 reason; add `unless facet_syndrome` to `disc_extension` so that both no longer fire together; or \
                 if herniated_disc and facet_syndrome cannot both hold, declare them `exclusive`"
            )
        );
        assert_eq!(
            analysis.conflicts,
            [Conflict {
                kind: ConflictKind::Contradiction,
                rules: [a, b],
                exercises: vec![0],
                witness: Patient {
                    facts: vec![f.disc, f.facet],
                    measures: vec![],
                },
                resolved_by: None,
            }]
        );
    }

    #[test]
    fn overrides_resolve_the_contradiction_and_keep_it() {
        let (mut k, a, b, _) = disc_and_facet();
        k.overrides(b, a);
        let (analysis, out) = run(&k);
        assert!(out.is_empty(), "{out:?}");
        assert_eq!(analysis.conflicts.len(), 1);
        assert_eq!(analysis.conflicts[0].resolved_by, Some(b));
        assert_eq!(analysis.conflicts[0].kind, ConflictKind::Contradiction);
    }

    #[test]
    fn overrides_resolve_through_a_chain() {
        let (mut k, a, b, _) = disc_and_facet();
        let other = k.exercise("walking");
        let middle = k.rule("middle", Expr::Always, Action::Consider, &[other]);
        k.overrides(a, middle);
        k.overrides(middle, b);
        let (analysis, out) = run(&k);
        assert!(codes(&out).iter().all(|&c| c != "E010"), "{out:?}");
        let c = analysis
            .conflicts
            .iter()
            .find(|c| c.rules == [a, b])
            .expect("kept");
        assert_eq!(c.resolved_by, Some(a));
    }

    #[test]
    fn unless_silences_the_contradiction() {
        let (mut k, a, _, f) = disc_and_facet();
        k.model.rules[a].when = all(vec![fact(f.disc), not(fact(f.facet))]);
        let (analysis, out) = run(&k);
        assert!(out.is_empty(), "{out:?}");
        assert!(analysis.conflicts.is_empty());
    }

    #[test]
    fn exclusive_facts_silence_the_contradiction() {
        let (mut k, _, _, f) = disc_and_facet();
        k.exclusive("disc_or_facet", &[f.disc, f.facet]);
        let (analysis, out) = run(&k);
        assert!(out.is_empty(), "{out:?}");
        assert!(analysis.conflicts.is_empty());
    }

    #[test]
    fn retired_rules_take_no_part() {
        let (mut k, a, _, _) = disc_and_facet();
        k.retire(a);
        let (analysis, out) = run(&k);
        assert!(out.is_empty(), "{out:?}");
        assert!(analysis.conflicts.is_empty());
    }

    #[test]
    fn a_chain_of_overrides_through_a_retired_rule_does_not_resolve() {
        // Bundles leave retired rules and their `overrides` out, so apps would give `avoid`:
        // the analysis must not call the contradiction resolved.
        let mut k = Kit::new();
        let acute = k.fact("acute");
        let walking = k.exercise("walking");
        let a = k.rule("a", fact(acute), Action::Recommend, &[walking]);
        let r = k.rule("r", fact(acute), Action::Consider, &[walking]);
        let b = k.rule("b", fact(acute), Action::Avoid, &[walking]);
        k.overrides(a, r);
        k.overrides(r, b);
        let (analysis, _) = run(&k);
        assert_eq!(analysis.conflicts.len(), 2, "{:?}", analysis.conflicts);
        assert!(
            analysis
                .conflicts
                .iter()
                .all(|c| c.resolved_by == Some(a) || c.rules == [r, b])
        );
        k.retire(r);
        let (analysis, out) = run(&k);
        assert_eq!(codes(&out), ["E010"], "{out:?}");
        assert_eq!(analysis.conflicts.len(), 1);
        assert_eq!(analysis.conflicts[0].rules, [a, b]);
        assert_eq!(analysis.conflicts[0].resolved_by, None);
    }

    #[test]
    fn rules_without_conditions_conflict_for_any_patient() {
        let mut k = Kit::new();
        let walking = k.exercise("walking");
        k.rule("keep_moving", Expr::Always, Action::Recommend, &[walking]);
        k.rule("rest", Expr::Always, Action::Avoid, &[walking]);
        let (_, out) = run(&k);
        assert_eq!(codes(&out), ["E010"]);
        assert_eq!(out[0].notes, ["both rules fire for any patient"]);
        assert!(
            out[0]
                .help
                .as_deref()
                .unwrap_or("")
                .contains("declare the facts involved `exclusive`")
        );
    }

    #[test]
    fn disjoint_ages_never_conflict_and_overlapping_ones_do() {
        let mut k = Kit::new();
        let age = k.measure("age", 0.0, 120.0);
        let ex = k.exercise("running");
        k.rule("young", cmp(age, "<", 65.0), Action::Recommend, &[ex]);
        k.rule("old", cmp(age, ">=", 65.0), Action::Avoid, &[ex]);
        let (analysis, out) = run(&k);
        assert!(out.is_empty(), "{out:?}");
        assert!(analysis.conflicts.is_empty());

        let mut k = Kit::new();
        let age = k.measure("age", 0.0, 120.0);
        let ex = k.exercise("running");
        k.rule("young", cmp(age, "<=", 70.0), Action::Recommend, &[ex]);
        k.rule("old", cmp(age, ">=", 60.0), Action::Avoid, &[ex]);
        let (analysis, out) = run(&k);
        assert_eq!(codes(&out), ["E010"]);
        assert_eq!(out[0].notes, ["both rules fire for a patient with age 65"]);
        assert_eq!(analysis.conflicts[0].witness.measures, [(age, 65.0)]);
    }

    #[test]
    fn an_unknown_measure_can_be_the_witness() {
        let mut k = Kit::new();
        let age = k.measure("age", 0.0, 120.0);
        let ex = k.exercise("running");
        // `not (age >= 0)` holds only when the age is unknown.
        k.rule(
            "unknown_age",
            not(cmp(age, ">=", 0.0)),
            Action::Recommend,
            &[ex],
        );
        k.rule("everyone", Expr::Always, Action::Avoid, &[ex]);
        let (_, out) = run(&k);
        assert_eq!(codes(&out), ["E010"]);
        assert_eq!(
            out[0].notes,
            ["both rules fire for a patient with age unknown"]
        );
    }

    #[test]
    fn exclusive_groups_of_three() {
        let mut k = Kit::new();
        let acute = k.fact("acute");
        let subacute = k.fact("subacute");
        let chronic = k.fact("chronic");
        k.exclusive("stage", &[acute, subacute, chronic]);
        let ex = k.exercise("sit_up");
        k.rule("acute_sit_up", fact(acute), Action::Avoid, &[ex]);
        k.rule("chronic_sit_up", fact(chronic), Action::Recommend, &[ex]);
        k.rule(
            "subacute_sit_up",
            any(vec![fact(subacute), fact(chronic)]),
            Action::Recommend,
            &[ex],
        );
        let not_chronic = k.rule("not_chronic", not(fact(chronic)), Action::Recommend, &[ex]);
        let (analysis, out) = run(&k);
        // Only `not_chronic` can meet `acute_sit_up`: with acute and nothing else. (And
        // `chronic_sit_up` is covered by `subacute_sit_up`.)
        assert_eq!(codes(&out), ["W003", "E010"], "{out:?}");
        assert_eq!(analysis.conflicts.len(), 1);
        assert_eq!(analysis.conflicts[0].rules, [0, not_chronic]);
        assert_eq!(analysis.conflicts[0].witness.facts, [acute]);
    }

    #[test]
    fn one_diagnostic_per_pair_listing_every_exercise() {
        let mut k = Kit::new();
        let disc = k.fact("herniated_disc");
        let names = ["a_ex", "b_ex", "c_ex", "d_ex", "e_ex", "f_ex", "g_ex"];
        let ex: Vec<_> = names.iter().map(|n| k.exercise(n)).collect();
        k.rule("lots", fact(disc), Action::Recommend, &ex);
        k.rule("also_lots", Expr::Always, Action::Avoid, &ex[1..]);
        let (analysis, out) = run(&k);
        assert_eq!(codes(&out), ["E010"]);
        assert_eq!(
            out[0].message,
            "contradiction: `lots` recommends b_ex, c_ex, d_ex, e_ex and 2 more but `also_lots` says to avoid them"
        );
        assert!(
            out[0]
                .notes
                .contains(&"exercises involved: b_ex, c_ex, d_ex, e_ex, f_ex and g_ex".to_string())
        );
        assert_eq!(analysis.conflicts[0].exercises, ex[1..].to_vec());
    }

    #[test]
    fn tensions() {
        let mut k = Kit::new();
        let ex = k.exercise("leg_lift");
        let acute = k.fact("acute");
        k.rule("core", Expr::Always, Action::Recommend, &[ex]);
        k.rule("careful", fact(acute), Action::Caution, &[ex]);
        k.rule("maybe", Expr::Always, Action::Consider, &[ex]);
        k.rule("never", fact(acute), Action::Avoid, &[ex]);
        let (analysis, out) = run(&k);
        // core/careful: tension; core/never: contradiction; maybe/never: tension.
        assert_eq!(codes(&out), ["W004", "E010", "W004"], "{out:?}");
        assert_eq!(
            out[0].message,
            "tension: `core` recommends leg_lift but `careful` advises caution with it"
        );
        assert_eq!(
            out[2].message,
            "tension: `maybe` suggests considering leg_lift but `never` says to avoid it"
        );
        assert_eq!(out[0].notes, ["both rules fire for a patient with acute"]);
        let kinds: Vec<_> = analysis
            .conflicts
            .iter()
            .map(|c| (c.rules, c.kind))
            .collect();
        assert_eq!(
            kinds,
            [
                ([0, 1], ConflictKind::Tension),
                ([0, 3], ConflictKind::Contradiction),
                ([2, 3], ConflictKind::Tension)
            ]
        );
    }

    #[test]
    fn dose_mismatches() {
        let mut k = Kit::new();
        let walking = k.exercise("walking");
        let a = k.rule("keep_moving", Expr::Always, Action::Recommend, &[walking]);
        k.dose(
            a,
            10.0,
            20.0,
            AmountUnit::Min,
            Some(Frequency::Every { lo: 3.0, hi: 3.0 }),
        );
        let b = k.rule("weekly", Expr::Always, Action::Consider, &[walking]);
        k.dose(
            b,
            150.0,
            150.0,
            AmountUnit::Min,
            Some(Frequency::Per(Period::Week)),
        );
        // Same amount in hours, compatible frequency: no mismatch with `keep_moving`.
        let c = k.rule("quarter_hour", Expr::Always, Action::Recommend, &[walking]);
        k.dose(
            c,
            0.25,
            0.25,
            AmountUnit::H,
            Some(Frequency::Times {
                lo: 8.0,
                hi: 8.0,
                per: Period::Day,
            }),
        );
        let (analysis, out) = run(&k);
        assert_eq!(codes(&out), ["W005", "W005"], "{out:?}");
        assert_eq!(
            out[0].message,
            "dose mismatch: `keep_moving` and `weekly` give doses of walking that cannot both be followed"
        );
        assert_eq!(out[0].span, Span::new(0, 1300, 1310));
        assert_eq!(out[0].secondary[0].span, Span::new(0, 300, 310));
        assert_eq!(
            out[0].notes,
            [
                "`keep_moving`: 10..20 min every 3 h (56 times a week); `weekly`: 150 min per week (once a week)",
                "neither the amounts nor the frequencies overlap",
                "both rules fire for any patient",
            ]
        );
        assert_eq!(
            out[1].notes[0],
            "`weekly`: 150 min per week (once a week); `quarter_hour`: 0.25 h 8 times per day (15 min, 56 times a week)"
        );
        assert!(
            analysis
                .conflicts
                .iter()
                .all(|c| c.kind == ConflictKind::DoseMismatch)
        );
        assert_eq!(analysis.conflicts.len(), 2);
    }

    #[test]
    fn doses_of_rules_that_never_fire_together_do_not_mismatch() {
        let mut k = Kit::new();
        let acute = k.fact("acute");
        let walking = k.exercise("walking");
        let a = k.rule("short", fact(acute), Action::Recommend, &[walking]);
        k.dose(a, 5.0, 5.0, AmountUnit::Min, None);
        let b = k.rule("long", not(fact(acute)), Action::Recommend, &[walking]);
        k.dose(b, 30.0, 30.0, AmountUnit::Min, None);
        let (analysis, out) = run(&k);
        assert!(out.is_empty(), "{out:?}");
        assert!(analysis.conflicts.is_empty());
    }

    #[test]
    fn rules_that_can_never_fire() {
        let mut k = Kit::new();
        let acute = k.fact("acute");
        let chronic = k.fact("chronic");
        k.exclusive("stage", &[acute, chronic]);
        let age = k.measure("age", 0.0, 120.0);
        let ex = k.exercise("sit_up");
        k.rule(
            "both_stages",
            all(vec![fact(acute), fact(chronic)]),
            Action::Recommend,
            &[ex],
        );
        k.rule("over_range", cmp(age, ">", 130.0), Action::Recommend, &[ex]);
        k.rule(
            "both_ways",
            all(vec![fact(acute), not(fact(acute))]),
            Action::Recommend,
            &[ex],
        );
        k.rule("everyone", Expr::Always, Action::Avoid, &[ex]);
        let (analysis, out) = run(&k);
        assert_eq!(codes(&out), ["W002", "W002", "W002"], "{out:?}");
        assert_eq!(
            out[0].message,
            "rule `both_stages` can never fire: no patient meets its condition"
        );
        assert_eq!(out[0].span, Span::new(0, 100, 110));
        assert_eq!(
            out[0].notes,
            ["it requires both `acute` and `chronic`, which are declared exclusive (`stage`)"]
        );
        assert_eq!(
            out[1].notes,
            ["no value of `age` in its range 0..120 meets all the comparisons it requires"]
        );
        assert_eq!(
            out[2].notes,
            ["it requires `acute` both to hold and not to hold"]
        );
        assert!(
            analysis.conflicts.is_empty(),
            "rules that never fire take no further part"
        );
    }

    #[test]
    fn redundant_rules() {
        let mut k = Kit::new();
        let acute = k.fact("acute");
        let overweight = k.fact("overweight");
        let walking = k.exercise("walking");
        let swimming = k.exercise("swimming");
        let broad = k.rule(
            "broad",
            fact(acute),
            Action::Recommend,
            &[walking, swimming],
        );
        let narrow = k.rule(
            "narrow",
            all(vec![fact(acute), fact(overweight)]),
            Action::Recommend,
            &[walking],
        );
        // Not covered: it advises swimming only when `broad` does, but with a dose `broad` lacks.
        let dosed = k.rule("dosed", fact(acute), Action::Recommend, &[swimming]);
        k.dose(dosed, 20.0, 20.0, AmountUnit::Min, None);
        let (_, out) = run(&k);
        assert_eq!(codes(&out), ["W003"], "{out:?}");
        let d = &out[0];
        assert_eq!(
            d.message,
            "rule `narrow` is redundant: `broad` gives the same advice whenever `narrow` fires"
        );
        assert_eq!(d.span, k.model.rules[narrow].head_span);
        assert_eq!(d.secondary[0].span, k.model.rules[broad].head_span);
    }

    #[test]
    fn equivalent_rules_report_only_the_later_one() {
        let mut k = Kit::new();
        let acute = k.fact("acute");
        let walking = k.exercise("walking");
        k.rule("first", fact(acute), Action::Avoid, &[walking]);
        let second = k.rule("second", not(not(fact(acute))), Action::Avoid, &[walking]);
        let (_, out) = run(&k);
        assert_eq!(codes(&out), ["W003"]);
        assert_eq!(out[0].span, k.model.rules[second].head_span);
    }

    #[test]
    fn rules_in_overrides_are_never_redundant() {
        let mut k = Kit::new();
        let acute = k.fact("acute");
        let walking = k.exercise("walking");
        let first = k.rule("first", fact(acute), Action::Avoid, &[walking]);
        let second = k.rule("second", fact(acute), Action::Avoid, &[walking]);
        let third = k.rule("third", fact(acute), Action::Recommend, &[walking]);
        k.overrides(third, first);
        k.overrides(second, third);
        let (analysis, out) = run(&k);
        assert!(out.is_empty(), "{out:?}");
        assert_eq!(analysis.conflicts.len(), 2);
        assert!(analysis.conflicts.iter().all(|c| c.resolved_by.is_some()));
        assert_eq!(analysis.conflicts[0].resolved_by, Some(third));
        assert_eq!(analysis.conflicts[1].resolved_by, Some(second));
    }

    #[test]
    fn needless_overrides() {
        let mut k = Kit::new();
        let acute = k.fact("acute");
        let walking = k.exercise("walking");
        let swimming = k.exercise("swimming");
        let a = k.rule("a", fact(acute), Action::Recommend, &[walking]);
        let b = k.rule("b", not(fact(acute)), Action::Avoid, &[walking]);
        let c = k.rule("c", Expr::Always, Action::Avoid, &[swimming]);
        // Same exercise and same patient, no clash: a deliberate precedence, not needless.
        let d = k.rule("d", Expr::Always, Action::Recommend, &[walking]);
        k.overrides(a, b);
        k.overrides(a, c);
        k.overrides(d, a);
        let (_, out) = run(&k);
        // `a` and `b` never fire together, but `d` (which contradicts `b`) prevails over `b`
        // through `a`: that chain needs `a overrides b`, so only `a overrides c` is needless.
        assert_eq!(codes(&out), ["W006"], "{out:?}");
        assert_eq!(
            out[0].message,
            "needless `overrides`: `a` and `c` never advise the same exercise for the same patient"
        );
        assert_eq!(out[0].span, Span::new(0, 410, 415));
        assert_eq!(out[0].notes, ["they advise no exercise in common"]);
        // Without `d`, nothing needs `a overrides b`.
        let mut k = Kit::new();
        let acute = k.fact("acute");
        let walking = k.exercise("walking");
        let a = k.rule("a", fact(acute), Action::Recommend, &[walking]);
        let b = k.rule("b", not(fact(acute)), Action::Avoid, &[walking]);
        k.overrides(a, b);
        let (_, out) = run(&k);
        assert_eq!(codes(&out), ["W006"], "{out:?}");
        assert_eq!(
            out[0].notes,
            ["no patient meets both conditions, so they never fire together"]
        );
        let _ = d;
    }

    #[test]
    fn override_cycles() {
        let mut k = Kit::new();
        let walking = k.exercise("walking");
        let a = k.rule("a", Expr::Always, Action::Recommend, &[walking]);
        let b = k.rule("b", Expr::Always, Action::Recommend, &[walking]);
        let c = k.rule("c", Expr::Always, Action::Recommend, &[walking]);
        let selfish = k.rule("selfish", Expr::Always, Action::Consider, &[walking]);
        k.overrides(a, b);
        k.overrides(b, c);
        k.overrides(c, a);
        k.overrides(selfish, selfish);
        let (_, out) = run(&k);
        let e006: Vec<_> = out.iter().filter(|d| d.code == Code::E006).collect();
        assert_eq!(e006.len(), 2, "{out:?}");
        assert_eq!(
            e006[0].message,
            "rule `selfish` overrides itself: selfish → selfish"
        );
        assert_eq!(e006[0].span, Span::new(0, 3400, 3405));
        assert_eq!(e006[1].message, "`overrides` form a cycle: a → b → c → a");
        assert_eq!(e006[1].span, Span::new(0, 400, 405));
        assert_eq!(e006[1].label, "`a` overrides `b` here");
        let secondary: Vec<_> = e006[1]
            .secondary
            .iter()
            .map(|l| (l.span.start(), l.message.as_str()))
            .collect();
        assert_eq!(
            secondary,
            [
                (1400, "`b` overrides `c` here"),
                (2400, "`c` overrides `a` here")
            ]
        );
    }

    #[test]
    fn a_cycle_with_a_branch_is_named_in_full() {
        let mut k = Kit::new();
        let walking = k.exercise("walking");
        let a = k.rule("a", Expr::Always, Action::Recommend, &[walking]);
        let b = k.rule("b", Expr::Always, Action::Recommend, &[walking]);
        let c = k.rule("c", Expr::Always, Action::Recommend, &[walking]);
        k.overrides(a, b);
        k.overrides(b, a);
        k.overrides(b, c);
        k.overrides(c, b);
        let (_, out) = run(&k);
        let e006: Vec<_> = out.iter().filter(|d| d.code == Code::E006).collect();
        assert_eq!(e006.len(), 1);
        assert_eq!(
            e006[0].message,
            "`overrides` form a cycle: a → b → c → b → a"
        );
    }

    /// A condition that is unsatisfiable and exponential for a plain search: eight pigeons in
    /// seven holes.
    fn pigeons(k: &mut Kit, tag: &str) -> Expr {
        let (pigeons, holes) = (8, 7);
        let p: Vec<Vec<usize>> = (0..pigeons)
            .map(|i| {
                (0..holes)
                    .map(|h| k.fact(&format!("{tag}p{i}_h{h}")))
                    .collect()
            })
            .collect();
        let mut clauses: Vec<Expr> = p
            .iter()
            .map(|row| any(row.iter().map(|&f| fact(f)).collect()))
            .collect();
        for h in 0..holes {
            for (i, a) in p.iter().enumerate() {
                for b in &p[i + 1..] {
                    clauses.push(not(all(vec![fact(a[h]), fact(b[h])])));
                }
            }
        }
        all(clauses)
    }

    #[test]
    fn an_exhausted_total_budget_is_reported_once() {
        let mut k = Kit::new();
        let walking = k.exercise("walking");
        for n in 0..6 {
            let when = pigeons(&mut k, &format!("r{n}_"));
            k.rule(&format!("puzzle_{n}"), when, Action::Recommend, &[walking]);
        }
        let space = Space::new(&k.model).with_total_budget(3 * sat::DEFAULT_BUDGET);
        let mut out = Vec::new();
        analyse_in(space, MAX_CONFLICTS, &k.model, &mut out);
        // Two rules use up most of the budget, one report each; the third runs it out, and it and
        // the rest are summed up in one report.
        assert_eq!(codes(&out), ["E011", "E011", "E011"], "{out:?}");
        assert!(
            out[0]
                .message
                .starts_with("the condition of `puzzle_0` is too complex")
        );
        assert!(
            out[1]
                .message
                .starts_with("the condition of `puzzle_1` is too complex")
        );
        assert_eq!(
            out[2].message,
            "the analysis ran out of its work budget: 4 questions about rule conditions, starting with \
             `puzzle_2`, were not answered, so some conflicts may not be reported"
        );
    }

    #[test]
    fn conflicts_beyond_the_limit_are_summed_up() {
        let mut k = Kit::new();
        let walking = k.exercise("walking");
        for n in 0..4 {
            k.rule(
                &format!("go_{n}"),
                Expr::Always,
                Action::Recommend,
                &[walking],
            );
            k.rule(
                &format!("stop_{n}"),
                Expr::Always,
                Action::Avoid,
                &[walking],
            );
        }
        let mut out = Vec::new();
        let analysis = analyse_in(Space::new(&k.model), 5, &k.model, &mut out);
        assert_eq!(analysis.conflicts.len(), 5);
        let e011: Vec<_> = out.iter().filter(|d| d.code == Code::E011).collect();
        assert_eq!(e011.len(), 1);
        // 16 contradicting pairs in all: 5 recorded, 11 left.
        assert_eq!(
            e011[0].message,
            "the analysis stopped after 5 conflicts: 11 more pairs of rules that might clash, starting with \
             `stop_0` and `go_2`, were not checked"
        );
        assert_eq!(out.iter().filter(|d| d.code == Code::E010).count(), 5);
    }

    /// Many rules that cover or nearly cover each other, plain and not, some with doses.
    fn covering_rules(n: usize) -> Kit {
        let mut k = Kit::new();
        let facts: Vec<_> = (0..6).map(|i| k.fact(&format!("f{i}"))).collect();
        let walking = k.exercise("walking");
        let swimming = k.exercise("swimming");
        let age = k.measure("age", 0.0, 120.0);
        for i in 0..n {
            let (a, b) = (facts[i % 6], facts[(i / 6) % 6]);
            let when = match i % 5 {
                0 => fact(a),
                1 => all(vec![fact(a), fact(b)]),
                2 => all(vec![fact(a), any(vec![fact(b), fact(facts[(i + 1) % 6])])]),
                3 => all(vec![fact(a), cmp(age, ">=", (i % 3) as f64 * 20.0)]),
                _ => any(vec![fact(a), not(fact(b))]),
            };
            let targets: &[usize] = if i % 4 == 0 {
                &[walking, swimming]
            } else {
                &[walking]
            };
            let r = k.rule(&format!("r{i}"), when, Action::Avoid, targets);
            if i % 7 == 0 {
                k.dose(r, 10.0, 20.0, AmountUnit::Min, None);
            }
        }
        k
    }

    #[test]
    fn sifting_ahead_finds_what_trying_each_candidate_finds() {
        for n in [40, 5000] {
            let k = covering_rules(n);
            let run = |limit: usize| {
                let mut out = Vec::new();
                let space = Space::new(&k.model);
                let analysis = analyse_with(space, MAX_CONFLICTS, limit, &k.model, &mut out);
                (format!("{analysis:?}"), format!("{out:?}"))
            };
            let (analysis, out) = run(0);
            assert!(out.contains("W003"), "the rules make redundancies");
            for limit in [1, 100, SIFT_LIMIT] {
                assert_eq!(run(limit), (analysis.clone(), out.clone()), "limit {limit}");
            }
        }
    }

    #[test]
    fn too_complex_conditions_are_reported_not_skipped() {
        let mut k = Kit::new();
        let when = pigeons(&mut k, "");
        let walking = k.exercise("walking");
        k.rule("pigeons", when, Action::Recommend, &[walking]);
        k.rule("rest", Expr::Always, Action::Avoid, &[walking]);
        let (_, out) = run(&k);
        assert_eq!(codes(&out), ["E011"], "{out:?}");
        assert!(
            out[0]
                .message
                .starts_with("the condition of `pigeons` is too complex to analyse exactly")
        );
    }
}
