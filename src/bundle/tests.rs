//! Bundle tests: what `build` emits, the canonical form and digest, and what loading refuses.

use super::*;
use crate::analysis::{Conflict as ModelConflict, ConflictKind};
use crate::model::Patient;
use serde_json::{Value, json};

pub(crate) const BACK: &str = r#"ruleset lower_back_pain "Exercise advice for lower back pain" version "1.0.0"

condition sciatica "Sciatica"
condition herniated_disc "Herniated or bulging lumbar disc"
condition facet_syndrome
factor acute "Pain for days, not weeks"
factor chronic "Pain for three months or more"
exclusive stage "Stage of the episode": acute, chronic
measure age "Age" unit "years" range 0..120
measure pain "Pain score (NRS)" range 0..10
measure temp unit "C" range 34.5..42

category stretching "Stretching"
category extension
category core "Core stability" in strengthening
category strengthening "Strengthening"
exercise hamstring_stretch "Hamstring stretch" in stretching
exercise prone_press_up "Prone press-up" in extension
exercise walking "Walking"
exercise leg_lift "Leg lift" in core
exercise bridge in core, stretching
source seed000 "Exercises For Lower Back Pain (web article)" url "https://example.org/back"
source seed001 "Another article"

rule sciatica_no_stretch:
  if sciatica then avoid stretching
  because "Stretching can irritate the sciatic nerve."
  cite seed000

rule disc_extension:
  if herniated_disc unless facet_syndrome
  then recommend extension
  because "A herniated disc may improve with extension exercises."
  cite seed000, seed001
  evidence low
  strength conditional
  reviewed 2026-03-01
  status draft
  overrides old_rule

rule keep_moving: recommend walking 10..20 min every 3 h cite seed000
rule weekly: if not sciatica then recommend strengthening 150 min per week cite seed000
rule old_rule: if acute then avoid prone_press_up status retired cite seed000
if pain in 7..10 and age >= 65 or temp > 38.5 then caution walking, leg_lift 10 reps 2..3 times per day cite seed001
"#;

pub(crate) fn compile_text(text: &str) -> (Model, Analysis, Sources) {
    let sources = Sources::single("back.carel", text);
    let c = crate::compile(&sources);
    assert!(
        !c.has_errors(),
        "{}",
        crate::diagnostic::render::human_string(&sources, &c.diagnostics)
    );
    (
        c.model.expect("a model"),
        c.analysis.expect("an analysis"),
        sources,
    )
}

pub(crate) fn bundle_of(text: &str) -> Bundle {
    let (model, analysis, sources) = compile_text(text);
    build(&model, &analysis, &sources)
}

fn value_of(b: &Bundle) -> Value {
    serde_json::from_str(&b.to_json()).unwrap()
}

