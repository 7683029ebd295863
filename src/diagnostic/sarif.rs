//! SARIF 2.1.0 logs for code-scanning services (GitHub, GitLab, Azure DevOps), built with the
//! typed model of `serde-sarif`.
//!
//! - File locations are URIs relative to a base (`%SRCROOT%`, given in `originalUriBaseIds`),
//!   percent-encoded segment by segment; a file outside the base gets an absolute `file://` URI.
//! - Each result carries a `partialFingerprints` entry computed from what the finding is (code,
//!   message, the text it points at, the file's name and the occurrence among identical ones),
//!   not from the folder or the line, so it survives moving the ruleset and editing above it.
//! - Each rule carries its explanation as `help.markdown` and a `helpUri` into docs/diagnostics.md.
//! - A ruleset that cannot be loaded still gives a log: `executionSuccessful: false` with the
//!   error as a tool execution notification.

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde_sarif::sarif as s;
use sha2::{Digest, Sha256};

use super::{Code, Diagnostic, Severity};
use crate::source::{Sources, Span};

/// The base id that relative URIs name; code-scanning services resolve it to the checkout.
pub const BASE_ID: &str = "SRCROOT";
/// Where Carel's documentation lives; rule `helpUri`s point into its diagnostics page.
pub const INFORMATION_URI: &str = env!("CARGO_PKG_REPOSITORY");
const SCHEMA: &str =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";

/// Characters kept as they are in a path segment: RFC 3986 unreserved characters. Everything
/// else (spaces, `#`, `%`, `?`, non-ASCII as UTF-8 bytes) is percent-encoded.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Where each file of a log is: its URI and whether that URI is relative to [`BASE_ID`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Artifacts {
    /// The base as an absolute `file://` URI ending in `/`, if any file is relative to it.
    pub base: Option<String>,
    /// Per file of the sources, in order: (URI, relative to the base).
    pub files: Vec<(String, bool)>,
}

impl Artifacts {
    /// The file names as they are, taken as paths relative to an unnamed base (for callers with
    /// no file system, such as tests and editors).
    pub fn relative_names(sources: &Sources) -> Artifacts {
        Artifacts {
            base: None,
            files: sources
                .files()
                .iter()
                .map(|f| (encode_relative(Path::new(&f.name)), true))
                .collect(),
        }
    }

    /// The files' URIs relative to `root` when they lie below it, absolute otherwise. Names are
    /// paths as the files were read, relative to `cwd` unless absolute; `cwd` and `root` must be
    /// absolute. Purely lexical: `.` and `..` are resolved by name, symbolic links are not.
    pub fn below(sources: &Sources, cwd: &Path, root: &Path) -> Artifacts {
        let root = normalize(&cwd.join(root));
        let files: Vec<(String, bool)> = sources
            .files()
            .iter()
            .map(|f| {
                let path = normalize(&cwd.join(&f.name));
                match path.strip_prefix(&root) {
                    Ok(rel) if !rel.as_os_str().is_empty() => (encode_relative(rel), true),
                    _ => (file_uri(&path, false), false),
                }
            })
            .collect();
        let base = files
            .iter()
            .any(|(_, relative)| *relative)
            .then(|| file_uri(&root, true));
        Artifacts { base, files }
    }
}

/// `.` and `..` resolved by name.
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

fn segments(path: &Path) -> Vec<String> {
    path.components()
        .filter_map(|c| match c {
            Component::Normal(s) => {
                Some(utf8_percent_encode(&s.to_string_lossy(), SEGMENT).to_string())
            }
            _ => None,
        })
        .collect()
}

/// A relative path as a relative URI reference: `my rules/a#1.carel` → `my%20rules/a%231.carel`.
pub fn encode_relative(path: &Path) -> String {
    segments(&normalize(path)).join("/")
}

