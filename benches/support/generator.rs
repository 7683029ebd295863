//! A deterministic generator of large, realistic Carel rulesets, for benchmarks and scale tests.
//!
//! Shared by `examples/generate.rs` (writes a ruleset folder), `benches/pipeline.rs` (builds
//! rulesets in memory) and `tests/generator.rs`. Standard library only; the same rule count and
//! seed always give the same bytes.
//!
//! # The workload
//!
//! - Vocabulary that grows with the ruleset: about one condition per 20 rules, one exercise per
//!   10 rules, a leaf category per 80 rules (8 exercises each) below mid-level and top-level
//!   categories (a DAG: some categories have two parents), one source per 250 rules, generic
//!   factors, and "contraindication" factors.
//! - A three-way exclusive stage (`acute`, `subacute`, `chronic`) and a measure `age` (0..120).
//! - Every rule cites a source. Most are short rules; about one in ten is a named rule with
//!   clinical metadata.
//! - Advice points one way in one stage (or age band) and the other way in another: each leaf
//!   category has a *profile* saying, per stage and age band (under 65, 65 and over), whether its
//!   exercises are to be protected (`avoid`/`caution`) or used (`recommend`/`consider`). Rules
//!   restrict themselves to one stage, two stages, a stage and an age band, or "not this stage",
//!   so almost every clashing pair on a shared exercise is impossible only because of the
//!   exclusive stage, disjoint age intervals, or a contraindication factor that every active rule
//!   excludes with `unless` while one protective rule is triggered by it.
//! - About 0.1% of rules really conflict, in planned pairs on exercises of their own: every even
//!   pair is a contradiction (`recommend` vs `avoid` for a possible patient) resolved with
//!   `overrides`, every odd pair a tension (`recommend` vs `caution`) left as a warning. So the
//!   ruleset checks without errors (exit 0) and reports exactly the planned W004 warnings, while
//!   the analysis still has to find, witness and record the resolved contradictions.
//! - Doses of one leaf category always overlap, no rule's condition implies another's with the
//!   same action and exercise, and every declaration is used: no unplanned warnings.
//!
//! Size: about 70 bytes per rule including the vocabulary (100,000 rules ≈ 7 MB).

// Each of the three programs that include this file uses a different part of it.
#![allow(dead_code)]

use std::fmt::Write as _;

/// What to generate.
#[derive(Clone, Copy, Debug)]
pub struct Config {
    /// Number of rules.
    pub rules: usize,
    pub seed: u64,
    /// Number of files (at least 1): the vocabulary file, then the rules spread over the rest.
    pub files: usize,
}

/// One generated file: its name (`vocabulary.carel`, `rules_01.carel`, …) and text.
#[derive(Clone, Debug)]
pub struct File {
    pub name: String,
    pub text: String,
}

/// A generated ruleset and what the analysis must find in it.
#[derive(Clone, Debug)]
pub struct Ruleset {
    pub files: Vec<File>,
    /// Rules written (planned conflict rules included).
    pub rules: usize,
    /// Planned contradictions, each resolved by `overrides`: `(overridden, overriding)` rule ids.
    pub resolved: Vec<(String, String)>,
    /// Planned tensions, reported as W004: `(recommend rule, caution rule)` ids.
    pub tensions: Vec<(String, String)>,
}

impl Ruleset {
    pub fn bytes(&self) -> usize {
        self.files.iter().map(|f| f.text.len()).sum()
    }
}

/// splitmix64: small, fast and good enough to pick words.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (`n > 0`).
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    /// True with probability `percent` / 100.
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

