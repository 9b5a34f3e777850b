//! Experiments, each built from models, the training loop and instruments: [`compare`] (one model
//! trained from several inits and seeds), [`probe`] (signal propagation at init with the theory
//! beside the measurement) and [`phase`] (trainability over σ_w² × depth). Each is a pure function
//! of its config, so results do not depend on thread count or sharding.

pub mod compare;
pub mod compare_run;
pub mod compare_setup;
pub mod phase;
pub mod probe;
pub mod symmetry;
pub mod symmetry_out;
pub mod width;

#[cfg(test)]
mod compare_tests;
