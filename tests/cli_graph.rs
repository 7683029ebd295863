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
        "contradiction: prone_press_up and standing_extension, unresolved",
        "contradiction: leg_lift, resolved",
        "dose mismatch: walking, unresolved",
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
    assert!(lines.contains(&"  r3 -- \"overrides<br/>contradiction: leg_lift, resolved\" --> r2"));
    assert!(lines.contains(
        &"  r0 -. \"contradiction: prone_press_up and standing_extension, unresolved\" .- r1"
    ));
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
    // An override and the conflict it resolves are one edge.
    assert_eq!(kinds, ["contradiction", "contradiction", "dose_mismatch"]);
    assert_eq!(edges[1]["from"], "acute_core");
    assert_eq!(edges[1]["to"], "core_work");
    assert_eq!(edges[1]["overrides"], true);
    assert_eq!(edges[1]["resolved"], true);
    assert_eq!(edges[1]["conflicts"][0]["resolved_by"], "acute_core");
    assert_eq!(
        edges[1]["conflicts"][0]["witness"]["facts"],
        serde_json::json!(["acute"])
    );
    assert_eq!(edges[0]["resolved"], false);
    assert_eq!(edges[0]["overrides"], false);
}

fn graph_with(file: &str, args: &[&str]) -> Value {
    let out = carel()
        .args(["graph", file, "--format", "json"])
        .args(args)
        .assert()
        .success();
    serde_json::from_slice(&out.get_output().stdout).expect("JSON")
}

fn node_ids(j: &Value) -> Vec<String> {
    j["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["id"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn focus_on_an_exercise_a_rule_or_unresolved_conflicts() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(&dir, "back.carel", RULESET);
    let j = graph_with(&file, &["--exercise", "leg_lift"]);
    assert_eq!(node_ids(&j), ["core_work", "acute_core"]);
    assert_eq!(j["edges"].as_array().unwrap().len(), 1);
    let j = graph_with(&file, &["--rule", "keep_moving"]);
    assert_eq!(node_ids(&j), ["keep_moving", "weekly"]);
    assert_eq!(j["edges"][0]["kind"], "dose_mismatch");
    let j = graph_with(&file, &["--unresolved"]);
    assert_eq!(
        node_ids(&j),
        [
            "disc_extension",
            "facet_no_extension",
            "keep_moving",
            "weekly"
        ]
    );
    let j = graph_with(&file, &["--unresolved", "--exercise", "walking"]);
    assert_eq!(node_ids(&j), ["keep_moving", "weekly"]);
    // DOT and Mermaid focus the same way.
    let out = carel()
        .args([
            "graph",
            &file,
            "--exercise",
            "leg_lift",
            "--format",
            "mermaid",
        ])
        .assert()
        .success();
    let m = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    assert_eq!(
        m.lines()
            .filter(|l| l.contains("-->") || l.contains(".-"))
            .count(),
        1
    );
    let out = carel()
        .args(["graph", &file, "--rule", "disc_extension"])
        .assert()
        .success();
    let dot = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    assert!(dot.contains(
        "r0 -> r1 [label=\"contradiction: prone_press_up and standing_extension, unresolved\""
    ));
    assert!(!dot.contains("walking"));
}

#[test]
fn unknown_focus_names_are_usage_errors() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(&dir, "back.carel", RULESET);
    carel()
        .args(["graph", &file, "--exercise", "leg_lfit"])
        .assert()
        .code(2)
        .stdout("")
        .stderr("error: the ruleset declares no exercise `leg_lfit`; did you mean `leg_lift`?\n");
    carel()
        .args(["graph", &file, "--exercise", "extension"])
        .assert()
        .code(2)
        .stderr("error: `extension` is a category; --exercise takes one exercise, such as `prone_press_up`\n");
    carel()
        .args(["graph", &file, "--rule", "core_wrok"])
        .assert()
        .code(2)
        .stderr("error: the ruleset has no rule `core_wrok`; did you mean `core_work`?\n");
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
