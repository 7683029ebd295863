//! The lines of each item: declarations, rules with their clauses, tests, and quoted texts.

use super::comments::is_space;
use super::layout::{Block, Layout, Line, names, quote, width, wrap};
use super::{CLAUSE_INDENT, WIDTH};
use crate::model::{Expectation, FactKind};
use crate::syntax::ast::*;

impl Layout<'_> {
    pub(super) fn item(&self, item: &Item) -> Block {
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
}
