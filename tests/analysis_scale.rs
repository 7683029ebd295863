//! How the conflict analysis scales. Ignored by default; run with
//! `cargo test --release --test analysis_scale -- --ignored --nocapture`.
//!
//! The generated rulesets follow the shape of large guideline sets: thousands of conditions and
//! exercises in categories, a three-way exclusive stage, an age measure, rules whose advice on an
//! exercise points one way in one stage (or age band) and the other way in another — so most
//! clashing pairs must be proven impossible — and about 0.1% of rules that really conflict.

use std::fmt::Write;
use std::time::Instant;

use carel::source::Sources;

/// A small deterministic generator (64-bit LCG), so every run sees the same ruleset.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

pub fn ruleset(rules: usize, seed: u64) -> String {
    let mut rng = Rng(seed);
    let conditions = (rules / 20).max(10);
    let exercises = (rules / 50).max(10);
    let categories = (exercises / 25).max(1);
    let mut s = String::new();
    s.push_str(
        "factor acute \"Acute\"\nfactor subacute \"Subacute\"\nfactor chronic \"Chronic\"\n",
    );
    s.push_str("exclusive stage \"Stage\": acute, subacute, chronic\n");
    s.push_str("measure age \"Age\" unit \"years\" range 0..120\n");
    s.push_str("source guide \"Guideline\"\n");
    for c in 0..conditions {
        writeln!(s, "condition c{c} \"Condition {c}\"").unwrap();
    }
    for k in 0..categories {
        writeln!(s, "category k{k} \"Category {k}\"").unwrap();
    }
    for e in 0..exercises {
        writeln!(s, "exercise x{e} \"Exercise {e}\" in k{}", e % categories).unwrap();
    }
    // Every category (and so each of its exercises) has one way its advice splits: by stage
    // (helpful in one stage, harmful in another) or by an age cut, and one dose. Clashing rules
    // on one exercise are then never true together, except for the planted real conflicts.
    let stages = ["acute", "subacute", "chronic"];
    let split = |k: usize| -> (String, String) {
        if k.is_multiple_of(2) {
            let a = k / 2 % 3;
            (
                stages[a].to_string(),
                stages[(a + 1 + k / 6 % 2) % 3].to_string(),
            )
        } else {
            let cut = 20 + k % 60;
            (format!("age < {cut}"), format!("age >= {cut}"))
        }
    };
    let doses = [" 10..20 min every 3 h", " 30 min 3..4 times per week", ""];
    let mut n = 0;
    while n < rules {
        let c = rng.below(conditions);
        let e = rng.below(exercises);
        let k = e % categories;
        let target = if rng.below(20) == 0 {
            format!("k{k}")
        } else {
            format!("x{e}")
        };
        if rng.below(1000) == 0 {
            // A real conflict: the same patients, opposite advice.
            writeln!(s, "rule r{n}: if c{c} then recommend {target} cite guide").unwrap();
            writeln!(s, "rule r{}: if c{c} then avoid {target} cite guide", n + 1).unwrap();
            n += 2;
            continue;
        }
        let (yes, no) = split(k);
        let dose = doses[k % 3];
        writeln!(
            s,
            "rule r{n}: if c{c} and {yes} then recommend {target}{dose} cite guide"
        )
        .unwrap();
        let other = rng.below(conditions);
        let action = if rng.below(3) == 0 {
            "caution"
        } else {
            "avoid"
        };
        writeln!(
            s,
            "rule r{}: if c{other} and {no} then {action} {target} cite guide",
            n + 1
        )
        .unwrap();
        n += 2;
    }
    s
}

/// CPU time of this thread in seconds (Linux), so a busy machine does not inflate the figures.
fn cpu_seconds() -> Option<f64> {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let ns: f64 = text.split_whitespace().next()?.parse().ok()?;
    Some(ns / 1e9)
}

fn measure(rules: usize) {
    let text = ruleset(rules, 42);
    let sources = Sources::single("scale.carel", text);
    let start = Instant::now();
    let compilation = carel::compile(&sources);
    let total = start.elapsed();
    let model = compilation.model.expect("the generated ruleset resolves");
    let mut best = f64::INFINITY;
    let mut best_cpu = f64::INFINITY;
    let mut diagnostics = Vec::new();
    let mut conflicts = 0;
    for _ in 0..3 {
        diagnostics.clear();
        let start = Instant::now();
        let cpu = cpu_seconds();
        let analysis = carel::analysis::analyse(&model, &mut diagnostics);
        best = best.min(start.elapsed().as_secs_f64());
        if let (Some(a), Some(b)) = (cpu, cpu_seconds()) {
            best_cpu = best_cpu.min(b - a);
        }
        conflicts = analysis.conflicts.len();
    }
    let count = |code: &str| {
        diagnostics
            .iter()
            .filter(|d| d.code.as_str() == code)
            .count()
    };
    println!(
        "{rules} rules ({:.1} MB): compile (parse, names, analysis) {:.3} s; analyse alone {:.3} s wall, {:.3} s CPU (best of 3); \
         {conflicts} conflicts, E010 {}, W004 {}, W005 {}, W003 {}, W002 {}, E011 {}",
        sources.get(0).text.len() as f64 / 1e6,
        total.as_secs_f64(),
        best,
        best_cpu,
        count("E010"),
        count("W004"),
        count("W005"),
        count("W003"),
        count("W002"),
        count("E011"),
    );
    assert_eq!(count("E011"), 0);
}

#[test]
#[ignore = "timing; run in release with --ignored --nocapture"]
fn analyse_10k_and_100k_rules() {
    // `CAREL_SCALE_RULES=100000` measures one size only.
    match std::env::var("CAREL_SCALE_RULES")
        .ok()
        .and_then(|v| v.parse().ok())
    {
        Some(n) => measure(n),
        None => {
            measure(10_000);
            measure(100_000);
        }
    }
}
