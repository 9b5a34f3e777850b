//! A [`Run`] as plain data, and back: the model's `state_dict` (parameters and buffers), the
//! optimizer's state, the generator's state, the train config, the epochs recorded and the
//! position inside the current epoch. Every float is stored as its bit pattern, so any serde
//! format (JSON has no NaN) restores a diverged run exactly, and a restored run steps on to the
//! same bits the original would have.

use super::run::{EpochPosition, Run};
use super::train_loop::{EpochRecord, OptimizerKind, TrainConfig, TrainLog};
use crate::lab::data::Dataset;
use crate::nn::Module;
use crate::optim::OptimState;
use crate::rng::RngState;
use crate::{Error, Result, Rng};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// The format tag of a [`Snapshot`].
pub const SNAPSHOT_FORMAT: &str = "initlab-run-snapshot/1";

/// A run's whole state ([`Run::snapshot`], [`Run::restore`]).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Snapshot {
    pub format: String,
    pub config: ConfigBits,
    /// `state_dict` order: name, shape, values as bits.
    pub tensors: Vec<(String, Vec<usize>, Vec<u32>)>,
    pub optimizer: OptimState,
    pub rng: RngState,
    pub epochs: Vec<EpochBits>,
    pub diverged: bool,
    /// The epoch begun and not finished, if any.
    pub position: Option<PositionBits>,
    pub steps: u64,
}

/// [`TrainConfig`] with its floats as bits.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfigBits {
    pub optimizer: String,
    pub lr: u64,
    pub momentum: u32,
    pub weight_decay: u32,
    pub epochs: usize,
    pub batch_size: Option<usize>,
}

/// [`EpochRecord`] with its floats as bits.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EpochBits {
    pub loss: u64,
    pub accuracy: Option<u64>,
    pub grad_norms: Vec<u64>,
    pub test_loss: Option<u64>,
    pub test_accuracy: Option<u64>,
}

/// The position inside an epoch, floats as bits.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PositionBits {
    pub order: Vec<usize>,
    pub batches: usize,
    pub loss_sum: u64,
    pub correct: usize,
    pub norms: Vec<u64>,
    pub test_loss: Option<u64>,
    pub test_accuracy: Option<u64>,
}

fn b(v: f64) -> u64 {
    v.to_bits()
}
fn ob(v: Option<f64>) -> Option<u64> {
    v.map(f64::to_bits)
}
fn f(v: u64) -> f64 {
    f64::from_bits(v)
}
fn of(v: Option<u64>) -> Option<f64> {
    v.map(f64::from_bits)
}
fn vb(v: &[f64]) -> Vec<u64> {
    v.iter().map(|x| x.to_bits()).collect()
}
fn vf(v: &[u64]) -> Vec<f64> {
    v.iter().map(|&x| f64::from_bits(x)).collect()
}

fn bad(msg: impl std::fmt::Display) -> Error {
    Error::invalid("run snapshot", msg)
}

impl Run {
    /// The run's whole state as plain data (see [`Snapshot`]); taking it changes nothing.
    pub fn snapshot(&self) -> Snapshot {
        let c = &self.cfg;
        Snapshot {
            format: SNAPSHOT_FORMAT.into(),
            config: ConfigBits {
                optimizer: c.optimizer.to_string(),
                lr: b(c.lr),
                momentum: c.momentum.to_bits(),
                weight_decay: c.weight_decay.to_bits(),
                epochs: c.epochs,
                batch_size: c.batch_size,
            },
            tensors: self
                .model()
                .state_dict()
                .into_iter()
                .map(|(n, t)| (n, t.shape(), t.data().iter().map(|x| x.to_bits()).collect()))
                .collect(),
            optimizer: self.optimizer_ref().state(),
            rng: self.rng.state(),
            epochs: self
                .log
                .epochs
                .iter()
                .map(|e| EpochBits {
                    loss: b(e.loss),
                    accuracy: ob(e.accuracy),
                    grad_norms: vb(&e.grad_norms),
                    test_loss: ob(e.test_loss),
                    test_accuracy: ob(e.test_accuracy),
                })
                .collect(),
            diverged: self.log.diverged,
            position: self.current.as_ref().map(|p| PositionBits {
                order: p.order.clone(),
                batches: p.batches,
                loss_sum: b(p.loss_sum),
                correct: p.correct,
                norms: vb(&p.norms),
                test_loss: ob(p.test_loss),
                test_accuracy: ob(p.test_accuracy),
            }),
            steps: self.steps,
        }
    }

