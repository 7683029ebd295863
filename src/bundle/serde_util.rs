//! How bundle values map to JSON: enums as their Carel words, whole numbers without `.0`,
//! optional values always present (as `null` when missing), and the `when` and `frequency`
//! objects whose key set tells their form.

use std::collections::BTreeMap;
use std::fmt;

use serde::de::{self, Deserializer};
use serde::ser::{SerializeMap, SerializeStruct, Serializer};
use serde::{Deserialize, Serialize};

use super::{Frequency, Range, When};
use crate::analysis::ConflictKind;
use crate::model::{Action, AmountUnit, Bound, CmpOp, Evidence, Period, Status, Strength};

/// Enums written as one of their Carel words.
pub trait Named: Sized + Copy + 'static {
    /// What the value is, for error messages.
    const WHAT: &'static str;
    fn all() -> &'static [Self];
    fn name(self) -> &'static str;

    fn from_name(s: &str) -> Option<Self> {
        Self::all().iter().copied().find(|v| v.name() == s)
    }

    fn unknown(s: &str) -> String {
        let words: Vec<&str> = Self::all().iter().map(|v| v.name()).collect();
        format!(
            "unknown {} `{s}`: expected one of {}",
            Self::WHAT,
            words.join(", ")
        )
    }
}

macro_rules! named {
    ($t:ty, $what:literal, [$($v:expr),* $(,)?]) => {
        impl Named for $t {
            const WHAT: &'static str = $what;
            fn all() -> &'static [Self] {
                &[$($v),*]
            }
            fn name(self) -> &'static str {
                self.as_str()
            }
        }
    };
}

named!(
    Action,
    "action",
    [
        Action::Recommend,
        Action::Consider,
        Action::Caution,
        Action::Refer,
        Action::Avoid
    ]
);
named!(
    Evidence,
    "evidence level",
    [
        Evidence::High,
        Evidence::Moderate,
        Evidence::Low,
        Evidence::VeryLow,
        Evidence::ExpertOpinion,
    ]
);
named!(
    Strength,
    "strength",
    [Strength::Strong, Strength::Conditional]
);
named!(
    Status,
    "status",
    [Status::Draft, Status::Active, Status::Retired]
);
named!(
    AmountUnit,
    "dose unit",
    [
        AmountUnit::Min,
        AmountUnit::H,
        AmountUnit::Reps,
        AmountUnit::Sets
    ]
);
named!(Period, "period", [Period::Day, Period::Week]);
named!(
    Bound,
    "amount bound",
    [Bound::Exactly, Bound::AtLeast, Bound::UpTo]
);
named!(
    ConflictKind,
    "conflict kind",
    [
        ConflictKind::Contradiction,
        ConflictKind::Tension,
        ConflictKind::DoseMismatch,
    ]
);
named!(
    CmpOp,
    "comparison",
    [
        CmpOp::Lt,
        CmpOp::Le,
        CmpOp::Gt,
        CmpOp::Ge,
        CmpOp::Eq,
        CmpOp::Ne
    ]
);

pub mod named {
    use super::*;

    pub fn serialize<T: Named, S: Serializer>(v: &T, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(v.name())
    }

    pub fn deserialize<'de, T: Named, D: Deserializer<'de>>(d: D) -> Result<T, D::Error> {
        let s = String::deserialize(d)?;
        T::from_name(&s).ok_or_else(|| de::Error::custom(T::unknown(&s)))
    }
}

/// An optional enum: the key must be present, `null` when there is no value.
pub mod named_opt {
    use super::*;

    pub fn serialize<T: Named, S: Serializer>(v: &Option<T>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(v) => s.serialize_str(v.name()),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, T: Named, D: Deserializer<'de>>(d: D) -> Result<Option<T>, D::Error> {
        match Option::<String>::deserialize(d)? {
            None => Ok(None),
            Some(s) => T::from_name(&s)
                .map(Some)
                .ok_or_else(|| de::Error::custom(T::unknown(&s))),
        }
    }
}

/// An optional value whose key must be present (`null` when missing). Serde treats a field
/// with its own deserializer as required.
pub fn required<'de, T: Deserialize<'de>, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<T>, D::Error> {
    Option::<T>::deserialize(d)
}

/// Largest magnitude below which every whole number is exactly representable (2^53).
const SAFE_INTEGER: f64 = 9_007_199_254_740_992.0;

