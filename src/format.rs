//! `carel fmt`: the canonical layout of a Carel file (docs/language.md, "Formatting").
//!
//! The file is parsed, every item is laid out again from its syntax tree, and the comments,
//! which the tree does not hold, are put back by position: each comment is attached to the line
//! of output whose source it follows or precedes. Numbers are copied from the source as written.
//!
//! Nothing is ever lost: a file with syntax errors, or with a clause given twice (the tree keeps
//! only one of them), is refused; and the result is parsed again and must give the same tree and
//! the same comments, or the file is refused rather than changed.

use std::num::NonZeroUsize;

use crate::diagnostic::{self, Code, Diagnostic};
use crate::model::{Bound, Expectation, FactKind, Period};
use crate::source::{FileId, Span};
use crate::syntax::{self, ast::*, fmt_num};

/// Lines are kept within this many columns where the layout allows a choice.
pub const WIDTH: usize = 100;
/// Indentation of the clauses of a rule and the lines of a test.
const CLAUSE_INDENT: usize = 2;
/// Indentation of a name list continued on the next line.
const CONTINUATION_INDENT: usize = 4;

/// Format one file's text. Refuses, returning the diagnostics, when the file has syntax errors
/// (E001) or a clause given twice (E004): formatting those would drop what the tree cannot hold.
pub fn format(text: &str) -> Result<String, Vec<Diagnostic>> {
    format_file(0, text)
}

/// [`format`] for the file `file` of a ruleset, so that diagnostics point into that file.
pub fn format_file(file: FileId, text: &str) -> Result<String, Vec<Diagnostic>> {
    let tree = parse(file, text)?;
    let comments = scan_comments(text);
    let out = Layout::new(text, &comments).file(&tree);
    verify(file, text, &tree, &out)?;
    Ok(out)
}

/// The formatted text with the line endings of the original: CRLF when the original's first line
/// ends with CRLF, LF otherwise. (The layout itself always uses LF.)
pub fn keep_line_endings(original: &str, formatted: &str) -> String {
    let crlf = original
        .find('\n')
        .is_some_and(|i| i > 0 && original.as_bytes()[i - 1] == b'\r');
    if crlf {
        formatted.replace("\r\n", "\n").replace('\n', "\r\n")
    } else {
        formatted.to_string()
    }
}

/// The tree with every span set to the default, so that two layouts of one ruleset compare
/// equal.
pub fn without_spans(file: &File) -> File {
    File {
        items: file.items.iter().map(strip_item).collect(),
    }
}

/// The same budget against pathological backtracking as `syntax::parse`, for a text of `len`
/// bytes.
fn set_parse_budget(len: usize) {
    let limit = len.saturating_mul(64).saturating_add(100_000);
    pest::set_call_limit(NonZeroUsize::new(limit));
}

fn parse(file: FileId, text: &str) -> Result<File, Vec<Diagnostic>> {
    set_parse_budget(text.len());
    let mut found = Vec::new();
    let (tree, ok) = syntax::parse_file(file, text, &mut found);
    let blocking = |d: &Diagnostic| matches!(d.code, Code::E001 | Code::E004);
    if ok && !found.iter().any(blocking) {
        return Ok(tree);
    }
    let mut refused: Vec<Diagnostic> = if found.iter().any(blocking) {
        found.into_iter().filter(blocking).collect()
    } else {
        found
    };
    if refused.is_empty() {
        refused.push(Diagnostic::new(
            Code::E001,
            Span::new(file, 0, 0),
            "this file could not be read",
        ));
    }
    diagnostic::sort(&mut refused);
    Err(refused)
}

/// The formatted text must mean exactly what the original meant and keep every comment.
fn verify(file: FileId, text: &str, tree: &File, out: &str) -> Result<(), Vec<Diagnostic>> {
    set_parse_budget(text.len().max(out.len()));
    let mut found = Vec::new();
    let (again, ok) = syntax::parse_file(file, out, &mut found);
    let same_tree = ok && without_spans(&again) == without_spans(tree);
    let mut before: Vec<String> = scan_comments(text).into_iter().map(|c| c.text).collect();
    let mut after: Vec<String> = scan_comments(out).into_iter().map(|c| c.text).collect();
    before.sort();
    after.sort();
    if same_tree && before == after {
        return Ok(());
    }
    Err(vec![
        Diagnostic::new(
            Code::E001,
            Span::new(file, 0, 0),
            "`carel fmt` cannot lay out this file without changing it, so it was left as it is",
        )
        .with_label("not formatted")
        .with_help(
            "this is a fault in `carel fmt`, not in the file; please report it with the file",
        ),
    ])
}

// ---- comments ---------------------------------------------------------------------------------

#[derive(Clone, Debug)]
struct Comment {
    /// Byte offset of the `#`.
    start: usize,
    /// End of the comment's text, before the line break.
    end: usize,
    /// The comment from `#`, without trailing whitespace.
    text: String,
    /// Nothing but whitespace before it on its line.
    own_line: bool,
    /// Whitespace before it on its line (an indented comment).
    indented: bool,
}