#[test]
fn header_vocabulary_and_nulls() {
    let v = value_of(&bundle_of(BACK));
    assert_eq!(v["format"], "carel.bundle");
    assert_eq!(v["format_version"], 2);
    assert_eq!(
        v["compiler"],
        json!({"name": "carel", "version": env!("CARGO_PKG_VERSION")})
    );
    assert_eq!(
        v["ruleset"],
        json!({"name": "lower_back_pain", "title": "Exercise advice for lower back pain", "version": "1.0.0"})
    );
    assert_eq!(v["semantics"], SEMANTICS);
    let voc = &v["vocabulary"];
    assert_eq!(
        voc["conditions"],
        json!([
            {"id": "sciatica", "label": "Sciatica", "implies": [], "excludes": [], "codes": []},
            {"id": "herniated_disc", "label": "Herniated or bulging lumbar disc", "implies": [], "excludes": [], "codes": []},
            {"id": "facet_syndrome", "label": null, "implies": [], "excludes": [], "codes": []}
        ])
    );
    assert_eq!(
        voc["factors"][1],
        json!({"id": "chronic", "label": "Pain for three months or more", "implies": [], "excludes": [], "codes": []})
    );
    assert_eq!(
        voc["exclusive"],
        json!([{"id": "stage", "label": "Stage of the episode", "members": ["acute", "chronic"]}])
    );
    assert_eq!(
        voc["measures"],
        json!([
            {"id": "age", "label": "Age", "unit": "years", "min": 0, "max": 120, "codes": []},
            {"id": "pain", "label": "Pain score (NRS)", "unit": null, "min": 0, "max": 10, "codes": []},
            {"id": "temp", "label": null, "unit": "C", "min": 34.5, "max": 42, "codes": []}
        ])
    );
    assert_eq!(
        voc["categories"][2],
        json!({"id": "core", "label": "Core stability", "parents": ["strengthening"]})
    );
    assert_eq!(
        voc["categories"][1],
        json!({"id": "extension", "label": null, "parents": []})
    );
    assert_eq!(
        voc["exercises"][4],
        json!({"id": "bridge", "label": null, "categories": ["core", "stretching"]})
    );
    assert_eq!(
        voc["sources"],
        json!([
            {"id": "seed000", "text": "Exercises For Lower Back Pain (web article)", "url": "https://example.org/back"},
            {"id": "seed001", "text": "Another article", "url": null}
        ])
    );
    // Conflicts come from the analysis (see `conflicts_carry_names_witnesses_and_resolution`).
    let (_, analysis, _) = compile_text(BACK);
    assert_eq!(
        v["conflicts"].as_array().map(Vec::len),
        Some(analysis.conflicts.len())
    );
}

#[test]
fn rules_are_emitted_in_full_and_retired_ones_left_out() {
    let b = bundle_of(BACK);
    let ids: Vec<&str> = b.rules.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "sciatica_no_stretch",
            "disc_extension",
            "keep_moving",
            "weekly",
            "back_1"
        ]
    );
    let v = value_of(&b);
    assert_eq!(
        v["rules"][1],
        json!({
            "id": "disc_extension",
            "when": {"all": [{"fact": "herniated_disc"}, {"not": {"fact": "facet_syndrome"}}]},
            "action": "recommend",
            "targets": ["extension"],
            "except": [],
            "exercises": ["prone_press_up"],
            "prevails": false,
            "dose": null,
            "because": "A herniated disc may improve with extension exercises.",
            "stop_if": null,
            "cite": [{"source": "seed000", "locator": null}, {"source": "seed001", "locator": null}],
            "evidence": "low",
            "strength": "conditional",
            "status": "draft",
            "reviewed": "2026-03-01",
            // `old_rule` is retired: not in the bundle, and not named here either.
            "overrides": [],
            "location": {"file": "back.carel", "line": 30, "column": 1}
        })
    );
    // Categories expand to every exercise below them, sorted by id.
    assert_eq!(
        v["rules"][0]["exercises"],
        json!(["bridge", "hamstring_stretch"])
    );
    assert_eq!(v["rules"][3]["exercises"], json!(["bridge", "leg_lift"]));
    assert_eq!(v["rules"][2]["when"], json!({"always": true}));
    assert_eq!(
        v["rules"][2]["dose"],
        json!({"amount": {"min": 10, "max": 20, "unit": "min", "bound": "exactly"}, "frequency": {"every_hours": {"min": 3, "max": 3}}, "bouts": null, "progression": null})
    );
    assert_eq!(
        v["rules"][3]["dose"],
        json!({"amount": {"min": 150, "max": 150, "unit": "min", "bound": "exactly"}, "frequency": {"times": null, "per": "week"}, "bouts": null, "progression": null})
    );
    let anonymous = &v["rules"][4];
    assert_eq!(
        anonymous["when"],
        json!({"any": [
            {"all": [{"measure": "pain", "in": {"min": 7, "max": 10}}, {"measure": "age", "op": ">=", "value": 65}]},
            {"measure": "temp", "op": ">", "value": 38.5}
        ]})
    );
    assert_eq!(anonymous["targets"], json!(["walking", "leg_lift"]));
    assert_eq!(anonymous["exercises"], json!(["leg_lift", "walking"]));
    assert_eq!(
        anonymous["dose"],
        json!({"amount": {"min": 10, "max": 10, "unit": "reps", "bound": "exactly"}, "frequency": {"times": {"min": 2, "max": 3}, "per": "day"}, "bouts": null, "progression": null})
    );
    assert_eq!(
        anonymous["location"],
        json!({"file": "back.carel", "line": 44, "column": 1})
    );
    assert_eq!(
        b.rules[2].dose.as_ref().unwrap().to_text(),
        "10..20 min every 3 h"
    );
    assert_eq!(
        b.rules[4].dose.as_ref().unwrap().to_text(),
        "10 reps 2..3 times per day"
    );
    assert_eq!(
        b.rules[3].dose.as_ref().unwrap().to_text(),
        "150 min per week"
    );
    assert_eq!(
        b.rules[4].when.to_string(),
        "(pain in 7..10 and age >= 65) or temp > 38.5"
    );
}

