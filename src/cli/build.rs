//! `carel build`: write the JSON bundle of a ruleset, refusing when it has errors.
//! `--format fhir` writes the FHIR R4 export instead; `--sign KEY` also writes a minisign
//! signature next to the output file. Also the shared step of `eval` and `test`: compile a ruleset into its bundle.

use std::io::Write;
use std::path::Path;

use super::{FAILED, OK, USAGE, load, output};
use crate::BuildFormat;
use carel::bundle::{self, Bundle};
use carel::model::Model;
use carel::sign;
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
    // Every command that builds a bundle ends soon after: the system takes the analysis back
    // faster than the allocator would, record by record.
    std::mem::forget(analysis);
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

/// What `carel build` writes.
pub fn run(
    path: &str,
    output: Option<&str>,
    format: BuildFormat,
    sign: Option<&str>,
    deny_warnings: bool,
) -> u8 {
    if let Some(file) = output
        && Path::new(file).is_dir()
    {
        eprintln!(
            "error: cannot write the bundle to `{file}`: it is a folder; name a file instead"
        );
        return USAGE;
    }
    if sign.is_some() && output.is_none() {
        eprintln!(
            "error: `--sign` writes the signature next to the output file: name one with `-o FILE`"
        );
        return USAGE;
    }
    // Read the key before compiling, so that a key problem is reported before anything else.
    let secret_key = match sign.map(read_secret_key).transpose() {
        Ok(k) => k,
        Err(e) => {
            eprintln!("error: {e}");
            return USAGE;
        }
    };
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
    // The plain bundle is written to its file a piece at a time; what is signed or exported
    // to FHIR is made in memory first.
    let kind = match format {
        BuildFormat::Bundle => "bundle",
        BuildFormat::Fhir => "fhir",
    };
    let text = match (format, &secret_key) {
        (BuildFormat::Bundle, None) => None,
        (BuildFormat::Bundle, Some(_)) => Some(built.bundle.to_json()),
        (BuildFormat::Fhir, _) => Some(carel::fhir::export(&built.bundle).to_json()),
    };
    // Sign in memory first: a key that cannot sign leaves every file as it was.
    let signature = match (&secret_key, &text) {
        (Some(key), Some(text)) => {
            let b = &built.bundle;
            let comment =
                sign::trusted_comment(kind, &b.ruleset.name, &b.ruleset.version, &b.digest);
            let password = std::env::var("CAREL_SIGN_PASSWORD").ok();
            match sign::sign(text.as_bytes(), key, password.as_deref(), &comment) {
                Ok(s) => Some(s),
                Err(e) => {
                    eprintln!("error: cannot sign with `{}`: {e}", sign_path(sign));
                    if let Some(file) = output {
                        eprintln!("error: no bundle written; `{file}` is left as it was");
                    }
                    return USAGE;
                }
            }
        }
        _ => None,
    };
    let written = match output {
        Some(file) => output::write_atomic_with(file, |out| match &text {
            Some(text) => out.write_all(text.as_bytes()),
            None => built.bundle.write_json(out),
        })
        .and_then(|()| match &signature {
            Some(sig) => {
                let sig_file = format!("{file}{}", sign::SIGNATURE_SUFFIX);
                output::write_atomic(&sig_file, sig.as_bytes())
            }
            None => Ok(()),
        }),
        None => match &text {
            Some(text) => output::stdout(text.as_bytes()),
            None => output::stdout_with(|out| built.bundle.write_json(out)),
        }
        .map_err(|e| format!("cannot write the bundle: {e}")),
    };
    // The process ends here: the system takes the model and the bundle back at once.
    std::mem::forget(built);
    match written {
        Ok(()) => OK,
        Err(e) => {
            eprintln!("error: {e}");
            USAGE
        }
    }
}

fn sign_path(sign: Option<&str>) -> &str {
    sign.unwrap_or_default()
}

/// The largest key file read: minisign keys are a few hundred bytes.
const MAX_KEY_BYTES: u64 = 64 * 1024;

/// Read a key file as text.
pub fn read_key_file(file: &str, what: &str) -> Result<String, String> {
    let bytes = load::read_limited(Path::new(file), file, MAX_KEY_BYTES, what).map_err(|e| e.0)?;
    String::from_utf8(bytes).map_err(|_| format!("`{file}` is not {what}: it is not text"))
}

fn read_secret_key(file: &str) -> Result<String, String> {
    read_key_file(file, "a minisign secret key")
}
