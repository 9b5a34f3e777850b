//! Trains one init of a live run with exactly the code `compare` runs (run (k, seed 0) of
//! [`crate::lab::experiments::compare::run_one`]: the same generator, build, init rules and training loop),
//! so the page's numbers are `metrics.csv`'s bit for bit. The loop is `compare`'s
//! [`train_streamed`]: its observer is where the thread waits for Play/Step and takes
//! instrument snapshots, its record hook streams each epoch.
//!
//! This is the one file to change when the steppable `Run` of the structure work lands: it
//! would replace the callbacks by `run.epoch()` calls on one thread per session.

use super::session::{Control, EventLog, Turn};
use super::snapshot::snapshot;
use crate::lab::experiments::compare::Prepared;
use crate::lab::models::build;
use crate::lab::train::{train_streamed, EpochRecord};
use crate::{Error, Rng, Tensor};
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
    let mut rng = Rng::new(seed);
    let mut model = build(&p.spec, &mut rng)?;
    p.rules[k].apply_with_batch(model.as_ref(), Some(&Tensor::new(p.data.input.clone())), &mut rng)?;
    // compare measures every layer's output std here, a forward pass in training mode that also
    // moves batch-norm running statistics (and so the test loss): the same pass, the same numbers.
    crate::lab::instruments::units::layer_output_stds(model.as_ref(), &p.data)?;
    let label = p.config.inits[k].0.clone();
    let epochs = p.train.epochs;
    // A diverged run's last observation comes before `epochs`: it must not wait for a turn.
    let ended = std::cell::Cell::new(false);
    let mut observe = |epoch: usize, m: &mut dyn crate::nn::Module| -> crate::Result<()> {
        let paused = !ctl.playing();
        let end = epoch == epochs || ended.get();
        if epoch.is_multiple_of(every) || end || paused {
            let s = snapshot(p, k, m, epoch)?;
            log.snapshot(k, serde_json::to_string(&s).map_err(|e| Error::invalid("snapshot", e))?);
        }
        if end {
            return Ok(());
        }
        match ctl.wait_turn(k, generation) {
            Turn::Go => Ok(()),
            Turn::End => Err(Error::Interrupted("stopped".into())),
        }
    };
    let mut epoch = 0usize;
    let mut record = |r: &EpochRecord| -> crate::Result<()> {
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
        epoch += 1;
        if !r.loss.is_finite() {
            ended.set(true);
        }
        Ok(())
    };
    let log_ = train_streamed(model.as_mut(), &p.data, p.test.as_ref(), &p.train, &mut rng, &mut observe, &mut record)?;
    Ok((log_.epochs.len(), log_.diverged))
}
