//! Carel: a compiler and validator for clinical advice rules.
//!
//! The pipeline, one module per stage:
//! source text ([`source`]) → syntax tree ([`syntax`]) → names and kinds ([`names`], producing a
//! [`model::Model`]) → analysis ([`analysis`]) → output ([`diagnostic`] rendering, bundles,
//! graphs, evaluation). The core does no file or terminal IO; the `carel` binary does.

pub mod analysis;
pub mod bundle;
pub mod diagnostic;
pub mod eval;
pub mod format;
pub mod model;
pub mod names;
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
    let model = names::resolve(sources, &files, &mut diagnostics);
    // The model holds all that later stages need: free the syntax trees before the analysis.
    drop(files);
    if diagnostics.iter().any(Diagnostic::is_error) {
        return done(diagnostics, None, None);
    }
    let analysis = analysis::analyse(&model, &mut diagnostics);
    done(diagnostics, Some(model), Some(analysis))
}
