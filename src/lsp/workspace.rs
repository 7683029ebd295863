//! The session's view of the rulesets: the files of the workspace folder as on disk, with the
//! editor's unsaved buffers laid over them, compiled with the same [`crate::compile`] as
//! `carel check`.
//!
//! The workspace folder is one ruleset (every `*.carel` file below it, sorted by path, symbolic
//! links followed only while they stay inside). A document outside the folder (or an unsaved,
//! untitled one) is a ruleset of its own.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use lsp_types::Uri;

use super::index::{FileIndex, RulesetIndex};
use super::position::LineIndex;
use super::uri;
use crate::load;
use crate::source::{Sources, Span};
use crate::{Compilation, compile};

/// A file as read from disk.
#[derive(Clone, Debug)]
struct DiskFile {
    text: String,
    /// Byte offset of the first invalid UTF-8 byte, when the file is not UTF-8.
    invalid_at: Option<usize>,
}

/// A document the editor has open: its text there, which wins over the file on disk.
#[derive(Clone, Debug)]
pub struct Document {
    pub uri: Uri,
    pub text: String,
    pub version: i32,
}

/// One file of a compiled ruleset.
#[derive(Debug)]
pub struct FileEntry {
    pub path: PathBuf,
    pub uri: Uri,
    lines: OnceLock<LineIndex>,
}

/// A ruleset compiled from the session's current texts.
#[derive(Debug)]
pub struct Ruleset {
    pub files: Vec<FileEntry>,
    pub sources: Sources,
    pub compilation: Compilation,
    index: OnceLock<RulesetIndex>,
}

impl Ruleset {
    /// The file id of a path, if the file belongs to this ruleset.
    pub fn file_of(&self, path: &Path) -> Option<usize> {
        self.files.iter().position(|f| f.path == path)
    }

    pub fn text(&self, file: usize) -> &str {
        &self.sources.get(file).text
    }

    pub fn lines(&self, file: usize) -> &LineIndex {
        self.files[file]
            .lines
            .get_or_init(|| LineIndex::new(self.text(file)))
    }

    pub fn range(&self, span: Span) -> lsp_types::Range {
        let file = span.file();
        self.lines(file)
            .range(self.text(file), span.start(), span.end())
    }

    pub fn range_of(&self, file: usize, start: usize, end: usize) -> lsp_types::Range {
        self.lines(file).range(self.text(file), start, end)
    }

    pub fn offset(&self, file: usize, position: lsp_types::Position) -> usize {
        self.lines(file).offset(self.text(file), position)
    }

    pub fn location(&self, file: usize, start: usize, end: usize) -> lsp_types::Location {
        lsp_types::Location::new(
            self.files[file].uri.clone(),
            self.range_of(file, start, end),
        )
    }

    /// The names of every file, read when first needed (after the session's cache is set).
    pub fn index(&self) -> &RulesetIndex {
        self.index.get_or_init(RulesetIndex::default)
    }
}

/// The open documents, the workspace folder's files and the rulesets they form.
#[derive(Default)]
pub struct Session {
    root: Option<PathBuf>,
    disk: BTreeMap<PathBuf, DiskFile>,
    open: BTreeMap<PathBuf, Document>,
    /// Each file's index with the text it was built from, so that only changed files are read
    /// again.
    indexes: HashMap<PathBuf, (String, Arc<FileIndex>)>,
    rulesets: Vec<Ruleset>,
    dirty: bool,
}

impl Session {
    /// A session for a workspace folder (or none: every document is then a ruleset of its own).
    pub fn new(root: Option<PathBuf>) -> Session {
        let root = root.map(|r| fs::canonicalize(&r).unwrap_or(r));
        let mut s = Session {
            root,
            dirty: true,
            ..Session::default()
        };
        s.reload_disk();
        s
    }

    pub fn root(&self) -> Option<&Path> {
        self.root.as_deref()
    }

