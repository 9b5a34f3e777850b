//! What the page shows of one model at one moment besides its losses: distinct units per layer,
//! activation and gradient std per hidden layer with the mean-field prediction beside it,
//! histograms, the decision boundary (2-D classification) or fitted curve (1-D regression), and
//! the realized (σ_w², σ_b²) for the phase diagram. Nothing here draws from a generator or
//! changes the model (the same instruments `compare` watches its runs with).

use crate::lab::experiments::compare::Prepared;
use crate::lab::instruments::captures::{bin_taps, boundary_on, hidden_taps, HistSet, GRID};
use crate::lab::instruments::taps::mean_std;
use crate::lab::instruments::units::hidden_symmetry;
use crate::nn::{Linear, Module};
use crate::theory::model::predict_model;
use crate::{Result, Tensor};
use ndarray::{ArrayD, IxDyn};
use serde::Serialize;

#[derive(Serialize)]
pub struct Distinct {
    pub layer: String,
    pub units: usize,
    pub distinct: usize,
}

#[derive(Serialize)]
pub struct LayerStd {
    pub name: String,
    pub type_name: String,
    pub act_std: f64,
    pub grad_std: f64,
    /// Mean-field prediction from the realized weight variances (`None` outside the theory).
    pub act_pred: Option<f64>,
    /// Predicted gradient std, scaled so the last hidden layer's equals the measured one (the
    /// loss's gradient at the output is not the theory's unit-normal one).
    pub grad_pred: Option<f64>,
}

/// The decision boundary on a square grid over the plane (80 × 80 for small models): class and confidence (0–100) per cell,
/// row 0 at the top.
#[derive(Serialize)]
pub struct BoundaryView {
    pub classes: Vec<u8>,
    pub confidence: Vec<u8>,
}

#[derive(Serialize)]
pub struct Snapshot {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub init: String,
    pub init_index: usize,
    pub seed: u64,
    pub epoch: usize,
    pub distinct: Vec<Distinct>,
    pub layers: Vec<LayerStd>,
    pub hist: HistSet,
    pub boundary: Option<BoundaryView>,
    /// The model's output on [`CURVE_POINTS`] inputs evenly over the data's range (1-D regression).
    pub curve: Option<Vec<f32>>,
    /// Mean realized σ_w² = fan_in·Var(W) and σ_b² = Var(b) of the hidden Linear layers.
    pub sigma_w2: Option<f64>,
    pub sigma_b2: Option<f64>,
}

pub const CURVE_POINTS: usize = 200;

/// The input range of 1-D data (for the fitted curve), `None` otherwise.
pub fn curve_range(p: &Prepared) -> Option<(f32, f32)> {
    let shape = p.data.input.shape();
    if shape.len() != 2 || shape[1] != 1 || p.data.is_classification() {
        return None;
    }
    let lo = p.data.input.iter().copied().fold(f32::INFINITY, f32::min);
    let hi = p.data.input.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    Some((lo, hi))
}

fn variance(v: &[f32]) -> f64 {
    mean_std(v).1.powi(2)
}

fn phase_point(model: &dyn Module) -> (Option<f64>, Option<f64>) {
    let linears: Vec<&Linear> =
        model.named_leaves().into_iter().filter_map(|(_, m)| m.downcast_ref::<Linear>()).collect();
    // Hidden-to-hidden layers when there are any (the first sees the data's few features).
    let hidden: &[&Linear] = match linears.len() {
        0 | 1 => return (None, None),
        2 => &linears[..1],
        n => &linears[1..n - 1],
    };
    let n = hidden.len() as f64;
    let w = hidden.iter().map(|l| l.in_features as f64 * variance(&l.weight.to_vec())).sum::<f64>() / n;
    let b = hidden.iter().map(|l| l.bias.as_ref().map_or(0.0, |b| variance(&b.to_vec()))).sum::<f64>() / n;
    (Some(w), Some(b))
}

/// Measures `model` (init `k` of `p`) as it enters epoch `epoch`.
pub fn snapshot(p: &Prepared, k: usize, model: &mut dyn Module, epoch: usize) -> Result<Snapshot> {
    let taps = hidden_taps(model, &p.data)?;
    let leaves: Vec<String> = model.named_leaves().into_iter().map(|(n, _)| n).collect();
    let x = &p.data.input;
    let q0 = x.iter().map(|&v| (v as f64).powi(2)).sum::<f64>() / x.len().max(1) as f64;
    let pred = predict_model(model, q0, 1.0).filter(|v| v.len() == leaves.len());
    let mut layers: Vec<LayerStd> = taps
        .iter()
        .map(|t| {
            let at = pred.as_ref().and_then(|p| leaves.iter().position(|n| *n == t.name).map(|i| &p[i]));
            LayerStd {
                name: t.name.clone(),
                type_name: t.type_name.clone(),
                act_std: mean_std(&t.act).1,
                grad_std: mean_std(&t.grad).1,
                act_pred: at.map(|s| s.act_std),
                grad_pred: at.map(|s| s.grad_std),
            }
        })
        .collect();
    if let Some(last) = layers.last() {
        let scale = match last.grad_pred {
            Some(g) if g > 0.0 && g.is_finite() => last.grad_std / g,
            _ => f64::NAN,
        };
        for l in &mut layers {
            l.grad_pred = l.grad_pred.map(|g| g * scale).filter(|g| g.is_finite());
        }
    }
    let boundary = match p.plane {
        Some(plane) => {
            // The cost is parameters × cells: the full 80 × 80 grid for the default model, coarser
            // (down to 20 × 20) for deep or wide ones, so a snapshot stays a few training steps.
            let params: usize = model.parameters().iter().map(|p| p.numel()).sum();
            let g = ((GRID * GRID * 12_000) as f64 / params.max(1) as f64).sqrt() as usize;
            let b = boundary_on(model, plane, g.clamp(20, GRID), epoch)?;
            Some(BoundaryView {
                classes: b.classes.clone(),
                confidence: b.confidence.iter().map(|&c| (c * 100.0).round().clamp(0.0, 100.0) as u8).collect(),
            })
        }
        None => None,
    };
    let curve = match curve_range(p) {
        Some((lo, hi)) => {
            let xs = ArrayD::from_shape_fn(IxDyn(&[CURVE_POINTS, 1]), |i| {
                lo + (hi - lo) * i[0] as f32 / (CURVE_POINTS - 1) as f32
            });
            model.eval();
            let y = crate::autograd::with_no_grad(|| model.forward(&Tensor::new(xs)));
            model.train();
            Some(y?.to_vec())
        }
        None => None,
    };
    let (sigma_w2, sigma_b2) = phase_point(model);
    Ok(Snapshot {
        kind: "snapshot",
        init: p.config.inits[k].0.clone(),
        init_index: k,
        seed: p.config.seed,
        epoch,
        distinct: hidden_symmetry(model)
            .into_iter()
            .map(|s| Distinct { layer: s.layer, units: s.units, distinct: s.distinct })
            .collect(),
        layers,
        hist: bin_taps(&taps, epoch),
        boundary,
        curve,
        sigma_w2,
        sigma_b2,
    })
}
