//! Models for experiments: the shorthands (`mlp:`, `conv:` in [`shorthand`], the residual
//! `resmlp:` and `resnet:` in [`residual`]) turned into JSON specs, building a spec into a
//! module, and the shape checks ([`check`]) that say before any training whether a model fits its
//! input, naming the two layers that disagree.

pub mod check;
pub mod residual;
pub mod shorthand;

pub use check::{build, check_fits, check_layers, first_linear_width};
pub use shorthand::{ModelSpec, Options, DEFAULT_MODEL};
