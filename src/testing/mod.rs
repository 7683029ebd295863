//! Running a ruleset's `test` blocks (§4 of the language contract) with the reference evaluator.
//!
//! Each test's patient is evaluated on the bundle built from the ruleset, exactly as
//! `carel eval` and apps do. `expect ACTION X` holds when the final advice for X is ACTION,
//! `expect not ACTION X` when it is anything else or nothing, `expect nothing X` when no fired
//! rule advises X; a category stands for every exercise in it. An expectation whose targets
//! hold no exercise at all fails: it would check nothing.

mod coverage;
mod report;

pub use coverage::{Coverage, Uncovered, coverage};
pub use report::{coverage_json, json, junit};

use std::collections::BTreeSet;
use std::fmt::Write as _;

use crate::analysis::words;
use crate::eval::{Evaluator, Outcome, Patient};
use crate::model::{Dose, Expectation, Model, Target, Test};
use crate::source::{Sources, Span};

/// Where something is in the ruleset: file as read, 1-based line and column.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Place {
    pub file: String,
    pub line: usize,
    pub column: usize,
}

impl Place {
    pub fn of(sources: &Sources, span: Span) -> Place {
        let file = sources.get(span.file());
        let (line, column) = file.line_col(span.start());
        Place {
            file: file.name.clone(),
            line,
            column,
        }
    }
}

impl std::fmt::Display for Place {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.column)
    }
}

/// One expectation that did not hold, for one exercise.
#[derive(Clone, Debug, PartialEq)]
pub struct Failure {
    /// The `expect` line.
    pub place: Place,
    /// The exercise checked; `None` when the expectation names no exercise at all.
    pub exercise: Option<String>,
    /// What the test expects: `recommend`, `not avoid`, `nothing`.
    pub expected: String,
    /// The final advice: an action, or `nothing`.
    pub actual: String,
    /// The rules that decided the final advice (empty for `nothing`).
    pub rules: Vec<String>,
    /// The whole story in one line: `expected recommend x, got avoid (by r)`.
    pub message: String,
}

/// The result of one `test` block.
#[derive(Clone, Debug, PartialEq)]
pub struct TestResult {
    pub name: String,
    /// The `test` line.
    pub place: Place,
    /// One per expectation and exercise that did not hold (expected vs actual advice).
    pub failures: Vec<Failure>,
    /// The evaluation trace for the exercises of failed expectations (empty when passed).
    pub trace: String,
    /// Every rule that fired for the test's patient, in rule order.
    pub fired: Vec<String>,
}

impl TestResult {
    pub fn passed(&self) -> bool {
        self.failures.is_empty()
    }
}

/// The patient of a test, by name.
pub fn patient(model: &Model, test: &Test) -> Patient {
    Patient {
        facts: test
            .patient
            .facts
            .iter()
            .map(|&f| model.facts[f].name.clone())
            .collect(),
        measures: test
            .patient
            .measures
            .iter()
            .map(|&(m, v)| (model.measures[m].name.clone(), v))
            .collect(),
        implied: Default::default(),
    }
}

fn actual(outcome: &Outcome, exercise: &str) -> String {
    match outcome.get(exercise) {
        None => "nothing".to_string(),
        Some(a) => format!("{} (by {})", a.action.as_str(), a.rules.join(", ")),
    }
}

fn same_dose(a: &Dose, b: &Dose) -> bool {
    (a.amount, a.frequency, a.bouts, a.progression)
        == (b.amount, b.frequency, b.bouts, b.progression)
}

/// Whether one of the rules that decide the advice for `exercise` gives exactly `dose`.
fn decided_with(model: &Model, outcome: &Outcome, exercise: &str, dose: &Dose) -> bool {
    outcome.get(exercise).is_some_and(|a| {
        a.rules.iter().any(|id| {
            model
                .rules
                .iter()
                .find(|r| &r.id == id)
                .and_then(|r| r.dose.as_ref())
                .is_some_and(|d| same_dose(d, dose))
        })
    })
}

/// ` with DOSE (rule)`, or ` with no dose`, for the deciding rules of `exercise`.
fn given_doses(model: &Model, outcome: &Outcome, exercise: &str) -> String {
    let Some(advice) = outcome.get(exercise) else {
        return String::new();
    };
    let doses: Vec<String> = advice
        .rules
        .iter()
        .filter_map(|id| model.rules.iter().find(|r| &r.id == id))
        .filter_map(|r| {
            r.dose
                .as_ref()
                .map(|d| format!("{} ({})", words::dose(d), r.id))
        })
        .collect();
    if doses.is_empty() {
        " with no dose".to_string()
    } else {
        format!(" with {}", doses.join(", "))
    }
}

