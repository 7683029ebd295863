//! Renderings of a [`Diff`]: for people (terminal), Markdown (a pull-request comment) and JSON.

use std::fmt::Write as _;

use serde_json::{Value, json};

use super::{ConflictEntry, Diff, Transition};
use crate::bundle::canonical;
use crate::model::Action;

fn advice(a: Option<Action>) -> &'static str {
    a.map_or("no advice", Action::as_str)
}

/// `sciatica, overweight, age = 70`, or `a patient with no facts`.
fn patient(t: &Transition) -> String {
    let mut parts: Vec<String> = t.facts.clone();
    parts.extend(
        t.measures
            .iter()
            .map(|(m, v)| format!("{m} = {}", canonical::number(*v))),
    );
    if parts.is_empty() {
        "no facts".to_string()
    } else {
        parts.join(", ")
    }
}

/// What each version's `implies` adds to the given facts: `before: a; after: b, c`, or `None`.
fn implied(t: &Transition) -> Option<String> {
    let mut parts = Vec::new();
    if !t.old_implied.is_empty() {
        parts.push(format!("before: {}", t.old_implied.join(", ")));
    }
    if !t.new_implied.is_empty() {
        parts.push(format!("after: {}", t.new_implied.join(", ")));
    }
    (!parts.is_empty()).then(|| parts.join("; "))
}

fn rules(r: &[String]) -> String {
    if r.is_empty() {
        "no rule".to_string()
    } else {
        r.join(", ")
    }
}

fn conflict(c: &ConflictEntry) -> String {
    let by = c
        .resolved_by
        .as_ref()
        .map_or(String::new(), |b| format!(", resolved by {b}"));
    format!(
        "{} between {} and {} on {}{by}",
        c.kind,
        c.rules[0],
        c.rules[1],
        c.exercises.join(", ")
    )
}

/// The summary line: how many exercises change.
fn headline(d: &Diff) -> String {
    let changes = match d.changes.len() {
        0 if d.undecided.is_empty() => return "no patient's advice changes".to_string(),
        0 => "no change found".to_string(),
        1 => "advice changes for 1 exercise".to_string(),
        n => format!("advice changes for {n} exercises"),
    };
    match d.undecided.len() {
        0 => changes,
        1 => format!("{changes}; 1 exercise could not be compared within the work budget"),
        n => format!("{changes}; {n} exercises could not be compared within the work budget"),
    }
}

/// Lists of declarations, each `(title, items)`.
fn lists(d: &Diff) -> Vec<(&'static str, Vec<String>)> {
    vec![
        ("rules added", d.rules_added.clone()),
        ("rules removed", d.rules_removed.clone()),
        (
            "rules changed",
            d.rules_changed
                .iter()
                .map(|c| format!("{} ({})", c.id, c.what.join(", ")))
                .collect(),
        ),
        (
            "conflicts added",
            d.conflicts_added.iter().map(conflict).collect(),
        ),
        (
            "conflicts removed",
            d.conflicts_removed.iter().map(conflict).collect(),
        ),
        (
            "resolutions changed",
            d.resolutions_changed
                .iter()
                .map(|(o, n)| {
                    format!(
                        "{} between {} and {}: {} → {}",
                        n.kind,
                        n.rules[0],
                        n.rules[1],
                        o.resolved_by.as_deref().unwrap_or("unresolved"),
                        n.resolved_by.as_deref().unwrap_or("unresolved")
                    )
                })
                .collect(),
        ),
        ("facts added", d.facts_added.clone()),
        ("facts removed", d.facts_removed.clone()),
        ("exercises added", d.exercises_added.clone()),
        ("exercises removed", d.exercises_removed.clone()),
    ]
}

