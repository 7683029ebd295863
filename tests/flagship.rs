//! The flagship ruleset, `rulesets/lower_back_pain`, stays clean, formatted and fully tested, and
//! keeps the properties its README promises a reviewer: every rule cited with a locator, no long
//! `overrides` lists, and advice that waits for what nobody recorded.

use assert_cmd::Command;
use serde_json::Value;

const FLAGSHIP: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/rulesets/lower_back_pain");

fn carel() -> Command {
    Command::cargo_bin("carel").expect("binary built")
}

fn stdout(args: &[&str]) -> String {
    let out = carel()
        .args(args)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    String::from_utf8(out).unwrap()
}

fn bundle() -> Value {
    serde_json::from_str(&stdout(&["build", FLAGSHIP])).unwrap()
}

/// Final advice per exercise for a patient, from `carel eval --format json`.
fn advice(given: &str) -> Vec<(String, String)> {
    let eval: Value = serde_json::from_str(&stdout(&[
        "eval", FLAGSHIP, "--given", given, "--format", "json",
    ]))
    .unwrap();
    eval["advice"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["exercise"].as_str().unwrap().to_string(),
                a["action"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn checks_without_warnings_and_is_formatted() {
    carel()
        .args(["check", "--deny-warnings", FLAGSHIP])
        .assert()
        .success()
        .stdout("no problems found\n");
    carel()
        .args(["fmt", "--check", FLAGSHIP])
        .assert()
        .success();
}

#[test]
fn its_tests_pass_and_reach_every_rule_and_resolved_clash() {
    let out = stdout(&["test", "--coverage", "--min-coverage", "100", FLAGSHIP]);
    assert!(out.contains(" passed, 0 failed\n"), "{out}");
    assert!(out.contains("coverage: 100.0% "), "{out}");
}

#[test]
fn every_rule_cites_its_article_with_a_locator() {
    let bundle = bundle();
    for rule in bundle["rules"].as_array().unwrap() {
        let cites = rule["cite"].as_array().unwrap();
        assert!(!cites.is_empty(), "{} cites nothing", rule["id"]);
        for cite in cites {
            assert!(
                cite["locator"].as_str().is_some_and(|l| !l.is_empty()),
                "{} cites {} without a locator",
                rule["id"],
                cite["source"]
            );
        }
    }
}

#[test]
fn precedence_is_stated_once_not_in_long_lists() {
    let bundle = bundle();
    for rule in bundle["rules"].as_array().unwrap() {
        let named = rule["overrides"].as_array().unwrap().len();
        assert!(
            named <= 3,
            "{} names {named} rules in `overrides`",
            rule["id"]
        );
    }
}

#[test]
fn a_serious_back_problem_gets_no_exercise_recommended() {
    let advice = advice("serious_back_problem");
    assert!(advice.iter().any(|(e, a)| e == "walking" && a == "refer"));
    for (exercise, action) in &advice {
        assert!(
            action == "refer" || action == "avoid",
            "{exercise}: {action} for a serious back problem"
        );
    }
}

#[test]
fn unrecorded_fitness_gets_neither_fitness_walking_dose_nor_weights() {
    let eval: Value = serde_json::from_str(&stdout(&[
        "eval",
        FLAGSHIP,
        "--given",
        "nonspecific_lbp,chronic",
        "--format",
        "json",
    ]))
    .unwrap();
    let advice = eval["advice"].as_array().unwrap();
    for weights in ["deadlift", "weighted_squat", "loaded_carry"] {
        assert!(
            !advice.iter().any(|a| a["exercise"] == weights),
            "{weights} advised although fitness was not recorded"
        );
    }
    let walking = advice.iter().find(|a| a["exercise"] == "walking").unwrap();
    for advised in walking["advised"].as_array().unwrap() {
        let rule = advised["rule"].as_str().unwrap();
        assert!(
            rule != "walking_active" && rule != "walking_beginners",
            "{rule} fired although fitness was not recorded"
        );
    }
}

/// `carel eval --unknown … --format json` for the flagship.
fn partial(given: &str, unknown: &str) -> Value {
    serde_json::from_str(&stdout(&[
        "eval",
        FLAGSHIP,
        "--given",
        given,
        "--unknown",
        unknown,
        "--format",
        "json",
    ]))
    .unwrap()
}

fn exercise<'v>(eval: &'v Value, name: &str) -> &'v Value {
    eval["exercises"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["exercise"] == name)
        .unwrap_or_else(|| panic!("{name} missing"))
}

#[test]
fn unknown_fitness_makes_weights_depend_on_it_rather_than_recommended() {
    let eval = partial(
        "nonspecific_lbp,chronic",
        "currently_active,new_to_exercise,sedentary",
    );
    let deadlift = exercise(&eval, "deadlift");
    assert_eq!(deadlift["status"], "depends", "{deadlift}");
    let advice: Vec<&Value> = deadlift["possible"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| &p["advice"])
        .collect();
    // Avoid for a beginner, recommend for an active patient, no advice while neither holds.
    assert_eq!(advice, [&"avoid".into(), &"recommend".into(), &Value::Null]);
    let depends: Vec<&str> = deadlift["depends_on"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d.as_str().unwrap())
        .collect();
    for fact in ["currently_active", "new_to_exercise", "sedentary"] {
        assert!(depends.contains(&fact), "{fact} not in {depends:?}");
    }
    assert_eq!(
        eval["ask_next"][0]["name"], "currently_active",
        "{}",
        eval["ask_next"]
    );
}

#[test]
fn a_serious_back_problem_is_referred_whatever_else_turns_out_to_hold() {
    let eval = partial("serious_back_problem", "all");
    for entry in eval["exercises"].as_array().unwrap() {
        let name = entry["exercise"].as_str().unwrap();
        if name == "relative_rest" {
            continue; // rest is outside `all_exercise`
        }
        for possible in entry["possible"].as_array().unwrap() {
            let advice = &possible["advice"];
            assert!(
                advice == "refer" || advice == "avoid",
                "{name}: {advice} is possible for a serious back problem ({})",
                possible["witness"]
            );
        }
    }
}
