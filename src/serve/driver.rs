//! Trains one init of a live run with exactly the code `compare` runs (run (k, seed 0) of
//! [`crate::lab::experiments::compare::run_one`]: the same [`Run`], built from the same
//! generator, spec and init rules), so the page's numbers are `metrics.csv`'s bit for bit. Before
//! each epoch the thread takes an instrument snapshot (every `every` epochs, when paused, at the
//! end) and waits for its turn (Play or Step); after it, it streams the epoch's record.

use super::control::{Control, EventLog, Turn};
use super::snapshot::snapshot;
use crate::lab::experiments::compare::Prepared;
use crate::lab::instruments::units::layer_output_stds;
use crate::lab::train::Run;
use crate::Error;
use serde_json::json;

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
    loop {
        let epoch = run.epoch();
        let end = run.is_done();
        if epoch.is_multiple_of(every) || end || !ctl.playing() {
            let s = snapshot(p, k, run.model_mut(), epoch)?;
            log.snapshot(k, serde_json::to_string(&s).map_err(|e| Error::invalid("snapshot", e))?);
        }
        if end {
            break;
        }
        if let Turn::End = ctl.wait_turn(k, generation) {
            return Err(Error::Interrupted("stopped".into()));
        }
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
