//! Span-free trees: the tree of a file with every span set to the default, so that two layouts
//! of one ruleset compare equal.

use crate::source::Span;
use crate::syntax::ast::*;

fn strip_name(n: &Name) -> Name {
    Name {
        text: n.text.clone(),
        span: Span::default(),
    }
}

fn strip_names(list: &[Name]) -> Vec<Name> {
    list.iter().map(strip_name).collect()
}

fn strip_text(t: &Text) -> Text {
    Text {
        value: t.value.clone(),
        span: Span::default(),
    }
}

fn strip_number(n: &Number) -> Number {
    Number {
        value: n.value,
        span: Span::default(),
    }
}

fn strip_range(r: &Range) -> Range {
    Range {
        lo: strip_number(&r.lo),
        hi: strip_number(&r.hi),
        span: Span::default(),
    }
}

fn strip_cond(c: &Cond) -> Cond {
    let s = Span::default();
    match c {
        Cond::Fact(n) => Cond::Fact(strip_name(n)),
        Cond::Cmp(c) => Cond::Cmp(Box::new(Comparison {
            measure: strip_name(&c.measure),
            op: c.op,
            value: strip_number(&c.value),
            span: s,
        })),
        Cond::In(c) => Cond::In(Box::new(RangeTest {
            measure: strip_name(&c.measure),
            range: strip_range(&c.range),
            span: s,
        })),
        Cond::Not(inner, _) => Cond::Not(Box::new(strip_cond(inner)), s),
        Cond::All(parts, _) => Cond::All(parts.iter().map(strip_cond).collect(), s),
        Cond::Any(parts, _) => Cond::Any(parts.iter().map(strip_cond).collect(), s),
    }
}

fn strip_frequency(f: Frequency) -> Frequency {
    let s = Span::default();
    match f {
        Frequency::Every { lo, hi, .. } => Frequency::Every {
            lo: strip_number(&lo),
            hi: strip_number(&hi),
            span: s,
        },
        Frequency::Times { lo, hi, per, .. } => Frequency::Times {
            lo: strip_number(&lo),
            hi: strip_number(&hi),
            per,
            span: s,
        },
        Frequency::Per(per, _) => Frequency::Per(per, s),
        Frequency::Named(per, _) => Frequency::Named(per, s),
    }
}

fn strip_amount(a: &Amount) -> Amount {
    Amount {
        bound: a.bound,
        lo: strip_number(&a.lo),
        hi: strip_number(&a.hi),
        unit: a.unit,
        span: Span::default(),
    }
}

fn strip_dose(d: &Dose) -> Dose {
    let s = Span::default();
    Dose {
        amount: d.amount.as_ref().map(strip_amount),
        frequency: d.frequency.map(strip_frequency),
        bouts: d.bouts.map(|b| Bouts {
            at_least: b.at_least,
            lo: strip_number(&b.lo),
            hi: strip_number(&b.hi),
            unit: b.unit,
            span: s,
        }),
        progression: d.progression.map(|p| Progression {
            amount: strip_amount(&p.amount),
            frequency: p.frequency.map(strip_frequency),
            span: s,
        }),
        span: s,
    }
}

pub(super) fn item(item: &Item) -> Item {
    let s = Span::default();
    match item {
        Item::Ruleset(r) => Item::Ruleset(Box::new(RulesetItem {
            name: strip_name(&r.name),
            title: r.title.as_ref().map(strip_text),
            version: r.version.as_ref().map(strip_text),
            span: s,
        })),
        Item::Fact(f) => Item::Fact(Box::new(FactItem {
            kind: f.kind,
            name: strip_name(&f.name),
            label: f.label.as_ref().map(strip_text),
            clauses: f.clauses.as_ref().map(|c| {
                Box::new(FactClauses {
                    implies: strip_names(&c.implies),
                    excludes: strip_names(&c.excludes),
                    codes: c.codes.iter().map(strip_text).collect(),
                })
            }),
            span: s,
        })),
        Item::Exclusive(x) => Item::Exclusive(Box::new(ExclusiveItem {
            name: strip_name(&x.name),
            label: x.label.as_ref().map(strip_text),
            members: strip_names(&x.members),
            span: s,
        })),
        Item::Measure(m) => Item::Measure(Box::new(MeasureItem {
            name: strip_name(&m.name),
            label: m.label.as_ref().map(strip_text),
            unit: m.unit.as_ref().map(strip_text),
            range: m.range.as_ref().map(strip_range),
            codes: m.codes.iter().map(strip_text).collect(),
            span: s,
        })),
        Item::Category(c) => Item::Category(Box::new(CategoryItem {
            name: strip_name(&c.name),
            label: c.label.as_ref().map(strip_text),
            parents: strip_names(&c.parents),
            span: s,
        })),
        Item::Exercise(e) => Item::Exercise(Box::new(ExerciseItem {
            name: strip_name(&e.name),
            label: e.label.as_ref().map(strip_text),
            categories: strip_names(&e.categories),
            span: s,
        })),
        Item::Source(x) => Item::Source(Box::new(SourceItem {
            name: strip_name(&x.name),
            text: strip_text(&x.text),
            url: x.url.as_ref().map(strip_text),
            span: s,
        })),
        Item::Rule(r) => Item::Rule(Box::new(RuleItem {
            name: r.name.as_deref().map(strip_name).map(Box::new),
            span: s,
            head_span: s,
            cond: r.cond.as_ref().map(strip_cond),
            unless: r.unless.as_ref().map(strip_cond),
            action: ActionClause {
                action: r.action.action,
                word_span: s,
                targets: strip_names(&r.action.targets),
                except: strip_names(&r.action.except),
                dose: r.action.dose.as_deref().map(strip_dose).map(Box::new),
                span: s,
            },
            cite: r
                .cite
                .iter()
                .map(|c| Cite {
                    source: strip_name(&c.source),
                    locator: c.locator.as_deref().map(strip_text).map(Box::new),
                })
                .collect(),
            details: r.details.as_ref().map(|d| {
                Box::new(RuleDetails {
                    because: d.because.as_ref().map(strip_text),
                    evidence: d.evidence.as_ref().map(strip_name),
                    strength: d.strength.as_ref().map(strip_name),
                    overrides: strip_names(&d.overrides),
                    reviewed: d.reviewed.as_ref().map(strip_text),
                    status: d.status.as_ref().map(strip_name),
                    prevails: d.prevails.map(|_| s),
                    stop_if: d.stop_if.as_ref().map(strip_text),
                })
            }),
        })),
        Item::Test(t) => Item::Test(Box::new(TestItem {
            name: strip_text(&t.name),
            span: s,
            given: t
                .given
                .iter()
                .map(|g| Given {
                    name: strip_name(&g.name),
                    value: g.value.as_ref().map(strip_number),
                })
                .collect(),
            expects: t
                .expects
                .iter()
                .map(|e| Expect {
                    expectation: e.expectation,
                    targets: strip_names(&e.targets),
                    dose: e.dose.as_deref().map(strip_dose).map(Box::new),
                    span: s,
                })
                .collect(),
        })),
    }
}
