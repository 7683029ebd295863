//! Syntax errors in words: pest reports the grammar rules it tried at the furthest position;
//! this module says what a person would have to write there.

use pest::error::{Error, ErrorVariant, InputLocation};

use super::Rule;
use crate::diagnostic::{Code, Diagnostic};
use crate::source::{FileId, Span};

/// Words that start an item (a short rule starts with `if`); also where parsing resumes after a
/// syntax error.
pub const ITEM_KEYWORDS: &[&str] = &[
    "ruleset",
    "condition",
    "factor",
    "exclusive",
    "measure",
    "category",
    "exercise",
    "source",
    "rule",
    "test",
    "if",
];

pub(super) use super::words::RESERVED;

fn describe(rule: Rule) -> &'static str {
    use Rule::*;
    match rule {
        name | name_list | target_list => "a name",
        text | string | string_body | citation => "a quoted text",
        number => "a number",
        range | range_opt => "a range such as `0..10`",
        date | reviewed_clause => "a date written YYYY-MM-DD",
        action | action_clause | extra_action | negated_action => {
            "an action (`recommend`, `consider`, `caution`, `refer` or `avoid`)"
        }
        cmp_op => "a comparison (`<`, `<=`, `>`, `>=`, `=` or `!=`)",
        cond | conj | negation | group | atom | if_clause | late_if | unless_clause => {
            "a condition"
        }
        amount_unit => "a unit (`min`, `h`, `reps` or `sets`)",
        hour_unit => "`h`",
        period => "`day` or `week`",
        frequency | every_freq | times_freq | per_freq | named_freq => {
            "a frequency (`every 3 h`, `3 times per week`, `per day` or `daily`)"
        }
        dose | amount | bound | at_least | up_to => "a dose such as `10..20 min`",
        bouts => "`in bouts of`",
        progression => "`building up to`",
        implies_opt => "`implies`",
        excludes_opt => "`excludes`",
        code_opt => "`code`",
        except_list => "`except`",
        cite_item => "a source",
        prevails_clause => "`prevails`",
        stop_clause => "`stop if`",
        fact_opt => "`implies`, `excludes` or `code`",
        kw_implies => "`implies`",
        kw_excludes => "`excludes`",
        kw_code => "`code`",
        kw_except => "`except`",
        kw_prevails => "`prevails`",
        kw_stop => "`stop`",
        kw_at => "`at`",
        kw_least => "`least`",
        kw_up => "`up`",
        kw_to => "`to`",
        kw_bouts => "`bouts`",
        kw_of => "`of`",
        kw_building => "`building`",
        given | given_clause => "a fact, or a measure with `= value`",
        expect_clause => "`expect`",
        EOI => "the end of the file",
        kw_ruleset => "`ruleset`",
        kw_condition => "`condition`",
        kw_factor => "`factor`",
        kw_exclusive => "`exclusive`",
        kw_measure => "`measure`",
        kw_category => "`category`",
        kw_exercise => "`exercise`",
        kw_source => "`source`",
        kw_rule => "`rule`",
        kw_test => "`test`",
        kw_if => "`if`",
        kw_unless => "`unless`",
        kw_then => "`then`",
        kw_because => "`because`",
        kw_cite => "`cite`",
        kw_evidence => "`evidence`",
        kw_strength => "`strength`",
        kw_overrides => "`overrides`",
        kw_reviewed => "`reviewed`",
        kw_status => "`status`",
        kw_given => "`given`",
        kw_expect => "`expect`",
        kw_nothing => "`nothing`",
        kw_and => "`and`",
        kw_or => "`or`",
        kw_not => "`not`",
        kw_in => "`in`",
        kw_version => "`version`",
        kw_unit => "`unit`",
        kw_range => "`range`",
        kw_url => "`url`",
        kw_every => "`every`",
        kw_times => "`times`",
        kw_per => "`per`",
        ruleset_item | condition_item | factor_item | exclusive_item | measure_item
        | category_item | exercise_item | source_item | rule_item | short_rule | test_item
        | file | next_item => ITEM,
        version_opt => "`version`",
        unit_opt => "`unit`",
        url_opt => "`url`",
        parents => "`in`",
        because_clause => "`because`",
        cite_clause => "`cite`",
        evidence_clause => "`evidence`",
        strength_clause => "`strength`",
        overrides_clause => "`overrides`",
        status_clause => "`status`",
        rest => "the end of the file",
        item | pre_clause | post_clause | short_post | meta_clause => ITEM,
        primary | operand => "a condition",
        WHITESPACE | COMMENT | word_char | reserved => "valid Carel",
    }
}

