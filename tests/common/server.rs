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
pub fn flagship_bundle() -> Bundle {
    let root = env!("CARGO_MANIFEST_DIR");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_carel"))
        .args(["build", &format!("{root}/rulesets/lower_back_pain")])
        .output()
        .expect("carel runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    Bundle::from_json(&String::from_utf8(out.stdout).unwrap()).unwrap()
}
