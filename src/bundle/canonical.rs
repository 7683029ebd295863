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

use serde::Serialize;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

/// The canonical bytes of a value.
pub fn to_vec(value: &Value) -> Vec<u8> {
    let mut out = String::new();
    write_value(&mut out, value);
    out.into_bytes()
}

/// The canonical bytes of an object made of `map`'s entries and of `lists`: long lists whose
/// items are turned into value trees and written one at a time, so that a bundle of a hundred
/// thousand rules never exists as one tree. Keys of `lists` must not also be in `map`.
pub fn object_to_vec(map: &Map<String, Value>, lists: &[(&str, &dyn ListWriter)]) -> Vec<u8> {
    enum Entry<'a> {
        Value(&'a Value),
        List(&'a dyn ListWriter),
    }
    let mut entries: Vec<(&str, Entry<'_>)> = map
        .iter()
        .map(|(k, v)| (k.as_str(), Entry::Value(v)))
        .chain(lists.iter().map(|&(k, l)| (k, Entry::List(l))))
        .collect();
    entries.sort_by(|a, b| a.0.encode_utf16().cmp(b.0.encode_utf16()));
    let mut out = String::new();
    out.push('{');
    for (i, (k, entry)) in entries.into_iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        write_string(&mut out, k);
        out.push(':');
        match entry {
            Entry::Value(v) => write_value(&mut out, v),
            Entry::List(l) => l.write(&mut out),
        }
    }
    out.push('}');
    out.into_bytes()
}

/// A list that writes its canonical form item by item.
pub trait ListWriter {
    fn write(&self, out: &mut String);
}

impl<T: Serialize> ListWriter for Vec<T> {
    fn write(&self, out: &mut String) {
        out.push('[');
        for (i, item) in self.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            // Serialising plain data (no maps with non-string keys) cannot fail.
            let value = serde_json::to_value(item).unwrap_or(Value::Null);
            write_value(out, &value);
        }
        out.push(']');
    }
}

/// `sha256:` + lowercase hex of SHA-256 over `bytes`.
pub fn digest(bytes: &[u8]) -> String {
    let hash = Sha256::digest(bytes);
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
        Value::Number(n) => {
            // Integers that a double holds exactly print as they are; all others go through
            // the double, as RFC 8785 requires.
            if let Some(i) = n.as_i64().filter(|i| i.unsigned_abs() <= 1 << 53) {
                out.push_str(&i.to_string());
            } else if let Some(u) = n.as_u64().filter(|&u| u <= 1 << 53) {
                out.push_str(&u.to_string());
            } else {
                out.push_str(&number(n.as_f64().unwrap_or(0.0)));
            }
        }
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
            entries.sort_by(|a, b| a.0.encode_utf16().cmp(b.0.encode_utf16()));
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

fn write_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{8}' => out.push_str("\\b"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\u{c}' => out.push_str("\\f"),
            '\r' => out.push_str("\\r"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
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
    fn digest_is_sha256_hex() {
        assert_eq!(
            digest(b"abc"),
            "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
