//! Pair checks: contradictions and tensions between rules whose actions clash (E010, W004),
//! dose mismatches (W005), and the recording of conflicts and of questions left unanswered.

use super::*;

impl<'m> Context<'m, '_> {
    /// Exercises both rules advise, in the first rule's order (by exercise name).
    ///
    /// Both lists are sorted by exercise name, so the shorter one is looked up in the longer:
    /// a rule advising thousands of exercises costs little against a rule advising one.
    pub(super) fn shared(&mut self, a: RuleId, b: RuleId) -> Vec<ExerciseId> {
        let (xa, xb) = (self.exercises.of(a), self.exercises.of(b));
        let (short, long) = if xa.len() <= xb.len() {
            (xa, xb)
        } else {
            (xb, xa)
        };
        let mut out: Vec<ExerciseId> = short
            .iter()
            .copied()
            .filter(|&e| self.checks().advises(long, e))
            .collect();
        out.dedup();
        out
    }

    /// Every pair of active rules that share an exercise and whose actions can produce a finding,
    /// in three passes that each look only at pairs that can matter to them: clashing actions
    /// (E010, W004), positive doses that do not overlap (W005), and rules that may cover one
    /// another (W003).
    pub(super) fn pairs(&mut self) {
        let index = self.clashes();
        self.dose_mismatches();
        self.redundancies(&index);
    }

    /// E010 and W004: each rule against the later rules on its exercises whose action clashes.
    /// Returns the index of active rules by exercise and action slot.
    ///
    /// Each rule's partners are found a block of rules ahead (see [`partners`]); the pairs are
    /// then checked in rule order, each rule's partners in the order its walk met them.
    pub(super) fn clashes(&mut self) -> ByExercise<u32> {
        let n = self.model.rules.len();
        let index = self.clash_index();
        let mut found = Partners::default();
        let walking = Marks::new();
        let (mut marks, mut alone) = (Vec::new(), Vec::new());
        for block in (0..n).step_by(PARTNER_BLOCK) {
            let rules = block..(block + PARTNER_BLOCK).min(n);
            let (limit, parallel) = (self.sift_limit, self.parallel);
            let (space, active) = (&self.space, &self.active);
            self.checks().partners(
                space,
                &index,
                active,
                &walking,
                limit,
                parallel,
                rules.clone(),
                &mut found,
            );
            for i in rules {
                let partners = match found.of(i) {
                    Some(partners) => partners,
                    None => {
                        // Left out of the block: walked here, alone.
                        let (space, active) = (&self.space, &self.active);
                        self.checks()
                            .partners_one(space, &index, active, &mut marks, i, &mut alone);
                        &alone[..]
                    }
                };
                for p in partners {
                    // Pairs the literals keep apart need no check, until the conflict limit
                    // is reached (past it, every pair is counted as left unchecked).
                    if p.apart && self.conflicts.len() < self.max_conflicts {
                        continue;
                    }
                    self.check_pair(i, p.rule as usize, p.kind, None);
                }
            }
        }
        index
    }

    /// The active rules by exercise and action slot, in rule order. The index holds rule
    /// numbers only: at four bytes an entry it stays small enough to be read from the caches,
    /// where entries with each rule's signature inline did not.
    pub(super) fn clash_index(&self) -> ByExercise<u32> {
        ByExercise::new(
            self.model.exercises.len(),
            self.exercises,
            |r| self.active[r].then(|| slot(self.hot[r].action)),
            |r| r as u32,
        )
    }

    /// W005: each positive rule with a dose against the later positive rules on its exercises
    /// whose dose does not overlap; rules are grouped by dose, so equal doses are never paired.
    pub(super) fn dose_mismatches(&mut self) {
        let model = self.model;
        let n = model.rules.len();
        // Per exercise: (dose, rules with that dose in rule order), doses in first-seen order.
        let mut groups: Vec<Vec<(u32, Vec<u32>)>> = vec![Vec::new(); model.exercises.len()];
        let dosed_rules: Vec<bool> = (0..n)
            .map(|r| self.active[r] && positive(self.hot[r].action) && self.hot[r].dose != NO_DOSE)
            .collect();
        let dosed = |r: usize| dosed_rules[r];
        let table = self.exercises;
        for r in 0..n {
            if !dosed(r) {
                continue;
            }
            let d = self.hot[r].dose;
            for &e in table.of(r) {
                let Some(g) = groups.get_mut(e) else { continue };
                match g.iter_mut().find(|(x, _)| *x == d) {
                    Some((_, rules)) => rules.push(r as u32),
                    None => g.push((d, vec![r as u32])),
                }
            }
        }
        let mut stamp = vec![u32::MAX; n];
        let mut memo: HashMap<(u32, u32), Option<Mismatch>> = HashMap::default();
        for i in 0..n {
            if !dosed(i) {
                continue;
            }
            let di = self.hot[i].dose;
            for &e in table.of(i) {
                let Some(g) = groups.get(e) else { continue };
                for (d, rules) in g {
                    let mismatch = *memo.entry((di, *d)).or_insert_with(|| {
                        dose::mismatch(&self.doses[di as usize], &self.doses[*d as usize])
                    });
                    let Some(mismatch) = mismatch else { continue };
                    let start = rules.partition_point(|&j| j as usize <= i);
                    for &j in &rules[start..] {
                        let j = j as usize;
                        if stamp[j] != i as u32 {
                            stamp[j] = i as u32;
                            if !self.hot[i].signature.disjoint(&self.hot[j].signature) {
                                self.check_pair(i, j, ConflictKind::DoseMismatch, Some(mismatch));
                            }
                        }
                    }
                }
            }
        }
    }

    /// A patient for whom rule `r` fires, if one could be found within the budget.
    pub(super) fn sample(&mut self, r: RuleId) -> Option<&Patient> {
        if !self.samples.contains_key(&r) {
            let found = self.space.example(&[self.prep(r)]).ok().flatten();
            self.samples.insert(r, found);
        }
        self.samples.get(&r).and_then(|s| s.as_ref())
    }

    /// Whether rules `i < j` both fire for some patient; if so, record their conflict.
    pub(super) fn check_pair(
        &mut self,
        i: RuleId,
        j: RuleId,
        kind: ConflictKind,
        mismatch: Option<Mismatch>,
    ) {
        if self.conflicts.len() >= self.max_conflicts {
            self.unchecked += 1;
            self.first_unchecked.get_or_insert((i, j));
            return;
        }
        if !(self.hot[i].plain && self.hot[j].plain) {
            if !self.space.compatible(self.prep(i), self.prep(j)) {
                return;
            }
            // A patient for whom one rule fires may already fire the other.
            let (wi, wj) = (&self.rule(i).when, &self.rule(j).when);
            if self.sample(i).is_some_and(|p| wj.holds(p))
                || self.sample(j).is_some_and(|p| wi.holds(p))
            {
                return self.conflict(i, j, kind, mismatch);
            }
        }
        match self.space.sat_all(&[self.prep(i), self.prep(j)]) {
            Ok(true) => self.conflict(i, j, kind, mismatch),
            Ok(false) => {}
            Err(_) => self.too_complex(i, j),
        }
    }

    /// One E011 for the pairs left unchecked once the conflict limit was reached.
    pub(super) fn report_unchecked(&mut self) {
        let Some((i, j)) = self.first_unchecked else {
            return;
        };
        let (a, b) = (self.rule(i), self.rule(j));
        self.out.push(
            Diagnostic::new(
                Code::E011,
                b.head_span,
                format!(
                    "the analysis stopped after {} conflicts: {} more pairs of rules that might clash, \
                     starting with `{}` and `{}`, were not checked",
                    self.max_conflicts, self.unchecked, a.id, b.id
                ),
            )
            .with_label("the first pair left unchecked")
            .with_secondary(a.head_span, "together with this rule")
            .with_help(
                "so many conflicts usually have one cause, such as rules without conditions or a category \
                 that is too broad; resolve the reported conflicts and check again",
            ),
        );
    }

    /// One E011 for everything the exhausted budget left unchecked, at the first rule affected.
    pub(super) fn report_unanswered(&mut self) {
        let Some((i, j)) = self.first_unanswered else {
            return;
        };
        let (a, b) = (self.rule(i), self.rule(j));
        let mut d = Diagnostic::new(
            Code::E011,
            b.when_span.unwrap_or(b.head_span),
            format!(
                "the analysis ran out of its work budget: {} questions about rule conditions, starting with `{}`, \
                 were not answered, so some conflicts may not be reported",
                self.unanswered, b.id
            ),
        )
        .with_label("the first condition left unchecked");
        if i != j {
            d = d.with_secondary(a.head_span, "together with this rule");
        }
        self.out.push(d.with_help(
            "many rules have conditions too complex to analyse exactly; split them into simpler rules, \
             each with fewer nested `or` and `not`",
        ));
    }

    /// Count a question left unanswered because the whole analysis ran out of work budget.
    pub(super) fn unanswered(&mut self, i: RuleId, j: RuleId) {
        self.unanswered += 1;
        self.first_unanswered.get_or_insert((i, j));
    }

    pub(super) fn too_complex(&mut self, i: RuleId, j: RuleId) {
        if self.space.exhausted() {
            return self.unanswered(i, j);
        }
        if !self.too_complex.insert((i, j)) {
            return;
        }
        let (a, b) = (self.rule(i), self.rule(j));
        self.out.push(
            Diagnostic::new(
                Code::E011,
                b.head_span,
                format!(
                    "the conditions of `{}` and `{}` are too complex to analyse exactly; conflicts between them were not checked",
                    a.id, b.id
                ),
            )
            .with_label("too complex to analyse together with the other rule")
            .with_secondary(a.head_span, "the other rule")
            .with_help("split the rules into simpler rules, each with fewer nested `or` and `not`"),
        );
    }

    pub(super) fn conflict(
        &mut self,
        i: RuleId,
        j: RuleId,
        kind: ConflictKind,
        mismatch: Option<Mismatch>,
    ) {
        let witness = match self.space.witness_all(&[self.prep(i), self.prep(j)]) {
            Ok(Some(w)) => w,
            // Satisfiable pairs always have a witness; nothing to report otherwise.
            Ok(None) => return,
            Err(_) => return self.too_complex(i, j),
        };
        let exercises = self.shared(i, j);
        let resolved_by = self.overrides.winner(i, j);
        let conflict = Conflict {
            kind,
            rules: [i, j],
            exercises,
            witness,
            resolved_by,
        };
        if resolved_by.is_none() {
            let d = self.conflict_diagnostic(&conflict, mismatch);
            self.out.push(d);
        }
        self.conflicts.push(conflict);
    }
}
