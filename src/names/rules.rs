//! Resolving rules: conditions, targets, doses, citations and `overrides`.
//!
//! A large ruleset's rules are cut into pieces resolved in parallel (see [`speculate`]).
//! Resolving a rule whose names all exist with the right kind needs nothing but the symbol
//! table, and its result and findings do not depend on the rules before it; only undefined or
//! misused names (E002, E003) depend on what was reported before. So each piece is resolved
//! until it meets such a name, and the resolver then takes over from that rule, piece by piece
//! in rule order. The model and the diagnostics are the same as when resolving every rule in
//! order, whatever the number of threads.

use super::declare::{Head, rule_record};
use super::hierarchy::Hierarchy;
use super::{
    FACT, FirstSeen, HashMap, Kind, MEASURE, RULE, SOURCE, Symbol, TARGET, Used, Want, expand,
};
use crate::diagnostic::{Code, Diagnostic};
use crate::model::*;
use crate::source::Span;
use crate::syntax::ast::{self, Cond};
use crate::syntax::fmt_num;
use smol_str::SmolStr;

/// Where resolving a rule looks names up and reports what it finds.
pub(super) trait Env {
    /// Look a name up, expecting one of `want.kinds`, and mark it used.
    fn find(&mut self, name: &ast::Name, want: Want) -> Option<Symbol>;
    fn measure(&self, measure: MeasureId) -> &Measure;
    fn report(&mut self, d: Diagnostic);
}

/// A rule's resolved parts, to be written into its [`Rule`].
pub(super) struct Resolved {
    when: Expr,
    when_span: Option<Span>,
    targets: Vec<(Target, Span)>,
    exercises: Vec<ExerciseId>,
    dose: Option<Dose>,
    cite: Vec<Citation>,
    overrides: Vec<(RuleId, Span)>,
    except: Vec<(Target, Span)>,
}

impl Resolved {
    /// Whether a live rule with these parts deserves W007: it names no source at all.
    pub(super) fn uncited(&self, rule: &ast::RuleItem) -> bool {
        self.cite.is_empty() && rule.cite.is_empty()
    }

    pub(super) fn write_into(self, r: &mut Rule) {
        r.when = self.when;
        r.when_span = self.when_span;
        r.targets = self.targets;
        r.exercises = self.exercises;
        r.dose = self.dose.map(Box::new);
        r.cite = self.cite;
        if !self.overrides.is_empty() {
            r.details_mut().overrides = self.overrides;
        }
        if !self.except.is_empty() {
            r.details_mut().except = self.except;
        }
    }
}

/// W007 for a live rule that cites no source.
pub(super) fn uncited(id: &str, rule: &ast::RuleItem) -> Diagnostic {
    Diagnostic::new(
        Code::W007,
        rule.head_span,
        format!("rule `{id}` cites no source"),
    )
    .with_label("no `cite`")
    .with_help("add `cite SOURCE` naming the article or guideline behind this advice")
}

/// Resolve one rule's condition, targets, dose, citations and `overrides`.
pub(super) fn resolve_rule(
    env: &mut impl Env,
    rule: &ast::RuleItem,
    hierarchy: Option<&Hierarchy>,
    rank: &[usize],
) -> Resolved {
    let when = match (&rule.cond, &rule.unless) {
        (None, None) => Expr::Always,
        (Some(c), None) => cond(env, c),
        (None, Some(u)) => Expr::Not(Box::new(cond(env, u))),
        (Some(c), Some(u)) => {
            let c = cond(env, c);
            let u = cond(env, u);
            Expr::All(vec![c, Expr::Not(Box::new(u))])
        }
    };
    let when_span = match (&rule.cond, &rule.unless) {
        (Some(c), Some(u)) => Some(c.span().to(u.span())),
        (Some(c), None) => Some(c.span()),
        (None, Some(u)) => Some(u.span()),
        (None, None) => None,
    };
    let targets = targets(env, &rule.action.targets);
    let mut exercises = expand(&targets, hierarchy, rank);
    let except = targets_of(env, &rule.action.except);
    if !except.is_empty() {
        let excepted = expand(&except, hierarchy, rank);
        let before = exercises.len();
        exercises.retain(|e| !excepted.contains(e));
        // (A category without exercises advises nothing either way: that is not `except`.)
        if exercises.is_empty() && before > 0 {
            let span = except[0].1.to(except[except.len() - 1].1);
            let who = rule
                .name
                .as_ref()
                .map_or("this rule".to_string(), |n| format!("rule `{}`", n.text));
            env.report(
                Diagnostic::new(
                    Code::E007,
                    span,
                    format!(
                        "{who} advises no exercise: `except` removes every exercise of its targets"
                    ),
                )
                .with_label("excepts everything the rule advises")
                .with_secondary(rule.action.span, "the advice")
                .with_help("name fewer exercises after `except`, or widen the targets"),
            );
        }
    }
    let dose = rule.action.dose.as_deref().map(dose);
    let mut cite: Vec<Citation> = Vec::with_capacity(rule.cite.len());
    let mut seen = FirstSeen::default();
    for c in &rule.cite {
        if let Some(sym) = env.find(&c.source, SOURCE)
            && seen.insert(sym.index)
        {
            cite.push(Citation {
                source: sym.index,
                locator: c.locator.as_ref().map(|t| t.value.clone()),
            });
        }
    }
    let mut overrides: Vec<(RuleId, Span)> = Vec::new();
    let mut seen = FirstSeen::default();
    for o in rule.overrides() {
        if let Some(sym) = env.find(o, RULE)
            && seen.insert(sym.index)
        {
            overrides.push((sym.index, o.span));
        }
    }
    Resolved {
        when,
        when_span,
        targets,
        exercises,
        dose,
        cite,
        overrides,
        except,
    }
}

