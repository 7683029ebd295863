//! Renderings of diagnostics: human (codespan-reporting) and JSON (§7 of the contract); SARIF
//! is in [`super::sarif`].

use codespan_reporting::diagnostic as cs;
use codespan_reporting::term::{self, Config, WriteStyle};
use serde_json::{Value, json};

use std::collections::BTreeMap;
use std::ops::Range;

use super::{Diagnostic, Severity, count};
use crate::source::{FileId, Sources};

/// Lines longer than this (in bytes) are shown in part: the stretch around the labels on them.
/// Without this, many diagnostics on one multi-megabyte line would each print all of it.
const LONG_LINE: usize = 1000;
/// How much of a long line is shown on either side of the labels on it.
const CONTEXT: usize = 100;

/// The source as one diagnostic shows it: long lines cut down to windows around its labels,
/// while line and column numbers still count in the whole line.
struct Excerpt<'a> {
    sources: &'a Sources,
    /// (file, 0-based line) → the part of that long line to show.
    windows: BTreeMap<(FileId, usize), Range<usize>>,
}

impl<'a> Excerpt<'a> {
    fn new(sources: &'a Sources, d: &Diagnostic) -> Excerpt<'a> {
        // The byte range each labelled line must show: where labels start and end on it.
        let mut needed: BTreeMap<(FileId, usize), Range<usize>> = BTreeMap::new();
        let spans = std::iter::once(d.span).chain(d.secondary.iter().map(|l| l.span));
        for span in spans.filter(|s| s.file() < sources.len()) {
            let file = sources.get(span.file());
            let (start, end) = (
                span.start().min(file.text.len()),
                span.end().min(file.text.len()),
            );
            let (first, last) = (file.line_index(start), file.line_index(end));
            let mut need = |line: usize, lo: usize, hi: usize| {
                let r = needed.entry((span.file(), line)).or_insert(lo..hi);
                r.start = r.start.min(lo);
                r.end = r.end.max(hi);
            };
            if first == last {
                need(first, start, end);
            } else {
                need(first, start, start);
                need(last, end, end);
            }
        }
        let windows = needed
            .into_iter()
            .filter_map(|((f, line), need)| {
                let file = sources.get(f);
                let whole = file.line_range(line);
                if whole.len() <= LONG_LINE {
                    return None;
                }
                let lo = need
                    .start
                    .saturating_sub(CONTEXT)
                    .max(whole.start)
                    .min(need.start);
                let hi = need
                    .end
                    .saturating_add(CONTEXT)
                    .min(whole.end)
                    .max(need.end);
                let window = file.text.floor_char_boundary(lo)..file.text.ceil_char_boundary(hi);
                Some(((f, line), window))
            })
            .collect();
        Excerpt { sources, windows }
    }

    /// Notes saying which lines are shown in part.
    fn notes(&self) -> Vec<String> {
        self.windows
            .keys()
            .map(|&(f, line)| {
                let file = self.sources.get(f);
                let chars = file.line_col(file.line_range(line).end).1 - 1;
                format!(
                    "note: line {} of {} is {chars} characters long; only the part around the problem is shown",
                    line + 1,
                    file.name
                )
            })
            .collect()
    }
}

impl<'a> codespan_reporting::files::Files<'a> for Excerpt<'a> {
    type FileId = FileId;
    type Name = &'a str;
    type Source = &'a str;

