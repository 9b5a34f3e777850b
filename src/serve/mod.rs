//! `initlab serve`: the live playground. An HTTP server (axum on tokio) that serves one page,
//! every asset embedded in the binary, and an API the page itself uses: `GET /api/schema`,
//! `POST /api/data` (an uploaded CSV/NPY), `POST /api/runs`, `GET /api/runs/{id}/events` (Server-Sent Events), the controls
//! `POST /api/runs/{id}/{pause,resume,step,reset,stop}`, and the exports
//! `GET /api/runs/{id}/command` and `/torch`. Training happens in the Rust engine on plain
//! threads, with `compare`'s own code, so the page's numbers are the command line's.
//!
//! Limits: request bodies ([`MAX_BODY`]), the time to produce a response ([`REQUEST_TIMEOUT`]),
//! requests in flight ([`MAX_IN_FLIGHT`]), open event streams ([`MAX_STREAMS`]), live runs
//! ([`MAX_RUNS`]), and the per-run caps of [`settings`]. Everything over a limit gets a 4xx with a
//! one-line JSON error; nothing is written to disk.

mod api;
mod assets;
mod command;
mod control;
pub mod driver;
pub mod schema;
pub mod session;
pub mod settings;
pub mod snapshot;
pub mod torch;
pub mod upload;

use session::Session;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Largest request body.
pub const MAX_BODY: usize = 64 * 1024;
/// Longest a request may take to get its response head.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(20);
/// Requests being handled at once (event streams count apart).
pub const MAX_IN_FLIGHT: usize = 64;
/// Event streams open at once.
pub const MAX_STREAMS: usize = 32;
/// Live runs per server.
pub const MAX_RUNS: usize = 8;
/// A run with no open event stream for this long is stopped and forgotten (its page closed).
pub const IDLE_GRACE: Duration = Duration::from_secs(3);
/// A run nobody ever opened the events of is stopped after this long.
pub const UNWATCHED_GRACE: Duration = Duration::from_secs(60);

/// The server's whole state: the live runs.
pub struct State {
    pub runs: Mutex<HashMap<String, Arc<Session>>>,
    /// Uploaded data files (in memory).
    pub uploads: upload::Uploads,
    next_id: AtomicU64,
    pub streams: Arc<tokio::sync::Semaphore>,
    pub in_flight: Arc<tokio::sync::Semaphore>,
    /// Set at shutdown: event streams end, so the graceful shutdown does not wait on them.
    pub closing: std::sync::atomic::AtomicBool,
}

impl State {
    pub fn new() -> Arc<State> {
        Arc::new(State {
            runs: Mutex::new(HashMap::new()),
            uploads: upload::Uploads::default(),
            next_id: AtomicU64::new(1),
            streams: Arc::new(tokio::sync::Semaphore::new(MAX_STREAMS)),
            in_flight: Arc::new(tokio::sync::Semaphore::new(MAX_IN_FLIGHT)),
            closing: std::sync::atomic::AtomicBool::new(false),
        })
    }

    pub fn get(&self, id: &str) -> Option<Arc<Session>> {
        self.runs.lock().unwrap_or_else(|e| e.into_inner()).get(id).cloned()
    }

    /// Stops and forgets runs whose page has closed.
    pub fn reap(&self) {
        let idle: Vec<Arc<Session>> = {
            let mut runs = self.runs.lock().unwrap_or_else(|e| e.into_inner());
            let gone: Vec<String> = runs
                .values()
                .filter(|s| {
                    let watched = s.log_watched();
                    let grace = if watched { IDLE_GRACE } else { UNWATCHED_GRACE };
                    s.idle_secs() > grace.as_secs_f64()
                })
                .map(|s| s.id.clone())
                .collect();
            gone.iter().filter_map(|id| runs.remove(id)).collect()
        };
        for s in idle {
            s.stop();
        }
    }

    /// Stops every run (server shutdown).
    pub fn stop_all(&self) {
        let all: Vec<Arc<Session>> =
            self.runs.lock().unwrap_or_else(|e| e.into_inner()).drain().map(|(_, s)| s).collect();
        for s in all {
            s.stop();
        }
    }
}

/// A server started by [`start`]: its address, and the way to stop it.
pub struct Server {
    pub addr: SocketAddr,
    pub state: Arc<State>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Server {
    /// Stops accepting, ends every run's threads and waits for the server thread.
    pub fn stop(mut self) {
        self.shutdown_now();
    }

    fn shutdown_now(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        self.state.stop_all();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.shutdown_now();
    }
}

fn runtime() -> crate::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| crate::Error::invalid("serve", format!("cannot start the server's runtime: {e}")))
}

async fn bind(addr: &str) -> crate::Result<tokio::net::TcpListener> {
    tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| crate::Error::invalid(format!("--host/--port {addr}"), format!("cannot listen there: {e}")))
}

/// Starts a server on `addr` (`127.0.0.1:0` picks a free port) on its own thread (tests,
/// benchmarks).
pub fn start(addr: &str) -> crate::Result<Server> {
    let rt = runtime()?;
    let listener = rt.block_on(bind(addr))?;
    let local = listener.local_addr().map_err(|e| crate::Error::invalid("serve", e))?;
    let state = State::new();
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let st = state.clone();
    let thread = std::thread::Builder::new()
        .name("initlab-serve".into())
        .spawn(move || {
            rt.block_on(async move {
                let app = api::router(st.clone());
                tokio::spawn(api::reaper(st.clone()));
                let _ = axum::serve(listener, app)
                    .with_graceful_shutdown(async move {
                        let _ = rx.await;
                        st.closing.store(true, std::sync::atomic::Ordering::SeqCst);
                    })
                    .await;
            });
            rt.shutdown_timeout(Duration::from_secs(1));
        })
        .map_err(|e| crate::Error::invalid("serve", e))?;
    Ok(Server { addr: local, state, shutdown: Some(tx), thread: Some(thread) })
}

/// `initlab serve`: serves on `addr` until Ctrl-C, printing the URL first; `on_ready` gets the
/// URL once the socket is bound (to open a browser).
pub fn serve_forever(addr: &str, on_ready: &dyn Fn(&str)) -> crate::Result<()> {
    let rt = runtime()?;
    rt.block_on(async {
        let listener = bind(addr).await?;
        let local = listener.local_addr().map_err(|e| crate::Error::invalid("serve", e))?;
        let url = format!("http://{local}/");
        println!("initlab playground at {url} (Ctrl-C stops it)");
        on_ready(&url);
        let state = State::new();
        tokio::spawn(api::reaper(state.clone()));
        let app = api::router(state.clone());
        let st = state.clone();
        let r = axum::serve(listener, app)
            .with_graceful_shutdown(async move {
                let _ = tokio::signal::ctrl_c().await;
                eprintln!("\nstopping");
                st.closing.store(true, std::sync::atomic::Ordering::SeqCst);
            })
            .await;
        tokio::task::spawn_blocking(move || state.stop_all()).await.ok();
        r.map_err(|e| crate::Error::invalid("serve", e))
    })
}

/// `text` on one line (control characters escaped), as the command line prints errors.
pub(crate) fn one_line(text: &str) -> String {
    text.chars().flat_map(|c| if c.is_control() { c.escape_default().collect::<Vec<_>>() } else { vec![c] }).collect()
}