/// The model's form of a dose: `daily`/`weekly` become once per day/week.
pub(super) fn dose(d: &ast::Dose) -> Dose {
    let amount = |a: &ast::Amount| Amount {
        lo: a.lo.value,
        hi: a.hi.value,
        unit: a.unit,
        bound: a.bound,
    };
    let frequency = |f: ast::Frequency| match f {
        ast::Frequency::Every { lo, hi, .. } => Frequency::Every {
            lo: lo.value,
            hi: hi.value,
        },
        ast::Frequency::Times { lo, hi, per, .. } => Frequency::Times {
            lo: lo.value,
            hi: hi.value,
            per,
        },
        ast::Frequency::Per(p, _) => Frequency::Per(p),
        ast::Frequency::Named(per, _) => Frequency::Times {
            lo: 1.0,
            hi: 1.0,
            per,
        },
    };
    Dose {
        amount: d.amount.as_ref().map(amount),
        frequency: d.frequency.map(frequency),
        bouts: d.bouts.map(|b| Bouts {
            lo: b.lo.value,
            hi: b.hi.value,
            unit: b.unit,
            at_least: b.at_least,
        }),
        progression: d.progression.map(|p| Progression {
            amount: amount(&p.amount),
            frequency: p.frequency.map(frequency),
        }),
        span: d.span,
    }
}

/// Targets named after `except`: like [`targets`], without the check for repeats across lists.
fn targets_of(env: &mut impl Env, names: &[ast::Name]) -> Vec<(Target, Span)> {
    if names.is_empty() {
        return Vec::new();
    }
    targets(env, names)
}

pub(super) fn targets(env: &mut impl Env, names: &[ast::Name]) -> Vec<(Target, Span)> {
    let mut out: Vec<(Target, Span)> = Vec::with_capacity(names.len());
    let mut first_named: FirstSeen<Target, Span> = FirstSeen::default();
    for n in names {
        if let Some(sym) = env.find(n, TARGET) {
            let t = if sym.kind == Kind::Exercise {
                Target::Exercise(sym.index)
            } else {
                Target::Category(sym.index)
            };
            if let Some(first) = first_named.first(t, n.span) {
                env.report(
                    Diagnostic::new(Code::E004, n.span, format!("`{}` is named twice", n.text))
                        .with_label("named again")
                        .with_secondary(first, "first named here")
                        .with_help("name each exercise or category once"),
                );
            } else {
                out.push((t, n.span));
            }
        }
    }
    out
}

fn cond(env: &mut impl Env, c: &Cond) -> Expr {
    match c {
        Cond::Fact(n) => match env.find(n, FACT) {
            Some(sym) => Expr::Fact(sym.index),
            None => Expr::Always,
        },
        Cond::Cmp(c) => match env.find(&c.measure, MEASURE) {
            Some(sym) => {
                check_value(env, sym.index, c.value);
                Expr::Cmp {
                    measure: sym.index,
                    op: c.op,
                    value: c.value.value,
                }
            }
            None => Expr::Always,
        },
        Cond::In(c) => match env.find(&c.measure, MEASURE) {
            Some(sym) => {
                check_value(env, sym.index, c.range.lo);
                check_value(env, sym.index, c.range.hi);
                Expr::In {
                    measure: sym.index,
                    lo: c.range.lo.value,
                    hi: c.range.hi.value,
                }
            }
            None => Expr::Always,
        },
        Cond::Not(inner, _) => Expr::Not(Box::new(cond(env, inner))),
        Cond::All(parts, _) => Expr::All(parts.iter().map(|p| cond(env, p)).collect()),
        Cond::Any(parts, _) => Expr::Any(parts.iter().map(|p| cond(env, p)).collect()),
    }
}

