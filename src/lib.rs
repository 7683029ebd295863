//! Carel: a compiler and validator for clinical advice rules.
//!
//! The pipeline, one module per stage:
//! source text ([`source`]) → syntax tree ([`syntax`]) → names and kinds ([`names`], producing a
//! [`model::Model`]) → analysis ([`analysis`]) → output ([`diagnostic`] rendering, bundles,
//! graphs, evaluation). The core does no file or terminal IO; the `carel` binary does.

pub mod analysis;
pub mod bundle;
pub mod diagnostic;
pub mod diff;
pub mod eval;
pub mod fhir;
pub mod format;
pub mod load;
#[cfg(feature = "lsp")]
pub mod lsp;
pub mod model;
pub mod names;
pub mod partial;
pub mod report;
#[cfg(feature = "serve")]
pub mod serve;
pub mod sign;
pub mod source;
pub mod syntax;
pub mod testing;

use diagnostic::Diagnostic;
use source::Sources;

/// Everything `carel check` knows about a ruleset.
#[derive(Debug)]
pub struct Compilation {
    /// The resolved ruleset; `None` when syntax or name errors prevent building it.
    pub model: Option<model::Model>,
    /// The analysis; present whenever the model is.
    pub analysis: Option<analysis::Analysis>,
    /// All diagnostics, sorted by file and position.
    pub diagnostics: Vec<Diagnostic>,
}

impl Compilation {
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }
}

/// Parse, resolve and analyse a ruleset.
///
/// Each stage runs only when the stages before it found no errors, so one root cause gives one
/// error: a syntax error is not followed by "undefined name" errors, and a ruleset with name
/// errors is not analysed for conflicts.
pub fn compile(sources: &Sources) -> Compilation {
    let mut diagnostics = Vec::new();
    let (files, syntax_failed) = syntax::parse(sources, &mut diagnostics);
    let done = |mut diagnostics: Vec<Diagnostic>, model, analysis| {
        diagnostic::sort(&mut diagnostics);
        Compilation {
            model,
            analysis,
            diagnostics,
        }
    };
    // A misspelt name or a bad escape is a syntax error too: stop before names are resolved.
    if syntax_failed || diagnostics.iter().any(|d| d.code == diagnostic::Code::E001) {
        return done(diagnostics, None, None);
    }
    // An empty ruleset (blank files, comments only, a lone BOM) is almost always a mistake,
    // such as a truncated file; checking it must not pass silently.
    if !files.is_empty() && files.iter().all(|f| f.items.is_empty()) {
        diagnostics.push(empty_ruleset(sources));
        return done(diagnostics, None, None);
    }
    let model = names::resolve(sources, files, &mut diagnostics);
    if diagnostics.iter().any(Diagnostic::is_error) {
        return done(diagnostics, None, None);
    }
    let analysis = analysis::analyse(&model, &mut diagnostics);
    done(diagnostics, Some(model), Some(analysis))
}

fn empty_ruleset(sources: &Sources) -> Diagnostic {
    let what = match sources.files() {
        [one] => format!("`{}` has no", one.name),
        all => format!("none of its {} files has a", all.len()),
    };
    Diagnostic::new(
        diagnostic::Code::E001,
        source::Span::new(0, 0, 0),
        format!("the ruleset is empty: {what} declaration or rule"),
    )
    .with_label("expected a declaration or rule")
    .with_help(
        "a ruleset declares its vocabulary and rules, e.g. `condition sciatica`, \
         `exercise hamstring_stretch` and `if sciatica then avoid hamstring_stretch`",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_ruleset_is_an_error() {
        for text in ["", "\u{FEFF}", "\r\n  \n", "# only a comment\n"] {
            let c = compile(&Sources::single("empty.carel", text));
            assert_eq!(c.diagnostics.len(), 1, "{text:?}");
            let d = &c.diagnostics[0];
            assert_eq!(d.code, diagnostic::Code::E001);
            assert_eq!(d.span, source::Span::new(0, 0, 0));
            assert_eq!(
                d.message,
                "the ruleset is empty: `empty.carel` has no declaration or rule"
            );
        }
        let mut two = Sources::new();
        two.add("a.carel", "");
        two.add("b.carel", "# nothing yet\n");
        let c = compile(&two);
        assert_eq!(
            c.diagnostics[0].message,
            "the ruleset is empty: none of its 2 files has a declaration or rule"
        );
    }

    #[test]
    fn one_empty_file_among_others_is_fine() {
        let mut s = Sources::new();
        s.add("a.carel", "");
        s.add("b.carel", "condition a\nexercise w\nif a then avoid w\n");
        assert!(!compile(&s).has_errors());
    }
}
