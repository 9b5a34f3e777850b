//! Units of a trained model: the symmetry of its hidden units (how many distinct units
//! each layer really has), the spread of each layer's outputs on the data, and dead ReLUs.
//!
//! "Weight layers" are the Linear and Conv2d modules in `modules()` order; a unit is one output
//! feature or channel: its row of the weight (flattened for a conv) followed by its bias.

use crate::autograd::with_no_grad;
use crate::lab::data::Dataset;
use crate::lab::instruments::taps::{forward_leaves, mean_std};
use crate::nn::{Conv2d, Linear, Module, ReLU};
use crate::{Result, Tensor};

/// Relative tolerance under which two units count as one (rounding noise does not split a group).
pub const UNIT_TOL: f64 = 1e-5;

fn is_weight_layer(m: &dyn Module) -> bool {
    m.is::<Linear>() || m.is::<Conv2d>()
}

/// (dotted name, module) of every weight layer.
pub fn weight_layers(model: &dyn Module) -> Vec<(String, &dyn Module)> {
    model.named_modules().into_iter().filter(|(_, m)| is_weight_layer(*m)).collect()
}

/// The units of a weight layer: one row per output, weight values then bias.
pub fn unit_rows(layer: &dyn Module) -> Vec<Vec<f32>> {
    let params = layer.own_parameters();
    let get = |name: &str| params.iter().find(|(n, _)| *n == name).map(|(_, p)| p.to_vec());
    let Some(w) = get("weight") else { return Vec::new() };
    let bias = get("bias");
    let out = params.iter().find(|(n, _)| *n == "weight").map_or(0, |(_, p)| p.shape()[0]);
    let per = w.len().checked_div(out).unwrap_or(0);
    (0..out)
        .map(|i| {
            let mut r = w[i * per..(i + 1) * per].to_vec();
            if let Some(b) = &bias {
                r.push(b[i]);
            }
            r
        })
        .collect()
}

fn norm(r: &[f32]) -> f64 {
    r.iter().map(|&v| (v as f64) * (v as f64)).sum::<f64>().sqrt()
}

/// Number of distinct rows: rows a, b are equal when ‖a − b‖ ≤ `rel_tol`·max(‖a‖, ‖b‖) (so
/// all-zero rows are equal). Each row joins the first group whose first row it equals.
pub fn count_distinct(rows: &[Vec<f32>], rel_tol: f64) -> usize {
    let mut reps: Vec<(&[f32], f64)> = Vec::new();
    for r in rows {
        let nr = norm(r);
        let same = |(q, nq): &(&[f32], f64)| {
            let d: f64 = r.iter().zip(q.iter()).map(|(&a, &b)| ((a - b) as f64).powi(2)).sum::<f64>().sqrt();
            d <= rel_tol * nr.max(*nq)
        };
        if !reps.iter().any(same) {
            reps.push((r, nr));
        }
    }
    reps.len()
}

/// Symmetry of one hidden layer.
#[derive(Clone, Debug, PartialEq)]
pub struct LayerSymmetry {
    pub layer: String,
    pub units: usize,
    pub distinct: usize,
}

/// Every weight layer except the last (the output layer), with its distinct units.
pub fn hidden_symmetry(model: &dyn Module) -> Vec<LayerSymmetry> {
    let layers = weight_layers(model);
    let hidden = layers.len().saturating_sub(1);
    layers[..hidden]
        .iter()
        .map(|(name, m)| {
            let rows = unit_rows(*m);
            LayerSymmetry { layer: name.clone(), units: rows.len(), distinct: count_distinct(&rows, UNIT_TOL) }
        })
        .collect()
}

/// Std (population) of each weight layer's output on the whole training input, in order.
pub fn layer_output_stds(model: &dyn Module, data: &Dataset) -> Result<Vec<f64>> {
    let mut out = Vec::new();
    with_no_grad(|| {
        forward_leaves(model, "", &Tensor::new(data.input.clone()), &mut |_, m, y| {
            if is_weight_layer(m) {
                out.push(mean_std(&y.to_vec()).1);
            }
            Ok(y)
        })
    })?;
    Ok(out)
}

