//! Partial evaluation, case by case: possible values, witnesses, what advice depends on, the
//! ask-next order, values that follow from what is known, and refusals.

use super::*;
use crate::bundle::tests::bundle_of;

const HEAD: &str = "condition a\ncondition b\ncondition c\nfactor acute\nfactor chronic\n\
exclusive stage: acute, chronic\nmeasure age range 0..120\n\
category stretching\nexercise x in stretching\nexercise y in stretching\nexercise z\n\
source s \"s\"\n";

fn run(rules: &str, given: &str, not: &str, unknown: Option<&str>) -> PartialOutcome {
    let b = bundle_of(&format!("{HEAD}{rules}"));
    let p = PartialEvaluator::new(&b).unwrap();
    let k = p.parse_knowledge(given, not, unknown).unwrap();
    p.evaluate(&k).unwrap()
}

fn refused(rules: &str, given: &str, not: &str, unknown: Option<&str>) -> String {
    let b = bundle_of(&format!("{HEAD}{rules}"));
    let p = PartialEvaluator::new(&b).unwrap();
    match p.parse_knowledge(given, not, unknown) {
        Err(e) => e,
        Ok(k) => p.evaluate(&k).expect_err("refused"),
    }
}

/// `value if assumed facts/measures` for each possible value of an exercise.
fn values(o: &PartialOutcome, exercise: &str) -> Vec<String> {
    o.get(exercise)
        .unwrap()
        .possible
        .iter()
        .map(|p| {
            let v = p.advice.map_or("none", Action::as_str);
            let mut assumed: Vec<String> = p.assumes.facts.iter().cloned().collect();
            assumed.extend(p.assumes.measures.iter().map(|(m, v)| format!("{m}={v}")));
            if assumed.is_empty() {
                v.to_string()
            } else {
                format!("{v} if {}", assumed.join("+"))
            }
        })
        .collect()
}

fn depends(o: &PartialOutcome, exercise: &str) -> Vec<String> {
    o.get(exercise).unwrap().depends_on.clone()
}

fn asks(o: &PartialOutcome) -> Vec<String> {
    o.ask_next
        .iter()
        .map(|a| format!("{}:{}", a.name, a.exercises.len()))
        .collect()
}

const RULES: &str = "rule r1: if a then avoid x cite s overrides r2\n\
rule r2: recommend stretching cite s\n\
rule r3: if b and age >= 65 then caution y cite s\n\
rule r4: if acute then consider z cite s\n";

#[test]
fn nothing_unknown_is_plain_evaluation() {
    let o = run(RULES, "a", "", None);
    assert_eq!(values(&o, "x"), ["avoid"]);
    assert_eq!(values(&o, "y"), ["recommend"]);
    assert_eq!(values(&o, "z"), ["none"]);
    assert!(o.exercises.iter().all(|e| e.status == Status::Settled));
    assert!(o.ask_next.is_empty());
    let x = o.get("x").unwrap();
    assert_eq!(x.possible[0].trace.as_ref().unwrap().rules, ["r1"]);
    assert_eq!(x.possible[0].witness.facts, ["a".to_string()].into());
}

#[test]
fn unknown_facts_give_every_possible_value_with_a_witness() {
    let o = run(RULES, "", "", Some("a, b, age"));
    assert_eq!(values(&o, "x"), ["avoid if a", "recommend"]);
    assert_eq!(depends(&o, "x"), ["a"]);
    // y: caution needs b and an age of 65 or more.
    assert_eq!(
        values(&o, "y"),
        ["caution if b+age=90", "recommend if age=50"]
    );
    assert_eq!(depends(&o, "y"), ["b", "age"]);
    assert_eq!(values(&o, "z"), ["none"]);
    assert_eq!(o.get("z").unwrap().status, Status::Settled);
    assert_eq!(asks(&o), ["a:1", "b:1", "age:1"]);
}

