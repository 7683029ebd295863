//! The canonical form of a JSON value, RFC 8785 (JSON Canonicalization Scheme, JCS), and the
//! bundle digest over it.
//!
//! - no whitespace between tokens;
//! - object keys sorted by their UTF-16 code units (for the ASCII keys of a bundle: byte order),
//!   each key once;
//! - strings with only `"` `\` and control characters escaped: `\b \t \n \f \r` by name, other
//!   characters below U+0020 as `\u00xx` (lowercase hex); everything else as UTF-8;
//! - numbers as ECMAScript's `Number.prototype.toString` writes them: whole numbers without a
//!   fraction or exponent (`65`), others in the shortest form that reads back to the same
//!   double (`2.5`, `0.001`), with an exponent below 1e-6 or from 1e21 (`1e-7`, `1e+21`).

use std::borrow::Cow;
use std::cmp::Ordering;

use serde::Serialize;
use serde_json::{Number, Value};
use sha2::{Digest, Sha256};

/// The canonical bytes of a value.
pub fn to_vec(value: &Value) -> Vec<u8> {
    let mut out = String::new();
    write_value(&mut out, value);
    out.into_bytes()
}

mod ser;

pub use ser::Error;

/// The canonical bytes of any serialisable value, written straight from it: the same bytes as
/// [`to_vec`] of the value tree `serde_json::to_value` makes of it, without making the tree.
pub fn value_to_vec<T: Serialize + ?Sized>(value: &T) -> Result<Vec<u8>, Error> {
    let mut out = String::new();
    ser::write(&mut out, value)?;
    Ok(out.into_bytes())
}

