//! The canonical form the bundle digest covers (RFC 8785, JSON Canonicalization Scheme),
//! against the scheme's published test vectors and against an independent implementation
//! (the `serde_json_canonicalizer` crate) on every bundle in the repository.
//!
//! The vectors in `tests/data/jcs/` are the reference implementation's test data
//! (<https://github.com/cyberphone/json-canonicalization>, `testdata/`, commit 19d51d7; see
//! `tests/data/jcs/README.md`); the number vectors below are the sample lines of its
//! `testdata/README.md` and the examples of RFC 8785 appendix B.

use std::fs;
use std::path::Path;

use carel::bundle::{Bundle, canonical};
use serde_json::Value;

const VECTORS: [&str; 6] = [
    "arrays",
    "french",
    "structures",
    "unicode",
    "values",
    "weird",
];

fn vector(name: &str) -> (String, Vec<u8>) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/jcs");
    let input = fs::read_to_string(dir.join("input").join(format!("{name}.json")))
        .expect("the vector's input");
    let output =
        fs::read(dir.join("output").join(format!("{name}.json"))).expect("the vector's output");
    (input, output)
}

#[test]
fn the_value_form_matches_the_rfc_8785_vectors() {
    for name in VECTORS {
        let (input, output) = vector(name);
        let value: Value = serde_json::from_str(&input).expect("the input is JSON");
        assert_eq!(
            String::from_utf8_lossy(&canonical::to_vec(&value)),
            String::from_utf8_lossy(&output),
            "vector {name}"
        );
    }
}

#[test]
fn the_text_form_matches_the_rfc_8785_vectors() {
    for name in VECTORS {
        let (input, output) = vector(name);
        let bytes = canonical::text_to_vec(&input, None, 64).expect("the input is JSON");
        assert_eq!(
            String::from_utf8_lossy(&bytes),
            String::from_utf8_lossy(&output),
            "vector {name}"
        );
    }
}

#[test]
fn the_crate_matches_the_rfc_8785_vectors() {
    for name in VECTORS {
        let (input, output) = vector(name);
        let value: Value = serde_json::from_str(&input).expect("the input is JSON");
        let bytes = serde_json_canonicalizer::to_vec(&value).expect("canonical form");
        assert_eq!(bytes, output, "vector {name}");
    }
}

#[test]
fn numbers_match_the_reference_sample_lines() {
    // `hex-ieee,expected` lines of the reference implementation's testdata/README.md, and the
    // numbers of RFC 8785 appendix B that a double can hold.
    let lines = [
        ("4340000000000001", "9007199254740994"),
        ("4340000000000002", "9007199254740996"),
        ("444b1ae4d6e2ef50", "1e+21"),
        ("3eb0c6f7a0b5ed8d", "0.000001"),
        ("3eb0c6f7a0b5ed8c", "9.999999999999997e-7"),
        ("8000000000000000", "0"),
        ("0", "0"),
        ("1", "5e-324"),
        ("7fefffffffffffff", "1.7976931348623157e+308"),
        ("c3f0000000000000", "-18446744073709552000"),
        ("4415af1d78b58c40", "100000000000000000000"),
        ("3ff0000000000000", "1"),
        ("bff0000000000000", "-1"),
    ];
    for (hex, want) in lines {
        let x = f64::from_bits(u64::from_str_radix(hex, 16).expect("hex"));
        assert_eq!(canonical::number(x), want, "{hex}");
        // The same number written as JSON text reads back to the same canonical form.
        let text = format!("[{}]", serde_json::to_string(&x).expect("finite"));
        let bytes = canonical::text_to_vec(&text, None, 4).expect("JSON");
        assert_eq!(
            String::from_utf8_lossy(&bytes),
            format!("[{want}]"),
            "{hex}"
        );
    }
}

/// Every bundle file in the repository, and the bundle of every ruleset in `rulesets/`.
fn repository_bundles() -> Vec<(String, Bundle, Option<String>)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut out = Vec::new();
    for dir in ["tests/bundles", "tests/conformance"] {
        let mut files: Vec<_> = fs::read_dir(root.join(dir))
            .expect("the folder")
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.to_string_lossy().ends_with(".bundle.json"))
            .collect();
        files.sort();
        for file in files {
            let text = fs::read_to_string(&file).expect("the bundle");
            let bundle = Bundle::from_json(&text).expect("the bundle loads");
            out.push((file.display().to_string(), bundle, Some(text)));
        }
    }
    for entry in fs::read_dir(root.join("rulesets")).expect("rulesets/") {
        let dir = entry.expect("an entry").path();
        if !dir.is_dir() {
            continue;
        }
        let loaded = carel::load::ruleset(&dir.to_string_lossy()).expect("the ruleset reads");
        let compilation = carel::compile(&loaded.sources);
        let (Some(model), Some(analysis)) = (&compilation.model, &compilation.analysis) else {
            panic!("{} compiles", dir.display())
        };
        let bundle = carel::bundle::build(model, analysis, &loaded.sources);
        out.push((dir.display().to_string(), bundle, None));
    }
    assert!(out.len() >= 10, "found the repository's bundles");
    out
}

