//! `carel fmt`'s layout: one test per layout rule, comment placement, refusal of broken files,
//! and a property test over random Carel text (idempotent, same tree, every comment kept).

use carel::diagnostic::Code;
use carel::format::{WIDTH, format, without_spans};
use carel::syntax::{ast, parse_file};
use proptest::prelude::*;

/// The syntax tree of a text without spans; the text must parse cleanly.
fn tree(text: &str) -> ast::File {
    let mut diagnostics = Vec::new();
    let (tree, ok) = parse_file(0, text, &mut diagnostics);
    assert!(ok, "does not parse: {text}\n{diagnostics:#?}");
    assert!(
        !diagnostics
            .iter()
            .any(|d| matches!(d.code, Code::E001 | Code::E004)),
        "syntax errors in: {text}\n{diagnostics:#?}"
    );
    without_spans(&tree)
}

/// Every comment of a text (a `#` outside a string to the end of its line), trimmed, sorted.
fn comments(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    for line in text.lines() {
        let mut in_string = false;
        let mut escaped = false;
        for (i, c) in line.char_indices() {
            if in_string {
                match c {
                    _ if escaped => escaped = false,
                    '\\' => escaped = true,
                    '"' => in_string = false,
                    _ => {}
                }
            } else if c == '"' {
                in_string = true;
            } else if c == '#' {
                found.push(line[i..].trim_end().to_string());
                break;
            }
        }
    }
    found.sort();
    found
}

/// Format, and check what must hold for every input: idempotent, same tree, same comments,
/// clean line ends.
fn fmt(text: &str) -> String {
    let out = format(text).unwrap_or_else(|d| panic!("refused: {text}\n{d:#?}"));
    let again = format(&out).unwrap_or_else(|d| panic!("refused its own output: {out}\n{d:#?}"));
    assert_eq!(again, out, "not idempotent; first pass:\n{out}");
    assert_eq!(tree(&out), tree(text), "tree changed:\n{out}");
    assert_eq!(comments(&out), comments(text), "comments changed:\n{out}");
    assert!(!out.contains('\r'), "CR in output: {out:?}");
    assert!(
        out.lines().all(|l| l == l.trim_end()),
        "trailing whitespace: {out:?}"
    );
    assert!(out.is_empty() || (out.ends_with('\n') && !out.ends_with("\n\n")));
    assert!(!out.contains("\n\n\n"), "two blank lines: {out:?}");
    out
}

fn check(input: &str, expected: &str) {
    assert_eq!(fmt(input), expected, "input:\n{input}");
}

// ---- vocabulary -------------------------------------------------------------------------------

#[test]
fn vocabulary_items_one_per_line() {
    check(
        "ruleset   lbp \"Back\"\nversion \"1.0\" condition sciatica \"Sciatica\" factor acute \
         factor chronic exclusive stage \"Stage\" :acute ,chronic",
        "ruleset lbp \"Back\" version \"1.0\"\ncondition sciatica \"Sciatica\"\nfactor acute\n\
         factor chronic\nexclusive stage \"Stage\": acute, chronic\n",
    );
    check(
        "measure age \"Age\" range 0..120 unit \"years\"\nmeasure pain range 0 .. 10\n\
         category core \"Core\" in strengthening,stability\nexercise plank in core \
         source s1 \"Guide\" url \"https://example.org\"\nsource s2 \"Other\"",
        "measure age \"Age\" unit \"years\" range 0..120\nmeasure pain range 0..10\n\
         category core \"Core\" in strengthening, stability\nexercise plank in core\n\
         source s1 \"Guide\" url \"https://example.org\"\nsource s2 \"Other\"\n",
    );
}

#[test]
fn long_vocabulary_items_stay_on_one_line() {
    let members: Vec<String> = (0..20).map(|i| format!("fact_number_{i}")).collect();
    let input = format!("exclusive big \"Big\": {}", members.join(",\n  "));
    let out = fmt(&input);
    assert_eq!(out.lines().count(), 1);
    assert!(out.len() > WIDTH);
}

// ---- rules ------------------------------------------------------------------------------------

#[test]
fn short_rule_with_only_condition_and_action_is_one_line() {
    check(
        "if sciatica\n   then\n avoid hamstring_stretch,  leg_lift",
        "if sciatica then avoid hamstring_stretch, leg_lift\n",
    );
}

#[test]
fn short_rule_clauses_go_below_in_canonical_order() {
    check(
        "if sciatica then avoid hamstring_stretch status active reviewed 2026-03-01 \
         overrides a, b strength strong evidence low cite s1, s2 because \"Nerve.\"",
        "if sciatica then avoid hamstring_stretch\n  because \"Nerve.\"\n  cite s1, s2\n  \
         evidence low\n  strength strong\n  overrides a, b\n  reviewed 2026-03-01\n  \
         status active\n",
    );
}

#[test]
fn short_rule_with_a_later_unless_takes_it_into_the_head() {
    check(
        "if a then avoid x\n  unless b\n  cite s",
        "if a unless b then avoid x\n  cite s\n",
    );
}

