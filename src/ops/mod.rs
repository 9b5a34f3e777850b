//! Differentiable ops, one file per family. Each file holds the forward (as `Tensor` methods or
//! functions), its `GradFn` right beside it, and its gradcheck tests.

pub mod binary;
pub mod loss;
pub mod matmul;
pub mod reduce;
pub mod shape;
pub mod unary;

pub use loss::{cross_entropy, mse_loss};
