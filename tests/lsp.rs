//! `carel lsp` driven over standard input and output with JSON-RPC, as an editor drives it.
#![cfg(feature = "lsp")]

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

const TIMEOUT: Duration = Duration::from_secs(60);

struct Client {
    child: Child,
    stdin: ChildStdin,
    messages: Receiver<Value>,
    next_id: i64,
    /// Notifications received while waiting for something else.
    notifications: Vec<Value>,
}

fn read_message(reader: &mut impl BufRead) -> Option<Value> {
    let mut length = None;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some(n) = line.strip_prefix("Content-Length: ") {
            length = n.parse::<usize>().ok();
        }
    }
    let mut body = vec![0; length?];
    reader.read_exact(&mut body).ok()?;
    serde_json::from_slice(&body).ok()
}

impl Client {
    fn start(root: &Path) -> Client {
        let mut child = Command::new(env!("CARGO_BIN_EXE_carel"))
            .arg("lsp")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("carel starts");
        let stdin = child.stdin.take().unwrap();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let (tx, rx) = channel();
        std::thread::spawn(move || {
            while let Some(m) = read_message(&mut stdout) {
                if tx.send(m).is_err() {
                    break;
                }
            }
        });
        let mut client = Client {
            child,
            stdin,
            messages: rx,
            next_id: 0,
            notifications: Vec::new(),
        };
        let result = client.request(
            "initialize",
            json!({
                "processId": null,
                "rootUri": uri(root),
                "capabilities": {},
                "workspaceFolders": [{"uri": uri(root), "name": "ruleset"}],
                "initializationOptions": {"debounceMs": 0}
            }),
        );
        let caps = &result["capabilities"];
        for cap in [
            "hoverProvider",
            "definitionProvider",
            "referencesProvider",
            "renameProvider",
            "completionProvider",
            "documentSymbolProvider",
            "workspaceSymbolProvider",
            "documentFormattingProvider",
            "codeActionProvider",
            "semanticTokensProvider",
            "foldingRangeProvider",
        ] {
            assert!(!caps[cap].is_null(), "capability {cap} missing: {caps}");
        }
        assert_eq!(caps["positionEncoding"], "utf-16");
        client.notify("initialized", json!({}));
        client
    }

    fn send(&mut self, message: Value) {
        let body = message.to_string();
        write!(self.stdin, "Content-Length: {}\r\n\r\n{body}", body.len()).unwrap();
        self.stdin.flush().unwrap();
    }

    fn notify(&mut self, method: &str, params: Value) {
        self.send(json!({"jsonrpc": "2.0", "method": method, "params": params}));
    }

    fn next(&mut self) -> Value {
        match self.messages.recv_timeout(TIMEOUT) {
            Ok(m) => m,
            Err(RecvTimeoutError::Timeout) => panic!("no message from the server in time"),
            Err(RecvTimeoutError::Disconnected) => panic!("the server closed its output"),
        }
    }

    /// Send a request and return its whole response (result or error).
    fn call(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        self.send(json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        loop {
            let m = self.next();
            if m["id"] == json!(id) && m.get("method").is_none() {
                return m;
            }
            self.notifications.push(m);
        }
    }

    fn request(&mut self, method: &str, params: Value) -> Value {
        let response = self.call(method, params);
        assert!(
            response.get("error").is_none(),
            "{method} failed: {response}"
        );
        response["result"].clone()
    }

    /// The next diagnostics published for a document.
    fn diagnostics(&mut self, uri: &str) -> Vec<Value> {
        let deadline = Instant::now() + TIMEOUT;
        loop {
            if let Some(i) = self.notifications.iter().position(|m| {
                m["method"] == "textDocument/publishDiagnostics" && m["params"]["uri"] == uri
            }) {
                let m = self.notifications.remove(i);
                return m["params"]["diagnostics"].as_array().unwrap().clone();
            }
            assert!(Instant::now() < deadline, "no diagnostics for {uri}");
            let m = self.next();
            self.notifications.push(m);
        }
    }

    fn open(&mut self, uri: &str, text: &str) {
        self.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": uri, "languageId": "carel", "version": 1, "text": text}}),
        );
    }

    fn at(&mut self, method: &str, uri: &str, line: u32, character: u32) -> Value {
        self.request(
            method,
            json!({"textDocument": {"uri": uri}, "position": {"line": line, "character": character}}),
        )
    }

