//! `carel test`.

use super::USAGE;

pub fn run(path: &str) -> u8 {
    let _ = path;
    eprintln!("error: `carel test` is not available in this build");
    USAGE
}
