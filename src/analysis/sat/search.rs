//! The depth-first search with three-valued pruning, and the minimal witness it finds.

use super::*;

// ---------------------------------------------------------------------------------------------
// The search.

pub(super) const FALSE: u8 = 0;
pub(super) const TRUE: u8 = 1;
pub(super) const UNKNOWN: u8 = 2;
pub(super) const UNSET: u32 = u32::MAX;

/// A node of a formula in negation normal form, children before parents.
#[derive(Clone, Copy, Debug)]
pub(super) enum Node {
    Const(bool),
    /// Fact variable, and whether the fact must be true.
    Fact(u32, bool),
    /// Measure variable, and the start of its truth table in `tables` (one entry per region,
    /// then one for unknown).
    Atom(u32, u32),
    And(u32, u32),
    Or(u32, u32),
}

pub(super) struct MeasureVar {
    pub(super) id: MeasureId,
    pub(super) regions: Vec<Region>,
}

/// A question compiled for the search.
pub(super) struct Problem {
    pub(super) nodes: Vec<Node>,
    pub(super) kids: Vec<u32>,
    pub(super) tables: Vec<bool>,
    /// Fact variables: their fact ids, and the other fact variables sharing a group with each.
    pub(super) facts: Vec<FactId>,
    pub(super) rivals: Vec<Vec<u32>>,
    pub(super) measures: Vec<MeasureVar>,
    /// Current assignment: facts (FALSE/TRUE/UNKNOWN = unset), measures (region index,
    /// `regions.len()` = unknown, UNSET).
    pub(super) fact_val: Vec<u8>,
    pub(super) meas_val: Vec<u32>,
    pub(super) values: Vec<u8>,
    pub(super) root: u32,
}

/// A complete assignment found by the search.
pub(super) struct Solution {
    pub(super) facts: Vec<u8>,
    pub(super) measures: Vec<u32>,
}

impl Problem {
    pub(super) fn build(
        space: &Space,
        constraints: Vec<(&Expr, bool)>,
    ) -> Result<Problem, TooComplex> {
        if !space.has_implications() {
            return Problem::build_with(space, constraints);
        }
        // Every fact the constraints mention brings its implications, as clauses
        // `not f or g`: the search then sees only patients closed under `implies`, and counts
        // the implied facts of a witness.
        let mut mentioned: Vec<FactId> = Vec::new();
        let mut stack: Vec<&Expr> = constraints.iter().map(|&(e, _)| e).collect();
        while let Some(e) = stack.pop() {
            match e {
                Expr::Fact(f) => mentioned.push(*f),
                Expr::Not(inner) => stack.push(inner),
                Expr::All(es) | Expr::Any(es) => stack.extend(es.iter()),
                _ => {}
            }
        }
        mentioned.sort_unstable();
        mentioned.dedup();
        let clauses: Vec<Expr> = mentioned
            .iter()
            .flat_map(|&f| {
                space.implied(f).iter().map(move |&g| {
                    Expr::Any(vec![Expr::Not(Box::new(Expr::Fact(f))), Expr::Fact(g)])
                })
            })
            .collect();
        // A fact no patient can have is false.
        let never: Vec<Expr> = mentioned
            .iter()
            .filter(|&&f| space.never(f))
            .map(|&f| Expr::Fact(f))
            .collect();
        let mut all = constraints;
        all.extend(clauses.iter().map(|c| (c, true)));
        all.extend(never.iter().map(|c| (c, false)));
        Problem::build_with(space, all)
    }

