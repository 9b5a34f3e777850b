//! Trainability against depth (Schoenholz et al. 2017): a grid over σ_w² × depth of MLPs with
//! Gaussian init at Var(W) = σ_w²/fan_in and Var(b) = σ_b², each trained for a fixed budget on a
//! built-in dataset with the lab's training loop; the final accuracy per cell beside the theory's
//! χ₁ and ξ_c at the fixed point the dataset's inputs reach (their measured mean square is the
//! q0 of the analysis: with gelu or silu it decides which fixed point that is). Cells run in
//! parallel (each single-threaded inside) and shard like `compare`.

use crate::error::{Error, Result};
use crate::lab::data::Dataset;
use crate::lab::models::{build, ModelSpec};
use crate::lab::train::progress::{no_tick, step_epoch_counted, EpochTick};
use crate::lab::train::{OptimizerKind, Run, Snapshot, TrainConfig};
use crate::nn::Linear;
use crate::rng::Rng;
use crate::theory::{Act, Net, Quad};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// Everything that decides a phase experiment's numbers.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PhaseConfig {
    /// One of [`PHASE_ACTS`] (the activations the MLP shorthand has).
    pub act: String,
    pub sigma_w2: Vec<f64>,
    pub sigma_b2: f64,
    /// Hidden layers (Linear + φ) per network; the output Linear comes on top.
    pub depths: Vec<usize>,
    pub width: usize,
    pub data: String,
    /// `--task`: how to read a file's targets (phase needs class ids).
    #[serde(default)]
    pub task: Option<String>,
    /// `--standardize`: inputs rescaled per feature (fitted on the data).
    #[serde(default)]
    pub standardize: bool,
    pub epochs: usize,
    pub lr: f64,
    pub momentum: f64,
    pub seed: u64,
}

impl Default for PhaseConfig {
    fn default() -> Self {
        PhaseConfig {
            act: "tanh".into(),
            sigma_w2: (1..=16).map(|k| 0.25 * k as f64).collect(),
            sigma_b2: 0.05,
            depths: vec![4, 8, 12, 16, 24, 32, 40, 48],
            width: 32,
            data: "circles".into(),
            task: None,
            standardize: false,
            epochs: 200,
            lr: 0.01,
            momentum: 0.9,
            seed: 0,
        }
    }
}

/// One cell's outcome.
#[derive(Clone, Debug, PartialEq)]
pub struct Cell {
    pub sigma_w2: f64,
    pub depth: usize,
    pub final_loss: f64,
    pub final_accuracy: f64,
    pub diverged: bool,
}

/// The CSV header of `phase.csv`; `input_mean_square` is the q0 the theory columns start from.
pub const CSV_HEADER: &str =
    "act,sigma_w2,sigma_b2,depth,width,seed,final_loss,final_accuracy,diverged,chi1,xi_c,input_mean_square";

/// The activations `phase` trains with: the MLP shorthand's, all inside the theory.
pub const PHASE_ACTS: &[&str] = &["tanh", "relu", "sigmoid", "leaky_relu", "linear", "gelu", "selu", "elu", "silu"];

impl PhaseConfig {
    /// Errors naming the option when the grid cannot run.
    pub fn check(&self) -> Result<()> {
        Act::parse(&self.act, None).map_err(|e| Error::invalid("--act", e))?;
        if !PHASE_ACTS.contains(&self.act.as_str()) {
            return Err(Error::invalid(
                format!("--act {}", self.act),
                format!("phase trains MLPs, which have {}", PHASE_ACTS.join(", ")),
            ));
        }
        if self.sigma_w2.is_empty() || self.sigma_w2.iter().any(|w| !(w.is_finite() && *w > 0.0)) {
            return Err(Error::invalid("--sigma-w2", format!("needs finite values > 0, got {:?}", self.sigma_w2)));
        }
        if !(self.sigma_b2.is_finite() && self.sigma_b2 >= 0.0) {
            return Err(Error::invalid("--sigma-b2", format!("needs a finite value ≥ 0, got {}", self.sigma_b2)));
        }
        if self.depths.is_empty() || self.depths.iter().any(|&d| d == 0 || d > 10_000) {
            return Err(Error::invalid("--depths", format!("needs depths in 1..=10000, got {:?}", self.depths)));
        }
        if self.width == 0 || self.width > 100_000 {
            return Err(Error::invalid("--width", format!("needs 1..=100000, got {}", self.width)));
        }
        if self.epochs == 0 {
            return Err(Error::invalid("--epochs", "needs at least 1"));
        }
        self.train_config().check()
    }

    pub fn num_cells(&self) -> usize {
        self.sigma_w2.len() * self.depths.len()
    }

    /// Cell r: σ_w² index r / depths, depth index r mod depths.
    pub fn cell_at(&self, r: usize) -> (f64, usize) {
        (self.sigma_w2[r / self.depths.len()], self.depths[r % self.depths.len()])
    }

