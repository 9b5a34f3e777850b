//! What a run shows beyond its numbers, captured from the first seed of every init while it
//! trains: the class the network predicts over the plane of 2-D data at a few epochs (decision
//! boundaries), and histograms of each hidden layer's activations and of the gradients that
//! reach them, at init and at the end (as Glorot & Bengio 2010 show them).
//!
//! Capturing draws nothing from the run's generator and leaves the model as it found it (the
//! histogram pass restores batch-norm buffers and clears the gradients it made), so a run's
//! numbers are the same with or without it.

use crate::autograd::with_no_grad;
use crate::lab::data::Dataset;
use crate::lab::instruments::taps::forward_leaves;
use crate::lab::train::loss_and_correct;
use crate::nn::Module;
use crate::{Result, Tensor};
use ndarray::{ArrayD, IxDyn};
use serde::{Deserialize, Serialize};

/// Cells per side of a decision-boundary grid.
pub const GRID: usize = 80;
/// Bins of a histogram.
pub const BINS: usize = 40;

/// The plane a boundary grid covers: `(x0, x1, y0, y1)`.
pub type Extent = (f64, f64, f64, f64);

/// The extent of 2-D classification data, padded by 10% of its span each side; `None` for
/// anything else (regression, images, more than two features).
pub fn plane_of(data: &Dataset) -> Option<Extent> {
    if data.input_shape() != [2] || !data.is_classification() {
        return None;
    }
    let (mut x0, mut x1, mut y0, mut y1) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
    for p in data.input.rows() {
        let (x, y) = (p[0] as f64, p[1] as f64);
        (x0, x1, y0, y1) = (x0.min(x), x1.max(x), y0.min(y), y1.max(y));
    }
    let (px, py) = (0.1 * (x1 - x0).max(1e-6), 0.1 * (y1 - y0).max(1e-6));
    Some((x0 - px, x1 + px, y0 - py, y1 + py))
}

/// The predicted class (argmax, first maximum as torch) and its softmax probability at the
/// centre of each cell of a `GRID`×`GRID` grid over `extent`, row 0 at the top (largest y).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Boundary {
    /// Epochs of training before this picture (0: at init).
    pub epoch: usize,
    pub classes: Vec<u8>,
    /// Stored as bit patterns in a sweep's run records, so a diverged run's NaN survives.
    #[serde(with = "f32_bits")]
    pub confidence: Vec<f32>,
}

/// `Vec<f32>` as its bit patterns (JSON has no NaN).
mod f32_bits {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &[f32], s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(v.iter().map(|x| x.to_bits()))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<f32>, D::Error> {
        Ok(Vec::<u32>::deserialize(d)?.into_iter().map(f32::from_bits).collect())
    }
}

/// Centres of the grid cells over `extent`, row-major from the top-left.
pub fn grid_points(extent: Extent) -> Vec<(f64, f64)> {
    grid_points_n(extent, GRID)
}

/// [`grid_points`] on an `g`×`g` grid.
pub fn grid_points_n(extent: Extent, g: usize) -> Vec<(f64, f64)> {
    let (x0, x1, y0, y1) = extent;
    let n = g as f64;
    (0..g)
        .flat_map(|r| {
            (0..g).map(move |c| (x0 + (c as f64 + 0.5) / n * (x1 - x0), y1 - (r as f64 + 0.5) / n * (y1 - y0)))
        })
        .collect()
}

/// The model's predictions over the grid, in eval mode without a graph.
pub fn boundary(model: &mut dyn Module, extent: Extent, epoch: usize) -> Result<Boundary> {
    boundary_on(model, extent, GRID, epoch)
}

/// [`boundary`] on a `g`×`g` grid (the live playground draws a coarser one for big models).
pub fn boundary_on(model: &mut dyn Module, extent: Extent, g: usize, epoch: usize) -> Result<Boundary> {
    let pts: Vec<f32> = grid_points_n(extent, g).into_iter().flat_map(|(x, y)| [x as f32, y as f32]).collect();
    let x = Tensor::new(ArrayD::from_shape_vec(IxDyn(&[g * g, 2]), pts).expect("two per point"));
    model.eval();
    let out = with_no_grad(|| model.forward(&x));
    model.train();
    let out = out?.to_array();
    let k = out.shape()[1];
    let vals = out.as_standard_layout();
    let vals = vals.as_slice().expect("standard layout");
    let (mut classes, mut confidence) = (Vec::with_capacity(g * g), Vec::with_capacity(g * g));
    for row in vals.chunks(k) {
        let best = (0..k).fold(0, |b, j| if row[j] > row[b] { j } else { b });
        let sum: f64 = row.iter().map(|&v| ((v - row[best]) as f64).exp()).sum();
        let p = if sum.is_finite() && row[best].is_finite() { 1.0 / sum } else { f64::NAN };
        classes.push(if row[best].is_finite() { best as u8 } else { u8::MAX });
        confidence.push(p as f32);
    }
    Ok(Boundary { epoch, classes, confidence })
}

