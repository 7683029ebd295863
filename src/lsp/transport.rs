//! Standard input and output as the server's connection. A message that is not JSON-RPC is
//! reported on standard error and skipped: bad input never stops the server.

use std::io::{self, BufRead, Write};
use std::thread;

use lsp_server::{Connection, Message};

/// The largest message read (far beyond any ruleset file sent in a `didOpen`).
const MAX_MESSAGE_BYTES: usize = 64 * 1024 * 1024;

/// Serve on standard input and output until the editor exits or closes standard input.
pub fn run_stdio() -> Result<(), String> {
    let (server, client) = Connection::memory();
    let to_server = client.sender;
    let from_server = client.receiver;
    // Not joined: it may be blocked reading standard input when the server stops.
    thread::spawn(move || {
        let stdin = io::stdin();
        let mut input = stdin.lock();
        loop {
            match read_frame(&mut input) {
                Ok(Some(body)) => match serde_json::from_slice::<Message>(&body) {
                    Ok(message) => {
                        if to_server.send(message).is_err() {
                            return;
                        }
                    }
                    Err(e) => {
                        let _ = writeln!(
                            io::stderr(),
                            "carel lsp: skipped a message that is not JSON-RPC: {e}"
                        );
                    }
                },
                Ok(None) => return,
                Err(e) => {
                    let _ = writeln!(io::stderr(), "carel lsp: skipped unreadable input: {e}");
                }
            }
        }
    });
    let writer = thread::spawn(move || {
        let stdout = io::stdout();
        for message in from_server {
            let mut out = stdout.lock();
            if message.write(&mut out).and_then(|()| out.flush()).is_err() {
                return;
            }
        }
    });
    let result = super::server::serve(&server);
    drop(server);
    let _ = writer.join();
    result
}

/// One message body: headers up to an empty line, then `Content-Length` bytes. `None` at the
/// end of the input; an error for a frame without a usable length (its bytes are skipped).
fn read_frame(input: &mut impl BufRead) -> io::Result<Option<Vec<u8>>> {
    let mut length = None;
    let mut saw_header = false;
    loop {
        let mut line = String::new();
        if input.read_line(&mut line)? == 0 {
            return Ok(None);
        }
        let line = line.trim_end_matches(['\r', '\n']);
        if line.is_empty() {
            if saw_header {
                break;
            }
            continue;
        }
        saw_header = true;
        if let Some((name, value)) = line.split_once(':')
            && name.trim().eq_ignore_ascii_case("content-length")
        {
            length = value.trim().parse::<usize>().ok();
        }
    }
    let length = length.filter(|&n| n <= MAX_MESSAGE_BYTES).ok_or_else(|| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            "a message without a usable Content-Length",
        )
    })?;
    let mut body = vec![0; length];
    input.read_exact(&mut body)?;
    Ok(Some(body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_are_read_and_bad_ones_skipped() {
        let text = "Content-Length: 2\r\n\r\n{}Content-Type: x\r\n\r\nContent-Length: 3\r\n\r\n[1]";
        let mut input = io::Cursor::new(text.as_bytes());
        assert_eq!(read_frame(&mut input).unwrap().unwrap(), b"{}");
        assert!(read_frame(&mut input).is_err());
        assert_eq!(read_frame(&mut input).unwrap().unwrap(), b"[1]");
        assert!(read_frame(&mut input).unwrap().is_none());
    }
}