    fn train_config(&self) -> TrainConfig {
        TrainConfig {
            optimizer: OptimizerKind::Sgd,
            lr: self.lr as _,
            momentum: self.momentum as _,
            epochs: self.epochs,
            ..TrainConfig::default()
        }
    }
}

/// Builds the depth-`depth` MLP for `data` and draws W ~ N(0, σ_w²/fan_in), b ~ N(0, σ_b²).
fn gaussian_mlp(
    c: &PhaseConfig,
    data: &Dataset,
    sigma_w2: f64,
    depth: usize,
    rng: &mut Rng,
) -> Result<Box<dyn crate::nn::Module>> {
    let text = format!("mlp:{}-{}x{}-{}:{}", data.input_shape()[0], c.width, depth, data.num_outputs(), c.act);
    let model = build(&ModelSpec::parse(&text)?.to_json(data)?, rng)?;
    for m in model.modules() {
        if let Some(l) = m.downcast_ref::<Linear>() {
            // torch: nn.init.normal_(w, std=math.sqrt(σ_w² / fan_in)); normal_(b, std=math.sqrt(σ_b²))
            let std = (sigma_w2 / l.in_features as f64).sqrt();
            rng.normal_(l.weight.data_mut().as_slice_mut().expect("contiguous"), 0.0, std);
            if let Some(b) = &l.bias {
                rng.normal_(b.data_mut().as_slice_mut().expect("contiguous"), 0.0, c.sigma_b2.sqrt());
            }
        }
    }
    Ok(model)
}

/// Trains cell `r` of the grid.
pub fn run_cell(c: &PhaseConfig, data: &Arc<Dataset>, r: usize) -> Result<Cell> {
    run_cell_counted(c, data, r, &no_tick)
}

/// [`run_cell`], reporting every epoch to `tick` (see [`crate::lab::train::progress`]).
pub fn run_cell_counted(c: &PhaseConfig, data: &Arc<Dataset>, r: usize, tick: EpochTick) -> Result<Cell> {
    Ok(run_cell_from(c, data, r, None, tick, &mut |_| Ok(false))?.expect("never paused"))
}

/// Cell `r` from its start or from `from` (a [`Run::snapshot`] of its run). Between epochs
/// `pause` is shown the run; when it returns `true` the cell stops and `None` comes back.
pub fn run_cell_from(
    c: &PhaseConfig,
    data: &Arc<Dataset>,
    r: usize,
    from: Option<Snapshot>,
    tick: EpochTick,
    pause: &mut dyn FnMut(&Run) -> Result<bool>,
) -> Result<Option<Cell>> {
    let (sigma_w2, depth) = c.cell_at(r);
    let mut rng = Rng::new(c.seed);
    let model = gaussian_mlp(c, data, sigma_w2, depth, &mut rng)?;
    let mut run = match from {
        None => Run::new(model, data.clone(), c.train_config(), rng)?,
        Some(snap) => Run::restore(model, data.clone(), &snap)?,
    };
    while !run.is_done() {
        if pause(&run)? {
            return Ok(None);
        }
        step_epoch_counted(&mut run, tick)?;
    }
    let log = run.log();
    let last = log.epochs.last();
    Ok(Some(Cell {
        sigma_w2,
        depth,
        final_loss: last.map(|e| e.loss).unwrap_or(f64::NAN),
        final_accuracy: last.and_then(|e| e.accuracy).unwrap_or(f64::NAN),
        diverged: log.diverged,
    }))
}

/// The dataset of the config (classification only: the map shows accuracy).
pub fn dataset(c: &PhaseConfig) -> Result<Arc<Dataset>> {
    let (data, _) = crate::lab::data::task::load_train(&c.data, c.seed, c.task.as_deref(), c.standardize)?;
    if c.task.as_deref() == Some("regression") {
        return Err(Error::invalid(
            format!("--task regression with --data {}", c.data.trim()),
            "phase measures training accuracy: it needs class ids (--task classification)",
        ));
    }
    if !data.is_classification() {
        return Err(Error::invalid(
            format!("--data {}", c.data),
            "its targets are not all non-negative integers, so they read as regression values; phase needs class ids (--task classification reads them as class ids)",
        ));
    }
    if data.input_shape().len() != 1 {
        return Err(Error::invalid(
            format!("--data {}", c.data),
            "phase needs a classification dataset of flat inputs",
        ));
    }
    Ok(Arc::new(data))
}

/// Runs the cells `runs` on `threads` threads (0: all cores), in the order given.
pub fn run_cells(
    c: &PhaseConfig,
    data: &Arc<Dataset>,
    runs: &[usize],
    threads: usize,
    tick: &(dyn Fn() + Sync),
) -> Result<Vec<Cell>> {
    let pool = crate::lab::run_pool(threads)?;
    pool.install(|| {
        runs.par_iter()
            .map(|&r| {
                let out = crate::kernels::serial(|| run_cell(c, data, r));
                tick();
                out
            })
            .collect()
    })
}

