//! The server loop: initialisation, the dispatch of requests and notifications to the feature
//! modules, debounced diagnostics, and shutdown.

use std::collections::HashMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use crossbeam_channel::RecvTimeoutError;
use lsp_server::{Connection, ErrorCode, Message, Notification, Request, RequestId, Response};
use lsp_types::notification::{self as notif, Notification as _};
use lsp_types::request::{self as req, Request as _};
use lsp_types::{
    CodeActionKind, CodeActionOptions, CodeActionProviderCapability, CompletionOptions,
    FoldingRangeProviderCapability, HoverProviderCapability, InitializeParams, OneOf,
    PositionEncodingKind, RenameOptions, SemanticTokensFullOptions, SemanticTokensOptions,
    SemanticTokensServerCapabilities, ServerCapabilities, ServerInfo, TextDocumentSyncCapability,
    TextDocumentSyncKind, Uri,
};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::workspace::Session;
use super::{
    actions, completion, diagnostics, folding, formatting, hover, navigate, symbols, tokens, uri,
};

/// How long the editor must be quiet after an edit before diagnostics are computed, unless
/// `initializationOptions.debounceMs` says otherwise.
pub const DEFAULT_DEBOUNCE: Duration = Duration::from_millis(100);

pub fn capabilities() -> ServerCapabilities {
    ServerCapabilities {
        position_encoding: Some(PositionEncodingKind::UTF16),
        text_document_sync: Some(TextDocumentSyncCapability::Kind(
            TextDocumentSyncKind::INCREMENTAL,
        )),
        hover_provider: Some(HoverProviderCapability::Simple(true)),
        definition_provider: Some(OneOf::Left(true)),
        references_provider: Some(OneOf::Left(true)),
        rename_provider: Some(OneOf::Right(RenameOptions {
            prepare_provider: Some(true),
            work_done_progress_options: Default::default(),
        })),
        completion_provider: Some(CompletionOptions {
            trigger_characters: Some(vec![" ".into(), ",".into(), "(".into()]),
            ..CompletionOptions::default()
        }),
        document_symbol_provider: Some(OneOf::Left(true)),
        workspace_symbol_provider: Some(OneOf::Left(true)),
        document_formatting_provider: Some(OneOf::Left(true)),
        code_action_provider: Some(CodeActionProviderCapability::Options(CodeActionOptions {
            code_action_kinds: Some(vec![CodeActionKind::QUICKFIX]),
            ..CodeActionOptions::default()
        })),
        semantic_tokens_provider: Some(SemanticTokensServerCapabilities::SemanticTokensOptions(
            SemanticTokensOptions {
                legend: tokens::legend(),
                full: Some(SemanticTokensFullOptions::Bool(true)),
                range: None,
                work_done_progress_options: Default::default(),
            },
        )),
        folding_range_provider: Some(FoldingRangeProviderCapability::Simple(true)),
        ..ServerCapabilities::default()
    }
}

/// Serve on a connection: initialise, then handle messages until `shutdown` and `exit`.
pub fn serve(connection: &Connection) -> Result<(), String> {
    let result = serde_json::json!({
        "capabilities": capabilities(),
        "serverInfo": ServerInfo { name: "carel".into(), version: Some(env!("CARGO_PKG_VERSION").into()) },
    });
    let (id, params) = connection.initialize_start().map_err(|e| e.to_string())?;
    connection
        .initialize_finish(id, result)
        .map_err(|e| e.to_string())?;
    let params: InitializeParams = serde_json::from_value(params).unwrap_or_default();
    let mut server = Server::new(connection, &params);
    server.run()
}

struct Server<'a> {
    connection: &'a Connection,
    session: Session,
    debounce: Duration,
    /// When diagnostics are due (after the last edit plus the debounce).
    due: Option<Instant>,
    /// What each document was last sent, so that unchanged lists are not sent again.
    published: HashMap<Uri, Vec<lsp_types::Diagnostic>>,
    /// Documents edited, opened or closed since diagnostics were last sent: they get theirs
    /// whether or not the list changed, with the version it belongs to.
    touched: HashMap<Uri, Option<i32>>,
}

