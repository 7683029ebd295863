//! The examples of the language contract's §9 (version 2), each in a small ruleset: it checks
//! clean and evaluates as §9 says.

use carel::bundle;
use carel::diagnostic::{Code, render};
use carel::eval::Evaluator;
use carel::model::Action;
use carel::source::Sources;

/// Compile `text`, requiring no diagnostic at all beyond `allowed`, and evaluate it for
/// each `(given, exercise, expected advice)`.
fn check(text: &str, allowed: &[Code], cases: &[(&str, &str, Option<Action>)]) {
    let sources = Sources::single("v2.carel", text);
    let c = carel::compile(&sources);
    let unexpected: Vec<_> = c
        .diagnostics
        .iter()
        .filter(|d| !allowed.contains(&d.code))
        .collect();
    assert!(
        unexpected.is_empty(),
        "{}",
        render::human_string(&sources, &c.diagnostics)
    );
    let built = bundle::build(&c.model.unwrap(), &c.analysis.unwrap(), &sources);
    assert_eq!(built.format_version, 2);
    let reloaded = bundle::Bundle::from_json(&built.to_json()).unwrap();
    let evaluator = Evaluator::new(&reloaded).unwrap();
    for (given, exercise, expected) in cases {
        let patient = evaluator.parse_given(given).unwrap();
        let outcome = evaluator.evaluate(&patient);
        assert_eq!(outcome.action(exercise), *expected, "{given}: {exercise}");
    }
}

#[test]
fn facts_that_imply_or_exclude_others() {
    let text = r#"
factor sedentary "Sits most of the day" implies new_to_exercise
factor new_to_exercise "New to exercise"
condition nonspecific "Non-specific low back pain" excludes sciatica, herniated_disc, facet_syndrome
condition sciatica "Sciatica"
condition herniated_disc "Herniated or bulging lumbar disc"
condition facet_syndrome "Facet joint syndrome"
exercise deadlift "Deadlift"
exercise hamstring_stretch "Hamstring stretch"
source s "A guideline"
rule no_heavy: if new_to_exercise then avoid deadlift cite s
rule stretch: if nonspecific then recommend hamstring_stretch cite s
rule no_stretch: if sciatica then avoid hamstring_stretch cite s
"#;
    check(
        text,
        &[],
        &[
            ("sedentary", "deadlift", Some(Action::Avoid)),
            ("nonspecific", "hamstring_stretch", Some(Action::Recommend)),
            ("", "deadlift", None),
        ],
    );
    // A given set that breaks `excludes` is not a patient.
    let sources = Sources::single("v2.carel", text);
    let c = carel::compile(&sources);
    let built = bundle::build(&c.model.unwrap(), &c.analysis.unwrap(), &sources);
    let evaluator = Evaluator::new(&built).unwrap();
    let e = evaluator.parse_given("nonspecific, sciatica").unwrap_err();
    assert_eq!(
        e,
        "`nonspecific` and `sciatica` cannot hold together: `nonspecific` excludes `sciatica`"
    );
    let patient = evaluator.parse_given("sedentary").unwrap();
    let outcome = evaluator.evaluate(&patient);
    assert_eq!(
        outcome
            .patient
            .implied
            .get("new_to_exercise")
            .map(String::as_str),
        Some("sedentary")
    );
}

#[test]
fn refer_sits_between_avoid_and_caution() {
    check(
        r#"
condition serious_back_problem "Serious back problem"
condition acute "Acute"
category all_exercise "All exercise"
category aerobic "Aerobic" in all_exercise
exercise walking "Walking" in aerobic
exercise sit_up "Sit-up" in all_exercise
source seed003 "When shouldn't you exercise?"
rule serious_problem_refer:
  if serious_back_problem then refer all_exercise
  because "Specific exercise may not help, or may need careful supervision."
  cite seed003 "When shouldn't you exercise?"
rule careful: if acute then caution walking cite seed003
rule no_sit_ups: if acute then avoid sit_up cite seed003
"#,
        &[],
        &[
            (
                "serious_back_problem, acute",
                "walking",
                Some(Action::Refer),
            ),
            ("serious_back_problem, acute", "sit_up", Some(Action::Avoid)),
            ("acute", "walking", Some(Action::Caution)),
        ],
    );
}

#[test]
fn except_and_prevails() {
    check(
        r#"
category strengthening "Strengthening"
exercise deadlift "Deadlift" in strengthening
exercise weights "Weights" in strengthening
exercise bridge "Bridge" in strengthening
exercise sit_up "Sit-up"
exercise leg_lift "Leg lift"
source s "A guideline"
rule specific: recommend strengthening except deadlift, weights cite s
rule core: recommend sit_up, leg_lift cite s
rule avoid_aggravating_exercises:
  avoid sit_up, leg_lift
  prevails
  because "This precaution beats any recommendation."
  cite s
"#,
        // No rule advises deadlift or weights: they are only excepted.
        &[Code::W001],
        &[
            ("", "bridge", Some(Action::Recommend)),
            ("", "deadlift", None),
            ("", "sit_up", Some(Action::Avoid)),
        ],
    );
}

#[test]
fn doses_and_stop_instructions() {
    check(
        r#"
exercise walking "Walking"
exercise hamstring_stretch "Hamstring stretch"
source s "A guideline"
rule weekly: recommend walking at least 150 min per week in bouts of at least 10 min cite s
rule start: recommend walking 5 min 2..3 times per day building up to 20..30 min
  overrides weekly
  stop if "the pain spreads below the knee"
  cite s
rule stretch: recommend hamstring_stretch daily cite s
"#,
        &[],
        &[("", "walking", Some(Action::Recommend))],
    );
}

#[test]
fn a_prevails_cycle_is_e006() {
    let sources = Sources::single(
        "v2.carel",
        "exercise x\nsource s \"S\"\n\
         rule a: avoid x prevails cite s\n\
         rule b: recommend x overrides a cite s\n",
    );
    let c = carel::compile(&sources);
    let codes: Vec<Code> = c.diagnostics.iter().map(|d| d.code).collect();
    assert_eq!(codes, [Code::E006], "{:?}", c.diagnostics);
    assert_eq!(
        c.diagnostics[0].message,
        "`overrides` and `prevails` form a cycle: a → b → a"
    );
}
