//! `carel graph`: the conflict graph as Graphviz DOT, Mermaid or JSON on stdout.
//!
//! The graph exists to look at conflicts, so unresolved contradictions (E010) do not stop it:
//! they are drawn in red and the command succeeds. Any other error (syntax, names, override
//! cycles, conditions too complex to analyse) means the graph would be wrong or incomplete, so
//! the command refuses: diagnostics on stderr, nothing on stdout, exit status 1.
//!
//! `--exercise X` keeps the rules advising X and their conflicts on X; `--rule R` keeps R and
//! the rules it overrides, is overridden by or conflicts with; `--unresolved` keeps only edges
//! with an unresolved conflict. They combine. A name the ruleset does not declare is a usage
//! error (exit 2) with a suggestion.

use super::{FAILED, OK, USAGE, load, output};
use crate::GraphFormat;
use carel::analysis::graph::{ConflictGraph, Focus};
use carel::diagnostic::{Code, did_you_mean};
use carel::model::Model;

/// What to show of the graph, as given on the command line.
pub struct Options<'a> {
    pub exercise: Option<&'a str>,
    pub rule: Option<&'a str>,
    pub unresolved: bool,
}

fn suggestion<'n>(name: &str, names: impl Iterator<Item = &'n str>) -> String {
    did_you_mean(name, names)
        .map(|s| format!("; did you mean `{s}`?"))
        .unwrap_or_default()
}

/// The focus of `options` in `model`, or the message for an unknown name.
fn focus(model: &Model, options: &Options) -> Result<Focus, String> {
    let exercise = match options.exercise {
        None => None,
        Some(x) => match model.exercises.iter().position(|e| e.name == x) {
            Some(i) => Some(i),
            None if model.categories.iter().any(|c| c.name == x) => {
                return Err(format!(
                    "`{x}` is a category; --exercise takes one exercise, such as `{}`",
                    model
                        .exercises
                        .first()
                        .map_or("walking", |e| e.name.as_str())
                ));
            }
            None => {
                return Err(format!(
                    "the ruleset declares no exercise `{x}`{}",
                    suggestion(x, model.exercises.iter().map(|e| e.name.as_str()))
                ));
            }
        },
    };
    let rule = match options.rule {
        None => None,
        Some(r) => match model.rules.iter().position(|x| x.id == r) {
            Some(i) if !model.rules[i].is_live() => {
                return Err(format!(
                    "rule `{r}` is retired: it never fires and is not in the graph"
                ));
            }
            Some(i) => Some(i),
            None => {
                return Err(format!(
                    "the ruleset has no rule `{r}`{}",
                    suggestion(r, model.rules.iter().map(|x| x.id.as_str()))
                ));
            }
        },
    };
    Ok(Focus {
        exercise,
        rule,
        unresolved: options.unresolved,
    })
}

pub fn run(path: &str, format: GraphFormat, options: &Options) -> u8 {
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
    let focus = match focus(model, options) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("error: {e}");
            return USAGE;
        }
    };
    let graph = ConflictGraph::focused(model, analysis, &focus);
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
