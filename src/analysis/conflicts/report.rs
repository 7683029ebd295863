//! The diagnostic of a conflict: its witness, the exercises and doses, and how to resolve it.

use super::*;

impl<'m> Context<'m, '_> {
    pub(super) fn conflict_diagnostic(
        &self,
        c: &Conflict,
        mismatch: Option<Mismatch>,
    ) -> Diagnostic {
        let model = self.model;
        let [i, j] = c.rules;
        let (first, later) = (self.rule(i), self.rule(j));
        let ex = words::exercises_short(model, &c.exercises);
        let it = words::pronoun(c.exercises.len());
        let mentioned = sat::mentioned_measures(&[&first.when, &later.when]);
        let unknown: Vec<_> = mentioned
            .into_iter()
            .filter(|&m| c.witness.value(m).is_none())
            .collect();
        let patient = words::patient(model, &c.witness, &unknown);
        let mut d = match c.kind {
            ConflictKind::Contradiction | ConflictKind::Tension => {
                let (mild, strict) =
                    if first.action.protectiveness() < later.action.protectiveness() {
                        (first, later)
                    } else {
                        (later, first)
                    };
                let what = if c.kind == ConflictKind::Contradiction {
                    "contradiction"
                } else {
                    "tension"
                };
                let code = if c.kind == ConflictKind::Contradiction {
                    Code::E010
                } else {
                    Code::W004
                };
                Diagnostic::new(
                    code,
                    later.action_span,
                    format!(
                        "{what}: `{}` {} but `{}` {}",
                        mild.id,
                        words::advises(mild.action, &ex),
                        strict.id,
                        words::advises(strict.action, it)
                    ),
                )
                .with_label(format!("{} here", words::advises(later.action, it)))
                .with_secondary(
                    first.action_span,
                    format!("{} here", words::advises(first.action, it)),
                )
            }
            ConflictKind::DoseMismatch => {
                let (da, db) = (
                    first.dose.as_deref().copied(),
                    later.dose.as_deref().copied(),
                );
                let span = |r: &Rule, d: Option<Dose>| d.map_or(r.action_span, |d| d.span);
                let mut d = Diagnostic::new(
                    Code::W005,
                    span(later, db),
                    format!(
                        "dose mismatch: `{}` and `{}` give doses of {ex} that cannot both be followed",
                        first.id, later.id
                    ),
                )
                .with_label("this dose")
                .with_secondary(span(first, da), "does not overlap this dose");
                if let (Some(da), Some(db)) = (da, db) {
                    d = d.with_note(format!(
                        "`{}`: {}; `{}`: {}",
                        first.id,
                        describe_dose(&da),
                        later.id,
                        describe_dose(&db)
                    ));
                }
                let parts = match mismatch {
                    Some(Mismatch {
                        amount: true,
                        frequency: true,
                        ..
                    }) => "neither the amounts nor the frequencies overlap",
                    Some(Mismatch { amount: true, .. }) => "the amounts do not overlap",
                    Some(Mismatch {
                        frequency: true, ..
                    }) => "the frequencies do not overlap",
                    _ => "the targets they build up to do not overlap",
                };
                d.with_note(parts.to_string())
            }
        };
        if c.exercises.len() > 5 {
            d = d.with_note(format!(
                "exercises involved: {}",
                words::list(&words::exercise_names(model, &c.exercises))
            ));
        }
        d = d.with_note(format!("both rules fire for {patient}"));
        let naming = if first.named && later.named {
            ""
        } else {
            " (give a rule a name with `rule NAME:` to refer to it)"
        };
        match c.kind {
            ConflictKind::Contradiction => d.with_help(self.contradiction_help(c, naming)),
            ConflictKind::Tension => d.with_help(format!(
                "if both pieces of advice are meant, make the precedence explicit with `overrides` and a `because` \
                 (e.g. `overrides {}` on `{}`), or sharpen a condition with `unless` so they no longer fire together{naming}",
                first.id, later.id
            )),
            ConflictKind::DoseMismatch => d.with_help(format!(
                "make the doses overlap, or let one rule override the other with `overrides` and a `because` saying \
                 which dose applies (e.g. `overrides {}` on `{}`){naming}",
                first.id, later.id
            )),
        }
    }

    /// The three ways to resolve a contradiction, with the rules' own names.
    pub(super) fn contradiction_help(&self, c: &Conflict, naming: &str) -> String {
        let model = self.model;
        let [i, j] = c.rules;
        let (a, b) = (self.rule(i), self.rule(j));
        let fact = |f: usize| model.facts.get(f).map_or("?", |f| f.name.as_str());
        // An `unless` for one rule: a fact the other rule requires that this one does not.
        let unless = |x: RuleId, y: RuleId| {
            let mine = self.prep(x).required_facts();
            self.prep(y)
                .required_facts()
                .iter()
                .find(|f| mine.binary_search(f).is_err())
                .map(|&f| (x, f))
        };
        let unless = match unless(i, j).or_else(|| unless(j, i)) {
            Some((x, f)) => format!("add `unless {}` to `{}`", fact(f), self.rule(x).id),
            None => "add an `unless` to one of them".to_string(),
        };
        let facts: Vec<&str> = c.witness.facts.iter().map(|&f| fact(f)).collect();
        let exclusive = match facts.len() {
            0 | 1 => {
                "declare the facts involved `exclusive` if they can never hold together".to_string()
            }
            2 => format!(
                "if {} cannot both hold, declare them `exclusive`",
                words::list(&facts)
            ),
            _ => format!(
                "if {} cannot hold together, declare them `exclusive`",
                words::list(&facts)
            ),
        };
        format!(
            "resolve it in one of three ways: give `{}` an `overrides {}` clause (or `{}` an `overrides {}` clause) \
             with a `because` giving the clinical reason; {unless} so that both no longer fire together; or {exclusive}{naming}",
            b.id, a.id, a.id, b.id
        )
    }
}

/// A dose with its conversions: `1 h per day (60 min, 7 times a week)`.
pub(super) fn describe_dose(d: &Dose) -> String {
    let mut extra = Vec::new();
    if let Some(a) = &d.amount
        && a.unit == crate::model::AmountUnit::H
        && a.bound == crate::model::Bound::Exactly
        && let Some(m) = words::minutes(a)
    {
        extra.push(m);
    }
    if let Some((lo, hi)) = dose::per_week(d.frequency) {
        extra.push(words::weekly(lo, hi));
    }
    if extra.is_empty() {
        words::dose(d)
    } else {
        format!("{} ({})", words::dose(d), extra.join(", "))
    }
}
