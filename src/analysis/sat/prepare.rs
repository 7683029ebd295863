//! Conditions flattened once into literals ([`Prepared`]) and their fixed-size [`Signature`].

use smallvec::SmallVec;

use super::*;

impl Space {
    /// Flatten conditions (each required true or false) into literals plus the sub-conditions
    /// that are not literals. Done once per rule; the result answers many questions cheaply.
    pub fn prepare<'a>(&self, constraints: &[(&'a Expr, bool)]) -> Prepared<'a> {
        self.prepare_in(constraints, &mut Scratch::default())
    }

    /// [`Space::prepare`], building the lists in `scratch` first: each list of the result is
    /// then allocated once, at its final size, which matters when every rule of a large
    /// ruleset is prepared.
    pub fn prepare_in<'a>(
        &self,
        constraints: &[(&'a Expr, bool)],
        scratch: &mut Scratch,
    ) -> Prepared<'a> {
        let mut p = Prepared {
            src: Src::new(constraints),
            ..Prepared::default()
        };
        let Scratch {
            pos,
            neg,
            mlits,
            pos_groups,
        } = scratch;
        pos.clear();
        neg.clear();
        mlits.clear();
        pos_groups.clear();
        let mut stack = Stack::default();
        stack.extend(constraints.iter().rev().copied());
        while let Some((e, want)) = stack.pop() {
            match e {
                Expr::Always => p.unsat |= !want,
                Expr::Fact(f) => {
                    if want {
                        pos.push(*f)
                    } else {
                        neg.push(*f)
                    }
                }
                Expr::Cmp { measure, op, value } => mlits.push(MLit {
                    measure: *measure,
                    test: Test::Cmp(*op, *value),
                    positive: want,
                }),
                Expr::In { measure, lo, hi } => mlits.push(MLit {
                    measure: *measure,
                    test: Test::In(*lo, *hi),
                    positive: want,
                }),
                Expr::Not(inner) => stack.push((inner, !want)),
                Expr::All(es) if want => stack.extend(es.iter().rev().map(|e| (e, true))),
                Expr::Any(es) if !want => stack.extend(es.iter().rev().map(|e| (e, false))),
                Expr::Any(es) if es.iter().all(|x| matches!(x, Expr::Fact(_))) => {
                    let mut facts: Vec<FactId> = es
                        .iter()
                        .filter_map(|x| {
                            if let Expr::Fact(f) = x {
                                Some(*f)
                            } else {
                                None
                            }
                        })
                        .collect();
                    facts.sort_unstable();
                    facts.dedup();
                    let extra = p.extra_mut();
                    extra.clauses.push(facts);
                    extra.rest.push((e, want));
                }
                Expr::All(_) | Expr::Any(_) => p.extra_mut().rest.push((e, want)),
            }
        }
        self.propagate(pos, neg);
        pos.sort_unstable();
        pos.dedup();
        neg.sort_unstable();
        neg.dedup();
        if pos.iter().any(|&f| self.never(f)) {
            p.unsat = true;
        }
        mlits.sort_by_key(|l| l.measure);
        mlits.dedup();
        pos_groups.extend(
            pos.iter()
                .flat_map(|&f| self.groups_of(f).iter().map(move |&g| (g, f))),
        );
        pos_groups.sort_unstable();
        if intersects(pos, neg) || pos_groups.windows(2).any(|w| w[0].0 == w[1].0) {
            p.unsat = true;
        }
        // Each measure's own tests must admit a value (or unknown); later questions then only
        // look at measures that two parts both test.
        if !p.unsat
            && mlits
                .chunk_by(|a, b| a.measure == b.measure)
                .any(|lits| !self.measure_agrees(lits[0].measure, &[lits]))
        {
            p.unsat = true;
        }
        p.pos = SmallVec::from_slice(pos);
        p.neg = neg.to_vec();
        p.mlits = SmallVec::from_slice(mlits);
        p.pos_groups = SmallVec::from_slice(pos_groups);
        p
    }

    /// Required facts bring the facts they imply; forbidden facts forbid the facts that imply
    /// them. With this, a plain conjunction's literals decide it exactly (its smallest patient
    /// has exactly the required facts).
    pub(super) fn propagate(&self, pos: &mut Vec<FactId>, neg: &mut Vec<FactId>) {
        if !self.has_implications() {
            return;
        }
        let extra: Vec<FactId> = pos.iter().flat_map(|&f| self.implied(f)).copied().collect();
        pos.extend(extra);
        let extra: Vec<FactId> = neg
            .iter()
            .flat_map(|&f| self.implied_by.get(f).into_iter().flatten())
            .copied()
            .collect();
        neg.extend(extra);
    }

    /// The signature of a prepared condition: see [`Signature`].
    pub fn signature(&self, p: &Prepared) -> Signature {
        let mut sig = Signature {
            pos_bits: p.pos.iter().fold(0, |bits, &f| bits | bit(f)),
            neg_bits: p.neg.iter().fold(0, |bits, &f| bits | bit(f)),
            ..Signature::default()
        };
        for &(g, f) in p.pos_groups.iter().take(2) {
            sig.exclusive[sig.exclusive_len as usize] = (g, f as u32);
            sig.exclusive_len += 1;
        }
        if let Some(first) = p.mlits.iter().find(|l| l.positive) {
            let m = first.measure;
            let (lo, hi) = self.range(m);
            let start = Hull {
                measure: m as u32,
                lo: lo.unwrap_or(f64::NEG_INFINITY),
                lo_closed: true,
                hi: hi.unwrap_or(f64::INFINITY),
                hi_closed: true,
            };
            sig.hull = p
                .mlits
                .iter()
                .filter(|l| l.measure == m && l.positive)
                .try_fold(start, |h, l| h.narrow(l.test))
                .filter(|h| !(h.lo.is_nan() || h.hi.is_nan()));
        }
        sig
    }
}

