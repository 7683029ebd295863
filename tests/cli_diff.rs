//! `carel diff OLD NEW`: the flagship before and after changing one rule, formats, inputs
//! (folders, files, bundles) and exit statuses.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use predicates::prelude::*;

fn carel() -> Command {
    Command::cargo_bin("carel").expect("binary built")
}

fn flagship() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("rulesets/lower_back_pain")
}

/// A copy of the flagship with text of one file replaced.
fn edited(dir: &Path, file: &str, from: &str, to: &str) -> PathBuf {
    edited_all(dir, file, &[(from, to)])
}

fn edited_all(dir: &Path, file: &str, edits: &[(&str, &str)]) -> PathBuf {
    let copy = dir.join("new");
    std::fs::create_dir_all(&copy).unwrap();
    for entry in std::fs::read_dir(flagship()).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), copy.join(entry.file_name())).unwrap();
    }
    let path = copy.join(file);
    let mut text = std::fs::read_to_string(&path).unwrap();
    for (from, to) in edits {
        assert_eq!(text.matches(from).count(), 1, "{from}");
        text = text.replace(from, to);
    }
    std::fs::write(&path, text).unwrap();
    copy
}

#[test]
fn changing_one_action_of_the_flagship_lists_exactly_those_exercises() {
    let dir = tempfile::tempdir().unwrap();
    // The facet warning on extension softened from avoid to caution.
    let new = edited(
        dir.path(),
        "rules_exercises_for_lbp.carel",
        "  then avoid extension\n",
        "  then caution extension\n",
    );
    let out = carel()
        .arg("diff")
        .arg(flagship())
        .arg(&new)
        .args(["--format", "json", "--exit-code"])
        .assert()
        .code(3)
        .get_output()
        .stdout
        .clone();
    let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(v["advice_changes"], true);
    let changes = v["changes"].as_array().unwrap();
    let exercises: Vec<&str> = changes
        .iter()
        .map(|c| c["exercise"].as_str().unwrap())
        .collect();
    assert_eq!(exercises, ["prone_press_up", "standing_back_bend"], "{v:#}");
    assert_eq!(
        changes[0]["transitions"],
        serde_json::json!([
            {
                "old": "avoid", "new": "refer",
                "witness": {
                    "facts": ["facet_syndrome", "spondylolisthesis"], "measures": {},
                    "old_implied": [], "new_implied": [],
                },
                "old_rules": ["facet_avoid_extension"],
                "new_rules": ["spondylolisthesis_refer"],
            },
            {
                "old": "avoid", "new": "caution",
                "witness": {
                    "facts": ["facet_syndrome"], "measures": {},
                    "old_implied": [], "new_implied": [],
                },
                "old_rules": ["facet_avoid_extension"],
                "new_rules": ["facet_avoid_extension"],
            },
        ])
    );
    assert_eq!(
        v["rules"]["changed"],
        serde_json::json!([{"id": "facet_avoid_extension", "what": ["action"]}])
    );
    // Without --exit-code a change is not a failure.
    carel()
        .arg("diff")
        .arg(flagship())
        .arg(&new)
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "prone_press_up:\n  avoid → refer\n    for a patient with facet_syndrome, spondylolisthesis\n    \
             before: facet_avoid_extension; after: spondylolisthesis_refer\n  avoid → caution\n    \
             for a patient with facet_syndrome\n    \
             before: facet_avoid_extension; after: facet_avoid_extension\n",
        ));
}

