//! Times partial evaluation of the flagship (`--given chronic --unknown all`, and nothing
//! given with everything unknown), N times each, and prints the median wall time of each.
//! Run under `perf stat -e task-clock` to see CPU time on a busy machine:
//!
//! ```text
//! cargo run --release --example partial_timing -- 200
//! ```

use carel::bundle;
use carel::partial::PartialEvaluator;
use carel::source::Sources;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(100)
        .max(1);
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("rulesets/lower_back_pain");
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .expect("the flagship ruleset")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "carel"))
        .collect();
    paths.sort();
    let mut sources = Sources::new();
    for p in paths {
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        sources.add(name, std::fs::read_to_string(&p).unwrap());
    }
    let c = carel::compile(&sources);
    let b = bundle::build(&c.model.unwrap(), &c.analysis.unwrap(), &sources);
    let p = PartialEvaluator::new(&b).unwrap();
    for given in ["chronic", ""] {
        let k = p.parse_knowledge(given, "", Some("all")).unwrap();
        let mut times = Vec::with_capacity(n);
        for _ in 0..n {
            let t = std::time::Instant::now();
            std::hint::black_box(p.evaluate(&k).unwrap());
            times.push(t.elapsed());
        }
        times.sort();
        println!(
            "--given {given:?} --unknown all: median {:?} over {n} runs",
            times[n / 2]
        );
    }
}
