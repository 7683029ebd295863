//! The FHIR R4 export of a bundle (`carel build --format fhir`).
//!
//! One FHIR `Bundle` of type `collection` holding a `PlanDefinition` (type `eca-rule`) with one
//! `action` per rule, and `ActivityDefinition`s for the exercises. `docs/fhir.md` is the
//! mapping table; this module follows it. The export is deterministic: identical bundles give
//! identical bytes (resource URLs are name-based UUIDs, there is no timestamp).
//!
//! The export describes the rules; it does not replace the evaluator. A FHIR engine that runs
//! the PlanDefinition must still apply §5 (overrides, then the most protective advice), which the
//! `semantics` text of the PlanDefinition states.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use crate::bundle::{Bundle, Dose, Frequency, Rule, SourceEntry, When, canonical};
use crate::model::{Action, AmountUnit, Bound, Evidence, Period, Status, Strength};

/// `PlanDefinition.identifier.system` of the Carel digest of the bundle exported.
pub const DIGEST_SYSTEM: &str = "urn:carel:digest";
/// `Expression.language` of a rule's condition: Carel's own condition syntax.
pub const CONDITION_LANGUAGE: &str = "text/x-carel";
/// The code system of a rule's action (`recommend`, `consider`, `caution`, `refer`, `avoid`).
pub const ACTION_SYSTEM: &str = "urn:carel:action";

const PLAN_TYPE_SYSTEM: &str = "http://terminology.hl7.org/CodeSystem/plan-definition-type";
const STRENGTH_EXTENSION: &str =
    "http://hl7.org/fhir/uv/cpg/StructureDefinition/cpg-strengthOfRecommendation";
const QUALITY_EXTENSION: &str =
    "http://hl7.org/fhir/uv/cpg/StructureDefinition/cpg-qualityOfEvidence";
const STRENGTH_SYSTEM: &str = "http://terminology.hl7.org/CodeSystem/recommendation-strength";
const QUALITY_SYSTEM: &str = "http://terminology.hl7.org/CodeSystem/evidence-quality";
const UCUM: &str = "http://unitsofmeasure.org";

/// A FHIR R4 resource tree ready to be written.
pub struct Export {
    pub value: Value,
}

impl Export {
    /// Pretty-printed with two-space indents and a final newline.
    pub fn to_json(&self) -> String {
        let mut text = serde_json::to_string_pretty(&self.value).unwrap_or_default();
        text.push('\n');
        text
    }
}

/// The digest of the Carel bundle a FHIR export was made from (from the PlanDefinition's
/// identifier), when the value is such an export.
pub fn digest_of_export(value: &Value) -> Option<String> {
    value
        .get("entry")?
        .as_array()?
        .iter()
        .filter_map(|e| e.get("resource"))
        .filter(|r| r.get("resourceType").and_then(Value::as_str) == Some("PlanDefinition"))
        .flat_map(|r| {
            r.get("identifier")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
        })
        .find(|i| i.get("system").and_then(Value::as_str) == Some(DIGEST_SYSTEM))
        .and_then(|i| i.get("value")?.as_str().map(str::to_string))
}

