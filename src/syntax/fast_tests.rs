//! The fast reader against the pest grammar: on every input, the fast reader either declines
//! or gives exactly the tree (spans included) that the pest path gives without a diagnostic.
//! On clean input it must not decline, or large rulesets lose their speed.

use proptest::prelude::*;

use super::ast::{File, Item};
use super::*;

#[path = "../../benches/support/generator.rs"]
mod generator;

/// Compare the two readers on `text`. Returns whether the fast reader accepted it, and
/// whether pest read it without any diagnostic.
fn compare(text: &str) -> (bool, bool) {
    compare_readers(text).unwrap_or_else(|e| panic!("{e}"))
}

/// Both readers must accept `text` and agree on it.
fn accepted(text: &str, what: &str) {
    let (fast, clean) = compare(text);
    assert!(clean, "{what} does not read cleanly with pest");
    assert!(
        fast,
        "the fast reader declined {what}, which pest reads cleanly"
    );
}

fn carel_files(dir: &std::path::Path, found: &mut Vec<std::path::PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            carel_files(&path, found);
        } else if path.extension().is_some_and(|e| e == "carel") {
            found.push(path);
        }
    }
}

/// Whether a text uses a clause of version 2 that the fast reader leaves to pest.
fn uses_version_2(text: &str) -> bool {
    // Comments end at the line's end; what is left reads as one line.
    let code: Vec<&str> = text
        .lines()
        .map(|l| l.split('#').next().unwrap_or(""))
        .collect();
    has_locator(&code.join(" "))
        || [
            "implies", "excludes", "code", "except", "prevails", "stop", "daily", "weekly",
            "least", "up to", "bouts", "building",
        ]
        .iter()
        .any(|w| {
            code.iter().any(|l| {
                l.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == ' '))
                    .any(|part| {
                        part.split_whitespace()
                            .collect::<Vec<_>>()
                            .join(" ")
                            .contains(w)
                    })
            })
        })
}

/// A locator: a text after a name in a `cite` clause, which may stand anywhere after `cite`
/// (on the same line or, past comments and line breaks, on the next), until the next clause.
fn has_locator(code: &str) -> bool {
    let tokens: Vec<&str> = code.split_whitespace().collect();
    let ends = [
        "because",
        "evidence",
        "strength",
        "overrides",
        "status",
        "reviewed",
        "rule",
        "test",
        "if",
        "unless",
        "then",
    ];
    tokens.iter().enumerate().any(|(at, &t)| {
        t == "cite"
            && tokens[at + 1..]
                .iter()
                .take_while(|t| !ends.contains(t))
                .any(|t| t.contains('"'))
    })
}

#[test]
fn every_fixture_reads_the_same_both_ways() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    for dir in ["rulesets", "tests", "docs"] {
        carel_files(&root.join(dir), &mut files);
    }
    files.sort();
    assert!(files.len() > 40, "fixtures not found: {files:?}");
    let (mut fast, mut clean) = (0, 0);
    for path in &files {
        let Ok(text) = std::fs::read_to_string(path) else {
            continue;
        };
        let (f, c) = compare(&text);
        // Most version-2 clauses are left to pest (declining is always safe).
        assert!(
            f || !c || text.contains('\u{FEFF}') || uses_version_2(&text),
            "the fast reader declined {}, which pest reads cleanly",
            path.display()
        );
        fast += usize::from(f);
        clean += usize::from(c);
    }
    assert!(
        fast >= 10,
        "only {fast} of {clean} clean fixtures were read fast"
    );
    for path in std::fs::read_dir(root.join("rulesets/lower_back_pain")).unwrap() {
        let path = path.unwrap().path();
        if path.extension().is_none_or(|e| e != "carel") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        // A flagship file with version-2 clauses (such as the `code` bindings of the
        // vocabulary) may be left to pest, like any other; the rest must be read fast.
        if uses_version_2(&text) {
            let (_, clean) = compare(&text);
            assert!(clean, "{} does not read cleanly with pest", path.display());
            continue;
        }
        accepted(&text, &path.display().to_string());
    }
}

#[test]
fn generated_rulesets_read_the_same_both_ways() {
    for seed in 1..4 {
        let ruleset = generator::generate(generator::Config {
            rules: 2_000,
            seed,
            files: 2,
        });
        for file in &ruleset.files {
            accepted(
                &file.text,
                &format!("generated file {} (seed {seed})", file.name),
            );
        }
    }
}

