//! The comments of a text, which the syntax tree does not hold.

#[derive(Clone, Debug)]
pub(super) struct Comment {
    /// Byte offset of the `#`.
    pub(super) start: usize,
    /// End of the comment's text, before the line break.
    pub(super) end: usize,
    /// The comment from `#`, without trailing whitespace.
    pub(super) text: String,
    /// Nothing but whitespace before it on its line.
    pub(super) own_line: bool,
    /// Whitespace before it on its line (an indented comment).
    pub(super) indented: bool,
}

/// Every comment of a text: a `#` outside a string, to the end of its line.
pub(super) fn scan_comments(text: &str) -> Vec<Comment> {
    let bytes = text.as_bytes();
    let mut comments = Vec::new();
    let mut line_start = 0;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\n' => {
                i += 1;
                line_start = i;
            }
            b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' && bytes[i] != b'\n' {
                    if bytes[i] == b'\\' && bytes.get(i + 1).is_some_and(|&b| b != b'\n') {
                        i += 1;
                    }
                    i += 1;
                }
                if i < bytes.len() && bytes[i] == b'"' {
                    i += 1;
                }
            }
            b'#' => {
                let start = i;
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
                let before = &text[line_start..start];
                comments.push(Comment {
                    start,
                    end: i,
                    text: text[start..i].trim_end().to_string(),
                    own_line: before.chars().all(is_space),
                    indented: !before.is_empty(),
                });
            }
            _ => i += 1,
        }
    }
    comments
}

/// Whitespace as the grammar sees it (a byte-order mark counts).
pub(super) fn is_space(c: char) -> bool {
    c.is_whitespace() || c == '\u{feff}'
}
