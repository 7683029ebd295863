//! Source text: files of a ruleset, byte spans, and line/column lookup.
//!
//! The core never reads files; the caller hands it decoded text through [`Sources`].
//! [`decode`] turns raw bytes into text the way every entry point must: a leading BOM is
//! dropped, invalid UTF-8 is reported with its byte offset.

use std::ops::Range;

/// Index of a file inside [`Sources`].
pub type FileId = usize;

/// A byte range inside one file.
///
/// Stored in 32 bits each (12 bytes, not 24): every node of a syntax tree and many model items
/// carry spans. A ruleset file therefore holds at most `u32::MAX` bytes, which the CLI checks
/// before reading one; offsets beyond `u32::MAX` would saturate rather than wrap.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Span {
    file: u32,
    start: u32,
    end: u32,
}

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

impl Span {
    pub fn new(file: FileId, start: usize, end: usize) -> Span {
        Span {
            file: to_u32(file),
            start: to_u32(start),
            end: to_u32(end),
        }
    }

    /// The file the span is in.
    pub fn file(self) -> FileId {
        self.file as FileId
    }

    /// The first byte.
    pub fn start(self) -> usize {
        self.start as usize
    }

    /// One past the last byte.
    pub fn end(self) -> usize {
        self.end as usize
    }

    /// The smallest span covering both `self` and `other` (same file assumed).
    pub fn to(self, other: Span) -> Span {
        Span {
            file: self.file,
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }

    pub fn range(self) -> Range<usize> {
        self.start()..self.end()
    }
}

/// One source file: its display name (a path relative to what the user named) and its text.
#[derive(Clone, Debug)]
pub struct SourceFile {
    pub name: String,
    pub text: String,
    line_starts: Vec<usize>,
    /// End offset of every character longer than one byte, with the running total of the
    /// bytes beyond the first in it and all before it: columns in O(log n) on any line.
    wide: Vec<(usize, usize)>,
}

impl SourceFile {
    pub fn new(name: impl Into<String>, text: impl Into<String>) -> SourceFile {
        let text = text.into();
        let mut line_starts = vec![0];
        line_starts.extend(
            text.bytes()
                .enumerate()
                .filter(|&(_, b)| b == b'\n')
                .map(|(i, _)| i + 1),
        );
        let mut wide = Vec::new();
        if !text.is_ascii() {
            let mut extra = 0;
            for (i, c) in text.char_indices() {
                let len = c.len_utf8();
                if len > 1 {
                    extra += len - 1;
                    wide.push((i + len, extra));
                }
            }
        }
        SourceFile {
            name: name.into(),
            text,
            line_starts,
            wide,
        }
    }

    /// The file stem, used for anonymous rule ids and the default ruleset name.
    pub fn stem(&self) -> &str {
        let base = self.name.rsplit(['/', '\\']).next().unwrap_or(&self.name);
        base.strip_suffix(".carel").unwrap_or(base)
    }

    /// 0-based line index of a byte offset.
    pub fn line_index(&self, offset: usize) -> usize {
        line_index(&self.line_starts, offset)
    }

    /// Byte range of a 0-based line, without its line ending.
    pub fn line_range(&self, line: usize) -> Range<usize> {
        let start = self
            .line_starts
            .get(line)
            .copied()
            .unwrap_or(self.text.len());
        let end = self
            .line_starts
            .get(line + 1)
            .map(|&s| s - 1)
            .unwrap_or(self.text.len());
        let end = if end > start && self.text.as_bytes().get(end - 1) == Some(&b'\r') {
            end - 1
        } else {
            end
        };
        start..end.max(start)
    }

    /// 1-based line and column (counted in Unicode scalar values) of a byte offset.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let line = self.line_index(offset);
        let start = self.line_starts[line];
        let col = offset - start - (self.extra_bytes(offset) - self.extra_bytes(start));
        (line + 1, col + 1)
    }

    /// Bytes beyond the first in the characters that end at or before `offset`.
    fn extra_bytes(&self, offset: usize) -> usize {
        match self.wide.partition_point(|&(end, _)| end <= offset) {
            0 => 0,
            n => self.wide[n - 1].1,
        }
    }
}

/// The byte offset where each line of `text` starts (the first is 0).
pub fn line_starts(text: &str) -> Vec<usize> {
    let mut starts = vec![0];
    starts.extend(
        text.bytes()
            .enumerate()
            .filter(|&(_, b)| b == b'\n')
            .map(|(i, _)| i + 1),
    );
    starts
}

/// The 0-based line of a byte offset, given the lines' starts.
pub fn line_index(line_starts: &[usize], offset: usize) -> usize {
    line_starts
        .partition_point(|&s| s <= offset)
        .saturating_sub(1)
}

/// All files of one ruleset, in the order they were loaded (sorted by path).
#[derive(Clone, Debug, Default)]
pub struct Sources {
    files: Vec<SourceFile>,
    name: Option<String>,
}

impl Sources {
    pub fn new() -> Sources {
        Sources::default()
    }

    /// A ruleset made of one in-memory file.
    pub fn single(name: impl Into<String>, text: impl Into<String>) -> Sources {
        let mut s = Sources::new();
        s.add(name, text);
        s
    }

