//! Names and kinds: one namespace per ruleset, declarations in any order and any file.
//!
//! Builds the [`Model`] from the syntax trees: every name is looked up (E002 with did-you-mean),
//! checked for its kind (E003), declared once (E004); categories form a DAG (E005, see
//! [`hierarchy`]); values fit their measures (E007); test patients are possible (E008).
//! Also warns about unused declarations (W001) and rules without a citation (W007).

mod declare;
mod hierarchy;
mod rules;
mod test_items;
mod unused;

use std::hash::Hash;

use foldhash::HashMap;
use rayon::prelude::*;

use crate::diagnostic::{Code, Diagnostic, did_you_mean};
use crate::model::*;
use crate::source::{Sources, Span};
use crate::syntax::ast::{self, Item};
use crate::syntax::fmt_num;
use smol_str::SmolStr;

/// What a name was declared as.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Condition,
    Factor,
    Exclusive,
    Measure,
    Category,
    Exercise,
    Source,
    Rule,
}

impl Kind {
    fn noun(self) -> &'static str {
        match self {
            Kind::Condition => "a condition",
            Kind::Factor => "a factor",
            Kind::Exclusive => "an exclusive group",
            Kind::Measure => "a measure",
            Kind::Category => "a category",
            Kind::Exercise => "an exercise",
            Kind::Source => "a source",
            Kind::Rule => "a rule",
        }
    }
}

#[derive(Clone, Copy, Debug)]
struct Symbol {
    kind: Kind,
    index: usize,
    span: Span,
}

/// What a reference expects to find.
#[derive(Clone, Copy)]
struct Want {
    kinds: &'static [Kind],
    /// "a condition or factor", for messages.
    noun: &'static str,
    /// How to declare it, e.g. `condition NAME "…"`.
    declare: &'static str,
}

const FACT: Want = Want {
    kinds: &[Kind::Condition, Kind::Factor],
    noun: "a condition or factor",
    declare: "condition",
};
const MEASURE: Want = Want {
    kinds: &[Kind::Measure],
    noun: "a measure",
    declare: "measure",
};
const TARGET: Want = Want {
    kinds: &[Kind::Exercise, Kind::Category],
    noun: "an exercise or category",
    declare: "exercise",
};
const CATEGORY: Want = Want {
    kinds: &[Kind::Category],
    noun: "a category",
    declare: "category",
};
const SOURCE: Want = Want {
    kinds: &[Kind::Source],
    noun: "a source",
    declare: "source",
};
const RULE: Want = Want {
    kinds: &[Kind::Rule],
    noun: "a named rule",
    declare: "rule",
};
const GIVEN: Want = Want {
    kinds: &[Kind::Condition, Kind::Factor, Kind::Measure],
    noun: "a condition, factor or measure",
    declare: "condition",
};

struct Resolver<'a> {
    sources: &'a Sources,
    /// Keys hold their text inline (names of up to 23 bytes), so a lookup compares within
    /// the table rather than reaching into the source text.
    symbols: HashMap<SmolStr, Symbol>,
    /// Names, per kind, in declaration order (for did-you-mean).
    names: HashMap<&'static str, Vec<&'a str>>,
    /// Undefined names already reported: name → index of its diagnostic.
    undefined: HashMap<String, usize>,
    /// Which symbols are referenced somewhere other than their declaration.
    used: Used,
    /// How many more names did-you-mean may compare (see [`SUGGESTION_BUDGET`]).
    suggestion_budget: usize,
    out: Vec<Diagnostic>,
    model: Model,
    /// The rules' heads, until their records are made (see [`declare::rule_record`]).
    heads: Vec<declare::Head>,
    /// Resolve rules in parallel pieces from this many rules on.
    parallel: usize,
}

/// How many name comparisons did-you-mean may make for one ruleset. Real rulesets need a few
/// thousand; thousands of undefined names among thousands of declarations would need
/// hundreds of millions, so past this budget undefined names get no suggestion.
const SUGGESTION_BUDGET: usize = 200_000;