/// A histogram: `BINS` equal bins over `[lo, hi]`, as fractions of the values (non-finite values
/// are counted apart).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Histogram {
    pub lo: f64,
    pub hi: f64,
    pub fractions: Vec<f64>,
    pub non_finite: usize,
    pub count: usize,
}

/// Bins `values` over `[lo, hi]`; values outside fall in the end bins.
pub fn histogram(values: &[f32], lo: f64, hi: f64) -> Histogram {
    let mut counts = vec![0usize; BINS];
    let mut non_finite = 0;
    let width = (hi - lo).max(f64::MIN_POSITIVE);
    for &v in values {
        if !v.is_finite() {
            non_finite += 1;
            continue;
        }
        let b = (((v as f64 - lo) / width) * BINS as f64).floor().clamp(0.0, (BINS - 1) as f64) as usize;
        counts[b] += 1;
    }
    let n = values.len().max(1) as f64;
    Histogram { lo, hi, fractions: counts.iter().map(|&c| c as f64 / n).collect(), non_finite, count: values.len() }
}

/// One hidden layer's activations and the gradient of the loss reaching them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LayerHist {
    /// Module name as in the CSVs (`1`, `features.2`) and its type.
    pub name: String,
    pub type_name: String,
    pub act: Histogram,
    pub grad: Histogram,
}

/// The histograms of one moment of a run (at init, or at the end).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HistSet {
    pub epoch: usize,
    pub layers: Vec<LayerHist>,
}

const ACTIVATIONS: [&str; 4] = ["ReLU", "Tanh", "Sigmoid", "LeakyReLU"];

/// The range the histograms of one kind share across layers: from the 0.5th to the 99.5th
/// percentile of the finite values of all layers (so one outlier does not flatten the rest),
/// symmetric around 0 when the values take both signs.
fn shared_range(all: &[&[f32]]) -> (f64, f64) {
    let mut v: Vec<f32> = all.iter().flat_map(|s| s.iter().copied()).filter(|v| v.is_finite()).collect();
    if v.is_empty() {
        return (-1.0, 1.0);
    }
    v.sort_unstable_by(f32::total_cmp);
    let at = |q: f64| v[((v.len() - 1) as f64 * q).round() as usize] as f64;
    let (mut lo, mut hi) = (at(0.005), at(0.995));
    if lo < 0.0 && hi > 0.0 {
        let m = lo.abs().max(hi);
        (lo, hi) = (-m, m);
    }
    if hi - lo <= 1e-12 * lo.abs().max(hi.abs()).max(1e-30) {
        let pad = if lo == 0.0 { 1.0 } else { 0.1 * lo.abs() };
        (lo, hi) = (lo - pad, hi + pad);
    }
    (lo, hi)
}

/// One hidden layer's output on the whole training set and the gradient of the loss reaching it.
pub struct Tap {
    pub name: String,
    pub type_name: String,
    pub act: Vec<f32>,
    pub grad: Vec<f32>,
}

/// Forwards the whole training set as training does, takes the task loss, backpropagates it,
/// and taps each hidden layer's output and its gradient: the outputs of the activation modules,
/// or of the hidden weight layers in a model without activations. Batch-norm buffers and
/// parameter gradients are restored, so training goes on as if this never happened.
pub fn hidden_taps(model: &dyn Module, data: &Dataset) -> Result<Vec<Tap>> {
    let buffers: Vec<(Tensor, ArrayD<f32>)> = model.buffers().into_iter().map(|b| (b.clone(), b.to_array())).collect();
    let leaves = model.named_leaves();
    let has_act = leaves.iter().any(|(_, m)| ACTIVATIONS.contains(&m.type_name()));
    let weight_leaves: Vec<String> =
        leaves.iter().filter(|(_, m)| matches!(m.type_name(), "Linear" | "Conv2d")).map(|(n, _)| n.clone()).collect();
    let last_weight = weight_leaves.last().cloned();
    let mut taps: Vec<(String, String, Tensor, ArrayD<f32>)> = Vec::new();
    let x = Tensor::new(data.input.clone());
    let out = forward_leaves(model, "", &x, &mut |name, m, h| {
        let hidden = if has_act {
            ACTIVATIONS.contains(&m.type_name())
        } else {
            matches!(m.type_name(), "Linear" | "Conv2d") && Some(name) != last_weight.as_deref()
        };
        if !hidden {
            return Ok(h);
        }
        let z = Tensor::param(ArrayD::zeros(IxDyn(&h.shape())));
        let tapped = h.add(&z)?;
        taps.push((name.to_string(), m.type_name().to_string(), z, h.to_array()));
        Ok(tapped)
    });
    let result = out.and_then(|out| {
        let (loss, _) = loss_and_correct(&out, &data.target)?;
        loss.backward()
    });
    model.zero_grad();
    for (b, saved) in &buffers {
        b.set_data(saved.clone())?;
    }
    result?;
    Ok(taps
        .into_iter()
        .map(|(name, type_name, z, h)| Tap {
            name,
            type_name,
            act: h.iter().copied().collect(),
            grad: z.grad().map(|g| g.iter().copied().collect()).unwrap_or_default(),
        })
        .collect())
}

