//! Mean-field signal propagation at initialization (Poole et al. 2016, Schoenholz et al. 2017,
//! Pennington et al. 2017): for a wide network with weights of variance σ_w²/fan_in and biases of
//! variance σ_b², the variance of every layer, the gradient's growth per layer, the phase
//! (ordered, critical, chaotic), the depth scales, the order-to-chaos line — and, for a chain of
//! Linear layers and activations, predictions from each layer's realized variances.
//!
//! - [`act`]: φ and φ′ of each activation.
//! - [`quad`]: Gaussian expectations (graded Gauss–Legendre; Gauss–Hermite for checks).
//! - [`maps`]: the length and correlation maps, q*, c*, χ₁, ξ_c, ξ_q, the critical σ_w².
//! - [`diagram`]: ξ_c over the (σ_w², σ_b²) plane and the critical line.
//! - [`layers`]: per-layer predictions for a finite chain.
//! - [`model`]: the chain of an `nn` model, from its realized weights.
//! - [`svd`]: singular values, for the input–output Jacobian's spectrum.

pub mod act;
pub mod diagram;
pub mod layers;
pub mod maps;
pub mod model;
pub mod quad;
pub mod svd;

pub use act::Act;
pub use layers::{grad_ratios, predict_chain, q_layers, Step, StepPrediction};
pub use maps::{Analysis, Net, Phase};
pub use quad::Quad;

#[cfg(test)]
mod tests;
