//! `carel graph`: the conflict graph as Graphviz DOT, Mermaid or JSON on stdout.
//!
//! The graph exists to look at conflicts, so unresolved contradictions (E010) do not stop it:
//! they are drawn in red and the command succeeds. Any other error (syntax, names, override
//! cycles, conditions too complex to analyse) means the graph would be wrong or incomplete, so
//! the command refuses: diagnostics on stderr, nothing on stdout, exit status 1.

use super::{FAILED, OK, USAGE, load, output};
use crate::GraphFormat;
use carel::analysis::graph::ConflictGraph;
use carel::diagnostic::Code;

pub fn run(path: &str, format: GraphFormat) -> u8 {
    let loaded = match load::ruleset(path) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("error: {}", e.0);
            return USAGE;
        }
    };
    if !loaded.diagnostics.is_empty() {
        output::diagnostics(&loaded.sources, &loaded.diagnostics, true);
        return FAILED;
    }
    let compilation = carel::compile(&loaded.sources);
    let blocked = compilation
        .diagnostics
        .iter()
        .any(|d| d.is_error() && d.code != Code::E010);
    let (Some(model), Some(analysis), false) = (&compilation.model, &compilation.analysis, blocked)
    else {
        output::diagnostics(&loaded.sources, &compilation.diagnostics, true);
        eprintln!(
            "error: the conflict graph needs a ruleset without errors other than contradictions (E010)"
        );
        return FAILED;
    };
    let graph = ConflictGraph::new(model, analysis);
    let text = match format {
        GraphFormat::Dot => graph.dot(),
        GraphFormat::Mermaid => graph.mermaid(),
        GraphFormat::Json => format!("{:#}\n", graph.json()),
    };
    match output::stdout(text.as_bytes()) {
        Ok(()) => OK,
        Err(e) => {
            eprintln!("error: cannot write the graph: {e}");
            USAGE
        }
    }
}
