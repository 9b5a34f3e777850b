//! The theory's view of an `nn` model: a chain of Linear layers and elementwise activations —
//! every one the theory knows: ReLU, LeakyReLU, Tanh, Sigmoid, SELU, ELU, GELU (both forms),
//! SiLU, Softplus; Identity and Flatten pass values on — (through nested `Sequential`s), each Linear with its *realized* σ_w² = fan_in·Var(W) and
//! σ_b² = Var(b), so the predictions hold for whatever init produced the weights. Anything else
//! (Conv2d, batch norm, a residual container) is outside the theory: `None`.

use super::act::Act;
use super::layers::{predict_chain, Step, StepPrediction};
use super::quad::Quad;
use crate::nn::{
    Flatten, Identity, LeakyReLU, Linear, Module, ReLU, Sequential, SiLU, Sigmoid, Softplus, Tanh, ELU, GELU, SELU,
};

/// Population variance in f64.
fn variance(values: &[f32]) -> f64 {
    let n = values.len().max(1) as f64;
    let mean = values.iter().map(|&v| v as f64).sum::<f64>() / n;
    values.iter().map(|&v| (v as f64 - mean).powi(2)).sum::<f64>() / n
}

fn leaf_step(m: &dyn Module) -> Option<Step> {
    if let Some(l) = m.downcast_ref::<Linear>() {
        let sigma_w2 = l.in_features as f64 * variance(&l.weight.to_vec());
        let sigma_b2 = l.bias.as_ref().map(|b| variance(&b.to_vec())).unwrap_or(0.0);
        return Some(Step::Linear { sigma_w2, sigma_b2, fan_in: l.in_features, fan_out: l.out_features });
    }
    if m.is::<ReLU>() {
        return Some(Step::Act(Act::Relu));
    }
    if let Some(l) = m.downcast_ref::<LeakyReLU>() {
        return Some(Step::Act(Act::LeakyRelu(l.negative_slope)));
    }
    if m.is::<Tanh>() {
        return Some(Step::Act(Act::Tanh));
    }
    if m.is::<Sigmoid>() {
        return Some(Step::Act(Act::Sigmoid));
    }
    if m.is::<SELU>() {
        return Some(Step::Act(Act::Selu));
    }
    if let Some(l) = m.downcast_ref::<ELU>() {
        return Some(Step::Act(Act::Elu(l.alpha)));
    }
    if let Some(l) = m.downcast_ref::<GELU>() {
        return Some(Step::Act(if l.tanh_approximation { Act::GeluTanh } else { Act::Gelu }));
    }
    if m.is::<SiLU>() {
        return Some(Step::Act(Act::Silu));
    }
    if let Some(l) = m.downcast_ref::<Softplus>() {
        // β ≤ 0 is not a softplus the theory (or torch, sensibly) has.
        let ok = l.beta.is_finite() && l.beta > 0.0 && !l.threshold.is_nan();
        return ok.then_some(Step::Act(Act::Softplus { beta: l.beta, threshold: l.threshold }));
    }
    if m.is::<Flatten>() || m.is::<Identity>() {
        return Some(Step::Identity);
    }
    None
}

/// The model's leaves in forward order (descending into `Sequential`s, as the probe does) as
/// theory steps, or `None` if any leaf is outside the theory.
pub fn chain_of(model: &dyn Module) -> Option<Vec<Step>> {
    fn walk(m: &dyn Module, out: &mut Vec<Step>) -> Option<()> {
        if let Some(seq) = m.downcast_ref::<Sequential>() {
            for (_, child) in &seq.layers {
                walk(child.as_ref(), out)?;
            }
            Some(())
        } else {
            out.push(leaf_step(m)?);
            Some(())
        }
    }
    let mut steps = Vec::new();
    walk(model, &mut steps)?;
    Some(steps)
}

/// Predicted output std and gradient std of every leaf, for an input of i.i.d. zero-mean
/// Gaussian elements of mean square `q0` and an upstream gradient of mean square `g2`.
pub fn predict_model(model: &dyn Module, q0: f64, g2: f64) -> Option<Vec<StepPrediction>> {
    predict_chain(&chain_of(model)?, q0, g2, &Quad::default())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::BatchNorm1d;
    use crate::rng::Rng;
    use ndarray::{ArrayD, IxDyn};

    #[test]
    fn realized_variances_and_unsupported_layers() {
        let mut rng = Rng::new(3);
        let l = Linear::with_rng(64, 32, true, &mut rng);
        // Weights set by hand: ±0.25 alternating, so Var(W) = 1/16 exactly; bias ±0.5.
        l.weight
            .set_data(ArrayD::from_shape_fn(IxDyn(&[32, 64]), |i| if (i[0] + i[1]) % 2 == 0 { 0.25 } else { -0.25 }))
            .unwrap();
        l.bias
            .as_ref()
            .unwrap()
            .set_data(ArrayD::from_shape_fn(IxDyn(&[32]), |i| if i[0] % 2 == 0 { 0.5 } else { -0.5 }))
            .unwrap();
        let mut s = Sequential::new(vec![Box::new(l), Box::new(Tanh)]);
        let steps = chain_of(&s).unwrap();
        assert_eq!(steps[0], Step::Linear { sigma_w2: 4.0, sigma_b2: 0.25, fan_in: 64, fan_out: 32 });
        assert_eq!(steps[1], Step::Act(Act::Tanh));
        let p = predict_model(&s, 1.0, 1.0).unwrap();
        assert!((p[0].act_std - 4.25f64.sqrt()).abs() < 1e-12);
        // Gradient at the Linear's output: E[tanh′(√4.25 z)²] times the unit upstream variance.
        let d = Quad::default().expect(|z| Act::Tanh.dphi(4.25f64.sqrt() * z).powi(2));
        assert!((p[0].grad_std - d.sqrt()).abs() < 1e-12 && (p[1].grad_std - 1.0).abs() < 1e-15);
        s.push(Box::new(BatchNorm1d::new(32, Default::default())));
        assert!(chain_of(&s).is_none(), "batch norm is outside the theory");
    }
}