/// Every comment of a text: a `#` outside a string, to the end of its line.
fn scan_comments(text: &str) -> Vec<Comment> {
    let bytes = text.as_bytes();
    let mut comments = Vec::new();
    let mut line_start = 0;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\n' => {
                i += 1;
                line_start = i;
            }
            b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' && bytes[i] != b'\n' {
                    if bytes[i] == b'\\' && bytes.get(i + 1).is_some_and(|&b| b != b'\n') {
                        i += 1;
                    }
                    i += 1;
                }
                if i < bytes.len() && bytes[i] == b'"' {
                    i += 1;
                }
            }
            b'#' => {
                let start = i;
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
                let before = &text[line_start..start];
                comments.push(Comment {
                    start,
                    end: i,
                    text: text[start..i].trim_end().to_string(),
                    own_line: before.chars().all(is_space),
                    indented: !before.is_empty(),
                });
            }
            _ => i += 1,
        }
    }
    comments
}

/// Whitespace as the grammar sees it (a byte-order mark counts).
fn is_space(c: char) -> bool {
    c.is_whitespace() || c == '\u{feff}'
}

// ---- layout -----------------------------------------------------------------------------------

/// One line of output (possibly continued over several physical lines) for one item or clause.
#[derive(Debug)]
struct Line {
    indent: usize,
    /// The code; a continued name list holds `\n` followed by the continuation's indentation.
    code: String,
    /// The source ranges this line stands for; comments are attached by them.
    pieces: Vec<(usize, usize)>,
    /// Comments printed on their own lines before this one.
    leading: Vec<usize>,
    /// Comments printed at the end of this line.
    trailing: Vec<usize>,
}

impl Line {
    fn new(indent: usize, code: String, pieces: Vec<(usize, usize)>) -> Line {
        Line {
            indent,
            code,
            pieces,
            leading: Vec::new(),
            trailing: Vec::new(),
        }
    }
}

/// The output of one item.
#[derive(Debug)]
struct Block {
    start: usize,
    end: usize,
    lines: Vec<Line>,
    /// Indented comments right after the item, kept inside it.
    dangling: Vec<usize>,
    /// The item on one line, if its comments allow it.
    one_line: Option<String>,
}

enum Element {
    Comment(usize),
    Block(usize),
}

/// A physical line of output.
enum Out {
    Blank,
    Comment(String),
    Code(String, Option<String>),
}

struct Layout<'a> {
    text: &'a str,
    comments: &'a [Comment],
    line_starts: Vec<usize>,
}

