//! LSUV, layer-sequential unit-variance init (Mishkin & Matas 2015, "All you need is a good
//! init"): orthogonal pre-init of every Linear/Conv2d weight with zero biases, then, layer by
//! layer in forward order, forward a data batch and rescale the weight by 1/√var(output) until
//! |var − 1| < tol. Earlier layers are final when a layer is treated, so the input of each layer
//! is computed once and reused across its iterations.

use super::schemes::zeros_;
use super::structured::orthogonal_with;
use crate::autograd::with_no_grad;
use crate::error::{Error, Result};
use crate::nn::{Linear, Module, Sequential};
use crate::rng::Rng;
use crate::tensor::Tensor;

/// The layer types LSUV treats (those whose weight maps the signal).
pub const LSUV_LAYERS: &[&str] = &["Linear", "Conv2d"];

#[derive(Clone, Debug, PartialEq)]
pub struct LsuvOptions {
    /// Stop when |var − 1| < tol (default 0.1).
    pub tol: f64,
    /// Most rescalings per layer (default 10).
    pub max_iters: usize,
}

impl Default for LsuvOptions {
    fn default() -> Self {
        LsuvOptions { tol: 0.1, max_iters: 10 }
    }
}

/// What LSUV did to one layer.
#[derive(Clone, Debug, PartialEq)]
pub struct LayerReport {
    /// The layer's dotted module name (`"3"`, `"features.0"`).
    pub name: String,
    /// Rescalings applied.
    pub iterations: usize,
    /// Variance of the layer's output on the batch after the last rescaling.
    pub variance: f64,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct LsuvReport {
    pub layers: Vec<LayerReport>,
}

/// LSUV on every Linear/Conv2d layer of `model` with `batch` as data; see the module docs.
pub fn lsuv_(model: &dyn Module, batch: &Tensor, opts: &LsuvOptions, rng: &mut Rng) -> Result<LsuvReport> {
    let order = forward_order(model)?;
    for (_, owner, local, p) in model.named_parameters_with_owner() {
        if LSUV_LAYERS.contains(&owner.type_name()) {
            match local {
                "weight" => orthogonal_with(&p, 1.0, rng)?,
                _ => zeros_(&p)?,
            }
        }
    }
    let targets: Vec<String> =
        order.iter().filter(|(_, m)| LSUV_LAYERS.contains(&m.type_name())).map(|(n, _)| n.clone()).collect();
    rescale(model, batch, opts, &targets)
}

/// The leaf layers of `model` in forward order: a Sequential runs its children in order
/// (recursively); any other module with children has a forward we cannot see into.
pub(crate) fn forward_order(model: &dyn Module) -> Result<Vec<(String, &dyn Module)>> {
    fn walk<'a>(m: &'a dyn Module, name: String, out: &mut Vec<(String, &'a dyn Module)>) -> Result<()> {
        let kids = m.named_children();
        if kids.is_empty() {
            out.push((name, m));
        } else if m.is::<Sequential>() {
            for (k, c) in kids {
                walk(c, if name.is_empty() { k } else { format!("{name}.{k}") }, out)?;
            }
        } else {
            let at = if name.is_empty() { "the model".to_string() } else { format!("'{name}'") };
            return Err(Error::invalid(
                "lsuv",
                format!(
                    "{} at {at} has children but is not a Sequential, so the order its layers run in is \
                     unknown; LSUV needs a (possibly nested) Sequential",
                    m.type_name()
                ),
            ));
        }
        Ok(())
    }
    let mut out = Vec::new();
    walk(model, String::new(), &mut out)?;
    Ok(out)
}

/// The data-dependent part: rescales the weights of the layers named in `targets`, in forward
/// order, until their outputs on `batch` have unit variance.
pub(crate) fn rescale(
    model: &dyn Module,
    batch: &Tensor,
    opts: &LsuvOptions,
    targets: &[String],
) -> Result<LsuvReport> {
    let order = forward_order(model)?;
    with_no_grad(|| {
        let mut report = LsuvReport::default();
        let mut h = batch.clone();
        for (name, layer) in order {
            if targets.contains(&name) {
                let weight =
                    layer
                        .own_parameters()
                        .into_iter()
                        .find(|(n, _)| *n == "weight")
                        .map(|(_, p)| p.clone())
                        .ok_or_else(|| Error::invalid("lsuv", format!("layer '{name}' has no weight to rescale")))?;
                let mut iterations = 0;
                let variance = loop {
                    let var = variance(&layer.forward(&h)?);
                    if (var - 1.0).abs() < opts.tol || iterations == opts.max_iters {
                        break var;
                    }
                    if !(var.is_finite() && var > 0.0) {
                        return Err(Error::invalid(
                            "lsuv",
                            format!("layer '{name}' output has variance {var} on the batch; cannot rescale to 1"),
                        ));
                    }
                    let s = (1.0 / var.sqrt()) as f32;
                    weight.data_mut().mapv_inplace(|v| v * s);
                    iterations += 1;
                };
                report.layers.push(LayerReport { name: name.clone(), iterations, variance });
            }
            h = layer.forward(&h)?;
        }
        Ok(report)
    })
}

/// Population variance of all values, in f64.
pub(crate) fn variance(t: &Tensor) -> f64 {
    let d = t.data();
    let n = d.len().max(1) as f64;
    let mean = d.iter().map(|&v| v as f64).sum::<f64>() / n;
    d.iter().map(|&v| (v as f64 - mean).powi(2)).sum::<f64>() / n
}

/// A N(0,1) batch of 256 rows of the model's input width, when the first layer in forward order
/// is a Linear (its in_features); otherwise an error asking for a batch.
pub fn default_batch(model: &dyn Module, rng: &mut Rng) -> Result<Tensor> {
    let order = forward_order(model)?;
    let first = order.iter().find(|(_, m)| !m.own_parameters().is_empty());
    match first.and_then(|(_, m)| m.downcast_ref::<Linear>()) {
        Some(l) => {
            let mut a = ndarray::ArrayD::zeros(ndarray::IxDyn(&[256, l.in_features]));
            rng.normal_(a.as_slice_mut().expect("fresh array"), 0.0, 1.0);
            Ok(Tensor::new(a))
        }
        None => Err(Error::invalid(
            "lsuv",
            format!(
                "needs a data batch: the input width is taken from the first layer when it is a Linear, but the \
                 first layer with parameters is {}; pass a batch (initlab init: --batch FILE or --input-shape C,H,W)",
                first.map_or("absent".to_string(), |(n, m)| format!("{} '{n}'", m.type_name()))
            ),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::{ReLU, Tanh};

    fn tanh_mlp(depth: usize, width: usize, rng: &mut Rng) -> Sequential {
        let mut layers: Vec<Box<dyn Module>> = Vec::new();
        for _ in 0..depth {
            layers.push(Box::new(Linear::with_rng(width, width, true, rng)));
            layers.push(Box::new(Tanh));
        }
        Sequential::new(layers)
    }

    #[test]
    fn lsuv_gives_unit_variance_on_every_layer_of_a_deep_tanh_mlp() {
        let mut rng = Rng::new(0);
        let model = tanh_mlp(12, 64, &mut rng);
        let batch = default_batch(&model, &mut rng).unwrap();
        assert_eq!(batch.shape(), vec![256, 64]);
        let opts = LsuvOptions::default();
        let report = lsuv_(&model, &batch, &opts, &mut rng).unwrap();
        assert_eq!(report.layers.len(), 12);
        assert_eq!(report.layers[1].name, "2");
        // Measure independently with forward_observed: every Linear's output has |var-1| < tol.
        let mut seen = 0;
        model
            .forward_observed(&batch, &mut |_, name, m, y| {
                if m.is::<Linear>() {
                    let v = variance(y);
                    assert!((v - 1.0).abs() < opts.tol, "layer {name}: var {v}");
                    let r = report.layers.iter().find(|l| l.name == name).unwrap();
                    assert!((r.variance - v).abs() < 1e-9 && r.iterations <= 10, "{r:?} vs {v}");
                    seen += 1;
                }
            })
            .unwrap();
        assert_eq!(seen, 12);
        // tanh shrinks the signal, so deeper layers needed rescaling.
        assert!(report.layers.iter().map(|l| l.iterations).sum::<usize>() >= 6, "{report:?}");
        // Biases were zeroed by the pre-init.
        assert!(model.layers[0].1.own_parameters()[1].1.to_vec().iter().all(|v| *v == 0.0));
    }

    #[test]
    fn nested_sequentials_walk_in_order_and_opaque_containers_error() {
        let mut rng = Rng::new(1);
        let inner = Sequential::new(vec![Box::new(Linear::with_rng(8, 8, true, &mut rng)), Box::new(ReLU)]);
        let model = Sequential::named(vec![
            ("stem", Box::new(Linear::with_rng(4, 8, true, &mut rng)) as Box<dyn Module>),
            ("body", Box::new(inner)),
            ("head", Box::new(Linear::with_rng(8, 2, true, &mut rng))),
        ]);
        let names: Vec<String> = forward_order(&model).unwrap().into_iter().map(|(n, _)| n).collect();
        assert_eq!(names, ["stem", "body.0", "body.1", "head"]);
        let batch = default_batch(&model, &mut rng).unwrap();
        assert_eq!(batch.shape(), vec![256, 4]);
        let r = lsuv_(&model, &batch, &LsuvOptions::default(), &mut rng).unwrap();
        let got: Vec<&str> = r.layers.iter().map(|l| l.name.as_str()).collect();
        assert_eq!(got, ["stem", "body.0", "head"]);
        assert!(r.layers.iter().all(|l| (l.variance - 1.0).abs() < 0.1));

        struct Opaque(Linear);
        impl Module for Opaque {
            fn type_name(&self) -> &'static str {
                "Residual"
            }
            fn forward(&self, x: &Tensor) -> Result<Tensor> {
                self.0.forward(x)
            }
            fn named_children(&self) -> Vec<(String, &dyn Module)> {
                vec![("fc".into(), &self.0)]
            }
            fn to_spec(&self) -> serde_json::Value {
                serde_json::Value::Null
            }
            crate::impl_as_any!();
        }
        let m = Sequential::new(vec![Box::new(Opaque(Linear::with_rng(2, 2, true, &mut rng)))]);
        let e = lsuv_(&m, &Tensor::ones(&[4, 2]), &LsuvOptions::default(), &mut rng).unwrap_err().to_string();
        assert!(e.contains("Residual at '0'") && e.contains("not a Sequential"), "{e}");
        let e = default_batch(&Sequential::new(vec![Box::new(ReLU)]), &mut rng).unwrap_err().to_string();
        assert!(e.contains("pass a batch"), "{e}");
    }
}