/// A large file is read in pieces cut before `rule` lines, on any number of threads: the
/// items must be those of one reading of the whole file.
#[test]
fn pieces_and_threads_do_not_change_the_tree() {
    let ruleset = generator::generate(generator::Config {
        rules: 6_000,
        seed: 5,
        files: 1,
    });
    let text = &ruleset.files[0].text;
    let whole = fast::parse(0, text).expect("a generated file reads fast");
    let one = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    let many = rayon::ThreadPoolBuilder::new()
        .num_threads(4)
        .build()
        .unwrap();
    for piece in [1, 4096, 100_000] {
        assert!(fast::cut_points(text, piece).len() > 3, "cut at {piece}");
        for pool in [&one, &many] {
            let items = pool.install(|| read_fast(0, text, piece));
            assert!(items.as_ref() == Some(&whole), "pieces of {piece} bytes");
        }
    }
}

#[test]
fn the_fast_reader_keeps_to_the_nesting_limit() {
    let nested = |depth: usize| {
        format!(
            "if {}a{} then avoid x\n",
            "(".repeat(depth),
            ")".repeat(depth)
        )
    };
    assert_eq!(compare(&nested(MAX_NESTING)), (true, true));
    assert_eq!(compare(&nested(MAX_NESTING + 1)), (false, false));
    assert!(fast::parse(0, &nested(100_000)).is_none());
}

#[test]
fn a_piece_that_does_not_read_leaves_the_file_to_pest() {
    let good = "rule a:\n  if x\n  then avoid y\n  cite s\n";
    // The second rule's list runs into the next `rule`: neither the piece nor the file reads.
    let text = format!("{good}rule b:\n  then avoid y\n  cite s,\n{good}");
    assert!(fast::cut_points(&text, 1).len() == 4);
    assert!(fast::parse(0, &text).is_none());
    assert!(read_fast(0, &text, 1).is_none());
    // An `if` after a full rule's action belongs to it; a piece ends before the next `rule`.
    let text = format!("rule b:\n  then avoid y\n  cite s\nif z\n{good}");
    let items = read_fast(0, &text, 1).expect("reads");
    assert!(Some(&items) == fast::parse(0, &text).as_ref());
    let Item::Rule(b) = &items[0] else { panic!() };
    assert!(b.cond.is_some());
    assert_eq!(items.len(), 2);
}

#[test]
fn spans_end_at_the_last_token_not_at_a_trailing_comment() {
    for text in [
        "condition a # the end",
        "condition a \"A\" # the end",
        "if a then avoid x # done",
        "rule r: if a then avoid x 2 min # done\n# more\n",
        "measure m range 1..2 # end",
    ] {
        accepted(text, text);
    }
    let mut out = Vec::new();
    let (tree, _) = parse_file_with_pest(0, "condition a # c", &mut out, File::default());
    match &tree.items[0] {
        ast::Item::Fact(f) => assert_eq!(f.span, Span::new(0, 0, 11)),
        other => panic!("{other:?}"),
    }
}

#[test]
fn unusual_but_clean_text_reads_the_same_both_ways() {
    for text in [
        "condition a\"A\"\"B\"",
        "condition a \"x\" \n\t \"y\\\"z\\\\\\n\"",
        "rule r: avoid x if a unless b cite s status active",
        "rule r: avoid x if a\nif b then avoid y",
        "rule r: if a unless b then avoid x\nrule s: unless c avoid y if d",
        "if not not a and not (b or c) or ((d)) then caution x, y 1..2 h every 3..4 h",
        "if m >= -1.5 and m in 1 .. 2 or m != 0 and m<3 then recommend x 3 reps 2..3 times per week",
        "if (a or b) or c then avoid x\nif (a and b) and (c and d) then avoid x",
        "if not (a and b) then avoid x 2 min per day reviewed 2024-02-29 evidence expert_opinion",
        "test \"t\": given a, m = 3 expect not avoid x expect nothing y, z expect recommend w",
        "test \"t\":",
        "ruleset r \"R\" version \"1\"\nmeasure unit unit \"u\" range 0..1\nmeasure version range 0..1 unit \"v\"",
        "source s \"S\" url \"u\"\nexclusive e: a, b\ncategory c in d, e\nexercise w in c",
        "if a then avoid nothing, per, times, every, day, week, h, min, version, url, range",
        "",
        "# only a comment",
        "condition a \"x # not a comment\" # a comment \"with a quote\n",
        "condition a \"é, ünïcode and a tab:\t\" \"\\\\\"\r\nfactor b",
        "if m >= 007 and m < -0 or m = 1.50 then avoid x\r\n",
        "if m in -5..-1 then avoid x 1..1 sets 1 times per day",
        "rule r: recommend x\nif a then avoid x\nrule s: avoid y if b unless c\nif d then avoid y",
    ] {
        accepted(text, text);
    }
}

