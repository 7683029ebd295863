//! Hostile input through the real `carel` binary: deep nesting, huge lines and names, bytes
//! that are not text, odd files and folders, symbolic links, unreadable paths, huge numbers.
//!
//! Every case must end with a clear message and exit status 0 (the input is valid Carel),
//! 1 (the ruleset has errors) or 2 (the path cannot be read) — never a panic, never a hang.
//! Each run is timed: in a release build (`cargo test --release --test hostile`) every case
//! must finish within a second; debug builds get a generous limit so that a loaded CI
//! machine does not fail them. Run with `--nocapture` to see the times.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use assert_cmd::Command;
use serde_json::Value;

/// Longest a single run may take.
fn limit() -> Duration {
    if cfg!(debug_assertions) {
        Duration::from_secs(30)
    } else {
        Duration::from_secs(1)
    }
}

/// Runs are timed one at a time, so that tests running in parallel do not skew the times.
static TIMING: Mutex<()> = Mutex::new(());

struct Outcome {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Outcome {
    fn all(&self) -> String {
        format!("{}{}", self.stdout, self.stderr)
    }

    fn contains(&self, text: &str) -> bool {
        self.stdout.contains(text) || self.stderr.contains(text)
    }
}

/// Run `carel ARGS`; assert it finished in time, did not panic and exited 0, 1 or 2.
fn carel(case: &str, args: &[&str]) -> Outcome {
    let _serial = TIMING.lock().unwrap_or_else(|e| e.into_inner());
    let mut cmd = Command::cargo_bin("carel").expect("the carel binary is built");
    cmd.args(args).env("NO_COLOR", "1").timeout(limit() * 2);
    let start = Instant::now();
    let out = cmd.output().expect("carel runs");
    let elapsed = start.elapsed();
    eprintln!("[time] {case}: {:.3} s", elapsed.as_secs_f64());
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let head = |s: &str| s.chars().take(2000).collect::<String>();
    assert!(
        !stderr.contains("panicked"),
        "{case}: carel panicked:\n{}",
        head(&stderr)
    );
    let code = out
        .status
        .code()
        .unwrap_or_else(|| panic!("{case}: killed after {elapsed:?} (hang or crash)"));
    assert!(
        elapsed <= limit(),
        "{case}: took {elapsed:?}, more than {:?}",
        limit()
    );
    assert!(
        matches!(code, 0..=2),
        "{case}: exit status {code}\n{}",
        head(&stderr)
    );
    Outcome {
        code,
        stdout,
        stderr,
    }
}

fn check(case: &str, path: &Path) -> Outcome {
    carel(case, &["check", &path.to_string_lossy()])
}

fn check_json(case: &str, path: &Path) -> (Outcome, Value) {
    let out = carel(
        case,
        &["check", "--format", "json", &path.to_string_lossy()],
    );
    let json: Value = serde_json::from_str(&out.stdout)
        .unwrap_or_else(|e| panic!("{case}: not JSON ({e}):\n{}", out.stdout));
    (out, json)
}

fn write(dir: &Path, name: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
    let path = dir.join(name);
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).unwrap();
    }
    fs::write(&path, bytes).unwrap();
    path
}

/// The diagnostics of a `--format json` report with the given code.
fn with_code<'a>(json: &'a Value, code: &str) -> Vec<&'a Value> {
    json["diagnostics"]
        .as_array()
        .expect("a diagnostics array")
        .iter()
        .filter(|d| d["code"] == code)
        .collect()
}

const VOCABULARY: &str = "condition sciatica\nexercise walking\nsource guide \"Guide\"\n";

// ---- depth ------------------------------------------------------------------------------------

#[test]
fn hundred_thousand_nested_parentheses() {
    let dir = tempfile::tempdir().unwrap();
    let n = 100_000;
    let cond = format!("{}sciatica{}", "(".repeat(n), ")".repeat(n));
    let file = write(
        dir.path(),
        "deep.carel",
        format!("{VOCABULARY}if {cond} then avoid walking cite guide\n"),
    );
    let (out, json) = check_json("100k nested parentheses", &file);
    assert_eq!(out.code, 1);
    let e = with_code(&json, "E001");
    assert_eq!(e.len(), 1, "{}", out.stdout);
    let max = carel::syntax::MAX_NESTING;
    assert_eq!(
        e[0]["message"],
        format!("nesting too deep: conditions may nest at most {max} parentheses")
    );
    // The first parenthesis past the limit, on line 4 (after `if `).
    assert_eq!(
        (e[0]["line"].as_u64(), e[0]["column"].as_u64()),
        (Some(4), Some(4 + max as u64))
    );
}

#[test]
fn hundred_thousand_nots_fold_into_one() {
    let dir = tempfile::tempdir().unwrap();
    let nots = "not ".repeat(100_000);
    // An even number of `not`s is the fact itself: valid Carel, accepted.
    let file = write(
        dir.path(),
        "nots.carel",
        format!("{VOCABULARY}if {nots}sciatica then avoid walking cite guide\n"),
    );
    let out = check("100k nots, valid", &file);
    assert_eq!((out.code, out.stdout.as_str()), (0, "no problems found\n"));
    // The same chain in front of an undefined name: one clear error at the name.
    let file = write(
        dir.path(),
        "nots_typo.carel",
        format!("{VOCABULARY}if {nots}sciatca then avoid walking cite guide\n"),
    );
    let (out, json) = check_json("100k nots, undefined name", &file);
    assert_eq!(out.code, 1);
    let e = with_code(&json, "E002");
    assert_eq!(e.len(), 1);
    assert_eq!(e[0]["message"], "`sciatca` is not declared");
    assert_eq!(e[0]["help"], "did you mean `sciatica`?");
    assert_eq!(e[0]["column"].as_u64(), Some(4 + 400_000));
}

#[test]
fn parentheses_and_nots_interleaved() {
    let dir = tempfile::tempdir().unwrap();
    let cond = format!("{}sciatica{}", "not (".repeat(50_000), ")".repeat(50_000));
    let file = write(
        dir.path(),
        "mixed.carel",
        format!("{VOCABULARY}if {cond} then avoid walking\n"),
    );
    let out = check("50k `not (` pairs", &file);
    assert_eq!(out.code, 1);
    assert!(out.contains("nesting too deep"), "{}", out.all());
}

// ---- size ---------------------------------------------------------------------------------------

