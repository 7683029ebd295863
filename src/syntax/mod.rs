//! Syntax: source text → typed tree ([`ast`]). The pest grammar `grammar/carel.pest` is the
//! definition of the syntax and explains every error.
//!
//! A well-formed file is read by a fast hand-written reader (`fast.rs`) that gives the very
//! tree the grammar gives; on anything it does not vouch for, the file is parsed by pest. When
//! that fails, it is read again one item at a time so that every broken item is reported once
//! and the items around it still count. The fast reader refuses nesting deeper than
//! [`MAX_NESTING`] itself, and parenthesis depth is checked before pest runs, so no input can
//! exhaust the stack.

pub mod ast;
mod build;
mod errors;
mod fast;
pub mod words;

pub use build::{MAX_NUMBER, fmt_num, snake_case};

use std::num::NonZeroUsize;
use std::sync::Mutex;

use pest::Parser;
use rayon::prelude::*;

use crate::diagnostic::{Code, Diagnostic};
use crate::source::{FileId, Sources, Span};

#[derive(pest_derive::Parser)]
#[grammar = "grammar/carel.pest"]
struct CarelParser;

/// The deepest nesting of parentheses a condition may have. Far beyond any clinical need, and
/// shallow enough that every recursive walk of a condition stays small. (A bundle's `when` tree
/// can still nest deeper than `serde_json`'s default limit of 128; `bundle::load` allows for it.)
pub const MAX_NESTING: usize = 32;

/// How many syntax errors one file reports before the rest are summarised.
const MAX_ERRORS_PER_FILE: usize = 20;

/// Parse every file of a ruleset. Returns one tree per file (in file order) and whether any
/// file had a syntax error (E001); other diagnostics found while building trees go to `out`.
pub fn parse(sources: &Sources, out: &mut Vec<Diagnostic>) -> (Vec<ast::File>, bool) {
    let mut files = Vec::with_capacity(sources.len());
    let mut failed = false;
    for (tree, ok, mut diagnostics) in parse_all(sources) {
        failed |= !ok;
        files.push(tree);
        out.append(&mut diagnostics);
    }
    (files, failed)
}

/// pest's call budget guards against pathological backtracking. It is one setting for the whole
/// process, read when a parse starts, so it is only ever raised (under a lock): a parse on one
/// thread never lowers the budget of a larger parse on another.
fn raise_call_limit(text_len: usize) {
    static LIMIT: Mutex<usize> = Mutex::new(0);
    let wanted = text_len.saturating_mul(64).saturating_add(100_000);
    let mut current = LIMIT
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if wanted > *current {
        *current = wanted;
        pest::set_call_limit(NonZeroUsize::new(wanted));
    }
}

/// Below this many bytes a ruleset is parsed on one thread: handing work to other threads
/// would cost more than it saves.
const PARALLEL_BYTES: usize = 256 * 1024;

/// A file larger than this is read by the fast reader in pieces of about this size, in
/// parallel (see [`fast::cut_points`]).
const PIECE_BYTES: usize = 1 << 20;

/// One file's tree, whether it parsed without a syntax error, and its diagnostics.
type Parsed = (ast::File, bool, Vec<Diagnostic>);

/// Parse every file, on as many threads as rayon has (files are independent). Results come
/// back in file order, so the output does not depend on the scheduling.
fn parse_all(sources: &Sources) -> Vec<Parsed> {
    let parse_one = |id: FileId| {
        let mut diagnostics = Vec::new();
        let (tree, ok) = parse_file(id, &sources.get(id).text, &mut diagnostics);
        (tree, ok, diagnostics)
    };
    let total: usize = sources.files().iter().map(|f| f.text.len()).sum();
    if total < PARALLEL_BYTES {
        return (0..sources.len()).map(parse_one).collect();
    }
    (0..sources.len()).into_par_iter().map(parse_one).collect()
}