/// Rulesets with at least this many rules resolve them in parallel pieces (see [`rules`]);
/// for smaller ones handing work to other threads costs more than it saves.
const PARALLEL: usize = 4096;

/// Which declarations are referenced, per kind, indexed like the model's tables.
#[derive(Default)]
struct Used(Vec<Vec<bool>>);

impl Used {
    fn mark(&mut self, kind: Kind, index: usize) {
        let k = kind as usize;
        if self.0.len() <= k {
            self.0.resize(k + 1, Vec::new());
        }
        let marks = &mut self.0[k];
        if marks.len() <= index {
            marks.resize(index + 1, false);
        }
        marks[index] = true;
    }

    /// Add the marks of `other`.
    fn merge(&mut self, other: Used) {
        for (k, marks) in other.0.into_iter().enumerate() {
            if self.0.len() <= k {
                self.0.resize(k + 1, Vec::new());
            }
            let mine = &mut self.0[k];
            if mine.len() < marks.len() {
                mine.resize(marks.len(), false);
            }
            for (m, theirs) in mine.iter_mut().zip(marks) {
                *m |= theirs;
            }
        }
    }

    fn contains(&self, kind: Kind, index: usize) -> bool {
        self.0
            .get(kind as usize)
            .and_then(|marks| marks.get(index))
            .is_some_and(|&m| m)
    }
}

/// Resolve names and kinds. Diagnostics go to `out`; the model is returned even when there
/// were errors (callers must not analyse it then).
///
/// The trees are taken by value: each rule's tree is freed as soon as its rule is resolved, so
/// a large ruleset never holds all its trees and its whole model at once.
pub fn resolve(sources: &Sources, files: Vec<ast::File>, out: &mut Vec<Diagnostic>) -> Model {
    resolve_with(sources, files, out, PARALLEL)
}

/// [`resolve`], with rules resolved in parallel pieces from `parallel` rules on.
fn resolve_with(
    sources: &Sources,
    files: Vec<ast::File>,
    out: &mut Vec<Diagnostic>,
    parallel: usize,
) -> Model {
    let mut r = Resolver {
        sources,
        symbols: HashMap::default(),
        names: HashMap::default(),
        undefined: HashMap::default(),
        used: Used::default(),
        suggestion_budget: SUGGESTION_BUDGET,
        out: Vec::new(),
        model: Model::default(),
        heads: Vec::new(),
        parallel,
    };
    r.declare(&files);
    r.resolve_vocabulary(&files);
    let hierarchy = hierarchy::Hierarchy::new(&r.model.categories, &r.model.exercises, &mut r.out);
    let rank = r.exercise_rank();
    let tests = r.resolve_rules(files, hierarchy.as_ref(), &rank);
    r.resolve_tests(&tests, hierarchy.as_ref(), &rank);
    // With names unresolved, "never used" would often only echo a misspelling.
    if !r
        .out
        .iter()
        .any(|d| matches!(d.code, Code::E002 | Code::E003))
    {
        r.warn_unused();
    }
    out.append(&mut r.out);
    r.model
}

