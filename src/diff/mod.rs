//! The semantic diff of two versions of a ruleset (§11 of the contract): for every exercise
//! whose final advice changes for some patient, each change (old advice → new advice) with a
//! smallest patient showing it and the rules that decide it on each side; then the rules and
//! the conflicts that were added, removed or changed.
//!
//! Both versions are compared as bundles, so a version may be a ruleset or a built bundle, and
//! the advice is exactly what [`crate::eval`] gives.
//!
//! # Which patients are compared
//!
//! A patient is what is given: a set of facts and measure values over the vocabularies of both
//! versions. Each version closes the given facts under its own `implies`, as `carel eval` does,
//! and evaluates; a fact a version does not declare is false there (its rules cannot mention
//! it). A patient is compared when each version would accept it: once closed under that
//! version's `implies` it respects the version's `exclusive` groups and `excludes`, and each
//! measure value lies inside the range of every version that declares the measure. (A patient
//! that `carel eval` refuses for one version has no advice there to compare.) So adding
//! `sedentary implies new_to_exercise` changes the advice of the patient given `sedentary`.
//! Witnesses have the fewest given facts, and name what each version's `implies` adds.
//!
//! # How it decides, exactly
//!
//! For one exercise and one version, let a rule *remain* when it fires and no other firing rule
//! advising the exercise reaches it through precedence (`overrides` and `prevails`, chains
//! passing through any rule). The final advice is at least as protective as level `a` exactly
//! when some remaining rule has an action of level `a` or above; so the final advice differs
//! between the versions exactly when, for some level `a`, "some rule of level ≥ a remains"
//! holds in one version and not in the other. Each "remains" is a conjunction of rule
//! conditions (the rule fires, the rules above it do not); conditions are the solver's
//! ([`crate::analysis::sat`]) formulas, so every question is answered exactly, or reported as
//! too complex — never guessed.
//!
//! Terms that are the same in both versions (same rule, same condition, same rules above it
//! with the same conditions) cancel out: `(U ∨ A) xor (U ∨ B)` is `¬U ∧ (A xor B)`, so only an
//! exercise with a term in `A` or `B` is examined, and only through them. Each question is split
//! on the term that makes it true; a negated term whose rule cannot fire together with that
//! term's rule (proved cheaply from the rules' literals) is dropped. Exercises advised by the
//! same rules in both versions share one answer. Before a question goes to the solver, the
//! patient given only the facts it requires outright is tried (when it fits, no patient is
//! smaller), and unit propagation from those facts looks for a clash (then no patient fits).

mod question;
mod report;

pub use report::{human, json, markdown};

use question::Question;

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use crate::analysis::sat::{Space, TooComplex};
use crate::bundle::{Bundle, Rule, When};
use crate::eval::{Evaluator, Patient as EvalPatient};
use crate::model::{Action, Expr, Patient};

/// The diff of two bundles.
#[derive(Clone, Debug, PartialEq)]
pub struct Diff {
    /// `name version` of each side.
    pub old_name: String,
    pub new_name: String,
    /// Exercises whose final advice changes for some patient, sorted by id.
    pub changes: Vec<ExerciseChange>,
    /// Exercises the solver could not decide within its work budget, sorted by id.
    pub undecided: Vec<String>,
    pub rules_added: Vec<String>,
    pub rules_removed: Vec<String>,
    pub rules_changed: Vec<RuleChange>,
    pub conflicts_added: Vec<ConflictEntry>,
    pub conflicts_removed: Vec<ConflictEntry>,
    /// Same two rules and kind, another resolution: (old, new).
    pub resolutions_changed: Vec<(ConflictEntry, ConflictEntry)>,
    pub facts_added: Vec<String>,
    pub facts_removed: Vec<String>,
    pub exercises_added: Vec<String>,
    pub exercises_removed: Vec<String>,
}

