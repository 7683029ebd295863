//! Time each step of `carel build` after analysis, and of loading a bundle: build the bundle,
//! its digest, its JSON text; parse the JSON, canonicalise it, validate, index for evaluation;
//! and, for comparison, the canonical form through `serde_json_canonicalizer` and through a
//! `serde_json::Value` tree. Used to see where the time goes (docs/performance.md,
//! ARCHITECTURE.md on canonical JSON). Given a bundle (`.json`), times loading it only.
//!
//!   cargo run --release --example bundle_phases -- RULESET_OR_BUNDLE [RUNS]

use std::time::Instant;

use carel::bundle::Bundle;
use carel::source::Sources;

// The same allocator as the `carel` binary.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let mut args = std::env::args().skip(1);
    let Some(path) = args.next() else {
        eprintln!("usage: bundle_phases DIR_OR_FILE [RUNS]");
        std::process::exit(2);
    };
    // SAFETY: sets a process-wide allocator option before any other thread exists.
    unsafe {
        libmimalloc_sys::mi_option_set_enabled(libmimalloc_sys::mi_option_large_os_pages, true);
        // mimalloc's `mi_option_purge_delay`: freed memory goes back to the OS after 10 ms.
        libmimalloc_sys::mi_option_set(15, 10);
    }
    let runs: usize = args.next().and_then(|r| r.parse().ok()).unwrap_or(1);
    if path.ends_with(".json") {
        // Loading only: parse, check and index a bundle file.
        let json = std::fs::read_to_string(&path).expect("a readable bundle");
        for _ in 0..runs {
            let t = Instant::now();
            let loaded = Bundle::load(&json).expect("the bundle loads");
            let from_json = t.elapsed();
            let t = Instant::now();
            let evaluator = carel::eval::Evaluator::of_valid(&loaded);
            let index = t.elapsed();
            std::hint::black_box(evaluator.bundle().rules.len());
            println!("from_json {from_json:.3?}  evaluator {index:.3?}");
        }
        return;
    }
    let sources: Sources = carel::load::ruleset(&path)
        .expect("a readable ruleset")
        .sources;
    for _ in 0..runs {
        let t = Instant::now();
        let compilation = carel::compile(&sources);
        let compile = t.elapsed();
        let (Some(model), Some(analysis)) = (&compilation.model, &compilation.analysis) else {
            panic!("the ruleset compiles")
        };
        let t = Instant::now();
        let bundle = carel::bundle::build(model, analysis, &sources);
        let build = t.elapsed();
        let t = Instant::now();
        let digest = bundle.compute_digest();
        let digest_time = t.elapsed();
        assert_eq!(digest, bundle.digest);
        let t = Instant::now();
        let mut head = bundle.clone();
        head.digest = String::new();
        let crate_bytes = {
            // The same content through serde_json_canonicalizer: the bundle without `digest`.
            let mut value = serde_json::to_value(&head).expect("plain data");
            if let serde_json::Value::Object(map) = &mut value {
                map.remove("digest");
            }
            value
        };
        let clone_and_value = t.elapsed();
        let t = Instant::now();
        let crate_canonical = serde_json_canonicalizer::to_vec(&crate_bytes).expect("canonical");
        let crate_time = t.elapsed();
        assert_eq!(
            crate_canonical,
            bundle.canonical_bytes(),
            "the crate agrees"
        );
        println!(
            "serde_json_canonicalizer over the value: {crate_time:.3?} (value tree {clone_and_value:.3?})"
        );
        let t = Instant::now();
        let json = bundle.to_json();
        let to_json = t.elapsed();
        let t = Instant::now();
        let loaded = Bundle::load(&json).expect("the bundle loads");
        let from_json = t.elapsed();
        let t = Instant::now();
        let evaluator = carel::eval::Evaluator::of_valid(&loaded);
        let index = t.elapsed();
        std::hint::black_box(evaluator.bundle().rules.len());
        let t = Instant::now();
        loaded.validate().expect("valid");
        let validate = t.elapsed();
        let t = Instant::now();
        let typed: Bundle = serde_json::from_str(&json).expect("a bundle");
        let typed_parse = t.elapsed();
        let t = Instant::now();
        drop(typed);
        let typed_drop = t.elapsed();
        let t = Instant::now();
        let text_canon =
            carel::bundle::canonical::text_to_vec(&json, Some("digest"), 600).expect("JSON");
        let text_canon_time = t.elapsed();
        let t = Instant::now();
        let text_digest = carel::bundle::canonical::digest(&text_canon);
        let sha_time = t.elapsed();
        assert_eq!(text_digest, bundle.digest);
        let t = Instant::now();
        let value: serde_json::Value = serde_json::from_str(&json).expect("JSON");
        let value_parse = t.elapsed();
        let t = Instant::now();
        let bytes = carel::bundle::canonical::to_vec(&value);
        let canon_value = t.elapsed();
        std::hint::black_box(bytes.len());
        println!(
            "compile {compile:.3?}  build {build:.3?} (digest {digest_time:.3?})  to_json {to_json:.3?}  \
             from_json {from_json:.3?}  evaluator {index:.3?} (validate {validate:.3?})  \
             [typed parse {typed_parse:.3?} drop {typed_drop:.3?}, canonical of text {text_canon_time:.3?} sha {sha_time:.3?}, value parse {value_parse:.3?}, canonical of value {canon_value:.3?}]  {} MB",
            json.len() / 1_000_000
        );
    }
}
