//! Evaluation with unknown facts (§10) in the page: the partial conformance vectors, patients
//! with facts or measures not known clicked through the simulator and compared with
//! `carel eval --format json --unknown …` field by field, random patients against the
//! library, the work budget, and links that open the simulator with a patient.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{Value, json};

use super::{
    FLAGSHIP, browser_or_skip, flagship_report, out_dir, run_in_page, run_in_page_at, script_json,
};

/// A report of any ruleset, written by the binary.
fn report_of(dir: &Path, ruleset: &str, name: &str) -> PathBuf {
    let file = dir.join(format!("{name}.report.html"));
    let status = Command::new(env!("CARGO_BIN_EXE_carel"))
        .args(["report", ruleset, "-o"])
        .arg(&file)
        .status()
        .unwrap();
    assert!(status.success());
    file
}

/// `carel eval PATH --given … --not … --unknown … --format json`.
fn eval_partial(ruleset: &str, given: &str, not: &str, unknown: &str) -> Value {
    let out = Command::new(env!("CARGO_BIN_EXE_carel"))
        .args(["eval", ruleset, "--given", given, "--not", not])
        .args(["--unknown", unknown, "--format", "json"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn partial_conformance_vectors_pass_in_the_browser() {
    let Some(browser) = browser_or_skip("partial_conformance_vectors_pass_in_the_browser") else {
        return;
    };
    let dir = out_dir();
    let report = flagship_report(&dir, "conformance-partial");
    let folder = Path::new("tests/conformance");
    let mut files: Vec<PathBuf> = std::fs::read_dir(folder)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().ends_with(".partial.json"))
        .collect();
    files.sort();
    assert!(files.len() >= 3);
    let vectors: Vec<Value> = files
        .iter()
        .map(|f| {
            let v: Value = serde_json::from_str(&std::fs::read_to_string(f).unwrap()).unwrap();
            let bundle: Value = serde_json::from_str(
                &std::fs::read_to_string(folder.join(v["bundle"].as_str().unwrap())).unwrap(),
            )
            .unwrap();
            json!({"file": f.file_name().unwrap().to_string_lossy(), "bundle": bundle,
                   "cases": v["cases"]})
        })
        .collect();
    let script = format!(
        "var vectors = {};\n\
         return vectors.map(function (v) {{ var c = Carel.prepare(v.bundle);\n\
           return {{file: v.file, results: v.cases.map(function (k) {{\n\
             var r = Carel.partial(c, k);\n\
             if (r.error) return {{error: r.error}};\n\
             var exercises = {{}};\n\
             r.exercises.forEach(function (e) {{ exercises[e.exercise] = {{status: e.status,\n\
               possible: e.possible.map(function (p) {{ return p.advice; }}), depends_on: e.depends_on}}; }});\n\
             return {{exercises: exercises, ask_next: r.ask_next.map(function (a) {{ return [a.name, a.exercises.length]; }})}}; }})}}; }});",
        script_json(&Value::Array(vectors.clone()))
    );
    let found = run_in_page(&browser, &report, "conformance-partial", &script);
    let mut checked = 0;
    for (v, got) in vectors.iter().zip(found.as_array().unwrap()) {
        assert_eq!(v["file"], got["file"]);
        for (case, result) in v["cases"]
            .as_array()
            .unwrap()
            .iter()
            .zip(got["results"].as_array().unwrap())
        {
            let what = format!("{} / {}", v["file"], case["name"]);
            assert!(result.get("error").is_none(), "{what}: {result}");
            let expected = case["exercises"].as_object().unwrap();
            let exercises = result["exercises"].as_object().unwrap();
            assert_eq!(
                exercises.keys().collect::<Vec<_>>(),
                expected.keys().collect::<Vec<_>>(),
                "{what}: every exercise of the bundle"
            );
            for (id, want) in expected {
                let got = &exercises[id];
                assert_ne!(got["status"], "too_complex", "{what} / {id}");
                assert_eq!(got["possible"], want["possible"], "{what} / {id}: possible");
                assert_eq!(got["depends_on"], want["depends_on"], "{what} / {id}");
            }
            assert_eq!(result["ask_next"], case["ask_next"], "{what}: ask next");
            checked += 1;
        }
    }
    assert!(checked >= 10, "only {checked} cases ran");
    eprintln!("{checked} partial conformance cases agree in the browser");
}

/// A patient clicked into the simulator: facts answered yes, no and not known, measures typed
/// or marked not known, and whether "Mark everything not answered as not known" is pressed.
pub(crate) struct Clicks<'a> {
    pub(crate) ruleset: &'a str,
    pub(crate) yes: &'a str,
    pub(crate) no: &'a str,
    pub(crate) unknown: &'a str,
    pub(crate) all: bool,
}

impl Clicks<'_> {
    /// The same patient for `carel eval`: `--given`, `--not`, `--unknown`.
    fn eval_args(&self) -> (String, String, String) {
        let unknown = if self.all { "all" } else { self.unknown };
        (self.yes.into(), self.no.into(), unknown.into())
    }

    /// The page script that clicks this patient in.
    pub(crate) fn script(&self) -> String {
        let mut s = String::from("document.getElementById('patient-reset').click();\n");
        for item in self.yes.split(',').filter(|i| !i.is_empty()) {
            match item.split_once('=') {
                Some((m, v)) => s.push_str(&format!(
                    "var i = document.getElementById('measure-{m}'); i.value = '{v}'; i.dispatchEvent(new Event('input'));\n"
                )),
                None => s.push_str(&format!("document.getElementById('fact-{item}-yes').click();\n")),
            }
        }
        for item in self.no.split(',').filter(|i| !i.is_empty()) {
            s.push_str(&format!(
                "document.getElementById('fact-{item}-no').click();\n"
            ));
        }
        for item in self.unknown.split(',').filter(|i| !i.is_empty()) {
            s.push_str(&format!(
                "(document.getElementById('fact-{item}-unknown') || document.getElementById('measure-{item}-unknown')).click();\n"
            ));
        }
        if self.all {
            s.push_str("document.getElementById('patient-all-unknown').click();\n");
        }
        s
    }
}

