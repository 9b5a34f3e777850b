//! The lab around the library: datasets to train on, models from shorthand, the training loop,
//! probes of signal propagation and of a model's units, the `compare` experiment, plots of what happened, and an
//! HTML report that puts the plots and tables on one self-contained page.

pub mod compare;
pub mod data;
pub mod figures;
pub mod jacobian;
pub mod model;
pub mod model_check;
pub mod model_res;
pub mod output;
pub mod phase;
pub mod phase_shard;
pub mod plot;
pub mod probe;
pub mod probe_theory;
pub mod report;
pub mod results;
pub mod shard;
pub mod summary;
pub mod sweep;
pub mod train;
pub mod units;
pub mod views;

#[cfg(test)]
mod compare_tests;

/// The pool that runs a sweep's runs (or a phase grid's cells), `threads` wide (0: all cores).
pub(crate) fn run_pool(threads: usize) -> crate::Result<rayon::ThreadPool> {
    rayon::ThreadPoolBuilder::new().num_threads(threads).build().map_err(|e| {
        crate::Error::invalid(format!("--threads {threads}"), format!("cannot start the thread pool: {e}"))
    })
}
