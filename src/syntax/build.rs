//! From pest pairs to the typed tree. Checks what the grammar leaves open: the spelling of
//! names, string escapes, number sizes, repeated clauses and the values of closed lists
//! (evidence, strength, status).

mod dose;

use pest::iterators::{Pair, Pairs};

use super::Rule;
use super::ast::*;
use crate::diagnostic::{Code, Diagnostic, did_you_mean};
use crate::model::{Action, CmpOp, Evidence, Expectation, FactKind, Status, Strength};
use crate::source::{FileId, Span};

/// Numbers beyond this magnitude are refused (E007): they cannot be a clinical value and
/// would lose precision.
pub const MAX_NUMBER: f64 = 1e15;

pub struct Builder<'d> {
    pub file: FileId,
    /// Offset of the parsed text inside the file (parsing resumes mid-file after an error).
    pub offset: usize,
    pub diagnostics: &'d mut Vec<Diagnostic>,
}

impl Builder<'_> {
    /// The span of a pair, without the whitespace and comments pest skipped at its end (an
    /// optional part that was not there leaves them inside the pair).
    fn span(&self, pair: &Pair<'_, Rule>) -> Span {
        let s = pair.as_span();
        let len = meaningful_len(pair.as_str());
        Span::new(
            self.file,
            self.offset + s.start(),
            self.offset + s.start() + len,
        )
    }

    pub fn file(&mut self, pairs: Pairs<'_, Rule>, out: &mut Vec<Item>) {
        for pair in pairs {
            if let Some(item) = self.item(pair) {
                out.push(item);
            }
        }
    }

    fn item(&mut self, pair: Pair<'_, Rule>) -> Option<Item> {
        let span = self.span(&pair);
        let rule = pair.as_rule();
        let mut inner = pair.into_inner().filter(|p| !is_keyword(p.as_rule()));
        let item = match rule {
            Rule::ruleset_item => {
                let name = self.name(inner.next()?);
                let mut title = None;
                let mut version = None;
                for p in inner {
                    match p.as_rule() {
                        Rule::text => title = Some(self.text(p)),
                        Rule::version_opt => {
                            version = p
                                .into_inner()
                                .find(|p| p.as_rule() == Rule::text)
                                .map(|p| self.text(p))
                        }
                        _ => {}
                    }
                }
                Item::Ruleset(Box::new(RulesetItem {
                    name,
                    title,
                    version,
                    span,
                }))
            }
            Rule::condition_item | Rule::factor_item => {
                let kind = if rule == Rule::condition_item {
                    FactKind::Condition
                } else {
                    FactKind::Factor
                };
                let name = self.name(inner.next()?);
                let mut label = None;
                let mut clauses: Option<Box<FactClauses>> = None;
                let mut seen: Vec<(&'static str, Span)> = Vec::new();
                for p in inner {
                    let pspan = self.span(&p);
                    let word = match p.as_rule() {
                        Rule::text => {
                            label = Some(self.text(p));
                            continue;
                        }
                        Rule::implies_opt => "implies",
                        Rule::excludes_opt => "excludes",
                        Rule::code_opt => "code",
                        _ => continue,
                    };
                    if let Some(&(_, first)) = seen.iter().find(|(w, _)| *w == word) {
                        let what = if kind == FactKind::Condition {
                            "condition"
                        } else {
                            "factor"
                        };
                        self.repeated(word, what, &name.text, pspan, first);
                        continue;
                    }
                    seen.push((word, pspan));
                    let c = clauses.get_or_insert_with(Box::default);
                    match word {
                        "implies" | "excludes" => {
                            let list = p
                                .into_inner()
                                .find(|p| p.as_rule() == Rule::name_list)
                                .map(|l| self.names(l))
                                .unwrap_or_default();
                            if word == "implies" {
                                c.implies = list;
                            } else {
                                c.excludes = list;
                            }
                        }
                        _ => c.codes = self.codes(p),
                    }
                }
                Item::Fact(Box::new(FactItem {
                    kind,
                    name,
                    label,
                    clauses,
                    span,
                }))
            }
            Rule::exclusive_item => {
                let name = self.name(inner.next()?);
                let mut label = None;
                let mut members = Vec::new();
                for p in inner {
                    match p.as_rule() {
                        Rule::text => label = Some(self.text(p)),
                        Rule::name_list => members = self.names(p),
                        _ => {}
                    }
                }
                Item::Exclusive(Box::new(ExclusiveItem {
                    name,
                    label,
                    members,
                    span,
                }))
            }
            Rule::measure_item => {
                let name = self.name(inner.next()?);
                let mut m = MeasureItem {
                    name,
                    label: None,
                    unit: None,
                    range: None,
                    codes: Vec::new(),
                    span,
                };
                for p in inner {
                    let pspan = self.span(&p);
                    match p.as_rule() {
                        Rule::text => m.label = Some(self.text(p)),
                        Rule::unit_opt => {
                            if let Some(prev) = &m.unit {
                                self.repeated("unit", "measure", &m.name.text, pspan, prev.span);
                            }
                            m.unit = p
                                .into_inner()
                                .find(|p| p.as_rule() == Rule::text)
                                .map(|p| self.text(p));
                        }
                        Rule::range_opt => {
                            if let Some(prev) = &m.range {
                                self.repeated("range", "measure", &m.name.text, pspan, prev.span);
                            }
                            m.range = p
                                .into_inner()
                                .find(|p| p.as_rule() == Rule::range)
                                .map(|p| self.range(p));
                        }
                        Rule::code_opt => {
                            if !m.codes.is_empty() {
                                let first = m.codes[0].span;
                                self.repeated("code", "measure", &m.name.text, pspan, first);
                            }
                            m.codes = self.codes(p);
                        }
                        _ => {}
                    }
                }
                Item::Measure(Box::new(m))
            }
            Rule::category_item | Rule::exercise_item => {
                let name = self.name(inner.next()?);
                let mut label = None;
                let mut parents = Vec::new();
                for p in inner {
                    match p.as_rule() {
                        Rule::text => label = Some(self.text(p)),
                        Rule::parents => {
                            if let Some(list) =
                                p.into_inner().find(|p| p.as_rule() == Rule::name_list)
                            {
                                parents = self.names(list);
                            }
                        }
                        _ => {}
                    }
                }
                if rule == Rule::category_item {
                    Item::Category(Box::new(CategoryItem {
                        name,
                        label,
                        parents,
                        span,
                    }))
                } else {
                    Item::Exercise(Box::new(ExerciseItem {
                        name,
                        label,
                        categories: parents,
                        span,
                    }))
                }
            }
            Rule::source_item => {
                let name = self.name(inner.next()?);
                let mut text = None;
                let mut url = None;
                for p in inner {
                    match p.as_rule() {
                        Rule::citation => text = p.into_inner().next().map(|p| self.text(p)),
                        Rule::url_opt => {
                            url = p
                                .into_inner()
                                .find(|p| p.as_rule() == Rule::text)
                                .map(|p| self.text(p))
                        }
                        _ => {}
                    }
                }
                Item::Source(Box::new(SourceItem {
                    name,
                    text: text?,
                    url,
                    span,
                }))
            }
            Rule::rule_item => {
                let name = self.name(inner.next()?);
                let head_span = name.span;
                Item::Rule(Box::new(self.rule(Some(name), head_span, span, inner)?))
            }
            Rule::short_rule => {
                let head_span = Span::new(self.file, span.start(), span.start() + 2);
                Item::Rule(Box::new(self.rule(None, head_span, span, inner)?))
            }
            Rule::test_item => Item::Test(Box::new(self.test(span, inner)?)),
            _ => return None,
        };
        Some(item)
    }

    fn rule<'a>(
        &mut self,
        name: Option<Name>,
        head_span: Span,
        span: Span,
        clauses: impl Iterator<Item = Pair<'a, Rule>>,
    ) -> Option<RuleItem> {
        let mut action: Option<ActionClause> = None;
        let mut r = RuleItem::new(name, head_span, span);
        // Spans of the clauses seen so far, to report a clause given twice.
        let mut seen: Vec<(&'static str, Span)> = Vec::new();
        for clause in clauses {
            let cspan = self.span(&clause);
            let kind = clause.as_rule();
            let word = match kind {
                Rule::if_clause | Rule::late_if => "if",
                Rule::unless_clause => "unless",
                Rule::action_clause | Rule::extra_action => "action",
                Rule::because_clause => "because",
                Rule::cite_clause => "cite",
                Rule::evidence_clause => "evidence",
                Rule::strength_clause => "strength",
                Rule::overrides_clause => "overrides",
                Rule::reviewed_clause => "reviewed",
                Rule::status_clause => "status",
                Rule::prevails_clause => "prevails",
                Rule::stop_clause => "stop if",
                _ => continue,
            };
            let mut parts = clause.into_inner().filter(|p| !is_keyword(p.as_rule()));
            if word == "action" {
                let clause = self.action(cspan, parts)?;
                if let Some(first) = &action {
                    self.diagnostics.push(
                        Diagnostic::new(Code::E004, clause.span, format!("{} gives advice twice", rule_label(&r.name)))
                            .with_label("second action")
                            .with_secondary(first.span, "first action")
                            .with_help("a rule gives one action; split it into two rules, each with its own condition"),
                    );
                } else {
                    action = Some(clause);
                }
                continue;
            }
            if let Some(&(_, first)) = seen.iter().find(|(w, _)| *w == word) {
                self.repeated(word, "", &rule_label(&r.name), cspan, first);
                continue;
            }
            seen.push((word, cspan));
            match kind {
                Rule::if_clause | Rule::late_if => {
                    r.cond = parts.next().map(|p| self.cond(p));
                    if let Some(unless) = parts.next() {
                        if let Some(&(_, first)) = seen.iter().find(|(w, _)| *w == "unless") {
                            self.repeated(
                                "unless",
                                "",
                                &rule_label(&r.name),
                                self.span(&unless),
                                first,
                            );
                        } else {
                            seen.push(("unless", self.span(&unless)));
                            r.unless = Some(self.cond(unless));
                        }
                    }
                }
                Rule::unless_clause => r.unless = parts.next().map(|p| self.cond(p)),
                Rule::because_clause => {
                    r.details_mut().because = parts.next().map(|p| self.text(p))
                }
                Rule::cite_clause => {
                    r.cite = parts
                        .filter(|p| p.as_rule() == Rule::cite_item)
                        .filter_map(|p| {
                            let mut inner = p.into_inner();
                            let source = self.name(inner.next()?);
                            let locator = inner.next().map(|t| Box::new(self.text(t)));
                            Some(Cite { source, locator })
                        })
                        .collect();
                    r.cite.shrink_to_fit();
                }
                Rule::prevails_clause => r.details_mut().prevails = Some(cspan),
                Rule::stop_clause => r.details_mut().stop_if = parts.next().map(|p| self.text(p)),
                Rule::overrides_clause => {
                    r.details_mut().overrides =
                        parts.next().map(|p| self.names(p)).unwrap_or_default()
                }
                Rule::evidence_clause => {
                    let n = self.name(parts.next()?);
                    self.check_choice(&n, "evidence level", &Evidence::ALL.map(Evidence::as_str));
                    r.details_mut().evidence = Some(n);
                }
                Rule::strength_clause => {
                    let n = self.name(parts.next()?);
                    self.check_choice(&n, "strength", &Strength::ALL.map(Strength::as_str));
                    r.details_mut().strength = Some(n);
                }
                Rule::status_clause => {
                    let n = self.name(parts.next()?);
                    self.check_choice(&n, "status", &Status::ALL.map(Status::as_str));
                    r.details_mut().status = Some(n);
                }
                Rule::reviewed_clause => {
                    let p = parts.next()?;
                    let dspan = self.span(&p);
                    let text = p.as_str().to_string();
                    self.check_date(&text, dspan);
                    r.details_mut().reviewed = Some(Text {
                        value: text,
                        span: dspan,
                    });
                }
                _ => {}
            }
        }
        r.action = action?;
        Some(r)
    }

    fn repeated(&mut self, word: &str, what: &str, owner: &str, span: Span, first: Span) {
        let owner = if what.is_empty() {
            owner.to_string()
        } else {
            format!("{what} `{owner}`")
        };
        self.diagnostics.push(
            Diagnostic::new(
                Code::E004,
                span,
                format!("`{word}` is given twice in {owner}"),
            )
            .with_label("given again here")
            .with_secondary(first, "first given here")
            .with_help(format!(
                "keep one `{word}` clause; each clause may appear at most once"
            )),
        );
    }

    fn check_choice(&mut self, n: &Name, what: &str, allowed: &[&'static str]) {
        if allowed.contains(&n.text.as_str()) {
            return;
        }
        let a = crate::diagnostic::article(what);
        let mut d = Diagnostic::new(
            Code::E007,
            n.span,
            format!("`{}` is not {a} {what}", n.text),
        )
        .with_label(format!("unknown {what}"))
        .with_note(format!("{a} {what} is one of: {}", allowed.join(", ")));
        if let Some(best) = did_you_mean(&n.text, allowed.iter().copied()) {
            d = d.with_suggestion(best);
        }
        self.diagnostics.push(d);
    }

    fn check_date(&mut self, text: &str, span: Span) {
        let well_formed = text.len() == 10;
        if !date_is_valid(text) {
            let msg = if well_formed {
                format!("`{text}` is not a calendar date")
            } else {
                format!("`{text}` is not written as YYYY-MM-DD")
            };
            self.diagnostics.push(
                Diagnostic::new(Code::E007, span, msg)
                    .with_label("invalid date")
                    .with_help(
                        "write the date as YYYY-MM-DD with a real month and day, e.g. 2026-03-01",
                    ),
            );
        }
    }

    fn action<'a>(
        &mut self,
        span: Span,
        mut parts: impl Iterator<Item = Pair<'a, Rule>>,
    ) -> Option<ActionClause> {
        let word = parts.next()?;
        let word_span = self.span(&word);
        let action = Action::parse(word.as_str())?;
        let targets = self.names(parts.next()?);
        let mut except = Vec::new();
        let mut dose = None;
        for p in parts {
            match p.as_rule() {
                Rule::except_list => {
                    if let Some(list) = p.into_inner().find(|p| p.as_rule() == Rule::name_list) {
                        except = self.names(list);
                    }
                }
                Rule::dose => dose = Some(Box::new(self.dose(p))),
                _ => {}
            }
        }
        Some(ActionClause {
            action,
            word_span,
            targets,
            except,
            dose,
            span,
        })
    }

    /// `code "SYSTEM|CODE", ...`: the texts.
    fn codes(&mut self, pair: Pair<'_, Rule>) -> Vec<Text> {
        pair.into_inner()
            .filter(|p| p.as_rule() == Rule::text)
            .map(|p| self.text(p))
            .collect()
    }

    fn bounds(&self, numbers: &[Number], span: Span) -> (Number, Number) {
        let zero = Number { value: 0.0, span };
        let lo = numbers.first().copied().unwrap_or(zero);
        (lo, numbers.get(1).copied().unwrap_or(lo))
    }

    fn range(&mut self, pair: Pair<'_, Rule>) -> Range {
        let span = self.span(&pair);
        let numbers: Vec<Number> = pair.into_inner().map(|p| self.number(&p)).collect();
        let (lo, hi) = self.bounds(&numbers, span);
        if lo.value > hi.value {
            self.diagnostics.push(
                Diagnostic::new(
                    Code::E007,
                    span,
                    format!(
                        "the range {} is empty: it goes from high to low",
                        self.snippet(span, &numbers)
                    ),
                )
                .with_label("empty range")
                .with_help(format!(
                    "ranges include both ends and are written low to high: {}..{}",
                    fmt_num(hi.value),
                    fmt_num(lo.value)
                )),
            );
        }
        Range { lo, hi, span }
    }

    fn snippet(&self, _span: Span, numbers: &[Number]) -> String {
        match numbers {
            [lo, hi] => format!("{}..{}", fmt_num(lo.value), fmt_num(hi.value)),
            _ => "range".to_string(),
        }
    }

    fn number(&mut self, pair: &Pair<'_, Rule>) -> Number {
        let span = self.span(pair);
        let value = pair.as_str().parse::<f64>().unwrap_or(f64::INFINITY);
        if !value.is_finite() || value.abs() > MAX_NUMBER {
            self.diagnostics.push(
                Diagnostic::new(Code::E007, span, format!("the number {} is too large", pair.as_str()))
                    .with_label("too large")
                    .with_help("numbers in Carel are clinical values; use one between -1000000000000000 and 1000000000000000"),
            );
            return Number { value: 0.0, span };
        }
        Number { value, span }
    }

    fn cond(&mut self, pair: Pair<'_, Rule>) -> Cond {
        let span = self.span(&pair);
        match pair.as_rule() {
            Rule::cond | Rule::conj => {
                let is_or = pair.as_rule() == Rule::cond;
                let mut parts: Vec<Cond> = Vec::new();
                for p in pair.into_inner().filter(|p| !is_keyword(p.as_rule())) {
                    match self.cond(p) {
                        Cond::Any(inner, _) if is_or => parts.extend(inner),
                        Cond::All(inner, _) if !is_or => parts.extend(inner),
                        c => parts.push(c),
                    }
                }
                if parts.len() == 1 {
                    parts.pop().unwrap_or(Cond::All(Vec::new(), span))
                } else if is_or {
                    parts.shrink_to_fit();
                    Cond::Any(parts, span)
                } else {
                    parts.shrink_to_fit();
                    Cond::All(parts, span)
                }
            }
            Rule::negation => {
                let mut nots = 0usize;
                let mut inner = None;
                for p in pair.into_inner() {
                    if p.as_rule() == Rule::kw_not {
                        nots += 1;
                    } else {
                        inner = Some(self.cond(p));
                    }
                }
                let inner = inner.unwrap_or(Cond::All(Vec::new(), span));
                if nots % 2 == 1 {
                    Cond::Not(Box::new(inner), span)
                } else {
                    inner
                }
            }
            Rule::group => match pair.into_inner().next() {
                Some(p) => self.cond(p),
                None => Cond::All(Vec::new(), span),
            },
            Rule::atom => {
                let mut parts = pair.into_inner().filter(|p| !is_keyword(p.as_rule()));
                let Some(first) = parts.next() else {
                    return Cond::All(Vec::new(), span);
                };
                let name = self.name(first);
                match parts.next() {
                    None => Cond::Fact(name),
                    Some(op) if op.as_rule() == Rule::cmp_op => {
                        let op = CmpOp::parse(op.as_str());
                        let value = parts.next().map(|p| self.number(&p));
                        match (op, value) {
                            (Some(op), Some(value)) => Cond::Cmp(Box::new(Comparison {
                                measure: name,
                                op,
                                value,
                                span,
                            })),
                            _ => Cond::All(Vec::new(), span),
                        }
                    }
                    Some(range) => Cond::In(Box::new(RangeTest {
                        measure: name,
                        range: self.range(range),
                        span,
                    })),
                }
            }
            _ => Cond::All(Vec::new(), span),
        }
    }

    fn test<'a>(
        &mut self,
        span: Span,
        parts: impl Iterator<Item = Pair<'a, Rule>>,
    ) -> Option<TestItem> {
        let mut name = None;
        let mut given = Vec::new();
        let mut expects = Vec::new();
        let mut given_span: Option<Span> = None;
        for p in parts {
            let pspan = self.span(&p);
            match p.as_rule() {
                Rule::text => name = Some(self.text(p)),
                Rule::given_clause => {
                    if let Some(first) = given_span {
                        self.repeated("given", "", "this test", pspan, first);
                        continue;
                    }
                    given_span = Some(pspan);
                    for g in p.into_inner().filter(|g| g.as_rule() == Rule::given) {
                        let mut gp = g.into_inner();
                        let Some(n) = gp.next() else { continue };
                        let name = self.name(n);
                        let value = gp.next().map(|v| self.number(&v));
                        given.push(Given { name, value });
                    }
                }
                Rule::expect_clause => {
                    let mut expectation = None;
                    let mut targets = Vec::new();
                    let mut dose = None;
                    for e in p.into_inner() {
                        match e.as_rule() {
                            Rule::kw_nothing => expectation = Some(Expectation::Nothing),
                            Rule::action => {
                                expectation = Action::parse(e.as_str()).map(Expectation::Is)
                            }
                            Rule::negated_action => {
                                expectation = e
                                    .into_inner()
                                    .find(|a| a.as_rule() == Rule::action)
                                    .and_then(|a| Action::parse(a.as_str()))
                                    .map(Expectation::IsNot)
                            }
                            Rule::target_list => targets = self.names(e),
                            Rule::dose => dose = Some(Box::new(self.dose(e))),
                            _ => {}
                        }
                    }
                    expects.push(Expect {
                        expectation: expectation?,
                        targets,
                        dose,
                        span: pspan,
                    });
                }
                _ => {}
            }
        }
        Some(TestItem {
            name: name?,
            span,
            given,
            expects,
        })
    }

    fn names(&mut self, list: Pair<'_, Rule>) -> Vec<Name> {
        let mut names: Vec<Name> = list
            .into_inner()
            .filter(|p| p.as_rule() == Rule::name)
            .map(|p| self.name(p))
            .collect();
        // Most lists hold one or two names; trees of every file are kept until names resolve.
        names.shrink_to_fit();
        names
    }

    /// A name, checked for spelling: `[a-z][a-z0-9_]*`.
    fn name(&mut self, pair: Pair<'_, Rule>) -> Name {
        let span = self.span(&pair);
        let text = SmolStr::new(pair.as_str());
        let well_formed = text.starts_with(|c: char| c.is_ascii_lowercase())
            && text
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if !well_formed {
            let suggestion = snake_case(&text);
            let mut d = Diagnostic::new(Code::E001, span, format!("`{text}` is not a valid name"))
                .with_label("names use lower-case letters, digits and `_`")
                .with_note("a name starts with a lower-case letter and continues with lower-case letters, digits or underscores");
            if !suggestion.is_empty() {
                d = d.with_help(format!("write it in snake_case: `{suggestion}`"));
            }
            self.diagnostics.push(d);
        }
        Name { text, span }
    }

    fn text(&mut self, pair: Pair<'_, Rule>) -> Text {
        let span = self.span(&pair);
        let mut value = String::new();
        for (i, s) in pair
            .into_inner()
            .filter(|p| p.as_rule() == Rule::string)
            .enumerate()
        {
            if i > 0 {
                value.push(' ');
            }
            let body = s.into_inner().next();
            let Some(body) = body else { continue };
            let base = self.offset + body.as_span().start();
            let raw = body.as_str();
            let mut chars = raw.char_indices();
            while let Some((i, c)) = chars.next() {
                if c != '\\' {
                    value.push(c);
                    continue;
                }
                match chars.next() {
                    Some((_, '"')) => value.push('"'),
                    Some((_, '\\')) => value.push('\\'),
                    Some((_, 'n')) => value.push('\n'),
                    Some((j, other)) => {
                        let at = Span::new(self.file, base + i, base + j + other.len_utf8());
                        self.diagnostics.push(
                            Diagnostic::new(Code::E001, at, format!("unknown escape `\\{other}` in a text"))
                                .with_label("unknown escape")
                                .with_help("the escapes are `\\\"` (a quote), `\\\\` (a backslash) and `\\n` (a new line)"),
                        );
                    }
                    None => {}
                }
            }
        }
        Text { value, span }
    }
}