/// What the simulator shows, read back from the page: the settled advice table, the advice
/// that depends on unknowns with each possible advice, the ask-next list, the facts that
/// follow, the status line, and the partial evaluation the page made.
const READ_SIMULATOR: &str = "\
  function texts(nodes) { return Array.prototype.map.call(nodes, function (a) { return a.textContent; }); }\n\
  var settled = Array.prototype.map.call(document.querySelectorAll('#sim-advice tbody tr'), function (tr) {\n\
    return {exercise: tr.dataset.exercise, action: tr.dataset.action, rules: texts(tr.cells[2].querySelectorAll('a'))}; });\n\
  var depends = Array.prototype.map.call(document.querySelectorAll('#sim-depends .depends-item'), function (tr) {\n\
    return {exercise: tr.dataset.exercise, depends_on: tr.dataset.dependsOn, shown: tr.querySelector('.on').textContent,\n\
      possible: Array.prototype.map.call(tr.querySelectorAll('ul.possible li'), function (li) {\n\
        return {advice: li.dataset.advice, assumes: JSON.parse(li.dataset.assumes), text: li.textContent,\n\
                decided_by: texts(li.querySelectorAll('a'))}; })}; });\n\
  var ask = Array.prototype.map.call(document.querySelectorAll('#sim-ask li'), function (li) {\n\
    return {name: li.dataset.name, exercises: li.dataset.exercises, text: li.textContent}; });\n\
  var follows = Array.prototype.map.call(document.querySelectorAll('#sim-known [data-follows]'), function (p) { return p.dataset.follows; });\n\
  return {settled: settled, depends: depends, ask: ask, follows: follows, dependsHidden: document.getElementById('sim-depends').hidden,\n\
          known: document.getElementById('sim-known').textContent,\n\
          complex: document.getElementById('sim-complex').dataset.exercises || '',\n\
          status: document.getElementById('sim-status').textContent, partial: Carel.lastPartial};";

