//! Machine-readable test reports: JSON (docs/language.md, "Testing") and JUnit XML for CI
//! services.

use std::fmt::Write as _;

use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};
use serde_json::{Value, json};

use super::{Coverage, Place, TestResult, Uncovered};

fn place_json(p: &Place) -> Value {
    json!({"file": p.file, "line": p.line, "column": p.column})
}

fn uncovered_json(u: &Uncovered) -> Value {
    let mut v = place_json(&u.place);
    v["what"] = Value::from(u.what.clone());
    if let Some(by) = &u.resolved_by {
        v["resolved_by"] = Value::from(by.clone());
    }
    v
}

/// The coverage figures and what is left uncovered, as JSON.
pub fn coverage_json(c: &Coverage) -> Value {
    json!({
        "percent": (c.percent() * 10.0).round() / 10.0,
        "rules": {"covered": c.rules_covered, "total": c.rules},
        "resolved_conflicts": {"covered": c.conflicts_covered, "total": c.conflicts},
        "uncovered_rules": c.uncovered_rules.iter().map(uncovered_json).collect::<Vec<_>>(),
        "uncovered_conflicts": c.uncovered_conflicts.iter().map(uncovered_json).collect::<Vec<_>>(),
    })
}

/// `carel test --format json`.
pub fn json(results: &[TestResult], coverage: Option<&Coverage>) -> Value {
    let tests: Vec<Value> = results
        .iter()
        .map(|r| {
            let mut t = place_json(&r.place);
            t["name"] = Value::from(r.name.clone());
            t["passed"] = Value::from(r.passed());
            t["failures"] = r
                .failures
                .iter()
                .map(|f| {
                    let mut v = place_json(&f.place);
                    v["exercise"] = json!(f.exercise);
                    v["expected"] = json!(f.expected);
                    v["actual"] = json!(f.actual);
                    v["rules"] = json!(f.rules);
                    v["message"] = json!(f.message);
                    v
                })
                .collect();
            t["fired"] = json!(r.fired);
            t
        })
        .collect();
    let passed = results.iter().filter(|r| r.passed()).count();
    json!({
        "version": 1,
        "tool": {"name": "carel", "version": env!("CARGO_PKG_VERSION")},
        "tests": tests,
        "passed": passed,
        "failed": results.len() - passed,
        "coverage": coverage.map(coverage_json),
    })
}

/// `carel test --format junit`: one suite named after the ruleset, one test case per `test`
/// block (class name and `file`: its file; `line`: its line), a `<failure>` with every failed expectation and the trace.
pub fn junit(suite_name: &str, results: &[TestResult]) -> String {
    let mut suite = TestSuite::new(suite_name);
    for r in results {
        let status = if r.passed() {
            TestCaseStatus::success()
        } else {
            let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
            let first = &r.failures[0];
            status.set_message(format!("{}: {}", first.place, first.message));
            status.set_type("expectation");
            let mut text = String::new();
            for f in &r.failures {
                let _ = writeln!(text, "{}: {}", f.place, f.message);
            }
            text.push_str("trace:\n");
            for line in r.trace.lines() {
                let _ = writeln!(text, "  {line}");
            }
            status.set_description(text);
            status
        };
        let mut case = TestCase::new(r.name.as_str(), status);
        case.set_classname(r.place.file.as_str());
        // `file` and `line`, as GitLab and most JUnit readers understand them.
        case.extra
            .insert("file".into(), r.place.file.as_str().into());
        case.extra
            .insert("line".into(), r.place.line.to_string().into());
        suite.add_test_case(case);
    }
    let mut report = Report::new("carel test");
    report.add_test_suite(suite);
    // Writing XML to a string fails only on invalid characters, which quick-junit escapes.
    report.to_string().unwrap_or_default()
}
