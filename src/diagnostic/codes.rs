//! The diagnostic codes: severity, title and long explanation of each.
//!
//! This table is the one source for `carel explain CODE` and for `docs/diagnostics.md`
//! (a test regenerates the doc from it and fails when they differ).

use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Error,
    Warning,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

macro_rules! codes {
    ($($variant:ident = $code:literal, $sev:ident, $title:literal;)*) => {
        /// A stable diagnostic code. Codes never change meaning.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Code { $($variant,)* }

        impl Code {
            pub const ALL: &'static [Code] = &[$(Code::$variant,)*];

            /// `E001`, `W004`, …
            pub fn as_str(self) -> &'static str {
                match self { $(Code::$variant => $code,)* }
            }

            pub fn severity(self) -> Severity {
                match self { $(Code::$variant => Severity::$sev,)* }
            }

            /// A short title, as in the table of the language contract.
            pub fn title(self) -> &'static str {
                match self { $(Code::$variant => $title,)* }
            }
        }
    };
}

codes! {
    E001 = "E001", Error, "syntax error";
    E002 = "E002", Error, "undefined name";
    E003 = "E003", Error, "name of the wrong kind";
    E004 = "E004", Error, "duplicate definition or clause";
    E005 = "E005", Error, "cycle in the category hierarchy";
    E006 = "E006", Error, "cycle in overrides";
    E007 = "E007", Error, "invalid value";
    E008 = "E008", Error, "impossible test patient";
    E010 = "E010", Error, "contradiction";
    E011 = "E011", Error, "condition too complex to analyse";
    W001 = "W001", Warning, "declared but never used";
    W002 = "W002", Warning, "rule can never fire";
    W003 = "W003", Warning, "redundant rule";
    W004 = "W004", Warning, "tension";
    W005 = "W005", Warning, "dose mismatch";
    W006 = "W006", Warning, "needless overrides";
    W007 = "W007", Warning, "rule has no citation";
    W008 = "W008", Warning, "fact no patient can have";
}

impl Code {
    /// Look a code up by its text, case-insensitively (`e010` works).
    pub fn parse(s: &str) -> Option<Code> {
        Code::ALL
            .iter()
            .copied()
            .find(|c| c.as_str().eq_ignore_ascii_case(s.trim()))
    }

    /// The long explanation shown by `carel explain` (Markdown).
    pub fn explanation(self) -> &'static str {
        super::explain::text(self)
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `docs/diagnostics.md`, generated from this table.
pub fn markdown() -> String {
    let mut out = String::from(
        "# Carel diagnostics\n\n\
         <!-- Generated from src/diagnostic/explain/*.md and src/diagnostic/codes.rs; do not edit by hand.\n     \
         Regenerate with `CAREL_BLESS=1 cargo test --test docs`. -->\n\n\
         Every diagnostic has a stable code. Errors stop `carel build`; warnings do not, unless\n\
         `carel check --deny-warnings` is used. `carel explain CODE` prints the same text as below.\n\n\
         | code | severity | meaning |\n| --- | --- | --- |\n",
    );
    for code in Code::ALL {
        out.push_str(&format!(
            "| [{c}](#{l}) | {s} | {t} |\n",
            c = code.as_str(),
            l = code.as_str().to_lowercase(),
            s = code.severity().as_str(),
            t = code.title()
        ));
    }
    for code in Code::ALL {
        out.push_str(&format!(
            "\n## {}\n\n*{}* — {}\n\n{}\n",
            code.as_str(),
            code.severity().as_str(),
            code.title(),
            code.explanation().trim()
        ));
    }
    out
}
