//! The controls a live run's training threads obey (play, pause, step, reset, stop) and the log
//! of what they produced, which event streams read from.

use std::sync::{Arc, Condvar, Mutex};

/// What the training threads obey.
pub struct Control {
    state: Mutex<Ctl>,
    cv: Condvar,
}

pub(super) struct Ctl {
    pub(super) playing: bool,
    /// Epochs each init may still train while paused (Step adds one to each).
    pub(super) steps: Vec<usize>,
    /// Bumped by reset and stop: threads of an older generation end.
    pub(super) generation: u64,
}

/// Why a training thread stops waiting.
pub enum Turn {
    Go,
    End,
}

impl Control {
    pub(super) fn new(inits: usize, playing: bool) -> Control {
        Control { state: Mutex::new(Ctl { playing, steps: vec![0; inits], generation: 0 }), cv: Condvar::new() }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Ctl> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Blocks until init `k` of generation `generation` may train one more epoch.
    pub fn wait_turn(&self, k: usize, generation: u64) -> Turn {
        let mut c = self.lock();
        loop {
            if c.generation != generation {
                return Turn::End;
            }
            if c.playing {
                return Turn::Go;
            }
            if c.steps[k] > 0 {
                c.steps[k] -= 1;
                return Turn::Go;
            }
            c = self.cv.wait(c).unwrap_or_else(|e| e.into_inner());
        }
    }

    pub fn playing(&self) -> bool {
        self.lock().playing
    }

    pub(super) fn set(&self, f: impl FnOnce(&mut Ctl)) {
        f(&mut self.lock());
        self.cv.notify_all();
    }
}

/// What a run produced, in order: small per-epoch events kept in full, and the latest instrument
/// snapshot of each init (a snapshot replaces the one before it, so memory stays bounded however
/// long someone steps).
pub struct EventLog {
    inner: Mutex<LogInner>,
}

struct LogInner {
    events: Vec<Arc<str>>,
    /// (sequence number, JSON) of each init's latest snapshot.
    snaps: Vec<Option<(u64, Arc<str>)>>,
    seq: u64,
}

/// A reader's place in the log.
#[derive(Clone, Default)]
pub struct Cursor {
    next: usize,
    seen: Vec<u64>,
}

impl EventLog {
    pub(super) fn new(inits: usize) -> EventLog {
        EventLog { inner: Mutex::new(LogInner { events: Vec::new(), snaps: vec![None; inits], seq: 0 }) }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, LogInner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn push(&self, json: String) {
        self.lock().events.push(json.into());
    }

    pub fn snapshot(&self, k: usize, json: String) {
        let mut l = self.lock();
        l.seq += 1;
        let s = l.seq;
        l.snaps[k] = Some((s, json.into()));
    }

    /// Everything after `cursor` (events first, then newer snapshots), moving the cursor on.
    pub fn since(&self, cursor: &mut Cursor) -> Vec<Arc<str>> {
        let l = self.lock();
        let mut out: Vec<Arc<str>> = l.events[cursor.next.min(l.events.len())..].to_vec();
        cursor.next = l.events.len();
        cursor.seen.resize(l.snaps.len(), 0);
        for (k, s) in l.snaps.iter().enumerate() {
            if let Some((seq, json)) = s {
                if *seq > cursor.seen[k] {
                    cursor.seen[k] = *seq;
                    out.push(json.clone());
                }
            }
        }
        out
    }

    pub fn len(&self) -> usize {
        self.lock().events.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
