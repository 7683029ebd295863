//! CDS Hooks cards from a partial evaluation (§10, §12).
//!
//! - One card per exercise whose advice is settled (no card for "no advice"): `indicator`
//!   `critical` for avoid, `warning` for refer and caution, `info` otherwise; `summary` the
//!   advice and exercise (at most 140 characters); `detail` in Markdown with each deciding
//!   rule's `because`, dose, `stop if` and citation; `source` the first citation of the
//!   deciding rule (the ruleset itself when it cites nothing).
//! - One card per exercise whose advice depends on unknowns: the possible advice, each with an
//!   example of what would make it so, and what it depends on; its indicator is that of the
//!   most protective possible advice, but `warning` rather than `critical` (`critical` is kept
//!   for an avoid that is settled).
//! - A `warning` card per exercise the evaluator could not settle within its work budget.
//! - One "ask next" card listing the unknowns that matter most, when advice depends on any.
//!
//! Settled advice comes first, then advice that depends on unknowns, then exercises that could
//! not be settled; within each, most protective first (avoid, refer, caution, recommend,
//! consider), then by exercise. The ask-next card comes last.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::bundle::{Bundle, Rule};
use crate::eval::Patient;
use crate::model::Action;
use crate::partial::{ExerciseOutcome, PartialOutcome, Status};

/// The most characters a card summary may have (CDS Hooks: fewer than 140).
pub const MAX_SUMMARY: usize = 140;
/// How many questions the ask-next card lists.
pub const ASK_NEXT: usize = 5;

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Card {
    pub uuid: String,
    pub summary: String,
    pub detail: String,
    pub indicator: &'static str,
    pub source: Source,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Source {
    pub label: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

fn indicator(a: Option<Action>) -> &'static str {
    match a {
        Some(Action::Avoid) => "critical",
        Some(Action::Refer | Action::Caution) => "warning",
        _ => "info",
    }
}

fn verb(a: Action) -> &'static str {
    match a {
        Action::Avoid => "Avoid",
        Action::Refer => "Refer first",
        Action::Caution => "Caution",
        Action::Recommend => "Recommend",
        Action::Consider => "Consider",
    }
}

/// Cut to at most `max` characters, ending with `…` when cut.
pub fn clip(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut out: String = text.chars().take(max.saturating_sub(1)).collect();
    out = out.trim_end().to_string();
    out.push('…');
    out
}

/// Markdown special characters in text from the ruleset are escaped, so a `because` cannot
/// turn into links, images or markup in the EHR.
fn md(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(
            c,
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '#' | '!' | '|'
        ) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

struct Labels<'b> {
    bundle: &'b Bundle,
    names: BTreeMap<&'b str, &'b str>,
    rules: BTreeMap<&'b str, &'b Rule>,
}

