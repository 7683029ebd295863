//! The typed syntax tree: what was written, with a byte span on every node. Names are not
//! resolved yet (that is [`crate::names`]); values are already decoded (strings unescaped,
//! numbers parsed, dates checked for shape).

use crate::model::{Action, AmountUnit, Bound, CmpOp, Expectation, FactKind, Period};
use crate::source::Span;

pub use smol_str::SmolStr;

/// A name as written (`sciatica`), or a misspelt one that was already reported.
///
/// The text is kept inline (no allocation) up to 23 bytes, which covers nearly every name:
/// a large ruleset's trees hold millions of names.
#[derive(Clone, Debug, PartialEq)]
pub struct Name {
    pub text: SmolStr,
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

/// Every item is boxed, so that a file's list of items stays small whatever it holds.
#[derive(Clone, Debug, PartialEq)]
pub enum Item {
    Ruleset(Box<RulesetItem>),
    Fact(Box<FactItem>),
    Exclusive(Box<ExclusiveItem>),
    Measure(Box<MeasureItem>),
    Category(Box<CategoryItem>),
    Exercise(Box<ExerciseItem>),
    Source(Box<SourceItem>),
    Rule(Box<RuleItem>),
    Test(Box<TestItem>),
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
    /// `implies`, `excludes` and `code`, boxed together (`None` when all are absent).
    pub clauses: Option<Box<FactClauses>>,
    pub span: Span,
}

/// The clauses a fact may carry (§9.1, §12).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FactClauses {
    pub implies: Vec<Name>,
    pub excludes: Vec<Name>,
    /// Terminology bindings, `SYSTEM|CODE`, as written.
    pub codes: Vec<Text>,
}

impl FactItem {
    pub fn implies(&self) -> &[Name] {
        self.clauses.as_ref().map_or(&[], |c| &c.implies)
    }

    pub fn excludes(&self) -> &[Name] {
        self.clauses.as_ref().map_or(&[], |c| &c.excludes)
    }

    pub fn codes(&self) -> &[Text] {
        self.clauses.as_ref().map_or(&[], |c| &c.codes)
    }
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
    /// Terminology bindings, as written.
    pub codes: Vec<Text>,
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
    /// A measure compared with a number (boxed, like `In`, to keep every condition small).
    Cmp(Box<Comparison>),
    /// A measure tested against a range.
    In(Box<RangeTest>),
    Not(Box<Cond>, Span),
    All(Vec<Cond>, Span),
    Any(Vec<Cond>, Span),
}

impl Cond {
    pub fn span(&self) -> Span {
        match self {
            Cond::Fact(n) => n.span,
            Cond::Cmp(c) => c.span,
            Cond::In(c) => c.span,
            Cond::Not(_, span) | Cond::All(_, span) | Cond::Any(_, span) => *span,
        }
    }
}

/// `age >= 65`
#[derive(Clone, Debug, PartialEq)]
pub struct Comparison {
    pub measure: Name,
    pub op: CmpOp,
    pub value: Number,
    pub span: Span,
}

/// `age in 18..65`
#[derive(Clone, Debug, PartialEq)]
pub struct RangeTest {
    pub measure: Name,
    pub range: Range,
    pub span: Span,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Amount {
    pub bound: Bound,
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
    /// `daily` or `weekly`: once per day or week.
    Named(Period, Span),
}

/// `in bouts of [at least] N[..M] UNIT`
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Bouts {
    pub at_least: bool,
    pub lo: Number,
    pub hi: Number,
    pub unit: AmountUnit,
    pub span: Span,
}

/// `building up to AMOUNT [FREQUENCY]`
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Progression {
    pub amount: Amount,
    pub frequency: Option<Frequency>,
    pub span: Span,
}

/// A dose: one or more of its parts, in this order.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Dose {
    pub amount: Option<Amount>,
    pub frequency: Option<Frequency>,
    pub bouts: Option<Bouts>,
    pub progression: Option<Progression>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ActionClause {
    pub action: Action,
    /// The action word.
    pub word_span: Span,
    pub targets: Vec<Name>,
    /// The exercises and categories after `except`.
    pub except: Vec<Name>,
    /// Boxed: most advice has no dose.
    pub dose: Option<Box<Dose>>,
    /// The whole clause.
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct RuleItem {
    /// `None` for the short form. Boxed: most rules are short, and a large ruleset's trees
    /// are a tenth smaller for it.
    pub name: Option<Box<Name>>,
    pub span: Span,
    /// The name, or the leading `if` of a short rule.
    pub head_span: Span,
    pub cond: Option<Cond>,
    pub unless: Option<Cond>,
    pub action: ActionClause,
    pub cite: Vec<Cite>,
    /// The clauses most rules leave out, boxed together (`None` when all are absent): a large
    /// ruleset's trees are half the size for it. Read them through the accessors below.
    pub details: Option<Box<RuleDetails>>,
}

/// `cite SOURCE ["LOCATOR"]`
#[derive(Clone, Debug, PartialEq)]
pub struct Cite {
    pub source: Name,
    /// Boxed: most citations have none.
    pub locator: Option<Box<Text>>,
}

/// `because`, `evidence`, `strength`, `overrides`, `reviewed`, `status`, `prevails` and
/// `stop if`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RuleDetails {
    pub because: Option<Text>,
    pub evidence: Option<Name>,
    pub strength: Option<Name>,
    pub overrides: Vec<Name>,
    /// The date as written, checked for shape (`YYYY-MM-DD`) but not for validity.
    pub reviewed: Option<Text>,
    pub status: Option<Name>,
    /// The `prevails` clause, where it is written.
    pub prevails: Option<Span>,
    /// `stop if "TEXT"`: the text.
    pub stop_if: Option<Text>,
}

impl RuleItem {
    /// A rule with no clauses yet; its action is a placeholder until the action clause is read.
    pub fn new(name: Option<Name>, head_span: Span, span: Span) -> RuleItem {
        RuleItem {
            name: name.map(Box::new),
            span,
            head_span,
            cond: None,
            unless: None,
            action: ActionClause {
                action: Action::Recommend,
                word_span: span,
                targets: Vec::new(),
                except: Vec::new(),
                dose: None,
                span,
            },
            cite: Vec::new(),
            details: None,
        }
    }

    /// The details, created when the first of them is set.
    pub fn details_mut(&mut self) -> &mut RuleDetails {
        self.details.get_or_insert_with(Box::default)
    }

    pub fn because(&self) -> Option<&Text> {
        self.details.as_ref()?.because.as_ref()
    }

    pub fn evidence(&self) -> Option<&Name> {
        self.details.as_ref()?.evidence.as_ref()
    }

    pub fn strength(&self) -> Option<&Name> {
        self.details.as_ref()?.strength.as_ref()
    }

    pub fn overrides(&self) -> &[Name] {
        self.details.as_ref().map_or(&[], |d| &d.overrides)
    }

    pub fn reviewed(&self) -> Option<&Text> {
        self.details.as_ref()?.reviewed.as_ref()
    }

    pub fn status(&self) -> Option<&Name> {
        self.details.as_ref()?.status.as_ref()
    }

    pub fn prevails(&self) -> Option<Span> {
        self.details.as_ref()?.prevails
    }

    pub fn stop_if(&self) -> Option<&Text> {
        self.details.as_ref()?.stop_if.as_ref()
    }
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
    /// `expect recommend walking 30 min per day`: the dose the deciding rule must give.
    pub dose: Option<Box<Dose>>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct TestItem {
    pub name: Text,
    pub span: Span,
    pub given: Vec<Given>,
    pub expects: Vec<Expect>,
}
