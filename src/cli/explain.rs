//! `carel explain CODE`: the long explanation of a diagnostic code.

use super::{OK, USAGE, output};
use carel::diagnostic::Code;

pub fn run(code: &str) -> u8 {
    match Code::parse(code) {
        Some(c) => {
            let text = format!(
                "{} ({}): {}\n\n{}\n",
                c.as_str(),
                c.severity().as_str(),
                c.title(),
                c.explanation().trim()
            );
            let _ = output::stdout(text.as_bytes());
            OK
        }
        None => {
            let known: Vec<&str> = Code::ALL.iter().map(|c| c.as_str()).collect();
            eprintln!(
                "error: unknown diagnostic code `{code}`\nknown codes: {}",
                known.join(", ")
            );
            USAGE
        }
    }
}
