//! Writing results: stdout that tolerates a closed pipe, colour that follows the terminal and
//! `NO_COLOR`, and files replaced atomically (temporary file in the same folder, then rename).

use std::fs;
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
///
/// The bytes go to a temporary file in the same folder, which is then renamed over the file.
/// A symbolic link is followed, so the link keeps pointing at the new file. Something that is
/// not a regular file — `/dev/null`, `/dev/stdout`, a named pipe — is written to directly:
/// renaming over it would replace the device or pipe itself.
pub fn write_atomic(path: &str, bytes: &[u8]) -> Result<(), String> {
    let cannot =
        |e: std::io::Error| format!("cannot write `{path}`: {}", super::load::describe(&e));
    let named = Path::new(path);
    let existing = fs::metadata(named).ok();
    match &existing {
        Some(m) if m.is_dir() => {
            return Err(format!(
                "cannot write `{path}`: it is a folder; name a file instead"
            ));
        }
        Some(m) if !m.is_file() => {
            let mut f = fs::OpenOptions::new()
                .write(true)
                .open(named)
                .map_err(cannot)?;
            return f.write_all(bytes).and_then(|()| f.flush()).map_err(cannot);
        }
        _ => {}
    }
    let is_link = fs::symlink_metadata(named).is_ok_and(|m| m.file_type().is_symlink());
    let target = match is_link.then(|| fs::canonicalize(named)) {
        Some(Ok(resolved)) => resolved,
        _ => named.to_path_buf(),
    };
    let folder = match target.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let mut builder = tempfile::Builder::new();
    builder.prefix(".carel-").suffix(".tmp");
    // A temporary file is private (0600); the file it becomes keeps the permissions of the
    // file it replaces, or gets the usual ones for a new file (0666 less the umask), so that
    // readers of the bundle can still read it.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(fs::Permissions::from_mode(0o666));
    }
    let mut tmp = builder.tempfile_in(folder).map_err(cannot)?;
    if let Some(m) = existing {
        fs::set_permissions(tmp.path(), m.permissions()).map_err(cannot)?;
    }
    tmp.write_all(bytes)
        .and_then(|()| tmp.as_file().sync_all())
        .map_err(cannot)?;
    tmp.persist(&target).map_err(|e| cannot(e.error))?;
    Ok(())
}