#[test]
fn full_rule_with_only_an_action_fits_on_one_line() {
    check(
        "rule keep_moving:\n  recommend walking 10..20 min every 3 h",
        "rule keep_moving: recommend walking 10..20 min every 3 h\n",
    );
    check(
        "rule floor:\n  if acute\n  then caution sit_up, leg_lift, toe_touch",
        "rule floor: if acute then caution sit_up, leg_lift, toe_touch\n",
    );
    check(
        "rule r:\n unless b\n then avoid x",
        "rule r: unless b then avoid x\n",
    );
}

#[test]
fn full_rule_too_wide_for_one_line_gets_one_clause_per_line() {
    let input = "rule disc_extension_for_the_chronic_patient: if herniated_disc and chronic \
                 and not facet_syndrome then recommend extension";
    check(
        input,
        "rule disc_extension_for_the_chronic_patient:\n  \
         if herniated_disc and chronic and not facet_syndrome\n  then recommend extension\n",
    );
}

#[test]
fn full_rule_clauses_in_canonical_order() {
    check(
        "rule disc: status draft cite s1 because \"Why.\" recommend extension 10 reps \
         if herniated_disc evidence low overrides other strength conditional reviewed 2026-3-1",
        "rule disc:\n  if herniated_disc\n  then recommend extension 10 reps\n  \
         because \"Why.\"\n  cite s1\n  evidence low\n  strength conditional\n  \
         overrides other\n  reviewed 2026-3-1\n  status draft\n",
    );
}

#[test]
fn full_rule_without_condition_has_no_then() {
    check(
        "rule walk: then recommend walking cite s1",
        "rule walk:\n  recommend walking\n  cite s1\n",
    );
}

#[test]
fn if_unless_on_one_line_or_two_as_written() {
    check(
        "rule r: if a unless b then avoid x cite s",
        "rule r:\n  if a unless b\n  then avoid x\n  cite s\n",
    );
    check(
        "rule r:\n  if a\n  unless b\n  then avoid x\n  cite s",
        "rule r:\n  if a\n  unless b\n  then avoid x\n  cite s\n",
    );
    // An `unless` clause of its own, after the action, comes before it.
    check(
        "rule r: recommend walking unless a and b cite s",
        "rule r:\n  unless a and b\n  then recommend walking\n  cite s\n",
    );
    // A late `if` moves before the action.
    check(
        "rule r: avoid x if a cite s",
        "rule r:\n  if a\n  then avoid x\n  cite s\n",
    );
}

#[test]
fn doses_in_every_shape() {
    check(
        "if a then recommend walking 30 min 3..4 times per week\n\
         if a then recommend walking 150 min per week\n\
         if a then recommend plank 2..3 sets every 1..2 h\n\
         if a then recommend plank 10 reps 2 times per day",
        "if a then recommend walking 30 min 3..4 times per week\n\
         if a then recommend walking 150 min per week\n\
         if a then recommend plank 2..3 sets every 1..2 h\n\
         if a then recommend plank 10 reps 2 times per day\n",
    );
}

#[test]
fn long_name_lists_continue_on_indented_lines() {
    let names: Vec<String> = (0..12).map(|i| format!("some_rule_number_{i}")).collect();
    let input = format!("rule r: if a then avoid x overrides {}", names.join(", "));
    let out = fmt(&input);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines[3],
        "  overrides some_rule_number_0, some_rule_number_1, some_rule_number_2, some_rule_number_3,"
    );
    assert!(lines[4].starts_with("    some_rule_number_4,"));
    assert!(lines.iter().all(|l| l.chars().count() <= WIDTH), "{out}");
    assert_eq!(
        lines[5],
        "    some_rule_number_8, some_rule_number_9, some_rule_number_10, some_rule_number_11"
    );
    assert_eq!(lines.len(), 6);
}

#[test]
fn long_target_lists_continue_and_keep_the_dose_last() {
    let names: Vec<String> = (0..10).map(|i| format!("exercise_number_{i}")).collect();
    let input = format!(
        "rule r: if a then recommend {} 10 min per day cite s",
        names.join(", ")
    );
    let out = fmt(&input);
    assert!(
        out.contains("\n  then recommend exercise_number_0,"),
        "{out}"
    );
    assert!(
        out.contains("exercise_number_9 10 min per day\n  cite s\n"),
        "{out}"
    );
    assert!(out.lines().all(|l| l.chars().count() <= WIDTH), "{out}");
}

// ---- conditions -------------------------------------------------------------------------------

#[test]
fn conditions_keep_only_the_parentheses_they_need() {
    check(
        "if ((a)) and (b) then avoid x\n\
         if (a or b) and c then avoid x\n\
         if (a and b) and (c and d) then avoid x\n\
         if a or (b or c) then avoid x\n\
         if not (a) then avoid x\n\
         if not (a and b) then avoid x\n\
         if not not a then avoid x\n\
         if not not not a then avoid x\n\
         if (not a) and b then avoid x",
        "if a and b then avoid x\n\
         if (a or b) and c then avoid x\n\
         if a and b and c and d then avoid x\n\
         if a or b or c then avoid x\n\
         if not a then avoid x\n\
         if not (a and b) then avoid x\n\
         if a then avoid x\n\
         if not a then avoid x\n\
         if not a and b then avoid x\n",
    );
}