/// Where two JSON values first differ (a path and both values), or `None`.
fn difference(a: &Value, b: &Value, path: &str) -> Option<String> {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let keys: std::collections::BTreeSet<&String> = x.keys().chain(y.keys()).collect();
            keys.into_iter().find_map(|k| {
                difference(
                    x.get(k).unwrap_or(&Value::Null),
                    y.get(k).unwrap_or(&Value::Null),
                    &format!("{path}.{k}"),
                )
                .or_else(|| {
                    (x.contains_key(k) != y.contains_key(k))
                        .then(|| format!("{path}.{k}: present in one only"))
                })
            })
        }
        (Value::Array(x), Value::Array(y)) => (0..x.len().max(y.len())).find_map(|i| {
            difference(
                x.get(i).unwrap_or(&Value::Null),
                y.get(i).unwrap_or(&Value::Null),
                &format!("{path}[{i}]"),
            )
        }),
        _ => (a != b).then(|| format!("{path}: {a} / {b}")),
    }
}

/// Compare what the simulator shows for a patient with `carel eval --format json`, field by
/// field.
fn compare_with_eval(
    what: &str,
    got: &Value,
    eval: &Value,
    labels: &serde_json::Map<String, Value>,
) {
    // The page's evaluation is the JSON `carel eval` prints, key for key.
    if let Some(d) = difference(&got["partial"], eval, "") {
        panic!("{what}: the page's partial evaluation differs from `carel eval` at {d}");
    }
    let exercises = eval["exercises"].as_array().unwrap();
    assert!(
        exercises.iter().all(|e| e["status"] != "too_complex"),
        "{what}: decided"
    );
    // Settled advice: exercise, advice and deciding rules.
    let mut settled: Vec<Value> = exercises
        .iter()
        .filter(|e| e["status"] == "settled" && !e["possible"][0]["advice"].is_null())
        .map(|e| {
            let p = &e["possible"][0];
            json!({"exercise": e["exercise"], "action": p["advice"], "rules": p["decided_by"]})
        })
        .collect();
    let mut shown = got["settled"].as_array().unwrap().clone();
    let key = |v: &Value| v["exercise"].as_str().unwrap_or_default().to_string();
    settled.sort_by_key(key);
    shown.sort_by_key(key);
    assert_eq!(shown, settled, "{what}: settled advice");
    // Advice that depends on unknowns: every possible advice with what it assumes and the
    // rules that decide it, and what it depends on.
    let mut depends: Vec<&Value> = exercises
        .iter()
        .filter(|e| e["status"] == "depends")
        .collect();
    depends.sort_by_key(|e| key(e));
    let mut rows = got["depends"].as_array().unwrap().clone();
    rows.sort_by_key(key);
    assert_eq!(rows.len(), depends.len(), "{what}: {rows:?}");
    assert!(
        !depends.is_empty(),
        "{what}: some advice depends on unknowns"
    );
    for (row, e) in rows.iter().zip(depends) {
        let id = e["exercise"].as_str().unwrap();
        assert_eq!(row["exercise"], e["exercise"]);
        let names: Vec<&str> = e["depends_on"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n.as_str().unwrap())
            .collect();
        assert_eq!(row["depends_on"], names.join(","), "{what} / {id}");
        // In words: each unknown by its label.
        let words: Vec<&str> = names
            .iter()
            .map(|n| labels.get(*n).and_then(Value::as_str).unwrap_or(n))
            .collect();
        assert_eq!(
            row["shown"],
            format!("Depends on: {}", words.join("; ")),
            "{what} / {id}"
        );
        let mut possible: Vec<Value> = e["possible"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| {
                json!({"advice": p["advice"].as_str().unwrap_or("none"), "assumes": p["assumes"],
                       "decided_by": p["decided_by"]})
            })
            .collect();
        let mut listed: Vec<Value> = row["possible"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| json!({"advice": p["advice"], "assumes": p["assumes"], "decided_by": p["decided_by"]}))
            .collect();
        let by = |v: &Value| v.to_string();
        possible.sort_by_key(by);
        listed.sort_by_key(by);
        assert_eq!(listed, possible, "{what} / {id}: possible advice");
        // The first listed is the advice if nothing more turns out to hold: the one that
        // assumes least (facts, then measures), said in words when it assumes nothing.
        let size = |p: &Value| {
            (
                p["assumes"]["facts"].as_array().unwrap().len(),
                p["assumes"]["measures"].as_object().unwrap().len(),
            )
        };
        let listed = row["possible"].as_array().unwrap();
        assert!(
            listed.iter().all(|p| size(&listed[0]) <= size(p)),
            "{what} / {id}: {row}"
        );
        if size(&listed[0]) == (0, 0) {
            assert!(
                listed[0]["text"]
                    .as_str()
                    .unwrap()
                    .contains(" if nothing more holds"),
                "{what} / {id}: {row}"
            );
        }
    }
    // Ask next, in order.
    let asks: Vec<Value> = eval["ask_next"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            let list: Vec<&str> = a["exercises"]
                .as_array()
                .unwrap()
                .iter()
                .map(|x| x.as_str().unwrap())
                .collect();
            json!([a["name"], list.join(",")])
        })
        .collect();
    let shown: Vec<Value> = got["ask"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| json!([a["name"], a["exercises"]]))
        .collect();
    assert_eq!(shown, asks, "{what}: ask next");
    let follows: Vec<&Value> = eval["follows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| &f["fact"])
        .collect();
    assert_eq!(
        got["follows"]
            .as_array()
            .unwrap()
            .iter()
            .collect::<Vec<_>>(),
        follows,
        "{what}: facts that follow"
    );
}

