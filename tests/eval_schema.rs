//! `docs/eval.schema.json` against what `carel eval --unknown … --format json` prints: every
//! output validates, the schema is strict (unknown keys, a wrong advice or status are refused)
//! and not stale (it requires exactly the keys an output holds).

use carel::analysis::Analysis;
use carel::bundle;
use carel::partial::PartialEvaluator;
use carel::source::Sources;
use serde_json::Value;

fn validator() -> jsonschema::Validator {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/eval.schema.json");
    let schema: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    jsonschema::validator_for(&schema).unwrap()
}

const BACK: &str = "condition sciatica \"Sciatica\"\ncondition herniated_disc\ncondition facet_syndrome\n\
factor acute\nfactor chronic\nexclusive stage: acute, chronic\nmeasure age range 0..120\n\
category stretching\ncategory extension\nexercise hamstring_stretch in stretching\n\
exercise prone_press_up in extension\nexercise walking\nsource guide \"Guide\"\n\
rule sciatica_no_stretch: if sciatica then avoid hamstring_stretch cite guide\n\
rule disc_extension: if herniated_disc unless facet_syndrome then recommend extension cite guide\n\
rule facet_caution: if facet_syndrome or acute then caution extension overrides disc_extension cite guide\n\
rule keep_moving: recommend walking 10..20 min every 3 h cite guide\n\
rule older: if age >= 65 then caution walking cite guide\n";

fn outputs() -> Vec<Value> {
    let sources = Sources::single("back.carel", BACK);
    let c = carel::compile(&sources);
    let b = bundle::build(&c.model.unwrap(), &Analysis::default(), &sources);
    let p = PartialEvaluator::new(&b).unwrap();
    let mut out = Vec::new();
    for (given, not, unknown) in [
        ("chronic", "", Some("all")),
        ("", "sciatica", Some("all")),
        ("herniated_disc, age=70", "", Some("facet_syndrome")),
        ("", "", Some("")),
        ("acute", "", None),
    ] {
        let k = p.parse_knowledge(given, not, unknown).unwrap();
        let text = p.evaluate(&k).unwrap().to_json(&b);
        out.push(serde_json::from_str(&text).unwrap());
    }
    out
}

#[test]
fn every_output_validates() {
    let v = validator();
    for o in outputs() {
        let errors: Vec<String> = v.iter_errors(&o).map(|e| e.to_string()).collect();
        assert!(errors.is_empty(), "{errors:?}\n{o:#}");
    }
}

#[test]
fn the_schema_is_strict() {
    let v = validator();
    let o = outputs().remove(0);
    let mut extra = o.clone();
    extra["exercises"][0]["note"] = Value::from("x");
    assert!(!v.is_valid(&extra));
    let mut advice = o.clone();
    advice["exercises"][0]["possible"][0]["advice"] = Value::from("maybe");
    assert!(!v.is_valid(&advice));
    let mut status = o.clone();
    status["exercises"][0]["status"] = Value::from("unsure");
    assert!(!v.is_valid(&status));
    let mut missing = o;
    missing["ask_next"][0]
        .as_object_mut()
        .unwrap()
        .remove("kind");
    assert!(!v.is_valid(&missing));
}

/// Every object of the schema requires exactly the keys it lists; every output object has
/// exactly the keys its schema lists.
#[test]
fn the_schema_names_exactly_the_keys_of_the_output() {
    fn walk(schema: &Value, value: &Value, at: &str) {
        if let Some(props) = schema.get("properties").and_then(Value::as_object) {
            let listed: Vec<&String> = props.keys().collect();
            let required: Vec<&str> = schema["required"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r.as_str().unwrap())
                .collect();
            assert_eq!(listed.len(), required.len(), "{at}: every key is required");
            let obj = value.as_object().unwrap();
            let mut keys: Vec<&String> = obj.keys().collect();
            keys.sort();
            let mut listed_sorted = listed.clone();
            listed_sorted.sort();
            assert_eq!(keys, listed_sorted, "{at}");
            for (k, s) in props {
                walk(s, &obj[k], &format!("{at}.{k}"));
            }
        } else if let Some(items) = schema.get("items") {
            for (i, item) in value.as_array().unwrap().iter().enumerate() {
                walk(items, item, &format!("{at}[{i}]"));
            }
        }
    }
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/eval.schema.json");
    let schema: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    for o in outputs() {
        walk(&schema, &o, "$");
    }
}
