//! The resolved ruleset: every name replaced by an index into the model's tables.
//!
//! [`crate::names`] builds a [`Model`] from the syntax tree once names and kinds check out.
//! Everything after it — analysis, bundles, evaluation, tests — works on this form only.
//! Tables keep declaration order (files sorted by path, then position in the file).

use crate::source::Span;

pub type FactId = usize;
pub type ExclusiveId = usize;
pub type MeasureId = usize;
pub type CategoryId = usize;
pub type ExerciseId = usize;
pub type SourceId = usize;
pub type RuleId = usize;

#[derive(Clone, Debug, Default)]
pub struct Model {
    pub header: Header,
    /// Conditions and factors together: both are yes/no patient facts.
    pub facts: Vec<Fact>,
    pub exclusives: Vec<Exclusive>,
    pub measures: Vec<Measure>,
    pub categories: Vec<Category>,
    pub exercises: Vec<Exercise>,
    pub sources: Vec<Source>,
    /// Every rule, retired ones included (they are checked but never fire).
    pub rules: Vec<Rule>,
    pub tests: Vec<Test>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Header {
    pub name: String,
    pub title: Option<String>,
    pub version: String,
    /// Where the `ruleset` item is, if there is one.
    pub span: Option<Span>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FactKind {
    Condition,
    Factor,
}

#[derive(Clone, Debug)]
pub struct Fact {
    pub name: String,
    pub label: Option<String>,
    pub kind: FactKind,
    /// Facts this one implies directly, as declared (`implies`), without repeats.
    pub implies: Vec<FactId>,
    /// Facts this one excludes, as declared (`excludes`; the relation is symmetric).
    pub excludes: Vec<FactId>,
    /// Terminology bindings, `SYSTEM|CODE`.
    pub codes: Vec<String>,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct Exclusive {
    pub name: String,
    pub label: Option<String>,
    pub members: Vec<FactId>,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct Measure {
    pub name: String,
    pub label: Option<String>,
    pub unit: Option<String>,
    /// Inclusive bounds; `None` means unbounded on that side.
    pub min: Option<f64>,
    pub max: Option<f64>,
    /// Terminology bindings (`age` binds the measure to the patient's age in years).
    pub codes: Vec<String>,
    pub span: Span,
}

impl Measure {
    /// Whether a value lies inside the declared range.
    pub fn admits(&self, value: f64) -> bool {
        self.min.is_none_or(|lo| value >= lo) && self.max.is_none_or(|hi| value <= hi)
    }
}

#[derive(Clone, Debug)]
pub struct Category {
    pub name: String,
    pub label: Option<String>,
    pub parents: Vec<CategoryId>,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct Exercise {
    pub name: String,
    pub label: Option<String>,
    /// The categories named in its declaration (not their ancestors).
    pub categories: Vec<CategoryId>,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct Source {
    pub name: String,
    pub text: String,
    pub url: Option<String>,
    pub span: Span,
}

/// The five kinds of advice.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Action {
    Recommend,
    Consider,
    Caution,
    /// Only after a clinician has assessed the patient, and as they advise.
    Refer,
    Avoid,
}

impl Action {
    pub const ALL: [Action; 5] = [
        Action::Recommend,
        Action::Consider,
        Action::Caution,
        Action::Refer,
        Action::Avoid,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Action::Recommend => "recommend",
            Action::Consider => "consider",
            Action::Caution => "caution",
            Action::Refer => "refer",
            Action::Avoid => "avoid",
        }
    }

    pub fn parse(s: &str) -> Option<Action> {
        Action::ALL.into_iter().find(|a| a.as_str() == s)
    }

    /// How protective the advice is: the final advice for an exercise is the most
    /// protective one remaining (avoid > refer > caution > recommend > consider).
    pub fn protectiveness(self) -> u8 {
        match self {
            Action::Consider => 0,
            Action::Recommend => 1,
            Action::Caution => 2,
            Action::Refer => 3,
            Action::Avoid => 4,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CmpOp {
    Lt,
    Le,
    Gt,
    Ge,
    Eq,
    Ne,
}

impl CmpOp {
    pub fn as_str(self) -> &'static str {
        match self {
            CmpOp::Lt => "<",
            CmpOp::Le => "<=",
            CmpOp::Gt => ">",
            CmpOp::Ge => ">=",
            CmpOp::Eq => "=",
            CmpOp::Ne => "!=",
        }
    }

    pub fn parse(s: &str) -> Option<CmpOp> {
        Some(match s {
            "<" => CmpOp::Lt,
            "<=" => CmpOp::Le,
            ">" => CmpOp::Gt,
            ">=" => CmpOp::Ge,
            "=" => CmpOp::Eq,
            "!=" => CmpOp::Ne,
            _ => return None,
        })
    }

    /// `value OP threshold` for a known value.
    pub fn holds(self, value: f64, threshold: f64) -> bool {
        match self {
            CmpOp::Lt => value < threshold,
            CmpOp::Le => value <= threshold,
            CmpOp::Gt => value > threshold,
            CmpOp::Ge => value >= threshold,
            CmpOp::Eq => value == threshold,
            CmpOp::Ne => value != threshold,
        }
    }
}

/// A rule's condition with names resolved. A comparison on a measure whose value is
/// unknown is false (so `not (age >= 65)` holds for a patient of unknown age).
#[derive(Clone, Debug, PartialEq)]
pub enum Expr {
    /// No `if`: the rule applies to every patient.
    Always,
    Fact(FactId),
    Cmp {
        measure: MeasureId,
        op: CmpOp,
        value: f64,
    },
    /// `measure in lo..hi`, inclusive at both ends.
    In {
        measure: MeasureId,
        lo: f64,
        hi: f64,
    },
    Not(Box<Expr>),
    All(Vec<Expr>),
    Any(Vec<Expr>),
}

/// One patient: the facts that are true, and the measures whose value is known.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Patient {
    /// True facts, sorted by id, no duplicates.
    pub facts: Vec<FactId>,
    /// Known measure values, sorted by measure id.
    pub measures: Vec<(MeasureId, f64)>,
}

impl Patient {
    pub fn has(&self, fact: FactId) -> bool {
        self.facts.binary_search(&fact).is_ok()
    }

    pub fn value(&self, measure: MeasureId) -> Option<f64> {
        self.measures
            .binary_search_by_key(&measure, |&(m, _)| m)
            .ok()
            .map(|i| self.measures[i].1)
    }
}

impl Expr {
    /// Whether the condition holds for a patient (§5 of the language contract).
    /// Iterative over `All`/`Any` chains; depth is bounded by the parser's nesting limit.
    pub fn holds(&self, patient: &Patient) -> bool {
        match self {
            Expr::Always => true,
            Expr::Fact(f) => patient.has(*f),
            Expr::Cmp { measure, op, value } => {
                patient.value(*measure).is_some_and(|v| op.holds(v, *value))
            }
            Expr::In { measure, lo, hi } => patient
                .value(*measure)
                .is_some_and(|v| *lo <= v && v <= *hi),
            Expr::Not(e) => !e.holds(patient),
            Expr::All(es) => es.iter().all(|e| e.holds(patient)),
            Expr::Any(es) => es.iter().any(|e| e.holds(patient)),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Target {
    Exercise(ExerciseId),
    Category(CategoryId),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AmountUnit {
    Min,
    H,
    Reps,
    Sets,
}

impl AmountUnit {
    pub fn as_str(self) -> &'static str {
        match self {
            AmountUnit::Min => "min",
            AmountUnit::H => "h",
            AmountUnit::Reps => "reps",
            AmountUnit::Sets => "sets",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Period {
    Day,
    Week,
}

impl Period {
    pub fn as_str(self) -> &'static str {
        match self {
            Period::Day => "day",
            Period::Week => "week",
        }
    }
}

/// How an amount bounds the dose: `N[..M]`, `at least N`, `up to N`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum Bound {
    #[default]
    Exactly,
    AtLeast,
    UpTo,
}

impl Bound {
    pub fn as_str(self) -> &'static str {
        match self {
            Bound::Exactly => "exactly",
            Bound::AtLeast => "at_least",
            Bound::UpTo => "up_to",
        }
    }
}

/// `[at least | up to] N[..M] UNIT`: `lo == hi` when a single number was written.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Amount {
    pub lo: f64,
    pub hi: f64,
    pub unit: AmountUnit,
    pub bound: Bound,
}

impl Amount {
    /// The values the amount admits, as an interval (`at least 30` is 30..infinity,
    /// `up to 20` is 0..20).
    pub fn interval(&self) -> (f64, f64) {
        match self.bound {
            Bound::Exactly => (self.lo, self.hi),
            Bound::AtLeast => (self.lo, f64::INFINITY),
            Bound::UpTo => (0.0, self.hi),
        }
    }
}

/// `in bouts of [at least] N[..M] UNIT`
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Bouts {
    pub lo: f64,
    pub hi: f64,
    pub unit: AmountUnit,
    pub at_least: bool,
}

/// `building up to AMOUNT [FREQUENCY]`
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Progression {
    pub amount: Amount,
    pub frequency: Option<Frequency>,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Frequency {
    /// `every N[..M] h`
    Every { lo: f64, hi: f64 },
    /// `N[..M] times per day|week`
    Times { lo: f64, hi: f64, per: Period },
    /// `per day|week`: the amount is a daily or weekly total (once per period).
    Per(Period),
}

/// A dose: at least one part present. `daily`/`weekly` are `Times` 1..1 per day/week.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Dose {
    pub amount: Option<Amount>,
    pub frequency: Option<Frequency>,
    pub bouts: Option<Bouts>,
    pub progression: Option<Progression>,
    pub span: Span,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Evidence {
    High,
    Moderate,
    Low,
    VeryLow,
    ExpertOpinion,
}

impl Evidence {
    pub const ALL: [Evidence; 5] = [
        Evidence::High,
        Evidence::Moderate,
        Evidence::Low,
        Evidence::VeryLow,
        Evidence::ExpertOpinion,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Evidence::High => "high",
            Evidence::Moderate => "moderate",
            Evidence::Low => "low",
            Evidence::VeryLow => "very_low",
            Evidence::ExpertOpinion => "expert_opinion",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Strength {
    Strong,
    Conditional,
}

impl Strength {
    pub const ALL: [Strength; 2] = [Strength::Strong, Strength::Conditional];

    pub fn as_str(self) -> &'static str {
        match self {
            Strength::Strong => "strong",
            Strength::Conditional => "conditional",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum Status {
    Draft,
    #[default]
    Active,
    Retired,
}

impl Status {
    pub const ALL: [Status; 3] = [Status::Draft, Status::Active, Status::Retired];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Draft => "draft",
            Status::Active => "active",
            Status::Retired => "retired",
        }
    }
}

#[derive(Clone, Debug)]
pub struct Rule {
    /// The rule's name, or `<file stem>_<n>` for the n-th unnamed rule of a file.
    pub id: String,
    pub named: bool,
    /// The whole rule.
    pub span: Span,
    /// The name (named rules) or the leading `if` (short form): where diagnostics point.
    pub head_span: Span,
    /// The condition: `if A unless B` is `All[A, Not(B)]`; no `if` is `Always`.
    pub when: Expr,
    /// The `if … unless …` text, when there is one.
    pub when_span: Option<Span>,
    pub action: Action,
    /// The action clause: action word, targets and dose.
    pub action_span: Span,
    pub targets: Vec<(Target, Span)>,
    /// Every exercise the rule advises, categories expanded; sorted by exercise name.
    pub exercises: Vec<ExerciseId>,
    /// Boxed: most rules have no dose, and a dose has many parts.
    pub dose: Option<Box<Dose>>,
    pub cite: Vec<Citation>,
    pub evidence: Option<Evidence>,
    pub strength: Option<Strength>,
    pub status: Status,
    /// The clauses few rules have, boxed so that the record of every rule stays small (a
    /// million-rule ruleset holds a million of them); read them through [`Rule::because`] and
    /// its neighbours, write them through [`Rule::details_mut`].
    pub details: Option<Box<RuleDetails>>,
}

/// The clauses of a [`Rule`] that few rules have.
#[derive(Clone, Debug, Default)]
pub struct RuleDetails {
    pub because: Option<String>,
    /// Rules this one overrides directly, with the span of each name.
    pub overrides: Vec<(RuleId, Span)>,
    /// `YYYY-MM-DD`, already validated.
    pub reviewed: Option<String>,
    /// The exercises and categories after `except`, with the span of each name.
    pub except: Vec<(Target, Span)>,
    /// Where the `prevails` clause is, if the rule has one.
    pub prevails: Option<Span>,
    /// `stop if "TEXT"`.
    pub stop_if: Option<String>,
}

/// `cite SOURCE ["LOCATOR"]`, resolved.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Citation {
    pub source: SourceId,
    pub locator: Option<String>,
}

impl Rule {
    /// Retired rules are checked but never fire and take no part in analysis or bundles.
    pub fn is_live(&self) -> bool {
        self.status != Status::Retired
    }

    /// `because "TEXT"`.
    pub fn because(&self) -> Option<&str> {
        self.details.as_ref()?.because.as_deref()
    }

    /// Rules this one overrides directly, with the span of each name.
    pub fn overrides(&self) -> &[(RuleId, Span)] {
        self.details.as_ref().map_or(&[], |d| &d.overrides)
    }

    /// `reviewed YYYY-MM-DD`, already validated.
    pub fn reviewed(&self) -> Option<&str> {
        self.details.as_ref()?.reviewed.as_deref()
    }

    /// The exercises and categories after `except`, with the span of each name.
    pub fn except(&self) -> &[(Target, Span)] {
        self.details.as_ref().map_or(&[], |d| &d.except)
    }

    /// Where the `prevails` clause is, if the rule has one.
    pub fn prevails(&self) -> Option<Span> {
        self.details.as_ref()?.prevails
    }

    /// `stop if "TEXT"`.
    pub fn stop_if(&self) -> Option<&str> {
        self.details.as_ref()?.stop_if.as_deref()
    }

    /// The rule's rarer clauses, to be written (made empty on first use).
    pub fn details_mut(&mut self) -> &mut RuleDetails {
        self.details.get_or_insert_with(Box::default)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Expectation {
    /// `expect ACTION X`: the final advice is ACTION.
    Is(Action),
    /// `expect not ACTION X`: the final advice is anything else, or nothing.
    IsNot(Action),
    /// `expect nothing X`: no rule advises X.
    Nothing,
}

#[derive(Clone, Debug)]
pub struct Expect {
    pub expectation: Expectation,
    pub targets: Vec<(Target, Span)>,
    /// Targets expanded to exercises, sorted by exercise name.
    pub exercises: Vec<ExerciseId>,
    /// The dose the deciding rule must give (only with `Expectation::Is`).
    pub dose: Option<Dose>,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct Test {
    pub name: String,
    pub span: Span,
    pub patient: Patient,
    pub expects: Vec<Expect>,
}