const SITES: &[&str] = &[
    "knee", "hip", "neck", "back", "ankle", "wrist", "elbow", "foot", "rib", "calf", "groin",
    "spine", "jaw", "heel", "thigh", "arm", "disc", "sacrum", "shin", "hand",
];
const DISORDERS: &[&str] = &[
    "strain",
    "sprain",
    "tear",
    "pain",
    "spasm",
    "bursitis",
    "stenosis",
    "arthritis",
    "palsy",
    "laxity",
    "oedema",
    "injury",
    "cramp",
    "cyst",
    "lesion",
    "stiffness",
    "weakness",
    "sciatica",
    "fracture",
    "gout",
    "tendinitis",
    "instability",
    "effusion",
    "syndrome",
    "contusion",
];
const RISKS: &[&str] = &[
    "osteoporosis",
    "pregnancy",
    "anticoagulants",
    "heart_failure",
    "recent_surgery",
    "vertigo",
    "hypertension",
    "diabetes",
    "obesity",
    "smoker",
    "falls",
    "neuropathy",
    "open_wound",
    "fever",
    "dizziness",
    "frailty",
];
const MODIFIERS: &[&str] = &[
    "seated", "band", "supine", "prone", "ball", "wall", "one_leg", "box", "bench", "static",
    "slow", "kneel", "side", "mini", "incline", "split",
];
const MOVES: &[&str] = &[
    "squat", "bridge", "plank", "lunge", "row", "press", "curl", "stretch", "walk", "raise",
    "twist", "hinge", "step_up", "march", "crunch", "push_up", "pull", "reach", "tilt", "swing",
];
const TOPS: &[(&str, &str)] = &[
    ("strengthening", "Strengthening"),
    ("stretching", "Stretching"),
    ("aerobic", "Aerobic exercise"),
    ("balance", "Balance training"),
    ("mobility", "Mobility"),
    ("core", "Core stability"),
    ("aquatic", "Aquatic exercise"),
    ("plyometric", "Plyometric training"),
];
const STAGES: [&str; 3] = ["acute", "subacute", "chronic"];

/// Whether a cell of a profile is to be protected (`avoid`/`caution`) or used.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Polarity {
    Protect,
    Use,
}
use Polarity::{Protect, Use};

/// Polarity per stage (acute, subacute, chronic) and age band (under 65, 65 and over).
type Profile = [[Polarity; 2]; 3];

const PROFILES: &[Profile] = &[
    [[Protect, Protect], [Protect, Protect], [Use, Use]],
    [[Protect, Protect], [Use, Use], [Use, Use]],
    [[Protect, Protect], [Protect, Protect], [Use, Protect]],
    [[Protect, Protect], [Use, Protect], [Use, Use]],
    [[Use, Protect], [Use, Use], [Use, Use]],
];

/// The part of the patient space a rule restricts itself to.
#[derive(Clone, Copy)]
enum Slice {
    /// One stage whose two age bands agree.
    Stage(usize),
    /// One stage and one age band (0: under 65, 1: 65 and over).
    StageBand(usize, usize),
    /// Two stages whose four cells agree.
    TwoStages(usize, usize),
    /// Every patient not in this stage (stageless patients too): only when both other stages
    /// are protected, so that it never overlaps active advice.
    NotStage(usize),
}

impl Slice {
    fn polarity(self, p: &Profile) -> Polarity {
        match self {
            Slice::Stage(s) | Slice::TwoStages(s, _) => p[s][0],
            Slice::StageBand(s, b) => p[s][b],
            Slice::NotStage(_) => Protect,
        }
    }
}

/// The slices a profile allows.
fn slices(p: &Profile) -> Vec<Slice> {
    let mut out = Vec::new();
    for (s, bands) in p.iter().enumerate() {
        out.push(Slice::StageBand(s, 0));
        out.push(Slice::StageBand(s, 1));
        if bands[0] == bands[1] {
            // Stage-only rules are the most common kind.
            out.extend([Slice::Stage(s); 8]);
        }
    }
    for (a, b) in [(0, 1), (1, 2), (0, 2)] {
        if p[a] == p[b] && p[a][0] == p[a][1] {
            out.push(Slice::TwoStages(a, b));
        }
    }
    for s in 0..3 {
        if (0..3)
            .filter(|&o| o != s)
            .all(|o| p[o] == [Protect, Protect])
        {
            out.push(Slice::NotStage(s));
        }
    }
    out
}

