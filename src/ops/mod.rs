//! Differentiable ops, one file per family. Each file holds the forward (as `Tensor` methods or
//! functions), its `GradFn` right beside it, and its gradcheck tests.

pub mod binary;
pub mod conv;
pub mod loss;
pub mod matmul;
pub mod norm;
pub mod reduce;
pub mod shape;
pub mod unary;

pub use conv::{conv2d, Conv2dArgs};
pub use loss::{cross_entropy, mse_loss};
pub use norm::batch_norm;
