//! Completion: what may come next at the cursor — names of the kind the position needs,
//! keywords, actions, units and the closed lists of values.

use lsp_types::{CompletionItem, CompletionItemKind};

use super::index::{Kind, RulesetIndex, Wanted};
use super::lexer::{self, Token, TokenKind};
use super::workspace::Ruleset;
use crate::syntax::ast;
use crate::syntax::words::{
    ACTIONS, AMOUNT_UNITS, FACT_CLAUSES, ITEM_KEYWORDS, RULE_CLAUSES, TEST_CLAUSES,
};

/// What the position wants.
#[derive(Clone, Debug, PartialEq)]
pub enum Context {
    Names(Wanted),
    /// Facts and measures: the atoms of a condition.
    Condition,
    Words(Vec<&'static str>),
    Nothing,
}

pub fn complete(ruleset: &Ruleset, file: usize, offset: usize) -> Vec<CompletionItem> {
    let text = ruleset.text(file);
    let index = ruleset.index();
    let context = context(text, offset);
    let mut items = Vec::new();
    let mut names = |wanted: Wanted| {
        for (name, kind) in index.names_for(wanted) {
            items.push(name_item(index, &name, kind));
        }
    };
    let mut words = Vec::new();
    match context {
        Context::Names(w) => names(w),
        Context::Condition => {
            names(Wanted::Fact);
            names(Wanted::Measure);
            words.push("not");
        }
        Context::Words(more) => words = more,
        Context::Nothing => {}
    }
    items.extend(words.into_iter().map(word_item));
    items
}

fn name_item(index: &RulesetIndex, name: &str, kind: Kind) -> CompletionItem {
    let label = index
        .lookup(kind.namespace(), name)
        .iter()
        .find_map(|&d| item_label(index.item(d)));
    let detail = match label {
        Some(l) => format!("{} — {l}", kind.word()),
        None => kind.word().to_string(),
    };
    CompletionItem {
        label: name.to_string(),
        kind: Some(match kind {
            Kind::Condition | Kind::Factor => CompletionItemKind::VARIABLE,
            Kind::Measure => CompletionItemKind::FIELD,
            Kind::Category => CompletionItemKind::MODULE,
            Kind::Exercise => CompletionItemKind::CLASS,
            Kind::Source => CompletionItemKind::REFERENCE,
            Kind::Rule => CompletionItemKind::FUNCTION,
            Kind::Exclusive | Kind::Ruleset => CompletionItemKind::CONSTANT,
        }),
        detail: Some(detail),
        ..CompletionItem::default()
    }
}

fn item_label(item: &ast::Item) -> Option<String> {
    let text = match item {
        ast::Item::Fact(f) => f.label.as_ref(),
        ast::Item::Measure(m) => m.label.as_ref(),
        ast::Item::Category(c) => c.label.as_ref(),
        ast::Item::Exercise(e) => e.label.as_ref(),
        ast::Item::Source(s) => Some(&s.text),
        ast::Item::Exclusive(x) => x.label.as_ref(),
        _ => None,
    };
    text.map(|t| t.value.clone())
}

fn word_item(word: &'static str) -> CompletionItem {
    let kind = if ACTIONS.contains(&word) {
        CompletionItemKind::OPERATOR
    } else if AMOUNT_UNITS.contains(&word) || ["day", "week"].contains(&word) {
        CompletionItemKind::UNIT
    } else if VALUES.contains(&word) {
        CompletionItemKind::ENUM_MEMBER
    } else {
        CompletionItemKind::KEYWORD
    };
    CompletionItem {
        label: word.to_string(),
        kind: Some(kind),
        ..CompletionItem::default()
    }
}

const EVIDENCE: &[&str] = &["high", "moderate", "low", "very_low", "expert_opinion"];
const STRENGTH: &[&str] = &["strong", "conditional"];
const STATUS: &[&str] = &["draft", "active", "retired"];
const VALUES: &[&str] = &[
    "high",
    "moderate",
    "low",
    "very_low",
    "expert_opinion",
    "strong",
    "conditional",
    "draft",
    "active",
    "retired",
];

/// Everything that may start an item or a clause.
fn anything() -> Vec<&'static str> {
    let mut all: Vec<&'static str> = ITEM_KEYWORDS.to_vec();
    all.extend(RULE_CLAUSES);
    all.extend(ACTIONS);
    all.extend(TEST_CLAUSES);
    all
}

