//! Precedence between rules: `overrides` chains and their cycles (E006).
//!
//! Rule A prevails over rule B when A overrides B directly or through a chain of `overrides`,
//! whichever rules of the chain fire (§5 of the language contract). A retired rule takes no
//! part: it is left out of bundles together with its `overrides`, so a chain through it does
//! not hold in evaluation and must not count here either. Cycles (E006) are checked over every
//! declared `overrides`, retired rules included.

use std::collections::{HashMap, HashSet, VecDeque};

use petgraph::algo::kosaraju_scc;
use petgraph::graph::{DiGraph, NodeIndex};

use crate::diagnostic::{Code, Diagnostic};
use crate::model::{Model, RuleId};
use crate::source::Span;

/// Largest cycle walked in full for the message; bigger ones are named by one cycle through
/// their first rule and a count.
const WALK_LIMIT: usize = 64;

/// The `overrides` relation with reachability queries.
pub struct Overrides {
    /// Whether the rule overrides any live rule directly.
    overrides_any: Vec<bool>,
    /// The direct edges as pairs (overrider, overridden), for constant-time direct checks.
    direct: HashSet<(RuleId, RuleId)>,
    /// The reverse edges: the rules that override rule `b` directly are
    /// `into[into_start[b]..into_start[b + 1]]`, in declaration order (one table for all rules
    /// rather than a vector per rule, most of which would stay empty).
    into_start: Vec<usize>,
    into: Vec<RuleId>,
    /// Whether the rule overrides or is overridden by any rule.
    involved: Vec<bool>,
    /// For each rule asked about as the overridden one, every rule that reaches it, as a bit
    /// set over rules. One backward walk per such rule answers every query about it: asking
    /// about each rule of a long chain against its end would otherwise walk the chain each time.
    ancestors: HashMap<RuleId, Vec<u64>>,
}

impl Overrides {
    pub fn new(model: &Model) -> Overrides {
        let n = model.rules.len();
        let mut overrides_any = vec![false; n];
        let mut edges_into = Vec::new();
        let mut involved = vec![false; n];
        let mut direct = HashSet::new();
        for (a, b, _) in edges(model) {
            if b >= n {
                continue;
            }
            // Any declared precedence marks both rules as deliberately ordered (no W003
            // between them); only live rules carry precedence.
            involved[a] = true;
            involved[b] = true;
            if model.rules[a].is_live() && model.rules[b].is_live() && direct.insert((a, b)) {
                overrides_any[a] = true;
                edges_into.push((b, a));
            }
        }
        // Grouped by overridden rule, in declaration order within each group.
        let mut into_start = vec![0usize; n + 1];
        for &(b, _) in &edges_into {
            into_start[b + 1] += 1;
        }
        for k in 1..into_start.len() {
            into_start[k] += into_start[k - 1];
        }
        let mut next = into_start.clone();
        let mut into = vec![0; edges_into.len()];
        for (b, a) in edges_into {
            into[next[b]] = a;
            next[b] += 1;
        }
        Overrides {
            overrides_any,
            direct,
            into_start,
            into,
            involved,
            ancestors: HashMap::new(),
        }
    }

    /// Whether the rule takes part in any `overrides`, on either side.
    pub fn involved(&self, rule: RuleId) -> bool {
        self.involved.get(rule).copied().unwrap_or(false)
    }

    /// Whether `from` overrides `to` directly or through a chain.
    pub fn reaches(&mut self, from: RuleId, to: RuleId) -> bool {
        if !self.overrides_any.get(from).copied().unwrap_or(false) || !self.involved(to) {
            return false;
        }
        if self.direct.contains(&(from, to)) {
            return true;
        }
        let (into, into_start) = (&self.into, &self.into_start);
        let direct_into = |r: RuleId| &into[into_start[r]..into_start[r + 1]];
        let ancestors = self.ancestors.entry(to).or_insert_with(|| {
            let mut set = vec![0u64; (into_start.len() - 1).div_ceil(64)];
            let mut stack = direct_into(to).to_vec();
            while let Some(r) = stack.pop() {
                let (word, bit) = (r / 64, 1u64 << (r % 64));
                if set[word] & bit == 0 {
                    set[word] |= bit;
                    stack.extend(direct_into(r));
                }
            }
            set
        });
        ancestors[from / 64] & (1u64 << (from % 64)) != 0
    }

    /// Which of two rules prevails over the other, if either does.
    pub fn winner(&mut self, a: RuleId, b: RuleId) -> Option<RuleId> {
        if self.reaches(a, b) {
            Some(a)
        } else if self.reaches(b, a) {
            Some(b)
        } else {
            None
        }
    }
}

