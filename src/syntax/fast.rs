//! The fast reader: one pass over a well-formed file, straight to the typed tree.
//!
//! Large rulesets are almost always well formed, and for them the pest grammar's generality
//! (backtracking, a pair per token, a call budget) costs most of a check. This reader accepts
//! exactly the files that the grammar accepts *and* that [`super::build`] turns into a tree
//! without a single diagnostic, and gives the very same tree, spans included. On anything else
//! (a syntax error, a misspelt name, an unknown escape, a clause given twice, a BOM, anything
//! unusual) it gives up, and the file is read again by pest, which explains the problem. Giving
//! up is always safe; accepting what pest would reject, or building a different tree, is a bug,
//! and `fast_tests.rs` (and the `readers` fuzz target) compare the two readers on every
//! fixture, generated rulesets and random token soup.
//!
//! Tokens are read the way the grammar reads them: keywords end at a character that is not a
//! letter, digit or `_`; whitespace and `#` comments may separate any two tokens except the
//! strings of one text, which only whitespace may separate.

use super::MAX_NESTING;
use super::ast::*;
use super::build::{MAX_NUMBER, date_is_valid};
use super::errors::RESERVED;
use crate::model::{
    Action, AmountUnit, CmpOp, Evidence, Expectation, FactKind, Period, Status, Strength,
};
use crate::source::{FileId, Span};

/// Read a whole file, or `None` if it needs the full parser.
pub(super) fn parse(file: FileId, text: &str) -> Option<Vec<Item>> {
    // A BOM counts as whitespace anywhere in the grammar but is not trimmed from spans the same
    // way; such files are rare enough to leave to pest.
    if text.contains('\u{FEFF}') {
        return None;
    }
    parse_piece(file, text, 0)
}

/// Read the items of `text` from byte `start` on (spans count from the start of `text`), or
/// `None` if it needs the full parser. `start` must be 0 or the start of a line that starts
/// with the keyword `rule` (see [`cut_points`]), and `text` must be BOM-free.
pub(super) fn parse_piece(file: FileId, text: &str, start: usize) -> Option<Vec<Item>> {
    let mut r = Reader {
        text,
        bytes: text.as_bytes(),
        pos: start,
        last_end: start,
        file,
    };
    let mut items = Vec::new();
    loop {
        r.skip();
        if r.pos >= r.bytes.len() {
            break;
        }
        items.push(r.item()?);
    }
    items.shrink_to_fit();
    Some(items)
}

/// Where a large file may be cut into pieces that read exactly as the whole file does: at
/// the start of a line that begins with the keyword `rule` and a space, about `every` bytes
/// apart. Returns the cuts, starting with 0 and ending with the length of the text.
///
/// Why a cut there changes nothing: a line start is never inside a string (strings end at the
/// line) or a comment, and the word `rule` is reserved, so wherever an item could continue
/// (another clause, name, `and`/`or`, dose, text part, `given`/`expect`) this reader treats it
/// exactly as it treats the end of the text: the item ends. So if the file reads, each piece
/// reads to the same items; and if a piece does not read, neither does the file (the caller
/// then reads the whole file again, as one). `fast_tests.rs` cuts at every such line to check.
pub(super) fn cut_points(text: &str, every: usize) -> Vec<usize> {
    let mut cuts = vec![0];
    let mut from = every.max(1);
    while from < text.len() {
        let Some(found) = find_rule_line(&text.as_bytes()[from - 1..]) else {
            break;
        };
        let cut = from - 1 + found;
        cuts.push(cut);
        from = cut + every.max(1);
    }
    cuts.push(text.len());
    cuts
}

/// The position, just after a `\n`, of the first line of `bytes` (not its first) that starts
/// with `rule `.
fn find_rule_line(bytes: &[u8]) -> Option<usize> {
    let mut at = 0;
    loop {
        let newline = bytes[at..].iter().position(|&b| b == b'\n')?;
        at += newline + 1;
        if bytes[at..].starts_with(b"rule ") {
            return Some(at);
        }
    }
}