#[test]
fn and_inside_or_and_a_negated_comparison_keep_clarifying_parentheses() {
    check(
        "if a or b and c then avoid x\n\
         if not age >= 65 then avoid x\n\
         if not pain in 4..7 or age<3 then avoid x",
        "if a or (b and c) then avoid x\n\
         if not (age >= 65) then avoid x\n\
         if not (pain in 4..7) or age < 3 then avoid x\n",
    );
}

#[test]
fn numbers_are_kept_as_written() {
    check(
        "measure m range -10.50..010\nif m>=2.50 then avoid x\nif m in -1..2.0 then avoid x\n\
         test \"t\": given m=-3.25 expect avoid x",
        "measure m range -10.50..010\nif m >= 2.50 then avoid x\nif m in -1..2.0 then avoid x\n\
         test \"t\":\n  given m = -3.25\n  expect avoid x\n",
    );
}

// ---- texts ------------------------------------------------------------------------------------

#[test]
fn texts_are_escaped_again() {
    check(
        "condition a \"say \\\"no\\\" \\\\ then\\nstop # not a comment\"\n",
        "condition a \"say \\\"no\\\" \\\\ then\\nstop # not a comment\"\n",
    );
}

#[test]
fn texts_side_by_side_on_one_line_are_joined() {
    check(
        "if a then avoid x because \"first part,\"   \"second part.\"",
        "if a then avoid x\n  because \"first part, second part.\"\n",
    );
}

#[test]
fn texts_over_several_lines_keep_their_breaks_lined_up_under_the_first_quote() {
    check(
        "if a then avoid x because \"first part,\"\n\"second\" \"part,\"\n   \"third \\\"part\\\".\" cite s",
        "if a then avoid x\n  because \"first part,\"\n          \"second part,\"\n          \
         \"third \\\"part\\\".\"\n  cite s\n",
    );
    check(
        "source guide \"Low back pain\"\n  \"(guideline)\" url \"https://x.org\" # the guide\n\
         test \"long\"\n \"name\": expect avoid x",
        "source guide \"Low back pain\"\n             \"(guideline)\" url \"https://x.org\"  # the guide\n\
         test \"long\"\n     \"name\":\n  expect avoid x\n",
    );
}

// ---- tests ------------------------------------------------------------------------------------

#[test]
fn tests_put_given_and_each_expect_on_its_own_line() {
    check(
        "test \"disc\": expect recommend prone_press_up expect not avoid x, y given a, age=45 \
         expect nothing z\ntest \"empty\":",
        "test \"disc\":\n  given a, age = 45\n  expect recommend prone_press_up\n  \
         expect not avoid x, y\n  expect nothing z\ntest \"empty\":\n",
    );
}

// ---- blank lines and line ends ----------------------------------------------------------------

#[test]
fn blank_lines_between_items_at_most_one_and_only_where_written() {
    check(
        "\n\n\ncondition a\n\n\n\ncondition b\ncondition c\n\n\n",
        "condition a\n\ncondition b\ncondition c\n",
    );
}

#[test]
fn blank_lines_inside_a_rule_are_dropped() {
    check(
        "rule r:\n\n  if a\n\n\n  then avoid x\n\n  cite s\n",
        "rule r:\n  if a\n  then avoid x\n  cite s\n",
    );
}

#[test]
fn crlf_bom_tabs_and_trailing_spaces_are_cleaned() {
    check(
        "\u{feff}condition a   \r\n\t\tfactor b\t# note   \r\n\r\n\r\nexercise x\r\n",
        "condition a\nfactor b  # note\n\nexercise x\n",
    );
}

#[test]
fn empty_and_comment_only_files() {
    check("", "");
    check("  \n\n \t\n", "");
    check("\n\n# one\n\n\n   # two   \n", "# one\n\n# two\n");
}

// ---- comments ---------------------------------------------------------------------------------

#[test]
fn own_line_comments_stay_before_what_follows() {
    check(
        "# Vocabulary.\n\n# Stages:\ncondition a\n  # indented, before b\ncondition b\n",
        "# Vocabulary.\n\n# Stages:\ncondition a\n# indented, before b\ncondition b\n",
    );
}

#[test]
fn trailing_comments_stay_on_their_line_and_align() {
    check(
        "condition sciatica \"Sciatica\" # diagnosis\nfactor acute # days\n\
         factor chronic\nfactor overweight # BMI",
        "condition sciatica \"Sciatica\"  # diagnosis\nfactor acute                   # days\n\
         factor chronic\nfactor overweight  # BMI\n",
    );
}

