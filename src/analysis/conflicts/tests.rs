use super::*;
use crate::analysis::testkit::*;
use crate::model::{AmountUnit, Expr, Frequency, Patient, Period};
use crate::source::Span;

fn run(kit: &Kit) -> (Analysis, Vec<Diagnostic>) {
    let mut out = Vec::new();
    let analysis = analyse(&kit.model, &mut out);
    (analysis, out)
}

fn codes(out: &[Diagnostic]) -> Vec<&'static str> {
    out.iter().map(|d| d.code.as_str()).collect()
}

/// The mission's example: extension exercises help a herniated disc and harm facet syndrome.
fn disc_and_facet() -> (Kit, RuleId, RuleId, FactIds) {
    let mut k = Kit::new();
    let disc = k.fact("herniated_disc");
    let facet = k.fact("facet_syndrome");
    let press_up = k.exercise("prone_press_up");
    let a = k.rule("disc_extension", fact(disc), Action::Recommend, &[press_up]);
    let b = k.rule("facet_extension", fact(facet), Action::Avoid, &[press_up]);
    (k, a, b, FactIds { disc, facet })
}

struct FactIds {
    disc: usize,
    facet: usize,
}

#[test]
fn disc_versus_facet_is_a_contradiction_with_its_witness() {
    let (k, a, b, f) = disc_and_facet();
    let (analysis, out) = run(&k);
    assert_eq!(codes(&out), ["E010"]);
    let d = &out[0];
    assert_eq!(
        d.message,
        "contradiction: `disc_extension` recommends prone_press_up but `facet_extension` says to avoid it"
    );
    assert_eq!(
        d.span,
        Span::new(0, 1200, 1210),
        "primary label on the later rule's action"
    );
    assert_eq!(d.label, "says to avoid it here");
    assert_eq!(d.secondary.len(), 1);
    assert_eq!(d.secondary[0].span, Span::new(0, 200, 210));
    assert_eq!(d.secondary[0].message, "recommends it here");
    assert_eq!(
        d.notes,
        ["both rules fire for a patient with herniated_disc and facet_syndrome"]
    );
    assert_eq!(
        d.help.as_deref(),
        Some(
            "resolve it in one of three ways: give `facet_extension` an `overrides disc_extension` clause \
             (or `disc_extension` an `overrides facet_extension` clause) with a `because` giving the clinical \
             reason; add `unless facet_syndrome` to `disc_extension` so that both no longer fire together; or \
             if herniated_disc and facet_syndrome cannot both hold, declare them `exclusive`"
        )
    );
    assert_eq!(
        analysis.conflicts,
        [Conflict {
            kind: ConflictKind::Contradiction,
            rules: [a, b],
            exercises: vec![0],
            witness: Patient {
                facts: vec![f.disc, f.facet],
                measures: vec![],
            },
            resolved_by: None,
        }]
    );
}

#[test]
fn overrides_resolve_the_contradiction_and_keep_it() {
    let (mut k, a, b, _) = disc_and_facet();
    k.overrides(b, a);
    let (analysis, out) = run(&k);
    assert!(out.is_empty(), "{out:?}");
    assert_eq!(analysis.conflicts.len(), 1);
    assert_eq!(analysis.conflicts[0].resolved_by, Some(b));
    assert_eq!(analysis.conflicts[0].kind, ConflictKind::Contradiction);
}

#[test]
fn overrides_resolve_through_a_chain() {
    let (mut k, a, b, _) = disc_and_facet();
    let other = k.exercise("walking");
    let middle = k.rule("middle", Expr::Always, Action::Consider, &[other]);
    k.overrides(a, middle);
    k.overrides(middle, b);
    let (analysis, out) = run(&k);
    assert!(codes(&out).iter().all(|&c| c != "E010"), "{out:?}");
    let c = analysis
        .conflicts
        .iter()
        .find(|c| c.rules == [a, b])
        .expect("kept");
    assert_eq!(c.resolved_by, Some(a));
}

#[test]
fn unless_silences_the_contradiction() {
    let (mut k, a, _, f) = disc_and_facet();
    k.model.rules[a].when = all(vec![fact(f.disc), not(fact(f.facet))]);
    let (analysis, out) = run(&k);
    assert!(out.is_empty(), "{out:?}");
    assert!(analysis.conflicts.is_empty());
}

#[test]
fn exclusive_facts_silence_the_contradiction() {
    let (mut k, _, _, f) = disc_and_facet();
    k.exclusive("disc_or_facet", &[f.disc, f.facet]);
    let (analysis, out) = run(&k);
    assert!(out.is_empty(), "{out:?}");
    assert!(analysis.conflicts.is_empty());
}

