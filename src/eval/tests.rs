//! Evaluator tests: §5 case by case, `--given` parsing, and agreement with an independent
//! brute-force reading of the model on random rulesets, before and after a JSON round trip.

use super::*;
use crate::bundle::tests::{bundle_of, compile_text};
use crate::bundle::{self, Bundle};
use crate::model::{self, Model};
use proptest::prelude::*;

const HEAD: &str = "condition a\ncondition b\ncondition c\nfactor acute\nfactor chronic\n\
exclusive stage: acute, chronic\nmeasure age range 0..120\nmeasure pain range 0..10\n\
category stretching\ncategory gentle in stretching\nexercise x in stretching\nexercise y in gentle\nexercise z\n\
source s \"s\"\n";

/// A bundle for evaluation tests. Some rulesets here hold contradictions on purpose (to show
/// that avoid beats recommend): `carel build` refuses those, but evaluation never reads the
/// conflicts, so the bundle is built with the analysis set aside. Every other error fails.
fn evaluation_bundle(text: &str) -> Bundle {
    let sources = crate::source::Sources::single("eval.carel", text);
    let c = crate::compile(&sources);
    let others: Vec<_> = c
        .diagnostics
        .iter()
        .filter(|d| d.is_error() && d.code != crate::diagnostic::Code::E010)
        .cloned()
        .collect();
    assert!(
        others.is_empty(),
        "{}",
        crate::diagnostic::render::human_string(&sources, &others)
    );
    bundle::build(
        &c.model.expect("a model"),
        &crate::analysis::Analysis::default(),
        &sources,
    )
}

fn outcome(rules: &str, given: &str) -> Outcome {
    let b = evaluation_bundle(&format!("{HEAD}{rules}"));
    let e = Evaluator::new(&b).unwrap();
    e.evaluate(&e.parse_given(given).unwrap())
}

/// Final advice as `exercise=action` pairs, sorted by exercise.
fn advice(rules: &str, given: &str) -> Vec<String> {
    outcome(rules, given)
        .advice
        .iter()
        .map(|a| format!("{}={}", a.exercise, a.action.as_str()))
        .collect()
}

#[test]
fn most_protective_advice_wins() {
    let rules = "rule r1: if a then recommend x cite s\nrule r2: if b then avoid x cite s\n\
                 rule r3: if c then caution x cite s\nrule r4: consider x cite s\n";
    assert_eq!(advice(rules, ""), ["x=consider"]);
    assert_eq!(advice(rules, "a"), ["x=recommend"]);
    assert_eq!(advice(rules, "a,b"), ["x=avoid"]);
    assert_eq!(advice(rules, "a,c"), ["x=caution"]);
    assert_eq!(advice(rules, "a,b,c"), ["x=avoid"]);
    let o = outcome(rules, "a,c");
    let x = o.get("x").unwrap();
    assert_eq!(x.rules, ["r3"]);
    let outcomes: Vec<(&str, &str)> = x
        .advised
        .iter()
        .map(|c| (c.rule.as_str(), c.outcome))
        .collect();
    assert_eq!(
        outcomes,
        [
            ("r1", "outweighed"),
            ("r3", "decides"),
            ("r4", "outweighed")
        ]
    );
    assert_eq!(o.fired, ["r1", "r3", "r4"]);
}

#[test]
fn equal_advice_from_several_rules_names_them_all() {
    let o = outcome(
        "rule r1: if a then avoid x cite s\nrule r2: if b then avoid x, z cite s\n",
        "a, b",
    );
    assert_eq!(o.get("x").unwrap().rules, ["r1", "r2"]);
    assert_eq!(o.get("z").unwrap().rules, ["r2"]);
}

#[test]
fn overrides_drop_the_overridden_advice_even_when_more_protective() {
    let rules = "rule careful: if a then avoid x, z cite s\n\
                 rule exception: if b then recommend x overrides careful cite s\n";
    assert_eq!(advice(rules, "a"), ["x=avoid", "z=avoid"]);
    // Both fire: on x the exception drops `careful`; z is not advised by it, so `careful` stays.
    assert_eq!(advice(rules, "a,b"), ["x=recommend", "z=avoid"]);
    let o = outcome(rules, "a,b");
    let x = o.get("x").unwrap();
    assert_eq!(x.advised[0].outcome, "overridden");
    assert_eq!(x.advised[0].overridden_by, ["exception"]);
    // The exception alone: nothing to drop.
    assert_eq!(advice(rules, "b"), ["x=recommend"]);
}

