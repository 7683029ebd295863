//! Rules, conditions, doses and patients in plain English, read from a bundle's JSON.
//!
//! The report works on the bundle as JSON (format 1 or 2) rather than on the compiler's own
//! types, so it shows exactly the document apps execute, and optional version-2 parts
//! (`refer`, `except`, `prevails`, `stop_if`, citation locators, dose parts) are shown
//! whenever the bundle has them.

use std::collections::BTreeMap;

use serde_json::Value;

/// The labels of everything a bundle names, by id.
pub struct Vocab {
    facts: BTreeMap<String, Option<String>>,
    measures: BTreeMap<String, (Option<String>, Option<String>)>,
    exercises: BTreeMap<String, Option<String>>,
    categories: BTreeMap<String, Option<String>>,
    /// Exercises of each category (every level below it), sorted by id.
    members: BTreeMap<String, Vec<String>>,
    sources: BTreeMap<String, String>,
}

pub fn str_of<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str)
}

pub fn list_of<'a>(v: &'a Value, key: &str) -> &'a [Value] {
    v.get(key)
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[])
}

pub fn strings_of(v: &Value, key: &str) -> Vec<String> {
    list_of(v, key)
        .iter()
        .filter_map(|x| x.as_str().map(str::to_string))
        .collect()
}

impl Vocab {
    pub fn new(bundle: &Value) -> Vocab {
        let voc = &bundle["vocabulary"];
        let labelled = |key: &str| -> BTreeMap<String, Option<String>> {
            list_of(voc, key)
                .iter()
                .filter_map(|e| {
                    Some((
                        str_of(e, "id")?.to_string(),
                        str_of(e, "label").map(str::to_string),
                    ))
                })
                .collect()
        };
        let mut facts = labelled("conditions");
        facts.extend(labelled("factors"));
        let measures = list_of(voc, "measures")
            .iter()
            .filter_map(|m| {
                Some((
                    str_of(m, "id")?.to_string(),
                    (
                        str_of(m, "label").map(str::to_string),
                        str_of(m, "unit").map(str::to_string),
                    ),
                ))
            })
            .collect();
        let parents: BTreeMap<String, Vec<String>> = list_of(voc, "categories")
            .iter()
            .filter_map(|c| Some((str_of(c, "id")?.to_string(), strings_of(c, "parents"))))
            .collect();
        let mut members: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for e in list_of(voc, "exercises") {
            let Some(id) = str_of(e, "id") else { continue };
            // Every ancestor of the exercise's categories; the bundle has no category cycles.
            let mut todo = strings_of(e, "categories");
            let mut seen: Vec<String> = Vec::new();
            while let Some(c) = todo.pop() {
                if seen.contains(&c) || seen.len() > parents.len() {
                    continue;
                }
                todo.extend(parents.get(&c).cloned().unwrap_or_default());
                seen.push(c);
            }
            for c in seen {
                members.entry(c).or_default().push(id.to_string());
            }
        }
        for m in members.values_mut() {
            m.sort();
            m.dedup();
        }
        Vocab {
            facts,
            measures,
            exercises: labelled("exercises"),
            categories: labelled("categories"),
            members,
            sources: list_of(voc, "sources")
                .iter()
                .filter_map(|s| {
                    Some((
                        str_of(s, "id")?.to_string(),
                        str_of(s, "text").unwrap_or_default().to_string(),
                    ))
                })
                .collect(),
        }
    }

    /// A fact as it reads inside a sentence: its label up to the first colon, in lower case
    /// unless it starts with an abbreviation ("sciatica", "BMI above …"); the id without one.
    pub fn fact(&self, id: &str) -> String {
        match self.facts.get(id) {
            Some(Some(label)) => in_sentence(short(label)),
            _ => id.replace('_', " "),
        }
    }

    /// The full label of a fact, or its id.
    pub fn fact_label(&self, id: &str) -> String {
        match self.facts.get(id) {
            Some(Some(label)) => label.clone(),
            _ => id.to_string(),
        }
    }

