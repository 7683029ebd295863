//! Express a Carel ruleset as Cedar policies and a Cedar schema, to time a peer on the same
//! workload (see `docs/performance.md`).
//!
//! ```text
//! cargo run --release --example to_cedar -- RULESET_DIR OUT_DIR
//! cedar validate --schema OUT_DIR/advice.cedarschema --policies OUT_DIR/advice.cedar
//! ```
//!
//! The mapping: a patient is a `Patient` entity with one `Bool` attribute per condition or factor
//! and an optional `Long` attribute per measure; exercises and categories are entities whose
//! parents follow the category hierarchy; the four actions are Cedar actions. Each live rule
//! becomes one `permit` policy whose `when` is the rule's condition (`unless` stays `unless`),
//! whose targets are a `resource in ...` test, and whose id, citation and dose are annotations.
//! Not expressible in Cedar and therefore left out: `exclusive` groups, `overrides`, and the
//! conflict analysis itself; `cedar validate` type-checks the policies against the schema.

use std::fmt::Write as _;
use std::path::Path;
use std::process::ExitCode;

use carel::model::{Expr, Model, Target};
use carel::source::Sources;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [input, out] = args.as_slice() else {
        eprintln!("usage: to_cedar RULESET_DIR OUT_DIR");
        return ExitCode::from(2);
    };
    match run(Path::new(input), Path::new(out)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(1)
        }
    }
}

fn run(input: &Path, out: &Path) -> Result<(), String> {
    let mut paths: Vec<_> = std::fs::read_dir(input)
        .map_err(|e| format!("cannot read {}: {e}", input.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "carel"))
        .collect();
    paths.sort();
    let mut sources = Sources::new();
    for p in paths {
        let text = std::fs::read_to_string(&p).map_err(|e| format!("{}: {e}", p.display()))?;
        sources.add(p.to_string_lossy(), text);
    }
    let compilation = carel::compile(&sources);
    let model = compilation
        .model
        .ok_or("the ruleset has errors; run `carel check` on it")?;
    std::fs::create_dir_all(out).map_err(|e| e.to_string())?;
    let write = |name: &str, text: String| {
        std::fs::write(out.join(name), text).map_err(|e| format!("cannot write {name}: {e}"))
    };
    write("advice.cedarschema", schema(&model))?;
    write("advice.cedar", policies(&model))?;
    write("advice.entities.json", "[]\n".to_string())?;
    Ok(())
}

pub fn schema(m: &Model) -> String {
    let mut s = String::from("entity Category in [Category];\nentity Exercise in [Category];\n");
    s.push_str("entity Patient = {\n");
    for f in &m.facts {
        let _ = writeln!(s, "  \"{}\": Bool,", f.name);
    }
    for x in &m.measures {
        let _ = writeln!(s, "  \"{}\"?: Long,", x.name);
    }
    s.push_str("};\n");
    s.push_str(
        "action recommend, consider, caution, avoid appliesTo {\n  principal: Patient,\n  resource: Exercise,\n};\n",
    );
    s
}

pub fn policies(m: &Model) -> String {
    let mut s = String::new();
    for r in m.rules.iter().filter(|r| r.is_live()) {
        let _ = writeln!(s, "@id(\"{}\")", r.id);
        if let Some(c) = r.cite.first() {
            let _ = writeln!(s, "@cite(\"{}\")", m.sources[c.source].name);
        }
        if let Some(a) = r.dose.as_ref().and_then(|d| d.amount.as_ref()) {
            let _ = writeln!(s, "@dose(\"{} {}\")", a.lo, a.unit.as_str());
        }
        let targets: Vec<String> = r
            .targets
            .iter()
            .map(|(t, _)| match *t {
                Target::Exercise(e) => format!("Exercise::\"{}\"", m.exercises[e].name),
                Target::Category(c) => format!("Category::\"{}\"", m.categories[c].name),
            })
            .collect();
        let _ = write!(
            s,
            "permit (principal, action == Action::\"{}\", resource)\nwhen {{ resource in [{}]",
            r.action.as_str(),
            targets.join(", ")
        );
        // `if A unless B` is `All[A, Not(B)]`: written back as `when { A } unless { B }`.
        match &r.when {
            Expr::Always => s.push_str(" };\n\n"),
            Expr::All(parts) if matches!(parts.last(), Some(Expr::Not(_))) => {
                let (last, rest) = parts.split_last().expect("a last part");
                for p in rest {
                    let _ = write!(s, " && {}", expr(m, p));
                }
                let Expr::Not(unless) = last else {
                    unreachable!()
                };
                let _ = write!(s, " }}\nunless {{ {} }};\n\n", expr(m, unless));
            }
            e => {
                let _ = write!(s, " && {} }};\n\n", expr(m, e));
            }
        }
    }
    s
}

fn expr(m: &Model, e: &Expr) -> String {
    let join = |parts: &[Expr], op: &str| {
        let parts: Vec<String> = parts.iter().map(|p| expr(m, p)).collect();
        format!("({})", parts.join(op))
    };
    match e {
        Expr::Always => "true".to_string(),
        Expr::Fact(f) => format!("principal.{}", m.facts[*f].name),
        Expr::Cmp { measure, op, value } => {
            let name = &m.measures[*measure].name;
            let op = match op.as_str() {
                "=" => "==",
                other => other,
            };
            format!("(principal has {name} && principal.{name} {op} {value})")
        }
        Expr::In { measure, lo, hi } => {
            let name = &m.measures[*measure].name;
            format!(
                "(principal has {name} && principal.{name} >= {lo} && principal.{name} <= {hi})"
            )
        }
        Expr::Not(inner) => format!("!{}", expr(m, inner)),
        Expr::All(parts) => join(parts, " && "),
        Expr::Any(parts) => join(parts, " || "),
    }
}
