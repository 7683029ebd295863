//! `carel test PATH`: run the ruleset's `test` blocks; exit 1 when one fails or coverage is
//! below `--min-coverage`.

use super::{FAILED, OK, USAGE, build, output};
use crate::TestFormat;
use carel::eval::Evaluator;
use carel::testing;

pub fn run(path: &str, format: TestFormat, coverage: bool, min_coverage: Option<f64>) -> u8 {
    if let Some(min) = min_coverage
        && !(0.0..=100.0).contains(&min)
    {
        eprintln!("error: `--min-coverage {min}` must be a percentage from 0 to 100");
        return USAGE;
    }
    let built = match build::ruleset_bundle(path, false, false) {
        Ok(b) => b,
        Err(status) => return status,
    };
    let evaluator = match Evaluator::new(&built.bundle) {
        Ok(e) => e,
        Err(e) => {
            eprintln!("error: the bundle of `{path}` cannot be evaluated: {e}");
            return FAILED;
        }
    };
    let results = testing::run(&built.model, &built.sources, &evaluator);
    if results.is_empty() {
        eprintln!(
            "warning: `{path}` has no tests; add `test` blocks that give a patient and `expect` the advice (docs/language.md, \"Tests\")"
        );
    }
    let measured = (coverage || min_coverage.is_some())
        .then(|| testing::coverage(&built.model, &built.sources, &built.bundle, &results));
    let text = match format {
        TestFormat::Human => {
            let mut text = testing::report(&results);
            if let Some(c) = &measured
                && coverage
            {
                text.push_str(&testing::coverage_report(c));
            }
            text
        }
        TestFormat::Json => format!(
            "{:#}\n",
            testing::json(&results, measured.as_ref().filter(|_| coverage))
        ),
        TestFormat::Junit => testing::junit(&built.bundle.ruleset.name, &results),
    };
    if let Err(e) = output::stdout(text.as_bytes()) {
        eprintln!("error: cannot write the report: {e}");
        return USAGE;
    }
    let below = match (&measured, min_coverage) {
        (Some(c), Some(min)) if c.percent() < min => {
            eprintln!(
                "error: test coverage is {:.1}%, below the required {min}%",
                c.percent()
            );
            true
        }
        _ => false,
    };
    if results.iter().all(|r| r.passed()) && !below {
        OK
    } else {
        FAILED
    }
}
