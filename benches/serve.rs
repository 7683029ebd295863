//! Load benchmark of `carel serve`: a bounded loop of CDS Hooks `patient-view` calls against
//! the service on 127.0.0.1 (and nowhere else), for the flagship ruleset and for a generated
//! ruleset of 10,000 rules. Prints requests per second, p50 and p99 latency and the number of
//! errors (any status but 200, or a response without cards) for each.
//!
//! ```text
//! cargo bench --bench serve
//! ```
//!
//! Bounded: each run stops after `REQUESTS` calls or `SECONDS` seconds, whichever comes first.
//! The server runs in this process on two runtime threads; `CLIENTS` client threads each keep
//! one connection open. On a two-core machine the clients and the server share the cores.

#[path = "support/generator.rs"]
mod generator;
#[allow(dead_code)]
#[path = "../tests/common/http.rs"]
mod http;
#[allow(dead_code)]
#[path = "../tests/common/server.rs"]
mod server;
#[path = "support/workload.rs"]
mod workload;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use carel::bundle::{self, Bundle};
use carel::serve::Options;
use serde_json::{Value, json};

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const REQUESTS: usize = 400;
const SECONDS: u64 = 60;
const CLIENTS: usize = 4;
/// A call that takes longer than this counts as an error.
const WAIT: Duration = Duration::from_secs(300);

/// The generated ruleset's bundle, with every condition bound to a code of a made-up system,
/// so that a prefetch can name some of them.
fn generated_bundle(rules: usize) -> Bundle {
    let sources = workload::sources(rules);
    let c = carel::compile(&sources);
    let (Some(model), Some(analysis)) = (c.model, c.analysis) else {
        panic!("the generated ruleset compiles");
    };
    let mut b = bundle::build(&model, &analysis, &sources);
    for f in &mut b.vocabulary.conditions {
        f.codes = vec![format!("urn:carel:bench|{}", f.id)];
    }
    for m in &mut b.vocabulary.measures {
        if m.id == "age" {
            m.codes = vec!["age".to_string()];
        }
    }
    b.digest = b.compute_digest();
    b
}

fn condition(id: &str, system: &str, code: &str) -> Value {
    json!({"resourceType": "Condition", "id": id,
        "clinicalStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-clinical", "code": "active"}]},
        "verificationStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-ver-status", "code": "confirmed"}]},
        "code": {"coding": [{"system": system, "code": code}]},
        "subject": {"reference": "Patient/p1"}})
}

fn request(conditions: Vec<Value>) -> Vec<u8> {
    let body = json!({
        "hook": "patient-view",
        "hookInstance": "d1577c69-dfbe-44ad-ba6d-3e05e953b2ea",
        "context": {"userId": "Practitioner/1", "patientId": "p1"},
        "prefetch": {
            "patient": {"resourceType": "Patient", "id": "p1", "birthDate": "1980-05-01"},
            "conditions": {"resourceType": "Bundle", "type": "searchset",
                "entry": conditions.into_iter().map(|r| json!({"resource": r})).collect::<Vec<_>>()},
            "observations": {"resourceType": "Bundle", "type": "searchset", "entry": []}
        }
    });
    serde_json::to_vec(&body).unwrap()
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn run(name: &str, bundle: Bundle, body: Vec<u8>) {
    let path = format!("/cds-services/{}", bundle.ruleset.name);
    let rules = bundle.rules.len();
    let server = server::Server::start(
        bundle,
        Options {
            log: false,
            ..Options::default()
        },
        2,
    );
    let addr = server.addr;
    // One call first, to warm up and to show what a call returns.
    let t = Instant::now();
    let first = http::Client::connect_waiting(addr, WAIT).send(
        "POST",
        &path,
        &[("Content-Type", "application/json")],
        &body,
    );
    assert_eq!(
        first.status,
        200,
        "{}",
        String::from_utf8_lossy(&first.body)
    );
    let cards = first.json()["cards"].as_array().map_or(0, Vec::len);
    let alone = t.elapsed();
    let issued = Arc::new(AtomicUsize::new(0));
    let errors = Arc::new(AtomicUsize::new(0));
    let latencies = Arc::new(Mutex::new(Vec::new()));
    let deadline = Instant::now() + Duration::from_secs(SECONDS);
    let start = Instant::now();
    let threads: Vec<_> = (0..CLIENTS)
        .map(|_| {
            let (issued, errors, latencies, body, path) = (
                Arc::clone(&issued),
                Arc::clone(&errors),
                Arc::clone(&latencies),
                body.clone(),
                path.clone(),
            );
            std::thread::spawn(move || {
                let mut client = http::Client::connect(addr);
                let mut mine = Vec::new();
                while issued.fetch_add(1, Ordering::SeqCst) < REQUESTS && Instant::now() < deadline
                {
                    let t = Instant::now();
                    let r = client.send(
                        "POST",
                        &path,
                        &[("Content-Type", "application/json")],
                        &body,
                    );
                    mine.push(t.elapsed());
                    let ok = r.status == 200
                        && serde_json::from_slice::<Value>(&r.body)
                            .is_ok_and(|v| v["cards"].is_array());
                    if !ok {
                        errors.fetch_add(1, Ordering::SeqCst);
                    }
                }
                latencies.lock().unwrap().extend(mine);
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let elapsed = start.elapsed();
    let mut l = latencies.lock().unwrap().clone();
    l.sort();
    println!(
        "{name}: {rules} rules, {cards} cards per call, {:.1} ms for a call alone; {} calls in {:.1} s \
         from {CLIENTS} connections: {:.1} requests/s, p50 {:.1} ms, p99 {:.1} ms, {} errors",
        alone.as_secs_f64() * 1000.0,
        l.len(),
        elapsed.as_secs_f64(),
        l.len() as f64 / elapsed.as_secs_f64(),
        percentile(&l, 0.50).as_secs_f64() * 1000.0,
        percentile(&l, 0.99).as_secs_f64() * 1000.0,
        errors.load(Ordering::SeqCst)
    );
}

fn main() {
    // `cargo test --benches` runs this with `--bench` absent: do nothing then.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let sciatica = request(vec![condition("c1", "http://snomed.info/sct", "23056005")]);
    run(
        "flagship, patient with sciatica",
        server::flagship_bundle(),
        sciatica,
    );
    let big = generated_bundle(10_000);
    let known: Vec<Value> = big
        .vocabulary
        .conditions
        .iter()
        .take(3)
        .enumerate()
        .map(|(i, c)| condition(&format!("c{i}"), "urn:carel:bench", &c.id))
        .collect();
    run("generated, 10,000 rules", big, request(known));
}
