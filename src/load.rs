//! Reading rulesets and bundles from disk, for the command line and the language server alike:
//! one file, or every `*.carel` file below a folder, sorted by path (§1). Symbolic links are
//! followed only while they stay inside the folder; each file is read once. One size limit,
//! [`MAX_FILE_BYTES`], holds for every ruleset file and bundle.
//!
//! This is the edge where files are read; the stages after it (syntax, names, analysis,
//! bundle) never touch the file system.

use std::collections::BTreeSet;
use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};

use crate::diagnostic::{Code, Diagnostic};
use crate::source::{Sources, Span};

/// A ruleset read from disk. `diagnostics` holds files that are not valid UTF-8.
pub struct Loaded {
    pub sources: Sources,
    pub diagnostics: Vec<Diagnostic>,
}

/// The largest ruleset file or bundle read: byte offsets in spans are 32-bit, so a ruleset
/// file can hold at most `u32::MAX` bytes (4 GiB less one byte). Generated rulesets
/// (spreadsheet and guideline exports) come as one file of hundreds of megabytes, and their
/// bundles are larger still (about 930 bytes per rule); this is the only limit on either.
pub const MAX_FILE_BYTES: u64 = u32::MAX as u64;

/// Why a path could not be read at all (exit status 2).
#[derive(Debug)]
pub struct LoadError(pub String);

pub fn ruleset(path: &str) -> Result<Loaded, LoadError> {
    let root = Path::new(path);
    let meta = fs::metadata(root)
        .map_err(|e| LoadError(format!("cannot read `{path}`: {}", describe(&e))))?;
    let files = if meta.is_dir() {
        let folder = folder(root)?;
        if let Some((dir, why)) = folder.unreadable.into_iter().next() {
            return Err(LoadError(format!(
                "cannot read folder `{}`: {why}",
                dir.display()
            )));
        }
        if folder.files.is_empty() {
            return Err(LoadError(format!(
                "`{path}` contains no `.carel` files: a ruleset folder needs at least one"
            )));
        }
        folder.files.into_iter().map(|f| f.path).collect()
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
        let (text, invalid) = decode_lossy(bytes);
        let id = sources.add(name.clone(), text);
        if let Some(invalid) = invalid {
            let message = format!(
                "`{name}` is not valid UTF-8 text (invalid byte at offset {})",
                invalid.offset
            );
            diagnostics.push(not_utf8(&sources, id, invalid.at, message));
        }
    }
    Ok(Loaded {
        sources,
        diagnostics,
    })
}

/// Where a file stops being UTF-8.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct InvalidUtf8 {
    /// Byte offset of the first invalid byte in the file.
    pub offset: usize,
    /// The same place in the decoded text (after a byte-order mark, which is dropped).
    pub at: usize,
}

/// A file's text: a UTF-8 byte-order mark dropped, and when the rest is not UTF-8, the text
/// with each invalid sequence replaced by U+FFFD and where the first one was.
pub fn decode_lossy(bytes: Vec<u8>) -> (String, Option<InvalidUtf8>) {
    const BOM: &[u8] = b"\xEF\xBB\xBF";
    let skip = if bytes.starts_with(BOM) { BOM.len() } else { 0 };
    let mut bytes = bytes;
    bytes.drain(..skip);
    match String::from_utf8(bytes) {
        Ok(text) => (text, None),
        Err(e) => {
            let at = e.utf8_error().valid_up_to();
            let text = String::from_utf8_lossy(e.as_bytes()).into_owned();
            (
                text,
                Some(InvalidUtf8 {
                    offset: at + skip,
                    at,
                }),
            )
        }
    }
}

/// E001 for a file that is not UTF-8, at the first invalid character of file `id`.
pub fn not_utf8(sources: &Sources, id: usize, at: usize, message: String) -> Diagnostic {
    let end = sources
        .get(id)
        .text
        .get(at..)
        .and_then(|t| t.chars().next())
        .map_or(at, |c| at + c.len_utf8());
    Diagnostic::new(Code::E001, Span::new(id, at, end), message)
        .with_label("not UTF-8")
        .with_help("save the file as UTF-8; most editors offer this under \"Save with encoding\"")
}

