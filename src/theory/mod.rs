//! Mean-field signal propagation at initialization (Poole et al. 2016, Schoenholz et al. 2017,
//! Pennington et al. 2017): for a wide network with weights of variance σ_w²/fan_in and biases of
//! variance σ_b², the variance of every layer, the gradient's growth per layer, the phase
//! (ordered, critical, chaotic), the depth scales, the order-to-chaos line — and, for a chain of
//! Linear layers and activations, predictions from each layer's realized variances.
//!
//! - [`act`]: φ and φ′ of each activation.
//! - [`quad`]: Gaussian expectations (graded Gauss–Legendre; Gauss–Hermite for checks).
//! - [`maps`]: the length and correlation maps, χ₁, c*, the depth scales.
//! - [`fixed`]: every fixed point of the length map, its stability, where an input ends up.
//! - [`analysis`]: q*, χ₁, c*, ξ_c, ξ_q and the phase at the point the inputs reach.
//! - [`critical`]: the σ_w² where order ends for given inputs (χ₁ = 1, q* → ∞, or a jump).
//! - [`diagram`]: ξ_c over the (σ_w², σ_b²) plane and the critical line.
//! - [`layers`]: per-layer predictions for a finite chain.
//! - [`model`]: the chain of an `nn` model, from its realized weights.
//! - [`svd`]: singular values, for the input–output Jacobian's spectrum.

pub mod act;
pub mod analysis;
pub mod critical;
pub mod diagram;
pub mod fixed;
pub mod layers;
pub mod maps;
pub mod model;
pub mod quad;
pub mod svd;

pub use act::Act;
pub use analysis::Analysis;
pub use critical::{Critical, JumpCause, Transition};
pub use fixed::{Fate, FixedPoint, FixedPoints, Stability};
pub use layers::{grad_ratios, predict_chain, q_layers, Step, StepPrediction};
pub use maps::{Net, Phase};
pub use quad::Quad;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_fixed;
