//! Semantic tokens: keywords, actions, values and units, and every name coloured by what it
//! names (a fact, a measure, an exercise, …) — resolved across the ruleset, not guessed.

use lsp_types::{
    SemanticToken, SemanticTokenModifier, SemanticTokenType, SemanticTokens, SemanticTokensLegend,
};

use super::index::{Kind, Role, Wanted};
use super::lexer::{self, TokenKind};
use super::workspace::Ruleset;
use crate::syntax::words;

const KEYWORD: u32 = 0;
const ACTION: u32 = 1;
const FACT: u32 = 2;
const MEASURE: u32 = 3;
const CATEGORY: u32 = 4;
const EXERCISE: u32 = 5;
const RULE: u32 = 6;
const SOURCE: u32 = 7;
const GROUP: u32 = 8;
const STRING: u32 = 9;
const NUMBER: u32 = 10;
const COMMENT: u32 = 11;
const VALUE: u32 = 12;

const DECLARATION: u32 = 1;

pub fn legend() -> SemanticTokensLegend {
    SemanticTokensLegend {
        token_types: vec![
            SemanticTokenType::KEYWORD,
            SemanticTokenType::OPERATOR,
            SemanticTokenType::VARIABLE,
            SemanticTokenType::PROPERTY,
            SemanticTokenType::NAMESPACE,
            SemanticTokenType::CLASS,
            SemanticTokenType::FUNCTION,
            SemanticTokenType::TYPE,
            SemanticTokenType::ENUM,
            SemanticTokenType::STRING,
            SemanticTokenType::NUMBER,
            SemanticTokenType::COMMENT,
            SemanticTokenType::ENUM_MEMBER,
        ],
        token_modifiers: vec![SemanticTokenModifier::DECLARATION],
    }
}

fn of_kind(kind: Kind) -> u32 {
    match kind {
        Kind::Condition | Kind::Factor => FACT,
        Kind::Measure => MEASURE,
        Kind::Category => CATEGORY,
        Kind::Exercise => EXERCISE,
        Kind::Rule => RULE,
        Kind::Source => SOURCE,
        Kind::Exclusive | Kind::Ruleset => GROUP,
    }
}

fn of_wanted(wanted: Wanted) -> u32 {
    match wanted {
        Wanted::Fact | Wanted::FactOrMeasure => FACT,
        Wanted::Measure => MEASURE,
        Wanted::Target => EXERCISE,
        Wanted::Category => CATEGORY,
        Wanted::Source => SOURCE,
        Wanted::Rule => RULE,
    }
}

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

pub fn tokens(ruleset: &Ruleset, file: usize) -> SemanticTokens {
    let text = ruleset.text(file);
    let lines = ruleset.lines(file);
    let index = ruleset.index();
    let file_index = &index.files[file];
    let mut data = Vec::new();
    let (mut prev_line, mut prev_start) = (0u32, 0u32);
    for t in lexer::tokens(text) {
        let word = t.text(text);
        let classified = match t.kind {
            TokenKind::Comment => Some((COMMENT, 0)),
            TokenKind::Text => Some((STRING, 0)),
            TokenKind::Number => Some((NUMBER, 0)),
            TokenKind::Word => match file_index
                .at(t.start)
                .filter(|o| o.start == t.start && o.end == t.end && !o.implicit)
            {
                Some(o) => Some(match o.role {
                    Role::Declares(kind) => (of_kind(kind), DECLARATION),
                    Role::Refers(wanted) => {
                        let kind = index.resolve(o).map(|d| index.decl(d).kind);
                        (kind.map_or(of_wanted(wanted), of_kind), 0)
                    }
                }),
                None if words::ACTIONS.contains(&word) => Some((ACTION, 0)),
                None if words::RESERVED.contains(&word)
                    || words::OTHER_KEYWORDS.contains(&word)
                    || words::FREQUENCY_WORDS.contains(&word)
                    || words::DOSE_WORDS.contains(&word)
                    || words::FACT_CLAUSES.contains(&word) =>
                {
                    Some((KEYWORD, 0))
                }
                None if words::AMOUNT_UNITS.contains(&word) || VALUES.contains(&word) => {
                    Some((VALUE, 0))
                }
                None => None,
            },
            TokenKind::Punct | TokenKind::Other => None,
        };
        let Some((kind, modifiers)) = classified else {
            continue;
        };
        let start = lines.position(text, t.start);
        let end = lines.position(text, t.end);
        if end.line != start.line {
            continue;
        }
        let delta_line = start.line - prev_line;
        let delta_start = if delta_line == 0 {
            start.character - prev_start
        } else {
            start.character
        };
        data.push(SemanticToken {
            delta_line,
            delta_start,
            length: end.character - start.character,
            token_type: kind,
            token_modifiers_bitset: modifiers,
        });
        prev_line = start.line;
        prev_start = start.character;
    }
    SemanticTokens {
        result_id: None,
        data,
    }
}
