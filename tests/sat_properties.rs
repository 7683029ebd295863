//! The solver against brute force: on small random vocabularies and random conditions, its
//! answers (satisfiable, witness, implication) equal what enumerating every patient gives.

mod common;

use carel::analysis::sat;
use carel::model::{Expr, Patient};
use common::{Vocab, expr, vocab};
use proptest::prelude::*;

fn case() -> impl Strategy<Value = (Vocab, Vec<(Expr, bool)>)> {
    vocab().prop_flat_map(|v| {
        let constraints = prop::collection::vec((expr(&v), any::<bool>()), 1..=3);
        (Just(v), constraints)
    })
}

fn holds_all(p: &Patient, cs: &[(&Expr, bool)]) -> bool {
    cs.iter().all(|(e, want)| e.holds(p) == *want)
}

fn mentioned_measures(cs: &[(&Expr, bool)]) -> Vec<usize> {
    let mut out = Vec::new();
    let mut stack: Vec<&Expr> = cs.iter().map(|(e, _)| *e).collect();
    while let Some(e) = stack.pop() {
        match e {
            Expr::Cmp { measure, .. } | Expr::In { measure, .. } => out.push(*measure),
            Expr::Not(x) => stack.push(x),
            Expr::All(es) | Expr::Any(es) => stack.extend(es.iter()),
            Expr::Always | Expr::Fact(_) => {}
        }
    }
    out.sort_unstable();
    out.dedup();
    out
}

fn cost(p: &Patient, mentioned: &[usize]) -> (usize, usize) {
    (
        p.facts.len(),
        mentioned.iter().filter(|&&m| p.value(m).is_none()).count(),
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn satisfiable_and_witness_agree_with_brute_force((v, cs) in case()) {
        let space = v.space();
        let cs: Vec<(&Expr, bool)> = cs.iter().map(|(e, b)| (e, *b)).collect();
        let mentioned = mentioned_measures(&cs);
        let patients = v.patients();
        let best = patients
            .iter()
            .filter(|p| holds_all(p, &cs))
            .map(|p| cost(p, &mentioned))
            .min();
        let sat = sat::satisfiable(&space, &cs).expect("small conditions fit the budget");
        prop_assert_eq!(sat, best.is_some());
        let example = space.example(&[&space.prepare(&cs)]).expect("small conditions fit the budget");
        prop_assert_eq!(example.is_some(), best.is_some());
        if let Some(e) = &example {
            prop_assert!(holds_all(e, &cs), "example {:?} does not satisfy the conditions", e);
            for g in &v.groups {
                prop_assert!(g.iter().filter(|&&m| e.has(m)).count() <= 1);
            }
        }
        let w = sat::witness(&space, &cs).expect("small conditions fit the budget");
        prop_assert_eq!(w.is_some(), best.is_some());
        if let Some(w) = w {
            prop_assert!(holds_all(&w, &cs), "witness {:?} does not satisfy the conditions", w);
            // A real patient: groups respected, values inside ranges, only mentioned measures.
            for g in &v.groups {
                prop_assert!(g.iter().filter(|&&m| w.has(m)).count() <= 1);
            }
            for &(m, value) in &w.measures {
                let (lo, hi) = v.ranges[m];
                prop_assert!(lo.is_none_or(|lo| value >= lo) && hi.is_none_or(|hi| value <= hi));
                prop_assert!(mentioned.contains(&m));
            }
            prop_assert!(w.facts.windows(2).all(|p| p[0] < p[1]));
            prop_assert!(w.measures.windows(2).all(|p| p[0].0 < p[1].0));
            prop_assert_eq!(Some(cost(&w, &mentioned)), best);
        }
    }

    #[test]
    fn implication_agrees_with_brute_force((v, cs) in case()) {
        let space = v.space();
        let a = &cs[0].0;
        let b = cs.get(1).map_or(&cs[0].0, |c| &c.0);
        let expected = v.patients().iter().all(|p| !a.holds(p) || b.holds(p));
        prop_assert_eq!(sat::implies(&space, a, b).expect("fits the budget"), expected);
        // The same through a prepared conjunction on both sides.
        let pa = space.prepare(&cs.iter().map(|(e, w)| (e, *w)).collect::<Vec<_>>());
        let pb = space.prepare(&[(b, true)]);
        let expected = v
            .patients()
            .iter()
            .all(|p| !cs.iter().all(|(e, w)| e.holds(p) == *w) || b.holds(p));
        prop_assert_eq!(space.implies(&pa, &pb).expect("fits the budget"), expected);
    }

    #[test]
    fn pairs_of_prepared_conditions_agree_with_brute_force((v, cs) in case()) {
        let space = v.space();
        let parts: Vec<_> = cs.iter().map(|(e, w)| space.prepare(&[(e, *w)])).collect();
        let refs: Vec<&_> = parts.iter().collect();
        let expected = v.patients().iter().any(|p| cs.iter().all(|(e, w)| e.holds(p) == *w));
        prop_assert_eq!(space.sat_all(&refs).expect("fits the budget"), expected);
        // Signatures only ever prove incompatibility or non-inclusion when it is true.
        if parts.len() >= 2 {
            let (a, b) = (&parts[0], &parts[1]);
            let both = v.patients().iter().any(|p| cs[0].0.holds(p) == cs[0].1 && cs[1].0.holds(p) == cs[1].1);
            let (sa, sb) = (space.signature(a), space.signature(b));
            if sa.disjoint(&sb) {
                prop_assert!(!both, "signatures call compatible conditions disjoint");
            }
            if !sa.may_cover(&sb) {
                prop_assert!(a.required_facts().iter().any(|f| !b.required_facts().contains(f)));
            }
        }
    }
}
