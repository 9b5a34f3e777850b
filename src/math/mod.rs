//! Special functions shared across the crate, in one low module that imports nothing else of it:
//! erf and the standard normal's density and distribution function, used by `init` (which branch
//! `trunc_normal_` takes, the theoretical std of a truncated normal) and by `theory` (the
//! mean-field maps of erf-shaped activations). Everything above may use it; it uses nothing above.

pub(crate) mod special;