#[test]
fn multi_megabyte_line_with_an_error_at_its_end() {
    let dir = tempfile::tempdir().unwrap();
    let label = "x".repeat(3_000_000);
    let file = write(
        dir.path(),
        "long.carel",
        format!("{VOCABULARY}condition long \"{label}\" %\n"),
    );
    let out = check("3 MB line, error at its end", &file);
    assert_eq!(out.code, 1);
    assert!(
        out.stdout
            .contains("error[E001]: expected a quoted text, a new item"),
        "{}",
        &out.stdout[..out.stdout.len().min(2000)]
    );
    assert!(
        out.stdout
            .contains(&format!("long.carel:4:{}", 3_000_000 + 19))
    );
    assert!(
        out.stdout
            .contains("only the part around the problem is shown")
    );
    // The report shows the stretch around the error, not the whole line.
    assert!(out.stdout.len() < 5_000, "{} bytes", out.stdout.len());
}

#[test]
fn multi_megabyte_line_of_rules() {
    let dir = tempfile::tempdir().unwrap();
    // 20 000 declarations and rules on one line, each exercise avoided by its own rule.
    let n = 20_000;
    let mut line = String::from("condition sciatica source guide \"Guide\" ");
    for i in 0..n {
        line.push_str(&format!(
            "exercise hamstring_stretch_{i} \"Hamstring stretch {i}\" \
             rule no_hamstring_stretch_{i}: if sciatica then avoid hamstring_stretch_{i} cite guide "
        ));
    }
    assert!(line.len() > 2_000_000, "{}", line.len());
    let file = write(dir.path(), "oneline.carel", format!("{line}\n"));
    let out = check("2 MB line of 20k rules", &file);
    assert_eq!((out.code, out.stdout.as_str()), (0, "no problems found\n"));
}

#[test]
fn many_diagnostics_on_one_long_line() {
    let dir = tempfile::tempdir().unwrap();
    // 20 000 unused exercises on one 300 kB line: one warning each, none printing the line.
    let line: String = (0..20_000).map(|i| format!("exercise e{i} ")).collect();
    let file = write(dir.path(), "unused.carel", format!("{line}\n"));
    let out = check("20k warnings on one line", &file);
    assert_eq!(out.code, 0);
    assert!(out.stdout.ends_with("0 errors, 20000 warnings\n"));
    assert!(
        out.stdout
            .contains("warning[W001]: exercise `e19999` is declared but no rule advises it")
    );
    assert!(
        out.stdout.len() < 20_000 * 1_000,
        "{} bytes",
        out.stdout.len()
    );
}

#[test]
fn multi_megabyte_identifier() {
    let dir = tempfile::tempdir().unwrap();
    let name = "a".repeat(3_000_000);
    let file = write(
        dir.path(),
        "longname.carel",
        format!("{VOCABULARY}condition {name}\nif {name}b then avoid walking cite guide\n"),
    );
    let (out, json) = check_json("3 MB identifier, misspelt", &file);
    assert_eq!(out.code, 1);
    let e = with_code(&json, "E002");
    assert_eq!(e.len(), 1);
    assert_eq!(e[0]["message"], format!("`{name}b` is not declared"));
    // No did-you-mean on names this long, so no quadratic comparison either.
    assert_eq!(
        e[0]["help"],
        "declare it, e.g. `condition ".to_string() + &name + "b \"…\"`"
    );

    let file = write(
        dir.path(),
        "capital.carel",
        format!("{VOCABULARY}condition A{name}\n"),
    );
    let (out, json) = check_json("3 MB identifier with a capital", &file);
    assert_eq!(out.code, 1);
    let e = with_code(&json, "E001");
    assert_eq!(e.len(), 1);
    assert_eq!(
        e[0]["label"],
        "names use lower-case letters, digits and `_`"
    );
}

#[test]
fn huge_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let big = "99999999999999999999";
    let digits = "9".repeat(100_000);
    let text = format!(
        "{VOCABULARY}measure age range 0..120\nmeasure pain range 0..{big}\n\
         if age >= {big} then avoid walking cite guide\n\
         if age in 1..{digits} then avoid walking cite guide\n\
         rule r: recommend walking {big} min every {big} h cite guide\n\
         test \"t\": given age = {big} expect nothing walking\n"
    );
    let file = write(dir.path(), "numbers.carel", text);
    let (out, json) = check_json("huge numbers", &file);
    assert_eq!(out.code, 1);
    let e = with_code(&json, "E007");
    let too_large: Vec<_> = e
        .iter()
        .filter(|d| d["message"] == format!("the number {big} is too large"))
        .collect();
    assert_eq!(too_large.len(), 5, "{:#}", json);
    assert!(
        e.iter()
            .any(|d| d["message"] == format!("the number {digits} is too large"))
    );
    assert_eq!(too_large[0]["line"].as_u64(), Some(5));
    assert_eq!(too_large[1]["line"].as_u64(), Some(6));
}

