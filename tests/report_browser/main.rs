//! The report in a real browser: headless Chromium loads the flagship report, the page's own
//! evaluator runs every conformance vector, the simulator is clicked through for three
//! patients and compared with `carel eval`, and screenshots are saved under
//! `target/tmp/report-browser/`. Facts not known yet (§10) are in `partial.rs`.
//!
//! The browser is driven with its own command line: `--dump-dom` prints the page after its
//! scripts ran, and a small script added to a copy of the report writes what it found into the
//! page. No browser: the tests print why and pass, unless `CAREL_REQUIRE_TOOLS=1`, when they
//! fail. `CAREL_CHROMIUM` names the browser binary when it is not on the usual paths.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

mod partial;
use partial::Clicks;

const FLAGSHIP: &str = "rulesets/lower_back_pain";

/// Patients clicked through in the simulator, as `carel eval --given` takes them.
const PATIENTS: [&str; 3] = [
    "sciatica,chronic,currently_active",
    "new_to_exercise,acute,herniated_disc",
    "serious_back_problem,sedentary,overweight",
];

fn chromium() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("CAREL_CHROMIUM") {
        return Some(PathBuf::from(p));
    }
    let names = [
        "chromium",
        "chromium-browser",
        "google-chrome",
        "google-chrome-stable",
    ];
    let path = std::env::var_os("PATH").unwrap_or_default();
    for dir in std::env::split_paths(&path) {
        for n in names {
            let candidate = dir.join(n);
            if candidate.is_file() {
                return Some(candidate);
            }
        }
    }
    None
}

/// The browser, or `None` after saying why the test is skipped. Under `CAREL_REQUIRE_TOOLS=1`
/// a missing browser fails the test.
fn browser_or_skip(test: &str) -> Option<PathBuf> {
    let found = chromium();
    if found.is_none() {
        if std::env::var("CAREL_REQUIRE_TOOLS").as_deref() == Ok("1") {
            panic!("{test}: Chromium is required (CAREL_REQUIRE_TOOLS=1) but was not found");
        }
        eprintln!(
            "skipping {test}: no Chromium found (install Debian's `chromium` or set CAREL_CHROMIUM)"
        );
    }
    found
}

fn out_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("report-browser");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Run the browser headless on a fresh profile with `args` and the page `url`; its stdout.
fn run_browser(browser: &Path, args: &[String], url: &str) -> String {
    let profile = tempfile::tempdir().unwrap();
    let mut cmd = Command::new(browser);
    cmd.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--hide-scrollbars",
        "--disable-extensions",
        "--mute-audio",
    ])
    .arg(format!("--user-data-dir={}", profile.path().display()))
    .args(args)
    .arg(url);
    // Files, not pipes: a page dump is larger than a pipe holds, and an unread pipe would
    // block the browser.
    let stdout_path = profile.path().join("stdout");
    let stderr_path = profile.path().join("stderr");
    cmd.stdin(Stdio::null())
        .stdout(std::fs::File::create(&stdout_path).unwrap())
        .stderr(std::fs::File::create(&stderr_path).unwrap());
    let mut child = cmd.spawn().expect("start the browser");
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > Duration::from_secs(180) {
            let _ = child.kill();
            panic!("the browser did not finish within 180 s");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(
        status.success(),
        "the browser failed: {}",
        std::fs::read_to_string(&stderr_path).unwrap_or_default()
    );
    std::fs::read_to_string(&stdout_path).unwrap()
}

fn file_url(path: &Path) -> String {
    format!("file://{}", path.canonicalize().unwrap().display())
}

/// The flagship report, written by the binary.
fn flagship_report(dir: &Path, name: &str) -> PathBuf {
    let file = dir.join(format!("{name}.report.html"));
    let status = Command::new(env!("CARGO_BIN_EXE_carel"))
        .args(["report", FLAGSHIP, "-o"])
        .arg(&file)
        .status()
        .unwrap();
    assert!(status.success());
    file
}

/// JSON that is safe inside a `<script>` element.
fn script_json(v: &Value) -> String {
    v.to_string()
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
}