const ITEM: &str = "a new item (`condition`, `factor`, `exercise`, `rule`, `if …`, `test`, …)";

/// Join phrases as a person would: "a, b or c".
fn join(phrases: &[&str]) -> String {
    match phrases {
        [] => String::new(),
        [one] => (*one).to_string(),
        [init @ .., last] => format!("{} or {}", init.join(", "), last),
    }
}

/// The token found at `pos`, for "found `…`".
fn found_at(text: &str, pos: usize) -> (String, usize) {
    let rest = text.get(pos..).unwrap_or("");
    let Some(first) = rest.chars().next() else {
        return ("the end of the file".to_string(), 0);
    };
    if first.is_ascii_alphanumeric() || first == '_' {
        let len = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))
            .unwrap_or(rest.len());
        let word = &rest[..len];
        let shown: String = word.chars().take(40).collect();
        let ellipsis = if shown.len() < word.len() { "…" } else { "" };
        (format!("`{shown}{ellipsis}`"), len)
    } else if first == '\n' || first == '\r' {
        ("the end of the line".to_string(), 0)
    } else if first.is_control() {
        // Shown by its code: printed raw, a NUL or escape character would be invisible or
        // garble the terminal.
        (
            format!("the control character U+{:04X}", u32::from(first)),
            first.len_utf8(),
        )
    } else {
        (format!("`{first}`"), first.len_utf8())
    }
}

/// Turn a pest error into an E001 diagnostic. `offset` is where the parsed text starts in the file.
pub fn to_diagnostic(err: &Error<Rule>, file: FileId, text: &str, offset: usize) -> Diagnostic {
    let pos = match err.location {
        InputLocation::Pos(p) => p,
        InputLocation::Span((s, _)) => s,
    };
    let at = offset + pos;
    let full = text;
    let (found, len) = found_at(full, at);
    let span = Span::new(file, at, at + len);
    match &err.variant {
        ErrorVariant::CustomError { .. } => Diagnostic::new(
            Code::E001,
            span,
            "this part of the file is too deeply nested or too long to read",
        )
        .with_label("the reader stopped here")
        .with_help("split long conditions into separate rules and remove needless parentheses"),
        ErrorVariant::ParsingError { positives, .. } => {
            let mut phrases: Vec<&str> = Vec::new();
            let item_words = positives.iter().filter(|r| item_keyword(**r)).count();
            for rule in positives {
                let phrase = if item_words > 2 && item_keyword(*rule) {
                    ITEM
                } else {
                    describe(*rule)
                };
                if !phrases.contains(&phrase) {
                    phrases.push(phrase);
                }
            }
            // "a new item" and "the end of the file" say the same thing at the top level.
            if phrases.contains(&ITEM) {
                phrases.retain(|p| *p != "the end of the file");
            }
            let expected = join(&phrases);
            let first = full.get(at..).and_then(|r| r.chars().next());
            if first == Some('"') && unterminated(full, at) {
                return Diagnostic::new(Code::E001, Span::new(file, at, at + 1), "this text is never closed")
                    .with_label("the text starts here")
                    .with_help("end the text with `\"` on the same line; for a quote inside a text write `\\\"`");
            }
            let word = found.trim_matches('`');
            if let Some(d) = second_action(full, file, at, word, &phrases) {
                return d;
            }
            let words = expected_words(positives);
            let misspelt = (!RESERVED.contains(&word) && len > 0)
                .then(|| crate::diagnostic::did_you_mean(word, words.iter().copied()))
                .flatten();
            if let Some(best) = misspelt {
                let kind = if super::words::ACTIONS.contains(&best) {
                    "an action"
                } else if super::words::AMOUNT_UNITS.contains(&best) || best == "h" {
                    "a unit"
                } else if ["day", "week", "daily", "weekly"].contains(&best) {
                    "a period"
                } else {
                    "a keyword"
                };
                return Diagnostic::new(
                    Code::E001,
                    span,
                    format!("{found} is not {kind}; did you mean `{best}`?"),
                )
                .with_label(format!("not {kind}"))
                .with_note(format!("expected {expected}"))
                .with_suggestion(best);
            }
            let mut d = Diagnostic::new(
                Code::E001,
                span,
                format!("expected {expected}, found {found}"),
            )
            .with_label(format!("expected {expected}"));
            if phrases.contains(&"a name") && RESERVED.contains(&word) {
                d = d.with_help(format!(
                    "`{word}` is a reserved word and cannot be used as a name; choose another, e.g. `{word}_x`"
                ));
            } else if phrases.contains(&"`then`") && crate::model::Action::parse(word).is_some() {
                d = d.with_help(format!("write `then` before the action: `then {word} …`"));
            } else if phrases.contains(&ITEM)
                && !RESERVED.contains(&word)
                && first.is_some_and(|c| c.is_ascii_alphabetic())
            {
                d = d.with_help(
                    "every item starts with a keyword such as `condition`, `exercise`, `rule` or `if`; \
                     check the line above for a missing keyword or a clause in the wrong place",
                );
            }
            d
        }
    }
}

