//! Criterion benchmarks of bundles at scale: loading a 100,000-rule bundle from its JSON text
//! until it is ready to evaluate (`bundle_load/100000`: one-pass parse, digest check,
//! validation, index), and writing one as `carel build` does (`bundle_write/100000`: build
//! from the model, digest over the canonical form, pretty JSON). The bundle is made from the
//! generated ruleset of `support/generator.rs` (the holdout-style workload of
//! docs/performance.md).
//!
//! ```text
//! cargo bench --bench bundle
//! ```

#[path = "support/generator.rs"]
mod generator;
#[path = "support/workload.rs"]
mod workload;

use std::hint::black_box;

use carel::bundle::Bundle;
use carel::eval::Evaluator;
use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};

// The same allocator as the `carel` binary, so that the figures match what users get.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const RULES: usize = 100_000;

fn bundle(c: &mut Criterion) {
    let sources = workload::sources(RULES);
    let compilation = carel::compile(&sources);
    let (Some(model), Some(analysis)) = (&compilation.model, &compilation.analysis) else {
        panic!("the generated ruleset compiles")
    };
    let json = carel::bundle::build(model, analysis, &sources).to_json();

    let mut group = c.benchmark_group("bundle_load");
    group.sample_size(10);
    group.bench_with_input(BenchmarkId::from_parameter(RULES), &json, |b, json| {
        b.iter(|| {
            let bundle = Bundle::load(json).expect("the bundle loads");
            let evaluator = Evaluator::of_valid(&bundle);
            black_box(evaluator.bundle().rules.len());
        })
    });
    group.finish();

    let mut group = c.benchmark_group("bundle_write");
    group.sample_size(10);
    group.bench_function(BenchmarkId::from_parameter(RULES), |b| {
        b.iter(|| {
            let bundle = carel::bundle::build(model, analysis, &sources);
            black_box(bundle.to_json().len());
        })
    });
    group.finish();
}

criterion_group!(benches, bundle);
criterion_main!(benches);
