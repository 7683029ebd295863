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
    let written = match format {
        TestFormat::Human => output::stdout_painted(&text, paint),
        TestFormat::Json | TestFormat::Junit => output::stdout(text.as_bytes()),
    };
    if let Err(e) = written {
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

/// `ok` in green and `FAILED` in red at the end of a test's line; the summary's counts; the
/// actions in a failure's trace.
fn paint(line: &str) -> Vec<output::Paint> {
    use codespan_reporting::term::termcolor::Color;
    let body = line.trim_end();
    if line.starts_with("test ") {
        let result = if body.ends_with("... ok") {
            Some(("ok", Color::Green))
        } else if body.ends_with("... FAILED") {
            Some(("FAILED", Color::Red))
        } else {
            None
        };
        return result
            .map(|(word, color)| output::Paint {
                start: body.len() - word.len(),
                end: body.len(),
                color,
                bold: true,
            })
            .into_iter()
            .collect();
    }
    if let Some((passed, failed)) = body.split_once(" passed, ")
        && failed.ends_with(" failed")
        && passed.chars().all(|c| c.is_ascii_digit())
    {
        let mut paints = Vec::new();
        paints.extend(output::Paint::word(line, 0, "passed", Color::Green, false));
        if !failed.starts_with("0 ") {
            paints.extend(output::Paint::word(
                line,
                passed.len(),
                "failed",
                Color::Red,
                true,
            ));
        }
        return paints;
    }
    output::paint_action(line)
}