#[test]
fn retired_rules_take_no_part() {
    let (mut k, a, _, _) = disc_and_facet();
    k.retire(a);
    let (analysis, out) = run(&k);
    assert!(out.is_empty(), "{out:?}");
    assert!(analysis.conflicts.is_empty());
}

#[test]
fn a_chain_of_overrides_through_a_retired_rule_does_not_resolve() {
    // Bundles leave retired rules and their `overrides` out, so apps would give `avoid`:
    // the analysis must not call the contradiction resolved.
    let mut k = Kit::new();
    let acute = k.fact("acute");
    let walking = k.exercise("walking");
    let a = k.rule("a", fact(acute), Action::Recommend, &[walking]);
    let r = k.rule("r", fact(acute), Action::Consider, &[walking]);
    let b = k.rule("b", fact(acute), Action::Avoid, &[walking]);
    k.overrides(a, r);
    k.overrides(r, b);
    let (analysis, _) = run(&k);
    assert_eq!(analysis.conflicts.len(), 2, "{:?}", analysis.conflicts);
    assert!(
        analysis
            .conflicts
            .iter()
            .all(|c| c.resolved_by == Some(a) || c.rules == [r, b])
    );
    k.retire(r);
    let (analysis, out) = run(&k);
    assert_eq!(codes(&out), ["E010"], "{out:?}");
    assert_eq!(analysis.conflicts.len(), 1);
    assert_eq!(analysis.conflicts[0].rules, [a, b]);
    assert_eq!(analysis.conflicts[0].resolved_by, None);
}

#[test]
fn rules_without_conditions_conflict_for_any_patient() {
    let mut k = Kit::new();
    let walking = k.exercise("walking");
    k.rule("keep_moving", Expr::Always, Action::Recommend, &[walking]);
    k.rule("rest", Expr::Always, Action::Avoid, &[walking]);
    let (_, out) = run(&k);
    assert_eq!(codes(&out), ["E010"]);
    assert_eq!(out[0].notes, ["both rules fire for any patient"]);
    assert!(
        out[0]
            .help
            .as_deref()
            .unwrap_or("")
            .contains("declare the facts involved `exclusive`")
    );
}

#[test]
fn disjoint_ages_never_conflict_and_overlapping_ones_do() {
    let mut k = Kit::new();
    let age = k.measure("age", 0.0, 120.0);
    let ex = k.exercise("running");
    k.rule("young", cmp(age, "<", 65.0), Action::Recommend, &[ex]);
    k.rule("old", cmp(age, ">=", 65.0), Action::Avoid, &[ex]);
    let (analysis, out) = run(&k);
    assert!(out.is_empty(), "{out:?}");
    assert!(analysis.conflicts.is_empty());

    let mut k = Kit::new();
    let age = k.measure("age", 0.0, 120.0);
    let ex = k.exercise("running");
    k.rule("young", cmp(age, "<=", 70.0), Action::Recommend, &[ex]);
    k.rule("old", cmp(age, ">=", 60.0), Action::Avoid, &[ex]);
    let (analysis, out) = run(&k);
    assert_eq!(codes(&out), ["E010"]);
    assert_eq!(out[0].notes, ["both rules fire for a patient with age 65"]);
    assert_eq!(analysis.conflicts[0].witness.measures, [(age, 65.0)]);
}

#[test]
fn an_unknown_measure_can_be_the_witness() {
    let mut k = Kit::new();
    let age = k.measure("age", 0.0, 120.0);
    let ex = k.exercise("running");
    // `not (age >= 0)` holds only when the age is unknown.
    k.rule(
        "unknown_age",
        not(cmp(age, ">=", 0.0)),
        Action::Recommend,
        &[ex],
    );
    k.rule("everyone", Expr::Always, Action::Avoid, &[ex]);
    let (_, out) = run(&k);
    assert_eq!(codes(&out), ["E010"]);
    assert_eq!(
        out[0].notes,
        ["both rules fire for a patient with age unknown"]
    );
}

