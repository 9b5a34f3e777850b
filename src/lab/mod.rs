//! The lab around the library: datasets to train on, models from shorthand, the training loop,
//! probes of what a model does inside, the `compare` experiment, plots of what happened, and an
//! HTML report that puts the plots and tables on one self-contained page.

pub mod compare;
pub mod data;
pub mod model;
pub mod output;
pub mod plot;
pub mod probe;
pub mod report;
pub mod results;
pub mod shard;
pub mod signal;
pub mod summary;
pub mod train;

#[cfg(test)]
mod compare_tests;