/// A number compared with a measure must lie inside its declared range (E007).
pub(super) fn check_value(env: &mut impl Env, measure: MeasureId, value: ast::Number) {
    let m = env.measure(measure);
    if m.admits(value.value) {
        return;
    }
    let range = format!(
        "{}..{}",
        m.min.map_or("".to_string(), fmt_num),
        m.max.map_or("".to_string(), fmt_num)
    );
    let d = Diagnostic::new(
        Code::E007,
        value.span,
        format!(
            "{} is outside the range of `{}` ({range})",
            fmt_num(value.value),
            m.name
        ),
    )
    .with_label("outside the measure's range")
    .with_secondary(
        m.span,
        format!("`{}` is declared with range {range}", m.name),
    )
    .with_help("use a value inside the range, or widen the measure's `range` if it is wrong");
    env.report(d);
}

/// Resolves rules with the symbol table alone. A name that is undefined or of the wrong kind
/// marks the rule as failed: reporting it depends on the rules before, so the resolver redoes
/// that rule and the rest in order.
struct Speculative<'s> {
    symbols: &'s HashMap<SmolStr, Symbol>,
    measures: &'s [Measure],
    used: Used,
    out: Vec<Diagnostic>,
    failed: bool,
}

impl Env for Speculative<'_> {
    fn find(&mut self, name: &ast::Name, want: Want) -> Option<Symbol> {
        match self.symbols.get(name.text.as_str()) {
            Some(&sym) if want.kinds.contains(&sym.kind) => {
                self.used.mark(sym.kind, sym.index);
                Some(sym)
            }
            _ => {
                self.failed = true;
                None
            }
        }
    }

    fn measure(&self, measure: MeasureId) -> &Measure {
        &self.measures[measure]
    }

    fn report(&mut self, d: Diagnostic) {
        self.out.push(d);
    }
}

/// What [`speculate`] did: the records, findings and uses of the rules it resolved, and the
/// rules it left to the resolver (the first of them is rule `rest_from`).
// The trees stay boxed as the parser made them: moving them into a list of their own would copy
// every rule's tree.
#[allow(clippy::vec_box)]
pub(super) struct Outcome {
    pub(super) records: Vec<Rule>,
    pub(super) out: Vec<Diagnostic>,
    pub(super) used: Used,
    pub(super) rest_from: RuleId,
    pub(super) rest: Vec<Box<ast::RuleItem>>,
}

/// Resolve the rules `trees` (rule `first` and on, with their heads `heads`) in order, until
/// one needs the resolver. Each tree is freed once its rule's record is made.
#[allow(clippy::vec_box)] // see `Outcome`
pub(super) fn speculate(
    symbols: &HashMap<SmolStr, Symbol>,
    measures: &[Measure],
    heads: &mut [Head],
    trees: Vec<Box<ast::RuleItem>>,
    first: RuleId,
    hierarchy: Option<&Hierarchy>,
    rank: &[usize],
) -> Outcome {
    let mut env = Speculative {
        symbols,
        measures,
        used: Used::default(),
        out: Vec::new(),
        failed: false,
    };
    let mut records = Vec::with_capacity(trees.len());
    let mut trees = trees.into_iter();
    let mut heads = heads.iter_mut();
    let mut done = 0;
    while let Some(tree) = trees.next() {
        let before = env.out.len();
        let head = heads.next();
        let resolved = resolve_rule(&mut env, &tree, hierarchy, rank);
        let Some(head) = head.filter(|_| !env.failed) else {
            env.out.truncate(before);
            return Outcome {
                records,
                out: env.out,
                used: env.used,
                rest_from: first + done,
                rest: std::iter::once(tree).chain(trees).collect(),
            };
        };
        let mut record = rule_record(head, &tree);
        if record.is_live() && resolved.uncited(&tree) {
            env.out.push(uncited(&record.id, &tree));
        }
        resolved.write_into(&mut record);
        records.push(record);
        done += 1;
    }
    Outcome {
        records,
        out: env.out,
        used: env.used,
        rest_from: first + done,
        rest: trees.collect(),
    }
}

