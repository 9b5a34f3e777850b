//! Trains one init of a live run with exactly the code `compare` runs (run (k, seed 0) of
//! [`crate::lab::experiments::compare::run_one`]: the same [`Run`], built from the same
//! generator, spec and init rules), so the page's numbers are `metrics.csv`'s bit for bit. Before
//! each epoch the thread takes an instrument snapshot (every `every` epochs, when paused, at the
//! end) and waits for its turn (Play or Step); after it, it streams the epoch's record.
//!
//! What the page watches is kept off the training's back (measured by `examples/serve_profile.rs`:
//! a snapshot costs about 20 steps, the held-out evaluation a quarter of one): while playing, a
//! snapshot is skipped when the last one ended less than [`SNAPSHOT_SHARE`]⁻¹ of its own cost ago,
//! and the held-out set is evaluated every [`test_every`] epochs (every epoch up to 399, and at
//! the last one, and on every Step). Neither reads nor draws anything training uses, so every
//! loss the events carry, and every held-out number they do carry, is `metrics.csv`'s.

use super::control::{Control, EventLog, Turn};
use super::snapshot::snapshot;
use crate::lab::experiments::compare::Prepared;
use crate::lab::instruments::units::layer_output_stds;
use crate::lab::train::Run;
use crate::Error;
use serde_json::json;
use std::time::{Duration, Instant};

/// Most of a playing run's time its snapshots may take.
pub const SNAPSHOT_SHARE: f64 = 0.05;

/// The held-out set is evaluated every this many epochs of a run of `epochs` (about 200 points
/// on the test-loss curve however long the run).
pub fn test_every(epochs: usize) -> usize {
    (epochs / 200).max(1)
}

/// Init `k` of `p` from epoch 0 until the end, a stop, or a newer generation.
pub fn drive(p: &Prepared, k: usize, ctl: &Control, log: &EventLog, generation: u64, every: usize) {
    let r = crate::kernels::serial(|| train_one(p, k, ctl, log, generation, every));
    let label = &p.config.inits[k].0;
    match r {
        Ok((epochs, diverged)) => log.push(
            json!({"type": "done", "init": label, "init_index": k, "epochs": epochs, "diverged": diverged}).to_string(),
        ),
        Err(Error::Interrupted(_)) => {}
        Err(e) => {
            log.push(json!({"type": "error", "init": label, "init_index": k, "error": e.to_string()}).to_string())
        }
    }
}

fn train_one(
    p: &Prepared,
    k: usize,
    ctl: &Control,
    log: &EventLog,
    generation: u64,
    every: usize,
) -> crate::Result<(usize, bool)> {
    let seed = p.config.seed;
    let mut run = Run::from_init_param(&p.spec, p.base.as_ref(), &p.rules[k], seed, p.data.clone(), p.train.clone())?
        .with_test(p.test.clone());
    // compare measures every layer's output std here, a forward pass in training mode that also
    // moves batch-norm running statistics (and so the test loss): the same pass, the same numbers.
    layer_output_stds(run.model(), &p.data)?;
    let label = p.config.inits[k].0.clone();
    let (epochs, test_each) = (p.config.epochs, test_every(p.config.epochs));
    // When the last snapshot ended, and how long the next must wait.
    let (mut last_snap, mut snap_wait) = (Instant::now(), Duration::ZERO);
    loop {
        let epoch = run.epoch();
        let end = run.is_done();
        let playing = ctl.playing();
        let due = epoch.is_multiple_of(every) && last_snap.elapsed() >= snap_wait;
        if due || end || !playing || epoch == 0 {
            let t = Instant::now();
            let s = snapshot(p, k, run.model_mut(), epoch)?;
            log.snapshot(k, serde_json::to_string(&s).map_err(|e| Error::invalid("snapshot", e))?);
            last_snap = Instant::now();
            snap_wait = (last_snap - t).mul_f64(1.0 / SNAPSHOT_SHARE - 1.0);
        }
        if end {
            break;
        }
        if let Turn::End = ctl.wait_turn(k, generation) {
            return Err(Error::Interrupted("stopped".into()));
        }
        let evaluate = epoch.is_multiple_of(test_each) || epoch + 1 == epochs || !ctl.playing();
        run = run.with_test(if evaluate { p.test.clone() } else { None });
        let r = run.step_epoch()?.cloned();
        if let Some(r) = r {
            log.push(
                json!({
                    "type": "epoch",
                    "init": label,
                    "init_index": k,
                    "seed": seed,
                    "epoch": epoch,
                    "loss": r.loss,
                    "accuracy": r.accuracy,
                    "test_loss": r.test_loss,
                    "test_accuracy": r.test_accuracy,
                    "grad_norms": r.grad_norms,
                })
                .to_string(),
            );
        }
    }
    Ok((run.log().epochs.len(), run.log().diverged))
}