#[test]
fn comments_inside_a_rule_stay_with_their_clause() {
    check(
        "rule disc:   # the disc rule\n  # who\n  if herniated_disc # diagnosis\n  \
         then recommend extension\n  # why\n  because \"Why.\"   # from the article\n  cite s1\n",
        "rule disc:  # the disc rule\n  # who\n  if herniated_disc  # diagnosis\n  \
         then recommend extension\n  # why\n  because \"Why.\"  # from the article\n  cite s1\n",
    );
}

#[test]
fn comments_follow_their_clause_when_clauses_are_reordered() {
    check(
        "rule r:\n  cite s1  # the guide\n  # the patients\n  if a\n  avoid x  # advice\n",
        "rule r:\n  # the patients\n  if a\n  then avoid x  # advice\n  cite s1       # the guide\n",
    );
}

#[test]
fn a_comment_inside_a_rule_keeps_the_rule_expanded() {
    check(
        "rule keep_moving:  # everyone\n  recommend walking",
        "rule keep_moving:  # everyone\n  recommend walking\n",
    );
    check(
        "rule r:\n  # only acute patients\n  if acute then avoid x",
        "rule r:\n  # only acute patients\n  if acute\n  then avoid x\n",
    );
}

#[test]
fn a_comment_inside_a_condition_goes_before_its_line() {
    check(
        "rule r:\n  if acute or # early\n     chronic # late\n  then avoid x\n  cite s",
        "rule r:\n  # early\n  if acute or chronic  # late\n  then avoid x\n  cite s\n",
    );
    check(
        "if acute # early\n  or chronic then avoid x",
        "# early\nif acute or chronic then avoid x\n",
    );
    check(
        "measure age \"Age\" # in years\n  range 0..120 # whole life",
        "# in years\nmeasure age \"Age\" range 0..120  # whole life\n",
    );
}

#[test]
fn a_comment_between_a_keyword_and_its_value_goes_before_the_clause() {
    check(
        "rule r:\n  if a\n  then avoid x\n  because # reason\n    \"Why.\"\n",
        "rule r:\n  if a\n  then avoid x\n  # reason\n  because \"Why.\"\n",
    );
}

#[test]
fn two_trailing_comments_for_one_line_are_both_kept() {
    check(
        "test \"t\":\n  given a, # first\n    b # second\n  expect avoid x",
        "test \"t\":\n  # first\n  given a, b  # second\n  expect avoid x\n",
    );
}

#[test]
fn indented_comment_after_a_rule_stays_inside_it() {
    check(
        "rule r:\n  if a\n  then avoid x\n  cite s\n  # TODO: add evidence\n\nrule q: avoid y",
        "rule r:\n  if a\n  then avoid x\n  cite s\n  # TODO: add evidence\n\nrule q: avoid y\n",
    );
    // After a blank line, or at the start of a line, it belongs to what follows.
    check(
        "rule r:\n  if a\n  then avoid x\n  cite s\n# next\nrule q: avoid y",
        "rule r:\n  if a\n  then avoid x\n  cite s\n# next\nrule q: avoid y\n",
    );
}

#[test]
fn comment_at_the_end_of_the_file_is_kept() {
    check(
        "condition a\n\n# the end, no line break",
        "condition a\n\n# the end, no line break\n",
    );
}

#[test]
fn hash_inside_strings_is_not_a_comment() {
    check(
        "source s \"Guide #3\" url \"https://x.org/#part\"  # real one",
        "source s \"Guide #3\" url \"https://x.org/#part\"  # real one\n",
    );
}

// ---- refusal ----------------------------------------------------------------------------------

#[test]
fn syntax_errors_are_refused_with_their_diagnostics() {
    let errors = format("condition a\nif a avoid x\n").unwrap_err();
    assert!(!errors.is_empty());
    assert!(errors.iter().all(|d| d.code == Code::E001), "{errors:#?}");
    assert_eq!(errors[0].span.start(), 17, "{errors:#?}");

    let errors = format("condition Sciatica\n").unwrap_err();
    assert_eq!(errors[0].code, Code::E001);
    assert_eq!((errors[0].span.start(), errors[0].span.end()), (10, 18));

    let errors = format("condition a \"bad \\t escape\"\n").unwrap_err();
    assert_eq!(errors[0].code, Code::E001);
}

#[test]
fn a_clause_given_twice_is_refused_rather_than_dropped() {
    let errors = format("rule r: if a then avoid x cite s1 cite s2\n").unwrap_err();
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].code, Code::E004);
    let errors = format("measure m unit \"kg\" unit \"lb\"\n").unwrap_err();
    assert_eq!(errors[0].code, Code::E004);
    let errors = format("rule r: avoid x recommend y\n").unwrap_err();
    assert_eq!(errors[0].code, Code::E004);
}

#[test]
fn invalid_values_are_formatted_as_written() {
    // E007 problems are for `carel check`; the formatter keeps the text as written.
    check(
        "rule r: if a then avoid x 0 min reviewed 2026-02-30 evidence strongish\n\
         measure m range 9..1\nif m > 10000000000000000000 then avoid y",
        "rule r:\n  if a\n  then avoid x 0 min\n  evidence strongish\n  reviewed 2026-02-30\n\
         measure m range 9..1\nif m > 10000000000000000000 then avoid y\n",
    );
}