#[cfg(test)]
mod tests {
    use crate::diagnostic::Diagnostic;
    use crate::model::Model;
    use crate::source::Sources;

    /// A ruleset of `n` rules over two files, with every kind of finding resolving a rule can
    /// make, once in every `period` rules from rule `period - offset` on: undefined and misused
    /// names, repeated targets, values out of range, missing citations (also on retired rules),
    /// categories and `overrides`.
    fn ruleset(n: usize, period: usize, offset: usize) -> Sources {
        let mut vocabulary = String::from(
            "measure age \"Age\" range 0..120\n\
             category moving \"Moving\"\n\
             source guide \"A guideline\"\n",
        );
        for i in 0..50 {
            vocabulary.push_str(&format!("condition c{i}\nexercise e{i} in moving\n"));
        }
        // Rule names declared twice, or taken by an unnamed rule's id.
        for name in ["c1", "twice", "twice", "rules_7"] {
            vocabulary.push_str(&format!(
                "rule {name}:\n  if c2\n  then avoid e2\n  cite guide\n"
            ));
        }
        let mut rules = String::new();
        for i in 0..n {
            let (c, e) = (i % 50, (i * 7) % 50);
            // Findings a piece resolved alone can make come first; then those that stop it.
            let line = match (i + offset) % period {
                13 => format!("if c{c} then consider e{e}, e{e}, moving cite guide\n"),
                101 => format!("if c{c} and age > 130 then recommend e{e} cite guide\n"),
                202 => format!("if c{c} then caution e{e}\n"),
                303 => format!("rule r{i}:\n  if c{c}\n  then avoid e{e}\n  status retired\n"),
                404 => format!(
                    "rule r{i}:\n  if c{c}\n  then avoid e{e}\n  cite guide\n  overrides r{}\n",
                    i - 101
                ),
                505 => format!("if c{c} then recommend moving 10 min cite guide\n"),
                606 => format!("if c{c} and missing_{} then avoid e{e} cite guide\n", i % 3),
                707 => format!("if age and c{c} then recommend e{e} cite guide\n"),
                808 => format!("if c{c} then avoid e{e} cite nowhere\n"),
                _ => format!(
                    "if c{c} and age >= {} then recommend e{e} cite guide\n",
                    i % 100
                ),
            };
            rules.push_str(&line);
        }
        let mut sources = Sources::new();
        sources.add("vocabulary.carel", vocabulary);
        sources.add("rules.carel", rules);
        sources
    }

    fn resolve(sources: &Sources, parallel: usize) -> (Model, Vec<Diagnostic>) {
        let mut out = Vec::new();
        let (files, _) = crate::syntax::parse(sources, &mut out);
        let model = super::super::resolve_with(sources, files, &mut out, parallel);
        (model, out)
    }

    #[test]
    fn threads_resolve_exactly_as_one() {
        // Findings in both halves (at two spacings); in the second half only; none at all.
        for (period, offset) in [(997, 0), (2500, 0), (4100, 1000), (1_000_000, 1000)] {
            let sources = ruleset(6000, period, offset);
            let (model, out) = resolve(&sources, usize::MAX);
            let codes: Vec<String> = out.iter().map(|d| d.code.to_string()).collect();
            if period > 6000 {
                assert!(codes.iter().all(|c| c != "E002" && c != "E003"), "{out:?}");
            } else {
                assert!(model.rules.iter().any(|r| r.id.starts_with("twice#")));
                for code in ["E002", "E003", "E004", "E007", "W007"] {
                    assert!(codes.iter().any(|c| c == code), "no {code} in {out:?}");
                }
            }
            if period == 997 {
                let also =
                    |d: &Diagnostic| d.secondary.iter().any(|l| l.message == "also used here");
                assert!(out.iter().any(also));
            }
            for threads in [1, 2, 5] {
                let pool = rayon::ThreadPoolBuilder::new()
                    .num_threads(threads)
                    .build()
                    .unwrap();
                for parallel in [2, 100, 4096] {
                    let (m, o) = pool.install(|| resolve(&sources, parallel));
                    assert_eq!(
                        format!("{m:?}"),
                        format!("{model:?}"),
                        "from {parallel} rules on {threads} threads"
                    );
                    assert_eq!(
                        format!("{o:?}"),
                        format!("{out:?}"),
                        "from {parallel} rules on {threads} threads"
                    );
                }
            }
        }
    }
}
