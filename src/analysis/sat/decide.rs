//! The fast path: questions on prepared conditions settled from their literals, and the
//! entry points that fall back to the search.

use super::*;

impl Space {
    /// Whether one patient satisfies every prepared part at once.
    pub fn sat_all(&self, parts: &[&Prepared]) -> Result<bool, TooComplex> {
        if !self.literals_agree(parts) {
            return Ok(false);
        }
        if parts.iter().all(|p| p.rest().is_empty()) {
            return Ok(true);
        }
        let mut problem = Problem::build(self, sources(parts))?;
        Ok(self.run(&mut problem, false)?.is_some())
    }

    /// The smallest patient satisfying every prepared part, if there is one.
    pub fn witness_all(&self, parts: &[&Prepared]) -> Result<Option<Patient>, TooComplex> {
        self.patient_for(parts, true)
    }

    /// A patient satisfying every prepared part: the smallest when `minimal`, else the first the
    /// search finds. Plain conjunctions that agree need no search.
    pub(super) fn patient_for(
        &self,
        parts: &[&Prepared],
        minimal: bool,
    ) -> Result<Option<Patient>, TooComplex> {
        if !self.literals_agree(parts) {
            return Ok(None);
        }
        if parts
            .iter()
            .all(|p| p.rest().is_empty() && p.own().is_empty())
        {
            return Ok(Some(self.plain_witness(parts)));
        }
        let mut problem = Problem::build(self, sources(parts))?;
        Ok(self.run(&mut problem, minimal)?.map(|s| {
            if minimal {
                problem.patient(s)
            } else {
                problem.raw_patient(s)
            }
        }))
    }

    /// The witness of plain conjunctions that agree, without search: the required facts, and for
    /// each measure tested the value the search would choose (measures are independent here, so
    /// this is the same patient [`Problem::patient`] builds).
    pub(super) fn plain_witness(&self, parts: &[&Prepared]) -> Patient {
        let mut facts: Vec<FactId> = parts.iter().flat_map(|p| p.pos.iter().copied()).collect();
        facts.sort_unstable();
        facts.dedup();
        let mut lits: Vec<MLit> = parts.iter().flat_map(|p| p.mlits.iter().copied()).collect();
        lits.sort_by_key(|l| l.measure);
        let mut measures = Vec::new();
        for chunk in lits.chunk_by(|a, b| a.measure == b.measure) {
            let m = chunk[0].measure;
            let mut points: Vec<f64> = chunk.iter().flat_map(|l| l.test.thresholds()).collect();
            let regions = self.regions(m, &mut points);
            let valid: Vec<bool> = regions
                .iter()
                .map(|r| chunk.iter().all(|l| l.holds(Some(r.rep))))
                .collect();
            if let Some((_, v)) = choose_value(&regions, &valid) {
                measures.push((m, v));
            }
        }
        Patient { facts, measures }
    }

    /// Some patient satisfying every prepared part (not necessarily the smallest; cheaper than
    /// [`Space::witness_all`]), or `None` when no patient does.
    pub fn example(&self, parts: &[&Prepared]) -> Result<Option<Patient>, TooComplex> {
        self.patient_for(parts, false)
    }

    /// Whether every patient satisfying `a` also satisfies `b`.
    pub fn implies(&self, a: &Prepared, b: &Prepared) -> Result<bool, TooComplex> {
        if a.rest().is_empty() && b.rest().is_empty() {
            return Ok(self.implies_plain(a, b));
        }
        if b.rest().is_empty() {
            // `a and not b` is satisfiable exactly when `a` is satisfiable together with the
            // negation of one of b's literals.
            if b.unsat {
                return Ok(!self.sat_all(&[a])?);
            }
            let negated = b
                .pos
                .iter()
                .map(|&f| Prepared::fact(self, f, false))
                .chain(b.neg.iter().map(|&f| Prepared::fact(self, f, true)))
                .chain(b.mlits.iter().map(|l| Prepared::mlit(l.negated())));
            for n in negated {
                if self.sat_all(&[a, &n])? {
                    return Ok(false);
                }
            }
            return Ok(true);
        }
        // b's parts are required together; `not b` is the negation of their conjunction.
        let all_b: Vec<Expr>;
        let negated: Expr;
        let not_b: (&Expr, bool) = if let [(e, want)] = b.constraints() {
            (e, !want)
        } else {
            all_b = b
                .constraints()
                .iter()
                .map(|&(e, want)| {
                    if want {
                        e.clone()
                    } else {
                        Expr::Not(Box::new(e.clone()))
                    }
                })
                .collect();
            negated = Expr::All(all_b);
            (&negated, false)
        };
        let mut constraints = a.constraints().to_vec();
        constraints.push(not_b);
        let p = self.prepare(&constraints);
        Ok(!self.sat_all(&[&p])?)
    }

