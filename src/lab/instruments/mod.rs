//! Instruments: what can be measured on a model, at init or at any point of training, without
//! changing it. Per-layer taps of activations and gradients ([`taps`]: the probe's mean and std
//! per leaf), units ([`units`]: distinct units per layer, symmetry, dead ReLUs, output stds),
//! decision boundaries and histograms of activations and gradients ([`captures`]), the fitted curve
//! of a 1-D regression ([`curve`]), and the
//! input–output Jacobian's singular values ([`jacobian`]). Experiments are built from these.

pub mod captures;
pub mod curve;
pub mod jacobian;
pub mod readings;
pub mod taps;
pub mod units;