impl<'a> Resolver<'a> {
    /// Look a name up, expecting one of `want.kinds`. Reports E002 (once per undefined name) or E003.
    fn lookup(&mut self, name: &ast::Name, want: Want) -> Option<Symbol> {
        match self.symbols.get(name.text.as_str()).copied() {
            Some(sym) if want.kinds.contains(&sym.kind) => {
                self.used.mark(sym.kind, sym.index);
                Some(sym)
            }
            Some(sym) => {
                self.used.mark(sym.kind, sym.index);
                let mut d = Diagnostic::new(
                    Code::E003,
                    name.span,
                    format!(
                        "`{}` is {}, but {} is needed here",
                        name.text,
                        sym.kind.noun(),
                        want.noun
                    ),
                )
                .with_label(format!("expected {}", want.noun))
                .with_secondary(
                    sym.span,
                    format!("`{}` is declared as {} here", name.text, sym.kind.noun()),
                );
                let example = match sym.kind {
                    Kind::Measure => {
                        let m = &self.model.measures[sym.index];
                        match (m.min, m.max) {
                            (Some(lo), Some(hi)) => fmt_num(((lo + hi) / 2.0).round()),
                            (Some(lo), None) => fmt_num(lo),
                            (None, Some(hi)) => fmt_num(hi),
                            (None, None) => "1".to_string(),
                        }
                    }
                    _ => String::new(),
                };
                if let Some(help) = kind_help(&name.text, sym.kind, want, &example) {
                    d = d.with_help(help);
                }
                self.out.push(d);
                None
            }
            None => {
                if let Some(&at) = self.undefined.get(name.text.as_str()) {
                    let d = &mut self.out[at];
                    if d.secondary.len() < 3 {
                        d.secondary.push(crate::diagnostic::Label {
                            span: name.span,
                            message: "also used here".into(),
                        });
                    }
                    return None;
                }
                let mut keys: Vec<&'static str> = want
                    .kinds
                    .iter()
                    .map(|k| match k {
                        Kind::Condition | Kind::Factor => "fact",
                        Kind::Exclusive => "exclusive",
                        Kind::Measure => "measure",
                        Kind::Category => "category",
                        Kind::Exercise => "exercise",
                        Kind::Source => "source",
                        Kind::Rule => "rule",
                    })
                    .collect();
                keys.dedup();
                let lists: Vec<&Vec<&str>> =
                    keys.iter().filter_map(|k| self.names.get(k)).collect();
                let count: usize = lists.iter().map(|l| l.len()).sum();
                // Past the budget, undefined names are still reported, without a suggestion.
                let candidates: Vec<&str> = if count <= self.suggestion_budget {
                    self.suggestion_budget -= count;
                    lists.into_iter().flatten().copied().collect()
                } else {
                    Vec::new()
                };
                let mut d = Diagnostic::new(
                    Code::E002,
                    name.span,
                    format!("`{}` is not declared", name.text),
                )
                .with_label(format!(
                    "unknown {}",
                    &want.noun[want.noun.find(' ').map_or(0, |i| i + 1)..]
                ));
                d = match did_you_mean(&name.text, candidates.iter().copied()) {
                    Some(best) => d.with_suggestion(best),
                    None if want.declare == "rule" => {
                        d.with_help("`overrides` names a rule declared with `rule NAME:` somewhere in the ruleset")
                    }
                    None => d.with_help(format!("declare it, e.g. `{} {} \"…\"`", want.declare, name.text)),
                };
                self.undefined.insert(name.text.to_string(), self.out.len());
                self.out.push(d);
                None
            }
        }
    }

