//! The two faces of a [`PartialOutcome`]: the clinician's text and the stable JSON
//! (`docs/eval.md`, `docs/eval.schema.json`).
//!
//! The text puts the most protective advice first (avoid, caution, recommend, consider), keeps
//! settled advice apart from advice that depends on what is not known yet, gives each advice
//! its exercise's label, dose, the deciding rule's `because` and citations, then the questions
//! to ask next and the trace behind every advice, in words.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::fmt::Write as _;

use serde::Serialize;

use super::{ExerciseOutcome, PartialOutcome, Possible, Status, Value};
use crate::bundle::{Bundle, Num};
use crate::eval::{Advice, Outcome, Patient};
use crate::model::Action;

/// The value of `format` in the JSON.
pub const FORMAT: &str = "carel.eval";
/// The version of the JSON shape; it changes only when a key changes meaning or goes away.
pub const VERSION: u64 = 1;

fn value_str(v: Value) -> &'static str {
    v.map_or("no advice", Action::as_str)
}

/// `a, b and c`.
fn and_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

/// What a witness assumes, in words: `new_to_exercise and age = 70`.
fn assumption(p: &Patient) -> String {
    let mut parts: Vec<String> = p.facts.iter().cloned().collect();
    parts.extend(
        p.measures
            .iter()
            .map(|(m, v)| format!("{m} = {}", crate::bundle::canonical::number(*v))),
    );
    and_list(&parts)
}

impl PartialOutcome {
    /// What `carel eval` prints for people.
    pub fn to_human(&self, bundle: &Bundle) -> String {
        let r = Render::new(bundle);
        let mut out = String::new();
        r.header(self, &mut out);
        // Most protective first; advice that depends on unknowns by its most protective value.
        let order = |e: &&ExerciseOutcome| {
            (
                std::cmp::Reverse(e.possible.iter().map(|p| protect(p.advice)).max()),
                e.exercise.clone(),
            )
        };
        let mut settled: Vec<&ExerciseOutcome> = self
            .exercises
            .iter()
            .filter(|e| e.status == Status::Settled && e.possible[0].advice.is_some())
            .collect();
        settled.sort_by_key(order);
        let mut depends: Vec<&ExerciseOutcome> = self
            .exercises
            .iter()
            .filter(|e| e.status == Status::Depends)
            .collect();
        depends.sort_by_key(order);
        let unknowns =
            !self.knowledge.unknown_facts.is_empty() || !self.knowledge.unknown_measures.is_empty();
        if settled.is_empty() && depends.is_empty() {
            out.push_str("\nNo advice: no rule advises any exercise for this patient.\n");
        }
        r.referrals(self, &mut out);
        if !settled.is_empty() {
            out.push_str(if unknowns {
                "\nSettled advice (the same whatever is not known yet turns out to be):\n"
            } else {
                "\nAdvice:\n"
            });
            for e in &settled {
                let p = &e.possible[0];
                let _ = writeln!(
                    out,
                    "  {:<9}  {}",
                    value_str(p.advice),
                    r.exercise_title(&e.exercise)
                );
                r.details(p, DETAIL, &mut out);
            }
        }
        if !depends.is_empty() {
            out.push_str("\nAdvice that depends on what is not known yet:\n");
            for e in &depends {
                let _ = writeln!(out, "  {}: {}", e.exercise, alternatives(e));
                if let Some(label) = r.exercise_label(&e.exercise) {
                    let _ = writeln!(out, "{DETAIL}{label}");
                }
                let _ = writeln!(out, "{DETAIL}depends on: {}", e.depends_on.join(", "));
                for p in &e.possible {
                    let assumed = assumption(&p.assumes);
                    let when = if assumed.is_empty() {
                        String::new()
                    } else {
                        format!(" if {assumed}")
                    };
                    if p.advice.is_some() {
                        let _ = writeln!(out, "{DETAIL}{}{when}:", value_str(p.advice));
                        r.details(p, DEEPER, &mut out);
                    }
                }
            }
        }
        let complex: Vec<&ExerciseOutcome> = self.too_complex().collect();
        if !complex.is_empty() {
            out.push_str(
                "\nToo complex to decide within the solver's work budget (no advice is guessed):\n",
            );
            for e in complex {
                let _ = writeln!(out, "  {}", r.exercise_title(&e.exercise));
            }
        }
        if !self.ask_next.is_empty() {
            out.push_str("\nAsk next (the answers that could change the most advice first):\n");
            for (i, a) in self.ask_next.iter().enumerate() {
                let label = r
                    .labels
                    .get(a.name.as_str())
                    .map(|l| format!(" ({l})"))
                    .unwrap_or_default();
                let n = a.exercises.len();
                let _ = writeln!(
                    out,
                    "  {}. {}{label}: {n} exercise{}: {}",
                    i + 1,
                    a.name,
                    if n == 1 { "" } else { "s" },
                    a.exercises.join(", ")
                );
            }
        }
        out.push_str("\nTrace:\n");
        if !unknowns {
            let fired = match self.exercises.iter().find_map(|e| e.possible.first()) {
                Some(p) => r.fired(&p.witness),
                None => Vec::new(),
            };
            fired_line(&fired, "  ", &mut out);
        }
        for e in settled.iter().chain(&depends) {
            for p in &e.possible {
                let Some(advice) = &p.trace else { continue };
                let assumed = assumption(&p.assumes);
                if e.status == Status::Depends {
                    let when = if assumed.is_empty() {
                        "if nothing more holds".to_string()
                    } else {
                        format!("if {assumed}")
                    };
                    let _ = writeln!(out, "  {} ({when}): {}", e.exercise, advice.action.as_str());
                } else {
                    let _ = writeln!(out, "  {}: {}", e.exercise, advice.action.as_str());
                }
                r.trace(advice, "    ", &mut out);
                if e.status == Status::Settled {
                    break;
                }
            }
        }
        out
    }

