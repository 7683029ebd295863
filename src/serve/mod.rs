//! `carel serve`: an HL7 CDS Hooks 2.0 service for one bundle (§12), on axum and tokio.
//!
//! - `GET /cds-services`: discovery — one `patient-view` service with prefetch templates for
//!   the Patient, their Conditions and their Observations.
//! - `POST /cds-services/{id}`: reads the prefetched FHIR R4 resources ([`patient`]), evaluates
//!   the bundle for what they say, leaving everything they do not say unknown (§10,
//!   [`crate::partial`]), and answers with cards ([`cards`]).
//! - `POST /cds-services/{id}/feedback`: accepted and logged.
//!
//! The service does not fetch from the FHIR server: without the prefetch it answers 412 with
//! an OperationOutcome. Bad requests get 400 with an OperationOutcome saying what is wrong;
//! nothing a client sends stops the service. Every request is logged as one JSON line on
//! standard error. The module uses the core and is not used by it.

pub mod auth;
pub mod cards;
pub mod patient;

use std::collections::BTreeSet;
use std::future::Future;
use std::sync::Arc;
use std::time::Instant;

use axum::body::{Body, Bytes};
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, Path, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{Value, json};
use tower_http::cors::{Any, CorsLayer};

use crate::bundle::Bundle;
use crate::eval::Patient;
use crate::partial::{Knowledge, PartialEvaluator};

/// The largest request body read by default: a prefetch of a long record is well under this.
pub const DEFAULT_MAX_BODY: usize = 1024 * 1024;

/// How the service runs.
pub struct Options {
    /// The largest request body accepted, in bytes.
    pub max_body: usize,
    /// When set, every hook and feedback call must carry a valid bearer JWT.
    pub verifier: Option<auth::Verifier>,
    /// The date ages are computed on; today (UTC) when `None`.
    pub today: Option<patient::Date>,
    /// Write one JSON line per request to standard error.
    pub log: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            max_body: DEFAULT_MAX_BODY,
            verifier: None,
            today: None,
            log: true,
        }
    }
}

/// The state shared by every request.
pub struct Service {
    bundle: &'static Bundle,
    evaluator: PartialEvaluator<'static>,
    bindings: patient::Bindings,
    id: String,
    options: Options,
}

/// Something to add to a request's log line.
#[derive(Clone, Debug, Default)]
struct LogNote(serde_json::Map<String, Value>);

impl Service {
    /// Check and index the bundle. The bundle lives as long as the process.
    pub fn new(bundle: Bundle, options: Options) -> Result<Arc<Service>, String> {
        let bundle: &'static Bundle = Box::leak(Box::new(bundle));
        let evaluator = PartialEvaluator::new(bundle)?;
        Ok(Arc::new(Service {
            bindings: patient::Bindings::new(bundle),
            id: bundle.ruleset.name.clone(),
            bundle,
            evaluator,
            options,
        }))
    }

    /// The service id in `/cds-services/{id}`: the ruleset's name.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Whether any fact or measure of the bundle has a code (without, all is unknown).
    pub fn has_bindings(&self) -> bool {
        !self.bindings.is_empty()
    }

    fn discovery(&self) -> Value {
        let r = &self.bundle.ruleset;
        let title = r.title.clone().unwrap_or_else(|| r.name.clone());
        json!({
            "services": [{
                "hook": "patient-view",
                "id": self.id,
                "title": title,
                "description": format!(
                    "Exercise advice from the Carel ruleset `{}` version {} ({} rules): what to \
                     avoid, refer, use with caution, recommend or consider for this patient, and \
                     what to ask next when the record does not say enough.",
                    r.name, r.version, self.bundle.rules.len()
                ),
                "prefetch": {
                    "patient": "Patient/{{context.patientId}}",
                    "conditions": "Condition?patient={{context.patientId}}",
                    "observations": "Observation?patient={{context.patientId}}"
                }
            }]
        })
    }

