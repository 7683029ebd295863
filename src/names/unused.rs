//! W001: declarations nothing refers to.

use super::{Kind, Resolver};
use crate::diagnostic::{Code, Diagnostic};
use crate::model::*;
use crate::source::Span;

impl Resolver<'_> {
    /// W001: declarations nothing refers to. Exercises count as used when a rule advises them
    /// (directly or through a category); exclusive groups always count as used.
    pub(super) fn warn_unused(&mut self) {
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