    /// Read every ruleset file below the workspace folder again.
    pub fn reload_disk(&mut self) {
        self.disk.clear();
        if let Some(root) = self.root.clone() {
            // Folders that cannot be listed hold no files the session can show.
            let files = load::folder(&root).map(|f| f.files).unwrap_or_default();
            let found: BTreeSet<PathBuf> = files.into_iter().map(|f| f.canonical).collect();
            for path in found {
                if let Some(file) = read(&path) {
                    self.disk.insert(path, file);
                }
            }
        }
        self.dirty = true;
    }

    /// A file below the workspace folder was created, changed or deleted on disk.
    pub fn disk_changed(&mut self, path: &Path) {
        let path = normalise(path);
        if !self.is_in_workspace(&path) {
            return;
        }
        match read(&path) {
            Some(file) if path.extension().is_some_and(|e| e == "carel") => {
                self.disk.insert(path, file);
            }
            _ => {
                self.disk.remove(&path);
            }
        }
        self.dirty = true;
    }

    fn is_in_workspace(&self, path: &Path) -> bool {
        self.root.as_ref().is_some_and(|r| path.starts_with(r))
    }

    pub fn open(&mut self, uri: Uri, text: String, version: i32) {
        let path = key(&uri);
        self.open.insert(path, Document { uri, text, version });
        self.dirty = true;
    }

    pub fn close(&mut self, uri: &Uri) {
        let path = key(uri);
        self.open.remove(&path);
        if self.is_in_workspace(&path) {
            self.disk_changed(&path);
        }
        self.dirty = true;
    }

    pub fn document(&self, uri: &Uri) -> Option<&Document> {
        self.open.get(&key(uri))
    }

    pub fn document_mut(&mut self, uri: &Uri) -> Option<&mut Document> {
        self.dirty = true;
        self.open.get_mut(&key(uri))
    }

    /// The compiled rulesets, compiled again if anything changed since.
    pub fn rulesets(&mut self) -> &[Ruleset] {
        if self.dirty {
            self.rebuild();
        }
        &self.rulesets
    }

    /// The ruleset a document belongs to and its file id there.
    pub fn find(&mut self, uri: &Uri) -> Option<(&Ruleset, usize)> {
        let path = key(uri);
        let rulesets = self.rulesets();
        rulesets
            .iter()
            .find_map(|r| r.file_of(&path).map(|file| (r, file)))
    }

    /// Like [`Session::find`], with the names of every file of the ruleset read.
    pub fn find_indexed(&mut self, uri: &Uri) -> Option<(&Ruleset, usize)> {
        let path = key(uri);
        let _ = self.rulesets();
        let which = self
            .rulesets
            .iter()
            .position(|r| r.file_of(&path).is_some())?;
        self.ensure_index(which);
        let ruleset = &self.rulesets[which];
        Some((ruleset, ruleset.file_of(&path)?))
    }

    /// Index every ruleset (for workspace-wide requests) and return them.
    pub fn indexed(&mut self) -> &[Ruleset] {
        let _ = self.rulesets();
        for i in 0..self.rulesets.len() {
            self.ensure_index(i);
        }
        &self.rulesets
    }

    fn ensure_index(&mut self, which: usize) {
        if self.rulesets[which].index.get().is_some() {
            return;
        }
        let ruleset = &self.rulesets[which];
        let mut files = Vec::with_capacity(ruleset.files.len());
        for (id, entry) in ruleset.files.iter().enumerate() {
            let file = ruleset.sources.get(id);
            let cached = self
                .indexes
                .get(&entry.path)
                .filter(|(text, _)| *text == file.text)
                .map(|(_, index)| index.clone());
            let index = match cached {
                Some(index) => index,
                None => {
                    let index = Arc::new(FileIndex::build(file.stem(), &file.text));
                    self.indexes
                        .insert(entry.path.clone(), (file.text.clone(), index.clone()));
                    index
                }
            };
            files.push(index);
        }
        let _ = ruleset.index.set(RulesetIndex::new(files));
    }

