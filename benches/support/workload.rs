//! The benchmarks' workload: the generated ruleset (`generator.rs`) of a given size, seed 1, ten
//! files, as the sources `carel::compile` reads. Included next to `generator.rs`.

use carel::source::Sources;

use crate::generator;

/// The workload of `rules` rules.
pub fn sources(rules: usize) -> Sources {
    let ruleset = generator::generate(generator::Config {
        rules,
        seed: 1,
        files: 10,
    });
    let mut sources = Sources::new();
    sources.set_name("generated");
    for file in ruleset.files {
        sources.add(file.name, file.text);
    }
    sources
}