/// Bins the [`hidden_taps`] of one moment, activations and gradients each over one range shared
/// by the layers.
pub fn bin_taps(taps: &[Tap], epoch: usize) -> HistSet {
    let ar = shared_range(&taps.iter().map(|t| t.act.as_slice()).collect::<Vec<_>>());
    let gr = shared_range(&taps.iter().map(|t| t.grad.as_slice()).collect::<Vec<_>>());
    let layers = taps
        .iter()
        .map(|t| LayerHist {
            name: t.name.clone(),
            type_name: t.type_name.clone(),
            act: histogram(&t.act, ar.0, ar.1),
            grad: histogram(&t.grad, gr.0, gr.1),
        })
        .collect();
    HistSet { epoch, layers }
}

/// Histograms of every hidden layer's activations and gradients ([`hidden_taps`], [`bin_taps`]).
pub fn histograms(model: &dyn Module, data: &Dataset, epoch: usize) -> Result<HistSet> {
    Ok(bin_taps(&hidden_taps(model, data)?, epoch))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lab::data::synthetic;
    use crate::lab::models::{build, ModelSpec};
    use crate::Rng;

    #[test]
    fn histograms_bin_every_hidden_activation_and_leave_the_model_unchanged() {
        let data = synthetic("moons", 0).unwrap();
        let spec = ModelSpec::parse("mlp:in-16-16-out:tanh:bn").unwrap().to_json(&data).unwrap();
        let m = build(&spec, &mut Rng::new(0)).unwrap();
        let before: Vec<ArrayD<f32>> = m.buffers().iter().map(|b| b.to_array()).collect();
        let h = histograms(m.as_ref(), &data, 0).unwrap();
        let names: Vec<String> = h.layers.iter().map(|l| format!("{}:{}", l.name, l.type_name)).collect();
        assert_eq!(names, ["2:Tanh", "5:Tanh"]);
        for l in &h.layers {
            // 200 samples × 16 units, every one counted once.
            assert_eq!((l.act.count, l.act.non_finite), (3200, 0));
            assert!((l.act.fractions.iter().sum::<f64>() - 1.0).abs() < 1e-9);
            assert!(l.act.lo >= -1.0 && l.act.hi <= 1.0 && l.act.lo == -l.act.hi, "{:?}", (l.act.lo, l.act.hi));
            assert!(l.grad.fractions.iter().filter(|&&f| f > 0.0).count() > 5, "gradients spread over bins");
        }
        let after: Vec<ArrayD<f32>> = m.buffers().iter().map(|b| b.to_array()).collect();
        assert_eq!(before, after, "batch-norm running stats restored");
        assert!(m.parameters().iter().all(|p| p.grad().is_none_or(|g| g.iter().all(|&v| v == 0.0))));
    }

    #[test]
    fn histogram_counts_fractions_and_keeps_outliers_in_the_end_bins() {
        let h = histogram(&[0.0, 0.1, 0.99, 5.0, -3.0, f32::NAN], 0.0, 1.0);
        assert_eq!((h.count, h.non_finite), (6, 1));
        assert_eq!((h.fractions[0], h.fractions[4], h.fractions[BINS - 1]), (2.0 / 6.0, 1.0 / 6.0, 2.0 / 6.0));
        assert_eq!(shared_range(&[&[-1.0, 3.0]]), (-3.0, 3.0));
        assert_eq!(shared_range(&[&[2.0, 2.0]]), (1.8, 2.2));
    }

    #[test]
    fn boundary_covers_the_plane_of_the_data() {
        let data = synthetic("moons", 0).unwrap();
        let e = plane_of(&data).unwrap();
        assert!(e.0 < -1.0 && e.1 > 2.0 && e.2 < -0.5 && e.3 > 1.0, "{e:?}");
        assert!(plane_of(&synthetic("sine", 0).unwrap()).is_none());
        assert!(plane_of(&synthetic("shapes", 0).unwrap()).is_none());
        let pts = grid_points(e);
        assert_eq!(pts.len(), GRID * GRID);
        assert!(pts[0].0 < pts[1].0 && pts[0].1 > pts[GRID].1, "row 0 is the top");
        let spec = ModelSpec::parse("mlp:in-8-out").unwrap().to_json(&data).unwrap();
        let mut m = build(&spec, &mut Rng::new(0)).unwrap();
        // Zero weights and biases: equal logits everywhere, class 0 (the first maximum) at p = 1/2.
        for p in m.parameters() {
            p.set_data(ArrayD::zeros(IxDyn(&p.shape()))).unwrap();
        }
        let b = boundary(m.as_mut(), e, 3).unwrap();
        assert_eq!(b.epoch, 3);
        assert!(b.classes.iter().all(|&c| c == 0) && b.confidence.iter().all(|&p| p == 0.5));
    }
}
