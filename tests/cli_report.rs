//! `carel report`: one self-contained, deterministic HTML file, written atomically.

use assert_cmd::Command;

const FLAGSHIP: &str = "rulesets/lower_back_pain";

fn carel() -> Command {
    Command::cargo_bin("carel").expect("binary built")
}

fn report(args: &[&str]) -> String {
    let out = carel().arg("report").args(args).assert().success();
    String::from_utf8(out.get_output().stdout.clone()).expect("UTF-8")
}

#[test]
fn the_flagship_report_is_self_contained_and_deterministic() {
    let html = report(&[FLAGSHIP]);
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert_eq!(html, report(&[FLAGSHIP]), "same ruleset, same bytes");
    // Nothing is fetched: no external scripts, styles, images or fonts.
    for needle in [
        "src=\"http",
        "href=\"http",
        "@import",
        "url(http",
        "<link",
        "<img",
    ] {
        assert!(!html.contains(needle), "the page loads {needle}");
    }
    for section in [
        "<section id=\"summary\">",
        "<section id=\"rules\">",
        "<section id=\"exercises\">",
        "<section id=\"conflicts\">",
        "<section id=\"simulator\" class=\"no-print\">",
        "<section id=\"sign-off\">",
        "@media print",
    ] {
        assert!(html.contains(section), "missing {section}");
    }
    // Every rule of the bundle has exactly one anchor.
    let bundle: serde_json::Value = serde_json::from_slice(
        &carel()
            .args(["build", FLAGSHIP])
            .assert()
            .success()
            .get_output()
            .stdout,
    )
    .unwrap();
    for rule in bundle["rules"].as_array().unwrap() {
        let anchor = format!("id=\"rule-{}\"", rule["id"].as_str().unwrap());
        assert_eq!(html.matches(&anchor).count(), 1, "{anchor}");
    }
    assert!(html.contains(&format!(
        "<code class=\"digest\">{}</code>",
        bundle["digest"].as_str().unwrap()
    )));
    // A sciatica rule in plain English, under its condition.
    assert!(html.contains("<section class=\"group\" id=\"group-sciatica\">"));
    assert!(html.contains("For patients with sciatica: <strong>avoid Hamstring stretch</strong>."));
}

#[test]
fn a_bundle_gives_the_same_report_as_its_ruleset() {
    let dir = tempfile::tempdir().unwrap();
    let bundle = dir.path().join("b.json");
    carel()
        .args(["build", FLAGSHIP, "-o"])
        .arg(&bundle)
        .assert()
        .success();
    assert_eq!(report(&[bundle.to_str().unwrap()]), report(&[FLAGSHIP]));
}

#[test]
fn written_atomically_and_left_alone_on_errors() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("report.html");
    carel()
        .args(["report", FLAGSHIP, "-o"])
        .arg(&out)
        .assert()
        .success()
        .stdout("");
    assert_eq!(std::fs::read_to_string(&out).unwrap(), report(&[FLAGSHIP]));
    let bad = dir.path().join("bad.carel");
    std::fs::write(&bad, "exercise e\nrule r: if missing then avoid e\n").unwrap();
    std::fs::write(&out, "old report").unwrap();
    carel()
        .args(["report", bad.to_str().unwrap(), "-o"])
        .arg(&out)
        .assert()
        .code(1)
        .stdout("")
        .stderr(predicates::str::contains("error: no report written;"));
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "old report");
    // No temporary file is left behind.
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 2);
}

#[test]
fn bad_options_are_usage_errors() {
    carel()
        .args(["report", FLAGSHIP, "--today", "2026-02-30"])
        .assert()
        .code(2)
        .stdout("")
        .stderr(
            "error: `--today 2026-02-30` is not a date: write it as YYYY-MM-DD, like 2026-03-01\n",
        );
    let dir = tempfile::tempdir().unwrap();
    carel()
        .args(["report", FLAGSHIP, "-o"])
        .arg(dir.path())
        .assert()
        .code(2)
        .stderr(predicates::str::contains(
            "it is a folder; name a file instead",
        ));
    carel()
        .args(["report", "no/such/ruleset"])
        .assert()
        .code(2)
        .stdout("");
}

#[test]
fn reviews_are_judged_against_the_given_date() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("r.carel");
    std::fs::write(
        &file,
        "exercise e \"Walking\"\nsource s \"A\"\nrule old: recommend e cite s reviewed 2024-01-15\n\
         rule new: consider e cite s reviewed 2025-06-01\n",
    )
    .unwrap();
    let html = report(&[file.to_str().unwrap(), "--today", "2025-07-01"]);
    assert!(html.contains("Reviews are judged against 2025-07-01 (the date given with --today)"));
    assert!(html.contains("<strong>Overdue for review: 1</strong> — <a href=\"#rule-old\">old</a> (reviewed 2024-01-15)"));
    let html = report(&[
        file.to_str().unwrap(),
        "--today",
        "2025-07-01",
        "--review-months",
        "24",
    ]);
    assert!(html.contains("<strong>Overdue for review: 0</strong>"));
}
