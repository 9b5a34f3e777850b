//! compare's run (init k, seed s): a [`Run`] stepped epoch by epoch, with what compare reads off
//! it (the init's output stds, the first seed's boundaries, curves and histograms, the final
//! symmetry and dead units); and a run paused in flight ([`Partial`]) and resumed to the same bits.

use super::compare_setup::Prepared;
use crate::lab::instruments::captures::{Boundary, HistSet};
use crate::lab::instruments::curve::Curve;
use crate::lab::instruments::units::{layer_output_stds, LayerSymmetry};
use crate::lab::models::{build, param};
use crate::lab::train::progress::{no_tick, step_epoch_counted, EpochTick};
use crate::lab::train::{Run, Snapshot, TrainLog};
use crate::{Result, Rng};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

/// What one run produced.
#[derive(Clone, Debug, PartialEq)]
pub struct RunResult {
    pub init: usize,
    pub seed: usize,
    pub log: TrainLog,
    /// Symmetry of each hidden layer at the end of training.
    pub symmetry: Vec<LayerSymmetry>,
    /// Dead-ReLU fraction at the end of training (`None`: no ReLU).
    pub dead_relu: Option<f64>,
    /// Std of each weight layer's output on the training data, at init.
    pub init_stds: Vec<f64>,
    /// Pictures of the first seed (`None` for the others, and for runs read back from shards).
    pub views: Option<RunViews>,
}

/// What the first seed of an init shows: decision boundaries (2-D classification data) or the
/// fitted curve (1-D regression) at the snapshot epochs, and histograms at init and at the end.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunViews {
    pub boundaries: Vec<Boundary>,
    pub histograms: Vec<HistSet>,
    /// The fitted curve at the snapshot epochs (1-D regression data).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub curves: Vec<Curve>,
}

/// Trains run (init `k`, seed index `s`) on the calling thread: a [`Run`] stepped epoch by epoch,
/// the first seed's pictures taken between epochs.
pub fn run_one(p: &Prepared, k: usize, s: usize) -> Result<RunResult> {
    run_one_counted(p, k, s, &no_tick)
}

/// [`run_one`], reporting every epoch to `tick` (see [`crate::lab::train::progress`]).
pub fn run_one_counted(p: &Prepared, k: usize, s: usize, tick: EpochTick) -> Result<RunResult> {
    let res = run_one_from(p, k, s, None, tick, &mut |_| Ok(false))?;
    Ok(res.expect("never paused"))
}

/// A compare run paused between two epochs: its [`Run::snapshot`] and what compare has read off
/// it so far. [`run_one_from`] goes on from it to the bits of the run never paused.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Partial {
    pub snapshot: Snapshot,
    /// The init's output stds, as bits (taken once, before the first epoch).
    pub init_stds: Vec<u64>,
    /// The first seed's pictures so far (empty for other seeds), as JSON text: a record's body
    /// holds no floats (their text would not be checked bit for bit).
    pub views: String,
}

/// Run (init `k`, seed index `s`) from its start, or from `from` (a [`Partial`] of this run).
/// Between epochs `pause` is shown the run paused there; when it returns `true` the run stops
/// and `None` comes back (the caller has saved what it needs from the [`Partial`]).
pub fn run_one_from(
    p: &Prepared,
    k: usize,
    s: usize,
    from: Option<Partial>,
    tick: EpochTick,
    pause: &mut dyn FnMut(&dyn Fn() -> Partial) -> Result<bool>,
) -> Result<Option<RunResult>> {
    let seed = p.config.seed + s as u64;
    let watch = s == 0;
    let (mut run, init_stds, mut views) = match from {
        None => {
            let run =
                Run::from_init_param(&p.spec, p.base.as_ref(), &p.rules[k], seed, p.data.clone(), p.train.clone())?
                    .with_test(p.test.clone());
            // The instrument itself, not `run.layer_output_stds()`: its training-mode pass moves
            // batch-norm running statistics, and the outputs have always included that.
            let init_stds = layer_output_stds(run.model(), &p.data)?;
            (run, init_stds, RunViews { boundaries: Vec::new(), histograms: Vec::new(), curves: Vec::new() })
        }
        Some(part) => {
            // The restored weights overwrite these; μP's base shapes are set as at the start.
            let model = build(&p.spec, &mut Rng::new(0))?;
            param::apply(model.as_ref(), p.base.as_ref())?;
            let run = Run::restore(model, p.data.clone(), &part.snapshot)?.with_test(p.test.clone());
            let views = serde_json::from_str(&part.views)
                .map_err(|e| crate::Error::invalid("in-flight snapshot", format!("unreadable pictures ({e})")))?;
            (run, part.init_stds.iter().map(|&b| f64::from_bits(b)).collect(), views)
        }
    };
    let snaps = p.config.snapshot_epochs();
    while !run.is_done() {
        let stop = pause(&|| Partial {
            snapshot: run.snapshot(),
            init_stds: init_stds.iter().map(|x| x.to_bits()).collect(),
            views: serde_json::to_string(&views).unwrap_or_default(),
        })?;
        if stop {
            return Ok(None);
        }
        let epoch = run.epoch();
        if watch {
            if let Some(plane) = p.plane.filter(|_| snaps.contains(&epoch)) {
                if !views.boundaries.iter().any(|b| b.epoch == epoch) {
                    views.boundaries.push(run.boundary(plane)?);
                }
            }
            if let Some(span) = p.line.filter(|_| snaps.contains(&epoch)) {
                if !views.curves.iter().any(|c| c.epoch == epoch) {
                    views.curves.push(run.curve(span)?);
                }
            }
            if epoch == 0 {
                views.histograms.push(run.histograms()?);
            }
        }
        step_epoch_counted(&mut run, tick)?;
    }
    if watch {
        // The end column shows the model at the end, also when a divergence cut the run short.
        let end = run.epoch();
        if let Some(plane) = p.plane {
            if !views.boundaries.iter().any(|b| b.epoch == end) {
                views.boundaries.push(run.boundary(plane)?);
            }
        }
        if let Some(span) = p.line {
            if !views.curves.iter().any(|c| c.epoch == end) {
                views.curves.push(run.curve(span)?);
            }
        }
        views.histograms.push(run.histograms()?);
    }
    Ok(Some(RunResult {
        init: k,
        seed: s,
        symmetry: run.symmetry(),
        dead_relu: run.dead_relu()?,
        log: run.log().clone(),
        init_stds,
        views: watch.then_some(views),
    }))
}

/// Runs `runs` (indices into the grid) on a pool of `threads` (0: all cores), calling `tick`
/// after each; results come back in the order of `runs`, whatever the scheduling.
pub fn run_grid(p: &Prepared, runs: &[usize], threads: usize, tick: &(dyn Fn() + Sync)) -> Result<Vec<RunResult>> {
    let pool = crate::lab::run_pool(threads)?;
    pool.install(|| {
        runs.par_iter()
            .map(|&r| {
                let (k, s) = p.config.run_at(r);
                // The runs are the parallel unit: each one single-threaded inside.
                let out = crate::kernels::serial(|| run_one(p, k, s));
                tick();
                out
            })
            .collect()
    })
}
