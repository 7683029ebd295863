//! Writing results: stdout that tolerates a closed pipe, colour that follows `--color`, the
//! terminal, `NO_COLOR` and `CLICOLOR_FORCE`, and files replaced atomically (temporary file in
//! the same folder, then rename).

use std::fs;
use std::io::{self, IsTerminal, Write};
use std::path::Path;
use std::sync::OnceLock;

use carel::diagnostic::{Diagnostic, render};
use carel::source::Sources;
use codespan_reporting::term::termcolor::{
    BufferedStandardStream, Color, ColorChoice, ColorSpec, WriteColor,
};

/// `--color`: when to colour the output.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorWhen {
    /// On a terminal, unless `NO_COLOR` is set to a non-empty value; anywhere when
    /// `CLICOLOR_FORCE` is set to a value other than `0`.
    #[default]
    Auto,
    /// Always, even into a file or a pipe.
    Always,
    /// Never.
    Never,
}

static COLOR: OnceLock<ColorWhen> = OnceLock::new();

/// Record `--color` for the whole command.
pub fn set_color(when: ColorWhen) {
    let _ = COLOR.set(when);
}

fn env_set(name: &str) -> Option<std::ffi::OsString> {
    std::env::var_os(name).filter(|v| !v.is_empty())
}

/// Whether to colour a stream. `--color always|never` decides; otherwise (`auto`) a non-empty
/// `NO_COLOR` turns colour off (no-color.org), then a `CLICOLOR_FORCE` other than `0` turns it
/// on even off a terminal, and else a terminal gets colour.
pub fn colour(is_terminal: bool) -> ColorChoice {
    match COLOR.get().copied().unwrap_or_default() {
        ColorWhen::Always => ColorChoice::Always,
        ColorWhen::Never => ColorChoice::Never,
        ColorWhen::Auto => {
            if env_set("NO_COLOR").is_some() {
                ColorChoice::Never
            } else if env_set("CLICOLOR_FORCE").is_some_and(|v| v != "0") {
                ColorChoice::Always
            } else if is_terminal {
                ColorChoice::Auto
            } else {
                ColorChoice::Never
            }
        }
    }
}

/// A coloured part of a line of a report: a byte range of the line.
pub struct Paint {
    pub start: usize,
    pub end: usize,
    pub color: Color,
    pub bold: bool,
}

impl Paint {
    /// The first occurrence of `word` in `line` from `from` on, if any.
    pub fn word(line: &str, from: usize, word: &str, color: Color, bold: bool) -> Option<Paint> {
        let at = from + line.get(from..)?.find(word)?;
        Some(Paint {
            start: at,
            end: at + word.len(),
            color,
            bold,
        })
    }
}

/// Write a report to stdout, colouring the parts of each line the painter picks (when colour
/// is on). The text is the same with colour or without.
pub fn stdout_painted(text: &str, painter: impl Fn(&str) -> Vec<Paint>) -> io::Result<()> {
    let choice = colour(io::stdout().is_terminal());
    if choice == ColorChoice::Never {
        return stdout(text.as_bytes());
    }
    let mut out = BufferedStandardStream::stdout(choice);
    let result = (|| {
        for line in text.split_inclusive('\n') {
            let mut paints = painter(line);
            paints.sort_by_key(|p| p.start);
            let mut done = 0;
            for p in paints {
                if p.start < done
                    || p.end > line.len()
                    || !line.is_char_boundary(p.start)
                    || !line.is_char_boundary(p.end)
                {
                    continue;
                }
                out.write_all(&line.as_bytes()[done..p.start])?;
                out.set_color(ColorSpec::new().set_fg(Some(p.color)).set_bold(p.bold))?;
                out.write_all(&line.as_bytes()[p.start..p.end])?;
                out.reset()?;
                done = p.end;
            }
            out.write_all(&line.as_bytes()[done..])?;
        }
        out.flush()
    })();
    match result {
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        other => other,
    }
}

/// The colour of an action: the more protective, the stronger.
pub fn action_color(action: &str) -> Option<(Color, bool)> {
    Some(match action {
        "avoid" => (Color::Red, true),
        "refer" => (Color::Magenta, true),
        "caution" => (Color::Yellow, true),
        "recommend" => (Color::Green, false),
        "consider" => (Color::Cyan, false),
        _ => return None,
    })
}

/// Colour the action that starts a line of advice or of a trace (after its indentation).
pub fn paint_action(line: &str) -> Vec<Paint> {
    let indent = line.len() - line.trim_start().len();
    let word: String = line[indent..]
        .chars()
        .take_while(|c| c.is_ascii_alphabetic())
        .collect();
    match action_color(&word) {
        Some((color, bold)) => vec![Paint {
            start: indent,
            end: indent + word.len(),
            color,
            bold,
        }],
        None => Vec::new(),
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

/// Write to stdout through `write` (buffered); a reader that went away (broken pipe) is not
/// an error.
pub fn stdout_with(
    write: impl FnOnce(&mut io::BufWriter<io::Stdout>) -> io::Result<()>,
) -> io::Result<()> {
    let mut out = io::BufWriter::with_capacity(BUFFER, io::stdout());
    match write(&mut out).and_then(|()| out.flush()) {
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        other => other,
    }
}

/// Bytes gathered before a write to a file or stdout.
const BUFFER: usize = 1 << 20;

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
    write_atomic_with(path, |out| out.write_all(bytes))
}

/// [`write_atomic`] of what `write` writes (buffered), without holding it all first: the file
/// is replaced only when `write` succeeds.
pub fn write_atomic_with(
    path: &str,
    write: impl FnOnce(&mut io::BufWriter<&fs::File>) -> io::Result<()>,
) -> Result<(), String> {
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
            let f = fs::OpenOptions::new()
                .write(true)
                .open(named)
                .map_err(cannot)?;
            let mut out = io::BufWriter::with_capacity(BUFFER, &f);
            return write(&mut out).and_then(|()| out.flush()).map_err(cannot);
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
    let tmp = builder.tempfile_in(folder).map_err(cannot)?;
    if let Some(m) = existing {
        fs::set_permissions(tmp.path(), m.permissions()).map_err(cannot)?;
    }
    let mut out = io::BufWriter::with_capacity(BUFFER, tmp.as_file());
    write(&mut out).and_then(|()| out.flush()).map_err(cannot)?;
    drop(out);
    tmp.as_file().sync_all().map_err(cannot)?;
    tmp.persist(&target).map_err(|e| cannot(e.error))?;
    Ok(())
}