#[test]
fn exclusive_groups_of_three() {
    let mut k = Kit::new();
    let acute = k.fact("acute");
    let subacute = k.fact("subacute");
    let chronic = k.fact("chronic");
    k.exclusive("stage", &[acute, subacute, chronic]);
    let ex = k.exercise("sit_up");
    k.rule("acute_sit_up", fact(acute), Action::Avoid, &[ex]);
    k.rule("chronic_sit_up", fact(chronic), Action::Recommend, &[ex]);
    k.rule(
        "subacute_sit_up",
        any(vec![fact(subacute), fact(chronic)]),
        Action::Recommend,
        &[ex],
    );
    let not_chronic = k.rule("not_chronic", not(fact(chronic)), Action::Recommend, &[ex]);
    let (analysis, out) = run(&k);
    // Only `not_chronic` can meet `acute_sit_up`: with acute and nothing else. (And
    // `chronic_sit_up` is covered by `subacute_sit_up`.)
    assert_eq!(codes(&out), ["W003", "E010"], "{out:?}");
    assert_eq!(analysis.conflicts.len(), 1);
    assert_eq!(analysis.conflicts[0].rules, [0, not_chronic]);
    assert_eq!(analysis.conflicts[0].witness.facts, [acute]);
}

#[test]
fn one_diagnostic_per_pair_listing_every_exercise() {
    let mut k = Kit::new();
    let disc = k.fact("herniated_disc");
    let names = ["a_ex", "b_ex", "c_ex", "d_ex", "e_ex", "f_ex", "g_ex"];
    let ex: Vec<_> = names.iter().map(|n| k.exercise(n)).collect();
    k.rule("lots", fact(disc), Action::Recommend, &ex);
    k.rule("also_lots", Expr::Always, Action::Avoid, &ex[1..]);
    let (analysis, out) = run(&k);
    assert_eq!(codes(&out), ["E010"]);
    assert_eq!(
        out[0].message,
        "contradiction: `lots` recommends b_ex, c_ex, d_ex, e_ex and 2 more but `also_lots` says to avoid them"
    );
    assert!(
        out[0]
            .notes
            .contains(&"exercises involved: b_ex, c_ex, d_ex, e_ex, f_ex and g_ex".to_string())
    );
    assert_eq!(analysis.conflicts[0].exercises, ex[1..].to_vec());
}

#[test]
fn tensions() {
    let mut k = Kit::new();
    let ex = k.exercise("leg_lift");
    let acute = k.fact("acute");
    k.rule("core", Expr::Always, Action::Recommend, &[ex]);
    k.rule("careful", fact(acute), Action::Caution, &[ex]);
    k.rule("maybe", Expr::Always, Action::Consider, &[ex]);
    k.rule("never", fact(acute), Action::Avoid, &[ex]);
    let (analysis, out) = run(&k);
    // core/careful: tension; core/never: contradiction; maybe/never: tension.
    assert_eq!(codes(&out), ["W004", "E010", "W004"], "{out:?}");
    assert_eq!(
        out[0].message,
        "tension: `core` recommends leg_lift but `careful` advises caution with it"
    );
    assert_eq!(
        out[2].message,
        "tension: `maybe` suggests considering leg_lift but `never` says to avoid it"
    );
    assert_eq!(out[0].notes, ["both rules fire for a patient with acute"]);
    let kinds: Vec<_> = analysis
        .conflicts
        .iter()
        .map(|c| (c.rules, c.kind))
        .collect();
    assert_eq!(
        kinds,
        [
            ([0, 1], ConflictKind::Tension),
            ([0, 3], ConflictKind::Contradiction),
            ([2, 3], ConflictKind::Tension)
        ]
    );
}

#[test]
fn dose_mismatches() {
    let mut k = Kit::new();
    let walking = k.exercise("walking");
    let a = k.rule("keep_moving", Expr::Always, Action::Recommend, &[walking]);
    k.dose(
        a,
        10.0,
        20.0,
        AmountUnit::Min,
        Some(Frequency::Every { lo: 3.0, hi: 3.0 }),
    );
    let b = k.rule("weekly", Expr::Always, Action::Consider, &[walking]);
    k.dose(
        b,
        150.0,
        150.0,
        AmountUnit::Min,
        Some(Frequency::Per(Period::Week)),
    );
    // Same amount in hours, compatible frequency: no mismatch with `keep_moving`.
    let c = k.rule("quarter_hour", Expr::Always, Action::Recommend, &[walking]);
    k.dose(
        c,
        0.25,
        0.25,
        AmountUnit::H,
        Some(Frequency::Times {
            lo: 8.0,
            hi: 8.0,
            per: Period::Day,
        }),
    );
    let (analysis, out) = run(&k);
    assert_eq!(codes(&out), ["W005", "W005"], "{out:?}");
    assert_eq!(
        out[0].message,
        "dose mismatch: `keep_moving` and `weekly` give doses of walking that cannot both be followed"
    );
    assert_eq!(out[0].span, Span::new(0, 1300, 1310));
    assert_eq!(out[0].secondary[0].span, Span::new(0, 300, 310));
    assert_eq!(
        out[0].notes,
        [
            "`keep_moving`: 10..20 min every 3 h (56 times a week); `weekly`: 150 min per week (once a week)",
            "neither the amounts nor the frequencies overlap",
            "both rules fire for any patient",
        ]
    );
    assert_eq!(
        out[1].notes[0],
        "`weekly`: 150 min per week (once a week); `quarter_hour`: 0.25 h 8 times per day (15 min, 56 times a week)"
    );
    assert!(
        analysis
            .conflicts
            .iter()
            .all(|c| c.kind == ConflictKind::DoseMismatch)
    );
    assert_eq!(analysis.conflicts.len(), 2);
}