/// Fraction of the units after ReLU layers (features, or channels of an image) whose output is 0
/// on every training sample (and position); `None` when the model has no ReLU.
pub fn dead_relu_fraction(model: &dyn Module, data: &Dataset) -> Result<Option<f64>> {
    let (mut dead, mut total) = (0usize, 0usize);
    with_no_grad(|| {
        forward_leaves(model, "", &Tensor::new(data.input.clone()), &mut |_, m, y| {
            if !m.is::<ReLU>() {
                return Ok(y);
            }
            let d = y.data();
            let units = d.shape().get(1).copied().unwrap_or(1);
            let mut alive = vec![false; units];
            let inner: usize = d.shape().iter().skip(2).product();
            for (k, &v) in d.iter().enumerate() {
                if v != 0.0 {
                    alive[(k / inner.max(1)) % units] = true;
                }
            }
            total += units;
            dead += alive.iter().filter(|a| !**a).count();
            drop(d);
            Ok(y)
        })
    })?;
    Ok((total > 0).then(|| dead as f64 / total as f64))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lab::data::synthetic;
    use crate::lab::models::{build, ModelSpec};
    use crate::Rng;

    #[test]
    fn distinct_rows_with_tolerance_zero_rows_and_bias() {
        let r = |v: &[f32]| v.to_vec();
        // 1e-7 relative noise does not split a group; 1e-3 does.
        let rows = [r(&[1.0, 2.0, 3.0]), r(&[1.0, 2.0 + 2e-7, 3.0]), r(&[1.0, 2.001, 3.0])];
        assert_eq!(count_distinct(&rows, UNIT_TOL), 2);
        assert_eq!(count_distinct(&[r(&[0.0, 0.0]), r(&[0.0, 0.0]), r(&[0.0, 0.0])], UNIT_TOL), 1);
        assert_eq!(count_distinct(&[r(&[0.0, 0.0]), r(&[0.0, 1e-30])], UNIT_TOL), 2);
        assert_eq!(count_distinct(&[], UNIT_TOL), 0);

        // Same weights, different biases: two units; the bias is part of the unit.
        let data = synthetic("spiral", 0).unwrap();
        let m = build(&ModelSpec::parse("mlp:2-3-4-3").unwrap().to_json(&data).unwrap(), &mut Rng::new(0)).unwrap();
        let layers = weight_layers(m.as_ref());
        let (w, b) = (&layers[0].1.own_parameters()[0].1.clone(), &layers[0].1.own_parameters()[1].1.clone());
        w.data_mut().fill(0.5);
        b.data_mut().assign(&ndarray::arr1(&[0.1f32, 0.1, 0.2]).into_dyn());
        assert_eq!(unit_rows(layers[0].1), vec![vec![0.5, 0.5, 0.1], vec![0.5, 0.5, 0.1], vec![0.5, 0.5, 0.2]]);
        let s = hidden_symmetry(m.as_ref());
        assert_eq!(s.len(), 2, "the output layer is not hidden");
        assert_eq!(s[0], LayerSymmetry { layer: "0".into(), units: 3, distinct: 2 });
        assert_eq!((s[1].units, s[1].distinct), (4, 4));
    }

    #[test]
    fn output_stds_and_dead_relus() {
        let data = synthetic("spiral", 0).unwrap();
        let m = build(&ModelSpec::parse("mlp:2-4-3").unwrap().to_json(&data).unwrap(), &mut Rng::new(0)).unwrap();
        let layers = weight_layers(m.as_ref());
        let p = layers[0].1.own_parameters();
        // Units 0 and 1 never fire (weights 0, bias -1); units 2 and 3 pass x0 through.
        p[0].1.data_mut().assign(&ndarray::arr2(&[[0.0f32, 0.0], [0.0, 0.0], [1.0, 0.0], [1.0, 0.0]]).into_dyn());
        p[1].1.data_mut().assign(&ndarray::arr1(&[-1.0f32, -1.0, 5.0, 5.0]).into_dyn());
        assert_eq!(dead_relu_fraction(m.as_ref(), &data).unwrap(), Some(0.5));
        let stds = layer_output_stds(m.as_ref(), &data).unwrap();
        assert_eq!(stds.len(), 2);
        // Layer 0 output: two constant −1 columns and two copies of x0 + 5 over 4·300 values.
        let x0: Vec<f64> = data.input.rows().into_iter().map(|r| r[0] as f64 + 5.0).collect();
        let all: Vec<f64> = x0.iter().flat_map(|&v| [-1.0, -1.0, v, v]).collect();
        let mean = all.iter().sum::<f64>() / all.len() as f64;
        let want = (all.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / all.len() as f64).sqrt();
        assert!((stds[0] - want).abs() < 1e-5, "{} vs {want}", stds[0]);
        let tanh = build(&ModelSpec::parse("mlp:2-4-3:tanh").unwrap().to_json(&data).unwrap(), &mut Rng::new(0));
        assert_eq!(dead_relu_fraction(tanh.unwrap().as_ref(), &data).unwrap(), None);
    }
}
