//! Focused conflict graphs for the report, drawn as inline SVG.
//!
//! A focus is a small set of rules (those advising one exercise, or one rule and its
//! neighbours). Between two rules there is at most one edge: an override (named, or derived
//! from `prevails`) and the conflicts it resolves are one edge, drawn from the rule that wins
//! to the rule that loses. The layout is an arc diagram: rules one per row, most protective
//! first, edges as arcs on the right, each numbered and described in words in a list under the
//! drawing, so the graph reads without colour and in print.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde_json::Value;

use super::text::{self, Vocab, list_of, str_of, strings_of};

/// One edge between two rules: an override, conflicts, or both.
#[derive(Clone, Debug, PartialEq)]
pub struct Edge {
    /// Rule indices in bundle order, `a < b`.
    pub a: usize,
    pub b: usize,
    /// `(winner, loser, how)`: `how` is `overrides` (named) or `prevails` (derived).
    pub over: Option<(usize, usize, &'static str)>,
    /// Indices into the bundle's `conflicts`.
    pub conflicts: Vec<usize>,
}

impl Edge {
    /// `contradiction`, `tension`, `dose_mismatch` (the most serious conflict), or `overrides`.
    pub fn class(&self, bundle: &Value) -> &'static str {
        let kinds: Vec<&str> = self
            .conflicts
            .iter()
            .filter_map(|&c| str_of(&bundle["conflicts"][c], "kind"))
            .collect();
        for k in ["contradiction", "tension", "dose_mismatch"] {
            if kinds.contains(&k) {
                return k;
            }
        }
        "overrides"
    }

    /// Whether every conflict on the edge is resolved (an edge without conflicts is).
    pub fn resolved(&self, bundle: &Value) -> bool {
        self.conflicts
            .iter()
            .all(|&c| !bundle["conflicts"][c]["resolved_by"].is_null())
    }
}

