//! Latency of `carel lsp`: from a one-line edit of an open file of a 10,000-rule workspace to
//! the diagnostics for it. The server runs in this process on an in-memory connection, exactly
//! as `carel lsp` runs it on standard input and output, with the debounce set to 0 so that the
//! figure is the work done (an editor adds the debounce, 100 ms by default, on top).
//!
//! Each iteration sends one `didChange` that rewrites one line of a rules file (alternately
//! adding and removing a comment at its end; the server compiles the whole ruleset again
//! either way) and waits for the `publishDiagnostics` of that version.
//!
//! A second figure, `cpu_per_edit`, is the processor time the whole process spends per edit
//! (both of the analysis's threads and the client; Linux and macOS): on a machine shared with
//! other work the wall-clock time also counts the time spent waiting for a core, and this one
//! does not.
//!
//! ```text
//! cargo bench --bench lsp
//! ```

#[path = "support/generator.rs"]
mod generator;

use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use lsp_server::{Connection, Message, Notification, Request, RequestId};
use serde_json::{Value, json};

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const RULES: usize = 10_000;

fn file_uri(path: &std::path::Path) -> String {
    let mut out = String::from("file://");
    for b in path.to_string_lossy().bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn wait_for_diagnostics(client: &Connection, uri: &str, version: i32) -> Value {
    loop {
        let message = client
            .receiver
            .recv_timeout(Duration::from_secs(120))
            .expect("the server answers");
        if let Message::Notification(n) = message
            && n.method == "textDocument/publishDiagnostics"
            && n.params["uri"] == uri
            && n.params["version"] == version
        {
            return n.params;
        }
    }
}

fn latency(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let ruleset = generator::generate(generator::Config {
        rules: RULES,
        seed: 1,
        files: 10,
    });
    let mut edited = None;
    for file in &ruleset.files {
        let path = dir.path().join(&file.name);
        std::fs::write(&path, &file.text).expect("written");
        if file.name.contains("rules_05") {
            edited = Some((path, file.text.clone()));
        }
    }
    let (path, text) = edited.expect("a rules file");
    let root = std::fs::canonicalize(dir.path()).expect("a folder");
    let path = root.join(path.file_name().expect("a name"));
    let uri = file_uri(&path);

    let (server, client) = Connection::memory();
    let thread = std::thread::spawn(move || carel::lsp::server::serve(&server));
    client
        .sender
        .send(
            Request::new(
                RequestId::from(1),
                "initialize".into(),
                json!({"capabilities": {}, "rootUri": file_uri(&root),
                       "initializationOptions": {"debounceMs": 0}}),
            )
            .into(),
        )
        .expect("sent");
    let notify = |method: &str, params: Value| {
        client
            .sender
            .send(Notification::new(method.into(), params).into())
            .expect("sent");
    };
    notify("initialized", json!({}));
    notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri, "languageId": "carel", "version": 1, "text": text}}),
    );
    let first = wait_for_diagnostics(&client, &uri, 1);
    assert!(first["diagnostics"].is_array());

    // The line in the middle of the file.
    let line = text.lines().count() / 2;
    let length = text
        .lines()
        .nth(line)
        .map_or(0, |l| l.chars().map(char::len_utf16).sum());
    let mut version = 1;
    let mut edit = || {
        version += 1;
        let (range, new_text) = if version % 2 == 0 {
            (
                json!({"start": {"line": line, "character": length}, "end": {"line": line, "character": length}}),
                " # edited",
            )
        } else {
            (
                json!({"start": {"line": line, "character": length}, "end": {"line": line, "character": length + 9}}),
                "",
            )
        };
        notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": uri, "version": version},
                       "contentChanges": [{"range": range, "text": new_text}]}),
        );
        wait_for_diagnostics(&client, &uri, version)
    };
    let mut group = c.benchmark_group("lsp");
    group.sample_size(30);
    group.bench_function("diagnostics_after_one_line_edit_10k_rules", |b| {
        b.iter(&mut edit)
    });
    #[cfg(unix)]
    group.bench_function("cpu_per_edit_10k_rules", |b| {
        b.iter_custom(|iterations| {
            let start = cpu_time();
            for _ in 0..iterations {
                edit();
            }
            cpu_time().saturating_sub(start)
        })
    });
    group.finish();
    client
        .sender
        .send(Request::new(RequestId::from(2), "shutdown".into(), Value::Null).into())
        .expect("sent");
    notify("exit", Value::Null);
    let _ = thread.join();
}

/// The processor time used by this process so far, all threads together.
#[cfg(unix)]
fn cpu_time() -> Duration {
    let mut t = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `clock_gettime` writes one `timespec` through a valid pointer.
    let ok = unsafe { libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut t) } == 0;
    if !ok {
        return Duration::ZERO;
    }
    Duration::new(t.tv_sec as u64, t.tv_nsec as u32)
}

criterion_group!(benches, latency);
criterion_main!(benches);
