//! The lab around the library: datasets to train on, models from shorthand, the training loop,
//! probes of signal propagation and of a model's units, the `compare` experiment, plots of what happened, and an
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
pub mod summary;
pub mod sweep;
pub mod train;
pub mod units;

#[cfg(test)]
mod compare_tests;