/// A position in the text. Every `Option` returned below is `None` exactly when the text is
/// not one this reader vouches for.
struct Reader<'t> {
    text: &'t str,
    bytes: &'t [u8],
    /// The next byte to read.
    pos: usize,
    /// Where the last token read ended: the end of every span.
    last_end: usize,
    file: FileId,
}

fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

impl<'t> Reader<'t> {
    fn span(&self, start: usize) -> Span {
        Span::new(self.file, start, self.last_end)
    }

    /// Skip whitespace and comments.
    fn skip(&mut self) {
        while let Some(&b) = self.bytes.get(self.pos) {
            match b {
                b' ' | b'\t' | b'\r' | b'\n' => self.pos += 1,
                b'#' => {
                    self.pos = memchr_newline(self.bytes, self.pos);
                }
                _ => break,
            }
        }
    }

    /// The next byte after whitespace and comments.
    fn peek(&mut self) -> Option<u8> {
        self.skip();
        self.bytes.get(self.pos).copied()
    }

    /// The next word (`[a-z][a-z0-9_]*`), without reading it: `None` when the next token is
    /// not a word. A word running into a capital or a dash is not one this reader vouches for
    /// (pest reads it as a misspelt name, or a keyword followed by junk): `Err(())`.
    fn peek_word(&mut self) -> Result<Option<&'t str>, ()> {
        self.skip();
        let start = self.pos;
        match self.bytes.get(start) {
            Some(b) if b.is_ascii_lowercase() => {}
            Some(b) if b.is_ascii_uppercase() || *b == b'_' => return Err(()),
            _ => return Ok(None),
        }
        let mut end = start + 1;
        while let Some(&b) = self.bytes.get(end) {
            if b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' {
                end += 1;
            } else if b.is_ascii_uppercase() || b == b'-' {
                return Err(());
            } else {
                break;
            }
        }
        Ok(Some(&self.text[start..end]))
    }

    /// The next word if it is one, `None` otherwise (including words this reader refuses).
    fn word(&mut self) -> Option<&'t str> {
        self.peek_word().ok().flatten()
    }

    /// Consume `len` bytes at the current position as one token.
    fn bump(&mut self, len: usize) {
        self.pos += len;
        self.last_end = self.pos;
    }

    /// Read the keyword `kw` if it comes next.
    fn eat(&mut self, kw: &str) -> bool {
        if self.word() == Some(kw) {
            self.bump(kw.len());
            true
        } else {
            false
        }
    }

    /// Read the keyword `kw` when a negative number follows it without a space (`range-5..5`):
    /// the grammar reads the keyword, then the number.
    fn eat_before_minus(&mut self, kw: &str) -> bool {
        self.skip();
        let rest = &self.bytes[self.pos..];
        let glued = rest.starts_with(kw.as_bytes())
            && rest.get(kw.len()) == Some(&b'-')
            && rest.get(kw.len() + 1).is_some_and(u8::is_ascii_digit);
        if glued {
            self.bump(kw.len());
        }
        glued
    }

    fn expect(&mut self, kw: &str) -> Option<()> {
        self.eat(kw).then_some(())
    }

    fn punct(&mut self, p: &[u8]) -> bool {
        self.skip();
        if self.bytes[self.pos..].starts_with(p) {
            self.bump(p.len());
            true
        } else {
            false
        }
    }

    fn name(&mut self) -> Option<Name> {
        let word = self.peek_word().ok()??;
        if RESERVED.contains(&word) {
            return None;
        }
        let start = self.pos;
        self.bump(word.len());
        Some(Name {
            text: SmolStr::new(word),
            span: self.span(start),
        })
    }

    /// `name ("," name)*`
    fn names(&mut self) -> Option<Vec<Name>> {
        let mut names = vec![self.name()?];
        while self.punct(b",") {
            names.push(self.name()?);
        }
        names.shrink_to_fit();
        Some(names)
    }

    /// A number as the grammar reads it: `-? digits (. digits)?`, not followed by a letter,
    /// digit, `_` or `.digit`.
    fn number(&mut self) -> Option<Number> {
        self.skip();
        let b = self.bytes;
        let start = self.pos;
        let mut end = start + usize::from(b.get(start) == Some(&b'-'));
        let digits = |mut i: usize| {
            while b.get(i).is_some_and(u8::is_ascii_digit) {
                i += 1;
            }
            i
        };
        let int_end = digits(end);
        if int_end == end {
            return None;
        }
        end = int_end;
        if b.get(end) == Some(&b'.') && b.get(end + 1).is_some_and(u8::is_ascii_digit) {
            end = digits(end + 1);
        }
        if b.get(end).is_some_and(|&c| is_word_byte(c))
            || (b.get(end) == Some(&b'.') && b.get(end + 1).is_some_and(u8::is_ascii_digit))
        {
            return None;
        }
        let value: f64 = self.text[start..end].parse().ok()?;
        if !value.is_finite() || value.abs() > MAX_NUMBER {
            return None;
        }
        self.bump(end - start);
        Some(Number {
            value,
            span: self.span(start),
        })
    }

    /// `number (".." number)?`: the bounds, equal when only one is written.
    fn bounds(&mut self) -> Option<(Number, Number)> {
        let lo = self.number()?;
        let hi = if self.punct(b"..") {
            self.number()?
        } else {
            lo
        };
        Some((lo, hi))
    }

    /// `number ".." number`, written low to high.
    fn range(&mut self) -> Option<Range> {
        self.skip();
        let start = self.pos;
        let lo = self.number()?;
        if !self.punct(b"..") {
            return None;
        }
        let hi = self.number()?;
        (lo.value <= hi.value).then(|| Range {
            lo,
            hi,
            span: self.span(start),
        })
    }

    /// One or more strings separated only by whitespace, joined with a space.
    fn text(&mut self) -> Option<Text> {
        self.skip();
        let start = self.pos;
        let mut value = String::new();
        self.string(&mut value)?;
        loop {
            let mut at = self.pos;
            while matches!(self.bytes.get(at), Some(b' ' | b'\t' | b'\r' | b'\n')) {
                at += 1;
            }
            if self.bytes.get(at) != Some(&b'"') {
                break;
            }
            self.pos = at;
            value.push(' ');
            self.string(&mut value)?;
        }
        Some(Text {
            value,
            span: self.span(start),
        })
    }

    /// One quoted string at the current position, unescaped onto `value`.
    fn string(&mut self, value: &mut String) -> Option<()> {
        if self.bytes.get(self.pos) != Some(&b'"') {
            return None;
        }
        let mut i = self.pos + 1;
        let mut plain = i;
        loop {
            match *self.bytes.get(i)? {
                b'"' => break,
                b'\n' => return None,
                b'\\' => {
                    value.push_str(&self.text[plain..i]);
                    value.push(match self.bytes.get(i + 1)? {
                        b'"' => '"',
                        b'\\' => '\\',
                        b'n' => '\n',
                        // Any other escape is reported by the full parser.
                        _ => return None,
                    });
                    i += 2;
                    plain = i;
                }
                _ => i += 1,
            }
        }
        value.push_str(&self.text[plain..i]);
        self.bump(i + 1 - self.pos);
        Some(())
    }

    fn item(&mut self) -> Option<Item> {
        let start = self.pos;
        let keyword = self.word()?;
        if keyword == "if" {
            return self.rule(None, start).map(|r| Item::Rule(Box::new(r)));
        }
        self.bump(keyword.len());
        let item = match keyword {
            "rule" => {
                let name = self.name()?;
                if !self.punct(b":") {
                    return None;
                }
                Item::Rule(Box::new(self.rule(Some(name), start)?))
            }
            "condition" | "factor" => {
                let kind = if keyword == "condition" {
                    FactKind::Condition
                } else {
                    FactKind::Factor
                };
                let name = self.name()?;
                let label = self.label()?;
                Item::Fact(Box::new(FactItem {
                    kind,
                    name,
                    label,
                    clauses: None,
                    span: self.span(start),
                }))
            }
            "exercise" | "category" => {
                let name = self.name()?;
                let label = self.label()?;
                let parents = if self.eat("in") {
                    self.names()?
                } else {
                    Vec::new()
                };
                let span = self.span(start);
                if keyword == "exercise" {
                    Item::Exercise(Box::new(ExerciseItem {
                        name,
                        label,
                        categories: parents,
                        span,
                    }))
                } else {
                    Item::Category(Box::new(CategoryItem {
                        name,
                        label,
                        parents,
                        span,
                    }))
                }
            }
            "exclusive" => {
                let name = self.name()?;
                let label = self.label()?;
                if !self.punct(b":") {
                    return None;
                }
                let members = self.names()?;
                Item::Exclusive(Box::new(ExclusiveItem {
                    name,
                    label,
                    members,
                    span: self.span(start),
                }))
            }
            "measure" => {
                let name = self.name()?;
                let label = self.label()?;
                let (mut unit, mut range) = (None, None);
                loop {
                    if self.eat("unit") {
                        if unit.is_some() {
                            return None;
                        }
                        unit = Some(self.text()?);
                    } else if self.eat("range") || self.eat_before_minus("range") {
                        if range.is_some() {
                            return None;
                        }
                        range = Some(self.range()?);
                    } else {
                        break;
                    }
                }
                Item::Measure(Box::new(MeasureItem {
                    name,
                    label,
                    unit,
                    range,
                    codes: Vec::new(),
                    span: self.span(start),
                }))
            }
            "source" => {
                let name = self.name()?;
                let text = self.text()?;
                let url = if self.eat("url") {
                    Some(self.text()?)
                } else {
                    None
                };
                Item::Source(Box::new(SourceItem {
                    name,
                    text,
                    url,
                    span: self.span(start),
                }))
            }
            "ruleset" => {
                let name = self.name()?;
                let title = self.label()?;
                let version = if self.eat("version") {
                    Some(self.text()?)
                } else {
                    None
                };
                Item::Ruleset(Box::new(RulesetItem {
                    name,
                    title,
                    version,
                    span: self.span(start),
                }))
            }
            "test" => self.test(start)?,
            _ => return None,
        };
        Some(item)
    }

    /// An optional text: `Some(None)` when there is none.
    fn label(&mut self) -> Option<Option<Text>> {
        if self.peek() == Some(b'"') {
            self.text().map(Some)
        } else {
            Some(None)
        }
    }

    /// A rule: the short form (`name` is `None`, the reader is at its `if`) or the full form
    /// (the reader is after `rule NAME:`). Clauses come in any order around the action, each
    /// at most once.
    fn rule(&mut self, name: Option<Name>, start: usize) -> Option<RuleItem> {
        let short = name.is_none();
        let head_span = match &name {
            Some(n) => n.span,
            None => Span::new(self.file, start, start + 2),
        };
        let mut r = RuleItem::new(name, head_span, Span::default());
        let mut has_action = false;
        if short {
            // `if COND [unless COND]` and then, necessarily, the action.
            self.bump(2);
            self.if_clause(&mut r)?;
            if self.word() != Some("then") {
                return None;
            }
        }
        loop {
            let here = self.pos;
            let Some(word) = self.peek_word().ok()? else {
                break;
            };
            match word {
                "then" | "recommend" | "consider" | "caution" | "refer" | "avoid" => {
                    // A second action is reported by the full parser.
                    if has_action {
                        return None;
                    }
                    r.action = self.action()?;
                    has_action = true;
                }
                "if" if !has_action => {
                    if r.cond.is_some() {
                        return None;
                    }
                    self.bump(2);
                    self.if_clause(&mut r)?;
                }
                // A short rule's `if` comes first, so an `if` after its action starts the next
                // rule.
                "if" if short => break,
                "if" => {
                    // After a full rule's action, an `if` belongs to the rule unless a `then`
                    // follows its condition: then it starts the next rule.
                    let before = self.last_end;
                    self.bump(2);
                    let cond = self.cond(0)?;
                    let unless = if self.eat("unless") {
                        Some(self.cond(0)?)
                    } else {
                        None
                    };
                    if self.word() == Some("then") {
                        self.pos = here;
                        self.last_end = before;
                        break;
                    }
                    if r.cond.is_some() || (unless.is_some() && r.unless.is_some()) {
                        return None;
                    }
                    r.cond = Some(cond);
                    if unless.is_some() {
                        r.unless = unless;
                    }
                }
                "unless" => {
                    if r.unless.is_some() {
                        return None;
                    }
                    self.bump(word.len());
                    r.unless = Some(self.cond(0)?);
                }
                "because" if r.because().is_none() => {
                    self.bump(word.len());
                    r.details_mut().because = Some(self.text()?);
                }
                "cite" if r.cite.is_empty() => {
                    self.bump(word.len());
                    // Locators are left to the full parser.
                    r.cite = self
                        .names()?
                        .into_iter()
                        .map(|source| Cite {
                            source,
                            locator: None,
                        })
                        .collect();
                }
                "overrides" if r.overrides().is_empty() => {
                    self.bump(word.len());
                    r.details_mut().overrides = self.names()?;
                }
                "evidence" if r.evidence().is_none() => {
                    self.bump(word.len());
                    r.details_mut().evidence =
                        Some(self.choice(&Evidence::ALL.map(Evidence::as_str))?);
                }
                "strength" if r.strength().is_none() => {
                    self.bump(word.len());
                    r.details_mut().strength =
                        Some(self.choice(&Strength::ALL.map(Strength::as_str))?);
                }
                "status" if r.status().is_none() => {
                    self.bump(word.len());
                    r.details_mut().status = Some(self.choice(&Status::ALL.map(Status::as_str))?);
                }
                "reviewed" if r.reviewed().is_none() => {
                    self.bump(word.len());
                    r.details_mut().reviewed = Some(self.date()?);
                }
                // A clause given twice is reported by the full parser.
                "because" | "cite" | "overrides" | "evidence" | "strength" | "status"
                | "reviewed" => return None,
                _ => break,
            }
        }
        if !has_action {
            return None;
        }
        r.span = self.span(start);
        Some(r)
    }

    /// After `if`: `COND [unless COND]`.
    fn if_clause(&mut self, r: &mut RuleItem) -> Option<()> {
        r.cond = Some(self.cond(0)?);
        if self.eat("unless") {
            if r.unless.is_some() {
                return None;
            }
            r.unless = Some(self.cond(0)?);
        }
        Some(())
    }

    /// `[then] ACTION TARGETS [DOSE]`
    fn action(&mut self) -> Option<ActionClause> {
        self.skip();
        let start = self.pos;
        self.eat("then");
        let word = self.word()?;
        let action = Action::parse(word)?;
        let word_start = self.pos;
        self.bump(word.len());
        let word_span = self.span(word_start);
        let targets = self.names()?;
        let dose = match self.peek() {
            Some(b'0'..=b'9' | b'-') => Some(Box::new(self.dose()?)),
            Some(b'e' | b'p') if matches!(self.peek_word(), Ok(Some("every" | "per"))) => {
                Some(Box::new(self.dose()?))
            }
            _ => None,
        };
        Some(ActionClause {
            action,
            word_span,
            targets,
            except: Vec::new(),
            dose,
            span: self.span(start),
        })
    }

    fn dose(&mut self) -> Option<Dose> {
        self.skip();
        let start = self.pos;
        // An amount, unless the numbers are a frequency (`2 times per day`).
        let mut amount = None;
        if matches!(self.peek(), Some(b'0'..=b'9' | b'-')) {
            let (pos, last_end) = (self.pos, self.last_end);
            let (lo, hi) = self.bounds()?;
            let word = self.word()?;
            let unit = match word {
                "min" => Some(AmountUnit::Min),
                "h" => Some(AmountUnit::H),
                "reps" => Some(AmountUnit::Reps),
                "sets" => Some(AmountUnit::Sets),
                "times" => None,
                _ => return None,
            };
            match unit {
                Some(unit) => {
                    self.bump(word.len());
                    positive_range(lo, hi)?;
                    amount = Some(Amount {
                        bound: crate::model::Bound::Exactly,
                        lo,
                        hi,
                        unit,
                        span: self.span(start),
                    });
                }
                None => (self.pos, self.last_end) = (pos, last_end),
            }
        }
        self.skip();
        let fstart = self.pos;
        let frequency = if self.eat("every") {
            let (lo, hi) = self.bounds()?;
            self.expect("h")?;
            positive_range(lo, hi)?;
            Some(Frequency::Every {
                lo,
                hi,
                span: self.span(fstart),
            })
        } else if self.eat("per") {
            let per = self.period()?;
            Some(Frequency::Per(per, self.span(fstart)))
        } else if matches!(self.peek(), Some(b'0'..=b'9' | b'-')) {
            let (lo, hi) = self.bounds()?;
            self.expect("times")?;
            self.expect("per")?;
            let per = self.period()?;
            positive_range(lo, hi)?;
            Some(Frequency::Times {
                lo,
                hi,
                per,
                span: self.span(fstart),
            })
        } else {
            None
        };
        if amount.is_none() && frequency.is_none() {
            return None;
        }
        // The other parts of a dose (`daily`, `at least`, bouts, progression) are left to the
        // full parser: the word after the dose ends the rule, and no item starts with it.
        Some(Dose {
            amount,
            frequency,
            bouts: None,
            progression: None,
            span: self.span(start),
        })
    }

    fn period(&mut self) -> Option<Period> {
        if self.eat("day") {
            Some(Period::Day)
        } else if self.eat("week") {
            Some(Period::Week)
        } else {
            None
        }
    }

    /// A name that must be one of `allowed` (an evidence level, a strength, a status).
    fn choice(&mut self, allowed: &[&str]) -> Option<Name> {
        let name = self.name()?;
        allowed.contains(&name.text.as_str()).then_some(name)
    }

    /// `YYYY-MM-DD`, a real calendar date.
    fn date(&mut self) -> Option<Text> {
        self.skip();
        let start = self.pos;
        let text = self.text.get(start..start + 10)?;
        let shaped = text.bytes().enumerate().all(|(i, b)| match i {
            4 | 7 => b == b'-',
            _ => b.is_ascii_digit(),
        });
        let after = self.bytes.get(start + 10).copied();
        if !shaped || after.is_some_and(|b| is_word_byte(b) || b == b'-') || !date_is_valid(text) {
            return None;
        }
        self.bump(10);
        Some(Text {
            value: text.to_string(),
            span: self.span(start),
        })
    }

    /// `conj (or conj)*`, flattened as the tree builder does.
    fn cond(&mut self, depth: usize) -> Option<Cond> {
        self.chain(depth, true)
    }

    /// `conj (or conj)*` when `or`, else `operand (and operand)*`: a nested chain of the same
    /// kind (from parentheses) is merged into this one, and a single part stands alone.
    fn chain(&mut self, depth: usize, or: bool) -> Option<Cond> {
        self.skip();
        let start = self.pos;
        let mut parts = Vec::new();
        loop {
            let part = if or {
                self.chain(depth, false)?
            } else {
                self.operand(depth)?
            };
            match part {
                Cond::Any(inner, _) if or => parts.extend(inner),
                Cond::All(inner, _) if !or => parts.extend(inner),
                c => parts.push(c),
            }
            if !self.eat(if or { "or" } else { "and" }) {
                break;
            }
        }
        if parts.len() == 1 {
            return parts.pop();
        }
        parts.shrink_to_fit();
        let span = self.span(start);
        Some(if or {
            Cond::Any(parts, span)
        } else {
            Cond::All(parts, span)
        })
    }

    /// `not* primary`; an even number of `not`s cancels out.
    fn operand(&mut self, depth: usize) -> Option<Cond> {
        self.skip();
        let start = self.pos;
        let mut nots = 0usize;
        while self.eat("not") {
            nots += 1;
        }
        let inner = self.primary(depth)?;
        Some(if nots % 2 == 1 {
            Cond::Not(Box::new(inner), self.span(start))
        } else {
            inner
        })
    }

    /// `( cond )`, or a fact, or a measure compared with a number or tested against a range.
    fn primary(&mut self, depth: usize) -> Option<Cond> {
        if self.punct(b"(") {
            if depth >= MAX_NESTING {
                return None;
            }
            let inner = self.cond(depth + 1)?;
            return self.punct(b")").then_some(inner);
        }
        let measure = self.name()?;
        let start = measure.span.start();
        self.skip();
        let rest = &self.bytes[self.pos..];
        let op = match rest {
            [b'>', b'=', ..] => Some((CmpOp::Ge, 2)),
            [b'<', b'=', ..] => Some((CmpOp::Le, 2)),
            [b'!', b'=', ..] => Some((CmpOp::Ne, 2)),
            [b'=', ..] => Some((CmpOp::Eq, 1)),
            [b'<', ..] => Some((CmpOp::Lt, 1)),
            [b'>', ..] => Some((CmpOp::Gt, 1)),
            [b'!', ..] => return None,
            _ => None,
        };
        if let Some((op, len)) = op {
            self.bump(len);
            let value = self.number()?;
            return Some(Cond::Cmp(Box::new(Comparison {
                measure,
                op,
                value,
                span: self.span(start),
            })));
        }
        if self.eat("in") {
            let range = self.range()?;
            return Some(Cond::In(Box::new(RangeTest {
                measure,
                range,
                span: self.span(start),
            })));
        }
        Some(Cond::Fact(measure))
    }

    /// `test "name": (given … | expect …)*`
    fn test(&mut self, start: usize) -> Option<Item> {
        let name = self.text()?;
        if !self.punct(b":") {
            return None;
        }
        let mut given = Vec::new();
        let mut given_seen = false;
        let mut expects = Vec::new();
        loop {
            self.skip();
            let cstart = self.pos;
            if self.eat("given") {
                if given_seen {
                    return None;
                }
                given_seen = true;
                loop {
                    let name = self.name()?;
                    let value = if self.punct(b"=") {
                        Some(self.number()?)
                    } else {
                        None
                    };
                    given.push(Given { name, value });
                    if !self.punct(b",") {
                        break;
                    }
                }
            } else if self.eat("expect") {
                let expectation = if self.eat("nothing") {
                    Expectation::Nothing
                } else if self.eat("not") {
                    Expectation::IsNot(self.action_word()?)
                } else {
                    Expectation::Is(self.action_word()?)
                };
                let targets = self.names()?;
                // A dose after the targets is left to the full parser: the word after the
                // targets ends the test, and no item starts with it.
                expects.push(Expect {
                    expectation,
                    targets,
                    dose: None,
                    span: self.span(cstart),
                });
            } else {
                break;
            }
        }
        Some(Item::Test(Box::new(TestItem {
            name,
            span: self.span(start),
            given,
            expects,
        })))
    }

    fn action_word(&mut self) -> Option<Action> {
        let action = Action::parse(self.word()?)?;
        self.bump(action.as_str().len());
        Some(action)
    }
}

/// Dose bounds must be positive and written low to high (else the full parser reports E007).
fn positive_range(lo: Number, hi: Number) -> Option<()> {
    (lo.value > 0.0 && hi.value > 0.0 && lo.value <= hi.value).then_some(())
}

/// The position of the next `\n` at or after `from`, or the end of the text.
fn memchr_newline(bytes: &[u8], from: usize) -> usize {
    bytes[from..]
        .iter()
        .position(|&b| b == b'\n')
        .map_or(bytes.len(), |i| from + i)
}
