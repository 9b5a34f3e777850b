//! Training: the loop that runs one model through its epochs (full batch or shuffled minibatches,
//! SGD or Adam, cross-entropy or MSE by the task), the optimizer choice, evaluation on a held-out
//! set, and per epoch the records the lab plots (loss, accuracy, test loss and accuracy, gradient
//! norms). Experiments train through here and nowhere else.

pub mod train_loop;

pub use train_loop::*;