impl<'a> Layout<'a> {
    fn new(text: &'a str, comments: &'a [Comment]) -> Layout<'a> {
        Layout {
            text,
            comments,
            line_starts: crate::source::line_starts(text),
        }
    }

    fn line_of(&self, offset: usize) -> usize {
        crate::source::line_index(&self.line_starts, offset)
    }

    /// The comment that covers byte `offset`, if any.
    fn comment_at(&self, offset: usize) -> Option<&Comment> {
        let i = self.comments.partition_point(|c| c.start <= offset);
        let c = self.comments.get(i.checked_sub(1)?)?;
        (offset < c.end).then_some(c)
    }

    /// A span narrowed to its code: a parse node may include whitespace and comments that
    /// were skipped while looking for an optional part that is not there.
    fn piece(&self, span: Span) -> (usize, usize) {
        let (mut start, mut end) = (span.start().min(self.text.len()), span.end());
        end = end.clamp(start, self.text.len());
        while let Some(rest) = self.text.get(start..end) {
            start = end - rest.trim_start_matches(is_space).len();
            match self.comment_at(start) {
                Some(c) if start < end => start = c.end.min(end),
                _ => break,
            }
        }
        while let Some(rest) = self.text.get(start..end) {
            end = start + rest.trim_end_matches(is_space).len();
            match end.checked_sub(1).and_then(|p| self.comment_at(p)) {
                Some(c) if end > start && c.start >= start => end = c.start,
                _ => break,
            }
        }
        (start, end)
    }

    fn file(&self, tree: &File) -> String {
        let mut blocks: Vec<Block> = tree.items.iter().map(|i| self.item(i)).collect();
        let top = self.attach(&mut blocks);
        blocks.iter_mut().for_each(collapse);
        let mut elements: Vec<(usize, Element)> = top
            .into_iter()
            .map(|c| (self.comments[c].start, Element::Comment(c)))
            .chain(
                blocks
                    .iter()
                    .enumerate()
                    .map(|(i, b)| (b.start, Element::Block(i))),
            )
            .collect();
        elements.sort_by_key(|(start, _)| *start);

        let mut out = Vec::new();
        let mut previous_end: Option<usize> = None;
        for (start, element) in &elements {
            if let Some(end) = previous_end
                && self.line_of(*start) >= self.line_of(end.saturating_sub(1)) + 2
            {
                out.push(Out::Blank);
            }
            match element {
                Element::Comment(c) => {
                    out.push(Out::Comment(self.comments[*c].text.to_string()));
                    previous_end = Some(self.comments[*c].end);
                }
                Element::Block(b) => {
                    let block = &blocks[*b];
                    self.render(block, &mut out);
                    let end = block
                        .dangling
                        .last()
                        .map_or(block.end, |&c| self.comments[c].end);
                    previous_end = Some(end);
                }
            }
        }
        finish(out)
    }

    /// Attach every comment to a line, or keep it between items; returns the latter.
    fn attach(&self, blocks: &mut [Block]) -> Vec<usize> {
        // (start, end, block, line), in source order.
        let mut pieces: Vec<(usize, usize, usize, usize)> = Vec::new();
        for (b, block) in blocks.iter().enumerate() {
            for (l, line) in block.lines.iter().enumerate() {
                for &(s, e) in &line.pieces {
                    pieces.push((s, e.max(s + 1), b, l));
                }
            }
        }
        pieces.sort();
        let mut top = Vec::new();
        for (ci, c) in self.comments.iter().enumerate() {
            let k = pieces.partition_point(|p| p.0 <= c.start);
            let prev = k.checked_sub(1).map(|i| pieces[i]);
            let next = pieces.get(k).copied();
            if let Some((_, e, b, l)) = prev {
                if c.start < e {
                    // Inside the code of a line (a condition spread over lines): before it.
                    blocks[b].lines[l].leading.push(ci);
                    continue;
                }
                if !c.own_line && self.line_of(e - 1) == self.line_of(c.start) {
                    blocks[b].lines[l].trailing.push(ci);
                    continue;
                }
            }
            match (prev, next) {
                (Some((_, _, pb, _)), Some((_, _, nb, nl))) if pb == nb => {
                    blocks[nb].lines[nl].leading.push(ci);
                }
                (Some((_, _, pb, _)), _) if self.dangles(&blocks[pb], c) => {
                    blocks[pb].dangling.push(ci);
                }
                _ => top.push(ci),
            }
        }
        top
    }

    /// An indented comment right after a rule or test of several lines stays with it.
    fn dangles(&self, block: &Block, c: &Comment) -> bool {
        let end = block
            .dangling
            .last()
            .map_or(block.end, |&d| self.comments[d].end);
        block.lines.len() > 1
            && c.own_line
            && c.indented
            && self.line_of(c.start) <= self.line_of(end.saturating_sub(1)) + 1
    }

    fn render(&self, block: &Block, out: &mut Vec<Out>) {
        for line in &block.lines {
            let pad = " ".repeat(line.indent);
            let (last, earlier) = match line.trailing.split_last() {
                Some((last, earlier)) => (Some(*last), earlier),
                None => (None, &[][..]),
            };
            for &c in line.leading.iter().chain(earlier) {
                out.push(Out::Comment(format!("{pad}{}", self.comments[c].text)));
            }
            let physical: Vec<&str> = line.code.split('\n').collect();
            for (i, part) in physical.iter().enumerate() {
                let code = if i == 0 {
                    format!("{pad}{part}")
                } else {
                    part.to_string()
                };
                let comment = if i + 1 == physical.len() {
                    last.map(|c| self.comments[c].text.to_string())
                } else {
                    None
                };
                out.push(Out::Code(code, comment));
            }
        }
        let pad = " ".repeat(CLAUSE_INDENT);
        for &c in &block.dangling {
            out.push(Out::Comment(format!("{pad}{}", self.comments[c].text)));
        }
    }

    // ---- items --------------------------------------------------------------------------------

    fn item(&self, item: &Item) -> Block {
        let (span, code) = match item {
            Item::Ruleset(r) => {
                let mut s = format!("ruleset {}", r.name.text);
                self.push_text(&mut s, 0, r.title.as_ref());
                if let Some(v) = &r.version {
                    s.push_str(" version");
                    self.push_text(&mut s, 0, Some(v));
                }
                (r.span, s)
            }
            Item::Fact(f) => {
                let word = match f.kind {
                    FactKind::Condition => "condition",
                    FactKind::Factor => "factor",
                };
                let mut s = format!("{word} {}", f.name.text);
                self.push_text(&mut s, 0, f.label.as_ref());
                if !f.implies().is_empty() {
                    s.push_str(&format!(" implies {}", names(f.implies())));
                }
                if !f.excludes().is_empty() {
                    s.push_str(&format!(" excludes {}", names(f.excludes())));
                }
                self.push_codes(&mut s, f.codes());
                (f.span, s)
            }
            Item::Exclusive(x) => {
                let mut s = format!("exclusive {}", x.name.text);
                self.push_text(&mut s, 0, x.label.as_ref());
                s.push_str(&format!(": {}", names(&x.members)));
                (x.span, s)
            }
            Item::Measure(m) => {
                let mut s = format!("measure {}", m.name.text);
                self.push_text(&mut s, 0, m.label.as_ref());
                if let Some(u) = &m.unit {
                    s.push_str(" unit");
                    self.push_text(&mut s, 0, Some(u));
                }
                if let Some(r) = &m.range {
                    s.push_str(&format!(" range {}", self.range(r)));
                }
                self.push_codes(&mut s, &m.codes);
                (m.span, s)
            }
            Item::Category(c) => (
                c.span,
                self.member("category", &c.name, &c.label, &c.parents),
            ),
            Item::Exercise(e) => (
                e.span,
                self.member("exercise", &e.name, &e.label, &e.categories),
            ),
            Item::Source(s) => {
                let mut code = format!("source {}", s.name.text);
                self.push_text(&mut code, 0, Some(&s.text));
                if let Some(u) = &s.url {
                    code.push_str(" url");
                    self.push_text(&mut code, 0, Some(u));
                }
                (s.span, code)
            }
            Item::Rule(r) => return self.rule(r),
            Item::Test(t) => return self.test(t),
        };
        let piece = self.piece(span);
        Block {
            start: piece.0,
            end: piece.1,
            lines: vec![Line::new(0, code, vec![piece])],
            dangling: Vec::new(),
            one_line: None,
        }
    }

    /// ` code "A", "B"`: each code as one string.
    fn push_codes(&self, s: &mut String, codes: &[Text]) {
        if codes.is_empty() {
            return;
        }
        let list: Vec<String> = codes.iter().map(|c| quote(&c.value)).collect();
        s.push_str(&format!(" code {}", list.join(", ")));
    }

    fn member(&self, word: &str, name: &Name, label: &Option<Text>, parents: &[Name]) -> String {
        let mut s = format!("{word} {}", name.text);
        self.push_text(&mut s, 0, label.as_ref());
        if !parents.is_empty() {
            s.push_str(&format!(" in {}", names(parents)));
        }
        s
    }

    fn rule(&self, r: &RuleItem) -> Block {
        let whole = self.piece(r.span);
        let action = self.piece(r.action.span);
        let cond = r.cond.as_ref().map(|c| (c, self.piece(c.span())));
        let unless = r.unless.as_ref().map(|c| (c, self.piece(c.span())));
        // In a rule of several lines, `if A unless B` written on one line stays on one line;
        // an `unless` on a line of its own keeps its own line.
        let inline_unless = match (cond, unless) {
            (Some((_, c)), Some((_, u))) => {
                self.only_unless_between(c.1, u.0)
                    && self.line_of(c.1.saturating_sub(1)) == self.line_of(u.0)
            }
            _ => false,
        };
        let if_text = cond.map(|(c, _)| format!("if {}", self.cond_text(c)));
        let unless_text = unless.map(|(c, _)| format!("unless {}", self.cond_text(c)));
        let condition_text = match (&if_text, &unless_text) {
            (Some(i), Some(u)) => Some(format!("{i} {u}")),
            (Some(t), None) | (None, Some(t)) => Some(t.clone()),
            (None, None) => None,
        };
        let meta = self.meta(r);
        let mut lines = Vec::new();

        let Some(name) = &r.name else {
            // The short form: `if A [unless B] then ACTION ...`, other clauses below it.
            let prefix = format!(
                "{} then",
                condition_text.unwrap_or_else(|| "if".to_string())
            );
            let mut pieces = vec![(whole.0, action.1.max(whole.0))];
            if let Some((_, u)) = unless
                && u.0 >= action.1
            {
                pieces.push(u);
            }
            lines.push(Line::new(
                0,
                self.action_text(&r.action, &prefix, 0),
                pieces,
            ));
            lines.extend(meta);
            return Block {
                start: whole.0,
                end: whole.1,
                lines,
                dangling: Vec::new(),
                one_line: None,
            };
        };

        let head = format!("rule {}:", name.text);
        let prefix = match &condition_text {
            Some(c) => format!("{c} then"),
            None => String::new(),
        };
        // The one-line form, if the rule has nothing but a condition and an action and fits;
        // whether comments allow it is decided once they are attached (see `collapse`).
        let one_line = if meta.is_empty() {
            let lead = if prefix.is_empty() {
                head.clone()
            } else {
                format!("{head} {prefix}")
            };
            let one = self.action_text(&r.action, &lead, 0);
            (!one.contains('\n') && width(&one) <= WIDTH).then_some(one)
        } else {
            None
        };
        let name_piece = self.piece(name.span);
        lines.push(Line::new(0, head, vec![(whole.0, name_piece.1)]));
        match (cond, unless) {
            (Some((_, c)), Some((_, u))) if inline_unless => {
                let text = condition_text.clone().unwrap_or_default();
                lines.push(Line::new(CLAUSE_INDENT, text, vec![c, u]));
            }
            _ => {
                if let (Some(t), Some((_, c))) = (if_text, cond) {
                    lines.push(Line::new(CLAUSE_INDENT, t, vec![c]));
                }
                if let (Some(t), Some((_, u))) = (unless_text, unless) {
                    lines.push(Line::new(CLAUSE_INDENT, t, vec![u]));
                }
            }
        }
        let then = if condition_text.is_some() { "then" } else { "" };
        lines.push(Line::new(
            CLAUSE_INDENT,
            self.action_text(&r.action, then, CLAUSE_INDENT),
            vec![action],
        ));
        lines.extend(meta);
        Block {
            start: whole.0,
            end: whole.1,
            lines,
            dangling: Vec::new(),
            one_line,
        }
    }

    /// Whether only the word `unless` (and whitespace or comments) lies between two offsets.
    fn only_unless_between(&self, from: usize, to: usize) -> bool {
        let Some(between) = self.text.get(from..to) else {
            return false;
        };
        let mut code = String::new();
        for (i, ch) in between.char_indices() {
            if self.comment_at(from + i).is_none() {
                code.push(ch);
            }
        }
        code.trim_matches(is_space) == "unless"
    }

    /// `PREFIX ACTION T1, T2 DOSE`, the targets continued on further lines past [`WIDTH`].
    fn action_text(&self, a: &ActionClause, prefix: &str, indent: usize) -> String {
        let lead = if prefix.is_empty() {
            a.action.as_str().to_string()
        } else {
            format!("{prefix} {}", a.action.as_str())
        };
        let targets: Vec<String> = a.targets.iter().map(|t| t.text.to_string()).collect();
        let mut suffix: Vec<String> = Vec::new();
        if !a.except.is_empty() {
            suffix.push(format!("except {}", names(&a.except)));
        }
        if let Some(d) = &a.dose {
            suffix.push(self.dose(d));
        }
        let suffix = (!suffix.is_empty()).then(|| suffix.join(" "));
        wrap(indent, &lead, &targets, suffix.as_deref())
    }

    /// The clauses after the action, in the canonical order.
    fn meta(&self, r: &RuleItem) -> Vec<Line> {
        let mut lines = Vec::new();
        let mut clause = |code: String, pieces: Vec<(usize, usize)>| {
            lines.push(Line::new(CLAUSE_INDENT, code, pieces));
        };
        if let Some(t) = r.because() {
            clause(
                {
                    let mut code = "because".to_string();
                    self.push_text(&mut code, CLAUSE_INDENT, Some(t));
                    code
                },
                vec![self.piece(t.span)],
            );
        }
        if let Some(t) = r.stop_if() {
            clause(
                {
                    let mut code = "stop if".to_string();
                    self.push_text(&mut code, CLAUSE_INDENT, Some(t));
                    code
                },
                vec![self.piece(t.span)],
            );
        }
        if let (Some(first), Some(last)) = (r.cite.first(), r.cite.last()) {
            let items: Vec<String> = r
                .cite
                .iter()
                .map(|c| match &c.locator {
                    Some(l) => format!("{} {}", c.source.text, quote(&l.value)),
                    None => c.source.text.to_string(),
                })
                .collect();
            let end = last.locator.as_ref().map_or(last.source.span, |l| l.span);
            clause(
                wrap(CLAUSE_INDENT, "cite", &items, None),
                vec![self.piece(first.source.span.to(end))],
            );
        }
        if let Some(n) = r.evidence() {
            clause(format!("evidence {}", n.text), vec![self.piece(n.span)]);
        }
        if let Some(n) = r.strength() {
            clause(format!("strength {}", n.text), vec![self.piece(n.span)]);
        }
        if let Some(span) = r.prevails() {
            clause("prevails".to_string(), vec![self.piece(span)]);
        }
        if !r.overrides().is_empty() {
            clause(
                self.list("overrides", r.overrides()),
                self.list_pieces(r.overrides()),
            );
        }
        if let Some(d) = r.reviewed() {
            clause(format!("reviewed {}", d.value), vec![self.piece(d.span)]);
        }
        if let Some(n) = r.status() {
            clause(format!("status {}", n.text), vec![self.piece(n.span)]);
        }
        lines
    }

    fn list(&self, word: &str, list: &[Name]) -> String {
        let items: Vec<String> = list.iter().map(|n| n.text.to_string()).collect();
        wrap(CLAUSE_INDENT, word, &items, None)
    }

    fn list_pieces(&self, list: &[Name]) -> Vec<(usize, usize)> {
        match (list.first(), list.last()) {
            (Some(first), Some(last)) => vec![self.piece(first.span.to(last.span))],
            _ => Vec::new(),
        }
    }

    fn test(&self, t: &TestItem) -> Block {
        let whole = self.piece(t.span);
        let name = self.piece(t.name.span);
        let mut lines = vec![Line::new(
            0,
            {
                let mut code = "test".to_string();
                self.push_text(&mut code, 0, Some(&t.name));
                code.push(':');
                code
            },
            vec![(whole.0, name.1.max(whole.0))],
        )];
        if !t.given.is_empty() {
            let items: Vec<String> = t
                .given
                .iter()
                .map(|g| match &g.value {
                    Some(v) => format!("{} = {}", g.name.text, self.num(v)),
                    None => g.name.text.to_string(),
                })
                .collect();
            let pieces = t
                .given
                .iter()
                .map(|g| {
                    let span = g
                        .value
                        .as_ref()
                        .map_or(g.name.span, |v| g.name.span.to(v.span));
                    self.piece(span)
                })
                .collect();
            lines.push(Line::new(
                CLAUSE_INDENT,
                wrap(CLAUSE_INDENT, "given", &items, None),
                pieces,
            ));
        }
        for e in &t.expects {
            let lead = match e.expectation {
                Expectation::Is(a) => format!("expect {}", a.as_str()),
                Expectation::IsNot(a) => format!("expect not {}", a.as_str()),
                Expectation::Nothing => "expect nothing".to_string(),
            };
            let items: Vec<String> = e.targets.iter().map(|n| n.text.to_string()).collect();
            let dose = e.dose.as_deref().map(|d| self.dose(d));
            lines.push(Line::new(
                CLAUSE_INDENT,
                wrap(CLAUSE_INDENT, &lead, &items, dose.as_deref()),
                vec![self.piece(e.span)],
            ));
        }
        Block {
            start: whole.0,
            end: whole.1,
            lines,
            dangling: Vec::new(),
            one_line: None,
        }
    }

    // ---- texts --------------------------------------------------------------------------------

    /// Append ` "text"` to a line that starts at column `indent`. Texts written side by side
    /// keep the line breaks between them (each line of strings becomes one string, lined up
    /// under the first quote); strings on one line are joined.
    fn push_text(&self, s: &mut String, indent: usize, text: Option<&Text>) {
        let Some(t) = text else { return };
        s.push(' ');
        let column = match s.rfind('\n') {
            Some(i) => width(&s[i + 1..]),
            None => indent + width(s),
        };
        let lines = self.text_lines(t);
        let pad = format!("\n{}", " ".repeat(column));
        s.push_str(
            &lines
                .iter()
                .map(|l| quote(l))
                .collect::<Vec<_>>()
                .join(&pad),
        );
    }

    /// The value of a text, split where its source strings were on different lines.
    fn text_lines(&self, t: &Text) -> Vec<String> {
        let whole = vec![t.value.clone()];
        let Some(source) = self.text.get(t.span.range()) else {
            return whole;
        };
        let mut lines: Vec<String> = Vec::new();
        let mut line = self.line_of(t.span.start());
        let mut current: Option<String> = None;
        let mut chars = source.char_indices();
        while let Some((i, c)) = chars.next() {
            if c != '"' {
                continue;
            }
            let here = self.line_of(t.span.start() + i);
            let mut value = String::new();
            while let Some((_, c)) = chars.next() {
                match c {
                    '"' => break,
                    '\\' => match chars.next() {
                        Some((_, 'n')) => value.push('\n'),
                        Some((_, c)) => value.push(c),
                        None => return whole,
                    },
                    c => value.push(c),
                }
            }
            current = Some(match current.take() {
                Some(mut joined) if here == line => {
                    joined.push(' ');
                    joined.push_str(&value);
                    joined
                }
                Some(done) => {
                    lines.push(done);
                    value
                }
                None => value,
            });
            line = here;
        }
        lines.extend(current);
        if lines.join(" ") == t.value {
            lines
        } else {
            whole
        }
    }

    // ---- conditions, doses, numbers -----------------------------------------------------------

    /// A condition with the fewest parentheses the precedence (`or` < `and` < `not`) allows,
    /// plus two that spare the reader the precedence rules: around an `and` inside an `or`
    /// (`a or (b and c)`), and around a comparison after `not` (`not (age >= 65)`).
    fn cond_text(&self, c: &Cond) -> String {
        match c {
            Cond::Fact(n) => n.text.to_string(),
            Cond::Cmp(c) => format!(
                "{} {} {}",
                c.measure.text,
                c.op.as_str(),
                self.num(&c.value)
            ),
            Cond::In(c) => format!("{} in {}", c.measure.text, self.range(&c.range)),
            Cond::Not(inner, _) => {
                let grouped = !matches!(**inner, Cond::Fact(_));
                format!("not {}", self.operand(inner, grouped))
            }
            Cond::All(parts, _) => self.join(parts, " and ", |p| {
                matches!(p, Cond::All(..) | Cond::Any(..))
            }),
            Cond::Any(parts, _) => self.join(parts, " or ", |p| {
                matches!(p, Cond::All(..) | Cond::Any(..))
            }),
        }
    }

    fn join(&self, parts: &[Cond], op: &str, grouped: impl Fn(&Cond) -> bool) -> String {
        if parts.is_empty() {
            return "()".to_string();
        }
        parts
            .iter()
            .map(|p| self.operand(p, grouped(p)))
            .collect::<Vec<_>>()
            .join(op)
    }

    fn operand(&self, c: &Cond, grouped: bool) -> String {
        if grouped {
            format!("({})", self.cond_text(c))
        } else {
            self.cond_text(c)
        }
    }

    fn dose(&self, d: &Dose) -> String {
        let mut parts: Vec<String> = Vec::new();
        if let Some(a) = &d.amount {
            parts.push(self.amount(a));
        }
        if let Some(f) = &d.frequency {
            parts.push(self.frequency(f));
        }
        if let Some(b) = &d.bouts {
            parts.push(format!(
                "in bouts of {}{} {}",
                if b.at_least { "at least " } else { "" },
                self.bounds(&b.lo, &b.hi),
                b.unit.as_str()
            ));
        }
        if let Some(p) = &d.progression {
            let mut s = format!("building up to {}", self.amount(&p.amount));
            if let Some(f) = &p.frequency {
                s.push(' ');
                s.push_str(&self.frequency(f));
            }
            parts.push(s);
        }
        parts.join(" ")
    }

    fn amount(&self, a: &Amount) -> String {
        let bound = match a.bound {
            Bound::Exactly => "",
            Bound::AtLeast => "at least ",
            Bound::UpTo => "up to ",
        };
        format!("{bound}{} {}", self.bounds(&a.lo, &a.hi), a.unit.as_str())
    }

    fn frequency(&self, f: &Frequency) -> String {
        match f {
            Frequency::Every { lo, hi, .. } => format!("every {} h", self.bounds(lo, hi)),
            Frequency::Times { lo, hi, per, .. } => {
                format!("{} times per {}", self.bounds(lo, hi), per.as_str())
            }
            Frequency::Per(per, _) => format!("per {}", per.as_str()),
            Frequency::Named(Period::Day, _) => "daily".to_string(),
            Frequency::Named(Period::Week, _) => "weekly".to_string(),
        }
    }

    /// `N` or `N..M`: a single number is one node copied into both bounds.
    fn bounds(&self, lo: &Number, hi: &Number) -> String {
        if lo.span == hi.span {
            self.num(lo)
        } else {
            format!("{}..{}", self.num(lo), self.num(hi))
        }
    }

    fn range(&self, r: &Range) -> String {
        format!("{}..{}", self.num(&r.lo), self.num(&r.hi))
    }

    /// A number as written in the source (`2.50` stays `2.50`).
    fn num(&self, n: &Number) -> String {
        match self.text.get(n.span.range()) {
            Some(s) if is_number(s) => s.to_string(),
            _ => fmt_num(n.value),
        }
    }
}

