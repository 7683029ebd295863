//! Every ```console block of README.md and docs/*.md is real output: each `$ ` command is run
//! with the `carel` binary under test and its output compared with the lines that follow it.
//!
//! How to write a block (docs/writing-docs.md says the same for writers):
//! - Each command starts with `$ ` and runs in `sh` (pipes such as `| tail -n 3` work), with
//!   stderr merged into stdout, `NO_COLOR=1`, and the `carel` under test first on `PATH`.
//! - A block runs in a fresh scratch folder holding copies of `rulesets/` and `docs/`, so paths
//!   such as `rulesets/lower_back_pain` and `docs/tutorial/back-1.carel` work and may be edited.
//! - An HTML comment `<!-- console: SHELL -->` on the lines just before the block (blank lines
//!   allowed) runs first in that folder, to set the scene: `<!-- console: cp docs/tutorial/back-1.carel back.carel -->`.
//! - A line `...` in the expected output stands for any number of lines. Trailing spaces are
//!   ignored; everything else must match exactly.

use std::path::{Path, PathBuf};
use std::process::Command;

mod tools;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

struct Block {
    file: String,
    line: usize,
    setup: Option<String>,
    /// (command, expected output lines)
    commands: Vec<(String, Vec<String>)>,
}

/// The console blocks of one Markdown text.
fn blocks(file: &str, text: &str) -> Vec<Block> {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        if lines[i].trim_end() != "```console" {
            i += 1;
            continue;
        }
        let start = i;
        // The setup comment: the last non-blank line before the fence.
        let setup = lines[..start]
            .iter()
            .rev()
            .find(|l| !l.trim().is_empty())
            .and_then(|l| {
                l.trim()
                    .strip_prefix("<!-- console:")
                    .and_then(|rest| rest.strip_suffix("-->"))
                    .map(|s| s.trim().to_string())
            });
        let mut commands: Vec<(String, Vec<String>)> = Vec::new();
        i += 1;
        while i < lines.len() && lines[i].trim_end() != "```" {
            let line = lines[i].trim_end();
            if let Some(cmd) = line.strip_prefix("$ ") {
                commands.push((cmd.to_string(), Vec::new()));
            } else {
                let (_, expected) = commands.last_mut().unwrap_or_else(|| {
                    panic!(
                        "{file}:{}: a console block must start with a `$ ` command",
                        start + 1
                    )
                });
                expected.push(line.to_string());
            }
            i += 1;
        }
        assert!(i < lines.len(), "{file}:{}: unclosed block", start + 1);
        out.push(Block {
            file: file.to_string(),
            line: start + 1,
            setup,
            commands,
        });
        i += 1;
    }
    out
}

/// Whether `actual` matches `expected`, where a `...` line matches any run of lines.
fn matches(expected: &[String], actual: &[&str]) -> bool {
    match expected.split_first() {
        None => actual.is_empty(),
        Some((first, rest)) if first == "..." => {
            (0..=actual.len()).any(|skip| matches(rest, &actual[skip..]))
        }
        Some((first, rest)) => actual
            .split_first()
            .is_some_and(|(a, more)| a.trim_end() == first && matches(rest, more)),
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

fn sh(dir: &Path, script: &str) -> String {
    let bin = Path::new(env!("CARGO_BIN_EXE_carel")).parent().unwrap();
    let path = std::env::join_paths(std::iter::once(bin.to_path_buf()).chain(
        std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()),
    ))
    .unwrap();
    let out = Command::new("sh")
        .arg("-c")
        .arg(format!("exec 2>&1\n{script}"))
        .current_dir(dir)
        .env("PATH", path)
        .env("NO_COLOR", "1")
        .output()
        .expect("run sh");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn documents() -> Vec<PathBuf> {
    let mut files = vec![root().join("README.md")];
    let mut docs: Vec<PathBuf> = std::fs::read_dir(root().join("docs"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    docs.sort();
    files.extend(docs);
    files
}

#[test]
fn console_blocks_show_real_output() {
    if !tools::available("sh", "-c", "console_blocks_show_real_output") {
        return;
    }
    let mut failures = Vec::new();
    let mut count = 0;
    for path in documents() {
        let name = path.strip_prefix(root()).unwrap().display().to_string();
        let text = std::fs::read_to_string(&path).unwrap();
        for block in blocks(&name, &text) {
            let scratch = tempfile::tempdir().unwrap();
            copy_dir(&root().join("rulesets"), &scratch.path().join("rulesets"));
            copy_dir(&root().join("docs"), &scratch.path().join("docs"));
            if let Some(setup) = &block.setup {
                sh(scratch.path(), setup);
            }
            for (command, expected) in &block.commands {
                count += 1;
                let actual = sh(scratch.path(), command);
                let actual_lines: Vec<&str> = actual.lines().collect();
                if !matches(expected, &actual_lines) {
                    failures.push(format!(
                        "{}:{}: `$ {command}` printed:\n{actual}\n--- but the block shows:\n{}\n",
                        block.file,
                        block.line,
                        expected.join("\n")
                    ));
                }
            }
        }
    }
    assert!(count >= 10, "only {count} console commands found");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn the_matcher_treats_dots_as_any_lines() {
    let e = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    assert!(matches(&e(&["a", "...", "d"]), &["a", "b", "c", "d"]));
    assert!(matches(&e(&["a", "..."]), &["a"]));
    assert!(!matches(&e(&["a", "...", "d"]), &["a", "b"]));
    assert!(!matches(&e(&["a"]), &["a", "b"]));
    assert!(matches(&e(&["a"]), &["a  "]));
}