    pub fn measure(&self, id: &str) -> String {
        match self.measures.get(id) {
            Some((Some(label), _)) => in_sentence(short(label)),
            _ => id.replace('_', " "),
        }
    }

    pub fn unit(&self, id: &str) -> Option<&str> {
        self.measures.get(id).and_then(|(_, u)| u.as_deref())
    }

    /// An exercise or category by its label ("Hamstring stretch"); a category says how many
    /// exercises it holds.
    pub fn target(&self, id: &str) -> String {
        if let Some(label) = self.exercises.get(id) {
            return label.clone().unwrap_or_else(|| id.replace('_', " "));
        }
        let label = match self.categories.get(id) {
            Some(Some(l)) => l.clone(),
            _ => id.replace('_', " "),
        };
        let n = self.members.get(id).map_or(0, Vec::len);
        format!(
            "{label} (all {n} exercise{})",
            if n == 1 { "" } else { "s" }
        )
    }

    pub fn exercise(&self, id: &str) -> String {
        match self.exercises.get(id) {
            Some(Some(l)) => l.clone(),
            _ => id.replace('_', " "),
        }
    }

    /// The first sentence of a source's citation text, or its id.
    pub fn source_title(&self, id: &str) -> String {
        match self.sources.get(id) {
            Some(text) => clip(first_sentence(text).trim_end_matches('.'), 90),
            None => id.to_string(),
        }
    }
}

/// A label up to its first `: ` ("Sciatica: pain spreading …" → "Sciatica").
fn short(label: &str) -> &str {
    label
        .split_once(": ")
        .map_or(label, |(head, _)| head)
        .trim()
}

/// Lower-case the first letter unless the word is an abbreviation ("BMI", "NRS").
fn in_sentence(label: &str) -> String {
    let mut chars = label.chars();
    match (chars.next(), chars.next()) {
        (Some(a), Some(b)) if a.is_uppercase() && !b.is_uppercase() => {
            a.to_lowercase().chain(label.chars().skip(1)).collect()
        }
        _ => label.to_string(),
    }
}

/// Text up to the end of its first sentence (". ").
pub fn first_sentence(text: &str) -> String {
    match text.find(". ") {
        Some(i) => text[..=i].to_string(),
        None => text.to_string(),
    }
}

/// At most `max` characters, cut at a word and marked with `…` when longer.
pub fn clip(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let cut: String = text.chars().take(max).collect();
    let cut = match cut.rfind(' ') {
        Some(i) if i > max / 2 => &cut[..i],
        _ => &cut[..],
    };
    format!("{}…", cut.trim_end_matches([',', ';', ':', ' ']))
}

/// A number as a clinician writes it: `65`, `2.5`.
pub fn number(v: &Value) -> String {
    match v.as_f64() {
        Some(x) if x == x.trunc() && x.abs() < 1e15 => format!("{}", x as i64),
        Some(x) => format!("{x}"),
        None => v.to_string(),
    }
}

/// `a`, `a and b`, `a, b and c` (or `or`).
pub fn join(items: &[String], word: &str) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} {word} {last}", init.join(", ")),
    }
}

/// A condition as a description of the patient: "sciatica and age at least 65 years".
pub fn condition(v: &Vocab, w: &Value) -> String {
    cond(v, w, 0)
}

