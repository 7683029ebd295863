//! Carel's diagnostics as LSP diagnostics: one list per file, with the secondary labels (the
//! other rule of a conflict, the first declaration of a duplicate) as related information.

use lsp_types::{DiagnosticRelatedInformation, DiagnosticSeverity, NumberOrString, Uri};

use super::workspace::Ruleset;
use crate::diagnostic::{Diagnostic, Severity};

/// Every file of the ruleset with its diagnostics (an empty list clears a file's old ones).
pub fn by_file(ruleset: &Ruleset) -> Vec<(Uri, Vec<lsp_types::Diagnostic>)> {
    let mut out: Vec<(Uri, Vec<lsp_types::Diagnostic>)> = ruleset
        .files
        .iter()
        .map(|f| (f.uri.clone(), Vec::new()))
        .collect();
    for d in &ruleset.compilation.diagnostics {
        if let Some((_, list)) = out.get_mut(d.span.file()) {
            list.push(convert(ruleset, d));
        }
    }
    out
}

pub fn convert(ruleset: &Ruleset, d: &Diagnostic) -> lsp_types::Diagnostic {
    let mut message = d.message.clone();
    if !d.label.is_empty() && !d.message.contains(&d.label) {
        message.push_str(&format!(" ({})", d.label));
    }
    for note in &d.notes {
        message.push_str(&format!("\nnote: {note}"));
    }
    if let Some(help) = &d.help {
        message.push_str(&format!("\nhelp: {help}"));
    }
    let related: Vec<DiagnosticRelatedInformation> = d
        .secondary
        .iter()
        .filter(|l| l.span.file() < ruleset.files.len())
        .map(|l| DiagnosticRelatedInformation {
            location: ruleset.location(l.span.file(), l.span.start(), l.span.end()),
            message: if l.message.is_empty() {
                "see also".to_string()
            } else {
                l.message.clone()
            },
        })
        .collect();
    lsp_types::Diagnostic {
        range: ruleset.range(d.span),
        severity: Some(match d.severity() {
            Severity::Error => DiagnosticSeverity::ERROR,
            Severity::Warning => DiagnosticSeverity::WARNING,
        }),
        code: Some(NumberOrString::String(d.code.as_str().to_string())),
        code_description: None,
        source: Some("carel".to_string()),
        message,
        related_information: (!related.is_empty()).then_some(related),
        tags: None,
        data: None,
    }
}
