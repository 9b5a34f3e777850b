//! Training: [`Run`], the one training loop of the lab (one model, its optimizer and generator,
//! stepped by batches or epochs, read at any point, snapshotted and restored), the train config
//! and optimizer choice, evaluation on a held-out set, and per epoch the records the lab plots
//! (loss, accuracy, test loss and accuracy, gradient norms). Experiments train through here and
//! nowhere else.

#[cfg(test)]
mod blowup_tests;
pub mod run;
pub mod snapshot;
pub mod train_loop;

#[cfg(test)]
mod run_tests;

pub use run::Run;
pub use snapshot::Snapshot;
pub use train_loop::*;