/// A member of an object written by [`object_to_vec`] or [`object_digest`]: a value, or a
/// long list written a piece at a time.
pub enum Member<'a> {
    Value(&'a dyn erased::Canonical),
    List(&'a dyn ListWriter),
}

/// Object-safe canonical writing, for the members of [`Member::Value`].
pub mod erased {
    /// A value that can write its canonical form.
    pub trait Canonical {
        fn write_canonical(&self, out: &mut String) -> Result<(), super::Error>;
    }

    impl<T: serde::Serialize + ?Sized> Canonical for T {
        fn write_canonical(&self, out: &mut String) -> Result<(), super::Error> {
            super::ser::write(out, self)
        }
    }
}

/// The canonical bytes of an object made of `members`: long lists are written a piece at a
/// time (in parallel), so that a bundle of a hundred thousand rules never exists as one tree.
/// Each key must be given once.
pub fn object_to_vec(members: &[(&str, Member<'_>)]) -> Result<Vec<u8>, Error> {
    let mut out = String::new();
    write_object(members, &mut |piece| out.push_str(piece))?;
    Ok(out.into_bytes())
}

/// [`digest`] of [`object_to_vec`], hashing the pieces as they are written instead of
/// keeping them: the same digest without holding the whole canonical form.
pub fn object_digest(members: &[(&str, Member<'_>)]) -> Result<String, Error> {
    let mut hasher = Sha256::new();
    write_object(members, &mut |piece| hasher.update(piece.as_bytes()))?;
    Ok(hex_digest(&hasher.finalize()))
}

fn write_object(members: &[(&str, Member<'_>)], sink: &mut Sink<'_>) -> Result<(), Error> {
    let mut entries: Vec<&(&str, Member<'_>)> = members.iter().collect();
    entries.sort_by(|a, b| key_order(a.0, b.0));
    let mut out = String::new();
    out.push('{');
    for (i, (k, member)) in entries.into_iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        write_string(&mut out, k);
        out.push(':');
        match member {
            Member::Value(v) => v.write_canonical(&mut out)?,
            Member::List(l) => {
                sink(&out);
                out.clear();
                l.write(sink)?;
            }
        }
    }
    out.push('}');
    sink(&out);
    Ok(())
}

/// A list that writes its canonical form piece by piece, in order.
pub trait ListWriter {
    fn write(&self, sink: &mut Sink<'_>) -> Result<(), Error>;
}

/// Items per piece of a list written in parallel (small in unit tests, so that small lists
/// take many pieces and windows).
pub(crate) const CHUNK: usize = if cfg!(test) { 16 } else { 1024 };
/// Pieces written at once: bounds what is held before it is passed on.
pub(crate) const WINDOW: usize = if cfg!(test) { 4 } else { 16 };

/// Where the pieces of a canonical form go, in order (a buffer, or a hash being computed).
pub type Sink<'a> = dyn FnMut(&str) + Send + 'a;

impl<T: Serialize + Sync> ListWriter for Vec<T> {
    /// Long lists are written in pieces on rayon's threads and passed on in order, so the
    /// bytes are the same whatever the number of threads.
    fn write(&self, sink: &mut Sink<'_>) -> Result<(), Error> {
        sink("[");
        in_pieces(
            self,
            &|items: &[T], out: &mut String| {
                out.clear();
                let mut scratch = ser::Scratch::default();
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    scratch.write(out, item)?;
                }
                Ok(())
            },
            &mut |piece: &String, first| {
                if !first {
                    sink(",");
                }
                sink(piece);
                Ok(())
            },
        )?;
        sink("]");
        Ok(())
    }
}

/// Render `items` [`CHUNK`] at a time on rayon's threads (`render` clears the buffer first), a window of [`WINDOW`] pieces at
/// once, and pass the pieces on in order (with whether each is the first): the pieces of one
/// window are passed on while those of the next are rendered, into buffers used again. What is
/// passed on does not depend on the number of threads.
pub(crate) fn in_pieces<T, B, E, R, P>(items: &[T], render: &R, pass_on: &mut P) -> Result<(), E>
where
    T: Sync,
    B: Default + Send + Sync,
    E: Send,
    R: Fn(&[T], &mut B) -> Result<(), E> + Sync,
    P: FnMut(&B, bool) -> Result<(), E> + Send,
{
    use rayon::prelude::*;
    let fill = |window: &[T], pieces: &mut Vec<B>| -> Result<(), E> {
        let chunks = window.len().div_ceil(CHUNK);
        if pieces.len() < chunks {
            pieces.resize_with(chunks, B::default);
        }
        pieces[..chunks]
            .par_iter_mut()
            .zip(window.par_chunks(CHUNK))
            .try_for_each(|(out, items)| render(items, out))
    };
    let mut windows = items.chunks(CHUNK * WINDOW);
    let (mut ready, mut next): (Vec<B>, Vec<B>) = (Vec::new(), Vec::new());
    let mut ready_len = match windows.next() {
        Some(w) => {
            fill(w, &mut ready)?;
            w.len().div_ceil(CHUNK)
        }
        None => 0,
    };
    let mut first = true;
    while ready_len > 0 {
        let window = windows.next();
        let (passed, rendered) = rayon::join(
            || -> Result<(), E> {
                for p in &ready[..ready_len] {
                    pass_on(p, first)?;
                    first = false;
                }
                Ok(())
            },
            || match window {
                Some(w) => fill(w, &mut next).map(|()| w.len().div_ceil(CHUNK)),
                None => Ok(0),
            },
        );
        passed?;
        ready_len = rendered?;
        std::mem::swap(&mut ready, &mut next);
    }
    Ok(())
}

/// `sha256:` + lowercase hex of SHA-256 over `bytes`.
pub fn digest(bytes: &[u8]) -> String {
    hex_digest(&Sha256::digest(bytes))
}

fn hex_digest(hash: &[u8]) -> String {
    let mut text = String::with_capacity(7 + 64);
    text.push_str("sha256:");
    for b in hash.iter() {
        text.push(char::from_digit(u32::from(b >> 4), 16).unwrap_or('0'));
        text.push(char::from_digit(u32::from(b & 0xf), 16).unwrap_or('0'));
    }
    text
}

fn write_value(out: &mut String, value: &Value) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => write_number(out, n),
        Value::String(s) => write_string(out, s),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_value(out, item);
            }
            out.push(']');
        }
        Value::Object(map) => {
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            entries.sort_by(|a, b| key_order(a.0, b.0));
            out.push('{');
            for (i, (k, v)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_string(out, k);
                out.push(':');
                write_value(out, v);
            }
            out.push('}');
        }
    }
}

/// Integers that a double holds exactly print as they are; all others go through the double,
/// as RFC 8785 requires.
fn write_number(out: &mut String, n: &Number) {
    if let Some(i) = n.as_i64().filter(|i| i.unsigned_abs() <= 1 << 53) {
        out.push_str(&i.to_string());
    } else if let Some(u) = n.as_u64().filter(|&u| u <= 1 << 53) {
        out.push_str(&u.to_string());
    } else {
        out.push_str(&number(n.as_f64().unwrap_or(0.0)));
    }
}

/// The order of object keys: by UTF-16 code units. For ASCII keys (every key of a bundle)
/// that is byte order, compared without re-encoding.
fn key_order(a: &str, b: &str) -> Ordering {
    if a.is_ascii() && b.is_ascii() {
        a.as_bytes().cmp(b.as_bytes())
    } else {
        a.encode_utf16().cmp(b.encode_utf16())
    }
}

/// The canonical bytes of the JSON text `text`, without the top-level member named `omit`:
/// exactly what [`to_vec`] gives for the value `serde_json` reads from `text` (a key given
/// twice keeps its last value), but read straight from the text, without building the value.
/// Strings without escapes are copied as they are; only objects are rearranged, each once.
///
/// `Err` when `text` is not JSON or nests deeper than `max_depth` (the text is read
/// recursively, one level of the call stack per level of nesting).
pub fn text_to_vec(text: &str, omit: Option<&str>, max_depth: usize) -> Result<Vec<u8>, String> {
    Ok(TextCanon::read(text, omit, max_depth, false)?
        .out
        .into_bytes())
}

/// [`digest`] of [`text_to_vec`], without putting the members of the outermost object in
/// order first: they are hashed in order where they lie (for a bundle, that spares copying
/// nearly the whole canonical form twice).
pub fn text_digest(text: &str, omit: Option<&str>, max_depth: usize) -> Result<String, String> {
    let c = TextCanon::read(text, omit, max_depth, true)?;
    let Some(top) = &c.top else {
        return Ok(digest(c.out.as_bytes()));
    };
    let mut hasher = Sha256::new();
    hasher.update(b"{");
    for (i, &m) in in_key_order(top).iter().enumerate() {
        if i > 0 {
            hasher.update(b",");
        }
        hasher.update(&c.out.as_bytes()[top[m].1..top[m].2]);
    }
    hasher.update(b"}");
    Ok(hex_digest(&hasher.finalize()))
}

/// The members to write, in key order: sorted stably, so that of equal keys the last comes
/// last, and only the last of each key kept.
fn in_key_order(members: &[(Cow<'_, str>, usize, usize)]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..members.len()).collect();
    order.sort_by(|&a, &b| key_order(&members[a].0, &members[b].0));
    (0..order.len())
        .filter(|&i| {
            order
                .get(i + 1)
                .is_none_or(|&next| members[next].0 != members[order[i]].0)
        })
        .map(|i| order[i])
        .collect()
}

/// The reader of [`text_to_vec`].
struct TextCanon<'t> {
    text: &'t str,
    pos: usize,
    out: String,
    max_depth: usize,
    /// The members of the objects being read, innermost last: each key and where its
    /// `"key":value` lies in `out`.
    members: Vec<(Cow<'t, str>, usize, usize)>,
    /// Scratch space for putting one object's members in order.
    order: Vec<usize>,
    sorted: String,
    /// Whether the outermost object is left as it was read, its members noted in `top`.
    defer_top: bool,
    top: Option<Vec<(Cow<'t, str>, usize, usize)>>,
}

impl<'t> TextCanon<'t> {
    fn read(
        text: &'t str,
        omit: Option<&str>,
        max_depth: usize,
        defer_top: bool,
    ) -> Result<TextCanon<'t>, String> {
        let mut c = TextCanon {
            text,
            pos: 0,
            out: String::with_capacity(text.len() / 2),
            max_depth,
            members: Vec::new(),
            order: Vec::new(),
            sorted: String::new(),
            defer_top,
            top: None,
        };
        c.value(0, omit)?;
        c.skip_space();
        if c.pos != text.len() {
            return Err(c.error("trailing characters"));
        }
        Ok(c)
    }

    fn error(&self, what: &str) -> String {
        format!("not JSON: {what} at byte {}", self.pos)
    }

    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.pos).copied()
    }

    fn skip_space(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.pos += 1;
        }
    }

    fn expect(&mut self, byte: u8) -> Result<(), String> {
        self.skip_space();
        if self.peek() == Some(byte) {
            self.pos += 1;
            Ok(())
        } else {
            Err(self.error(&format!("expected `{}`", byte as char)))
        }
    }

    fn value(&mut self, depth: usize, omit: Option<&str>) -> Result<(), String> {
        if depth > self.max_depth {
            return Err(self.error("nesting too deep"));
        }
        self.skip_space();
        match self.peek() {
            Some(b'{') => self.object(depth, omit),
            Some(b'[') => self.array(depth),
            Some(b'"') => {
                let (raw, escaped) = self.string()?;
                self.write_string_token(raw, escaped)
            }
            Some(b't') => self.literal("true"),
            Some(b'f') => self.literal("false"),
            Some(b'n') => self.literal("null"),
            Some(b'-' | b'0'..=b'9') => self.number(),
            _ => Err(self.error("expected a value")),
        }
    }

    fn literal(&mut self, word: &str) -> Result<(), String> {
        if self.text[self.pos..].starts_with(word) {
            self.pos += word.len();
            self.out.push_str(word);
            Ok(())
        } else {
            Err(self.error("expected a value"))
        }
    }

    fn number(&mut self) -> Result<(), String> {
        let start = self.pos;
        while let Some(b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E') = self.peek() {
            self.pos += 1;
        }
        let token = &self.text[start..self.pos];
        // Up to 15 digits without sign, fraction or exponent: an integer a double holds
        // exactly, written as it is (JSON allows no leading zeros).
        if token.len() <= 15 && token.bytes().all(|b| b.is_ascii_digit()) {
            self.out.push_str(token);
            return Ok(());
        }
        let n: Number = token
            .parse()
            .map_err(|e| format!("not JSON: number `{token}`: {e}"))?;
        write_number(&mut self.out, &n);
        Ok(())
    }

    /// The string token at `pos` (quotes included), and whether it has escapes.
    fn string(&mut self) -> Result<(&'t str, bool), String> {
        let bytes = self.text.as_bytes();
        let start = self.pos;
        let mut i = start + 1;
        let mut escaped = false;
        loop {
            // Skip the bytes that need no attention in one go.
            while bytes
                .get(i)
                .is_some_and(|&b| b != b'"' && b != b'\\' && b >= 0x20)
            {
                i += 1;
            }
            match bytes.get(i) {
                Some(b'"') => break,
                Some(b'\\') => {
                    escaped = true;
                    i += 2;
                }
                Some(&b) if b < 0x20 => {
                    self.pos = i;
                    return Err(self.error("control character in a string"));
                }
                Some(_) => i += 1,
                None => {
                    self.pos = i.min(bytes.len());
                    return Err(self.error("unterminated string"));
                }
            }
        }
        self.pos = i + 1;
        Ok((&self.text[start..self.pos], escaped))
    }

    /// The text of a string token, escapes read.
    fn unescape(raw: &'t str, escaped: bool) -> Result<Cow<'t, str>, String> {
        if escaped {
            serde_json::from_str::<String>(raw)
                .map(Cow::Owned)
                .map_err(|e| format!("not JSON: string {raw}: {e}"))
        } else {
            Ok(Cow::Borrowed(&raw[1..raw.len() - 1]))
        }
    }

    fn write_string_token(&mut self, raw: &'t str, escaped: bool) -> Result<(), String> {
        if escaped {
            let s = Self::unescape(raw, true)?;
            write_string(&mut self.out, &s);
        } else {
            // No escapes and (JSON forbids them) no control characters: already canonical.
            self.out.push_str(raw);
        }
        Ok(())
    }

    fn array(&mut self, depth: usize) -> Result<(), String> {
        self.pos += 1;
        self.out.push('[');
        self.skip_space();
        if self.peek() == Some(b']') {
            self.pos += 1;
            self.out.push(']');
            return Ok(());
        }
        loop {
            self.value(depth + 1, None)?;
            self.skip_space();
            match self.peek() {
                Some(b',') => {
                    self.pos += 1;
                    self.out.push(',');
                }
                Some(b']') => {
                    self.pos += 1;
                    self.out.push(']');
                    return Ok(());
                }
                _ => return Err(self.error("expected `,` or `]`")),
            }
        }
    }

    fn object(&mut self, depth: usize, omit: Option<&str>) -> Result<(), String> {
        self.pos += 1;
        let start = self.out.len();
        self.out.push('{');
        let base = self.members.len();
        self.skip_space();
        if self.peek() == Some(b'}') {
            self.pos += 1;
            self.out.push('}');
            return Ok(());
        }
        loop {
            self.skip_space();
            if self.peek() != Some(b'"') {
                return Err(self.error("expected a key"));
            }
            let (raw, escaped) = self.string()?;
            let key = Self::unescape(raw, escaped)?;
            self.expect(b':')?;
            if omit.is_some_and(|o| o == key) {
                let mark = self.out.len();
                self.value(depth + 1, None)?;
                self.out.truncate(mark);
            } else {
                if self.members.len() > base {
                    self.out.push(',');
                }
                let from = self.out.len();
                self.write_string_token(raw, escaped)?;
                self.out.push(':');
                self.value(depth + 1, None)?;
                self.members.push((key, from, self.out.len()));
            }
            self.skip_space();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b'}') => {
                    self.pos += 1;
                    break;
                }
                _ => return Err(self.error("expected `,` or `}`")),
            }
        }
        if depth == 0 && self.defer_top {
            self.top = Some(self.members.drain(base..).collect());
            return Ok(());
        }
        let members = &self.members[base..];
        let in_order = members
            .windows(2)
            .all(|w| key_order(&w[0].0, &w[1].0) == Ordering::Less);
        if in_order {
            self.out.push('}');
            self.members.truncate(base);
            return Ok(());
        }
        // Sort (stably, so that of equal keys the last comes last) and keep the last of each key.
        self.order.clear();
        self.order.extend(0..members.len());
        self.order
            .sort_by(|&a, &b| key_order(&members[a].0, &members[b].0));
        self.sorted.clear();
        self.sorted.push('{');
        for (i, &m) in self.order.iter().enumerate() {
            if self
                .order
                .get(i + 1)
                .is_some_and(|&next| members[next].0 == members[m].0)
            {
                continue;
            }
            if self.sorted.len() > 1 {
                self.sorted.push(',');
            }
            self.sorted.push_str(&self.out[members[m].1..members[m].2]);
        }
        self.sorted.push('}');
        self.out.truncate(start);
        self.out.push_str(&self.sorted);
        self.members.truncate(base);
        Ok(())
    }
}

fn write_string(out: &mut String, s: &str) {
    out.push('"');
    if !s.bytes().any(|b| b < 0x20 || b == b'"' || b == b'\\') {
        out.push_str(s);
        out.push('"');
        return;
    }
    // The characters to escape are ASCII, so they never occur inside a longer UTF-8 sequence:
    // the text between them is copied as it is.
    let mut from = 0;
    for (i, b) in s.bytes().enumerate() {
        let escape = match b {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            0x08 => "\\b",
            b'\t' => "\\t",
            b'\n' => "\\n",
            0x0c => "\\f",
            b'\r' => "\\r",
            0..=0x1f => "",
            _ => continue,
        };
        out.push_str(&s[from..i]);
        if escape.is_empty() {
            out.push_str(&format!("\\u{:04x}", b));
        } else {
            out.push_str(escape);
        }
        from = i + 1;
    }
    out.push_str(&s[from..]);
    out.push('"');
}

/// A finite double as ECMAScript's `Number.prototype.toString` writes it (non-finite values,
/// which JSON cannot hold, print as `null`).
pub fn number(x: f64) -> String {
    if !x.is_finite() {
        return "null".to_string();
    }
    if x == 0.0 {
        return "0".to_string();
    }
    if x < 0.0 {
        return format!("-{}", number(-x));
    }
    // Rust's `{:e}` gives the fewest digits that read back to `x` (`d[.ddd]e[-]N`), but breaks
    // a tie between two such digit strings upwards. ECMAScript takes the one closest to `x`,
    // and the even one on a tie: that is exact rounding to the same number of digits, which
    // Rust's `{:.N$e}` does (ties to even).
    let shortest = format!("{x:e}");
    let k = shortest
        .split('e')
        .next()
        .map_or(1, |m| m.bytes().filter(u8::is_ascii_digit).count());
    let rounded = format!("{:.*e}", k.saturating_sub(1), x);
    let sci = if rounded.parse::<f64>() == Ok(x) {
        rounded
    } else {
        shortest
    };
    let (mantissa, exponent) = sci.split_once('e').unwrap_or((sci.as_str(), "0"));
    let digits: String = mantissa.chars().filter(|c| c.is_ascii_digit()).collect();
    let digits = match digits.trim_end_matches('0') {
        "" => "0".to_string(),
        d => d.to_string(),
    };
    let exponent: i64 = exponent.parse().unwrap_or(0);
    let k = digits.len() as i64;
    let n = exponent + 1; // the decimal point sits after `n` digits
    if k <= n && n <= 21 {
        format!("{digits}{}", "0".repeat((n - k) as usize))
    } else if 0 < n && n <= 21 {
        let (int, frac) = digits.split_at(n as usize);
        format!("{int}.{frac}")
    } else if -6 < n && n <= 0 {
        format!("0.{}{digits}", "0".repeat((-n) as usize))
    } else {
        let sign = if n > 0 { "+" } else { "-" };
        let (first, rest) = digits.split_at(1);
        let rest = if rest.is_empty() {
            String::new()
        } else {
            format!(".{rest}")
        };
        format!("{first}{rest}e{sign}{}", (n - 1).abs())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn numbers_follow_ecmascript() {
        // Vectors from RFC 8785, appendix B, and the cases a bundle meets.
        let cases: [(f64, &str); 17] = [
            (0.0, "0"),
            (-0.0, "0"),
            (65.0, "65"),
            (2.5, "2.5"),
            (-1.5, "-1.5"),
            (0.001, "0.001"),
            (0.000001, "0.000001"),
            (1e-7, "1e-7"),
            (1e21, "1e+21"),
            (1e20, "100000000000000000000"),
            (1e23, "1e+23"),
            (333333333.3333333, "333333333.3333333"),
            (9007199254740992.0, "9007199254740992"),
            (295147905179352830000.0, "295147905179352830000"),
            (4.5e-27, "4.5e-27"),
            (f64::MIN_POSITIVE * f64::EPSILON, "5e-324"),
            // The double 1059438285926254.25: `.2` and `.3` both read back to it and are
            // equally close; ECMAScript takes the even one.
            (1059438285926254.2, "1059438285926254.2"),
        ];
        for (x, want) in cases {
            assert_eq!(number(x), want, "{x:e}");
        }
        assert_eq!(number(1.7976931348623157e308), "1.7976931348623157e+308");
    }

    #[test]
    fn objects_sort_keys_and_strings_escape_minimally() {
        let v = json!({"b": [1, 2.5, null, true], "a": {"z": "é\"\\\n\u{1}\u{7f}", "_": false}, "B": 0});
        let text = String::from_utf8(to_vec(&v)).unwrap();
        assert_eq!(
            text,
            "{\"B\":0,\"a\":{\"_\":false,\"z\":\"é\\\"\\\\\\n\\u0001\u{7f}\"},\"b\":[1,2.5,null,true]}"
        );
    }

    #[test]
    fn keys_sort_by_utf16_code_units() {
        // U+FB33 sorts after U+1F600 in code points, before it in UTF-16 (surrogates are 0xD8xx).
        let v = json!({"\u{fb33}": 1, "\u{1f600}": 2, "\r": 3});
        let text = String::from_utf8(to_vec(&v)).unwrap();
        assert_eq!(text, "{\"\\r\":3,\"\u{1f600}\":2,\"\u{fb33}\":1}");
    }

    #[test]
    fn big_integers_go_through_doubles() {
        let v: Value =
            serde_json::from_str("[9007199254740993, -9007199254740992, 65.0, 1E2]").unwrap();
        assert_eq!(to_vec(&v), b"[9007199254740992,-9007199254740992,65,100]");
    }

    #[test]
    fn the_digest_of_a_text_is_that_of_its_canonical_form() {
        for text in [
            r#"{"b": 1, "digest": "x", "a": {"d": [2, {"z": 0, "y": 1}], "c": null}}"#,
            r#"{"a": 1, "a": 2, "digest": 3, "digest": 4, "\u0041": "é"}"#,
            r#"{"a": 1, "b": 2}"#,
            "{}",
            r#"{"digest": 1}"#,
            "[3, 1, 2]",
            r#""text""#,
        ] {
            let bytes = text_to_vec(text, Some("digest"), 8).unwrap();
            assert_eq!(
                text_digest(text, Some("digest"), 8).unwrap(),
                digest(&bytes),
                "{text}"
            );
        }
        assert_eq!(
            text_to_vec(r#"{"b": 1, "digest": "x", "a": 2}"#, Some("digest"), 8).unwrap(),
            b"{\"a\":2,\"b\":1}"
        );
        assert!(text_digest("{\"a\": }", None, 8).is_err());
    }

    #[test]
    fn digest_is_sha256_hex() {
        assert_eq!(
            digest(b"abc"),
            "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
