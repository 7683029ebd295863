//! Per-rule data laid out for the pair checks: each rule's exercises in one flat table, rules
//! grouped by exercise and action, conditions flattened once, and the compact [`Hot`] records.

use rayon::prelude::*;

use super::*;

/// Every rule's exercises ([`Rule::exercises`]) in one flat table. The passes over all rules
/// read them more than anything else of a rule; reading them through the (large) rule records
/// meant a scattered memory access per rule and pass.
pub(super) struct RuleExercises {
    /// Rule `r`'s exercises are `flat[start[r]..start[r + 1]]`.
    pub(super) start: Vec<usize>,
    pub(super) flat: Vec<ExerciseId>,
}

impl RuleExercises {
    pub(super) fn new(rules: &[Rule]) -> RuleExercises {
        let mut start = Vec::with_capacity(rules.len() + 1);
        let mut flat = Vec::with_capacity(rules.len());
        start.push(0);
        for rule in rules {
            flat.extend_from_slice(&rule.exercises);
            start.push(flat.len());
        }
        RuleExercises { start, flat }
    }

    /// How many rules there are.
    pub(super) fn len(&self) -> usize {
        self.start.len().saturating_sub(1)
    }

    /// Rule `r`'s exercises, sorted by name.
    pub(super) fn of(&self, r: RuleId) -> &[ExerciseId] {
        match (self.start.get(r), self.start.get(r + 1)) {
            (Some(&from), Some(&to)) => &self.flat[from..to],
            _ => &[],
        }
    }
}

/// Each exercise's position when exercises are ordered by name (then by id).
pub(super) fn exercise_rank(model: &Model) -> Vec<u32> {
    let mut order: Vec<ExerciseId> = (0..model.exercises.len()).collect();
    order.sort_unstable_by(|&a, &b| {
        (&model.exercises[a].name, a).cmp(&(&model.exercises[b].name, b))
    });
    let mut rank = vec![0; order.len()];
    for (position, &e) in order.iter().enumerate() {
        rank[e] = position as u32;
    }
    rank
}

/// Entries grouped by exercise and action slot in one table: those of exercise `e` and slot
/// `a` are `table[start[SLOTS e + a]..start[SLOTS e + a + 1]]`, in the order they were given. (A vector
/// per exercise and slot meant tens of thousands of allocations, each grown step by step.)
pub(super) struct ByExercise<T> {
    pub(super) start: Vec<usize>,
    pub(super) table: Vec<T>,
}

impl<T: Copy + Default> ByExercise<T> {
    /// Group the rules that `slot_of` gives a slot, by each of their exercises and that slot;
    /// `entry` gives what is kept for a rule (asked once per rule). Exercises out of range are
    /// left out.
    pub(super) fn new(
        exercises: usize,
        rule_exercises: &RuleExercises,
        slot_of: impl Fn(RuleId) -> Option<usize>,
        mut entry: impl FnMut(RuleId) -> T,
    ) -> Self {
        let rules = rule_exercises.len();
        let key = |e: ExerciseId, a: usize| (e < exercises && a < SLOTS).then_some(e * SLOTS + a);
        let mut start = vec![0usize; exercises * SLOTS + 1];
        for r in 0..rules {
            let Some(a) = slot_of(r) else { continue };
            for &e in rule_exercises.of(r) {
                if let Some(k) = key(e, a) {
                    start[k + 1] += 1;
                }
            }
        }
        for k in 1..start.len() {
            start[k] += start[k - 1];
        }
        let mut next = start.clone();
        let mut table = vec![T::default(); start[start.len() - 1]];
        for r in 0..rules {
            let Some(a) = slot_of(r) else { continue };
            let item = entry(r);
            for &e in rule_exercises.of(r) {
                if let Some(k) = key(e, a) {
                    table[next[k]] = item;
                    next[k] += 1;
                }
            }
        }
        ByExercise { start, table }
    }

    /// The entries of exercise `e` and action slot `a`.
    pub(super) fn list(&self, e: ExerciseId, a: usize) -> &[T] {
        let k = e.saturating_mul(SLOTS).saturating_add(a);
        match (self.start.get(k), self.start.get(k + 1)) {
            (Some(&from), Some(&to)) if a < SLOTS => &self.table[from..to],
            _ => &[],
        }
    }
}

impl<T: Ord> ByExercise<T> {
    /// Sort each list.
    pub(super) fn sort_lists(&mut self) {
        for w in self.start.windows(2) {
            self.table[w[0]..w[1]].sort_unstable();
        }
    }
}

/// Rulesets with at least this many rules are analysed partly in parallel (on rayon's
/// threads); for smaller ones handing work to other threads costs more than it saves.
pub(super) const PARALLEL: usize = 4096;

/// Rules one parallel task flattens at least.
const PREPARE_CHUNK: usize = 1024;

/// Each live rule's condition, flattened ([`Space::prepare`]), `None` for retired rules; and
/// each rule's [`Hot`] record, but for what [`Context::hot_data`] adds (its dose and whether
/// it takes part in `overrides`).
///
/// Rules are flattened independently of each other and without touching the work budget, so
/// from `parallel` rules on they are flattened in parallel; the results are collected in rule
/// order, the same as flattening them one after the other.
pub(super) fn prepare_all<'m>(
    space: &Space,
    rules: &'m [Rule],
    parallel: usize,
) -> (Vec<Option<Prepared<'m>>>, Vec<Hot>) {
    let one = |scratch: &mut Scratch, r: &'m Rule| {
        let (prepared, signature) = if r.is_live() {
            let p = space.prepare_in(&[(&r.when, true)], scratch);
            let signature = space.signature(&p);
            (Some(p), signature)
        } else {
            (None, Signature::default())
        };
        let hot = Hot {
            signature,
            action: r.action,
            involved: false,
            plain: prepared.as_ref().is_some_and(|p| p.is_simple()),
            dose: NO_DOSE,
            exercises: r.exercises.len() as u32,
        };
        (prepared, hot)
    };
    if rules.len() < parallel {
        let mut scratch = Scratch::default();
        rules.iter().map(|r| one(&mut scratch, r)).unzip()
    } else {
        rules
            .par_iter()
            .with_min_len((parallel / 4).clamp(1, PREPARE_CHUNK))
            .map_init(Scratch::default, one)
            .unzip()
    }
}

impl<'m> Context<'m, '_> {
    /// Fill in what [`prepare_all`] left of each rule's [`Hot`] record: the index of its dose
    /// among the distinct doses, and whether it takes part in `overrides`.
    pub(super) fn hot_data(&mut self) {
        let mut by_value: HashMap<[u64; 15], u32> = HashMap::default();
        for (r, rule) in self.model.rules.iter().enumerate() {
            let dose = match rule.dose.as_deref().copied() {
                None => NO_DOSE,
                Some(d) => {
                    // Doses are equal when all their parts are; spans differ.
                    let key = dose::key(&d);
                    let next = self.doses.len() as u32;
                    *by_value.entry(key).or_insert_with(|| {
                        self.doses.push(d);
                        next
                    })
                }
            };
            let hot = &mut self.hot[r];
            hot.dose = dose;
            hot.involved = self.overrides.involved(r);
        }
    }
}