    /// Terminology bindings: `SYSTEM|CODE` (both parts present), or `age` for a measure (E007
    /// otherwise; a code given twice is E004).
    fn codes(&mut self, codes: &[ast::Text], measure: bool) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        let mut first: Vec<Span> = Vec::new();
        for c in codes {
            let v = &c.value;
            let well_formed = (measure && v == "age")
                || v.split_once('|').is_some_and(|(system, code)| {
                    !system.trim().is_empty() && !code.trim().is_empty() && !code.contains('|')
                });
            if !well_formed {
                let help = if measure {
                    "write the binding as \"SYSTEM|CODE\", e.g. \"http://loinc.org|72514-3\", or \"age\" for the patient's age in years"
                } else {
                    "write the binding as \"SYSTEM|CODE\", e.g. \"http://snomed.info/sct|23056005\""
                };
                self.out.push(
                    Diagnostic::new(
                        Code::E007,
                        c.span,
                        format!("\"{v}\" is not a terminology code"),
                    )
                    .with_label("not SYSTEM|CODE")
                    .with_help(help),
                );
                continue;
            }
            if let Some(i) = out.iter().position(|x| x == v) {
                self.out.push(
                    Diagnostic::new(
                        Code::E004,
                        c.span,
                        format!("the code \"{v}\" is given twice"),
                    )
                    .with_label("given again")
                    .with_secondary(first[i], "first given here")
                    .with_help("give each code once"),
                );
                continue;
            }
            out.push(v.clone());
            first.push(c.span);
        }
        out
    }

    /// Facts named by `implies` or `excludes`, without repeats.
    fn fact_list(&mut self, names: &[ast::Name]) -> Vec<FactId> {
        let mut out = Vec::new();
        let mut seen = FirstSeen::default();
        for n in names {
            if let Some(sym) = self.lookup(n, FACT)
                && seen.insert(sym.index)
            {
                out.push(sym.index);
            }
        }
        out
    }

    fn resolve_vocabulary(&mut self, files: &[ast::File]) {
        let mut fact = 0;
        let mut exclusive = 0;
        let mut category = 0;
        let mut exercise = 0;
        for item in files.iter().flat_map(|f| &f.items) {
            match item {
                Item::Fact(f) => {
                    if self
                        .symbols
                        .get(f.name.text.as_str())
                        .is_some_and(|s| s.span != f.name.span)
                    {
                        continue; // a duplicate, already reported
                    }
                    let implies = self.fact_list(f.implies());
                    let excludes = self.fact_list(f.excludes());
                    self.model.facts[fact].implies = implies;
                    self.model.facts[fact].excludes = excludes;
                    fact += 1;
                }
                Item::Exclusive(x) => {
                    if self
                        .symbols
                        .get(x.name.text.as_str())
                        .is_some_and(|s| s.span != x.name.span)
                    {
                        continue; // a duplicate, already reported
                    }
                    let mut members: Vec<FactId> = Vec::new();
                    let mut spans: Vec<Span> = Vec::new();
                    // Member → its position in `members`, so long lists stay linear.
                    let mut position: HashMap<FactId, usize> = HashMap::default();
                    for m in &x.members {
                        if let Some(sym) = self.lookup(m, FACT) {
                            if let Some(&i) = position.get(&sym.index) {
                                self.out.push(
                                    Diagnostic::new(
                                        Code::E004,
                                        m.span,
                                        format!(
                                            "`{}` is listed twice in `{}`",
                                            m.text, x.name.text
                                        ),
                                    )
                                    .with_label("listed again")
                                    .with_secondary(spans[i], "first listed here")
                                    .with_help("list each member of an exclusive group once"),
                                );
                            } else {
                                position.insert(sym.index, members.len());
                                members.push(sym.index);
                                spans.push(m.span);
                            }
                        }
                    }
                    self.model.exclusives[exclusive].members = members;
                    exclusive += 1;
                }
                Item::Category(c) => {
                    if self
                        .symbols
                        .get(c.name.text.as_str())
                        .is_some_and(|s| s.span != c.name.span)
                    {
                        continue;
                    }
                    let parents = self.categories(&c.parents);
                    self.model.categories[category].parents = parents;
                    category += 1;
                }
                Item::Exercise(e) => {
                    if self
                        .symbols
                        .get(e.name.text.as_str())
                        .is_some_and(|s| s.span != e.name.span)
                    {
                        continue;
                    }
                    let categories = self.categories(&e.categories);
                    self.model.exercises[exercise].categories = categories;
                    exercise += 1;
                }
                _ => {}
            }
        }
    }

    fn categories(&mut self, names: &[ast::Name]) -> Vec<CategoryId> {
        let mut out = Vec::new();
        let mut seen = FirstSeen::default();
        for n in names {
            if let Some(sym) = self.lookup(n, CATEGORY)
                && seen.insert(sym.index)
            {
                out.push(sym.index);
            }
        }
        out
    }

    /// Resolve every rule, freeing its tree once done. Returns the tests, resolved last.
    ///
    /// A large ruleset's rules are cut into pieces, each resolved in parallel as far as it
    /// can go alone (see [`rules`]); the resolver then takes over each piece in order.
    fn resolve_rules(
        &mut self,
        files: Vec<ast::File>,
        hierarchy: Option<&hierarchy::Hierarchy>,
        rank: &[usize],
    ) -> Vec<ast::TestItem> {
        let mut tests = Vec::new();
        let mut trees = Vec::with_capacity(self.heads.len());
        for item in files.into_iter().flat_map(|f| f.items) {
            match item {
                Item::Rule(r) => trees.push(r),
                Item::Test(t) => tests.push(*t),
                _ => {}
            }
        }
        self.model.rules = Vec::with_capacity(self.heads.len());
        if trees.len() < self.parallel.max(2) || trees.len() != self.heads.len() {
            self.resolve_in_order(0, trees, hierarchy, rank);
            self.heads = Vec::new();
            return tests;
        }
        // A few pieces per thread, so a thread that finishes early takes another.
        let piece = (trees.len() / (4 * rayon::current_num_threads()))
            .max(self.parallel / 2)
            .max(1);
        let starts: Vec<RuleId> = (0..trees.len()).step_by(piece).collect();
        let mut pieces: Vec<Vec<Box<ast::RuleItem>>> = Vec::with_capacity(starts.len());
        for &start in starts.iter().rev() {
            pieces.push(trees.split_off(start));
        }
        pieces.reverse();
        let outcomes: Vec<rules::Outcome> = {
            let (heads, measures, symbols) = (&mut self.heads, &self.model.measures, &self.symbols);
            heads
                .par_chunks_mut(piece)
                .zip(pieces)
                .zip(starts)
                .map(|((heads, trees), first)| {
                    rules::speculate(symbols, measures, heads, trees, first, hierarchy, rank)
                })
                .collect()
        };
        // In rule order: each piece's records and findings, then the rules it left, resolved here.
        for outcome in outcomes {
            self.finish(outcome, hierarchy, rank);
        }
        self.heads = Vec::new();
        tests
    }

    /// Take over from a thread that resolved rules with the symbol table alone: its findings
    /// and uses, then the rules it left, in order.
    fn finish(
        &mut self,
        outcome: rules::Outcome,
        hierarchy: Option<&hierarchy::Hierarchy>,
        rank: &[usize],
    ) {
        self.model.rules.extend(outcome.records);
        self.out.extend(outcome.out);
        self.used.merge(outcome.used);
        self.resolve_in_order(outcome.rest_from, outcome.rest, hierarchy, rank);
    }

    /// Resolve the rules `trees`, rule `first` and on, in order.
    #[allow(clippy::vec_box)] // the trees as the parser boxed them, see `rules::Outcome`
    fn resolve_in_order(
        &mut self,
        first: RuleId,
        trees: Vec<Box<ast::RuleItem>>,
        hierarchy: Option<&hierarchy::Hierarchy>,
        rank: &[usize],
    ) {
        for (index, tree) in (first..).zip(trees) {
            let resolved = rules::resolve_rule(self, &tree, hierarchy, rank);
            let mut record = declare::rule_record(&mut self.heads[index], &tree);
            if record.is_live() && resolved.uncited(&tree) {
                let d = rules::uncited(&record.id, &tree);
                self.out.push(d);
            }
            resolved.write_into(&mut record);
            debug_assert_eq!(self.model.rules.len(), index);
            self.model.rules.push(record);
        }
    }

    /// Exercise ids ordered by name, so expanded lists sort by name.
    fn exercise_rank(&self) -> Vec<usize> {
        let mut order: Vec<ExerciseId> = (0..self.model.exercises.len()).collect();
        order.sort_by(|&a, &b| {
            self.model.exercises[a]
                .name
                .cmp(&self.model.exercises[b].name)
        });
        let mut rank = vec![0; order.len()];
        for (r, &e) in order.iter().enumerate() {
            rank[e] = r;
        }
        rank
    }
}

