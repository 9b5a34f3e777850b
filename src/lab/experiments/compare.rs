//! `compare`: train one model from several inits and seeds, and see what each init did.
//!
//! The grid is (init k, seed s), run index `k·seeds + s`. Run (k, s) is the PyTorch program
//! `torch.manual_seed(seed + s)`; build the model (each layer drawing its default init); apply
//! init k; train, each epoch with minibatches drawing `torch.randperm(n)` from that same
//! generator. The data comes from its own generator, `torch.Generator().manual_seed(seed)`, the
//! same for every run. A run is a pure function of (config, k, s), so results do not depend on
//! the thread count or on which shard ran it. `scripts/compare_torch.py` is that program.
//!
//! The config and its checks are in [`super::compare_setup`], one run in [`super::compare_run`];
//! this module is the name everything else uses.

pub use super::compare_run::{run_grid, run_one, run_one_counted, run_one_from, Partial, RunResult, RunViews};
pub use super::compare_setup::*;
