//! One question of the diff to the solver: formulas that must hold and formulas that must
//! fail, for some patient. Two shortcuts come before the search: the patient given only the
//! facts the question requires outright (when it fits, no patient is smaller), and unit
//! propagation from those facts (when it clashes, no patient fits).

use std::collections::HashMap;

use crate::analysis::sat::{self, Space, TooComplex};
use crate::model::{Expr, Patient};

/// A question: conjunction of required and excluded formulas.
pub(super) struct Question {
    pub(super) holds: Vec<Expr>,
    pub(super) fails: Vec<Expr>,
}

impl Question {
    pub(super) fn ask(&self, space: &Space, minimal: bool) -> Result<Option<Patient>, TooComplex> {
        // A formula both required and excluded: no patient, and no search needed (the search
        // would otherwise try the facts of every other formula first).
        if self.fails.iter().any(|f| self.holds.contains(f)) {
            return Ok(None);
        }
        let mut constraints: Vec<(&Expr, bool)> = self.holds.iter().map(|e| (e, true)).collect();
        constraints.extend(self.fails.iter().map(|e| (e, false)));
        // A smallest witness gives a value to every measure the conditions mention unless they
        // need it unknown (see [`sat::witness`]): the shortcut below gives none, so it answers
        // only questions that mention no measure, or that need no witness.
        let exprs: Vec<&Expr> = constraints.iter().map(|&(e, _)| e).collect();
        if (!minimal || sat::mentioned_measures(&exprs).is_empty())
            && let Some(p) = forced_only(space, &constraints)
        {
            return Ok(Some(p));
        }
        if propagation_clash(space, &constraints) {
            return Ok(None);
        }
        if minimal {
            sat::witness(space, &constraints)
        } else {
            Ok(sat::satisfiable(space, &constraints)?.then(Patient::default))
        }
    }
}

/// The patient given only the facts every answer must have (the facts the constraints require
/// outright) and no measure, when it satisfies them all. For constraints that mention no
/// measure it is the smallest answer, the one the solver would find (no patient has fewer
/// facts, and any other with as many has other facts than the required ones), found without a
/// search: a question with many excluded formulas can take the solver beyond its work budget.
fn forced_only(space: &Space, constraints: &[(&Expr, bool)]) -> Option<Patient> {
    let prepared = space.prepare(constraints);
    let mut facts: Vec<usize> = prepared.required_facts().to_vec();
    facts.sort_unstable();
    facts.dedup();
    let p = Patient {
        facts,
        measures: Vec::new(),
    };
    let groups_ok = space
        .groups()
        .iter()
        .all(|g| g.iter().filter(|&&f| p.has(f)).count() <= 1);
    (groups_ok && constraints.iter().all(|(e, want)| e.holds(&p) == *want)).then_some(p)
}

/// Whether the constraints contradict each other by unit propagation alone: the facts they
/// require true or false outright (and the facts sharing a group with a true one, false),
/// substituted into the rest, until nothing new follows. When it finds a clash no patient
/// satisfies the constraints; when it does not, the solver decides. (The solver explores
/// patients in its own order and can spend its whole work budget before it meets a clash this
/// finds at once.)
fn propagation_clash(space: &Space, constraints: &[(&Expr, bool)]) -> bool {
    let mut known: HashMap<usize, bool> = HashMap::new();
    let mut rest: Vec<(Expr, bool)> = constraints.iter().map(|&(e, w)| (e.clone(), w)).collect();
    let mut group_of: HashMap<usize, Vec<usize>> = HashMap::new();
    for (gi, g) in space.groups().iter().enumerate() {
        for &f in g {
            group_of.entry(f).or_default().push(gi);
        }
    }
    loop {
        let mut units: Vec<(usize, bool)> = Vec::new();
        let mut next = Vec::with_capacity(rest.len());
        for (e, want) in rest {
            match simplify(&e, &known) {
                Simple::Const(v) if v == want => {}
                Simple::Const(_) => return true,
                Simple::Expr(x) => {
                    literals(&x, want, &mut units);
                    next.push((x, want));
                }
            }
        }
        rest = next;
        let mut changed = false;
        let mut todo = units;
        while let Some((f, v)) = todo.pop() {
            match known.get(&f) {
                Some(&old) if old != v => return true,
                Some(_) => continue,
                None => {
                    known.insert(f, v);
                    changed = true;
                    if v {
                        for &gi in group_of.get(&f).map_or(&[][..], |g| g.as_slice()) {
                            for &o in &space.groups()[gi] {
                                if o != f {
                                    todo.push((o, false));
                                }
                            }
                        }
                    }
                }
            }
        }
        if !changed {
            return false;
        }
    }
}

/// A formula under a partial assignment of facts.
enum Simple {
    Const(bool),
    Expr(Expr),
}

fn simplify(e: &Expr, known: &HashMap<usize, bool>) -> Simple {
    match e {
        Expr::Always => Simple::Const(true),
        Expr::Fact(f) => match known.get(f) {
            Some(&v) => Simple::Const(v),
            None => Simple::Expr(e.clone()),
        },
        Expr::Cmp { .. } | Expr::In { .. } => Simple::Expr(e.clone()),
        Expr::Not(x) => match simplify(x, known) {
            Simple::Const(v) => Simple::Const(!v),
            Simple::Expr(x) => Simple::Expr(Expr::Not(Box::new(x))),
        },
        Expr::All(xs) | Expr::Any(xs) => {
            let all = matches!(e, Expr::All(_));
            let mut kept = Vec::new();
            for x in xs {
                match simplify(x, known) {
                    // A false part decides `All`, a true one decides `Any`.
                    Simple::Const(v) if v != all => return Simple::Const(v),
                    Simple::Const(_) => {}
                    Simple::Expr(x) => kept.push(x),
                }
            }
            match kept.len() {
                0 => Simple::Const(all),
                1 => Simple::Expr(kept.pop().unwrap_or(Expr::Always)),
                _ if all => Simple::Expr(Expr::All(kept)),
                _ => Simple::Expr(Expr::Any(kept)),
            }
        }
    }
}

/// The facts a formula required to be `want` fixes outright.
fn literals(e: &Expr, want: bool, out: &mut Vec<(usize, bool)>) {
    match e {
        Expr::Fact(f) => out.push((*f, want)),
        Expr::Not(x) => literals(x, !want, out),
        Expr::All(xs) if want => xs.iter().for_each(|x| literals(x, true, out)),
        Expr::Any(xs) if !want => xs.iter().for_each(|x| literals(x, false, out)),
        _ => {}
    }
}
