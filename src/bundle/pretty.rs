//! The bundle as `carel build` writes it: `serde_json`'s pretty form (two-space indents, keys
//! in the order of the fields), written a piece at a time. The rules and conflicts are
//! rendered on rayon's threads, a chunk each, and written in order, so the text never has to be
//! held whole and the bytes are the same whatever the number of threads.

use std::io::{self, Write};

use serde::Serialize;

use super::Bundle;
use super::canonical::in_pieces;

/// `serde_json`'s pretty formatter (two-space indents), starting `depth` levels down: a
/// value written with it is the value as it appears at that depth of the whole text.
struct Pretty {
    depth: usize,
    has_value: bool,
}

/// Enough spaces for the indent of any depth a bundle reaches in one write.
const SPACES: &[u8; 64] = b"                                                                ";

impl Pretty {
    fn newline<W: Write + ?Sized>(&self, out: &mut W, comma: bool) -> io::Result<()> {
        out.write_all(if comma { b",\n" } else { b"\n" })?;
        let mut n = 2 * self.depth;
        while n > 0 {
            let k = n.min(SPACES.len());
            out.write_all(&SPACES[..k])?;
            n -= k;
        }
        Ok(())
    }
}

impl serde_json::ser::Formatter for Pretty {
    fn begin_array<W: Write + ?Sized>(&mut self, out: &mut W) -> io::Result<()> {
        self.depth += 1;
        self.has_value = false;
        out.write_all(b"[")
    }

    fn end_array<W: Write + ?Sized>(&mut self, out: &mut W) -> io::Result<()> {
        self.depth -= 1;
        if self.has_value {
            self.newline(out, false)?;
        }
        out.write_all(b"]")
    }

    fn begin_array_value<W: Write + ?Sized>(&mut self, out: &mut W, first: bool) -> io::Result<()> {
        self.newline(out, !first)
    }

    fn end_array_value<W: Write + ?Sized>(&mut self, _out: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }

    fn begin_object<W: Write + ?Sized>(&mut self, out: &mut W) -> io::Result<()> {
        self.depth += 1;
        self.has_value = false;
        out.write_all(b"{")
    }

    fn end_object<W: Write + ?Sized>(&mut self, out: &mut W) -> io::Result<()> {
        self.depth -= 1;
        if self.has_value {
            self.newline(out, false)?;
        }
        out.write_all(b"}")
    }

    fn begin_object_key<W: Write + ?Sized>(&mut self, out: &mut W, first: bool) -> io::Result<()> {
        self.newline(out, !first)
    }

    fn begin_object_value<W: Write + ?Sized>(&mut self, out: &mut W) -> io::Result<()> {
        out.write_all(b": ")
    }

    fn end_object_value<W: Write + ?Sized>(&mut self, _out: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }
}

/// `value` pretty, as it is written `depth` levels down.
fn value<W: Write, T: Serialize + ?Sized>(out: &mut W, depth: usize, value: &T) -> io::Result<()> {
    let formatter = Pretty {
        depth,
        has_value: false,
    };
    value
        .serialize(&mut serde_json::Serializer::with_formatter(out, formatter))
        .map_err(io::Error::other)
}

/// A list of the bundle (one level down), its items rendered in parallel pieces.
fn list<W: Write + Send, T: Serialize + Sync>(out: &mut W, items: &[T]) -> io::Result<()> {
    if items.is_empty() {
        return out.write_all(b"[]");
    }
    out.write_all(b"[")?;
    in_pieces(
        items,
        &|chunk: &[T], piece: &mut Vec<u8>| {
            piece.clear();
            for item in chunk {
                piece.extend_from_slice(b",\n    ");
                value(piece, 2, item)?;
            }
            Ok(())
        },
        &mut |piece: &Vec<u8>, first| {
            // Each piece starts with the `,` that comes before every item but the first.
            let piece = if first { &piece[1..] } else { &piece[..] };
            out.write_all(piece)
        },
    )?;
    out.write_all(b"\n  ]")
}

/// Write `bundle` pretty to `out`, with a final newline.
pub fn write<W: Write + Send>(bundle: &Bundle, out: &mut W) -> io::Result<()> {
    // Every field, in the order of the struct (a field added to `Bundle` fails to compile here
    // until it is written).
    let Bundle {
        format,
        format_version,
        compiler,
        ruleset,
        digest,
        semantics,
        vocabulary,
        rules,
        conflicts,
    } = bundle;
    let head: [(&str, &(dyn erased::Pretty + Sync)); 7] = [
        ("format", format),
        ("format_version", format_version),
        ("compiler", compiler),
        ("ruleset", ruleset),
        ("digest", digest),
        ("semantics", semantics),
        ("vocabulary", vocabulary),
    ];
    out.write_all(b"{")?;
    for (key, v) in head {
        write!(out, "\n  \"{key}\": ")?;
        v.write_pretty(out)?;
        out.write_all(b",")?;
    }
    out.write_all(b"\n  \"rules\": ")?;
    list(out, rules)?;
    out.write_all(b",\n  \"conflicts\": ")?;
    list(out, conflicts)?;
    out.write_all(b"\n}\n")
}

mod erased {
    use std::io::{self, Write};

    /// A value written pretty one level down (object-safe, for the fields of the head).
    pub trait Pretty {
        fn write_pretty(&self, out: &mut dyn Write) -> io::Result<()>;
    }

    impl<T: serde::Serialize> Pretty for T {
        fn write_pretty(&self, out: &mut dyn Write) -> io::Result<()> {
            super::value(&mut &mut *out, 1, self)
        }
    }
}