/// Parse one file's text. Returns the tree and `false` if there was a syntax error.
pub fn parse_file(file: FileId, text: &str, out: &mut Vec<Diagnostic>) -> (ast::File, bool) {
    let mut tree = ast::File::default();
    // The fast reader refuses nesting deeper than the limit on its own (so a file it reads
    // never fails the nesting check, which `compare_readers` confirms); pest needs the check
    // first.
    if let Some(items) = read_fast(file, text, PIECE_BYTES) {
        tree.items = items;
        return (tree, true);
    }
    if let Some(d) = check_nesting(file, text) {
        out.push(d);
        return (tree, false);
    }
    parse_file_with_pest(file, text, out, tree)
}

/// The fast reader's tree of a file, read in pieces of about `piece` bytes (in parallel when
/// there are several): the same items as one reading of the whole file.
fn read_fast(file: FileId, text: &str, piece: usize) -> Option<Vec<ast::Item>> {
    if text.len() <= piece {
        return fast::parse(file, text);
    }
    if text.contains('\u{FEFF}') {
        return None;
    }
    let cuts = fast::cut_points(text, piece);
    let pieces: Vec<Vec<ast::Item>> = cuts
        .par_windows(2)
        .map(|w| fast::parse_piece(file, &text[..w[1]], w[0]))
        .collect::<Option<_>>()?;
    let mut items = Vec::with_capacity(pieces.iter().map(Vec::len).sum());
    for mut p in pieces {
        items.append(&mut p);
    }
    Some(items)
}

/// Read `text` with both readers, for the differential tests and the `readers` fuzz target.
/// Returns whether the fast reader accepted it and whether pest read it without a diagnostic,
/// or how the two disagree: the fast reader accepted text that pest reports, or built a
/// different tree.
#[doc(hidden)]
pub fn compare_readers(text: &str) -> Result<(bool, bool), String> {
    let fast = fast::parse(0, text);
    if check_nesting(0, text).is_some() {
        if fast.is_some() {
            return Err(format!(
                "the fast reader accepted text nested too deep: {text:?}"
            ));
        }
        return Ok((false, false));
    }
    // Cut wherever a cut is allowed: the pieces must read exactly as the whole.
    let pieces = read_fast(0, text, 1);
    if pieces != fast {
        return Err(format!(
            "the fast reader reads {text:?} differently in pieces\nwhole: {fast:#?}\npieces: {pieces:#?}"
        ));
    }
    let mut out = Vec::new();
    let (tree, ok) = parse_file_with_pest(0, text, &mut out, ast::File::default());
    let clean = ok && out.is_empty();
    if let Some(items) = &fast {
        if !clean {
            return Err(format!(
                "the fast reader accepted text that pest reports: {text:?}\n{out:#?}"
            ));
        }
        if items != &tree.items {
            return Err(format!(
                "the readers disagree on {text:?}\nfast: {items:#?}\npest: {:#?}",
                tree.items
            ));
        }
    }
    Ok((fast.is_some(), clean))
}

/// Parse one file with the pest grammar, which explains every syntax error.
fn parse_file_with_pest(
    file: FileId,
    text: &str,
    out: &mut Vec<Diagnostic>,
    mut tree: ast::File,
) -> (ast::File, bool) {
    raise_call_limit(text.len());
    match CarelParser::parse(Rule::file, text) {
        Ok(mut pairs) => {
            let inner = pairs.next().map(|p| p.into_inner());
            if let Some(inner) = inner {
                let mut b = build::Builder {
                    file,
                    offset: 0,
                    diagnostics: out,
                };
                b.file(inner, &mut tree.items);
            }
            // Trees of every file live until names are resolved: keep them tight.
            tree.items.shrink_to_fit();
            (tree, true)
        }
        Err(_) => {
            recover(file, text, out, &mut tree);
            (tree, false)
        }
    }
}

