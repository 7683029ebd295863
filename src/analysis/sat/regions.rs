//! Measure literals and regions: the thresholds of the conditions cut each measure's range
//! into points and open intervals, and the round value a witness shows for a measure.

use super::*;

impl Space {
    /// Cut measure `m`'s range at `points` (any order, duplicates allowed) into regions.
    pub(super) fn regions(&self, m: MeasureId, points: &mut Vec<f64>) -> Vec<Region> {
        let (lo, hi) = self.range(m);
        points.extend(lo);
        points.extend(hi);
        points.retain(|p| p.is_finite());
        points.sort_by(f64::total_cmp);
        points.dedup();
        let mut out = Vec::with_capacity(points.len() * 2 + 1);
        let mut push = |r: Region| {
            if self.admits(m, r.rep) {
                out.push(r);
            }
        };
        match points.first() {
            None => push(Region {
                lo: f64::NEG_INFINITY,
                hi: f64::INFINITY,
                rep: 0.0,
            }),
            Some(&first) => {
                if let Some(rep) = below(first) {
                    push(Region {
                        lo: f64::NEG_INFINITY,
                        hi: first,
                        rep,
                    });
                }
                for (i, &p) in points.iter().enumerate() {
                    push(Region {
                        lo: p,
                        hi: p,
                        rep: p,
                    });
                    let next = points.get(i + 1).copied();
                    let rep = match next {
                        Some(n) => between(p, n),
                        None => above(p),
                    };
                    if let Some(rep) = rep {
                        push(Region {
                            lo: p,
                            hi: next.unwrap_or(f64::INFINITY),
                            rep,
                        });
                    }
                }
            }
        }
        out
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) enum Test {
    Cmp(CmpOp, f64),
    In(f64, f64),
}

impl Test {
    pub(super) fn holds(self, v: f64) -> bool {
        match self {
            Test::Cmp(op, t) => op.holds(v, t),
            Test::In(lo, hi) => lo <= v && v <= hi,
        }
    }

    pub(super) fn thresholds(self) -> impl Iterator<Item = f64> {
        let (a, b) = match self {
            Test::Cmp(_, t) => (t, None),
            Test::In(lo, hi) => (lo, Some(hi)),
        };
        std::iter::once(a).chain(b)
    }
}

/// A test on one measure, required to hold (`positive`) or to fail.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) struct MLit {
    pub(super) measure: MeasureId,
    pub(super) test: Test,
    pub(super) positive: bool,
}

impl MLit {
    /// Whether the literal holds for a value (`None`: unknown, every test false).
    pub(super) fn holds(&self, v: Option<f64>) -> bool {
        v.is_some_and(|v| self.test.holds(v)) == self.positive
    }

    pub(super) fn negated(self) -> MLit {
        MLit {
            positive: !self.positive,
            ..self
        }
    }
}

/// A stretch of a measure's values on which every comparison of the question agrees:
/// a point (`lo == hi`) or the open interval between `lo` and `hi`. `rep` is a value inside.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) struct Region {
    pub(super) lo: f64,
    pub(super) hi: f64,
    pub(super) rep: f64,
}

impl Region {
    pub(super) fn is_point(&self) -> bool {
        self.lo == self.hi
    }

    pub(super) fn contains(&self, v: f64) -> bool {
        if self.is_point() {
            v == self.lo
        } else {
            self.lo < v && v < self.hi
        }
    }
}

/// A finite value strictly between two finite values, if one exists.
pub(super) fn between(a: f64, b: f64) -> Option<f64> {
    let mid = a / 2.0 + b / 2.0;
    (a < mid && mid < b).then_some(mid)
}

/// A finite value below a finite value, if one exists.
pub(super) fn below(p: f64) -> Option<f64> {
    [p - 1.0, p.next_down()]
        .into_iter()
        .find(|v| v.is_finite() && *v < p)
}

/// A finite value above a finite value, if one exists.
pub(super) fn above(p: f64) -> Option<f64> {
    [p + 1.0, p.next_up()]
        .into_iter()
        .find(|v| v.is_finite() && *v > p)
}