fn is_number(s: &str) -> bool {
    let digits = s.strip_prefix('-').unwrap_or(s);
    let (whole, fraction) = match digits.split_once('.') {
        Some((w, f)) => (w, Some(f)),
        None => (digits, None),
    };
    let all_digits = |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit());
    all_digits(whole) && fraction.is_none_or(all_digits)
}

/// Put a rule on one line when its comments allow: comments before it are fine, and so is
/// one at the end of its last line; any other comment keeps the rule one clause per line, so
/// that the comment stays next to its clause.
fn collapse(block: &mut Block) {
    let Some(one) = block.one_line.take() else {
        return;
    };
    let Some((last, rest)) = block.lines.split_last() else {
        return;
    };
    let quiet = block.dangling.is_empty()
        && last.leading.is_empty()
        && last.trailing.len() <= 1
        && rest
            .iter()
            .enumerate()
            .all(|(i, l)| l.trailing.is_empty() && (i == 0 || l.leading.is_empty()));
    if !quiet {
        return;
    }
    let leading = std::mem::take(&mut block.lines[0].leading);
    let trailing = block
        .lines
        .last_mut()
        .map(|l| std::mem::take(&mut l.trailing));
    let mut line = Line::new(0, one, Vec::new());
    line.leading = leading;
    line.trailing = trailing.unwrap_or_default();
    block.lines = vec![line];
}