/// Clauses that may follow a rule's targets or dose, and the next item.
fn after_advice() -> Vec<&'static str> {
    let mut all: Vec<&'static str> = RULE_CLAUSES
        .iter()
        .copied()
        .filter(|w| *w != "then")
        .collect();
    all.extend(ITEM_KEYWORDS);
    all
}

/// What may follow an exercise or category of a rule's advice: more of the dose, `except`, or
/// the next clause.
fn after_targets() -> Vec<&'static str> {
    let mut all = vec![
        "except", "daily", "weekly", "every", "at", "up", "in", "building",
    ];
    all.extend(after_advice());
    all
}

/// What may follow a complete amount or frequency of a dose.
fn after_dose_part() -> Vec<&'static str> {
    let mut all = vec!["every", "per", "daily", "weekly", "in", "building"];
    all.extend(after_advice());
    all
}

/// The context at a byte offset of a text.
pub fn context(text: &str, offset: usize) -> Context {
    let offset = offset.min(text.len());
    let all: Vec<Token> = lexer::tokens(text)
        .into_iter()
        .filter(|t| t.kind != TokenKind::Comment)
        .collect();
    // Inside a comment or a text: nothing to complete.
    let inside = lexer::tokens(text).into_iter().any(|t| {
        (t.kind == TokenKind::Comment && t.start < offset && offset <= t.end)
            || (t.kind == TokenKind::Text && t.start < offset && offset < t.end)
    });
    if inside {
        return Context::Nothing;
    }
    // The word being typed does not count.
    let before: Vec<Token> = all
        .into_iter()
        .filter(|t| t.end < offset || (t.end == offset && t.kind != TokenKind::Word))
        .collect();
    let word = |t: &Token| t.text(text);
    let Some(last) = before.last() else {
        return Context::Words(ITEM_KEYWORDS.to_vec());
    };
    // The keyword that starts the item the cursor is in.
    let item = before
        .iter()
        .rev()
        .map(word)
        .find(|w| ITEM_KEYWORDS.contains(w));
    match (last.kind, word(last)) {
        (TokenKind::Punct, ",") => list_context(text, &before),
        (TokenKind::Punct, ":") => match item {
            Some("exclusive") => Context::Names(Wanted::Fact),
            Some("test") => Context::Words(TEST_CLAUSES.to_vec()),
            _ => {
                let mut w: Vec<&'static str> = RULE_CLAUSES.to_vec();
                w.extend(ACTIONS);
                Context::Words(w)
            }
        },
        (TokenKind::Punct, "(") => Context::Condition,
        (TokenKind::Punct, "..") => Context::Nothing,
        (TokenKind::Punct, _) => Context::Nothing,
        (TokenKind::Number, _) => number_context(text, &before),
        (TokenKind::Text, _) => match item {
            Some("test") => Context::Words(TEST_CLAUSES.to_vec()),
            Some("measure") => Context::Words(vec!["unit", "range", "code"]),
            Some("condition" | "factor") => {
                let mut w: Vec<&'static str> = FACT_CLAUSES.to_vec();
                w.extend(ITEM_KEYWORDS);
                Context::Words(w)
            }
            Some("category" | "exercise") => {
                let mut w = vec!["in"];
                w.extend(ITEM_KEYWORDS);
                Context::Words(w)
            }
            Some("ruleset") => Context::Words(vec!["version"]),
            Some("source") => Context::Words(vec!["url"]),
            Some("exclusive") => Context::Words(vec![":"]),
            _ => Context::Words(anything()),
        },
        (TokenKind::Word, w) => word_context(w, item, text, &before),
        _ => Context::Words(anything()),
    }
}