/// Whether a date written as `YYYY-MM-DD` (the grammar has checked the digits and dashes)
/// is ten characters long and names a real calendar day.
pub(super) fn date_is_valid(text: &str) -> bool {
    let mut parts = text.split('-').map(|p| p.parse::<u32>().unwrap_or(0));
    let (y, m, d) = (
        parts.next().unwrap_or(0),
        parts.next().unwrap_or(0),
        parts.next().unwrap_or(0),
    );
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => 0,
    };
    text.len() == 10 && days != 0 && d != 0 && d <= days
}

/// The length of `text` without trailing whitespace and trailing comments.
fn meaningful_len(text: &str) -> usize {
    // Most pairs end at their last token: nothing to trim. A pair can also end with a comment
    // that runs to the end of the file, which can only be on its last line.
    let last_line = text.rfind('\n').map_or(text, |i| &text[i + 1..]);
    if !text.ends_with(|c: char| c.is_whitespace()) && !last_line.contains('#') {
        return text.len();
    }
    let mut end = text.trim_end().len();
    loop {
        let line_start = text[..end].rfind('\n').map_or(0, |i| i + 1);
        match comment_start(&text[line_start..end]) {
            Some(at) => end = text[..line_start + at].trim_end().len(),
            None => return end,
        }
    }
}

