//! Snapshot tests of diagnostics as people see them.
//!
//! Each `tests/ui/NAME.carel` (or folder `tests/ui/NAME/` of `.carel` files) is checked, and the
//! rendered diagnostics (no colour) must equal `tests/ui/NAME.out`. Run with `CAREL_BLESS=1` to
//! rewrite the `.out` files after an intended change, then review the diff.

use std::fs;
use std::path::{Path, PathBuf};

use carel::diagnostic::{Code, render};
use carel::source::Sources;

fn fixtures() -> Vec<PathBuf> {
    let mut paths: Vec<PathBuf> = fs::read_dir("tests/ui")
        .expect("tests/ui exists")
        .map(|e| e.expect("readable entry").path())
        .filter(|p| p.is_dir() || p.extension().is_some_and(|e| e == "carel"))
        .collect();
    paths.sort();
    paths
}

fn load(path: &Path) -> Sources {
    let mut sources = Sources::new();
    let mut files = Vec::new();
    if path.is_dir() {
        collect(path, &mut files);
        files.sort();
        sources.set_name(path.file_name().unwrap().to_string_lossy());
    } else {
        files.push(path.to_path_buf());
    }
    for f in files {
        let name = f
            .strip_prefix("tests/ui")
            .unwrap()
            .to_string_lossy()
            .trim_start_matches('/')
            .to_string();
        sources.add(name, fs::read_to_string(&f).expect("UTF-8 fixture"));
    }
    sources
}

fn collect(dir: &Path, files: &mut Vec<PathBuf>) {
    for e in fs::read_dir(dir).expect("readable folder") {
        let p = e.expect("entry").path();
        if p.is_dir() {
            collect(&p, files);
        } else if p.extension().is_some_and(|e| e == "carel") {
            files.push(p);
        }
    }
}

fn expected_path(fixture: &Path) -> PathBuf {
    fixture.with_extension("out")
}

#[test]
fn ui_snapshots() {
    let bless = std::env::var_os("CAREL_BLESS").is_some();
    let mut failures = Vec::new();
    for fixture in fixtures() {
        let sources = load(&fixture);
        let compilation = carel::compile(&sources);
        let actual = render::human_string(&sources, &compilation.diagnostics);
        let expected_file = expected_path(&fixture);
        if bless {
            fs::write(&expected_file, &actual).expect("write snapshot");
            continue;
        }
        let expected = fs::read_to_string(&expected_file).unwrap_or_default();
        if expected != actual {
            failures.push(format!(
                "--- {} (expected)\n{expected}\n+++ (actual)\n{actual}",
                expected_file.display()
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} snapshot(s) differ (CAREL_BLESS=1 cargo test --test ui to accept):\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn every_code_has_a_fixture() {
    let mut seen = String::new();
    for fixture in fixtures() {
        seen.push_str(&fs::read_to_string(expected_path(&fixture)).unwrap_or_default());
    }
    let missing: Vec<&str> = Code::ALL
        .iter()
        .map(|c| c.as_str())
        .filter(|c| !seen.contains(&format!("[{c}]")))
        .collect();
    assert!(
        missing.is_empty(),
        "codes without a fixture in tests/ui: {missing:?}"
    );
}

#[test]
fn passing_fixtures_are_clean() {
    for fixture in fixtures() {
        let name = fixture.file_stem().unwrap().to_string_lossy().to_string();
        if name.starts_with("ok_") {
            let compilation = carel::compile(&load(&fixture));
            assert!(
                compilation.diagnostics.is_empty(),
                "{name}: {:#?}",
                compilation.diagnostics
            );
        }
    }
}
