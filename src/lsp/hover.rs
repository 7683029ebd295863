//! Hover: what a name is — its kind, label, category ancestry, and for a rule the exercises it
//! advises, its reason, citations and dose.

use lsp_types::{Hover, HoverContents, MarkupContent, MarkupKind};

use super::index::{DeclRef, Namespace, RulesetIndex};
use super::workspace::Ruleset;
use crate::syntax::ast;

pub fn hover(ruleset: &Ruleset, file: usize, offset: usize) -> Option<Hover> {
    let index = ruleset.index();
    let occurrence = index.files[file].at(offset)?;
    let text = match index.resolve(occurrence) {
        Some(decl) => describe(ruleset, index, decl),
        None => format!("`{}` is not declared in this ruleset", occurrence.name),
    };
    Some(Hover {
        contents: HoverContents::Markup(MarkupContent {
            kind: MarkupKind::Markdown,
            value: text,
        }),
        range: Some(ruleset.range_of(file, occurrence.start, occurrence.end)),
    })
}

fn label(text: &Option<ast::Text>) -> String {
    text.as_ref()
        .map(|t| format!(" — {}", t.value))
        .unwrap_or_default()
}

fn list(names: &[String]) -> String {
    names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The Markdown shown for a declaration.
pub fn describe(ruleset: &Ruleset, index: &RulesetIndex, decl: DeclRef) -> String {
    let d = index.decl(decl);
    let mut lines = Vec::new();
    match index.item(decl) {
        ast::Item::Ruleset(r) => {
            lines.push(format!("**ruleset** `{}`{}", d.name, label(&r.title)));
            if let Some(v) = &r.version {
                lines.push(format!("version {}", v.value));
            }
        }
        ast::Item::Fact(f) => {
            lines.push(format!(
                "**{}** `{}`{}",
                d.kind.word(),
                d.name,
                label(&f.label)
            ));
            let groups: Vec<String> = index
                .all()
                .filter_map(|g| match index.item(g) {
                    ast::Item::Exclusive(x) if x.members.iter().any(|m| m.text == d.name) => {
                        Some(x.name.text.to_string())
                    }
                    _ => None,
                })
                .collect();
            if !groups.is_empty() {
                lines.push(format!(
                    "exclusive with the other members of {}",
                    list(&groups)
                ));
            }
        }
        ast::Item::Exclusive(x) => {
            lines.push(format!(
                "**exclusive group** `{}`{}",
                d.name,
                label(&x.label)
            ));
            let members: Vec<String> = x.members.iter().map(|m| m.text.to_string()).collect();
            lines.push(format!("at most one of {} holds", list(&members)));
        }
        ast::Item::Measure(m) => {
            lines.push(format!("**measure** `{}`{}", d.name, label(&m.label)));
            if let Some(u) = &m.unit {
                lines.push(format!("unit: {}", u.value));
            }
            if let Some(r) = &m.range {
                let text = ruleset_text(ruleset, decl, r.span);
                lines.push(format!("range: {text}"));
            }
            codes(&m.codes, &mut lines);
        }
        ast::Item::Category(c) => {
            lines.push(format!("**category** `{}`{}", d.name, label(&c.label)));
            ancestry(index, decl, &mut lines);
            let exercises = index.exercises_of(&d.name);
            lines.push(format!(
                "{} exercise{}: {}",
                exercises.len(),
                if exercises.len() == 1 { "" } else { "s" },
                short_list(&exercises)
            ));
        }
        ast::Item::Exercise(e) => {
            lines.push(format!("**exercise** `{}`{}", d.name, label(&e.label)));
            ancestry(index, decl, &mut lines);
        }
        ast::Item::Source(s) => {
            lines.push(format!("**source** `{}`", d.name));
            lines.push(s.text.value.clone());
            if let Some(url) = &s.url {
                lines.push(format!("<{}>", url.value));
            }
        }
        ast::Item::Rule(r) => rule(ruleset, index, decl, r, &mut lines),
        ast::Item::Test(_) => {}
    }
    lines.join("\n\n")
}

fn codes(codes: &[ast::Text], lines: &mut Vec<String>) {
    if !codes.is_empty() {
        let all: Vec<String> = codes.iter().map(|c| c.value.clone()).collect();
        lines.push(format!("codes: {}", list(&all)));
    }
}

fn short_list(names: &[String]) -> String {
    const SHOWN: usize = 12;
    if names.len() <= SHOWN {
        return list(names);
    }
    format!("{} and {} more", list(&names[..SHOWN]), names.len() - SHOWN)
}

fn ancestry(index: &RulesetIndex, decl: DeclRef, lines: &mut Vec<String>) {
    let parents: Vec<String> = index
        .parents(decl)
        .iter()
        .map(|p| p.text.to_string())
        .collect();
    if parents.is_empty() {
        return;
    }
    lines.push(format!("in {}", list(&parents)));
    let ancestors = index.ancestors(decl);
    if ancestors.len() > parents.len() {
        lines.push(format!("belongs to {}", list(&ancestors)));
    }
}

/// The source text of a span in the file of a declaration.
fn ruleset_text(ruleset: &Ruleset, decl: DeclRef, span: crate::source::Span) -> String {
    ruleset
        .text(decl.file)
        .get(span.range())
        .unwrap_or("")
        .to_string()
}

fn rule(
    ruleset: &Ruleset,
    index: &RulesetIndex,
    decl: DeclRef,
    r: &ast::RuleItem,
    lines: &mut Vec<String>,
) {
    let d = index.decl(decl);
    let targets: Vec<String> = r
        .action
        .targets
        .iter()
        .map(|t| t.text.to_string())
        .collect();
    let except: Vec<String> = r.action.except.iter().map(|t| t.text.to_string()).collect();
    let except = if except.is_empty() {
        String::new()
    } else {
        format!(" except {}", list(&except))
    };
    lines.push(format!(
        "**rule** `{}`: {} {}{except}",
        d.name,
        r.action.action.as_str(),
        list(&targets)
    ));
    if let Some(when) = r.cond.as_ref().map(|c| c.span()) {
        let mut condition = ruleset_text(ruleset, decl, when);
        if let Some(unless) = &r.unless {
            condition.push_str(&format!(
                " unless {}",
                ruleset_text(ruleset, decl, unless.span())
            ));
        }
        lines.push(format!("if {condition}"));
    }
    // The resolved exercises: from the model when the ruleset compiles, from the names otherwise.
    let from_model = ruleset.compilation.model.as_ref().and_then(|m| {
        let rule = m.rules.iter().find(|x| x.id == d.name)?;
        Some(
            rule.exercises
                .iter()
                .map(|&e| m.exercises[e].name.clone())
                .collect::<Vec<_>>(),
        )
    });
    let exercises = from_model.unwrap_or_else(|| {
        let except: Vec<String> = r
            .action
            .except
            .iter()
            .flat_map(|t| index.exercises_of(&t.text))
            .collect();
        let mut all: Vec<String> = targets
            .iter()
            .flat_map(|t| index.exercises_of(t))
            .filter(|e| !except.contains(e))
            .collect();
        all.sort();
        all.dedup();
        all
    });
    if exercises != targets {
        lines.push(format!("advises {}", short_list(&exercises)));
    }
    if let Some(dose) = &r.action.dose {
        lines.push(format!("dose: {}", ruleset_text(ruleset, decl, dose.span)));
    }
    if let Some(stop) = r.stop_if() {
        lines.push(format!("stop if: {}", stop.value));
    }
    if let Some(because) = r.because() {
        lines.push(format!("because: {}", because.value));
    }
    for cite in &r.cite {
        let source = &cite.source;
        let cited = index
            .lookup(Namespace::Vocabulary, &source.text)
            .iter()
            .find_map(|&s| match index.item(s) {
                ast::Item::Source(s) => Some(s.text.value.clone()),
                _ => None,
            })
            .unwrap_or_else(|| "(not declared)".to_string());
        let locator = cite
            .locator
            .as_ref()
            .map(|l| format!(" ({})", l.value))
            .unwrap_or_default();
        lines.push(format!("cites `{}`{locator}: {cited}", source.text));
    }
    let mut meta = Vec::new();
    if let Some(e) = r.evidence() {
        meta.push(format!("evidence {}", e.text));
    }
    if let Some(s) = r.strength() {
        meta.push(format!("strength {}", s.text));
    }
    if let Some(s) = r.status() {
        meta.push(format!("status {}", s.text));
    }
    if r.prevails().is_some() {
        meta.push("prevails".to_string());
    }
    if let Some(date) = r.reviewed() {
        meta.push(format!("reviewed {}", date.value));
    }
    if !meta.is_empty() {
        lines.push(meta.join(" · "));
    }
    let overrides: Vec<String> = r.overrides().iter().map(|o| o.text.to_string()).collect();
    if !overrides.is_empty() {
        lines.push(format!("overrides {}", list(&overrides)));
    }
}
