//! One file per subcommand, plus the shared pieces: loading rulesets and writing output.

pub mod build;
pub mod check;
pub mod completions;
pub mod diff;
pub mod eval;
pub mod explain;
pub mod fmt;
pub mod graph;
pub mod keygen;
#[cfg(feature = "lsp")]
pub mod lsp;
pub mod output;
pub mod report;
#[cfg(feature = "serve")]
pub mod serve;
pub mod test;
pub mod threads;
pub mod verify;

/// Reading rulesets and bundles lives in the library, shared with the language server.
pub use carel::load;

/// Exit statuses (§7 of the language contract).
pub const OK: u8 = 0;
pub const FAILED: u8 = 1;
pub const USAGE: u8 = 2;
