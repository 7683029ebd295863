//! Folding: items that span several lines (rules, tests) and runs of comment lines.

use lsp_types::{FoldingRange, FoldingRangeKind};

use super::lexer::{self, TokenKind};
use super::workspace::Ruleset;

pub fn ranges(ruleset: &Ruleset, file: usize) -> Vec<FoldingRange> {
    let text = ruleset.text(file);
    let lines = ruleset.lines(file);
    let line_of = |offset: usize| lines.position(text, offset).line;
    let mut out = Vec::new();
    for item in &ruleset.index().files[file].tree.items {
        let span = super::index::item_span(item);
        let (start, end) = (line_of(span.start()), line_of(span.end()));
        if end > start {
            out.push(FoldingRange {
                start_line: start,
                end_line: end,
                kind: Some(FoldingRangeKind::Region),
                ..FoldingRange::default()
            });
        }
    }
    // Consecutive lines that hold only a comment.
    let mut run: Option<(u32, u32)> = None;
    let push = |run: Option<(u32, u32)>, out: &mut Vec<FoldingRange>| {
        if let Some((a, b)) = run.filter(|(a, b)| b > a) {
            out.push(FoldingRange {
                start_line: a,
                end_line: b,
                kind: Some(FoldingRangeKind::Comment),
                ..FoldingRange::default()
            });
        }
    };
    let mut last_code_line = None;
    for t in lexer::tokens(text) {
        let line = line_of(t.start);
        if t.kind != TokenKind::Comment {
            last_code_line = Some(line);
            continue;
        }
        if last_code_line == Some(line) {
            continue;
        }
        run = match run {
            Some((a, b)) if b + 1 == line => Some((a, line)),
            other => {
                push(other, &mut out);
                Some((line, line))
            }
        };
    }
    push(run, &mut out);
    out.sort_by_key(|r| (r.start_line, r.end_line));
    out
}