#[test]
fn override_chains_pass_through_rules_that_do_not_fire() {
    let rules = "rule top: if a then consider x overrides middle cite s\n\
                 rule middle: if b then caution x overrides bottom cite s\n\
                 rule bottom: if c then avoid x cite s\n";
    // top and bottom fire, middle does not: the chain still drops bottom.
    assert_eq!(advice(rules, "a,c"), ["x=consider"]);
    let o = outcome(rules, "a,c");
    assert_eq!(o.get("x").unwrap().advised[1].overridden_by, ["top"]);
    // All three fire: top drops both; each was dropped by top, the advice that remains.
    assert_eq!(advice(rules, "a,b,c"), ["x=consider"]);
    assert_eq!(
        outcome(rules, "a,b,c").get("x").unwrap().advised[1].overridden_by,
        ["top"]
    );
    assert_eq!(
        outcome(rules, "a,b,c").get("x").unwrap().advised[2].overridden_by,
        ["top"]
    );
    // Without top, middle drops bottom.
    assert_eq!(advice(rules, "b,c"), ["x=caution"]);
}

#[test]
fn a_rule_that_does_not_advise_the_exercise_drops_nothing_there() {
    let rules = "rule top: if a then consider z overrides bottom cite s\n\
                 rule bottom: if c then avoid x, z cite s\n";
    assert_eq!(advice(rules, "a,c"), ["x=avoid", "z=consider"]);
}

#[test]
fn retired_rules_never_fire_and_break_override_chains() {
    let rules = "rule old: if a then avoid x status retired cite s\n\
                 rule top: if a then consider x overrides middle cite s\n\
                 rule middle: if b then caution x overrides bottom status retired cite s\n\
                 rule bottom: if c then recommend x cite s\n";
    assert_eq!(advice(rules, "a"), ["x=consider"]);
    // `middle` is retired, so `top` no longer reaches `bottom`.
    assert_eq!(advice(rules, "a,c"), ["x=recommend"]);
    assert_eq!(outcome(rules, "a,b,c").fired, ["top", "bottom"]);
}

#[test]
fn categories_expand_to_every_exercise_below_them() {
    let rules =
        "rule r: if a then avoid stretching cite s\nrule q: if b then recommend gentle cite s\n";
    assert_eq!(advice(rules, "a"), ["x=avoid", "y=avoid"]);
    assert_eq!(advice(rules, "a,b"), ["x=avoid", "y=avoid"]);
    assert_eq!(advice(rules, "b"), ["y=recommend"]);
}

#[test]
fn unknown_measures_make_comparisons_false() {
    let rules = "rule old: if age >= 65 then caution z cite s\n\
                 rule young: if not (age >= 65) then recommend x cite s\n\
                 rule other: if age != 40 then consider y cite s\n";
    assert_eq!(advice(rules, ""), ["x=recommend"]);
    assert_eq!(advice(rules, "age=65"), ["y=consider", "z=caution"]);
    assert_eq!(advice(rules, "age=64.5"), ["x=recommend", "y=consider"]);
    assert_eq!(advice(rules, "age=40"), ["x=recommend"]);
}

#[test]
fn ranges_are_inclusive() {
    let rules = "rule r: if pain in 4..7 then avoid x cite s\nrule q: if not (pain in 4..7) then consider z cite s\n";
    assert_eq!(advice(rules, "pain=4"), ["x=avoid"]);
    assert_eq!(advice(rules, "pain=7"), ["x=avoid"]);
    assert_eq!(advice(rules, "pain=7.5"), ["z=consider"]);
    assert_eq!(advice(rules, "pain=3.9"), ["z=consider"]);
    assert_eq!(advice(rules, ""), ["z=consider"]);
}

