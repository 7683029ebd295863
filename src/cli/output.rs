//! Writing results: stdout that tolerates a closed pipe, colour that follows the terminal and
//! `NO_COLOR`, and files replaced atomically (temporary file in the same folder, then rename).

use std::io::{self, IsTerminal, Write};
use std::path::Path;

use carel::diagnostic::{Diagnostic, render};
use carel::source::Sources;
use codespan_reporting::term::termcolor::{BufferedStandardStream, ColorChoice};

/// Whether to colour a stream: only on a terminal, and never when `NO_COLOR` is set.
fn colour(is_terminal: bool) -> ColorChoice {
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    if is_terminal && !no_color {
        ColorChoice::Auto
    } else {
        ColorChoice::Never
    }
}

/// Print diagnostics for people on stdout (`check`) or stderr (every other command).
pub fn diagnostics(sources: &Sources, diagnostics: &[Diagnostic], to_stderr: bool) {
    // Buffered: thousands of diagnostics would otherwise cost a write per line.
    let result = if to_stderr {
        let mut s = BufferedStandardStream::stderr(colour(io::stderr().is_terminal()));
        render::human(&mut s, sources, diagnostics).and_then(|()| s.flush())
    } else {
        let mut s = BufferedStandardStream::stdout(colour(io::stdout().is_terminal()));
        render::human(&mut s, sources, diagnostics).and_then(|()| s.flush())
    };
    // A closed pipe is not an error worth reporting; nothing else can fail here.
    let _ = result;
}

/// Write to stdout; a reader that went away (broken pipe) is not an error.
pub fn stdout(bytes: &[u8]) -> io::Result<()> {
    let mut out = io::stdout().lock();
    match out.write_all(bytes).and_then(|()| out.flush()) {
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        other => other,
    }
}

/// Replace `path` with `bytes` atomically: the old file is never truncated or half-written.
pub fn write_atomic(path: &str, bytes: &[u8]) -> Result<(), String> {
    let target = Path::new(path);
    if target.is_dir() {
        return Err(format!(
            "cannot write `{path}`: it is a folder; name a file instead"
        ));
    }
    let folder = match target.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let mut tmp = tempfile::Builder::new()
        .prefix(".carel-")
        .suffix(".tmp")
        .tempfile_in(folder)
        .map_err(|e| format!("cannot write `{path}`: {e}"))?;
    tmp.write_all(bytes)
        .and_then(|()| tmp.as_file().sync_all())
        .map_err(|e| format!("cannot write `{path}`: {e}"))?;
    tmp.persist(target)
        .map_err(|e| format!("cannot write `{path}`: {}", e.error))?;
    Ok(())
}
