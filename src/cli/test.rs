//! `carel test PATH`: run the ruleset's `test` blocks; exit 1 when one fails.

use super::{FAILED, OK, USAGE, build, output};
use carel::eval::Evaluator;
use carel::testing;

pub fn run(path: &str) -> u8 {
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
    let results = testing::run(&built.model, &evaluator);
    if let Err(e) = output::stdout(testing::report(&results).as_bytes()) {
        eprintln!("error: cannot write the report: {e}");
        return USAGE;
    }
    if results.iter().all(|r| r.passed()) {
        OK
    } else {
        FAILED
    }
}
