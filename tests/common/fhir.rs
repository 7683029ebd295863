//! Validation of FHIR R4 JSON by the third-party Python library `fhir.resources` (6.1.x, the
//! FHIR 4.0.1 edition). The interpreter is `$CAREL_FHIR_PYTHON`, else `python3`. When the library
//! is missing the check is skipped with a printed reason, unless `CAREL_REQUIRE_TOOLS=1`, when
//! it fails (`.ci/run` installs the library and sets both variables).

use std::path::Path;
use std::process::Command;

/// `Some(python)` when a Python with `fhir.resources` for R4 is available; `None` (skip) else.
pub fn python() -> Option<String> {
    let python = std::env::var("CAREL_FHIR_PYTHON").unwrap_or_else(|_| "python3".to_string());
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fhir/validate.py");
    let probe = Command::new(&python).arg(&script).output();
    let reason = match probe {
        Ok(o) if o.status.success() => return Some(python),
        Ok(o) => String::from_utf8_lossy(&o.stdout).trim().to_string(),
        Err(e) => format!("cannot run `{python}`: {e}"),
    };
    let required = std::env::var("CAREL_REQUIRE_TOOLS").is_ok_and(|v| v == "1");
    assert!(
        !required,
        "CAREL_REQUIRE_TOOLS=1 but FHIR validation is unavailable: {reason} \
         (pip install 'fhir.resources==6.1.0' 'pydantic<2', and set CAREL_FHIR_PYTHON)"
    );
    eprintln!("skipped: FHIR R4 validation needs Python's fhir.resources 6.1: {reason}");
    None
}

/// Validate each JSON resource; panics with the validator's words when one is invalid.
pub fn validate(python: &str, resources: &[(&str, &serde_json::Value)]) {
    let dir = tempfile::tempdir().unwrap();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fhir/validate.py");
    let mut cmd = Command::new(python);
    cmd.arg(&script);
    for (name, value) in resources {
        let file = dir.path().join(format!("{name}.json"));
        std::fs::write(&file, serde_json::to_vec(value).unwrap()).unwrap();
        cmd.arg(file);
    }
    let out = cmd.output().expect("python runs");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "FHIR R4 validation failed:\n{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        text.lines().filter(|l| l.starts_with("valid ")).count(),
        resources.len(),
        "{text}"
    );
}