    /// What the record says, as knowledge for the partial evaluator: facts and measures the
    /// record gives are known; every other fact and measure is unknown.
    pub fn knowledge(&self, record: &patient::Record) -> Knowledge {
        let v = &self.bundle.vocabulary;
        let given = Patient {
            facts: record.true_facts.clone(),
            measures: record.measures.clone(),
            ..Patient::default()
        };
        let unknown_facts: BTreeSet<String> = v
            .conditions
            .iter()
            .chain(&v.factors)
            .map(|f| f.id.clone())
            .filter(|f| !record.true_facts.contains(f) && !record.false_facts.contains(f))
            .collect();
        let unknown_measures = v
            .measures
            .iter()
            .map(|m| m.id.clone())
            .filter(|m| !record.measures.contains_key(m))
            .collect();
        Knowledge {
            given,
            not: record.false_facts.clone(),
            unknown_facts,
            unknown_measures,
        }
    }
}

/// A FHIR OperationOutcome with one issue, as the body of an error response.
fn outcome(status: StatusCode, code: &str, message: &str) -> Response {
    let body = json!({
        "resourceType": "OperationOutcome",
        "issue": [{"severity": "error", "code": code, "diagnostics": message}]
    });
    let mut response = (
        status,
        [(header::CONTENT_TYPE, "application/fhir+json")],
        body.to_string(),
    )
        .into_response();
    let mut note = serde_json::Map::new();
    note.insert("error".into(), json!(message));
    response.extensions_mut().insert(LogNote(note));
    response
}

fn bad_request(message: &str) -> Response {
    outcome(StatusCode::BAD_REQUEST, "invalid", message)
}

/// The router of the service; `serve` runs it.
pub fn router(service: Arc<Service>) -> Router {
    let cors = CorsLayer::new()
        .allow_origin(Any)
        .allow_methods([Method::GET, Method::POST, Method::OPTIONS])
        .allow_headers([header::AUTHORIZATION, header::CONTENT_TYPE, header::ACCEPT]);
    let max_body = service.options.max_body;
    let log = service.options.log;
    let mut router = Router::new()
        .route("/cds-services", get(discovery))
        .route("/cds-services/{id}", post(hook))
        .route("/cds-services/{id}/feedback", post(feedback))
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(max_body))
        .layer(cors)
        .with_state(service);
    if log {
        router = router.layer(middleware::from_fn(log_request));
    }
    router
}

/// Serve until `shutdown` completes; requests in flight are finished first.
pub async fn serve(
    listener: tokio::net::TcpListener,
    service: Arc<Service>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router(service))
        .with_graceful_shutdown(shutdown)
        .await
}

/// Completes on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}

async fn log_request(request: Request, next: Next) -> Response {
    let start = Instant::now();
    let method = request.method().to_string();
    let path = request.uri().path().to_string();
    let response = next.run(request).await;
    let mut line = serde_json::Map::new();
    line.insert("ts_ms".into(), json!(unix_millis()));
    line.insert("method".into(), json!(method));
    line.insert("path".into(), json!(path));
    line.insert("status".into(), json!(response.status().as_u16()));
    line.insert(
        "ms".into(),
        json!((start.elapsed().as_secs_f64() * 1000.0 * 1000.0).round() / 1000.0),
    );
    if let Some(LogNote(extra)) = response.extensions().get::<LogNote>() {
        line.extend(extra.clone());
    }
    let text = Value::Object(line).to_string();
    // A closed stderr must not take the service down.
    let _ = std::io::Write::write_all(
        &mut std::io::stderr().lock(),
        format!("{text}\n").as_bytes(),
    );
    response
}

fn unix_millis() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

async fn not_found() -> Response {
    outcome(
        StatusCode::NOT_FOUND,
        "not-found",
        "no such endpoint: the service answers GET /cds-services and POST /cds-services/{id}",
    )
}

async fn discovery(State(s): State<Arc<Service>>) -> Response {
    Json(s.discovery()).into_response()
}

/// The endpoint URLs a JWT's `aud` may name: the service's URL as the client reached it.
fn endpoints(headers: &HeaderMap, path: &str) -> Vec<String> {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("localhost");
    vec![
        format!("http://{host}{path}"),
        format!("https://{host}{path}"),
    ]
}

