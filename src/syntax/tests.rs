//! Parser tests: precedence, every clause, and the errors a person is likely to make.

use super::ast::*;
use super::*;
use crate::model::{Action, AmountUnit, CmpOp, Expectation, Period};

fn parse_ok(text: &str) -> Vec<Item> {
    let mut out = Vec::new();
    let (tree, ok) = parse_file(0, text, &mut out);
    assert!(
        ok && out.is_empty(),
        "unexpected diagnostics for {text:?}: {out:#?}"
    );
    tree.items
}

fn parse_err(text: &str) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    parse_file(0, text, &mut out);
    assert!(!out.is_empty(), "expected diagnostics for {text:?}");
    out
}

fn rule(text: &str) -> RuleItem {
    match parse_ok(text).pop() {
        Some(Item::Rule(r)) => *r,
        other => panic!("not a rule: {other:?}"),
    }
}

/// A compact rendering of a condition: `(a & !(b | c))`.
fn show(c: &Cond) -> String {
    match c {
        Cond::Fact(n) => n.text.to_string(),
        Cond::Cmp(c) => format!("{}{}{}", c.measure.text, c.op.as_str(), c.value.value),
        Cond::In(c) => {
            format!(
                "{} in {}..{}",
                c.measure.text, c.range.lo.value, c.range.hi.value
            )
        }
        Cond::Not(inner, _) => format!("!{}", show(inner)),
        Cond::All(parts, _) => format!(
            "({})",
            parts.iter().map(show).collect::<Vec<_>>().join(" & ")
        ),
        Cond::Any(parts, _) => format!(
            "({})",
            parts.iter().map(show).collect::<Vec<_>>().join(" | ")
        ),
    }
}

fn cond_of(text: &str) -> String {
    show(
        rule(&format!("if {text} then avoid x"))
            .cond
            .as_ref()
            .expect("a condition"),
    )
}

#[test]
fn or_binds_loosest_then_and_then_not() {
    assert_eq!(cond_of("a or b and c"), "(a | (b & c))");
    assert_eq!(cond_of("a and b or c"), "((a & b) | c)");
    assert_eq!(cond_of("not a and b"), "(!a & b)");
    assert_eq!(cond_of("not (a and b)"), "!(a & b)");
    assert_eq!(cond_of("(a or b) and c"), "((a | b) & c)");
    assert_eq!(cond_of("a and b and c or d or e"), "((a & b & c) | d | e)");
}

#[test]
fn not_chains_fold_and_nested_groups_flatten() {
    assert_eq!(cond_of("not not a"), "a");
    assert_eq!(cond_of("not not not a"), "!a");
    assert_eq!(cond_of("a and (b and c)"), "(a & b & c)");
    assert_eq!(cond_of("((a))"), "a");
}

#[test]
fn measure_atoms() {
    assert_eq!(cond_of("age >= 65"), "age>=65");
    assert_eq!(
        cond_of("age != 3 and pain in 4..7"),
        "(age!=3 & pain in 4..7)"
    );
    assert_eq!(cond_of("t < -2.5"), "t<-2.5");
    let r = rule("if a <= 1 or b > 2 or c = 3 or d < 4 then avoid x");
    let Some(Cond::Any(parts, _)) = r.cond else {
        panic!()
    };
    let ops: Vec<CmpOp> = parts
        .iter()
        .map(|p| match p {
            Cond::Cmp(c) => c.op,
            _ => panic!(),
        })
        .collect();
    assert_eq!(ops, [CmpOp::Le, CmpOp::Gt, CmpOp::Eq, CmpOp::Lt]);
}

#[test]
fn short_rule_with_unless_and_spans() {
    let text = "if herniated_disc unless facet_syndrome then recommend extension";
    let r = rule(text);
    assert!(r.name.is_none());
    assert_eq!(show(r.cond.as_ref().unwrap()), "herniated_disc");
    assert_eq!(show(r.unless.as_ref().unwrap()), "facet_syndrome");
    assert_eq!(r.action.action, Action::Recommend);
    assert_eq!(r.head_span, Span::new(0, 0, 2));
    assert_eq!(r.action.targets[0].span, Span::new(0, 55, 64));
    assert_eq!(&text[r.action.word_span.range()], "recommend");
}

