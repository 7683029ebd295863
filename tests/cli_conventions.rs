//! Command-line conventions: shell completions, the manual page, `--color` with `NO_COLOR` and
//! `CLICOLOR_FORCE`, `explain` as plain text, and `fmt -`, `--diff`, line endings and BOM.

use assert_cmd::Command;

fn carel() -> Command {
    let mut cmd = Command::cargo_bin("carel").expect("binary built");
    cmd.env_remove("NO_COLOR").env_remove("CLICOLOR_FORCE");
    cmd
}

fn stdout(cmd: &mut Command) -> (String, i32) {
    let out = cmd.output().expect("runs");
    (
        String::from_utf8(out.stdout).expect("UTF-8"),
        out.status.code().unwrap_or(-1),
    )
}

#[test]
fn completions_for_every_shell() {
    for (shell, marker) in [
        ("bash", "complete -F _carel"),
        ("zsh", "#compdef carel"),
        ("fish", "complete -c carel"),
        ("powershell", "Register-ArgumentCompleter"),
        ("elvish", "edit:completion:arg-completer[carel]"),
    ] {
        let (text, status) = stdout(carel().args(["completions", shell]));
        assert_eq!(status, 0, "{shell}");
        assert!(text.contains(marker), "{shell}: {text}");
        for command in ["check", "fmt", "lsp", "completions"] {
            assert!(text.contains(command), "{shell} lacks {command}");
        }
    }
    let out = carel().args(["completions", "tcsh"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
}

/// docs/carel.1 is the page `carel man` prints; regenerate it with
/// `cargo run -q -- man > docs/carel.1` (or run this test with `CAREL_BLESS=1`).
#[test]
fn the_manual_page_is_current() {
    let (page, status) = stdout(carel().arg("man"));
    assert_eq!(status, 0);
    assert!(page.contains(".TH carel 1"));
    assert!(page.contains("completions"));
    if std::env::var_os("CAREL_BLESS").is_some() {
        std::fs::write("docs/carel.1", &page).unwrap();
    }
    let kept = std::fs::read_to_string("docs/carel.1").expect("docs/carel.1 exists");
    assert!(
        kept == page,
        "docs/carel.1 is out of date: run `cargo run -q -- man > docs/carel.1`"
    );
}

const BROKEN: &str = "condition a\nexercise w\nif a then avoids w\n";
const ESC: &str = "\u{1b}[";

fn check_output(dir: &tempfile::TempDir, args: &[&str], env: &[(&str, &str)]) -> String {
    let path = dir.path().join("a.carel");
    std::fs::write(&path, BROKEN).unwrap();
    let mut cmd = carel();
    cmd.args(args).arg("check").arg(&path);
    for (k, v) in env {
        cmd.env(k, v);
    }
    stdout(&mut cmd).0
}

#[test]
fn colour_follows_the_flag_and_the_environment() {
    let dir = tempfile::tempdir().unwrap();
    // Not a terminal: no colour unless asked for.
    assert!(!check_output(&dir, &[], &[]).contains(ESC));
    assert!(check_output(&dir, &["--color", "always"], &[]).contains(ESC));
    assert!(check_output(&dir, &["--color=always"], &[("NO_COLOR", "1")]).contains(ESC));
    assert!(!check_output(&dir, &["--color", "never"], &[("CLICOLOR_FORCE", "1")]).contains(ESC));
    assert!(check_output(&dir, &[], &[("CLICOLOR_FORCE", "1")]).contains(ESC));
    assert!(!check_output(&dir, &[], &[("CLICOLOR_FORCE", "0")]).contains(ESC));
    // NO_COLOR counts only when it is not empty.
    assert!(check_output(&dir, &[], &[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "")]).contains(ESC));
    assert!(!check_output(&dir, &[], &[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "1")]).contains(ESC));
    // The flag is accepted after the command too, and the text is the same apart from colour.
    let plain = check_output(&dir, &[], &[]);
    let path = dir.path().join("a.carel");
    let (coloured, _) = stdout(carel().arg("check").arg(&path).args(["--color", "always"]));
    assert_eq!(strip(&coloured), plain);
}

/// Text without its ANSI colour sequences.
fn strip(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(at) = rest.find(ESC) {
        out.push_str(&rest[..at]);
        let after = &rest[at + ESC.len()..];
        let end = after.find('m').map_or(after.len(), |i| i + 1);
        rest = &after[end..];
    }
    out.push_str(rest);
    out
}