    fn shutdown(mut self) {
        let result = self.call("shutdown", Value::Null);
        assert_eq!(result["result"], Value::Null);
        assert!(result.get("error").is_none());
        self.notify("exit", Value::Null);
        let deadline = Instant::now() + TIMEOUT;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                assert!(status.success(), "exit status {status}");
                return;
            }
            assert!(Instant::now() < deadline, "the server did not exit");
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

fn uri(path: &Path) -> String {
    let folder = std::fs::canonicalize(path.parent().unwrap()).unwrap();
    let path = folder.join(path.file_name().unwrap());
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

/// The UTF-16 position of the `n`-th occurrence of `needle` in `text` (plus `skip` units).
fn position(text: &str, needle: &str, n: usize) -> (u32, u32) {
    let offset = text.match_indices(needle).nth(n).expect("needle present").0;
    let before = &text[..offset];
    let line = before.matches('\n').count();
    let start = before.rfind('\n').map_or(0, |i| i + 1);
    let character: usize = before[start..].chars().map(char::len_utf16).sum();
    (line as u32, character as u32)
}

const VOCABULARY: &str = "condition sciatica \"Sciatica\"\n\
condition herniated_disc \"Herniated disc\"\n\
category stretching \"Dehnübungen 😀\"\n\
exercise hamstring_stretch \"Dehnung für 😀 Rücken\" in stretching\n\
exercise walking \"Walking\"\n\
source seed000 \"Exercises for lower back pain\"\n";

const RULES: &str = "# Rückenschmerz 😀\n\
rule stretch_ok: if herniated_disc then recommend hamstring_stretch cite seed000\n\
rule no_stretch: if sciatica then avoid stretching cite seed000 # 😀 stretching\n\
if sciatica then recommend walking cite seed000\n";

fn workspace() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a_vocabulary.carel"), VOCABULARY).unwrap();
    std::fs::write(dir.path().join("b_rules.carel"), RULES).unwrap();
    dir
}

#[test]
fn diagnostics_hover_definition_completion_and_actions() {
    let dir = workspace();
    let mut client = Client::start(dir.path());
    let rules = uri(&dir.path().join("b_rules.carel"));
    let vocabulary = uri(&dir.path().join("a_vocabulary.carel"));

    // The workspace is checked as soon as the server starts; opening a file changes nothing.
    let found = client.diagnostics(&rules);
    let initial = found.clone();
    client.open(&rules, RULES);
    assert_eq!(found.len(), 1, "{found:?}");
    let e010 = &found[0];
    assert_eq!(e010["code"], "E010");
    assert_eq!(e010["severity"], 1);
    // The later rule's advice is the primary place; the other rule is related information.
    let (line, character) = position(RULES, "then avoid stretching", 0);
    assert_eq!(
        e010["range"]["start"],
        json!({"line": line, "character": character})
    );
    let related = &e010["relatedInformation"][0];
    assert_eq!(related["location"]["uri"], rules);
    let (line, character) = position(RULES, "then recommend hamstring_stretch", 0);
    assert_eq!(
        related["location"]["range"]["start"],
        json!({"line": line, "character": character})
    );
    assert!(
        e010["message"].as_str().unwrap().contains("contradiction"),
        "{e010}"
    );

    // Hover on a name after non-ASCII text: columns are UTF-16 code units.
    client.open(&vocabulary, VOCABULARY);
    let (line, character) = position(VOCABULARY, "stretching", 1);
    let hover = client.at("textDocument/hover", &vocabulary, line, character + 3);
    let text = hover["contents"]["value"].as_str().unwrap();
    assert!(
        text.starts_with("**category** `stretching` — Dehnübungen 😀"),
        "{text}"
    );
    assert!(text.contains("1 exercise: `hamstring_stretch`"), "{text}");
    assert_eq!(
        hover["range"]["start"],
        json!({"line": line, "character": character})
    );

    // Hover on a rule's name: its advice, resolved exercises and citation.
    let (line, character) = position(RULES, "no_stretch", 0);
    let hover = client.at("textDocument/hover", &rules, line, character);
    let text = hover["contents"]["value"].as_str().unwrap();
    assert!(
        text.contains("**rule** `no_stretch`: avoid `stretching`"),
        "{text}"
    );
    assert!(text.contains("advises `hamstring_stretch`"), "{text}");
    assert!(
        text.contains("cites `seed000`: Exercises for lower back pain"),
        "{text}"
    );

    // Go to definition across files.
    let (line, character) = position(RULES, "stretching", 0);
    let found = client.at("textDocument/definition", &rules, line, character + 2);
    let (dl, dc) = position(VOCABULARY, "stretching", 0);
    assert_eq!(
        found,
        json!([{"uri": vocabulary, "range": {
            "start": {"line": dl, "character": dc},
            "end": {"line": dl, "character": dc + 10}}}])
    );

    // References: the declaration and both uses (the comment does not count).
    let (line, character) = position(VOCABULARY, "stretching", 0);
    let refs = client.request(
        "textDocument/references",
        json!({"textDocument": {"uri": vocabulary}, "position": {"line": line, "character": character},
               "context": {"includeDeclaration": true}}),
    );
    assert_eq!(refs.as_array().unwrap().len(), 3, "{refs}");

    // Completion after an action offers exercises and categories only.
    let (line, character) = position(RULES, "stretching", 0);
    let items = client.at("textDocument/completion", &rules, line, character);
    let labels: Vec<&str> = items
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["label"].as_str().unwrap())
        .collect();
    assert_eq!(labels, ["hamstring_stretch", "stretching", "walking"]);

