//! `carel build`.

use super::USAGE;

pub fn run(path: &str, output: Option<&str>) -> u8 {
    let _ = (path, output);
    eprintln!("error: `carel build` is not available in this build");
    USAGE
}
