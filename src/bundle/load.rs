//! Loading a bundle from JSON and checking that it is one an app can evaluate without guessing.

use std::collections::BTreeSet;

use foldhash::{HashMap, HashMapExt, HashSet, HashSetExt};
use rayon::prelude::*;

use serde_json::Value;

use super::{Bundle, FORMAT, READS, When, canonical};
use crate::analysis::ConflictKind;
use crate::model::Status;

/// The deepest nesting of arrays and objects a bundle may have. Each parenthesis of a condition
/// can add five levels (`not (a or b and …)` is a `not` object, an `any` object and array, an
/// `all` object and array), so the deepest condition the parser accepts
/// ([`crate::syntax::MAX_NESTING`] parentheses) needs about 5 × that, well below this.
pub const MAX_DEPTH: usize = 512;

/// How deeply arrays and objects nest, or the line and column where they first go deeper
/// than `max`. Strings are skipped, so brackets inside them do not count.
fn nesting(text: &str, max: usize) -> Result<usize, (usize, usize)> {
    let (mut depth, mut deepest, mut in_string, mut escaped) = (0usize, 0usize, false, false);
    for (i, b) in text.bytes().enumerate() {
        if in_string {
            match b {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                deepest = deepest.max(depth);
                if depth > max {
                    let line = text[..i].matches('\n').count() + 1;
                    let column = text[..i]
                        .rsplit('\n')
                        .next()
                        .map_or(0, |l| l.chars().count())
                        + 1;
                    return Err((line, column));
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    Ok(deepest)
}

/// Parse JSON without serde_json's fixed limit of 128 levels (a deep but valid condition needs
/// more); [`nesting`] has already bounded the depth.
fn parse<'a, T: serde::Deserialize<'a>>(text: &'a str) -> Result<T, serde_json::Error> {
    let mut de = serde_json::Deserializer::from_str(text);
    de.disable_recursion_limit();
    let value = T::deserialize(&mut de)?;
    de.end()?;
    Ok(value)
}

/// Nesting up to this depth is read on the calling thread pool (rayon's, whose threads have
/// the standard stack); deeper bundles are read on a pool of their own whose threads have
/// [`DEEP_STACK`] bytes of stack.
const SHALLOW: usize = 64;
const DEEP_STACK: usize = 64 << 20;

pub fn from_json(text: &str) -> Result<Bundle, String> {
    if let Some(read) = read_fast(text) {
        return read;
    }
    let depth = nesting(text, MAX_DEPTH).map_err(|(line, column)| {
        format!("not a Carel bundle: it nests deeper than {MAX_DEPTH} levels (at line {line} column {column})")
    })?;
    if depth <= SHALLOW {
        return read_slowly(text);
    }
    rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .stack_size(DEEP_STACK)
        .thread_name(|_| "carel-bundle".to_string())
        .build()
        .map_err(|e| format!("cannot read the bundle: no thread to read it on ({e})"))?
        .install(|| read_slowly(text))
}

/// Read the text once into the typed bundle and validate it, and in parallel read it once
/// into the canonical form its digest covers (hashed as the members of the outermost object
/// are put in order); then check the digest, whose message comes before any other. `None` when the text is not a
/// bundle of a format this compiler reads, or nests deeper than [`SHALLOW`]: then
/// [`read_slowly`] reads it again and says what is wrong, so every message is the same
/// whichever path finds it. The typed reading keeps serde_json's own depth limit (128), so
/// neither reading can exhaust the stack.
fn read_fast(text: &str) -> Option<Result<Bundle, String>> {
    let (typed, expected) = rayon::join(
        || {
            let mut de = serde_json::Deserializer::from_str(text);
            let bundle = <Bundle as serde::Deserialize>::deserialize(&mut de)?;
            de.end()?;
            // Validated while the digest is worked out; a wrong digest is reported first.
            let valid = (bundle.format == FORMAT && READS.contains(&bundle.format_version))
                .then(|| validate(&bundle));
            Ok::<_, serde_json::Error>((bundle, valid))
        },
        || canonical::text_digest(text, Some("digest"), SHALLOW),
    );
    match (typed, expected) {
        (Ok((bundle, Some(valid))), Ok(expected)) => {
            Some(check_digest(&bundle, &expected).and(valid).map(|()| bundle))
        }
        _ => None,
    }
}

fn check_digest(bundle: &Bundle, expected: &str) -> Result<(), String> {
    if bundle.digest == expected {
        return Ok(());
    }
    Err(format!(
        "the bundle's digest does not match its content (it says `{}`, the content gives `{expected}`): \
         the file was changed after `carel build`; build it again from the ruleset",
        bundle.digest
    ))
}

/// The reference reading of a bundle, step by step through a JSON value tree: what
/// [`read_fast`] falls back to for the message when a bundle is refused.
pub(super) fn read_slowly(text: &str) -> Result<Bundle, String> {
    let value: Value = parse(text).map_err(|e| format!("not valid JSON: {e}"))?;
    let Value::Object(map) = &value else {
        return Err("not a Carel bundle: expected a JSON object".to_string());
    };
    match map.get("format") {
        Some(Value::String(f)) if f == FORMAT => {}
        Some(other) => {
            return Err(format!(
                "not a Carel bundle: `format` is {other}, expected \"{FORMAT}\""
            ));
        }
        None => return Err("not a Carel bundle: it has no `format` field".to_string()),
    }
    match map.get("format_version") {
        Some(v) if v.as_u64().is_some_and(|v| READS.contains(&v)) => {}
        Some(v) => {
            return Err(format!(
                "bundle format version {v} is not supported: this carel reads versions 1 and 2; \
                 rebuild the bundle with this carel"
            ));
        }
        None => return Err("not a Carel bundle: it has no `format_version` field".to_string()),
    }
    let bundle: Bundle = parse(text).map_err(|e| format!("invalid bundle: {e}"))?;
    let mut content = value;
    if let Value::Object(map) = &mut content {
        map.remove("digest");
    }
    check_digest(&bundle, &canonical::digest(&canonical::to_vec(&content)))?;
    validate(&bundle)?;
    Ok(bundle)
}

/// Collect ids, refusing duplicates.
fn ids<'a>(
    what: &str,
    items: impl IntoIterator<Item = &'a str>,
) -> Result<HashMap<&'a str, usize>, String> {
    let items = items.into_iter();
    let mut map = HashMap::with_capacity(items.size_hint().0);
    for (i, id) in items.enumerate() {
        if map.insert(id, i).is_some() {
            return Err(format!(
                "`{id}` is declared twice among the bundle's {what}"
            ));
        }
    }
    Ok(map)
}

/// A cycle in a directed graph given by adjacency lists, as a list of nodes whose last node
/// points back to the first. Iterative, so long chains cannot exhaust the stack.
pub(crate) fn find_cycle(edges: &[Vec<usize>]) -> Option<Vec<usize>> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        New,
        Open,
        Done,
    }
    let mut mark = vec![Mark::New; edges.len()];
    for start in 0..edges.len() {
        if mark[start] != Mark::New {
            continue;
        }
        // (node, index of the next edge to follow)
        let mut stack = vec![(start, 0usize)];
        mark[start] = Mark::Open;
        while let Some(&mut (node, ref mut next)) = stack.last_mut() {
            if let Some(&to) = edges[node].get(*next) {
                *next += 1;
                match mark[to] {
                    Mark::New => {
                        mark[to] = Mark::Open;
                        stack.push((to, 0));
                    }
                    Mark::Open => {
                        let from = stack.iter().position(|&(n, _)| n == to).unwrap_or(0);
                        return Some(stack[from..].iter().map(|&(n, _)| n).collect());
                    }
                    Mark::Done => {}
                }
            } else {
                mark[node] = Mark::Done;
                stack.pop();
            }
        }
    }
    None
}

