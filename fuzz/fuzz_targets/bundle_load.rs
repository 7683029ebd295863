//! Loading a bundle for evaluation (`carel eval BUNDLE`): any bytes must load or be refused
//! with a reason, and a bundle that loads must evaluate, serialise and load again unchanged.
#![no_main]

use carel::bundle::Bundle;
use carel::eval::{Evaluator, Patient};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let bundle = match Bundle::from_json(text) {
        Ok(b) => b,
        Err(reason) => {
            assert!(!reason.is_empty());
            return;
        }
    };
    let again = Bundle::from_json(&bundle.to_json()).expect("a loaded bundle loads again");
    assert_eq!(again, bundle);
    let Ok(evaluator) = Evaluator::new(&bundle) else {
        return;
    };
    // Nobody, everybody, and each measure at its bounds.
    let v = &bundle.vocabulary;
    let mut everyone = Patient::default();
    everyone
        .facts
        .extend(v.conditions.iter().chain(&v.factors).map(|f| f.id.clone()));
    for m in &v.measures {
        if let Some(lo) = m.min {
            everyone.measures.insert(m.id.clone(), lo);
        }
    }
    for patient in [Patient::default(), everyone] {
        let outcome = evaluator.evaluate(&patient);
        let _ = outcome.to_json();
        let _ = carel::partial::trace(&bundle, &outcome, None);
    }
});