/// Every place a list of names can appear, 40 000 names long: duplicate checks and lookups
/// must stay linear.
#[test]
fn very_long_lists() {
    let dir = tempfile::tempdir().unwrap();
    let n = 40_000;
    let list = |prefix: &str| -> String {
        (0..n)
            .map(|i| format!("{prefix}{i}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let declare = |item: &str, prefix: &str, label: &str| -> String {
        (0..n)
            .map(|i| format!("{item} {prefix}{i}{label}\n"))
            .collect()
    };
    let cases = [
        (
            "targets",
            format!(
                "{VOCABULARY}{}if sciatica then avoid walking, {} cite guide\n",
                declare("exercise", "e", ""),
                list("e")
            ),
        ),
        (
            "exclusive members",
            format!(
                "{VOCABULARY}{}exclusive g: sciatica, {}\nif sciatica then avoid walking cite guide\n",
                declare("condition", "c", ""),
                list("c")
            ),
        ),
        (
            "parents",
            format!(
                "{VOCABULARY}{}exercise stretch in {}\nif sciatica then avoid walking, stretch cite guide\n",
                declare("category", "k", ""),
                list("k")
            ),
        ),
        (
            "cite",
            format!(
                "{VOCABULARY}{}if sciatica then avoid walking cite guide, {}\n",
                declare("source", "s", " \"S\""),
                list("s")
            ),
        ),
        (
            // Each rule recommends its own exercise; `top` avoids them all and overrides them
            // all: 40 000 contradictions, each resolved.
            "overrides",
            format!(
                "{VOCABULARY}{}rule top: avoid walking, {} cite guide overrides {}\n",
                (0..n)
                    .map(|i| {
                        format!(
                            "exercise e{i}\nrule r{i}: if sciatica then recommend e{i} cite guide\n"
                        )
                    })
                    .collect::<String>(),
                list("e"),
                list("r")
            ),
        ),
        (
            "given and expect",
            format!(
                "{VOCABULARY}{}{}if sciatica then avoid walking cite guide\n\
                 test \"t\": given {} expect avoid {}\n",
                declare("condition", "c", ""),
                declare("exercise", "e", ""),
                list("c"),
                list("e")
            ),
        ),
    ];
    for (what, text) in cases {
        let file = write(dir.path(), "lists.carel", text);
        let (out, json) = check_json(&format!("list of 40k {what}"), &file);
        assert_eq!(
            json["errors"],
            0,
            "{what}: {}",
            &out.stdout[..out.stdout.len().min(3000)]
        );
        assert_eq!(out.code, 0, "{what}");
    }
    // Repeated names in a long list: one E004 per repeat, pointing at the repeat.
    let text = format!(
        "{VOCABULARY}{}if sciatica then avoid {}, {} cite guide\n",
        declare("exercise", "e", ""),
        list("e"),
        list("e")
    );
    let file = write(dir.path(), "repeats.carel", text);
    let (out, json) = check_json("40k repeated targets", &file);
    assert_eq!(out.code, 1);
    let e = with_code(&json, "E004");
    assert_eq!(e.len(), n);
    assert_eq!(e[0]["message"], "`e0` is named twice");
}

#[test]
fn thousands_of_undefined_names_among_thousands_of_declarations() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::from("exercise walking\nsource guide \"Guide\"\n");
    for i in 0..10_000 {
        text.push_str(&format!("condition c{i}\n"));
    }
    for i in 0..10_000 {
        text.push_str(&format!("if d{i} then avoid walking cite guide\n"));
    }
    let file = write(dir.path(), "undefined.carel", text);
    let (out, json) = check_json("10k undefined among 10k declared", &file);
    assert_eq!(out.code, 1);
    assert_eq!(with_code(&json, "E002").len(), 10_000);
}

#[test]
fn thousands_of_files() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("rules");
    write(&root, "vocabulary.carel", VOCABULARY);
    for i in 0..3000 {
        write(
            &root,
            &format!("part{}/r{i:04}.carel", i % 30),
            format!("exercise e{i}\nif sciatica then avoid e{i} cite guide\n"),
        );
    }
    let out = check("3000 files", &root);
    assert_eq!(out.code, 0, "{}", out.all());
    // walking is never advised: the one warning, from the right file.
    assert!(
        out.stdout
            .contains("warning[W001]: exercise `walking` is declared but no rule advises it")
    );
    assert!(out.stdout.ends_with("0 errors, 1 warning\n"));
}

#[test]
fn oversized_and_endless_files_are_refused() {
    let out = carel("/dev/zero", &["check", "/dev/zero"]);
    assert_eq!(out.code, 2);
    assert_eq!(
        out.stderr,
        "error: cannot read `/dev/zero`: it is a device, not a ruleset file\n"
    );
}

// ---- bytes that are not text --------------------------------------------------------------------

#[test]
fn nul_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(
        dir.path(),
        "nul.carel",
        b"condition sciatica\nexercise walk\0ing\n",
    );
    let (out, json) = check_json("NUL byte", &file);
    assert_eq!(out.code, 1);
    let e = with_code(&json, "E001");
    assert!(
        e[0]["message"]
            .as_str()
            .unwrap()
            .ends_with("found the control character U+0000"),
        "{}",
        e[0]["message"]
    );
    assert_eq!(
        (e[0]["line"].as_u64(), e[0]["column"].as_u64()),
        (Some(2), Some(14))
    );
    // In the human report the NUL is not printed raw in the message.
    let out = check("NUL byte, human", &file);
    let first = out.stdout.lines().next().unwrap();
    assert!(!first.contains('\0'), "{first:?}");
}

#[test]
fn invalid_utf8() {
    let dir = tempfile::tempdir().unwrap();
    let cases: [(&str, &[u8], usize); 4] = [
        ("latin1.carel", b"condition sciatica \"Ischias \xe9\"\n", 28),
        ("after_bom.carel", b"\xef\xbb\xbf\xff", 3),
        ("cut_short.carel", b"condition a \"\xe2\x82", 13),
        ("overlong.carel", b"condition \xc0\xaf\n", 10),
    ];
    for (name, bytes, offset) in cases {
        let file = write(dir.path(), name, bytes);
        let (out, json) = check_json(name, &file);
        assert_eq!(out.code, 1, "{name}");
        let e = with_code(&json, "E001");
        assert_eq!(e.len(), 1, "{name}: {}", out.stdout);
        assert_eq!(
            e[0]["message"],
            format!(
                "`{}` is not valid UTF-8 text (invalid byte at offset {offset})",
                file.display()
            ),
            "{name}"
        );
    }
    // In a folder, the other files are still read.
    let root = dir.path().join("folder");
    write(&root, "a.carel", VOCABULARY);
    write(&root, "b.carel", b"exercise \xff\n");
    let (out, json) = check_json("invalid UTF-8 in a folder", &root);
    assert_eq!(out.code, 1);
    assert_eq!(json["errors"], 1);
}

#[test]
fn lone_bom_and_empty_files() {
    let dir = tempfile::tempdir().unwrap();
    for (name, bytes) in [
        ("bom.carel", &b"\xef\xbb\xbf"[..]),
        ("empty.carel", b""),
        ("blank.carel", b"\r\n  \n\t\n"),
        ("comment.carel", b"# rules go here\n"),
    ] {
        let file = write(dir.path(), name, bytes);
        let out = check(name, &file);
        assert_eq!(out.code, 1, "{name}");
        assert!(
            out.stdout.starts_with(&format!(
                "error[E001]: the ruleset is empty: `{}` has no declaration or rule",
                file.display()
            )),
            "{name}: {}",
            out.stdout
        );
    }
    // One empty file beside real ones is fine.
    let root = dir.path().join("folder");
    write(&root, "a.carel", "");
    write(
        &root,
        "b.carel",
        format!("{VOCABULARY}if sciatica then avoid walking cite guide\n"),
    );
    let out = check("empty file in a folder", &root);
    assert_eq!((out.code, out.stdout.as_str()), (0, "no problems found\n"));
}

#[test]
fn crlf_line_endings() {
    let dir = tempfile::tempdir().unwrap();
    let text = "condition sciatica\r\nexercise walking\r\nsource guide \"Guide\"\r\n\
                if sciatica then avoid walkng cite guide\r\n";
    let file = write(dir.path(), "crlf.carel", text);
    let (out, json) = check_json("CRLF", &file);
    assert_eq!(out.code, 1);
    let e = with_code(&json, "E002");
    assert_eq!(
        (e[0]["line"].as_u64(), e[0]["column"].as_u64()),
        (Some(4), Some(24))
    );
    assert_eq!(
        (e[0]["end_line"].as_u64(), e[0]["end_column"].as_u64()),
        (Some(4), Some(30))
    );
    assert_eq!(e[0]["help"], "did you mean `walking`?");
    let fixed = write(dir.path(), "fixed.carel", text.replace("walkng", "walking"));
    let out = check("CRLF, fixed", &fixed);
    assert_eq!((out.code, out.stdout.as_str()), (0, "no problems found\n"));
    // No stray carriage return is printed inside the human report.
    let out = check("CRLF, human", &file);
    assert!(!out.stdout.contains('\r'), "{:?}", out.stdout);
}