/// Where a comment starts on a line, ignoring `#` inside texts.
fn comment_start(line: &str) -> Option<usize> {
    let mut in_text = false;
    let mut escaped = false;
    for (i, c) in line.char_indices() {
        match c {
            '\\' if in_text && !escaped => {
                escaped = true;
                continue;
            }
            '"' if !escaped => in_text = !in_text,
            '#' if !in_text => return Some(i),
            _ => {}
        }
        escaped = false;
    }
    None
}

/// How messages name a rule.
fn rule_label(name: &Option<Box<Name>>) -> String {
    name.as_ref()
        .map_or("this rule".to_string(), |n| format!("rule `{}`", n.text))
}

/// Keyword tokens carry no information of their own once the tree has its shape.
fn is_keyword(rule: Rule) -> bool {
    matches!(
        rule,
        Rule::kw_ruleset
            | Rule::kw_condition
            | Rule::kw_factor
            | Rule::kw_exclusive
            | Rule::kw_measure
            | Rule::kw_category
            | Rule::kw_exercise
            | Rule::kw_source
            | Rule::kw_rule
            | Rule::kw_test
            | Rule::kw_if
            | Rule::kw_unless
            | Rule::kw_then
            | Rule::kw_because
            | Rule::kw_cite
            | Rule::kw_evidence
            | Rule::kw_strength
            | Rule::kw_overrides
            | Rule::kw_reviewed
            | Rule::kw_status
            | Rule::kw_given
            | Rule::kw_expect
            | Rule::kw_and
            | Rule::kw_or
            | Rule::kw_in
            | Rule::kw_version
            | Rule::kw_unit
            | Rule::kw_range
            | Rule::kw_url
            | Rule::kw_every
            | Rule::kw_times
            | Rule::kw_per
            | Rule::kw_implies
            | Rule::kw_excludes
            | Rule::kw_code
            | Rule::kw_except
            | Rule::kw_prevails
            | Rule::kw_stop
            | Rule::kw_at
            | Rule::kw_least
            | Rule::kw_up
            | Rule::kw_to
            | Rule::kw_bouts
            | Rule::kw_of
            | Rule::kw_building
            | Rule::EOI
    )
}

/// `HamstringStretch`, `hamstring-stretch` → `hamstring_stretch`.
pub fn snake_case(text: &str) -> String {
    let mut out = String::new();
    let mut prev_lower = false;
    for c in text.chars() {
        if c.is_ascii_uppercase() {
            if prev_lower {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
            prev_lower = false;
        } else if c == '-' || c == '_' {
            if !out.is_empty() && !out.ends_with('_') {
                out.push('_');
            }
            prev_lower = false;
        } else {
            out.push(c);
            prev_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        }
    }
    let trimmed = out.trim_matches('_');
    let trimmed = trimmed.trim_start_matches(|c: char| c.is_ascii_digit() || c == '_');
    trimmed.to_string()
}

/// A number as a person writes it: `65`, `2.5`.
pub fn fmt_num(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        format!("{v}")
    }
}
