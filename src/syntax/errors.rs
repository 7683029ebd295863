//! Syntax errors in words: pest reports the grammar rules it tried at the furthest position;
//! this module says what a person would have to write there.

use pest::error::{Error, ErrorVariant, InputLocation};

use super::Rule;
use crate::diagnostic::{Code, Diagnostic};
use crate::source::{FileId, Span};

/// Words that start an item; also where parsing resumes after a syntax error.
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

pub(super) const RESERVED: &[&str] = &[
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
    "recommend",
    "consider",
    "caution",
    "refer",
    "avoid",
    "and",
    "or",
    "not",
    "in",
    "implies",
    "excludes",
    "code",
    "except",
    "prevails",
    "stop",
];

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
            let mut d = Diagnostic::new(
                Code::E001,
                span,
                format!("expected {expected}, found {found}"),
            )
            .with_label(format!("expected {expected}"));
            let word = found.trim_matches('`');
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