fn word_context(w: &str, item: Option<&str>, text: &str, before: &[Token]) -> Context {
    match w {
        "if" if before.len() >= 2 && before[before.len() - 2].text(text) == "stop" => {
            Context::Nothing
        }
        "if" | "unless" | "and" | "or" | "not" if !after_expect(text, before) => Context::Condition,
        "except" => Context::Names(Wanted::Target),
        "implies" | "excludes" => Context::Names(Wanted::Fact),
        "stop" => Context::Words(vec!["if"]),
        "at" => Context::Words(vec!["least"]),
        "up" => Context::Words(vec!["to"]),
        "building" => Context::Words(vec!["up"]),
        "bouts" => Context::Words(vec!["of"]),
        "of" => Context::Words(vec!["at"]),
        "least" | "to" | "code" => Context::Nothing,
        "prevails" => Context::Words(after_advice()),
        "daily" | "weekly" => Context::Words(after_dose_part()),
        "then" => Context::Words(ACTIONS.to_vec()),
        "expect" => {
            let mut w: Vec<&'static str> = ACTIONS.to_vec();
            w.extend(["not", "nothing"]);
            Context::Words(w)
        }
        "not" => Context::Words(ACTIONS.to_vec()),
        "nothing" => Context::Names(Wanted::Target),
        a if ACTIONS.contains(&a) => Context::Names(Wanted::Target),
        "in" => match item {
            Some("category" | "exercise") => Context::Names(Wanted::Category),
            _ if before.len() >= 2
                && crate::syntax::words::AMOUNT_UNITS
                    .iter()
                    .chain(["day", "week", "daily", "weekly", "h"].iter())
                    .any(|u| *u == before[before.len() - 2].text(text)) =>
            {
                Context::Words(vec!["bouts"])
            }
            _ => Context::Nothing,
        },
        "cite" => Context::Names(Wanted::Source),
        "overrides" => Context::Names(Wanted::Rule),
        "given" => Context::Names(Wanted::FactOrMeasure),
        "evidence" => Context::Words(EVIDENCE.to_vec()),
        "strength" => Context::Words(STRENGTH.to_vec()),
        "status" => Context::Words(STATUS.to_vec()),
        "per" => Context::Words(vec!["day", "week"]),
        "times" => Context::Words(vec!["per"]),
        "every" | "because" | "reviewed" | "range" | "unit" | "url" | "version" => Context::Nothing,
        k if ITEM_KEYWORDS.contains(&k) => Context::Nothing,
        "min" | "h" | "reps" | "sets" | "day" | "week" => Context::Words(after_dose_part()),
        _ => {
            // A name: what follows depends on the list it is in.
            match list_keyword(text, before) {
                Some(a) if ACTIONS.contains(&a) => Context::Words(after_targets()),
                Some("except") => Context::Words(after_targets()),
                Some("if" | "unless" | "and" | "or" | "not") => {
                    let mut w = vec!["and", "or", "then", "unless", "in"];
                    w.extend(ACTIONS);
                    Context::Words(w)
                }
                _ => Context::Words(anything()),
            }
        }
    }
}

/// Whether the nearest keyword before is `expect` (`expect not …` names an action).
fn after_expect(text: &str, before: &[Token]) -> bool {
    let n = before.len();
    n >= 2 && before[n - 1].text(text) == "not" && before[n - 2].text(text) == "expect"
}

/// The word that heads the list the cursor is in: walk back over names and commas.
fn list_keyword<'a>(text: &'a str, before: &[Token]) -> Option<&'a str> {
    for t in before.iter().rev() {
        let w = t.text(text);
        match t.kind {
            TokenKind::Punct if w == "," => continue,
            TokenKind::Punct if w == "=" => continue,
            TokenKind::Number => continue,
            TokenKind::Word if is_keyword(w) => return Some(w),
            TokenKind::Word => continue,
            TokenKind::Punct if w == ":" => return Some(":"),
            _ => return None,
        }
    }
    None
}

fn is_keyword(w: &str) -> bool {
    crate::syntax::words::RESERVED.contains(&w)
}

fn list_context(text: &str, before: &[Token]) -> Context {
    let item = before
        .iter()
        .rev()
        .map(|t| t.text(text))
        .find(|w| ITEM_KEYWORDS.contains(w));
    match list_keyword(text, before) {
        Some(a) if ACTIONS.contains(&a) || a == "nothing" || a == "except" => {
            Context::Names(Wanted::Target)
        }
        Some("implies" | "excludes") => Context::Names(Wanted::Fact),
        Some("cite") => Context::Names(Wanted::Source),
        Some("overrides") => Context::Names(Wanted::Rule),
        Some("in") => Context::Names(Wanted::Category),
        Some("given") => Context::Names(Wanted::FactOrMeasure),
        Some(":") if item == Some("exclusive") => Context::Names(Wanted::Fact),
        _ => Context::Nothing,
    }
}