/// The words that would have been accepted where a word was expected, for did-you-mean.
fn expected_words(positives: &[Rule]) -> Vec<&'static str> {
    use super::words;
    use Rule::*;
    let mut out: Vec<&'static str> = Vec::new();
    for rule in positives {
        let some: &[&'static str] = match rule {
            action | action_clause | extra_action | negated_action => words::ACTIONS,
            amount_unit | amount | dose => words::AMOUNT_UNITS,
            hour_unit => &["h"],
            period => &["day", "week"],
            named_freq | frequency => &["daily", "weekly", "every", "per", "times"],
            file | next_item | item | ruleset_item | condition_item | factor_item
            | exclusive_item | measure_item | category_item | exercise_item | source_item
            | rule_item | short_rule | test_item => words::ITEM_KEYWORDS,
            pre_clause | post_clause | short_post | meta_clause => words::RULE_CLAUSES,
            fact_opt => words::FACT_CLAUSES,
            _ => match describe(*rule)
                .strip_prefix('`')
                .and_then(|w| w.strip_suffix('`'))
            {
                Some(w) if !w.contains('`') => {
                    std::slice::from_ref(KEYWORD_WORDS.iter().find(|k| **k == w).unwrap_or(&""))
                }
                _ => &[],
            },
        };
        for w in some {
            if !w.is_empty() && !out.contains(w) {
                out.push(w);
            }
        }
    }
    out
}

/// Every word a keyword rule of the grammar stands for (`describe` names them in backquotes).
const KEYWORD_WORDS: &[&str] = &[
    "ruleset",
    "condition",
    "factor",
    "exclusive",
    "measure",
    "category",
    "exercise",
    "source",
    "rule",
    "test",
    "if",
    "unless",
    "then",
    "because",
    "cite",
    "evidence",
    "strength",
    "overrides",
    "reviewed",
    "status",
    "given",
    "expect",
    "nothing",
    "and",
    "or",
    "not",
    "in",
    "version",
    "unit",
    "range",
    "url",
    "every",
    "times",
    "per",
    "implies",
    "excludes",
    "code",
    "except",
    "prevails",
    "stop",
    "at",
    "least",
    "up",
    "to",
    "bouts",
    "of",
    "building",
];