/// A FHIR `id`: letters, digits, `-` and `.`, at most 64 characters. Carel names are
/// `[a-z][a-z0-9_]*`, so `_` becomes `-`; a longer name is cut and made unique by a hash.
pub fn fhir_id(name: &str) -> String {
    let id: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' {
                c
            } else {
                '-'
            }
        })
        .collect();
    if !id.is_empty() && id.len() <= 64 {
        return id;
    }
    let hash = hex(&Sha256::digest(name.as_bytes())[..8]);
    format!("{}-{hash}", &id[..id.len().min(47)])
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A name-based UUID (SHA-256 of the digest and the resource's id, version 8 layout), so the
/// same bundle always gives the same URLs and different bundles never share one.
fn urn(digest: &str, kind: &str, id: &str) -> String {
    let mut h = Sha256::new();
    h.update(digest.as_bytes());
    h.update([0]);
    h.update(kind.as_bytes());
    h.update([0]);
    h.update(id.as_bytes());
    let mut b: [u8; 16] = h.finalize()[..16].try_into().unwrap_or([0; 16]);
    b[6] = (b[6] & 0x0f) | 0x80;
    b[8] = (b[8] & 0x3f) | 0x80;
    let x = hex(&b);
    format!(
        "urn:uuid:{}-{}-{}-{}-{}",
        &x[0..8],
        &x[8..12],
        &x[12..16],
        &x[16..20],
        &x[20..32]
    )
}

/// A computable name (`[A-Z][A-Za-z0-9_]*`): `lower_back_pain` → `LowerBackPain`.
fn computable_name(name: &str) -> String {
    let mut out = String::new();
    for part in name.split(|c: char| !c.is_ascii_alphanumeric()) {
        let mut chars = part.chars();
        if let Some(first) = chars.next() {
            out.push(first.to_ascii_uppercase());
            out.extend(chars);
        }
    }
    if !out.starts_with(|c: char| c.is_ascii_uppercase()) {
        out.insert(0, 'R');
    }
    out
}

/// The rule's condition in Carel syntax, as written in a `.carel` file.
pub fn when_text(w: &When) -> String {
    fn go(w: &When, parent_binds_tighter: bool, out: &mut String) {
        match w {
            When::Always => out.push_str("always"),
            When::Fact(f) => out.push_str(f),
            When::Compare { measure, op, value } => {
                out.push_str(&format!(
                    "{measure} {} {}",
                    op.as_str(),
                    canonical::number(*value)
                ));
            }
            When::In { measure, min, max } => out.push_str(&format!(
                "{measure} in {}..{}",
                canonical::number(*min),
                canonical::number(*max)
            )),
            When::Not(inner) => {
                out.push_str("not ");
                go(inner, true, out);
            }
            When::All(ws) | When::Any(ws) => {
                let joiner = if matches!(w, When::All(_)) {
                    " and "
                } else {
                    " or "
                };
                if parent_binds_tighter {
                    out.push('(');
                }
                for (i, x) in ws.iter().enumerate() {
                    if i > 0 {
                        out.push_str(joiner);
                    }
                    go(x, true, out);
                }
                if parent_binds_tighter {
                    out.push(')');
                }
            }
        }
    }
    let mut out = String::new();
    go(w, false, &mut out);
    out
}

/// Names and labels of the bundle, for readable text.
struct Labels<'b> {
    facts: BTreeMap<&'b str, &'b str>,
    measures: BTreeMap<&'b str, &'b str>,
    exercises: BTreeMap<&'b str, &'b str>,
    targets: BTreeMap<&'b str, &'b str>,
    sources: BTreeMap<&'b str, &'b SourceEntry>,
}

impl<'b> Labels<'b> {
    fn new(b: &'b Bundle) -> Self {
        let v = &b.vocabulary;
        let label = |id: &'b str, l: &'b Option<String>| (id, l.as_deref().unwrap_or(id));
        Labels {
            facts: v
                .conditions
                .iter()
                .chain(&v.factors)
                .map(|f| label(&f.id, &f.label))
                .collect(),
            measures: v.measures.iter().map(|m| label(&m.id, &m.label)).collect(),
            exercises: v.exercises.iter().map(|e| label(&e.id, &e.label)).collect(),
            targets: v
                .exercises
                .iter()
                .map(|e| label(&e.id, &e.label))
                .chain(v.categories.iter().map(|c| label(&c.id, &c.label)))
                .collect(),
            sources: v.sources.iter().map(|s| (s.id.as_str(), s)).collect(),
        }
    }