struct Leaf {
    name: String,
    profile: Profile,
    slices: Vec<Slice>,
    exercises: Vec<usize>,
    /// A factor whose presence rules the leaf's exercises out: every active rule says
    /// `unless` it, and one rule avoids the whole leaf when it holds.
    contraindication: Option<usize>,
    /// Main conditions already used by this leaf's rules (kept distinct, so that no rule's
    /// condition implies another's).
    used: Vec<usize>,
    dose: DoseStyle,
}

/// The dose shape of a leaf: every dose contains `value` and uses the same frequency, so doses
/// of one leaf always overlap.
#[derive(Clone, Copy)]
struct DoseStyle {
    value: u32,
    unit: &'static str,
    frequency: u8,
}

impl DoseStyle {
    fn write(self, rng: &mut Rng, out: &mut String) {
        let v = self.value;
        let lo = v - rng.below(v as usize / 2 + 1) as u32;
        let hi = v + rng.below(v as usize + 1) as u32;
        if lo == hi {
            let _ = write!(out, " {v} {}", self.unit);
        } else {
            let _ = write!(out, " {lo}..{hi} {}", self.unit);
        }
        out.push_str(match self.frequency {
            0 => " per day",
            1 => " 2..4 times per week",
            _ => " every 4..8 h",
        });
    }
}

struct Vocabulary {
    conditions: Vec<String>,
    factors: Vec<String>,
    risks: Vec<String>,
    exercises: Vec<String>,
    /// The leaf category of each exercise.
    leaf_of: Vec<usize>,
    leaves: Vec<Leaf>,
    sources: Vec<String>,
}

/// Distinct snake_case names from two word lists, numbered once the combinations run out.
fn names(count: usize, first: &[&str], second: &[&str], rng: &mut Rng) -> Vec<String> {
    let combos = first.len() * second.len();
    // A fixed shuffle of the combinations, so neighbours differ.
    let mut order: Vec<usize> = (0..combos).collect();
    for i in (1..combos).rev() {
        order.swap(i, rng.below(i + 1));
    }
    (0..count)
        .map(|i| {
            let c = order[i % combos];
            let base = format!("{}_{}", first[c / second.len()], second[c % second.len()]);
            match i / combos {
                0 => base,
                round => format!("{base}_{}", round + 1),
            }
        })
        .collect()
}

fn vocabulary(rules: usize, rng: &mut Rng) -> Vocabulary {
    let conditions = names((rules / 20).max(200), SITES, DISORDERS, rng);
    let factors: Vec<String> = names((rules / 100).max(20), &["has", "history"], DISORDERS, rng)
        .into_iter()
        .map(|n| n.replace("has_", "recent_"))
        .collect();
    let leaf_count = (rules / 80).max(4);
    let exercise_count = leaf_count * 8;
    let exercises = names(exercise_count, MODIFIERS, MOVES, rng);
    let mut leaves = Vec::with_capacity(leaf_count);
    let mut risk_count = 0;
    for i in 0..leaf_count {
        let profile = PROFILES[rng.below(PROFILES.len())];
        let contraindication = if rng.chance(30) {
            risk_count += 1;
            Some(risk_count - 1)
        } else {
            None
        };
        leaves.push(Leaf {
            name: format!("group_{}", i + 1),
            profile,
            slices: slices(&profile),
            exercises: (i * 8..i * 8 + 8).collect(),
            contraindication,
            used: Vec::new(),
            dose: DoseStyle {
                value: [10, 15, 20, 30][rng.below(4)],
                unit: ["min", "reps"][rng.below(2)],
                frequency: rng.below(3) as u8,
            },
        });
    }
    let risks = names(risk_count, RISKS, &["risk", "present", "history"], rng);
    let leaf_of = (0..exercise_count).map(|e| e / 8).collect();
    let sources = (0..(rules / 250).max(4))
        .map(|i| format!("ref{}", i + 1))
        .collect();
    Vocabulary {
        conditions,
        factors,
        risks,
        exercises,
        leaf_of,
        leaves,
        sources,
    }
}

