//! `carel lsp`: a language server over standard input and output.
//!
//! Synchronous, on `lsp-server` and `lsp-types`: one loop reads a message, answers it, and
//! after edits publishes diagnostics once the editor has been quiet for a moment (the analysis
//! is CPU-bound; a background thread would only race the next edit). The workspace folder is
//! one ruleset and the editor's unsaved buffers override the files on disk ([`workspace`]); the
//! diagnostics come from the same [`crate::compile`] as `carel check`.
//!
//! One file per feature; this module is used by nothing in the compiler.

// `lsp_types::Uri` caches parts of itself in cells, which clippy takes for a key that can
// change; its hash and equality use only its text, and the protocol's maps are keyed by it.
#![allow(clippy::mutable_key_type)]

pub mod actions;
pub mod completion;
pub mod diagnostics;
pub mod folding;
pub mod formatting;
pub mod hover;
pub mod index;
pub mod lexer;
pub mod navigate;
pub mod position;
pub mod server;
pub mod symbols;
pub mod tokens;
pub mod transport;
pub mod uri;
pub mod workspace;

pub use transport::run_stdio;
pub use workspace::Session;