#[test]
fn what_is_known_must_be_a_patient() {
    let v2 = "factor sedentary implies new_to_exercise\nfactor new_to_exercise\n\
              factor frail excludes chronic\nrule r1: if a then avoid x cite s\n";
    assert_eq!(
        refused(v2, "sedentary", "new_to_exercise", Some("all")),
        "`new_to_exercise` is implied by `sedentary` (given), so it cannot be said not to hold (--not): `sedentary` implies `new_to_exercise`"
    );
    assert_eq!(
        refused(v2, "sedentary", "", Some("new_to_exercise")),
        "--unknown: `new_to_exercise` is implied by `sedentary` (given), so it is known to hold"
    );
    assert!(refused(v2, "frail, chronic", "", Some("all")).contains("`frail` excludes `chronic`"));
    assert!(refused(v2, "acute, chronic", "", None).contains("exclusive (`stage`)"));
}

#[test]
fn an_unknown_matters_through_a_fact_it_implies_or_excludes() {
    let rules = "factor sedentary implies new_to_exercise\nfactor new_to_exercise\n\
                 factor frail excludes c\n\
                 rule beginners: if new_to_exercise then avoid x cite s\n\
                 rule c_only: if c then recommend y cite s\n";
    // sedentary is not in any rule, but it brings new_to_exercise.
    let o = run(rules, "", "new_to_exercise", Some("sedentary, frail, c"));
    assert_eq!(o.follows, [("sedentary".to_string(), false)]);
    assert_eq!(values(&o, "x"), ["none"]);
    let o = run(rules, "", "", Some("sedentary, new_to_exercise"));
    assert_eq!(values(&o, "x"), ["avoid if new_to_exercise", "none"]);
    assert_eq!(depends(&o, "x"), ["sedentary", "new_to_exercise"]);
    // new_to_exercise not being unknown, it is false, and so is sedentary, which implies it.
    let o = run(rules, "", "", Some("sedentary"));
    assert_eq!(o.follows, [("sedentary".to_string(), false)]);
    assert_eq!(values(&o, "x"), ["none"]);
    // frail rules out c.
    let o = run(rules, "", "", Some("frail, c"));
    assert_eq!(values(&o, "y"), ["recommend if c", "none"]);
    assert_eq!(depends(&o, "y"), ["c", "frail"]);
    let o = run(rules, "frail", "", Some("c"));
    assert_eq!(o.follows, [("c".to_string(), false)]);
    let b = bundle_of(&format!("{HEAD}{rules}"));
    assert!(o.to_human(&b).contains(
        "Follows from what is known: c does not hold: it cannot hold with frail (`excludes`)\n"
    ));
    let o = run(rules, "", "new_to_exercise", Some("sedentary"));
    assert!(o.to_human(&b).contains(
        "Follows from what is known: sedentary does not hold: it implies new_to_exercise, which does not hold\n"
    ));
    assert_eq!(values(&o, "y"), ["none"]);
}

#[test]
fn refer_and_prevails_take_their_place_in_the_order() {
    let rules = "rule see_first: if b then refer stretching prevails cite s\n\
                 rule stretch: recommend stretching cite s\n\
                 rule halt: if a then avoid x prevails cite s\n";
    let o = run(rules, "", "", Some("a, b"));
    assert_eq!(values(&o, "x"), ["avoid if a", "refer if b", "recommend"]);
    assert_eq!(values(&o, "y"), ["refer if b", "recommend"]);
    assert_eq!(asks(&o), ["b:2", "a:1"]);
}

#[test]
fn a_question_beyond_the_budget_is_reported_not_guessed() {
    let rules = "rule r1: if (a or b) and not (c and acute) then avoid x cite s\n\
                 rule r2: if (a and c) or (b and chronic) then recommend y cite s\n";
    let b = bundle_of(&format!("{HEAD}{rules}"));
    let p = PartialEvaluator::new(&b).unwrap();
    let k = p.parse_knowledge("", "", Some("all")).unwrap();
    let o = p.evaluate_in(&p.space().with_budget(5), &k).unwrap();
    let x = o.get("x").unwrap();
    assert_eq!(x.status, Status::TooComplex);
    assert!(x.possible.is_empty() && x.depends_on.is_empty());
    // Nothing is asked about what could not be decided.
    assert!(
        o.ask_next
            .iter()
            .all(|a| !a.exercises.contains(&"x".to_string()))
    );
    let text = o.to_human(&b);
    assert!(text.contains("Too complex to decide within the solver's work budget"));
    assert!(o.to_json(&b).contains("\"status\": \"too_complex\""));
    // With the default budget it is decided.
    let o = p.evaluate(&k).unwrap();
    assert_eq!(o.get("x").unwrap().status, Status::Depends);
}
