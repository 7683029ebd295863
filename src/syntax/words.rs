//! The words of the language, in one place: for did-you-mean suggestions on misspelt keywords,
//! and for tools (the language server's completion and highlighting).

/// Words that start an item.
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
];

/// Words that start a clause of a rule.
pub const RULE_CLAUSES: &[&str] = &[
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
    "prevails",
    "stop",
];

/// Words that start a clause of a condition or factor declaration.
pub const FACT_CLAUSES: &[&str] = &["implies", "excludes", "code"];

/// Words that start a clause of a test.
pub const TEST_CLAUSES: &[&str] = &["given", "expect"];

/// The actions, mildest first.
pub const ACTIONS: &[&str] = &["consider", "recommend", "caution", "refer", "avoid"];

/// Words that join conditions.
pub const CONNECTIVES: &[&str] = &["and", "or", "not", "in"];

/// Every reserved word: none of them can be a name.
pub const RESERVED: &[&str] = &[
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

/// Words with a meaning in one place only (declarations, tests).
pub const OTHER_KEYWORDS: &[&str] = &["version", "unit", "range", "url", "nothing"];

/// Units of an amount.
pub const AMOUNT_UNITS: &[&str] = &["min", "h", "reps", "sets"];

/// Words of a frequency.
pub const FREQUENCY_WORDS: &[&str] = &["every", "times", "per", "day", "week", "daily", "weekly"];

/// The other words of a dose: `at least`, `up to`, `in bouts of`, `building up to`.
pub const DOSE_WORDS: &[&str] = &["at", "least", "up", "to", "bouts", "of", "building"];
