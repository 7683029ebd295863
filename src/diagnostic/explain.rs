//! Long explanations of each diagnostic code (Markdown), shown by `carel explain`: one file per
//! code in `explain/`.
//!
//! Every explanation follows one layout: what the diagnostic means, why it matters for
//! patients, one or more examples that trigger it, then `### How to fix it` followed by the
//! corrected examples. `tests/docs.rs` relies on that layout: every ```` ```carel ```` block
//! before the fix heading triggers the code, and every block after it is free of it.
//!
//! The `match` below has no catch-all arm on purpose: a new [`Code`] cannot compile without
//! its explanation.

use super::Code;

pub fn text(code: Code) -> &'static str {
    match code {
        Code::E001 => include_str!("explain/E001.md"),
        Code::E002 => include_str!("explain/E002.md"),
        Code::E003 => include_str!("explain/E003.md"),
        Code::E004 => include_str!("explain/E004.md"),
        Code::E005 => include_str!("explain/E005.md"),
        Code::E006 => include_str!("explain/E006.md"),
        Code::E007 => include_str!("explain/E007.md"),
        Code::E008 => include_str!("explain/E008.md"),
        Code::E010 => include_str!("explain/E010.md"),
        Code::E011 => include_str!("explain/E011.md"),
        Code::W001 => include_str!("explain/W001.md"),
        Code::W002 => include_str!("explain/W002.md"),
        Code::W003 => include_str!("explain/W003.md"),
        Code::W004 => include_str!("explain/W004.md"),
        Code::W005 => include_str!("explain/W005.md"),
        Code::W006 => include_str!("explain/W006.md"),
        Code::W007 => include_str!("explain/W007.md"),
        Code::W008 => include_str!("explain/W008.md"),
    }
}