    fn rebuild(&mut self) {
        self.dirty = false;
        let mut groups: Vec<(Option<String>, Vec<PathBuf>)> = Vec::new();
        if let Some(root) = &self.root {
            let mut files: BTreeSet<PathBuf> = self.disk.keys().cloned().collect();
            files.extend(
                self.open
                    .keys()
                    .filter(|p| p.starts_with(root) && p.extension().is_some_and(|e| e == "carel"))
                    .cloned(),
            );
            if !files.is_empty() {
                let name = root.file_name().map(|n| n.to_string_lossy().into_owned());
                groups.push((name, files.into_iter().collect()));
            }
        }
        for path in self.open.keys() {
            if !self.is_in_workspace(path) {
                groups.push((None, vec![path.clone()]));
            }
        }
        let rulesets = groups
            .into_iter()
            .map(|(name, paths)| self.compile_group(name, paths))
            .collect();
        self.rulesets = rulesets;
        // Forget the indexes of files that are gone.
        let live: BTreeSet<&PathBuf> = self
            .rulesets
            .iter()
            .flat_map(|r| r.files.iter().map(|f| &f.path))
            .collect();
        self.indexes.retain(|p, _| live.contains(p));
    }

    fn compile_group(&self, name: Option<String>, paths: Vec<PathBuf>) -> Ruleset {
        let mut sources = Sources::new();
        if let Some(name) = name {
            sources.set_name(name);
        }
        let mut files = Vec::with_capacity(paths.len());
        let mut problems = Vec::new();
        for path in paths {
            let display = self.display_name(&path);
            let (text, invalid_at, uri) = match (self.open.get(&path), self.disk.get(&path)) {
                (Some(doc), _) => (doc.text.clone(), None, doc.uri.clone()),
                (None, Some(disk)) => (disk.text.clone(), disk.invalid_at, uri::from_path(&path)),
                (None, None) => (String::new(), None, uri::from_path(&path)),
            };
            let id = sources.add(display.clone(), text);
            if let Some(at) = invalid_at {
                let message = format!("`{display}` is not valid UTF-8 text");
                problems.push(load::not_utf8(&sources, id, at, message));
            }
            files.push(FileEntry {
                path,
                uri,
                lines: OnceLock::new(),
            });
        }
        let compilation = if problems.is_empty() {
            compile(&sources)
        } else {
            Compilation {
                model: None,
                analysis: None,
                diagnostics: problems,
            }
        };
        Ruleset {
            files,
            sources,
            compilation,
            index: OnceLock::new(),
        }
    }

    /// A file's name relative to the workspace folder, as `carel check FOLDER` would show it.
    fn display_name(&self, path: &Path) -> String {
        let relative = self
            .root
            .as_ref()
            .and_then(|r| path.strip_prefix(r).ok())
            .unwrap_or(path);
        relative.to_string_lossy().into_owned()
    }
}

/// The key of a document: its path, or for a document that is not a file its URI as a path.
fn key(u: &Uri) -> PathBuf {
    uri::to_path(u)
        .map(|p| normalise(&p))
        .unwrap_or_else(|| PathBuf::from(u.as_str()))
}

/// A path with its folder's symbolic links resolved, so that it compares with the walked ones.
fn normalise(path: &Path) -> PathBuf {
    if let Ok(p) = fs::canonicalize(path) {
        return p;
    }
    match (path.parent().map(fs::canonicalize), path.file_name()) {
        (Some(Ok(parent)), Some(name)) => parent.join(name),
        _ => path.to_path_buf(),
    }
}

/// A ruleset file as on disk; `None` when it cannot be read or is larger than
/// [`load::MAX_FILE_BYTES`] (as for `carel check`).
fn read(path: &Path) -> Option<DiskFile> {
    let name = path.to_string_lossy();
    let bytes = load::read_limited(path, &name, load::MAX_FILE_BYTES, "a ruleset file").ok()?;
    let (text, invalid) = load::decode_lossy(bytes);
    Some(DiskFile {
        text,
        invalid_at: invalid.map(|i| i.at),
    })
}
