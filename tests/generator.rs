//! The benchmark workload generator (`benches/support/generator.rs`): deterministic, the size it
//! promises, and a ruleset that checks clean apart from the conflicts it plans.

#[path = "../benches/support/generator.rs"]
mod generator;

use carel::analysis::ConflictKind;
use carel::diagnostic::Code;
use carel::source::Sources;

fn generate(rules: usize, seed: u64, files: usize) -> generator::Ruleset {
    generator::generate(generator::Config { rules, seed, files })
}

fn sources(ruleset: &generator::Ruleset) -> Sources {
    let mut sources = Sources::new();
    for f in &ruleset.files {
        sources.add(f.name.clone(), f.text.clone());
    }
    sources
}

#[test]
fn same_seed_same_bytes_other_seed_other_bytes() {
    let a = generate(3_000, 7, 4);
    let b = generate(3_000, 7, 4);
    let c = generate(3_000, 8, 4);
    let texts = |r: &generator::Ruleset| {
        r.files
            .iter()
            .map(|f| (f.name.clone(), f.text.clone()))
            .collect::<Vec<_>>()
    };
    assert_eq!(texts(&a), texts(&b));
    assert_ne!(texts(&a), texts(&c));
}

#[test]
fn files_rules_and_planned_conflicts_have_the_promised_shape() {
    let r = generate(20_000, 1, 10);
    let names: Vec<&str> = r.files.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(names[0], "vocabulary.carel");
    assert_eq!(
        names[1..],
        (1..=9)
            .map(|i| format!("rules_{i:02}.carel"))
            .collect::<Vec<_>>()
    );
    assert_eq!(r.rules, 20_000);
    // About 0.1% of the rules are in a planned conflict: 10 pairs, alternating kinds.
    assert_eq!(r.resolved.len() + r.tensions.len(), 10);
    assert_eq!(r.resolved.len(), 5);
    let per_rule = r.bytes() as f64 / r.rules as f64;
    assert!(
        (60.0..110.0).contains(&per_rule),
        "{per_rule} bytes per rule"
    );
    // The whole ruleset in one file.
    let one = generate(20_000, 1, 1);
    assert_eq!(one.files.len(), 1);
    assert_eq!(one.files[0].name, "ruleset.carel");
}

#[test]
fn generated_ruleset_checks_with_only_planned_findings() {
    let r = generate(2_000, 11, 5);
    let sources = sources(&r);
    let compilation = carel::compile(&sources);
    let model = compilation
        .model
        .as_ref()
        .expect("the generated ruleset resolves");
    assert_eq!(model.rules.len(), r.rules);
    let unexpected: Vec<String> = compilation
        .diagnostics
        .iter()
        .filter(|d| d.code != Code::W004)
        .map(|d| format!("{} {}", d.code.as_str(), d.message))
        .collect();
    assert!(
        unexpected.is_empty(),
        "unplanned diagnostics: {unexpected:#?}"
    );
    // Every rule cites a source and every declaration is used (no W001, no W007: checked above).
    assert!(model.rules.iter().all(|rule| !rule.cite.is_empty()));
    // The conflicts found are exactly the planned ones: every other clashing pair was proven
    // impossible (exclusive stage, disjoint ages, contraindications).
    let analysis = compilation.analysis.as_ref().expect("analysed");
    let id = |r: usize| model.rules[r].id.clone();
    let mut resolved = Vec::new();
    let mut tensions = Vec::new();
    for c in &analysis.conflicts {
        let pair = (id(c.rules[0]), id(c.rules[1]));
        match (c.kind, c.resolved_by) {
            (ConflictKind::Contradiction, Some(by)) => {
                assert_eq!(id(by), pair.1);
                resolved.push(pair);
            }
            (ConflictKind::Tension, None) => tensions.push(pair),
            other => panic!("unplanned conflict {pair:?}: {other:?}"),
        }
    }
    resolved.sort();
    tensions.sort();
    let mut planned_resolved = r.resolved.clone();
    let mut planned_tensions = r.tensions.clone();
    planned_resolved.sort();
    planned_tensions.sort();
    assert_eq!(resolved, planned_resolved);
    assert_eq!(tensions, planned_tensions);
    assert_eq!(
        compilation.diagnostics.len(),
        planned_tensions.len(),
        "one W004 per planned tension"
    );
}

/// Large enough that parsing, name resolution and the analysis all run in parallel: the
/// diagnostics and the bundle must come out the same on every run, whatever the scheduling.
#[test]
fn a_ruleset_checked_in_parallel_gives_the_same_bytes_every_time() {
    let ruleset = generate(12_000, 3, 4);
    let sources = sources(&ruleset);
    let bytes: usize = sources.files().iter().map(|f| f.text.len()).sum();
    assert!(bytes > 256 * 1024, "too small to parse files in parallel");
    let run = || {
        let c = carel::compile(&sources);
        let (Some(model), Some(analysis)) = (&c.model, &c.analysis) else {
            panic!(
                "the generated ruleset compiles: {:?}",
                c.diagnostics.first()
            );
        };
        let report = format!(
            "{:#}",
            carel::diagnostic::render::json(&sources, &c.diagnostics)
        );
        let bundle = carel::bundle::build(model, analysis, &sources).canonical_bytes();
        (report, bundle)
    };
    let first = run();
    assert!(
        first.0.contains("W004"),
        "the planned tensions are reported"
    );
    for _ in 0..3 {
        assert!(run() == first, "a second run gave different output");
    }
}