#[test]
fn a_reversed_override_shows_who_now_decides() {
    let dir = tempfile::tempdir().unwrap();
    // The disc rule now recommends extension and outranks the facet warning, which no longer
    // prevails. With both diagnoses the disc caution decides; through the chain
    // spondylolisthesis_refer → disc_extension → facet_avoid_extension, the referral now
    // outranks the facet warning as well.
    let new = edited_all(
        dir.path(),
        "rules_exercises_for_lbp.carel",
        &[
            (
                "  then consider extension\n",
                "  then recommend extension\n  overrides facet_avoid_extension\n",
            ),
            (
                "extension exercises')\"\n  evidence expert_opinion\n  strength conditional\n  prevails\n",
                "extension exercises')\"\n  evidence expert_opinion\n  strength conditional\n",
            ),
        ],
    );
    let out = carel()
        .arg("diff")
        .arg(flagship())
        .arg(&new)
        .args(["--format", "markdown"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let md = String::from_utf8(out).unwrap();
    assert!(md.starts_with("### Carel: advice changes for "), "{md}");
    assert!(md.contains("| exercise | before | after |"), "{md}");
    assert!(
        md.contains("| `prone_press_up` | avoid | **caution** | facet_syndrome, herniated_disc | facet_avoid_extension | sciatica_disc_some_exercises_aggravate |"),
        "{md}"
    );
    assert!(
        md.contains("| `prone_press_up` | avoid | **refer** | facet_syndrome, spondylolisthesis | facet_avoid_extension | spondylolisthesis_refer |"),
        "{md}"
    );
    assert!(
        md.contains("**Rules changed**\n\n- disc_extension (action, precedence)\n- facet_avoid_extension (precedence)"),
        "{md}"
    );
}

#[test]
fn bundles_and_files_compare_like_folders() {
    let dir = tempfile::tempdir().unwrap();
    let old = dir.path().join("old.json");
    carel()
        .arg("build")
        .arg(flagship())
        .arg("-o")
        .arg(&old)
        .assert()
        .success();
    carel()
        .arg("diff")
        .arg(&old)
        .arg(flagship())
        .args(["--exit-code"])
        .assert()
        .success()
        .stdout(predicate::str::starts_with(
            "lower_back_pain 2.0.0 → lower_back_pain 2.0.0: no patient's advice changes\n",
        ));
    let a = dir.path().join("a.carel");
    let b = dir.path().join("b.carel");
    let text = "condition disc\nexercise walk\nsource s \"S\"\nrule r: if disc then recommend walk cite s\n";
    std::fs::write(&a, text).unwrap();
    std::fs::write(&b, text.replace("if disc", "unless disc")).unwrap();
    carel()
        .arg("diff")
        .arg(&a)
        .arg(&b)
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "walk:\n  recommend → no advice\n    for a patient with disc\n    before: r; after: no rule\n  \
             no advice → recommend\n    for a patient with no facts\n    before: no rule; after: r\n",
        ));
}

#[test]
fn errors_in_a_version_exit_one_and_a_missing_path_two() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.carel");
    std::fs::write(&bad, "rule r: if sciatca then avoid x\n").unwrap();
    carel()
        .arg("diff")
        .arg(flagship())
        .arg(&bad)
        .assert()
        .code(1)
        .stdout("")
        .stderr(predicate::str::contains("error[E002]"));
    carel()
        .arg("diff")
        .arg(flagship())
        .arg(dir.path().join("missing"))
        .assert()
        .code(2)
        .stdout("");
}

#[test]
fn softening_the_sciatica_hamstring_rule_is_decided_with_sciatica_alone_as_witness() {
    let dir = tempfile::tempdir().unwrap();
    // Sciatica's hamstring stretch softened from avoid to caution: the patient with sciatica
    // alone gets different advice. Proving that the old advice never gives way to no advice
    // at all used to exceed the work budget; it follows by propagation from the facts each
    // question fixes.
    let new = edited(
        dir.path(),
        "rules_exercises_for_lbp.carel",
        "  then avoid hamstring_stretch\n",
        "  then caution hamstring_stretch\n",
    );
    carel()
        .arg("diff")
        .arg(flagship())
        .arg(&new)
        .assert()
        .success()
        .stdout(predicate::str::starts_with(
            "lower_back_pain 2.0.0 → lower_back_pain 2.0.0: advice changes for 1 exercise\n\n\
             hamstring_stretch:\n  avoid → refer\n    for a patient with sciatica, spondylolisthesis\n    \
             before: sciatica_no_hamstring_stretch; after: spondylolisthesis_refer\n  \
             avoid → caution\n    for a patient with sciatica\n    \
             before: sciatica_no_hamstring_stretch; after: sciatica_no_hamstring_stretch\n\n",
        ));
}
