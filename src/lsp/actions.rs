//! Code actions: the fixes diagnostics carry (did-you-mean), and for a contradiction (E010) the
//! three ways to resolve it — an `overrides` with its reason, a sharper condition with
//! `unless`, or an `exclusive` declaration — and for a rule without a citation (W007) a `cite`.

use std::collections::HashMap;

use lsp_types::{CodeAction, CodeActionKind, TextEdit, Uri, WorkspaceEdit};

use super::index::{DeclRef, Kind, Namespace};
use super::workspace::Ruleset;
use crate::analysis::ConflictKind;
use crate::diagnostic::Code;
use crate::model::{Expr, Model, RuleId};
use crate::source::Span;
use crate::syntax::ast;

/// The actions for a byte range of a file.
pub fn actions(ruleset: &Ruleset, file: usize, start: usize, end: usize) -> Vec<CodeAction> {
    let touches = |span: Span| span.file() == file && span.start() <= end && start <= span.end();
    let mut out = Vec::new();
    for d in &ruleset.compilation.diagnostics {
        if !touches(d.span) {
            continue;
        }
        let lsp_diagnostic = super::diagnostics::convert(ruleset, d);
        for fix in &d.fixes {
            let edits = fix
                .edits
                .iter()
                .map(|(span, text)| (span.file(), span.start(), span.end(), text.clone()))
                .collect();
            out.push(action(
                ruleset,
                &fix.title,
                edits,
                Some(&lsp_diagnostic),
                true,
            ));
        }
        if d.code == Code::W007 {
            out.extend(cite(ruleset, d.span, &lsp_diagnostic));
        }
    }
    out.extend(contradictions(ruleset, &touches));
    out
}

type Edit = (usize, usize, usize, String);

fn action(
    ruleset: &Ruleset,
    title: &str,
    edits: Vec<Edit>,
    diagnostic: Option<&lsp_types::Diagnostic>,
    preferred: bool,
) -> CodeAction {
    let mut changes: HashMap<Uri, Vec<TextEdit>> = HashMap::new();
    for (file, start, end, text) in edits {
        changes
            .entry(ruleset.files[file].uri.clone())
            .or_default()
            .push(TextEdit::new(ruleset.range_of(file, start, end), text));
    }
    CodeAction {
        title: title.to_string(),
        kind: Some(CodeActionKind::QUICKFIX),
        diagnostics: diagnostic.map(|d| vec![d.clone()]),
        edit: Some(WorkspaceEdit::new(changes)),
        is_preferred: preferred.then_some(true),
        ..CodeAction::default()
    }
}

/// The rule item written at a span (the model's rule span), with its file's declaration.
fn rule_item(ruleset: &Ruleset, span: Span) -> Option<(DeclRef, &ast::RuleItem)> {
    let index = ruleset.index();
    index.all().find_map(|d| {
        if d.file != span.file() || index.decl(d).kind != Kind::Rule {
            return None;
        }
        match index.item(d) {
            ast::Item::Rule(r) if r.span.start() == span.start() => Some((d, &**r)),
            _ => None,
        }
    })
}

/// A clause added at the end of a rule: on a line of its own when the rule spans several lines,
/// on its line otherwise.
fn add_clause(ruleset: &Ruleset, file: usize, rule: &ast::RuleItem, clause: &str) -> Edit {
    let at = rule.span.end();
    let written = ruleset.text(file).get(rule.span.range()).unwrap_or("");
    let text = if written.contains('\n') {
        format!("\n  {clause}")
    } else {
        format!(" {clause}")
    };
    (file, at, at, text)
}

fn cite(ruleset: &Ruleset, span: Span, diagnostic: &lsp_types::Diagnostic) -> Vec<CodeAction> {
    const SHOWN: usize = 5;
    let index = ruleset.index();
    let Some((_, rule)) = index.all().find_map(|d| match index.item(d) {
        ast::Item::Rule(r)
            if d.file == span.file()
                && r.span.start() <= span.start()
                && span.end() <= r.span.end() =>
        {
            Some((d, &**r))
        }
        _ => None,
    }) else {
        return Vec::new();
    };
    let sources: Vec<String> = index
        .all()
        .filter(|&d| index.decl(d).kind == Kind::Source)
        .map(|d| index.decl(d).name.clone())
        .take(SHOWN)
        .collect();
    sources
        .iter()
        .map(|s| {
            let edit = add_clause(ruleset, span.file(), rule, &format!("cite {s}"));
            action(
                ruleset,
                &format!("Cite `{s}`"),
                vec![edit],
                Some(diagnostic),
                false,
            )
        })
        .collect()
}

