//! Comparing doses: can two doses of one exercise both be followed?
//!
//! Amounts are compared in one unit per kind: `h` is converted to minutes (×60); `reps` and
//! `sets` are their own kinds, and amounts of different kinds (minutes vs repetitions) are not
//! comparable. Frequencies are compared in times per week: `every N..M h` is 168/M..168/N a week,
//! `N..M times per day` is 7N..7M, `per day` is 7 and `per week` is 1. A missing part is not
//! comparable. Two ranges overlap when they share a value, within a small relative tolerance so
//! that rounding in a conversion never invents a mismatch.

use crate::model::{Amount, AmountUnit, Dose, Frequency, Period};

/// Relative tolerance of a comparison.
const TOLERANCE: f64 = 1e-9;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Minutes,
    Reps,
    Sets,
}

/// Which parts of two doses cannot overlap.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Mismatch {
    pub amount: bool,
    pub frequency: bool,
}

/// An amount as (kind, low, high), hours in minutes.
fn amount(a: &Amount) -> (Kind, f64, f64) {
    match a.unit {
        AmountUnit::Min => (Kind::Minutes, a.lo, a.hi),
        AmountUnit::H => (Kind::Minutes, a.lo * 60.0, a.hi * 60.0),
        AmountUnit::Reps => (Kind::Reps, a.lo, a.hi),
        AmountUnit::Sets => (Kind::Sets, a.lo, a.hi),
    }
}

/// How many times a week, low and high; `None` when the dose has no frequency or it cannot be
/// converted (an interval of zero hours).
pub fn per_week(f: Option<Frequency>) -> Option<(f64, f64)> {
    let days = |p: Period| match p {
        Period::Day => 7.0,
        Period::Week => 1.0,
    };
    let (lo, hi) = match f? {
        Frequency::Every { lo, hi } => {
            if !(lo > 0.0 && hi > 0.0) {
                return None;
            }
            (168.0 / hi, 168.0 / lo)
        }
        Frequency::Times { lo, hi, per } => (lo * days(per), hi * days(per)),
        Frequency::Per(per) => (days(per), days(per)),
    };
    (lo.is_finite() && hi.is_finite()).then_some((lo.min(hi), lo.max(hi)))
}

/// Whether `[a_lo, a_hi]` and `[b_lo, b_hi]` share a value, up to the tolerance.
fn overlap((a_lo, a_hi): (f64, f64), (b_lo, b_hi): (f64, f64)) -> bool {
    let slack = |x: f64, y: f64| TOLERANCE * x.abs().max(y.abs()).max(1.0);
    a_lo <= b_hi + slack(a_lo, b_hi) && b_lo <= a_hi + slack(b_lo, a_hi)
}

/// Which parts of two doses cannot overlap, if any.
pub fn mismatch(a: &Dose, b: &Dose) -> Option<Mismatch> {
    let (ka, alo, ahi) = amount(&a.amount);
    let (kb, blo, bhi) = amount(&b.amount);
    let amount = ka == kb && !overlap((alo, ahi), (blo, bhi));
    let frequency = match (per_week(a.frequency), per_week(b.frequency)) {
        (Some(fa), Some(fb)) => !overlap(fa, fb),
        _ => false,
    };
    (amount || frequency).then_some(Mismatch { amount, frequency })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::Span;

    fn dose(lo: f64, hi: f64, unit: AmountUnit, frequency: Option<Frequency>) -> Dose {
        Dose {
            amount: Amount { lo, hi, unit },
            frequency,
            span: Span::default(),
        }
    }

    #[test]
    fn hours_and_minutes_compare() {
        let a = dose(1.0, 1.0, AmountUnit::H, None);
        let b = dose(60.0, 60.0, AmountUnit::Min, None);
        let c = dose(30.0, 45.0, AmountUnit::Min, None);
        assert_eq!(mismatch(&a, &b), None);
        assert_eq!(
            mismatch(&a, &c),
            Some(Mismatch {
                amount: true,
                frequency: false
            })
        );
    }

    #[test]
    fn different_kinds_and_missing_parts_are_not_compared() {
        let reps = dose(
            10.0,
            10.0,
            AmountUnit::Reps,
            Some(Frequency::Per(Period::Day)),
        );
        let mins = dose(30.0, 30.0, AmountUnit::Min, None);
        assert_eq!(mismatch(&reps, &mins), None);
        let sets = dose(3.0, 3.0, AmountUnit::Sets, None);
        assert_eq!(mismatch(&reps, &sets), None);
    }

    #[test]
    fn frequencies_convert_to_times_per_week() {
        // every 3 h = 56 a week; 8 times per day = 56 a week.
        let every = dose(
            10.0,
            20.0,
            AmountUnit::Min,
            Some(Frequency::Every { lo: 3.0, hi: 3.0 }),
        );
        let times = dose(
            15.0,
            15.0,
            AmountUnit::Min,
            Some(Frequency::Times {
                lo: 8.0,
                hi: 8.0,
                per: Period::Day,
            }),
        );
        assert_eq!(mismatch(&every, &times), None);
        let weekly = dose(
            150.0,
            150.0,
            AmountUnit::Min,
            Some(Frequency::Per(Period::Week)),
        );
        assert_eq!(
            mismatch(&every, &weekly),
            Some(Mismatch {
                amount: true,
                frequency: true
            })
        );
        // per day = 7 a week = 1 time per day.
        let per_day = dose(
            30.0,
            30.0,
            AmountUnit::Min,
            Some(Frequency::Per(Period::Day)),
        );
        let once = dose(
            30.0,
            30.0,
            AmountUnit::Min,
            Some(Frequency::Times {
                lo: 1.0,
                hi: 1.0,
                per: Period::Day,
            }),
        );
        assert_eq!(mismatch(&per_day, &once), None);
        // 3..4 times per week vs per day (7): no overlap.
        let some_days = dose(
            30.0,
            30.0,
            AmountUnit::Min,
            Some(Frequency::Times {
                lo: 3.0,
                hi: 4.0,
                per: Period::Week,
            }),
        );
        assert_eq!(
            mismatch(&some_days, &per_day),
            Some(Mismatch {
                amount: false,
                frequency: true
            })
        );
    }

    #[test]
    fn rounding_never_invents_a_mismatch() {
        // every 7 h = 24 a week exactly, computed through a division.
        let every = dose(
            1.0,
            1.0,
            AmountUnit::Min,
            Some(Frequency::Every { lo: 7.0, hi: 7.0 }),
        );
        let times = dose(
            1.0,
            1.0,
            AmountUnit::Min,
            Some(Frequency::Times {
                lo: 24.0,
                hi: 24.0,
                per: Period::Week,
            }),
        );
        assert_eq!(mismatch(&every, &times), None);
        // 0.1 h = 6 min.
        let tenth = dose(0.1, 0.1, AmountUnit::H, None);
        let six = dose(6.0, 6.0, AmountUnit::Min, None);
        assert_eq!(mismatch(&tenth, &six), None);
        // every 0 h cannot be converted and is not compared.
        let zero = dose(
            1.0,
            1.0,
            AmountUnit::Min,
            Some(Frequency::Every { lo: 0.0, hi: 0.0 }),
        );
        assert_eq!(mismatch(&zero, &times), None);
    }
}
