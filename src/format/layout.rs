//! Laying out a file: each item becomes a block of lines, comments are attached to the lines
//! whose source they follow or precede, and the physical lines are joined.

use super::comments::{Comment, is_space};
use super::{CLAUSE_INDENT, CONTINUATION_INDENT, WIDTH};
use crate::source::Span;
use crate::syntax::ast::*;

/// One line of output (possibly continued over several physical lines) for one item or clause.
#[derive(Debug)]
pub(super) struct Line {
    pub(super) indent: usize,
    /// The code; a continued name list holds `\n` followed by the continuation's indentation.
    pub(super) code: String,
    /// The source ranges this line stands for; comments are attached by them.
    pub(super) pieces: Vec<(usize, usize)>,
    /// Comments printed on their own lines before this one.
    pub(super) leading: Vec<usize>,
    /// Comments printed at the end of this line.
    pub(super) trailing: Vec<usize>,
}

impl Line {
    pub(super) fn new(indent: usize, code: String, pieces: Vec<(usize, usize)>) -> Line {
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
pub(super) struct Block {
    pub(super) start: usize,
    pub(super) end: usize,
    pub(super) lines: Vec<Line>,
    /// Indented comments right after the item, kept inside it.
    pub(super) dangling: Vec<usize>,
    /// The item on one line, if its comments allow it.
    pub(super) one_line: Option<String>,
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

pub(super) struct Layout<'a> {
    pub(super) text: &'a str,
    comments: &'a [Comment],
    line_starts: Vec<usize>,
}

impl<'a> Layout<'a> {
    pub(super) fn new(text: &'a str, comments: &'a [Comment]) -> Layout<'a> {
        Layout {
            text,
            comments,
            line_starts: crate::source::line_starts(text),
        }
    }

    pub(super) fn line_of(&self, offset: usize) -> usize {
        crate::source::line_index(&self.line_starts, offset)
    }

    /// The comment that covers byte `offset`, if any.
    pub(super) fn comment_at(&self, offset: usize) -> Option<&Comment> {
        let i = self.comments.partition_point(|c| c.start <= offset);
        let c = self.comments.get(i.checked_sub(1)?)?;
        (offset < c.end).then_some(c)
    }

    /// A span narrowed to its code: a parse node may include whitespace and comments that
    /// were skipped while looking for an optional part that is not there.
    pub(super) fn piece(&self, span: Span) -> (usize, usize) {
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

    pub(super) fn file(&self, tree: &File) -> String {
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
                    out.push(Out::Comment(self.comments[*c].text.clone()));
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
                    last.map(|c| self.comments[c].text.clone())
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
pub(super) fn wrap(indent: usize, prefix: &str, items: &[String], suffix: Option<&str>) -> String {
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

pub(super) fn width(s: &str) -> usize {
    s.chars().count()
}

pub(super) fn names(list: &[Name]) -> String {
    list.iter()
        .map(|n| n.text.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// A text in quotes, with `"`, `\` and line breaks escaped.
pub(super) fn quote(value: &str) -> String {
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
