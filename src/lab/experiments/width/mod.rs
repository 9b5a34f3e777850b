//! Width: what happens as an MLP gets wider, under the standard parametrization (torch's
//! default) beside μP (the `mup` package's, see [`crate::lab::models::param`]): mup's coord check
//! ([`coord`]) and learning rates that transfer across width ([`lr`]).
//!
//! Conventions (so the numbers are mup's, see scripts/make_mup_fixtures.py): the model of width
//! w is `mlp:in-wxH-out:ACT`; the fixed batch is the whole training set of the dataset (data seed
//! 0), or its first `batch_size` samples; seed i is `torch.manual_seed(i)`; μP's base and delta
//! shapes are taken without drawing from the run's generator.

pub mod coord;
pub mod lr;

use crate::lab::data::{synthetic, Dataset};
use crate::lab::models::param::{apply, Param};
use crate::lab::models::{build, ModelSpec};
use crate::lab::train::OptimizerKind;
use crate::nn::mup::BaseShapes;
use crate::nn::Module;
use crate::{Error, Result, Rng};
use serde_json::Value;

/// What `initlab width` runs.
#[derive(Clone, Debug, PartialEq)]
pub struct WidthConfig {
    pub data: String,
    pub batch_size: Option<usize>,
    pub widths: Vec<usize>,
    pub hidden: usize,
    pub activation: String,
    pub seeds: usize,
    pub steps: usize,
    pub optimizer: OptimizerKind,
    /// The coord check's learning rate.
    pub lr: f64,
    /// The lr sweep's learning rates.
    pub lrs: Vec<f64>,
    /// SP and μP (in this order), or one of them.
    pub params: Vec<Param>,
    pub momentum: f32,
}

impl Default for WidthConfig {
    fn default() -> Self {
        WidthConfig {
            data: "spiral".into(),
            batch_size: None,
            widths: vec![64, 128, 256, 512, 1024, 2048],
            hidden: 3,
            activation: "relu".into(),
            seeds: 3,
            steps: 5,
            optimizer: OptimizerKind::Adam,
            lr: 0.01,
            lrs: Vec::new(),
            params: vec![Param::Sp, Param::Mup { base_width: 64, output_mult: 1.0, readout_zero_init: false }],
            momentum: 0.0,
        }
    }
}

impl WidthConfig {
    /// Errors naming the flag: widths not increasing, a base width above a width, a learning
    /// rate that is not a finite number > 0, zero seeds, steps or hidden layers.
    pub fn check(&self) -> Result<()> {
        let list = |v: &[usize]| v.iter().map(|w| w.to_string()).collect::<Vec<_>>().join(",");
        if self.widths.is_empty() || self.widths[0] == 0 {
            return Err(Error::invalid(format!("--widths '{}'", list(&self.widths)), "needs widths >= 1"));
        }
        if let Some(i) = (1..self.widths.len()).find(|&i| self.widths[i] <= self.widths[i - 1]) {
            return Err(Error::invalid(
                format!("--widths '{}'", list(&self.widths)),
                format!("widths must increase: {} follows {}", self.widths[i], self.widths[i - 1]),
            ));
        }
        for p in &self.params {
            if let Param::Mup { base_width, .. } = p {
                if *base_width > self.widths[0] {
                    return Err(Error::invalid(
                        format!("--base-width {base_width}"),
                        format!(
                            "is above the smallest width {}; the base is a width the others scale from",
                            self.widths[0]
                        ),
                    ));
                }
            }
        }
        for (flag, v) in [("--seeds", self.seeds), ("--steps", self.steps), ("--hidden", self.hidden)] {
            if v == 0 {
                return Err(Error::invalid(format!("{flag} 0"), "needs a value >= 1"));
            }
        }
        for &lr in std::iter::once(&self.lr).chain(&self.lrs) {
            if !(lr.is_finite() && lr > 0.0) {
                return Err(Error::invalid(
                    format!("learning rate {lr}"),
                    "every learning rate must be a finite number > 0",
                ));
            }
        }
        if self.batch_size == Some(0) {
            return Err(Error::invalid("--batch-size 0", "needs a batch size >= 1"));
        }
        Ok(())
    }

    /// The fixed batch: the training set for data seed 0, or its first `batch_size` samples.
    pub fn dataset(&self) -> Result<Dataset> {
        let d = synthetic(&self.data, 0)?;
        if !d.is_classification() {
            return Err(Error::invalid(
                format!("--data {}", self.data),
                "the width experiments need a classification set",
            ));
        }
        match self.batch_size {
            Some(n) if n < d.len() => {
                let idx: Vec<usize> = (0..n).collect();
                let (x, t) = d.batch(&idx);
                Dataset::new(d.name.clone(), x, t)
            }
            _ => Ok(d),
        }
    }

    /// The shorthand of width `w`.
    pub fn model_text(&self, w: usize) -> String {
        format!("mlp:in-{w}x{}-out:{}", self.hidden, self.activation)
    }

    /// The spec of width `w` under `param`, with its base shapes.
    pub fn spec(&self, param: &Param, w: usize, data: &Dataset) -> Result<(Value, Option<BaseShapes>)> {
        let text = self.model_text(w);
        let spec = ModelSpec::parse(&text)?.to_json(data)?;
        param.prepare(&spec, &text)
    }
}

/// Builds a prepared spec from `rng` and sets its base shapes (mup's `set_base_shapes`).
pub fn build_param(spec: &Value, base: Option<&BaseShapes>, rng: &mut Rng) -> Result<Box<dyn Module>> {
    let mut m = build(spec, rng)?;
    apply(&*m, base)?;
    m.train();
    Ok(m)
}