#[test]
fn given_accepts_spaces_and_repeated_facts() {
    let b = bundle_of(HEAD);
    let e = Evaluator::new(&b).unwrap();
    let p = e.parse_given(" a , b,a ,  age = 45,pain=2.5, ").unwrap();
    assert_eq!(
        p.facts.iter().map(String::as_str).collect::<Vec<_>>(),
        ["a", "b"]
    );
    assert_eq!(p.measures.get("age"), Some(&45.0));
    assert_eq!(p.measures.get("pain"), Some(&2.5));
    assert_eq!(e.parse_given("").unwrap(), Patient::default());
    assert_eq!(e.parse_given("age=45, age=45.0").unwrap().measures.len(), 1);
}

#[test]
fn given_refuses_what_no_patient_can_be() {
    let b = bundle_of(HEAD);
    let e = Evaluator::new(&b).unwrap();
    let err = |g: &str| e.parse_given(g).unwrap_err();
    assert_eq!(
        err("acutte"),
        "unknown fact or measure `acutte`; did you mean `acute`?"
    );
    assert_eq!(
        err("agee=4"),
        "unknown fact or measure `agee`; did you mean `age`?"
    );
    assert_eq!(
        err("diabetes"),
        "unknown fact or measure `diabetes`: the ruleset declares no condition, factor or measure of that name"
    );
    assert_eq!(
        err("x"),
        "`x` is an exercise, not a fact or measure of the patient"
    );
    assert_eq!(
        err("gentle"),
        "`gentle` is a category of exercises, not a fact or measure of the patient"
    );
    assert_eq!(
        err("age=121"),
        "`age=121` is outside the range of `age`: 0..120"
    );
    assert_eq!(
        err("pain = -1"),
        "`pain=-1` is outside the range of `pain`: 0..10"
    );
    assert_eq!(
        err("age"),
        "`age` is a measure: give its value, as in `age=45`"
    );
    assert_eq!(
        err("a=1"),
        "`a` is a yes/no fact, not a measure: list it without a value (`a`)"
    );
    assert_eq!(
        err("age=4e1"),
        "`age=4e1`: the value must be a number, like `45` or `2.5`"
    );
    assert_eq!(
        err("age=inf"),
        "`age=inf`: the value must be a number, like `45` or `2.5`"
    );
    assert_eq!(
        err("age="),
        "`age=`: the value must be a number, like `45` or `2.5`"
    );
    assert_eq!(
        err("age=40,age=41"),
        "`age` is given twice with different values (40 and 41)"
    );
    assert_eq!(
        err("acute, chronic"),
        "`acute` and `chronic` cannot hold together: they are exclusive (`stage`); give at most one"
    );
}

#[test]
fn the_trace_says_what_became_of_each_rules_advice() {
    let rules = "rule keep_moving: recommend z 10..20 min every 3 h cite s\n\
                 rule no_stretch: if a then avoid stretching cite s\n\
                 rule gentle_ok: if b then recommend gentle overrides no_stretch cite s\n\
                 rule careful: if b then caution z cite s\n";
    let b = evaluation_bundle(&format!("{HEAD}{rules}"));
    let e = Evaluator::new(&b).unwrap();
    let trace = |given: &str, only: Option<&[&str]>| {
        crate::partial::trace(&b, &e.evaluate(&e.parse_given(given).unwrap()), only)
    };
    assert_eq!(
        trace("a, b", None),
        "fired: keep_moving, no_stretch, gentle_ok, careful\n\
         x: avoid\n  \
           avoid     no_stretch  decides\n\
         y: recommend\n  \
           avoid     no_stretch  dropped: gentle_ok takes precedence over it\n  \
           recommend gentle_ok   decides\n\
         z: caution\n  \
           recommend keep_moving  not followed: caution (careful) is more protective [10..20 min every 3 h]\n  \
           caution   careful      decides\n"
    );
    assert_eq!(
        trace("", None),
        "fired: keep_moving\nz: recommend\n  recommend keep_moving  decides [10..20 min every 3 h]\n"
    );
    assert_eq!(
        trace("a", Some(&["x", "y"])),
        "fired: keep_moving, no_stretch\n\
         x: avoid\n  avoid     no_stretch  decides\n\
         y: avoid\n  avoid     no_stretch  decides\n"
    );
    assert_eq!(
        trace("", Some(&["x"])),
        "fired: keep_moving\nx: nothing (no fired rule advises it)\n"
    );
}

