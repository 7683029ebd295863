//! Every console block of `docs/eval.md` is real output: the page's ruleset (its first `carel`
//! block) is saved as `back.carel`, and each `$ carel …` command must print exactly the lines
//! that follow it.

use assert_cmd::Command;

fn blocks<'a>(text: &'a str, fence: &str) -> Vec<&'a str> {
    let open = format!("```{fence}\n");
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find(&open) {
        let body = &rest[start + open.len()..];
        let end = body.find("\n```\n").map_or(body.len(), |e| e + 1);
        out.push(&body[..end]);
        rest = &body[end..];
    }
    out
}

#[test]
fn console_blocks_of_the_eval_page_are_real_output() {
    let page =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/eval.md")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let ruleset = blocks(&page, "carel")[0];
    std::fs::write(dir.path().join("back.carel"), ruleset).unwrap();
    let consoles = blocks(&page, "console");
    assert!(consoles.len() >= 3);
    for block in consoles {
        let (command, expected) = block.split_once('\n').unwrap();
        let args: Vec<&str> = command
            .strip_prefix("$ carel ")
            .expect("one carel command per block")
            .split_whitespace()
            .collect();
        let out = Command::cargo_bin("carel")
            .unwrap()
            .current_dir(dir.path())
            .args(&args)
            .output()
            .unwrap();
        assert_eq!(
            String::from_utf8(out.stdout).unwrap(),
            expected,
            "docs/eval.md: `{command}`"
        );
    }
}