/// The label of every fact and measure of a ruleset, by id.
fn labels_of(ruleset: &str) -> serde_json::Map<String, Value> {
    let out = Command::new(env!("CARGO_BIN_EXE_carel"))
        .args(["build", ruleset])
        .output()
        .unwrap();
    let bundle: Value = serde_json::from_slice(&out.stdout).unwrap();
    let v = &bundle["vocabulary"];
    ["conditions", "factors", "measures"]
        .iter()
        .flat_map(|k| v[k].as_array().unwrap().clone())
        .map(|f| (f["id"].as_str().unwrap().to_string(), f["label"].clone()))
        .collect()
}

#[test]
fn the_simulator_with_unknowns_agrees_with_carel_eval() {
    let Some(browser) = browser_or_skip("the_simulator_with_unknowns_agrees_with_carel_eval")
    else {
        return;
    };
    let dir = out_dir();
    let patients = [
        Clicks {
            ruleset: FLAGSHIP,
            yes: "sciatica",
            no: "",
            unknown: "herniated_disc,acute",
            all: false,
        },
        Clicks {
            ruleset: FLAGSHIP,
            yes: "chronic,sedentary",
            no: "currently_active",
            unknown: "",
            all: true,
        },
        Clicks {
            ruleset: FLAGSHIP,
            yes: "",
            no: "",
            unknown: "",
            all: true,
        },
        // The examples' ruleset of docs/eval.md has a measure, age.
        Clicks {
            ruleset: "docs/eval/back.carel",
            yes: "chronic",
            no: "",
            unknown: "age,sciatica,new_to_exercise",
            all: false,
        },
        Clicks {
            ruleset: "docs/eval/back.carel",
            yes: "",
            no: "facet_syndrome",
            unknown: "",
            all: true,
        },
    ];
    let mut reports: Vec<(&str, PathBuf)> = Vec::new();
    for p in &patients {
        if !reports.iter().any(|(r, _)| *r == p.ruleset) {
            let name = format!("unknowns-{}", reports.len());
            reports.push((p.ruleset, report_of(&dir, p.ruleset, &name)));
        }
    }
    for (ruleset, report) in &reports {
        let mine: Vec<&Clicks> = patients.iter().filter(|p| p.ruleset == *ruleset).collect();
        let script = format!(
            "var read = function () {{ {READ_SIMULATOR} }};\nvar out = [];\n{}\nreturn out;",
            mine.iter()
                .map(|p| format!("{}out.push(read());\n", p.script()))
                .collect::<String>()
        );
        let name = report.file_stem().unwrap().to_string_lossy().to_string();
        let found = run_in_page(&browser, report, &format!("{name}-clicks"), &script);
        for (p, got) in mine.iter().zip(found.as_array().unwrap()) {
            let (given, not, unknown) = p.eval_args();
            let what = format!("{ruleset}: --given {given} --not {not} --unknown {unknown}");
            let eval = eval_partial(ruleset, &given, &not, &unknown);
            compare_with_eval(&what, got, &eval, &labels_of(ruleset));
            if p.yes == "chronic,sedentary" {
                assert_eq!(
                    got["known"],
                    "Not known yet: Non-specific (simple) low back pain: no specific cause identified, \
                     Sciatica: pain spreading down the leg along the sciatic nerve, Herniated or bulging lumbar disc, \
                     Facet joint syndrome, Myofascial pain syndrome with active trigger points, Isthmic spondylolisthesis, \
                     Serious back problem that needs medical assessment, Muscle guarding or back spasm, \
                     Pain gets worse with activity and exercise, \
                     Pain rises in the first 5 to 10 minutes of exercise, then settles, \
                     More pain on waking than during the rest of the day, Stretching makes the pain worse, \
                     Pain after staying in one position for a long time, \
                     Pain currently limits how freely the patient can move, Resting more than usual because of the pain, \
                     More comfortable sitting than standing, \
                     Recovery has slowed or gone backwards since starting exercise, \
                     Afraid that moving will make the pain worse, \
                     Trigger points have been treated and are no longer active, Overweight, \
                     Job that keeps the patient moving about, or is physically demanding, \
                     Slouches, or has hunched shoulders and a forward head posture.\
                     Follows from what is known: Acute: the pain has lasted only a few days does not hold — \
                     it cannot hold with Chronic: long-standing pain (Stage of the episode).",
                    "{what}"
                );
            }
            assert!(
                got["status"]
                    .as_str()
                    .unwrap()
                    .contains("whose advice depends on what is not known yet"),
                "{what}: {}",
                got["status"]
            );
        }
    }
}

