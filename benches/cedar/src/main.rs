//! Carel's evaluator side by side with Cedar's `is_authorized`, in one run, on the same advice.
//!
//! ```text
//! cd benches/cedar && cargo run --release [-- RULES]      # default 10000
//! ```
//!
//! The advice is a generated ruleset (`benches/support/generator.rs`, seed 1). Carel evaluates
//! it from its bundle, loaded from JSON as an app would; Cedar gets the same rules as policies
//! through `examples/to_cedar.rs` (one `permit` per live rule, the action as the Cedar action,
//! the exercise or category as `resource in [...]`, the condition as `when`/`unless`), with the
//! patient as a `Patient` entity holding one `Bool` per fact and a `Long` per measure, and the
//! exercises and categories as entities whose parents follow the hierarchy.
//!
//! The questions are not the same size. One Carel evaluation answers everything about one
//! patient: which rules fire, and the final advice with its reasons for every exercise they
//! advise. One Cedar request answers one question: does some policy permit this action on this
//! exercise for this patient. So three figures are printed, each a median over batches:
//! - Carel: one evaluation of one patient;
//! - Cedar: one `is_authorized` request;
//! - Cedar: the requests needed for the same final advice (four actions for each exercise Carel
//!   advised on, which still leaves out `overrides`, which Cedar cannot express).
//! Entities, policies and the schema are built before timing, for both.

#[path = "../../support/generator.rs"]
mod generator;
#[path = "../../support/workload.rs"]
mod workload;

#[path = "../../../examples/to_cedar.rs"]
#[allow(dead_code)]
mod to_cedar;

use std::hint::black_box;
use std::str::FromStr;
use std::time::Instant;

use carel::bundle::Bundle;
use carel::eval::{Evaluator, Patient};
use cedar_policy::{
    Authorizer, Context, Decision, Entities, EntityUid, PolicySet, Request, Schema,
};
use serde_json::json;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const ACTIONS: [&str; 4] = ["avoid", "caution", "recommend", "consider"];

fn main() {
    let rules: usize = std::env::args()
        .nth(1)
        .map_or(10_000, |a| a.parse().expect("RULES is a whole number"));
    let sources = workload::sources(rules);
    let compilation = carel::compile(&sources);
    let (Some(model), Some(analysis)) = (&compilation.model, &compilation.analysis) else {
        panic!("the generated ruleset compiles")
    };
    let json = carel::bundle::build(model, analysis, &sources).to_json();
    let bundle = Bundle::from_json(&json).expect("the bundle loads");
    let evaluator = Evaluator::new(&bundle).expect("the bundle is valid");

    let (schema, _) =
        Schema::from_cedarschema_str(&to_cedar::schema(model)).expect("the schema parses");
    let policies = PolicySet::from_str(&to_cedar::policies(model)).expect("the policies parse");
    let authorizer = Authorizer::new();

    let patients = patients(&bundle);
    let mut carel_answers = 0usize;
    let mut cases = Vec::new();
    for (i, patient) in patients.iter().enumerate() {
        let entities = entities(&bundle, patient, &schema);
        let outcome = evaluator.evaluate(patient);
        let requests: Vec<(Request, String, &str)> = outcome
            .advice
            .iter()
            .flat_map(|a| ACTIONS.map(|action| (a.exercise.clone(), action)))
            .map(|(exercise, action)| (request(&exercise, action, &schema), exercise, action))
            .collect();
        // The two engines agree on which actions some rule advises for each exercise (Cedar
        // has no `overrides`, so only the rules that fire are compared, not the final advice).
        for (request, exercise, action) in &requests {
            let cedar = authorizer
                .is_authorized(request, &policies, &entities)
                .decision()
                == Decision::Allow;
            let carel = outcome
                .get(exercise)
                .is_some_and(|a| a.advised.iter().any(|c| c.action.as_str() == *action));
            assert_eq!(cedar, carel, "patient {i}: {action} {exercise}");
            carel_answers += 1;
        }
        cases.push((patient, entities, requests));
    }
    println!(
        "{rules} rules, {} patients, {carel_answers} (action, exercise) answers compared: Carel and Cedar agree",
        patients.len()
    );

    let carel_eval = median_ns(31, || {
        for (patient, _, _) in &cases {
            black_box(evaluator.evaluate(patient));
        }
        cases.len()
    });
    let cedar_one = median_ns(5, || {
        let mut n = 0;
        for (_, entities, requests) in &cases {
            if let Some((request, _, _)) = requests.first() {
                black_box(authorizer.is_authorized(request, &policies, entities));
                n += 1;
            }
        }
        n
    });
    // Cedar tests every policy on every request: a few patients are enough here.
    let few = &cases[..8];
    let cedar_all = median_ns(3, || {
        for (_, entities, requests) in few {
            for (request, _, _) in requests {
                black_box(authorizer.is_authorized(request, &policies, entities));
            }
        }
        few.len()
    });
    let per_patient = few.iter().map(|c| c.2.len()).sum::<usize>() as f64 / few.len() as f64;
    println!(
        "Carel, one evaluation (all advice for one patient): {:>10.2} µs",
        carel_eval / 1e3
    );
    println!(
        "Cedar, one is_authorized request:                   {:>10.2} µs",
        cedar_one / 1e3
    );
    println!(
        "Cedar, the {per_patient:.0} requests for the same advice:           {:>10.2} µs",
        cedar_all / 1e3
    );
    println!(
        "ratio: one Cedar request / one Carel evaluation = {:.1}; same advice = {:.1}",
        cedar_one / carel_eval,
        cedar_all / carel_eval
    );
}

