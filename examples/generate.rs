//! Write a large generated ruleset folder, for benchmarks and scale tests.
//!
//! ```text
//! cargo run --release --example generate -- --rules 100000 --seed 1 --out /tmp/rules100k [--files 10]
//! ```
//!
//! The workload is described in `benches/support/generator.rs` and `docs/performance.md`. The
//! folder is created if needed; existing `.carel` files in it are replaced, so point `--out` at a
//! folder of its own.

#[path = "../benches/support/generator.rs"]
mod generator;

use std::path::PathBuf;
use std::process::ExitCode;

const USAGE: &str = "usage: generate --rules N --seed S --out DIR [--files K]";

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}\n{USAGE}");
            ExitCode::from(2)
        }
    }
}

fn run() -> Result<(), String> {
    let mut rules = None;
    let mut seed = 1;
    let mut out = None;
    let mut files = 10;
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let mut value = || args.next().ok_or(format!("`{flag}` needs a value"));
        let number = |v: String| {
            v.parse::<u64>()
                .map_err(|_| format!("`{flag}` takes a whole number, not `{v}`"))
        };
        match flag.as_str() {
            "--rules" => rules = Some(number(value()?)? as usize),
            "--seed" => seed = number(value()?)?,
            "--files" => files = number(value()?)?.max(1) as usize,
            "--out" => out = Some(PathBuf::from(value()?)),
            _ => return Err(format!("unknown argument `{flag}`")),
        }
    }
    let rules = rules.ok_or("`--rules` is required")?;
    let out = out.ok_or("`--out` is required")?;
    let ruleset = generator::generate(generator::Config { rules, seed, files });
    std::fs::create_dir_all(&out).map_err(|e| format!("cannot create {}: {e}", out.display()))?;
    for file in &ruleset.files {
        let path = out.join(&file.name);
        std::fs::write(&path, &file.text)
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    }
    eprintln!(
        "{} rules, {} bytes in {} files ({:.1} bytes/rule); {} resolved contradictions, {} tensions planned",
        ruleset.rules,
        ruleset.bytes(),
        ruleset.files.len(),
        ruleset.bytes() as f64 / ruleset.rules.max(1) as f64,
        ruleset.resolved.len(),
        ruleset.tensions.len()
    );
    Ok(())
}
