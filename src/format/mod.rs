//! `carel fmt`: the canonical layout of a Carel file (docs/language.md, "Formatting").
//!
//! The file is parsed, every item is laid out again from its syntax tree, and the comments,
//! which the tree does not hold, are put back by position: each comment is attached to the line
//! of output whose source it follows or precedes. Numbers are copied from the source as written.
//!
//! Nothing is ever lost: a file with syntax errors, or with a clause given twice (the tree keeps
//! only one of them), is refused; and the result is parsed again and must give the same tree and
//! the same comments, or the file is refused rather than changed.

mod comments;
mod items;
mod layout;
mod strip;
mod values;

use std::num::NonZeroUsize;

use crate::diagnostic::{self, Code, Diagnostic};
use crate::source::{FileId, Span};
use crate::syntax::{self, ast::File};

use comments::scan_comments;
use layout::Layout;

/// Lines are kept within this many columns where the layout allows a choice.
pub const WIDTH: usize = 100;
/// Indentation of the clauses of a rule and the lines of a test.
const CLAUSE_INDENT: usize = 2;
/// Indentation of a name list continued on the next line.
const CONTINUATION_INDENT: usize = 4;

/// Format one file's text. Refuses, returning the diagnostics, when the file has syntax errors
/// (E001) or a clause given twice (E004): formatting those would drop what the tree cannot hold.
pub fn format(text: &str) -> Result<String, Vec<Diagnostic>> {
    format_file(0, text)
}

/// [`format`] for the file `file` of a ruleset, so that diagnostics point into that file.
pub fn format_file(file: FileId, text: &str) -> Result<String, Vec<Diagnostic>> {
    let tree = parse(file, text)?;
    let comments = scan_comments(text);
    let out = Layout::new(text, &comments).file(&tree);
    verify(file, text, &tree, &out)?;
    Ok(out)
}

/// The formatted text with the line endings of the original: CRLF when the original's first line
/// ends with CRLF, LF otherwise. (The layout itself always uses LF.)
pub fn keep_line_endings(original: &str, formatted: &str) -> String {
    let crlf = original
        .find('\n')
        .is_some_and(|i| i > 0 && original.as_bytes()[i - 1] == b'\r');
    if crlf {
        formatted.replace("\r\n", "\n").replace('\n', "\r\n")
    } else {
        formatted.to_string()
    }
}

/// The tree with every span set to the default, so that two layouts of one ruleset compare
/// equal.
pub fn without_spans(file: &File) -> File {
    File {
        items: file.items.iter().map(strip::item).collect(),
    }
}

/// The same budget against pathological backtracking as `syntax::parse`, for a text of `len`
/// bytes.
fn set_parse_budget(len: usize) {
    let limit = len.saturating_mul(64).saturating_add(100_000);
    pest::set_call_limit(NonZeroUsize::new(limit));
}

fn parse(file: FileId, text: &str) -> Result<File, Vec<Diagnostic>> {
    set_parse_budget(text.len());
    let mut found = Vec::new();
    let (tree, ok) = syntax::parse_file(file, text, &mut found);
    let blocking = |d: &Diagnostic| matches!(d.code, Code::E001 | Code::E004);
    if ok && !found.iter().any(blocking) {
        return Ok(tree);
    }
    let mut refused: Vec<Diagnostic> = if found.iter().any(blocking) {
        found.into_iter().filter(blocking).collect()
    } else {
        found
    };
    if refused.is_empty() {
        refused.push(Diagnostic::new(
            Code::E001,
            Span::new(file, 0, 0),
            "this file could not be read",
        ));
    }
    diagnostic::sort(&mut refused);
    Err(refused)
}

/// The formatted text must mean exactly what the original meant and keep every comment.
fn verify(file: FileId, text: &str, tree: &File, out: &str) -> Result<(), Vec<Diagnostic>> {
    set_parse_budget(text.len().max(out.len()));
    let mut found = Vec::new();
    let (again, ok) = syntax::parse_file(file, out, &mut found);
    let same_tree = ok && without_spans(&again) == without_spans(tree);
    let mut before: Vec<String> = scan_comments(text).into_iter().map(|c| c.text).collect();
    let mut after: Vec<String> = scan_comments(out).into_iter().map(|c| c.text).collect();
    before.sort();
    after.sort();
    if same_tree && before == after {
        return Ok(());
    }
    Err(vec![
        Diagnostic::new(
            Code::E001,
            Span::new(file, 0, 0),
            "`carel fmt` cannot lay out this file without changing it, so it was left as it is",
        )
        .with_label("not formatted")
        .with_help(
            "this is a fault in `carel fmt`, not in the file; please report it with the file",
        ),
    ])
}
