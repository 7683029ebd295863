//! The category hierarchy: a DAG of categories (petgraph), its cycles (E005), and the expansion
//! of a category to every exercise below it.

use std::sync::OnceLock;

use petgraph::algo::kosaraju_scc;
use petgraph::graph::{DiGraph, NodeIndex};

use crate::diagnostic::{Code, Diagnostic};
use crate::model::{Category, CategoryId, Exercise, ExerciseId};

/// Categories as a graph with an edge from each category to each of its parents.
///
/// The exercises below a category are found when first asked for: a deep hierarchy with many
/// exercises would need memory for every (category, exercise below it) pair up front.
pub struct Hierarchy {
    /// For each category, the categories declared `in` it.
    children: Vec<Vec<CategoryId>>,
    /// For each category, the exercises declared `in` it.
    direct: Vec<Vec<ExerciseId>>,
    /// For each category, once asked for: the exercises in it or below it, sorted by id.
    members: Vec<OnceLock<Vec<ExerciseId>>>,
}

impl Hierarchy {
    /// Build the hierarchy; report every cycle (one diagnostic per cycle, naming all of it).
    /// Returns `None` when there is a cycle.
    pub fn new(
        categories: &[Category],
        exercises: &[Exercise],
        out: &mut Vec<Diagnostic>,
    ) -> Option<Hierarchy> {
        let mut graph: DiGraph<CategoryId, ()> =
            DiGraph::with_capacity(categories.len(), categories.len());
        for id in 0..categories.len() {
            graph.add_node(id);
        }
        for (id, c) in categories.iter().enumerate() {
            for &p in &c.parents {
                graph.add_edge(NodeIndex::new(id), NodeIndex::new(p), ());
            }
        }
        let mut cyclic = false;
        let mut sccs = kosaraju_scc(&graph);
        // Report in declaration order of each cycle's first category.
        for scc in &mut sccs {
            scc.sort();
        }
        sccs.sort();
        for scc in sccs {
            let first = scc[0].index();
            let self_loop = scc.len() == 1 && categories[first].parents.contains(&first);
            if scc.len() < 2 && !self_loop {
                continue;
            }
            cyclic = true;
            let path = cycle_path(
                categories,
                first,
                &scc.iter().map(|n| n.index()).collect::<Vec<_>>(),
            );
            let names: Vec<&str> = path.iter().map(|&c| categories[c].name.as_str()).collect();
            let shown = format!("{} → {}", names.join(" → "), names[0]);
            let mut d = Diagnostic::new(
                Code::E005,
                categories[first].span,
                format!("categories form a cycle: {shown}"),
            )
            .with_label(format!("`{}` ends up inside itself", names[0]))
            .with_note("categories form a hierarchy: a category cannot be inside itself, directly or through others")
            .with_help(format!(
                "remove one of the `in` links, e.g. take `{}` out of `{}`",
                names[names.len() - 1],
                names[0]
            ));
            for &c in path.iter().skip(1) {
                d = d.with_secondary(
                    categories[c].span,
                    format!("`{}` is part of the cycle", categories[c].name),
                );
            }
            out.push(d);
        }
        if cyclic {
            return None;
        }
        let mut children = vec![Vec::new(); categories.len()];
        for (id, c) in categories.iter().enumerate() {
            for &p in &c.parents {
                children[p].push(id);
            }
        }
        let mut direct = vec![Vec::new(); categories.len()];
        for (e, exercise) in exercises.iter().enumerate() {
            for &c in &exercise.categories {
                direct[c].push(e);
            }
        }
        let members = (0..categories.len()).map(|_| OnceLock::new()).collect();
        Some(Hierarchy {
            children,
            direct,
            members,
        })
    }

    /// The exercises in a category or below it, in exercise id order. (An exercise belongs to
    /// every ancestor of its categories.)
    pub fn members(&self, category: CategoryId) -> &[ExerciseId] {
        self.members[category].get_or_init(|| {
            let mut seen = foldhash::HashSet::default();
            let mut stack = vec![category];
            let mut out = Vec::new();
            while let Some(c) = stack.pop() {
                if !seen.insert(c) {
                    continue;
                }
                out.extend_from_slice(&self.direct[c]);
                stack.extend(self.children[c].iter().copied());
            }
            out.sort_unstable();
            out.dedup();
            out
        })
    }
}

/// A cycle through `start` that stays inside the strongly connected component `scc`.
fn cycle_path(categories: &[Category], start: CategoryId, scc: &[CategoryId]) -> Vec<CategoryId> {
    // Breadth-first search for the shortest way back to `start`, following parent links.
    let inside = |c: CategoryId| scc.binary_search(&c).is_ok();
    let mut previous: Vec<Option<CategoryId>> = vec![None; categories.len()];
    let mut queue = std::collections::VecDeque::from([start]);
    while let Some(c) = queue.pop_front() {
        for &p in &categories[c].parents {
            if p == start {
                let mut path = vec![c];
                let mut at = c;
                while let Some(prev) = previous[at] {
                    path.push(prev);
                    at = prev;
                }
                path.reverse();
                if path[0] != start {
                    path.insert(0, start);
                }
                path.dedup();
                return path;
            }
            if inside(p) && previous[p].is_none() && p != start {
                previous[p] = Some(c);
                queue.push_back(p);
            }
        }
    }
    vec![start]
}