#[test]
fn whole_numbers_print_without_fraction() {
    let text = bundle_of(BACK).to_json();
    assert!(text.contains("\"max\": 120,\n"), "{text}");
    assert!(text.contains("\"value\": 38.5\n"));
    assert!(!text.contains(".0,") && !text.contains(".0\n"));
}

#[test]
fn builds_are_byte_identical() {
    let a = bundle_of(BACK).to_json();
    let b = bundle_of(BACK).to_json();
    assert_eq!(a, b);
    assert!(a.ends_with("}\n"));
    // Rules are built in parallel: one thread gives the same bundle as several.
    let (model, analysis, sources) = compile_text(BACK);
    let on = |threads| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        pool.install(|| build(&model, &analysis, &sources).to_json())
    };
    assert_eq!(on(1), a);
    assert_eq!(on(4), a);
}

#[test]
fn digest_covers_the_canonical_form_without_itself() {
    let b = bundle_of(BACK);
    assert!(b.digest.starts_with("sha256:") && b.digest.len() == 7 + 64);
    let canonical = String::from_utf8(b.canonical_bytes()).unwrap();
    assert!(!canonical.contains("\"digest\""));
    assert!(
        canonical.starts_with("{\"compiler\":{\"name\":\"carel\",\"version\":"),
        "{canonical}"
    );
    assert_eq!(b.digest, canonical::digest(canonical.as_bytes()));
    // The canonical form of the written file, digest removed, is the same bytes.
    let mut v: Value = serde_json::from_str(&b.to_json()).unwrap();
    v.as_object_mut().unwrap().remove("digest");
    assert_eq!(canonical::to_vec(&v), canonical.as_bytes());
}

#[test]
fn digest_changes_with_content() {
    let base = bundle_of(BACK).digest;
    let label = bundle_of(&BACK.replace("\"Sciatica\"", "\"Sciatica (leg pain)\"")).digest;
    let threshold = bundle_of(&BACK.replace("age >= 65", "age >= 66")).digest;
    let action =
        bundle_of(&BACK.replace("then avoid stretching", "then caution stretching")).digest;
    let all = [&base, &label, &threshold, &action];
    for (i, a) in all.iter().enumerate() {
        for b in &all[i + 1..] {
            assert_ne!(a, b);
        }
    }
    // Spacing inside a line is not content; where a rule starts is (its location).
    let respaced = bundle_of(&BACK.replace(
        "then recommend extension",
        "then   recommend  extension # why",
    ));
    assert_eq!(respaced.digest, base);
    let moved = bundle_of(&format!("# a comment\n{BACK}"));
    assert_eq!(moved.rules[1].location.line, 31);
    assert_ne!(moved.digest, base);
}

#[test]
fn round_trip_through_json() {
    let b = bundle_of(BACK);
    let loaded = Bundle::from_json(&b.to_json()).unwrap();
    assert_eq!(loaded, b);
    assert_eq!(loaded.to_json(), b.to_json());
}

