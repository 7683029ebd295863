//! Doses: amount, frequency, bouts and progression, checked to be positive and written low
//! to high (E007).

use pest::iterators::Pair;

use super::super::Rule;
use super::super::ast::*;
use super::{Builder, fmt_num, is_keyword};
use crate::diagnostic::{Code, Diagnostic};
use crate::model::{AmountUnit, Bound, Period};

impl Builder<'_> {
    pub(super) fn dose(&mut self, pair: Pair<'_, Rule>) -> Dose {
        let span = self.span(&pair);
        let mut dose = Dose {
            amount: None,
            frequency: None,
            bouts: None,
            progression: None,
            span,
        };
        for part in pair.into_inner() {
            match part.as_rule() {
                Rule::amount => dose.amount = Some(self.amount(part)),
                Rule::frequency => dose.frequency = self.frequency(part),
                Rule::bouts => dose.bouts = Some(self.bouts(part)),
                Rule::progression => {
                    let pspan = self.span(&part);
                    let mut amount = None;
                    let mut frequency = None;
                    for p in part.into_inner() {
                        match p.as_rule() {
                            Rule::amount => amount = Some(self.amount(p)),
                            Rule::frequency => frequency = self.frequency(p),
                            _ => {}
                        }
                    }
                    if let Some(amount) = amount {
                        dose.progression = Some(Progression {
                            amount,
                            frequency,
                            span: pspan,
                        });
                    }
                }
                _ => {}
            }
        }
        self.check_dose(&dose);
        dose
    }

    pub(super) fn frequency(&mut self, pair: Pair<'_, Rule>) -> Option<Frequency> {
        let f = pair.into_inner().next()?;
        let fspan = self.span(&f);
        let rule = f.as_rule();
        if rule == Rule::named_freq {
            let per = if f.as_str() == "daily" {
                Period::Day
            } else {
                Period::Week
            };
            return Some(Frequency::Named(per, fspan));
        }
        let inner: Vec<Pair<'_, Rule>> = f
            .into_inner()
            .filter(|p| !is_keyword(p.as_rule()))
            .collect();
        let numbers: Vec<Number> = inner
            .iter()
            .filter(|p| p.as_rule() == Rule::number)
            .map(|p| self.number(p))
            .collect();
        let period = inner.iter().find(|p| p.as_rule() == Rule::period).map(|p| {
            if p.as_str() == "day" {
                Period::Day
            } else {
                Period::Week
            }
        });
        let (lo, hi) = self.bounds(&numbers, fspan);
        Some(match rule {
            Rule::every_freq => Frequency::Every {
                lo,
                hi,
                span: fspan,
            },
            Rule::times_freq => Frequency::Times {
                lo,
                hi,
                per: period.unwrap_or(Period::Day),
                span: fspan,
            },
            _ => Frequency::Per(period.unwrap_or(Period::Day), fspan),
        })
    }

    pub(super) fn amount(&mut self, pair: Pair<'_, Rule>) -> Amount {
        let span = self.span(&pair);
        let inner: Vec<Pair<'_, Rule>> = pair.into_inner().collect();
        let bound = match inner
            .iter()
            .find(|p| p.as_rule() == Rule::bound)
            .and_then(|p| p.clone().into_inner().next())
            .map(|p| p.as_rule())
        {
            Some(Rule::at_least) => Bound::AtLeast,
            Some(Rule::up_to) => Bound::UpTo,
            _ => Bound::Exactly,
        };
        let numbers: Vec<Number> = inner
            .iter()
            .filter(|p| p.as_rule() == Rule::number)
            .map(|p| self.number(p))
            .collect();
        let unit = unit_of(&inner);
        let (lo, hi) = self.bounds(&numbers, span);
        Amount {
            bound,
            lo,
            hi,
            unit,
            span,
        }
    }

    pub(super) fn bouts(&mut self, pair: Pair<'_, Rule>) -> Bouts {
        let span = self.span(&pair);
        let inner: Vec<Pair<'_, Rule>> = pair.into_inner().collect();
        let at_least = inner.iter().any(|p| p.as_rule() == Rule::at_least);
        let numbers: Vec<Number> = inner
            .iter()
            .filter(|p| p.as_rule() == Rule::number)
            .map(|p| self.number(p))
            .collect();
        let unit = unit_of(&inner);
        let (lo, hi) = self.bounds(&numbers, span);
        Bouts {
            at_least,
            lo,
            hi,
            unit,
            span,
        }
    }

    /// Doses must be positive, with ranges written low to high.
    fn check_dose(&mut self, dose: &Dose) {
        let check = |lo: Number, hi: Number, what: &str, diagnostics: &mut Vec<Diagnostic>| {
            if lo.value <= 0.0 || hi.value <= 0.0 {
                let bad = if lo.value <= 0.0 { lo } else { hi };
                diagnostics.push(
                    Diagnostic::new(
                        Code::E007,
                        bad.span,
                        format!("a dose {what} must be more than zero"),
                    )
                    .with_label("not a usable dose")
                    .with_help("give a positive number, or leave the dose out"),
                );
            } else if lo.value > hi.value {
                diagnostics.push(
                    Diagnostic::new(
                        Code::E007,
                        lo.span.to(hi.span),
                        format!("the dose {what} range goes from high to low"),
                    )
                    .with_label("empty range")
                    .with_help(format!(
                        "write the smaller number first: {}..{}",
                        fmt_num(hi.value),
                        fmt_num(lo.value)
                    )),
                );
            }
        };
        let frequency = |f: Option<Frequency>, diagnostics: &mut Vec<Diagnostic>| match f {
            Some(Frequency::Every { lo, hi, .. }) => check(lo, hi, "interval", diagnostics),
            Some(Frequency::Times { lo, hi, .. }) => check(lo, hi, "frequency", diagnostics),
            _ => {}
        };
        if let Some(a) = dose.amount {
            check(a.lo, a.hi, "amount", self.diagnostics);
        }
        frequency(dose.frequency, self.diagnostics);
        if let Some(b) = dose.bouts {
            check(b.lo, b.hi, "bout length", self.diagnostics);
        }
        if let Some(p) = dose.progression {
            check(p.amount.lo, p.amount.hi, "amount", self.diagnostics);
            frequency(p.frequency, self.diagnostics);
        }
    }
}

/// The unit among the parts of an amount or bout length.
fn unit_of(parts: &[Pair<'_, Rule>]) -> AmountUnit {
    match parts
        .iter()
        .find(|p| p.as_rule() == Rule::amount_unit)
        .map(|p| p.as_str())
    {
        Some("h") => AmountUnit::H,
        Some("reps") => AmountUnit::Reps,
        Some("sets") => AmountUnit::Sets,
        _ => AmountUnit::Min,
    }
}