/// A ruleset file found in a folder.
#[derive(Clone, Debug, PartialEq)]
pub struct FolderFile {
    /// The path as reached from the folder (through links as written).
    pub path: PathBuf,
    /// The file itself, every link resolved.
    pub canonical: PathBuf,
}

/// The ruleset files of a folder, and the folders below it that could not be listed.
#[derive(Debug, Default)]
pub struct Folder {
    /// Every `.carel` file, in the order the folder's entries sort by name.
    pub files: Vec<FolderFile>,
    /// Folders below the root that could not be listed, and why, in the same order.
    pub unreadable: Vec<(PathBuf, String)>,
}

/// Every `.carel` file below `root`, in the order the folder's entries sort by name (§1).
/// Links are followed; a link (or a link's target) that leads outside the folder, or back to
/// a folder or file already seen, is skipped, as are broken links and links that loop. `Err`
/// when `root` itself cannot be listed.
pub fn folder(root: &Path) -> Result<Folder, LoadError> {
    let canonical_root = fs::canonicalize(root).map_err(|e| {
        LoadError(format!(
            "cannot read `{}`: {}",
            root.display(),
            describe(&e)
        ))
    })?;
    let mut seen_dirs = BTreeSet::new();
    let mut seen_files = BTreeSet::new();
    let mut found = Folder::default();
    let mut entries = walkdir::WalkDir::new(root)
        .follow_links(true)
        .sort_by_file_name()
        .into_iter();
    while let Some(entry) = entries.next() {
        let entry = match entry {
            Ok(entry) => entry,
            // The folder named itself cannot be listed: say so. Below it, broken links and
            // links that loop hold no rules and are skipped.
            Err(e) if e.depth() == 0 => {
                let why = e
                    .into_io_error()
                    .as_ref()
                    .map_or("it cannot be listed".to_string(), describe);
                return Err(LoadError(format!(
                    "cannot read folder `{}`: {why}",
                    root.display()
                )));
            }
            Err(e) => {
                if e.io_error().is_some() && e.path().is_some_and(|p| p.is_dir()) {
                    // A folder below the root that cannot be listed.
                    let path = e.path().map(Path::to_path_buf).unwrap_or_default();
                    let why = e
                        .into_io_error()
                        .as_ref()
                        .map_or("it cannot be listed".to_string(), describe);
                    found.unreadable.push((path, why));
                }
                continue;
            }
        };
        let is_dir = entry.file_type().is_dir();
        let is_ruleset =
            entry.file_type().is_file() && entry.path().extension().is_some_and(|e| e == "carel");
        if !is_dir && !is_ruleset {
            continue;
        }
        let Ok(canonical) = fs::canonicalize(entry.path()) else {
            if is_dir {
                entries.skip_current_dir();
            }
            continue;
        };
        if is_dir {
            if !canonical.starts_with(&canonical_root) || !seen_dirs.insert(canonical) {
                entries.skip_current_dir();
            }
        } else if canonical.starts_with(&canonical_root) && seen_files.insert(canonical.clone()) {
            found.files.push(FolderFile {
                path: entry.into_path(),
                canonical,
            });
        }
    }
    Ok(found)
}

/// Read a whole file, refusing one larger than `limit` bytes (`what` names what it should be)
/// and a device (`/dev/zero` would never end).
pub fn read_limited(file: &Path, name: &str, limit: u64, what: &str) -> Result<Vec<u8>, LoadError> {
    let cannot = |e: std::io::Error| LoadError(format!("cannot read `{name}`: {}", describe(&e)));
    let f = fs::File::open(file).map_err(cannot)?;
    let meta = f.metadata().map_err(cannot)?;
    if is_device(&meta) {
        return Err(LoadError(format!(
            "cannot read `{name}`: it is a device, not {what}"
        )));
    }
    if meta.is_file() {
        check_size(meta.len(), name, limit, what)?;
    }
    let mut bytes = Vec::new();
    f.take(limit + 1).read_to_end(&mut bytes).map_err(cannot)?;
    check_size(bytes.len() as u64, name, limit, what)?;
    Ok(bytes)
}

/// The error for a file of `len` bytes when at most `limit` are allowed.
pub fn check_size(len: u64, name: &str, limit: u64, what: &str) -> Result<(), LoadError> {
    if len <= limit {
        return Ok(());
    }
    Err(LoadError(format!(
        "cannot read `{name}`: it is larger than {}, the most {what} can hold",
        size_text(limit)
    )))
}