#[test]
fn unterminated_strings() {
    let dir = tempfile::tempdir().unwrap();
    for (name, text, line) in [
        (
            "eol.carel",
            "condition sciatica \"Sciatica\nexercise walking\n",
            1,
        ),
        (
            "eof.carel",
            "condition sciatica\nexercise walking \"Walk",
            2,
        ),
        ("escape.carel", "condition sciatica \"ends in \\\"\n", 1),
        ("backslash.carel", "condition sciatica \"\\", 1),
    ] {
        let file = write(dir.path(), name, text);
        let (out, json) = check_json(name, &file);
        assert_eq!(out.code, 1, "{name}");
        let e = with_code(&json, "E001");
        assert_eq!(e[0]["message"], "this text is never closed", "{name}");
        assert_eq!(e[0]["line"].as_u64(), Some(line), "{name}");
    }
}

// ---- cut short ----------------------------------------------------------------------------------

const SMALL: &str = "ruleset back \"Back pain\" version \"1.0\"\n\
condition sciatica \"Sciatica\"\nfactor acute\nfactor chronic\n\
exclusive stage: acute, chronic\nmeasure age unit \"years\" range 0..120\n\
category stretching\nexercise hamstring_stretch \"Hamstring stretch\" in stretching\n\
exercise walking\nsource guide \"Guide\" url \"https://example.org\"\n\
rule walk: if acute and not (age >= 80) unless sciatica then recommend walking 10..20 min every 3 h\n\
  because \"Keep \\\"moving\\\".\" cite guide evidence low strength conditional reviewed 2026-03-01\n\
if sciatica or age in 70..120 then avoid stretching cite guide\n\
test \"acute walks\": given acute, age = 45 expect recommend walking expect nothing hamstring_stretch\n";

/// The ruleset cut at every byte: each prefix is checked, and the report agrees with the status.
#[test]
fn ruleset_cut_at_every_byte() {
    let dir = tempfile::tempdir().unwrap();
    let full = write(dir.path(), "full.carel", SMALL);
    let (out, _) = check_json("the whole small ruleset", &full);
    assert_eq!(out.code, 0, "{}", out.stdout);
    let bytes = SMALL.as_bytes();
    let mut failing = 0;
    for cut in 0..bytes.len() {
        let file = write(dir.path(), "cut.carel", &bytes[..cut]);
        let (out, json) = check_json(&format!("cut at byte {cut}"), &file);
        let errors = json["errors"].as_u64().unwrap();
        assert_eq!(out.code == 1, errors > 0, "cut at {cut}: {}", out.stdout);
        assert!(out.code != 2, "cut at {cut}: {}", out.stderr);
        for d in json["diagnostics"].as_array().unwrap() {
            assert!(d["line"].as_u64().unwrap() >= 1 && d["column"].as_u64().unwrap() >= 1);
            assert!(!d["message"].as_str().unwrap().is_empty());
        }
        failing += usize::from(errors > 0);
    }
    // Most cuts break the ruleset; a cut right after an item leaves a valid one.
    assert!(
        failing > bytes.len() / 2,
        "{failing} of {} cuts failed",
        bytes.len()
    );
    assert!(failing < bytes.len(), "some cuts end on an item boundary");
}

// ---- files and folders --------------------------------------------------------------------------

#[test]
fn empty_folders() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("rules");
    fs::create_dir_all(root.join("sub/deeper")).unwrap();
    let out = check("empty folder", &root);
    assert_eq!(out.code, 2);
    assert_eq!(
        out.stderr,
        format!(
            "error: `{}` contains no `.carel` files: a ruleset folder needs at least one\n",
            root.display()
        )
    );
}

#[test]
fn files_that_are_not_carel_are_ignored() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("rules");
    write(
        &root,
        "README.md",
        "# if this were read it would be a syntax error\n",
    );
    write(&root, "rules.carel.bak", "condition sciatica\n");
    write(&root, "image.png", b"\x89PNG\r\n\x1a\n\0\0\xff");
    write(&root, ".carel", "not a ruleset");
    write(&root, "notes.CAREL", "exercise walking\n");
    let out = check("only non-carel files", &root);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("contains no `.carel` files"),
        "{}",
        out.stderr
    );

    write(
        &root,
        "back.carel",
        format!("{VOCABULARY}if sciatica then avoid walking cite guide\n"),
    );
    let out = check("non-carel files beside a ruleset", &root);
    assert_eq!((out.code, out.stdout.as_str()), (0, "no problems found\n"));
}

#[test]
fn a_folder_named_like_a_file_and_a_file_used_as_a_folder() {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("rules.carel");
    write(
        &folder,
        "back.carel",
        format!("{VOCABULARY}if sciatica then avoid walking cite guide\n"),
    );
    let out = check("folder named x.carel", &folder);
    assert_eq!((out.code, out.stdout.as_str()), (0, "no problems found\n"));

    let file = folder.join("back.carel");
    let out = carel(
        "file used as a folder",
        &["check", &format!("{}/", file.display())],
    );
    assert_eq!(out.code, 2);
    assert_eq!(
        out.stderr,
        format!(
            "error: cannot read `{}/`: part of the path is a file, not a folder\n",
            file.display()
        )
    );
    let out = carel(
        "missing path",
        &["check", &format!("{}/nope.carel", dir.path().display())],
    );
    assert_eq!(out.code, 2);
    assert!(
        out.stderr
            .ends_with("nope.carel`: no such file or folder\n"),
        "{}",
        out.stderr
    );
    let out = carel("empty path", &["check", ""]);
    assert_eq!(out.code, 2);
    assert_eq!(
        out.stderr,
        "error: cannot read ``: no such file or folder\n"
    );
}

