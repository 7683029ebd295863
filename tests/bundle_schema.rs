//! `docs/bundle.schema.json` against the bundles `carel build` writes: every bundle validates,
//! the schema is strict (it rejects what loading rejects), and it is not stale — it names
//! exactly the keys a bundle holds, all required.

use std::collections::BTreeSet;

use carel::analysis::{Analysis, Conflict, ConflictKind};
use carel::bundle;
use carel::model::Patient;
use carel::source::Sources;
use serde_json::{Value, json};

fn schema() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/bundle.schema.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn validator() -> jsonschema::Validator {
    jsonschema::validator_for(&schema()).unwrap()
}

fn errors(v: &jsonschema::Validator, instance: &Value) -> Vec<String> {
    v.iter_errors(instance)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect()
}

/// A ruleset using every part of the format.
const FULL: &str = r#"ruleset full "Every part of a bundle" version "3.0.0"
condition sciatica "Sciatica" code "http://snomed.info/sct|23056005"
condition disc implies sciatica excludes nonspecific
condition nonspecific
factor acute "Acute"
factor chronic
factor sedentary implies acute
exclusive stage "Stage": acute, chronic
measure age "Age" unit "years" range 0..120 code "age"
measure pain range 0..10
category stretching "Stretching"
category gentle in stretching
exercise hamstring_stretch "Hamstring stretch" in stretching
exercise cat_cow in gentle
exercise walking
source guide "Guide" url "https://example.org/guide"
source other "Other"
rule no_stretch:
  if sciatica or (pain in 7..10 and not acute) unless age < 18
  then avoid stretching
  because "It irritates the nerve."
  cite guide, other
  evidence moderate
  strength strong
  reviewed 2026-01-31
  status draft
rule walk: if disc then recommend walking 10..20 min every 3 h overrides no_stretch cite guide
rule walk_more: if age != 40 then recommend walking 30 min 2..3 times per day cite guide
rule weekly:
  if chronic then consider walking at least 150 min per week in bouts of at least 10 min
    building up to 300 min per week
  cite guide
rule gentle_ok: consider cat_cow 10 reps cite guide
rule see_first:
  if sedentary or nonspecific then refer stretching except cat_cow
  prevails
  stop if "the pain spreads below the knee"
  cite guide "When shouldn't you exercise?", other
rule old: if acute then avoid walking status retired cite guide
"#;

fn full_bundle() -> bundle::Bundle {
    let sources = Sources::single("full.carel", FULL);
    let c = carel::compile(&sources);
    assert!(
        !c.has_errors(),
        "{}",
        carel::diagnostic::render::human_string(&sources, &c.diagnostics)
    );
    let model = c.model.unwrap();
    let conflict = |kind, rules, resolved_by| Conflict {
        kind,
        rules,
        exercises: vec![1, 0],
        witness: Patient {
            facts: vec![0, 3],
            measures: vec![(0, 18.0), (1, 7.5)],
        },
        resolved_by,
    };
    let analysis = Analysis {
        conflicts: vec![
            conflict(ConflictKind::Contradiction, [0, 1], Some(1)),
            conflict(ConflictKind::Tension, [0, 2], None),
            conflict(ConflictKind::DoseMismatch, [1, 2], None),
        ],
    };
    bundle::build(&model, &analysis, &sources)
}

fn json_of(b: &bundle::Bundle) -> Value {
    serde_json::to_value(b).unwrap()
}

#[test]
fn the_schema_is_valid_json_schema() {
    jsonschema::meta::validate(&schema()).unwrap();
}

#[test]
fn built_bundles_validate() {
    let v = validator();
    let full = json_of(&full_bundle());
    assert_eq!(errors(&v, &full), Vec::<String>::new());
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/conformance");
    let mut seen = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.to_string_lossy().ends_with(".bundle.json") {
            let instance: Value =
                serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
            assert_eq!(
                errors(&v, &instance),
                Vec::<String>::new(),
                "{}",
                path.display()
            );
            seen += 1;
        }
    }
    assert!(seen >= 5);
}

#[test]
fn the_deepest_condition_validates() {
    // Deep recursion in the validator: give it a roomy stack.
    std::thread::Builder::new()
        .stack_size(64 << 20)
        .spawn(|| {
            let depth = carel::syntax::MAX_NESTING;
            let cond = format!("{}b{}", "not (a or b and ".repeat(depth), ")".repeat(depth));
            let text = format!("condition a\ncondition b\nexercise x\nsource s \"s\"\nrule deep: if a unless {cond} then avoid x cite s\n");
            let sources = Sources::single("deep.carel", text);
            let c = carel::compile(&sources);
            let b = bundle::build(&c.model.unwrap(), &c.analysis.unwrap(), &sources);
            assert_eq!(errors(&validator(), &json_of(&b)), Vec::<String>::new());
        })
        .unwrap()
        .join()
        .unwrap();
}