    /// The run `snap` was taken of, on `model` (built from the same spec; its weights and buffers
    /// are overwritten) and `data` (the same training set). Errors name what does not fit. A
    /// held-out set is given again with [`Run::with_test`].
    pub fn restore(model: Box<dyn Module>, data: impl Into<Arc<Dataset>>, snap: &Snapshot) -> Result<Run> {
        if snap.format != SNAPSHOT_FORMAT {
            return Err(bad(format!("format '{}', expected '{SNAPSHOT_FORMAT}'", snap.format)));
        }
        let c = &snap.config;
        let optimizer: OptimizerKind = c.optimizer.parse()?;
        let cfg = TrainConfig {
            optimizer,
            lr: f(c.lr),
            momentum: f32::from_bits(c.momentum),
            weight_decay: f32::from_bits(c.weight_decay),
            epochs: c.epochs,
            batch_size: c.batch_size,
        };
        let state = model.state_dict();
        let names: Vec<&str> = state.iter().map(|(n, _)| n.as_str()).collect();
        let stored: Vec<&str> = snap.tensors.iter().map(|(n, _, _)| n.as_str()).collect();
        if names != stored {
            return Err(bad(format!("holds tensors [{}], the model has [{}]", stored.join(", "), names.join(", "))));
        }
        for ((name, t), (_, shape, bits)) in state.iter().zip(&snap.tensors) {
            if t.shape() != *shape || bits.len() != t.numel() {
                return Err(Error::checkpoint(
                    name,
                    format!("shape {shape:?} in the snapshot but {:?} in the model", t.shape()),
                ));
            }
        }
        for ((_, t), (_, shape, bits)) in state.iter().zip(&snap.tensors) {
            let values = bits.iter().copied().map(f32::from_bits).collect();
            *t.data_mut() = ndarray::ArrayD::from_shape_vec(shape.clone(), values).expect("checked above");
        }
        let data = data.into();
        let mut run = Run::new(model, data, cfg, Rng::from_state(&snap.rng)?)?;
        run.optimizer_mut().load_state(&snap.optimizer)?;
        let n = run.data().len();
        if let Some(p) = &snap.position {
            let full = run.batches_per_epoch() == 1;
            if p.batches >= run.batches_per_epoch()
                || (!full && (p.order.len() != n || p.order.iter().any(|&i| i >= n)))
                || (full && !p.order.is_empty())
            {
                return Err(bad(format!(
                    "is {} batches into an epoch of {} over {} samples; the data has {n}",
                    p.batches,
                    run.batches_per_epoch(),
                    p.order.len()
                )));
            }
        }
        run.log = TrainLog {
            epochs: snap
                .epochs
                .iter()
                .map(|e| EpochRecord {
                    loss: f(e.loss),
                    accuracy: of(e.accuracy),
                    grad_norms: vf(&e.grad_norms),
                    test_loss: of(e.test_loss),
                    test_accuracy: of(e.test_accuracy),
                })
                .collect(),
            diverged: snap.diverged,
        };
        run.current = snap.position.as_ref().map(|p| EpochPosition {
            order: p.order.clone(),
            batches: p.batches,
            loss_sum: f(p.loss_sum),
            correct: p.correct,
            norms: vf(&p.norms),
            test_loss: of(p.test_loss),
            test_accuracy: of(p.test_accuracy),
        });
        run.steps = snap.steps;
        Ok(run)
    }
}
