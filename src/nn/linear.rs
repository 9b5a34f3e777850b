//! `Linear`: y = x·Wᵀ + b, weight [out_features, in_features].

use super::display::py_bool;
use super::Module;
use crate::error::Result;
use crate::ops::matmul::linear;
use crate::rng::{with_default_rng, Rng};
use crate::tensor::{Parameter, Tensor};
use ndarray::{ArrayD, IxDyn};
use serde_json::json;

pub struct Linear {
    pub in_features: usize,
    pub out_features: usize,
    pub weight: Parameter,
    pub bias: Option<Parameter>,
}

/// U(−bound, bound) of `shape`, drawn as torch's `uniform_(-bound, bound)`.
pub(crate) fn uniform_param(shape: &[usize], bound: f64, rng: &mut Rng) -> ArrayD<f32> {
    let mut a = ArrayD::zeros(IxDyn(shape));
    rng.uniform_(a.as_slice_mut().expect("fresh array"), -bound, bound);
    a
}

/// The bounds of torch's default init of Linear and Conv*, computed in f64 as torch's Python
/// does, so they round to the same f32: the weight's `kaiming_uniform_(a=math.sqrt(5))`
/// (gain √(2/(1 + a²)), std gain/√fan_in, bound √3·std) and the bias's `1 / math.sqrt(fan_in)`
/// (0 for fan_in = 0). The two agree mathematically (1/√fan_in) but not always in the last bit.
pub fn default_bounds(fan_in: usize) -> (f64, f64) {
    if fan_in == 0 {
        return (0.0, 0.0);
    }
    let a = 5f64.sqrt();
    let gain = (2.0 / (1.0 + a * a)).sqrt();
    let std = gain / (fan_in as f64).sqrt();
    (3f64.sqrt() * std, 1.0 / (fan_in as f64).sqrt())
}

impl Linear {
    /// torch's `nn.Linear(in, out, bias)`, initialised from the thread's default generator.
    pub fn new(in_features: usize, out_features: usize, bias: bool) -> Linear {
        with_default_rng(|rng| Linear::with_rng(in_features, out_features, bias, rng))
    }

    /// As [`Linear::new`], drawing from `rng`.
    pub fn with_rng(in_features: usize, out_features: usize, bias: bool, rng: &mut Rng) -> Linear {
        let mut l = Linear {
            in_features,
            out_features,
            weight: Tensor::param(ArrayD::zeros(IxDyn(&[out_features, in_features]))),
            bias: bias.then(|| Tensor::param(ArrayD::zeros(IxDyn(&[out_features])))),
        };
        l.reset_parameters(rng);
        l
    }
}

impl Module for Linear {
    fn type_name(&self) -> &'static str {
        "Linear"
    }
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        linear(x, &self.weight, self.bias.as_ref())
    }
    fn extra_repr(&self) -> String {
        format!(
            "in_features={}, out_features={}, bias={}",
            self.in_features,
            self.out_features,
            py_bool(self.bias.is_some())
        )
    }
    fn own_parameters(&self) -> Vec<(&'static str, &Parameter)> {
        super::present([("weight", Some(&self.weight)), ("bias", self.bias.as_ref())])
    }
    /// torch: weight kaiming_uniform_(a=√5) = U(±1/√in), bias U(±1/√in) (0 when in = 0);
    /// a weight with no elements draws nothing (torch's kaiming_uniform_ is then a no-op).
    fn reset_parameters(&mut self, rng: &mut Rng) {
        let (w_bound, b_bound) = default_bounds(self.in_features);
        let shape = [self.out_features, self.in_features];
        if shape.iter().product::<usize>() > 0 {
            *self.weight.data_mut() = uniform_param(&shape, w_bound, rng);
        } else {
            // torch's reset_parameters runs kaiming_uniform_ on the weight, which warns so.
            crate::init::warn("Initializing zero-element tensors is a no-op");
        }
        if let Some(b) = &self.bias {
            *b.data_mut() = uniform_param(&[self.out_features], b_bound, rng);
        }
    }
    fn to_spec(&self) -> serde_json::Value {
        json!({"type": "Linear", "in_features": self.in_features, "out_features": self.out_features, "bias": self.bias.is_some()})
    }
    crate::impl_as_any!();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_init_bounds_and_determinism() {
        let mut rng = Rng::new(0);
        let l = Linear::with_rng(64, 32, true, &mut rng);
        let bound = 1.0 / 8.0;
        let w = l.weight.to_vec();
        assert!(w.iter().all(|v| v.abs() < bound));
        // 2048 samples of U(±1/8): the max is within 1% of the bound with overwhelming probability.
        assert!(w.iter().fold(0f32, |a, v| a.max(v.abs())) > 0.99 * bound);
        assert!(l.bias.as_ref().unwrap().to_vec().iter().all(|v| v.abs() < bound));
        let l2 = Linear::with_rng(64, 32, true, &mut Rng::new(0));
        assert_eq!(w, l2.weight.to_vec());
        assert_eq!(l.bias.unwrap().to_vec(), l2.bias.unwrap().to_vec());
    }
}