// ---- the guide --------------------------------------------------------------------------------

/// The before/after example in docs/language.md ("Formatting") is what `carel fmt` does.
#[test]
fn the_guide_example_is_accurate() {
    let guide = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/language.md"))
        .expect("read docs/language.md")
        .replace("\r\n", "\n");
    let section = guide
        .split("## 12. Formatting")
        .nth(1)
        .expect("a Formatting section");
    let blocks: Vec<&str> = section
        .split("```carel\n")
        .skip(1)
        .map(|b| b.split("```").next().unwrap_or(""))
        .collect();
    assert!(blocks.len() >= 2, "a before and an after example");
    assert_eq!(fmt(blocks[0]), blocks[1]);
    assert_eq!(fmt(blocks[1]), blocks[1]);
}

// ---- property: random Carel text --------------------------------------------------------------

#[derive(Clone, Debug)]
enum Cond {
    Fact(usize),
    Cmp(usize, usize, String),
    In(usize, String, String),
    Not(Box<Cond>),
    And(Vec<Cond>),
    Or(Vec<Cond>),
    Group(Box<Cond>),
}

const FACTS: &[&str] = &["sciatica", "acute", "chronic", "disc", "h2", "min_x"];
const MEASURES: &[&str] = &["age", "pain"];
const OPS: &[&str] = &["<", "<=", ">", ">=", "=", "!="];
const EXERCISES: &[&str] = &["walking", "plank", "leg_lift", "core", "stretching"];
const RULES: &[&str] = &["r_one", "r_two", "disc_rule", "keep_moving"];
const SOURCES: &[&str] = &["s1", "guide"];
const ACTIONS: &[&str] = &["recommend", "consider", "caution", "avoid", "refer"];

fn number() -> impl Strategy<Value = String> {
    prop_oneof![
        (0u32..200).prop_map(|n| n.to_string()),
        (0u32..20, 0u32..100).prop_map(|(a, b)| format!("{a}.{b:02}")),
        (1u32..50).prop_map(|n| format!("-{n}")),
    ]
}

fn cond() -> impl Strategy<Value = Cond> {
    let leaf = prop_oneof![
        4 => (0..FACTS.len()).prop_map(Cond::Fact),
        1 => (0..MEASURES.len(), 0..OPS.len(), number()).prop_map(|(m, o, n)| Cond::Cmp(m, o, n)),
        1 => (0..MEASURES.len(), number(), number()).prop_map(|(m, a, b)| Cond::In(m, a, b)),
    ];
    leaf.prop_recursive(4, 24, 4, |inner| {
        prop_oneof![
            inner.clone().prop_map(|c| Cond::Not(Box::new(c))),
            prop::collection::vec(inner.clone(), 2..4).prop_map(Cond::And),
            prop::collection::vec(inner.clone(), 2..4).prop_map(Cond::Or),
            inner.prop_map(|c| Cond::Group(Box::new(c))),
        ]
    })
}

/// Tokens of a condition; groups are added where the precedence needs them.
fn cond_tokens(c: &Cond, out: &mut Vec<String>) {
    let grouped = |c: &Cond, out: &mut Vec<String>| {
        out.push("(".into());
        cond_tokens(c, out);
        out.push(")".into());
    };
    match c {
        Cond::Fact(i) => out.push(FACTS[*i].into()),
        Cond::Cmp(m, o, n) => out.extend([MEASURES[*m].into(), OPS[*o].into(), n.clone()]),
        Cond::In(m, a, b) => out.extend([MEASURES[*m].into(), "in".into(), format!("{a}..{b}")]),
        Cond::Group(inner) => grouped(inner, out),
        Cond::Not(inner) => {
            out.push("not".into());
            match **inner {
                Cond::And(_) | Cond::Or(_) => grouped(inner, out),
                _ => cond_tokens(inner, out),
            }
        }
        Cond::And(parts) | Cond::Or(parts) => {
            let is_and = matches!(c, Cond::And(_));
            for (i, p) in parts.iter().enumerate() {
                if i > 0 {
                    out.push(if is_and { "and" } else { "or" }.into());
                }
                match p {
                    Cond::Or(_) if is_and => grouped(p, out),
                    _ => cond_tokens(p, out),
                }
            }
        }
    }
}

/// A text: one or more strings with escapes, written side by side.
fn text() -> impl Strategy<Value = String> {
    let piece = "[a-z #\"\\\\\né\t.,]{0,12}".prop_map(|s| {
        let mut q = String::from("\"");
        for c in s.chars() {
            match c {
                '"' => q.push_str("\\\""),
                '\\' => q.push_str("\\\\"),
                '\n' => q.push_str("\\n"),
                c => q.push(c),
            }
        }
        q.push('"');
        q
    });
    (prop::collection::vec(piece, 1..3), any::<bool>())
        .prop_map(|(parts, newline)| parts.join(if newline { "\n    " } else { " " }))
}