/// `PREFIX A, B, C SUFFIX`, continuing on further lines (indented [`CONTINUATION_INDENT`])
/// before a name would pass [`WIDTH`]. `indent` is where the first line starts.
fn wrap(indent: usize, prefix: &str, items: &[String], suffix: Option<&str>) -> String {
    let mut out = prefix.to_string();
    let mut used = indent + width(prefix);
    for (i, item) in items.iter().enumerate() {
        let token = if i + 1 < items.len() {
            format!("{item},")
        } else {
            item.clone()
        };
        let w = width(&token);
        let space = usize::from(!out.is_empty());
        if i > 0 && used + space + w > WIDTH {
            out.push('\n');
            out.push_str(&" ".repeat(CONTINUATION_INDENT));
            used = CONTINUATION_INDENT;
        } else if space == 1 {
            out.push(' ');
            used += 1;
        }
        out.push_str(&token);
        used += w;
    }
    if let Some(s) = suffix {
        out.push(' ');
        out.push_str(s);
    }
    out
}

fn width(s: &str) -> usize {
    s.chars().count()
}

fn names(list: &[Name]) -> String {
    list.iter()
        .map(|n| n.text.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// A text in quotes, with `"`, `\` and line breaks escaped.
fn quote(value: &str) -> String {
    let mut s = String::with_capacity(value.len() + 2);
    s.push('"');
    for c in value.chars() {
        match c {
            '"' => s.push_str("\\\""),
            '\\' => s.push_str("\\\\"),
            '\n' => s.push_str("\\n"),
            c => s.push(c),
        }
    }
    s.push('"');
    s
}

/// Join the physical lines: trailing comments of consecutive lines aligned, no trailing
/// whitespace, one final line break.
fn finish(lines: Vec<Out>) -> String {
    let mut text = String::new();
    let mut i = 0;
    while i < lines.len() {
        // A run of code lines that all end in a comment: the comments share one column.
        let run_end = lines[i..]
            .iter()
            .position(|l| !matches!(l, Out::Code(_, Some(_))))
            .map_or(lines.len(), |p| i + p);
        if run_end > i {
            let column = lines[i..run_end]
                .iter()
                .map(|l| match l {
                    Out::Code(code, _) => width(code.trim_end()),
                    _ => 0,
                })
                .max()
                .unwrap_or(0)
                + 2;
            for line in &lines[i..run_end] {
                if let Out::Code(code, Some(comment)) = line {
                    let code = code.trim_end();
                    text.push_str(code);
                    text.push_str(&" ".repeat(column - width(code)));
                    text.push_str(comment);
                    text.push('\n');
                }
            }
            i = run_end;
            continue;
        }
        match &lines[i] {
            Out::Blank => text.push('\n'),
            Out::Comment(c) | Out::Code(c, None) => {
                text.push_str(c.trim_end());
                text.push('\n');
            }
            Out::Code(..) => {}
        }
        i += 1;
    }
    text
}

// ---- span-free trees --------------------------------------------------------------------------

fn strip_name(n: &Name) -> Name {
    Name {
        text: n.text.clone(),
        span: Span::default(),
    }
}

fn strip_names(list: &[Name]) -> Vec<Name> {
    list.iter().map(strip_name).collect()
}

fn strip_text(t: &Text) -> Text {
    Text {
        value: t.value.clone(),
        span: Span::default(),
    }
}

fn strip_number(n: &Number) -> Number {
    Number {
        value: n.value,
        span: Span::default(),
    }
}

fn strip_range(r: &Range) -> Range {
    Range {
        lo: strip_number(&r.lo),
        hi: strip_number(&r.hi),
        span: Span::default(),
    }
}

fn strip_cond(c: &Cond) -> Cond {
    let s = Span::default();
    match c {
        Cond::Fact(n) => Cond::Fact(strip_name(n)),
        Cond::Cmp(c) => Cond::Cmp(Box::new(Comparison {
            measure: strip_name(&c.measure),
            op: c.op,
            value: strip_number(&c.value),
            span: s,
        })),
        Cond::In(c) => Cond::In(Box::new(RangeTest {
            measure: strip_name(&c.measure),
            range: strip_range(&c.range),
            span: s,
        })),
        Cond::Not(inner, _) => Cond::Not(Box::new(strip_cond(inner)), s),
        Cond::All(parts, _) => Cond::All(parts.iter().map(strip_cond).collect(), s),
        Cond::Any(parts, _) => Cond::Any(parts.iter().map(strip_cond).collect(), s),
    }
}

fn strip_frequency(f: Frequency) -> Frequency {
    let s = Span::default();
    match f {
        Frequency::Every { lo, hi, .. } => Frequency::Every {
            lo: strip_number(&lo),
            hi: strip_number(&hi),
            span: s,
        },
        Frequency::Times { lo, hi, per, .. } => Frequency::Times {
            lo: strip_number(&lo),
            hi: strip_number(&hi),
            per,
            span: s,
        },
        Frequency::Per(per, _) => Frequency::Per(per, s),
        Frequency::Named(per, _) => Frequency::Named(per, s),
    }
}

fn strip_amount(a: &Amount) -> Amount {
    Amount {
        bound: a.bound,
        lo: strip_number(&a.lo),
        hi: strip_number(&a.hi),
        unit: a.unit,
        span: Span::default(),
    }
}

fn strip_dose(d: &Dose) -> Dose {
    let s = Span::default();
    Dose {
        amount: d.amount.as_ref().map(strip_amount),
        frequency: d.frequency.map(strip_frequency),
        bouts: d.bouts.map(|b| Bouts {
            at_least: b.at_least,
            lo: strip_number(&b.lo),
            hi: strip_number(&b.hi),
            unit: b.unit,
            span: s,
        }),
        progression: d.progression.map(|p| Progression {
            amount: strip_amount(&p.amount),
            frequency: p.frequency.map(strip_frequency),
            span: s,
        }),
        span: s,
    }
}

fn strip_item(item: &Item) -> Item {
    let s = Span::default();
    match item {
        Item::Ruleset(r) => Item::Ruleset(Box::new(RulesetItem {
            name: strip_name(&r.name),
            title: r.title.as_ref().map(strip_text),
            version: r.version.as_ref().map(strip_text),
            span: s,
        })),
        Item::Fact(f) => Item::Fact(Box::new(FactItem {
            kind: f.kind,
            name: strip_name(&f.name),
            label: f.label.as_ref().map(strip_text),
            clauses: f.clauses.as_ref().map(|c| {
                Box::new(FactClauses {
                    implies: strip_names(&c.implies),
                    excludes: strip_names(&c.excludes),
                    codes: c.codes.iter().map(strip_text).collect(),
                })
            }),
            span: s,
        })),
        Item::Exclusive(x) => Item::Exclusive(Box::new(ExclusiveItem {
            name: strip_name(&x.name),
            label: x.label.as_ref().map(strip_text),
            members: strip_names(&x.members),
            span: s,
        })),
        Item::Measure(m) => Item::Measure(Box::new(MeasureItem {
            name: strip_name(&m.name),
            label: m.label.as_ref().map(strip_text),
            unit: m.unit.as_ref().map(strip_text),
            range: m.range.as_ref().map(strip_range),
            codes: m.codes.iter().map(strip_text).collect(),
            span: s,
        })),
        Item::Category(c) => Item::Category(Box::new(CategoryItem {
            name: strip_name(&c.name),
            label: c.label.as_ref().map(strip_text),
            parents: strip_names(&c.parents),
            span: s,
        })),
        Item::Exercise(e) => Item::Exercise(Box::new(ExerciseItem {
            name: strip_name(&e.name),
            label: e.label.as_ref().map(strip_text),
            categories: strip_names(&e.categories),
            span: s,
        })),
        Item::Source(x) => Item::Source(Box::new(SourceItem {
            name: strip_name(&x.name),
            text: strip_text(&x.text),
            url: x.url.as_ref().map(strip_text),
            span: s,
        })),
        Item::Rule(r) => Item::Rule(Box::new(RuleItem {
            name: r.name.as_deref().map(strip_name).map(Box::new),
            span: s,
            head_span: s,
            cond: r.cond.as_ref().map(strip_cond),
            unless: r.unless.as_ref().map(strip_cond),
            action: ActionClause {
                action: r.action.action,
                word_span: s,
                targets: strip_names(&r.action.targets),
                except: strip_names(&r.action.except),
                dose: r.action.dose.as_deref().map(strip_dose).map(Box::new),
                span: s,
            },
            cite: r
                .cite
                .iter()
                .map(|c| Cite {
                    source: strip_name(&c.source),
                    locator: c.locator.as_deref().map(strip_text).map(Box::new),
                })
                .collect(),
            details: r.details.as_ref().map(|d| {
                Box::new(RuleDetails {
                    because: d.because.as_ref().map(strip_text),
                    evidence: d.evidence.as_ref().map(strip_name),
                    strength: d.strength.as_ref().map(strip_name),
                    overrides: strip_names(&d.overrides),
                    reviewed: d.reviewed.as_ref().map(strip_text),
                    status: d.status.as_ref().map(strip_name),
                    prevails: d.prevails.map(|_| s),
                    stop_if: d.stop_if.as_ref().map(strip_text),
                })
            }),
        })),
        Item::Test(t) => Item::Test(Box::new(TestItem {
            name: strip_text(&t.name),
            span: s,
            given: t
                .given
                .iter()
                .map(|g| Given {
                    name: strip_name(&g.name),
                    value: g.value.as_ref().map(strip_number),
                })
                .collect(),
            expects: t
                .expects
                .iter()
                .map(|e| Expect {
                    expectation: e.expectation,
                    targets: strip_names(&e.targets),
                    dose: e.dose.as_deref().map(strip_dose).map(Box::new),
                    span: s,
                })
                .collect(),
        })),
    }
}
