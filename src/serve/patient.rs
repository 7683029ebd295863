//! From FHIR R4 prefetch to what is known about the patient, through the bundle's codes.
//!
//! - A fact is **true** when an active (`active`, `recurrence`, `relapse`) and `confirmed`
//!   Condition carries one of its codes; **false** when the only Conditions with its codes are
//!   resolved (`inactive`, `remission`, `resolved`) or `refuted`; otherwise **unknown** — not
//!   mentioned, provisional, differential or unconfirmed, or the fact has no codes. An
//!   Observation with one of its codes and a `valueBoolean` (status final, amended or
//!   corrected) also makes it true or false.
//! - A measure is **known** from the latest final Observation carrying one of its codes with a
//!   `valueQuantity` (latest by `effectiveDateTime`, `effectivePeriod`, `effectiveInstant` or
//!   `issued`); the value must be in the measure's range, and its unit the measure's unit when
//!   the measure declares one. A measure coded `age` is the patient's age in whole years from
//!   `Patient.birthDate` (a full date; a year or month alone leaves the age unknown). Anything
//!   else leaves the measure **unknown**.
//!
//! Entered-in-error resources are ignored. Nothing is ever guessed: when in doubt, unknown.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde_json::Value;

use crate::bundle::Bundle;

/// What the prefetched record says, by fact and measure name.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Record {
    pub true_facts: BTreeSet<String>,
    pub false_facts: BTreeSet<String>,
    pub measures: BTreeMap<String, f64>,
    /// Why a resource that carried one of the bundle's codes was not used (for the log and
    /// the cards), e.g. a value outside the measure's range.
    pub notes: Vec<String>,
}

/// The bundle's terminology bindings: `SYSTEM|CODE` → fact or measure names.
pub struct Bindings {
    facts: HashMap<(String, String), Vec<String>>,
    measures: HashMap<(String, String), Vec<String>>,
    /// Measures bound to age in years.
    age: Vec<String>,
}

fn split_code(code: &str) -> Option<(String, String)> {
    let (system, value) = code.split_once('|')?;
    (!system.is_empty() && !value.is_empty()).then(|| (system.to_string(), value.to_string()))
}

impl Bindings {
    pub fn new(bundle: &Bundle) -> Bindings {
        let v = &bundle.vocabulary;
        let mut facts: HashMap<(String, String), Vec<String>> = HashMap::new();
        for f in v.conditions.iter().chain(&v.factors) {
            for c in &f.codes {
                if let Some(key) = split_code(c) {
                    facts.entry(key).or_default().push(f.id.clone());
                }
            }
        }
        let mut measures: HashMap<(String, String), Vec<String>> = HashMap::new();
        let mut age = Vec::new();
        for m in &v.measures {
            for c in &m.codes {
                if c == "age" {
                    age.push(m.id.clone());
                } else if let Some(key) = split_code(c) {
                    measures.entry(key).or_default().push(m.id.clone());
                }
            }
        }
        Bindings {
            facts,
            measures,
            age,
        }
    }

    /// Whether any fact or measure is bound to a code (without codes, everything is unknown).
    pub fn is_empty(&self) -> bool {
        self.facts.is_empty() && self.measures.is_empty() && self.age.is_empty()
    }

    fn matches<'m>(
        map: &'m HashMap<(String, String), Vec<String>>,
        concept: &Value,
    ) -> BTreeSet<&'m str> {
        let mut out = BTreeSet::new();
        for coding in concept
            .get("coding")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let (Some(system), Some(code)) = (
                coding.get("system").and_then(Value::as_str),
                coding.get("code").and_then(Value::as_str),
            ) else {
                continue;
            };
            if let Some(names) = map.get(&(system.to_string(), code.to_string())) {
                out.extend(names.iter().map(String::as_str));
            }
        }
        out
    }
}

/// A date as (year, month, day).
pub type Date = (i32, u32, u32);