/// A number as JSON: whole numbers as integers (`65`, not `65.0`), others in shortest form.
#[derive(Clone, Copy, Debug)]
pub struct Num(pub f64);

impl Serialize for Num {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let x = self.0;
        if x.is_finite() && x.fract() == 0.0 && x.abs() < SAFE_INTEGER {
            s.serialize_i64(x as i64)
        } else {
            s.serialize_f64(x)
        }
    }
}

pub mod num {
    use super::*;

    pub fn serialize<S: Serializer>(v: &f64, s: S) -> Result<S::Ok, S::Error> {
        Num(*v).serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
        f64::deserialize(d)
    }
}

pub mod num_opt {
    use super::*;

    pub fn serialize<S: Serializer>(v: &Option<f64>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(x) => Num(*x).serialize(s),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
        Option::<f64>::deserialize(d)
    }
}

pub mod num_map {
    use super::*;

    pub fn serialize<S: Serializer>(v: &BTreeMap<String, f64>, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(v.len()))?;
        for (k, x) in v {
            m.serialize_entry(k, &Num(*x))?;
        }
        m.end()
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<BTreeMap<String, f64>, D::Error> {
        BTreeMap::<String, f64>::deserialize(d)
    }
}

impl Serialize for When {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            When::Always => {
                let mut m = s.serialize_struct("When", 1)?;
                m.serialize_field("always", &true)?;
                m.end()
            }
            When::Fact(f) => {
                let mut m = s.serialize_struct("When", 1)?;
                m.serialize_field("fact", f)?;
                m.end()
            }
            When::Compare { measure, op, value } => {
                let mut m = s.serialize_struct("When", 3)?;
                m.serialize_field("measure", measure)?;
                m.serialize_field("op", op.as_str())?;
                m.serialize_field("value", &Num(*value))?;
                m.end()
            }
            When::In { measure, min, max } => {
                let mut m = s.serialize_struct("When", 2)?;
                m.serialize_field("measure", measure)?;
                m.serialize_field(
                    "in",
                    &Range {
                        min: *min,
                        max: *max,
                    },
                )?;
                m.end()
            }
            When::Not(w) => {
                let mut m = s.serialize_struct("When", 1)?;
                m.serialize_field("not", w)?;
                m.end()
            }
            When::All(ws) => {
                let mut m = s.serialize_struct("When", 1)?;
                m.serialize_field("all", ws)?;
                m.end()
            }
            When::Any(ws) => {
                let mut m = s.serialize_struct("When", 1)?;
                m.serialize_field("any", ws)?;
                m.end()
            }
        }
    }
}

/// Every key a `when` object may have; which ones are present decides its form.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawWhen {
    always: Option<bool>,
    fact: Option<String>,
    measure: Option<String>,
    op: Option<String>,
    value: Option<f64>,
    #[serde(rename = "in")]
    range: Option<Range>,
    not: Option<Box<When>>,
    all: Option<Vec<When>>,
    any: Option<Vec<When>>,
}

impl<'de> Deserialize<'de> for When {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<When, D::Error> {
        let raw = RawWhen::deserialize(d)?;
        When::try_from(raw).map_err(de::Error::custom)
    }
}

impl TryFrom<RawWhen> for When {
    type Error = String;

    fn try_from(r: RawWhen) -> Result<When, String> {
        let keys: Vec<&str> = [
            ("always", r.always.is_some()),
            ("fact", r.fact.is_some()),
            ("measure", r.measure.is_some()),
            ("op", r.op.is_some()),
            ("value", r.value.is_some()),
            ("in", r.range.is_some()),
            ("not", r.not.is_some()),
            ("all", r.all.is_some()),
            ("any", r.any.is_some()),
        ]
        .into_iter()
        .filter_map(|(k, present)| present.then_some(k))
        .collect();
        let form = match keys.as_slice() {
            ["always"] => match r.always {
                Some(true) => Some(When::Always),
                _ => return Err("`always` can only be true".to_string()),
            },
            ["fact"] => r.fact.map(When::Fact),
            ["measure", "op", "value"] => match (r.measure, r.op, r.value) {
                (Some(measure), Some(op), Some(value)) => {
                    let op = CmpOp::from_name(&op).ok_or_else(|| CmpOp::unknown(&op))?;
                    Some(When::Compare { measure, op, value })
                }
                _ => None,
            },
            ["measure", "in"] => match (r.measure, r.range) {
                (Some(measure), Some(range)) => Some(When::In {
                    measure,
                    min: range.min,
                    max: range.max,
                }),
                _ => None,
            },
            ["not"] => r.not.map(When::Not),
            ["all"] => r.all.map(When::All),
            ["any"] => r.any.map(When::Any),
            _ => None,
        };
        form.ok_or_else(|| {
            format!(
                "a `when` object must have exactly the keys of one form: {{always}}, {{fact}}, \
                 {{measure, op, value}}, {{measure, in}}, {{not}}, {{all}} or {{any}} (found: {{{}}})",
                keys.join(", ")
            )
        })
    }
}