fn conflict(kind: ConflictKind, rules: [usize; 2], resolved_by: Option<usize>) -> ModelConflict {
    ModelConflict {
        kind,
        rules,
        exercises: vec![4, 1],
        witness: Patient {
            facts: vec![2, 0],
            measures: vec![(0, 65.0), (2, 38.6)],
        },
        resolved_by,
    }
}

#[test]
fn conflicts_carry_names_witnesses_and_resolution() {
    let (model, _, sources) = compile_text(BACK);
    let analysis = Analysis {
        conflicts: vec![
            conflict(ConflictKind::Contradiction, [0, 1], Some(1)),
            conflict(ConflictKind::Tension, [2, 5], None),
            conflict(ConflictKind::DoseMismatch, [2, 3], None),
        ],
    };
    let b = build(&model, &analysis, &sources);
    let v = value_of(&b);
    assert_eq!(
        v["conflicts"][0],
        json!({
            "kind": "contradiction",
            "rules": ["sciatica_no_stretch", "disc_extension"],
            "exercises": ["bridge", "prone_press_up"],
            "witness": {"facts": ["facet_syndrome", "sciatica"], "measures": {"age": 65, "temp": 38.6}},
            "resolved_by": "disc_extension"
        })
    );
    assert_eq!(v["conflicts"][1]["kind"], "tension");
    assert_eq!(v["conflicts"][1]["rules"], json!(["keep_moving", "back_1"]));
    assert_eq!(v["conflicts"][1]["resolved_by"], Value::Null);
    assert_eq!(v["conflicts"][2]["kind"], "dose_mismatch");
    // Rules and conflicts are written item by item; the bytes are those of the whole tree.
    let mut whole = v.clone();
    whole.as_object_mut().unwrap().remove("digest");
    assert_eq!(b.canonical_bytes(), canonical::to_vec(&whole));
    assert_eq!(Bundle::from_json(&b.to_json()).unwrap(), b);
    // A contradiction left standing never makes a loadable bundle.
    let analysis = Analysis {
        conflicts: vec![conflict(ConflictKind::Contradiction, [0, 1], None)],
    };
    let err = Bundle::from_json(&build(&model, &analysis, &sources).to_json()).unwrap_err();
    assert!(err.contains("unresolved contradiction"), "{err}");
}

/// Edit a bundle's JSON and give it a matching digest, so loading reaches the other checks.
fn resealed(b: &Bundle, edit: impl FnOnce(&mut Value)) -> String {
    let mut v = value_of(b);
    edit(&mut v);
    let mut content = v.clone();
    if let Some(m) = content.as_object_mut() {
        m.remove("digest");
    }
    if let Some(m) = v.as_object_mut() {
        m.insert(
            "digest".into(),
            Value::String(canonical::digest(&canonical::to_vec(&content))),
        );
    }
    serde_json::to_string(&v).unwrap()
}

fn refused(b: &Bundle, edit: impl FnOnce(&mut Value)) -> String {
    match Bundle::from_json(&resealed(b, edit)) {
        Ok(_) => panic!("the edited bundle was accepted"),
        Err(e) => e,
    }
}

#[test]
fn loading_refuses_other_formats_and_versions() {
    let b = bundle_of(BACK);
    assert_eq!(
        refused(&b, |v| v["format"] = json!("other")),
        "not a Carel bundle: `format` is \"other\", expected \"carel.bundle\""
    );
    let e = refused(&b, |v| v["format_version"] = json!(3));
    assert!(
        e.starts_with("bundle format version 3 is not supported"),
        "{e}"
    );
    assert_eq!(
        Bundle::from_json("[1]").unwrap_err(),
        "not a Carel bundle: expected a JSON object"
    );
    assert!(
        Bundle::from_json("{\"format\": ")
            .unwrap_err()
            .starts_with("not valid JSON")
    );
    assert!(
        Bundle::from_json("")
            .unwrap_err()
            .starts_with("not valid JSON")
    );
}