/// The value shown for a measure in a witness, chosen inside the stretch of admissible values
/// from `lo` to `hi` (each end included when its flag says so; ends may be infinite):
///
/// * a single point is that point;
/// * otherwise the stretch's middle is taken (an infinite end is first replaced by the finite
///   end ± max(|finite end|, 10); both infinite: -10..10), and the step is the largest of
///   …, 100, 50, 10, 5, 1, 0.5, 0.1, 0.05, … that is at most half the stretch's width (or at
///   most 1, so a stretch holding a whole number always gets a whole number) and has a multiple
///   inside the stretch; the value is that step's multiple inside the stretch nearest the middle,
///   the smaller one on a tie.
///
/// So `age >= 65` on 0..120 gives 90, `age in 65..80` gives 70, `age > 65 and age < 70` gives 67,
/// `pain in 4..7` gives 5, and an interval without whole numbers such as 2.2..2.8 gives 2.5.
/// `None` when no decimal with up to twelve fraction digits fits (the caller keeps its own value).
pub fn round_value(lo: f64, lo_closed: bool, hi: f64, hi_closed: bool) -> Option<f64> {
    let inside = |x: f64| (x > lo || (lo_closed && x == lo)) && (x < hi || (hi_closed && x == hi));
    if lo == hi {
        return (lo_closed && hi_closed && lo.is_finite()).then_some(lo);
    }
    let (elo, ehi) = match (lo.is_finite(), hi.is_finite()) {
        (true, true) => (lo, hi),
        (true, false) => (lo, lo + lo.abs().max(10.0)),
        (false, true) => (hi - hi.abs().max(10.0), hi),
        (false, false) => (-10.0, 10.0),
    };
    let width = ehi - elo;
    if !(width.is_finite() && width > 0.0) {
        return None;
    }
    let mid = elo / 2.0 + ehi / 2.0;
    let cap = (width / 2.0).max(1.0);
    let top = (cap.log10().floor() as i32).clamp(0, 300);
    for e in (-12..=top).rev() {
        for m in [5.0, 1.0] {
            let value = |k: f64| {
                if e >= 0 {
                    k * m * 10f64.powi(e)
                } else {
                    k * m / 10f64.powi(-e)
                }
            };
            let step = value(1.0);
            if step > cap {
                continue;
            }
            let klo = (elo / step).ceil();
            let khi = (ehi / step).floor();
            if klo > khi {
                continue;
            }
            let k0 = (mid / step).round().clamp(klo, khi);
            let best = [k0 - 1.0, k0, k0 + 1.0]
                .into_iter()
                .map(value)
                .filter(|&x| x.is_finite() && inside(x) && elo <= x && x <= ehi)
                .min_by(|a, b| {
                    (a - mid)
                        .abs()
                        .total_cmp(&(b - mid).abs())
                        .then(a.total_cmp(b))
                });
            if let Some(best) = best {
                return Some(best + 0.0); // never -0
            }
        }
    }
    None
}

/// The value for a measure given which of its regions are admissible: the widest run of
/// consecutive admissible regions (lowest on a tie), and [`round_value`] inside it.
/// Returns the region index and the value; `None` when no region is admissible.
pub(super) fn choose_value(regions: &[Region], valid: &[bool]) -> Option<(usize, f64)> {
    let mut best: Option<(usize, usize)> = None; // run [start, end]
    let mut i = 0;
    while i < regions.len() {
        if !valid[i] {
            i += 1;
            continue;
        }
        let start = i;
        while i + 1 < regions.len() && valid[i + 1] {
            i += 1;
        }
        let width = |(s, e): (usize, usize)| regions[e].hi - regions[s].lo;
        if best.is_none_or(|b| width((start, i)) > width(b)) {
            best = Some((start, i));
        }
        i += 1;
    }
    let (s, e) = best?;
    let (first, last) = (regions[s], regions[e]);
    let value = round_value(first.lo, first.is_point(), last.hi, last.is_point())
        .filter(|&v| regions[s..=e].iter().any(|r| r.contains(v)))
        .unwrap_or(first.rep);
    let index = (s..=e).find(|&r| regions[r].contains(value)).unwrap_or(s);
    Some((index, value))
}