/// An absolute path as a `file://` URI (with a trailing `/` for a folder).
pub fn file_uri(path: &Path, folder: bool) -> String {
    let mut uri = String::from("file://");
    // A Windows drive (`C:`) becomes the first segment, as in `file:///C:/...`.
    if let Some(Component::Prefix(p)) = path.components().next() {
        uri.push('/');
        uri.push_str(&p.as_os_str().to_string_lossy().replace('\\', "/"));
    }
    for segment in segments(path) {
        uri.push('/');
        uri.push_str(&segment);
    }
    if folder || uri == "file://" {
        uri.push('/');
    }
    uri
}

/// The anchor of a code in docs/diagnostics.md.
pub fn help_uri(code: Code) -> String {
    format!(
        "{INFORMATION_URI}/blob/main/docs/diagnostics.md#{}",
        code.as_str().to_lowercase()
    )
}

fn text(t: impl Into<String>) -> s::Message {
    s::Message::builder().text(t.into()).build()
}

fn level(severity: Severity) -> s::ResultLevel {
    match severity {
        Severity::Error => s::ResultLevel::Error,
        Severity::Warning => s::ResultLevel::Warning,
    }
}

fn driver() -> s::ToolComponent {
    let rules: Vec<s::ReportingDescriptor> = Code::ALL
        .iter()
        .map(|&c| {
            s::ReportingDescriptor::builder()
                .id(c.as_str())
                .name(c.title().to_string())
                .short_description(
                    s::MultiformatMessageString::builder()
                        .text(c.title())
                        .build(),
                )
                .help(
                    s::MultiformatMessageString::builder()
                        .text(format!("{}: {}. See {}", c, c.title(), help_uri(c)))
                        .markdown(c.explanation().trim().to_string())
                        .build(),
                )
                .help_uri(help_uri(c))
                .default_configuration(
                    s::ReportingConfiguration::builder()
                        .level(serde_json::Value::from(c.severity().as_str()))
                        .build(),
                )
                .build()
        })
        .collect();
    s::ToolComponent::builder()
        .name("carel")
        .version(env!("CARGO_PKG_VERSION"))
        .semantic_version(env!("CARGO_PKG_VERSION"))
        .information_uri(INFORMATION_URI)
        .rules(rules)
        .build()
}

fn location(sources: &Sources, artifacts: &Artifacts, span: Span) -> s::PhysicalLocation {
    let file = sources.get(span.file());
    let (line, column) = file.line_col(span.start());
    let (end_line, end_column) = file.line_col(span.end());
    let (uri, relative) = artifacts
        .files
        .get(span.file())
        .cloned()
        .unwrap_or_else(|| (encode_relative(Path::new(&file.name)), true));
    let artifact = if relative && artifacts.base.is_some() {
        s::ArtifactLocation::builder()
            .uri(uri)
            .uri_base_id(BASE_ID)
            .build()
    } else {
        s::ArtifactLocation::builder().uri(uri).build()
    };
    s::PhysicalLocation::builder()
        .artifact_location(artifact)
        .region(
            s::Region::builder()
                .start_line(line as i64)
                .start_column(column as i64)
                .end_line(end_line as i64)
                .end_column(end_column as i64)
                .build(),
        )
        .build()
}

/// What a finding is, independent of where its ruleset lives and of the lines above it.
fn fingerprint(sources: &Sources, d: &Diagnostic) -> String {
    let file = sources.get(d.span.file());
    let base = Path::new(&file.name)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut hash = Sha256::new();
    for part in [d.code.as_str(), &d.message, &base, sources.slice(d.span)] {
        hash.update(part.len().to_le_bytes());
        hash.update(part.as_bytes());
    }
    let digest = hash.finalize();
    digest[..16].iter().map(|b| format!("{b:02x}")).collect()
}

fn run(results: Vec<s::Result>, artifacts: &Artifacts, invocation: s::Invocation) -> s::Run {
    let mut run = s::Run::builder()
        .tool(s::Tool::builder().driver(driver()).build())
        .column_kind(serde_json::Value::from("unicodeCodePoints"))
        .invocations(vec![invocation])
        .results(results)
        .build();
    if let Some(base) = &artifacts.base {
        let mut bases = BTreeMap::new();
        bases.insert(
            BASE_ID.to_string(),
            s::ArtifactLocation::builder().uri(base.clone()).build(),
        );
        run.original_uri_base_ids = Some(bases);
    }
    run
}