/// Today's date in UTC.
pub fn today() -> Date {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    civil_from_days((secs / 86_400) as i64)
}

/// Days since 1970-01-01 to a civil date (proleptic Gregorian).
fn civil_from_days(z: i64) -> Date {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = (yoe + era * 400 + i64::from(m <= 2)) as i32;
    (y, m, d)
}

/// A full FHIR `date` (`YYYY-MM-DD`); a year or year-month alone is `None`.
fn full_date(text: &str) -> Option<Date> {
    let mut parts = text.split('-');
    let y: i32 = parts.next()?.parse().ok()?;
    let m: u32 = parts.next()?.parse().ok()?;
    let d: u32 = parts.next()?.get(..2)?.parse().ok()?;
    ((1..=12).contains(&m) && (1..=31).contains(&d) && parts.next().is_none()).then_some((y, m, d))
}

/// Age in whole years on `today` of someone born on `birth`; `None` when born after today.
pub fn age_on(birth: Date, today: Date) -> Option<u32> {
    let mut years = today.0 - birth.0;
    if (today.1, today.2) < (birth.1, birth.2) {
        years -= 1;
    }
    u32::try_from(years).ok()
}

/// The code of `element.coding[*]` for `system`, e.g. a Condition's clinical status.
fn status_code<'v>(resource: &'v Value, element: &str) -> Option<&'v str> {
    resource
        .get(element)?
        .get("coding")?
        .as_array()?
        .iter()
        .find_map(|c| c.get("code").and_then(Value::as_str))
}

/// The resources of a prefetched item: a Bundle (search result) gives its entries' resources,
/// a single resource gives itself.
pub fn resources(item: &Value) -> Vec<&Value> {
    if item.get("resourceType").and_then(Value::as_str) == Some("Bundle") {
        item.get("entry")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|e| e.get("resource"))
            .collect()
    } else if item.is_object() {
        vec![item]
    } else {
        Vec::new()
    }
}

/// When an Observation was made, as a sortable string (FHIR dateTimes in one time zone sort
/// as text; different zones are compared on their text too, which is close enough to pick the
/// latest of a patient's readings).
fn observed_at(obs: &Value) -> Option<&str> {
    obs.get("effectiveDateTime")
        .or_else(|| obs.get("effectiveInstant"))
        .or_else(|| obs.get("effectivePeriod").and_then(|p| p.get("end")))
        .or_else(|| obs.get("effectivePeriod").and_then(|p| p.get("start")))
        .or_else(|| obs.get("issued"))
        .and_then(Value::as_str)
}

