//! The conflict graph: live rules as nodes, `overrides` and conflicts as edges.
//!
//! [`ConflictGraph::new`] builds the whole graph of a model and its analysis;
//! [`ConflictGraph::focused`] keeps only part of it (the rules advising one exercise, one rule
//! and its neighbours, unresolved conflicts). It renders as Graphviz DOT, Mermaid (GitHub's
//! flavour) or JSON. Output is deterministic: nodes in rule order, edges by pair of rules.
//!
//! Between two rules there is at most one edge. An `overrides` and the conflicts between the
//! same two rules are one edge, drawn as an arrow from the overriding rule to the overridden
//! one and labelled `overrides` and then each conflict. Edges carry their meaning in every
//! format:
//! * an arrow (solid) — the source rule overrides the target rule; a bold arrow (`==>` in
//!   Mermaid) labelled `prevails` when the override is one a `prevails` clause stands for;
//! * a line without arrow — a conflict no direct `overrides` settles: dashed while unresolved,
//!   dotted once resolved through a chain of overrides;
//! * colour — red for a contradiction, amber for a tension or dose mismatch, grey when every
//!   conflict on the edge is resolved; labels name the kind, the exercises and the rule that
//!   prevails, so the graph reads without colour.
//!
//! Nodes are labelled with the rule id and action; their border shows the most severe
//! unresolved conflict they take part in (`error`, `warning`), or `resolved` when all of their
//! conflicts are resolved. Long exercise lists are cut to four names and a count in DOT and
//! Mermaid labels; JSON always lists them all. Retired rules are left out: they never fire.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::words;
use super::{Analysis, Conflict, ConflictKind};
use crate::model::{ExerciseId, Model, RuleId};

/// How much attention a rule needs, from its unresolved conflicts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// No conflict at all.
    None,
    /// Only conflicts resolved by `overrides`.
    Resolved,
    /// An unresolved tension or dose mismatch.
    Warning,
    /// An unresolved contradiction.
    Error,
}

impl Severity {
    fn as_str(self) -> Option<&'static str> {
        match self {
            Severity::None => None,
            Severity::Resolved => Some("resolved"),
            Severity::Warning => Some("warning"),
            Severity::Error => Some("error"),
        }
    }

    fn colour(self) -> &'static str {
        match self {
            Severity::Error => "#c00000",
            Severity::Warning => "#c07000",
            _ => "#808080",
        }
    }
}

fn severity(c: &Conflict) -> Severity {
    match (c.resolved_by, c.kind) {
        (Some(_), _) => Severity::Resolved,
        (None, ConflictKind::Contradiction) => Severity::Error,
        (None, _) => Severity::Warning,
    }
}

/// Which part of the graph to show. The default shows everything.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Focus {
    /// Only the rules advising this exercise, the overrides among them and their conflicts on it.
    pub exercise: Option<ExerciseId>,
    /// Only this rule, the edges that touch it and the rules at their other end.
    pub rule: Option<RuleId>,
    /// Only edges with a conflict left unresolved (a warning, or an E010 contradiction).
    pub unresolved: bool,
}

/// One edge: an override, conflicts, or both, between two rules.
#[derive(Clone, Debug, PartialEq)]
pub struct Edge {
    /// The arrow's tail: the overriding rule, or the first rule in source order.
    pub from: RuleId,
    /// The arrow's head: the overridden rule, or the second rule in source order.
    pub to: RuleId,
    /// Whether `from` overrides `to`, by a declared `overrides` or through `prevails`.
    pub overrides: bool,
    /// Whether that override is one `from`'s `prevails` clause stands for (and not named).
    pub prevails: bool,
    /// Indices into [`Analysis::conflicts`], in the analysis's order.
    pub conflicts: Vec<usize>,
}

/// The conflict graph of one analysed model, or the focused part of it.
pub struct ConflictGraph<'a> {
    model: &'a Model,
    analysis: &'a Analysis,
    /// The rules shown, in rule order.
    pub nodes: Vec<RuleId>,
    /// The edges shown, sorted by their pair of rules in source order.
    pub edges: Vec<Edge>,
}