    /// The condition with labels: `Sciatica and not (Acute)`.
    fn when(&self, w: &When) -> String {
        match w {
            When::Always => "every patient".to_string(),
            When::Fact(f) => self.facts.get(f.as_str()).copied().unwrap_or(f).to_string(),
            When::Compare { measure, op, value } => format!(
                "{} {} {}",
                self.measures
                    .get(measure.as_str())
                    .copied()
                    .unwrap_or(measure),
                op.as_str(),
                canonical::number(*value)
            ),
            When::In { measure, min, max } => format!(
                "{} from {} to {}",
                self.measures
                    .get(measure.as_str())
                    .copied()
                    .unwrap_or(measure),
                canonical::number(*min),
                canonical::number(*max)
            ),
            When::Not(inner) => format!("not ({})", self.when(inner)),
            When::All(ws) => ws
                .iter()
                .map(|x| self.group(x))
                .collect::<Vec<_>>()
                .join(" and "),
            When::Any(ws) => ws
                .iter()
                .map(|x| self.group(x))
                .collect::<Vec<_>>()
                .join(" or "),
        }
    }

    fn group(&self, w: &When) -> String {
        match w {
            When::All(_) | When::Any(_) => format!("({})", self.when(w)),
            _ => self.when(w),
        }
    }
}

fn action_verb(a: Action) -> &'static str {
    match a {
        Action::Recommend => "Recommend",
        Action::Consider => "Consider",
        Action::Caution => "Use caution with",
        Action::Refer => "Refer for assessment before",
        Action::Avoid => "Avoid",
    }
}

fn citation(s: &SourceEntry, locator: Option<&str>) -> Value {
    let mut a = Map::new();
    a.insert("type".into(), json!("citation"));
    a.insert("label".into(), json!(s.id));
    a.insert("display".into(), json!(s.text));
    let mut text = s.text.clone();
    if let Some(l) = locator {
        text.push_str(&format!(" ({l})"));
    }
    a.insert("citation".into(), json!(text));
    if let Some(url) = &s.url {
        a.insert("url".into(), json!(url));
    }
    Value::Object(a)
}

fn strength_extension(s: Strength) -> Value {
    let (code, display) = match s {
        Strength::Strong => ("strong", "Strong"),
        Strength::Conditional => ("weak", "Weak"),
    };
    json!({
        "url": STRENGTH_EXTENSION,
        "valueCodeableConcept": {
            "coding": [{"system": STRENGTH_SYSTEM, "code": code, "display": display}],
            "text": s.as_str()
        }
    })
}

fn quality_extension(e: Evidence) -> Value {
    let coded = match e {
        Evidence::High => Some(("high", "High quality")),
        Evidence::Moderate => Some(("moderate", "Moderate quality")),
        Evidence::Low => Some(("low", "Low quality")),
        Evidence::VeryLow => Some(("very-low", "Very low quality")),
        Evidence::ExpertOpinion => None,
    };
    let concept = match coded {
        Some((code, display)) => json!({
            "coding": [{"system": QUALITY_SYSTEM, "code": code, "display": display}],
            "text": e.as_str()
        }),
        // GRADE has no grade for expert opinion: say it in words only.
        None => json!({"text": "expert opinion"}),
    };
    json!({"url": QUALITY_EXTENSION, "valueCodeableConcept": concept})
}

/// A whole number as FHIR `positiveInt`/`unsignedInt` wants it, when the value is one.
fn whole(x: f64) -> Option<u64> {
    (x.fract() == 0.0 && x >= 1.0 && x <= u32::MAX as f64).then_some(x as u64)
}

fn period_unit(p: Period) -> &'static str {
    match p {
        Period::Day => "d",
        Period::Week => "wk",
    }
}