#[cfg(unix)]
#[test]
fn symlink_loops() {
    use std::os::unix::fs::symlink;
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("rules");
    write(
        &root,
        "back.carel",
        format!("{VOCABULARY}if sciatica then avoid walking cite guide\n"),
    );
    symlink(".", root.join("self")).unwrap();
    symlink("..", root.join("parent")).unwrap();
    fs::create_dir_all(root.join("a/b")).unwrap();
    symlink("../..", root.join("a/b/up")).unwrap();
    symlink(root.join("back.carel"), root.join("alias.carel")).unwrap();
    symlink("loop2.carel", root.join("loop1.carel")).unwrap();
    symlink("loop1.carel", root.join("loop2.carel")).unwrap();
    // Each file is read once: no duplicate definitions from the links.
    let out = check("symlink loops", &root);
    assert_eq!((out.code, out.stdout.as_str()), (0, "no problems found\n"));

    let out = check("a loop of links as the path", &root.join("loop1.carel"));
    assert_eq!(out.code, 2);
    assert!(
        out.stderr
            .ends_with("loop1.carel`: the path is a loop of symbolic links\n"),
        "{}",
        out.stderr
    );
}

#[cfg(unix)]
#[test]
fn symlinks_out_of_the_folder_are_not_followed() {
    use std::os::unix::fs::symlink;
    let dir = tempfile::tempdir().unwrap();
    let outside = dir.path().join("outside");
    // Read, these would be errors: a duplicate and a syntax error.
    write(
        &outside,
        "dup.carel",
        "condition sciatica\nthis is not carel\n",
    );
    let root = dir.path().join("rules");
    write(
        &root,
        "back.carel",
        format!("{VOCABULARY}if sciatica then avoid walking cite guide\n"),
    );
    symlink(outside.join("dup.carel"), root.join("linked.carel")).unwrap();
    symlink(&outside, root.join("linked_folder")).unwrap();
    symlink("/etc/passwd", root.join("passwd.carel")).unwrap();
    let out = check("links pointing outside", &root);
    assert_eq!((out.code, out.stdout.as_str()), (0, "no problems found\n"));
}

#[cfg(unix)]
#[test]
fn unreadable_files_and_folders() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("rules");
    write(&root, "a.carel", VOCABULARY);
    let locked = write(&root, "locked.carel", "exercise hidden\n");
    fs::set_permissions(&locked, fs::Permissions::from_mode(0o000)).unwrap();
    let sub = root.join("closed");
    write(&sub, "c.carel", "exercise inside\n");
    fs::set_permissions(&sub, fs::Permissions::from_mode(0o000)).unwrap();
    // Permissions do not bind the superuser (tests often run as root in containers): then
    // the files are read like any other, which is what this checks instead.
    let enforced = fs::read(&locked).is_err();
    let out = check("unreadable file and folder", &root);
    if enforced {
        assert_eq!(out.code, 2);
        assert!(
            out.stderr.starts_with("error: cannot read")
                && out.stderr.ends_with(": permission denied\n"),
            "{}",
            out.stderr
        );
        let out = check("unreadable file named directly", &locked);
        assert_eq!(out.code, 2);
        assert_eq!(
            out.stderr,
            format!(
                "error: cannot read `{}`: permission denied\n",
                locked.display()
            )
        );
    } else {
        eprintln!("[note] running as the superuser: permissions are not enforced");
        assert_eq!(out.code, 0, "{}", out.all());
        assert!(out.stdout.contains("exercise `hidden` is declared"));
        assert!(out.stdout.contains("exercise `inside` is declared"));
    }
    // Let the temporary folder be removed.
    fs::set_permissions(&sub, fs::Permissions::from_mode(0o755)).unwrap();
    fs::set_permissions(&locked, fs::Permissions::from_mode(0o644)).unwrap();
}

#[cfg(unix)]
#[test]
fn non_regular_files_in_a_folder_are_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("rules");
    write(
        &root,
        "back.carel",
        format!("{VOCABULARY}if sciatica then avoid walking cite guide\n"),
    );
    // A named pipe would block a reader forever; it holds no rules.
    let fifo = root.join("pipe.carel");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .is_ok_and(|s| s.success());
    if !made {
        eprintln!("[note] mkfifo is not available; skipping the named pipe");
    }
    let out = check("named pipe in a folder", &root);
    assert_eq!((out.code, out.stdout.as_str()), (0, "no problems found\n"));
}

#[test]
fn bad_arguments() {
    let out = carel("no subcommand", &[]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("Usage:"), "{}", out.stderr);
    let out = carel("unknown format", &["check", "--format", "xml", "x.carel"]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("invalid value 'xml'"), "{}", out.stderr);
    let long = "x".repeat(100_000);
    let out = carel("100 kB path", &["check", &long]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.starts_with("error: cannot read `xxx"),
        "{}",
        &out.stderr[..100]
    );
}

// ---- the other commands on hostile input ---------------------------------------------------------

/// A clean ruleset of `n` rules, each on its own exercise, with tests; its bundle is large.
fn big_ruleset(n: usize) -> String {
    let mut text = String::from(VOCABULARY);
    for i in 0..n {
        text.push_str(&format!(
            "exercise stretch_{i} \"Stretch number {i}\"\n\
             rule avoid_stretch_{i}: if sciatica then avoid stretch_{i}\n  \
             because \"Stretch {i} can irritate the sciatic nerve.\" cite guide\n"
        ));
    }
    text.push_str("rule walk: recommend walking 30 min per day cite guide\n");
    text.push_str(
        "test \"sciatica\": given sciatica expect avoid stretch_0 expect recommend walking\n",
    );
    text
}

#[test]
fn fmt_on_hostile_input() {
    let dir = tempfile::tempdir().unwrap();
    // Refused inputs are left exactly as they were.
    let nots = "not ".repeat(100_000);
    for (name, bytes) in [
        ("nul.carel", b"condition a\0b\n".to_vec()),
        ("unterminated.carel", b"condition a \"open\n".to_vec()),
        (
            "deep.carel",
            format!(
                "{VOCABULARY}if {}sciatica{} then avoid walking\n",
                "(".repeat(100_000),
                ")".repeat(100_000)
            )
            .into_bytes(),
        ),
        ("latin1.carel", b"condition a \"\xe9\"\n".to_vec()),
    ] {
        let file = write(dir.path(), name, &bytes);
        let out = carel(&format!("fmt {name}"), &["fmt", &file.to_string_lossy()]);
        assert_eq!(out.code, 1, "{name}: {}", out.all());
        assert!(out.stderr.contains("error["), "{name}: {}", out.stderr);
        assert_eq!(fs::read(&file).unwrap(), bytes, "{name} was changed");
    }
    // 100 000 `not`s format (to none at all: an even number cancels out), and formatting again
    // changes nothing.
    let file = write(
        dir.path(),
        "nots.carel",
        format!("{VOCABULARY}if {nots}sciatica then avoid walking cite guide\n"),
    );
    let out = carel("fmt 100k nots", &["fmt", &file.to_string_lossy()]);
    assert_eq!(out.code, 0, "{}", out.all());
    let formatted = fs::read_to_string(&file).unwrap();
    assert!(formatted.len() < 1000, "{}", formatted.len());
    let out = carel(
        "fmt --check after fmt",
        &["fmt", "--check", &file.to_string_lossy()],
    );
    assert_eq!(out.code, 0, "{}", out.all());
    // A lone BOM or an empty file: nothing to lay out, nothing lost.
    let file = write(dir.path(), "bom.carel", b"\xef\xbb\xbf");
    let out = carel("fmt lone BOM", &["fmt", &file.to_string_lossy()]);
    assert!(out.code <= 1, "{}", out.all());
}

