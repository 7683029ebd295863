//! Tests that need a program from outside Rust (Graphviz, a POSIX shell, …) run it when it is
//! installed and skip, saying why, when it is not — unless `CAREL_REQUIRE_TOOLS=1` is set (as
//! `.ci/run` does after installing them), in which case a missing program fails the test.

use std::process::{Command, Stdio};

/// Whether `program` can be started (`program ARG` exits, whatever its status). When it cannot,
/// prints the reason and returns false, or panics under `CAREL_REQUIRE_TOOLS=1`.
pub fn available(program: &str, arg: &str, test: &str) -> bool {
    let found = Command::new(program)
        .arg(arg)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok();
    if found {
        return true;
    }
    let required = std::env::var("CAREL_REQUIRE_TOOLS").is_ok_and(|v| v == "1");
    assert!(
        !required,
        "{test}: `{program}` is not installed, and CAREL_REQUIRE_TOOLS=1 requires it"
    );
    eprintln!(
        "skipping {test}: `{program}` is not installed (set CAREL_REQUIRE_TOOLS=1 to make this a failure)"
    );
    false
}
