//! `carel test PATH`: run the ruleset's `test` blocks; exit 1 when one fails.

use super::{FAILED, OK, USAGE, build, output};
use carel::eval::Evaluator;
use carel::testing;

pub fn run(path: &str) -> u8 {
    let built = match build::ruleset_bundle(path, false) {
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
    let results = testing::run(&built.model, &evaluator);
    if let Err(e) = output::stdout_painted(&testing::report(&results), paint) {
        eprintln!("error: cannot write the report: {e}");
        return USAGE;
    }
    if results.iter().all(|r| r.passed()) {
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
