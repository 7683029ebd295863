//! `carel check`: parse, type-check and analyse; print diagnostics.

use std::path::{Path, PathBuf};

use super::{FAILED, OK, USAGE, load, output};
use crate::CheckFormat;
use carel::diagnostic::{self, render, sarif};

pub fn run(path: &str, format: CheckFormat, deny_warnings: bool, root: Option<&str>) -> u8 {
    let loaded = match load::ruleset(path) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("error: {}", e.0);
            if format == CheckFormat::Sarif {
                // A code-scanning upload still gets a log that says the check did not run.
                let log = sarif::failure(&e.0);
                let _ = output::stdout(sarif_text(&log).as_bytes());
            }
            return USAGE;
        }
    };
    let mut diagnostics = loaded.diagnostics;
    if diagnostics.is_empty() {
        let compilation = carel::compile(&loaded.sources);
        diagnostics = compilation.diagnostics;
        // The process ends right after the report, and the system takes its memory back at
        // once: handing the model and the analysis back to the allocator record by record would
        // only delay the exit (a tenth of a second at a million rules).
        std::mem::forget((compilation.model, compilation.analysis));
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
            let artifacts = match artifacts(sources, root) {
                Ok(a) => a,
                Err(message) => {
                    eprintln!("error: {message}");
                    let _ = output::stdout(sarif_text(&sarif::failure(&message)).as_bytes());
                    return USAGE;
                }
            };
            let log = sarif::sarif(sources, &diagnostics, &artifacts);
            output::stdout(sarif_text(&log).as_bytes())
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

fn sarif_text(log: &serde_sarif::sarif::Sarif) -> String {
    // Serialising plain data with string keys cannot fail.
    format!(
        "{}\n",
        serde_json::to_string_pretty(log).unwrap_or_default()
    )
}

/// File URIs relative to `--root` (default: the current folder).
fn artifacts(
    sources: &carel::source::Sources,
    root: Option<&str>,
) -> Result<sarif::Artifacts, String> {
    let cwd = std::env::current_dir()
        .map_err(|e| format!("cannot find the current folder: {}", load::describe(&e)))?;
    let root: PathBuf = match root {
        Some(r) => {
            let dir = cwd.join(r);
            if !dir.is_dir() {
                return Err(format!("`--root {r}` is not a folder"));
            }
            dir
        }
        None => cwd.clone(),
    };
    Ok(sarif::Artifacts::below(sources, &cwd, Path::new(&root)))
}