    pub(super) fn build_with(
        space: &Space,
        constraints: Vec<(&Expr, bool)>,
    ) -> Result<Problem, TooComplex> {
        // Pass 1: which facts and measures are mentioned, and the measures' thresholds.
        // (Small sorted vectors rather than maps: a question mentions few names.)
        let mut facts: Vec<FactId> = Vec::new();
        let mut thresholds: Vec<(MeasureId, Vec<f64>)> = Vec::new();
        let mut threshold =
            |m: MeasureId, values: &[f64]| match thresholds.iter_mut().find(|(x, _)| *x == m) {
                Some((_, v)) => v.extend_from_slice(values),
                None => thresholds.push((m, values.to_vec())),
            };
        let mut stack: Vec<&Expr> = constraints.iter().map(|&(e, _)| e).collect();
        while let Some(e) = stack.pop() {
            match e {
                Expr::Always => {}
                Expr::Fact(f) => facts.push(*f),
                Expr::Cmp { measure, value, .. } => threshold(*measure, &[*value]),
                Expr::In { measure, lo, hi } => threshold(*measure, &[*lo, *hi]),
                Expr::Not(inner) => stack.push(inner),
                Expr::All(es) | Expr::Any(es) => stack.extend(es.iter()),
            }
        }
        // Facts are searched in descending id order, false first: among witnesses with equally
        // few facts, the one using the earliest declared facts is found first.
        facts.sort_unstable_by(|a, b| b.cmp(a));
        facts.dedup();
        let fact_index: Vec<(FactId, u32)> = {
            let mut v: Vec<(FactId, u32)> = facts
                .iter()
                .enumerate()
                .map(|(i, &f)| (f, i as u32))
                .collect();
            v.sort_unstable();
            v
        };
        let var_of = |f: FactId| {
            fact_index
                .binary_search_by_key(&f, |&(x, _)| x)
                .ok()
                .map(|i| fact_index[i].1)
        };
        let rivals = facts
            .iter()
            .enumerate()
            .map(|(i, &f)| {
                let mut r: Vec<u32> = space
                    .groups_of(f)
                    .iter()
                    .flat_map(|&g| space.groups[g as usize].iter())
                    .filter_map(|&other| var_of(other))
                    .filter(|&v| v as usize != i)
                    .collect();
                r.sort_unstable();
                r.dedup();
                r
            })
            .collect();
        thresholds.sort_by_key(|(m, _)| *m);
        let measures: Vec<MeasureVar> = thresholds
            .into_iter()
            .map(|(id, mut points)| MeasureVar {
                id,
                regions: space.regions(id, &mut points),
            })
            .collect();
        let mut p = Problem {
            nodes: Vec::new(),
            kids: Vec::new(),
            tables: Vec::new(),
            fact_val: vec![UNKNOWN; facts.len()],
            meas_val: vec![UNSET; measures.len()],
            facts,
            rivals,
            measures,
            values: Vec::new(),
            root: 0,
        };
        // Pass 2: the formula in negation normal form, the conjunction of all constraints.
        let mut roots = Vec::with_capacity(constraints.len());
        for (e, want) in constraints {
            roots.push(p.compile(e, want, &fact_index, 0)?);
        }
        p.root = p.combine(true, roots);
        p.values = vec![UNKNOWN; p.nodes.len()];
        Ok(p)
    }

    pub(super) fn push(&mut self, node: Node) -> u32 {
        self.nodes.push(node);
        (self.nodes.len() - 1) as u32
    }

    /// Add `and`/`or` of already compiled children, folding constants.
    pub(super) fn combine(&mut self, and: bool, children: Vec<u32>) -> u32 {
        let mut kept = Vec::with_capacity(children.len());
        for c in children {
            match self.nodes[c as usize] {
                Node::Const(v) if v == and => {}
                Node::Const(_) => return self.push(Node::Const(!and)),
                _ => kept.push(c),
            }
        }
        match kept.len() {
            0 => self.push(Node::Const(and)),
            1 => kept[0],
            n => {
                let start = self.kids.len() as u32;
                self.kids.extend(kept);
                self.push(if and {
                    Node::And(start, n as u32)
                } else {
                    Node::Or(start, n as u32)
                })
            }
        }
    }

