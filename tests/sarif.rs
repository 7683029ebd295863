//! `carel check --format sarif`: logs that the official SARIF 2.1.0 schema accepts (formats
//! included), with encoded relative URIs, stable fingerprints, help and a log on load failure.

use std::path::Path;

use assert_cmd::Command;
use serde_json::Value;

const BROKEN: &str = "condition sciatica \"Sciatica\"\n\
exercise hamstring_stretch \"Hamstring stretch\"\n\
source s \"S\"\n\
rule r1: if sciatca then avoid hamstring_stretch cite s\n";

const CLASH: &str = "condition disc\ncondition facet\nexercise press_up\nsource s \"S\"\n\
rule a: if disc then recommend press_up cite s\n\
rule b: if facet then avoid press_up cite s\n";

fn validator() -> jsonschema::Validator {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/schemas/sarif-schema-2.1.0.json");
    let schema: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    // The schema declares draft-04, which has no `uri-reference` format, so a draft-04 validator
    // skips the very check that code-scanning services make. Draft 7 reads this schema the same
    // way (it uses no keyword whose meaning changed) and checks `uri-reference`.
    jsonschema::options()
        .with_draft(jsonschema::Draft::Draft7)
        .should_validate_formats(true)
        .build(&schema)
        .unwrap()
}

fn assert_valid(log: &Value) {
    let errors: Vec<String> = validator()
        .iter_errors(log)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}\n{log:#}");
}

/// Runs `carel check --format sarif ARGS` in `dir`; returns the exit status and the log.
fn sarif(dir: &Path, args: &[&str]) -> (i32, Value) {
    let out = Command::cargo_bin("carel")
        .unwrap()
        .current_dir(dir)
        .args(["check", "--format", "sarif"])
        .args(args)
        .output()
        .unwrap();
    let log = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&out.stdout)));
    (out.status.code().unwrap(), log)
}

#[test]
fn the_validator_checks_uri_formats() {
    // Without this the tests below could pass on unencoded URIs.
    let mut log: Value = serde_json::json!({
        "version": "2.1.0",
        "runs": [{"tool": {"driver": {"name": "x"}}, "results": [{"message": {"text": "m"},
            "locations": [{"physicalLocation": {"artifactLocation": {"uri": "my rules/a#b#c.carel"}}}]}]}]
    });
    assert!(!validator().is_valid(&log));
    log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] =
        "my%20rules/a%23b%23c.carel".into();
    assert!(validator().is_valid(&log));
}

