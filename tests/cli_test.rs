//! `carel test`: one line per test, failures with expected vs actual advice and the trace, the
//! closing count, and the exit status.

use assert_cmd::Command;
use predicates::prelude::*;

fn carel() -> Command {
    Command::cargo_bin("carel").expect("binary built")
}

const RULES: &str = "condition sciatica\ncondition herniated_disc\ncondition facet_syndrome\n\
factor chronic\nmeasure age range 0..120\ncategory extension\nexercise hamstring_stretch\n\
exercise prone_press_up in extension\nsource guide \"Guide\"\n\
rule sciatica_no_stretch: if sciatica then avoid hamstring_stretch cite guide\n\
rule disc_extension: if herniated_disc unless facet_syndrome then recommend extension cite guide\n";

fn ruleset(tests: &str) -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("back.carel");
    std::fs::write(&path, format!("{RULES}{tests}")).unwrap();
    let path = path.to_string_lossy().into_owned();
    (dir, path)
}

#[test]
fn passing_tests_exit_zero() {
    let (_dir, path) = ruleset(
        "test \"disc without facet gets extension\":\n  given herniated_disc, chronic, age = 45\n  \
         expect recommend prone_press_up\n  expect not avoid prone_press_up\n  expect nothing hamstring_stretch\n\
         test \"sciatica\": given sciatica expect avoid hamstring_stretch\n",
    );
    carel().args(["test", &path]).assert().success().stderr("").stdout(
        "test \"disc without facet gets extension\" ... ok\ntest \"sciatica\" ... ok\n2 passed, 0 failed\n",
    );
}

#[test]
fn a_failing_test_exits_one_with_expected_actual_and_trace() {
    let (_dir, path) = ruleset(
        "test \"facet blocks extension\":\n  given herniated_disc, facet_syndrome\n  expect recommend extension\n\
         test \"sciatica\": given sciatica expect avoid hamstring_stretch\n\
         test \"stretch is fine\": given sciatica, herniated_disc expect not avoid hamstring_stretch\n",
    );
    carel()
        .args(["test", &path])
        .assert()
        .code(1)
        .stderr("")
        .stdout(
            "test \"facet blocks extension\" ... FAILED\n    \
         expected recommend prone_press_up (in extension), got nothing\n    \
         trace:\n      \
         fired: no rule\n      \
         prone_press_up: nothing (no fired rule advises it)\n\
         test \"sciatica\" ... ok\n\
         test \"stretch is fine\" ... FAILED\n    \
         expected not avoid hamstring_stretch, got avoid (by sciatica_no_stretch)\n    \
         trace:\n      \
         fired: sciatica_no_stretch, disc_extension\n      \
         hamstring_stretch: avoid\n        \
         avoid     sciatica_no_stretch  decides\n\
         1 passed, 2 failed\n",
        );
}

#[test]
fn a_test_naming_an_undeclared_fact_is_a_compile_error() {
    let (_dir, path) = ruleset("test \"typo\": given sciatca expect avoid hamstring_stretch\n");
    carel()
        .args(["test", &path])
        .assert()
        .code(1)
        .stdout("")
        .stderr(predicate::str::contains(
            "error[E002]: `sciatca` is not declared",
        ));
}

#[test]
fn no_tests_pass_trivially_and_a_missing_path_is_a_usage_error() {
    let (_dir, path) = ruleset("");
    carel()
        .args(["test", &path])
        .assert()
        .success()
        .stdout("0 passed, 0 failed\n");
    carel()
        .args(["test", "/nonexistent"])
        .assert()
        .code(2)
        .stdout("");
}
