//! W003: rules covered by another rule (same advice whenever they fire).

use super::*;

impl<'m> Context<'m, '_> {
    /// W003: for each rule, the rules that may cover it. A covering rule advises all of its
    /// exercises, so only rules on its first exercise with the same action are candidates; when
    /// the rule is a plain conjunction, a candidate's required facts must all be among the
    /// rule's, so candidates are found by their rarest required fact.
    pub(super) fn redundancies(&mut self, index: &ByExercise<u32>) {
        let model = self.model;
        let table = self.exercises;
        let n = model.rules.len();
        let candidates: Vec<bool> = (0..n)
            .map(|r| self.active[r] && !self.hot[r].involved)
            .collect();
        let candidate = |r: usize| candidates[r];
        // How many candidate rules require each fact.
        let mut frequency = vec![0u32; model.facts.len()];
        for r in (0..n).filter(|&r| candidate(r)) {
            for &f in self.prep(r).required_facts() {
                if let Some(c) = frequency.get_mut(f) {
                    *c += 1;
                }
            }
        }
        const NONE: usize = usize::MAX;
        let key = |r: usize| {
            self.prep(r)
                .required_facts()
                .iter()
                .min_by_key(|&&f| (frequency.get(f).copied().unwrap_or(0), f))
                .copied()
                .unwrap_or(NONE)
        };
        // Per exercise and action slot: (rarest required fact or NONE, rule), sorted, so a lookup
        // is a short search inside one list.
        let mut buckets = ByExercise::new(
            model.exercises.len(),
            table,
            |r| candidate(r).then(|| slot(self.hot[r].action)),
            |r| (key(r), r),
        );
        buckets.sort_lists();
        let bucket = |e: ExerciseId, a: usize, k: usize| {
            let list = buckets.list(e, a);
            let start = list.partition_point(|&(y, _)| y < k);
            let len = list[start..].iter().take_while(|&&(y, _)| y == k).count();
            &list[start..start + len]
        };
        // Which rules may cover rule `r`, in the order they are tried.
        let found = |checks: &Checks, r: RuleId, out: &mut Vec<RuleId>| {
            out.clear();
            let (Some(&first), Some(p)) = (table.of(r).first(), checks.prep(r)) else {
                return;
            };
            if !candidate(r) {
                return;
            }
            let s_slot = slot(checks.hot[r].action);
            if checks.hot[r].plain {
                // The candidates whose key is one of r's required facts, then those keyed NONE.
                // Keys and required facts are both sorted (NONE last), so a short list is
                // walked once, in order, and a long one searched key by key: the same result.
                let list = buckets.list(first, s_slot);
                let required = p.required_facts();
                if list.len() <= 4 * (required.len() + 1) {
                    let wanted = |k: usize| k == NONE || required.binary_search(&k).is_ok();
                    out.extend(list.iter().filter(|&&(k, _)| wanted(k)).map(|&(_, s)| s));
                } else {
                    for k in required.iter().copied().chain([NONE]) {
                        out.extend(bucket(first, s_slot, k).iter().map(|&(_, s)| s));
                    }
                }
            } else {
                out.extend(
                    index
                        .list(first, s_slot)
                        .iter()
                        .map(|&s| s as usize)
                        .filter(|&s| candidate(s)),
                );
            }
        };
        // The candidates, and the answers that need no search, are worked out a block of rules
        // ahead (in parallel for a large ruleset, see [`Checks::sift`]); then each rule tries
        // its candidates in order, asking the solver where needed: the same questions in the
        // same order as trying every candidate in turn.
        let mut sifted = Sifted::default();
        let (mut list, mut unsifted) = (Vec::new(), Vec::new());
        for block in (0..n).step_by(SIFT_BLOCK) {
            let rules = block..(block + SIFT_BLOCK).min(n);
            let (limit, parallel) = (self.sift_limit, self.parallel);
            self.checks().sift(
                &self.space,
                limit,
                parallel,
                rules.clone(),
                &found,
                &mut sifted,
            );
            for r in rules {
                let tried = match sifted.of(r) {
                    Some(candidates) => candidates,
                    None => {
                        // Left out of the sifting: every candidate, asked in full.
                        found(&self.checks(), r, &mut list);
                        unsifted.clear();
                        let asked = list.iter().filter(|&&s| s != r);
                        unsifted.extend(asked.map(|&s| (s, Answer::Ask, Answer::Ask)));
                        &unsifted[..]
                    }
                };
                for &(s, sr, rs) in tried {
                    if self.covered_by[r].is_some_and(|old| old < s) {
                        continue;
                    }
                    if self.decide(sr, s, r) != Some(true) {
                        continue;
                    }
                    // Two equivalent rules: only the later one is reported.
                    if s > r && self.decide(rs, r, s) == Some(true) {
                        continue;
                    }
                    self.covered_by[r] = Some(s);
                }
            }
        }
    }

    /// The read-only parts of the analysis that the cheap checks between two rules use.
    pub(super) fn checks(&self) -> Checks<'_, 'm> {
        Checks {
            model: self.model,
            prepared: &self.prepared,
            hot: &self.hot,
            exercises: self.exercises,
            rank: &self.rank,
        }
    }

    /// [`Context::covers`], unless a cheap check already answered.
    pub(super) fn decide(&mut self, answer: Answer, s: RuleId, r: RuleId) -> Option<bool> {
        match answer {
            Answer::No => Some(false),
            Answer::Yes => Some(true),
            Answer::Ask => self.covers(s, r),
        }
    }

    /// Whether rule `s` covers rule `r`: its exercises include r's, its dose is r's (or r has
    /// none), and r's condition implies s's. `None` when the question was too complex.
    pub(super) fn covers(&mut self, s: RuleId, r: RuleId) -> Option<bool> {
        match self.checks().covers(&self.space, s, r) {
            Answer::No => return Some(false),
            Answer::Yes => return Some(true),
            Answer::Ask => {}
        }
        let (hs, hr) = (self.hot[s], self.hot[r]);
        if !(hr.plain && hs.plain) {
            // `r` can fire (it is active), so if it implies `s` the two fire together; and every
            // fact `s` requires outright, a plain `r` requires too.
            let (pr, ps) = (self.prep(r), self.prep(s));
            if !self.space.compatible(pr, ps)
                || (hr.plain && !subset(ps.required_facts(), pr.required_facts()))
            {
                return Some(false);
            }
            // A patient for whom `r` fires but `s` does not settles it.
            let ws = &self.rule(s).when;
            if self.sample(r).is_some_and(|p| !ws.holds(p)) {
                return Some(false);
            }
        }
        match self.space.implies(self.prep(r), self.prep(s)) {
            Ok(v) => Some(v),
            Err(_) => {
                self.too_complex(r.min(s), r.max(s));
                None
            }
        }
    }

    pub(super) fn redundant(&mut self) {
        for r in 0..self.covered_by.len() {
            let Some(s) = self.covered_by[r] else {
                continue;
            };
            let (rr, rs) = (self.rule(r), self.rule(s));
            let d = Diagnostic::new(
                Code::W003,
                rr.head_span,
                format!("rule `{}` is redundant: `{}` gives the same advice whenever `{}` fires", rr.id, rs.id, rr.id),
            )
            .with_label("redundant rule")
            .with_secondary(rs.head_span, "this rule already covers it")
            .with_note(format!(
                "`{}` also {}{}, and every patient who meets the condition of `{}` meets that of `{}` too",
                rs.id,
                words::advises(rs.action, &words::exercises_short(self.model, &rr.exercises)),
                match (rr.dose.as_deref(), rs.dose.as_deref()) {
                    (Some(d), Some(_)) => format!(" with the same dose ({})", words::dose(d)),
                    (None, Some(d)) => format!(" (with a dose: {})", words::dose(d)),
                    _ => String::new(),
                },
                rr.id,
                rs.id
            ))
            .with_help(format!(
                "remove `{}`, or change its condition, targets or dose if it should say something `{}` does not",
                rr.id, rs.id
            ));
            self.out.push(d);
        }
    }
}