#[test]
fn a_broken_ruleset_in_a_folder_with_spaces_hash_and_umlaut_validates() {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("my rules").join("Rücken #1");
    std::fs::create_dir_all(&folder).unwrap();
    std::fs::write(folder.join("back pain.carel"), BROKEN).unwrap();
    let (status, log) = sarif(dir.path(), &["my rules"]);
    assert_eq!(status, 1);
    assert_valid(&log);
    let run = &log["runs"][0];
    let result = &run["results"][0];
    assert_eq!(result["ruleId"], "E002");
    let artifact = &result["locations"][0]["physicalLocation"]["artifactLocation"];
    assert_eq!(
        artifact["uri"],
        "my%20rules/R%C3%BCcken%20%231/back%20pain.carel"
    );
    assert_eq!(artifact["uriBaseId"], "SRCROOT");
    let base = run["originalUriBaseIds"]["SRCROOT"]["uri"]
        .as_str()
        .unwrap();
    assert!(
        base.starts_with("file:///") && base.ends_with('/'),
        "{base}"
    );
    let region = &result["locations"][0]["physicalLocation"]["region"];
    assert_eq!(
        (
            &region["startLine"],
            &region["startColumn"],
            &region["endColumn"]
        ),
        (&4.into(), &13.into(), &20.into())
    );
    assert_eq!(run["invocations"][0]["executionSuccessful"], true);
    let driver = &run["tool"]["driver"];
    assert_eq!(driver["semanticVersion"], env!("CARGO_PKG_VERSION"));
    assert!(
        driver["informationUri"]
            .as_str()
            .unwrap()
            .starts_with("https://")
    );
    let e002 = driver["rules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "E002")
        .unwrap();
    assert!(
        e002["helpUri"]
            .as_str()
            .unwrap()
            .ends_with("docs/diagnostics.md#e002")
    );
    assert!(
        e002["help"]["markdown"]
            .as_str()
            .unwrap()
            .contains("### How to fix it")
    );
    assert_eq!(
        driver["rules"][result["ruleIndex"].as_u64().unwrap() as usize]["id"],
        "E002"
    );
}

#[test]
fn root_makes_uris_relative_to_another_folder() {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("repo").join("my rules");
    std::fs::create_dir_all(&folder).unwrap();
    std::fs::write(folder.join("a.carel"), BROKEN).unwrap();
    // From inside the ruleset folder, with the repository as root.
    let (_, log) = sarif(&folder, &["./a.carel", "--root", ".."]);
    assert_valid(&log);
    let uri = &log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"];
    assert_eq!(uri["uri"], "my%20rules/a.carel");
    assert!(
        log["runs"][0]["originalUriBaseIds"]["SRCROOT"]["uri"]
            .as_str()
            .unwrap()
            .ends_with("/repo/")
    );
    // A file outside the root gets an absolute URI and no base.
    let (_, log) = sarif(
        dir.path(),
        &["repo/my rules/a.carel", "--root", "repo/my rules/.."],
    );
    assert_valid(&log);
    // A root that is not a folder: the check does not run, and the log says so.
    let (status, outside) = sarif(
        &folder,
        &[
            "a.carel",
            "--root",
            &dir.path().join("elsewhere").display().to_string(),
        ],
    );
    assert_eq!(status, 2);
    assert_valid(&outside);
    assert_eq!(
        outside["runs"][0]["invocations"][0]["executionSuccessful"],
        false
    );
    std::fs::create_dir_all(dir.path().join("elsewhere")).unwrap();
    let (_, outside) = sarif(
        &folder,
        &[
            "a.carel",
            "--root",
            &dir.path().join("elsewhere").display().to_string(),
        ],
    );
    assert_valid(&outside);
    let artifact =
        &outside["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"];
    assert!(
        artifact["uri"].as_str().unwrap().starts_with("file:///"),
        "{artifact}"
    );
    assert!(
        artifact["uri"]
            .as_str()
            .unwrap()
            .ends_with("/repo/my%20rules/a.carel")
    );
    assert!(artifact.get("uriBaseId").is_none());
}

fn fingerprints(log: &Value) -> Vec<String> {
    log["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            r["partialFingerprints"]["carelFinding/v1"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect()
}

#[test]
fn fingerprints_survive_folder_moves_and_edits_above() {
    let dir = tempfile::tempdir().unwrap();
    let one = dir.path().join("one");
    let two = dir.path().join("deeper").join("two");
    std::fs::create_dir_all(&one).unwrap();
    std::fs::create_dir_all(&two).unwrap();
    std::fs::write(one.join("r.carel"), CLASH).unwrap();
    std::fs::write(two.join("r.carel"), format!("# a comment\n\n{CLASH}")).unwrap();
    let (_, a) = sarif(dir.path(), &["one"]);
    let (_, b) = sarif(dir.path(), &["deeper/two"]);
    assert_valid(&a);
    let (pa, pb) = (fingerprints(&a), fingerprints(&b));
    assert_eq!(pa.len(), 1);
    assert_eq!(pa, pb);
    // A different finding has a different fingerprint.
    std::fs::write(one.join("r.carel"), CLASH.replace("avoid", "caution")).unwrap();
    let (_, c) = sarif(dir.path(), &["one"]);
    assert_ne!(fingerprints(&c), pa);
}

#[test]
fn an_unreadable_path_gives_a_failed_invocation() {
    let dir = tempfile::tempdir().unwrap();
    let (status, log) = sarif(dir.path(), &["no such folder"]);
    assert_eq!(status, 2);
    assert_valid(&log);
    let invocation = &log["runs"][0]["invocations"][0];
    assert_eq!(invocation["executionSuccessful"], false);
    let note = &invocation["toolExecutionNotifications"][0];
    assert_eq!(note["level"], "error");
    assert_eq!(
        note["message"]["text"],
        "cannot read `no such folder`: no such file or folder"
    );
    assert_eq!(log["runs"][0]["results"], serde_json::json!([]));
}