#[test]
fn every_bundle_in_the_repository_has_one_canonical_form() {
    for (name, bundle, text) in repository_bundles() {
        let ours = bundle.canonical_bytes();
        // The crate over the same content.
        let mut value = serde_json::to_value(&bundle).expect("plain data");
        if let Value::Object(map) = &mut value {
            map.remove("digest");
        }
        let theirs = serde_json_canonicalizer::to_vec(&value).expect("canonical form");
        assert_eq!(
            String::from_utf8_lossy(&ours),
            String::from_utf8_lossy(&theirs),
            "{name}"
        );
        assert_eq!(canonical::to_vec(&value), ours, "{name}");
        // Read from the bundle's text, as loading does, the canonical form is the one its
        // digest was made from (a version-1 bundle lacks the version-2 keys the typed
        // bundle has, so its text is the reference there).
        let text = text.unwrap_or_else(|| bundle.to_json());
        let from_text = canonical::text_to_vec(&text, Some("digest"), 64).expect("JSON");
        assert_eq!(canonical::digest(&from_text), bundle.digest, "{name}");
        let value: Value = serde_json::from_str(&text).expect("JSON");
        let mut value = value;
        if let Value::Object(map) = &mut value {
            map.remove("digest");
        }
        assert_eq!(from_text, canonical::to_vec(&value), "{name}");
    }
}

#[test]
fn bundles_write_as_serde_json_pretty_prints_them() {
    for (name, bundle, _) in repository_bundles() {
        let mut want = serde_json::to_string_pretty(&bundle).expect("plain data");
        want.push('\n');
        assert_eq!(bundle.to_json(), want, "{name}");
    }
}

mod text_form {
    use super::*;
    use proptest::prelude::*;

    fn values() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            any::<u64>().prop_map(Value::from),
            any::<f64>()
                .prop_filter("finite", |x| x.is_finite())
                .prop_map(Value::from),
            (-1000i32..1000, 0u32..4)
                .prop_map(|(m, e)| Value::from(m as f64 / 10f64.powi(e as i32))),
            "\\PC{0,8}".prop_map(Value::String),
            "[\u{0}-\u{1f}\"\\\\a\u{7f}\u{e9}\u{fb33}\u{1f600}]{0,6}".prop_map(Value::String),
        ];
        leaf.prop_recursive(4, 48, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
                prop::collection::vec(("[a-c\u{e9}\u{fb33}\u{1f600}\r]{0,3}", inner), 0..6)
                    .prop_map(|entries| {
                        // Keys may repeat: serde_json keeps the last value, and so must the
                        // text form. Written as a JSON text by `render`, not through a map.
                        Value::Array(
                            entries
                                .into_iter()
                                .map(|(k, v)| Value::Array(vec![Value::String(k), v]))
                                .collect(),
                        )
                    }),
            ]
        })
    }

    /// Write `v` as JSON text; arrays of `[key, value]` pairs become objects when `objects`
    /// says so, strings escape some characters as `\uXXXX`, and spacing varies.
    fn render(v: &Value, objects: bool, escape: bool, out: &mut String) {
        match v {
            Value::String(s) => {
                if escape {
                    out.push('"');
                    for c in s.chars() {
                        let mut units = [0u16; 2];
                        for u in c.encode_utf16(&mut units) {
                            out.push_str(&format!("\\u{u:04X}"));
                        }
                    }
                    out.push('"');
                } else {
                    out.push_str(&serde_json::to_string(s).unwrap());
                }
            }
            Value::Array(items)
                if objects
                    && !items.is_empty()
                    && items.iter().all(|i| {
                        i.as_array()
                            .is_some_and(|p| p.len() == 2 && p[0].is_string())
                    }) =>
            {
                out.push_str("{ ");
                for (i, pair) in items.iter().enumerate() {
                    if i > 0 {
                        out.push_str(" ,\n");
                    }
                    let pair = pair.as_array().unwrap();
                    render(&pair[0], objects, escape, out);
                    out.push_str(" : ");
                    render(&pair[1], objects, escape, out);
                }
                out.push_str("\t}");
            }
            Value::Array(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    render(item, objects, escape, out);
                }
                out.push_str("\r\n]");
            }
            other => out.push_str(&serde_json::to_string(other).unwrap()),
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        /// The canonical form read straight from a JSON text is the canonical form of the
        /// value serde_json reads from it, whatever the spacing, escapes and repeated keys.
        #[test]
        fn text_and_value_forms_agree(v in values(), objects in any::<bool>(), escape in any::<bool>()) {
            let mut text = String::new();
            render(&v, objects, escape, &mut text);
            let value: Value = serde_json::from_str(&text).unwrap();
            let from_text = canonical::text_to_vec(&text, None, 64).unwrap();
            let from_value = canonical::to_vec(&value);
            prop_assert_eq!(
                String::from_utf8_lossy(&from_text),
                String::from_utf8_lossy(&from_value)
            );
            // A top-level key left out, as the digest leaves out `digest`.
            let wrapped = format!("{{\"digest\": {text}, \"x\": {text}, \"digest\": 1}}");
            let value: Value = serde_json::from_str(&wrapped).unwrap();
            let mut without = value.clone();
            without.as_object_mut().unwrap().remove("digest");
            prop_assert_eq!(
                canonical::text_to_vec(&wrapped, Some("digest"), 64).unwrap(),
                canonical::to_vec(&without)
            );
        }
    }

    #[test]
    fn text_that_is_not_json_or_too_deep_is_refused() {
        for bad in [
            "",
            "{",
            "[1,]",
            "{\"a\" 1}",
            "\"\u{1}\"",
            "[1] x",
            "tru",
            "{1: 2}",
        ] {
            assert!(canonical::text_to_vec(bad, None, 8).is_err(), "{bad:?}");
        }
        let deep = format!("{}{}", "[".repeat(10), "]".repeat(10));
        assert!(canonical::text_to_vec(&deep, None, 8).is_err());
        assert!(canonical::text_to_vec(&deep, None, 10).is_ok());
    }
}