    /// The `carel eval --unknown … --format json` object, pretty-printed, with a final newline.
    pub fn to_json(&self, bundle: &Bundle) -> String {
        let json = Json::of(self, bundle);
        let mut text = serde_json::to_string_pretty(&json).unwrap_or_default();
        text.push('\n');
        text
    }
}

/// The trace of a plain evaluation, every fact known, in the words of `carel eval`'s trace: the
/// rules that fired, then for each of the `only` exercises (every advised exercise when `None`)
/// each rule that advised it and what became of its advice. `carel test` shows it under a
/// failed test.
pub fn trace(bundle: &Bundle, outcome: &Outcome, only: Option<&[&str]>) -> String {
    let r = Render::new(bundle);
    let mut out = String::new();
    let fired: Vec<&str> = outcome.fired.iter().map(String::as_str).collect();
    fired_line(&fired, "", &mut out);
    for a in &outcome.advice {
        if only.is_some_and(|o| !o.contains(&a.exercise.as_str())) {
            continue;
        }
        let _ = writeln!(out, "{}: {}", a.exercise, a.action.as_str());
        r.trace(a, "  ", &mut out);
    }
    for e in only.unwrap_or_default() {
        if outcome.get(e).is_none() {
            let _ = writeln!(out, "{e}: nothing (no fired rule advises it)");
        }
    }
    out
}

/// `fired: a, b`, or `fired: no rule`.
fn fired_line(fired: &[&str], indent: &str, out: &mut String) {
    if fired.is_empty() {
        let _ = writeln!(out, "{indent}fired: no rule");
    } else {
        let _ = writeln!(out, "{indent}fired: {}", fired.join(", "));
    }
}

/// `recommend — or avoid if new_to_exercise; or caution if overweight and herniated_disc`.
fn alternatives(e: &ExerciseOutcome) -> String {
    let Some(first) = e.first() else {
        return String::new();
    };
    let mut text = value_str(first.advice).to_string();
    let assumed = assumption(&first.assumes);
    if !assumed.is_empty() {
        text.push_str(&format!(" if {assumed}"));
    }
    let others: Vec<String> = e
        .possible
        .iter()
        .filter(|p| !std::ptr::eq(*p, first))
        .map(|p| {
            let assumed = assumption(&p.assumes);
            if assumed.is_empty() {
                format!("or {}", value_str(p.advice))
            } else {
                format!("or {} if {assumed}", value_str(p.advice))
            }
        })
        .collect();
    if !others.is_empty() {
        text.push_str(" — ");
        text.push_str(&others.join("; "));
    }
    text
}

/// Indents of the details under an advice.
const DETAIL: &str = "             ";
const DEEPER: &str = "               ";

fn protect(v: Value) -> i16 {
    v.map_or(-1, |a| a.protectiveness() as i16)
}

/// Bundle lookups for the text.
struct Render<'b> {
    bundle: &'b Bundle,
    /// Direct precedence by rule index: `overrides` and the edges `prevails` stands for.
    precedence: Vec<Vec<usize>>,
    labels: HashMap<&'b str, &'b str>,
    rules: HashMap<&'b str, usize>,
}

