//! `carel graph`.

use super::USAGE;

pub fn run(path: &str, format: crate::GraphFormat) -> u8 {
    let _ = (path, format);
    eprintln!("error: `carel graph` is not available in this build");
    USAGE
}
