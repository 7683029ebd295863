//! `carel eval`.

use super::USAGE;

pub fn run(path: &str, given: &str, format: crate::EvalFormat) -> u8 {
    let _ = (path, given, format);
    eprintln!("error: `carel eval` is not available in this build");
    USAGE
}
