//! `carel check --format json` against its documented JSON Schema (docs/diagnostics.schema.json).

use std::path::Path;

use assert_cmd::Command;
use serde_json::Value;

fn schema() -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/diagnostics.schema.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn check_json(dir: &Path, text: &str) -> Value {
    let file = dir.join("r.carel");
    std::fs::write(&file, text).unwrap();
    let out = Command::cargo_bin("carel")
        .unwrap()
        .args(["check", "--format", "json"])
        .arg(&file)
        .output()
        .unwrap();
    serde_json::from_slice(&out.stdout).unwrap()
}

const CLASH: &str = "condition disc\ncondition facet\nexercise press_up\nsource s \"S\"\n\
rule a: if disc then recommend press_up cite s\n\
rule b: if facet then avoid press_up cite s\n";

#[test]
fn the_schema_is_a_valid_schema() {
    jsonschema::meta::validate(&schema()).unwrap();
}

#[test]
fn reports_validate_against_the_schema() {
    let validator = jsonschema::validator_for(&schema()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        CLASH.to_string(),
        CLASH.replace("if disc", "if dsic"),
        "condition unused\n".to_string(),
        "rule broken if then\n".to_string(),
        "# nothing\n".to_string(),
        "condition é\ncondition é\n".to_string(),
    ];
    for text in &cases {
        let report = check_json(dir.path(), text);
        let errors: Vec<String> = validator
            .iter_errors(&report)
            .map(|e| format!("{e} at {}", e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{text}\n{errors:#?}\n{report:#}");
    }
    // The schema is strict enough to catch a report without its version.
    let mut report = check_json(dir.path(), CLASH);
    report.as_object_mut().unwrap().remove("version");
    assert!(!validator.is_valid(&report));
}

#[test]
fn version_tool_and_exclusive_end_column() {
    let dir = tempfile::tempdir().unwrap();
    let report = check_json(dir.path(), CLASH);
    assert_eq!(report["version"], 1);
    assert_eq!(report["tool"]["name"], "carel");
    assert_eq!(report["tool"]["version"], env!("CARGO_PKG_VERSION"));
    let d = &report["diagnostics"][0];
    assert_eq!(d["code"], "E010");
    // `then avoid press_up` is 19 characters from column 18: the end column is 18 + 19.
    assert_eq!((&d["line"], &d["column"]), (&6.into(), &18.into()));
    assert_eq!((&d["end_line"], &d["end_column"]), (&6.into(), &37.into()));
    let label = &d["labels"][0];
    assert_eq!(
        (&label["column"], &label["end_column"]),
        (&17.into(), &40.into())
    );
}
