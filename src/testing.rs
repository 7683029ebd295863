//! Running a ruleset's `test` blocks (§4 of the language contract) with the reference evaluator.
//!
//! Each test's patient is evaluated on the bundle built from the ruleset, exactly as
//! `carel eval` and apps do. `expect ACTION X` holds when the final advice for X is ACTION,
//! `expect not ACTION X` when it is anything else or nothing, `expect nothing X` when no fired
//! rule advises X; a category stands for every exercise in it. An expectation whose targets
//! hold no exercise at all fails: it would check nothing.

use std::fmt::Write as _;

use crate::eval::{Evaluator, Outcome, Patient};
use crate::model::{Expectation, Model, Target, Test};

/// The result of one `test` block.
#[derive(Clone, Debug, PartialEq)]
pub struct TestResult {
    pub name: String,
    /// One line per expectation that did not hold (expected vs actual advice).
    pub failures: Vec<String>,
    /// The evaluation trace for the exercises of failed expectations (empty when passed).
    pub trace: String,
}

impl TestResult {
    pub fn passed(&self) -> bool {
        self.failures.is_empty()
    }
}

/// The patient of a test, by name.
pub fn patient(model: &Model, test: &Test) -> Patient {
    Patient {
        facts: test.patient.facts.iter().map(|&f| model.facts[f].name.clone()).collect(),
        measures: test
            .patient
            .measures
            .iter()
            .map(|&(m, v)| (model.measures[m].name.clone(), v))
            .collect(),
    }
}

fn actual(outcome: &Outcome, exercise: &str) -> String {
    match outcome.get(exercise) {
        None => "nothing".to_string(),
        Some(a) => format!("{} (by {})", a.action.as_str(), a.rules.join(", ")),
    }
}

/// Run one test against an evaluator built from the same model.
pub fn run_test(model: &Model, evaluator: &Evaluator, test: &Test) -> TestResult {
    let outcome = evaluator.evaluate(&patient(model, test));
    let mut failures = Vec::new();
    let mut involved: Vec<&str> = Vec::new();
    for expect in &test.expects {
        let targets: Vec<&str> = expect
            .targets
            .iter()
            .map(|(t, _)| match *t {
                Target::Exercise(e) => model.exercises[e].name.as_str(),
                Target::Category(c) => model.categories[c].name.as_str(),
            })
            .collect();
        let wanted = match expect.expectation {
            Expectation::Is(a) => a.as_str().to_string(),
            Expectation::IsNot(a) => format!("not {}", a.as_str()),
            Expectation::Nothing => "nothing".to_string(),
        };
        if expect.exercises.is_empty() {
            failures.push(format!(
                "expect {wanted} {}: names no exercise, so it checks nothing",
                targets.join(", ")
            ));
            continue;
        }
        for &e in &expect.exercises {
            let name = model.exercises[e].name.as_str();
            let got = outcome.action(name);
            let holds = match expect.expectation {
                Expectation::Is(a) => got == Some(a),
                Expectation::IsNot(a) => got != Some(a),
                Expectation::Nothing => got.is_none(),
            };
            if !holds {
                let shown = if targets.contains(&name) {
                    name.to_string()
                } else {
                    format!("{name} (in {})", targets.join(", "))
                };
                failures.push(format!("expected {wanted} {shown}, got {}", actual(&outcome, name)));
                if !involved.contains(&name) {
                    involved.push(name);
                }
            }
        }
    }
    let trace = if failures.is_empty() {
        String::new()
    } else {
        involved.sort_unstable();
        outcome.trace(Some(&involved))
    };
    TestResult {
        name: test.name.clone(),
        failures,
        trace,
    }
}

/// Run every test of the model, in source order.
pub fn run(model: &Model, evaluator: &Evaluator) -> Vec<TestResult> {
    model.tests.iter().map(|t| run_test(model, evaluator, t)).collect()
}

/// The `carel test` report: `test "name" ... ok` / `FAILED` (with expected vs actual advice and
/// the trace under a failure), then `N passed, N failed`.
pub fn report(results: &[TestResult]) -> String {
    let mut out = String::new();
    for r in results {
        if r.passed() {
            let _ = writeln!(out, "test {:?} ... ok", r.name);
        } else {
            let _ = writeln!(out, "test {:?} ... FAILED", r.name);
            for f in &r.failures {
                let _ = writeln!(out, "    {f}");
            }
            out.push_str("    trace:\n");
            for line in r.trace.lines() {
                let _ = writeln!(out, "      {line}");
            }
        }
    }
    let passed = results.iter().filter(|r| r.passed()).count();
    let _ = writeln!(out, "{passed} passed, {} failed", results.len() - passed);
    out
}
