//! Reading a ruleset from disk: one file, or every `*.carel` file below a folder, sorted by path.
//! Symbolic links are followed only while they stay inside the folder; each file is read once.

use std::collections::BTreeSet;
use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};

use carel::diagnostic::{Code, Diagnostic};
use carel::source::{self, Sources, Span};

/// A ruleset read from disk. `diagnostics` holds files that are not valid UTF-8.
pub struct Loaded {
    pub sources: Sources,
    pub diagnostics: Vec<Diagnostic>,
}

/// The largest file read as a ruleset file. Real rulesets are kilobytes; the cap keeps a
/// device such as `/dev/zero`, or a huge file named by mistake, from exhausting memory.
pub const MAX_FILE_BYTES: u64 = 16 * 1024 * 1024;

/// Why a path could not be read at all (exit status 2).
#[derive(Debug)]
pub struct LoadError(pub String);

pub fn ruleset(path: &str) -> Result<Loaded, LoadError> {
    let root = Path::new(path);
    let meta = fs::metadata(root)
        .map_err(|e| LoadError(format!("cannot read `{path}`: {}", describe(&e))))?;
    let files = if meta.is_dir() {
        let canonical_root = fs::canonicalize(root)
            .map_err(|e| LoadError(format!("cannot read `{path}`: {}", describe(&e))))?;
        let mut found = Vec::new();
        let mut seen_dirs = BTreeSet::new();
        let mut seen_files = BTreeSet::new();
        walk(
            root,
            &canonical_root,
            &mut seen_dirs,
            &mut seen_files,
            &mut found,
        )?;
        found.sort();
        if found.is_empty() {
            return Err(LoadError(format!(
                "`{path}` contains no `.carel` files: a ruleset folder needs at least one"
            )));
        }
        found
    } else {
        vec![root.to_path_buf()]
    };
    let mut sources = Sources::new();
    if meta.is_dir() {
        let stem = fs::canonicalize(root)
            .ok()
            .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()));
        if let Some(stem) = stem {
            sources.set_name(stem);
        }
    }
    let mut diagnostics = Vec::new();
    for file in files {
        let name = file.to_string_lossy().into_owned();
        let bytes = read_limited(&file, &name, MAX_FILE_BYTES, "a ruleset file")?;
        match source::decode(bytes.clone()) {
            Ok(text) => {
                sources.add(name, text);
            }
            Err(err) => {
                let lossy = String::from_utf8_lossy(&bytes).into_owned();
                let skip = usize::from(bytes.starts_with(b"\xEF\xBB\xBF")) * 3;
                let text = lossy.get(skip..).unwrap_or("").to_string();
                let at = err.offset - skip;
                let id = sources.add(name.clone(), text);
                let end = sources
                    .get(id)
                    .text
                    .get(at..)
                    .and_then(|t| t.chars().next())
                    .map_or(at, |c| at + c.len_utf8());
                diagnostics.push(
                    Diagnostic::new(
                        Code::E001,
                        Span::new(id, at, end),
                        format!("`{name}` is not valid UTF-8 text (invalid byte at offset {})", err.offset),
                    )
                    .with_label("not UTF-8")
                    .with_help("save the file as UTF-8; most editors offer this under \"Save with encoding\""),
                );
            }
        }
    }
    Ok(Loaded {
        sources,
        diagnostics,
    })
}

fn walk(
    dir: &Path,
    root: &Path,
    seen_dirs: &mut BTreeSet<PathBuf>,
    seen_files: &mut BTreeSet<PathBuf>,
    found: &mut Vec<PathBuf>,
) -> Result<(), LoadError> {
    let canonical = match fs::canonicalize(dir) {
        Ok(c) => c,
        Err(_) => return Ok(()),
    };
    if !canonical.starts_with(root) || !seen_dirs.insert(canonical) {
        return Ok(());
    }
    let entries = fs::read_dir(dir).map_err(|e| {
        LoadError(format!(
            "cannot read folder `{}`: {}",
            dir.display(),
            describe(&e)
        ))
    })?;
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for path in paths {
        // Broken links and links that loop are skipped: they hold no rules.
        let Ok(meta) = fs::metadata(&path) else {
            continue;
        };
        if meta.is_dir() {
            walk(&path, root, seen_dirs, seen_files, found)?;
        } else if meta.is_file() && path.extension().is_some_and(|e| e == "carel") {
            let Ok(canonical) = fs::canonicalize(&path) else {
                continue;
            };
            if canonical.starts_with(root) && seen_files.insert(canonical) {
                found.push(path);
            }
        }
    }
    Ok(())
}

/// Read a whole file, refusing one larger than `limit` bytes (`what` names what it should be).
pub fn read_limited(file: &Path, name: &str, limit: u64, what: &str) -> Result<Vec<u8>, LoadError> {
    let cannot = |e: std::io::Error| LoadError(format!("cannot read `{name}`: {}", describe(&e)));
    let mut bytes = Vec::new();
    fs::File::open(file)
        .and_then(|f| f.take(limit + 1).read_to_end(&mut bytes))
        .map_err(cannot)?;
    if bytes.len() as u64 > limit {
        return Err(LoadError(format!(
            "cannot read `{name}`: it is larger than {} MiB, too large for {what}",
            limit / (1024 * 1024)
        )));
    }
    Ok(bytes)
}

pub fn describe(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file or folder".to_string(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        std::io::ErrorKind::NotADirectory => "part of the path is a file, not a folder".to_string(),
        std::io::ErrorKind::IsADirectory => "it is a folder, not a file".to_string(),
        // ELOOP: `ErrorKind::FilesystemLoop` is not stable yet.
        _ if e.raw_os_error() == Some(40) && cfg!(target_os = "linux") => {
            "the path is a loop of symbolic links".to_string()
        }
        _ => e.to_string(),
    }
}
