//! The typed syntax tree: what was written, with a byte span on every node. Names are not
//! resolved yet (that is [`crate::names`]); values are already decoded (strings unescaped,
//! numbers parsed, dates checked for shape).

use crate::model::{Action, AmountUnit, CmpOp, Expectation, FactKind, Period};
use crate::source::Span;

/// A name as written (`sciatica`), or a misspelt one that was already reported.
#[derive(Clone, Debug, PartialEq)]
pub struct Name {
    pub text: String,
    pub span: Span,
}

/// A quoted text, unescaped; adjacent strings are joined with a space.
#[derive(Clone, Debug, PartialEq)]
pub struct Text {
    pub value: String,
    pub span: Span,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Number {
    pub value: f64,
    pub span: Span,
}

/// `LO..HI`, inclusive at both ends.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Range {
    pub lo: Number,
    pub hi: Number,
    pub span: Span,
}

/// One source file's items, in order.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct File {
    pub items: Vec<Item>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Item {
    Ruleset(RulesetItem),
    Fact(FactItem),
    Exclusive(ExclusiveItem),
    Measure(MeasureItem),
    Category(CategoryItem),
    Exercise(ExerciseItem),
    Source(SourceItem),
    Rule(Box<RuleItem>),
    Test(TestItem),
}

#[derive(Clone, Debug, PartialEq)]
pub struct RulesetItem {
    pub name: Name,
    pub title: Option<Text>,
    pub version: Option<Text>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct FactItem {
    pub kind: FactKind,
    pub name: Name,
    pub label: Option<Text>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ExclusiveItem {
    pub name: Name,
    pub label: Option<Text>,
    pub members: Vec<Name>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct MeasureItem {
    pub name: Name,
    pub label: Option<Text>,
    pub unit: Option<Text>,
    pub range: Option<Range>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct CategoryItem {
    pub name: Name,
    pub label: Option<Text>,
    pub parents: Vec<Name>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ExerciseItem {
    pub name: Name,
    pub label: Option<Text>,
    pub categories: Vec<Name>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct SourceItem {
    pub name: Name,
    pub text: Text,
    pub url: Option<Text>,
    pub span: Span,
}

/// A condition as written. `not` chains are folded (an even number cancels out).
#[derive(Clone, Debug, PartialEq)]
pub enum Cond {
    Fact(Name),
    Cmp {
        measure: Name,
        op: CmpOp,
        value: Number,
        span: Span,
    },
    In {
        measure: Name,
        range: Range,
        span: Span,
    },
    Not(Box<Cond>, Span),
    All(Vec<Cond>, Span),
    Any(Vec<Cond>, Span),
}

impl Cond {
    pub fn span(&self) -> Span {
        match self {
            Cond::Fact(n) => n.span,
            Cond::Cmp { span, .. }
            | Cond::In { span, .. }
            | Cond::Not(_, span)
            | Cond::All(_, span)
            | Cond::Any(_, span) => *span,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Amount {
    pub lo: Number,
    pub hi: Number,
    pub unit: AmountUnit,
    pub span: Span,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Frequency {
    Every {
        lo: Number,
        hi: Number,
        span: Span,
    },
    Times {
        lo: Number,
        hi: Number,
        per: Period,
        span: Span,
    },
    Per(Period, Span),
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Dose {
    pub amount: Amount,
    pub frequency: Option<Frequency>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ActionClause {
    pub action: Action,
    /// The action word.
    pub word_span: Span,
    pub targets: Vec<Name>,
    pub dose: Option<Dose>,
    /// The whole clause.
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct RuleItem {
    /// `None` for the short form.
    pub name: Option<Name>,
    pub span: Span,
    /// The name, or the leading `if` of a short rule.
    pub head_span: Span,
    pub cond: Option<Cond>,
    pub unless: Option<Cond>,
    pub action: ActionClause,
    pub because: Option<Text>,
    pub cite: Vec<Name>,
    pub evidence: Option<Name>,
    pub strength: Option<Name>,
    pub overrides: Vec<Name>,
    /// The date as written, checked for shape (`YYYY-MM-DD`) but not for validity.
    pub reviewed: Option<Text>,
    pub status: Option<Name>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Given {
    pub name: Name,
    pub value: Option<Number>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Expect {
    pub expectation: Expectation,
    pub targets: Vec<Name>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct TestItem {
    pub name: Text,
    pub span: Span,
    pub given: Vec<Given>,
    pub expects: Vec<Expect>,
}