fn cycle_text(cycle: &[usize], name: impl Fn(usize) -> String) -> String {
    let mut parts: Vec<String> = cycle.iter().map(|&n| format!("`{}`", name(n))).collect();
    if let Some(&first) = cycle.first() {
        parts.push(format!("`{}`", name(first)));
    }
    parts.join(" → ")
}

/// For every category, the exercises below it (directly or through sub-categories), sorted.
/// Assumes parents and categories refer to existing categories and have no cycles.
pub(crate) fn exercises_by_category(bundle: &Bundle) -> HashMap<&str, BTreeSet<&str>> {
    let parents: HashMap<&str, &[String]> = bundle
        .vocabulary
        .categories
        .iter()
        .map(|c| (c.id.as_str(), c.parents.as_slice()))
        .collect();
    let mut below: HashMap<&str, BTreeSet<&str>> =
        parents.keys().map(|&c| (c, BTreeSet::new())).collect();
    for e in &bundle.vocabulary.exercises {
        let mut seen: HashSet<&str> = HashSet::new();
        let mut todo: Vec<&str> = e.categories.iter().map(String::as_str).collect();
        while let Some(c) = todo.pop() {
            if !seen.insert(c) {
                continue;
            }
            if let Some(set) = below.get_mut(c) {
                set.insert(e.id.as_str());
            }
            if let Some(ps) = parents.get(c) {
                todo.extend(ps.iter().map(String::as_str));
            }
        }
    }
    below
}