/// Random patients with random unknowns, on the flagship and on the examples' ruleset with its
/// measure: the page's partial evaluation is what `carel eval --format json` prints (the
/// library's rendering of it), field by field, in one browser session.
#[test]
fn the_page_partial_evaluator_agrees_with_the_library_on_random_patients() {
    let Some(browser) =
        browser_or_skip("the_page_partial_evaluator_agrees_with_the_library_on_random_patients")
    else {
        return;
    };
    let dir = out_dir();
    let mut seed: u64 = 0x5eed_cafe;
    let mut next = move |n: u64| {
        // A fixed linear congruential sequence: the same patients on every run.
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (seed >> 33) % n
    };
    let mut cases = Vec::new();
    let mut expected = Vec::new();
    let mut refused = 0;
    for (ruleset, count) in [(FLAGSHIP, 300), ("docs/eval/back.carel", 150)] {
        let out = Command::new(env!("CARGO_BIN_EXE_carel"))
            .args(["build", ruleset])
            .output()
            .unwrap();
        assert!(out.status.success());
        let json = String::from_utf8(out.stdout).unwrap();
        let bundle = carel::bundle::Bundle::from_json(&json).unwrap();
        let p = carel::partial::PartialEvaluator::new(&bundle).unwrap();
        let v = &bundle.vocabulary;
        let facts: Vec<&str> = v
            .conditions
            .iter()
            .chain(&v.factors)
            .map(|f| f.id.as_str())
            .collect();
        for _ in 0..count {
            let (mut given, mut not, mut unknown) = (Vec::new(), Vec::new(), Vec::new());
            let mut measures = serde_json::Map::new();
            for f in &facts {
                match next(10) {
                    0 => given.push(f.to_string()),
                    1 => not.push(f.to_string()),
                    2..=4 => unknown.push(f.to_string()),
                    _ => {}
                }
            }
            for m in &v.measures {
                match next(3) {
                    0 => {
                        let value = m.min.unwrap_or(0.0) + next(100) as f64;
                        measures.insert(m.id.clone(), json!(value));
                    }
                    1 => unknown.push(m.id.clone()),
                    _ => {}
                }
            }
            if next(10) == 0 {
                unknown = vec!["all".to_string()];
            }
            let mut given_arg = given.join(",");
            for (m, value) in &measures {
                if !given_arg.is_empty() {
                    given_arg.push(',');
                }
                given_arg.push_str(&format!("{m}={value}"));
            }
            let knowledge = p.parse_knowledge(&given_arg, &not.join(","), Some(&unknown.join(",")));
            let want = match knowledge.and_then(|k| p.evaluate(&k)) {
                Ok(o) => serde_json::from_str::<Value>(&o.to_json(&bundle)).unwrap(),
                Err(e) if e.starts_with("--unknown") => {
                    // An unknown fact a given fact implies: the form cannot say that.
                    refused += 1;
                    continue;
                }
                Err(_) => json!({"error": true}),
            };
            cases.push(
                json!({"bundle": ruleset, "given": given, "not": not, "unknown": unknown,
                              "measures": measures}),
            );
            expected.push(want);
        }
    }
    let bundles: serde_json::Map<String, Value> = [FLAGSHIP, "docs/eval/back.carel"]
        .iter()
        .map(|r| {
            let out = Command::new(env!("CARGO_BIN_EXE_carel"))
                .args(["build", r])
                .output()
                .unwrap();
            (r.to_string(), serde_json::from_slice(&out.stdout).unwrap())
        })
        .collect();
    let report = flagship_report(&dir, "random-partial");
    let script = format!(
        "var bundles = {}, cases = {};\n\
         var compiled = {{}};\n\
         Object.keys(bundles).forEach(function (k) {{ compiled[k] = Carel.prepare(bundles[k]); }});\n\
         return cases.map(function (k) {{ var r = Carel.partial(compiled[k.bundle], k);\n\
           return r.error ? {{error: true}} : r; }});",
        script_json(&Value::Object(bundles)),
        script_json(&Value::Array(cases.clone()))
    );
    let found = run_in_page(&browser, &report, "random-partial", &script);
    let found = found.as_array().unwrap();
    assert_eq!(found.len(), expected.len());
    let (mut errors, mut depending) = (0, 0);
    for ((case, want), got) in cases.iter().zip(&expected).zip(found) {
        if let Some(d) = difference(got, want, "") {
            panic!("patient {case}: the page and the library differ at {d}");
        }
        errors += usize::from(want.get("error").is_some());
        depending += usize::from(
            want["exercises"]
                .as_array()
                .is_some_and(|es| es.iter().any(|e| e["status"] == "depends")),
        );
    }
    // Both kinds of input were tried, and most patients' advice depends on something.
    assert!(
        errors > 0 && depending > expected.len() / 2,
        "{errors} {depending}"
    );
    eprintln!(
        "{} random patients agree ({errors} not patients, {refused} skipped)",
        expected.len()
    );
}