/// `Timing` for a dose: the whole dose in words as `code.text` (progression included), plus
/// the parts FHIR can hold exactly in `repeat`: how long a session lasts and how often.
fn timing(d: &Dose) -> Value {
    let mut repeat = Map::new();
    let per_period_total = matches!(d.frequency, Some(Frequency::Per { times: None, .. }));
    let time_unit = |u: AmountUnit| match u {
        AmountUnit::Min => Some("min"),
        AmountUnit::H => Some("h"),
        _ => None,
    };
    // A session's length: the amount, unless it is a total per day or week; then the bouts.
    let session = match (&d.amount, &d.bouts) {
        (Some(a), _) if !per_period_total => time_unit(a.unit).map(|u| (a.min, a.max, a.bound, u)),
        (_, Some(b)) => time_unit(b.unit).map(|u| {
            let bound = if b.at_least {
                Bound::AtLeast
            } else {
                Bound::Exactly
            };
            (b.min, b.max, bound, u)
        }),
        _ => None,
    };
    if let Some((min, max, bound, unit)) = session {
        match bound {
            Bound::Exactly => {
                repeat.insert("duration".into(), json!(min));
                if max != min {
                    repeat.insert("durationMax".into(), json!(max));
                }
            }
            Bound::AtLeast => {
                repeat.insert("duration".into(), json!(min));
            }
            Bound::UpTo => {
                repeat.insert("durationMax".into(), json!(max));
            }
        }
        repeat.insert("durationUnit".into(), json!(unit));
    }
    match &d.frequency {
        Some(Frequency::EveryHours(r)) => {
            repeat.insert("frequency".into(), json!(1));
            repeat.insert("period".into(), json!(r.min));
            if r.max != r.min {
                repeat.insert("periodMax".into(), json!(r.max));
            }
            repeat.insert("periodUnit".into(), json!("h"));
        }
        Some(Frequency::Per { times, per }) => {
            if let Some(r) = times
                && let (Some(lo), Some(hi)) = (whole(r.min), whole(r.max))
            {
                repeat.insert("frequency".into(), json!(lo));
                if hi != lo {
                    repeat.insert("frequencyMax".into(), json!(hi));
                }
            }
            repeat.insert("period".into(), json!(1));
            repeat.insert("periodUnit".into(), json!(period_unit(*per)));
        }
        None => {}
    }
    let mut t = Map::new();
    if !repeat.is_empty() {
        t.insert("repeat".into(), Value::Object(repeat));
    }
    t.insert("code".into(), json!({"text": d.to_text()}));
    Value::Object(t)
}

/// `quantity` for an exact count of repetitions or sets.
fn quantity(d: &Dose) -> Option<Value> {
    let a = d.amount.as_ref()?;
    let unit = match a.unit {
        AmountUnit::Reps => "{repetitions}",
        AmountUnit::Sets => "{sets}",
        _ => return None,
    };
    (a.min == a.max && a.bound == Bound::Exactly).then(|| {
        json!({
            "value": a.min,
            "unit": a.unit.as_str(),
            "system": UCUM,
            "code": unit
        })
    })
}