/// A copy of the report with `script` run at the end of the page; the script leaves its
/// findings as JSON in `<pre id="carel-test-results">`, read back from the dumped DOM.
fn run_in_page(browser: &Path, report: &Path, name: &str, script: &str) -> Value {
    run_in_page_at(browser, report, name, script, "")
}

/// [`run_in_page`] with the page opened at `#fragment` (empty: none).
fn run_in_page_at(
    browser: &Path,
    report: &Path,
    name: &str,
    script: &str,
    fragment: &str,
) -> Value {
    let html = std::fs::read_to_string(report).unwrap();
    let probe = format!(
        "<script>(function(){{ var out; try {{ out = (function(){{ {script} }})(); }} catch (e) {{ out = {{thrown: String(e && e.stack || e)}}; }}\n\
         var pre = document.createElement('pre'); pre.id = 'carel-test-results';\n\
         pre.textContent = JSON.stringify(out).replace(/</g, '\\\\u003c').replace(/>/g, '\\\\u003e').replace(/&/g, '\\\\u0026');\n\
         document.body.appendChild(pre); }})();</script></body>"
    );
    let page = report.with_file_name(format!("{name}.html"));
    std::fs::write(&page, html.replacen("</body>", &probe, 1)).unwrap();
    let url = if fragment.is_empty() {
        file_url(&page)
    } else {
        format!("{}#{fragment}", file_url(&page))
    };
    let dom = run_browser(browser, &["--dump-dom".to_string()], &url);
    let marker = "<pre id=\"carel-test-results\">";
    let start = dom.find(marker).expect("the probe ran") + marker.len();
    let end = start + dom[start..].find("</pre>").unwrap();
    let found: Value = serde_json::from_str(&dom[start..end]).unwrap();
    assert!(
        found.get("thrown").is_none(),
        "the page script failed: {found}"
    );
    found
}

/// Every conformance vector: `{"file", "bundle", "cases"}`.
fn vectors() -> Vec<Value> {
    let dir = Path::new("tests/conformance");
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().ends_with(".cases.json"))
        .collect();
    files.sort();
    assert!(!files.is_empty());
    files
        .iter()
        .map(|f| {
            let cases: Value = serde_json::from_str(&std::fs::read_to_string(f).unwrap()).unwrap();
            let bundle_file = dir.join(cases["bundle"].as_str().unwrap());
            let bundle: Value =
                serde_json::from_str(&std::fs::read_to_string(bundle_file).unwrap()).unwrap();
            json!({"file": f.file_name().unwrap().to_string_lossy(), "bundle": bundle,
                   "cases": cases["cases"]})
        })
        .collect()
}

#[test]
fn conformance_vectors_pass_in_the_browser() {
    let Some(browser) = browser_or_skip("conformance_vectors_pass_in_the_browser") else {
        return;
    };
    let dir = out_dir();
    let report = flagship_report(&dir, "conformance");
    let vectors = vectors();
    let script = format!(
        "var vectors = {};\n\
         return vectors.map(function (v) {{ var c = Carel.prepare(v.bundle);\n\
           return {{file: v.file, results: v.cases.map(function (k) {{\n\
             var r = Carel.evaluate(c, k.given);\n\
             if (r.error) return {{error: r.error}};\n\
             var advice = {{}}, decided = {{}};\n\
             r.advice.forEach(function (a) {{ advice[a.exercise] = a.action; decided[a.exercise] = a.rules; }});\n\
             return {{advice: advice, decided_by: decided, fired: r.fired, implied: r.implied}}; }})}}; }});",
        script_json(&Value::Array(vectors.clone()))
    );
    let found = run_in_page(&browser, &report, "conformance", &script);
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
            for key in ["advice", "decided_by", "fired"] {
                if let Some(expected) = case.get(key) {
                    assert_eq!(&result[key], expected, "{what}: {key} differs");
                }
            }
            // `implied` is listed only when some facts are implied.
            let implied = case.get("implied").cloned().unwrap_or(json!({}));
            assert_eq!(result["implied"], implied, "{what}: implied facts differ");
            checked += 1;
        }
    }
    assert!(checked >= 20, "only {checked} cases ran");
    eprintln!("{checked} conformance cases agree in the browser");
}

