//! `carel explain CODE`.

use assert_cmd::cargo::cargo_bin_cmd;
use carel::diagnostic::Code;
use predicates::prelude::*;

#[test]
fn explain_prints_code_severity_title_and_text() {
    let explanation = Code::E010.explanation().trim();
    cargo_bin_cmd!("carel")
        .args(["explain", "E010", "--format", "markdown"])
        .assert()
        .success()
        .stdout(predicate::str::starts_with(
            "E010 (error): contradiction\n\n",
        ))
        .stdout(predicate::str::contains(explanation))
        .stdout(predicate::str::contains("witness"))
        .stderr("");
}

#[test]
fn explain_accepts_lower_case_codes() {
    cargo_bin_cmd!("carel")
        .args(["explain", "w005"])
        .assert()
        .success()
        .stdout(predicate::str::starts_with(
            "W005 (warning): dose mismatch\n\n",
        ))
        .stdout(predicate::str::contains("168 / N times a week"));
    let upper = cargo_bin_cmd!("carel")
        .args(["explain", "E010"])
        .output()
        .unwrap();
    let lower = cargo_bin_cmd!("carel")
        .args(["explain", "e010"])
        .output()
        .unwrap();
    assert_eq!(lower.status.code(), Some(0));
    assert_eq!(lower.stdout, upper.stdout);
}

#[test]
fn explain_unknown_code_is_a_usage_error_listing_known_codes() {
    let known = Code::ALL
        .iter()
        .map(|c| c.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    cargo_bin_cmd!("carel")
        .args(["explain", "E999"])
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicate::str::contains("E999"))
        .stderr(predicate::str::contains(known))
        .stderr(predicate::str::contains("E001").and(predicate::str::contains("W007")));
}
