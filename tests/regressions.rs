//! Inputs that once crashed, hung or gave a wrong answer (see `tests/regressions/README.md`):
//! each is checked through the `carel` binary and must give exactly its listed diagnostics,
//! without a panic.

use std::fs;
use std::path::Path;
use std::time::Duration;

use assert_cmd::Command;
use serde_json::Value;

#[test]
fn every_regression_input_gives_its_diagnostics() {
    let folder = Path::new("tests/regressions");
    let index = fs::read_to_string(folder.join("expected.txt")).expect("the index is readable");
    let mut listed = Vec::new();
    for line in index.lines().map(str::trim) {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (file, codes) = line
            .split_once(':')
            .unwrap_or_else(|| panic!("`{line}`: expected `file: CODES`"));
        let expected: Vec<&str> = match codes.trim() {
            "none" => Vec::new(),
            codes => codes.split(',').map(str::trim).collect(),
        };
        let path = folder.join(file.trim());
        let out = Command::cargo_bin("carel")
            .expect("the carel binary is built")
            .args(["check", "--format", "json"])
            .arg(&path)
            .timeout(Duration::from_secs(60))
            .output()
            .expect("carel runs");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!stderr.contains("panicked"), "{file}: {stderr}");
        let json: Value = serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("{file}: not a JSON report ({e}): {stderr}"));
        let codes: Vec<&str> = json["diagnostics"]
            .as_array()
            .expect("a diagnostics array")
            .iter()
            .filter_map(|d| d["code"].as_str())
            .collect();
        assert_eq!(codes, expected, "{file}: {:#}", json["diagnostics"]);
        let status = if expected.iter().any(|c| c.starts_with('E')) {
            1
        } else {
            0
        };
        assert_eq!(out.status.code(), Some(status), "{file}");
        listed.push(file.trim().to_string());
    }
    // Every input in the folder is listed, so none is silently skipped.
    let mut present: Vec<String> = fs::read_dir(folder)
        .expect("the folder is readable")
        .map(|e| {
            e.expect("an entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .filter(|n| n.ends_with(".carel"))
        .collect();
    present.sort();
    listed.sort();
    assert_eq!(present, listed);
}