#[test]
fn full_rule_with_every_clause_in_any_order() {
    let r = rule(
        "rule disc_extension:\n  because \"A disc\" \"may improve.\"\n  cite s1, s2\n  evidence low\n  strength conditional\n  \
         overrides other\n  reviewed 2026-03-01\n  status draft\n  if herniated_disc unless facet_syndrome\n  then recommend extension, walking",
    );
    assert_eq!(r.name.as_ref().unwrap().text, "disc_extension");
    assert_eq!(r.because().unwrap().value, "A disc may improve.");
    assert_eq!(
        r.cite
            .iter()
            .map(|n| n.source.text.as_str())
            .collect::<Vec<_>>(),
        ["s1", "s2"]
    );
    assert_eq!(r.evidence().unwrap().text, "low");
    assert_eq!(r.strength().unwrap().text, "conditional");
    assert_eq!(r.overrides()[0].text, "other");
    assert_eq!(r.reviewed().unwrap().value, "2026-03-01");
    assert_eq!(r.status().unwrap().text, "draft");
    assert_eq!(r.action.targets.len(), 2);
}

#[test]
fn clauses_after_the_action_and_a_following_short_rule() {
    let items =
        parse_ok("rule a: recommend walking if acute cite s\nif sciatica then avoid stretch");
    assert_eq!(items.len(), 2);
    let Item::Rule(a) = &items[0] else { panic!() };
    assert_eq!(show(a.cond.as_ref().unwrap()), "acute");
    let Item::Rule(b) = &items[1] else { panic!() };
    assert!(b.name.is_none());
    // A rule with no condition followed by a short rule: the `if` starts the new rule.
    let items = parse_ok("rule a: recommend walking\nif acute then avoid walking");
    assert_eq!(items.len(), 2);
    let Item::Rule(a) = &items[0] else { panic!() };
    assert!(a.cond.is_none());
}

#[test]
fn doses_and_frequencies() {
    let dose = |text: &str| {
        rule(&format!("rule r: recommend walking {text}"))
            .action
            .dose
            .expect("a dose")
    };
    let d = dose("10..20 min every 3 h");
    assert_eq!(
        {
            let a = d.amount.expect("an amount");
            (a.lo.value, a.hi.value, a.unit)
        },
        (10.0, 20.0, AmountUnit::Min)
    );
    assert!(
        matches!(d.frequency, Some(Frequency::Every { lo, hi, .. }) if lo.value == 3.0 && hi.value == 3.0)
    );
    let d = dose("30 min 3..4 times per week");
    assert!(
        matches!(d.frequency, Some(Frequency::Times { lo, hi, per: Period::Week, .. }) if lo.value == 3.0 && hi.value == 4.0)
    );
    let d = dose("150 min per week");
    assert!(matches!(d.frequency, Some(Frequency::Per(Period::Week, _))));
    assert_eq!(dose("2 h").amount.map(|a| a.unit), Some(AmountUnit::H));
    assert_eq!(
        dose("12 reps").amount.map(|a| a.unit),
        Some(AmountUnit::Reps)
    );
    assert_eq!(
        dose("3 sets per day").amount.map(|a| a.unit),
        Some(AmountUnit::Sets)
    );
    assert!(dose("2.5 h per week").frequency.is_some());
}

#[test]
fn vocabulary_items() {
    let items = parse_ok(
        "ruleset lbp \"Low back\" version \"1.0.0\"\ncondition sciatica \"Sciatica\"\nfactor acute\n\
         exclusive stage \"Stage\": acute, chronic\nmeasure age \"Age\" unit \"years\" range 0..120\nmeasure pain\n\
         category core \"Core\" in strengthening, stability\nexercise leg_lift \"Leg lift\" in core\n\
         source s1 \"An article\" url \"https://example.org/a\"",
    );
    assert_eq!(items.len(), 9);
    let Item::Measure(m) = &items[4] else {
        panic!()
    };
    assert_eq!(m.unit.as_ref().unwrap().value, "years");
    assert_eq!(
        (m.range.unwrap().lo.value, m.range.unwrap().hi.value),
        (0.0, 120.0)
    );
    let Item::Exclusive(x) = &items[3] else {
        panic!()
    };
    assert_eq!(x.members.len(), 2);
    let Item::Source(s) = &items[8] else { panic!() };
    assert_eq!(s.url.as_ref().unwrap().value, "https://example.org/a");
}

