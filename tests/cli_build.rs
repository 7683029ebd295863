//! `carel build`: the bundle on stdout or in a file, byte-identical builds, refusal on errors
//! that leaves an existing file alone, and a reader that goes away early.

use std::io::Read;
use std::process::{Command as Process, Stdio};

use assert_cmd::Command;
use carel::bundle::{self, Bundle};
use carel::source::Sources;
use predicates::prelude::*;

fn carel() -> Command {
    Command::cargo_bin("carel").expect("binary built")
}

fn write(dir: &std::path::Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).unwrap();
    }
    std::fs::write(&path, text).unwrap();
    path.to_string_lossy().into_owned()
}

const BACK: &str = "ruleset back \"Back pain\" version \"2.1.0\"\n\
condition sciatica \"Sciatica\"\nmeasure age range 0..120\n\
category stretching\nexercise hamstring_stretch in stretching\nexercise walking\n\
source guide \"Guide\"\n\
rule no_stretch: if sciatica then avoid stretching cite guide\n\
rule walk: if age >= 65 then recommend walking 20 min per day cite guide\n";

/// What the library builds for one file named `name`.
fn library_bundle(name: &str, text: &str) -> String {
    let sources = Sources::single(name, text);
    let c = carel::compile(&sources);
    bundle::build(&c.model.unwrap(), &c.analysis.unwrap(), &sources).to_json()
}

#[test]
fn writes_the_bundle_to_stdout() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "back.carel", BACK);
    let out = carel()
        .args(["build", &file])
        .assert()
        .success()
        .stderr("")
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(out).unwrap();
    assert_eq!(text, library_bundle("back.carel", BACK));
    let b = Bundle::from_json(&text).unwrap();
    assert_eq!(b.ruleset.version, "2.1.0");
    assert_eq!(b.rules[1].location.file, "back.carel");
}

#[test]
fn builds_are_byte_identical_however_the_path_is_spelt() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "rules/a.carel", BACK);
    write(
        dir.path(),
        "rules/sub/b.carel",
        "exercise bridge\nrule bridge_ok: consider bridge cite guide\n",
    );
    let run = |path: &str| {
        carel()
            .current_dir(dir.path())
            .args(["build", path])
            .assert()
            .success()
            .get_output()
            .stdout
            .clone()
    };
    let first = run("rules");
    assert_eq!(first, run("rules"));
    assert_eq!(first, run("rules/"));
    assert_eq!(first, run("./rules"));
    assert_eq!(first, run(&dir.path().join("rules").to_string_lossy()));
    let b = Bundle::from_json(std::str::from_utf8(&first).unwrap()).unwrap();
    let files: Vec<&str> = b.rules.iter().map(|r| r.location.file.as_str()).collect();
    assert_eq!(files, ["a.carel", "a.carel", "sub/b.carel"]);
}

#[test]
fn writes_a_file_with_dash_o() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "back.carel", BACK);
    let out = dir.path().join("back.json");
    carel()
        .args(["build", &file, "-o", &out.to_string_lossy()])
        .assert()
        .success()
        .stdout("");
    let text = std::fs::read_to_string(&out).unwrap();
    assert_eq!(text, library_bundle("back.carel", BACK));
    // Building again over it gives the same bytes.
    carel()
        .args(["build", &file, "--output", &out.to_string_lossy()])
        .assert()
        .success();
    assert_eq!(std::fs::read_to_string(&out).unwrap(), text);
}

#[test]
fn errors_refuse_the_build_and_leave_the_file_alone() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(
        dir.path(),
        "back.carel",
        &BACK.replace("if sciatica", "if sciatca"),
    );
    let out = write(dir.path(), "out/back.json", "previous bundle\n");
    carel()
        .args(["build", &file, "-o", &out])
        .assert()
        .code(1)
        .stdout("")
        .stderr(predicate::str::contains(
            "error[E002]: `sciatca` is not declared",
        ))
        .stderr(predicate::str::contains(format!(
            "error: no bundle written; `{out}` is left as it was"
        )));
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "previous bundle\n");
    let names: Vec<String> = std::fs::read_dir(dir.path().join("out"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["back.json"], "no temporary file is left behind");
    // Without -o, nothing reaches stdout either.
    carel().args(["build", &file]).assert().code(1).stdout("");
}

#[test]
fn warnings_are_shown_but_do_not_stop_the_build() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(
        dir.path(),
        "back.carel",
        &BACK.replace("avoid stretching cite guide", "avoid stretching"),
    );
    carel()
        .args(["build", &file])
        .assert()
        .success()
        .stderr(predicate::str::contains("warning[W007]"))
        .stdout(predicate::str::starts_with(
            "{\n  \"format\": \"carel.bundle\"",
        ));
}

#[test]
fn deny_warnings_refuses_the_build_and_leaves_the_file_alone() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(
        dir.path(),
        "back.carel",
        &BACK.replace("avoid stretching cite guide", "avoid stretching"),
    );
    let out = dir.path().join("bundle.json");
    std::fs::write(&out, "previous").unwrap();
    carel()
        .args(["build", &file, "--deny-warnings", "-o"])
        .arg(&out)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("warning[W007]"))
        .stderr(predicate::str::contains("is left as it was"));
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "previous");
    carel()
        .args(["build", &file, "--deny-warnings"])
        .assert()
        .code(1)
        .stdout("")
        .stderr(predicate::str::contains(
            "no bundle written (`--deny-warnings`)",
        ));
    // Without warnings, the flag changes nothing.
    let clean = write(dir.path(), "clean.carel", BACK);
    carel()
        .args(["build", &clean, "--deny-warnings"])
        .assert()
        .success()
        .stdout(predicate::str::starts_with("{"));
}

#[test]
fn output_to_a_folder_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "back.carel", BACK);
    carel()
        .args(["build", &file, "-o", &dir.path().to_string_lossy()])
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicate::str::contains(
            "it is a folder; name a file instead",
        ));
}

#[test]
fn an_unreadable_path_is_a_usage_error() {
    carel()
        .args(["build", "/nonexistent/rules.carel"])
        .assert()
        .code(2)
        .stderr("error: cannot read `/nonexistent/rules.carel`: no such file or folder\n");
}

#[test]
fn a_reader_that_stops_early_is_not_an_error() {
    // Big enough that the bundle cannot fit in a pipe's buffer; no warnings.
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::from("source s \"s\"\n");
    for i in 0..600 {
        text.push_str(&format!(
            "condition a{i}\nexercise x{i}\nrule r{i}: if a{i} then avoid x{i} because \"{}\" cite s\n",
            "why ".repeat(20)
        ));
    }
    let file = write(dir.path(), "big.carel", &text);
    // stderr goes to a file: a pipe nobody reads could fill up and stall the build.
    let stderr_path = dir.path().join("stderr.txt");
    let mut child = Process::new(assert_cmd::cargo::cargo_bin!("carel"))
        .args(["build", &file])
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(&stderr_path).unwrap())
        .spawn()
        .unwrap();
    let mut head = [0u8; 10];
    child.stdout.take().unwrap().read_exact(&mut head).unwrap(); // then the pipe closes
    let status = child.wait().unwrap();
    assert_eq!(&head, b"{\n  \"forma");
    assert_eq!(std::fs::read_to_string(&stderr_path).unwrap(), "");
    assert!(status.success(), "{status:?}");
}
