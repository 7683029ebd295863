//! `carel fmt` on the command line: rewriting, `--check`, and files it must leave alone.

use std::fs;

use assert_cmd::Command;
use predicates::prelude::*;

fn carel() -> Command {
    let mut cmd = Command::cargo_bin("carel").expect("binary built");
    cmd.env("NO_COLOR", "1");
    cmd
}

fn write(dir: &tempfile::TempDir, name: &str, text: &[u8]) -> String {
    let path = dir.path().join(name);
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).unwrap();
    }
    fs::write(&path, text).unwrap();
    path.to_string_lossy().into_owned()
}

const MESSY: &str = "condition sciatica \"Sciatica\"   # diagnosis\nexercise hamstring_stretch\n\
                     if sciatica then avoid hamstring_stretch cite guide\n";
const TIDY: &str = "condition sciatica \"Sciatica\"  # diagnosis\nexercise hamstring_stretch\n\
                    if sciatica then avoid hamstring_stretch\n  cite guide\n";

#[test]
fn fmt_rewrites_a_file_and_names_it() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(&dir, "back.carel", MESSY.as_bytes());
    carel()
        .args(["fmt", &file])
        .assert()
        .success()
        .stdout(format!("{file}\n"))
        .stderr("");
    assert_eq!(fs::read_to_string(&file).unwrap(), TIDY);
    // A second run changes nothing and names nothing.
    carel().args(["fmt", &file]).assert().success().stdout("");
    assert_eq!(fs::read_to_string(&file).unwrap(), TIDY);
}

#[test]
fn fmt_rewrites_only_the_files_that_change_in_a_folder() {
    let dir = tempfile::tempdir().unwrap();
    let tidy = write(&dir, "a_tidy.carel", TIDY.as_bytes());
    let messy = write(&dir, "rules/b_messy.carel", MESSY.as_bytes());
    let readme = write(&dir, "README.md", b"# not   Carel\n");
    let before = fs::metadata(&tidy).unwrap().modified().unwrap();
    let root = dir.path().to_string_lossy().into_owned();
    carel()
        .args(["fmt", &root])
        .assert()
        .success()
        .stdout(format!("{messy}\n"));
    assert_eq!(fs::read_to_string(&messy).unwrap(), TIDY);
    assert_eq!(fs::read_to_string(&tidy).unwrap(), TIDY);
    assert_eq!(fs::metadata(&tidy).unwrap().modified().unwrap(), before);
    assert_eq!(fs::read_to_string(&readme).unwrap(), "# not   Carel\n");
    // No temporary files are left behind.
    let names: Vec<String> = fs::read_dir(dir.path().join("rules"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["b_messy.carel"]);
}

#[test]
fn check_lists_unformatted_files_and_exits_one_without_writing() {
    let dir = tempfile::tempdir().unwrap();
    write(&dir, "a_tidy.carel", TIDY.as_bytes());
    let messy = write(&dir, "b_messy.carel", MESSY.as_bytes());
    let root = dir.path().to_string_lossy().into_owned();
    carel()
        .args(["fmt", "--check", &root])
        .assert()
        .code(1)
        .stdout(format!("{messy}\n"));
    assert_eq!(fs::read_to_string(&messy).unwrap(), MESSY);
}

#[test]
fn check_exits_zero_when_everything_is_formatted() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(&dir, "back.carel", TIDY.as_bytes());
    carel()
        .args(["fmt", &file, "--check"])
        .assert()
        .success()
        .stdout("")
        .stderr("");
}

#[test]
fn crlf_and_a_byte_order_mark_are_kept() {
    let dir = tempfile::tempdir().unwrap();
    let crlf = write(&dir, "crlf.carel", TIDY.replace('\n', "\r\n").as_bytes());
    let mut bom = b"\xEF\xBB\xBF".to_vec();
    bom.extend_from_slice(TIDY.as_bytes());
    let bom = write(&dir, "with_bom.carel", &bom);
    // Mixed line endings follow the first line's.
    let mixed_text = format!("{}\n", TIDY.replace('\n', "\r\n").trim_end());
    let mixed = write(&dir, "mixed.carel", mixed_text.as_bytes());
    let root = dir.path().to_string_lossy().into_owned();
    carel()
        .args(["fmt", "--check", &root])
        .assert()
        .code(1)
        .stdout(format!("{mixed}\n"));
    carel().args(["fmt", &root]).assert().success();
    assert_eq!(
        fs::read(&crlf).unwrap(),
        TIDY.replace('\n', "\r\n").as_bytes()
    );
    let mut expected = b"\xEF\xBB\xBF".to_vec();
    expected.extend_from_slice(TIDY.as_bytes());
    assert_eq!(fs::read(&bom).unwrap(), expected);
    assert_eq!(
        fs::read(&mixed).unwrap(),
        TIDY.replace('\n', "\r\n").as_bytes()
    );
    carel()
        .args(["fmt", "--check", &root])
        .assert()
        .success()
        .stdout("");
}

#[test]
fn a_file_with_a_syntax_error_is_left_byte_identical() {
    let dir = tempfile::tempdir().unwrap();
    let broken_text =
        b"condition sciatica   # keep me\r\nif sciatica avoid hamstring_stretch\n\n\n";
    let broken = write(&dir, "a_broken.carel", broken_text);
    let messy = write(&dir, "b_messy.carel", MESSY.as_bytes());
    let root = dir.path().to_string_lossy().into_owned();
    carel()
        .args(["fmt", &root])
        .assert()
        .code(1)
        .stdout(format!("{messy}\n"))
        .stderr(predicate::str::contains("error[E001]"))
        .stderr(predicate::str::contains("a_broken.carel:2:"))
        .stderr(predicate::str::contains(format!(
            "error: `{broken}` was not formatted"
        )));
    assert_eq!(fs::read(&broken).unwrap(), broken_text);
    // The other file was still formatted.
    assert_eq!(fs::read_to_string(&messy).unwrap(), TIDY);
    // `--check` reports the error too, and exits 1.
    carel()
        .args(["fmt", "--check", &root])
        .assert()
        .code(1)
        .stdout("")
        .stderr(predicate::str::contains("error[E001]"));
    assert_eq!(fs::read(&broken).unwrap(), broken_text);
}

#[test]
fn a_clause_given_twice_is_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let text = b"rule r:  if a then avoid x cite s1 cite s2\n";
    let file = write(&dir, "twice.carel", text);
    carel()
        .args(["fmt", &file])
        .assert()
        .code(1)
        .stdout("")
        .stderr(predicate::str::contains("error[E004]"))
        .stderr(predicate::str::contains("`cite` is given twice"));
    assert_eq!(fs::read(&file).unwrap(), text);
}

#[test]
fn a_file_that_is_not_utf8_is_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let text = b"condition caf\xE9   \n";
    let file = write(&dir, "latin1.carel", text);
    carel()
        .args(["fmt", &file])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("not valid UTF-8"));
    assert_eq!(fs::read(&file).unwrap(), text);
}

#[test]
fn unreadable_path_exits_two() {
    carel()
        .args(["fmt", "/no/such/carel/folder"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no such file or folder"));
}