    /// Implication between two plain conjunctions of literals, without search or allocation.
    /// `a and not l` is unsatisfiable, for a satisfiable `a` and a literal `l` of `b`, exactly when:
    /// `l` is a fact `f` that `a` requires; `l` is `not f` and `a` forbids `f` or requires
    /// another member of an exclusive group of `f`; `l` is a measure test whose negation no value
    /// (or unknown) admits together with a's tests on that measure.
    pub(super) fn implies_plain(&self, a: &Prepared, b: &Prepared) -> bool {
        if !self.literals_agree(&[a]) {
            return true; // nothing satisfies `a`
        }
        if b.unsat {
            return false;
        }
        if b.pos.iter().any(|f| a.pos.binary_search(f).is_err()) {
            return false;
        }
        let clashes = |f: FactId| {
            self.groups_of(f).iter().any(|g| {
                let start = a.pos_groups.partition_point(|&(h, _)| h < *g);
                a.pos_groups[start..]
                    .iter()
                    .take_while(|&&(h, _)| h == *g)
                    .any(|&(_, other)| other != f)
            })
        };
        let excluded = |f: FactId| {
            a.neg.binary_search(&f).is_ok()
                || clashes(f)
                || (self.has_implications()
                    && (self.never(f) || self.implied(f).iter().any(|&g| clashes(g))))
        };
        if !b.neg.iter().all(|&f| excluded(f)) {
            return false;
        }
        b.mlits.iter().all(|l| {
            let start = a.mlits.partition_point(|x| x.measure < l.measure);
            let end = a.mlits.partition_point(|x| x.measure <= l.measure);
            let negated = [l.negated()];
            !self.measure_agrees(l.measure, &[&a.mlits[start..end], &negated])
        })
    }

    /// The literal parts of all `parts` can hold together.
    pub(super) fn literals_agree(&self, parts: &[&Prepared]) -> bool {
        match parts {
            [] => return true,
            [one] => return !one.unsat && (one.clauses().is_empty() || !self.clause_fails(&[one])),
            [a, b] => return self.two_agree(a, b),
            _ => {}
        }
        if parts.iter().any(|p| p.unsat) {
            return false;
        }
        for (i, a) in parts.iter().enumerate() {
            for b in &parts[i + 1..] {
                if intersects(&a.pos, &b.neg)
                    || intersects(&b.pos, &a.neg)
                    || group_clash(&a.pos_groups, &b.pos_groups)
                {
                    return false;
                }
            }
        }
        if self.clause_fails(parts) {
            return false;
        }
        if parts.iter().all(|p| p.mlits.is_empty()) {
            return true;
        }
        // Measures: walk every part's literals, sorted by measure, one measure at a time.
        // (Fixed arrays for the usual two or three parts: this runs for every pair of rules.)
        const FEW: usize = 4;
        let mut at_small = [0usize; FEW];
        let mut at_large = Vec::new();
        let at: &mut [usize] = if parts.len() <= FEW {
            &mut at_small[..parts.len()]
        } else {
            at_large.resize(parts.len(), 0);
            &mut at_large
        };
        loop {
            let next = parts
                .iter()
                .zip(at.iter())
                .filter_map(|(p, &i)| p.mlits.get(i).map(|l| l.measure))
                .min();
            let Some(m) = next else { return true };
            let mut small: [&[MLit]; FEW] = [&[]; FEW];
            let mut large: Vec<&[MLit]> = Vec::new();
            for (k, (p, i)) in parts.iter().zip(at.iter_mut()).enumerate() {
                let start = *i;
                while p.mlits.get(*i).is_some_and(|l| l.measure == m) {
                    *i += 1;
                }
                let slice = &p.mlits[start..*i];
                if parts.len() <= FEW {
                    small[k] = slice;
                } else {
                    large.push(slice);
                }
            }
            let slices = if parts.len() <= FEW {
                &small[..parts.len()]
            } else {
                &large[..]
            };
            // A measure only one part tests agrees already: each part was checked on its own.
            if slices.iter().filter(|s| !s.is_empty()).count() >= 2
                && !self.measure_agrees(m, slices)
            {
                return false;
            }
        }
    }