fn number_context(text: &str, before: &[Token]) -> Context {
    // Walk back over the number and a range (`10..20`).
    let mut i = before.len();
    while i > 0 && (before[i - 1].kind == TokenKind::Number || before[i - 1].text(text) == "..") {
        i -= 1;
    }
    let Some(prev) = i.checked_sub(1).map(|j| before[j]) else {
        return Context::Nothing;
    };
    match prev.text(text) {
        "every" => Context::Words(vec!["h"]),
        "in" | "range" | ">=" | "<=" | ">" | "<" | "=" | "!=" | "reviewed" => {
            if list_keyword(text, &before[..i]).is_some_and(|k| k == "given") {
                return Context::Words(TEST_CLAUSES.to_vec());
            }
            let mut w = vec!["and", "or", "then", "unless"];
            w.extend(ACTIONS);
            w.extend(RULE_CLAUSES);
            Context::Words(w)
        }
        _ => {
            // After a target: the amount of a dose, or the count of a frequency.
            let mut w: Vec<&'static str> = AMOUNT_UNITS.to_vec();
            w.push("times");
            Context::Words(w)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> Context {
        let offset = text.find('|').expect("a cursor");
        let text = text.replace('|', "");
        context(&text, offset)
    }

    #[test]
    fn the_position_decides_the_kind() {
        assert_eq!(
            at("if sciatica then avoid |"),
            Context::Names(Wanted::Target)
        );
        assert_eq!(
            at("if sciatica then avoid ham|"),
            Context::Names(Wanted::Target)
        );
        assert_eq!(
            at("if sciatica then avoid a, |"),
            Context::Names(Wanted::Target)
        );
        assert_eq!(at("if |"), Context::Condition);
        assert_eq!(at("if a and (|"), Context::Condition);
        assert_eq!(at("rule r: cite |"), Context::Names(Wanted::Source));
        assert_eq!(at("rule r: overrides a, |"), Context::Names(Wanted::Rule));
        assert_eq!(
            at("exercise walk \"Walking\" in |"),
            Context::Names(Wanted::Category)
        );
        assert_eq!(
            at("exclusive stage: acute, |"),
            Context::Names(Wanted::Fact)
        );
        assert_eq!(
            at("test \"t\":\n given a, |"),
            Context::Names(Wanted::FactOrMeasure)
        );
        assert_eq!(
            at("test \"t\":\n expect not |"),
            Context::Words(ACTIONS.to_vec())
        );
        assert_eq!(at("rule r: evidence |"), Context::Words(EVIDENCE.to_vec()));
        assert_eq!(at("if a then |"), Context::Words(ACTIONS.to_vec()));
        assert_eq!(at("# if a then |"), Context::Nothing);
        assert_eq!(
            at("if a then recommend core except |"),
            Context::Names(Wanted::Target)
        );
        assert_eq!(
            at("factor sedentary implies a, |"),
            Context::Names(Wanted::Fact)
        );
        assert_eq!(at("rule r: stop if |"), Context::Nothing);
        assert_eq!(
            at("recommend walking 30 min daily in |"),
            Context::Words(vec!["bouts"])
        );
        assert_eq!(at("recommend walking at |"), Context::Words(vec!["least"]));
    }

    #[test]
    fn numbers_after_targets_want_units() {
        let Context::Words(w) = at("keep: recommend walking 10..20 |") else {
            panic!("words expected");
        };
        assert!(w.contains(&"min") && w.contains(&"times"));
        assert_eq!(
            at("recommend walking 10 min every 3 |"),
            Context::Words(vec!["h"])
        );
        assert_eq!(
            at("recommend walking 10 min per |"),
            Context::Words(vec!["day", "week"])
        );
        let Context::Words(w) = at("if age >= 65 |") else {
            panic!("words expected");
        };
        assert!(w.contains(&"then") && !w.contains(&"min"));
    }
}