/// Every edge of a bundle, merged per pair of rules, sorted by pair.
pub fn edges(bundle: &Value) -> Vec<Edge> {
    let rules = list_of(bundle, "rules");
    let index: BTreeMap<&str, usize> = rules
        .iter()
        .enumerate()
        .filter_map(|(i, r)| Some((str_of(r, "id")?, i)))
        .collect();
    let mut merged: BTreeMap<(usize, usize), Edge> = BTreeMap::new();
    fn entry(merged: &mut BTreeMap<(usize, usize), Edge>, x: usize, y: usize) -> &mut Edge {
        let (a, b) = (x.min(y), x.max(y));
        merged.entry((a, b)).or_insert(Edge {
            a,
            b,
            over: None,
            conflicts: Vec::new(),
        })
    }
    let mut overs: Vec<(usize, usize, &'static str)> = Vec::new();
    for (i, r) in rules.iter().enumerate() {
        for o in strings_of(r, "overrides") {
            if let Some(&j) = index.get(o.as_str())
                && j != i
            {
                overs.push((i, j, "overrides"));
            }
        }
        if r.get("prevails").and_then(Value::as_bool) == Some(true) {
            let mine = strings_of(r, "exercises");
            let level = text::protectiveness(str_of(r, "action").unwrap_or_default());
            for (j, other) in rules.iter().enumerate() {
                let weaker =
                    text::protectiveness(str_of(other, "action").unwrap_or_default()) < level;
                let shares = strings_of(other, "exercises")
                    .iter()
                    .any(|e| mine.contains(e));
                if j != i && weaker && shares && !overs.contains(&(i, j, "overrides")) {
                    overs.push((i, j, "prevails"));
                }
            }
        }
    }
    for (w, l, how) in overs {
        let e = entry(&mut merged, w, l);
        if e.over.is_none() {
            e.over = Some((w, l, how));
        }
    }
    for (c, conflict) in list_of(bundle, "conflicts").iter().enumerate() {
        let pair = strings_of(conflict, "rules");
        if let [x, y] = pair.as_slice()
            && let (Some(&i), Some(&j)) = (index.get(x.as_str()), index.get(y.as_str()))
        {
            entry(&mut merged, i, j).conflicts.push(c);
        }
    }
    merged.into_values().collect()
}

/// Escape text for HTML or XML (element content and quoted attributes).
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The edge in words, for the list under a drawing and for screen readers.
pub fn describe(bundle: &Value, v: &Vocab, e: &Edge, exercise: Option<&str>) -> String {
    let rules = list_of(bundle, "rules");
    let id = |i: usize| str_of(&rules[i], "id").unwrap_or_default().to_string();
    let mut out = match e.over {
        Some((w, l, "prevails")) => format!(
            "{} prevails over {} (more protective advice on a shared exercise)",
            id(w),
            id(l)
        ),
        Some((w, l, _)) => format!("{} overrides {}", id(w), id(l)),
        None => String::new(),
    };
    for &c in &e.conflicts {
        let conflict = &bundle["conflicts"][c];
        let kind = str_of(conflict, "kind")
            .unwrap_or_default()
            .replace('_', " ");
        let ids = strings_of(conflict, "exercises");
        // The focused exercise first; long lists cut to three names and a count.
        let mut ordered: Vec<&String> = ids
            .iter()
            .filter(|x| Some(x.as_str()) == exercise)
            .collect();
        ordered.extend(ids.iter().filter(|x| Some(x.as_str()) != exercise));
        let mut names: Vec<String> = ordered.iter().take(3).map(|x| v.exercise(x)).collect();
        if ordered.len() > 3 {
            names.push(format!("{} more exercises", ordered.len() - 3));
        }
        let what = format!("{kind} on {}", text::join(&names, "and"));
        let part = match str_of(conflict, "resolved_by") {
            Some(_) if e.over.is_some() => format!("resolves a {what}"),
            Some(w) => format!("{what}, resolved: {w} prevails through a chain of overrides"),
            None => format!(
                "{what}, left standing: the more protective advice is given when both apply"
            ),
        };
        if out.is_empty() {
            out = format!("{} and {}: {part}", id(e.a), id(e.b));
        } else {
            out.push_str("; ");
            out.push_str(&part);
        }
    }
    out
}

const ROW: i64 = 36;
const TOP: i64 = 12;
const LEFT: i64 = 8;

/// An arc diagram of `nodes` (rule indices) and the edges among them, with a numbered list of
/// the edges in words. `title` names the drawing for screen readers. `None` when there are no
/// rules to draw.
pub fn svg(
    bundle: &Value,
    v: &Vocab,
    all_edges: &[Edge],
    nodes: &[usize],
    focus: Option<usize>,
    exercise: Option<&str>,
    title: &str,
) -> Option<String> {
    if nodes.is_empty() {
        return None;
    }
    let rules = list_of(bundle, "rules");
    let mut order: Vec<usize> = nodes.to_vec();
    order.sort_by_key(|&r| {
        (
            std::cmp::Reverse(text::protectiveness(
                str_of(&rules[r], "action").unwrap_or_default(),
            )),
            r,
        )
    });
    order.dedup();
    let row: BTreeMap<usize, i64> = order
        .iter()
        .enumerate()
        .map(|(i, &r)| (r, i as i64))
        .collect();
    // For one exercise, only the overrides and the conflicts on that exercise.
    let about = |e: &Edge| {
        exercise.is_none_or(|x| {
            e.over.is_some()
                || e.conflicts.iter().any(|&c| {
                    strings_of(&bundle["conflicts"][c], "exercises")
                        .iter()
                        .any(|y| y == x)
                })
        })
    };
    let edges: Vec<&Edge> = all_edges
        .iter()
        .filter(|e| row.contains_key(&e.a) && row.contains_key(&e.b) && about(e))
        .collect();
    let label = |r: usize| {
        format!(
            "{} · {}",
            str_of(&rules[r], "action").unwrap_or_default(),
            str_of(&rules[r], "id").unwrap_or_default()
        )
    };
    let box_w = order
        .iter()
        .map(|&r| label(r).chars().count() as i64 * 7 + 20)
        .max()
        .unwrap_or(100)
        .clamp(120, 420);
    let x0 = LEFT + box_w;
    // Each edge gets its own lane, shorter spans nearer the boxes, so arcs nest and their
    // numbers never sit on one another.
    let mut lanes: Vec<usize> = (0..edges.len()).collect();
    lanes.sort_by_key(|&k| ((row[&edges[k].a] - row[&edges[k].b]).abs(), k));
    let mut lane = vec![0i64; edges.len()];
    for (i, &k) in lanes.iter().enumerate() {
        lane[k] = i as i64;
    }
    let width = x0 + 30 + 20 * edges.len() as i64 + 30;
    let height = TOP * 2 + ROW * order.len() as i64;
    let mut s = String::new();
    let _ = write!(
        s,
        "<svg class=\"graph\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {width} {height}\" \
         width=\"{width}\" height=\"{height}\" role=\"img\" aria-label=\"{}\"><title>{}</title>",
        esc(title),
        esc(title)
    );
    for (k, e) in edges.iter().enumerate() {
        let (from, to) = match e.over {
            Some((w, l, _)) => (w, l),
            None => (e.a, e.b),
        };
        let (y1, y2) = (
            TOP + row[&from] * ROW + ROW / 2 - 3,
            TOP + row[&to] * ROW + ROW / 2 + 3,
        );
        let d = 30 + 26 * lane[k];
        let class = e.class(bundle);
        let resolved = e.resolved(bundle);
        let style = if resolved { "solid" } else { "dashed" };
        let arrow = if e.over.is_some() {
            format!(" marker-end=\"url(#arrow-{class})\"")
        } else {
            String::new()
        };
        let _ = write!(
            s,
            "<path class=\"edge {class} {style}\" d=\"M{x0},{y1} C{},{y1} {},{y2} {},{y2}\"{arrow}/>",
            x0 + d,
            x0 + d,
            x0 + 4,
        );
        let (cx, cy) = (x0 + d * 3 / 4, (y1 + y2) / 2);
        let _ = write!(
            s,
            "<circle class=\"num {class}\" cx=\"{cx}\" cy=\"{cy}\" r=\"9\"/><text class=\"num\" x=\"{cx}\" y=\"{}\" text-anchor=\"middle\">{}</text>",
            cy + 4,
            k + 1
        );
    }
    for &r in &order {
        let y = TOP + row[&r] * ROW;
        let id = str_of(&rules[r], "id").unwrap_or_default();
        let action = str_of(&rules[r], "action").unwrap_or_default();
        let focus_class = if Some(r) == focus { " focus" } else { "" };
        let _ = write!(
            s,
            "<a href=\"#rule-{}\"><rect class=\"node {}{focus_class}\" x=\"{LEFT}\" y=\"{}\" width=\"{box_w}\" height=\"{}\" rx=\"6\"/>\
             <text class=\"node\" x=\"{}\" y=\"{}\">{}</text></a>",
            esc(id),
            esc(action),
            y + 4,
            ROW - 8,
            LEFT + 10,
            y + ROW / 2 + 4,
            esc(&label(r))
        );
    }
    s.push_str("</svg>");
    if edges.is_empty() {
        s.push_str("<p class=\"edges-none\">No overrides or conflicts among these rules.</p>");
    } else {
        s.push_str("<ol class=\"edges\">");
        for e in &edges {
            let class = e.class(bundle);
            let state = if e.resolved(bundle) {
                "resolved"
            } else {
                "unresolved"
            };
            let _ = write!(
                s,
                "<li class=\"{class} {state}\">{}</li>",
                esc(&describe(bundle, v, e, exercise))
            );
        }
        s.push_str("</ol>");
    }
    Some(s)
}

/// The rules advising an exercise.
pub fn advising(bundle: &Value, exercise: &str) -> Vec<usize> {
    list_of(bundle, "rules")
        .iter()
        .enumerate()
        .filter(|(_, r)| strings_of(r, "exercises").iter().any(|e| e == exercise))
        .map(|(i, _)| i)
        .collect()
}

/// A rule and every rule one edge away from it.
pub fn neighbourhood(edges: &[Edge], rule: usize) -> Vec<usize> {
    let mut out = vec![rule];
    for e in edges {
        if e.a == rule {
            out.push(e.b);
        } else if e.b == rule {
            out.push(e.a);
        }
    }
    out.sort();
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn bundle() -> Value {
        json!({
            "vocabulary": {"conditions": [], "factors": [], "exclusive": [], "measures": [],
                "categories": [], "exercises": [{"id": "x", "label": "X <b>", "categories": []}],
                "sources": []},
            "rules": [
                {"id": "a", "when": {"always": true}, "action": "recommend", "targets": ["x"], "exercises": ["x"], "overrides": []},
                {"id": "b", "when": {"fact": "f"}, "action": "caution", "targets": ["x"], "exercises": ["x"], "overrides": ["a"]},
                {"id": "c", "when": {"fact": "g"}, "action": "avoid", "targets": ["x"], "exercises": ["x"], "overrides": [], "prevails": true},
                {"id": "d", "when": {"fact": "h"}, "action": "consider", "targets": ["x"], "exercises": ["x"], "overrides": []}
            ],
            "conflicts": [
                {"kind": "tension", "rules": ["a", "b"], "exercises": ["x"], "witness": {"facts": ["f"], "measures": {}}, "resolved_by": "b"},
                {"kind": "tension", "rules": ["c", "d"], "exercises": ["x"], "witness": {"facts": ["g", "h"], "measures": {}}, "resolved_by": "c"}
            ]
        })
    }

    #[test]
    fn override_and_conflict_are_one_edge() {
        let b = bundle();
        let e = edges(&b);
        assert_eq!(
            e,
            vec![
                Edge {
                    a: 0,
                    b: 1,
                    over: Some((1, 0, "overrides")),
                    conflicts: vec![0]
                },
                Edge {
                    a: 0,
                    b: 2,
                    over: Some((2, 0, "prevails")),
                    conflicts: vec![]
                },
                Edge {
                    a: 1,
                    b: 2,
                    over: Some((2, 1, "prevails")),
                    conflicts: vec![]
                },
                Edge {
                    a: 2,
                    b: 3,
                    over: Some((2, 3, "prevails")),
                    conflicts: vec![1]
                },
            ]
        );
        let v = Vocab::new(&b);
        assert_eq!(
            describe(&b, &v, &e[0], None),
            "b overrides a; resolves a tension on X <b>"
        );
        assert_eq!(e[0].class(&b), "tension");
        assert_eq!(e[1].class(&b), "overrides");
        assert_eq!(neighbourhood(&e, 3), vec![2, 3]);
    }

    #[test]
    fn drawing_is_escaped_and_lists_edges() {
        let b = bundle();
        let v = Vocab::new(&b);
        let e = edges(&b);
        let svg = svg(&b, &v, &e, &[0, 1], Some(1), None, "Rules \"on\" <x>").unwrap();
        assert!(svg.contains("aria-label=\"Rules &quot;on&quot; &lt;x&gt;\""));
        assert!(svg.contains(
            "<li class=\"tension resolved\">b overrides a; resolves a tension on X &lt;b&gt;</li>"
        ));
        // The caution rule is drawn above the recommend rule, and the arrow goes from b to a.
        assert!(svg.find("caution · b").unwrap() < svg.find("recommend · a").unwrap());
        assert!(svg.contains("marker-end=\"url(#arrow-tension)\""));
        assert!(!svg.contains("<script"));
    }
}