fn names(pool: &'static [&'static str]) -> impl Strategy<Value = String> {
    prop::collection::vec(0..pool.len(), 1..4)
        .prop_map(move |ix| ix.iter().map(|&i| pool[i]).collect::<Vec<_>>().join(" , "))
}

fn dose() -> impl Strategy<Value = String> {
    let amount = (1u32..60, prop::option::of(60u32..90), 0..4usize, 0..4usize).prop_map(
        |(lo, hi, u, bound)| {
            let unit = ["min", "h", "reps", "sets"][u];
            let bound = ["", "", "at least ", "up to "][bound];
            match hi {
                Some(hi) => format!("{bound}{lo}..{hi} {unit}"),
                None => format!("{bound}{lo} {unit}"),
            }
        },
    );
    let freq = prop_oneof![
        Just(String::new()),
        (1u32..5).prop_map(|n| format!(" every {n} h")),
        (1u32..3, 3u32..7).prop_map(|(a, b)| format!(" {a}..{b} times per week")),
        Just(" per day".to_string()),
        Just(" daily".to_string()),
        Just(" weekly".to_string()),
    ];
    let extra = prop_oneof![
        3 => Just(String::new()),
        1 => Just(" in bouts of at least 10 min".to_string()),
        1 => Just(" in bouts of 5..10 min building up to 20..30 min daily".to_string()),
        1 => Just(" building up to 2 h".to_string()),
    ];
    (prop::option::of(amount), freq, extra).prop_map(|(a, f, e)| {
        let text = format!("{}{f}{e}", a.unwrap_or_default());
        if text.trim().is_empty() {
            "daily".to_string()
        } else {
            text.trim_start().to_string()
        }
    })
}

/// A rule as a list of clauses (each a list of tokens), in a random order.
fn rule() -> impl Strategy<Value = Vec<String>> {
    let clauses = (
        prop::option::of(cond()),
        prop::option::of(cond()),
        any::<bool>(),
        (
            0..ACTIONS.len(),
            names(EXERCISES),
            prop::option::of(dose()),
            any::<bool>(),
            prop::option::of(names(EXERCISES)),
        ),
        (
            prop::option::of(text()),
            any::<bool>(),
            prop::option::of(text()),
        ),
        prop::option::of(cite()),
        prop::option::of(0..5usize),
        prop::option::of(0..2usize),
        prop::option::of(names(RULES)),
        prop::option::of((2000u32..2100, 1u32..13, 1u32..29)),
        prop::option::of(0..3usize),
    );
    (prop::option::of(0..RULES.len()), clauses, any::<u64>()).prop_map(|(name, c, shuffle)| {
        let (
            cond,
            unless,
            inline_unless,
            action,
            (because, prevails, stop),
            cite,
            ev,
            st,
            ov,
            rev,
            status,
        ) = c;
        let cond_toks = |c: &Cond| {
            let mut t = Vec::new();
            cond_tokens(c, &mut t);
            t
        };
        // A short rule needs a condition.
        let cond = match (&name, cond) {
            (None, None) => Some(Cond::Fact(0)),
            (_, c) => c,
        };
        let mut if_clause = cond.as_ref().map(|c| {
            let mut t = vec!["if".to_string()];
            t.extend(cond_toks(c));
            t
        });
        let mut clauses: Vec<Vec<String>> = Vec::new();
        if let Some(u) = &unless {
            let mut t = vec!["unless".to_string()];
            t.extend(cond_toks(u));
            match &mut if_clause {
                Some(i) if inline_unless => i.extend(t),
                _ => clauses.push(t),
            }
        }
        let (a, targets, dose, then, except) = action;
        let mut act = Vec::new();
        if then || name.is_none() {
            act.push("then".to_string());
        }
        act.push(ACTIONS[a].to_string());
        act.push(targets);
        if let Some(e) = except {
            act.extend(["except".to_string(), e]);
        }
        if let Some(d) = dose {
            act.push(d);
        }
        if let Some(t) = because {
            clauses.push(vec!["because".into(), t]);
        }
        if prevails {
            clauses.push(vec!["prevails".into()]);
        }
        if let Some(t) = stop {
            clauses.push(vec!["stop".into(), "if".into(), t]);
        }
        if let Some(t) = cite {
            clauses.push(vec!["cite".into(), t]);
        }
        if let Some(i) = ev {
            let level = ["high", "moderate", "low", "very_low", "expert_opinion"][i];
            clauses.push(vec!["evidence".into(), level.into()]);
        }
        if let Some(i) = st {
            clauses.push(vec!["strength".into(), ["strong", "conditional"][i].into()]);
        }
        if let Some(t) = ov {
            clauses.push(vec!["overrides".into(), t]);
        }
        if let Some((y, m, d)) = rev {
            clauses.push(vec!["reviewed".into(), format!("{y}-{m:02}-{d:02}")]);
        }
        if let Some(i) = status {
            clauses.push(vec![
                "status".into(),
                ["draft", "active", "retired"][i].into(),
            ]);
        }
        // Shuffle the clauses (a small deterministic shuffle driven by the seed).
        let mut seed = shuffle;
        for i in (1..clauses.len()).rev() {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            clauses.swap(i, (seed >> 33) as usize % (i + 1));
        }
        let mut out = Vec::new();
        match name {
            None => {
                out.extend(if_clause.unwrap_or_default());
                out.extend(act);
                for c in clauses {
                    out.extend(c);
                }
            }
            Some(n) => {
                out.extend(["rule".to_string(), RULES[n].to_string(), ":".to_string()]);
                // The action and the `if` go at random places among the other clauses;
                // an `if` after the action must not be followed by `then`, which no
                // clause after the action starts with.
                let at = (seed >> 7) as usize % (clauses.len() + 1);
                let if_at = (seed >> 17) as usize % (clauses.len() + 2);
                let mut all = clauses;
                all.insert(at, act);
                if let Some(i) = if_clause {
                    let if_at = if_at.min(all.len());
                    // Before an action without `then`, the `if` must not swallow it: the
                    // action word is reserved, so the condition ends there.
                    all.insert(if_at, i);
                }
                for c in all {
                    out.extend(c);
                }
            }
        }
        out
    })
}