    /// Name the ruleset after the folder it was read from (used when it has no `ruleset` item).
    pub fn set_name(&mut self, name: impl Into<String>) {
        self.name = Some(name.into());
    }

    /// The ruleset's default name: the folder's name, or the stem of its only file.
    pub fn default_name(&self) -> String {
        self.name
            .clone()
            .or_else(|| self.files.first().map(|f| f.stem().to_string()))
            .unwrap_or_else(|| "ruleset".to_string())
    }

    pub fn add(&mut self, name: impl Into<String>, text: impl Into<String>) -> FileId {
        self.files.push(SourceFile::new(name, text));
        self.files.len() - 1
    }

    pub fn get(&self, id: FileId) -> &SourceFile {
        &self.files[id]
    }

    pub fn files(&self) -> &[SourceFile] {
        &self.files
    }

    pub fn len(&self) -> usize {
        self.files.len()
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// The text a span covers.
    pub fn slice(&self, span: Span) -> &str {
        self.files
            .get(span.file())
            .and_then(|f| f.text.get(span.range()))
            .unwrap_or("")
    }

    /// 1-based (line, column) of the start of a span.
    pub fn line_col(&self, file: FileId, offset: usize) -> (usize, usize) {
        self.files[file].line_col(offset)
    }
}

impl<'a> codespan_reporting::files::Files<'a> for Sources {
    type FileId = FileId;
    type Name = &'a str;
    type Source = &'a str;

    fn name(&'a self, id: FileId) -> Result<&'a str, codespan_reporting::files::Error> {
        self.files
            .get(id)
            .map(|f| f.name.as_str())
            .ok_or(codespan_reporting::files::Error::FileMissing)
    }

    fn source(&'a self, id: FileId) -> Result<&'a str, codespan_reporting::files::Error> {
        self.files
            .get(id)
            .map(|f| f.text.as_str())
            .ok_or(codespan_reporting::files::Error::FileMissing)
    }

    fn line_index(
        &'a self,
        id: FileId,
        byte_index: usize,
    ) -> Result<usize, codespan_reporting::files::Error> {
        self.files
            .get(id)
            .map(|f| f.line_index(byte_index))
            .ok_or(codespan_reporting::files::Error::FileMissing)
    }

    fn line_range(
        &'a self,
        id: FileId,
        line_index: usize,
    ) -> Result<Range<usize>, codespan_reporting::files::Error> {
        let f = self
            .files
            .get(id)
            .ok_or(codespan_reporting::files::Error::FileMissing)?;
        if line_index >= f.line_starts.len() {
            return Err(codespan_reporting::files::Error::LineTooLarge {
                given: line_index,
                max: f.line_starts.len() - 1,
            });
        }
        let start = f.line_starts[line_index];
        let end = f
            .line_starts
            .get(line_index + 1)
            .copied()
            .unwrap_or(f.text.len());
        Ok(start..end)
    }
}

/// Why bytes could not be used as source text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DecodeError {
    /// Byte offset of the first invalid byte (counted in the original bytes, BOM included).
    pub offset: usize,
}

/// Decode a file's bytes: drop a leading UTF-8 BOM, refuse invalid UTF-8 with its byte offset.
pub fn decode(bytes: Vec<u8>) -> Result<String, DecodeError> {
    const BOM: &[u8] = b"\xEF\xBB\xBF";
    let skip = if bytes.starts_with(BOM) { BOM.len() } else { 0 };
    let mut bytes = bytes;
    bytes.drain(..skip);
    String::from_utf8(bytes).map_err(|e| DecodeError {
        offset: e.utf8_error().valid_up_to() + skip,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_chars_and_lines() {
        let f = SourceFile::new("a.carel", "ab\nçd\r\nx");
        assert_eq!(f.line_col(0), (1, 1));
        assert_eq!(f.line_col(3), (2, 1));
        assert_eq!(f.line_col(5), (2, 2)); // after the two-byte ç
        assert_eq!(f.line_col(8), (3, 1));
        assert_eq!(f.line_range(1), 3..6);
    }

    #[test]
    fn columns_match_counting_chars() {
        let text = "aé€😀b\nx€y\r\n😀😀\n";
        let f = SourceFile::new("a.carel", text);
        for (offset, _) in text.char_indices().chain([(text.len(), ' ')]) {
            let line = f.line_index(offset);
            let start = f.line_starts[line];
            let chars = text[start..offset].chars().count();
            assert_eq!(f.line_col(offset), (line + 1, chars + 1), "offset {offset}");
        }
    }

    #[test]
    fn decode_drops_bom_and_reports_offset() {
        assert_eq!(decode(b"\xEF\xBB\xBFok".to_vec()).unwrap(), "ok");
        assert_eq!(decode(b"ab\xFFc".to_vec()), Err(DecodeError { offset: 2 }));
        assert_eq!(
            decode(b"\xEF\xBB\xBFa\xC0".to_vec()),
            Err(DecodeError { offset: 4 })
        );
    }

    #[test]
    fn stem_strips_folder_and_extension() {
        assert_eq!(SourceFile::new("rules/sub/back.carel", "").stem(), "back");
    }
}
