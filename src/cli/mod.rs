//! One file per subcommand, plus the shared pieces: loading rulesets and writing output.

pub mod build;
pub mod check;
pub mod diff;
pub mod eval;
pub mod explain;
pub mod fmt;
pub mod graph;
pub mod load;
pub mod output;
pub mod test;

/// Exit statuses (§7 of the language contract).
pub const OK: u8 = 0;
pub const FAILED: u8 = 1;
pub const USAGE: u8 = 2;