/// `Err` with the response to send when the request is not authorised.
fn authorise(
    s: &Service,
    headers: &HeaderMap,
    path: &str,
) -> Result<Option<String>, Box<Response>> {
    let Some(verifier) = &s.options.verifier else {
        return Ok(None);
    };
    let auth = headers
        .get(header::AUTHORIZATION)
        .and_then(|h| h.to_str().ok());
    let mut last = String::new();
    for endpoint in endpoints(headers, path) {
        match verifier.check(auth, &endpoint) {
            Ok(issuer) => return Ok(Some(issuer)),
            Err(e) => last = e,
        }
    }
    let mut r = outcome(StatusCode::UNAUTHORIZED, "security", &last);
    r.headers_mut()
        .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
    Err(Box::new(r))
}

/// The body as JSON, or the 400 response saying why not.
fn json_body(
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
    max: usize,
) -> Result<Value, Box<Response>> {
    let ctype = headers
        .get(header::CONTENT_TYPE)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("");
    let mime = ctype
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    if mime != "application/json" && !(mime.starts_with("application/") && mime.ends_with("+json"))
    {
        return Err(Box::new(bad_request(&format!(
            "the request must be JSON with `Content-Type: application/json`, not `{}`",
            if ctype.is_empty() { "(none)" } else { ctype }
        ))));
    }
    let bytes = body.map_err(|e| {
        Box::new(if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            bad_request(&format!(
                "the request body is larger than the limit of {max} bytes"
            ))
        } else {
            bad_request(&format!("the request body could not be read: {e}"))
        })
    })?;
    serde_json::from_slice(&bytes).map_err(|e| {
        Box::new(bad_request(&format!(
            "the request body is not valid JSON: {e}"
        )))
    })
}

