//! What training is configured by and what it records, for the one training loop ([`Run`]):
//! full batch or shuffled minibatches, SGD or Adam, the loss of the task (cross-entropy for
//! classes, MSE for regression), and per epoch what the lab plots.
//!
//! Per epoch a run records:
//! - `loss`: the mean of the epoch's batch losses, each computed before that batch's update (for
//!   full batch: the loss of the model as it entered the epoch);
//! - `accuracy` (classification): the running accuracy of those same forward passes, so loss and
//!   accuracy describe the same predictions;
//! - `grad_norms`: the L2 norm of every parameter's gradient on the epoch's first batch, in
//!   `named_parameters` order.
//!
//! - `test_loss`, `test_accuracy`: with a held-out set, the loss and accuracy on it of the model
//!   as it enters the epoch (the model the full-batch `loss` describes), in eval mode and without
//!   recording a graph, so evaluating changes nothing in training.
//!
//! A non-finite loss marks the run diverged: that epoch is recorded (with its NaN/inf loss) and
//! training stops. A regression loss (MSE, which grows with the square of the error and so stays
//! finite far longer than cross-entropy) also counts as diverged once an epoch's loss exceeds
//! [`REGRESSION_BLOWUP`] times the first epoch's. The loop draws only from the generator it is
//! given (randperm, and Dropout's masks: the generator is lent as the thread's default during each
//! forward) and runs on the calling thread, so a run is a pure function of (model, data, config,
//! generator).
//!
//! [`Run`]: super::Run

use crate::lab::data::{Dataset, Target};
use crate::nn::Module;
use crate::ops::{cross_entropy, mse_loss};
use crate::optim::{Adam, AdamConfig, Optimizer, Sgd, SgdConfig};
use crate::{Error, Result, Tensor};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OptimizerKind {
    Sgd,
    Adam,
}

impl std::str::FromStr for OptimizerKind {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "sgd" => Ok(OptimizerKind::Sgd),
            "adam" => Ok(OptimizerKind::Adam),
            _ => Err(Error::invalid(format!("optimizer '{s}'"), "valid: sgd, adam")),
        }
    }
}

impl std::fmt::Display for OptimizerKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            OptimizerKind::Sgd => "sgd",
            OptimizerKind::Adam => "adam",
        })
    }
}

/// How to train.
#[derive(Clone, Debug, PartialEq)]
pub struct TrainConfig {
    pub optimizer: OptimizerKind,
    /// f64 as torch's Python float (Adam's step size is computed in double).
    pub lr: f64,
    /// SGD momentum (Adam uses torch's default betas).
    pub momentum: f32,
    pub weight_decay: f32,
    pub epochs: usize,
    /// `None`: full batch.
    pub batch_size: Option<usize>,
}

impl Default for TrainConfig {
    fn default() -> Self {
        TrainConfig {
            optimizer: OptimizerKind::Sgd,
            lr: 0.1,
            momentum: 0.9,
            weight_decay: 0.0,
            epochs: 300,
            batch_size: None,
        }
    }
}

impl TrainConfig {
    /// Errors naming the field and what would be valid.
    pub fn check(&self) -> Result<()> {
        let bad = |f: &str, v: f64, valid: &str| Err(Error::invalid(format!("--{f} {v}"), valid.to_string()));
        if !(self.lr.is_finite() && self.lr > 0.0) {
            return bad("lr", self.lr, "needs a finite learning rate > 0");
        }
        if !(self.momentum.is_finite() && self.momentum >= 0.0) {
            return bad("momentum", self.momentum as f64, "needs a finite momentum >= 0");
        }
        if !(self.weight_decay.is_finite() && self.weight_decay >= 0.0) {
            return bad("weight-decay", self.weight_decay as f64, "needs a finite weight decay >= 0");
        }
        if self.batch_size == Some(0) {
            return Err(Error::invalid("--batch-size 0", "needs a batch size >= 1 (or none for full batch)"));
        }
        Ok(())
    }
}

/// What one epoch recorded.
#[derive(Clone, Debug, PartialEq)]
pub struct EpochRecord {
    pub loss: f64,
    pub accuracy: Option<f64>,
    pub grad_norms: Vec<f64>,
    pub test_loss: Option<f64>,
    pub test_accuracy: Option<f64>,
}

/// A run's history.
#[derive(Clone, Debug, PartialEq)]
pub struct TrainLog {
    pub epochs: Vec<EpochRecord>,
    pub diverged: bool,
}