fn cond(v: &Vocab, w: &Value, depth: usize) -> String {
    if depth > 64 {
        return "…".to_string();
    }
    if w.get("always").is_some() {
        return "every patient".to_string();
    }
    if let Some(f) = str_of(w, "fact") {
        return v.fact(f);
    }
    if let Some(m) = str_of(w, "measure") {
        let unit = v.unit(m).map(|u| format!(" {u}")).unwrap_or_default();
        let name = v.measure(m);
        if let Some(range) = w.get("in") {
            return format!(
                "{name} from {} to {}{unit}",
                number(&range["min"]),
                number(&range["max"])
            );
        }
        let value = number(&w["value"]);
        let op = match str_of(w, "op").unwrap_or_default() {
            "<" => "under",
            "<=" => "at most",
            ">" => "over",
            ">=" => "at least",
            "=" => "exactly",
            "!=" => "other than",
            other => other,
        };
        return format!("{name} {op} {value}{unit}");
    }
    if let Some(inner) = w.get("not") {
        return match str_of(inner, "fact") {
            Some(f) => format!("without {}", v.fact(f)),
            None => format!("not ({})", cond(v, inner, depth + 1)),
        };
    }
    for (key, word) in [("all", "and"), ("any", "or")] {
        if let Some(items) = w.get(key).and_then(Value::as_array) {
            let parts: Vec<String> = items
                .iter()
                .map(|x| {
                    let text = cond(v, x, depth + 1);
                    let compound = x.get("all").is_some() || x.get("any").is_some();
                    if compound { format!("({text})") } else { text }
                })
                .collect();
            return join(&parts, word);
        }
    }
    "?".to_string()
}

/// The opening of a rule's sentence: "For patients with sciatica, unless they have facet joint
/// syndrome" or "For every patient".
pub fn who(v: &Vocab, w: &Value) -> String {
    if w.get("always").is_some() {
        return "For every patient".to_string();
    }
    let parts: Vec<&Value> = match w.get("all").and_then(Value::as_array) {
        Some(items) => items.iter().collect(),
        None => vec![w],
    };
    let (negative, positive): (Vec<&Value>, Vec<&Value>) =
        parts.into_iter().partition(|p| p.get("not").is_some());
    let pos: Vec<String> = positive
        .iter()
        .map(|p| {
            let text = condition(v, p);
            if p.get("any").is_some() && positive.len() > 1 {
                format!("({text})")
            } else {
                text
            }
        })
        .collect();
    let neg: Vec<String> = negative.iter().map(|p| condition(v, &p["not"])).collect();
    let mut out = if pos.is_empty() {
        "For every patient".to_string()
    } else {
        format!("For patients with {}", join(&pos, "and"))
    };
    if !neg.is_empty() {
        out.push_str(&format!(", unless {}", join(&neg, "or")));
    }
    out
}

/// The verb of an action, as the report writes it.
pub fn action_words(action: &str) -> &'static str {
    match action {
        "avoid" => "avoid",
        "refer" => "see a clinician first for",
        "caution" => "only with care (stop if pain rises)",
        "recommend" => "recommend",
        "consider" => "consider",
        _ => "advise",
    }
}

/// The protectiveness of an action: avoid > refer > caution > recommend > consider.
pub fn protectiveness(action: &str) -> u8 {
    match action {
        "avoid" => 4,
        "refer" => 3,
        "caution" => 2,
        "recommend" => 1,
        _ => 0,
    }
}

/// What a rule advises, as written: "the hamstring stretch and stretching (all 6 exercises),
/// except …".
pub fn targets(v: &Vocab, rule: &Value) -> String {
    let names: Vec<String> = strings_of(rule, "targets")
        .iter()
        .map(|t| v.target(t))
        .collect();
    let mut out = join(&names, "and");
    let except: Vec<String> = strings_of(rule, "except")
        .iter()
        .map(|t| v.target(t))
        .collect();
    if !except.is_empty() {
        out.push_str(&format!(", except {}", join(&except, "and")));
    }
    out
}

/// The whole advice of a rule in one sentence, without its condition.
pub fn advice(v: &Vocab, rule: &Value) -> String {
    let action = str_of(rule, "action").unwrap_or_default();
    let mut out = match action {
        "caution" => format!("{} — only with care (stop if pain rises)", targets(v, rule)),
        "refer" => format!(
            "refer to a clinician before {} (do them only as they advise)",
            targets(v, rule)
        ),
        other => format!("{} {}", action_words(other), targets(v, rule)),
    };
    if let Some(d) = rule.get("dose").filter(|d| !d.is_null()) {
        out.push_str(&format!(", {}", dose(d)));
    }
    out
}

