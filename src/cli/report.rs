//! `carel report PATH [-o FILE]`: the clinical review report, one self-contained HTML file.
//! PATH is a ruleset (folder or `.carel` file) or a bundle (`.json`). Like `build`, it refuses
//! a ruleset with errors and then leaves FILE untouched; the file is replaced atomically.

use std::path::Path;

use super::{OK, USAGE, build, eval, output};
use carel::report::{self, Options};

pub fn run(path: &str, out: Option<&str>, today: Option<&str>, review_months: u32) -> u8 {
    if let Some(file) = out
        && Path::new(file).is_dir()
    {
        eprintln!(
            "error: cannot write the report to `{file}`: it is a folder; name a file instead"
        );
        return USAGE;
    }
    if let Some(t) = today
        && report::parse_date(t).is_none()
    {
        eprintln!("error: `--today {t}` is not a date: write it as YYYY-MM-DD, like 2026-03-01");
        return USAGE;
    }
    let bundle = if eval::is_bundle(path) {
        eval::load_bundle(path)
    } else {
        build::ruleset_bundle(path, false, false).map(|b| b.bundle)
    };
    let bundle = match bundle {
        Ok(b) => b,
        Err(status) => {
            if let Some(file) = out {
                eprintln!("error: no report written; `{file}` is left as it was");
            }
            return status;
        }
    };
    let options = Options {
        today: today.map(str::to_string),
        review_months,
    };
    let html = match report::render(&bundle, &options) {
        Ok(h) => h,
        Err(e) => {
            eprintln!("error: cannot write the report: {e}");
            return USAGE;
        }
    };
    let written = match out {
        Some(file) => output::write_atomic(file, html.as_bytes()),
        None => {
            output::stdout(html.as_bytes()).map_err(|e| format!("cannot write the report: {e}"))
        }
    };
    match written {
        Ok(()) => OK,
        Err(e) => {
            eprintln!("error: {e}");
            USAGE
        }
    }
}
