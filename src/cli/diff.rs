//! `carel diff OLD NEW`: which patients' advice changes between two versions of a ruleset.
//! OLD and NEW are each a folder, a `.carel` file or a bundle (`.json`).

use super::{FAILED, OK, USAGE, build, eval, output};
use crate::DiffFormat;
use carel::bundle::Bundle;

/// Exit status when `--exit-code` is given and some patient's advice changes.
pub const CHANGED: u8 = 3;

fn version(path: &str) -> Result<Bundle, u8> {
    if eval::is_bundle(path) {
        eval::load_bundle(path)
    } else {
        build::ruleset_bundle(path, false, false).map(|b| b.bundle)
    }
}

pub fn run(old: &str, new: &str, format: DiffFormat, exit_code: bool) -> u8 {
    let (old_bundle, new_bundle) = match (version(old), version(new)) {
        (Ok(o), Ok(n)) => (o, n),
        // A version that does not load is an error of that version (1), or an unreadable path (2).
        (Err(s), _) | (_, Err(s)) => return s,
    };
    let d = match carel::diff::diff(&old_bundle, &new_bundle) {
        Ok(d) => d,
        Err(e) => {
            eprintln!("error: {e}");
            return FAILED;
        }
    };
    let text = match format {
        DiffFormat::Human => carel::diff::human(&d),
        DiffFormat::Markdown => carel::diff::markdown(&d),
        DiffFormat::Json => format!("{:#}\n", carel::diff::json(&d)),
    };
    if let Err(e) = output::stdout(text.as_bytes()) {
        eprintln!("error: cannot write the diff: {e}");
        return USAGE;
    }
    if !d.undecided.is_empty() {
        eprintln!(
            "error: the advice for {} exercise(s) could not be compared within the work budget",
            d.undecided.len()
        );
        return FAILED;
    }
    if exit_code && d.advice_changes() {
        CHANGED
    } else {
        OK
    }
}