/// `s1 "p. 3" , guide`: sources, some with a locator.
fn cite() -> impl Strategy<Value = String> {
    prop::collection::vec((0..SOURCES.len(), prop::option::of(text())), 1..3).prop_map(|list| {
        list.into_iter()
            .map(|(i, l)| match l {
                Some(l) => format!("{} {l}", SOURCES[i]),
                None => SOURCES[i].to_string(),
            })
            .collect::<Vec<_>>()
            .join(" , ")
    })
}

fn test_item() -> impl Strategy<Value = Vec<String>> {
    let given = prop::option::of(prop::collection::vec(
        (0..FACTS.len() + MEASURES.len(), number()),
        1..4,
    ));
    let expect = prop::collection::vec((0..6usize, names(EXERCISES)), 0..4);
    (text(), given, expect, any::<bool>()).prop_map(|(name, given, expects, given_last)| {
        let mut out = vec!["test".to_string(), name, ":".to_string()];
        let given_tokens = given.map(|g| {
            let items: Vec<String> = g
                .iter()
                .map(|(i, n)| {
                    if *i < FACTS.len() {
                        FACTS[*i].to_string()
                    } else {
                        format!("{} = {n}", MEASURES[i - FACTS.len()])
                    }
                })
                .collect();
            vec!["given".to_string(), items.join(", ")]
        });
        if !given_last {
            out.extend(given_tokens.clone().unwrap_or_default());
        }
        for (kind, targets) in expects {
            out.push("expect".into());
            match kind {
                0..=3 => out.push(ACTIONS[kind].into()),
                4 => out.extend(["not".into(), ACTIONS[kind % 4].into()]),
                _ => out.push("nothing".into()),
            }
            out.push(targets);
        }
        if given_last {
            out.extend(given_tokens.unwrap_or_default());
        }
        out
    })
}

fn declaration() -> impl Strategy<Value = Vec<String>> {
    prop_oneof![
        (
            0..FACTS.len(),
            prop::option::of(text()),
            any::<bool>(),
            prop::option::of(names(FACTS)),
            prop::option::of(names(FACTS)),
            any::<bool>(),
            any::<bool>(),
        )
            .prop_map(|(i, l, c, implies, excludes, code, swap)| {
                let mut t = vec![
                    if c { "condition" } else { "factor" }.to_string(),
                    FACTS[i].into(),
                ];
                t.extend(l);
                let mut clauses: Vec<Vec<String>> = Vec::new();
                if let Some(n) = implies {
                    clauses.push(vec!["implies".into(), n]);
                }
                if let Some(n) = excludes {
                    clauses.push(vec!["excludes".into(), n]);
                }
                if code {
                    clauses.push(vec![
                        "code".into(),
                        "\"http://snomed.info/sct|23056005\" , \"x|1\"".into(),
                    ]);
                }
                if swap {
                    clauses.reverse();
                }
                t.extend(clauses.into_iter().flatten());
                t
            }),
        (
            0..MEASURES.len(),
            prop::option::of(text()),
            any::<bool>(),
            number(),
            number()
        )
            .prop_map(|(i, l, unit_first, lo, hi)| {
                let mut t = vec!["measure".to_string(), MEASURES[i].into()];
                t.extend(l);
                let unit = ["unit".to_string(), "\"years\"".to_string()];
                let range = ["range".to_string(), format!("{lo}..{hi}")];
                if unit_first {
                    t.extend(unit);
                    t.extend(range);
                    t.extend(["code".to_string(), "\"age\"".to_string()]);
                } else {
                    t.extend(range);
                    t.extend(unit);
                }
                t
            }),
        (
            0..EXERCISES.len(),
            prop::option::of(text()),
            prop::option::of(names(EXERCISES)),
            any::<bool>()
        )
            .prop_map(|(i, l, parents, cat)| {
                let mut t = vec![
                    if cat { "category" } else { "exercise" }.to_string(),
                    EXERCISES[i].into(),
                ];
                t.extend(l);
                if let Some(p) = parents {
                    t.extend(["in".to_string(), p]);
                }
                t
            }),
        (prop::option::of(text()), names(FACTS)).prop_map(|(l, members)| {
            let mut t = vec!["exclusive".to_string(), "stage".to_string()];
            t.extend(l);
            t.extend([":".to_string(), members]);
            t
        }),
        (0..SOURCES.len(), text(), prop::option::of(text())).prop_map(|(i, txt, url)| {
            let mut t = vec!["source".to_string(), SOURCES[i].into(), txt];
            if let Some(u) = url {
                t.extend(["url".to_string(), u]);
            }
            t
        }),
        (text(), prop::option::of(text())).prop_map(|(title, version)| {
            let mut t = vec!["ruleset".to_string(), "lbp".to_string(), title];
            if let Some(v) = version {
                t.extend(["version".to_string(), v]);
            }
            t
        }),
    ]
}