impl Serialize for Frequency {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Frequency::EveryHours(r) => {
                let mut m = s.serialize_struct("Frequency", 1)?;
                m.serialize_field("every_hours", r)?;
                m.end()
            }
            Frequency::Per { times, per } => {
                let mut m = s.serialize_struct("Frequency", 2)?;
                m.serialize_field("times", times)?;
                m.serialize_field("per", per.as_str())?;
                m.end()
            }
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFrequency {
    every_hours: Option<Range>,
    /// Absent (outer `None`) differs from `null` (inner `None`).
    #[serde(default, deserialize_with = "present")]
    times: Option<Option<Range>>,
    per: Option<String>,
}

fn present<'de, T: Deserialize<'de>, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

impl<'de> Deserialize<'de> for Frequency {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Frequency, D::Error> {
        let r = RawFrequency::deserialize(d)?;
        match (r.every_hours, r.times, r.per) {
            (Some(range), None, None) => Ok(Frequency::EveryHours(range)),
            (None, Some(times), Some(per)) => {
                let per = Period::from_name(&per)
                    .ok_or_else(|| de::Error::custom(Period::unknown(&per)))?;
                Ok(Frequency::Per { times, per })
            }
            _ => Err(de::Error::custom(
                "a `frequency` object must be {\"every_hours\": {min, max}} or \
                 {\"times\": {min, max} or null, \"per\": \"day\" or \"week\"}",
            )),
        }
    }
}

/// A `cite` entry: `{"source", "locator"}`; a version-1 bundle's plain source id is read as
/// an entry without a locator.
impl<'de> Deserialize<'de> for super::CiteEntry {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<super::CiteEntry, D::Error> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Entry {
            source: String,
            #[serde(deserialize_with = "required")]
            locator: Option<String>,
        }
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Id(String),
            Entry(Entry),
        }
        match Raw::deserialize(d) {
            Ok(Raw::Id(source)) => Ok(super::CiteEntry {
                source,
                locator: None,
            }),
            Ok(Raw::Entry(e)) => Ok(super::CiteEntry {
                source: e.source,
                locator: e.locator,
            }),
            Err(_) => Err(de::Error::custom(
                "a `cite` entry must be {\"source\": ID, \"locator\": TEXT or null} (or, in format 1, a source id)",
            )),
        }
    }
}

impl fmt::Display for When {
    /// The condition in Carel's own syntax (fully parenthesised where it matters).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use super::canonical::number;
        match self {
            When::Always => write!(f, "always"),
            When::Fact(x) => write!(f, "{x}"),
            When::Compare { measure, op, value } => {
                write!(f, "{measure} {} {}", op.as_str(), number(*value))
            }
            When::In { measure, min, max } => {
                write!(f, "{measure} in {}..{}", number(*min), number(*max))
            }
            When::Not(w) => match **w {
                When::All(_) | When::Any(_) => write!(f, "not ({w})"),
                _ => write!(f, "not {w}"),
            },
            When::All(ws) | When::Any(ws) => {
                let word = if matches!(self, When::All(_)) {
                    " and "
                } else {
                    " or "
                };
                if ws.is_empty() {
                    return write!(
                        f,
                        "{}",
                        if matches!(self, When::All(_)) {
                            "always"
                        } else {
                            "never"
                        }
                    );
                }
                for (i, w) in ws.iter().enumerate() {
                    if i > 0 {
                        f.write_str(word)?;
                    }
                    if matches!(w, When::All(_) | When::Any(_)) {
                        write!(f, "({w})")?;
                    } else {
                        write!(f, "{w}")?;
                    }
                }
                Ok(())
            }
        }
    }
}