    pub(super) fn compile(
        &mut self,
        e: &Expr,
        want: bool,
        facts: &[(FactId, u32)],
        depth: usize,
    ) -> Result<u32, TooComplex> {
        if depth > MAX_DEPTH {
            return Err(TooComplex);
        }
        Ok(match e {
            Expr::Always => self.push(Node::Const(want)),
            Expr::Fact(f) => {
                // Every fact of the question was collected in pass 1.
                let var = facts
                    .binary_search_by_key(f, |&(x, _)| x)
                    .map_or(0, |i| facts[i].1);
                self.push(Node::Fact(var, want))
            }
            Expr::Cmp { measure, .. } | Expr::In { measure, .. } => {
                let test = match *e {
                    Expr::Cmp { op, value, .. } => Test::Cmp(op, value),
                    Expr::In { lo, hi, .. } => Test::In(lo, hi),
                    _ => unreachable!("matched a measure test above"),
                };
                // Every measure of the question was collected in pass 1.
                let var = self
                    .measures
                    .iter()
                    .position(|m| m.id == *measure)
                    .unwrap_or(0) as u32;
                let start = self.tables.len();
                let regions = &self.measures[var as usize].regions;
                self.tables
                    .extend(regions.iter().map(|r| test.holds(r.rep) == want));
                self.tables.push(!want); // unknown: the test is false
                let table = &self.tables[start..];
                if table.iter().all(|&v| v == table[0]) {
                    let v = table[0];
                    self.tables.truncate(start);
                    self.push(Node::Const(v))
                } else {
                    self.push(Node::Atom(var, start as u32))
                }
            }
            Expr::Not(inner) => self.compile(inner, !want, facts, depth + 1)?,
            Expr::All(es) | Expr::Any(es) => {
                let and = matches!(e, Expr::All(_)) == want;
                let mut children = Vec::with_capacity(es.len());
                for c in es {
                    let id = self.compile(c, want, facts, depth + 1)?;
                    if matches!(self.nodes[id as usize], Node::Const(v) if v != and) {
                        return Ok(self.push(Node::Const(!and)));
                    }
                    children.push(id);
                }
                self.combine(and, children)
            }
        })
    }

    /// Kleene value of the whole formula under the current partial assignment.
    pub(super) fn eval(&mut self) -> u8 {
        for i in 0..self.nodes.len() {
            let v = match self.nodes[i] {
                Node::Const(b) => b as u8,
                Node::Fact(var, want) => match self.fact_val[var as usize] {
                    UNKNOWN => UNKNOWN,
                    v => ((v == TRUE) == want) as u8,
                },
                Node::Atom(var, start) => match self.meas_val[var as usize] {
                    UNSET => UNKNOWN,
                    r => self.tables[start as usize + r as usize] as u8,
                },
                Node::And(start, len) | Node::Or(start, len) => {
                    let and = matches!(self.nodes[i], Node::And(..));
                    let (stop, all) = if and { (FALSE, TRUE) } else { (TRUE, FALSE) };
                    let mut result = all;
                    for k in &self.kids[start as usize..(start + len) as usize] {
                        match self.values[*k as usize] {
                            v if v == stop => {
                                result = stop;
                                break;
                            }
                            UNKNOWN => result = UNKNOWN,
                            _ => {}
                        }
                    }
                    result
                }
            };
            self.values[i] = v;
        }
        self.values[self.root as usize]
    }

    pub(super) fn vars(&self) -> usize {
        self.facts.len() + self.measures.len()
    }

    /// Number of values variable `v` can take: facts false then true; measures their known
    /// regions in ascending order, then unknown.
    pub(super) fn domain(&self, v: usize) -> usize {
        if v < self.facts.len() {
            2
        } else {
            self.measures[v - self.facts.len()].regions.len() + 1
        }
    }

    /// Assign variable `v` its `k`-th value; false when that breaks an exclusive group.
    pub(super) fn assign(&mut self, v: usize, k: usize) -> bool {
        if v < self.facts.len() {
            if k == 1
                && self.rivals[v]
                    .iter()
                    .any(|&r| self.fact_val[r as usize] == TRUE)
            {
                return false;
            }
            self.fact_val[v] = k as u8;
        } else {
            self.meas_val[v - self.facts.len()] = k as u32;
        }
        true
    }

    pub(super) fn unassign(&mut self, v: usize) {
        if v < self.facts.len() {
            self.fact_val[v] = UNKNOWN;
        } else {
            self.meas_val[v - self.facts.len()] = UNSET;
        }
    }

    /// Cost of the current assignment: (true facts, unknown measures), unassigned ones excluded.
    pub(super) fn cost(&self) -> (usize, usize) {
        let facts = self.fact_val.iter().filter(|&&v| v == TRUE).count();
        let unknown = self
            .measures
            .iter()
            .zip(&self.meas_val)
            .filter(|&(m, &v)| v as usize == m.regions.len())
            .count();
        (facts, unknown)
    }