impl<'b> Render<'b> {
    fn new(bundle: &'b Bundle) -> Render<'b> {
        let v = &bundle.vocabulary;
        let mut labels = HashMap::new();
        for f in v.conditions.iter().chain(&v.factors) {
            if let Some(l) = &f.label {
                labels.insert(f.id.as_str(), l.as_str());
            }
        }
        for m in &v.measures {
            if let Some(l) = &m.label {
                labels.insert(m.id.as_str(), l.as_str());
            }
        }
        for e in &v.exercises {
            if let Some(l) = &e.label {
                labels.insert(e.id.as_str(), l.as_str());
            }
        }
        let rules = bundle
            .rules
            .iter()
            .enumerate()
            .map(|(i, r)| (r.id.as_str(), i))
            .collect();
        Render {
            bundle,
            precedence: crate::bundle::precedence(bundle),
            labels,
            rules,
        }
    }

    fn exercise_label(&self, id: &str) -> Option<&'b str> {
        self.labels.get(id).copied()
    }

    /// `bed_rest: Lying in bed for days`, or the id alone.
    fn exercise_title(&self, id: &str) -> String {
        match self.exercise_label(id) {
            Some(l) => format!("{id}: {l}"),
            None => id.to_string(),
        }
    }

    fn header(&self, o: &PartialOutcome, out: &mut String) {
        let k = &o.knowledge;
        let mut given: Vec<String> = k
            .given
            .facts
            .iter()
            .map(|f| match k.given.implied.get(f) {
                Some(by) => format!("{f} (implied by {by})"),
                None => f.clone(),
            })
            .collect();
        given.extend(
            k.given
                .measures
                .iter()
                .map(|(m, v)| format!("{m} = {}", crate::bundle::canonical::number(*v))),
        );
        if given.is_empty() {
            out.push_str("Patient: nothing given\n");
        } else {
            let _ = writeln!(out, "Patient: {}", given.join(", "));
        }
        if !k.not.is_empty() {
            let not: Vec<&str> = k.not.iter().map(String::as_str).collect();
            let _ = writeln!(out, "Known not to hold: {}", not.join(", "));
        }
        let mut unknown: Vec<&str> = k
            .unknown_facts
            .iter()
            .filter(|f| !o.follows.iter().any(|(g, _)| g == *f))
            .map(String::as_str)
            .collect();
        unknown.extend(k.unknown_measures.iter().map(String::as_str));
        if !unknown.is_empty() {
            let _ = writeln!(out, "Not known yet: {}", unknown.join(", "));
        }
        for (f, holds) in &o.follows {
            let why = self.why_follows(f, o);
            let _ = writeln!(
                out,
                "Follows from what is known: {f} {}{why}",
                if *holds { "holds" } else { "does not hold" }
            );
        }
    }

    /// Why an unknown fact's value follows from what is known, in words: `: it is exclusive
    /// with chronic (`stage`)`, `: it excludes frail`, `: it implies beginner, which does not
    /// hold`. Empty when no single declaration says it.
    fn why_follows(&self, fact: &str, o: &PartialOutcome) -> String {
        let given = &o.knowledge.given;
        let v = &self.bundle.vocabulary;
        for x in &v.exclusive {
            if !x.members.iter().any(|m| m == fact) {
                continue;
            }
            if let Some(g) = x.members.iter().find(|m| given.facts.contains(*m)) {
                let label = x
                    .label
                    .as_deref()
                    .map(|l| format!(", \"{l}\""))
                    .unwrap_or_default();
                return format!(": it is exclusive with {g} (`{}`{label})", x.id);
            }
        }
        let facts: Vec<&crate::bundle::FactEntry> = v.conditions.iter().chain(&v.factors).collect();
        for f in &facts {
            let excluded = (f.id == fact)
                .then(|| f.excludes.iter().find(|g| given.facts.contains(*g)))
                .flatten()
                .or_else(|| {
                    (given.facts.contains(&f.id) && f.excludes.iter().any(|g| g == fact))
                        .then_some(&f.id)
                });
            if let Some(g) = excluded {
                return format!(": it cannot hold with {g} (`excludes`)");
            }
        }
        if let Some(f) = facts.iter().find(|f| f.id == fact)
            && let Some(g) = f.implies.iter().find(|g| {
                let follows_false = o.follows.iter().any(|(h, v)| h == *g && !v);
                !given.facts.contains(*g)
                    && (follows_false || !o.knowledge.unknown_facts.contains(*g))
            })
        {
            return format!(": it implies {g}, which does not hold");
        }
        String::new()
    }