/// The lists [`Space::prepare_in`] builds a condition's literals in, kept from one condition to
/// the next.
#[derive(Default)]
pub struct Scratch {
    pos: Vec<FactId>,
    neg: Vec<FactId>,
    mlits: Vec<MLit>,
    pos_groups: Vec<(u32, FactId)>,
}

/// Conditions flattened for fast questions: see [`Space::prepare`].
#[derive(Clone, Debug, Default)]
pub struct Prepared<'a> {
    /// The conditions as given.
    pub(super) src: Src<'a>,
    /// A literal `false` or an internal clash among the literals: nothing satisfies this.
    pub(super) unsat: bool,
    /// Facts required true / false, sorted. The few facts, groups and measure tests of a
    /// typical rule are kept inline: no allocation of their own, and no second place in memory
    /// to read when two rules are compared.
    pub(super) pos: SmallVec<[FactId; 3]>,
    pub(super) neg: Vec<FactId>,
    /// (exclusive group, fact) for every required-true fact, sorted.
    pub(super) pos_groups: SmallVec<[(u32, FactId); 1]>,
    /// Measure tests, sorted by measure.
    pub(super) mlits: SmallVec<[MLit; 1]>,
    /// What few conditions have: kept apart so that the record of every rule stays small.
    pub(super) extra: Option<Box<Extra<'a>>>,
}

/// The parts of a [`Prepared`] that a plain conjunction of literals does not have.
#[derive(Clone, Debug, Default)]
pub(super) struct Extra<'a> {
    /// Sub-conditions that are not literals.
    pub(super) rest: Vec<(&'a Expr, bool)>,
    /// Those of `rest` that say "at least one of these facts" (`a or b or c`), sorted facts:
    /// a cheap test proves many conjunctions with them unsatisfiable without search.
    pub(super) clauses: Vec<Vec<FactId>>,
    /// Conditions made up by the solver itself (a negated literal), in addition to `src`.
    pub(super) own: Vec<(Expr, bool)>,
}