#[allow(deprecated)] // `root_uri` and `root_path` are what older editors send.
fn workspace_root(params: &InitializeParams) -> Option<PathBuf> {
    params
        .workspace_folders
        .as_ref()
        .and_then(|f| f.first())
        .and_then(|f| uri::to_path(&f.uri))
        .or_else(|| params.root_uri.as_ref().and_then(uri::to_path))
        .or_else(|| params.root_path.as_ref().map(PathBuf::from))
}

impl<'a> Server<'a> {
    fn new(connection: &'a Connection, params: &InitializeParams) -> Server<'a> {
        let debounce = params
            .initialization_options
            .as_ref()
            .and_then(|o| o.get("debounceMs"))
            .and_then(serde_json::Value::as_u64)
            .map_or(DEFAULT_DEBOUNCE, Duration::from_millis);
        let mut server = Server {
            connection,
            session: Session::new(workspace_root(params)),
            debounce,
            due: None,
            published: HashMap::new(),
            touched: HashMap::new(),
        };
        // The whole workspace is checked at once, so that its problems show before a file is
        // opened.
        server.due = Some(Instant::now());
        server
    }

    fn run(&mut self) -> Result<(), String> {
        loop {
            let message = match self.due {
                Some(due) => {
                    let wait = due.saturating_duration_since(Instant::now());
                    match self.connection.receiver.recv_timeout(wait) {
                        Ok(m) => m,
                        Err(RecvTimeoutError::Timeout) => {
                            self.publish();
                            continue;
                        }
                        Err(RecvTimeoutError::Disconnected) => return Ok(()),
                    }
                }
                None => match self.connection.receiver.recv() {
                    Ok(m) => m,
                    Err(_) => return Ok(()),
                },
            };
            match message {
                Message::Request(request) => {
                    if self
                        .connection
                        .handle_shutdown(&request)
                        .map_err(|e| e.to_string())?
                    {
                        return Ok(());
                    }
                    let id = request.id.clone();
                    let response = catch_unwind(AssertUnwindSafe(|| self.request(request)))
                        .unwrap_or_else(|_| {
                            Response::new_err(
                                id,
                                ErrorCode::InternalError as i32,
                                "carel could not answer this request; please report it".into(),
                            )
                        });
                    self.send(response.into());
                }
                Message::Notification(n) => {
                    if n.method == notif::Exit::METHOD {
                        return Ok(());
                    }
                    let _ = catch_unwind(AssertUnwindSafe(|| self.notification(n)));
                }
                Message::Response(_) => {}
            }
        }
    }

    fn send(&self, message: Message) {
        let _ = self.connection.sender.send(message);
    }

    /// Compile what changed and send every document whose diagnostics differ from the last sent.
    fn publish(&mut self) {
        self.due = None;
        let lists: Vec<(Uri, Vec<lsp_types::Diagnostic>)> = self
            .session
            .rulesets()
            .iter()
            .flat_map(diagnostics::by_file)
            .collect();
        let mut seen = std::collections::HashSet::new();
        let touched = std::mem::take(&mut self.touched);
        for (uri, list) in lists {
            seen.insert(uri.clone());
            let version = touched.get(&uri).copied();
            if version.is_none() && self.published.get(&uri) == Some(&list) {
                continue;
            }
            self.notify::<notif::PublishDiagnostics>(lsp_types::PublishDiagnosticsParams {
                uri: uri.clone(),
                diagnostics: list.clone(),
                version: version.flatten(),
            });
            self.published.insert(uri, list);
        }
        // Files that left every ruleset (deleted, or closed outside the workspace): clear them.
        let gone: Vec<Uri> = self
            .published
            .keys()
            .filter(|u| !seen.contains(*u))
            .cloned()
            .collect();
        for uri in gone {
            self.published.remove(&uri);
            self.notify::<notif::PublishDiagnostics>(lsp_types::PublishDiagnosticsParams {
                uri,
                diagnostics: Vec::new(),
                version: None,
            });
        }
    }

    fn notify<N: lsp_types::notification::Notification>(&self, params: N::Params) {
        self.send(Notification::new(N::METHOD.to_string(), params).into());
    }

    fn changed(&mut self) {
        self.due = Some(Instant::now() + self.debounce);
    }

    fn notification(&mut self, n: Notification) {
        match n.method.as_str() {
            notif::DidOpenTextDocument::METHOD => {
                if let Ok(p) = n.extract::<lsp_types::DidOpenTextDocumentParams>(
                    notif::DidOpenTextDocument::METHOD,
                ) {
                    let d = p.text_document;
                    self.touched.insert(d.uri.clone(), Some(d.version));
                    self.session.open(d.uri, d.text, d.version);
                    self.changed();
                }
            }
            notif::DidChangeTextDocument::METHOD => {
                if let Ok(p) = n.extract::<lsp_types::DidChangeTextDocumentParams>(
                    notif::DidChangeTextDocument::METHOD,
                ) {
                    let version = p.text_document.version;
                    self.touched
                        .insert(p.text_document.uri.clone(), Some(version));
                    if let Some(doc) = self.session.document_mut(&p.text_document.uri) {
                        doc.version = version;
                        for change in p.content_changes {
                            apply_change(&mut doc.text, change);
                        }
                    }
                    self.changed();
                }
            }
            notif::DidCloseTextDocument::METHOD => {
                if let Ok(p) = n.extract::<lsp_types::DidCloseTextDocumentParams>(
                    notif::DidCloseTextDocument::METHOD,
                ) {
                    self.touched.insert(p.text_document.uri.clone(), None);
                    self.session.close(&p.text_document.uri);
                    self.changed();
                }
            }
            notif::DidSaveTextDocument::METHOD => {
                if let Ok(p) = n.extract::<lsp_types::DidSaveTextDocumentParams>(
                    notif::DidSaveTextDocument::METHOD,
                ) && let Some(path) = uri::to_path(&p.text_document.uri)
                {
                    self.session.disk_changed(&path);
                    self.changed();
                }
            }
            notif::DidChangeWatchedFiles::METHOD => {
                if let Ok(p) = n.extract::<lsp_types::DidChangeWatchedFilesParams>(
                    notif::DidChangeWatchedFiles::METHOD,
                ) {
                    for change in p.changes {
                        if let Some(path) = uri::to_path(&change.uri) {
                            self.session.disk_changed(&path);
                        }
                    }
                    self.changed();
                }
            }
            _ => {}
        }
    }

    fn request(&mut self, r: Request) -> Response {
        let id = r.id.clone();
        match r.method.as_str() {
            req::HoverRequest::METHOD => self.handle::<req::HoverRequest>(r, |s, p| {
                let at = &p.text_document_position_params;
                let Some((ruleset, file)) = s.find_indexed(&at.text_document.uri) else {
                    return Ok(None);
                };
                let offset = ruleset.offset(file, at.position);
                Ok(hover::hover(ruleset, file, offset))
            }),
            req::GotoDefinition::METHOD => self.handle::<req::GotoDefinition>(r, |s, p| {
                let at = &p.text_document_position_params;
                let Some((ruleset, file)) = s.find_indexed(&at.text_document.uri) else {
                    return Ok(None);
                };
                let offset = ruleset.offset(file, at.position);
                let found = navigate::definition(ruleset, file, offset);
                Ok((!found.is_empty()).then_some(lsp_types::GotoDefinitionResponse::Array(found)))
            }),
            req::References::METHOD => self.handle::<req::References>(r, |s, p| {
                let at = &p.text_document_position;
                let Some((ruleset, file)) = s.find_indexed(&at.text_document.uri) else {
                    return Ok(None);
                };
                let offset = ruleset.offset(file, at.position);
                Ok(Some(navigate::references(
                    ruleset,
                    file,
                    offset,
                    p.context.include_declaration,
                )))
            }),
            req::PrepareRenameRequest::METHOD => {
                self.handle::<req::PrepareRenameRequest>(r, |s, p| {
                    let Some((ruleset, file)) = s.find_indexed(&p.text_document.uri) else {
                        return Ok(None);
                    };
                    let offset = ruleset.offset(file, p.position);
                    navigate::prepare_rename(ruleset, file, offset)
                        .map(|range| Some(lsp_types::PrepareRenameResponse::Range(range)))
                })
            }
            req::Rename::METHOD => self.handle::<req::Rename>(r, |s, p| {
                let at = &p.text_document_position;
                let Some((ruleset, file)) = s.find_indexed(&at.text_document.uri) else {
                    return Ok(None);
                };
                let offset = ruleset.offset(file, at.position);
                navigate::rename(ruleset, file, offset, &p.new_name).map(Some)
            }),
            req::Completion::METHOD => self.handle::<req::Completion>(r, |s, p| {
                let at = &p.text_document_position;
                let Some((ruleset, file)) = s.find_indexed(&at.text_document.uri) else {
                    return Ok(None);
                };
                let offset = ruleset.offset(file, at.position);
                Ok(Some(lsp_types::CompletionResponse::Array(
                    completion::complete(ruleset, file, offset),
                )))
            }),
            req::DocumentSymbolRequest::METHOD => {
                self.handle::<req::DocumentSymbolRequest>(r, |s, p| {
                    let Some((ruleset, file)) = s.find_indexed(&p.text_document.uri) else {
                        return Ok(None);
                    };
                    Ok(Some(lsp_types::DocumentSymbolResponse::Nested(
                        symbols::document(ruleset, file),
                    )))
                })
            }
            req::WorkspaceSymbolRequest::METHOD => {
                self.handle::<req::WorkspaceSymbolRequest>(r, |s, p| {
                    let rulesets = s.indexed();
                    Ok(Some(lsp_types::WorkspaceSymbolResponse::Flat(
                        symbols::workspace(rulesets, &p.query),
                    )))
                })
            }
            req::Formatting::METHOD => self.handle::<req::Formatting>(r, |s, p| {
                let Some(doc) = s.document(&p.text_document.uri) else {
                    return Ok(None);
                };
                formatting::format(&doc.text).map(Some)
            }),
            req::CodeActionRequest::METHOD => self.handle::<req::CodeActionRequest>(r, |s, p| {
                let Some((ruleset, file)) = s.find_indexed(&p.text_document.uri) else {
                    return Ok(None);
                };
                let start = ruleset.offset(file, p.range.start);
                let end = ruleset.offset(file, p.range.end);
                let found = actions::actions(ruleset, file, start, end);
                Ok(Some(
                    found
                        .into_iter()
                        .map(lsp_types::CodeActionOrCommand::CodeAction)
                        .collect(),
                ))
            }),
            req::SemanticTokensFullRequest::METHOD => self
                .handle::<req::SemanticTokensFullRequest>(r, |s, p| {
                    let Some((ruleset, file)) = s.find_indexed(&p.text_document.uri) else {
                        return Ok(None);
                    };
                    Ok(Some(lsp_types::SemanticTokensResult::Tokens(
                        tokens::tokens(ruleset, file),
                    )))
                }),
            req::FoldingRangeRequest::METHOD => {
                self.handle::<req::FoldingRangeRequest>(r, |s, p| {
                    let Some((ruleset, file)) = s.find_indexed(&p.text_document.uri) else {
                        return Ok(None);
                    };
                    Ok(Some(folding::ranges(ruleset, file)))
                })
            }
            _ => Response::new_err(
                id,
                ErrorCode::MethodNotFound as i32,
                format!("carel does not handle `{}`", r.method),
            ),
        }
    }

    /// Decode a request's parameters, answer it, and encode the answer or the reason it failed.
    fn handle<R>(
        &mut self,
        r: Request,
        answer: impl FnOnce(&mut Session, R::Params) -> Result<R::Result, String>,
    ) -> Response
    where
        R: lsp_types::request::Request,
        R::Params: DeserializeOwned,
        R::Result: Serialize,
    {
        let id: RequestId = r.id.clone();
        let params: R::Params = match serde_json::from_value(r.params) {
            Ok(p) => p,
            Err(e) => {
                return Response::new_err(
                    id,
                    ErrorCode::InvalidParams as i32,
                    format!("invalid parameters for `{}`: {e}", R::METHOD),
                );
            }
        };
        match answer(&mut self.session, params) {
            Ok(result) => Response::new_ok(id, result),
            Err(message) => Response::new_err(id, ErrorCode::RequestFailed as i32, message),
        }
    }
}

/// Apply one change of `didChange` to a document's text (a whole new text, or a range).
pub fn apply_change(text: &mut String, change: lsp_types::TextDocumentContentChangeEvent) {
    match change.range {
        None => *text = change.text,
        Some(range) => {
            let lines = super::position::LineIndex::new(text);
            let start = lines.offset(text, range.start);
            let end = lines.offset(text, range.end).max(start);
            text.replace_range(start..end, &change.text);
        }
    }
}
