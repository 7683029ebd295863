//! Comparing doses: can two doses of one exercise both be followed?
//!
//! Amounts are compared in one unit per kind: `h` is converted to minutes (×60); `reps` and
//! `sets` are their own kinds, and amounts of different kinds (minutes vs repetitions) are not
//! comparable. Frequencies are compared in times per week: `every N..M h` is 168/M..168/N a week,
//! `N..M times per day` is 7N..7M, `per day` is 7 and `per week` is 1. A missing part is not
//! comparable. Two ranges overlap when they share a value, within a small relative tolerance so
//! that rounding in a conversion never invents a mismatch.
//!
//! `at least N` is the open-ended range N..infinity and `up to N` is 0..N. The parts compared
//! are those both doses have: the starting amounts, the frequencies, and the progression targets
//! (amount and frequency of `building up to`). Bout lengths are not compared.

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
    /// The targets of `building up to` cannot both be met.
    pub progression: bool,
}

/// An amount as (kind, low, high), hours in minutes.
fn amount(a: &Amount) -> (Kind, f64, f64) {
    let (lo, hi) = a.interval();
    match a.unit {
        AmountUnit::Min => (Kind::Minutes, lo, hi),
        AmountUnit::H => (Kind::Minutes, lo * 60.0, hi * 60.0),
        AmountUnit::Reps => (Kind::Reps, lo, hi),
        AmountUnit::Sets => (Kind::Sets, lo, hi),
    }
}

/// Whether two amounts, both present and of one kind, cannot overlap.
fn amounts_differ(a: Option<&Amount>, b: Option<&Amount>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => {
            let (ka, alo, ahi) = amount(a);
            let (kb, blo, bhi) = amount(b);
            ka == kb && !overlap((alo, ahi), (blo, bhi))
        }
        _ => false,
    }
}

/// Whether two frequencies, both present, cannot overlap.
fn frequencies_differ(a: Option<Frequency>, b: Option<Frequency>) -> bool {
    match (per_week(a), per_week(b)) {
        (Some(fa), Some(fb)) => !overlap(fa, fb),
        _ => false,
    }
}

/// A key equal for two doses exactly when they are the same dose (spans aside).
pub fn key(d: &Dose) -> [u64; 15] {
    let amount = |a: Option<Amount>| match a {
        None => [0, 0, 0],
        Some(a) => [
            a.lo.to_bits(),
            a.hi.to_bits(),
            1 + ((a.unit as u64) << 8) + ((a.bound as u64) << 16),
        ],
    };
    let frequency = |f: Option<Frequency>| match f {
        None => [0, 0, 0],
        Some(Frequency::Every { lo, hi }) => [1, lo.to_bits(), hi.to_bits()],
        Some(Frequency::Times { lo, hi, per }) => [2 + per as u64, lo.to_bits(), hi.to_bits()],
        Some(Frequency::Per(per)) => [4 + per as u64, 0, 0],
    };
    let bouts = match d.bouts {
        None => [0, 0, 0],
        Some(b) => [
            b.lo.to_bits(),
            b.hi.to_bits(),
            1 + ((b.unit as u64) << 8) + ((b.at_least as u64) << 16),
        ],
    };
    let (pa, pf) = match d.progression {
        None => ([0, 0, 0], [0, 0, 0]),
        Some(p) => (amount(Some(p.amount)), frequency(p.frequency)),
    };
    let mut out = [0u64; 15];
    for (i, part) in [amount(d.amount), frequency(d.frequency), bouts, pa, pf]
        .iter()
        .enumerate()
    {
        out[i * 3..i * 3 + 3].copy_from_slice(part);
    }
    out
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
    let amount = amounts_differ(a.amount.as_ref(), b.amount.as_ref());
    let frequency = frequencies_differ(a.frequency, b.frequency);
    let progression = match (&a.progression, &b.progression) {
        (Some(pa), Some(pb)) => {
            amounts_differ(Some(&pa.amount), Some(&pb.amount))
                || frequencies_differ(pa.frequency, pb.frequency)
        }
        _ => false,
    };
    (amount || frequency || progression).then_some(Mismatch {
        amount,
        frequency,
        progression,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Bound;
    use crate::source::Span;

    fn dose(lo: f64, hi: f64, unit: AmountUnit, frequency: Option<Frequency>) -> Dose {
        Dose {
            amount: Some(Amount {
                lo,
                hi,
                unit,
                bound: Bound::Exactly,
            }),
            frequency,
            bouts: None,
            progression: None,
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
                frequency: false,
                progression: false,
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
                frequency: true,
                progression: false,
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
                frequency: true,
                progression: false,
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
