//! `carel serve`: real HTTP requests against the running CDS Hooks service, with FHIR R4
//! prefetch fixtures for patients of the flagship ruleset (`tests/fixtures/cds/`), the cards
//! checked against the partial evaluation and `carel eval`, and against the CDS Hooks card
//! rules; errors, feedback, CORS, JWT and the command line.

#[allow(dead_code)]
#[path = "common/fhir.rs"]
mod fhir;
#[allow(dead_code)]
#[path = "common/http.rs"]
mod http;
#[allow(dead_code)]
#[path = "common/server.rs"]
mod server;

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use carel::bundle::Bundle;
use carel::partial::{Knowledge, PartialEvaluator, Status};
use carel::serve::Options;
use serde_json::{Value, json};

use http::{Client, post_json, request};
use server::{Server, flagship_bundle, served_ruleset};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/cds");
const SERVICE: &str = "/cds-services/lower_back_pain";
/// The date the fixtures' ages are computed on.
const TODAY: (i32, u32, u32) = (2026, 6, 1);

fn fixture(name: &str) -> Value {
    let text = std::fs::read_to_string(format!("{FIXTURES}/{name}.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn options() -> Options {
    Options {
        today: Some(TODAY),
        log: false,
        ..Options::default()
    }
}

fn start() -> (Server, Bundle) {
    let bundle = flagship_bundle();
    (Server::start(bundle.clone(), options(), 2), bundle)
}

/// The CDS Hooks 2.0 rules for a card.
fn check_card_rules(cards: &[Value]) {
    let mut uuids = BTreeSet::new();
    for c in cards {
        let summary = c["summary"].as_str().expect("summary is a string");
        assert!(!summary.is_empty());
        assert!(
            summary.chars().count() <= 140,
            "summary too long: {summary}"
        );
        assert!(
            ["info", "warning", "critical"].contains(&c["indicator"].as_str().unwrap()),
            "{c}"
        );
        let label = c["source"]["label"]
            .as_str()
            .expect("source.label is required");
        assert!(!label.is_empty());
        if let Some(url) = c["source"].get("url") {
            assert!(url.as_str().unwrap().starts_with("http"), "{url}");
        }
        assert!(c["detail"].is_string());
        let uuid = c["uuid"].as_str().unwrap();
        let groups: Vec<usize> = uuid.split('-').map(str::len).collect();
        assert_eq!(groups, [8, 4, 4, 4, 12], "not a UUID: {uuid}");
        assert!(uuids.insert(uuid.to_string()), "uuids must be unique");
    }
}

fn labels(b: &Bundle) -> BTreeMap<&str, &str> {
    let v = &b.vocabulary;
    v.exercises
        .iter()
        .map(|e| (e.id.as_str(), e.label.as_deref().unwrap_or(&e.id)))
        .chain(
            v.conditions
                .iter()
                .chain(&v.factors)
                .map(|f| (f.id.as_str(), f.label.as_deref().unwrap_or(&f.id))),
        )
        .chain(
            v.measures
                .iter()
                .map(|m| (m.id.as_str(), m.label.as_deref().unwrap_or(&m.id))),
        )
        .collect()
}

fn verb(a: carel::model::Action) -> &'static str {
    use carel::model::Action::*;
    match a {
        Avoid => "Avoid",
        Refer => "Refer first",
        Caution => "Caution",
        Recommend => "Recommend",
        Consider => "Consider",
    }
}

/// Every fact and measure not in `given`/`not` is unknown.
fn knowledge(b: &Bundle, given: &[&str], measures: &[(&str, f64)], not: &[&str]) -> Knowledge {
    let mut k = Knowledge::default();
    k.given.facts = given.iter().map(|s| s.to_string()).collect();
    k.given.measures = measures.iter().map(|(m, v)| (m.to_string(), *v)).collect();
    k.not = not.iter().map(|s| s.to_string()).collect();
    let v = &b.vocabulary;
    for f in v.conditions.iter().chain(&v.factors) {
        if !given.contains(&f.id.as_str()) && !not.contains(&f.id.as_str()) {
            k.unknown_facts.insert(f.id.clone());
        }
    }
    for m in &v.measures {
        if !measures.iter().any(|(n, _)| *n == m.id) {
            k.unknown_measures.insert(m.id.clone());
        }
    }
    k
}

/// The cards must be exactly those the partial evaluation calls for.
fn check_cards_match(b: &Bundle, cards: &[Value], k: &Knowledge) {
    let outcome = PartialEvaluator::new(b).unwrap().evaluate(k).unwrap();
    let l = labels(b);
    let summaries: Vec<&str> = cards
        .iter()
        .map(|c| c["summary"].as_str().unwrap())
        .collect();
    let mut expected = 0;
    for e in &outcome.exercises {
        let label = l[e.exercise.as_str()];
        match e.status {
            Status::Settled => {
                let Some(action) = e.possible[0].advice else {
                    assert!(
                        !summaries.iter().any(|s| s.ends_with(&format!(": {label}"))),
                        "{label} has no advice but a card"
                    );
                    continue;
                };
                expected += 1;
                let head = format!("{}: {label}", verb(action));
                let card = cards
                    .iter()
                    .find(|c| {
                        let s = c["summary"].as_str().unwrap();
                        s == head || s.starts_with(&format!("{head}, "))
                    })
                    .unwrap_or_else(|| panic!("no card `{head}` in {summaries:#?}"));
                let indicator = match action {
                    carel::model::Action::Avoid => "critical",
                    carel::model::Action::Refer | carel::model::Action::Caution => "warning",
                    _ => "info",
                };
                assert_eq!(card["indicator"], indicator, "{head}");
                // The deciding rules' `because` is in the detail.
                let trace = e.possible[0].trace.as_ref().unwrap();
                for r in &trace.rules {
                    let rule = b.rule(r).unwrap();
                    if let Some(because) = &rule.because {
                        let start: String = because.chars().take(30).collect();
                        assert!(
                            card["detail"].as_str().unwrap().contains(&start),
                            "{head}: detail lacks {start:?}"
                        );
                    }
                }
            }
            Status::Depends => {
                expected += 1;
                let head = format!("{label}: ");
                let card = cards
                    .iter()
                    .find(|c| c["summary"].as_str().unwrap().starts_with(&head))
                    .unwrap_or_else(|| panic!("no depends card for {label}"));
                for p in &e.possible {
                    let word = p.advice.map_or("no advice", |a| a.as_str());
                    assert!(
                        card["summary"].as_str().unwrap().contains(word)
                            || card["summary"].as_str().unwrap().ends_with('…'),
                        "{card}"
                    );
                }
                for d in &e.depends_on {
                    assert!(
                        card["detail"].as_str().unwrap().contains(l[d.as_str()]),
                        "{card}"
                    );
                }
            }
            Status::TooComplex => expected += 1,
        }
    }
    if !outcome.ask_next.is_empty() {
        expected += 1;
        let ask = cards.last().unwrap();
        let s = ask["summary"].as_str().unwrap();
        assert!(s.starts_with("Ask next: "), "{s}");
        let first = l[outcome.ask_next[0].name.as_str()];
        assert!(ask["detail"].as_str().unwrap().contains(first), "{ask}");
    }
    assert_eq!(cards.len(), expected, "{summaries:#?}");
}

#[test]
fn discovery_lists_one_patient_view_service_with_prefetch() {
    let (server, _) = start();
    let r = request(server.addr, "GET", "/cds-services", &[], b"");
    assert_eq!(r.status, 200);
    let v = r.json();
    let services = v["services"].as_array().unwrap();
    assert_eq!(services.len(), 1);
    let s = &services[0];
    assert_eq!(s["hook"], "patient-view");
    assert_eq!(s["id"], "lower_back_pain");
    assert!(s["title"].as_str().unwrap().contains("lower back pain"));
    assert!(!s["description"].as_str().unwrap().is_empty());
    assert_eq!(s["prefetch"]["patient"], "Patient/{{context.patientId}}");
    assert_eq!(
        s["prefetch"]["conditions"],
        "Condition?patient={{context.patientId}}"
    );
    assert_eq!(
        s["prefetch"]["observations"],
        "Observation?patient={{context.patientId}}"
    );
}

#[test]
fn a_patient_with_sciatica_gets_the_cards_of_the_partial_evaluation() {
    let (server, bundle) = start();
    let r = post_json(server.addr, SERVICE, &fixture("sciatica"));
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    let cards = r.json()["cards"].as_array().unwrap().clone();
    check_card_rules(&cards);
    // Born 1980-05-01: 46 on 2026-06-01. Sciatica is known; everything else is unknown.
    let k = knowledge(&bundle, &["sciatica"], &[("age", 46.0)], &[]);
    check_cards_match(&bundle, &cards, &k);
    let hamstring = cards
        .iter()
        .find(|c| c["summary"] == "Avoid: Hamstring stretch")
        .expect("sciatica: avoid the hamstring stretch");
    assert_eq!(hamstring["indicator"], "critical");
    assert!(
        hamstring["detail"]
            .as_str()
            .unwrap()
            .contains("sciatic nerve")
    );
    assert!(
        hamstring["detail"]
            .as_str()
            .unwrap()
            .contains("*Rule `sciatica_no_hamstring_stretch`*")
    );
    // The last card asks what would settle the most advice.
    assert!(
        cards.last().unwrap()["summary"]
            .as_str()
            .unwrap()
            .starts_with("Ask next: ")
    );
    // Settled advice comes before advice that depends on unknowns, most protective first.
    let settled: Vec<usize> = cards
        .iter()
        .enumerate()
        .filter(|(_, c)| c["summary"].as_str().unwrap().starts_with("Avoid: "))
        .map(|(i, _)| i)
        .collect();
    assert_eq!(
        settled,
        (0..settled.len()).collect::<Vec<_>>(),
        "avoid cards first"
    );
    assert!(
        cards
            .iter()
            .filter(|c| c["indicator"] == "critical")
            .all(|c| c["summary"].as_str().unwrap().starts_with("Avoid: "))
    );
}

#[test]
fn the_cards_agree_with_carel_eval() {
    let (server, _) = start();
    let cards = post_json(server.addr, SERVICE, &fixture("sciatica")).json()["cards"]
        .as_array()
        .unwrap()
        .clone();
    let out = Command::new(env!("CARGO_BIN_EXE_carel"))
        .args([
            "eval",
            &served_ruleset(),
            "--given",
            "sciatica,age=46",
            "--unknown",
            "all",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let eval: Value = serde_json::from_slice(&out.stdout).unwrap();
    let bundle = flagship_bundle();
    let l = labels(&bundle);
    let mut settled = 0;
    for e in eval["exercises"].as_array().unwrap() {
        let label = l[e["exercise"].as_str().unwrap()];
        let possible = e["possible"].as_array().unwrap();
        if e["status"] == "settled" && possible[0]["advice"].is_string() {
            settled += 1;
            let advice = possible[0]["advice"].as_str().unwrap();
            let head = format!(
                "{}: {label}",
                verb(carel::model::Action::parse(advice).unwrap())
            );
            assert!(
                cards.iter().any(|c| {
                    let s = c["summary"].as_str().unwrap();
                    s == head || s.starts_with(&format!("{head}, "))
                }),
                "carel eval says {advice} {label}; no such card"
            );
        }
    }
    let settled_cards = cards
        .iter()
        .filter(|c| {
            let s = c["summary"].as_str().unwrap();
            [
                "Avoid: ",
                "Refer first: ",
                "Caution: ",
                "Recommend: ",
                "Consider: ",
            ]
            .iter()
            .any(|p| s.starts_with(p))
        })
        .count();
    assert_eq!(settled_cards, settled);
}

#[test]
fn resolved_and_provisional_conditions() {
    let (server, bundle) = start();
    // Resolved sciatica: known not to hold. Born 1950-01-15: 76.
    let r = post_json(server.addr, SERVICE, &fixture("resolved_sciatica"));
    assert_eq!(r.status, 200);
    let cards = r.json()["cards"].as_array().unwrap().clone();
    check_card_rules(&cards);
    check_cards_match(
        &bundle,
        &cards,
        &knowledge(&bundle, &[], &[("age", 76.0)], &["sciatica"]),
    );
    assert!(
        !cards
            .iter()
            .any(|c| c["summary"] == "Avoid: Hamstring stretch")
    );
    // Provisional sciatica and a birth year alone: sciatica and age stay unknown.
    let r = post_json(server.addr, SERVICE, &fixture("provisional_sciatica"));
    assert_eq!(r.status, 200);
    let cards = r.json()["cards"].as_array().unwrap().clone();
    check_card_rules(&cards);
    check_cards_match(&bundle, &cards, &knowledge(&bundle, &[], &[], &[]));
    let hamstring = cards
        .iter()
        .find(|c| {
            c["summary"]
                .as_str()
                .unwrap()
                .starts_with("Hamstring stretch: ")
        })
        .expect("the hamstring stretch depends on sciatica");
    assert!(hamstring["detail"].as_str().unwrap().contains("Sciatica"));
}

#[test]
fn the_prefetch_fixtures_are_valid_fhir_r4() {
    let Some(python) = fhir::python() else { return };
    let mut resources: Vec<(String, Value)> = Vec::new();
    for name in ["sciatica", "resolved_sciatica", "provisional_sciatica"] {
        let f = fixture(name);
        for key in ["patient", "conditions", "observations"] {
            resources.push((format!("{name}-{key}"), f["prefetch"][key].clone()));
        }
    }
    let refs: Vec<(&str, &Value)> = resources.iter().map(|(n, v)| (n.as_str(), v)).collect();
    fhir::validate(&python, &refs);
}

fn outcome_of(r: &http::Response) -> String {
    let v = r.json();
    assert_eq!(v["resourceType"], "OperationOutcome", "{v}");
    assert_eq!(v["issue"][0]["severity"], "error");
    v["issue"][0]["diagnostics"].as_str().unwrap().to_string()
}

#[test]
fn bad_requests_get_400_and_the_service_goes_on() {
    let bundle = flagship_bundle();
    let server = Server::start(
        bundle,
        Options {
            max_body: 64 * 1024,
            ..options()
        },
        2,
    );
    let a = server.addr;
    let json_ct = [("Content-Type", "application/json")];
    // Malformed JSON.
    let r = request(a, "POST", SERVICE, &json_ct, b"{\"hook\": ");
    assert_eq!(r.status, 400);
    assert!(outcome_of(&r).contains("not valid JSON"));
    // Wrong content type.
    let body = serde_json::to_vec(&fixture("sciatica")).unwrap();
    let r = request(a, "POST", SERVICE, &[("Content-Type", "text/plain")], &body);
    assert_eq!(r.status, 400);
    assert!(outcome_of(&r).contains("Content-Type: application/json"));
    let r = request(a, "POST", SERVICE, &[], &body);
    assert_eq!(r.status, 400);
    // Wrong hook.
    let mut wrong = fixture("sciatica");
    wrong["hook"] = json!("order-select");
    let r = post_json(a, SERVICE, &wrong);
    assert_eq!(r.status, 400);
    assert!(outcome_of(&r).contains("not `order-select`"));
    // No hookInstance, no patientId, not an object.
    let mut no_instance = fixture("sciatica");
    no_instance.as_object_mut().unwrap().remove("hookInstance");
    assert_eq!(post_json(a, SERVICE, &no_instance).status, 400);
    let mut no_patient = fixture("sciatica");
    no_patient["context"]
        .as_object_mut()
        .unwrap()
        .remove("patientId");
    assert_eq!(post_json(a, SERVICE, &no_patient).status, 400);
    assert_eq!(post_json(a, SERVICE, &json!([1, 2])).status, 400);
    // Oversized body (the limit here is 64 KiB).
    let mut big = fixture("sciatica");
    big["padding"] = json!("x".repeat(100 * 1024));
    let r = post_json(a, SERVICE, &big);
    assert_eq!(r.status, 400);
    assert!(outcome_of(&r).contains("larger than the limit of 65536 bytes"));
    // Resources of another patient.
    let mut other = fixture("sciatica");
    other["prefetch"]["conditions"]["entry"][0]["resource"]["subject"]["reference"] =
        json!("Patient/someone-else");
    let r = post_json(a, SERVICE, &other);
    assert_eq!(r.status, 400);
    assert!(outcome_of(&r).contains("another patient"));
    let mut not_patient = fixture("sciatica");
    not_patient["context"]["patientId"] = json!("p-other");
    assert_eq!(post_json(a, SERVICE, &not_patient).status, 400);
    // Unknown service, unknown path, wrong method.
    let r = post_json(a, "/cds-services/nope", &fixture("sciatica"));
    assert_eq!(r.status, 404);
    assert!(outcome_of(&r).contains("lower_back_pain"));
    assert_eq!(request(a, "GET", "/nothing", &[], b"").status, 404);
    assert_eq!(request(a, "GET", SERVICE, &[], b"").status, 405);
    // Still serving.
    assert_eq!(request(a, "GET", "/cds-services", &[], b"").status, 200);
}

#[test]
fn missing_prefetch_gets_412_with_an_operation_outcome() {
    let (server, _) = start();
    for key in ["patient", "conditions", "observations"] {
        let mut r = fixture("sciatica");
        r["prefetch"].as_object_mut().unwrap().remove(key);
        let resp = post_json(server.addr, SERVICE, &r);
        assert_eq!(resp.status, 412, "{key}");
        assert_eq!(resp.header("content-type"), Some("application/fhir+json"));
        let msg = outcome_of(&resp);
        assert!(
            msg.contains(key) && msg.contains("does not query the FHIR server"),
            "{msg}"
        );
        assert_eq!(resp.json()["issue"][0]["code"], "incomplete");
    }
    // A prefetch the client could not fill is null: the same.
    let mut r = fixture("sciatica");
    r["prefetch"]["observations"] = Value::Null;
    assert_eq!(post_json(server.addr, SERVICE, &r).status, 412);
    let mut r = fixture("sciatica");
    r.as_object_mut().unwrap().remove("prefetch");
    assert_eq!(post_json(server.addr, SERVICE, &r).status, 412);
}

#[test]
fn feedback_is_accepted_and_checked() {
    let (server, _) = start();
    let path = format!("{SERVICE}/feedback");
    let ok = json!({"feedback": [{
        "card": "7e916e59-1865-4c59-9164-87e0489d800c",
        "outcome": "overridden",
        "overrideReason": {"reason": {"code": "not-relevant"}, "userComment": "already assessed"},
        "outcomeTimestamp": "2026-06-01T10:00:00Z"
    }]});
    let r = post_json(server.addr, &path, &ok);
    assert_eq!(r.status, 200);
    assert!(r.body.is_empty());
    let r = post_json(
        server.addr,
        &path,
        &json!({"feedback": [{"card": "x", "outcome": "maybe"}]}),
    );
    assert_eq!(r.status, 400);
    assert!(outcome_of(&r).contains("accepted"));
    assert_eq!(
        post_json(server.addr, &path, &json!({"cards": []})).status,
        400
    );
}

#[test]
fn browsers_may_call_the_service() {
    let (server, _) = start();
    let r = request(
        server.addr,
        "OPTIONS",
        SERVICE,
        &[
            ("Origin", "https://ehr.example.org"),
            ("Access-Control-Request-Method", "POST"),
            (
                "Access-Control-Request-Headers",
                "authorization, content-type",
            ),
        ],
        b"",
    );
    assert_eq!(r.status, 200);
    assert_eq!(r.header("access-control-allow-origin"), Some("*"));
    let methods = r.header("access-control-allow-methods").unwrap();
    assert!(methods.contains("POST"), "{methods}");
    let r = request(
        server.addr,
        "GET",
        "/cds-services",
        &[("Origin", "https://ehr.example.org")],
        b"",
    );
    assert_eq!(r.header("access-control-allow-origin"), Some("*"));
}

fn token(aud: &str, exp_in: i64, alg: jsonwebtoken::Algorithm) -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let claims = json!({
        "iss": "https://ehr.example.org", "sub": "client-1", "aud": aud,
        "exp": now + exp_in, "iat": now, "jti": format!("jti-{now}-{exp_in}")
    });
    let mut header = jsonwebtoken::Header::new(alg);
    header.kid = Some("test-client".to_string());
    let key = match alg {
        jsonwebtoken::Algorithm::ES384 => jsonwebtoken::EncodingKey::from_ec_pem(
            &std::fs::read(format!("{FIXTURES}/client-es384.pem")).unwrap(),
        )
        .unwrap(),
        _ => jsonwebtoken::EncodingKey::from_secret(b"a shared secret").unwrap(),
    };
    jsonwebtoken::encode(&header, &claims, &key).unwrap()
}

#[test]
fn a_bearer_jwt_is_verified_when_keys_are_given() {
    let jwks = std::fs::read_to_string(format!("{FIXTURES}/jwks.json")).unwrap();
    let verifier = carel::serve::auth::Verifier::from_jwks(&jwks, Vec::new()).unwrap();
    let server = Server::start(
        flagship_bundle(),
        Options {
            verifier: Some(verifier),
            ..options()
        },
        2,
    );
    let a = server.addr;
    let aud = format!("http://{a}{SERVICE}");
    let body = serde_json::to_vec(&fixture("sciatica")).unwrap();
    let call = |auth: Option<String>| {
        let mut headers = vec![("Content-Type", "application/json".to_string())];
        if let Some(t) = auth {
            headers.push(("Authorization", t));
        }
        let h: Vec<(&str, &str)> = headers.iter().map(|(n, v)| (*n, v.as_str())).collect();
        request(a, "POST", SERVICE, &h, &body)
    };
    let good = call(Some(format!(
        "Bearer {}",
        token(&aud, 300, jsonwebtoken::Algorithm::ES384)
    )));
    assert_eq!(good.status, 200, "{}", String::from_utf8_lossy(&good.body));
    let none = call(None);
    assert_eq!(none.status, 401);
    assert_eq!(none.header("www-authenticate"), Some("Bearer"));
    assert!(outcome_of(&none).contains("bearer JWT is required"));
    let expired = call(Some(format!(
        "Bearer {}",
        token(&aud, -3600, jsonwebtoken::Algorithm::ES384)
    )));
    assert_eq!(expired.status, 401);
    let elsewhere = call(Some(format!(
        "Bearer {}",
        token(
            "https://other.example.org/cds-services/x",
            300,
            jsonwebtoken::Algorithm::ES384
        )
    )));
    assert_eq!(elsewhere.status, 401);
    let hmac = call(Some(format!(
        "Bearer {}",
        token(&aud, 300, jsonwebtoken::Algorithm::HS256)
    )));
    assert_eq!(hmac.status, 401);
    assert!(outcome_of(&hmac).contains("ES384 and RS384"));
    assert_eq!(call(Some("Bearer not.a.jwt".to_string())).status, 401);
    // Discovery stays open.
    assert_eq!(request(a, "GET", "/cds-services", &[], b"").status, 200);
}

#[test]
fn many_requests_on_one_connection() {
    let (server, _) = start();
    let mut c = Client::connect(server.addr);
    for _ in 0..20 {
        assert_eq!(c.send("GET", "/cds-services", &[], b"").status, 200);
    }
}

/// Start `carel serve` and wait for its "serving" line; returns the child and the address.
fn spawn_cli(args: &[&str]) -> (std::process::Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_carel"))
        .arg("serve")
        .args(args)
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let addr = loop {
        let line = lines.next().expect("carel serve said nothing").unwrap();
        if let Some(rest) = line.split("on http://").nth(1) {
            break rest.split('/').next().unwrap().to_string();
        }
    };
    // Keep draining the log so the server never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    (child, addr)
}

#[cfg(unix)]
#[test]
fn the_command_serves_a_signed_bundle_and_stops_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let base = dir.path().join("team").to_string_lossy().into_owned();
    let carel = env!("CARGO_BIN_EXE_carel");
    assert!(
        Command::new(carel)
            .args(["keygen", &base])
            .output()
            .unwrap()
            .status
            .success()
    );
    let bundle = dir.path().join("lbp.json").to_string_lossy().into_owned();
    let built = Command::new(carel)
        .args([
            "build",
            &served_ruleset(),
            "--sign",
            &format!("{base}.key"),
            "-o",
            &bundle,
        ])
        .output()
        .unwrap();
    assert!(built.status.success());
    let pk = format!("{base}.pub");
    let (mut child, addr) = spawn_cli(&[
        &bundle,
        "--addr",
        "127.0.0.1:0",
        "--require-signature",
        "--key",
        &pk,
    ]);
    let addr: std::net::SocketAddr = addr.parse().unwrap();
    let r = request(addr, "GET", "/cds-services", &[], b"");
    assert_eq!(r.status, 200);
    let r = post_json(addr, SERVICE, &fixture("sciatica"));
    assert_eq!(r.status, 200);
    assert!(
        r.json()["cards"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["summary"] == "Avoid: Hamstring stretch")
    );
    let pid = child.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0));

    // A tampered bundle is refused before anything listens.
    let text = std::fs::read_to_string(&bundle).unwrap();
    std::fs::write(&bundle, text.replacen("Hamstring", "Hamstrung", 1)).unwrap();
    let out = Command::new(carel)
        .args([
            "serve",
            &bundle,
            "--addr",
            "127.0.0.1:0",
            "--require-signature",
            "--key",
            &pk,
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("its signature is not valid"));
}

