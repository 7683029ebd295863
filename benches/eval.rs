//! Criterion benchmarks of evaluation, as an app or `carel serve` runs it: one patient against
//! a bundle loaded from JSON (`evaluate/10000`: 10,000 generated rules, see
//! `support/generator.rs`; the patients cycle through 64 made from the bundle's vocabulary: a
//! stage, one or two conditions, sometimes a factor, an age), and loading a bundle from its JSON
//! text until it is ready to evaluate (`load/…`: parse, validate, index).
//!
//! ```text
//! cargo bench --bench eval
//! ```

#[path = "support/generator.rs"]
mod generator;
#[path = "support/workload.rs"]
mod workload;

use std::hint::black_box;

use carel::bundle::Bundle;
use carel::eval::{Evaluator, Patient};
use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};

// The same allocator as the `carel` binary, so that the figures match what users get.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The JSON bundle `carel build` writes for a generated ruleset of `rules` rules.
fn bundle_json(rules: usize) -> String {
    let sources = workload::sources(rules);
    let compilation = carel::compile(&sources);
    let (Some(model), Some(analysis)) = (&compilation.model, &compilation.analysis) else {
        panic!("the generated ruleset compiles")
    };
    carel::bundle::build(model, analysis, &sources).to_json()
}

/// 64 patients made from the vocabulary, deterministically.
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

fn evaluate(c: &mut Criterion) {
    let rules = 10_000;
    let bundle = Bundle::from_json(&bundle_json(rules)).expect("the bundle loads");
    let evaluator = Evaluator::new(&bundle).expect("the bundle is valid");
    let patients = patients(&bundle);
    let fired: usize = patients
        .iter()
        .map(|p| evaluator.evaluate(p).fired.len())
        .sum();
    eprintln!(
        "evaluate/{rules}: {:.1} rules fire per patient on average",
        fired as f64 / patients.len() as f64
    );
    let mut group = c.benchmark_group("evaluate");
    group.bench_function(BenchmarkId::from_parameter(rules), |b| {
        let mut next = patients.iter().cycle();
        b.iter(|| black_box(evaluator.evaluate(next.next().expect("cycles"))))
    });
    group.finish();
}

fn load(c: &mut Criterion) {
    let mut group = c.benchmark_group("load");
    group.sample_size(10);
    for rules in [10_000, 100_000] {
        let json = bundle_json(rules);
        group.bench_with_input(BenchmarkId::from_parameter(rules), &json, |b, json| {
            b.iter(|| {
                let bundle = Bundle::load(json).expect("the bundle loads");
                let evaluator = Evaluator::of_valid(&bundle);
                black_box(evaluator.bundle().rules.len());
            })
        });
    }
    group.finish();
}

criterion_group!(benches, evaluate, load);
criterion_main!(benches);