#[test]
fn loading_refuses_a_changed_bundle() {
    let b = bundle_of(BACK);
    let text = b
        .to_json()
        .replace("\"action\": \"avoid\"", "\"action\": \"recommend\"");
    let e = Bundle::from_json(&text).unwrap_err();
    assert!(
        e.starts_with("the bundle's digest does not match its content"),
        "{e}"
    );
    // Re-indenting is not a change: the digest covers the canonical form.
    let compact = serde_json::to_string(&value_of(&b)).unwrap();
    assert_eq!(Bundle::from_json(&compact).unwrap(), b);
}

#[test]
fn loading_refuses_missing_and_unknown_fields() {
    let b = bundle_of(BACK);
    let e = refused(&b, |v| {
        v["vocabulary"]["conditions"][2]
            .as_object_mut()
            .unwrap()
            .remove("label");
    });
    assert!(e.contains("missing field `label`"), "{e}");
    let e = refused(&b, |v| {
        v["rules"][0].as_object_mut().unwrap().remove("dose");
    });
    assert!(e.contains("missing field `dose`"), "{e}");
    let e = refused(&b, |v| v["rules"][0]["colour"] = json!("red"));
    assert!(e.contains("unknown field `colour`"), "{e}");
    let e = refused(&b, |v| v["rules"][0]["action"] = json!("forbid"));
    assert!(
        e.contains(
            "unknown action `forbid`: expected one of recommend, consider, caution, refer, avoid"
        ),
        "{e}"
    );
    let e = refused(&b, |v| {
        v["rules"][0]["when"] = json!({"fact": "sciatica", "not": {"fact": "acute"}})
    });
    assert!(
        e.contains("a `when` object must have exactly the keys of one form"),
        "{e}"
    );
    assert!(e.contains("(found: {fact, not})"), "{e}");
    let e = refused(&b, |v| {
        v["rules"][0]["when"] = json!({"measure": "age", "op": "=>", "value": 3})
    });
    assert!(e.contains("unknown comparison `=>`"), "{e}");
    let e = refused(&b, |v| v["rules"][0]["when"] = json!({"always": false}));
    assert!(e.contains("`always` can only be true"), "{e}");
    let e = refused(&b, |v| {
        v["rules"][2]["dose"]["frequency"] = json!({"per": "week"})
    });
    assert!(e.contains("a `frequency` object must be"), "{e}");
}

#[test]
fn loading_refuses_dangling_references() {
    let b = bundle_of(BACK);
    type Edit = Box<dyn FnOnce(&mut Value)>;
    let cases: Vec<(Edit, &str)> = vec![
        (
            Box::new(|v| v["rules"][0]["when"] = json!({"fact": "sciatca"})),
            "rule `sciatica_no_stretch`: `when` names `sciatca`, which is not a condition or factor of this bundle",
        ),
        (
            Box::new(|v| {
                v["rules"][0]["when"] = json!({"not": {"measure": "weight", "op": ">", "value": 3}})
            }),
            "rule `sciatica_no_stretch`: `when` names `weight`, which is not a measure of this bundle",
        ),
        (
            Box::new(|v| v["rules"][0]["overrides"] = json!(["old_rule"])),
            "rule `sciatica_no_stretch` overrides `old_rule`, which is not a rule of this bundle",
        ),
        (
            Box::new(|v| v["rules"][0]["cite"] = json!(["seed009"])),
            "rule `sciatica_no_stretch` cites `seed009`, which is not a source of this bundle",
        ),
        (
            Box::new(|v| v["rules"][0]["targets"] = json!(["running"])),
            "rule `sciatica_no_stretch` advises `running`, which is not an exercise or category of this bundle",
        ),
        (
            Box::new(|v| v["rules"][0]["exercises"] = json!(["hamstring_stretch"])),
            "rule `sciatica_no_stretch`: `exercises` must list the exercises of its targets minus those of `except`, sorted by id: [bridge, hamstring_stretch]",
        ),
        (
            Box::new(|v| v["vocabulary"]["exclusive"][0]["members"] = json!(["acute", "subacute"])),
            "exclusive group `stage` names `subacute`, which is not a condition or factor",
        ),
        (
            Box::new(|v| v["vocabulary"]["exercises"][0]["categories"] = json!(["stretches"])),
            "exercise `hamstring_stretch` is in `stretches`, which is not a category of this bundle",
        ),
        (
            Box::new(|v| v["vocabulary"]["factors"][0]["id"] = json!("sciatica")),
            "`sciatica` is declared twice among the bundle's conditions and factors",
        ),
        (
            Box::new(|v| v["vocabulary"]["measures"][0]["id"] = json!("acute")),
            "`acute` is both a fact and a measure",
        ),
        (
            Box::new(|v| v["rules"][1]["status"] = json!("retired")),
            "rule `disc_extension` is retired: retired rules are never part of a bundle",
        ),
    ];
    for (edit, want) in cases {
        assert_eq!(refused(&b, edit), want);
    }
}

