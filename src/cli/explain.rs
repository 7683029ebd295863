//! `carel explain CODE`: the long explanation of a diagnostic code, as plain text for reading
//! in a terminal, or as the Markdown it is written in (`--format markdown`).

use super::{OK, USAGE, output};
use crate::ExplainFormat;
use carel::diagnostic::Code;

pub fn run(code: &str, format: ExplainFormat) -> u8 {
    match Code::parse(code) {
        Some(c) => {
            let body = c.explanation().trim();
            let body = match format {
                ExplainFormat::Markdown => body.to_string(),
                ExplainFormat::Text => plain(body),
            };
            let text = format!(
                "{} ({}): {}\n\n{}\n",
                c.as_str(),
                c.severity().as_str(),
                c.title(),
                body
            );
            let _ = output::stdout(text.as_bytes());
            OK
        }
        None => {
            let known: Vec<&str> = Code::ALL.iter().map(|c| c.as_str()).collect();
            eprintln!(
                "error: unknown diagnostic code `{code}`\nknown codes: {}",
                known.join(", ")
            );
            USAGE
        }
    }
}

/// Markdown as plain text: headings underlined, code blocks indented, and the inline markup
/// (backquotes, emphasis, links) taken away.
pub fn plain(markdown: &str) -> String {
    let mut out = Vec::new();
    let mut in_code = false;
    for line in markdown.lines() {
        if line.trim_start().starts_with("```") {
            in_code = !in_code;
            continue;
        }
        if in_code {
            out.push(if line.is_empty() {
                String::new()
            } else {
                format!("    {line}")
            });
            continue;
        }
        let heading = line.trim_start_matches('#');
        if heading.len() < line.len() && heading.starts_with(' ') {
            let title = inline(heading.trim());
            let underline = "-".repeat(title.chars().count());
            out.push(title);
            out.push(underline);
            continue;
        }
        out.push(inline(line));
    }
    out.join("\n")
}

/// A line without its inline markup: `code` → code, **strong** → strong, [text](url) →
/// text (url).
fn inline(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut rest = line;
    while let Some(c) = rest.chars().next() {
        if c == '`' {
            rest = &rest[1..];
            continue;
        }
        if let Some(after) = rest.strip_prefix("**") {
            rest = after;
            continue;
        }
        if c == '['
            && let Some(close) = rest.find("](")
            && let Some(end) = rest[close..].find(')')
        {
            let text = &rest[1..close];
            let url = &rest[close + 2..close + end];
            out.push_str(&format!("{text} ({url})"));
            rest = &rest[close + end + 1..];
            continue;
        }
        out.push(c);
        rest = &rest[c.len_utf8()..];
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_is_taken_away() {
        let md = "### How to fix it\n\nUse `unless` and **see** [the guide](https://x.org).\n\n```carel\nif a then avoid b\n```";
        assert_eq!(
            plain(md),
            "How to fix it\n-------------\n\nUse unless and see the guide (https://x.org).\n\n    if a then avoid b"
        );
    }
}
