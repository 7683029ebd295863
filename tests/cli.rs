//! The `carel check` and `carel explain` command lines: exit statuses, formats, colour.

use assert_cmd::Command;
use predicates::prelude::*;
use serde_json::Value;

fn carel() -> Command {
    let mut cmd = Command::cargo_bin("carel").expect("binary built");
    cmd.env_remove("NO_COLOR");
    cmd
}

fn write(dir: &tempfile::TempDir, name: &str, text: &str) -> String {
    let path = dir.path().join(name);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).unwrap();
    }
    std::fs::write(&path, text).unwrap();
    path.to_string_lossy().into_owned()
}

const CLEAN: &str = "condition sciatica\nexercise hamstring_stretch\nsource guide \"Guide\"\n\
                     if sciatica then avoid hamstring_stretch cite guide\n";

#[test]
fn clean_ruleset_exits_zero() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(&dir, "back.carel", CLEAN);
    carel()
        .args(["check", &file])
        .assert()
        .success()
        .stdout("no problems found\n");
}

#[test]
fn errors_exit_one_with_the_position() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(
        &dir,
        "back.carel",
        &CLEAN.replace("if sciatica", "if sciatca"),
    );
    carel()
        .args(["check", &file])
        .assert()
        .code(1)
        .stdout(predicate::str::contains(
            "error[E002]: `sciatca` is not declared",
        ))
        .stdout(predicate::str::contains("back.carel:4:4"))
        .stdout(predicate::str::contains("help: did you mean `sciatica`?"))
        .stdout(predicate::str::contains("1 error, 0 warnings"));
}

#[test]
fn warnings_pass_unless_denied() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(&dir, "back.carel", &CLEAN.replace(" cite guide", ""));
    carel()
        .args(["check", &file])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("warning[W007]"));
    carel()
        .args(["check", "--deny-warnings", &file])
        .assert()
        .code(1);
}

#[test]
fn json_format_has_the_contract_shape() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(
        &dir,
        "back.carel",
        &CLEAN.replace("if sciatica", "if sciatca"),
    );
    let out = carel()
        .args(["check", "--format", "json", &file])
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let v: Value = serde_json::from_slice(&out).expect("valid JSON");
    assert_eq!(v["errors"], 1);
    assert_eq!(v["warnings"], 0);
    let d = &v["diagnostics"][0];
    assert_eq!(d["code"], "E002");
    assert_eq!(d["severity"], "error");
    assert_eq!(d["message"], "`sciatca` is not declared");
    assert!(d["file"].as_str().unwrap().ends_with("back.carel"));
    assert_eq!(
        (d["line"].as_u64(), d["column"].as_u64()),
        (Some(4), Some(4))
    );
    assert_eq!(
        (d["end_line"].as_u64(), d["end_column"].as_u64()),
        (Some(4), Some(11))
    );
    assert_eq!(d["help"], "did you mean `sciatica`?");
}

#[test]
fn sarif_format_is_a_sarif_log() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(
        &dir,
        "back.carel",
        &CLEAN.replace("if sciatica", "if sciatca"),
    );
    let out = carel()
        .args(["check", "--format", "sarif", &file])
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let v: Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(v["version"], "2.1.0");
    let result = &v["runs"][0]["results"][0];
    assert_eq!(result["ruleId"], "E002");
    assert_eq!(result["level"], "error");
    assert_eq!(
        result["locations"][0]["physicalLocation"]["region"]["startLine"],
        4
    );
}

#[test]
fn no_colour_when_piped_or_no_color_set() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(
        &dir,
        "back.carel",
        &CLEAN.replace("if sciatica", "if sciatca"),
    );
    let plain = || predicate::str::contains("\u{1b}[").not();
    carel()
        .args(["check", &file])
        .assert()
        .code(1)
        .stdout(plain());
    carel()
        .env("NO_COLOR", "1")
        .args(["check", &file])
        .assert()
        .code(1)
        .stdout(plain());
}

#[test]
fn folders_read_every_carel_file_below_them() {
    let dir = tempfile::tempdir().unwrap();
    write(
        &dir,
        "rules/vocab/facts.carel",
        "condition sciatica\nsource guide \"Guide\"\n",
    );
    write(
        &dir,
        "rules/advice.carel",
        "if sciatica then avoid hamstring_stretch cite guide\n",
    );
    write(
        &dir,
        "rules/exercises.carel",
        "exercise hamstring_stretch\n",
    );
    write(&dir, "rules/notes.txt", "not a ruleset file: ignored");
    let root = dir.path().join("rules");
    carel()
        .args(["check", root.to_str().unwrap()])
        .assert()
        .success();
}

#[test]
fn missing_path_and_empty_folder_exit_two() {
    let dir = tempfile::tempdir().unwrap();
    carel()
        .args(["check", dir.path().join("nope").to_str().unwrap()])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no such file or folder"));
    carel()
        .args(["check", dir.path().to_str().unwrap()])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("contains no `.carel` files"));
}

#[test]
fn invalid_utf8_names_the_file_and_offset() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.carel");
    std::fs::write(&path, b"condition a\ncondition \xFF\n").unwrap();
    carel()
        .args(["check", path.to_str().unwrap()])
        .assert()
        .code(1)
        .stdout(predicate::str::contains(
            "is not valid UTF-8 text (invalid byte at offset 22)",
        ))
        .stdout(predicate::str::contains("bad.carel:2:11"));
}

#[test]
fn bom_and_crlf_are_accepted() {
    let dir = tempfile::tempdir().unwrap();
    let text = format!("\u{FEFF}{}", CLEAN.replace('\n', "\r\n"));
    let file = write(&dir, "back.carel", &text);
    carel().args(["check", &file]).assert().success();
}

#[test]
fn bad_usage_exits_two() {
    carel().args(["check"]).assert().code(2);
    carel().args(["frobnicate"]).assert().code(2);
    carel()
        .args(["check", "x", "--format", "xml"])
        .assert()
        .code(2);
}

#[test]
fn explain_known_and_unknown_codes() {
    carel()
        .args(["explain", "E002"])
        .assert()
        .success()
        .stdout(predicate::str::starts_with("E002 (error): undefined name"));
    carel()
        .args(["explain", "E999"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("unknown diagnostic code `E999`"));
}
