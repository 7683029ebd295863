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
    let (dir, _) = ruleset(
        "test \"facet blocks extension\":\n  given herniated_disc, facet_syndrome\n  expect recommend extension\n\
         test \"sciatica\": given sciatica expect avoid hamstring_stretch\n\
         test \"stretch is fine\": given sciatica, herniated_disc expect not avoid hamstring_stretch\n",
    );
    carel()
        .current_dir(dir.path())
        .args(["test", "back.carel"])
        .assert()
        .code(1)
        .stderr("")
        .stdout(
            "test \"facet blocks extension\" ... FAILED\n    \
         back.carel:14:3: expected recommend prone_press_up (in extension), got nothing\n    \
         trace:\n      \
         fired: no rule\n      \
         prone_press_up: nothing (no fired rule advises it)\n\
         test \"sciatica\" ... ok\n\
         test \"stretch is fine\" ... FAILED\n    \
         back.carel:16:56: expected not avoid hamstring_stretch, got avoid (by sciatica_no_stretch)\n    \
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
fn no_tests_pass_with_a_warning_and_a_missing_path_is_a_usage_error() {
    let (_dir, path) = ruleset("");
    carel()
        .args(["test", &path])
        .assert()
        .success()
        .stdout("0 passed, 0 failed\n")
        .stderr(predicate::str::contains("has no tests"));
    carel()
        .args(["test", "/nonexistent"])
        .assert()
        .code(2)
        .stdout("");
}

const TESTS: &str = "test \"facet blocks extension\":\n  given herniated_disc, facet_syndrome\n  expect recommend extension\n\
test \"sciatica\": given sciatica expect avoid hamstring_stretch\n";

#[test]
fn json_names_file_line_expected_actual_and_deciding_rules() {
    let (dir, _) = ruleset(TESTS);
    let out = carel()
        .current_dir(dir.path())
        .args(["test", "back.carel", "--format", "json"])
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(v["version"], 1);
    assert_eq!((&v["passed"], &v["failed"]), (&1.into(), &1.into()));
    let t = &v["tests"][0];
    assert_eq!(t["name"], "facet blocks extension");
    assert_eq!((&t["file"], &t["line"]), (&"back.carel".into(), &12.into()));
    assert_eq!(t["passed"], false);
    let f = &t["failures"][0];
    assert_eq!((&f["line"], &f["column"]), (&14.into(), &3.into()));
    assert_eq!(f["exercise"], "prone_press_up");
    assert_eq!(
        (&f["expected"], &f["actual"]),
        (&"recommend".into(), &"nothing".into())
    );
    let s = &v["tests"][1];
    assert_eq!(s["passed"], true);
    assert_eq!(s["fired"], serde_json::json!(["sciatica_no_stretch"]));
    assert_eq!(v["coverage"], serde_json::Value::Null);
}

#[test]
fn junit_is_read_by_a_junit_parser() {
    let (dir, _) = ruleset(TESTS);
    let out = carel()
        .current_dir(dir.path())
        .args(["test", "back.carel", "--format", "junit"])
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let suites = junit_parser::from_reader(std::io::Cursor::new(out)).unwrap();
    assert_eq!((suites.tests, suites.failures), (2, 1));
    let suite = &suites.suites[0];
    assert_eq!(suite.name, "back.carel".trim_end_matches(".carel"));
    assert_eq!(suite.cases.len(), 2);
    let failed = &suite.cases[0];
    assert_eq!(failed.original_name, "facet blocks extension");
    assert_eq!(failed.file.as_deref(), Some("back.carel"));
    assert_eq!(failed.line, Some(12));
    assert_eq!(failed.classname.as_deref(), Some("back.carel"));
    let failure = failed.status.failure_as_ref();
    assert_eq!(
        failure.message,
        "back.carel:14:3: expected recommend prone_press_up (in extension), got nothing"
    );
    assert!(failure.text.contains("fired: no rule"), "{}", failure.text);
    assert!(suite.cases[1].status.is_success());
}

#[test]
fn coverage_lists_unfired_rules_and_unexercised_resolutions() {
    let rules = "condition disc\ncondition facet\ncondition sciatica\nexercise press_up\nexercise stretch\n\
source s \"S\"\n\
rule disc_up: if disc then recommend press_up cite s\n\
rule facet_no: if facet then avoid press_up overrides disc_up cite s\n\
rule sciatica_no: if sciatica then avoid stretch cite s\n";
    let dir = tempfile::tempdir().unwrap();
    let tests = "test \"disc\": given disc expect recommend press_up\n";
    std::fs::write(dir.path().join("r.carel"), format!("{rules}{tests}")).unwrap();
    carel()
        .current_dir(dir.path())
        .args(["test", "r.carel", "--coverage"])
        .assert()
        .success()
        .stdout(
            "test \"disc\" ... ok\n1 passed, 0 failed\n\
             coverage: 25.0% (rules fired 1/3, resolved conflicts exercised 0/1)\n  \
             r.carel:8:6: rule `facet_no` is fired by no test\n  \
             r.carel:9:6: rule `sciatica_no` is fired by no test\n  \
             r.carel:8:6: no test has a patient for whom both disc_up and facet_no fire (a conflict resolved by facet_no)\n",
        );
    carel()
        .current_dir(dir.path())
        .args(["test", "r.carel", "--min-coverage", "25"])
        .assert()
        .success();
    carel()
        .current_dir(dir.path())
        .args(["test", "r.carel", "--min-coverage", "25.1"])
        .assert()
        .code(1)
        .stderr("error: test coverage is 25.0%, below the required 25.1%\n");
    // A test with both rules firing covers the resolution and both rules.
    let more = "test \"both\": given disc, facet expect avoid press_up\n\
                test \"sciatica\": given sciatica expect avoid stretch\n";
    std::fs::write(dir.path().join("r.carel"), format!("{rules}{tests}{more}")).unwrap();
    let out = carel()
        .current_dir(dir.path())
        .args([
            "test",
            "r.carel",
            "--format",
            "json",
            "--coverage",
            "--min-coverage",
            "100",
        ])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(v["coverage"]["percent"], 100.0);
    assert_eq!(
        v["coverage"]["resolved_conflicts"],
        serde_json::json!({"covered": 1, "total": 1})
    );
    carel()
        .args(["test", "r.carel", "--min-coverage", "101"])
        .assert()
        .code(2);
}