#[test]
fn eval_with_hostile_given() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(
        dir.path(),
        "m.carel",
        format!(
            "{VOCABULARY}measure age range 0..120\nif sciatica or age >= 65 then avoid walking cite guide\n"
        ),
    );
    let path = file.to_string_lossy().into_owned();
    for (given, code, message) in [
        (
            "age=1e999",
            2,
            "error: --given: `age=1e999`: the value must be a number, like `45` or `2.5`\n",
        ),
        (
            "age=NaN",
            2,
            "error: --given: `age=NaN`: the value must be a number, like `45` or `2.5`\n",
        ),
        (
            "age=121",
            2,
            "error: --given: `age=121` is outside the range of `age`: 0..120\n",
        ),
        (
            "age=99999999999999999999",
            2,
            "error: --given: `age=99999999999999999999` is outside the range of `age`: 0..120\n",
        ),
        (
            "age=65,age=3",
            2,
            "error: --given: `age` is given twice with different values (65 and 3)\n",
        ),
        (
            "sciatica=1",
            2,
            "error: --given: `sciatica` is a yes/no fact, not a measure: list it without a value (`sciatica`)\n",
        ),
        (
            "\u{1b}[2J",
            2,
            "error: --given: unknown fact or measure `\u{1b}[2J`: the ruleset declares no condition, factor or measure of that name\n",
        ),
        (",,,", 0, ""),
    ] {
        let out = carel(
            &format!("eval --given {given:?}"),
            &["eval", &path, "--given", given],
        );
        assert_eq!(
            (out.code, out.stderr.as_str()),
            (code, message),
            "{given:?}"
        );
    }
    // A 100 kB --given list of one fact, repeated.
    let many = vec!["sciatica"; 10_000].join(",");
    let out = carel("eval --given 10k facts", &["eval", &path, "--given", &many]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.contains("avoid"), "{}", out.stdout);
}

#[test]
fn eval_with_hostile_bundles() {
    let dir = tempfile::tempdir().unwrap();
    let source = write(dir.path(), "small.carel", SMALL);
    let bundle = dir.path().join("small.json");
    let out = carel(
        "build the small bundle",
        &[
            "build",
            &source.to_string_lossy(),
            "-o",
            &bundle.to_string_lossy(),
        ],
    );
    assert_eq!(out.code, 0, "{}", out.all());
    let good = fs::read(&bundle).unwrap();
    // Cut anywhere, a bundle is refused as unusable (exit 2), never half-read.
    let cut_file = dir.path().join("cut.json");
    let cut_path = cut_file.to_string_lossy().into_owned();
    let step = (good.len() / 150).max(1);
    for cut in (0..good.len()).step_by(step) {
        fs::write(&cut_file, &good[..cut]).unwrap();
        let out = carel(
            &format!("bundle cut at {cut}"),
            &["eval", &cut_path, "--given", "acute"],
        );
        assert_eq!(out.code, 2, "cut at {cut}: {}", out.all());
        assert!(
            out.stderr
                .starts_with(&format!("error: `{cut_path}` is not a usable bundle: ")),
            "cut at {cut}: {}",
            out.stderr
        );
    }
    // One changed byte in the rules is caught by the digest.
    let tampered =
        String::from_utf8(good.clone())
            .unwrap()
            .replacen("\"avoid\"", "\"consider\"", 1);
    fs::write(&cut_file, tampered).unwrap();
    let out = carel("tampered bundle", &["eval", &cut_path]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("digest does not match"),
        "{}",
        out.stderr
    );
    // Deep nesting, not text, not JSON, endless.
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    for (name, bytes, reason) in [
        ("deep.json", deep.into_bytes(), "nests deeper than"),
        (
            "latin1.json",
            b"{\"format\": \"\xe9\"}".to_vec(),
            "not UTF-8 text (invalid byte at offset 12)",
        ),
        ("empty.json", Vec::new(), "not valid JSON"),
        (
            "numbers.json",
            b"{\"format\": 1e999}".to_vec(),
            "number out of range",
        ),
    ] {
        let file = write(dir.path(), name, &bytes);
        let out = carel(name, &["eval", &file.to_string_lossy()]);
        assert_eq!(out.code, 2, "{name}: {}", out.all());
        assert!(out.stderr.contains(reason), "{name}: {}", out.stderr);
    }
    #[cfg(unix)]
    {
        let zero = dir.path().join("zero.json");
        std::os::unix::fs::symlink("/dev/zero", &zero).unwrap();
        let out = carel("/dev/zero as a bundle", &["eval", &zero.to_string_lossy()]);
        assert_eq!(out.code, 2);
        assert!(
            out.stderr.ends_with("it is a device, not a bundle\n"),
            "{}",
            out.stderr
        );
    }
}

