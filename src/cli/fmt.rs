//! `carel fmt`.

use super::USAGE;

pub fn run(path: &str, check: bool) -> u8 {
    let _ = (path, check);
    eprintln!("error: `carel fmt` is not available in this build");
    USAGE
}
