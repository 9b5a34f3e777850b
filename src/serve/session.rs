//! One live run of the playground: its checked settings, one training thread per init (see
//! [`super::driver`]), the controls those threads obey (play, pause, step, reset, stop), and the
//! log of what they produced that event streams read from.

pub use super::control::{Control, Cursor, EventLog, Turn};
use super::driver::drive;
use crate::lab::experiments::compare::{CompareConfig, Prepared};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Instant;

/// One live run.
pub struct Session {
    pub id: String,
    pub config: CompareConfig,
    pub prepared: Arc<Prepared>,
    pub every: usize,
    pub control: Arc<Control>,
    pub log: Arc<EventLog>,
    threads: Mutex<Vec<JoinHandle<()>>>,
    generation: Mutex<u64>,
    /// Open event streams.
    pub subscribers: AtomicUsize,
    /// Whether any stream was ever opened.
    watched: std::sync::atomic::AtomicBool,
    /// When the last stream closed (or the run was made).
    pub idle_since: Mutex<Instant>,
}

impl Session {
    pub fn start(id: String, config: CompareConfig, prepared: Prepared, every: usize, paused: bool) -> Arc<Session> {
        let n = config.inits.len();
        let s = Arc::new(Session {
            id,
            config,
            prepared: Arc::new(prepared),
            every,
            control: Arc::new(Control::new(n, !paused)),
            log: Arc::new(EventLog::new(n)),
            threads: Mutex::new(Vec::new()),
            generation: Mutex::new(0),
            subscribers: AtomicUsize::new(0),
            watched: std::sync::atomic::AtomicBool::new(false),
            idle_since: Mutex::new(Instant::now()),
        });
        s.spawn(0);
        s
    }

    fn spawn(&self, generation: u64) {
        let mut threads = self.threads.lock().unwrap_or_else(|e| e.into_inner());
        for k in 0..self.config.inits.len() {
            let (p, c, l, every) = (self.prepared.clone(), self.control.clone(), self.log.clone(), self.every);
            let t = std::thread::Builder::new()
                .name(format!("initlab-run-{}-{k}", self.id))
                .spawn(move || drive(&p, k, &c, &l, generation, every));
            match t {
                Ok(t) => threads.push(t),
                Err(e) => self
                    .log
                    .push(serde_json::json!({"type": "error", "init_index": k, "error": e.to_string()}).to_string()),
            }
        }
    }

    /// Ends the current generation's threads and waits for them.
    fn end_threads(&self) -> u64 {
        let mut g = self.generation.lock().unwrap_or_else(|e| e.into_inner());
        *g += 1;
        let next = *g;
        self.control.set(|c| c.generation = next);
        let threads: Vec<JoinHandle<()>> = std::mem::take(&mut *self.threads.lock().unwrap_or_else(|e| e.into_inner()));
        for t in threads {
            let _ = t.join();
        }
        next
    }

    pub fn pause(&self) {
        self.control.set(|c| c.playing = false);
    }

    pub fn resume(&self) {
        self.control.set(|c| c.playing = true);
    }

    /// One more epoch for every init (while paused).
    pub fn step(&self) {
        self.control.set(|c| {
            c.playing = false;
            c.steps.iter_mut().for_each(|s| *s += 1);
        });
    }

    /// The same inits and seed from epoch 0 again (blocks until the old threads are gone).
    pub fn reset(&self) {
        let g = self.end_threads();
        self.control.set(|c| c.steps.iter_mut().for_each(|s| *s = 0));
        self.log.push(serde_json::json!({"type": "reset"}).to_string());
        self.spawn(g);
    }

    /// Ends training for good (blocks until every thread has ended).
    pub fn stop(&self) {
        self.end_threads();
        self.log.push(serde_json::json!({"type": "stopped"}).to_string());
    }

    pub fn live_threads(&self) -> usize {
        self.threads.lock().unwrap_or_else(|e| e.into_inner()).iter().filter(|t| !t.is_finished()).count()
    }

    pub fn log_watched(&self) -> bool {
        self.watched.load(Ordering::SeqCst)
    }

    pub fn subscribe(&self) {
        self.watched.store(true, Ordering::SeqCst);
        self.subscribers.fetch_add(1, Ordering::SeqCst);
    }

    pub fn unsubscribe(&self) {
        if self.subscribers.fetch_sub(1, Ordering::SeqCst) == 1 {
            *self.idle_since.lock().unwrap_or_else(|e| e.into_inner()) = Instant::now();
        }
    }

    /// Seconds with no stream open (0 while one is).
    pub fn idle_secs(&self) -> f64 {
        if self.subscribers.load(Ordering::SeqCst) > 0 {
            return 0.0;
        }
        self.idle_since.lock().unwrap_or_else(|e| e.into_inner()).elapsed().as_secs_f64()
    }
}
