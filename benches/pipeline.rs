//! Criterion benchmarks of the pipeline on generated rulesets (see `support/generator.rs`):
//! parsing alone, `compile` (parse, names and the conflict analysis: what `carel check` does
//! before printing), `compile` plus the `check --format json` report, and `compile` plus the
//! JSON bundle (`carel build`), at 1,000 and 10,000 rules.
//!
//! ```text
//! cargo bench --bench pipeline
//! ```

#[path = "support/generator.rs"]
mod generator;
#[path = "support/workload.rs"]
mod workload;

use std::hint::black_box;

use carel::diagnostic::render;
use carel::source::Sources;
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};

// The same allocator as the `carel` binary, so that the figures match what users get.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const SIZES: [usize; 2] = [1_000, 10_000];

/// A generated ruleset of `rules` rules in ten files, as the loader would hand it over.
fn bytes(sources: &Sources) -> u64 {
    sources.files().iter().map(|f| f.text.len() as u64).sum()
}

fn pipeline(c: &mut Criterion) {
    for stage in ["parse", "check", "check_json", "build"] {
        let mut group = c.benchmark_group(stage);
        group.sample_size(10);
        for rules in SIZES {
            let sources = workload::sources(rules);
            group.throughput(Throughput::Bytes(bytes(&sources)));
            group.bench_with_input(
                BenchmarkId::from_parameter(rules),
                &sources,
                |b, s| match stage {
                    "parse" => b.iter(|| {
                        let mut diagnostics = Vec::new();
                        black_box(carel::syntax::parse(s, &mut diagnostics))
                    }),
                    "check" => b.iter(|| black_box(carel::compile(s))),
                    "check_json" => b.iter(|| {
                        let compilation = carel::compile(s);
                        black_box(format!("{:#}", render::json(s, &compilation.diagnostics)))
                    }),
                    _ => b.iter(|| {
                        let compilation = carel::compile(s);
                        let (Some(model), Some(analysis)) =
                            (&compilation.model, &compilation.analysis)
                        else {
                            panic!("the generated ruleset compiles")
                        };
                        black_box(carel::bundle::build(model, analysis, s).to_json())
                    }),
                },
            );
        }
        group.finish();
    }
}

criterion_group!(benches, pipeline);
criterion_main!(benches);
