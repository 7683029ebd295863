//! `carel report`: one self-contained HTML page a clinical review board can read and sign off.
//!
//! [`render`] turns a bundle into the page: a summary (ruleset, version, digest, counts,
//! sources, reviews), every rule in plain English grouped by condition and by source, every
//! exercise with the rules that can advise it, every conflict with its witness patient and its
//! resolution, focused conflict graphs (inline SVG), and a patient simulator that evaluates the
//! embedded bundle in the browser (`templates/evaluate.js`, a second implementation of §5 and
//! §9; `templates/partial.js`, of §10 for facts not known yet; `templates/report.js`, the
//! page). Styles, scripts and data are inlined; nothing is fetched. The page is a pure function
//! of the bundle and the options: no clock, no randomness, so the same ruleset gives the same
//! bytes.
//!
//! The templates (`templates/report.html`) are compiled by askama with HTML escaping on, so
//! every text from the ruleset (labels, `because`, citations) is escaped; the bundle embedded
//! for the script has `<`, `>` and `&` written as JSON escapes, so it cannot end its script
//! element.

pub mod graph;
pub mod text;

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use askama::Template;
use serde_json::Value;

use crate::bundle::Bundle;
use text::{Vocab, list_of, str_of, strings_of};

/// How the report judges reviews.
#[derive(Clone, Debug, PartialEq)]
pub struct Options {
    /// The date reviews are judged against, `YYYY-MM-DD`. `None`: the most recent `reviewed`
    /// date in the ruleset (so the report never depends on the clock).
    pub today: Option<String>,
    /// A rule is overdue for review when its last review is more than this many months before
    /// `today`, or when it was never reviewed.
    pub review_months: u32,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            today: None,
            review_months: 12,
        }
    }
}

/// A date `YYYY-MM-DD` as (year, month, day), checked.
pub fn parse_date(s: &str) -> Option<(i32, u32, u32)> {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let y: i32 = s[0..4].parse().ok()?;
    let m: u32 = s[5..7].parse().ok()?;
    let d: u32 = s[8..10].parse().ok()?;
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return None,
    };
    (1..=days).contains(&d).then_some((y, m, d))
}

/// `date` minus `months` (the day kept; a later review date compares correctly either way).
fn months_before((y, m, d): (i32, u32, u32), months: u32) -> (i32, u32, u32) {
    let total = y as i64 * 12 + (m as i64 - 1) - months as i64;
    (
        total.div_euclid(12) as i32,
        (total.rem_euclid(12) + 1) as u32,
        d,
    )
}

struct SourceView {
    id: String,
    text: String,
    url: Option<String>,
    rules: usize,
}

#[derive(Clone)]
struct Cite {
    source: String,
    title: String,
    locator: Option<String>,
}

#[derive(Clone)]
struct RuleView {
    id: String,
    /// Whether this card carries the `rule-ID` anchor (the first card of the rule on the page).
    anchor: bool,
    action: String,
    who: String,
    advice: String,
    because: Option<String>,
    stop_if: Option<String>,
    cites: Vec<Cite>,
    evidence: String,
    strength: String,
    reviewed: String,
    status: String,
    precedence: Vec<String>,
    location: String,
    graph: Option<String>,
}

struct Group {
    id: String,
    title: String,
    rules: Vec<RuleView>,
}

struct ExerciseRow {
    rule: String,
    action: String,
    who: String,
    dose: Option<String>,
}

struct ExerciseView {
    id: String,
    label: String,
    categories: String,
    rows: Vec<ExerciseRow>,
    graph: Option<String>,
}

struct ConflictView {
    kind: String,
    kind_words: String,
    state: String,
    exercises: String,
    rules: Vec<(String, String, String)>,
    witness: String,
    resolution: String,
    reason: Option<String>,
}

struct FactInput {
    id: String,
    label: String,
}

struct MeasureInput {
    id: String,
    label: String,
    unit: String,
    min: String,
    max: String,
}

struct Overdue {
    id: String,
    reviewed: String,
}

