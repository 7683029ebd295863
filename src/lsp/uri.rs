//! `file:` URIs and paths. Editors name documents by URI; the workspace reads files by path.

use std::path::{Path, PathBuf};
use std::str::FromStr;

use lsp_types::Uri;

/// The path a `file:` URI names, or `None` for another scheme or a malformed URI.
pub fn to_path(uri: &Uri) -> Option<PathBuf> {
    let text = uri.as_str();
    let rest = text.strip_prefix("file://")?;
    // `file:///path` (empty host) or `file://localhost/path`.
    let path = rest.strip_prefix("localhost").unwrap_or(rest);
    let path = path.split(['?', '#']).next().unwrap_or("");
    let bytes = percent_decode(path)?;
    let decoded = String::from_utf8(bytes).ok()?;
    // `file:///C:/folder` names `C:/folder` on Windows.
    let decoded = if cfg!(windows) {
        match decoded.as_bytes() {
            [b'/', d, b':', ..] if d.is_ascii_alphabetic() => decoded[1..].to_string(),
            _ => decoded,
        }
    } else {
        decoded
    };
    if decoded.is_empty() {
        return None;
    }
    Some(PathBuf::from(decoded))
}

/// The `file:` URI of a path.
pub fn from_path(path: &Path) -> Uri {
    let text = path.to_string_lossy().replace('\\', "/");
    let mut uri = String::from("file://");
    if !text.starts_with('/') {
        uri.push('/');
    }
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) || (b == b':' && cfg!(windows)) {
            uri.push(b as char);
        } else {
            uri.push_str(&format!("%{b:02X}"));
        }
    }
    // Every byte outside the unreserved set is escaped, so the URI always parses.
    Uri::from_str(&uri).unwrap_or_else(|_| Uri::from_str("file:///").expect("a valid URI"))
}

fn percent_decode(s: &str) -> Option<Vec<u8>> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = s.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_and_uris_round_trip() {
        for path in [
            "/tmp/rules/back pain.carel",
            "/tmp/Rückenschmerz/a#b%.carel",
        ] {
            let uri = from_path(Path::new(path));
            assert_eq!(to_path(&uri).as_deref(), Some(Path::new(path)), "{uri:?}");
        }
        let uri = from_path(Path::new("/tmp/a b.carel"));
        assert_eq!(uri.as_str(), "file:///tmp/a%20b.carel");
    }

    #[test]
    fn other_schemes_are_not_paths() {
        let uri = Uri::from_str("untitled:Untitled-1").unwrap();
        assert_eq!(to_path(&uri), None);
        let bad = Uri::from_str("file:///tmp/%zz").unwrap_or_else(|_| from_path(Path::new("/x")));
        let _ = to_path(&bad);
    }
}