fn write_vocabulary(v: &Vocabulary, conflicts: usize, rng: &mut Rng, out: &mut String) {
    out.push_str("ruleset generated \"Generated exercise advice\" version \"1.0.0\"\n\n");
    out.push_str("factor acute \"Pain for days\"\nfactor subacute \"Pain for weeks\"\n");
    out.push_str("factor chronic \"Pain for three months or more\"\n");
    out.push_str("exclusive stage \"Stage of the episode\": acute, subacute, chronic\n");
    out.push_str("measure age \"Age\" unit \"years\" range 0..120\n\n");
    for c in &v.conditions {
        let _ = writeln!(out, "condition {c}");
    }
    for f in v.factors.iter().chain(&v.risks) {
        let _ = writeln!(out, "factor {f}");
    }
    out.push('\n');
    for (name, label) in TOPS {
        let _ = writeln!(out, "category {name} \"{label}\"");
    }
    // Mid-level categories, each under one or two top-level ones; leaves under one or two mids.
    let mids = (v.leaves.len() / 10).max(TOPS.len());
    for m in 0..mids {
        let a = TOPS[m % TOPS.len()].0;
        if rng.chance(20) {
            let b = TOPS[(m + 3) % TOPS.len()].0;
            let _ = writeln!(out, "category area_{} in {a}, {b}", m + 1);
        } else {
            let _ = writeln!(out, "category area_{} in {a}", m + 1);
        }
    }
    for (i, leaf) in v.leaves.iter().enumerate() {
        let m = i % mids;
        if rng.chance(10) {
            let _ = writeln!(
                out,
                "category {} in area_{}, area_{}",
                leaf.name,
                m + 1,
                (m + 1) % mids + 1
            );
        } else {
            let _ = writeln!(out, "category {} in area_{}", leaf.name, m + 1);
        }
    }
    out.push('\n');
    for (e, name) in v.exercises.iter().enumerate() {
        let _ = writeln!(out, "exercise {name} in {}", v.leaves[v.leaf_of[e]].name);
    }
    out.push_str("category specialist \"Supervised specialist exercises\" in mobility\n");
    for j in 0..conflicts {
        let _ = writeln!(out, "exercise specialist_{} in specialist", j + 1);
    }
    out.push('\n');
    for (i, s) in v.sources.iter().enumerate() {
        let _ = writeln!(
            out,
            "source {s} \"Clinical guideline {}, section {}\"",
            i / 8 + 1,
            i % 8 + 1
        );
    }
}

/// The condition text for a slice, split into its `if` part and its `unless` part.
fn slice_text(slice: Slice, rng: &mut Rng) -> (String, Option<String>) {
    const YOUNG: &[&str] = &["age < 65", "age <= 64", "age < 60"];
    const OLD: &[&str] = &["age >= 65", "age > 70", "age >= 75"];
    match slice {
        Slice::Stage(s) => (STAGES[s].to_string(), None),
        Slice::StageBand(s, 0) if rng.chance(20) => {
            (STAGES[s].to_string(), Some("age >= 65".to_string()))
        }
        Slice::StageBand(s, 0) => (format!("{} and {}", STAGES[s], rng.pick(YOUNG)), None),
        Slice::StageBand(s, _) => (format!("{} and {}", STAGES[s], rng.pick(OLD)), None),
        Slice::TwoStages(a, b) => (format!("({} or {})", STAGES[a], STAGES[b]), None),
        Slice::NotStage(s) if rng.chance(50) => (format!("not {}", STAGES[s]), None),
        Slice::NotStage(s) => (String::new(), Some(STAGES[s].to_string())),
    }
}

