//! Criterion benchmark of partial evaluation (§10) on the flagship ruleset
//! `rulesets/lower_back_pain`, from its bundle as `carel eval` holds it: every fact and
//! measure not given unknown (`--unknown all`), for a patient given only `chronic`, and for a
//! patient with nothing given. Plain evaluation of the same bundle is measured alongside.
//!
//! ```text
//! cargo bench --bench partial
//! ```

use std::hint::black_box;

use carel::bundle::{self, Bundle};
use carel::partial::PartialEvaluator;
use carel::source::Sources;
use criterion::{Criterion, criterion_group, criterion_main};

// The same allocator as the `carel` binary, so that the figures match what users get.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The flagship's bundle, built in memory as `carel eval rulesets/lower_back_pain` builds it.
fn flagship() -> Bundle {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("rulesets/lower_back_pain");
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .expect("the flagship ruleset")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "carel"))
        .collect();
    paths.sort();
    let mut sources = Sources::new();
    sources.set_name("lower_back_pain");
    for p in paths {
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        sources.add(name, std::fs::read_to_string(&p).unwrap());
    }
    let c = carel::compile(&sources);
    assert!(!c.has_errors(), "the flagship checks clean");
    bundle::build(&c.model.unwrap(), &c.analysis.unwrap(), &sources)
}

fn partial(c: &mut Criterion) {
    let bundle = flagship();
    let p = PartialEvaluator::new(&bundle).unwrap();
    let mut group = c.benchmark_group("partial_flagship");
    for (name, given) in [
        ("chronic_unknown_all", "chronic"),
        ("nothing_given_unknown_all", ""),
    ] {
        let knowledge = p.parse_knowledge(given, "", Some("all")).unwrap();
        group.bench_function(name, |b| {
            b.iter(|| black_box(p.evaluate(black_box(&knowledge)).unwrap()))
        });
    }
    let knowledge = p.parse_knowledge("chronic", "", None).unwrap();
    group.bench_function("chronic_nothing_unknown", |b| {
        b.iter(|| black_box(p.evaluate(black_box(&knowledge)).unwrap()))
    });
    group.finish();
}

criterion_group!(benches, partial);
criterion_main!(benches);