/// Read the record: the Patient, and every Condition and Observation of the prefetch.
pub fn read(
    bundle: &Bundle,
    bindings: &Bindings,
    patient: &Value,
    others: &[&Value],
    today: Date,
) -> Record {
    let mut record = Record::default();
    let v = &bundle.vocabulary;
    // Conditions.
    let mut active: BTreeSet<String> = BTreeSet::new();
    let mut resolved: BTreeSet<String> = BTreeSet::new();
    let mut booleans: BTreeMap<String, (String, bool)> = BTreeMap::new();
    let mut readings: BTreeMap<String, (String, f64)> = BTreeMap::new();
    for r in others {
        match r.get("resourceType").and_then(Value::as_str) {
            Some("Condition") => {
                let Some(code) = r.get("code") else { continue };
                let names = Bindings::matches(&bindings.facts, code);
                if names.is_empty() {
                    continue;
                }
                let clinical = status_code(r, "clinicalStatus");
                let verification = status_code(r, "verificationStatus");
                if verification == Some("entered-in-error") {
                    continue;
                }
                let is_active = matches!(clinical, Some("active" | "recurrence" | "relapse"));
                let is_over = matches!(clinical, Some("inactive" | "remission" | "resolved"));
                for n in names {
                    if verification == Some("refuted") || (is_over && verification.is_some()) {
                        resolved.insert(n.to_string());
                    } else if is_active && verification == Some("confirmed") {
                        active.insert(n.to_string());
                    } else {
                        record.notes.push(format!(
                            "a Condition coded for `{n}` is not active and confirmed \
                             (clinical status {}, verification {}): `{n}` stays unknown",
                            clinical.unwrap_or("missing"),
                            verification.unwrap_or("missing")
                        ));
                    }
                }
            }
            Some("Observation") => {
                if !matches!(
                    r.get("status").and_then(Value::as_str),
                    Some("final" | "amended" | "corrected")
                ) {
                    continue;
                }
                let Some(code) = r.get("code") else { continue };
                let at = observed_at(r).unwrap_or("").to_string();
                if let Some(b) = r.get("valueBoolean").and_then(Value::as_bool) {
                    for n in Bindings::matches(&bindings.facts, code) {
                        let e = booleans.entry(n.to_string()).or_insert((at.clone(), b));
                        if at > e.0 {
                            *e = (at.clone(), b);
                        }
                    }
                }
                for n in Bindings::matches(&bindings.measures, code) {
                    let Some(q) = r.get("valueQuantity") else {
                        continue;
                    };
                    let Some(value) = q.get("value").and_then(Value::as_f64) else {
                        continue;
                    };
                    let Some(m) = v.measures.iter().find(|m| m.id == n) else {
                        continue;
                    };
                    if let Some(unit) = &m.unit {
                        let given = [q.get("unit"), q.get("code")];
                        if !given.iter().flatten().any(|u| u.as_str() == Some(unit)) {
                            record.notes.push(format!(
                                "an Observation for `{n}` is in another unit than {unit}: not used"
                            ));
                            continue;
                        }
                    }
                    let newer = readings.get(n).is_none_or(|(t, _)| at > *t);
                    if newer {
                        readings.insert(n.to_string(), (at.clone(), value));
                    }
                }
            }
            _ => {}
        }
    }
    for (n, (_, b)) in booleans {
        if b {
            active.insert(n);
        } else {
            resolved.insert(n);
        }
    }
    record.false_facts = resolved.difference(&active).cloned().collect();
    record.true_facts = active;
    for (n, (_, value)) in readings {
        let Some(m) = v.measures.iter().find(|m| m.id == n) else {
            continue;
        };
        if m.admits(value) {
            record.measures.insert(n, value);
        } else {
            record.notes.push(format!(
                "the latest Observation for `{n}` ({value}) is outside its range: `{n}` stays unknown"
            ));
        }
    }
    // Age.
    if !bindings.age.is_empty() {
        let birth = patient.get("birthDate").and_then(Value::as_str);
        match birth.and_then(full_date).and_then(|b| age_on(b, today)) {
            Some(years) => {
                for n in &bindings.age {
                    if let Some(m) = v.measures.iter().find(|m| &m.id == n)
                        && m.admits(f64::from(years))
                    {
                        record.measures.insert(n.clone(), f64::from(years));
                    }
                }
            }
            None => record.notes.push(format!(
                "Patient.birthDate is {}: age stays unknown",
                birth.map_or("missing".to_string(), |b| format!("`{b}`, not a full date"))
            )),
        }
    }
    record
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages_count_whole_years() {
        assert_eq!(age_on((1980, 6, 15), (2026, 6, 14)), Some(45));
        assert_eq!(age_on((1980, 6, 15), (2026, 6, 15)), Some(46));
        assert_eq!(age_on((2027, 1, 1), (2026, 6, 15)), None);
        assert_eq!(full_date("1980-06-15"), Some((1980, 6, 15)));
        assert_eq!(full_date("1980-06"), None);
        assert_eq!(full_date("1980"), None);
        assert_eq!(full_date("1980-13-01"), None);
    }

    #[test]
    fn days_to_dates() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
        assert_eq!(civil_from_days(20_000), (2024, 10, 4));
    }
}