impl rules::Env for Resolver<'_> {
    fn find(&mut self, name: &ast::Name, want: Want) -> Option<Symbol> {
        self.lookup(name, want)
    }

    fn measure(&self, measure: MeasureId) -> &Measure {
        &self.model.measures[measure]
    }

    fn report(&mut self, d: Diagnostic) {
        self.out.push(d);
    }
}

/// The keys of a list seen so far, each with a value recorded when first seen (its span).
///
/// Lists written in a rule are short (one to three names), so the first few keys are kept in
/// place and searched; only a longer list spills into a hash map, which keeps it linear. With
/// 100,000 rules, allocating and hashing a map per list was a large part of resolving them.
struct FirstSeen<K, V> {
    few: [Option<(K, V)>; FEW_SEEN],
    many: HashMap<K, V>,
}

/// How many keys [`FirstSeen`] keeps in place.
const FEW_SEEN: usize = 4;

impl<K, V> Default for FirstSeen<K, V> {
    fn default() -> Self {
        FirstSeen {
            few: [const { None }; FEW_SEEN],
            many: HashMap::default(),
        }
    }
}

impl<K: Copy + Eq + Hash, V: Copy> FirstSeen<K, V> {
    /// The value recorded when `key` was first seen; `None` (and `value` recorded) if it is new.
    fn first(&mut self, key: K, value: V) -> Option<V> {
        for slot in &mut self.few {
            match slot {
                Some((k, v)) if *k == key => return Some(*v),
                Some(_) => {}
                None => {
                    *slot = Some((key, value));
                    return None;
                }
            }
        }
        match self.many.get(&key) {
            Some(&v) => Some(v),
            None => {
                self.many.insert(key, value);
                None
            }
        }
    }
}