    /// Referrals first: the exercises to do only after a clinician has assessed the patient,
    /// grouped by what that depends on.
    fn referrals(&self, o: &PartialOutcome, out: &mut String) {
        let mut by: Vec<(String, Vec<&str>)> = Vec::new();
        for e in &o.exercises {
            for p in &e.possible {
                if p.advice != Some(Action::Refer) {
                    continue;
                }
                let when = assumption(&p.assumes);
                match by.iter_mut().find(|(w, _)| *w == when) {
                    Some((_, list)) => list.push(&e.exercise),
                    None => by.push((when, vec![&e.exercise])),
                }
            }
        }
        if by.is_empty() {
            return;
        }
        by.sort_by(|a, b| (!a.0.is_empty(), &a.0).cmp(&(!b.0.is_empty(), &b.0)));
        out.push_str("\nReferral: a clinician should assess the patient first\n");
        for (when, list) in by {
            let n = list.len();
            let what = format!(
                "{n} exercise{}: {}",
                if n == 1 { "" } else { "s" },
                list.join(", ")
            );
            if when.is_empty() {
                let _ = writeln!(out, "  before {what}");
            } else {
                let _ = writeln!(out, "  if {when}: before {what}");
            }
        }
    }

    /// The rules that fire for a patient, in bundle order.
    fn fired(&self, patient: &Patient) -> Vec<&'b str> {
        self.bundle
            .rules
            .iter()
            .filter(|r| r.when.holds(patient))
            .map(|r| r.id.as_str())
            .collect()
    }

    /// Dose, `because` and citations of the rules that decide a possible advice.
    fn details(&self, p: &Possible, indent: &str, out: &mut String) {
        let Some(advice) = &p.trace else { return };
        for id in &advice.rules {
            let Some(&i) = self.rules.get(id.as_str()) else {
                continue;
            };
            let rule = &self.bundle.rules[i];
            if let Some(dose) = &rule.dose {
                let _ = writeln!(out, "{indent}dose: {}", dose.to_text());
            }
            match &rule.because {
                Some(b) => {
                    let _ = writeln!(out, "{indent}because: {b} ({id})");
                }
                None => {
                    let _ = writeln!(out, "{indent}rule: {id}");
                }
            }
            for c in &rule.cite {
                let text = self
                    .bundle
                    .vocabulary
                    .sources
                    .iter()
                    .find(|s| s.id == c.source)
                    .map_or(c.source.as_str(), |s| s.text.as_str());
                match &c.locator {
                    Some(at) => {
                        let _ = writeln!(out, "{indent}source: {text} — at \"{at}\"");
                    }
                    None => {
                        let _ = writeln!(out, "{indent}source: {text}");
                    }
                }
            }
            if let Some(stop) = &rule.stop_if {
                let _ = writeln!(out, "{indent}stop if: {stop}");
            }
        }
    }

    /// The override chain from rule `from` down to rule `to`: `from → middle → to`.
    fn chain(&self, from: &str, to: &str) -> Vec<String> {
        let (Some(&start), Some(&goal)) = (self.rules.get(from), self.rules.get(to)) else {
            return vec![from.to_string(), to.to_string()];
        };
        let mut parent: HashMap<usize, usize> = HashMap::new();
        let mut queue = VecDeque::from([start]);
        while let Some(r) = queue.pop_front() {
            if r == goal {
                break;
            }
            for &next in &self.precedence[r] {
                if next != start && !parent.contains_key(&next) {
                    parent.insert(next, r);
                    queue.push_back(next);
                }
            }
        }
        let mut path = vec![goal];
        let mut at = goal;
        while at != start {
            match parent.get(&at) {
                Some(&p) => {
                    path.push(p);
                    at = p;
                }
                None => return vec![from.to_string(), to.to_string()],
            }
        }
        path.reverse();
        path.into_iter()
            .map(|r| self.bundle.rules[r].id.clone())
            .collect()
    }

    /// Every rule that advised the exercise and what became of its advice, in words, one line
    /// each after `indent`.
    fn trace(&self, a: &Advice, indent: &str, out: &mut String) {
        let width = a
            .advised
            .iter()
            .map(|c| c.rule.chars().count())
            .max()
            .unwrap_or(0);
        for c in &a.advised {
            let why = match c.outcome {
                "overridden" => {
                    let by: Vec<String> = c
                        .overridden_by
                        .iter()
                        .map(|s| {
                            let chain = self.chain(s, &c.rule);
                            if chain.len() > 2 {
                                format!(
                                    "{s} takes precedence over it through {}",
                                    chain.join(" → ")
                                )
                            } else {
                                format!("{s} takes precedence over it")
                            }
                        })
                        .collect();
                    format!("dropped: {}", by.join("; "))
                }
                "outweighed" => format!(
                    "not followed: {} ({}) is more protective",
                    a.action.as_str(),
                    a.rules.join(", ")
                ),
                _ => "decides".to_string(),
            };
            let dose = c
                .dose
                .as_ref()
                .map(|d| format!(" [{}]", d.to_text()))
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "{indent}{:<9} {:<width$}  {why}{dose}",
                c.action.as_str(),
                c.rule
            );
        }
    }
}

