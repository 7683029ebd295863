//! `carel check`: parse, type-check and analyse; print diagnostics.

use super::{FAILED, OK, USAGE, load, output};
use crate::CheckFormat;
use carel::diagnostic::{self, render};

pub fn run(path: &str, format: CheckFormat, deny_warnings: bool) -> u8 {
    let loaded = match load::ruleset(path) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("error: {}", e.0);
            return USAGE;
        }
    };
    let mut diagnostics = loaded.diagnostics;
    if diagnostics.is_empty() {
        diagnostics = carel::compile(&loaded.sources).diagnostics;
    }
    let sources = &loaded.sources;
    let written = match format {
        CheckFormat::Human => {
            output::diagnostics(sources, &diagnostics, false);
            Ok(())
        }
        CheckFormat::Json => {
            output::stdout(format!("{:#}\n", render::json(sources, &diagnostics)).as_bytes())
        }
        CheckFormat::Sarif => {
            output::stdout(format!("{:#}\n", render::sarif(sources, &diagnostics)).as_bytes())
        }
    };
    if let Err(e) = written {
        eprintln!("error: cannot write the report: {e}");
        return USAGE;
    }
    let (errors, warnings) = diagnostic::count(&diagnostics);
    if errors > 0 || (deny_warnings && warnings > 0) {
        FAILED
    } else {
        OK
    }
}
