//! Learning rates across width (Tensor Programs V's figure): for every parametrization, width,
//! learning rate and seed, `torch.manual_seed(seed)`, build, `steps` full-batch updates, and the
//! full-batch loss after the last update. Under SP the best lr moves with width; under μP it stays,
//! and wider is better at each width's best lr.

use super::{build_param, WidthConfig};
use crate::lab::data::Dataset;
use crate::lab::train::{evaluate, Run, Snapshot};
use crate::{Result, Rng};

/// One run of the grid.
#[derive(Clone, Debug, PartialEq)]
pub struct LrRun {
    pub param: String,
    pub width: usize,
    pub lr: f64,
    pub seed: usize,
    /// NaN when the run diverged.
    pub final_loss: f64,
    pub diverged: bool,
}

/// Runs of the grid, in (parametrization, width, lr, seed) order.
pub fn num_runs(c: &WidthConfig) -> usize {
    c.params.len() * c.widths.len() * c.lrs.len() * c.seeds
}

/// (parametrization, width, lr, seed) indices of run `r`.
pub fn run_at(c: &WidthConfig, r: usize) -> (usize, usize, usize, usize) {
    let s = r % c.seeds;
    let l = (r / c.seeds) % c.lrs.len();
    let w = (r / (c.seeds * c.lrs.len())) % c.widths.len();
    let p = r / (c.seeds * c.lrs.len() * c.widths.len());
    (p, w, l, s)
}

/// Run `r` of the grid on `data`.
pub fn run_one(c: &WidthConfig, data: &Dataset, r: usize) -> Result<LrRun> {
    Ok(run_one_from(c, data, r, None, &mut |_| Ok(false))?.expect("never paused"))
}

/// Run `r` of the grid on `data`, from its snapshot `from` when given (the run it was taken of
/// goes on to the same bits); `pause` is shown the run before each step and stops it (`None`)
/// by answering `true`.
pub fn run_one_from(
    c: &WidthConfig,
    data: &Dataset,
    r: usize,
    from: Option<Snapshot>,
    pause: &mut dyn FnMut(&Run) -> Result<bool>,
) -> Result<Option<LrRun>> {
    let (p, w, l, s) = run_at(c, r);
    let (param, width, lr) = (&c.params[p], c.widths[w], c.lrs[l]);
    let (spec, base) = c.spec(param, width, data)?;
    let mut rng = Rng::new(s as u64);
    // (restored: the snapshot's weights overwrite these; μP's base shapes are set as at the start)
    let model = build_param(&spec, base.as_ref(), &mut rng)?;
    let mut run = match from {
        Some(snap) => Run::restore(model, data.clone(), &snap)?,
        None => Run::new(model, data.clone(), super::coord::train_config(c, lr), rng)?,
    };
    while !run.is_done() {
        if pause(&run)? {
            return Ok(None);
        }
        run.step_epoch()?;
    }
    let diverged = run.log().diverged;
    let loss = if diverged { f64::NAN } else { evaluate(run.model_mut(), data)?.0 };
    Ok(Some(LrRun { param: param.name().into(), width, lr, seed: s, final_loss: loss, diverged: !loss.is_finite() }))
}

/// `lr_transfer.csv` header.
pub const HEADER: &str = "parametrization,width,lr,seed,final_loss,diverged";

/// One row of `lr_transfer.csv`.
pub fn row(r: &LrRun) -> String {
    format!("{},{},{},{},{},{}", r.param, r.width, r.lr, r.seed, r.final_loss, r.diverged)
}

/// Seed-mean final loss per (parametrization, width, lr); NaN if any seed diverged.
pub fn mean_loss(runs: &[LrRun], param: &str, width: usize, lr: f64) -> f64 {
    let v: Vec<f64> =
        runs.iter().filter(|r| r.param == param && r.width == width && r.lr == lr).map(|r| r.final_loss).collect();
    if v.is_empty() {
        return f64::NAN;
    }
    v.iter().sum::<f64>() / v.len() as f64
}

/// (parametrization, width, best (lr, loss)).
pub type Best = (String, usize, Option<(f64, f64)>);

/// "Wider is better": per (parametrization, width), the best lr and its seed-mean loss
/// (`None` when every lr diverged).
pub fn best_per_width(c: &WidthConfig, runs: &[LrRun]) -> Vec<Best> {
    let mut out = Vec::new();
    for p in &c.params {
        for &w in &c.widths {
            let best = c
                .lrs
                .iter()
                .map(|&lr| (lr, mean_loss(runs, p.name(), w, lr)))
                .filter(|(_, l)| l.is_finite())
                .min_by(|a, b| a.1.total_cmp(&b.1));
            out.push((p.name().to_string(), w, best));
        }
    }
    out
}