/// Generate a ruleset.
pub fn generate(config: Config) -> Ruleset {
    let mut rng = Rng(config.seed);
    let mut v = vocabulary(config.rules, &mut rng);
    // Planned conflicts: pairs of rules on exercises of their own, about 0.1% of all rules.
    let conflicts = (config.rules / 2000).max(2).min(config.rules / 2);
    let k = config.files.max(1);
    let rule_files = if k == 1 { 1 } else { k - 1 };
    let mut texts = vec![String::new(); rule_files];
    let mut stems: Vec<String> = if k == 1 {
        vec!["ruleset".to_string()]
    } else {
        (1..=rule_files).map(|i| format!("rules_{i:02}")).collect()
    };
    let mut vocab = String::new();
    write_vocabulary(&v, conflicts, &mut rng, &mut vocab);
    // Unnamed rules per file, to give the planned conflict rules their ids.
    let mut unnamed = vec![0usize; rule_files];
    let mut resolved = Vec::new();
    let mut tensions = Vec::new();
    let planned_rules = conflicts * 2;
    // One rule per leaf with a contraindication avoids the whole leaf when it is present.
    let guards: Vec<usize> = (0..v.leaves.len())
        .filter(|&l| v.leaves[l].contraindication.is_some())
        .collect();
    let ordinary = config.rules.saturating_sub(planned_rules + guards.len());
    let mut line = String::new();
    for i in 0..ordinary {
        let f = rng.below(rule_files);
        // The first rules cite each source once, so that none is left unused.
        let src = if i < v.sources.len() {
            i
        } else {
            rng.below(v.sources.len())
        };
        line.clear();
        write_rule(i, &mut v, src, &mut rng, &mut line);
        if !line.starts_with("rule ") {
            unnamed[f] += 1;
        }
        texts[f].push_str(&line);
        texts[f].push('\n');
    }
    for &l in &guards {
        let f = rng.below(rule_files);
        let leaf = &v.leaves[l];
        let risk = &v.risks[leaf.contraindication.unwrap_or(0)];
        let src = &v.sources[rng.below(v.sources.len())];
        let _ = writeln!(texts[f], "if {risk} then avoid {} cite {src}", leaf.name);
        unnamed[f] += 1;
    }
    // The planned conflicts.
    for j in 0..conflicts {
        let f = rng.below(rule_files);
        let e = format!("specialist_{}", j + 1);
        let c1 = &v.conditions[rng.below(v.conditions.len())];
        let c2 = &v.conditions[rng.below(v.conditions.len())];
        let src = &v.sources[rng.below(v.sources.len())];
        let text = &mut texts[f];
        if j.is_multiple_of(2) {
            let a = format!("planned_{}_a", j + 1);
            let b = format!("planned_{}_b", j + 1);
            let _ = writeln!(
                text,
                "rule {a}: if {c1} and chronic then recommend {e} 10..20 min per day cite {src}"
            );
            let _ = writeln!(
                text,
                "rule {b}: if {c2} and age >= 65 then avoid {e} overrides {a}\n  because \"Older patients need supervision for this exercise.\" cite {src}"
            );
            resolved.push((a, b));
        } else {
            let a = format!("{}_{}", stems[f], unnamed[f] + 1);
            let b = format!("{}_{}", stems[f], unnamed[f] + 2);
            unnamed[f] += 2;
            let _ = writeln!(text, "if {c1} then recommend {e} cite {src}");
            let _ = writeln!(text, "if {c1} and {c2} then caution {e} cite {src}");
            tensions.push((a, b));
        }
    }
    let mut files = Vec::with_capacity(k);
    if k == 1 {
        vocab.push('\n');
        vocab.push_str(&texts[0]);
        files.push(File {
            name: "ruleset.carel".to_string(),
            text: vocab,
        });
    } else {
        files.push(File {
            name: "vocabulary.carel".to_string(),
            text: vocab,
        });
        for (stem, text) in stems.drain(..).zip(texts) {
            files.push(File {
                name: format!("{stem}.carel"),
                text,
            });
        }
    }
    Ruleset {
        files,
        rules: ordinary + guards.len() + planned_rules,
        resolved,
        tensions,
    }
}