/// Every precedence edge (overrider, overridden, where it is written): each `overrides`, then
/// for each live rule that `prevails`, every other live rule sharing an exercise with it whose
/// action is less protective (the edge points at the `prevails` clause).
pub fn edges(model: &Model) -> Vec<(RuleId, RuleId, Span)> {
    let mut out: Vec<(RuleId, RuleId, Span)> = Vec::new();
    for (a, rule) in model.rules.iter().enumerate() {
        for &(b, span) in rule.overrides() {
            out.push((a, b, span));
        }
    }
    out.extend(prevails_edges(model));
    out
}

/// The edges `prevails` stands for (see [`edges`]), each once, by overrider then overridden.
pub fn prevails_edges(model: &Model) -> Vec<(RuleId, RuleId, Span)> {
    let mut out = Vec::new();
    if !model
        .rules
        .iter()
        .any(|r| r.prevails().is_some() && r.is_live())
    {
        return out;
    }
    let mut by_exercise: Vec<Vec<RuleId>> = vec![Vec::new(); model.exercises.len()];
    for (i, r) in model.rules.iter().enumerate() {
        if r.is_live() {
            for &e in &r.exercises {
                if let Some(list) = by_exercise.get_mut(e) {
                    list.push(i);
                }
            }
        }
    }
    for (a, r) in model.rules.iter().enumerate() {
        let Some(span) = r.prevails().filter(|_| r.is_live()) else {
            continue;
        };
        let mut below: Vec<RuleId> = r
            .exercises
            .iter()
            .filter_map(|&e| by_exercise.get(e))
            .flatten()
            .copied()
            .filter(|&b| {
                b != a && model.rules[b].action.protectiveness() < r.action.protectiveness()
            })
            .collect();
        below.sort_unstable();
        below.dedup();
        out.extend(below.into_iter().map(|b| (a, b, span)));
    }
    out
}

/// The span of `to` in the `overrides` clause of `from`.
/// (or its `prevails` clause, for an edge `prevails` stands for).
fn edge_span(model: &Model, from: RuleId, to: RuleId) -> Span {
    let rule = &model.rules[from];
    rule.overrides()
        .iter()
        .find(|&&(r, _)| r == to)
        .map_or(rule.prevails().unwrap_or(rule.head_span), |&(_, s)| s)
}

/// Whether the edge `from` → `to` is written in `overrides` (else `prevails` stands for it).
fn named_edge(model: &Model, from: RuleId, to: RuleId) -> bool {
    model.rules[from].overrides().iter().any(|&(r, _)| r == to)
}

/// "`a` overrides `b` here", or "`a` prevails over `b` here".
fn edge_label(model: &Model, from: RuleId, to: RuleId) -> String {
    let verb = if named_edge(model, from, to) {
        "overrides"
    } else {
        "prevails over"
    };
    format!(
        "`{}` {verb} `{}` here",
        model.rules[from].id, model.rules[to].id
    )
}

/// Report every rule that overrides itself and every cycle of `overrides` (E006), one
/// diagnostic per self-override and per group of rules that override each other in a cycle.
pub fn report_cycles(model: &Model, out: &mut Vec<Diagnostic>) {
    let n = model.rules.len();
    // Only rules that take part in `overrides` become nodes.
    let mut graph: DiGraph<RuleId, ()> = DiGraph::new();
    let mut node_of: Vec<Option<NodeIndex>> = vec![None; n];
    let mut node = |graph: &mut DiGraph<RuleId, ()>, r: RuleId| {
        *node_of[r].get_or_insert_with(|| graph.add_node(r))
    };
    let mut edges = HashSet::new();
    for (a, b, span) in self::edges(model) {
        let rule = &model.rules[a];
        {
            if b >= n {
                continue;
            }
            if a == b {
                let id = &rule.id;
                out.push(
                    Diagnostic::new(
                        Code::E006,
                        span,
                        format!("rule `{id}` overrides itself: {id} → {id}"),
                    )
                    .with_label("a rule cannot take precedence over itself")
                    .with_help(format!(
                        "remove `{id}` from the `overrides` clause of `{id}`"
                    )),
                );
            } else if edges.insert((a, b)) {
                // `update_edge` would search the rule's edges each time: quadratic in a long
                // `overrides` list.
                let (x, y) = (node(&mut graph, a), node(&mut graph, b));
                graph.add_edge(x, y, ());
            }
        }
    }
    // Kosaraju: petgraph runs it with an explicit stack, so long chains cannot overflow ours.
    let mut components: Vec<Vec<RuleId>> = kosaraju_scc(&graph)
        .into_iter()
        .filter(|c| c.len() > 1)
        .map(|c| {
            let mut c: Vec<RuleId> = c.into_iter().map(|i| graph[i]).collect();
            c.sort_unstable();
            c
        })
        .collect();
    components.sort();
    let lookup = Lookup {
        graph: &graph,
        node_of: &node_of,
    };
    for component in components {
        out.push(cycle_diagnostic(model, &lookup, &component));
    }
}

