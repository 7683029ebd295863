//! Work on a block of rules done ahead of the passes that ask the solver: for each rule, a
//! list of entries, worked out in chunks (in parallel for a large ruleset) and put together in
//! rule order. The work only reads, so it never touches the solver's work budget.

use std::ops::Range;

use rayon::prelude::*;

use super::RuleId;

/// For each rule of a block, a list of entries.
pub(super) struct Ahead<T> {
    /// The block's first rule.
    pub(super) first: RuleId,
    /// Where each rule's entries are in `entries`; `None` for rules left out.
    pub(super) spans: Vec<Option<(usize, usize)>>,
    pub(super) entries: Vec<T>,
}

impl<T> Default for Ahead<T> {
    fn default() -> Self {
        Ahead {
            first: 0,
            spans: Vec::new(),
            entries: Vec::new(),
        }
    }
}

impl<T: Clone + Send> Ahead<T> {
    /// Rule `r`'s entries, or `None` when it was left out.
    pub(super) fn of(&self, r: RuleId) -> Option<&[T]> {
        let span = self
            .spans
            .get(r.wrapping_sub(self.first))
            .copied()
            .flatten();
        span.map(|(from, to)| &self.entries[from..to])
    }

    /// Work out the entries of `rules`, replacing what was here. `work(part, out)` fills in
    /// those of a chunk of rules (`out.first` is the chunk's first rule, and `out.spans` has a
    /// place for each of its rules). Chunks hold at most `max_chunk` rules and a number that
    /// depends on `parallel` only, never on the number of threads; they are worked on in
    /// parallel from `parallel / 2` rules on.
    pub(super) fn fill(
        &mut self,
        rules: Range<RuleId>,
        parallel: usize,
        max_chunk: usize,
        work: impl Fn(Range<RuleId>, &mut Ahead<T>) + Sync,
    ) {
        self.first = rules.start;
        self.spans.clear();
        self.spans.resize(rules.len(), None);
        self.entries.clear();
        let chunk = (parallel / 4).clamp(1, max_chunk.max(1));
        let chunks = rules
            .clone()
            .step_by(chunk)
            .map(|from| from..(from + chunk).min(rules.end));
        if rules.len() < parallel / 2 {
            for part in chunks {
                work(part, self);
            }
            return;
        }
        let chunks: Vec<_> = chunks.collect();
        let parts: Vec<Ahead<T>> = chunks
            .into_par_iter()
            .map(|part| {
                let mut found = Ahead {
                    first: part.start,
                    spans: vec![None; part.len()],
                    entries: Vec::new(),
                };
                work(part, &mut found);
                found
            })
            .collect();
        for part in parts {
            let base = self.entries.len();
            let spans = &mut self.spans[part.first - self.first..];
            for (slot, span) in spans.iter_mut().zip(part.spans) {
                *slot = span.map(|(from, to)| (base + from, base + to));
            }
            self.entries.extend_from_slice(&part.entries);
        }
    }
}
