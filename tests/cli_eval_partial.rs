//! `carel eval --not … --unknown …`: advice for a partly known patient (§10) from a ruleset and
//! from its bundle (the same JSON), the clinician's text, and the usage errors of the new lists.

use predicates::prelude::*;

#[path = "common/eval_back.rs"]
mod eval_back;
use eval_back::*;

#[test]
fn unknown_facts_show_depending_advice_and_what_to_ask_next() {
    let (_dir, source, _) = setup();
    let text = stdout_of(&["eval", &source, "--given", "chronic", "--unknown", "all"]);
    assert_eq!(
        text,
        "Patient: chronic\n\
         Not known yet: facet_syndrome, herniated_disc, sciatica, age\n\
         Follows from what is known: acute does not hold: it is exclusive with chronic (`stage`)\n\
         \n\
         Advice that depends on what is not known yet:\n\
         \x20 hamstring_stretch: no advice — or avoid if sciatica\n\
         \x20            depends on: sciatica\n\
         \x20            avoid if sciatica:\n\
         \x20              rule: sciatica_no_stretch\n\
         \x20              source: Guide\n\
         \x20 prone_press_up: no advice — or caution if facet_syndrome; or recommend if herniated_disc\n\
         \x20            depends on: herniated_disc, facet_syndrome\n\
         \x20            caution if facet_syndrome:\n\
         \x20              rule: facet_caution\n\
         \x20              source: Guide\n\
         \x20            recommend if herniated_disc:\n\
         \x20              rule: disc_extension\n\
         \x20              source: Guide\n\
         \x20 walking: caution if age = 90 — or recommend if age = 30\n\
         \x20            depends on: age\n\
         \x20            caution if age = 90:\n\
         \x20              rule: older\n\
         \x20              source: Guide\n\
         \x20            recommend if age = 30:\n\
         \x20              dose: 10..20 min every 3 h\n\
         \x20              rule: keep_moving\n\
         \x20              source: Guide\n\
         \n\
         Ask next (the answers that could change the most advice first):\n\
         \x20 1. sciatica: 1 exercise: hamstring_stretch\n\
         \x20 2. herniated_disc: 1 exercise: prone_press_up\n\
         \x20 3. facet_syndrome: 1 exercise: prone_press_up\n\
         \x20 4. age: 1 exercise: walking\n\
         \n\
         Trace:\n\
         \x20 hamstring_stretch (if sciatica): avoid\n\
         \x20   avoid     sciatica_no_stretch  decides\n\
         \x20 prone_press_up (if facet_syndrome): caution\n\
         \x20   caution   facet_caution  decides\n\
         \x20 prone_press_up (if herniated_disc): recommend\n\
         \x20   recommend disc_extension  decides\n\
         \x20 walking (if age = 90): caution\n\
         \x20   recommend keep_moving  not followed: caution (older) is more protective [10..20 min every 3 h]\n\
         \x20   caution   older        decides\n\
         \x20 walking (if age = 30): recommend\n\
         \x20   recommend keep_moving  decides [10..20 min every 3 h]\n"
    );
}

#[test]
fn an_override_through_a_chain_is_named_link_by_link() {
    let dir = tempfile::tempdir().unwrap();
    let source = write(
        dir.path(),
        "chain.carel",
        "condition a\ncondition b\nexercise x\nexercise y\n\
         rule top: if a then caution x overrides middle\n\
         rule middle: if b then avoid y overrides base\n\
         rule base: recommend x\n",
    );
    let text = stdout_of(&["eval", &source, "--given", "a"]);
    assert!(
        text.contains(
            "    recommend base  dropped: top takes precedence over it through top → middle → base\n"
        ),
        "{text}"
    );
}