#[test]
fn json_output_has_patient_advice_and_fired_rules() {
    let o = outcome(
        "rule r: if a then avoid x 2 sets cite s\nrule q: if age >= 18 then recommend x overrides r cite s\n",
        "a, age=18",
    );
    let v: serde_json::Value = serde_json::from_str(&o.to_json()).unwrap();
    assert_eq!(
        v,
        serde_json::json!({
            "patient": {"facts": ["a"], "measures": {"age": 18}},
            "advice": [{
                "exercise": "x",
                "action": "recommend",
                "rules": ["q"],
                "advised": [
                    {"rule": "r", "action": "avoid", "dose": {"amount": {"min": 2, "max": 2, "unit": "sets", "bound": "exactly"}, "frequency": null, "bouts": null, "progression": null},
                     "outcome": "overridden", "overridden_by": ["q"]},
                    {"rule": "q", "action": "recommend", "dose": null, "outcome": "decides", "overridden_by": []}
                ]
            }],
            "fired": ["r", "q"]
        })
    );
}

// ---- agreement with an independent reading of the model, on random rulesets ----

/// Final advice straight from the model, by a different route: a reachability matrix over the
/// live rules' `overrides` (Floyd–Warshall), then "drop if any other fired rule advising the
/// exercise reaches it", then the most protective action.
fn oracle(model: &Model, patient: &model::Patient) -> BTreeMap<String, Action> {
    let n = model.rules.len();
    let live: Vec<bool> = model.rules.iter().map(|r| r.is_live()).collect();
    let mut reach = vec![vec![false; n]; n];
    for (i, r) in model.rules.iter().enumerate() {
        for &(o, _) in r.overrides() {
            if live[i] && live[o] {
                reach[i][o] = true;
            }
        }
    }
    for k in 0..n {
        for i in 0..n {
            for j in 0..n {
                if reach[i][k] && reach[k][j] {
                    reach[i][j] = true;
                }
            }
        }
    }
    let fired: Vec<usize> = (0..n)
        .filter(|&i| live[i] && model.rules[i].when.holds(patient))
        .collect();
    let mut out = BTreeMap::new();
    for (e, exercise) in model.exercises.iter().enumerate() {
        let advising: Vec<usize> = fired
            .iter()
            .copied()
            .filter(|&r| model.rules[r].exercises.contains(&e))
            .collect();
        let best = advising
            .iter()
            .filter(|&&r| !advising.iter().any(|&s| s != r && reach[s][r]))
            .map(|&r| model.rules[r].action)
            .max_by_key(|a| a.protectiveness());
        if let Some(a) = best {
            out.insert(exercise.name.clone(), a);
        }
    }
    out
}

/// Every patient over facts a, b, c, acute, chronic (respecting `stage`) and a few ages.
fn patients(model: &Model) -> Vec<model::Patient> {
    let fact = |n: &str| model.facts.iter().position(|f| f.name == n).unwrap();
    let age = model.measures.iter().position(|m| m.name == "age").unwrap();
    let names = ["a", "b", "c", "acute", "chronic"];
    let mut out = Vec::new();
    for bits in 0u32..32 {
        if bits & 0b11000 == 0b11000 {
            continue;
        }
        let mut facts: Vec<usize> = (0..5)
            .filter(|i| bits & (1 << i) != 0)
            .map(|i| fact(names[i]))
            .collect();
        facts.sort_unstable();
        for value in [
            None,
            Some(0.0),
            Some(40.0),
            Some(64.5),
            Some(65.0),
            Some(120.0),
        ] {
            out.push(model::Patient {
                facts: facts.clone(),
                measures: value.map(|v| vec![(age, v)]).unwrap_or_default(),
            });
        }
    }
    out
}

fn by_name(model: &Model, p: &model::Patient) -> Patient {
    Patient {
        facts: p
            .facts
            .iter()
            .map(|&f| model.facts[f].name.clone())
            .collect(),
        measures: p
            .measures
            .iter()
            .map(|&(m, v)| (model.measures[m].name.clone(), v))
            .collect(),
        implied: Default::default(),
    }
}

