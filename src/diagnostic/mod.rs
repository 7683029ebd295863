//! One diagnostic type for every stage, its stable codes, and its renderings.
//!
//! Stages push [`Diagnostic`]s; [`render`] turns them into text for people (codespan-reporting),
//! JSON for CI, or SARIF for code-scanning tools. Codes and their long explanations live in
//! [`codes`], the single source for `carel explain` and `docs/diagnostics.md`.

pub mod codes;
mod explain;
pub mod render;
pub mod sarif;

pub use codes::{Code, Severity};

use crate::source::Span;

/// A secondary place in the source that helps explain a diagnostic.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Label {
    pub span: Span,
    pub message: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    pub code: Code,
    /// One sentence in plain clinical language.
    pub message: String,
    /// Where the problem is.
    pub span: Span,
    /// What to say at the primary span (may be empty).
    pub label: String,
    pub secondary: Vec<Label>,
    pub notes: Vec<String>,
    /// How to fix it, when there is something to say.
    pub help: Option<String>,
}

impl Diagnostic {
    pub fn new(code: Code, span: Span, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            code,
            message: message.into(),
            span,
            label: String::new(),
            secondary: Vec::new(),
            notes: Vec::new(),
            help: None,
        }
    }

    pub fn severity(&self) -> Severity {
        self.code.severity()
    }

    pub fn is_error(&self) -> bool {
        self.severity() == Severity::Error
    }

    pub fn with_label(mut self, label: impl Into<String>) -> Diagnostic {
        self.label = label.into();
        self
    }

    pub fn with_secondary(mut self, span: Span, message: impl Into<String>) -> Diagnostic {
        self.secondary.push(Label {
            span,
            message: message.into(),
        });
        self
    }

    pub fn with_note(mut self, note: impl Into<String>) -> Diagnostic {
        self.notes.push(note.into());
        self
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Diagnostic {
        self.help = Some(help.into());
        self
    }
}

/// Sort diagnostics by file, position, then code, and drop exact duplicates.
pub fn sort(diagnostics: &mut Vec<Diagnostic>) {
    diagnostics.sort_by(|a, b| {
        (
            a.span.file(),
            a.span.start(),
            a.span.end(),
            a.code,
            &a.message,
        )
            .cmp(&(
                b.span.file(),
                b.span.start(),
                b.span.end(),
                b.code,
                &b.message,
            ))
    });
    diagnostics.dedup();
}

/// Counts of errors and warnings.
pub fn count(diagnostics: &[Diagnostic]) -> (usize, usize) {
    let errors = diagnostics.iter().filter(|d| d.is_error()).count();
    (errors, diagnostics.len() - errors)
}

/// Names longer than this get no did-you-mean: a typo is unlikely to be the trouble, and
/// comparing two names costs time and memory that grow with the product of their lengths.
pub const MAX_SUGGESTION_LEN: usize = 64;

/// The closest candidate to a misspelt name, if any is close enough to be a likely typo.
pub fn did_you_mean<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    if name.len() > MAX_SUGGESTION_LEN {
        return None;
    }
    let mut best: Option<(f64, &str)> = None;
    for candidate in candidates {
        if candidate.len() > MAX_SUGGESTION_LEN {
            continue;
        }
        let score = strsim::jaro_winkler(name, candidate);
        let close = score >= 0.85
            || strsim::damerau_levenshtein(name, candidate) <= name.len().min(candidate.len()) / 3;
        if close && best.is_none_or(|(s, c)| score > s || (score == s && candidate < c)) {
            best = Some((score, candidate));
        }
    }
    best.map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn did_you_mean_finds_typos_only() {
        let names = ["sciatica", "herniated_disc", "facet_syndrome"];
        assert_eq!(did_you_mean("sciatca", names), Some("sciatica"));
        assert_eq!(
            did_you_mean("herniated_disk", names),
            Some("herniated_disc")
        );
        assert_eq!(did_you_mean("walking", names), None);
    }

    #[test]
    fn did_you_mean_skips_very_long_names() {
        let long = "a".repeat(MAX_SUGGESTION_LEN + 1);
        let longer = format!("{long}b");
        assert_eq!(did_you_mean(&long, ["a"]), None);
        assert_eq!(did_you_mean("ab", [longer.as_str()]), None);
        let fits = "a".repeat(MAX_SUGGESTION_LEN);
        assert_eq!(
            did_you_mean(&fits[1..], [fits.as_str()]),
            Some(fits.as_str())
        );
    }
}
