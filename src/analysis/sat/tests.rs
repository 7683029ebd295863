use super::*;
use crate::analysis::testkit::{all, any, cmp, fact, not};

fn space() -> Space {
    // Facts 0..4; 0 and 1 exclusive, 2, 3 and 4 exclusive; age 0..120, pain 0..10.
    Space::from_parts(
        5,
        vec![vec![0, 1], vec![2, 3, 4]],
        vec![(Some(0.0), Some(120.0)), (Some(0.0), Some(10.0))],
    )
}

const AGE: MeasureId = 0;
const PAIN: MeasureId = 1;

fn sat(cs: &[(&Expr, bool)]) -> bool {
    satisfiable(&space(), cs).expect("fits the budget")
}

fn wit(cs: &[(&Expr, bool)]) -> Option<Patient> {
    witness(&space(), cs).expect("fits the budget")
}

#[test]
fn round_values() {
    assert_eq!(round_value(65.0, true, 120.0, true), Some(90.0));
    assert_eq!(round_value(65.0, true, 80.0, true), Some(70.0));
    assert_eq!(round_value(65.0, false, 70.0, false), Some(67.0));
    assert_eq!(round_value(4.0, true, 7.0, true), Some(5.0));
    assert_eq!(round_value(2.2, true, 2.8, true), Some(2.5));
    assert_eq!(round_value(0.0, true, 120.0, true), Some(50.0));
    assert_eq!(round_value(0.0, true, 65.0, false), Some(30.0));
    assert_eq!(round_value(65.0, true, 66.0, true), Some(65.0));
    assert_eq!(round_value(65.0, false, 66.0, true), Some(66.0));
    assert_eq!(round_value(65.0, false, 66.0, false), Some(65.5));
    assert_eq!(round_value(7.0, true, 7.0, true), Some(7.0));
    assert_eq!(round_value(7.0, false, 7.0, false), None);
    assert_eq!(
        round_value(f64::NEG_INFINITY, false, f64::INFINITY, false),
        Some(0.0)
    );
    assert_eq!(round_value(100.0, false, f64::INFINITY, false), Some(150.0));
    assert_eq!(round_value(f64::NEG_INFINITY, false, 3.0, true), Some(0.0));
    assert_eq!(
        round_value(-7.0, true, 3.0, true).map(f64::is_sign_negative),
        Some(false)
    );
}

#[test]
fn unknown_measures_fail_every_comparison() {
    let old = cmp(AGE, ">=", 65.0);
    let young = cmp(AGE, "<", 65.0);
    // Neither old nor young: only an unknown age.
    assert!(sat(&[(&old, false), (&young, false)]));
    assert_eq!(
        wit(&[(&old, false), (&young, false)]),
        Some(Patient::default())
    );
    // `not (age >= 65)` is met by a known young age first.
    assert_eq!(
        wit(&[(&not(old.clone()), true)]),
        Some(Patient {
            facts: vec![],
            measures: vec![(AGE, 30.0)]
        })
    );
    assert!(!sat(&[(&old, true), (&young, true)]));
}

#[test]
fn exclusive_groups() {
    assert!(!sat(&[(&all(vec![fact(0), fact(1)]), true)]));
    assert!(!sat(&[(&fact(2), true), (&fact(4), true)]));
    assert!(sat(&[(&fact(0), true), (&fact(2), true)]));
    // One of three, not the first two: the third.
    let e = all(vec![
        any(vec![fact(2), fact(3), fact(4)]),
        not(fact(2)),
        not(fact(3)),
    ]);
    assert_eq!(wit(&[(&e, true)]).map(|p| p.facts), Some(vec![4]));
}

#[test]
fn witnesses_have_fewest_facts_then_earliest_declared() {
    let e = any(vec![all(vec![fact(0), fact(2)]), fact(3), fact(4)]);
    assert_eq!(wit(&[(&e, true)]).map(|p| p.facts), Some(vec![3]));
    let e = all(vec![
        any(vec![fact(0), fact(1)]),
        any(vec![fact(1), fact(2)]),
    ]);
    assert_eq!(wit(&[(&e, true)]).map(|p| p.facts), Some(vec![1]));
}

#[test]
fn measures_in_ranges_and_round() {
    let e = all(vec![
        cmp(AGE, ">", 65.0),
        cmp(PAIN, "!=", 5.0),
        Expr::In {
            measure: PAIN,
            lo: 3.0,
            hi: 8.0,
        },
    ]);
    let w = wit(&[(&e, true)]).expect("satisfiable");
    // age (65, 120] → 90; pain 3..8 without 5: the widest stretch (5, 8] → 6.
    assert_eq!(w.measures, [(AGE, 90.0), (PAIN, 6.0)]);
    assert!(e.holds(&w));
    // Outside the declared range nothing fits.
    assert!(!sat(&[(&cmp(PAIN, ">", 10.0), true)]));
    assert!(!sat(&[(&cmp(AGE, "=", -1.0), true)]));
    assert_eq!(
        wit(&[(&cmp(PAIN, ">=", 10.0), true)]).map(|p| p.measures),
        Some(vec![(PAIN, 10.0)])
    );
}

