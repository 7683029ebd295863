//! Renderings of diagnostics: human (codespan-reporting), JSON (§7 of the contract) and SARIF 2.1.0.

use codespan_reporting::diagnostic as cs;
use codespan_reporting::term::{self, Config, WriteStyle};
use serde_json::{Value, json};

use super::{Diagnostic, Severity, count};
use crate::source::Sources;

fn to_codespan(d: &Diagnostic) -> cs::Diagnostic<usize> {
    let severity = match d.severity() {
        Severity::Error => cs::Severity::Error,
        Severity::Warning => cs::Severity::Warning,
    };
    let mut labels = vec![cs::Label::primary(d.span.file, d.span.range()).with_message(&d.label)];
    labels.extend(
        d.secondary
            .iter()
            .map(|l| cs::Label::secondary(l.span.file, l.span.range()).with_message(&l.message)),
    );
    let mut notes: Vec<String> = d.notes.iter().map(|n| format!("note: {n}")).collect();
    if let Some(help) = &d.help {
        notes.push(format!("help: {help}"));
    }
    cs::Diagnostic::new(severity)
        .with_code(d.code.as_str())
        .with_message(&d.message)
        .with_labels(labels)
        .with_notes(notes)
}

/// Write diagnostics for people, followed by a summary line. Styling goes through `out`:
/// pass a colour-capable writer only when colour is wanted.
pub fn human<W: WriteStyle + ?Sized>(
    out: &mut W,
    sources: &Sources,
    diagnostics: &[Diagnostic],
) -> std::io::Result<()> {
    let config = Config::default();
    for d in diagnostics {
        term::emit_to_write_style(out, &config, sources, &to_codespan(d)).map_err(|e| match e {
            codespan_reporting::files::Error::Io(e) => e,
            other => std::io::Error::other(other.to_string()),
        })?;
    }
    let (errors, warnings) = count(diagnostics);
    writeln!(out, "{}", summary(errors, warnings))
}

/// `2 errors, 1 warning` / `no problems found`.
pub fn summary(errors: usize, warnings: usize) -> String {
    fn plural(n: usize, word: &str) -> String {
        format!("{n} {word}{}", if n == 1 { "" } else { "s" })
    }
    if errors == 0 && warnings == 0 {
        "no problems found".to_string()
    } else {
        format!(
            "{}, {}",
            plural(errors, "error"),
            plural(warnings, "warning")
        )
    }
}

/// Render diagnostics as plain text (no colour), as the tests' snapshots store them.
pub fn human_string(sources: &Sources, diagnostics: &[Diagnostic]) -> String {
    let mut buf = Vec::new();
    {
        let mut w = codespan_reporting::term::termcolor::NoColor::new(&mut buf);
        // Writing to a Vec cannot fail.
        let _ = human(&mut w, sources, diagnostics);
    }
    String::from_utf8_lossy(&buf).into_owned()
}

fn position(sources: &Sources, d: &Diagnostic) -> (String, usize, usize, usize, usize) {
    let file = sources.get(d.span.file);
    let (line, column) = file.line_col(d.span.start);
    let (end_line, end_column) = file.line_col(d.span.end);
    (file.name.clone(), line, column, end_line, end_column)
}

fn label_json(sources: &Sources, l: &super::Label) -> Value {
    let file = sources.get(l.span.file);
    let (line, column) = file.line_col(l.span.start);
    let (end_line, end_column) = file.line_col(l.span.end);
    json!({
        "file": file.name, "line": line, "column": column,
        "end_line": end_line, "end_column": end_column, "message": l.message,
    })
}

/// The `check --format json` object: `{"diagnostics": [...], "errors": N, "warnings": N}`.
pub fn json(sources: &Sources, diagnostics: &[Diagnostic]) -> Value {
    let items: Vec<Value> = diagnostics
        .iter()
        .map(|d| {
            let (file, line, column, end_line, end_column) = position(sources, d);
            json!({
                "code": d.code.as_str(),
                "severity": d.severity().as_str(),
                "message": d.message,
                "file": file,
                "line": line,
                "column": column,
                "end_line": end_line,
                "end_column": end_column,
                "label": d.label,
                "labels": d.secondary.iter().map(|l| label_json(sources, l)).collect::<Vec<_>>(),
                "notes": d.notes,
                "help": d.help,
            })
        })
        .collect();
    let (errors, warnings) = count(diagnostics);
    json!({"diagnostics": items, "errors": errors, "warnings": warnings})
}

/// A SARIF 2.1.0 log with one run; columns count Unicode code points.
pub fn sarif(sources: &Sources, diagnostics: &[Diagnostic]) -> Value {
    let rules: Vec<Value> = super::Code::ALL
        .iter()
        .map(|c| {
            json!({
                "id": c.as_str(),
                "name": c.title(),
                "shortDescription": {"text": c.title()},
                "fullDescription": {"text": c.explanation().trim()},
                "defaultConfiguration": {"level": c.severity().as_str()},
            })
        })
        .collect();
    let region = |sources: &Sources, span: crate::source::Span| {
        let file = sources.get(span.file);
        let (line, column) = file.line_col(span.start);
        let (end_line, end_column) = file.line_col(span.end);
        json!({
            "artifactLocation": {"uri": file.name},
            "region": {"startLine": line, "startColumn": column, "endLine": end_line, "endColumn": end_column},
        })
    };
    let results: Vec<Value> = diagnostics
        .iter()
        .map(|d| {
            let mut text = d.message.clone();
            for note in &d.notes {
                text.push_str(&format!("\nnote: {note}"));
            }
            if let Some(help) = &d.help {
                text.push_str(&format!("\nhelp: {help}"));
            }
            json!({
                "ruleId": d.code.as_str(),
                "level": d.severity().as_str(),
                "message": {"text": text},
                "locations": [{"physicalLocation": region(sources, d.span)}],
                "relatedLocations": d.secondary.iter().enumerate().map(|(i, l)| json!({
                    "id": i + 1,
                    "physicalLocation": region(sources, l.span),
                    "message": {"text": l.message},
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "carel",
                "version": env!("CARGO_PKG_VERSION"),
                "rules": rules,
            }},
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    })
}
