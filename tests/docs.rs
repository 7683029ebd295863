//! The generated diagnostics reference and the examples in the long explanations.
//!
//! `docs/diagnostics.md` is generated from the code table; regenerate it with
//! `CAREL_BLESS=1 cargo test --test docs`.

use std::path::PathBuf;

use carel::diagnostic::codes::markdown;
use carel::diagnostic::{Code, Severity};
use carel::source::Sources;

/// The heading that separates the examples that trigger a code from the fixed ones.
const FIX_HEADING: &str = "### How to fix it";

fn doc_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("docs/diagnostics.md")
}

#[test]
fn diagnostics_md_matches_the_code_table() {
    let expected = markdown();
    let path = doc_path();
    if std::env::var_os("CAREL_BLESS").is_some_and(|v| v == "1") {
        std::fs::write(&path, &expected).expect("write docs/diagnostics.md");
        return;
    }
    let actual = std::fs::read_to_string(&path)
        .unwrap_or_default()
        .replace("\r\n", "\n");
    assert!(
        actual == expected,
        "docs/diagnostics.md is out of date; regenerate it with `CAREL_BLESS=1 cargo test --test docs`"
    );
}

/// The ```carel blocks of a Markdown text, in order, with the byte offset of each block.
fn carel_blocks(text: &str) -> Vec<(usize, String)> {
    let mut blocks = Vec::new();
    let mut current: Option<(usize, String)> = None;
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim_end();
        match current.take() {
            None if trimmed == "```carel" => current = Some((offset, String::new())),
            None => {}
            Some(block) if trimmed == "```" => blocks.push(block),
            Some((start, mut body)) => {
                body.push_str(line);
                current = Some((start, body));
            }
        }
        offset += line.len();
    }
    assert!(current.is_none(), "a ```carel block is never closed");
    blocks
}

/// The examples of one explanation: those that trigger the code, and the fixed ones.
fn examples(code: Code) -> (Vec<String>, Vec<String>) {
    let text = code.explanation();
    let fix = text
        .find(FIX_HEADING)
        .unwrap_or_else(|| panic!("{code}: no `{FIX_HEADING}` section"));
    let (mut triggers, mut fixes) = (Vec::new(), Vec::new());
    for (start, block) in carel_blocks(text) {
        if start < fix {
            triggers.push(block);
        } else {
            fixes.push(block);
        }
    }
    (triggers, fixes)
}

#[test]
fn every_code_has_an_explanation_with_examples() {
    for &code in Code::ALL {
        let text = code.explanation();
        assert!(!text.trim().is_empty(), "{code}: empty explanation");
        assert_eq!(
            text.matches(FIX_HEADING).count(),
            1,
            "{code}: expected exactly one `{FIX_HEADING}` section"
        );
        assert!(
            text.contains("### Why it matters"),
            "{code}: no `### Why it matters` section"
        );
        // Every fence is closed: an odd number of ``` lines would break the page.
        let fences = text
            .lines()
            .filter(|l| l.trim_start().starts_with("```"))
            .count();
        assert_eq!(fences % 2, 0, "{code}: unbalanced ``` fences");
        let (triggers, fixes) = examples(code);
        assert!(
            !triggers.is_empty(),
            "{code}: no ```carel example before the fix"
        );
        assert!(!fixes.is_empty(), "{code}: no fixed ```carel example");
        for block in triggers.iter().chain(&fixes) {
            assert!(!block.trim().is_empty(), "{code}: empty ```carel block");
        }
    }
}

#[test]
fn the_generated_page_holds_every_code() {
    let page = markdown();
    for &code in Code::ALL {
        let heading = format!(
            "\n## {}\n\n*{}* — {}\n",
            code,
            code.severity().as_str(),
            code.title()
        );
        assert!(
            page.contains(&heading),
            "{code}: section missing from the page"
        );
        let row = format!(
            "| [{c}](#{l}) | {} | {} |",
            code.severity().as_str(),
            code.title(),
            c = code,
            l = code.as_str().to_lowercase()
        );
        assert!(page.contains(&row), "{code}: row missing from the table");
        assert!(page.contains(code.explanation().trim()));
    }
}

fn codes_of(snippet: &str) -> Vec<Code> {
    let sources = Sources::single("example.carel", snippet);
    carel::compile(&sources)
        .diagnostics
        .iter()
        .map(|d| d.code)
        .collect()
}

/// The codes found by the conflict analysis rather than by reading and resolving names.
const ANALYSIS_CODES: &[Code] = &[
    Code::E006,
    Code::E010,
    Code::E011,
    Code::W002,
    Code::W003,
    Code::W004,
    Code::W005,
    Code::W006,
];

/// Check the examples of the given codes: each example said to trigger a code does, and each
/// fixed example compiles without errors and without that code. E011's example only shows the
/// shape of a condition that exhausts the analysis budget (a real one is far longer), so only
/// its fix is checked.
fn check_examples(codes: impl Iterator<Item = Code>) {
    let mut failures = Vec::new();
    for code in codes {
        let (triggers, fixes) = examples(code);
        if code != Code::E011 {
            for example in &triggers {
                let found = codes_of(example);
                if !found.contains(&code) {
                    failures.push(format!(
                        "{code}: example does not trigger it (found {found:?}):\n{example}"
                    ));
                } else if code.severity() == Severity::Warning
                    && found.iter().any(|c| c.severity() == Severity::Error)
                {
                    failures.push(format!(
                        "{code}: example has errors ({found:?}):\n{example}"
                    ));
                }
            }
        }
        for example in &fixes {
            let found = codes_of(example);
            if found.contains(&code) || found.iter().any(|c| c.severity() == Severity::Error) {
                failures.push(format!(
                    "{code}: fixed example still has {found:?}:\n{example}"
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn examples_of_syntax_and_name_codes_trigger_them_and_fixes_clear_them() {
    check_examples(
        Code::ALL
            .iter()
            .copied()
            .filter(|c| !ANALYSIS_CODES.contains(c)),
    );
}

#[test]
fn examples_of_analysis_codes_trigger_them_and_fixes_clear_them() {
    check_examples(ANALYSIS_CODES.iter().copied());
}

fn language_guide() -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("docs/language.md");
    std::fs::read_to_string(path).expect("read docs/language.md")
}

/// The guide's examples are fragments (they may use names declared in another example), but
/// each must be valid Carel syntax.
#[test]
fn language_guide_examples_are_valid_syntax() {
    let guide = language_guide();
    let blocks = carel_blocks(&guide);
    assert!(blocks.len() >= 10, "the guide should be full of examples");
    for (_, block) in blocks {
        let found = codes_of(&block);
        assert!(
            !found.contains(&Code::E001),
            "syntax error in docs/language.md:\n{block}"
        );
    }
}

#[test]
fn language_guide_lists_every_code() {
    let guide = language_guide();
    for &code in Code::ALL {
        let link = format!("[{code}](diagnostics.md#{})", code.as_str().to_lowercase());
        assert!(
            guide.contains(&link),
            "docs/language.md does not list {code}"
        );
    }
}
