//! W006: `overrides` and `prevails` that resolve nothing.

use super::*;

impl<'m> Context<'m, '_> {
    /// Whether the precedence edge `a` → `b` lies on a chain that resolves a recorded
    /// conflict: some conflict's winner reaches `a` (or is `a`) and `b` reaches its loser (or
    /// is it). Removing such an edge would leave that conflict unresolved.
    pub(super) fn needed(&mut self, a: RuleId, b: RuleId) -> bool {
        let resolutions: Vec<(RuleId, RuleId)> = self
            .conflicts
            .iter()
            .filter_map(|c| {
                let w = c.resolved_by?;
                Some((
                    w,
                    if c.rules[0] == w {
                        c.rules[1]
                    } else {
                        c.rules[0]
                    },
                ))
            })
            .collect();
        resolutions.into_iter().any(|(w, l)| {
            (w == a || self.overrides.reaches(w, a)) && (b == l || self.overrides.reaches(b, l))
        })
    }

    /// W006: `overrides` between rules that never advise one exercise to one patient (or one
    /// of which can never fire), unless a chain that resolves a conflict passes through it;
    /// and `prevails` that takes part in no resolution.
    pub(super) fn needless_overrides(&mut self) {
        let model = self.model;
        for a in 0..model.rules.len() {
            if !model.rules[a].is_live() {
                continue;
            }
            let mut seen = HashSet::default();
            for &(b, span) in model.rules[a].overrides() {
                if b == a || b >= model.rules.len() || !model.rules[b].is_live() || !seen.insert(b)
                {
                    continue;
                }
                let (ida, idb) = (&model.rules[a].id, &model.rules[b].id);
                let reason = if self.never[a] || self.never[b] {
                    let id = if self.never[a] { ida } else { idb };
                    format!("`{id}` can never fire (see its W002), so it never meets the other")
                } else if !(self.active[a] && self.active[b]) {
                    continue;
                } else if self.shared(a, b).is_empty() {
                    "they advise no exercise in common".to_string()
                } else {
                    match self.space.sat_all(&[self.prep(a), self.prep(b)]) {
                        Ok(true) => continue,
                        Ok(false) => {
                            "no patient meets both conditions, so they never fire together"
                                .to_string()
                        }
                        Err(_) => {
                            self.too_complex(a.min(b), a.max(b));
                            continue;
                        }
                    }
                };
                if self.needed(a, b) {
                    continue;
                }
                let (ra, rb) = (self.rule(a), self.rule(b));
                self.out.push(
                    Diagnostic::new(
                        Code::W006,
                        span,
                        format!(
                            "needless `overrides`: `{}` and `{}` never advise the same exercise for the same patient",
                            ra.id, rb.id
                        ),
                    )
                    .with_label(format!("`{}` overrides `{}` here", ra.id, rb.id))
                    .with_secondary(rb.head_span, "the overridden rule")
                    .with_note(reason)
                    .with_help(format!("remove `{}` from the `overrides` clause of `{}`", rb.id, ra.id)),
                );
            }
        }
        let derived = crate::analysis::overrides::prevails_edges(model);
        for (a, rule) in model.rules.iter().enumerate() {
            let Some(span) = rule.prevails().filter(|_| rule.is_live() && self.active[a]) else {
                continue;
            };
            let edges: Vec<RuleId> = derived
                .iter()
                .filter(|&&(x, _, _)| x == a)
                .map(|&(_, y, _)| y)
                .collect();
            if edges.iter().any(|&b| self.needed(a, b)) {
                continue;
            }
            let note = if edges.is_empty() {
                "no other rule gives less protective advice on its exercises".to_string()
            } else {
                format!(
                    "it outranks {}, but none of them ever advises one of its exercises to a patient it advises, \
                     and no chain through them resolves a conflict",
                    words::list(
                        &edges
                            .iter()
                            .map(|&b| format!("`{}`", model.rules[b].id))
                            .collect::<Vec<_>>()
                    )
                )
            };
            self.out.push(
                Diagnostic::new(
                    Code::W006,
                    span,
                    format!(
                        "needless `prevails`: `{}` takes part in no resolution",
                        rule.id
                    ),
                )
                .with_label("prevails over nothing it meets")
                .with_note(note)
                .with_help(format!("remove `prevails` from `{}`", rule.id)),
            );
        }
    }
}
