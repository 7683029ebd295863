//! Conformance vectors for apps: `tests/conformance/NAME.carel` (rules, and `test` blocks whose
//! hand-written expectations must hold), `NAME.bundle.json` (what `carel build` makes of it)
//! and `NAME.cases.json` (each test's patient with the final advice the reference evaluator
//! gives). An app proves it evaluates bundles as Carel does by loading each bundle, evaluating
//! each case's patient and comparing. See `tests/conformance/README.md`.
//!
//! Regenerate the JSON files with `CAREL_BLESS=1 cargo test --test conformance`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use carel::bundle::{self, Bundle};
use carel::eval::{Evaluator, Outcome, Patient};
use carel::source::Sources;
use carel::testing;
use serde::{Deserialize, Serialize};

#[derive(Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Cases {
    /// The bundle file these cases are for, next to this file.
    bundle: String,
    cases: Vec<Case>,
}

#[derive(Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    name: String,
    given: Given,
    /// The facts the given ones imply (format 2), each with a given fact implying it; an app
    /// adds them before evaluating.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    implied: BTreeMap<String, String>,
    /// Final advice per exercise; exercises no fired rule advises are left out.
    advice: BTreeMap<String, String>,
    /// For each advised exercise, the rules whose advice decided it (bundle order).
    decided_by: BTreeMap<String, Vec<String>>,
    /// The rules that fired, in bundle order.
    fired: Vec<String>,
}

#[derive(Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Given {
    facts: Vec<String>,
    measures: BTreeMap<String, serde_json::Number>,
}

fn folder() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/conformance")
}

fn bless() -> bool {
    std::env::var_os("CAREL_BLESS").is_some_and(|v| v == "1")
}

fn number(x: f64) -> serde_json::Number {
    if x.fract() == 0.0 && x.abs() < 9_007_199_254_740_992.0 {
        serde_json::Number::from(x as i64)
    } else {
        serde_json::Number::from_f64(x).expect("finite")
    }
}

fn case(name: &str, outcome: &Outcome) -> Case {
    Case {
        name: name.to_string(),
        given: Given {
            facts: outcome
                .patient
                .facts
                .iter()
                .filter(|f| !outcome.patient.implied.contains_key(*f))
                .cloned()
                .collect(),
            measures: outcome
                .patient
                .measures
                .iter()
                .map(|(k, &v)| (k.clone(), number(v)))
                .collect(),
        },
        implied: outcome.patient.implied.clone(),
        advice: outcome
            .advice
            .iter()
            .map(|a| (a.exercise.clone(), a.action.as_str().to_string()))
            .collect(),
        decided_by: outcome
            .advice
            .iter()
            .map(|a| (a.exercise.clone(), a.rules.clone()))
            .collect(),
        fired: outcome.fired.clone(),
    }
}

/// Compare with the committed file, or write it when blessing.
fn check_file(path: &Path, expected: &str, failures: &mut Vec<String>) {
    if bless() {
        std::fs::write(path, expected).unwrap();
        return;
    }
    let actual = std::fs::read_to_string(path)
        .unwrap_or_default()
        .replace("\r\n", "\n");
    if actual != expected {
        failures.push(format!(
            "{} is stale; regenerate with `CAREL_BLESS=1 cargo test --test conformance`",
            path.display()
        ));
    }
}

#[test]
fn conformance_vectors_match_the_reference_evaluator() {
    let mut sources_seen = 0;
    let mut failures = Vec::new();
    let mut entries: Vec<PathBuf> = std::fs::read_dir(folder())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "carel"))
        .collect();
    entries.sort();
    for path in entries {
        sources_seen += 1;
        let stem = path.file_stem().unwrap().to_string_lossy().into_owned();
        let file_name = format!("{stem}.carel");
        let text = std::fs::read_to_string(&path).unwrap();
        let sources = Sources::single(&file_name, text);
        let c = carel::compile(&sources);
        assert!(
            !c.has_errors(),
            "{file_name}:\n{}",
            carel::diagnostic::render::human_string(&sources, &c.diagnostics)
        );
        let model = c.model.unwrap();
        let built = bundle::build(&model, &c.analysis.unwrap(), &sources);
        let evaluator = Evaluator::new(&built).unwrap();

        // The hand-written expectations of the `test` blocks hold.
        let results = testing::run(&model, &sources, &evaluator);
        assert!(!results.is_empty(), "{file_name} has no tests");
        let failed: Vec<&testing::TestResult> = results.iter().filter(|r| !r.passed()).collect();
        assert!(
            failed.is_empty(),
            "{file_name}:\n{}",
            testing::report(&results)
        );

        // The bundle and the cases are what the reference evaluator gives.
        let bundle_name = format!("{stem}.bundle.json");
        check_file(
            &folder().join(&bundle_name),
            &built.to_json(),
            &mut failures,
        );
        let cases = Cases {
            bundle: bundle_name.clone(),
            cases: model
                .tests
                .iter()
                .map(|t| case(&t.name, &evaluator.evaluate(&testing::patient(&model, t))))
                .collect(),
        };
        let mut cases_json = serde_json::to_string_pretty(&cases).unwrap();
        cases_json.push('\n');
        check_file(
            &folder().join(format!("{stem}.cases.json")),
            &cases_json,
            &mut failures,
        );

        // As an app does it: load the committed files and evaluate each case.
        let bundle_text = std::fs::read_to_string(folder().join(&bundle_name)).unwrap();
        let loaded =
            Bundle::from_json(&bundle_text).unwrap_or_else(|e| panic!("{bundle_name}: {e}"));
        let app = Evaluator::new(&loaded).unwrap();
        let committed: Cases = serde_json::from_str(
            &std::fs::read_to_string(folder().join(format!("{stem}.cases.json"))).unwrap(),
        )
        .unwrap();
        assert_eq!(committed.bundle, bundle_name);
        for expected in &committed.cases {
            let patient = Patient {
                facts: expected.given.facts.iter().cloned().collect(),
                measures: expected
                    .given
                    .measures
                    .iter()
                    .map(|(k, v)| (k.clone(), v.as_f64().unwrap()))
                    .collect(),
                implied: Default::default(),
            };
            app.check_patient(&patient).unwrap();
            let got = case(&expected.name, &app.evaluate(&patient));
            if &got != expected {
                failures.push(format!("{stem}: case {:?} gives {got:?}", expected.name));
            }
        }
    }
    assert!(
        sources_seen >= 5,
        "the conformance folder holds {sources_seen} rulesets"
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// A format-1 bundle (written by an earlier compiler) still loads, and evaluates every case of
/// its ruleset exactly as the format-2 bundle of today does.
#[test]
fn format_1_bundles_keep_their_meaning() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/bundles");
    let text = std::fs::read_to_string(dir.join("v1_precedence.bundle.json")).unwrap();
    assert!(text.contains("\"format_version\": 1"));
    let loaded = Bundle::from_json(&text).unwrap();
    let app = Evaluator::new(&loaded).unwrap();
    let committed: Cases = serde_json::from_str(
        &std::fs::read_to_string(folder().join("precedence.cases.json")).unwrap(),
    )
    .unwrap();
    assert!(!committed.cases.is_empty());
    for expected in &committed.cases {
        let patient = Patient {
            facts: expected.given.facts.iter().cloned().collect(),
            measures: expected
                .given
                .measures
                .iter()
                .map(|(k, v)| (k.clone(), v.as_f64().unwrap()))
                .collect(),
            implied: Default::default(),
        };
        assert_eq!(&case(&expected.name, &app.evaluate(&patient)), expected);
    }
}
