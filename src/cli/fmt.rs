//! `carel fmt`: rewrite every `.carel` file of a ruleset in the canonical layout; with
//! `--check` only list the files that are not in it, with `--diff` show what would change.
//! `-` formats standard input to standard output. A file's line endings (LF or CRLF) and its
//! byte-order mark are kept, so a file edited on Windows is left as it is when only those differ.

use std::collections::BTreeSet;
use std::fs;
use std::io::Read;

use super::{FAILED, OK, USAGE, load, output};
use carel::source::Sources;

const BOM: &str = "\u{FEFF}";

/// The formatted bytes of a file's raw text (decoded, BOM included if it had one).
fn formatted(id: usize, raw: &str) -> Result<String, Vec<carel::diagnostic::Diagnostic>> {
    let (bom, text) = match raw.strip_prefix(BOM) {
        Some(rest) => (BOM, rest),
        None => ("", raw),
    };
    let out = carel::format::format_file(id, text)?;
    Ok(format!(
        "{bom}{}",
        carel::format::keep_line_endings(text, &out)
    ))
}

/// A unified diff of a file's text before and after formatting.
fn diff(name: &str, before: &str, after: &str) -> String {
    similar::TextDiff::from_lines(before, after)
        .unified_diff()
        .context_radius(3)
        .header(name, &format!("{name} (formatted)"))
        .to_string()
}

pub fn run(path: &str, check: bool, show_diff: bool) -> u8 {
    if path == "-" {
        return stdin(check, show_diff);
    }
    let loaded = match load::ruleset(path) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("error: {}", e.0);
            return USAGE;
        }
    };
    let sources = &loaded.sources;
    let mut status = OK;
    // Files that are not UTF-8 are reported and left alone.
    let unreadable: BTreeSet<usize> = loaded.diagnostics.iter().map(|d| d.span.file()).collect();
    if !loaded.diagnostics.is_empty() {
        output::diagnostics(sources, &loaded.diagnostics, true);
        status = status.max(FAILED);
    }
    let mut listed = String::new();
    for (id, file) in sources.files().iter().enumerate() {
        if unreadable.contains(&id) {
            continue;
        }
        // The bytes on disk, so that the BOM and line endings are seen as they are.
        let raw = fs::read(&file.name)
            .ok()
            .and_then(|b| String::from_utf8(b).ok())
            .unwrap_or_else(|| file.text.clone());
        let result = match formatted(id, &raw) {
            Ok(f) => f,
            Err(diagnostics) => {
                output::diagnostics(sources, &diagnostics, true);
                eprintln!("error: `{}` was not formatted", file.name);
                status = status.max(FAILED);
                continue;
            }
        };
        if raw == result {
            continue;
        }
        if show_diff {
            listed.push_str(&diff(&file.name, &raw, &result));
            status = status.max(FAILED);
            continue;
        }
        if check {
            status = status.max(FAILED);
        } else if let Err(e) = output::write_atomic(&file.name, result.as_bytes()) {
            eprintln!("error: {e}");
            status = USAGE;
            continue;
        }
        listed.push_str(&file.name);
        listed.push('\n');
    }
    if let Err(e) = output::stdout(listed.as_bytes()) {
        eprintln!("error: cannot write the list of files: {e}");
        return USAGE;
    }
    status
}

/// `carel fmt -`: standard input to standard output. With `--check` nothing is printed and
/// the status says whether the input is formatted; with `--diff` the difference is printed.
fn stdin(check: bool, show_diff: bool) -> u8 {
    let mut bytes = Vec::new();
    if let Err(e) = std::io::stdin()
        .take(load::MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
    {
        eprintln!("error: cannot read standard input: {}", load::describe(&e));
        return USAGE;
    }
    if bytes.len() as u64 > load::MAX_FILE_BYTES {
        eprintln!(
            "error: standard input is larger than {}, the most a ruleset file can hold",
            load::size_text(load::MAX_FILE_BYTES)
        );
        return USAGE;
    }
    let raw = match String::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            eprintln!(
                "error: standard input is not valid UTF-8 text (invalid byte at offset {})",
                e.utf8_error().valid_up_to()
            );
            return USAGE;
        }
    };
    let result = match formatted(0, &raw) {
        Ok(f) => f,
        Err(diagnostics) => {
            let sources = Sources::single("<stdin>", raw.strip_prefix(BOM).unwrap_or(&raw));
            output::diagnostics(&sources, &diagnostics, true);
            eprintln!("error: standard input was not formatted");
            return FAILED;
        }
    };
    let same = raw == result;
    let text = if show_diff {
        if same {
            String::new()
        } else {
            diff("<stdin>", &raw, &result)
        }
    } else if check {
        String::new()
    } else {
        result
    };
    if let Err(e) = output::stdout(text.as_bytes()) {
        eprintln!("error: cannot write the formatted text: {e}");
        return USAGE;
    }
    if same || !(check || show_diff) {
        OK
    } else {
        FAILED
    }
}