    // Quick fixes for the contradiction, the protective resolution first.
    let (line, character) = position(RULES, "avoid", 0);
    let actions = client.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": rules},
               "range": {"start": {"line": line, "character": character}, "end": {"line": line, "character": character}},
               "context": {"diagnostics": []}}),
    );
    let titles: Vec<&str> = actions
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["title"].as_str().unwrap())
        .collect();
    assert_eq!(
        titles,
        [
            "Let `no_stretch` (avoid) prevail over less protective advice",
            "Let `no_stretch` (avoid) override `stretch_ok` (recommend)",
            "Let `stretch_ok` (recommend) override `no_stretch` (avoid)",
            "Add `unless sciatica` to `stretch_ok`",
            "Add `unless herniated_disc` to `no_stretch`",
            "Declare `herniated_disc` and `sciatica` exclusive (no patient has both)",
        ]
    );
    // Apply the `unless` fix as the editor would, through an incremental change.
    let fix = &actions[3]["edit"]["changes"][&rules][0];
    assert_eq!(fix["newText"], " unless sciatica");
    client.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": rules, "version": 2},
               "contentChanges": [{"range": fix["range"], "text": fix["newText"]}]}),
    );
    // The check after `didOpen` (the same text as on disk) may still be on its way.
    let mut after = client.diagnostics(&rules);
    while after == initial {
        after = client.diagnostics(&rules);
    }
    assert_eq!(after, Vec::<Value>::new());

    // A misspelt name gets a did-you-mean fix.
    let (line, character) = position(RULES, "sciatica then recommend walking", 0);
    client.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": rules, "version": 3},
               "contentChanges": [{"range": {"start": {"line": line, "character": character},
                                             "end": {"line": line, "character": character + 8}},
                                   "text": "sciatca"}]}),
    );
    let found = client.diagnostics(&rules);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0]["code"], "E002");
    let actions = client.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": rules}, "range": found[0]["range"], "context": {"diagnostics": [found[0]]}}),
    );
    assert_eq!(actions[0]["title"], "Change to `sciatica`");
    assert_eq!(
        actions[0]["edit"]["changes"][&rules][0],
        json!({"range": found[0]["range"], "newText": "sciatica"})
    );

    client.shutdown();
}

