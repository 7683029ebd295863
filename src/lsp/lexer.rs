//! A forgiving tokenizer for editor features (completion context, highlighting, folding). It
//! never fails: whatever it does not recognise becomes a one-character `Other` token.

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenKind {
    /// A name or a keyword.
    Word,
    Number,
    /// A quoted text, up to its closing quote or the end of the line.
    Text,
    Comment,
    /// `,`, `:`, `(`, `)`, `..`, comparison operators.
    Punct,
    Other,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Token {
    pub kind: TokenKind,
    pub start: usize,
    pub end: usize,
}

impl Token {
    pub fn text(self, source: &str) -> &str {
        source.get(self.start..self.end).unwrap_or("")
    }
}

pub fn tokens(text: &str) -> Vec<Token> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        let start = i;
        let kind = match b {
            b' ' | b'\t' | b'\r' | b'\n' => {
                i += 1;
                continue;
            }
            b'#' => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
                TokenKind::Comment
            }
            b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' && bytes[i] != b'\n' {
                    i += if bytes[i] == b'\\' && bytes.get(i + 1).is_some_and(|&c| c != b'\n') {
                        2
                    } else {
                        1
                    };
                }
                if i < bytes.len() && bytes[i] == b'"' {
                    i += 1;
                }
                TokenKind::Text
            }
            b'0'..=b'9' => {
                // Numbers and dates (`2026-03-01`); `10..20` is a number, `..` and a number.
                while i < bytes.len()
                    && (bytes[i].is_ascii_digit()
                        || bytes[i] == b'-'
                        || (bytes[i] == b'.' && bytes.get(i + 1).is_some_and(u8::is_ascii_digit)))
                {
                    i += 1;
                }
                TokenKind::Number
            }
            b'-' if bytes.get(i + 1).is_some_and(u8::is_ascii_digit) => {
                i += 1;
                while i < bytes.len()
                    && (bytes[i].is_ascii_digit()
                        || (bytes[i] == b'.' && bytes.get(i + 1).is_some_and(u8::is_ascii_digit)))
                {
                    i += 1;
                }
                TokenKind::Number
            }
            b if b.is_ascii_alphabetic() || b == b'_' => {
                while i < bytes.len()
                    && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_' || bytes[i] == b'-')
                {
                    i += 1;
                }
                TokenKind::Word
            }
            b'.' if bytes.get(i + 1) == Some(&b'.') => {
                i += 2;
                TokenKind::Punct
            }
            b'<' | b'>' | b'!' | b'=' => {
                i += 1;
                if bytes.get(i) == Some(&b'=') {
                    i += 1;
                }
                TokenKind::Punct
            }
            b',' | b':' | b'(' | b')' => {
                i += 1;
                TokenKind::Punct
            }
            _ => {
                // One whole character, so that tokens always end on a character boundary.
                i += text[i..].chars().next().map_or(1, char::len_utf8);
                TokenKind::Other
            }
        };
        out.push(Token {
            kind,
            start,
            end: i,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_ranges_texts_and_comments() {
        let text = "recommend walking 10..20 min # über\nbecause \"a \\\"b\\\"\" 2026-03-01 ≥";
        let kinds: Vec<(TokenKind, &str)> = tokens(text)
            .into_iter()
            .map(|t| (t.kind, t.text(text)))
            .collect();
        assert_eq!(
            kinds,
            vec![
                (TokenKind::Word, "recommend"),
                (TokenKind::Word, "walking"),
                (TokenKind::Number, "10"),
                (TokenKind::Punct, ".."),
                (TokenKind::Number, "20"),
                (TokenKind::Word, "min"),
                (TokenKind::Comment, "# über"),
                (TokenKind::Word, "because"),
                (TokenKind::Text, "\"a \\\"b\\\"\""),
                (TokenKind::Number, "2026-03-01"),
                (TokenKind::Other, "≥"),
            ]
        );
    }
}