fn unit_words(unit: &str) -> &str {
    match unit {
        "min" => "minutes",
        "h" => "hours",
        other => other,
    }
}

fn range(r: &Value) -> String {
    let (lo, hi) = (number(&r["min"]), number(&r["max"]));
    if lo == hi {
        lo
    } else {
        format!("{lo} to {hi}")
    }
}

fn amount(a: &Value) -> String {
    let unit = unit_words(str_of(a, "unit").unwrap_or_default());
    let bound = match str_of(a, "bound") {
        Some("at_least") => "at least ",
        Some("up_to") => "up to ",
        _ => "",
    };
    format!("{bound}{} {unit}", range(a))
}

fn frequency(f: &Value) -> String {
    if let Some(r) = f.get("every_hours") {
        return format!("every {} hours", range(r));
    }
    let per = str_of(f, "per").unwrap_or("day");
    match f.get("times").filter(|t| !t.is_null()) {
        Some(t) if number(&t["min"]) == "1" && number(&t["max"]) == "1" => {
            if per == "day" { "daily" } else { "weekly" }.to_string()
        }
        Some(t) => format!("{} times a {per}", range(t)),
        None => format!("a {per} in total"),
    }
}

/// A dose in words: "10 to 20 minutes every 3 hours", "at least 30 minutes daily, in bouts of
/// at least 10 minutes, building up to 20 to 30 minutes".
pub fn dose(d: &Value) -> String {
    let mut parts = Vec::new();
    if let Some(a) = d.get("amount").filter(|a| !a.is_null()) {
        parts.push(amount(a));
    }
    if let Some(f) = d.get("frequency").filter(|f| !f.is_null()) {
        parts.push(frequency(f));
    }
    let mut out = parts.join(" ");
    if let Some(b) = d.get("bouts").filter(|b| !b.is_null()) {
        let least = if b.get("at_least").and_then(Value::as_bool) == Some(true) {
            "at least "
        } else {
            ""
        };
        out.push_str(&format!(
            ", in bouts of {least}{} {}",
            range(b),
            unit_words(str_of(b, "unit").unwrap_or_default())
        ));
    }
    if let Some(p) = d.get("progression").filter(|p| !p.is_null()) {
        let mut target = Vec::new();
        if let Some(a) = p.get("amount").filter(|a| !a.is_null()) {
            target.push(amount(a));
        }
        if let Some(f) = p.get("frequency").filter(|f| !f.is_null()) {
            target.push(frequency(f));
        }
        out.push_str(&format!(", building up to {}", target.join(" ")));
    }
    out
}

/// A rule's citations: `(source id, locator)` pairs, from format 1 (`"id"`) or format 2
/// (`{"source", "locator"}`).
pub fn citations(rule: &Value) -> Vec<(String, Option<String>)> {
    list_of(rule, "cite")
        .iter()
        .filter_map(|c| match c {
            Value::String(s) => Some((s.clone(), None)),
            other => Some((
                str_of(other, "source")?.to_string(),
                str_of(other, "locator").map(str::to_string),
            )),
        })
        .collect()
}

