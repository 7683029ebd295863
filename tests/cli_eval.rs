//! `carel eval`: final advice with the trace, from a ruleset or from its bundle (the same),
//! and the errors a mistyped `--given` gets.

use predicates::prelude::*;

#[path = "common/eval_back.rs"]
mod eval_back;
use eval_back::*;

#[test]
fn human_output_is_advice_then_trace() {
    let (_dir, source, _) = setup();
    let text = stdout_of(&[
        "eval",
        &source,
        "--given",
        "sciatica, herniated_disc, acute, age = 70",
    ]);
    assert_eq!(
        text,
        "Patient: acute, herniated_disc, sciatica, age = 70\n\
         \n\
         Advice:\n\
         \x20 avoid      hamstring_stretch\n\
         \x20            rule: sciatica_no_stretch\n\
         \x20            source: Guide\n\
         \x20 caution    prone_press_up\n\
         \x20            rule: facet_caution\n\
         \x20            source: Guide\n\
         \x20 caution    walking\n\
         \x20            rule: older\n\
         \x20            source: Guide\n\
         \n\
         Trace:\n\
         \x20 fired: sciatica_no_stretch, disc_extension, facet_caution, keep_moving, older\n\
         \x20 hamstring_stretch: avoid\n\
         \x20   avoid     sciatica_no_stretch  decides\n\
         \x20 prone_press_up: caution\n\
         \x20   recommend disc_extension  dropped: facet_caution takes precedence over it\n\
         \x20   caution   facet_caution   decides\n\
         \x20 walking: caution\n\
         \x20   recommend keep_moving  not followed: caution (older) is more protective [10..20 min every 3 h]\n\
         \x20   caution   older        decides\n"
    );
}

#[test]
fn ruleset_and_bundle_give_identical_output() {
    let (_dir, source, bundle) = setup();
    let patients = [
        "",
        "sciatica",
        "herniated_disc",
        "herniated_disc,facet_syndrome",
        "herniated_disc, chronic, age=45",
        "acute,age=65",
        "sciatica,herniated_disc,facet_syndrome,chronic,age=120",
    ];
    for given in patients {
        for format in ["human", "json"] {
            let from_source = stdout_of(&["eval", &source, "--given", given, "--format", format]);
            let from_bundle = stdout_of(&["eval", &bundle, "--given", given, "--format", format]);
            assert_eq!(from_source, from_bundle, "{given} {format}");
        }
    }
}

#[test]
fn json_output_is_one_object() {
    let (_dir, _, bundle) = setup();
    let text = stdout_of(&[
        "eval",
        &bundle,
        "--given",
        "herniated_disc",
        "--format",
        "json",
    ]);
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(
        v["patient"],
        serde_json::json!({"facts": ["herniated_disc"], "measures": {}})
    );
    assert_eq!(
        v["fired"],
        serde_json::json!(["disc_extension", "keep_moving"])
    );
    assert_eq!(v["advice"][0]["exercise"], "prone_press_up");
    assert_eq!(v["advice"][0]["action"], "recommend");
    assert_eq!(
        v["advice"][1]["advised"][0]["dose"]["frequency"]["every_hours"]["min"],
        3
    );
}

#[test]
fn given_mistakes_are_usage_errors() {
    let (_dir, source, bundle) = setup();
    for path in [&source, &bundle] {
        let cases = [
            (
                "sciatca",
                "error: --given: unknown fact or measure `sciatca`; did you mean `sciatica`?\n",
            ),
            (
                "age=130",
                "error: --given: `age=130` is outside the range of `age`: 0..120\n",
            ),
            (
                "acute,chronic",
                "error: --given: `acute` and `chronic` cannot hold together: they are exclusive (`stage`); give at most one\n",
            ),
            (
                "walking",
                "error: --given: `walking` is an exercise, not a fact or measure of the patient\n",
            ),
        ];
        for (given, message) in cases {
            carel()
                .args(["eval", path, "--given", given])
                .assert()
                .code(2)
                .stdout("")
                .stderr(message);
        }
    }
}

#[test]
fn a_ruleset_with_errors_exits_one() {
    let dir = tempfile::tempdir().unwrap();
    let source = write(
        dir.path(),
        "back.carel",
        &BACK.replace("then avoid hamstring_stretch", "then avoid hamstring"),
    );
    carel()
        .args(["eval", &source, "--given", "sciatica"])
        .assert()
        .code(1)
        .stdout("")
        .stderr(predicate::str::contains("error[E002]"));
}

#[test]
fn a_changed_or_foreign_bundle_is_refused() {
    let (dir, _, bundle) = setup();
    let text = std::fs::read_to_string(&bundle).unwrap();
    let changed = write(
        dir.path(),
        "changed.json",
        &text.replace("\"avoid\"", "\"consider\""),
    );
    carel()
        .args(["eval", &changed, "--given", "sciatica"])
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicate::str::contains(
            "is not a usable bundle: the bundle's digest does not match its content",
        ));
    let foreign = write(dir.path(), "other.json", "{\"format\": \"other\"}");
    carel()
        .args(["eval", &foreign])
        .assert()
        .code(2)
        .stderr(format!("error: `{foreign}` is not a usable bundle: not a Carel bundle: `format` is \"other\", expected \"carel.bundle\"\n"));
    let garbage = write(dir.path(), "garbage.json", "\u{0}\u{1}[[[");
    carel()
        .args(["eval", &garbage])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("not valid JSON"));
    carel()
        .args(["eval", "/nonexistent/back.json"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "cannot read `/nonexistent/back.json`",
        ));
}

/// Bundles have the limit of ruleset files (4 GiB): a larger file is refused before it is
/// read, with the limit named. The file is sparse, so the test writes no gigabytes.
#[test]
fn a_bundle_over_the_size_limit_is_refused_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("huge.bundle.json");
    let file = std::fs::File::create(&path).unwrap();
    file.set_len(carel::load::MAX_FILE_BYTES + 1).unwrap();
    let path = path.to_string_lossy().into_owned();
    for command in ["eval", "verify"] {
        let mut cmd = carel();
        cmd.args([command, &path]);
        if command == "eval" {
            cmd.args(["--given", "sciatica"]);
        } else {
            cmd.args([
                "--key",
                "RWQf6LRCGA9i53mlYecO4IzT51TGPpvWucNSCh1CBM0QTaLn73Y7GFO3",
            ]);
        }
        cmd.assert().code(2).stdout("").stderr(format!(
            "error: cannot read `{path}`: it is larger than 4 GiB, the most a bundle can hold\n"
        ));
    }
    // Size alone is no reason to refuse below the limit: a 70 MiB bundle (a 100,000-rule
    // bundle is 93 MB) is read, and refused for what it holds.
    let file = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
    file.set_len(70 << 20).unwrap();
    carel()
        .args(["eval", &path, "--given", "sciatica"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "is not a usable bundle: not valid JSON",
        ));
}