    /// Whether fact `f` must be false for any patient meeting the literals of `parts`: one of
    /// them forbids it, or requires another member of one of its exclusive groups.
    pub(super) fn blocked(&self, f: FactId, parts: &[&Prepared]) -> bool {
        if self.never(f) {
            return true;
        }
        parts.iter().any(|p| {
            p.neg.binary_search(&f).is_ok()
                || self.groups_of(f).iter().any(|g| {
                    let start = p.pos_groups.partition_point(|&(h, _)| h < *g);
                    p.pos_groups[start..]
                        .iter()
                        .take_while(|&&(h, _)| h == *g)
                        .any(|&(_, other)| other != f)
                })
        })
    }

    /// Some "at least one of these facts" clause of `parts` has every fact blocked.
    pub(super) fn clause_fails(&self, parts: &[&Prepared]) -> bool {
        parts
            .iter()
            .flat_map(|p| p.clauses().iter())
            .any(|c| c.iter().all(|&f| self.blocked(f, parts)))
    }

    /// Whether the literals of two prepared conditions can hold together (and their "one of
    /// these facts" clauses are not ruled out by them). `false` proves the conditions
    /// incompatible; `true` proves it only for plain conjunctions.
    pub fn compatible(&self, a: &Prepared, b: &Prepared) -> bool {
        self.two_agree(a, b)
    }

    /// [`Space::literals_agree`] for two parts: the question asked for every pair of rules.
    pub(super) fn two_agree(&self, a: &Prepared, b: &Prepared) -> bool {
        if a.unsat
            || b.unsat
            || intersects(&a.pos, &b.neg)
            || intersects(&b.pos, &a.neg)
            || group_clash(&a.pos_groups, &b.pos_groups)
        {
            return false;
        }
        if !(a.clauses().is_empty() && b.clauses().is_empty()) && self.clause_fails(&[a, b]) {
            return false;
        }
        let (x, y) = (&a.mlits, &b.mlits);
        let (mut i, mut j) = (0, 0);
        while i < x.len() && j < y.len() {
            let (m, n) = (x[i].measure, y[j].measure);
            if m < n {
                i += 1;
            } else if n < m {
                j += 1;
            } else {
                let ei = i + x[i..].iter().take_while(|l| l.measure == m).count();
                let ej = j + y[j..].iter().take_while(|l| l.measure == m).count();
                if !self.measure_agrees(m, &[&x[i..ei], &y[j..ej]]) {
                    return false;
                }
                (i, j) = (ei, ej);
            }
        }
        true
    }

    /// Some value (or unknown) of measure `m` passes every literal in `slices`. The same regions
    /// as [`Space::regions`], walked without allocating for up to 24 thresholds.
    pub(super) fn measure_agrees(&self, m: MeasureId, slices: &[&[MLit]]) -> bool {
        let lits = || slices.iter().flat_map(|s| s.iter());
        if lits().all(|l| !l.positive) {
            return true; // unknown satisfies every negated test
        }
        let (lo, hi) = self.range(m);
        let mut small = [0f64; 24];
        let mut count = 0;
        let mut large = Vec::new();
        for p in lits().flat_map(|l| l.test.thresholds()).chain(lo).chain(hi) {
            if !p.is_finite() {
                continue;
            }
            if count < small.len() {
                small[count] = p;
                count += 1;
            } else {
                large.push(p);
            }
        }
        let points: &mut [f64] = if large.is_empty() {
            &mut small[..count]
        } else {
            large.extend_from_slice(&small[..count]);
            &mut large
        };
        points.sort_unstable_by(f64::total_cmp);
        let ok = |v: f64| self.admits(m, v) && lits().all(|l| l.holds(Some(v)));
        let Some(&first) = points.first() else {
            return ok(0.0);
        };
        if below(first).is_some_and(ok) {
            return true;
        }
        for (i, &p) in points.iter().enumerate() {
            if ok(p) {
                return true;
            }
            let next = points[i + 1..].iter().copied().find(|&q| q != p);
            let rep = match next {
                Some(q) => between(p, q),
                None if points[i + 1..].is_empty() => above(p),
                None => None, // duplicates of p follow; the last one checks above
            };
            if rep.is_some_and(ok) {
                return true;
            }
        }
        false
    }
}
