//! `LayerNorm`: normalizes each sample over its last dimensions (`normalized_shape`), with an
//! elementwise weight (ones) and bias (zeros) of that shape.

use super::display::{py_bool, py_float};
use super::spec::Fields;
use super::Module;
use crate::error::{Error, Result};
use crate::ops::layer_norm;
use crate::tensor::{Parameter, Tensor};
use ndarray::{ArrayD, IxDyn};
use serde_json::{json, Value};

/// torch's `nn.LayerNorm(normalized_shape, eps=1e-5, elementwise_affine=True, bias=True)`.
pub struct LayerNorm {
    pub normalized_shape: Vec<usize>,
    pub eps: f64,
    pub elementwise_affine: bool,
    pub weight: Option<Parameter>,
    pub bias: Option<Parameter>,
}

impl LayerNorm {
    pub fn new(normalized_shape: &[usize], eps: f64, elementwise_affine: bool, bias: bool) -> Result<LayerNorm> {
        if normalized_shape.is_empty() {
            return Err(Error::invalid("LayerNorm", "normalized_shape must have at least one dimension"));
        }
        let full = |v: f32| Tensor::param(ArrayD::from_elem(IxDyn(normalized_shape), v));
        Ok(LayerNorm {
            normalized_shape: normalized_shape.to_vec(),
            eps,
            elementwise_affine,
            weight: elementwise_affine.then(|| full(1.0)),
            bias: (elementwise_affine && bias).then(|| full(0.0)),
        })
    }

    pub(crate) fn from_fields(f: &Fields) -> Result<LayerNorm> {
        f.only(&["normalized_shape", "eps", "elementwise_affine", "bias"])?;
        let shape = match f.get("normalized_shape") {
            None => return Err(f.err("normalized_shape", "missing (required by LayerNorm)")),
            Some(v) if v.is_u64() => vec![v.as_u64().expect("u64") as usize],
            Some(Value::Array(a)) if !a.is_empty() && a.iter().all(Value::is_u64) => {
                a.iter().map(|v| v.as_u64().expect("u64") as usize).collect()
            }
            Some(v) => {
                return Err(
                    f.err("normalized_shape", format!("expected an integer or a non-empty list of them, got {v}"))
                )
            }
        };
        let eps = f.f64_or("eps", 1e-5)?;
        if eps < 0.0 {
            return Err(f.err("eps", format!("must be non-negative, got {eps}")));
        }
        LayerNorm::new(&shape, eps, f.bool_or("elementwise_affine", true)?, f.bool_or("bias", true)?)
            .map_err(|e| f.err("normalized_shape", e))
    }
}

impl Module for LayerNorm {
    fn type_name(&self) -> &'static str {
        "LayerNorm"
    }
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        layer_norm(x, &self.normalized_shape, self.weight.as_ref(), self.bias.as_ref(), self.eps)
    }
    /// torch: `(8,), eps=1e-05, elementwise_affine=True, bias=True` (the shape as a Python tuple).
    fn extra_repr(&self) -> String {
        let dims: Vec<String> = self.normalized_shape.iter().map(|d| d.to_string()).collect();
        let tuple = if dims.len() == 1 { format!("({},)", dims[0]) } else { format!("({})", dims.join(", ")) };
        format!(
            "{tuple}, eps={}, elementwise_affine={}, bias={}",
            py_float(self.eps),
            py_bool(self.elementwise_affine),
            py_bool(self.bias.is_some())
        )
    }
    fn own_parameters(&self) -> Vec<(&'static str, &Parameter)> {
        super::present([("weight", self.weight.as_ref()), ("bias", self.bias.as_ref())])
    }
    /// torch: weight 1, bias 0.
    fn reset_parameters(&mut self, _rng: &mut crate::rng::Rng) {
        if let Some(w) = &self.weight {
            w.data_mut().fill(1.0);
        }
        if let Some(b) = &self.bias {
            b.data_mut().fill(0.0);
        }
    }
    fn to_spec(&self) -> Value {
        json!({"type": "LayerNorm", "normalized_shape": self.normalized_shape, "eps": self.eps,
            "elementwise_affine": self.elementwise_affine, "bias": self.bias.is_some() || !self.elementwise_affine})
    }
    crate::impl_as_any!();
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::spec::from_spec_with_rng;
    use crate::rng::Rng;

    #[test]
    fn print_parameters_and_spec_round_trip() {
        let build = |v: Value| from_spec_with_rng(&v, &mut Rng::new(0));
        let m = build(json!({"type": "LayerNorm", "normalized_shape": 8})).unwrap();
        assert_eq!(m.to_string(), "LayerNorm((8,), eps=1e-05, elementwise_affine=True, bias=True)");
        let names: Vec<String> = m.named_parameters().into_iter().map(|(n, p)| format!("{n}{:?}", p.shape())).collect();
        assert_eq!(names, ["weight[8]", "bias[8]"]);
        let m = build(json!({"type": "LayerNorm", "normalized_shape": [3, 4], "eps": 1e-3, "bias": false})).unwrap();
        assert_eq!(m.to_string(), "LayerNorm((3, 4), eps=0.001, elementwise_affine=True, bias=False)");
        assert_eq!(m.named_parameters().len(), 1);
        assert_eq!(build(m.to_spec()).unwrap().named_parameters().len(), 1);
        let m = build(json!({"type": "LayerNorm", "normalized_shape": [4], "elementwise_affine": false})).unwrap();
        assert!(m.named_parameters().is_empty());
        let e = build(json!({"type": "LayerNorm", "normalized_shape": []})).unwrap_err().to_string();
        assert!(e.contains("normalized_shape"), "{e}");
        let e = m.forward(&Tensor::zeros(&[2, 3])).unwrap_err().to_string();
        assert!(e.contains("normalized_shape=[4]") && e.contains("[2, 3]"), "{e}");
    }
}
