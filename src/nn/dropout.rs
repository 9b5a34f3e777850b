//! `Dropout`.

use super::display::py_float;
use super::spec::Fields;
use super::Module;
use crate::error::{Error, Result};
use crate::tensor::Tensor;
use serde_json::{json, Value};

/// torch's `nn.Dropout(p=0.5)`: in training, zeroes each value with probability p and scales the
/// rest by 1/(1 − p); in eval mode, the identity. The mask is torch's CPU `_dropout`:
/// `empty_like(x).bernoulli_(1 − p)` from the default generator (see [`crate::rng::Rng::bernoulli_`]
/// for which of torch's paths that is), divided by 1 − p in float32, times x. Training lends the
/// run's generator as the default ([`crate::rng::with_generator`]), so a run draws its masks where
/// the PyTorch program does.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Dropout {
    pub p: f64,
    pub training: bool,
}

impl Dropout {
    pub fn new(p: f64) -> Result<Dropout> {
        if !(0.0..=1.0).contains(&p) {
            return Err(Error::invalid(
                "Dropout",
                format!("dropout probability has to be between 0 and 1, but got {}", py_float(p)),
            ));
        }
        Ok(Dropout { p, training: true })
    }
    pub(crate) fn from_fields(f: &Fields) -> Result<Dropout> {
        f.only(&["p", "inplace"])?;
        Dropout::new(f.f64_or("p", 0.5)?).map_err(|e| f.err("p", e))
    }
}

impl Module for Dropout {
    fn type_name(&self) -> &'static str {
        "Dropout"
    }
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        if !self.training || self.p == 0.0 {
            return Ok(x.clone());
        }
        let n = x.numel();
        let mut mask = vec![0.0f32; n];
        // p = 1: zeros, drawing nothing (torch's `_dropout` returns `input * zeros` first).
        if self.p < 1.0 {
            let keep = 1.0 - self.p;
            crate::rng::with_default_rng(|rng| rng.bernoulli_(&mut mask, keep));
            // noise.div_(1 − p): a float32 division by the float32-rounded 1 − p.
            let scale = 1.0f32 / keep as f32;
            mask.iter_mut().for_each(|m| *m *= scale);
        }
        x.mul(&Tensor::from_vec(&x.shape(), mask)?)
    }
    fn extra_repr(&self) -> String {
        format!("p={}, inplace=False", py_float(self.p))
    }
    fn training(&self) -> bool {
        self.training
    }
    fn set_training(&mut self, on: bool) {
        self.training = on;
    }
    fn to_spec(&self) -> Value {
        json!({"type": "Dropout", "p": self.p})
    }
    crate::impl_as_any!();
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::spec::from_spec_with_rng;
    use crate::rng::Rng;

    #[test]
    fn print_spec_and_errors() {
        let build = |v: Value| from_spec_with_rng(&v, &mut Rng::new(0));
        let m = build(json!({"type": "Dropout", "p": 0.3})).unwrap();
        assert_eq!(m.to_string(), "Dropout(p=0.3, inplace=False)");
        assert_eq!(build(m.to_spec()).unwrap().to_string(), m.to_string());
        let e = build(json!({"type": "Dropout", "p": 1.5})).unwrap_err().to_string();
        assert!(e.contains("model") && e.contains("'p'") && e.contains("between 0 and 1"), "{e}");
    }

    #[test]
    fn dropout_keeps_one_minus_p_scaled_and_is_the_identity_in_eval() {
        let mut d = Dropout::new(0.25).unwrap();
        let x = Tensor::param(ndarray::ArrayD::from_elem(vec![100, 100], 2.0f32));
        let y = d.forward(&x).unwrap().to_vec();
        let kept = y.iter().filter(|&&v| v != 0.0).count();
        // Binomial(10000, 0.75): std ≈ 43, so ±250 is > 5 sigma.
        assert!((kept as i64 - 7500).abs() < 250, "{kept}");
        assert!(y.iter().all(|&v| v == 0.0 || (v - 2.0 / 0.75).abs() < 1e-6));
        // The gradient goes through the same mask: dy/dx = y/x.
        let y = d.forward(&x).unwrap();
        y.sum_all().backward().unwrap();
        let (yv, g) = (y.to_vec(), x.grad().unwrap());
        assert!(g.iter().zip(&yv).all(|(g, y)| (g - y / 2.0).abs() < 1e-6));
        d.set_training(false);
        assert_eq!(d.forward(&x).unwrap().to_vec(), x.to_vec());
        let all = Dropout::new(1.0).unwrap().forward(&x).unwrap();
        assert!(all.to_vec().iter().all(|&v| v == 0.0));
    }
}
