//! W002: rules that can never fire, with the reason their literals give.

use super::*;

impl<'m> Context<'m, '_> {
    /// W002 for rules that can never fire; E011 for conditions too complex to decide.
    pub(super) fn firing(&mut self) {
        for r in 0..self.model.rules.len() {
            let Some(p) = &self.prepared[r] else { continue };
            match self.space.sat_all(&[p]) {
                Ok(true) => self.active[r] = true,
                Ok(false) => {
                    self.never[r] = true;
                    let d = self.never_fires(r, p);
                    self.out.push(d);
                }
                Err(_) if self.space.exhausted() => self.unanswered(r, r),
                Err(_) => {
                    let rule = self.rule(r);
                    self.out.push(
                        Diagnostic::new(
                            Code::E011,
                            rule.when_span.unwrap_or(rule.head_span),
                            format!(
                                "the condition of `{}` is too complex to analyse exactly; its conflicts with other rules were not checked",
                                rule.id
                            ),
                        )
                        .with_label("too complex to analyse")
                        .with_help("split the rule into simpler rules, each with fewer nested `or` and `not`"),
                    );
                }
            }
        }
    }

    pub(super) fn never_fires(&self, r: RuleId, p: &Prepared) -> Diagnostic {
        let model = self.model;
        let rule = self.rule(r);
        let mut d = Diagnostic::new(
            Code::W002,
            rule.when_span.unwrap_or(rule.head_span),
            format!(
                "rule `{}` can never fire: no patient meets its condition",
                rule.id
            ),
        )
        .with_label("no patient meets this condition");
        let fact = |f: usize| model.facts.get(f).map_or("?", |f| f.name.as_str());
        match self.space.literal_clash(p) {
            Some(Clash::Fact(f)) => {
                d = d.with_note(format!(
                    "it requires `{}` both to hold and not to hold",
                    fact(f)
                ));
            }
            Some(Clash::Exclusive { group, a, b }) => {
                let implied = if self.space.has_implications() {
                    " (counting the facts they imply)"
                } else {
                    ""
                };
                d = d.with_note(match model.exclusives.get(group) {
                    Some(g) => format!(
                        "it requires both `{}` and `{}`{implied}, which are declared exclusive (`{}`)",
                        fact(a),
                        fact(b),
                        g.name
                    ),
                    // Groups after the declared ones stand for `excludes`.
                    None => format!(
                        "it requires both `{}` and `{}`{implied}, and one excludes the other",
                        fact(a),
                        fact(b)
                    ),
                });
            }
            Some(Clash::Measure(m)) => {
                if let Some(measure) = model.measures.get(m) {
                    let range = match (measure.min, measure.max) {
                        (Some(lo), Some(hi)) => {
                            format!(" in its range {}..{}", words::number(lo), words::number(hi))
                        }
                        _ => String::new(),
                    };
                    d = d.with_note(format!(
                        "no value of `{}`{range} meets all the comparisons it requires",
                        measure.name
                    ));
                }
            }
            None => {}
        }
        d.with_help(
            "look for facts of one `exclusive` group required together, comparisons that exclude each other, \
             or values outside a measure's range; fix the condition or remove the rule",
        )
    }
}
