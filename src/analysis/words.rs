//! Findings in clinical words: patients, doses, lists of exercises.

use crate::model::{Action, Amount, AmountUnit, Dose, ExerciseId, MeasureId, Model, Patient};

/// `a`, `a and b`, `a, b and c`.
pub fn list<S: AsRef<str>>(items: &[S]) -> String {
    match items {
        [] => String::new(),
        [one] => one.as_ref().to_string(),
        [init @ .., last] => {
            let init: Vec<&str> = init.iter().map(|s| s.as_ref()).collect();
            format!("{} and {}", init.join(", "), last.as_ref())
        }
    }
}

/// A number as a clinician writes it: `71`, `2.5`.
pub fn number(v: f64) -> String {
    crate::syntax::fmt_num(v)
}

/// `lo` or `lo..hi`.
fn span_of(lo: f64, hi: f64) -> String {
    if lo == hi {
        number(lo)
    } else {
        format!("{}..{}", number(lo), number(hi))
    }
}

/// A patient in words: "a patient with herniated_disc and facet_syndrome, age 71"; measures in
/// `unknown` are shown as such ("pain unknown"); a patient with nothing to say is "any patient".
pub fn patient(model: &Model, p: &Patient, unknown: &[MeasureId]) -> String {
    let facts: Vec<&str> = p
        .facts
        .iter()
        .map(|&f| model.facts.get(f).map_or("?", |f| f.name.as_str()))
        .collect();
    let measure = |m: MeasureId| model.measures.get(m).map_or("?", |m| m.name.as_str());
    let mut parts = Vec::new();
    if !facts.is_empty() {
        parts.push(list(&facts));
    }
    parts.extend(
        p.measures
            .iter()
            .map(|&(m, v)| format!("{} {}", measure(m), number(v))),
    );
    parts.extend(unknown.iter().map(|&m| format!("{} unknown", measure(m))));
    if parts.is_empty() {
        "any patient".to_string()
    } else {
        format!("a patient with {}", parts.join(", "))
    }
}

/// Exercise names in the given order, all of them.
pub fn exercise_names(model: &Model, exercises: &[ExerciseId]) -> Vec<String> {
    exercises
        .iter()
        .map(|&e| {
            model
                .exercises
                .get(e)
                .map_or_else(|| "?".to_string(), |e| e.name.clone())
        })
        .collect()
}

/// Exercises for a one-line message: all of them up to five, else the first four and a count.
pub fn exercises_short(model: &Model, exercises: &[ExerciseId]) -> String {
    let names = exercise_names(model, exercises);
    if names.len() <= 5 {
        list(&names)
    } else {
        format!("{} and {} more", names[..4].join(", "), names.len() - 4)
    }
}

/// What a rule does to an exercise, as a verb phrase: "recommends it", "says to avoid them".
pub fn advises(action: Action, object: &str) -> String {
    match action {
        Action::Recommend => format!("recommends {object}"),
        Action::Consider => format!("suggests considering {object}"),
        Action::Caution => format!("advises caution with {object}"),
        Action::Refer => format!("refers {object} to a clinician"),
        Action::Avoid => format!("says to avoid {object}"),
    }
}

/// "it" or "them".
pub fn pronoun(count: usize) -> &'static str {
    if count == 1 { "it" } else { "them" }
}

/// A dose as written in Carel: `10..20 min every 3 h`, `at least 150 min per week in bouts of
/// at least 10 min`. One text for a dose wherever it is shown: the bundle's, which `carel eval`
/// and the bundle's users print too.
pub fn dose(d: &Dose) -> String {
    crate::bundle::dose(d).to_text()
}

/// How often a dose is taken, per week, in words: "once a week", "56 times a week".
pub fn weekly(lo: f64, hi: f64) -> String {
    let round = |v: f64| (v * 100.0).round() / 100.0;
    let (lo, hi) = (round(lo), round(hi));
    if lo == hi && lo == 1.0 {
        "once a week".to_string()
    } else {
        format!("{} times a week", span_of(lo, hi))
    }
}

/// The amount of a dose in minutes, in words, when its unit is a time.
pub fn minutes(a: &Amount) -> Option<String> {
    let factor = match a.unit {
        AmountUnit::Min => 1.0,
        AmountUnit::H => 60.0,
        AmountUnit::Reps | AmountUnit::Sets => return None,
    };
    Some(format!("{} min", span_of(a.lo * factor, a.hi * factor)))
}