/// For a terminal.
pub fn human(d: &Diff) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{} → {}: {}", d.old_name, d.new_name, headline(d));
    for c in &d.changes {
        let _ = writeln!(out, "\n{}:", c.exercise);
        for t in &c.transitions {
            let _ = writeln!(out, "  {} → {}", advice(t.old), advice(t.new));
            let _ = writeln!(out, "    for a patient with {}", patient(t));
            if let Some(i) = implied(t) {
                let _ = writeln!(out, "    implied {i}");
            }
            let _ = writeln!(
                out,
                "    before: {}; after: {}",
                rules(&t.old_rules),
                rules(&t.new_rules)
            );
        }
    }
    if !d.undecided.is_empty() {
        let _ = writeln!(
            out,
            "\nnot decided (too complex for the work budget): {}",
            d.undecided.join(", ")
        );
    }
    for (title, items) in lists(d) {
        if !items.is_empty() {
            let _ = writeln!(out, "\n{title}:");
            for i in items {
                let _ = writeln!(out, "  {i}");
            }
        }
    }
    out
}

fn md_escape(s: &str) -> String {
    s.replace('|', "\\|")
}

/// For a pull-request comment.
pub fn markdown(d: &Diff) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "### Carel: {}\n\n`{}` → `{}`\n",
        headline(d),
        d.old_name,
        d.new_name
    );
    if !d.changes.is_empty() {
        out.push_str("| exercise | before | after | for a patient with | decided before by | decided after by |\n");
        out.push_str("| --- | --- | --- | --- | --- | --- |\n");
        for c in &d.changes {
            for t in &c.transitions {
                let _ = writeln!(
                    out,
                    "| `{}` | {} | **{}** | {} | {} | {} |",
                    c.exercise,
                    advice(t.old),
                    advice(t.new),
                    md_escape(&match implied(t) {
                        Some(i) => format!("{} (implied {i})", patient(t)),
                        None => patient(t),
                    }),
                    md_escape(&rules(&t.old_rules)),
                    md_escape(&rules(&t.new_rules))
                );
            }
        }
        out.push('\n');
    }
    if !d.undecided.is_empty() {
        let _ = writeln!(
            out,
            "**Not decided** (too complex for the work budget): {}\n",
            d.undecided
                .iter()
                .map(|e| format!("`{e}`"))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    for (title, items) in lists(d) {
        if !items.is_empty() {
            let _ = writeln!(out, "**{}{}**\n", title[..1].to_uppercase(), &title[1..]);
            for i in items {
                let _ = writeln!(out, "- {}", md_escape(&i));
            }
            out.push('\n');
        }
    }
    out
}

/// For programs.
pub fn json(d: &Diff) -> Value {
    let conflict = |c: &ConflictEntry| json!({"kind": c.kind, "rules": c.rules, "exercises": c.exercises, "resolved_by": c.resolved_by});
    json!({
        "version": 1,
        "tool": {"name": "carel", "version": env!("CARGO_PKG_VERSION")},
        "old": d.old_name,
        "new": d.new_name,
        "advice_changes": d.advice_changes(),
        "changes": d.changes.iter().map(|c| json!({
            "exercise": c.exercise,
            "transitions": c.transitions.iter().map(|t| json!({
                "old": t.old.map(Action::as_str),
                "new": t.new.map(Action::as_str),
                "witness": {
                    "facts": t.facts,
                    "measures": t.measures,
                    "old_implied": t.old_implied,
                    "new_implied": t.new_implied,
                },
                "old_rules": t.old_rules,
                "new_rules": t.new_rules,
            })).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
        "undecided": d.undecided,
        "rules": {
            "added": d.rules_added,
            "removed": d.rules_removed,
            "changed": d.rules_changed.iter().map(|c| json!({"id": c.id, "what": c.what})).collect::<Vec<_>>(),
        },
        "conflicts": {
            "added": d.conflicts_added.iter().map(conflict).collect::<Vec<_>>(),
            "removed": d.conflicts_removed.iter().map(conflict).collect::<Vec<_>>(),
            "resolution_changed": d.resolutions_changed.iter().map(|(o, n)| json!({
                "old": conflict(o), "new": conflict(n),
            })).collect::<Vec<_>>(),
        },
        "facts": {"added": d.facts_added, "removed": d.facts_removed},
        "exercises": {"added": d.exercises_added, "removed": d.exercises_removed},
    })
}
