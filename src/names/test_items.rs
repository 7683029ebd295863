//! The `test` items: each patient resolved and checked to be possible (E008, also through
//! `implies` and `excludes`), and each expectation resolved to exercises.

use foldhash::{HashMap, HashSet};

use super::hierarchy::Hierarchy;
use super::{GIVEN, Kind, Resolver, expand, rules};
use crate::diagnostic::{Code, Diagnostic};
use crate::model::*;
use crate::source::Span;
use crate::syntax::ast;

impl Resolver<'_> {
    pub(super) fn resolve_tests(
        &mut self,
        tests: &[ast::TestItem],
        hierarchy: Option<&Hierarchy>,
        rank: &[usize],
    ) {
        // For each fact, the exclusive groups it belongs to.
        let mut groups_of: Vec<Vec<ExclusiveId>> = vec![Vec::new(); self.model.facts.len()];
        for (x, group) in self.model.exclusives.iter().enumerate() {
            for &f in &group.members {
                groups_of[f].push(x);
            }
        }
        let mut names: HashMap<&str, Span> = HashMap::default();
        for t in tests {
            if let Some(&first) = names.get(t.name.value.as_str()) {
                self.out.push(
                    Diagnostic::new(
                        Code::E004,
                        t.name.span,
                        format!("two tests are named \"{}\"", t.name.value),
                    )
                    .with_label("second test with this name")
                    .with_secondary(first, "first test with this name")
                    .with_help("give each test its own name, so a failure says which one failed"),
                );
            } else {
                names.insert(&t.name.value, t.name.span);
            }
            let mut patient = Patient::default();
            let mut fact_spans: Vec<(FactId, Span)> = Vec::new();
            let mut given_facts: HashSet<FactId> = HashSet::default();
            let mut measures: HashMap<MeasureId, f64> = HashMap::default();
            for g in &t.given {
                let Some(sym) = self.lookup(&g.name, GIVEN) else {
                    continue;
                };
                match (sym.kind, g.value) {
                    (Kind::Measure, Some(v)) => {
                        let before = self.out.len();
                        rules::check_value(self, sym.index, v);
                        if self.out.len() == before {
                            measures.insert(sym.index, v.value);
                        }
                    }
                    (Kind::Measure, None) => self.out.push(
                        Diagnostic::new(
                            Code::E007,
                            g.name.span,
                            format!("`{}` is a measure and needs a value", g.name.text),
                        )
                        .with_label("no value")
                        .with_help(format!(
                            "give the patient's value, e.g. `{} = 45`",
                            g.name.text
                        )),
                    ),
                    (_, Some(v)) => self.out.push(
                        Diagnostic::new(
                            Code::E007,
                            g.name.span.to(v.span),
                            format!(
                                "`{}` is {}: it is true or false, not a number",
                                g.name.text,
                                sym.kind.noun()
                            ),
                        )
                        .with_label("a yes/no fact with a value")
                        .with_help(format!(
                            "list `{}` alone to make it true for this patient",
                            g.name.text
                        )),
                    ),
                    (_, None) => {
                        if given_facts.insert(sym.index) {
                            fact_spans.push((sym.index, g.name.span));
                        }
                    }
                }
            }
            // The patient must be possible: at most one member of each exclusive group.
            let mut present_in: Vec<Vec<&(FactId, Span)>> =
                vec![Vec::new(); self.model.exclusives.len()];
            for given in &fact_spans {
                for &x in &groups_of[given.0] {
                    present_in[x].push(given);
                }
            }
            for (x, present) in self.model.exclusives.iter().zip(present_in) {
                if present.len() > 1 {
                    let names: Vec<String> = present
                        .iter()
                        .map(|(f, _)| format!("`{}`", self.model.facts[*f].name))
                        .collect();
                    let mut d = Diagnostic::new(
                        Code::E008,
                        present[1].1,
                        format!(
                            "this test's patient is impossible: {} are declared exclusive",
                            names.join(" and ")
                        ),
                    )
                    .with_label("cannot hold together with the first")
                    .with_secondary(present[0].1, "first given here")
                    .with_secondary(x.span, format!("exclusive group `{}`", x.name));
                    d = d.with_help("give the patient at most one fact from each exclusive group");
                    self.out.push(d);
                }
            }
            self.check_implied(&fact_spans, &groups_of);
            patient.facts = fact_spans.iter().map(|&(f, _)| f).collect();
            patient.facts.sort_unstable();
            patient.measures = measures.into_iter().collect();
            patient.measures.sort_by_key(|&(m, _)| m);
            let mut expects = Vec::new();
            for e in &t.expects {
                let targets = rules::targets(self, &e.targets);
                let exercises = expand(&targets, hierarchy, rank);
                expects.push(Expect {
                    expectation: e.expectation,
                    targets,
                    exercises,
                    dose: e.dose.as_deref().map(rules::dose),
                    span: e.span,
                });
            }
            self.model.tests.push(Test {
                name: t.name.value.clone(),
                span: t.span,
                patient,
                expects,
            });
        }
    }

    /// E008 for a test patient whose given facts, closed under `implies`, break an `excludes`
    /// or (through an implied fact) an `exclusive` group. Two given members of one group are
    /// reported by the caller.
    fn check_implied(&mut self, given: &[(FactId, Span)], groups_of: &[Vec<ExclusiveId>]) {
        let facts = &self.model.facts;
        if facts
            .iter()
            .all(|f| f.implies.is_empty() && f.excludes.is_empty())
        {
            return;
        }
        // Every true fact, with the given fact it comes from.
        let mut holds: Vec<Option<(FactId, Span)>> = vec![None; facts.len()];
        for &(g, span) in given {
            let mut todo = vec![g];
            while let Some(f) = todo.pop() {
                if holds[f].is_none() {
                    holds[f] = Some((g, span));
                    todo.extend(facts[f].implies.iter().copied());
                }
            }
        }
        let why = |f: FactId, by: FactId| {
            if f == by {
                format!("`{}`", facts[f].name)
            } else {
                format!("`{}` (implied by `{}`)", facts[f].name, facts[by].name)
            }
        };
        let mut clash: Option<(FactId, FactId, String)> = None;
        'find: for (f, h) in holds.iter().enumerate() {
            let Some(_) = h else { continue };
            for &g in &facts[f].excludes {
                if holds[g].is_some() {
                    clash = Some((
                        f,
                        g,
                        format!("`{}` excludes `{}`", facts[f].name, facts[g].name),
                    ));
                    break 'find;
                }
            }
            for &x in &groups_of[f] {
                for &g in &self.model.exclusives[x].members {
                    let implied = |k: FactId| holds[k].is_some_and(|(by, _)| by != k);
                    if g != f && holds[g].is_some() && (implied(f) || implied(g)) {
                        let group = &self.model.exclusives[x].name;
                        clash = Some((f, g, format!("they are declared exclusive (`{group}`)")));
                        break 'find;
                    }
                }
            }
        }
        let Some((a, b, reason)) = clash else { return };
        let ((ga, sa), (gb, sb)) = match (holds[a], holds[b]) {
            (Some(x), Some(y)) => (x, y),
            _ => return,
        };
        let mut d = Diagnostic::new(
            Code::E008,
            sb,
            format!(
                "this test's patient is impossible: {} and {} cannot hold together: {reason}",
                why(a, ga),
                why(b, gb)
            ),
        )
        .with_label("cannot hold together with the other");
        if sa != sb {
            d = d.with_secondary(sa, "given here");
        }
        self.out.push(d.with_help(
            "give the patient facts that can hold together, counting the facts they imply",
        ));
    }
}