impl Diff {
    /// Whether some patient's advice changes (or might: an undecided exercise).
    pub fn advice_changes(&self) -> bool {
        !self.changes.is_empty()
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct ExerciseChange {
    pub exercise: String,
    /// Every possible change of final advice, most protective old advice first.
    pub transitions: Vec<Transition>,
}

/// One change of final advice, `None` being "no advice".
#[derive(Clone, Debug, PartialEq)]
pub struct Transition {
    pub old: Option<Action>,
    pub new: Option<Action>,
    /// The smallest patient with this change: the given facts (fewest), and the measures the
    /// conditions need.
    pub facts: Vec<String>,
    pub measures: BTreeMap<String, f64>,
    /// The facts each version's `implies` adds to the given ones, sorted.
    pub old_implied: Vec<String>,
    pub new_implied: Vec<String>,
    /// The rules that decide the advice for that patient, on each side.
    pub old_rules: Vec<String>,
    pub new_rules: Vec<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct RuleChange {
    pub id: String,
    /// What changed: `condition`, `action`, `targets`, `exercises`, `dose`, `status`,
    /// `precedence`, `because`, `citations`, `evidence`, `stop if`.
    pub what: Vec<&'static str>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ConflictEntry {
    pub kind: String,
    pub rules: [String; 2],
    pub exercises: Vec<String>,
    pub resolved_by: Option<String>,
}

/// The facts, measures and constraints of both versions together.
///
/// The solver's variables are the *given* facts. Each version closes them under its own
/// `implies`: a fact holds for a version when it is given or some given fact implies it there,
/// so each rule's condition is rewritten over the given facts ([`Universe::expr`]). A given set is
/// compared when its closure in each version respects that version's `exclusive` groups and
/// `excludes`: two given facts whose closures in some version hold two members of one group
/// cannot be given together, and a fact whose own closure does that is never given.
struct Universe {
    facts: Vec<String>,
    fact_ix: HashMap<String, usize>,
    measures: Vec<String>,
    measure_ix: HashMap<String, usize>,
    ranges: Vec<(Option<f64>, Option<f64>)>,
    /// At most one given fact of each group.
    groups: Vec<Vec<usize>>,
    /// Per version (0 old, 1 new), per fact: the facts that imply it there, transitively,
    /// sorted (itself excluded).
    implied_by: [Vec<Vec<usize>>; 2],
    /// Per version, whether it declares each fact.
    declared: [Vec<bool>; 2],
    /// Facts no patient of some version can be given.
    never: Vec<bool>,
}

impl Universe {
    fn new(old: &Bundle, new: &Bundle) -> Universe {
        let mut u = Universe {
            facts: Vec::new(),
            fact_ix: HashMap::new(),
            measures: Vec::new(),
            measure_ix: HashMap::new(),
            ranges: Vec::new(),
            groups: Vec::new(),
            implied_by: [Vec::new(), Vec::new()],
            declared: [Vec::new(), Vec::new()],
            never: Vec::new(),
        };
        for b in [old, new] {
            let v = &b.vocabulary;
            for f in v.conditions.iter().chain(&v.factors) {
                u.fact(&f.id);
            }
            for m in &v.measures {
                match u.measure_ix.get(&m.id) {
                    Some(&i) => {
                        // Both versions declare it: a value must suit both ranges. Should the
                        // ranges not overlap, the newer one is used.
                        let (lo, hi) = u.ranges[i];
                        let lo2 = match (lo, m.min) {
                            (Some(a), Some(b)) => Some(a.max(b)),
                            (a, b) => a.or(b),
                        };
                        let hi2 = match (hi, m.max) {
                            (Some(a), Some(b)) => Some(a.min(b)),
                            (a, b) => a.or(b),
                        };
                        u.ranges[i] = match (lo2, hi2) {
                            (Some(l), Some(h)) if l > h => (m.min, m.max),
                            r => r,
                        };
                    }
                    None => {
                        u.measure_ix.insert(m.id.clone(), u.measures.len());
                        u.measures.push(m.id.clone());
                        u.ranges.push((m.min, m.max));
                    }
                }
            }
        }
        let n = u.facts.len();
        u.never = vec![false; n];
        // Per version: the groups over closed facts, and each fact's closure.
        let mut version_groups: [Vec<Vec<usize>>; 2] = [Vec::new(), Vec::new()];
        for (k, b) in [old, new].into_iter().enumerate() {
            let v = &b.vocabulary;
            let mut declared = vec![false; n];
            let mut direct: Vec<Vec<usize>> = vec![Vec::new(); n];
            for f in v.conditions.iter().chain(&v.factors) {
                let a = u.fact_ix[&f.id];
                declared[a] = true;
                for i in &f.implies {
                    if let Some(&b) = u.fact_ix.get(i) {
                        direct[a].push(b);
                    }
                }
                for e in &f.excludes {
                    if let Some(&b) = u.fact_ix.get(e) {
                        version_groups[k].push(vec![a, b]);
                    }
                }
            }
            for x in &v.exclusive {
                let g: Vec<usize> = x
                    .members
                    .iter()
                    .filter_map(|m| u.fact_ix.get(m).copied())
                    .collect();
                version_groups[k].push(g);
            }
            // Each fact's closure (itself included), then who implies whom.
            let mut implied_by: Vec<Vec<usize>> = vec![Vec::new(); n];
            let mut closure: Vec<Vec<usize>> = Vec::with_capacity(n);
            for a in 0..n {
                let mut seen: Vec<usize> = vec![a];
                let mut todo: Vec<usize> = direct[a].clone();
                while let Some(x) = todo.pop() {
                    if !seen.contains(&x) {
                        seen.push(x);
                        todo.extend(&direct[x]);
                    }
                }
                for &x in &seen[1..] {
                    implied_by[x].push(a);
                }
                closure.push(seen);
            }
            // A fact given alone whose closure breaks a group of this version.
            let mut group_of: Vec<Vec<usize>> = vec![Vec::new(); n];
            for (gi, g) in version_groups[k].iter().enumerate() {
                for &f in g {
                    group_of[f].push(gi);
                }
            }
            for (a, c) in closure.iter().enumerate() {
                let mut seen: HashSet<usize> = HashSet::new();
                let mut clash = false;
                for &x in c {
                    let mut mine: Vec<usize> = group_of[x].clone();
                    mine.sort_unstable();
                    mine.dedup();
                    for g in mine {
                        clash |= !seen.insert(g);
                    }
                }
                if clash {
                    u.never[a] = true;
                }
            }
            u.declared[k] = declared;
            u.implied_by[k] = implied_by;
        }
        for lists in &mut u.implied_by {
            for list in lists {
                list.retain(|&f| !u.never[f]);
                list.sort_unstable();
            }
        }
        // Given facts that cannot be given together: for two members `a`, `b` of a group of
        // either version, any fact implying `a` (or `a`) with any fact implying `b` (or `b`).
        let mut pairs: BTreeSet<(usize, usize)> = BTreeSet::new();
        for (k, groups) in version_groups.iter().enumerate() {
            for g in groups {
                let members: Vec<usize> = g.iter().copied().filter(|&f| !u.never[f]).collect();
                if members.len() >= 2 {
                    u.groups.push(members.clone());
                }
                for (i, &a) in g.iter().enumerate() {
                    for &b in &g[i + 1..] {
                        let sa = u.implied_by[k][a].iter().chain(std::iter::once(&a));
                        for &x in sa {
                            let sb = u.implied_by[k][b].iter().chain(std::iter::once(&b));
                            for &y in sb {
                                let both_members = (x == a && y == b) || (x == b && y == a);
                                if x != y && !u.never[x] && !u.never[y] && !both_members {
                                    pairs.insert((x.min(y), x.max(y)));
                                }
                            }
                        }
                    }
                }
            }
        }
        u.groups.extend(pairs.into_iter().map(|(a, b)| vec![a, b]));
        u
    }

    fn fact(&mut self, name: &str) -> usize {
        if let Some(&i) = self.fact_ix.get(name) {
            return i;
        }
        self.fact_ix.insert(name.to_string(), self.facts.len());
        self.facts.push(name.to_string());
        self.facts.len() - 1
    }

    fn space(&self) -> Space {
        Space::from_parts(self.facts.len(), self.groups.clone(), self.ranges.clone())
    }

    /// A bundle condition of version `k` (0 old, 1 new) as a solver formula over the given
    /// facts: a fact holds when it is given or a given fact implies it in that version.
    fn expr(&self, k: usize, w: &When) -> Expr {
        let never = || Expr::Not(Box::new(Expr::Always));
        match w {
            When::Always => Expr::Always,
            // Names are checked when the bundle is loaded; an unknown one cannot hold.
            When::Fact(f) => match self.fact_ix.get(f) {
                Some(&i) if self.declared[k][i] => {
                    let mut any: Vec<Expr> = Vec::new();
                    if !self.never[i] {
                        any.push(Expr::Fact(i));
                    }
                    any.extend(self.implied_by[k][i].iter().map(|&j| Expr::Fact(j)));
                    match any.len() {
                        0 => never(),
                        1 => any.pop().unwrap_or_else(never),
                        _ => Expr::Any(any),
                    }
                }
                _ => never(),
            },
            When::Compare { measure, op, value } => match self.measure_ix.get(measure) {
                Some(&m) => Expr::Cmp {
                    measure: m,
                    op: *op,
                    value: *value,
                },
                None => never(),
            },
            When::In { measure, min, max } => match self.measure_ix.get(measure) {
                Some(&m) => Expr::In {
                    measure: m,
                    lo: *min,
                    hi: *max,
                },
                None => never(),
            },
            When::Not(w) => Expr::Not(Box::new(self.expr(k, w))),
            When::All(ws) => Expr::All(ws.iter().map(|w| self.expr(k, w)).collect()),
            When::Any(ws) => Expr::Any(ws.iter().map(|w| self.expr(k, w)).collect()),
        }
    }
}

/// One version: its rules as formulas, indexed by exercise, and its precedence.
struct Side<'b> {
    bundle: &'b Bundle,
    exprs: Vec<Expr>,
    by_exercise: HashMap<&'b str, Vec<usize>>,
    precedence: Vec<Vec<usize>>,
    reach: std::cell::RefCell<HashMap<usize, HashSet<usize>>>,
}

impl<'b> Side<'b> {
    fn new(bundle: &'b Bundle, u: &Universe, k: usize) -> Side<'b> {
        let mut by_exercise: HashMap<&str, Vec<usize>> = HashMap::new();
        for (i, r) in bundle.rules.iter().enumerate() {
            for e in &r.exercises {
                by_exercise.entry(e.as_str()).or_default().push(i);
            }
        }
        Side {
            bundle,
            exprs: bundle.rules.iter().map(|r| u.expr(k, &r.when)).collect(),
            by_exercise,
            precedence: crate::bundle::precedence(bundle),
            reach: Default::default(),
        }
    }

    /// Whether `s` reaches `r` through precedence (once or more).
    fn reaches(&self, s: usize, r: usize) -> bool {
        let mut memo = self.reach.borrow_mut();
        let set = memo.entry(s).or_insert_with(|| {
            let mut seen = HashSet::new();
            let mut todo: Vec<usize> = self.precedence[s].clone();
            while let Some(x) = todo.pop() {
                if seen.insert(x) {
                    todo.extend(&self.precedence[x]);
                }
            }
            seen
        });
        set.contains(&r)
    }

    /// The terms of one exercise: each advising rule with the advising rules above it.
    fn terms(&self, advising: &[usize]) -> Vec<Term> {
        advising
            .iter()
            .map(|&r| Term {
                rule: r,
                level: self.bundle.rules[r].action.protectiveness(),
                above: advising
                    .iter()
                    .copied()
                    .filter(|&s| s != r && self.reaches(s, r))
                    .collect(),
            })
            .collect()
    }

    fn rule(&self, r: usize) -> &'b Rule {
        &self.bundle.rules[r]
    }
}

/// "Rule `rule` fires and none of `above` does."
#[derive(Clone, Debug)]
struct Term {
    rule: usize,
    level: u8,
    above: Vec<usize>,
}

/// Whether two terms are the same formula: same rule condition over the given facts (each
/// version's `implies` included), and the same rules above with the same conditions.
fn same_term(old: &Side, a: &Term, new: &Side, b: &Term) -> bool {
    let (ra, rb) = (old.rule(a.rule), new.rule(b.rule));
    if ra.id != rb.id || old.exprs[a.rule] != new.exprs[b.rule] || a.above.len() != b.above.len() {
        return false;
    }
    let mut above_a: Vec<(&str, &Expr)> = a
        .above
        .iter()
        .map(|&s| (old.rule(s).id.as_str(), &old.exprs[s]))
        .collect();
    let mut above_b: Vec<(&str, &Expr)> = b
        .above
        .iter()
        .map(|&s| (new.rule(s).id.as_str(), &new.exprs[s]))
        .collect();
    above_a.sort_by(|x, y| x.0.cmp(y.0));
    above_b.sort_by(|x, y| x.0.cmp(y.0));
    above_a == above_b
}

/// A term's formula.
fn term_expr(side: &Side, t: &Term) -> Expr {
    if t.above.is_empty() {
        return side.exprs[t.rule].clone();
    }
    let mut parts = vec![side.exprs[t.rule].clone()];
    parts.extend(
        t.above
            .iter()
            .map(|&s| Expr::Not(Box::new(side.exprs[s].clone()))),
    );
    Expr::All(parts)
}

/// The answer for one group of exercises advised by the same rules.
enum Answer {
    Same,
    Changed(Vec<Transition>),
    Undecided,
}

struct Differ<'a, 'b> {
    u: &'a Universe,
    old: &'a Side<'b>,
    new: &'a Side<'b>,
    old_eval: &'a Evaluator<'b>,
    new_eval: &'a Evaluator<'b>,
}

/// Whether the rule of `keep` can fire together with the rule of `other` (false only when
/// proved impossible from their literals).
fn may_fire_together(space: &Space, a: &Expr, b: &Expr) -> bool {
    let (pa, pb) = (space.prepare(&[(a, true)]), space.prepare(&[(b, true)]));
    space.compatible(&pa, &pb)
}

impl Differ<'_, '_> {
    fn exercise(&self, exercise: &str, adv_old: &[usize], adv_new: &[usize]) -> Answer {
        let space = self.u.space();
        let t_old = self.old.terms(adv_old);
        let t_new = self.new.terms(adv_new);
        // Pair up terms that are the same formula.
        let by_id: HashMap<&str, usize> = t_new
            .iter()
            .enumerate()
            .map(|(i, t)| (self.new.rule(t.rule).id.as_str(), i))
            .collect();
        let mut twin_of_old: Vec<Option<usize>> = vec![None; t_old.len()];
        let mut twin_of_new: Vec<Option<usize>> = vec![None; t_new.len()];
        for (i, t) in t_old.iter().enumerate() {
            if let Some(&j) = by_id.get(self.old.rule(t.rule).id.as_str())
                && same_term(self.old, t, self.new, &t_new[j])
            {
                twin_of_old[i] = Some(j);
                twin_of_new[j] = Some(i);
            }
        }
        let mut differs = false;
        for level in 0..=4u8 {
            // U: in both at this level; A: old only; B: new only.
            let a: Vec<&Term> = t_old
                .iter()
                .enumerate()
                .filter(|(i, t)| {
                    t.level >= level && twin_of_old[*i].is_none_or(|j| t_new[j].level < level)
                })
                .map(|(_, t)| t)
                .collect();
            let b: Vec<&Term> = t_new
                .iter()
                .enumerate()
                .filter(|(j, t)| {
                    t.level >= level && twin_of_new[*j].is_none_or(|i| t_old[i].level < level)
                })
                .map(|(_, t)| t)
                .collect();
            if a.is_empty() && b.is_empty() {
                continue;
            }
            let common: Vec<&Term> = t_old
                .iter()
                .enumerate()
                .filter(|(i, t)| {
                    t.level >= level && twin_of_old[*i].is_some_and(|j| t_new[j].level >= level)
                })
                .map(|(_, t)| t)
                .collect();
            for (side, other, mine, theirs) in
                [(self.old, self.new, &a, &b), (self.new, self.old, &b, &a)]
            {
                for t in mine.iter() {
                    let head = &side.exprs[t.rule];
                    let mut q = Question {
                        holds: vec![term_expr(side, t)],
                        fails: Vec::new(),
                    };
                    for o in theirs.iter() {
                        if may_fire_together(&space, head, &other.exprs[o.rule]) {
                            q.fails.push(term_expr(other, o));
                        }
                    }
                    for c in &common {
                        if may_fire_together(&space, head, &self.old.exprs[c.rule]) {
                            q.fails.push(term_expr(self.old, c));
                        }
                    }
                    match q.ask(&space, false) {
                        Ok(Some(_)) => differs = true,
                        Ok(None) => {}
                        Err(TooComplex) => return Answer::Undecided,
                    }
                    if differs {
                        break;
                    }
                }
                if differs {
                    break;
                }
            }
            if differs {
                break;
            }
        }
        if !differs {
            return Answer::Same;
        }
        match self.transitions(exercise, &space, &t_old, &t_new, &twin_of_old, &twin_of_new) {
            Ok(Some(ts)) if !ts.is_empty() => Answer::Changed(ts),
            _ => Answer::Undecided,
        }
    }

    /// Every (old advice, new advice) pair some patient has, each with its smallest patient.
    /// `twin_of_old[i]` is the new term that is the same formula as old term `i`.
    fn transitions(
        &self,
        exercise: &str,
        space: &Space,
        t_old: &[Term],
        t_new: &[Term],
        twin_of_old: &[Option<usize>],
        twin_of_new: &[Option<usize>],
    ) -> Result<Option<Vec<Transition>>, TooComplex> {
        let levels = |ts: &[Term]| -> Vec<Option<u8>> {
            let mut l: Vec<Option<u8>> = ts.iter().map(|t| Some(t.level)).collect();
            l.push(None);
            l.sort_unstable_by(|a, b| b.cmp(a));
            l.dedup();
            l
        };
        let mut out = Vec::new();
        for lo in levels(t_old) {
            for ln in levels(t_new) {
                if lo == ln {
                    continue;
                }
                // The side with the more protective advice has a remaining term at that level
                // that the other side does not share (a shared one would lift the other side
                // to that level too): split the question on it.
                let p = if lo > ln {
                    self.smallest(
                        space,
                        (self.old, t_old, lo, twin_of_old, t_new),
                        (self.new, t_new, ln),
                    )?
                } else {
                    self.smallest(
                        space,
                        (self.new, t_new, ln, twin_of_new, t_old),
                        (self.old, t_old, lo),
                    )?
                };
                if let Some(p) = p {
                    match self.transition(exercise, p, lo, ln) {
                        Some(t) => out.push(t),
                        None => return Ok(None),
                    }
                }
            }
        }
        Ok(Some(out))
    }

    /// The smallest patient whose final advice is level `hi.2` on side `hi` and the lower
    /// level `lo.2` (`None`: no advice) on side `lo`.
    #[allow(clippy::type_complexity)]
    fn smallest(
        &self,
        space: &Space,
        hi: (&Side, &[Term], Option<u8>, &[Option<usize>], &[Term]),
        lo: (&Side, &[Term], Option<u8>),
    ) -> Result<Option<Patient>, TooComplex> {
        let (hs, ht, hl, twins, other_terms) = hi;
        let (ls, lt, ll) = lo;
        let Some(hl) = hl else {
            return Ok(None);
        };
        let mut best: Option<Patient> = None;
        for (i, head) in ht.iter().enumerate() {
            let shared = twins[i].is_some_and(|j| other_terms[j].level >= hl);
            if head.level != hl || shared {
                continue;
            }
            let h = &hs.exprs[head.rule];
            let mut q = Question {
                holds: vec![term_expr(hs, head)],
                fails: Vec::new(),
            };
            // Nothing above the level remains on the high side.
            for t in ht.iter().filter(|t| t.level > hl) {
                if may_fire_together(space, h, &hs.exprs[t.rule]) {
                    q.fails.push(term_expr(hs, t));
                }
            }
            // The low side: no rule firing at all, or a remaining term at exactly its level
            // (one question per such term) and none above it.
            let cases: Vec<Option<&Term>> = match ll {
                None => {
                    for t in lt {
                        if may_fire_together(space, h, &ls.exprs[t.rule]) {
                            q.fails.push(ls.exprs[t.rule].clone());
                        }
                    }
                    vec![None]
                }
                Some(l) => {
                    for t in lt.iter().filter(|t| t.level > l) {
                        if may_fire_together(space, h, &ls.exprs[t.rule]) {
                            q.fails.push(term_expr(ls, t));
                        }
                    }
                    lt.iter()
                        .filter(|t| t.level == l && may_fire_together(space, h, &ls.exprs[t.rule]))
                        .map(Some)
                        .collect()
                }
            };
            for case in cases {
                let mut holds = q.holds.clone();
                holds.extend(case.map(|t| term_expr(ls, t)));
                let q = Question {
                    holds,
                    fails: q.fails.clone(),
                };
                if let Some(p) = q.ask(space, true)?
                    && best.as_ref().is_none_or(|b| smaller(&p, b))
                {
                    best = Some(p);
                }
            }
        }
        Ok(best)
    }

    /// Evaluate the patient on both versions; `None` if the evaluators disagree with the levels
    /// (which would be a defect: the caller reports the exercise as undecided).
    fn transition(
        &self,
        exercise: &str,
        p: Patient,
        lo: Option<u8>,
        ln: Option<u8>,
    ) -> Option<Transition> {
        let facts: Vec<String> = {
            let mut f: Vec<String> = p.facts.iter().map(|&f| self.u.facts[f].clone()).collect();
            f.sort();
            f
        };
        let measures: BTreeMap<String, f64> = p
            .measures
            .iter()
            .map(|&(m, v)| (self.u.measures[m].clone(), v))
            .collect();
        let patient = EvalPatient {
            facts: facts.iter().cloned().collect(),
            measures: measures.clone(),
            implied: Default::default(),
        };
        // The patient as each version sees it: the facts and measures it declares, which it must
        // accept as a patient once closed under its own `implies`.
        let mut implied: [Vec<String>; 2] = [Vec::new(), Vec::new()];
        for (k, ev) in [self.old_eval, self.new_eval].into_iter().enumerate() {
            let v = &ev.bundle().vocabulary;
            let own = EvalPatient {
                facts: facts
                    .iter()
                    .filter(|f| self.u.declared[k][self.u.fact_ix[*f]])
                    .cloned()
                    .collect(),
                measures: measures
                    .iter()
                    .filter(|(m, _)| v.measures.iter().any(|x| &&x.id == m))
                    .map(|(m, &x)| (m.clone(), x))
                    .collect(),
                implied: Default::default(),
            };
            ev.check_patient(&own).ok()?;
            implied[k] = ev.close(&own).implied.into_keys().collect();
        }
        let only: BTreeSet<&str> = [exercise].into_iter().collect();
        let o = self.old_eval.evaluate_only(&patient, Some(&only));
        let n = self.new_eval.evaluate_only(&patient, Some(&only));
        let (ao, an) = (o.get(exercise), n.get(exercise));
        if ao.map(|a| a.action.protectiveness()) != lo
            || an.map(|a| a.action.protectiveness()) != ln
        {
            return None;
        }
        Some(Transition {
            old: ao.map(|a| a.action),
            new: an.map(|a| a.action),
            facts,
            measures,
            old_implied: std::mem::take(&mut implied[0]),
            new_implied: std::mem::take(&mut implied[1]),
            old_rules: ao.map(|a| a.rules.clone()).unwrap_or_default(),
            new_rules: an.map(|a| a.rules.clone()).unwrap_or_default(),
        })
    }
}

/// Fewer true facts, then fewer measures with a value.
fn smaller(a: &Patient, b: &Patient) -> bool {
    (a.facts.len(), a.measures.len()) < (b.facts.len(), b.measures.len())
}

/// The diff of two valid bundles (`Err`: one of them cannot be evaluated).
pub fn diff(old: &Bundle, new: &Bundle) -> Result<Diff, String> {
    let old_eval = Evaluator::new(old).map_err(|e| format!("the old version: {e}"))?;
    let new_eval = Evaluator::new(new).map_err(|e| format!("the new version: {e}"))?;
    let u = Universe::new(old, new);
    let old_side = Side::new(old, &u, 0);
    let new_side = Side::new(new, &u, 1);
    let differ = Differ {
        u: &u,
        old: &old_side,
        new: &new_side,
        old_eval: &old_eval,
        new_eval: &new_eval,
    };
    let exercises: BTreeSet<&str> = old_side
        .by_exercise
        .keys()
        .chain(new_side.by_exercise.keys())
        .copied()
        .collect();
    let empty: Vec<usize> = Vec::new();
    // Exercises advised by the same rules (by index, in both versions) share one answer.
    let mut answers: HashMap<(&[usize], &[usize]), Answer> = HashMap::new();
    let mut changes = Vec::new();
    let mut undecided = Vec::new();
    for &exercise in &exercises {
        let ao = old_side.by_exercise.get(exercise).unwrap_or(&empty);
        let an = new_side.by_exercise.get(exercise).unwrap_or(&empty);
        let key = (ao.as_slice(), an.as_slice());
        let answer = answers
            .entry(key)
            .or_insert_with(|| differ.exercise(exercise, ao, an));
        match answer {
            Answer::Same => {}
            Answer::Undecided => undecided.push(exercise.to_string()),
            Answer::Changed(ts) => {
                // The deciding rules are the same for every exercise of the group.
                changes.push(ExerciseChange {
                    exercise: exercise.to_string(),
                    transitions: ts.clone(),
                });
            }
        }
    }
    let mut d = Diff {
        old_name: format!("{} {}", old.ruleset.name, old.ruleset.version),
        new_name: format!("{} {}", new.ruleset.name, new.ruleset.version),
        changes,
        undecided,
        rules_added: Vec::new(),
        rules_removed: Vec::new(),
        rules_changed: Vec::new(),
        conflicts_added: Vec::new(),
        conflicts_removed: Vec::new(),
        resolutions_changed: Vec::new(),
        facts_added: Vec::new(),
        facts_removed: Vec::new(),
        exercises_added: Vec::new(),
        exercises_removed: Vec::new(),
    };
    declarations(old, new, &mut d);
    Ok(d)
}

/// Rules, conflicts and declarations added, removed or changed.
fn declarations(old: &Bundle, new: &Bundle, d: &mut Diff) {
    let old_rules: HashMap<&str, &Rule> = old.rules.iter().map(|r| (r.id.as_str(), r)).collect();
    let new_rules: HashMap<&str, &Rule> = new.rules.iter().map(|r| (r.id.as_str(), r)).collect();
    for r in &new.rules {
        match old_rules.get(r.id.as_str()) {
            None => d.rules_added.push(r.id.clone()),
            Some(o) => {
                let mut what = Vec::new();
                let mut check = |same: bool, name: &'static str| {
                    if !same {
                        what.push(name);
                    }
                };
                check(o.when == r.when, "condition");
                check(o.action == r.action, "action");
                check(o.targets == r.targets && o.except == r.except, "targets");
                check(o.exercises == r.exercises, "exercises");
                check(o.dose == r.dose, "dose");
                check(o.status == r.status, "status");
                check(
                    o.overrides == r.overrides && o.prevails == r.prevails,
                    "precedence",
                );
                check(o.because == r.because, "because");
                check(o.cite == r.cite, "citations");
                check(
                    o.evidence == r.evidence && o.strength == r.strength,
                    "evidence",
                );
                check(o.stop_if == r.stop_if, "stop if");
                if !what.is_empty() {
                    d.rules_changed.push(RuleChange {
                        id: r.id.clone(),
                        what,
                    });
                }
            }
        }
    }
    d.rules_removed = old
        .rules
        .iter()
        .filter(|r| !new_rules.contains_key(r.id.as_str()))
        .map(|r| r.id.clone())
        .collect();
    let entry = |c: &crate::bundle::Conflict| ConflictEntry {
        kind: c.kind.as_str().to_string(),
        rules: c.rules.clone(),
        exercises: c.exercises.clone(),
        resolved_by: c.resolved_by.clone(),
    };
    let key = |c: &crate::bundle::Conflict| (c.kind.as_str(), c.rules.clone());
    let old_c: HashMap<_, _> = old.conflicts.iter().map(|c| (key(c), c)).collect();
    let new_c: HashMap<_, _> = new.conflicts.iter().map(|c| (key(c), c)).collect();
    for c in &new.conflicts {
        match old_c.get(&key(c)) {
            None => d.conflicts_added.push(entry(c)),
            Some(o) if o.resolved_by != c.resolved_by => {
                d.resolutions_changed.push((entry(o), entry(c)));
            }
            Some(_) => {}
        }
    }
    d.conflicts_removed = old
        .conflicts
        .iter()
        .filter(|c| !new_c.contains_key(&key(c)))
        .map(entry)
        .collect();
    let facts = |b: &Bundle| -> BTreeSet<String> {
        b.vocabulary
            .conditions
            .iter()
            .chain(&b.vocabulary.factors)
            .map(|f| f.id.clone())
            .collect()
    };
    let exercises = |b: &Bundle| -> BTreeSet<String> {
        b.vocabulary
            .exercises
            .iter()
            .map(|e| e.id.clone())
            .collect()
    };
    let (fo, fnew) = (facts(old), facts(new));
    d.facts_added = fnew.difference(&fo).cloned().collect();
    d.facts_removed = fo.difference(&fnew).cloned().collect();
    let (eo, en) = (exercises(old), exercises(new));
    d.exercises_added = en.difference(&eo).cloned().collect();
    d.exercises_removed = eo.difference(&en).cloned().collect();
}
