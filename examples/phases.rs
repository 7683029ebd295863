//! Time each stage of `carel check` on a ruleset folder: read, parse, resolve, analyse and
//! render the JSON report. Used to see where the time goes (docs/performance.md).
//!
//!   cargo run --release --example phases -- DIR [RUNS]

use std::time::Instant;

use carel::diagnostic::render;
use carel::source::Sources;

// The same allocator as the `carel` binary.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let mut args = std::env::args().skip(1);
    let Some(dir) = args.next() else {
        eprintln!("usage: phases DIR [RUNS]");
        std::process::exit(2);
    };
    // The same allocator settings as the `carel` binary (see src/main.rs).
    // SAFETY: sets a process-wide allocator option before any other thread exists.
    unsafe {
        libmimalloc_sys::mi_option_set_enabled(libmimalloc_sys::mi_option_large_os_pages, true);
        // mimalloc's `mi_option_purge_delay`: freed memory goes back to the OS after 10 ms.
        libmimalloc_sys::mi_option_set(15, 10);
    }
    let runs: usize = args.next().and_then(|r| r.parse().ok()).unwrap_or(1);
    for _ in 0..runs {
        let t = Instant::now();
        let mut paths: Vec<_> = std::fs::read_dir(&dir)
            .expect("readable folder")
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "carel"))
            .collect();
        paths.sort();
        let mut sources = Sources::new();
        for p in &paths {
            let text = std::fs::read_to_string(p).expect("UTF-8 file");
            sources.add(p.to_string_lossy(), text);
        }
        let read = t.elapsed();
        let t = Instant::now();
        let mut diagnostics = Vec::new();
        let (files, _) = carel::syntax::parse(&sources, &mut diagnostics);
        let parse = t.elapsed();
        let parse_mb = resident_mb();
        let t = Instant::now();
        let model = carel::names::resolve(&sources, files, &mut diagnostics);
        let resolve = t.elapsed();
        let resolve_mb = resident_mb();
        let t = Instant::now();
        let analysis = carel::analysis::analyse(&model, &mut diagnostics);
        let analyse = t.elapsed();
        let analyse_mb = resident_mb();
        let t = Instant::now();
        carel::diagnostic::sort(&mut diagnostics);
        let json = format!("{:#}\n", render::json(&sources, &diagnostics));
        let render = t.elapsed();
        let t = Instant::now();
        drop((model, analysis, json));
        let drop = t.elapsed();
        eprintln!(
            "read {read:.3?}  parse {parse:.3?}  resolve {resolve:.3?}  analyse {analyse:.3?}  \
             render {render:.3?}  drop {drop:.3?}  ({} diagnostics; resident after parse {parse_mb} MB, \
             after resolve {resolve_mb} MB, after analysis {analyse_mb} MB)",
            diagnostics.len()
        );
    }
}

/// Resident memory now, in MB (Linux; 0 elsewhere).
fn resident_mb() -> u64 {
    let pages = std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|s| s.split_whitespace().nth(1)?.parse::<u64>().ok())
        .unwrap_or(0);
    pages * 4096 / 1_000_000
}