impl<'a> ConflictGraph<'a> {
    /// The whole graph.
    pub fn new(model: &'a Model, analysis: &'a Analysis) -> ConflictGraph<'a> {
        ConflictGraph::focused(model, analysis, &Focus::default())
    }

    /// The part of the graph `focus` asks for.
    pub fn focused(model: &'a Model, analysis: &'a Analysis, focus: &Focus) -> ConflictGraph<'a> {
        let live = |r: RuleId| model.rules.get(r).is_some_and(|r| r.is_live());
        let advises = |r: RuleId| {
            focus
                .exercise
                .is_none_or(|x| model.rules[r].exercises.contains(&x))
        };
        let shown = |r: RuleId| live(r) && advises(r);
        let mut merged: BTreeMap<(RuleId, RuleId), Edge> = BTreeMap::new();
        for (a, rule) in model.rules.iter().enumerate() {
            for &(b, _) in rule.overrides() {
                if a != b && shown(a) && shown(b) {
                    let e = merged.entry((a.min(b), a.max(b))).or_insert(Edge {
                        from: a,
                        to: b,
                        overrides: true,
                        prevails: false,
                        conflicts: Vec::new(),
                    });
                    (e.from, e.to, e.overrides) = (a, b, true);
                }
            }
        }
        for (a, b, _) in super::overrides::prevails_edges(model) {
            if a != b && shown(a) && shown(b) {
                let e = merged.entry((a.min(b), a.max(b))).or_insert(Edge {
                    from: a,
                    to: b,
                    overrides: false,
                    prevails: false,
                    conflicts: Vec::new(),
                });
                if !e.overrides {
                    (e.from, e.to, e.overrides, e.prevails) = (a, b, true, true);
                }
            }
        }
        for (i, c) in analysis.conflicts.iter().enumerate() {
            let [a, b] = c.rules;
            let on_exercise = focus.exercise.is_none_or(|x| c.exercises.contains(&x));
            if shown(a) && shown(b) && on_exercise {
                merged
                    .entry((a.min(b), a.max(b)))
                    .or_insert(Edge {
                        from: a,
                        to: b,
                        overrides: false,
                        prevails: false,
                        conflicts: Vec::new(),
                    })
                    .conflicts
                    .push(i);
            }
        }
        let edges: Vec<Edge> = merged
            .into_values()
            .filter(|e| focus.rule.is_none_or(|r| e.from == r || e.to == r))
            .filter(|e| {
                !focus.unresolved
                    || e.conflicts
                        .iter()
                        .any(|&c| analysis.conflicts[c].resolved_by.is_none())
            })
            .collect();
        let nodes: Vec<RuleId> = (0..model.rules.len())
            .filter(|&r| {
                let touched = edges.iter().any(|e| e.from == r || e.to == r);
                if focus.rule.is_some() || focus.unresolved {
                    touched || focus.rule == Some(r)
                } else {
                    shown(r)
                }
            })
            .filter(|&r| live(r))
            .collect();
        ConflictGraph {
            model,
            analysis,
            nodes,
            edges,
        }
    }

    fn rule_id(&self, r: RuleId) -> &str {
        &self.model.rules[r].id
    }

    /// The node name of a rule in DOT and Mermaid: `r` and its position in the model.
    fn node(r: RuleId) -> String {
        format!("r{r}")
    }

    /// The most severe conflict a rule takes part in, over the whole analysis.
    pub fn severity(&self, r: RuleId) -> Severity {
        self.analysis
            .conflicts
            .iter()
            .filter(|c| c.rules.contains(&r))
            .map(severity)
            .max()
            .unwrap_or(Severity::None)
    }

    /// The most severe conflict on an edge (`None` for a bare override).
    fn edge_severity(&self, e: &Edge) -> Severity {
        e.conflicts
            .iter()
            .map(|&c| severity(&self.analysis.conflicts[c]))
            .max()
            .unwrap_or(Severity::None)
    }

    /// An edge's label lines: `overrides`, then per conflict `contradiction: a, b` (plus
    /// `resolved by x` when a chain, not this edge's override, resolves it).
    fn edge_label(&self, e: &Edge) -> Vec<String> {
        let mut lines = Vec::new();
        if e.prevails {
            lines.push("prevails".to_string());
        } else if e.overrides {
            lines.push("overrides".to_string());
        }
        for &i in &e.conflicts {
            let c = &self.analysis.conflicts[i];
            let kind = c.kind.as_str().replace('_', " ");
            let mut line = format!(
                "{kind}: {}",
                words::exercises_short(self.model, &c.exercises)
            );
            match c.resolved_by {
                Some(w) if e.overrides && w == e.from => line.push_str(", resolved"),
                Some(w) => line.push_str(&format!(", resolved by {}", self.model.rules[w].id)),
                None => line.push_str(", unresolved"),
            }
            lines.push(line);
        }
        lines
    }

    /// Graphviz DOT.
    pub fn dot(&self) -> String {
        let mut s = String::from(
            "digraph conflicts {\n  graph [rankdir=LR, fontname=\"Helvetica\"];\n  \
             node [shape=box, style=\"rounded,filled\", fillcolor=\"#ffffff\", fontname=\"Helvetica\"];\n  \
             edge [fontname=\"Helvetica\", fontsize=10];\n",
        );
        for &r in &self.nodes {
            let rule = &self.model.rules[r];
            let border = match self.severity(r) {
                Severity::Error => ", color=\"#c00000\", penwidth=2",
                Severity::Warning => ", color=\"#c07000\", penwidth=2",
                Severity::Resolved => ", color=\"#808080\"",
                Severity::None => "",
            };
            s.push_str(&format!(
                "  {} [label=\"{}\\n{}\"{border}];\n",
                Self::node(r),
                dot_escape(&rule.id),
                rule.action.as_str()
            ));
        }
        for e in &self.edges {
            let label: Vec<String> = self.edge_label(e).iter().map(|l| dot_escape(l)).collect();
            let mut attrs = format!("label=\"{}\"", label.join("\\n"));
            let sev = self.edge_severity(e);
            if e.prevails {
                attrs.push_str(", style=bold");
            }
            if !e.overrides {
                let style = if sev == Severity::Resolved {
                    "dotted"
                } else {
                    "dashed"
                };
                attrs.push_str(&format!(", dir=none, style={style}"));
            }
            if sev != Severity::None {
                let colour = sev.colour();
                attrs.push_str(&format!(", color=\"{colour}\", fontcolor=\"{colour}\""));
            }
            s.push_str(&format!(
                "  {} -> {} [{attrs}];\n",
                Self::node(e.from),
                Self::node(e.to)
            ));
        }
        s.push_str("}\n");
        s
    }

    /// Mermaid flowchart, as GitHub renders it.
    pub fn mermaid(&self) -> String {
        let mut s = String::from("flowchart LR\n");
        let mut classes: [Vec<String>; 3] = Default::default();
        for &r in &self.nodes {
            let rule = &self.model.rules[r];
            s.push_str(&format!(
                "  {}[\"{}<br/>{}\"]\n",
                Self::node(r),
                mermaid_escape(&rule.id),
                rule.action.as_str()
            ));
            let slot = match self.severity(r) {
                Severity::Error => Some(0),
                Severity::Warning => Some(1),
                Severity::Resolved => Some(2),
                Severity::None => None,
            };
            if let Some(slot) = slot {
                classes[slot].push(Self::node(r));
            }
        }
        let mut link_styles: [Vec<String>; 3] = Default::default();
        for (k, e) in self.edges.iter().enumerate() {
            let label: Vec<String> = self
                .edge_label(e)
                .iter()
                .map(|l| mermaid_escape(l))
                .collect();
            let label = label.join("<br/>");
            let (a, b) = (Self::node(e.from), Self::node(e.to));
            if e.prevails {
                s.push_str(&format!("  {a} == \"{label}\" ==> {b}\n"));
            } else if e.overrides {
                s.push_str(&format!("  {a} -- \"{label}\" --> {b}\n"));
            } else {
                s.push_str(&format!("  {a} -. \"{label}\" .- {b}\n"));
            }
            let slot = match self.edge_severity(e) {
                Severity::Error => Some(0),
                Severity::Warning => Some(1),
                Severity::Resolved => Some(2),
                Severity::None => None,
            };
            if let Some(slot) = slot {
                link_styles[slot].push(k.to_string());
            }
        }
        s.push_str("  classDef error stroke:#c00000,stroke-width:3px\n");
        s.push_str("  classDef warning stroke:#c07000,stroke-width:2px\n");
        s.push_str("  classDef resolved stroke:#808080,stroke-dasharray:4 2\n");
        for (name, members) in ["error", "warning", "resolved"].iter().zip(&classes) {
            if !members.is_empty() {
                s.push_str(&format!("  class {} {name}\n", members.join(",")));
            }
        }
        for (colour, links) in ["#c00000", "#c07000", "#808080"].iter().zip(&link_styles) {
            if !links.is_empty() {
                s.push_str(&format!(
                    "  linkStyle {} stroke:{colour},color:{colour}\n",
                    links.join(",")
                ));
            }
        }
        s
    }

    /// JSON: `{"nodes": [{"id", "action", "severity"}], "edges": [{"from", "to", "overrides",
    /// "prevails", "kind", "resolved", "conflicts"}]}`. `overrides` is whether `from` overrides
    /// `to`, `prevails` whether through a `prevails` clause; `kind` is the most serious
    /// conflict on the edge (`contradiction`, `tension`, `dose_mismatch`), or `overrides` or
    /// `prevails` for a bare override; `resolved` is whether every
    /// conflict on it is resolved; each of `conflicts` is `{"kind", "exercises": [...],
    /// "resolved_by": id | null, "witness": {"facts": [...], "measures": {name: value}}}`.
    pub fn json(&self) -> Value {
        let nodes: Vec<Value> = self
            .nodes
            .iter()
            .map(|&r| {
                let rule = &self.model.rules[r];
                json!({
                    "id": rule.id,
                    "action": rule.action.as_str(),
                    "severity": self.severity(r).as_str(),
                })
            })
            .collect();
        let edges: Vec<Value> = self
            .edges
            .iter()
            .map(|e| {
                let conflicts: Vec<Value> = e
                    .conflicts
                    .iter()
                    .map(|&i| {
                        let c = &self.analysis.conflicts[i];
                        let facts: Vec<&str> = c
                            .witness
                            .facts
                            .iter()
                            .filter_map(|&f| self.model.facts.get(f).map(|f| f.name.as_str()))
                            .collect();
                        let measures: serde_json::Map<String, Value> = c
                            .witness
                            .measures
                            .iter()
                            .filter_map(|&(m, v)| {
                                Some((self.model.measures.get(m)?.name.clone(), json!(v)))
                            })
                            .collect();
                        json!({
                            "kind": c.kind.as_str(),
                            "exercises": words::exercise_names(self.model, &c.exercises),
                            "resolved_by": c.resolved_by.map(|w| self.model.rules[w].id.clone()),
                            "witness": {"facts": facts, "measures": measures},
                        })
                    })
                    .collect();
                let kind = [
                    ConflictKind::Contradiction,
                    ConflictKind::Tension,
                    ConflictKind::DoseMismatch,
                ]
                .into_iter()
                .find(|k| {
                    e.conflicts
                        .iter()
                        .any(|&i| self.analysis.conflicts[i].kind == *k)
                })
                .map_or(if e.prevails { "prevails" } else { "overrides" }, |k| {
                    k.as_str()
                });
                json!({
                    "from": self.rule_id(e.from),
                    "to": self.rule_id(e.to),
                    "overrides": e.overrides,
                    "prevails": e.prevails,
                    "kind": kind,
                    "resolved": e.conflicts.iter().all(|&i| self.analysis.conflicts[i].resolved_by.is_some()),
                    "conflicts": conflicts,
                })
            })
            .collect();
        json!({"nodes": nodes, "edges": edges})
    }
}

