//! A CDS Hooks service running in this process on 127.0.0.1 (an ephemeral port), stopped
//! gracefully when dropped. Shared by the service tests and the load benchmark.

use std::net::SocketAddr;
use std::sync::Arc;

use carel::bundle::Bundle;
use carel::serve::{self, Options, Service};

pub struct Server {
    pub addr: SocketAddr,
    pub service: Arc<Service>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Server {
    /// Serve `bundle` on `workers` runtime threads.
    pub fn start(bundle: Bundle, options: Options, workers: usize) -> Server {
        let service = Service::new(bundle, options).expect("a servable bundle");
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let (tell, told) = std::sync::mpsc::channel();
        let running = Arc::clone(&service);
        let thread = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(workers)
                .enable_all()
                .build()
                .expect("a runtime");
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
                tell.send(listener.local_addr().unwrap()).unwrap();
                serve::serve(listener, running, async {
                    let _ = stopped.await;
                })
                .await
                .unwrap();
            });
        });
        let addr = told.recv().expect("the server started");
        Server {
            addr,
            service,
            stop: Some(stop),
            thread: Some(thread),
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// The flagship ruleset's bundle, built by the `carel` binary.
/// The ruleset the service tests serve: the flagship, plus a measure bound to the patient's age
/// (`code "age"`), so that the mapping from `Patient.birthDate` is exercised. The flagship itself
/// has no rule about age.
pub fn served_ruleset() -> String {
    static DIR: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DIR.get_or_init(|| {
        let flagship =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("rulesets/lower_back_pain");
        let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
            .join(format!("served-ruleset-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("a folder for the served ruleset");
        for entry in std::fs::read_dir(&flagship).expect("the flagship ruleset") {
            let path = entry.expect("a flagship file").path();
            if path.extension().is_some_and(|e| e == "carel") {
                std::fs::copy(&path, dir.join(path.file_name().unwrap())).expect("a copy");
            }
        }
        std::fs::write(
            dir.join("age.carel"),
            "measure age \"Age\" unit \"years\" range 0..120 code \"age\"\n",
        )
        .expect("the age measure");
        dir.to_string_lossy().into_owned()
    })
    .clone()
}

/// The bundle of [`served_ruleset`].
pub fn flagship_bundle() -> Bundle {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_carel"))
        .args(["build", &served_ruleset()])
        .output()
        .expect("carel runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    Bundle::from_json(&String::from_utf8(out.stdout).unwrap()).unwrap()
}