fn cond() -> impl Strategy<Value = String> {
    let atom = prop_oneof![
        prop::sample::select(vec!["a", "b", "c", "acute", "chronic"]).prop_map(str::to_string),
        (
            prop::sample::select(vec!["<", "<=", ">", ">=", "=", "!="]),
            prop::sample::select(vec![0, 40, 65, 120])
        )
            .prop_map(|(op, v)| format!("age {op} {v}")),
        (0u32..120, 0u32..30).prop_map(|(lo, w)| format!("age in {lo}..{}", (lo + w).min(120))),
    ];
    atom.prop_recursive(3, 12, 3, |inner| {
        prop_oneof![
            inner.clone().prop_map(|c| format!("not ({c})")),
            (inner.clone(), inner.clone()).prop_map(|(x, y)| format!("({x} and {y})")),
            (inner.clone(), inner).prop_map(|(x, y)| format!("({x} or {y})")),
        ]
    })
}

#[derive(Clone, Debug)]
struct RandomRule {
    when: Option<String>,
    unless: Option<String>,
    action: &'static str,
    targets: Vec<&'static str>,
    overrides: Vec<usize>,
    retired: bool,
}

fn random_rule() -> impl Strategy<Value = RandomRule> {
    (
        prop::option::weighted(0.85, cond()),
        prop::option::weighted(0.3, cond()),
        prop::sample::select(vec!["recommend", "consider", "caution", "avoid"]),
        prop::sample::subsequence(vec!["x", "y", "z", "stretching", "gentle"], 1..3),
        prop::collection::vec(0usize..8, 0..4),
        prop::bool::weighted(0.15),
    )
        .prop_map(
            |(when, unless, action, targets, overrides, retired)| RandomRule {
                unless: if when.is_some() { unless } else { None },
                when,
                action,
                targets,
                overrides,
                retired,
            },
        )
}

fn ruleset_text(rules: &[RandomRule]) -> String {
    let mut text = HEAD.to_string();
    for (i, r) in rules.iter().enumerate() {
        text.push_str(&format!("rule r{i}:"));
        if let Some(w) = &r.when {
            text.push_str(&format!(" if {w}"));
            if let Some(u) = &r.unless {
                text.push_str(&format!(" unless {u}"));
            }
        }
        text.push_str(&format!(" then {} {}", r.action, r.targets.join(", ")));
        // Only earlier rules, so `overrides` never forms a cycle.
        let mut over: Vec<usize> = r.overrides.iter().copied().filter(|&o| o < i).collect();
        over.sort_unstable();
        over.dedup();
        if !over.is_empty() {
            let names: Vec<String> = over.iter().map(|o| format!("r{o}")).collect();
            text.push_str(&format!(" overrides {}", names.join(", ")));
        }
        if r.retired {
            text.push_str(" status retired");
        }
        text.push_str(" cite s\n");
    }
    text
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn evaluator_agrees_with_brute_force_and_survives_json(rules in prop::collection::vec(random_rule(), 2..9)) {
        let text = ruleset_text(&rules);
        let sources = crate::source::Sources::single("random.carel", text.clone());
        let c = crate::compile(&sources);
        let (Some(model), Some(analysis)) = (c.model, c.analysis) else {
            panic!("{text}\n{}", crate::diagnostic::render::human_string(&sources, &c.diagnostics));
        };
        // Contradictions left standing would stop `carel build`; the evaluator's meaning does
        // not depend on them, so evaluate the bundle with the conflicts set aside.
        let built = bundle::build(&model, &crate::analysis::Analysis::default(), &sources);
        let reloaded = Bundle::from_json(&built.to_json()).unwrap();
        let direct = Evaluator::new(&built).unwrap();
        let loaded = Evaluator::new(&reloaded).unwrap();
        for p in patients(&model) {
            let patient = by_name(&model, &p);
            let got = direct.evaluate(&patient);
            let finals: BTreeMap<String, Action> = got.advice.iter().map(|a| (a.exercise.clone(), a.action)).collect();
            prop_assert_eq!(&finals, &oracle(&model, &p), "{}\npatient {:?}", text, patient);
            prop_assert_eq!(&got, &loaded.evaluate(&patient));
        }
        // The analysis and the evaluator agree on `overrides`: for each conflict, both rules
        // fire for its witness and advise its exercises; when the conflict is resolved, the
        // losing rule's advice is dropped there.
        for c in &analysis.conflicts {
            let outcome = direct.evaluate(&by_name(&model, &c.witness));
            let [a, b] = c.rules.map(|r| model.rules[r].id.clone());
            for &e in &c.exercises {
                let advice = outcome.get(&model.exercises[e].name);
                prop_assert!(advice.is_some(), "{}\nconflict {:?}: nothing advises the exercise", text, c);
                let advised = &advice.unwrap().advised;
                let find = |id: &str| advised.iter().find(|x| x.rule == id);
                prop_assert!(find(&a).is_some() && find(&b).is_some(), "{}\nconflict {:?}", text, c);
                if let Some(w) = c.resolved_by {
                    let loser = if model.rules[w].id == a { &b } else { &a };
                    prop_assert_eq!(find(loser).map(|x| x.outcome), Some("overridden"), "{}\nconflict {:?}", text, c);
                }
            }
        }
    }
}