#[test]
fn loading_refuses_cycles() {
    let b = bundle_of(BACK);
    let e = refused(&b, |v| {
        v["rules"][0]["overrides"] = json!(["keep_moving"]);
        v["rules"][2]["overrides"] = json!(["weekly"]);
        v["rules"][3]["overrides"] = json!(["sciatica_no_stretch"]);
    });
    assert_eq!(
        e,
        "the rules' `overrides` form a cycle: `sciatica_no_stretch` → `keep_moving` → `weekly` → `sciatica_no_stretch`"
    );
    let e = refused(&b, |v| {
        v["rules"][1]["overrides"] = json!(["disc_extension"])
    });
    assert_eq!(
        e,
        "the rules' `overrides` form a cycle: `disc_extension` → `disc_extension`"
    );
    let e = refused(&b, |v| {
        v["vocabulary"]["categories"][3]["parents"] = json!(["core"])
    });
    assert_eq!(
        e,
        "the categories form a cycle: `core` → `strengthening` → `core`"
    );
}

#[test]
fn long_override_chains_load_without_recursion() {
    // 20000 rules, each overriding the next: the cycle check must not recurse per rule.
    let mut b = bundle_of(
        "condition a\nexercise x\nsource s \"s\"\nrule r0: if a then recommend x cite s\n",
    );
    let template = b.rules[0].clone();
    b.rules = (0..20_000)
        .map(|i| Rule {
            id: format!("r{i}"),
            overrides: if i + 1 < 20_000 {
                vec![format!("r{}", i + 1)]
            } else {
                vec![]
            },
            ..template.clone()
        })
        .collect();
    b.digest = b.compute_digest();
    assert_eq!(Bundle::from_json(&b.to_json()).unwrap().rules.len(), 20_000);
    // The evaluator follows the whole chain: only the head's advice remains.
    let e = crate::eval::Evaluator::new(&b).unwrap();
    let outcome = e.evaluate(&e.parse_given("a").unwrap());
    assert_eq!(outcome.get("x").unwrap().rules, ["r0"]);
}

#[test]
fn hostile_nesting_is_refused_without_overflow() {
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let e = Bundle::from_json(&deep).unwrap_err();
    assert_eq!(
        e,
        "not a Carel bundle: it nests deeper than 512 levels (at line 1 column 513)"
    );
    // Brackets inside strings do not count.
    assert!(
        Bundle::from_json(&format!("{{\"format\": \"{}\"}}", "[".repeat(1000)))
            .unwrap_err()
            .contains("`format` is")
    );
    // Just inside the limit, a deep `when` parses and is checked on a test thread's stack.
    let b = bundle_of(BACK);
    let before = b.to_json().matches("\"not\"").count();
    let mut when = json!({"fact": "sciatica"});
    for _ in 0..MAX_NESTING_FOR_TEST {
        when = json!({"not": when});
    }
    let text = resealed(&b, |v| v["rules"][0]["when"] = when);
    let loaded = Bundle::from_json(&text).unwrap();
    assert!(matches!(loaded.rules[0].when, When::Not(_)));
    // Writing, evaluating and dropping it work on this thread's small stack.
    assert_eq!(
        loaded.to_json().matches("\"not\"").count(),
        before + MAX_NESTING_FOR_TEST
    );
    let evaluator = crate::eval::Evaluator::new(&loaded).unwrap();
    let outcome = evaluator.evaluate(&evaluator.parse_given("sciatica").unwrap());
    assert_eq!(outcome.action("bridge"), Some(Action::Avoid));
    drop(loaded);
    // Same depth, but broken at the bottom: a clean error, not a crash.
    let broken = text.replace(
        "{\"fact\":\"sciatica\"}",
        "{\"fact\":\"sciatica\",\"op\":1}",
    );
    assert!(Bundle::from_json(&broken).is_err());
}

