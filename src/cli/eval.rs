//! `carel eval PATH --given … [--not …] [--unknown …|all]`: final advice for a patient, with
//! the trace; with unknowns, every possible advice, what it depends on and what to ask next
//! (§10). PATH is a ruleset (folder or `.carel` file) or a bundle (`.json`); both are evaluated
//! as a bundle, so they agree.

use std::path::Path;

use super::{FAILED, OK, USAGE, build, load, output};
use crate::EvalFormat;
use carel::bundle::{Bundle, ValidBundle};
use carel::partial::PartialEvaluator;

/// Whether PATH names a bundle rather than a ruleset.
pub fn is_bundle(path: &str) -> bool {
    let p = Path::new(path);
    p.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"))
        && !p.is_dir()
}

/// Read and check a bundle file; `Err` carries the exit status (2: not a usable bundle).
pub fn load_bundle(path: &str) -> Result<Bundle, u8> {
    load_valid_bundle(path).map(ValidBundle::into_bundle)
}

/// [`load_bundle`], keeping the knowledge that the bundle passed its checks.
pub fn load_valid_bundle(path: &str) -> Result<ValidBundle, u8> {
    let bytes = load::read_limited(Path::new(path), path, load::MAX_FILE_BYTES, "a bundle")
        .map_err(|e| {
            eprintln!("error: {}", e.0);
            USAGE
        })?;
    let text = String::from_utf8(bytes).map_err(|e| {
        eprintln!(
            "error: `{path}` is not a usable bundle: it is not UTF-8 text (invalid byte at offset {})",
            e.utf8_error().valid_up_to()
        );
        USAGE
    })?;
    Bundle::load(&text).map_err(|e| {
        eprintln!("error: `{path}` is not a usable bundle: {e}");
        USAGE
    })
}

pub fn run(path: &str, given: &str, not: &str, unknown: Option<&str>, format: EvalFormat) -> u8 {
    let bundle = if is_bundle(path) {
        load_valid_bundle(path)
    } else {
        build::ruleset_bundle(path, false, false).and_then(|b| {
            ValidBundle::check(b.bundle).map_err(|e| {
                eprintln!("error: the bundle of `{path}` cannot be evaluated: {e}");
                FAILED
            })
        })
    };
    let bundle = match bundle {
        Ok(b) => b,
        Err(status) => return status,
    };
    let evaluator = PartialEvaluator::of_valid(&bundle);
    let knowledge = match evaluator.parse_knowledge(given, not, unknown) {
        Ok(k) => k,
        Err(e) => {
            eprintln!("error: {e}");
            return USAGE;
        }
    };
    let text = if unknown.is_none() && format == EvalFormat::Json {
        // Everything is known: the plain evaluation's JSON (§5), as before `--unknown` existed.
        evaluator.evaluator().evaluate(&knowledge.given).to_json()
    } else {
        let outcome = match evaluator.evaluate(&knowledge) {
            Ok(o) => o,
            Err(e) => {
                eprintln!("error: {e}");
                return USAGE;
            }
        };
        match format {
            EvalFormat::Human => outcome.to_human(&bundle),
            EvalFormat::Json => outcome.to_json(&bundle),
        }
    };
    let written = match format {
        EvalFormat::Human => output::stdout_painted(&text, output::paint_action),
        EvalFormat::Json => output::stdout(text.as_bytes()),
    };
    match written {
        Ok(()) => OK,
        Err(e) => {
            eprintln!("error: cannot write the advice: {e}");
            USAGE
        }
    }
}