#[test]
fn doses_of_rules_that_never_fire_together_do_not_mismatch() {
    let mut k = Kit::new();
    let acute = k.fact("acute");
    let walking = k.exercise("walking");
    let a = k.rule("short", fact(acute), Action::Recommend, &[walking]);
    k.dose(a, 5.0, 5.0, AmountUnit::Min, None);
    let b = k.rule("long", not(fact(acute)), Action::Recommend, &[walking]);
    k.dose(b, 30.0, 30.0, AmountUnit::Min, None);
    let (analysis, out) = run(&k);
    assert!(out.is_empty(), "{out:?}");
    assert!(analysis.conflicts.is_empty());
}

#[test]
fn rules_that_can_never_fire() {
    let mut k = Kit::new();
    let acute = k.fact("acute");
    let chronic = k.fact("chronic");
    k.exclusive("stage", &[acute, chronic]);
    let age = k.measure("age", 0.0, 120.0);
    let ex = k.exercise("sit_up");
    k.rule(
        "both_stages",
        all(vec![fact(acute), fact(chronic)]),
        Action::Recommend,
        &[ex],
    );
    k.rule("over_range", cmp(age, ">", 130.0), Action::Recommend, &[ex]);
    k.rule(
        "both_ways",
        all(vec![fact(acute), not(fact(acute))]),
        Action::Recommend,
        &[ex],
    );
    k.rule("everyone", Expr::Always, Action::Avoid, &[ex]);
    let (analysis, out) = run(&k);
    assert_eq!(codes(&out), ["W002", "W002", "W002"], "{out:?}");
    assert_eq!(
        out[0].message,
        "rule `both_stages` can never fire: no patient meets its condition"
    );
    assert_eq!(out[0].span, Span::new(0, 100, 110));
    assert_eq!(
        out[0].notes,
        ["it requires both `acute` and `chronic`, which are declared exclusive (`stage`)"]
    );
    assert_eq!(
        out[1].notes,
        ["no value of `age` in its range 0..120 meets all the comparisons it requires"]
    );
    assert_eq!(
        out[2].notes,
        ["it requires `acute` both to hold and not to hold"]
    );
    assert!(
        analysis.conflicts.is_empty(),
        "rules that never fire take no further part"
    );
}

#[test]
fn redundant_rules() {
    let mut k = Kit::new();
    let acute = k.fact("acute");
    let overweight = k.fact("overweight");
    let walking = k.exercise("walking");
    let swimming = k.exercise("swimming");
    let broad = k.rule(
        "broad",
        fact(acute),
        Action::Recommend,
        &[walking, swimming],
    );
    let narrow = k.rule(
        "narrow",
        all(vec![fact(acute), fact(overweight)]),
        Action::Recommend,
        &[walking],
    );
    // Not covered: it advises swimming only when `broad` does, but with a dose `broad` lacks.
    let dosed = k.rule("dosed", fact(acute), Action::Recommend, &[swimming]);
    k.dose(dosed, 20.0, 20.0, AmountUnit::Min, None);
    let (_, out) = run(&k);
    assert_eq!(codes(&out), ["W003"], "{out:?}");
    let d = &out[0];
    assert_eq!(
        d.message,
        "rule `narrow` is redundant: `broad` gives the same advice whenever `narrow` fires"
    );
    assert_eq!(d.span, k.model.rules[narrow].head_span);
    assert_eq!(d.secondary[0].span, k.model.rules[broad].head_span);
}

#[test]
fn equivalent_rules_report_only_the_later_one() {
    let mut k = Kit::new();
    let acute = k.fact("acute");
    let walking = k.exercise("walking");
    k.rule("first", fact(acute), Action::Avoid, &[walking]);
    let second = k.rule("second", not(not(fact(acute))), Action::Avoid, &[walking]);
    let (_, out) = run(&k);
    assert_eq!(codes(&out), ["W003"]);
    assert_eq!(out[0].span, k.model.rules[second].head_span);
}

