//! The small back-pain ruleset the `carel eval` tests share, and how they run the binary.

use assert_cmd::Command;

pub fn carel() -> Command {
    Command::cargo_bin("carel").expect("binary built")
}

pub fn write(dir: &std::path::Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.to_string_lossy().into_owned()
}

pub const BACK: &str = "condition sciatica\ncondition herniated_disc\ncondition facet_syndrome\n\
factor acute\nfactor chronic\nexclusive stage: acute, chronic\nmeasure age range 0..120\n\
category stretching\ncategory extension\nexercise hamstring_stretch in stretching\n\
exercise prone_press_up in extension\nexercise walking\nsource guide \"Guide\"\n\
rule sciatica_no_stretch: if sciatica then avoid hamstring_stretch cite guide\n\
rule disc_extension: if herniated_disc unless facet_syndrome then recommend extension cite guide\n\
rule facet_caution: if facet_syndrome or acute then caution extension overrides disc_extension cite guide\n\
rule keep_moving: recommend walking 10..20 min every 3 h cite guide\n\
rule older: if age >= 65 then caution walking cite guide\n";

/// A ruleset file and the bundle built from it, in a temporary folder.
pub fn setup() -> (tempfile::TempDir, String, String) {
    let dir = tempfile::tempdir().unwrap();
    let source = write(dir.path(), "back.carel", BACK);
    let bundle = dir.path().join("back.json").to_string_lossy().into_owned();
    carel()
        .args(["build", &source, "-o", &bundle])
        .assert()
        .success();
    (dir, source, bundle)
}

pub fn stdout_of(args: &[&str]) -> String {
    let out = carel()
        .args(args)
        .assert()
        .success()
        .stderr("")
        .get_output()
        .stdout
        .clone();
    String::from_utf8(out).unwrap()
}
