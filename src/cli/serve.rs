//! `carel serve BUNDLE [--addr HOST:PORT]`: run the CDS Hooks service for a bundle (or a
//! ruleset, compiled in memory) until Ctrl-C or SIGTERM. Exit 0 after a graceful shutdown, 2
//! when the bundle, keys or address cannot be used.

use std::net::SocketAddr;
use std::path::Path;

use super::{FAILED, OK, USAGE, build, eval, load, verify};
use carel::serve::{self, Options, Service, auth::Verifier};

pub struct Args<'a> {
    pub path: &'a str,
    pub addr: &'a str,
    pub jwks: Option<&'a str>,
    pub audience: Vec<String>,
    pub allow_unauthenticated: bool,
    pub require_signature: bool,
    pub key: Option<&'a str>,
    pub max_body: usize,
    pub quiet: bool,
}

pub fn run(a: Args) -> u8 {
    let addr: SocketAddr = match a.addr.parse() {
        Ok(addr) => addr,
        Err(_) => {
            eprintln!(
                "error: `{}` is not an address to listen on: write HOST:PORT with an IP address, like 127.0.0.1:8080",
                a.addr
            );
            return USAGE;
        }
    };
    if a.require_signature {
        let Some(key) = a.key else {
            eprintln!("error: `--require-signature` needs the public key: add `--key PUBLIC_KEY`");
            return USAGE;
        };
        match verify::check(a.path, key, None) {
            Ok(message) => eprint!("{message}"),
            Err((status, message)) => {
                eprintln!("{message}");
                eprintln!(
                    "error: not serving `{}`: its signature is not valid",
                    a.path
                );
                return if status == FAILED { FAILED } else { USAGE };
            }
        }
    } else if a.key.is_some() {
        eprintln!("error: `--key` is used with `--require-signature`");
        return USAGE;
    }
    let verifier = match a.jwks {
        Some(file) => {
            let text = match load::read_limited(Path::new(file), file, 1024 * 1024, "a JWK Set") {
                Ok(b) => String::from_utf8_lossy(&b).into_owned(),
                Err(e) => {
                    eprintln!("error: {}", e.0);
                    return USAGE;
                }
            };
            match Verifier::from_jwks(&text, a.audience.clone()) {
                Ok(v) => Some(v),
                Err(e) => {
                    eprintln!("error: `{file}`: {e}");
                    return USAGE;
                }
            }
        }
        None => None,
    };
    if verifier.is_none() && !addr.ip().is_loopback() && !a.allow_unauthenticated {
        eprintln!(
            "error: `{addr}` is reachable from other machines: give the CDS clients' keys with \
             `--jwks FILE`, or accept unauthenticated calls with `--allow-unauthenticated`"
        );
        return USAGE;
    }
    let bundle = if eval::is_bundle(a.path) {
        eval::load_bundle(a.path)
    } else {
        build::ruleset_bundle(a.path, false, false).map(|b| b.bundle)
    };
    let bundle = match bundle {
        Ok(b) => b,
        Err(status) => return status,
    };
    let options = Options {
        max_body: a.max_body,
        verifier,
        today: None,
        log: !a.quiet,
    };
    let service = match Service::new(bundle, options) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: `{}` cannot be served: {e}", a.path);
            return USAGE;
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the server: {e}");
            return USAGE;
        }
    };
    runtime.block_on(async move {
        let listener = match tokio::net::TcpListener::bind(addr).await {
            Ok(l) => l,
            Err(e) => {
                eprintln!("error: cannot listen on `{addr}`: {}", load::describe(&e));
                return USAGE;
            }
        };
        let local = listener.local_addr().unwrap_or(addr);
        if !service.has_bindings() {
            eprintln!(
                "warning: no fact or measure of the bundle has a `code`: every fact and measure \
                 will be unknown, and the cards will only say what to ask"
            );
        }
        eprintln!(
            "serving `{}` on http://{local}/cds-services (Ctrl-C to stop)",
            service.id()
        );
        match serve::serve(listener, service, serve::shutdown_signal()).await {
            Ok(()) => {
                eprintln!("stopped");
                OK
            }
            Err(e) => {
                eprintln!("error: the server stopped: {e}");
                FAILED
            }
        }
    })
}
