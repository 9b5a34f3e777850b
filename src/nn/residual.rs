//! `Residual`: initlab's own container, y = gate·body(x) + shortcut(x). The shortcut is the
//! identity unless given; the gate (a learnable one-element parameter named `gate`) exists only
//! when the spec gives its initial value (SkipInit / ReZero start it at 0). Its PyTorch twin is
//! the `Residual` class of `scripts/torch_spec.py`, with the same state_dict names
//! (`gate`, `body.…`, `shortcut.…`).

use super::spec::Fields;
use super::Module;
use crate::error::{shape_str, Error, Result};
use crate::tensor::{Parameter, Tensor};
use ndarray::{ArrayD, IxDyn};
use serde_json::{json, Map, Value};

pub struct Residual {
    pub body: Box<dyn Module>,
    pub shortcut: Option<Box<dyn Module>>,
    pub gate: Option<Parameter>,
    /// The gate's initial value (what `reset_parameters` restores).
    pub gate_init: Option<f64>,
}

impl Residual {
    pub fn new(body: Box<dyn Module>, shortcut: Option<Box<dyn Module>>, gate: Option<f64>) -> Residual {
        let gate_param = gate.map(|g| Tensor::param(ArrayD::from_elem(IxDyn(&[1]), g as f32)));
        Residual { body, shortcut, gate: gate_param, gate_init: gate }
    }

    /// The gate's initial value from a spec: a number or null.
    pub(crate) fn gate_from(f: &Fields) -> Result<Option<f64>> {
        match f.get("gate") {
            None | Some(Value::Null) => Ok(None),
            Some(v) => {
                v.as_f64().filter(|g| g.is_finite()).map(Some).ok_or_else(|| {
                    f.err("gate", format!("expected a number (the gate's initial value) or null, got {v}"))
                })
            }
        }
    }
}

impl Residual {
    /// The forward with each child run by `run(child name, child, input)`: how walkers that
    /// descend into the tree (the probe's per-layer taps) keep the container's own arithmetic.
    pub fn forward_with(
        &self,
        x: &Tensor,
        run: &mut dyn FnMut(&str, &dyn Module, &Tensor) -> Result<Tensor>,
    ) -> Result<Tensor> {
        let mut y = run("body", self.body.as_ref(), x)?;
        if let Some(g) = &self.gate {
            y = y.mul(g)?;
        }
        let s = match &self.shortcut {
            Some(sc) => run("shortcut", sc.as_ref(), x)?,
            None => x.clone(),
        };
        if y.shape() != s.shape() {
            let what = if self.shortcut.is_some() { "shortcut(x)" } else { "x (identity shortcut)" };
            return Err(Error::shape(
                "Residual",
                format!(
                    "body(x) has shape {} but {what} has shape {}; a shortcut layer can match them",
                    shape_str(&y.shape()),
                    shape_str(&s.shape())
                ),
            ));
        }
        y.add(&s)
    }
}

impl Drop for Residual {
    fn drop(&mut self) {
        super::drop_tree(self.take_children());
    }
}