fn item() -> impl Strategy<Value = Vec<String>> {
    prop_oneof![3 => declaration(), 4 => rule(), 1 => test_item()]
}

/// What goes between two tokens: mostly a space, sometimes line breaks or a comment.
fn separators() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(
        prop_oneof![12 => Just(0u8), 3 => Just(1), 1 => Just(2), 1 => Just(3), 1 => Just(4), 1 => Just(5), 1 => Just(6)],
        1..64,
    )
}

fn program() -> impl Strategy<Value = String> {
    (
        prop::collection::vec(item(), 0..8),
        separators(),
        "[ -~é]{0,10}",
    )
        .prop_map(|(items, seps, comment_text)| {
            let mut out = String::new();
            let mut n = 0usize;
            let tokens: Vec<String> = items.into_iter().flatten().collect();
            for (i, token) in tokens.iter().enumerate() {
                out.push_str(token);
                let sep = seps[i % seps.len()];
                n += 1;
                match sep {
                    0 => out.push(' '),
                    1 => out.push_str("\n  "),
                    2 => out.push_str("\n\n\n"),
                    3 => out.push_str(&format!("  # c{n} {comment_text}\n")),
                    4 => out.push_str(&format!("\n    # c{n}\n")),
                    5 => out.push_str(&format!("\n# c{n} \"quoted\" # again\n\n")),
                    _ => out.push_str("\r\n\t"),
                }
            }
            out
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn formatting_is_idempotent_and_keeps_tree_and_comments(src in program()) {
        let mut diagnostics = Vec::new();
        let (_, ok) = parse_file(0, &src, &mut diagnostics);
        // The generator writes valid syntax; make sure it really does.
        prop_assert!(ok && !diagnostics.iter().any(|d| matches!(d.code, Code::E001 | Code::E004)),
            "generated text does not parse:\n{}\n{:#?}", src, diagnostics);
        let out = fmt(&src);
        prop_assert_eq!(comments(&out), comments(&src));
    }
}

#[test]
fn a_comment_before_a_rule_name_goes_before_the_rule() {
    check(
        "rule  # c37\nr_one : recommend walking",
        "# c37\nrule r_one: recommend walking\n",
    );
    check(
        "rule r_one # after the name\n: recommend walking",
        "rule r_one:  # after the name\n  recommend walking\n",
    );
}

#[test]
fn a_comment_at_the_end_of_a_reordered_rule_keeps_it_on_one_line() {
    check(
        "rule r_one : recommend walking  # c9\nif sciatica",
        "rule r_one: if sciatica then recommend walking  # c9\n",
    );
    // At the end of a clause that is not last once reordered, it keeps its clause's line.
    check(
        "rule r: avoid x\n  if a  # c",
        "rule r:\n  if a  # c\n  then avoid x\n",
    );
}

#[test]
fn version_2_clauses_in_canonical_layout() {
    check(
        "factor sedentary \"Sits\"   code \"a|1\",\"b|2\" implies new_to_exercise, beginner   excludes athlete\n\
         measure age range 0..120 code \"age\"   unit \"years\"\n\
         rule see_first: stop if \"pain spreads\" prevails cite s1 \"Section 2\", guide if serious then refer all_exercise\n\
         if a then recommend strengthening except deadlift,weights at least 30 min daily in bouts of at least 10 min building up to 60 min 2 times per day\n\
         rule stretch: recommend hamstring_stretch daily",
        "factor sedentary \"Sits\" implies new_to_exercise, beginner excludes athlete code \"a|1\", \"b|2\"\n\
         measure age unit \"years\" range 0..120 code \"age\"\n\
         rule see_first:\n  if serious\n  then refer all_exercise\n  stop if \"pain spreads\"\n  cite s1 \"Section 2\", guide\n  prevails\n\
         if a then recommend strengthening except deadlift, weights at least 30 min daily in bouts of at least 10 min building up to 60 min 2 times per day\n\
         rule stretch: recommend hamstring_stretch daily\n",
    );
}