#[test]
fn test_and_graph_on_large_rulesets() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = big_ruleset(2_000);
    for i in 0..2_000 {
        text.push_str(&format!(
            "test \"t{i}\": given sciatica expect avoid stretch_{i}\n"
        ));
    }
    let file = write(dir.path(), "big.carel", text);
    let path = file.to_string_lossy().into_owned();
    let out = carel("test: 2000 tests of 2000 rules", &["test", &path]);
    assert_eq!(out.code, 0, "{}", &out.all()[..out.all().len().min(2000)]);
    assert!(
        out.stdout.ends_with("2001 passed, 0 failed\n"),
        "{}",
        &out.stdout[out.stdout.len().saturating_sub(200)..]
    );
    let out = carel("graph: 2000 rules", &["graph", &path, "--format", "json"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let graph: Value = serde_json::from_str(&out.stdout).unwrap();
    assert!(graph.is_object());
}

// ---- output safety -------------------------------------------------------------------------------

/// Files in a folder, by name: what a command left behind.
fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn a_failed_build_leaves_the_output_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("out");
    let target = write(&out_dir, "bundle.json", "the previous bundle\n");
    let before = fs::metadata(&target).unwrap().modified().unwrap();
    let target_path = target.to_string_lossy().into_owned();
    let broken = write(
        dir.path(),
        "broken.carel",
        format!("{VOCABULARY}if sciatca then avoid walking\n"),
    );
    let out = carel(
        "build with errors -o FILE",
        &["build", &broken.to_string_lossy(), "-o", &target_path],
    );
    assert_eq!(out.code, 1);
    assert!(
        out.stderr
            .contains("error[E002]: `sciatca` is not declared"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.ends_with(&format!(
            "error: no bundle written; `{target_path}` is left as it was\n"
        )),
        "{}",
        out.stderr
    );
    let missing = dir.path().join("missing.carel");
    let out = carel(
        "build of a missing path -o FILE",
        &["build", &missing.to_string_lossy(), "-o", &target_path],
    );
    assert_eq!(out.code, 2);
    let contradiction = write(
        dir.path(),
        "clash.carel",
        format!(
            "{VOCABULARY}if sciatica then avoid walking cite guide\nrule walk: recommend walking cite guide\n"
        ),
    );
    let out = carel(
        "build with a contradiction -o FILE",
        &[
            "build",
            &contradiction.to_string_lossy(),
            "-o",
            &target_path,
        ],
    );
    assert_eq!(out.code, 1);
    assert!(out.stderr.contains("error[E010]"), "{}", out.stderr);
    // Nothing changed, nothing left behind.
    assert_eq!(
        fs::read_to_string(&target).unwrap(),
        "the previous bundle\n"
    );
    assert_eq!(fs::metadata(&target).unwrap().modified().unwrap(), before);
    assert_eq!(listing(&out_dir), ["bundle.json"]);
}

#[test]
fn build_output_to_a_folder_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let source = write(dir.path(), "small.carel", SMALL);
    let folder = dir.path().join("bundles");
    write(&folder, "keep.txt", "keep");
    let out = carel(
        "build -o FOLDER",
        &[
            "build",
            &source.to_string_lossy(),
            "-o",
            &folder.to_string_lossy(),
        ],
    );
    assert_eq!(out.code, 2);
    assert_eq!(
        out.stderr,
        format!(
            "error: cannot write the bundle to `{}`: it is a folder; name a file instead\n",
            folder.display()
        )
    );
    assert_eq!(listing(&folder), ["keep.txt"]);
    let out = carel(
        "build -o missing/folder/file",
        &[
            "build",
            &source.to_string_lossy(),
            "-o",
            &folder.join("no/such.json").to_string_lossy(),
        ],
    );
    assert_eq!(out.code, 2);
    assert!(
        out.stderr
            .ends_with("no/such.json`: no such file or folder\n"),
        "{}",
        out.stderr
    );
}