#[test]
fn rules_in_overrides_are_never_redundant() {
    let mut k = Kit::new();
    let acute = k.fact("acute");
    let walking = k.exercise("walking");
    let first = k.rule("first", fact(acute), Action::Avoid, &[walking]);
    let second = k.rule("second", fact(acute), Action::Avoid, &[walking]);
    let third = k.rule("third", fact(acute), Action::Recommend, &[walking]);
    k.overrides(third, first);
    k.overrides(second, third);
    let (analysis, out) = run(&k);
    assert!(out.is_empty(), "{out:?}");
    assert_eq!(analysis.conflicts.len(), 2);
    assert!(analysis.conflicts.iter().all(|c| c.resolved_by.is_some()));
    assert_eq!(analysis.conflicts[0].resolved_by, Some(third));
    assert_eq!(analysis.conflicts[1].resolved_by, Some(second));
}

#[test]
fn needless_overrides() {
    let mut k = Kit::new();
    let acute = k.fact("acute");
    let walking = k.exercise("walking");
    let swimming = k.exercise("swimming");
    let a = k.rule("a", fact(acute), Action::Recommend, &[walking]);
    let b = k.rule("b", not(fact(acute)), Action::Avoid, &[walking]);
    let c = k.rule("c", Expr::Always, Action::Avoid, &[swimming]);
    // Same exercise and same patient, no clash: a deliberate precedence, not needless.
    let d = k.rule("d", Expr::Always, Action::Recommend, &[walking]);
    k.overrides(a, b);
    k.overrides(a, c);
    k.overrides(d, a);
    let (_, out) = run(&k);
    // `a` and `b` never fire together, but `d` (which contradicts `b`) prevails over `b`
    // through `a`: that chain needs `a overrides b`, so only `a overrides c` is needless.
    assert_eq!(codes(&out), ["W006"], "{out:?}");
    assert_eq!(
        out[0].message,
        "needless `overrides`: `a` and `c` never advise the same exercise for the same patient"
    );
    assert_eq!(out[0].span, Span::new(0, 410, 415));
    assert_eq!(out[0].notes, ["they advise no exercise in common"]);
    // Without `d`, nothing needs `a overrides b`.
    let mut k = Kit::new();
    let acute = k.fact("acute");
    let walking = k.exercise("walking");
    let a = k.rule("a", fact(acute), Action::Recommend, &[walking]);
    let b = k.rule("b", not(fact(acute)), Action::Avoid, &[walking]);
    k.overrides(a, b);
    let (_, out) = run(&k);
    assert_eq!(codes(&out), ["W006"], "{out:?}");
    assert_eq!(
        out[0].notes,
        ["no patient meets both conditions, so they never fire together"]
    );
    let _ = d;
}

#[test]
fn override_cycles() {
    let mut k = Kit::new();
    let walking = k.exercise("walking");
    let a = k.rule("a", Expr::Always, Action::Recommend, &[walking]);
    let b = k.rule("b", Expr::Always, Action::Recommend, &[walking]);
    let c = k.rule("c", Expr::Always, Action::Recommend, &[walking]);
    let selfish = k.rule("selfish", Expr::Always, Action::Consider, &[walking]);
    k.overrides(a, b);
    k.overrides(b, c);
    k.overrides(c, a);
    k.overrides(selfish, selfish);
    let (_, out) = run(&k);
    let e006: Vec<_> = out.iter().filter(|d| d.code == Code::E006).collect();
    assert_eq!(e006.len(), 2, "{out:?}");
    assert_eq!(
        e006[0].message,
        "rule `selfish` overrides itself: selfish → selfish"
    );
    assert_eq!(e006[0].span, Span::new(0, 3400, 3405));
    assert_eq!(e006[1].message, "`overrides` form a cycle: a → b → c → a");
    assert_eq!(e006[1].span, Span::new(0, 400, 405));
    assert_eq!(e006[1].label, "`a` overrides `b` here");
    let secondary: Vec<_> = e006[1]
        .secondary
        .iter()
        .map(|l| (l.span.start(), l.message.as_str()))
        .collect();
    assert_eq!(
        secondary,
        [
            (1400, "`b` overrides `c` here"),
            (2400, "`c` overrides `a` here")
        ]
    );
}

#[test]
fn a_cycle_with_a_branch_is_named_in_full() {
    let mut k = Kit::new();
    let walking = k.exercise("walking");
    let a = k.rule("a", Expr::Always, Action::Recommend, &[walking]);
    let b = k.rule("b", Expr::Always, Action::Recommend, &[walking]);
    let c = k.rule("c", Expr::Always, Action::Recommend, &[walking]);
    k.overrides(a, b);
    k.overrides(b, a);
    k.overrides(b, c);
    k.overrides(c, b);
    let (_, out) = run(&k);
    let e006: Vec<_> = out.iter().filter(|d| d.code == Code::E006).collect();
    assert_eq!(e006.len(), 1);
    assert_eq!(
        e006[0].message,
        "`overrides` form a cycle: a → b → c → b → a"
    );
}

