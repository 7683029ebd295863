//! Names and kinds: one namespace per ruleset, declarations in any order and any file.
//!
//! Builds the [`Model`] from the syntax trees: every name is looked up (E002 with did-you-mean),
//! checked for its kind (E003), declared once (E004); categories form a DAG (E005, see
//! [`hierarchy`]); values fit their measures (E007); test patients are possible (E008).
//! Also warns about unused declarations (W001) and rules without a citation (W007).

mod hierarchy;
mod rules;

use std::fmt::Write as _;
use std::hash::Hash;

use foldhash::{HashMap, HashSet};
use rayon::prelude::*;

use crate::diagnostic::{Code, Diagnostic, did_you_mean};
use crate::model::*;
use crate::source::{Sources, Span};
use crate::syntax::ast::{self, Item};
use crate::syntax::fmt_num;

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
    symbols: HashMap<&'a str, Symbol>,
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
    /// Resolve rules on two threads from this many rules on.
    parallel: usize,
}

/// How many name comparisons did-you-mean may make for one ruleset. Real rulesets need a few
/// thousand; thousands of undefined names among thousands of declarations would need
/// hundreds of millions, so past this budget undefined names get no suggestion.
const SUGGESTION_BUDGET: usize = 200_000;

/// Rulesets with at least this many rules resolve them on two threads (see [`rules`]); for
/// smaller ones a thread costs more than it saves.
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