/// Every patient of the version-2 fixture (each set of facts, valid or not, times a few ages)
/// evaluated by the page and by the library's evaluator: the same advice, deciding rules,
/// fired rules and implied facts, and the same verdict on sets of facts that are no patient.
#[test]
fn the_page_evaluator_agrees_with_the_library_on_every_patient() {
    let Some(browser) =
        browser_or_skip("the_page_evaluator_agrees_with_the_library_on_every_patient")
    else {
        return;
    };
    let dir = out_dir();
    let fixture = "tests/report/v2_features.carel";
    let out = Command::new(env!("CARGO_BIN_EXE_carel"))
        .args(["build", fixture])
        .output()
        .unwrap();
    assert!(out.status.success());
    let json = String::from_utf8(out.stdout).unwrap();
    let bundle = carel::bundle::Bundle::from_json(&json).unwrap();
    let evaluator = carel::eval::Evaluator::new(&bundle).unwrap();
    let facts: Vec<String> = bundle
        .vocabulary
        .conditions
        .iter()
        .chain(&bundle.vocabulary.factors)
        .map(|f| f.id.clone())
        .collect();
    let mut patients = Vec::new();
    for mask in 0u32..(1 << facts.len()) {
        for age in [
            None,
            Some(20.0),
            Some(30.0),
            Some(64.5),
            Some(65.0),
            Some(90.0),
        ] {
            let mut p = carel::eval::Patient::default();
            for (i, f) in facts.iter().enumerate() {
                if mask & (1 << i) != 0 {
                    p.facts.insert(f.clone());
                }
            }
            if let Some(a) = age {
                p.measures.insert("age".to_string(), a);
            }
            patients.push(p);
        }
    }
    let expected: Vec<Value> = patients
        .iter()
        .map(|p| {
            if evaluator.check_patient(p).is_err() {
                return json!({"error": true});
            }
            let o = evaluator.evaluate(p);
            let advice: serde_json::Map<String, Value> = o
                .advice
                .iter()
                .map(|a| (a.exercise.clone(), json!(a.action.as_str())))
                .collect();
            let decided: serde_json::Map<String, Value> = o
                .advice
                .iter()
                .map(|a| (a.exercise.clone(), json!(a.rules)))
                .collect();
            json!({"advice": advice, "decided_by": decided, "fired": o.fired,
                   "implied": o.patient.implied})
        })
        .collect();
    let given: Vec<Value> = patients
        .iter()
        .map(|p| json!({"facts": p.facts, "measures": p.measures}))
        .collect();
    let report = dir.join("v2.report.html");
    let status = Command::new(env!("CARGO_BIN_EXE_carel"))
        .args(["report", fixture, "-o"])
        .arg(&report)
        .status()
        .unwrap();
    assert!(status.success());
    let script = format!(
        "var patients = {};\n\
         return patients.map(function (p) {{ var r = Carel.evaluate(Carel.compiled, p);\n\
           if (r.error) return {{error: true}};\n\
           var advice = {{}}, decided = {{}};\n\
           r.advice.forEach(function (a) {{ advice[a.exercise] = a.action; decided[a.exercise] = a.rules; }});\n\
           return {{advice: advice, decided_by: decided, fired: r.fired, implied: r.implied}}; }});",
        script_json(&Value::Array(given.clone()))
    );
    let found = run_in_page(&browser, &report, "v2", &script);
    let found = found.as_array().unwrap();
    assert_eq!(found.len(), expected.len());
    let mut invalid = 0;
    for ((p, want), got) in given.iter().zip(&expected).zip(found) {
        assert_eq!(got, want, "patient {p}");
        invalid += usize::from(want.get("error").is_some());
    }
    // Both kinds of patient were tried.
    assert!(invalid > 0 && invalid < expected.len());
}