#[test]
fn source_and_reloaded_bundle_agree_on_the_back_pain_ruleset() {
    let (model, analysis, sources) = compile_text(crate::bundle::tests::BACK);
    let built = bundle::build(&model, &analysis, &sources);
    let reloaded = Bundle::from_json(&built.to_json()).unwrap();
    let (a, b) = (
        Evaluator::new(&built).unwrap(),
        Evaluator::new(&reloaded).unwrap(),
    );
    let mut count = 0;
    for facts in 0u32..32 {
        for age in ["", ", age=70", ", age=30"] {
            for temp in ["", ", temp=39", ", temp=38.5"] {
                let names = [
                    "sciatica",
                    "herniated_disc",
                    "facet_syndrome",
                    "acute",
                    "chronic",
                ];
                if facts & 0b11000 == 0b11000 {
                    continue;
                }
                let given: Vec<&str> = (0..5)
                    .filter(|i| facts & (1 << i) != 0)
                    .map(|i| names[i])
                    .collect();
                let text = format!("{}{age}{temp}, pain=8", given.join(","));
                let p = a.parse_given(&text).unwrap();
                assert_eq!(a.evaluate(&p), b.evaluate(&b.parse_given(&text).unwrap()));
                assert_eq!(
                    crate::partial::trace(&built, &a.evaluate(&p), None),
                    crate::partial::trace(&reloaded, &b.evaluate(&p), None)
                );
                count += 1;
            }
        }
    }
    assert_eq!(count, 24 * 9);
}

/// A random condition tree over two facts and one measure, empty `all`/`any` included.
fn random_when() -> impl Strategy<Value = When> {
    let leaf = prop_oneof![
        Just(When::Always),
        prop::sample::select(vec!["a", "b"]).prop_map(|f| When::Fact(f.to_string())),
        (0u32..3).prop_map(|v| When::Compare {
            measure: "age".to_string(),
            op: crate::model::CmpOp::Ge,
            value: f64::from(v),
        }),
    ];
    leaf.prop_recursive(4, 24, 3, |inner| {
        prop_oneof![
            inner.clone().prop_map(|w| When::Not(Box::new(w))),
            prop::collection::vec(inner.clone(), 0..3).prop_map(When::All),
            prop::collection::vec(inner, 0..3).prop_map(When::Any),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    /// The index never leaves out a rule that fires: whenever a condition holds, it has no
    /// guard or the patient has something its guard lists.
    #[test]
    fn a_condition_that_holds_is_guarded_by_something_the_patient_has(
        when in random_when(),
        facts in prop::sample::subsequence(vec!["a", "b"], 0..=2),
        age in prop::option::of(0u32..3),
    ) {
        let patient = Patient {
            facts: facts.iter().map(|f| f.to_string()).collect(),
            measures: age.map(|v| ("age".to_string(), f64::from(v))).into_iter().collect(),
            implied: BTreeMap::new(),
        };
        let mentions = HashMap::new();
        if when.holds(&patient)
            && let Some(atoms) = guard(&when, &mentions)
        {
            prop_assert!(
                atoms.iter().any(|a| match a {
                    Atom::Fact(f) => patient.facts.contains(*f),
                    Atom::Measure(m) => patient.measures.contains_key(*m),
                }),
                "{:?} holds for {:?} but its guard has {} atoms", when, patient, atoms.len()
            );
        }
    }
}