/// `then avoid x and recommend y` or `then avoid x, recommend y`: two actions in one rule.
/// One clear message, and for a short rule a fix that splits it in two.
fn second_action(
    text: &str,
    file: FileId,
    at: usize,
    word: &str,
    phrases: &[&str],
) -> Option<Diagnostic> {
    let before = text.get(..at)?.trim_end();
    let (joiner_start, action_at) = if word == "and" {
        // `and` followed by an action.
        let after = text.get(at + 3..)?;
        let next = after.trim_start();
        let action_word: String = next
            .chars()
            .take_while(|c| c.is_ascii_alphabetic())
            .collect();
        crate::model::Action::parse(&action_word)?;
        (at, at + 3 + (after.len() - next.len()))
    } else if crate::model::Action::parse(word).is_some()
        && phrases.contains(&"a name")
        && before.ends_with(',')
    {
        (before.len() - 1, at)
    } else {
        return None;
    };
    let action_end = action_at
        + text
            .get(action_at..)?
            .find(|c: char| !c.is_ascii_alphabetic())
            .unwrap_or(text.len() - action_at);
    let second = text.get(action_at..action_end)?;
    let mut d = Diagnostic::new(
        Code::E001,
        Span::new(file, joiner_start, action_end),
        "a rule gives one action; split it into two rules",
    )
    .with_label(format!("a second action, `{second}`"))
    .with_note("each rule advises one action (with one or more exercises), so that each piece of advice can be overridden, cited and tested on its own");
    // A short rule on one line: repeat its condition for the second action.
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let line = &text[line_start..at];
    let condition = line
        .strip_prefix("if ")
        .and_then(|rest| rest.find(" then ").map(|i| rest[..i].trim()))
        .filter(|c| !c.is_empty());
    match condition {
        Some(condition) => {
            let replacement = format!("\nif {condition} then {second}");
            d = d
                .with_help(format!(
                    "give the second action a rule of its own: `if {condition} then {second} …`"
                ))
                .with_fix(
                    "Split into two rules",
                    vec![(
                        Span::new(file, before.len().min(joiner_start), action_end),
                        replacement,
                    )],
                );
        }
        None => {
            d = d.with_help(format!(
                "end this rule after its first action and start a new rule with the same condition for `{second} …`"
            ));
        }
    }
    Some(d)
}

fn item_keyword(rule: Rule) -> bool {
    use Rule::*;
    matches!(
        rule,
        kw_ruleset
            | kw_condition
            | kw_factor
            | kw_exclusive
            | kw_measure
            | kw_category
            | kw_exercise
            | kw_source
            | kw_rule
            | kw_test
            | kw_if
    )
}

/// Whether the text opening at `at` has no closing quote on its line.
fn unterminated(text: &str, at: usize) -> bool {
    let line = text.get(at + 1..).unwrap_or("");
    let line = &line[..line.find('\n').unwrap_or(line.len())];
    let mut escaped = false;
    for c in line.chars() {
        match c {
            '\\' if !escaped => escaped = true,
            '"' if !escaped => return false,
            _ => escaped = false,
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use crate::diagnostic::Code;
    use crate::source::Sources;

    /// The fixes of the first diagnostic, applied to the text.
    fn fixed(text: &str) -> String {
        let c = crate::compile(&Sources::single("a.carel", text));
        let d = &c.diagnostics[0];
        assert_eq!(d.code, Code::E001, "{d:?}");
        let fix = d.fixes.first().expect("a fix");
        let mut out = text.to_string();
        for (span, replacement) in fix.edits.iter().rev() {
            out.replace_range(span.range(), replacement);
        }
        out
    }

    const VOCABULARY: &str = "condition sciatica\nexercise x\nexercise y\n";

    #[test]
    fn two_actions_split_into_two_rules() {
        for joined in [
            "if sciatica then avoid x and recommend y\n",
            "if sciatica then avoid x, recommend y\n",
        ] {
            let text = format!("{VOCABULARY}{joined}");
            assert_eq!(
                fixed(&text),
                format!("{VOCABULARY}if sciatica then avoid x\nif sciatica then recommend y\n")
            );
            let after = crate::compile(&Sources::single("a.carel", fixed(&text)));
            assert!(!after.has_errors(), "{:?}", after.diagnostics);
        }
    }

    #[test]
    fn misspelt_words_are_replaced() {
        let text = format!("{VOCABULARY}if sciatica then recomend x 10 mins\n");
        assert_eq!(
            fixed(&text),
            format!("{VOCABULARY}if sciatica then recommend x 10 mins\n")
        );
        let text = format!("{VOCABULARY}if sciatica then recommend x 10 mins\n");
        assert_eq!(
            fixed(&text),
            format!("{VOCABULARY}if sciatica then recommend x 10 min\n")
        );
    }
}