#[test]
fn the_simulator_agrees_with_carel_eval() {
    let Some(browser) = browser_or_skip("the_simulator_agrees_with_carel_eval") else {
        return;
    };
    let dir = out_dir();
    let report = flagship_report(&dir, "simulator");
    // Click through the form as a person would: tick boxes, type numbers, read the table.
    let script = format!(
        "var patients = {};\n\
         var form = document.getElementById('patient');\n\
         return patients.map(function (given) {{\n\
           document.getElementById('patient-reset').click();\n\
           document.querySelectorAll('input[data-measure]').forEach(function (i) {{ i.value = ''; i.dispatchEvent(new Event('input')); }});\n\
           given.split(',').forEach(function (item) {{\n\
             var eq = item.indexOf('=');\n\
             if (eq < 0) {{ document.getElementById('fact-' + item + '-yes').click(); }}\n\
             else {{ var i = document.getElementById('measure-' + item.slice(0, eq)); i.value = item.slice(eq + 1); i.dispatchEvent(new Event('input')); }}\n\
           }});\n\
           var rows = Array.prototype.map.call(document.querySelectorAll('#sim-advice tbody tr'), function (tr) {{\n\
             return {{exercise: tr.dataset.exercise, action: tr.dataset.action,\n\
                      rules: Array.prototype.map.call(tr.cells[2].querySelectorAll('a'), function (a) {{ return a.textContent; }})}}; }});\n\
           var fired = Array.prototype.map.call(document.querySelectorAll('#sim-trace > p:first-child a'), function (a) {{ return a.textContent; }});\n\
           return {{given: given, rows: rows, fired: fired, status: document.getElementById('sim-status').textContent}}; }});",
        script_json(&json!(PATIENTS))
    );
    let found = run_in_page(&browser, &report, "simulator", &script);
    for (given, got) in PATIENTS.iter().zip(found.as_array().unwrap()) {
        let out = Command::new(env!("CARGO_BIN_EXE_carel"))
            .args(["eval", FLAGSHIP, "--given", given, "--format", "json"])
            .output()
            .unwrap();
        assert!(out.status.success());
        let eval: Value = serde_json::from_slice(&out.stdout).unwrap();
        let mut expected: Vec<Value> = eval["advice"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| json!({"exercise": a["exercise"], "action": a["action"], "rules": a["rules"]}))
            .collect();
        let mut rows = got["rows"].as_array().unwrap().clone();
        let key = |v: &Value| v["exercise"].as_str().unwrap_or_default().to_string();
        expected.sort_by_key(key);
        rows.sort_by_key(key);
        assert!(!expected.is_empty(), "{given}: a patient with advice");
        assert_eq!(
            rows, expected,
            "{given}: the simulator and `carel eval` differ"
        );
        assert_eq!(got["fired"], eval["fired"], "{given}: fired rules differ");
        assert!(
            got["status"]
                .as_str()
                .unwrap()
                .starts_with(&format!("{} exercises advised", expected.len())),
            "{given}: {}",
            got["status"]
        );
    }
    // A set of facts that breaks an exclusive group is not a patient: the page says so.
    let clash = run_in_page(
        &browser,
        &report,
        "clash",
        "document.getElementById('fact-acute-yes').click(); document.getElementById('fact-chronic-yes').click();\n\
         return {status: document.getElementById('sim-status').textContent, hidden: document.getElementById('sim-advice').hidden};",
    );
    assert_eq!(
        clash["status"],
        "Not a possible patient: acute and chronic cannot hold together: they are exclusive (stage, \"Stage of the episode\")."
    );
    assert_eq!(clash["hidden"], true);
}

