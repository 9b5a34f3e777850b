//! Progress counted in epochs, not runs: a sweep of one 10 000-epoch run moves its bar every
//! epoch instead of sitting at 0/1 until it ends. Every run adds exactly its configured number of
//! epochs to the count: one per epoch trained, and when a divergence cuts a run short the epochs
//! it skips are added at once, so the count reaches `runs × epochs` and the bar its end.

use crate::lab::train::Run;
use crate::Result;

/// Called with how many epochs just finished (1 per epoch; the skipped rest of a diverged run in
/// one call). Shared by the worker threads of a sweep.
pub type EpochTick<'a> = &'a (dyn Fn(u64) + Sync);

/// A tick that counts nothing.
pub fn no_tick(_: u64) {}

/// Steps `run` one epoch (as [`Run::step_epoch`]) and reports it to `tick`; when the run is done
/// short of its last epoch (diverged), the epochs it will never train are reported too.
pub fn step_epoch_counted(run: &mut Run, tick: EpochTick) -> Result<()> {
    let before = run.epoch();
    run.step_epoch()?;
    let mut n = run.epoch().saturating_sub(before) as u64;
    if run.is_done() {
        n += run.config().epochs.saturating_sub(run.epoch()) as u64;
    }
    if n > 0 {
        tick(n);
    }
    Ok(())
}

/// Every remaining epoch of `run` (as [`Run::finish`], the same bits), counted.
pub fn finish_counted(run: &mut Run, tick: EpochTick) -> Result<()> {
    while !run.is_done() {
        step_epoch_counted(run, tick)?;
    }
    Ok(())
}