/// Text inside a DOT double-quoted string.
fn dot_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' | '\r' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// Text inside a Mermaid quoted label: characters Mermaid would read as syntax become entities.
fn mermaid_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '"' => out.push_str("#quot;"),
            '<' => out.push_str("#lt;"),
            '>' => out.push_str("#gt;"),
            '#' => out.push_str("#35;"),
            '\n' | '\r' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::testkit::*;
    use super::*;
    use crate::model::{Action, Expr};

    fn sample() -> (Kit, Analysis) {
        let mut k = Kit::new();
        let disc = k.fact("herniated_disc");
        let facet = k.fact("facet_syndrome");
        let press_up = k.exercise("prone_press_up");
        let leg_lift = k.exercise("leg_lift");
        k.rule("disc_extension", fact(disc), Action::Recommend, &[press_up]);
        k.rule(
            "facet_no_extension",
            fact(facet),
            Action::Avoid,
            &[press_up],
        );
        let core = k.rule("core_work", Expr::Always, Action::Recommend, &[leg_lift]);
        let careful = k.rule("careful_core", fact(facet), Action::Caution, &[leg_lift]);
        k.overrides(careful, core);
        let old = k.rule("old \"core\"", fact(disc), Action::Avoid, &[leg_lift]);
        k.retire(old);
        let mut out = Vec::new();
        let analysis = crate::analysis::analyse(&k.model, &mut out);
        (k, analysis)
    }

    #[test]
    fn dot() {
        let (k, a) = sample();
        let g = ConflictGraph::new(&k.model, &a);
        assert_eq!(g.nodes, vec![0, 1, 2, 3], "retired rules are left out");
        assert_eq!(
            g.dot(),
            r##"digraph conflicts {
  graph [rankdir=LR, fontname="Helvetica"];
  node [shape=box, style="rounded,filled", fillcolor="#ffffff", fontname="Helvetica"];
  edge [fontname="Helvetica", fontsize=10];
  r0 [label="disc_extension\nrecommend", color="#c00000", penwidth=2];
  r1 [label="facet_no_extension\navoid", color="#c00000", penwidth=2];
  r2 [label="core_work\nrecommend", color="#808080"];
  r3 [label="careful_core\ncaution", color="#808080"];
  r0 -> r1 [label="contradiction: prone_press_up, unresolved", dir=none, style=dashed, color="#c00000", fontcolor="#c00000"];
  r3 -> r2 [label="overrides\ntension: leg_lift, resolved", color="#808080", fontcolor="#808080"];
}
"##
        );
    }

    #[test]
    fn mermaid() {
        let (k, a) = sample();
        assert_eq!(
            ConflictGraph::new(&k.model, &a).mermaid(),
            r##"flowchart LR
  r0["disc_extension<br/>recommend"]
  r1["facet_no_extension<br/>avoid"]
  r2["core_work<br/>recommend"]
  r3["careful_core<br/>caution"]
  r0 -. "contradiction: prone_press_up, unresolved" .- r1
  r3 -- "overrides<br/>tension: leg_lift, resolved" --> r2
  classDef error stroke:#c00000,stroke-width:3px
  classDef warning stroke:#c07000,stroke-width:2px
  classDef resolved stroke:#808080,stroke-dasharray:4 2
  class r0,r1 error
  class r2,r3 resolved
  linkStyle 0 stroke:#c00000,color:#c00000
  linkStyle 1 stroke:#808080,color:#808080
"##
        );
    }

    #[test]
    fn json() {
        let (k, a) = sample();
        let j = ConflictGraph::new(&k.model, &a).json();
        assert_eq!(
            j,
            serde_json::json!({
                "nodes": [
                    {"id": "disc_extension", "action": "recommend", "severity": "error"},
                    {"id": "facet_no_extension", "action": "avoid", "severity": "error"},
                    {"id": "core_work", "action": "recommend", "severity": "resolved"},
                    {"id": "careful_core", "action": "caution", "severity": "resolved"},
                ],
                "edges": [
                    {"from": "disc_extension", "to": "facet_no_extension", "overrides": false, "prevails": false,
                     "kind": "contradiction", "resolved": false,
                     "conflicts": [{"kind": "contradiction", "exercises": ["prone_press_up"], "resolved_by": null,
                                    "witness": {"facts": ["herniated_disc", "facet_syndrome"], "measures": {}}}]},
                    {"from": "careful_core", "to": "core_work", "overrides": true, "prevails": false,
                     "kind": "tension", "resolved": true,
                     "conflicts": [{"kind": "tension", "exercises": ["leg_lift"], "resolved_by": "careful_core",
                                    "witness": {"facts": ["facet_syndrome"], "measures": {}}}]},
                ]
            })
        );
    }

    #[test]
    fn focus_on_an_exercise_a_rule_or_what_is_unresolved() {
        let (k, a) = sample();
        let ids = |g: &ConflictGraph| -> Vec<String> {
            g.nodes
                .iter()
                .map(|&r| k.model.rules[r].id.clone())
                .collect()
        };
        let leg_lift = k.model.exercises.iter().position(|e| e.name == "leg_lift");
        let g = ConflictGraph::focused(
            &k.model,
            &a,
            &Focus {
                exercise: leg_lift,
                ..Focus::default()
            },
        );
        assert_eq!(ids(&g), ["core_work", "careful_core"]);
        assert_eq!(
            g.edges,
            vec![Edge {
                from: 3,
                to: 2,
                overrides: true,
                prevails: false,
                conflicts: vec![1]
            }]
        );
        let g = ConflictGraph::focused(
            &k.model,
            &a,
            &Focus {
                rule: Some(0),
                ..Focus::default()
            },
        );
        assert_eq!(ids(&g), ["disc_extension", "facet_no_extension"]);
        let g = ConflictGraph::focused(
            &k.model,
            &a,
            &Focus {
                unresolved: true,
                ..Focus::default()
            },
        );
        assert_eq!(ids(&g), ["disc_extension", "facet_no_extension"]);
        assert_eq!(g.edges.len(), 1);
        // A rule with no edge left is still shown when it is the focus.
        let g = ConflictGraph::focused(
            &k.model,
            &a,
            &Focus {
                rule: Some(2),
                unresolved: true,
                ..Focus::default()
            },
        );
        assert_eq!(ids(&g), ["core_work"]);
        assert!(g.edges.is_empty());
    }

    #[test]
    fn prevails_edges_are_labelled_as_such() {
        let mut k = Kit::new();
        let serious = k.fact("serious");
        let walking = k.exercise("walking");
        let refer = k.rule("see_first", fact(serious), Action::Refer, &[walking]);
        k.rule("walk", Expr::Always, Action::Recommend, &[walking]);
        k.model.rules[refer].details_mut().prevails = Some(crate::source::Span::new(0, 1, 2));
        let mut out = Vec::new();
        let analysis = crate::analysis::analyse(&k.model, &mut out);
        assert!(out.is_empty(), "{out:?}");
        let g = ConflictGraph::new(&k.model, &analysis);
        assert_eq!(
            g.json()["edges"],
            json!([
                {"from": "see_first", "to": "walk", "overrides": true, "prevails": true,
                 "kind": "tension", "resolved": true,
                 "conflicts": [{"kind": "tension", "exercises": ["walking"], "resolved_by": "see_first",
                                "witness": {"facts": ["serious"], "measures": {}}}]}
            ])
        );
        assert!(
            g.dot().contains(
                "r0 -> r1 [label=\"prevails\\ntension: walking, resolved\", style=bold, color=\"#808080\", fontcolor=\"#808080\"];"
            ),
            "{}",
            g.dot()
        );
        assert!(
            g.mermaid()
                .contains("r0 == \"prevails<br/>tension: walking, resolved\" ==> r1"),
            "{}",
            g.mermaid()
        );
    }

    #[test]
    fn labels_are_escaped() {
        assert_eq!(dot_escape(r#"a "b" \ c"#), r#"a \"b\" \\ c"#);
        assert_eq!(
            mermaid_escape(r#"a "b" <c> #d"#),
            "a #quot;b#quot; #lt;c#gt; #35;d"
        );
    }
}