#[test]
fn the_report_renders_its_sections_and_screenshots() {
    let Some(browser) = browser_or_skip("the_report_renders_its_sections_and_screenshots") else {
        return;
    };
    let dir = out_dir();
    let report = flagship_report(&dir, "report");
    let found = run_in_page(
        &browser,
        &report,
        "sections",
        "function visible(sel) { return Array.prototype.filter.call(document.querySelectorAll(sel), function (e) { return e.getClientRects().length > 0; }).length; }\n\
         var headings = Array.prototype.map.call(document.querySelectorAll('h2'), function (h) { return h.textContent; });\n\
         var unlabelled = Array.prototype.filter.call(document.querySelectorAll('input'), function (i) { return i.type !== 'hidden' && !(i.labels && i.labels.length) && !i.closest('label'); }).map(function (i) { return i.id || i.name; });\n\
         var before = visible('#by-condition article.rule');\n\
         var f = document.getElementById('filter'); f.value = 'sciatica'; f.dispatchEvent(new Event('input'));\n\
         var filtered = {rules: visible('#rules article.rule'), conflicts: visible('article.conflict'), count: document.getElementById('filter-count').textContent};\n\
         f.value = ''; f.dispatchEvent(new Event('input'));\n\
         document.querySelector('input[name=grouping][value=source]').click();\n\
         var bySource = {condition: visible('#by-condition article.rule'), source: visible('#by-source article.rule')};\n\
         return {headings: headings, unlabelled: unlabelled, rules: before, conflicts: visible('article.conflict'),\n\
                 exercises: document.querySelectorAll('details.exercise').length, graphs: document.querySelectorAll('svg.graph').length,\n\
                 filtered: filtered, bySource: bySource, title: document.title,\n\
                 status: document.getElementById('sim-status').textContent};",
    );
    assert_eq!(
        found["headings"],
        json!([
            "Summary",
            "Rules",
            "Exercises",
            "Conflicts",
            "Try a patient",
            "Sign-off"
        ])
    );
    assert_eq!(found["unlabelled"], json!([]), "every input has a label");
    let bundle: Value = serde_json::from_slice(
        &Command::new(env!("CARGO_BIN_EXE_carel"))
            .args(["build", FLAGSHIP])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    let n_conflicts = bundle["conflicts"].as_array().unwrap().len();
    assert_eq!(found["conflicts"], json!(n_conflicts));
    assert_eq!(
        found["exercises"],
        json!(bundle["vocabulary"]["exercises"].as_array().unwrap().len())
    );
    assert!(found["rules"].as_u64().unwrap() >= bundle["rules"].as_array().unwrap().len() as u64);
    assert!(found["graphs"].as_u64().unwrap() > 0);
    // Filtering on "sciatica" keeps every rule and conflict that mentions it, and only those.
    let sciatica_rules = bundle["rules"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["when"].to_string().contains("\"sciatica\""))
        .count() as u64;
    let shown = found["filtered"]["rules"].as_u64().unwrap();
    assert!(shown >= sciatica_rules && shown > 0, "{found}");
    assert!(
        found["filtered"]["conflicts"].as_u64().unwrap() < n_conflicts as u64,
        "{found}"
    );
    assert!(
        found["filtered"]["count"]
            .as_str()
            .unwrap()
            .ends_with("mention “sciatica”")
    );
    assert_eq!(found["bySource"]["condition"], 0);
    assert!(
        found["bySource"]["source"].as_u64().unwrap()
            >= bundle["rules"].as_array().unwrap().len() as u64
    );
    // The simulator starts with an empty patient, whom the rules without a condition advise.
    let empty: Value = serde_json::from_slice(
        &Command::new(env!("CARGO_BIN_EXE_carel"))
            .args(["eval", FLAGSHIP, "--given", "", "--format", "json"])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    assert_eq!(
        found["status"],
        format!(
            "{} exercises advised; {} rules fired.",
            empty["advice"].as_array().unwrap().len(),
            empty["fired"].as_array().unwrap().len()
        )
    );

    // Screenshots to look at: the top of the report, one exercise, conflicts, and the
    // simulator with a patient ticked. A headless screenshot shows the top of the page, so
    // the copy for each one keeps only the part to show.
    let only = |keep: &str, extra: &str| {
        format!(
            "document.querySelectorAll('main > section, header').forEach(function (s) {{ if (s.id !== '{keep}') s.style.display = 'none'; }});\n{extra}"
        )
    };
    let shots = [
        ("report-summary", String::new()),
        (
            "report-exercise",
            only(
                "exercises",
                "document.querySelectorAll('details.exercise').forEach(function (d) { if (d.id !== 'exercise-prone_press_up') d.style.display = 'none'; else d.open = true; });",
            ),
        ),
        ("report-conflicts", only("conflicts", "")),
        (
            "report-simulator",
            only(
                "simulator",
                &PATIENTS[0]
                    .split(',')
                    .map(|item| match item.split_once('=') {
                        Some((m, v)) => format!(
                            "var i = document.getElementById('measure-{m}'); i.value = '{v}'; i.dispatchEvent(new Event('input'));"
                        ),
                        None => format!("document.getElementById('fact-{item}-yes').click();"),
                    })
                    .collect::<String>(),
            ),
        ),
        (
            "report-simulator-unknown",
            only(
                "simulator",
                &Clicks {
                    ruleset: FLAGSHIP,
                    yes: "sciatica,chronic",
                    no: "",
                    unknown: "herniated_disc,facet_syndrome,new_to_exercise,sedentary",
                    all: false,
                }
                .script(),
            ),
        ),
    ];
    let html = std::fs::read_to_string(&report).unwrap();
    for (name, setup) in shots {
        let page = dir.join(format!("{name}.html"));
        std::fs::write(
            &page,
            html.replacen("</body>", &format!("<script>{setup}</script></body>"), 1),
        )
        .unwrap();
        let png = dir.join(format!("{name}.png"));
        let _ = std::fs::remove_file(&png);
        run_browser(
            &browser,
            &[
                "--window-size=1280,1600".to_string(),
                format!("--screenshot={}", png.display()),
            ],
            &file_url(&page),
        );
        let bytes = std::fs::read(&png).unwrap();
        assert!(bytes.starts_with(b"\x89PNG"), "{name} is a PNG");
        assert!(bytes.len() > 30_000, "{name} shows something");
    }
}

/// Markup in every text of a ruleset stays text in the browser, in the static page and in
/// what the simulator writes.
#[test]
fn markup_in_the_ruleset_never_runs() {
    let Some(browser) = browser_or_skip("markup_in_the_ruleset_never_runs") else {
        return;
    };
    let dir = out_dir();
    let h = r#"<img src=x onerror=\"window.pwned=1\"><script>window.pwned=2</script>"#;
    let ruleset = format!(
        "ruleset hostile \"T {h}\" version \"1.0.0\"\n\
         condition c \"C {h}\"\nfactor f \"F {h}\" implies c\n\
         measure m \"M {h}\" unit \"U {h}\" range 0..10\n\
         category k \"K {h}\"\nexercise e \"E {h}\" in k\nsource s \"S {h}\"\n\
         rule r1: if c then recommend k 10 min daily because \"B {h}\" stop if \"P {h}\" cite s \"L {h}\"\n\
         rule r2: if f and m >= 3 then caution e because \"B2 {h}\" cite s overrides r1\n"
    );
    let file = dir.join("hostile.carel");
    std::fs::write(&file, ruleset).unwrap();
    let report = dir.join("hostile.report.html");
    let status = Command::new(env!("CARGO_BIN_EXE_carel"))
        .args(["report"])
        .arg(&file)
        .arg("-o")
        .arg(&report)
        .status()
        .unwrap();
    assert!(status.success());
    let found = run_in_page(
        &browser,
        &report,
        "hostile",
        "document.getElementById('fact-f-yes').click();\n\
         var m = document.getElementById('measure-m'); m.value = '5'; m.dispatchEvent(new Event('input'));\n\
         return {pwned: window.pwned || null, images: document.images.length,\n\
                 rows: document.querySelectorAll('#sim-advice tbody tr').length,\n\
                 implied: document.querySelector('[data-implied-for=c]').textContent,\n\
                 title: document.title};",
    );
    assert_eq!(found["pwned"], Value::Null);
    assert_eq!(found["images"], 0);
    assert_eq!(found["rows"], 1);
    assert_eq!(
        found["implied"],
        format!("(implied by F {})", h.replace("\\\"", "\""))
    );
    assert!(found["title"].as_str().unwrap().contains("<script>"));
}