#[test]
fn formatting_rename_and_symbols() {
    let dir = workspace();
    let mut client = Client::start(dir.path());
    let rules = uri(&dir.path().join("b_rules.carel"));
    let vocabulary = uri(&dir.path().join("a_vocabulary.carel"));
    let messy = "rule   r1 :  if sciatica\n then avoid walking cite seed000\r\n";
    let scratch = uri(&dir.path().join("scratch.carel"));
    client.open(&scratch, messy);
    let edits = client.request(
        "textDocument/formatting",
        json!({"textDocument": {"uri": scratch}, "options": {"tabSize": 2, "insertSpaces": true}}),
    );
    let expected = carel::format::format(messy).unwrap();
    assert_eq!(edits[0]["newText"], expected);
    assert_eq!(
        edits[0]["range"],
        json!({"start": {"line": 0, "character": 0}, "end": {"line": 2, "character": 0}})
    );

    // Rename a condition: every file that mentions it changes.
    let (line, character) = position(VOCABULARY, "sciatica", 0);
    let edit = client.request(
        "textDocument/rename",
        json!({"textDocument": {"uri": vocabulary}, "position": {"line": line, "character": character},
               "newName": "sciatic_pain"}),
    );
    let changes = edit["changes"].as_object().unwrap();
    assert_eq!(changes[&vocabulary].as_array().unwrap().len(), 1);
    assert_eq!(changes[&rules].as_array().unwrap().len(), 2);
    assert_eq!(changes[&scratch].as_array().unwrap().len(), 1);
    // A reserved word is refused with a reason.
    let refused = client.call(
        "textDocument/rename",
        json!({"textDocument": {"uri": vocabulary}, "position": {"line": line, "character": character},
               "newName": "avoid"}),
    );
    assert!(
        refused["error"]["message"]
            .as_str()
            .unwrap()
            .contains("word of the language"),
        "{refused}"
    );

    let symbols = client.request(
        "textDocument/documentSymbol",
        json!({"textDocument": {"uri": vocabulary}}),
    );
    let names: Vec<&str> = symbols
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "sciatica",
            "herniated_disc",
            "stretching",
            "hamstring_stretch",
            "walking",
            "seed000"
        ]
    );
    let found = client.request("workspace/symbol", json!({"query": "strch"}));
    let mut names: Vec<&str> = found
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "hamstring_stretch",
            "no_stretch",
            "stretch_ok",
            "stretching"
        ]
    );

    let tokens = client.request(
        "textDocument/semanticTokens/full",
        json!({"textDocument": {"uri": rules}}),
    );
    // The comment, then `rule` (keyword) and `stretch_ok` (a rule, declared).
    let data = tokens["data"].as_array().unwrap();
    assert_eq!(
        &data[..15],
        &[
            json!(0),
            json!(0),
            json!(18),
            json!(11),
            json!(0),
            json!(1),
            json!(0),
            json!(4),
            json!(0),
            json!(0),
            json!(0),
            json!(5),
            json!(10),
            json!(6),
            json!(1),
        ]
    );

    // A message that is not JSON-RPC is skipped, and the server carries on.
    write!(client.stdin, "Content-Length: 5\r\n\r\nnope!").unwrap();
    write!(client.stdin, "Content-Length: 2\r\n\r\n{{}}").unwrap();
    // Bad parameters get an error answer.
    let bad = client.call("textDocument/hover", json!({"nonsense": true}));
    assert_eq!(bad["error"]["code"], -32602);
    let unknown = client.call("carel/unknown", json!({}));
    assert_eq!(unknown["error"]["code"], -32601);
    client.shutdown();
}

/// The language server and `carel check` give the same diagnostics for the same text: codes,
/// messages (the server adds the notes and help to the message) and places (the server in 0-based lines and UTF-16 units, the CLI in 1-based lines
/// and characters, both with an exclusive end).
#[test]
fn the_server_and_the_command_line_give_the_same_diagnostics() {
    let dir = tempfile::tempdir().unwrap();
    let flagship = Path::new(env!("CARGO_MANIFEST_DIR")).join("rulesets/lower_back_pain");
    for entry in std::fs::read_dir(&flagship).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "carel") {
            std::fs::copy(&path, dir.path().join(path.file_name().unwrap())).unwrap();
        }
    }
    // An uncited rule (W007) and a rule that can never fire (W002, with a second place).
    let extra = "rule extra_walking: if sciatica then consider walking\n\
                 rule extra_never: if acute and chronic then consider walking cite exercises_for_lbp\n";
    std::fs::write(dir.path().join("zz_extra.carel"), extra).unwrap();

    let out = std::process::Command::new(env!("CARGO_BIN_EXE_carel"))
        .args(["check", "--format", "json"])
        .arg(dir.path())
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut expected: Vec<Value> = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["file"].as_str().unwrap().ends_with("zz_extra.carel"))
        .map(|d| {
            let at = |line: &str, column: &str| {
                json!({"line": d[line].as_u64().unwrap() - 1,
                       "character": d[column].as_u64().unwrap() - 1})
            };
            json!({"code": d["code"], "message": d["message"],
                   "start": at("line", "column"), "end": at("end_line", "end_column")})
        })
        .collect();
    assert!(expected.len() >= 2, "{report:#}");

    let mut client = Client::start(dir.path());
    let found = client.diagnostics(&uri(&dir.path().join("zz_extra.carel")));
    // The server's message is the command line's, followed by its label, notes and help.
    let mut got: Vec<Value> = found
        .iter()
        .map(|d| {
            let full = d["message"].as_str().unwrap();
            let message = expected
                .iter()
                .filter_map(|e| e["message"].as_str())
                .find(|m| full.starts_with(m))
                .unwrap_or(full);
            json!({"code": d["code"], "message": message,
                   "start": d["range"]["start"], "end": d["range"]["end"]})
        })
        .collect();
    let key = |v: &Value| v.to_string();
    expected.sort_by_key(key);
    got.sort_by_key(key);
    assert_eq!(got, expected);
    client.shutdown();
}
