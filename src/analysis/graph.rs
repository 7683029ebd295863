//! The conflict graph: live rules as nodes, `overrides` and conflicts as edges.
//!
//! [`ConflictGraph::new`] builds a petgraph graph from a model and its analysis; it renders as
//! Graphviz DOT, Mermaid (GitHub's flavour) or JSON. Output is deterministic: nodes in rule order,
//! then `overrides` edges in declaration order, then conflicts in the analysis's order.
//!
//! Edges carry their meaning in every format:
//! * `overrides` — a solid arrow from the overriding rule to the overridden one;
//! * `prevails` — a solid arrow labelled `prevails` from a rule with the clause to each less
//!   protective rule on its exercises (the overrides it stands for, after `overrides` edges);
//! * a conflict — an undirected dashed (DOT) or dotted (Mermaid) line between the two rules,
//!   labelled with its kind and exercises: red for an unresolved contradiction, amber for an
//!   unresolved tension or dose mismatch, grey once resolved by `overrides` (the label names the
//!   rule that prevails).
//!
//! Nodes are labelled with the rule id and action; their border shows the most severe unresolved
//! conflict they take part in (`error`, `warning`), or `resolved` when all of their conflicts are
//! resolved. Long exercise lists are cut to four names and a count in DOT and Mermaid labels;
//! JSON always lists them all. Retired rules are left out: they never fire.

use petgraph::graph::{DiGraph, NodeIndex};
use serde_json::{Value, json};

use super::words;
use super::{Analysis, Conflict, ConflictKind};
use crate::model::{Model, RuleId};

/// What an edge of the graph stands for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Edge {
    /// The source rule overrides the target rule (declared directly).
    Overrides,
    /// The source rule overrides the target rule through its `prevails` clause.
    Prevails,
    /// The conflict with this index in [`Analysis::conflicts`].
    Conflict(usize),
}

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
}

fn severity(c: &Conflict) -> Severity {
    match (c.resolved_by, c.kind) {
        (Some(_), _) => Severity::Resolved,
        (None, ConflictKind::Contradiction) => Severity::Error,
        (None, _) => Severity::Warning,
    }
}

/// The conflict graph of one analysed model.
pub struct ConflictGraph<'a> {
    model: &'a Model,
    analysis: &'a Analysis,
    /// Nodes hold rule ids.
    pub graph: DiGraph<RuleId, Edge>,
}

