//! Reverse-mode autograd: the `GradFn` trait each op implements beside its forward, grad mode
//! (`no_grad`), and the backward engine. The engine knows nothing about particular ops: it sorts
//! the graph topologically, calls each node's `GradFn`, un-broadcasts every input gradient to its
//! input's shape once, and accumulates into leaves.

mod engine;
pub mod gradcheck;

pub use engine::{backward, backward_with, unbroadcast};

use crate::tensor::Tensor;
use ndarray::ArrayD;
use std::cell::Cell;

/// The backward of one op. `grad_out` has the op output's shape; the returned gradients are one
/// per input, in order (`None` where an input needs none). A gradient may have the op output's
/// (broadcast) shape: the engine sums it down to the input's shape.
pub trait GradFn: Send + Sync {
    fn name(&self) -> &'static str;
    fn backward(&self, grad_out: &ArrayD<f32>, inputs: &[Tensor]) -> Vec<Option<ArrayD<f32>>>;
}

/// A recorded op: its backward and its inputs.
pub(crate) struct Node {
    pub(crate) grad_fn: Box<dyn GradFn>,
    pub(crate) inputs: Vec<Tensor>,
    /// Each input's version when the op ran; backward refuses if one has changed since.
    pub(crate) versions: Vec<u64>,
}

thread_local! {
    static GRAD_ENABLED: Cell<bool> = const { Cell::new(true) };
}

/// Whether ops record the graph on this thread.
pub fn is_grad_enabled() -> bool {
    GRAD_ENABLED.with(|g| g.get())
}

/// While alive, ops on this thread record nothing (torch's `with torch.no_grad():`).
pub struct NoGradGuard {
    prev: bool,
}

/// Turns graph recording off until the returned guard drops.
pub fn no_grad() -> NoGradGuard {
    let prev = GRAD_ENABLED.with(|g| g.replace(false));
    NoGradGuard { prev }
}

impl Drop for NoGradGuard {
    fn drop(&mut self) {
        GRAD_ENABLED.with(|g| g.set(self.prev));
    }
}

/// Runs `f` with graph recording off.
pub fn with_no_grad<R>(f: impl FnOnce() -> R) -> R {
    let _g = no_grad();
    f()
}
