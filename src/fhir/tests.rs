use super::*;
use crate::bundle;
use crate::source::Sources;

const BACK: &str = "ruleset back \"Back pain\" version \"2.1.0\"\n\
condition sciatica \"Sciatica\"\ncondition acute \"Acute\"\nmeasure age \"Age\" range 0..120\n\
category stretching \"Stretching\"\nexercise hamstring_stretch \"Hamstring stretch\" in stretching\n\
exercise walking \"Walking\"\nexercise plank\n\
source guide \"A guide\" url \"https://example.org/guide\"\n\
rule no_stretch: if sciatica and not (acute or age > 70) then avoid stretching\n\
  because \"Stretching can irritate the nerve.\" cite guide evidence moderate strength strong\n\
  reviewed 2024-03-07\n\
rule walk: if age >= 65 then recommend walking 20..30 min 2 times per day cite guide\n\
  evidence expert_opinion strength conditional reviewed 2025-01-02\n\
rule planks: recommend plank 10 reps reviewed 2025-01-02\n";

fn export_of(text: &str) -> (Bundle, Value) {
    let sources = Sources::single("back.carel", text);
    let c = crate::compile(&sources);
    assert!(!c.has_errors(), "{:?}", c.diagnostics);
    let b = bundle::build(&c.model.unwrap(), &c.analysis.unwrap(), &sources);
    let v = export(&b).value;
    (b, v)
}

fn resources<'v>(v: &'v Value, kind: &str) -> Vec<&'v Value> {
    v["entry"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["resource"])
        .filter(|r| r["resourceType"] == kind)
        .collect()
}

#[test]
fn one_plan_with_one_action_per_rule() {
    let (b, v) = export_of(BACK);
    assert_eq!(v["resourceType"], "Bundle");
    assert_eq!(v["type"], "collection");
    let plans = resources(&v, "PlanDefinition");
    assert_eq!(plans.len(), 1);
    let p = plans[0];
    assert_eq!(p["type"]["coding"][0]["code"], "eca-rule");
    assert_eq!(p["version"], "2.1.0");
    assert_eq!(p["status"], "active");
    assert_eq!(p["name"], "Back");
    // The oldest review date: every rule was reviewed on it or later.
    assert_eq!(p["lastReviewDate"], "2024-03-07");
    assert_eq!(p["identifier"][0]["value"], b.digest.as_str());
    assert_eq!(digest_of_export(&v).as_deref(), Some(b.digest.as_str()));
    let actions = p["action"].as_array().unwrap();
    let ids: Vec<&str> = actions.iter().map(|a| a["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["no_stretch", "walk", "planks"]);
    let a = &actions[0];
    assert_eq!(
        a["condition"][0]["expression"]["expression"],
        "sciatica and not (acute or age > 70)"
    );
    assert_eq!(a["condition"][0]["kind"], "applicability");
    assert_eq!(
        a["textEquivalent"],
        "If Sciatica and not (Acute or Age > 70): avoid Stretching."
    );
    assert_eq!(a["code"][0]["coding"][0]["code"], "avoid");
    assert_eq!(a["documentation"][0]["url"], "https://example.org/guide");
    assert_eq!(
        a["extension"][0]["valueCodeableConcept"]["coding"][0]["code"],
        "strong"
    );
    assert_eq!(
        a["extension"][1]["valueCodeableConcept"]["coding"][0]["code"],
        "moderate"
    );
    // Expert opinion has no GRADE code: words only.
    let walk = &actions[1];
    assert_eq!(
        walk["extension"][0]["valueCodeableConcept"]["coding"][0]["code"],
        "weak"
    );
    assert_eq!(
        walk["extension"][1]["valueCodeableConcept"],
        json!({"text": "expert opinion"})
    );
    assert_eq!(
        actions[2]["condition"][0]["expression"]["expression"],
        "always"
    );
}

#[test]
fn avoid_points_at_a_do_not_perform_activity_and_doses_become_timing() {
    let (_, v) = export_of(BACK);
    let acts = resources(&v, "ActivityDefinition");
    let by_id = |id: &str| {
        *acts
            .iter()
            .find(|a| a["id"] == id)
            .unwrap_or_else(|| panic!("no {id}"))
    };
    let avoid = by_id("avoid-hamstring-stretch");
    assert_eq!(avoid["doNotPerform"], true);
    let plan = resources(&v, "PlanDefinition")[0];
    assert_eq!(
        plan["action"][0]["action"][0]["definitionCanonical"],
        avoid["url"]
    );
    assert!(by_id("exercise-walking").get("doNotPerform").is_none());
    let dosed = by_id("dose-walk-walking");
    assert_eq!(
        dosed["timingTiming"]["repeat"],
        json!({"duration": 20.0, "durationMax": 30.0, "durationUnit": "min",
               "frequency": 2, "period": 1, "periodUnit": "d"})
    );
    assert_eq!(
        dosed["timingTiming"]["code"]["text"],
        "20..30 min 2 times per day"
    );
    assert_eq!(
        plan["action"][1]["action"][0]["definitionCanonical"],
        dosed["url"]
    );
    let reps = by_id("dose-planks-plank");
    assert_eq!(reps["quantity"]["value"], 10.0);
    assert_eq!(reps["quantity"]["code"], "{repetitions}");
    // Every canonical reference resolves to an entry of the Bundle.
    let urls: Vec<&Value> = v["entry"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["fullUrl"])
        .collect();
    for a in plan["action"].as_array().unwrap() {
        for s in a["action"].as_array().unwrap() {
            assert!(urls.contains(&&s["definitionCanonical"]));
        }
    }
}

#[test]
fn the_export_is_deterministic_and_changes_with_the_rules() {
    let (_, a) = export_of(BACK);
    let (_, b) = export_of(BACK);
    assert_eq!(a, b);
    let (_, c) = export_of(&BACK.replace("age > 70", "age > 75"));
    assert_ne!(a["entry"][0]["fullUrl"], c["entry"][0]["fullUrl"]);
}

#[test]
fn fhir_ids_are_valid() {
    assert_eq!(fhir_id("hamstring_stretch"), "hamstring-stretch");
    let long = "a".repeat(100);
    let id = fhir_id(&long);
    assert!(id.len() <= 64, "{id}");
    assert_ne!(fhir_id(&"a".repeat(99)), id);
    assert_eq!(computable_name("lower_back_pain"), "LowerBackPain");
    assert_eq!(computable_name("2x"), "R2x");
}

#[test]
fn condition_text_keeps_grouping() {
    let w = When::Any(vec![
        When::All(vec![When::Fact("a".into()), When::Fact("b".into())]),
        When::Not(Box::new(When::In {
            measure: "age".into(),
            min: 18.0,
            max: 65.5,
        })),
    ]);
    assert_eq!(when_text(&w), "(a and b) or not age in 18..65.5");
}
