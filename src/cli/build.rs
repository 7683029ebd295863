//! `carel build`: write the JSON bundle of a ruleset, refusing when it has errors.
//! Also the shared step of `eval` and `test`: compile a ruleset into its bundle.

use std::path::Path;

use super::{FAILED, OK, USAGE, load, output};
use carel::bundle::{self, Bundle};
use carel::model::Model;
use carel::source::Sources;

/// A ruleset compiled without errors, and its bundle.
pub struct Built {
    pub model: Model,
    /// The files as read (names as given on the command line).
    pub sources: Sources,
    pub bundle: Bundle,
}

/// Load, compile and build. Diagnostics go to stderr: all of them when `warnings` is set,
/// otherwise only when there are errors. With `deny_warnings`, a warning fails like an error.
/// `Err` carries the exit status.
pub fn ruleset_bundle(path: &str, warnings: bool, deny_warnings: bool) -> Result<Built, u8> {
    let loaded = match load::ruleset(path) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("error: {}", e.0);
            return Err(USAGE);
        }
    };
    if !loaded.diagnostics.is_empty() {
        output::diagnostics(&loaded.sources, &loaded.diagnostics, true);
        return Err(FAILED);
    }
    let compilation = carel::compile(&loaded.sources);
    let errors = compilation.has_errors() || (deny_warnings && !compilation.diagnostics.is_empty());
    if errors || (warnings && !compilation.diagnostics.is_empty()) {
        output::diagnostics(&loaded.sources, &compilation.diagnostics, true);
    }
    if errors {
        return Err(FAILED);
    }
    let (Some(model), Some(analysis)) = (compilation.model, compilation.analysis) else {
        eprintln!("error: `{path}` could not be compiled");
        return Err(FAILED);
    };
    let bundle = bundle::build(&model, &analysis, &relative_names(path, &loaded.sources));
    Ok(Built {
        model,
        bundle,
        sources: loaded.sources,
    })
}

/// The same files named relative to the ruleset folder (or by their own name for a one-file
/// ruleset), so a bundle does not depend on how the path was spelt or where it was built.
fn relative_names(path: &str, sources: &Sources) -> Sources {
    let root = Path::new(path);
    let mut out = Sources::new();
    for f in sources.files() {
        let file = Path::new(&f.name);
        let relative = match file.strip_prefix(root) {
            Ok(r) if !r.as_os_str().is_empty() => r,
            _ => file.file_name().map(Path::new).unwrap_or(file),
        };
        let name: Vec<String> = relative
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        out.add(name.join("/"), f.text.clone());
    }
    out
}

pub fn run(path: &str, output: Option<&str>, deny_warnings: bool) -> u8 {
    if let Some(file) = output
        && Path::new(file).is_dir()
    {
        eprintln!(
            "error: cannot write the bundle to `{file}`: it is a folder; name a file instead"
        );
        return USAGE;
    }
    let built = match ruleset_bundle(path, true, deny_warnings) {
        Ok(b) => b,
        Err(status) => {
            if let Some(file) = output {
                eprintln!("error: no bundle written; `{file}` is left as it was");
            } else if status == FAILED && deny_warnings {
                eprintln!("error: no bundle written (`--deny-warnings`)");
            }
            return status;
        }
    };
    let json = built.bundle.to_json();
    let written = match output {
        Some(file) => output::write_atomic(file, json.as_bytes()),
        None => {
            output::stdout(json.as_bytes()).map_err(|e| format!("cannot write the bundle: {e}"))
        }
    };
    match written {
        Ok(()) => OK,
        Err(e) => {
            eprintln!("error: {e}");
            USAGE
        }
    }
}