/// `when` nodes a bundle may hold: 512 levels minus the levels above `when` (bundle object,
/// `rules` array, rule object) and the digest's `resealed` wrapper needs none.
const MAX_NESTING_FOR_TEST: usize = load::MAX_DEPTH - 4;

#[test]
fn deepest_condition_the_parser_accepts_builds_a_loadable_bundle() {
    let depth = crate::syntax::MAX_NESTING;
    let mut cond = String::new();
    for _ in 0..depth {
        cond.push_str("not (a or b and ");
    }
    cond.push('b');
    cond.push_str(&")".repeat(depth));
    let text = format!(
        "condition a\ncondition b\nexercise x\nsource s \"s\"\nrule deep: if a unless {cond} then avoid x cite s\n"
    );
    let b = bundle_of(&text);
    let loaded = Bundle::from_json(&b.to_json()).unwrap();
    assert_eq!(loaded, b);
    fn levels_of(v: &Value) -> usize {
        match v {
            Value::Array(xs) => 1 + xs.iter().map(levels_of).max().unwrap_or(0),
            Value::Object(m) => 1 + m.values().map(levels_of).max().unwrap_or(0),
            _ => 0,
        }
    }
    let levels = levels_of(&serde_json::to_value(&b).unwrap());
    // docs/bundle.md promises apps fewer than 200 levels.
    assert!(
        levels > 128 && levels < 200 && levels <= load::MAX_DEPTH,
        "{levels}"
    );
}

#[test]
fn once_a_day_or_week_reads_daily_or_weekly() {
    let b = bundle_of(
        "exercise a\nexercise b\nexercise c\n\
         rule r1: recommend a daily\nrule r2: recommend b 1 times per week\n\
         rule r3: recommend c 2 times per day\n",
    );
    let text = |i: usize| b.rules[i].dose.as_ref().unwrap().to_text();
    assert_eq!(text(0), "daily");
    assert_eq!(text(1), "weekly");
    assert_eq!(text(2), "2 times per day");
}

/// Every text the tests above load or refuse, read both ways: the one-pass reading and the
/// reference reading through a value tree give the same bundle or the same message.
#[test]
fn the_one_pass_and_the_reference_reading_agree() {
    let b = bundle_of(BACK);
    let texts = [
        b.to_json(),
        serde_json::to_string(&value_of(&b)).unwrap(),
        b.to_json()
            .replace("\"action\": \"avoid\"", "\"action\": \"recommend\""),
        resealed(&b, |v| v["format"] = json!("other")),
        resealed(&b, |v| v["format_version"] = json!(3)),
        resealed(&b, |v| v["rules"][0]["cite"] = json!(["seed009"])),
        resealed(&b, |v| v["rules"][0]["surprise"] = json!(1)),
        resealed(&b, |v| {
            v["rules"][0].as_object_mut().unwrap().remove("targets");
        }),
        "[1]".to_string(),
        "{\"format\": ".to_string(),
        String::new(),
    ];
    for text in texts {
        assert_eq!(
            Bundle::from_json(&text),
            super::load::read_slowly(&text),
            "{text}"
        );
    }
}

