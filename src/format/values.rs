//! Conditions, doses and numbers in source syntax; numbers are copied as written.

use super::layout::Layout;
use crate::model::{Bound, Period};
use crate::syntax::{ast::*, fmt_num};

impl Layout<'_> {
    /// A condition with the fewest parentheses the precedence (`or` < `and` < `not`) allows,
    /// plus two that spare the reader the precedence rules: around an `and` inside an `or`
    /// (`a or (b and c)`), and around a comparison after `not` (`not (age >= 65)`).
    pub(super) fn cond_text(&self, c: &Cond) -> String {
        match c {
            Cond::Fact(n) => n.text.to_string(),
            Cond::Cmp(c) => format!(
                "{} {} {}",
                c.measure.text,
                c.op.as_str(),
                self.num(&c.value)
            ),
            Cond::In(c) => format!("{} in {}", c.measure.text, self.range(&c.range)),
            Cond::Not(inner, _) => {
                let grouped = !matches!(**inner, Cond::Fact(_));
                format!("not {}", self.operand(inner, grouped))
            }
            Cond::All(parts, _) => self.join(parts, " and ", |p| {
                matches!(p, Cond::All(..) | Cond::Any(..))
            }),
            Cond::Any(parts, _) => self.join(parts, " or ", |p| {
                matches!(p, Cond::All(..) | Cond::Any(..))
            }),
        }
    }

    fn join(&self, parts: &[Cond], op: &str, grouped: impl Fn(&Cond) -> bool) -> String {
        if parts.is_empty() {
            return "()".to_string();
        }
        parts
            .iter()
            .map(|p| self.operand(p, grouped(p)))
            .collect::<Vec<_>>()
            .join(op)
    }

    fn operand(&self, c: &Cond, grouped: bool) -> String {
        if grouped {
            format!("({})", self.cond_text(c))
        } else {
            self.cond_text(c)
        }
    }

    pub(super) fn dose(&self, d: &Dose) -> String {
        let mut parts: Vec<String> = Vec::new();
        if let Some(a) = &d.amount {
            parts.push(self.amount(a));
        }
        if let Some(f) = &d.frequency {
            parts.push(self.frequency(f));
        }
        if let Some(b) = &d.bouts {
            parts.push(format!(
                "in bouts of {}{} {}",
                if b.at_least { "at least " } else { "" },
                self.bounds(&b.lo, &b.hi),
                b.unit.as_str()
            ));
        }
        if let Some(p) = &d.progression {
            let mut s = format!("building up to {}", self.amount(&p.amount));
            if let Some(f) = &p.frequency {
                s.push(' ');
                s.push_str(&self.frequency(f));
            }
            parts.push(s);
        }
        parts.join(" ")
    }

    fn amount(&self, a: &Amount) -> String {
        let bound = match a.bound {
            Bound::Exactly => "",
            Bound::AtLeast => "at least ",
            Bound::UpTo => "up to ",
        };
        format!("{bound}{} {}", self.bounds(&a.lo, &a.hi), a.unit.as_str())
    }

    fn frequency(&self, f: &Frequency) -> String {
        match f {
            Frequency::Every { lo, hi, .. } => format!("every {} h", self.bounds(lo, hi)),
            Frequency::Times { lo, hi, per, .. } => {
                format!("{} times per {}", self.bounds(lo, hi), per.as_str())
            }
            Frequency::Per(per, _) => format!("per {}", per.as_str()),
            Frequency::Named(Period::Day, _) => "daily".to_string(),
            Frequency::Named(Period::Week, _) => "weekly".to_string(),
        }
    }

    /// `N` or `N..M`: a single number is one node copied into both bounds.
    fn bounds(&self, lo: &Number, hi: &Number) -> String {
        if lo.span == hi.span {
            self.num(lo)
        } else {
            format!("{}..{}", self.num(lo), self.num(hi))
        }
    }

    pub(super) fn range(&self, r: &Range) -> String {
        format!("{}..{}", self.num(&r.lo), self.num(&r.hi))
    }

    /// A number as written in the source (`2.50` stays `2.50`).
    pub(super) fn num(&self, n: &Number) -> String {
        match self.text.get(n.span.range()) {
            Some(s) if is_number(s) => s.to_string(),
            _ => fmt_num(n.value),
        }
    }
}

pub(super) fn is_number(s: &str) -> bool {
    let digits = s.strip_prefix('-').unwrap_or(s);
    let (whole, fraction) = match digits.split_once('.') {
        Some((w, f)) => (w, Some(f)),
        None => (digits, None),
    };
    let all_digits = |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit());
    all_digits(whole) && fraction.is_none_or(all_digits)
}