    fn name(&'a self, id: FileId) -> Result<&'a str, codespan_reporting::files::Error> {
        self.sources.name(id)
    }

    fn source(&'a self, id: FileId) -> Result<&'a str, codespan_reporting::files::Error> {
        self.sources.source(id)
    }

    fn line_index(
        &'a self,
        id: FileId,
        byte_index: usize,
    ) -> Result<usize, codespan_reporting::files::Error> {
        codespan_reporting::files::Files::line_index(self.sources, id, byte_index)
    }

    fn line_range(
        &'a self,
        id: FileId,
        line_index: usize,
    ) -> Result<Range<usize>, codespan_reporting::files::Error> {
        let full = codespan_reporting::files::Files::line_range(self.sources, id, line_index)?;
        if let Some(window) = self.windows.get(&(id, line_index)) {
            return Ok(window.clone());
        }
        if full.len() <= LONG_LINE {
            return Ok(full);
        }
        // A long line shown for context only: its beginning.
        let text = self.sources.get(id).text.as_str();
        Ok(full.start..text.floor_char_boundary(full.start + LONG_LINE))
    }

    fn column_number(
        &'a self,
        id: FileId,
        _line_index: usize,
        byte_index: usize,
    ) -> Result<usize, codespan_reporting::files::Error> {
        if id >= self.sources.len() {
            return Err(codespan_reporting::files::Error::FileMissing);
        }
        Ok(self.sources.line_col(id, byte_index).1)
    }
}

fn to_codespan(d: &Diagnostic, extra_notes: Vec<String>) -> cs::Diagnostic<usize> {
    let severity = match d.severity() {
        Severity::Error => cs::Severity::Error,
        Severity::Warning => cs::Severity::Warning,
    };
    let mut labels = vec![cs::Label::primary(d.span.file(), d.span.range()).with_message(&d.label)];
    labels.extend(
        d.secondary
            .iter()
            .map(|l| cs::Label::secondary(l.span.file(), l.span.range()).with_message(&l.message)),
    );
    let mut notes: Vec<String> = d.notes.iter().map(|n| format!("note: {n}")).collect();
    if let Some(help) = &d.help {
        notes.push(format!("help: {help}"));
    }
    notes.extend(extra_notes);
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
        let excerpt = Excerpt::new(sources, d);
        let shown = to_codespan(d, excerpt.notes());
        term::emit_to_write_style(out, &config, &excerpt, &shown).map_err(|e| match e {
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
    let file = sources.get(d.span.file());
    let (line, column) = file.line_col(d.span.start());
    let (end_line, end_column) = file.line_col(d.span.end());
    (file.name.clone(), line, column, end_line, end_column)
}

fn label_json(sources: &Sources, l: &super::Label) -> Value {
    let file = sources.get(l.span.file());
    let (line, column) = file.line_col(l.span.start());
    let (end_line, end_column) = file.line_col(l.span.end());
    json!({
        "file": file.name, "line": line, "column": column,
        "end_line": end_line, "end_column": end_column, "message": l.message,
    })
}

/// The version of the `check --format json` object; raised when a key changes meaning or goes.
pub const JSON_VERSION: u32 = 1;

/// The `check --format json` object (docs/diagnostics.schema.json): `{"version": 1, "tool":
/// {...}, "diagnostics": [...], "errors": N, "warnings": N}`. Lines and columns are 1-based;
/// columns count Unicode scalar values, and `end_column` is exclusive (the column just after
/// the span's last character).
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
    json!({
        "version": JSON_VERSION,
        "tool": {"name": "carel", "version": env!("CARGO_PKG_VERSION")},
        "diagnostics": items,
        "errors": errors,
        "warnings": warnings,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::Code;
    use crate::source::Span;

    #[test]
    fn long_lines_are_shown_around_the_label() {
        let line = format!("{}é bad {}", "x ".repeat(3000), "y ".repeat(3000));
        let sources = Sources::single("long.carel", format!("ok\n{line}\n"));
        let at = 3 + line.find("bad").unwrap();
        let d = Diagnostic::new(Code::E001, Span::new(0, at, at + 3), "broken").with_label("here");
        let out = human_string(&sources, &[d]);
        // Line 2, column counted in characters over the whole line (é is one character).
        assert!(out.contains("long.carel:2:6003"), "{out}");
        assert!(out.contains("é bad"), "{out}");
        assert!(out.contains("^^^ here"), "{out}");
        assert!(
            out.contains("note: line 2 of long.carel is 12006 characters long"),
            "{out}"
        );
        assert!(out.len() < 1000, "{} bytes shown", out.len());
    }

    #[test]
    fn short_lines_are_shown_whole() {
        let line = format!("if {} then avoid w", "a and ".repeat(100));
        let sources = Sources::single("r.carel", line.clone());
        let d = Diagnostic::new(Code::E001, Span::new(0, 0, 2), "broken");
        let out = human_string(&sources, &[d]);
        assert!(out.contains(&line), "{out}");
        assert!(!out.contains("only the part"), "{out}");
    }

    #[test]
    fn many_diagnostics_on_one_huge_line_stay_small() {
        let line = "w ".repeat(500_000);
        let sources = Sources::single("huge.carel", line.clone());
        let ds: Vec<Diagnostic> = (0..2000)
            .map(|i| Diagnostic::new(Code::W001, Span::new(0, i * 500, i * 500 + 1), "unused"))
            .collect();
        let out = human_string(&sources, &ds);
        assert!(out.len() < 2000 * 1000, "{} bytes shown", out.len());
        assert!(
            out.contains("huge.carel:1:999501"),
            "last diagnostic's column"
        );
    }

    #[test]
    fn a_label_spanning_lines_from_a_long_line() {
        let text = format!("{}\nsecond line\n", "a".repeat(5000));
        let sources = Sources::single("m.carel", text);
        let d = Diagnostic::new(Code::E001, Span::new(0, 4990, 5008), "spans two lines");
        let out = human_string(&sources, &[d]);
        assert!(out.contains("m.carel:1:4991"), "{out}");
        assert!(out.contains("second line"), "{out}");
    }
}