/// A limit in words: `64 MiB`, `4 GiB` (`u32::MAX` bytes reads as 4 GiB, rounded up).
pub fn size_text(limit: u64) -> String {
    let mib = limit.div_ceil(1024 * 1024);
    if mib >= 1024 && mib.is_multiple_of(1024) {
        format!("{} GiB", mib / 1024)
    } else {
        format!("{mib} MiB")
    }
}

#[cfg(unix)]
fn is_device(meta: &fs::Metadata) -> bool {
    use std::os::unix::fs::FileTypeExt;
    meta.file_type().is_char_device() || meta.file_type().is_block_device()
}

#[cfg(not(unix))]
fn is_device(_: &fs::Metadata) -> bool {
    false
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ruleset_files_may_hold_up_to_four_gibibytes() {
        let what = "a ruleset file";
        assert!(check_size(68 * 1024 * 1024, "big.carel", MAX_FILE_BYTES, what).is_ok());
        assert!(check_size(1 << 30, "big.carel", MAX_FILE_BYTES, what).is_ok());
        assert!(check_size(u32::MAX as u64, "big.carel", MAX_FILE_BYTES, what).is_ok());
        let err = check_size(1 << 32, "big.carel", MAX_FILE_BYTES, what).unwrap_err();
        assert_eq!(
            err.0,
            "cannot read `big.carel`: it is larger than 4 GiB, the most a ruleset file can hold"
        );
    }

    #[test]
    fn limits_read_in_mebibytes_or_gibibytes() {
        assert_eq!(size_text(64 * 1024 * 1024), "64 MiB");
        assert_eq!(size_text(u32::MAX as u64), "4 GiB");
        assert_eq!(size_text(2 << 30), "2 GiB");
    }

    /// The walk both `carel check` and the language server use: sorted by name, links kept
    /// inside the folder, each file once (by the link met first), loops and broken links
    /// skipped, and every file with its resolved path.
    #[cfg(unix)]
    #[test]
    fn folders_are_walked_in_order_with_links_kept_inside() {
        use std::os::unix::fs::symlink;
        let outside = tempfile::tempdir().unwrap();
        fs::write(outside.path().join("x.carel"), "").unwrap();
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        fs::create_dir(root.join("b")).unwrap();
        fs::write(root.join("b/z.carel"), "").unwrap();
        fs::write(root.join("c.carel"), "").unwrap();
        fs::write(root.join("notes.txt"), "").unwrap();
        symlink(root.join("b/z.carel"), root.join("a.carel")).unwrap();
        symlink(outside.path().join("x.carel"), root.join("d.carel")).unwrap();
        symlink(root, root.join("b/loop")).unwrap();
        symlink(root.join("gone.carel"), root.join("e.carel")).unwrap();
        let folder = folder(root).unwrap();
        let found: Vec<(String, String)> = folder
            .files
            .iter()
            .map(|f| {
                let canonical = fs::canonicalize(root).unwrap();
                (
                    f.path.strip_prefix(root).unwrap().display().to_string(),
                    f.canonical
                        .strip_prefix(&canonical)
                        .unwrap()
                        .display()
                        .to_string(),
                )
            })
            .collect();
        assert_eq!(
            found,
            [
                ("a.carel".to_string(), "b/z.carel".to_string()),
                ("c.carel".to_string(), "c.carel".to_string()),
            ]
        );
        assert!(folder.unreadable.is_empty());
        let err = folder_err(&root.join("missing"));
        assert!(err.starts_with("cannot read `"), "{err}");
    }

    fn folder_err(path: &Path) -> String {
        match folder(path) {
            Ok(_) => panic!("no such folder"),
            Err(e) => e.0,
        }
    }

    #[test]
    fn text_that_is_not_utf8_is_read_with_the_place_it_breaks() {
        assert_eq!(
            decode_lossy(b"\xEF\xBB\xBFab".to_vec()),
            ("ab".to_string(), None)
        );
        let (text, invalid) = decode_lossy(b"\xEF\xBB\xBFa\xFFb".to_vec());
        assert_eq!(text, "a\u{FFFD}b");
        assert_eq!(invalid, Some(InvalidUtf8 { offset: 4, at: 1 }));
    }
}