/// A condition that is unsatisfiable and exponential for a plain search: eight pigeons in
/// seven holes.
fn pigeons(k: &mut Kit, tag: &str) -> Expr {
    let (pigeons, holes) = (8, 7);
    let p: Vec<Vec<usize>> = (0..pigeons)
        .map(|i| {
            (0..holes)
                .map(|h| k.fact(&format!("{tag}p{i}_h{h}")))
                .collect()
        })
        .collect();
    let mut clauses: Vec<Expr> = p
        .iter()
        .map(|row| any(row.iter().map(|&f| fact(f)).collect()))
        .collect();
    for h in 0..holes {
        for (i, a) in p.iter().enumerate() {
            for b in &p[i + 1..] {
                clauses.push(not(all(vec![fact(a[h]), fact(b[h])])));
            }
        }
    }
    all(clauses)
}

#[test]
fn an_exhausted_total_budget_is_reported_once() {
    let mut k = Kit::new();
    let walking = k.exercise("walking");
    for n in 0..6 {
        let when = pigeons(&mut k, &format!("r{n}_"));
        k.rule(&format!("puzzle_{n}"), when, Action::Recommend, &[walking]);
    }
    let space = Space::new(&k.model).with_total_budget(3 * sat::DEFAULT_BUDGET);
    let mut out = Vec::new();
    analyse_in(space, MAX_CONFLICTS, &k.model, &mut out);
    // Two rules use up most of the budget, one report each; the third runs it out, and it and
    // the rest are summed up in one report.
    assert_eq!(codes(&out), ["E011", "E011", "E011"], "{out:?}");
    assert!(
        out[0]
            .message
            .starts_with("the condition of `puzzle_0` is too complex")
    );
    assert!(
        out[1]
            .message
            .starts_with("the condition of `puzzle_1` is too complex")
    );
    assert_eq!(
        out[2].message,
        "the analysis ran out of its work budget: 4 questions about rule conditions, starting with \
         `puzzle_2`, were not answered, so some conflicts may not be reported"
    );
}

#[test]
fn conflicts_beyond_the_limit_are_summed_up() {
    let mut k = Kit::new();
    let walking = k.exercise("walking");
    for n in 0..4 {
        k.rule(
            &format!("go_{n}"),
            Expr::Always,
            Action::Recommend,
            &[walking],
        );
        k.rule(
            &format!("stop_{n}"),
            Expr::Always,
            Action::Avoid,
            &[walking],
        );
    }
    let mut out = Vec::new();
    let analysis = analyse_in(Space::new(&k.model), 5, &k.model, &mut out);
    assert_eq!(analysis.conflicts.len(), 5);
    let e011: Vec<_> = out.iter().filter(|d| d.code == Code::E011).collect();
    assert_eq!(e011.len(), 1);
    // 16 contradicting pairs in all: 5 recorded, 11 left.
    assert_eq!(
        e011[0].message,
        "the analysis stopped after 5 conflicts: 11 more pairs of rules that might clash, starting with \
         `stop_0` and `go_2`, were not checked"
    );
    assert_eq!(out.iter().filter(|d| d.code == Code::E010).count(), 5);
}

/// Many rules that cover or nearly cover each other, plain and not, some with doses.
fn covering_rules(n: usize) -> Kit {
    let mut k = Kit::new();
    let facts: Vec<_> = (0..6).map(|i| k.fact(&format!("f{i}"))).collect();
    let walking = k.exercise("walking");
    let swimming = k.exercise("swimming");
    let age = k.measure("age", 0.0, 120.0);
    for i in 0..n {
        let (a, b) = (facts[i % 6], facts[(i / 6) % 6]);
        let when = match i % 5 {
            0 => fact(a),
            1 => all(vec![fact(a), fact(b)]),
            2 => all(vec![fact(a), any(vec![fact(b), fact(facts[(i + 1) % 6])])]),
            3 => all(vec![fact(a), cmp(age, ">=", (i % 3) as f64 * 20.0)]),
            _ => any(vec![fact(a), not(fact(b))]),
        };
        let targets: &[usize] = if i % 4 == 0 {
            &[walking, swimming]
        } else {
            &[walking]
        };
        let r = k.rule(&format!("r{i}"), when, Action::Avoid, targets);
        if i % 7 == 0 {
            k.dose(r, 10.0, 20.0, AmountUnit::Min, None);
        }
    }
    k
}

