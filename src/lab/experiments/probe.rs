//! One probe run with the theory beside the measurement: the per-layer statistics of
//! [`probe`](crate::lab::instruments::taps::probe), mean-field predictions from the model's realized weight and
//! bias variances (`None` where the theory does not apply), and optionally the singular values
//! of the first sample's input–output Jacobian.

use crate::error::Result;
use crate::init::rules::Rules;
use crate::io::{load_state_dict, TensorFile};
use crate::lab::instruments::jacobian::spectrum;
use crate::lab::instruments::taps::{probe, LayerStat};
use crate::lab::models::{build, param};
use crate::nn::mup::BaseShapes;
use crate::rng::Rng;
use crate::tensor::Tensor;
use crate::theory::model::predict_model;
use crate::theory::StepPrediction;
use ndarray::Axis;

/// What one init's probe measured and what the theory predicts for it.
#[derive(Clone, Debug)]
pub struct ProbeRun {
    pub stats: Vec<LayerStat>,
    /// One prediction per leaf, aligned with `stats`; `None` for models outside the theory
    /// (conv, batch norm, residual, two activations in a row).
    pub predicted: Option<Vec<StepPrediction>>,
    /// Singular values of d output / d input at the batch's first sample, descending.
    pub singular_values: Option<Vec<f64>>,
}

/// Probes one init as the PyTorch program `torch.manual_seed(seed); model = build(spec);
/// [set_base_shapes(model, base) under μP;] <init rules>; x = torch.randn(shape); out = model(x); out.backward(torch.randn_like(out))`
/// does: every draw from the one generator, in that order (an `lsuv` rule draws its own N(0, 1)
/// batch during init). The predictions take the input's realized mean square and the upstream
/// gradient's expected one (1); the Jacobian draws nothing.
pub fn probe_run(
    spec: &serde_json::Value,
    stored: Option<&TensorFile>,
    base: Option<&BaseShapes>,
    rules: &Rules,
    shape: &[usize],
    seed: u64,
    jacobian: bool,
) -> Result<ProbeRun> {
    let mut rng = Rng::new(seed);
    let model = build(spec, &mut rng)?;
    if let Some(f) = stored {
        load_state_dict(model.as_ref(), f)?;
    }
    // μP (`--param mup`, or a μP checkpoint's base shapes): the infshapes before the rules (the
    // `mup.*` schemes read them); a fresh model is then rescaled as mup's `set_base_shapes` does,
    // a checkpoint's weights are μP's already.
    param::attach(model.as_ref(), base)?;
    let report = rules.apply(model.as_ref(), &mut rng)?;
    match stored {
        None => param::apply_after(model.as_ref(), base, &report)?,
        Some(_) => param::check_rules(base, &report)?,
    }
    let xs = rng.randn(shape);
    let x = Tensor::new(xs.clone());
    let stats = probe(model.as_ref(), &x, &mut rng)?;
    let q0 = xs.iter().map(|&v| (v as f64).powi(2)).sum::<f64>() / xs.len().max(1) as f64;
    let predicted = predict_model(model.as_ref(), q0, 1.0).filter(|p| p.len() == stats.len());
    let singular_values =
        if jacobian { Some(spectrum(model.as_ref(), &xs.index_axis(Axis(0), 0).to_owned())?) } else { None };
    Ok(ProbeRun { stats, predicted, singular_values })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wide_tanh_chain_matches_its_prediction() {
        // 10 × (Linear(512, 512), Tanh) at σ_w² = 2.5 (std √(2.5/512)), σ_b² = 0.05 (std √0.05).
        let layer = serde_json::json!([{"type": "Linear", "in_features": 512, "out_features": 512, "bias": true}, {"type": "Tanh"}]);
        let layers: Vec<serde_json::Value> = (0..10).flat_map(|_| layer.as_array().unwrap().clone()).collect();
        let spec = serde_json::json!({"type": "Sequential", "layers": layers});
        let rules = Rules::parse("Linear.weight=normal(std=0.06988);Linear.bias=normal(std=0.2236)").unwrap();
        let run = probe_run(&spec, None, None, &rules, &[64, 512], 0, false).unwrap();
        let p = run.predicted.expect("a Linear/tanh chain is inside the theory");
        assert_eq!(p.len(), run.stats.len());
        for (s, p) in run.stats.iter().zip(&p) {
            assert!((s.act_std / p.act_std - 1.0).abs() < 0.05, "{}: {} vs {}", s.name, s.act_std, p.act_std);
        }
    }
}
