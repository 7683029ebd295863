//! `carel diff` on small edits to the vocabulary: each version closes the given facts under its
//! own `implies`, a patient a version refuses is not compared, and a fact one version does not
//! declare is false there. Exact witnesses, implied facts and advice.

use carel::bundle::Bundle;
use carel::diff::{Diff, Transition, diff, human};
use carel::model::Action;
use carel::source::Sources;

fn bundle(text: &str) -> Bundle {
    let sources = Sources::single("t.carel", text);
    let c = carel::compile(&sources);
    let (model, analysis) = (c.model.expect("compiles"), c.analysis.expect("analysed"));
    carel::bundle::build(&model, &analysis, &sources)
}

fn compare(old: &str, new: &str) -> Diff {
    let d = diff(&bundle(old), &bundle(new)).unwrap();
    assert!(d.undecided.is_empty());
    d
}

/// The transitions of the one exercise that changes.
fn only_change(d: &Diff, exercise: &str) -> Vec<Transition> {
    assert_eq!(d.changes.len(), 1, "{d:#?}");
    assert_eq!(d.changes[0].exercise, exercise);
    d.changes[0].transitions.clone()
}

fn names(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

const SEDENTARY: &str = "factor sedentary\nfactor new_to_exercise\nexercise running\n\
source s \"S\"\nrule start_slowly: if new_to_exercise then caution running cite s\n";

#[test]
fn adding_an_implication_changes_the_advice_of_every_patient_with_the_implying_fact() {
    let new = SEDENTARY.replace(
        "factor sedentary\n",
        "factor sedentary implies new_to_exercise\n",
    );
    let d = compare(SEDENTARY, &new);
    let ts = only_change(&d, "running");
    assert_eq!(ts.len(), 1);
    let t = &ts[0];
    assert_eq!((t.old, t.new), (None, Some(Action::Caution)));
    assert_eq!(t.facts, names(&["sedentary"]));
    assert!(t.measures.is_empty());
    assert_eq!(t.old_implied, Vec::<String>::new());
    assert_eq!(t.new_implied, names(&["new_to_exercise"]));
    assert_eq!(t.old_rules, Vec::<String>::new());
    assert_eq!(t.new_rules, names(&["start_slowly"]));
    assert_eq!(
        human(&d),
        "t 0.0.0 → t 0.0.0: advice changes for 1 exercise\n\nrunning:\n  no advice → caution\n    \
         for a patient with sedentary\n    implied after: new_to_exercise\n    \
         before: no rule; after: start_slowly\n"
    );
}

#[test]
fn removing_an_implication_changes_it_back() {
    let old = SEDENTARY.replace(
        "factor sedentary\n",
        "factor sedentary implies new_to_exercise\n",
    );
    let d = compare(&old, SEDENTARY);
    let ts = only_change(&d, "running");
    assert_eq!(ts.len(), 1);
    let t = &ts[0];
    assert_eq!((t.old, t.new), (Some(Action::Caution), None));
    assert_eq!(t.facts, names(&["sedentary"]));
    assert_eq!(t.old_implied, names(&["new_to_exercise"]));
    assert_eq!(t.new_implied, Vec::<String>::new());
    assert_eq!(t.old_rules, names(&["start_slowly"]));
    assert_eq!(t.new_rules, Vec::<String>::new());
}

#[test]
fn adding_excludes_leaves_out_the_patients_the_new_version_refuses() {
    let old = "condition sciatica\ncondition nonspecific\nexercise hamstring_stretch\n\
source s \"S\"\nrule both: if sciatica and nonspecific then avoid hamstring_stretch cite s\n\
rule nerve: if sciatica then caution hamstring_stretch cite s\n";
    let new = old.replace(
        "condition nonspecific\n",
        "condition nonspecific excludes sciatica\n",
    );
    // Only {sciatica, nonspecific} had `avoid`, and the new version refuses that patient.
    let d = compare(old, &new);
    assert!(d.changes.is_empty(), "{d:#?}");
    let (bo, bn) = (bundle(old), bundle(&new));
    let p = carel::eval::Patient {
        facts: names(&["nonspecific", "sciatica"]).into_iter().collect(),
        ..Default::default()
    };
    assert!(
        carel::eval::Evaluator::new(&bo)
            .unwrap()
            .check_patient(&p)
            .is_ok()
    );
    assert!(
        carel::eval::Evaluator::new(&bn)
            .unwrap()
            .check_patient(&p)
            .is_err()
    );
    // Through an implication of the new version: chronic pain is now non-specific, so
    // {chronic, sciatica} is refused there and its `caution` is not compared; chronic alone now
    // gets the advice for non-specific pain.
    let old2 = "condition sciatica\ncondition nonspecific\nfactor chronic\n\
exercise hamstring_stretch\nsource s \"S\"\n\
rule nerve: if sciatica then caution hamstring_stretch cite s\n\
rule walk: if nonspecific then recommend hamstring_stretch cite s\n\
rule slow: if chronic then consider hamstring_stretch cite s\n";
    let new2 = old2
        .replace(
            "condition nonspecific\n",
            "condition nonspecific excludes sciatica\n",
        )
        .replace("factor chronic\n", "factor chronic implies nonspecific\n");
    let d = compare(old2, &new2);
    let ts = only_change(&d, "hamstring_stretch");
    assert_eq!(ts.len(), 1, "{ts:#?}");
    let t = &ts[0];
    assert_eq!(
        (t.old, t.new),
        (Some(Action::Consider), Some(Action::Recommend))
    );
    assert_eq!(t.facts, names(&["chronic"]));
    assert_eq!(t.old_implied, Vec::<String>::new());
    assert_eq!(t.new_implied, names(&["nonspecific"]));
    assert_eq!(t.old_rules, names(&["slow"]));
    assert_eq!(t.new_rules, names(&["walk"]));
}

#[test]
fn a_fact_one_version_does_not_declare_is_false_there() {
    let old = "condition sciatica\nexercise hamstring_stretch\nsource s \"S\"\n\
rule nerve: if sciatica then avoid hamstring_stretch cite s\n";
    // The new version adds a fact that implies sciatica, and a rule on it.
    let new = format!(
        "{old}condition radiculopathy implies sciatica\nexercise nerve_glide\n\
rule glide: if radiculopathy then refer nerve_glide cite s\n"
    );
    let d = compare(old, &new);
    assert_eq!(d.facts_added, names(&["radiculopathy"]));
    assert_eq!(d.exercises_added, names(&["nerve_glide"]));
    assert_eq!(d.changes.len(), 2, "{d:#?}");
    let (h, g) = (&d.changes[0], &d.changes[1]);
    assert_eq!(h.exercise, "hamstring_stretch");
    assert_eq!(h.transitions.len(), 1);
    let t = &h.transitions[0];
    // The old version does not know radiculopathy: the patient has no advice there.
    assert_eq!((t.old, t.new), (None, Some(Action::Avoid)));
    assert_eq!(t.facts, names(&["radiculopathy"]));
    assert_eq!(t.old_implied, Vec::<String>::new());
    assert_eq!(t.new_implied, names(&["sciatica"]));
    assert_eq!(
        (t.old_rules.clone(), t.new_rules.clone()),
        (vec![], names(&["nerve"]))
    );
    assert_eq!(g.exercise, "nerve_glide");
    assert_eq!(g.transitions.len(), 1);
    let t = &g.transitions[0];
    assert_eq!((t.old, t.new), (None, Some(Action::Refer)));
    assert_eq!(t.facts, names(&["radiculopathy"]));
    assert_eq!(t.new_rules, names(&["glide"]));
}
