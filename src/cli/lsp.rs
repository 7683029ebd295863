//! `carel lsp`: the language server on standard input and output.

use super::{OK, USAGE};

pub fn run() -> u8 {
    match carel::lsp::run_stdio() {
        Ok(()) => OK,
        Err(e) => {
            eprintln!("error: the language server stopped: {e}");
            USAGE
        }
    }
}