pub fn validate<'b>(b: &'b Bundle) -> Result<(), String> {
    let v = &b.vocabulary;
    let facts = ids(
        "conditions and factors",
        v.conditions.iter().chain(&v.factors).map(|f| f.id.as_str()),
    )?;
    let measures = ids("measures", v.measures.iter().map(|m| m.id.as_str()))?;
    if let Some(m) = v
        .measures
        .iter()
        .find(|m| facts.contains_key(m.id.as_str()))
    {
        return Err(format!("`{}` is both a fact and a measure", m.id));
    }
    for m in &v.measures {
        if let (Some(lo), Some(hi)) = (m.min, m.max)
            && lo > hi
        {
            return Err(format!(
                "measure `{}` has an empty range: min {lo} is above max {hi}",
                m.id
            ));
        }
    }
    for f in v.conditions.iter().chain(&v.factors) {
        for (word, list) in [("implies", &f.implies), ("excludes", &f.excludes)] {
            let mut seen = HashSet::new();
            for g in list {
                if !facts.contains_key(g.as_str()) {
                    return Err(format!(
                        "`{}` {word} `{g}`, which is not a condition or factor of this bundle",
                        f.id
                    ));
                }
                if !seen.insert(g) {
                    return Err(format!("`{}` {word} `{g}` twice", f.id));
                }
            }
        }
    }
    if b.format_version == 1 {
        let v2 = v
            .conditions
            .iter()
            .chain(&v.factors)
            .any(|f| !(f.implies.is_empty() && f.excludes.is_empty() && f.codes.is_empty()))
            || v.measures.iter().any(|m| !m.codes.is_empty())
            || b.rules.iter().any(|r| {
                r.action == crate::model::Action::Refer
                    || r.prevails
                    || !r.except.is_empty()
                    || r.stop_if.is_some()
                    || r.cite.iter().any(|c| c.locator.is_some())
                    || r.dose.as_ref().is_some_and(|d| {
                        d.amount.is_none() || d.bouts.is_some() || d.progression.is_some()
                    })
            });
        if v2 {
            return Err(
                "the bundle says format version 1 but uses version-2 fields; a bundle using them has format_version 2"
                    .to_string(),
            );
        }
    }
    ids(
        "exclusive groups",
        v.exclusive.iter().map(|x| x.id.as_str()),
    )?;
    for x in &v.exclusive {
        let mut seen = HashSet::new();
        for m in &x.members {
            if !facts.contains_key(m.as_str()) {
                return Err(format!(
                    "exclusive group `{}` names `{m}`, which is not a condition or factor",
                    x.id
                ));
            }
            if !seen.insert(m) {
                return Err(format!("exclusive group `{}` names `{m}` twice", x.id));
            }
        }
    }
    let categories = ids("categories", v.categories.iter().map(|c| c.id.as_str()))?;
    let exercises = ids("exercises", v.exercises.iter().map(|e| e.id.as_str()))?;
    if let Some(e) = v
        .exercises
        .iter()
        .find(|e| categories.contains_key(e.id.as_str()))
    {
        return Err(format!("`{}` is both an exercise and a category", e.id));
    }
    let mut category_edges = vec![Vec::new(); v.categories.len()];
    for (i, c) in v.categories.iter().enumerate() {
        for p in &c.parents {
            let &pi = categories.get(p.as_str()).ok_or_else(|| {
                format!(
                    "category `{}` is in `{p}`, which is not a category of this bundle",
                    c.id
                )
            })?;
            category_edges[i].push(pi);
        }
    }
    if let Some(cycle) = find_cycle(&category_edges) {
        return Err(format!(
            "the categories form a cycle: {}",
            cycle_text(&cycle, |i| v.categories[i].id.clone())
        ));
    }
    for e in &v.exercises {
        if let Some(c) = e
            .categories
            .iter()
            .find(|c| !categories.contains_key(c.as_str()))
        {
            return Err(format!(
                "exercise `{}` is in `{c}`, which is not a category of this bundle",
                e.id
            ));
        }
    }
    let sources = ids("sources", v.sources.iter().map(|s| s.id.as_str()))?;
    let rules = ids("rules", b.rules.iter().map(|r| r.id.as_str()))?;
    let below = exercises_by_category(b);
    let check_rule = |r: &'b super::Rule| -> Result<(), String> {
        let id = &r.id;
        if r.status == Status::Retired {
            return Err(format!(
                "rule `{id}` is retired: retired rules are never part of a bundle"
            ));
        }
        check_when(&r.when, &facts, &measures).map_err(|e| format!("rule `{id}`: {e}"))?;
        if r.targets.is_empty() {
            return Err(format!("rule `{id}` has no targets"));
        }
        let expand = |list: &'b [String], verb: &str| -> Result<BTreeSet<&'b str>, String> {
            let mut expanded: BTreeSet<&str> = BTreeSet::new();
            for t in list {
                if exercises.contains_key(t.as_str()) {
                    expanded.insert(t);
                } else if let Some(set) = below.get(t.as_str()) {
                    expanded.extend(set);
                } else {
                    return Err(format!(
                        "rule `{id}` {verb} `{t}`, which is not an exercise or category of this bundle"
                    ));
                }
            }
            Ok(expanded)
        };
        let mut expanded = expand(&r.targets, "advises")?;
        let excepted = expand(&r.except, "excepts")?;
        let before = expanded.len();
        expanded.retain(|e| !excepted.contains(e));
        if expanded.is_empty() && before > 0 {
            return Err(format!(
                "rule `{id}` advises no exercise: `except` removes every exercise of its targets"
            ));
        }
        if !r
            .exercises
            .iter()
            .map(String::as_str)
            .eq(expanded.iter().copied())
        {
            return Err(format!(
                "rule `{id}`: `exercises` must list the exercises of its targets minus those of `except`, sorted by id: [{}]",
                expanded.iter().copied().collect::<Vec<_>>().join(", ")
            ));
        }
        if let Some(dose) = &r.dose {
            let mut ranges = Vec::new();
            let frequency = |f: &Option<super::Frequency>, ranges: &mut Vec<(f64, f64)>| {
                if let Some(super::Frequency::EveryHours(x))
                | Some(super::Frequency::Per { times: Some(x), .. }) = f
                {
                    ranges.push((x.min, x.max));
                }
            };
            if let Some(a) = &dose.amount {
                ranges.push((a.min, a.max));
            }
            frequency(&dose.frequency, &mut ranges);
            if let Some(b) = &dose.bouts {
                ranges.push((b.min, b.max));
            }
            if let Some(p) = &dose.progression {
                if let Some(a) = &p.amount {
                    ranges.push((a.min, a.max));
                }
                frequency(&p.frequency, &mut ranges);
            }
            let empty = dose.amount.is_none()
                && dose.frequency.is_none()
                && dose.bouts.is_none()
                && dose.progression.is_none();
            if empty || ranges.iter().any(|&(lo, hi)| lo < 0.0 || lo > hi) {
                return Err(format!(
                    "rule `{id}` has a dose with no part, or with an empty or negative range"
                ));
            }
        }
        if let Some(c) = r
            .cite
            .iter()
            .find(|c| !sources.contains_key(c.source.as_str()))
        {
            return Err(format!(
                "rule `{id}` cites `{}`, which is not a source of this bundle",
                c.source
            ));
        }
        for o in &r.overrides {
            if !rules.contains_key(o.as_str()) {
                return Err(format!(
                    "rule `{id}` overrides `{o}`, which is not a rule of this bundle"
                ));
            }
        }
        if r.location.line == 0 || r.location.column == 0 {
            return Err(format!(
                "rule `{id}`: location lines and columns start at 1"
            ));
        }
        Ok(())
    };
    // Each rule is checked on its own, in parallel; the first rule in bundle order that fails
    // is the one reported, as when they are checked one after another.
    if let Some(e) = b.rules.par_iter().find_map_first(|r| check_rule(r).err()) {
        return Err(e);
    }
    if let Some(cycle) = find_cycle(&precedence(b)) {
        let what = if b.rules.iter().any(|r| r.prevails) {
            "`overrides` and `prevails`"
        } else {
            "`overrides`"
        };
        return Err(format!(
            "the rules' {what} form a cycle: {}",
            cycle_text(&cycle, |i| b.rules[i].id.clone())
        ));
    }
    for c in &b.conflicts {
        let [x, y] = &c.rules;
        let pair = format!("the conflict between `{x}` and `{y}`");
        if x == y {
            return Err(format!("{pair} names the same rule twice"));
        }
        if let Some(r) = c.rules.iter().find(|r| !rules.contains_key(r.as_str())) {
            return Err(format!(
                "{pair} names `{r}`, which is not a rule of this bundle"
            ));
        }
        if let Some(e) = c
            .exercises
            .iter()
            .find(|e| !exercises.contains_key(e.as_str()))
        {
            return Err(format!(
                "{pair} names `{e}`, which is not an exercise of this bundle"
            ));
        }
        if let Some(f) = c
            .witness
            .facts
            .iter()
            .find(|f| !facts.contains_key(f.as_str()))
        {
            return Err(format!(
                "{pair}: its witness names `{f}`, which is not a condition or factor"
            ));
        }
        for (m, &value) in &c.witness.measures {
            let &mi = measures.get(m.as_str()).ok_or_else(|| {
                format!("{pair}: its witness names `{m}`, which is not a measure")
            })?;
            if !v.measures[mi].admits(value) {
                return Err(format!(
                    "{pair}: its witness gives `{m}` a value outside its range"
                ));
            }
        }
        match &c.resolved_by {
            Some(r) if r != x && r != y => {
                return Err(format!(
                    "{pair} is resolved by `{r}`, which is neither of the two rules"
                ));
            }
            None if c.kind == ConflictKind::Contradiction => {
                return Err(format!(
                    "{pair} is an unresolved contradiction (recommend vs avoid): a bundle never holds one"
                ));
            }
            _ => {}
        }
    }
    Ok(())
}