/// A patient (a witness) in words: "a patient with sciatica and facet joint syndrome, age 65
/// years"; "any patient" when nothing is true or known.
pub fn patient(v: &Vocab, witness: &Value) -> String {
    let mut parts: Vec<String> = strings_of(witness, "facts")
        .iter()
        .map(|f| v.fact(f))
        .collect();
    if let Some(ms) = witness.get("measures").and_then(Value::as_object) {
        for (m, value) in ms {
            let unit = v.unit(m).map(|u| format!(" {u}")).unwrap_or_default();
            parts.push(format!("{} {}{unit}", v.measure(m), number(value)));
        }
    }
    if parts.is_empty() {
        "any patient (no fact needs to hold)".to_string()
    } else {
        format!("a patient with {}", join(&parts, "and"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn vocab() -> Vocab {
        Vocab::new(&json!({"vocabulary": {
            "conditions": [{"id": "sciatica", "label": "Sciatica: pain down the leg"},
                           {"id": "facet", "label": "Facet joint syndrome"}],
            "factors": [{"id": "bmi", "label": "BMI above the healthy range"}, {"id": "x", "label": null}],
            "exclusive": [],
            "measures": [{"id": "age", "label": "Age", "unit": "years", "min": 0, "max": 120}],
            "categories": [{"id": "stretching", "label": "Stretching", "parents": []}],
            "exercises": [{"id": "ham", "label": "Hamstring stretch", "categories": ["stretching"]},
                          {"id": "calf", "label": null, "categories": ["stretching"]}],
            "sources": [{"id": "s1", "text": "First article. Web page.", "url": null}]
        }}))
    }

    #[test]
    fn conditions_read_as_sentences() {
        let v = vocab();
        let w = json!({"all": [{"fact": "sciatica"}, {"measure": "age", "op": ">=", "value": 65},
                               {"not": {"fact": "facet"}}, {"not": {"fact": "x"}}]});
        assert_eq!(
            who(&v, &w),
            "For patients with sciatica and age at least 65 years, unless facet joint syndrome or x"
        );
        let w = json!({"any": [{"fact": "bmi"}, {"all": [{"fact": "sciatica"}, {"measure": "age", "in": {"min": 40, "max": 60.5}}]}]});
        assert_eq!(
            who(&v, &w),
            "For patients with BMI above the healthy range or (sciatica and age from 40 to 60.5 years)"
        );
        assert_eq!(who(&v, &json!({"always": true})), "For every patient");
        assert_eq!(
            condition(
                &v,
                &json!({"not": {"any": [{"fact": "x"}, {"fact": "bmi"}]}})
            ),
            "not (x or BMI above the healthy range)"
        );
    }

    #[test]
    fn advice_and_doses() {
        let v = vocab();
        let rule = json!({"action": "recommend", "targets": ["stretching"], "except": ["calf"],
            "dose": {"amount": {"min": 10, "max": 20, "unit": "min"},
                     "frequency": {"every_hours": {"min": 3, "max": 3}}}});
        assert_eq!(
            advice(&v, &rule),
            "recommend Stretching (all 2 exercises), except calf, 10 to 20 minutes every 3 hours"
        );
        let d = json!({"amount": {"min": 30, "max": 30, "unit": "min", "bound": "at_least"},
                       "frequency": {"times": {"min": 1, "max": 1}, "per": "day"},
                       "bouts": {"min": 10, "max": 10, "unit": "min", "at_least": true},
                       "progression": {"amount": {"min": 20, "max": 30, "unit": "min", "bound": "exactly"}, "frequency": null}});
        assert_eq!(
            dose(&d),
            "at least 30 minutes daily, in bouts of at least 10 minutes, building up to 20 to 30 minutes"
        );
        let d = json!({"amount": {"min": 150, "max": 150, "unit": "min"}, "frequency": {"times": null, "per": "week"}});
        assert_eq!(dose(&d), "150 minutes a week in total");
        let rule = json!({"action": "caution", "targets": ["ham"], "dose": null});
        assert_eq!(
            advice(&v, &rule),
            "Hamstring stretch — only with care (stop if pain rises)"
        );
    }

    #[test]
    fn patients_and_citations() {
        let v = vocab();
        assert_eq!(
            patient(
                &v,
                &json!({"facts": ["facet", "sciatica"], "measures": {"age": 65}})
            ),
            "a patient with facet joint syndrome, sciatica and age 65 years"
        );
        assert_eq!(
            citations(&json!({"cite": ["s1", {"source": "s2", "locator": "p. 3"}]})),
            vec![
                ("s1".to_string(), None),
                ("s2".to_string(), Some("p. 3".to_string()))
            ]
        );
        assert_eq!(v.source_title("s1"), "First article");
    }
}