/// One ordinary rule (the `i`-th), written to `out` without a trailing newline.
fn write_rule(i: usize, v: &mut Vocabulary, src: usize, rng: &mut Rng, out: &mut String) {
    // The first rules advise each exercise once, so that none is left unused.
    let exercise = if i < v.exercises.len() {
        i
    } else {
        rng.below(v.exercises.len())
    };
    let l = v.leaf_of[exercise];
    let slice = v.leaves[l].slices[rng.below(v.leaves[l].slices.len())];
    let polarity = slice.polarity(&v.leaves[l].profile);
    // A main condition this leaf has not used yet: the first rules use each condition once.
    let conditions = v.conditions.len();
    let mut main = if i < conditions {
        i
    } else {
        rng.below(conditions)
    };
    if v.leaves[l].used.len() + 2 >= conditions {
        v.leaves[l].used.clear(); // only for tiny vocabularies
    }
    while v.leaves[l].used.contains(&main) {
        main = (main + 1) % conditions;
    }
    v.leaves[l].used.push(main);
    let named = rng.chance(6);
    if named {
        let _ = write!(out, "rule advice_{}: ", i + 1);
    }
    // The condition: the main condition, sometimes a factor or a second condition, the slice.
    let (slice_if, mut unless) = slice_text(slice, rng);
    out.push_str("if ");
    if i < v.factors.len() || rng.chance(8) {
        let f = if i < v.factors.len() {
            i
        } else {
            rng.below(v.factors.len())
        };
        let _ = write!(out, "{} and {}", v.conditions[main], v.factors[f]);
    } else if rng.chance(6) {
        let mut other = rng.below(conditions);
        while v.leaves[l].used.contains(&other) {
            other = (other + 1) % conditions;
        }
        v.leaves[l].used.push(other);
        let _ = write!(out, "({} or {})", v.conditions[main], v.conditions[other]);
    } else {
        out.push_str(&v.conditions[main]);
    }
    if !slice_if.is_empty() {
        out.push_str(" and ");
        out.push_str(&slice_if);
    }
    if polarity == Use
        && let Some(risk) = v.leaves[l].contraindication
    {
        let risk = &v.risks[risk];
        unless = Some(match unless {
            Some(u) => format!("{u} or {risk}"),
            None => risk.clone(),
        });
    }
    if let Some(u) = unless {
        out.push_str(" unless ");
        out.push_str(&u);
    }
    let action = match (polarity, rng.chance(70)) {
        (Protect, true) => "avoid",
        (Protect, false) => "caution",
        (Use, true) => "recommend",
        (Use, false) => "consider",
    };
    let _ = write!(out, " then {action} ");
    // Targets: mostly one exercise, sometimes two of the same leaf, sometimes the whole leaf.
    let leaf = &v.leaves[l];
    let roll = rng.below(100);
    if roll < 6 {
        out.push_str(&leaf.name);
    } else if roll < 14 {
        let other = leaf.exercises[rng.below(leaf.exercises.len())];
        out.push_str(&v.exercises[exercise]);
        if other != exercise {
            out.push_str(", ");
            out.push_str(&v.exercises[other]);
        }
    } else {
        out.push_str(&v.exercises[exercise]);
    }
    if polarity == Use && rng.chance(25) {
        leaf.dose.write(rng, out);
    }
    let _ = write!(out, " cite {}", v.sources[src]);
    if named {
        const EVIDENCE: &[&str] = &["high", "moderate", "low", "very_low", "expert_opinion"];
        let _ = write!(out, "\n  evidence {}", rng.pick(EVIDENCE));
        if rng.chance(40) {
            let _ = write!(out, " strength {}", rng.pick(&["strong", "conditional"]));
        }
        if rng.chance(30) {
            let _ = write!(
                out,
                " reviewed 2025-{:02}-{:02}",
                rng.below(12) + 1,
                rng.below(28) + 1
            );
        }
    }
}