#[test]
fn tests_with_given_and_expectations() {
    let items = parse_ok(
        "test \"disc\":\n  given herniated_disc, chronic, age = 45\n  expect recommend prone_press_up\n  \
         expect not avoid prone_press_up\n  expect nothing hamstring_stretch",
    );
    let Item::Test(t) = &items[0] else { panic!() };
    assert_eq!(t.name.value, "disc");
    assert_eq!(t.given.len(), 3);
    assert_eq!(t.given[2].value.unwrap().value, 45.0);
    let kinds: Vec<Expectation> = t.expects.iter().map(|e| e.expectation).collect();
    assert_eq!(
        kinds,
        [
            Expectation::Is(Action::Recommend),
            Expectation::IsNot(Action::Avoid),
            Expectation::Nothing
        ]
    );
}

#[test]
fn strings_unescape_and_comments_are_ignored() {
    let items =
        parse_ok("condition a \"say \\\"no\\\" \\\\ then\\n\" # a # comment\n# whole line\n");
    let Item::Fact(f) = &items[0] else { panic!() };
    assert_eq!(f.label.as_ref().unwrap().value, "say \"no\" \\ then\n");
}

#[test]
fn crlf_and_bom_are_whitespace() {
    assert_eq!(parse_ok("\u{FEFF}condition a\r\ncondition b\r\n").len(), 2);
}

#[test]
fn missing_then_says_so_in_words() {
    let d = &parse_err("if sciatica avoid x")[0];
    assert_eq!(d.code, Code::E001);
    assert_eq!(d.span, Span::new(0, 12, 17));
    assert!(d.message.starts_with("expected "), "{}", d.message);
    assert!(
        d.message.contains("`then`") && d.message.ends_with("found `avoid`"),
        "{}",
        d.message
    );
    assert!(d.help.as_ref().unwrap().contains("then avoid"));
}

#[test]
fn bad_names_get_snake_case_help() {
    let d = parse_err("condition HerniatedDisc");
    assert_eq!(d[0].code, Code::E001);
    assert_eq!(
        d[0].help.as_deref(),
        Some("write it in snake_case: `herniated_disc`")
    );
    let d = parse_err("exercise hamstring-stretch");
    assert_eq!(
        d[0].help.as_deref(),
        Some("write it in snake_case: `hamstring_stretch`")
    );
    assert_eq!(snake_case("Low-Back_Pain"), "low_back_pain");
}

#[test]
fn reserved_word_as_name() {
    let d = &parse_err("condition if \"x\"")[0];
    assert!(d.help.as_ref().unwrap().contains("reserved"), "{d:?}");
}

#[test]
fn unterminated_text_points_at_its_start() {
    let d = &parse_err("condition a \"open\ncondition b")[0];
    assert_eq!(d.message, "this text is never closed");
    assert_eq!(d.span, Span::new(0, 12, 13));
}

