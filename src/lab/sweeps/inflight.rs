//! The running side of a resumable grid: items trained on a pool, each single-threaded inside
//! ([`for_each_pending`]), and when an item in flight saves its state ([`Saver`]); what is saved
//! and where is [`super::records`]'.

use crate::Result;
use rayon::prelude::*;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// What a run in flight does between two epochs.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Pause {
    /// Step on.
    Go,
    /// Save the snapshot and step on.
    Save,
    /// Save the snapshot and stop (Ctrl-C).
    Stop,
}

/// Decides when a run in flight saves its snapshot: every period of wall-clock time (60 s, or
/// `INITLAB_SNAPSHOT_SECS`), and at once when `stop` is set. When it saves does not change what
/// the run computes, only how much a SIGKILL costs.
pub struct Saver<'a> {
    stop: &'a AtomicBool,
    every: Duration,
    last: Instant,
}

impl<'a> Saver<'a> {
    pub fn new(stop: &'a AtomicBool) -> Saver<'a> {
        let secs = std::env::var("INITLAB_SNAPSHOT_SECS").ok().and_then(|s| s.parse::<f64>().ok());
        let every = Duration::from_secs_f64(secs.filter(|s| s.is_finite() && *s >= 0.0).unwrap_or(60.0));
        Saver { stop, every, last: Instant::now() }
    }

    /// Asked between two epochs.
    pub fn poll(&mut self) -> Pause {
        if self.stop.load(Ordering::SeqCst) {
            Pause::Stop
        } else if self.last.elapsed() >= self.every {
            self.last = Instant::now();
            Pause::Save
        } else {
            Pause::Go
        }
    }
}

/// Runs `work` for every item of `items` on a pool of `threads` (0: all cores), each item
/// single-threaded inside; once `stop` is set no new item starts. Returns how many items
/// `work` finished (it returns `false` for one it paused).
pub fn for_each_pending(
    items: &[usize],
    threads: usize,
    stop: &AtomicBool,
    work: &(dyn Fn(usize) -> Result<bool> + Sync),
) -> Result<usize> {
    let pool = crate::lab::run_pool(threads)?;
    let finished = std::sync::atomic::AtomicUsize::new(0);
    pool.install(|| {
        items.par_iter().with_max_len(1).try_for_each(|&r| {
            if stop.load(Ordering::SeqCst) {
                return Ok(());
            }
            if crate::kernels::serial(|| work(r))? {
                finished.fetch_add(1, Ordering::SeqCst);
            }
            Ok(())
        })
    })?;
    Ok(finished.load(Ordering::SeqCst))
}
