//! `BatchNorm1d` and `BatchNorm2d`: one generic layer, two types (so `is::<BatchNorm2d>()` tells
//! them apart as torch's isinstance does).

use super::display::{py_bool, py_float};
use super::Module;
use crate::error::{shape_str, Error, Result};
use crate::ops::batch_norm;
use crate::tensor::{Parameter, Tensor};
use ndarray::{ArrayD, IxDyn};
use serde_json::json;

/// Batch normalization over `D` spatial dimensions (1: [N, C] or [N, C, L]; 2: [N, C, H, W]).
pub struct BatchNorm<const D: usize> {
    pub num_features: usize,
    pub eps: f64,
    /// None: cumulative moving average (torch's `momentum=None`).
    pub momentum: Option<f64>,
    pub affine: bool,
    pub track_running_stats: bool,
    pub weight: Option<Parameter>,
    pub bias: Option<Parameter>,
    pub running_mean: Option<Tensor>,
    pub running_var: Option<Tensor>,
    pub num_batches_tracked: Option<Tensor>,
    pub training: bool,
}

pub type BatchNorm1d = BatchNorm<1>;
pub type BatchNorm2d = BatchNorm<2>;

/// Constructor arguments of a batch-norm layer (torch's defaults).
#[derive(Clone, Copy, Debug)]
pub struct BatchNormOptions {
    pub eps: f64,
    pub momentum: Option<f64>,
    pub affine: bool,
    pub track_running_stats: bool,
}

impl Default for BatchNormOptions {
    fn default() -> Self {
        BatchNormOptions { eps: 1e-5, momentum: Some(0.1), affine: true, track_running_stats: true }
    }
}

impl<const D: usize> BatchNorm<D> {
    pub fn new(num_features: usize, opts: BatchNormOptions) -> Self {
        let c = num_features;
        let vec = |v: f32| ArrayD::from_elem(IxDyn(&[c]), v);
        BatchNorm {
            num_features,
            eps: opts.eps,
            momentum: opts.momentum,
            affine: opts.affine,
            track_running_stats: opts.track_running_stats,
            weight: opts.affine.then(|| Tensor::param(vec(1.0))),
            bias: opts.affine.then(|| Tensor::param(vec(0.0))),
            running_mean: opts.track_running_stats.then(|| Tensor::new(vec(0.0))),
            running_var: opts.track_running_stats.then(|| Tensor::new(vec(1.0))),
            num_batches_tracked: opts.track_running_stats.then(|| Tensor::new(ArrayD::zeros(IxDyn(&[])))),
            training: true,
        }
    }

    fn check_input(&self, shape: &[usize]) -> Result<()> {
        let nd = shape.len();
        let ok = if D == 1 { nd == 2 || nd == 3 } else { nd == D + 2 };
        if !ok {
            let want = if D == 1 { "2D or 3D".to_string() } else { format!("{}D", D + 2) };
            return Err(Error::shape(
                self.type_name(),
                format!("expected {want} input (got {nd}D input of shape {})", shape_str(shape)),
            ));
        }
        if shape[1] != self.num_features {
            return Err(Error::shape(
                self.type_name(),
                format!(
                    "input of shape {} has {} channels but the layer has num_features={}",
                    shape_str(shape),
                    shape[1],
                    self.num_features
                ),
            ));
        }
        Ok(())
    }
}

impl<const D: usize> Module for BatchNorm<D> {
    fn type_name(&self) -> &'static str {
        if D == 1 {
            "BatchNorm1d"
        } else {
            "BatchNorm2d"
        }
    }

    /// torch's `_BatchNorm.forward`: count the batch, pick the averaging factor, and normalise
    /// with batch statistics in training (or when there are no running statistics).
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        self.check_input(&x.shape())?;
        let mut factor = self.momentum.unwrap_or(0.0);
        if self.training && self.track_running_stats {
            if let Some(n) = &self.num_batches_tracked {
                let mut d = n.data_mut();
                d.mapv_inplace(|v| v + 1.0);
                if self.momentum.is_none() {
                    factor = 1.0 / *d.iter().next().expect("0-d") as f64;
                }
            }
        }
        let bn_training = self.training || (self.running_mean.is_none() && self.running_var.is_none());
        let use_stats = !self.training || self.track_running_stats;
        let (rm, rv) = if use_stats { (self.running_mean.as_ref(), self.running_var.as_ref()) } else { (None, None) };
        batch_norm(x, rm, rv, self.weight.as_ref(), self.bias.as_ref(), bn_training, factor as f32, self.eps as f32)
    }

    fn extra_repr(&self) -> String {
        let momentum = self.momentum.map_or("None".to_string(), py_float);
        format!(
            "{}, eps={}, momentum={}, affine={}, track_running_stats={}",
            self.num_features,
            py_float(self.eps),
            momentum,
            py_bool(self.affine),
            py_bool(self.track_running_stats)
        )
    }

    fn own_parameters(&self) -> Vec<(&'static str, &Parameter)> {
        super::present([("weight", self.weight.as_ref()), ("bias", self.bias.as_ref())])
    }

    fn own_buffers(&self) -> Vec<(&'static str, &Tensor)> {
        super::present([
            ("running_mean", self.running_mean.as_ref()),
            ("running_var", self.running_var.as_ref()),
            ("num_batches_tracked", self.num_batches_tracked.as_ref()),
        ])
    }

    fn training(&self) -> bool {
        self.training
    }

    fn set_training(&mut self, on: bool) {
        self.training = on;
    }

    /// torch: running stats reset (mean 0, var 1, count 0), weight 1, bias 0.
    fn reset_parameters(&mut self, _rng: &mut crate::rng::Rng) {
        let c = self.num_features;
        let fill = |t: &Option<Tensor>, v: f32| {
            if let Some(t) = t {
                *t.data_mut() = ArrayD::from_elem(IxDyn(&[c]), v);
            }
        };
        fill(&self.running_mean, 0.0);
        fill(&self.running_var, 1.0);
        if let Some(n) = &self.num_batches_tracked {
            n.data_mut().fill(0.0);
        }
        fill(&self.weight, 1.0);
        fill(&self.bias, 0.0);
    }

    fn to_spec(&self) -> serde_json::Value {
        json!({
            "type": self.type_name(), "num_features": self.num_features, "eps": self.eps, "momentum": self.momentum,
            "affine": self.affine, "track_running_stats": self.track_running_stats
        })
    }

    crate::impl_as_any!();
}