    /// Depth-first search for a satisfying assignment; with `minimise`, the one of least cost.
    pub(super) fn search(
        &mut self,
        budget: u64,
        minimise: bool,
    ) -> (Result<Option<Solution>, TooComplex>, u64) {
        let n = self.vars();
        let mut next = vec![0usize; n];
        let mut best: Option<((usize, usize), Solution)> = None;
        let mut work: u64 = 0;
        let mut depth = 0usize; // variables 0..depth are assigned
        'node: loop {
            work += self.nodes.len() as u64 + 1;
            if work > budget {
                return (Err(TooComplex), work);
            }
            let value = self.eval();
            let cost = self.cost();
            let worse = |best: &Option<((usize, usize), Solution)>| {
                best.as_ref().is_some_and(|(c, _)| cost >= *c)
            };
            let descend = match value {
                FALSE => false,
                TRUE => {
                    // Unassigned facts stay false; unassigned measures take a known value when
                    // their range has one (the formula no longer depends on them).
                    let facts: Vec<u8> = self
                        .fact_val
                        .iter()
                        .map(|&v| if v == UNKNOWN { FALSE } else { v })
                        .collect();
                    let mut extra = 0;
                    let measures: Vec<u32> = self
                        .measures
                        .iter()
                        .zip(&self.meas_val)
                        .map(|(m, &v)| {
                            if v != UNSET {
                                v
                            } else if m.regions.is_empty() {
                                extra += 1;
                                0
                            } else {
                                0
                            }
                        })
                        .collect();
                    let total = (cost.0, cost.1 + extra);
                    if best.as_ref().is_none_or(|(c, _)| total < *c) {
                        best = Some((total, Solution { facts, measures }));
                    }
                    if !minimise || total == (0, 0) {
                        break 'node;
                    }
                    false
                }
                _ => !(minimise && worse(&best)) && depth < n,
            };
            if descend {
                next[depth] = 0;
            } else {
                // Back up to the deepest variable that has values left to try.
                loop {
                    if depth == 0 {
                        break 'node;
                    }
                    depth -= 1;
                    self.unassign(depth);
                    if next[depth] < self.domain(depth) {
                        break;
                    }
                }
            }
            // Try the next value of variable `depth`.
            loop {
                while next[depth] < self.domain(depth) {
                    let k = next[depth];
                    next[depth] += 1;
                    if self.assign(depth, k) {
                        depth += 1;
                        continue 'node;
                    }
                }
                if depth == 0 {
                    break 'node;
                }
                depth -= 1;
                self.unassign(depth);
            }
        }
        (Ok(best.map(|(_, s)| s)), work)
    }

    /// A solution as a patient, each known measure at its region's own value.
    pub(super) fn raw_patient(&self, s: Solution) -> Patient {
        let mut facts: Vec<FactId> = self
            .facts
            .iter()
            .zip(&s.facts)
            .filter(|&(_, &v)| v == TRUE)
            .map(|(&f, _)| f)
            .collect();
        facts.sort_unstable();
        let measures = self
            .measures
            .iter()
            .zip(&s.measures)
            .filter_map(|(m, &r)| m.regions.get(r as usize).map(|region| (m.id, region.rep)))
            .collect();
        Patient { facts, measures }
    }

    /// Turn a solution into the patient shown to people: true facts, and a round value for
    /// every mentioned measure that should be known.
    pub(super) fn patient(&mut self, s: Solution) -> Patient {
        self.fact_val = s.facts;
        self.meas_val = s.measures;
        let mut measures = Vec::new();
        for i in 0..self.measures.len() {
            let count = self.measures[i].regions.len();
            // Which regions keep the formula true, the other measures fixed.
            let mut valid = Vec::with_capacity(count);
            for r in 0..count {
                self.meas_val[i] = r as u32;
                valid.push(self.eval() == TRUE);
            }
            let choice = choose_value(&self.measures[i].regions, &valid);
            match choice {
                Some((r, v)) => {
                    self.meas_val[i] = r as u32;
                    measures.push((self.measures[i].id, v));
                }
                None => self.meas_val[i] = count as u32,
            }
        }
        let mut facts: Vec<FactId> = self
            .facts
            .iter()
            .zip(&self.fact_val)
            .filter(|&(_, &v)| v == TRUE)
            .map(|(&f, _)| f)
            .collect();
        facts.sort_unstable();
        Patient { facts, measures }
    }
}