/// The digest covers the text as written: leaving out a key whose value is the default (as a
/// version-1 bundle does) reads to the same bundle, but is a change all the same.
#[test]
fn a_key_left_out_is_a_change_even_when_it_reads_the_same() {
    let b = bundle_of(BACK);
    let text = b.to_json();
    assert!(text.contains("\"except\": [],\n"));
    let without = text.replacen("      \"except\": [],\n", "", 1);
    let e = Bundle::from_json(&without).unwrap_err();
    assert!(
        e.starts_with("the bundle's digest does not match its content"),
        "{e}"
    );
    assert_eq!(Err(e), super::load::read_slowly(&without));
}

/// Large lists are written and hashed in parallel pieces, several windows of them: the bytes
/// are those of writing the whole bundle at once, whatever the number of threads.
#[test]
fn large_bundles_write_and_hash_as_one_piece() {
    let mut b = bundle_of(BACK);
    let n = b.rules.len();
    let rules = 5000;
    assert!(rules > 10 * canonical::CHUNK * canonical::WINDOW);
    b.rules = (0..rules)
        .map(|i| {
            let mut r = b.rules[i % n].clone();
            r.id = format!("r{i}");
            r
        })
        .collect();
    b.conflicts = (0..3000)
        .map(|i| Conflict {
            kind: ConflictKind::Tension,
            rules: [format!("r{i}"), format!("r{}", i + 1)],
            exercises: vec!["walking".to_string()],
            witness: Witness::default(),
            resolved_by: None,
        })
        .collect();
    let mut pretty = serde_json::to_string_pretty(&b).unwrap();
    pretty.push('\n');
    let mut v: Value = serde_json::from_str(&pretty).unwrap();
    v.as_object_mut().unwrap().remove("digest");
    let canonical = canonical::to_vec(&v);
    let digest = canonical::digest(&canonical);
    for threads in [1, 4] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        pool.install(|| {
            assert!(b.to_json() == pretty, "pretty text on {threads} thread(s)");
            assert!(
                b.canonical_bytes() == canonical,
                "canonical form on {threads} thread(s)"
            );
            assert_eq!(b.compute_digest(), digest, "{threads} thread(s)");
        });
    }
    // Empty lists are written `[]`, as serde_json writes them.
    b.rules.clear();
    b.conflicts.clear();
    let mut pretty = serde_json::to_string_pretty(&b).unwrap();
    pretty.push('\n');
    assert_eq!(b.to_json(), pretty);
}

/// Rules are checked in parallel, and the first failing rule in bundle order is reported.
#[test]
fn the_first_failing_rule_is_reported() {
    let b = bundle_of(BACK);
    let first = b.rules[1].id.clone();
    let e = refused(&b, |v| {
        v["rules"][3]["targets"] = json!([]);
        v["rules"][1]["cite"] = json!([{"source": "nowhere", "locator": null}]);
        v["rules"][2]["location"]["line"] = json!(0);
    });
    assert_eq!(
        e,
        format!("rule `{first}` cites `nowhere`, which is not a source of this bundle")
    );
}

/// A bundle loaded as valid is the bundle `from_json` reads, and evaluates as after a check;
/// a bundle changed in memory is checked again before it is known valid.
#[test]
fn a_loaded_bundle_is_known_valid() {
    let b = bundle_of(BACK);
    let text = b.to_json();
    let valid = Bundle::load(&text).unwrap();
    assert_eq!(*valid, Bundle::from_json(&text).unwrap());
    let given = crate::eval::Patient {
        facts: ["sciatica".to_string()].into(),
        ..Default::default()
    };
    assert_eq!(
        crate::eval::Evaluator::of_valid(&valid).evaluate(&given),
        crate::eval::Evaluator::new(&b).unwrap().evaluate(&given)
    );
    let mut changed = valid.into_bundle();
    changed.rules[0].targets.clear();
    let id = changed.rules[0].id.clone();
    assert_eq!(
        ValidBundle::check(changed).unwrap_err(),
        format!("rule `{id}` has no targets")
    );
    assert_eq!(
        Bundle::load("{}").unwrap_err(),
        Bundle::from_json("{}").unwrap_err()
    );
}