#[test]
fn errors_recover_at_the_next_item() {
    let mut out = Vec::new();
    let (tree, ok) = parse_file(
        0,
        "condition a\nif a then\ncondition b\nrule r: avoid\ncondition c",
        &mut out,
    );
    assert!(!ok);
    assert_eq!(out.len(), 2, "{out:#?}");
    let names: Vec<&str> = tree
        .items
        .iter()
        .filter_map(|i| match i {
            Item::Fact(f) => Some(f.name.text.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(names, ["a", "b", "c"]);
}

#[test]
fn missing_unit_after_a_dose_number() {
    let d = &parse_err("rule r: recommend walking 10 minutes")[0];
    assert_eq!(d.message, "`minutes` is not a unit; did you mean `min`?");
    assert_eq!(
        d.notes,
        ["expected a unit (`min`, `h`, `reps` or `sets`) or `times`"]
    );
    // A word nothing like a unit keeps the plain message.
    let d = &parse_err("rule r: recommend walking 10 xyzzy")[0];
    assert_eq!(
        d.message,
        "expected a unit (`min`, `h`, `reps` or `sets`) or `times`, found `xyzzy`"
    );
}

#[test]
fn repeated_clauses_are_e004() {
    let d = parse_err("rule r: avoid x because \"a\" because \"b\"");
    assert_eq!(d[0].code, Code::E004);
    assert_eq!(d[0].secondary.len(), 1);
    let d = parse_err("rule r: avoid x then recommend y");
    assert_eq!(d[0].code, Code::E004);
    assert_eq!(d[0].message, "rule `r` gives advice twice");
}

#[test]
fn invalid_values_are_e007() {
    let code = |t: &str| parse_err(t)[0].code;
    assert_eq!(code("measure a range 5..2"), Code::E007);
    assert_eq!(code("rule r: recommend w 20..10 min"), Code::E007);
    assert_eq!(code("rule r: recommend w 0 min"), Code::E007);
    assert_eq!(code("rule r: avoid w reviewed 2026-02-30"), Code::E007);
    assert_eq!(code("rule r: avoid w evidence moderat"), Code::E007);
    assert_eq!(
        code("if age >= 99999999999999999999 then avoid w"),
        Code::E007
    );
    let d = &parse_err("rule r: avoid w evidence moderat")[0];
    assert_eq!(d.help.as_deref(), Some("did you mean `moderate`?"));
}

#[test]
fn deep_nesting_is_refused_before_parsing() {
    let text = format!(
        "if {}a{} then avoid x",
        "(".repeat(100_000),
        ")".repeat(100_000)
    );
    let d = &parse_err(&text)[0];
    assert_eq!(d.code, Code::E001);
    assert!(d.message.starts_with("nesting too deep"));
    assert_eq!(d.span.start(), 3 + MAX_NESTING);
    // Within the limit, nesting parses (on a test thread's small stack, too).
    let ok = format!(
        "if {}a{} then avoid x",
        "(".repeat(MAX_NESTING),
        ")".repeat(MAX_NESTING)
    );
    assert_eq!(parse_ok(&ok).len(), 1);
}

#[test]
fn long_not_chains_do_not_recurse() {
    let text = format!("if {}a then avoid x", "not ".repeat(100_001));
    assert_eq!(show(rule(&text).cond.as_ref().unwrap()), "!a");
}

#[test]
fn an_if_after_a_short_rule_starts_the_next_rule() {
    // A short rule's condition comes first: a later `if` begins a new rule even when the
    // rule before it has clauses after its action.
    let items = parse_ok(
        "if acute then avoid walking cite s\nif chronic and age >= 65 then recommend walking\nif a then avoid b unless c",
    );
    assert_eq!(items.len(), 3);
    let Item::Rule(b) = &items[1] else { panic!() };
    assert_eq!(show(b.cond.as_ref().unwrap()), "(chronic & age>=65)");
    let Item::Rule(c) = &items[2] else { panic!() };
    assert_eq!(show(c.unless.as_ref().unwrap()), "c");
}

#[test]
fn every_reserved_word_and_only_those_is_refused_as_a_name() {
    for word in super::errors::RESERVED {
        let mut out = Vec::new();
        let (_, ok) = parse_file(0, &format!("if {word} then avoid x"), &mut out);
        assert!(!ok, "`{word}` was accepted as a name");
        // Longer and shorter words are names like any other.
        let mut near = vec![format!("{word}s"), format!("{word}_x"), format!("{word}2")];
        let shorter = &word[..word.len() - 1];
        if !super::errors::RESERVED.contains(&shorter) {
            near.push(shorter.to_string());
        }
        for name in near {
            let r = rule(&format!("if {name} then avoid x"));
            assert_eq!(show(r.cond.as_ref().unwrap()), name);
        }
    }
}

#[test]
fn control_characters_are_named_by_their_code() {
    let d = parse_err("condition a\0b\n");
    assert_eq!(d[0].span.start(), 11);
    assert_eq!(d[0].span.end(), 12);
    assert!(
        d[0].message.ends_with("found the control character U+0000"),
        "{}",
        d[0].message
    );
    let d = parse_err("exercise w\n\x1b[2J\n");
    assert!(d[0].message.contains("U+001B"), "{}", d[0].message);
}