/// Median over `batches` batches of the time per item; `batch` runs one batch and says how
/// many items it ran.
fn median_ns(batches: usize, mut batch: impl FnMut() -> usize) -> f64 {
    batch();
    let mut times: Vec<f64> = (0..batches)
        .map(|_| {
            let start = Instant::now();
            let n = batch().max(1);
            start.elapsed().as_nanos() as f64 / n as f64
        })
        .collect();
    times.sort_by(f64::total_cmp);
    times[times.len() / 2]
}

/// The same 64 patients as `benches/eval.rs`.
fn patients(bundle: &Bundle) -> Vec<Patient> {
    let conditions = &bundle.vocabulary.conditions;
    let factors: Vec<&str> = bundle
        .vocabulary
        .factors
        .iter()
        .map(|f| f.id.as_str())
        .filter(|f| !["acute", "subacute", "chronic"].contains(f))
        .collect();
    (0..64usize)
        .map(|i| {
            let mut facts = vec![
                ["acute", "subacute", "chronic"][i % 3].to_string(),
                conditions[(i * 7) % conditions.len()].id.clone(),
            ];
            if i % 2 == 0 {
                facts.push(conditions[(i * 13 + 5) % conditions.len()].id.clone());
            }
            if i % 4 == 0 && !factors.is_empty() {
                facts.push(factors[i % factors.len()].to_string());
            }
            Patient {
                facts: facts.into_iter().collect(),
                measures: [("age".to_string(), (20 + (i * 11) % 70) as f64)]
                    .into_iter()
                    .collect(),
                implied: Default::default(),
            }
        })
        .collect()
}

/// The patient, every exercise and every category, as Cedar entities.
fn entities(bundle: &Bundle, patient: &Patient, schema: &Schema) -> Entities {
    let v = &bundle.vocabulary;
    let uid = |kind: &str, id: &str| json!({"type": kind, "id": id});
    let mut attrs = serde_json::Map::new();
    for f in v.conditions.iter().chain(&v.factors) {
        attrs.insert(f.id.clone(), json!(patient.facts.contains(&f.id)));
    }
    for (m, value) in &patient.measures {
        attrs.insert(m.clone(), json!(*value as i64));
    }
    let mut list = vec![json!({"uid": uid("Patient", "p"), "attrs": attrs, "parents": []})];
    for e in &v.exercises {
        let parents: Vec<_> = e.categories.iter().map(|c| uid("Category", c)).collect();
        list.push(json!({"uid": uid("Exercise", &e.id), "attrs": {}, "parents": parents}));
    }
    for c in &v.categories {
        let parents: Vec<_> = c.parents.iter().map(|p| uid("Category", p)).collect();
        list.push(json!({"uid": uid("Category", &c.id), "attrs": {}, "parents": parents}));
    }
    Entities::from_json_value(serde_json::Value::Array(list), Some(schema))
        .expect("the entities fit the schema")
}

fn request(exercise: &str, action: &str, schema: &Schema) -> Request {
    let uid = |text: String| EntityUid::from_str(&text).expect("an entity id");
    Request::new(
        uid("Patient::\"p\"".to_string()),
        uid(format!("Action::\"{action}\"")),
        uid(format!("Exercise::{exercise:?}")),
        Context::empty(),
        Some(schema),
    )
    .expect("the request fits the schema")
}