/// What every call to the service checks first: that it names this service, its bearer token
/// (when tokens are required) and a JSON body. Gives the token's issuer and the body.
fn accept(
    s: &Service,
    id: &str,
    endpoint: &str,
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<(Option<String>, Value), Box<Response>> {
    if id != s.id {
        return Err(Box::new(outcome(
            StatusCode::NOT_FOUND,
            "not-found",
            &format!("no service `{id}`: this server offers `{}`", s.id),
        )));
    }
    let issuer = authorise(s, headers, &format!("/cds-services/{id}{endpoint}"))?;
    let request = json_body(headers, body, s.options.max_body)?;
    Ok((issuer, request))
}

async fn hook(
    State(s): State<Arc<Service>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let (issuer, request) = match accept(&s, &id, "", &headers, body) {
        Ok(accepted) => accepted,
        Err(r) => return *r,
    };
    let Some(request) = request.as_object() else {
        return bad_request("the request body must be a JSON object (a CDS Hooks request)");
    };
    match request.get("hook").and_then(Value::as_str) {
        Some("patient-view") => {}
        Some(other) => {
            return bad_request(&format!(
                "this service answers the `patient-view` hook, not `{other}`"
            ));
        }
        None => return bad_request("the request has no `hook` (it must be `patient-view`)"),
    }
    let Some(instance) = request.get("hookInstance").and_then(Value::as_str) else {
        return bad_request("the request has no `hookInstance` (a UUID naming this call)");
    };
    let Some(patient_id) = request
        .get("context")
        .and_then(|c| c.get("patientId"))
        .and_then(Value::as_str)
    else {
        return bad_request("the request has no `context.patientId`");
    };
    let prefetch = request.get("prefetch");
    let missing: Vec<&str> = ["patient", "conditions", "observations"]
        .into_iter()
        .filter(|k| prefetch.and_then(|p| p.get(*k)).is_none_or(Value::is_null))
        .collect();
    if !missing.is_empty() {
        return outcome(
            StatusCode::PRECONDITION_FAILED,
            "incomplete",
            &format!(
                "prefetch is missing {}: this service does not query the FHIR server; send the \
                 prefetch templates of GET /cds-services",
                missing.join(", ")
            ),
        );
    }
    let prefetch = prefetch.unwrap_or(&Value::Null);
    let patient = &prefetch["patient"];
    if patient.get("resourceType").and_then(Value::as_str) != Some("Patient") {
        return bad_request("`prefetch.patient` is not a FHIR Patient resource");
    }
    if patient.get("id").and_then(Value::as_str) != Some(patient_id) {
        return bad_request(&format!(
            "`prefetch.patient` is not patient `{patient_id}` of `context.patientId`"
        ));
    }
    let mut others = Vec::new();
    for key in ["conditions", "observations"] {
        let item = &prefetch[key];
        if !item.is_object() {
            return bad_request(&format!(
                "`prefetch.{key}` must be a FHIR Bundle (a search result) or a resource"
            ));
        }
        for r in patient::resources(item) {
            let subject = r
                .get("subject")
                .and_then(|s| s.get("reference"))
                .and_then(Value::as_str);
            if let Some(reference) = subject
                && reference != format!("Patient/{patient_id}")
                && !reference.ends_with(&format!("/Patient/{patient_id}"))
            {
                return bad_request(&format!(
                    "`prefetch.{key}` holds a resource of another patient (subject `{reference}`)"
                ));
            }
            others.push(r);
        }
    }
    let today = s.options.today.unwrap_or_else(patient::today);
    let record = patient::read(s.bundle, &s.bindings, patient, &others, today);
    let knowledge = s.knowledge(&record);
    let worker = Arc::clone(&s);
    let evaluated = tokio::task::spawn_blocking(move || {
        worker
            .evaluator
            .evaluate(&knowledge)
            .map(|o| cards::cards(worker.bundle, &o))
    })
    .await;
    let cards = match evaluated {
        Ok(Ok(cards)) => cards,
        Ok(Err(clash)) => vec![cards::Card {
            uuid: uuid::Uuid::new_v4().to_string(),
            summary: cards::clip(
                "No exercise advice: the record contradicts itself for this ruleset",
                cards::MAX_SUMMARY,
            ),
            detail: format!(
                "The facts the record gives cannot all hold for one patient under this \
                 ruleset, so no advice is given: {clash}"
            ),
            indicator: "warning",
            source: cards::Source {
                label: s.bundle.ruleset.name.clone(),
                url: None,
            },
        }],
        Err(_) => {
            return outcome(
                StatusCode::INTERNAL_SERVER_ERROR,
                "exception",
                "the evaluation failed; the service goes on",
            );
        }
    };
    let mut note = serde_json::Map::new();
    note.insert("hookInstance".into(), json!(instance));
    note.insert("cards".into(), json!(cards.len()));
    note.insert(
        "known_facts".into(),
        json!(record.true_facts.len() + record.false_facts.len()),
    );
    note.insert("known_measures".into(), json!(record.measures.len()));
    if let Some(iss) = issuer {
        note.insert("iss".into(), json!(iss));
    }
    if !record.notes.is_empty() {
        note.insert("record_notes".into(), json!(record.notes));
    }
    let mut response = Json(json!({ "cards": cards })).into_response();
    response.extensions_mut().insert(LogNote(note));
    response
}

async fn feedback(
    State(s): State<Arc<Service>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let (issuer, request) = match accept(&s, &id, "/feedback", &headers, body) {
        Ok(accepted) => accepted,
        Err(r) => return *r,
    };
    let Some(items) = request.get("feedback").and_then(Value::as_array) else {
        return bad_request("feedback must be a JSON object with a `feedback` array");
    };
    let mut logged = Vec::new();
    for item in items {
        let (Some(card), Some(outcome_text)) = (
            item.get("card").and_then(Value::as_str),
            item.get("outcome").and_then(Value::as_str),
        ) else {
            return bad_request("each feedback item needs `card` (a card's uuid) and `outcome`");
        };
        if !matches!(outcome_text, "accepted" | "overridden") {
            return bad_request(&format!(
                "feedback `outcome` must be `accepted` or `overridden`, not `{outcome_text}`"
            ));
        }
        let mut entry = json!({"card": card, "outcome": outcome_text});
        if let Some(reason) = item.get("overrideReason") {
            entry["overrideReason"] = reason.clone();
        }
        if let Some(at) = item.get("outcomeTimestamp") {
            entry["outcomeTimestamp"] = at.clone();
        }
        logged.push(entry);
    }
    let mut note = serde_json::Map::new();
    note.insert("feedback".into(), Value::Array(logged));
    if let Some(iss) = issuer {
        note.insert("iss".into(), json!(iss));
    }
    let mut response = (StatusCode::OK, Body::empty()).into_response();
    response.extensions_mut().insert(LogNote(note));
    response
}