#[test]
fn the_schema_rejects_what_loading_rejects() {
    let v = validator();
    let base = json_of(&full_bundle());
    type Edit = Box<dyn Fn(&mut Value)>;
    let cases: Vec<(&str, Edit)> = vec![
        (
            "a missing null",
            Box::new(|b| {
                b["rules"][1].as_object_mut().unwrap().remove("because");
            }),
        ),
        (
            "an unknown key",
            Box::new(|b| b["vocabulary"]["measures"][0]["colour"] = json!("red")),
        ),
        (
            "an unknown action",
            Box::new(|b| b["rules"][0]["action"] = json!("forbid")),
        ),
        (
            "two forms in one when",
            Box::new(|b| b["rules"][0]["when"] = json!({"fact": "disc", "not": {"fact": "acute"}})),
        ),
        (
            "always false",
            Box::new(|b| b["rules"][0]["when"] = json!({"always": false})),
        ),
        (
            "an unknown comparison",
            Box::new(|b| b["rules"][0]["when"] = json!({"measure": "age", "op": "=>", "value": 1})),
        ),
        (
            "a retired rule",
            Box::new(|b| b["rules"][0]["status"] = json!("retired")),
        ),
        (
            "an unresolved contradiction",
            Box::new(|b| b["conflicts"][0]["resolved_by"] = Value::Null),
        ),
        (
            "a short digest",
            Box::new(|b| b["digest"] = json!("sha256:abc")),
        ),
        (
            "another version",
            Box::new(|b| b["format_version"] = json!(3)),
        ),
        (
            "a bad frequency",
            Box::new(|b| b["rules"][1]["dose"]["frequency"] = json!({"per": "week"})),
        ),
        (
            "a capitalised id",
            Box::new(|b| b["vocabulary"]["conditions"][0]["id"] = json!("Sciatica")),
        ),
        (
            "a witness value of the wrong type",
            Box::new(|b| b["conflicts"][0]["witness"]["measures"]["age"] = json!("18")),
        ),
    ];
    for (what, edit) in cases {
        let mut instance = base.clone();
        edit(&mut instance);
        assert!(!v.is_valid(&instance), "the schema accepts {what}");
    }
}

/// Every key the schema declares for an object.
fn schema_keys(node: &Value, out: &mut BTreeSet<String>) {
    match node {
        Value::Object(map) => {
            if let Some(Value::Object(props)) = map.get("properties") {
                out.extend(props.keys().cloned());
            }
            for (k, v) in map {
                // `if`/`then` only restate keys declared elsewhere.
                if k != "if" && k != "then" {
                    schema_keys(v, out);
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|i| schema_keys(i, out)),
        _ => {}
    }
}

/// Every key of every object in a bundle, except the measure ids of witnesses.
fn bundle_keys(node: &Value, out: &mut BTreeSet<String>) {
    match node {
        Value::Object(map) => {
            for (k, v) in map {
                out.insert(k.clone());
                if k == "witness" {
                    out.extend(["facts".to_string(), "measures".to_string()]);
                    continue;
                }
                bundle_keys(v, out);
            }
        }
        Value::Array(items) => items.iter().for_each(|i| bundle_keys(i, out)),
        _ => {}
    }
}

/// Every object schema lists all its keys as required and allows no others.
fn check_strict(node: &Value, path: &str, problems: &mut Vec<String>) {
    match node {
        Value::Object(map) => {
            if let Some(Value::Object(props)) = map.get("properties")
                && map.contains_key("type")
            {
                let required: BTreeSet<&str> = map
                    .get("required")
                    .and_then(Value::as_array)
                    .map(|r| r.iter().filter_map(Value::as_str).collect())
                    .unwrap_or_default();
                let declared: BTreeSet<&str> = props.keys().map(String::as_str).collect();
                if required != declared {
                    problems.push(format!(
                        "{path}: required {required:?} is not every key {declared:?}"
                    ));
                }
                if map.get("additionalProperties") != Some(&Value::Bool(false)) {
                    problems.push(format!("{path}: other keys are allowed"));
                }
            }
            for (k, v) in map {
                check_strict(v, &format!("{path}/{k}"), problems);
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                check_strict(item, &format!("{path}/{i}"), problems);
            }
        }
        _ => {}
    }
}

#[test]
fn the_schema_is_not_stale() {
    let schema = schema();
    let mut problems = Vec::new();
    check_strict(&schema, "#", &mut problems);
    assert_eq!(problems, Vec::<String>::new());
    // Strict objects and a passing full bundle mean no key is missing from the schema; this
    // makes sure the schema names no key a bundle no longer has.
    let mut declared = BTreeSet::new();
    schema_keys(&schema, &mut declared);
    let mut emitted = BTreeSet::new();
    bundle_keys(&json_of(&full_bundle()), &mut emitted);
    assert_eq!(declared, emitted);
}