/// Run one test against an evaluator built from the same model; `sources` are the files the
/// model was compiled from (for file and line).
pub fn run_test(
    model: &Model,
    sources: &Sources,
    evaluator: &Evaluator,
    test: &Test,
) -> TestResult {
    let checked: BTreeSet<&str> = test
        .expects
        .iter()
        .flat_map(|e| &e.exercises)
        .map(|&e| model.exercises[e].name.as_str())
        .collect();
    let outcome = evaluator.evaluate_only(&patient(model, test), Some(&checked));
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
        let wanted_dose = expect.dose.as_ref().map(words::dose);
        let wanted = match expect.expectation {
            Expectation::Is(a) => match &wanted_dose {
                Some(d) => format!("{} {d}", a.as_str()),
                None => a.as_str().to_string(),
            },
            Expectation::IsNot(a) => format!("not {}", a.as_str()),
            Expectation::Nothing => "nothing".to_string(),
        };
        let place = Place::of(sources, expect.span);
        if expect.exercises.is_empty() {
            failures.push(Failure {
                place,
                exercise: None,
                expected: wanted.clone(),
                actual: "nothing".to_string(),
                rules: Vec::new(),
                message: format!(
                    "expect {wanted} {}: names no exercise, so it checks nothing",
                    targets.join(", ")
                ),
            });
            continue;
        }
        for &e in &expect.exercises {
            let name = model.exercises[e].name.as_str();
            let got = outcome.action(name);
            let holds = match expect.expectation {
                Expectation::Is(a) => {
                    got == Some(a)
                        && expect
                            .dose
                            .as_ref()
                            .is_none_or(|d| decided_with(model, &outcome, name, d))
                }
                Expectation::IsNot(a) => got != Some(a),
                Expectation::Nothing => got.is_none(),
            };
            if !holds {
                let shown = if targets.contains(&name) {
                    name.to_string()
                } else {
                    format!("{name} (in {})", targets.join(", "))
                };
                let (target, dose) = match (&wanted_dose, expect.expectation) {
                    (Some(d), Expectation::Is(a)) => (
                        format!("{} {shown} {d}", a.as_str()),
                        given_doses(model, &outcome, name),
                    ),
                    _ => (format!("{wanted} {shown}"), String::new()),
                };
                let advice = outcome.get(name);
                failures.push(Failure {
                    place: place.clone(),
                    exercise: Some(name.to_string()),
                    expected: wanted.clone(),
                    actual: advice.map_or("nothing", |a| a.action.as_str()).to_string(),
                    rules: advice.map(|a| a.rules.clone()).unwrap_or_default(),
                    message: format!("expected {target}, got {}{dose}", actual(&outcome, name)),
                });
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
        crate::partial::trace(evaluator.bundle(), &outcome, Some(&involved))
    };
    TestResult {
        name: test.name.clone(),
        place: Place::of(sources, test.span),
        failures,
        trace,
        fired: outcome.fired,
    }
}

/// Run every test of the model, in source order.
pub fn run(model: &Model, sources: &Sources, evaluator: &Evaluator) -> Vec<TestResult> {
    model
        .tests
        .iter()
        .map(|t| run_test(model, sources, evaluator, t))
        .collect()
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
                let _ = writeln!(out, "    {}: {}", f.place, f.message);
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

/// The human coverage summary: the figures, then each rule and resolved conflict not covered.
pub fn coverage_report(c: &Coverage) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "coverage: {:.1}% (rules fired {}/{}, resolved conflicts exercised {}/{})",
        c.percent(),
        c.rules_covered,
        c.rules,
        c.conflicts_covered,
        c.conflicts
    );
    for u in &c.uncovered_rules {
        let _ = writeln!(out, "  {}: rule `{}` is fired by no test", u.place, u.what);
    }
    for u in &c.uncovered_conflicts {
        let _ = writeln!(
            out,
            "  {}: no test has a patient for whom both {} fire (a conflict resolved by {})",
            u.place,
            u.what,
            u.resolved_by.as_deref().unwrap_or("?")
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bundle::tests::compile_text;

    const RULES: &str = "condition sciatica\ncondition disc\nfactor acute\nfactor chronic\n\
exclusive stage: acute, chronic\nmeasure age range 0..120\n\
category stretching\ncategory empty\nexercise hamstring_stretch in stretching\nexercise cat_cow in stretching\n\
exercise walking\nsource s \"s\"\n\
rule no_stretch: if sciatica then avoid hamstring_stretch overrides stretch cite s\n\
rule stretch: if disc then recommend stretching cite s\n\
rule walk: if age >= 65 then caution walking cite s\n";

    fn report_of(tests: &str) -> (String, Vec<TestResult>) {
        let (model, analysis, sources) = compile_text(&format!("{RULES}{tests}"));
        let bundle = crate::bundle::build(&model, &analysis, &sources);
        let evaluator = Evaluator::new(&bundle).unwrap();
        let results = run(&model, &sources, &evaluator);
        (report(&results), results)
    }

    #[test]
    fn passing_tests_print_ok() {
        let (text, results) = report_of(
            "test \"sciatica and disc\":\n  given sciatica, disc\n  expect avoid hamstring_stretch\n  \
             expect recommend cat_cow\n  expect not recommend hamstring_stretch\n  expect nothing walking\n\
             test \"no facts\": expect nothing stretching\n\
             test \"old\": given age = 70 expect caution walking expect not avoid walking\n",
        );
        assert_eq!(
            text,
            "test \"sciatica and disc\" ... ok\ntest \"no facts\" ... ok\ntest \"old\" ... ok\n3 passed, 0 failed\n"
        );
        assert!(results.iter().all(TestResult::passed));
    }

    #[test]
    fn failures_show_expected_actual_and_trace() {
        let (text, results) = report_of(
            "test \"wrong\":\n  given sciatica, disc\n  expect recommend stretching\n  expect nothing walking\n  \
             expect not avoid walking\n\
             test \"right\": given disc expect recommend cat_cow\n\
             test \"unknown age\": expect caution walking\n",
        );
        assert_eq!(
            text,
            "test \"wrong\" ... FAILED\n    \
             back.carel:18:3: expected recommend hamstring_stretch (in stretching), got avoid (by no_stretch)\n    \
             trace:\n      \
             fired: no_stretch, stretch\n      \
             hamstring_stretch: avoid\n        \
             avoid     no_stretch  decides\n        \
             recommend stretch     dropped: no_stretch takes precedence over it\n\
             test \"right\" ... ok\n\
             test \"unknown age\" ... FAILED\n    \
             back.carel:22:21: expected caution walking, got nothing\n    \
             trace:\n      \
             fired: no rule\n      \
             walking: nothing (no fired rule advises it)\n\
             1 passed, 2 failed\n"
        );
        assert_eq!(results.iter().filter(|r| r.passed()).count(), 1);
    }

    #[test]
    fn an_expectation_on_an_empty_category_fails() {
        let (text, _) = report_of("test \"vacuous\": expect nothing empty\n");
        assert_eq!(
            text,
            "test \"vacuous\" ... FAILED\n    back.carel:16:17: expect nothing empty: names no exercise, so it checks nothing\n    \
             trace:\n      fired: no rule\n0 passed, 1 failed\n"
        );
    }

    #[test]
    fn doses_are_asserted_against_the_deciding_rules() {
        let rules = "condition disc\ncondition active\nexercise walking\nsource s \"s\"\n\
rule short: if disc then recommend walking 10..20 min every 2..4 h overrides long cite s\n\
rule long: if active then recommend walking 30 min 3..4 times per week cite s\n";
        let tests = "test \"disc\": given disc, active\n  expect recommend walking 10..20 min every 2..4 h\n\
test \"wrong dose\": given disc, active expect recommend walking 30 min 3..4 times per week\n\
test \"active\": given active expect recommend walking 30 min 3..4 times per week\n";
        let (model, analysis, sources) = compile_text(&format!("{rules}{tests}"));
        let bundle = crate::bundle::build(&model, &analysis, &sources);
        let evaluator = Evaluator::new(&bundle).unwrap();
        let results = run(&model, &sources, &evaluator);
        assert!(results[0].passed(), "{:?}", results[0].failures);
        assert!(results[2].passed(), "{:?}", results[2].failures);
        assert_eq!(
            results[1].failures[0].message,
            "expected recommend walking 30 min 3..4 times per week, got recommend (by short) \
             with 10..20 min every 2..4 h (short)"
        );
        assert_eq!(results[1].failures[0].place.line, 9);
    }

    #[test]
    fn no_tests_is_a_pass() {
        assert_eq!(report_of("").0, "0 passed, 0 failed\n");
    }
}