#[cfg(unix)]
#[test]
fn a_successful_build_replaces_the_file_in_one_step() {
    use std::os::unix::fs::{FileTypeExt, PermissionsExt, symlink};
    let dir = tempfile::tempdir().unwrap();
    let source = write(dir.path(), "small.carel", SMALL);
    let source = source.to_string_lossy().into_owned();
    let out_dir = dir.path().join("out");
    // The permissions of the file replaced are kept.
    let target = write(&out_dir, "bundle.json", "old");
    fs::set_permissions(&target, fs::Permissions::from_mode(0o640)).unwrap();
    let out = carel(
        "build -o existing file",
        &["build", &source, "-o", &target.to_string_lossy()],
    );
    assert_eq!(out.code, 0, "{}", out.all());
    let bundle = fs::read_to_string(&target).unwrap();
    assert!(
        bundle.starts_with("{\n  \"format\": \"carel.bundle\""),
        "{bundle}"
    );
    assert_eq!(
        fs::metadata(&target).unwrap().permissions().mode() & 0o777,
        0o640
    );
    // A new file gets the permissions any new file gets, not the temporary file's 0600.
    let fresh = out_dir.join("fresh.json");
    let reference = write(&out_dir, "reference.txt", "");
    let out = carel(
        "build -o new file",
        &["build", &source, "-o", &fresh.to_string_lossy()],
    );
    assert_eq!(out.code, 0);
    assert_eq!(
        fs::metadata(&fresh).unwrap().permissions().mode() & 0o777,
        fs::metadata(&reference).unwrap().permissions().mode() & 0o777,
    );
    // Through a symbolic link, the file it points to is updated and the link stays a link.
    let link = out_dir.join("current.json");
    symlink("bundle.json", &link).unwrap();
    fs::write(&target, "old again").unwrap();
    let out = carel(
        "build -o link",
        &["build", &source, "-o", &link.to_string_lossy()],
    );
    assert_eq!(out.code, 0);
    assert!(
        fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert_eq!(fs::read_to_string(&target).unwrap(), bundle);
    assert_eq!(
        listing(&out_dir),
        ["bundle.json", "current.json", "fresh.json", "reference.txt"]
    );
    // A device is written to, not replaced.
    let out = carel("build -o /dev/null", &["build", &source, "-o", "/dev/null"]);
    assert_eq!(out.code, 0, "{}", out.all());
    assert!(
        fs::metadata("/dev/null")
            .unwrap()
            .file_type()
            .is_char_device()
    );
}

/// While builds run, a reader of the output file only ever sees the old bundle or the whole
/// new one; a build killed part-way leaves one of the two, never a truncated file.
#[cfg(unix)]
#[test]
fn an_interrupted_build_never_leaves_a_truncated_file() {
    let dir = tempfile::tempdir().unwrap();
    let source = write(dir.path(), "big.carel", big_ruleset(3_000));
    let source = source.to_string_lossy().into_owned();
    let reference = dir.path().join("reference.json");
    let start = Instant::now();
    let out = carel(
        "build the reference bundle",
        &["build", &source, "-o", &reference.to_string_lossy()],
    );
    let build_time = start.elapsed();
    assert_eq!(out.code, 0, "{}", out.all());
    let new = fs::read(&reference).unwrap();
    assert!(new.len() > 1_000_000, "{} bytes", new.len());
    let old = b"the previous bundle\n".to_vec();
    let target = dir.path().join("out").join("bundle.json");
    fs::create_dir_all(target.parent().unwrap()).unwrap();
    let bin = assert_cmd::cargo::cargo_bin("carel");
    let mut seen_new = false;
    let rounds = 12u32;
    for round in 0..rounds {
        fs::write(&target, &old).unwrap();
        let mut child = std::process::Command::new(&bin)
            .args(["build", &source, "-o", &target.to_string_lossy()])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        // Read the file again and again while the build runs, then kill it at a point that
        // moves later each round, from at once to a build's usual time; the last round lets
        // the build finish.
        let last = round == rounds - 1;
        let deadline = Instant::now() + build_time * round / (rounds - 1);
        while last || Instant::now() < deadline {
            let seen = fs::read(&target).unwrap();
            assert!(
                seen == old || seen == new,
                "round {round}: a {}-byte file",
                seen.len()
            );
            if child.try_wait().unwrap().is_some() {
                break;
            }
            std::thread::sleep(Duration::from_millis(2));
        }
        let _ = child.kill();
        let _ = child.wait();
        let after = fs::read(&target).unwrap();
        assert!(
            after == old || after == new,
            "round {round}: left a {}-byte file",
            after.len()
        );
        seen_new |= after == new;
    }
    assert!(seen_new, "the last build did not write the new bundle");
}

/// Run `carel ARGS` with stdout into a pipe that is closed after `keep` bytes.
fn into_closed_pipe(args: &[&str], keep: usize) -> (i32, String) {
    use std::io::Read;
    let bin = assert_cmd::cargo::cargo_bin("carel");
    let mut child = std::process::Command::new(bin)
        .args(args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut head = vec![0; keep];
    let mut stdout = child.stdout.take().unwrap();
    let _ = stdout.read_exact(&mut head);
    drop(stdout);
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    let status = child.wait().unwrap();
    let code = status
        .code()
        .unwrap_or_else(|| panic!("{args:?}: killed by a signal ({status})"));
    (code, stderr)
}

#[test]
fn writing_to_a_closed_pipe_exits_quietly() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "big.carel", big_ruleset(3_000));
    let path = file.to_string_lossy().into_owned();
    // 3 000 warnings, so that `check` has much to print.
    let unused: String = (0..3_000)
        .map(|i| format!("exercise unused_{i}\n"))
        .collect();
    let noisy = write(
        dir.path(),
        "noisy.carel",
        format!("{}{unused}", big_ruleset(10)),
    );
    let noisy = noisy.to_string_lossy().into_owned();
    for (args, code) in [
        (vec!["build", &path], 0),
        (vec!["check", "--format", "json", &noisy], 0),
        (vec!["check", "--format", "sarif", &noisy], 0),
        (vec!["check", &noisy], 0),
        (
            vec!["eval", &path, "--given", "sciatica", "--format", "json"],
            0,
        ),
        (vec!["eval", &path, "--given", "sciatica"], 0),
        (vec!["graph", &path], 0),
        (vec!["test", &path], 0),
        (vec!["explain", "E010"], 0),
    ] {
        let (status, stderr) = into_closed_pipe(&args, 10);
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        assert_eq!((status, stderr.as_str()), (code, ""), "{args:?}");
    }
    // The same through a shell, as people write it.
    if let Ok(out) = std::process::Command::new("bash")
        .arg("-c")
        .arg(r#""$0" build "$1" | head -c 10 > /dev/null; echo "${PIPESTATUS[0]}""#)
        .arg(assert_cmd::cargo::cargo_bin("carel"))
        .arg(&path)
        .output()
    {
        assert_eq!(String::from_utf8_lossy(&out.stdout), "0\n");
        assert_eq!(String::from_utf8_lossy(&out.stderr), "");
    }
    // A closed stderr is no panic either.
    let missing = dir.path().join("missing.carel");
    let out = std::process::Command::new("bash")
        .arg("-c")
        .arg(r#""$0" check "$1" 2>&1 | true; echo "${PIPESTATUS[0]}""#)
        .arg(assert_cmd::cargo::cargo_bin("carel"))
        .arg(&missing)
        .output();
    if let Ok(out) = out {
        assert_eq!(String::from_utf8_lossy(&out.stdout), "2\n");
    }
}

// ---- deep chains -------------------------------------------------------------------------------

/// Chains and cycles 20 000 long, of categories and of `overrides`: nothing may recurse once
/// per link (the stack) or keep every (category, exercise below it) pair (the memory).
#[test]
fn twenty_thousand_deep_chains_and_cycles() {
    let dir = tempfile::tempdir().unwrap();
    let n = 20_000;
    let chain: String = (1..n)
        .map(|i| format!("category k{i} in k{}\n", i - 1))
        .collect();
    let exercises: String = (0..5_000)
        .map(|j| format!("exercise x{j} in k{}\n", n - 1))
        .collect();
    let file = write(
        dir.path(),
        "categories.carel",
        format!(
            "{VOCABULARY}category k0\n{chain}{exercises}if sciatica then avoid walking, k0 cite guide\n"
        ),
    );
    let out = check("20k-deep category chain above 5k exercises", &file);
    assert_eq!((out.code, out.stdout.as_str()), (0, "no problems found\n"));

    let file = write(
        dir.path(),
        "category_cycle.carel",
        format!(
            "{VOCABULARY}category k0 in k{}\n{chain}exercise x in k0\nif sciatica then avoid walking, x cite guide\n",
            n - 1
        ),
    );
    let (out, json) = check_json("20k-long category cycle", &file);
    assert_eq!(out.code, 1);
    let e = with_code(&json, "E005");
    assert_eq!(e.len(), 1);
    assert!(
        e[0]["message"]
            .as_str()
            .unwrap()
            .starts_with("categories form a cycle: k0 → k19999 → k19998")
    );

    let rules: String = (0..n)
        .map(|i| {
            format!(
                "rule r{i}: if sciatica then recommend walking cite guide overrides r{}\n",
                i + 1
            )
        })
        .collect();
    let file = write(
        dir.path(),
        "overrides.carel",
        format!("{VOCABULARY}{rules}rule r{n}: if sciatica then avoid walking cite guide\n"),
    );
    let (out, json) = check_json("20k-long overrides chain", &file);
    assert_eq!(out.code, 0, "{}", &out.stdout[..out.stdout.len().min(2000)]);
    assert_eq!(json["errors"], 0);

    let file = write(
        dir.path(),
        "override_cycle.carel",
        format!(
            "{VOCABULARY}{}",
            (0..n)
                .map(|i| format!(
                    "rule r{i}: if sciatica then recommend walking cite guide overrides r{}\n",
                    (i + 1) % n
                ))
                .collect::<String>()
        ),
    );
    let (out, json) = check_json("20k-long overrides cycle", &file);
    assert_eq!(out.code, 1);
    let e = with_code(&json, "E006");
    assert_eq!(e.len(), 1, "{}", &out.stdout[..out.stdout.len().min(2000)]);
    assert!(
        e[0]["message"]
            .as_str()
            .unwrap()
            .starts_with("`overrides` form a cycle among 20000 rules"),
        "{}",
        e[0]["message"]
    );
}