/// A fragment of Carel: keywords, names, numbers, punctuation, texts, dates, junk.
const TOKENS: &[&str] = &[
    "if",
    "then",
    "unless",
    "and",
    "or",
    "not",
    "in",
    "rule",
    "r",
    ":",
    "avoid",
    "recommend",
    "consider",
    "caution",
    "a",
    "b",
    "m",
    "x",
    "y",
    ",",
    "(",
    ")",
    "..",
    "1",
    "2.5",
    "-3",
    "0",
    "1.",
    "2x",
    ">=",
    "<",
    "=",
    "!=",
    ">",
    "<=",
    "!",
    "min",
    "h",
    "reps",
    "sets",
    "every",
    "times",
    "per",
    "day",
    "week",
    "days",
    "\"t\"",
    "\"a\\\"b\"",
    "\"bad\\q\"",
    "\"",
    "because",
    "cite",
    "evidence",
    "high",
    "strength",
    "strong",
    "status",
    "draft",
    "retired",
    "overrides",
    "reviewed",
    "2026-03-01",
    "2026-02-30",
    "2026-3-1",
    "condition",
    "factor",
    "exercise",
    "category",
    "exclusive",
    "measure",
    "unit",
    "range",
    "source",
    "url",
    "ruleset",
    "version",
    "test",
    "given",
    "expect",
    "nothing",
    "A",
    "a-b",
    "_a",
    "é",
    "1e5",
    "99999999999999999",
    "\u{FEFF}",
    "\t",
    "#",
];

/// Separators, including none (to glue tokens together) and comments.
const SEPARATORS: &[&str] = &[" ", " ", " ", "\n", "", " # note\n", "\r\n", "  "];

/// Well-formed items to start from, so that mutations stay near valid text.
const ITEMS: &[&str] = &[
    "if a and not b then avoid x",
    "if m >= 3 or m in 1..2 then recommend x, y 2..3 min every 4 h",
    "rule r : if a unless b then consider x 3 reps 2 times per day because \"t\" cite s",
    "rule r : avoid x if ( a or b ) evidence high strength strong status draft",
    "rule r : recommend x reviewed 2026-03-01 overrides q",
    "rule r : unless c avoid y if d unless e",
    "rule r : avoid y 2 sets per week if d if e then avoid x",
    "condition a \"t\"",
    "exercise x in c",
    "measure m \"t\" unit \"t\" range 0..10",
    "exclusive e : a , b",
    "source s \"t\" url \"t\"",
    "test \"t\" : given a , m = 3 expect avoid x expect not caution y expect nothing z",
    "ruleset r \"t\" version \"t\"",
    // Version 2: the fast reader reads `refer` and frequencies without an amount, and leaves
    // the rest to pest.
    "if a then refer x 2 times per day",
    "rule r : refer x every 3 h prevails stop if \"t\" cite s \"t\" , q",
    "condition a \"t\" implies b , c excludes d code \"s|c\"",
    "measure m range 0..10 code \"age\"",
    "if a then recommend x except y at least 30 min daily in bouts of at least 10 min building up to 60 min",
    "rule r : consider x per week",
];

fn soup() -> impl Strategy<Value = String> {
    let item = prop::sample::select(ITEMS)
        .prop_map(|s| s.split(' ').map(str::to_string).collect::<Vec<String>>());
    let mutation = (
        0usize..4,
        any::<prop::sample::Index>(),
        prop::sample::select(TOKENS),
    );
    (
        prop::collection::vec(item, 1..4),
        prop::collection::vec(mutation, 0..3),
        prop::collection::vec(prop::sample::select(SEPARATORS), 64),
    )
        .prop_map(|(items, mutations, seps)| {
            let mut tokens: Vec<String> = items.concat();
            for (kind, at, token) in mutations {
                let i = at.index(tokens.len() + 1);
                match kind {
                    0 => tokens.insert(i, token.to_string()),
                    1 if i < tokens.len() => tokens[i] = token.to_string(),
                    2 if i < tokens.len() => {
                        tokens.remove(i);
                    }
                    _ if i < tokens.len() => {
                        let t = tokens[i].clone();
                        tokens.insert(i, t);
                    }
                    _ => {}
                }
            }
            let mut text = String::new();
            for (i, t) in tokens.iter().enumerate() {
                if i > 0 {
                    text.push_str(seps[i % seps.len()]);
                }
                text.push_str(t);
            }
            text
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 3000, ..ProptestConfig::default() })]

    #[test]
    fn the_readers_agree_on_token_soup(text in soup()) {
        let (fast, clean) = compare(&text);
        // Clean text is read fast, unless it holds a BOM (left to pest on purpose).
        prop_assert!(
            fast || !clean || text.contains('\u{FEFF}') || uses_version_2(&text),
            "declined clean text {:?}",
            text
        );
    }
}
