//! Conformance vectors for evaluation with unknown facts (§10): `tests/conformance/NAME.partial.json`
//! holds, for the bundle `NAME.bundle.json`, cases of what is known and what is not, with the
//! possible advice per exercise, what each depends on and the ask-next order the reference
//! partial evaluator gives. An app proves its partial evaluation agrees by loading the bundle
//! and answering each case. See `tests/conformance/README.md`.
//!
//! The inputs of each case are written by hand; `CAREL_BLESS=1 cargo test --test
//! conformance_partial` rewrites the expectations after a deliberate change.

use std::collections::BTreeMap;
use std::path::PathBuf;

use carel::bundle::Bundle;
use carel::partial::{PartialEvaluator, PartialOutcome};
use serde::{Deserialize, Serialize};

#[derive(Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Cases {
    bundle: String,
    cases: Vec<Case>,
}

#[derive(Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    name: String,
    /// Facts that hold; the app adds every fact they imply.
    given: Vec<String>,
    /// Facts that do not hold.
    not: Vec<String>,
    /// Known measure values.
    measures: BTreeMap<String, serde_json::Number>,
    /// Unknown facts and measures, or `["all"]`: every fact and measure neither given nor in
    /// `not`. Everything else is false or unmeasured.
    unknown: Vec<String>,
    /// For every exercise: its possible advice (most protective first, `null` for no advice
    /// last) and the unknowns it depends on (bundle order).
    exercises: BTreeMap<String, Expected>,
    /// The ask-next order: each unknown that matters with the number of exercises whose
    /// advice it could change.
    ask_next: Vec<(String, usize)>,
}

#[derive(Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Expected {
    possible: Vec<Option<String>>,
    depends_on: Vec<String>,
}

fn folder() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/conformance")
}

fn bless() -> bool {
    std::env::var_os("CAREL_BLESS").is_some_and(|v| v == "1")
}

/// What a case expects: per exercise, and the ask-next order.
type Answer = (BTreeMap<String, Expected>, Vec<(String, usize)>);

/// Answer a case from a loaded bundle, as an app would.
fn answer(bundle: &Bundle, case: &Case) -> Result<Answer, String> {
    let p = PartialEvaluator::new(bundle)?;
    let mut given = case.given.join(",");
    for (m, v) in &case.measures {
        if !given.is_empty() {
            given.push(',');
        }
        given.push_str(&format!("{m}={v}"));
    }
    let unknown = case.unknown.join(",");
    let k = p.parse_knowledge(&given, &case.not.join(","), Some(&unknown))?;
    let o: PartialOutcome = p.evaluate(&k)?;
    let exercises = o
        .exercises
        .iter()
        .map(|e| {
            (
                e.exercise.clone(),
                Expected {
                    possible: e
                        .possible
                        .iter()
                        .map(|p| p.advice.map(|a| a.as_str().to_string()))
                        .collect(),
                    depends_on: e.depends_on.clone(),
                },
            )
        })
        .collect();
    let ask = o
        .ask_next
        .iter()
        .map(|a| (a.name.clone(), a.exercises.len()))
        .collect();
    Ok((exercises, ask))
}

#[test]
fn partial_conformance_vectors_match_the_reference_partial_evaluator() {
    let mut files: Vec<PathBuf> = std::fs::read_dir(folder())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().ends_with(".partial.json"))
        .collect();
    files.sort();
    assert!(files.len() >= 3, "partial vectors: {files:?}");
    let mut failures = Vec::new();
    for path in files {
        let text = std::fs::read_to_string(&path).unwrap();
        let mut cases: Cases = serde_json::from_str(&text).unwrap();
        let bundle_text = std::fs::read_to_string(folder().join(&cases.bundle)).unwrap();
        let bundle = Bundle::from_json(&bundle_text).unwrap();
        assert!(!cases.cases.is_empty());
        for case in &mut cases.cases {
            let (exercises, ask) = answer(&bundle, case)
                .unwrap_or_else(|e| panic!("{}: {}: {e}", path.display(), case.name));
            if bless() {
                case.exercises = exercises;
                case.ask_next = ask;
            } else if (&exercises, &ask) != (&case.exercises, &case.ask_next) {
                failures.push(format!(
                    "{}: case {:?} gives {exercises:?} / {ask:?}; regenerate with `CAREL_BLESS=1 cargo test --test conformance_partial`",
                    path.display(),
                    case.name
                ));
            }
        }
        if bless() {
            let mut out = serde_json::to_string_pretty(&cases).unwrap();
            out.push('\n');
            std::fs::write(&path, out).unwrap();
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The vectors say what a clinician would expect, not only what the evaluator says.
#[test]
fn the_vectors_hold_the_expected_answers() {
    let text = std::fs::read_to_string(folder().join("implies_excludes.partial.json")).unwrap();
    let cases: Cases = serde_json::from_str(&text).unwrap();
    let nothing = &cases.cases[0];
    assert_eq!(nothing.unknown, ["all"]);
    // deadlift: avoid if new to exercise (or sedentary, which implies it), consider for an
    // athlete, else nothing. A patient who is not a beginner is not new to exercise either
    // (new_to_exercise implies beginner), so beginner matters too.
    let deadlift = &nothing.exercises["deadlift"];
    assert_eq!(
        deadlift.possible,
        [
            Some("avoid".to_string()),
            Some("consider".to_string()),
            None
        ]
    );
    assert_eq!(
        deadlift.depends_on,
        ["sedentary", "new_to_exercise", "beginner", "athlete"]
    );
    // The first question changes the most advice.
    assert_eq!(nothing.ask_next[0].1, 2);
    let text = std::fs::read_to_string(folder().join("refer_prevails.partial.json")).unwrap();
    let cases: Cases = serde_json::from_str(&text).unwrap();
    let first = &cases.cases[0];
    assert_eq!(first.ask_next[0], ("serious".to_string(), 3));
    assert_eq!(
        first.exercises["walking"].possible[0],
        Some("refer".to_string())
    );
}