/// The override relation of a bundle, by rule index: each rule's `overrides`, and for a rule
/// that `prevails`, every other rule sharing an exercise with it whose action is less
/// protective. Names that are not rules are skipped (validation reports them).
pub fn precedence(b: &Bundle) -> Vec<Vec<usize>> {
    let index: HashMap<&str, usize> = b
        .rules
        .iter()
        .enumerate()
        .map(|(i, r)| (r.id.as_str(), i))
        .collect();
    let mut edges: Vec<Vec<usize>> = b
        .rules
        .iter()
        .map(|r| {
            let mut out: Vec<usize> = Vec::new();
            for o in &r.overrides {
                if let Some(&i) = index.get(o.as_str())
                    && !out.contains(&i)
                {
                    out.push(i);
                }
            }
            out
        })
        .collect();
    if !b.rules.iter().any(|r| r.prevails) {
        return edges;
    }
    let mut by_exercise: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, r) in b.rules.iter().enumerate() {
        for e in &r.exercises {
            by_exercise.entry(e.as_str()).or_default().push(i);
        }
    }
    for (a, r) in b.rules.iter().enumerate() {
        if !r.prevails {
            continue;
        }
        let mut seen: HashSet<usize> = edges[a].iter().copied().collect();
        let mut derived = Vec::new();
        for e in &r.exercises {
            for &other in by_exercise
                .get(e.as_str())
                .map_or(&[][..], |v| v.as_slice())
            {
                if other != a
                    && b.rules[other].action.protectiveness() < r.action.protectiveness()
                    && seen.insert(other)
                {
                    derived.push(other);
                }
            }
        }
        derived.sort_unstable();
        edges[a].extend(derived);
    }
    edges
}

/// Check every name in a condition; iterative, whatever the depth.
fn check_when(
    when: &When,
    facts: &HashMap<&str, usize>,
    measures: &HashMap<&str, usize>,
) -> Result<(), String> {
    let mut todo = vec![when];
    while let Some(w) = todo.pop() {
        match w {
            When::Always => {}
            When::Fact(f) => {
                if !facts.contains_key(f.as_str()) {
                    return Err(format!(
                        "`when` names `{f}`, which is not a condition or factor of this bundle"
                    ));
                }
            }
            When::Compare { measure, .. } | When::In { measure, .. } => {
                if !measures.contains_key(measure.as_str()) {
                    return Err(format!(
                        "`when` names `{measure}`, which is not a measure of this bundle"
                    ));
                }
                if let When::In { min, max, .. } = w
                    && min > max
                {
                    return Err(format!("`when` tests `{measure}` against an empty range"));
                }
            }
            When::Not(x) => todo.push(x),
            When::All(xs) | When::Any(xs) => todo.extend(xs),
        }
    }
    Ok(())
}
