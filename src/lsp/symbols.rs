//! Document symbols (the outline of a file) and workspace symbols (every declaration).

use lsp_types::{DocumentSymbol, SymbolInformation, SymbolKind};

use super::index::{Declared, Kind};
use super::workspace::Ruleset;
use crate::syntax::ast;

fn symbol_kind(kind: Kind) -> SymbolKind {
    match kind {
        Kind::Ruleset => SymbolKind::PACKAGE,
        Kind::Condition | Kind::Factor => SymbolKind::VARIABLE,
        Kind::Exclusive => SymbolKind::ENUM,
        Kind::Measure => SymbolKind::FIELD,
        Kind::Category => SymbolKind::MODULE,
        Kind::Exercise => SymbolKind::CLASS,
        Kind::Source => SymbolKind::STRING,
        Kind::Rule => SymbolKind::FUNCTION,
    }
}

/// The outline of a file: every item, in order (tests by their title).
#[allow(deprecated)] // `DocumentSymbol::deprecated` must still be given.
pub fn document(ruleset: &Ruleset, file: usize) -> Vec<DocumentSymbol> {
    let index = &ruleset.index().files[file];
    let declared: std::collections::HashMap<usize, &Declared> =
        index.declared.iter().map(|d| (d.item, d)).collect();
    let mut out = Vec::new();
    for (i, item) in index.tree.items.iter().enumerate() {
        let span = super::index::item_span(item);
        let (name, kind, start, end, detail) = match (declared.get(&i), item) {
            (Some(d), _) => (
                d.name.clone(),
                symbol_kind(d.kind),
                d.start,
                d.end,
                Some(d.kind.word().to_string()),
            ),
            (None, ast::Item::Test(t)) => (
                format!("test \"{}\"", t.name.value),
                SymbolKind::EVENT,
                t.name.span.start(),
                t.name.span.end(),
                Some("test".to_string()),
            ),
            _ => continue,
        };
        let range = ruleset.range_of(file, span.start(), span.end());
        out.push(DocumentSymbol {
            name,
            detail,
            kind,
            tags: None,
            deprecated: None,
            range,
            selection_range: ruleset.range_of(
                file,
                start.max(span.start()),
                end.min(span.end()).max(start),
            ),
            children: None,
        });
    }
    out
}

/// Every declaration of every ruleset whose name contains the query's characters in order.
#[allow(deprecated)] // `SymbolInformation::deprecated` must still be given.
pub fn workspace(rulesets: &[Ruleset], query: &str) -> Vec<SymbolInformation> {
    const LIMIT: usize = 500;
    let query = query.to_lowercase();
    let mut out = Vec::new();
    for ruleset in rulesets {
        let index = ruleset.index();
        for r in index.all() {
            let d = index.decl(r);
            if !matches_fuzzy(&d.name, &query) {
                continue;
            }
            out.push(SymbolInformation {
                name: d.name.clone(),
                kind: symbol_kind(d.kind),
                tags: None,
                deprecated: None,
                location: ruleset.location(r.file, d.start, d.end),
                container_name: Some(d.kind.word().to_string()),
            });
            if out.len() >= LIMIT {
                return out;
            }
        }
    }
    out
}

/// Whether `name` contains the characters of `query` in order.
fn matches_fuzzy(name: &str, query: &str) -> bool {
    let mut chars = name.chars();
    query.chars().all(|q| chars.any(|c| c == q))
}
