//! `carel build --format fhir`: the FHIR R4 export of the flagship ruleset, validated by a
//! third-party FHIR R4 library, and checked against the bundle it comes from.

#[allow(dead_code)]
#[path = "common/fhir.rs"]
mod fhir;

use assert_cmd::Command;
use carel::bundle::Bundle;
use serde_json::Value;

const FLAGSHIP: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/rulesets/lower_back_pain");

fn build(format: &str) -> String {
    let out = Command::cargo_bin("carel")
        .unwrap()
        .args(["build", FLAGSHIP, "--format", format])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    String::from_utf8(out).unwrap()
}

#[test]
fn the_flagship_export_matches_its_bundle() {
    let bundle = Bundle::from_json(&build("bundle")).unwrap();
    let export: Value = serde_json::from_str(&build("fhir")).unwrap();
    let entries = export["entry"].as_array().unwrap();
    let plan = &entries[0]["resource"];
    assert_eq!(plan["resourceType"], "PlanDefinition");
    let actions = plan["action"].as_array().unwrap();
    assert_eq!(actions.len(), bundle.rules.len());
    for (a, r) in actions.iter().zip(&bundle.rules) {
        assert_eq!(a["id"], r.id.as_str());
        assert_eq!(a["code"][0]["coding"][0]["code"], r.action.as_str());
        assert_eq!(
            a["condition"][0]["expression"]["expression"],
            carel::fhir::when_text(&r.when)
        );
        assert_eq!(a["action"].as_array().unwrap().len(), r.exercises.len());
        assert_eq!(
            a["documentation"].as_array().map_or(0, Vec::len),
            r.cite.len()
        );
    }
    // Each avoided exercise has its do-not-perform ActivityDefinition.
    let do_not: Vec<&str> = entries
        .iter()
        .filter(|e| e["resource"]["doNotPerform"] == true)
        .map(|e| e["resource"]["code"]["coding"][0]["code"].as_str().unwrap())
        .collect();
    let mut avoided: Vec<&str> = bundle
        .rules
        .iter()
        .filter(|r| r.action == carel::model::Action::Avoid)
        .flat_map(|r| r.exercises.iter().map(String::as_str))
        .collect();
    avoided.sort();
    avoided.dedup();
    let mut got = do_not.clone();
    got.sort();
    assert_eq!(got, avoided);
    assert_eq!(
        carel::fhir::digest_of_export(&export).as_deref(),
        Some(bundle.digest.as_str())
    );
}

#[test]
fn the_flagship_export_is_valid_fhir_r4() {
    let Some(python) = fhir::python() else { return };
    let export: Value = serde_json::from_str(&build("fhir")).unwrap();
    // The Bundle as a whole (which validates every resource inside), and each resource alone.
    let mut all = vec![("bundle".to_string(), export.clone())];
    for (i, e) in export["entry"].as_array().unwrap().iter().enumerate() {
        all.push((format!("entry{i}"), e["resource"].clone()));
    }
    let refs: Vec<(&str, &Value)> = all.iter().map(|(n, v)| (n.as_str(), v)).collect();
    fhir::validate(&python, &refs);
}

#[test]
fn an_invalid_resource_is_caught_by_the_validator() {
    // The validator must be able to fail: a PlanDefinition with a misspelt field and a bad status.
    let Some(python) = fhir::python() else { return };
    let bad =
        serde_json::json!({"resourceType": "PlanDefinition", "status": "approved", "titel": "x"});
    let result = std::panic::catch_unwind(|| fhir::validate(&python, &[("bad", &bad)]));
    assert!(result.is_err());
}