#[derive(Template)]
#[template(path = "report.html")]
struct Page {
    title: String,
    name: String,
    version: String,
    digest: String,
    compiler: String,
    format_version: String,
    css: &'static str,
    /// The page's scripts, in order: the evaluator (§5, §9), the partial evaluator (§10), the
    /// page's interactions.
    scripts: [&'static str; 3],
    bundle_json: String,
    counts: Vec<(String, String)>,
    relations: Vec<String>,
    sources: Vec<SourceView>,
    review_date: Option<String>,
    review_date_from: String,
    review_months: u32,
    overdue: Vec<Overdue>,
    never_reviewed: Vec<String>,
    rule_count: usize,
    ungraded: Vec<String>,
    uncited: Vec<String>,
    by_condition: Vec<Group>,
    by_source: Vec<Group>,
    exercises: Vec<ExerciseView>,
    conflicts: Vec<ConflictView>,
    conditions: Vec<FactInput>,
    factors: Vec<FactInput>,
    measures: Vec<MeasureInput>,
}

/// The report page for a bundle.
pub fn render(bundle: &Bundle, options: &Options) -> Result<String, String> {
    let value = serde_json::to_value(bundle).map_err(|e| e.to_string())?;
    render_json(&value, &bundle.to_json(), options)
}

/// The JSON of a bundle made safe inside `<script type="application/json">`.
fn script_json(json: &str) -> String {
    let mut out = String::with_capacity(json.len());
    for c in json.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    out
}

/// Every fact and measure a condition mentions, in order of first mention.
fn mentions(w: &Value, out: &mut Vec<String>, depth: usize) {
    if depth > 64 {
        return;
    }
    if let Some(f) = str_of(w, "fact").or_else(|| str_of(w, "measure"))
        && !out.iter().any(|o| o == f)
    {
        out.push(f.to_string());
    }
    if let Some(inner) = w.get("not") {
        mentions(inner, out, depth + 1);
    }
    for key in ["all", "any"] {
        for x in list_of(w, key) {
            mentions(x, out, depth + 1);
        }
    }
}

fn opt_str(v: &Value, key: &str) -> Option<String> {
    str_of(v, key).map(str::to_string)
}

fn render_json(bundle: &Value, json: &str, options: &Options) -> Result<String, String> {
    let v = Vocab::new(bundle);
    let rules = list_of(bundle, "rules");
    let conflicts = list_of(bundle, "conflicts");
    let edges = graph::edges(bundle);
    let index: BTreeMap<&str, usize> = rules
        .iter()
        .enumerate()
        .filter_map(|(i, r)| Some((str_of(r, "id")?, i)))
        .collect();
    let id_of = |i: usize| str_of(&rules[i], "id").unwrap_or_default().to_string();

    // --- Reviews -----------------------------------------------------------------------
    let reviewed: Vec<(usize, (i32, u32, u32))> = rules
        .iter()
        .enumerate()
        .filter_map(|(i, r)| Some((i, parse_date(str_of(r, "reviewed")?)?)))
        .collect();
    let (review_date, review_date_from) = match &options.today {
        Some(t) => {
            parse_date(t).ok_or_else(|| {
                format!("`{t}` is not a date: write it as YYYY-MM-DD, like 2026-03-01")
            })?;
            (Some(t.clone()), "the date given with --today".to_string())
        }
        None => (
            reviewed
                .iter()
                .map(|(_, d)| *d)
                .max()
                .map(|(y, m, d)| format!("{y:04}-{m:02}-{d:02}")),
            "the most recent review in the ruleset".to_string(),
        ),
    };
    let cutoff = review_date
        .as_deref()
        .and_then(parse_date)
        .map(|d| months_before(d, options.review_months));
    let overdue: Vec<Overdue> = reviewed
        .iter()
        .filter(|(_, d)| cutoff.is_some_and(|c| *d < c))
        .map(|&(i, _)| Overdue {
            id: id_of(i),
            reviewed: opt_str(&rules[i], "reviewed").unwrap_or_default(),
        })
        .collect();
    let never_reviewed: Vec<String> = (0..rules.len())
        .filter(|i| !reviewed.iter().any(|(j, _)| j == i))
        .map(id_of)
        .collect();
    let ungraded: Vec<String> = (0..rules.len())
        .filter(|&i| rules[i]["evidence"].is_null() || rules[i]["strength"].is_null())
        .map(id_of)
        .collect();
    let uncited: Vec<String> = (0..rules.len())
        .filter(|&i| text::citations(&rules[i]).is_empty())
        .map(id_of)
        .collect();

    // --- Rule cards ----------------------------------------------------------------------
    let card = |i: usize| -> RuleView {
        let r = &rules[i];
        let mut precedence = Vec::new();
        let overrides = strings_of(r, "overrides");
        if !overrides.is_empty() {
            precedence.push(format!("Overrides {}.", text::join(&overrides, "and")));
        }
        if r.get("prevails").and_then(Value::as_bool) == Some(true) {
            precedence.push(
                "Prevails over every less protective advice on the same exercises.".to_string(),
            );
        }
        let overridden_by: Vec<String> = rules
            .iter()
            .filter(|o| strings_of(o, "overrides").contains(&id_of(i)))
            .filter_map(|o| opt_str(o, "id"))
            .collect();
        if !overridden_by.is_empty() {
            precedence.push(format!(
                "Overridden by {}.",
                text::join(&overridden_by, "and")
            ));
        }
        let location = &r["location"];
        let neighbours = graph::neighbourhood(&edges, i);
        RuleView {
            id: id_of(i),
            anchor: false,
            action: str_of(r, "action").unwrap_or_default().to_string(),
            who: text::who(&v, &r["when"]),
            advice: text::advice(&v, r),
            because: opt_str(r, "because"),
            stop_if: opt_str(r, "stop_if"),
            cites: text::citations(r)
                .into_iter()
                .map(|(source, locator)| Cite {
                    title: v.source_title(&source),
                    source,
                    locator,
                })
                .collect(),
            evidence: opt_str(r, "evidence")
                .map_or("not graded".to_string(), |e| e.replace('_', " ")),
            strength: opt_str(r, "strength")
                .map_or("not graded".to_string(), |e| e.replace('_', " ")),
            reviewed: opt_str(r, "reviewed").unwrap_or_else(|| "never".to_string()),
            status: str_of(r, "status").unwrap_or("active").to_string(),
            precedence,
            location: format!(
                "{}:{}",
                str_of(location, "file").unwrap_or_default(),
                location["line"]
            ),
            graph: if neighbours.len() > 1 {
                graph::svg(
                    bundle,
                    &v,
                    &edges,
                    &neighbours,
                    Some(i),
                    None,
                    &format!(
                        "Rule {} and the rules it overrides or conflicts with",
                        id_of(i)
                    ),
                )
            } else {
                None
            },
        }
    };
    let cards: Vec<RuleView> = (0..rules.len()).map(card).collect();

    let voc = &bundle["vocabulary"];
    let mut group_keys: Vec<(String, String)> = Vec::new();
    for (key, kind) in [("conditions", "Condition"), ("factors", "Factor")] {
        for f in list_of(voc, key) {
            if let Some(id) = str_of(f, "id") {
                group_keys.push((id.to_string(), format!("{kind}: {}", v.fact_label(id))));
            }
        }
    }
    for m in list_of(voc, "measures") {
        if let Some(id) = str_of(m, "id") {
            group_keys.push((id.to_string(), format!("Measure: {}", v.measure(id))));
        }
    }
    let mut by_key: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    let mut everyone = Vec::new();
    for (i, r) in rules.iter().enumerate() {
        let mut m = Vec::new();
        mentions(&r["when"], &mut m, 0);
        if m.is_empty() {
            everyone.push(i);
        }
        for k in m {
            by_key.entry(k).or_default().push(i);
        }
    }
    let mut anchored: BTreeSet<usize> = BTreeSet::new();
    let mut take = |i: usize| {
        let mut c = cards[i].clone();
        c.anchor = anchored.insert(i);
        if !c.anchor {
            c.graph = None;
        }
        c
    };
    let mut by_condition: Vec<Group> = Vec::new();
    if !everyone.is_empty() {
        by_condition.push(Group {
            id: "group-everyone".to_string(),
            title: "Every patient".to_string(),
            rules: everyone.iter().map(|&i| take(i)).collect(),
        });
    }
    for (key, title) in group_keys {
        if let Some(list) = by_key.get(&key) {
            by_condition.push(Group {
                id: format!("group-{key}"),
                title,
                rules: list.iter().map(|&i| take(i)).collect(),
            });
        }
    }
    let mut by_source: Vec<Group> = list_of(voc, "sources")
        .iter()
        .filter_map(|s| {
            let id = str_of(s, "id")?;
            let list: Vec<RuleView> = (0..rules.len())
                .filter(|&i| text::citations(&rules[i]).iter().any(|(c, _)| c == id))
                .map(|i| {
                    let mut c = cards[i].clone();
                    c.graph = None;
                    c
                })
                .collect();
            (!list.is_empty()).then(|| Group {
                id: format!("source-group-{id}"),
                title: v.source_title(id),
                rules: list,
            })
        })
        .collect();
    if !uncited.is_empty() {
        by_source.push(Group {
            id: "source-group-none".to_string(),
            title: "Rules that cite no source".to_string(),
            rules: (0..rules.len())
                .filter(|&i| text::citations(&rules[i]).is_empty())
                .map(|i| {
                    let mut c = cards[i].clone();
                    c.graph = None;
                    c
                })
                .collect(),
        });
    }

    // --- Exercises -------------------------------------------------------------------------
    let exercises: Vec<ExerciseView> = list_of(voc, "exercises")
        .iter()
        .filter_map(|e| {
            let id = str_of(e, "id")?;
            let mut advising = graph::advising(bundle, id);
            advising.sort_by_key(|&r| {
                (
                    std::cmp::Reverse(text::protectiveness(
                        str_of(&rules[r], "action").unwrap_or_default(),
                    )),
                    r,
                )
            });
            let categories: Vec<String> = strings_of(e, "categories")
                .iter()
                .map(|c| {
                    v.target(c)
                        .split(" (all")
                        .next()
                        .unwrap_or_default()
                        .to_string()
                })
                .collect();
            Some(ExerciseView {
                id: id.to_string(),
                label: v.exercise(id),
                categories: text::join(&categories, "and"),
                rows: advising
                    .iter()
                    .map(|&r| ExerciseRow {
                        rule: id_of(r),
                        action: str_of(&rules[r], "action").unwrap_or_default().to_string(),
                        who: text::who(&v, &rules[r]["when"]),
                        dose: rules[r]
                            .get("dose")
                            .filter(|d| !d.is_null())
                            .map(text::dose),
                    })
                    .collect(),
                graph: graph::svg(
                    bundle,
                    &v,
                    &edges,
                    &advising,
                    None,
                    Some(id),
                    &format!("Rules advising {}", v.exercise(id)),
                ),
            })
        })
        .collect();

    // --- Conflicts ---------------------------------------------------------------------------
    let over_of = |i: usize| -> Vec<usize> {
        edges
            .iter()
            .filter_map(|e| match e.over {
                Some((w, l, _)) if w == i => Some(l),
                _ => None,
            })
            .collect()
    };
    let chain = |from: usize, to: usize| -> Option<Vec<usize>> {
        let mut back: BTreeMap<usize, usize> = BTreeMap::new();
        let mut queue = VecDeque::from([from]);
        while let Some(x) = queue.pop_front() {
            if x == to {
                let mut path = vec![to];
                let mut at = to;
                while let Some(&p) = back.get(&at) {
                    path.push(p);
                    at = p;
                }
                path.reverse();
                return Some(path);
            }
            for y in over_of(x) {
                if y != from && !back.contains_key(&y) {
                    back.insert(y, x);
                    queue.push_back(y);
                }
            }
        }
        None
    };
    let conflict_views: Vec<ConflictView> = conflicts
        .iter()
        .map(|c| {
            let kind = str_of(c, "kind").unwrap_or_default().to_string();
            let pair = strings_of(c, "rules");
            let members: Vec<usize> = pair
                .iter()
                .filter_map(|p| index.get(p.as_str()).copied())
                .collect();
            let kind_words = match kind.as_str() {
                "contradiction" => "Contradiction: one rule recommends what the other avoids",
                "tension" => "Tension: the two pieces of advice pull different ways",
                "dose_mismatch" => "Dose mismatch: the two doses cannot both be followed",
                _ => "Conflict",
            }
            .to_string();
            let exercises: Vec<String> = strings_of(c, "exercises")
                .iter()
                .map(|e| v.exercise(e))
                .collect();
            let winner = str_of(c, "resolved_by").and_then(|w| index.get(w).copied());
            let (resolution, reason) = match winner {
                Some(w) => {
                    let loser = members.iter().copied().find(|&m| m != w);
                    let how = match loser {
                        Some(l) if strings_of(&rules[w], "overrides").contains(&id_of(l)) => {
                            format!("Resolved by a named override: {} overrides {}.", id_of(w), id_of(l))
                        }
                        Some(l) if rules[w].get("prevails").and_then(Value::as_bool) == Some(true)
                            && over_of(w).contains(&l) =>
                        {
                            format!(
                                "Resolved: {} prevails (its advice is more protective and it is marked “prevails”).",
                                id_of(w)
                            )
                        }
                        Some(l) => match chain(w, l) {
                            Some(path) => format!(
                                "Resolved through a chain of overrides: {}.",
                                path.iter().map(|&p| id_of(p)).collect::<Vec<_>>().join(" → ")
                            ),
                            None => format!("Resolved: {} prevails.", id_of(w)),
                        },
                        None => format!("Resolved: {} prevails.", id_of(w)),
                    };
                    (
                        format!("{how} When both apply, the advice of {} is given.", id_of(w)),
                        opt_str(&rules[w], "because"),
                    )
                }
                None => {
                    let top = members
                        .iter()
                        .map(|&m| str_of(&rules[m], "action").unwrap_or_default())
                        .max_by_key(|a| text::protectiveness(a))
                        .unwrap_or_default();
                    (
                        format!(
                            "Not resolved (a warning, allowed in a bundle). When both apply, the more protective advice is given: {top}."
                        ),
                        None,
                    )
                }
            };
            ConflictView {
                state: if winner.is_some() { "resolved" } else { "unresolved" }.to_string(),
                kind,
                kind_words,
                exercises: text::join(&exercises, "and"),
                rules: members
                    .iter()
                    .map(|&m| {
                        (
                            id_of(m),
                            text::who(&v, &rules[m]["when"]),
                            text::advice(&v, &rules[m]),
                        )
                    })
                    .collect(),
                witness: text::patient(&v, &c["witness"]),
                resolution,
                reason,
            }
        })
        .collect();

    // Conflicts left standing first: they are what a reviewer must look at.
    let mut conflict_views = conflict_views;
    conflict_views.sort_by_key(|c| c.state != "unresolved");

    // --- Summary -----------------------------------------------------------------------------
    let mut counts: Vec<(String, String)> = vec![("Rules".to_string(), {
        let mut by_action = Vec::new();
        for a in ["avoid", "refer", "caution", "recommend", "consider"] {
            let n = rules
                .iter()
                .filter(|r| str_of(r, "action") == Some(a))
                .count();
            if n > 0 {
                by_action.push(format!("{n} {a}"));
            }
        }
        format!("{} ({})", rules.len(), by_action.join(", "))
    })];
    let drafts = rules
        .iter()
        .filter(|r| str_of(r, "status") == Some("draft"))
        .count();
    if drafts > 0 {
        counts.push(("Draft rules".to_string(), drafts.to_string()));
    }
    for (label, key) in [
        ("Exercises", "exercises"),
        ("Categories", "categories"),
        ("Conditions", "conditions"),
        ("Factors", "factors"),
        ("Measures", "measures"),
        ("Sources", "sources"),
    ] {
        counts.push((label.to_string(), list_of(voc, key).len().to_string()));
    }
    let count_kind = |k: &str, resolved: bool| {
        conflicts
            .iter()
            .filter(|c| str_of(c, "kind") == Some(k) && c["resolved_by"].is_null() != resolved)
            .count()
    };
    counts.push((
        "Conflicts".to_string(),
        format!(
            "{} resolved contradictions, {} tensions ({} resolved), {} dose mismatches ({} resolved)",
            count_kind("contradiction", true),
            count_kind("tension", true) + count_kind("tension", false),
            count_kind("tension", true),
            count_kind("dose_mismatch", true) + count_kind("dose_mismatch", false),
            count_kind("dose_mismatch", true),
        ),
    ));
    let sources = list_of(voc, "sources")
        .iter()
        .filter_map(|s| {
            let id = str_of(s, "id")?;
            Some(SourceView {
                id: id.to_string(),
                text: str_of(s, "text").unwrap_or_default().to_string(),
                url: opt_str(s, "url"),
                rules: rules
                    .iter()
                    .filter(|r| text::citations(r).iter().any(|(c, _)| c == id))
                    .count(),
            })
        })
        .collect();
    let facts_of = |key: &str| -> Vec<FactInput> {
        list_of(voc, key)
            .iter()
            .filter_map(|f| {
                let id = str_of(f, "id")?;
                Some(FactInput {
                    id: id.to_string(),
                    label: v.fact_label(id),
                })
            })
            .collect()
    };
    let measures = list_of(voc, "measures")
        .iter()
        .filter_map(|m| {
            let id = str_of(m, "id")?;
            let bound = |k: &str| {
                m.get(k)
                    .filter(|x| !x.is_null())
                    .map(text::number)
                    .unwrap_or_default()
            };
            Some(MeasureInput {
                id: id.to_string(),
                label: opt_str(m, "label").unwrap_or_else(|| id.to_string()),
                unit: opt_str(m, "unit").unwrap_or_default(),
                min: bound("min"),
                max: bound("max"),
            })
        })
        .collect();
    // How facts relate: exclusive groups, implies, excludes.
    let mut relations: Vec<String> = Vec::new();
    for x in list_of(voc, "exclusive") {
        let members: Vec<String> = strings_of(x, "members").iter().map(|m| v.fact(m)).collect();
        let name = opt_str(x, "label").unwrap_or_else(|| opt_str(x, "id").unwrap_or_default());
        relations.push(if members.len() == 2 {
            format!("{name}: {} cannot both hold.", text::join(&members, "and"))
        } else {
            format!(
                "{name}: at most one of {} holds.",
                text::join(&members, "and")
            )
        });
    }
    for key in ["conditions", "factors"] {
        for f in list_of(voc, key) {
            let Some(id) = str_of(f, "id") else { continue };
            let implies: Vec<String> = strings_of(f, "implies").iter().map(|g| v.fact(g)).collect();
            if !implies.is_empty() {
                relations.push(format!(
                    "Every patient with {} also has {}.",
                    v.fact(id),
                    text::join(&implies, "and")
                ));
            }
            let excludes: Vec<String> = strings_of(f, "excludes")
                .iter()
                .map(|g| v.fact(g))
                .collect();
            if !excludes.is_empty() {
                relations.push(format!(
                    "No patient with {} has {}.",
                    v.fact(id),
                    text::join(&excludes, "or")
                ));
            }
        }
    }
    let ruleset = &bundle["ruleset"];
    let page = Page {
        relations,
        title: opt_str(ruleset, "title")
            .unwrap_or_else(|| opt_str(ruleset, "name").unwrap_or_default()),
        name: opt_str(ruleset, "name").unwrap_or_default(),
        version: opt_str(ruleset, "version").unwrap_or_default(),
        digest: opt_str(bundle, "digest").unwrap_or_default(),
        compiler: format!(
            "{} {}",
            str_of(&bundle["compiler"], "name").unwrap_or_default(),
            str_of(&bundle["compiler"], "version").unwrap_or_default()
        ),
        format_version: bundle["format_version"].to_string(),
        css: include_str!("../../templates/report.css"),
        scripts: [
            include_str!("../../templates/evaluate.js"),
            include_str!("../../templates/partial.js"),
            include_str!("../../templates/report.js"),
        ],
        bundle_json: script_json(json),
        counts,
        sources,
        review_date,
        review_date_from,
        review_months: options.review_months,
        overdue,
        never_reviewed,
        rule_count: rules.len(),
        ungraded,
        uncited,
        by_condition,
        by_source,
        exercises,
        conflicts: conflict_views,
        conditions: facts_of("conditions"),
        factors: facts_of("factors"),
        measures,
    };
    page.render().map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests;
