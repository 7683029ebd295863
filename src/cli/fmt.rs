//! `carel fmt`: rewrite every `.carel` file of a ruleset in the canonical layout, or with
//! `--check` only list the files that are not in it.

use std::collections::BTreeSet;
use std::fs;

use super::{FAILED, OK, USAGE, load, output};

pub fn run(path: &str, check: bool) -> u8 {
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
        let formatted = match carel::format::format_file(id, &file.text) {
            Ok(f) => f,
            Err(diagnostics) => {
                output::diagnostics(sources, &diagnostics, true);
                eprintln!("error: `{}` was not formatted", file.name);
                status = status.max(FAILED);
                continue;
            }
        };
        // Compare with the bytes on disk, so that a byte-order mark or CRLF line endings
        // count as a difference.
        let on_disk = fs::read(&file.name).unwrap_or_else(|_| file.text.clone().into_bytes());
        if on_disk == formatted.as_bytes() {
            continue;
        }
        if check {
            status = status.max(FAILED);
        } else if let Err(e) = output::write_atomic(&file.name, formatted.as_bytes()) {
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
