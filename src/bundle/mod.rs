//! The JSON rule bundle (§8 of the language contract): what apps load and evaluate.
//!
//! [`build`] turns a checked [`Model`] and its [`Analysis`] into a [`Bundle`]; [`Bundle::to_json`]
//! writes it (pretty-printed, keys in the documented order, byte-identical for identical input);
//! [`Bundle::from_json`] loads one back, refusing anything an app could misread. The digest is
//! SHA-256 over the canonical form of [`canonical`] (RFC 8785, JSON Canonicalization Scheme).
//! `docs/bundle.md` describes the format for app developers; `docs/bundle.schema.json` is its
//! JSON Schema.

pub mod canonical;
mod load;
mod pretty;

pub use load::precedence;
mod serde_util;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::analysis::{Analysis, ConflictKind};
use crate::model::{
    self, Action, AmountUnit, Bound, CmpOp, Evidence, Expr, Model, Period, Status, Strength,
};
use crate::source::Sources;

pub(crate) use serde_util::Num;
use serde_util::{named, named_opt, num, num_map, num_opt, required};

/// The value of `format`.
pub const FORMAT: &str = "carel.bundle";
/// The value of `format_version` this compiler writes.
pub const FORMAT_VERSION: u64 = 2;
/// The versions of the format this compiler reads (a version-1 bundle has none of the
/// version-2 keys and means exactly what it meant).
pub const READS: [u64; 2] = [1, 2];
/// The value of `semantics`: a one-line statement of §5 and §9 for people reading a bundle.
pub const SEMANTICS: &str = "avoid > refer > caution > recommend > consider; overrides drop the overridden rule's advice; \
     a prevailing rule overrides every less protective rule advising the same exercise";