impl<K: Copy + Eq + Hash> FirstSeen<K, ()> {
    /// Record `key`; false if it was seen before.
    fn insert(&mut self, key: K) -> bool {
        self.first(key, ()).is_none()
    }
}

/// Expand targets to exercise ids, sorted by exercise name, without duplicates.
fn expand(
    targets: &[(Target, Span)],
    hierarchy: Option<&hierarchy::Hierarchy>,
    rank: &[usize],
) -> Vec<ExerciseId> {
    // Most rules advise one exercise, named directly: nothing to sort.
    if let [(Target::Exercise(e), _)] = targets {
        return vec![*e];
    }
    let mut out: Vec<ExerciseId> = Vec::new();
    for &(t, _) in targets {
        match t {
            Target::Exercise(e) => out.push(e),
            Target::Category(c) => {
                if let Some(h) = hierarchy {
                    out.extend_from_slice(h.members(c));
                }
            }
        }
    }
    out.sort_unstable_by_key(|&e| rank[e]);
    out.dedup();
    out
}

/// A hint for a name used as the wrong kind.
fn kind_help(name: &str, found: Kind, want: Want, example: &str) -> Option<String> {
    match (found, want.declare) {
        (Kind::Measure, "condition") => Some(format!(
            "compare the measure with a number, e.g. `{name} >= {example}`"
        )),
        (Kind::Condition | Kind::Factor, "measure") => Some(format!(
            "`{name}` is true or false; use it on its own, e.g. `if {name}`"
        )),
        (Kind::Exercise | Kind::Category, "condition") => Some(format!(
            "conditions describe the patient; `{name}` is advice, so it belongs after the action: `then avoid {name}`"
        )),
        (Kind::Condition | Kind::Factor, "exercise") => Some(format!(
            "advice names exercises or categories; `{name}` describes the patient, so it belongs in the `if`"
        )),
        _ => None,
    }
}