/// [`resolve`], with rules resolved on two threads from `parallel` rules on.
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
    /// First pass: every declaration, so names resolve whatever their order.
    ///
    /// The records of a large ruleset's rules are built on another thread meanwhile: writing
    /// them takes longer than declaring every name, mostly in first touches of fresh memory.
    fn declare(&mut self, files: &[ast::File]) {
        let sources = self.sources;
        let count = files.iter().flat_map(|f| &f.items);
        let count = count.filter(|i| matches!(i, Item::Rule(_))).count();
        let (records, (header, duplicates)) = if count >= self.parallel {
            rayon::join(
                || rule_records(sources, files, count),
                || self.declare_names(files),
            )
        } else {
            let names = self.declare_names(files);
            (rule_records(sources, files, count), names)
        };
        self.model.rules = records;
        for (index, id) in duplicates {
            if let Some(rule) = self.model.rules.get_mut(index) {
                rule.id = id;
            }
        }
        self.check_rule_ids();
        let default_name = self.sources.default_name();
        self.model.header = match header {
            Some(h) => Header {
                name: h.name.text.to_string(),
                title: h.title.as_ref().map(|t| t.value.clone()),
                version: h
                    .version
                    .as_ref()
                    .map_or_else(|| "0.0.0".to_string(), |t| t.value.clone()),
                span: Some(h.span),
            },
            None => Header {
                name: default_name,
                title: None,
                version: "0.0.0".to_string(),
                span: None,
            },
        };
    }

    /// Declare every name, in order. Returns the `ruleset` item, if any, and the ids of rules
    /// whose name was declared already.
    fn declare_names<'f>(
        &mut self,
        files: &'f [ast::File],
    ) -> (Option<&'f ast::RulesetItem>, Vec<(RuleId, String)>) {
        let mut header: Option<&ast::RulesetItem> = None;
        let mut duplicates = Vec::new();
        let mut rules = 0;
        // Sized up front: growing the table step by step rehashes every name several times.
        let declared = files.iter().flat_map(|f| &f.items).filter(|i| match i {
            Item::Rule(rule) => rule.name.is_some(),
            Item::Ruleset(_) | Item::Test(_) => false,
            _ => true,
        });
        self.symbols.reserve(declared.count());
        for file in files {
            for item in &file.items {
                match item {
                    Item::Ruleset(h) => {
                        if let Some(first) = header {
                            self.out.push(
                                Diagnostic::new(
                                    Code::E004,
                                    h.span,
                                    "a ruleset has one `ruleset` item; this is a second",
                                )
                                .with_label("second `ruleset`")
                                .with_secondary(first.span, "first `ruleset` here")
                                .with_help("keep one `ruleset` item for the whole folder"),
                            );
                        } else {
                            header = Some(h);
                        }
                    }
                    Item::Fact(f) => {
                        let kind = if f.kind == FactKind::Condition {
                            Kind::Condition
                        } else {
                            Kind::Factor
                        };
                        let index = self.model.facts.len();
                        if self.add(&f.name, kind, index) {
                            let codes = self.codes(f.codes(), false);
                            self.model.facts.push(Fact {
                                name: f.name.text.to_string(),
                                label: f.label.as_ref().map(|t| t.value.clone()),
                                kind: f.kind,
                                implies: Vec::new(),
                                excludes: Vec::new(),
                                codes,
                                span: f.name.span,
                            });
                        }
                    }
                    Item::Exclusive(x) => {
                        let index = self.model.exclusives.len();
                        if self.add(&x.name, Kind::Exclusive, index) {
                            self.model.exclusives.push(Exclusive {
                                name: x.name.text.to_string(),
                                label: x.label.as_ref().map(|t| t.value.clone()),
                                members: Vec::new(),
                                span: x.name.span,
                            });
                        }
                    }
                    Item::Measure(m) => {
                        let index = self.model.measures.len();
                        if self.add(&m.name, Kind::Measure, index) {
                            let codes = self.codes(&m.codes, true);
                            self.model.measures.push(Measure {
                                name: m.name.text.to_string(),
                                label: m.label.as_ref().map(|t| t.value.clone()),
                                unit: m.unit.as_ref().map(|t| t.value.clone()),
                                min: m.range.map(|r| r.lo.value),
                                max: m.range.map(|r| r.hi.value),
                                codes,
                                span: m.name.span,
                            });
                        }
                    }
                    Item::Category(c) => {
                        let index = self.model.categories.len();
                        if self.add(&c.name, Kind::Category, index) {
                            self.model.categories.push(Category {
                                name: c.name.text.to_string(),
                                label: c.label.as_ref().map(|t| t.value.clone()),
                                parents: Vec::new(),
                                span: c.name.span,
                            });
                        }
                    }
                    Item::Exercise(e) => {
                        let index = self.model.exercises.len();
                        if self.add(&e.name, Kind::Exercise, index) {
                            self.model.exercises.push(Exercise {
                                name: e.name.text.to_string(),
                                label: e.label.as_ref().map(|t| t.value.clone()),
                                categories: Vec::new(),
                                span: e.name.span,
                            });
                        }
                    }
                    Item::Source(s) => {
                        let index = self.model.sources.len();
                        if self.add(&s.name, Kind::Source, index) {
                            self.model.sources.push(Source {
                                name: s.name.text.to_string(),
                                text: s.text.value.clone(),
                                url: s.url.as_ref().map(|t| t.value.clone()),
                                span: s.name.span,
                            });
                        }
                    }
                    Item::Rule(rule) => {
                        let index = rules;
                        rules += 1;
                        if let Some(name) = &rule.name
                            && !self.add(name, Kind::Rule, index)
                        {
                            // A duplicate rule name: still check the rule, under a unique id.
                            duplicates.push((index, format!("{}#{}", name.text, index)));
                        }
                    }
                    Item::Test(_) => {}
                }
            }
        }
        (header, duplicates)
    }

    /// E004 for rule ids that two rules share.
    fn check_rule_ids(&mut self) {
        // An unnamed rule's id must not collide with a named rule.
        let named = self.model.rules.iter().filter(|r| r.named).count();
        let mut ids: HashMap<&str, usize> = HashMap::default();
        ids.reserve(named);
        for (i, rule) in self.model.rules.iter().enumerate() {
            if rule.named {
                ids.insert(rule.id.as_str(), i);
            }
        }
        // Two files with the same stem in different folders number their unnamed rules alike.
        // (An unnamed id is its file's stem, `_` and digits, so it names its stem: files with
        // distinct stems never give two unnamed rules one id, and need no table of the ids.)
        let mut stems = HashSet::default();
        let stems_distinct =
            (0..self.sources.len()).all(|f| stems.insert(self.sources.get(f).stem()));
        let mut unnamed: HashMap<&str, usize> = HashMap::default();
        if !stems_distinct {
            unnamed.reserve(self.model.rules.len() - named);
        }
        for (i, rule) in self
            .model
            .rules
            .iter()
            .enumerate()
            .filter(|(_, r)| !r.named && !stems_distinct)
        {
            if let Some(&first) = unnamed.get(rule.id.as_str()) {
                self.out.push(
                    Diagnostic::new(
                        Code::E004,
                        rule.head_span,
                        format!("two unnamed rules get the same id `{}`", rule.id),
                    )
                    .with_label("this rule's id is taken")
                    .with_secondary(
                        self.model.rules[first].head_span,
                        "by this rule, in a file with the same name",
                    )
                    .with_note(
                        "an unnamed rule's id is its file's name and its number in that file",
                    )
                    .with_help("name the rules with `rule NAME:`, or rename one of the two files"),
                );
            } else {
                unnamed.insert(rule.id.as_str(), i);
            }
        }
        for rule in self.model.rules.iter().filter(|r| !r.named) {
            if let Some(&other) = ids.get(rule.id.as_str()) {
                let named = &self.model.rules[other];
                self.out.push(
                    Diagnostic::new(
                        Code::E004,
                        named.head_span,
                        format!(
                            "the rule name `{}` is also the id of an unnamed rule",
                            named.id
                        ),
                    )
                    .with_label("this name")
                    .with_secondary(
                        rule.head_span,
                        format!("this unnamed rule gets the id `{}`", rule.id),
                    )
                    .with_help(
                        "rename the rule, or give the unnamed rule a name with `rule NAME:`",
                    ),
                );
            }
        }
    }

    /// Declare a name; report a duplicate (E004) and return false if it exists already.
    fn add(&mut self, name: &ast::Name, kind: Kind, index: usize) -> bool {
        if let Some(first) = self.symbols.get(name.text.as_str()) {
            let again = if first.kind == kind {
                format!("`{}` is declared twice", name.text)
            } else {
                format!(
                    "`{}` is already declared as {}",
                    name.text,
                    first.kind.noun()
                )
            };
            self.out.push(
                Diagnostic::new(Code::E004, name.span, again)
                    .with_label("declared again here")
                    .with_secondary(first.span, "first declared here")
                    .with_help("every name in a ruleset is declared once; rename one of them or remove the copy"),
            );
            return false;
        }
        // Keys borrow the source text (the same characters as the name), not the tree, which
        // is freed rule by rule.
        let text: &'a str = self.sources.slice(name.span);
        self.symbols.insert(
            text,
            Symbol {
                kind,
                index,
                span: name.span,
            },
        );
        let key = match kind {
            Kind::Condition | Kind::Factor => "fact",
            Kind::Exclusive => "exclusive",
            Kind::Measure => "measure",
            Kind::Category => "category",
            Kind::Exercise => "exercise",
            Kind::Source => "source",
            Kind::Rule => "rule",
        };
        self.names.entry(key).or_default().push(text);
        true
    }

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
    /// A large ruleset's rules are resolved on two threads, half each (see [`rules`]).
    fn resolve_rules(
        &mut self,
        files: Vec<ast::File>,
        hierarchy: Option<&hierarchy::Hierarchy>,
        rank: &[usize],
    ) -> Vec<ast::TestItem> {
        let mut tests = Vec::new();
        let mut trees = Vec::with_capacity(self.model.rules.len());
        for item in files.into_iter().flat_map(|f| f.items) {
            match item {
                Item::Rule(r) => trees.push(r),
                Item::Test(t) => tests.push(*t),
                _ => {}
            }
        }
        if trees.len() < self.parallel.max(2) || trees.len() != self.model.rules.len() {
            self.resolve_in_order(0, trees, hierarchy, rank);
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
            let model = &mut self.model;
            let (records, measures, symbols) = (&mut model.rules, &model.measures, &self.symbols);
            records
                .par_chunks_mut(piece)
                .zip(pieces)
                .zip(starts)
                .map(|((records, trees), first)| {
                    rules::speculate(symbols, measures, records, trees, first, hierarchy, rank)
                })
                .collect()
        };
        // In rule order: each piece's findings, then the rules it left, resolved here.
        for outcome in outcomes {
            self.finish(outcome, hierarchy, rank);
        }
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
            let record = &self.model.rules[index];
            if record.is_live() && resolved.uncited(&tree) {
                let d = rules::uncited(&record.id, &tree);
                self.out.push(d);
            }
            resolved.write_into(&mut self.model.rules[index]);
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

    fn resolve_tests(
        &mut self,
        tests: &[ast::TestItem],
        hierarchy: Option<&hierarchy::Hierarchy>,
        rank: &[usize],
    ) {
        // For each fact, the exclusive groups it belongs to.
        let mut groups_of: Vec<Vec<ExclusiveId>> = vec![Vec::new(); self.model.facts.len()];
        for (x, group) in self.model.exclusives.iter().enumerate() {
            for &f in &group.members {
                groups_of[f].push(x);
            }
        }
        let mut names: HashMap<&str, Span> = HashMap::default();
        for t in tests {
            if let Some(&first) = names.get(t.name.value.as_str()) {
                self.out.push(
                    Diagnostic::new(
                        Code::E004,
                        t.name.span,
                        format!("two tests are named \"{}\"", t.name.value),
                    )
                    .with_label("second test with this name")
                    .with_secondary(first, "first test with this name")
                    .with_help("give each test its own name, so a failure says which one failed"),
                );
            } else {
                names.insert(&t.name.value, t.name.span);
            }
            let mut patient = Patient::default();
            let mut fact_spans: Vec<(FactId, Span)> = Vec::new();
            let mut given_facts: HashSet<FactId> = HashSet::default();
            let mut measures: HashMap<MeasureId, f64> = HashMap::default();
            for g in &t.given {
                let Some(sym) = self.lookup(&g.name, GIVEN) else {
                    continue;
                };
                match (sym.kind, g.value) {
                    (Kind::Measure, Some(v)) => {
                        let before = self.out.len();
                        rules::check_value(self, sym.index, v);
                        if self.out.len() == before {
                            measures.insert(sym.index, v.value);
                        }
                    }
                    (Kind::Measure, None) => self.out.push(
                        Diagnostic::new(
                            Code::E007,
                            g.name.span,
                            format!("`{}` is a measure and needs a value", g.name.text),
                        )
                        .with_label("no value")
                        .with_help(format!(
                            "give the patient's value, e.g. `{} = 45`",
                            g.name.text
                        )),
                    ),
                    (_, Some(v)) => self.out.push(
                        Diagnostic::new(
                            Code::E007,
                            g.name.span.to(v.span),
                            format!(
                                "`{}` is {}: it is true or false, not a number",
                                g.name.text,
                                sym.kind.noun()
                            ),
                        )
                        .with_label("a yes/no fact with a value")
                        .with_help(format!(
                            "list `{}` alone to make it true for this patient",
                            g.name.text
                        )),
                    ),
                    (_, None) => {
                        if given_facts.insert(sym.index) {
                            fact_spans.push((sym.index, g.name.span));
                        }
                    }
                }
            }
            // The patient must be possible: at most one member of each exclusive group.
            let mut present_in: Vec<Vec<&(FactId, Span)>> =
                vec![Vec::new(); self.model.exclusives.len()];
            for given in &fact_spans {
                for &x in &groups_of[given.0] {
                    present_in[x].push(given);
                }
            }
            for (x, present) in self.model.exclusives.iter().zip(present_in) {
                if present.len() > 1 {
                    let names: Vec<String> = present
                        .iter()
                        .map(|(f, _)| format!("`{}`", self.model.facts[*f].name))
                        .collect();
                    let mut d = Diagnostic::new(
                        Code::E008,
                        present[1].1,
                        format!(
                            "this test's patient is impossible: {} are declared exclusive",
                            names.join(" and ")
                        ),
                    )
                    .with_label("cannot hold together with the first")
                    .with_secondary(present[0].1, "first given here")
                    .with_secondary(x.span, format!("exclusive group `{}`", x.name));
                    d = d.with_help("give the patient at most one fact from each exclusive group");
                    self.out.push(d);
                }
            }
            self.check_implied(&fact_spans, &groups_of);
            patient.facts = fact_spans.iter().map(|&(f, _)| f).collect();
            patient.facts.sort_unstable();
            patient.measures = measures.into_iter().collect();
            patient.measures.sort_by_key(|&(m, _)| m);
            let mut expects = Vec::new();
            for e in &t.expects {
                let targets = rules::targets(self, &e.targets);
                let exercises = expand(&targets, hierarchy, rank);
                expects.push(Expect {
                    expectation: e.expectation,
                    targets,
                    exercises,
                    dose: e.dose.as_deref().map(rules::dose),
                    span: e.span,
                });
            }
            self.model.tests.push(Test {
                name: t.name.value.clone(),
                span: t.span,
                patient,
                expects,
            });
        }
    }

    /// E008 for a test patient whose given facts, closed under `implies`, break an `excludes`
    /// or (through an implied fact) an `exclusive` group. Two given members of one group are
    /// reported by the caller.
    fn check_implied(&mut self, given: &[(FactId, Span)], groups_of: &[Vec<ExclusiveId>]) {
        let facts = &self.model.facts;
        if facts
            .iter()
            .all(|f| f.implies.is_empty() && f.excludes.is_empty())
        {
            return;
        }
        // Every true fact, with the given fact it comes from.
        let mut holds: Vec<Option<(FactId, Span)>> = vec![None; facts.len()];
        for &(g, span) in given {
            let mut todo = vec![g];
            while let Some(f) = todo.pop() {
                if holds[f].is_none() {
                    holds[f] = Some((g, span));
                    todo.extend(facts[f].implies.iter().copied());
                }
            }
        }
        let why = |f: FactId, by: FactId| {
            if f == by {
                format!("`{}`", facts[f].name)
            } else {
                format!("`{}` (implied by `{}`)", facts[f].name, facts[by].name)
            }
        };
        let mut clash: Option<(FactId, FactId, String)> = None;
        'find: for (f, h) in holds.iter().enumerate() {
            let Some(_) = h else { continue };
            for &g in &facts[f].excludes {
                if holds[g].is_some() {
                    clash = Some((
                        f,
                        g,
                        format!("`{}` excludes `{}`", facts[f].name, facts[g].name),
                    ));
                    break 'find;
                }
            }
            for &x in &groups_of[f] {
                for &g in &self.model.exclusives[x].members {
                    let implied = |k: FactId| holds[k].is_some_and(|(by, _)| by != k);
                    if g != f && holds[g].is_some() && (implied(f) || implied(g)) {
                        let group = &self.model.exclusives[x].name;
                        clash = Some((f, g, format!("they are declared exclusive (`{group}`)")));
                        break 'find;
                    }
                }
            }
        }
        let Some((a, b, reason)) = clash else { return };
        let ((ga, sa), (gb, sb)) = match (holds[a], holds[b]) {
            (Some(x), Some(y)) => (x, y),
            _ => return,
        };
        let mut d = Diagnostic::new(
            Code::E008,
            sb,
            format!(
                "this test's patient is impossible: {} and {} cannot hold together: {reason}",
                why(a, ga),
                why(b, gb)
            ),
        )
        .with_label("cannot hold together with the other");
        if sa != sb {
            d = d.with_secondary(sa, "given here");
        }
        self.out.push(d.with_help(
            "give the patient facts that can hold together, counting the facts they imply",
        ));
    }

    /// W001: declarations nothing refers to. Exercises count as used when a rule advises them
    /// (directly or through a category); exclusive groups always count as used.
    fn warn_unused(&mut self) {
        let mut advised = vec![false; self.model.exercises.len()];
        for r in &self.model.rules {
            for &e in &r.exercises {
                advised[e] = true;
            }
        }
        let mut unused: Vec<(Span, String, &'static str)> = Vec::new();
        for (i, f) in self.model.facts.iter().enumerate() {
            let kind = if f.kind == FactKind::Condition {
                Kind::Condition
            } else {
                Kind::Factor
            };
            // A fact that implies others takes part in the meaning even if no rule names it:
            // giving it gives the facts it implies.
            if !self.used.contains(kind, i) && f.implies.is_empty() {
                unused.push((f.span, f.name.clone(), kind.noun()));
            }
        }
        for (i, m) in self.model.measures.iter().enumerate() {
            if !self.used.contains(Kind::Measure, i) {
                unused.push((m.span, m.name.clone(), "a measure"));
            }
        }
        let has_exercise: Vec<bool> = {
            let mut v = vec![false; self.model.categories.len()];
            for e in &self.model.exercises {
                for &c in &e.categories {
                    v[c] = true;
                }
            }
            v
        };
        for (i, c) in self.model.categories.iter().enumerate() {
            if !self.used.contains(Kind::Category, i) && !has_exercise[i] {
                unused.push((c.span, c.name.clone(), "a category"));
            }
        }
        for (i, e) in self.model.exercises.iter().enumerate() {
            if !advised[i] {
                unused.push((e.span, e.name.clone(), "an exercise"));
            }
        }
        for (i, s) in self.model.sources.iter().enumerate() {
            if !self.used.contains(Kind::Source, i) {
                unused.push((s.span, s.name.clone(), "a source"));
            }
        }
        for (span, name, noun) in unused {
            let (message, help) = match noun {
                "an exercise" => (
                    format!("exercise `{name}` is declared but no rule advises it"),
                    "write a rule that advises it, or remove the declaration".to_string(),
                ),
                "a source" => (
                    format!("source `{name}` is declared but no rule cites it"),
                    format!("cite it from the rules it supports (`cite {name}`), or remove it"),
                ),
                _ => (
                    format!(
                        "{} `{name}` is declared but never used",
                        &noun[noun.find(' ').map_or(0, |i| i + 1)..]
                    ),
                    "use it in a rule, or remove the declaration".to_string(),
                ),
            };
            self.out.push(
                Diagnostic::new(Code::W001, span, message)
                    .with_label("never used")
                    .with_help(help),
            );
        }
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

/// A record for every rule, in order, with what its tree says directly; its id is its name
/// (duplicate names are renamed by [`Resolver::declare`]) or `<file stem>_<n>`. The rest is
/// filled in by [`rules::resolve_rule`].
fn rule_records(sources: &Sources, files: &[ast::File], count: usize) -> Vec<Rule> {
    let mut records = Vec::with_capacity(count);
    for (file_index, file) in files.iter().enumerate() {
        let stem = sources.get(file_index).stem();
        let mut anonymous = 0usize;
        for item in &file.items {
            let Item::Rule(rule) = item else { continue };
            let (id, named) = match &rule.name {
                Some(name) => (name.text.to_string(), true),
                None => {
                    anonymous += 1;
                    // Sized up front: growing the string was most of the cost.
                    let mut id = String::with_capacity(stem.len() + 8);
                    id.push_str(stem);
                    let _ = write!(id, "_{anonymous}");
                    (id, false)
                }
            };
            records.push(Rule {
                id,
                named,
                span: rule.span,
                head_span: rule.head_span,
                when: Expr::Always,
                when_span: None,
                action: rule.action.action,
                action_span: rule.action.span,
                targets: Vec::new(),
                exercises: Vec::new(),
                dose: None,
                because: rule.because().map(|t| t.value.clone()),
                cite: Vec::new(),
                evidence: rule
                    .evidence()
                    .and_then(|n| Evidence::ALL.into_iter().find(|e| e.as_str() == n.text)),
                strength: rule
                    .strength()
                    .and_then(|n| Strength::ALL.into_iter().find(|e| e.as_str() == n.text)),
                overrides: Vec::new(),
                reviewed: rule.reviewed().map(|t| t.value.clone()),
                status: rule
                    .status()
                    .and_then(|n| Status::ALL.into_iter().find(|e| e.as_str() == n.text))
                    .unwrap_or_default(),
                except: Vec::new(),
                prevails: rule.prevails(),
                stop_if: rule.stop_if().map(|t| t.value.clone()),
            });
        }
    }
    records
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
