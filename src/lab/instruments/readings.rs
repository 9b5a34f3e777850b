//! The instruments read off a [`Run`] at any point (between epochs or mid-epoch), on its
//! training data, labelled with the epochs it has finished. None draws from the run's generator
//! or changes what it trains (see each instrument), so reading a run never changes its numbers.

use crate::lab::instruments::captures::{boundary, histograms, plane_of, Boundary, Extent, HistSet};
use crate::lab::instruments::curve::{curve, Curve, Span};
use crate::lab::instruments::units::{dead_relu_fraction, hidden_symmetry, layer_output_stds, LayerSymmetry};
use crate::lab::train::Run;
use crate::nn::Module;
use crate::{Result, Tensor};
use ndarray::ArrayD;

impl Run {
    /// The plane of decision boundaries for this run's data (2-D classification only).
    pub fn plane(&self) -> Option<Extent> {
        plane_of(self.data())
    }

    /// The predicted class over `extent` now (see [`boundary`]).
    pub fn boundary(&mut self, extent: Extent) -> Result<Boundary> {
        let epoch = self.epoch();
        boundary(self.model_mut(), extent, epoch)
    }

    /// The model's output along `span` now (1-D regression; see [`curve`]).
    pub fn curve(&mut self, span: Span) -> Result<Curve> {
        let epoch = self.epoch();
        curve(self.model_mut(), span, epoch)
    }

    /// Histograms of each hidden layer's activations and of the gradients reaching them, on the
    /// whole training set (see [`histograms`]).
    pub fn histograms(&self) -> Result<HistSet> {
        histograms(self.model(), self.data(), self.epoch())
    }

    /// Distinct units per hidden layer (unit symmetry).
    pub fn symmetry(&self) -> Vec<LayerSymmetry> {
        hidden_symmetry(self.model())
    }

    /// The fraction of ReLU outputs that are zero for every training sample (`None`: no ReLU).
    pub fn dead_relu(&self) -> Result<Option<f64>> {
        keeping_buffers(self.model(), || dead_relu_fraction(self.model(), self.data()))
    }

    /// Std of each weight layer's output on the training data.
    pub fn layer_output_stds(&self) -> Result<Vec<f64>> {
        keeping_buffers(self.model(), || layer_output_stds(self.model(), self.data()))
    }
}

/// Runs `f` (a training-mode forward pass, which moves batch-norm running statistics) and puts
/// the model's buffers back as they were.
fn keeping_buffers<T>(model: &dyn Module, f: impl FnOnce() -> Result<T>) -> Result<T> {
    let saved: Vec<(Tensor, ArrayD<f32>)> = model.buffers().into_iter().map(|b| (b.clone(), b.to_array())).collect();
    let out = f();
    for (b, v) in saved {
        b.set_data(v)?;
    }
    out
}