#[test]
fn the_command_refuses_unsafe_or_unusable_settings() {
    let carel = env!("CARGO_BIN_EXE_carel");
    let ruleset = served_ruleset();
    let run = |args: &[&str]| {
        Command::new(carel)
            .arg("serve")
            .args(args)
            .output()
            .unwrap()
    };
    // Reachable from other machines without keys.
    let out = run(&[&ruleset, "--addr", "0.0.0.0:0"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--jwks"));
    let out = run(&[&ruleset, "--addr", "localhost"]);
    assert_eq!(out.status.code(), Some(2));
    let out = run(&[&ruleset, "--require-signature"]);
    assert_eq!(out.status.code(), Some(2));
    let out = run(&[&ruleset, "--jwks", &format!("{FIXTURES}/sciatica.json")]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("JWK Set"));
}

#[test]
fn the_request_log_is_one_json_line_per_request() {
    let carel = env!("CARGO_BIN_EXE_carel");
    let mut child = Command::new(carel)
        .args(["serve", &served_ruleset(), "--addr", "127.0.0.1:0"])
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let addr: std::net::SocketAddr = loop {
        let line = lines.next().unwrap().unwrap();
        if let Some(rest) = line.split("on http://").nth(1) {
            break rest.split('/').next().unwrap().parse().unwrap();
        }
    };
    let r = post_json(addr, SERVICE, &json!({"hook": "patient-view"}));
    assert_eq!(r.status, 400);
    let line = lines.next().unwrap().unwrap();
    let _ = child.kill();
    let _ = child.wait();
    let v: Value = serde_json::from_str(&line).unwrap_or_else(|e| panic!("{e}: {line}"));
    assert_eq!(v["method"], "POST");
    assert_eq!(v["path"], SERVICE);
    assert_eq!(v["status"], 400);
    assert!(v["ms"].is_number());
    assert!(v["error"].as_str().unwrap().contains("hookInstance"));
}