/// The facts a rule's condition requires: its plain facts at the top level.
fn required_facts(model: &Model, rule: RuleId) -> Vec<String> {
    let fact = |e: &Expr| match e {
        Expr::Fact(f) => Some(model.facts[*f].name.clone()),
        _ => None,
    };
    match &model.rules[rule].when {
        Expr::All(parts) => parts.iter().filter_map(fact).collect(),
        other => fact(other).into_iter().collect(),
    }
}

fn contradictions(ruleset: &Ruleset, touches: &dyn Fn(Span) -> bool) -> Vec<CodeAction> {
    let (Some(model), Some(analysis)) = (
        ruleset.compilation.model.as_ref(),
        ruleset.compilation.analysis.as_ref(),
    ) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for c in &analysis.conflicts {
        if c.kind != ConflictKind::Contradiction || c.resolved_by.is_some() {
            continue;
        }
        let [i, j] = c.rules;
        let (a, b) = (&model.rules[i], &model.rules[j]);
        if !touches(a.action_span)
            && !touches(b.action_span)
            && !touches(a.head_span)
            && !touches(b.head_span)
        {
            continue;
        }
        let diagnostic = ruleset
            .compilation
            .diagnostics
            .iter()
            .find(|d| d.code == Code::E010 && (d.span == a.action_span || d.span == b.action_span))
            .map(|d| super::diagnostics::convert(ruleset, d));
        let diagnostic = diagnostic.as_ref();
        let (Some((decl_a, item_a)), Some((decl_b, item_b))) =
            (rule_item(ruleset, a.span), rule_item(ruleset, b.span))
        else {
            continue;
        };
        // The more protective rule prevailing comes first: it is the safer default.
        let mut pairs = [(i, decl_a.file, item_a, j), (j, decl_b.file, item_b, i)];
        if model.rules[pairs[0].0].action.protectiveness()
            < model.rules[pairs[1].0].action.protectiveness()
        {
            pairs.swap(0, 1);
        }
        // `prevails` on the more protective rule: it then outranks every less protective rule
        // on its exercises, this one included.
        let (strict, strict_file, strict_item, _) = pairs[0];
        if strict_item.prevails().is_none() {
            let mut edits = vec![add_clause(ruleset, strict_file, strict_item, "prevails")];
            if strict_item.because().is_none() {
                edits.push(add_clause(
                    ruleset,
                    strict_file,
                    strict_item,
                    "because \"Explain why this advice prevails.\"",
                ));
            }
            out.push(action(
                ruleset,
                &format!(
                    "Let `{}` ({}) prevail over less protective advice",
                    model.rules[strict].id,
                    model.rules[strict].action.as_str()
                ),
                merge(edits),
                diagnostic,
                false,
            ));
        }
        for (winner, file, item, loser) in pairs {
            let (w, l) = (&model.rules[winner], &model.rules[loser]);
            let mut edits = Vec::new();
            match item.overrides().last() {
                Some(last) => edits.push((
                    file,
                    last.span.end(),
                    last.span.end(),
                    format!(", {}", l.id),
                )),
                None => edits.push(add_clause(
                    ruleset,
                    file,
                    item,
                    &format!("overrides {}", l.id),
                )),
            }
            if item.because().is_none() {
                edits.push(add_clause(
                    ruleset,
                    file,
                    item,
                    "because \"Explain why this advice prevails.\"",
                ));
            }
            // Two insertions at one place: merge them so that their order is certain.
            let edits = merge(edits);
            out.push(action(
                ruleset,
                &format!(
                    "Let `{}` ({}) override `{}` ({})",
                    w.id,
                    w.action.as_str(),
                    l.id,
                    l.action.as_str()
                ),
                edits,
                diagnostic,
                false,
            ));
        }
        for (x, file, item, y) in [(i, decl_a.file, item_a, j), (j, decl_b.file, item_b, i)] {
            let mine = required_facts(model, x);
            let Some(fact) = required_facts(model, y)
                .into_iter()
                .find(|f| !mine.contains(f))
            else {
                continue;
            };
            let edit = match &item.unless {
                Some(existing) => {
                    let span = existing.span();
                    let old = ruleset.text(file).get(span.range()).unwrap_or("");
                    (file, span.start(), span.end(), format!("({old}) or {fact}"))
                }
                None => add_clause(ruleset, file, item, &format!("unless {fact}")),
            };
            out.push(action(
                ruleset,
                &format!("Add `unless {fact}` to `{}`", model.rules[x].id),
                vec![edit],
                diagnostic,
                false,
            ));
        }
        let (ri, rj) = (required_facts(model, i), required_facts(model, j));
        let fi = ri.iter().find(|f| !rj.contains(f));
        let fj = rj.iter().find(|f| !ri.contains(f));
        if let (Some(fi), Some(fj)) = (fi, fj) {
            let index = ruleset.index();
            let decl = index
                .lookup(Namespace::Vocabulary, fj)
                .iter()
                .copied()
                .find(|&d| matches!(index.decl(d).kind, Kind::Condition | Kind::Factor));
            if let Some(d) = decl {
                let at = super::index::item_span(index.item(d)).end();
                out.push(action(
                    ruleset,
                    &format!("Declare `{fi}` and `{fj}` exclusive (no patient has both)"),
                    vec![(
                        d.file,
                        at,
                        at,
                        format!("\nexclusive {fi}_or_{fj}: {fi}, {fj}"),
                    )],
                    diagnostic,
                    false,
                ));
            }
        }
    }
    out
}