#[test]
fn unknown_and_not_mistakes_are_usage_errors() {
    let (_dir, source, bundle) = setup();
    for path in [&source, &bundle] {
        let cases: [(&[&str], &str); 7] = [
            (
                &["--unknown", "sciatca"],
                "error: --unknown: unknown fact or measure `sciatca`; did you mean `sciatica`?\n",
            ),
            (
                &["--not", "herniated"],
                "error: --not: unknown fact or measure `herniated`; did you mean `herniated_disc`?\n",
            ),
            (
                &["--given", "sciatica", "--unknown", "sciatica,age"],
                "error: --unknown: `sciatica` is given (--given); a fact or measure is either known or unknown\n",
            ),
            (
                &["--given", "age=70", "--unknown", "age"],
                "error: --unknown: `age` is given (--given); a fact or measure is either known or unknown\n",
            ),
            (
                &["--not", "acute", "--unknown", "acute"],
                "error: --unknown: `acute` is said not to hold (--not); a fact is either known or unknown\n",
            ),
            (
                &["--given", "acute", "--not", "acute"],
                "error: `acute` is both given (--given) and said not to hold (--not)\n",
            ),
            (
                &["--given", "acute,chronic", "--unknown", "all"],
                "error: --given: `acute` and `chronic` cannot hold together: they are exclusive (`stage`); give at most one\n",
            ),
        ];
        for (args, message) in cases {
            carel()
                .args(["eval", path])
                .args(args)
                .assert()
                .code(2)
                .stdout("")
                .stderr(message);
        }
        carel()
            .args(["eval", path, "--not", "age"])
            .assert()
            .code(2)
            .stdout("")
            .stderr(predicate::str::contains("`age` is a measure"));
        carel()
            .args(["eval", path, "--unknown", "all,sciatica"])
            .assert()
            .code(2)
            .stdout("")
            .stderr(predicate::str::contains("`all` stands alone"));
    }
}

#[test]
fn partial_json_from_ruleset_and_bundle_is_identical() {
    let (_dir, source, bundle) = setup();
    for (given, not, unknown) in [
        ("chronic", "", "all"),
        ("", "sciatica", "all"),
        ("herniated_disc", "", "facet_syndrome,age"),
        ("age=70", "facet_syndrome", "herniated_disc"),
        ("", "", ""),
    ] {
        let run = |path: &str| {
            stdout_of(&[
                "eval",
                path,
                "--given",
                given,
                "--not",
                not,
                "--unknown",
                unknown,
                "--format",
                "json",
            ])
        };
        let from_source = run(&source);
        assert_eq!(from_source, run(&bundle), "{given} / {not} / {unknown}");
        let v: serde_json::Value = serde_json::from_str(&from_source).unwrap();
        assert_eq!(v["format"], "carel.eval");
    }
}

/// The flagship with only `chronic` known: settled and depending advice apart, the questions
/// that change the most advice first, and the same JSON from the ruleset and its bundle.
#[test]
fn the_flagship_with_everything_unknown() {
    let dir = tempfile::tempdir().unwrap();
    let root = env!("CARGO_MANIFEST_DIR");
    let ruleset = format!("{root}/rulesets/lower_back_pain");
    let bundle = dir.path().join("lbp.json").to_string_lossy().into_owned();
    carel()
        .args(["build", &ruleset, "-o", &bundle])
        .assert()
        .success();
    let args = ["--given", "chronic", "--unknown", "all", "--format", "json"];
    let from_source = stdout_of(&[&["eval", ruleset.as_str()][..], &args].concat());
    let from_bundle = stdout_of(&[&["eval", bundle.as_str()][..], &args].concat());
    assert_eq!(from_source, from_bundle);
    let v: serde_json::Value = serde_json::from_str(&from_source).unwrap();
    let exercises = v["exercises"].as_array().unwrap();
    let status = |s: &str| exercises.iter().filter(|e| e["status"] == s).count();
    assert!(status("settled") > 0 && status("depends") > 0);
    assert_eq!(status("too_complex"), 0);
    // Bed rest is avoided whatever the unknowns are.
    let bed_rest = exercises
        .iter()
        .find(|e| e["exercise"] == "bed_rest")
        .unwrap();
    assert_eq!(bed_rest["status"], "settled");
    assert_eq!(bed_rest["possible"][0]["advice"], "avoid");
    // acute follows from chronic (one stage of the episode).
    assert_eq!(
        v["follows"],
        serde_json::json!([{"fact": "acute", "holds": false}])
    );
    // Ask next: most exercises first, and each count is the number of exercises that list it.
    let ask = v["ask_next"].as_array().unwrap();
    let counts: Vec<usize> = ask
        .iter()
        .map(|a| a["exercises"].as_array().unwrap().len())
        .collect();
    assert!(counts.windows(2).all(|w| w[0] >= w[1]), "{counts:?}");
    for a in ask {
        let listing = exercises
            .iter()
            .filter(|e| {
                e["depends_on"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|d| d == &a["name"])
            })
            .count();
        assert_eq!(listing, a["exercises"].as_array().unwrap().len());
    }
    let human = stdout_of(&["eval", &ruleset, "--given", "chronic", "--unknown", "all"]);
    let settled = human.find("Settled advice").unwrap();
    let depends = human
        .find("Advice that depends on what is not known yet")
        .unwrap();
    let ask_next = human.find("Ask next").unwrap();
    assert!(settled < depends && depends < ask_next);
    let first = &ask[0]["name"];
    assert!(human.contains(&format!("  1. {}", first.as_str().unwrap())));
}