#[test]
fn sifting_ahead_finds_what_trying_each_candidate_finds() {
    for n in [40, 5000] {
        let k = covering_rules(n);
        let run = |limit: usize| {
            let mut out = Vec::new();
            let space = Space::new(&k.model);
            let analysis = analyse_with(space, MAX_CONFLICTS, limit, PARALLEL, &k.model, &mut out);
            (format!("{analysis:?}"), format!("{out:?}"))
        };
        let (analysis, out) = run(0);
        assert!(out.contains("W003"), "the rules make redundancies");
        for limit in [1, 100, SIFT_LIMIT] {
            assert_eq!(run(limit), (analysis.clone(), out.clone()), "limit {limit}");
        }
    }
}

/// Threads never change the findings: with the parallel threshold lowered so that even small
/// rulesets take the parallel paths, one thread and many give what the serial path gives.
#[test]
fn one_thread_and_many_find_the_same() {
    for n in [40, 3000] {
        let k = covering_rules(n);
        let run = |parallel: usize| {
            let mut out = Vec::new();
            let space = Space::new(&k.model);
            let analysis = analyse_with(space, MAX_CONFLICTS, 50, parallel, &k.model, &mut out);
            (format!("{analysis:?}"), format!("{out:?}"))
        };
        let serial = run(usize::MAX);
        assert!(serial.1.contains("W003"), "the rules make redundancies");
        for threads in [1, 4] {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .expect("a thread pool");
            for parallel in [2, 16] {
                let found = pool.install(|| run(parallel));
                assert!(
                    found == serial,
                    "{threads} threads, parallel from {parallel}"
                );
            }
        }
    }
}

#[test]
fn too_complex_conditions_are_reported_not_skipped() {
    let mut k = Kit::new();
    let when = pigeons(&mut k, "");
    let walking = k.exercise("walking");
    k.rule("pigeons", when, Action::Recommend, &[walking]);
    k.rule("rest", Expr::Always, Action::Avoid, &[walking]);
    let (_, out) = run(&k);
    assert_eq!(codes(&out), ["E011"], "{out:?}");
    assert!(
        out[0]
            .message
            .starts_with("the condition of `pigeons` is too complex to analyse exactly")
    );
}

/// Many rules whose actions clash on shared exercises: plain conjunctions that agree or keep
/// apart, measure ranges, conditions that need a search, rules on several exercises (met
/// through each), doses, `overrides`, and a puzzle that takes much of the work budget.
fn clashing_rules(n: usize) -> Kit {
    let mut k = Kit::new();
    let facts: Vec<_> = (0..8).map(|i| k.fact(&format!("f{i}"))).collect();
    k.exclusive("stage", &[facts[6], facts[7]]);
    let exercises: Vec<_> = (0..5).map(|i| k.exercise(&format!("e{i}"))).collect();
    let age = k.measure("age", 0.0, 120.0);
    let when = pigeons(&mut k, "");
    k.rule("puzzle", when, Action::Recommend, &[exercises[0]]);
    for i in 0..n {
        let (a, b) = (facts[i % 8], facts[(i / 8) % 8]);
        let when = match i % 6 {
            0 => fact(a),
            1 => all(vec![fact(a), fact(b)]),
            2 => all(vec![fact(a), not(fact(b))]),
            3 => all(vec![
                fact(a),
                cmp(age, if i % 4 < 2 { ">=" } else { "<" }, 60.0),
            ]),
            4 => any(vec![
                fact(a),
                all(vec![fact(b), not(fact(facts[(i + 3) % 8]))]),
            ]),
            _ => Expr::Always,
        };
        let action = Action::ALL[(i / 3) % 5];
        let targets: Vec<usize> = match i % 4 {
            0 => vec![exercises[i % 5]],
            1 => vec![exercises[i % 5], exercises[(i + 1) % 5]],
            2 => vec![exercises[0], exercises[2], exercises[4]],
            _ => vec![exercises[(i / 4) % 5]],
        };
        let r = k.rule(&format!("r{i}"), when, action, &targets);
        if i % 9 == 0 && matches!(action, Action::Recommend | Action::Consider) {
            k.dose(
                r,
                (i % 3) as f64 * 10.0,
                (i % 3) as f64 * 10.0 + 5.0,
                AmountUnit::Min,
                None,
            );
        }
        if i % 13 == 5 && r > 2 {
            k.overrides(r, r - 2);
        }
    }
    k
}

