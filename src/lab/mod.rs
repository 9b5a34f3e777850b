//! The lab around the library, one folder per job: [`data`] (datasets to train on), [`models`]
//! (models from shorthand, shape checks), [`train`] (the training loop), [`instruments`] (what is
//! measured on a model: taps, units, boundaries, histograms, Jacobians), [`experiments`] (compare,
//! probe, phase, built from the above), [`sweeps`] (grids of runs: records, resume, shards, output
//! sets) and [`views`] (plots, figures, summary tables and the HTML report).

pub mod data;
pub mod experiments;
pub mod instruments;
pub mod models;
pub mod sweeps;
pub mod train;
pub mod views;

/// The pool that runs a sweep's runs (or a phase grid's cells), `threads` wide (0: all cores).
pub(crate) fn run_pool(threads: usize) -> crate::Result<rayon::ThreadPool> {
    rayon::ThreadPoolBuilder::new().num_threads(threads).build().map_err(|e| {
        crate::Error::invalid(format!("--threads {threads}"), format!("cannot start the thread pool: {e}"))
    })
}
