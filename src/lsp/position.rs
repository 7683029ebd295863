//! Positions as the Language Server Protocol counts them: 0-based lines and columns in UTF-16
//! code units. Carel's spans are byte offsets; this module converts between the two.

use lsp_types::{Position, Range};

/// The starts of a text's lines, for converting byte offsets to LSP positions and back.
#[derive(Clone, Debug)]
pub struct LineIndex {
    starts: Vec<usize>,
    len: usize,
}

impl LineIndex {
    pub fn new(text: &str) -> LineIndex {
        LineIndex {
            starts: crate::source::line_starts(text),
            len: text.len(),
        }
    }

    /// The LSP position of a byte offset. An offset inside a character, or past the end,
    /// is moved back to the character's start or the end of the text.
    pub fn position(&self, text: &str, offset: usize) -> Position {
        let mut offset = offset.min(self.len);
        while offset > 0 && !text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = crate::source::line_index(&self.starts, offset);
        let start = self.starts[line];
        let column: usize = text[start..offset].chars().map(char::len_utf16).sum();
        Position::new(to_u32(line), to_u32(column))
    }

    pub fn range(&self, text: &str, start: usize, end: usize) -> Range {
        Range::new(self.position(text, start), self.position(text, end))
    }

    /// The byte offset of an LSP position. A column past the end of its line means the end of
    /// the line (before its line break), one inside a surrogate pair the character's start; a
    /// line past the end means the end of the text.
    pub fn offset(&self, text: &str, position: Position) -> usize {
        let line = position.line as usize;
        let Some(&start) = self.starts.get(line) else {
            return self.len;
        };
        let end = self.starts.get(line + 1).map_or(self.len, |&s| s - 1);
        let end = if end > start && text.as_bytes().get(end - 1) == Some(&b'\r') {
            end - 1
        } else {
            end
        };
        let mut units = 0usize;
        for (i, c) in text[start..end].char_indices() {
            let next = units + c.len_utf16();
            if next > position.character as usize {
                return start + i;
            }
            units = next;
        }
        end
    }

    /// How many lines the text has (a final line break starts an empty last line).
    pub fn lines(&self) -> usize {
        self.starts.len()
    }
}

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_count_utf16_code_units() {
        // é is one unit, 😀 two; the CRLF's \r is not part of the line.
        let text = "aé😀b\r\nçx\n";
        let index = LineIndex::new(text);
        let b = text.find('b').unwrap();
        assert_eq!(index.position(text, b), Position::new(0, 4));
        assert_eq!(index.offset(text, Position::new(0, 4)), b);
        let x = text.find('x').unwrap();
        assert_eq!(index.position(text, x), Position::new(1, 1));
        assert_eq!(index.offset(text, Position::new(1, 1)), x);
        // Past the end of a line: its end, before the line break.
        assert_eq!(
            index.offset(text, Position::new(0, 99)),
            text.find('\r').unwrap()
        );
        // Inside the surrogate pair: the emoji's start.
        assert_eq!(
            index.offset(text, Position::new(0, 3)),
            text.find('😀').unwrap()
        );
        // Past the last line: the end of the text.
        assert_eq!(index.offset(text, Position::new(9, 0)), text.len());
        assert_eq!(index.position(text, text.len()), Position::new(2, 0));
    }

    #[test]
    fn every_char_boundary_round_trips() {
        let text = "condition schmerz \"Rückenschmerz 😖\"\n\u{2028}exercise walk\r\n€€\n";
        let index = LineIndex::new(text);
        for (offset, c) in text.char_indices() {
            // Between the \r and \n of a CRLF is no position of its own.
            if c == '\n' && text[..offset].ends_with('\r') {
                continue;
            }
            let p = index.position(text, offset);
            assert_eq!(index.offset(text, p), offset, "offset {offset}");
        }
        // An offset inside a character maps to its start.
        let euro = text.find('€').unwrap();
        assert_eq!(index.position(text, euro + 1), index.position(text, euro));
    }
}