/// The `overrides` graph, its nodes addressed by rule.
struct Lookup<'a> {
    graph: &'a DiGraph<RuleId, ()>,
    node_of: &'a [Option<NodeIndex>],
}

impl Lookup<'_> {
    /// Rules `r` overrides directly.
    fn next(&self, r: RuleId) -> impl Iterator<Item = RuleId> + '_ {
        self.node_of
            .get(r)
            .copied()
            .flatten()
            .into_iter()
            .flat_map(|n| self.graph.neighbors(n))
            .map(|n| self.graph[n])
    }
}

fn cycle_diagnostic(model: &Model, graph: &Lookup, component: &[RuleId]) -> Diagnostic {
    let start = component[0];
    let walk = if component.len() <= WALK_LIMIT {
        // A closed walk from the first rule through every rule of the group and back.
        let mut walk = vec![start];
        let mut visited = vec![start];
        for &target in &component[1..] {
            if visited.contains(&target) {
                continue;
            }
            let here = *walk.last().unwrap_or(&start);
            let path = shortest_path(graph, component, here, target);
            visited.extend(path.iter().copied());
            walk.extend(path);
        }
        let here = *walk.last().unwrap_or(&start);
        walk.extend(shortest_path(graph, component, here, start));
        walk
    } else {
        let mut walk = vec![start];
        let first = graph
            .next(start)
            .filter(|r| component.binary_search(r).is_ok())
            .min()
            .unwrap_or(start);
        walk.push(first);
        walk.extend(shortest_path(graph, component, first, start));
        walk
    };
    let names: Vec<&str> = walk.iter().map(|&r| model.rules[r].id.as_str()).collect();
    let chain = names.join(" → ");
    let edges: Vec<(RuleId, RuleId)> = walk.windows(2).map(|w| (w[0], w[1])).collect();
    let what = if edges.iter().all(|&(x, y)| named_edge(model, x, y)) {
        "`overrides` form"
    } else {
        "`overrides` and `prevails` form"
    };
    let message = if component.len() <= WALK_LIMIT {
        format!("{what} a cycle: {chain}")
    } else {
        format!(
            "{what} a cycle among {} rules, including {chain}",
            component.len()
        )
    };
    let (a, b) = edges[0];
    let mut d = Diagnostic::new(Code::E006, edge_span(model, a, b), message)
        .with_label(edge_label(model, a, b));
    let mut labelled = vec![(a, b)];
    for &(x, y) in &edges[1..] {
        if labelled.contains(&(x, y)) {
            continue;
        }
        labelled.push((x, y));
        d = d.with_secondary(edge_span(model, x, y), edge_label(model, x, y));
    }
    d.with_note(
        "precedence must go one way: with a cycle, every rule in it would both win and lose",
    )
    .with_help(
        "remove one of these `overrides`, keeping the direction the clinical reasoning supports",
    )
}

/// Shortest path of `overrides` from `from` to `to` inside the component, `from` excluded.
fn shortest_path(graph: &Lookup, component: &[RuleId], from: RuleId, to: RuleId) -> Vec<RuleId> {
    let mut parent: HashMap<RuleId, RuleId> = HashMap::new();
    let mut queue = VecDeque::from([from]);
    while let Some(r) = queue.pop_front() {
        let mut next: Vec<RuleId> = graph
            .next(r)
            .filter(|n| component.binary_search(n).is_ok())
            .collect();
        next.sort_unstable();
        for n in next {
            if n == to {
                let mut path = vec![to];
                let mut at = r;
                while at != from {
                    path.push(at);
                    at = parent.get(&at).copied().unwrap_or(from);
                }
                path.reverse();
                return path;
            }
            if n != from && !parent.contains_key(&n) {
                parent.insert(n, r);
                queue.push_back(n);
            }
        }
    }
    // Inside a strongly connected component a path always exists.
    vec![to]
}