/// Over its work budget, an exercise is "too complex to decide here" in the page, as
/// `carel eval` reports `too_complex`: no possible advice, nothing it depends on, nothing to
/// ask about it.
#[test]
fn over_the_budget_the_page_says_too_complex_and_guesses_nothing() {
    let Some(browser) =
        browser_or_skip("over_the_budget_the_page_says_too_complex_and_guesses_nothing")
    else {
        return;
    };
    let dir = out_dir();
    let report = flagship_report(&dir, "budget");
    let eval = eval_partial(FLAGSHIP, "", "", "all");
    // A small budget per exercise; then a large one per exercise but none left in total.
    for (exercise, total) in [(400, 100_000), (30_000_000, 1)] {
        let script = format!(
            "Carel.BUDGET.exercise = {exercise}; Carel.BUDGET.total = {total};\n\
             {}\nvar read = function () {{ {READ_SIMULATOR} }};\nreturn read();",
            Clicks {
                ruleset: FLAGSHIP,
                yes: "",
                no: "",
                unknown: "",
                all: true,
            }
            .script()
        );
        let found = run_in_page(&browser, &report, "budget", &script);
        let partial = &found["partial"];
        let what = format!("budget {exercise} per exercise, {total} in all");
        let exercises = partial["exercises"].as_array().unwrap();
        let ids: Vec<&str> = exercises
            .iter()
            .filter(|e| e["status"] == "too_complex")
            .map(|e| e["exercise"].as_str().unwrap())
            .collect();
        assert!(!ids.is_empty(), "{what}: {found}");
        // What is decided is what `carel eval` decides: nothing is guessed.
        for (e, want) in exercises.iter().zip(eval["exercises"].as_array().unwrap()) {
            if e["status"] == "too_complex" {
                assert_eq!(e["possible"], json!([]), "{what}");
                assert_eq!(e["depends_on"], json!([]), "{what}");
            } else {
                assert_eq!(e, want, "{what}");
            }
        }
        assert_eq!(found["complex"], ids.join(","), "{what}");
        for row in found["depends"].as_array().unwrap() {
            assert!(!ids.contains(&row["exercise"].as_str().unwrap()), "{what}");
        }
        for a in partial["ask_next"].as_array().unwrap() {
            for e in a["exercises"].as_array().unwrap() {
                assert!(!ids.contains(&e.as_str().unwrap()), "{what}");
            }
        }
        assert!(
            found["status"]
                .as_str()
                .unwrap()
                .ends_with(&format!("; {} too complex to decide here.", ids.len())),
            "{what}: {}",
            found["status"]
        );
        // Exercises that need no search are still decided: bed rest is avoided whatever is
        // unknown.
        let bed = exercises
            .iter()
            .find(|e| e["exercise"] == "bed_rest")
            .unwrap();
        assert_eq!(bed["status"], "settled", "{what}");
    }
}

/// A link can open the simulator with a patient: a name is yes, `!name` no, `?name` not
/// known, `?all` everything not answered not known, `name=value` a measure.
#[test]
fn a_link_opens_the_simulator_with_facts_not_known() {
    let Some(browser) = browser_or_skip("a_link_opens_the_simulator_with_facts_not_known") else {
        return;
    };
    let dir = out_dir();
    let back = "docs/eval/back.carel";
    let report = report_of(&dir, back, "link");
    for (fragment, given, not, unknown) in [
        (
            "patient=chronic,!sciatica,?all",
            "chronic",
            "sciatica",
            "all",
        ),
        (
            "patient=sedentary,?age,?facet_syndrome",
            "sedentary",
            "",
            "age,facet_syndrome",
        ),
        (
            "patient=chronic,age=70,?herniated_disc",
            "chronic,age=70",
            "",
            "herniated_disc",
        ),
    ] {
        let found = run_in_page_at(&browser, &report, "link", READ_SIMULATOR, fragment);
        let what = format!("#{fragment}");
        compare_with_eval(
            &what,
            &found,
            &eval_partial(back, given, not, unknown),
            &labels_of(back),
        );
    }
}
