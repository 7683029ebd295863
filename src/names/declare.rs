//! Declaring: every name of the ruleset, in order, before any is resolved (E004 for a name
//! declared twice, and for rule ids two rules share), and the records of the rules.

use std::fmt::Write as _;

use foldhash::{HashMap, HashSet};

use super::{Kind, Resolver, Symbol};
use crate::diagnostic::{Code, Diagnostic};
use crate::model::*;
use crate::source::{Sources, Span};
use crate::syntax::ast::{self, Item};

impl<'a> Resolver<'a> {
    /// First pass: every declaration, so names resolve whatever their order.
    ///
    /// The ids of a large ruleset's rules are made on another thread meanwhile. A rule's record
    /// is made only as its tree is resolved and freed (see [`rule_record`]), so a large ruleset
    /// never holds every tree and every record at once.
    pub(super) fn declare(&mut self, files: &[ast::File]) {
        let sources = self.sources;
        let count = files.iter().flat_map(|f| &f.items);
        let count = count.filter(|i| matches!(i, Item::Rule(_))).count();
        let (heads, (header, duplicates)) = if count >= self.parallel {
            rayon::join(
                || rule_heads(sources, files, count),
                || self.declare_names(files),
            )
        } else {
            let names = self.declare_names(files);
            (rule_heads(sources, files, count), names)
        };
        self.heads = heads;
        for (index, id) in duplicates {
            if let Some(rule) = self.heads.get_mut(index) {
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
        let named = self.heads.iter().filter(|r| r.named).count();
        let mut ids: HashMap<&str, usize> = HashMap::default();
        ids.reserve(named);
        for (i, rule) in self.heads.iter().enumerate() {
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
            unnamed.reserve(self.heads.len() - named);
        }
        for (i, rule) in self
            .heads
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
                        self.heads[first].head_span,
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
        for rule in self.heads.iter().filter(|r| !r.named) {
            if let Some(&other) = ids.get(rule.id.as_str()) {
                let named = &self.heads[other];
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
        // The key is the name's own text (inline up to 23 bytes), not the tree, which is freed
        // rule by rule; the list for did-you-mean borrows the source text.
        let text: &'a str = self.sources.slice(name.span);
        self.symbols.insert(
            name.text.clone(),
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
}

/// What naming a rule needs before it is resolved: its id, and where its diagnostics point.
pub(super) struct Head {
    pub(super) id: String,
    pub(super) named: bool,
    pub(super) head_span: Span,
}

/// The head of every rule, in order; its id is its name (duplicate names are renamed by
/// [`Resolver::declare`]) or `<file stem>_<n>`.
fn rule_heads(sources: &Sources, files: &[ast::File], count: usize) -> Vec<Head> {
    let mut heads = Vec::with_capacity(count);
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
            heads.push(Head {
                id,
                named,
                head_span: rule.head_span,
            });
        }
    }
    heads
}

/// A rule's record with what its tree says directly, its id taken from its head. The rest is
/// filled in by [`super::rules::Resolved::write_into`].
pub(super) fn rule_record(head: &mut Head, rule: &ast::RuleItem) -> Rule {
    let details = RuleDetails {
        because: rule.because().map(|t| t.value.clone()),
        reviewed: rule.reviewed().map(|t| t.value.clone()),
        prevails: rule.prevails(),
        stop_if: rule.stop_if().map(|t| t.value.clone()),
        ..RuleDetails::default()
    };
    let some = details.because.is_some()
        || details.reviewed.is_some()
        || details.prevails.is_some()
        || details.stop_if.is_some();
    Rule {
        id: std::mem::take(&mut head.id),
        named: head.named,
        span: rule.span,
        head_span: rule.head_span,
        when: Expr::Always,
        when_span: None,
        action: rule.action.action,
        action_span: rule.action.span,
        targets: Vec::new(),
        exercises: Vec::new(),
        dose: None,
        cite: Vec::new(),
        evidence: rule
            .evidence()
            .and_then(|n| Evidence::ALL.into_iter().find(|e| e.as_str() == n.text)),
        strength: rule
            .strength()
            .and_then(|n| Strength::ALL.into_iter().find(|e| e.as_str() == n.text)),
        status: rule
            .status()
            .and_then(|n| Status::ALL.into_iter().find(|e| e.as_str() == n.text))
            .unwrap_or_default(),
        details: some.then(|| Box::new(details)),
    }
}
