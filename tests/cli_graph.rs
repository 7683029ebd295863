//! `carel graph`: formats, refusal on errors, and DOT that Graphviz accepts.

use std::io::Write;
use std::process::{Command as Process, Stdio};

use assert_cmd::Command;
use serde_json::Value;

mod tools;

fn carel() -> Command {
    Command::cargo_bin("carel").expect("binary built")
}

fn write(dir: &tempfile::TempDir, name: &str, text: &str) -> String {
    let path = dir.path().join(name);
    std::fs::write(&path, text).unwrap();
    path.to_string_lossy().into_owned()
}

const RULESET: &str = r#"
condition herniated_disc "Herniated or bulging lumbar disc"
condition facet_syndrome "Facet joint syndrome"
factor acute "Pain for days, not weeks"
category extension "Lumbar extension exercises"
exercise prone_press_up "Prone press-up" in extension
exercise standing_extension "Standing back extension" in extension
exercise leg_lift "Leg lift"
exercise walking "Walking"
source guide "Exercise advice for lower back pain"

rule disc_extension: if herniated_disc then recommend extension cite guide
rule facet_no_extension: if facet_syndrome then avoid extension cite guide
rule core_work: recommend leg_lift cite guide
rule acute_core:
  if acute then avoid leg_lift
  overrides core_work
  because "Acute pain comes first."
  cite guide
rule keep_moving: recommend walking 10..20 min every 3 h cite guide
rule weekly: recommend walking 150 min per week cite guide
"#;

fn graph(file: &str, format: &str) -> String {
    let out = carel()
        .args(["graph", file, "--format", format])
        .assert()
        .success();
    String::from_utf8(out.get_output().stdout.clone()).expect("UTF-8")
}

#[test]
fn dot_renders_with_graphviz() {
    if !tools::available("dot", "-V", "dot_renders_with_graphviz") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let file = write(&dir, "back.carel", RULESET);
    let dot = graph(&file, "dot");
    assert!(dot.starts_with("digraph conflicts {"));
    let mut child = Process::new("dot")
        .arg("-Tsvg")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start Graphviz `dot`");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(dot.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "dot failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.stderr.is_empty(),
        "dot warned: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let svg = String::from_utf8_lossy(&out.stdout);
    assert!(svg.contains("<svg"));
    for text in [
        "disc_extension",
        "facet_no_extension",
        "contradiction: prone_press_up and standing_extension",
        "resolved by acute_core",
        "dose mismatch: walking",
        "overrides",
    ] {
        assert!(svg.contains(text), "the picture shows {text:?}");
    }
}

#[test]
fn mermaid_follows_github_conventions() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(&dir, "back.carel", RULESET);
    let m = graph(&file, "mermaid");
    let lines: Vec<&str> = m.lines().collect();
    assert_eq!(lines[0], "flowchart LR");
    assert!(lines.contains(&"  r0[\"disc_extension<br/>recommend\"]"));
    assert!(lines.contains(&"  r3 -- \"overrides\" --> r2"));
    assert!(
        lines.contains(&"  r0 -. \"contradiction: prone_press_up and standing_extension\" .- r1")
    );
    assert!(lines.contains(&"  class r0,r1 error"));
    assert!(lines.contains(&"  class r4,r5 warning"));
    assert!(lines.contains(&"  class r2,r3 resolved"));
}

#[test]
fn json_lists_nodes_and_edges() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(&dir, "back.carel", RULESET);
    let j: Value = serde_json::from_str(&graph(&file, "json")).expect("JSON");
    let nodes = j["nodes"].as_array().unwrap();
    assert_eq!(nodes.len(), 6);
    assert_eq!(
        nodes[1],
        serde_json::json!({"id": "facet_no_extension", "action": "avoid", "severity": "error"})
    );
    let edges = j["edges"].as_array().unwrap();
    let kinds: Vec<&str> = edges.iter().map(|e| e["kind"].as_str().unwrap()).collect();
    assert_eq!(
        kinds,
        [
            "overrides",
            "contradiction",
            "contradiction",
            "dose_mismatch"
        ]
    );
    assert_eq!(edges[2]["resolved_by"], "acute_core");
    assert_eq!(edges[2]["witness"]["facts"], serde_json::json!(["acute"]));
    assert_eq!(edges[1]["resolved"], false);
}

#[test]
fn output_is_deterministic() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(&dir, "back.carel", RULESET);
    for format in ["dot", "mermaid", "json"] {
        assert_eq!(graph(&file, format), graph(&file, format));
    }
}

#[test]
fn errors_other_than_contradictions_refuse() {
    let dir = tempfile::tempdir().unwrap();
    let cycle = RULESET.replace(
        "rule core_work: recommend leg_lift cite guide",
        "rule core_work: recommend leg_lift overrides acute_core cite guide",
    );
    let file = write(&dir, "cycle.carel", &cycle);
    let out = carel().args(["graph", &file]).assert().code(1);
    let out = out.get_output();
    assert!(out.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("error[E006]"), "{stderr}");
    assert!(
        stderr.contains("needs a ruleset without errors other than contradictions"),
        "{stderr}"
    );

    let file = write(
        &dir,
        "typo.carel",
        &RULESET.replace("then avoid extension", "then avoid extensoin"),
    );
    let out = carel().args(["graph", &file]).assert().code(1);
    assert!(String::from_utf8_lossy(&out.get_output().stderr).contains("error[E002]"));
}

#[test]
fn unreadable_paths_are_usage_errors() {
    carel()
        .args(["graph", "/no/such/ruleset.carel"])
        .assert()
        .code(2);
}