fn log(run: s::Run) -> s::Sarif {
    s::Sarif::builder()
        .schema(SCHEMA)
        .version(serde_json::Value::from("2.1.0"))
        .runs(vec![run])
        .build()
}

/// The SARIF log of a check: one run, one result per diagnostic.
pub fn sarif(sources: &Sources, diagnostics: &[Diagnostic], artifacts: &Artifacts) -> s::Sarif {
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    let results: Vec<s::Result> = diagnostics
        .iter()
        .map(|d| {
            let mut message = d.message.clone();
            for note in &d.notes {
                message.push_str(&format!("\nnote: {note}"));
            }
            if let Some(help) = &d.help {
                message.push_str(&format!("\nhelp: {help}"));
            }
            let print = fingerprint(sources, d);
            let n = seen.entry(print.clone()).or_insert(0);
            *n += 1;
            let mut prints = BTreeMap::new();
            prints.insert("carelFinding/v1".to_string(), format!("{print}:{n}"));
            let related: Vec<s::Location> = d
                .secondary
                .iter()
                .enumerate()
                .map(|(i, l)| {
                    s::Location::builder()
                        .id(i as i64 + 1)
                        .physical_location(location(sources, artifacts, l.span))
                        .message(text(l.message.clone()))
                        .build()
                })
                .collect();
            let mut result = s::Result::builder()
                .rule_id(d.code.as_str())
                .rule_index(Code::ALL.iter().position(|c| *c == d.code).unwrap_or(0) as i64)
                .level(level(d.severity()))
                .message(text(message))
                .locations(vec![
                    s::Location::builder()
                        .physical_location(location(sources, artifacts, d.span))
                        .build(),
                ])
                .partial_fingerprints(prints)
                .build();
            if !related.is_empty() {
                result.related_locations = Some(related);
            }
            result
        })
        .collect();
    let invocation = s::Invocation::builder().execution_successful(true).build();
    log(run(results, artifacts, invocation))
}

/// The log of a check that could not run: no results, `executionSuccessful: false`, and the
/// reason as an error notification.
pub fn failure(message: &str) -> s::Sarif {
    let notification = s::Notification::builder()
        .level(serde_json::Value::from("error"))
        .message(text(message))
        .build();
    let invocation = s::Invocation::builder()
        .execution_successful(false)
        .tool_execution_notifications(vec![notification])
        .build();
    let artifacts = Artifacts {
        base: None,
        files: Vec::new(),
    };
    log(run(Vec::new(), &artifacts, invocation))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sources(names: &[&str]) -> Sources {
        let mut s = Sources::new();
        for n in names {
            s.add(*n, "");
        }
        s
    }

    #[test]
    fn paths_below_the_root_are_relative_and_encoded() {
        let s = sources(&[
            "./my rules/a#1.carel",
            "my rules/ü/b.carel",
            "../elsewhere/c.carel",
        ]);
        let a = Artifacts::below(&s, Path::new("/work/repo"), Path::new("."));
        assert_eq!(a.base.as_deref(), Some("file:///work/repo/"));
        assert_eq!(
            a.files,
            vec![
                ("my%20rules/a%231.carel".to_string(), true),
                ("my%20rules/%C3%BC/b.carel".to_string(), true),
                ("file:///work/elsewhere/c.carel".to_string(), false),
            ]
        );
    }

    #[test]
    fn a_root_elsewhere_and_absolute_names() {
        let s = sources(&["/data/r s/x.carel", "y.carel"]);
        let a = Artifacts::below(&s, Path::new("/home/u"), Path::new("/data"));
        assert_eq!(a.base.as_deref(), Some("file:///data/"));
        assert_eq!(
            a.files,
            vec![
                ("r%20s/x.carel".to_string(), true),
                ("file:///home/u/y.carel".to_string(), false),
            ]
        );
        let none = Artifacts::below(&sources(&["/x.carel"]), Path::new("/"), Path::new("/a"));
        assert_eq!(none.base, None);
    }
}