// ---- JSON ------------------------------------------------------------------------------------

#[derive(Serialize)]
struct Json<'a> {
    format: &'static str,
    version: u64,
    ruleset: JsonRuleset<'a>,
    known: JsonKnown<'a>,
    unknown: JsonUnknown<'a>,
    follows: Vec<JsonFollows<'a>>,
    exercises: Vec<JsonExercise<'a>>,
    ask_next: Vec<JsonAsk<'a>>,
}

#[derive(Serialize)]
struct JsonRuleset<'a> {
    name: &'a str,
    version: &'a str,
    digest: &'a str,
}

#[derive(Serialize)]
struct JsonKnown<'a> {
    facts: Vec<&'a str>,
    implied: BTreeMap<&'a str, &'a str>,
    not: Vec<&'a str>,
    measures: BTreeMap<&'a str, Num>,
}

#[derive(Serialize)]
struct JsonUnknown<'a> {
    facts: Vec<&'a str>,
    measures: Vec<&'a str>,
}

#[derive(Serialize)]
struct JsonFollows<'a> {
    fact: &'a str,
    holds: bool,
}

#[derive(Serialize)]
struct JsonExercise<'a> {
    exercise: &'a str,
    status: &'static str,
    possible: Vec<JsonPossible<'a>>,
    depends_on: &'a [String],
}

#[derive(Serialize)]
struct JsonPatient<'a> {
    facts: Vec<&'a str>,
    measures: BTreeMap<&'a str, Num>,
}

impl<'a> JsonPatient<'a> {
    fn of(p: &'a Patient) -> JsonPatient<'a> {
        JsonPatient {
            facts: p.facts.iter().map(String::as_str).collect(),
            measures: p
                .measures
                .iter()
                .map(|(k, v)| (k.as_str(), Num(*v)))
                .collect(),
        }
    }
}

#[derive(Serialize)]
struct JsonPossible<'a> {
    advice: Option<&'static str>,
    assumes: JsonPatient<'a>,
    witness: JsonPatient<'a>,
    decided_by: Vec<&'a str>,
}

#[derive(Serialize)]
struct JsonAsk<'a> {
    name: &'a str,
    kind: &'static str,
    exercises: &'a [String],
}

impl<'a> Json<'a> {
    fn of(o: &'a PartialOutcome, bundle: &'a Bundle) -> Json<'a> {
        let k = &o.knowledge;
        Json {
            format: FORMAT,
            version: VERSION,
            ruleset: JsonRuleset {
                name: &bundle.ruleset.name,
                version: &bundle.ruleset.version,
                digest: &bundle.digest,
            },
            known: JsonKnown {
                facts: k.given.facts.iter().map(String::as_str).collect(),
                implied: k
                    .given
                    .implied
                    .iter()
                    .map(|(f, by)| (f.as_str(), by.as_str()))
                    .collect(),
                not: k.not.iter().map(String::as_str).collect(),
                measures: k
                    .given
                    .measures
                    .iter()
                    .map(|(m, v)| (m.as_str(), Num(*v)))
                    .collect(),
            },
            unknown: JsonUnknown {
                facts: k.unknown_facts.iter().map(String::as_str).collect(),
                measures: k.unknown_measures.iter().map(String::as_str).collect(),
            },
            follows: o
                .follows
                .iter()
                .map(|(f, holds)| JsonFollows {
                    fact: f,
                    holds: *holds,
                })
                .collect(),
            exercises: o
                .exercises
                .iter()
                .map(|e| JsonExercise {
                    exercise: &e.exercise,
                    status: e.status.as_str(),
                    possible: e
                        .possible
                        .iter()
                        .map(|p| JsonPossible {
                            advice: p.advice.map(Action::as_str),
                            assumes: JsonPatient::of(&p.assumes),
                            witness: JsonPatient::of(&p.witness),
                            decided_by: p
                                .trace
                                .as_ref()
                                .map(|t| t.rules.iter().map(String::as_str).collect())
                                .unwrap_or_default(),
                        })
                        .collect(),
                    depends_on: &e.depends_on,
                })
                .collect(),
            ask_next: o
                .ask_next
                .iter()
                .map(|a| JsonAsk {
                    name: &a.name,
                    kind: a.kind,
                    exercises: &a.exercises,
                })
                .collect(),
        }
    }
}
