//! `carel fmt`: formatting any text either refuses it with the reason, or gives a text that
//! formats to itself and means the same ruleset (same bundle, rule locations aside).
#![no_main]

use carel::source::Sources;
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

/// The bundle of a one-file ruleset without rule locations and the digest, if it compiles.
fn meaning(text: &str) -> Option<Value> {
    let sources = Sources::single("r.carel", text);
    let c = carel::compile(&sources);
    let (model, analysis) = (c.model?, c.analysis?);
    if c.diagnostics.iter().any(|d| d.is_error()) {
        return None;
    }
    let mut v: Value =
        serde_json::from_str(&carel::bundle::build(&model, &analysis, &sources).to_json()).ok()?;
    v["digest"] = Value::Null;
    for r in v["rules"].as_array_mut()? {
        r["location"] = Value::Null;
    }
    Some(v)
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = carel::source::decode(data.to_vec()) else {
        return;
    };
    match carel::format::format(&text) {
        Ok(formatted) => {
            assert_eq!(
                carel::format::format(&formatted).as_deref(),
                Ok(formatted.as_str()),
                "formatting is not idempotent"
            );
            assert_eq!(meaning(&text), meaning(&formatted), "formatting changed the meaning");
        }
        Err(diagnostics) => {
            assert!(!diagnostics.is_empty());
            for d in &diagnostics {
                assert!(
                    !d.message.starts_with("`carel fmt` cannot lay out this file"),
                    "the formatter could not keep the meaning of a readable file"
                );
            }
        }
    }
});