/// The inputs' measured mean square: the q0 of the theory (the first layer's variance is
/// σ_w²·q0 + σ_b²).
pub fn input_mean_square(data: &Dataset) -> f64 {
    let n = data.input.len().max(1) as f64;
    data.input.iter().map(|&v| (v as f64).powi(2)).sum::<f64>() / n
}

/// χ₁ and ξ_c at each σ_w² of the config for inputs of mean square `q0`, at the fixed point they
/// reach (coarse quadrature; ξ_c NaN where undefined, χ₁ its large-q limit where the length
/// grows without bound).
pub fn theory_columns(c: &PhaseConfig, q0: f64, sigma_w2: &[f64]) -> Result<Vec<(f64, f64)>> {
    let act = Act::parse(&c.act, None)?;
    let quad = Quad::coarse();
    Ok(sigma_w2
        .par_iter()
        .map(|&w| {
            let a = Net::new(act, w, c.sigma_b2).analyze_with(&quad, q0);
            (a.chi1, a.xi_c.unwrap_or(f64::NAN))
        })
        .collect())
}

/// The q0 recorded in rows written by [`csv_rows`] (their last field).
pub fn rows_q0(rows: &[String]) -> Result<f64> {
    rows.first()
        .and_then(|r| r.rsplit(',').next())
        .and_then(|v| v.parse::<f64>().ok())
        .ok_or_else(|| Error::invalid("phase.csv", "rows lack the input_mean_square column"))
}

/// One CSV row per cell, in the order given, with the theory for inputs of mean square `q0`.
pub fn csv_rows(c: &PhaseConfig, q0: f64, cells: &[Cell]) -> Result<Vec<String>> {
    let ws: Vec<f64> = cells.iter().map(|x| x.sigma_w2).collect();
    let theory = theory_columns(c, q0, &ws)?;
    use crate::io::numbers::shortest;
    let f = |v: f64| if v.is_finite() { shortest(v) } else { String::new() };
    Ok(cells
        .iter()
        .zip(theory)
        .map(|(x, (chi1, xi))| {
            format!(
                "{},{},{},{},{},{},{},{},{},{},{},{}",
                c.act,
                shortest(x.sigma_w2),
                shortest(c.sigma_b2),
                x.depth,
                c.width,
                c.seed,
                f(x.final_loss),
                f(x.final_accuracy),
                x.diverged,
                f(chi1),
                f(xi),
                q0
            )
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_cover_the_grid_and_a_shallow_critical_net_learns() {
        let c = PhaseConfig {
            sigma_w2: vec![1.0, 2.0],
            depths: vec![1, 3],
            epochs: 60,
            lr: 0.05,
            ..PhaseConfig::default()
        };
        c.check().unwrap();
        assert_eq!((c.num_cells(), c.cell_at(3)), (4, (2.0, 3)));
        let data = dataset(&c).unwrap();
        // The model has `depth` hidden Linear layers of the width, and its weights have the
        // variance asked for.
        let m = gaussian_mlp(&c, &data, 2.0, 3, &mut Rng::new(0)).unwrap();
        let linears: Vec<&Linear> = m.modules().into_iter().filter_map(|m| m.downcast_ref::<Linear>()).collect();
        assert_eq!(linears.len(), 4);
        let w = linears[1].weight.to_vec();
        let var = w.iter().map(|&v| (v as f64).powi(2)).sum::<f64>() / w.len() as f64;
        assert!((var * 32.0 / 2.0 - 1.0).abs() < 0.1, "{var}");
        let cells = run_cells(&c, &data, &[0, 1, 2, 3], 1, &|| {}).unwrap();
        assert_eq!(cells[2].sigma_w2, 2.0);
        assert!(cells.iter().all(|x| x.final_accuracy > 0.6), "{cells:?}");
        let q0 = input_mean_square(&data);
        let rows = csv_rows(&c, q0, &cells).unwrap();
        assert_eq!(rows.len(), 4);
        assert_eq!(rows_q0(&rows).unwrap(), q0);
        assert_eq!(rows[0].split(',').count(), CSV_HEADER.split(',').count());
        // Theory columns: χ₁ at σ_w² = 1 is below 1 (ordered), at 2 above (σ_b² = 0.05: critical 1.76).
        let chi = |r: &str| r.split(',').nth(9).unwrap().parse::<f64>().unwrap();
        assert!(chi(&rows[0]) < 1.0 && chi(&rows[2]) > 1.0);
        assert!(PhaseConfig { act: "gelu".into(), ..PhaseConfig::default() }.check().is_ok());
        assert!(PhaseConfig { act: "softplus".into(), ..PhaseConfig::default() }.check().is_err());
    }
}