/// Read a file one item at a time, reporting each syntax error and resuming at the next line
/// that starts an item.
fn recover(file: FileId, text: &str, out: &mut Vec<Diagnostic>, tree: &mut ast::File) {
    let mut offset = 0;
    // Where the last item read began: an error right after an item is often best explained by
    // what that item could have continued with (a dose unit, another target, …), so errors are
    // taken from a parse that starts there.
    let mut previous = 0;
    let mut errors = 0;
    while offset <= text.len() {
        let rest = &text[offset..];
        if CarelParser::parse(Rule::rest, rest).is_ok() {
            break;
        }
        match CarelParser::parse(Rule::next_item, rest) {
            Ok(mut pairs) => {
                let Some(item) = pairs.next() else { break };
                let end = item.as_span().end();
                let mut b = build::Builder {
                    file,
                    offset,
                    diagnostics: out,
                };
                b.file(item.into_inner(), &mut tree.items);
                if end == 0 {
                    break;
                }
                previous = offset;
                offset += end;
            }
            Err(item_error) => {
                errors += 1;
                if errors > MAX_ERRORS_PER_FILE {
                    let at = Span::new(file, offset, offset);
                    out.push(
                        Diagnostic::new(
                            Code::E001,
                            at,
                            "too many syntax errors in this file; the rest of it was not read",
                        )
                        .with_help("fix the errors above and check again"),
                    );
                    break;
                }
                let d = match CarelParser::parse(Rule::file, &text[previous..]) {
                    Err(e) => errors::to_diagnostic(&e, file, text, previous),
                    Ok(_) => errors::to_diagnostic(&item_error, file, text, offset),
                };
                let after = d.span.start().max(offset);
                out.push(d);
                // Resume at the token in error if it starts an item on its own line (the item
                // before it was cut short), else at the next line that starts an item.
                let item_start = offset + (rest.len() - rest.trim_start().len());
                let here = line_start(text, after);
                let resume = if after > item_start
                    && here > offset
                    && starts_item(&text[here..])
                    && text[here..after].trim().is_empty()
                {
                    Some(here)
                } else {
                    resume_point(text, after)
                };
                match resume {
                    Some(next) => {
                        previous = next;
                        offset = next;
                    }
                    None => break,
                }
            }
        }
    }
}

/// The start of the first line after `pos` whose first word starts an item.
fn resume_point(text: &str, pos: usize) -> Option<usize> {
    let mut start = text.get(pos..)?.find('\n').map(|i| pos + i + 1)?;
    loop {
        let line = &text[start..];
        if starts_item(line) {
            return Some(start);
        }
        start += line.find('\n')? + 1;
    }
}

fn line_start(text: &str, pos: usize) -> usize {
    text[..pos].rfind('\n').map_or(0, |i| i + 1)
}

/// Whether a line's first word is one that starts an item.
fn starts_item(line: &str) -> bool {
    let trimmed = line.trim_start_matches([' ', '\t', '\r']);
    let word_len = trimmed
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))
        .unwrap_or(trimmed.len());
    errors::ITEM_KEYWORDS.contains(&&trimmed[..word_len])
}

/// Find the first parenthesis nested deeper than [`MAX_NESTING`], skipping comments and texts.
fn check_nesting(file: FileId, text: &str) -> Option<Diagnostic> {
    let bytes = text.as_bytes();
    let mut depth = 0usize;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'#' => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' && bytes[i] != b'\n' {
                    if bytes[i] == b'\\' {
                        i += 1;
                    }
                    i += 1;
                }
            }
            b'(' => {
                depth += 1;
                if depth > MAX_NESTING {
                    return Some(
                        Diagnostic::new(
                            Code::E001,
                            Span::new(file, i, i + 1),
                            format!("nesting too deep: conditions may nest at most {MAX_NESTING} parentheses"),
                        )
                        .with_label("too deep")
                        .with_help("split the condition into several rules, or remove needless parentheses"),
                    );
                }
            }
            b')' => depth = depth.saturating_sub(1),
            _ => {}
        }
        i += 1;
    }
    None
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod fast_tests;