/// The conditions a [`Prepared`] was made from. Each rule's condition is prepared on its own,
/// so the usual single condition is kept in place instead of in a list of its own.
#[derive(Clone, Debug)]
pub(super) enum Src<'a> {
    One((&'a Expr, bool)),
    Many(Vec<(&'a Expr, bool)>),
}

impl<'a> Src<'a> {
    pub(super) fn new(constraints: &[(&'a Expr, bool)]) -> Src<'a> {
        match constraints {
            [one] => Src::One(*one),
            _ => Src::Many(constraints.to_vec()),
        }
    }
}

impl Default for Src<'_> {
    fn default() -> Self {
        Src::Many(Vec::new())
    }
}

/// The work list of [`Space::prepare`]: its first entries are kept in place, so flattening a
/// typical condition (a conjunction of a few literals) allocates nothing for it.
pub(super) struct Stack<'a> {
    pub(super) few: [(&'a Expr, bool); STACK_FEW],
    pub(super) len: usize,
    pub(super) more: Vec<(&'a Expr, bool)>,
}

/// Entries a [`Stack`] keeps in place.
pub(super) const STACK_FEW: usize = 16;

impl Default for Stack<'_> {
    fn default() -> Self {
        static FILLER: Expr = Expr::Always;
        Stack {
            few: [(&FILLER, true); STACK_FEW],
            len: 0,
            more: Vec::new(),
        }
    }
}

impl<'a> Stack<'a> {
    pub(super) fn push(&mut self, item: (&'a Expr, bool)) {
        if self.len < STACK_FEW {
            self.few[self.len] = item;
            self.len += 1;
        } else {
            self.more.push(item);
        }
    }

    pub(super) fn pop(&mut self) -> Option<(&'a Expr, bool)> {
        if let Some(item) = self.more.pop() {
            return Some(item);
        }
        self.len = self.len.checked_sub(1)?;
        Some(self.few[self.len])
    }

    pub(super) fn extend(&mut self, items: impl IntoIterator<Item = (&'a Expr, bool)>) {
        for item in items {
            self.push(item);
        }
    }
}

/// A fixed-size summary of a prepared condition's literals, kept next to other per-rule data so
/// that most pairs of rules are settled without following a pointer:
/// * a 64-bit Bloom filter of the required and of the forbidden facts;
/// * the first two (exclusive group, fact) requirements;
/// * for the first measure it tests positively, the smallest interval holding every value those
///   tests (and the measure's range) admit.
///
/// Every part is implied by the literals, so it may prove two conditions incompatible
/// ([`Signature::disjoint`]) or a fact set not included in another ([`Signature::may_cover`]),
/// never the opposite.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Signature {
    pub(super) pos_bits: u64,
    pub(super) neg_bits: u64,
    pub(super) exclusive: [(u32, u32); 2],
    pub(super) exclusive_len: u8,
    pub(super) hull: Option<Hull>,
}

/// An interval of a measure's values: ends with an inclusion flag, possibly infinite.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) struct Hull {
    pub(super) measure: u32,
    pub(super) lo: f64,
    pub(super) lo_closed: bool,
    pub(super) hi: f64,
    pub(super) hi_closed: bool,
}

impl Hull {
    /// No value lies in both.
    pub(super) fn disjoint(&self, other: &Hull) -> bool {
        let before =
            |a: &Hull, b: &Hull| a.hi < b.lo || (a.hi == b.lo && !(a.hi_closed && b.lo_closed));
        self.measure == other.measure && (before(self, other) || before(other, self))
    }

    /// Narrow to the values a test admits; `None` when the test cannot be summed up this way.
    pub(super) fn narrow(mut self, test: Test) -> Option<Hull> {
        let (lo, lo_closed, hi, hi_closed) = match test {
            Test::Cmp(_, v) | Test::In(v, _) if v.is_nan() => return None,
            Test::In(_, v) if v.is_nan() => return None,
            Test::Cmp(CmpOp::Lt, v) => (f64::NEG_INFINITY, false, v, false),
            Test::Cmp(CmpOp::Le, v) => (f64::NEG_INFINITY, false, v, true),
            Test::Cmp(CmpOp::Gt, v) => (v, false, f64::INFINITY, false),
            Test::Cmp(CmpOp::Ge, v) => (v, true, f64::INFINITY, false),
            Test::Cmp(CmpOp::Eq, v) => (v, true, v, true),
            Test::Cmp(CmpOp::Ne, _) => return Some(self),
            Test::In(lo, hi) => (lo, true, hi, true),
        };
        if lo > self.lo || (lo == self.lo && !lo_closed) {
            (self.lo, self.lo_closed) = (lo, lo_closed);
        }
        if hi < self.hi || (hi == self.hi && !hi_closed) {
            (self.hi, self.hi_closed) = (hi, hi_closed);
        }
        Some(self)
    }
}

pub(super) fn bit(f: FactId) -> u64 {
    1u64 << ((f.wrapping_mul(0x9E37_79B9) >> 7) & 63)
}

impl Signature {
    /// The two conditions cannot hold for one patient (a `false` proves nothing).
    pub fn disjoint(&self, other: &Signature) -> bool {
        let a = &self.exclusive[..self.exclusive_len as usize];
        let b = &other.exclusive[..other.exclusive_len as usize];
        if a.iter()
            .any(|&(g, f)| b.iter().any(|&(h, e)| g == h && f != e))
        {
            return true;
        }
        matches!((&self.hull, &other.hull), (Some(x), Some(y)) if x.disjoint(y))
    }

    /// Whether `self`'s required facts may all be among `other`'s (`false` proves they are not).
    pub fn may_cover(&self, other: &Signature) -> bool {
        self.pos_bits & !other.pos_bits == 0
    }
}

impl<'a> Prepared<'a> {
    /// Whether the conditions are a plain conjunction of literals (decided without search).
    pub fn is_simple(&self) -> bool {
        self.rest().is_empty()
    }

    /// Sub-conditions that are not literals.
    pub(super) fn rest(&self) -> &[(&'a Expr, bool)] {
        self.extra.as_ref().map_or(&[], |x| &x.rest)
    }

    /// The "at least one of these facts" clauses among [`Prepared::rest`].
    pub(super) fn clauses(&self) -> &[Vec<FactId>] {
        self.extra.as_ref().map_or(&[], |x| &x.clauses)
    }

    /// Conditions made up by the solver itself.
    pub(super) fn own(&self) -> &[(Expr, bool)] {
        self.extra.as_ref().map_or(&[], |x| &x.own)
    }

    pub(super) fn extra_mut(&mut self) -> &mut Extra<'a> {
        self.extra.get_or_insert_with(Box::default)
    }

    /// Whether the literals alone already rule out every patient.
    pub fn is_trivially_unsat(&self) -> bool {
        self.unsat
    }

    /// The conditions as given.
    pub fn constraints(&self) -> &[(&'a Expr, bool)] {
        match &self.src {
            Src::One(one) => std::slice::from_ref(one),
            Src::Many(many) => many,
        }
    }

    /// Facts the conditions require outright (top-level literals), sorted.
    pub fn required_facts(&self) -> &[FactId] {
        &self.pos
    }

    pub(super) fn fact(space: &Space, f: FactId, want: bool) -> Prepared<'static> {
        let mut p = Prepared {
            extra: Some(Box::new(Extra {
                own: vec![(Expr::Fact(f), want)],
                ..Extra::default()
            })),
            ..Prepared::default()
        };
        let mut pos = Vec::new();
        if want {
            pos.push(f);
        } else {
            p.neg.push(f);
        }
        space.propagate(&mut pos, &mut p.neg);
        p.pos = SmallVec::from_vec(pos);
        p.pos.sort_unstable();
        p.pos.dedup();
        p.neg.sort_unstable();
        p.neg.dedup();
        p.pos_groups = p
            .pos
            .iter()
            .flat_map(|&f| space.groups_of(f).iter().map(move |&g| (g, f)))
            .collect();
        p.pos_groups.sort_unstable();
        p.unsat = intersects(&p.pos, &p.neg)
            || p.pos_groups.windows(2).any(|w| w[0].0 == w[1].0)
            || p.pos.iter().any(|&f| space.never(f));
        p
    }

    pub(super) fn mlit(l: MLit) -> Prepared<'static> {
        let measure = l.measure;
        let expr = match l.test {
            Test::Cmp(op, value) => Expr::Cmp { measure, op, value },
            Test::In(lo, hi) => Expr::In { measure, lo, hi },
        };
        Prepared {
            extra: Some(Box::new(Extra {
                own: vec![(expr, l.positive)],
                ..Extra::default()
            })),
            mlits: smallvec::smallvec![l],
            ..Prepared::default()
        }
    }
}

pub(super) fn sources<'b>(parts: &[&'b Prepared<'_>]) -> Vec<(&'b Expr, bool)> {
    parts
        .iter()
        .flat_map(|p| {
            p.constraints()
                .iter()
                .copied()
                .chain(p.own().iter().map(|(e, w)| (e, *w)))
        })
        .collect()
}

/// Two sorted lists share an element.
pub(super) fn intersects(a: &[FactId], b: &[FactId]) -> bool {
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => return true,
        }
    }
    false
}

/// Two sorted (group, fact) lists require two different facts of one exclusive group.
pub(super) fn group_clash(a: &[(u32, FactId)], b: &[(u32, FactId)]) -> bool {
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        match a[i].0.cmp(&b[j].0) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                if a[i].1 != b[j].1 {
                    return true;
                }
                i += 1;
            }
        }
    }
    false
}