const RULES: &str = "condition a\nexercise w\nexercise v\nsource s \"S\"\n\
    if a then avoid w cite s\nif not a then recommend w, v cite s\n\
    test \"with a\":\n  given a\n  expect avoid w\ntest \"wrong\":\n  given a\n  expect recommend w\n";

#[test]
fn test_and_eval_are_coloured_when_asked() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("r.carel");
    std::fs::write(&path, RULES).unwrap();
    let (plain, status) = stdout(carel().arg("test").arg(&path));
    assert_eq!(status, 1);
    assert!(!plain.contains(ESC));
    let (coloured, _) = stdout(carel().args(["--color", "always", "test"]).arg(&path));
    assert!(
        coloured.contains(&format!("{ESC}0m{ESC}1m{ESC}32mok")),
        "{coloured:?}"
    );
    assert!(coloured.contains("FAILED"));
    assert_eq!(strip(&coloured), plain);

    let (plain, _) = stdout(carel().arg("eval").arg(&path).arg("--given=a"));
    assert!(plain.contains("\n  avoid      w\n"), "{plain}");
    let (coloured, _) = stdout(
        carel()
            .args(["--color", "always", "eval"])
            .arg(&path)
            .arg("--given=a"),
    );
    assert!(coloured.contains(&format!("{ESC}31mavoid")), "{coloured:?}");
    assert_eq!(strip(&coloured), plain);
}

#[test]
fn explain_is_plain_text_unless_markdown_is_asked_for() {
    let (text, status) = stdout(carel().args(["explain", "E002"]));
    assert_eq!(status, 0);
    assert!(text.starts_with("E002 (error): "));
    assert!(
        !text.contains("```") && !text.contains("###") && !text.contains('`'),
        "{text}"
    );
    assert!(text.contains("How to fix it\n-------------\n"));
    assert!(text.contains("\n    if sciatca then avoid hamstring_stretch\n"));
    let (markdown, _) = stdout(carel().args(["explain", "E002", "--format", "markdown"]));
    assert!(markdown.contains("### How to fix it") && markdown.contains("```carel"));
}

#[test]
fn fmt_reads_standard_input() {
    let out = carel()
        .args(["fmt", "-"])
        .write_stdin("condition   a\nexercise w\n")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        "condition a\nexercise w\n"
    );
    // CRLF and a BOM are kept.
    let out = carel()
        .args(["fmt", "-"])
        .write_stdin("\u{FEFF}condition   a\r\nexercise w\r\n")
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        "\u{FEFF}condition a\r\nexercise w\r\n"
    );
    // --check prints nothing and says by its status whether the input is formatted.
    let out = carel()
        .args(["fmt", "-", "--check"])
        .write_stdin("condition a\r\n")
        .output()
        .unwrap();
    assert_eq!((out.status.code(), out.stdout.len()), (Some(0), 0));
    let out = carel()
        .args(["fmt", "-", "--check"])
        .write_stdin("condition  a\n")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    // A syntax error: nothing on stdout, the diagnostic on stderr, status 1.
    let out = carel()
        .args(["fmt", "-"])
        .write_stdin("condition\n")
        .output()
        .unwrap();
    assert_eq!((out.status.code(), out.stdout.len()), (Some(1), 0));
    assert!(String::from_utf8_lossy(&out.stderr).contains("<stdin>"));
}

#[test]
fn fmt_keeps_line_endings_and_shows_diffs() {
    let dir = tempfile::tempdir().unwrap();
    let crlf = dir.path().join("crlf.carel");
    std::fs::write(&crlf, "\u{FEFF}condition a\r\nexercise w\r\n").unwrap();
    let out = carel()
        .args(["fmt", "--check"])
        .arg(&crlf)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "a formatted CRLF file with a BOM passes"
    );

    let messy = dir.path().join("messy.carel");
    std::fs::write(&messy, "condition a\r\nexercise   w\r\n").unwrap();
    let out = carel()
        .args(["fmt", "--diff"])
        .arg(&messy)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let diff = String::from_utf8(out.stdout).unwrap();
    assert!(
        diff.contains("-exercise   w\r\n+exercise w\r\n"),
        "{diff:?}"
    );
    assert_eq!(
        std::fs::read_to_string(&messy).unwrap(),
        "condition a\r\nexercise   w\r\n",
        "--diff changes nothing"
    );
    let out = carel().arg("fmt").arg(&messy).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        std::fs::read_to_string(&messy).unwrap(),
        "condition a\r\nexercise w\r\n"
    );
}
