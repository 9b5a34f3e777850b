//! Predictions layer by layer for a finite chain: the variance of every pre-activation, the std
//! of every module's output and of the gradient arriving at it. A chain is a list of steps —
//! Linear maps with their own σ_w², σ_b² and fans, elementwise activations, identities — so the
//! same code serves a uniform network of depth L and a real model with realized variances.

use super::act::Act;
use super::maps::Net;
use super::quad::Quad;

/// One module of a chain, as the theory sees it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Step {
    /// y = W x + b with Var(W) = σ_w²/fan_in, Var(b) = σ_b².
    Linear {
        sigma_w2: f64,
        sigma_b2: f64,
        fan_in: usize,
        fan_out: usize,
    },
    Act(Act),
    /// A module that passes values on unchanged (Flatten).
    Identity,
}

/// The prediction for one step's output.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct StepPrediction {
    /// Variance of the output when it is a pre-activation (a Linear's output), else `None`.
    pub q: Option<f64>,
    /// Std of the output's elements.
    pub act_std: f64,
    /// Std of the gradient arriving at the output.
    pub grad_std: f64,
}

/// What is known of the signal between steps: Gaussian with variance q (the input and every
/// Linear's output, in the wide limit), or only its mean square (after an activation).
#[derive(Clone, Copy, Debug)]
enum Signal {
    Gaussian(f64),
    MeanSquare(f64),
}

/// Predictions for each step's output, for an input of i.i.d. zero-mean Gaussian elements of
/// mean square `q0` and an upstream gradient of mean square `g2` at the last output. `None`
/// when the theory does not cover the chain: an activation applied to a signal that is not
/// Gaussian (two activations in a row).
pub fn predict_chain(steps: &[Step], q0: f64, g2: f64, quad: &Quad) -> Option<Vec<StepPrediction>> {
    let mut signal = Signal::Gaussian(q0);
    // Forward: each step's prediction and the gradient factor from its output to its input.
    let mut out = Vec::with_capacity(steps.len());
    let mut back = Vec::with_capacity(steps.len());
    for step in steps {
        match *step {
            Step::Linear { sigma_w2, sigma_b2, fan_in, fan_out } => {
                let m = match signal {
                    Signal::Gaussian(q) | Signal::MeanSquare(q) => q,
                };
                let q = sigma_w2 * m + sigma_b2;
                signal = Signal::Gaussian(q);
                out.push(StepPrediction { q: Some(q), act_std: q.sqrt(), grad_std: 0.0 });
                back.push(sigma_w2 * fan_out as f64 / fan_in.max(1) as f64);
            }
            Step::Act(act) => {
                let Signal::Gaussian(q) = signal else { return None };
                let r = q.sqrt();
                let m = quad.expect_scaled(r, |z| act.phi(r * z).powi(2));
                let mean = quad.expect_scaled(r, |z| act.phi(r * z));
                signal = Signal::MeanSquare(m);
                out.push(StepPrediction { q: None, act_std: (m - mean * mean).max(0.0).sqrt(), grad_std: 0.0 });
                back.push(quad.expect_scaled(r, |z| act.dphi(r * z).powi(2)));
            }
            Step::Identity => {
                let prev = out.last().map(|p: &StepPrediction| p.act_std).unwrap_or(q0.sqrt());
                out.push(StepPrediction { q: None, act_std: prev, grad_std: 0.0 });
                back.push(1.0);
            }
        }
    }
    let mut g = g2;
    for (p, factor) in out.iter_mut().zip(&back).rev() {
        p.grad_std = g.sqrt();
        g *= factor;
    }
    Some(out)
}

/// The uniform network of `depth` Linear+φ layers at (σ_w², σ_b²), square layers.
pub fn uniform_chain(net: &Net, depth: usize) -> Vec<Step> {
    let linear = Step::Linear { sigma_w2: net.sigma_w2, sigma_b2: net.sigma_b2, fan_in: 1, fan_out: 1 };
    (0..depth).flat_map(|_| [linear, Step::Act(net.act)]).collect()
}

/// q¹ … q^L for an input of mean square q0: q¹ = σ_w² q0 + σ_b² (the first layer is linear in
/// the input), then the length map.
pub fn q_layers(net: &Net, depth: usize, q0: f64, quad: &Quad) -> Vec<f64> {
    let mut q = net.sigma_w2 * q0 + net.sigma_b2;
    let mut out = Vec::with_capacity(depth);
    for _ in 0..depth {
        out.push(q);
        q = net.length_map(quad, q);
    }
    out
}

/// The predicted ratio of gradient variances between consecutive pre-activations,
/// E[δˡ²]/E[δˡ⁺¹²] = σ_w² E[φ′(√qˡ z)²], for each layer's qˡ (χ₁ once qˡ has reached q*).
pub fn grad_ratios(net: &Net, q_layers: &[f64], quad: &Quad) -> Vec<f64> {
    q_layers.iter().map(|&q| net.chi(quad, q)).collect()
}