/// The export of a bundle.
pub fn export(b: &Bundle) -> Export {
    let labels = Labels::new(b);
    let digest = &b.digest;
    let mut entries: Vec<Value> = Vec::new();
    let status_of = |s: Status| match s {
        Status::Draft => "draft",
        Status::Active => "active",
        Status::Retired => "retired",
    };

    // ActivityDefinitions: every exercise; a "do not perform" one for each avoided exercise;
    // one per dosed rule and exercise.
    let avoided: BTreeSet<&str> = b
        .rules
        .iter()
        .filter(|r| r.action == Action::Avoid)
        .flat_map(|r| r.exercises.iter().map(String::as_str))
        .collect();
    let mut activities: Vec<Value> = Vec::new();
    let activity = |id: String, title: String, exercise: &str, extra: Map<String, Value>| {
        let url = urn(digest, "ActivityDefinition", &id);
        let mut a = Map::new();
        a.insert("resourceType".into(), json!("ActivityDefinition"));
        a.insert("id".into(), json!(fhir_id(&id)));
        a.insert("url".into(), json!(url));
        a.insert("version".into(), json!(b.ruleset.version));
        a.insert("name".into(), json!(computable_name(&id)));
        a.insert("title".into(), json!(title));
        a.insert("status".into(), json!("active"));
        a.insert("kind".into(), json!("ServiceRequest"));
        a.insert(
            "code".into(),
            json!({"coding": [{"system": "urn:carel:exercise", "code": exercise,
                   "display": labels.exercises.get(exercise).copied().unwrap_or(exercise)}],
                   "text": labels.exercises.get(exercise).copied().unwrap_or(exercise)}),
        );
        a.extend(extra);
        (url, Value::Object(a))
    };
    let mut exercise_url: BTreeMap<&str, String> = BTreeMap::new();
    let mut avoid_url: BTreeMap<&str, String> = BTreeMap::new();
    for e in &b.vocabulary.exercises {
        let label = labels.exercises[e.id.as_str()];
        let (url, a) = activity(
            format!("exercise_{}", e.id),
            label.to_string(),
            &e.id,
            Map::new(),
        );
        exercise_url.insert(&e.id, url);
        activities.push(a);
        if avoided.contains(e.id.as_str()) {
            let mut extra = Map::new();
            extra.insert("doNotPerform".into(), json!(true));
            let (url, a) = activity(
                format!("avoid_{}", e.id),
                format!("Do not perform: {label}"),
                &e.id,
                extra,
            );
            avoid_url.insert(&e.id, url);
            activities.push(a);
        }
    }

    let mut actions: Vec<Value> = Vec::new();
    let mut review_dates: Vec<&str> = Vec::new();
    let mut every_rule_reviewed = true;
    let mut any_draft = false;
    for r in &b.rules {
        any_draft |= r.status == Status::Draft;
        match &r.reviewed {
            Some(d) => review_dates.push(d),
            None => every_rule_reviewed = false,
        }
        let mut sub_actions = Vec::new();
        for e in &r.exercises {
            let label = labels.exercises.get(e.as_str()).copied().unwrap_or(e);
            let url = if r.action == Action::Avoid {
                avoid_url.get(e.as_str())
            } else if r.dose.is_some() {
                None
            } else {
                exercise_url.get(e.as_str())
            };
            let url = match (url, &r.dose) {
                (Some(u), _) => u.clone(),
                (None, Some(d)) => {
                    let mut extra = Map::new();
                    extra.insert("timingTiming".into(), timing(d));
                    if let Some(q) = quantity(d) {
                        extra.insert("quantity".into(), q);
                    }
                    extra.insert(
                        "description".into(),
                        json!(format!("{label}: {}", d.to_text())),
                    );
                    let (u, a) = activity(
                        format!("dose_{}_{}", r.id, e),
                        format!("{label}, {}", d.to_text()),
                        e,
                        extra,
                    );
                    activities.push(a);
                    u
                }
                (None, None) => exercise_url.get(e.as_str()).cloned().unwrap_or_default(),
            };
            sub_actions.push(json!({
                "title": format!("{} {label}", action_verb(r.action)),
                "definitionCanonical": url
            }));
        }
        actions.push(rule_action(&labels, r, sub_actions, status_of(r.status)));
    }
    let last_review = if every_rule_reviewed {
        review_dates.iter().min().map(|d| d.to_string())
    } else {
        None
    };

    let mut plan = Map::new();
    plan.insert("resourceType".into(), json!("PlanDefinition"));
    plan.insert("id".into(), json!(fhir_id(&b.ruleset.name)));
    let plan_url = urn(digest, "PlanDefinition", &b.ruleset.name);
    plan.insert("url".into(), json!(plan_url));
    plan.insert(
        "identifier".into(),
        json!([{"system": DIGEST_SYSTEM, "value": digest}]),
    );
    plan.insert("version".into(), json!(b.ruleset.version));
    plan.insert("name".into(), json!(computable_name(&b.ruleset.name)));
    plan.insert(
        "title".into(),
        json!(b.ruleset.title.as_deref().unwrap_or(&b.ruleset.name)),
    );
    plan.insert(
        "type".into(),
        json!({"coding": [{"system": PLAN_TYPE_SYSTEM, "code": "eca-rule", "display": "ECA Rule"}]}),
    );
    plan.insert(
        "status".into(),
        json!(if any_draft { "draft" } else { "active" }),
    );
    plan.insert(
        "description".into(),
        json!(format!(
            "Exercise advice rules compiled by Carel {} from ruleset `{}` version {}. \
             How the actions combine: {}.",
            b.compiler.version, b.ruleset.name, b.ruleset.version, b.semantics
        )),
    );
    if let Some(d) = last_review {
        plan.insert("lastReviewDate".into(), json!(d));
    }
    let cited: Vec<Value> = b
        .vocabulary
        .sources
        .iter()
        .map(|s| citation(s, None))
        .collect();
    if !cited.is_empty() {
        plan.insert("relatedArtifact".into(), Value::Array(cited));
    }
    if !actions.is_empty() {
        plan.insert("action".into(), Value::Array(actions));
    }
    entries.push(json!({"fullUrl": plan_url, "resource": Value::Object(plan)}));
    for a in activities {
        let url = a.get("url").cloned().unwrap_or(Value::Null);
        entries.push(json!({"fullUrl": url, "resource": a}));
    }
    Export {
        value: json!({
            "resourceType": "Bundle",
            "id": fhir_id(&format!("{}-{}", b.ruleset.name, b.ruleset.version)),
            "identifier": {"system": DIGEST_SYSTEM, "value": digest},
            "type": "collection",
            "entry": entries
        }),
    }
}

