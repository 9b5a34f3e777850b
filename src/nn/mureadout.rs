//! `MuReadout` (mup/layer.py): the output Linear of a μP model, which maps a width dimension to
//! a fixed one. Its forward is `Linear(output_mult · x / width_mult)`, the width multiplier
//! read from its weight's [`InfShape`](super::InfShape) (so base shapes must be set first, as in
//! mup); `readout_zero_init` makes its default init all zeros, drawing nothing.

use super::display::py_bool;
use super::linear::{default_bounds, uniform_param};
use super::Module;
use crate::error::{Error, Result};
use crate::ops::matmul::linear;
use crate::rng::Rng;
use crate::tensor::{Parameter, Tensor};
use ndarray::{ArrayD, IxDyn};
use serde_json::json;

pub struct MuReadout {
    pub in_features: usize,
    pub out_features: usize,
    pub weight: Parameter,
    pub bias: Option<Parameter>,
    pub output_mult: f64,
    pub readout_zero_init: bool,
}

impl MuReadout {
    /// `MuReadout(in, out, bias, readout_zero_init=…, output_mult=…)`, initialised from `rng`
    /// as `nn.Linear` (or zeros with `readout_zero_init`).
    pub fn with_rng(
        in_features: usize,
        out_features: usize,
        bias: bool,
        output_mult: f64,
        readout_zero_init: bool,
        rng: &mut Rng,
    ) -> MuReadout {
        let mut l = MuReadout {
            in_features,
            out_features,
            weight: Tensor::param(ArrayD::zeros(IxDyn(&[out_features, in_features]))),
            bias: bias.then(|| Tensor::param(ArrayD::zeros(IxDyn(&[out_features])))),
            output_mult,
            readout_zero_init,
        };
        l.reset_parameters(rng);
        l
    }

    /// The weight's width multiplier (its fan-in's `dim / base`); an error before base shapes.
    pub fn width_mult(&self) -> Result<f64> {
        self.weight.infshape().map(|s| s.width_mult()).ok_or_else(|| {
            Error::invalid("MuReadout", "its base shapes are not set (mup: 'Please call set_base_shapes(...)')")
        })
    }
}

impl Module for MuReadout {
    fn type_name(&self) -> &'static str {
        "MuReadout"
    }
    /// torch: `super().forward(self.output_mult * x / self.width_mult())`, each scalar rounded
    /// to f32 by its op.
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        let wm = self.width_mult()?;
        let h = x.mul_scalar(self.output_mult as f32).div(&Tensor::scalar(wm as f32))?;
        linear(&h, &self.weight, self.bias.as_ref())
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
        let mut v = vec![("weight", &self.weight)];
        if let Some(b) = &self.bias {
            v.push(("bias", b));
        }
        v
    }
    fn reset_parameters(&mut self, rng: &mut Rng) {
        if self.readout_zero_init {
            self.weight.data_mut().fill(0.0);
            if let Some(b) = &self.bias {
                b.data_mut().fill(0.0);
            }
            return;
        }
        let (w_bound, b_bound) = default_bounds(self.in_features);
        let shape = [self.out_features, self.in_features];
        if shape.iter().product::<usize>() > 0 {
            *self.weight.data_mut() = uniform_param(&shape, w_bound, rng);
        }
        if let Some(b) = &self.bias {
            *b.data_mut() = uniform_param(&[self.out_features], b_bound, rng);
        }
    }
    fn to_spec(&self) -> serde_json::Value {
        json!({"type": "MuReadout", "in_features": self.in_features, "out_features": self.out_features,
               "bias": self.bias.is_some(), "output_mult": self.output_mult,
               "readout_zero_init": self.readout_zero_init})
    }
    crate::impl_as_any!();
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::autograd::gradcheck::{gradcheck, GradcheckOpts};
    use crate::nn::{InfShape, Linear};

    #[test]
    fn draws_as_linear_or_nothing() {
        let m = MuReadout::with_rng(8, 3, true, 1.0, false, &mut Rng::new(5));
        let l = Linear::with_rng(8, 3, true, &mut Rng::new(5));
        assert_eq!(m.weight.to_vec(), l.weight.to_vec());
        let mut rng = Rng::new(5);
        let z = MuReadout::with_rng(8, 3, true, 1.0, true, &mut rng);
        assert!(z.weight.to_vec().iter().chain(&z.bias.unwrap().to_vec()).all(|&v| v == 0.0));
        // Nothing drawn: the generator is where a fresh one is.
        assert_eq!(rng.randn(&[1]), Rng::new(5).randn(&[1]));
    }

    #[test]
    fn forward_divides_by_width_mult_and_gradchecks() {
        let m = MuReadout::with_rng(4, 2, true, 2.0, false, &mut Rng::new(1));
        let x = Tensor::from_vec(&[3, 4], (0..12).map(|i| i as f32 * 0.1 - 0.5).collect()).unwrap();
        assert!(m.forward(&x).is_err(), "no base shapes yet");
        m.weight.set_infshape(Some(InfShape::zip(&[2, 1], &[2, 4]))); // fan-in base 1: width_mult 4
        let y = m.forward(&x).unwrap();
        let l = Linear { in_features: 4, out_features: 2, weight: m.weight.clone(), bias: m.bias.clone() };
        let want = l.forward(&x.mul_scalar(0.5)).unwrap();
        assert_eq!(y.to_vec(), want.to_vec());
        gradcheck(|xs| m.forward(&xs[0]), &[x.data().clone()], GradcheckOpts::default()).unwrap();
    }
}