impl<'b> Labels<'b> {
    fn new(bundle: &'b Bundle) -> Labels<'b> {
        let v = &bundle.vocabulary;
        let mut names = BTreeMap::new();
        for f in v.conditions.iter().chain(&v.factors) {
            names.insert(f.id.as_str(), f.label.as_deref().unwrap_or(&f.id));
        }
        for m in &v.measures {
            names.insert(m.id.as_str(), m.label.as_deref().unwrap_or(&m.id));
        }
        for e in &v.exercises {
            names.insert(e.id.as_str(), e.label.as_deref().unwrap_or(&e.id));
        }
        Labels {
            bundle,
            names,
            rules: bundle.rules.iter().map(|r| (r.id.as_str(), r)).collect(),
        }
    }

    fn of<'a>(&'a self, name: &'a str) -> &'a str {
        self.names.get(name).copied().unwrap_or(name)
    }

    fn ruleset_source(&self) -> Source {
        let r = &self.bundle.ruleset;
        Source {
            label: clip(
                &format!(
                    "{} (Carel ruleset {} {})",
                    r.title.as_deref().unwrap_or(&r.name),
                    r.name,
                    r.version
                ),
                MAX_SUMMARY,
            ),
            url: None,
        }
    }

    /// The first citation of the first of `rules` that cites something.
    fn source(&self, rules: &[String]) -> Source {
        for id in rules {
            let Some(rule) = self.rules.get(id.as_str()) else {
                continue;
            };
            if let Some(c) = rule.cite.first()
                && let Some(s) = self
                    .bundle
                    .vocabulary
                    .sources
                    .iter()
                    .find(|s| s.id == c.source)
            {
                let label = match &c.locator {
                    Some(l) => format!("{} ({l})", s.text),
                    None => s.text.clone(),
                };
                return Source {
                    label: clip(&label, MAX_SUMMARY),
                    url: s.url.clone(),
                };
            }
        }
        self.ruleset_source()
    }

    /// What one rule says, in Markdown.
    fn rule_detail(&self, id: &str, out: &mut String) {
        let Some(rule) = self.rules.get(id) else {
            return;
        };
        if let Some(b) = &rule.because {
            out.push_str(&format!("{}\n\n", md(b)));
        }
        if let Some(d) = &rule.dose {
            out.push_str(&format!("**Dose:** {}\n\n", md(&d.to_text())));
        }
        if let Some(s) = &rule.stop_if {
            out.push_str(&format!("**Stop if:** {}\n\n", md(s)));
        }
        for c in &rule.cite {
            if let Some(s) = self
                .bundle
                .vocabulary
                .sources
                .iter()
                .find(|s| s.id == c.source)
            {
                let mut line = match &s.url {
                    Some(u) => {
                        format!("**Source:** [{}](<{}>)", md(&s.text), u.replace('>', "%3E"))
                    }
                    None => format!("**Source:** {}", md(&s.text)),
                };
                if let Some(l) = &c.locator {
                    line.push_str(&format!(", {}", md(l)));
                }
                out.push_str(&line);
                out.push_str("\n\n");
            }
        }
        out.push_str(&format!("*Rule `{}`*\n\n", rule.id.replace('`', "")));
    }

    /// `Sciatica, Age = 70` (or `nothing more`), for what a completion assumes.
    fn assumes(&self, p: &Patient) -> String {
        let mut parts: Vec<String> = p.facts.iter().map(|f| md(self.of(f))).collect();
        parts.extend(p.measures.iter().map(|(m, v)| {
            format!(
                "{} = {}",
                md(self.of(m)),
                crate::bundle::canonical::number(*v)
            )
        }));
        if parts.is_empty() {
            "none of the unknown facts holds".to_string()
        } else {
            parts.join(", ")
        }
    }
}

fn new_uuid() -> String {
    uuid::Uuid::new_v4().to_string()
}

fn settled_card(l: &Labels, e: &ExerciseOutcome) -> Option<(Option<Action>, Card)> {
    let p = e.possible.first()?;
    let action = p.advice?;
    let trace = p.trace.as_ref()?;
    let label = l.of(&e.exercise);
    let doses: Vec<String> = trace
        .advised
        .iter()
        .filter(|c| c.outcome == "decides")
        .filter_map(|c| c.dose.as_ref().map(|d| d.to_text()))
        .collect();
    let mut summary = format!("{}: {label}", verb(action));
    if doses.len() == 1 {
        summary.push_str(&format!(", {}", doses[0]));
    }
    let mut detail = String::new();
    for r in &trace.rules {
        l.rule_detail(r, &mut detail);
    }
    let set_aside: Vec<String> = trace
        .advised
        .iter()
        .filter(|c| c.outcome != "decides")
        .map(|c| format!("{} (`{}`, {})", c.action.as_str(), c.rule, c.outcome))
        .collect();
    if !set_aside.is_empty() {
        detail.push_str(&format!("Advice set aside: {}\n", set_aside.join("; ")));
    }
    Some((
        Some(action),
        Card {
            uuid: new_uuid(),
            summary: clip(&summary, MAX_SUMMARY),
            detail: detail.trim_end().to_string(),
            indicator: indicator(Some(action)),
            source: l.source(&trace.rules),
        },
    ))
}

fn depends_card(l: &Labels, e: &ExerciseOutcome) -> (Option<Action>, Card) {
    let label = l.of(&e.exercise);
    let most = e
        .possible
        .iter()
        .filter_map(|p| p.advice)
        .max_by_key(|a| a.protectiveness());
    let values: Vec<&str> = e
        .possible
        .iter()
        .map(|p| p.advice.map_or("no advice", |a| a.as_str()))
        .collect();
    let on: Vec<&str> = e.depends_on.iter().map(|n| l.of(n)).collect();
    let what = match on.as_slice() {
        [one] => (*one).to_string(),
        _ => format!("{} facts not known yet", on.len()),
    };
    let summary = format!("{label}: {} — depends on {what}", or_list(&values));
    let mut detail = format!(
        "The advice on {} depends on what is not known yet: {}.\n\n",
        md(label),
        on.iter().map(|n| md(n)).collect::<Vec<_>>().join(", ")
    );
    for p in &e.possible {
        let what = p.advice.map_or("No advice", verb);
        detail.push_str(&format!(
            "- **{what}**, for example when {}\n",
            l.assumes(&p.assumes)
        ));
    }
    let rules: Vec<String> = e
        .possible
        .iter()
        .filter(|p| p.advice == most)
        .filter_map(|p| p.trace.as_ref())
        .flat_map(|t| t.rules.iter().cloned())
        .collect();
    // Not known to apply: a warning at most, so that `critical` always means a settled avoid.
    let shown = match indicator(most) {
        "critical" => "warning",
        other => other,
    };
    (
        most,
        Card {
            uuid: new_uuid(),
            summary: clip(&summary, MAX_SUMMARY),
            detail: detail.trim_end().to_string(),
            indicator: shown,
            source: l.source(&rules),
        },
    )
}

/// `a`, `a or b`, `a, b or c`.
fn or_list(items: &[&str]) -> String {
    match items {
        [] => String::new(),
        [one] => (*one).to_string(),
        [rest @ .., last] => format!("{} or {last}", rest.join(", ")),
    }
}

fn too_complex_card(l: &Labels, e: &ExerciseOutcome) -> Card {
    let label = l.of(&e.exercise);
    Card {
        uuid: new_uuid(),
        summary: clip(
            &format!("{label}: the advice could not be worked out; check before advising"),
            MAX_SUMMARY,
        ),
        detail: format!(
            "Working out the advice on {} for what is known went beyond the evaluator's work \
             budget. No advice is shown for it rather than a guess.",
            md(label)
        ),
        indicator: "warning",
        source: l.ruleset_source(),
    }
}

fn ask_next_card(l: &Labels, outcome: &PartialOutcome) -> Option<Card> {
    let top: Vec<_> = outcome.ask_next.iter().take(ASK_NEXT).collect();
    if top.is_empty() {
        return None;
    }
    let names: Vec<String> = top.iter().map(|a| format!("{}?", l.of(&a.name))).collect();
    let summary = format!("Ask next: {}", names.join(" "));
    let mut detail = String::from(
        "The advice depends on facts the record does not give. Asking these first settles the most:\n\n",
    );
    for (i, a) in top.iter().enumerate() {
        let exercises: Vec<String> = a.exercises.iter().map(|e| md(l.of(e))).collect();
        detail.push_str(&format!(
            "{}. **{}** (`{}`) could change the advice on {} exercise{}: {}\n",
            i + 1,
            md(l.of(&a.name)),
            a.name,
            a.exercises.len(),
            if a.exercises.len() == 1 { "" } else { "s" },
            exercises.join(", ")
        ));
    }
    Some(Card {
        uuid: new_uuid(),
        summary: clip(&summary, MAX_SUMMARY),
        detail: detail.trim_end().to_string(),
        indicator: "info",
        source: l.ruleset_source(),
    })
}

/// The cards for a partial evaluation.
pub fn cards(bundle: &Bundle, outcome: &PartialOutcome) -> Vec<Card> {
    let l = Labels::new(bundle);
    let mut ranked: Vec<(u8, u8, &str, Card)> = Vec::new();
    for e in &outcome.exercises {
        match e.status {
            Status::Settled => {
                if let Some((a, card)) = settled_card(&l, e) {
                    ranked.push((rank(a), 0, &e.exercise, card));
                }
            }
            Status::Depends => {
                let (a, card) = depends_card(&l, e);
                ranked.push((rank(a), 1, &e.exercise, card));
            }
            Status::TooComplex => {
                ranked.push((0, 2, &e.exercise, too_complex_card(&l, e)));
            }
        }
    }
    ranked.sort_by(|a, b| (a.1, a.0, a.2).cmp(&(b.1, b.0, b.2)));
    let mut out: Vec<Card> = ranked.into_iter().map(|(_, _, _, c)| c).collect();
    out.extend(ask_next_card(&l, outcome));
    out
}

/// Sort key: most protective first.
fn rank(a: Option<Action>) -> u8 {
    u8::MAX - a.map_or(0, |a| a.protectiveness() + 1)
}