/// A whole bundle. Field order is the order of keys in [`Bundle::to_json`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Bundle {
    pub format: String,
    pub format_version: u64,
    pub compiler: Compiler,
    pub ruleset: Ruleset,
    /// `sha256:` + lowercase hex of SHA-256 over the canonical form without this field.
    pub digest: String,
    pub semantics: String,
    pub vocabulary: Vocabulary,
    /// Every rule that is not retired, in source order.
    pub rules: Vec<Rule>,
    /// Resolved conflicts (with `resolved_by`) and warnings, sorted by rule pair and kind.
    pub conflicts: Vec<Conflict>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Compiler {
    pub name: String,
    pub version: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ruleset {
    pub name: String,
    #[serde(deserialize_with = "required")]
    pub title: Option<String>,
    pub version: String,
}

/// Every declared name, in declaration order.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Vocabulary {
    pub conditions: Vec<FactEntry>,
    pub factors: Vec<FactEntry>,
    pub exclusive: Vec<ExclusiveEntry>,
    pub measures: Vec<MeasureEntry>,
    pub categories: Vec<CategoryEntry>,
    pub exercises: Vec<ExerciseEntry>,
    pub sources: Vec<SourceEntry>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FactEntry {
    pub id: String,
    #[serde(deserialize_with = "required")]
    pub label: Option<String>,
    /// Facts this one implies directly, as declared (format 2; empty in format 1).
    #[serde(default)]
    pub implies: Vec<String>,
    /// Facts this one excludes, as declared (format 2).
    #[serde(default)]
    pub excludes: Vec<String>,
    /// Terminology bindings, `SYSTEM|CODE` (format 2).
    #[serde(default)]
    pub codes: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExclusiveEntry {
    pub id: String,
    #[serde(deserialize_with = "required")]
    pub label: Option<String>,
    /// Conditions or factors of which at most one holds for any patient.
    pub members: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MeasureEntry {
    pub id: String,
    #[serde(deserialize_with = "required")]
    pub label: Option<String>,
    #[serde(deserialize_with = "required")]
    pub unit: Option<String>,
    /// Inclusive lower bound; `null` when unbounded.
    #[serde(with = "num_opt")]
    pub min: Option<f64>,
    /// Inclusive upper bound; `null` when unbounded.
    #[serde(with = "num_opt")]
    pub max: Option<f64>,
    /// Terminology bindings (format 2); `age` binds the measure to age in years.
    #[serde(default)]
    pub codes: Vec<String>,
}

impl MeasureEntry {
    /// Whether a value lies inside the declared range.
    pub fn admits(&self, value: f64) -> bool {
        self.min.is_none_or(|lo| value >= lo) && self.max.is_none_or(|hi| value <= hi)
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CategoryEntry {
    pub id: String,
    #[serde(deserialize_with = "required")]
    pub label: Option<String>,
    pub parents: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExerciseEntry {
    pub id: String,
    #[serde(deserialize_with = "required")]
    pub label: Option<String>,
    /// The categories named in the declaration (not their ancestors).
    pub categories: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceEntry {
    pub id: String,
    pub text: String,
    #[serde(deserialize_with = "required")]
    pub url: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    pub id: String,
    pub when: When,
    #[serde(with = "named")]
    pub action: Action,
    /// The exercises and categories as written.
    pub targets: Vec<String>,
    /// The exercises and categories written after `except` (format 2).
    #[serde(default)]
    pub except: Vec<String>,
    /// Every exercise the rule advises: targets expanded, minus `except` expanded; sorted by id.
    pub exercises: Vec<String>,
    /// Whether the rule overrides every less protective rule advising one of its exercises
    /// (format 2).
    #[serde(default)]
    pub prevails: bool,
    #[serde(deserialize_with = "required")]
    pub dose: Option<Dose>,
    #[serde(deserialize_with = "required")]
    pub because: Option<String>,
    /// What should make the patient stop (format 2).
    #[serde(default)]
    pub stop_if: Option<String>,
    pub cite: Vec<CiteEntry>,
    #[serde(with = "named_opt")]
    pub evidence: Option<Evidence>,
    #[serde(with = "named_opt")]
    pub strength: Option<Strength>,
    #[serde(with = "named")]
    pub status: Status,
    /// Date of the last clinical review, `YYYY-MM-DD`.
    #[serde(deserialize_with = "required")]
    pub reviewed: Option<String>,
    /// Rules this one overrides directly, as written in `overrides` (retired rules left out).
    pub overrides: Vec<String>,
    pub location: Location,
}

/// `cite SOURCE ["LOCATOR"]`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CiteEntry {
    pub source: String,
    pub locator: Option<String>,
}

/// A rule's condition. JSON forms (each an object with exactly these keys):
/// `{"always": true}`, `{"fact": ID}`, `{"measure": ID, "op": OP, "value": N}` with OP one of
/// `<`, `<=`, `>`, `>=`, `=`, `!=`, `{"measure": ID, "in": {"min": N, "max": N}}` (inclusive),
/// `{"not": WHEN}`, `{"all": [WHEN, ...]}`, `{"any": [WHEN, ...]}`.
#[derive(Clone, Debug, PartialEq)]
pub enum When {
    Always,
    Fact(String),
    Compare {
        measure: String,
        op: CmpOp,
        value: f64,
    },
    In {
        measure: String,
        min: f64,
        max: f64,
    },
    Not(Box<When>),
    All(Vec<When>),
    Any(Vec<When>),
}

/// Whose facts and measure values a condition is evaluated against.
pub trait Facts {
    fn has(&self, fact: &str) -> bool;
    /// `None` when the value is unknown: every comparison on it is then false.
    fn value(&self, measure: &str) -> Option<f64>;
}

impl When {
    /// Whether the condition holds (§5): a fact not given is false, a comparison on a measure
    /// whose value is unknown is false.
    pub fn holds(&self, patient: &impl Facts) -> bool {
        match self {
            When::Always => true,
            When::Fact(f) => patient.has(f),
            When::Compare { measure, op, value } => {
                patient.value(measure).is_some_and(|v| op.holds(v, *value))
            }
            When::In { measure, min, max } => patient
                .value(measure)
                .is_some_and(|v| *min <= v && v <= *max),
            When::Not(w) => !w.holds(patient),
            When::All(ws) => ws.iter().all(|w| w.holds(patient)),
            When::Any(ws) => ws.iter().any(|w| w.holds(patient)),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Dose {
    /// `null` only in format 2, for a dose without an amount (`daily`).
    #[serde(deserialize_with = "required")]
    pub amount: Option<Amount>,
    #[serde(deserialize_with = "required")]
    pub frequency: Option<Frequency>,
    /// `in bouts of` (format 2).
    #[serde(default)]
    pub bouts: Option<Bouts>,
    /// `building up to` (format 2).
    #[serde(default)]
    pub progression: Option<Progression>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Amount {
    #[serde(with = "num")]
    pub min: f64,
    #[serde(with = "num")]
    pub max: f64,
    #[serde(with = "named")]
    pub unit: AmountUnit,
    /// `exactly` (min..max), `at_least` (min or more) or `up_to` (max or less); format 2.
    #[serde(default, with = "named")]
    pub bound: Bound,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Bouts {
    #[serde(with = "num")]
    pub min: f64,
    #[serde(with = "num")]
    pub max: f64,
    #[serde(with = "named")]
    pub unit: AmountUnit,
    pub at_least: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Progression {
    #[serde(deserialize_with = "required")]
    pub amount: Option<Amount>,
    #[serde(deserialize_with = "required")]
    pub frequency: Option<Frequency>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Range {
    #[serde(with = "num")]
    pub min: f64,
    #[serde(with = "num")]
    pub max: f64,
}

/// How often a dose is taken. JSON forms: `{"every_hours": {"min", "max"}}` (`every N[..M] h`),
/// `{"times": {"min", "max"}, "per": "day"|"week"}` (`N[..M] times per day|week`) and
/// `{"times": null, "per": "day"|"week"}` (`per day|week`: the amount is a total for the period).
#[derive(Clone, Debug, PartialEq)]
pub enum Frequency {
    EveryHours(Range),
    Per { times: Option<Range>, per: Period },
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Location {
    /// The file, relative to the ruleset folder (or the file's own name for a one-file ruleset).
    pub file: String,
    /// 1-based line of the start of the rule.
    pub line: u64,
    /// 1-based column, counted in Unicode scalar values.
    pub column: u64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Conflict {
    #[serde(with = "named")]
    pub kind: ConflictKind,
    /// The two rules, in source order.
    pub rules: [String; 2],
    /// Every exercise on which they clash, sorted by id.
    pub exercises: Vec<String>,
    /// The smallest patient for whom both rules fire.
    pub witness: Witness,
    /// The rule whose advice prevails through `overrides`; `null` for a warning left standing.
    #[serde(deserialize_with = "required")]
    pub resolved_by: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Witness {
    /// True facts, sorted by id.
    pub facts: Vec<String>,
    /// Known measure values by id; a measure left out is unknown.
    #[serde(with = "num_map")]
    pub measures: BTreeMap<String, f64>,
}

impl Bundle {
    /// The bundle as `carel build` writes it: pretty-printed with two-space indents, keys in
    /// the documented order, a final newline. Identical bundles give identical bytes.
    pub fn to_json(&self) -> String {
        // A rule takes about a kilobyte; reserving that up front spares copying the text each
        // time it outgrows its buffer (pages reserved and not written cost nothing).
        let estimate = 64 * 1024 + 1024 * (self.rules.len() + self.conflicts.len());
        let mut bytes = Vec::with_capacity(estimate);
        // Writing plain data to memory cannot fail.
        let _ = self.write_json(&mut bytes);
        // Only UTF-8 is written.
        String::from_utf8(bytes).unwrap_or_default()
    }

    /// [`Bundle::to_json`], written to `out` a piece at a time (the rules and conflicts
    /// rendered in parallel), without holding the whole text.
    pub fn write_json<W: std::io::Write + Send>(&self, out: &mut W) -> std::io::Result<()> {
        pretty::write(self, out)
    }

    /// The canonical form the digest covers: the bundle without `digest`, in RFC 8785 form.
    ///
    /// It is written straight from the bundle, without a value tree; the rules and conflicts,
    /// which grow with the ruleset, are written a piece at a time, in parallel.
    pub fn canonical_bytes(&self) -> Vec<u8> {
        // Serialising plain data (no maps with non-string keys) cannot fail.
        canonical::object_to_vec(&self.canonical_members()).unwrap_or_default()
    }

    /// Every member of the bundle but `digest` (a field added to [`Bundle`] fails to compile
    /// here until it is added).
    fn canonical_members(&self) -> [(&'static str, canonical::Member<'_>); 8] {
        use canonical::Member::{List, Value};
        let Bundle {
            format,
            format_version,
            compiler,
            ruleset,
            digest: _,
            semantics,
            vocabulary,
            rules,
            conflicts,
        } = self;
        [
            ("format", Value(format)),
            ("format_version", Value(format_version)),
            ("compiler", Value(compiler)),
            ("ruleset", Value(ruleset)),
            ("semantics", Value(semantics)),
            ("vocabulary", Value(vocabulary)),
            ("rules", List(rules)),
            ("conflicts", List(conflicts)),
        ]
    }

    /// `sha256:` + hex over [`Bundle::canonical_bytes`], hashed as it is written.
    pub fn compute_digest(&self) -> String {
        canonical::object_digest(&self.canonical_members()).unwrap_or_default()
    }

    /// Load a bundle: check format and version, the digest, every reference between its parts,
    /// that `overrides` and categories have no cycles, and that each rule's `exercises` is the
    /// expansion of its targets. The message says what is wrong and where.
    pub fn from_json(text: &str) -> Result<Bundle, String> {
        Bundle::load(text).map(ValidBundle::into_bundle)
    }

    /// [`Bundle::from_json`], keeping the knowledge that the bundle passed every check, so that
    /// what evaluates it ([`crate::eval::Evaluator::of_valid`]) need not check it again.
    pub fn load(text: &str) -> Result<ValidBundle, String> {
        load::from_json(text).map(ValidBundle)
    }

    /// The checks of [`Bundle::from_json`] on a bundle already in memory (the digest aside).
    pub fn validate(&self) -> Result<(), String> {
        load::validate(self)
    }

    /// The rule with this id.
    pub fn rule(&self, id: &str) -> Option<&Rule> {
        self.rules.iter().find(|r| r.id == id)
    }
}

/// A bundle that passed every check of [`Bundle::validate`]. It gives no way to change the
/// bundle, so it stays valid; [`std::ops::Deref`] gives the bundle to read.
#[derive(Clone, Debug, PartialEq)]
pub struct ValidBundle(Bundle);

impl ValidBundle {
    /// Check a bundle already in memory ([`Bundle::validate`]; the digest is not checked).
    pub fn check(bundle: Bundle) -> Result<ValidBundle, String> {
        bundle.validate()?;
        Ok(ValidBundle(bundle))
    }

    /// The bundle itself, to change or keep (no longer known to be valid).
    pub fn into_bundle(self) -> Bundle {
        self.0
    }
}

impl std::ops::Deref for ValidBundle {
    type Target = Bundle;

    fn deref(&self) -> &Bundle {
        &self.0
    }
}

/// Build the bundle of a model whose checks passed. Retired rules are left out, and so are
/// `overrides` entries that name them (a retired rule takes no part in evaluation).
/// Locations use the file names of `sources`.
pub fn build(model: &Model, analysis: &Analysis, sources: &Sources) -> Bundle {
    let fact_name = |f: model::FactId| model.facts[f].name.clone();
    let facts_of = |kind: model::FactKind| {
        model
            .facts
            .iter()
            .filter(|f| f.kind == kind)
            .map(|f| FactEntry {
                id: f.name.clone(),
                label: f.label.clone(),
                implies: f.implies.iter().map(|&g| fact_name(g)).collect(),
                excludes: f.excludes.iter().map(|&g| fact_name(g)).collect(),
                codes: f.codes.clone(),
            })
            .collect()
    };
    let vocabulary = Vocabulary {
        conditions: facts_of(model::FactKind::Condition),
        factors: facts_of(model::FactKind::Factor),
        exclusive: model
            .exclusives
            .iter()
            .map(|x| ExclusiveEntry {
                id: x.name.clone(),
                label: x.label.clone(),
                members: x.members.iter().map(|&f| fact_name(f)).collect(),
            })
            .collect(),
        measures: model
            .measures
            .iter()
            .map(|m| MeasureEntry {
                id: m.name.clone(),
                label: m.label.clone(),
                unit: m.unit.clone(),
                min: m.min,
                max: m.max,
                codes: m.codes.clone(),
            })
            .collect(),
        categories: model
            .categories
            .iter()
            .map(|c| CategoryEntry {
                id: c.name.clone(),
                label: c.label.clone(),
                parents: c
                    .parents
                    .iter()
                    .map(|&p| model.categories[p].name.clone())
                    .collect(),
            })
            .collect(),
        exercises: model
            .exercises
            .iter()
            .map(|e| ExerciseEntry {
                id: e.name.clone(),
                label: e.label.clone(),
                categories: e
                    .categories
                    .iter()
                    .map(|&c| model.categories[c].name.clone())
                    .collect(),
            })
            .collect(),
        sources: model
            .sources
            .iter()
            .map(|s| SourceEntry {
                id: s.name.clone(),
                text: s.text.clone(),
                url: s.url.clone(),
            })
            .collect(),
    };
    // Each rule on its own, in parallel; `collect` keeps source order.
    let rules = {
        use rayon::prelude::*;
        model
            .rules
            .par_iter()
            .filter(|r| r.is_live())
            .map(|r| build_rule(model, sources, r))
            .collect()
    };
    let conflicts = analysis
        .conflicts
        .iter()
        .map(|c| Conflict {
            kind: c.kind,
            rules: [
                model.rules[c.rules[0]].id.clone(),
                model.rules[c.rules[1]].id.clone(),
            ],
            exercises: c
                .exercises
                .iter()
                .map(|&e| model.exercises[e].name.clone())
                .collect(),
            witness: witness(model, &c.witness),
            resolved_by: c.resolved_by.map(|r| model.rules[r].id.clone()),
        })
        .collect();
    let mut bundle = Bundle {
        format: FORMAT.to_string(),
        format_version: FORMAT_VERSION,
        compiler: Compiler {
            name: "carel".to_string(),
            version: env!("CARGO_PKG_VERSION").to_string(),
        },
        ruleset: Ruleset {
            name: model.header.name.clone(),
            title: model.header.title.clone(),
            version: model.header.version.clone(),
        },
        digest: String::new(),
        semantics: SEMANTICS.to_string(),
        vocabulary,
        rules,
        conflicts,
    };
    bundle.digest = bundle.compute_digest();
    bundle
}

fn build_rule(model: &Model, sources: &Sources, r: &model::Rule) -> Rule {
    let target_name = |t: &model::Target| match *t {
        model::Target::Exercise(e) => model.exercises[e].name.clone(),
        model::Target::Category(c) => model.categories[c].name.clone(),
    };
    let (file, line, column) = match sources.files().get(r.span.file()) {
        Some(f) => {
            let (line, column) = f.line_col(r.span.start());
            (f.name.clone(), line as u64, column as u64)
        }
        None => (String::new(), 1, 1),
    };
    let mut exercises: Vec<String> = r
        .exercises
        .iter()
        .map(|&e| model.exercises[e].name.clone())
        .collect();
    exercises.sort();
    Rule {
        id: r.id.clone(),
        when: when(model, &r.when),
        action: r.action,
        targets: r.targets.iter().map(|(t, _)| target_name(t)).collect(),
        except: r.except().iter().map(|(t, _)| target_name(t)).collect(),
        exercises,
        prevails: r.prevails().is_some(),
        dose: r.dose.as_deref().map(dose),
        because: r.because().map(str::to_owned),
        stop_if: r.stop_if().map(str::to_owned),
        cite: r
            .cite
            .iter()
            .map(|c| CiteEntry {
                source: model.sources[c.source].name.clone(),
                locator: c.locator.clone(),
            })
            .collect(),
        evidence: r.evidence,
        strength: r.strength,
        status: r.status,
        reviewed: r.reviewed().map(str::to_owned),
        overrides: r
            .overrides()
            .iter()
            .filter(|(o, _)| model.rules[*o].is_live())
            .map(|(o, _)| model.rules[*o].id.clone())
            .collect(),
        location: Location { file, line, column },
    }
}

/// The `when` tree of a resolved condition (same shape, names instead of indices).
pub fn when(model: &Model, e: &Expr) -> When {
    match e {
        Expr::Always => When::Always,
        Expr::Fact(f) => When::Fact(model.facts[*f].name.clone()),
        Expr::Cmp { measure, op, value } => When::Compare {
            measure: model.measures[*measure].name.clone(),
            op: *op,
            value: *value,
        },
        Expr::In { measure, lo, hi } => When::In {
            measure: model.measures[*measure].name.clone(),
            min: *lo,
            max: *hi,
        },
        Expr::Not(e) => When::Not(Box::new(when(model, e))),
        Expr::All(es) => When::All(es.iter().map(|e| when(model, e)).collect()),
        Expr::Any(es) => When::Any(es.iter().map(|e| when(model, e)).collect()),
    }
}

pub(crate) fn dose(d: &model::Dose) -> Dose {
    let amount = |a: &model::Amount| Amount {
        min: a.lo,
        max: a.hi,
        unit: a.unit,
        bound: a.bound,
    };
    let frequency = |f: model::Frequency| match f {
        model::Frequency::Every { lo, hi } => Frequency::EveryHours(Range { min: lo, max: hi }),
        model::Frequency::Times { lo, hi, per } => Frequency::Per {
            times: Some(Range { min: lo, max: hi }),
            per,
        },
        model::Frequency::Per(per) => Frequency::Per { times: None, per },
    };
    Dose {
        amount: d.amount.as_ref().map(amount),
        frequency: d.frequency.map(frequency),
        bouts: d.bouts.map(|b| Bouts {
            min: b.lo,
            max: b.hi,
            unit: b.unit,
            at_least: b.at_least,
        }),
        progression: d.progression.map(|p| Progression {
            amount: Some(amount(&p.amount)),
            frequency: p.frequency.map(frequency),
        }),
    }
}

/// A patient by name: facts sorted by id, measures by id.
pub fn witness(model: &Model, p: &model::Patient) -> Witness {
    let mut facts: Vec<String> = p
        .facts
        .iter()
        .map(|&f| model.facts[f].name.clone())
        .collect();
    facts.sort();
    facts.dedup();
    Witness {
        facts,
        measures: p
            .measures
            .iter()
            .map(|&(m, v)| (model.measures[m].name.clone(), v))
            .collect(),
    }
}

impl Amount {
    /// `[at least | up to] N[..M] UNIT`
    pub fn to_text(&self) -> String {
        let bound = match self.bound {
            Bound::Exactly => "",
            Bound::AtLeast => "at least ",
            Bound::UpTo => "up to ",
        };
        format!(
            "{bound}{} {}",
            range_text(self.min, self.max),
            self.unit.as_str()
        )
    }
}

impl Frequency {
    pub fn to_text(&self) -> String {
        match self {
            Frequency::EveryHours(r) => format!("every {} h", range_text(r.min, r.max)),
            // `daily` and `weekly` are stored as once per day or week; they read as written.
            Frequency::Per {
                times: Some(r),
                per,
            } if r.min == 1.0 && r.max == 1.0 => if per.as_str() == "day" {
                "daily"
            } else {
                "weekly"
            }
            .to_string(),
            Frequency::Per {
                times: Some(r),
                per,
            } => format!("{} times per {}", range_text(r.min, r.max), per.as_str()),
            Frequency::Per { times: None, per } => format!("per {}", per.as_str()),
        }
    }
}

fn range_text(lo: f64, hi: f64) -> String {
    if lo == hi {
        canonical::number(lo)
    } else {
        format!("{}..{}", canonical::number(lo), canonical::number(hi))
    }
}

impl Dose {
    /// The dose as a clinician writes it: `10..20 min every 3 h`, `150 min per week in bouts
    /// of at least 10 min`.
    pub fn to_text(&self) -> String {
        let mut parts: Vec<String> = Vec::new();
        if let Some(a) = &self.amount {
            parts.push(a.to_text());
        }
        if let Some(f) = &self.frequency {
            parts.push(f.to_text());
        }
        if let Some(b) = &self.bouts {
            parts.push(format!(
                "in bouts of {}{} {}",
                if b.at_least { "at least " } else { "" },
                range_text(b.min, b.max),
                b.unit.as_str()
            ));
        }
        if let Some(p) = &self.progression {
            let mut s = "building up to".to_string();
            if let Some(a) = &p.amount {
                s.push(' ');
                s.push_str(&a.to_text());
            }
            if let Some(f) = &p.frequency {
                s.push(' ');
                s.push_str(&f.to_text());
            }
            parts.push(s);
        }
        parts.join(" ")
    }
}

#[cfg(test)]
pub(crate) mod tests;