/// The optimizer of `c` over `model`'s parameters. When the model carries μP base shapes (every
/// parameter has an infshape, see [`crate::nn::mup`]) it is mup's MuSGD / MuAdam: the same update
/// with each parameter's lr and weight decay scaled by its infshape ([`crate::optim::mu_sgd`]).
pub fn optimizer(model: &dyn Module, c: &TrainConfig) -> Result<Box<dyn Optimizer>> {
    let params = model.parameters();
    let mu = !params.is_empty() && params.iter().all(|p| p.infshape().is_some());
    Ok(match c.optimizer {
        OptimizerKind::Sgd => {
            let scales = if mu { Some(crate::optim::mu_sgd(&params)?) } else { None };
            let o = Sgd::new(
                params,
                SgdConfig { lr: c.lr, momentum: c.momentum, weight_decay: c.weight_decay, ..SgdConfig::default() },
            );
            Box::new(match scales {
                Some(s) => o.with_scales(s),
                None => o,
            })
        }
        OptimizerKind::Adam => {
            let scales = if mu { Some(crate::optim::mu_adam(&params)?) } else { None };
            let o = Adam::new(params, AdamConfig { lr: c.lr, weight_decay: c.weight_decay, ..AdamConfig::default() });
            Box::new(match scales {
                Some(s) => o.with_scales(s),
                None => o,
            })
        }
    })
}

/// The task's loss of `out` against `target`, and the number of correct predictions.
pub fn loss_and_correct(out: &Tensor, target: &Target) -> Result<(Tensor, Option<usize>)> {
    match target {
        Target::Classes { labels, .. } => {
            let loss = cross_entropy(out, labels)?;
            let d = out.data();
            let c = d.shape()[1];
            let vals = d.as_standard_layout();
            let vals = vals.as_slice().expect("standard layout");
            let correct = labels
                .iter()
                .enumerate()
                .filter(|&(i, &l)| {
                    let row = &vals[i * c..(i + 1) * c];
                    // torch.argmax: the first maximum.
                    let best = (0..c).fold(0, |b, k| if row[k] > row[b] { k } else { b });
                    best == l
                })
                .count();
            Ok((loss, Some(correct)))
        }
        Target::Values(v) => Ok((mse_loss(out, &Tensor::new(v.clone()))?, None)),
    }
}

/// Loss and accuracy (classification) of `model` on the whole of `data`, in eval mode and under
/// `no_grad`; the model is back in training mode afterwards. Draws nothing.
pub fn evaluate(model: &mut dyn Module, data: &Dataset) -> Result<(f64, Option<f64>)> {
    model.eval();
    let out = crate::autograd::with_no_grad(|| -> Result<(f64, Option<usize>)> {
        let y = model.forward(&Tensor::new(data.input.clone()))?;
        let (loss, correct) = loss_and_correct(&y, &data.target)?;
        Ok((loss.item()? as f64, correct))
    });
    model.train();
    let (loss, correct) = out?;
    Ok((loss, correct.map(|c| c as f64 / data.len() as f64)))
}

/// L2 norm of each parameter's gradient (0 where none reached it).
pub fn grad_norms(model: &dyn Module) -> Vec<f64> {
    model.parameters().iter().map(|p| p.with_grad(|g| g.map_or(0.0, crate::kernels::sum::l2))).collect()
}