#[test]
fn implication() {
    let s = space();
    let old = cmp(AGE, ">=", 65.0);
    let older = cmp(AGE, ">=", 70.0);
    assert!(implies(&s, &older, &old).unwrap());
    assert!(!implies(&s, &old, &older).unwrap());
    // Unknown age: `not old` does not imply `age < 65`.
    assert!(!implies(&s, &not(old.clone()), &cmp(AGE, "<", 65.0)).unwrap());
    assert!(implies(&s, &cmp(AGE, "<", 65.0), &not(old.clone())).unwrap());
    // Through an exclusive group: fact 2 excludes 3.
    assert!(implies(&s, &fact(2), &not(fact(3))).unwrap());
    assert!(implies(&s, &fact(2), &any(vec![fact(2), fact(0)])).unwrap());
    assert!(!implies(&s, &any(vec![fact(2), fact(0)]), &fact(2)).unwrap());
    assert!(implies(&s, &Expr::Always, &Expr::Always).unwrap());
    assert!(implies(&s, &all(vec![fact(0), fact(1)]), &fact(4)).unwrap());
}

#[test]
fn odd_numbers_do_not_break_it() {
    let big = cmp(AGE, ">=", 1e20);
    assert!(!sat(&[(&big, true)]));
    let space = Space::from_parts(0, vec![], vec![(None, None)]);
    let huge = cmp(0, ">", f64::MAX);
    assert!(!satisfiable(&space, &[(&huge, true)]).unwrap());
    let inf = cmp(0, "<", f64::INFINITY);
    assert!(satisfiable(&space, &[(&inf, true)]).unwrap());
    let nan = cmp(0, "=", f64::NAN);
    assert!(!satisfiable(&space, &[(&nan, true)]).unwrap());
    assert!(satisfiable(&space, &[(&cmp(0, "!=", f64::NAN), true)]).unwrap());
    let tiny = all(vec![cmp(0, ">", 1.0), cmp(0, "<", 1.0f64.next_up())]);
    assert!(!satisfiable(&space, &[(&tiny, true)]).unwrap());
    // An empty range admits only an unknown value.
    let empty = Space::from_parts(0, vec![], vec![(Some(5.0), Some(2.0))]);
    assert!(!satisfiable(&empty, &[(&cmp(0, ">", 0.0), true)]).unwrap());
    assert!(satisfiable(&empty, &[(&cmp(0, ">", 0.0), false)]).unwrap());
}

#[test]
fn deep_conditions_do_not_overflow() {
    let mut e = fact(0);
    for i in 0..5000 {
        e = if i % 2 == 0 {
            Expr::All(vec![e, fact(2)])
        } else {
            Expr::Any(vec![e, fact(3)])
        };
    }
    assert_eq!(satisfiable(&space(), &[(&e, true)]), Err(TooComplex));
    let mut n = fact(0);
    for _ in 0..100_000 {
        n = not(n);
    }
    assert!(sat(&[(&n, true)]));
    // Dropping a deep tree is the caller's concern; keep this one alive past the test.
    std::mem::forget(n);
    std::mem::forget(e);
}

#[test]
fn the_total_budget_stops_every_later_search() {
    let s = space().with_total_budget(300);
    let e = any(vec![
        all(vec![fact(0), fact(2)]),
        all(vec![fact(1), fact(3)]),
    ]);
    assert_eq!(satisfiable(&s, &[(&e, true)]), Ok(true));
    assert!(!s.exhausted());
    let mut answers = Vec::new();
    for _ in 0..20 {
        answers.push(satisfiable(&s, &[(&e, true), (&fact(4), true)]));
    }
    assert!(s.exhausted());
    assert_eq!(answers.last(), Some(&Err(TooComplex)));
    assert_eq!(
        satisfiable(&s, &[(&fact(4), true)]),
        Ok(true),
        "the fast path still answers"
    );
}

#[test]
fn the_budget_stops_the_search() {
    let s = space().with_budget(10);
    let e = any(vec![
        all(vec![fact(0), fact(2)]),
        all(vec![fact(1), fact(3)]),
    ]);
    assert_eq!(
        satisfiable(&s, &[(&e, true), (&fact(4), true)]),
        Err(TooComplex)
    );
    // The fast path needs no search and no budget.
    assert_eq!(satisfiable(&s, &[(&fact(4), true)]), Ok(true));
}