/// Join insertions at the same place into one, in order.
fn merge(edits: Vec<Edit>) -> Vec<Edit> {
    let mut out: Vec<Edit> = Vec::new();
    for e in edits {
        match out.last_mut() {
            Some(last) if last.0 == e.0 && last.1 == e.1 && last.2 == e.2 && e.1 == e.2 => {
                last.3.push_str(&e.3)
            }
            _ => out.push(e),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use lsp_types::Uri;

    use super::*;
    use crate::lsp::workspace::Session;

    /// The actions at `needle` in a one-file ruleset, with each action's edits applied.
    fn fixes(text: &str, needle: &str) -> Vec<(String, String)> {
        let uri = Uri::from_str("untitled:rules.carel").unwrap();
        let mut session = Session::new(None);
        session.open(uri.clone(), text.to_string(), 1);
        let (ruleset, file) = session.find_indexed(&uri).unwrap();
        let at = text.find(needle).unwrap();
        actions(ruleset, file, at, at)
            .into_iter()
            .map(|a| {
                let mut edits: Vec<TextEdit> =
                    a.edit.unwrap().changes.unwrap().remove(&uri).unwrap();
                edits.sort_by_key(|e| (e.range.start.line, e.range.start.character));
                let mut out = text.to_string();
                for e in edits.iter().rev() {
                    let lines = crate::lsp::position::LineIndex::new(text);
                    let (s, t) = (
                        lines.offset(text, e.range.start),
                        lines.offset(text, e.range.end),
                    );
                    out.replace_range(s..t, &e.new_text);
                }
                (a.title, out)
            })
            .collect()
    }

    const CONTRADICTION: &str = "condition a\ncondition b\nexercise w\nsource s \"S\"\n\
        rule yes:\n  if a\n  then recommend w\n  cite s\n\
        rule no:\n  if b\n  then avoid w\n  cite s\n";

    #[test]
    fn every_contradiction_fix_resolves_it() {
        let found = fixes(CONTRADICTION, "avoid");
        let titles: Vec<&str> = found.iter().map(|(t, _)| t.as_str()).collect();
        assert_eq!(
            titles,
            [
                "Let `no` (avoid) prevail over less protective advice",
                "Let `no` (avoid) override `yes` (recommend)",
                "Let `yes` (recommend) override `no` (avoid)",
                "Add `unless b` to `yes`",
                "Add `unless a` to `no`",
                "Declare `a` and `b` exclusive (no patient has both)",
            ]
        );
        for (title, text) in &found {
            let c = crate::compile(&crate::source::Sources::single(
                "rules.carel",
                text.as_str(),
            ));
            assert!(
                !c.diagnostics.iter().any(|d| d.is_error()),
                "{title}:\n{text}\n{:?}",
                c.diagnostics
            );
        }
        assert!(found[0].1.contains(
            "  then avoid w\n  cite s\n  prevails\n  because \"Explain why this advice prevails.\""
        ));
    }

    #[test]
    fn a_rule_without_a_citation_gets_one() {
        let text = "condition a\nexercise w\nsource guide \"G\"\nif a then avoid w\n";
        let found = fixes(text, "if a");
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].0, "Cite `guide`");
        assert_eq!(
            found[0].1,
            text.replace("avoid w\n", "avoid w cite guide\n")
        );
    }
}
