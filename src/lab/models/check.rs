//! Does a model fit its input? Building a spec, the width of its first Linear, and the checks that
//! run a model's layers one by one on an input shape (naming the two layers that disagree) or on a
//! dataset, before any training.

use crate::autograd::with_no_grad;
use crate::lab::data::Dataset;
use crate::lab::instruments::taps::forward_leaves;
use crate::nn::{spec::from_spec_with_rng, Module, Sequential};
use crate::{Error, Rng, Tensor};
use serde_json::Value;

/// Builds the model of `spec` from `rng` (torch's default init of each layer).
pub fn build(spec: &Value, rng: &mut Rng) -> crate::Result<Box<dyn Module>> {
    from_spec_with_rng(spec, rng)
}

/// `in_features` of the model's first Linear, when its first weight layer is a Linear (the input
/// width is then known); `None` when it is a Conv2d or there is none.
pub fn first_linear_width(model: &dyn Module) -> Option<usize> {
    let first = model.modules().into_iter().find(|l| l.is::<crate::nn::Linear>() || l.is::<crate::nn::Conv2d>());
    first.and_then(|l| l.downcast_ref::<crate::nn::Linear>()).map(|l| l.in_features)
}

/// Leaf modules in forward order, descending into `Sequential`s as [`forward_leaves`] does.
fn leaves<'a>(m: &'a dyn Module, prefix: &str, out: &mut Vec<(String, &'a dyn Module)>) {
    match m.downcast_ref::<Sequential>() {
        Some(seq) => {
            for (name, child) in &seq.layers {
                let full = if prefix.is_empty() { name.clone() } else { format!("{prefix}.{name}") };
                leaves(child.as_ref(), &full, out);
            }
        }
        None => out.push((prefix.to_string(), m)),
    }
}

fn describe(name: &str, m: &dyn Module) -> String {
    let shown = if name.is_empty() { String::new() } else { format!("'{name}' ") };
    format!("{shown}{}({})", m.type_name(), m.extra_repr())
}

/// Runs a zero batch of `shape` (batch axis first) through `model` leaf by leaf, without a graph;
/// a layer that does not accept what the previous one gives is an error naming both layers and
/// the shape that arrives (or the input shape, for the first layer).
pub fn check_layers(model: &dyn Module, shape: &[usize]) -> crate::Result<()> {
    let mut order = Vec::new();
    leaves(model, "", &mut order);
    let x = Tensor::zeros(shape);
    let (mut done, mut last_shape) = (0usize, shape.to_vec());
    let r = with_no_grad(|| {
        forward_leaves(model, "", &x, &mut |_, _, out| {
            done += 1;
            last_shape = out.shape();
            Ok(out)
        })
    });
    r.map(|_| ()).map_err(|e| {
        let at = order.get(done).map_or("a layer".to_string(), |(n, m)| format!("layer {}", describe(n, *m)));
        let mut from = match done.checked_sub(1).and_then(|i| order.get(i)) {
            Some((n, m)) => format!("the output of layer {}, of shape {last_shape:?}", describe(n, *m)),
            None => format!("the input, of shape {shape:?}"),
        };
        // Name the weight layer the shape comes from when a parameter-free one sits between.
        let source = order[..done.min(order.len())].iter().rev().find(|(_, m)| !m.own_parameters().is_empty());
        if let Some((n, m)) =
            source.filter(|(n, _)| Some(n) != done.checked_sub(1).and_then(|i| order.get(i)).map(|o| &o.0))
        {
            from.push_str(&format!(" (made by layer {})", describe(n, *m)));
        }
        Error::invalid("model", format!("{at} does not fit {from}: {e}"))
    })
}

/// Errors, naming the model and the data, unless a forward of the first samples (two, so batch
/// norm has a batch) gives outputs of shape `[n, data.num_outputs()]`.
pub fn check_fits(model: &dyn Module, model_text: &str, data: &Dataset) -> crate::Result<()> {
    let n = data.len().min(2);
    let idx: Vec<usize> = (0..n).collect();
    let (x, _) = data.batch(&idx);
    let ctx = || {
        format!(
            "model '{model_text}' on dataset '{}' (samples of shape {:?}, {} outputs)",
            data.name,
            data.input_shape(),
            data.num_outputs()
        )
    };
    let out = with_no_grad(|| model.forward(&Tensor::new(x))).map_err(|e| Error::invalid(ctx(), e))?;
    let want = [n, data.num_outputs()];
    if out.shape() != want {
        return Err(Error::invalid(
            ctx(),
            format!("the model's output has shape {:?}, expected {want:?}", out.shape()),
        ));
    }
    Ok(())
}