fn rule_action(labels: &Labels, r: &Rule, sub_actions: Vec<Value>, status: &str) -> Value {
    let targets: Vec<&str> = r
        .targets
        .iter()
        .map(|t| labels.targets.get(t.as_str()).copied().unwrap_or(t))
        .collect();
    let verb = action_verb(r.action);
    let mut sentence = format!("{verb} {}", targets.join(", "));
    if r.when != When::Always {
        sentence = format!("If {}: {}", labels.when(&r.when), lower_first(&sentence));
    }
    if let Some(d) = &r.dose {
        sentence.push_str(&format!(" ({})", d.to_text()));
    }
    sentence.push('.');
    if let Some(stop) = &r.stop_if {
        sentence.push_str(&format!(" Stop if: {stop}."));
    }
    if status == "draft" {
        sentence.push_str(" Draft rule.");
    }
    let mut a = Map::new();
    a.insert("id".into(), json!(r.id));
    let mut ext = Vec::new();
    if let Some(s) = r.strength {
        ext.push(strength_extension(s));
    }
    if let Some(e) = r.evidence {
        ext.push(quality_extension(e));
    }
    if !ext.is_empty() {
        a.insert("extension".into(), Value::Array(ext));
    }
    a.insert(
        "title".into(),
        json!(format!("{verb} {}", targets.join(", "))),
    );
    if let Some(because) = &r.because {
        a.insert("description".into(), json!(because));
    }
    a.insert("textEquivalent".into(), json!(sentence));
    a.insert(
        "code".into(),
        json!([{"coding": [{"system": ACTION_SYSTEM, "code": r.action.as_str()}]}]),
    );
    let docs: Vec<Value> = r
        .cite
        .iter()
        .filter_map(|c| {
            let source = labels.sources.get(c.source.as_str())?;
            Some(citation(source, c.locator.as_deref()))
        })
        .collect();
    if !docs.is_empty() {
        a.insert("documentation".into(), Value::Array(docs));
    }
    a.insert(
        "condition".into(),
        json!([{
            "kind": "applicability",
            "expression": {
                "description": labels.when(&r.when),
                "language": CONDITION_LANGUAGE,
                "expression": when_text(&r.when)
            }
        }]),
    );
    if !sub_actions.is_empty() {
        a.insert("action".into(), Value::Array(sub_actions));
    }
    Value::Object(a)
}

fn lower_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_lowercase().chain(c).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests;