impl Module for Residual {
    fn type_name(&self) -> &'static str {
        "Residual"
    }
    fn take_children(&mut self) -> Vec<Box<dyn Module>> {
        let body = std::mem::replace(&mut self.body, Box::new(super::Identity));
        std::iter::once(body).chain(self.shortcut.take()).collect()
    }
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        self.forward_with(x, &mut |_, m, x| m.forward(x))
    }
    fn named_children(&self) -> Vec<(String, &dyn Module)> {
        let mut v = vec![("body".to_string(), self.body.as_ref())];
        if let Some(s) = &self.shortcut {
            v.push(("shortcut".to_string(), s.as_ref()));
        }
        v
    }
    fn named_children_mut(&mut self) -> Vec<(String, &mut dyn Module)> {
        let mut v: Vec<(String, &mut dyn Module)> = vec![("body".to_string(), self.body.as_mut())];
        if let Some(s) = &mut self.shortcut {
            v.push(("shortcut".to_string(), s.as_mut()));
        }
        v
    }
    fn own_parameters(&self) -> Vec<(&'static str, &Parameter)> {
        self.gate.iter().map(|g| ("gate", g)).collect()
    }
    fn reset_parameters(&mut self, _rng: &mut crate::rng::Rng) {
        if let (Some(g), Some(v)) = (&self.gate, self.gate_init) {
            g.data_mut().fill(v as f32);
        }
    }
    fn to_spec(&self) -> Value {
        let mut m = Map::new();
        m.insert("type".into(), json!("Residual"));
        m.insert("body".into(), self.body.to_spec());
        if let Some(s) = &self.shortcut {
            m.insert("shortcut".into(), s.to_spec());
        }
        if let Some(g) = self.gate_init {
            m.insert("gate".into(), json!(g));
        }
        Value::Object(m)
    }
    crate::impl_as_any!();
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::spec::from_spec_with_rng;
    use crate::rng::Rng;

    fn spec() -> Value {
        json!({"type": "Residual", "gate": 0.5,
            "body": {"type": "Sequential", "layers": [{"type": "Linear", "in_features": 3, "out_features": 4}, {"type": "ReLU"}]},
            "shortcut": {"type": "Linear", "in_features": 3, "out_features": 4, "bias": false}})
    }

    #[test]
    fn names_print_and_spec_as_the_torch_twin() {
        let m = from_spec_with_rng(&spec(), &mut Rng::new(0)).unwrap();
        let names: Vec<String> = m.state_dict().into_iter().map(|(n, _)| n).collect();
        assert_eq!(names, ["gate", "body.0.weight", "body.0.bias", "shortcut.weight"]);
        assert_eq!(
            m.to_string(),
            "Residual(\n  (body): Sequential(\n    (0): Linear(in_features=3, out_features=4, bias=True)\n    (1): ReLU()\n  )\n  \
             (shortcut): Linear(in_features=3, out_features=4, bias=False)\n)"
        );
        assert_eq!(m.to_spec(), from_spec_with_rng(&m.to_spec(), &mut Rng::new(1)).unwrap().to_spec());
        let types: Vec<&str> = m.modules().iter().map(|c| c.type_name()).collect();
        assert_eq!(types, ["Residual", "Sequential", "Linear", "ReLU", "Linear"]);
    }

    #[test]
    fn forward_is_gate_times_body_plus_shortcut_and_gradients_reach_all() {
        let m = from_spec_with_rng(&spec(), &mut Rng::new(0)).unwrap();
        let x = Tensor::new(crate::autograd::gradcheck::test_input(&[2, 3], 4, 0.0));
        let r = m.downcast_ref::<Residual>().unwrap();
        let body = r.body.forward(&x).unwrap().to_vec();
        let sc = r.shortcut.as_ref().unwrap().forward(&x).unwrap().to_vec();
        let y = m.forward(&x).unwrap();
        for (i, v) in y.to_vec().iter().enumerate() {
            assert!((v - (0.5 * body[i] + sc[i])).abs() < 1e-6);
        }
        y.sum_all().backward().unwrap();
        // d/dgate Σy = Σ body(x).
        let g = r.gate.as_ref().unwrap().grad().unwrap()[[0]];
        assert!((g - body.iter().sum::<f32>()).abs() < 1e-5, "{g}");
        assert!(m.parameters().iter().all(|p| p.grad().is_some()));
    }

    #[test]
    fn gradcheck_through_gate_body_and_shortcut() {
        use crate::autograd::gradcheck::{gradcheck, test_input, GradcheckOpts};
        let m = from_spec_with_rng(&spec(), &mut Rng::new(2)).unwrap();
        // The body has a ReLU (this seed's pre-activations stay off its kink); a smooth body with
        // a negative gate and LayerNorm is checked as well.
        gradcheck(|t| m.forward(&t[0]), &[test_input(&[3, 3], 7, 0.0)], GradcheckOpts::default()).unwrap();
        let smooth = json!({"type": "Residual", "gate": -0.7,
            "body": {"type": "Sequential", "layers": [{"type": "Linear", "in_features": 4, "out_features": 4},
                {"type": "GELU", "approximate": "tanh"}, {"type": "LayerNorm", "normalized_shape": 4}]}});
        let m = from_spec_with_rng(&smooth, &mut Rng::new(3)).unwrap();
        gradcheck(|t| m.forward(&t[0]), &[test_input(&[5, 4], 8, 0.0)], GradcheckOpts::default()).unwrap();
    }

    #[test]
    fn identity_shortcut_shape_mismatch_and_bad_gate_are_errors() {
        let bad = json!({"type": "Residual", "body": {"type": "Linear", "in_features": 3, "out_features": 4}});
        let m = from_spec_with_rng(&bad, &mut Rng::new(0)).unwrap();
        let e = m.forward(&Tensor::zeros(&[2, 3])).unwrap_err().to_string();
        assert!(e.contains("body(x) has shape [2, 4] but x (identity shortcut) has shape [2, 3]"), "{e}");
        let e = from_spec_with_rng(
            &json!({"type": "Residual", "body": {"type": "ReLU"}, "gate": "zero"}),
            &mut Rng::new(0),
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("gate") && e.contains("\"zero\""), "{e}");
        let e = from_spec_with_rng(&json!({"type": "Residual"}), &mut Rng::new(0)).unwrap_err().to_string();
        assert!(e.contains("body") && e.contains("missing"), "{e}");
    }
}