/// The clash pass finds each rule's partners ahead of the pair checks, in parallel: whatever
/// the threads, the partner limit, the conflict limit or the work budget, the findings are
/// those of walking and checking one rule after the other.
#[test]
fn partners_found_ahead_give_what_walking_each_rule_gives() {
    for n in [60, 500] {
        let k = clashing_rules(n);
        let run = |limit: usize, parallel: usize, max_conflicts: usize, budget: u64| {
            let mut out = Vec::new();
            let space = Space::new(&k.model)
                .with_budget(20_000)
                .with_total_budget(budget);
            let analysis = analyse_with(space, max_conflicts, limit, parallel, &k.model, &mut out);
            (format!("{analysis:?}"), format!("{out:?}"))
        };
        for (max_conflicts, budget, shows) in [
            (MAX_CONFLICTS, sat::DEFAULT_TOTAL_BUDGET, "code: E010"),
            (
                40,
                sat::DEFAULT_TOTAL_BUDGET,
                "the analysis stopped after 40 conflicts",
            ),
            (
                MAX_CONFLICTS,
                21_000,
                "the analysis ran out of its work budget",
            ),
            (
                MAX_CONFLICTS,
                23_000,
                "the analysis ran out of its work budget",
            ),
        ] {
            // Every rule walked alone, on this thread: the reference.
            let serial = run(0, usize::MAX, max_conflicts, budget);
            assert!(serial.1.contains(shows), "{n} rules: {shows}");
            assert!(serial.1.contains("code: W004"), "{n} rules: tensions");
            for threads in [1, 3] {
                let pool = rayon::ThreadPoolBuilder::new()
                    .num_threads(threads)
                    .build()
                    .expect("a thread pool");
                for (limit, parallel) in
                    [(1, 8), (50, 2), (SIFT_LIMIT, 16), (SIFT_LIMIT, usize::MAX)]
                {
                    let found = pool.install(|| run(limit, parallel, max_conflicts, budget));
                    assert!(
                        found == serial,
                        "{n} rules, {threads} threads, limit {limit}, parallel from {parallel}, \
                         at most {max_conflicts} conflicts, budget {budget}"
                    );
                }
            }
        }
    }
}

/// Each rule's partners come in the order of the plain walk: its exercises in order, for each
/// the clashing actions in the order of [`Action::ALL`], for each the later rules in rule
/// order, each partner once (at its first meeting), those whose signatures are disjoint left
/// out. The pair checks ask the solver in this order, so the work budget runs out at the same
/// question however the partners were found.
#[test]
fn partners_come_in_the_order_of_the_plain_walk() {
    let k = clashing_rules(300);
    let exercises = RuleExercises::new(&k.model.rules);
    let mut out = Vec::new();
    let mut cx = Context::new(
        Space::new(&k.model),
        MAX_CONFLICTS,
        SIFT_LIMIT,
        8,
        &k.model,
        &exercises,
        &mut out,
    );
    cx.firing();
    let n = k.model.rules.len();
    let mut walked = Vec::new();
    for i in (0..n).filter(|&i| cx.active[i]) {
        let mut met = HashSet::default();
        for &e in &k.model.rules[i].exercises {
            for a in Action::ALL {
                let Some(kind) = clash(k.model.rules[i].action, a) else {
                    continue;
                };
                for j in (i + 1..n).filter(|&j| cx.active[j] && k.model.rules[j].action == a) {
                    if k.model.rules[j].exercises.contains(&e)
                        && met.insert(j)
                        && !cx.hot[i].signature.disjoint(&cx.hot[j].signature)
                    {
                        walked.push((i, j, kind));
                    }
                }
            }
        }
    }
    assert!(walked.len() > 1000, "{} pairs", walked.len());
    let index = cx.clash_index();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(3)
        .build()
        .expect("a thread pool");
    for limit in [1, 7, SIFT_LIMIT] {
        // Marks hold the last rule walked: a fresh set for each walk over the rules.
        let marks = pool.install(Marks::new);
        let mut found = Vec::new();
        let mut partners = Partners::default();
        for block in (0..n).step_by(64) {
            let rules = block..(block + 64).min(n);
            pool.install(|| {
                cx.checks().partners(
                    &cx.space,
                    &index,
                    &cx.active,
                    &marks,
                    limit,
                    8,
                    rules.clone(),
                    &mut partners,
                )
            });
            let (mut marks, mut alone) = (Vec::new(), Vec::new());
            for i in rules {
                let list = match partners.of(i) {
                    Some(list) => list.to_vec(),
                    None => {
                        cx.checks()
                            .partners_one(&cx.space, &index, &cx.active, &mut marks, i, &mut alone);
                        alone.clone()
                    }
                };
                found.extend(list.iter().map(|p| (i, p.rule as usize, p.kind)));
            }
        }
        assert_eq!(found, walked, "limit {limit}");
    }
}