impl<'a> ConflictGraph<'a> {
    pub fn new(model: &'a Model, analysis: &'a Analysis) -> ConflictGraph<'a> {
        let mut graph = DiGraph::new();
        let mut node: Vec<Option<NodeIndex>> = vec![None; model.rules.len()];
        for (r, rule) in model.rules.iter().enumerate() {
            if rule.is_live() {
                node[r] = Some(graph.add_node(r));
            }
        }
        let at = |r: RuleId| node.get(r).copied().flatten();
        for (a, rule) in model.rules.iter().enumerate() {
            let mut seen = Vec::new();
            for &(b, _) in &rule.overrides {
                if let (Some(x), Some(y)) = (at(a), at(b))
                    && !seen.contains(&b)
                {
                    seen.push(b);
                    graph.add_edge(x, y, Edge::Overrides);
                }
            }
        }
        for (a, b, _) in super::overrides::prevails_edges(model) {
            let named = model.rules[a].overrides.iter().any(|&(o, _)| o == b);
            if let (Some(x), Some(y)) = (at(a), at(b))
                && !named
            {
                graph.add_edge(x, y, Edge::Prevails);
            }
        }
        for (i, c) in analysis.conflicts.iter().enumerate() {
            if let (Some(x), Some(y)) = (at(c.rules[0]), at(c.rules[1])) {
                graph.add_edge(x, y, Edge::Conflict(i));
            }
        }
        ConflictGraph {
            model,
            analysis,
            graph,
        }
    }

    fn rule_id(&self, n: NodeIndex) -> &str {
        &self.model.rules[self.graph[n]].id
    }

    /// The most severe conflict a node takes part in.
    pub fn severity(&self, n: NodeIndex) -> Severity {
        self.graph
            .edges_directed(n, petgraph::Direction::Outgoing)
            .chain(self.graph.edges_directed(n, petgraph::Direction::Incoming))
            .filter_map(|e| match e.weight() {
                Edge::Conflict(i) => self.analysis.conflicts.get(*i).map(severity),
                Edge::Overrides | Edge::Prevails => None,
            })
            .max()
            .unwrap_or(Severity::None)
    }

    /// A conflict's label: `contradiction: a, b` (plus `, resolved by x`), one line per part.
    fn conflict_label(&self, c: &Conflict) -> Vec<String> {
        let kind = c.kind.as_str().replace('_', " ");
        let mut lines = vec![format!(
            "{kind}: {}",
            words::exercises_short(self.model, &c.exercises)
        )];
        if let Some(w) = c.resolved_by {
            lines.push(format!("resolved by {}", self.model.rules[w].id));
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
        for n in self.graph.node_indices() {
            let rule = &self.model.rules[self.graph[n]];
            let border = match self.severity(n) {
                Severity::Error => ", color=\"#c00000\", penwidth=2",
                Severity::Warning => ", color=\"#c07000\", penwidth=2",
                Severity::Resolved => ", color=\"#808080\"",
                Severity::None => "",
            };
            s.push_str(&format!(
                "  r{} [label=\"{}\\n{}\"{border}];\n",
                n.index(),
                dot_escape(&rule.id),
                rule.action.as_str()
            ));
        }
        for e in self.graph.edge_indices() {
            let Some((a, b)) = self.graph.edge_endpoints(e) else {
                continue;
            };
            let attrs = match self.graph[e] {
                Edge::Overrides => "label=\"overrides\"".to_string(),
                Edge::Prevails => "label=\"prevails\", style=bold".to_string(),
                Edge::Conflict(i) => {
                    let c = &self.analysis.conflicts[i];
                    let label: Vec<String> = self
                        .conflict_label(c)
                        .iter()
                        .map(|l| dot_escape(l))
                        .collect();
                    let colour = match severity(c) {
                        Severity::Error => "#c00000",
                        Severity::Warning => "#c07000",
                        _ => "#808080",
                    };
                    let style = if c.resolved_by.is_some() {
                        "dotted"
                    } else {
                        "dashed"
                    };
                    format!(
                        "label=\"{}\", dir=none, style={style}, color=\"{colour}\", fontcolor=\"{colour}\"",
                        label.join("\\n")
                    )
                }
            };
            s.push_str(&format!("  r{} -> r{} [{attrs}];\n", a.index(), b.index()));
        }
        s.push_str("}\n");
        s
    }

    /// Mermaid flowchart, as GitHub renders it.
    pub fn mermaid(&self) -> String {
        let mut s = String::from("flowchart LR\n");
        let mut classes: [Vec<String>; 3] = Default::default();
        for n in self.graph.node_indices() {
            let rule = &self.model.rules[self.graph[n]];
            s.push_str(&format!(
                "  r{}[\"{}<br/>{}\"]\n",
                n.index(),
                mermaid_escape(&rule.id),
                rule.action.as_str()
            ));
            let slot = match self.severity(n) {
                Severity::Error => Some(0),
                Severity::Warning => Some(1),
                Severity::Resolved => Some(2),
                Severity::None => None,
            };
            if let Some(slot) = slot {
                classes[slot].push(format!("r{}", n.index()));
            }
        }
        let mut link_styles: [Vec<String>; 3] = Default::default();
        for (k, e) in self.graph.edge_indices().enumerate() {
            let Some((a, b)) = self.graph.edge_endpoints(e) else {
                continue;
            };
            match self.graph[e] {
                Edge::Overrides => s.push_str(&format!(
                    "  r{} -- \"overrides\" --> r{}\n",
                    a.index(),
                    b.index()
                )),
                Edge::Prevails => s.push_str(&format!(
                    "  r{} == \"prevails\" ==> r{}\n",
                    a.index(),
                    b.index()
                )),
                Edge::Conflict(i) => {
                    let c = &self.analysis.conflicts[i];
                    let label: Vec<String> = self
                        .conflict_label(c)
                        .iter()
                        .map(|l| mermaid_escape(l))
                        .collect();
                    s.push_str(&format!(
                        "  r{} -. \"{}\" .- r{}\n",
                        a.index(),
                        label.join("<br/>"),
                        b.index()
                    ));
                    let slot = match severity(c) {
                        Severity::Error => 0,
                        Severity::Warning => 1,
                        _ => 2,
                    };
                    link_styles[slot].push(k.to_string());
                }
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

    /// JSON: `{"nodes": [{"id", "action", "severity"}], "edges": [...]}`. An `overrides` edge is
    /// `{"kind": "overrides", "from", "to"}` (`"prevails"` for one `prevails` stands for); a conflict edge is `{"kind": "contradiction" |
    /// "tension" | "dose_mismatch", "from", "to", "exercises": [...], "resolved": bool,
    /// "resolved_by": id | null, "witness": {"facts": [...], "measures": {name: value}}}`.
    pub fn json(&self) -> Value {
        let nodes: Vec<Value> = self
            .graph
            .node_indices()
            .map(|n| {
                let rule = &self.model.rules[self.graph[n]];
                json!({
                    "id": rule.id,
                    "action": rule.action.as_str(),
                    "severity": self.severity(n).as_str(),
                })
            })
            .collect();
        let edges: Vec<Value> = self
            .graph
            .edge_indices()
            .filter_map(|e| {
                let (a, b) = self.graph.edge_endpoints(e)?;
                let (from, to) = (self.rule_id(a), self.rule_id(b));
                Some(match self.graph[e] {
                    Edge::Overrides => json!({"kind": "overrides", "from": from, "to": to}),
                    Edge::Prevails => json!({"kind": "prevails", "from": from, "to": to}),
                    Edge::Conflict(i) => {
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
                            "from": from,
                            "to": to,
                            "exercises": words::exercise_names(self.model, &c.exercises),
                            "resolved": c.resolved_by.is_some(),
                            "resolved_by": c.resolved_by.map(|w| self.model.rules[w].id.clone()),
                            "witness": {"facts": facts, "measures": measures},
                        })
                    }
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
        assert_eq!(g.graph.node_count(), 4, "retired rules are left out");
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
  r3 -> r2 [label="overrides"];
  r0 -> r1 [label="contradiction: prone_press_up", dir=none, style=dashed, color="#c00000", fontcolor="#c00000"];
  r2 -> r3 [label="tension: leg_lift\nresolved by careful_core", dir=none, style=dotted, color="#808080", fontcolor="#808080"];
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
  r3 -- "overrides" --> r2
  r0 -. "contradiction: prone_press_up" .- r1
  r2 -. "tension: leg_lift<br/>resolved by careful_core" .- r3
  classDef error stroke:#c00000,stroke-width:3px
  classDef warning stroke:#c07000,stroke-width:2px
  classDef resolved stroke:#808080,stroke-dasharray:4 2
  class r0,r1 error
  class r2,r3 resolved
  linkStyle 1 stroke:#c00000,color:#c00000
  linkStyle 2 stroke:#808080,color:#808080
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
                    {"kind": "overrides", "from": "careful_core", "to": "core_work"},
                    {"kind": "contradiction", "from": "disc_extension", "to": "facet_no_extension",
                     "exercises": ["prone_press_up"], "resolved": false, "resolved_by": null,
                     "witness": {"facts": ["herniated_disc", "facet_syndrome"], "measures": {}}},
                    {"kind": "tension", "from": "core_work", "to": "careful_core",
                     "exercises": ["leg_lift"], "resolved": true, "resolved_by": "careful_core",
                     "witness": {"facts": ["facet_syndrome"], "measures": {}}},
                ]
            })
        );
    }

    #[test]
    fn prevails_edges_are_labelled_as_such() {
        let mut k = Kit::new();
        let serious = k.fact("serious");
        let walking = k.exercise("walking");
        let refer = k.rule("see_first", fact(serious), Action::Refer, &[walking]);
        k.rule("walk", Expr::Always, Action::Recommend, &[walking]);
        k.model.rules[refer].prevails = Some(crate::source::Span::new(0, 1, 2));
        let mut out = Vec::new();
        let analysis = crate::analysis::analyse(&k.model, &mut out);
        assert!(out.is_empty(), "{out:?}");
        let g = ConflictGraph::new(&k.model, &analysis);
        assert_eq!(
            g.json()["edges"],
            json!([
                {"kind": "prevails", "from": "see_first", "to": "walk"},
                {"kind": "tension", "from": "see_first", "to": "walk", "exercises": ["walking"],
                 "resolved": true, "resolved_by": "see_first",
                 "witness": {"facts": ["serious"], "measures": {}}}
            ])
        );
        assert!(
            g.dot()
                .contains("r0 -> r1 [label=\"prevails\", style=bold];"),
            "{}",
            g.dot()
        );
        assert!(
            g.mermaid().contains("r0 == \"prevails\" ==> r1"),
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