/// How many times its first epoch's loss a regression run may reach before it counts as diverged
/// (scripts/compare_torch.py applies the same rule).
pub const REGRESSION_BLOWUP: f64 = 1e6;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lab::data::synthetic;
    use crate::lab::models::{build, ModelSpec};
    use crate::lab::train::Run;
    use crate::Rng;

    /// Trains `model` to the end; the log (the test setups below predate `Run`).
    fn train(model: Box<dyn Module>, data: &Dataset, cfg: &TrainConfig, rng: Rng) -> Result<TrainLog> {
        let mut run = Run::new(model, data.clone(), cfg.clone(), rng)?;
        Ok(run.finish()?.clone())
    }

    #[test]
    fn evaluating_a_test_set_changes_nothing_in_training() {
        let data = synthetic("spiral", 0).unwrap();
        let (_, test) = crate::lab::data::synthetic_split("spiral", 0).unwrap();
        let spec = ModelSpec::parse("mlp:2-16-16-3:relu:bn").unwrap().to_json(&data).unwrap();
        let cfg = TrainConfig { epochs: 5, batch_size: Some(100), ..TrainConfig::default() };
        let mut seen = Vec::new();
        let a = build(&spec, &mut Rng::new(3)).unwrap();
        let mut run = Run::new(a, data.clone(), cfg.clone(), Rng::new(3)).unwrap().with_test(Some(test.clone().into()));
        while !run.is_done() {
            seen.push(run.epoch());
            run.step_epoch().unwrap();
        }
        seen.push(run.epoch());
        let with = run.log().clone();
        let b = build(&spec, &mut Rng::new(3)).unwrap();
        let without = train(b, &data, &cfg, Rng::new(3)).unwrap();
        assert_eq!(seen, [0, 1, 2, 3, 4, 5]);
        for (w, o) in with.epochs.iter().zip(&without.epochs) {
            assert_eq!((w.loss, w.accuracy, &w.grad_norms), (o.loss, o.accuracy, &o.grad_norms));
            assert!(o.test_loss.is_none() && w.test_loss.unwrap() > 0.0);
        }
        // The last epoch's test numbers are those of the model that entered it, in eval mode.
        let c = build(&spec, &mut Rng::new(3)).unwrap();
        let four = TrainConfig { epochs: 4, ..cfg.clone() };
        let mut c = Run::new(c, data.clone(), four, Rng::new(3)).unwrap();
        c.finish().unwrap();
        let (l, acc) = evaluate(c.model_mut(), &test).unwrap();
        assert_eq!((Some(l), acc), (with.epochs[4].test_loss, with.epochs[4].test_accuracy));
        let acc = acc.unwrap() * 300.0;
        assert!((acc - acc.round()).abs() < 1e-9, "{acc}");
    }

    fn spiral_mlp(text: &str, seed: u64) -> (Box<dyn Module>, Dataset) {
        let data = synthetic("spiral", 0).unwrap();
        let m = build(&ModelSpec::parse(text).unwrap().to_json(&data).unwrap(), &mut Rng::new(seed)).unwrap();
        (m, data)
    }

    #[test]
    fn full_batch_sgd_learns_spiral_and_records_every_epoch() {
        let (m, data) = spiral_mlp("mlp:2-50-3:relu", 1);
        let cfg = TrainConfig { epochs: 60, ..TrainConfig::default() };
        let log = train(m, &data, &cfg, Rng::new(0)).unwrap();
        assert_eq!(log.epochs.len(), 60);
        assert!(!log.diverged);
        let (first, last) = (&log.epochs[0], &log.epochs[59]);
        // torch's default init gives near-uniform logits: ln 3 = 1.0986 within a few percent.
        assert!((first.loss - 3f64.ln()).abs() < 0.05, "{}", first.loss);
        assert!(last.loss < 0.85 && last.accuracy.unwrap() > 0.55, "{last:?}");
        assert_eq!(first.grad_norms.len(), 4);
        assert!(first.grad_norms.iter().all(|g| g.is_finite() && *g > 0.0));
    }

    #[test]
    fn minibatches_are_shuffled_by_the_generator_only() {
        let cfg = TrainConfig {
            epochs: 3,
            batch_size: Some(64),
            optimizer: OptimizerKind::Adam,
            lr: 0.01,
            ..TrainConfig::default()
        };
        let run = |shuffle_seed| {
            let (m, data) = spiral_mlp("mlp:2-16-3:tanh", 4);
            train(m, &data, &cfg, Rng::new(shuffle_seed)).unwrap()
        };
        let (a, b, c) = (run(1), run(1), run(2));
        assert_eq!(a, b);
        assert_ne!(a.epochs[1].loss, c.epochs[1].loss);
        // 300 samples in batches of 64: five batches, the running accuracy covers all 300.
        let acc = a.epochs[0].accuracy.unwrap() * 300.0;
        assert!((acc - acc.round()).abs() < 1e-9, "{acc}");
    }

    #[test]
    fn a_non_finite_loss_stops_the_run_and_keeps_the_history() {
        let (m, data) = spiral_mlp("mlp:2-100-100-3:relu", 0);
        for p in m.parameters() {
            let mut r = Rng::new(p.numel() as u64);
            r.normal_(p.data_mut().as_slice_mut().unwrap(), 0.0, 10.0);
        }
        let cfg = TrainConfig { lr: 100.0, epochs: 50, ..TrainConfig::default() };
        let log = train(m, &data, &cfg, Rng::new(0)).unwrap();
        let l: Vec<f64> = log.epochs.iter().map(|e| e.loss).collect();
        assert!(log.diverged, "{l:?}");
        assert!(log.epochs.len() < 50);
        let last = log.epochs.last().unwrap();
        assert!(!last.loss.is_finite());
        assert!(log.epochs[..log.epochs.len() - 1].iter().all(|e| e.loss.is_finite()));
    }

    #[test]
    fn bad_config_names_the_flag() {
        let (m, data) = spiral_mlp("mlp:2-4-3", 0);
        let cfg = TrainConfig { lr: -1.0, ..TrainConfig::default() };
        let e = train(m, &data, &cfg, Rng::new(0)).unwrap_err().to_string();
        assert!(e.contains("--lr -1") && e.contains("> 0"), "{e}");
        assert!("rmsprop".parse::<OptimizerKind>().unwrap_err().to_string().contains("sgd, adam"));
    }

    #[test]
    fn a_huge_epoch_count_allocates_nothing_up_front() {
        // 2^40 epochs of records up front would be 48 TiB and abort; a NaN output bias stops the run
        // in its first epoch.
        let (m, data) = spiral_mlp("mlp:2-4-3:relu", 0);
        m.parameters().last().unwrap().data_mut().fill(f32::NAN);
        let cfg = TrainConfig { epochs: 1 << 40, ..TrainConfig::default() };
        let log = train(m, &data, &cfg, Rng::new(0)).unwrap();
        assert!(log.diverged && log.epochs.len() == 1, "{}", log.epochs.len());
    }
}
